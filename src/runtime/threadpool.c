/* threadpool.c — a fixed pool of pthreads running one parallel-for at a time.
 * Tasks are handed out one at a time from a shared counter; the caller works as thread 0.
 * Which thread runs which task varies from run to run, so kernels must make each task's output
 * independent of the thread (they do: per-thread memory is scratch only).
 *
 * Two things keep short jobs cheap (a decoder step is ~50 parallel-fors of 10–100 µs):
 *   - waiting spins before it sleeps: workers poll for the next job, and the caller for the
 *     last task's end, for up to SPIN_SECONDS (pausing, and yielding the core every 64 polls
 *     on a loaded machine) before they fall back to the condition variables — a futex sleep
 *     and wake-up per job cost more than the job on a virtual machine (perf: a third of a base
 *     step's time in the kernel's futex paths);
 *   - the caller waits for the tasks, not for the workers: a job is done when its last task
 *     ends, so a worker the OS has not run yet never holds the caller up (it finds the job
 *     gone when it wakes).  The task counter carries the job's number in its high half, and a
 *     task is claimed by compare-and-swap on the whole word, so a late worker can neither
 *     claim a task of a later job with a stale job in hand nor skip one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/runtime.h"

#define SPIN_SECONDS 100e-6 /* ≫ the gaps between a step's jobs, ≪ a scheduler tick */
#define MAX_JOB_TASKS ((size_t)1 << 31) /* tasks per published job (the counter's low half) */

/* A job as published: two slots, job j in slot j & 1, so that publishing job j + 1 never
 * rewrites what a worker may still be reading of job j (slot j & 1 is reused by job j + 2,
 * published only after job j + 1 ended, and a claim on job j then fails). */
typedef struct job {
  _Atomic(wk_task_fn) fn;
  _Atomic(void *) ctx;
  atomic_size_t n_tasks;
  atomic_size_t offset; /* task numbers passed to fn start here (jobs of > MAX_JOB_TASKS) */
} job;

struct wk_threadpool {
  int n_threads; /* including the caller */
  pthread_t *threads;
  pthread_mutex_t mutex;
  pthread_cond_t wake, done;
  atomic_int shutdown;
  uint32_t number;          /* the latest job's number (the caller's; under mutex) */
  job jobs[2];
  _Atomic uint64_t work;    /* job number << 32 | the next unclaimed task */
  atomic_size_t finished;   /* tasks of the current job that have ended */
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
  return (atomic_load_explicit(&p->work, memory_order_acquire) >> 32) != seen ||
         atomic_load_explicit(&p->shutdown, memory_order_acquire);
}

static int all_finished(wk_threadpool *p, uint64_t n) {
  return atomic_load_explicit(&p->finished, memory_order_acquire) == n;
}

/* Claims and runs tasks of job `w >> 32` until none is left (or the job is gone). */
static void run_job(wk_threadpool *p, uint64_t w, int thread) {
  const uint32_t number = (uint32_t)(w >> 32);
  job *j = &p->jobs[number & 1];
  for (;;) {
    if ((uint32_t)(w >> 32) != number) return; /* a later job: this one has ended */
    const size_t n = atomic_load_explicit(&j->n_tasks, memory_order_relaxed);
    const size_t task = (uint32_t)w;
    if (task >= n) return;
    wk_task_fn fn = atomic_load_explicit(&j->fn, memory_order_relaxed);
    void *ctx = atomic_load_explicit(&j->ctx, memory_order_relaxed);
    const size_t offset = atomic_load_explicit(&j->offset, memory_order_relaxed);
    /* the claim: succeeds only if the word is still this job's, at this task, so what was
     * read above was this job's */
    if (!atomic_compare_exchange_weak_explicit(&p->work, &w, w + 1, memory_order_acquire,
                                               memory_order_acquire))
      continue;
    fn(ctx, offset + task, thread);
    if (atomic_fetch_add_explicit(&p->finished, 1, memory_order_acq_rel) + 1 == n) {
      pthread_mutex_lock(&p->mutex); /* the caller may be asleep on `done` */
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mutex);
    }
    w = atomic_load_explicit(&p->work, memory_order_acquire);
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
    const uint64_t w = atomic_load_explicit(&p->work, memory_order_acquire);
    seen = w >> 32;
    run_job(p, w, id);
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
  atomic_init(&p->work, 0); /* job 0: no tasks */
  atomic_init(&p->finished, 0);
  for (int i = 0; i < 2; i++) {
    atomic_init(&p->jobs[i].fn, NULL);
    atomic_init(&p->jobs[i].ctx, NULL);
    atomic_init(&p->jobs[i].n_tasks, 0);
    atomic_init(&p->jobs[i].offset, 0);
  }
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
  free(p);
}

int wk_threadpool_size(const wk_threadpool *p) { return p ? p->n_threads : 1; }

/* Publishes tasks [offset, offset + n) (n ≤ MAX_JOB_TASKS), works on them, waits for the last. */
static void run_part(wk_threadpool *p, size_t offset, size_t n, wk_task_fn fn, void *ctx) {
  pthread_mutex_lock(&p->mutex);
  const uint32_t number = ++p->number; /* wraps after 2^32 jobs: only inequality matters */
  job *j = &p->jobs[number & 1];
  atomic_store_explicit(&j->fn, fn, memory_order_relaxed);
  atomic_store_explicit(&j->ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&j->n_tasks, n, memory_order_relaxed);
  atomic_store_explicit(&j->offset, offset, memory_order_relaxed);
  atomic_store_explicit(&p->finished, 0, memory_order_relaxed);
  const uint64_t w = (uint64_t)number << 32;
  atomic_store_explicit(&p->work, w, memory_order_release);
  pthread_cond_broadcast(&p->wake); /* no system call while every worker is still spinning */
  pthread_mutex_unlock(&p->mutex);
  run_job(p, w, 0);
  if (!spin_until(all_finished, p, n)) {
    pthread_mutex_lock(&p->mutex);
    while (!all_finished(p, n)) pthread_cond_wait(&p->done, &p->mutex);
    pthread_mutex_unlock(&p->mutex);
  }
}

void wk_threadpool_run(wk_threadpool *p, size_t n_tasks, wk_task_fn fn, void *ctx) {
  if (n_tasks == 0) return;
  if (!p || p->n_threads == 1 || n_tasks == 1) {
    for (size_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  for (size_t t0 = 0; t0 < n_tasks; t0 += MAX_JOB_TASKS)
    run_part(p, t0, n_tasks - t0 < MAX_JOB_TASKS ? n_tasks - t0 : MAX_JOB_TASKS, fn, ctx);
}
