/* suite_decoder.c — `whisk accuracy decoder` and `whisk bench decoder`: the Whisper text
 * decoder (src/model/decoder.h) at every size, against the memory bandwidth it is bound by.
 *
 * Weights: the synthetic model's decoder tensors (tests/support/synth_model.h: what a `whisk
 * synth-model --size S` f32 file holds), generated straight into memory with
 * wk_synth_model_values, one size alive at a time (large-v3's decoder is 3.6 GB of fp32; the
 * encoder's tensors are never made).  Features: [1500][d] uniform in [−2, 2) (a fixed seed):
 * the cross-attention reads a full window's worth whatever the values.
 * Tokens: the SOT sequence is <|startoftranscript|> <|en|> <|transcribe|> (3 tokens, the ids of
 * the size's vocabulary); the 64-token prompt is <|startofprev|>, 60 text tokens, then the SOT
 * sequence, as transcribe.py conditions a window on the previous text.
 *
 * Speed (per size, INT8 and/or FP32, 1 thread and all threads, 1 beam and 5): after one
 * untimed run of each, the median of up to REPEATS runs (fewer once ≈ BUDGET_S seconds are
 * spent, at least 1) of
 *   prefill_ms         the SOT sequence from position 0 (every beam: [beams][3] tokens);
 *   prompt_prefill_ms  the 64-token prompt from position 0;
 *   step_ms            one token per beam at position 64 (the state rewound there each run,
 *                      so every timed step reads the same cache);
 *   reorder_ms         beam search's cache reorder at position 65 with every beam moved
 *                      (beam b takes b + 1's cache; 0 for greedy) — not part of step_ms.
 * tokens_per_s = beams / step: tokens scored per second, one per beam per step (greedy: the
 * decoding rate; beam search emits one token per step, so its text rate is 1 / step).
 * weight_bytes: the packed weights a step reads (wk_decoder_weight_bytes: every Linear but the
 * cross K/V projection, and the logits); step_bytes adds the cross K/V as stored and every
 * beam's cached K/V (wk_decoder_step_bytes).  bandwidth_gbs: bench/bandwidth.h at the row's
 * thread count, the mean of a sample right before and one right after the row (this machine
 * may be shared: a row is compared with what memory gave around it; the top-level
 * bandwidth_gbs is the median of every sample per thread count).  bound_ms = weight_bytes /
 * bandwidth (the definition), step_bound_ms = step_bytes / bandwidth;
 * bound_ratio = step_ms / bound_ms; beam_ratio = step_ms / the greedy step_ms of the same size,
 * precision and threads.
 *
 * Accuracy (per size): the token embedding is scaled ×EMB_SCALE, which scales the logits
 * (ln(x)·Eᵀ), so that the synthetic model decodes decisively (as tests/test_decoding.c's
 * --decoder run does); the FP32 decoder decodes greedily — plain argmax, no suppression or
 * timestamp rules, EOT fed back like any token — for STEPS logits rows (the SOT sequence's,
 * then after each chosen token); the INT8 decoder is teacher-forced on the same tokens.  Per
 * row: cosine and max |INT8 − FP32| / max |FP32| of the logits (reported: the worst row), and
 * top-1 agreement.  With e = the largest |INT8 − FP32| logit error of the whole run, a row is
 * decisive when its FP32 top-2 margin exceeds 2e (no error that large can swap them); the
 * contract is that INT8's top-1 equals FP32's on every decisive row (exit 1 if not). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bandwidth.h"
#include "common/common.h"
#include "common/json.h"
#include "io/ggml.h"
#include "model/decoder.h"
#include "suite.h"
#include "synth_model.h"

#define N_AUDIO 1500
#define N_TEXT_CTX 448
#define SEED 20240802u
#define PROMPT 64     /* tokens of the conditioned prompt; the steps run at this position */
#define MAX_BEAMS 5
#define REPEATS 15    /* timed runs per figure (WHISK_BENCH_QUICK: 3) */
#define BUDGET_S 3.0  /* … or fewer, once this many seconds were spent */
#define EMB_SCALE 4.0f
#define STEPS 48

typedef struct dec_size {
  const char *name;
  int d, heads, layers, n_vocab;
} dec_size;

