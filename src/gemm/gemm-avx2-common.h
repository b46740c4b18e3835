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

/* The float epilogue of gemm-internal.h for 8 columns j0 + c … j0 + c + 7 of one row, `valid`
 * of them real (1 … 8): acc is the row's exact Acc, as its a_scale broadcast, res the row's
 * residual at column j0 (or NULL), out its output at column j0.  Masked past `valid`: no element
 * past the row is read or written. */
static inline __attribute__((always_inline)) void wk_avx2_gemm_epilogue8(
    const wk_gemm_block_args *p, __m256i acc, __m256 as, int j0, int c, const float *res,
    float *out, int valid) {
  __m256 y = _mm256_cvtepi32_ps(acc);
  y = _mm256_mul_ps(y, _mm256_mul_ps(as, _mm256_loadu_ps(p->w_scale + j0 + c)));
  if (p->bias) y = _mm256_add_ps(y, _mm256_loadu_ps(p->bias + j0 + c));
  if (p->gelu) y = wk_avx2_gelu8(y);
  if (valid == 8) {
    if (res) y = _mm256_add_ps(y, _mm256_loadu_ps(res + c));
    _mm256_storeu_ps(out + c, y);
  } else {
    const __m256i m =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (res) y = _mm256_add_ps(y, _mm256_maskload_ps(res + c, m));
    _mm256_maskstore_ps(out + c, m, y);
  }
}

#endif
