/* f32_synth.h — a synthetic Whisper encoder (wk_encoder_f32) for the FP32 encoder's tests, its
 * NumPy reference dump and its benchmark: the layer suite's synthetic layers (weights N(0, 0.02²),
 * LN gains 1 + N(0, 0.1²)), the stem suite's conv weights, sinusoidal positions and log-mel-like
 * input, and an ln_post like the layers' LayerNorms.  Deterministic in the seed. */
#ifndef WK_F32_SYNTH_H
#define WK_F32_SYNTH_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer_synth.h"
#include "model/encoder.h"
#include "stem_synth.h"
#include "test_util.h"

typedef struct f32_synth {
  wk_encoder_f32 w;      /* points into the members below */
  wk_stem_synth stem;    /* also holds mel [n_mels][2·n_ctx] */
  wk_layer_synth *layer; /* [n_layer] */
  wk_layer_f32 *lw;      /* [n_layer] */
  float *ln_post;        /* [2][d]: g, b */
} f32_synth;

static inline void f32_synth_free(f32_synth *s) {
  if (s->layer)
    for (int l = 0; l < s->w.n_layer; l++) wk_layer_synth_free(&s->layer[l]);
  free(s->layer), free(s->lw), free(s->ln_post);
  wk_stem_synth_free(&s->stem);
  memset(s, 0, sizeof *s);
}

/* Returns 0 on out-of-memory. */
static inline int f32_synth_make(int n_mels, int n_ctx, int d, int heads, int n_layer,
                                 unsigned long long seed, f32_synth *s) {
  memset(s, 0, sizeof *s);
  s->w = (wk_encoder_f32){.n_mels = n_mels, .n_ctx = n_ctx, .d = d, .heads = heads,
                          .n_layer = n_layer};
  if (!wk_stem_synth_make(n_mels, d, 2 * n_ctx, seed, &s->stem)) return 0;
  s->layer = calloc((size_t)n_layer, sizeof *s->layer);
  s->lw = calloc((size_t)n_layer, sizeof *s->lw);
  s->ln_post = malloc(sizeof(float) * 2 * (size_t)d);
  if (!s->layer || !s->lw || !s->ln_post) return f32_synth_free(s), 0;
  for (int l = 0; l < n_layer; l++) {
    if (!wk_layer_synth_make(d, heads, 1, 0, seed * 1000 + (unsigned long long)l + 1, &s->layer[l]))
      return f32_synth_free(s), 0;
    s->lw[l] = s->layer[l].w;
  }
  wk_test_rng r = {seed ^ 0x9e37u};
  for (int i = 0; i < d; i++) { /* gain 1 ± 0.1, bias ± 0.02 (uniform: shape matters little) */
    s->ln_post[i] = 1.0f + wk_test_float(&r, -0.17f, 0.17f);
    s->ln_post[d + i] = wk_test_float(&r, -0.035f, 0.035f);
  }
  s->w.stem = s->stem.w;
  s->w.layers = s->lw;
  s->w.ln_post_g = s->ln_post;
  s->w.ln_post_b = s->ln_post + d;
  return 1;
}

/* Flops (2 per multiply-add) of one encoder run. */
static inline double f32_synth_flops(const wk_encoder_f32 *w) {
  const double n = w->n_ctx, d = w->d, T = 2.0 * n;
  double f = 2 * T * d * 3 * w->n_mels + 2 * n * d * 3 * d;
  for (int l = 0; l < w->n_layer; l++)
    f += 2 * n * d * (4 * d + 2.0 * w->layers[l].ffn) + 4 * n * n * d;
  return f;
}

#endif
