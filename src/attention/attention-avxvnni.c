/* attention-avxvnni.c — wk_qs8_attention_ukernel_16xN__avxvnni: the attention microkernel on
 * AVX-VNNI (VEX vpdpbusd on ymm; AVX2 + FMA for the rest), for CPUs without AVX-512.
 *
 * Bit-identical to attention-scalar.c: the products are exact vpdpbusd (u8 × s8 → s32, four
 * per lane, no saturation), every float step is the spec's IEEE operation in the spec's order
 * (the exp2 and the logit epilogue are shared with the AVX2 kernel: attention-avx2-common.h),
 * and integer sums are exact in any order.  The AVX2 kernel's passes (attention-avx2.c) with
 * the AVX-512 VNNI kernel's operands:
 *
 *   1. Q·Kᵀ  4-row × 16-key register tiles (8 ymm accumulators): per 4-channel group, two K
 *            loads (16 keys × 4 channels, packed as k + 128 ∈ [0, 255], the unsigned operand)
 *            and one broadcast Q dword (4 channels, s8) per row.  The accumulators start at
 *            −128·Σ_c q[c], so S comes out exact.  t = (float)S · (alpha·beta); masked keys
 *            are −inf.
 *   2. max   per-row running max vector, reduced once.
 *   3. exp   per 256-key segment, for every row: P = wk_attn_exp2_q24(t − m) (the AVX2 kernel's
 *            sequence), 32 keys a step, split into three byte planes P = 2^16·b2 + 2^8·b1 + b0
 *            by one vpshufb per 8 keys: each 4-key group becomes 16 bytes, the dwords of its
 *            planes b0, b1, b2 (4 keys each) and a zero dword.
 *   4. P·V   2-row × 16-channel register tiles over the three planes (12 accumulators): per
 *            4-key group, two V loads (8 channels × 4 keys, s8) shared by the 2 × 3 broadcast
 *            plane dwords (u8).  A plane's int32 partial is ≤ 64 groups · 4 · 255 · 128 < 2^24
 *            per segment; after each segment acc += 2^16·x2 + 2^8·x1 + x0 in int64.
 *
 * Against the AVX2 kernel's int16 pairs: Q·Kᵀ takes a quarter of its instructions (one
 * vpdpbusd per 4 channels × 8 keys against vpmaddwd + vpaddd per 2 channels), P·V three
 * vpdpbusd per 4 keys × 8 channels against four. */
#include <immintrin.h>
#include <string.h>

#include "attention/attention-avx2-common.h"
#include "attention/attention-internal.h"

#define KB 16  /* keys per K/V block (padding granularity; one phase-1 step) */
#define MR 4   /* query rows per Q·Kᵀ register tile */
#define PV_MR 2 /* query rows per P·V register tile */
#define SEG 256 /* keys per exp / P·V segment (int32 plane partials < 2^24, see above) */

static inline size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
static inline size_t key_blocks(int lk) { return ((size_t)lk + KB - 1) / KB; }

static inline int32_t load_i32(const void *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* acc + Σ of 4 products (u8 a) × (s8 b) per int32 lane: vpdpbusd in its VEX form, as asm with
 * the accumulator tied in place (see gemm-avxvnni.c for why not the intrinsic). */
static inline __attribute__((always_inline)) __m256i dpbusd(__m256i acc, __m256i a, __m256i b) {
  __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(b));
  return acc;
}

/* ── packed sizes and scratch layout ─────────────────────────────────────── */

/* K: [key block][d/4 channel groups][16 keys][4 × u8 (k + 128)]. */
static size_t k_packed_size(int lk, int d) { return key_blocks(lk) * KB * (size_t)d; }

/* V: [key group of 4][d channels][4 × s8]. */
static size_t v_packed_size(int lk, int d) { return key_blocks(lk) * KB * (size_t)d; }

/* Scratch, each part 64-byte aligned:
 *   rowmax [16][8]          float  per-row running max vector
 *   pb     [16][SEG/4][16]  u8     P of the current segment: per 4-key group the dwords of its
 *                                  byte planes b0, b1, b2 and a zero dword (PB_ROW bytes a row)
 *   t      [16][ts]         float  base-2 logits, ts = lk rounded up to 16 */
#define PB_ROW (SEG * 4) /* bytes of one row's planes */

