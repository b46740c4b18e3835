/* tokenizer.c — Whisper's tokenizer (tokenizer.h says what it computes and from where). */
#include "decode/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "decode/unicode-classes.h"
#include "io/ggml.h"

/* ── languages: tokenizer.py's LANGUAGES, in its order (the token order) ────────────────────── */

static const char *const lang_code[WK_MAX_LANGUAGES] = {
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
    "it", "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
    "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
    "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su", "yue"};
static const char *const lang_name[WK_MAX_LANGUAGES] = {
    "english", "chinese", "german", "spanish", "russian", "korean", "french", "japanese",
    "portuguese", "turkish", "polish", "catalan", "dutch", "arabic", "swedish", "italian",
    "indonesian", "hindi", "finnish", "vietnamese", "hebrew", "ukrainian", "greek", "malay",
    "czech", "romanian", "danish", "hungarian", "tamil", "norwegian", "thai", "urdu", "croatian",
    "bulgarian", "lithuanian", "latin", "maori", "malayalam", "welsh", "slovak", "telugu",
    "persian", "latvian", "bengali", "serbian", "azerbaijani", "slovenian", "kannada", "estonian",
    "macedonian", "breton", "basque", "icelandic", "armenian", "nepali", "mongolian", "bosnian",
    "kazakh", "albanian", "swahili", "galician", "marathi", "punjabi", "sinhala", "khmer",
    "shona", "yoruba", "somali", "afrikaans", "occitan", "georgian", "belarusian", "tajik",
    "sindhi", "gujarati", "amharic", "yiddish", "lao", "uzbek", "faroese", "haitian creole",
    "pashto", "turkmen", "nynorsk", "maltese", "sanskrit", "luxembourgish", "myanmar", "tibetan",
    "tagalog", "malagasy", "assamese", "tatar", "hawaiian", "lingala", "hausa", "bashkir",
    "javanese", "sundanese", "cantonese"};
/* TO_LANGUAGE_CODE's aliases. */
static const char *const alias[][2] = {
    {"burmese", "my"},  {"valencian", "ca"}, {"flemish", "nl"},   {"haitian", "ht"},
    {"letzeburgesch", "lb"}, {"pushto", "ps"}, {"panjabi", "pa"}, {"moldavian", "ro"},
    {"moldovan", "ro"}, {"sinhalese", "si"}, {"castilian", "es"}, {"mandarin", "zh"}};

const char *wk_language_code(int i) { return i >= 0 && i < WK_MAX_LANGUAGES ? lang_code[i] : NULL; }
const char *wk_language_name(int i) { return i >= 0 && i < WK_MAX_LANGUAGES ? lang_name[i] : NULL; }

static int ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    const int x = *a >= 'A' && *a <= 'Z' ? *a + 32 : *a, y = *b >= 'A' && *b <= 'Z' ? *b + 32 : *b;
    if (x != y) return 0;
  }
  return *a == *b;
}

int wk_language_find(const char *s) {
  if (!s) return -1;
  for (int i = 0; i < WK_MAX_LANGUAGES; i++)
    if (ascii_ieq(s, lang_code[i]) || ascii_ieq(s, lang_name[i])) return i;
  for (size_t a = 0; a < sizeof alias / sizeof alias[0]; a++)
    if (ascii_ieq(s, alias[a][0])) return wk_language_find(alias[a][1]);
  return -1;
}

/* ── the tokenizer ─────────────────────────────────────────────────────────────────────────── */

