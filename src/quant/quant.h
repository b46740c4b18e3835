/* quant.h — the int8 quantization operators (internal API): per-token activations, the
 * attention inputs Q, K, V, and per-output-channel weights.  The exact rule is in
 * quant-internal.h; every operator gives the same bytes on every ISA and thread count. */
#ifndef WK_QUANT_H
#define WK_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* Per-token symmetric quantization of x [m][k] (row i at x + i·x_stride) into
 * q [m][k] (row i at q + i·q_stride) and scale [m]:
 *   scale[i] = max_k |x[i][k]| / 127 (1 for an all-zero row),
 *   q[i][k]  = clamp(rint(x[i][k] / scale[i]), −127, 127)
 * Fails with WK_STATUS_INVALID_ARGUMENT (naming the first bad row) if x holds NaN or ±∞; q and
 * scale are then unspecified.  q and scale must not overlap x or each other. */
wk_status wk_quantize_rows(wk_context *context, const float *x, ptrdiff_t x_stride, int m, int k,
                           int8_t *q, ptrdiff_t q_stride, float *scale);

/* The attention inputs from a fused QKV projection f [len][3·heads·hd] (token i: q ‖ k ‖ v,
 * head h at columns h·hd of each):
 *   Q, K per token and head: qs[h·len + i], ks[h·len + i] = the wk_quantize_rows rule on the
 *        hd-slice, q8 / k8 [len][heads·hd] token-major;
 *   V per head: v_scale[h] = max_i |V[i, h]| / 127 (1 if 0), v8 = clamp(rint(V / v_scale[h]),
 *        ±127), token-major like q8.
 * work: wk_quantize_qkv_workspace_size(len, heads) bytes (any alignment ≥ 4).  1 ≤ len ≤ 2^24,
 * 1 ≤ heads, hd ≥ 1.  Fails with WK_STATUS_INVALID_ARGUMENT naming the token and head if f
 * holds NaN or ±∞ (outputs then unspecified).  Outputs must not overlap f or each other. */
size_t wk_quantize_qkv_workspace_size(int len, int heads);
wk_status wk_quantize_qkv(wk_context *context, const float *f, int len, int heads, int hd,
                          int8_t *q8, int8_t *k8, int8_t *v8, float *qs, float *ks,
                          float *v_scale, void *work, size_t work_size);

/* The end of the same computation when the QKV GEMM did the per-token part (gemm.h's
 * per-group output with group_cols = hd, groups_q = 2·heads: Q and K quantized into their
 * int8 arrays, their scales qs, ks [heads][len] — NaN where a token·head holds NaN or ±∞ —,
 * V left in fp32 v_f32 [len][heads·hd] with its magnitude maxima per token·head, as float
 * bits, in amax [len][heads]): fails naming the token and head of a NaN or ±∞ in Q or K, or the
 * head of one in V; else sets v_scale [heads] and quantizes V into v8 [len][heads·hd].  The
 * bytes equal wk_quantize_qkv's on the fp32 projection. */
wk_status wk_qkv_finish(wk_context *context, int len, int heads, int hd, const float *qs,
                        const float *ks, const uint32_t *amax, const float *v_f32, int8_t *v8,
                        float *v_scale);

/* Per-output-channel symmetric int8 of weights w [n][k] (row j at w + j·w_stride), each input
 * column c multiplied by col[c] first when col is not NULL (SmoothQuant folding):
 *   u[j][c]  = col ? w[j][c]·col[c] : w[j][c]                  (one float multiply)
 *   scale[j] = max_c |u[j][c]| / 127 (1 for an all-zero row),
 *   q[j][c]  = clamp(rint(u[j][c] / scale[j]), −127, 127)       q: [n][k] contiguous
 * The activations' rule and quantizer (the context's kernel, or the scalar one for a NULL
 * context: the same bytes), rows split across the context's threads.  Fails
 * with WK_STATUS_INVALID_ARGUMENT naming the first row where a u[j][c] is NaN or ±∞. */
wk_status wk_quantize_weights(wk_context *context, const float *w, ptrdiff_t w_stride, int n,
                              int k, const float *col, int8_t *q, float *scale);

#endif
