/* timing.c — word-level timestamps: timing.py's find_alignment after the forward pass (softmax,
 * normalization, median filter, DTW, word boundaries), merge_punctuations and
 * add_word_timestamps, and tokenizer.py's split_to_word_tokens (timing.h states the rules). */
#include "decode/timing.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "decode/format.h"

#define WK_TOKENS_PER_SECOND 50.0   /* audio.py's TOKENS_PER_SECOND: 20 ms per audio position */
#define WK_HOP_LENGTH 160           /* audio.py: samples per mel frame */
#define WK_SAMPLE_RATE 16000
#define WK_STRING_PUNCTUATION "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" /* Python's string.punctuation */
#define WK_SENTENCE_END_MARKS ".。!！?？" /* add_word_timestamps' sentence_end_marks */

/* ── strings ───────────────────────────────────────────────────────────────────────────────── */

/* Python's `needle in hay` for needle = s[0 … n) and a NUL-terminated hay: a substring test (the
 * empty string is in every string).  On valid UTF-8 the byte test equals the code-point test
 * (UTF-8 is self-synchronizing: a match of a whole encoded needle starts and ends on
 * character boundaries). */
static int contains(const char *hay, const char *s, size_t n) {
  const size_t h = strlen(hay);
  if (n > h) return 0;
  for (size_t i = 0; i + n <= h; i++)
    if (!memcmp(hay + i, s, n)) return 1;
  return 0;
}

/* a + b as a new NUL-terminated string (wk_free); NULL when out of memory. */
static char *concat(const char *a, size_t na, const char *b, size_t nb) {
  if (na > SIZE_MAX / 2 || nb > SIZE_MAX / 2 - 1) return NULL;
  char *s = wk_alloc(na + nb + 1);
  if (!s) return NULL;
  if (na) memcpy(s, a, na);
  if (nb) memcpy(s + na, b, nb);
  s[na + nb] = 0;
  return s;
}

/* a + b as a new int array (NULL, and *ok kept, when both are empty). */
static int *concat_tokens(const int *a, int na, const int *b, int nb, int *ok) {
  if (na + (int64_t)nb == 0) return NULL;
  if (na + (int64_t)nb > INT32_MAX) return *ok = 0, NULL;
  int *t = wk_alloc_array((size_t)na + (size_t)nb, sizeof(int));
  if (!t) return *ok = 0, NULL;
  if (na) memcpy(t, a, (size_t)na * sizeof(int));
  if (nb) memcpy(t + na, b, (size_t)nb * sizeof(int));
  return t;
}

/* Code points in valid UTF-8 s[0 … n): the bytes that are not continuation bytes. */
static size_t count_code_points(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += ((uint8_t)s[i] & 0xc0) != 0x80;
  return k;
}

static const char fffd[3] = {(char)0xef, (char)0xbf, (char)0xbd}; /* U+FFFD in UTF-8 */

/* Byte offset of the first U+FFFD in s[0 … n), or n. */
static size_t find_fffd(const char *s, size_t n) {
  for (size_t i = 0; i + 3 <= n; i++)
    if (!memcmp(s + i, fffd, 3)) return i;
  return n;
}

/* ── split_to_word_tokens ──────────────────────────────────────────────────────────────────── */

void wk_split_words_free(char **words, int *bounds, int n_words) {
  if (words)
    for (int i = 0; i < n_words; i++) wk_free(words[i]);
  wk_free(words);
  wk_free(bounds);
}

/* split_tokens_on_unicode: tokens are taken one at a time into the current group; the group
 * becomes a word when its decoding has no U+FFFD, or when its first U+FFFD stands at a position
 * (in code points, counted from the words so far) where the whole sequence's decoding has one
 * too (the bytes really are invalid there, not a character cut between tokens).  A trailing
 * group that never qualifies belongs to no word (tokenizer.py drops it).  Where tokenizer.py's
 * decoded_full[…] would index past the end of the text (an IndexError there), the group
 * qualifies.  words[] and bounds[] have room for n + 1 entries. */
