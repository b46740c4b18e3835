/* test_decoder.c [ISA] — the text decoder (src/model/decoder.c) on a tiny synthetic model:
 *   - bytes: a 2-beam plan (prompt prefill, steps, reorders) gives byte-identical logits on
 *     every ISA (against the scalar path, 1 thread) and thread count (1, 3), INT8 and FP32;
 *   - bad arguments: tokens ≥ n_vocab or < 0, too many positions, bad reorders, no audio, NaN
 *     features, bad beam counts and precisions → errors, the state's position unchanged;
 *   - INT8's cross K/V in halves, and its fp32 fallback when features push them past 65504;
 *   - rewind: a step run again after wk_decoder_state_rewind gives the same bytes; rewinds past
 *     the position fail; wk_decoder_step_bytes grows with the position.
 * The values themselves are checked against NumPy by test_decoder.sh. */
#include <math.h>
#include <string.h>

#include "decoder_synth.h"
#include "model/decoder.h"
#include "runtime/runtime.h"
#include "test_util.h"

#define BEAMS 2
#define P 3
#define S 3
static const int prompt[BEAMS][P] = {{50258, 50259, 50359}, {50258, 50260, 50359}};
static const int steps[S][BEAMS] = {{11, 12}, {13, 14}, {15, 16}};
static const int src[S][BEAMS] = {{1, 0}, {0, 0}, {1, 1}};

/* out: [1 + S][BEAMS][V] */
static int run_plan(wk_context *ctx, const wk_decoder *dec, const decoder_synth *s, float *out) {
  const size_t V = (size_t)s->w.n_vocab;
  wk_decoder_state *st = NULL;
  int ok = !wk_decoder_state_create(dec, BEAMS, &st) &&
           !wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio) &&
           !wk_decoder_step(ctx, dec, st, &prompt[0][0], P, out);
  for (int k = 0; ok && k < S; k++)
    ok = !wk_decoder_reorder(st, src[k]) &&
         !wk_decoder_step(ctx, dec, st, steps[k], 1, out + (size_t)(k + 1) * BEAMS * V);
  if (!ok) fprintf(stderr, "decoder: %s\n", wk_last_error());
  wk_decoder_state_free(st);
  return ok;
}

static void check_bytes(const decoder_synth *s, int filter) {
  const size_t n = (size_t)(1 + S) * BEAMS * s->w.n_vocab;
  float *ref = wk_alloc_array(n, sizeof(float)), *got = wk_alloc_array(n, sizeof(float));
  for (int p = 0; p < 2; p++) {
    const wk_precision prec = p ? WK_PRECISION_INT8 : WK_PRECISION_FP32;
    const char *pn = p ? "int8" : "fp32";
    int have_ref = 0;
    for (int isa = WK_ISA_SCALAR; isa <= WK_ISA_AMX; isa++) {
      if (!wk_test_isa_wanted(filter, isa)) continue;
      for (int threads = 1; threads <= 3; threads += 2) {
        wk_context *ctx = wk_test_context((wk_isa)isa, threads);
        wk_decoder *dec = NULL;
        const int ok = !wk_decoder_create(ctx, &s->w, prec, &dec) &&
                       run_plan(ctx, dec, s, have_ref ? got : ref);
        CHECK(ok, "%s %s %d threads: %s", pn, wk_isa_name((wk_isa)isa), threads, wk_last_error());
        if (ok && have_ref) {
          size_t diff = 0;
          for (size_t i = 0; i < n; i++) diff += memcmp(&ref[i], &got[i], sizeof(float)) != 0;
          CHECK(diff == 0, "%s %s %d threads: %zu of %zu logits differ from scalar/1 thread", pn,
                wk_isa_name((wk_isa)isa), threads, diff, n);
          printf("%s %-10s %d threads: %s\n", pn, wk_isa_name((wk_isa)isa), threads,
                 diff ? "DIFFERENT" : "byte-identical");
        }
        if (ok && !have_ref) {
          int finite = 1;
          for (size_t i = 0; i < n; i++) finite &= isfinite(ref[i]) != 0;
          CHECK(finite, "%s: non-finite logits", pn);
        }
        have_ref |= ok;
        wk_decoder_free(dec);
        wk_context_free(ctx);
      }
    }
  }
  wk_free(ref), wk_free(got);
}

