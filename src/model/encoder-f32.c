/* encoder-f32.c — the FP32 Whisper encoder: weights packed once (f32.h), then the stem, the
 * layers and ln_post as f32 GEMMs, f32 attention and the norm family's LayerNorm. */
#include <stdio.h>
#include <string.h>

#include "f32/f32.h"
#include "model/encoder-f32.h"
#include "norm/norm.h"
#include "runtime/runtime.h"

typedef struct layer_fp32 {
  int ffn;
  wk_f32_weights *qkv; /* [3d][d]: wq ‖ wk ‖ wv, bias bq ‖ 0 ‖ bv (one GEMM for q, k, v) */
  wk_f32_weights *out; /* [d][d], bo */
  wk_f32_weights *fc1; /* [ffn][d], b1 */
  wk_f32_weights *fc2; /* [d][ffn], b2 */
  float *ln;           /* [4][d]: ln1 g, ln1 b, ln2 g, ln2 b */
} layer_fp32;

struct wk_encoder_fp32 {
  int n_mels, n_ctx, d, heads, n_layer, ffn_max;
  wk_f32_weights *conv1; /* [d][3·n_mels], im2col tap-major: W[o][j·n_mels + i] = w[o][i][j] */
  wk_f32_weights *conv2; /* [d][3·d], the same order */
  float *pos;            /* [n_ctx][d] */
  float *ln_post;        /* [2][d]: g, b */
  layer_fp32 *layers;    /* [n_layer] */
};

void wk_encoder_fp32_free(wk_encoder_fp32 *e) {
  if (!e) return;
  wk_f32_weights_free(e->conv1);
  wk_f32_weights_free(e->conv2);
  wk_free(e->pos);
  wk_free(e->ln_post);
  for (int l = 0; e->layers && l < e->n_layer; l++) {
    wk_f32_weights_free(e->layers[l].qkv);
    wk_f32_weights_free(e->layers[l].out);
    wk_f32_weights_free(e->layers[l].fc1);
    wk_f32_weights_free(e->layers[l].fc2);
    wk_free(e->layers[l].ln);
  }
  wk_free(e->layers);
  wk_free(e);
}

/* A copy of n floats (NULL if out of memory, or with *bad set if any is not finite). */
static float *copy_finite(const float *src, size_t n, int *bad) {
  if (!wk_all_finite(src, n)) {
    *bad = 1;
    return NULL;
  }
  float *p = wk_alloc_array(n, sizeof(float));
  if (p) memcpy(p, src, n * sizeof(float));
  return p;
}

/* Conv weights [out][in][3] → the im2col GEMM's [out][3·in], tap-major, then packed. */
static wk_status pack_conv(wk_context *ctx, const float *w, const float *b, int c_out, int c_in,
                           wk_f32_weights **out) {
  const size_t kk = 3 * (size_t)c_in;
  float *r = wk_alloc_array((size_t)c_out * kk, sizeof(float)); /* [c_out][3·c_in] */
  if (!r) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder fp32: out of memory (conv)");
  for (int o = 0; o < c_out; o++)
    for (int i = 0; i < c_in; i++)
      for (int j = 0; j < 3; j++)
        r[o * kk + (size_t)j * c_in + i] = w[((size_t)o * c_in + i) * 3 + j];
  wk_status s = wk_f32_weights_create(ctx, r, (ptrdiff_t)kk, b, c_out, (int)kk, out);
  wk_free(r);
  return s;
}

