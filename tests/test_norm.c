/* test_norm.c — the LayerNorm family: every ISA's kernel bit-identical to the scalar spec on
 * remainder widths, the error against a double-precision LayerNorm bounded, constant rows,
 * huge values, and NaN/∞/overflow rejected with an error status. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "norm/norm-internal.h"
#include "norm/norm.h"
#include "quant/quant-internal.h"
#include "test_util.h"

static const int widths[] = {1, 2, 15, 16, 17, 31, 33, 383, 384, 385, 1280};
#define N_WIDTHS ((int)(sizeof widths / sizeof widths[0]))
#define ROWS 5

/* Double-precision LayerNorm of one row (two-pass, eps = 1e-5). */
/* Returns |mean|·rstd: the row's conditioning (rounding the mean to float costs up to
 * ½ ulp(mean)·rstd in every normalised output). */
static double ln_double(const float *x, int d, const float *g, const float *b, double *y) {
  double s = 0, ss = 0;
  for (int i = 0; i < d; i++) s += x[i];
  const double mean = s / d;
  for (int i = 0; i < d; i++) ss += (x[i] - mean) * (x[i] - mean);
  const double rstd = 1.0 / sqrt(ss / d + 1e-5);
  for (int i = 0; i < d; i++) y[i] = (x[i] - mean) * rstd * g[i] + b[i];
  return fabs(mean) * rstd;
}

