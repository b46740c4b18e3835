/* format.c — transcript writers and the compression ratio (format.h says what each writes). */
#include "decode/format.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/common.h"
#include "common/json.h"
#include "decode/tokenizer.h"

wk_status wk_format_parse(const char *name, wk_format *format) {
  if (!name || !format) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_format_parse: NULL argument");
  for (int i = 0; i < WK_FORMAT_COUNT; i++)
    if (!strcmp(name, wk_format_extension((wk_format)i))) return *format = (wk_format)i, WK_STATUS_OK;
  return wk_error(WK_STATUS_INVALID_ARGUMENT,
                  "unknown output format '%s' (txt, srt, vtt, tsv or json)", name);
}

const char *wk_format_extension(wk_format format) {
  switch (format) {
    case WK_FORMAT_TXT: return "txt";
    case WK_FORMAT_SRT: return "srt";
    case WK_FORMAT_VTT: return "vtt";
    case WK_FORMAT_JSON: return "json";
    case WK_FORMAT_TSV: return "tsv";
    case WK_FORMAT_COUNT: break;
  }
  return NULL;
}

static int time_ok(double s) { return isfinite(s) && s >= 0 && s <= WK_FORMAT_MAX_SECONDS; }

size_t wk_format_timestamp(double seconds, int always_include_hours, char decimal_marker, char *buf) {
  buf[0] = 0;
  if (!time_ok(seconds)) return 0;
  /* round(seconds * 1000.0): nearbyint rounds half to even in the default rounding mode, as
   * Python's round() does on the same double */
  int64_t ms = (int64_t)nearbyint(seconds * 1000.0);
  const int64_t h = ms / 3600000;
  ms -= h * 3600000;
  const int64_t m = ms / 60000;
  ms -= m * 60000;
  const int64_t s = ms / 1000;
  ms -= s * 1000;
  int n;
  if (always_include_hours || h > 0)
    n = snprintf(buf, WK_TIMESTAMP_MAX, "%02lld:%02lld:%02lld%c%03lld", (long long)h, (long long)m,
                 (long long)s, decimal_marker, (long long)ms);
  else
    n = snprintf(buf, WK_TIMESTAMP_MAX, "%02lld:%02lld%c%03lld", (long long)m, (long long)s,
                 decimal_marker, (long long)ms);
  return n > 0 && n < WK_TIMESTAMP_MAX ? (size_t)n : (buf[0] = 0, 0);
}

/* ── text clean-up ─────────────────────────────────────────────────────────────────────────── */

/* text[0 … n) as valid UTF-8 (each maximal ill-formed subsequence → U+FFFD) into out
 * (≥ WK_UTF8_STREAM_BOUND(n) + 1 bytes), NUL-terminated; returns the length without the NUL. */
static size_t utf8_clean_to(const char *text, size_t n, char *out) {
  wk_utf8_stream s = {0};
  size_t w = wk_utf8_stream_push(&s, (const uint8_t *)text, n, out);
  w += wk_utf8_stream_flush(&s, out + w);
  out[w] = 0;
  return w;
}

/* The same for a NUL-terminated `text`, in a new buffer (wk_free); NULL when out of memory. */
static char *utf8_clean(const char *text, size_t *len) {
  const size_t n = strlen(text);
  if (n > (SIZE_MAX - 8) / 3 - 8) return NULL;
  char *out = wk_alloc(WK_UTF8_STREAM_BOUND(n) + 4);
  if (!out) return NULL;
  *len = utf8_clean_to(text, n, out);
  return out;
}