static wk_status split_on_unicode(const wk_tokenizer *tok, const int *tokens, int n, char **words,
                                  int *bounds, int *n_words) {
  char *full;
  size_t full_len;
  wk_status st = wk_tokenizer_decode(tok, tokens, (size_t)n, WK_DECODE_SPECIALS, &full, &full_len);
  if (st != WK_STATUS_OK) return st;
  /* byte offset of each code point of the full text */
  const size_t n_cp = count_code_points(full, full_len);
  size_t *cp = wk_alloc_array(n_cp + 1, sizeof(size_t));
  if (!cp) {
    wk_free(full);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "split_to_word_tokens: out of memory");
  }
  for (size_t i = 0, k = 0; i < full_len; i++)
    if (((uint8_t)full[i] & 0xc0) != 0x80) cp[k++] = i;

  int w = 0, start = 0;
  size_t offset = 0; /* unicode_offset: code points of the words so far */
  bounds[0] = 0;
  for (int i = 0; i < n && st == WK_STATUS_OK; i++) {
    char *dec;
    size_t len;
    st = wk_tokenizer_decode(tok, tokens + start, (size_t)(i + 1 - start), WK_DECODE_SPECIALS,
                             &dec, &len);
    if (st != WK_STATUS_OK) break;
    const size_t at = find_fffd(dec, len);
    int word = at == len;
    if (!word) {
      const size_t pos = offset + count_code_points(dec, at);
      word = pos >= n_cp || (full_len - cp[pos] >= 3 && !memcmp(full + cp[pos], fffd, 3));
    }
    if (!word) {
      wk_free(dec);
      continue;
    }
    words[w] = dec;
    bounds[++w] = i + 1;
    offset += count_code_points(dec, len);
    start = i + 1;
  }
  *n_words = w;
  wk_free(cp);
  wk_free(full);
  return st;
}

wk_status wk_split_to_word_tokens(const wk_tokenizer *tok, int language, const int *tokens, int n,
                                  char ***words_out, int **bounds_out, int *n_words_out) {
  if (!tok || (!tokens && n) || n < 0 || !words_out || !bounds_out || !n_words_out)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_split_to_word_tokens: NULL argument or n < 0");
  *words_out = NULL, *bounds_out = NULL, *n_words_out = 0;
  const wk_special_tokens *sp = wk_tokenizer_special(tok);
  for (int i = 0; i < n; i++)
    if (tokens[i] < 0 || tokens[i] >= sp->n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "wk_split_to_word_tokens: token %d is %d, outside 0 … %d", i, tokens[i],
                      sp->n_vocab - 1);
  char **words = wk_alloc_array((size_t)n + 1, sizeof(char *));
  int *bounds = wk_alloc_array((size_t)n + 1, sizeof(int));
  if (!words || !bounds) {
    wk_free(words), wk_free(bounds);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "split_to_word_tokens: out of memory");
  }
  int n_sub = 0;
  wk_status st = split_on_unicode(tok, tokens, n, words, bounds, &n_sub);
  if (st != WK_STATUS_OK) {
    wk_split_words_free(words, bounds, n_sub);
    return st;
  }

  /* split_tokens_on_spaces, except for the languages written without spaces: a subword starts
   * a new word when it begins with a special token or a space, or is punctuation once stripped
   * (`subword.strip() in string.punctuation`: a substring test, so "" and ")*" count too);
   * otherwise it is appended to the previous word. */
  const char *code = wk_language_code(language);
  static const char *const unicode_languages[] = {"zh", "ja", "th", "lo", "my", "yue"};
  int on_unicode = 0;
  for (size_t k = 0; code && k < sizeof unicode_languages / sizeof *unicode_languages; k++)
    on_unicode |= !strcmp(code, unicode_languages[k]);
  int n_words = n_sub;
  if (!on_unicode) {
    n_words = 0;
    for (int k = 0; k < n_sub; k++) {
      char *sub = words[k];
      words[k] = NULL;
      const size_t len = strlen(sub);
      size_t b, e;
      wk_text_strip(sub, len, &b, &e);
      const int special = tokens[bounds[k]] >= sp->eot;
      if (special || sub[0] == ' ' || contains(WK_STRING_PUNCTUATION, sub + b, e - b) || !n_words) {
        words[n_words] = sub;
        bounds[n_words++] = bounds[k]; /* n_words ≤ k: bounds[k + 1 …] are still unread */
      } else {
        char *joined = concat(words[n_words - 1], strlen(words[n_words - 1]), sub, len);
        wk_free(sub);
        if (!joined) {
          for (int r = k + 1; r < n_sub; r++) wk_free(words[r]);
          wk_split_words_free(words, bounds, n_words);
          return wk_error(WK_STATUS_OUT_OF_MEMORY, "split_to_word_tokens: out of memory");
        }
        wk_free(words[n_words - 1]);
        words[n_words - 1] = joined;
      }
    }
    bounds[n_words] = bounds[n_sub];
  }
  if (!n_words) wk_free(words), words = NULL;
  *words_out = words, *bounds_out = bounds, *n_words_out = n_words;
  return WK_STATUS_OK;
}

