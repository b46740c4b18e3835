/* bandwidth.c — the streaming-read bandwidth measurement (bandwidth.h). */
#include "bandwidth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
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

typedef struct pass {
  const uint64_t *buf;
  size_t words;    /* 64-bit words in buf */
  uint64_t *sink;  /* [tasks]: each task's xor, so the reads cannot be dropped */
} pass;

/* xor of one chunk: eight independent lanes (the compiler makes them vector xors), so the
 * loads, not a dependency chain, set the pace. */
static void read_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const pass *p = ctx;
  const size_t w0 = task * (CHUNK / 8);
  const size_t w1 = w0 + CHUNK / 8 < p->words ? w0 + CHUNK / 8 : p->words;
  uint64_t acc[8] = {0};
  for (size_t i = w0; i + 8 <= w1; i += 8)
    for (int l = 0; l < 8; l++) acc[l] ^= p->buf[i + l];
  p->sink[task] = acc[0] ^ acc[1] ^ acc[2] ^ acc[3] ^ acc[4] ^ acc[5] ^ acc[6] ^ acc[7];
}

double wk_bandwidth_read(wk_context *ctx, const void *buf, size_t bytes, int repeats) {
  if (!ctx || !buf || bytes < CHUNK || repeats < 1 || repeats > MAX_REPEATS) return 0;
  const size_t tasks = (bytes + CHUNK - 1) / CHUNK;
  pass p = {buf, bytes / 8, calloc(tasks, sizeof(uint64_t))};
  if (!p.sink) return 0;
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
