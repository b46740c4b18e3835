/* layer.c — one Whisper encoder layer, INT8, on whisk's kernels (layer.h has the math and the
 * conventions).  The layer owns only its packed weights; every run carves its buffers from a
 * caller-owned workspace, so one layer serves several threads at once. */
#include <math.h>
#include <string.h>

#include "gemm/gemm.h"
#include "model/layer.h"
#include "model/workspace.h"
#include "norm/norm.h"
#include "quant/quant.h"
#include "runtime/runtime.h"

#define WK_LAYER_MAX_LEN 65536

struct wk_layer {
  int d, heads, ffn, hd;
  float *ln1_g, *ln1_b, *ln2_g, *ln2_b; /* [d] each, smoothing folded in */
  wk_gemm_weights *qkv;                 /* n = 3d (q ‖ k ‖ v), k = d; bias bq ‖ 0 ‖ bv */
  wk_gemm_weights *out;                 /* n = d, k = d */
  wk_gemm_weights *fc1;                 /* n = ffn, k = d, GELU in the epilogue */
  wk_gemm_weights *fc2;                 /* n = d, k = ffn */
};

/* ── weights ─────────────────────────────────────────────────────────────── */

/* Quantizes (per output channel, quant.h) the row blocks of one or more fp32 matrices
 * [ns[p]][k] stacked along n and packs them.  A NaN or ±∞ weight is an error naming `what`
 * (the quantizer finds it: no separate pass over the weights). */
static wk_status pack_linear(wk_context *ctx, const char *what, const float *const *ws,
                             const int *ns, int parts, int k, const float *col, const float *bias,
                             wk_gemm_weights **out) {
  int n = 0;
  for (int p = 0; p < parts; p++) n += ns[p];
  int8_t *q = wk_alloc((size_t)n * k);                 /* [n][k] */
  float *s = wk_alloc_array((size_t)n, sizeof(float)); /* [n] */
  wk_status st = q && s ? WK_STATUS_OK : wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory");
  for (int p = 0, j = 0; !st && p < parts; j += ns[p], p++)
    st = wk_quantize_weights(ctx, ws[p], k, ns[p], k, col, q + (size_t)j * k, s + j);
  if (st) wk_error(st, "layer: %s weights: %s", what, wk_last_error());
  if (!st) st = wk_gemm_weights_create(ctx, q, k, s, bias, n, k, out);
  wk_free(q), wk_free(s);
  return st;
}

void wk_layer_free(wk_layer *l) {
  if (!l) return;
  wk_free(l->ln1_g), wk_free(l->ln1_b), wk_free(l->ln2_g), wk_free(l->ln2_b);
  wk_gemm_weights_free(l->qkv), wk_gemm_weights_free(l->out);
  wk_gemm_weights_free(l->fc1), wk_gemm_weights_free(l->fc2);
  wk_free(l);
}

wk_status wk_layer_f32_check(const wk_layer_f32 *w) {
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
  return WK_STATUS_OK; /* NaN or ±∞ in a weight matrix: found as it is quantized */
}

