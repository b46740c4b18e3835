/* common.h — the helpers every part of libwhisk uses, each defined once (never installed):
 * error reporting, aligned allocation, rounding, a monotonic clock, a deterministic RNG and
 * argument checks.  Nothing here knows about CPUs, threads or kernels (that is src/runtime). */
#ifndef WK_COMMON_H
#define WK_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "whisk.h"

/* Records a formatted message for wk_last_error() and returns `status`.  An argument may be
 * wk_last_error() itself: wk_error(s, "layer %d: %s", i, wk_last_error()) prefixes it. */
wk_status wk_error(wk_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* 64-byte aligned allocation (free with wk_free); NULL on overflow or failure. */
void *wk_alloc(size_t size);
void *wk_alloc_array(size_t count, size_t size);
void wk_free(void *ptr);

/* A long-lived block (a model's packed weights) on fresh transparent huge pages: its own
 * 2 MiB-aligned anonymous mapping advised MADV_HUGEPAGE, never heap memory that earlier use
 * left in 4-KiB pages.  Free with wk_huge_free(ptr, the same size); NULL on failure. */
void *wk_huge_alloc(size_t size);
void wk_huge_free(void *ptr, size_t size);

/* A bump allocator over one block: wk_arena_take returns `bytes` (64-byte aligned) of it, or
 * NULL when a is NULL or too little is left (the caller then allocates on its own). */
typedef struct wk_arena {
  uint8_t *base;
  size_t size, used;
} wk_arena;

static inline void *wk_arena_take(wk_arena *a, size_t bytes) {
  if (!a || !a->base) return NULL;
  const size_t at = (a->used + 63) & ~(size_t)63;
  if (at > a->size || bytes > a->size - at) return NULL;
  a->used = at + bytes;
  return a->base + at;
}

/* x rounded up to a multiple of m (m > 0); the caller keeps x far from SIZE_MAX. */
static inline size_t wk_round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/* Seconds on the monotonic clock. */
static inline double wk_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* splitmix64: a deterministic 64-bit generator (Steele, Lea & Flood 2014). */
typedef struct wk_rng {
  uint64_t state;
} wk_rng;
static inline uint64_t wk_rng_next(wk_rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
/* Uniform in [0, 1) with 53 random bits. */
static inline double wk_rng_uniform(wk_rng *r) { return (double)(wk_rng_next(r) >> 11) * 0x1p-53; }

/* 1 if every one of the n floats is finite (an exponent of all ones is NaN or ±∞).  Blocks of
 * 64 without an early exit, which the compiler vectorizes: twice the speed of an isfinite()
 * loop (it runs over every weight a model loads). */
static inline int wk_all_finite(const float *p, size_t n) {
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    uint32_t bad = 0;
    for (int j = 0; j < 64; j++) {
      uint32_t b;
      memcpy(&b, p + i + j, sizeof b);
      bad |= (b & 0x7f800000u) == 0x7f800000u;
    }
    if (bad) return 0;
  }
  for (; i < n; i++)
    if (!isfinite(p[i])) return 0;
  return 1;
}

#endif
