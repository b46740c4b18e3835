/* stem_synth.c — synthetic Whisper conv stems (stem_synth.h). */
#include "stem_synth.h"
#include "stem_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

static float gauss(wk_rng *s) { /* Box–Muller */
  double u1 = ((wk_rng_next(s) >> 11) + 1) * (1.0 / 9007199254740993.0);
  double u2 = wk_rng_uniform(s);
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

static float *fill(float **p, size_t n, wk_rng *s, float std) {
  float *a = *p;
  for (size_t i = 0; i < n; i++) a[i] = std * gauss(s);
  *p += n;
  return a;
}

void wk_stem_synth_free(wk_stem_synth *s) {
  free(s->buf), free(s->mel);
  memset(s, 0, sizeof *s);
}

int wk_stem_synth_make(int n_mels, int d, int frames, unsigned long long seed, wk_stem_synth *s) {
  memset(s, 0, sizeof *s);
  const int n_ctx = frames / 2;
  const size_t total = (size_t)d * n_mels * 3 + (size_t)d * d * 3 + 2 * (size_t)d +
                       (size_t)n_ctx * d;
  s->buf = malloc(total * sizeof(float));
  s->mel = malloc((size_t)n_mels * frames * sizeof(float));
  if (!s->buf || !s->mel) {
    wk_stem_synth_free(s);
    return 0;
  }
  wk_rng r = {seed};
  float *p = s->buf;
  wk_stem_f32 *w = &s->w;
  w->n_mels = n_mels, w->d = d, w->n_ctx = n_ctx;
  w->conv1_w = fill(&p, (size_t)d * n_mels * 3, &r, 0.02f);
  w->conv1_b = fill(&p, d, &r, 0.02f);
  w->conv2_w = fill(&p, (size_t)d * d * 3, &r, 0.02f);
  w->conv2_b = fill(&p, d, &r, 0.02f);
  /* Whisper's sinusoids(length, channels): [sin(t·inv) ‖ cos(t·inv)],
   * inv_i = exp(−i·ln(10000)/(channels/2 − 1)) */
  float *pos = p;
  const int half = d / 2;
  const double inc = half > 1 ? log(10000.0) / (half - 1) : 0.0;
  for (int t = 0; t < n_ctx; t++) {
    for (int i = 0; i < half; i++) {
      const double a = t * exp(-inc * i);
      pos[(size_t)t * d + i] = (float)sin(a);
      pos[(size_t)t * d + half + i] = (float)cos(a);
    }
    if (d % 2) pos[(size_t)t * d + d - 1] = 0.0f;
  }
  w->pos = pos;
  s->frames = frames;
  /* mel-like: envelope(c) + drift(c, t) + noise, clamped to [−1, 1.5]; a flat floor at the end */
  const double ph1 = 6.283185307179586 * wk_rng_uniform(&r),
               ph2 = 6.283185307179586 * wk_rng_uniform(&r);
  const int speech = frames - frames / 8;
  for (int c = 0; c < n_mels; c++) {
    const double env = 0.35 + 0.45 * cos(3.0 * c / n_mels + ph1) - 0.6 * c / n_mels;
    for (int f = 0; f < frames; f++) {
      double v;
      if (f < speech)
        v = env + 0.45 * sin(0.013 * f + 0.21 * c + ph2) * sin(0.0021 * f + ph1) +
            0.18 * gauss(&r);
      else
        v = -0.75 + 0.01 * gauss(&r);
      s->mel[(size_t)c * frames + f] = (float)(v < -1.0 ? -1.0 : v > 1.5 ? 1.5 : v);
    }
  }
  return 1;
}

wk_status wk_stem_synth_evaluate(wk_context *ctx, const wk_stem_synth *s, wk_stem_metrics *m) {
  const int d = s->w.d, n = s->frames / 2;
  const size_t total = (size_t)n * d;
  float *y = malloc(sizeof(float) * total), *yr = malloc(sizeof(float) * total);
  wk_stem *st = NULL;
  wk_status rc = WK_STATUS_OUT_OF_MEMORY;
  if (y && yr) {
    rc = wk_stem_create(ctx, &s->w, &st);
    if (!rc) rc = wk_stem_run(ctx, st, s->mel, s->frames, y, NULL, 0);
    if (!rc) rc = wk_stem_forward_ref(ctx, &s->w, s->mel, s->frames, yr);
  }
  if (!rc) {
    double dot = 0, n1 = 0, n2 = 0, e2 = 0, dd = 0, dn1 = 0, dn2 = 0, mx = 0;
    for (size_t i = 0; i < total; i++) {
      const double a = y[i], b = yr[i], p = s->w.pos[i], e = a - b;
      dot += a * b, n1 += a * a, n2 += b * b, e2 += e * e;
      dd += (a - p) * (b - p), dn1 += (a - p) * (a - p), dn2 += (b - p) * (b - p);
      mx = fabs(e) > mx ? fabs(e) : mx;
    }
    m->cosine = dot / sqrt(n1 * n2);
    m->rel_err = sqrt(e2 / n2);
    m->delta_cosine = dd / sqrt(dn1 * dn2);
    m->delta_rel_err = sqrt(e2 / dn2);
    m->max_abs_err = mx;
  }
  wk_stem_free(st);
  free(y), free(yr);
  return rc;
}
