/* test_json.c — the JSON writer (bench/json.h): exact output for nesting, escaping (quotes,
 * backslash, control characters, valid and invalid UTF-8), numbers (shortest round trip,
 * fixed decimals, NaN/inf → null), and misuse or a write error reported by wk_json_finish.
 *
 * `test_json emit` writes one document with every tricky value to stdout instead, for
 * test_json.sh to parse with Python's json module. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "common/json.h"
#include "test_util.h"

typedef void (*writer_fn)(wk_json *j);

/* Runs `fn` on a fresh writer over a memory stream; returns wk_json_finish's result and the
 * text (malloc'd) in *text. */
static int render(writer_fn fn, char **text) {
  size_t size = 0;
  *text = NULL;
  FILE *f = open_memstream(text, &size);
  if (!f) return -2;
  wk_json j;
  wk_json_init(&j, f);
  fn(&j);
  const int rc = wk_json_finish(&j);
  fclose(f);
  return rc;
}

static void expect(const char *what, writer_fn fn, const char *want) {
  char *got;
  const int rc = render(fn, &got);
  CHECK(rc == 0, "%s: finish returned %d", what, rc);
  CHECK(got && strcmp(got, want) == 0, "%s:\n  got  %s  want %s", what, got ? got : "(null)",
        want);
  free(got);
}

static void expect_misuse(const char *what, writer_fn fn) {
  char *got;
  const int rc = render(fn, &got);
  CHECK(rc == -1, "%s: finish returned %d, want -1 (output %s)", what, rc, got ? got : "");
  free(got);
}

/* ── documents ──────────────────────────────────────────────────────────── */

static void nested(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_kint(j, "a", 1);
  wk_json_key(j, "b");
  wk_json_array_begin(j);
  wk_json_bool(j, 1);
  wk_json_bool(j, 0);
  wk_json_null(j);
  wk_json_array_begin(j);
  wk_json_array_end(j);
  wk_json_object_begin(j);
  wk_json_object_end(j);
  wk_json_array_end(j);
  wk_json_key(j, "c");
  wk_json_object_begin(j);
  wk_json_kstring(j, "d", "x");
  wk_json_kbool(j, "e", 1);
  wk_json_object_end(j);
  wk_json_key(j, "f");
  wk_json_array_begin(j);
  wk_json_array_end(j);
  wk_json_object_end(j);
}

static void top_array(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_int(j, 1);
  wk_json_string(j, "two");
  wk_json_string(j, NULL);
  wk_json_array_end(j);
}

static void top_scalar(wk_json *j) { wk_json_string(j, "alone"); }

static void escapes(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_string(j, "q\"b\\s/");
  wk_json_string(j, "\n\t\r\b\f\x01\x1f\x7f");
  wk_json_string(j, "");
  wk_json_object_begin(j);
  wk_json_kint(j, "k\"e\\y\n", 0);
  wk_json_object_end(j);
  wk_json_array_end(j);
}

