/* gemm-avx512vnni.c — INT8 GEMM on AVX-512 VNNI (vpdpbusd), register tile 6 rows × 64 columns.
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes.  W is the unsigned operand: packed once
 * as W + 128 ∈ [0, 255]; A stays signed and is read in place (no per-call packing), four bytes
 * at a time broadcast straight from memory (vpbroadcastd m32: a plain load, no shuffle uop).
 * Then Σ_k A·(W + 128) = Acc + 128·Σ_k A[m][k], and the row compensation 128·Σ_k A[m][k] is
 * subtracted once per output (bounds: gemm-internal.h).
 *
 * Packed layout: panels of 64 columns; panel p holds, for k-group g = k/4, 256 bytes
 *   [g][c][i] = W[64p + c][4g + i] + 128     (c < 64, i < 4; 0 past n or k)
 * so one k-group of a panel is four zmm loads at consecutive addresses and a column block is
 * one sequential stream.  The float epilogue and the quantizer are shared with the AMX kernel
 * (gemm-avx512-common.h). */
#include "gemm/gemm-avx512-common.h"

#define MR 6        /* rows per register tile */
#define NV 4        /* zmm vectors (16 columns each) per register tile */
#define NR (16 * NV) /* columns per register tile = per packed panel */
#define GROUP_BYTES (4 * NR)

/* 6×4 tile: 24 zmm accumulators + 4 zmm of W + 1 broadcast of A = 29 of the 32 registers.
 * Per k-group: 4 loads of W, 6 broadcast loads of A, 24 vpdpbusd — the inner loop runs at
 * 91–96% of the vpdpbusd peak on L1-resident data (7×4 with {1to16} memory operands: no faster;
 * 8×3 would load more per vpdpbusd).
 * On Zen 5 (2 vpdpbusd zmm per cycle), per CPU-second, 1 thread (tests/gemm_bench): the
 * Whisper shapes run at 80–88 % of that peak, fc1 at 64–78 % — its GELU epilogue (~28 float
 * ops + a division per 16 outputs, fixed by the spec) costs ~18 points at d = 512 (fc1 without
 * GELU: 83 %).  Measured, no gain within the ±3 % noise: 12×32 tiles, prefetching W 1–2 KB
 * ahead, and deferring each tile's epilogue into the next tile's k-loop (the epilogue is bound
 * by float-port throughput, not by the stall between tiles). */

static size_t panel_size(int k) { return (size_t)((k + 3) / 4) * GROUP_BYTES; }

static size_t scratch_size(int k) {
  (void)k;
  return 0;
}

/* Row by row, four bytes at a time (w + 128 ≡ w ^ 0x80 as bytes); panels with padding are
 * zeroed first.  (The byte-at-a-time loop with a bounds test per byte took a third of loading a
 * large-v3 model.) */
static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  const int full = k / 4; /* whole k-groups */
  const size_t ps = panel_size(k);
  uint8_t *o = packed;
  for (int j0 = 0; j0 < n; j0 += NR, o += ps) {
    const int cols = n - j0 < NR ? n - j0 : NR;
    if (cols < NR || (k & 3)) memset(o, 0, ps);
    for (int c = 0; c < cols; c++) {
      const int8_t *row = w + (ptrdiff_t)(j0 + c) * w_stride;
      uint8_t *dst = o + 4 * c;
      for (int g = 0; g < full; g++) {
        uint32_t v;
        memcpy(&v, row + 4 * g, sizeof v);
        v ^= 0x80808080u;
        memcpy(dst + (size_t)g * GROUP_BYTES, &v, sizeof v);
      }
      for (int i = 0; i < (k & 3); i++)
        dst[(size_t)full * GROUP_BYTES + i] = (uint8_t)(row[4 * full + i] + 128);
    }
  }
}

/* Σ_k a[k] over one row, on the vpdpbusd port: ones (u8) · a (s8) summed in groups of four. */
static int32_t row_sum(const int8_t *a, int k) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i acc = _mm512_setzero_si512();
  int i = 0;
  for (; i + 64 <= k; i += 64) acc = _mm512_dpbusd_epi32(acc, ones, _mm512_loadu_si512(a + i));
  if (i < k) { /* masked load: no byte past the row is touched */
    __mmask64 m = (__mmask64)(~0ull >> (64 - (k - i)));
    acc = _mm512_dpbusd_epi32(acc, ones, _mm512_maskz_loadu_epi8(m, a + i));
  }
  return _mm512_reduce_add_epi32(acc);
}

