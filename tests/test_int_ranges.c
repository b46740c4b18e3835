/* test_int_ranges.c — the integer accumulators at the bounds docs/integer-ranges.md proves
 * (issue 10, item 5), per ISA: test_int_ranges ISA runs the scalar spec and that ISA's kernels
 * on extreme inputs whose exact results have a closed form, and compares both to it.
 *
 * Attention microkernel (wk_kernels_for(isa)->attention; exact int64 acc / sum), head_dim 128:
 *   equal  — Q, K all −128 (|S| = 128·128² = 2^21, the bound), every logit equal, so every
 *            visible key has P = 2^24 − 1 (saturated): sum = n·(2^24 − 1), acc[c] =
 *            (2^24 − 1)·Σ_j V[j][c] with V all −128, or ±127/−128 in a fixed pattern;
 *            n_keys around the flush limits: 4095 … 4097 (12-bit halves), 65792 … 65794 (byte
 *            planes), 66000, and lk = 131072 (beyond every int32 partial, ≪ 2^20);
 *   peaked — Q all 127, key 0 all 127, the others all −128: the row maximum is key 0 and every
 *            other logit is ≥ 4000 below it, so P = (2^24 − 1, 0, 0, …): acc = (2^24 − 1)·V[0].
 * INT8 GEMM (wk_gemm_run, the context's kernel), K = 65536 (WK_GEMM_MAX_K), scales 1:
 *   A = W = −128 everywhere: Acc = 2^14·2^16 = 2^30 (the bound; VNNI's W + 128 = 0 and a row
 *   compensation of 2^30); A = −128, W = 127: −127·2^23; A = 127, W = −128: the same;
 *   A = W = 127: 127²·2^16; all exact in float (≤ 24 significant bits), so out == Acc. */
#include <string.h>

#include "attention/attention-internal.h"
#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "runtime/dispatch.h"
#include "test_util.h"

#define D 128
#define PMAX ((int64_t)WK_P_MAX)

/* V pattern: 0 all −128; 1 v(j, c) = −128 if (j + c) % 3 == 0 else 127. */
static int8_t v_at(int pattern, int j, int c) {
  return pattern == 0 ? -128 : (j + c) % 3 == 0 ? -128 : 127;
}

/* Closed form of Σ_{j<n} v(j, c). */
static int64_t v_sum(int pattern, int64_t n, int c) {
  if (pattern == 0) return -128 * n;
  int64_t neg = 0; /* j in [0, n) with (j + c) % 3 == 0 */
  const int first = (3 - c % 3) % 3;
  if (n > first) neg = (n - 1 - first) / 3 + 1;
  return -128 * neg + 127 * (n - neg);
}

static void attention_case(const wk_attention_kernel *kern, int lk, int peaked, int pattern,
                           const int32_t *n_keys, int rows) {
  int8_t *q = malloc((size_t)rows * D);       /* [rows][D] */
  int8_t *k = malloc((size_t)lk * D);         /* [lk][D] */
  int8_t *v = malloc((size_t)lk * D);         /* [lk][D] */
  float alpha[WK_ATTN_BLOCK_ROWS], *beta = malloc((size_t)lk * sizeof *beta); /* [lk] */
  if (!q || !k || !v || !beta) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  memset(q, peaked ? 127 : -128, (size_t)rows * D);
  memset(k, -128, (size_t)lk * D);
  if (peaked) memset(k, 127, D);
  for (int j = 0; j < lk; j++)
    for (int c = 0; c < D; c++) v[(size_t)j * D + c] = v_at(pattern, j, c);
  for (int r = 0; r < rows; r++) alpha[r] = 1e-3f;
  for (int j = 0; j < lk; j++) beta[j] = 1.0f;
  void *kp = wk_alloc(kern->k_packed_size(lk, D)), *vp = wk_alloc(kern->v_packed_size(lk, D));
  void *scratch = wk_alloc(kern->scratch_size(lk, D));
  int64_t acc[WK_ATTN_BLOCK_ROWS * D], sum[WK_ATTN_BLOCK_ROWS];
  if (!kp || !vp || !scratch) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  kern->pack_k(k, D, lk, D, kp);
  kern->pack_v(v, D, lk, D, vp);
  wk_attn_rows_args a = {rows, lk, D, q, D, alpha, beta, n_keys, kp, vp, scratch, acc, sum,
                         NULL};
  kern->rows(&a);
  int bad = 0;
  for (int r = 0; r < rows && !bad; r++) {
    const int64_t n = peaked ? (n_keys[r] > 0) : n_keys[r];
    if (sum[r] != n * PMAX) {
      CHECK(0, "%s lk %d %s row %d (n_keys %d): sum %lld != %lld", kern->name, lk,
            peaked ? "peaked" : "equal", r, n_keys[r], (long long)sum[r], (long long)(n * PMAX));
      bad = 1;
    }
    for (int c = 0; c < D && !bad; c++) {
      const int64_t want = PMAX * (peaked ? (n ? v_at(pattern, 0, c) : 0) : v_sum(pattern, n, c));
      if (acc[r * D + c] != want) {
        CHECK(0, "%s lk %d %s V%d row %d (n_keys %d) col %d: acc %lld != %lld", kern->name, lk,
              peaked ? "peaked" : "equal", pattern, r, n_keys[r], c, (long long)acc[r * D + c],
              (long long)want);
        bad = 1;
      }
    }
  }
  wk_free(kp), wk_free(vp), wk_free(scratch);
  free(q), free(k), free(v), free(beta);
}

