/* gemm.c — the INT8 GEMM operator: validates arguments, packs weights once for the context's
 * kernel, splits the output into (row block × column block) tasks on the context's thread
 * pool.  Every output element is computed by exactly one task with the same integer sum and
 * the same float epilogue, so the bytes do not depend on the blocking or the thread count.
 * With an int8 output (out_q) a task owns whole rows (a row block × every column block, in
 * turn), computes them in fp32 (into `out`, or the thread's scratch) and quantizes them with
 * the context's quantizer (src/quant): the same bytes as the fp32 run followed by
 * wk_quantize_rows.  A rows_fn (the fused Q/K/V quantizer) gets whole rows the same way.
 * When there are fewer row tiles than threads (a decoder step's 1–5 rows),
 * column tasks fill shared fp32 rows instead and the rows are quantized after the join. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "common/checks.h"
#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "quant/quant-internal.h"

struct wk_gemm_weights {
  const wk_gemm_kernel *kern; /* the kernel whose layout `packed` is in */
  int n, k;
  size_t panel_size; /* bytes per packed panel of kern->nr columns */
  uint8_t *packed;   /* ceil(n / nr) panels */
  float *w_scale;    /* [round_up(n, WK_GEMM_NB_ALIGN)], zero-padded */
  float *bias;       /* [round_up(n, WK_GEMM_NB_ALIGN)], zero-padded, or NULL */
  int packed_owned;  /* packed is a block of its own (not the context's weight arena's) */
};

size_t wk_gemm_weights_bytes(const wk_context *ctx, int n, int k) {
  const wk_gemm_kernel *kern = ctx->k->gemm;
  const size_t n_pad = ((size_t)n + WK_GEMM_NB_ALIGN - 1) / WK_GEMM_NB_ALIGN * WK_GEMM_NB_ALIGN;
  return n_pad / (size_t)kern->nr * kern->panel_size(k);
}

/* ── weights ─────────────────────────────────────────────────────────────── */

#define PACK_TASK_COLS 256 /* columns packed per task (a multiple of every kernel's nr) */

typedef struct pack_job {
  const wk_gemm_kernel *kern;
  const int8_t *w;
  ptrdiff_t w_stride;
  int n, k;
  size_t panel_size;
  uint8_t *packed;
} pack_job;

static void pack_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const pack_job *j = ctx;
  int j0 = (int)task * PACK_TASK_COLS;
  int cols = j->n - j0 < PACK_TASK_COLS ? j->n - j0 : PACK_TASK_COLS;
  j->kern->pack(j->w + j0 * j->w_stride, j->w_stride, cols, j->k,
                j->packed + (size_t)(j0 / j->kern->nr) * j->panel_size);
}

