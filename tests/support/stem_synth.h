/* stem_synth.h — synthetic Whisper conv stems and mel-like inputs for the layer suite and
 * tests. */
#ifndef WK_STEM_SYNTH_H
#define WK_STEM_SYNTH_H

#include "model/stem.h"

typedef struct wk_stem_synth {
  wk_stem_f32 w; /* points into buf */
  float *buf;    /* every weight, one allocation */
  float *mel;    /* [n_mels][frames] mel-like input */
  int frames;
} wk_stem_synth;

/* conv weights and biases N(0, 0.02²); pos = Whisper's sinusoids(n_ctx = frames/2, d)
 * ([sin ‖ cos], timescales 1 … 10000); mel: a log-mel-like input in about [−1, 1.5] — smooth
 * spectral envelopes that drift over time plus noise, with the last eighth of the frames a
 * flat "silence" floor, as Whisper's padded 30 s windows have.  Deterministic in `seed`.
 * frames even ≥ 2.  Returns 0 on out-of-memory. */
int wk_stem_synth_make(int n_mels, int d, int frames, unsigned long long seed, wk_stem_synth *s);
void wk_stem_synth_free(wk_stem_synth *s);

/* INT8 stem (on ctx's kernels) vs the FP32 reference over all frames/2 × d outputs. */
typedef struct wk_stem_metrics {
  double cosine;       /* cos(x_int8, x_ref) */
  double rel_err;      /* ‖x_int8 − x_ref‖₂ / ‖x_ref‖₂ */
  double delta_cosine; /* cos(x_int8 − pos, x_ref − pos): the convolutions alone */
  double delta_rel_err;/* ‖x_int8 − x_ref‖₂ / ‖x_ref − pos‖₂ */
  double max_abs_err;
} wk_stem_metrics;

wk_status wk_stem_synth_evaluate(wk_context *ctx, const wk_stem_synth *s, wk_stem_metrics *m);

#endif
