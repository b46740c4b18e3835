/* layer.c — one Whisper encoder layer: the INT8 forward on whisk's kernels and the FP32
 * reference (layer.h has the math and the conventions). */
#include <math.h>
#include <string.h>
#include <time.h>

#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "model/layer.h"
#include "norm/norm.h"

#define WK_LAYER_MAX_LEN 65536
#define WK_ATTENTION_MAX_HEADS_LAYER 256 /* heads a layer may have (v_scale on the stack) */

struct wk_layer {
  int d, heads, ffn, hd;
  float *ln1_g, *ln1_b, *ln2_g, *ln2_b; /* [d] each, smoothing folded in */
  wk_gemm_weights *qkv;                 /* n = 3d (q ‖ k ‖ v), k = d; bias bq ‖ 0 ‖ bv */
  wk_gemm_weights *out;                 /* n = d, k = d */
  wk_gemm_weights *fc1;                 /* n = ffn, k = d, GELU in the epilogue */
  wk_gemm_weights *fc2;                 /* n = d, k = ffn */
  /* scratch for wk_layer_run, sized for `cap` tokens */
  int cap;
  int8_t *a8;      /* [cap][ffn] int8 GEMM input (LN1, attention out, fc1 out) */
  float *a_scale;  /* [cap] its per-token scales */
  float *f;        /* [cap][3d] QKV output */
  int8_t *q8, *k8, *v8; /* [cap][d] token-major, head h at columns [h·hd, (h+1)·hd) */
  float *qs, *ks;  /* [heads][cap] per token·head scales (qs[0..cap) then holds LN2's per-token
                    * scales, with LN2's int8 output in q8: fc1 reads them and writes a8) */
  float *att;      /* [cap][d] attention output, token-major */
};

static int finite_array(const float *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(p[i])) return 0;
  return 1;
}

/* ── weights ─────────────────────────────────────────────────────────────── */

/* Per-output-channel symmetric int8 of w [n][k] (column c multiplied by col[c] first when col
 * is not NULL): scale[j] = max_c |w[j][c]·col[c]| / 127 (1 for an all-zero row),
 * q[j][c] = clamp(rint(w[j][c]·col[c] / scale[j]), ±127). */
static void quantize_weights(const float *w, int n, int k, const float *col, int8_t *q,
                             float *scale) {
  for (int j = 0; j < n; j++) {
    const float *wj = w + (size_t)j * k; /* [k] */
    float amax = 0;
    for (int c = 0; c < k; c++) amax = fmaxf(amax, fabsf(col ? wj[c] * col[c] : wj[c]));
    const float s = amax > 0 ? amax / 127.0f : 1.0f;
    for (int c = 0; c < k; c++) {
      long v = lrintf((col ? wj[c] * col[c] : wj[c]) / s);
      q[(size_t)j * k + c] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
    }
    scale[j] = s;
  }
}

/* Quantizes the row blocks [rows of w_i] of one or more fp32 matrices stacked along n and
 * packs them. */
static wk_status pack_linear(wk_context *ctx, const float *const *ws, const int *ns, int parts,
                             int k, const float *col, const float *bias, wk_gemm_weights **out) {
  int n = 0;
  for (int p = 0; p < parts; p++) n += ns[p];
  int8_t *q = wk_alloc((size_t)n * k);
  float *s = wk_alloc_array((size_t)n, sizeof(float));
  wk_status st = WK_STATUS_OUT_OF_MEMORY;
  if (q && s) {
    for (int p = 0, j = 0; p < parts; j += ns[p], p++)
      quantize_weights(ws[p], ns[p], k, col, q + (size_t)j * k, s + j);
    st = wk_gemm_weights_create(ctx, q, k, s, bias, n, k, out);
  } else {
    wk_error(st, "layer: out of memory");
  }
  wk_free(q), wk_free(s);
  return st;
}

void wk_layer_free(wk_layer *l) {
  if (!l) return;
  wk_free(l->ln1_g), wk_free(l->ln1_b), wk_free(l->ln2_g), wk_free(l->ln2_b);
  wk_gemm_weights_free(l->qkv), wk_gemm_weights_free(l->out);
  wk_gemm_weights_free(l->fc1), wk_gemm_weights_free(l->fc2);
  wk_free(l->a8), wk_free(l->a_scale), wk_free(l->f), wk_free(l->q8), wk_free(l->k8);
  wk_free(l->v8), wk_free(l->qs), wk_free(l->ks), wk_free(l->att);
  wk_free(l);
}

