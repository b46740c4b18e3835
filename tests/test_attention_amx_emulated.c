/* test_attention_amx_emulated.c — the AMX attention microkernel's logic, bit-exact against the
 * scalar spec on any AVX-512 VNNI CPU: attention-amx.c is built into this test with
 * -DWK_AMX_EMULATE, which runs its tile instructions on a C model (amx-emulate.h) that also
 * faults on tile shapes the hardware would reject.  Same cases as test_attention_kernels
 * (every key-count remainder, each head dim, masks, full-range and saturated values) plus rows
 * long enough to cross the 65536-key int32 flush of the P·V tiles. */
#include <math.h>
#include <string.h>

#include "attention/attention-internal.h"
#include "test_util.h"

extern const wk_attention_kernel wk_attention_kernel_amx_emulated;

typedef struct buffers {
  int8_t *q, *k, *v;
  float alpha[WK_ATTN_BLOCK_ROWS], *beta;
  int32_t n_keys[WK_ATTN_BLOCK_ROWS];
} buffers;

static void run_kernel(const wk_attention_kernel *kern, const buffers *b, int rows, int lk, int d,
                       int64_t *acc, int64_t *sum) {
  void *kp = wk_alloc(kern->k_packed_size(lk, d));
  void *vp = wk_alloc(kern->v_packed_size(lk, d));
  void *scratch = wk_alloc(kern->scratch_size(lk, d));
  kern->pack_k(b->k, d, lk, d, kp);
  kern->pack_v(b->v, d, lk, d, vp);
  wk_attn_rows_args a = {rows, lk, d, b->q, d, b->alpha, b->beta, b->n_keys,
                         kp, vp, scratch, acc, sum};
  kern->rows(&a);
  wk_free(kp);
  wk_free(vp);
  wk_free(scratch);
}

/* One case: variant 0 full-range values, 1 all −128/127, 2 and 3 small values with a spread of
 * logit scales, 4 Q = 0 (every P = 65535) and V = −128: the largest P·V partial sums. */
static int compare_case(wk_test_rng *rng, int rows, int lk, int d, int variant) {
  const wk_attention_kernel *kern = &wk_attention_kernel_amx_emulated;
  buffers b;
  b.q = malloc((size_t)rows * d);
  b.k = malloc((size_t)lk * d);
  b.v = malloc((size_t)lk * d);
  b.beta = malloc(sizeof(float) * lk);
  for (int i = 0; i < rows * d; i++)
    b.q[i] = variant == 4   ? 0
             : variant == 1 ? (wk_test_next(rng) & 1 ? 127 : -128)
                            : (int8_t)wk_test_int(rng, variant ? -40 : -128, variant ? 40 : 127);
  for (size_t i = 0; i < (size_t)lk * d; i++) {
    b.k[i] = variant == 1 ? (wk_test_next(rng) & 1 ? 127 : -128)
                          : (int8_t)wk_test_int(rng, -128, 127);
    b.v[i] = variant == 4   ? -128
             : variant == 1 ? (wk_test_next(rng) & 1 ? 127 : -128)
                            : (int8_t)wk_test_int(rng, -128, 127);
  }
  float scale = variant == 3 ? 1e-3f : 2e-5f * (float)(1 + variant);
  for (int r = 0; r < rows; r++) {
    b.alpha[r] = scale * wk_test_float(rng, 0.5f, 2.0f);
    int m = wk_test_int(rng, 0, 5); /* masks: full rows, empty rows and random prefixes */
    b.n_keys[r] = m == 0 ? 0 : m == 1 ? 1 : m <= 3 ? lk : wk_test_int(rng, 1, lk);
  }
  for (int j = 0; j < lk; j++) b.beta[j] = variant == 2 ? 1.0f : wk_test_float(rng, 0.25f, 4.0f);

  int64_t acc0[WK_ATTN_BLOCK_ROWS * WK_ATTN_MAX_D], sum0[WK_ATTN_BLOCK_ROWS];
  int64_t acc1[WK_ATTN_BLOCK_ROWS * WK_ATTN_MAX_D], sum1[WK_ATTN_BLOCK_ROWS];
  memset(acc1, 0x5a, sizeof acc1);
  memset(sum1, 0x5a, sizeof sum1);
  run_kernel(&wk_attention_kernel_scalar, &b, rows, lk, d, acc0, sum0);
  run_kernel(kern, &b, rows, lk, d, acc1, sum1);
  int bad = 0;
  for (int r = 0; r < rows && !bad; r++) {
    if (sum0[r] != sum1[r]) {
      CHECK(0, "%s d=%d lk=%d rows=%d variant=%d row %d (n_keys %d): sum %lld != spec %lld",
            kern->name, d, lk, rows, variant, r, b.n_keys[r], (long long)sum1[r],
            (long long)sum0[r]);
      bad = 1;
    }
    for (int c = 0; c < d && !bad; c++)
      if (acc0[r * d + c] != acc1[r * d + c]) {
        CHECK(0, "%s d=%d lk=%d rows=%d variant=%d row %d col %d: acc %lld != spec %lld",
              kern->name, d, lk, rows, variant, r, c, (long long)acc1[r * d + c],
              (long long)acc0[r * d + c]);
        bad = 1;
      }
  }
  free(b.q);
  free(b.k);
  free(b.v);
  free(b.beta);
  return 1;
}

int main(void) {
  if (!wk_isa_supported(WK_ISA_AVX512VNNI)) {
    printf("SKIP: the emulated AMX kernel still needs AVX-512 VNNI for its vector code\n");
    return WK_TEST_SKIP;
  }
  static const int lks[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                            127, 128, 129, 255, 256, 257, 1500};
  wk_test_rng rng = {4242};
  int cases = 0;
  for (int d = 16; d <= WK_ATTN_MAX_D; d += 16) {
    for (size_t li = 0; li < sizeof lks / sizeof lks[0]; li++) {
      int lk = lks[li];
      if (d != 64 && lk > 300) continue; /* long rows at d = 64 only: keeps the test quick */
      for (int variant = 0; variant < 5; variant++) {
        int rows = variant == 0 ? WK_ATTN_BLOCK_ROWS : wk_test_int(&rng, 1, WK_ATTN_BLOCK_ROWS);
        cases += compare_case(&rng, rows, lk, d, variant);
      }
    }
  }
  /* past the P·V tiles' int32 flush (every 65536 keys), at the two chunkings of d */
  cases += compare_case(&rng, WK_ATTN_BLOCK_ROWS, 66000, 16, 4); /* > 65793: would overflow */
  cases += compare_case(&rng, 5, 70001, 80, 0);
  printf("%s: %d microkernel cases compared with the scalar spec\n",
         wk_attention_kernel_amx_emulated.name, cases);
  return wk_test_finish("test_attention_amx_emulated");
}
