/* encoder-int8.h — the whole Whisper encoder in INT8 (internal API; include/whisk.h's
 * wk_encoder_* wrap it).
 *
 *   x = stem(mel)        conv1 + GELU, conv2 (stride 2) + GELU, + positions   (stem.h)
 *   x = layer_i(x)       i = 0 … n_layer−1, in place                          (layer.h)
 *   y = ln_post(x)       fp32 LayerNorm, in place                             (norm.h)
 *
 * Everything runs in the caller's `out` buffer plus one workspace (the largest of the stem's and
 * a layer's), so a run allocates nothing.  Bit-identical on every ISA and thread count (every
 * step is).  The encoder is read-only after create: several threads may run one encoder at
 * once, each with its own context (of the ISA it was created with) and workspace. */
#ifndef WK_ENCODER_INT8_H
#define WK_ENCODER_INT8_H

#include "model/encoder.h"

typedef struct wk_encoder_int8 wk_encoder_int8;

/* Quantizes and packs the stem and every layer for the context's kernels.  `smooth`: NULL, or
 * [n_layer] SmoothQuant factors per layer (layer.h; entries may hold NULL pointers).  `w` may be
 * freed afterwards.  Fails on inconsistent dimensions (stem vs layers vs the encoder's), NULL or
 * non-finite weights. */
wk_status wk_encoder_int8_create(wk_context *context, const wk_encoder_f32 *w,
                                 const wk_layer_smoothing *smooth, wk_encoder_int8 **out);
void wk_encoder_int8_free(wk_encoder_int8 *encoder); /* accepts NULL */

/* Bytes of workspace wk_encoder_int8_run needs on `context` (its ISA and thread count); 0 on a
 * NULL argument. */
size_t wk_encoder_int8_workspace_size(const wk_context *context, const wk_encoder_int8 *encoder);

/* out = encoder(mel).  mel: [n_mels][2·n_ctx] channel-major, finite; out: [n_ctx][d].
 * workspace: wk_encoder_int8_workspace_size bytes, any alignment (smaller: error); NULL:
 * allocated for the call.  `profile` may be NULL; else each stage's seconds are added to it
 * (conv, attention, gemm, norm (both LayerNorms of every layer and ln_post), quant, other) and
 * the stages sum to total. */
wk_status wk_encoder_int8_run(wk_context *context, const wk_encoder_int8 *encoder,
                              const float *mel, float *out, void *workspace,
                              size_t workspace_size, wk_encoder_profile *profile);

/* The dimensions an encoder was built for. */
void wk_encoder_int8_dims(const wk_encoder_int8 *encoder, int *n_mels, int *n_ctx, int *d);

/* The public wk_encoder (include/whisk.h) from fp32 weights already in memory: what
 * wk_encoder_create does once the model loader has dequantized a model's encoder tensors
 * (`w` may be freed afterwards). */
wk_status wk_encoder_create_from_weights(wk_context *context, const wk_encoder_f32 *w,
                                         wk_precision precision, wk_encoder **out);

/* The SmoothQuant factors wk_encoder_create uses for the INT8 path (data-free, α = 0.5; see
 * encoder.c): *smooth [n_layer] points into *factors [n_layer][2][d]; free both with wk_free
 * (also on failure). */
wk_status wk_encoder_smoothing(const wk_encoder_f32 *w, float **factors,
                               wk_layer_smoothing **smooth);

/* The precision an encoder was built for. */
wk_precision wk_encoder_precision(const wk_encoder *encoder);

/* wk_encoder_run, adding each stage's seconds to *prof (zero it first; may be NULL). */
wk_status wk_encoder_run_profiled(wk_context *context, const wk_encoder *encoder,
                                  const float *mel, size_t mel_count, float *out,
                                  size_t out_capacity, wk_encoder_profile *prof);

#endif
