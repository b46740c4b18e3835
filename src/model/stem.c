/* stem.c — Whisper's conv stem: the INT8 forward (two im2col GEMMs) and the FP32 reference
 * (stem.h has the math, the im2col order and the quantization). */
#include <math.h>
#include <string.h>

#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "model/stem.h"

#define WK_STEM_MAX_D 16384                 /* and 3·d ≤ WK_GEMM_MAX_K */
#define WK_STEM_MAX_MELS (WK_GEMM_MAX_K / 3) /* k = 3·n_mels */
#define WK_STEM_MAX_CTX 65536

struct wk_stem {
  int n_mels, d, n_ctx;
  wk_gemm_weights *c1; /* n = d, k = 3·n_mels, bias conv1_b, GELU */
  wk_gemm_weights *c2; /* n = d, k = 3·d, bias conv2_b, GELU, residual pos */
  float *pos;          /* [n_ctx][d] */
  /* scratch for wk_stem_run, sized for `cap` frames */
  int cap;
  float *in;           /* [cap + 2][n_mels] mel token-major; frame f at row f + 1, zero rows
                        * 0 and frames + 1 */
  float *h;            /* [cap + 2][d] gelu(conv1) token-major, padded like `in` */
  int8_t *a8;          /* [cap][3·n_mels] conv1 im2col rows, then [cap/2][3·d] conv2's */
  float *a_scale;      /* [cap] per-row scales */
};

static int finite_array(const float *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(p[i])) return 0;
  return 1;
}

static wk_status check_weights(const wk_stem_f32 *w) {
  if (!w) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL weights");
  if (w->n_mels < 1 || w->n_mels > WK_STEM_MAX_MELS || w->d < 1 || w->d > WK_STEM_MAX_D ||
      3 * w->d > WK_GEMM_MAX_K || w->n_ctx < 1 || w->n_ctx > WK_STEM_MAX_CTX)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "stem: n_mels=%d d=%d n_ctx=%d (expected 1..%d, 1..%d, 1..%d)", w->n_mels,
                    w->d, w->n_ctx, WK_STEM_MAX_MELS, WK_GEMM_MAX_K / 3, WK_STEM_MAX_CTX);
  if (!w->conv1_w || !w->conv1_b || !w->conv2_w || !w->conv2_b || !w->pos)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: a weight array is NULL");
  const size_t d = (size_t)w->d;
  if (!finite_array(w->conv1_w, d * w->n_mels * 3) || !finite_array(w->conv1_b, d) ||
      !finite_array(w->conv2_w, d * d * 3) || !finite_array(w->conv2_b, d) ||
      !finite_array(w->pos, (size_t)w->n_ctx * d))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: a weight array holds NaN or infinity");
  return WK_STATUS_OK;
}

