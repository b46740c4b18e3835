/* attention-avx512-common.h — AVX-512 pieces shared by the AVX-512 VNNI and AMX attention
 * microkernels (included only by files compiled with the AVX-512 flags): K/V packing, the
 * logit epilogue of a 16-key score vector, the base-2 softmax into three probability byte
 * planes, and the widening of byte-plane P·V partial sums into the int64 accumulators.
 *
 * Scratch layout of one call (rows ≤ 16, lkp = lk rounded up to 64 keys, 64-byte aligned):
 *   t     float   [16][lkp]  base-2 logits of every computed (row, key)
 *   p[0]  uint8_t [16][lkp]  byte 0 of P (P = 2^16·b2 + 2^8·b1 + b0), 0 for keys ≥ n_keys[r]
 *   p[1]  uint8_t [16][lkp]  byte 1 of P
 *   p[2]  uint8_t [16][lkp]  byte 2 of P
 * Each byte is exactly the unsigned operand vpdpbusd / tdpbusd multiply, so P·V costs three
 * byte products per key (a 16-bit low part through vpdpwssd would cost the same: vpdpwssd
 * has vpdpbusd's throughput on Zen 4 but half its products per instruction).
 * Every float operation below is the one the scalar spec (attention-internal.h) performs, in
 * the same order; the file is compiled with -ffp-contract=off so none is fused. */
#ifndef WK_ATTENTION_AVX512_COMMON_H
#define WK_ATTENTION_AVX512_COMMON_H

#include <immintrin.h>
#include <string.h>

#include "attention/attention-internal.h"

#define WK_INLINE static inline __attribute__((always_inline))

/* Keys are handled in blocks of 16 (one zmm of int32/float lanes); scratch rows are padded to
 * 64 keys so 64-byte rows stay aligned and AMX tiles (64 bytes wide) never read past them. */
static inline size_t wk_avx512_lk_padded(int lk) { return ((size_t)lk + 63) & ~(size_t)63; }

static inline size_t wk_avx512_scratch_size(int lk, int d) {
  (void)d;
  return (size_t)WK_ATTN_BLOCK_ROWS * wk_avx512_lk_padded(lk) * (sizeof(float) + 3);
}

typedef struct wk_avx512_scratch {
  float *t;       /* [16][lkp] */
  uint8_t *p[3];  /* [16][lkp] each: byte k of P */
  size_t lkp;     /* row stride of all four, in elements */
} wk_avx512_scratch;

static inline wk_avx512_scratch wk_avx512_scratch_split(void *scratch, int lk) {
  wk_avx512_scratch s;
  s.lkp = wk_avx512_lk_padded(lk);
  s.t = scratch;
  s.p[0] = (uint8_t *)(s.t + WK_ATTN_BLOCK_ROWS * s.lkp);
  s.p[1] = s.p[0] + WK_ATTN_BLOCK_ROWS * s.lkp;
  s.p[2] = s.p[1] + WK_ATTN_BLOCK_ROWS * s.lkp;
  return s;
}

/* The end of the shared scratch (64-byte aligned): where a kernel's own scratch may start. */
static inline void *wk_avx512_scratch_end(const wk_avx512_scratch *s) {
  return s->p[2] + WK_ATTN_BLOCK_ROWS * s->lkp;
}

/* ── packing ─────────────────────────────────────────────────────────────── */

/* out[L] = 128-bit lane L of a, b, c, d, in that order: a 4×4 transpose of 128-bit lanes. */
WK_INLINE void wk_avx512_transpose_lanes(__m512i a, __m512i b, __m512i c, __m512i d,
                                         __m512i out[4]) {
  const __m512i ab01 = _mm512_shuffle_i32x4(a, b, 0x44), ab23 = _mm512_shuffle_i32x4(a, b, 0xee);
  const __m512i cd01 = _mm512_shuffle_i32x4(c, d, 0x44), cd23 = _mm512_shuffle_i32x4(c, d, 0xee);
  out[0] = _mm512_shuffle_i32x4(ab01, cd01, 0x88);
  out[1] = _mm512_shuffle_i32x4(ab01, cd01, 0xdd);
  out[2] = _mm512_shuffle_i32x4(ab23, cd23, 0x88);
  out[3] = _mm512_shuffle_i32x4(ab23, cd23, 0xdd);
}