static void check_errors(const decoder_synth *s) {
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  wk_decoder *dec = NULL;
  CHECK(wk_decoder_create(ctx, &s->w, (wk_precision)7, &dec) == WK_STATUS_INVALID_ARGUMENT && !dec,
        "a bad precision is accepted");
  CHECK(wk_decoder_create(NULL, &s->w, WK_PRECISION_FP32, &dec) == WK_STATUS_INVALID_ARGUMENT,
        "a NULL context is accepted");
  wk_decoder_f32 bad = s->w;
  bad.heads = 5; /* does not divide 384 */
  CHECK(wk_decoder_create(ctx, &bad, WK_PRECISION_FP32, &dec) == WK_STATUS_INVALID_ARGUMENT,
        "heads = 5 accepted");
  if (wk_decoder_create(ctx, &s->w, WK_PRECISION_INT8, &dec)) {
    CHECK(0, "create: %s", wk_last_error());
    wk_context_free(ctx);
    return;
  }
  int V = 0, T = 0, d = 0;
  wk_decoder_dims(dec, &V, &T, &d);
  CHECK(V == s->w.n_vocab && T == s->w.n_text_ctx && d == s->w.d, "dims %d %d %d", V, T, d);
  wk_decoder_state *st = NULL;
  CHECK(wk_decoder_state_create(dec, 0, &st) == WK_STATUS_INVALID_ARGUMENT, "0 beams accepted");
  CHECK(wk_decoder_state_create(dec, 65, &st) == WK_STATUS_INVALID_ARGUMENT, "65 beams accepted");
  CHECK(!wk_decoder_state_create(dec, BEAMS, &st), "state: %s", wk_last_error());
  const int t1[BEAMS] = {1, 2};
  float *lg = wk_alloc_array((size_t)BEAMS * V, sizeof(float));
  CHECK(wk_decoder_step(ctx, dec, st, t1, 1, lg) == WK_STATUS_INVALID_ARGUMENT,
        "a step without audio accepted");
  float *nan_f = wk_alloc_array((size_t)s->n_audio * d, sizeof(float));
  memcpy(nan_f, s->features, (size_t)s->n_audio * d * sizeof(float));
  nan_f[17] = NAN;
  CHECK(wk_decoder_set_audio(ctx, dec, st, nan_f, s->n_audio) == WK_STATUS_INVALID_ARGUMENT,
        "NaN features accepted");
  CHECK(wk_decoder_set_audio(ctx, dec, st, s->features, 0) == WK_STATUS_INVALID_ARGUMENT,
        "n_audio = 0 accepted");
  CHECK(!wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio), "%s", wk_last_error());
  const int hi[BEAMS] = {1, V}, neg[BEAMS] = {-1, 2};
  CHECK(wk_decoder_step(ctx, dec, st, hi, 1, lg) == WK_STATUS_INVALID_ARGUMENT,
        "token n_vocab accepted");
  CHECK(wk_decoder_step(ctx, dec, st, neg, 1, lg) == WK_STATUS_INVALID_ARGUMENT,
        "token -1 accepted");
  CHECK(wk_decoder_step(ctx, dec, st, t1, 0, lg) == WK_STATUS_INVALID_ARGUMENT, "n_new 0 accepted");
  int *many = wk_alloc_array((size_t)BEAMS * (T + 1), sizeof(int));
  for (int i = 0; i < BEAMS * (T + 1); i++) many[i] = i % 100;
  CHECK(wk_decoder_step(ctx, dec, st, many, T + 1, lg) == WK_STATUS_INVALID_ARGUMENT,
        "n_text_ctx + 1 positions accepted");
  CHECK(wk_decoder_state_position(st) == 0, "position %d after errors", wk_decoder_state_position(st));
  CHECK(!wk_decoder_step(ctx, dec, st, t1, 1, lg), "step: %s", wk_last_error());
  CHECK(wk_decoder_state_position(st) == 1, "position %d", wk_decoder_state_position(st));
  CHECK(wk_decoder_step(ctx, dec, st, many, T, lg) == WK_STATUS_INVALID_ARGUMENT,
        "position 1 + n_text_ctx accepted");
  CHECK(wk_decoder_state_position(st) == 1, "position %d", wk_decoder_state_position(st));
  const int r_bad[BEAMS] = {0, 2}, r_neg[BEAMS] = {-1, 0};
  CHECK(wk_decoder_reorder(st, r_bad) == WK_STATUS_INVALID_ARGUMENT, "src_beam 2 accepted");
  CHECK(wk_decoder_reorder(st, r_neg) == WK_STATUS_INVALID_ARGUMENT, "src_beam -1 accepted");
  CHECK(wk_decoder_reorder(st, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL src accepted");
  CHECK(wk_decoder_step(ctx, dec, st, NULL, 1, lg) == WK_STATUS_INVALID_ARGUMENT, "NULL tokens");
  /* set_audio starts the window over */
  CHECK(!wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio) &&
            wk_decoder_state_position(st) == 0, "set_audio does not reset the position");
  /* rewind: a step run again after a rewind gives the same bytes; out-of-range positions fail */
  float *lg2 = wk_alloc_array((size_t)BEAMS * V, sizeof(float));
  const int t2[BEAMS] = {21, 22};
  const size_t at_prompt = wk_decoder_step_bytes(dec, st, 1) + 1; /* before the prompt */
  CHECK(!wk_decoder_step(ctx, dec, st, &prompt[0][0], P, lg) &&
            !wk_decoder_step(ctx, dec, st, t2, 1, lg) && !wk_decoder_step(ctx, dec, st, t1, 1, lg2),
        "steps: %s", wk_last_error());
  CHECK(wk_decoder_state_rewind(st, P + 3) == WK_STATUS_INVALID_ARGUMENT, "rewind past the position");
  CHECK(wk_decoder_state_rewind(st, -1) == WK_STATUS_INVALID_ARGUMENT, "rewind to -1");
  CHECK(wk_decoder_state_rewind(NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "rewind NULL");
  CHECK(wk_decoder_state_position(st) == P + 2, "position %d after bad rewinds",
        wk_decoder_state_position(st));
  CHECK(!wk_decoder_state_rewind(st, P) && wk_decoder_state_position(st) == P, "rewind: %s",
        wk_last_error());
  CHECK(wk_decoder_step_bytes(dec, st, 1) > at_prompt && at_prompt > wk_decoder_weight_bytes(dec),
        "step bytes %zu at the prompt, %zu before, weights %zu", wk_decoder_step_bytes(dec, st, 1),
        at_prompt - 1, wk_decoder_weight_bytes(dec));
  CHECK(!wk_decoder_step(ctx, dec, st, t2, 1, lg2) &&
            memcmp(lg, lg2, sizeof(float) * BEAMS * V) == 0,
        "a step after a rewind differs from the first run");
  wk_free(lg2);
  wk_free(many), wk_free(nan_f), wk_free(lg);
  wk_decoder_state_free(st);
  wk_decoder_free(dec);
  wk_decoder_state_free(NULL);
  wk_decoder_free(NULL);
  wk_context_free(ctx);
}

/* INT8 keeps the cross K/V in halves; features so large that a value leaves the half range
 * make set_audio fall back to fp32 (twice the bytes per step), and the step still runs, its
 * logits the same on 1 and 3 threads. */
static void check_f16_fallback(const decoder_synth *s) {
  const size_t n = (size_t)s->n_audio * s->w.d, V = (size_t)s->w.n_vocab;
  float *big = wk_alloc_array(n, sizeof(float));
  float *lg[2] = {wk_alloc_array(V, sizeof(float)), wk_alloc_array(V, sizeof(float))};
  for (size_t i = 0; i < n; i++) big[i] = s->features[i] * 1e5f;
  size_t bytes[2][2] = {{0}};
  for (int t = 0; t < 2; t++) {
    wk_context *ctx = wk_test_context(WK_ISA_AUTO, t ? 3 : 1);
    wk_decoder *dec = NULL;
    wk_decoder_state *st = NULL;
    const int tok = 50258;
    CHECK(!wk_decoder_create(ctx, &s->w, WK_PRECISION_INT8, &dec) &&
              !wk_decoder_state_create(dec, 1, &st), "%s", wk_last_error());
    for (int b = 0; st && b < 2; b++) {
      CHECK(!wk_decoder_set_audio(ctx, dec, st, b ? big : s->features, s->n_audio) &&
                !wk_decoder_step(ctx, dec, st, &tok, 1, lg[t]),
            "%s features: %s", b ? "large" : "plain", wk_last_error());
      bytes[t][b] = wk_decoder_step_bytes(dec, st, 1);
    }
    wk_decoder_state_free(st);
    wk_decoder_free(dec);
    wk_context_free(ctx);
  }
  const size_t cross16 = bytes[0][1] - bytes[0][0]; /* fp32 minus half: the halves' size */
  CHECK(bytes[0][1] > bytes[0][0] && cross16 >= (size_t)s->w.n_layer * s->n_audio * 2 * s->w.d * 2,
        "step bytes %zu (plain features), %zu (large): no fp32 fallback", bytes[0][0], bytes[0][1]);
  CHECK(memcmp(lg[0], lg[1], V * sizeof(float)) == 0, "fp32 fallback: 1 and 3 threads differ");
  wk_free(big), wk_free(lg[0]), wk_free(lg[1]);
}

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  decoder_synth s;
  if (!decoder_synth_make("tiny", 3, 96, &s)) return 1;
  check_bytes(&s, filter);
  check_errors(&s);
  check_f16_fallback(&s);
  decoder_synth_free(&s);
  return wk_test_finish("test_decoder");
}
