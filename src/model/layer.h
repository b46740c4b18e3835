/* layer.h — one Whisper encoder layer (internal API for now).
 *
 *   x1 = x  + out_proj(attn(ln1(x)))          attn: heads × softmax(q·kᵀ)·v, q and k each
 *   y  = x1 + fc2(gelu(fc1(ln2(x1))))          scaled by head_dim^-0.25, k without bias
 *
 * INT8 (wk_layer_run): weights int8 per output channel, packed once; activations int8 per token,
 * quantized dynamically (fused into LayerNorm and fc1's epilogue; Q and K per token·head in the
 * QKV GEMM's row blocks, V per head after it, the attention output per token); int32
 * accumulation; the residual
 * stream and LayerNorm in fp32.  Bit-identical on every ISA and thread count (every kernel is).
 * The FP64 reference of the same function lives with the tests (tests/support/layer_ref.h).
 *
 * Whisper's q·k scaling: the reference multiplies q and k each by head_dim^-0.25 as Whisper
 * does.  The INT8 path does not touch the weights: it passes softmax_scale = head_dim^-0.5 to
 * wk_attention, the same product (per-token Q/K quantization is invariant to the factor anyway).
 */
#ifndef WK_LAYER_H
#define WK_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* fp32 weights of one layer, Whisper's (PyTorch Linear) layout [out][in]. */
typedef struct wk_layer_f32 {
  int d;        /* model width (n_state); a multiple of 16 · heads, head_dim = d / heads */
  int heads;    /* head_dim = d / heads must be a multiple of 16, 16 … 128 */
  int ffn;      /* fc1 width, 4·d in Whisper */
  const float *ln1_g, *ln1_b; /* [d] attn_ln */
  const float *wq, *bq;       /* [d][d], [d] */
  const float *wk;            /* [d][d] (no bias) */
  const float *wv, *bv;       /* [d][d], [d] */
  const float *wo, *bo;       /* [d][d], [d] */
  const float *ln2_g, *ln2_b; /* [d] mlp_ln */
  const float *w1, *b1;       /* [ffn][d], [ffn] */
  const float *w2, *b2;       /* [d][ffn], [d] */
} wk_layer_f32;

/* SmoothQuant-style smoothing (optional): per input channel factors s > 0 for the GEMMs after
 * each LayerNorm.  LN gain and bias are divided by s, the following weights' input columns
 * multiplied by s, so the fp32 function is unchanged but outlier channels shrink before the
 * per-token quantization. */
typedef struct wk_layer_smoothing {
  const float *s1; /* [d] for ln1 → q, k, v; NULL: none */
  const float *s2; /* [d] for ln2 → fc1; NULL: none */
} wk_layer_smoothing;

typedef struct wk_layer wk_layer;

/* Quantizes and packs the weights for the context's kernels (`smooth` may be NULL). */
wk_status wk_layer_create(wk_context *context, const wk_layer_f32 *weights,
                          const wk_layer_smoothing *smooth, wk_layer **out);
void wk_layer_free(wk_layer *layer); /* accepts NULL */

/* Seconds per stage of wk_layer_run, accumulated (zero it first). */
typedef struct wk_layer_profile {
  double norm;      /* LayerNorm 1 and 2, each fused with its per-token quantization */
  double gemm;      /* QKV (+ Q, K quantization per token·head, fused), out-proj (+ residual),
                     * fc1 (+ GELU + int8 requantization, fused), fc2 (+ residual) */
  double quant;     /* quantizing V (per head) and the attention output */
  double attention; /* wk_attention, all heads */
  double total;     /* the whole call: total − the above = other (checks, scratch) */
} wk_layer_profile;

/* Bytes of workspace wk_layer_run needs for `len` tokens on `context` (its ISA and thread
 * count).  0 if an argument is invalid (wk_last_error says which). */
size_t wk_layer_workspace_size(const wk_context *context, const wk_layer *layer, int len);

/* y = layer(x), INT8.  x, y: [len][d] fp32 (y may equal x; must not overlap it otherwise).
 * 1 ≤ len ≤ 65536.  `profile` may be NULL.  workspace: wk_layer_workspace_size(context, layer,
 * len) bytes, any alignment, owned by the caller (a smaller one fails with
 * WK_STATUS_INVALID_ARGUMENT); NULL: allocated for the call.  The layer is only read, so several
 * threads may run one layer at once, each with its own context and workspace.  Fails on NaN/∞
 * in x or (overflow) in any intermediate. */
wk_status wk_layer_run(wk_context *context, const wk_layer *layer, const float *x, int len,
                       float *y, void *workspace, size_t workspace_size,
                       wk_layer_profile *profile);

/* Checks fp32 weights (sizes, NULLs) as wk_layer_create does; NaN or ±∞ in a matrix is found
 * by wk_layer_create as it quantizes, not here. */
wk_status wk_layer_f32_check(const wk_layer_f32 *weights);

#endif
