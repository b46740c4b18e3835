/* quant-avx2.c — the quantizer (quant-internal.h) with AVX2: 8 lanes, a scalar tail doing the
 * same operations.  vcvtps2dq rounds to nearest even under the default MXCSR, like lrintf. */
#include <immintrin.h>

#include "quant/quant-internal.h"

static uint32_t amax_bits(const float *x, int k) {
  const __m256i absmask = _mm256_set1_epi32(0x7fffffff);
  __m256i m0 = _mm256_setzero_si256(), m1 = _mm256_setzero_si256();
  int i = 0;
  for (; i + 16 <= k; i += 16) { /* two chains: the max latency is not the limit */
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)),
                                               absmask));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 8)),
                                               absmask));
  }
  for (; i + 8 <= k; i += 8)
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)),
                                               absmask));
  m0 = _mm256_max_epu32(m0, m1);
  uint32_t lanes[8], m = 0;
  _mm256_storeu_si256((__m256i *)lanes, m0);
  for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
  for (; i < k; i++) {
    const uint32_t b = wk_f32_abs_bits(x[i]);
    m = b > m ? b : m;
  }
  return m;
}

static void quantize(const float *x, int k, float s, int8_t *q) {
  const __m256 sv = _mm256_set1_ps(s);
  const __m256i lo = _mm256_set1_epi32(-WK_Q8_MAX), hi = _mm256_set1_epi32(WK_Q8_MAX);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  int i = 0;
  for (; i + 32 <= k; i += 32) {
    __m256i v[4];
    for (int j = 0; j < 4; j++) { /* true division, nearest even (vcvtps2dq), clamp */
      v[j] = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_loadu_ps(x + i + 8 * j), sv));
      v[j] = _mm256_min_epi32(_mm256_max_epi32(v[j], lo), hi);
    }
    /* packs work per 128-bit lane: the permute restores element order */
    __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    _mm256_storeu_si256((__m256i *)(q + i), _mm256_permutevar8x32_epi32(b, order));
  }
  for (; i + 8 <= k; i += 8) { /* 8 at a time: head dims 16…128 end here, not in the tail */
    __m256i v = _mm256_cvtps_epi32(_mm256_div_ps(_mm256_loadu_ps(x + i), sv));
    v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
    const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)(q + i), _mm_packs_epi16(h, h));
  }
  for (; i < k; i++) { /* the same operations, one element at a time */
    const long t = lrintf(x[i] / s);
    q[i] = (int8_t)(t > WK_Q8_MAX ? WK_Q8_MAX : t < -WK_Q8_MAX ? -WK_Q8_MAX : t);
  }
}

const wk_quant_kernel wk_quant_kernel_avx2 = {
    .name = "wk_f32_qs8_quant_ukernel__avx2",
    .isa = WK_ISA_AVX2,
    .amax_bits = amax_bits,
    .quantize = quantize,
};