static void utf8(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_string(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"); /* é € 😀 U+10FFFF */
  wk_json_string(j, "a\xff" "b");          /* not a lead byte */
  wk_json_string(j, "\xc3");               /* truncated */
  wk_json_string(j, "\xc0\xaf");           /* overlong '/' */
  wk_json_string(j, "\xed\xa0\x80");       /* a surrogate, U+D800 */
  wk_json_string(j, "\xf4\x90\x80\x80");   /* U+110000: beyond Unicode */
  wk_json_string(j, "\xe2\x82" "A");       /* a 3-byte sequence cut short */
  wk_json_array_end(j);
}

static void numbers(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_double(j, 0.1);
  wk_json_double(j, 1.0 / 3.0);
  wk_json_double(j, 2.0 / 3.0);
  wk_json_double(j, 100);
  wk_json_double(j, -0.0);
  wk_json_double(j, 1e300);
  wk_json_double(j, 1.5e-7);
  wk_json_double(j, DBL_MAX);
  wk_json_double(j, 5e-324);
  wk_json_double(j, NAN);
  wk_json_double(j, INFINITY);
  wk_json_double(j, -INFINITY);
  wk_json_float(j, 0.005f);
  wk_json_float(j, 0.1f);
  wk_json_float(j, 16777217.0f);
  wk_json_float(j, NAN);
  wk_json_fixed(j, 3.14159, 2);
  wk_json_fixed(j, -2.5, 0);
  wk_json_fixed(j, 12.0, 3);
  wk_json_fixed(j, NAN, 3);
  wk_json_fixed(j, 1.0, 99); /* decimals capped at 17 */
  wk_json_int(j, 0);
  wk_json_int(j, LLONG_MIN);
  wk_json_int(j, LLONG_MAX);
  wk_json_array_end(j);
}

/* ── misuse ─────────────────────────────────────────────────────────────── */

static void value_without_key(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_int(j, 1);
  wk_json_object_end(j);
}
static void key_in_array(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_key(j, "k");
  wk_json_int(j, 1);
  wk_json_array_end(j);
}
static void key_without_value(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_key(j, "k");
  wk_json_object_end(j);
}
static void two_keys(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_key(j, "k");
  wk_json_key(j, "l");
  wk_json_int(j, 1);
  wk_json_object_end(j);
}
static void wrong_end(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_array_end(j);
}
static void end_without_begin(wk_json *j) { wk_json_array_end(j); }
static void unclosed(wk_json *j) {
  wk_json_array_begin(j);
  wk_json_int(j, 1);
}
static void empty(wk_json *j) { (void)j; }
static void two_values(wk_json *j) {
  wk_json_int(j, 1);
  wk_json_int(j, 2);
}
static void too_deep(wk_json *j) {
  for (int i = 0; i <= WK_JSON_MAX_DEPTH; i++) wk_json_array_begin(j);
  for (int i = 0; i <= WK_JSON_MAX_DEPTH; i++) wk_json_array_end(j);
}
static void deepest(wk_json *j) { /* exactly the maximum depth is fine */
  for (int i = 0; i < WK_JSON_MAX_DEPTH; i++) wk_json_array_begin(j);
  for (int i = 0; i < WK_JSON_MAX_DEPTH; i++) wk_json_array_end(j);
}
static void null_key(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_kint(j, NULL, 1);
  wk_json_object_end(j);
}

/* The document test_json.sh parses: every kind of value, nested. */
static void emit(wk_json *j) {
  wk_json_object_begin(j);
  wk_json_key(j, "escapes");
  escapes(j);
  wk_json_key(j, "utf8");
  utf8(j);
  wk_json_key(j, "numbers");
  numbers(j);
  wk_json_key(j, "nested");
  nested(j);
  wk_json_key(j, "control");
  wk_json_array_begin(j);
  char s[2] = {0, 0};
  for (int c = 1; c < 0x20; c++) s[0] = (char)c, wk_json_string(j, s);
  wk_json_array_end(j);
  /* random doubles: the reader must get each one back exactly */
  wk_json_key(j, "random");
  wk_json_array_begin(j);
  wk_rng r = {2024};
  for (int i = 0; i < 200; i++) {
    uint64_t bits = wk_rng_next(&r);
    double v;
    memcpy(&v, &bits, sizeof v);
    wk_json_double(j, isfinite(v) ? v : 0.0);
  }
  wk_json_array_end(j);
  wk_json_object_end(j);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "emit") == 0) {
    wk_json j;
    wk_json_init(&j, stdout);
    emit(&j);
    return wk_json_finish(&j) == 0 ? 0 : 1;
  }
  expect("nested", nested, "{\"a\":1,\"b\":[true,false,null,[],{}],\"c\":{\"d\":\"x\",\"e\":true},\"f\":[]}\n");
  expect("top-level array", top_array, "[1,\"two\",null]\n");
  expect("top-level scalar", top_scalar, "\"alone\"\n");
  expect("escapes", escapes,
         "[\"q\\\"b\\\\s/\",\"\\u000a\\u0009\\u000d\\u0008\\u000c\\u0001\\u001f\x7f\",\"\","
         "{\"k\\\"e\\\\y\\u000a\":0}]\n");
  expect("utf8", utf8,
         "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\",\"a\\ufffdb\","
         "\"\\ufffd\",\"\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\\ufffd\","
         "\"\\ufffd\\ufffdA\"]\n");
  expect("numbers", numbers,
         "[0.1,0.3333333333333333,0.6666666666666666,100,-0.0,1e+300,1.5e-07,"
         "1.7976931348623157e+308,4.94065645841247e-324,null,null,null,0.005,0.1,16777216,null,"
         "3.14,-2,12.000,null,1.00000000000000000,0,-9223372036854775808,9223372036854775807]\n");

  expect("deepest", deepest,
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
  expect_misuse("value without key", value_without_key);
  expect_misuse("key in array", key_in_array);
  expect_misuse("key without value", key_without_value);
  expect_misuse("two keys", two_keys);
  expect_misuse("wrong end", wrong_end);
  expect_misuse("end without begin", end_without_begin);
  expect_misuse("unclosed", unclosed);
  expect_misuse("empty document", empty);
  expect_misuse("two top-level values", two_values);
  expect_misuse("too deep", too_deep);
  expect_misuse("NULL key", null_key);

  /* a write error (a full device) is reported */
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    wk_json j;
    wk_json_init(&j, full);
    nested(&j);
    CHECK(wk_json_finish(&j) == -1, "writing to /dev/full must fail");
    fclose(full);
  }
  wk_json j;
  wk_json_init(&j, NULL);
  wk_json_int(&j, 1);
  CHECK(wk_json_finish(&j) == -1, "NULL stream");
  return wk_test_finish("test_json");
}
