/* test_transcribe — transcribe.py's outer loop (src/decode/transcribe.c) on a scripted window
 * source: decode results per (seek, temperature), expectations derived by hand from
 * transcribe.py's logic (seeking, temperature fallback, no-speech skipping, segment splitting,
 * prompt conditioning and reset, language detection). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "decode/transcribe.h"
#include "test_util.h"

/* Multilingual layout (51865): eot 50257, languages 50259…, timestamp_begin 50364. */
#define TB 50364
#define TS(i) (TB + (i))
#define W(i) (256 + (i)) /* text token " w<i>" */

typedef struct entry {
  int seek;
  float temperature;
  int tokens[64], n;
  double avg_logprob, no_speech_prob;
} entry;

typedef struct call {
  int seek, beam_size, language, n_prompt, prompt0;
  float temperature;
  uint32_t prompt_hash; /* Σ (i + 1)·prompt[i] mod 2^32: the prompt's tokens, in order */
} call;

typedef struct script {
  const entry *e;
  int n_e, seek, n_frames, n_calls, n_windows, language;
  call calls[4096];
} script;

static wk_status s_set(void *u, int seek, int n_frames) {
  script *s = u;
  s->seek = seek, s->n_frames = n_frames, s->n_windows++;
  return WK_STATUS_OK;
}

static wk_status s_decode(void *u, const wk_decode_options *o, const int *prompt, int n_prompt,
                          wk_decode_result *out) {
  script *s = u;
  memset(out, 0, sizeof *out);
  uint32_t hash = 0;
  for (int i = 0; i < n_prompt; i++) hash += (uint32_t)(i + 1) * (uint32_t)prompt[i];
  if (s->n_calls < 4096)
    s->calls[s->n_calls++] = (call){s->seek, o->beam_size, o->language, n_prompt,
                                    n_prompt ? prompt[0] : -1, o->temperature, hash};
  for (int i = 0; i < s->n_e; i++) {
    const entry *e = &s->e[i];
    if (e->seek != s->seek || fabsf(e->temperature - o->temperature) > 1e-6f) continue;
    out->tokens = wk_alloc_array((size_t)e->n + 1, sizeof(int));
    if (!out->tokens) return WK_STATUS_OUT_OF_MEMORY;
    memcpy(out->tokens, e->tokens, (size_t)e->n * sizeof(int));
    out->n_tokens = e->n, out->avg_logprob = e->avg_logprob;
    out->no_speech_prob = e->no_speech_prob, out->sum_logprob = e->avg_logprob * (e->n + 1);
    return WK_STATUS_OK;
  }
  return wk_error(WK_STATUS_INVALID_ARGUMENT, "script: no entry for seek %d t %g", s->seek,
                  (double)o->temperature);
}

/* The scripted add_words (transcribe_ref.py's add_words): a word per text token, times from a
 * hash of (token, index, seek, segment), segment start/end and last_speech as timing.py sets
 * them. */
static uint32_t mix(int t, int k, int seek, int si) {
  uint32_t h = (uint32_t)t * 2654435761u + (uint32_t)k * 40503u + (uint32_t)seek * 97u +
               (uint32_t)si * 7919u;
  h ^= h >> 13;
  h *= 0x5bd1e995u;
  return h ^ (h >> 15);
}

static double round2(double x) { /* Python's round(x, 2) */
  char buf[64];
  snprintf(buf, sizeof buf, "%.2f", x);
  return strtod(buf, NULL);
}

