/* decoding_dump.c DIR SIZE SCALE DRIFT — Whisper's decoding of one window on a synthetic decoder
 * (tests/decoder_synth.h; SIZE tiny or base) shaped for decisive decodes that end with eot
 * after tens of tokens (shape(): SCALE scales the token embedding, DRIFT moves eot's logit up
 * with the position).
 * Writes the weights and features into DIR (decoder_synth_save) and prints, for
 * tests/decoding_ref.py (a float64 NumPy decoder and decoding.py's rules), the lines
 *   DIMS heads n_layer n_text_ctx; SUPPRESS ids; BLANK ids; SPECIAL eot sot no_speech
 *     no_timestamps timestamp_begin transcribe sot_prev language_begin;
 *   DEC i beam temperature seed seek fallback prompt | tokens | sum avg no_speech — per decode
 *   (fallback: the temperature's index in transcribe's list, −1 outside it):
 *     0 … 2: FP32 through wk_decode_window until eot or sample_len (decoding.py's default,
 *       n_text_ctx / 2): greedy, beam 5, greedy with a prompt;
 *     3 … 8: FP32 through transcribe.c's temperature fallback (wk_transcribe_windows on one
 *       window, every temperature failing the log-prob rule): beam 5 at T 0, then sampling
 *       (beam dropped) at T 0.2 … 1.0 with the seeds transcribe gives them;
 *   with DIR/logits_i.npy [n_tokens + 1][n_vocab]: the FP32 logits along decode i's tokens,
 *   run again teacher-forced (the rows its search read: a row depends on its history only).
 * Then INT8 greedy through wk_decode_window against FP32 (int8_greedy says how), a summary line
 * (greedy only: a beam step's choice rests on every beam's accumulated score and the final one on
 * length-normalized sums, whose INT8 errors add up over the steps, and wk_decode_window does not
 * show the per-step beams a margin rule would need);
 * and prompts holding a timestamp (accepted) or sot (refused).  Exit status 0 when every decode
 * ran and every check held. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoding.h"
#include "decode/transcribe.h"
#include "decoder_synth.h"
#include "test_util.h"

static const int prompt[3] = {440, 1000, 2000};

typedef struct env {
  const char *dir;
  wk_context *ctx;
  const decoder_synth *s;
  const wk_tokenizer *tok;
  const wk_special_tokens *sp;
  const wk_decoder *dec[2]; /* FP32, INT8 */
  int V, n_ctx;
  int n_dec;                /* DEC lines printed */
} env;

/* What wk_decode_window derives from the default options (English, timestamps) and a prompt
 * pr[np] (np ≤ 8): the initial tokens init[*n_init] and the filters. */
static void window_rules(const env *e, const int *pr, int np, int *init, int *n_init,
                         wk_decode_rules *r) {
  const wk_special_tokens *sp = e->sp;
  int n = 0;
  if (np) {
    init[n++] = sp->sot_prev;
    memcpy(init + n, pr, (size_t)np * sizeof(int));
    n += np;
  }
  init[n++] = sp->sot, init[n++] = sp->language_begin, init[n++] = sp->transcribe;
  *n_init = n;
  size_t ns, nb;
  const int *sup = wk_tokenizer_suppress_tokens(e->tok, &ns);
  const int *bl = wk_tokenizer_blank_tokens(e->tok, &nb);
  const wk_decode_rules rr = {sp, bl, nb, sup, ns, n, 1, 1, 50}; /* 1.0 s / 0.02 */
  *r = rr;
}

/* wk_decode_window in precision p (0 FP32, 1 INT8) on a fresh state. */
static int decode(const env *e, int p, const wk_decode_options *o, const int *pr, int np,
                  wk_decode_result *res) {
  memset(res, 0, sizeof *res);
  wk_decoder_state *st = NULL;
  const int ok = !wk_decoder_state_create(e->dec[p], wk_decode_rows(o), &st) &&
                 !wk_decoder_set_audio(e->ctx, e->dec[p], st, e->s->features, e->s->n_audio) &&
                 !wk_decode_window(e->ctx, e->dec[p], st, e->tok, o, pr, np, res);
  if (!ok) fprintf(stderr, "decode: %s\n", wk_last_error());
  wk_decoder_state_free(st);
  return ok;
}

