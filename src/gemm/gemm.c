/* gemm.c — the INT8 GEMM operator: validates arguments, packs weights once for the context's
 * kernel, splits the output into (row block × column block) tasks on the context's thread
 * pool.  Every output element is computed by exactly one task with the same integer sum and
 * the same float epilogue, so the bytes do not depend on the blocking or the thread count.
 * With an int8 output (out_q) a task owns whole rows (a row block × every column block, in
 * turn), computes them in fp32 (into `out`, or the thread's scratch) and quantizes them with
 * the context's quantizer (src/quant): the same bytes as the fp32 run followed by
 * wk_quantize_rows.
 * When there are fewer row tiles than threads (a decoder step's 1–5 rows),
 * column tasks fill shared fp32 rows instead and the rows are quantized after the join.
 * Per-group int8 output (group_cols: Q and K per head) runs as column tasks like the fp32
 * output: in the AVX-512 VNNI kernel's tile epilogue at 64-column groups, else on each block's
 * fp32 rows in the thread's scratch — or, for groups wider than a column block, as row tasks
 * whose whole rows are grouped after their column blocks. */
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

void wk_gemm_pack_c4(const int8_t *w, ptrdiff_t w_stride, int n, int k, int nr, void *packed) {
  const int full = k / 4, groups = (k + 3) / 4; /* whole k-groups, all k-groups */
  const size_t group_bytes = (size_t)4 * nr;
  const size_t ps = (size_t)groups * group_bytes + (size_t)nr * sizeof(int32_t);
  uint8_t *o = packed;
  for (int j0 = 0; j0 < n; j0 += nr, o += ps) { /* panels with padding are zeroed first */
    const int cols = n - j0 < nr ? n - j0 : nr;
    if (cols < nr || (k & 3)) memset(o, 0, ps);
    int32_t comp[64] = {0};
    for (int c = 0; c < cols; c++) {
      const int8_t *row = w + (ptrdiff_t)(j0 + c) * w_stride;
      uint8_t *dst = o + 4 * c;
      int32_t sum = 0;
      for (int g = 0; g < full; g++) memcpy(dst + (size_t)g * group_bytes, row + 4 * g, 4);
      for (int i = 0; i < (k & 3); i++)
        dst[(size_t)full * group_bytes + i] = (uint8_t)row[4 * full + i];
      for (int i = 0; i < k; i++) sum += row[i];
      comp[c] = 128 * sum; /* |Σ| ≤ 2^16·128: fits */
    }
    memcpy(o + (size_t)groups * group_bytes, comp, (size_t)nr * sizeof(int32_t));
  }
}

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
  int native_groups;   /* group_cols = 64 on a group64 kernel: block() writes the groups */
  int grouped_blocks;  /* group_cols otherwise, column tasks: each block's fp32 rows go to
                        * the thread's scratch ([mb][nb] after the kernel's part), then
                        * group_rows */
} gemm_run;

static size_t count_tasks(int m, int n, int mb, int nb) {
  return (((size_t)m + mb - 1) / mb) * (((size_t)n + nb - 1) / nb);
}

/* One block: rows [i0, i1) × columns [j0, j0 + nb) into out (row i0, column j0 at `out`;
 * unused when the kernel writes the groups). */
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
      .out = out,
      .out_stride = out_stride,
      .scratch = r->thread_mem ? r->thread_mem + (size_t)thread * r->scratch : NULL,
  };
  if (r->native_groups) { /* the kernel writes the groups (out: the fp32 part, row i0) */
    b.grouped = 1, b.col0 = j0, b.groups_q = g->groups_q;
    const wk_gemm_group_out *o = &g->groups; /* moved to the block's first row */
    b.groups = *o;
    b.groups.q = o->q ? o->q + i0 * o->q_stride : NULL;
    b.groups.scale = o->scale ? o->scale + i0 : NULL;
    b.groups.amax = o->amax ? o->amax + i0 * o->amax_stride : NULL;
    b.out = g->out ? g->out + i0 * g->out_stride : NULL;
    b.out_stride = g->out_stride;
  }
  wt->kern->block(&b);
}

/* Columns [j0, j0 + cols) of rows [i0, i0 + rows) as wk_gemm_args' groups: y holds them in
 * fp32 (row i0, column j0 at y); j0 and cols are multiples of group_cols. */
static void group_rows(const gemm_run *r, int i0, int rows, int j0, int cols, const float *y,
                       ptrdiff_t ys) {
  const wk_gemm_args *g = r->args;
  const wk_gemm_group_out *o = &g->groups;
  const int gc = g->group_cols, nq = g->groups_q;
  for (int i = i0; i < i0 + rows; i++, y += ys)
    for (int c = 0; c < cols; c += gc) {
      const int G = (j0 + c) / gc;
      if (G < nq) {
        float *sc = &o->scale[G * o->scale_stride + i];
        if (!wk_quant_row(r->quant, y + c, gc, o->q + i * o->q_stride + G * gc, sc)) *sc = NAN;
      } else {
        memcpy(g->out + i * g->out_stride + (j0 + c - nq * gc), y + c, (size_t)gc * sizeof(float));
        o->amax[i * o->amax_stride + (G - nq)] = r->quant->amax_bits(y + c, gc);
      }
    }
}

