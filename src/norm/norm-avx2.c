/* norm-avx2.c — LayerNorm on AVX2: two ymm accumulators hold the spec's lanes 0–7 and 8–15
 * (norm-internal.h); tails use vmaskmovps, whose masked-off lanes load as +0.0f. */
#include <immintrin.h>

#include "norm/norm-internal.h"

/* Load mask for lanes [0, n) of 8 (n may be ≤ 0 or ≥ 8). */
static inline __m256i tail_mask(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

/* The spec's halving tree: lanes 8–15 (hi) onto 0–7 (lo), then 4, 2, 1. */
static inline float reduce16(__m256 lo, __m256 hi) {
  __m256 a = _mm256_add_ps(lo, hi);
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  __m128 e = _mm_add_ss(c, _mm_movehdup_ps(c));
  return _mm_cvtss_f32(e);
}

static int layernorm_row(const float *x, int d, const float *g, const float *b, float *y) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= d; i += 16) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
  }
  const int tail = i;
  const __m256i m0 = tail_mask(d - tail), m1 = tail_mask(d - tail - 8);
  if (tail < d) {
    a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + tail, m0));
    a1 = _mm256_add_ps(a1, _mm256_maskload_ps(x + tail + 8, m1));
  }
  const float mean = reduce16(a0, a1) / (float)d;
  const __m256 mv = _mm256_set1_ps(mean);
  a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  for (i = 0; i < tail; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), mv);
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), mv);
    a0 = _mm256_add_ps(a0, _mm256_mul_ps(d0, d0));
    a1 = _mm256_add_ps(a1, _mm256_mul_ps(d1, d1));
  }
  if (tail < d) { /* masked-off lanes of dev would be 0 − mean: zero them before squaring */
    __m256 d0 = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + tail, m0), mv),
                              _mm256_castsi256_ps(m0));
    __m256 d1 = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + tail + 8, m1), mv),
                              _mm256_castsi256_ps(m1));
    a0 = _mm256_add_ps(a0, _mm256_mul_ps(d0, d0));
    a1 = _mm256_add_ps(a1, _mm256_mul_ps(d1, d1));
  }
  const float var = reduce16(a0, a1) / (float)d;
  if (!(var <= FLT_MAX)) return 0;
  const __m256 rv = _mm256_set1_ps(1.0f / sqrtf(var + WK_LN_EPS));
  for (i = 0; i < d; i += 8) {
    const __m256i m = tail_mask(d - i);
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), mv), rv);
    v = _mm256_add_ps(_mm256_mul_ps(v, _mm256_maskload_ps(g + i, m)), _mm256_maskload_ps(b + i, m));
    _mm256_maskstore_ps(y + i, m, v);
  }
  return 1;
}

const wk_norm_kernel wk_norm_kernel_avx2 = {
    .name = "wk_f32_layernorm_ukernel__avx2",
    .isa = WK_ISA_AVX2,
    .layernorm_row = layernorm_row,
};
