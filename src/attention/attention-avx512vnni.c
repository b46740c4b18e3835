/* attention-avx512vnni.c — wk_qs8_attention_ukernel_16xN__avx512vnni: up to 16 query rows
 * against all N keys of one head with AVX-512 VNNI (vpdpbusd), bit-identical to the scalar spec.
 *
 * Q·Kᵀ, then softmax and P·V, through the thread's scratch (attention-avx512-common.h):
 *   1. Q·Kᵀ → logits t[16][lk] and per-row maxima.  vpdpbusd multiplies u8 × s8, so K is packed
 *      as k + 128 (u8) and each score carries 128·Σ_c q[c] (the accumulators start at minus
 *      that).  Lanes = 16 keys; each row's 4 Q bytes of a channel group are one broadcast dword;
 *      tile 4 rows × 4 key blocks; a tile of rows runs through every key chunk they all see
 *      with its constants in registers (K streams from L2), the masked tail chunk by chunk.
 *   2. softmax: t → P (24-bit), P = 2^16·b2 + 2^8·b1 + b0, plus exact int64 row sums;
 *   3. P·V: lanes = 16 output channels; a row's 4 P bytes (4 keys) of one plane are a broadcast
 *      dword (u8) against V packed as [key/4][d][4] (s8); three int32 accumulators per output
 *      vector (one per plane), widened to int64 as 2^16·x2 + 2^8·x1 + x0 every 65536 keys and
 *      at the end.
 * At d = 64 (every Whisper size) 2 and 3 are one loop per row (softmax_pv_row: the softmax
 * runs two 16-key blocks ahead of the P·V, its float work beside the vpdpbusd); at other head
 * dims they are passes of their own, the byte planes of P stored in between.
 * Measured on Zen 5 (a base encoder layer, one thread; `whisk bench attention` prints this
 * breakdown under each layer row): as separate passes, P·V (three quarters of the vpdpbusd)
 * ran at ≈ 93 % of the vpdpbusd peak and the softmax at ≈ 7.5 cycles per 16 keys with the
 * vpdpbusd ports idle — 56 and 16 % of the kernel's time; the fused loop takes 71 % instead of
 * their 73 %, on a kernel 8–10 % faster (base layer 11.0–11.5 ms against 12.0–12.5 ms,
 * alternating runs).  Q·Kᵀ runs at 70–76 % (each 16 logits take a float epilogue — cvt, two
 * mul, store, max — against 16 vpdpbusd at d = 64).  Q·Kᵀ's unmasked chunks are compiled for
 * d = 64 with the channel loop unrolled: straight-line code of 256 vpdpbusd and the epilogue
 * per chunk; alternating runs against the looped code gave 71–76 % against 67–70 % for that
 * pass (base layer, 1 and 2 threads).  Measured without gain beyond the noise (Zen 5): Q·Kᵀ
 * tiles of 8 rows × 2 blocks, and 512-key spans of K (32 KB, L1-resident) that all four row
 * tiles visit in turn before the next span.  K already streams from L2 fast enough. */
#include "attention/attention-avx512-common.h"

#define QK_ROWS 4   /* rows of a Q·Kᵀ tile */
#define QK_BLOCKS 4 /* 16-key blocks of a Q·Kᵀ tile: 16 int32 accumulators */

static size_t k_packed_size(int lk, int d) { return wk_avx512_k_packed_size(lk, d, 1); }
static size_t v_packed_size(int lk, int d) { return wk_avx512_v_packed_size(lk, d, 1); }

static void pack_k(const int8_t *k, ptrdiff_t row_stride, int lk, int d, void *k_packed) {
  wk_avx512_pack_k(k, row_stride, lk, d, 1, 0x80, k_packed); /* u8 k + 128 */
}

static void pack_v(const int8_t *v, ptrdiff_t row_stride, int lk, int d, void *v_packed) {
  wk_avx512_pack_v(v, row_stride, lk, d, 1, v_packed);
}

