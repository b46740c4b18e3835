/* test_timing — word-level timestamps (src/decode/timing.c) on a small synthetic vocabulary:
 * split_to_word_tokens (spaces, punctuation, special tokens, characters split across tokens,
 * the dropped trailing run and the out-of-range index), dtw's tie-breaking and edges,
 * find_alignment's edges (no text, 0 … 3 frames, all-NaN attention, one head, bad sizes),
 * add_word_timestamps on alignments built by hand (a fake align callback whose attention peaks
 * where each row should be): punctuation merging at the ends, the sentence-end truncation, the
 * pause and segment-boundary fixes, words spread over segments.
 *
 * `test_timing --dump N SEED` prints N random scenarios and the C results instead, for
 * tests/timing_ref.py (a NumPy port of timing.py) to recompute and compare. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "decode/timing.h"
#include "test_util.h"

/* ── the vocabulary: the 256 bytes (ids 0 … 255), then these (ids 256 …) ───────────────────── */

static const char *const extra[] = {
    /* 256 */ " hello", " world", "hello", " the", " a", " caf", " don", " w", " x ", " b ",
    /* 266 */ "ing", "s", "n't", "\xc3\xa9s", "er",
    /* 271 */ ",", ".", "!", "?", "...", "?!", ")", "(", " (", "\"", " \"", "'", " '", "-", " -",
    /* 286 */ " [", "]", ":", " .", " ,",
    /* 291 */ "\xe3\x80\x82", "\xe3\x80\x81", "\xef\xbc\x81", "\xef\xbc\x9f", "\xef\xbc\x8c",
    /* 296 */ "\xef\xbc\x9a", "\xe2\x80\x9c", " \xe2\x80\x9c", "\xe2\x80\x9d", "\xc2\xbf", " \xc2\xbf",
    /* 302 */ " ", "  ", "\n", " \t", "",
    /* 307 */ "\xe3\x81\x93\xe3\x82\x93", "\xe3\x81\xab\xe3\x81\xa1", "\xe3\x81\xaf",
    /* 310 */ "\xe6\x97\xa5\xe6\x9c\xac", "\xe8\xaa\x9e", "\xe4\xbd\xa0\xe5\xa5\xbd", "\xe4\xb8\xad",
    /* 314 */ "\xe3\x81", "\xe6\x97", "\xe2\x80", "\xa5\xe6", "\x9c\xac",
    /* 319 */ "./", "()",
};
#define N_EXTRA ((int)(sizeof extra / sizeof extra[0]))
#define N_STORED (256 + N_EXTRA)
#define N_VOCAB 51865 /* multilingual layout: eot 50257, no_timestamps 50363, <|0.00|> 50364 */
#define EOT 50257
#define SOT 50258
#define TB 50364
#define T_HELLO 256
#define T_WORLD 257
#define T_A 260
#define T_W 263
#define T_X_SP 264 /* " x " (ends with a space) */
#define T_B_SP 265
#define T_ING 266
#define T_COMMA 271
#define T_DOT 272
#define T_BANG 273
#define T_QUOTE_SP 281 /* " \"" */
#define T_PAREN_SP 279 /* " (" */
#define T_SPACE 302
#define T_EMPTY 306
#define T_KOU 307 /* "こん" */
#define T_HA 309

static wk_tokenizer *make_tokenizer(void) {
  static uint8_t bytes[256];
  const uint8_t *p[N_STORED];
  size_t len[N_STORED];
  for (int b = 0; b < 256; b++) bytes[b] = (uint8_t)b, p[b] = bytes + b, len[b] = 1;
  for (int i = 0; i < N_EXTRA; i++)
    p[256 + i] = (const uint8_t *)extra[i], len[256 + i] = strlen(extra[i]);
  wk_tokenizer *t = NULL;
  if (wk_tokenizer_create_vocab(N_VOCAB, N_STORED, p, len, &t) != WK_STATUS_OK) return NULL;
  return t;
}

/* ── split_to_word_tokens ─────────────────────────────────────────────────────────────────── */

