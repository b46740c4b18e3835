/* attention-avx2.c — the AVX2 attention microkernel (AVX2 + FMA CPUs, no AVX-512, no VNNI).
 *
 * Bit-identical to attention-scalar.c: every product is an exact vpmaddwd (s16 × s16 → s32,
 * never the saturating vpmaddubsw), every float step is the spec's IEEE operation in the spec's
 * order (no FMA: the file is built with -ffp-contract=off and uses separate mul/add
 * intrinsics), and integer sums are exact in any order.
 *
 * One call handles ≤ 16 query rows of one head against keys [0, jend), jend = the largest
 * n_keys[r] rounded up to a 16-key block, in four phases:
 *
 *   1. Q·Kᵀ  4-row × 16-key register tiles (8 ymm accumulators): per channel pair, two K loads
 *            (16 keys × 2 channels as s16) and one broadcast Q pair per row feed vpmaddwd.
 *            S → t = (float)S · (alpha·beta); masked keys (j ≥ n_keys[r]) are stored as −inf,
 *            which keeps them out of the row max and gives them P = 0.
 *   2. max   per-row running max vector, reduced once.
 *   3. exp   per 256-key segment, for every row: P = wk_attn_exp2_q24(t − m), 32 keys per step
 *            (same op sequence), split into 12-bit halves P = 4096·hi + lo (hi, lo ∈ [0, 4095])
 *            stored as s16 pairs, one plane each, so that a vpmaddwd multiplies a pair of
 *            halves by a pair of V.  (P itself does not fit s16, and one P·V product can need
 *            all 32 bits, so a P·V partial sum cannot stay in int32.)
 *   4. P·V   2-row × 16-channel register tiles over both planes (8 accumulators; a 1-row tile
 *            for an odd last row, so a single query row costs one row of work): per key pair,
 *            two V loads (8 channels × 2 keys as s16) shared by four broadcast half pairs (hi
 *            and lo of each row).  int32 partials are small, |Σ half·V| ≤ 128 pairs · 2 ·
 *            4095 · 128 < 2^27 per segment, and are flushed after each segment as
 *            acc += 4096·Σ hi·V + Σ lo·V in int64.  Masked keys have hi = lo = 0, and a tile
 *            stops at the last 16-key block its rows see.  Each 16-channel column of the V
 *            segment (≤ 8 KiB) is read by all row tiles while it is in L1.
 *
 * P·V costs two vpmaddwd per key pair and 8 channels (one per 12-bit half), twice what 16-bit
 * probabilities needed: a 24-bit P times an 8-bit V cannot take fewer s16 × s16 products.
 *
 * Zen 4 bound: phases 1 and 4 run at the vpmaddwd + vpaddd throughput of the core (the same
 * MAC rate in both); at d = 64 and 1500 keys the split of a 16-row call is about 28 % Q·Kᵀ,
 * 15 % exp and 57 % P·V.
 */
#include <immintrin.h>
#include <string.h>

#include "attention/attention-avx2-common.h"
#include "attention/attention-internal.h"

#define KB 16           /* keys per K/V block (padding granularity; one phase-1 step) */
#define MR 4            /* query rows per register tile */
#define PV_MR 2         /* query rows per P·V register tile */
#define SEG 256         /* keys per exp / P·V segment (int32 partials < 2^27, see above) */
#define P_SPLIT 12      /* P = 2^12·hi + lo */
#define P_LO_MASK 4095

static inline size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
static inline size_t key_blocks(int lk) { return ((size_t)lk + KB - 1) / KB; }

/* ── packed sizes and scratch layout ─────────────────────────────────────── */

/* K: [key block][d/2 channel pairs][16 keys][2 × s16]. */
static size_t k_packed_size(int lk, int d) { return key_blocks(lk) * KB * (size_t)d * 2; }

/* V: [pair slot][d channels][2 × s16] (see pack_v). */
static size_t v_packed_size(int lk, int d) { return key_blocks(lk) * KB * (size_t)d * 2; }

/* Scratch, each part 64-byte aligned:
 *   qp     [16][d/2]   int32  Q channel pairs (two s16 in one int32, for vpbroadcastd)
 *   rowmax [16][8]     float  per-row running max vector
 *   ph, pl [16][SEG/2] int32  12-bit halves of P of the current segment, as pairs (two s16
 *                             keys per int32): P = 4096·hi + lo
 *   t      [16][ts]    float  base-2 logits, ts = lk rounded up to 16 */
