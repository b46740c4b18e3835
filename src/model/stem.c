/* stem.c — Whisper's conv stem, INT8: two im2col GEMMs (stem.h has the math, the im2col order
 * and the quantization).  The stem owns only its packed weights and positions; every run carves
 * its buffers from a caller-owned workspace, so one stem serves several threads at once. */
#include <math.h>
#include <string.h>

#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "model/stem.h"
#include "model/workspace.h"
#include "quant/quant.h"

#define WK_STEM_MAX_D 16384                 /* and 3·d ≤ WK_GEMM_MAX_K */
#define WK_STEM_MAX_MELS (WK_GEMM_MAX_K / 3) /* k = 3·n_mels */
#define WK_STEM_MAX_CTX 65536

struct wk_stem {
  int n_mels, d, n_ctx;
  wk_gemm_weights *c1; /* n = d, k = 3·n_mels, bias conv1_b, GELU */
  wk_gemm_weights *c2; /* n = d, k = 3·d, bias conv2_b, GELU, residual pos */
  float *pos;          /* [n_ctx][d] */
};

wk_status wk_stem_f32_check(const wk_stem_f32 *w) {
  if (!w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL weights");
  if (w->n_mels < 1 || w->n_mels > WK_STEM_MAX_MELS || w->d < 1 || w->d > WK_STEM_MAX_D ||
      3 * w->d > WK_GEMM_MAX_K || w->n_ctx < 1 || w->n_ctx > WK_STEM_MAX_CTX)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "stem: n_mels=%d d=%d n_ctx=%d (expected 1..%d, 1..%d, 1..%d)", w->n_mels,
                    w->d, w->n_ctx, WK_STEM_MAX_MELS, WK_GEMM_MAX_K / 3, WK_STEM_MAX_CTX);
  if (!w->conv1_w || !w->conv1_b || !w->conv2_w || !w->conv2_b || !w->pos)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: a weight array is NULL");
  const size_t d = (size_t)w->d;
  if (!wk_all_finite(w->conv1_w, d * w->n_mels * 3) || !wk_all_finite(w->conv1_b, d) ||
      !wk_all_finite(w->conv2_w, d * d * 3) || !wk_all_finite(w->conv2_b, d) ||
      !wk_all_finite(w->pos, (size_t)w->n_ctx * d))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: a weight array holds NaN or infinity");
  return WK_STATUS_OK;
}

wk_status wk_stem_check_run(int n_ctx, int n_mels, const float *mel, int frames, const float *x) {
  if (!mel || !x) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL %s", !mel ? "mel" : "x");
  if (frames < 2 || frames % 2 || frames / 2 > n_ctx)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "stem: frames=%d (expected even, 2..%d = 2·n_ctx)", frames, 2 * n_ctx);
  for (int c = 0; c < n_mels; c++)
    for (int f = 0; f < frames; f++)
      if (!isfinite(mel[(size_t)c * frames + f]))
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "stem: mel[%d][%d] is NaN or infinity", c, f);
  return WK_STATUS_OK;
}

/* ── weights ─────────────────────────────────────────────────────────────── */

/* Conv weights w [n][cin][3] → tap-major r [n][3·cin] (r[o][j·cin + i] = w[o][i][j]: a
 * permutation, exact), quantized per output channel (wk_quantize_weights) and packed with
 * `bias` [n]. */
static wk_status pack_conv(wk_context *ctx, const float *w, const float *bias, int n, int cin,
                           wk_gemm_weights **out) {
  const int k = 3 * cin;
  float *r = wk_alloc_array((size_t)n * k, sizeof(float)); /* [n][k] */
  int8_t *q = wk_alloc((size_t)n * k);                     /* [n][k] */
  float *s = wk_alloc_array((size_t)n, sizeof(float));     /* [n] */
  wk_status st = r && q && s ? WK_STATUS_OK : wk_error(WK_STATUS_OUT_OF_MEMORY, "stem: out of memory");
  if (!st) {
    for (int o = 0; o < n; o++)
      for (int i = 0; i < cin; i++)
        for (int j = 0; j < 3; j++)
          r[(size_t)o * k + (size_t)j * cin + i] = w[((size_t)o * cin + i) * 3 + j];
    st = wk_quantize_weights(ctx, r, k, n, k, NULL, q, s);
  }
  if (!st) st = wk_gemm_weights_create(ctx, q, k, s, bias, n, k, out);
  wk_free(r), wk_free(q), wk_free(s);
  return st;
}

