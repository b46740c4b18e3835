/* encoder.c — the INT8 Whisper encoder (encoder-int8.h) and the public wk_encoder wrapper
 * (include/whisk.h): stem → layers → ln_post, all in the caller's output buffer plus one
 * workspace. */
#include <math.h>
#include <string.h>

#include "gemm/gemm.h"
#include "io/ggml.h"
#include "model/encoder-f32.h"
#include "model/encoder-int8.h"
#include "model/workspace.h"
#include "norm/norm.h"
#include "runtime/runtime.h"

#define WK_ENCODER_MAX_LAYERS 256

struct wk_encoder_int8 {
  int n_mels, n_ctx, d, n_layer;
  wk_stem *stem;
  wk_layer **layers; /* [n_layer] */
  float *ln_post_g, *ln_post_b; /* [d] */
  wk_arena weights; /* every GEMM's packed weights: one huge-page block (wk_huge_alloc) */
};

void wk_encoder_int8_free(wk_encoder_int8 *e) {
  if (!e) return;
  wk_stem_free(e->stem);
  for (int i = 0; e->layers && i < e->n_layer; i++) wk_layer_free(e->layers[i]);
  wk_free(e->layers), wk_free(e->ln_post_g), wk_free(e->ln_post_b);
  wk_huge_free(e->weights.base, e->weights.size);
  wk_free(e);
}

/* Bytes of all the packed GEMM weights (ffn = 4·d, as in every Whisper; a layer that differs
 * gets blocks of its own).  Measured on a 2-core Zen 5 VM: weights left in 4-KiB pages by
 * earlier heap use made the GEMMs of a small encoder 15-20 % slower. */
static size_t weights_bytes(const wk_context *ctx, const wk_encoder_f32 *w) {
  const int d = w->d;
  size_t b = wk_gemm_weights_bytes(ctx, d, 3 * w->n_mels) + wk_gemm_weights_bytes(ctx, d, 3 * d);
  const size_t layer = wk_gemm_weights_bytes(ctx, 3 * d, d) + wk_gemm_weights_bytes(ctx, d, d) +
                       wk_gemm_weights_bytes(ctx, 4 * d, d) + wk_gemm_weights_bytes(ctx, d, 4 * d);
  return b + (size_t)w->n_layer * (layer + 4 * 64) + 2 * 64; /* + the 64-byte alignments */
}

/* The encoder's own fields and their agreement with the stem's (each layer's: layer_dims). */
static wk_status check_dims(const wk_encoder_f32 *w) {
  if (w->n_layer < 1 || w->n_layer > WK_ENCODER_MAX_LAYERS || (!w->layers && !w->layer_fn))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: n_layer=%d (expected 1..%d) or NULL "
                    "layers", w->n_layer, WK_ENCODER_MAX_LAYERS);
  if (w->stem.n_mels != w->n_mels || w->stem.d != w->d || w->stem.n_ctx != w->n_ctx)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder: stem is n_mels=%d d=%d n_ctx=%d, encoder n_mels=%d d=%d n_ctx=%d",
                    w->stem.n_mels, w->stem.d, w->stem.n_ctx, w->n_mels, w->d, w->n_ctx);
  if (!w->ln_post_g || !w->ln_post_b)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL ln_post weights");
  if (!wk_all_finite(w->ln_post_g, (size_t)w->d) || !wk_all_finite(w->ln_post_b, (size_t)w->d))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: ln_post holds NaN or infinity");
  return WK_STATUS_OK;
}

static wk_status layer_dims(const wk_encoder_f32 *w, int i, const wk_layer_f32 *l) {
  if (l->d != w->d || l->heads != w->heads)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder: layer %d has d=%d heads=%d, the encoder d=%d heads=%d", i, l->d,
                    l->heads, w->d, w->heads);
  return WK_STATUS_OK;
}

static void smooth_layer(wk_threadpool *pool, const wk_layer_f32 *l, float *s1, float *s2);