static wk_status pack_layer(wk_context *ctx, const wk_layer_f32 *w, int d, layer_fp32 *L) {
  const size_t dd = (size_t)d * d;
  float *qkv = wk_alloc_array(3 * dd + 3 * (size_t)d, sizeof(float)); /* [3d][d] + [3d] */
  if (!qkv) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder fp32: out of memory (qkv)");
  float *bias = qkv + 3 * dd;
  memcpy(qkv, w->wq, dd * sizeof(float));
  memcpy(qkv + dd, w->wk, dd * sizeof(float));
  memcpy(qkv + 2 * dd, w->wv, dd * sizeof(float));
  memcpy(bias, w->bq, (size_t)d * sizeof(float));
  memset(bias + d, 0, (size_t)d * sizeof(float)); /* Whisper's key projection has no bias */
  memcpy(bias + 2 * d, w->bv, (size_t)d * sizeof(float));
  wk_status s = wk_f32_weights_create(ctx, qkv, d, bias, 3 * d, d, &L->qkv);
  wk_free(qkv);
  if (!s) s = wk_f32_weights_create(ctx, w->wo, d, w->bo, d, d, &L->out);
  if (!s) s = wk_f32_weights_create(ctx, w->w1, d, w->b1, w->ffn, d, &L->fc1);
  if (!s) s = wk_f32_weights_create(ctx, w->w2, w->ffn, w->b2, d, w->ffn, &L->fc2);
  if (s) return s;
  L->ln = wk_alloc_array(4 * (size_t)d, sizeof(float));
  if (!L->ln) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder fp32: out of memory (ln)");
  const float *src[4] = {w->ln1_g, w->ln1_b, w->ln2_g, w->ln2_b};
  for (int i = 0; i < 4; i++) {
    if (!wk_all_finite(src[i], (size_t)d))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "encoder fp32: a LayerNorm parameter is not finite");
    memcpy(L->ln + (size_t)i * d, src[i], (size_t)d * sizeof(float));
  }
  return WK_STATUS_OK;
}

static int layer_complete(const wk_layer_f32 *w) {
  return w->ln1_g && w->ln1_b && w->wq && w->bq && w->wk && w->wv && w->bv && w->wo && w->bo &&
         w->ln2_g && w->ln2_b && w->w1 && w->b1 && w->w2 && w->b2;
}

static wk_status check_layer(const wk_encoder_f32 *w, int l, const wk_layer_f32 *L) {
  if (L->d != w->d || L->heads != w->heads || L->ffn < 1 || L->ffn > 65536 || !layer_complete(L))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder fp32: layer %d: d=%d heads=%d ffn=%d or a NULL weight (encoder "
                    "d=%d heads=%d)", l, L->d, L->heads, L->ffn, w->d, w->heads);
  return WK_STATUS_OK;
}

wk_status wk_encoder_fp32_create(wk_context *ctx, const wk_encoder_f32 *w, wk_encoder_fp32 **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL output pointer");
  *out = NULL;
  if (!ctx || !w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL argument");
  const wk_stem_f32 *st = &w->stem;
  if (w->n_mels < 1 || w->n_mels > 21845 || w->n_ctx < 1 || w->n_ctx > 65536 || w->d < 16 ||
      w->d > 16384 || w->heads < 1 || w->d % w->heads || w->d / w->heads < 16 ||
      w->d / w->heads > 128 || w->n_layer < 1 || w->n_layer > 1024)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder fp32: n_mels=%d n_ctx=%d d=%d heads=%d n_layer=%d (need n_mels "
                    "1..21845, n_ctx 1..65536, heads dividing d, head_dim 16..128, "
                    "n_layer 1..1024)",
                    w->n_mels, w->n_ctx, w->d, w->heads, w->n_layer);
  if (st->n_mels != w->n_mels || st->d != w->d || st->n_ctx < w->n_ctx)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder fp32: stem n_mels=%d d=%d n_ctx=%d disagree with the encoder's "
                    "%d, %d, %d", st->n_mels, st->d, st->n_ctx, w->n_mels, w->d, w->n_ctx);
  if (!st->conv1_w || !st->conv1_b || !st->conv2_w || !st->conv2_b || !st->pos ||
      (!w->layers && !w->layer_fn) || !w->ln_post_g || !w->ln_post_b)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL weight (stem or ln_post)");
  for (int l = 0; w->layers && l < w->n_layer; l++) { /* in memory: all checked first */
    wk_status s = check_layer(w, l, &w->layers[l]);
    if (s) return s;
  }
  wk_encoder_fp32 *e = wk_alloc(sizeof *e);
  if (!e) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder fp32: out of memory");
  memset(e, 0, sizeof *e);
  e->n_mels = w->n_mels, e->n_ctx = w->n_ctx, e->d = w->d, e->heads = w->heads;
  e->n_layer = w->n_layer;
  const int d = w->d;
  wk_status s = pack_conv(ctx, st->conv1_w, st->conv1_b, d, w->n_mels, &e->conv1);
  if (!s) s = pack_conv(ctx, st->conv2_w, st->conv2_b, d, d, &e->conv2);
  int bad = 0;
  if (!s) {
    e->pos = copy_finite(st->pos, (size_t)w->n_ctx * d, &bad);
    e->ln_post = wk_alloc_array(2 * (size_t)d, sizeof(float));
    e->layers = wk_alloc_array((size_t)w->n_layer, sizeof(layer_fp32));
    if (e->layers) memset(e->layers, 0, (size_t)w->n_layer * sizeof(layer_fp32)); /* for free */
    if (bad || !wk_all_finite(w->ln_post_g, d) || !wk_all_finite(w->ln_post_b, d))
      s = wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: positions or ln_post not finite");
    else if (!e->pos || !e->ln_post || !e->layers)
      s = wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder fp32: out of memory");
  }
  if (!s) {
    memcpy(e->ln_post, w->ln_post_g, (size_t)d * sizeof(float));
    memcpy(e->ln_post + d, w->ln_post_b, (size_t)d * sizeof(float));
  }
  for (int l = 0; !s && l < w->n_layer; l++) {
    wk_layer_f32 L;
    s = wk_encoder_f32_layer(w, l, &L);
    if (!s) s = check_layer(w, l, &L);
    if (s) break;
    e->layers[l].ffn = L.ffn;
    if (L.ffn > e->ffn_max) e->ffn_max = L.ffn;
    s = pack_layer(ctx, &L, d, &e->layers[l]);
    if (s) wk_error(s, "encoder fp32: layer %d: %s", l, wk_last_error());
  }
  if (s) {
    wk_encoder_fp32_free(e);
    return s;
  }
  *out = e;
  return WK_STATUS_OK;
}