static inline int32_t load_i32(const void *p) {
  int32_t x;
  memcpy(&x, p, 4);
  return x;
}

/* ── pass 1: Q·Kᵀ ────────────────────────────────────────────────────────── */

/* Σ_c q[c] over a row of d ≤ 128 int8 values. */
static int32_t row_sum_s8(const int8_t *q, int d) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i s = _mm512_setzero_si512();
  for (int c = 0; c < d; c += 64)
    s = wk_avx512_dpbusd(s, ones, _mm512_maskz_loadu_epi8(wk_avx512_first_bytes(d - c), q + c));
  return _mm512_reduce_add_epi32(s);
}

typedef struct qk_args {
  const wk_attn_rows_args *a;
  const uint8_t *k;  /* [nblocks][d/4][16][4] u8 (k + 128) */
  int32_t comp[WK_ATTN_BLOCK_ROWS]; /* 128·Σ_c q[r][c]: the excess of (k + 128)·q */
  float *t;          /* [16][lkp] */
  size_t lkp;
  __m512 *m;         /* [16] per-lane running row maxima */
} qk_args;

/* acc[r][b] += Σ_{c < 4} q[r][4g + c]·k[b][4g + c]: channel group g of R rows × B blocks. */
WK_INLINE void qk_group(const int R, const int B, const int8_t *const q[QK_ROWS],
                        const uint8_t *k, size_t block_bytes, int g,
                        __m512i acc[QK_ROWS][QK_BLOCKS]) {
  __m512i kv[QK_BLOCKS]; /* 16 keys × channels 4g … 4g+3 of each block */
#pragma GCC unroll 4
  for (int b = 0; b < B; b++) kv[b] = _mm512_loadu_si512(k + b * block_bytes + (size_t)g * 64);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const __m512i qb = _mm512_set1_epi32(load_i32(q[r] + 4 * g));
#pragma GCC unroll 4
    for (int b = 0; b < B; b++) acc[r][b] = wk_avx512_dpbusd(acc[r][b], kv[b], qb);
  }
}

/* acc[r][b] += Σ_c q[r][c]·k[b][c] for R rows of q (row pointers) × B blocks of 16 keys of k
 * ([B][d/4][16][4], blocks block_bytes apart).  With d a compile-time constant (the d = 64
 * chunks of qk_rows_full) the channel loop is unrolled into straight-line code; otherwise it
 * stays a loop (the masked tiles: unrolling them only grows the code). */
WK_INLINE void qk_accumulate(const int R, const int B, const int8_t *const q[QK_ROWS],
                             const uint8_t *k, size_t block_bytes, int d,
                             __m512i acc[QK_ROWS][QK_BLOCKS]) {
  if (__builtin_constant_p(d)) {
#pragma GCC unroll 32
    for (int g = 0; g < d / 4; g++) qk_group(R, B, q, k, block_bytes, g, acc);
  } else {
    for (int g = 0; g < d / 4; g++) qk_group(R, B, q, k, block_bytes, g, acc);
  }
}

/* Rows r0 … r0+R−1 × key blocks jb … jb+B−1 (16 keys each). */
WK_INLINE void qk_tile(const int R, const int B, const qk_args *c, int r0, int jb) {
  const wk_attn_rows_args *a = c->a;
  const int d = a->d;
  const size_t block_bytes = (size_t)16 * d;
  const uint8_t *k = c->k + (size_t)jb * block_bytes; /* [B][d/4][16][4] */
  const int8_t *q[QK_ROWS]; /* the R rows */
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) q[r] = a->q + (ptrdiff_t)(r0 + r) * a->q_row_stride;
  __m512i acc[QK_ROWS][QK_BLOCKS]; /* start at −128·Σ q: the sums come out compensated */
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const __m512i neg_comp = _mm512_set1_epi32(-c->comp[r0 + r]);
#pragma GCC unroll 4
    for (int b = 0; b < B; b++) acc[r][b] = neg_comp;
  }
  qk_accumulate(R, B, q, k, block_bytes, d, acc);

  __m512 beta[QK_BLOCKS];
