/* fuzz_transcribe.c — transcribe.py's outer loop (src/decode/transcribe.c) on arbitrary options
 * and arbitrary decode results, through a scripted window source: no model, so millions of
 * windows a minute.
 *
 * The input sets the audio length (0 … 12000 mel frames), the options — temperatures (some NaN,
 * negative), the three thresholds (some NaN, ±inf), conditioning, an initial prompt (ids, some
 * out of range), carry_initial_prompt with n_text_ctx −1 … 500, clip_timestamps (−1 … 9 of them:
 * in the audio, past it, 0, negative, NaN, ±inf, huge) — and then, call by call, what each
 * decode returns: up to 12 tokens (text, timestamps anywhere in 0 … 1500, now and then eot, an
 * id past the vocabulary or a negative one), avg_logprob and no_speech_prob (some NaN); with
 * word_timestamps (and hallucination_silence_threshold: NaN, ±inf, 0, huge, typical) what each
 * add_words returns: per segment up to 6 words with arbitrary times and probabilities (some
 * NaN, ±inf, negative, far past the window), now and then a NULL word, moved segment times.
 * Checked:
 *   - the status is OK or INVALID_ARGUMENT (bad options, bad tokens from the source), and a
 *     failed call leaves an empty result;
 *   - the loop never asks for a window outside the audio (seek ≥ 0, 1 … 3000 frames, ending at
 *     or before the audio's end) and ends (libFuzzer's timeout: 25 s);
 *   - every decode gets a prompt of valid tokens;
 *   - on success: n_windows windows were set, every segment's seek is a window the source was
 *     given, its tokens are valid ids below the vocabulary size and its text is NUL-terminated.
 * The vocabulary is test_transcribe's: Whisper's multilingual layout (eot 50257, timestamps from
 * 50364), text token i ≥ 256 spelled " w<i − 256>". */
#include "common/common.h"
#include "decode/transcribe.h"
#include "fuzz_util.h"

enum { N_VOCAB = 51865, N_TEXT = 50257, EOT = 50257, TB = 50364 };

static wk_tokenizer *tok;

static void setup(void) {
  static uint8_t buf[N_TEXT][12];
  static const uint8_t *p[N_TEXT];
  static size_t lens[N_TEXT];
  for (int i = 0; i < N_TEXT; i++) {
    if (i < 256)
      buf[i][0] = (uint8_t)i, lens[i] = 1;
    else
      lens[i] = (size_t)snprintf((char *)buf[i], sizeof buf[i], " w%d", i - 256);
    p[i] = buf[i];
  }
  if (wk_tokenizer_create_vocab(N_VOCAB, N_TEXT, p, lens, &tok) != WK_STATUS_OK)
    FZ_FAIL("tokenizer: %s", wk_last_error());
}

typedef struct script {
  fz *f;
  int content_frames;
  int seek, n_frames; /* the current window */
  int n_windows;
  int seeks[4096];    /* the first windows' starts */
} script;

static wk_status s_set(void *u, int seek, int n_frames) {
  script *s = u;
  if (seek < 0 || n_frames < 1 || n_frames > WK_N_FRAMES || seek + n_frames > s->content_frames)
    FZ_FAIL("window %d + %d frames of %d", seek, n_frames, s->content_frames);
  s->seek = seek, s->n_frames = n_frames;
  if (s->n_windows < 4096) s->seeks[s->n_windows] = seek;
  s->n_windows++;
  return WK_STATUS_OK;
}

static int token(fz *f) {
  const uint8_t k = fz_u8(f);
  if (k < 150) return 256 + fz_int(f, 0, 49);         /* text */
  if (k < 250) return TB + (k & 1 ? fz_int(f, 0, 1500) : fz_int(f, 0, 40)); /* a timestamp */
  static const int bad[] = {EOT, N_VOCAB, -1, 50358, 50360, 1 << 30};
  return bad[k % 6];
}

static wk_status s_decode(void *u, const wk_decode_options *o, const int *prompt, int n_prompt,
                          wk_decode_result *out) {
  script *s = u;
  (void)o;
  for (int i = 0; i < n_prompt; i++)
    if (prompt[i] < 0 || prompt[i] >= N_VOCAB)
      FZ_FAIL("prompt token %d = %d", i, prompt[i]);
  memset(out, 0, sizeof *out);
  const int n = fz_int(s->f, 0, 12);
  out->tokens = wk_alloc_array((size_t)n + 1, sizeof(int));
  if (!out->tokens) return wk_error(WK_STATUS_OUT_OF_MEMORY, "script: out of memory");
  for (int i = 0; i < n; i++) out->tokens[i] = token(s->f);
  out->n_tokens = n;
  const uint8_t k = fz_u8(s->f);
  out->avg_logprob = k == 255 ? NAN : -2.0 * (double)(k % 128) / 127.0;
  const uint8_t ns = fz_u8(s->f);
  out->no_speech_prob = ns == 255 ? NAN : (double)ns / 254.0;
  out->sum_logprob = out->avg_logprob * (n + 1);
  return WK_STATUS_OK;
}

static double odd_double(fz *f, double typical) {
  const uint8_t k = fz_u8(f);
  if (k < 200) return typical * (double)fz_u8(f) / 255.0;
  static const double bad[] = {0.0, -1.0, NAN, INFINITY, -INFINITY, 1e12, 5e8, -0.0};
  return bad[k % 8];
}

/* Arbitrary words for each segment (the real add_words is timing.c's, fuzzed through its own
 * tests; here: the loop must survive whatever comes back). */
