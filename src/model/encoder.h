/* encoder.h — the whole Whisper encoder (internal API; the public calls wrap it).
 *
 *   x = stem(mel)                     conv1 + GELU, conv2 (stride 2) + GELU, + positions
 *   x = layer_i(x), i = 0 … n_layer−1 (layer.h)
 *   y = ln_post(x)                    [n_ctx][d] features
 *
 * The weights below are what a model file holds for the encoder, dequantized to fp32
 * (src/io/ggml.c fills them from a whisper.cpp model file; tests fill them synthetically).
 */
#ifndef WK_ENCODER_H
#define WK_ENCODER_H

#include "model/layer.h"
#include "model/stem.h"

typedef struct wk_encoder_f32 {
  int n_mels;       /* 80, or 128 (large-v3) */
  int n_ctx;        /* n_audio_ctx: 1500 */
  int d;            /* n_audio_state */
  int heads;        /* n_audio_head */
  int n_layer;      /* n_audio_layer */
  wk_stem_f32 stem; /* conv1, conv2, positional embedding ([n_ctx][d]) */
  wk_layer_f32 *layers; /* [n_layer], or NULL with layer_fn: */
  /* Layers one at a time (a model file's, dequantized into one reused buffer): layer i into
   * *out, valid until the next call.  Used only when `layers` is NULL. */
  wk_status (*layer_fn)(void *layer_arg, int i, wk_layer_f32 *out);
  void *layer_arg;
  const float *ln_post_g, *ln_post_b; /* [d] */
} wk_encoder_f32;

/* Layer i of w, from `layers` or from layer_fn. */
static inline wk_status wk_encoder_f32_layer(const wk_encoder_f32 *w, int i, wk_layer_f32 *out) {
  if (w->layers) {
    *out = w->layers[i];
    return WK_STATUS_OK;
  }
  return w->layer_fn(w->layer_arg, i, out);
}

/* Seconds per stage of one encoder run, accumulated (zero it first).  The stages sum to total
 * up to `other` (argument checks, copies). */
typedef struct wk_encoder_profile {
  double conv;      /* conv stem: im2col quantize + the two conv GEMMs (+ GELU, + positions) */
  double attention; /* the attention operator, all layers and heads */
  double gemm;      /* QKV, out-proj, fc1, fc2 (bias, GELU, residual and requantization fused) */
  double norm;      /* LayerNorms (fused with their int8 quantization in the INT8 path) */
  double quant;     /* standalone quantization (Q, K, V, attention output) */
  double other;     /* everything else, so that the stages sum to total */
  double total;     /* the whole call */
} wk_encoder_profile;

#endif