/* ── workspace ───────────────────────────────────────────────────────────── */

typedef struct ws_layout {
  size_t a;      /* floats: mel_t [2·n_ctx + 2][n_mels], then xn / attention out [n_ctx][d] */
  size_t b;      /* floats: h [2·n_ctx + 2][d], then qkv [n_ctx][3d] / fc1 out [n_ctx][ffn] */
  size_t attn;   /* bytes: wk_f32_attention's */
  size_t total;  /* bytes */
} ws_layout;

static size_t max_sz(size_t x, size_t y) { return x > y ? x : y; }

static int layout_of(const wk_encoder_fp32 *e, int n_threads, ws_layout *L) {
  if (!e || n_threads < 1 || n_threads > 1024) return 0;
  const size_t T2 = 2 * (size_t)e->n_ctx + 2, n = (size_t)e->n_ctx, d = (size_t)e->d;
  L->a = wk_round_up(max_sz(T2 * e->n_mels, n * d), 16);
  L->b = wk_round_up(max_sz(T2 * d, n * max_sz(3 * d, (size_t)e->ffn_max)), 16);
  L->attn = wk_f32_attention_workspace_size(e->heads, e->n_ctx, e->n_ctx, e->d / e->heads,
                                            n_threads);
  if (!L->attn) return 0;
  L->total = sizeof(float) * (L->a + L->b) + L->attn; /* sizes capped at create: no overflow */
  return 1;
}

size_t wk_encoder_fp32_workspace_size(const wk_encoder_fp32 *e, int n_threads) {
  ws_layout L;
  return layout_of(e, n_threads, &L) ? L.total : 0;
}

/* ── the run ─────────────────────────────────────────────────────────────── */

static wk_status gemm(wk_context *ctx, const wk_f32_weights *w, int m, const float *x,
                      ptrdiff_t xs, int gelu, const float *res, float *y, ptrdiff_t ys) {
  const wk_f32_gemm_args a = {m, x, xs, gelu, res, ys, y, ys};
  return wk_f32_gemm(ctx, w, &a);
}

/* The run's pieces (wk_encoder_fp32_run chains them; the staged calls below run one each). */
typedef struct run_ws {
  float *A, *B; /* [L.a], [L.b] floats */
  void *att;    /* attention workspace, L.attn bytes */
  size_t attn;
} run_ws;

static run_ws split_ws(void *ws, const ws_layout *L) {
  run_ws r;
  r.A = ws;
  r.B = r.A + L->a;
  r.att = r.B + L->b;
  r.attn = L->attn;
  return r;
}

