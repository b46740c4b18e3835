/* test_attention_kernels.c ISA — ISA's attention microkernel against the scalar spec, at the
 * microkernel level: the exact int64 P·V accumulators and row sums must be equal, for random
 * row counts (1 … 16), key counts hitting every remainder (1, 2, 3, 4, 5, 15, 16, 17, 31, 32,
 * 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1500), each head dim, per-row key prefixes
 * (masks), full-range and saturated int8 values, real-looking scales, row strides larger than
 * d, and rows past the 65536-key int32 flush of the P·V accumulators (the case list is
 * attention_kernel_check.h, shared with test_attention_amx_emulated). */
#include "attention_kernel_check.h"

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  wk_test_rng rng = {12345};
  const wk_attention_kernel *kern = wk_kernels_for(isa)->attention;
  int cases = wk_kcheck_all(kern, &rng);
  printf("%s: %d microkernel cases compared with the scalar spec\n", kern->name, cases);
  return wk_test_finish("test_attention_kernels");
}
