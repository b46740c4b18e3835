/* cmd_attention.c — `whisk attention`: loads int8 Q, K, V (and optional per-token scales)
 * from .npy files, runs wk_attention and writes the output as .npy.
 *
 * Q, K, V are [L, d] (one head) or [heads, L, d] (head-major, C order).  Exit codes: 0 ok,
 * 1 failure (bad files, rejected parameters, I/O), 2 usage error (unknown option, missing or
 * unparsable option value). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd_attention.h"
#include "io/npy.h"
#include "whisk.h"

static const char usage_text[] =
    "usage: whisk attention --q Q.npy --k K.npy --v V.npy --q-scale S --k-scale S\n"
    "                       --v-scale S --out-scale S [options] -o OUT.npy\n"
    "\n"
    "Runs INT8 attention  O = softmax(scale * (qs*Q)(ks*K)^T) (vs*V), O/out_scale rounded to\n"
    "nearest (even) and clamped to int8.\n"
    "\n"
    "  --q, --k, --v FILE    int8 .npy arrays of shape [L, d] (one head) or [heads, L, d];\n"
    "                        K and V have equal shapes, Q the same heads and d\n"
    "  --q-scale, --k-scale S  a number, or a float32 .npy of per-token scales of shape [L]\n"
    "                        (shared by all heads) or [heads, L]\n"
    "  --v-scale S           a number\n"
    "  --out-scale S         output scale (ignored with --out-f32)\n"
    "  --out-f32             write the float32 output instead of int8\n"
    "  --causal              query i sees keys j <= i + (Lk - Lq)\n"
    "  --kv-len N            only keys j < N are seen (0: all)\n"
    "  --softmax-scale X     logit scale (default 1/sqrt(d))\n"
    "  --isa X               scalar, avx2, avx512vnni, amx or auto (default auto)\n"
    "  --threads N           threads (default 0: all online cores)\n"
    "  -o, --out FILE        output .npy: Q's shape, int8 (or float32 with --out-f32)\n";

static int say(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int say(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("whisk attention: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (code == 2) fputs("try 'whisk attention --help'\n", stderr);
  return code;
}

/* A whole string that is a number (no leading spaces, no trailing text).  NaN and infinities
 * parse (the library rejects them with its own message); finite values beyond float's range
 * become infinities. */
static int parse_float(const char *s, float *v) {
  if (!s || !*s || isspace((unsigned char)s[0])) return 0;
  char *end;
  errno = 0;
  double d = strtod(s, &end);
  if (end == s || *end != '\0') return 0;
  if (isfinite(d) && fabs(d) > FLT_MAX) d = copysign(INFINITY, d);
  *v = (float)d;
  return 1;
}

static int parse_int(const char *s, int *v) {
  if (!s || !*s || isspace((unsigned char)s[0])) return 0;
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || x < INT_MIN || x > INT_MAX) return 0;
  *v = (int)x;
  return 1;
}

/* 1 if `out` names an existing file that is also `in` (same device and inode: hard links and
 * symbolic links included). */
static int same_file(const char *out, const char *in) {
  struct stat so, si;
  return stat(out, &so) == 0 && stat(in, &si) == 0 && so.st_dev == si.st_dev &&
         so.st_ino == si.st_ino;
}

/* A loaded Q, K or V: [heads, len, d]. */
typedef struct tensor {
  const char *name, *path;
  wk_npy a;
  int heads, len, d;
} tensor;

static int load_tensor(tensor *t) {
  char sh[200];
  if (wk_npy_load(t->path, &t->a) != WK_STATUS_OK)
    return say(1, "%s: %s", t->name, wk_last_error());
  if (t->a.dtype != WK_NPY_INT8)
    return say(1, "%s: %s is %s; expected int8", t->path, t->name, wk_npy_dtype_name(t->a.dtype));
  if (t->a.ndim != 2 && t->a.ndim != 3)
    return say(1, "%s: %s has shape %s; expected [L, d] or [heads, L, d]", t->path, t->name,
               wk_npy_shape_text(&t->a, sh, sizeof sh));
  int64_t dims[3] = {1, 0, 0};
  memcpy(dims + 3 - t->a.ndim, t->a.shape, (size_t)t->a.ndim * sizeof(int64_t));
  for (int i = 0; i < 3; i++)
    if (dims[i] < 1 || dims[i] > INT_MAX)
      return say(1, "%s: %s has shape %s; every dimension must be in [1, %d]", t->path, t->name,
                 wk_npy_shape_text(&t->a, sh, sizeof sh), INT_MAX);
  t->heads = (int)dims[0], t->len = (int)dims[1], t->d = (int)dims[2];
  return 0;
}