static inline int32_t load_i32(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* One register tile: rows × (16·nv) columns, `cols` of them valid (16·(nv−1) < cols ≤ 16·nv).
 * Always inlined with constant rows/nv, so the accumulator array lives in registers. */
static inline __attribute__((always_inline)) void tile(const int rows, const int nv,
                                                       const wk_gemm_block_args *p, int i0,
                                                       int j0, int cols, const int32_t *comp) {
  const int k = p->k;
  const int groups = k >> 2;
  const int8_t *a[MR]; /* rows × [k] */
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) a[r] = p->a + (i0 + r) * p->a_stride;
  const uint8_t *w = (const uint8_t *)p->w + (size_t)(j0 / NR) * panel_size(k); /* panel */

  __m512i acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_si512();

  for (int g = 0; g < groups; g++) {
    __m512i wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) wv[v] = _mm512_load_si512(w + (size_t)g * GROUP_BYTES + 64 * v);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      /* 4 bytes of A, one broadcast load shared by the row's nv vpdpbusd (folding it into each
       * as a {1to16} operand would cost nv loads; measured no faster) */
      const __m512i av = _mm512_set1_epi32(load_i32(a[r] + 4 * g));
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], wv[v], av);
    }
  }
  if (k & 3) { /* the last, partial k-group: read only the row's own bytes (W is 0 past k) */
    __m512i wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      wv[v] = _mm512_load_si512(w + (size_t)groups * GROUP_BYTES + 64 * v);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      int32_t t = 0;
      memcpy(&t, a[r] + 4 * groups, (size_t)(k & 3));
      const __m512i av = _mm512_set1_epi32(t);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], wv[v], av);
    }
  }

  /* Epilogue: exact Acc, then the fixed float sequence of gemm-internal.h. */
  const __mmask16 last = (__mmask16)(0xffffu >> (16 * nv - cols));
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) {
    const __m512 as = _mm512_set1_ps(p->a_scale[i0 + r]);
    const __m512i cr = _mm512_set1_epi32(comp[r]);
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const __mmask16 m = v == nv - 1 ? last : (__mmask16)0xffff;
      wk_avx512_gemm_epilogue16(p, _mm512_sub_epi32(acc[r][v], cr), as, j0, 16 * v, res, out,
                                m);
    }
  }
}

#define TILE_CASE(R, V) \
  case (R)*8 + (V): tile(R, V, p, i0, j0, cols, comp); break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2) TILE_CASE(R, 3) TILE_CASE(R, 4)

static void block(const wk_gemm_block_args *p) {
  for (int i0 = 0; i0 < p->m; i0 += MR) {
    const int rows = p->m - i0 < MR ? p->m - i0 : MR;
    int32_t comp[MR]; /* 128·Σ_k A[i0 + r][k]: computed once per row tile, used by every column */
    for (int r = 0; r < rows; r++) comp[r] = 128 * row_sum(p->a + (i0 + r) * p->a_stride, p->k);
    /* Row tile outer, column tiles inner: the tile's 6 rows of A stay in L1 while the column
     * block's packed W (sized by the operator to fit L2) streams past them. */
    for (int j0 = 0; j0 < p->n; j0 += NR) {
      const int cols = p->n - j0 < NR ? p->n - j0 : NR;
      switch (rows * 8 + (cols + 15) / 16) {
        TILE_ROWS(1) TILE_ROWS(2) TILE_ROWS(3) TILE_ROWS(4) TILE_ROWS(5) TILE_ROWS(6)
      default: break;
      }
    }
  }
}

const wk_gemm_kernel wk_gemm_kernel_avx512vnni = {
    .name = "wk_qs8_gemm_ukernel_6x64c4__avx512vnni",
    .isa = WK_ISA_AVX512VNNI,
    .mr = MR,
    .nr = NR,
    .panel_size = panel_size,
    .scratch_size = scratch_size,
    .pack = pack,
    .block = block,
};
