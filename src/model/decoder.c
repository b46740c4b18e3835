/* decoder.c — the Whisper text decoder: weights packed once (FP32 or INT8 Linears), a state per
 * audio window holding the cross K/V and the self-attention cache, and batched steps. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "f32/f32.h"
#include "gemm/gemm.h"
#include "model/decoder.h"
#include "norm/norm.h"
#include "quant/quant.h"
#include "runtime/runtime.h"

#define MAX_BEAMS 64
#define MAX_AUDIO 65536
#define CAPTURE_ROWS 16 /* rows per logits GEMM for the target probabilities: [16][n_vocab] */

/* One Linear, [n][k], in the decoder's precision. */
typedef struct lin {
  wk_f32_weights *f; /* FP32 */
  wk_gemm_weights *q; /* INT8 */
  int n, k;
} lin;

typedef struct dec_layer {
  lin qkv;         /* [3d][d]: attn q ‖ k ‖ v, bias bq ‖ 0 ‖ bv (one GEMM) */
  lin out;         /* [d][d], bo */
  lin cq;          /* [d][d], cross bq */
  lin ckv;         /* [2d][d]: cross k ‖ v, bias 0 ‖ bv (run once per window in set_audio) */
  lin cout;        /* [d][d], cross bo */
  lin fc1;         /* [ffn][d], b1 */
  lin fc2;         /* [d][ffn], b2 */
  float *ln;       /* [6][d]: attn_ln g, b; cross_attn_ln g, b; mlp_ln g, b */
} dec_layer;

struct wk_decoder {
  wk_precision precision;
  int n_vocab, n_text_ctx, d, heads, n_layer, ffn;
  float *tok;        /* [n_vocab][d] token embedding (fp32 lookups in both precisions) */
  float *pos;        /* [n_text_ctx][d] */
  float *ln;         /* [2][d] decoder.ln g, b */
  lin logits;        /* [n_vocab][d] = token_embedding, no bias */
  dec_layer *layers; /* [n_layer] */
  size_t weight_bytes; /* packed bytes of the Linears a step reads (all but ckv) + logits */
  wk_arena packed;     /* INT8: every Linear's packed weights, one huge-page block */
};

struct wk_decoder_state {
  int n_beams, n_text_ctx, d, n_layer, ffn;
  int n_audio;        /* 0 until wk_decoder_set_audio */
  int position;       /* cached positions per beam */
  float *self_kv;     /* [n_layer][n_beams][kv_block]: each beam's cached K and V, in the f32
                       * attention's panels (written a key at a time, so no step packs them):
                       * K [heads][k_head] (panels of 64 keys, [dh][64] each), then
                       * V [heads][v_head] (⌈dh/64⌉ panels of [n_text_ctx][64]) */
  size_t kv_block, k_head, v_head, v_panel; /* floats */
  int heads;
  float *reorder;     /* wk_decoder_reorder's copies of the source beams (kept: no page faults) */
  size_t reorder_cap; /* floats */
  void *cross;        /* [n_layer][cross_bytes]: each layer's cross K/V packed once
                       * (wk_f32_kv_pack: the f32 attention's panels, not re-packed per step);
                       * INT8: in IEEE halves when every value fits (cross_f16) */
  int cross_f16;
  size_t cross_bytes; /* per layer */
  size_t cross_cap;   /* bytes allocated in cross */
  /* scratch, grown to `rows` rows of a step (or n_audio rows in set_audio) */
  int rows;
  float *x;           /* [rows][d] residual stream */
  float *a;           /* [rows][d] LN output (FP32) / attention output */
  float *b;           /* [rows][max(3d, ffn)] qkv / fc1 output */
  int8_t *q8;         /* [rows][d] int8 activations (a LayerNorm's or the attention's) */
  float *qs;          /* [rows] their scales */
  int8_t *f8;         /* [rows][ffn] fc1's requantized output (fc2's input) */
  float *fs;          /* [rows] its scales */
  void *attn_ws;      /* wk_f32_attention workspace */
  size_t attn_size;
  /* wk_decoder_step_capture's scratch (grown on its first use) */
  float *cap_scores;  /* [heads][rows][n_audio] one layer's cross-attention logits */
  size_t cap_scores_cap; /* floats */
  float *cap_logits;  /* [CAPTURE_ROWS][n_vocab] a chunk of rows' logits */
};

/* ── weights ─────────────────────────────────────────────────────────────── */

static void lin_free(lin *l) {
  wk_f32_weights_free(l->f);
  wk_gemm_weights_free(l->q);
  l->f = NULL, l->q = NULL;
}

/* Packs w [n][k] (row stride k) with bias [n] (or NULL) in the precision: INT8 quantizes each
 * output channel (row) symmetrically (quant.h's rule). */
static wk_status lin_create(wk_context *ctx, wk_precision prec, const float *w, const float *bias,
                            int n, int k, lin *out) {
  out->n = n, out->k = k;
  if (prec == WK_PRECISION_FP32) return wk_f32_weights_create(ctx, w, k, bias, n, k, &out->f);
  int8_t *q = wk_alloc_array((size_t)n * k, 1);
  float *s = wk_alloc_array((size_t)n, sizeof(float));
  wk_status st = q && s ? WK_STATUS_OK
                        : wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (weights)");
  if (!st) st = wk_quantize_weights(ctx, w, k, n, k, NULL, q, s);
  if (!st) st = wk_gemm_weights_create(ctx, q, k, s, bias, n, k, &out->q);
  wk_free(q), wk_free(s);
  return st;
}

/* Rows stacked: [Σ d][d] from parts [d][d] (biases NULL → 0), then packed.  INT8 quantizes
 * each part into its rows directly (the rule is per row); FP32 packs one stacked copy. */
