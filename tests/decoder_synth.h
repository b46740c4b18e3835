/* decoder_synth.h — a synthetic Whisper decoder for the decoder tests: a synthetic model file
 * (tests/support/synth_model.h) loaded from memory, its decoder weights in fp32
 * (wk_model_decoder_f32), and random encoder features. */
#ifndef WK_DECODER_SYNTH_H
#define WK_DECODER_SYNTH_H

#include <stdio.h>
#include <stdlib.h>

#include "common/common.h"
#include "io/ggml.h"
#include "synth_model.h"

typedef struct decoder_synth {
  uint8_t *file;       /* the model file image (free()) */
  wk_model *model;
  wk_decoder_f32 w;    /* points into storage */
  float *storage;
  float *features;     /* [n_audio][d] uniform in [−2, 2) */
  int n_audio;
} decoder_synth;

static inline void decoder_synth_free(decoder_synth *s) {
  wk_free(s->storage), wk_free(s->features);
  wk_model_free(s->model);
  free(s->file);
}

/* size: "tiny", "base", …; returns 0 (message on stderr) on failure. */
static inline int decoder_synth_make(const char *size, uint64_t seed, int n_audio,
                                     decoder_synth *s) {
  memset(s, 0, sizeof *s);
  const wk_synth_model_options o = {size, 0, "f32", seed, 0};
  size_t n = 0;
  if (wk_synth_model_write_memory(&o, &s->file, &n) ||
      wk_model_load_memory(s->file, n, &s->model) ||
      wk_model_decoder_f32(s->model, &s->w, &s->storage)) {
    fprintf(stderr, "synthetic %s decoder: %s\n", size, wk_last_error());
    decoder_synth_free(s);
    return 0;
  }
  s->n_audio = n_audio;
  s->features = wk_alloc_array((size_t)n_audio * s->w.d, sizeof(float));
  if (!s->features) {
    decoder_synth_free(s);
    return 0;
  }
  wk_rng r = {seed ^ 0x5eedf00dull};
  for (size_t i = 0; i < (size_t)n_audio * s->w.d; i++)
    s->features[i] = (float)(wk_rng_uniform(&r) * 4.0 - 2.0);
  return 1;
}

#endif