/* Splits tokens and compares with the expected words ("|"-separated) and bounds. */
static void check_words(const wk_tokenizer *tok, const char *lang, const int *t, int n,
                        const char *expect, const int *bounds, int n_bounds, const char *what) {
  char **w = NULL;
  int *b = NULL, nw = -1;
  const wk_status st = wk_split_to_word_tokens(tok, wk_language_find(lang), t, n, &w, &b, &nw);
  char got[1024] = "";
  for (int i = 0; i < nw && st == WK_STATUS_OK; i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", w[i]);
  int ok = st == WK_STATUS_OK && nw + 1 == n_bounds && !strcmp(got, expect) && (nw > 0) == (w != NULL);
  for (int i = 0; ok && i < n_bounds; i++) ok = b[i] == bounds[i];
  CHECK(ok, "%s: status %d, %d words \"%s\" (expected \"%s\")", what, (int)st, nw, got, expect);
  wk_split_words_free(w, b, nw);
}

static void test_split(const wk_tokenizer *tok) {
  { /* spaces: " hello" + "ing", "," is punctuation, eot special, "" is punctuation too */
    const int t[] = {T_HELLO, T_ING, T_COMMA, T_WORLD, 's', T_EMPTY, T_DOT, EOT};
    check_words(tok, "en", t, 8, " helloing|,| worlds||.|<|endoftext|>",
                (const int[]){0, 2, 3, 5, 6, 7, 8}, 7, "en words");
  }
  { /* a word without a space first, a space-only subword, a timestamp */
    const int t[] = {'a', 'b', T_SPACE, 'c', TB + 54, 'd'};
    check_words(tok, "english", t, 6, "ab| c|<|1.08|>d", (const int[]){0, 2, 4, 6}, 4,
                "en specials");
  }
  { /* "()" is a substring of string.punctuation, "..." is not (it joins the word before) */
    const int t1[] = {'x', 320}, t2[] = {'x', 275};
    check_words(tok, "en", t1, 2, "x|()", (const int[]){0, 1, 2}, 3, "punctuation substring");
    check_words(tok, "en", t2, 2, "x...", (const int[]){0, 2}, 2, "not punctuation");
  }
  { /* ja: every complete character group is a word; こ split over two tokens */
    const int t[] = {T_KOU, 0xe3, 0x81, 0x93, T_HA, 314, 0x93, EOT};
    check_words(tok, "ja", t, 8, "こん|こ|は|こ|<|endoftext|>", (const int[]){0, 1, 4, 5, 7, 8}, 6,
                "ja split characters");
  }
  { /* zh: bytes that are really invalid become U+FFFD words where the whole text has one */
    const int t[] = {0xff, T_KOU, 314};
    check_words(tok, "zh", t, 3, "\xef\xbf\xbd|こん|\xef\xbf\xbd", (const int[]){0, 1, 2, 3}, 4,
                "zh invalid bytes");
  }
  { /* the trailing run E3 81 | 41: "\ufffdA" in context, so [81, 41] never becomes a word */
    const int t[] = {0xe3, 0x81, 'A'};
    check_words(tok, "ja", t, 3, "\xef\xbf\xbd", (const int[]){0, 1}, 2, "dropped trailing run");
  }
  { /* E3 | 81 | FF: "\ufffd\ufffd" in context, three U+FFFD alone: tokenizer.py's IndexError
     * at the third; whisk ends the word there */
    const int t[] = {0xe3, 0x81, 0xff};
    check_words(tok, "ja", t, 3, "\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd",
                (const int[]){0, 1, 2, 3}, 4, "index past the end");
  }
  check_words(tok, "en", NULL, 0, "", (const int[]){0}, 1, "no tokens");
  { /* a language index that names nothing splits on spaces */
    char **w;
    int *b, nw;
    const int t[] = {T_HELLO, T_ING};
    CHECK(wk_split_to_word_tokens(tok, -1, t, 2, &w, &b, &nw) == WK_STATUS_OK && nw == 1,
          "unknown language");
    wk_split_words_free(w, b, nw);
    const int bad[] = {T_HELLO, N_VOCAB};
    CHECK(wk_split_to_word_tokens(tok, 0, bad, 2, &w, &b, &nw) == WK_STATUS_INVALID_ARGUMENT &&
              !w && !b && nw == 0 && strstr(wk_last_error(), "51865"),
          "bad token: %s", wk_last_error());
    CHECK(wk_split_to_word_tokens(NULL, 0, t, 2, &w, &b, &nw) == WK_STATUS_INVALID_ARGUMENT,
          "NULL tokenizer");
  }
}

/* ── dtw ──────────────────────────────────────────────────────────────────────────────────── */

static void check_path(const double *x, int n, int m, const int *ei, const int *ej, int elen,
                       const char *what) {
  int *ti = NULL, *tj = NULL, len = -1;
  const wk_status st = wk_dtw(x, n, m, &ti, &tj, &len);
  int ok = st == WK_STATUS_OK && len == elen;
  for (int k = 0; ok && k < len; k++) ok = ti[k] == ei[k] && tj[k] == ej[k];
  CHECK(ok, "%s: status %d, path of %d (expected %d)", what, (int)st, len, elen);
  wk_free(ti), wk_free(tj);
}

static void test_dtw(void) {
  { /* all ties: the left move (t = 2) wins everywhere but at (1, 1); then the first column */
    const double x[2 * 3] = {0};
    check_path(x, 2, 3, (const int[]){0, 1, 1, 1}, (const int[]){0, 0, 1, 2}, 4, "ties");
  }
  { /* a clear diagonal (with zeros off it, ties would send the path left first) */
    const double x[3 * 3] = {-1, 1, 1, 1, -1, 1, 1, 1, -1};
    check_path(x, 3, 3, (const int[]){0, 1, 2}, (const int[]){0, 1, 2}, 3, "diagonal");
  }
  { /* NaN costs: every comparison false, so the path runs left along the last row and up the
     * grid's edge, with time index −1 */
    const double x[2 * 2] = {NAN, NAN, NAN, NAN};
    check_path(x, 2, 2, (const int[]){0, 1, 1, 1}, (const int[]){-1, -1, 0, 1}, 4, "NaN");
  }
  { /* float32 costs, x + c rounded once: cost[2][1] = float(1 − 3·2^−25 + 2^−50) = 1 − 2^−24 (just
     * above the midpoint) > cost[1][2] = 1 − 2^−23, so (2, 2) comes from above (t = 1).  Rounding
     * x to float first would land on the midpoint, round to even (1 − 2^−23), tie, and go left. */
    const double x[2 * 2] = {1, -0x1p-23, -3 * 0x1p-25 + 0x1p-50, 0};
    check_path(x, 2, 2, (const int[]){0, 0, 1}, (const int[]){0, 1, 1}, 3, "float32 cost");
  }
  /* an empty side: along the edge */
  check_path(NULL, 2, 0, (const int[]){0, 1}, (const int[]){-1, -1}, 2, "m = 0");
  check_path(NULL, 0, 2, (const int[]){-1, -1}, (const int[]){0, 1}, 2, "n = 0");
  check_path(NULL, 0, 0, NULL, NULL, 0, "empty");
  int *ti, *tj, len;
  CHECK(wk_dtw(NULL, 1, 1, &ti, &tj, &len) == WK_STATUS_INVALID_ARGUMENT, "NULL x");
  CHECK(wk_dtw((const double[]){0}, -1, 1, &ti, &tj, &len) == WK_STATUS_INVALID_ARGUMENT, "n < 0");
}

/* ── a fake forward pass: attention that peaks where each row should be ──────────────────── */

/* Row k of the DTW matrix (no_timestamps, then text token k − 1) owns audio positions
 * enter[k] … enter[k + 1] − 1 (enter[n_text + 1] = T): its logits are 10 there and 0 elsewhere
 * (the sot and eot rows 0), so the path enters row k at enter[k] and jump_times[k] =
 * enter[k] / 50: word w (one token each) spans enter[w] … enter[w + 1] (/ 50 s). */
typedef struct fake {
  const int *enter;  /* [n_text + 1] */
  int n_heads, n_sot, n_cols, frames;
  float fill;        /* the logits outside the peaks (NAN: the all-NaN attention) */
  int calls, n_text;
  float *qk;
  double *probs;
} fake;

static wk_status fake_align(void *user, const int *text, int n_text, wk_alignment_qk *q) {
  fake *f = user;
  (void)text;
  f->calls++, f->n_text = n_text;
  const int R = f->n_sot + n_text + 2, T = f->frames / 2;
  wk_free(f->qk), wk_free(f->probs);
  f->qk = wk_alloc_array((size_t)f->n_heads * R * f->n_cols, sizeof(float));
  f->probs = wk_alloc_array((size_t)n_text + 1, sizeof(double));
  if (!f->qk || !f->probs) return WK_STATUS_OUT_OF_MEMORY;
  for (int h = 0; h < f->n_heads; h++)
    for (int r = 0; r < R; r++)
      for (int c = 0; c < f->n_cols; c++) {
        const int k = r - f->n_sot;
        float v = isnan(f->fill) ? NAN : 0.0f;
        if (!isnan(f->fill) && f->enter && k >= 0 && k <= n_text &&
            c >= f->enter[k] && c < (k < n_text ? f->enter[k + 1] : T))
          v = 10.0f;
        f->qk[((size_t)h * R + r) * f->n_cols + c] = c < T ? v : NAN; /* never read */
      }
  for (int i = 0; i < n_text; i++) f->probs[i] = 0.5 + 0.01 * i;
  *q = (wk_alignment_qk){f->qk, f->n_heads, R, f->n_cols, f->n_sot, f->probs};
  return WK_STATUS_OK;
}

static void fake_free(fake *f) {
  wk_free(f->qk), wk_free(f->probs);
  f->qk = NULL, f->probs = NULL;
}

static int near(double a, double b) { return fabs(a - b) < 1e-9; }

/* ── find_alignment ───────────────────────────────────────────────────────────────────────── */

static void test_find_alignment(const wk_tokenizer *tok) {
  const int text[] = {T_HELLO, T_WORLD, T_A};
  wk_word_timing *w = NULL;
  int n = -1;
  /* no text tokens: no words, the attention not even looked at */
  CHECK(wk_find_alignment(tok, 0, NULL, 0, NULL, 3000, 7, &w, &n) == WK_STATUS_OK && !w && !n,
        "no text");

  const int enter[] = {0, 10, 20, 30};
  fake f = {enter, 2, 3, 1500, 3000, 0, 0, 0, NULL, NULL};
  wk_alignment_qk q;
  CHECK(fake_align(&f, text, 3, &q) == WK_STATUS_OK, "fake attention");
  CHECK(wk_find_alignment(tok, 0, text, 3, &q, 3000, 7, &w, &n) == WK_STATUS_OK && n == 3, "3 words");
  for (int i = 0; i < n; i++)
    CHECK(w[i].n_tokens == 1 && w[i].tokens[0] == text[i] && near(w[i].start, enter[i] / 50.0) &&
              near(w[i].end, enter[i + 1] / 50.0) && near(w[i].probability, 0.5 + 0.01 * i),
          "word %d: %s %g … %g p %g", i, w[i].word, w[i].start, w[i].end, w[i].probability);
  CHECK(n == 3 && !strcmp(w[0].word, " hello") && !strcmp(w[2].word, " a"), "word strings");
  wk_word_timings_free(w, n);

  /* 0 and 1 frames: no audio position, no words.  2 and 3: one position, where the softmax is
   * 1 in every row, the std over the rows 0, the matrix NaN: the path runs along the edge and
   * every time is −0.02 s (as timing.py's) */
  for (int frames = 0; frames <= 3; frames++) {
    w = NULL, n = -1;
    const wk_status st = wk_find_alignment(tok, 0, text, 3, &q, frames, 7, &w, &n);
    int ok = st == WK_STATUS_OK && n == (frames < 2 ? 0 : 3) && (n > 0) == (w != NULL);
    for (int i = 0; ok && i < n; i++) ok = w[i].start == -0.02 && w[i].end == -0.02;
    CHECK(ok, "%d frames: status %d, %d words", frames, (int)st, n);
    wk_word_timings_free(w, n);
  }
  /* 8 frames: 4 columns, the first length the median filter changes */
  CHECK(wk_find_alignment(tok, 0, text, 3, &q, 8, 7, &w, &n) == WK_STATUS_OK && n == 3,
        "8 frames");
  wk_word_timings_free(w, n);

  /* one head; ja (unicode split: each of these tokens is a word too) */
  f.n_heads = 1;
  CHECK(fake_align(&f, text, 3, &q) == WK_STATUS_OK, "fake attention");
  CHECK(wk_find_alignment(tok, wk_language_find("ja"), text, 3, &q, 3000, 7, &w, &n) == WK_STATUS_OK &&
            n == 3 && near(w[1].start, 0.2) && near(w[1].end, 0.4),
        "one head");
  wk_word_timings_free(w, n);

  /* all-NaN attention and NaN probabilities: no crash; the path runs along the edge */
  f.fill = NAN;
  CHECK(fake_align(&f, text, 3, &q) == WK_STATUS_OK, "fake attention");
  f.probs[1] = NAN;
  CHECK(wk_find_alignment(tok, 0, text, 3, &q, 3000, 7, &w, &n) == WK_STATUS_OK && n == 3 &&
            w[0].start == -0.02 && w[2].end == -0.02 && isnan(w[1].probability) &&
            w[0].probability == 0.5,
        "all NaN");
  wk_word_timings_free(w, n);
  f.fill = 0;

  /* bad sizes */
  CHECK(fake_align(&f, text, 3, &q) == WK_STATUS_OK, "fake attention");
  struct {
    wk_alignment_qk q;
    int n_text, frames, width;
    const char *what;
  } bad[] = {
      {{q.qk, q.n_heads, q.n_rows + 1, q.n_cols, q.n_sot, q.text_token_probs}, 3, 3000, 7, "rows"},
      {{q.qk, q.n_heads, q.n_rows, q.n_cols, q.n_sot, q.text_token_probs}, 2, 3000, 7, "n_text"},
      {{q.qk, 0, q.n_rows, q.n_cols, q.n_sot, q.text_token_probs}, 3, 3000, 7, "heads"},
      {{q.qk, q.n_heads, q.n_rows, 1499, q.n_sot, q.text_token_probs}, 3, 3000, 7, "columns"},
      {{q.qk, q.n_heads, q.n_rows, q.n_cols, q.n_sot, q.text_token_probs}, 3, -2, 7, "frames"},
      {{q.qk, q.n_heads, q.n_rows, q.n_cols, q.n_sot, q.text_token_probs}, 3, 3000, 6, "width"},
      {{q.qk, q.n_heads, q.n_rows, q.n_cols, q.n_sot, NULL}, 3, 3000, 7, "probs"},
      {{NULL, q.n_heads, q.n_rows, q.n_cols, q.n_sot, q.text_token_probs}, 3, 3000, 7, "qk"},
      {{q.qk, q.n_heads, q.n_rows - 1, q.n_cols, -1, q.text_token_probs}, 3, 3000, 7, "sot"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    w = (wk_word_timing *)&n, n = -1;
    const wk_status st =
        wk_find_alignment(tok, 0, text, bad[i].n_text, &bad[i].q, bad[i].frames, bad[i].width, &w, &n);
    CHECK(st == WK_STATUS_INVALID_ARGUMENT && !w && n == 0 && wk_last_error()[0],
          "bad %s: status %d (%s)", bad[i].what, (int)st, wk_last_error());
  }
  const int special[] = {T_HELLO, EOT, T_A};
  CHECK(wk_find_alignment(tok, 0, special, 3, &q, 3000, 7, &w, &n) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "50257"),
        "eot in the text: %s", wk_last_error());
  CHECK(wk_find_alignment(tok, 0, text, 3, &q, 3000, 7, NULL, &n) == WK_STATUS_INVALID_ARGUMENT,
        "NULL out");
  fake_free(&f);
}

/* ── add_word_timestamps ──────────────────────────────────────────────────────────────────── */

static wk_segment segment(const int *tokens, int n, double start, double end, int seek) {
  wk_segment s;
  memset(&s, 0, sizeof s);
  s.tokens = tokens, s.n_tokens = n, s.start = start, s.end = end, s.seek = seek, s.text = "";
  return s;
}

/* Runs add_word_timestamps on one segment of one-token words entering at enter[] (T = 1500). */
static wk_status run_one(const wk_tokenizer *tok, wk_segment *s, const int *enter,
                         double *last_speech) {
  fake f = {enter, 2, 3, 1500, 3000, 0, 0, 0, NULL, NULL};
  const wk_status st =
      wk_add_word_timestamps(s, 1, tok, 0, fake_align, &f, 3000, NULL, NULL, last_speech);
  fake_free(&f);
  return st;
}

static void test_add_word_timestamps(const wk_tokenizer *tok) {
  double last = 1.0;
  fake f = {NULL, 2, 3, 1500, 3000, 0, 0, 0, NULL, NULL};
  /* no segments: nothing; only special tokens: no call, no words, nothing moved */
  CHECK(wk_add_word_timestamps(NULL, 0, tok, 0, fake_align, &f, 3000, NULL, NULL, &last) ==
            WK_STATUS_OK && f.calls == 0 && last == 1.0,
        "no segments");
  {
    const int t0[] = {TB, TB + 50}, t1[] = {TB + 50};
    wk_segment s[2] = {segment(t0, 2, 0.0, 1.0, 100), segment(t1, 1, 1.0, 1.0, 100)};
    CHECK(wk_add_word_timestamps(s, 2, tok, 0, fake_align, &f, 3000, NULL, NULL, &last) ==
                  WK_STATUS_OK && f.calls == 0 && last == 1.0 && !s[0].words && !s[0].n_words &&
              !s[1].words && s[0].start == 0.0 && s[0].end == 1.0,
          "only special tokens");
  }

  /* punctuation merging at both ends: ' "' joins " a", "," joins " b"; a trailing " (" and a
   * leading "," stay alone */
  {
    const int t[] = {TB, T_COMMA, T_QUOTE_SP, T_A, T_W, T_COMMA, T_PAREN_SP, TB + 100};
    const int enter[] = {0, 10, 20, 30, 40, 50, 60};
    wk_segment s = segment(t, 8, 0.0, 2.0, 0);
    last = 0;
    CHECK(run_one(tok, &s, enter, &last) == WK_STATUS_OK && s.n_words == 4, "merge: %d words",
          s.n_words);
    const char *expect[] = {",", " \" a", " w,", " ("};
    for (int i = 0; i < s.n_words && i < 4; i++)
      CHECK(!strcmp(s.words[i].word, expect[i]), "merged word %d: '%s'", i, s.words[i].word);
    /* times: a merged word keeps its own (" \" a": " a"'s, " w,": " w"'s) */
    CHECK(s.n_words == 4 && near(s.words[1].start, 0.4) && near(s.words[1].end, 0.6) &&
              near(s.words[2].start, 0.6) && near(s.words[2].end, 0.8),
          "merged times");
    /* the segment end: 2.0 + 0.5 < 1.2 is false, so the segment takes the last word's end */
    CHECK(near(s.end, 1.2) && near(s.start, 0.0) && near(last, 1.2), "segment %g … %g, last %g",
          s.start, s.end, last);
    wk_segment_words_free(&s);
    CHECK(!s.words && !s.n_words, "freed");
  }

  /* the pause hack: 7 one-token words, the first 2 s long after silence, the second 6 s:
   * median 0.2 (the nonzero durations 2, 6, 0.2 × 5), max_duration 0.4;
   * the boundary max(8 / 2, 8 − 0.4) = 7.6 ends the first word and starts the second; the first
   * starts at 7.6 − 0.4 */
  {
    const int t[] = {T_A, T_W, T_A, T_W, T_A, T_W, T_A};
    const int enter[] = {0, 100, 400, 410, 420, 430, 440, 450};
    wk_segment s = segment(t, 7, 0.0, 9.0, 0);
    last = 0;
    CHECK(run_one(tok, &s, enter, &last) == WK_STATUS_OK && s.n_words == 7, "pause: %d words",
          s.n_words);
    if (s.n_words == 7) {
      CHECK(near(s.words[0].start, 7.2) && near(s.words[0].end, 7.6) && near(s.words[1].start, 7.6) &&
                near(s.words[1].end, 8.0),
            "pause hack: %g … %g, %g … %g", s.words[0].start, s.words[0].end, s.words[1].start,
            s.words[1].end);
      /* the segment's start becomes the first word's; its end 9.0 > 8.8 (the last word's start)
       * but 9.5 < 9.0 fails: the last word's end */
      CHECK(near(s.start, 7.2) && near(s.end, 9.0) && near(last, 9.0), "segment %g … %g",
            s.start, s.end);
    }
    wk_segment_words_free(&s);
  }

  /* the segment-boundary preferences: last speech late (no pause hack); the segment starts at
   * 1.0 inside the 2 s first word (start − 0.5 > 0): the word starts at min(2 − 0.2, 1.0); the
   * last word 9 … 20 s against a segment end of 10: it ends at max(9 + 0.2, 10) */
  {
    const int t[] = {T_A, T_W, T_A, T_W, T_A, T_W, T_A};
    const int enter[] = {0, 100, 110, 120, 130, 140, 450, 1000};
    wk_segment s = segment(t, 7, 1.0, 10.0, 0);
    last = 50;
    CHECK(run_one(tok, &s, enter, &last) == WK_STATUS_OK && s.n_words == 7, "boundaries");
    if (s.n_words == 7)
      CHECK(near(s.words[0].start, 1.0) && near(s.words[0].end, 2.0) && near(s.words[6].start, 9.0) &&
                near(s.words[6].end, 10.0) && near(s.start, 1.0) && near(s.end, 10.0) &&
                near(last, 10.0),
            "boundaries: %g … %g, %g … %g, segment %g … %g", s.words[0].start, s.words[0].end,
            s.words[6].start, s.words[6].end, s.start, s.end);
    wk_segment_words_free(&s);
  }

  /* sentence-end truncation: "!" (after " x ", which ends with a space, so it stays a word) is
   * 4 s long: it ends at its start + max_duration; the word after "!" (" w", 4 s) starts at its
   * end − max_duration.  Durations 0.2 × 4, 4, 4: median 0.2. */
  {
    const int t[] = {T_A, T_W, T_X_SP, T_BANG, T_W, T_A, T_W};
    const int enter[] = {0, 10, 20, 30, 230, 430, 440, 450};
    wk_segment s = segment(t, 7, 0.0, 9.0, 0);
    last = 0;
    CHECK(run_one(tok, &s, enter, &last) == WK_STATUS_OK && s.n_words == 7, "truncation");
    if (s.n_words == 7)
      CHECK(!strcmp(s.words[3].word, "!") && near(s.words[3].start, 0.6) &&
                near(s.words[3].end, 1.0) && near(s.words[4].start, 8.2) && near(s.words[4].end, 8.6),
            "truncation: '%s' %g … %g, %g … %g", s.words[3].word, s.words[3].start,
            s.words[3].end, s.words[4].start, s.words[4].end);
    wk_segment_words_free(&s);
  }

  /* words over two segments, time offset from the first one's seek (1234 frames: 12.34 s).
   * " (" at the end of the first joins " w" and "." joins that: " a", "", " ( w.", "" with 1, 0,
   * 3, 0 tokens.  The first segment (2 text tokens) has 1 after " a" and the empty word, so it
   * takes " ( w." too, and the second gets nothing (timing.py's token count, as it is) */
  {
    const int t0[] = {TB, T_A, T_PAREN_SP, TB + 20}, t1[] = {TB + 20, T_W, T_DOT, TB + 40};
    const int enter[] = {0, 10, 20, 30, 40};
    fake g = {enter, 3, 4, 1500, 3000, 0, 0, 0, NULL, NULL};
    wk_segment s[2] = {segment(t0, 4, 12.34, 12.74, 1234), segment(t1, 4, 12.74, 13.14, 1234)};
    last = 0;
    CHECK(wk_add_word_timestamps(s, 2, tok, 0, fake_align, &g, 3000, NULL, NULL, &last) ==
                  WK_STATUS_OK && g.calls == 1 && g.n_text == 4,
          "two segments");
    CHECK(s[0].n_words == 2 && s[1].n_words == 0 && !s[1].words &&
              !strcmp(s[0].words[0].word, " a") && !strcmp(s[0].words[1].word, " ( w."),
          "two segments: %d and %d words", s[0].n_words, s[1].n_words);
    /* the words keep " a"'s and " w"'s times; the first segment's end 12.74 is not past the
     * last word's start (12.74), so it takes its end; the second is as it was */
    if (s[0].n_words == 2)
      CHECK(s[0].words[0].start == 12.34 && s[0].words[0].end == 12.54 &&
                s[0].words[1].start == 12.74 && s[0].words[1].end == 12.94 &&
                s[0].start == 12.34 && s[0].end == 12.94 && s[1].start == 12.74 &&
                s[1].end == 13.14 && last == 12.94,
            "two segments: times %.17g %.17g %.17g %.17g", s[0].words[0].start,
            s[0].words[0].end, s[0].words[1].start, s[0].words[1].end);
    wk_segment_words_free(&s[0]), wk_segment_words_free(&s[1]);
    fake_free(&g);
  }

  /* custom punctuation: an empty append string merges nothing but empty words */
  {
    const int t[] = {T_A, T_COMMA};
    const int enter[] = {0, 10, 20};
    fake g = {enter, 1, 1, 1500, 3000, 0, 0, 0, NULL, NULL};
    wk_segment s = segment(t, 2, 0.0, 1.0, 0);
    CHECK(wk_add_word_timestamps(&s, 1, tok, 0, fake_align, &g, 3000, "", "", &last) ==
                  WK_STATUS_OK && s.n_words == 2,
          "empty punctuation strings");
    wk_segment_words_free(&s);
    fake_free(&g);
  }

  /* errors: a bad token, the align function's failure, bad attention sizes — nothing changed */
  {
    const int t[] = {T_A, -3}, t_ok[] = {T_A, T_W};
    wk_segment s = segment(t, 2, 0.0, 1.0, 0);
    CHECK(wk_add_word_timestamps(&s, 1, tok, 0, fake_align, &f, 3000, NULL, NULL, &last) ==
              WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "-3"),
          "bad token: %s", wk_last_error());
    s = segment(t_ok, 2, 0.0, 1.0, 0);
    CHECK(wk_add_word_timestamps(&s, 1, tok, 0, NULL, NULL, 3000, NULL, NULL, &last) ==
              WK_STATUS_INVALID_ARGUMENT,
          "NULL align");
    fake g = {NULL, 2, 3, 100, 3000, 0, 0, 0, NULL, NULL}; /* 100 columns < 1500 */
    last = 3;
    CHECK(wk_add_word_timestamps(&s, 1, tok, 0, fake_align, &g, 3000, NULL, NULL, &last) ==
                  WK_STATUS_INVALID_ARGUMENT && !s.words && s.start == 0.0 && s.end == 1.0 &&
              last == 3,
          "bad attention: %s", wk_last_error());
    fake_free(&g);
    CHECK(wk_add_word_timestamps(&s, 1, tok, 0, fake_align, &g, 3000, NULL, NULL, NULL) ==
              WK_STATUS_INVALID_ARGUMENT,
          "NULL last_speech_timestamp");
    CHECK(wk_add_word_timestamps(NULL, 1, tok, 0, fake_align, &g, 3000, NULL, NULL, &last) ==
              WK_STATUS_INVALID_ARGUMENT,
          "NULL segments");
  }
  fake_free(&f);
  wk_segment_words_free(NULL);
  wk_word_timings_free(NULL, 3);
}