static wk_status check_weights(const wk_layer_f32 *w) {
  if (!w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: NULL weights");
  if (w->d < 16 || w->d > 16384 || w->heads < 1 || w->d % w->heads || w->ffn < 1 ||
      w->ffn > 65536)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: d=%d heads=%d ffn=%d", w->d, w->heads,
                    w->ffn);
  const int hd = w->d / w->heads;
  if (hd % 16 || hd < 16 || hd > 128)
    return wk_error(WK_STATUS_UNSUPPORTED, "layer: head_dim %d (expected a multiple of 16, "
                    "16..128)", hd);
  const float *p[] = {w->ln1_g, w->ln1_b, w->wq, w->bq, w->wk, w->wv, w->bv, w->wo, w->bo,
                      w->ln2_g, w->ln2_b, w->w1, w->b1, w->w2, w->b2};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
    if (!p[i]) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: weight %zu is NULL", i);
  const size_t dd = (size_t)w->d * w->d, df = (size_t)w->d * w->ffn;
  if (!finite_array(w->wq, dd) || !finite_array(w->wk, dd) || !finite_array(w->wv, dd) ||
      !finite_array(w->wo, dd) || !finite_array(w->w1, df) || !finite_array(w->w2, df))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: a weight matrix holds NaN or infinity");
  return WK_STATUS_OK;
}

