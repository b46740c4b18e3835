/* json.c — the streaming JSON writer (json.h says what it guarantees). */
#include "common/json.h"

#include <math.h>
#include <stdlib.h>

void wk_json_init(wk_json *j, FILE *f) {
  *j = (wk_json){0};
  j->f = f;
  if (!f) j->error = 1;
}

/* Before any value: checks the position, writes the separating comma, marks the slot used.
 * Returns 0 (and writes nothing) once an error happened. */
static int value_begin(wk_json *j) {
  if (j->error) return 0;
  if (j->done) return j->error = 1, 0; /* a second top-level value */
  if (j->depth > 0) {
    const int top = j->depth - 1;
    if (j->in_object[top]) {
      if (!j->after_key) return j->error = 1, 0; /* an object member without its key */
    } else {
      if (j->has_items[top]) fputc(',', j->f);
      j->has_items[top] = 1;
    }
  }
  j->after_key = 0;
  return 1;
}

/* After a value: at depth 0 the document is complete. */
static void value_end(wk_json *j) {
  if (j->depth == 0) j->done = 1;
}

/* Writes `s` as a JSON string literal (see json.h for the escaping rules). */
static void put_string(FILE *f, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    const unsigned char b = *p;
    if (b < 0x80) {
      if (b == '"' || b == '\\') {
        fputc('\\', f), fputc(b, f);
      } else if (b < 0x20) {
        fputs("\\u00", f), fputc(hex[b >> 4], f), fputc(hex[b & 15], f);
      } else {
        fputc(b, f);
      }
      p++;
      continue;
    }
    /* UTF-8 (RFC 3629, table 3-7 of Unicode): the lead byte fixes the length and the range of
     * the second byte (which excludes overlong forms, surrogates and code points > U+10FFFF). */
    int len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b == 0xe0) len = 3, lo = 0xa0;
    else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) len = 3;
    else if (b == 0xed) len = 3, hi = 0x9f;
    else if (b == 0xf0) len = 4, lo = 0x90;
    else if (b >= 0xf1 && b <= 0xf3) len = 4;
    else if (b == 0xf4) len = 4, hi = 0x8f;
    int ok = len > 0 && p[1] >= lo && p[1] <= hi;
    for (int i = 2; ok && i < len; i++) ok = p[i] >= 0x80 && p[i] <= 0xbf;
    if (ok) {
      fwrite(p, 1, (size_t)len, f);
      p += len;
    } else {
      fputs("\\ufffd", f); /* this byte is not part of a valid sequence */
      p++;
    }
  }
  fputc('"', f);
}

static void container_begin(wk_json *j, int object) {
  if (!value_begin(j)) return;
  if (j->depth >= WK_JSON_MAX_DEPTH) {
    j->error = 1;
    return;
  }
  j->in_object[j->depth] = (unsigned char)object, j->has_items[j->depth] = 0;
  j->depth++;
  fputc(object ? '{' : '[', j->f);
}

static void container_end(wk_json *j, int object) {
  if (j->error) return;
  if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->after_key) {
    j->error = 1;
    return;
  }
  j->depth--;
  fputc(object ? '}' : ']', j->f);
  value_end(j);
}

void wk_json_object_begin(wk_json *j) { container_begin(j, 1); }
void wk_json_array_begin(wk_json *j) { container_begin(j, 0); }
void wk_json_object_end(wk_json *j) { container_end(j, 1); }
void wk_json_array_end(wk_json *j) { container_end(j, 0); }

void wk_json_key(wk_json *j, const char *key) {
  if (j->error) return;
  if (j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key || !key) {
    j->error = 1;
    return;
  }
  if (j->has_items[j->depth - 1]) fputc(',', j->f);
  j->has_items[j->depth - 1] = 1;
  put_string(j->f, key);
  fputc(':', j->f);
  j->after_key = 1;
}

/* A number already formatted (finite), or null. */
static void put_raw(wk_json *j, const char *text) {
  if (!value_begin(j)) return;
  fputs(text, j->f);
  value_end(j);
}

void wk_json_string(wk_json *j, const char *s) {
  if (!s) {
    wk_json_null(j);
    return;
  }
  if (!value_begin(j)) return;
  put_string(j->f, s);
  value_end(j);
}

void wk_json_double(wk_json *j, double v) {
  if (!isfinite(v)) {
    wk_json_null(j);
    return;
  }
  /* The shortest of 15, 16, 17 significant digits that reads back exactly (17 always does:
   * IEEE 754 binary64 needs at most 17). */
  if (v == 0 && signbit(v)) { /* "-0" reads back as the integer 0 in many readers */
    put_raw(j, "-0.0");
    return;
  }
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  put_raw(j, buf);
}

void wk_json_float(wk_json *j, float v) {
  if (!isfinite(v)) {
    wk_json_null(j);
    return;
  }
  char buf[40]; /* binary32 needs at most 9 significant digits */
  for (int prec = 6; prec <= 9; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
    if (strtof(buf, NULL) == v) break;
  }
  put_raw(j, buf);
}

void wk_json_fixed(wk_json *j, double v, int decimals) {
  if (!isfinite(v)) {
    wk_json_null(j);
    return;
  }
  decimals = decimals < 0 ? 0 : decimals > 17 ? 17 : decimals;
  char buf[340]; /* DBL_MAX has 309 integer digits */
  snprintf(buf, sizeof buf, "%.*f", decimals, v);
  put_raw(j, buf);
}

void wk_json_int(wk_json *j, long long v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%lld", v);
  put_raw(j, buf);
}

void wk_json_bool(wk_json *j, int v) { put_raw(j, v ? "true" : "false"); }
void wk_json_null(wk_json *j) { put_raw(j, "null"); }

void wk_json_kstring(wk_json *j, const char *key, const char *s) {
  wk_json_key(j, key);
  wk_json_string(j, s);
}
void wk_json_kdouble(wk_json *j, const char *key, double v) {
  wk_json_key(j, key);
  wk_json_double(j, v);
}
void wk_json_kfloat(wk_json *j, const char *key, float v) {
  wk_json_key(j, key);
  wk_json_float(j, v);
}
void wk_json_kfixed(wk_json *j, const char *key, double v, int decimals) {
  wk_json_key(j, key);
  wk_json_fixed(j, v, decimals);
}
void wk_json_kint(wk_json *j, const char *key, long long v) {
  wk_json_key(j, key);
  wk_json_int(j, v);
}
void wk_json_kbool(wk_json *j, const char *key, int v) {
  wk_json_key(j, key);
  wk_json_bool(j, v);
}

int wk_json_finish(wk_json *j) {
  if (!j->f) return -1;
  if (!j->error && j->done) fputc('\n', j->f);
  if (fflush(j->f) != 0 || ferror(j->f)) j->error = 1;
  return j->error || !j->done ? -1 : 0;
}