/* ── --dump: random scenarios for tests/timing_ref.py ─────────────────────────────────────── */

/* The attention and probabilities are functions of (seed, index), rebuilt the same way by the
 * reference, so only seeds are printed. */
static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t hash(uint64_t seed, uint64_t i) { return mix(seed + (i + 1) * 0x9e3779b97f4a7c15ull); }

typedef struct gen {
  int n_heads, n_sot, n_cols, frames, qkind, pkind;
  uint64_t qseed, pseed;
  float *qk;
  double *probs;
} gen;

/* qk[h][r][c] for c < frames / 2 (NaN past it: never read), by kind:
 *   0 noise   (k − 2^23) · 2^−20, k = hash >> 40 (24 bits): [−8, 8)
 *   1 diagonal 6 − min(|c − center_r|, 64) / 8 + k · 2^−23, center_r increasing with gaps
 *   2 coarse  k >> 21 (integers 0 … 7: many equal weights)
 *   3 special noise with, by qseed % 4: NaN cells (1 in 64), a constant last head (std 0),
 *             one +inf per row 5, −inf cells (1 in 16) */
static wk_status gen_align(void *user, const int *text, int n_text, wk_alignment_qk *q) {
  gen *g = user;
  (void)text;
  const int R = g->n_sot + n_text + 2, T = g->frames / 2, H = g->n_heads;
  wk_free(g->qk), wk_free(g->probs);
  g->qk = wk_alloc_array((size_t)H * R * g->n_cols, sizeof(float));
  g->probs = wk_alloc_array((size_t)n_text + 1, sizeof(double));
  if (!g->qk || !g->probs) return WK_STATUS_OUT_OF_MEMORY;
  int64_t center = 0;
  for (int r = 0; r < R; r++) {
    if (r > 0) {
      const uint64_t a = hash(g->qseed ^ 0x77, (uint64_t)r);
      center += (int64_t)(a % 24) + ((a >> 32) % 6 == 0 ? (int64_t)((a >> 40) % 200) : 0);
    }
    for (int h = 0; h < H; h++)
      for (int c = 0; c < g->n_cols; c++) {
        const uint64_t i = ((uint64_t)h * 4096 + (uint64_t)r) * 4096 + (uint64_t)c;
        const double k = (double)(hash(g->qseed, i) >> 40);
        double v;
        if (g->qkind == 1) {
          int64_t d = c - center;
          d = d < 0 ? -d : d;
          v = 6.0 - (double)(d < 64 ? d : 64) * 0.125 + k * 0x1p-23;
        } else if (g->qkind == 2) {
          v = (double)((uint64_t)k >> 21);
        } else {
          v = (k - 0x1p23) * 0x1p-20;
        }
        if (g->qkind == 3) {
          const uint64_t s = hash(g->qseed ^ 0xabc, i);
          switch (g->qseed % 4) {
            case 0: v = (s & 63) == 0 ? NAN : v; break;
            case 1: v = h == H - 1 ? 1.0 : v; break;
            case 2: v = r == 5 && c == (int)(hash(g->qseed ^ 0xdef, (uint64_t)r) % (uint64_t)(T ? T : 1)) ? INFINITY : v; break;
            default: v = (s & 15) == 0 ? -INFINITY : v; break;
          }
        }
        g->qk[((size_t)h * R + r) * g->n_cols + c] = c < T ? (float)v : NAN;
      }
  }
  for (int i = 0; i < n_text; i++) {
    const double p = (double)(hash(g->pseed, (uint64_t)i) >> 11) * 0x1p-53;
    g->probs[i] = g->pkind == 1 && i % 5 == 0 ? NAN : p;
  }
  *q = (wk_alignment_qk){g->qk, H, R, g->n_cols, g->n_sot, g->probs};
  return WK_STATUS_OK;
}

