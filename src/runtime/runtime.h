/* runtime.h — CPU features, the thread pool and the context (never installed). */
#ifndef WK_RUNTIME_H
#define WK_RUNTIME_H

#include "common/common.h"
#include "runtime/dispatch.h"

/* ── CPU features (src/runtime/cpu.c) ── */
const wk_cpu_info *wk_cpu(void);
/* Why this CPU/OS cannot run `isa` ("cpu lacks avx512vnni", "cpu has amx-tile but the OS
 * refused tile permission"), or NULL if it can.  A constant string. */
const char *wk_isa_unsupported_reason(wk_isa isa);

/* ── Thread pool (src/runtime/threadpool.c) ──
 * Runs fn(ctx, task, thread) for task in [0, n_tasks) on the pool's threads (the caller is
 * thread 0).  Returns when every task has finished.  Tasks must write disjoint memory. */
typedef struct wk_threadpool wk_threadpool;
typedef void (*wk_task_fn)(void *ctx, size_t task, int thread);
wk_status wk_threadpool_create(int n_threads, wk_threadpool **pool);
void wk_threadpool_free(wk_threadpool *pool);
int wk_threadpool_size(const wk_threadpool *pool);
void wk_threadpool_run(wk_threadpool *pool, size_t n_tasks, wk_task_fn fn, void *ctx);

/* ── Context ── */
struct wk_context {
  wk_isa isa;
  wk_threadpool *pool;
  const wk_kernels *k; /* wk_kernels_for(isa): every family's kernel (runtime/dispatch.h) */
  void *scratch;       /* workspace kept for the public calls that run on this context */
  size_t scratch_size; /* its bytes */
};

/* The context's workspace of at least `size` bytes (grown, contents not kept), or NULL when
 * out of memory (the message is set).  Freed with the context. */
void *wk_context_scratch(wk_context *context, size_t size);

#endif
