/* test_tokenizer.c — the Whisper tokenizer (src/decode/tokenizer.h): special ids per vocabulary
 * size against tokenizer.py's arithmetic, the pre-split pattern on hand-derived splits, the
 * rank-ordered merge, text → tokens → text round trips in many scripts on the synthetic tiny
 * and tiny.en vocabularies, the streaming UTF-8 assembler on split and ill-formed sequences,
 * languages and the suppression lists. */
#include <stdlib.h>
#include <string.h>

#include "decode/tokenizer.h"
#include "io/ggml.h"
#include "synth_model.h"
#include "test_util.h"

static wk_model *synth(const char *size, int english) {
  wk_synth_model_options o = {size, english, "f16", 1, 0};
  uint8_t *data = NULL;
  size_t len = 0;
  wk_model *m = NULL;
  if (wk_synth_model_write_memory(&o, &data, &len) || wk_model_load_memory(data, len, &m)) {
    fprintf(stderr, "synthetic %s%s: %s\n", size, english ? ".en" : "", wk_last_error());
    exit(1);
  }
  free(data);
  return m;
}

/* ── special ids: the numbers tokenizer.py's get_encoding gives ─────────────────────────────── */

static void check_specials(const wk_tokenizer *t, int n_vocab, int eot, int n_lang) {
  const wk_special_tokens *s = wk_tokenizer_special(t);
  const int sot = eot + 1, tr = sot + 1 + n_lang;
  CHECK(s->n_vocab == n_vocab && s->n_text == eot && s->eot == eot && s->sot == sot,
        "%d: eot %d sot %d", n_vocab, s->eot, s->sot);
  CHECK(s->language_begin == sot + 1 && s->n_languages == n_lang, "%d: languages %d", n_vocab, s->n_languages);
  CHECK(s->translate == tr && s->transcribe == tr + 1 && s->sot_lm == tr + 2 && s->sot_prev == tr + 3 &&
            s->no_speech == tr + 4 && s->no_timestamps == tr + 5 && s->timestamp_begin == tr + 6,
        "%d: translate %d timestamp_begin %d", n_vocab, s->translate, s->timestamp_begin);
  CHECK(s->timestamp_begin + WK_N_TIMESTAMPS == n_vocab, "%d: the last timestamp is the last id", n_vocab);
  CHECK(s->multilingual == (n_vocab >= 51865), "%d: multilingual", n_vocab);
}

