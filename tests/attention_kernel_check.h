/* attention_kernel_check.h — one attention microkernel case against the scalar spec, shared by
 * test_attention_kernels.c and test_attention_amx_emulated.c: random inputs of a variant, both
 * kernels run on them (each packing K and V itself), and the exact int64 P·V accumulators and
 * row sums must be equal. */
#ifndef WK_ATTENTION_KERNEL_CHECK_H
#define WK_ATTENTION_KERNEL_CHECK_H

#include <string.h>

#include "attention/attention-internal.h"
#include "test_util.h"

/* Input variants:
 *   0  full-range values (accumulator stress)
 *   1  all −128 / 127 (saturated)
 *   2  small Q with a spread of logit scales, beta = 1 (per-tensor K scale)
 *   3  small Q, larger logits (peaked rows)
 *   4  Q = 0 (every P = 2^24 − 1) and V = −128: the largest P·V partial sums, for the int32
 *      flushes (65536 keys) of the byte-plane accumulators */
#define WK_KCHECK_VARIANTS 5

typedef struct wk_kcheck_shape {
  int rows, lk, d, variant;
  int q_pad, kv_pad; /* row strides d + q_pad (Q), d + kv_pad (K, V); padding bytes are random */
} wk_kcheck_shape;

static void wk_kcheck_run(const wk_attention_kernel *kern, const wk_kcheck_shape *sh,
                          const int8_t *q, const int8_t *k, const int8_t *v, const float *alpha,
                          const float *beta, const int32_t *n_keys, int64_t *acc, int64_t *sum) {
  const int lk = sh->lk, d = sh->d;
  void *kp = wk_alloc(kern->k_packed_size(lk, d));
  void *vp = wk_alloc(kern->v_packed_size(lk, d));
  void *scratch = wk_alloc(kern->scratch_size(lk, d));
  if (!kp || !vp || !scratch) {
    fprintf(stderr, "out of memory (lk %d, d %d)\n", lk, d);
    exit(1);
  }
  kern->pack_k(k, d + sh->kv_pad, lk, d, kp);
  kern->pack_v(v, d + sh->kv_pad, lk, d, vp);
  /* profiled (the pass timing must not change a byte: the caller compares with the spec) */
  uint64_t ticks[WK_ATTN_PASSES] = {0};
  wk_attn_rows_args a = {sh->rows, lk, d, q, d + sh->q_pad, alpha, beta, n_keys,
                         kp, vp, scratch, acc, sum, ticks};
  kern->rows(&a);
  wk_free(kp);
  wk_free(vp);
  wk_free(scratch);
}

/* Random int8: full range, or ±lim; variant 1: only −128 and 127. */
static int8_t wk_kcheck_i8(wk_test_rng *rng, int variant, int lim) {
  if (variant == 1) return wk_test_next(rng) & 1 ? 127 : -128;
  return (int8_t)wk_test_int(rng, -lim, lim == 128 ? 127 : lim);
}

/* Runs one case on `kern` and on the scalar spec; CHECKs (once per case) that they agree.
 * Returns 1 (one case compared). */