/* --q-scale / --k-scale: a number, or a float32 .npy of shape () (one scale), [len] (per
 * token, shared by the heads) or [heads, len]. */
static int load_scale(const char *opt, const char *text, int heads, int len, wk_npy *file,
                      wk_q8_view *view) {
  char sh[200];
  float x;
  if (parse_float(text, &x)) {
    view->scale = x;
    return 0;
  }
  wk_status s = wk_npy_load(text, file);
  if (s == WK_STATUS_IO_ERROR)
    return say(1, "%s '%s' is neither a number nor a readable file (%s)", opt, text,
               wk_last_error());
  if (s != WK_STATUS_OK) return say(1, "%s: %s", opt, wk_last_error());
  if (file->dtype != WK_NPY_FLOAT32)
    return say(1, "%s: %s scales are %s; expected float32", text, opt,
               wk_npy_dtype_name(file->dtype));
  if (file->ndim == 0) {
    memcpy(&view->scale, file->data, sizeof(float));
    return 0;
  }
  if (file->ndim == 1 && file->shape[0] == len) {
    view->token_scale = file->data;
    view->token_scale_head_stride = 0;
    return 0;
  }
  if (file->ndim == 2 && file->shape[0] == heads && file->shape[1] == len) {
    view->token_scale = file->data;
    view->token_scale_head_stride = len;
    return 0;
  }
  return say(1, "%s: %s scales have shape %s; expected (), (%d,) or (%d, %d)", text, opt,
             wk_npy_shape_text(file, sh, sizeof sh), len, heads, len);
}

