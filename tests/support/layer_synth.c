/* layer_synth.c — synthetic Whisper encoder layers (layer_synth.h). */
#include "layer_synth.h"
#include "layer_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

static float gauss(wk_rng *s) { /* Box–Muller */
  double u1 = ((wk_rng_next(s) >> 11) + 1) * (1.0 / 9007199254740993.0);
  double u2 = wk_rng_uniform(s);
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static float *fill(float **p, size_t n, wk_rng *s, float mean, float std) {
  float *a = *p;
  for (size_t i = 0; i < n; i++) a[i] = mean + std * gauss(s);
  *p += n;
  return a;
}

int wk_layer_synth_make(int d, int heads, int len, int outliers, unsigned long long seed,
                        wk_layer_synth *s) {
  memset(s, 0, sizeof *s);
  const int F = 4 * d;
  const size_t dd = (size_t)d * d, total = 4 * dd + 2 * (size_t)d * F + 8 * (size_t)d + F;
  s->buf = malloc(total * sizeof(float));
  s->x = malloc((size_t)len * d * sizeof(float));
  if (!s->buf || !s->x) {
    wk_layer_synth_free(s);
    return 0;
  }
  wk_rng r = {seed};
  float *p = s->buf;
  wk_layer_f32 *w = &s->w;
  w->d = d, w->heads = heads, w->ffn = F;
  w->ln1_g = fill(&p, d, &r, 1.0f, 0.1f), w->ln1_b = fill(&p, d, &r, 0, 0.02f);
  w->wq = fill(&p, dd, &r, 0, 0.02f), w->bq = fill(&p, d, &r, 0, 0.02f);
  w->wk = fill(&p, dd, &r, 0, 0.02f);
  w->wv = fill(&p, dd, &r, 0, 0.02f), w->bv = fill(&p, d, &r, 0, 0.02f);
  w->wo = fill(&p, dd, &r, 0, 0.02f), w->bo = fill(&p, d, &r, 0, 0.02f);
  w->ln2_g = fill(&p, d, &r, 1.0f, 0.1f), w->ln2_b = fill(&p, d, &r, 0, 0.02f);
  w->w1 = fill(&p, (size_t)F * d, &r, 0, 0.02f), w->b1 = fill(&p, F, &r, 0, 0.02f);
  w->w2 = fill(&p, (size_t)d * F, &r, 0, 0.02f), w->b2 = fill(&p, d, &r, 0, 0.02f);
  s->len = len;
  float *x = s->x;
  fill(&x, (size_t)len * d, &r, 0, 1.0f);
  for (int o = 0; o < WK_SYNTH_OUTLIER_CHANNELS; o++)
    s->outlier[o] = (int)(wk_rng_next(&r) % (uint64_t)d);
  if (outliers)
    for (int i = 0; i < len; i++)
      for (int o = 0; o < WK_SYNTH_OUTLIER_CHANNELS; o++)
        s->x[(size_t)i * d + s->outlier[o]] *= WK_SYNTH_OUTLIER_GAIN;
  return 1;
}

void wk_layer_synth_free(wk_layer_synth *s) {
  if (!s) return;
  free(s->buf), free(s->x);
  s->buf = s->x = NULL;
}

wk_status wk_layer_synth_evaluate(wk_context *ctx, const wk_layer_synth *s,
                                  const wk_layer_smoothing *smooth, int n_rows,
                                  wk_layer_metrics *m) {
  const int d = s->w.d, len = s->len;
  if (n_rows > len) n_rows = len;
  memset(m, 0, sizeof *m);
  int *rows = malloc(sizeof(int) * (size_t)n_rows);
  float *y = malloc(sizeof(float) * (size_t)len * d);
  float *r = malloc(sizeof(float) * (size_t)n_rows * d);
  wk_layer *l = NULL;
  wk_status st = WK_STATUS_OUT_OF_MEMORY;
  if (rows && y && r) {
    for (int i = 0; i < n_rows; i++) rows[i] = (int)((long long)i * len / n_rows);
    st = wk_layer_create(ctx, &s->w, smooth, &l);
    if (!st) st = wk_layer_run(ctx, l, s->x, len, y, NULL, 0, NULL);
    if (!st) st = wk_layer_forward_ref(ctx, &s->w, s->x, len, rows, n_rows, r);
  }
  if (!st) {
    double dot = 0, yy = 0, rr = 0, ee = 0, ddot = 0, dy = 0, dr = 0;
    for (int i = 0; i < n_rows; i++)
      for (int c = 0; c < d; c++) {
        const double a = y[(size_t)rows[i] * d + c], b = r[(size_t)i * d + c];
        const double x = s->x[(size_t)rows[i] * d + c];
        dot += a * b, yy += a * a, rr += b * b, ee += (a - b) * (a - b);
        ddot += (a - x) * (b - x), dy += (a - x) * (a - x), dr += (b - x) * (b - x);
        if (fabs(a - b) > m->max_abs_err) m->max_abs_err = fabs(a - b);
      }
    m->cosine = dot / sqrt(yy * rr);
    m->rel_err = sqrt(ee / rr);
    m->delta_cosine = ddot / sqrt(dy * dr);
    m->delta_rel_err = sqrt(ee / dr);
    m->rows = n_rows;
  }
  wk_layer_free(l);
  free(rows), free(y), free(r);
  return st;
}

/* max_t |LayerNorm(x_t; g, b)_j| over every token, per channel j, in double. */
static void ln_channel_amax(const wk_layer_synth *s, const float *g, const float *b, double *amax) {
  const int d = s->w.d;
  for (int j = 0; j < d; j++) amax[j] = 0;
  for (int t = 0; t < s->len; t++) {
    const float *x = s->x + (size_t)t * d; /* [d] */
    double sum = 0, ss = 0;
    for (int j = 0; j < d; j++) sum += x[j];
    const double mean = sum / d;
    for (int j = 0; j < d; j++) ss += (x[j] - mean) * (x[j] - mean);
    const double rstd = 1.0 / sqrt(ss / d + 1e-5);
    for (int j = 0; j < d; j++) {
      const double a = fabs((x[j] - mean) * rstd * g[j] + b[j]);
      if (a > amax[j]) amax[j] = a;
    }
  }
}

static void smooth_factors(const double *act, const float *const *ws, const int *ns, int parts,
                           int d, float alpha, float *out) {
  for (int j = 0; j < d; j++) {
    double wmax = 0;
    for (int p = 0; p < parts; p++)
      for (int o = 0; o < ns[p]; o++) wmax = fmax(wmax, fabs(ws[p][(size_t)o * d + j]));
    double f = pow(fmax(act[j], 1e-5), alpha) / pow(fmax(wmax, 1e-5), 1.0 - alpha);
    out[j] = (float)fmin(fmax(f, 1e-4), 1e4);
  }
}

void wk_layer_synth_smoothing(const wk_layer_synth *s, float alpha, float *s1, float *s2) {
  const wk_layer_f32 *w = &s->w;
  const int d = w->d;
  double *amax = malloc(sizeof(double) * (size_t)d);
  if (!amax) { /* no smoothing rather than a failure: factors of 1 */
    for (int j = 0; j < d; j++) s1[j] = s2[j] = 1.0f;
    return;
  }
  const float *qkv[3] = {w->wq, w->wk, w->wv};
  const int nqkv[3] = {d, d, d}, nf[1] = {w->ffn};
  ln_channel_amax(s, w->ln1_g, w->ln1_b, amax);
  smooth_factors(amax, qkv, nqkv, 3, d, alpha, s1);
  ln_channel_amax(s, w->ln2_g, w->ln2_b, amax);
  smooth_factors(amax, &w->w1, nf, 1, d, alpha, s2);
  free(amax);
}
