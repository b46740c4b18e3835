/* attention-amx.c — wk_qs8_attention_ukernel_16xN__amx: up to 16 query rows against all N keys
 * of one head with AMX-INT8 tiles, bit-identical to the scalar spec.
 *
 * The same three passes as the AVX-512 VNNI kernel, sharing its packing, logits, softmax and
 * accumulator code (attention-avx512-common.h); only the two products run on tiles:
 *   1. Q·Kᵀ: tdpbssd (s8 × s8, no compensation), Q [rows][d] straight from the caller as the A
 *      tile, K packed [key/16][d/4][16][4] so one block's channel groups are a B tile; 32 keys
 *      per step into two int32 score tiles, stored and turned into logits with AVX-512.
 *   2. softmax (AVX-512) → P byte planes, P = 2^16·b2 + 2^8·b1 + b0.
 *   3. P·V: tdpbusd (u8 × s8) with a plane's 64 keys × rows as the A tile and V packed
 *      [key/4][d][4] (16 groups = 64 keys per B tile); the three planes accumulate in separate
 *      tiles, 32 output channels at a time (6 accumulator tiles, then one tile for a P plane
 *      and one for a V half: each P load serves both halves; a last odd 16 channels use half
 *      A alone), widened to int64 every 65536 keys and at the end.  (16 channels at a time for
 *      all of d, this pass re-read P from L2 for every 16 channels: measured on a Xeon with
 *      AMX, base's P·V took 33 % longer.)
 *
 * Built with -DWK_AMX_EMULATE (tests only) it runs on a C model of the tile instructions
 * (runtime/amx-emulate.h) and defines wk_attention_kernel_amx_emulated instead. */
#include "attention/attention-avx512-common.h"
#include "runtime/amx.h"

#ifdef WK_AMX_EMULATE
#define AMX_KERNEL wk_attention_kernel_amx_emulated
#define AMX_KERNEL_NAME "wk_qs8_attention_ukernel_16xN__amx_emulated"
extern const wk_attention_kernel wk_attention_kernel_amx_emulated; /* tests only */
#else
#define AMX_KERNEL wk_attention_kernel_amx
#define AMX_KERNEL_NAME "wk_qs8_attention_ukernel_16xN__amx"
#endif

/* Tiles of pass 1 (Q·Kᵀ).  Channels split in chunks: 0 … w0−1 and, for d > 64, 64 … d−1. */
#define QK_S0 0  /* scores, key block 0: [rows][16 keys] int32 */
#define QK_S1 1  /* scores, key block 1 */
#define QK_Q0 2  /* Q chunk 0: [rows][w0] s8 */
#define QK_Q1 3  /* Q chunk 1: [rows][d − 64] s8 */
#define QK_K00 4 /* K block 0, chunk 0: [w0/4 groups][16 keys × 4] s8 */
#define QK_K01 5 /* K block 1, chunk 0 */
#define QK_K10 6 /* K block 0, chunk 1: [(d − 64)/4][16 × 4] */
#define QK_K11 7 /* K block 1, chunk 1 */

/* Tiles of pass 3 (P·V), for 32 output channels at once: halves A (c0 … c0+15) and B (c0+16 …
 * c0+31), Σ bk·V of a half in tile PV_XkA / PV_XkB ([rows][16] int32). */
#define PV_X0A 0
#define PV_X1A 1
#define PV_X2A 2
#define PV_X0B 3
#define PV_X1B 4
#define PV_X2B 5
#define PV_P 6 /* one byte plane of P, 64 keys: [rows][64] u8 */
#define PV_V 7 /* V, 16 groups of 4 keys × the 16 channels of one half: [16][16 × 4] s8 */

#define PV_FLUSH_STEPS (WK_AVX512_PV_FLUSH_GROUPS / 16) /* 64-key steps between int64 flushes */

static size_t k_packed_size(int lk, int d) { return wk_avx512_k_packed_size(lk, d, 2); }
static size_t v_packed_size(int lk, int d) { return wk_avx512_v_packed_size(lk, d, 16); }

/* The shared scratch, then the tiles' stores: scores [16][32] and P·V partials [3][16][16]. */
static size_t scratch_size(int lk, int d) {
  return wk_avx512_scratch_size(lk, d) + sizeof(int32_t) * (16 * 32 + 3 * 16 * 16);
}

static void pack_k(const int8_t *k, ptrdiff_t row_stride, int lk, int d, void *k_packed) {
  wk_avx512_pack_k(k, row_stride, lk, d, 2, 0x00, k_packed); /* s8 as is: tdpbssd */
}

static void pack_v(const int8_t *v, ptrdiff_t row_stride, int lk, int d, void *v_packed) {
  wk_avx512_pack_v(v, row_stride, lk, d, 16, v_packed); /* whole 64-key B tiles */
}