/* Precision p's logits along init + tokens[0 … n): [n + 1][V], row k after k tokens (wk_free). */
static float *forced_logits(const env *e, int p, const int *init, int n_init, const int *tokens,
                            int n) {
  const size_t V = (size_t)e->V;
  float *lg = wk_alloc_array((size_t)(n + 1) * V, sizeof(float));
  wk_decoder_state *st = NULL;
  int ok = lg && !wk_decoder_state_create(e->dec[p], 1, &st) &&
           !wk_decoder_set_audio(e->ctx, e->dec[p], st, e->s->features, e->s->n_audio) &&
           !wk_decoder_step(e->ctx, e->dec[p], st, init, n_init, lg);
  for (int k = 0; ok && k < n; k++)
    ok = !wk_decoder_step(e->ctx, e->dec[p], st, tokens + k, 1, lg + (size_t)(k + 1) * V);
  if (!ok) fprintf(stderr, "teacher-forced run: %s\n", wk_last_error());
  wk_decoder_state_free(st);
  if (!ok) wk_free(lg), lg = NULL;
  return lg;
}

/* The DEC line of an FP32 decode and its logits file; *keep (if keep) takes the logits. */
static int dec_line(env *e, const wk_decode_options *o, int seek, int fallback, const int *pr,
                    int np, const wk_decode_result *res, float **keep) {
  printf("DEC %d %d %.9g %llu %d %d ", e->n_dec, o->beam_size, o->temperature,
         (unsigned long long)o->seed, seek, fallback);
  for (int i = 0; i < np; i++) printf("%s%d", i ? "," : "", pr[i]);
  printf("%s | ", np ? "" : "-");
  for (int i = 0; i < res->n_tokens; i++) printf("%s%d", i ? "," : "", res->tokens[i]);
  printf(" | %.17g %.17g %.17g\n", res->sum_logprob, res->avg_logprob, res->no_speech_prob);
  fflush(stdout);
  int init[16], n_init;
  wk_decode_rules r;
  window_rules(e, pr, np, init, &n_init, &r);
  float *lg = forced_logits(e, 0, init, n_init, res->tokens, res->n_tokens);
  char name[32];
  snprintf(name, sizeof name, "logits_%d", e->n_dec++);
  const int ok = lg && decoder_synth_npy(e->dir, name, lg, 2, res->n_tokens + 1, e->V, 0);
  if (keep) *keep = lg;
  else wk_free(lg);
  return ok;
}

/* Prompts: timestamps (as transcribe.py's carry them) are accepted, other specials refused. */
static void prompt_specials(env *e) {
  for (int k = 0; k < 2; k++) {
    wk_decode_options o;
    wk_decode_options_default(&o);
    o.sample_len = 2;
    const int p2[2] = {440, k ? e->sp->sot : e->sp->timestamp_begin + 10};
    wk_decoder_state *st = NULL;
    wk_decode_result res;
    memset(&res, 0, sizeof res);
    const int made = !wk_decoder_state_create(e->dec[0], 1, &st) &&
                     !wk_decoder_set_audio(e->ctx, e->dec[0], st, e->s->features, e->s->n_audio);
    const wk_status rs = made ? wk_decode_window(e->ctx, e->dec[0], st, e->tok, &o, p2, 2, &res)
                              : WK_STATUS_INTERNAL;
    CHECK(k ? rs == WK_STATUS_INVALID_ARGUMENT : rs == WK_STATUS_OK,
          "prompt with %s: status %d (%s)", k ? "sot" : "a timestamp", (int)rs, wk_last_error());
    if (rs == WK_STATUS_OK) wk_decode_result_free(&res);
    wk_decoder_state_free(st);
  }
}

/* ── transcribe's temperature fallback on one window ── */

typedef struct fb_src {
  env *e;
  int seek, calls, ok;
} fb_src;

static wk_status fb_set_window(void *u, int seek, int n_frames) {
  (void)n_frames;
  ((fb_src *)u)->seek = seek;
  return WK_STATUS_OK;
}

