/* quant.c — the quantization operators (quant.h): argument checks, (row block) tasks on the
 * context's thread pool, the microkernels of quant-internal.h. */
#include "quant/quant.h"
#include "common/checks.h"
#include "quant/quant-internal.h"

/* ── per-token rows ──────────────────────────────────────────────────────── */

#define QUANT_ROWS_PER_TASK 16

typedef struct rows_job {
  const wk_quant_kernel *kern;
  const float *x; /* [m][k], stride x_stride */
  ptrdiff_t x_stride;
  int m, k;
  int8_t *q;      /* [m][k], stride q_stride */
  ptrdiff_t q_stride;
  float *scale;   /* [m] */
} rows_job;

static void rows_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const rows_job *j = ctx;
  const int i0 = (int)task * QUANT_ROWS_PER_TASK;
  const int i1 = j->m - i0 < QUANT_ROWS_PER_TASK ? j->m : i0 + QUANT_ROWS_PER_TASK;
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
  wk_threadpool_run(ctx->pool, ((size_t)m + QUANT_ROWS_PER_TASK - 1) / QUANT_ROWS_PER_TASK,
                    rows_task, &job);
  for (int i = 0; i < m; i++)
    if (isnan(scale[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize: row %d holds NaN or infinity (q and scale are unspecified)",
                      i);
  return WK_STATUS_OK;
}

/* ── Q, K, V for attention ───────────────────────────────────────────────────
 * Two parallel passes over blocks of QKV_ROWS_PER_TASK tokens: (1) Q and K quantized per
 * token·head, V's per-block magnitude maxima per head (as bits); the maxima are reduced into
 * v_scale; (2) V quantized with its head's scale.  Fixed blocks: the bytes do not depend on
 * the thread count (a max is order-free anyway). */
#define QKV_ROWS_PER_TASK 32
#define QKV_MAX_LEN (1 << 24)

static size_t qkv_tasks(int len) {
  return ((size_t)len + QKV_ROWS_PER_TASK - 1) / QKV_ROWS_PER_TASK;
}

size_t wk_quantize_qkv_workspace_size(int len, int heads) {
  if (len < 1 || len > QKV_MAX_LEN || heads < 1 || heads > 65536) return 0;
  return qkv_tasks(len) * (size_t)heads * sizeof(uint32_t);
}

typedef struct qkv_job {
  const wk_quant_kernel *kern;
  const float *f;     /* [len][3·heads·hd] */
  int len, heads, hd;
  int8_t *q8, *k8, *v8; /* [len][heads·hd] */
  float *qs, *ks;     /* [heads][len]; NaN marks a non-finite slice */
  uint32_t *amax;     /* [tasks][heads] pass 1 */
  const float *v_scale; /* [heads] pass 2 (NULL during pass 1) */
} qkv_job;

static void qkv_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const qkv_job *j = ctx;
  const int i0 = (int)task * QKV_ROWS_PER_TASK;
  const int i1 = i0 + QKV_ROWS_PER_TASK < j->len ? i0 + QKV_ROWS_PER_TASK : j->len;
  const int H = j->heads, hd = j->hd;
  const size_t w = (size_t)H * hd;
  if (!j->v_scale) { /* pass 1 */
    uint32_t *m = j->amax + task * (size_t)H; /* [heads] */
    for (int h = 0; h < H; h++) m[h] = 0;
    for (int i = i0; i < i1; i++) {
      const float *fi = j->f + (size_t)i * 3 * w; /* [3][heads][hd] */
      for (int h = 0; h < H; h++) {
        const size_t o = (size_t)i * w + (size_t)h * hd, si = (size_t)h * j->len + i;
        if (!wk_quant_row(j->kern, fi + (size_t)h * hd, hd, j->q8 + o, &j->qs[si]))
          j->qs[si] = NAN;
        if (!wk_quant_row(j->kern, fi + w + (size_t)h * hd, hd, j->k8 + o, &j->ks[si]))
          j->ks[si] = NAN;
        const uint32_t b = j->kern->amax_bits(fi + 2 * w + (size_t)h * hd, hd);
        m[h] = b > m[h] ? b : m[h];
      }
    }
    return;
  }
  for (int i = i0; i < i1; i++) /* pass 2 */
    for (int h = 0; h < H; h++)
      j->kern->quantize(j->f + (size_t)i * 3 * w + 2 * w + (size_t)h * hd, hd, j->v_scale[h],
                        j->v8 + (size_t)i * w + (size_t)h * hd);
}