static void attention_bounds(const wk_attention_kernel *kern) {
  /* n_keys around the 12-bit-half (4096) and byte-plane (65793) flush limits */
  const int32_t near[] = {66000, 65794, 65793, 65792, 4097, 4096, 4095, 1, 0, 66000 - 1, 65536,
                          65537, 32768, 8192, 128, 129};
  attention_case(kern, 66000, 0, 0, near, 16);
  attention_case(kern, 66000, 0, 1, near, 16);
  attention_case(kern, 66000, 1, 0, near, 4);
  attention_case(kern, 66000, 1, 1, near, 4);
  const int32_t big[] = {131072, 131071, 98304, 65793};
  attention_case(kern, 131072, 0, 0, big, 4);
  attention_case(kern, 131072, 0, 1, big, 4);
  const int32_t small[] = {4097, 4096, 4095, 2048};
  attention_case(kern, 4097, 0, 1, small, 4);
}

static void gemm_bounds(wk_isa isa) {
  enum { K = WK_GEMM_MAX_K, M = 5, N = 67 }; /* N, M: remainders of every tile */
  wk_context *c = wk_test_context(isa, 2);
  static const int8_t vals[4][2] = {{-128, -128}, {-128, 127}, {127, -128}, {127, 127}};
  int8_t *a = malloc((size_t)M * K), *w = malloc((size_t)N * K); /* [M][K], [N][K] */
  float a_scale[M], w_scale[N], *out = malloc(sizeof(float) * M * N); /* out [M][N] */
  for (int i = 0; i < M; i++) a_scale[i] = 1.0f;
  for (int j = 0; j < N; j++) w_scale[j] = 1.0f;
  for (int t = 0; t < 4; t++) {
    memset(a, vals[t][0], (size_t)M * K);
    memset(w, vals[t][1], (size_t)N * K);
    wk_gemm_weights *ws = NULL;
    wk_status s = wk_gemm_weights_create(c, w, K, w_scale, NULL, N, K, &ws);
    CHECK(s == WK_STATUS_OK, "gemm weights: %s", wk_last_error());
    wk_gemm_args g = {.m = M, .a = a, .a_stride = K, .a_scale = a_scale, .out = out, .out_stride = N};
    s = ws ? wk_gemm_run(c, ws, &g) : s;
    CHECK(s == WK_STATUS_OK, "gemm run: %s", wk_last_error());
    const double want = (double)vals[t][0] * vals[t][1] * K; /* exact, and exact in float */
    int bad = 0;
    for (int i = 0; i < M * N && !bad && s == WK_STATUS_OK; i++)
      if ((double)out[i] != want) {
        CHECK(0, "%s gemm K %d A %d W %d: out[%d] = %.1f, want %.1f", wk_isa_name(isa), K,
              vals[t][0], vals[t][1], i, (double)out[i], want);
        bad = 1;
      }
    wk_gemm_weights_free(ws);
  }
  free(a), free(w), free(out);
  wk_context_free(c);
}

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  attention_bounds(wk_kernels_for(WK_ISA_SCALAR)->attention);
  if (isa != WK_ISA_SCALAR) attention_bounds(wk_kernels_for(isa)->attention);
  gemm_bounds(WK_ISA_SCALAR);
  if (isa != WK_ISA_SCALAR) gemm_bounds(isa);
  return wk_test_finish("test_int_ranges");
}
