/* gemm.h — the internal INT8 GEMM operator the encoder layer uses (not public API yet).
 *
 *   out[m][n] = epilogue( Σ_k A[m][k]·W[n][k] )       A: int8 [M][K], per-token scales
 *                                                      W: int8 [N][K], per-channel scales
 *   epilogue: ·(a_scale[m]·w_scale[n]) → + bias[n] → GELU → + residual[m][n]   (each optional
 *   but the scaling), in float, bit-identical on every ISA and thread count; the exact
 *   definition is in gemm-internal.h.
 *
 * Weights are packed once, for the context's kernel, by wk_gemm_weights_create; a run reads
 * A in place (no per-call packing of the activations on AVX-512 VNNI).
 * Every call validates its arguments and returns a wk_status with a wk_last_error() message.
 */
#ifndef WK_GEMM_H
#define WK_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* Packed weights: immutable once created, so several contexts/threads may run them at once
 * (with contexts of the same ISA as the one that packed them). */
typedef struct wk_gemm_weights wk_gemm_weights;

/* Packs W for the context's GEMM kernel.
 *   w:       [n][k] int8, row j at w + j·w_stride (w_stride ≥ k, or any ≥ 0 when n = 1)
 *   w_scale: [n] per-output-channel scales, each finite and > 0 (their products with the
 *            run's a_scale are range-checked by wk_gemm_run: see wk_gemm_args)
 *   bias:    [n] finite floats, or NULL for no bias
 *   1 ≤ n ≤ 2^24, 1 ≤ k ≤ 65536.  The inputs are copied; the caller may free them after. */
wk_status wk_gemm_weights_create(wk_context *context, const int8_t *w, ptrdiff_t w_stride,
                                 const float *w_scale, const float *bias, int n, int k,
                                 wk_gemm_weights **out);
/* Accepts NULL. */
void wk_gemm_weights_free(wk_gemm_weights *weights);
/* Bytes of packed weights wk_gemm_weights_create takes for an n × k matrix on this context's
 * kernel (from context->weights when that is set and has room). */
size_t wk_gemm_weights_bytes(const wk_context *context, int n, int k);

/* The arrays of the per-group int8 output (wk_gemm_args: group_cols, groups_q, groups). */
typedef struct wk_gemm_group_out {
  int8_t *q;              /* the quantized groups' bytes, row i at q + i·q_stride */
  ptrdiff_t q_stride;
  float *scale;           /* their scales, group g's at scale + g·scale_stride */
  ptrdiff_t scale_stride;
  uint32_t *amax;         /* the fp32 groups' magnitude maxima, row i at amax + i·amax_stride */
  ptrdiff_t amax_stride;
} wk_gemm_group_out;

typedef struct wk_gemm_args {
  int m;                     /* rows of A and of the output, ≥ 1 */
  const int8_t *a;           /* [m][k] int8, row i at a + i·a_stride (a_stride ≥ k if m > 1) */
  ptrdiff_t a_stride;
  const float *a_scale;      /* [m] per-token scales, each finite and > 0; every float product
                              * a_scale[i]·w_scale[j] must lie in [FLT_MIN, FLT_MAX / (2^14·k)]
                              * (normal, and |Acc|·product ≤ FLT_MAX since |Acc| ≤ 2^14·k),
                              * else the run fails naming the row */
  int gelu;                  /* nonzero: GELU (erf form) after the bias */
  const float *residual;     /* optional [m][n] float, row i at residual + i·residual_stride;
                              * may be exactly `out` with the same stride (in-place x += f(x)),
                              * must not overlap it otherwise */
  ptrdiff_t residual_stride;
  float *out;                /* [m][n] float, row i at out + i·out_stride (out_stride ≥ n if
                              * m > 1); must not overlap a, a_scale or residual (but see above).
                              * May be NULL when out_q is given (then no fp32 output); with
                              * group_cols it holds only the fp32 groups (see there). */
  ptrdiff_t out_stride;
  /* Optional requantized int8 output: when out_q is not NULL, each output row y[i][:] (the
   * fp32 values above, after bias/GELU/residual) is quantized per token exactly as
   * wk_quantize_rows (quant/quant.h) specifies — the bytes equal running the fp32 GEMM and
   * then wk_quantize_rows on its output:
   *   out_q_scale[i] = max_n |y[i][n]| / 127 (1 for an all-zero row),
   *   out_q[i][n]    = clamp(rint(y[i][n] / out_q_scale[i]), −127, 127).
   * out_q: [m][n] int8, row i at out_q + i·out_q_stride (out_q_stride ≥ n if m > 1);
   * out_q_scale: [m], required with out_q.  Neither may overlap a, a_scale, residual, out or
   * each other.  If a row of y holds NaN or ±∞ the run fails with WK_STATUS_INVALID_ARGUMENT
   * naming the row (out_q, out_q_scale and out are then unspecified). */
  int8_t *out_q;
  ptrdiff_t out_q_stride;
  float *out_q_scale;
  /* Optional int8 output per group of columns (attention's Q and K per token and head, from
   * the fused QKV projection): with group_cols > 0 every row's columns fall into groups of
   * group_cols (n must be a multiple of it), and
   *   groups g < groups_q are quantized by the wk_quantize_rows rule on their group_cols
   *     values: bytes at groups.q[i·groups.q_stride + g·group_cols + c], scale at
   *     groups.scale[g·groups.scale_stride + i] — NaN where the group holds NaN or ±∞ (its bytes
   *     are then unspecified; the caller reports it);
   *   the other columns j stay fp32, at out[i·out_stride + j − groups_q·group_cols], and the
   *     magnitude maximum of each of their groups (the float's bits, sign cleared — NaN and ±∞
   *     give ≥ 0x7f800000) at groups.amax[i·groups.amax_stride + g − groups_q].
   * Not with gelu, residual or out_q.  The same bytes as the fp32 run followed by
   * wk_quantize_rows on each group, on every ISA and thread count; AVX-512 VNNI does it in the
   * register tile's epilogue when group_cols = 64 (one tile = one group), the others on the
   * fp32 rows in the computing thread's scratch.  None of the outputs may overlap a, a_scale
   * or each other. */
  int group_cols, groups_q;
  wk_gemm_group_out groups;
} wk_gemm_args;

/* out = epilogue(A·Wᵀ) (and/or its per-token int8 requantization out_q, out_q_scale) on the
 * context's thread pool.  `weights` must have been packed with a context of the same ISA. */
wk_status wk_gemm_run(wk_context *context, const wk_gemm_weights *weights,
                      const wk_gemm_args *args);

#endif