/* Mask of the first `w` bytes (0 < w ≤ 64). */
WK_INLINE __mmask64 wk_avx512_first_bytes(int w) {
  return w >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << w) - 1;
}

/* Bytes c0 … c0+w−1 of row j of a [rows][·] int8 matrix (w ≤ 64), zero when j ≥ rows. */
WK_INLINE __m512i wk_avx512_load_row(const int8_t *m, ptrdiff_t row_stride, size_t j, int rows,
                                     int c0, int w) {
  if (j >= (size_t)rows) return _mm512_setzero_si512();
  return _mm512_maskz_loadu_epi8(wk_avx512_first_bytes(w), m + (ptrdiff_t)j * row_stride + c0);
}

/* The packing functions read one 64-byte slice of each row, rows a projection's width apart
 * (0.4–2.5 KB): with their data out of L2 they wait on each line, and the hardware prefetchers,
 * which stop at 4-KB pages, do not run ahead.  So they prefetch the slice WK_AVX512_PACK_AHEAD
 * rows ahead: a base encoder's packing 20–25 % shorter (2 threads, alternating runs,
 * 2026-12-05: 170–243 µs a layer against 220–283; 16 or 64 rows ahead: no better). */
#define WK_AVX512_PACK_AHEAD 32

WK_INLINE void wk_avx512_prefetch_row(const int8_t *m, ptrdiff_t row_stride, size_t j, int rows,
                                      int c0) {
  if (j < (size_t)rows)
    _mm_prefetch((const char *)(m + (ptrdiff_t)j * row_stride + c0), _MM_HINT_T0);
}

/* Bytes of lk keys × d channels packed in units of `unit_keys` keys, the unit count rounded
 * up to a multiple of `unit_multiple` (padding keys are zero). */
static inline size_t wk_avx512_packed_size(int lk, int d, int unit_keys, int unit_multiple) {
  size_t units = ((size_t)lk + unit_keys - 1) / unit_keys;
  units = (units + unit_multiple - 1) / unit_multiple * unit_multiple;
  return units * unit_keys * (size_t)d;
}

/* K → [nblocks][d/4][16 keys][4 channels] bytes, nblocks = ⌈lk/16⌉ rounded up to a multiple
 * of `block_multiple`; keys ≥ lk are zero (before the XOR).  Block b, channel group g is one
 * 64-byte vector: the VNNI operand with lanes = keys, and row g of an AMX B tile.  Each byte is
 * XORed with `flip` (0x80 turns s8 k into the u8 k + 128 that vpdpbusd multiplies unsigned). */
static inline size_t wk_avx512_k_packed_size(int lk, int d, int block_multiple) {
  return wk_avx512_packed_size(lk, d, 16, block_multiple);
}

static inline void wk_avx512_pack_k(const int8_t *k, /* [lk][d], row stride row_stride */
                                    ptrdiff_t row_stride, int lk, int d, int block_multiple,
                                    uint8_t flip, void *k_packed) {
  uint8_t *o = k_packed; /* [nblocks][d/4][16][4] */
  const size_t nb = wk_avx512_k_packed_size(lk, d, block_multiple) / (16 * (size_t)d);
  const __m512i flip_v = _mm512_set1_epi8((char)flip);
  for (size_t b = 0; b < nb; b++) {
    for (int c0 = 0; c0 < d; c0 += 64) {
      const int w = d - c0 < 64 ? d - c0 : 64;
      /* 16 keys × 16 channel groups (dwords) → 16 groups × 16 keys: a dword transpose. */
      __m512i r[16], t[16], u[16];
      for (int j = 0; j < 16; j++) {
        wk_avx512_prefetch_row(k, row_stride, 16 * b + j + WK_AVX512_PACK_AHEAD, lk, c0);
        r[j] = _mm512_xor_si512(wk_avx512_load_row(k, row_stride, 16 * b + j, lk, c0, w), flip_v);
      }
      for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
      }
      for (int i = 0; i < 16; i += 4) { /* u[i+x], lane L: group 4L+x of keys i … i+3 */
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
      }
      uint8_t *dst = o + (b * (size_t)(d / 4) + (size_t)c0 / 4) * 64; /* group c0/4 */
      for (int x = 0; x < 4; x++) {
        __m512i col[4]; /* col[L]: group 4L+x, all 16 keys */
        wk_avx512_transpose_lanes(u[x], u[4 + x], u[8 + x], u[12 + x], col);
        for (int L = 0; L < 4; L++)
          if (4 * L + x < w / 4) _mm512_storeu_si512(dst + (size_t)(4 * L + x) * 64, col[L]);
      }
    }
  }
}

