/* test_stem.c — Whisper's conv stem: the INT8 stem against its FP32 reference (cosine ≥ 0.9995
 * at tiny's shape: n_mels 80, d 384, 3000 frames, synthetic weights N(0, 0.02²), a mel-like
 * input); the INT8 stem bit-identical on every ISA the CPU has and on 1 and 2 threads (a small
 * stem, so the scalar kernels stay quick), repeat and shorter calls included; and bad arguments
 * (NULL, odd or too few or too many frames, NaN in mel or in the weights) → a clear status. */
#include <math.h>
#include <string.h>

#include "stem_ref.h"
#include "stem_synth.h"
#include "test_util.h"

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  /* accuracy at tiny's shape */
  wk_context *ctx = wk_test_context(filter < 0 ? WK_ISA_AUTO : (wk_isa)filter, 2);
  wk_stem_synth s;
  wk_stem_metrics m;
  CHECK(wk_stem_synth_make(80, 384, 3000, 31, &s), "oom");
  CHECK(wk_stem_synth_evaluate(ctx, &s, &m) == WK_STATUS_OK, "%s", wk_last_error());
  printf("tiny stem (%s): cosine %.7f rel_err %.3e; convolutions alone (x - pos): cosine %.7f "
         "rel_err %.3e; max_abs %.3g\n", wk_isa_name(wk_context_isa(ctx)), m.cosine, m.rel_err,
         m.delta_cosine, m.delta_rel_err, m.max_abs_err);
  CHECK(m.cosine >= 0.9995, "cosine %.7f", m.cosine);
  CHECK(m.delta_cosine >= 0.999, "delta cosine %.7f", m.delta_cosine);
  wk_stem_synth_free(&s);
  wk_context_free(ctx);

  /* bit-exact across ISAs and thread counts: n_mels 80, d 64, 250 frames (odd T/2) */
  enum { C = 80, D = 64, T = 250 };
  CHECK(wk_stem_synth_make(C, D, T, 7, &s), "oom");
  const size_t nx = (size_t)T / 2 * D;
  float *x0 = malloc(sizeof(float) * nx), *x = malloc(sizeof(float) * nx);
  float *xs = malloc(sizeof(float) * nx);
  int have_ref = 0;
  for (int isa = 0; isa < WK_ISA_COUNT; isa++)
    for (int threads = 1; threads <= 2; threads++) {
      if (!wk_test_isa_wanted(filter, isa)) continue;
      wk_context *c = wk_test_context((wk_isa)isa, threads);
      wk_stem *st = NULL;
      CHECK(wk_stem_create(c, &s.w, &st) == WK_STATUS_OK, "%s", wk_last_error());
      if (!st) continue;
      /* a shorter call first (scratch grows after), then the full one */
      float mel10[C * 10]; /* [C][10]: the first 10 frames */
      for (int ch = 0; ch < C; ch++) memcpy(mel10 + ch * 10, s.mel + ch * T, sizeof(float) * 10);
      memset(xs, 0, sizeof(float) * nx);
      CHECK(wk_stem_run(c, st, mel10, 10, xs, NULL, 0) == WK_STATUS_OK, "%s", wk_last_error());
      CHECK(wk_stem_run(c, st, s.mel, T, have_ref ? x : x0, NULL, 0) == WK_STATUS_OK, "%s",
            wk_last_error());
      if (have_ref)
        CHECK(memcmp(x, x0, sizeof(float) * nx) == 0, "%s, %d threads differs",
              wk_isa_name((wk_isa)isa), threads);
      have_ref = 1;
      CHECK(wk_stem_run(c, st, s.mel, T, x, NULL, 0) == WK_STATUS_OK, "%s", wk_last_error());
      CHECK(memcmp(x, x0, sizeof(float) * nx) == 0, "repeat call differs");

      /* bad arguments */
      float *mel = malloc(sizeof(float) * C * T);
      memcpy(mel, s.mel, sizeof(float) * C * T);
      CHECK(wk_stem_run(NULL, st, mel, T, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "NULL ctx");
      CHECK(wk_stem_run(c, NULL, mel, T, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "NULL stem");
      CHECK(wk_stem_run(c, st, NULL, T, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "NULL mel");
      CHECK(wk_stem_run(c, st, mel, T, NULL, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "NULL x");
      CHECK(wk_stem_run(c, st, mel, T - 1, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "odd frames");
      CHECK(wk_stem_run(c, st, mel, 0, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "0 frames");
      CHECK(wk_stem_run(c, st, mel, 1, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "1 frame");
      CHECK(wk_stem_run(c, st, mel, -2, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "-2 frames");
      CHECK(wk_stem_run(c, st, mel, T + 2, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "frames > 2 n_ctx");
      mel[17 * T + 101] = NAN;
      CHECK(wk_stem_run(c, st, mel, T, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "NaN accepted");
      CHECK(strstr(wk_last_error(), "mel[17][101]") != NULL, "message: %s", wk_last_error());
      CHECK(wk_stem_forward_ref(c, &s.w, mel, T, x) == WK_STATUS_INVALID_ARGUMENT,
            "ref: NaN accepted");
      mel[17 * T + 101] = INFINITY;
      CHECK(wk_stem_run(c, st, mel, T, x, NULL, 0) == WK_STATUS_INVALID_ARGUMENT, "inf accepted");
      free(mel);
      wk_stem_free(st);
      wk_context_free(c);
    }
  /* the 10-frame call: output rows 0..3 only read mel frames 0..8 (conv2 row t reads conv1
   * frames 2t−1..2t+1, which read mel 2t−2..2t+2), so they equal the full call's; row 4 reads
   * the zero padding after frame 9 instead of frame 10. */
  CHECK(memcmp(xs, x0, sizeof(float) * 4 * D) == 0, "short call rows 0..3 differ");

  /* bad weights */
  ctx = wk_test_context(WK_ISA_AUTO, 1);
  wk_stem *st = (wk_stem *)&st;
  CHECK(wk_stem_create(ctx, NULL, &st) == WK_STATUS_INVALID_ARGUMENT && st == NULL, "NULL w");
  CHECK(wk_stem_create(NULL, &s.w, &st) == WK_STATUS_INVALID_ARGUMENT, "NULL ctx");
  CHECK(wk_stem_create(ctx, &s.w, NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL out");
  wk_stem_f32 bad = s.w;
  bad.conv2_b = NULL;
  CHECK(wk_stem_create(ctx, &bad, &st) == WK_STATUS_INVALID_ARGUMENT, "NULL conv2_b");
  bad = s.w, bad.n_mels = 0;
  CHECK(wk_stem_create(ctx, &bad, &st) == WK_STATUS_INVALID_ARGUMENT, "n_mels 0");
  bad = s.w, bad.d = 30000;
  CHECK(wk_stem_create(ctx, &bad, &st) == WK_STATUS_INVALID_ARGUMENT, "d too large");
  s.buf[5] = NAN; /* conv1_w */
  CHECK(wk_stem_create(ctx, &s.w, &st) == WK_STATUS_INVALID_ARGUMENT, "NaN weight accepted");
  CHECK(wk_stem_forward_ref(ctx, &s.w, s.mel, T, x) == WK_STATUS_INVALID_ARGUMENT,
        "ref: NaN weight accepted");
  CHECK(wk_stem_forward_ref(NULL, &s.w, s.mel, T, x) == WK_STATUS_INVALID_ARGUMENT, "ref ctx");
  wk_stem_free(NULL);
  wk_context_free(ctx);
  free(x0), free(x), free(xs);
  wk_stem_synth_free(&s);
  return wk_test_finish("test_stem");
}
