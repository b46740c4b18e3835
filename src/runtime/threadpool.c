/* threadpool.c — a fixed pool of pthreads running one parallel-for at a time.
 *
 * A job is a grid: columns × rows, the rows cut into groups of up to rows_per_task (a plain
 * job of n tasks is one column of n rows, one a group).  Thread t owns rows
 * [m·t/T, m·(t+1)/T) of every column — or, when the rows make fewer groups than there are
 * threads (a decoder step), columns [n·t/T, n·(t+1)/T) of every row —: it takes its own
 * groups from the front, column by column, then takes what is left of the others' from their
 * far end.  So an operator that
 * runs over the rows another one just wrote finds nearly all of them in its own core's cache
 * (measured on a 2-core Zen 5 VM: a base encoder 5 % faster than with one shared counter, the
 * GEMMs 8 %), while a slow or late thread still loses its work to the others.  Which thread
 * runs which group varies from run to run, and a group may end anywhere, so kernels must
 * make each output independent of both (they do: per-thread memory is scratch only, and
 * every row's result is the same in any group).  The caller works as thread 0.
 *
 * Two things keep short jobs cheap (a decoder step is ~50 parallel-fors of 10–100 µs):
 *   - waiting spins before it sleeps: workers poll for the next job, and the caller for the
 *     last task's end, for up to SPIN_SECONDS (pausing, and yielding the core every 64 polls
 *     on a loaded machine) before they fall back to the condition variables — a futex sleep
 *     and wake-up per job cost more than the job on a virtual machine (perf: a third of a base
 *     step's time in the kernel's futex paths);
 *   - the caller waits for the tasks, not for the workers: a job is done when its last task
 *     ends, so a worker the OS has not run yet never holds the caller up (it finds the job
 *     gone when it wakes).  Each thread's range is one word, the job's number in its high
 *     half and the range's unclaimed [lo, hi) in its low half; a task is claimed by
 *     compare-and-swap on the whole word, so a late worker can neither claim a task of a
 *     later job with a stale job in hand nor skip one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/runtime.h"

#define SPIN_SECONDS 100e-6 /* ≫ the gaps between a step's jobs, ≪ a scheduler tick */
#define MAX_THREAD_TASKS 0xffff /* tasks in one thread's range (16 bits of its word) */

/* A job as published: two slots, job j in slot j & 1, so that publishing job j + 1 never
 * rewrites what a worker may still be reading of job j (slot j & 1 is reused by job j + 2,
 * published only after job j + 1 ended, and a claim on job j then fails). */
typedef struct job {
  _Atomic(wk_task_fn) task_fn; /* a plain job: task_fn(ctx, row0 + row, thread) */
  _Atomic(wk_rows_fn) rows_fn; /* a grid: rows_fn(ctx, col0 + col, row0 + r0, row0 + r1, …) */
  _Atomic(void *) ctx;
  atomic_int per_task;
  atomic_int col0, n_cols;
  _Atomic int64_t m, row0; /* the part's rows [row0, row0 + m) */
  atomic_size_t n_tasks;   /* all threads' */
} job;

typedef struct range {
  _Alignas(64) _Atomic uint64_t w; /* job number << 32 | lo << 16 | hi */
} range;

