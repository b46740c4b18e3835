/* quant-internal.h — the int8 quantizer microkernel interface and its numerical specification.
 *
 * Symmetric int8 with a float scale, used for activations per token (the GEMM input), for Q and
 * K per token·head and V per head (attention), and inside the GEMM's int8 epilogue.  For a row
 * x[0..k) of finite floats:
 *   amax = max_k |x[k]|                      (exact: a max, taken on the magnitude bits)
 *   s    = amax / 127;  s = 1 if that is 0   (all-zero rows, and rows so tiny that amax/127
 *                                             underflows to 0, get scale 1 and q = 0)
 *   q[k] = clamp(rint(x[k] / s), −127, 127)  (IEEE division, round to nearest even)
 * A true division, not a multiply by 1/s: x = ±amax gives exactly ±127 whenever s is normal, and
 * nothing overflows even for subnormal amax (where 127/amax would).  |x| as uint32 (sign bit
 * cleared) orders like |x|, and NaN or ±∞ has magnitude bits ≥ 0x7f800000, so one integer max
 * both finds amax and detects non-finite input.  Every step is exact or one IEEE operation, so
 * the SIMD twins (quant-avx2.c, quant-avx512.c) equal the scalar kernel bit for bit.
 */
#ifndef WK_QUANT_INTERNAL_H
#define WK_QUANT_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/runtime.h"

#define WK_Q8_MAX 127
#define WK_F32_NONFINITE_BITS 0x7f800000u /* magnitude bits ≥ this: NaN or ±∞ */

static inline uint32_t wk_f32_abs_bits(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof b);
  return b & 0x7fffffffu;
}

/* s = amax / 127, or 1 when that is 0 (amax_bits must be finite). */
static inline float wk_quantize_scale(uint32_t amax_bits) {
  float amax;
  memcpy(&amax, &amax_bits, sizeof amax);
  float s = amax / (float)WK_Q8_MAX;
  return s == 0.0f ? 1.0f : s;
}

/* The microkernels: two passes over a row, so a scale may also span several rows (V per head). */
typedef struct wk_quant_kernel {
  const char *name;
  wk_isa isa;
  /* max_k of the magnitude bits of x[0..k), k ≥ 1 (≥ WK_F32_NONFINITE_BITS: NaN or ±∞ seen). */
  uint32_t (*amax_bits)(const float *x, int k);
  /* q[k] = clamp(rint(x[k] / s), −127, 127) for k in [0, k); s finite > 0, x finite. */
  void (*quantize)(const float *x, int k, float s, int8_t *q);
} wk_quant_kernel;

/* One row per the spec above; returns 0 (writing nothing) if x holds NaN or ±∞. */
static inline int wk_quant_row(const wk_quant_kernel *kern, const float *x, int k, int8_t *q,
                               float *scale) {
  const uint32_t amax = kern->amax_bits(x, k);
  if (amax >= WK_F32_NONFINITE_BITS) return 0;
  const float s = wk_quantize_scale(amax);
  kern->quantize(x, k, s, q);
  *scale = s;
  return 1;
}

#if defined(__AVX512BW__)
#include <immintrin.h>
/* 4 × 16 int32 lanes → 64 bytes in lane order, clamped to ±127 (the AVX-512 quantizer and the
 * VNNI GEMM's group epilogue): two saturating packs (they work per 128-bit lane, so a dword
 * permute restores the order), then −128 → −127.  One 64-byte store instead of four vpmovdb,
 * a shuffle each and the bottleneck of the quantizer's loop on Zen 5. */
static inline __m512i wk_avx512_pack4_q8(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i w = _mm512_packs_epi16(_mm512_packs_epi32(v0, v1), _mm512_packs_epi32(v2, v3));
  return _mm512_max_epi8(_mm512_permutexvar_epi32(order, w), _mm512_set1_epi8(-WK_Q8_MAX));
}
#endif

extern const wk_quant_kernel wk_quant_kernel_scalar;
#if defined(__x86_64__)
extern const wk_quant_kernel wk_quant_kernel_avx2;
extern const wk_quant_kernel wk_quant_kernel_avx512;
#endif


#endif
