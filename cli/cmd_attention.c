/* cmd_attention.c — `whisk attention`: loads int8 Q, K, V (and optional per-token scales)
 * from .npy files, runs wk_attention and writes the output as .npy.
 *
 * Q, K, V are [L, d] (one head) or [heads, L, d] (head-major, C order).  Exit codes: 0 ok,
 * 1 failure (bad files, rejected parameters, I/O), 2 usage error (unknown option, missing or
 * unparsable option value; cli.h has the message format). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "io/npy.h"

#define PROG "whisk attention"
#define NOT_A_NUMBER "%s: expected a number, got '%s'"

/* "whisk attention: MESSAGE" on stderr; returns 1 (the arguments were fine, the run failed). */
#define fail(...) wk_cli_failure(PROG, __VA_ARGS__)

void wk_cli_print_attention_options(FILE *f, const char *name) {
  (void)name;
  fputs("Runs INT8 attention  O = softmax(scale * (qs*Q)(ks*K)^T) (vs*V), O/out_scale rounded to\n"
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
        "  -o, --out FILE        output .npy: Q's shape, int8 (or float32 with --out-f32)\n",
        f);
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
    return fail("%s: %s", t->name, wk_last_error());
  if (t->a.dtype != WK_NPY_INT8)
    return fail("%s: %s is %s; expected int8", t->path, t->name, wk_npy_dtype_name(t->a.dtype));
  if (t->a.ndim != 2 && t->a.ndim != 3)
    return fail("%s: %s has shape %s; expected [L, d] or [heads, L, d]", t->path, t->name,
               wk_npy_shape_text(&t->a, sh, sizeof sh));
  int64_t dims[3] = {1, 0, 0};
  memcpy(dims + 3 - t->a.ndim, t->a.shape, (size_t)t->a.ndim * sizeof(int64_t));
  for (int i = 0; i < 3; i++)
    if (dims[i] < 1 || dims[i] > INT_MAX)
      return fail("%s: %s has shape %s; every dimension must be in [1, %d]", t->path, t->name,
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
  if (wk_cli_parse_float(text, &x)) {
    view->scale = x;
    return 0;
  }
  wk_status s = wk_npy_load(text, file);
  if (s == WK_STATUS_IO_ERROR)
    return fail("%s '%s' is neither a number nor a readable file (%s)", opt, text,
               wk_last_error());
  if (s != WK_STATUS_OK) return fail("%s: %s", opt, wk_last_error());
  if (file->dtype != WK_NPY_FLOAT32)
    return fail("%s: %s scales are %s; expected float32", text, opt,
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
  return fail("%s: %s scales have shape %s; expected (), (%d,) or (%d, %d)", text, opt,
             wk_npy_shape_text(file, sh, sizeof sh), len, heads, len);
}

/* The command's own options: getopt_long codes, and the slot each value goes to. */
enum {
  OPT_Q = WK_OPT_COMMAND, OPT_K, OPT_V, OPT_Q_SCALE, OPT_K_SCALE, OPT_V_SCALE, OPT_OUT_SCALE,
  OPT_KV_LEN, OPT_SOFTMAX_SCALE, OPT_OUT_F32, OPT_CAUSAL, OPT_OUT, N_OPTS
};

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"q", required_argument, NULL, OPT_Q},
    {"k", required_argument, NULL, OPT_K},
    {"v", required_argument, NULL, OPT_V},
    {"q-scale", required_argument, NULL, OPT_Q_SCALE},
    {"k-scale", required_argument, NULL, OPT_K_SCALE},
    {"v-scale", required_argument, NULL, OPT_V_SCALE},
    {"out-scale", required_argument, NULL, OPT_OUT_SCALE},
    {"kv-len", required_argument, NULL, OPT_KV_LEN},
    {"softmax-scale", required_argument, NULL, OPT_SOFTMAX_SCALE},
    {"out-f32", no_argument, NULL, OPT_OUT_F32},
    {"causal", no_argument, NULL, OPT_CAUSAL},
    {"out", required_argument, NULL, 'o'},
    {0},
};

int wk_cmd_attention(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  /* val[i]: the value of option OPT_Q + i (flags: "1"), NULL when not given. */
  const char *val[N_OPTS - WK_OPT_COMMAND] = {0};
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("o:"), longopts, g, 0);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) return wk_cli_usage_error(PROG, "unexpected argument '%s'", a.arg);
    char name[32];
    wk_cli_option_name(&a, c, name, sizeof name);
    const char **slot = &val[(c == 'o' ? OPT_OUT : c) - WK_OPT_COMMAND];
    /* an input or a flag given twice is more likely a slip than a wish to override */
    if (*slot) return wk_cli_usage_error(PROG, "%s: given twice", name);
    *slot = a.arg ? a.arg : "1";
  }
