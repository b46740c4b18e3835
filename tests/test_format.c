/* test_format.c — the transcript writers (src/decode/format.h): txt/srt/vtt/tsv golden output
 * (utils.py's rules: stripping, "-->" → "->", srt times with a comma and hours, vtt with a dot
 * and hours only when nonzero, hours past 99, tsv's integer milliseconds and tabs made spaces,
 * round half to even), invalid UTF-8 → U+FFFD,
 * argument checks, atomic file writes (a failed write leaves the old file or none, and no
 * temporary file), write errors (/dev/full); with word timestamps, goldens from utils.py itself:
 * srt/vtt word-level cues under each subtitle option and combinations (line breaks by width in
 * code points, cues by line count and long pause, chunks of max_words_per_line, highlighting
 * with its gap cues), words with "\n", "-->", Unicode spaces, empty and invalid UTF-8 words,
 * segments without words, the json "words", and the words' and options' checks.
 * `test_format --json PATH`: writes the json of the same transcript (plus segments whose
 * compression_ratio is wk_compression_ratio of their text) for test_format_json.sh. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/format.h"
#include "test_util.h"

static const int toks0[] = {50364, 2425, 1002, 50489};
static const wk_segment segs[] = {
    {0.0, 2.5, " Hello world.", toks0, 4, 0, 0.0, -0.25, 1.5, 0.01, NULL, 0},
    {2.5, 62.345, "  Arrow --> here\t--->  ", NULL, 0, 0, 0.2, -0.5, 2.0, 0.02, NULL, 0},
    {62.345, 3725.5, "\xe3\x80\x80日本語 \xff\x1f", NULL, 0, 6000, 0.0, -1.0, 1.0, 0.5, NULL, 0},
    {3725.5, 360000.0, "x", NULL, 0, 372000, 1.0, -2.0, 3.0, 0.9, NULL, 0},
};
#define N_SEGS 4

static const char golden_txt[] = "Hello world.\nArrow --> here\t--->\n日本語 \xef\xbf\xbd\nx\n";
static const char golden_srt[] =
    "1\n00:00:00,000 --> 00:00:02,500\nHello world.\n\n"
    "2\n00:00:02,500 --> 00:01:02,345\nArrow -> here\t-->\n\n"
    "3\n00:01:02,345 --> 01:02:05,500\n日本語 \xef\xbf\xbd\n\n"
    "4\n01:02:05,500 --> 100:00:00,000\nx\n\n";
static const char golden_vtt[] =
    "WEBVTT\n\n"
    "00:00.000 --> 00:02.500\nHello world.\n\n"
    "00:02.500 --> 01:02.345\nArrow -> here\t-->\n\n"
    "01:02.345 --> 01:02:05.500\n日本語 \xef\xbf\xbd\n\n"
    "01:02:05.500 --> 100:00:00.000\nx\n\n";
static const char golden_tsv[] =
    "start\tend\ttext\n"
    "0\t2500\tHello world.\n"
    "2500\t62345\tArrow --> here --->\n"
    "62345\t3725500\t日本語 \xef\xbf\xbd\n"
    "3725500\t360000000\tx\n";

/* The output of one format as a string (malloc'd). */
static char *render(const wk_transcript *tr, wk_format fmt, wk_status *st) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *st = wk_transcript_write(tr, fmt, f);
  fclose(f);
  return buf;
}

static void test_golden(void) {
  const wk_transcript tr = {segs, N_SEGS, NULL, "en", 0, {0, 0, 0, 0}};
  const struct { wk_format f; const char *golden; } cases[] = {
      {WK_FORMAT_TXT, golden_txt}, {WK_FORMAT_SRT, golden_srt}, {WK_FORMAT_VTT, golden_vtt},
      {WK_FORMAT_TSV, golden_tsv}};
  for (int i = 0; i < 4; i++) {
    wk_status st;
    char *out = render(&tr, cases[i].f, &st);
    CHECK(st == WK_STATUS_OK && !strcmp(out, cases[i].golden), "%s:\n%s\n--- expected:\n%s",
          wk_format_extension(cases[i].f), out, cases[i].golden);
    free(out);
  }
  /* no segments: an empty transcript (vtt keeps its header) */
  const wk_transcript empty = {NULL, 0, NULL, NULL, 0, {0, 0, 0, 0}};
  wk_status st;
  char *out = render(&empty, WK_FORMAT_VTT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, "WEBVTT\n\n"), "empty vtt");
  free(out);
  out = render(&empty, WK_FORMAT_SRT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, ""), "empty srt");
  free(out);
}

