/* encoder_f32_dump.c DIR N_MELS N_CTX D HEADS N_LAYER SEED — writes a synthetic encoder's weights
 * (Whisper's names and layouts: conv [out][in][3], Linear [out][in]), its mel input
 * [n_mels][2·n_ctx] and the FP32 encoder's output `out` [n_ctx][d] (best ISA, 2 threads) as .npy
 * files into DIR, for tests/encoder_ref.py to check against a float64 NumPy encoder. */
#include <stdio.h>
#include <stdlib.h>

#include "common/common.h"
#include "f32_synth.h"
#include "model/encoder-f32.h"
#include "io/npy.h"

static int save(const char *dir, const char *name, const float *a, int ndim, int64_t d0,
                int64_t d1, int64_t d2) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  const int64_t shape[3] = {d0, d1, d2};
  if (wk_npy_save(path, WK_NPY_FLOAT32, ndim, shape, a) != WK_STATUS_OK) {
    fprintf(stderr, "%s\n", wk_last_error());
    return 0;
  }
  return 1;
}

static int save_layer(const char *dir, int l, const wk_layer_f32 *w) {
  const int d = w->d, F = w->ffn;
  char n[64];
#define S(name, p, nd, a, b)                                                    \
  (snprintf(n, sizeof n, "blocks.%d.%s", l, name), save(dir, n, p, nd, a, b, 0))
  return S("attn_ln.weight", w->ln1_g, 1, d, 0) && S("attn_ln.bias", w->ln1_b, 1, d, 0) &&
         S("attn.query.weight", w->wq, 2, d, d) && S("attn.query.bias", w->bq, 1, d, 0) &&
         S("attn.key.weight", w->wk, 2, d, d) && S("attn.value.weight", w->wv, 2, d, d) &&
         S("attn.value.bias", w->bv, 1, d, 0) && S("attn.out.weight", w->wo, 2, d, d) &&
         S("attn.out.bias", w->bo, 1, d, 0) && S("mlp_ln.weight", w->ln2_g, 1, d, 0) &&
         S("mlp_ln.bias", w->ln2_b, 1, d, 0) && S("mlp.0.weight", w->w1, 2, F, d) &&
         S("mlp.0.bias", w->b1, 1, F, 0) && S("mlp.2.weight", w->w2, 2, d, F) &&
         S("mlp.2.bias", w->b2, 1, d, 0);
#undef S
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s DIR N_MELS N_CTX D HEADS N_LAYER SEED\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  const int nm = atoi(argv[2]), n = atoi(argv[3]), d = atoi(argv[4]), heads = atoi(argv[5]),
            layers = atoi(argv[6]);
  f32_synth s;
  if (nm < 1 || n < 1 || d < 1 || heads < 1 || layers < 1 ||
      !f32_synth_make(nm, n, d, heads, layers, strtoull(argv[7], NULL, 10), &s)) {
    fprintf(stderr, "bad sizes or out of memory\n");
    return 1;
  }
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  wk_encoder_fp32 *e = NULL;
  float *out = wk_alloc_array((size_t)n * d, sizeof(float));
  wk_encoder_profile p = {0};
  int ok = out && wk_encoder_fp32_create(ctx, &s.w, &e) == WK_STATUS_OK;
  const size_t wsz = ok ? wk_encoder_fp32_workspace_size(e, 2) : 0;
  void *ws = wsz ? wk_alloc(wsz) : NULL;
  ok = ok && ws && wk_encoder_fp32_run(ctx, e, s.stem.mel, out, ws, wsz, &p) == WK_STATUS_OK;
  if (!ok) fprintf(stderr, "encoder: %s\n", wk_last_error());
  else
    printf("fp32 encoder (%s, 2 threads): %.1f ms\n", wk_isa_name(wk_context_isa(ctx)),
           p.total * 1e3);
  const wk_stem_f32 *st = &s.w.stem;
  ok = ok && save(dir, "mel", s.stem.mel, 2, nm, 2 * (int64_t)n, 0) &&
       save(dir, "out", out, 2, n, d, 0) && save(dir, "conv1.weight", st->conv1_w, 3, d, nm, 3) &&
       save(dir, "conv1.bias", st->conv1_b, 1, d, 0, 0) &&
       save(dir, "conv2.weight", st->conv2_w, 3, d, d, 3) &&
       save(dir, "conv2.bias", st->conv2_b, 1, d, 0, 0) &&
       save(dir, "positional_embedding", st->pos, 2, n, d, 0) &&
       save(dir, "ln_post.weight", s.w.ln_post_g, 1, d, 0, 0) &&
       save(dir, "ln_post.bias", s.w.ln_post_b, 1, d, 0, 0);
  for (int l = 0; ok && l < layers; l++) ok = save_layer(dir, l, &s.lw[l]);
  wk_free(ws), wk_free(out);
  wk_encoder_fp32_free(e);
  wk_context_free(ctx);
  f32_synth_free(&s);
  return ok ? 0 : 1;
}
