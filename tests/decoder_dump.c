/* decoder_dump.c DIR SIZE SEED N_AUDIO — runs a synthetic decoder (tests/decoder_synth.h) through
 * a fixed 2-beam plan and writes .npy files into DIR for tests/decoder_ref.py:
 *   weights (Whisper's names, PyTorch layout), features [n_audio][d],
 *   plan: prompt [2][P] tokens; steps [S][2] tokens; src [S][2] the reorder before each step;
 *   logits_fp32, logits_int8 [1 + S][2][n_vocab]: the prefill's, then each step's.
 * It also runs the plan with the prompt token by token (FP32 and INT8) and prints whether every
 * logit equals the prefill run's byte for byte (the exit status says so too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder_synth.h"
#include "io/npy.h"
#include "model/decoder.h"
#include "test_util.h"

#define P 4
#define S 3
static const int prompt[2][P] = {{50258, 50259, 50359, 50363}, {50258, 50259, 50359, 440}};
static const int steps[S][2] = {{1000, 2000}, {3000, 4000}, {50257, 7}};
static const int src[S][2] = {{0, 1}, {1, 1}, {1, 0}};

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

static int save_weights(const char *dir, const wk_decoder_f32 *w, const decoder_synth *s) {
  const int d = w->d, F = w->ffn;
  int ok = save(dir, "token_embedding", w->token_embedding, 2, w->n_vocab, d, 0) &&
           save(dir, "positional_embedding", w->positional_embedding, 2, w->n_text_ctx, d, 0) &&
           save(dir, "ln.weight", w->ln_g, 1, d, 0, 0) && save(dir, "ln.bias", w->ln_b, 1, d, 0, 0) &&
           save(dir, "features", s->features, 2, s->n_audio, d, 0);
  char n[96];
  for (int l = 0; ok && l < w->n_layer; l++) {
    const wk_decoder_layer_f32 *L = &w->layers[l];
    for (int c = 0; ok && c < 2; c++) {
      const wk_decoder_attn_f32 *a = c ? &L->cross : &L->attn;
      const char *part = c ? "cross_attn" : "attn";
#define SA(what, p, nd, x, y) (snprintf(n, sizeof n, "blocks.%d.%s%s", l, part, what), save(dir, n, p, nd, x, y, 0))
      ok = SA("_ln.weight", a->ln_g, 1, d, 0) && SA("_ln.bias", a->ln_b, 1, d, 0) &&
           SA(".query.weight", a->wq, 2, d, d) && SA(".query.bias", a->bq, 1, d, 0) &&
           SA(".key.weight", a->wk, 2, d, d) && SA(".value.weight", a->wv, 2, d, d) &&
           SA(".value.bias", a->bv, 1, d, 0) && SA(".out.weight", a->wo, 2, d, d) &&
           SA(".out.bias", a->bo, 1, d, 0);
#undef SA
    }
#define SM(what, p, nd, x, y) (snprintf(n, sizeof n, "blocks.%d.%s", l, what), save(dir, n, p, nd, x, y, 0))
    ok = ok && SM("mlp_ln.weight", L->mlp_ln_g, 1, d, 0) && SM("mlp_ln.bias", L->mlp_ln_b, 1, d, 0) &&
         SM("mlp.0.weight", L->w1, 2, F, d) && SM("mlp.0.bias", L->b1, 1, F, 0) &&
         SM("mlp.2.weight", L->w2, 2, d, F) && SM("mlp.2.bias", L->b2, 1, d, 0);
#undef SM
  }
  return ok;
}

/* The plan: prefill, then per step a reorder and one token per beam → out [1 + S][2][V].
 * step_prompt: run the prompt one token at a time.  Returns 0 on failure. */
static int run_plan(wk_context *ctx, const wk_decoder *dec, const decoder_synth *s, int step_prompt,
                    float *out) {
  const size_t V = (size_t)s->w.n_vocab;
  wk_decoder_state *st = NULL;
  int ok = !wk_decoder_state_create(dec, 2, &st) &&
           !wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio);
  if (ok && step_prompt) {
    for (int i = 0; ok && i < P; i++) {
      const int t[2] = {prompt[0][i], prompt[1][i]};
      ok = !wk_decoder_step(ctx, dec, st, t, 1, i == P - 1 ? out : NULL);
    }
  } else if (ok) {
    ok = !wk_decoder_step(ctx, dec, st, &prompt[0][0], P, out);
  }
  for (int k = 0; ok && k < S; k++)
    ok = !wk_decoder_reorder(st, src[k]) &&
         !wk_decoder_step(ctx, dec, st, steps[k], 1, out + (size_t)(k + 1) * 2 * V);
  if (!ok) fprintf(stderr, "decoder: %s\n", wk_last_error());
  wk_decoder_state_free(st);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s DIR SIZE SEED N_AUDIO\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  decoder_synth s;
  if (!decoder_synth_make(argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]), &s)) return 1;
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  const size_t V = (size_t)s.w.n_vocab, n_out = (size_t)(1 + S) * 2 * V;
  float *lg = wk_alloc_array(2 * n_out, sizeof(float)); /* [2 precisions][1 + S][2][V] */
  float *one = wk_alloc_array(n_out, sizeof(float));    /* the plan, prompt token by token */
  int ok = lg && one && save_weights(dir, &s.w, &s);
  float plan[2 * P + 4 * S];
  for (int i = 0; i < 2 * P; i++) plan[i] = (float)prompt[i / P][i % P];
  for (int i = 0; i < 2 * S; i++) plan[2 * P + i] = (float)steps[i / 2][i % 2];
  for (int i = 0; i < 2 * S; i++) plan[2 * P + 2 * S + i] = (float)src[i / 2][i % 2];
  ok = ok && save(dir, "prompt", plan, 2, 2, P, 0) && save(dir, "steps", plan + 2 * P, 2, S, 2, 0) &&
       save(dir, "src", plan + 2 * P + 2 * S, 2, S, 2, 0);
  int same[2] = {0, 0};
  for (int p = 0; ok && p < 2; p++) {
    const wk_precision prec = p ? WK_PRECISION_INT8 : WK_PRECISION_FP32;
    wk_decoder *dec = NULL;
    const double t0 = wk_now();
    ok = !wk_decoder_create(ctx, &s.w, prec, &dec);
    const double t1 = wk_now();
    ok = ok && run_plan(ctx, dec, &s, 0, lg + p * n_out) && run_plan(ctx, dec, &s, 1, one);
    if (!ok) fprintf(stderr, "decoder: %s\n", wk_last_error());
    same[p] = ok && !memcmp(one, lg + p * n_out, n_out * sizeof(float));
    if (ok)
      printf("%s: create %.0f ms, plan %.0f ms; prompt at once == token by token: %s\n",
             p ? "int8" : "fp32", (t1 - t0) * 1e3, (wk_now() - t1) * 1e3,
             same[p] ? "byte-identical" : "DIFFERENT");
    wk_decoder_free(dec);
  }
  ok = ok && save(dir, "logits_fp32", lg, 3, 1 + S, 2, (int64_t)V) &&
       save(dir, "logits_int8", lg + n_out, 3, 1 + S, 2, (int64_t)V);
  wk_free(lg), wk_free(one);
  wk_context_free(ctx);
  decoder_synth_free(&s);
  return ok && same[0] && same[1] ? 0 : 1;
}
