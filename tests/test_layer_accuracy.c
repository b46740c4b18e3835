/* test_layer_accuracy.c — the INT8 encoder layer against its FP32 reference: cosine ≥ 0.9995
 * on plain synthetic weights and ≥ 0.999 with outlier input channels, at Whisper tiny and base
 * widths (1500 tokens, 32 output rows compared); and the INT8 layer bit-identical on every ISA
 * and thread count (a small layer, so the scalar kernels stay quick). */
#include <math.h>
#include <string.h>

#include "layer_synth.h"
#include "test_util.h"

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  wk_context *ctx = wk_test_context(filter < 0 ? WK_ISA_AUTO : (wk_isa)filter, 2);
  static const int sz[2][2] = {{384, 6}, {512, 8}};
  for (int i = 0; i < 2; i++)
    for (int outl = 0; outl < 2; outl++) {
      wk_layer_synth s;
      wk_layer_metrics m;
      CHECK(wk_layer_synth_make(sz[i][0], sz[i][1], 1500, outl, 77 + i, &s), "oom");
      CHECK(wk_layer_synth_evaluate(ctx, &s, NULL, 32, &m) == WK_STATUS_OK, "%s",
            wk_last_error());
      printf("d=%d outliers=%d: cosine %.7f rel_err %.3e (update alone: cosine %.7f)\n",
             sz[i][0], outl, m.cosine, m.rel_err, m.delta_cosine);
      CHECK(m.cosine >= (outl ? 0.999 : 0.9995), "d=%d outliers=%d cosine %.7f", sz[i][0], outl,
            m.cosine);
      wk_layer_synth_free(&s);
    }
  wk_context_free(ctx);

  /* bit-exact across ISAs and thread counts: d=128, 2 heads, 100 tokens, outliers */
  wk_layer_synth s;
  CHECK(wk_layer_synth_make(128, 2, 100, 1, 5, &s), "oom");
  float *y0 = malloc(sizeof(float) * 100 * 128), *y = malloc(sizeof(float) * 100 * 128);
  int have_ref = 0;
  for (int isa = 0; isa < WK_ISA_COUNT; isa++)
    for (int threads = 1; threads <= 2; threads++) {
      if (!wk_test_isa_wanted(filter, isa)) continue;
      wk_context *c = wk_test_context((wk_isa)isa, threads);
      wk_layer *l = NULL;
      CHECK(wk_layer_create(c, &s.w, NULL, &l) == WK_STATUS_OK, "%s", wk_last_error());
      CHECK(wk_layer_run(c, l, s.x, 100, have_ref ? y : y0, NULL, 0, NULL) == WK_STATUS_OK, "%s",
            wk_last_error());
      if (have_ref)
        CHECK(memcmp(y, y0, sizeof(float) * 100 * 128) == 0, "%s, %d threads differs",
              wk_isa_name((wk_isa)isa), threads);
      have_ref = 1;
      /* in place (y == x) gives the same bytes; NaN input is an error */
      memcpy(y, s.x, sizeof(float) * 100 * 128);
      CHECK(wk_layer_run(c, l, y, 100, y, NULL, 0, NULL) == WK_STATUS_OK, "%s", wk_last_error());
      CHECK(memcmp(y, y0, sizeof(float) * 100 * 128) == 0, "in place differs");
      y[5 * 128 + 3] = NAN;
      CHECK(wk_layer_run(c, l, y, 100, y, NULL, 0, NULL) == WK_STATUS_INVALID_ARGUMENT, "NaN accepted");
      wk_layer_free(l);
      wk_context_free(c);
    }
  free(y0), free(y);
  wk_layer_synth_free(&s);
  return wk_test_finish("test_layer_accuracy");
}