/* The run arguments: mel [n_mels][frames] finite, frames even in 2 … 2·n_ctx, x non-NULL. */
static wk_status check_run(int n_ctx, int n_mels, const float *mel, int frames, const float *x) {
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

/* Conv weights w [n][cin][3] → q [n][3·cin] tap-major (q[o][j·cin + i] ≈ w[o][i][j] / scale[o]),
 * per output channel: scale[o] = max |w[o]| / 127 (1 for an all-zero channel),
 * q = clamp(rint(w / scale), ±127); then packed with `bias` [n]. */
static wk_status pack_conv(wk_context *ctx, const float *w, const float *bias, int n, int cin,
                           wk_gemm_weights **out) {
  const int k = 3 * cin;
  int8_t *q = wk_alloc((size_t)n * k); /* [n][k] */
  float *s = wk_alloc_array((size_t)n, sizeof(float)); /* [n] */
  wk_status st = WK_STATUS_OUT_OF_MEMORY;
  if (q && s) {
    for (int o = 0; o < n; o++) {
      const float *wo = w + (size_t)o * k; /* [cin][3] */
      float amax = 0;
      for (int c = 0; c < k; c++) amax = fmaxf(amax, fabsf(wo[c]));
      const float sc = amax > 0 ? amax / 127.0f : 1.0f;
      for (int i = 0; i < cin; i++)
        for (int j = 0; j < 3; j++) {
          long v = lrintf(wo[i * 3 + j] / sc);
          q[(size_t)o * k + j * cin + i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
      s[o] = sc;
    }
    st = wk_gemm_weights_create(ctx, q, k, s, bias, n, k, out);
  } else {
    wk_error(st, "stem: out of memory");
  }
  wk_free(q), wk_free(s);
  return st;
}

void wk_stem_free(wk_stem *s) {
  if (!s) return;
  wk_gemm_weights_free(s->c1), wk_gemm_weights_free(s->c2);
  wk_free(s->pos), wk_free(s->in), wk_free(s->h), wk_free(s->a8), wk_free(s->a_scale);
  wk_free(s);
}

wk_status wk_stem_create(wk_context *ctx, const wk_stem_f32 *w, wk_stem **out) {
  if (!ctx || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL argument");
  *out = NULL;
  wk_status st = check_weights(w);
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

static wk_status reserve(wk_stem *s, int frames) {
  if (frames <= s->cap) return WK_STATUS_OK;
  wk_free(s->in), wk_free(s->h), wk_free(s->a8), wk_free(s->a_scale);
  const size_t n = (size_t)frames;
  const size_t a1 = n * 3 * s->n_mels, a2 = n / 2 * 3 * s->d;
  s->in = wk_alloc_array((n + 2) * s->n_mels, sizeof(float));
  s->h = wk_alloc_array((n + 2) * s->d, sizeof(float));
  s->a8 = wk_alloc(a1 > a2 ? a1 : a2);
  s->a_scale = wk_alloc_array(n, sizeof(float));
  s->cap = frames;
  if (!s->in || !s->h || !s->a8 || !s->a_scale) {
    s->cap = 0;
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "stem: out of memory (frames %d)", frames);
  }
  return WK_STATUS_OK;
}

/* mel [C][T] → in [T + 2][C] token-major with zero frames at rows 0 and T + 1. */
#define TRANSPOSE_FRAMES 64
typedef struct transpose_job {
  const float *mel; /* [C][T] */
  int C, T;
  float *in;        /* [T + 2][C] */
} transpose_job;

static void transpose_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const transpose_job *j = ctx;
  const int f0 = (int)task * TRANSPOSE_FRAMES;
  const int f1 = f0 + TRANSPOSE_FRAMES < j->T ? f0 + TRANSPOSE_FRAMES : j->T;
  for (int c = 0; c < j->C; c++) {
    const float *m = j->mel + (size_t)c * j->T; /* [T] */
    for (int f = f0; f < f1; f++) j->in[(size_t)(f + 1) * j->C + c] = m[f];
  }
}

wk_status wk_stem_run(wk_context *ctx, wk_stem *s, const float *mel, int frames, float *x) {
  if (!ctx || !s) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem: NULL argument");
  wk_status st = check_run(s->n_ctx, s->n_mels, mel, frames, x);
  if (st) return st;
  const int C = s->n_mels, d = s->d, T = frames, T2 = frames / 2;
  st = reserve(s, frames);
  if (st) return st;
  /* 1. mel → token-major, zero-padded */
  transpose_job tj = {mel, C, T, s->in};
  memset(s->in, 0, sizeof(float) * C);
  memset(s->in + (size_t)(T + 1) * C, 0, sizeof(float) * C);
  wk_threadpool_run(ctx->pool, ((size_t)T + TRANSPOSE_FRAMES - 1) / TRANSPOSE_FRAMES,
                    transpose_task, &tj);
  /* 2. conv1: im2col row t = in rows t … t+2 (3C contiguous floats at in + t·C), quantized per
   * row; GEMM + bias + GELU → h rows 1 … T */
  st = wk_quantize_rows(ctx, s->in, C, T, 3 * C, s->a8, 3 * C, s->a_scale);
  if (st) return st;
  wk_gemm_args g = {.m = T, .a = s->a8, .a_stride = 3 * C, .a_scale = s->a_scale, .gelu = 1,
                    .out = s->h + d, .out_stride = d};
  st = wk_gemm_run(ctx, s->c1, &g);
  if (st) return st;
  memset(s->h, 0, sizeof(float) * d);
  memset(s->h + (size_t)(T + 1) * d, 0, sizeof(float) * d);
  /* 3. conv2: im2col row t = h rows 2t … 2t+2 (3d floats at h + 2t·d, row stride 2d);
   * GEMM + bias + GELU + pos → x */
  st = wk_quantize_rows(ctx, s->h, 2 * (ptrdiff_t)d, T2, 3 * d, s->a8, 3 * d, s->a_scale);
  if (st) return wk_error(st, "stem: conv1 output holds NaN or infinity (overflow)");
  g = (wk_gemm_args){.m = T2, .a = s->a8, .a_stride = 3 * d, .a_scale = s->a_scale, .gelu = 1,
                     .residual = s->pos, .residual_stride = d, .out = x, .out_stride = d};
  st = wk_gemm_run(ctx, s->c2, &g);
  if (st) return st;
  return WK_STATUS_OK;
}

/* ── FP32 reference ──────────────────────────────────────────────────────────
 * Inputs token-major in double, zero-padded ([T + 2][C]); weights reordered tap-major in float
 * (a permutation: exact), so each output is one contiguous dot product.  Parallel over blocks
 * of REF_FRAMES output frames (the weight row of one channel stays in cache over the block). */
#define REF_FRAMES 16

typedef struct ref_job {
  const float *w;  /* [d][3·cin] tap-major */
  const float *b;  /* [d] */
  const double *in;/* [Tin + 2][cin] padded */
  int cin, d, stride, t_out;
  double *out;     /* [t_out][out_stride] (row t at out + t·out_stride) */
  ptrdiff_t out_stride;
} ref_job;

/* Σ w[i]·x[i] in double, four interleaved partial sums (a fixed order). */
static double dot_fd(const float *w, const double *x, int n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)w[i] * x[i];
    s1 += (double)w[i + 1] * x[i + 1];
    s2 += (double)w[i + 2] * x[i + 2];
    s3 += (double)w[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += (double)w[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

static void ref_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const ref_job *j = ctx;
  const int t0 = (int)task * REF_FRAMES;
  const int t1 = t0 + REF_FRAMES < j->t_out ? t0 + REF_FRAMES : j->t_out;
  const int k = 3 * j->cin;
  for (int o = 0; o < j->d; o++) {
    const float *wo = j->w + (size_t)o * k; /* [3·cin] */
    for (int t = t0; t < t1; t++) {
      /* output t reads input frames s·t − 1 … s·t + 1 = padded rows s·t … s·t + 2 */
      const double u = dot_fd(wo, j->in + (size_t)t * j->stride * j->cin, k) + j->b[o];
      j->out[(size_t)t * j->out_stride + o] = 0.5 * u * (1.0 + erf(u * 0.70710678118654752440));
    }
  }
}

static void reorder_taps(const float *w, int n, int cin, float *r /* [n][3·cin] */) {
  for (int o = 0; o < n; o++)
    for (int i = 0; i < cin; i++)
      for (int j = 0; j < 3; j++)
        r[(size_t)o * 3 * cin + (size_t)j * cin + i] = w[((size_t)o * cin + i) * 3 + j];
}

wk_status wk_stem_forward_ref(wk_context *ctx, const wk_stem_f32 *w, const float *mel,
                              int frames, float *x) {
  if (!ctx) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem ref: NULL context");
  wk_status st = check_weights(w);
  if (!st) st = check_run(w->n_ctx, w->n_mels, mel, frames, x);
  if (st) return st;
  const int C = w->n_mels, d = w->d, T = frames, T2 = frames / 2;
  const size_t k1 = 3 * (size_t)C, k2 = 3 * (size_t)d;
  float *w1 = wk_alloc_array((size_t)d * k1, sizeof(float));    /* [d][3C] */
  float *w2 = wk_alloc_array((size_t)d * k2, sizeof(float));    /* [d][3d] */
  double *in = wk_alloc_array(((size_t)T + 2) * C, sizeof(double)); /* [T + 2][C] */
  double *h = wk_alloc_array(((size_t)T + 2) * d, sizeof(double));  /* [T + 2][d] */
  double *y = wk_alloc_array((size_t)T2 * d, sizeof(double));       /* [T/2][d] */
  if (w1 && w2 && in && h && y) {
    reorder_taps(w->conv1_w, d, C, w1);
    reorder_taps(w->conv2_w, d, d, w2);
    memset(in, 0, sizeof(double) * ((size_t)T + 2) * C);
    memset(h, 0, sizeof(double) * ((size_t)T + 2) * d);
    for (int c = 0; c < C; c++)
      for (int f = 0; f < T; f++) in[(size_t)(f + 1) * C + c] = mel[(size_t)c * T + f];
    ref_job j1 = {w1, w->conv1_b, in, C, d, 1, T, h + d, d};
    wk_threadpool_run(ctx->pool, ((size_t)T + REF_FRAMES - 1) / REF_FRAMES, ref_task, &j1);
    ref_job j2 = {w2, w->conv2_b, h, d, d, 2, T2, y, d};
    wk_threadpool_run(ctx->pool, ((size_t)T2 + REF_FRAMES - 1) / REF_FRAMES, ref_task, &j2);
    for (size_t i = 0; i < (size_t)T2 * d; i++) x[i] = (float)(y[i] + w->pos[i]);
  } else {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "stem ref: out of memory");
  }
  wk_free(w1), wk_free(w2), wk_free(in), wk_free(h), wk_free(y);
  return st;
}