/* V → [ngroups][d][4 keys] bytes, ngroups = ⌈lk/4⌉ rounded up to a multiple of
 * `group_multiple`, keys ≥ lk zero.  Group g, channels c..c+15 is one 64-byte vector: the
 * vpdpbusd operand with lanes = channels, and row g of an AMX B tile. */
static inline size_t wk_avx512_v_packed_size(int lk, int d, int group_multiple) {
  return wk_avx512_packed_size(lk, d, 4, group_multiple);
}

static inline void wk_avx512_pack_v(const int8_t *v, /* [lk][d], row stride row_stride */
                                    ptrdiff_t row_stride, int lk, int d, int group_multiple,
                                    void *v_packed) {
  uint8_t *o = v_packed; /* [ngroups][d][4] */
  const size_t ng = wk_avx512_v_packed_size(lk, d, group_multiple) / (4 * (size_t)d);
  for (size_t g = 0; g < ng; g++) {
    for (int c0 = 0; c0 < d; c0 += 64) {
      const int w = d - c0 < 64 ? d - c0 : 64;
      /* 4 keys × 64 channels → 64 channels × 4 keys: a byte then a word interleave (per
       * 128-bit lane), then a lane transpose. */
      for (int j = 0; j < 4; j++)
        wk_avx512_prefetch_row(v, row_stride, 4 * g + j + WK_AVX512_PACK_AHEAD, lk, c0);
      const __m512i x0 = wk_avx512_load_row(v, row_stride, 4 * g + 0, lk, c0, w);
      const __m512i x1 = wk_avx512_load_row(v, row_stride, 4 * g + 1, lk, c0, w);
      const __m512i x2 = wk_avx512_load_row(v, row_stride, 4 * g + 2, lk, c0, w);
      const __m512i x3 = wk_avx512_load_row(v, row_stride, 4 * g + 3, lk, c0, w);
      const __m512i ab_lo = _mm512_unpacklo_epi8(x0, x1), ab_hi = _mm512_unpackhi_epi8(x0, x1);
      const __m512i cd_lo = _mm512_unpacklo_epi8(x2, x3), cd_hi = _mm512_unpackhi_epi8(x2, x3);
      __m512i out[4]; /* out[L]: channels c0+16L … c0+16L+15 × 4 keys */
      wk_avx512_transpose_lanes(_mm512_unpacklo_epi16(ab_lo, cd_lo), /* lane L: ch 16L+0…3 */
                                _mm512_unpackhi_epi16(ab_lo, cd_lo), /* ch 16L+4…7 */
                                _mm512_unpacklo_epi16(ab_hi, cd_hi), /* ch 16L+8…11 */
                                _mm512_unpackhi_epi16(ab_hi, cd_hi), /* ch 16L+12…15 */
                                out);
      uint8_t *dst = o + (g * (size_t)d + (size_t)c0) * 4;
      for (int L = 0; L < w / 16; L++) _mm512_storeu_si512(dst + (size_t)L * 64, out[L]);
    }
  }
}

/* ── small helpers ───────────────────────────────────────────────────────── */

/* acc + Σ_{i<4} u[4l+i]·s[4l+i] per int32 lane l (u unsigned bytes, s signed): vpdpbusd.
 * Inline asm because GCC 12 wraps the intrinsic in two register copies per use when the
 * accumulator is loop-carried, doubling the instruction count of the inner loops. */