void wk_stem_free(wk_stem *s) {
  if (!s) return;
  wk_gemm_weights_free(s->c1), wk_gemm_weights_free(s->c2);
  wk_free(s->pos);
  wk_free(s);
}

wk_status wk_stem_create(wk_context *ctx, const wk_stem_f32 *w, wk_stem **out) {
  if (!ctx || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL argument");
  *out = NULL;
  wk_status st = wk_stem_f32_check(w);
  if (st) return st;
  wk_stem *s = wk_alloc(sizeof *s);
  if (!s) return wk_error(WK_STATUS_OUT_OF_MEMORY, "stem: out of memory");
  memset(s, 0, sizeof *s);
  s->n_mels = w->n_mels, s->d = w->d, s->n_ctx = w->n_ctx;
  const size_t npos = (size_t)w->n_ctx * w->d;
  s->pos = wk_alloc_array(npos, sizeof(float));
  if (!s->pos) {
    wk_stem_free(s);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "stem: out of memory");
  }
  memcpy(s->pos, w->pos, npos * sizeof(float));
  st = pack_conv(ctx, w->conv1_w, w->conv1_b, w->d, w->n_mels, &s->c1);
  if (!st) st = pack_conv(ctx, w->conv2_w, w->conv2_b, w->d, w->d, &s->c2);
  if (st) {
    wk_stem_free(s);
    return st;
  }
  *out = s;
  return WK_STATUS_OK;
}

/* ── INT8 forward ────────────────────────────────────────────────────────── */

/* ── the workspace ───────────────────────────────────────────────────────── */

typedef struct stem_bufs {
  float *in;      /* [frames + 2][n_mels] mel token-major; frame f at row f + 1, zero rows 0 and
                   * frames + 1 */
  float *h;       /* [frames + 2][d] gelu(conv1) token-major, padded like `in` */
  int8_t *a8;     /* [frames][3·n_mels] conv1 im2col rows, then [frames/2][3·d] conv2's */
  float *a_scale; /* [frames] per-row scales */
} stem_bufs;

static void stem_layout(const wk_stem *s, int frames, wk_ws *w, stem_bufs *b) {
  const size_t n = (size_t)frames; /* ≤ 2·65536, d ≤ 16384, n_mels ≤ 21845: no overflow */
  const size_t a1 = n * 3 * s->n_mels, a2 = n / 2 * 3 * s->d;
  b->in = wk_ws_take(w, (n + 2) * s->n_mels * sizeof(float));
  b->h = wk_ws_take(w, (n + 2) * s->d * sizeof(float));
  b->a8 = wk_ws_take(w, a1 > a2 ? a1 : a2);
  b->a_scale = wk_ws_take(w, n * sizeof(float));
}

size_t wk_stem_workspace_size(const wk_stem *s, int frames) {
  if (!s) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "stem workspace: NULL stem");
    return 0;
  }
  if (frames < 2 || frames % 2 || frames / 2 > s->n_ctx) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "stem workspace: frames=%d (expected even, 2..%d)",
             frames, 2 * s->n_ctx);
    return 0;
  }
  wk_ws w = wk_ws_begin(NULL);
  stem_bufs b;
  stem_layout(s, frames, &w, &b);
  return wk_ws_total(&w);
}

/* ── INT8 forward ────────────────────────────────────────────────────────── */