static wk_status fb_decode(void *u, const wk_decode_options *o, const int *pr, int np,
                           wk_decode_result *out) {
  fb_src *f = u;
  if (!decode(f->e, 0, o, pr, np, out) || np > 8) return WK_STATUS_INTERNAL;
  f->ok = f->ok && dec_line(f->e, o, f->seek, f->calls++, pr, np, out, NULL);
  return WK_STATUS_OK;
}

static int fallback(env *e) {
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  o.decode.beam_size = 5;
  o.decode.seed = 20240601;
  o.logprob_threshold = 0.0; /* every avg_logprob is < 0: each temperature falls back */
  o.compression_ratio_threshold = NAN, o.no_speech_threshold = NAN;
  o.initial_prompt = prompt, o.n_initial_prompt = 3;
  fb_src f = {e, -1, 0, 1};
  const wk_window_source src = {&f, fb_set_window, fb_decode, NULL, NULL, NULL};
  wk_transcribe_result r;
  /* one mel frame: one window, whatever its timestamps say */
  const wk_status st = wk_transcribe_windows(&src, e->tok, &o, 1, &r);
  CHECK(st == WK_STATUS_OK && f.ok, "fallback: %s", wk_last_error());
  if (st) return 0;
  CHECK(r.n_windows == 1 && r.n_fallbacks == 5 && f.calls == 6,
        "fallback: %d windows, %d fallbacks", r.n_windows, r.n_fallbacks);
  wk_transcribe_result_free(&r);
  return f.ok;
}

/* ── INT8 through the search ── */

/* The two sides of the timestamp-mass rule on logits x after every other filter (history
 * hist[n]): |logsumexp(x over the allowed timestamps) − max(x over the allowed ids below
 * timestamp_begin)|; +inf when a side has no allowed id (the rule then changes nothing).
 * probe[V] is scratch. */
static double mass_gap(const wk_decode_rules *r, const float *x, const int *hist, int n,
                       float *probe) {
  const int V = r->sp->n_vocab, tb = r->sp->timestamp_begin;
  for (int v = 0; v < V; v++) probe[v] = v < tb ? 1e4f : 0.0f; /* the mass rule cannot fire */
  wk_decode_filter(r, probe, hist, n);
  double m_ts = -INFINITY, m_tx = -INFINITY;
  for (int v = 0; v < V; v++) {
    if (probe[v] == -INFINITY) continue;
    if (v < tb && x[v] > m_tx) m_tx = x[v];
    if (v >= tb && x[v] > m_ts) m_ts = x[v];
  }
  if (m_ts == -INFINITY || m_tx == -INFINITY) return INFINITY;
  double s = 0.0;
  for (int v = tb; v < V; v++)
    if (probe[v] != -INFINITY) s += exp((double)x[v] - m_ts);
  return fabs(m_ts + log(s) - m_tx);
}

static double max_abs_diff(const float *a, const float *b, int n) {
  double m = 0.0;
  for (int i = 0; i < n; i++) {
    const double d = fabs((double)a[i] - b[i]);
    if (d > m) m = d;
  }
  return m;
}

/* argmax (lowest id on ties) and the gap to the runner-up of the finite x[V]. */
static int top2(const float *x, int V, double *margin) {
  int best = 0;
  for (int v = 1; v < V; v++)
    if (x[v] > x[best]) best = v;
  double second = -INFINITY;
  for (int v = 0; v < V; v++)
    if (v != best && x[v] > second) second = x[v];
  *margin = (double)x[best] - second;
  return best;
}

/* INT8 greedy against FP32 greedy (r32, its logits a along its tokens), both through
 * wk_decode_window with prompt pr[np].
 * Teacher-forced on FP32's sequence (its tokens, then eot unless it stopped at sample_len), step
 * k (history: the initial tokens + FP32's first k) has FP32 logits a and INT8 logits b (the rows
 * each search computed: a row depends on its history only):
 *   err_k    = max over every id of |b − a| (before the filters);
 *   margin_k = the top-2 gap of a after the filters;
 *   gap_k    = mass_gap(a): the timestamp-mass rule compares a logsumexp and a max, each of which
 *              an error ≤ err_k per logit moves by at most err_k;
 *   step k is DECISIVE when margin_k > 2·err_k and gap_k > 2·err_k: then the filters suppress the
 *   same ids for a and b and no error ≤ err_k per logit can change the argmax.
 * Checked, while INT8's sequence has equalled FP32's (after it leaves — which only a
 * non-decisive step may cause — the histories differ and nothing is compared): INT8 chooses
 * FP32's token on every decisive step; each search's token is the filtered argmax of its
 * teacher-forced logits (FP32 on every step). */