/* Python's str.isspace() for a code point: White_Space and the separators U+001C … U+001F. */
static int py_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
         c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Code point of the UTF-8 character at s[0 … n) (n ≥ 1; its length in *l).  A byte that does not
 * start a well-formed character within the n bytes counts as one non-space character (U+FFFD):
 * text from outside (a prompt, a caller's segments) need not be valid, and nothing past n is
 * read. */
static uint32_t cp_at(const uint8_t *s, size_t n, size_t *l) {
  *l = 1;
  if (s[0] < 0x80) return s[0];
  const size_t need = s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
                      : s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : 0;
  if (!need || need > n) return 0xfffd;
  for (size_t k = 1; k < need; k++)
    if ((s[k] & 0xc0) != 0x80) return 0xfffd;
  *l = need;
  if (need == 2) return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
  if (need == 3) return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
  return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
         (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/* str.strip() of UTF-8 s[0 … n): the kept range [*b, *e). */
static void strip(const char *s, size_t n, size_t *b, size_t *e) {
  const uint8_t *u = (const uint8_t *)s;
  size_t i = 0, l, end = 0;
  while (i < n && py_space(cp_at(u + i, n - i, &l))) i += l;
  *b = i;
  for (size_t j = i; j < n; j += l) /* the end of the last non-space character */
    if (!py_space(cp_at(u + j, n - j, &l))) end = j + l;
  *e = end > i ? end : i;
}

void wk_text_strip(const char *text, size_t len, size_t *begin, size_t *end) {
  strip(text, len, begin, end);
}

/* Writes s[b … e), with every "-->" as "->" when `arrows` (subtitle cues) and every tab as a
 * space when `tabs` (tsv). */
static void put_text(FILE *f, const char *s, size_t b, size_t e, int arrows, int tabs) {
  for (size_t i = b; i < e; i++) {
    if (arrows && i + 3 <= e && !memcmp(s + i, "-->", 3)) {
      fputs("->", f), i += 2;
      continue;
    }
    fputc(tabs && s[i] == '\t' ? ' ' : s[i], f);
  }
}

/* ── writers ───────────────────────────────────────────────────────────────────────────────── */

/* A word's checks (tr->word_timestamps): the segment's checks applied to each word. */
static wk_status check_words(const wk_segment *s, int i) {
  if (s->n_words < 0 || (!s->words && s->n_words))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript segment %d: NULL words or a negative count", i);
  for (int k = 0; k < s->n_words; k++) {
    const wk_word *w = &s->words[k];
    if (!w->word) return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript segment %d word %d: NULL text", i, k);
    /* timing.py's add_word_timestamps keeps start ≤ end through its boundary hacks (each moved
     * end or start is clamped against the other), so end < start is a caller's error here too */
    if (!time_ok(w->start) || !time_ok(w->end) || w->end < w->start)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcript segment %d word %d: times %g … %g s (finite, 0 … %g, start ≤ end)",
                      i, k, w->start, w->end, WK_FORMAT_MAX_SECONDS);
  }
  return WK_STATUS_OK;
}

static wk_status check(const wk_transcript *tr) {
  if (!tr || (!tr->segments && tr->n_segments) || tr->n_segments < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript: NULL segments or a negative count");
  const wk_subtitle_options *o = &tr->sub;
  if (o->highlight_words < 0 || o->max_line_width < 0 || o->max_line_count < 0 || o->max_words_per_line < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "transcript: negative subtitle option (highlight_words %d, max_line_width %d, "
                    "max_line_count %d, max_words_per_line %d; 0 = None)", o->highlight_words,
                    o->max_line_width, o->max_line_count, o->max_words_per_line);
  for (int i = 0; i < tr->n_segments; i++) {
    const wk_segment *s = &tr->segments[i];
    if (!s->text || s->n_tokens < 0 || (!s->tokens && s->n_tokens))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript segment %d: NULL text or tokens", i);
    if (!time_ok(s->start) || !time_ok(s->end) || s->end < s->start)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcript segment %d: times %g … %g s (finite, 0 … %g, start ≤ end)", i,
                      s->start, s->end, WK_FORMAT_MAX_SECONDS);
    if (tr->word_timestamps) {
      const wk_status st = check_words(s, i);
      if (st) return st;
    }
  }
  return WK_STATUS_OK;
}

/* The transcript's words (tr->word_timestamps) as clean UTF-8 (utf8_clean's rule), all in one
 * buffer in segment order: word k of the flat list is buf[off[k] … off[k + 1] − 1), then a NUL. */
typedef struct word_texts {
  char *buf;   /* [off[n]] */
  size_t *off; /* [n + 1] */
  size_t n;    /* words in all segments */
} word_texts;

static void word_texts_free(word_texts *w) {
  wk_free(w->buf), wk_free(w->off);
  *w = (word_texts){0};
}

static wk_status word_texts_make(const wk_transcript *tr, word_texts *w) {
  *w = (word_texts){0};
  size_t n = 0, cap = 1;
  for (int i = 0; tr->word_timestamps && i < tr->n_segments; i++) {
    const wk_segment *s = &tr->segments[i];
    if ((size_t)s->n_words > SIZE_MAX / 2 - n) goto oom;
    n += (size_t)s->n_words;
    for (int k = 0; k < s->n_words; k++) { /* push ≤ 3·l + 3, flush ≤ 3, the NUL */
      const size_t l = strlen(s->words[k].word);
      if (l > SIZE_MAX / 8 || 3 * l + 7 > SIZE_MAX / 2 - cap) goto oom;
      cap += 3 * l + 7;
    }
  }
  w->off = wk_alloc_array(n + 1, sizeof *w->off);
  w->buf = wk_alloc(cap);
  if (!w->off || !w->buf) goto oom;
  size_t p = 0, k = 0;
  for (int i = 0; tr->word_timestamps && i < tr->n_segments; i++)
    for (int j = 0; j < tr->segments[i].n_words; j++) {
      const char *word = tr->segments[i].words[j].word;
      w->off[k++] = p;
      p += utf8_clean_to(word, strlen(word), w->buf + p) + 1;
    }
  w->off[k] = p;
  w->n = n;
  return WK_STATUS_OK;
oom:
  word_texts_free(w);
  return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
}

static const char *word_text(const word_texts *w, size_t k, size_t *len) {
  *len = w->off[k + 1] - w->off[k] - 1;
  return w->buf + w->off[k];
}

/* Python's len() of UTF-8 s[0 … n): code points (an ill-formed byte counts as one). */
static size_t code_points(const char *s, size_t n) {
  size_t c = 0, l;
  for (size_t i = 0; i < n; i += l, c++) cp_at((const uint8_t *)s + i, n - i, &l);
  return c;
}

/* segment["words"] (transcribe.py sets it after the other keys): timing.py's word dicts. */
static void json_words(wk_json *j, const wk_segment *s, const word_texts *wt, size_t first) {
  wk_json_key(j, "words");
  wk_json_array_begin(j);
  for (int k = 0; k < s->n_words; k++) {
    size_t len;
    wk_json_object_begin(j);
    wk_json_kstring(j, "word", word_text(wt, first + (size_t)k, &len));
    wk_json_kdouble(j, "start", s->words[k].start);
    wk_json_kdouble(j, "end", s->words[k].end);
    wk_json_kdouble(j, "probability", s->words[k].probability);
    wk_json_object_end(j);
  }
  wk_json_array_end(j);
}

static wk_status write_json(const wk_transcript *tr, FILE *f) {
  word_texts wt;
  wk_status wst = word_texts_make(tr, &wt);
  if (wst) return wst;
  wk_json j;
  wk_json_init(&j, f);
  wk_json_object_begin(&j);
  char **clean = calloc((size_t)tr->n_segments + 1, sizeof *clean);
  size_t len;
  wk_status st = clean ? WK_STATUS_OK : wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
  for (int i = 0; !st && i < tr->n_segments; i++)
    if (!(clean[i] = utf8_clean(tr->segments[i].text, &len)))
      st = wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
  if (!st && tr->text && !(clean[tr->n_segments] = utf8_clean(tr->text, &len)))
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
  if (!st) {
    wk_json_key(&j, "text");
    if (tr->text) {
      wk_json_string(&j, clean[tr->n_segments]);
    } else { /* the segments' texts joined (transcribe.py's "text"); built in memory */
      size_t total = 1;
      for (int i = 0; i < tr->n_segments; i++) total += strlen(clean[i]);
      char *all = malloc(total), *p = all;
      if (!all) st = wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
      for (int i = 0; all && i < tr->n_segments; i++) {
        const size_t l = strlen(clean[i]);
        memcpy(p, clean[i], l), p += l;
      }
      if (all) *p = 0, wk_json_string(&j, all);
      free(all);
    }
  }
  if (!st) {
    wk_json_key(&j, "segments");
    wk_json_array_begin(&j);
    size_t first = 0; /* the segment's first word in wt */
    for (int i = 0; i < tr->n_segments; i++) {
      const wk_segment *s = &tr->segments[i];
      wk_json_object_begin(&j);
      wk_json_kint(&j, "id", i);
      wk_json_kint(&j, "seek", s->seek);
      wk_json_kdouble(&j, "start", s->start);
      wk_json_kdouble(&j, "end", s->end);
      wk_json_kstring(&j, "text", clean[i]);
      wk_json_key(&j, "tokens");
      wk_json_array_begin(&j);
      for (int k = 0; k < s->n_tokens; k++) wk_json_int(&j, s->tokens[k]);
      wk_json_array_end(&j);
      wk_json_kdouble(&j, "temperature", s->temperature);
      wk_json_kdouble(&j, "avg_logprob", s->avg_logprob);
      wk_json_kdouble(&j, "compression_ratio", s->compression_ratio);
      wk_json_kdouble(&j, "no_speech_prob", s->no_speech_prob);
      if (tr->word_timestamps) json_words(&j, s, &wt, first), first += (size_t)s->n_words;
      wk_json_object_end(&j);
    }
    wk_json_array_end(&j);
    wk_json_kstring(&j, "language", tr->language);
    wk_json_object_end(&j);
    if (wk_json_finish(&j)) st = wk_error(WK_STATUS_IO_ERROR, "transcript: writing the json failed");
  }
  for (int i = 0; clean && i <= tr->n_segments; i++) wk_free(clean[i]);
  free(clean);
  word_texts_free(&wt);
  return st;
}

/* ── word-level subtitles (utils.py's SubtitlesWriter.iterate_result, "words" branch) ────────── */

/* One word of the subtitle being built, as iterate_subtitles leaves timing["word"]: the whole
 * word (a line continuation) or its stripped range, after "\n" on a line break. */
typedef struct cue_word {
  const wk_word *w;   /* the word's times */
  const char *text;   /* [len] clean UTF-8 */
  size_t len;
  int newline;        /* "\n" + text */
} cue_word;

typedef struct cue_writer {
  FILE *f;
  int srt;            /* srt (numbered, hours always, ','), else vtt */
  long long index;    /* srt: the last cue's number */
} cue_writer;

static void cue_begin(cue_writer *c, const char *t0, const char *t1) {
  if (c->srt) fprintf(c->f, "%lld\n", ++c->index);
  fprintf(c->f, "%s --> %s\n", t0, t1);
}

static void put_word(FILE *f, const cue_word *w) {
  if (w->newline) fputc('\n', f);
  fwrite(w->text, 1, w->len, f);
}

/* re.sub(r"^(\s*)(.*)$", r"\1<u>\2</u>", word) on "\n"·text (newline) or text.  Without MULTILINE
 * or DOTALL the one match is at 0: \s* takes every leading space ("\n" included; \s of a str
 * pattern is str.isspace), .* then runs to the next "\n", and $ holds only at the end or before
 * a final "\n".  Backtracking never helps (a shorter \s* or .* meets the same "\n"), so: if the
 * first "\n" after the leading spaces is the last character or there is none, the rest up to it
 * is underlined; otherwise the word is left as it is. */
static void put_underlined(FILE *f, const cue_word *w) {
  const uint8_t *u = (const uint8_t *)w->text;
  size_t k = 0, l;
  while (k < w->len && py_space(cp_at(u + k, w->len - k, &l))) k += l;
  const char *nl = memchr(w->text + k, '\n', w->len - k);
  const size_t q = nl ? (size_t)(nl - w->text) : w->len;
  if (q + 1 < w->len) { /* a "\n" before the last character: no match */
    put_word(f, w);
    return;
  }
  if (w->newline) fputc('\n', f);
  fwrite(w->text, 1, k, f);
  fputs("<u>", f);
  fwrite(w->text + k, 1, q - k, f);
  fputs("</u>", f);
  fwrite(w->text + q, 1, w->len - q, f);
}

/* The cue text: "".join(words), word `hl` underlined (SIZE_MAX: none), and the blank line. */
static void cue_text(FILE *f, const cue_word *words, size_t n, size_t hl) {
  for (size_t i = 0; i < n; i++)
    if (i == hl) put_underlined(f, &words[i]);
    else put_word(f, &words[i]);
  fputs("\n\n", f);
}

/* One subtitle of iterate_subtitles: a cue from its first word's start to its last word's end;
 * with highlight_words a cue per word (the word underlined) and, where a word's start differs
 * from the previous cue's end (as formatted timestamps), a plain cue over the gap. */
static void write_subtitle(cue_writer *c, const cue_word *words, size_t n, int highlight) {
  char t0[WK_TIMESTAMP_MAX], t1[WK_TIMESTAMP_MAX], last[WK_TIMESTAMP_MAX];
  const char mark = c->srt ? ',' : '.';
  if (!highlight) {
    wk_format_timestamp(words[0].w->start, c->srt, mark, t0);
    wk_format_timestamp(words[n - 1].w->end, c->srt, mark, t1);
    cue_begin(c, t0, t1);
    cue_text(c->f, words, n, SIZE_MAX);
    return;
  }
  wk_format_timestamp(words[0].w->start, c->srt, mark, last);
  for (size_t i = 0; i < n; i++) {
    wk_format_timestamp(words[i].w->start, c->srt, mark, t0);
    wk_format_timestamp(words[i].w->end, c->srt, mark, t1);
    if (strcmp(last, t0)) {
      cue_begin(c, last, t0);
      cue_text(c->f, words, n, SIZE_MAX);
    }
    cue_begin(c, t0, t1);
    cue_text(c->f, words, n, i);
    memcpy(last, t1, sizeof last);
  }
}

/* utils.py's get_start: the first word's start, else the first segment's start (n ≥ 1).  Only
 * the first word's long-pause test reads it, and that word starts a line of an empty cue either
 * way: ported for fidelity, not observable in the output. */
static double words_start(const wk_transcript *tr) {
  for (int i = 0; i < tr->n_segments; i++)
    if (tr->segments[i].n_words > 0) return tr->segments[i].words[0].start;
  return tr->segments[0].start;
}

/* iterate_subtitles: the words in segment order, split into chunks of max_words_per_line per
 * segment; a word continues the line while it fits (code points) and neither a long pause (> 3 s
 * since the last word's start, only when not preserving segments) nor a chunk's start (when
 * preserving segments) intervenes; otherwise it is stripped and starts a new line, which starts
 * a new subtitle on a chunk's start or when max_line_count is set and the pause is long or the
 * lines are full, else follows a "\n".  tr->n_segments ≥ 1, checked. */
static wk_status write_word_cues(const wk_transcript *tr, int srt, FILE *f) {
  word_texts wt;
  wk_status st = word_texts_make(tr, &wt);
  if (st) return st;
  cue_word *sub = wk_alloc_array(wt.n ? wt.n : 1, sizeof *sub); /* the subtitle being built */
  if (!sub) {
    word_texts_free(&wt);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
  }
  const wk_subtitle_options *o = &tr->sub;
  const int preserve_segments = !o->max_line_count || !o->max_line_width;
  const size_t max_width = o->max_line_width ? (size_t)o->max_line_width : 1000;
  const int per_line = o->max_words_per_line ? o->max_words_per_line : 1000;
  cue_writer c = {f, srt, 0};
  if (!srt) fputs("WEBVTT\n\n", f);
  size_t line_len = 0, n_sub = 0, k = 0; /* k: the word's index in wt */
  long long line_count = 1;
  double last = words_start(tr);
  for (int si = 0; si < tr->n_segments; si++) {
    const wk_segment *s = &tr->segments[si];
    for (int chunk = 0, count; chunk < s->n_words; chunk += count) { /* max_words_per_line each */
      count = s->n_words - chunk > per_line ? per_line : s->n_words - chunk;
      for (int i = 0; i < count; i++, k++) {
        cue_word w = {&s->words[chunk + i], NULL, 0, 0};
        w.text = word_text(&wt, k, &w.len);
        const size_t width = code_points(w.text, w.len);
        const int long_pause = !preserve_segments && w.w->start - last > 3.0;
        const int has_room = width <= max_width && line_len <= max_width - width;
        const int seg_break = i == 0 && n_sub > 0 && preserve_segments;
        if (line_len > 0 && has_room && !long_pause && !seg_break) { /* line continuation */
          line_len += width;
        } else { /* a new line: the word stripped */
          size_t b, e;
          strip(w.text, w.len, &b, &e);
          w.text += b, w.len = e - b;
          if ((n_sub > 0 && o->max_line_count && (long_pause || line_count >= o->max_line_count)) ||
              seg_break) { /* subtitle break */
            write_subtitle(&c, sub, n_sub, o->highlight_words);
            n_sub = 0;
            line_count = 1;
          } else if (line_len > 0) { /* line break */
            line_count++;
            w.newline = 1;
          }
          line_len = code_points(w.text, w.len);
        }
        sub[n_sub++] = w;
        last = w.w->start;
      }
    }
  }
  if (n_sub > 0) write_subtitle(&c, sub, n_sub, o->highlight_words);
  wk_free(sub);
  word_texts_free(&wt);
  if (fflush(f) != 0 || ferror(f)) return wk_error(WK_STATUS_IO_ERROR, "transcript: write failed");
  return WK_STATUS_OK;
}

wk_status wk_transcript_write(const wk_transcript *tr, wk_format format, FILE *f) {
  wk_status st = check(tr);
  if (st) return st;
  if (!f) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write: NULL file");
  if (!wk_format_extension(format)) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write: bad format");
  if (format == WK_FORMAT_JSON) return write_json(tr, f);
  const int srt = format == WK_FORMAT_SRT, vtt = format == WK_FORMAT_VTT;
  /* utils.py: `"words" in result["segments"][0]`, which every segment has with word_timestamps */
  if ((srt || vtt) && tr->word_timestamps && tr->n_segments > 0) return write_word_cues(tr, srt, f);
  const int tsv = format == WK_FORMAT_TSV;
  if (vtt) fputs("WEBVTT\n\n", f);
  if (tsv) fputs("start\tend\ttext\n", f);
  for (int i = 0; i < tr->n_segments; i++) {
    const wk_segment *s = &tr->segments[i];
    size_t len, b, e;
    char *text = utf8_clean(s->text, &len);
    if (!text) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcript: out of memory");
    strip(text, len, &b, &e);
    if (srt || vtt) {
      char t0[WK_TIMESTAMP_MAX], t1[WK_TIMESTAMP_MAX];
      wk_format_timestamp(s->start, srt, srt ? ',' : '.', t0);
      wk_format_timestamp(s->end, srt, srt ? ',' : '.', t1);
      if (srt) fprintf(f, "%d\n", i + 1);
      fprintf(f, "%s --> %s\n", t0, t1);
    }
    if (tsv) /* round(1000 · t): nearbyint, half to even like Python's round */
      fprintf(f, "%lld\t%lld\t", (long long)nearbyint(s->start * 1000.0),
              (long long)nearbyint(s->end * 1000.0));
    put_text(f, text, b, e, srt || vtt, tsv);
    fputs(srt || vtt ? "\n\n" : "\n", f);
    wk_free(text);
  }
  if (fflush(f) != 0 || ferror(f)) return wk_error(WK_STATUS_IO_ERROR, "transcript: write failed");
  return WK_STATUS_OK;
}

wk_status wk_transcript_write_file(const wk_transcript *tr, wk_format format, const char *path) {
  wk_status st = check(tr);
  if (st) return st;
  if (!path || !*path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write_file: no path");
  const size_t n = strlen(path);
  if (n > 4000) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write_file: path too long");
  char tmp[4096];
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  wk_rng r = {(uint64_t)(wk_now() * 1e9) ^ (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&r};
  int fd = -1;
  /* O_EXCL with a random name: never another writer's file; 0666 less the umask, as fopen */
  for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
    char suffix[7];
    for (int k = 0; k < 6; k++) suffix[k] = alnum[wk_rng_next(&r) % 62];
    suffix[6] = 0;
    snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, suffix);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return wk_error(WK_STATUS_IO_ERROR, "cannot create a file beside %s: %s", path, strerror(errno));
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd), unlink(tmp);
    return wk_error(WK_STATUS_IO_ERROR, "cannot write %s: %s", tmp, strerror(errno));
  }
  st = wk_transcript_write(tr, format, f);
  if (!st && fsync(fileno(f)) != 0) /* the bytes are on disk before the name points at them */
    st = wk_error(WK_STATUS_IO_ERROR, "cannot write %s: %s", tmp, strerror(errno));
  if (fclose(f) != 0 && !st) st = wk_error(WK_STATUS_IO_ERROR, "cannot write %s: %s", tmp, strerror(errno));
  if (!st && rename(tmp, path) != 0)
    st = wk_error(WK_STATUS_IO_ERROR, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  if (st) unlink(tmp);
  return st;
}

double wk_compression_ratio(const char *text, size_t len) {
  if (!text && len) return -1;
  const uLong bound = compressBound((uLong)len);
  Bytef *z = malloc(bound ? bound : 1);
  if (!z) return -1;
  uLongf zlen = bound;
  /* Python's zlib.compress(data): level −1 = Z_DEFAULT_COMPRESSION (6), 15-bit window */
  const int rc = compress2(z, &zlen, (const Bytef *)(text ? text : ""), (uLong)len, Z_DEFAULT_COMPRESSION);
  free(z);
  if (rc != Z_OK || zlen == 0) return -1;
  return (double)len / (double)zlen;
}