#pragma GCC unroll 4
  for (int b = 0; b < B; b++) beta[b] = wk_avx512_load_beta(a->beta, 16 * (jb + b), a->lk);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const __m512 alpha = _mm512_set1_ps(a->alpha[r0 + r]);
    float *t_row = c->t + (r0 + r) * c->lkp;
    __m512 m = c->m[r0 + r];
#pragma GCC unroll 4
    for (int b = 0; b < B; b++)
      wk_avx512_logit_store(acc[r][b], alpha, beta[b], t_row,
                            16 * (jb + b), a->n_keys[r0 + r], &m);
    c->m[r0 + r] = m;
  }
}

/* Constant tile shapes for the compiler: R, B ∈ 1 … 4. */
#define QK_CASE(R, B)                                                                          \
  case (R)*8 + (B): qk_tile(R, B, c, r0, jb); break
static void qk_tile_any(int R, int B, const qk_args *c, int r0, int jb) {
  switch (R * 8 + B) {
    QK_CASE(1, 1); QK_CASE(1, 2); QK_CASE(1, 3); QK_CASE(1, 4);
    QK_CASE(2, 1); QK_CASE(2, 2); QK_CASE(2, 3); QK_CASE(2, 4);
    QK_CASE(3, 1); QK_CASE(3, 2); QK_CASE(3, 3); QK_CASE(3, 4);
    QK_CASE(4, 1); QK_CASE(4, 2); QK_CASE(4, 3); QK_CASE(4, 4);
    default: break;
  }
}
#undef QK_CASE

/* QK_ROWS rows × key blocks [0, nb4) in chunks of QK_BLOCKS, every key of them seen by every
 * row (no masks): the rows' constants stay in registers across the chunks. */
WK_INLINE void qk_rows_full_d(const qk_args *c, int r0, int nb4, const int d) {
  const wk_attn_rows_args *a = c->a;
  const size_t block_bytes = (size_t)16 * d;
  __m512 m[QK_ROWS]; /* the running maxima stay in registers; the rows' other constants are
                      * broadcast from memory when used, leaving the registers to the
                      * accumulators and K */
#pragma GCC unroll 4
  for (int r = 0; r < QK_ROWS; r++) m[r] = c->m[r0 + r];
  for (int jb = 0; jb < nb4; jb += QK_BLOCKS) {
    const uint8_t *k = c->k + (size_t)jb * block_bytes;
    /* the rows' addresses, opaque per chunk: else GCC hoists all 4 × d/4 of them out of the
     * chunk loop and reloads each from the stack before its broadcast */
    const int8_t *q[QK_ROWS];
#pragma GCC unroll 4
    for (int r = 0; r < QK_ROWS; r++) {
      q[r] = a->q + (ptrdiff_t)(r0 + r) * a->q_row_stride;
      __asm__("" : "+r"(q[r]));
    }
    __m512i acc[QK_ROWS][QK_BLOCKS];
#pragma GCC unroll 4
    for (int r = 0; r < QK_ROWS; r++) {
      const __m512i neg_comp = _mm512_set1_epi32(-c->comp[r0 + r]);
#pragma GCC unroll 4
      for (int b = 0; b < QK_BLOCKS; b++) acc[r][b] = neg_comp;
    }
    qk_accumulate(QK_ROWS, QK_BLOCKS, q, k, block_bytes, d, acc);
#pragma GCC unroll 4
    for (int b = 0; b < QK_BLOCKS; b++) {
      const __m512 beta = _mm512_loadu_ps(a->beta + 16 * (jb + b));
#pragma GCC unroll 4
      for (int r = 0; r < QK_ROWS; r++) {
        const __m512 alpha = _mm512_set1_ps(a->alpha[r0 + r]);
        const __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][b]), _mm512_mul_ps(alpha, beta));
        _mm512_store_ps(c->t + (r0 + r) * c->lkp + 16 * (jb + b), t);
        m[r] = _mm512_max_ps(t, m[r]);
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < QK_ROWS; r++) c->m[r0 + r] = m[r];
}

