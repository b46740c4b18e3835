/* decoder_dump.c DIR SIZE SEED N_AUDIO [capture] — runs a synthetic decoder
 * (tests/decoder_synth.h) and writes .npy files into DIR for tests/decoder_ref.py: the weights
 * (Whisper's names, PyTorch layout) and features [n_audio][d], then
 *
 * without `capture`, a fixed 2-beam plan:
 *   plan: prompt [2][P] tokens; steps [S][2] tokens; src [S][2] the reorder before each step;
 *   logits_fp32, logits_int8 [1 + S][2][n_vocab]: the prefill's, then each step's.
 * It also runs the plan with the prompt token by token (FP32 and INT8) and prints whether every
 * logit equals the prefill run's byte for byte (the exit status says so too).
 *
 * with `capture`, find_alignment's forward pass (timing.py) through wk_decoder_step_capture:
 *   tokens [N]: sot_sequence, no_timestamps, 20 text tokens, eot; heads [NH][2]: (layer, head)
 *   pairs with a repeat and the last layer; targets [N]: row i's next token on the rows from
 *   no_timestamps to the last text token (that one's is eot, past vocab_limit = eot: 0), −1 on
 *   the others;
 *   qk_fp32, qk_int8 [NH][N][n_audio]; probs_fp32.f64, probs_int8.f64: [N] raw doubles.
 * Its exit status also says whether, in both precisions, the capture's logits and position equal
 * wk_decoder_step's on the same tokens byte for byte, the next step after each is the same (the
 * cache), a repeated pair's logits equal its first's, and the rows without a target hold 0. */
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

/* ── capture ── */

#define NT 20                  /* text tokens */
#define N (3 + 1 + NT + 1)     /* sot_sequence, no_timestamps, text, eot */
#define NH 5                   /* (layer, head) pairs */
#define EOT 50257

static const int text[NT] = {440, 2068, 3855, 21831, 16553, 670, 264, 15509, 5356, 13,
                             50,  1000, 2000, 3000,  4000,  5000, 6000, 7000, 8000, 9000};

/* One precision: the capture against plain steps, its outputs into DIR.  Returns 0 on failure. */
static int capture_run(wk_context *ctx, const decoder_synth *s, wk_precision prec,
                       const int *tokens, const int *heads, const int *targets, const char *dir) {
  const char *pn = prec == WK_PRECISION_INT8 ? "int8" : "fp32";
  const size_t V = (size_t)s->w.n_vocab, plane = (size_t)N * s->n_audio;
  wk_decoder *dec = NULL;
  wk_decoder_state *st[2] = {NULL, NULL}; /* plain steps, capture */
  float *lg[2][2] = {{wk_alloc_array(V, sizeof(float)), wk_alloc_array(V, sizeof(float))},
                     {wk_alloc_array(V, sizeof(float)), wk_alloc_array(V, sizeof(float))}};
  float *qk = wk_alloc_array((size_t)NH * plane, sizeof(float));
  double probs[N];
  const wk_decoder_capture cap = {heads, NH, qk, targets, EOT, probs};
  const int next = 1000;
  int ok = lg[0][0] && lg[0][1] && lg[1][0] && lg[1][1] && qk &&
           !wk_decoder_create(ctx, &s->w, prec, &dec);
  for (int k = 0; ok && k < 2; k++) {
    const double t0 = wk_now();
    ok = !wk_decoder_state_create(dec, 1, &st[k]) &&
         !wk_decoder_set_audio(ctx, dec, st[k], s->features, s->n_audio) &&
         !(k ? wk_decoder_step_capture(ctx, dec, st[k], tokens, N, lg[k][0], &cap)
             : wk_decoder_step(ctx, dec, st[k], tokens, N, lg[k][0])) &&
         !wk_decoder_step(ctx, dec, st[k], &next, 1, lg[k][1]);
    if (ok) printf("%s: %s %.0f ms\n", pn, k ? "capture" : "plain step", (wk_now() - t0) * 1e3);
  }
  if (!ok) fprintf(stderr, "%s capture: %s\n", pn, wk_last_error());
  int same = ok && !memcmp(lg[0][0], lg[1][0], V * sizeof(float)) &&
             wk_decoder_state_position(st[0]) == wk_decoder_state_position(st[1]) &&
             !memcmp(lg[0][1], lg[1][1], V * sizeof(float));
  same = same && !memcmp(qk, qk + 2 * plane, plane * sizeof(float)); /* pairs 0 and 2 repeat */
  for (int i = 0; ok && i < N; i++) /* no target, or one ≥ vocab_limit: 0 */
    same &= targets[i] >= 0 && targets[i] < EOT ? 1 : probs[i] == 0.0;
  if (ok)
    printf("%s: capture logits, position and next step == plain steps, repeated pair equal, "
           "no-target rows 0: %s\n", pn, same ? "yes (byte-identical)" : "NO");
  char name[64], path[4096];
  snprintf(name, sizeof name, "qk_%s", pn);
  ok = ok && decoder_synth_npy(dir, name, qk, 3, NH, N, s->n_audio);
  snprintf(path, sizeof path, "%s/probs_%s.f64", dir, pn);
  FILE *f = ok ? fopen(path, "wb") : NULL;
  ok = f && fwrite(probs, sizeof probs, 1, f) == 1;
  if (f) ok &= fclose(f) == 0;
  wk_decoder_state_free(st[0]), wk_decoder_state_free(st[1]);
  wk_decoder_free(dec);
  wk_free(lg[0][0]), wk_free(lg[0][1]), wk_free(lg[1][0]), wk_free(lg[1][1]), wk_free(qk);
  return ok && same;
}

