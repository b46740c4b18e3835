/* test_util.h — tiny helpers shared by the tests: a deterministic RNG, checks, skips. */
#ifndef WK_TEST_UTIL_H
#define WK_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/common.h"
#include "whisk.h"

#define WK_TEST_SKIP 77 /* ctest SKIP_RETURN_CODE */

static int wk_test_failures;

#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      wk_test_failures++;                                                                      \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);                 \
      fprintf(stderr, __VA_ARGS__);                                                            \
      fprintf(stderr, "\n");                                                                   \
    }                                                                                          \
  } while (0)

typedef wk_rng wk_test_rng; /* splitmix64 (common.h); seed with {n} */

static inline uint64_t wk_test_next(wk_test_rng *r) { return wk_rng_next(r); }
static inline int wk_test_int(wk_test_rng *r, int lo, int hi) { /* [lo, hi] */
  return lo + (int)(wk_test_next(r) % (uint64_t)(hi - lo + 1));
}
static inline float wk_test_float(wk_test_rng *r, float lo, float hi) {
  return lo + (hi - lo) * (float)((wk_test_next(r) >> 40) * (1.0 / 16777216.0));
}

/* The ISA a per-ISA test runs for (argv[1], e.g. "avx512vnni"); exits with 77 (skipped) when
 * this CPU lacks it, so ctest reports the path as skipped rather than passed. */
static inline wk_isa wk_test_isa_arg(int argc, char **argv) {
  wk_isa isa;
  if (argc < 2 || wk_isa_parse(argv[1], &isa) != WK_STATUS_OK || isa == WK_ISA_AUTO) {
    fprintf(stderr, "usage: %s scalar|avx2|avxvnni|avx512vnni|amx\n", argv[0]);
    exit(2);
  }
  if (!wk_isa_supported(isa)) {
    printf("SKIP: this CPU does not support %s\n", wk_isa_name(isa));
    exit(WK_TEST_SKIP);
  }
  return isa;
}

/* Cross-ISA tests (name.isa in ctest): with an ISA argument only the scalar spec and that ISA
 * run, and the test exits 77 (skipped) if the CPU lacks it; without one, every ISA it has. */
static inline int wk_test_isa_filter(int argc, char **argv) {
  return argc < 2 ? -1 : (int)wk_test_isa_arg(argc, argv);
}

static inline int wk_test_isa_wanted(int filter, int isa) {
  return wk_isa_supported((wk_isa)isa) && (filter < 0 || isa == filter || isa == WK_ISA_SCALAR);
}

static inline wk_context *wk_test_context(wk_isa isa, int threads) {
  wk_context *ctx = NULL;
  wk_context_options o = {threads, isa};
  if (wk_context_create(&o, &ctx) != WK_STATUS_OK) {
    fprintf(stderr, "cannot create a %s context: %s\n", wk_isa_name(isa), wk_last_error());
    exit(1);
  }
  return ctx;
}

static inline int wk_test_finish(const char *name) {
  if (wk_test_failures) {
    printf("%s: %d check(s) FAILED\n", name, wk_test_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif
