/* test_util.h — tiny helpers shared by the tests: a deterministic RNG, checks, skips. */
#ifndef WK_TEST_UTIL_H
#define WK_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

typedef struct { uint64_t s; } wk_test_rng;

static inline uint64_t wk_test_next(wk_test_rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static inline int wk_test_int(wk_test_rng *r, int lo, int hi) { /* [lo, hi] */
  return lo + (int)(wk_test_next(r) % (uint64_t)(hi - lo + 1));
}
static inline float wk_test_float(wk_test_rng *r, float lo, float hi) {
  return lo + (hi - lo) * (float)((wk_test_next(r) >> 40) * (1.0 / 16777216.0));
}

/* Contexts for every ISA: ctx[isa] is NULL where the CPU lacks it (reported as skipped). */
static inline int wk_test_contexts(wk_context *ctx[WK_ISA_COUNT], int threads) {
  int n = 0;
  for (int i = 0; i < WK_ISA_COUNT; i++) {
    ctx[i] = NULL;
    wk_context_options o = {threads, (wk_isa)i};
    if (!wk_isa_supported((wk_isa)i)) {
      printf("SKIP isa %s: not supported by this CPU\n", wk_isa_name((wk_isa)i));
      continue;
    }
    if (wk_context_create(&o, &ctx[i]) != WK_STATUS_OK) {
      fprintf(stderr, "cannot create %s context: %s\n", wk_isa_name((wk_isa)i), wk_last_error());
      exit(1);
    }
    n++;
  }
  return n;
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
