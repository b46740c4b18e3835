/* test_decoder.c [ISA] — the text decoder (src/model/decoder.c) on a tiny synthetic model:
 *   - bytes: a 2-beam plan (prompt prefill, steps, reorders) gives byte-identical logits on
 *     every ISA (against the scalar path, 1 thread) and thread count (1, 3), INT8 and FP32;
 *   - bad arguments: tokens ≥ n_vocab or < 0, too many positions, bad reorders, no audio, NaN
 *     features, bad beam counts and precisions → errors, the state's position unchanged;
 *   - INT8's cross K/V in halves, and its fp32 fallback when features push them past 65504;
 *   - rewind: a step run again after wk_decoder_state_rewind gives the same bytes; rewinds past
 *     the position fail; wk_decoder_step_bytes grows with the position;
 *   - wk_decoder_step_capture: its qk, target probabilities and logits byte-identical on every
 *     ISA and thread count (1, 3; the scalar path on 1), INT8 and FP32, and between 18 rows at
 *     once (two chunks of the 16-row logits GEMM) and the same rows in two steps (5 + 13, on 3
 *     threads); bad capture arguments (pairs out of range, 2 beams, vocab_limit, targets,
 *     NULLs) → INVALID_ARGUMENT with a message, the position unchanged; no pairs and no targets
 *     == wk_decoder_step.
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

/* ── wk_decoder_step_capture ── */

#define CN 18 /* rows: past the 16-row chunk of the target probabilities' logits GEMM */
#define CH 4  /* pairs */
static const int cap_tokens[CN] = {50258, 50259, 50359, 50363, 11, 12, 13, 14, 15,
                                   16,    17,    18,    19,    20, 21, 22, 23, 50257};
static const int cap_heads[CH][2] = {{3, 5}, {0, 2}, {3, 5}, {1, 0}}; /* tiny: 4 layers, 6 heads */

/* Targets as find_alignment's: row i's next token from no_timestamps on (eot ≥ vocab_limit). */
static void cap_targets(int *targets) {
  for (int i = 0; i < CN; i++) targets[i] = i >= 3 && i < CN - 1 ? cap_tokens[i + 1] : -1;
}

/* One capture over the CN tokens (split: 5 then 13 rows in two steps): qk [CH][CN][n_audio],
 * probs [CN], logits [V].  Returns 0 on failure. */
static int capture_plan(wk_context *ctx, const wk_decoder *dec, const decoder_synth *s, int split,
                        float *qk, double *probs, float *logits) {
  const size_t na = (size_t)s->n_audio;
  int targets[CN];
  cap_targets(targets);
  wk_decoder_state *st = NULL;
  int ok = !wk_decoder_state_create(dec, 1, &st) &&
           !wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio);
  const int parts[2][2] = {{0, split ? 5 : CN}, {split ? 5 : CN, CN}}; /* [from, to) */
  float *part_qk = wk_alloc_array((size_t)CH * CN * na, sizeof(float));
  for (int k = 0; ok && k < 2; k++) {
    const int i0 = parts[k][0], n = parts[k][1] - i0;
    if (!n) continue;
    const wk_decoder_capture cap = {&cap_heads[0][0], CH, part_qk, targets + i0, 50257,
                                    probs + i0};
    ok = part_qk && !wk_decoder_step_capture(ctx, dec, st, cap_tokens + i0, n, logits, &cap);
    for (int p = 0; ok && p < CH; p++) /* [CH][n][na] → rows i0 … of [CH][CN][na] */
      memcpy(qk + ((size_t)p * CN + i0) * na, part_qk + (size_t)p * n * na,
             (size_t)n * na * sizeof(float));
  }
  if (!ok) fprintf(stderr, "capture: %s\n", wk_last_error());
  wk_free(part_qk);
  wk_decoder_state_free(st);
  return ok;
}

/* The captures' outputs: [0] the reference (the first run: scalar, 1 thread), [1] the others. */
typedef struct capture_out {
  float *qk[2];   /* [CH][CN][n_audio] */
  float *lg[2];   /* [V] */
  double pr[2][CN];
  int have_ref;
} capture_out;