static void test_special_ids(const wk_tokenizer *tiny, const wk_tokenizer *en, const wk_tokenizer *v3) {
  check_specials(tiny, 51865, 50257, 99);
  check_specials(en, 51864, 50256, 99);
  check_specials(v3, 51866, 50257, 100);
  /* the literal numbers from tokenizer.py (multilingual, .en, large-v3) */
  const wk_special_tokens *m = wk_tokenizer_special(tiny), *e = wk_tokenizer_special(en),
                          *v = wk_tokenizer_special(v3);
  CHECK(m->sot == 50258 && m->eot == 50257 && m->translate == 50358 && m->transcribe == 50359 &&
            m->sot_lm == 50360 && m->sot_prev == 50361 && m->no_speech == 50362 &&
            m->no_timestamps == 50363 && m->timestamp_begin == 50364 && m->language_begin == 50259,
        "multilingual ids");
  CHECK(e->eot == 50256 && e->sot == 50257 && e->language_begin == 50258 && e->translate == 50357 &&
            e->transcribe == 50358 && e->sot_lm == 50359 && e->sot_prev == 50360 &&
            e->no_speech == 50361 && e->no_timestamps == 50362 && e->timestamp_begin == 50363,
        ".en ids");
  CHECK(v->sot == 50258 && v->translate == 50359 && v->transcribe == 50360 && v->sot_lm == 50361 &&
            v->sot_prev == 50362 && v->no_speech == 50363 && v->no_timestamps == 50364 &&
            v->timestamp_begin == 50365,
        "large-v3 ids");

  char name[WK_SPECIAL_NAME_MAX];
  static const struct { int id; const char *name; } names[] = {
      {50257, "<|endoftext|>"}, {50258, "<|startoftranscript|>"}, {50259, "<|en|>"},
      {50260, "<|zh|>"},        {50357, "<|su|>"},                {50358, "<|translate|>"},
      {50359, "<|transcribe|>"}, {50360, "<|startoflm|>"},        {50361, "<|startofprev|>"},
      {50362, "<|nospeech|>"},  {50363, "<|notimestamps|>"},      {50364, "<|0.00|>"},
      {50364 + 54, "<|1.08|>"}, {50364 + 1500, "<|30.00|>"},      {50364 + 7, "<|0.14|>"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    wk_tokenizer_special_name(tiny, names[i].id, name, sizeof name);
    CHECK(!strcmp(name, names[i].name), "name of %d: %s, expected %s", names[i].id, name, names[i].name);
  }
  wk_tokenizer_special_name(v3, 50358, name, sizeof name);
  CHECK(!strcmp(name, "<|yue|>"), "large-v3 50358: %s", name);
  CHECK(wk_tokenizer_special_name(tiny, 100, name, sizeof name) == 0 && !name[0], "text id has no special name");
  CHECK(wk_tokenizer_special_name(tiny, 51865, name, sizeof name) == 0, "out of range");
  CHECK(wk_tokenizer_special_name(tiny, 50364, name, 4) == 0, "small buffer");

  /* languages */
  CHECK(wk_language_find("en") == 0 && wk_language_find("English") == 0 && wk_language_find("ZH") == 1 &&
            wk_language_find("mandarin") == 1 && wk_language_find("castilian") == 3 &&
            wk_language_find("yue") == 99 && wk_language_find("haw") == 93 &&
            wk_language_find("haitian creole") == 80 && wk_language_find("klingon") == -1,
        "language lookup");
  CHECK(!strcmp(wk_language_code(6), "fr") && !strcmp(wk_language_name(22), "greek") && !wk_language_code(100),
        "language table");
  CHECK(wk_tokenizer_language_token(tiny, 6) == 50265 && wk_tokenizer_language_token(tiny, 99) == -1 &&
            wk_tokenizer_language_token(v3, 99) == 50358 && wk_tokenizer_token_language(tiny, 50265) == 6 &&
            wk_tokenizer_token_language(tiny, 50258) == -1 && wk_tokenizer_language_token(en, 0) == 50258,
        "language tokens");
}

/* ── pre-split and merge on hand-made vocabularies ─────────────────────────────────────────── */

/* A tokenizer of the 256 bytes plus `extra` tokens (ids 256 …), with no languages. */
static wk_tokenizer *small_vocab(const char *const *extra, int n_extra) {
  const int n = 256 + n_extra;
  const uint8_t **tok = malloc((size_t)n * sizeof *tok);
  size_t *len = malloc((size_t)n * sizeof *len);
  static uint8_t bytes[256];
  for (int b = 0; b < 256; b++) bytes[b] = (uint8_t)b, tok[b] = bytes + b, len[b] = 1;
  for (int i = 0; i < n_extra; i++) tok[256 + i] = (const uint8_t *)extra[i], len[256 + i] = strlen(extra[i]);
  wk_tokenizer *t = NULL;
  if (wk_tokenizer_create_vocab(n + 1509, n, tok, len, &t)) {
    fprintf(stderr, "small vocabulary: %s\n", wk_last_error());
    exit(1);
  }
  free(tok), free(len);
  return t;
}

/* With every expected piece (and some strings crossing pieces) in the vocabulary, encode must
 * give exactly the pieces: the pre-split is what the pattern matches. */
static void check_split(const char *text, const char *const *pieces, int n) {
  const char *extra[64];
  int k = 0;
  for (int i = 0; i < n; i++)
    if (strlen(pieces[i]) > 1) extra[k++] = pieces[i];
  extra[k++] = text; /* the whole text: it must never match across pieces */
  wk_tokenizer *t = small_vocab(extra, k);
  int ids[256];
  size_t m = 0;
  const wk_status st = wk_tokenizer_encode(t, text, strlen(text), ids, 256, &m);
  int ok = !st && m == (size_t)n;
  for (size_t i = 0; ok && i < m; i++) {
    size_t l;
    const uint8_t *b = wk_tokenizer_bytes(t, ids[i], &l);
    ok = l == strlen(pieces[i]) && !memcmp(b, pieces[i], l);
  }
  CHECK(ok, "split of \"%s\": %zu tokens (expected %d)", text, m, n);
  wk_tokenizer_free(t);
}

static void test_presplit(void) {
  { const char *p[] = {"Hello", " world", "'s", " 123", " foo", "!!", " ", " bar", "\n", "\n", "baz", "   "};
    check_split("Hello world's 123 foo!!  bar\n\nbaz   ", p, 12); }
  { const char *p[] = {"I", "'m", " can", "'t", " they", "'", "RE", " we", "'ve", "'ll", "'d", "'re"};
    check_split("I'm can't they'RE we've'll'd're", p, 12); }
  { const char *p[] = {"abc", "123", "def", " 4", ".", "5", " x", "²"};
    check_split("abc123def 4.5 x²", p, 8); }
  { const char *p[] = {"naïve", " café", " 日本語テキスト", " Привет", " мир", "，", "Ελληνικά"};
    check_split("naïve café 日本語テキスト Привет мир，Ελληνικά", p, 7); }
  /* Devanagari vowel signs and virama are marks (Mn/Mc), not letters */
  { const char *p[] = {"नमस", "्", "त", "े", " द", "ु", "न", "ि", "य", "ा"};
    check_split("नमस्ते दुनिया", p, 10); }
  { const char *p[] = {" ", "\xc2\xa0", "a", " ", "\xe3\x80\x80", "b"}; /* NBSP, ideographic space */
    check_split(" \xc2\xa0" "a \xe3\x80\x80" "b", p, 6); }
  { const char *p[] = {"hi", " 😀😀!", " \xff\xfe", "b", "\xc3"};
    check_split("hi 😀😀! \xff\xfe" "b\xc3", p, 5); }
  { const char *p[] = {"مرحبا", " بالعالم", " ١٢٣"};
    check_split("مرحبا بالعالم ١٢٣", p, 3); }

  /* merge order: the lowest-ranked pair first, not the leftmost */
  const char *extra[] = {"bc", "ab", "abc", "bcd"};
  wk_tokenizer *t = small_vocab(extra, 4);
  int ids[8];
  size_t m = 0;
  wk_tokenizer_encode(t, "abcd", 4, ids, 8, &m);
  CHECK(m == 2 && ids[0] == 258 && ids[1] == 'd', "abcd → [abc, d]: %zu tokens %d %d", m, ids[0], ids[1]);
  wk_tokenizer_encode(t, "xbcd", 4, ids, 8, &m);
  CHECK(m == 2 && ids[0] == 'x' && ids[1] == 259, "xbcd → [x, bcd]");
  CHECK(wk_tokenizer_encode(t, "abcd", 4, ids, 1, &m) == WK_STATUS_INVALID_ARGUMENT, "cap too small");
  CHECK(wk_tokenizer_encode(t, NULL, 3, ids, 8, &m) == WK_STATUS_INVALID_ARGUMENT, "NULL text");
  CHECK(wk_tokenizer_encode(t, "", 0, ids, 8, &m) == WK_STATUS_OK && m == 0, "empty text");
  wk_tokenizer_free(t);

  /* no room for the special tokens */
  const uint8_t *tok[1] = {(const uint8_t *)"a"};
  size_t len[1] = {1};
  wk_tokenizer *bad = NULL;
  CHECK(wk_tokenizer_create_vocab(1 + 1508, 1, tok, len, &bad) == WK_STATUS_BAD_FORMAT && !bad, "too few ids");
  CHECK(wk_tokenizer_create_vocab(1 + 1510 + 100, 1, tok, len, &bad) == WK_STATUS_BAD_FORMAT, "too many ids");
}

/* ── round trips on the synthetic vocabularies ─────────────────────────────────────────────── */

static const char *const texts[] = {
    " And so my fellow Americans, ask not what your country can do for you.",
    "Hello world! It's 3:45pm; they'll say \"no\" (maybe) -- 100% sure?",
    " Où est la bibliothèque? Ça coûte 12,50 € — déjà vu, naïve garçon.",
    " Größe, Übermäßig, Straße: schön ärgerlich öfter.",
    " Привет, мир! Съешь же ещё этих мягких французских булок.",
    " Γειά σου κόσμε· αβγδ ΑΒΓΔ.",
    "我们今天去公园散步，天气很好。",
    "日本語のテキスト、カタカナとひらがな。漢字も！",
    " مرحبا بالعالم، كيف حالك؟ ١٢٣",
    " नमस्ते दुनिया, आप कैसे हैं?",
    "emoji 😀🎉👍🏽 and ♪♪ music ♩",
    "tabs\tand\nnewlines\r\n  multiple   spaces   ",
    "invalid \xff\xfe bytes \xc3( and \xe2\x80 cut \xf0\x9f\x98 end\xc3",
    "\xed\xa0\x80 surrogate, \xc0\xaf overlong, \xf4\x90\x80\x80 too big",
    "'s 't 're 've 'm 'll 'd ''s '",
    "",
    " ",
};

static void test_round_trip(const wk_tokenizer *t, const char *what) {
  size_t total_bytes = 0, total_tokens = 0;
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    const char *s = texts[i];
    const size_t n = strlen(s);
    int *ids = malloc((n + 1) * sizeof *ids);
    size_t m = 0;
    CHECK(wk_tokenizer_encode(t, s, n, ids, n, &m) == WK_STATUS_OK, "%s: encode %zu: %s", what, i, wk_last_error());
    /* the raw bytes of the tokens are the text, byte for byte (invalid bytes included) */
    size_t at = 0;
    int same = 1;
    for (size_t k = 0; k < m; k++) {
      size_t l;
      const uint8_t *b = wk_tokenizer_bytes(t, ids[k], &l);
      same = same && b && at + l <= n && !memcmp(s + at, b, l);
      at += l;
    }
    CHECK(same && at == n, "%s: text %zu: token bytes differ from the text", what, i);
    /* decode: valid UTF-8 text equals the input */
    char *out = NULL;
    size_t len = 0;
    CHECK(wk_tokenizer_decode(t, ids, m, 0, &out, &len) == WK_STATUS_OK, "%s: decode", what);
    if (i < 12 || i >= 15) CHECK(out && len == n && !memcmp(out, s, n), "%s: text %zu round trip: '%s'", what, i, out);
    wk_free(out);
    total_bytes += n, total_tokens += m;
    free(ids);
  }
  /* the synthetic vocabulary has letter pairs and words: merging must shorten English text */
  int ids[128];
  size_t m = 0;
  wk_tokenizer_encode(t, texts[0], strlen(texts[0]), ids, 128, &m);
  CHECK(m < strlen(texts[0]) * 3 / 4, "%s: %zu tokens for %zu bytes: no merges?", what, m, strlen(texts[0]));
  printf("%s: %zu bytes → %zu tokens over %zu texts\n", what, total_bytes, total_tokens,
         sizeof texts / sizeof texts[0]);
}