/* smooth: per-layer factors, NULL (none), or `auto_smooth`: computed here layer by layer. */
static wk_status int8_create(wk_context *ctx, const wk_encoder_f32 *w,
                             const wk_layer_smoothing *smooth, int auto_smooth,
                             wk_encoder_int8 **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL output pointer");
  *out = NULL;
  if (!ctx || !w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL argument");
  wk_status st = check_dims(w);
  if (st) return st;
  wk_encoder_int8 *e = wk_alloc(sizeof *e);
  if (!e) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder: out of memory");
  memset(e, 0, sizeof *e);
  e->n_mels = w->n_mels, e->n_ctx = w->n_ctx, e->d = w->d, e->n_layer = w->n_layer;
  e->layers = wk_alloc_array((size_t)w->n_layer, sizeof *e->layers);
  e->ln_post_g = wk_alloc_array((size_t)w->d, sizeof(float));
  e->ln_post_b = wk_alloc_array((size_t)w->d, sizeof(float));
  float *factors = auto_smooth ? wk_alloc_array(2 * (size_t)w->d, sizeof(float)) : NULL;
  if (!e->layers || !e->ln_post_g || !e->ln_post_b || (auto_smooth && !factors)) {
    e->n_layer = 0; /* layers[] is not initialised */
    wk_encoder_int8_free(e), wk_free(factors);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder: out of memory");
  }
  memset(e->layers, 0, (size_t)w->n_layer * sizeof *e->layers);
  memcpy(e->ln_post_g, w->ln_post_g, (size_t)w->d * sizeof(float));
  memcpy(e->ln_post_b, w->ln_post_b, (size_t)w->d * sizeof(float));
  e->weights.size = weights_bytes(ctx, w);
  e->weights.base = wk_huge_alloc(e->weights.size); /* NULL: the GEMMs allocate their own */
  ctx->weights = &e->weights;
  st = wk_stem_create(ctx, &w->stem, &e->stem);
  for (int i = 0; !st && i < w->n_layer; i++) {
    wk_layer_f32 l;
    st = wk_encoder_f32_layer(w, i, &l);
    if (!st) st = layer_dims(w, i, &l);
    if (st) break;
    const wk_layer_smoothing sm = {factors, factors ? factors + w->d : NULL};
    if (auto_smooth) { /* smooth_layer reads these (wk_layer_create checks the rest) */
      if (!l.ln1_g || !l.ln1_b || !l.ln2_g || !l.ln2_b || !l.wq || !l.wk || !l.wv || !l.w1)
        st = wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: layer %d has missing weights", i);
      else
        smooth_layer(ctx->pool, &l, factors, factors + w->d);
    }
    if (st) break;
    st = wk_layer_create(ctx, &l, auto_smooth ? &sm : smooth ? &smooth[i] : NULL, &e->layers[i]);
    if (st) wk_error(st, "encoder: layer %d: %s", i, wk_last_error());
  }
  ctx->weights = NULL;
  wk_free(factors);
  if (st) {
    wk_encoder_int8_free(e);
    return st;
  }
  *out = e;
  return WK_STATUS_OK;
}

wk_status wk_encoder_int8_create(wk_context *ctx, const wk_encoder_f32 *w,
                                 const wk_layer_smoothing *smooth, wk_encoder_int8 **out) {
  return int8_create(ctx, w, smooth, 0, out);
}

void wk_encoder_int8_dims(const wk_encoder_int8 *e, int *n_mels, int *n_ctx, int *d) {
  if (n_mels) *n_mels = e->n_mels;
  if (n_ctx) *n_ctx = e->n_ctx;
  if (d) *d = e->d;
}

/* The stem and the layers run one after the other: one region, the larger of the two. */
size_t wk_encoder_int8_workspace_size(const wk_context *ctx, const wk_encoder_int8 *e) {
  if (!ctx || !e) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder workspace: NULL argument");
    return 0;
  }
  const size_t s = wk_stem_workspace_size(e->stem, 2 * e->n_ctx);
  const size_t l = wk_layer_workspace_size(ctx, e->layers[0], e->n_ctx); /* same for all */
  if (!s || !l) return 0;
  return s > l ? s : l;
}