/* ── pass 1: Q·Kᵀ ────────────────────────────────────────────────────────── */

/* Logits of all rows for key blocks [0, ⌈n_max/16⌉) rounded up to pairs, and per-lane maxima. */
static void qk_pass(const wk_attn_rows_args *a, const wk_avx512_scratch *s,
                    int32_t *scores /* [16][32] */, __m512 *m /* [rows] */) {
  const int rows = a->rows, d = a->d;
  const int w0 = d < 64 ? d : 64, w1 = d - w0; /* channel chunk widths; w1 = 0 for d ≤ 64 */
  wk_amx_tilecfg cfg = {.palette_id = 1};
  wk_amx_tile_shape(&cfg, QK_S0, rows, 64);
  wk_amx_tile_shape(&cfg, QK_S1, rows, 64);
  wk_amx_tile_shape(&cfg, QK_Q0, rows, w0);
  wk_amx_tile_shape(&cfg, QK_K00, w0 / 4, 64);
  wk_amx_tile_shape(&cfg, QK_K01, w0 / 4, 64);
  if (w1) {
    wk_amx_tile_shape(&cfg, QK_Q1, rows, w1);
    wk_amx_tile_shape(&cfg, QK_K10, w1 / 4, 64);
    wk_amx_tile_shape(&cfg, QK_K11, w1 / 4, 64);
  }
  wk_amx_load_config(&cfg);
  _tile_loadd(QK_Q0, a->q, a->q_row_stride); /* Q stays in its tiles for the whole pass */
  if (w1) _tile_loadd(QK_Q1, a->q + 64, a->q_row_stride);

  const size_t block_bytes = (size_t)16 * d;
  const uint8_t *k = a->k_packed; /* [nblocks (even)][d/4][16][4] s8 */
  const int nb = (wk_avx512_max_keys(a->n_keys, rows) + 15) / 16;
  for (int jb = 0; jb < nb; jb += 2) {
    const uint8_t *k0 = k + (size_t)jb * block_bytes, *k1 = k0 + block_bytes;
    _tile_zero(QK_S0);
    _tile_zero(QK_S1);
    _tile_loadd(QK_K00, k0, 64);
    _tile_loadd(QK_K01, k1, 64);
    _tile_dpbssd(QK_S0, QK_Q0, QK_K00);
    _tile_dpbssd(QK_S1, QK_Q0, QK_K01);
    if (w1) {
      _tile_loadd(QK_K10, k0 + 16 * 64, 64); /* groups 16 … d/4−1 */
      _tile_loadd(QK_K11, k1 + 16 * 64, 64);
      _tile_dpbssd(QK_S0, QK_Q1, QK_K10);
      _tile_dpbssd(QK_S1, QK_Q1, QK_K11);
    }
    _tile_stored(QK_S0, scores, 32 * sizeof(int32_t));
    _tile_stored(QK_S1, scores + 16, 32 * sizeof(int32_t));

    const __m512 beta0 = wk_avx512_load_beta(a->beta, 16 * jb, a->lk);
    const __m512 beta1 = wk_avx512_load_beta(a->beta, 16 * jb + 16, a->lk);
    for (int r = 0; r < rows; r++) {
      const __m512 alpha = _mm512_set1_ps(a->alpha[r]);
      float *t_row = s->t + r * s->lkp;
      const __m512i *sr = (const __m512i *)(scores + 32 * r);
      wk_avx512_logit_store(sr[0], alpha, beta0, t_row, 16 * jb, a->n_keys[r], &m[r]);
      wk_avx512_logit_store(sr[1], alpha, beta1, t_row, 16 * jb + 16, a->n_keys[r], &m[r]);
    }
  }
}

/* ── pass 3: P·V ─────────────────────────────────────────────────────────── */

/* Stores the accumulator tiles of one 16-channel half (planes 0, 1, 2 in tiles X0, X1, X2) and
 * adds them into acc's channels c0 … c0+15 (int64). */
#define PV_FLUSH(X0, X1, X2, c0)                                                               \
  do {                                                                                         \
    _tile_stored(X0, x0, 64);                                                                  \
    _tile_stored(X1, x1, 64);                                                                  \
    _tile_stored(X2, x2, 64);                                                                  \
    for (int r = 0; r < rows; r++)                                                             \
      wk_avx512_flush_pv(_mm512_load_si512(x2 + 16 * r), _mm512_load_si512(x1 + 16 * r),       \
                         _mm512_load_si512(x0 + 16 * r), st0 == 0,                             \
                         16 * (st1 - st0) <= WK_AVX512_PV_SHORT_GROUPS,                        \
                         a->acc + (size_t)r * d + (c0));                                       \
  } while (0)