wk_status wk_gemm_weights_create(wk_context *ctx, const int8_t *w, ptrdiff_t w_stride,
                                 const float *w_scale, const float *bias, int n, int k,
                                 wk_gemm_weights **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: NULL output pointer");
  *out = NULL;
  if (!ctx) return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: NULL context");
  if (!w || !w_scale)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: NULL %s", !w ? "w" : "w_scale");
  if (n < 1 || k < 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: n=%d k=%d (each must be >= 1)",
                    n, k);
  if (k > WK_GEMM_MAX_K || n > WK_GEMM_MAX_N)
    return wk_error(WK_STATUS_UNSUPPORTED, "gemm weights: n=%d k=%d (limits: n <= %d, k <= %d)",
                    n, k, WK_GEMM_MAX_N, WK_GEMM_MAX_K);
  if (w_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: w_stride=%td < 0", w_stride);
  uintptr_t lo, hi;
  if (!wk_extent(w, w_stride, n, k, 1, &lo, &hi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: w_stride=%td overflows",
                    w_stride);
  for (int j = 0; j < n; j++) {
    if (!wk_scale_ok(w_scale[j]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "gemm weights: w_scale[%d] = %g (must be finite and > 0)", j,
                      (double)w_scale[j]);
    if (bias && !isfinite(bias[j]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm weights: bias[%d] = %g is not finite",
                      j, (double)bias[j]);
  }

  const wk_gemm_kernel *kern = ctx->k->gemm;
  const size_t n_pad = ((size_t)n + WK_GEMM_NB_ALIGN - 1) / WK_GEMM_NB_ALIGN * WK_GEMM_NB_ALIGN;
  wk_gemm_weights *wt = wk_alloc(sizeof *wt);
  if (!wt) return wk_error(WK_STATUS_OUT_OF_MEMORY, "gemm weights: out of memory");
  memset(wt, 0, sizeof *wt);
  wt->kern = kern;
  wt->n = n;
  wt->k = k;
  wt->panel_size = kern->panel_size(k);
  wt->packed = wk_arena_take(ctx->weights, n_pad / (size_t)kern->nr * wt->panel_size);
  if (!wt->packed) {
    wt->packed = wk_alloc_array(n_pad / (size_t)kern->nr, wt->panel_size);
    wt->packed_owned = 1;
  }
  wt->w_scale = wk_alloc_array(n_pad, sizeof(float));
  wt->bias = bias ? wk_alloc_array(n_pad, sizeof(float)) : NULL;
  if (!wt->packed || !wt->w_scale || (bias && !wt->bias)) {
    wk_gemm_weights_free(wt);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "gemm weights: out of memory (n=%d k=%d)", n, k);
  }
  memset(wt->w_scale, 0, n_pad * sizeof(float));
  memcpy(wt->w_scale, w_scale, (size_t)n * sizeof(float));
  if (bias) {
    memset(wt->bias, 0, n_pad * sizeof(float));
    memcpy(wt->bias, bias, (size_t)n * sizeof(float));
  }
  pack_job job = {kern, w, w_stride, n, k, wt->panel_size, wt->packed};
  wk_threadpool_run(ctx->pool, ((size_t)n + PACK_TASK_COLS - 1) / PACK_TASK_COLS, pack_task,
                    &job);
  *out = wt;
  return WK_STATUS_OK;
}

void wk_gemm_weights_free(wk_gemm_weights *w) {
  if (!w) return;
  if (w->packed_owned) wk_free(w->packed);
  wk_free(w->w_scale);
  wk_free(w->bias);
  wk_free(w);
}

/* ── the parallel run ────────────────────────────────────────────────────── */

/* Column blocks: their packed weights (nb × k bytes) should stay in the core's L2 while every
 * row tile of the block streams through them. */
#define L2_BUDGET (256 * 1024)
#define ROW_TILES_PER_TASK 8 /* row blocks of 8 register tiles: 48 rows on AVX-512 VNNI */

typedef struct gemm_run {
  const wk_gemm_weights *wt;
  const wk_quant_kernel *quant; /* the int8 epilogue's quantizer */
  const wk_gemm_args *args;
  int mb, nb;        /* rows, columns per block */
  size_t n_blocks;   /* column blocks */
  float *y;          /* gemm_task's fp32 output: args->out, or (int8 output split by columns)
                      * the shared rows [m][rows_stride] in thread_mem */
  ptrdiff_t ys;
  size_t scratch;    /* bytes per thread: the kernel's, then (int8 output without `out`) the
                      * fp32 rows [mb][rows_stride] */
  size_t kern_scratch; /* bytes of the kernel's part (64-byte multiple) */
  ptrdiff_t rows_stride; /* floats per scratch row */
  uint8_t *thread_mem; /* [threads][scratch] */
} gemm_run;

static size_t count_tasks(int m, int n, int mb, int nb) {
  return (((size_t)m + mb - 1) / mb) * (((size_t)n + nb - 1) / nb);
}

/* One block: rows [i0, i1) × columns [j0, j0 + nb) into out (row i0 at `out`). */
static void gemm_block(const gemm_run *r, int i0, int i1, int j0, float *out,
                       ptrdiff_t out_stride, int thread) {
  const wk_gemm_args *g = r->args;
  const wk_gemm_weights *wt = r->wt;
  wk_gemm_block_args b = {
      .m = i1 - i0,
      .n = wt->n - j0 < r->nb ? wt->n - j0 : r->nb,
      .k = wt->k,
      .a = g->a + i0 * g->a_stride,
      .a_stride = g->a_stride,
      .a_scale = g->a_scale + i0,
      .w = wt->packed + (size_t)(j0 / wt->kern->nr) * wt->panel_size,
      .w_scale = wt->w_scale + j0,
      .bias = wt->bias ? wt->bias + j0 : NULL,
      .gelu = g->gelu != 0,
      .residual = g->residual ? g->residual + i0 * g->residual_stride + j0 : NULL,
      .residual_stride = g->residual_stride,
      .out = out + j0,
      .out_stride = out_stride,
      .scratch = r->thread_mem ? r->thread_mem + (size_t)thread * r->scratch : NULL,
  };
  wt->kern->block(&b);
}

/* Rows [i0, i1) of column block `col` (the pool keeps each thread on its own rows, or with
 * few rows — a decoder step — on its own columns, the same weights step after step). */
static void gemm_grid_task(void *ctx, int col, int i0, int i1, int thread) {
  const gemm_run *r = ctx;
  gemm_block(r, i0, i1, col * r->nb, r->y + i0 * r->ys, r->ys, thread);
}

/* Rows [i0, i0 + rows) of y (row i0 at y) quantized into out_q; NaN scale for a row that holds
 * NaN or ±∞. */
static void quant_rows(const gemm_run *r, int i0, int rows, const float *y, ptrdiff_t ys) {
  const wk_gemm_args *g = r->args;
  for (int i = 0; i < rows; i++)
    if (!wk_quant_row(r->quant, y + i * ys, r->wt->n, g->out_q + (i0 + i) * g->out_q_stride,
                      &g->out_q_scale[i0 + i]))
      g->out_q_scale[i0 + i] = NAN;
}

/* int8 output or a rows_fn: row block `task`, every column block, then each row quantized
 * and/or handed to rows_fn.  A row that holds NaN or ±∞ gets out_q_scale NaN (reported by
 * wk_gemm_run). */
static void gemm_rows_task(void *ctx, int col, int i0, int i1, int thread) {
  (void)col;
  const gemm_run *r = ctx;
  const wk_gemm_args *g = r->args;
  const wk_gemm_weights *wt = r->wt;
  const int rows = i1 - i0;
  float *y = g->out ? g->out + i0 * g->out_stride
                    : (float *)(void *)(r->thread_mem + (size_t)thread * r->scratch +
                                        r->kern_scratch);
  const ptrdiff_t ys = g->out ? g->out_stride : r->rows_stride;
  for (int j0 = 0; j0 < wt->n; j0 += r->nb) gemm_block(r, i0, i1, j0, y, ys, thread);
  if (g->out_q) quant_rows(r, i0, rows, y, ys);
  if (g->rows_fn) g->rows_fn(g->rows_ctx, i0, rows, y, ys);
}

static wk_status check_run(const wk_context *ctx, const wk_gemm_weights *wt,
                           const wk_gemm_args *g) {
  if (wt->kern != ctx->k->gemm)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: weights were packed for %s but the context runs %s", wt->kern->name,
                    ctx->k->gemm->name);
  if (g->m < 1) return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: m=%d (must be >= 1)", g->m);
  if (!g->a || !g->a_scale || (!g->out && !g->out_q && !g->rows_fn) ||
      (g->out_q && !g->out_q_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: NULL %s",
                    !g->a         ? "a"
                    : !g->a_scale ? "a_scale"
                    : !g->out_q   ? "out (and no out_q or rows_fn)"
                                  : "out_q_scale (required with out_q)");
  if (g->a_stride < 0 || (g->out && g->out_stride < 0) ||
      (g->residual && g->residual_stride < 0) || (g->out_q && g->out_q_stride < 0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides must be >= 0");
  if (g->m > 1 && g->out && g->out_stride < wt->n)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: out_stride=%td < n=%d makes output rows overlap", g->out_stride,
                    wt->n);
  if (g->m > 1 && g->out_q && g->out_q_stride < wt->n)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: out_q_stride=%td < n=%d makes output rows overlap", g->out_q_stride,
                    wt->n);
  uintptr_t a_lo, a_hi, s_lo, s_hi, o_lo = 0, o_hi = 0, r_lo = 0, r_hi = 0;
  uintptr_t q_lo = 0, q_hi = 0, qs_lo = 0, qs_hi = 0;
  if (!wk_extent(g->a, g->a_stride, g->m, wt->k, 1, &a_lo, &a_hi) ||
      !wk_extent(g->a_scale, 1, g->m, 1, sizeof(float), &s_lo, &s_hi) ||
      (g->out && !wk_extent(g->out, g->out_stride, g->m, wt->n, sizeof(float), &o_lo, &o_hi)) ||
      (g->residual &&
       !wk_extent(g->residual, g->residual_stride, g->m, wt->n, sizeof(float), &r_lo, &r_hi)) ||
      (g->out_q && (!wk_extent(g->out_q, g->out_q_stride, g->m, wt->n, 1, &q_lo, &q_hi) ||
                    !wk_extent(g->out_q_scale, 1, g->m, 1, sizeof(float), &qs_lo, &qs_hi))))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides overflow (m=%d)", g->m);
  if (g->out_q) {
    /* out_q and out_q_scale against every other array and each other (empty ranges — no
     * out, no residual — overlap nothing) */
    const struct { uintptr_t lo, hi; const char *name; } in[] = {
        {a_lo, a_hi, "a"}, {s_lo, s_hi, "a_scale"}, {r_lo, r_hi, "residual"},
        {o_lo, o_hi, "out"}, {qs_lo, qs_hi, "out_q_scale"}};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
      if (wk_overlaps(q_lo, q_hi, in[i].lo, in[i].hi))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: out_q overlaps %s", in[i].name);
      if (i < 4 && wk_overlaps(qs_lo, qs_hi, in[i].lo, in[i].hi))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: out_q_scale overlaps %s",
                        in[i].name);
    }
  }
  if (g->out && (wk_overlaps(o_lo, o_hi, a_lo, a_hi) || wk_overlaps(o_lo, o_hi, s_lo, s_hi)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: out overlaps %s",
                    wk_overlaps(o_lo, o_hi, a_lo, a_hi) ? "a" : "a_scale");
  if (g->out && g->residual && wk_overlaps(o_lo, o_hi, r_lo, r_hi) &&
      !(g->residual == g->out && g->residual_stride == g->out_stride))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: out overlaps residual (allowed only as the very same array and "
                    "stride)");
  /* y = (float)Acc·(a_scale[m]·w_scale[n]) with |Acc| ≤ 2^14·k: every product must be a normal
   * float (a subnormal or zero one loses the row's relative precision — an all-zero output)
   * and keep 2^14·k·product ≤ FLT_MAX.  The extremes of w_scale bound every column. */
  wk_scale_range wr = {INFINITY, 0.0f}, c;
  for (int j = 0; j < wt->n; j++) wk_scale_range_add(&wr, wt->w_scale[j]);
  const double acc_max = 16384.0 * wt->k;
  for (int i = 0; i < g->m; i++) {
    const float as = g->a_scale[i];
    if (!wk_scale_ok(as))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "gemm: a_scale[%d] = %g (must be finite and > 0)", i, (double)as);
    int r = wk_scale_product((wk_scale_range){as, as}, wr, acc_max, FLT_MAX, FLT_MIN, &c);
    if (r == WK_SCALE_OVERFLOW)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "gemm: a_scale[%d] = %g times w_scale up to %g is %g: outputs of row %d "
                      "could overflow float (a_scale·w_scale must be <= %g for k=%d)",
                      i, (double)as, (double)wr.max, (double)c.max, i, FLT_MAX / acc_max,
                      wt->k);
    if (r == WK_SCALE_UNDERFLOW)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "gemm: a_scale[%d] = %g times w_scale down to %g is %g, below FLT_MIN "
                      "(%g): outputs of row %d would lose their precision",
                      i, (double)as, (double)wr.min, (double)c.min, (double)FLT_MIN, i);
  }
  return WK_STATUS_OK;
}

