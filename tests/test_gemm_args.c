/* test_gemm_args.c — the GEMM operator and the quantizer reject bad arguments with the right
 * status and a message, and never touch the output on failure — scales whose products leave
 * float's range (F2) included. */
#include <math.h>
#include <string.h>

#include "gemm/gemm.h"
#include "quant/quant.h"
#include "test_util.h"

#define EXPECT(call, status, what)                                                            \
  do {                                                                                        \
    wk_status s_ = (call);                                                                    \
    CHECK(s_ == (status), "%s: got '%s', expected '%s' (%s)", what, wk_status_string(s_),     \
          wk_status_string(status), wk_last_error());                                         \
    if (s_ != WK_STATUS_OK) CHECK(wk_last_error()[0] != '\0', "%s: empty error message", what); \
  } while (0)

enum { M = 4, N = 5, K = 6 };

int main(void) {
  wk_context *ctx = NULL;
  wk_context_options o = {2, WK_ISA_SCALAR};
  if (wk_context_create(&o, &ctx) != WK_STATUS_OK) {
    fprintf(stderr, "cannot create a context: %s\n", wk_last_error());
    return 1;
  }
  int8_t w[N * K], a[M * K];
  float w_scale[N], bias[N], a_scale[M], out[M * N], res[M * N];
  for (int i = 0; i < N * K; i++) w[i] = (int8_t)(i * 7 - 20);
  for (int i = 0; i < M * K; i++) a[i] = (int8_t)(i * 5 - 30);
  for (int j = 0; j < N; j++) w_scale[j] = 0.01f, bias[j] = 0.5f;
  for (int i = 0; i < M; i++) a_scale[i] = 0.02f;
  for (int i = 0; i < M * N; i++) res[i] = 1.0f;

  /* ── weights_create ── */
  wk_gemm_weights *wt = (wk_gemm_weights *)&o; /* must be reset to NULL on failure */
  EXPECT(wk_gemm_weights_create(ctx, w, K, w_scale, bias, N, K, NULL), WK_STATUS_INVALID_ARGUMENT,
         "NULL out");
  EXPECT(wk_gemm_weights_create(NULL, w, K, w_scale, bias, N, K, &wt), WK_STATUS_INVALID_ARGUMENT,
         "NULL context");
  CHECK(wt == NULL, "*out not reset to NULL on failure");
  EXPECT(wk_gemm_weights_create(ctx, NULL, K, w_scale, bias, N, K, &wt),
         WK_STATUS_INVALID_ARGUMENT, "NULL w");
  EXPECT(wk_gemm_weights_create(ctx, w, K, NULL, bias, N, K, &wt), WK_STATUS_INVALID_ARGUMENT,
         "NULL w_scale");
  EXPECT(wk_gemm_weights_create(ctx, w, K, w_scale, bias, 0, K, &wt), WK_STATUS_INVALID_ARGUMENT,
         "n = 0");
  EXPECT(wk_gemm_weights_create(ctx, w, K, w_scale, bias, N, -1, &wt),
         WK_STATUS_INVALID_ARGUMENT, "k < 0");
  EXPECT(wk_gemm_weights_create(ctx, w, 65537, w_scale, bias, 1, 65537, &wt),
         WK_STATUS_UNSUPPORTED, "k > 65536");
  EXPECT(wk_gemm_weights_create(ctx, w, -K, w_scale, bias, N, K, &wt),
         WK_STATUS_INVALID_ARGUMENT, "negative w_stride");
  EXPECT(wk_gemm_weights_create(ctx, w, PTRDIFF_MAX / 2, w_scale, bias, N, K, &wt),
         WK_STATUS_INVALID_ARGUMENT, "w_stride overflow");
  static const float bad_scales[] = {0.0f, -1.0f, NAN, INFINITY, -0.0f};
  for (size_t i = 0; i < sizeof bad_scales / sizeof bad_scales[0]; i++) {
    float ws[N];
    memcpy(ws, w_scale, sizeof ws);
    ws[3] = bad_scales[i];
    EXPECT(wk_gemm_weights_create(ctx, w, K, ws, bias, N, K, &wt), WK_STATUS_INVALID_ARGUMENT,
           "bad w_scale");
    CHECK(strstr(wk_last_error(), "w_scale[3]") != NULL, "message does not name w_scale[3]: %s",
          wk_last_error());
  }
  float bad_bias[N];
  memcpy(bad_bias, bias, sizeof bad_bias);
  bad_bias[1] = NAN;
  EXPECT(wk_gemm_weights_create(ctx, w, K, w_scale, bad_bias, N, K, &wt),
         WK_STATUS_INVALID_ARGUMENT, "NaN bias");
  EXPECT(wk_gemm_weights_create(ctx, w, K, w_scale, bias, N, K, &wt), WK_STATUS_OK, "valid");
  wk_gemm_weights_free(NULL); /* accepted */

  /* ── run ── */
  const wk_gemm_args good = {.m = M, .a = a, .a_stride = K, .a_scale = a_scale,
                             .residual = res, .residual_stride = N, .out = out, .out_stride = N};
  wk_gemm_args g;
#define RUN_EXPECT(edit, status, what) \
  do {                                 \
    g = good;                          \
    edit;                              \
    EXPECT(wk_gemm_run(ctx, wt, &g), status, what); \
  } while (0)
  for (int i = 0; i < M * N; i++) out[i] = -7.0f;
  EXPECT(wk_gemm_run(NULL, wt, &good), WK_STATUS_INVALID_ARGUMENT, "NULL context");
  EXPECT(wk_gemm_run(ctx, NULL, &good), WK_STATUS_INVALID_ARGUMENT, "NULL weights");
  EXPECT(wk_gemm_run(ctx, wt, NULL), WK_STATUS_INVALID_ARGUMENT, "NULL args");
  RUN_EXPECT(g.m = 0, WK_STATUS_INVALID_ARGUMENT, "m = 0");
  RUN_EXPECT(g.m = -3, WK_STATUS_INVALID_ARGUMENT, "m < 0");
  RUN_EXPECT(g.a = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL a");
  RUN_EXPECT(g.a_scale = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL a_scale");
  RUN_EXPECT(g.out = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL out");
  RUN_EXPECT(g.a_stride = -1, WK_STATUS_INVALID_ARGUMENT, "negative a_stride");
  RUN_EXPECT(g.out_stride = N - 1, WK_STATUS_INVALID_ARGUMENT, "out_stride < n");
  RUN_EXPECT(g.residual_stride = -N, WK_STATUS_INVALID_ARGUMENT, "negative residual_stride");
  RUN_EXPECT(g.a_stride = PTRDIFF_MAX / 2, WK_STATUS_INVALID_ARGUMENT, "a_stride overflow");
  for (size_t i = 0; i < sizeof bad_scales / sizeof bad_scales[0]; i++) {
    float as[M];
    memcpy(as, a_scale, sizeof as);
    as[2] = bad_scales[i];
    RUN_EXPECT(g.a_scale = as, WK_STATUS_INVALID_ARGUMENT, "bad a_scale");
    CHECK(strstr(wk_last_error(), "a_scale[2]") != NULL, "message does not name a_scale[2]: %s",
          wk_last_error());
  }
  /* overlapping output: with A, with a_scale, partially with the residual */
  float big[2 * M * N + 8];
  RUN_EXPECT((g.out = big, g.residual = big + 1), WK_STATUS_INVALID_ARGUMENT,
             "out overlaps residual");
  RUN_EXPECT((g.out = big, g.residual = big, g.residual_stride = N + 1, g.out_stride = N),
             WK_STATUS_INVALID_ARGUMENT, "out = residual with another stride");
  RUN_EXPECT((g.out = big, g.a_scale = big + M * N - 1), WK_STATUS_INVALID_ARGUMENT,
             "out overlaps a_scale");
  RUN_EXPECT(g.out = (float *)(void *)(a + 4), WK_STATUS_INVALID_ARGUMENT, "out overlaps a");
  for (int i = 0; i < M * N; i++) CHECK(out[i] == -7.0f, "out written by a failing call");
  /* the exact in-place residual is allowed and equals the out-of-place result */
  float inplace[M * N];
  memcpy(inplace, res, sizeof inplace);
  RUN_EXPECT((void)0, WK_STATUS_OK, "valid run");
  RUN_EXPECT((g.out = inplace, g.residual = inplace), WK_STATUS_OK, "in-place residual");
  CHECK(memcmp(inplace, out, sizeof out) == 0, "in-place residual differs from out of place");

  /* ── the int8 output (out_q) ── */
  int8_t oq[M * N];
  float oqs[M], qref_s[M];
  int8_t qref[M * N];
  EXPECT(wk_quantize_rows(ctx, out, N, M, N, qref, N, qref_s), WK_STATUS_OK, "quantize out");
  const wk_gemm_args good_q = {.m = M, .a = a, .a_stride = K, .a_scale = a_scale,
                               .residual = res, .residual_stride = N,
                               .out_q = oq, .out_q_stride = N, .out_q_scale = oqs};
#define RUN_Q_EXPECT(edit, status, what) \
  do {                                   \
    g = good_q;                          \
    edit;                                \
    EXPECT(wk_gemm_run(ctx, wt, &g), status, what); \
  } while (0)
  memset(oq, 0x33, sizeof oq);
  for (int i = 0; i < M; i++) oqs[i] = -3.0f;
  RUN_Q_EXPECT(g.out_q_scale = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL out_q_scale");
  CHECK(strstr(wk_last_error(), "out_q_scale") != NULL, "message does not name out_q_scale: %s",
        wk_last_error());
  RUN_Q_EXPECT(g.out_q = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL out and out_q");
  RUN_Q_EXPECT(g.out_q_stride = -1, WK_STATUS_INVALID_ARGUMENT, "negative out_q_stride");
  RUN_Q_EXPECT(g.out_q_stride = N - 1, WK_STATUS_INVALID_ARGUMENT, "out_q_stride < n");
  RUN_Q_EXPECT(g.out_q_stride = PTRDIFF_MAX / 2, WK_STATUS_INVALID_ARGUMENT,
               "out_q_stride overflow");
  RUN_Q_EXPECT(g.out_q = a + 3, WK_STATUS_INVALID_ARGUMENT, "out_q overlaps a");
  RUN_Q_EXPECT(g.out_q = (int8_t *)(void *)(a_scale + 1), WK_STATUS_INVALID_ARGUMENT,
               "out_q overlaps a_scale");
  RUN_Q_EXPECT(g.out_q = (int8_t *)(void *)(res + 2), WK_STATUS_INVALID_ARGUMENT,
               "out_q overlaps residual");
  RUN_Q_EXPECT((g.out = big, g.out_stride = N, g.out_q = (int8_t *)(void *)(big + 5)),
               WK_STATUS_INVALID_ARGUMENT, "out_q overlaps out");
  RUN_Q_EXPECT(g.out_q_scale = (float *)(void *)(oq + 4), WK_STATUS_INVALID_ARGUMENT,
               "out_q_scale overlaps out_q");
  CHECK(strstr(wk_last_error(), "out_q") != NULL, "message does not name out_q: %s",
        wk_last_error());
  RUN_Q_EXPECT(g.out_q_scale = a_scale + 1, WK_STATUS_INVALID_ARGUMENT,
               "out_q_scale overlaps a_scale");
  RUN_Q_EXPECT(g.out_q_scale = res + 3, WK_STATUS_INVALID_ARGUMENT,
               "out_q_scale overlaps residual");
  RUN_Q_EXPECT((g.out = big, g.out_stride = N, g.out_q_scale = big + 2),
               WK_STATUS_INVALID_ARGUMENT, "out_q_scale overlaps out");
  for (int i = 0; i < M * N; i++) CHECK(oq[i] == 0x33, "out_q written by a failing call");
  for (int i = 0; i < M; i++) CHECK(oqs[i] == -3.0f, "out_q_scale written by a failing call");
  /* valid: int8 only, then int8 + fp32 (the same fp32 bytes), each = fp32 + quantize_rows */
  RUN_Q_EXPECT((void)0, WK_STATUS_OK, "valid out_q");
  CHECK(memcmp(oq, qref, sizeof oq) == 0 && memcmp(oqs, qref_s, sizeof oqs) == 0,
        "out_q differs from fp32 + wk_quantize_rows");
  float out2[M * N];
  memset(oq, 0, sizeof oq);
  RUN_Q_EXPECT((g.out = out2, g.out_stride = N), WK_STATUS_OK, "valid out_q + out");
  CHECK(memcmp(out2, out, sizeof out) == 0, "fp32 output differs with out_q");
  CHECK(memcmp(oq, qref, sizeof oq) == 0 && memcmp(oqs, qref_s, sizeof oqs) == 0,
        "out_q (with out) differs from fp32 + wk_quantize_rows");
  /* in place (residual == out) with out_q */
  memcpy(inplace, res, sizeof inplace);
  memset(oq, 0, sizeof oq);
  RUN_Q_EXPECT((g.out = inplace, g.out_stride = N, g.residual = inplace), WK_STATUS_OK,
               "in-place residual with out_q");
  CHECK(memcmp(inplace, out, sizeof out) == 0, "in-place residual with out_q differs");
  CHECK(memcmp(oq, qref, sizeof oq) == 0, "out_q (in place) differs");
  /* non-finite results: the row is named */
  static const float bad_r[] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad_r / sizeof bad_r[0]; i++) {
    float rbad[M * N];
    memcpy(rbad, res, sizeof rbad);
    rbad[2 * N + 3] = bad_r[i];
    RUN_Q_EXPECT(g.residual = rbad, WK_STATUS_INVALID_ARGUMENT, "non-finite output row");
    CHECK(strstr(wk_last_error(), "row 2") != NULL, "message does not name row 2: %s",
          wk_last_error());
    RUN_Q_EXPECT((g.residual = rbad, g.out = out2, g.out_stride = N), WK_STATUS_INVALID_ARGUMENT,
                 "non-finite output row (with out)");
    CHECK(strstr(wk_last_error(), "row 2") != NULL, "message does not name row 2: %s",
          wk_last_error());
  }
  /* overflow to infinity in the scaling (huge a_scale) is reported too */
  float huge_s[M];
  memcpy(huge_s, a_scale, sizeof huge_s);
  huge_s[1] = 3e38f;
  RUN_Q_EXPECT(g.a_scale = huge_s, WK_STATUS_INVALID_ARGUMENT, "overflowing output row");
  CHECK(strstr(wk_last_error(), "row 1") != NULL, "message does not name row 1: %s",
        wk_last_error());

  /* F2: a_scale·w_scale out of float's range, each scale fine on its own.  Before the range
   * check these ran: an infinite product gave ±∞/NaN outputs, one that underflowed to 0 an
   * all-zero (bias-only) output, and both returned OK. */
  {
    for (int i = 0; i < M * N; i++) out[i] = -7.0f;
    float as[M];
    memcpy(as, a_scale, sizeof as);
    as[1] = 1e37f; /* × w_scale 0.01 = 1e35: |Acc|·1e35 can exceed FLT_MAX (|Acc| ≤ 2^14·k) */
    RUN_EXPECT(g.a_scale = as, WK_STATUS_INVALID_ARGUMENT, "a_scale·w_scale overflow");
    CHECK(strstr(wk_last_error(), "a_scale[1]") && strstr(wk_last_error(), "w_scale"),
          "message does not name a_scale[1] and w_scale: %s", wk_last_error());
    as[1] = 1e-37f; /* × 0.01 = 1e-39: below FLT_MIN (subnormal) */
    RUN_EXPECT(g.a_scale = as, WK_STATUS_INVALID_ARGUMENT, "a_scale·w_scale underflow");
    CHECK(strstr(wk_last_error(), "a_scale[1]") && strstr(wk_last_error(), "w_scale"),
          "message does not name a_scale[1] and w_scale: %s", wk_last_error());
    as[1] = 1e-44f; /* × 0.01 = 0 in float */
    RUN_EXPECT(g.a_scale = as, WK_STATUS_INVALID_ARGUMENT, "a_scale·w_scale = 0");
    for (int i = 0; i < M * N; i++) CHECK(out[i] == -7.0f, "out written by a failing call");
    float ws[N];
    for (int j = 0; j < N; j++) ws[j] = 1e20f;
    ws[2] = 1e-20f;
    wk_gemm_weights *wx = NULL;
    EXPECT(wk_gemm_weights_create(ctx, w, K, ws, bias, N, K, &wx), WK_STATUS_OK,
           "w_scale 1e20 and 1e-20 (checked per run, with a_scale)");
    memcpy(as, a_scale, sizeof as);
    as[3] = 1e20f; /* 1e40: ∞ in float */
    g = good, g.a_scale = as;
    EXPECT(wk_gemm_run(ctx, wx, &g), WK_STATUS_INVALID_ARGUMENT, "a_scale·w_scale = inf");
    CHECK(strstr(wk_last_error(), "a_scale[3]") != NULL, "message does not name a_scale[3]: %s",
          wk_last_error());
    as[3] = 1e-30f;
    EXPECT(wk_gemm_run(ctx, wx, &g), WK_STATUS_INVALID_ARGUMENT, "min a_scale·min w_scale = 0");
    for (int i = 0; i < M * N; i++) CHECK(out[i] == -7.0f, "out written by a failing call");
    for (int i = 0; i < M; i++) as[i] = 1e-20f; /* products 1e-40 … 1: 1e-40 is subnormal */
    EXPECT(wk_gemm_run(ctx, wx, &g), WK_STATUS_INVALID_ARGUMENT, "a_scale·w_scale subnormal");
    wk_gemm_weights_free(wx);
    /* in range: a large and a tiny product, both normal */
    as[0] = 1e30f, as[1] = 1e-30f, as[2] = a_scale[2], as[3] = a_scale[3];
    ws[0] = 1e-2f, ws[1] = 1e-2f, ws[2] = 1e-2f, ws[3] = 1e-2f, ws[4] = 1e-2f;
    EXPECT(wk_gemm_weights_create(ctx, w, K, ws, bias, N, K, &wx), WK_STATUS_OK, "weights");
    g = good, g.a_scale = as;
    EXPECT(wk_gemm_run(ctx, wx, &g), WK_STATUS_OK, "a_scale·w_scale 1e28 and 1e-32");
    wk_gemm_weights_free(wx);
  }

  /* ── the per-group output (group_cols): 1-column groups of the 5, the first 2 quantized ── */
  {
    enum { GQ = 2, GF = N - GQ };
    float y[M * N], gs[GQ * M], gout[M * GF];
    int8_t gq[M * GQ];
    uint32_t gam[M * GF];
    const wk_gemm_args plain = {.m = M, .a = a, .a_stride = K, .a_scale = a_scale, .out = y,
                                .out_stride = N};
    EXPECT(wk_gemm_run(ctx, wt, &plain), WK_STATUS_OK, "fp32 run for the groups");
    const wk_gemm_args good_g = {.m = M, .a = a, .a_stride = K, .a_scale = a_scale,
                                 .group_cols = 1, .groups_q = GQ, .groups.q = gq,
                                 .groups.q_stride = GQ, .groups.scale = gs,
                                 .groups.scale_stride = M, .out = gout, .out_stride = GF,
                                 .groups.amax = gam, .groups.amax_stride = GF};
    memset(gq, 0x33, sizeof gq), memset(gs, 0x33, sizeof gs);
    memset(gout, 0x33, sizeof gout), memset(gam, 0x33, sizeof gam);
#define RUN_G_EXPECT(edit, status, what) \
  do {                                   \
    g = good_g;                          \
    edit;                                \
    EXPECT(wk_gemm_run(ctx, wt, &g), status, what); \
  } while (0)
    RUN_G_EXPECT(g.group_cols = 2, WK_STATUS_INVALID_ARGUMENT, "group_cols not dividing n");
    RUN_G_EXPECT(g.group_cols = -1, WK_STATUS_INVALID_ARGUMENT, "group_cols < 0");
    RUN_G_EXPECT(g.groups_q = N + 1, WK_STATUS_INVALID_ARGUMENT, "groups_q > n / group_cols");
    RUN_G_EXPECT(g.groups_q = -1, WK_STATUS_INVALID_ARGUMENT, "groups_q < 0");
    RUN_G_EXPECT(g.gelu = 1, WK_STATUS_INVALID_ARGUMENT, "groups with gelu");
    RUN_G_EXPECT((g.residual = res, g.residual_stride = N), WK_STATUS_INVALID_ARGUMENT,
                 "groups with a residual");
    RUN_G_EXPECT((g.out_q = gq, g.out_q_scale = gs), WK_STATUS_INVALID_ARGUMENT,
                 "groups with out_q");
    RUN_G_EXPECT(g.groups.q = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL groups.q");
    CHECK(strstr(wk_last_error(), "groups.q") != NULL, "message does not name groups.q: %s",
          wk_last_error());
    RUN_G_EXPECT(g.groups.scale = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL groups.scale");
    RUN_G_EXPECT(g.out = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL out with fp32 groups");
    RUN_G_EXPECT(g.groups.amax = NULL, WK_STATUS_INVALID_ARGUMENT, "NULL groups.amax");
    RUN_G_EXPECT(g.groups.q_stride = GQ - 1, WK_STATUS_INVALID_ARGUMENT, "groups.q_stride short");
    RUN_G_EXPECT(g.groups.scale_stride = M - 1, WK_STATUS_INVALID_ARGUMENT,
                 "groups.scale_stride short");
    RUN_G_EXPECT(g.groups.amax_stride = GF - 1, WK_STATUS_INVALID_ARGUMENT,
                 "groups.amax_stride short");
    RUN_G_EXPECT(g.out_stride = GF - 1, WK_STATUS_INVALID_ARGUMENT, "out_stride short");
    RUN_G_EXPECT(g.groups.q_stride = -1, WK_STATUS_INVALID_ARGUMENT, "negative groups.q_stride");
    RUN_G_EXPECT(g.groups.q_stride = PTRDIFF_MAX / 2, WK_STATUS_INVALID_ARGUMENT,
                 "groups.q_stride overflow");
    RUN_G_EXPECT(g.groups.q = a + 2, WK_STATUS_INVALID_ARGUMENT, "groups.q overlaps a");
    RUN_G_EXPECT(g.groups.scale = a_scale + 1, WK_STATUS_INVALID_ARGUMENT,
                 "groups.scale overlaps a_scale");
    RUN_G_EXPECT(g.groups.amax = (uint32_t *)(void *)(gs + 2), WK_STATUS_INVALID_ARGUMENT,
                 "groups.amax overlaps groups.scale");
    RUN_G_EXPECT(g.out = (float *)(void *)(gam + 1), WK_STATUS_INVALID_ARGUMENT,
                 "out overlaps groups.amax");
    CHECK(strstr(wk_last_error(), "overlaps") != NULL, "message does not say overlaps: %s",
          wk_last_error());
    for (size_t i = 0; i < sizeof gq; i++) CHECK(gq[i] == 0x33, "groups.q written by a failing call");
    for (size_t i = 0; i < sizeof gout; i++)
      CHECK(((uint8_t *)gout)[i] == 0x33, "out written by a failing call");
    /* valid: all groups quantized (no fp32 part: out and groups.amax may be NULL), then the mix */
    float gs_all[N * M];
    int8_t gq_all[M * N];
    RUN_G_EXPECT((g.groups_q = N, g.groups.q = gq_all, g.groups.q_stride = N, g.groups.scale = gs_all,
                  g.out = NULL, g.groups.amax = NULL), WK_STATUS_OK, "every group quantized");
    RUN_G_EXPECT((void)0, WK_STATUS_OK, "valid groups");
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        int8_t q;
        float sc;
        wk_quantize_rows(ctx, &y[i * N + j], 1, 1, 1, &q, 1, &sc);
        if (j < GQ)
          CHECK(gq[i * GQ + j] == q && memcmp(&gs[j * M + i], &sc, sizeof sc) == 0,
                "group (%d, %d) differs from wk_quantize_rows", i, j);
        uint32_t bits;
        memcpy(&bits, &y[i * N + j], sizeof bits);
        if (j >= GQ)
          CHECK(memcmp(&gout[i * GF + j - GQ], &y[i * N + j], sizeof(float)) == 0 &&
                    gam[i * GF + j - GQ] == (bits & 0x7fffffffu),
                "fp32 group (%d, %d) or its maximum differs", i, j);
        CHECK(gq_all[i * N + j] == q && memcmp(&gs_all[j * M + i], &sc, sizeof sc) == 0,
              "group (%d, %d) of the all-quantized run differs", i, j);
      }
#undef RUN_G_EXPECT
  }

  /* weights packed for another ISA */
  for (int isa = WK_ISA_AVX2; isa < WK_ISA_COUNT; isa++) {
    if (!wk_isa_supported((wk_isa)isa)) continue;
    wk_context *other = NULL;
    wk_context_options oo = {1, (wk_isa)isa};
    if (wk_context_create(&oo, &other) != WK_STATUS_OK) continue;
    EXPECT(wk_gemm_run(other, wt, &good), WK_STATUS_INVALID_ARGUMENT, "weights of another ISA");
    wk_context_free(other);
    break;
  }
  wk_gemm_weights_free(wt);

  /* ── quantize ── */
  float x[M * K];
  int8_t q[M * K];
  float sc[M];
  for (int i = 0; i < M * K; i++) x[i] = (float)i - 10.0f;
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, q, K, sc), WK_STATUS_OK, "valid quantize");
  EXPECT(wk_quantize_rows(NULL, x, K, M, K, q, K, sc), WK_STATUS_INVALID_ARGUMENT, "NULL ctx");
  EXPECT(wk_quantize_rows(ctx, NULL, K, M, K, q, K, sc), WK_STATUS_INVALID_ARGUMENT, "NULL x");
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, NULL, K, sc), WK_STATUS_INVALID_ARGUMENT, "NULL q");
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, q, K, NULL), WK_STATUS_INVALID_ARGUMENT, "NULL scale");
  EXPECT(wk_quantize_rows(ctx, x, K, 0, K, q, K, sc), WK_STATUS_INVALID_ARGUMENT, "m = 0");
  EXPECT(wk_quantize_rows(ctx, x, K, M, 0, q, K, sc), WK_STATUS_INVALID_ARGUMENT, "k = 0");
  EXPECT(wk_quantize_rows(ctx, x, -K, M, K, q, K, sc), WK_STATUS_INVALID_ARGUMENT, "x_stride < 0");
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, q, K - 1, sc), WK_STATUS_INVALID_ARGUMENT,
         "q_stride < k");
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, (int8_t *)(void *)(x + 3), K, sc),
         WK_STATUS_INVALID_ARGUMENT, "q overlaps x");
  EXPECT(wk_quantize_rows(ctx, x, K, M, K, q, K, x + M * K - 2), WK_STATUS_INVALID_ARGUMENT,
         "scale overlaps x");
  static const float bad_x[] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad_x / sizeof bad_x[0]; i++) {
    x[2 * K + 5] = bad_x[i];
    EXPECT(wk_quantize_rows(ctx, x, K, M, K, q, K, sc), WK_STATUS_INVALID_ARGUMENT,
           "non-finite x");
    CHECK(strstr(wk_last_error(), "row 2") != NULL, "message does not name row 2: %s",
          wk_last_error());
  }
  wk_context_free(ctx);
  return wk_test_finish("test_gemm_args");
}
