/* quant-scalar.c — the specification quantizer (quant-internal.h): plain loops. */
#include "quant/quant-internal.h"

static uint32_t amax_bits(const float *x, int k) {
  uint32_t m = 0;
  for (int i = 0; i < k; i++) {
    const uint32_t b = wk_f32_abs_bits(x[i]);
    m = b > m ? b : m;
  }
  return m;
}

static void quantize(const float *x, int k, float s, int8_t *q) {
  for (int i = 0; i < k; i++) {
    const long v = lrintf(x[i] / s); /* current rounding mode: nearest even, like vcvtps2dq */
    q[i] = (int8_t)(v > WK_Q8_MAX ? WK_Q8_MAX : v < -WK_Q8_MAX ? -WK_Q8_MAX : v);
  }
}

const wk_quant_kernel wk_quant_kernel_scalar = {
    .name = "wk_f32_qs8_quant_ukernel__scalar",
    .isa = WK_ISA_SCALAR,
    .amax_bits = amax_bits,
    .quantize = quantize,
};