typedef struct scratch_layout {
  int32_t *qp;
  float *rowmax;
  int32_t *ph, *pl;
  float *t;
  size_t ts;
} scratch_layout;

static size_t scratch_parts(int lk, int d, void *base, scratch_layout *s) {
  const size_t ts = key_blocks(lk) * KB;
  size_t off_qp = 0;
  size_t off_max = off_qp + round_up((size_t)WK_ATTN_BLOCK_ROWS * (d / 2) * 4, 64);
  size_t off_ph = off_max + round_up((size_t)WK_ATTN_BLOCK_ROWS * 8 * 4, 64);
  size_t off_pl = off_ph + round_up((size_t)WK_ATTN_BLOCK_ROWS * (SEG / 2) * 4, 64);
  size_t off_t = off_pl + round_up((size_t)WK_ATTN_BLOCK_ROWS * (SEG / 2) * 4, 64);
  size_t total = off_t + (size_t)WK_ATTN_BLOCK_ROWS * ts * sizeof(float);
  if (s) {
    uint8_t *b = base;
    s->qp = (int32_t *)(b + off_qp);
    s->rowmax = (float *)(b + off_max);
    s->ph = (int32_t *)(b + off_ph);
    s->pl = (int32_t *)(b + off_pl);
    s->t = (float *)(b + off_t);
    s->ts = ts;
  }
  return total;
}

static size_t scratch_size(int lk, int d) { return scratch_parts(lk, d, NULL, NULL); }

/* ── packing ─────────────────────────────────────────────────────────────── */

/* In-register transpose of an 8×8 int32 matrix (r[i] = row i → r[i] = column i). */
static inline void transpose8_epi32(__m256i r[8]) {
  __m256i a0 = _mm256_unpacklo_epi32(r[0], r[1]), a1 = _mm256_unpackhi_epi32(r[0], r[1]);
  __m256i a2 = _mm256_unpacklo_epi32(r[2], r[3]), a3 = _mm256_unpackhi_epi32(r[2], r[3]);
  __m256i a4 = _mm256_unpacklo_epi32(r[4], r[5]), a5 = _mm256_unpackhi_epi32(r[4], r[5]);
  __m256i a6 = _mm256_unpacklo_epi32(r[6], r[7]), a7 = _mm256_unpackhi_epi32(r[6], r[7]);
  __m256i b0 = _mm256_unpacklo_epi64(a0, a2), b1 = _mm256_unpackhi_epi64(a0, a2);
  __m256i b2 = _mm256_unpacklo_epi64(a1, a3), b3 = _mm256_unpackhi_epi64(a1, a3);
  __m256i b4 = _mm256_unpacklo_epi64(a4, a6), b5 = _mm256_unpackhi_epi64(a4, a6);
  __m256i b6 = _mm256_unpacklo_epi64(a5, a7), b7 = _mm256_unpackhi_epi64(a5, a7);
  r[0] = _mm256_permute2x128_si256(b0, b4, 0x20);
  r[1] = _mm256_permute2x128_si256(b1, b5, 0x20);
  r[2] = _mm256_permute2x128_si256(b2, b6, 0x20);
  r[3] = _mm256_permute2x128_si256(b3, b7, 0x20);
  r[4] = _mm256_permute2x128_si256(b0, b4, 0x31);
  r[5] = _mm256_permute2x128_si256(b1, b5, 0x31);
  r[6] = _mm256_permute2x128_si256(b2, b6, 0x31);
  r[7] = _mm256_permute2x128_si256(b3, b7, 0x31);
}

/* k: [lk][d] int8 (row stride rs) → [key block][d/2][16 keys][2 × s16], keys ≥ lk zero.
 * Each key row is widened to s16 (one int32 = one channel pair) and 8×8 blocks of
 * (key, pair) int32 units are transposed in registers. */