static wk_status s_words(void *u, wk_segment *seg, int n, int num_frames, int language,
                         double *last_speech) {
  (void)u, (void)num_frames, (void)language;
  static const double durs[6] = {0.05, 0.1, 0.3, 0.5, 2.5, 4.0};
  static const double gaps[5] = {0.0, 0.1, 0.5, 3.0, 8.0};
  if (n == 0) return WK_STATUS_OK;
  const double time_offset = (double)(seg[0].seek * 160) / 16000.0;
  for (int si = 0; si < n; si++) {
    wk_segment *g = &seg[si];
    wk_word *w = wk_alloc_array((size_t)g->n_tokens + 1, sizeof *w);
    if (!w) return WK_STATUS_OUT_OF_MEMORY;
    g->words = w, g->n_words = 0; /* owned by the segment from here */
    int m = 0;
    double cursor = g->start - time_offset;
    for (int i = 0; i < g->n_tokens; i++) {
      const int t = g->tokens[i];
      if (t >= 50257) continue;
      const uint32_t h = mix(t, m, g->seek, si);
      char buf[32];
      if ((h >> 16) % 10 == 0) snprintf(buf, sizeof buf, ",");
      else snprintf(buf, sizeof buf, " w%d", t - 256);
      char *text = wk_alloc(strlen(buf) + 1);
      if (!text) return WK_STATUS_OUT_OF_MEMORY;
      strcpy(text, buf);
      w[m].word = text;
      g->n_words = m + 1;
      w[m].start = round2(time_offset + cursor + gaps[(h >> 12) % 5]);
      w[m].end = round2(w[m].start + durs[(h >> 8) % 6]);
      w[m].probability = (double)(h % 100) / 100.0;
      cursor = w[m].end - time_offset;
      m++;
    }
    g->words = w, g->n_words = m;
    if (m) {
      g->start = w[0].start, g->end = w[m - 1].end;
      *last_speech = g->end;
    }
  }
  return WK_STATUS_OK;
}

static wk_status s_lang(void *u, int *language) {
  *language = ((script *)u)->language;
  return WK_STATUS_OK;
}

static wk_tokenizer *make_tokenizer(void) {
  enum { N = 50257 };
  static uint8_t buf[N][12];
  static const uint8_t *p[N];
  static size_t lens[N];
  for (int i = 0; i < N; i++) {
    if (i < 256) buf[i][0] = (uint8_t)i, lens[i] = 1;
    else lens[i] = (size_t)snprintf((char *)buf[i], sizeof buf[i], " w%d", i - 256);
    p[i] = buf[i];
  }
  wk_tokenizer *t = NULL;
  if (wk_tokenizer_create_vocab(51865, N, p, lens, &t) != WK_STATUS_OK) return NULL;
  return t;
}

static int run(const wk_tokenizer *tok, const entry *e, int n_e, const wk_transcribe_options *o,
               int frames, script *s, wk_transcribe_result *r) {
  memset(s, 0, sizeof *s);
  s->e = e, s->n_e = n_e, s->language = 7;
  wk_window_source src = {s, s_set, s_decode, s_lang, s_words, NULL};
  return wk_transcribe_windows(&src, tok, o, frames, r);
}

static int seg_is(const wk_segment *g, double start, double end, const char *text, int n_tokens,
                  int seek) {
  return g->start == start && g->end == end && !strcmp(g->text, text) &&
         g->n_tokens == n_tokens && g->seek == seek;
}

/* Three windows over 70 s: a single-timestamp ending (seek past the window), a pair ending
 * (seek to the last timestamp), no timestamps on the short last window. */
static void test_seeking(const wk_tokenizer *tok) {
  static const entry e[] = {
      {0, 0, {TS(0), W(1), TS(250), TS(250), W(2), TS(600)}, 6, -0.2, 0.01},
      {3000, 0, {TS(0), W(3), TS(500), TS(500), W(4), TS(800), TS(800)}, 7, -0.3, 0.02},
      {4600, 0, {W(5), W(6)}, 2, -0.4, 0.03},
  };
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  script s;
  wk_transcribe_result r;
  CHECK(run(tok, e, 3, &o, 7000, &s, &r) == WK_STATUS_OK, "seeking: %s", wk_last_error());
  CHECK(r.n_segments == 5 && r.n_windows == 3 && r.n_fallbacks == 0, "seeking: %d segs %d win",
        r.n_segments, r.n_windows);
  if (r.n_segments == 5) {
    CHECK(seg_is(&r.segments[0], 0.0, 5.0, " w1", 3, 0), "seg 0");
    CHECK(seg_is(&r.segments[1], 5.0, 12.0, " w2", 3, 0), "seg 1");
    CHECK(seg_is(&r.segments[2], 30.0, 40.0, " w3", 3, 3000), "seg 2 %g %g", r.segments[2].start,
          r.segments[2].end);
    CHECK(seg_is(&r.segments[3], 40.0, 46.0, " w4", 3, 3000), "seg 3");
    CHECK(seg_is(&r.segments[4], 46.0, 70.0, " w5 w6", 2, 4600), "seg 4 %g %g",
          r.segments[4].start, r.segments[4].end);
    CHECK(r.segments[4].avg_logprob == -0.4 && r.segments[4].no_speech_prob == 0.03, "seg 4 stats");
    for (int i = 0; i < 5; i++) {
      CHECK(r.segments[i].start <= r.segments[i].end, "segment %d reversed", i);
      if (i) CHECK(r.segments[i].start >= r.segments[i - 1].end, "segment %d overlaps", i);
    }
  }
  /* prompts: all previous segments' tokens, timestamps included (the second window's last
   * <|16.00|> closes no slice: dropped, as in transcribe.py) */
  CHECK(s.n_calls == 3 && s.calls[0].n_prompt == 0 && s.calls[1].n_prompt == 6 &&
            s.calls[2].n_prompt == 12 && s.calls[1].prompt0 == TS(0),
        "seeking prompts %d %d %d", s.calls[0].n_prompt, s.calls[1].n_prompt, s.calls[2].n_prompt);
  CHECK(s.calls[2].seek == 4600, "third window at %d", s.calls[2].seek);
  wk_transcribe_result_free(&r);
}