WK_INLINE __m512i wk_avx512_dpbusd(__m512i acc, __m512i u, __m512i s) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
  return acc;
}

static inline int wk_avx512_max_keys(const int32_t *n_keys, int rows) {
  int n = 0;
  for (int r = 0; r < rows; r++) n = n_keys[r] > n ? n_keys[r] : n;
  return n;
}

/* Mask of the first `n` lanes (n clamped to 0 … 16). */
WK_INLINE __mmask16 wk_avx512_first_lanes(int n) {
  return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

/* beta[j0 … j0+15], zero past lk (padding keys of the last block). */
WK_INLINE __m512 wk_avx512_load_beta(const float *beta, int j0, int lk) {
  if (j0 + 16 <= lk) return _mm512_loadu_ps(beta + j0);
  return _mm512_maskz_loadu_ps(wk_avx512_first_lanes(lk - j0), beta + j0);
}

/* ── logits: one 16-key vector of exact int32 scores ─────────────────────── */

/* t = (float)s · (alpha·beta) for keys j0 … j0+15 of one row (wk_attn_logit), stored to t_row;
 * the running maximum *m takes the lanes with j < n (keys the row sees).  max_ps(t, m) returns
 * m when t is NaN, exactly like the spec's `if (t > m) m = t`. */
WK_INLINE void wk_avx512_logit_store(__m512i s, __m512 alpha, __m512 beta, float *t_row, int j0,
                                     int n, __m512 *m) {
  const __m512 c = _mm512_mul_ps(alpha, beta);
  const __m512 t = _mm512_mul_ps(_mm512_cvtepi32_ps(s), c); /* exact cvt: |s| ≤ 2^21 */
  _mm512_store_ps(t_row + j0, t);
  const int rem = n - j0;
  if (rem >= 16)
    *m = _mm512_max_ps(t, *m);
  else if (rem > 0)
    *m = _mm512_mask_max_ps(*m, wk_avx512_first_lanes(rem), t, *m);
}

/* ── the exp2 polynomials' pieces (shared with the fp32 path, src/f32/f32-avx512.c) ── */

/* f = y − ⌊y⌋ ∈ [0, 1), with ⌊y⌋ in *n: roundscale toward −∞ = floorf, then an exact sub. */
WK_INLINE __m512 wk_avx512_floor_split(__m512 y, __m512 *n) {
  *n = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_sub_ps(y, *n);
}

/* fma(fma(fma(fma(fma(c5, f, c4), f, c3), f, c2), f, c1), f, c0): five vfmadd, as the scalar
 * specs' fmaf chains. */
WK_INLINE __m512 wk_avx512_horner5(__m512 f, float c5, float c4, float c3, float c2, float c1,
                                   float c0) {
  __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(c5), f, _mm512_set1_ps(c4));
  q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(c3));
  q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(c2));
  q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(c1));
  return _mm512_fmadd_ps(q, f, _mm512_set1_ps(c0));
}

/* ── softmax: t → P byte planes and the exact row sum ────────────────────── */

/* 16 probabilities P = wk_attn_exp2_q24(t − m) as int32 lanes: the spec's sequence of IEEE
 * operations, one instruction each (roundscale = floorf, vfmadd = fmaf, scalef = ldexpf —
 * exact here since q·2^n stays normal —, cvtps = lrintf under the default round-to-nearest-
 * even).  y = max(t − m, −26): max_ps returns −26 for NaN t, as the spec.  The spec's final
 * clamp never binds: y ∈ [−26, 0] and rint(q·2^n) ≤ 2^24 − 1 for every float y there
 * (tools/fit/exp2_check.c), so it is left out. */
WK_INLINE __m512i wk_avx512_exp2_q24(__m512 t, __m512 m) {
  const __m512 y = _mm512_max_ps(_mm512_sub_ps(t, m), _mm512_set1_ps(WK_EXP2_MIN_X));
  __m512 n;
  const __m512 f = wk_avx512_floor_split(y, &n);
  const __m512 q =
      wk_avx512_horner5(f, WK_EXP2_Q5, WK_EXP2_Q4, WK_EXP2_Q3, WK_EXP2_Q2, WK_EXP2_Q1, WK_P_ONE);
  return _mm512_cvtps_epi32(_mm512_scalef_ps(q, n));
}