/* One context's capture (18 rows at once; on 3 threads also 5 + 13) against the reference. */
static void check_capture_run(wk_context *ctx, const wk_decoder *dec, const decoder_synth *s,
                              const char *what, int threads, capture_out *c) {
  const size_t nq = (size_t)CH * CN * s->n_audio, V = (size_t)s->w.n_vocab;
  for (int split = 0; split < (threads > 1 ? 2 : 1); split++) {
    const int k = c->have_ref;
    const int ok = capture_plan(ctx, dec, s, split, c->qk[k], c->pr[k], c->lg[k]);
    CHECK(ok, "%s: capture: %s", what, wk_last_error());
    if (ok && k) {
      const int dq = memcmp(c->qk[0], c->qk[1], nq * sizeof(float)) != 0;
      const int dp = memcmp(c->pr[0], c->pr[1], sizeof c->pr[0]) != 0;
      const int dl = memcmp(c->lg[0], c->lg[1], V * sizeof(float)) != 0;
      CHECK(!dq && !dp && !dl, "%s%s: the capture differs from scalar/1 thread (qk %d, "
            "probabilities %d, logits %d)", what, split ? ", 5 + 13 rows" : "", dq, dp, dl);
    }
    if (ok && !k) {
      int good = 1;
      for (size_t i = 0; i < nq; i++) good &= isfinite(c->qk[0][i]) != 0;
      for (int i = 0; i < CN; i++) good &= c->pr[0][i] >= 0.0 && c->pr[0][i] <= 1.0;
      CHECK(good, "%s: non-finite qk or a probability outside [0, 1]", what);
    }
    c->have_ref |= ok;
  }
}

static void check_bytes(const decoder_synth *s, int filter) {
  const size_t n = (size_t)(1 + S) * BEAMS * s->w.n_vocab;
  const size_t nq = (size_t)CH * CN * s->n_audio, V = (size_t)s->w.n_vocab;
  float *ref = wk_alloc_array(n, sizeof(float)), *got = wk_alloc_array(n, sizeof(float));
  capture_out c = {.qk = {wk_alloc_array(nq, sizeof(float)), wk_alloc_array(nq, sizeof(float))},
                   .lg = {wk_alloc_array(V, sizeof(float)), wk_alloc_array(V, sizeof(float))}};
  for (int p = 0; p < 2; p++) {
    const wk_precision prec = p ? WK_PRECISION_INT8 : WK_PRECISION_FP32;
    const char *pn = p ? "int8" : "fp32";
    int have_ref = 0;
    c.have_ref = 0;
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
        if (ok && (isa != WK_ISA_SCALAR || threads == 1)) { /* scalar/3: 10 s under ASan */
          char what[64];
          snprintf(what, sizeof what, "%s %s %d threads", pn, wk_isa_name((wk_isa)isa), threads);
          check_capture_run(ctx, dec, s, what, threads, &c);
          printf("%s: capture (18 rows at once%s) checked\n", what, threads > 1 ? ", 5 + 13" : "");
        }
        wk_decoder_free(dec);
        wk_context_free(ctx);
      }
    }
  }
  wk_free(ref), wk_free(got);
  wk_free(c.qk[0]), wk_free(c.qk[1]), wk_free(c.lg[0]), wk_free(c.lg[1]);
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