static int capture_main(wk_context *ctx, const decoder_synth *s, const char *dir) {
  int tokens[N] = {50258, 50259, 50359, 50363}, targets[N], heads[NH][2];
  const int L = s->w.n_layer, H = s->w.heads;
  const int pairs[NH][2] = {{L - 1, H - 1}, {L / 2, 1}, {L - 1, H - 1}, {0, 0}, {L - 1, 2}};
  memcpy(heads, pairs, sizeof heads);
  memcpy(tokens + 4, text, sizeof text);
  tokens[N - 1] = EOT;
  for (int i = 0; i < N; i++) targets[i] = i >= 3 && i < N - 1 ? tokens[i + 1] : -1;
  float meta[N + 2 * NH + N + 1];
  for (int i = 0; i < N; i++) meta[i] = (float)tokens[i], meta[N + 2 * NH + i] = (float)targets[i];
  for (int i = 0; i < 2 * NH; i++) meta[N + i] = (float)heads[i / 2][i % 2];
  meta[2 * N + 2 * NH] = (float)EOT;
  int ok = decoder_synth_save(dir, s) && decoder_synth_npy(dir, "tokens", meta, 1, N, 0, 0) &&
           decoder_synth_npy(dir, "heads", meta + N, 2, NH, 2, 0) &&
           decoder_synth_npy(dir, "targets", meta + N + 2 * NH, 1, N, 0, 0) &&
           decoder_synth_npy(dir, "vocab_limit", meta + 2 * N + 2 * NH, 1, 1, 0, 0);
  ok = ok && capture_run(ctx, s, WK_PRECISION_FP32, tokens, &heads[0][0], targets, dir);
  ok = ok && capture_run(ctx, s, WK_PRECISION_INT8, tokens, &heads[0][0], targets, dir);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "capture"))) {
    fprintf(stderr, "usage: %s DIR SIZE SEED N_AUDIO [capture]\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1];
  decoder_synth s;
  if (!decoder_synth_make(argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]), &s)) return 1;
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  if (argc == 6) {
    const int ok = capture_main(ctx, &s, dir);
    wk_context_free(ctx);
    decoder_synth_free(&s);
    return ok ? 0 : 1;
  }
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
