/* synth_model.h — synthetic whisper.cpp model files (a test and bench fixture, not part of
 * libwhisk): valid ggml `.bin` files of every standard Whisper size with random weights of the
 * right shapes and scale, written the way convert-pt-to-ggml.py (f32, f16) and whisper.cpp's
 * quantize tool (q*) write theirs.
 *
 * Contents:
 *   - hparams of the size (n_audio_ctx 1500, n_text_ctx 448; n_vocab 51864 for `.en`, 51865,
 *     51866 for large-v3 / large-v3-turbo; n_mels 128 for those two);
 *   - mel filters: wk_mel_filters_slaney (exactly Whisper's mel_filters.npz);
 *   - vocabulary: 50256 (`.en`) or 50257 tokens, as OpenAI's tiktoken files have: the 256 single
 *     bytes, then distinct deterministic tokens of 1–3 pieces (English letter pairs, common
 *     words, UTF-8 characters and non-UTF-8 byte fragments), half with a leading space;
 *   - tensors in PyTorch's state_dict order, each from its own RNG stream (seed, name):
 *     linear and conv weights, token embedding N(0, 0.02²) (a near-Gaussian: the sum of four
 *     uniforms, unit variance); biases N(0, 0.01²); LayerNorm gains
 *     1 + U(−0.1, 0.1), LN biases N(0, 0.02²); the decoder's learned positions N(0, 0.01²); the
 *     encoder's positions Whisper's sinusoids(1500, d) computed as PyTorch does in float32
 *     (inv_i = exp(−i·ln(10⁴)/(d/2 − 1)), t·inv_i in float32, sin/cos rounded to float32);
 *   - types: f32 — everything F32; f16 — matrices and conv weights F16, the rest F32
 *     (convert-pt-to-ggml.py); q* — the quantize tool applied to the f16 file: every 2-D tensor
 *     but the conv biases and positional embeddings is fp16-rounded and then quantized with
 *     ggml's reference quantizer, conv weights stay F16, the rest F32.
 *   - outliers: four residual channels c (from the seed) get factors 30, 38, 44 and 50 in every
 *     encoder layer's attn_ln and mlp_ln gain and bias, and the matching input columns of
 *     attn.query/key/value and mlp.0 are divided by the same factor.  The fp32 function is
 *     unchanged (up to rounding), but the LayerNorm outputs — the int8 inputs of the QKV and fc1
 *     GEMMs — carry ×30…50 outlier channels, like real Whisper checkpoints.
 *
 * Writing streams: one tensor chunk (≤ 4 MiB of floats) at a time, so large-v3 (3 GB in f32)
 * needs a few MiB of memory.  Deterministic in (options): the same options give the same bytes. */
#ifndef WK_SYNTH_MODEL_H
#define WK_SYNTH_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "whisk.h"

typedef struct wk_synth_model_options {
  const char *size;   /* tiny base small medium large-v1 large-v2 large-v3 large-v3-turbo, or
                       * micro: a "custom" model the loader accepts, as small as it gets (d 32,
                       * 1 head, 1 layer each, n_vocab 256 all stored, n_audio_ctx 16,
                       * n_text_ctx 8, 80 mels; for fuzz seeds and fast tests) */
  int english;        /* nonzero: the ".en" variant (n_vocab 51864; tiny … medium only) */
  const char *type;   /* f32 f16 q8_0 q5_0 q5_1 q4_0 q4_1 */
  uint64_t seed;
  int outliers;
} wk_synth_model_options;

/* The ggml tensor type id a type name means (wk_ggml_type), or −1. */
int wk_synth_model_type(const char *type);

/* Writes the file to `f` (INVALID_ARGUMENT for an unknown size/type, IO_ERROR on write errors). */
wk_status wk_synth_model_write(const wk_synth_model_options *o, FILE *f);
wk_status wk_synth_model_write_file(const wk_synth_model_options *o, const char *path);
/* The file in memory: *data (free with free()) of *size bytes. */
wk_status wk_synth_model_write_memory(const wk_synth_model_options *o, uint8_t **data, size_t *size);

/* The values tensor `name` has in the f32 file of these options (PyTorch layout, n of them:
 * before any fp16 rounding or quantization), generated without writing the file. */
wk_status wk_synth_model_values(const wk_synth_model_options *o, const char *name, float *values,
                                size_t n);

#endif
