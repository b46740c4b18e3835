/* test_threadpool.c — the thread pool (src/runtime/threadpool.c): every task of every job runs
 * exactly once, and the job has ended when wk_threadpool_run returns, over many back-to-back
 * jobs of 1 … 300 tasks (short ones: the workers are still spinning; after pauses longer than
 * the spin: they sleep) on 2, 3 and 8 threads; each task's thread id is in range, and a job
 * whose tasks are slow on one thread still waits for them.  The same for grids
 * (wk_threadpool_run_rows): every (column, row) exactly once, in groups of at most
 * rows_per_task rows of one column — fewer rows than threads, odd sizes, and grids and plain
 * jobs too large for one part of the pool (more than 65535 tasks a thread). */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime.h"
#include "test_util.h"

#define MAX_TASKS 300

typedef struct job_state {
  atomic_int runs[MAX_TASKS]; /* times each task ran */
  int threads;
  atomic_int bad_thread;
  int slow_task; /* -1: none; else this task sleeps a little (the others must not skip it) */
} job_state;

static void task_fn(void *ctx, size_t task, int thread) {
  job_state *s = ctx;
  if (thread < 0 || thread >= s->threads) atomic_store(&s->bad_thread, 1);
  if ((int)task == s->slow_task) {
    struct timespec d = {0, 2000000}; /* 2 ms */
    nanosleep(&d, NULL);
  }
  atomic_fetch_add(&s->runs[task], 1);
}

/* ── grids ── */
#define GRID_CELLS 400000
typedef struct grid_state {
  unsigned char *runs; /* [n_cols][m] */
  int n_cols, m, per_task, threads;
  atomic_int bad;      /* a group out of range, too long, or a bad thread id */
} grid_state;

static void grid_fn(void *ctx, int col, int r0, int r1, int thread) {
  grid_state *g = ctx;
  if (col < 0 || col >= g->n_cols || r0 < 0 || r1 > g->m || r0 >= r1 ||
      r1 - r0 > g->per_task || thread < 0 || thread >= g->threads) {
    atomic_store(&g->bad, 1);
    return;
  }
  for (int r = r0; r < r1; r++) g->runs[(size_t)col * g->m + r]++; /* cells are disjoint */
}

static void check_grid(wk_threadpool *pool, int threads, int n_cols, int m, int per_task) {
  static grid_state g;
  static unsigned char runs[GRID_CELLS];
  g = (grid_state){.runs = runs, .n_cols = n_cols, .m = m, .per_task = per_task,
                   .threads = threads};
  atomic_store(&g.bad, 0);
  const size_t cells = (size_t)n_cols * m;
  memset(runs, 0, cells);
  wk_threadpool_run_rows(pool, n_cols, m, per_task, grid_fn, &g);
  size_t wrong = 0;
  for (size_t i = 0; i < cells; i++) wrong += runs[i] != 1;
  CHECK(!wrong && !atomic_load(&g.bad),
        "%d threads, grid %d cols x %d rows by %d: %zu cells not run once, bad group %d",
        threads, n_cols, m, per_task, wrong, atomic_load(&g.bad));
}

typedef struct count_state {
  atomic_size_t sum; /* Σ (task + 1) */
  atomic_size_t calls;
} count_state;

static void count_fn(void *ctx, size_t task, int thread) {
  (void)thread;
  count_state *c = ctx;
  atomic_fetch_add_explicit(&c->sum, task + 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&c->calls, 1, memory_order_relaxed);
}

static int grids(void) {
  static const int thread_counts[] = {2, 3, 8};
  wk_test_rng rng = {20261203};
  int n = 0;
  for (size_t ti = 0; ti < sizeof thread_counts / sizeof thread_counts[0]; ti++) {
    const int T = thread_counts[ti];
    wk_threadpool *pool = NULL;
    CHECK(wk_threadpool_create(T, &pool) == WK_STATUS_OK, "create: %s", wk_last_error());
    if (!pool) continue;
    for (int j = 0; j < 500; j++, n++)
      check_grid(pool, T, wk_test_int(&rng, 1, 20), wk_test_int(&rng, 1, j % 5 ? 40 : 1600),
                 wk_test_int(&rng, 1, 50));
    check_grid(pool, T, 40000, 3, 1);     /* > 32767 columns: two column parts */
    check_grid(pool, T, 1, 300000, 1);    /* > 65535 tasks a thread: row parts */
    check_grid(pool, T, 3, 100000, 7);
    n += 3;
    /* a plain job of more tasks than one part holds */
    count_state c;
    atomic_init(&c.sum, 0), atomic_init(&c.calls, 0);
    const size_t tasks = 1000003;
    wk_threadpool_run(pool, tasks, count_fn, &c);
    CHECK(atomic_load(&c.calls) == tasks && atomic_load(&c.sum) == tasks * (tasks + 1) / 2,
          "%d threads, %zu tasks: %zu calls", T, tasks, atomic_load(&c.calls));
    wk_threadpool_free(pool);
  }
  return n;
}

int main(void) {
  static const int thread_counts[] = {2, 3, 8};
  wk_test_rng rng = {20261202};
  static job_state s;
  int jobs = 0;
  for (size_t ti = 0; ti < sizeof thread_counts / sizeof thread_counts[0]; ti++) {
    wk_threadpool *pool = NULL;
    CHECK(wk_threadpool_create(thread_counts[ti], &pool) == WK_STATUS_OK, "create: %s",
          wk_last_error());
    if (!pool) continue;
    for (int j = 0; j < 3000; j++, jobs++) {
      const int n = j % 7 == 0 ? wk_test_int(&rng, 1, MAX_TASKS) : wk_test_int(&rng, 1, 9);
      for (int t = 0; t < MAX_TASKS; t++) atomic_store(&s.runs[t], 0);
      s.threads = thread_counts[ti];
      atomic_store(&s.bad_thread, 0);
      s.slow_task = j % 50 == 1 ? wk_test_int(&rng, 0, n - 1) : -1;
      if (j % 300 == 299) { /* a pause past the spin: the workers fall asleep */
        struct timespec d = {0, 3000000};
        nanosleep(&d, NULL);
      }
      wk_threadpool_run(pool, (size_t)n, task_fn, &s);
      int wrong = 0;
      for (int t = 0; t < MAX_TASKS; t++) wrong += atomic_load(&s.runs[t]) != (t < n);
      CHECK(!wrong, "%d threads, job %d of %d tasks: %d tasks ran other than once",
            thread_counts[ti], j, n, wrong);
      CHECK(!atomic_load(&s.bad_thread), "%d threads: a thread id out of range", thread_counts[ti]);
    }
    wk_threadpool_free(pool);
  }
  printf("threadpool: %d jobs on 2, 3 and 8 threads: every task exactly once, before the return\n",
         jobs);
  const int g = grids();
  printf("threadpool: %d grids on 2, 3 and 8 threads: every cell exactly once, in valid groups\n",
         g);
  return wk_test_failures ? 1 : 0;
}