struct wk_tokenizer {
  wk_special_tokens sp;
  uint8_t *bytes;      /* [total] every text token's bytes, back to back */
  uint32_t *offset;    /* [n_text + 1] token id's bytes are bytes[offset[id] … offset[id+1]) */
  int32_t *slot;       /* [n_slots] open-addressing map bytes → id: id + 1, 0 = empty */
  size_t n_slots;      /* a power of two ≥ 2 · n_text */
  int *lists;          /* the three suppression lists, back to back */
  size_t n_non_speech, n_suppress, n_blank;
};

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* The id whose bytes are p[0 … n), or −1 (the lowest id when the file repeats a token). */
static int rank_of(const wk_tokenizer *t, const uint8_t *p, size_t n) {
  for (size_t i = fnv1a(p, n) & (t->n_slots - 1);; i = (i + 1) & (t->n_slots - 1)) {
    const int32_t e = t->slot[i];
    if (!e) return -1;
    const int id = e - 1;
    if (t->offset[id + 1] - t->offset[id] == n && !memcmp(t->bytes + t->offset[id], p, n)) return id;
  }
}

static void map_insert(wk_tokenizer *t, int id) {
  const uint8_t *p = t->bytes + t->offset[id];
  const size_t n = t->offset[id + 1] - t->offset[id];
  if (rank_of(t, p, n) >= 0) return; /* a repeated token: the lower id keeps the bytes */
  for (size_t i = fnv1a(p, n) & (t->n_slots - 1);; i = (i + 1) & (t->n_slots - 1))
    if (!t->slot[i]) {
      t->slot[i] = id + 1;
      return;
    }
}

const wk_special_tokens *wk_tokenizer_special(const wk_tokenizer *t) { return t ? &t->sp : NULL; }

const uint8_t *wk_tokenizer_bytes(const wk_tokenizer *t, int id, size_t *len) {
  if (!t || id < 0 || id >= t->sp.n_text) return NULL;
  if (len) *len = t->offset[id + 1] - t->offset[id];
  return t->bytes + t->offset[id];
}

size_t wk_tokenizer_special_name(const wk_tokenizer *t, int id, char *buf, size_t cap) {
  if (!buf || !cap) return 0;
  buf[0] = 0;
  if (!t || id < t->sp.eot || id >= t->sp.n_vocab) return 0;
  const wk_special_tokens *s = &t->sp;
  const char *fixed = id == s->eot ? "endoftext" : id == s->sot ? "startoftranscript"
                    : id == s->translate ? "translate" : id == s->transcribe ? "transcribe"
                    : id == s->sot_lm ? "startoflm" : id == s->sot_prev ? "startofprev"
                    : id == s->no_speech ? "nospeech" : id == s->no_timestamps ? "notimestamps"
                    : NULL;
  int n;
  if (fixed) n = snprintf(buf, cap, "<|%s|>", fixed);
  else if (id >= s->timestamp_begin) /* f"<|{i * 0.02:.2f}|>": the same double, correctly rounded */
    n = snprintf(buf, cap, "<|%.2f|>", (double)(id - s->timestamp_begin) * WK_TIMESTAMP_STEP);
  else n = snprintf(buf, cap, "<|%s|>", lang_code[id - s->language_begin]);
  if (n < 0 || (size_t)n >= cap) return buf[0] = 0, 0;
  return (size_t)n;
}

int wk_tokenizer_language_token(const wk_tokenizer *t, int i) {
  return t && i >= 0 && i < t->sp.n_languages ? t->sp.language_begin + i : -1;
}

int wk_tokenizer_token_language(const wk_tokenizer *t, int id) {
  return t && id >= t->sp.language_begin && id < t->sp.language_begin + t->sp.n_languages
             ? id - t->sp.language_begin
             : -1;
}

const int *wk_tokenizer_non_speech_tokens(const wk_tokenizer *t, size_t *n) {
  *n = t->n_non_speech;
  return t->lists;
}
const int *wk_tokenizer_suppress_tokens(const wk_tokenizer *t, size_t *n) {
  *n = t->n_suppress;
  return t->lists + t->n_non_speech;
}
const int *wk_tokenizer_blank_tokens(const wk_tokenizer *t, size_t *n) {
  *n = t->n_blank;
  return t->lists + t->n_non_speech + t->n_suppress;
}

