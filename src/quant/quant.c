/* quant.c — the quantization operators (quant.h): argument checks, (row block) tasks on the
 * context's thread pool, the microkernels of quant-internal.h. */
#include "quant/quant.h"
#include "common/checks.h"
#include "quant/quant-internal.h"

/* ── per-token rows ──────────────────────────────────────────────────────── */

#define QUANT_ROWS_PER_TASK 32

typedef struct rows_job {
  const wk_quant_kernel *kern;
  const float *x; /* [m][k], stride x_stride */
  ptrdiff_t x_stride;
  int m, k;
  int8_t *q;      /* [m][k], stride q_stride */
  ptrdiff_t q_stride;
  float *scale;   /* [m] */
} rows_job;

static void rows_task(void *ctx, int col, int i0, int i1, int thread) {
  (void)col, (void)thread;
  const rows_job *j = ctx;
  for (int i = i0; i < i1; i++)
    if (!wk_quant_row(j->kern, j->x + i * j->x_stride, j->k, j->q + i * j->q_stride,
                      &j->scale[i]))
      j->scale[i] = NAN; /* marks the row for the error report below */
}

wk_status wk_quantize_rows(wk_context *ctx, const float *x, ptrdiff_t x_stride, int m, int k,
                           int8_t *q, ptrdiff_t q_stride, float *scale) {
  if (!ctx || !x || !q || !scale)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize: NULL %s",
                    !ctx ? "context" : !x ? "x" : !q ? "q" : "scale");
  if (m < 1 || k < 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize: m=%d k=%d (each must be >= 1)", m,
                    k);
  if (x_stride < 0 || q_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize: strides must be >= 0");
  if (m > 1 && q_stride < k)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "quantize: q_stride=%td < k=%d makes output rows overlap", q_stride, k);
  uintptr_t x_lo, x_hi, q_lo, q_hi, s_lo, s_hi;
  if (!wk_extent(x, x_stride, m, k, sizeof(float), &x_lo, &x_hi) ||
      !wk_extent(q, q_stride, m, k, 1, &q_lo, &q_hi) ||
      !wk_extent(scale, 1, m, 1, sizeof(float), &s_lo, &s_hi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize: strides overflow (m=%d k=%d)", m, k);
  if (wk_overlaps(q_lo, q_hi, x_lo, x_hi) || wk_overlaps(s_lo, s_hi, x_lo, x_hi) ||
      wk_overlaps(q_lo, q_hi, s_lo, s_hi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize: q, scale and x must not overlap");

  rows_job job = {ctx->k->quant, x, x_stride, m, k, q, q_stride, scale};
  wk_threadpool_run_rows(ctx->pool, 1, m, QUANT_ROWS_PER_TASK, rows_task, &job);
  for (int i = 0; i < m; i++)
    if (isnan(scale[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize: row %d holds NaN or infinity (q and scale are unspecified)",
                      i);
  return WK_STATUS_OK;
}

/* ── Q, K, V for attention ───────────────────────────────────────────────────
 * Per token: Q and K quantized per token·head, V's magnitude maximum per token·head (as bits).
 * Then, after every token: the maxima reduced into v_scale and V quantized with its head's
 * scale.  Every step is per element or a max, so the bytes do not depend on the blocking or the
 * thread count.  (The encoder gets Q, K and V's maxima from its QKV GEMM's per-group output,
 * gemm.h, and only finishes here: wk_qkv_finish.) */
#define QKV_ROWS_PER_TASK 32
#define QKV_MAX_LEN (1 << 24)

typedef struct qkv_job {
  const wk_quant_kernel *kern;
  int len, heads, hd;
  const float *f;       /* pass 1: the fp32 projection [len][3][heads][hd], or NULL */
  int8_t *q8, *k8;      /* pass 1: [len][heads·hd] */
  float *qs, *ks;       /* pass 1: [heads][len] */
  uint32_t *amax;       /* pass 1: [len][heads] V's maxima */
  const float *v;       /* pass 2: V of token 0, head 0 */
  ptrdiff_t v_stride;   /* floats from one token's V to the next */
  const float *v_scale; /* [heads] */
  int8_t *v8;           /* [len][heads·hd] */
} qkv_job;

static void qkv_task(void *ctx, int col, int i0, int i1, int thread) {
  (void)col, (void)thread;
  const qkv_job *j = ctx;
  const wk_quant_kernel *kern = j->kern;
  const int H = j->heads, hd = j->hd;
  const size_t w = (size_t)H * hd;
  for (int i = i0; i < i1; i++) {
    if (j->f) { /* pass 1: Q, K and V's maxima */
      const float *fi = j->f + (size_t)i * 3 * w; /* [3][heads][hd] */
      for (int h = 0; h < H; h++) {
        const size_t o = (size_t)i * w + (size_t)h * hd, si = (size_t)h * j->len + i;
        if (!wk_quant_row(kern, fi + (size_t)h * hd, hd, j->q8 + o, &j->qs[si])) j->qs[si] = NAN;
        if (!wk_quant_row(kern, fi + w + (size_t)h * hd, hd, j->k8 + o, &j->ks[si]))
          j->ks[si] = NAN;
        j->amax[(size_t)i * H + h] = kern->amax_bits(fi + 2 * w + (size_t)h * hd, hd);
      }
      continue;
    }
    for (int h = 0; h < H; h++) /* pass 2: V */
      kern->quantize(j->v + i * j->v_stride + (ptrdiff_t)h * hd, hd, j->v_scale[h],
                     j->v8 + (size_t)i * w + (size_t)h * hd);
  }
}

/* The checks, V's scales, then V quantized (j: pass 2's fields). */
static wk_status qkv_end(wk_context *ctx, qkv_job *j, const float *qs, const float *ks,
                         const uint32_t *amax, float *v_scale) {
  const int heads = j->heads, len = j->len;
  for (size_t i = 0; i < (size_t)heads * len; i++)
    if (isnan(qs[i]) || isnan(ks[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize qkv: %s of token %d, head %d holds NaN or infinity",
                      isnan(qs[i]) ? "Q" : "K", (int)(i % (size_t)len), (int)(i / (size_t)len));
  for (int h = 0; h < heads; h++) {
    uint32_t m = 0;
    for (int i = 0; i < len; i++) {
      const uint32_t b = amax[(size_t)i * heads + h];
      m = b > m ? b : m;
    }
    if (m >= WK_F32_NONFINITE_BITS)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize qkv: V of head %d holds NaN or infinity", h);
    v_scale[h] = wk_quantize_scale(m);
  }
  j->f = NULL;
  j->v_scale = v_scale;
  wk_threadpool_run_rows(ctx->pool, 1, len, QKV_ROWS_PER_TASK, qkv_task, j);
  return WK_STATUS_OK;
}

static wk_status qkv_check(wk_context *ctx, int len, int heads, int hd) {
  if (!ctx) return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: NULL argument");
  if (len < 1 || len > QKV_MAX_LEN || heads < 1 || heads > 65536 || hd < 1 || hd > 65536)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: len=%d heads=%d hd=%d", len,
                    heads, hd);
  return WK_STATUS_OK;
}

size_t wk_quantize_qkv_workspace_size(int len, int heads) {
  if (len < 1 || len > QKV_MAX_LEN || heads < 1 || heads > 65536) return 0;
  return (size_t)len * (size_t)heads * sizeof(uint32_t);
}

wk_status wk_qkv_finish(wk_context *ctx, int len, int heads, int hd, const float *qs,
                        const float *ks, const uint32_t *amax, const float *v_f32, int8_t *v8,
                        float *v_scale) {
  wk_status st = qkv_check(ctx, len, heads, hd);
  if (st) return st;
  if (!qs || !ks || !amax || !v_f32 || !v8 || !v_scale)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: NULL argument");
  qkv_job j = {.kern = ctx->k->quant, .len = len, .heads = heads, .hd = hd, .v = v_f32,
               .v_stride = (ptrdiff_t)heads * hd, .v8 = v8};
  return qkv_end(ctx, &j, qs, ks, amax, v_scale);
}

wk_status wk_quantize_qkv(wk_context *ctx, const float *f, int len, int heads, int hd,
                          int8_t *q8, int8_t *k8, int8_t *v8, float *qs, float *ks,
                          float *v_scale, void *work, size_t work_size) {
  wk_status st = qkv_check(ctx, len, heads, hd);
  if (st) return st;
  if (!f || !q8 || !k8 || !v8 || !qs || !ks || !v_scale || !work)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: NULL argument");
  const size_t need = wk_quantize_qkv_workspace_size(len, heads);
  if (work_size < need)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: workspace %zu < %zu bytes",
                    work_size, need);
  const size_t w = (size_t)heads * hd;
  qkv_job j = {.kern = ctx->k->quant, .len = len, .heads = heads, .hd = hd, .f = f, .q8 = q8,
               .k8 = k8, .qs = qs, .ks = ks, .amax = work, .v = f + 2 * w,
               .v_stride = (ptrdiff_t)(3 * w), .v8 = v8};
  wk_threadpool_run_rows(ctx->pool, 1, len, QKV_ROWS_PER_TASK, qkv_task, &j);
  return qkv_end(ctx, &j, qs, ks, j.amax, v_scale);
}

/* ── weights ─────────────────────────────────────────────────────────────── */

#define WEIGHT_ROWS_PER_TASK 64

typedef struct weights_job {
  const wk_quant_kernel *kern; /* the context's (or the scalar) quantizer: the same rule */
  const float *w;
  ptrdiff_t w_stride;
  int n, k;
  const float *col;
  float *tmp;   /* [threads][k]: a row times col */
  int8_t *q;
  float *scale;
  int *bad;     /* [tasks]: the task's first row holding NaN or ±∞, or −1 */
} weights_job;

static void weights_task(void *ctx, size_t task, int thread) {
  const weights_job *j = ctx;
  const int j0 = (int)task * WEIGHT_ROWS_PER_TASK;
  const int j1 = j->n - j0 < WEIGHT_ROWS_PER_TASK ? j->n : j0 + WEIGHT_ROWS_PER_TASK;
  const int k = j->k;
  float *u = j->col ? j->tmp + (size_t)thread * k : NULL;
  j->bad[task] = -1;
  for (int r = j0; r < j1; r++) {
    const float *wr = j->w + (ptrdiff_t)r * j->w_stride; /* [k] */
    if (u)
      for (int c = 0; c < k; c++) u[c] = wr[c] * j->col[c];
    if (!wk_quant_row(j->kern, u ? u : wr, k, j->q + (size_t)r * k, &j->scale[r])) {
      j->bad[task] = r;
      return;
    }
  }
}

wk_status wk_quantize_weights(wk_context *ctx, const float *w, ptrdiff_t w_stride, int n, int k,
                              const float *col, int8_t *q, float *scale) {
  if (!w || !q || !scale)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize weights: NULL argument");
  if (n < 1 || k < 1 || w_stride < (n > 1 ? k : 0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize weights: n=%d k=%d w_stride=%td", n,
                    k, w_stride);
  const size_t tasks = ((size_t)n + WEIGHT_ROWS_PER_TASK - 1) / WEIGHT_ROWS_PER_TASK;
  const int threads = ctx ? wk_threadpool_size(ctx->pool) : 1;
  int *bad = wk_alloc_array(tasks, sizeof(int));
  float *tmp = col ? wk_alloc_array((size_t)threads * (size_t)k, sizeof(float)) : NULL;
  if (!bad || (col && !tmp)) {
    wk_free(bad), wk_free(tmp);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "quantize weights: out of memory");
  }
  weights_job job = {ctx ? ctx->k->quant : &wk_quant_kernel_scalar, w, w_stride, n, k, col, tmp,
                     q, scale, bad};
  if (ctx)
    wk_threadpool_run(ctx->pool, tasks, weights_task, &job);
  else
    for (size_t t = 0; t < tasks; t++) weights_task(&job, t, 0);
  int row = -1;
  for (size_t t = 0; t < tasks && row < 0; t++) row = bad[t];
  wk_free(bad), wk_free(tmp);
  if (row >= 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize weights: row %d holds NaN or infinity",
                    row);
  return WK_STATUS_OK;
}