static void test_timestamps(void) {
  static const struct { double s; int hours; char mark; const char *out; } cases[] = {
      {0.0, 1, ',', "00:00:00,000"}, {0.0, 0, '.', "00:00.000"}, {59.999, 0, '.', "00:59.999"},
      {59.9996, 0, '.', "01:00.000"}, {3599.9995, 1, ',', "01:00:00,000"}, {3600, 0, '.', "01:00:00.000"},
      {0.0125, 0, '.', "00:00.012"}, /* 12.5 ms: half to even */
      {0.0135, 0, '.', "00:00.014"}, {30.0, 0, '.', "00:30.000"}, {359999.999, 1, ',', "99:59:59,999"},
      {360000, 1, ',', "100:00:00,000"}, {3.6e9, 1, ',', "1000000:00:00,000"}};
  char buf[WK_TIMESTAMP_MAX];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wk_format_timestamp(cases[i].s, cases[i].hours, cases[i].mark, buf);
    CHECK(!strcmp(buf, cases[i].out), "timestamp %.17g: %s, expected %s", cases[i].s, buf, cases[i].out);
  }
  CHECK(wk_format_timestamp(-0.001, 0, '.', buf) == 0 && !buf[0], "negative");
  CHECK(wk_format_timestamp(NAN, 0, '.', buf) == 0 && wk_format_timestamp(INFINITY, 0, '.', buf) == 0, "not finite");
  CHECK(wk_format_timestamp(3.7e9, 0, '.', buf) == 0, "past the cap");
}

static void test_args(void) {
  wk_format f;
  CHECK(wk_format_parse("srt", &f) == WK_STATUS_OK && f == WK_FORMAT_SRT, "parse srt");
  CHECK(wk_format_parse("json", &f) == WK_STATUS_OK && f == WK_FORMAT_JSON, "parse json");
  CHECK(wk_format_parse("tsv", &f) == WK_STATUS_OK && f == WK_FORMAT_TSV, "parse tsv");
  CHECK(wk_format_parse("doc", &f) == WK_STATUS_INVALID_ARGUMENT && wk_format_parse("", &f) == WK_STATUS_INVALID_ARGUMENT, "parse doc");
  CHECK(!strcmp(wk_format_extension(WK_FORMAT_VTT), "vtt") && !wk_format_extension((wk_format)9), "extension");
  wk_segment bad[N_SEGS];
  const struct { int field; double v; } cases[] = {{0, NAN}, {1, INFINITY}, {0, -1}, {0, 100} /* after its end */, {1, 4e9}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(bad, segs, sizeof bad);
    if (cases[i].field == 0) bad[1].start = cases[i].v;
    else bad[1].end = cases[i].v;
    const wk_transcript tr = {bad, N_SEGS, NULL, "en", 0, {0, 0, 0, 0}};
    wk_status st;
    char *out = render(&tr, WK_FORMAT_SRT, &st);
    CHECK(st == WK_STATUS_INVALID_ARGUMENT && !strcmp(out, ""), "bad time %zu: nothing written", i);
    CHECK(strstr(wk_last_error(), "segment 1"), "message names the segment: %s", wk_last_error());
    free(out);
  }
  memcpy(bad, segs, sizeof bad);
  bad[2].text = NULL;
  wk_transcript tr = {bad, N_SEGS, NULL, "en", 0, {0, 0, 0, 0}};
  wk_status st;
  free(render(&tr, WK_FORMAT_TXT, &st));
  CHECK(st == WK_STATUS_INVALID_ARGUMENT, "NULL text");
  memcpy(bad, segs, sizeof bad);
  bad[1].n_tokens = 3;
  free(render(&tr, WK_FORMAT_JSON, &st));
  CHECK(st == WK_STATUS_INVALID_ARGUMENT, "NULL tokens");
  CHECK(wk_transcript_write(NULL, WK_FORMAT_TXT, stdout) == WK_STATUS_INVALID_ARGUMENT, "NULL transcript");
  tr.segments = segs;
  CHECK(wk_transcript_write(&tr, WK_FORMAT_TXT, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL file");
  /* a write error: /dev/full */
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    CHECK(wk_transcript_write(&tr, WK_FORMAT_SRT, full) == WK_STATUS_IO_ERROR, "/dev/full srt");
    clearerr(full);
    CHECK(wk_transcript_write(&tr, WK_FORMAT_JSON, full) == WK_STATUS_IO_ERROR, "/dev/full json");
    fclose(full);
  }
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 16);
  fread(buf, 1, (1 << 16) - 1, f);
  fclose(f);
  return buf;
}

/* Files in dir other than `keep`. */
static int stray_files(const char *dir, const char *keep) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!keep || strcmp(e->d_name, keep))) n++;
  if (d) closedir(d);
  return n;
}