/* ── pre-split: Whisper's regex, by hand ───────────────────────────────────────────────────── */

enum { C_OTHER, C_LETTER, C_NUMBER, C_SPACE };

static int in_ranges(uint32_t cp, const uint32_t (*r)[2], size_t n) {
  size_t lo = 0, hi = n; /* binary search for the last range starting ≤ cp */
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (r[mid][0] <= cp) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && cp <= r[lo - 1][1];
}

/* \s: the White_Space property (what Rust's regex, tiktoken's engine, uses). */
static int is_white_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

static int char_class(uint32_t cp) {
  if (cp < 0x80) { /* ASCII fast path */
    if ((cp | 32) >= 'a' && (cp | 32) <= 'z') return C_LETTER;
    if (cp >= '0' && cp <= '9') return C_NUMBER;
    return is_white_space(cp) ? C_SPACE : C_OTHER;
  }
  if (cp > 0x10ffff) return C_OTHER; /* an invalid byte */
  if (is_white_space(cp)) return C_SPACE;
  if (in_ranges(cp, wk_unicode_letters, sizeof wk_unicode_letters / sizeof wk_unicode_letters[0]))
    return C_LETTER;
  if (in_ranges(cp, wk_unicode_numbers, sizeof wk_unicode_numbers / sizeof wk_unicode_numbers[0]))
    return C_NUMBER;
  return C_OTHER;
}

/* Length of the well-formed UTF-8 character at s[0 … n) (n ≥ 1) with its code point in *cp, or
 * 1 with *cp = 0xffffffff for a byte that does not start one (Unicode Table 3-7). */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp) {
  const uint8_t b = s[0];
  *cp = 0xffffffffu;
  if (b < 0x80) return *cp = b, 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;
  uint32_t c;
  if (b >= 0xc2 && b <= 0xdf) len = 2, c = b & 0x1f;
  else if (b >= 0xe0 && b <= 0xef) len = 3, c = b & 0x0f, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
  else if (b >= 0xf0 && b <= 0xf4) len = 4, c = b & 0x07, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
  else return 1;
  if (len > n) return 1;
  for (size_t i = 1; i < len; i++) {
    if (s[i] < lo || s[i] > hi) return 1;
    c = c << 6 | (s[i] & 0x3f), lo = 0x80, hi = 0xbf;
  }
  *cp = c;
  return len;
}

static int class_at(const uint8_t *s, size_t n, size_t i, size_t *len) {
  uint32_t cp;
  *len = utf8_char(s + i, n - i, &cp);
  return char_class(cp);
}

/* The end of the run of characters of class `c` starting at i. */
static size_t run_end(const uint8_t *s, size_t n, size_t i, int c) {
  size_t l;
  while (i < n && class_at(s, n, i, &l) == c) i += l;
  return i;
}

/* The end of the regex match at s[p] (p < n): the alternatives in the pattern's order. */
static size_t next_piece(const uint8_t *s, size_t n, size_t p) {
  if (s[p] == '\'' && p + 1 < n) { /* 's|'t|'re|'ve|'m|'ll|'d */
    const uint8_t a = s[p + 1], b = p + 2 < n ? s[p + 2] : 0;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return p + 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return p + 3;
  }
  size_t l0, l1;
  const int c0 = class_at(s, n, p, &l0);
  /* ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional ASCII space, then a run of one
   * class (each character belongs to exactly one class, so the first that applies wins). */
  if (s[p] == ' ' && p + 1 < n) {
    const int c1 = class_at(s, n, p + 1, &l1);
    if (c1 != C_SPACE) return run_end(s, n, p + 1, c1);
  }
  if (c0 != C_SPACE) return run_end(s, n, p, c0);
  /* `\s+(?!\S)`: a whitespace run, less its last character when a non-space follows (the
   * lookahead backtracks one character); a single space before a non-space is `\s+`. */
  const size_t e = run_end(s, n, p, C_SPACE);
  if (e == n || e - p == l0) return e;
  size_t last = p, l;
  for (size_t i = p; i < e; i += l) class_at(s, n, i, &l), last = i;
  return last;
}

