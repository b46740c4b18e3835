/* fuzz_tokenizer.c — the tokenizer on arbitrary bytes and token ids (issue 10, item 1).
 *
 * The vocabulary: the micro synthetic model's 256 single bytes (its whole stored vocabulary:
 * n_vocab 256, too small for Whisper's special ids) plus merged pieces — English words with and
 * without their leading space, digits, punctuation runs, whole and split UTF-8 sequences (2-, 3-
 * and 4-byte, and their lead / continuation halves) — with n_vocab = stored + 1509 + 99, so
 * every special token (99 languages, the timestamps) exists.  The first input byte picks:
 *   even — text: the rest of the input is text; encode (cap = len) must succeed with text ids
 *          only (< n_text); the tokens' bytes concatenated must be the input exactly; decode
 *          must equal the input passed through the streaming UTF-8 decoder (so the input itself
 *          when it is valid UTF-8) and be valid UTF-8; a cap one short of the token count must
 *          be refused;
 *   odd  — ids: 16-bit ids from the input (a few outside 0 … n_vocab − 1); decode with or without
 *          WK_DECODE_SPECIALS: INVALID_ARGUMENT exactly when an id is out of range, else valid
 *          NUL-terminated UTF-8 of the reported length; without specials, equal to the text
 *          tokens' bytes through the UTF-8 stream. */
#include "decode/tokenizer.h"
#include "fuzz_util.h"
#include "synth_model.h"
#include "common/common.h"
#include "io/ggml.h"

static wk_tokenizer *tok;
static int n_text, n_vocab;

static const char *const extra[] = {
    "th", "the", " the", "he", " a", " an", "and", " and", "in", "ing", " t", "er", "re", "on",
    " on", "is", " is", "'s", "'t", "'re", "ll", " 1", "12", "123", "00", "..", "...", "!!", " (",
    "\xc3\xa9", "\xc3", "\xa9", "\xe2\x82\xac", "\xe2\x82", "\x82\xac", "\xe2\x99\xaa",
    "\xe2\x99\xaa\xe2\x99\xaa", " \xe2\x99\xaa", "\xf0\x9f\x98\x80", "\xf0\x9f", "\x98\x80",
    "\xe4\xb8\xad", "\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87", "  ", "\n\n", " -", " '", "<<",
    ">>", "--", "\xd0\xbf\xd1\x80", "\xd0\xbf", " \xd0\xbf", "\xed\xa0\x80", "\xef\xbf\xbd"};

static void setup(void) {
  /* The micro model's stored vocabulary: its 256 tokens (ids 0 … 255). */
  wk_synth_model_options o = {"micro", 0, "f32", 1, 0};
  uint8_t *file = NULL;
  size_t size = 0;
  wk_model *m = NULL;
  if (wk_synth_model_write_memory(&o, &file, &size) != WK_STATUS_OK ||
      wk_model_load_memory(file, size, &m) != WK_STATUS_OK)
    FZ_FAIL("micro model: %s", wk_last_error());
  const int n_extra = (int)(sizeof extra / sizeof extra[0]);
  n_text = 256 + n_extra;
  const uint8_t **t = malloc((size_t)n_text * sizeof *t);
  size_t *len = malloc((size_t)n_text * sizeof *len);
  static uint8_t bytes[256];
  for (int b = 0; b < 256; b++) {
    t[b] = wk_model_token(m, b, &len[b]);
    if (!t[b] || len[b] != 1 || t[b][0] != b) /* else byte b itself: every byte needs a token */
      bytes[b] = (uint8_t)b, t[b] = bytes + b, len[b] = 1;
  }
  for (int i = 0; i < n_extra; i++)
    t[256 + i] = (const uint8_t *)extra[i], len[256 + i] = strlen(extra[i]);
  n_vocab = n_text + 1509 + 99;
  if (wk_tokenizer_create_vocab(n_vocab, n_text, t, len, &tok) != WK_STATUS_OK)
    FZ_FAIL("tokenizer: %s", wk_last_error());
  free(t), free(len), free(file);
  wk_model_free(m); /* the tokenizer keeps copies */
}

/* Strict UTF-8 (Unicode Table 3-7: no overlongs, no surrogates, ≤ U+10FFFF). */
static int valid_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    int k;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) k = 1;
    else if (c >= 0xe0 && c <= 0xef) k = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) k = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else return 0;
    if (i + (size_t)k >= n) return 0; /* truncated at the end */
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (int j = 2; j <= k; j++)
      if (s[i + j] < 0x80 || s[i + j] > 0xbf) return 0;
    i += (size_t)k + 1;
  }
  return 1;
}

/* in[0 … n) through the streaming UTF-8 decoder → *out (malloc'd), returns its length. */
static size_t through_stream(const uint8_t *in, size_t n, char **out) {
  *out = malloc(WK_UTF8_STREAM_BOUND(n) + 3);
  if (!*out) FZ_FAIL("out of memory");
  wk_utf8_stream s;
  memset(&s, 0, sizeof s);
  size_t k = wk_utf8_stream_push(&s, in, n, *out);
  return k + wk_utf8_stream_flush(&s, *out + k);
}