static void test_atomic(void) {
  char dir[] = "/tmp/whisk-format-XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp");
    return;
  }
  char path[320], sub[256], missing[256];
  snprintf(path, sizeof path, "%s/out.srt", dir);
  const wk_transcript tr = {segs, N_SEGS, NULL, "en", 0, {0, 0, 0, 0}};
  CHECK(wk_transcript_write_file(&tr, WK_FORMAT_SRT, path) == WK_STATUS_OK, "write: %s", wk_last_error());
  char *got = slurp(path);
  CHECK(got && !strcmp(got, golden_srt), "file content");
  free(got);
  CHECK(stray_files(dir, "out.srt") == 0, "no temporary file left");
  struct stat sb;
  CHECK(!stat(path, &sb) && (sb.st_mode & 0777) == (0666 & ~(unsigned)umask(022)), "mode 0666 & ~umask: %o",
        (unsigned)(sb.st_mode & 0777));

  /* a failing write (a bad segment) keeps the old file */
  wk_segment bad[N_SEGS];
  memcpy(bad, segs, sizeof bad);
  bad[3].end = NAN;
  const wk_transcript trb = {bad, N_SEGS, NULL, "en", 0, {0, 0, 0, 0}};
  FILE *f = fopen(path, "w");
  fputs("old", f), fclose(f);
  CHECK(wk_transcript_write_file(&trb, WK_FORMAT_VTT, path) == WK_STATUS_INVALID_ARGUMENT, "bad segment");
  got = slurp(path);
  CHECK(got && !strcmp(got, "old"), "old file kept");
  free(got);
  CHECK(stray_files(dir, "out.srt") == 0, "no temporary file after a failure");

  /* a failing rename (the final name is a directory): no final file, no temporary file */
  snprintf(sub, sizeof sub, "%s/d.vtt", dir);
  mkdir(sub, 0700);
  snprintf(path, sizeof path, "%s/x", sub); /* not empty: no rename may replace it */
  fclose(fopen(path, "w"));
  CHECK(wk_transcript_write_file(&tr, WK_FORMAT_VTT, sub) == WK_STATUS_IO_ERROR, "rename onto a directory");
  unlink(path);
  CHECK(stray_files(dir, NULL) == 2, "only out.srt and d.vtt: %d entries", stray_files(dir, NULL));
  rmdir(sub);

  /* a directory that does not exist: IO_ERROR, nothing created */
  snprintf(missing, sizeof missing, "%s/no/such/out.txt", dir);
  CHECK(wk_transcript_write_file(&tr, WK_FORMAT_TXT, missing) == WK_STATUS_IO_ERROR, "missing directory");
  CHECK(wk_transcript_write_file(&tr, WK_FORMAT_TXT, "") == WK_STATUS_INVALID_ARGUMENT, "empty path");

  snprintf(path, sizeof path, "%s/out.srt", dir);
  unlink(path);
  CHECK(stray_files(dir, NULL) == 0, "directory empty at the end");
  rmdir(dir);
}

static void test_compression(void) {
  /* a repetitive text compresses well (the fallback's > 2.4), a short one not at all */
  char rep[2001];
  for (int i = 0; i < 2000; i++) rep[i] = "the cat "[i % 8];
  rep[2000] = 0;
  const double r = wk_compression_ratio(rep, 2000), s = wk_compression_ratio("Hello.", 6);
  CHECK(r > 20 && s < 1, "ratios %g %g", r, s);
  CHECK(wk_compression_ratio("", 0) == 0, "empty text: 0 (Python: 0 / 8)");
}

/* The json for test_format_json.sh: the golden segments, and texts whose compression ratio the
 * script recomputes with Python's zlib. */
static int write_json(const char *path) {
  static const char *const texts[] = {
      " Hello world.", " the the the the the the the the the the the the the the",
      " Ça coûte 12,50 € — déjà vu. 日本語のテキスト 😀", " a"};
  wk_segment s[N_SEGS + 4];
  memcpy(s, segs, sizeof segs);
  for (int i = 0; i < 4; i++) {
    s[N_SEGS + i] = (wk_segment){400.0 + i, 401.0 + i, texts[i], toks0, 4, 40000, 0.4, -0.1 * i, 0, 0.125, NULL, 0};
    s[N_SEGS + i].compression_ratio = wk_compression_ratio(texts[i], strlen(texts[i]));
  }
  const wk_transcript tr = {s, N_SEGS + 4, NULL, "en", 0, {0, 0, 0, 0}};
  if (wk_transcript_write_file(&tr, WK_FORMAT_JSON, path)) {
    fprintf(stderr, "json: %s\n", wk_last_error());
    return 1;
  }
  return 0;
}

/* wk_text_strip on invalid UTF-8 (a prompt or a caller's segment text): each ill-formed byte is
 * one non-space character and nothing past len is read (the buffers are exactly len long, so
 * ASan catches an over-read). */