/* Python's bytes.decode("utf-8", "replace") of the invalid texts (maximal subparts → U+FFFD). */
static void test_decode_invalid(const wk_tokenizer *t) {
  static const struct { const char *in, *out; } cases[] = {
      {"invalid \xff\xfe bytes \xc3( and \xe2\x80 cut \xf0\x9f\x98 end\xc3",
       "invalid \xef\xbf\xbd\xef\xbf\xbd bytes \xef\xbf\xbd( and \xef\xbf\xbd cut \xef\xbf\xbd end\xef\xbf\xbd"},
      {"\xed\xa0\x80 surrogate, \xc0\xaf overlong, \xf4\x90\x80\x80 too big",
       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate, \xef\xbf\xbd\xef\xbf\xbd overlong, "
       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd too big"},
      {"\xe2\x82\xac\xe2\x82", "€\xef\xbf\xbd"},
      {"\xf0\x9f\x98\x80", "😀"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const size_t n = strlen(cases[i].in);
    int ids[256];
    size_t m = 0;
    char *out = NULL;
    size_t len = 0;
    wk_tokenizer_encode(t, cases[i].in, n, ids, 256, &m);
    wk_tokenizer_decode(t, ids, m, 0, &out, &len);
    CHECK(out && !strcmp(out, cases[i].out) && len == strlen(cases[i].out), "invalid case %zu: '%s'", i, out);
    wk_free(out);
  }
  /* specials: skipped, or rendered */
  const wk_special_tokens *s = wk_tokenizer_special(t);
  int ids[] = {s->sot, s->language_begin, s->transcribe, s->timestamp_begin, 'H', 'i', s->timestamp_begin + 54, s->eot};
  char *out = NULL;
  size_t len = 0;
  wk_tokenizer_decode(t, ids, 8, 0, &out, &len);
  CHECK(out && !strcmp(out, "Hi"), "specials skipped: '%s'", out);
  wk_free(out);
  wk_tokenizer_decode(t, ids, 8, WK_DECODE_SPECIALS, &out, &len);
  CHECK(out && !strcmp(out, "<|startoftranscript|><|en|><|transcribe|><|0.00|>Hi<|1.08|><|endoftext|>"),
        "specials rendered: '%s'", out);
  wk_free(out);
  /* a code point split across tokens (byte tokens E2 | 80 | 94 = "—") */
  int dash[] = {0xe2, 0x80, 0x94};
  wk_tokenizer_decode(t, dash, 3, 0, &out, &len);
  CHECK(out && !strcmp(out, "—"), "split code point: '%s'", out);
  wk_free(out);
  int bad[] = {5, s->n_vocab};
  CHECK(wk_tokenizer_decode(t, bad, 2, 0, &out, &len) == WK_STATUS_INVALID_ARGUMENT && !out, "id ≥ n_vocab");
  bad[1] = -1;
  CHECK(wk_tokenizer_decode(t, bad, 2, 0, &out, &len) == WK_STATUS_INVALID_ARGUMENT, "negative id");
}

/* ── the streaming assembler ───────────────────────────────────────────────────────────────── */

static void test_stream(void) {
  char out[64];
  wk_utf8_stream s = {0};
  /* "é" split 1 | 1, "€" split 1 | 1 | 1, "😀" split 2 | 2 */
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"a\xc3", 2, out) == 1 && out[0] == 'a', "held é");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\xa9", 1, out) == 2 && !memcmp(out, "é", 2), "é");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\xe2", 1, out) == 0, "held € 1");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\x82", 1, out) == 0, "held € 2");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\xac", 1, out) == 3 && !memcmp(out, "€", 3), "€");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\xf0\x9f", 2, out) == 0, "held 😀");
  CHECK(wk_utf8_stream_push(&s, (const uint8_t *)"\x98\x80", 2, out) == 4 && !memcmp(out, "😀", 4), "😀");
  CHECK(wk_utf8_stream_flush(&s, out) == 0, "nothing pending");
  /* a cut sequence then ASCII: U+FFFD, then the byte */
  size_t w = wk_utf8_stream_push(&s, (const uint8_t *)"\xe2\x80", 2, out);
  w += wk_utf8_stream_push(&s, (const uint8_t *)"a", 1, out + w);
  CHECK(w == 4 && !memcmp(out, "\xef\xbf\xbd" "a", 4), "cut then ASCII");
  /* a cut sequence then a new lead byte */
  w = wk_utf8_stream_push(&s, (const uint8_t *)"\xc3", 1, out);
  w += wk_utf8_stream_push(&s, (const uint8_t *)"\xc3\xa9", 2, out + w);
  CHECK(w == 5 && !memcmp(out, "\xef\xbf\xbd" "é", 5), "cut then lead");
  /* dangling at the end */
  w = wk_utf8_stream_push(&s, (const uint8_t *)"\xf0\x9f\x98", 3, out);
  CHECK(w == 0 && wk_utf8_stream_flush(&s, out) == 3 && !memcmp(out, "\xef\xbf\xbd", 3), "dangling");
  /* the bound holds for the worst input: pending sequence + invalid bytes */
  uint8_t worst[8] = {0xf0, 0x9f, 0x98, 0xff, 0xc0, 0x80, 0xf5, 0xfe};
  w = wk_utf8_stream_push(&s, worst, 3, out);
  w = wk_utf8_stream_push(&s, worst + 3, 5, out);
  CHECK(w <= WK_UTF8_STREAM_BOUND(5) && w == 18, "worst case: %zu bytes", w);
  wk_utf8_stream_flush(&s, out);
}

