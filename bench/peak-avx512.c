/* peak-avx512.c — AVX-512 throughput loops (peak-loops.h); built with the avx512vnni flags.
 *
 * The loop bodies are inline asm so that exactly the instruction named is timed: with
 * intrinsics the compiler shuffled the 16 accumulators through extra moves and stack slots. */
#include <immintrin.h>

#include "common/common.h"
#include "peak-loops.h"

/* 16 independent accumulators cover vpdpbusd / vfmadd231ps latency (4–5 cycles) × up to
 * 2–4 issues per cycle, and with the two inputs fit the 32 zmm registers.  The body is two
 * asm statements of 8 (one asm takes at most 30 operands; an in-out operand counts twice). */
#define COMMA , /* a separator for CHAINS*; the lists are flat: nesting would expand it early */
#define CHAINS16(X, S)                                                                         \
  X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7) S X(8) S X(9) S X(10) S X(11) S X(12) \
  S X(13) S X(14) S X(15)
#define CHAINS8(X, S) X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7)
#define CHAINS8HI(X, S) X(8) S X(9) S X(10) S X(11) S X(12) S X(13) S X(14) S X(15)
#define OUT(i) [c##i] "+v"(acc##i)

double wk_peak_int8_loop__avx512vnni(long iters) {
#define INIT(i) __m512i acc##i = _mm512_set1_epi32(i);
  CHAINS16(INIT, )
#undef INIT
  const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x05060708);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define DP(i) "vpdpbusd %[b], %[a], %[c" #i "]\n\t"
    __asm__ volatile(CHAINS8(DP, ) : CHAINS8(OUT, COMMA) : [a] "v"(a), [b] "v"(b));
    __asm__ volatile(CHAINS8HI(DP, ) : CHAINS8HI(OUT, COMMA) : [a] "v"(a), [b] "v"(b));
#undef DP
  }
  const double dt = wk_now() - t0;
  __m512i s = _mm512_setzero_si512();
#define SUM(i) s = _mm512_add_epi32(s, acc##i);
  CHAINS16(SUM, )
#undef SUM
  __asm__ volatile("" : : "v"(s)); /* keep the chains alive (the sums wrap: no reduction) */
  return dt;
}

double wk_peak_fp32_loop__avx512(long iters) {
  /* acc = acc·a + b (vfmadd132ps) with a = 1 − 2⁻²⁰, b = 10⁻³: acc stays a normal number, so
   * no denormal slow path. */
#define INIT(i) __m512 acc##i = _mm512_set1_ps((float)i);
  CHAINS16(INIT, )
#undef INIT
  const __m512 a = _mm512_set1_ps(1.0f - 0x1p-20f), b = _mm512_set1_ps(1e-3f);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define FMA(i) "vfmadd132ps %[a], %[b], %[c" #i "]\n\t"
    __asm__ volatile(CHAINS8(FMA, ) : CHAINS8(OUT, COMMA) : [a] "v"(a), [b] "v"(b));
    __asm__ volatile(CHAINS8HI(FMA, ) : CHAINS8HI(OUT, COMMA) : [a] "v"(a), [b] "v"(b));
#undef FMA
  }
  const double dt = wk_now() - t0;
  __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, acc##i);
  CHAINS16(SUM, )
#undef SUM
  __asm__ volatile("" : : "v"(s));
  return dt;
}

uint64_t wk_bandwidth_xor__avx512(const void *p, size_t bytes) {
  const char *b = p;
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 4 * 64 <= bytes; i += 4 * 64) {
    a0 = _mm512_xor_si512(a0, _mm512_load_si512((const void *)(b + i)));
    a1 = _mm512_xor_si512(a1, _mm512_load_si512((const void *)(b + i + 64)));
    a2 = _mm512_xor_si512(a2, _mm512_load_si512((const void *)(b + i + 2 * 64)));
    a3 = _mm512_xor_si512(a3, _mm512_load_si512((const void *)(b + i + 3 * 64)));
  }
  a0 = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
  return (uint64_t)_mm512_reduce_or_epi64(a0) ^ (uint64_t)_mm512_reduce_and_epi64(a0);
}
