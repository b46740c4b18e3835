/* bandwidth.c — the streaming-read bandwidth measurement (bandwidth.h). */
#include "bandwidth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "peak-loops.h"
#include "runtime/runtime.h"
#include "suite.h"

#define CHUNK ((size_t)1 << 20) /* bytes per task: many tasks per thread, for balance */
#define MAX_REPEATS 64

void *wk_bandwidth_buffer(size_t bytes) {
  if (!bytes || bytes % 4096) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "bandwidth: %zu bytes (need a multiple of 4 KiB)", bytes);
    return NULL;
  }
  uint64_t *b = wk_alloc(bytes);
  if (!b) {
    wk_error(WK_STATUS_OUT_OF_MEMORY, "bandwidth: cannot allocate %zu MiB", bytes >> 20);
    return NULL;
  }
  /* distinct values: a page of zeros could be backed by the shared zero page */
  for (size_t i = 0; i < bytes / 8; i++) b[i] = i * 0x9e3779b97f4a7c15ull;
  return b;
}

void wk_bandwidth_buffer_free(void *buf) { wk_free(buf); }

uint64_t wk_bandwidth_xor__scalar(const void *p, size_t bytes) {
  const uint64_t *w = p;
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (size_t i = 0; i + 4 <= bytes / 8; i += 4) a0 ^= w[i], a1 ^= w[i + 1], a2 ^= w[i + 2], a3 ^= w[i + 3];
  return a0 ^ a1 ^ a2 ^ a3;
}

typedef struct pass {
  const char *buf;
  size_t bytes;
  uint64_t (*xor_fn)(const void *, size_t); /* the context's ISA's widest loads */
  uint64_t *sink;  /* [tasks]: each task's xor, so the reads cannot be dropped */
} pass;

static void read_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const pass *p = ctx;
  const size_t b0 = task * CHUNK, n = p->bytes - b0 < CHUNK ? p->bytes - b0 : CHUNK;
  p->sink[task] = p->xor_fn(p->buf + b0, n);
}

double wk_bandwidth_read(wk_context *ctx, const void *buf, size_t bytes, int repeats) {
  if (!ctx || !buf || bytes < CHUNK || repeats < 1 || repeats > MAX_REPEATS) return 0;
  const size_t tasks = (bytes + CHUNK - 1) / CHUNK;
  pass p = {buf, bytes, wk_bandwidth_xor__scalar, calloc(tasks, sizeof(uint64_t))};
  if (!p.sink) return 0;
#if defined(__x86_64__)
  const wk_isa isa = wk_context_isa(ctx);
  if (isa == WK_ISA_AVX2 || isa == WK_ISA_AVXVNNI) p.xor_fn = wk_bandwidth_xor__avx2;
  if (isa == WK_ISA_AVX512VNNI || isa == WK_ISA_AMX) p.xor_fn = wk_bandwidth_xor__avx512;
#endif
  double t[MAX_REPEATS];
  wk_threadpool_run(ctx->pool, tasks, read_task, &p); /* warm-up: clocks, TLB, the pool */
  for (int r = 0; r < repeats; r++) {
    const double t0 = wk_now();
    wk_threadpool_run(ctx->pool, tasks, read_task, &p);
    t[r] = wk_now() - t0;
  }
  uint64_t x = 0;
  for (size_t i = 0; i < tasks; i++) x ^= p.sink[i];
  __asm__ volatile("" : : "r"(x)); /* keep the xors alive */
  free(p.sink);
  qsort(t, (size_t)repeats, sizeof t[0], wk_suite_cmp_double);
  const double med = repeats % 2 ? t[repeats / 2] : 0.5 * (t[repeats / 2 - 1] + t[repeats / 2]);
  return med > 0 ? (double)bytes / med : 0;
}
