/* peak-avx2.c — AVX2 throughput loops (peak-loops.h); built with -mavx2 -mfma.
 *
 * The loop bodies are inline asm so that exactly the instructions named are timed (with
 * intrinsics the compiler may merge, hoist or spill what a peak loop needs kept apart). */
#include <immintrin.h>

#include "common/common.h"
#include "peak-loops.h"

#define COMMA , /* a separator for CHAINS*; the lists are flat: nesting would expand it early */
#define CHAINS6(X, S) X(0) S X(1) S X(2) S X(3) S X(4) S X(5)
#define CHAINS12(X, S) X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7) S X(8) S X(9) S X(10) S X(11)
#define OUT(i) [c##i] "+x"(acc##i)

double wk_peak_int8_loop__avx2(long iters) {
  /* t_i = vpmaddwd(x, b); acc_i += t_i — the AVX2 kernels' pair.  Only vpaddd (latency 1) is
   * on a chain, so six chains leave vpmaddwd's throughput as the bound; six accumulators, six
   * temporaries and the two inputs fill 14 of the 16 ymm registers. */
#define INIT(i) __m256i acc##i = _mm256_setzero_si256(), tmp##i;
  CHAINS6(INIT, )
#undef INIT
  const __m256i x = _mm256_set1_epi16(7), b = _mm256_set1_epi16(3);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define MADD(i) "vpmaddwd %[b], %[x], %[t" #i "]\n\tvpaddd %[t" #i "], %[c" #i "], %[c" #i "]\n\t"
#define TMP(i) [t##i] "=&x"(tmp##i)
    __asm__ volatile(CHAINS6(MADD, )
                     : CHAINS6(OUT, COMMA), CHAINS6(TMP, COMMA)
                     : [x] "x"(x), [b] "x"(b));
#undef TMP
#undef MADD
  }
  const double dt = wk_now() - t0;
  __m256i s = _mm256_setzero_si256();
#define SUM(i) s = _mm256_add_epi32(s, acc##i);
  CHAINS6(SUM, )
#undef SUM
  __asm__ volatile("" : : "x"(s)); /* keep the chains alive */
  return dt;
}

double wk_peak_fp32_loop__avx2(long iters) {
  /* 12 chains of acc = acc·a + b (vfmadd132ps) cover the FMA latency (4–5 cycles) × 2 FMA
   * units.  a = 1 − 2⁻²⁰, b = 10⁻³: acc stays a normal number (no denormal slow path). */
#define INIT(i) __m256 acc##i = _mm256_set1_ps((float)i);
  CHAINS12(INIT, )
#undef INIT
  const __m256 a = _mm256_set1_ps(1.0f - 0x1p-20f), b = _mm256_set1_ps(1e-3f);
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define FMA(i) "vfmadd132ps %[a], %[b], %[c" #i "]\n\t"
    __asm__ volatile(CHAINS12(FMA, ) : CHAINS12(OUT, COMMA) : [a] "x"(a), [b] "x"(b));
#undef FMA
  }
  const double dt = wk_now() - t0;
  __m256 s = _mm256_setzero_ps();
#define SUM(i) s = _mm256_add_ps(s, acc##i);
  CHAINS12(SUM, )
#undef SUM
  __asm__ volatile("" : : "x"(s));
  return dt;
}

uint64_t wk_bandwidth_xor__avx2(const void *p, size_t bytes) {
  const char *b = p;
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 4 * 32 <= bytes; i += 4 * 32) {
    a0 = _mm256_xor_si256(a0, _mm256_load_si256((const void *)(b + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256((const void *)(b + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256((const void *)(b + i + 2 * 32)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256((const void *)(b + i + 3 * 32)));
  }
  a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  uint64_t w[4];
  _mm256_storeu_si256((__m256i *)(void *)w, a0);
  return w[0] ^ w[1] ^ w[2] ^ w[3];
}
