/* norm-avx512.c — LayerNorm on AVX-512F: one zmm holds the spec's 16 lane sums
 * (norm-internal.h); the tail is a masked load, whose zeros leave the lanes unchanged. */
#include <immintrin.h>

#include "norm/norm-internal.h"

static inline __mmask16 tail_mask(int n) { return (__mmask16)(0xffffu >> (16 - n)); }

/* The spec's halving tree: upper 8 lanes onto lower 8, then 4, 2, 1. */
static inline float reduce16(__m512 v) {
  __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v),
                           _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  __m128 c = _mm_add_ps(b, _mm_movehl_ps(b, b));
  __m128 e = _mm_add_ss(c, _mm_movehdup_ps(c));
  return _mm_cvtss_f32(e);
}

static int layernorm_row(const float *x, int d, const float *g, const float *b, float *y) {
  __m512 acc = _mm512_setzero_ps();
  int i = 0;
  for (; i + 16 <= d; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
  if (i < d) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(tail_mask(d - i), x + i));
  const float mean = reduce16(acc) / (float)d;
  const __m512 mv = _mm512_set1_ps(mean);
  acc = _mm512_setzero_ps();
  for (i = 0; i + 16 <= d; i += 16) {
    __m512 dev = _mm512_sub_ps(_mm512_loadu_ps(x + i), mv);
    acc = _mm512_add_ps(acc, _mm512_mul_ps(dev, dev));
  }
  if (i < d) { /* masked-off lanes of dev are 0 − mean: zero them before squaring */
    const __mmask16 m = tail_mask(d - i);
    __m512 dev = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), mv);
    acc = _mm512_add_ps(acc, _mm512_mul_ps(dev, dev));
  }
  const float var = reduce16(acc) / (float)d;
  if (!(var <= FLT_MAX)) return 0;
  const __m512 rv = _mm512_set1_ps(1.0f / sqrtf(var + WK_LN_EPS));
  for (i = 0; i < d; i += 16) {
    const __mmask16 m = d - i >= 16 ? (__mmask16)0xffff : tail_mask(d - i);
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), mv), rv);
    v = _mm512_add_ps(_mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, g + i)),
                      _mm512_maskz_loadu_ps(m, b + i));
    _mm512_mask_storeu_ps(y + i, m, v);
  }
  return 1;
}

const wk_norm_kernel wk_norm_kernel_avx512 = {
    .name = "wk_f32_layernorm_ukernel__avx512f",
    .isa = WK_ISA_AVX512VNNI,
    .layernorm_row = layernorm_row,
};