typedef struct scratch_layout {
  float *rowmax;
  uint8_t *pb;
  float *t;
  size_t ts;
} scratch_layout;

static size_t scratch_parts(int lk, void *base, scratch_layout *s) {
  const size_t ts = key_blocks(lk) * KB;
  const size_t off_max = 0;
  const size_t off_pb = off_max + round_up((size_t)WK_ATTN_BLOCK_ROWS * 8 * 4, 64);
  const size_t off_t = off_pb + (size_t)WK_ATTN_BLOCK_ROWS * PB_ROW;
  const size_t total = off_t + (size_t)WK_ATTN_BLOCK_ROWS * ts * sizeof(float);
  if (s) {
    uint8_t *b = base;
    s->rowmax = (float *)(b + off_max);
    s->pb = b + off_pb;
    s->t = (float *)(b + off_t);
    s->ts = ts;
  }
  return total;
}

static size_t scratch_size(int lk, int d) {
  (void)d;
  return scratch_parts(lk, NULL, NULL);
}

/* ── packing ─────────────────────────────────────────────────────────────── */

/* k: [lk][d] int8 (row stride rs) → [key block][d/4][16 keys][4] u8 = k + 128 (k ^ 0x80),
 * keys ≥ lk as 0x80 (k = 0; their logits are masked anyway). */
static void pack_k(const int8_t *k, ptrdiff_t rs, int lk, int d, void *k_packed) {
  uint32_t *out = k_packed; /* [blocks][d/4][16] dwords */
  const int ng = d / 4;
  for (size_t b = 0; b < key_blocks(lk); b++)
    for (int i = 0; i < KB; i++) {
      const size_t j = b * KB + (size_t)i;
      uint32_t *o = out + b * (size_t)ng * KB + (size_t)i;
      if (j < (size_t)lk) {
        const int8_t *row = k + (ptrdiff_t)j * rs;
        for (int g = 0; g < ng; g++)
          o[(size_t)g * KB] = (uint32_t)load_i32(row + 4 * g) ^ 0x80808080u;
      } else {
        for (int g = 0; g < ng; g++) o[(size_t)g * KB] = 0x80808080u;
      }
    }
}

/* v: [lk][d] int8 (row stride rs) → [key group][d][4] s8: channel c of keys 4g … 4g+3 is one
 * dword; keys ≥ lk zero. */
static void pack_v(const int8_t *v, ptrdiff_t rs, int lk, int d, void *v_packed) {
  static const int8_t zeros[WK_ATTN_MAX_D] = {0};
  int8_t *out = v_packed;
  const size_t ngroups = key_blocks(lk) * KB / 4;
  for (size_t g = 0; g < ngroups; g++) {
    const int8_t *row[4]; /* the group's key rows, zeros past lk */
    for (int i = 0; i < 4; i++) {
      const size_t j = 4 * g + (size_t)i;
      row[i] = j < (size_t)lk ? v + (ptrdiff_t)j * rs : zeros;
    }
    int8_t *o = out + g * (size_t)d * 4;
    for (int c = 0; c < d; c += 16) { /* 4 keys × 16 channels → [16][4]: two unpack rounds */
      const __m128i r0 = _mm_loadu_si128((const __m128i *)(row[0] + c));
      const __m128i r1 = _mm_loadu_si128((const __m128i *)(row[1] + c));
      const __m128i r2 = _mm_loadu_si128((const __m128i *)(row[2] + c));
      const __m128i r3 = _mm_loadu_si128((const __m128i *)(row[3] + c));
      const __m128i a0 = _mm_unpacklo_epi8(r0, r1), a1 = _mm_unpackhi_epi8(r0, r1);
      const __m128i b0 = _mm_unpacklo_epi8(r2, r3), b1 = _mm_unpackhi_epi8(r2, r3);
      _mm_storeu_si128((__m128i *)(o + 4 * c), _mm_unpacklo_epi16(a0, b0));
      _mm_storeu_si128((__m128i *)(o + 4 * c + 16), _mm_unpackhi_epi16(a0, b0));
      _mm_storeu_si128((__m128i *)(o + 4 * c + 32), _mm_unpacklo_epi16(a1, b1));
      _mm_storeu_si128((__m128i *)(o + 4 * c + 48), _mm_unpackhi_epi16(a1, b1));
    }
  }
}

/* ── phase 1: Q·Kᵀ → t, masks, row max ───────────────────────────────────── */

