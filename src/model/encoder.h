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
  wk_layer_f32 *layers; /* [n_layer] */
  const float *ln_post_g, *ln_post_b; /* [d] */
} wk_encoder_f32;

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