int wk_cmd_attention(int argc, char **argv) {
  const char *q_path = NULL, *k_path = NULL, *v_path = NULL, *out_path = NULL;
  const char *q_scale = NULL, *k_scale = NULL, *v_scale = NULL, *out_scale = NULL;
  const char *kv_len = NULL, *softmax_scale = NULL, *isa_name = NULL, *threads = NULL;
  int out_f32 = 0, causal = 0;
  struct {
    const char *name;
    const char **value;
  } opts[] = {
      {"--q", &q_path},         {"--k", &k_path},
      {"--v", &v_path},         {"--q-scale", &q_scale},
      {"--k-scale", &k_scale},  {"--v-scale", &v_scale},
      {"--out-scale", &out_scale}, {"--kv-len", &kv_len},
      {"--softmax-scale", &softmax_scale}, {"--isa", &isa_name},
      {"--threads", &threads},  {"--out", &out_path},
      {"-o", &out_path},
  };
  const size_t n_opts = sizeof opts / sizeof opts[0];

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage_text, stdout);
      return 0;
    }
    if (strcmp(a, "--out-f32") == 0 || strcmp(a, "--causal") == 0) {
      int *flag = strcmp(a, "--out-f32") == 0 ? &out_f32 : &causal;
      if (*flag) return say(2, "option %s given twice", a);
      *flag = 1;
      continue;
    }
    size_t j = 0;
    const char *value = NULL;
    for (; j < n_opts; j++) {
      size_t len = strlen(opts[j].name);
      if (strcmp(a, opts[j].name) == 0) {
        if (i + 1 >= argc) return say(2, "option %s needs a value", a);
        value = argv[++i];
        break;
      }
      if (opts[j].name[1] == '-' && strncmp(a, opts[j].name, len) == 0 && a[len] == '=') {
        value = a + len + 1;
        break;
      }
    }
    if (j == n_opts) {
      if (a[0] == '-') return say(2, "unknown option '%s'", a);
      return say(2, "unexpected argument '%s'", a);
    }
    if (*opts[j].value) return say(2, "option %s given twice", opts[j].name);
    *opts[j].value = value;
  }

  if (!q_path || !k_path || !v_path)
    return say(2, "missing --%s", !q_path ? "q" : !k_path ? "k" : "v");
  if (!q_scale || !k_scale || !v_scale)
    return say(2, "missing --%s-scale", !q_scale ? "q" : !k_scale ? "k" : "v");
  if (!out_scale && !out_f32) return say(2, "missing --out-scale (or --out-f32)");
  if (!out_path) return say(2, "missing -o OUT.npy");

  /* -o must not be one of the inputs (a failed or even a good write would replace it). */
  const struct { const char *opt, *path; } inputs[] = {
      {"--q", q_path}, {"--k", k_path}, {"--v", v_path},
      {"--q-scale", q_scale}, {"--k-scale", k_scale}};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
    if (same_file(out_path, inputs[i].path))
      return say(1, "-o %s is the %s input %s; refusing to overwrite an input", out_path,
                 inputs[i].opt, inputs[i].path);

  float vs = 0.0f, os = 1.0f, sms = 0.0f;
  int kv = 0, n_threads = 0;
  wk_isa isa = WK_ISA_AUTO;
  if (!parse_float(v_scale, &vs)) return say(2, "--v-scale '%s' is not a number", v_scale);
  if (out_scale && !parse_float(out_scale, &os))
    return say(2, "--out-scale '%s' is not a number", out_scale);
  if (out_f32) os = 1.0f; /* ignored */
  if (softmax_scale && !parse_float(softmax_scale, &sms))
    return say(2, "--softmax-scale '%s' is not a number", softmax_scale);
  if (kv_len && !parse_int(kv_len, &kv)) return say(2, "--kv-len '%s' is not an integer", kv_len);
  if (threads && !parse_int(threads, &n_threads))
    return say(2, "--threads '%s' is not an integer", threads);
  if (isa_name && wk_isa_parse(isa_name, &isa) != WK_STATUS_OK)
    return say(2, "--isa: %s", wk_last_error());

  int rc = 1;
  tensor q = {.name = "Q", .path = q_path}, k = {.name = "K", .path = k_path},
         v = {.name = "V", .path = v_path};
  wk_npy qs_file = {0}, ks_file = {0};
  wk_context *ctx = NULL;
  void *out = NULL;
  char sh1[200], sh2[200];

  if (load_tensor(&q) || load_tensor(&k) || load_tensor(&v)) goto done;
  if (k.a.ndim != v.a.ndim || k.heads != v.heads || k.len != v.len || k.d != v.d) {
    say(1, "K %s and V %s must have equal shapes", wk_npy_shape_text(&k.a, sh1, sizeof sh1),
        wk_npy_shape_text(&v.a, sh2, sizeof sh2));
    goto done;
  }
  if (q.heads != k.heads || q.d != k.d) {
    say(1, "Q %s and K %s must have the same number of heads and head size",
        wk_npy_shape_text(&q.a, sh1, sizeof sh1), wk_npy_shape_text(&k.a, sh2, sizeof sh2));
    goto done;
  }

  wk_attention_params p = {
      .heads = q.heads,
      .lq = q.len,
      .lk = k.len,
      .head_dim = q.d,
      .q = {.data = q.a.data, .row_stride = q.d, .head_stride = (ptrdiff_t)q.len * q.d},
      .k = {.data = k.a.data, .row_stride = k.d, .head_stride = (ptrdiff_t)k.len * k.d},
      .v = {.data = v.a.data, .row_stride = v.d, .head_stride = (ptrdiff_t)v.len * v.d,
            .scale = vs},
      .softmax_scale = sms,
      .causal = causal,
      .kv_len = kv,
      .out_type = out_f32 ? WK_DTYPE_F32 : WK_DTYPE_INT8,
      .out_row_stride = q.d,
      .out_head_stride = (ptrdiff_t)q.len * q.d,
      .out_scale = os,
  };
  if (load_scale("--q-scale", q_scale, q.heads, q.len, &qs_file, &p.q) ||
      load_scale("--k-scale", k_scale, k.heads, k.len, &ks_file, &p.k))
    goto done;

  const int out_dtype = out_f32 ? WK_NPY_FLOAT32 : WK_NPY_INT8;
  size_t out_bytes;
  if (__builtin_mul_overflow(q.a.nbytes, wk_npy_dtype_size(out_dtype), &out_bytes) ||
      !(out = malloc(out_bytes))) {
    say(1, "out of memory for the output (%s)", wk_npy_shape_text(&q.a, sh1, sizeof sh1));
    goto done;
  }
  p.out = out;

  wk_context_options o = {.n_threads = n_threads, .isa = isa};
  if (wk_context_create(&o, &ctx) != WK_STATUS_OK) {
    say(1, "%s", wk_last_error());
    goto done;
  }
  wk_status s = wk_attention(ctx, &p);
  if (s != WK_STATUS_OK) {
    say(1, "%s (%s)", wk_last_error(), wk_status_string(s));
    goto done;
  }
  if (wk_npy_save(out_path, out_dtype, q.a.ndim, q.a.shape, out) != WK_STATUS_OK) {
    say(1, "%s", wk_last_error());
    goto done;
  }
  rc = 0;

done:
  wk_context_free(ctx);
  free(out);
  wk_npy_free(&qs_file);
  wk_npy_free(&ks_file);
  wk_npy_free(&q.a);
  wk_npy_free(&k.a);
  wk_npy_free(&v.a);
  return rc;
}