static wk_status lin_create_stacked(wk_context *ctx, wk_precision prec, int parts,
                                    const float *const *w, const float *const *bias, int d,
                                    lin *out) {
  const size_t dd = (size_t)d * d, n = (size_t)parts * d;
  const int fp32 = prec == WK_PRECISION_FP32;
  float *b = wk_alloc_array(n + (fp32 ? parts * dd : 0), sizeof(float)); /* [n] (+ [n][d]) */
  int8_t *q = fp32 ? NULL : wk_alloc_array(n * d, 1);
  float *s = fp32 ? NULL : wk_alloc_array(n, sizeof(float));
  wk_status st = b && (fp32 || (q && s))
                     ? WK_STATUS_OK
                     : wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (weights)");
  for (int i = 0; !st && i < parts; i++) {
    if (bias[i]) memcpy(b + (size_t)i * d, bias[i], (size_t)d * sizeof(float));
    else memset(b + (size_t)i * d, 0, (size_t)d * sizeof(float)); /* Whisper's keys: no bias */
    if (fp32) memcpy(b + n + i * dd, w[i], dd * sizeof(float));
    else st = wk_quantize_weights(ctx, w[i], d, d, d, NULL, q + i * dd, s + (size_t)i * d);
  }
  out->n = (int)n, out->k = d;
  if (!st) st = fp32 ? wk_f32_weights_create(ctx, b + n, d, b, (int)n, d, &out->f)
                     : wk_gemm_weights_create(ctx, q, d, s, b, (int)n, d, &out->q);
  wk_free(b), wk_free(q), wk_free(s);
  return st;
}

static size_t lin_bytes(const lin *l) {
  /* packed INT8: a byte per weight + a scale and a bias per row; FP32: 4 bytes + the bias */
  return l->q ? (size_t)l->n * l->k + 8 * (size_t)l->n : 4 * ((size_t)l->n * l->k + l->n);
}

void wk_decoder_free(wk_decoder *dec) {
  if (!dec) return;
  wk_free(dec->tok), wk_free(dec->pos), wk_free(dec->ln);
  lin_free(&dec->logits);
  for (int l = 0; dec->layers && l < dec->n_layer; l++) {
    dec_layer *L = &dec->layers[l];
    lin_free(&L->qkv), lin_free(&L->out), lin_free(&L->cq), lin_free(&L->ckv);
    lin_free(&L->cout), lin_free(&L->fc1), lin_free(&L->fc2);
    wk_free(L->ln);
  }
  wk_free(dec->layers);
  wk_huge_free(dec->packed.base, dec->packed.size);
  wk_free(dec);
}

/* Bytes of the INT8 Linears' packed weights (wk_gemm_weights_bytes), alignment included. */
static size_t packed_bytes(const wk_context *ctx, const wk_decoder_f32 *w) {
  const int d = w->d, f = w->ffn;
  const size_t layer = wk_gemm_weights_bytes(ctx, 3 * d, d) +
                       4 * wk_gemm_weights_bytes(ctx, d, d) + wk_gemm_weights_bytes(ctx, 2 * d, d) +
                       wk_gemm_weights_bytes(ctx, f, d) + wk_gemm_weights_bytes(ctx, d, f);
  return wk_gemm_weights_bytes(ctx, w->n_vocab, d) + 64 + (size_t)w->n_layer * (layer + 7 * 64);
}

static int attn_complete(const wk_decoder_attn_f32 *a) {
  return a->ln_g && a->ln_b && a->wq && a->bq && a->wk && a->wv && a->bv && a->wo && a->bo;
}

static int layer_complete(const wk_decoder_layer_f32 *l) {
  return attn_complete(&l->attn) && attn_complete(&l->cross) && l->mlp_ln_g && l->mlp_ln_b &&
         l->w1 && l->b1 && l->w2 && l->b2;
}

/* A finite copy of n floats into *dst (allocated). */
static wk_status copy_vec(const float *src, size_t n, const char *what, float **dst) {
  if (!wk_all_finite(src, n))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: %s holds NaN or infinity", what);
  *dst = wk_alloc_array(n, sizeof(float));
  if (!*dst) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (%s)", what);
  memcpy(*dst, src, n * sizeof(float));
  return WK_STATUS_OK;
}

static wk_status pack_layer(wk_context *ctx, wk_precision prec, const wk_decoder_layer_f32 *w,
                            int d, int ffn, dec_layer *L) {
  const wk_decoder_attn_f32 *a = &w->attn, *c = &w->cross;
  const float *qkv_w[3] = {a->wq, a->wk, a->wv}, *qkv_b[3] = {a->bq, NULL, a->bv};
  const float *kv_w[2] = {c->wk, c->wv}, *kv_b[2] = {NULL, c->bv};
  wk_status s = lin_create_stacked(ctx, prec, 3, qkv_w, qkv_b, d, &L->qkv);
  if (!s) s = lin_create(ctx, prec, a->wo, a->bo, d, d, &L->out);
  if (!s) s = lin_create(ctx, prec, c->wq, c->bq, d, d, &L->cq);
  if (!s) s = lin_create_stacked(ctx, prec, 2, kv_w, kv_b, d, &L->ckv);
  if (!s) s = lin_create(ctx, prec, c->wo, c->bo, d, d, &L->cout);
  if (!s) s = lin_create(ctx, prec, w->w1, w->b1, ffn, d, &L->fc1);
  if (!s) s = lin_create(ctx, prec, w->w2, w->b2, d, ffn, &L->fc2);
  if (s) return s;
  L->ln = wk_alloc_array(6 * (size_t)d, sizeof(float));
  if (!L->ln) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (ln)");
  const float *src[6] = {a->ln_g, a->ln_b, c->ln_g, c->ln_b, w->mlp_ln_g, w->mlp_ln_b};
  for (int i = 0; i < 6; i++) {
    if (!wk_all_finite(src[i], (size_t)d))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: a LayerNorm parameter is not finite");
    memcpy(L->ln + (size_t)i * d, src[i], (size_t)d * sizeof(float));
  }
  return WK_STATUS_OK;
}

