/* attention-avx512vnni.c — wk_qs8_attention_ukernel_16xN__avx512vnni: up to 16 query rows
 * against all N keys of one head with AVX-512 VNNI (vpdpbusd), bit-identical to the scalar spec.
 *
 * Three passes over the row block, all through the thread's scratch (attention-avx512-common.h):
 *   1. Q·Kᵀ → logits t[16][lk] and per-row maxima.  vpdpbusd multiplies u8 × s8, so K is packed
 *      as k + 128 (u8) and each score carries 128·Σ_c q[c] (the accumulators start at minus
 *      that).  Lanes = 16 keys; each row's 4 Q bytes of a channel group are one broadcast dword;
 *      tile 4 rows × 4 key blocks; a tile of rows runs through every key chunk they all see
 *      with its constants in registers (K streams from L2), the masked tail chunk by chunk.
 *   2. softmax: t → P (24-bit) as three byte planes, P = 2^16·b2 + 2^8·b1 + b0, plus exact
 *      int64 row sums.
 *   3. P·V: lanes = 16 output channels; a row's 4 P bytes (4 keys) of one plane are a broadcast
 *      dword (u8) against V packed as [key/4][d][4] (s8); three int32 accumulators per output
 *      vector (one per plane), widened to int64 as 2^16·x2 + 2^8·x1 + x0 every 65536 keys and
 *      at the end.
 * Measured on Zen 5 (a base encoder window, one thread, cycles per pass; `whisk bench attention`
 * prints this breakdown under each layer row): P·V (three quarters
 * of the vpdpbusd) runs at ≈ 93 % of the vpdpbusd peak, Q·Kᵀ at 70–76 % (each 16 logits take
 * a float epilogue — cvt, two mul, store, max — against 16 vpdpbusd at d = 64), the softmax at
 * ≈ 7.5 cycles per 16 keys: 56 / 24 / 16 % of the kernel's time.  Q·Kᵀ's unmasked chunks are
 * compiled for d = 64 (Whisper's head dim) with the channel loop unrolled: straight-line code
 * of 256 vpdpbusd and the epilogue per chunk; alternating runs against the looped code gave
 * 71–76 % against 67–70 % for that pass (base layer, 1 and 2 threads).  Interleaving the softmax into
 * either product loop was measured slower on Zen 4 (register pressure in Q·Kᵀ, store-to-load
 * stalls in P·V), so it stays a pass of its own.  Measured without gain beyond the noise (Zen 5):
 * Q·Kᵀ tiles of 8 rows × 2 blocks, and 512-key spans of K (32 KB, L1-resident) that all four row
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
WK_INLINE void qk_group(const int R, const int B, const int8_t *q, ptrdiff_t qs,
                        const uint8_t *k, size_t block_bytes, int g,
                        __m512i acc[QK_ROWS][QK_BLOCKS]) {
  __m512i kv[QK_BLOCKS]; /* 16 keys × channels 4g … 4g+3 of each block */
#pragma GCC unroll 4
  for (int b = 0; b < B; b++) kv[b] = _mm512_loadu_si512(k + b * block_bytes + (size_t)g * 64);
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const __m512i qb = _mm512_set1_epi32(load_i32(q + r * qs + 4 * g));
#pragma GCC unroll 4
    for (int b = 0; b < B; b++) acc[r][b] = wk_avx512_dpbusd(acc[r][b], kv[b], qb);
  }
}

/* acc[r][b] += Σ_c q[r][c]·k[b][c] for R rows of q (row stride qs) × B blocks of 16 keys of k
 * ([B][d/4][16][4], blocks block_bytes apart).  With d a compile-time constant (the d = 64
 * chunks of qk_rows_full) the channel loop is unrolled into straight-line code; otherwise it
 * stays a loop (the masked tiles: unrolling them only grows the code). */
