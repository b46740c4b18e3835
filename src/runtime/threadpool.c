/* threadpool.c — a fixed pool of pthreads running one parallel-for at a time.
 * Tasks are handed out by an atomic counter; the caller works as thread 0.  Which thread runs
 * which task varies from run to run, so kernels must make each task's output independent of
 * the thread (they do: per-thread memory is scratch only). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "runtime/runtime.h"

struct wk_threadpool {
  int n_threads; /* including the caller */
  pthread_t *threads;
  pthread_mutex_t mutex;
  pthread_cond_t wake, done;
  unsigned long generation; /* bumped for every job */
  int shutdown;
  int busy_workers; /* workers still inside the current job */
  /* the current job */
  wk_task_fn fn;
  void *ctx;
  size_t n_tasks;
  atomic_size_t next_task;
};

typedef struct worker_arg {
  wk_threadpool *pool;
  int id;
} worker_arg;

static void run_tasks(wk_threadpool *p, int thread) {
  for (;;) {
    size_t t = atomic_fetch_add_explicit(&p->next_task, 1, memory_order_relaxed);
    if (t >= p->n_tasks) break;
    p->fn(p->ctx, t, thread);
  }
}

static void *worker_main(void *arg) {
  worker_arg *w = arg;
  wk_threadpool *p = w->pool;
  int id = w->id;
  free(w);
  unsigned long seen = 0;
  pthread_mutex_lock(&p->mutex);
  for (;;) {
    while (p->generation == seen && !p->shutdown) pthread_cond_wait(&p->wake, &p->mutex);
    if (p->shutdown) break;
    seen = p->generation;
    pthread_mutex_unlock(&p->mutex);
    run_tasks(p, id);
    pthread_mutex_lock(&p->mutex);
    if (--p->busy_workers == 0) pthread_cond_signal(&p->done);
  }
  pthread_mutex_unlock(&p->mutex);
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
  atomic_init(&p->next_task, 0);
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
  p->shutdown = 1;
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

void wk_threadpool_run(wk_threadpool *p, size_t n_tasks, wk_task_fn fn, void *ctx) {
  if (n_tasks == 0) return;
  if (!p || p->n_threads == 1 || n_tasks == 1) {
    for (size_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  pthread_mutex_lock(&p->mutex);
  p->fn = fn;
  p->ctx = ctx;
  p->n_tasks = n_tasks;
  atomic_store_explicit(&p->next_task, 0, memory_order_relaxed);
  p->busy_workers = p->n_threads - 1;
  p->generation++;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mutex);
  run_tasks(p, 0);
  pthread_mutex_lock(&p->mutex);
  while (p->busy_workers > 0) pthread_cond_wait(&p->done, &p->mutex);
  pthread_mutex_unlock(&p->mutex);
}