static void pack_k(const int8_t *k, ptrdiff_t rs, int lk, int d, void *k_packed) {
  static const int8_t zeros[WK_ATTN_MAX_D] = {0};
  int32_t *out = k_packed; /* [blocks][d/2][16] pair units */
  const int np = d / 2;
  for (size_t b = 0; b < key_blocks(lk); b++) {
    int32_t *ob = out + b * (size_t)np * KB; /* [d/2][16] */
    for (int h = 0; h < 2; h++) {            /* keys 8h … 8h+7 of the block */
      const int8_t *row[8];                  /* [8] key rows, zeros past lk */
      for (int i = 0; i < 8; i++) {
        size_t j = b * KB + (size_t)h * 8 + (size_t)i;
        row[i] = j < (size_t)lk ? k + (ptrdiff_t)j * rs : zeros;
      }
      for (int c = 0; c < d; c += 16) { /* 16 channels = 8 pairs */
        __m256i r[8];
        for (int i = 0; i < 8; i++)
          r[i] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(row[i] + c)));
        transpose8_epi32(r); /* r[p] = pair c/2 + p of keys 8h … 8h+7 */
        for (int p = 0; p < 8; p++)
          _mm256_storeu_si256((__m256i *)(ob + (size_t)(c / 2 + p) * KB + h * 8), r[p]);
      }
    }
  }
}

/* Within a 16-key block, pair slot k of V holds key pair PAIR_ORDER[k]: the order in which
 * vpackssdw leaves the probabilities of keys 0-7 and 8-15 (it interleaves 128-bit lanes), so
 * the exp phase stores the P halves without a lane permute. */
static const int PAIR_ORDER[KB / 2] = {0, 1, 4, 5, 2, 3, 6, 7};

/* v: [lk][d] int8 (row stride rs) → [pair slot][d][2 × s16] (slot order PAIR_ORDER within each
 * 16-key block, keys ≥ lk zero). */
static void pack_v(const int8_t *v, ptrdiff_t rs, int lk, int d, void *v_packed) {
  static const int8_t zeros[WK_ATTN_MAX_D] = {0};
  int16_t *out = v_packed; /* [slots][d][2] */
  const size_t nb = key_blocks(lk);
  for (size_t b = 0; b < nb; b++) {
    for (int k = 0; k < KB / 2; k++) {
      const size_t j = b * KB + 2 * (size_t)PAIR_ORDER[k]; /* first key of the pair */
      const int8_t *r0 = j < (size_t)lk ? v + (ptrdiff_t)j * rs : zeros;           /* [d] */
      const int8_t *r1 = j + 1 < (size_t)lk ? v + (ptrdiff_t)(j + 1) * rs : zeros; /* [d] */
      int16_t *o = out + (b * KB / 2 + (size_t)k) * d * 2;                         /* [d][2] */
      for (int c = 0; c < d; c += 16) {
        __m128i x0 = _mm_loadu_si128((const __m128i *)(r0 + c));
        __m128i x1 = _mm_loadu_si128((const __m128i *)(r1 + c));
        /* interleave the two keys' bytes, then widen: (V[j][c], V[j+1][c]) s16 pairs */
        _mm256_storeu_si256((__m256i *)(o + 2 * c),
                            _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x0, x1)));
        _mm256_storeu_si256((__m256i *)(o + 2 * c + 16),
                            _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(x0, x1)));
      }
    }
  }
}

/* ── phase 1: Q·Kᵀ → t, masks, row max ───────────────────────────────────── */

/* acc_a += Σ pairs (qpair · k0), acc_b += Σ pairs (qpair · k1): one broadcast s16 pair against
 * two vectors of 8 lanes × 2 s16.  (A macro, not a function: gcc keeps named accumulators in
 * registers, but copies or spills accumulator arrays and address-taken variables.) */
#define MADD2(acc_a, acc_b, qpair, k0, k1)                                  \
  do {                                                                      \
    const __m256i qb_ = _mm256_set1_epi32(qpair);                           \
    acc_a = _mm256_add_epi32(acc_a, _mm256_madd_epi16(qb_, k0));            \
    acc_b = _mm256_add_epi32(acc_b, _mm256_madd_epi16(qb_, k1));            \
  } while (0)

/* 4 × 16 register tile (8 accumulators, 2 K vectors, broadcast and product temporaries: a
 * 6-row tile would need all 16 registers and gcc spills it): `rows` ≤ 4 query rows against the
 * 16-key block at j0.  Rows ≥ `rows` alias row 0 and are dropped. */
