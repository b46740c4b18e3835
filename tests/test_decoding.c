/* test_decoding.c — Whisper's decoding rules (src/decode/decoding.h).
 *   test_decoding: the filters on hand-made logits (SuppressBlank only at sample_begin,
 *     SuppressTokens, every ApplyTimestampRules case of decoding.py: first token a timestamp ≤
 *     the initial limit, pairs, closing pair, monotonic, the probability-mass rule both ways,
 *     without timestamps), then greedy and beam search on the scripted source
 *     (tests/decoding_script.h) checked for the rules' structure (timestamp first, pairs,
 *     monotonic, no suppressed token, sample_len respected), argument errors;
 *   test_decoding --script: prints one line per scripted case for tests/decoding_ref.py (the
 *     decodes on a real decoder: tests/decoding_dump.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoding.h"
#include "decoding_script.h"
#include "test_util.h"

static const int script_blank[] = {5, 90};
static const int script_suppress[] = {7, 13, 91, 93, 94, 95, 96, 97};

static wk_decode_rules script_rules(int sample_begin, int timestamps, int mit) {
  const wk_decode_rules r = {&script_special, script_blank, 2, script_suppress, 8,
                             sample_begin, 1, timestamps, mit};
  return r;
}

static int is_inf(float x) { return x == -INFINITY; }
static int in_suppress(int v) {
  for (int i = 0; i < 8; i++)
    if (script_suppress[i] == v) return 1;
  return 0;
}

static void test_filters(void) {
  float lg[SCRIPT_V];
  int toks[16] = {91, 92, 94};
  wk_decode_rules r = script_rules(3, 1, 5);
  /* 1. at sample_begin: only timestamps 99 … 104 */
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 1.0f;
  wk_decode_filter(&r, lg, toks, 3);
  for (int v = 0; v < SCRIPT_V; v++)
    CHECK(is_inf(lg[v]) == !(v >= 99 && v <= 104), "begin: id %d = %g", v, lg[v]);
  /* no limit: every timestamp */
  r.max_initial_timestamp_index = -1;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 1.0f;
  wk_decode_filter(&r, lg, toks, 3);
  for (int v = 0; v < SCRIPT_V; v++) CHECK(is_inf(lg[v]) == (v < 99), "no limit: id %d", v);
  r.max_initial_timestamp_index = 5;
  /* 2. [101]: a lone first timestamp opens a pair... decoding.py: penultimate counts as a
   * timestamp when there is none, so no timestamp next; text and eot allowed (text mass wins) */
  toks[3] = 101;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = v < 99 ? 2.0f : 1.0f;
  wk_decode_filter(&r, lg, toks, 4);
  for (int v = 0; v < SCRIPT_V; v++) {
    const int sup = v >= 98 || in_suppress(v);
    CHECK(is_inf(lg[v]) == sup, "[101]: id %d = %g", v, lg[v]);
  }
  CHECK(!is_inf(lg[5]) && !is_inf(lg[90]), "blank suppressed after sample_begin");
  /* 3. [101, 5]: timestamps ≤ 101 forbidden (nonzero segment), 102 … allowed; text allowed
   * (text 10.0 beats the 58 timestamps' mass ln 58 ≈ 4.06 at 0.0) */
  toks[4] = 5;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = v < 99 ? 10.0f : 0.0f;
  wk_decode_filter(&r, lg, toks, 5);
  for (int v = 99; v < SCRIPT_V; v++) CHECK(is_inf(lg[v]) == (v <= 101), "[101,5]: ts %d", v);
  CHECK(!is_inf(lg[3]) && !is_inf(lg[90]), "[101,5]: text");
  /* the mass rule: text at 4.0 < ln 58 + 0 → every text token (eot too) suppressed */
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = v < 99 ? 4.0f : 0.0f;
  wk_decode_filter(&r, lg, toks, 5);
  for (int v = 0; v < 99; v++) CHECK(is_inf(lg[v]), "mass rule: id %d = %g", v, lg[v]);
  CHECK(!is_inf(lg[102]) && !is_inf(lg[159]), "mass rule: timestamps kept");
  /* just above: text at 4.1 > ln 58 = 4.0604 → nothing more */
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = v < 99 ? 4.1f : 0.0f;
  wk_decode_filter(&r, lg, toks, 5);
  CHECK(!is_inf(lg[3]) && !is_inf(lg[90]), "mass rule must not fire");
  /* 4. [101, 5, 110]: closing pair: no text (eot allowed), timestamps ≥ 110 */
  toks[5] = 110;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 0.0f;
  lg[90] = 20.0f; /* eot dominates: the mass rule keeps it */
  wk_decode_filter(&r, lg, toks, 6);
  for (int v = 0; v < 90; v++) CHECK(is_inf(lg[v]), "[..,110]: text %d", v);
  CHECK(!is_inf(lg[90]), "[..,110]: eot allowed");
  for (int v = 99; v < SCRIPT_V; v++) CHECK(is_inf(lg[v]) == (v < 110), "[..,110]: ts %d", v);
  /* 5. [101, 5, 110, 110]: after a pair, no timestamp */
  toks[6] = 110;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 0.0f;
  wk_decode_filter(&r, lg, toks, 7);
  for (int v = 99; v < SCRIPT_V; v++) CHECK(is_inf(lg[v]), "after pair: ts %d", v);
  CHECK(!is_inf(lg[3]), "after pair: text");
  /* 6. [101, 5, 110, 110, 6]: timestamps > 110 only */
  toks[7] = 6;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = v < 99 ? 9.0f : 0.0f;
  wk_decode_filter(&r, lg, toks, 8);
  for (int v = 99; v < SCRIPT_V; v++) CHECK(is_inf(lg[v]) == (v <= 110), "monotonic: ts %d", v);
  /* 7. without timestamps: only blank (at begin) and suppress; no_timestamps untouched */
  r = script_rules(3, 0, 5);
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 1.0f;
  wk_decode_filter(&r, lg, toks, 3);
  for (int v = 0; v < SCRIPT_V; v++) {
    const int sup = v == 5 || v == 90 || in_suppress(v);
    CHECK(is_inf(lg[v]) == sup, "no timestamps: id %d", v);
  }
  r.suppress_blank = 0;
  for (int v = 0; v < SCRIPT_V; v++) lg[v] = 1.0f;
  wk_decode_filter(&r, lg, toks, 3);
  CHECK(!is_inf(lg[5]) && !is_inf(lg[90]), "suppress_blank off");
}

