/* attention-avx512-common.h — AVX-512 pieces shared by the AVX-512 VNNI and AMX attention
 * microkernels (included only by files compiled with the AVX-512 flags): K/V packing, the
 * logit epilogue of a 16-key score vector, the base-2 softmax into two probability byte planes,
 * and the widening of byte-plane P·V partial sums into the int64 accumulators.
 *
 * Scratch layout of one call (rows ≤ 16, lkp = lk rounded up to 64 keys, 64-byte aligned):
 *   t   float   [16][lkp]  base-2 logits of every computed (row, key)
 *   plo uint8_t [16][lkp]  low byte of P (P = 256·hi + lo), 0 for keys ≥ n_keys[r]
 *   phi uint8_t [16][lkp]  high byte of P
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
  return (size_t)WK_ATTN_BLOCK_ROWS * wk_avx512_lk_padded(lk) * (sizeof(float) + 2);
}

typedef struct wk_avx512_scratch {
  float *t;     /* [16][lkp] */
  uint8_t *plo; /* [16][lkp] */
  uint8_t *phi; /* [16][lkp] */
  size_t lkp;   /* row stride of all three, in elements */
} wk_avx512_scratch;

static inline wk_avx512_scratch wk_avx512_scratch_split(void *scratch, int lk) {
  wk_avx512_scratch s;
  s.lkp = wk_avx512_lk_padded(lk);
  s.t = scratch;
  s.plo = (uint8_t *)(s.t + WK_ATTN_BLOCK_ROWS * s.lkp);
  s.phi = s.plo + WK_ATTN_BLOCK_ROWS * s.lkp;
  return s;
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
      for (int j = 0; j < 16; j++)
        r[j] = _mm512_xor_si512(wk_avx512_load_row(k, row_stride, 16 * b + j, lk, c0, w), flip_v);
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

/* ── softmax: t → P byte planes and the exact row sum ────────────────────── */

/* 16 probabilities P = wk_attn_exp2_q16(t − m) as int32 lanes: the spec's sequence of IEEE
 * operations, one instruction each (roundscale = floorf, scalef = ldexpf — exact here since
 * q·2^n stays normal —, cvtps = lrintf under the default round-to-nearest-even). */
WK_INLINE __m512i wk_avx512_exp2_q16(__m512 t, __m512 m) {
  const __m512 x = _mm512_sub_ps(t, m);
  const __m512 y = _mm512_max_ps(x, _mm512_set1_ps(WK_EXP2_MIN_X)); /* x > −18 ? x : −18 */
  const __m512 n = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(y, n);
  __m512 p = _mm512_set1_ps(WK_EXP2_C5);
  p = _mm512_add_ps(_mm512_mul_ps(p, f), _mm512_set1_ps(WK_EXP2_C4));
  p = _mm512_add_ps(_mm512_mul_ps(p, f), _mm512_set1_ps(WK_EXP2_C3));
  p = _mm512_add_ps(_mm512_mul_ps(p, f), _mm512_set1_ps(WK_EXP2_C2));
  p = _mm512_add_ps(_mm512_mul_ps(p, f), _mm512_set1_ps(WK_EXP2_C1));
  p = _mm512_add_ps(_mm512_mul_ps(p, f), _mm512_set1_ps(1.0f));
  const __m512 q = _mm512_mul_ps(p, _mm512_set1_ps(WK_P_ONE));
  const __m512i v = _mm512_cvtps_epi32(_mm512_scalef_ps(q, n));
  return _mm512_min_epi32(v, _mm512_set1_epi32(65535));
}

/* P of keys j0 … j0+15 of a row that sees keys [0, n): computed from t_row when j0 < n (lanes
 * ≥ n zeroed), else zero without reading t_row (those logits were never computed). */
WK_INLINE __m512i wk_avx512_softmax_16(const float *t_row, /* [≥ j0+16] */ __m512 m, int j0,
                                       int n) {
  if (j0 >= n) return _mm512_setzero_si512();
  const __m512i p = wk_avx512_exp2_q16(_mm512_load_ps(t_row + j0), m);
  return n - j0 >= 16 ? p : _mm512_maskz_mov_epi32(wk_avx512_first_lanes(n - j0), p);
}

/* Stores 64 probabilities (p[i] holds keys 16i … 16i+15, each < 2^16) as 64 low bytes at lo
 * and 64 high bytes at hi.  Packs saturate but never clip here. */
WK_INLINE void wk_avx512_store_p64(__m512i p0, __m512i p1, __m512i p2, __m512i p3,
                                   uint8_t *lo, /* [64] */ uint8_t *hi /* [64] */) {
  const __m512i w01 = _mm512_packus_epi32(p0, p1); /* lane L: p0[4L..], p1[4L..] as words */
  const __m512i w23 = _mm512_packus_epi32(p2, p3);
  const __m512i ff = _mm512_set1_epi16(0xff);
  const __m512i l = _mm512_packus_epi16(_mm512_and_si512(w01, ff), _mm512_and_si512(w23, ff));
  const __m512i h = _mm512_packus_epi16(_mm512_srli_epi16(w01, 8), _mm512_srli_epi16(w23, 8));
  /* Lane L now holds dwords (p0, p1, p2, p3)[keys 4L … 4L+3]: put dword 4L+k at 4k+L. */
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  _mm512_storeu_si512(lo, _mm512_permutexvar_epi32(order, l));
  _mm512_storeu_si512(hi, _mm512_permutexvar_epi32(order, h));
}

/* Σ of 16 uint32 lanes, exact. */
WK_INLINE int64_t wk_avx512_sum_u32(__m512i s) {
  return (int64_t)_mm512_reduce_add_epi64(_mm512_cvtepu32_epi64(_mm512_castsi512_si256(s))) +
         (int64_t)_mm512_reduce_add_epi64(_mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(s, 1)));
}