#define VAL(opt) val[(opt) - WK_OPT_COMMAND]
  const char *q_path = VAL(OPT_Q), *k_path = VAL(OPT_K), *v_path = VAL(OPT_V),
             *out_path = VAL(OPT_OUT), *q_scale = VAL(OPT_Q_SCALE), *k_scale = VAL(OPT_K_SCALE),
             *v_scale = VAL(OPT_V_SCALE), *out_scale = VAL(OPT_OUT_SCALE),
             *kv_len = VAL(OPT_KV_LEN), *softmax_scale = VAL(OPT_SOFTMAX_SCALE);
  const int out_f32 = VAL(OPT_OUT_F32) != NULL, causal = VAL(OPT_CAUSAL) != NULL;
#undef VAL

  if (!q_path || !k_path || !v_path)
    return wk_cli_usage_error(PROG, "missing required option --%s",
                              !q_path ? "q" : !k_path ? "k" : "v");
  if (!q_scale || !k_scale || !v_scale)
    return wk_cli_usage_error(PROG, "missing required option --%s-scale",
                              !q_scale ? "q" : !k_scale ? "k" : "v");
  if (!out_scale && !out_f32)
    return wk_cli_usage_error(PROG, "missing required option --out-scale (or --out-f32)");
  if (!out_path) return wk_cli_usage_error(PROG, "missing required option -o/--out");

  /* -o must not be one of the inputs (a failed or even a good write would replace it). */
  const struct { const char *opt, *path; } inputs[] = {
      {"--q", q_path}, {"--k", k_path}, {"--v", v_path},
      {"--q-scale", q_scale}, {"--k-scale", k_scale}};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
    if (same_file(out_path, inputs[i].path))
      return fail("-o %s is the %s input %s; refusing to overwrite an input", out_path,
            inputs[i].opt, inputs[i].path);

  float vs = 0.0f, os = 1.0f, sms = 0.0f;
  long kv = 0;
  if (!wk_cli_parse_float(v_scale, &vs))
    return wk_cli_usage_error(PROG, NOT_A_NUMBER, "--v-scale", v_scale);
  if (out_scale && !wk_cli_parse_float(out_scale, &os))
    return wk_cli_usage_error(PROG, NOT_A_NUMBER, "--out-scale", out_scale);
  if (out_f32) os = 1.0f; /* ignored */
  if (softmax_scale && !wk_cli_parse_float(softmax_scale, &sms))
    return wk_cli_usage_error(PROG, NOT_A_NUMBER, "--softmax-scale", softmax_scale);
  if (kv_len && wk_cli_parse_long(PROG, "--kv-len", kv_len, 0, INT_MAX, &kv))
    return WK_CLI_EXIT_USAGE;

  int rc = 1;
  tensor q = {.name = "Q", .path = q_path}, k = {.name = "K", .path = k_path},
         v = {.name = "V", .path = v_path};
  wk_npy qs_file = {0}, ks_file = {0};
  wk_context *ctx = NULL;
  void *out = NULL;
  char sh1[200], sh2[200];

  if (load_tensor(&q) || load_tensor(&k) || load_tensor(&v)) goto done;
  if (k.a.ndim != v.a.ndim || k.heads != v.heads || k.len != v.len || k.d != v.d) {
    fail("K %s and V %s must have equal shapes", wk_npy_shape_text(&k.a, sh1, sizeof sh1),
        wk_npy_shape_text(&v.a, sh2, sizeof sh2));
    goto done;
  }
  if (q.heads != k.heads || q.d != k.d) {
    fail("Q %s and K %s must have the same number of heads and head size",
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
      .kv_len = (int)kv,
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
    fail("out of memory for the output (%s)", wk_npy_shape_text(&q.a, sh1, sizeof sh1));
    goto done;
  }
  p.out = out;

  wk_context_options o = {.n_threads = g->threads, .isa = g->isa};
  if (wk_context_create(&o, &ctx) != WK_STATUS_OK) {
    fail("%s", wk_last_error());
    goto done;
  }
  wk_status s = wk_attention(ctx, &p);
  if (s != WK_STATUS_OK) {
    fail("%s (%s)", wk_last_error(), wk_status_string(s));
    goto done;
  }
  if (wk_npy_save(out_path, out_dtype, q.a.ndim, q.a.shape, out) != WK_STATUS_OK) {
    fail("%s", wk_last_error());
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
