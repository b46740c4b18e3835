/* test_attention_amx_emulated.c — the AMX attention microkernel's logic, bit-exact against the
 * scalar spec on any AVX-512 VNNI CPU: attention-amx.c is built into this test with
 * -DWK_AMX_EMULATE, which runs its tile instructions on a C model (runtime/amx-emulate.h) that also
 * faults on tile shapes the hardware would reject.  The cases of test_attention_kernels (every
 * key-count remainder, each head dim, masks, full-range and saturated values, strided rows, and
 * rows long enough to cross the 65536-key int32 flush of the P·V tiles):
 * attention_kernel_check.h. */
#include "attention_kernel_check.h"

extern const wk_attention_kernel wk_attention_kernel_amx_emulated;

int main(void) {
  if (!wk_isa_supported(WK_ISA_AVX512VNNI)) {
    printf("SKIP: the emulated AMX kernel still needs AVX-512 VNNI for its vector code\n");
    return WK_TEST_SKIP;
  }
  wk_test_rng rng = {4242};
  int cases = wk_kcheck_all(&wk_attention_kernel_amx_emulated, &rng);
  printf("%s: %d microkernel cases compared with the scalar spec\n",
         wk_attention_kernel_amx_emulated.name, cases);
  return wk_test_finish("test_attention_amx_emulated");
}
