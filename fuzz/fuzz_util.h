/* fuzz_util.h — shared by the libFuzzer targets: a reader that turns the fuzzer's bytes into
 * parameters (zeros once the input is used up, so every input is a complete case), and the
 * contexts the targets compare. */
#ifndef WK_FUZZ_UTIL_H
#define WK_FUZZ_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "whisk.h"

typedef struct fz {
  const uint8_t *p; /* [n] */
  size_t n, i;
} fz;

static inline uint8_t fz_u8(fz *f) { return f->i < f->n ? f->p[f->i++] : 0; }
static inline uint32_t fz_u32(fz *f) {
  uint32_t v = 0;
  for (int b = 0; b < 4; b++) v |= (uint32_t)fz_u8(f) << (8 * b);
  return v;
}
static inline uint64_t fz_u64(fz *f) { return (uint64_t)fz_u32(f) | (uint64_t)fz_u32(f) << 32; }
/* An int in [lo, hi] (lo ≤ hi, and hi − lo < 2^31 − 1). */
static inline int fz_int(fz *f, int lo, int hi) {
  return lo + (int)(fz_u32(f) % (uint32_t)(hi - lo + 1));
}

/* A scale: mostly a positive float of moderate size (2^−8 … 2^8), sometimes any exponent (tiny,
 * huge, subnormal), sometimes one the API must refuse (0, −0, negative, NaN, ±inf). */
static inline float fz_scale(fz *f) {
  const uint8_t kind = fz_u8(f);
  const float mant = 1.0f + (float)fz_u8(f) / 256.0f;
  if (kind < 200) return ldexpf(mant, fz_int(f, -8, 8));
  if (kind < 240) return ldexpf(mant, fz_int(f, -150, 128));
  static const float bad[] = {0.0f, -0.0f, -1.0f, NAN, INFINITY, -INFINITY};
  return bad[kind % (sizeof bad / sizeof bad[0])];
}

/* Aborts (a libFuzzer finding) with a message. */
#define FZ_FAIL(...)                                                                            \
  do {                                                                                          \
    fprintf(stderr, "fuzz finding: " __VA_ARGS__);                                              \
    fprintf(stderr, "\n");                                                                      \
    abort();                                                                                    \
  } while (0)

/* The context of an ISA with n threads, created once (NULL if the CPU lacks the ISA). */
static inline wk_context *fz_context(wk_isa isa, int n_threads) {
  wk_context_options o = {n_threads, isa};
  wk_context *c = NULL;
  if (wk_context_create(&o, &c) != WK_STATUS_OK) return NULL;
  return c;
}

#endif