wk_status wk_decoder_create(wk_context *ctx, const wk_decoder_f32 *w, wk_precision prec,
                            wk_decoder **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL output pointer");
  *out = NULL;
  if (!ctx || !w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL argument");
  if (prec != WK_PRECISION_INT8 && prec != WK_PRECISION_FP32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: unknown precision %d", (int)prec);
  if (w->n_vocab < 1 || w->n_vocab > (1 << 20) || w->n_text_ctx < 1 || w->n_text_ctx > 16384 ||
      w->d < 16 || w->d > 16384 || w->heads < 1 || w->d % w->heads || w->d / w->heads < 16 ||
      w->d / w->heads > 128 || w->n_layer < 1 || w->n_layer > 1024 || w->ffn < 1 ||
      w->ffn > 65536)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "decoder: n_vocab=%d n_text_ctx=%d d=%d heads=%d n_layer=%d ffn=%d (need "
                    "n_vocab 1..2^20, n_text_ctx 1..16384, heads dividing d, head_dim 16..128, "
                    "n_layer 1..1024, ffn 1..65536)",
                    w->n_vocab, w->n_text_ctx, w->d, w->heads, w->n_layer, w->ffn);
  if (!w->token_embedding || !w->positional_embedding || (!w->layers && !w->layer_fn) ||
      !w->ln_g || !w->ln_b)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL weight (embeddings or ln)");
  for (int l = 0; w->layers && l < w->n_layer; l++) /* in memory: all checked first */
    if (!layer_complete(&w->layers[l]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: layer %d has a NULL weight", l);
  wk_decoder *dec = wk_alloc(sizeof *dec);
  if (!dec) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory");
  memset(dec, 0, sizeof *dec);
  dec->precision = prec;
  dec->n_vocab = w->n_vocab, dec->n_text_ctx = w->n_text_ctx, dec->d = w->d;
  dec->heads = w->heads, dec->n_layer = w->n_layer, dec->ffn = w->ffn;
  const size_t d = (size_t)w->d;
  wk_status s = copy_vec(w->token_embedding, (size_t)w->n_vocab * d, "token_embedding", &dec->tok);
  if (!s) s = copy_vec(w->positional_embedding, (size_t)w->n_text_ctx * d, "positions", &dec->pos);
  if (!s) {
    dec->ln = wk_alloc_array(2 * d, sizeof(float));
    if (!dec->ln) s = wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory");
    else if (!wk_all_finite(w->ln_g, d) || !wk_all_finite(w->ln_b, d))
      s = wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: decoder.ln is not finite");
    else {
      memcpy(dec->ln, w->ln_g, d * sizeof(float));
      memcpy(dec->ln + d, w->ln_b, d * sizeof(float));
    }
  }
  if (!s && prec == WK_PRECISION_INT8) { /* NULL: each Linear allocates its own */
    dec->packed.size = packed_bytes(ctx, w);
    dec->packed.base = wk_huge_alloc(dec->packed.size);
    ctx->weights = &dec->packed;
  }
  /* logits = x · token_embeddingᵀ: the embedding is the Linear's [n_vocab][d] weight */
  if (!s) s = lin_create(ctx, prec, dec->tok, NULL, w->n_vocab, w->d, &dec->logits);
  if (!s) {
    dec->layers = wk_alloc_array((size_t)w->n_layer, sizeof(dec_layer));
    if (!dec->layers) s = wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory");
    else memset(dec->layers, 0, (size_t)w->n_layer * sizeof(dec_layer)); /* for free */
  }
  for (int l = 0; !s && l < w->n_layer; l++) {
    wk_decoder_layer_f32 streamed;
    const wk_decoder_layer_f32 *wl = w->layers ? &w->layers[l] : &streamed;
    if (!w->layers) {
      s = w->layer_fn(w->layer_arg, l, &streamed);
      if (!s && !layer_complete(&streamed))
        s = wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: layer %d has a NULL weight", l);
      if (s) break;
    }
    s = pack_layer(ctx, prec, wl, w->d, w->ffn, &dec->layers[l]);
    if (s) wk_error(s, "decoder: layer %d: %s", l, wk_last_error());
  }
  ctx->weights = NULL;
  if (s) {
    wk_decoder_free(dec);
    return s;
  }
  dec->weight_bytes = lin_bytes(&dec->logits);
  for (int l = 0; l < dec->n_layer; l++) {
    const dec_layer *L = &dec->layers[l];
    dec->weight_bytes += lin_bytes(&L->qkv) + lin_bytes(&L->out) + lin_bytes(&L->cq) +
                         lin_bytes(&L->cout) + lin_bytes(&L->fc1) + lin_bytes(&L->fc2);
  }
  *out = dec;
  return WK_STATUS_OK;
}

void wk_decoder_dims(const wk_decoder *dec, int *n_vocab, int *n_text_ctx, int *d) {
  if (n_vocab) *n_vocab = dec ? dec->n_vocab : 0;
  if (n_text_ctx) *n_text_ctx = dec ? dec->n_text_ctx : 0;
  if (d) *d = dec ? dec->d : 0;
}

size_t wk_decoder_weight_bytes(const wk_decoder *dec) { return dec ? dec->weight_bytes : 0; }

/* ── state ───────────────────────────────────────────────────────────────── */

void wk_decoder_state_free(wk_decoder_state *st) {
  if (!st) return;
  wk_free(st->self_kv), wk_free(st->cross), wk_free(st->reorder);
  wk_free(st->x), wk_free(st->a), wk_free(st->b), wk_free(st->q8), wk_free(st->qs);
  wk_free(st->f8), wk_free(st->fs), wk_free(st->attn_ws);
  wk_free(st->cap_scores), wk_free(st->cap_logits);
  wk_free(st);
}

wk_status wk_decoder_state_create(const wk_decoder *dec, int n_beams, wk_decoder_state **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder state: NULL output pointer");
  *out = NULL;
  if (!dec) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder state: NULL decoder");
  if (n_beams < 1 || n_beams > MAX_BEAMS)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder state: n_beams = %d (need 1..%d)",
                    n_beams, MAX_BEAMS);
  wk_decoder_state *st = wk_alloc(sizeof *st);
  if (!st) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder state: out of memory");
  memset(st, 0, sizeof *st);
  st->n_beams = n_beams, st->n_text_ctx = dec->n_text_ctx, st->d = dec->d;
  st->n_layer = dec->n_layer, st->ffn = dec->ffn, st->heads = dec->heads;
  const size_t dh = (size_t)(dec->d / dec->heads), ctx = (size_t)dec->n_text_ctx;
  st->k_head = wk_round_up(ctx, 64) * dh;
  st->v_panel = ctx * 64;
  st->v_head = (dh + 63) / 64 * st->v_panel;
  st->kv_block = (size_t)dec->heads * (st->k_head + st->v_head);
  /* ≤ 1024 layers · 64 beams · 2^15 floats per position · 2^14 positions (×2 padding): < 2^57 */
  const size_t n = (size_t)dec->n_layer * n_beams * st->kv_block;
  st->self_kv = wk_alloc_array(n, sizeof(float));
  if (!st->self_kv) {
    wk_decoder_state_free(st);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder state: cannot allocate the %zu-float cache", n);
  }
  *out = st;
  return WK_STATUS_OK;
}

int wk_decoder_state_beams(const wk_decoder_state *st) { return st ? st->n_beams : 0; }
int wk_decoder_state_position(const wk_decoder_state *st) { return st ? st->position : 0; }

wk_status wk_decoder_state_rewind(wk_decoder_state *st, int position) {
  if (!st) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder rewind: NULL state");
  if (position < 0 || position > st->position)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder rewind: position %d (need 0..%d)",
                    position, st->position);
  st->position = position; /* the rows past it are overwritten before they are read again */
  return WK_STATUS_OK;
}

size_t wk_decoder_step_bytes(const wk_decoder *dec, const wk_decoder_state *st, int n_new) {
  if (!dec || !st || n_new < 1) return 0;
  const size_t cache = (size_t)st->n_layer * st->n_beams * (size_t)(st->position + n_new) * 2 *
                       (size_t)st->d * sizeof(float);
  return dec->weight_bytes + (st->n_audio ? (size_t)st->n_layer * st->cross_bytes : 0) + cache;
}

static float *kv_at(const wk_decoder_state *st, int layer, int beam) { /* [kv_block] */
  return st->self_kv + ((size_t)layer * st->n_beams + beam) * st->kv_block;
}

/* Key and value of position `pos` ([d] each, head-major) into a beam's panels. */
static void kv_put(const wk_decoder_state *st, float *block, int pos, const float *k,
                   const float *v) {
  const int dh = st->d / st->heads;
  for (int h = 0; h < st->heads; h++) {
    float *kp = block + h * st->k_head + (size_t)(pos / 64) * dh * 64 + pos % 64;
    float *vp = block + st->heads * st->k_head + h * st->v_head + (size_t)pos * 64;
    for (int c = 0; c < dh; c++) {
      kp[(size_t)c * 64] = k[h * dh + c];
      vp[(size_t)(c / 64) * st->v_panel + c % 64] = v[h * dh + c];
    }
  }
}

/* Positions 0 … n − 1 of a beam's panels (per head the used K panels, then the used V rows)
 * between its block and `other`: dir 0 block → other (a compact copy), 1 compact other →
 * block, 2 block → other (another beam's block). */
static void kv_copy(const wk_decoder_state *st, float *block, float *other, int n, int dir) {
  const int dh = st->d / st->heads;
  const size_t k_used = (size_t)(n + 63) / 64 * dh * 64, v_used = (size_t)n * 64;
  size_t at = 0; /* in a compact copy */
  for (int h = 0; h < st->heads; h++) {
    const size_t kb = h * st->k_head;
    float *o = other + (dir == 2 ? kb : at);
    memcpy(dir == 1 ? block + kb : o, dir == 1 ? o : block + kb, k_used * sizeof(float));
    at += k_used;
    for (int q = 0; q < (dh + 63) / 64; q++, at += v_used) {
      const size_t vb = st->heads * st->k_head + h * st->v_head + q * st->v_panel;
      o = other + (dir == 2 ? vb : at);
      memcpy(dir == 1 ? block + vb : o, dir == 1 ? o : block + vb, v_used * sizeof(float));
    }
  }
}

/* Grows the scratch to `rows` rows (contents not kept) and the attention workspace to the
 * self-attention's n_text_ctx keys and the cross-attention's n_audio on `threads` threads. */
static wk_status reserve(wk_decoder_state *st, int heads, int rows, int threads) {
  if (rows > st->rows) {
    const size_t r = (size_t)rows, d = (size_t)st->d, f = (size_t)st->ffn;
    const size_t wide = 3 * d > f ? 3 * d : f;
    wk_free(st->x), wk_free(st->a), wk_free(st->b), wk_free(st->q8), wk_free(st->qs);
    wk_free(st->f8), wk_free(st->fs);
    st->x = wk_alloc_array(r * d, sizeof(float));
    st->a = wk_alloc_array(r * d, sizeof(float));
    st->b = wk_alloc_array(r * wide, sizeof(float));
    st->q8 = wk_alloc_array(r * d, 1);
    st->qs = wk_alloc_array(r, sizeof(float));
    st->f8 = wk_alloc_array(r * f, 1);
    st->fs = wk_alloc_array(r, sizeof(float));
    st->rows = rows;
    if (!st->x || !st->a || !st->b || !st->q8 || !st->qs || !st->f8 || !st->fs) {
      st->rows = 0;
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (%d rows of scratch)", rows);
    }
  }
  const int dh = st->d / heads;
  const size_t self = wk_f32_attention_workspace_size(heads, 1, st->n_text_ctx, dh, threads);
  const size_t cross = wk_f32_attention_packed_workspace_size(heads, st->n_audio, dh, threads);
  const size_t need = self > cross ? self : cross;
  if (!self || !cross)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: attention sizes (%d threads)", threads);
  if (need > st->attn_size) {
    wk_free(st->attn_ws);
    st->attn_size = 0;
    st->attn_ws = wk_alloc(need);
    if (!st->attn_ws) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (attention)");
    st->attn_size = need;
  }
  return WK_STATUS_OK;
}

/* ── the Linears in either precision ─────────────────────────────────────── */

/* The input of a Linear: fp32 rows (FP32) or per-token int8 rows and scales (INT8). */
typedef struct act {
  const float *f;    /* [m][k], stride `stride` */
  const int8_t *q;   /* [m][k], stride `stride` */
  const float *s;    /* [m] */
  ptrdiff_t stride;
} act;

/* act = LayerNorm(x) (INT8: quantized per token in the same pass).  x: [m][d] stride xs. */
static wk_status ln_act(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                        const float *x, ptrdiff_t xs, int m, const float *g, const float *b,
                        act *out) {
  const int d = dec->d;
  out->stride = d;
  if (dec->precision == WK_PRECISION_FP32) {
    out->f = st->a;
    return wk_layernorm_rows(ctx, x, xs, m, d, g, b, st->a, d);
  }
  out->q = st->q8, out->s = st->qs;
  return wk_layernorm_quantize_rows(ctx, x, xs, m, d, g, b, st->q8, d, st->qs);
}

/* act = x as a Linear input (INT8: quantized per token).  x: [m][k] contiguous. */
static wk_status raw_act(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                         const float *x, int m, int k, act *out) {
  out->stride = k;
  if (dec->precision == WK_PRECISION_FP32) {
    out->f = x;
    return WK_STATUS_OK;
  }
  out->q = st->q8, out->s = st->qs;
  return wk_quantize_rows(ctx, x, k, m, k, st->q8, k, st->qs);
}

/* y = in·Wᵀ + bias [→ GELU] [+ residual (may be y, same stride)].  y: [m][n], stride ys.
 * With requant (INT8 only), y is quantized per token into st->f8 / st->fs instead (the next
 * Linear's input, fused in this GEMM's epilogue) and y may be NULL. */
static wk_status lin_run(wk_context *ctx, const lin *L, int m, const act *in, int gelu,
                         const float *res, float *y, ptrdiff_t ys, wk_decoder_state *requant) {
  if (L->f) {
    const wk_f32_gemm_args a = {m, in->f, in->stride, gelu, res, ys, y, ys};
    return wk_f32_gemm(ctx, L->f, &a);
  }
  wk_gemm_args a = {
      .m = m, .a = in->q, .a_stride = in->stride, .a_scale = in->s, .gelu = gelu,
      .residual = res, .residual_stride = ys, .out = y, .out_stride = ys,
  };
  if (requant) a.out = NULL, a.out_q = requant->f8, a.out_q_stride = L->n, a.out_q_scale = requant->fs;
  return wk_gemm_run(ctx, L->q, &a);
}

/* ── audio ───────────────────────────────────────────────────────────────── */

wk_status wk_decoder_set_audio(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                               const float *features, int n_audio) {
  if (!ctx || !dec || !st || !features)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL argument");
  if (st->d != dec->d || st->n_layer != dec->n_layer || st->n_text_ctx != dec->n_text_ctx)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: the state belongs to another decoder");
  if (n_audio < 1 || n_audio > MAX_AUDIO)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: n_audio = %d (need 1..%d)", n_audio,
                    MAX_AUDIO);
  const int d = dec->d;
  if (!wk_all_finite(features, (size_t)n_audio * d))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: the features hold NaN or infinity");
  st->n_audio = 0, st->position = 0;
  const int dh = d / dec->heads;
  const size_t per32 = wk_round_up(wk_f32_kv_packed_size(dec->heads, n_audio, dh), 64);
  float *kv = wk_alloc_array((size_t)n_audio * 2 * d, sizeof(float)); /* [n_audio][k ‖ v] */
  float *packed = wk_alloc(per32); /* one layer's fp32 panels */
  int8_t *q = NULL;
  float *qs = NULL;
  wk_status s = kv && packed ? WK_STATUS_OK
                             : wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (cross K/V)");
  act in = {.f = features, .stride = d};
  if (!s && dec->precision == WK_PRECISION_INT8) { /* the features quantized once for all layers */
    q = wk_alloc_array((size_t)n_audio * d, 1);
    qs = wk_alloc_array((size_t)n_audio, sizeof(float));
    s = q && qs ? wk_quantize_rows(ctx, features, d, n_audio, d, q, d, qs)
                : wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: out of memory (features)");
    in.q = q, in.s = qs;
  }
  /* INT8: halves (the step's other big read after the weights: n_layer·n_audio·2d values),
   * unless a value is beyond the half range — then the window is redone in fp32 */
  for (int f16 = dec->precision == WK_PRECISION_INT8; !s; f16 = 0) {
    const size_t per = f16 ? wk_round_up(per32 / 2, 64) : per32;
    const size_t need = (size_t)dec->n_layer * per;
    if (need > st->cross_cap) {
      wk_free(st->cross);
      st->cross_cap = 0;
      st->cross = wk_alloc(need);
      if (!st->cross) {
        s = wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder: cannot allocate %zu bytes of cross K/V",
                     need);
        break;
      }
      st->cross_cap = need;
    }
    st->cross_bytes = per, st->cross_f16 = f16;
    int fits = 1;
    for (int l = 0; !s && fits && l < dec->n_layer; l++) {
      char *dst = (char *)st->cross + l * per;
      s = lin_run(ctx, &dec->layers[l].ckv, n_audio, &in, 0, NULL, kv, 2 * d, NULL);
      if (!s && !wk_all_finite(kv, (size_t)n_audio * 2 * d))
        s = wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: layer %d: the cross K/V overflowed", l);
      if (!s)
        s = wk_f32_kv_pack(ctx, dec->heads, n_audio, dh, kv, 2 * d, kv + d, 2 * d,
                           f16 ? packed : (float *)(void *)dst, per32);
      if (!s && f16)
        fits = !wk_f32_kv_to_f16(packed, wk_f32_kv_packed_size(dec->heads, n_audio, dh) / 4,
                                 (uint16_t *)(void *)dst);
    }
    if (s || fits) break;
  }
  wk_free(q), wk_free(qs), wk_free(kv), wk_free(packed);
  if (!s) st->n_audio = n_audio;
  return s;
}