struct wk_threadpool {
  int n_threads; /* including the caller */
  pthread_t *threads;
  range *ranges; /* [n_threads] */
  pthread_mutex_t mutex;
  pthread_cond_t wake, done;
  atomic_int shutdown;
  uint32_t number;          /* the latest job's number (the caller's; under mutex) */
  job jobs[2];
  _Atomic uint32_t current; /* the latest published job's number */
  _Alignas(64) atomic_size_t finished; /* tasks of the current job that have ended */
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Polls for up to SPIN_SECONDS; returns whether done(p, arg) became true. */
static int spin_until(int (*done)(wk_threadpool *, uint64_t), wk_threadpool *p, uint64_t arg) {
  const double t0 = wk_now();
  for (int i = 1;; i++) {
    if (done(p, arg)) return 1;
    cpu_relax();
    if (i % 64 == 0) {
      if (wk_now() - t0 > SPIN_SECONDS) return 0;
      sched_yield(); /* a loaded machine: let the thread we wait for run */
    }
  }
}

static int job_after(wk_threadpool *p, uint64_t seen) { /* a job other than number `seen` */
  return atomic_load_explicit(&p->current, memory_order_acquire) != (uint32_t)seen ||
         atomic_load_explicit(&p->shutdown, memory_order_acquire);
}

static int all_finished(wk_threadpool *p, uint64_t n) {
  return atomic_load_explicit(&p->finished, memory_order_acquire) == n;
}

/* Thread t's share of a part of n_cols × m: columns [c0, c1) × rows [r0, r1), per_col groups
 * of rows in each column.  Rows are split among the threads, unless they make fewer groups
 * than there are threads: then columns are. */
typedef struct share {
  int c0, c1;
  int64_t r0, r1, per_col;
} share;

static share share_of(int n_cols, int64_t m, int per_task, int t, int T) {
  share s = {0, n_cols, m * t / T, m * (t + 1) / T, 0};
  if ((m + per_task - 1) / per_task < T && n_cols > 1)
    s = (share){(int)((int64_t)n_cols * t / T), (int)((int64_t)n_cols * (t + 1) / T), 0, m, 0};
  s.per_col = (s.r1 - s.r0 + per_task - 1) / per_task;
  return s;
}

/* Claims and runs tasks of job `number` until none is left in any range (or the job is
 * gone): its own range from the front, then the others' from the back. */
static void run_job(wk_threadpool *p, uint32_t number, int thread) {
  const job *j = &p->jobs[number & 1];
  /* possibly a later job's fields if this one has ended: then every claim below fails */
  wk_task_fn task_fn = atomic_load_explicit(&j->task_fn, memory_order_relaxed);
  wk_rows_fn rows_fn = atomic_load_explicit(&j->rows_fn, memory_order_relaxed);
  void *ctx = atomic_load_explicit(&j->ctx, memory_order_relaxed);
  const int per_task = atomic_load_explicit(&j->per_task, memory_order_relaxed);
  const int col0 = atomic_load_explicit(&j->col0, memory_order_relaxed);
  const int n_cols = atomic_load_explicit(&j->n_cols, memory_order_relaxed);
  const int64_t m = atomic_load_explicit(&j->m, memory_order_relaxed);
  const int64_t row0 = atomic_load_explicit(&j->row0, memory_order_relaxed);
  const size_t n_tasks = atomic_load_explicit(&j->n_tasks, memory_order_relaxed);
  const int T = p->n_threads;
  size_t done = 0;
  for (int v = 0; v < T; v++) {
    const int owner = (thread + v) % T;
    range *r = &p->ranges[owner];
    const share sh = share_of(n_cols, m, per_task, owner, T);
    uint64_t w = atomic_load_explicit(&r->w, memory_order_acquire);
    for (;;) {
      if ((uint32_t)(w >> 32) != number) goto out; /* a later job: this one has ended */
      const uint32_t lo = (uint32_t)(w >> 16) & 0xffff, hi = (uint32_t)w & 0xffff;
      if (lo >= hi) break;
      const uint32_t task = v == 0 ? lo : hi - 1;
      if (!atomic_compare_exchange_weak_explicit(&r->w, &w, v == 0 ? w + 0x10000 : w - 1,
                                                 memory_order_acquire, memory_order_acquire))
        continue;
      const int col = sh.c0 + (int)(task / sh.per_col);
      const int64_t r0 = sh.r0 + (int64_t)(task % sh.per_col) * per_task;
      const int64_t r1 = r0 + per_task < sh.r1 ? r0 + per_task : sh.r1;
      if (rows_fn)
        rows_fn(ctx, col0 + col, (int)(row0 + r0), (int)(row0 + r1), thread);
      else
        for (int64_t i = r0; i < r1; i++) task_fn(ctx, (size_t)(row0 + i), thread);
      done++;
      w = atomic_load_explicit(&r->w, memory_order_acquire);
    }
  }
out:
  if (done && atomic_fetch_add_explicit(&p->finished, done, memory_order_acq_rel) + done ==
                  n_tasks) {
    pthread_mutex_lock(&p->mutex); /* the caller may be asleep on `done` */
    pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mutex);
  }
}