static void int8_greedy(env *e, const int *pr, int np, const wk_decode_result *fp32,
                        const float *a) {
  wk_decode_options o;
  wk_decode_options_default(&o);
  wk_decode_result r8;
  const wk_decode_result r32 = *fp32;
  const int ran = decode(e, 1, &o, pr, np, &r8);
  CHECK(ran, "int8 greedy: decode failed");
  int init[16], n_init;
  wk_decode_rules rules;
  window_rules(e, pr, np, init, &n_init, &rules);
  const int V = e->V, n = r32.n_tokens, eot = e->sp->eot;
  const int steps = n < e->n_ctx / 2 ? n + 1 : n; /* the last step chose eot */
  float *b = ran ? forced_logits(e, 1, init, n_init, r32.tokens, n) : NULL;
  int *hist = wk_alloc_array((size_t)(n_init + n + 1), sizeof(int));
  float *fa = wk_alloc_array((size_t)V, sizeof(float));
  float *fb = wk_alloc_array((size_t)V, sizeof(float));
  float *probe = wk_alloc_array((size_t)V, sizeof(float));
  CHECK(a && b && hist && fa && fb && probe, "int8 greedy: setup failed");
  if (a && b && hist && fa && fb && probe) {
    memcpy(hist, init, (size_t)n_init * sizeof(int));
    memcpy(hist + n_init, r32.tokens, (size_t)n * sizeof(int));
    int decisive = 0, same = 0, left = -1;
    double max_err = 0.0;
    for (int k = 0; k < steps; k++) {
      const float *ak = a + (size_t)k * V, *bk = b + (size_t)k * V;
      const double err = max_abs_diff(ak, bk, V);
      memcpy(fa, ak, (size_t)V * sizeof(float));
      memcpy(fb, bk, (size_t)V * sizeof(float));
      wk_decode_filter(&rules, fa, hist, n_init + k);
      wk_decode_filter(&rules, fb, hist, n_init + k);
      double margin, m8;
      const int t32 = top2(fa, V, &margin), t8 = top2(fb, V, &m8);
      CHECK(t32 == (k < n ? r32.tokens[k] : eot), "int8 greedy: FP32 step %d chose %d, replayed %d",
            k, k < n ? r32.tokens[k] : eot, t32);
      const int dec = margin > 2 * err && mass_gap(&rules, ak, hist, n_init + k, probe) > 2 * err;
      decisive += dec;
      if (err > max_err) max_err = err;
      if (left >= 0) continue;
      const int got = k < r8.n_tokens ? r8.tokens[k] : eot;
      CHECK(got == t8, "int8 greedy: INT8 step %d chose %d, its replay %d", k, got, t8);
      CHECK(!dec || got == t32,
            "int8 greedy: decisive step %d (margin %g, err %g): INT8 %d, FP32 %d", k, margin, err,
            got, t32);
      if (got != t32) left = k;
      else same++;
    }
    printf("int8 greedy%s: %d of %d steps decisive (max err %.4g); INT8 == FP32 on %d steps%s\n",
           np ? " prompt" : "", decisive, steps, max_err, same,
           left < 0 ? " (the whole sequence)" : ", then a non-decisive step");
    CHECK(decisive >= steps / 2, "int8 greedy: only %d of %d steps decisive", decisive, steps);
  }
  wk_free(b), wk_free(hist), wk_free(fa), wk_free(fb), wk_free(probe);
  wk_decode_result_free(&r8);
}

/* Decisive decodes of real length: the token embedding E scaled by `scale` (the logits
 * ln(x)·Eᵀ grow with it), and positional_embedding[p] += drift · p · E[eot] / |E[eot]| (eot's
 * logit grows with the position, so the decodes end with eot after tens of tokens). */
