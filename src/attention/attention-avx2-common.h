/* attention-avx2-common.h — the float side of the AVX2-width attention kernels (attention-avx2.c
 * and attention-avxvnni.c): the logit epilogue of a 16-key block and the spec's exp2 on 4 × 8
 * lanes.  The same operations in the same order as attention-internal.h's scalar spec, so both
 * kernels give its bits.  Include only from files built with the AVX2 flags (or a superset). */
#ifndef WK_ATTENTION_AVX2_COMMON_H
#define WK_ATTENTION_AVX2_COMMON_H

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "attention/attention-internal.h"

/* The betas of keys j0 … j0+15: a pointer into beta, or into bt (zero past lk: those keys are
 * masked) when the block runs past lk. */
static inline const float *wk_avx2_block_beta(const float *beta, int j0, int lk,
                                              float bt[16]) {
  if (j0 + 16 <= lk) return beta + j0;
  memset(bt, 0, 16 * sizeof(float));
  memcpy(bt, beta + j0, sizeof(float) * (size_t)(lk - j0));
  return bt;
}

/* Keys a row that sees [0, n) has in the segment [s0, s0 + len), rounded up to 16. */
static inline int wk_avx2_row_keys(int n, int s0, int len) {
  int live = n - s0;
  live = live < 0 ? 0 : live > len ? len : live;
  return (live + 15) / 16 * 16;
}

/* The same for a P·V tile, rows r0 … r0 + mr − 1 (those below rows): the most any of them has.
 * The tile stops there: P = 0 beyond. */
static inline int wk_avx2_tile_keys(const int32_t *n_keys, int r0, int rows, int mr, int s0,
                                    int len) {
  int live = 0;
  for (int r = r0; r < rows && r < r0 + mr; r++) {
    const int l = wk_avx2_row_keys(n_keys[r], s0, len);
    live = l > live ? l : live;
  }
  return live;
}

/* One row of a 16-key block: S → t = (float)S · (alpha·beta) exactly as wk_attn_logit; keys
 * ≥ n become −inf (out of the max, P = 0); store t; fold into the running max vector. */
static inline void wk_avx2_qk_row_out(__m256i s0, __m256i s1 /* keys j0…j0+7, j0+8…j0+15 */,
                                      float alpha, __m256 beta0, __m256 beta1, int n, int j0,
                                      float *t /* [16] */, float *rowmax /* [8] */) {
  const __m256 al = _mm256_set1_ps(alpha);
  __m256 t0 = _mm256_mul_ps(_mm256_cvtepi32_ps(s0), _mm256_mul_ps(al, beta0));
  __m256 t1 = _mm256_mul_ps(_mm256_cvtepi32_ps(s1), _mm256_mul_ps(al, beta1));
  if (j0 + 16 > n) {
    const __m256i nv = _mm256_set1_epi32(n - j0);
    const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
    const __m256i in0 = _mm256_cmpgt_epi32(nv, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i in1 = _mm256_cmpgt_epi32(nv, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
    t0 = _mm256_blendv_ps(neg_inf, t0, _mm256_castsi256_ps(in0));
    t1 = _mm256_blendv_ps(neg_inf, t1, _mm256_castsi256_ps(in1));
  }
  _mm256_storeu_ps(t, t0);
  _mm256_storeu_ps(t + 8, t1);
  /* max(t, m) keeps m when t is NaN, like the spec's `if (t > m) m = t` */
  __m256 m = _mm256_load_ps(rowmax);
  m = _mm256_max_ps(t0, m);
  m = _mm256_max_ps(t1, m);
  _mm256_store_ps(rowmax, m);
}

/* wk_attn_exp2_q24 on 4 × 8 lanes, up to the rounding (the caller converts and clamps): the
 * spec's max, floor, sub, five fused multiply-adds (q = (2^24−1)·2^f), then ·2^n by adding n
 * to the exponent field (exact: q ≥ 2^24 − 1 and n ≥ −26 keep q·2^n normal).
 * The four vectors advance in lockstep: one vector is a long dependent chain, and four
 * interleaved chains keep the out-of-order window from filling with waiting operations. */
typedef struct wk_avx2_exp4 { __m256 v0, v1, v2, v3; } wk_avx2_exp4;

static inline __m256 wk_avx2_horner(__m256 q, __m256 f, float c) {
  return _mm256_fmadd_ps(q, f, _mm256_set1_ps(c));
}

static inline __m256 wk_avx2_exp_scale(__m256 q, __m256 n) { /* q·2^n, bit-exact ldexpf */
  const __m256i e = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23); /* n integral: exact */
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(q), e));
}

#define WK_AVX2_FLOOR (_MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC) /* vroundps mode: n = floor(y) */

