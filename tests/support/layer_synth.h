/* layer_synth.h — synthetic Whisper encoder layers for the layer suite and tests. */
#ifndef WK_LAYER_SYNTH_H
#define WK_LAYER_SYNTH_H

#include "model/layer.h"

#define WK_SYNTH_OUTLIER_CHANNELS 4
#define WK_SYNTH_OUTLIER_GAIN 50.0f

typedef struct wk_layer_synth {
  wk_layer_f32 w;  /* points into buf */
  float *buf;      /* every weight, one allocation */
  float *x;        /* [len][d] input: N(0,1), outlier channels × 50 if asked */
  int len;
  int outlier[WK_SYNTH_OUTLIER_CHANNELS]; /* the outlier channels (when asked) */
} wk_layer_synth;

/* Weights N(0, 0.02²) (LN gains 1 + N(0, 0.1²), LN biases and Linear biases N(0, 0.02²)),
 * ffn = 4d, deterministic in `seed`.  Returns 0 on out-of-memory. */
int wk_layer_synth_make(int d, int heads, int len, int outliers, unsigned long long seed,
                        wk_layer_synth *s);
void wk_layer_synth_free(wk_layer_synth *s);



/* INT8 layer (on ctx's kernels, with `smooth` or NULL) vs the FP32 reference on `n_rows`
 * output rows spread evenly over the sequence (all rows when n_rows ≥ len). */
typedef struct wk_layer_metrics {
  double cosine;       /* cos(y_int8, y_ref) over the rows compared */
  double rel_err;      /* ‖y_int8 − y_ref‖₂ / ‖y_ref‖₂ */
  double delta_cosine; /* cos(y_int8 − x, y_ref − x): the layer's update alone */
  double delta_rel_err;/* ‖y_int8 − y_ref‖₂ / ‖y_ref − x‖₂ */
  double max_abs_err;
  int rows;
} wk_layer_metrics;

wk_status wk_layer_synth_evaluate(wk_context *ctx, const wk_layer_synth *s,
                                  const wk_layer_smoothing *smooth, int n_rows,
                                  wk_layer_metrics *m);
/* SmoothQuant factors (α = alpha) calibrated on the synthetic input: s_j = max_t |a_tj|^α /
 * max_o |W_oj|^(1−α), a = LayerNorm output over all tokens, W = the next weights (q, k, v for
 * s1; fc1 for s2).  For s2 the LayerNorm is applied to x instead of the true x1 = x + attention
 * update (an approximation: the residual stream, and so its outlier channels, dominates x1).
 * s1, s2: [d]. */
void wk_layer_synth_smoothing(const wk_layer_synth *s, float alpha, float *s1, float *s2);

#endif