static const dec_size sizes[] = {
    {"tiny", 384, 6, 4, 51865},     {"base", 512, 8, 6, 51865},
    {"small", 768, 12, 12, 51865},  {"medium", 1024, 16, 24, 51865},
    {"large-v3", 1280, 20, 32, 51866},
};
#define N_SIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define SIZES_HINT "(sizes: tiny, base, small, medium, large-v3)"

/* ── weights, features, tokens ───────────────────────────────────────────── */

typedef struct dec_weights {
  wk_decoder_f32 w; /* points into block */
  float *block;     /* every tensor */
  float *features;  /* [N_AUDIO][d] */
} dec_weights;

static void dec_weights_free(dec_weights *dw) {
  wk_free(dw->block), wk_free(dw->features);
  memset(dw, 0, sizeof *dw);
}

static wk_status synth_values(const void *options, const char *name, float *dst, size_t n) {
  return wk_synth_model_values(options, name, dst, n);
}

/* Fills *dw with the decoder tensors of the synthetic f32 model of `sz` (the loader's layout,
 * filled from the generator instead of a file) and the features.  Returns the status (the
 * message is set). */
static wk_status dec_weights_make(const dec_size *sz, dec_weights *dw) {
  memset(dw, 0, sizeof *dw);
  const wk_synth_model_options o = {sz->name, 0, "f32", SEED, 0};
  const wk_model_hparams hp = {.n_vocab = sz->n_vocab, .n_text_ctx = N_TEXT_CTX,
                               .n_text_state = sz->d, .n_text_head = sz->heads,
                               .n_text_layer = sz->layers};
  wk_status s = wk_decoder_f32_from_source(&hp, synth_values, &o, &dw->w, &dw->block);
  if (s) return s;
  const size_t d = (size_t)sz->d;
  dw->features = wk_alloc_array((size_t)N_AUDIO * d, sizeof(float));
  if (!dw->features) {
    dec_weights_free(dw);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder suite: out of memory (features)");
  }
  wk_rng r = {SEED ^ 0x5eedf00dull};
  for (size_t i = 0; i < (size_t)N_AUDIO * d; i++)
    dw->features[i] = (float)(wk_rng_uniform(&r) * 4.0 - 2.0);
  return WK_STATUS_OK;
}

/* Whisper's special tokens after the 50257 text tokens: <|endoftext|>, <|startoftranscript|>,
 * one per language (99; large-v3: 100), <|translate|>, <|transcribe|>, <|startoflm|>,
 * <|startofprev|>, … */
static int languages(const dec_size *sz) { return sz->n_vocab - 51765 - 1; }
static int tok_sot(void) { return 50258; }
static int tok_en(void) { return 50259; }
static int tok_transcribe(const dec_size *sz) { return 50259 + languages(sz) + 1; }
static int tok_sot_prev(const dec_size *sz) { return 50259 + languages(sz) + 3; }

/* The SOT sequence (3 tokens) into sot; the 64-token prompt into prompt, for every beam. */
static void make_prompts(const dec_size *sz, int beams, int *sot, int *prompt) {
  for (int b = 0; b < beams; b++) {
    int *s = sot + 3 * b, *p = prompt + PROMPT * b;
    s[0] = tok_sot(), s[1] = tok_en(), s[2] = tok_transcribe(sz);
    p[0] = tok_sot_prev(sz);
    for (int i = 1; i < PROMPT - 3; i++) p[i] = 220 + 997 * i % 50000; /* text tokens */
    memcpy(p + PROMPT - 3, s, 3 * sizeof(int));
  }
}

/* ── accuracy ────────────────────────────────────────────────────────────── */

static void accuracy_name(int si, char *buf, size_t size) {
  snprintf(buf, size, "decoder-%s", sizes[si].name);
}

