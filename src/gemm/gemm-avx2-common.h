/* gemm-avx2-common.h — AVX2 pieces shared by the INT8 GEMM (gemm-avx2.c) and the FP32 family
 * (f32-avx2.c).  Include only from files built with the AVX2 flags. */
#ifndef WK_GEMM_AVX2_COMMON_H
#define WK_GEMM_AVX2_COMMON_H

#include <immintrin.h>

#include "gemm/gemm-internal.h"

/* One entry of a 16-entry table row per lane: two 8-entry vpermps and a blend on bit 3. */
static inline __attribute__((always_inline)) __m256 wk_avx2_lookup16(const float *row,
                                                                     __m256i i) {
  const __m256 lo = _mm256_permutevar8x32_ps(_mm256_load_ps(row), i);
  const __m256 hi = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 8), i);
  return _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(i, 28)));
}

/* The SIMD twin of wk_gelu (gemm-internal.h): the same values (lanes with ax ≥ T compute
 * garbage from a wrapped index and are zeroed by the compare, as the spec skips them). */
static inline __attribute__((always_inline)) __m256 wk_avx2_gelu8(__m256 x) {
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 u = _mm256_mul_ps(ax, _mm256_set1_ps(WK_GELU_S));
  const __m256 t = _mm256_sub_ps(u, _mm256_floor_ps(u));
  const __m256i i = _mm256_cvttps_epi32(u); /* only bits 0–3 are used: u = 16 reads row 0 */
  __m256 p = wk_avx2_lookup16(wk_gelu_tab[4], i);
  p = _mm256_fmadd_ps(p, t, wk_avx2_lookup16(wk_gelu_tab[3], i));
  p = _mm256_fmadd_ps(p, t, wk_avx2_lookup16(wk_gelu_tab[2], i));
  p = _mm256_fmadd_ps(p, t, wk_avx2_lookup16(wk_gelu_tab[1], i));
  p = _mm256_fmadd_ps(p, t, wk_avx2_lookup16(wk_gelu_tab[0], i));
  p = _mm256_and_ps(_mm256_cmp_ps(ax, _mm256_set1_ps(WK_GELU_T), _CMP_LT_OQ), p);
  return _mm256_sub_ps(_mm256_max_ps(_mm256_setzero_ps(), x), p);
}

#endif
