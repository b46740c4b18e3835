/* peak.h — this core's measured peak arithmetic rate, for the "% of peak" figures.
 *
 * A peak is measured, never derived from a clock: a register-only loop of independent
 * instructions of the kind the ISA's kernels are built on (peak-loops.h) runs for ≈ 1.5 ms,
 * and ops / seconds is one sample.
 *   int8: scalar imul+add, avx2 vpmaddwd+vpaddd ymm, avxvnni vpdpbusd ymm, avx512vnni
 *         vpdpbusd zmm, amx tdpbssd;
 *   fp32: scalar mulss+addss, avx2 and avxvnni vfmadd231ps ymm, avx512vnni and amx
 *         vfmadd231ps zmm.
 * Clocks move (turbo, AVX-512 licences, a shared VM's host), so a suite samples the peak right
 * before and right after each timed case (wk_peak_sample) and divides by the best loop seen so
 * far (wk_peak_best): a case is compared with what the core could do around the time it ran,
 * and a slow sample (the loop preempted) never lowers the figure.
 *
 *   wk_peak_tracker pk;
 *   if (wk_peak_init(&pk, WK_PEAK_INT8, isa)) ...;          // calibrates, warms up
 *   wk_peak_sample(&pk); t = time_the_case(); wk_peak_sample(&pk);
 *   pct = wk_peak_percent(ops / t, wk_peak_best(&pk), threads);
 */
#ifndef WK_PEAK_H
#define WK_PEAK_H

#include <stddef.h>
#include <stdio.h>

#include "whisk.h"

typedef enum wk_peak_kind {
  WK_PEAK_INT8, /* the ISA's int8 multiply-add (2 ops each) */
  WK_PEAK_FP32  /* fp32 multiply-add: FMA where the ISA has it (2 flops each) */
} wk_peak_kind;

typedef struct wk_peak_tracker {
  wk_peak_kind kind;
  wk_isa isa;            /* a concrete ISA this CPU supports */
  const char *instr;     /* the instruction timed, e.g. "vpdpbusd zmm" */
  double (*loop)(long);  /* the throughput loop: seconds for `iters` iterations */
  double ops_per_iter;   /* ops per loop iteration (2 per multiply-add) */
  long iters;            /* iterations per loop, calibrated to ≈ 1.5 ms */
  int loops;             /* loops timed so far */
  double best;           /* ops/s of one core: the fastest loop so far */
  double last;           /* ops/s: the fastest loop of the latest wk_peak_sample */
} wk_peak_tracker;

/* Sets up a tracker for `kind` on `isa` (not WK_ISA_AUTO), calibrates the loop length and
 * warms the core up with a few loops (≈ 20 ms in all).  WK_STATUS_UNSUPPORTED if this CPU (or
 * build) lacks the ISA, WK_STATUS_INVALID_ARGUMENT for a bad kind or ISA. */
wk_status wk_peak_init(wk_peak_tracker *t, wk_peak_kind kind, wk_isa isa);

/* Times a short burst of loops (3 × ≈ 1.5 ms); returns the fastest one's ops/s and keeps the
 * best so far. */
double wk_peak_sample(wk_peak_tracker *t);

/* The fastest loop so far, ops/s of one core. */
double wk_peak_best(const wk_peak_tracker *t);

/* 100 · ops_per_s / (peak_per_core · threads), clamped to [0, 100]; NaN (no figure) when the
 * peak or the rate is not a positive finite number or threads < 1.  *raw (optional) gets the
 * unclamped figure, so a caller can say when a case out-ran the measured peak. */
double wk_peak_percent(double ops_per_s, double peak_per_core, int threads, double *raw);

/* "best of N throughput loops (1.5 ms each) of vpdpbusd zmm, interleaved with the cases". */
void wk_peak_describe(const wk_peak_tracker *t, char *buf, size_t size);

/* ── for the suites ───────────────────────────────────────────────────────── */

struct wk_json;

/* A result row's % of peak: wk_peak_percent against the best loop so far; when the case
 * out-ran the measured peak, says so on stderr (naming the row) before clamping. */
double wk_peak_row_percent(const wk_peak_tracker *t, const char *row, double ops_per_s,
                           int threads);

/* The closing peak figures of a speed suite: with `j` (inside the top-level object) the
 * members peak_isa, peak_gops_per_core and peak_method; without, one text line on `out`. */
void wk_peak_report(const wk_peak_tracker *t, FILE *out, struct wk_json *j);

#endif