wk_status wk_encoder_int8_run(wk_context *ctx, const wk_encoder_int8 *e, const float *mel,
                              float *out, void *workspace, size_t workspace_size,
                              wk_encoder_profile *prof) {
  const double t0 = wk_now();
  if (!ctx || !e || !mel || !out)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL argument");
  const size_t need = wk_encoder_int8_workspace_size(ctx, e);
  if (!need) return WK_STATUS_INVALID_ARGUMENT; /* the message is set */
  void *owned = NULL;
  if (!workspace) {
    workspace = owned = wk_alloc(need);
    workspace_size = need;
    if (!owned) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder: out of memory (workspace)");
  }
  wk_status st = WK_STATUS_OK;
  if (workspace_size < need)
    st = wk_error(WK_STATUS_INVALID_ARGUMENT,
                  "encoder: workspace of %zu bytes, %zu needed (wk_encoder_int8_workspace_size)",
                  workspace_size, need);
  wk_encoder_profile p = {0};
  double t = wk_now();
  /* 1. stem: mel [n_mels][2·n_ctx] → out [n_ctx][d] */
  if (!st) st = wk_stem_run(ctx, e->stem, mel, 2 * e->n_ctx, out, workspace, workspace_size);
  p.conv = wk_now() - t;
  /* 2. layers, in place in out */
  wk_layer_profile lp = {0};
  for (int i = 0; !st && i < e->n_layer; i++) {
    st = wk_layer_run(ctx, e->layers[i], out, e->n_ctx, out, workspace, workspace_size, &lp);
    if (st) wk_error(st, "encoder: layer %d: %s", i, wk_last_error());
  }
  p.attention = lp.attention, p.gemm = lp.gemm, p.norm = lp.norm, p.quant = lp.quant;
  /* 3. ln_post, fp32, in place */
  t = wk_now();
  if (!st)
    st = wk_layernorm_rows(ctx, out, e->d, e->n_ctx, e->d, e->ln_post_g, e->ln_post_b, out, e->d);
  p.norm += wk_now() - t;
  wk_free(owned);
  if (prof) {
    p.total = wk_now() - t0;
    p.other = p.total - (p.conv + p.attention + p.gemm + p.norm + p.quant);
    prof->conv += p.conv, prof->attention += p.attention, prof->gemm += p.gemm;
    prof->norm += p.norm, prof->quant += p.quant, prof->other += p.other;
    prof->total += p.total;
  }
  return st;
}

/* ── the public wk_encoder ────────────────────────────────────────────────── */

struct wk_encoder {
  wk_precision precision;
  int n_mels, n_ctx, d;
  wk_encoder_int8 *int8; /* WK_PRECISION_INT8 */
  wk_encoder_fp32 *fp32; /* WK_PRECISION_FP32 */
};

/* Data-free SmoothQuant (Xiao et al. 2023, α = 0.5) for the two per-token quantizations after
 * each LayerNorm.  Whisper's residual stream has a few channels tens of times larger than the
 * rest, and the LayerNorm gains carry them into the GEMM inputs, where one per-token int8 scale
 * then leaves the other channels a handful of levels; the error grows layer after layer
 * (measured: INT8-vs-FP32 output cosine 0.986 on a small model with ×30–50 outlier channels).
 * The factor of input channel j is s_j = sqrt(a_j / w_j), with w_j = max |W[:, j]| over the
 * GEMMs the LayerNorm feeds and a_j = 4·|g_j| + |b_j| the LayerNorm output's magnitude bound for
 * a normalized input of ±4σ (no calibration data needed: the gain and bias are what makes a
 * channel an outlier).  Folding s into the LN and the weights leaves the fp32 function
 * unchanged (layer.h). */
