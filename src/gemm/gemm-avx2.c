/* gemm-avx2.c — INT8 GEMM on AVX2, exact: both operands widened to int16 and multiplied with
 * vpmaddwd (int16·int16 pairs summed into int32, which cannot saturate — never the saturating
 * u8×s8 vpmaddubsw).  Register tile 4 rows × 16 columns.
 *
 * Packed layout: panels of 16 columns; panel p holds, for k-pair g = k/2, 64 bytes
 *   [g][c][i] = (int16) W[16p + c][2g + i]     (c < 16, i < 2; 0 past n or k)
 * W is widened once here, at packing time, so the inner loop has no conversions.  A is widened
 * per row tile into scratch, [4][k/2] pairs of int16, each pair one 32-bit broadcast. */
#include <immintrin.h>

#include "gemm/gemm-avx2-common.h"
#include "gemm/gemm-internal.h"

#define MR 4  /* rows per register tile */
#define NR 16 /* columns per register tile = per packed panel (two ymm of 8 int32) */

/* 4×2 accumulators + 2 ymm of W + 4 broadcasts + products fit the 16 ymm registers; at 6 rows
 * gcc hoists all six broadcasts and spills accumulators (measured: ~15% slower). */

static size_t panel_size(int k) { return (size_t)((k + 1) / 2) * NR * 2 * sizeof(int16_t); }

static size_t scratch_size(int k) { return (size_t)MR * ((k + 1) / 2) * sizeof(int32_t); }

static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  const int pairs = (k + 1) / 2;
  const size_t ps = (size_t)pairs * NR * 2; /* int16 per panel */
  int16_t *o = packed;
  for (int j0 = 0; j0 < n; j0 += NR, o += ps) { /* row by row; panels with padding zeroed first */
    const int cols = n - j0 < NR ? n - j0 : NR;
    if (cols < NR || (k & 1)) memset(o, 0, ps * sizeof *o);
    for (int c = 0; c < cols; c++) {
      const int8_t *row = w + (ptrdiff_t)(j0 + c) * w_stride;
      for (int kk = 0; kk < k; kk++) o[(size_t)(kk / 2) * NR * 2 + 2 * c + (kk & 1)] = row[kk];
    }
  }
}

/* a: [k] int8 → ap: [round_up(k, 2)] int16 (sign-extended, zero-padded). */
static void widen_row(const int8_t *a, int k, int16_t *ap) {
  int i = 0;
  for (; i + 16 <= k; i += 16)
    _mm256_storeu_si256((__m256i *)(ap + i),
                        _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i))));
  for (; i < k; i++) ap[i] = a[i];
  if (k & 1) ap[k] = 0;
}

/* One register tile: rows × (8·nv) columns, `cols` of them valid.  Always inlined with
 * constant rows/nv, so the accumulators live in registers. */
static inline __attribute__((always_inline)) void tile(const int rows, const int nv,
                                                       const wk_gemm_block_args *p,
                                                       const int32_t *ap, int i0, int j0,
                                                       int cols) {
  const int pairs = (p->k + 1) / 2;
  const int16_t *w = /* this panel: [pairs][16][2] */
      (const int16_t *)((const uint8_t *)p->w + (size_t)(j0 / NR) * panel_size(p->k));
  __m256i acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_si256();

  for (int g = 0; g < pairs; g++) {
    __m256i wv[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++)
      wv[v] = _mm256_load_si256((const __m256i *)(w + (size_t)g * 2 * NR + 16 * v));
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      const __m256i b = _mm256_set1_epi32(ap[(size_t)r * pairs + g]); /* (A[2g], A[2g+1]) */
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++)
        acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(b, wv[v]));
    }
  }

  /* Epilogue: the fixed float sequence of gemm-internal.h. */
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) {
    const __m256 as = _mm256_set1_ps(p->a_scale[i0 + r]);
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++)
      wk_avx2_gemm_epilogue8(p, acc[r][v], as, j0, 8 * v, res, out,
                             cols - 8 * v < 8 ? cols - 8 * v : 8);
  }
}

#define TILE_CASE(R, V) \
  case (R)*4 + (V): tile(R, V, p, ap, i0, j0, cols); break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2)

static void block(const wk_gemm_block_args *p) {
  const int pairs = (p->k + 1) / 2;
  int32_t *ap = p->scratch; /* [MR][pairs]: the row tile's A widened to int16 pairs */
  for (int i0 = 0; i0 < p->m; i0 += MR) {
    const int rows = p->m - i0 < MR ? p->m - i0 : MR;
    for (int r = 0; r < rows; r++)
      widen_row(p->a + (i0 + r) * p->a_stride, p->k, (int16_t *)(ap + (size_t)r * pairs));
    for (int j0 = 0; j0 < p->n; j0 += NR) {
      const int cols = p->n - j0 < NR ? p->n - j0 : NR;
      wk_gemm_prefetch_residual(p, i0 + MR, MR, j0, cols);
      switch (rows * 4 + (cols + 7) / 8) {
        TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4)
      default: break;
      }
    }
  }
}

const wk_gemm_kernel wk_gemm_kernel_avx2 = {
    .name = "wk_qs8_gemm_ukernel_4x16c2__avx2",
    .isa = WK_ISA_AVX2,
    .mr = MR,
    .nr = NR,
    .panel_size = panel_size,
    .scratch_size = scratch_size,
    .pack = pack,
    .block = block,
};