/* ── byte-pair merge (tiktoken's _byte_pair_merge) ─────────────────────────────────────────── */

/* Appends the tokens of piece[0 … n) to tokens[*count …) (room checked by the caller: ≤ n). */
static wk_status bpe_piece(const wk_tokenizer *t, const uint8_t *piece, size_t n, int *tokens,
                           size_t *count, size_t *start /* [n + 1] scratch */,
                           int *rank /* [n + 1] scratch */) {
  const int whole = rank_of(t, piece, n);
  if (whole >= 0) return tokens[(*count)++] = whole, WK_STATUS_OK;
  /* parts: start[0 … m) byte offsets (start[m] = n); rank[i] = rank of parts i and i+1 joined
   * (−1: not a token).  Each step joins the pair of lowest rank, leftmost on ties, as
   * tiktoken does; O(n²) in the piece's length (pieces are words: short). */
  size_t m = n;
  for (size_t i = 0; i <= n; i++) start[i] = i;
  for (size_t i = 0; i + 1 < m; i++) rank[i] = rank_of(t, piece + i, 2);
  for (;;) {
    size_t best = m;
    for (size_t i = 0; i + 1 < m; i++)
      if (rank[i] >= 0 && (best == m || rank[i] < rank[best])) best = i;
    if (best == m) break;
    memmove(start + best + 1, start + best + 2, (m - best - 1) * sizeof *start);
    memmove(rank + best + 1, rank + best + 2, (m >= best + 3 ? m - best - 3 : 0) * sizeof *rank);
    m--;
    if (best > 0) rank[best - 1] = rank_of(t, piece + start[best - 1], start[best + 1] - start[best - 1]);
    if (best + 1 < m) rank[best] = rank_of(t, piece + start[best], start[best + 2] - start[best]);
  }
  for (size_t i = 0; i < m; i++) {
    const int id = rank_of(t, piece + start[i], start[i + 1] - start[i]);
    if (id < 0)
      return wk_error(WK_STATUS_UNSUPPORTED, "tokenizer: the vocabulary has no token for byte 0x%02x",
                      piece[start[i]]);
    tokens[(*count)++] = id;
  }
  return WK_STATUS_OK;
}

wk_status wk_tokenizer_encode(const wk_tokenizer *t, const char *text, size_t len, int *tokens,
                              size_t cap, size_t *n_tokens) {
  if (!t || (!text && len) || (!tokens && cap) || !n_tokens)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_encode: NULL argument");
  *n_tokens = 0;
  const uint8_t *s = (const uint8_t *)text;
  /* scratch for the longest piece: found first, so the merge loop never allocates */
  size_t longest = 0;
  for (size_t p = 0, e; p < len; p = e) {
    e = next_piece(s, len, p);
    if (e - p > longest) longest = e - p;
  }
  size_t *start = wk_alloc_array(longest + 1, sizeof *start);
  int *rank = wk_alloc_array(longest + 1, sizeof *rank);
  int *tmp = wk_alloc_array(longest + 1, sizeof *tmp);
  wk_status st = WK_STATUS_OK;
  if (!start || !rank || !tmp) st = wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_tokenizer_encode: out of memory");
  size_t count = 0;
  for (size_t p = 0, e; !st && p < len; p = e) {
    e = next_piece(s, len, p);
    size_t k = 0;
    st = bpe_piece(t, s + p, e - p, tmp, &k, start, rank);
    if (!st && count + k > cap)
      st = wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_encode: more than %zu tokens (cap)", cap);
    if (!st) memcpy(tokens + count, tmp, k * sizeof *tmp), count += k;
  }
  wk_free(start), wk_free(rank), wk_free(tmp);
  if (!st) *n_tokens = count;
  return st;
}