/* Fallback on compression ratio then log-probability; beam search dropped above 0; a window
 * decoded above 0.5 resets the prompt; the initial prompt heads all_tokens. */
static void test_fallback(const wk_tokenizer *tok) {
  entry e[5];
  memset(e, 0, sizeof e);
  e[0].seek = 0, e[0].temperature = 0.0f, e[0].avg_logprob = -0.1, e[0].no_speech_prob = 0.1;
  for (int i = 0; i < 40; i++) e[0].tokens[i] = W(7);  /* " w7 w7 …": ratio > 2.4 */
  e[0].n = 40;
  e[1] = (entry){0, 0.2f, {W(1), W(2)}, 2, -1.5, 0.1}; /* avg_logprob < −1 */
  e[2] = (entry){0, 0.4f, {W(1), W(3)}, 2, -0.5, 0.1}; /* accepted */
  e[3] = (entry){3000, 0.0f, {W(4)}, 1, -2.0, 0.1};
  e[4] = (entry){3000, 0.2f, {W(5)}, 1, -0.9, 0.1};
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  o.decode.beam_size = 5;
  const int init[2] = {W(9), W(10)};
  o.initial_prompt = init, o.n_initial_prompt = 2;
  script s;
  wk_transcribe_result r;
  CHECK(run(tok, e, 5, &o, 6000, &s, &r) == WK_STATUS_OK, "fallback: %s", wk_last_error());
  CHECK(r.n_segments == 2 && r.n_fallbacks == 3, "fallback: %d segs %d fb", r.n_segments,
        r.n_fallbacks);
  if (r.n_segments == 2) {
    CHECK(r.segments[0].temperature == (double)0.4f && !strcmp(r.segments[0].text, " w1 w3"),
          "fallback seg 0 t %g", r.segments[0].temperature);
    CHECK(r.segments[0].compression_ratio < 2.4, "ratio %g", r.segments[0].compression_ratio);
    CHECK(r.segments[1].temperature == (double)0.2f && r.segments[1].start == 30.0 &&
              r.segments[1].end == 60.0, "fallback seg 1");
  }
  CHECK(s.n_calls == 5, "fallback calls %d", s.n_calls);
  CHECK(s.calls[0].beam_size == 5 && s.calls[1].beam_size == 0 && s.calls[2].beam_size == 0 &&
            s.calls[3].beam_size == 5, "beam_size dropped above 0");
  CHECK(s.calls[0].n_prompt == 2 && s.calls[0].prompt0 == W(9) && s.calls[3].n_prompt == 4,
        "initial prompt %d / %d", s.calls[0].n_prompt, s.calls[3].n_prompt);
  CHECK(s.calls[0].language == 0, "language %d without detection", s.calls[0].language);
  wk_transcribe_result_free(&r);

  /* the first window only passes at 0.6: the second window gets no prompt */
  e[0].temperature = 0.6f, e[1].temperature = 0.0f, e[2].temperature = 0.2f, e[3] = e[4];
  e[1].avg_logprob = -1.5, e[2].avg_logprob = -1.2, e[3].temperature = 0.0f;
  e[0].n = 2; /* short text now: ratio fine */
  e[1].tokens[0] = W(1), e[1].n = 1;
  entry f[5] = {e[1], e[2], {0, 0.4f, {W(2)}, 1, -1.1, 0.1}, e[0], e[3]};
  wk_transcribe_options_default(&o);
  o.initial_prompt = init, o.n_initial_prompt = 2;
  CHECK(run(tok, f, 5, &o, 6000, &s, &r) == WK_STATUS_OK, "reset: %s", wk_last_error());
  CHECK(s.n_calls == 5 && s.calls[4].seek == 3000 && s.calls[4].n_prompt == 0,
        "reset: prompt %d after t 0.6", s.calls[4].n_prompt);
  wk_transcribe_result_free(&r);

  /* every temperature fails: the last result (1.0) is kept, the prompt reset */
  entry g[7];
  for (int i = 0; i < 6; i++) g[i] = (entry){0, 0.2f * (float)i, {W(i)}, 1, -3.0, 0.1};
  for (int i = 0; i < 6; i++) g[i].temperature = o.temperatures[i];
  g[6] = (entry){3000, 0.0f, {W(8)}, 1, -0.1, 0.1};
  CHECK(run(tok, g, 7, &o, 3500, &s, &r) == WK_STATUS_OK, "exhausted: %s", wk_last_error());
  CHECK(r.n_segments == 2 && r.segments[0].temperature == 1.0 && !strcmp(r.segments[0].text, " w5"),
        "exhausted: last kept");
  CHECK(s.n_calls == 7 && s.calls[6].n_prompt == 0, "exhausted: prompt reset");
  CHECK(r.n_segments == 2 && r.segments[1].end == 35.0, "short last window end %g",
        r.n_segments == 2 ? r.segments[1].end : -1);
  wk_transcribe_result_free(&r);

  /* condition_on_previous_text off: every window resets */
  entry h[2] = {{0, 0.0f, {W(1)}, 1, -0.1, 0.1}, {3000, 0.0f, {W(2)}, 1, -0.1, 0.1}};
  o.condition_on_previous_text = 0;
  CHECK(run(tok, h, 2, &o, 6000, &s, &r) == WK_STATUS_OK && s.calls[1].n_prompt == 0,
        "no conditioning");
  wk_transcribe_result_free(&r);
}

