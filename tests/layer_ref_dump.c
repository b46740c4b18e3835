/* layer_ref_dump.c DIR D HEADS LEN SEED — writes a synthetic layer's weights (Whisper's names and
 * [out][in] layout), its input x and the FP32 reference output y_ref (wk_layer_forward_ref) as
 * .npy files into DIR, for test_layer_ref.sh to check against NumPy.
 * layer_ref_dump stem DIR N_MELS D FRAMES SEED — the same for the conv stem: conv1/conv2
 * weights ([out][in][3]) and biases, positional_embedding, mel [n_mels][frames] and
 * x_ref = wk_stem_forward_ref [frames/2][d]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer_ref.h"
#include "layer_synth.h"
#include "io/npy.h"

#include "stem_ref.h"
#include "stem_synth.h"
#include "test_util.h"

static int save(const char *dir, const char *name, const float *a, int64_t r, int64_t c) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  int64_t shape[2] = {r, c};
  if (wk_npy_save(path, WK_NPY_FLOAT32, c ? 2 : 1, shape, a) != WK_STATUS_OK) {
    fprintf(stderr, "%s\n", wk_last_error());
    return 0;
  }
  return 1;
}

static int save3(const char *dir, const char *name, const float *a, int64_t r, int64_t c) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  int64_t shape[3] = {r, c, 3};
  if (wk_npy_save(path, WK_NPY_FLOAT32, 3, shape, a) != WK_STATUS_OK) {
    fprintf(stderr, "%s\n", wk_last_error());
    return 0;
  }
  return 1;
}

static int stem_dump(const char *dir, int n_mels, int d, int frames, unsigned long long seed) {
  wk_stem_synth s;
  if (!wk_stem_synth_make(n_mels, d, frames, seed, &s)) return 1;
  const wk_stem_f32 *w = &s.w;
  float *x = malloc(sizeof(float) * (size_t)(frames / 2) * d); /* [frames/2][d] */
  wk_context *ctx = wk_test_context(WK_ISA_SCALAR, 2);
  int ok = x && wk_stem_forward_ref(ctx, w, s.mel, frames, x) == WK_STATUS_OK;
  if (!ok) fprintf(stderr, "stem reference: %s\n", wk_last_error());
  ok = ok && save(dir, "mel", s.mel, n_mels, frames) && save(dir, "x_ref", x, frames / 2, d) &&
       save3(dir, "conv1.weight", w->conv1_w, d, n_mels) &&
       save(dir, "conv1.bias", w->conv1_b, d, 0) && save3(dir, "conv2.weight", w->conv2_w, d, d) &&
       save(dir, "conv2.bias", w->conv2_b, d, 0) &&
       save(dir, "positional_embedding", w->pos, w->n_ctx, d);
  wk_context_free(ctx);
  free(x);
  wk_stem_synth_free(&s);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "stem") == 0)
    return stem_dump(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
                     strtoull(argv[6], NULL, 10));
  if (argc != 6) {
    fprintf(stderr, "usage: %s DIR D HEADS LEN SEED | stem DIR N_MELS D FRAMES SEED\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  const int d = atoi(argv[2]), heads = atoi(argv[3]), len = atoi(argv[4]);
  wk_layer_synth s;
  if (!wk_layer_synth_make(d, heads, len, 0, strtoull(argv[5], NULL, 10), &s)) return 1;
  const wk_layer_f32 *w = &s.w;
  const int F = w->ffn;
  float *y = malloc(sizeof(float) * (size_t)len * d);
  wk_context *ctx = wk_test_context(WK_ISA_SCALAR, 2);
  int ok = y && wk_layer_forward_ref(ctx, w, s.x, len, NULL, 0, y) == WK_STATUS_OK;
  if (!ok) fprintf(stderr, "reference: %s\n", wk_last_error());
  ok = ok && save(dir, "x", s.x, len, d) && save(dir, "y_ref", y, len, d) &&
       save(dir, "attn_ln.weight", w->ln1_g, d, 0) && save(dir, "attn_ln.bias", w->ln1_b, d, 0) &&
       save(dir, "attn.query.weight", w->wq, d, d) && save(dir, "attn.query.bias", w->bq, d, 0) &&
       save(dir, "attn.key.weight", w->wk, d, d) && save(dir, "attn.value.weight", w->wv, d, d) &&
       save(dir, "attn.value.bias", w->bv, d, 0) && save(dir, "attn.out.weight", w->wo, d, d) &&
       save(dir, "attn.out.bias", w->bo, d, 0) && save(dir, "mlp_ln.weight", w->ln2_g, d, 0) &&
       save(dir, "mlp_ln.bias", w->ln2_b, d, 0) && save(dir, "mlp.0.weight", w->w1, F, d) &&
       save(dir, "mlp.0.bias", w->b1, F, 0) && save(dir, "mlp.2.weight", w->w2, d, F) &&
       save(dir, "mlp.2.bias", w->b2, d, 0);
  wk_context_free(ctx);
  free(y);
  wk_layer_synth_free(&s);
  return ok ? 0 : 1;
}
