/* test_attention_args.c — bad arguments get a clear status and message, never a crash, and
 * leave the output untouched: NULL pointers, zero/negative sizes, NaN/inf/zero/negative scales,
 * unsupported head dims, overlapping output, bad ISAs and thread counts; scales that are
 * fine on their own but whose products overflow (or underflow) float in the kernel (F2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

enum { H = 2, L = 5, D = 64 };
static int8_t q[H * L * D], k[H * L * D], v[H * L * D];
static int8_t out[H * L * D];
static float qtok[H * L], ktok[L];

static wk_attention_params good(void) {
  wk_attention_params p = {
      .heads = H, .lq = L, .lk = L, .head_dim = D,
      .q = {q, D, L * D, 0.1f, NULL, 0},
      .k = {k, D, L * D, 0.1f, NULL, 0},
      .v = {v, D, L * D, 0.1f, NULL, 0},
      .out_type = WK_DTYPE_INT8, .out = out, .out_row_stride = D, .out_head_stride = L * D,
      .out_scale = 0.05f,
  };
  return p;
}

static void expect(wk_context *ctx, wk_attention_params p, wk_status want, const char *what) {
  memset(out, 0x33, sizeof out);
  wk_status s = wk_attention(ctx, &p);
  CHECK(s == want, "%s: got status %d (%s), want %d; message: %s", what, s, wk_status_string(s),
        want, wk_last_error());
  if (s != WK_STATUS_OK) {
    CHECK(wk_last_error()[0] != '\0', "%s: empty error message", what);
    int untouched = 1;
    for (size_t i = 0; i < sizeof out; i++) untouched &= out[i] == 0x33;
    CHECK(untouched, "%s: output written on error", what);
  }
}

/* Fails with WK_STATUS_INVALID_ARGUMENT and a message naming `name` (the scale at fault). */
static void expect_named(wk_context *ctx, wk_attention_params p, const char *name,
                         const char *what) {
  expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, what);
  CHECK(strstr(wk_last_error(), name) != NULL, "%s: message does not name %s: %s", what, name,
        wk_last_error());
}