static void qk_rows_full(const qk_args *c, int r0, int nb4) {
  if (c->a->d == 64) /* every Whisper size: d constant, the channel loop fully unrolled */
    qk_rows_full_d(c, r0, nb4, 64);
  else
    qk_rows_full_d(c, r0, nb4, c->a->d);
}

/* Logits of every row for the keys it sees (rounded up to 16), and the per-lane maxima. */
static void qk_pass(qk_args *c) {
  const wk_attn_rows_args *a = c->a;
  for (int r = 0; r < a->rows; r++) {
    c->comp[r] = 128 * row_sum_s8(a->q + r * a->q_row_stride, a->d);
    c->m[r] = _mm512_set1_ps(-INFINITY);
  }
  for (int r0 = 0; r0 < a->rows; r0 += QK_ROWS) {
    const int R = a->rows - r0 < QK_ROWS ? a->rows - r0 : QK_ROWS;
    int n_min = a->n_keys[r0];
    for (int r = 1; r < R; r++) n_min = a->n_keys[r0 + r] < n_min ? a->n_keys[r0 + r] : n_min;
    const int tile_nb = (wk_avx512_max_keys(a->n_keys + r0, R) + 15) / 16; /* masks */
    int jb = 0;
    if (R == QK_ROWS) { /* whole chunks every row sees: no masks */
      jb = n_min / (16 * QK_BLOCKS) * QK_BLOCKS;
      if (jb > 0) qk_rows_full(c, r0, jb);
    }
    for (; jb < tile_nb; jb += QK_BLOCKS) {
      const int B = tile_nb - jb < QK_BLOCKS ? tile_nb - jb : QK_BLOCKS;
      qk_tile_any(R, B, c, r0, jb);
    }
  }
}

/* ── pass 3: P·V ─────────────────────────────────────────────────────────── */