static void print_hex(const char *s) {
  if (!*s) printf(" -");
  else printf(" ");
  for (; *s; s++) printf("%02x", (uint8_t)*s);
}

/* Random text tokens: words, pieces, punctuation, spaces, CJK and characters split over tokens
 * (complete, cut short or mixed with stray bytes). */
static int random_text(wk_rng *r, int cjk, int n, int *out) {
  static const int split[][3] = {{0xe3, 0x81, 0x93}, {314, 0x93, -1}, {315, 0xa5, -1},
                                 {0xe2, 0x80, 0x9c}, {316, 0x9d, -1}, {0xc3, 0xa9, -1},
                                 {0xe6, 0x97, 317}};
  int k = 0;
  while (k < n) {
    const int u = (int)(wk_rng_next(r) % 100);
    if (u < (cjk ? 15 : 35)) out[k++] = 256 + (int)(wk_rng_next(r) % 15); /* words, pieces */
    else if (u < (cjk ? 35 : 60)) { /* punctuation */
      const int p = (int)(wk_rng_next(r) % 33);
      out[k++] = p < 31 ? 271 + p : 319 + p - 31;
    }
    else if (u < (cjk ? 40 : 68)) out[k++] = 302 + (int)(wk_rng_next(r) % 5);  /* spaces, "" */
    else if (u < (cjk ? 60 : 72)) out[k++] = 307 + (int)(wk_rng_next(r) % 7);  /* CJK */
    else if (u < 85) { /* a split character, maybe cut short */
      const int *s = split[wk_rng_next(r) % 7];
      const int cut = wk_rng_next(r) % 6 == 0;
      for (int j = 0; j < 3 - cut && s[j] >= 0 && k < n; j++) out[k++] = s[j];
    } else if (u < 90) out[k++] = (int)(0x80 + wk_rng_next(r) % 0x80); /* a stray high byte */
    else out[k++] = 'a' + (int)(wk_rng_next(r) % 26);
  }
  return k;
}

