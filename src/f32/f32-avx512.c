/* f32-avx512.c — the FP32 kernels on AVX-512 (F/BW/VL/DQ), bit-identical to f32-scalar.c.
 *
 * GEMM: a 6 × 64 register tile (24 zmm accumulators); per k, 4 aligned loads of the packed W
 * row (64 columns) and 6 broadcasts of X[i][k], 24 vfmadd231ps.  k runs in order and each lane
 * is one output element's fmaf chain: exactly the spec.  6 × 64 keeps 24 independent FMA chains
 * in flight (2 FMA pipes × 4-cycle latency needs ≥ 8) and loads 10 vectors per 24 FMAs. */
#include <immintrin.h>

#include "f32/f32-internal.h"
#include "attention/attention-avx512-common.h" /* the exp2 polynomial's pieces */
#include "gemm/gemm-avx512-common.h" /* wk_avx512_gemm_gelu16: wk_gelu's twin */

#define MR 6
#define INLINE static inline __attribute__((always_inline))

static inline __mmask16 lane_mask(int valid) { /* the first `valid` (≤ 16) lanes */
  return valid >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (valid > 0 ? valid : 0)) - 1u);
}

/* rows × (16·nv) outputs at block row i0, block column j0 (a panel start); `cols` valid.
 * half: the panels are IEEE halves (p->w16), widened by vcvtph2ps (exact, as the spec). */
INLINE void tile(const int rows, const int nv, const int half, const wk_f32_gemm_block_args *p,
                 int i0, int j0, int cols) {
  const size_t w0 = (size_t)(j0 / WK_F32_NR) * (p->w_panel ? p->w_panel : (size_t)p->k * WK_F32_NR);
  const float *w = half ? NULL : p->w + w0;        /* [k][64] */
  const uint16_t *w16 = half ? p->w16 + w0 : NULL; /* [k][64] */
  const float *x = p->x + i0 * p->x_stride;                           /* [rows][k] */
  __m512 acc[MR][4];
#pragma GCC unroll 6
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
  for (int k = 0; k < p->k; k++) {
    __m512 wv[4];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      wv[v] = half ? _mm512_cvtph_ps(_mm256_loadu_si256(
                         (const __m256i *)(const void *)(w16 + (size_t)k * WK_F32_NR + 16 * v)))
                   : _mm512_load_ps(w + (size_t)k * WK_F32_NR + 16 * v);
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++) {
      const __m512 b = _mm512_set1_ps(x[r * p->x_stride + k]);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_fmadd_ps(b, wv[v], acc[r][v]);
    }
  }
  /* epilogue, the spec's order: + bias, gelu, + residual */
#pragma GCC unroll 6
  for (int r = 0; r < rows; r++) {
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const __mmask16 m = lane_mask(cols - 16 * v);
      __m512 y = acc[r][v];
      if (p->bias) y = _mm512_add_ps(y, _mm512_loadu_ps(p->bias + j0 + 16 * v));
      if (p->gelu) y = wk_avx512_gemm_gelu16(y);
      if (res) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m, res + 16 * v));
      _mm512_mask_storeu_ps(out + 16 * v, m, y);
    }
  }
}

#define TILE_CASE(R, V) \
  case (R)*8 + (V): \
    if (p->w16) tile(R, V, 1, p, i0, j0, cols); \
    else tile(R, V, 0, p, i0, j0, cols); \
    break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2) TILE_CASE(R, 3) TILE_CASE(R, 4)

/* Column panels outer, row tiles inner: the panel (k × 256 B) stays in L1/L2 while every row
 * tile of the block streams through it. */
static void gemm_block(const wk_f32_gemm_block_args *p) {
  for (int j0 = 0; j0 < p->n; j0 += WK_F32_NR) {
    const int cols = p->n - j0 < WK_F32_NR ? p->n - j0 : WK_F32_NR;
    const int nv = (cols + 15) / 16;
    for (int i0 = 0; i0 < p->m; i0 += MR) {
      const int rows = p->m - i0 < MR ? p->m - i0 : MR;
      switch (rows * 8 + nv) {
        TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)
      default: break;
      }
    }
  }
}

/* wk_f32_exp2's twin on 16 lanes. */
INLINE __m512 exp2_16(__m512 x) {
  const __m512 y = _mm512_max_ps(x, _mm512_set1_ps(WK_F32_EXP2_MIN));
  __m512 n;
  const __m512 f = wk_avx512_floor_split(y, &n);
  const __m512 q =
      wk_avx512_horner5(f, WK_EXP2_C5, WK_EXP2_C4, WK_EXP2_C3, WK_EXP2_C2, WK_EXP2_C1, 1.0f);
  const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n),
                                                       _mm512_set1_epi32(127)), 23);
  return _mm512_mul_ps(q, _mm512_castsi512_ps(e));
}

static float softmax_row(float *s, int len, float c) {
  const __m512 vc = _mm512_set1_ps(c);
  /* max: exact in any order (every lane starts from t_0, masked tails reuse it) */
  __m512 mx = _mm512_set1_ps(s[0] * c);
  int j = 0;
  for (; j + 16 <= len; j += 16) mx = _mm512_max_ps(mx, _mm512_mul_ps(_mm512_loadu_ps(s + j), vc));
  if (j < len) {
    const __mmask16 m = lane_mask(len - j);
    mx = _mm512_mask_max_ps(mx, m, mx, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), vc));
  }
  const __m512 vm = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  /* lane l sums p_j for j ≡ l (mod 16): every block of 16 starts at a multiple of 16 */
  __m512 sum = _mm512_setzero_ps();
  for (j = 0; j + 16 <= len; j += 16) {
    const __m512 p = exp2_16(_mm512_sub_ps(_mm512_mul_ps(_mm512_loadu_ps(s + j), vc), vm));
    sum = _mm512_add_ps(sum, p);
    _mm512_storeu_ps(s + j, p);
  }
  if (j < len) { /* masked lanes add nothing (mask_add keeps them) */
    const __mmask16 m = lane_mask(len - j);
    const __m512 p = exp2_16(_mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), vc), vm));
    sum = _mm512_mask_add_ps(sum, m, sum, p);
    _mm512_mask_storeu_ps(s + j, m, p);
  }
  /* the halving tree: 16 → 8 → 4 → 2 → 1 */
  __m256 h8 = _mm256_add_ps(_mm512_castps512_ps256(sum), _mm512_extractf32x8_ps(sum, 1));
  __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
  __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));
  __m128 h1 = _mm_add_ss(h2, _mm_movehdup_ps(h2));
  return _mm_cvtss_f32(h1);
}

const wk_f32_kernel wk_f32_kernel_avx512 = {"wk_f32_gemm_ukernel_6x64__avx512", WK_ISA_AVX512VNNI, gemm_block,
                                            softmax_row};
