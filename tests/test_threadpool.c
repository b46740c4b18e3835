/* test_threadpool.c — the thread pool (src/runtime/threadpool.c): every task of every job runs
 * exactly once, and the job has ended when wk_threadpool_run returns, over many back-to-back
 * jobs of 1 … 300 tasks (short ones: the workers are still spinning; after pauses longer than
 * the spin: they sleep) on 2, 3 and 8 threads; each task's thread id is in range, and a job
 * whose tasks are slow on one thread still waits for them. */
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
  return wk_test_failures ? 1 : 0;
}