static const char *const dump_langs[] = {"en", "ja", "zh", "de", "th"};

static void print_gen(const gen *g, const char *lang) {
  printf(" %s %d %d %d %d %llu %d %llu %d", lang, g->n_heads, g->n_sot, g->n_cols, g->frames,
         (unsigned long long)g->qseed, g->qkind, (unsigned long long)g->pseed, g->pkind);
}

static void random_gen(wk_rng *r, gen *g, int big) {
  memset(g, 0, sizeof *g);
  g->n_heads = 1 + (int)(wk_rng_next(r) % 6);
  g->n_sot = 1 + (int)(wk_rng_next(r) % 4);
  const int f = (int)(wk_rng_next(r) % 8);
  g->frames = f < 3 ? (int)(wk_rng_next(r) % 10)          /* 0 … 9: tiny */
            : f < 5 && big ? 3000                         /* a full window */
            : (int)(wk_rng_next(r) % (big ? 3001 : 400)); /* anything */
  g->n_cols = g->frames / 2 + (wk_rng_next(r) % 2 ? 0 : (int)(wk_rng_next(r) % 5));
  if (g->frames == 3000 && wk_rng_next(r) % 2) g->n_cols = 1500;
  g->qseed = wk_rng_next(r) >> 1, g->pseed = wk_rng_next(r) >> 1;
  g->qkind = (int)(wk_rng_next(r) % 8);
  g->qkind = g->qkind < 3 ? 0 : g->qkind < 6 ? 1 : g->qkind < 7 ? 2 : 3;
  g->pkind = wk_rng_next(r) % 8 == 0;
}

