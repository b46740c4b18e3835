/* norm.c — the LayerNorm operator: validates arguments, splits rows into tasks on the
 * context's thread pool, and (fused variant) quantizes each normalised row with the quant
 * family's per-token quantizer while it is still in L1. */
#include <stdatomic.h>
#include <string.h>

#include "norm/norm-internal.h"
#include "norm/norm.h"
#include "quant/quant-internal.h"

/* ≈ 5 µs a task at d = 512: with 8 rows (1.3 µs) claiming tasks cost two threads a third of
 * their time (1500 × 512 on 2 threads: 0.164 ms, with 32 rows 0.131 ms; 1 thread 0.24 ms). */
#define ROWS_PER_TASK 32
#define WK_NORM_MAX_D 65536

typedef struct norm_job {
  const wk_norm_kernel *norm;
  const wk_quant_kernel *quant; /* the quantizer (fused variant only) */
  const float *x;             /* [m][d], stride x_stride */
  ptrdiff_t x_stride;
  int m, d;
  const float *g, *b;         /* [d] */
  float *y;                   /* [m][d], stride y_stride (plain variant) */
  ptrdiff_t y_stride;
  int8_t *q;                  /* [m][d], stride q_stride (fused variant) */
  ptrdiff_t q_stride;
  float *scale;               /* [m] (fused variant) */
  float *scratch;             /* [threads][d] (fused variant) */
  atomic_int bad_row;         /* the first failing row, or m */
} norm_job;

static void norm_task(void *ctx, int col, int i0, int i1, int thread) {
  (void)col;
  norm_job *j = ctx;
  for (int i = i0; i < i1; i++) {
    const float *x = j->x + i * j->x_stride; /* [d] */
    int ok;
    if (j->q) {
      float *t = j->scratch + (size_t)thread * j->d; /* [d] */
      ok = j->norm->layernorm_row(x, j->d, j->g, j->b, t) &&
           wk_quant_row(j->quant, t, j->d, j->q + i * j->q_stride, &j->scale[i]);
    } else {
      ok = j->norm->layernorm_row(x, j->d, j->g, j->b, j->y + i * j->y_stride);
    }
    if (!ok) { /* the group's first: keep the least of all groups' */
      int seen = atomic_load_explicit(&j->bad_row, memory_order_relaxed);
      while (i < seen && !atomic_compare_exchange_weak(&j->bad_row, &seen, i)) {
      }
      return;
    }
  }
}

static wk_status run(wk_context *ctx, norm_job *j) {
  if (!ctx || !j->x || !j->g || !j->b || (!j->y && !j->q) || (j->q && !j->scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: NULL argument");
  if (j->m < 1 || j->d < 1 || j->d > WK_NORM_MAX_D)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: m=%d d=%d (expected m >= 1, "
                    "1 <= d <= %d)", j->m, j->d, WK_NORM_MAX_D);
  const ptrdiff_t out_stride = j->q ? j->q_stride : j->y_stride;
  if (j->x_stride < 0 || out_stride < 0 || (j->m > 1 && (j->x_stride < j->d || out_stride < j->d)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: strides must be >= d=%d", j->d);
  if (j->y && j->y != j->x) { /* y may alias x exactly; any other overlap is refused */
    const float *xe = j->x + (j->m - 1) * j->x_stride + j->d;
    const float *ye = j->y + (j->m - 1) * j->y_stride + j->d;
    if ((uintptr_t)j->y < (uintptr_t)xe && (uintptr_t)j->x < (uintptr_t)ye)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: y overlaps x");
  }
  if (j->y == j->x && j->y && j->y_stride != j->x_stride)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: in place needs y_stride == x_stride");
  j->norm = ctx->k->norm;
  j->quant = ctx->k->quant;
  atomic_init(&j->bad_row, j->m);
  if (j->q) j->scratch = wk_alloc_array((size_t)wk_threadpool_size(ctx->pool) * j->d, sizeof(float));
  if (j->q && !j->scratch) return wk_error(WK_STATUS_OUT_OF_MEMORY, "layernorm: out of memory");
  wk_threadpool_run_rows(ctx->pool, 1, j->m, ROWS_PER_TASK, norm_task, j);
  const int bad = atomic_load(&j->bad_row);
  wk_free(j->scratch);
  if (bad < j->m)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "layernorm: row %d holds NaN or infinity or overflows (|x| too large)", bad);
  return WK_STATUS_OK;
}

wk_status wk_layernorm_rows(wk_context *ctx, const float *x, ptrdiff_t x_stride, int m, int d,
                            const float *g, const float *b, float *y, ptrdiff_t y_stride) {
  norm_job j = {.x = x, .x_stride = x_stride, .m = m, .d = d, .g = g, .b = b, .y = y,
                .y_stride = y_stride};
  if (!y) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: NULL y");
  return run(ctx, &j);
}

wk_status wk_layernorm_quantize_rows(wk_context *ctx, const float *x, ptrdiff_t x_stride, int m,
                                     int d, const float *g, const float *b, int8_t *q,
                                     ptrdiff_t q_stride, float *scale) {
  norm_job j = {.x = x, .x_stride = x_stride, .m = m, .d = d, .g = g, .b = b, .q = q,
                .q_stride = q_stride, .scale = scale};
  if (!q) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layernorm: NULL q");
  return run(ctx, &j);
}