/* ── a step ──────────────────────────────────────────────────────────────── */

/* Whether a (layer, head) pair of cap names layer l. */
static int capture_layer(const wk_decoder_capture *cap, int l) {
  for (int p = 0; cap && p < cap->n_heads; p++)
    if (cap->heads[2 * p] == l) return 1;
  return 0;
}

/* Rows are beam-major: row r = b·n_new + i is beam b's new token i, at position pos0 + i.
 * cap (one beam, or NULL): layer l's requested heads of cross-attention logits into cap->qk. */
static wk_status run_layer(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st, int l,
                           int n_new, const wk_decoder_capture *cap) {
  const dec_layer *L = &dec->layers[l];
  const int d = dec->d, m = st->n_beams * n_new, dh = d / dec->heads, pos0 = st->position;
  float *x = st->x, *qkv = st->b, *ao = st->a;
  act in;
  /* x += out(self_attention(attn_ln(x))) */
  wk_status s = ln_act(ctx, dec, st, x, d, m, L->ln, L->ln + d, &in);
  if (!s) s = lin_run(ctx, &L->qkv, m, &in, 0, NULL, qkv, 3 * d, NULL);
  for (int r = 0; !s && r < m; r++) /* the new k, v into the cache */
    kv_put(st, kv_at(st, l, r / n_new), pos0 + r % n_new, qkv + (size_t)r * 3 * d + d,
           qkv + (size_t)r * 3 * d + 2 * d);
  /* causal: row i of a beam sees positions 0 … pos0 + i (one query row per call: its keys are
   * a prefix of the beam's cache, so the result does not depend on how the prompt is split) */
  for (int r = 0; !s && r < m; r++) {
    const float *kv = kv_at(st, l, r / n_new);
    const wk_f32_attention_args a = {
        .heads = dec->heads, .lq = 1, .lk = pos0 + r % n_new + 1, .head_dim = dh,
        .q = qkv + (size_t)r * 3 * d, .q_stride = 3 * d,
        .softmax_scale = 0.0f, /* 1/√dh */
        .out = ao + (size_t)r * d, .out_stride = d,
    };
    const wk_f32_kv_panels p = {kv, kv + (size_t)dec->heads * st->k_head, st->k_head,
                                st->v_head, st->v_panel};
    s = wk_f32_attention_panels(ctx, &a, &p, st->attn_ws, st->attn_size);
  }
  if (!s) s = raw_act(ctx, dec, st, ao, m, d, &in);
  if (!s) s = lin_run(ctx, &L->out, m, &in, 0, x, x, d, NULL);
  /* x += cross_out(attention(cross_q(cross_ln(x)), K, V)): every row against the window */
  float *q = st->b; /* [m][d] */
  if (!s) s = ln_act(ctx, dec, st, x, d, m, L->ln + 2 * d, L->ln + 3 * d, &in);
  if (!s) s = lin_run(ctx, &L->cq, m, &in, 0, NULL, q, d, NULL);
  /* captured: every head's logits [heads][m][n_audio] into cap_scores, the pairs' copied out */
  const size_t plane = (size_t)m * st->n_audio;
  float *scores = capture_layer(cap, l) ? st->cap_scores : NULL;
  if (!s) {
    const wk_f32_attention_args a = {
        .heads = dec->heads, .lq = m, .lk = st->n_audio, .head_dim = dh,
        .q = q, .q_stride = d, .softmax_scale = 0.0f, .out = ao, .out_stride = d,
        .scores = scores, .scores_head_stride = (ptrdiff_t)plane,
    };
    const void *kv = (const char *)st->cross + l * st->cross_bytes;
    s = st->cross_f16 ? wk_f32_attention_packed_f16(ctx, &a, kv, st->attn_ws, st->attn_size)
                      : wk_f32_attention_packed(ctx, &a, kv, st->attn_ws, st->attn_size);
  }
  for (int p = 0; !s && scores && p < cap->n_heads; p++)
    if (cap->heads[2 * p] == l)
      memcpy(cap->qk + p * plane, scores + (size_t)cap->heads[2 * p + 1] * plane,
             plane * sizeof(float));
  if (!s) s = raw_act(ctx, dec, st, ao, m, d, &in);
  if (!s) s = lin_run(ctx, &L->cout, m, &in, 0, x, x, d, NULL);
  /* x += fc2(gelu(fc1(mlp_ln(x)))); INT8: fc1's epilogue quantizes its output for fc2 */
  if (!s) s = ln_act(ctx, dec, st, x, d, m, L->ln + 4 * d, L->ln + 5 * d, &in);
  if (dec->precision == WK_PRECISION_FP32) {
    float *f1 = st->b; /* [m][ffn] */
    if (!s) s = lin_run(ctx, &L->fc1, m, &in, 1, NULL, f1, dec->ffn, NULL);
    in.f = f1, in.stride = dec->ffn;
  } else {
    if (!s) s = lin_run(ctx, &L->fc1, m, &in, 1, NULL, NULL, dec->ffn, st);
    in.q = st->f8, in.s = st->fs, in.stride = dec->ffn;
  }
  if (!s) s = lin_run(ctx, &L->fc2, m, &in, 0, x, x, d, NULL);
  return s;
}