WK_INLINE void qk_accumulate(const int R, const int B, const int8_t *q, ptrdiff_t qs,
                             const uint8_t *k, size_t block_bytes, int d,
                             __m512i acc[QK_ROWS][QK_BLOCKS]) {
  if (__builtin_constant_p(d)) {
#pragma GCC unroll 32
    for (int g = 0; g < d / 4; g++) qk_group(R, B, q, qs, k, block_bytes, g, acc);
  } else {
    for (int g = 0; g < d / 4; g++) qk_group(R, B, q, qs, k, block_bytes, g, acc);
  }
}

/* Rows r0 … r0+R−1 × key blocks jb … jb+B−1 (16 keys each). */
WK_INLINE void qk_tile(const int R, const int B, const qk_args *c, int r0, int jb) {
  const wk_attn_rows_args *a = c->a;
  const int d = a->d;
  const size_t block_bytes = (size_t)16 * d;
  const uint8_t *k = c->k + (size_t)jb * block_bytes; /* [B][d/4][16][4] */
  const int8_t *q = a->q + (ptrdiff_t)r0 * a->q_row_stride; /* [R][d] */
  __m512i acc[QK_ROWS][QK_BLOCKS]; /* start at −128·Σ q: the sums come out compensated */
#pragma GCC unroll 4
  for (int r = 0; r < R; r++) {
    const __m512i neg_comp = _mm512_set1_epi32(-c->comp[r0 + r]);
#pragma GCC unroll 4
    for (int b = 0; b < B; b++) acc[r][b] = neg_comp;
  }
  qk_accumulate(R, B, q, a->q_row_stride, k, block_bytes, d, acc);

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
  const int8_t *q = a->q + (ptrdiff_t)r0 * a->q_row_stride; /* [4][d] */
  const ptrdiff_t qs = a->q_row_stride;
  __m512i neg_comp[QK_ROWS];
  __m512 alpha[QK_ROWS], m[QK_ROWS];
#pragma GCC unroll 4
  for (int r = 0; r < QK_ROWS; r++) {
    neg_comp[r] = _mm512_set1_epi32(-c->comp[r0 + r]);
    alpha[r] = _mm512_set1_ps(a->alpha[r0 + r]);
    m[r] = c->m[r0 + r];
  }
  for (int jb = 0; jb < nb4; jb += QK_BLOCKS) {
    const uint8_t *k = c->k + (size_t)jb * block_bytes;
    __m512i acc[QK_ROWS][QK_BLOCKS];
#pragma GCC unroll 4
    for (int r = 0; r < QK_ROWS; r++)
#pragma GCC unroll 4
      for (int b = 0; b < QK_BLOCKS; b++) acc[r][b] = neg_comp[r];
    qk_accumulate(QK_ROWS, QK_BLOCKS, q, qs, k, block_bytes, d, acc);
#pragma GCC unroll 4
    for (int b = 0; b < QK_BLOCKS; b++) {
      const __m512 beta = _mm512_loadu_ps(a->beta + 16 * (jb + b));
#pragma GCC unroll 4
      for (int r = 0; r < QK_ROWS; r++) {
        const __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[r][b]), _mm512_mul_ps(alpha[r], beta));
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

/* ── the microkernel ─────────────────────────────────────────────────────── */

static void rows_avx512vnni(const wk_attn_rows_args *a) {
  const wk_avx512_scratch s = wk_avx512_scratch_split(a->scratch, a->lk);
  __m512 m[WK_ATTN_BLOCK_ROWS]; /* per-lane row maxima */
  qk_args c = {.a = a, .k = a->k_packed, .t = s.t, .lkp = s.lkp, .m = m};
  const uint64_t t0 = wk_attn_tick(a);
  qk_pass(&c);
  const uint64_t t1 = wk_attn_tick(a);
  wk_avx512_softmax_rows(a, &s, m);
  const uint64_t t2 = wk_attn_tick(a);
  pv_pass(a, &s);
  const uint64_t t3 = wk_attn_tick(a);
  wk_attn_tick_add(a, WK_ATTN_PASS_QK, t0, t1);
  wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX, t1, t2);
  wk_attn_tick_add(a, WK_ATTN_PASS_PV, t2, t3);
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