/* Rows r0 … r0+R−1 × output channels c0 … c0+16·NC−1 over 4-key groups [0, ngroups). */
WK_INLINE void pv_tile(const int R, const int NC, const wk_attn_rows_args *a,
                       const wk_avx512_scratch *s, int r0, int c0, int ngroups) {
  const int d = a->d;
  const int8_t *v = (const int8_t *)a->v_packed + (size_t)c0 * 4; /* [ngroups][d][4], at c0 */
  const size_t lkp = s->lkp;
  const uint8_t *p0 = s->p[0] + r0 * lkp, *p1 = s->p[1] + r0 * lkp, *p2 = s->p[2] + r0 * lkp;
  /* at least one pass, so rows without keys get acc = 0 */
  for (int g0 = 0; g0 == 0 || g0 < ngroups; g0 += WK_AVX512_PV_FLUSH_GROUPS) {
    const int g1 = ngroups - g0 > WK_AVX512_PV_FLUSH_GROUPS ? g0 + WK_AVX512_PV_FLUSH_GROUPS
                                                             : ngroups;
    __m512i x2[8][4], x1[8][4], x0[8][4]; /* Σ bk·V of each P byte plane k */
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int i = 0; i < NC; i++) x2[r][i] = x1[r][i] = x0[r][i] = _mm512_setzero_si512();
    for (int gb = g0; gb < g1; gb += 16) {
      /* 64 keys whose P is 0 in every plane of every row (peaked rows): adding 0, skip. */
      __m512i any = _mm512_setzero_si512();
#pragma GCC unroll 8
      for (int r = 0; r < R; r++)
        any = _mm512_or_si512(any, _mm512_ternarylogic_epi32(
                                       _mm512_load_si512(p0 + r * lkp + 4 * gb),
                                       _mm512_load_si512(p1 + r * lkp + 4 * gb),
                                       _mm512_load_si512(p2 + r * lkp + 4 * gb), 0xfe));
      if (!_mm512_test_epi32_mask(any, any)) continue;
      const int ge = g1 - gb < 16 ? g1 : gb + 16;
      for (int g = gb; g < ge; g++) {
        __m512i vv[4]; /* 4 keys × 16 channels per vector, loaded once for R rows × 3 planes */
#pragma GCC unroll 4
        for (int i = 0; i < NC; i++)
          vv[i] = _mm512_loadu_si512(v + ((size_t)g * d + 16 * i) * 4);
#pragma GCC unroll 8
        for (int r = 0; r < R; r++) {
          const __m512i q2 = _mm512_set1_epi32(load_i32(p2 + r * lkp + 4 * g));
#pragma GCC unroll 4
          for (int i = 0; i < NC; i++) x2[r][i] = wk_avx512_dpbusd(x2[r][i], q2, vv[i]);
          const __m512i q1 = _mm512_set1_epi32(load_i32(p1 + r * lkp + 4 * g));
#pragma GCC unroll 4
          for (int i = 0; i < NC; i++) x1[r][i] = wk_avx512_dpbusd(x1[r][i], q1, vv[i]);
          const __m512i q0 = _mm512_set1_epi32(load_i32(p0 + r * lkp + 4 * g));
#pragma GCC unroll 4
          for (int i = 0; i < NC; i++) x0[r][i] = wk_avx512_dpbusd(x0[r][i], q0, vv[i]);
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
      for (int i = 0; i < NC; i++)
        wk_avx512_flush_pv(x2[r][i], x1[r][i], x0[r][i], g0 == 0,
                           g1 - g0 <= WK_AVX512_PV_SHORT_GROUPS,
                           a->acc + (size_t)(r0 + r) * d + c0 + 16 * i);
  }
}

/* Rows per P·V tile for NC output vectors: 3·R·NC accumulators + NC V vectors + the P
 * broadcasts within the 32 zmm registers. */
static int pv_rows(int NC) { return NC == 4 ? 2 : NC == 3 ? 2 : NC == 2 ? 4 : 8; }

#define PV_CASE(R, NC)                                                                         \
  case (R)*8 + (NC): pv_tile(R, NC, a, s, r0, c0, ngroups); break
static void pv_tile_any(int R, int NC, const wk_attn_rows_args *a, const wk_avx512_scratch *s,
                        int r0, int c0, int ngroups) {
  switch (R * 8 + NC) {
    PV_CASE(1, 4); PV_CASE(2, 4);
    PV_CASE(1, 3); PV_CASE(2, 3);
    PV_CASE(1, 2); PV_CASE(2, 2); PV_CASE(3, 2); PV_CASE(4, 2);
    PV_CASE(1, 1); PV_CASE(2, 1); PV_CASE(3, 1); PV_CASE(4, 1);
    PV_CASE(5, 1); PV_CASE(6, 1); PV_CASE(7, 1); PV_CASE(8, 1);
    default: break;
  }
}
#undef PV_CASE

static void pv_pass(const wk_attn_rows_args *a, const wk_avx512_scratch *s) {
  const int d = a->d;
  for (int c0 = 0; c0 < d; c0 += 64) {
    const int NC = (d - c0) / 16 < 4 ? (d - c0) / 16 : 4;
    const int rmax = pv_rows(NC);
    for (int r0 = 0; r0 < a->rows; r0 += rmax) {
      const int R = a->rows - r0 < rmax ? a->rows - r0 : rmax;
      const int ngroups = (wk_avx512_max_keys(a->n_keys + r0, R) + 3) / 4;
      pv_tile_any(R, NC, a, s, r0, c0, ngroups);
    }
  }
}

/* ── passes 2 + 3 fused, row by row (d = 64, every Whisper size) ─────────── */

/* 128-bit lane e of v in every lane (vshufi32x4 takes an immediate: one case per lane). */
WK_INLINE __m512i lane_to_all(__m512i v, int e) {
  switch (e) {
  case 0: return _mm512_shuffle_i32x4(v, v, 0x00);
  case 1: return _mm512_shuffle_i32x4(v, v, 0x55);
  case 2: return _mm512_shuffle_i32x4(v, v, 0xaa);
  default: return _mm512_shuffle_i32x4(v, v, 0xff);
  }
}

/* Rows whose P·V int32 partial sums need no flush: ≤ WK_AVX512_PV_FLUSH_GROUPS 4-key groups. */
#define FUSED_MAX_KEYS (4 * WK_AVX512_PV_FLUSH_GROUPS)

/* Row r's softmax and P·V in one loop over blocks of 16 keys: the softmax of block b + 2 (one
 * vector, wk_avx512_exp2_q24) is computed while the P·V of block
 * b runs — two blocks ahead, because the softmax's dependency chain (≈ 40 cycles) is longer
 * than one block of P·V (48 vpdpbusd, 24 cycles).  Why it pays: on Zen 5 only FMAs and
 * multiplies share vpdpbusd's two ports; add, max, convert, roundscale, scalef and shuffles
 * issue beside them for free (a register-only test: 24 vpdpbusd run at 24/28 of their rate
 * with 4 FMAs added, at the full rate with 8 adds, converts or roundscales, 96 % with 8
 * shuffles).  As a pass of its own the softmax cost ≈ 7.5 cycles per 16 keys with vpdpbusd
 * idle; here it costs about its five FMAs.  P stays in registers: a block's P, one int32 per
 * key, is shuffled once so that each 128-bit lane e holds the three byte planes of keys
 * 4e … 4e+3 (dwords 0, 1, 2 = bytes 2, 1, 0), and each plane's operand is that lane broadcast
 * (vshufi32x4) and its dword broadcast (vpshufd) — immediates only, no index registers.
 * (Through a buffer in memory, each block's loads waited for the stores before them: 45 %
 * slower than the separate passes.  So did a fused version of the 2-row tile, whose 24
 * accumulators left the softmax no registers.)  One row at a time: 12 accumulators (3 planes
 * × 4 vectors of 16 channels), 4 of V, the softmax's constants and three P vectors in flight.
 * acc and sum come out exactly as the separate passes make them. */
static void softmax_pv_row(const wk_attn_rows_args *a, const float *t_row, float m, int r) {
  const int n = a->n_keys[r], ngroups = (n + 3) / 4, nb = (n + 15) / 16;
  const int8_t *v = (const int8_t *)a->v_packed; /* [ngroups][64][4] */
  const __m512 mv = _mm512_set1_ps(m);
  const __m512i planes = _mm512_broadcast_i32x4(
      _mm_setr_epi8(2, 6, 10, 14, 1, 5, 9, 13, 0, 4, 8, 12, -1, -1, -1, -1));
  __m512i psum = _mm512_setzero_si512(); /* uint32 lane sums of P, flushed into sum */
  int64_t sum = 0;
  __m512i pl = _mm512_setzero_si512(), pl1 = pl; /* the planes of blocks b and b + 1 */
  __m512i x2[4], x1[4], x0[4];                   /* Σ bk·V of each P byte plane k */
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) x2[i] = x1[i] = x0[i] = _mm512_setzero_si512();
  for (int b = -2; b < nb; b++) {
    __m512i pl2 = pl1;
    if (b + 2 < nb) { /* the softmax of block b + 2 */
      const int j = 16 * (b + 2);
      const __mmask16 k = wk_avx512_first_lanes(n - j);
      const __m512i p =
          _mm512_maskz_mov_epi32(k, wk_avx512_exp2_q24(_mm512_maskz_load_ps(k, t_row + j), mv));
      psum = _mm512_add_epi32(psum, p);
      /* flushed as often as wk_avx512_emit_p64 flushes (its units hold 4 vectors) */
      if ((b + 2) % (4 * WK_AVX512_SUM_FLUSH_UNITS) == 4 * WK_AVX512_SUM_FLUSH_UNITS - 1) {
        sum += wk_avx512_sum_u32(psum);
        psum = _mm512_setzero_si512();
      }
      pl2 = _mm512_shuffle_epi8(p, planes);
    }
    /* the P·V of block b; 16 keys whose P is 0 (a peaked row): adding 0, skip */
    if (b >= 0 && _mm512_test_epi32_mask(pl, pl)) {
#pragma GCC unroll 4
      for (int e = 0; e < 4; e++) {
        const int g = 4 * b + e;
        if (e > 0 && g >= ngroups) break; /* the row's last block: its groups only */
        __m512i vv[4]; /* 4 keys × 16 channels per vector */
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) vv[i] = _mm512_loadu_si512(v + ((size_t)g * 64 + 16 * i) * 4);
        const __m512i lane = lane_to_all(pl, e);
        const __m512i q2 = _mm512_shuffle_epi32(lane, 0x00);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) x2[i] = wk_avx512_dpbusd(x2[i], q2, vv[i]);
        const __m512i q1 = _mm512_shuffle_epi32(lane, 0x55);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) x1[i] = wk_avx512_dpbusd(x1[i], q1, vv[i]);
        const __m512i q0 = _mm512_shuffle_epi32(lane, 0xaa);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) x0[i] = wk_avx512_dpbusd(x0[i], q0, vv[i]);
      }
    }
    pl = pl1;
    pl1 = pl2;
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++)
    wk_avx512_flush_pv(x2[i], x1[i], x0[i], 1, ngroups <= WK_AVX512_PV_SHORT_GROUPS,
                       a->acc + (size_t)r * 64 + 16 * i);
  a->sum[r] = sum + wk_avx512_sum_u32(psum);
}