static void test_strip_invalid(void) {
  static const struct {
    const char *s;
    size_t n, b, e;
  } cases[] = {
      {" a\xe3", 3, 1, 3},            /* a lead byte cut off at the end */
      {"\xf0\x9f ", 3, 0, 2},        /* a 4-byte lead, one continuation (each one char), a space */
      {"  \x80\x80  ", 6, 2, 4},     /* stray continuation bytes */
      {"\xff", 1, 0, 1},              /* never valid */
      {"\xe3\x80\x80x\xe3\x80\x80", 7, 3, 4}, /* U+3000 (ideographic space) is a space */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *buf = malloc(cases[i].n);
    memcpy(buf, cases[i].s, cases[i].n);
    size_t b = 99, e = 99;
    wk_text_strip(buf, cases[i].n, &b, &e);
    CHECK(b == cases[i].b && e == cases[i].e, "strip case %zu: [%zu, %zu), expected [%zu, %zu)", i,
          b, e, cases[i].b, cases[i].e);
    free(buf);
  }
}

/* ── word timestamps ───────────────────────────────────────────────────────────────────────────
 * The goldens below are openai/whisper's utils.py output (WriteSRT / WriteVTT run on the same
 * transcript); tests/format_ref.py compares thousands of random transcripts the same way. */

static const wk_word words0[] = {{" Hello", 0.0, 0.5, 0.875}, {" world.", 0.5, 1.0, 0.5}};
static const wk_word words1[] = {{" How", 1.2, 1.5, 0.25}, {" are", 1.5, 1.7, 1.0}, {" you?", 1.7, 2.0, 0.75}};
/* 6.0 − 1.7 > 3 s: a long pause; widths in code points: " 日本" 3, "語" 1, " です" 3 */
static const wk_word words2[] = {{" 日本", 6.0, 6.5, 0.5}, {"語", 6.5, 7.0, 0.5}, {" です", 7.0, 7.5, 0.5}};
static const wk_segment wsegs[] = {
    {0.0, 1.0, " Hello world.", NULL, 0, 0, 0.0, -0.25, 1.5, 0.01, words0, 2},
    {1.2, 2.0, " How are you?", NULL, 0, 0, 0.0, -0.25, 1.5, 0.01, words1, 3},
    {6.0, 7.5, " 日本語 です", NULL, 0, 0, 0.0, -0.25, 1.5, 0.01, words2, 3},
    {8.0, 8.0, "", NULL, 0, 0, 0.0, -0.25, 1.5, 0.01, NULL, 0}, /* no words: no cue */
};
#define N_WSEGS 4

static wk_transcript words_transcript(int highlight, int width, int count, int per_line) {
  return (wk_transcript){wsegs, N_WSEGS, NULL, "en", 1, {highlight, width, count, per_line}};
}

