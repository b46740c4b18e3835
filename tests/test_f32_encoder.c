/* test_f32_encoder.c [ISA] — the FP32 encoder (src/model/encoder-f32.c): the output is byte-identical
 * on the scalar spec and `ISA`, with 1, 2 and 3 threads, and when two threads run one encoder
 * at once; bad arguments get a status, never a crash.  Small synthetic encoders (odd n_ctx, head
 * dims 32 and 48) keep the scalar run short; accuracy against float64 NumPy is
 * test_encoder_f32.sh's job. */
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "f32_synth.h"
#include "model/encoder-f32.h"

typedef struct run_arg {
  const wk_encoder_fp32 *e;
  const float *mel;
  wk_isa isa;
  int threads;
  float *out; /* [n_ctx][d] */
  wk_status status;
} run_arg;

static void *run(void *p) {
  run_arg *a = p;
  wk_context *ctx = wk_test_context(a->isa, a->threads);
  const size_t wsz = wk_encoder_fp32_workspace_size(a->e, a->threads);
  void *ws = wk_alloc(wsz);
  wk_encoder_profile prof = {0};
  a->status = ws ? wk_encoder_fp32_run(ctx, a->e, a->mel, a->out, ws, wsz, &prof)
                 : WK_STATUS_OUT_OF_MEMORY;
  if (a->status) fprintf(stderr, "run: %s\n", wk_last_error());
  const double sum = prof.conv + prof.attention + prof.gemm + prof.norm + prof.quant + prof.other;
  if (!a->status)
    CHECK(fabs(sum - prof.total) <= 1e-9 + 1e-6 * prof.total, "profile stages sum %g != total %g",
          sum, prof.total);
  wk_free(ws);
  wk_context_free(ctx);
  return NULL;
}