/* ── streaming UTF-8 ───────────────────────────────────────────────────────────────────────── */

static size_t put_fffd(char *out) {
  out[0] = (char)0xef, out[1] = (char)0xbf, out[2] = (char)0xbd;
  return 3;
}

size_t wk_utf8_stream_push(wk_utf8_stream *s, const uint8_t *in, size_t n, char *out) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    const uint8_t b = in[i];
    if (s->need) {
      if (b >= s->lo && b <= s->hi) {
        s->buf[s->n++] = b, s->need--, s->lo = 0x80, s->hi = 0xbf;
        if (!s->need) memcpy(out + w, s->buf, s->n), w += s->n, s->n = 0;
        continue;
      }
      w += put_fffd(out + w), s->n = 0, s->need = 0; /* the maximal subpart; b starts afresh */
    }
    if (b < 0x80) out[w++] = (char)b;
    else if (b >= 0xc2 && b <= 0xdf) s->need = 1, s->lo = 0x80, s->hi = 0xbf;
    else if (b >= 0xe0 && b <= 0xef) s->need = 2, s->lo = b == 0xe0 ? 0xa0 : 0x80, s->hi = b == 0xed ? 0x9f : 0xbf;
    else if (b >= 0xf0 && b <= 0xf4) s->need = 3, s->lo = b == 0xf0 ? 0x90 : 0x80, s->hi = b == 0xf4 ? 0x8f : 0xbf;
    else w += put_fffd(out + w);
    if (s->need) s->buf[0] = b, s->n = 1;
  }
  return w;
}

size_t wk_utf8_stream_flush(wk_utf8_stream *s, char *out) {
  const size_t w = s->n ? put_fffd(out) : 0;
  *s = (wk_utf8_stream){0};
  return w;
}

wk_status wk_tokenizer_decode(const wk_tokenizer *t, const int *tokens, size_t n, int flags,
                              char **text, size_t *len) {
  if (!t || (!tokens && n) || !text || !len)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_decode: NULL argument");
  *text = NULL, *len = 0;
  size_t bytes = 0; /* input bytes: ≤ 1024 per text token, < WK_SPECIAL_NAME_MAX per special */
  for (size_t i = 0; i < n; i++) {
    if (tokens[i] < 0 || tokens[i] >= t->sp.n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_decode: token %zu is %d, outside 0 … %d",
                      i, tokens[i], t->sp.n_vocab - 1);
    bytes += tokens[i] < t->sp.n_text ? t->offset[tokens[i] + 1] - t->offset[tokens[i]] : WK_SPECIAL_NAME_MAX;
    if (bytes > SIZE_MAX / 4 - 16)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_decode: too many tokens");
  }
  char *out = wk_alloc(WK_UTF8_STREAM_BOUND(bytes) + 1);
  if (!out) return wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_tokenizer_decode: out of memory");
  wk_utf8_stream s = {0};
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    const int id = tokens[i];
    if (id < t->sp.n_text) {
      w += wk_utf8_stream_push(&s, t->bytes + t->offset[id], t->offset[id + 1] - t->offset[id], out + w);
    } else if (flags & WK_DECODE_SPECIALS) {
      char name[WK_SPECIAL_NAME_MAX];
      const size_t k = wk_tokenizer_special_name(t, id, name, sizeof name);
      w += wk_utf8_stream_push(&s, (const uint8_t *)name, k, out + w);
    }
  }
  w += wk_utf8_stream_flush(&s, out + w);
  out[w] = 0;
  *text = out, *len = w;
  return WK_STATUS_OK;
}

/* ── creation ──────────────────────────────────────────────────────────────────────────────── */

static int cmp_int(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Sorts ids[0 … n) and drops repeats; returns the new count. */
static size_t sort_unique(int *ids, size_t n) {
  qsort(ids, n, sizeof *ids, cmp_int);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!m || ids[m - 1] != ids[i]) ids[m++] = ids[i];
  return m;
}