static void test_words_subtitles(void) {
  static const struct {
    wk_subtitle_options o;
    const char *srt, *vtt;
  } cases[] = {
      {{0, 0, 0, 0}, /* utils.py's defaults: a cue per segment, its first word stripped */
       "1\n00:00:00,000 --> 00:00:01,000\nHello world.\n\n2\n00:00:01,200 --> 00:00:02,000\nHow are you?\n\n"
       "3\n00:00:06,000 --> 00:00:07,500\n日本語 です\n\n",
       "WEBVTT\n\n00:00.000 --> 00:01.000\nHello world.\n\n00:01.200 --> 00:02.000\nHow are you?\n\n"
       "00:06.000 --> 00:07.500\n日本語 です\n\n"},
      {{0, 10, 0, 0}, /* width alone: line breaks, segments kept */
       "1\n00:00:00,000 --> 00:00:01,000\nHello\nworld.\n\n2\n00:00:01,200 --> 00:00:02,000\nHow are\nyou?\n\n"
       "3\n00:00:06,000 --> 00:00:07,500\n日本語 です\n\n",
       NULL},
      {{0, 10, 1, 0}, /* width and count: segments merged, a cue per line */
       "1\n00:00:00,000 --> 00:00:00,500\nHello\n\n2\n00:00:00,500 --> 00:00:01,500\nworld. How\n\n"
       "3\n00:00:01,500 --> 00:00:02,000\nare you?\n\n4\n00:00:06,000 --> 00:00:07,500\n日本語 です\n\n",
       "WEBVTT\n\n00:00.000 --> 00:00.500\nHello\n\n00:00.500 --> 00:01.500\nworld. How\n\n"
       "00:01.500 --> 00:02.000\nare you?\n\n00:06.000 --> 00:07.500\n日本語 です\n\n"},
      {{0, 12, 2, 0}, /* two lines a cue; the long pause before 日本 breaks the cue */
       "1\n00:00:00,000 --> 00:00:02,000\nHello world.\nHow are you?\n\n2\n00:00:06,000 --> 00:00:07,500\n日本語 です\n\n",
       NULL},
      {{0, 0, 0, 2}, /* two words a cue within each segment */
       "1\n00:00:00,000 --> 00:00:01,000\nHello world.\n\n2\n00:00:01,200 --> 00:00:01,700\nHow are\n\n"
       "3\n00:00:01,700 --> 00:00:02,000\nyou?\n\n4\n00:00:06,000 --> 00:00:07,000\n日本語\n\n"
       "5\n00:00:07,000 --> 00:00:07,500\nです\n\n",
       NULL},
      {{0, 4, 0, 0}, /* code points, not bytes: 日本語 (3) fits in 4, です starts a line */
       "1\n00:00:00,000 --> 00:00:01,000\nHello\nworld.\n\n2\n00:00:01,200 --> 00:00:02,000\nHow\nare\nyou?\n\n"
       "3\n00:00:06,000 --> 00:00:07,500\n日本語\nです\n\n",
       NULL},
      {{1, 0, 0, 0}, /* a cue per word, the word underlined (each segment its own subtitle, so
                      * no cue over the gap 1.0 … 1.2) */
       "1\n00:00:00,000 --> 00:00:00,500\n<u>Hello</u> world.\n\n2\n00:00:00,500 --> 00:00:01,000\nHello <u>world.</u>\n\n"
       "3\n00:00:01,200 --> 00:00:01,500\n<u>How</u> are you?\n\n4\n00:00:01,500 --> 00:00:01,700\nHow <u>are</u> you?\n\n"
       "5\n00:00:01,700 --> 00:00:02,000\nHow are <u>you?</u>\n\n6\n00:00:06,000 --> 00:00:06,500\n<u>日本</u>語 です\n\n"
       "7\n00:00:06,500 --> 00:00:07,000\n日本<u>語</u> です\n\n8\n00:00:07,000 --> 00:00:07,500\n日本語 <u>です</u>\n\n",
       NULL},
      {{1, 10, 2, 0}, /* highlight across a line break ("\n<u>world.</u>") and the gap cue
                       * 1.0 … 1.2 inside one subtitle */
       NULL,
       "WEBVTT\n\n00:00.000 --> 00:00.500\n<u>Hello</u>\nworld. How\n\n00:00.500 --> 00:01.000\nHello\n<u>world.</u> How\n\n"
       "00:01.000 --> 00:01.200\nHello\nworld. How\n\n00:01.200 --> 00:01.500\nHello\nworld. <u>How</u>\n\n"
       "00:01.500 --> 00:01.700\n<u>are</u> you?\n\n00:01.700 --> 00:02.000\nare <u>you?</u>\n\n"
       "00:06.000 --> 00:06.500\n<u>日本</u>語 です\n\n00:06.500 --> 00:07.000\n日本<u>語</u> です\n\n"
       "00:07.000 --> 00:07.500\n日本語 <u>です</u>\n\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const wk_subtitle_options *o = &cases[i].o;
    const wk_transcript tr = words_transcript(o->highlight_words, o->max_line_width, o->max_line_count,
                                              o->max_words_per_line);
    for (int v = 0; v < 2; v++) {
      const char *want = v ? cases[i].vtt : cases[i].srt;
      if (!want) continue;
      wk_status st;
      char *out = render(&tr, v ? WK_FORMAT_VTT : WK_FORMAT_SRT, &st);
      CHECK(st == WK_STATUS_OK && !strcmp(out, want), "words case %zu %s:\n%s\n--- expected:\n%s", i,
            v ? "vtt" : "srt", out, want);
      free(out);
    }
  }
  /* txt and tsv ignore the words */
  const wk_transcript tr = words_transcript(1, 3, 1, 1), plain = {wsegs, N_WSEGS, NULL, "en", 0, {0, 0, 0, 0}};
  for (int k = 0; k < 2; k++) {
    wk_status st, st2;
    char *a = render(&tr, k ? WK_FORMAT_TSV : WK_FORMAT_TXT, &st);
    char *b = render(&plain, k ? WK_FORMAT_TSV : WK_FORMAT_TXT, &st2);
    CHECK(!st && !st2 && !strcmp(a, b), "%s with words", k ? "tsv" : "txt");
    free(a), free(b);
  }
  /* without word_timestamps srt stays per segment (the segment's text, "-->" replaced) */
  wk_status st;
  char *out = render(&plain, WK_FORMAT_SRT, &st);
  CHECK(st == WK_STATUS_OK && strstr(out, "4\n00:00:08,000 --> 00:00:08,000\n\n\n"), "segment mode:\n%s", out);
  free(out);
}

/* Words with "\n" inside, "-->", a Unicode space and an empty word, highlighted: utils.py's
 * re.sub(r"^(\s*)(.*)$", …) leaves "a\nb" alone (its "\n" is not the last character), underlines
 * "c" of " c\n" before the final "\n", writes "<u></u>" after the stripped-away space and for the
 * empty word, and keeps "-->" (the word-level branch replaces no arrows). */
static void test_words_odd(void) {
  static const wk_word w[] = {{" a\nb", 0.0, 0.5, 1}, {" -->", 0.5, 1.0, 1}, {" c\n", 1.0, 1.5, 1},
                              {"\xe3\x80\x80", 1.5, 2.0, 1}, {"", 2.0, 2.5, 1}, {" d", 2.5, 3.0, 1}};
  const wk_segment seg = {0.0, 3.0, "", NULL, 0, 0, 0, 0, 0, 0, w, 6};
  static const char *const want[] = {
      "WEBVTT\n\n00:00.000 --> 00:00.500\na\nb --> c\n\xe3\x80\x80 d\n\n"
      "00:00.500 --> 00:01.000\na\nb <u>--></u> c\n\xe3\x80\x80 d\n\n"
      "00:01.000 --> 00:01.500\na\nb --> <u>c</u>\n\xe3\x80\x80 d\n\n"
      "00:01.500 --> 00:02.000\na\nb --> c\n\xe3\x80\x80<u></u> d\n\n"
      "00:02.000 --> 00:02.500\na\nb --> c\n\xe3\x80\x80<u></u> d\n\n"
      "00:02.500 --> 00:03.000\na\nb --> c\n\xe3\x80\x80 <u>d</u>\n\n",
      /* width 3: a line per word but "\u3000" and "", which continue "c"'s line */
      "WEBVTT\n\n00:00.000 --> 00:00.500\na\nb\n-->\nc\xe3\x80\x80\nd\n\n"
      "00:00.500 --> 00:01.000\na\nb\n<u>--></u>\nc\xe3\x80\x80\nd\n\n"
      "00:01.000 --> 00:01.500\na\nb\n-->\n<u>c</u>\xe3\x80\x80\nd\n\n"
      "00:01.500 --> 00:02.000\na\nb\n-->\nc\xe3\x80\x80<u></u>\nd\n\n"
      "00:02.000 --> 00:02.500\na\nb\n-->\nc\xe3\x80\x80<u></u>\nd\n\n"
      "00:02.500 --> 00:03.000\na\nb\n-->\nc\xe3\x80\x80\n<u>d</u>\n\n"};
  for (int k = 0; k < 2; k++) {
    const wk_transcript tr = {&seg, 1, NULL, "en", 1, {1, k ? 3 : 0, 0, 0}};
    wk_status st;
    char *out = render(&tr, WK_FORMAT_VTT, &st);
    CHECK(st == WK_STATUS_OK && !strcmp(out, want[k]), "odd words %d:\n%s\n--- expected:\n%s", k, out, want[k]);
    free(out);
  }
  /* a line break before an empty word: "\n" + "" underlined is "\n<u></u>" */
  static const wk_word e[] = {{" a", 0.0, 0.5, 1}, {" ", 0.5, 1.0, 1}};
  const wk_segment eseg = {0.0, 1.0, "", NULL, 0, 0, 0, 0, 0, 0, e, 2};
  const wk_transcript tr = {&eseg, 1, NULL, "en", 1, {1, 1, 0, 0}};
  wk_status st;
  char *out = render(&tr, WK_FORMAT_SRT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, "1\n00:00:00,000 --> 00:00:00,500\n<u>a</u>\n\n\n"
                                           "2\n00:00:00,500 --> 00:00:01,000\na\n<u></u>\n\n"),
        "empty word after a line break:\n%s", out);
  free(out);
  /* invalid UTF-8 in a word: U+FFFD, one code point wide */
  static const wk_word bad[] = {{" \xff", 0.0, 0.5, 1}, {"\xe3\x81", 0.5, 1.0, 1}};
  const wk_segment bseg = {0.0, 1.0, "", NULL, 0, 0, 0, 0, 0, 0, bad, 2};
  const wk_transcript btr = {&bseg, 1, NULL, "en", 1, {0, 2, 0, 0}};
  out = render(&btr, WK_FORMAT_SRT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, "1\n00:00:00,000 --> 00:00:01,000\n\xef\xbf\xbd\xef\xbf\xbd\n\n"),
        "invalid UTF-8 words:\n%s", out);
  free(out);
}