/* No-speech: silence stops the fallback and skips the window; a confident window is kept. */
static void test_no_speech(const wk_tokenizer *tok) {
  const entry e[] = {
      {0, 0.0f, {W(1)}, 1, -1.5, 0.9},    /* silent: no fallback, skipped */
      {3000, 0.0f, {W(2)}, 1, -0.5, 0.9}, /* no_speech high but confident: kept */
      {6000, 0.0f, {W(3)}, 1, -1.5, 0.5}, /* unsure but speech: falls back */
      {6000, 0.2f, {W(4)}, 1, -0.5, 0.7}, /* kept: avg_logprob > −1 */
  };
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  script s;
  wk_transcribe_result r;
  CHECK(run(tok, e, 4, &o, 9000, &s, &r) == WK_STATUS_OK, "no-speech: %s", wk_last_error());
  CHECK(s.n_calls == 4 && r.n_windows == 3, "no-speech calls %d", s.n_calls);
  CHECK(r.n_segments == 2 && r.segments[0].seek == 3000 && !strcmp(r.segments[0].text, " w2") &&
            r.segments[1].seek == 6000 && !strcmp(r.segments[1].text, " w4"),
        "no-speech segments %d", r.n_segments);
  CHECK(s.calls[1].n_prompt == 0 && s.calls[2].n_prompt == 1, "skipped window adds no prompt");
  wk_transcribe_result_free(&r);
  o.no_speech_threshold = NAN; /* None: never skipped */
  CHECK(run(tok, e, 4, &o, 3000, &s, &r) != WK_STATUS_OK, "no threshold: falls back to 0.2 (absent)");
  wk_transcribe_result_free(&r);
}

