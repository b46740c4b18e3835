/* test_attention_kernels.c — every attention microkernel against the scalar spec, at the
 * microkernel level: the exact int64 P·V accumulators and row sums must be equal, for random
 * rows counts (1 … 16), key counts hitting every remainder (1, 2, 3, 4, 5, 15, 16, 17, 31, 32,
 * 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1500), each head dim, per-row key prefixes
 * (masks), full-range int8 values and real-looking scales. */
#include <math.h>
#include <string.h>

#include "attention/attention-internal.h"
#include "test_util.h"

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

int main(void) {
  static const int lks[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                            127, 128, 129, 255, 256, 257, 1500};
  int tested = 0;
  wk_test_rng rng = {12345};
  for (int isa = WK_ISA_AVX2; isa < WK_ISA_COUNT; isa++) {
    if (!wk_isa_supported((wk_isa)isa)) {
      printf("SKIP %s: not supported by this CPU\n", wk_isa_name((wk_isa)isa));
      continue;
    }
    const wk_attention_kernel *kern = wk_attention_kernel_for((wk_isa)isa);
    int cases = 0;
    for (int d = 16; d <= WK_ATTN_MAX_D; d += 16) {
      for (size_t li = 0; li < sizeof lks / sizeof lks[0]; li++) {
        int lk = lks[li];
        if (d != 64 && lk > 300) continue; /* long rows at d = 64 only: keeps the test quick */
        for (int variant = 0; variant < 4; variant++) {
          int rows = variant == 0 ? WK_ATTN_BLOCK_ROWS : wk_test_int(&rng, 1, WK_ATTN_BLOCK_ROWS);
          buffers b;
          b.q = malloc((size_t)rows * d);
          b.k = malloc((size_t)lk * d);
          b.v = malloc((size_t)lk * d);
          b.beta = malloc(sizeof(float) * lk);
          /* variant 0: full-range values (accumulator stress); 1: all -128/127 (saturated);
           * 2, 3: small values with a spread of logit scales */
          for (int i = 0; i < rows * d; i++)
            b.q[i] = variant == 1 ? (wk_test_next(&rng) & 1 ? 127 : -128)
                                  : (int8_t)wk_test_int(&rng, variant ? -40 : -128, variant ? 40 : 127);
          for (int i = 0; i < lk * d; i++) {
            b.k[i] = variant == 1 ? (wk_test_next(&rng) & 1 ? 127 : -128)
                                  : (int8_t)wk_test_int(&rng, -128, 127);
            b.v[i] = variant == 1 ? (wk_test_next(&rng) & 1 ? 127 : -128)
                                  : (int8_t)wk_test_int(&rng, -128, 127);
          }
          float scale = variant == 3 ? 1e-3f : 2e-5f * (float)(1 + variant);
          for (int r = 0; r < rows; r++) {
            b.alpha[r] = scale * wk_test_float(&rng, 0.5f, 2.0f);
            /* masks: full rows, empty rows and random prefixes */
            int m = wk_test_int(&rng, 0, 5);
            b.n_keys[r] = m == 0 ? 0 : m == 1 ? 1 : m <= 3 ? lk : wk_test_int(&rng, 1, lk);
          }
          for (int j = 0; j < lk; j++)
            b.beta[j] = variant == 2 ? 1.0f : wk_test_float(&rng, 0.25f, 4.0f);

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
          cases++;
        }
      }
    }
    printf("%s: %d microkernel cases compared with the scalar spec\n", kern->name, cases);
    tested++;
  }
  if (!tested) {
    printf("no SIMD attention kernel can run on this CPU\n");
    return WK_TEST_SKIP;
  }
  return wk_test_finish("test_attention_kernels");
}