static int wk_kcheck_case(const wk_attention_kernel *kern, wk_test_rng *rng,
                          const wk_kcheck_shape *sh) {
  const int rows = sh->rows, lk = sh->lk, d = sh->d, variant = sh->variant;
  const size_t qs = (size_t)d + sh->q_pad, kvs = (size_t)d + sh->kv_pad;
  int8_t *q = malloc((size_t)rows * qs), *k = malloc((size_t)lk * kvs);
  int8_t *v = malloc((size_t)lk * kvs);
  float alpha[WK_ATTN_BLOCK_ROWS] = {0}, *beta = calloc((size_t)lk, sizeof(float));
  int32_t n_keys[WK_ATTN_BLOCK_ROWS] = {0};
  if (!q || !k || !v || !beta) {
    fprintf(stderr, "out of memory (lk %d, d %d)\n", lk, d);
    exit(1);
  }
  for (size_t i = 0; i < (size_t)rows * qs; i++)
    q[i] = (size_t)i % qs >= (size_t)d ? (int8_t)wk_test_next(rng) /* padding */
           : variant == 4              ? 0
                                       : wk_kcheck_i8(rng, variant, variant ? 40 : 128);
  for (size_t i = 0; i < (size_t)lk * kvs; i++) {
    const int pad = i % kvs >= (size_t)d;
    k[i] = pad ? (int8_t)wk_test_next(rng) : wk_kcheck_i8(rng, variant, 128);
    v[i] = pad ? (int8_t)wk_test_next(rng) : variant == 4 ? -128 : wk_kcheck_i8(rng, variant, 128);
  }
  const float scale = variant == 3 ? 1e-3f : 2e-5f * (float)(1 + variant);
  for (int r = 0; r < rows; r++) {
    alpha[r] = scale * wk_test_float(rng, 0.5f, 2.0f);
    /* masks: full rows, empty rows and random prefixes; variant 4 keeps row 0 full */
    int m = wk_test_int(rng, 0, 5);
    n_keys[r] = m == 0 ? 0 : m == 1 ? 1 : m <= 3 ? lk : wk_test_int(rng, 1, lk);
    if (variant == 4 && r == 0) n_keys[r] = lk;
  }
  for (int j = 0; j < lk; j++) beta[j] = variant == 2 ? 1.0f : wk_test_float(rng, 0.25f, 4.0f);

  int64_t acc0[WK_ATTN_BLOCK_ROWS * WK_ATTN_MAX_D], sum0[WK_ATTN_BLOCK_ROWS];
  int64_t acc1[WK_ATTN_BLOCK_ROWS * WK_ATTN_MAX_D], sum1[WK_ATTN_BLOCK_ROWS];
  memset(acc1, 0x5a, sizeof acc1); /* every output must be written */
  memset(sum1, 0x5a, sizeof sum1);
  wk_kcheck_run(&wk_attention_kernel_scalar, sh, q, k, v, alpha, beta, n_keys, acc0, sum0);
  wk_kcheck_run(kern, sh, q, k, v, alpha, beta, n_keys, acc1, sum1);
  int bad = 0;
  for (int r = 0; r < rows && !bad; r++) {
    if (sum0[r] != sum1[r]) {
      CHECK(0, "%s d=%d lk=%d rows=%d variant=%d pads=%d/%d row %d (n_keys %d): sum %lld != "
               "spec %lld", kern->name, d, lk, rows, variant, sh->q_pad, sh->kv_pad, r,
            n_keys[r], (long long)sum1[r], (long long)sum0[r]);
      bad = 1;
    }
    for (int c = 0; c < d && !bad; c++)
      if (acc0[r * d + c] != acc1[r * d + c]) {
        CHECK(0, "%s d=%d lk=%d rows=%d variant=%d pads=%d/%d row %d (n_keys %d) col %d: acc "
                 "%lld != spec %lld", kern->name, d, lk, rows, variant, sh->q_pad, sh->kv_pad,
              r, n_keys[r], c, (long long)acc1[r * d + c], (long long)acc0[r * d + c]);
        bad = 1;
      }
  }
  free(q);
  free(k);
  free(v);
  free(beta);
  return 1;
}

/* The shared case list: every head dim × key counts hitting every remainder (1 … 257, and
 * 1500 at d = 64) × every variant (random row counts, 16 for variant 0); then strided
 * Q / K / V rows; then rows long enough to cross the 65536-key int32 flush of the P·V
 * accumulators.  Returns the number of cases compared. */
static int wk_kcheck_all(const wk_attention_kernel *kern, wk_test_rng *rng) {
  static const int lks[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                            127, 128, 129, 255, 256, 257, 1500};
  int cases = 0;
  for (int d = 16; d <= WK_ATTN_MAX_D; d += 16)
    for (size_t li = 0; li < sizeof lks / sizeof lks[0]; li++) {
      if (d != 64 && lks[li] > 300) continue; /* long rows at d = 64 only: keeps it quick */
      for (int variant = 0; variant < WK_KCHECK_VARIANTS; variant++) {
        wk_kcheck_shape sh = {variant == 0 ? WK_ATTN_BLOCK_ROWS
                                           : wk_test_int(rng, 1, WK_ATTN_BLOCK_ROWS),
                              lks[li], d, variant, 0, 0};
        cases += wk_kcheck_case(kern, rng, &sh);
      }
    }
  /* row strides larger than d (unaligned, and wider than a 64-byte load) */
  static const int strided_d[] = {16, 48, 64, 112, 128}, strided_lk[] = {17, 100, 257};
  for (size_t di = 0; di < sizeof strided_d / sizeof strided_d[0]; di++)
    for (size_t li = 0; li < sizeof strided_lk / sizeof strided_lk[0]; li++)
      for (int variant = 0; variant < WK_KCHECK_VARIANTS; variant++) {
        wk_kcheck_shape sh = {wk_test_int(rng, 1, WK_ATTN_BLOCK_ROWS), strided_lk[li],
                              strided_d[di], variant, 13 + 16 * (int)li, 37 + 64 * (variant & 1)};
        cases += wk_kcheck_case(kern, rng, &sh);
      }
  /* past the int32 flush (every 65536 keys): all P = 2^24 − 1 against V = −128 over 66000
   * keys (> 65793: one int32 byte-plane sum would overflow), at two splittings of d and at
   * d = 64 (where AVX-512 VNNI fuses softmax and P·V only up to 65536 keys); and past the
   * fused loop's uint32 flush of the row sums (every 4096 keys) with every P = 2^24 − 1 */
  const wk_kcheck_shape flush[] = {
      {WK_ATTN_BLOCK_ROWS, 66000, 16, 4, 0, 0},
      {WK_ATTN_BLOCK_ROWS, 66000, 80, 4, 7, 3},
      {5, 70001, 80, 0, 0, 0},
      {3, 66000, 64, 4, 0, 0},
      {WK_ATTN_BLOCK_ROWS, 9000, 64, 4, 0, 5},
      {7, 8193, 64, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof flush / sizeof flush[0]; i++)
    cases += wk_kcheck_case(kern, rng, &flush[i]);
  return cases;
}

#endif