typedef struct smooth_job {
  const float *const *ws;
  const int *rows;
  int parts, d;
  float *out;
} smooth_job;

#define SMOOTH_COLS 128 /* columns a task */

/* w_j, the column maxima, for columns [SMOOTH_COLS·task, …) of every matrix, row by row. */
static void smooth_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const smooth_job *j = ctx;
  const int j0 = (int)task * SMOOTH_COLS, j1 = j0 + SMOOTH_COLS < j->d ? j0 + SMOOTH_COLS : j->d;
  float *out = j->out;
  for (int c = j0; c < j1; c++) out[c] = 0.0f;
  for (int p = 0; p < j->parts; p++)
    for (int o = 0; o < j->rows[p]; o++) {
      const float *w = j->ws[p] + (size_t)o * j->d;
      for (int c = j0; c < j1; c++) { /* a NaN weight is passed over, as fmax would */
        const float m = fabsf(w[c]);
        out[c] = m > out[c] ? m : out[c];
      }
    }
}

static void smooth_channels(wk_threadpool *pool, const float *g, const float *b,
                            const float *const *ws, const int *rows, int parts, int d,
                            float *out) {
  smooth_job job = {ws, rows, parts, d, out};
  wk_threadpool_run(pool, (size_t)(d + SMOOTH_COLS - 1) / SMOOTH_COLS, smooth_task, &job);
  for (int j = 0; j < d; j++) {
    const double a = 4.0 * fabs(g[j]) + fabs(b[j]);
    const double f = sqrt(fmax(a, 1e-5) / fmax((double)out[j], 1e-5));
    out[j] = (float)fmin(fmax(f, 1e-4), 1e4);
  }
}

/* pool: the threads that share the column maxima, or NULL (this thread). */
static void smooth_layer(wk_threadpool *pool, const wk_layer_f32 *l, float *s1, float *s2) {
  const float *qkv[3] = {l->wq, l->wk, l->wv};
  const int nqkv[3] = {l->d, l->d, l->d}, nf[1] = {l->ffn};
  smooth_channels(pool, l->ln1_g, l->ln1_b, qkv, nqkv, 3, l->d, s1);
  smooth_channels(pool, l->ln2_g, l->ln2_b, &l->w1, nf, 1, l->d, s2);
}

wk_status wk_encoder_smoothing(const wk_encoder_f32 *w, float **factors,
                               wk_layer_smoothing **smooth) {
  const size_t d = (size_t)w->d, n = (size_t)w->n_layer;
  *factors = wk_alloc_array(2 * n * d, sizeof(float));
  *smooth = wk_alloc_array(n, sizeof(wk_layer_smoothing));
  if (!*factors || !*smooth)
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder: out of memory (smoothing factors)");
  for (size_t i = 0; i < n; i++) {
    wk_layer_f32 l;
    wk_status st = wk_encoder_f32_layer(w, (int)i, &l);
    if (st) return st;
    if (!l.ln1_g || !l.ln1_b || !l.ln2_g || !l.ln2_b || !l.wq || !l.wk || !l.wv || !l.w1 ||
        l.d != w->d)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: layer %zu has missing weights", i);
    float *s1 = *factors + 2 * i * d, *s2 = s1 + d;
    smooth_layer(NULL, &l, s1, s2);
    (*smooth)[i] = (wk_layer_smoothing){s1, s2};
  }
  return WK_STATUS_OK;
}