static int argmax(const float *x, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

/* FP32 top-2 margin: the largest logit minus the second largest. */
static double margin(const float *x, int n) {
  double a = -INFINITY, b = -INFINITY;
  for (int i = 0; i < n; i++)
    if (x[i] > a) b = a, a = x[i];
    else if (x[i] > b) b = x[i];
  return a - b;
}

typedef struct acc_result {
  double cosine, mean_cosine, rel_err, err; /* worst row's cosine, rel err; max |err| */
  int agree, decisive, decisive_agree;
  double seconds;
} acc_result;

/* Runs `dec` over STEPS logits rows into logits [STEPS][V]: the SOT sequence, then tokens[k]
 * after row k (tokens NULL: each row's argmax, written to chosen). */
static wk_status decode_rows(wk_context *ctx, const wk_decoder *dec, const dec_weights *dw,
                             const dec_size *sz, const int *tokens, int *chosen, float *logits) {
  const size_t V = (size_t)sz->n_vocab;
  wk_decoder_state *st = NULL;
  int sot[3], prompt[PROMPT];
  make_prompts(sz, 1, sot, prompt);
  wk_status s = wk_decoder_state_create(dec, 1, &st);
  if (!s) s = wk_decoder_set_audio(ctx, dec, st, dw->features, N_AUDIO);
  if (!s) s = wk_decoder_step(ctx, dec, st, sot, 3, logits);
  for (int k = 0; !s && k + 1 < STEPS; k++) {
    int t = tokens ? tokens[k] : argmax(logits + k * V, (int)V);
    if (chosen) chosen[k] = t;
    s = wk_decoder_step(ctx, dec, st, &t, 1, logits + (k + 1) * V);
  }
  wk_decoder_state_free(st);
  return s;
}

static int accuracy_case(wk_context *ctx, const dec_size *sz, const char *name, acc_result *r) {
  const double t0 = wk_now();
  const size_t V = (size_t)sz->n_vocab;
  fprintf(stderr, "accuracy: %s: weights...\n", name);
  dec_weights dw;
  wk_status s = dec_weights_make(sz, &dw);
  float *l32 = wk_alloc_array(STEPS * V, sizeof(float)), *l8 = wk_alloc_array(STEPS * V, sizeof(float));
  int tokens[STEPS];
  if (!s && (!l32 || !l8)) s = wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder suite: out of memory");
  if (!s) { /* the decisive model: logits = ln(x)·(EMB_SCALE·E)ᵀ */
    float *e = (float *)dw.w.token_embedding;
    for (size_t i = 0; i < V * (size_t)sz->d; i++) e[i] *= EMB_SCALE;
  }
  for (int pi = 0; !s && pi < 2; pi++) { /* FP32 greedy, then INT8 teacher-forced */
    wk_decoder *dec = NULL;
    fprintf(stderr, "accuracy: %s: %s decoder...\n", name, pi ? "INT8" : "FP32");
    s = wk_decoder_create(ctx, &dw.w, pi ? WK_PRECISION_INT8 : WK_PRECISION_FP32, &dec);
    if (!s) s = decode_rows(ctx, dec, &dw, sz, pi ? tokens : NULL, pi ? NULL : tokens, pi ? l8 : l32);
    wk_decoder_free(dec);
  }
  dec_weights_free(&dw);
  if (!s) {
    *r = (acc_result){.cosine = INFINITY};
    for (int k = 0; k < STEPS; k++) {
      const float *a = l8 + k * V, *b = l32 + k * V;
      double ab = 0, aa = 0, bb = 0, e = 0, mx = 0;
      for (size_t i = 0; i < V; i++) {
        ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
        e = fmax(e, fabs((double)a[i] - b[i])), mx = fmax(mx, fabs((double)b[i]));
      }
      const double cos = ab / sqrt(aa * bb);
      r->cosine = fmin(r->cosine, cos), r->mean_cosine += cos / STEPS;
      r->rel_err = fmax(r->rel_err, e / mx), r->err = fmax(r->err, e);
      r->agree += argmax(a, (int)V) == argmax(b, (int)V);
    }
    for (int k = 0; k < STEPS; k++)
      if (margin(l32 + k * V, (int)V) > 2 * r->err) {
        r->decisive++;
        r->decisive_agree += argmax(l8 + k * V, (int)V) == argmax(l32 + k * V, (int)V);
      }
  }
  wk_free(l32), wk_free(l8);
  r->seconds = wk_now() - t0;
  if (s) {
    fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
    return 2;
  }
  return 0;
}

int wk_accuracy_decoder(const wk_suite_options *o, FILE *out) {
  int any = 0;
  char name[64];
  for (int si = 0; si < N_SIZES; si++) accuracy_name(si, name, sizeof name), any |= wk_suite_matches(o, name);
  if (!any) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "decoder");
    wk_json_key(j, "cases");
    wk_json_array_begin(j);
  } else {
    fprintf(out,
            "decoder accuracy: INT8 vs the FP32 decoder, synthetic weights (token embedding x%g), "
            "%d logits rows: FP32 greedy (plain argmax), INT8 teacher-forced; isa %s, %d threads\n"
            "legend: cosine, rel_err = the worst row's (max |int8 - fp32| / max |fp32|); "
            "err = max |int8 - fp32| of the run;\n"
            "        decisive = rows whose FP32 top-2 margin > 2 err (contract: INT8 top-1 = FP32 "
            "top-1 on each)\n"
            "%-18s %5s %6s %5s %10s %10s %10s %9s %6s %9s %8s %7s\n",
            (double)EMB_SCALE, STEPS, isa, wk_context_threads(ctx), "case", "d", "layers", "rows",
            "cosine", "mean_cos", "rel_err", "err", "top1", "decisive", "agree", "seconds");
  }
  int ok = 1, rc = 0;
  for (int si = 0; si < N_SIZES && !rc; si++) {
    const dec_size *sz = &sizes[si];
    accuracy_name(si, name, sizeof name);
    if (!wk_suite_matches(o, name)) continue;
    acc_result r;
    if (accuracy_case(ctx, sz, name, &r)) {
      rc = 2;
      break;
    }
    if (r.decisive_agree < r.decisive) ok = 0;
    if (j) {
      wk_json_object_begin(j);
      wk_json_kstring(j, "size", sz->name);
      wk_json_kint(j, "steps", STEPS);
      wk_json_kdouble(j, "cosine", r.cosine);
      wk_json_kdouble(j, "max_rel_err", r.rel_err);
      wk_json_kint(j, "top1_agree", r.agree);
      wk_json_kint(j, "decisive_steps", r.decisive);
      wk_json_kint(j, "decisive_agree", r.decisive_agree);
      wk_json_object_end(j);
    } else {
      fprintf(out, "%-18s %5d %6d %5d %10.7f %10.7f %10.3e %9.4f %3d/%-2d %9d %8d %7.1f\n", name,
              sz->d, sz->layers, STEPS, r.cosine, r.mean_cosine, r.rel_err, r.err, r.agree,
              STEPS, r.decisive, r.decisive_agree, r.seconds);
    }
    fflush(out);
  }
  wk_context_free(ctx);
  if (rc) return rc;
  if (j) {
    wk_json_array_end(j);
    wk_json_object_end(j);
    if (wk_suite_json_finish(j)) return 2;
  } else {
    fprintf(out, "contract (INT8 top-1 = FP32 top-1 on every decisive row): %s\n",
            ok ? "met" : "NOT MET");
  }
  return ok ? 0 : 1;
}