static void print_status(wk_status st) { printf("= %d", st == WK_STATUS_OK ? 0 : (int)st); }

static void dump_split(wk_rng *r, const wk_tokenizer *tok) {
  const char *lang = dump_langs[wk_rng_next(r) % 5];
  int t[80];
  const int n = random_text(r, strcmp(lang, "en") && strcmp(lang, "de"), (int)(wk_rng_next(r) % 40), t);
  for (int i = 0; i < n; i++) /* some special tokens */
    if (wk_rng_next(r) % 12 == 0) {
      static const int sp[] = {EOT, SOT, SOT + 1, SOT + 8, 50358, 50363, TB, TB + 777, TB + 1500};
      t[i] = sp[wk_rng_next(r) % 9];
    }
  printf("split %s %d", lang, n);
  for (int i = 0; i < n; i++) printf(" %d", t[i]);
  printf("\n");
  char **w;
  int *b, nw;
  const wk_status st = wk_split_to_word_tokens(tok, wk_language_find(lang), t, n, &w, &b, &nw);
  print_status(st);
  if (st == WK_STATUS_OK) {
    printf(" %d", nw);
    for (int i = 0; i <= nw; i++) printf(" %d", b[i]);
    for (int i = 0; i < nw; i++) print_hex(w[i]);
    wk_split_words_free(w, b, nw);
  }
  printf("\n");
}