static float gauss(wk_test_rng *r) {
  double u1 = (wk_test_next(r) >> 11) * (1.0 / 9007199254740992.0) + 1e-300;
  double u2 = (wk_test_next(r) >> 11) * (1.0 / 9007199254740992.0);
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  wk_test_rng rng = {7};
  wk_context *ctx[WK_ISA_COUNT] = {0};
  for (int i = 0; i < WK_ISA_COUNT; i++)
    if (wk_test_isa_wanted(filter, i)) ctx[i] = wk_test_context((wk_isa)i, 2);
  double worst = 0;
  for (int wi = 0; wi < N_WIDTHS; wi++) {
    const int d = widths[wi];
    float *x = malloc(sizeof(float) * ROWS * d), *g = malloc(sizeof(float) * d);
    float *b = malloc(sizeof(float) * d), *y0 = malloc(sizeof(float) * ROWS * d);
    float *y = malloc(sizeof(float) * ROWS * d), *s0 = malloc(sizeof(float) * ROWS);
    float *s = malloc(sizeof(float) * ROWS);
    int8_t *q0 = malloc((size_t)ROWS * d), *q = malloc((size_t)ROWS * d);
    double *yd = malloc(sizeof(double) * d);
    for (int i = 0; i < d; i++) g[i] = 1.0f + 0.2f * gauss(&rng), b[i] = 0.1f * gauss(&rng);
    /* rows: N(0,1); N(3, 0.01) (mean ≫ std); an outlier channel ×50; constant; ±1e17 scale */
    for (int r = 0; r < ROWS; r++)
      for (int i = 0; i < d; i++) {
        float v = gauss(&rng);
        x[r * d + i] = r == 0 ? v : r == 1 ? 3.0f + 0.01f * v : r == 2 ? (i == d / 2 ? 50 * v : v)
                     : r == 3 ? 0.75f : 1e17f * v;
      }
    CHECK(wk_layernorm_rows(ctx[0], x, d, ROWS, d, g, b, y0, d) == WK_STATUS_OK, "%s",
          wk_last_error());
    CHECK(wk_layernorm_quantize_rows(ctx[0], x, d, ROWS, d, g, b, q0, d, s0) == WK_STATUS_OK,
          "%s", wk_last_error());
    /* against double: |err| ≤ 1e-5·(1 + |y|) + 2^-23·(|mean|·rstd)·|g| (norm-internal.h) */
    for (int r = 0; r < ROWS; r++) {
      const double cond = ln_double(x + r * d, d, g, b, yd);
      for (int i = 0; i < d; i++) {
        double e = fabs(y0[r * d + i] - yd[i]);
        double bound = 1e-5 * (1.0 + fabs(yd[i])) + FLT_EPSILON * cond * fabs(g[i]);
        if (e / bound > worst) worst = e / bound;
        CHECK(e <= bound, "d=%d row %d col %d: %.9g vs %.9g", d, r, i, y0[r * d + i], yd[i]);
      }
    }
    /* constant row: variance 0 → y = b exactly (dev = 0) */
    for (int i = 0; i < d; i++) CHECK(y0[3 * d + i] == b[i], "constant row d=%d col %d", d, i);
    /* fused = quantize(layernorm) with the quant family's quantizer */
    for (int r = 0; r < ROWS; r++) {
      int8_t qq[1280];
      float sc = 0.0f;
      CHECK(wk_quant_row(&wk_quant_kernel_scalar, y0 + r * d, d, qq, &sc), "quantize");
      CHECK(sc == s0[r] && memcmp(qq, q0 + r * d, (size_t)d) == 0, "fused d=%d row %d", d, r);
    }
    /* every ISA, 1 and 2 threads, in place too: bit-identical */
    for (int k = 1; k < WK_ISA_COUNT; k++) {
      if (!ctx[k]) continue;
      memset(y, 0xcc, sizeof(float) * ROWS * d);
      CHECK(wk_layernorm_rows(ctx[k], x, d, ROWS, d, g, b, y, d) == WK_STATUS_OK, "%s",
            wk_last_error());
      CHECK(memcmp(y, y0, sizeof(float) * ROWS * d) == 0, "%s d=%d differs from scalar",
            wk_isa_name((wk_isa)k), d);
      memcpy(y, x, sizeof(float) * ROWS * d);
      CHECK(wk_layernorm_rows(ctx[k], y, d, ROWS, d, g, b, y, d) == WK_STATUS_OK, "in place");
      CHECK(memcmp(y, y0, sizeof(float) * ROWS * d) == 0, "%s d=%d in place differs",
            wk_isa_name((wk_isa)k), d);
      CHECK(wk_layernorm_quantize_rows(ctx[k], x, d, ROWS, d, g, b, q, d, s) == WK_STATUS_OK,
            "%s", wk_last_error());
      CHECK(memcmp(q, q0, (size_t)ROWS * d) == 0 && memcmp(s, s0, sizeof(float) * ROWS) == 0,
            "%s d=%d fused differs from scalar", wk_isa_name((wk_isa)k), d);
      /* kernel level: NaN, ∞ and overflowing rows rejected, nothing written */
      const wk_norm_kernel *kern = wk_kernels_for((wk_isa)k)->norm;
      const float bad[3] = {NAN, INFINITY, 3e30f};
      for (int bi = 0; bi < 3; bi++) {
        if (bi == 2 && d == 1) continue; /* one element: dev = 0, no overflow */
        memcpy(y, x, sizeof(float) * d);
        y[d - 1] = bad[bi];
        float sentinel = -7.0f, out[1280];
        out[0] = sentinel;
        CHECK(!kern->layernorm_row(y, d, g, b, out) && out[0] == sentinel,
              "%s d=%d bad value %d accepted", kern->name, d, bi);
      }
    }
    /* operator: NaN in row 2 → INVALID_ARGUMENT on every ISA */
    for (int k = 0; k < WK_ISA_COUNT; k++) {
      if (!ctx[k]) continue;
      memcpy(y, x, sizeof(float) * ROWS * d);
      y[2 * d + d / 3] = NAN;
      CHECK(wk_layernorm_rows(ctx[k], y, d, ROWS, d, g, b, y0, d) == WK_STATUS_INVALID_ARGUMENT,
            "NaN accepted");
      CHECK(strstr(wk_last_error(), "row 2") != NULL, "message: %s", wk_last_error());
      CHECK(wk_layernorm_quantize_rows(ctx[k], y, d, ROWS, d, g, b, q, d, s) ==
                WK_STATUS_INVALID_ARGUMENT, "NaN accepted (fused)");
    }
    free(x), free(g), free(b), free(y0), free(y), free(s0), free(s), free(q0), free(q), free(yd);
  }
  /* argument checks */
  float one = 1, z = 0, out = 0;
  CHECK(wk_layernorm_rows(ctx[0], NULL, 1, 1, 1, &one, &z, &out, 1) != WK_STATUS_OK, "NULL x");
  CHECK(wk_layernorm_rows(ctx[0], &one, 1, 0, 1, &one, &z, &out, 1) != WK_STATUS_OK, "m=0");
  CHECK(wk_layernorm_rows(ctx[0], &one, 1, 1, 0, &one, &z, &out, 1) != WK_STATUS_OK, "d=0");
  printf("max |err| vs double, as a fraction of the documented bound: %.3g\n", worst);
  for (int i = 0; i < WK_ISA_COUNT; i++) wk_context_free(ctx[i]);
  return wk_test_finish("test_norm");
}