static void qk_tile(int rows, const int32_t *qp /* [rows][np] Q pairs */, int np,
                    const int32_t *kb /* [np][16] K pairs of the block */,
                    const float *alpha /* [rows] */, const float *beta /* [16] */,
                    const int32_t *n_keys /* [rows] */, int j0,
                    float *t /* [rows][ts] at key j0 */, size_t ts, float *rowmax /* [rows][8] */) {
  const int32_t *q0 = qp, *q1 = rows > 1 ? qp + np : q0;
  const int32_t *q2 = rows > 2 ? qp + 2 * np : q0, *q3 = rows > 3 ? qp + 3 * np : q0;
  __m256i s00 = _mm256_setzero_si256(), s01 = s00, s10 = s00, s11 = s00;
  __m256i s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  for (int p = 0; p < np; p++) {
    const __m256i k0 = _mm256_loadu_si256((const __m256i *)(kb + p * KB));     /* keys 0-7 */
    const __m256i k1 = _mm256_loadu_si256((const __m256i *)(kb + p * KB + 8)); /* keys 8-15 */
    MADD2(s00, s01, q0[p], k0, k1);
    MADD2(s10, s11, q1[p], k0, k1);
    MADD2(s20, s21, q2[p], k0, k1);
    MADD2(s30, s31, q3[p], k0, k1);
  }
  const __m256 b0 = _mm256_loadu_ps(beta), b1 = _mm256_loadu_ps(beta + 8);
  wk_avx2_qk_row_out(s00, s01, alpha[0], b0, b1, n_keys[0], j0, t, rowmax);
  if (rows > 1)
    wk_avx2_qk_row_out(s10, s11, alpha[1], b0, b1, n_keys[1], j0, t + ts, rowmax + 8);
  if (rows > 2)
    wk_avx2_qk_row_out(s20, s21, alpha[2], b0, b1, n_keys[2], j0, t + 2 * ts, rowmax + 16);
  if (rows > 3)
    wk_avx2_qk_row_out(s30, s31, alpha[3], b0, b1, n_keys[3], j0, t + 3 * ts, rowmax + 24);
}

/* ── phase 3: exp ────────────────────────────────────────────────────────── */

/* 16 probabilities (keys 0-7 and 8-15 as int32) → their 12-bit halves as s16, in PAIR_ORDER
 * (packs interleaves 128-bit lanes): hi = P >> 12, lo = P & 4095, both in [0, 4095]. */
static inline void p_split16(__m256i p0, __m256i p1, int32_t *ph /* [8] */, int32_t *pl /* [8] */) {
  const __m256i m12 = _mm256_set1_epi32(P_LO_MASK);
  _mm256_storeu_si256((__m256i *)ph, _mm256_packs_epi32(_mm256_srli_epi32(p0, P_SPLIT),
                                                        _mm256_srli_epi32(p1, P_SPLIT)));
  _mm256_storeu_si256((__m256i *)pl, _mm256_packs_epi32(_mm256_and_si256(p0, m12),
                                                        _mm256_and_si256(p1, m12)));
}

/* One row, keys [j0, j0 + len) (len a multiple of 16): the 12-bit halves of P as s16 pairs into
 * ph and pl; returns Σ P (exact).  Masked keys (≥ n) have t = −inf, so P = 0; 16-key blocks
 * wholly past n are stored as zeros without evaluating the exponential. */
static inline int64_t exp_row(const float *t /* [len] at key j0 */, float m, int n, int j0,
                              int len, int32_t *ph /* [len/2] */, int32_t *pl /* [len/2] */) {
  const __m256 mv = _mm256_set1_ps(m);
  __m256i sumv = _mm256_setzero_si256(); /* [8] int32 sums of P: ≤ (SEG/8)·2^24 = 2^29 */
  const int live = wk_avx2_row_keys(n, j0, len); /* keys of this segment the row sees */
  int j = 0;
  for (; j < live; j += 2 * KB) { /* 32 keys a step; a last step of 16 computes them twice */
    const int j1 = j + KB < live ? j + KB : j; /* second half: keys j+16…j+31, or again j…j+15 */
    const wk_avx2_exp4 x = {_mm256_sub_ps(_mm256_loadu_ps(t + j), mv),
                    _mm256_sub_ps(_mm256_loadu_ps(t + j + 8), mv),
                    _mm256_sub_ps(_mm256_loadu_ps(t + j1), mv),
                    _mm256_sub_ps(_mm256_loadu_ps(t + j1 + 8), mv)};
    const wk_avx2_exp4 r = wk_avx2_exp2_q24_x4(x);
    const __m256i pa0 = wk_avx2_p_q24(r.v0), pa1 = wk_avx2_p_q24(r.v1);
    sumv = _mm256_add_epi32(sumv, _mm256_add_epi32(pa0, pa1));
    p_split16(pa0, pa1, ph + j / 2, pl + j / 2);
    if (j1 == j) {
      j += KB;
      break;
    }
    const __m256i pb0 = wk_avx2_p_q24(r.v2), pb1 = wk_avx2_p_q24(r.v3);
    sumv = _mm256_add_epi32(sumv, _mm256_add_epi32(pb0, pb1));
    p_split16(pb0, pb1, ph + j1 / 2, pl + j1 / 2);
  }
  for (; j < len; j += KB) { /* P = 0 */
    _mm256_storeu_si256((__m256i *)(ph + j / 2), _mm256_setzero_si256());
    _mm256_storeu_si256((__m256i *)(pl + j / 2), _mm256_setzero_si256());
  }
  return wk_avx2_sum_i64(sumv);
}