wk_status wk_quantize_qkv(wk_context *ctx, const float *f, int len, int heads, int hd,
                          int8_t *q8, int8_t *k8, int8_t *v8, float *qs, float *ks,
                          float *v_scale, void *work, size_t work_size) {
  if (!ctx || !f || !q8 || !k8 || !v8 || !qs || !ks || !v_scale || !work)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: NULL argument");
  const size_t need = wk_quantize_qkv_workspace_size(len, heads);
  if (!need || hd < 1 || hd > 65536)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: len=%d heads=%d hd=%d", len,
                    heads, hd);
  if (work_size < need)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize qkv: workspace %zu < %zu bytes",
                    work_size, need);
  const size_t tasks = qkv_tasks(len);
  qkv_job j = {.kern = ctx->k->quant, .f = f, .len = len, .heads = heads, .hd = hd, .q8 = q8,
               .k8 = k8, .v8 = v8, .qs = qs, .ks = ks, .amax = work};
  wk_threadpool_run(ctx->pool, tasks, qkv_task, &j);
  for (size_t i = 0; i < (size_t)heads * len; i++)
    if (isnan(qs[i]) || isnan(ks[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize qkv: %s of token %d, head %d holds NaN or infinity",
                      isnan(qs[i]) ? "Q" : "K", (int)(i % (size_t)len), (int)(i / (size_t)len));
  for (int h = 0; h < heads; h++) {
    uint32_t m = 0;
    for (size_t t = 0; t < tasks; t++) m = j.amax[t * heads + h] > m ? j.amax[t * heads + h] : m;
    if (m >= WK_F32_NONFINITE_BITS)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize qkv: V of head %d holds NaN or infinity", h);
    v_scale[h] = wk_quantize_scale(m);
  }
  j.v_scale = v_scale;
  wk_threadpool_run(ctx->pool, tasks, qkv_task, &j);
  return WK_STATUS_OK;
}

/* ── weights ─────────────────────────────────────────────────────────────── */

wk_status wk_quantize_weights(const float *w, ptrdiff_t w_stride, int n, int k, const float *col,
                              int8_t *q, float *scale) {
  if (!w || !q || !scale)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize weights: NULL argument");
  if (n < 1 || k < 1 || w_stride < (n > 1 ? k : 0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "quantize weights: n=%d k=%d w_stride=%td", n,
                    k, w_stride);
  for (int j = 0; j < n; j++) {
    const float *wj = w + (ptrdiff_t)j * w_stride; /* [k] */
    int8_t *qj = q + (size_t)j * k;                /* [k] */
    uint32_t amax = 0;
    for (int c = 0; c < k; c++) {
      const uint32_t b = wk_f32_abs_bits(col ? wj[c] * col[c] : wj[c]);
      amax = b > amax ? b : amax;
    }
    if (amax >= WK_F32_NONFINITE_BITS)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "quantize weights: row %d holds NaN or infinity", j);
    const float s = wk_quantize_scale(amax);
    for (int c = 0; c < k; c++) {
      const long v = lrintf((col ? wj[c] * col[c] : wj[c]) / s);
      qj[c] = (int8_t)(v > WK_Q8_MAX ? WK_Q8_MAX : v < -WK_Q8_MAX ? -WK_Q8_MAX : v);
    }
    scale[j] = s;
  }
  return WK_STATUS_OK;
}
