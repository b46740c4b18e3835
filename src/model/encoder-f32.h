/* encoder-f32.h — the whole Whisper encoder in FP32 (internal API; the public calls wrap it):
 * the fast single-precision path users compare the INT8 encoder with, and may choose.
 *
 *   h = gelu(conv1(mel) + b1)                 GEMM over an im2col view (stem.h's layout)
 *   x = gelu(conv2(h) + b2) + pos             GEMM, stride 2, positions fused as the residual
 *   for each layer:  x += out(attn(ln1(x)));  x += fc2(gelu(fc1(ln2(x))))
 *   out = ln_post(x)                          [n_ctx][d]
 *
 * Every GEMM and the attention are the f32 family's (src/f32/f32.h: sequential-k fma,
 * a fixed base-2 softmax), LayerNorm is the norm family's: the output is byte-identical on
 * every ISA and thread count.  q·kᵀ is scaled by head_dim^-1/2 (Whisper scales q and k each by
 * head_dim^-1/4: the same product), k has no bias.
 */
#ifndef WK_ENCODER_F32_H
#define WK_ENCODER_F32_H

#include <stddef.h>

#include "model/encoder.h"

typedef struct wk_encoder_fp32 wk_encoder_fp32;

/* Packs every weight of `w` (which may be freed afterwards).  Needs n_mels 1 … 21845,
 * n_ctx 1 … 65536, heads ≥ 1 dividing d, head_dim = d / heads in 16 … 128, n_layer ≥ 1, every
 * layer's d and heads equal to the encoder's, ffn 1 … 65536, and finite weights.  The encoder
 * is read-only afterwards: several threads may run it at once, each with its own context and
 * workspace. */
wk_status wk_encoder_fp32_create(wk_context *context, const wk_encoder_f32 *w,
                                 wk_encoder_fp32 **out);
void wk_encoder_fp32_free(wk_encoder_fp32 *e); /* accepts NULL */

/* Bytes of workspace a run on a context of n_threads threads needs (0 on bad arguments). */
size_t wk_encoder_fp32_workspace_size(const wk_encoder_fp32 *e, int n_threads);

/* out = encoder(mel).  mel: [n_mels][2·n_ctx] channel-major, finite.  out: [n_ctx][d] (must not
 * overlap mel or ws).  ws: ≥ wk_encoder_fp32_workspace_size(e, the context's threads) bytes,
 * 64-byte aligned.  prof: NULL, or seconds per stage added to it (zero it first; conv,
 * attention, gemm, norm, other sum to total; quant stays 0).  Fails (out unspecified) on NaN/∞
 * in mel or an overflow anywhere. */
wk_status wk_encoder_fp32_run(wk_context *context, const wk_encoder_fp32 *e, const float *mel,
                              float *out, void *ws, size_t ws_size, wk_encoder_profile *prof);

/* Staged runs (for `whisk accuracy encoder`: the INT8 layers fed the FP32 run's inputs).
 * Chained — stem, layer 0 … n_layer−1, ln_post — they compute exactly wk_encoder_fp32_run's
 * bytes (the same code, in the same order).  x: [n_ctx][d], updated in place by the layer and
 * ln_post calls; ws as for wk_encoder_fp32_run (x must not overlap it).  The stages do not check
 * x for NaN/∞ (wk_encoder_fp32_run checks its mel and its output). */
int wk_encoder_fp32_n_layer(const wk_encoder_fp32 *e);
wk_status wk_encoder_fp32_run_stem(wk_context *context, const wk_encoder_fp32 *e,
                                   const float *mel, float *x, void *ws, size_t ws_size);
wk_status wk_encoder_fp32_run_layer(wk_context *context, const wk_encoder_fp32 *e, int layer,
                                    float *x, void *ws, size_t ws_size);
wk_status wk_encoder_fp32_run_ln_post(wk_context *context, const wk_encoder_fp32 *e, float *x);

#endif
