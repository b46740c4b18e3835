/* norm-scalar.c — the specification LayerNorm kernel (norm-internal.h), plain loops.
 * Every other LayerNorm kernel must produce exactly these output bytes. */
#include "norm/norm-internal.h"

/* The halving tree over 16 lane sums: l[j] += l[j+h] for h = 8, 4, 2, 1. */
static float reduce16(float l[WK_NORM_LANES]) {
  for (int h = WK_NORM_LANES / 2; h >= 1; h /= 2)
    for (int j = 0; j < h; j++) l[j] = l[j] + l[j + h];
  return l[0];
}

static int layernorm_row(const float *x, int d, const float *g, const float *b, float *y) {
  float lane[WK_NORM_LANES] = {0}; /* lane l: Σ over i ≡ l (mod 16), increasing i */
  for (int i = 0; i < d; i++) lane[i % WK_NORM_LANES] = lane[i % WK_NORM_LANES] + x[i];
  const float mean = reduce16(lane) / (float)d;
  for (int l = 0; l < WK_NORM_LANES; l++) lane[l] = 0.0f;
  for (int i = 0; i < d; i++) {
    const float dev = x[i] - mean;
    lane[i % WK_NORM_LANES] = lane[i % WK_NORM_LANES] + dev * dev;
  }
  const float var = reduce16(lane) / (float)d;
  if (!(var <= FLT_MAX)) return 0; /* NaN or +∞: a non-finite input or an overflow */
  const float rstd = 1.0f / sqrtf(var + WK_LN_EPS);
  for (int i = 0; i < d; i++) y[i] = ((x[i] - mean) * rstd) * g[i] + b[i];
  return 1;
}

const wk_norm_kernel wk_norm_kernel_scalar = {
    .name = "wk_f32_layernorm_ukernel__scalar",
    .isa = WK_ISA_SCALAR,
    .layernorm_row = layernorm_row,
};
