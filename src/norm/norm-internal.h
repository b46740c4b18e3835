/* norm-internal.h — the LayerNorm microkernel interface and its numerical specification.
 *
 * For one row x[0..d) of floats, gain g[d] and bias b[d], every kernel computes exactly:
 *
 *   sum   = wk_norm_sum16(x)                     the fixed-order sum below
 *   mean  = sum / d                              (IEEE division; d converted exactly)
 *   dev_i = x_i − mean
 *   ss    = wk_norm_sum16(dev_i · dev_i)         the same fixed order
 *   var   = ss / d                               (two-pass variance: no cancellation)
 *   rstd  = 1 / sqrt(var + WK_LN_EPS)            (IEEE sqrt and division, correctly rounded)
 *   y_i   = ((dev_i · rstd) · g_i) + b_i         (three operations, in this order)
 *
 * The fixed-order sum wk_norm_sum16(v): 16 lane sums, lane l = Σ v_i over i ≡ l (mod 16) in
 * increasing i, each starting from +0.0f; then a halving tree over the lanes:
 *   l[j] += l[j+8] (j < 8); l[j] += l[j+4] (j < 4); l[j] += l[j+2] (j < 2); l[0] += l[1].
 * This is exactly what one zmm accumulator (or two ymm: lanes 0–7 and 8–15) followed by
 * "add the upper half to the lower half" reductions computes; a masked tail load adds +0.0f,
 * which changes no lane (a lane sum that starts at +0.0f is never −0.0f under round-to-nearest).
 * Every step is one IEEE-754 single operation (the build uses -ffp-contract=off, no FMA), so
 * SIMD kernels equal the scalar one bit for bit.
 *
 * Error against a double LayerNorm of the same float inputs (bounded in tests/test_norm.c, d ≤
 * 1280, N(0,1), N(3, 0.01), outlier-channel, constant and ±1e17 rows):
 *   |y − y_exact| ≤ 1e-5·(1 + |y|) + 2^-23·(|mean|/std)·|g|
 * The first term is the fp32 lane sums (≤ d/16 + 4 roundings each) and the output ops; the
 * second is rounding the mean to float, amplified by the row's conditioning |mean|/std (a row
 * with mean 3 and std 0.01 loses ~300 ulp: inherent to any fp32 mean).
 *
 * Rows whose variance is not finite (NaN or ±∞ anywhere, or |x| ≳ 1e18 so that (x − mean)²
 * summed overflows) are rejected: the kernel returns 0 and writes nothing.
 */
#ifndef WK_NORM_INTERNAL_H
#define WK_NORM_INTERNAL_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime.h"

#define WK_LN_EPS 1e-5f /* Whisper's nn.LayerNorm default */
#define WK_NORM_LANES 16

typedef struct wk_norm_kernel {
  const char *name;
  wk_isa isa;
  /* x: [d] → y: [d] per the spec above (y may equal x); g, b: [d].  Returns 0 (writing
   * nothing) if the row's variance is not finite. */
  int (*layernorm_row)(const float *x, int d, const float *g, const float *b, float *y);
} wk_norm_kernel;

extern const wk_norm_kernel wk_norm_kernel_scalar;
#if defined(__x86_64__)
extern const wk_norm_kernel wk_norm_kernel_avx2;
extern const wk_norm_kernel wk_norm_kernel_avx512;
#endif

/* The kernel for an ISA: wk_kernels_for(isa)->norm (runtime/dispatch.h). */

#endif
