/* peak.c — the peak tracker (peak.h) and the scalar throughput loops. */
#include "peak.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "common/common.h"
#include "common/json.h"
#include "peak-loops.h"

#define LOOP_SECONDS 1.5e-3 /* one timed loop: long against the clock's overhead (~20 ns), short
                             * enough to fit between two preemptions of a shared core */
#define BURST 3             /* loops per wk_peak_sample: the fastest of them counts */
#define WARMUP_LOOPS 12     /* at init: ramps the clock (and any AVX-512 licence) up */

/* ── scalar loops ─────────────────────────────────────────────────────────── */

/* Inline asm bodies, so that exactly the instructions named are timed (the compiler would
 * otherwise vectorize or hoist them). */
#if defined(__x86_64__)
#define COMMA , /* a separator for CHAINS*; the lists are flat: nesting would expand it early */
#define CHAINS4(X, S) X(0) S X(1) S X(2) S X(3)
#define CHAINS12(X, S) X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7) S X(8) S X(9) S X(10) S X(11)

double wk_peak_int8_loop__scalar(long iters) {
  /* t_i = x · m; acc_i += t_i (imul r32, r32 then add: the scalar kernels' multiply-add).
   * Only the add (latency 1) is on a chain; four chains leave the multiplier as the bound
   * and fit the 15 usable general registers with the loop counter. */
#define INIT(i) uint32_t acc##i = 0, tmp##i;
  CHAINS4(INIT, )
#undef INIT
  const uint32_t x = 7, m = 3;
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define MAC(i) "movl %[x], %[t" #i "]\n\timull %[m], %[t" #i "]\n\taddl %[t" #i "], %[c" #i "]\n\t"
#define OUT(i) [c##i] "+r"(acc##i)
#define TMP(i) [t##i] "=&r"(tmp##i)
    __asm__ volatile(CHAINS4(MAC, ) : CHAINS4(OUT, COMMA), CHAINS4(TMP, COMMA)
                     : [x] "r"(x), [m] "r"(m));
#undef TMP
#undef OUT
#undef MAC
  }
  const double dt = wk_now() - t0;
  const uint32_t s = acc0 + acc1 + acc2 + acc3;
  __asm__ volatile("" : : "r"(s)); /* keep the chains alive */
  return dt;
}

double wk_peak_fp32_loop__scalar(long iters) {
  /* acc_i = acc_i · a + b as mulss then addss (the build forbids contracting them into an
   * FMA); twelve chains cover the mul+add latency at two of each per cycle.  a = 1 − 2⁻²⁰,
   * b = 10⁻³ keep acc a normal number. */
#define INIT(i) float acc##i = (float)i;
  CHAINS12(INIT, )
#undef INIT
  const float a = 1.0f - 0x1p-20f, b = 1e-3f;
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++) {
#define MULADD(i) "mulss %[a], %[c" #i "]\n\taddss %[b], %[c" #i "]\n\t"
#define OUT(i) [c##i] "+x"(acc##i)
    __asm__ volatile(CHAINS12(MULADD, ) : CHAINS12(OUT, COMMA) : [a] "x"(a), [b] "x"(b));
#undef OUT
#undef MULADD
  }
  const double dt = wk_now() - t0;
  const float s = acc0 + acc1 + acc2 + acc3 + acc4 + acc5 + acc6 + acc7 + acc8 + acc9 + acc10 +
                  acc11;
  __asm__ volatile("" : : "x"(s));
  return dt;
}
#else
/* Elsewhere: the same chains in C (the compiler may schedule them as it likes). */
double wk_peak_int8_loop__scalar(long iters) {
  volatile uint32_t sink;
  uint32_t acc[4] = {0}, x = 7, m = 3;
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < 4; i++) acc[i] += x * m, __asm__ volatile("" : "+r"(x));
  sink = acc[0] + acc[1] + acc[2] + acc[3];
  (void)sink;
  return wk_now() - t0;
}

double wk_peak_fp32_loop__scalar(long iters) {
  volatile float sink;
  float acc[12] = {0};
  const float a = 1.0f - 0x1p-20f, b = 1e-3f;
  const double t0 = wk_now();
  for (long it = 0; it < iters; it++)
    for (int i = 0; i < 12; i++) acc[i] = acc[i] * a + b;
  sink = acc[0] + acc[11];
  (void)sink;
  return wk_now() - t0;
}
#endif

/* ── the tracker ──────────────────────────────────────────────────────────── */

/* One loop: ops/s of this core, kept if it is the best so far. */
static double time_loop(wk_peak_tracker *t) {
  const double dt = t->loop(t->iters);
  const double r = dt > 0 ? t->ops_per_iter * (double)t->iters / dt : 0;
  t->loops++;
  if (r > t->best) t->best = r;
  return r;
}