/* ── phase 4: P·V ────────────────────────────────────────────────────────── */

/* acc[0..8) += 4096·widened hi + widened lo (8 int32 each → int64). */
static inline void add_planes_to_i64(int64_t *acc /* [8] */, __m256i hi, __m256i lo) {
  const __m256i h0 = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(hi));
  const __m256i h1 = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(hi, 1));
  const __m256i l0 = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(lo));
  const __m256i l1 = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(lo, 1));
  const __m256i x0 = _mm256_add_epi64(_mm256_slli_epi64(h0, P_SPLIT), l0);
  const __m256i x1 = _mm256_add_epi64(_mm256_slli_epi64(h1, P_SPLIT), l1);
  _mm256_storeu_si256((__m256i *)acc, _mm256_add_epi64(_mm256_loadu_si256((__m256i *)acc), x0));
  _mm256_storeu_si256((__m256i *)(acc + 4),
                      _mm256_add_epi64(_mm256_loadu_si256((__m256i *)(acc + 4)), x1));
}

/* 2-row × 16-channel register tile over both planes (8 accumulators): `rows` (1 or 2, a
 * constant at each call site, so a 1-row tile does half the work) rows of hi/lo pairs against
 * npairs key pairs of V, channels c0 … c0+15. */
static inline void pv_tile(int rows, const int32_t *ph /* [rows][SEG/2] */,
                           const int32_t *pl /* [rows][SEG/2] */, int npairs,
                           const int16_t *vc /* [npairs] rows of stride 2d at channel c0 */,
                           int d, int64_t *acc /* [rows][d] at channel c0 */) {
  const int32_t *h0 = ph, *h1 = ph + SEG / 2;
  const int32_t *l0 = pl, *l1 = pl + SEG / 2;
  __m256i oh00 = _mm256_setzero_si256(), oh01 = oh00, oh10 = oh00, oh11 = oh00;
  __m256i ol00 = oh00, ol01 = oh00, ol10 = oh00, ol11 = oh00;
  for (int p = 0; p < npairs; p++, vc += 2 * d) {
    const __m256i v0 = _mm256_loadu_si256((const __m256i *)vc);        /* c0 … c0+7 */
    const __m256i v1 = _mm256_loadu_si256((const __m256i *)(vc + 16)); /* c0+8 … c0+15 */
    MADD2(oh00, oh01, h0[p], v0, v1);
    MADD2(ol00, ol01, l0[p], v0, v1);
    if (rows > 1) {
      MADD2(oh10, oh11, h1[p], v0, v1);
      MADD2(ol10, ol11, l1[p], v0, v1);
    }
  }
  add_planes_to_i64(acc, oh00, ol00), add_planes_to_i64(acc + 8, oh01, ol01);
  if (rows > 1) add_planes_to_i64(acc + d, oh10, ol10), add_planes_to_i64(acc + d + 8, oh11, ol11);
}

/* ── the microkernel ─────────────────────────────────────────────────────── */