static void test_words_empty(void) {
  /* word_timestamps with no words anywhere: no cue (utils.py's word branch yields nothing) */
  const wk_segment segs2[] = {{0.0, 1.0, " a", NULL, 0, 0, 0, 0, 0, 0, NULL, 0},
                              {1.0, 2.0, " b", NULL, 0, 0, 0, 0, 0, 0, NULL, 0}};
  const wk_transcript tr = {segs2, 2, NULL, "en", 1, {1, 10, 2, 3}};
  wk_status st;
  char *out = render(&tr, WK_FORMAT_SRT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, ""), "no words srt: %s", out);
  free(out);
  out = render(&tr, WK_FORMAT_VTT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, "WEBVTT\n\n"), "no words vtt: %s", out);
  free(out);
  out = render(&tr, WK_FORMAT_JSON, &st);
  CHECK(st == WK_STATUS_OK && strstr(out, "\"no_speech_prob\":0,\"words\":[]}"), "no words json: %s", out);
  free(out);
  const wk_transcript none = {NULL, 0, NULL, "en", 1, {0, 0, 0, 0}};
  out = render(&none, WK_FORMAT_VTT, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, "WEBVTT\n\n"), "no segments vtt: %s", out);
  free(out);
}

static void test_words_json(void) {
  const wk_transcript tr = {wsegs, 2, NULL, "en", 1, {0, 0, 0, 0}};
  static const char want[] =
      "{\"text\":\" Hello world. How are you?\",\"segments\":["
      "{\"id\":0,\"seek\":0,\"start\":0,\"end\":1,\"text\":\" Hello world.\",\"tokens\":[],\"temperature\":0,"
      "\"avg_logprob\":-0.25,\"compression_ratio\":1.5,\"no_speech_prob\":0.01,\"words\":["
      "{\"word\":\" Hello\",\"start\":0,\"end\":0.5,\"probability\":0.875},"
      "{\"word\":\" world.\",\"start\":0.5,\"end\":1,\"probability\":0.5}]},"
      "{\"id\":1,\"seek\":0,\"start\":1.2,\"end\":2,\"text\":\" How are you?\",\"tokens\":[],\"temperature\":0,"
      "\"avg_logprob\":-0.25,\"compression_ratio\":1.5,\"no_speech_prob\":0.01,\"words\":["
      "{\"word\":\" How\",\"start\":1.2,\"end\":1.5,\"probability\":0.25},"
      "{\"word\":\" are\",\"start\":1.5,\"end\":1.7,\"probability\":1},"
      "{\"word\":\" you?\",\"start\":1.7,\"end\":2,\"probability\":0.75}]}],\"language\":\"en\"}\n";
  wk_status st;
  char *out = render(&tr, WK_FORMAT_JSON, &st);
  CHECK(st == WK_STATUS_OK && !strcmp(out, want), "json words:\n%s\n--- expected:\n%s", out, want);
  free(out);
  /* without word_timestamps: no "words" key */
  const wk_transcript plain = {wsegs, 2, NULL, "en", 0, {0, 0, 0, 0}};
  out = render(&plain, WK_FORMAT_JSON, &st);
  CHECK(st == WK_STATUS_OK && !strstr(out, "words"), "json without words: %s", out);
  free(out);
}