static void check_text(const uint8_t *text, size_t len) {
  int *ids = malloc((len ? len : 1) * sizeof *ids);
  size_t n = 0;
  if (!ids) FZ_FAIL("out of memory");
  wk_status s = wk_tokenizer_encode(tok, (const char *)text, len, ids, len, &n);
  if (s != WK_STATUS_OK) FZ_FAIL("encode of %zu bytes: %s", len, wk_last_error());
  if (n > len) FZ_FAIL("encode: %zu tokens for %zu bytes", n, len);
  /* the tokens' bytes, concatenated, are the input */
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    if (ids[i] < 0 || ids[i] >= n_text) FZ_FAIL("encode gave id %d (n_text %d)", ids[i], n_text);
    size_t tl = 0;
    const uint8_t *tb = wk_tokenizer_bytes(tok, ids[i], &tl);
    if (!tb || tl == 0 || at + tl > len || memcmp(tb, text + at, tl))
      FZ_FAIL("token %zu (id %d) does not match the input at byte %zu", i, ids[i], at);
    at += tl;
  }
  if (at != len) FZ_FAIL("the tokens cover %zu of %zu bytes", at, len);
  if (n > 0) { /* one slot short is refused */
    size_t n2 = 0;
    if (wk_tokenizer_encode(tok, (const char *)text, len, ids, n - 1, &n2) == WK_STATUS_OK)
      FZ_FAIL("encode fit %zu tokens into %zu slots", n, n - 1);
  }
  char *out = NULL, *want = NULL;
  size_t out_len = 0;
  s = wk_tokenizer_decode(tok, ids, n, 0, &out, &out_len);
  if (s != WK_STATUS_OK) FZ_FAIL("decode: %s", wk_last_error());
  const size_t want_len = through_stream(text, len, &want);
  if (out_len != want_len || memcmp(out, want, want_len) || out[out_len] != 0)
    FZ_FAIL("decode(encode(x)) != utf8(x) (%zu vs %zu bytes)", out_len, want_len);
  if (!valid_utf8((const uint8_t *)out, out_len)) FZ_FAIL("decode: invalid UTF-8");
  if (valid_utf8(text, len) && (out_len != len || memcmp(out, text, len)))
    FZ_FAIL("valid UTF-8 input did not round-trip");
  wk_free(out), free(want), free(ids);
}

static void check_ids(fz *f) {
  const int flags = fz_u8(f) & 1 ? WK_DECODE_SPECIALS : 0;
  const size_t n = (f->n - f->i) / 2;
  int *ids = malloc((n ? n : 1) * sizeof *ids);
  uint8_t *raw = malloc(n * 64 + 1); /* the text tokens' bytes (every piece ≤ 64 bytes) */
  if (!ids || !raw) FZ_FAIL("out of memory");
  int valid = 1;
  size_t raw_len = 0;
  for (size_t i = 0; i < n; i++) {
    const uint32_t v = fz_u8(f) | (uint32_t)fz_u8(f) << 8;
    /* mostly in range; v ≥ 0xfff0 maps to the edges and beyond */
    ids[i] = v >= 0xfff0 ? (int)(v - 0xfff0) - 8 + ((v & 1) ? n_vocab : 0) : (int)(v % (uint32_t)n_vocab);
    valid &= ids[i] >= 0 && ids[i] < n_vocab;
    size_t tl = 0;
    const uint8_t *tb = valid ? wk_tokenizer_bytes(tok, ids[i], &tl) : NULL;
    if (tb) memcpy(raw + raw_len, tb, tl), raw_len += tl;
  }
  char *out = NULL;
  size_t out_len = 0;
  const wk_status s = wk_tokenizer_decode(tok, ids, n, flags, &out, &out_len);
  if ((s == WK_STATUS_OK) != valid)
    FZ_FAIL("decode of %zu ids: status %d, expected %s: %s", n, (int)s, valid ? "OK" : "an error",
            wk_last_error());
  if (s == WK_STATUS_OK) {
    if (!out || out[out_len] != 0)
      FZ_FAIL("decode: not NUL-terminated at its length");
    if (!valid_utf8((const uint8_t *)out, out_len)) FZ_FAIL("decode: invalid UTF-8");
    if (!flags) {
      char *want = NULL;
      const size_t want_len = through_stream(raw, raw_len, &want);
      if (want_len != out_len || memcmp(want, out, out_len))
        FZ_FAIL("decode != the tokens' bytes through the UTF-8 stream");
      free(want);
    }
  } else if (out) {
    FZ_FAIL("a failed decode returned text");
  }
  wk_free(out), free(ids), free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!tok) setup();
  if (size == 0) return 0;
  if (!(data[0] & 1)) {
    check_text(data + 1, size - 1);
  } else {
    fz f = {data + 1, size - 1, 0};
    check_ids(&f);
  }
  return 0;
}