wk_status wk_layer_create(wk_context *ctx, const wk_layer_f32 *w, const wk_layer_smoothing *sm,
                          wk_layer **out) {
  if (!ctx || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: NULL argument");
  *out = NULL;
  wk_status st = wk_layer_f32_check(w);
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
  st = pack_linear(ctx, "q/k/v", qkv, nqkv, 3, d, s1, bqkv, &l->qkv);
  if (!st) st = pack_linear(ctx, "out", &w->wo, nd, 1, d, NULL, w->bo, &l->out);
  if (!st) st = pack_linear(ctx, "fc1", &w->w1, nf, 1, d, s2, w->b1, &l->fc1);
  if (!st) st = pack_linear(ctx, "fc2", &w->w2, nd, 1, w->ffn, NULL, w->b2, &l->fc2);
  wk_free(bqkv);
  if (st) {
    wk_layer_free(l);
    return st;
  }
  *out = l;
  return WK_STATUS_OK;
}

/* ── the workspace ───────────────────────────────────────────────────────── */

typedef struct layer_bufs {
  int8_t *a8;      /* [len][ffn] int8 GEMM input (LN1, attention out, fc1 out) */
  float *a_scale;  /* [len] its per-token scales */
  float *f;        /* [len][d] V in fp32 (the QKV GEMM quantizes Q and K as it goes); then
                    * the attention output (V is quantized into v8 by then) */
  int8_t *qk8;     /* [len][2d] token-major: Q at columns [0, d), K at [d, 2d), head h at
                    * h·hd of each */
  int8_t *v8;      /* [len][d] (then LN2's int8 output: fc1 reads it; measured on Zen 5, the
                    * next layer's V quantization writes it 30 % faster than a cold buffer) */
  float *qs, *ks;  /* [heads][len] per token·head scales, ks = qs + heads·len (qs[0..len) then
                    * holds LN2's per-token scales) */
  float *v_scale;  /* [heads] */
  uint32_t *v_amax; /* [len][heads] V's magnitude maxima (float bits) */
  void *attn_work; /* wk_attention_ex's */
  size_t attn_work_size;
} layer_bufs;

/* Lays the buffers out in w (sizing only when w->base is NULL).  0 on bad sizes. */
static int layer_layout(const wk_context *ctx, const wk_layer *l, int len, wk_ws *w,
                        layer_bufs *b) {
  const size_t n = (size_t)len, d = (size_t)l->d, H = (size_t)l->heads;
  b->attn_work_size = wk_attention_workspace_size(ctx, l->heads, len, len, l->hd);
  if (!b->attn_work_size) return 0;
  b->a8 = wk_ws_take(w, n * (size_t)l->ffn);
  b->a_scale = wk_ws_take(w, n * sizeof(float));
  b->f = wk_ws_take(w, n * d * sizeof(float));
  b->qk8 = wk_ws_take(w, n * 2 * d), b->v8 = wk_ws_take(w, n * d);
  b->qs = wk_ws_take(w, 2 * H * n * sizeof(float));
  b->ks = b->qs ? b->qs + H * n : NULL;
  b->v_scale = wk_ws_take(w, H * sizeof(float));
  b->v_amax = wk_ws_take(w, n * H * sizeof(uint32_t));
  b->attn_work = wk_ws_take(w, b->attn_work_size);
  return 1;
}

static wk_status check_len(const wk_layer *l, int len) {
  if (len < 1 || len > WK_LAYER_MAX_LEN)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: len %d (expected 1..%d)", len,
                    WK_LAYER_MAX_LEN);
  (void)l;
  return WK_STATUS_OK;
}

size_t wk_layer_workspace_size(const wk_context *ctx, const wk_layer *l, int len) {
  if (!ctx || !l) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "layer workspace: NULL argument");
    return 0;
  }
  if (check_len(l, len)) return 0;
  wk_ws w = wk_ws_begin(NULL);
  layer_bufs b;
  if (!layer_layout(ctx, l, len, &w, &b)) return 0;
  return wk_ws_total(&w);
}

/* ── INT8 forward ────────────────────────────────────────────────────────── */

#define STAGE(field, call)                                                                     \
  do {                                                                                         \
    double t_ = wk_now();                                                                      \
    wk_status s_ = (call);                                                                     \
    if (prof) prof->field += wk_now() - t_;                                                    \
    if (s_) return s_;                                                                         \
  } while (0)