/* Cleared segments (instantaneous, blank), a lone <|0.00|>, language detection, bad input. */
static void test_misc(const wk_tokenizer *tok) {
  const entry e[] = {
      {0, 0.0f, {TS(0), W(1), TS(100), TS(100), ' ', TS(200), TS(300), TS(300), W(2), TS(350)}, 10, -0.1, 0.1},
      {3000, 0.0f, {W(3), TS(0)}, 2, -0.1, 0.1},
  };
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  o.detect_language = 1;
  script s;
  wk_transcribe_result r;
  CHECK(run(tok, e, 2, &o, 6000, &s, &r) == WK_STATUS_OK, "misc: %s", wk_last_error());
  CHECK(r.language == 7 && s.calls[0].language == 7, "detected language %d", r.language);
  /* pairs end slices at 3, 6 and 7; the single-timestamp tail is the fourth */
  CHECK(r.n_segments == 5, "misc: %d segments", r.n_segments);
  if (r.n_segments == 5) {
    CHECK(seg_is(&r.segments[0], 0.0, 2.0, " w1", 3, 0), "misc 0");
    CHECK(seg_is(&r.segments[1], 2.0, 4.0, "", 0, 0), "blank cleared");
    CHECK(seg_is(&r.segments[2], 6.0, 6.0, "", 0, 0), "instantaneous cleared");
    CHECK(seg_is(&r.segments[3], 6.0, 7.0, " w2", 3, 0), "tail");
    /* no pair, last timestamp <|0.00|>: the whole window's duration, seek past it */
    CHECK(seg_is(&r.segments[4], 30.0, 60.0, " w3", 2, 3000), "lone <|0.00|> %g",
          r.segments[4].end);
  }
  CHECK(s.calls[1].n_prompt == 6, "cleared segments add no tokens: %d", s.calls[1].n_prompt);
  wk_transcribe_result_free(&r);

  /* detect_language logits */
  const wk_special_tokens *sp = wk_tokenizer_special(tok);
  static float logits[51865];
  for (int i = 0; i < 51865; i++) logits[i] = (float)(i % 7);
  logits[TB] = 100; /* not a language */
  for (int i = 0; i < sp->n_languages; i++) logits[sp->language_begin + i] = 0;
  logits[sp->language_begin + 12] = 3, logits[sp->language_begin + 40] = 3;
  CHECK(wk_detect_language_logits(sp, logits) == 12, "argmax language");
  logits[sp->language_begin + 5] = NAN;
  CHECK(wk_detect_language_logits(sp, logits) == -1, "NaN logits");

  /* bad input */
  wk_window_source src = {&s, s_set, s_decode, s_lang, NULL, NULL};
  CHECK(wk_transcribe_windows(NULL, tok, &o, 10, &r) == WK_STATUS_INVALID_ARGUMENT, "NULL src");
  CHECK(wk_transcribe_windows(&src, tok, &o, -1, &r) == WK_STATUS_INVALID_ARGUMENT, "frames");
  o.n_temperatures = 0;
  CHECK(wk_transcribe_windows(&src, tok, &o, 10, &r) == WK_STATUS_INVALID_ARGUMENT, "temps");
  wk_transcribe_options_default(&o);
  o.temperatures[1] = NAN;
  CHECK(wk_transcribe_windows(&src, tok, &o, 10, &r) == WK_STATUS_INVALID_ARGUMENT, "NaN temp");
  wk_transcribe_options_default(&o);
  o.word_timestamps = 1; /* and the source has no add_words */
  CHECK(wk_transcribe_windows(&src, tok, &o, 10, &r) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "add_words"), "words without add_words: %s", wk_last_error());
  src.add_words = s_words;
  o.hallucination_silence_threshold = INFINITY;
  CHECK(wk_transcribe_windows(&src, tok, &o, 10, &r) == WK_STATUS_INVALID_ARGUMENT,
        "infinite hallucination threshold");
  src.add_words = NULL;
  wk_transcribe_options_default(&o);
  const entry bad[] = {{0, 0.0f, {50257}, 1, -0.1, 0.1}}; /* eot in the tokens */
  CHECK(run(tok, bad, 1, &o, 100, &s, &r) == WK_STATUS_INVALID_ARGUMENT && r.n_segments == 0,
        "eot refused");
  CHECK(run(tok, e, 2, &o, 0, &s, &r) == WK_STATUS_OK && r.n_segments == 0 && s.n_calls == 0,
        "empty audio");
  wk_transcribe_result_free(&r);
}

