/* gelu_check.c — checks wk_gelu (src/gemm/gemm-internal.h) over every float x in [−10, 10]
 * against x·½·erfc(−x/√2) in double: the largest absolute error (and where), the largest
 * relative error where |gelu| ≥ 1e-3, and the exact limits (gelu(x) == x from T = 5.4 up,
 * == 0 from −T down).  ~1 min.
 *   cc -O2 -ffp-contract=off -Isrc -Iinclude tools/fit/gelu_check.c -lm && ./a.out
 * Not used by the build. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gemm/gemm-internal.h"

static double ref(float x) { return 0.5 * (double)x * erfc(-(double)x * 0.70710678118654752440); }

int main(void) {
  double worst_abs = 0, worst_rel = 0;
  float at_abs = 0, at_rel = 0;
  long n = 0;
  for (int sign = 0; sign < 2; sign++)
    for (uint32_t b = 0;; b++) { /* +0 … 10, then −0 … −10 */
      const uint32_t bits = b | (uint32_t)sign << 31;
      float x;
      memcpy(&x, &bits, 4);
      if (fabsf(x) > 10.0f) break;
      const double g = wk_gelu(x), r = ref(x), e = fabs(g - r);
      if (e > worst_abs) worst_abs = e, at_abs = x;
      if (fabs(r) >= 1e-3 && e / fabs(r) > worst_rel) worst_rel = e / fabs(r), at_rel = x;
      n++;
    }
  int limits = 1;
  for (float x = WK_GELU_T; x < 1e30f; x *= 1.001f) limits &= wk_gelu(x) == x;
  for (float x = -WK_GELU_T; x > -1e30f; x *= 1.001f) limits &= wk_gelu(x) == 0.0f;
  limits &= wk_gelu(INFINITY) == INFINITY && wk_gelu(-INFINITY) == 0.0f && isnan(wk_gelu(NAN));
  printf("%ld floats in [-10, 10]: max abs error %.3g (x = %.7g), max rel error %.3g where "
         "|gelu| >= 1e-3 (x = %.7g); limits %s\n",
         n, worst_abs, (double)at_abs, worst_rel, (double)at_rel, limits ? "exact" : "BROKEN");
  return !limits;
}
