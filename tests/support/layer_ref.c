/* layer_ref.c — the FP64 reference of one Whisper encoder layer (layer_ref.h). */
#include <math.h>

#include "layer_ref.h"
#include "ref_util.h"
#include "runtime/runtime.h"

#define WK_LAYER_MAX_LEN 65536

/* Whisper's ResidualAttentionBlock in double: float weights and inputs, double everything
 * else, the output rounded to float once.  Three parallel stages: LN1 of every token; K and V
 * of every token; then each requested output row end to end. */

typedef struct ref_job {
  const wk_layer_f32 *w;
  const float *x;    /* [len][d] */
  int len;
  const int *rows;   /* [n_rows] or NULL: all */
  float *y;          /* [n_rows][d] */
  double *h;         /* [len][d] ln1(x) */
  double *k, *v;     /* [len][d] keys (× hd^-0.25), values */
  double *scratch;   /* [threads][scratch_per] */
  size_t scratch_per;
  int stage;
} ref_job;

static void ref_task(void *ctx, size_t task, int thread) {
  ref_job *j = ctx;
  const wk_layer_f32 *w = j->w;
  const int d = w->d, F = w->ffn, H = w->heads, hd = d / H;
  const double c = pow((double)hd, -0.25); /* Whisper: q·c and k·c */
  double *t = j->scratch + (size_t)thread * j->scratch_per;
  if (j->stage == 0) { /* LN1 of token `task` */
    for (int i = 0; i < d; i++) t[i] = j->x[task * d + i];
    wk_ref_layernorm(t, d, w->ln1_g, w->ln1_b, j->h + task * d);
    return;
  }
  if (j->stage == 1) { /* K, V of token `task` */
    const double *h = j->h + task * d;
    for (int o = 0; o < d; o++) {
      j->k[task * d + o] = wk_ref_dot_fd(w->wk + (size_t)o * d, h, d) * c;
      j->v[task * d + o] = wk_ref_dot_fd(w->wv + (size_t)o * d, h, d) + w->bv[o];
    }
    return;
  }
  /* one output row: scratch q [d], p [len], a [d], x1 [d], h2 [d], f [F] */
  const int r = j->rows ? j->rows[task] : (int)task;
  double *q = t, *p = q + d, *a = p + j->len, *x1 = a + d, *h2 = x1 + d, *f = h2 + d;
  const double *h = j->h + (size_t)r * d;
  for (int o = 0; o < d; o++) q[o] = (wk_ref_dot_fd(w->wq + (size_t)o * d, h, d) + w->bq[o]) * c;
  for (int hh = 0; hh < H; hh++) {
    double mx = -INFINITY, sum = 0;
    for (int jj = 0; jj < j->len; jj++) {
      const double *kj = j->k + (size_t)jj * d + hh * hd;
      double s = 0;
      for (int e = 0; e < hd; e++) s += q[hh * hd + e] * kj[e];
      p[jj] = s;
      mx = s > mx ? s : mx;
    }
    for (int jj = 0; jj < j->len; jj++) sum += (p[jj] = exp(p[jj] - mx));
    for (int e = 0; e < hd; e++) a[hh * hd + e] = 0;
    for (int jj = 0; jj < j->len; jj++) {
      const double pj = p[jj] / sum, *vj = j->v + (size_t)jj * d + hh * hd;
      for (int e = 0; e < hd; e++) a[hh * hd + e] += pj * vj[e];
    }
  }
  for (int o = 0; o < d; o++) {
    double s = 0;
    const float *wo = w->wo + (size_t)o * d;
    for (int i = 0; i < d; i++) s += (double)wo[i] * a[i];
    x1[o] = (double)j->x[(size_t)r * d + o] + s + w->bo[o];
  }
  wk_ref_layernorm(x1, d, w->ln2_g, w->ln2_b, h2);
  for (int o = 0; o < F; o++) {
    const double u = wk_ref_dot_fd(w->w1 + (size_t)o * d, h2, d) + w->b1[o];
    f[o] = wk_ref_gelu(u);
  }
  for (int o = 0; o < d; o++)
    j->y[task * d + o] = (float)(x1[o] + wk_ref_dot_fd(w->w2 + (size_t)o * F, f, F) + w->b2[o]);
}

wk_status wk_layer_forward_ref(wk_context *ctx, const wk_layer_f32 *w, const float *x, int len,
                               const int *rows, int n_rows, float *y) {
  if (!ctx || !x || !y) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer ref: NULL argument");
  wk_status st = wk_layer_f32_check(w);
  if (st) return st;
  if (len < 1 || len > WK_LAYER_MAX_LEN || (rows && n_rows < 1))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer ref: len %d, n_rows %d", len, n_rows);
  if (!rows) n_rows = len;
  for (int i = 0; rows && i < n_rows; i++)
    if (rows[i] < 0 || rows[i] >= len)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer ref: row %d out of range", rows[i]);
  const size_t n = (size_t)len * w->d;
  ref_job j = {.w = w, .x = x, .len = len, .rows = rows, .y = y};
  j.scratch_per = (size_t)4 * w->d + (size_t)len + (size_t)w->ffn;
  j.h = wk_alloc_array(n, sizeof(double));
  j.k = wk_alloc_array(n, sizeof(double));
  j.v = wk_alloc_array(n, sizeof(double));
  j.scratch = wk_alloc_array((size_t)wk_threadpool_size(ctx->pool) * j.scratch_per,
                             sizeof(double));
  if (j.h && j.k && j.v && j.scratch) {
    for (j.stage = 0; j.stage < 3; j.stage++)
      wk_threadpool_run(ctx->pool, j.stage < 2 ? (size_t)len : (size_t)n_rows, ref_task, &j);
  } else {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "layer ref: out of memory");
  }
  wk_free(j.h), wk_free(j.k), wk_free(j.v), wk_free(j.scratch);
  return st;
}
