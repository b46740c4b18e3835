/* decoder.h — the Whisper text decoder (internal API; the transcription calls will wrap it).
 *
 * What openai/whisper model.py (TextDecoder) computes, for tokens t at positions p:
 *   x = token_embedding[t] + positional_embedding[p]                       [n][d]
 *   per layer:
 *     x += out(attn(attn_ln(x)))            causal self-attention over every cached position
 *     x += cross_out(attn(cross_ln(x), features))   K/V = key/value(features), once per window
 *     x += fc2(gelu(fc1(mlp_ln(x))))
 *   logits = ln(x) · token_embeddingᵀ                                      [n][n_vocab]
 * Attention: softmax(q·kᵀ · head_dim^-1/2)·v per head (Whisper scales q and k each by
 * head_dim^-1/4: the same product); the key projections have no bias.
 *
 * Precisions (the weights, GEMMs and logits; the attention is FP32 in both):
 *   WK_PRECISION_FP32: every Linear and the logits through the f32 family (f32/f32.h);
 *   WK_PRECISION_INT8: every Linear and the logits with int8 weights per output channel
 *     (wk_quantize_weights) and int8 activations per token through the INT8 GEMM (gemm/gemm.h),
 *     LayerNorm fused with the quantization, fc1's GELU output requantized in its epilogue.
 * Both are byte-identical on every ISA and thread count (every operator they call is), and a
 * row's result does not depend on the other rows of a step: a prompt run at once equals the
 * same prompt run token by token, byte for byte, in both precisions.
 *
 * Self-attention K/V (cache) are kept in fp32, in the f32 attention's panels (written a key at
 * a time, so a step never re-packs the cache), the cross-attention K/V in fp32 (FP32) or IEEE
 * halves (INT8: after the weights they are a step's largest read — 37 MB of fp32 for base
 * against 49 MB of int8 weights — and halves cut them to half; fp32 for a window whose values
 * leave the half range); the attention is the f32 family's (wk_f32_attention: packed K/V,
 * base-2 softmax); the cross K/V are packed into its panels once per window (wk_f32_kv_pack,
 * wk_f32_kv_to_f16), so a step reads them without re-packing.
 */
#ifndef WK_DECODER_H
#define WK_DECODER_H

#include <stddef.h>

#include "whisk.h"

/* One attention block's fp32 weights, PyTorch Linear layout [out][in]. */
typedef struct wk_decoder_attn_f32 {
  const float *ln_g, *ln_b; /* [d] attn_ln / cross_attn_ln */
  const float *wq, *bq;     /* [d][d], [d] */
  const float *wk;          /* [d][d] (no bias) */
  const float *wv, *bv;     /* [d][d], [d] */
  const float *wo, *bo;     /* [d][d], [d] */
} wk_decoder_attn_f32;

typedef struct wk_decoder_layer_f32 {
  wk_decoder_attn_f32 attn;        /* causal self-attention */
  wk_decoder_attn_f32 cross;       /* cross-attention on the encoder features */
  const float *mlp_ln_g, *mlp_ln_b; /* [d] */
  const float *w1, *b1;            /* [ffn][d], [ffn] mlp.0 */
  const float *w2, *b2;            /* [d][ffn], [d]   mlp.2 */
} wk_decoder_layer_f32;

/* The decoder's weights in fp32 (wk_model_decoder_f32 in io/ggml.h fills them from a model). */
typedef struct wk_decoder_f32 {
  int n_vocab;     /* 256 … 2^20 (51864 / 51865 / 51866) */
  int n_text_ctx;  /* positions, 1 … 16384 (448) */
  int d;           /* n_text_state; heads divide it into head dims 16 … 128 */
  int heads;       /* n_text_head */
  int n_layer;     /* n_text_layer, 1 … 1024 */
  int ffn;         /* mlp width, 4·d in Whisper, 1 … 65536 */
  const float *token_embedding;      /* [n_vocab][d] */
  const float *positional_embedding; /* [n_text_ctx][d] */
  const wk_decoder_layer_f32 *layers; /* [n_layer], or NULL with layer_fn: */
  /* Layers one at a time (a model file's, dequantized into one reused buffer): layer i into
   * *out, valid until the next call.  Used only when `layers` is NULL. */
  wk_status (*layer_fn)(void *layer_arg, int i, wk_decoder_layer_f32 *out);
  void *layer_arg;
  const float *ln_g, *ln_b;          /* [d] decoder.ln */
} wk_decoder_f32;

typedef struct wk_decoder wk_decoder;
typedef struct wk_decoder_state wk_decoder_state;

/* Packs (and for INT8 quantizes) every weight of `w` (which may be freed afterwards) for the
 * context's ISA; run it with contexts of that ISA.  Fails on bad sizes, NULL or non-finite
 * weights.  Read-only afterwards: several threads may step their own states at once. */
wk_status wk_decoder_create(wk_context *context, const wk_decoder_f32 *w, wk_precision precision,
                            wk_decoder **out);
void wk_decoder_free(wk_decoder *dec); /* accepts NULL */