/* wk_decoder_step_capture's arguments, before anything runs (n_new already checked). */
static wk_status capture_check(const wk_decoder *dec, const wk_decoder_state *st, int n_new,
                               const wk_decoder_capture *cap) {
  if (st->n_beams != 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "decoder capture: the state has %d beams (need 1)", st->n_beams);
  if (cap->n_heads < 0 || (cap->n_heads > 0 && (!cap->heads || !cap->qk)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "decoder capture: n_heads = %d with heads %s, qk %s (need n_heads >= 0 and "
                    "both non-NULL when > 0)", cap->n_heads, cap->heads ? "set" : "NULL",
                    cap->qk ? "set" : "NULL");
  for (int p = 0; p < cap->n_heads; p++) {
    const int l = cap->heads[2 * p], h = cap->heads[2 * p + 1];
    if (l < 0 || l >= dec->n_layer || h < 0 || h >= dec->heads)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "decoder capture: pair %d is (layer %d, head %d) (need layer 0..%d, head "
                      "0..%d)", p, l, h, dec->n_layer - 1, dec->heads - 1);
  }
  if (!cap->targets) return WK_STATUS_OK;
  if (!cap->target_probs)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder capture: targets without target_probs");
  if (cap->vocab_limit < 1 || cap->vocab_limit > dec->n_vocab)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "decoder capture: vocab_limit = %d (need 1..%d)", cap->vocab_limit,
                    dec->n_vocab);
  for (int i = 0; i < n_new; i++)
    if (cap->targets[i] < -1 || cap->targets[i] >= dec->n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "decoder capture: targets[%d] = %d (need -1..%d)", i, cap->targets[i],
                      dec->n_vocab - 1);
  return WK_STATUS_OK;
}