/* Rows [i0, i1) of column block `col` (the pool keeps each thread on its own rows, or with
 * few rows — a decoder step — on its own columns, the same weights step after step). */
static void gemm_grid_task(void *ctx, int col, int i0, int i1, int thread) {
  const gemm_run *r = ctx;
  if (r->grouped_blocks) {
    float *y = (float *)(void *)(r->thread_mem + (size_t)thread * r->scratch + r->kern_scratch);
    const int j0 = col * r->nb, cols = r->wt->n - j0 < r->nb ? r->wt->n - j0 : r->nb;
    gemm_block(r, i0, i1, j0, y, r->nb, thread);
    group_rows(r, i0, i1 - i0, j0, cols, y, r->nb);
    return;
  }
  const int j0 = col * r->nb;
  gemm_block(r, i0, i1, j0, r->native_groups ? NULL : r->y + i0 * r->ys + j0, r->ys, thread);
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

/* int8 output or groups over whole rows: row block `task`, every column block, then each row
 * quantized or grouped.  A row that holds NaN or ±∞ gets out_q_scale NaN (reported by
 * wk_gemm_run). */
static void gemm_rows_task(void *ctx, int col, int i0, int i1, int thread) {
  (void)col;
  const gemm_run *r = ctx;
  const wk_gemm_args *g = r->args;
  const wk_gemm_weights *wt = r->wt;
  const int rows = i1 - i0;
  float *y = g->out && !g->group_cols ? g->out + i0 * g->out_stride
                    : (float *)(void *)(r->thread_mem + (size_t)thread * r->scratch +
                                        r->kern_scratch);
  const ptrdiff_t ys = g->out && !g->group_cols ? g->out_stride : r->rows_stride;
  for (int j0 = 0; j0 < wt->n; j0 += r->nb) gemm_block(r, i0, i1, j0, y + j0, ys, thread);
  if (g->out_q) quant_rows(r, i0, rows, y, ys);
  if (g->group_cols) group_rows(r, i0, rows, 0, wt->n, y, ys);
}

/* The per-group output's own arguments (wk_gemm_args: group_cols …): shapes, NULLs, strides,
 * and no overlap with the inputs or each other (out against them: check_run). */
static wk_status check_groups(const wk_gemm_weights *wt, const wk_gemm_args *g) {
  const int gc = g->group_cols, nq = g->groups_q, n = wt->n;
  const wk_gemm_group_out *o = &g->groups;
  if (gc < 1 || n % gc || nq < 0 || nq > n / gc)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: group_cols=%d groups_q=%d for n=%d (group_cols must divide n; "
                    "0 <= groups_q <= n / group_cols)", gc, nq, n);
  if (g->gelu || g->residual || g->out_q)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: the per-group output (group_cols) takes no gelu, residual or out_q");
  const int nf = n / gc - nq; /* fp32 groups */
  if ((nq && (!o->q || !o->scale)) || (nf && (!g->out || !o->amax)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: NULL %s",
                    nq && !o->q       ? "groups.q"
                    : nq && !o->scale ? "groups.scale"
                    : !g->out               ? "out (for the fp32 groups)"
                                            : "groups.amax");
  if (o->q_stride < 0 || o->scale_stride < 0 || o->amax_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides must be >= 0");
  if ((nq && g->m > 1 && o->q_stride < (ptrdiff_t)nq * gc) ||
      (nq > 1 && o->scale_stride < g->m) || (nf && g->m > 1 && o->amax_stride < nf))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: groups.q_stride=%td, groups.scale_stride=%td or "
                    "groups.amax_stride=%td makes outputs overlap (%d quantized groups of %d "
                    "columns, %d fp32 groups, m=%d)",
                    o->q_stride, o->scale_stride, o->amax_stride, nq, gc, nf, g->m);
  struct { uintptr_t lo, hi; const char *name; } r[5] = {{0, 0, "a"}, {0, 0, "a_scale"},
      {0, 0, "groups.q"}, {0, 0, "groups.scale"}, {0, 0, "groups.amax"}};
  if (!wk_extent(g->a, g->a_stride, g->m, wt->k, 1, &r[0].lo, &r[0].hi) ||
      !wk_extent(g->a_scale, 1, g->m, 1, sizeof(float), &r[1].lo, &r[1].hi) ||
      (nq && !wk_extent(o->q, o->q_stride, g->m, nq * gc, 1, &r[2].lo, &r[2].hi)) ||
      (nq && !wk_extent(o->scale, o->scale_stride, nq, g->m, sizeof(float),
                        &r[3].lo, &r[3].hi)) ||
      (nf && !wk_extent(o->amax, o->amax_stride, g->m, nf, sizeof(uint32_t),
                        &r[4].lo, &r[4].hi)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides overflow (m=%d)", g->m);
  for (int i = 2; i < 5; i++)
    for (int j = 0; j < i; j++)
      if (wk_overlaps(r[i].lo, r[i].hi, r[j].lo, r[j].hi))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: %s overlaps %s", r[i].name,
                        r[j].name);
  if (g->out && nf) {
    uintptr_t lo, hi;
    if (!wk_extent(g->out, g->out_stride, g->m, nf * gc, sizeof(float), &lo, &hi))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides overflow (m=%d)", g->m);
    for (int j = 2; j < 5; j++)
      if (wk_overlaps(lo, hi, r[j].lo, r[j].hi))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: out overlaps %s", r[j].name);
  }
  return WK_STATUS_OK;
}

static wk_status check_run(const wk_context *ctx, const wk_gemm_weights *wt,
                           const wk_gemm_args *g) {
  if (wt->kern != ctx->k->gemm)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: weights were packed for %s but the context runs %s", wt->kern->name,
                    ctx->k->gemm->name);
  if (g->m < 1) return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: m=%d (must be >= 1)", g->m);
  /* columns of `out`: all n, or (per-group output) those after the quantized groups */
  const int out_cols = g->group_cols ? wt->n - g->groups_q * g->group_cols : wt->n;
  if (!g->a || !g->a_scale || (!g->out && !g->out_q && !g->group_cols) ||
      (g->out_q && !g->out_q_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: NULL %s",
                    !g->a         ? "a"
                    : !g->a_scale ? "a_scale"
                    : !g->out_q   ? "out (and no out_q or group_cols)"
                                  : "out_q_scale (required with out_q)");
  if (g->a_stride < 0 || (g->out && g->out_stride < 0) ||
      (g->residual && g->residual_stride < 0) || (g->out_q && g->out_q_stride < 0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "gemm: strides must be >= 0");
  if (g->group_cols) {
    wk_status st = check_groups(wt, g);
    if (st) return st;
  }
  if (g->m > 1 && g->out && g->out_stride < out_cols)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: out_stride=%td < %d columns makes output rows overlap", g->out_stride,
                    out_cols);
  if (g->m > 1 && g->out_q && g->out_q_stride < wt->n)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "gemm: out_q_stride=%td < n=%d makes output rows overlap", g->out_q_stride,
                    wt->n);
  uintptr_t a_lo, a_hi, s_lo, s_hi, o_lo = 0, o_hi = 0, r_lo = 0, r_hi = 0;
  uintptr_t q_lo = 0, q_hi = 0, qs_lo = 0, qs_hi = 0;
  if (!wk_extent(g->a, g->a_stride, g->m, wt->k, 1, &a_lo, &a_hi) ||
      !wk_extent(g->a_scale, 1, g->m, 1, sizeof(float), &s_lo, &s_hi) ||
      (g->out && out_cols > 0 &&
       !wk_extent(g->out, g->out_stride, g->m, out_cols, sizeof(float), &o_lo, &o_hi)) ||
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
  /* per-group output: in the kernel (64-column groups on AVX-512 VNNI), else on each column
   * block's rows (groups that divide a block), else on whole rows */
  r.native_groups = g->group_cols == 64 && kern->group64;
  r.grouped_blocks = g->group_cols && !r.native_groups && WK_GEMM_NB_ALIGN % g->group_cols == 0;
  const int rowwise = g->out_q || /* whole rows wanted together */
                      (g->group_cols && !r.native_groups && !r.grouped_blocks);
  const int by_cols = !rowwise || (g->m + kern->mr - 1) / kern->mr < threads;
  const int task_n = by_cols ? wt->n : 1;
  while (count_tasks(g->m, task_n, r.mb, r.nb) < want_tasks && r.mb > kern->mr)
    r.mb = (r.mb / kern->mr + 1) / 2 * kern->mr;
  while (by_cols && count_tasks(g->m, wt->n, r.mb, r.nb) < want_tasks && r.nb > WK_GEMM_NB_ALIGN)
    r.nb = (r.nb / WK_GEMM_NB_ALIGN + 1) / 2 * WK_GEMM_NB_ALIGN;
  r.n_blocks = ((size_t)wt->n + r.nb - 1) / r.nb;

  r.kern_scratch = (kern->scratch_size(wt->k) + 63) & ~(size_t)63;
  r.scratch = r.kern_scratch;
  const int rows_scratch = rowwise && (!g->out || g->group_cols); /* `out` is not [m][n] */
  const int shared_rows = by_cols && rows_scratch;
  if (rows_scratch) /* fp32 rows [mb][n rounded up to 64 bytes], per thread or shared */
    r.rows_stride = (ptrdiff_t)(((size_t)wt->n + 15) & ~(size_t)15);
  if (rows_scratch && !shared_rows)
    r.scratch += (size_t)r.mb * (size_t)r.rows_stride * sizeof(float);
  if (r.grouped_blocks) /* one block's fp32 rows [mb][nb] */
    r.scratch += (size_t)r.mb * (size_t)r.nb * sizeof(float);
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
  if (by_cols && rowwise && g->group_cols) group_rows(&r, 0, g->m, 0, wt->n, r.y, r.ys);
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
