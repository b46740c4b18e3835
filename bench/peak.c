/* peak.c — measures the int8 multiply-add peak of one core, per ISA.  Each loop runs 12
 * independent accumulator chains so that throughput, not latency, bounds it; the result is the
 * best of several timed repetitions. */
#include "peak.h"

#include <stdint.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Core clock from a chain of dependent 1-cycle adds (1 add per cycle). */
static double clock_hz(void) {
  const long iters = 20000000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    uint64_t x = 0;
    double t0 = now();
    for (long i = 0; i < iters; i++) {
#if defined(__x86_64__)
      __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                       "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                       : "+r"(x));
#else
      __asm__ volatile("" : "+r"(x));
      x += 8;
#endif
    }
    double hz = 8.0 * iters / (now() - t0);
    if (hz > best) best = hz;
  }
  return best;
}

#if defined(__x86_64__)
/* 12 independent accumulators, named so that they stay in registers (an array would be spilled
 * to memory and the loop would time loads and stores instead). */
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f,avx512vnni"))) static double vnni_macs_per_s(void) {
  const long iters = 4000000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
#define INIT(i) __m512i acc##i = _mm512_set1_epi32(i);
    CHAINS(INIT)
    __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x05060708);
    double t0 = now();
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm512_dpbusd_epi32(acc##i, a, b);
      CHAINS(STEP)
      __asm__ volatile("" : "+v"(a), "+v"(b));
    }
    double dt = now() - t0;
    __m512i s = _mm512_setzero_si512();
#define SUM(i) s = _mm512_add_epi32(s, acc##i);
    CHAINS(SUM)
    /* keep the chains alive; the sums wrap on purpose, so no signed-int reduction */
    __asm__ volatile("" : : "v"(s));
    double r = (double)iters * 12 * 64 / dt; /* 64 MACs per vpdpbusd zmm */
    if (r > best) best = r;
  }
  return best;
}

__attribute__((target("avx2"))) static double avx2_macs_per_s(void) {
  const long iters = 4000000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
#define INIT2(i) __m256i acc##i = _mm256_set1_epi32(i);
    CHAINS(INIT2)
    __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(5);
    double t0 = now();
    for (long it = 0; it < iters; it++) {
#define STEP2(i) acc##i = _mm256_add_epi32(acc##i, _mm256_madd_epi16(a, b));
      CHAINS(STEP2)
      __asm__ volatile("" : "+x"(a), "+x"(b));
    }
    double dt = now() - t0;
    __m256i s = _mm256_setzero_si256();
#define SUM2(i) s = _mm256_add_epi32(s, acc##i);
    CHAINS(SUM2)
    __asm__ volatile("" : : "x"(s));
    double r = (double)iters * 12 * 16 / dt; /* 16 MACs per vpmaddwd ymm */
    if (r > best) best = r;
  }
  return best;
}
#endif

wk_peak wk_peak_measure(wk_isa isa) {
  wk_peak p = {0, clock_hz(), "nominal"};
  switch (isa) {
#if defined(__x86_64__)
  case WK_ISA_AVX512VNNI:
    p.ops_per_s = 2 * vnni_macs_per_s();
    p.method = "measured vpdpbusd zmm throughput";
    break;
  case WK_ISA_AVX2:
    p.ops_per_s = 2 * avx2_macs_per_s();
    p.method = "measured vpmaddwd+vpaddd ymm throughput";
    break;
  case WK_ISA_AMX:
    p.ops_per_s = 2048.0 * p.clock_hz;
    p.method = "nominal 1024 int8 MAC/cycle x measured clock";
    break;
#endif
  default:
    p.ops_per_s = 2.0 * p.clock_hz;
    p.method = "nominal 1 MAC/cycle x measured clock";
    break;
  }
  return p;
}