/* ── the microkernel ─────────────────────────────────────────────────────── */

static void rows_avx512vnni(const wk_attn_rows_args *a) {
  const wk_avx512_scratch s = wk_avx512_scratch_split(a->scratch, a->lk);
  __m512 m[WK_ATTN_BLOCK_ROWS]; /* per-lane row maxima */
  qk_args c = {.a = a, .k = a->k_packed, .t = s.t, .lkp = s.lkp, .m = m};
  const uint64_t t0 = wk_attn_tick(a);
  qk_pass(&c);
  const uint64_t t1 = wk_attn_tick(a);
  if (a->d == 64 && a->lk <= FUSED_MAX_KEYS) {
    for (int r = 0; r < a->rows; r++)
      softmax_pv_row(a, s.t + r * s.lkp, wk_avx512_row_max(m[r], a->n_keys[r]), r);
    wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX_PV, t1, wk_attn_tick(a));
  } else {
    wk_avx512_softmax_rows(a, &s, m);
    const uint64_t t2 = wk_attn_tick(a);
    pv_pass(a, &s);
    wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX, t1, t2);
    wk_attn_tick_add(a, WK_ATTN_PASS_PV, t2, wk_attn_tick(a));
  }
  wk_attn_tick_add(a, WK_ATTN_PASS_QK, t0, t1);
}

const wk_attention_kernel wk_attention_kernel_avx512vnni = {
    .name = "wk_qs8_attention_ukernel_16xN__avx512vnni",
    .isa = WK_ISA_AVX512VNNI,
    .k_packed_size = k_packed_size,
    .v_packed_size = v_packed_size,
    .scratch_size = wk_avx512_scratch_size,
    .pack_k = pack_k,
    .pack_v = pack_v,
    .rows = rows_avx512vnni,
    .store = wk_avx512_store,
};