static wk_status run_layer(wk_context *ctx, const wk_layer *l, const float *x, int len, float *y,
                           const layer_bufs *b, wk_layer_profile *prof) {
  const int d = l->d, hd = l->hd, H = l->heads, F = l->ffn;
  /* 1. LN1 + per-token quantization → a8 [len][d] */
  STAGE(norm, wk_layernorm_quantize_rows(ctx, x, d, len, d, l->ln1_g, l->ln1_b, b->a8, d,
                                         b->a_scale));
  /* 2. QKV projection (q ‖ k ‖ v per token) with its per-group output (gemm.h): Q and K
   * quantized per token and head as they are computed ([heads][len] scales); V kept in f
   * [len][d] fp32, with its maxima per token·head, until its per-head scale is known; then
   * quantized (quant.h, wk_qkv_finish) */
  wk_gemm_args g = {.m = len, .a = b->a8, .a_stride = d, .a_scale = b->a_scale,
                    .group_cols = hd, .groups_q = 2 * H, .out = b->f, .out_stride = d,
                    .groups = {.q = b->qk8, .q_stride = 2 * d, .scale = b->qs,
                               .scale_stride = len, .amax = b->v_amax, .amax_stride = H}};
  STAGE(gemm, wk_gemm_run(ctx, l->qkv, &g));
  STAGE(quant, wk_qkv_finish(ctx, len, H, hd, b->qs, b->ks, b->v_amax, b->f, b->v8,
                             b->v_scale));
  /* 4. attention, all heads in one call (heads × 16-row tasks; V scaled per head) → att
   * [len][d] fp32 in f's memory */
  float *att = b->f;
  wk_attention_params p = {
      .heads = H, .lq = len, .lk = len, .head_dim = hd,
      .q = {.data = b->qk8, .row_stride = 2 * d, .head_stride = hd, .token_scale = b->qs,
            .token_scale_head_stride = len},
      .k = {.data = b->qk8 + d, .row_stride = 2 * d, .head_stride = hd, .token_scale = b->ks,
            .token_scale_head_stride = len},
      .v = {.data = b->v8, .row_stride = d, .head_stride = hd, .head_scale = b->v_scale},
      .softmax_scale = (float)(1.0 / sqrt((double)hd)), /* = hd^-0.25 on q and on k */
      .out_type = WK_DTYPE_F32, .out = att, .out_row_stride = d, .out_head_stride = hd,
      .out_scale = 1.0f};
  STAGE(attention, wk_attention_ex(ctx, &p, b->attn_work, b->attn_work_size));
  /* 5. attention out → int8 per token; out-projection + bias + residual: y = x + … */
  STAGE(quant, wk_quantize_rows(ctx, att, d, len, d, b->a8, d, b->a_scale));
  g = (wk_gemm_args){.m = len, .a = b->a8, .a_stride = d, .a_scale = b->a_scale,
                     .residual = x, .residual_stride = d, .out = y, .out_stride = d};
  STAGE(gemm, wk_gemm_run(ctx, l->out, &g));
  /* 6. LN2 + quantization → v8, qs (free after attention); fc1 + bias + GELU, requantized
   * per token in the GEMM → a8 [len][F], a_scale; fc2 + bias, y += … */
  STAGE(norm, wk_layernorm_quantize_rows(ctx, y, d, len, d, l->ln2_g, l->ln2_b, b->v8, d,
                                         b->qs));
  g = (wk_gemm_args){.m = len, .a = b->v8, .a_stride = d, .a_scale = b->qs, .gelu = 1,
                     .out_q = b->a8, .out_q_stride = F, .out_q_scale = b->a_scale};
  STAGE(gemm, wk_gemm_run(ctx, l->fc1, &g));
  g = (wk_gemm_args){.m = len, .a = b->a8, .a_stride = F, .a_scale = b->a_scale,
                     .residual = y, .residual_stride = d, .out = y, .out_stride = d};
  STAGE(gemm, wk_gemm_run(ctx, l->fc2, &g));
  return WK_STATUS_OK;
}

wk_status wk_layer_run(wk_context *ctx, const wk_layer *l, const float *x, int len, float *y,
                       void *workspace, size_t workspace_size, wk_layer_profile *prof) {
  const double t0 = wk_now();
  if (!ctx || !l || !x || !y) return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: NULL argument");
  wk_status st = check_len(l, len);
  if (st) return st;
  const size_t n = (size_t)len * l->d;
  if (y != x && (uintptr_t)y < (uintptr_t)(x + n) && (uintptr_t)x < (uintptr_t)(y + n))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "layer: y overlaps x");
  const size_t need = wk_layer_workspace_size(ctx, l, len);
  if (!need) return WK_STATUS_INVALID_ARGUMENT; /* the message is set */
  void *owned = NULL;
  if (!workspace) {
    workspace = owned = wk_alloc(need);
    workspace_size = need;
    if (!owned) return wk_error(WK_STATUS_OUT_OF_MEMORY, "layer: out of memory (len %d)", len);
  }
  if (workspace_size < need) {
    st = wk_error(WK_STATUS_INVALID_ARGUMENT,
                  "layer: workspace of %zu bytes, %zu needed (wk_layer_workspace_size)",
                  workspace_size, need);
  } else {
    wk_ws w = wk_ws_begin(workspace);
    layer_bufs b;
    layer_layout(ctx, l, len, &w, &b);
    st = run_layer(ctx, l, x, len, y, &b, prof);
  }
  wk_free(owned);
  if (prof) prof->total += wk_now() - t0;
  return st;
}