/* ── suppression lists ─────────────────────────────────────────────────────────────────────── */

static int contains(const int *ids, size_t n, int id) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id) return 1;
  return 0;
}

static int first_of(const wk_tokenizer *t, const char *s) {
  int ids[32];
  size_t m = 0;
  return wk_tokenizer_encode(t, s, strlen(s), ids, 32, &m) || !m ? -1 : ids[0];
}

static void test_lists(const wk_tokenizer *t, const char *what) {
  const wk_special_tokens *s = wk_tokenizer_special(t);
  size_t n, ns, nb;
  const int *non = wk_tokenizer_non_speech_tokens(t, &n), *sup = wk_tokenizer_suppress_tokens(t, &ns),
            *blank = wk_tokenizer_blank_tokens(t, &nb);
  int sorted = 1;
  for (size_t i = 1; i < n; i++) sorted = sorted && non[i - 1] < non[i];
  for (size_t i = 1; i < ns; i++) sorted = sorted && sup[i - 1] < sup[i];
  CHECK(sorted && n >= 20 && non[n - 1] < s->eot, "%s: %zu non-speech tokens, sorted and text", what, n);
  /* single-byte symbols are single tokens: all of them are in; so are " -" and " '"'s first */
  CHECK(contains(non, n, '"') && contains(non, n, '#') && contains(non, n, '~') && contains(non, n, '[') &&
            contains(non, n, first_of(t, " -")) && contains(non, n, first_of(t, " '")) &&
            contains(non, n, first_of(t, "♪")) && contains(non, n, first_of(t, " ♩")),
        "%s: expected non-speech members", what);
  CHECK(!contains(non, n, ',') && !contains(non, n, '.') && !contains(non, n, '?') && !contains(non, n, '-'),
        "%s: punctuation kept", what);
  CHECK(ns == n + 6 && contains(sup, ns, s->sot) && contains(sup, ns, s->no_speech) &&
            contains(sup, ns, s->sot_lm) && contains(sup, ns, s->translate) && !contains(sup, ns, s->eot),
        "%s: suppress list", what);
  CHECK(nb == 2 && blank[0] == first_of(t, " ") && blank[1] == s->eot, "%s: blank list", what);
  printf("%s: %zu non-speech tokens, %zu suppressed by default\n", what, n, ns);
}