wk_status wk_gemm_run(wk_context *ctx, const wk_gemm_weights *wt, const wk_gemm_args *g) {
  if (!ctx || !wt || !g)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: NULL %s",
                    !ctx ? "context" : !wt ? "weights" : "args");
  wk_status s = check_run(ctx, wt, g);
  if (s != WK_STATUS_OK) return s;

  const wk_gemm_kernel *kern = wt->kern;
  const int threads = wk_threadpool_size(ctx->pool);
  const size_t want_tasks = (size_t)threads * 4; /* slack for load balance */
  gemm_run r = {.wt = wt, .quant = ctx->k->quant, .args = g};
  /* Column block: as many 64-column groups as fit the L2 budget (at least one). */
  size_t groups = L2_BUDGET / (wt->panel_size * (size_t)(WK_GEMM_NB_ALIGN / kern->nr));
  size_t n_groups = ((size_t)wt->n + WK_GEMM_NB_ALIGN - 1) / WK_GEMM_NB_ALIGN;
  if (groups < 1) groups = 1;
  if (groups > n_groups) groups = n_groups;
  r.nb = (int)groups * WK_GEMM_NB_ALIGN;
  r.mb = kern->mr * ROW_TILES_PER_TASK;
  /* Few tasks (small m or n): smaller blocks, rows first (a row tile reuses the whole block). */
  /* int8 output: one task per row block (its column blocks in turn, then the rows quantized
   * while hot) — unless even single row tiles leave threads idle (a decoder step: m = 1…5),
   * then column tasks into fp32 rows shared by the threads, quantized after the join. */
  const int rowwise = g->out_q || g->rows_fn; /* whole rows wanted together */
  const int by_cols = !rowwise || (g->m + kern->mr - 1) / kern->mr < threads;
  const int task_n = by_cols ? wt->n : 1;
  while (count_tasks(g->m, task_n, r.mb, r.nb) < want_tasks && r.mb > kern->mr)
    r.mb = (r.mb / kern->mr + 1) / 2 * kern->mr;
  while (by_cols && count_tasks(g->m, wt->n, r.mb, r.nb) < want_tasks && r.nb > WK_GEMM_NB_ALIGN)
    r.nb = (r.nb / WK_GEMM_NB_ALIGN + 1) / 2 * WK_GEMM_NB_ALIGN;
  r.n_blocks = ((size_t)wt->n + r.nb - 1) / r.nb;

  r.kern_scratch = (kern->scratch_size(wt->k) + 63) & ~(size_t)63;
  r.scratch = r.kern_scratch;
  const int shared_rows = by_cols && rowwise && !g->out;
  if (rowwise && !g->out) /* fp32 rows [mb][n rounded up to 64 bytes], per thread or shared */
    r.rows_stride = (ptrdiff_t)(((size_t)wt->n + 15) & ~(size_t)15);
  if (rowwise && !g->out && !shared_rows)
    r.scratch += (size_t)r.mb * (size_t)r.rows_stride * sizeof(float);
  const size_t shared = shared_rows ? (size_t)g->m * (size_t)r.rows_stride * sizeof(float) : 0;
  if (r.scratch || shared) {
    r.thread_mem = wk_alloc((size_t)threads * r.scratch + shared);
    if (!r.thread_mem)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "gemm: out of memory (scratch for k=%d n=%d)",
                      wt->k, wt->n);
  }
  r.y = shared_rows ? (float *)(void *)(r.thread_mem + (size_t)threads * r.scratch) : g->out;
  r.ys = shared_rows ? r.rows_stride : g->out_stride;
  if (by_cols)
    wk_threadpool_run_rows(ctx->pool, (int)r.n_blocks, g->m, r.mb, gemm_grid_task, &r);
  else
    wk_threadpool_run_rows(ctx->pool, 1, g->m, r.mb, gemm_rows_task, &r);
  if (by_cols && g->out_q) quant_rows(&r, 0, g->m, r.y, r.ys);
  if (by_cols && g->rows_fn) g->rows_fn(g->rows_ctx, 0, g->m, r.y, r.ys);
  wk_free(r.thread_mem);
  if (g->out_q)
    for (int i = 0; i < g->m; i++)
      if (isnan(g->out_q_scale[i]))
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "gemm: output row %d holds NaN or infinity (out_q, out_q_scale and out "
                        "are unspecified)",
                        i);
  return WK_STATUS_OK;
}