wk_status wk_layer_create(wk_context *ctx, const wk_layer_f32 *w, const wk_layer_smoothing *sm,
                          wk_layer **out) {
  if (!ctx || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: NULL argument");
  *out = NULL;
  wk_status st = check_weights(w);
  if (st) return st;
  const int d = w->d;
  const float *s1 = sm ? sm->s1 : NULL, *s2 = sm ? sm->s2 : NULL;
  for (int c = 0; c < d; c++)
    if ((s1 && !(s1[c] > 0 && isfinite(s1[c]))) || (s2 && !(s2[c] > 0 && isfinite(s2[c]))))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: smoothing factor %d not finite > 0", c);
  wk_layer *l = wk_alloc(sizeof *l);
  if (!l) return wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory");
  memset(l, 0, sizeof *l);
  l->d = d, l->heads = w->heads, l->ffn = w->ffn, l->hd = d / w->heads;
  l->ln1_g = wk_alloc_array((size_t)d, sizeof(float));
  l->ln1_b = wk_alloc_array((size_t)d, sizeof(float));
  l->ln2_g = wk_alloc_array((size_t)d, sizeof(float));
  l->ln2_b = wk_alloc_array((size_t)d, sizeof(float));
  float *bqkv = wk_alloc_array((size_t)3 * d, sizeof(float)); /* [3d]: bq ‖ 0 ‖ bv */
  if (!l->ln1_g || !l->ln1_b || !l->ln2_g || !l->ln2_b || !bqkv) {
    wk_free(bqkv), wk_layer_free(l);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory");
  }
  /* smoothing: LN(x)·g/s + b/s feeds W·diag(s) — the same function */
  for (int c = 0; c < d; c++) {
    l->ln1_g[c] = s1 ? w->ln1_g[c] / s1[c] : w->ln1_g[c];
    l->ln1_b[c] = s1 ? w->ln1_b[c] / s1[c] : w->ln1_b[c];
    l->ln2_g[c] = s2 ? w->ln2_g[c] / s2[c] : w->ln2_g[c];
    l->ln2_b[c] = s2 ? w->ln2_b[c] / s2[c] : w->ln2_b[c];
    bqkv[c] = w->bq[c], bqkv[d + c] = 0.0f, bqkv[2 * d + c] = w->bv[c];
  }
  const float *qkv[3] = {w->wq, w->wk, w->wv};
  const int nqkv[3] = {d, d, d}, nd[1] = {d}, nf[1] = {w->ffn};
  st = pack_linear(ctx, qkv, nqkv, 3, d, s1, bqkv, &l->qkv);
  if (!st) st = pack_linear(ctx, &w->wo, nd, 1, d, NULL, w->bo, &l->out);
  if (!st) st = pack_linear(ctx, &w->w1, nf, 1, d, s2, w->b1, &l->fc1);
  if (!st) st = pack_linear(ctx, &w->w2, nd, 1, w->ffn, NULL, w->b2, &l->fc2);
  wk_free(bqkv);
  if (st) {
    wk_layer_free(l);
    return st;
  }
  *out = l;
  return WK_STATUS_OK;
}

/* ── INT8 forward ────────────────────────────────────────────────────────── */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static wk_status reserve(wk_layer *l, int len) {
  if (len <= l->cap) return WK_STATUS_OK;
  wk_free(l->a8), wk_free(l->a_scale), wk_free(l->f), wk_free(l->q8), wk_free(l->k8);
  wk_free(l->v8), wk_free(l->qs), wk_free(l->ks), wk_free(l->att);
  const size_t n = (size_t)len, d = (size_t)l->d;
  const size_t fw = (size_t)3 * l->d;
  l->a8 = wk_alloc(n * (size_t)l->ffn);
  l->a_scale = wk_alloc_array(n, sizeof(float));
  l->f = wk_alloc_array(n * fw, sizeof(float));
  l->q8 = wk_alloc(n * d), l->k8 = wk_alloc(n * d), l->v8 = wk_alloc(n * d);
  l->qs = wk_alloc_array(n * (size_t)l->heads, sizeof(float));
  l->ks = wk_alloc_array(n * (size_t)l->heads, sizeof(float));
  l->att = wk_alloc_array(n * d, sizeof(float));
  l->cap = len;
  if (!l->a8 || !l->a_scale || !l->f || !l->q8 || !l->k8 || !l->v8 || !l->qs || !l->ks ||
      !l->att) {
    l->cap = 0;
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory (len %d)", len);
  }
  return WK_STATUS_OK;
}

/* Q and K per token and head (scale [heads][len], the wk_quantize_rows rule on each hd-slice),
 * V per head per tensor (scale[h] = max |V[:, h]| / 127, V8 = clamp(rint(V / scale[h]), ±127))
 * from f [len][3d] = q ‖ k ‖ v.  Two parallel passes over token blocks: Q, K and V's per-block
 * magnitudes (as bits: uint32 order = |x| order), then V's quantization. */
#define QKV_ROWS_PER_TASK 32
typedef struct qkv_quant_job {
  const wk_gemm_kernel *kern;
  const float *f;     /* [len][3·heads·hd] */
  int len, heads, hd;
  int8_t *q8, *k8;    /* [len][heads·hd] */
  float *qs, *ks;     /* [heads][len]; NaN marks a non-finite slice */
  uint32_t *amax;     /* [tasks][heads] pass 1 */
  const float *scale; /* [heads] pass 2 (NULL during pass 1) */
  int8_t *v8;         /* [len][heads·hd] */
} qkv_quant_job;

static void qkv_quant_task(void *ctx, size_t task, int thread) {
  (void)thread;
  qkv_quant_job *j = ctx;
  const int i0 = (int)task * QKV_ROWS_PER_TASK;
  const int i1 = i0 + QKV_ROWS_PER_TASK < j->len ? i0 + QKV_ROWS_PER_TASK : j->len;
  const int w = j->heads * j->hd;
  if (!j->scale) /* pass 1: Q, K; V's magnitudes */
    for (int i = i0; i < i1; i++) {
      const float *fi = j->f + (size_t)i * 3 * w;
      for (int h = 0; h < j->heads; h++) {
        const size_t o = (size_t)i * w + (size_t)h * j->hd, si = (size_t)h * j->len + i;
        if (!j->kern->quantize_row(fi + h * j->hd, j->hd, j->q8 + o, &j->qs[si])) j->qs[si] = NAN;
        if (!j->kern->quantize_row(fi + w + h * j->hd, j->hd, j->k8 + o, &j->ks[si]))
          j->ks[si] = NAN;
      }
    }
  for (int h = 0; h < j->heads; h++) {
    uint32_t m = 0;
    for (int i = i0; i < i1; i++) {
      const float *v = j->f + (size_t)i * 3 * w + 2 * w + h * j->hd; /* [hd] */
      if (!j->scale) {
        for (int c = 0; c < j->hd; c++) {
          uint32_t b = wk_f32_abs_bits(v[c]);
          m = b > m ? b : m;
        }
      } else {
        int8_t *q = j->v8 + (size_t)i * w + h * j->hd; /* [hd] */
        for (int c = 0; c < j->hd; c++) {
          long r = lrintf(v[c] / j->scale[h]);
          q[c] = (int8_t)(r > WK_Q8_MAX ? WK_Q8_MAX : r < -WK_Q8_MAX ? -WK_Q8_MAX : r);
        }
      }
    }
    if (!j->scale) j->amax[task * j->heads + h] = m;
  }
}

static wk_status quantize_qkv(wk_context *ctx, wk_layer *l, int len, float *v_scale /* [heads] */) {
  const int H = l->heads;
  const size_t tasks = ((size_t)len + QKV_ROWS_PER_TASK - 1) / QKV_ROWS_PER_TASK;
  qkv_quant_job j = {.kern = ctx->k->gemm, .f = l->f, .len = len, .heads = H, .hd = l->hd,
                     .q8 = l->q8, .k8 = l->k8, .qs = l->qs, .ks = l->ks, .v8 = l->v8};
  j.amax = wk_alloc_array(tasks * (size_t)H, sizeof(uint32_t));
  if (!j.amax) return wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory");
  wk_threadpool_run(ctx->pool, tasks, qkv_quant_task, &j);
  for (size_t i = 0; i < (size_t)H * len; i++)
    if (isnan(l->qs[i]) || isnan(l->ks[i])) {
      wk_free(j.amax);
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "layer: %s of token %d, head %d holds NaN or infinity",
                      isnan(l->qs[i]) ? "Q" : "K", (int)(i % (size_t)len), (int)(i / (size_t)len));
    }
  for (int h = 0; h < H; h++) {
    uint32_t m = 0;
    for (size_t t = 0; t < tasks; t++) m = j.amax[t * H + h] > m ? j.amax[t * H + h] : m;
    if (m >= 0x7f800000u) {
      wk_free(j.amax);
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: V of head %d holds NaN or infinity", h);
    }
    v_scale[h] = wk_quantize_scale(m);
  }
  wk_free(j.amax);
  j.scale = v_scale;
  wk_threadpool_run(ctx->pool, tasks, qkv_quant_task, &j);
  return WK_STATUS_OK;
}