/* ── benchmark ───────────────────────────────────────────────────────────── */

static void bench_name(int si, wk_precision p, int threads, int beams, char *buf, size_t size) {
  snprintf(buf, size, "decoder-%s-%s-%dt-beam%d", sizes[si].name, wk_suite_precision_name(p),
           threads, beams);
}

/* One timed call: the state rewound to `from`, then a step (or a reorder with src). */
typedef struct timed {
  wk_context *ctx;
  const wk_decoder *dec;
  wk_decoder_state *st;
  int from;          /* position to rewind to */
  const int *tokens; /* [beams][n_new] */
  int n_new;
  float *logits;     /* [beams][n_vocab] */
  const int *src;    /* non-NULL: time wk_decoder_reorder(st, src) instead */
} timed;

static wk_status run_timed(const timed *t, double *sec) {
  wk_status s = wk_decoder_state_rewind(t->st, t->from);
  if (s) return s;
  const double t0 = wk_now();
  s = t->src ? wk_decoder_reorder(t->st, t->src)
             : wk_decoder_step(t->ctx, t->dec, t->st, t->tokens, t->n_new, t->logits);
  *sec = wk_now() - t0;
  return s;
}

/* Median seconds: one untimed run, then up to `max` runs (fewer once BUDGET_S seconds are
 * spent, at least 1). */
static wk_status median_of(const timed *t, int max, double *median) {
  double x[REPEATS], spent = 0, warm;
  wk_status s = run_timed(t, &warm);
  int n = 0;
  while (!s && n < max && (n == 0 || spent < BUDGET_S)) {
    s = run_timed(t, &x[n]);
    spent += x[n++];
  }
  if (s) return s;
  qsort(x, (size_t)n, sizeof x[0], wk_suite_cmp_double);
  *median = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  return WK_STATUS_OK;
}

