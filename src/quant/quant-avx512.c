/* quant-avx512.c — the quantizer (quant-internal.h) with AVX-512: 16 lanes, masked tails (no
 * scalar tail).  vcvtps2dq rounds to nearest even under the default MXCSR, like lrintf. */
#include <immintrin.h>

#include "quant/quant-internal.h"

static inline __mmask16 tail_mask(int n) { return (__mmask16)(0xffffu >> (16 - n)); }

static uint32_t amax_bits(const float *x, int k) {
  const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
  __m512i m0 = _mm512_setzero_si512(), m1 = _mm512_setzero_si512();
  int i = 0;
  for (; i + 32 <= k; i += 32) { /* two chains: the max latency is not the limit */
    m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_loadu_si512(x + i), absmask));
    m1 = _mm512_max_epu32(m1, _mm512_and_si512(_mm512_loadu_si512(x + i + 16), absmask));
  }
  for (; i + 16 <= k; i += 16)
    m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_loadu_si512(x + i), absmask));
  if (i < k)
    m1 = _mm512_max_epu32(m1, _mm512_and_si512(_mm512_maskz_loadu_epi32(tail_mask(k - i), x + i),
                                               absmask));
  return (uint32_t)_mm512_reduce_max_epu32(_mm512_max_epu32(m0, m1));
}

/* rint(x / s) of 16 lanes: true division, round to nearest even (clamping is the caller's) */
static inline __m512i div_rint(__m512 x, __m512 sv) {
  return _mm512_cvtps_epi32(_mm512_div_ps(x, sv));
}

static void quantize(const float *x, int k, float s, int8_t *q) {
  const __m512 sv = _mm512_set1_ps(s);
  const __m512i lo = _mm512_set1_epi32(-WK_Q8_MAX), hi = _mm512_set1_epi32(WK_Q8_MAX);
  int i = 0;
  for (; i + 64 <= k; i += 64) /* 64 at a time: one store (wk_avx512_pack4_q8) */
    _mm512_storeu_si512(q + i, wk_avx512_pack4_q8(div_rint(_mm512_loadu_ps(x + i), sv),
                                        div_rint(_mm512_loadu_ps(x + i + 16), sv),
                                        div_rint(_mm512_loadu_ps(x + i + 32), sv),
                                        div_rint(_mm512_loadu_ps(x + i + 48), sv)));
  for (; i < k; i += 16) { /* the last < 64: masked lanes load 0 and store nothing */
    const __mmask16 m = k - i >= 16 ? (__mmask16)0xffff : tail_mask(k - i);
    __m512i v = div_rint(_mm512_maskz_loadu_ps(m, x + i), sv);
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    _mm_mask_storeu_epi8(q + i, m, _mm512_cvtepi32_epi8(v));
  }
}

const wk_quant_kernel wk_quant_kernel_avx512 = {
    .name = "wk_f32_qs8_quant_ukernel__avx512",
    .isa = WK_ISA_AVX512VNNI,
    .amax_bits = amax_bits,
    .quantize = quantize,
};