/* mel [C][T] → in [T + 2][C] token-major with zero frames at rows 0 and T + 1. */
#define TRANSPOSE_FRAMES 64
typedef struct transpose_job {
  const float *mel; /* [C][T] */
  int C, T;
  float *in;        /* [T + 2][C] */
} transpose_job;

static void transpose_task(void *ctx, int col, int f0, int f1, int thread) {
  (void)col, (void)thread;
  const transpose_job *j = ctx;
  for (int c = 0; c < j->C; c++) {
    const float *m = j->mel + (size_t)c * j->T; /* [T] */
    for (int f = f0; f < f1; f++) j->in[(size_t)(f + 1) * j->C + c] = m[f];
  }
}

/* The forward over the buffers of one workspace. */
static wk_status run_stem(wk_context *ctx, const wk_stem *s, const float *mel, int frames,
                          float *x, const stem_bufs *b) {
  const int C = s->n_mels, d = s->d, T = frames, T2 = frames / 2;
  /* 1. mel → token-major, zero-padded */
  transpose_job tj = {mel, C, T, b->in};
  memset(b->in, 0, sizeof(float) * C);
  memset(b->in + (size_t)(T + 1) * C, 0, sizeof(float) * C);
  wk_threadpool_run_rows(ctx->pool, 1, T, TRANSPOSE_FRAMES, transpose_task, &tj);
  /* 2. conv1: im2col row t = in rows t … t+2 (3C contiguous floats at in + t·C), quantized per
   * row; GEMM + bias + GELU → h rows 1 … T */
  wk_status st = wk_quantize_rows(ctx, b->in, C, T, 3 * C, b->a8, 3 * C, b->a_scale);
  if (st) return st;
  wk_gemm_args g = {.m = T, .a = b->a8, .a_stride = 3 * C, .a_scale = b->a_scale, .gelu = 1,
                    .out = b->h + d, .out_stride = d};
  st = wk_gemm_run(ctx, s->c1, &g);
  if (st) return st;
  memset(b->h, 0, sizeof(float) * d);
  memset(b->h + (size_t)(T + 1) * d, 0, sizeof(float) * d);
  /* 3. conv2: im2col row t = h rows 2t … 2t+2 (3d floats at h + 2t·d, row stride 2d);
   * GEMM + bias + GELU + pos → x */
  st = wk_quantize_rows(ctx, b->h, 2 * (ptrdiff_t)d, T2, 3 * d, b->a8, 3 * d, b->a_scale);
  if (st) return wk_error(st, "stem: conv1 output holds NaN or infinity (overflow)");
  g = (wk_gemm_args){.m = T2, .a = b->a8, .a_stride = 3 * d, .a_scale = b->a_scale, .gelu = 1,
                     .residual = s->pos, .residual_stride = d, .out = x, .out_stride = d};
  return wk_gemm_run(ctx, s->c2, &g);
}

wk_status wk_stem_run(wk_context *ctx, const wk_stem *s, const float *mel, int frames, float *x,
                      void *workspace, size_t workspace_size) {
  if (!ctx || !s) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL argument");
  wk_status st = wk_stem_check_run(s->n_ctx, s->n_mels, mel, frames, x);
  if (st) return st;
  const size_t need = wk_stem_workspace_size(s, frames);
  void *owned = NULL;
  if (!workspace) {
    workspace = owned = wk_alloc(need);
    workspace_size = need;
    if (!owned)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "stem: out of memory (frames %d)", frames);
  }
  if (workspace_size < need) {
    st = wk_error(WK_STATUS_INVALID_ARGUMENT,
                  "stem: workspace of %zu bytes, %zu needed (wk_stem_workspace_size)",
                  workspace_size, need);
  } else {
    wk_ws w = wk_ws_begin(workspace);
    stem_bufs b;
    stem_layout(s, frames, &w, &b);
    st = run_stem(ctx, s, mel, frames, x, &b);
  }
  wk_free(owned);
  return st;
}