static void check_capture_errors(const decoder_synth *s) {
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  wk_decoder *dec = NULL;
  wk_decoder_state *st = NULL, *st2 = NULL, *plain = NULL;
  const size_t V = (size_t)s->w.n_vocab, na = (size_t)s->n_audio;
  if (wk_decoder_create(ctx, &s->w, WK_PRECISION_FP32, &dec) ||
      wk_decoder_state_create(dec, 1, &st) || wk_decoder_state_create(dec, 2, &st2) ||
      wk_decoder_state_create(dec, 1, &plain) ||
      wk_decoder_set_audio(ctx, dec, st, s->features, s->n_audio) ||
      wk_decoder_set_audio(ctx, dec, st2, s->features, s->n_audio) ||
      wk_decoder_set_audio(ctx, dec, plain, s->features, s->n_audio)) {
    CHECK(0, "setup: %s", wk_last_error());
    wk_decoder_state_free(st), wk_decoder_state_free(st2), wk_decoder_state_free(plain);
    wk_decoder_free(dec);
    wk_context_free(ctx);
    return;
  }
  const int n = 4, tok[2 * 4] = {50258, 50259, 50359, 50363, 50258, 50259, 50359, 50363};
  float *qk = wk_alloc_array((size_t)CH * n * na, sizeof(float));
  float *lg = wk_alloc_array(V, sizeof(float)), *lg2 = wk_alloc_array(V, sizeof(float));
  double probs[4];
  const int tg[4] = {-1, -1, -1, 11}, tg_lo[4] = {-2, 0, 0, 0}, tg_hi[4] = {0, 0, 0, (int)V};
  const int bad_l[2] = {4, 0}, neg_l[2] = {-1, 0}, bad_h[2] = {0, 6}, neg_h[2] = {0, -1};
  const wk_decoder_capture good = {&cap_heads[0][0], CH, qk, tg, 50257, probs};
  struct { wk_decoder_capture cap; const char *what; } bad[] = {
      {good, "layer n_layer"}, {good, "layer -1"}, {good, "head n_head"}, {good, "head -1"},
      {good, "n_heads -1"}, {good, "NULL heads"}, {good, "NULL qk"}, {good, "vocab_limit 0"},
      {good, "vocab_limit n_vocab + 1"}, {good, "target -2"}, {good, "target n_vocab"},
      {good, "targets without target_probs"},
  };
  bad[0].cap.heads = bad_l, bad[0].cap.n_heads = 1;
  bad[1].cap.heads = neg_l, bad[1].cap.n_heads = 1;
  bad[2].cap.heads = bad_h, bad[2].cap.n_heads = 1;
  bad[3].cap.heads = neg_h, bad[3].cap.n_heads = 1;
  bad[4].cap.n_heads = -1;
  bad[5].cap.heads = NULL;
  bad[6].cap.qk = NULL;
  bad[7].cap.vocab_limit = 0;
  bad[8].cap.vocab_limit = (int)V + 1;
  bad[9].cap.targets = tg_lo;
  bad[10].cap.targets = tg_hi;
  bad[11].cap.target_probs = NULL;
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const wk_status r = wk_decoder_step_capture(ctx, dec, st, tok, n, lg, &bad[i].cap);
    CHECK(r == WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "capture"),
          "%s: status %d, message '%s'", bad[i].what, (int)r, wk_last_error());
  }
  CHECK(wk_decoder_step_capture(ctx, dec, st2, tok, n, lg, &good) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "beams"), "2 beams accepted (%s)", wk_last_error());
  CHECK(wk_decoder_step_capture(ctx, dec, st, tok, n, lg, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "a NULL capture accepted");
  CHECK(wk_decoder_step_capture(ctx, dec, st, tok, 0, lg, &good) == WK_STATUS_INVALID_ARGUMENT,
        "n_new 0 accepted");
  const int tok_bad[4] = {1, 2, 3, (int)V};
  CHECK(wk_decoder_step_capture(ctx, dec, st, tok_bad, n, lg, &good) == WK_STATUS_INVALID_ARGUMENT,
        "token n_vocab accepted");
  CHECK(wk_decoder_state_position(st) == 0 && wk_decoder_state_position(st2) == 0,
        "position %d / %d after errors", wk_decoder_state_position(st),
        wk_decoder_state_position(st2));
  /* no pairs, no targets (the rest ignored): a plain step */
  const wk_decoder_capture none = {NULL, 0, NULL, NULL, 0, NULL};
  CHECK(!wk_decoder_step_capture(ctx, dec, st, tok, n, lg, &none) &&
            !wk_decoder_step(ctx, dec, plain, tok, n, lg2) &&
            !memcmp(lg, lg2, V * sizeof(float)) &&
            wk_decoder_state_position(st) == wk_decoder_state_position(plain),
        "an empty capture differs from a step: %s", wk_last_error());
  /* the target ≥ vocab_limit gives 0, and the good capture runs */
  const int tg_big[4] = {-1, 50300, 0, 11};
  wk_decoder_capture big = good;
  big.targets = tg_big;
  CHECK(!wk_decoder_step_capture(ctx, dec, st, tok, n, NULL, &big) && probs[0] == 0.0 &&
            probs[1] == 0.0 && probs[2] > 0.0 && probs[3] > 0.0,
        "probabilities %g %g %g %g (%s)", probs[0], probs[1], probs[2], probs[3], wk_last_error());
  wk_free(qk), wk_free(lg), wk_free(lg2);
  wk_decoder_state_free(st), wk_decoder_state_free(st2), wk_decoder_state_free(plain);
  wk_decoder_free(dec);
  wk_context_free(ctx);
}

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  decoder_synth s;
  if (!decoder_synth_make("tiny", 3, 96, &s)) return 1;
  check_bytes(&s, filter);
  check_errors(&s);
  check_f16_fallback(&s);
  check_capture_errors(&s);
  decoder_synth_free(&s);
  return wk_test_finish("test_decoder");
}