/* acc_a, acc_b += (K keys 0–7, 8–15 as u8) · (one broadcast Q dword, s8).  (A macro: gcc keeps
 * named accumulators in registers.) */
#define DP2(acc_a, acc_b, qptr, k0, k1)                 \
  do {                                                  \
    const __m256i qb_ = _mm256_set1_epi32(load_i32(qptr)); \
    acc_a = dpbusd(acc_a, k0, qb_);                     \
    acc_b = dpbusd(acc_b, k1, qb_);                     \
  } while (0)

/* 4 × 16 register tile: `rows` ≤ 4 query rows (q[r], their compensations comp[r] =
 * 128·Σ_c q[r][c]) against the 16-key block at j0.  Rows ≥ `rows` alias row 0 and are
 * dropped. */
static void qk_tile(int rows, const int8_t *const q[MR], const int32_t *comp, int d,
                    const uint8_t *kb /* [d/4][16][4] the block's K */,
                    const float *alpha /* [rows] */, const float *beta /* [16] */,
                    const int32_t *n_keys /* [rows] */, int j0,
                    float *t /* [rows][ts] at key j0 */, size_t ts, float *rowmax /* [rows][8] */) {
  const int8_t *q0 = q[0], *q1 = rows > 1 ? q[1] : q0, *q2 = rows > 2 ? q[2] : q0;
  const int8_t *q3 = rows > 3 ? q[3] : q0;
  __m256i s00 = _mm256_set1_epi32(-comp[0]), s01 = s00;
  __m256i s10 = _mm256_set1_epi32(rows > 1 ? -comp[1] : 0), s11 = s10;
  __m256i s20 = _mm256_set1_epi32(rows > 2 ? -comp[2] : 0), s21 = s20;
  __m256i s30 = _mm256_set1_epi32(rows > 3 ? -comp[3] : 0), s31 = s30;
  for (int g = 0; g < d / 4; g++) {
    const __m256i k0 = _mm256_loadu_si256((const __m256i *)(kb + (size_t)g * 64));      /* 0-7 */
    const __m256i k1 = _mm256_loadu_si256((const __m256i *)(kb + (size_t)g * 64 + 32)); /* 8-15 */
    DP2(s00, s01, q0 + 4 * g, k0, k1);
    DP2(s10, s11, q1 + 4 * g, k0, k1);
    DP2(s20, s21, q2 + 4 * g, k0, k1);
    DP2(s30, s31, q3 + 4 * g, k0, k1);
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

/* 8 probabilities (int32, keys 0–7) → their two 4-key groups' planes: in each 128-bit lane the
 * dwords b0, b1, b2 of its 4 keys (little-endian bytes 0, 1, 2 of each P) and a zero dword. */
static inline __m256i planes8(__m256i p) {
  const __m256i sel = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, -1, -1, -1, -1,
                                       0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, -1, -1, -1, -1);
  return _mm256_shuffle_epi8(p, sel);
}

/* One row, keys [j0, j0 + len) (len a multiple of 16): P's planes into pb (4·len bytes, the
 * layout above); returns Σ P (exact).  Masked keys (≥ n) have t = −inf, so P = 0; 16-key blocks
 * wholly past n are stored as zeros without evaluating the exponential. */
static inline int64_t exp_row(const float *t /* [len] at key j0 */, float m, int n, int j0,
                              int len, uint8_t *pb /* [len/4][16] */) {
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
    _mm256_storeu_si256((__m256i *)(pb + 4 * j), planes8(pa0));
    _mm256_storeu_si256((__m256i *)(pb + 4 * j + 32), planes8(pa1));
    if (j1 == j) { /* 16 keys: computed twice, stored once */
      j += KB;
      break;
    }
    const __m256i pb0 = wk_avx2_p_q24(r.v2), pb1 = wk_avx2_p_q24(r.v3);
    sumv = _mm256_add_epi32(sumv, _mm256_add_epi32(pb0, pb1));
    _mm256_storeu_si256((__m256i *)(pb + 4 * j1), planes8(pb0));
    _mm256_storeu_si256((__m256i *)(pb + 4 * j1 + 32), planes8(pb1));
  }
  for (; j < len; j += KB) /* P = 0 */
    _mm256_storeu_si256((__m256i *)(pb + 4 * j), _mm256_setzero_si256()),
        _mm256_storeu_si256((__m256i *)(pb + 4 * j + 32), _mm256_setzero_si256());
  return wk_avx2_sum_i64(sumv);
}