/* 64-key units whose uint32 lane sums of P stay exact: 4·16384 vectors · 65535 < 2^32. */
#define WK_AVX512_SUM_FLUSH_UNITS 16384

/* One row: P over keys [0, n) as bytes into lo_row/hi_row, zero from n up to n_fill rounded up
 * to 64 (what the P·V loops read; ≤ lkp).  Returns Σ P (exact). */
static inline int64_t wk_avx512_softmax_row(const float *t_row, /* [lkp] */ float m, int n,
                                            int n_fill, uint8_t *lo_row, /* [lkp] */
                                            uint8_t *hi_row /* [lkp] */) {
  const __m512 mv = _mm512_set1_ps(m);
  int64_t sum = 0;
  for (int j = 0; j < n_fill;) {
    const int end = n_fill - j > 64 * WK_AVX512_SUM_FLUSH_UNITS
                        ? j + 64 * WK_AVX512_SUM_FLUSH_UNITS : n_fill;
    __m512i s = _mm512_setzero_si512();
    for (; j < end; j += 64) {
      const __m512i p0 = wk_avx512_softmax_16(t_row, mv, j, n);
      const __m512i p1 = wk_avx512_softmax_16(t_row, mv, j + 16, n);
      const __m512i p2 = wk_avx512_softmax_16(t_row, mv, j + 32, n);
      const __m512i p3 = wk_avx512_softmax_16(t_row, mv, j + 48, n);
      s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(p0, p1),
                                                _mm512_add_epi32(p2, p3)));
      wk_avx512_store_p64(p0, p1, p2, p3, lo_row + j, hi_row + j);
    }
    sum += wk_avx512_sum_u32(s);
  }
  return sum;
}

/* The maximum of each row's logits, from its per-lane maxima (any row without keys: 0). */
static inline float wk_avx512_row_max(__m512 m, int n) {
  return n > 0 ? _mm512_reduce_max_ps(m) : 0.0f;
}

/* ── P·V accumulators ────────────────────────────────────────────────────── */

/* Byte-plane P·V partial sums stay exact in int32 for this many 4-key groups (65536 keys). */
#define WK_AVX512_PV_FLUSH_GROUPS 16384

/* acc[0 … 15] = (first ? 0 : acc) + 256·hi + lo, with hi and lo the int32 partial sums of the
 * two P byte planes (each exact: flushed before 65793 keys).  `first` spares a memset of acc. */
WK_INLINE void wk_avx512_flush_pv(__m512i hi, __m512i lo, int first, int64_t *acc /* [16] */) {
  const __m512i h0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi));
  const __m512i h1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(hi, 1));
  const __m512i l0 = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(lo));
  const __m512i l1 = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(lo, 1));
  __m512i a0 = _mm512_add_epi64(_mm512_slli_epi64(h0, 8), l0);
  __m512i a1 = _mm512_add_epi64(_mm512_slli_epi64(h1, 8), l1);
  if (!first) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(acc));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(acc + 8));
  }
  _mm512_storeu_si512(acc, a0);
  _mm512_storeu_si512(acc + 8, a1);
}

#endif