static void test_args(const f32_synth *s, const wk_encoder_fp32 *e) {
  wk_context *ctx = wk_test_context(WK_ISA_SCALAR, 1);
  const int n = s->w.n_ctx, d = s->w.d;
  const size_t wsz = wk_encoder_fp32_workspace_size(e, 1);
  void *ws = wk_alloc(wsz);
  float *out = wk_alloc_array((size_t)n * d, sizeof(float));
  float *mel = wk_alloc_array((size_t)s->w.n_mels * 2 * n, sizeof(float));
  memcpy(mel, s->stem.mel, sizeof(float) * s->w.n_mels * 2 * n);
  CHECK(wk_encoder_fp32_workspace_size(NULL, 1) == 0, "NULL encoder");
  CHECK(wk_encoder_fp32_workspace_size(e, 0) == 0, "0 threads");
  CHECK(wk_encoder_fp32_run(ctx, e, mel, out, ws, wsz - 1, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "small workspace");
  CHECK(wk_encoder_fp32_run(ctx, e, mel, out, (char *)ws + 4, wsz - 4, NULL) ==
            WK_STATUS_INVALID_ARGUMENT, "misaligned workspace");
  CHECK(wk_encoder_fp32_run(ctx, e, NULL, out, ws, wsz, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "NULL mel");
  CHECK(wk_encoder_fp32_run(ctx, e, mel, (float *)ws, ws, wsz, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "out overlaps ws");
  mel[17] = NAN;
  CHECK(wk_encoder_fp32_run(ctx, e, mel, out, ws, wsz, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "NaN mel");
  mel[17] = 1e30f; /* finite, but overflows inside */
  for (int i = 0; i < 200; i++) mel[i] = 1e30f;
  CHECK(wk_encoder_fp32_run(ctx, e, mel, out, ws, wsz, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "overflow");
  printf("overflow: %s\n", wk_last_error());
  wk_encoder_fp32 *bad = NULL;
  wk_encoder_f32 w = s->w;
  w.heads = 3; /* does not divide d */
  CHECK(wk_encoder_fp32_create(ctx, &w, &bad) == WK_STATUS_INVALID_ARGUMENT && !bad, "heads");
  w = s->w;
  w.ln_post_g = NULL;
  CHECK(wk_encoder_fp32_create(ctx, &w, &bad) == WK_STATUS_INVALID_ARGUMENT && !bad, "NULL ln");
  w = s->w;
  float g0 = s->ln_post[0];
  s->ln_post[0] = NAN; /* fails after the layers' table is allocated */
  CHECK(wk_encoder_fp32_create(ctx, &w, &bad) == WK_STATUS_INVALID_ARGUMENT && !bad, "NaN ln_post");
  s->ln_post[0] = g0;
  w.n_layer = 0;
  CHECK(wk_encoder_fp32_create(ctx, &w, &bad) == WK_STATUS_INVALID_ARGUMENT && !bad, "0 layers");
  ((float *)s->lw[s->w.n_layer - 1].w1)[5] = INFINITY; /* the synth owns it: writable */
  CHECK(wk_encoder_fp32_create(ctx, &s->w, &bad) == WK_STATUS_INVALID_ARGUMENT && !bad,
        "inf weight");
  printf("inf weight: %s\n", wk_last_error());
  ((float *)s->lw[s->w.n_layer - 1].w1)[5] = 0.0f;
  CHECK(wk_encoder_fp32_create(NULL, &s->w, &bad) == WK_STATUS_INVALID_ARGUMENT, "NULL ctx");
  wk_encoder_fp32_free(NULL);
  wk_free(ws), wk_free(out), wk_free(mel);
  wk_context_free(ctx);
}

static void test_config(int filter, int n_mels, int n_ctx, int d, int heads, int layers) {
  f32_synth s;
  if (!f32_synth_make(n_mels, n_ctx, d, heads, layers, 3, &s)) exit(1);
  wk_context *ctx = wk_test_context(WK_ISA_SCALAR, 2);
  wk_encoder_fp32 *e = NULL;
  CHECK(wk_encoder_fp32_create(ctx, &s.w, &e) == 0, "%s", wk_last_error());
  wk_context_free(ctx);
  if (!e) exit(1);
  const size_t n_out = (size_t)n_ctx * d;
  float *ref = wk_alloc_array(n_out, sizeof(float)), *out = wk_alloc_array(2 * n_out, sizeof(float));
  run_arg a = {e, s.stem.mel, WK_ISA_SCALAR, 1, ref, 0};
  run(&a);
  CHECK(a.status == 0 && wk_all_finite(ref, n_out), "scalar run");
  int compared = 0;
  for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
    if (!wk_test_isa_wanted(filter, isa)) continue;
    for (int t = 1; t <= 3; t++) {
      if (isa == WK_ISA_SCALAR && t == 1) continue;
      run_arg b = {e, s.stem.mel, (wk_isa)isa, t, out, 0};
      run(&b);
      CHECK(b.status == 0 && memcmp(out, ref, n_out * sizeof(float)) == 0,
            "n_ctx=%d d=%d heads=%d: %s with %d threads differs from scalar", n_ctx, d, heads,
            wk_isa_name((wk_isa)isa), t);
      compared++;
    }
    /* two threads running the one encoder at once, each with its own context and workspace */
    run_arg c[2] = {{e, s.stem.mel, (wk_isa)isa, 2, out, 0}, {e, s.stem.mel, (wk_isa)isa, 1, out + n_out, 0}};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, run, &c[0]) == 0, "pthread_create");
    run(&c[1]);
    pthread_join(th, NULL);
    CHECK(c[0].status == 0 && c[1].status == 0 && memcmp(out, ref, n_out * sizeof(float)) == 0 &&
              memcmp(out + n_out, ref, n_out * sizeof(float)) == 0,
          "%s: concurrent runs differ", wk_isa_name((wk_isa)isa));
  }
  printf("n_mels=%d n_ctx=%d d=%d heads=%d layers=%d: %d runs compared with scalar\n", n_mels,
         n_ctx, d, heads, layers, compared);
  if (filter < 0 || filter == WK_ISA_SCALAR) test_args(&s, e);
  wk_free(ref), wk_free(out);
  wk_encoder_fp32_free(e);
  f32_synth_free(&s);
}

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  test_config(filter, 8, 37, 64, 2, 2);  /* head_dim 32 */
  test_config(filter, 5, 70, 96, 2, 1);  /* head_dim 48, n_ctx past one 64-key panel */
  return wk_test_finish("test_f32_encoder");
}
