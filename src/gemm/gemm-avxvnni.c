/* gemm-avxvnni.c — INT8 GEMM on AVX-VNNI (VEX vpdpbusd on ymm: Intel client CPUs since Alder
 * Lake, AMD Zen 5), register tile 6 rows × 16 columns.  The AVX-512 VNNI kernel's scheme at
 * half the width, for CPUs without AVX-512:
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes.  A is the unsigned operand, A + 128 ∈
 * [0, 255] (A ^ 0x80 as bytes), W stays signed, and Σ_k (A + 128)·W = Acc + 128·Σ_k W[n][k]:
 * that column compensation is a constant of the weights, summed once at packing and subtracted
 * once per output (bounds: gemm-internal.h).  With 16 ymm registers the flip cannot stay in a
 * register beside 12 accumulators, 2 of W and a broadcast, so each row tile's A is flipped
 * once into scratch (6·k bytes, reused by every column tile of the block) and the inner loop is
 * one vpbroadcastd m32 per row and two vpdpbusd.
 *
 * Packed layout: panels of 16 columns; panel p holds, for k-group g = k/4, 64 bytes
 *   [g][c][i] = W[16p + c][4g + i]            (c < 16, i < 4; 0 past n or k)
 * then 16 int32, the column compensations 128·Σ_k W[16p + c][k] (0 past n).
 * The float epilogue is the AVX2 kernel's (gemm-avx2-common.h). */
#include <immintrin.h>

#include "gemm/gemm-avx2-common.h"
#include "gemm/gemm-internal.h"

#define MR 6         /* rows per register tile */
#define NR 16        /* columns per register tile = per packed panel (two ymm of 8 int32) */
#define GROUP_BYTES (4 * NR)

static int k_padded(int k) { return (k + 3) & ~3; }

/* k-groups, then the 16 column compensations: a multiple of 64 bytes */
static size_t panel_size(int k) {
  return (size_t)(k_padded(k) / 4) * GROUP_BYTES + NR * sizeof(int32_t);
}

/* the row tile's A + 128: [MR][k_padded(k)] bytes, a multiple of 64 */
static size_t scratch_size(int k) { return ((size_t)MR * (size_t)k_padded(k) + 63) & ~(size_t)63; }

static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  wk_gemm_pack_c4(w, w_stride, n, k, NR, packed);
}

/* a: [k] int8 → ap: [k_padded(k)] bytes A ^ 0x80 (= A + 128 as u8); the padding is 0x80 (the
 * flip of 0), against W = 0 past k. */
static void flip_row(const int8_t *a, int k, uint8_t *ap) {
  const __m256i flip = _mm256_set1_epi8((char)0x80);
  int i = 0;
  for (; i + 32 <= k; i += 32)
    _mm256_storeu_si256((__m256i *)(ap + i),
                        _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + i)), flip));
  for (; i < k; i++) ap[i] = (uint8_t)a[i] ^ 0x80u;
  for (; i < k_padded(k); i++) ap[i] = 0x80u;
}

static inline int32_t load_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* acc + Σ of 4 products (u8 a) × (s8 w) per int32 lane: vpdpbusd in its VEX form, written as
 * asm with the accumulator tied in place.  (Through the _mm256_dpbusd_avx_epi32 intrinsic GCC
 * 12 copied every accumulator through a temporary and stored it to the stack on each k-group
 * of the 6 × 16 tile.) */
static inline __attribute__((always_inline)) __m256i dpbusd(__m256i acc, __m256i a, __m256i w) {
  __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(a), "x"(w));
  return acc;
}

/* One register tile: rows × (8·nv) columns, `cols` of them valid.  Always inlined with
 * constant rows/nv, so the accumulators live in registers. */
static inline __attribute__((always_inline)) void tile(const int rows, const int nv,
                                                       const wk_gemm_block_args *p,
                                                       const uint8_t *ap, int i0, int j0,
                                                       int cols) {
  const int kp = k_padded(p->k), groups = kp / 4;
  const uint8_t *w = (const uint8_t *)p->w + (size_t)(j0 / NR) * panel_size(p->k); /* panel */
  __m256i acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_si256();

  for (int g = 0; g < groups; g++) {
    __m256i wv[2];
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++)
      wv[v] = _mm256_load_si256((const __m256i *)(w + (size_t)g * GROUP_BYTES + 32 * v));
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      /* 4 bytes of A + 128, one broadcast load shared by the row's nv vpdpbusd */
      const __m256i b = _mm256_set1_epi32(load_i32(ap + (size_t)r * kp + 4 * g));
#pragma GCC unroll 2
      for (int v = 0; v < nv; v++) acc[r][v] = dpbusd(acc[r][v], b, wv[v]);
    }
  }

  /* Epilogue: exact Acc (minus the column compensation), then the fixed float sequence of
   * gemm-internal.h. */
  const uint8_t *comp = w + (size_t)groups * GROUP_BYTES; /* int32 [16] */
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) {
    const __m256 as = _mm256_set1_ps(p->a_scale[i0 + r]);
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 2
    for (int v = 0; v < nv; v++) {
      const __m256i cc = _mm256_load_si256((const __m256i *)(comp + 32 * v));
      wk_avx2_gemm_epilogue8(p, _mm256_sub_epi32(acc[r][v], cc), as, j0, 8 * v, res, out,
                             cols - 8 * v < 8 ? cols - 8 * v : 8);
    }
  }
}

#define TILE_CASE(R, V) \
  case (R)*4 + (V): tile(R, V, p, ap, i0, j0, cols); break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2)

static void block(const wk_gemm_block_args *p) {
  const int kp = k_padded(p->k);
  uint8_t *ap = p->scratch; /* [MR][kp]: the row tile's A + 128 */
  for (int i0 = 0; i0 < p->m; i0 += MR) {
    const int rows = p->m - i0 < MR ? p->m - i0 : MR;
    for (int r = 0; r < rows; r++)
      flip_row(p->a + (i0 + r) * p->a_stride, p->k, ap + (size_t)r * kp);
    /* Row tile outer, column tiles inner: the tile's rows of A stay in L1 while the column
     * block's packed W (sized by the operator to fit L2) streams past them. */
    for (int j0 = 0; j0 < p->n; j0 += NR) {
      const int cols = p->n - j0 < NR ? p->n - j0 : NR;
      wk_gemm_prefetch_residual(p, i0 + MR, MR, j0, cols);
      switch (rows * 4 + (cols + 7) / 8) {
        TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)
      default: break;
      }
    }
  }
}

const wk_gemm_kernel wk_gemm_kernel_avxvnni = {
    .name = "wk_qs8_gemm_ukernel_6x16c4__avxvnni",
    .isa = WK_ISA_AVXVNNI,
    .mr = MR,
    .nr = NR,
    .panel_size = panel_size,
    .scratch_size = scratch_size,
    .pack = pack,
    .block = block,
};