/* Grows the capture's scratch for m rows: the logits of every head of a layer (when pairs are
 * requested) and a chunk of rows' vocabulary logits (with targets). */
static wk_status capture_reserve(const wk_decoder *dec, wk_decoder_state *st, int m,
                                 const wk_decoder_capture *cap) {
  const size_t need = (size_t)dec->heads * m * st->n_audio; /* ≤ 2^10·2^14·2^16 */
  if (cap->n_heads > 0 && need > st->cap_scores_cap) {
    wk_free(st->cap_scores);
    st->cap_scores_cap = 0;
    st->cap_scores = wk_alloc_array(need, sizeof(float));
    if (!st->cap_scores)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder capture: cannot allocate %zu floats of "
                      "attention logits", need);
    st->cap_scores_cap = need;
  }
  if (cap->targets && !st->cap_logits) {
    st->cap_logits = wk_alloc_array((size_t)CAPTURE_ROWS * dec->n_vocab, sizeof(float));
    if (!st->cap_logits)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder capture: out of memory (logits)");
  }
  return WK_STATUS_OK;
}

/* softmax(l[0 … n))[t] in double: max-subtracted, exp, summed in order. */
static double softmax_at(const float *l, int n, int t) {
  double mx = l[0], sum = 0.0;
  for (int j = 1; j < n; j++) mx = l[j] > mx ? l[j] : mx;
  for (int j = 0; j < n; j++) sum += exp((double)l[j] - mx);
  return exp((double)l[t] - mx) / sum;
}

