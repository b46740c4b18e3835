/* f32-avx2.c — the FP32 kernels on AVX2 + FMA, bit-identical to f32-scalar.c.
 *
 * GEMM: a 6 × 16 register tile (12 ymm accumulators + 2 W vectors + 1 broadcast = 15 of the 16
 * registers); a 64-column packed panel is walked as 4 strips of 16 (W row stride 64 floats).
 * k runs in order; each lane is one output element's fmaf chain: exactly the spec. */
#include <immintrin.h>

#include "gemm/gemm-avx2-common.h"
#include "f32/f32-internal.h"

#define MR 6
#define NS 16 /* columns per strip */
#define INLINE static inline __attribute__((always_inline))

static inline __m256i lane_mask8(int valid) { /* lanes < valid set */
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 8 IEEE halves widened exactly, wk_f16_to_f32's steps (AVX2 has no vcvtph2ps: that is F16C). */
INLINE __m256 half8(const uint16_t *h) {
  const __m256i x = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)h));
  const __m256i mag = _mm256_slli_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0x7fff)), 13);
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0x8000)), 16);
  const __m256 f = _mm256_mul_ps(_mm256_castsi256_ps(mag), _mm256_set1_ps(0x1p112f));
  return _mm256_or_ps(f, _mm256_castsi256_ps(sign));
}

/* rows × (8·nv) outputs at block row i0, block column j0 (a strip start); `cols` valid.
 * half: the panels are IEEE halves (p->w16). */
INLINE void tile(const int rows, const int nv, const int half, const wk_f32_gemm_block_args *p,
                 int i0, int j0, int cols) {
  const size_t w0 =
      (size_t)(j0 / WK_F32_NR) * (p->w_panel ? p->w_panel : (size_t)p->k * WK_F32_NR) + j0 % WK_F32_NR;
  const float *w = half ? NULL : p->w + w0;
  const uint16_t *w16 = half ? p->w16 + w0 : NULL;
  const float *x = p->x + i0 * p->x_stride; /* [rows][k] */
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_ps();
  for (int k = 0; k < p->k; k++) {
    __m256 wv[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++)
      wv[v] = half ? half8(w16 + (size_t)k * WK_F32_NR + 8 * v)
                   : _mm256_load_ps(w + (size_t)k * WK_F32_NR + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++) {
      const __m256 b = _mm256_broadcast_ss(x + r * p->x_stride + k);
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++) acc[r][v] = _mm256_fmadd_ps(b, wv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < rows; r++) {
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
      const int valid = cols - 8 * v < 8 ? cols - 8 * v : 8;
      __m256 y = acc[r][v];
      if (p->bias) y = _mm256_add_ps(y, _mm256_loadu_ps(p->bias + j0 + 8 * v));
      if (p->gelu) y = wk_avx2_gelu8(y);
      if (valid == 8) {
        if (res) y = _mm256_add_ps(y, _mm256_loadu_ps(res + 8 * v));
        _mm256_storeu_ps(out + 8 * v, y);
      } else { /* masked: nothing past the row is read or written */
        const __m256i m = lane_mask8(valid);
        if (res) y = _mm256_add_ps(y, _mm256_maskload_ps(res + 8 * v, m));
        _mm256_maskstore_ps(out + 8 * v, m, y);
      }
    }
  }
}

#define TILE_CASE(R, V) \
  case (R)*4 + (V): \
    if (p->w16) tile(R, V, 1, p, i0, j0, cols); \
    else tile(R, V, 0, p, i0, j0, cols); \
    break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2)

static void gemm_block(const wk_f32_gemm_block_args *p) {
  for (int j0 = 0; j0 < p->n; j0 += NS) {
    const int cols = p->n - j0 < NS ? p->n - j0 : NS;
    const int nv = (cols + 7) / 8;
    for (int i0 = 0; i0 < p->m; i0 += MR) {
      const int rows = p->m - i0 < MR ? p->m - i0 : MR;
      switch (rows * 4 + nv) {
        TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)
      default: break;
      }
    }
  }
}

/* wk_f32_exp2's twin on 8 lanes. */
INLINE __m256 exp2_8(__m256 x) {
  const __m256 y = _mm256_max_ps(x, _mm256_set1_ps(WK_F32_EXP2_MIN));
  const __m256 n = _mm256_round_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  const __m256 f = _mm256_sub_ps(y, n);
  __m256 q = _mm256_set1_ps(WK_EXP2_C5);
  q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(WK_EXP2_C4));
  q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(WK_EXP2_C3));
  q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(WK_EXP2_C2));
  q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(WK_EXP2_C1));
  q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n),
                                                       _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(q, _mm256_castsi256_ps(e));
}

/* Scores of s[j0 … j0 + 8) times c, with lanes ≥ valid set to `fill`. */
INLINE __m256 scaled8(const float *s, int valid, __m256 vc, __m256 fill) {
  if (valid >= 8) return _mm256_mul_ps(_mm256_loadu_ps(s), vc);
  const __m256i m = lane_mask8(valid);
  return _mm256_blendv_ps(fill, _mm256_mul_ps(_mm256_maskload_ps(s, m), vc),
                          _mm256_castsi256_ps(m));
}

static float softmax_row(float *s, int len, float c) {
  const __m256 vc = _mm256_set1_ps(c);
  const __m256 t0 = _mm256_set1_ps(s[0] * c);
  __m256 mx = t0;
  for (int j = 0; j < len; j += 8) mx = _mm256_max_ps(mx, scaled8(s + j, len - j, vc, t0));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const __m256 vm = _mm256_set1_ps(_mm_cvtss_f32(m4));
  /* lanes 0–7 in lo, 8–15 in hi: blocks of 16 start at multiples of 16 */
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (int j = 0; j < len; j += 16) {
    for (int half = 0; half < 2 && j + 8 * half < len; half++) {
      const int valid = len - j - 8 * half;
      __m256 p = exp2_8(_mm256_sub_ps(scaled8(s + j + 8 * half, valid, vc, vm), vm));
      if (valid >= 8) {
        _mm256_storeu_ps(s + j + 8 * half, p);
      } else { /* lanes past the row add +0.0f: no lane changes */
        const __m256i m = lane_mask8(valid);
        _mm256_maskstore_ps(s + j + 8 * half, m, p);
        p = _mm256_and_ps(p, _mm256_castsi256_ps(m));
      }
      if (half == 0) lo = _mm256_add_ps(lo, p);
      else hi = _mm256_add_ps(hi, p);
    }
  }
  /* the halving tree: 16 → 8 (lo + hi) → 4 → 2 → 1 */
  const __m256 h8 = _mm256_add_ps(lo, hi);
  __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
  __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
  __m128 h1 = _mm_add_ss(h2, _mm_movehdup_ps(h2));
  return _mm_cvtss_f32(h1);
}

const wk_f32_kernel wk_f32_kernel_avx2 = {"wk_f32_gemm_ukernel_6x16__avx2", WK_ISA_AVX2, gemm_block, softmax_row};