static void dump_dtw(wk_rng *r) {
  const int n = (int)(wk_rng_next(r) % 13), m = (int)(wk_rng_next(r) % 31), kind = (int)(wk_rng_next(r) % 4);
  const uint64_t seed = wk_rng_next(r) >> 1;
  double x[12 * 30];
  /* 0: integers −3 … 3 (exact ties); 1: 24-bit noise; 2: integers with NaN and ±inf cells;
   * 3: 53-bit noise (x + c rounded once to float, not x to float first) */
  for (int i = 0; i < n * m; i++) {
    const uint64_t h = hash(seed, (uint64_t)i);
    x[i] = kind == 1 ? ((double)(h >> 40) - 0x1p23) * 0x1p-20
         : kind == 3 ? (double)(h >> 11) * 0x1p-53 * 8 - 4
                     : (double)(int)(h % 7) - 3;
    if (kind == 2 && (h >> 32) % 9 == 0) x[i] = (h >> 40) % 3 == 0 ? NAN : (h >> 40) % 3 == 1 ? INFINITY : -INFINITY;
  }
  printf("dtw %d %d %llu %d\n", n, m, (unsigned long long)seed, kind);
  int *ti, *tj, len;
  const wk_status st = wk_dtw(x, n, m, &ti, &tj, &len);
  print_status(st);
  if (st == WK_STATUS_OK) {
    printf(" %d", len);
    for (int k = 0; k < len; k++) printf(" %d", ti[k]);
    for (int k = 0; k < len; k++) printf(" %d", tj[k]);
    wk_free(ti), wk_free(tj);
  }
  printf("\n");
}

