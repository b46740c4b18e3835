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

/* `text` as valid UTF-8 (each maximal ill-formed subsequence → U+FFFD), NUL-terminated, in a
 * new buffer (wk_free); NULL when out of memory. */
static char *utf8_clean(const char *text, size_t *len) {
  const size_t n = strlen(text);
  if (n > (SIZE_MAX - 8) / 3 - 8) return NULL;
  char *out = wk_alloc(WK_UTF8_STREAM_BOUND(n) + 4);
  if (!out) return NULL;
  wk_utf8_stream s = {0};
  size_t w = wk_utf8_stream_push(&s, (const uint8_t *)text, n, out);
  w += wk_utf8_stream_flush(&s, out + w);
  out[w] = 0;
  *len = w;
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

static wk_status check(const wk_transcript *tr) {
  if (!tr || (!tr->segments && tr->n_segments) || tr->n_segments < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript: NULL segments or a negative count");
  for (int i = 0; i < tr->n_segments; i++) {
    const wk_segment *s = &tr->segments[i];
    if (!s->text || s->n_tokens < 0 || (!s->tokens && s->n_tokens))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcript segment %d: NULL text or tokens", i);
    if (!time_ok(s->start) || !time_ok(s->end) || s->end < s->start)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcript segment %d: times %g … %g s (finite, 0 … %g, start ≤ end)", i,
                      s->start, s->end, WK_FORMAT_MAX_SECONDS);
  }
  return WK_STATUS_OK;
}

static wk_status write_json(const wk_transcript *tr, FILE *f) {
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
      wk_json_object_end(&j);
    }
    wk_json_array_end(&j);
    wk_json_kstring(&j, "language", tr->language);
    wk_json_object_end(&j);
    if (wk_json_finish(&j)) st = wk_error(WK_STATUS_IO_ERROR, "transcript: writing the json failed");
  }
  for (int i = 0; clean && i <= tr->n_segments; i++) wk_free(clean[i]);
  free(clean);
  return st;
}

wk_status wk_transcript_write(const wk_transcript *tr, wk_format format, FILE *f) {
  wk_status st = check(tr);
  if (st) return st;
  if (!f) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write: NULL file");
  if (!wk_format_extension(format)) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcript_write: bad format");
  if (format == WK_FORMAT_JSON) return write_json(tr, f);
  const int srt = format == WK_FORMAT_SRT, vtt = format == WK_FORMAT_VTT;
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