wk_status wk_peak_init(wk_peak_tracker *t, wk_peak_kind kind, wk_isa isa) {
  if (!t) return wk_error(WK_STATUS_INVALID_ARGUMENT, "peak: NULL tracker");
  *t = (wk_peak_tracker){.kind = kind, .isa = isa};
  if (kind != WK_PEAK_INT8 && kind != WK_PEAK_FP32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "peak: unknown kind %d", (int)kind);
  if ((int)isa < 0 || (int)isa >= WK_ISA_COUNT || isa == WK_ISA_AUTO)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "peak: needs a concrete ISA");
  if (!wk_isa_supported(isa))
    return wk_error(WK_STATUS_UNSUPPORTED, "peak: this CPU does not support %s",
                    wk_isa_name(isa));
  const int int8 = kind == WK_PEAK_INT8;
  switch (isa) {
  case WK_ISA_SCALAR:
    t->loop = int8 ? wk_peak_int8_loop__scalar : wk_peak_fp32_loop__scalar;
    t->ops_per_iter = int8 ? WK_PEAK_OPS_INT8_SCALAR : WK_PEAK_OPS_FP32_SCALAR;
    t->instr = int8 ? "imul+add r32" : "mulss+addss";
    break;
#if defined(__x86_64__)
  case WK_ISA_AVX2:
    t->loop = int8 ? wk_peak_int8_loop__avx2 : wk_peak_fp32_loop__avx2;
    t->ops_per_iter = int8 ? WK_PEAK_OPS_INT8_AVX2 : WK_PEAK_OPS_FP32_AVX2;
    t->instr = int8 ? "vpmaddwd+vpaddd ymm" : "vfmadd231ps ymm";
    break;
  case WK_ISA_AVXVNNI:
    t->loop = int8 ? wk_peak_int8_loop__avxvnni : wk_peak_fp32_loop__avx2;
    t->ops_per_iter = int8 ? WK_PEAK_OPS_INT8_AVXVNNI : WK_PEAK_OPS_FP32_AVX2;
    t->instr = int8 ? "vpdpbusd ymm" : "vfmadd231ps ymm";
    break;
  case WK_ISA_AVX512VNNI:
    t->loop = int8 ? wk_peak_int8_loop__avx512vnni : wk_peak_fp32_loop__avx512;
    t->ops_per_iter = int8 ? WK_PEAK_OPS_INT8_AVX512VNNI : WK_PEAK_OPS_FP32_AVX512;
    t->instr = int8 ? "vpdpbusd zmm" : "vfmadd231ps zmm";
    break;
  case WK_ISA_AMX:
    t->loop = int8 ? wk_peak_int8_loop__amx : wk_peak_fp32_loop__avx512;
    t->ops_per_iter = int8 ? WK_PEAK_OPS_INT8_AMX : WK_PEAK_OPS_FP32_AVX512;
    t->instr = int8 ? "tdpbssd" : "vfmadd231ps zmm";
    break;
#endif
  default:
    return wk_error(WK_STATUS_UNSUPPORTED, "peak: no loop for %s in this build",
                    wk_isa_name(isa));
  }
  /* Calibrate: double the iterations until one loop takes ≥ 0.2 ms, then scale to
   * LOOP_SECONDS by the fastest rate seen. */
  t->iters = 64;
  for (;;) {
    const double dt = t->loop(t->iters);
    if (dt >= 2e-4 || t->iters > (1L << 40)) break;
    t->iters *= 2;
  }
  for (int i = 0; i < WARMUP_LOOPS; i++) time_loop(t);
  const double iters = LOOP_SECONDS * t->best / t->ops_per_iter;
  t->iters = iters < 16 ? 16 : iters > 1e12 ? (long)1e12 : (long)iters;
  wk_peak_sample(t);
  return WK_STATUS_OK;
}

double wk_peak_sample(wk_peak_tracker *t) {
  double r = 0;
  for (int i = 0; i < BURST; i++) {
    const double x = time_loop(t);
    if (x > r) r = x;
  }
  return t->last = r;
}

double wk_peak_best(const wk_peak_tracker *t) { return t->best; }

double wk_peak_percent(double ops_per_s, double peak_per_core, int threads, double *raw) {
  double pct = NAN;
  if (isfinite(ops_per_s) && ops_per_s >= 0 && isfinite(peak_per_core) && peak_per_core > 0 &&
      threads >= 1)
    pct = 100.0 * ops_per_s / (peak_per_core * threads);
  if (raw) *raw = pct;
  return pct > 100.0 ? 100.0 : pct;
}

void wk_peak_describe(const wk_peak_tracker *t, char *buf, size_t size) {
  snprintf(buf, size, "best of %d throughput loops (%.1f ms each) of %s, interleaved with the cases",
           t->loops, t->best > 0 ? 1e3 * t->ops_per_iter * (double)t->iters / t->best : 0.0,
           t->instr ? t->instr : "?");
}

double wk_peak_row_percent(const wk_peak_tracker *t, const char *row, double ops_per_s,
                           int threads) {
  double raw;
  const double pct = wk_peak_percent(ops_per_s, wk_peak_best(t), threads, &raw);
  if (raw > 100)
    fprintf(stderr, "bench: %s ran at %.1f %% of the measured peak (reported as 100 %%)\n", row,
            raw);
  return pct;
}

void wk_peak_report(const wk_peak_tracker *t, FILE *out, struct wk_json *j) {
  char method[160];
  wk_peak_describe(t, method, sizeof method);
  const char *unit = t->kind == WK_PEAK_INT8 ? "GOPS" : "GFLOPS";
  if (j) {
    wk_json_kstring(j, "peak_isa", wk_isa_name(t->isa));
    wk_json_kfixed(j, t->kind == WK_PEAK_INT8 ? "peak_gops_per_core" : "peak_gflops_per_core",
                   wk_peak_best(t) * 1e-9, 1);
    wk_json_kstring(j, "peak_method", method);
  } else {
    fprintf(out, "peak at the end: %.1f %s/core (%s)\n", wk_peak_best(t) * 1e-9, unit, method);
  }
}
