/* peak-avxvnni.c — the AVX-VNNI throughput loop (peak-loops.h); built with the avxvnni flags.
 *
 * The body is inline asm so that exactly the instruction named is timed, in its VEX encoding:
 * the {vex} prefix (written %{vex%} in inline asm), since the EVEX form would need AVX-512 VL,
 * which these CPUs may lack. */
#include <immintrin.h>

#include "common/common.h"
#include "peak-loops.h"

/* 12 independent accumulators cover vpdpbusd's latency (4–5 cycles) × 2 issues per cycle, and
 * with the two inputs fit the 16 ymm registers. */
#define COMMA , /* a separator for CHAINS*; the lists are flat: nesting would expand it early */
#define CHAINS12(X, S) \
  X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7) S X(8) S X(9) S X(10) S X(11)
#define OUT(i) [c##i] "+x"(acc##i)

double wk_peak_int8_loop__avxvnni(long iters) {
#define INIT(i) __m256i acc##i = _mm256_set1_epi32(i);
  CHAINS12(INIT, )
#undef INIT
  const __m256i a = _mm256_set1_epi32(0x01020304), b = _mm256_set1_epi32(0x05060708);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define DP(i) "%{vex%} vpdpbusd %[b], %[a], %[c" #i "]\n\t"
    __asm__ volatile(CHAINS12(DP, ) : CHAINS12(OUT, COMMA) : [a] "x"(a), [b] "x"(b));
#undef DP
  }
  const double dt = wk_now() - t0;
  __m256i s = _mm256_setzero_si256();
#define SUM(i) s = _mm256_add_epi32(s, acc##i);
  CHAINS12(SUM, )
#undef SUM
  __asm__ volatile("" : : "x"(s)); /* keep the chains alive (the sums wrap: no reduction) */
  return dt;
}