/* ── phase 4: P·V ────────────────────────────────────────────────────────── */

/* acc[0..8) += 2^16·x2 + 2^8·x1 + x0 (8 int32 each → int64). */
static inline void add_planes_to_i64(int64_t *acc /* [8] */, __m256i x2, __m256i x1,
                                     __m256i x0) {
#define WIDEN_(v, h) \
  _mm256_cvtepi32_epi64(h ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v))
  for (int h = 0; h < 2; h++) {
    const __m256i y = _mm256_add_epi64(
        _mm256_add_epi64(_mm256_slli_epi64(WIDEN_(x2, h), 16), _mm256_slli_epi64(WIDEN_(x1, h), 8)),
        WIDEN_(x0, h));
    _mm256_storeu_si256((__m256i *)(acc + 4 * h),
                        _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(acc + 4 * h)), y));
  }
#undef WIDEN_
}

/* acc2/1/0_a, _b += (the broadcast plane dwords of 4-key group g, u8; at p + 16g, planes
 * b0, b1, b2 at +0, +4, +8) · (V vectors v0, v1, s8). */
#define PV3(x2a, x2b, x1a, x1b, x0a, x0b, p, g, v0, v1)                 \
  do {                                                                 \
    const __m256i b2_ = _mm256_set1_epi32(load_i32(p + 16 * (g) + 8)); \
    x2a = dpbusd(x2a, b2_, v0), x2b = dpbusd(x2b, b2_, v1);            \
    const __m256i b1_ = _mm256_set1_epi32(load_i32(p + 16 * (g) + 4)); \
    x1a = dpbusd(x1a, b1_, v0), x1b = dpbusd(x1b, b1_, v1);            \
    const __m256i b0_ = _mm256_set1_epi32(load_i32(p + 16 * (g)));     \
    x0a = dpbusd(x0a, b0_, v0), x0b = dpbusd(x0b, b0_, v1);            \
  } while (0)

/* 2-row × 16-channel register tile over the three planes (12 accumulators): `rows` (1 or 2, a
 * constant at each call site) rows of planes (row r at pb + r·PB_ROW) against ngroups 4-key
 * groups of V, channels c0 … c0+15. */
static inline void pv_tile(int rows, const uint8_t *pb, int ngroups,
                           const int8_t *vc /* [ngroups] rows of 4d bytes, at channel c0 */,
                           int d, int64_t *acc /* [rows][d] at channel c0 */) {
  const uint8_t *pa = pb, *pc = pb + PB_ROW;
  __m256i x2a = _mm256_setzero_si256(), x2b = x2a, x1a = x2a, x1b = x2a, x0a = x2a, x0b = x2a;
  __m256i y2a = x2a, y2b = x2a, y1a = x2a, y1b = x2a, y0a = x2a, y0b = x2a;
  for (int g = 0; g < ngroups; g++, vc += 4 * d) {
    const __m256i v0 = _mm256_loadu_si256((const __m256i *)vc);        /* c0 … c0+7 */
    const __m256i v1 = _mm256_loadu_si256((const __m256i *)(vc + 32)); /* c0+8 … c0+15 */
    PV3(x2a, x2b, x1a, x1b, x0a, x0b, pa, g, v0, v1);
    if (rows > 1) PV3(y2a, y2b, y1a, y1b, y0a, y0b, pc, g, v0, v1);
  }
  add_planes_to_i64(acc, x2a, x1a, x0a), add_planes_to_i64(acc + 8, x2b, x1b, x0b);
  if (rows > 1)
    add_planes_to_i64(acc + d, y2a, y1a, y0a), add_planes_to_i64(acc + d + 8, y2b, y1b, y0b);
}

/* ── the microkernel ─────────────────────────────────────────────────────── */