static void dump_align(wk_rng *r, const wk_tokenizer *tok) {
  const char *lang = dump_langs[wk_rng_next(r) % 5];
  gen g;
  random_gen(r, &g, 1);
  int t[64];
  const int n = random_text(r, strcmp(lang, "en") && strcmp(lang, "de"), (int)(wk_rng_next(r) % 61), t);
  printf("align");
  print_gen(&g, lang);
  printf(" %d", n);
  for (int i = 0; i < n; i++) printf(" %d", t[i]);
  printf("\n");
  wk_alignment_qk q;
  wk_status st = gen_align(&g, t, n, &q);
  wk_word_timing *w = NULL;
  int nw = 0;
  if (st == WK_STATUS_OK) st = wk_find_alignment(tok, wk_language_find(lang), t, n, &q, g.frames, WK_MEDFILT_WIDTH, &w, &nw);
  print_status(st);
  printf(" %d\n", nw);
  for (int i = 0; i < nw; i++) {
    printf("w");
    print_hex(w[i].word);
    printf(" %d", w[i].n_tokens);
    for (int k = 0; k < w[i].n_tokens; k++) printf(" %d", w[i].tokens[k]);
    printf(" %.17g %.17g %.17g\n", w[i].start, w[i].end, w[i].probability);
  }
  wk_word_timings_free(w, nw);
  wk_free(g.qk), wk_free(g.probs);
}

static void dump_words(wk_rng *r, const wk_tokenizer *tok) {
  const char *lang = dump_langs[wk_rng_next(r) % 5];
  const int cjk = strcmp(lang, "en") && strcmp(lang, "de");
  gen g;
  random_gen(r, &g, 1);
  static const char *const punct[] = {"", "ab", "\"'.", "\xe2\x80\x9c(", " "};
  const int custom = wk_rng_next(r) % 6 == 0;
  const char *prepend = custom ? punct[wk_rng_next(r) % 5] : NULL;
  const char *append = custom ? punct[wk_rng_next(r) % 5] : NULL;
  const int n_seg = (int)(wk_rng_next(r) % 6); /* 0 … 5 */
  const int seek = (int)(wk_rng_next(r) % 4 == 0 ? 0 : wk_rng_next(r) % 200000);
  const double offset = seek * 0.01;
  double last = offset + (wk_rng_uniform(r) * 12 - 4);
  if (wk_rng_next(r) % 4 == 0) last = 0;
  wk_segment s[5];
  int toks[5][16], pos = (int)(wk_rng_next(r) % 100);
  for (int i = 0; i < n_seg; i++) {
    int k = 0;
    const int a = pos, b = pos + (int)(wk_rng_next(r) % 300);
    pos = b;
    if (wk_rng_next(r) % 5) toks[i][k++] = TB + (a < 1500 ? a : 1500);
    k += random_text(r, cjk, (int)(wk_rng_next(r) % 13), toks[i] + k);
    if (wk_rng_next(r) % 5) toks[i][k++] = TB + (b < 1500 ? b : 1500);
    s[i] = segment(toks[i], k, offset + a * 0.02, offset + b * 0.02, seek);
    if (wk_rng_next(r) % 4 == 0) s[i].start = offset + wk_rng_uniform(r) * 30; /* anywhere */
    if (wk_rng_next(r) % 4 == 0) s[i].end = offset + wk_rng_uniform(r) * 30;
  }
  printf("words");
  print_gen(&g, lang);
  printf(" %.17g", last);
  if (prepend) print_hex(prepend); else printf(" .");
  if (append) print_hex(append); else printf(" .");
  printf(" %d\n", n_seg);
  for (int i = 0; i < n_seg; i++) {
    printf("s %d %.17g %.17g %d", s[i].seek, s[i].start, s[i].end, s[i].n_tokens);
    for (int k = 0; k < s[i].n_tokens; k++) printf(" %d", s[i].tokens[k]);
    printf("\n");
  }
  const wk_status st = wk_add_word_timestamps(s, n_seg, tok, wk_language_find(lang), gen_align, &g,
                                              g.frames, prepend, append, &last);
  print_status(st);
  printf(" %.17g\n", last);
  for (int i = 0; i < n_seg && st == WK_STATUS_OK; i++) {
    printf("s %.17g %.17g %d\n", s[i].start, s[i].end, s[i].n_words);
    for (int k = 0; k < s[i].n_words; k++) {
      printf("w");
      print_hex(s[i].words[k].word);
      printf(" %.17g %.17g %.17g\n", s[i].words[k].start, s[i].words[k].end, s[i].words[k].probability);
    }
    wk_segment_words_free(&s[i]);
  }
  wk_free(g.qk), wk_free(g.probs);
}

static int dump(const wk_tokenizer *tok, int n, uint64_t seed) {
  printf("vocab %d\n", N_EXTRA);
  for (int i = 0; i < N_EXTRA; i++) {
    printf("%d", 256 + i);
    print_hex(extra[i]);
    printf("\n");
  }
  wk_rng r = {seed};
  for (int i = 0; i < n; i++) {
    switch (i % 5) {
      case 0: dump_split(&r, tok); break;
      case 1: dump_dtw(&r); break;
      case 2: dump_align(&r, tok); break;
      default: dump_words(&r, tok); break;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  wk_tokenizer *tok = make_tokenizer();
  if (argc > 1 && !strcmp(argv[1], "--dump")) {
    const int n = argc > 2 ? atoi(argv[2]) : 100;
    const uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    const int rc = tok ? dump(tok, n, seed) : 2;
    wk_tokenizer_free(tok);
    return rc;
  }
  CHECK(tok != NULL, "tokenizer: %s", wk_last_error());
  if (!tok) return wk_test_finish("test_timing");
  test_split(tok);
  test_dtw();
  test_find_alignment(tok);
  test_add_word_timestamps(tok);
  wk_tokenizer_free(tok);
  return wk_test_finish("test_timing");
}
