/* test_bench_peak.c — the peak tracker (bench/peak.h): for every ISA this CPU has, int8 and
 * fp32, a measured peak is a positive finite rate, the best never falls below a sample, two
 * independent trackers agree within 2× (loose on purpose: the machine is shared; no timing is
 * asserted tightly), and "% of peak" is clamped to [0, 100] with the raw figure kept. */
#include <math.h>
#include <string.h>

#include "peak.h"
#include "test_util.h"

/* A tracker's best after a few more samples (init already ran ~15 loops). */
static double measure(wk_peak_kind kind, wk_isa isa, char *describe, size_t size) {
  wk_peak_tracker t;
  wk_status s = wk_peak_init(&t, kind, isa);
  CHECK(s == WK_STATUS_OK, "init %s: %s", wk_isa_name(isa), wk_last_error());
  if (s != WK_STATUS_OK) return NAN;
  CHECK(t.best > 0 && isfinite(t.best), "%s: best after init %g", wk_isa_name(isa), t.best);
  for (int i = 0; i < 4; i++) {
    const double r = wk_peak_sample(&t);
    CHECK(r > 0 && isfinite(r), "%s: sample %g", wk_isa_name(isa), r);
    CHECK(r <= wk_peak_best(&t), "%s: sample %g above the best %g", wk_isa_name(isa), r,
          wk_peak_best(&t));
    CHECK(t.last == r, "%s: last %g, sample %g", wk_isa_name(isa), t.last, r);
  }
  if (describe) wk_peak_describe(&t, describe, size);
  return wk_peak_best(&t);
}

int main(void) {
  /* arguments: a concrete, supported ISA */
  wk_peak_tracker t;
  CHECK(wk_peak_init(&t, WK_PEAK_INT8, WK_ISA_AUTO) == WK_STATUS_INVALID_ARGUMENT, "auto");
  CHECK(wk_peak_init(&t, (wk_peak_kind)7, WK_ISA_SCALAR) == WK_STATUS_INVALID_ARGUMENT, "kind");
  CHECK(wk_peak_init(&t, WK_PEAK_INT8, (wk_isa)WK_ISA_COUNT) == WK_STATUS_INVALID_ARGUMENT,
        "isa out of range");
  CHECK(wk_peak_init(NULL, WK_PEAK_INT8, WK_ISA_SCALAR) == WK_STATUS_INVALID_ARGUMENT, "NULL");
  for (int isa = 0; isa < WK_ISA_COUNT; isa++)
    if (!wk_isa_supported((wk_isa)isa))
      CHECK(wk_peak_init(&t, WK_PEAK_INT8, (wk_isa)isa) == WK_STATUS_UNSUPPORTED,
            "%s is not supported here", wk_isa_name((wk_isa)isa));

  /* measurements */
  static const char *const instr[2][WK_ISA_COUNT] = {
      {"imul", "vpmaddwd", "vpdpbusd ymm", "vpdpbusd zmm", "tdpbssd"},
      {"mulss", "vfmadd231ps ymm", "vfmadd231ps ymm", "vfmadd231ps zmm", "vfmadd231ps zmm"}};
  for (int kind = 0; kind < 2; kind++)
    for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
      if (!wk_isa_supported((wk_isa)isa)) continue;
      char text[200] = "";
      const double a = measure((wk_peak_kind)kind, (wk_isa)isa, text, sizeof text);
      const double b = measure((wk_peak_kind)kind, (wk_isa)isa, NULL, 0);
      printf("%s %-11s peak %9.1f and %9.1f G%s/s per core (%s)\n", kind ? "fp32" : "int8",
             wk_isa_name((wk_isa)isa), a * 1e-9, b * 1e-9, kind ? "FLOP" : "OP", text);
      CHECK(a > 0 && b > 0 && a < 2 * b && b < 2 * a, "%s: two measurements %g and %g",
            wk_isa_name((wk_isa)isa), a, b);
      /* a core does not do 10^14 ops/s; 10^7 would be a broken timer or loop */
      CHECK(a > 1e7 && a < 1e14, "%s: implausible peak %g", wk_isa_name((wk_isa)isa), a);
      CHECK(strstr(text, instr[kind][isa]) && strstr(text, "throughput loops"),
            "description '%s' should name %s", text, instr[kind][isa]);
    }

  /* % of peak: clamped to 100, raw figure kept; NaN when there is nothing to divide by */
  double raw = 0;
  CHECK(wk_peak_percent(50, 100, 1, &raw) == 50 && raw == 50, "50 %%");
  CHECK(wk_peak_percent(150, 100, 2, &raw) == 75 && raw == 75, "threads multiply the peak");
  CHECK(wk_peak_percent(104, 100, 1, &raw) == 100 && raw == 104, "clamped: raw %g", raw);
  CHECK(wk_peak_percent(0, 100, 1, NULL) == 0, "0 %%");
  CHECK(isnan(wk_peak_percent(1, 0, 1, &raw)) && isnan(raw), "zero peak");
  CHECK(isnan(wk_peak_percent(1, NAN, 1, NULL)), "NaN peak");
  CHECK(isnan(wk_peak_percent(1, INFINITY, 1, NULL)), "infinite peak");
  CHECK(isnan(wk_peak_percent(-1, 100, 1, NULL)), "negative rate");
  CHECK(isnan(wk_peak_percent(1, 100, 0, NULL)), "no threads");
  /* the suites' use: a rate never reads above 100 % of the tracker's best */
  if (wk_peak_init(&t, WK_PEAK_INT8, WK_ISA_SCALAR) == WK_STATUS_OK) {
    const double best = wk_peak_best(&t);
    CHECK(wk_peak_percent(3 * best, best, 2, &raw) == 100 && fabs(raw - 150) < 1e-9,
          "150 %% clamped: raw %g", raw);
  }
  return wk_test_finish("test_bench_peak");
}