/* Stores 64 probabilities (p[i] holds keys 16i … 16i+15, each < 2^24) as three planes of 64
 * bytes in key order: byte 0 of each P at b0, byte 1 at b1, byte 2 at b2.  Dword m of a plane
 * (keys 4m … 4m+3) comes from 128-bit lane m mod 4 of p[m/4]. */
WK_INLINE void wk_avx512_store_p64(__m512i p0, __m512i p1, __m512i p2, __m512i p3,
                                   uint8_t *b0, uint8_t *b1, uint8_t *b2 /* [64] each */) {
  /* Per 128-bit lane (4 keys): dword 0 ← the keys' byte 0, dword 1 ← byte 1, and byte 2 to
   * dword 2 (p0, p2) or dword 3 (p1, p3), the other dword zero. */
  const __m512i even = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, -1, -1, -1, -1));
  const __m512i odd = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, -1, -1, -1, -1, 2, 6, 10, 14));
  const __m512i s0 = _mm512_shuffle_epi8(p0, even), s1 = _mm512_shuffle_epi8(p1, odd);
  const __m512i s2 = _mm512_shuffle_epi8(p2, even), s3 = _mm512_shuffle_epi8(p3, odd);
  /* t01 = byte 0 of p0's 16 keys, of p1's, then byte 1 of p0's, of p1's (t23: p2, p3) */
  const __m512i i01 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
  const __m512i t01 = _mm512_permutex2var_epi32(s0, i01, s1);
  const __m512i t23 = _mm512_permutex2var_epi32(s2, i01, s3);
  _mm512_storeu_si512(b0, _mm512_shuffle_i32x4(t01, t23, 0x44)); /* lanes 0, 1 of each */
  _mm512_storeu_si512(b1, _mm512_shuffle_i32x4(t01, t23, 0xee)); /* lanes 2, 3 of each */
  /* u01, lane L: dword 2 = byte 2 of p0's keys 4L …, dword 3 = of p1's (dwords 0, 1 unused) */
  const __m512i u01 = _mm512_or_si512(s0, s1), u23 = _mm512_or_si512(s2, s3);
  const __m512i i2 = _mm512_setr_epi32(2, 6, 10, 14, 3, 7, 11, 15, 18, 22, 26, 30, 19, 23, 27, 31);
  _mm512_storeu_si512(b2, _mm512_permutex2var_epi32(u01, i2, u23));
}

/* Σ of 16 uint32 lanes, exact. */
WK_INLINE int64_t wk_avx512_sum_u32(__m512i s) {
  return (int64_t)_mm512_reduce_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(s))) +
         (int64_t)_mm512_reduce_add_epi64(_mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(s, 1)));
}

/* 64-key units whose uint32 lane sums of P stay exact: 4·64 vectors · (2^24 − 1) < 2^32. */
#define WK_AVX512_SUM_FLUSH_UNITS 64

/* Zero P for 64 keys in each of the three byte planes. */
static inline void wk_avx512_store_p64_zero(uint8_t *b0, uint8_t *b1, uint8_t *b2) {
  const __m512i z = _mm512_setzero_si512();
  _mm512_storeu_si512(b0, z);
  _mm512_storeu_si512(b1, z);
  _mm512_storeu_si512(b2, z);
}

/* Stores 64 keys' P as byte planes and adds them to the row sum: uint32 lane sums `s`, flushed
 * into the int64 `sum` every WK_AVX512_SUM_FLUSH_UNITS units (counted in `units`). */