typedef struct worker_arg {
  wk_threadpool *pool;
  int id;
} worker_arg;

static void *worker_main(void *arg) {
  worker_arg *a = arg;
  wk_threadpool *p = a->pool;
  const int id = a->id;
  free(a);
  uint64_t seen = 0; /* the number of the last job looked at */
  for (;;) {
    if (!spin_until(job_after, p, seen)) {
      pthread_mutex_lock(&p->mutex);
      while (!job_after(p, seen)) pthread_cond_wait(&p->wake, &p->mutex);
      pthread_mutex_unlock(&p->mutex);
    }
    if (atomic_load_explicit(&p->shutdown, memory_order_acquire)) break;
    const uint32_t number = atomic_load_explicit(&p->current, memory_order_acquire);
    seen = number;
    run_job(p, number, id);
  }
  return NULL;
}

wk_status wk_threadpool_create(int n_threads, wk_threadpool **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "threadpool: NULL output pointer");
  *out = NULL;
  if (n_threads < 1 || n_threads > 1024)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "threadpool: %d threads (expected 1..1024)",
                    n_threads);
  wk_threadpool *p = calloc(1, sizeof *p);
  if (!p) return wk_error(WK_STATUS_OUT_OF_MEMORY, "threadpool: out of memory");
  p->n_threads = n_threads;
  pthread_mutex_init(&p->mutex, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  atomic_init(&p->shutdown, 0);
  atomic_init(&p->current, 0); /* job 0: no tasks */
  atomic_init(&p->finished, 0);
  for (int i = 0; i < 2; i++) {
    job *j = &p->jobs[i];
    atomic_init(&j->task_fn, NULL), atomic_init(&j->rows_fn, NULL), atomic_init(&j->ctx, NULL);
    atomic_init(&j->per_task, 1), atomic_init(&j->col0, 0), atomic_init(&j->n_cols, 0);
    atomic_init(&j->m, 0), atomic_init(&j->row0, 0), atomic_init(&j->n_tasks, 0);
  }
  p->ranges = aligned_alloc(64, (size_t)n_threads * sizeof(range));
  if (!p->ranges) {
    p->n_threads = 1;
    wk_threadpool_free(p);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "threadpool: out of memory");
  }
  for (int i = 0; i < n_threads; i++) atomic_init(&p->ranges[i].w, 0);
  if (n_threads > 1) {
    p->threads = calloc((size_t)n_threads - 1, sizeof *p->threads);
    if (!p->threads) {
      wk_threadpool_free(p);
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "threadpool: out of memory");
    }
  }
  for (int i = 1; i < n_threads; i++) {
    worker_arg *w = malloc(sizeof *w);
    if (!w || (w->pool = p, w->id = i, pthread_create(&p->threads[i - 1], NULL, worker_main, w))) {
      free(w);
      p->n_threads = i; /* join only the threads that exist */
      wk_threadpool_free(p);
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "threadpool: cannot start thread %d", i);
    }
  }
  *out = p;
  return WK_STATUS_OK;
}

void wk_threadpool_free(wk_threadpool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mutex);
  atomic_store_explicit(&p->shutdown, 1, memory_order_release);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mutex);
  for (int i = 1; i < p->n_threads; i++) pthread_join(p->threads[i - 1], NULL);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->mutex);
  free(p->threads);
  free(p->ranges);
  free(p);
}

int wk_threadpool_size(const wk_threadpool *p) { return p ? p->n_threads : 1; }

/* Publishes a part — columns [col0, col0 + n_cols), rows [row0, row0 + m), each thread's
 * range at most MAX_THREAD_TASKS tasks — works on it, and waits for its last task. */