int main(void) {
  wk_model *m_tiny = synth("tiny", 0), *m_en = synth("tiny", 1);
  wk_tokenizer *tiny = NULL, *en = NULL, *v3 = NULL;
  CHECK(wk_tokenizer_create(m_tiny, &tiny) == WK_STATUS_OK, "tiny: %s", wk_last_error());
  CHECK(wk_tokenizer_create(m_en, &en) == WK_STATUS_OK, "tiny.en: %s", wk_last_error());
  CHECK(wk_tokenizer_create(NULL, &v3) == WK_STATUS_INVALID_ARGUMENT, "NULL model");
  /* large-v3's ids: its vocabulary is the multilingual one, n_vocab 51866 */
  const int stored = wk_model_vocab_size(m_tiny);
  const uint8_t **tok = malloc((size_t)stored * sizeof *tok);
  size_t *len = malloc((size_t)stored * sizeof *len);
  for (int i = 0; i < stored; i++) tok[i] = wk_model_token(m_tiny, i, &len[i]);
  CHECK(wk_tokenizer_create_vocab(51866, stored, tok, len, &v3) == WK_STATUS_OK, "v3: %s", wk_last_error());
  free(tok), free(len);
  wk_model_free(m_tiny), wk_model_free(m_en); /* the tokenizers keep their own copy */
  if (!tiny || !en || !v3) return wk_test_finish("test_tokenizer");

  test_special_ids(tiny, en, v3);
  test_presplit();
  test_round_trip(tiny, "tiny");
  test_round_trip(en, "tiny.en");
  test_decode_invalid(tiny);
  test_stream();
  test_lists(tiny, "tiny");
  test_lists(en, "tiny.en");
  wk_tokenizer_free(tiny), wk_tokenizer_free(en), wk_tokenizer_free(v3);
  wk_tokenizer_free(NULL);
  return wk_test_finish("test_tokenizer");
}
