/* test_format.c — the transcript writers (src/decode/format.h): txt/srt/vtt/tsv golden output
 * (utils.py's rules: stripping, "-->" → "->", srt times with a comma and hours, vtt with a dot
 * and hours only when nonzero, hours past 99, tsv's integer milliseconds and tabs made spaces,
 * round half to even), invalid UTF-8 → U+FFFD,
 * argument checks, atomic file writes (a failed write leaves the old file or none, and no
 * temporary file), write errors (/dev/full).
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
    {0.0, 2.5, " Hello world.", toks0, 4, 0, 0.0, -0.25, 1.5, 0.01},
    {2.5, 62.345, "  Arrow --> here\t--->  ", NULL, 0, 0, 0.2, -0.5, 2.0, 0.02},
    {62.345, 3725.5, "\xe3\x80\x80日本語 \xff\x1f", NULL, 0, 6000, 0.0, -1.0, 1.0, 0.5},
    {3725.5, 360000.0, "x", NULL, 0, 372000, 1.0, -2.0, 3.0, 0.9},
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
  const wk_transcript tr = {segs, N_SEGS, NULL, "en"};
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
  const wk_transcript empty = {NULL, 0, NULL, NULL};
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
    const wk_transcript tr = {bad, N_SEGS, NULL, "en"};
    wk_status st;
    char *out = render(&tr, WK_FORMAT_SRT, &st);
    CHECK(st == WK_STATUS_INVALID_ARGUMENT && !strcmp(out, ""), "bad time %zu: nothing written", i);
    CHECK(strstr(wk_last_error(), "segment 1"), "message names the segment: %s", wk_last_error());
    free(out);
  }
  memcpy(bad, segs, sizeof bad);
  bad[2].text = NULL;
  wk_transcript tr = {bad, N_SEGS, NULL, "en"};
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
  const wk_transcript tr = {segs, N_SEGS, NULL, "en"};
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
  const wk_transcript trb = {bad, N_SEGS, NULL, "en"};
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
    s[N_SEGS + i] = (wk_segment){400.0 + i, 401.0 + i, texts[i], toks0, 4, 40000, 0.4, -0.1 * i, 0, 0.125};
    s[N_SEGS + i].compression_ratio = wk_compression_ratio(texts[i], strlen(texts[i]));
  }
  const wk_transcript tr = {s, N_SEGS + 4, NULL, "en"};
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

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--json")) return write_json(argv[2]);
  test_strip_invalid();
  test_golden();
  test_timestamps();
  test_args();
  test_atomic();
  test_compression();
  return wk_test_finish("test_format");
}