static inline void wk_avx512_emit_p64(const __m512i p[4], uint8_t *b0, uint8_t *b1, uint8_t *b2,
                                      __m512i *s, int *units, int64_t *sum) {
  *s = _mm512_add_epi32(*s, _mm512_add_epi32(_mm512_add_epi32(p[0], p[1]),
                                            _mm512_add_epi32(p[2], p[3])));
  wk_avx512_store_p64(p[0], p[1], p[2], p[3], b0, b1, b2);
  if (++*units == WK_AVX512_SUM_FLUSH_UNITS) {
    *sum += wk_avx512_sum_u32(*s);
    *s = _mm512_setzero_si512();
    *units = 0;
  }
}

/* One row: P over keys [0, n) as byte planes into p_row[0 … 2], zero from n up to n_fill
 * rounded up to 64 (what the P·V loops read; ≤ lkp).  Returns Σ P (exact).  Logits t_row[j]
 * are read only for j < n (the others were never computed). */
static inline int64_t wk_avx512_softmax_row(const float *t_row, /* [lkp] */ float m, int n,
                                            int n_fill, uint8_t *const p_row[3] /* [lkp] */) {
  const __m512 mv = _mm512_set1_ps(m);
  uint8_t *b0 = p_row[0], *b1 = p_row[1], *b2 = p_row[2];
  int64_t sum = 0;
  __m512i s = _mm512_setzero_si512(); /* uint32 lane sums of ≤ WK_AVX512_SUM_FLUSH_UNITS units */
  int units = 0, j = 0;
  for (; j + 64 <= n; j += 64) { /* whole units: no masks */
    __m512 t[4];
    __m512i p[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) t[i] = _mm512_load_ps(t_row + j + 16 * i);
    /* All 64 below m − 26 (rounding is monotone, NaN lanes give 0 anyway): P = 0, no exp. */
    const __m512 tmax = _mm512_max_ps(_mm512_max_ps(t[0], t[1]), _mm512_max_ps(t[2], t[3]));
    if (_mm512_cmp_ps_mask(_mm512_sub_ps(tmax, mv), _mm512_set1_ps(WK_EXP2_MIN_X), _CMP_LE_OQ) ==
        0xffff) {
      wk_avx512_store_p64_zero(b0 + j, b1 + j, b2 + j);
      continue;
    }
    #pragma GCC unroll 4
    for (int i = 0; i < 4; i++) p[i] = wk_avx512_exp2_q24(t[i], mv);
    wk_avx512_emit_p64(p, b0 + j, b1 + j, b2 + j, &s, &units, &sum);
  }
  for (; j < n_fill; j += 64) { /* the unit holding key n − 1 (masked), then zeros */
    if (j >= n) {
      wk_avx512_store_p64_zero(b0 + j, b1 + j, b2 + j);
      continue;
    }
    __m512 t[4];
    __m512i p[4];
    __mmask16 k[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
      k[i] = wk_avx512_first_lanes(n - j - 16 * i);
      t[i] = _mm512_maskz_load_ps(k[i], t_row + j + 16 * i);
    }
    #pragma GCC unroll 4
    for (int i = 0; i < 4; i++) p[i] = wk_avx512_exp2_q24(t[i], mv);
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) p[i] = _mm512_maskz_mov_epi32(k[i], p[i]);
    wk_avx512_emit_p64(p, b0 + j, b1 + j, b2 + j, &s, &units, &sum);
  }
  return sum + wk_avx512_sum_u32(s);
}

/* A row's maximum logit from its per-lane maxima (Q·Kᵀ's); any value for a row without keys. */
WK_INLINE float wk_avx512_row_max(__m512 lane_max, int n_keys) {
  return n_keys > 0 ? _mm512_reduce_max_ps(lane_max) : 0.0f;
}

/* Every row of the block: row maxima from the per-lane maxima m[r], P planes and row sums. */
static inline void wk_avx512_softmax_rows(const wk_attn_rows_args *a, const wk_avx512_scratch *s,
                                          const __m512 *m /* [rows] */) {
  const int n_max = wk_avx512_max_keys(a->n_keys, a->rows);
  for (int r = 0; r < a->rows; r++) {
    const int n = a->n_keys[r];
    const float mr = wk_avx512_row_max(m[r], n);
    uint8_t *const p_row[3] = {s->p[0] + r * s->lkp, s->p[1] + r * s->lkp, s->p[2] + r * s->lkp};
    a->sum[r] = wk_avx512_softmax_row(s->t + r * s->lkp, mr, n, n_max, p_row);
  }
}

