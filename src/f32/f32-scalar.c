/* f32-scalar.c — the FP32 kernels in portable C: the specification (f32-internal.h) written
 * out literally.  Every SIMD kernel must equal these bit for bit. */
#include "f32/f32-internal.h"

/* One output element per (i, j): the sequential-k fmaf chain, then the epilogue. */
static void gemm_block(const wk_f32_gemm_block_args *p) {
  for (int i = 0; i < p->m; i++) {
    const float *x = p->x + i * p->x_stride; /* [k] */
    for (int j = 0; j < p->n; j++) {
      const size_t panel = p->w_panel ? p->w_panel : (size_t)p->k * WK_F32_NR;
      const size_t w0 = (size_t)(j / WK_F32_NR) * panel + j % WK_F32_NR;
      float acc = 0.0f;
      for (int k = 0; k < p->k; k++) {
        const size_t at = w0 + (size_t)k * WK_F32_NR;
        acc = fmaf(x[k], p->w16 ? wk_f16_to_f32(p->w16[at]) : p->w[at], acc);
      }
      float y = acc;
      if (p->bias) y = y + p->bias[j];
      if (p->gelu) y = wk_gelu(y);
      if (p->residual) y = y + p->residual[i * p->residual_stride + j];
      p->out[i * p->out_stride + j] = y;
    }
  }
}

static float softmax_row(float *s, int len, float c) {
  float m = s[0] * c;
  for (int j = 1; j < len; j++) m = wk_maxf(m, s[j] * c);
  float lanes[WK_F32_LANES] = {0};
  for (int j = 0; j < len; j++) {
    const float p = wk_f32_exp2(s[j] * c - m);
    lanes[j % WK_F32_LANES] = lanes[j % WK_F32_LANES] + p;
    s[j] = p;
  }
  return wk_f32_tree16(lanes);
}

const wk_f32_kernel wk_f32_kernel_scalar = {"wk_f32_gemm_ukernel__scalar", WK_ISA_SCALAR, gemm_block, softmax_row};