wk_status wk_encoder_create_from_weights(wk_context *ctx, const wk_encoder_f32 *w,
                                         wk_precision precision, wk_encoder **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL output pointer");
  *out = NULL;
  if (precision != WK_PRECISION_INT8 && precision != WK_PRECISION_FP32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: unknown precision %d", (int)precision);
  wk_encoder *e = wk_alloc(sizeof *e);
  if (!e) return wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder: out of memory");
  memset(e, 0, sizeof *e);
  e->precision = precision;
  wk_status st;
  if (precision == WK_PRECISION_INT8) {
    st = int8_create(ctx, w, NULL, 1, &e->int8); /* SmoothQuant factors layer by layer */
  } else {
    st = wk_encoder_fp32_create(ctx, w, &e->fp32);
  }
  if (st) {
    wk_free(e);
    return st;
  }
  e->n_mels = w->n_mels, e->n_ctx = w->n_ctx, e->d = w->d;
  *out = e;
  return WK_STATUS_OK;
}

WK_API void wk_encoder_free(wk_encoder *e) {
  if (!e) return;
  wk_encoder_int8_free(e->int8);
  wk_encoder_fp32_free(e->fp32);
  wk_free(e);
}

WK_API wk_status wk_encoder_dims(const wk_encoder *e, int *n_mels, int *n_ctx, int *d) {
  if (!e) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL encoder");
  if (n_mels) *n_mels = e->n_mels;
  if (n_ctx) *n_ctx = e->n_ctx;
  if (d) *d = e->d;
  return WK_STATUS_OK;
}

WK_API wk_status wk_encoder_create(wk_context *ctx, const wk_model *model, wk_precision precision,
                                   wk_encoder **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL output pointer");
  *out = NULL;
  if (!ctx || !model)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL %s", !ctx ? "context" : "model");
  /* The file's weights (any tensor type) dequantized to fp32 a layer at a time, each layer
   * quantized per output channel (INT8) or packed (FP32) before the next reuses its buffer. */
  wk_encoder_f32 w;
  float *storage = NULL;
  wk_status st = wk_model_encoder_f32_streamed(model, ctx->pool, &w, &storage);
  if (st) return st;
  st = wk_encoder_create_from_weights(ctx, &w, precision, out);
  wk_free(storage);
  return st;
}

wk_precision wk_encoder_precision(const wk_encoder *e) { return e->precision; }

wk_status wk_encoder_run_profiled(wk_context *ctx, const wk_encoder *e, const float *mel,
                                  size_t mel_count, float *out, size_t out_capacity,
                                  wk_encoder_profile *prof) {
  if (!ctx || !e || !mel || !out)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "encoder: NULL %s",
                    !ctx ? "context" : !e ? "encoder" : !mel ? "mel" : "out");
  const size_t n_in = (size_t)e->n_mels * 2 * (size_t)e->n_ctx;
  const size_t n_out = (size_t)e->n_ctx * (size_t)e->d;
  if (mel_count != n_in)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder: mel holds %zu floats, expected %d mels x %d frames = %zu",
                    mel_count, e->n_mels, 2 * e->n_ctx, n_in);
  if (out_capacity < n_out)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "encoder: output capacity %zu floats < %d frames x %d = %zu", out_capacity,
                    e->n_ctx, e->d, n_out);
  /* the context's workspace: one per calling thread, reused across runs */
  const size_t need = e->int8 ? wk_encoder_int8_workspace_size(ctx, e->int8)
                              : wk_encoder_fp32_workspace_size(e->fp32, wk_context_threads(ctx));
  if (!need) return WK_STATUS_INVALID_ARGUMENT;
  void *ws = wk_context_scratch(ctx, need);
  if (!ws) return WK_STATUS_OUT_OF_MEMORY;
  return e->int8 ? wk_encoder_int8_run(ctx, e->int8, mel, out, ws, need, prof)
                 : wk_encoder_fp32_run(ctx, e->fp32, mel, out, ws, need, prof);
}

WK_API wk_status wk_encoder_run(wk_context *ctx, const wk_encoder *e, const float *mel,
                                size_t mel_count, float *out, size_t out_capacity) {
  return wk_encoder_run_profiled(ctx, e, mel, mel_count, out, out_capacity, NULL);
}