/* cap->target_probs (and, when not NULL, logits: the last row's) from every row's final
 * LayerNorm and logits, CAPTURE_ROWS rows per GEMM (memory: [CAPTURE_ROWS][n_vocab]).  A row's
 * result does not depend on the other rows (both precisions), so the last row's logits are the
 * bytes wk_decoder_step computes for it alone. */
static wk_status capture_probs(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                               int n_new, const wk_decoder_capture *cap, float *logits) {
  const int d = dec->d, V = dec->n_vocab;
  for (int r0 = 0; r0 < n_new; r0 += CAPTURE_ROWS) {
    const int rows = n_new - r0 < CAPTURE_ROWS ? n_new - r0 : CAPTURE_ROWS;
    act in;
    wk_status s = ln_act(ctx, dec, st, st->x + (size_t)r0 * d, d, rows, dec->ln, dec->ln + d, &in);
    if (!s) s = lin_run(ctx, &dec->logits, rows, &in, 0, NULL, st->cap_logits, V, NULL);
    if (!s && !wk_all_finite(st->cap_logits, (size_t)rows * V))
      s = wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: the logits overflowed");
    if (s) return s;
    for (int r = 0; r < rows; r++) {
      const int t = cap->targets[r0 + r];
      cap->target_probs[r0 + r] =
          t >= 0 && t < cap->vocab_limit
              ? softmax_at(st->cap_logits + (size_t)r * V, cap->vocab_limit, t)
              : 0.0;
    }
    if (logits && r0 + rows == n_new)
      memcpy(logits, st->cap_logits + (size_t)(rows - 1) * V, (size_t)V * sizeof(float));
  }
  return WK_STATUS_OK;
}

