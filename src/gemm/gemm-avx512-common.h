/* gemm-avx512-common.h — AVX-512 pieces shared by the AVX-512 VNNI and AMX GEMM microkernels
 * (included only by files compiled with the AVX-512 flags): the float epilogue of one 16-column
 * vector of exact int32 accumulators and its GELU twin.
 *
 * Every float operation below is the one the scalar spec (gemm-internal.h, gemm-scalar.c)
 * performs, in the same order (its fmaf as vfmadd); the files are compiled with
 * -ffp-contract=off so nothing else is fused,
 * and vcvtdq2ps rounds to nearest even under the default MXCSR, like the spec. */
#ifndef WK_GEMM_AVX512_COMMON_H
#define WK_GEMM_AVX512_COMMON_H

#include <immintrin.h>
#include <string.h>

#include "gemm/gemm-internal.h"

#define WK_GEMM_INLINE static inline __attribute__((always_inline))

/* The SIMD twin of wk_gelu: the same values (vreduceps gives u − floor(u) in one instruction;
 * vpermps takes the index's low 4 bits, the spec's i mod 16: u = 16 with ax < T reads row 0
 * with t = 0 as the spec does, and lanes with ax ≥ T, whatever row they read, are zeroed by
 * the masked last FMA, as the spec skips them). */
WK_GEMM_INLINE __m512 wk_avx512_gemm_gelu16(__m512 x) {
  const __m512 ax = _mm512_abs_ps(x);
  const __m512 u = _mm512_mul_ps(ax, _mm512_set1_ps(WK_GELU_S));
  const __m512 t = _mm512_reduce_ps(u, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512i i = _mm512_cvttps_epi32(u);
  const __mmask16 in = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(WK_GELU_T), _CMP_LT_OQ);
  __m512 p = _mm512_permutexvar_ps(i, _mm512_load_ps(wk_gelu_tab[4]));
  p = _mm512_fmadd_ps(p, t, _mm512_permutexvar_ps(i, _mm512_load_ps(wk_gelu_tab[3])));
  p = _mm512_fmadd_ps(p, t, _mm512_permutexvar_ps(i, _mm512_load_ps(wk_gelu_tab[2])));
  p = _mm512_fmadd_ps(p, t, _mm512_permutexvar_ps(i, _mm512_load_ps(wk_gelu_tab[1])));
  p = _mm512_maskz_fmadd_ps(in, p, t, _mm512_permutexvar_ps(i, _mm512_load_ps(wk_gelu_tab[0])));
  return _mm512_sub_ps(_mm512_max_ps(_mm512_setzero_ps(), x), p);
}

/* The epilogue of one output row's 16 columns j0 + off … j0 + off + 15 of the block, from their
 * exact accumulators `acc` (Acc = Σ_k A·W, already compensated):
 *   y = (float)Acc · (a_scale · w_scale);  + bias;  gelu;  + residual;  out = y
 * as_row: a_scale of the row, broadcast.  res, out: the row's residual (or NULL) and output at
 * block column j0 (the callers' tile origin; off = 16·vector within the tile).  Only the lanes
 * in `m` (the valid columns) read the residual or write the output; w_scale and bias are
 * zero-padded to whole 64-column groups (gemm-internal.h), so their full loads stay inside. */
WK_GEMM_INLINE void wk_avx512_gemm_epilogue16(const wk_gemm_block_args *p, __m512i acc,
                                              __m512 as_row, int j0, int off, const float *res,
                                              float *out, __mmask16 m) {
  __m512 y = _mm512_cvtepi32_ps(acc);
  y = _mm512_mul_ps(y, _mm512_mul_ps(as_row, _mm512_loadu_ps(p->w_scale + j0 + off)));
  if (p->bias) y = _mm512_add_ps(y, _mm512_loadu_ps(p->bias + j0 + off));
  if (p->gelu) y = wk_avx512_gemm_gelu16(y);
  if (res) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m, res + off));
  _mm512_mask_storeu_ps(out + off, m, y);
}

#endif