/* ── dynamic time warping ──────────────────────────────────────────────────────────────────── */

wk_status wk_dtw(const double *x, int n, int m, int **text_idx, int **time_idx, int *len) {
  if ((!x && n > 0 && m > 0) || n < 0 || m < 0 || !text_idx || !time_idx || !len)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_dtw: NULL argument or a negative size");
  *text_idx = NULL, *time_idx = NULL, *len = 0;
  const size_t rows = (size_t)n + 1, cols = (size_t)m + 1;
  if (cols > SIZE_MAX / sizeof(float) / rows || (int64_t)n + m > INT32_MAX)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_dtw: %d × %d is too large", n, m);
  float *cost = wk_alloc_array(rows * cols, sizeof(float)); /* [n + 1][m + 1] */
  int8_t *trace = wk_alloc_array(rows * cols, 1);           /* [n + 1][m + 1]: −1, 0, 1, 2 */
  int *ti = wk_alloc_array(rows + cols, sizeof(int)), *tj = wk_alloc_array(rows + cols, sizeof(int));
  if (!cost || !trace || !ti || !tj) {
    wk_free(cost), wk_free(trace), wk_free(ti), wk_free(tj);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "dtw: out of memory");
  }
  for (size_t k = 0; k < rows * cols; k++) cost[k] = INFINITY, trace[k] = -1;
  cost[0] = 0;
  /* dtw_cpu: column by column; the cost array is float32, so each x + c (computed in double,
   * x being float64 there) is rounded to float when stored, and the comparisons are float's;
   * ties (and NaN) fall to the last branch, t = 2 */
  for (size_t j = 1; j < cols; j++)
    for (size_t i = 1; i < rows; i++) {
      const float c0 = cost[(i - 1) * cols + j - 1], c1 = cost[(i - 1) * cols + j],
                  c2 = cost[i * cols + j - 1];
      float c;
      int8_t t;
      if (c0 < c1 && c0 < c2) c = c0, t = 0;
      else if (c1 < c0 && c1 < c2) c = c1, t = 1;
      else c = c2, t = 2;
      cost[i * cols + j] = (float)(x[(i - 1) * (size_t)m + j - 1] + (double)c);
      trace[i * cols + j] = t;
    }
  /* backtrace: from (n, m) to (0, 0); the first row moves left and the first column up, so the
   * path may hold index −1 (where it runs along the grid's edge) */
  for (size_t j = 0; j < cols; j++) trace[j] = 2;
  for (size_t i = 0; i < rows; i++) trace[i * cols] = 1;
  size_t i = (size_t)n, j = (size_t)m, k = 0;
  while (i > 0 || j > 0) {
    ti[k] = (int)i - 1, tj[k] = (int)j - 1, k++;
    const int8_t t = trace[i * cols + j];
    if (t == 0) i--, j--;
    else if (t == 1) i--;
    else j--; /* t == 2: trace is fully written for i, j ≥ 1 and the edges were just set */
  }
  for (size_t a = 0, b = k; a + 1 < b; a++, b--) { /* result[::-1] */
    const int si = ti[a], sj = tj[a];
    ti[a] = ti[b - 1], tj[a] = tj[b - 1];
    ti[b - 1] = si, tj[b - 1] = sj;
  }
  wk_free(cost), wk_free(trace);
  if (k == 0) wk_free(ti), wk_free(tj), ti = tj = NULL;
  *text_idx = ti, *time_idx = tj, *len = (int)k;
  return WK_STATUS_OK;
}

