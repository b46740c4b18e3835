/* decoder_synth.h — a synthetic Whisper decoder for the decoder tests: a synthetic model file
 * (tests/support/synth_model.h) loaded from memory, its decoder weights in fp32
 * (wk_model_decoder_f32), and random encoder features; decoder_synth_save writes them as .npy
 * files under Whisper's names for the NumPy references (tests/decoder_ref.py). */
#ifndef WK_DECODER_SYNTH_H
#define WK_DECODER_SYNTH_H

#include <stdio.h>
#include <stdlib.h>

#include "common/common.h"
#include "io/ggml.h"
#include "io/npy.h"
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

/* DIR/NAME.npy, float32, shape [d0][d1][d2] truncated to ndim; 0 (message on stderr) on failure. */
static inline int decoder_synth_npy(const char *dir, const char *name, const float *a, int ndim,
                                    int64_t d0, int64_t d1, int64_t d2) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  const int64_t shape[3] = {d0, d1, d2};
  if (wk_npy_save(path, WK_NPY_FLOAT32, ndim, shape, a) != WK_STATUS_OK) {
    fprintf(stderr, "%s\n", wk_last_error());
    return 0;
  }
  return 1;
}

/* The weights (PyTorch layout, Whisper's names: what model.py's state_dict holds) and the
 * features into DIR. */
static inline int decoder_synth_save(const char *dir, const decoder_synth *s) {
  const wk_decoder_f32 *w = &s->w;
  const int d = w->d, F = w->ffn;
#define S1(name, p, x) decoder_synth_npy(dir, name, p, 1, x, 0, 0)
#define S2(name, p, x, y) decoder_synth_npy(dir, name, p, 2, x, y, 0)
  int ok = S2("token_embedding", w->token_embedding, w->n_vocab, d) &&
           S2("positional_embedding", w->positional_embedding, w->n_text_ctx, d) &&
           S1("ln.weight", w->ln_g, d) && S1("ln.bias", w->ln_b, d) &&
           S2("features", s->features, s->n_audio, d);
  char n[96];
  for (int l = 0; ok && l < w->n_layer; l++) {
    const wk_decoder_layer_f32 *L = &w->layers[l];
    for (int c = 0; ok && c < 2; c++) {
      const wk_decoder_attn_f32 *a = c ? &L->cross : &L->attn;
      const char *part = c ? "cross_attn" : "attn";
#define SA(what) (snprintf(n, sizeof n, "blocks.%d.%s%s", l, part, what), n)
      ok = S1(SA("_ln.weight"), a->ln_g, d) && S1(SA("_ln.bias"), a->ln_b, d) &&
           S2(SA(".query.weight"), a->wq, d, d) && S1(SA(".query.bias"), a->bq, d) &&
           S2(SA(".key.weight"), a->wk, d, d) && S2(SA(".value.weight"), a->wv, d, d) &&
           S1(SA(".value.bias"), a->bv, d) && S2(SA(".out.weight"), a->wo, d, d) &&
           S1(SA(".out.bias"), a->bo, d);
#undef SA
    }
#define SM(what) (snprintf(n, sizeof n, "blocks.%d.%s", l, what), n)
    ok = ok && S1(SM("mlp_ln.weight"), L->mlp_ln_g, d) && S1(SM("mlp_ln.bias"), L->mlp_ln_b, d) &&
         S2(SM("mlp.0.weight"), L->w1, F, d) && S1(SM("mlp.0.bias"), L->b1, F) &&
         S2(SM("mlp.2.weight"), L->w2, d, F) && S1(SM("mlp.2.bias"), L->b2, d);
#undef SM
  }
#undef S1
#undef S2
  return ok;
}

#endif
