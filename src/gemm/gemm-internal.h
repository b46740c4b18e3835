/* gemm-internal.h — the INT8 GEMM microkernel interface and its numerical specification.
 *
 * The GEMM the encoder's four projections (QKV, out, fc1, fc2) run, for every m < M, n < N:
 *
 *   Acc[m][n] = Σ_{k<K} A[m][k]·W[n][k]                     int32, exact
 *   y = (float)Acc · (a_scale[m] · w_scale[n])                 two IEEE float multiplies
 *   if bias:     y = y + bias[n]
 *   if gelu:     y = wk_gelu(y)                                 the fixed sequence below
 *   if residual: y = y + R[m][n]
 *   out[m][n] = y
 *
 * A are int8 activations with one scale per token (row), W int8 weights with one scale per
 * output channel (row of W).  Every float step is one IEEE-754 single-precision operation in a
 * fixed order (the build uses -ffp-contract=off, so no compiler fuses a multiply-add), int→float
 * conversion rounds to nearest even, and Acc is an exact integer whatever the summation order:
 * every kernel must therefore equal the scalar one (gemm-scalar.c) bit for bit, for every shape,
 * blocking and thread count.
 *
 * Overflow bounds (K ≤ WK_GEMM_MAX_K = 2^16):
 *   |A·W| ≤ 128·128 = 2^14 per product, so |Acc| ≤ 2^30: int32 holds every partial sum.
 *   VNNI (u8×s8): with A+128 ∈ [0, 255] as the unsigned operand, |(A+128)·W| ≤ 255·128, and
 *   Σ_k ≤ 2^16·32640 < 2^31 — no intermediate wraps; the column compensation 128·Σ_k W[n][k]
 *   is ≤ 2^30 in magnitude.  (vpdpbusd does not saturate, so even a wrap would cancel exactly.)
 *   AVX2 (s16 pairs, vpmaddwd): a pair is ≤ 2^15 in magnitude; no saturation is possible.
 *   AMX (tdpbssd, s8×s8): its dword sums are partial sums of Acc itself, ≤ 2^30; the tile adds
 *   do not saturate either.
 *   (float)Acc is exact up to 2^24 and correctly rounded above; the kernels all round the same.
 *
 * The per-token quantizer that produces A (wk_quantize_rows) and the int8 epilogue (out_q) is
 * the quant family's (src/quant/quant-internal.h).
 */
#ifndef WK_GEMM_INTERNAL_H
#define WK_GEMM_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gemm/gemm.h"
#include "runtime/runtime.h"

#define WK_GEMM_MAX_K 65536     /* |Acc| ≤ 2^30: see the bounds above */
#define WK_GEMM_MAX_N (1 << 24) /* keeps every padded size far from overflow */
#define WK_GEMM_NB_ALIGN 64     /* column blocks start at multiples of this (every kernel's nr
                                 * divides it) */

/* ── GELU, erf form: gelu(x) = x·Φ(x) = x·½·(1 + erf(x/√2)) ───────────────────────────────
 *
 * Evaluated through the exact identity  gelu(x) = max(x, 0) − (|x|/2)·erfc(|x|/√2), so that
 * the one approximated quantity, r ≈ erfc(a) with a = |x|/√2, is either a small correction
 * (x > 0) or the whole result, accurate relative to itself (x < 0): 1 + erf never cancels.
 *
 *   erfc(a) ≈ S(a)^−8,  S(a) = 1 + a·(c1 + a·(c2 + … + a·c9))        (the A&S 7.1.28 form)
 *
 * The c_i are a weighted minimax fit of erfc(a)^(−1/8) on [0, 4] (Lawson iteration in 40-digit
 * arithmetic, weight = the GELU error one unit of S error causes; tools/fit/gelu_erfc_fit.py
 * 8 9 4 gelu), rounded to float.  Only fused multiply-add (fmaf: one rounding, vfmadd in the
 * SIMD twins), mul, div, min, max and abs are used, so the scalar code and its SIMD twins agree
 * bit for bit.  The fixed sequence:
 *
 *   ax = min(128, |x|)   h = ax·0.5   a = ax·(1/√2)
 *   s  = c9; s = fma(s, a, c8); …; s = fma(s, a, c1); s = fma(s, a, 1)   (Horner)
 *   s  = s·s; s = s·s; s = s·s                                            (s^8)
 *   r  = 1/s;  gelu = fma(−h, r, max(0, x))
 *
 * Accuracy against x·½·erfc(−x/√2) in double, over all 2.19e9 floats in [−10, 10]
 * (tools/fit/gelu_check.c): max abs error 2.48e-7 (at x ≈ 4.69; half an ulp of the output there
 * is 2.38e-7, so it is ~rounding-limited); max relative error 5.0e-6 where |gelu| ≥ 1e-3.
 * Limits, exact: gelu(x) == x for every x ≥ 4√2 (h·r < ½ ulp(x)) up to +∞; gelu(x) == 0 for
 * every x ≤ −18.4 (s^8 overflows, r = 0) down to −∞; the clamp of |x| at 128 keeps h·r from
 * becoming ∞·0.  NaN in, NaN out.  (Between −18.4 and −4√2 the result is the tiny true value.)
 * Cost per element: 10 fma, 5 mul, 1 div, 3 abs/min/max. */
