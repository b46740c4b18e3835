/* ref_util.h — helpers shared by the FP64 references (layer_ref.c, stem_ref.c). */
#ifndef WK_REF_UTIL_H
#define WK_REF_UTIL_H

#include <math.h>

/* Σ w[i]·x[i] in double, four interleaved partial sums (a fixed order, and 4× the scalar
 * add throughput of one chain). */
static inline double wk_ref_dot_fd(const float *w, const double *x, int n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)w[i] * x[i];
    s1 += (double)w[i + 1] * x[i + 1];
    s2 += (double)w[i + 2] * x[i + 2];
    s3 += (double)w[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += (double)w[i] * x[i];
  return (s0 + s1) + (s2 + s3);
}

/* GELU, erf form, in double: x·Φ(x). */
static inline double wk_ref_gelu(double u) { return 0.5 * u * (1.0 + erf(u * 0.70710678118654752440)); }

/* LayerNorm of x [d] in double (eps 1e-5, biased variance) with float gain and bias → y [d]. */
static inline void wk_ref_layernorm(const double *x, int d, const float *g, const float *b,
                                    double *y) {
  double s = 0, ss = 0;
  for (int i = 0; i < d; i++) s += x[i];
  const double mean = s / d;
  for (int i = 0; i < d; i++) ss += (x[i] - mean) * (x[i] - mean);
  const double rstd = 1.0 / sqrt(ss / d + 1e-5);
  for (int i = 0; i < d; i++) y[i] = (x[i] - mean) * rstd * g[i] + b[i];
}

#endif