/* ── find_alignment ────────────────────────────────────────────────────────────────────────── */

void wk_word_timings_free(wk_word_timing *w, int n) {
  if (!w) return;
  for (int i = 0; i < n; i++) wk_free(w[i].word), wk_free(w[i].tokens);
  wk_free(w);
}

/* x[0 … n) = softmax(x) in place: exp(x − max) / Σ; a NaN anywhere (or max = +∞, or all −∞)
 * makes the row NaN, as torch's softmax. */
static void softmax(double *x, int n) {
  double mx = -INFINITY;
  for (int i = 0; i < n; i++) {
    if (isnan(x[i])) mx = NAN;
    else if (x[i] > mx) mx = x[i];
  }
  double sum = 0;
  for (int i = 0; i < n; i++) sum += x[i] = exp(x[i] - mx);
  for (int i = 0; i < n; i++) x[i] /= sum;
}

/* torch.sort's order: NaN after everything else. */
static int sorts_before(double a, double b) { return !isnan(a) && (isnan(b) || a < b); }

/* median_filter on one row x[0 … n) (n > width / 2, width odd): reflect padding as F.pad's
 * mode="reflect" (x[−k] = x[k], x[n − 1 + k] = x[n − 1 − k]), then the middle of each sorted
 * window.  pad[n + width − 1] and win[width] are scratch. */
static void median_row(double *x, int n, int width, double *pad, double *win) {
  const int p = width / 2;
  for (int k = -p; k < n + p; k++) pad[k + p] = x[k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k];
  for (int c = 0; c < n; c++) {
    for (int a = 0; a < width; a++) { /* insertion sort of the window */
      const double v = pad[c + a];
      int b = a;
      for (; b > 0 && sorts_before(v, win[b - 1]); b--) win[b] = win[b - 1];
      win[b] = v;
    }
    x[c] = win[p];
  }
}

/* The DTW input −matrix [n_text + 1][T] of find_alignment (T = num_frames // 2 ≥ 1). */
static wk_status alignment_cost(const wk_alignment_qk *q, int n_text, int T, int width,
                                double *x) {
  const int H = q->n_heads, R = q->n_rows;
  double *w = wk_alloc_array((size_t)H * (size_t)R * (size_t)T, sizeof(double)); /* [H][R][T] */
  double *pad = wk_alloc_array((size_t)T + (size_t)width, sizeof(double));
  double *win = wk_alloc_array((size_t)width, sizeof(double));
  if (!w || !pad || !win) {
    wk_free(w), wk_free(pad), wk_free(win);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "find_alignment: out of memory");
  }
  for (int h = 0; h < H; h++) {
    double *wh = w + (size_t)h * R * T;
    for (int r = 0; r < R; r++) { /* weights[:, :, : num_frames // 2].softmax(-1) */
      const float *src = q->qk + ((size_t)h * R + r) * (size_t)q->n_cols;
      for (int c = 0; c < T; c++) wh[(size_t)r * T + c] = (double)src[c];
      softmax(wh + (size_t)r * T, T);
    }
    for (int c = 0; c < T; c++) { /* (weights − mean) / std over the token axis, all R rows */
      double mean = 0, var = 0;
      for (int r = 0; r < R; r++) mean += wh[(size_t)r * T + c];
      mean /= R;
      for (int r = 0; r < R; r++) {
        const double d = wh[(size_t)r * T + c] - mean;
        var += d * d;
      }
      const double sd = sqrt(var / R); /* population std (unbiased=False) */
      for (int r = 0; r < R; r++) wh[(size_t)r * T + c] = (wh[(size_t)r * T + c] - mean) / sd;
    }
    if (T > width / 2) /* median_filter leaves a row of ≤ width // 2 columns as it is */
      for (int r = 0; r < R; r++) median_row(wh + (size_t)r * T, T, width, pad, win);
  }
  /* matrix = mean over heads, rows n_sot … n_rows − 2; the DTW runs on −matrix */
  for (int i = 0; i <= n_text; i++)
    for (int c = 0; c < T; c++) {
      double s = 0;
      for (int h = 0; h < H; h++) s += w[((size_t)h * R + q->n_sot + i) * T + c];
      x[(size_t)i * T + c] = -(s / H);
    }
  wk_free(w), wk_free(pad), wk_free(win);
  return WK_STATUS_OK;
}