/* --dump: reads a script from stdin (tests/transcribe_ref.py writes it) and prints the calls
 * and segments for the reference to compare:
 *   frames F cond C init K t_1 … t_K
 *   clips M c_1 … c_M carry X ctx N
 *   words W threshold T (T nan: None)
 *   entries N, then per entry: seek temperature avg_logprob no_speech_prob n tok_1 … tok_n */
static int dump(const wk_tokenizer *tok) {
  int frames, cond, k, n, m, carry, ctx;
  static int init[4096];
  static double clips[64];
  static entry e[4096];
  if (scanf(" frames %d cond %d init %d", &frames, &cond, &k) != 3 || k < 0 || k > 4096) return 2;
  for (int i = 0; i < k; i++)
    if (scanf("%d", &init[i]) != 1) return 2;
  if (scanf(" clips %d", &m) != 1 || m < 0 || m > 64) return 2;
  for (int i = 0; i < m; i++)
    if (scanf("%lf", &clips[i]) != 1) return 2;
  if (scanf(" carry %d ctx %d", &carry, &ctx) != 2) return 2;
  int words;
  double threshold;
  if (scanf(" words %d threshold %lf", &words, &threshold) != 2) return 2;
  if (scanf(" entries %d", &n) != 1 || n < 0 || n > 4096) return 2;
  for (int i = 0; i < n; i++) {
    if (scanf("%d %f %lf %lf %d", &e[i].seek, &e[i].temperature, &e[i].avg_logprob,
              &e[i].no_speech_prob, &e[i].n) != 5 || e[i].n < 0 || e[i].n > 64)
      return 2;
    for (int j = 0; j < e[i].n; j++)
      if (scanf("%d", &e[i].tokens[j]) != 1) return 2;
  }
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  o.condition_on_previous_text = cond, o.initial_prompt = init, o.n_initial_prompt = k;
  o.clip_timestamps = clips, o.n_clip_timestamps = m, o.carry_initial_prompt = carry;
  o.n_text_ctx = ctx;
  o.word_timestamps = words, o.hallucination_silence_threshold = threshold;
  static script s;
  wk_transcribe_result r;
  if (run(tok, e, n, &o, frames, &s, &r) != WK_STATUS_OK) {
    printf("error %s\n", wk_last_error());
    return 0;
  }
  for (int i = 0; i < s.n_calls; i++)
    printf("call %d %.9g %d %u\n", s.calls[i].seek, (double)s.calls[i].temperature,
           s.calls[i].n_prompt, s.calls[i].prompt_hash);
  for (int i = 0; i < r.n_segments; i++) {
    const wk_segment *g = &r.segments[i];
    printf("seg %d %.17g %.17g %.9g %.17g %.17g %.17g %d", g->seek, g->start, g->end,
           g->temperature, g->avg_logprob, g->compression_ratio, g->no_speech_prob, g->n_tokens);
    for (int j = 0; j < g->n_tokens; j++) printf(" %d", g->tokens[j]);
    printf(" |%s|\n", g->text);
    for (int j = 0; j < g->n_words; j++)
      printf("word %.17g %.17g %.17g |%s|\n", g->words[j].start, g->words[j].end,
             g->words[j].probability, g->words[j].word);
  }
  wk_transcribe_result_free(&r);
  return 0;
}

int main(int argc, char **argv) {
  wk_tokenizer *tok = make_tokenizer();
  if (argc > 1 && !strcmp(argv[1], "--dump")) {
    const int rc = tok ? dump(tok) : 2;
    wk_tokenizer_free(tok);
    return rc;
  }
  CHECK(tok != NULL, "tokenizer: %s", wk_last_error());
  if (!tok) return wk_test_finish("test_transcribe");
  test_seeking(tok);
  test_fallback(tok);
  test_no_speech(tok);
  test_misc(tok);
  wk_tokenizer_free(tok);
  return wk_test_finish("test_transcribe");
}