static void test_words_args(void) {
  wk_word w[3] = {{" a", 0.0, 0.5, 1}, {" b", 0.5, 1.0, 1}, {" c", 1.0, 1.5, 1}};
  wk_segment s[2] = {{0.0, 1.5, " a b c", NULL, 0, 0, 0, 0, 0, 0, words0, 2},
                     {0.0, 1.5, " a b c", NULL, 0, 0, 0, 0, 0, 0, w, 3}};
  static const struct { int word; double start, end; } times[] = {
      {2, NAN, 1.5}, {2, 1.0, INFINITY}, {2, -0.5, 1.5}, {2, 1.0, 4e9}, {2, 1.2, 1.1} /* end < start */};
  const wk_format fmts[] = {WK_FORMAT_SRT, WK_FORMAT_VTT, WK_FORMAT_JSON, WK_FORMAT_TXT};
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    wk_word saved = w[times[i].word];
    w[times[i].word].start = times[i].start, w[times[i].word].end = times[i].end;
    const wk_transcript tr = {s, 2, NULL, "en", 1, {0, 0, 0, 0}};
    for (int k = 0; k < 4; k++) {
      wk_status st;
      char *out = render(&tr, fmts[k], &st);
      CHECK(st == WK_STATUS_INVALID_ARGUMENT && !strcmp(out, ""), "bad word time %zu: nothing written", i);
      CHECK(strstr(wk_last_error(), "segment 1 word 2"), "names segment and word: %s", wk_last_error());
      free(out);
    }
    /* without word_timestamps the words are not read, nor checked */
    const wk_transcript off = {s, 2, NULL, "en", 0, {0, 0, 0, 0}};
    wk_status st;
    free(render(&off, WK_FORMAT_SRT, &st));
    CHECK(st == WK_STATUS_OK, "words unchecked without word_timestamps");
    w[times[i].word] = saved;
  }
  wk_transcript tr = {s, 2, NULL, "en", 1, {0, 0, 0, 0}};
  wk_status st;
  w[1].word = NULL;
  free(render(&tr, WK_FORMAT_VTT, &st));
  CHECK(st == WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "segment 1 word 1"), "NULL word: %s", wk_last_error());
  w[1].word = " b";
  s[1].words = NULL;
  free(render(&tr, WK_FORMAT_JSON, &st));
  CHECK(st == WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "segment 1"), "NULL words: %s", wk_last_error());
  s[1].words = w, s[1].n_words = -1;
  free(render(&tr, WK_FORMAT_SRT, &st));
  CHECK(st == WK_STATUS_INVALID_ARGUMENT, "negative word count");
  s[1].n_words = 3;
  /* negative options (0 is None) */
  for (int k = 0; k < 4; k++) {
    tr.sub = (wk_subtitle_options){k == 0 ? -1 : 0, k == 1 ? -1 : 0, k == 2 ? -5 : 0, k == 3 ? -1 : 0};
    char *out = render(&tr, WK_FORMAT_SRT, &st);
    CHECK(st == WK_STATUS_INVALID_ARGUMENT && !strcmp(out, ""), "negative option %d", k);
    free(out);
  }
  tr.sub = (wk_subtitle_options){1, 1, 1, 1};
  free(render(&tr, WK_FORMAT_SRT, &st));
  CHECK(st == WK_STATUS_OK, "valid transcript: %s", wk_last_error());
  /* the largest options: no overflow in the line or chunk arithmetic */
  tr.sub = (wk_subtitle_options){1, 2147483647, 2147483647, 2147483647};
  char *out = render(&tr, WK_FORMAT_VTT, &st);
  CHECK(st == WK_STATUS_OK && strstr(out, "Hello world. a b c"), "INT_MAX options:\n%s", out);
  free(out);
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    CHECK(wk_transcript_write(&tr, WK_FORMAT_VTT, full) == WK_STATUS_IO_ERROR, "/dev/full vtt words");
    clearerr(full);
    CHECK(wk_transcript_write(&tr, WK_FORMAT_JSON, full) == WK_STATUS_IO_ERROR, "/dev/full json words");
    fclose(full);
  }
}