wk_status wk_find_alignment(const wk_tokenizer *tok, int language, const int *text, int n_text,
                            const wk_alignment_qk *q, int num_frames, int medfilt_width,
                            wk_word_timing **out, int *n_out) {
  if (!tok || !out || !n_out || n_text < 0 || (n_text && !text))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_find_alignment: NULL argument or n_text < 0");
  *out = NULL, *n_out = 0;
  const int eot = wk_tokenizer_special(tok)->eot;
  for (int i = 0; i < n_text; i++)
    if (text[i] < 0 || text[i] >= eot)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "wk_find_alignment: text token %d is %d, not a text token (0 … %d)", i,
                      text[i], eot - 1);
  if (n_text == 0) return WK_STATUS_OK; /* find_alignment: `if len(text_tokens) == 0: return []` */
  if (!q || !q->qk || !q->text_token_probs)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_find_alignment: NULL alignment data");
  if (num_frames < 0 || medfilt_width < 1 || medfilt_width % 2 == 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_find_alignment: num_frames %d (≥ 0), median filter width %d (odd, ≥ 1)",
                    num_frames, medfilt_width);
  if (q->n_heads < 1 || q->n_sot < 0 || q->n_rows != (int64_t)q->n_sot + n_text + 2 ||
      q->n_cols < num_frames / 2)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_find_alignment: %d heads × %d rows × %d columns for %d sot tokens, %d text "
                    "tokens and %d frames (heads ≥ 1, rows = sot + text + 2, columns ≥ frames / 2)",
                    q->n_heads, q->n_rows, q->n_cols, q->n_sot, n_text, num_frames);
  if ((uint64_t)q->n_heads * (uint64_t)q->n_rows * (uint64_t)q->n_cols > SIZE_MAX / sizeof(double))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_find_alignment: the attention is too large");
  const int T = num_frames / 2;
  if (T == 0) return WK_STATUS_OK; /* no audio positions: no words (timing.py: times of −0.02) */

  /* tokens = text + [eot], for split_to_word_tokens */
  int *tokens = wk_alloc_array((size_t)n_text + 1, sizeof(int));
  double *x = wk_alloc_array((size_t)(n_text + 1) * (size_t)T, sizeof(double)); /* [n_text + 1][T] */
  if (!tokens || !x) {
    wk_free(tokens), wk_free(x);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "find_alignment: out of memory");
  }
  memcpy(tokens, text, (size_t)n_text * sizeof(int));
  tokens[n_text] = eot;
  int *ti = NULL, *tj = NULL, len = 0, n_words = 0, *bounds = NULL;
  char **words = NULL;
  double *jump_times = NULL;
  wk_word_timing *res = NULL;
  wk_status st = alignment_cost(q, n_text, T, medfilt_width, x);
  if (st == WK_STATUS_OK) st = wk_dtw(x, n_text + 1, T, &ti, &tj, &len);
  if (st == WK_STATUS_OK) st = wk_split_to_word_tokens(tok, language, tokens, n_text + 1, &words, &bounds, &n_words);
  if (st != WK_STATUS_OK || n_words <= 1) goto done; /* timing.py: "return on eot only" */

  /* jump_times: the time index where the path enters each new text index (the first included),
   * in seconds; word w spans jump_times[bounds[w]] … jump_times[bounds[w + 1]] */
  jump_times = wk_alloc_array((size_t)len, sizeof(double));
  res = wk_alloc_array((size_t)n_words - 1, sizeof(wk_word_timing));
  if (!jump_times || !res) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "find_alignment: out of memory");
    goto done;
  }
  memset(res, 0, ((size_t)n_words - 1) * sizeof *res);
  int n_jumps = 0;
  for (int k = 0; k < len; k++)
    if (k == 0 || ti[k] != ti[k - 1]) jump_times[n_jumps++] = tj[k] / WK_TOKENS_PER_SECOND;
  /* the path visits every text index 0 … n_text, so n_jumps > n_text ≥ every boundary used */
  if (bounds[n_words - 1] >= n_jumps) {
    st = wk_error(WK_STATUS_INTERNAL, "find_alignment: %d jumps for %d tokens", n_jumps, n_text);
    goto done;
  }
  /* zip(words, word_tokens, start_times, end_times, probabilities): the last word (eot's) has
   * no end time, so n_words − 1 words */
  for (int w = 0; w + 1 < n_words; w++) {
    wk_word_timing *r = &res[w];
    const int b = bounds[w], e = bounds[w + 1];
    r->word = words[w], words[w] = NULL;
    r->n_tokens = e - b;
    r->tokens = wk_alloc_array((size_t)r->n_tokens, sizeof(int));
    if (!r->tokens) {
      st = wk_error(WK_STATUS_OUT_OF_MEMORY, "find_alignment: out of memory");
      goto done;
    }
    memcpy(r->tokens, tokens + b, (size_t)r->n_tokens * sizeof(int));
    r->start = jump_times[b], r->end = jump_times[e];
    /* np.mean(text_token_probs[b : e]) (the slice stops at n_text; empty: NaN) */
    const int pe = e < n_text ? e : n_text;
    double s = 0;
    for (int k = b; k < pe; k++) s += q->text_token_probs[k];
    r->probability = pe > b ? s / (pe - b) : NAN;
  }
  *out = res, *n_out = n_words - 1;
  res = NULL;