static void rows_avxvnni(const wk_attn_rows_args *a) {
  const int rows = a->rows, d = a->d, lk = a->lk;
  scratch_layout s;
  scratch_parts(lk, a->scratch, &s);
  const uint8_t *kp = a->k_packed; /* [blocks][d/4][16][4] */
  const int8_t *vp = a->v_packed;  /* [groups][d][4] */

  int nmax = 0;
  for (int r = 0; r < rows; r++) nmax = a->n_keys[r] > nmax ? a->n_keys[r] : nmax;
  const int jend = (int)round_up((size_t)nmax, KB); /* keys [0, jend) are processed */

  /* Q rows in place (each 4-channel group one broadcast dword), their compensations */
  const int8_t *q[WK_ATTN_BLOCK_ROWS];
  int32_t comp[WK_ATTN_BLOCK_ROWS];
  for (int r = 0; r < rows; r++) {
    q[r] = a->q + r * a->q_row_stride;
    int32_t sq = 0;
    for (int c = 0; c < d; c++) sq += q[r][c];
    comp[r] = 128 * sq; /* |Σ| ≤ 128·128: fits */
    _mm256_store_ps(s.rowmax + 8 * r, _mm256_set1_ps(-INFINITY));
  }

  /* Phase 1: t and the running row max, one 16-key block at a time for all rows (the K block,
   * 16·d bytes, stays in L1 across the row tiles). */
  uint64_t t0 = wk_attn_tick(a);
  for (int j0 = 0; j0 < jend; j0 += KB) {
    float bt[KB];
    const float *beta = wk_avx2_block_beta(a->beta, j0, lk, bt);
    const uint8_t *kb = kp + (size_t)(j0 / KB) * KB * d;
    for (int r0 = 0; r0 < rows; r0 += MR)
      qk_tile(rows - r0 < MR ? rows - r0 : MR, q + r0, comp + r0, d, kb, a->alpha + r0, beta,
              a->n_keys + r0, j0, s.t + r0 * s.ts + j0, s.ts, s.rowmax + 8 * r0);
  }

  /* Phase 2: row maxima; zero accumulators and sums. */
  float m[WK_ATTN_BLOCK_ROWS];
  wk_avx2_row_maxima(a, s.rowmax, m);
  uint64_t t1 = wk_attn_tick(a);
  wk_attn_tick_add(a, WK_ATTN_PASS_QK, t0, t1);

  /* Phases 3 and 4 per segment: the planes of P for all rows (16 KiB), then P·V, one
   * 16-channel V column at a time for all row tiles (the column, ≤ 16 KiB, stays in L1).  A
   * tile stops at the last key block its rows see: P = 0 beyond. */
  for (int s0 = 0; s0 < jend; s0 += SEG) {
    const int len = jend - s0 < SEG ? jend - s0 : SEG;
    int tile_groups[WK_ATTN_BLOCK_ROWS / PV_MR];
    for (int r = 0; r < rows; r++)
      a->sum[r] += exp_row(s.t + r * s.ts + s0, m[r], a->n_keys[r], s0, len, s.pb + r * PB_ROW);
    t0 = wk_attn_tick(a);
    wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX, t1, t0);
    for (int r0 = 0; r0 < rows; r0 += PV_MR)
      tile_groups[r0 / PV_MR] = wk_avx2_tile_keys(a->n_keys, r0, rows, PV_MR, s0, len) / 4;
    const int8_t *vs = vp + (size_t)(s0 / 4) * d * 4; /* [len/4][d][4] */
    for (int c0 = 0; c0 < d; c0 += 16)
      for (int r0 = 0; r0 < rows; r0 += PV_MR)
        if (tile_groups[r0 / PV_MR] > 0) {
          const uint8_t *pr = s.pb + r0 * PB_ROW;
          int64_t *acc = a->acc + (size_t)r0 * d + c0;
          if (rows - r0 > 1)
            pv_tile(2, pr, tile_groups[r0 / PV_MR], vs + 4 * c0, d, acc);
          else
            pv_tile(1, pr, tile_groups[r0 / PV_MR], vs + 4 * c0, d, acc);
        }
    t1 = wk_attn_tick(a);
    wk_attn_tick_add(a, WK_ATTN_PASS_PV, t0, t1);
  }
}

const wk_attention_kernel wk_attention_kernel_avxvnni = {
    .name = "wk_qs8_attention_ukernel_16xN__avxvnni",
    .isa = WK_ISA_AVXVNNI,
    .k_packed_size = k_packed_size,
    .v_packed_size = v_packed_size,
    .scratch_size = scratch_size,
    .pack_k = pack_k,
    .pack_v = pack_v,
    .rows = rows_avxvnni,
    .store = wk_attn_store_scalar, /* no int64→double conversion on AVX2; this step is O(d) */
};