/* x = stem(mel): mel [n_mels][2·n_ctx], x [n_ctx][d]. */
static wk_status run_stem(wk_context *ctx, const wk_encoder_fp32 *e, const run_ws *W,
                          const float *mel, float *x, wk_encoder_profile *p) {
  const int n = e->n_ctx, d = e->d, nm = e->n_mels, T = 2 * n;
  const double t = wk_now();
  /* stem: mel → token-major [T + 2][n_mels] with a zero frame before and after; im2col row t of
   * conv1 is then the 3·n_mels floats at frame t (stride n_mels), of conv2 at 2t (stride 2d) */
  float *mel_t = W->A, *h = W->B;
  memset(mel_t, 0, (size_t)nm * sizeof(float));
  memset(mel_t + (size_t)(T + 1) * nm, 0, (size_t)nm * sizeof(float));
  for (int c = 0; c < nm; c++)
    for (int f = 0; f < T; f++) mel_t[(size_t)(f + 1) * nm + c] = mel[(size_t)c * T + f];
  memset(h, 0, (size_t)d * sizeof(float));
  memset(h + (size_t)(T + 1) * d, 0, (size_t)d * sizeof(float));
  wk_status s = gemm(ctx, e->conv1, T, mel_t, nm, 1, NULL, h + d, d);
  if (!s) s = gemm(ctx, e->conv2, n, h, 2 * (ptrdiff_t)d, 1, e->pos, x, d);
  p->conv += wk_now() - t;
  return s;
}

/* x = layer_l(x), in place: x [n_ctx][d]. */
static wk_status run_layer(wk_context *ctx, const wk_encoder_fp32 *e, int l, const run_ws *W,
                           float *x, wk_encoder_profile *p) {
  const int n = e->n_ctx, d = e->d, dh = d / e->heads;
  float *xn = W->A, *qkv = W->B, *f1 = W->B;
  const layer_fp32 *Ly = &e->layers[l];
  double t = wk_now();
  wk_status s = wk_layernorm_rows(ctx, x, d, n, d, Ly->ln, Ly->ln + d, xn, d);
  p->norm += wk_now() - t, t = wk_now();
  if (!s) s = gemm(ctx, Ly->qkv, n, xn, d, 0, NULL, qkv, 3 * (ptrdiff_t)d);
  p->gemm += wk_now() - t, t = wk_now();
  if (!s) {
    const wk_f32_attention_args a = {
        .heads = e->heads, .lq = n, .lk = n, .head_dim = dh,
        .q = qkv, .k = qkv + d, .v = qkv + 2 * d,
        .q_stride = 3 * d, .k_stride = 3 * d, .v_stride = 3 * d,
        .softmax_scale = 0.0f, /* 1/√dh */
        .out = xn, .out_stride = d,
    };
    s = wk_f32_attention(ctx, &a, W->att, W->attn);
  }
  p->attention += wk_now() - t, t = wk_now();
  if (!s) s = gemm(ctx, Ly->out, n, xn, d, 0, x, x, d);
  p->gemm += wk_now() - t, t = wk_now();
  if (!s) s = wk_layernorm_rows(ctx, x, d, n, d, Ly->ln + 2 * d, Ly->ln + 3 * d, xn, d);
  p->norm += wk_now() - t, t = wk_now();
  if (!s) s = gemm(ctx, Ly->fc1, n, xn, d, 1, NULL, f1, Ly->ffn);
  if (!s) s = gemm(ctx, Ly->fc2, n, f1, Ly->ffn, 0, x, x, d);
  p->gemm += wk_now() - t;
  if (s) wk_error(s, "encoder fp32: layer %d: %s", l, wk_last_error());
  return s;
}

/* Checks the context, the workspace (size, alignment) and that [out, out + n_ctx·d) overlaps
 * neither [in, in + in_floats) (in may be NULL) nor the workspace; fills *L. */