static inline wk_avx2_exp4 wk_avx2_exp2_q24_x4(wk_avx2_exp4 x /* x = t − m ≤ 0 (or NaN, −inf) */) {
  const __m256 lo = _mm256_set1_ps(WK_EXP2_MIN_X);
  /* y = max(x, −26): the second operand is returned for NaN, like the spec's x > −26 ? x : −26 */
  const __m256 y0 = _mm256_max_ps(x.v0, lo), y1 = _mm256_max_ps(x.v1, lo);
  const __m256 y2 = _mm256_max_ps(x.v2, lo), y3 = _mm256_max_ps(x.v3, lo);
  const __m256 n0 = _mm256_round_ps(y0, WK_AVX2_FLOOR), n1 = _mm256_round_ps(y1, WK_AVX2_FLOOR);
  const __m256 n2 = _mm256_round_ps(y2, WK_AVX2_FLOOR), n3 = _mm256_round_ps(y3, WK_AVX2_FLOOR);
  const __m256 f0 = _mm256_sub_ps(y0, n0), f1 = _mm256_sub_ps(y1, n1);
  const __m256 f2 = _mm256_sub_ps(y2, n2), f3 = _mm256_sub_ps(y3, n3);
  const __m256 c5 = _mm256_set1_ps(WK_EXP2_Q5);
  __m256 q0 = wk_avx2_horner(c5, f0, WK_EXP2_Q4), q1 = wk_avx2_horner(c5, f1, WK_EXP2_Q4);
  __m256 q2 = wk_avx2_horner(c5, f2, WK_EXP2_Q4), q3 = wk_avx2_horner(c5, f3, WK_EXP2_Q4);
  q0 = wk_avx2_horner(q0, f0, WK_EXP2_Q3), q1 = wk_avx2_horner(q1, f1, WK_EXP2_Q3);
  q2 = wk_avx2_horner(q2, f2, WK_EXP2_Q3), q3 = wk_avx2_horner(q3, f3, WK_EXP2_Q3);
  q0 = wk_avx2_horner(q0, f0, WK_EXP2_Q2), q1 = wk_avx2_horner(q1, f1, WK_EXP2_Q2);
  q2 = wk_avx2_horner(q2, f2, WK_EXP2_Q2), q3 = wk_avx2_horner(q3, f3, WK_EXP2_Q2);
  q0 = wk_avx2_horner(q0, f0, WK_EXP2_Q1), q1 = wk_avx2_horner(q1, f1, WK_EXP2_Q1);
  q2 = wk_avx2_horner(q2, f2, WK_EXP2_Q1), q3 = wk_avx2_horner(q3, f3, WK_EXP2_Q1);
  q0 = wk_avx2_horner(q0, f0, WK_P_ONE), q1 = wk_avx2_horner(q1, f1, WK_P_ONE);
  q2 = wk_avx2_horner(q2, f2, WK_P_ONE), q3 = wk_avx2_horner(q3, f3, WK_P_ONE);
  return (wk_avx2_exp4){wk_avx2_exp_scale(q0, n0), wk_avx2_exp_scale(q1, n1),
                        wk_avx2_exp_scale(q2, n2), wk_avx2_exp_scale(q3, n3)};
}

/* r = (2^24−1)·2^x → P as int32: cvtps rounds to nearest even (= the spec's lrintf), then
 * min(P, 2^24 − 1) as the spec.  No lower clamp is needed: x = t − m is ≤ 0, −inf or NaN (m is
 * the row max, never NaN, and t ≤ m), so y = max(x, −26) ∈ [−26, 0] and r is a positive
 * normal number (≥ (2^24 − 1)·2^-26), never NaN. */
static inline __m256i wk_avx2_p_q24(__m256 r) {
  return _mm256_min_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32((int)WK_P_MAX));
}

/* Phase 2 of both kernels: each row's maximum m[r] from its running max vector (rowmax
 * [rows][8]; 0 for a row without keys, which the exp pass skips), and zeroed sums and
 * accumulators. */
static inline void wk_avx2_row_maxima(const wk_attn_rows_args *a, const float *rowmax,
                                      float *m /* [rows] */) {
  for (int r = 0; r < a->rows; r++) {
    __m256 v = _mm256_load_ps(rowmax + 8 * r);
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ps(h, _mm_shuffle_ps(h, h, 1));
    m[r] = a->n_keys[r] > 0 ? _mm_cvtss_f32(h) : 0.0f;
    a->sum[r] = 0;
  }
  memset(a->acc, 0, sizeof(int64_t) * (size_t)a->rows * (size_t)a->d);
}

/* The sum of 8 int32 lanes (each ≥ 0, as the exp passes' sums of P), exact in int64. */
static inline int64_t wk_avx2_sum_i64(__m256i sumv) {
  const __m256i s64 = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(sumv)),
                                       _mm256_cvtepi32_epi64(_mm256_extracti128_si256(sumv, 1)));
  const __m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(s64), _mm256_extracti128_si256(s64, 1));
  return _mm_cvtsi128_si64(s2) + _mm_extract_epi64(s2, 1);
}

#endif
