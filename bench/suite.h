/* suite.h — the accuracy and benchmark suites behind `whisk accuracy` and `whisk bench`. */
#ifndef WK_SUITE_H
#define WK_SUITE_H

#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "whisk.h"

typedef struct wk_suite_options {
  wk_isa isa;         /* WK_ISA_AUTO or explicit */
  int threads;        /* 0: all online cores */
  int json;           /* machine-readable output */
  const char *filter; /* run only cases/entries whose name contains this (NULL: all) */
} wk_suite_options;

/* Whether the options select the case or benchmark `name`. */
static inline int wk_suite_matches(const wk_suite_options *o, const char *name) {
  return !o->filter || strstr(name, o->filter) != NULL;
}

/* No case selected is an error (exit 2), never an empty "contract met": says so on stderr
 * naming the option (`flag`, e.g. "--filter") and an optional hint, and returns 2. */
static inline int wk_suite_no_match(const wk_suite_options *o, const char *flag,
                                    const char *hint) {
  fprintf(stderr, "whisk: no case matches %s '%s'%s%s\n", flag, o->filter ? o->filter : "",
          hint ? " " : "", hint ? hint : "");
  return 2;
}

/* The CPU's brand string without its padding (cpuid pads it with spaces). */
static inline void wk_suite_cpu_brand(const wk_cpu_info *cpu, char *buf, size_t size) {
  snprintf(buf, size, "%s", cpu->brand);
  for (size_t n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--) buf[n - 1] = '\0';
}

/* Starts a --json document on out: the top object with its "suite" name (the caller adds the
 * rest and closes it before wk_suite_json_finish). */
static inline void wk_suite_json_begin(wk_json *j, FILE *out, const char *suite) {
  wk_json_init(j, out);
  wk_json_object_begin(j);
  wk_json_kstring(j, "suite", suite);
}

/* Ends a --json document whose objects the caller closed: 0, or 2 after saying on stderr that
 * the output could not be written. */
static inline int wk_suite_json_finish(wk_json *j) {
  if (!wk_json_finish(j)) return 0;
  fprintf(stderr, "whisk: could not write the JSON output\n");
  return 2;
}

/* "int8" or "fp32", as the suites' names and JSON spell a precision. */
static inline const char *wk_suite_precision_name(wk_precision p) {
  return p == WK_PRECISION_INT8 ? "int8" : "fp32";
}

/* A qsort comparator for medians of timings. */
static inline int wk_suite_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A context for `isa` with `threads` threads, or NULL after printing why. */
static inline wk_context *wk_suite_context(wk_isa isa, int threads) {
  wk_context *ctx = NULL;
  wk_context_options co = {threads, isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) {
    fprintf(stderr, "whisk: %s\n", wk_last_error());
    return NULL;
  }
  return ctx;
}

/* Every suite returns 2 (with a message on stderr) when no case matches o->filter, and
 * writes --json output through bench/json.h. */

/* Runs the attention accuracy cases; prints a table or JSON to `out`.
 * Returns 0 if every case meets the contract (max error ≤ 1 LSB, ≥ 99.9 % exact overall,
 * seed-tile correlation ≥ 0.9999), 1 if not, 2 on error. */
int wk_accuracy_attention(const wk_suite_options *o, FILE *out);

/* Benchmarks attention (tile64 and full layers of every Whisper size); returns 0 or 2. */
int wk_bench_attention(const wk_suite_options *o, FILE *out);

/* Encoder layer: INT8 vs the FP32 reference at every Whisper size, plain and with outlier
 * channels; returns 0 if every cosine meets its bound (0.9995 / 0.999), 1 if not, 2 on error. */
int wk_accuracy_layer(const wk_suite_options *o, FILE *out);

/* Benchmarks each layer GEMM at its Whisper shape and one whole INT8 layer per size (with a
 * per-stage breakdown); returns 0 or 2. */
int wk_bench_layer(const wk_suite_options *o, FILE *out);

/* The whole encoder (stem, layers, ln_post), synthetic weights of every size (plain and with
 * outlier channels) on the log-mel of samples/hello.wav: INT8 vs the FP32 encoder per layer (the
 * INT8 layer fed the FP32 run's input) and at the output.  Returns 0 if every output cosine is
 * ≥ 0.999, 1 if not, 2 on error. */
int wk_accuracy_encoder(const wk_suite_options *o, FILE *out);

/* One 30-s window per size, INT8 and FP32, 1 and 2 threads (or o->threads): median time,
 * realtime factor, % of the measured peak, stages; returns 0 or 2. */
int wk_bench_encoder(const wk_suite_options *o, FILE *out);

/* `bench encoder --precision`: wk_bench_encoder for the INT8 path, the FP32 path or both. */
enum { WK_SUITE_PRECISION_BOTH = 0, WK_SUITE_PRECISION_INT8 = 1, WK_SUITE_PRECISION_FP32 = 2 };
int wk_bench_encoder_precision(const wk_suite_options *o, int precision, FILE *out);

/* The decoder (synthetic weights of every size): the FP32 decoder's greedy run and the INT8
 * decoder teacher-forced on its tokens, logits compared per step.  Returns 0 if INT8's top-1
 * equals FP32's on every decisive step (top-2 margin > 2 × the run's max logit error), 1 if
 * not, 2 on error. */
int wk_accuracy_decoder(const wk_suite_options *o, FILE *out);

/* Prefill and step times per size, INT8 and FP32, 1 and all threads, 1 and 5 beams, against
 * the bound set by the measured memory bandwidth (bench/bandwidth.h); returns 0 or 2.
 * WHISK_BENCH_QUICK=1 cuts the runs per figure to 3 (for the ctest). */
int wk_bench_decoder(const wk_suite_options *o, FILE *out);
int wk_bench_decoder_precision(const wk_suite_options *o, int precision, FILE *out);

#endif