static wk_status check_run(wk_context *ctx, const wk_encoder_fp32 *e, const float *in,
                           size_t in_floats, const float *out, void *ws, size_t ws_size,
                           ws_layout *L) {
  if (!ctx || !e || !out || !ws)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL argument");
  if (!layout_of(e, wk_threadpool_size(ctx->pool), L))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: bad encoder or thread count");
  if (ws_size < L->total || (uintptr_t)ws % 64)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder fp32: workspace of %zu bytes at %p (need %zu, 64-byte aligned)",
                    ws_size, ws, L->total);
  const uintptr_t ol = (uintptr_t)out, oh = ol + (size_t)e->n_ctx * e->d * sizeof(float);
  const uintptr_t ml = (uintptr_t)in, mh = ml + in_floats * sizeof(float);
  const uintptr_t wl = (uintptr_t)ws, wh = wl + L->total;
  if ((in && ol < mh && ml < oh) || (ol < wh && wl < oh))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: out overlaps mel or ws");
  return WK_STATUS_OK;
}

wk_status wk_encoder_fp32_run(wk_context *ctx, const wk_encoder_fp32 *e, const float *mel,
                              float *out, void *ws, size_t ws_size, wk_encoder_profile *prof) {
  const double t_start = wk_now();
  if (!mel) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL argument");
  ws_layout L;
  wk_status s = check_run(ctx, e, mel, e ? (size_t)e->n_mels * 2 * e->n_ctx : 0, out, ws,
                          ws_size, &L);
  if (s) return s;
  const int n = e->n_ctx, d = e->d, nm = e->n_mels, T = 2 * n;
  if (!wk_all_finite(mel, (size_t)nm * T))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: mel holds NaN or infinity");
  wk_encoder_profile p = {0};
  const run_ws W = split_ws(ws, &L);
  float *x = out; /* the residual stream [n][d] lives in the output */
  s = run_stem(ctx, e, &W, mel, x, &p);
  for (int l = 0; !s && l < e->n_layer; l++) s = run_layer(ctx, e, l, &W, x, &p);
  double t = wk_now();
  if (!s) s = wk_layernorm_rows(ctx, x, d, n, d, e->ln_post, e->ln_post + d, out, d);
  p.norm += wk_now() - t;
  if (!s && !wk_all_finite(out, (size_t)n * d))
    s = wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: the output overflowed");
  if (s) return s;
  p.total = wk_now() - t_start;
  p.other = p.total - (p.conv + p.norm + p.gemm + p.attention);
  if (prof) {
    prof->conv += p.conv, prof->attention += p.attention, prof->gemm += p.gemm;
    prof->norm += p.norm, prof->other += p.other, prof->total += p.total;
  }
  return WK_STATUS_OK;
}

/* ── staged runs ─────────────────────────────────────────────────────────── */

int wk_encoder_fp32_n_layer(const wk_encoder_fp32 *e) { return e ? e->n_layer : 0; }

wk_status wk_encoder_fp32_run_stem(wk_context *ctx, const wk_encoder_fp32 *e, const float *mel,
                                   float *x, void *ws, size_t ws_size) {
  if (!mel) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL argument");
  ws_layout L;
  wk_status s = check_run(ctx, e, mel, e ? (size_t)e->n_mels * 2 * e->n_ctx : 0, x, ws,
                          ws_size, &L);
  if (s) return s;
  if (!wk_all_finite(mel, (size_t)e->n_mels * 2 * e->n_ctx))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: mel holds NaN or infinity");
  wk_encoder_profile p = {0};
  const run_ws W = split_ws(ws, &L);
  return run_stem(ctx, e, &W, mel, x, &p);
}

wk_status wk_encoder_fp32_run_layer(wk_context *ctx, const wk_encoder_fp32 *e, int layer,
                                    float *x, void *ws, size_t ws_size) {
  ws_layout L;
  wk_status s = check_run(ctx, e, NULL, 0, x, ws, ws_size, &L);
  if (s) return s;
  if (layer < 0 || layer >= e->n_layer)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: layer %d of %d", layer,
                    e->n_layer);
  wk_encoder_profile p = {0};
  const run_ws W = split_ws(ws, &L);
  return run_layer(ctx, e, layer, &W, x, &p);
}

wk_status wk_encoder_fp32_run_ln_post(wk_context *ctx, const wk_encoder_fp32 *e, float *x) {
  if (!ctx || !e || !x) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder fp32: NULL argument");
  return wk_layernorm_rows(ctx, x, e->d, e->n_ctx, e->d, e->ln_post, e->ln_post + e->d, x, e->d);
}