/* The first token of `text`, or −1 (also when single_only and `text` is more than one token). */
static int first_token(const wk_tokenizer *t, const char *text, int single_only) {
  int ids[16];
  size_t k = 0;
  if (wk_tokenizer_encode(t, text, strlen(text), ids, 16, &k) || !k) return -1;
  return single_only && k != 1 ? -1 : ids[0];
}

/* tokenizer.py's non_speech_tokens, the default suppress list and the blank list. */
static wk_status build_lists(wk_tokenizer *t) {
  static const char *const symbols[] = {
      "\"", "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", "\\", "]", "^",
      "_", "`", "{", "|", "}", "~", "「", "」", "『", "』", "<<", ">>", "<<<", ">>>", "--",
      "---", "-(", "-[", "('", "(\"", "((", "))", "(((", ")))", "[[", "]]", "{{", "}}", "♪♪",
      "♪♪♪"};
  /* U+2640 … U+267F: in UTF-8 they share their first two bytes, so the first token of a
   * multi-token one is safe to suppress */
  static const char *const misc[] = {"♩", "♪", "♫", "♬", "♭", "♮", "♯"};
  const size_t n_sym = sizeof symbols / sizeof symbols[0], n_misc = sizeof misc / sizeof misc[0];
  const size_t cap = 2 + 2 * (n_sym + n_misc) + (2 + 2 * (n_sym + n_misc) + 6) + 8;
  t->lists = wk_alloc_array(cap, sizeof *t->lists);
  if (!t->lists) return wk_error(WK_STATUS_OUT_OF_MEMORY, "tokenizer: out of memory");
  int *ns = t->lists;
  size_t k = 0;
  int id;
  char spaced[16];
  if ((id = first_token(t, " -", 0)) >= 0) ns[k++] = id;
  if ((id = first_token(t, " '", 0)) >= 0) ns[k++] = id;
  for (size_t i = 0; i < n_sym + n_misc; i++) {
    const int is_misc = i >= n_sym;
    const char *sym = is_misc ? misc[i - n_sym] : symbols[i];
    snprintf(spaced, sizeof spaced, " %s", sym);
    if ((id = first_token(t, sym, !is_misc)) >= 0) ns[k++] = id;
    if ((id = first_token(t, spaced, !is_misc)) >= 0) ns[k++] = id;
  }
  t->n_non_speech = k = sort_unique(ns, k);
  int *sup = ns + k;
  memcpy(sup, ns, k * sizeof *ns);
  const wk_special_tokens *s = &t->sp;
  sup[k++] = s->transcribe, sup[k++] = s->translate, sup[k++] = s->sot;
  sup[k++] = s->sot_prev, sup[k++] = s->sot_lm, sup[k++] = s->no_speech;
  t->n_suppress = sort_unique(sup, k);
  int *blank = sup + t->n_suppress;
  size_t nb = 0;
  wk_tokenizer_encode(t, " ", 1, blank, 1, &nb); /* one token in every Whisper vocabulary */
  blank[nb++] = s->eot;
  t->n_blank = sort_unique(blank, nb);
  return WK_STATUS_OK;
}