/* ── P·V accumulators ────────────────────────────────────────────────────── */

/* Byte-plane P·V partial sums stay exact in int32 for this many 4-key groups (65536 keys):
 * |Σ b·V| ≤ 65536 · 255 · 128 < 2^31. */
#define WK_AVX512_PV_FLUSH_GROUPS 16384

/* Σ b·V chunks of at most this many 4-key groups (256 keys) may combine their two low planes
 * in int32: |2^8·x1 + x0| ≤ (2^8 + 1) · 256 · 255 · 128 < 2^31. */
#define WK_AVX512_PV_SHORT_GROUPS 64

/* acc[0 … 15] = (first ? 0 : acc) + 2^16·x2 + 2^8·x1 + x0 in int64, with xk the int32 partial
 * sums Σ bk·V of the three P byte planes (each exact: flushed before 65793 keys).  `first`
 * spares a memset of acc; `short_chunk` (the sums cover ≤ WK_AVX512_PV_SHORT_GROUPS groups)
 * allows the cheaper int32 combination of x1 and x0. */
WK_INLINE void wk_avx512_flush_pv(__m512i x2, __m512i x1, __m512i x0, int first, int short_chunk,
                                  int64_t *acc /* [16] */) {
#define WK_WIDEN(x, h) _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(x, h))
  __m512i a0, a1;
  if (short_chunk) {
    const __m512i lo = _mm512_add_epi32(_mm512_slli_epi32(x1, 8), x0);
    a0 = _mm512_add_epi64(_mm512_slli_epi64(WK_WIDEN(x2, 0), 16), WK_WIDEN(lo, 0));
    a1 = _mm512_add_epi64(_mm512_slli_epi64(WK_WIDEN(x2, 1), 16), WK_WIDEN(lo, 1));
  } else {
    a0 = _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(WK_WIDEN(x2, 0), 16),
                                           _mm512_slli_epi64(WK_WIDEN(x1, 0), 8)),
                          WK_WIDEN(x0, 0));
    a1 = _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(WK_WIDEN(x2, 1), 16),
                                           _mm512_slli_epi64(WK_WIDEN(x1, 1), 8)),
                          WK_WIDEN(x0, 1));
  }
#undef WK_WIDEN
  if (!first) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(acc));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(acc + 8));
  }
  _mm512_storeu_si512(acc, a0);
  _mm512_storeu_si512(acc + 8, a1);
}

/* ── the store (wk_attn_store_scalar's twin): 8 outputs per step, d is a multiple of 16 ── */
static inline void wk_avx512_store(const wk_attn_store_args *a) {
  const __m512d lo = _mm512_set1_pd(-128.0), hi = _mm512_set1_pd(127.0);
  for (int r = 0; r < a->rows; r++) {
    const int64_t *acc = a->acc + (size_t)r * a->d; /* [d] */
    const __m512d f = _mm512_set1_pd(wk_attn_row_factor(a->sum[r], a->ratio));
    if (a->out_type == WK_DTYPE_F32) {
      float *out = (float *)a->out + r * a->out_row_stride; /* [d] */
      for (int c = 0; c < a->d; c += 8) {
        __m512d v = _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_loadu_si512(acc + c)), f);
        _mm256_storeu_ps(out + c, _mm512_cvtpd_ps(v)); /* RNE, = (float) */
      }
    } else {
      int8_t *out = (int8_t *)a->out + r * a->out_row_stride; /* [d] */
      for (int c = 0; c < a->d; c += 8) {
        __m512d v = _mm512_mul_pd(_mm512_cvtepi64_pd(_mm512_loadu_si512(acc + c)), f);
        v = _mm512_min_pd(_mm512_max_pd(v, lo), hi);
        __m256i q = _mm512_cvtpd_epi32(v); /* RNE, = lrint */
        _mm_storel_epi64((__m128i *)(out + c), _mm256_cvtepi32_epi8(q));
      }
    }
  }
}

#endif