static void rows_avx2(const wk_attn_rows_args *a) {
  const int rows = a->rows, d = a->d, lk = a->lk, np = d / 2;
  scratch_layout s;
  scratch_parts(lk, d, a->scratch, &s);
  const int32_t *kp = a->k_packed; /* [blocks][d/2][16] K pairs */
  const int16_t *vp = a->v_packed; /* [slots][d][2] V pairs */

  int nmax = 0;
  for (int r = 0; r < rows; r++) nmax = a->n_keys[r] > nmax ? a->n_keys[r] : nmax;
  const int jend = (int)round_up((size_t)nmax, KB); /* keys [0, jend) are processed */

  /* Q rows widened to s16: read as int32, element p is the channel pair (Q[2p], Q[2p+1]), one
   * vpbroadcastd each. */
  for (int r = 0; r < rows; r++) {
    const int8_t *q = a->q + r * a->q_row_stride; /* [d] */
    for (int c = 0; c < d; c += 16)
      _mm256_store_si256((__m256i *)(s.qp + r * np + c / 2),
                         _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + c))));
    _mm256_store_ps(s.rowmax + 8 * r, _mm256_set1_ps(-INFINITY));
  }

  /* Phase 1: t and the running row max, one 16-key block at a time for all rows (the 2 KiB K
   * block stays in L1 across the row blocks). */
  uint64_t t0 = wk_attn_tick(a);
  for (int j0 = 0; j0 < jend; j0 += KB) {
    float bt[KB];
    const float *beta = wk_avx2_block_beta(a->beta, j0, lk, bt);
    const int32_t *kb = kp + (size_t)(j0 / KB) * np * KB;
    for (int r0 = 0; r0 < rows; r0 += MR)
      qk_tile(rows - r0 < MR ? rows - r0 : MR, s.qp + r0 * np, np, kb, a->alpha + r0, beta,
              a->n_keys + r0, j0, s.t + r0 * s.ts + j0, s.ts, s.rowmax + 8 * r0);
  }

  /* Phase 2: row maxima; zero accumulators and sums. */
  float m[WK_ATTN_BLOCK_ROWS];
  wk_avx2_row_maxima(a, s.rowmax, m);
  uint64_t t1 = wk_attn_tick(a);
  wk_attn_tick_add(a, WK_ATTN_PASS_QK, t0, t1);

  /* Phases 3 and 4 per segment: P halves for all rows into ph/pl (L1), then P·V, one 16-channel
   * V column at a time for all row tiles (the column, ≤ 8 KiB, stays in L1).  A tile stops at
   * the last key block its rows see: P = 0 beyond. */
  for (int s0 = 0; s0 < jend; s0 += SEG) {
    const int len = jend - s0 < SEG ? jend - s0 : SEG;
    int tile_pairs[WK_ATTN_BLOCK_ROWS / PV_MR];
    for (int r = 0; r < rows; r++)
      a->sum[r] += exp_row(s.t + r * s.ts + s0, m[r], a->n_keys[r], s0, len,
                           s.ph + r * (SEG / 2), s.pl + r * (SEG / 2));
    t0 = wk_attn_tick(a);
    wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX, t1, t0);
    for (int r0 = 0; r0 < rows; r0 += PV_MR)
      tile_pairs[r0 / PV_MR] = wk_avx2_tile_keys(a->n_keys, r0, rows, PV_MR, s0, len) / 2;
    const int16_t *vs = vp + (size_t)(s0 / 2) * d * 2; /* [len/2][d][2] */
    for (int c0 = 0; c0 < d; c0 += 16)
      for (int r0 = 0; r0 < rows; r0 += PV_MR)
        if (tile_pairs[r0 / PV_MR] > 0) {
          const int32_t *ph = s.ph + r0 * (SEG / 2), *pl = s.pl + r0 * (SEG / 2);
          int64_t *acc = a->acc + (size_t)r0 * d + c0;
          if (rows - r0 > 1)
            pv_tile(2, ph, pl, tile_pairs[r0 / PV_MR], vs + 2 * c0, d, acc);
          else
            pv_tile(1, ph, pl, tile_pairs[r0 / PV_MR], vs + 2 * c0, d, acc);
        }
    t1 = wk_attn_tick(a);
    wk_attn_tick_add(a, WK_ATTN_PASS_PV, t0, t1);
  }
}

const wk_attention_kernel wk_attention_kernel_avx2 = {
    .name = "wk_qs8_attention_ukernel_16xN__avx2",
    .isa = WK_ISA_AVX2,
    .k_packed_size = k_packed_size,
    .v_packed_size = v_packed_size,
    .scratch_size = scratch_size,
    .pack_k = pack_k,
    .pack_v = pack_v,
    .rows = rows_avx2,
    .store = wk_attn_store_scalar, /* AVX2 has no int64→double conversion; this step is O(d) */
};