typedef struct bench_row {
  double prefill, prompt, step, reorder; /* seconds */
  size_t weight_bytes, step_bytes;
} bench_row;

/* Times one (decoder, threads, beams) row. */
static wk_status bench_row_run(wk_context *ctx, const wk_decoder *dec, const dec_size *sz,
                               const dec_weights *dw, int beams, int repeats, bench_row *row) {
  int sot[3 * MAX_BEAMS], prompt[PROMPT * MAX_BEAMS], step[MAX_BEAMS], src[MAX_BEAMS];
  make_prompts(sz, beams, sot, prompt);
  for (int b = 0; b < beams; b++) step[b] = 440 + 13 * b, src[b] = (b + 1) % beams;
  float *logits = wk_alloc_array((size_t)beams * sz->n_vocab, sizeof(float));
  wk_decoder_state *st = NULL;
  wk_status s = logits ? wk_decoder_state_create(dec, beams, &st)
                       : wk_error(WK_STATUS_OUT_OF_MEMORY, "decoder suite: out of memory");
  if (!s) s = wk_decoder_set_audio(ctx, dec, st, dw->features, N_AUDIO);
  timed t = {ctx, dec, st, 0, sot, 3, logits, NULL};
  if (!s) s = median_of(&t, repeats, &row->prefill);
  t.tokens = prompt, t.n_new = PROMPT;
  if (!s) s = median_of(&t, repeats, &row->prompt);
  /* the state is at PROMPT now: steps from there */
  t.from = PROMPT, t.tokens = step, t.n_new = 1;
  if (!s) s = median_of(&t, repeats, &row->step);
  if (!s) {
    row->weight_bytes = wk_decoder_weight_bytes(dec);
    row->step_bytes = wk_decoder_step_bytes(dec, st, 1);
    row->reorder = 0;
  }
  t.from = PROMPT + 1, t.src = src;
  if (!s && beams > 1) s = median_of(&t, repeats, &row->reorder);
  wk_decoder_state_free(st);
  wk_free(logits);
  return s;
}

/* Bandwidth samples per thread-count index (0, 1). */
#define MAX_SAMPLES 256
typedef struct bw_samples {
  void *buf; /* WK_BANDWIDTH_BYTES */
  int passes;
  double all[2][MAX_SAMPLES]; /* bytes/s */
  int n[2];
} bw_samples;

static double bw_sample(bw_samples *b, wk_context *ctx, int ti) {
  const double x = wk_bandwidth_read(ctx, b->buf, WK_BANDWIDTH_BYTES, b->passes);
  if (b->n[ti] < MAX_SAMPLES) b->all[ti][b->n[ti]++] = x;
  return x;
}