#define STAGE(field, call)                                                                     \
  do {                                                                                         \
    double t_ = now();                                                                         \
    wk_status s_ = (call);                                                                     \
    if (prof) prof->field += now() - t_;                                                       \
    if (s_) return s_;                                                                         \
  } while (0)

static wk_status run_layer(wk_context *ctx, wk_layer *l, const float *x, int len, float *y,
                           wk_layer_profile *prof) {
  const int d = l->d, hd = l->hd, H = l->heads, F = l->ffn;
  /* 1. LN1 + per-token quantization → a8 [len][d] */
  STAGE(norm, wk_layernorm_quantize_rows(ctx, x, d, len, d, l->ln1_g, l->ln1_b, l->a8, d,
                                         l->a_scale));
  /* 2. QKV projection → f [len][3d]: q ‖ k ‖ v per token */
  wk_gemm_args g = {.m = len, .a = l->a8, .a_stride = d, .a_scale = l->a_scale, .out = l->f,
                    .out_stride = 3 * d};
  STAGE(gemm, wk_gemm_run(ctx, l->qkv, &g));
  /* 3. Q and K per token and head (the attention API takes [heads][len] scales), V per head */
  float v_scale[WK_ATTENTION_MAX_HEADS_LAYER];
  STAGE(quant, quantize_qkv(ctx, l, len, v_scale));
  /* 4. attention, one call per head (V's scale is per call) → att [len][d] fp32 */
  for (int h = 0; h < H; h++) {
    wk_attention_params p = {
        .heads = 1, .lq = len, .lk = len, .head_dim = hd,
        .q = {l->q8 + h * hd, d, 0, 1.0f, l->qs + (size_t)h * len, 0},
        .k = {l->k8 + h * hd, d, 0, 1.0f, l->ks + (size_t)h * len, 0},
        .v = {l->v8 + h * hd, d, 0, v_scale[h], NULL, 0},
        .softmax_scale = (float)(1.0 / sqrt((double)hd)), /* = hd^-0.25 on q and on k */
        .out_type = WK_DTYPE_F32, .out = l->att + h * hd, .out_row_stride = d,
        .out_head_stride = 0, .out_scale = 1.0f};
    STAGE(attention, wk_attention(ctx, &p));
  }
  /* 5. attention out → int8 per token; out-projection + bias + residual: y = x + … */
  STAGE(quant, wk_quantize_rows(ctx, l->att, d, len, d, l->a8, d, l->a_scale));
  g = (wk_gemm_args){.m = len, .a = l->a8, .a_stride = d, .a_scale = l->a_scale,
                     .residual = x, .residual_stride = d, .out = y, .out_stride = d};
  STAGE(gemm, wk_gemm_run(ctx, l->out, &g));
  /* 6. LN2 + quantization → q8, qs (free after attention); fc1 + bias + GELU, requantized
   * per token in the GEMM → a8 [len][F], a_scale; fc2 + bias, y += … */
  STAGE(norm, wk_layernorm_quantize_rows(ctx, y, d, len, d, l->ln2_g, l->ln2_b, l->q8, d,
                                         l->qs));
  g = (wk_gemm_args){.m = len, .a = l->q8, .a_stride = d, .a_scale = l->qs, .gelu = 1,
                     .out_q = l->a8, .out_q_stride = F, .out_q_scale = l->a_scale};
  STAGE(gemm, wk_gemm_run(ctx, l->fc1, &g));
  g = (wk_gemm_args){.m = len, .a = l->a8, .a_stride = F, .a_scale = l->a_scale,
                     .residual = y, .residual_stride = d, .out = y, .out_stride = d};
  STAGE(gemm, wk_gemm_run(ctx, l->fc2, &g));
  return WK_STATUS_OK;
}

