/* gemm-scalar.c — the specification kernel: plain loops over row-major weights.
 * Every other GEMM kernel must produce exactly these output bytes (gemm-internal.h). */
#include "gemm/gemm-internal.h"

/* "Packing" is a plain copy: panels of one column, i.e. W row-major [n][k], contiguous. */
static size_t panel_size(int k) { return (size_t)k; }

static size_t scratch_size(int k) {
  (void)k;
  return 0;
}

static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  int8_t *o = packed; /* [n][k] */
  for (int j = 0; j < n; j++) memcpy(o + (size_t)j * k, w + j * w_stride, (size_t)k);
}

static void block(const wk_gemm_block_args *p) {
  const int8_t *w = p->w; /* [n][k] */
  const int k = p->k;
  for (int i = 0; i < p->m; i++) {
    const int8_t *a = p->a + i * p->a_stride;                                   /* [k] */
    const float *res = p->residual ? p->residual + i * p->residual_stride : NULL; /* [n] */
    float *out = p->out + i * p->out_stride;                                    /* [n] */
    for (int j = 0; j < p->n; j++) {
      const int8_t *wj = w + (size_t)j * k; /* [k] */
      int32_t acc = 0;
      for (int kk = 0; kk < k; kk++) acc += (int32_t)a[kk] * (int32_t)wj[kk];
      float y = (float)acc * (p->a_scale[i] * p->w_scale[j]);
      if (p->bias) y = y + p->bias[j];
      if (p->gelu) y = wk_gelu(y);
      if (res) y = y + res[j];
      out[j] = y;
    }
  }
}

const wk_gemm_kernel wk_gemm_kernel_scalar = {
    .name = "wk_qs8_gemm_ukernel_1x1__scalar",
    .isa = WK_ISA_SCALAR,
    .mr = 1,
    .nr = 1,
    .panel_size = panel_size,
    .scratch_size = scratch_size,
    .pack = pack,
    .block = block,
};