static void run_part(wk_threadpool *p, wk_task_fn task_fn, wk_rows_fn rows_fn, void *ctx,
                     int col0, int n_cols, int64_t row0, int64_t m, int per_task) {
  const int T = p->n_threads;
  pthread_mutex_lock(&p->mutex);
  const uint32_t number = ++p->number; /* wraps after 2^32 jobs: only inequality matters */
  job *j = &p->jobs[number & 1];
  atomic_store_explicit(&j->task_fn, task_fn, memory_order_relaxed);
  atomic_store_explicit(&j->rows_fn, rows_fn, memory_order_relaxed);
  atomic_store_explicit(&j->ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&j->per_task, per_task, memory_order_relaxed);
  atomic_store_explicit(&j->col0, col0, memory_order_relaxed);
  atomic_store_explicit(&j->n_cols, n_cols, memory_order_relaxed);
  atomic_store_explicit(&j->m, m, memory_order_relaxed);
  atomic_store_explicit(&j->row0, row0, memory_order_relaxed);
  size_t n_tasks = 0;
  for (int t = 0; t < T; t++) {
    const share sh = share_of(n_cols, m, per_task, t, T);
    const uint64_t n = (uint64_t)(sh.c1 - sh.c0) * (uint64_t)sh.per_col;
    atomic_store_explicit(&p->ranges[t].w, (uint64_t)number << 32 | n, memory_order_relaxed);
    n_tasks += (size_t)n;
  }
  atomic_store_explicit(&j->n_tasks, n_tasks, memory_order_relaxed);
  atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
  atomic_store_explicit(&p->current, number, memory_order_release);
  pthread_cond_broadcast(&p->wake); /* no system call while every worker is still spinning */
  pthread_mutex_unlock(&p->mutex);
  run_job(p, number, 0);
  if (!spin_until(all_finished, p, n_tasks)) {
    pthread_mutex_lock(&p->mutex);
    while (!all_finished(p, n_tasks)) pthread_cond_wait(&p->done, &p->mutex);
    pthread_mutex_unlock(&p->mutex);
  }
}

/* A grid in parts whose every range fits MAX_THREAD_TASKS (one part but for huge grids). */
static void run_grid(wk_threadpool *p, wk_task_fn task_fn, wk_rows_fn rows_fn, void *ctx,
                     int n_cols, int64_t m, int per_task) {
  const int64_t T = p->n_threads;
  const int cols = n_cols < MAX_THREAD_TASKS / 2 ? n_cols : MAX_THREAD_TASKS / 2;
  /* rows a part: each thread's share ≤ per_task·(MAX/cols − 1) + 1 rows, so that its tasks
   * per column ≤ MAX/cols (split by columns: fewer than T groups of rows, ⌈cols/T⌉ columns,
   * < cols + T ≤ MAX tasks) */
  const int64_t part_rows = T * per_task * (MAX_THREAD_TASKS / cols - 1);
  for (int c0 = 0; c0 < n_cols; c0 += cols)
    for (int64_t r0 = 0; r0 < m; r0 += part_rows)
      run_part(p, task_fn, rows_fn, ctx, c0, n_cols - c0 < cols ? n_cols - c0 : cols, r0,
               m - r0 < part_rows ? m - r0 : part_rows, per_task);
}

void wk_threadpool_run(wk_threadpool *p, size_t n_tasks, wk_task_fn fn, void *ctx) {
  if (n_tasks == 0) return;
  if (!p || p->n_threads == 1 || n_tasks == 1) {
    for (size_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  run_grid(p, fn, NULL, ctx, 1, (int64_t)n_tasks, 1);
}

void wk_threadpool_run_rows(wk_threadpool *p, int n_cols, int m, int rows_per_task,
                            wk_rows_fn fn, void *ctx) {
  if (n_cols < 1 || m < 1) return;
  if (rows_per_task < 1) rows_per_task = 1;
  if (!p || p->n_threads == 1) {
    for (int c = 0; c < n_cols; c++)
      for (int r0 = 0; r0 < m; r0 += rows_per_task)
        fn(ctx, c, r0, m - r0 < rows_per_task ? m : r0 + rows_per_task, 0);
    return;
  }
  run_grid(p, NULL, fn, ctx, n_cols, m, rows_per_task);
}