static void pv_pass(const wk_attn_rows_args *a, const wk_avx512_scratch *s,
                    int32_t *partial /* [3][16][16]: Σ b0·V, Σ b1·V, Σ b2·V */) {
  const int rows = a->rows, d = a->d;
  const int8_t *v = a->v_packed; /* [ngroups (multiple of 16)][d][4] s8 */
  const size_t group_bytes = (size_t)4 * d;
  const int nsteps = (wk_avx512_max_keys(a->n_keys, rows) + 63) / 64; /* 64 keys each */
  const uint8_t *p0 = s->p[0], *p1 = s->p[1], *p2 = s->p[2];
  int32_t *x0 = partial, *x1 = partial + 256, *x2 = partial + 512;
  wk_amx_tilecfg cfg = {.palette_id = 1};
  for (int t = PV_X0A; t <= PV_X2B; t++) wk_amx_tile_shape(&cfg, t, rows, 64);
  wk_amx_tile_shape(&cfg, PV_P, rows, 64);
  wk_amx_tile_shape(&cfg, PV_V, 16, 64);
  wk_amx_load_config(&cfg);

  for (int c0 = 0; c0 < d; c0 += 32) { /* halves A, B of 16 channels; B absent for d = 32·j + 16 */
    const int two = c0 + 32 <= d;
    /* at least one pass, so rows without keys get acc = 0 */
    for (int st0 = 0; st0 == 0 || st0 < nsteps; st0 += PV_FLUSH_STEPS) {
      const int st1 = nsteps - st0 > PV_FLUSH_STEPS ? st0 + PV_FLUSH_STEPS : nsteps;
      _tile_zero(PV_X0A);
      _tile_zero(PV_X1A);
      _tile_zero(PV_X2A);
      if (two) {
        _tile_zero(PV_X0B);
        _tile_zero(PV_X1B);
        _tile_zero(PV_X2B);
      }
      for (int st = st0; st < st1; st++) { /* planes 2, 1, 0 with half A, then 0, 1, 2 with B */
        const int8_t *va = v + (size_t)16 * st * group_bytes + (size_t)c0 * 4;
        _tile_loadd(PV_V, va, group_bytes);
        _tile_loadd(PV_P, p2 + 64 * st, s->lkp);
        _tile_dpbusd(PV_X2A, PV_P, PV_V);
        _tile_loadd(PV_P, p1 + 64 * st, s->lkp);
        _tile_dpbusd(PV_X1A, PV_P, PV_V);
        _tile_loadd(PV_P, p0 + 64 * st, s->lkp);
        _tile_dpbusd(PV_X0A, PV_P, PV_V);
        if (!two) continue;
        _tile_loadd(PV_V, va + 64, group_bytes); /* half B; plane 0 is still loaded */
        _tile_dpbusd(PV_X0B, PV_P, PV_V);
        _tile_loadd(PV_P, p1 + 64 * st, s->lkp);
        _tile_dpbusd(PV_X1B, PV_P, PV_V);
        _tile_loadd(PV_P, p2 + 64 * st, s->lkp);
        _tile_dpbusd(PV_X2B, PV_P, PV_V);
      }
      PV_FLUSH(PV_X0A, PV_X1A, PV_X2A, c0);
      if (two) PV_FLUSH(PV_X0B, PV_X1B, PV_X2B, c0 + 16);
    }
  }
}

/* ── the microkernel ─────────────────────────────────────────────────────── */

static void rows_amx(const wk_attn_rows_args *a) {
  const wk_avx512_scratch s = wk_avx512_scratch_split(a->scratch, a->lk);
  int32_t *scores = wk_avx512_scratch_end(&s); /* [16][32], 64-byte aligned */
  int32_t *partial = scores + 16 * 32;          /* [3][16][16] */
  __m512 m[WK_ATTN_BLOCK_ROWS]; /* per-lane row maxima */
  for (int r = 0; r < a->rows; r++) m[r] = _mm512_set1_ps(-INFINITY);
  const uint64_t t0 = wk_attn_tick(a);
  qk_pass(a, &s, scores, m);
  const uint64_t t1 = wk_attn_tick(a);
  wk_avx512_softmax_rows(a, &s, m);
  const uint64_t t2 = wk_attn_tick(a);
  pv_pass(a, &s, partial);
  const uint64_t t3 = wk_attn_tick(a);
  _tile_release();
  wk_attn_tick_add(a, WK_ATTN_PASS_QK, t0, t1);
  wk_attn_tick_add(a, WK_ATTN_PASS_SOFTMAX, t1, t2);
  wk_attn_tick_add(a, WK_ATTN_PASS_PV, t2, t3);
}

const wk_attention_kernel AMX_KERNEL = {
    .name = AMX_KERNEL_NAME,
    .isa = WK_ISA_AMX,
    .k_packed_size = k_packed_size,
    .v_packed_size = v_packed_size,
    .scratch_size = scratch_size,
    .pack_k = pack_k,
    .pack_v = pack_v,
    .rows = rows_amx,
    .store = wk_avx512_store,
};
