/* norm.h — the internal LayerNorm operator the encoder layer uses (not public API yet).
 *
 *   y[i][:] = LayerNorm(x[i][:]; g, b, eps = 1e-5)        fp32 → fp32
 *   q[i][:], scale[i] = quantize(LayerNorm(x[i][:]))       fp32 → per-token int8 (GEMM input)
 *
 * The exact float sequence is in norm-internal.h; the quantizer is wk_quantize_rows'
 * (quant/quant.h), so results are bit-identical on every ISA and thread count.
 */
#ifndef WK_NORM_H
#define WK_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* x: [m][d], row i at x + i·x_stride → y: [m][d], row i at y + i·y_stride (y may equal x with
 * the same stride; must not overlap it otherwise).  g, b: [d].  1 ≤ m, 1 ≤ d ≤ 65536.
 * Fails with WK_STATUS_INVALID_ARGUMENT naming the first row whose variance is not finite
 * (NaN, ±∞, or |x| ≳ 1e18); y is then unspecified. */
wk_status wk_layernorm_rows(wk_context *context, const float *x, ptrdiff_t x_stride, int m, int d,
                            const float *g, const float *b, float *y, ptrdiff_t y_stride);

/* As wk_layernorm_rows, then each normalised row quantized per token like wk_quantize_rows:
 * q: [m][d] int8, row i at q + i·q_stride; scale: [m].  Same failure rules (also a NaN/∞ after
 * g, b are applied). */
wk_status wk_layernorm_quantize_rows(wk_context *context, const float *x, ptrdiff_t x_stride,
                                     int m, int d, const float *g, const float *b, int8_t *q,
                                     ptrdiff_t q_stride, float *scale);

#endif