static void shape(decoder_synth *s, float scale, float drift, int eot) {
  const int d = s->w.d;
  float *emb = (float *)s->w.token_embedding, *pe = (float *)s->w.positional_embedding;
  for (size_t i = 0; i < (size_t)s->w.n_vocab * d; i++) emb[i] *= scale;
  const float *u = emb + (size_t)eot * d;
  double nu = 0.0;
  for (int j = 0; j < d; j++) nu += (double)u[j] * u[j];
  nu = sqrt(nu);
  for (int p = 0; p < s->w.n_text_ctx; p++)
    for (int j = 0; j < d; j++) pe[(size_t)p * d + j] += (float)(drift * p * u[j] / nu);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s DIR SIZE SCALE DRIFT\n", argv[0]);
    return 2;
  }
  decoder_synth s;
  if (!decoder_synth_make(argv[2], 11, 64, &s)) return 1;
  env e = {argv[1], wk_test_context(WK_ISA_AUTO, 2), &s, NULL, NULL, {NULL, NULL},
           s.w.n_vocab, s.w.n_text_ctx, 0};
  wk_tokenizer *tok = NULL;
  wk_decoder *d32 = NULL, *d8 = NULL;
  wk_decode_result r32 = {0};
  float *lg32 = NULL;
  int ok = !wk_tokenizer_create(s.model, &tok);
  if (ok) shape(&s, (float)atof(argv[3]), (float)atof(argv[4]), wk_tokenizer_special(tok)->eot);
  ok = ok && decoder_synth_save(e.dir, &s) &&
       !wk_decoder_create(e.ctx, &s.w, WK_PRECISION_FP32, &d32) &&
       !wk_decoder_create(e.ctx, &s.w, WK_PRECISION_INT8, &d8);
  if (!ok) fprintf(stderr, "setup: %s\n", wk_last_error());
  e.tok = tok, e.sp = tok ? wk_tokenizer_special(tok) : NULL, e.dec[0] = d32, e.dec[1] = d8;
  ok = ok && e.sp->multilingual;
  if (ok) {
    const wk_special_tokens *sp = e.sp;
    printf("DIMS %d %d %d\n", s.w.heads, s.w.n_layer, s.w.n_text_ctx);
    size_t n;
    const int *sup = wk_tokenizer_suppress_tokens(tok, &n);
    printf("SUPPRESS ");
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? "," : "", sup[i]);
    const int *bl = wk_tokenizer_blank_tokens(tok, &n);
    printf("\nBLANK ");
    for (size_t i = 0; i < n; i++) printf("%s%d", i ? "," : "", bl[i]);
    printf("\nSPECIAL %d %d %d %d %d %d %d %d\n", sp->eot, sp->sot, sp->no_speech,
           sp->no_timestamps, sp->timestamp_begin, sp->transcribe, sp->sot_prev,
           sp->language_begin);
  }
  for (int k = 0; ok && k < 3; k++) { /* greedy, beam 5, greedy + prompt (+ beam 5: fallback) */
    wk_decode_options o;
    wk_decode_options_default(&o);
    o.beam_size = k == 1 ? 5 : 0;
    const int np = k == 2 ? 3 : 0;
    wk_decode_result res;
    ok = decode(&e, 0, &o, prompt, np, &res) &&
         dec_line(&e, &o, 0, -1, prompt, np, &res, k == 2 ? &lg32 : NULL);
    if (k == 2) r32 = res; /* INT8 greedy is checked against it */
    else wk_decode_result_free(&res);
  }
  ok = ok && fallback(&e);
  if (ok) prompt_specials(&e);
  if (ok) int8_greedy(&e, prompt, 3, &r32, lg32);
  wk_decode_result_free(&r32);
  wk_free(lg32);
  wk_decoder_free(d32), wk_decoder_free(d8);
  wk_tokenizer_free(tok);
  wk_context_free(e.ctx);
  decoder_synth_free(&s);
  if (!ok || wk_test_failures) fprintf(stderr, "decoding_dump: FAILED\n");
  return ok && !wk_test_failures ? 0 : 1;
}