int main(void) {
  wk_test_rng r = {5};
  for (size_t i = 0; i < sizeof q; i++) q[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof k; i++) k[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (size_t i = 0; i < sizeof v; i++) v[i] = (int8_t)wk_test_int(&r, -128, 127);
  for (int i = 0; i < H * L; i++) qtok[i] = 0.01f;
  for (int i = 0; i < L; i++) ktok[i] = 0.01f;

  wk_context *ctx = NULL;
  CHECK(wk_context_create(NULL, &ctx) == WK_STATUS_OK, "%s", wk_last_error());
  const float bad_scales[] = {NAN, INFINITY, -INFINITY, 0.0f, -1.0f};
  wk_attention_params p;

  expect(ctx, good(), WK_STATUS_OK, "valid call");
  CHECK(wk_attention(NULL, &p) == WK_STATUS_INVALID_ARGUMENT, "NULL context");
  CHECK(wk_attention(ctx, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL params");

  /* sizes */
  p = good(), p.heads = 0, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "heads 0");
  p = good(), p.lq = 0, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "lq 0");
  p = good(), p.lk = -3, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "lk -3");
  p = good(), p.lk = WK_ATTENTION_MAX_LK + 1, expect(ctx, p, WK_STATUS_UNSUPPORTED, "lk huge");
  p = good(), p.head_dim = 0, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "head_dim 0");
  static const int bad_d[] = {8, 24, 63, 65, 144, 256};
  for (size_t i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++)
    p = good(), p.head_dim = bad_d[i], p.q.row_stride = p.k.row_stride = p.v.row_stride = 1,
    expect(ctx, p, WK_STATUS_UNSUPPORTED, "unsupported head_dim");
  p = good(), p.kv_len = -1, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "kv_len -1");
  p = good(), p.kv_len = L + 1, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "kv_len > lk");

  /* pointers */
  p = good(), p.q.data = NULL, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "NULL q");
  p = good(), p.k.data = NULL, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "NULL k");
  p = good(), p.v.data = NULL, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "NULL v");
  p = good(), p.out = NULL;
  CHECK(wk_attention(ctx, &p) == WK_STATUS_INVALID_ARGUMENT, "NULL out");

  /* scales: NaN, ±inf, 0, negative — per tensor, per token and the output's */
  for (size_t i = 0; i < sizeof bad_scales / sizeof bad_scales[0]; i++) {
    float s = bad_scales[i];
    p = good(), p.q.scale = s, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad q scale");
    p = good(), p.k.scale = s, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad k scale");
    p = good(), p.v.scale = s, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad v scale");
    p = good(), p.out_scale = s, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad out scale");
    if (s != 0.0f)
      p = good(), p.softmax_scale = s,
      expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad softmax scale");
    qtok[7] = s;
    p = good(), p.q.token_scale = qtok, p.q.token_scale_head_stride = L;
    expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad per-token q scale");
    qtok[7] = 0.01f;
    ktok[L - 1] = s;
    p = good(), p.k.token_scale = ktok;
    expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad per-token k scale");
    ktok[L - 1] = 0.01f;
    float vhead[H];
    for (int h = 0; h < H; h++) vhead[h] = h == H - 1 ? s : 0.1f;
    p = good(), p.v.head_scale = vhead;
    expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad per-head v scale");
  }
  {
    float vhead[H];
    for (int h = 0; h < H; h++) vhead[h] = 0.1f;
    p = good(), p.v.head_scale = vhead, expect(ctx, p, WK_STATUS_OK, "per-head v scales");
    p.k.token_scale = ktok, p.k.head_scale = vhead;
    expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "token and head scales together");
    wk_attention_params o = good();
    o.v.head_scale = vhead, o.out_type = WK_DTYPE_F32, o.out = (void *)vhead, o.heads = 1;
    o.lq = 1;
    CHECK(wk_attention(ctx, &o) == WK_STATUS_INVALID_ARGUMENT, "output overlapping v scales");
  }
  p = good(), p.out_type = WK_DTYPE_F32, p.out_scale = NAN;
  p.out = out, p.out_row_stride = D / 4, p.out_head_stride = L * D / 4, p.head_dim = D;
  p.heads = 1, p.lq = 1; /* float output ignores out_scale */
  expect(ctx, p, WK_STATUS_OK, "f32 output ignores out_scale");
  p = good(), p.v.token_scale = ktok, expect(ctx, p, WK_STATUS_UNSUPPORTED, "per-token v scale");

  /* F2: scales each finite and > 0 whose products leave float's range.  Before the range
   * checks these returned OK with an all-zero (or non-finite) output. */
  p = good(), p.q.scale = 1e36f, p.k.scale = 1e36f;
  expect_named(ctx, p, "q_scale", "q_scale 1e36 x k_scale 1e36");
  p = good(), p.q.scale = 1e17f, p.k.scale = 1e17f; /* c = 1.8e33 finite, 2^21·c is not */
  expect_named(ctx, p, "q_scale", "logits up to 2^21 x 1.8e33 overflow");
  qtok[3] = 1e38f;
  p = good(), p.q.token_scale = qtok, p.q.token_scale_head_stride = L;
  expect_named(ctx, p, "q_scale", "per-token q scale 1e38");
  qtok[3] = 0.01f;
  ktok[2] = 1e38f;
  p = good(), p.k.token_scale = ktok;
  expect_named(ctx, p, "k_scale", "per-token k scale 1e38");
  ktok[2] = 0.01f;
  p = good(), p.softmax_scale = 1e30f, p.q.scale = 1e10f;
  expect_named(ctx, p, "softmax_scale", "softmax_scale·log2(e)·q_scale overflows");
  p = good(), p.q.scale = 1e-39f; /* subnormal: softmax_scale·log2(e)·q_scale < FLT_MIN */
  expect_named(ctx, p, "q_scale", "softmax_scale·log2(e)·q_scale underflows");
  p = good(), p.out_type = WK_DTYPE_F32, p.v.scale = 1e37f;
  p.out_row_stride = D / 4, p.out_head_stride = L * D / 4, p.heads = 1, p.lq = 1;
  expect_named(ctx, p, "v_scale", "float output up to 128·v_scale overflows");
  /* in range: large but bounded products, tiny k scales, extreme int8 output ratios */
  p = good(), p.q.scale = 1e15f, p.k.scale = 1e15f;
  expect(ctx, p, WK_STATUS_OK, "q_scale·k_scale = 1e30 (logits stay finite)");
  p = good(), p.k.scale = 1e-39f;
  expect(ctx, p, WK_STATUS_OK, "subnormal k_scale (the logits are just tiny)");
  p = good(), p.v.scale = 3e38f, p.out_scale = 1e-30f;
  expect(ctx, p, WK_STATUS_OK, "v_scale/out_scale = 3e68 (int8 output saturates)");
  {
    int sat = 1;
    for (size_t i = 0; i < sizeof out; i++) sat &= out[i] == 127 || out[i] == -128 || out[i] == 0;
    CHECK(sat, "v_scale/out_scale = 3e68: output not saturated");
  }
  p = good(), p.v.scale = 1e-38f, p.out_scale = 1e30f;
  expect(ctx, p, WK_STATUS_OK, "v_scale/out_scale = 1e-68 (int8 output is 0)");
  {
    int zero = 1;
    for (size_t i = 0; i < sizeof out; i++) zero &= out[i] == 0;
    CHECK(zero, "v_scale/out_scale = 1e-68: output not 0");
  }
  CHECK(wk_attention_tile64(ctx, (int8_t[12288]){0}, 12288, (int8_t[4096]){0}, 4096, 1e36f,
                            1e36f, 1, 1) == WK_STATUS_INVALID_ARGUMENT,
        "tile64 q_scale·k_scale overflow");
  p = good(), p.q.token_scale = qtok, p.q.token_scale_head_stride = -1;
  expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "negative scale stride");

  /* strides, overlap, types */
  p = good(), p.q.row_stride = -D, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "negative stride");
  p = good(), p.out_row_stride = -D, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "negative out stride");
  p = good(), p.out_row_stride = D / 2, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "self-overlapping output rows");
  p = good(), p.out_head_stride = 0, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "heads share output");
  p = good(), p.q.head_stride = PTRDIFF_MAX, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "stride overflow");
  p = good(), p.out_type = (wk_dtype)7, expect(ctx, p, WK_STATUS_INVALID_ARGUMENT, "bad out_type");
  {
    wk_attention_params o = good();
    o.out = (void *)(q + 10); /* output inside Q */
    wk_status s = wk_attention(ctx, &o);
    CHECK(s == WK_STATUS_INVALID_ARGUMENT, "output overlapping q: %d", s);
    o = good(), o.out = (void *)v, s = wk_attention(ctx, &o);
    CHECK(s == WK_STATUS_INVALID_ARGUMENT, "output overlapping v: %d", s);
    o = good(), o.q.token_scale = qtok, o.q.token_scale_head_stride = L;
    o.out_type = WK_DTYPE_F32, o.out = (void *)qtok, o.heads = 1, o.lq = 1;
    s = wk_attention(ctx, &o);
    CHECK(s == WK_STATUS_INVALID_ARGUMENT, "output overlapping q scales: %d", s);
  }

  /* tile64 */
  int8_t qkv[12288] = {0}, t_out[4096];
  CHECK(wk_attention_tile64(ctx, qkv, sizeof qkv, t_out, sizeof t_out, 1, 1, 1, 1) == WK_STATUS_OK,
        "tile64 valid: %s", wk_last_error());
  CHECK(wk_attention_tile64(ctx, NULL, sizeof qkv, t_out, sizeof t_out, 1, 1, 1, 1) ==
        WK_STATUS_INVALID_ARGUMENT, "tile64 NULL input");
  CHECK(wk_attention_tile64(ctx, qkv, 4096, t_out, sizeof t_out, 1, 1, 1, 1) ==
        WK_STATUS_INVALID_ARGUMENT, "tile64 short input");
  CHECK(wk_attention_tile64(ctx, qkv, sizeof qkv, t_out, 100, 1, 1, 1, 1) ==
        WK_STATUS_INVALID_ARGUMENT, "tile64 small output");
  CHECK(wk_attention_tile64(ctx, qkv, sizeof qkv, t_out, sizeof t_out, 1, NAN, 1, 1) ==
        WK_STATUS_INVALID_ARGUMENT, "tile64 NaN scale");

  /* contexts */
  wk_context *c2 = (wk_context *)&r;
  wk_context_options o = {-1, WK_ISA_AUTO};
  CHECK(wk_context_create(&o, &c2) == WK_STATUS_INVALID_ARGUMENT && c2 == NULL, "threads -1");
  o = (wk_context_options){1, (wk_isa)42};
  CHECK(wk_context_create(&o, &c2) == WK_STATUS_INVALID_ARGUMENT, "isa 42");
  CHECK(wk_context_create(NULL, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL out pointer");
  for (int i = 0; i < WK_ISA_COUNT; i++) {
    o = (wk_context_options){1, (wk_isa)i};
    wk_status s = wk_context_create(&o, &c2);
    if (wk_isa_supported((wk_isa)i))
      CHECK(s == WK_STATUS_OK, "%s: %s", wk_isa_name((wk_isa)i), wk_last_error());
    else
      CHECK(s == WK_STATUS_UNSUPPORTED && strstr(wk_last_error(), wk_isa_name((wk_isa)i)),
            "unsupported %s: %d", wk_isa_name((wk_isa)i), s);
    if (s == WK_STATUS_OK) wk_context_free(c2);
  }
  wk_isa isa;
  CHECK(wk_isa_parse("avx1024", &isa) == WK_STATUS_INVALID_ARGUMENT, "bad ISA name");
  CHECK(wk_isa_parse(NULL, &isa) == WK_STATUS_INVALID_ARGUMENT, "NULL ISA name");
  setenv("WHISK_ISA", "bogus", 1);
  CHECK(wk_context_create(NULL, &c2) == WK_STATUS_INVALID_ARGUMENT, "WHISK_ISA=bogus");
  setenv("WHISK_ISA", "scalar", 1);
  CHECK(wk_context_create(NULL, &c2) == WK_STATUS_OK && wk_context_isa(c2) == WK_ISA_SCALAR,
        "WHISK_ISA=scalar caps auto");
  wk_context_free(c2);
  unsetenv("WHISK_ISA");
  wk_context_free(NULL); /* accepted */
  CHECK(strcmp(wk_status_string((wk_status)99), "unknown status") == 0, "unknown status name");

  wk_context_free(ctx);
  return wk_test_finish("test_attention_args");
}