/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)? */
static int utf8_valid(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    const unsigned c = u[i];
    const size_t l = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (!l || i + l > n) return 0;
    for (size_t k = 1; k < l; k++)
      if ((u[i + k] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && u[i + 1] < 0xa0) || (c == 0xed && u[i + 1] >= 0xa0) || (c == 0xf0 && u[i + 1] < 0x90) ||
        (c == 0xf4 && u[i + 1] >= 0x90))
      return 0;
    i += l;
  }
  return 1;
}

/* Random words of random bytes (ill-formed UTF-8, "\n", spaces) and random options in every
 * format: always OK and valid UTF-8 out (the sanitizer builds check the memory accesses). */
static void test_words_random_bytes(void) {
  static const char alphabet[] = " \n\t-><u\x80\xbf\xc3\xa9\xe3\x80\x80\xf0\x9f\x98\x80\xff\x1f" "ab";
  wk_test_rng r = {20250625};
  for (int t = 0; t < 300; t++) {
    char text[24][16];
    wk_word w[24];
    wk_segment sg[4];
    double time = 0;
    int n = 0;
    for (int i = 0; i < 4; i++) {
      const int nw = wk_test_int(&r, 0, 6);
      sg[i] = (wk_segment){time, time, "", NULL, 0, 0, 0, 0, 0, 0, w + n, nw};
      for (int k = 0; k < nw; k++, n++) {
        const int len = wk_test_int(&r, 0, 15);
        for (int b = 0; b < len; b++) text[n][b] = alphabet[wk_test_int(&r, 0, (int)sizeof alphabet - 2)];
        text[n][len] = 0;
        time += wk_test_int(&r, 0, 3) == 0 ? 3.5 : 0.25;
        w[n] = (wk_word){text[n], time, time + 0.125 * wk_test_int(&r, 0, 4), 0.5};
      }
      sg[i].end = time + 1;
      time += 0.5;
    }
    const wk_transcript tr = {sg, 4, NULL, "en", 1,
                              {wk_test_int(&r, 0, 1), wk_test_int(&r, 0, 12), wk_test_int(&r, 0, 3), wk_test_int(&r, 0, 3)}};
    for (int f = 0; f < WK_FORMAT_COUNT; f++) {
      wk_status st;
      char *out = render(&tr, (wk_format)f, &st);
      CHECK(st == WK_STATUS_OK && utf8_valid(out, strlen(out)), "random bytes %d, %s: %s", t,
            wk_format_extension((wk_format)f), wk_last_error());
      free(out);
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--json")) return write_json(argv[2]);
  test_strip_invalid();
  test_golden();
  test_timestamps();
  test_args();
  test_atomic();
  test_compression();
  test_words_subtitles();
  test_words_odd();
  test_words_empty();
  test_words_json();
  test_words_args();
  test_words_random_bytes();
  return wk_test_finish("test_format");
}