#define WK_GELU_C1 1.410484918e-01f
#define WK_GELU_C2 8.950867686e-02f
#define WK_GELU_C3 2.462567291e-02f
#define WK_GELU_C4 3.153885945e-03f
#define WK_GELU_C5 1.650887104e-03f
#define WK_GELU_C6 -1.100720664e-05f
#define WK_GELU_C7 1.646999477e-04f
#define WK_GELU_C8 -3.744325873e-05f
#define WK_GELU_C9 8.252555303e-06f
/* The Horner steps after s = c9, in their fixed order; every twin expands this one list. */
#define WK_GELU_HORNER(STEP)                                                                  \
  STEP(WK_GELU_C8) STEP(WK_GELU_C7) STEP(WK_GELU_C6) STEP(WK_GELU_C5) STEP(WK_GELU_C4)        \
  STEP(WK_GELU_C3) STEP(WK_GELU_C2) STEP(WK_GELU_C1) STEP(1.0f)
#define WK_GELU_AX_MAX 128.0f
#define WK_GELU_RSQRT2 0.70710677f /* (float)(1/√2) */

/* min/max with the SIMD instructions' semantics (vminps/vmaxps: the second operand when either
 * is NaN), so the scalar spec and the SIMD twins agree even there. */
static inline float wk_minf(float a, float b) { return a < b ? a : b; }
static inline float wk_maxf(float a, float b) { return a > b ? a : b; }

static inline float wk_gelu(float x) {
  float ax = wk_minf(WK_GELU_AX_MAX, fabsf(x)); /* NaN stays NaN: see wk_minf */
  float h = ax * 0.5f;
  float a = ax * WK_GELU_RSQRT2;
  float s = WK_GELU_C9;
#define WK_GELU_STEP_F32(c) s = fmaf(s, a, (c));
  WK_GELU_HORNER(WK_GELU_STEP_F32)
#undef WK_GELU_STEP_F32
  s = s * s; /* s^2 */
  s = s * s; /* s^4 */
  s = s * s; /* s^8 */
  float r = 1.0f / s;
  return fmaf(-h, r, wk_maxf(0.0f, x));
}

/* ── microkernel interface ───────────────────────────────────────────────────────────────
 * The operator (gemm.c) splits the output into (row block × column block) tasks; a kernel's
 * block() computes one whole block, tiling it into registers in its own order and handling
 * every remainder (any m, n, k ≥ 1). */
typedef struct wk_gemm_block_args {
  int m;                 /* rows of this block, ≥ 1 */
  int n;                 /* columns of this block, ≥ 1 */
  int k;                 /* reduction length, 1 … WK_GEMM_MAX_K */
  const int8_t *a;       /* [m][k], row i at a + i·a_stride */
  ptrdiff_t a_stride;
  const float *a_scale;  /* [m] */
  const void *w;         /* packed weights, starting at the block's first panel */
  const float *w_scale;  /* [round_up(n, WK_GEMM_NB_ALIGN)]: zero-padded, full vectors load */
  const float *bias;     /* [round_up(n, WK_GEMM_NB_ALIGN)] zero-padded, or NULL: no bias add */
  int gelu;              /* nonzero: apply wk_gelu after the bias */
  const float *residual; /* [m][n], row i at residual + i·residual_stride, or NULL */
  ptrdiff_t residual_stride;
  float *out;            /* [m][n], row i at out + i·out_stride (may equal residual) */
  ptrdiff_t out_stride;
  void *scratch;         /* scratch_size(k) bytes, 64-byte aligned, private to the thread */
  /* Per-group int8 output in the tile epilogue (gemm.h's group_cols = 64; only kernels with
   * group64 set get it): column j of the block is global column col0 + j, in group
   * G = (col0 + j)/64; G < groups_q: quantized into groups.q (row 0 of the block, global column
   * 0) with scale groups.scale[G·groups.scale_stride + row]; else fp32 into out (row 0 of the
   * block, at column col0 + j − 64·groups_q) and the group's magnitude maximum into
   * groups.amax[row·groups.amax_stride + G − groups_q].  Off when `grouped` is 0. */
  int grouped, col0, groups_q;
  wk_gemm_group_out groups;
} wk_gemm_block_args;

typedef struct wk_gemm_kernel {
  const char *name;
  wk_isa isa;
  int mr; /* rows of the register tile: row blocks are multiples of it (except the last) */
  int nr; /* columns per packed panel; divides WK_GEMM_NB_ALIGN */
  /* Bytes of one packed panel of nr columns × k (SIMD kernels keep it a multiple of 64, so
   * every panel of a 64-byte aligned buffer is aligned). */
  size_t (*panel_size)(int k);
  /* Bytes of thread-private scratch block() needs. */
  size_t (*scratch_size)(int k);
  /* w: [n][k] int8, row j at w + j·w_stride → ceil(n/nr) panels (zero-padded) at packed. */
  void (*pack)(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed);
  void (*block)(const wk_gemm_block_args *args);
  int group64; /* block() does the per-group int8 output (groups.q) for 64-column groups */
} wk_gemm_kernel;

extern const wk_gemm_kernel wk_gemm_kernel_scalar;
#if defined(__x86_64__)
extern const wk_gemm_kernel wk_gemm_kernel_avx2;
extern const wk_gemm_kernel wk_gemm_kernel_avx512vnni;
extern const wk_gemm_kernel wk_gemm_kernel_amx;
#endif

/* The kernel for an ISA: wk_kernels_for(isa)->gemm (runtime/dispatch.h). */

#endif