/* One scripted case; prints its line when `print`. */
typedef struct script_case {
  const char *name;
  int beam;
  float temp, patience, lp;
  uint64_t seed;
  int timestamps, mit, sample_len;
  int init[8], n_init, sot;
  int best_of;
} script_case;

static const script_case cases[] = {
    {"greedy", 0, 0.0f, -1, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"greedy_prompt", 0, 0.0f, -1, -1, 0, 1, 5, 0, {96, 3, 4, 91, 92, 94}, 6, 3, 0},
    {"greedy_nots", 0, 0.0f, -1, -1, 0, 0, 5, 0, {91, 92, 94, 98}, 4, 0, 0},
    {"greedy_nolimit_short", 0, 0.0f, -1, -1, 0, 1, -1, 7, {91, 92, 94}, 3, 0, 0},
    {"sample_t07", 0, 0.7f, -1, -1, 42, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"sample_t1", 0, 1.0f, -1, -1, 7, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam5", 5, 0.0f, -1, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam5_prompt", 5, 0.0f, -1, -1, 0, 1, 5, 0, {96, 3, 4, 91, 92, 94}, 6, 3, 0},
    {"beam5_patience2", 5, 0.0f, 2.0f, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam4_patience05", 4, 0.0f, 0.5f, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam3_lp05", 3, 0.0f, -1, 0.5f, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam5_lp0", 5, 0.0f, -1, 0.0f, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    {"beam5_nots", 5, 0.0f, -1, -1, 0, 0, 5, 0, {91, 92, 94, 98}, 4, 0, 0},
    {"beam2_short", 2, 0.0f, -1, -1, 0, 1, 5, 6, {91, 92, 94}, 3, 0, 0},
    {"beam1", 1, 0.0f, -1, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 0},
    /* best_of: rows sampled side by side, ending at different steps, then ranked */
    {"sample_t07_best5", 0, 0.7f, -1, -1, 42, 1, 5, 0, {91, 92, 94}, 3, 0, 5},
    {"sample_t1_best3_prompt", 0, 1.0f, -1, -1, 7, 1, 5, 0, {96, 3, 4, 91, 92, 94}, 6, 3, 3},
    {"sample_t05_best4_lp05", 0, 0.5f, -1, 0.5f, 3, 1, 5, 0, {91, 92, 94}, 3, 0, 4},
    {"sample_t1_best8_short", 0, 1.0f, -1, -1, 11, 1, 5, 9, {91, 92, 94}, 3, 0, 8},
    {"greedy_best5", 0, 0.0f, -1, -1, 0, 1, 5, 0, {91, 92, 94}, 3, 0, 5}, /* T 0: ignored */
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

static void print_result(const char *name, const wk_decode_result *res) {
  printf("%s | ", name);
  for (int i = 0; i < res->n_tokens; i++) printf("%s%d", i ? "," : "", res->tokens[i]);
  printf(" | %.17g %.17g %.17g\n", res->sum_logprob, res->avg_logprob, res->no_speech_prob);
}

static void run_script_case(const script_case *c, int print) {
  static script_src s;
  memset(&s, 0, sizeof s);
  const wk_logits_source src = {&s, SCRIPT_V, SCRIPT_CTX, script_step, script_reorder};
  wk_decode_rules r = script_rules(c->n_init, c->timestamps, c->mit);
  wk_decode_options o;
  wk_decode_options_default(&o);
  o.beam_size = c->beam, o.temperature = c->temp, o.patience = c->patience;
  o.length_penalty = c->lp, o.seed = c->seed, o.sample_len = c->sample_len;
  o.best_of = c->best_of;
  s.n_beams = wk_decode_rows(&o);
  wk_decode_result res;
  const wk_status st = wk_decode_run(&src, &r, &o, c->init, c->n_init, c->sot, &res);
  CHECK(st == WK_STATUS_OK, "%s: %s", c->name, wk_last_error());
  if (st) return;
  if (print) {
    printf("CASE %s %d %.9g %.9g %.9g %llu %d %d %d %d %d ", c->name, c->beam, c->temp,
           c->patience, c->lp, (unsigned long long)c->seed, c->timestamps, c->mit, c->sample_len,
           c->sot, c->best_of);
    for (int i = 0; i < c->n_init; i++) printf("%s%d", i ? "," : "", c->init[i]);
    printf(" ");
    print_result("", &res);
  }
  /* structure: length, no suppressed ids, no eot, the timestamp rules */
  const int sl = c->sample_len ? c->sample_len : SCRIPT_CTX / 2;
  CHECK(res.n_tokens >= 1 && res.n_tokens <= sl, "%s: %d tokens", c->name, res.n_tokens);
  CHECK(res.no_speech_prob > 0.0 && res.no_speech_prob < 1.0, "%s: nsp %g", c->name,
        res.no_speech_prob);
  CHECK(res.sum_logprob < 0.0 && fabs(res.avg_logprob * (res.n_tokens + 1) - res.sum_logprob) < 1e-12,
        "%s: sums", c->name);
  int last_ts = -1, run = 0;
  for (int i = 0; i < res.n_tokens; i++) {
    const int t = res.tokens[i];
    CHECK(t != 90 && (t != 98 || !c->timestamps) && !in_suppress(t), "%s: token %d at %d", c->name, t, i);
    if (!c->timestamps) continue; /* decoding.py then forbids no timestamp (nor do we) */
    if (i == 0) CHECK(t >= 99 && (c->mit < 0 || t <= 99 + c->mit), "%s: first %d", c->name, t);
    if (t >= 99) {
      CHECK(t >= last_ts, "%s: timestamp %d after %d", c->name, t, last_ts);
      CHECK(run < 2, "%s: three timestamps in a row at %d", c->name, i);
      last_ts = t, run++;
    } else {
      /* the closing-pair rule masks ids below eot only (decoding.py's logits[:, :eot]) */
      CHECK(run != 1 || i == 1 || t > 90, "%s: text after a closing timestamp at %d", c->name, i);
      run = 0;
    }
  }
  wk_decode_result_free(&res);
}

static void test_errors(void) {
  static script_src s;
  memset(&s, 0, sizeof s);
  s.n_beams = 1;
  const wk_logits_source src = {&s, SCRIPT_V, SCRIPT_CTX, script_step, script_reorder};
  wk_decode_rules r = script_rules(3, 1, 5);
  wk_decode_options o;
  wk_decode_options_default(&o);
  const int init[3] = {91, 92, 94}, bad[3] = {91, 92, 400};
  wk_decode_result res;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL out");
  CHECK(wk_decode_run(&src, &r, &o, bad, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "bad token");
  CHECK(res.tokens == NULL, "result not empty on failure");
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 3, &res) == WK_STATUS_INVALID_ARGUMENT, "sot index");
  CHECK(wk_decode_run(&src, &r, &o, init, 2, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "sample_begin");
  o.beam_size = 65;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "beam 65");
  o.beam_size = 0, o.best_of = 65;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "best_of 65");
  o.best_of = -1;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "best_of -1");
  o.best_of = 0;
  o.beam_size = 0, o.temperature = NAN;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "NaN temp");
  o.temperature = 0.0f, o.length_penalty = 2.0f;
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "lp 2");
  o.length_penalty = -1.0f, o.beam_size = 2, o.patience = 0.1f; /* round(0.2) = 0 candidates */
  CHECK(wk_decode_run(&src, &r, &o, init, 3, 0, &res) == WK_STATUS_INVALID_ARGUMENT, "patience");
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "--script")) {
    for (int i = 0; i < N_CASES; i++) run_script_case(&cases[i], 1);
    return wk_test_failures ? 1 : 0;
  }
  test_filters();
  for (int i = 0; i < N_CASES; i++) run_script_case(&cases[i], 0);
  test_errors();
  if (wk_test_failures) {
    fprintf(stderr, "test_decoding: %d failures\n", wk_test_failures);
    return 1;
  }
  printf("test_decoding: passed\n");
  return 0;
}
