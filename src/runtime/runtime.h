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
 * wk_threadpool_run: fn(ctx, task, thread) for task in [0, n_tasks) on the pool's threads
 * (the caller is thread 0); returns when every task has finished.  Tasks must write disjoint
 * memory.  Of T threads, thread t runs tasks [n·t/T, n·(t+1)/T) unless it falls behind (then
 * the others take its last ones): a job that repeats — a decoder step's columns — finds its
 * data where it left it.
 * wk_threadpool_run_rows: fn(ctx, col, row0, row1, thread) over every column col in
 * [0, n_cols) and rows [0, m) in groups of at most rows_per_task.  Thread t works through rows
 * [m·t/T, m·(t+1)/T) of every column, column by column, unless it falls behind: operators that
 * run one after another over the same rows (LayerNorm, GEMM, attention) find them in the
 * cache of the core that wrote them.  When the rows make fewer groups than there are threads
 * (a decoder step), thread t takes columns [n_cols·t/T, n_cols·(t+1)/T) instead: the same
 * weight columns step after step.  A group may start at any row (a thread's first), so a
 * row's result must not depend on its group. */
typedef struct wk_threadpool wk_threadpool;
typedef void (*wk_task_fn)(void *ctx, size_t task, int thread);
typedef void (*wk_rows_fn)(void *ctx, int col, int row0, int row1, int thread);
wk_status wk_threadpool_create(int n_threads, wk_threadpool **pool);
void wk_threadpool_free(wk_threadpool *pool);
int wk_threadpool_size(const wk_threadpool *pool);
void wk_threadpool_run(wk_threadpool *pool, size_t n_tasks, wk_task_fn fn, void *ctx);
void wk_threadpool_run_rows(wk_threadpool *pool, int n_cols, int m, int rows_per_task,
                            wk_rows_fn fn, void *ctx);

/* ── Context ── */
struct wk_context {
  wk_isa isa;
  wk_threadpool *pool;
  const wk_kernels *k; /* wk_kernels_for(isa): every family's kernel (runtime/dispatch.h) */
  void *scratch;       /* workspace kept for the public calls that run on this context */
  size_t scratch_size; /* its bytes */
  wk_arena *weights;   /* while a model part is being built: where wk_gemm_weights_create
                        * puts packed weights (one huge-page block for all of them); NULL: in
                        * blocks of their own */
};

/* The context's workspace of at least `size` bytes (grown, contents not kept), or NULL when
 * out of memory (the message is set).  Freed with the context. */
void *wk_context_scratch(wk_context *context, size_t size);

#endif