/* n_vocab, n_text_ctx, d (any may be NULL). */
void wk_decoder_dims(const wk_decoder *dec, int *n_vocab, int *n_text_ctx, int *d);
/* Bytes of packed weights one step reads (every Linear but the cross K/V, and the logits);
 * the floor of a memory-bound step is this divided by the memory bandwidth. */
size_t wk_decoder_weight_bytes(const wk_decoder *dec);

/* A decoding state for one audio window and n_beams beams (1 … 64): the self-attention cache
 * [n_layer][n_beams][n_text_ctx] positions of k and v and the cross-attention K/V
 * [n_layer][n_audio][k ‖ v: 2d] (packed) shared by the beams, plus the steps' scratch (grown on use). */
wk_status wk_decoder_state_create(const wk_decoder *dec, int n_beams, wk_decoder_state **out);
void wk_decoder_state_free(wk_decoder_state *st); /* accepts NULL */
int wk_decoder_state_beams(const wk_decoder_state *st);
/* Positions cached so far (the same for every beam). */
int wk_decoder_state_position(const wk_decoder_state *st);
/* Forgets the cached positions from `position` on (0 … the current position), keeping the
 * cross K/V: the next step runs at `position`, as if the later steps had not been run. */
wk_status wk_decoder_state_rewind(wk_decoder_state *st, int position);
/* Bytes one step of n_new tokens per beam reads at the state's position: the packed weights
 * (wk_decoder_weight_bytes), the cross K/V as stored, and every beam's cached K/V up to and
 * including the new positions (activations and scratch, ≪ these, are not counted). */
size_t wk_decoder_step_bytes(const wk_decoder *dec, const wk_decoder_state *st, int n_new);

/* Computes every layer's cross-attention K/V from the encoder output features [n_audio][d]
 * (finite; 1 ≤ n_audio ≤ 65536) once, and empties the self-attention cache (position 0). */
wk_status wk_decoder_set_audio(wk_context *context, const wk_decoder *dec, wk_decoder_state *st,
                               const float *features, int n_audio);

/* Runs n_new tokens per beam at positions position … position + n_new − 1 and appends their
 * K/V to the cache.  tokens: [n_beams][n_new], each 0 … n_vocab − 1 (n_new > 1: a prompt's
 * prefill; 1: a decoding step — one GEMM of n_beams·n_new rows per Linear either way).
 * logits: [n_beams][n_vocab], the logits of each beam's last new position (NULL: skip the
 * logits GEMM, e.g. for a prefill whose logits are not needed).  Fails without changing the
 * position if a token is out of range, position + n_new > n_text_ctx, no audio was set, or a
 * value overflows (the cache rows past the position are then unspecified). */
wk_status wk_decoder_step(wk_context *context, const wk_decoder *dec, wk_decoder_state *st,
                          const int *tokens, int n_new, float *logits);

/* What a step can also hand back for word timestamps (timing.py's find_alignment). */
typedef struct wk_decoder_capture {
  const int *heads;      /* [n_heads][2]: (layer, head) pairs of cross-attention, layer
                          * 0 … n_layer − 1, head 0 … heads − 1 (repeats allowed) */
  int n_heads;           /* ≥ 0 */
  float *qk;             /* [n_heads][n_new][n_audio] (non-NULL when n_heads > 0): their logits
                          * before the softmax, in the pairs' order — model.py's qkv_attention's
                          * qk = (q·dh^-1/4)·(k·dh^-1/4)ᵀ, here as the f32 attention's scores
                          * (f32.h: the fmaf chain q·k, times 1/√dh in float) */
  const int *targets;    /* NULL, or [n_new]: a token id per row, −1 … n_vocab − 1 (−1: none) */
  int vocab_limit;       /* with targets, 1 … n_vocab: the softmax's vocabulary prefix
                          * (find_alignment: eot) */
  double *target_probs;  /* [n_new] with targets: softmax(logits[i][: vocab_limit])[targets[i]]
                          * in double (max subtracted, exp, summed in order; 0 for −1 or a
                          * target ≥ vocab_limit) */
} wk_decoder_capture;

/* wk_decoder_step for one beam (n_beams must be 1) that also fills *cap (non-NULL); logits as
 * there (may be NULL), byte for byte.  The new positions are cached as by wk_decoder_step, and
 * it fails as that does (then qk and target_probs are unspecified), or on bad capture
 * arguments, before anything runs.  Only the layers named by a pair record their logits (into
 * the state's scratch: heads·n_new·n_audio floats).  With targets every row's logits are
 * computed, 16 rows per GEMM; a non-finite logit in any row fails as the last row's does. */
wk_status wk_decoder_step_capture(wk_context *context, const wk_decoder *dec,
                                  wk_decoder_state *st, const int *tokens, int n_new,
                                  float *logits, const wk_decoder_capture *cap);

/* Beam search's reordering: beam b takes the cache of beam src_beam[b] (each 0 … n_beams − 1;
 * repeats allowed), positions 0 … position − 1. */
wk_status wk_decoder_reorder(wk_decoder_state *st, const int *src_beam);

#endif
