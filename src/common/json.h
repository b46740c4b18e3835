/* json.h — a small streaming JSON writer: every `--json` output of the suites and the transcript
 * JSON (src/decode/format.c) go through it (in libwhisk since the transcript writer needs it;
 * bench/json.h includes this file).
 *
 * Values are written as they come (no tree in memory), compact, with the commas and the
 * nesting tracked here, so a caller can neither forget a comma nor emit an invalid number:
 *   - strings are escaped per RFC 8259: `"` and `\` get a backslash, control characters
 *     (< 0x20) become \u00XX, valid UTF-8 passes through and every byte of an invalid
 *     sequence becomes \ufffd (so the output is always valid UTF-8);
 *   - doubles are written in the shortest form that reads back to the same double (%.15g,
 *     %.16g or %.17g; −0 as -0.0, which keeps its sign in readers that parse "-0" as an
 *     integer), floats in the shortest that reads back to the same float; NaN and ±inf, which
 *     JSON cannot represent, become null;
 *   - wk_json_fixed writes a fixed number of decimals (for figures like microseconds where the
 *     last bits are noise), also null when not finite.
 * Misuse (a value where a key is needed, an end without a begin, more than WK_JSON_MAX_DEPTH
 * levels) and write errors are remembered; wk_json_finish reports them. */
#ifndef WK_JSON_H
#define WK_JSON_H

#include <stdio.h>

#define WK_JSON_MAX_DEPTH 32

typedef struct wk_json {
  FILE *f;
  int depth;                                /* open objects/arrays */
  unsigned char in_object[WK_JSON_MAX_DEPTH]; /* [depth]: 1 object, 0 array */
  unsigned char has_items[WK_JSON_MAX_DEPTH]; /* [depth]: an element was written (comma next) */
  int after_key;                            /* a key was written, its value comes next */
  int done;                                 /* the top-level value is complete */
  int error;                                /* misuse or a write error happened */
} wk_json;

/* Starts a document written to `f`. */
void wk_json_init(wk_json *j, FILE *f);

void wk_json_object_begin(wk_json *j);
void wk_json_object_end(wk_json *j);
void wk_json_array_begin(wk_json *j);
void wk_json_array_end(wk_json *j);

/* A member's key (inside an object; its value must follow). */
void wk_json_key(wk_json *j, const char *key);

/* Values. */
void wk_json_string(wk_json *j, const char *s); /* NULL → null */
void wk_json_double(wk_json *j, double v);
void wk_json_float(wk_json *j, float v);
void wk_json_fixed(wk_json *j, double v, int decimals); /* decimals 0..17 */
void wk_json_int(wk_json *j, long long v);
void wk_json_bool(wk_json *j, int v);
void wk_json_null(wk_json *j);

/* Key + value in one call, for object members. */
void wk_json_kstring(wk_json *j, const char *key, const char *s);
void wk_json_kdouble(wk_json *j, const char *key, double v);
void wk_json_kfloat(wk_json *j, const char *key, float v);
void wk_json_kfixed(wk_json *j, const char *key, double v, int decimals);
void wk_json_kint(wk_json *j, const char *key, long long v);
void wk_json_kbool(wk_json *j, const char *key, int v);

/* Ends the document with a newline and flushes.  Returns 0 if one complete, well-nested value
 * was written without error, -1 otherwise. */
int wk_json_finish(wk_json *j);

#endif