/* wk_decoder_step, and with cap (non-NULL: one beam) wk_decoder_step_capture. */
static wk_status step_run(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                          const int *tokens, int n_new, float *logits,
                          const wk_decoder_capture *cap) {
  if (!ctx || !dec || !st || !tokens)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL argument");
  if (st->d != dec->d || st->n_layer != dec->n_layer || st->n_text_ctx != dec->n_text_ctx)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: the state belongs to another decoder");
  if (!st->n_audio)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: no audio set (wk_decoder_set_audio)");
  if (n_new < 1 || n_new > dec->n_text_ctx - st->position)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "decoder: %d new tokens at position %d exceed the %d text positions", n_new,
                    st->position, dec->n_text_ctx);
  const int m = st->n_beams * n_new, d = dec->d;
  for (int r = 0; r < m; r++)
    if (tokens[r] < 0 || tokens[r] >= dec->n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "decoder: token %d (beam %d, index %d) is outside 0..%d", tokens[r],
                      r / n_new, r % n_new, dec->n_vocab - 1);
  wk_status s = cap ? capture_check(dec, st, n_new, cap) : WK_STATUS_OK;
  if (!s) s = reserve(st, dec->heads, m, wk_threadpool_size(ctx->pool));
  if (!s && cap) s = capture_reserve(dec, st, m, cap);
  if (s) return s;
  /* x = token_embedding[token] + positional_embedding[position] */
  for (int r = 0; r < m; r++) {
    const float *te = dec->tok + (size_t)tokens[r] * d;
    const float *pe = dec->pos + (size_t)(st->position + r % n_new) * d;
    float *xr = st->x + (size_t)r * d;
    for (int c = 0; c < d; c++) xr[c] = te[c] + pe[c];
  }
  for (int l = 0; !s && l < dec->n_layer; l++) {
    s = run_layer(ctx, dec, st, l, n_new, cap);
    if (s) wk_error(s, "decoder: layer %d: %s", l, wk_last_error());
  }
  if (!s && cap && cap->targets) {
    s = capture_probs(ctx, dec, st, n_new, cap, logits); /* every row's logits, the last's too */
  } else if (!s && logits) {
    /* logits of each beam's last row: ln over rows n_new−1, 2·n_new−1, … (stride n_new·d) */
    act in;
    s = ln_act(ctx, dec, st, st->x + (size_t)(n_new - 1) * d, (ptrdiff_t)n_new * d,
               st->n_beams, dec->ln, dec->ln + d, &in);
    if (!s) s = lin_run(ctx, &dec->logits, st->n_beams, &in, 0, NULL, logits, dec->n_vocab, NULL);
    if (!s && !wk_all_finite(logits, (size_t)st->n_beams * dec->n_vocab))
      s = wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: the logits overflowed");
  }
  if (s) return s;
  st->position += n_new;
  return WK_STATUS_OK;
}

wk_status wk_decoder_step(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                          const int *tokens, int n_new, float *logits) {
  return step_run(ctx, dec, st, tokens, n_new, logits, NULL);
}

wk_status wk_decoder_step_capture(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *st,
                                  const int *tokens, int n_new, float *logits,
                                  const wk_decoder_capture *cap) {
  if (!cap) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder capture: NULL capture");
  return step_run(ctx, dec, st, tokens, n_new, logits, cap);
}

wk_status wk_decoder_reorder(wk_decoder_state *st, const int *src_beam) {
  if (!st || !src_beam) return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder: NULL argument");
  const int nb = st->n_beams;
  int moves = 0;
  for (int b = 0; b < nb; b++) {
    if (src_beam[b] < 0 || src_beam[b] >= nb)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "decoder reorder: src_beam[%d] = %d (need 0..%d)",
                      b, src_beam[b], nb - 1);
    moves += src_beam[b] != b;
  }
  if (!moves || !st->position) return WK_STATUS_OK;
  /* Only a source that is itself overwritten needs a copy (compact: its used positions); the
   * others are read in place. */
  const int dh = st->d / st->heads;
  const size_t per = (size_t)st->heads * ((size_t)(st->position + 63) / 64 * dh * 64 +
                                          (size_t)(dh + 63) / 64 * st->position * 64);
  int copied[MAX_BEAMS] = {0}, n_copies = 0;
  for (int b = 0; b < nb; b++) {
    const int from = src_beam[b];
    if (from != b && src_beam[from] != from && !copied[from]) copied[from] = ++n_copies;
  }
  if ((size_t)n_copies * per > st->reorder_cap) {
    wk_free(st->reorder);
    st->reorder_cap = 0;
    st->reorder = wk_alloc_array((size_t)n_copies * per, sizeof(float));
    if (!st->reorder) return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder reorder: out of memory");
    st->reorder_cap = (size_t)n_copies * per;
  }
  for (int l = 0; l < st->n_layer; l++) {
    for (int b = 0; b < nb; b++)
      if (copied[b]) kv_copy(st, kv_at(st, l, b), st->reorder + (copied[b] - 1) * per, st->position, 0);
    for (int b = 0; b < nb; b++) {
      const int from = src_beam[b];
      if (from == b) continue;
      if (copied[from]) {
        kv_copy(st, kv_at(st, l, b), st->reorder + (copied[from] - 1) * per, st->position, 1);
      } else { /* the source keeps its cache: straight from it */
        kv_copy(st, kv_at(st, l, from), kv_at(st, l, b), st->position, 2);
      }
    }
  }
  return WK_STATUS_OK;
}
