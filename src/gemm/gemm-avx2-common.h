/* gemm-avx2-common.h — AVX2 pieces shared by the INT8 GEMM (gemm-avx2.c) and the FP32 family
 * (f32-avx2.c).  Include only from files built with the AVX2 flags. */
#ifndef WK_GEMM_AVX2_COMMON_H
#define WK_GEMM_AVX2_COMMON_H

#include <immintrin.h>

#include "gemm/gemm-internal.h"

/* The SIMD twin of wk_gelu (gemm-internal.h): the same operations in the same order. */
static inline __attribute__((always_inline)) __m256 wk_avx2_gelu8(__m256 x) {
  const __m256 ax = _mm256_min_ps(_mm256_set1_ps(WK_GELU_AX_MAX),
                                  _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x));
  const __m256 h = _mm256_mul_ps(ax, _mm256_set1_ps(0.5f));
  const __m256 a = _mm256_mul_ps(ax, _mm256_set1_ps(WK_GELU_RSQRT2));
  __m256 s = _mm256_set1_ps(WK_GELU_C9);
#define STEP(c) s = _mm256_fmadd_ps(s, a, _mm256_set1_ps(c));
  WK_GELU_HORNER(STEP)
#undef STEP
  s = _mm256_mul_ps(s, s);
  s = _mm256_mul_ps(s, s);
  s = _mm256_mul_ps(s, s);
  const __m256 r = _mm256_div_ps(_mm256_set1_ps(1.0f), s);
  return _mm256_fnmadd_ps(h, r, _mm256_max_ps(_mm256_setzero_ps(), x));
}

#endif