static double bw_median(const bw_samples *b, int ti) {
  double x[MAX_SAMPLES];
  const int n = b->n[ti];
  memcpy(x, b->all[ti], sizeof(double) * (size_t)n);
  qsort(x, (size_t)n, sizeof x[0], wk_suite_cmp_double);
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

int wk_bench_decoder(const wk_suite_options *o, FILE *out) {
  return wk_bench_decoder_precision(o, WK_SUITE_PRECISION_BOTH, out);
}

int wk_bench_decoder_precision(const wk_suite_options *o, int precision, FILE *out) {
  if (precision < WK_SUITE_PRECISION_BOTH || precision > WK_SUITE_PRECISION_FP32) {
    fprintf(stderr, "whisk: decoder bench: unknown precision %d\n", precision);
    return 2;
  }
  const int want[2] = {precision != WK_SUITE_PRECISION_FP32, precision != WK_SUITE_PRECISION_INT8};
  const int beam_list[2] = {1, MAX_BEAMS};
  wk_cpu_info cpu;
  wk_cpu_get_info(&cpu);
  int thread_list[2] = {1, cpu.online_cores > 1 ? cpu.online_cores : 1}, n_threads = 2;
  if (o->threads > 0) thread_list[0] = o->threads, n_threads = 1;
  else if (thread_list[1] == 1) n_threads = 1;
  const char *quick = getenv("WHISK_BENCH_QUICK"); /* the ctest: fewer runs per figure */
  const int repeats = quick && *quick && strcmp(quick, "0") ? 3 : REPEATS;
  char name[96];
  int any = 0;
  for (int si = 0; si < N_SIZES; si++)
    for (int pi = 0; pi < 2; pi++)
      for (int ti = 0; ti < n_threads; ti++)
        for (int bi = 0; bi < 2; bi++) {
          bench_name(si, (wk_precision)pi, thread_list[ti], beam_list[bi], name, sizeof name);
          any |= want[pi] && wk_suite_matches(o, name);
        }
  if (!any) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
  wk_context *ctxs[2] = {NULL, NULL};
  for (int ti = 0; ti < n_threads; ti++)
    if (!(ctxs[ti] = wk_suite_context(o->isa, thread_list[ti]))) {
      wk_context_free(ctxs[0]);
      return 2;
    }
  const char *isa_name = wk_isa_name(wk_context_isa(ctxs[0]));
  char brand[sizeof cpu.brand];
  wk_suite_cpu_brand(&cpu, brand, sizeof brand);
  /* the memory bandwidth: sampled at each thread count now, and before and after each row
   * (this machine may be shared: a row is compared with what memory gave around it) */
  bw_samples bw = {.passes = repeats < 5 ? 1 : 3};
  fprintf(stderr, "bench: measuring the memory read bandwidth...\n");
  bw.buf = wk_bandwidth_buffer(WK_BANDWIDTH_BYTES);
  for (int ti = 0; bw.buf && ti < n_threads; ti++) bw_sample(&bw, ctxs[ti], ti);
  if (!bw.buf || !(bw.all[0][0] > 0) || (n_threads > 1 && !(bw.all[1][0] > 0))) {
    fprintf(stderr, "whisk: decoder bench: bandwidth: %s\n", bw.buf ? "no figure" : wk_last_error());
    wk_bandwidth_buffer_free(bw.buf);
    for (int ti = 0; ti < n_threads; ti++) wk_context_free(ctxs[ti]);
    return 2;
  }
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "decoder");
    wk_json_key(j, "results");
    wk_json_array_begin(j);
  } else {
    fprintf(out, "decoder speed on %s (%d cores), isa %s; synthetic weights, %d feature rows\n",
            brand, cpu.online_cores, isa_name, N_AUDIO);
    fprintf(out,
            "method: medians of up to %d runs after one untimed run; prefill = the 3-token SOT "
            "sequence, prompt = a 64-token prompt (ms, all beams);\n"
            "        step = one token per beam at position %d; tok/s = beams / step; weights MB "
            "= packed weights a step reads, step MB = + cross K/V + cache;\n"
            "        bound = weights / bandwidth (xbound = step / bound), all = step MB / "
            "bandwidth (xall = step / all); xgreedy = step / the greedy step;\n"
            "        bandwidth = the mean of the samples (a streaming read of %zu MiB, median of "
            "%d passes) right before and after the row\n"
            "        reorder = beam search's cache reorder, every beam moved (not in step)\n"
            "%-28s %8s %8s %8s %9s %8s %8s %7s %6s %7s %6s %7s %7s\n",
            repeats, PROMPT, WK_BANDWIDTH_BYTES >> 20, bw.passes, "name", "prefill", "prompt", "step", "tok/s", "weights", "step MB",
            "bound", "xbound", "all", "xall", "xgreedy", "reorder");
  }
  int rc = 0;
  for (int si = 0; si < N_SIZES && !rc; si++) {
    const dec_size *sz = &sizes[si];
    int size_any = 0;
    for (int pi = 0; pi < 2; pi++)
      for (int ti = 0; ti < n_threads; ti++)
        for (int bi = 0; bi < 2; bi++) {
          bench_name(si, (wk_precision)pi, thread_list[ti], beam_list[bi], name, sizeof name);
          size_any |= want[pi] && wk_suite_matches(o, name);
        }
    if (!size_any) continue;
    fprintf(stderr, "bench: decoder-%s: weights...\n", sz->name);
    dec_weights dw;
    if (dec_weights_make(sz, &dw)) {
      fprintf(stderr, "whisk: %s\n", wk_last_error());
      rc = 2;
      break;
    }
    for (int pi = 0; pi < 2 && !rc; pi++) {
      const wk_precision prec = (wk_precision)pi;
      if (!want[pi]) continue;
      wk_decoder *dec = NULL;
      if (wk_decoder_create(ctxs[0], &dw.w, prec, &dec)) {
        fprintf(stderr, "whisk: %s\n", wk_last_error());
        rc = 2;
        break;
      }
      for (int ti = 0; ti < n_threads && !rc; ti++) {
        double greedy = 0;
        for (int bi = 0; bi < 2 && !rc; bi++) {
          const int thr = thread_list[ti], beams = beam_list[bi];
          bench_name(si, prec, thr, beams, name, sizeof name);
          if (!wk_suite_matches(o, name)) continue;
          fprintf(stderr, "bench: %s...\n", name);
          bench_row r;
          const double bw0 = bw_sample(&bw, ctxs[ti], ti);
          const int failed = bench_row_run(ctxs[ti], dec, sz, &dw, beams, repeats, &r);
          const double bps = 0.5 * (bw0 + bw_sample(&bw, ctxs[ti], ti));
          if (failed) {
            fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
            rc = 2;
            break;
          }
          if (beams == 1) greedy = r.step;
          const double bound = (double)r.weight_bytes / bps;
          const double all = (double)r.step_bytes / bps;
          const double beam_ratio = greedy > 0 ? r.step / greedy : NAN;
          if (j) {
            wk_json_object_begin(j);
            wk_json_kstring(j, "size", sz->name);
            wk_json_kint(j, "threads", thr);
            wk_json_kstring(j, "isa", isa_name);
            wk_json_kstring(j, "precision", wk_suite_precision_name(prec));
            wk_json_kint(j, "beams", beams);
            wk_json_kdouble(j, "prefill_ms", r.prefill * 1e3);
            wk_json_kdouble(j, "prompt_prefill_ms", r.prompt * 1e3);
            wk_json_kdouble(j, "step_ms", r.step * 1e3);
            wk_json_kdouble(j, "tokens_per_s", beams / r.step);
            wk_json_kint(j, "weight_bytes", (long long)r.weight_bytes);
            wk_json_kint(j, "step_bytes", (long long)r.step_bytes);
            wk_json_kdouble(j, "bandwidth_gbs", bps * 1e-9);
            wk_json_kdouble(j, "bound_ms", bound * 1e3);
            wk_json_kdouble(j, "bound_ratio", r.step / bound);
            wk_json_kdouble(j, "step_bound_ms", all * 1e3);
            if (isfinite(beam_ratio)) wk_json_kdouble(j, "beam_ratio", beam_ratio);
            else wk_json_key(j, "beam_ratio"), wk_json_null(j);
            wk_json_kdouble(j, "reorder_ms", r.reorder * 1e3);
            wk_json_object_end(j);
          } else {
            char ratio[16] = "-";
            if (isfinite(beam_ratio)) snprintf(ratio, sizeof ratio, "%.2fx", beam_ratio);
            fprintf(out,
                    "%-28s %8.2f %8.2f %8.3f %9.1f %8.1f %8.1f %7.3f %5.2fx %7.3f %5.2fx %7s "
                    "%7.3f\n",
                    name, r.prefill * 1e3, r.prompt * 1e3, r.step * 1e3, beams / r.step,
                    r.weight_bytes * 1e-6, r.step_bytes * 1e-6, bound * 1e3, r.step / bound,
                    all * 1e3, r.step / all, ratio, r.reorder * 1e3);
          }
          fflush(out);
        }
      }
      wk_decoder_free(dec);
    }
    dec_weights_free(&dw);
  }
  for (int ti = 0; ti < n_threads; ti++) wk_context_free(ctxs[ti]);
  wk_bandwidth_buffer_free(bw.buf);
  if (rc) return rc;
  if (j) {
    wk_json_array_end(j);
    wk_json_key(j, "bandwidth_gbs"); /* the median sample per thread count */
    wk_json_object_begin(j);
    for (int ti = 0; ti < n_threads; ti++) {
      char key[16];
      snprintf(key, sizeof key, "%d", thread_list[ti]);
      wk_json_kdouble(j, key, bw_median(&bw, ti) * 1e-9);
    }
    wk_json_object_end(j);
    wk_json_object_end(j);
    if (wk_suite_json_finish(j)) return 2;
  } else {
    fprintf(out, "memory read bandwidth, median of the %d samples per thread count:", bw.n[0]);
    for (int ti = 0; ti < n_threads; ti++)
      fprintf(out, "%s %d thread%s %.1f GB/s", ti ? "," : "", thread_list[ti],
              thread_list[ti] > 1 ? "s" : "", bw_median(&bw, ti) * 1e-9);
    fprintf(out, "\n");
  }
  return 0;
}