done:
  wk_word_timings_free(res, n_words > 1 ? n_words - 1 : 0);
  wk_split_words_free(words, bounds, n_words);
  wk_free(jump_times), wk_free(ti), wk_free(tj), wk_free(x), wk_free(tokens);
  return st;
}

/* ── add_word_timestamps ───────────────────────────────────────────────────────────────────── */

/* first.word + second.word and first.tokens + second.tokens into `into` (one of the two); the
 * other one becomes "" with no tokens (its times and probability stay). */
static wk_status join_words(wk_word_timing *first, wk_word_timing *second, wk_word_timing *into) {
  wk_word_timing *gone = into == first ? second : first;
  int ok = 1;
  char *w = concat(first->word, strlen(first->word), second->word, strlen(second->word));
  int *t = concat_tokens(first->tokens, first->n_tokens, second->tokens, second->n_tokens, &ok);
  if (!w || !ok) {
    wk_free(w), wk_free(t);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "merge_punctuations: out of memory");
  }
  const int n_tokens = first->n_tokens + second->n_tokens;
  wk_free(into->word), wk_free(into->tokens);
  into->word = w, into->tokens = t, into->n_tokens = n_tokens;
  gone->word[0] = 0;
  wk_free(gone->tokens), gone->tokens = NULL, gone->n_tokens = 0;
  return WK_STATUS_OK;
}

/* merge_punctuations: a word that starts with a space and is, stripped, in `prepended` joins the
 * following word (scanning from the end, so runs chain); then a word in `appended` joins the
 * previous word unless that ends with a space (scanning from the start). */
static wk_status merge_punctuations(wk_word_timing *a, int n, const char *prepended,
                                    const char *appended) {
  wk_status st = WK_STATUS_OK;
  for (int i = n - 2, j = n - 1; i >= 0 && st == WK_STATUS_OK; i--) {
    size_t b, e;
    wk_text_strip(a[i].word, strlen(a[i].word), &b, &e);
    if (a[i].word[0] == ' ' && contains(prepended, a[i].word + b, e - b))
      st = join_words(&a[i], &a[j], &a[j]);
    else
      j = i;
  }
  for (int i = 0, j = 1; j < n && st == WK_STATUS_OK; j++) {
    const size_t len = strlen(a[i].word);
    if (!(len && a[i].word[len - 1] == ' ') && contains(appended, a[j].word, strlen(a[j].word)))
      st = join_words(&a[i], &a[j], &a[i]);
    else
      i = j;
  }
  return st;
}

/* round(t, 2) on timing.py's times: they are numpy.float64 values (from jump_times), whose
 * __round__ is np.round: rint(t · 100) / 100 in double (half to even on the product), not
 * Python's correctly rounded float round (they differ on e.g. 6.295: 6.3 against 6.29). */