wk_status wk_layer_run(wk_context *ctx, wk_layer *l, const float *x, int len, float *y,
                       wk_layer_profile *prof) {
  const double t0 = now();
  if (!ctx || !l || !x || !y) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: NULL argument");
  if (len < 1 || len > WK_LAYER_MAX_LEN)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: len %d (expected 1..%d)", len,
                    WK_LAYER_MAX_LEN);
  if (l->heads > WK_ATTENTION_MAX_HEADS_LAYER)
    return wk_error(WK_STATUS_UNSUPPORTED, "layer: %d heads", l->heads);
  const size_t n = (size_t)len * l->d;
  if (y != x && (uintptr_t)y < (uintptr_t)(x + n) && (uintptr_t)x < (uintptr_t)(y + n))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: y overlaps x");
  wk_status st = reserve(l, len);
  if (!st) st = run_layer(ctx, l, x, len, y, prof);
  if (prof) prof->total += now() - t0;
  return st;
}

/* ── FP32 reference ──────────────────────────────────────────────────────────
 * Whisper's ResidualAttentionBlock in double: float weights and inputs, double everything
 * else, the output rounded to float once.  Three parallel stages: LN1 of every token; K and V
 * of every token; then each requested output row end to end. */

/* Σ w[i]·h[i] in double, four interleaved partial sums (a fixed order, and 4× the scalar
 * add throughput of one chain). */
static double dot_fd(const float *w, const double *h, int n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)w[i] * h[i];
    s1 += (double)w[i + 1] * h[i + 1];
    s2 += (double)w[i + 2] * h[i + 2];
    s3 += (double)w[i + 3] * h[i + 3];
  }
  for (; i < n; i++) s0 += (double)w[i] * h[i];
  return (s0 + s1) + (s2 + s3);
}

static void ln_ref(const double *x, int d, const float *g, const float *b, double *y) {
  double s = 0, ss = 0;
  for (int i = 0; i < d; i++) s += x[i];
  const double mean = s / d;
  for (int i = 0; i < d; i++) ss += (x[i] - mean) * (x[i] - mean);
  const double rstd = 1.0 / sqrt(ss / d + 1e-5);
  for (int i = 0; i < d; i++) y[i] = (x[i] - mean) * rstd * g[i] + b[i];
}

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
    ln_ref(t, d, w->ln1_g, w->ln1_b, j->h + task * d);
    return;
  }
  if (j->stage == 1) { /* K, V of token `task` */
    const double *h = j->h + task * d;
    for (int o = 0; o < d; o++) {
      j->k[task * d + o] = dot_fd(w->wk + (size_t)o * d, h, d) * c;
      j->v[task * d + o] = dot_fd(w->wv + (size_t)o * d, h, d) + w->bv[o];
    }
    return;
  }
  /* one output row: scratch q [d], p [len], a [d], x1 [d], h2 [d], f [F] */
  const int r = j->rows ? j->rows[task] : (int)task;
  double *q = t, *p = q + d, *a = p + j->len, *x1 = a + d, *h2 = x1 + d, *f = h2 + d;
  const double *h = j->h + (size_t)r * d;
  for (int o = 0; o < d; o++) q[o] = (dot_fd(w->wq + (size_t)o * d, h, d) + w->bq[o]) * c;
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
  ln_ref(x1, d, w->ln2_g, w->ln2_b, h2);
  for (int o = 0; o < F; o++) {
    const double u = dot_fd(w->w1 + (size_t)o * d, h2, d) + w->b1[o];
    f[o] = 0.5 * u * (1.0 + erf(u * 0.70710678118654752440)); /* GELU, erf form */
  }
  for (int o = 0; o < d; o++)
    j->y[task * d + o] = (float)(x1[o] + dot_fd(w->w2 + (size_t)o * F, f, F) + w->b2[o]);
}

wk_status wk_layer_forward_ref(wk_context *ctx, const wk_layer_f32 *w, const float *x, int len,
                               const int *rows, int n_rows, float *y) {
  if (!ctx || !x || !y) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer ref: NULL argument");
  wk_status st = check_weights(w);
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