static wk_status s_words(void *u, wk_segment *seg, int n, int num_frames, int language,
                         double *last_speech) {
  script *s = u;
  (void)language;
  if (num_frames < 1 || num_frames > WK_N_FRAMES || n < 0) FZ_FAIL("add_words: %d frames", num_frames);
  const double t0 = n ? (double)seg[0].seek * 0.01 : 0.0;
  for (int i = 0; i < n; i++) {
    if (seg[i].words || seg[i].n_words) FZ_FAIL("segment %d already has words", i);
    const int m = fz_int(s->f, 0, 6);
    wk_word *w = wk_alloc_array((size_t)m + 1, sizeof *w);
    if (!w) return wk_error(WK_STATUS_OUT_OF_MEMORY, "script: out of memory");
    memset(w, 0, ((size_t)m + 1) * sizeof *w);
    seg[i].words = w, seg[i].n_words = m; /* owned by the segment from here */
    for (int k = 0; k < m; k++) {
      static const char *const texts[] = {" w1", ",", "", " ?", "“", " w2,"};
      const uint8_t t = fz_u8(s->f);
      char *text = NULL;
      if (t != 255) {
        const char *src = texts[t % 6];
        text = wk_alloc(strlen(src) + 1);
        if (!text) return wk_error(WK_STATUS_OUT_OF_MEMORY, "script: out of memory");
        strcpy(text, src);
      }
      w[k].word = text;
      w[k].start = t0 + odd_double(s->f, 40.0);
      w[k].end = w[k].start + odd_double(s->f, 3.0);
      w[k].probability = odd_double(s->f, 1.0);
    }
    if (fz_u8(s->f) < 64) seg[i].start = t0 + odd_double(s->f, 30.0);
    if (fz_u8(s->f) < 64) seg[i].end = t0 + odd_double(s->f, 30.0);
  }
  if (fz_u8(s->f) < 32) *last_speech = odd_double(s->f, 100.0);
  return WK_STATUS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!tok) setup();
  fz f = {data, size, 0};
  script s;
  memset(&s, 0, sizeof s);
  s.f = &f;
  s.content_frames = fz_u8(&f) < 240 ? fz_int(&f, 0, 12000) : -1;

  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  o.n_temperatures = fz_int(&f, 0, 7);
  for (int i = 0; i < WK_MAX_TEMPERATURES; i++)
    o.temperatures[i] = (float)odd_double(&f, 1.0);
  if (fz_u8(&f) < 64) o.compression_ratio_threshold = odd_double(&f, 4.0);
  if (fz_u8(&f) < 64) o.logprob_threshold = -odd_double(&f, 2.0);
  if (fz_u8(&f) < 64) o.no_speech_threshold = odd_double(&f, 1.0);
  o.condition_on_previous_text = fz_u8(&f) & 1;
  int init[8];
  o.n_initial_prompt = fz_int(&f, 0, 8);
  for (int i = 0; i < o.n_initial_prompt; i++) init[i] = token(&f);
  o.initial_prompt = init;
  o.carry_initial_prompt = fz_u8(&f) & 1;
  o.n_text_ctx = fz_int(&f, -1, 500);
  double clips[9];
  o.n_clip_timestamps = fz_int(&f, -1, 9);
  for (int i = 0; i < 9; i++) clips[i] = odd_double(&f, 150.0);
  o.clip_timestamps = fz_u8(&f) < 250 ? clips : NULL;
  o.word_timestamps = fz_u8(&f) < 128;
  if (fz_u8(&f) < 128) o.hallucination_silence_threshold = odd_double(&f, 5.0);

  wk_transcribe_result r;
  const wk_window_source src = {&s, s_set, s_decode, NULL, s_words, NULL};
  const wk_status st = wk_transcribe_windows(&src, tok, &o, s.content_frames, &r);
  if (st != WK_STATUS_OK && st != WK_STATUS_INVALID_ARGUMENT)
    FZ_FAIL("status %d: %s", (int)st, wk_last_error());
  if (st != WK_STATUS_OK) {
    if (r.n_segments || r.segments) FZ_FAIL("a failed call left %d segments", r.n_segments);
    return 0;
  }
  if (r.n_windows != s.n_windows)
    FZ_FAIL("%d windows reported, %d set", r.n_windows, s.n_windows);
  for (int i = 0; i < r.n_segments; i++) {
    const wk_segment *g = &r.segments[i];
    int seen = 0;
    for (int w = 0; w < s.n_windows && w < 4096 && !seen; w++) seen = s.seeks[w] == g->seek;
    if (!seen && s.n_windows <= 4096) FZ_FAIL("segment %d at seek %d: no such window", i, g->seek);
    if (!g->text || (g->n_tokens && !g->tokens)) FZ_FAIL("segment %d: NULL text or tokens", i);
    (void)strlen(g->text);
    for (int k = 0; k < g->n_tokens; k++)
      if (g->tokens[k] < 0 || g->tokens[k] >= N_VOCAB || g->tokens[k] == EOT)
        FZ_FAIL("segment %d token %d = %d", i, k, g->tokens[k]);
    if (g->n_words && (!o.word_timestamps || !g->words)) FZ_FAIL("segment %d: stray words", i);
    for (int k = 0; k < g->n_words; k++)
      if (!g->words[k].word || !isfinite(g->words[k].start) || !isfinite(g->words[k].end))
        FZ_FAIL("segment %d word %d: NULL or not finite", i, k);
  }
  wk_transcribe_result_free(&r);
  return 0;
}