static double round2(double t) { return nearbyint(t * 100.0) / 100.0; }

static int cmp_double(const void *pa, const void *pb) {
  const double a = *(const double *)pa, b = *(const double *)pb;
  return sorts_before(a, b) ? -1 : sorts_before(b, a) ? 1 : 0;
}

void wk_segment_words_free(wk_segment *s) {
  if (!s) return;
  if (s->words)
    for (int i = 0; i < s->n_words; i++) wk_free((void *)s->words[i].word);
  wk_free((void *)s->words);
  s->words = NULL, s->n_words = 0;
}

wk_status wk_add_word_timestamps(wk_segment *seg, int n, const wk_tokenizer *tok, int language,
                                 wk_align_fn align, void *align_user, int num_frames,
                                 const char *prepend, const char *append,
                                 double *last_speech_timestamp) {
  if (n < 0 || (n && !seg))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_add_word_timestamps: NULL segments or n < 0");
  if (n == 0) return WK_STATUS_OK;
  if (!tok || !last_speech_timestamp)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_add_word_timestamps: NULL argument");
  if (!prepend) prepend = WK_PREPEND_PUNCTUATIONS;
  if (!append) append = WK_APPEND_PUNCTUATIONS;
  const wk_special_tokens *sp = wk_tokenizer_special(tok);
  int64_t n_text = 0;
  for (int i = 0; i < n; i++) {
    if (seg[i].n_tokens < 0 || (seg[i].n_tokens && !seg[i].tokens))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_add_word_timestamps: segment %d: NULL tokens", i);
    for (int k = 0; k < seg[i].n_tokens; k++) {
      const int t = seg[i].tokens[k];
      if (t < 0 || t >= sp->n_vocab)
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "wk_add_word_timestamps: segment %d token %d is %d, outside 0 … %d", i, k,
                        t, sp->n_vocab - 1);
      n_text += t < sp->eot;
    }
  }
  if (n_text > INT32_MAX - 4096)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_add_word_timestamps: too many tokens");

  /* the text tokens of all segments, in order, and their count per segment */
  int *text = wk_alloc_array((size_t)n_text + 1, sizeof(int));
  int *seg_text = wk_alloc_array((size_t)n, sizeof(int));
  int *seg_words = wk_alloc_array((size_t)n, sizeof(int));
  wk_word **words = wk_alloc_array((size_t)n, sizeof(wk_word *));
  double *dur = NULL;
  wk_word_timing *al = NULL;
  int n_al = 0;
  wk_status st = WK_STATUS_OK;
  if (!text || !seg_text || !seg_words || !words) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "add_word_timestamps: out of memory");
    goto done;
  }
  memset(words, 0, (size_t)n * sizeof *words);
  int m = 0;
  for (int i = 0; i < n; i++) {
    seg_text[i] = 0;
    for (int k = 0; k < seg[i].n_tokens; k++)
      if (seg[i].tokens[k] < sp->eot) text[m++] = seg[i].tokens[k], seg_text[i]++;
  }

  if (m > 0) { /* find_alignment (which returns [] itself when there is no text) */
    if (!align) {
      st = wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_add_word_timestamps: NULL align function");
      goto done;
    }
    wk_alignment_qk qk;
    memset(&qk, 0, sizeof qk);
    st = align(align_user, text, m, &qk);
    if (st == WK_STATUS_OK)
      st = wk_find_alignment(tok, language, text, m, &qk, num_frames, WK_MEDFILT_WIDTH, &al, &n_al);
    if (st != WK_STATUS_OK) goto done;
  }

  /* median of the nonzero word durations (np.median: the mean of the middle two for an even
   * count), capped at 0.7 s; max_duration twice that */
  dur = wk_alloc_array((size_t)n_al + 1, sizeof(double));
  if (!dur) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "add_word_timestamps: out of memory");
    goto done;
  }
  int n_dur = 0;
  for (int i = 0; i < n_al; i++)
    if (al[i].end - al[i].start != 0) dur[n_dur++] = al[i].end - al[i].start;
  qsort(dur, (size_t)n_dur, sizeof *dur, cmp_double);
  double median = n_dur == 0 ? 0.0
                  : n_dur % 2 ? dur[n_dur / 2]
                              : (dur[n_dur / 2 - 1] + dur[n_dur / 2]) / 2;
  median = median < 0.7 ? median : 0.7; /* min(0.7, median) */
  const double max_duration = median * 2;

  /* hack: words at sentence boundaries no longer than max_duration (`word in
   * sentence_end_marks` is a substring test: "" and "!！" count) */
  if (n_dur > 0)
    for (int i = 1; i < n_al; i++)
      if (al[i].end - al[i].start > max_duration) {
        if (contains(WK_SENTENCE_END_MARKS, al[i].word, strlen(al[i].word)))
          al[i].end = al[i].start + max_duration;
        else if (contains(WK_SENTENCE_END_MARKS, al[i - 1].word, strlen(al[i - 1].word)))
          al[i].start = al[i].end - max_duration;
      }

  st = merge_punctuations(al, n_al, prepend, append);
  if (st != WK_STATUS_OK) goto done;

  /* each segment takes alignment words until their tokens cover its text tokens; first count
   * and allocate (the only step that can fail), then fill */
  for (int i = 0, w = 0; i < n; i++) {
    seg_words[i] = 0;
    for (int saved = 0; w < n_al && saved < seg_text[i]; w++) {
      seg_words[i] += al[w].word[0] != 0;
      saved += al[w].n_tokens;
    }
    if (seg_words[i] && !(words[i] = wk_alloc_array((size_t)seg_words[i], sizeof(wk_word)))) {
      st = wk_error(WK_STATUS_OUT_OF_MEMORY, "add_word_timestamps: out of memory");
      goto done;
    }
  }

  const double time_offset = (double)seg[0].seek * WK_HOP_LENGTH / WK_SAMPLE_RATE;
  double last_speech = *last_speech_timestamp;
  for (int i = 0, w = 0; i < n; i++) {
    wk_segment *s = &seg[i];
    wk_word *ws = words[i];
    int nw = 0;
    for (int saved = 0; w < n_al && saved < seg_text[i]; w++) {
      if (al[w].word[0]) {
        ws[nw].word = al[w].word, al[w].word = NULL; /* moved */
        ws[nw].start = round2(time_offset + al[w].start);
        ws[nw].end = round2(time_offset + al[w].end);
        ws[nw].probability = al[w].probability;
        nw++;
      }
      saved += al[w].n_tokens;
    }
    if (nw > 0) {
      wk_word *first = &ws[0], *last = &ws[nw - 1];
      /* hack: the first and second word after a pause no longer than max_duration */
      if (first->end - last_speech > median * 4 &&
          (first->end - first->start > max_duration ||
           (nw > 1 && ws[1].end - first->start > max_duration * 2))) {
        if (nw > 1 && ws[1].end - ws[1].start > max_duration) {
          const double a = ws[1].end / 2, b = ws[1].end - max_duration;
          first->end = ws[1].start = b > a ? b : a; /* max(a, b) */
        }
        const double v = first->end - max_duration;
        first->start = v > 0 ? v : 0; /* max(0, v) */
      }
      /* prefer the segment's start if the first word is too long */
      if (s->start < first->end && s->start - 0.5 > first->start) {
        const double a = first->end - median, b = s->start;
        const double v = b < a ? b : a; /* min(a, b) */
        first->start = v > 0 ? v : 0;
      } else {
        s->start = first->start;
      }
      /* prefer the segment's end if the last word is too long */
      if (s->end > last->start && s->end + 0.5 < last->end) {
        const double a = last->start + median, b = s->end;
        last->end = b > a ? b : a;
      } else {
        s->end = last->end;
      }
      last_speech = s->end;
    }
    s->words = ws, s->n_words = nw;
    words[i] = NULL;
  }
  *last_speech_timestamp = last_speech;
done:
  if (words)
    for (int i = 0; i < n; i++) wk_free(words[i]); /* only on failure: no string moved yet */
  wk_free(words), wk_free(seg_words), wk_free(seg_text), wk_free(text), wk_free(dur);
  wk_word_timings_free(al, n_al);
  return st;
}