wk_status wk_tokenizer_create_vocab(int n_vocab, int stored, const uint8_t *const *tokens,
                                    const size_t *lens, wk_tokenizer **out) {
  if (!out || stored < 0 || (stored && (!tokens || !lens)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_create: NULL argument");
  *out = NULL;
  /* OpenAI's sizes fix n_text (a file storing fewer tokens leaves the rest empty); otherwise the
   * stored tokens are the text tokens. */
  const int n_text = n_vocab == 51864 ? 50256 : n_vocab == 51865 || n_vocab == 51866 ? 50257 : stored;
  const int64_t n_lang = (int64_t)n_vocab - n_text - 1509; /* eot, sot, 6 task/control, 1501 timestamps */
  if (stored > n_text || n_lang < 0 || n_lang > WK_MAX_LANGUAGES)
    return wk_error(WK_STATUS_BAD_FORMAT,
                    "tokenizer: n_vocab %d with %d stored tokens leaves no room for Whisper's special "
                    "tokens (n_vocab − text tokens − 1509 must be 0 … %d)",
                    n_vocab, stored, WK_MAX_LANGUAGES);
  uint64_t total = 0;
  for (int id = 0; id < stored; id++) {
    if (lens[id] && !tokens[id]) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_create: token %d NULL", id);
    if (lens[id] > 1024) return wk_error(WK_STATUS_BAD_FORMAT, "tokenizer: token %d has %zu bytes (≤ 1024)", id, lens[id]);
    total += lens[id];
  }
  wk_tokenizer *t = calloc(1, sizeof *t);
  if (!t) return wk_error(WK_STATUS_OUT_OF_MEMORY, "tokenizer: out of memory");
  wk_special_tokens *s = &t->sp;
  s->n_vocab = n_vocab, s->n_text = n_text, s->eot = n_text, s->sot = n_text + 1;
  s->language_begin = s->sot + 1, s->n_languages = (int)n_lang;
  s->translate = s->language_begin + (int)n_lang, s->transcribe = s->translate + 1;
  s->sot_lm = s->translate + 2, s->sot_prev = s->translate + 3, s->no_speech = s->translate + 4;
  s->no_timestamps = s->translate + 5, s->timestamp_begin = s->translate + 6;
  s->multilingual = n_vocab >= 51865;

  size_t slots = 1;
  while (slots < 2 * (size_t)n_text + 2) slots *= 2;
  t->n_slots = slots;
  t->bytes = wk_alloc(total ? total : 1);
  t->offset = wk_alloc_array((size_t)n_text + 1, sizeof *t->offset);
  t->slot = wk_alloc_array(slots, sizeof *t->slot);
  if (!t->bytes || !t->offset || !t->slot || total > UINT32_MAX) {
    wk_tokenizer_free(t);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "tokenizer: out of memory");
  }
  memset(t->slot, 0, slots * sizeof *t->slot);
  uint32_t at = 0;
  for (int id = 0; id < n_text; id++) {
    t->offset[id] = at;
    if (id < stored && lens[id]) memcpy(t->bytes + at, tokens[id], lens[id]), at += (uint32_t)lens[id];
  }
  t->offset[n_text] = at;
  for (int id = 0; id < n_text; id++)
    if (t->offset[id + 1] > t->offset[id]) map_insert(t, id); /* empty tokens never match */
  wk_status st = build_lists(t);
  if (st) {
    wk_tokenizer_free(t);
    return st;
  }
  *out = t;
  return WK_STATUS_OK;
}

wk_status wk_tokenizer_create(const wk_model *model, wk_tokenizer **out) {
  if (!model || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_tokenizer_create: NULL argument");
  *out = NULL;
  wk_model_info info;
  wk_status st = wk_model_describe(model, &info);
  if (st) return st;
  const int stored = wk_model_vocab_size(model);
  const uint8_t **tok = malloc(((size_t)stored + 1) * sizeof *tok);
  size_t *len = malloc(((size_t)stored + 1) * sizeof *len);
  if (!tok || !len) st = wk_error(WK_STATUS_OUT_OF_MEMORY, "tokenizer: out of memory");
  for (int id = 0; !st && id < stored; id++) {
    len[id] = 0;
    tok[id] = wk_model_token(model, id, &len[id]);
    if (!tok[id]) len[id] = 0;
  }
  if (!st) st = wk_tokenizer_create_vocab(info.n_vocab, stored, tok, len, out);
  free(tok), free(len);
  return st;
}

void wk_tokenizer_free(wk_tokenizer *t) {
  if (!t) return;
  wk_free(t->bytes), wk_free(t->offset), wk_free(t->slot), wk_free(t->lists);
  free(t);
}
