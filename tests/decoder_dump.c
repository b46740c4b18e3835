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
#include "model/decoder.h"
#include "test_util.h"

#define P 4
#define S 3
static const int prompt[2][P] = {{50258, 50259, 50359, 50363}, {50258, 50259, 50359, 440}};
static const int steps[S][2] = {{1000, 2000}, {3000, 4000}, {50257, 7}};
static const int src[S][2] = {{0, 1}, {1, 1}, {1, 0}};

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
  int ok = lg && one && decoder_synth_save(dir, &s);
  float plan[2 * P + 4 * S];
  for (int i = 0; i < 2 * P; i++) plan[i] = (float)prompt[i / P][i % P];
  for (int i = 0; i < 2 * S; i++) plan[2 * P + i] = (float)steps[i / 2][i % 2];
  for (int i = 0; i < 2 * S; i++) plan[2 * P + 2 * S + i] = (float)src[i / 2][i % 2];
  ok = ok && decoder_synth_npy(dir, "prompt", plan, 2, 2, P, 0) &&
       decoder_synth_npy(dir, "steps", plan + 2 * P, 2, S, 2, 0) &&
       decoder_synth_npy(dir, "src", plan + 2 * P + 2 * S, 2, S, 2, 0);
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
  ok = ok && decoder_synth_npy(dir, "logits_fp32", lg, 3, 1 + S, 2, (int64_t)V) &&
       decoder_synth_npy(dir, "logits_int8", lg + n_out, 3, 1 + S, 2, (int64_t)V);
  wk_free(lg), wk_free(one);
  wk_context_free(ctx);
  decoder_synth_free(&s);
  return ok && same[0] && same[1] ? 0 : 1;
}
