/* gemm-avx512vnni.c — INT8 GEMM on AVX-512 VNNI (vpdpbusd), register tile 6 rows × 64 columns.
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes.  A is the unsigned operand: read in place
 * (no per-call packing), four bytes at a time broadcast straight from memory (vpbroadcastd
 * m32: a plain load, no shuffle uop) and flipped to A + 128 ∈ [0, 255] by one vpxord (A ^ 0x80
 * as bytes).  W stays signed.  Then Σ_k (A + 128)·W = Acc + 128·Σ_k W[n][k], and that column
 * compensation is a constant of the weights, summed once when they are packed and subtracted
 * once per output (bounds: gemm-internal.h).  (The earlier operand order — W + 128 unsigned —
 * needed the row sums 128·Σ_k A[m][k] instead: a dependent vpdpbusd chain per row, redone for
 * every column block, 3 % of a small encoder's GEMM time.  The vpxord costs nothing: in a
 * register-only throughput test the loop with it runs at 100 % of the plain one.)
 *
 * Packed layout: panels of 64 columns; panel p holds, for k-group g = k/4, 256 bytes
 *   [g][c][i] = W[64p + c][4g + i]            (c < 64, i < 4; 0 past n or k)
 * then 64 int32, the column compensations 128·Σ_k W[64p + c][k] (0 past n),
 * so one k-group of a panel is four zmm loads at consecutive addresses and a column block is
 * one sequential stream.  The float epilogue and the quantizer are shared with the AMX kernel
 * (gemm-avx512-common.h). */
#include "gemm/gemm-avx512-common.h"
#include "quant/quant-internal.h"

#define MR 6        /* rows per register tile */
#define NV 4        /* zmm vectors (16 columns each) per register tile */
#define NR (16 * NV) /* columns per register tile = per packed panel */
_Static_assert(NV == 4, "group_epilogue packs a row's 4 vectors into one 64-byte store");
#define GROUP_BYTES (4 * NR)

/* 6×4 tile: 24 zmm accumulators + 4 zmm of W + 1 broadcast of A + the 0x80 bytes = 30 of the 32
 * registers.  Per k-group: 4 loads of W, 6 broadcast loads of A, 6 vpxord, 24 vpdpbusd.
 * Measured on Zen 5 (2 vpdpbusd zmm per cycle), one thread: the k-loop alone, written in asm,
 * runs at 100 % of the register-only peak with W streaming from L2 and 97 % from L3; block()
 * on a 48 × 320 × 768 block (bias) at 95 %, on a 48 × 64 × 3072 one (fc2's, + residual) at
 * 98.5 %, with GELU at 87 % — its epilogue (~18 float ops + a division per 16 outputs, fixed by
 * the spec) shares the vector ports with vpdpbusd.  Dropping the row sums (see the top) did
 * not move tests/gemm_bench, where A is hot, but in the encoder, where those sums were the
 * first touch of each row of A, it cut the small encoder's GEMM stage from 321.5 to 313.5 ms
 * on one thread (alternating runs).  Measured, no gain within the ±3 % noise: 12×32 tiles,
 * 7×4 with {1to16} memory operands, prefetching W 1–2 KB ahead, and deferring each tile's
 * epilogue into the next tile's k-loop. */

/* k-groups, then the 64 column compensations */
static size_t panel_size(int k) {
  return (size_t)((k + 3) / 4) * GROUP_BYTES + NR * sizeof(int32_t);
}

static size_t scratch_size(int k) {
  (void)k;
  return 0;
}

static void pack(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed) {
  wk_gemm_pack_c4(w, w_stride, n, k, NR, packed);
}

static inline int32_t load_i32(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* A's four bytes as unsigned A + 128, broadcast: one vpbroadcastd m32 and one vpxord.  (The
 * empty asm keeps the flip in the vector unit: done on the loaded dword in a general register,
 * it needs a vpbroadcastd from that register, 2 % slower in the throughput test.) */
static inline __m512i broadcast_flipped(const int8_t *p, __m512i flip) {
  __m512i v = _mm512_set1_epi32(load_i32(p));
  __asm__("" : "+v"(v));
  return _mm512_xor_si512(v, flip);
}

/* The per-group epilogue (wk_gemm_block_args: grouped) of a full 6 × 64 tile: each row's 64
 * columns are one group — quantized by the quant rule (quant-internal.h: magnitude-bit max,
 * wk_quantize_scale, x / s rounded to nearest even and clamped; the ops of quant-avx512.c's
 * kernels) or stored in fp32 with their magnitude maximum.  The floats are those of
 * wk_avx512_gemm_epilogue16 (no GELU or residual in this mode).  Measured on Zen 5 (base
 * encoder, 2 threads): the QKV stage 9.4–9.9 → ≈ 8.1 ms against the fp32 rows quantized by a
 * pass of their own. */
static inline __attribute__((always_inline)) void group_epilogue(const int rows,
                                                                 const wk_gemm_block_args *p,
                                                                 int i0, int j0,
                                                                 __m512i acc[MR][NV],
                                                                 const uint8_t *comp) {
  const int G = (p->col0 + j0) / NR;
  const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) {
    const int i = i0 + r;
    const __m512 as = _mm512_set1_ps(p->a_scale[i]);
    __m512 y[NV];
    __m512i mx = _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      y[v] = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][v], _mm512_load_si512(comp + 64 * v)));
      y[v] = _mm512_mul_ps(y[v], _mm512_mul_ps(as, _mm512_loadu_ps(p->w_scale + j0 + 16 * v)));
      if (p->bias) y[v] = _mm512_add_ps(y[v], _mm512_loadu_ps(p->bias + j0 + 16 * v));
      mx = _mm512_max_epu32(mx, _mm512_and_si512(_mm512_castps_si512(y[v]), absmask));
    }
    const uint32_t amax = (uint32_t)_mm512_reduce_max_epu32(mx);
    if (G >= p->groups_q) { /* fp32, and the group's maximum */
      float *out = p->out + i * p->out_stride + (p->col0 + j0 - NR * p->groups_q);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) _mm512_storeu_ps(out + 16 * v, y[v]);
      p->groups.amax[i * p->groups.amax_stride + (G - p->groups_q)] = amax;
      continue;
    }
    float *scale = &p->groups.scale[G * p->groups.scale_stride + i];
    if (amax >= WK_F32_NONFINITE_BITS) { /* NaN or ±∞: the caller reports it */
      *scale = NAN;
      continue;
    }
    const float s = wk_quantize_scale(amax);
    const __m512 sv = _mm512_set1_ps(s);
    __m512i t[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) t[v] = _mm512_cvtps_epi32(_mm512_div_ps(y[v], sv)); /* RNE */
    _mm512_storeu_si512(p->groups.q + i * p->groups.q_stride + G * NR,
                        wk_avx512_pack4_q8(t[0], t[1], t[2], t[3])); /* clamped to ±127 */
    *scale = s;
  }
}

/* One register tile: rows × (16·nv) columns, `cols` of them valid (16·(nv−1) < cols ≤ 16·nv).
 * Always inlined with constant rows/nv, so the accumulator array lives in registers. */
static inline __attribute__((always_inline)) void tile(const int rows, const int nv,
                                                       const wk_gemm_block_args *p, int i0,
                                                       int j0, int cols) {
  const int k = p->k;
  const int groups = k >> 2;
  const int8_t *a[MR]; /* rows × [k] */
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) a[r] = p->a + (i0 + r) * p->a_stride;
  const uint8_t *w = (const uint8_t *)p->w + (size_t)(j0 / NR) * panel_size(k); /* panel */
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80808080u);

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
      /* 4 bytes of A, one broadcast shared by the row's nv vpdpbusd (folding it into each as a
       * {1to16} operand would cost nv loads, and A is the unsigned operand now) */
      const __m512i av = broadcast_flipped(a[r] + 4 * g, flip);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, wv[v]);
    }
  }
  if (k & 3) { /* the last, partial k-group: read only the row's own bytes (W is 0 past k) */
    __m512i wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      wv[v] = _mm512_load_si512(w + (size_t)groups * GROUP_BYTES + 64 * v);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      int8_t t[4] = {0, 0, 0, 0};
      memcpy(t, a[r] + 4 * groups, (size_t)(k & 3));
      const __m512i av = broadcast_flipped(t, flip);
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, wv[v]);
    }
  }

  /* Epilogue: exact Acc (minus the column compensation), then the fixed float sequence of
   * gemm-internal.h. */
  const uint8_t *comp = w + (size_t)((k + 3) / 4) * GROUP_BYTES; /* int32 [64] */
  if (nv == NV && p->grouped) { /* whole 64-column groups (the operator guarantees it) */
    group_epilogue(rows, p, i0, j0, acc, comp);
    return;
  }
  const __mmask16 last = (__mmask16)(0xffffu >> (16 * nv - cols));
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++) {
    const __m512 as = _mm512_set1_ps(p->a_scale[i0 + r]);
    const float *res = p->residual ? p->residual + (i0 + r) * p->residual_stride + j0 : NULL;
    float *out = p->out + (i0 + r) * p->out_stride + j0;
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
      const __mmask16 m = v == nv - 1 ? last : (__mmask16)0xffff;
      const __m512i cc = _mm512_load_si512(comp + 64 * v);
      wk_avx512_gemm_epilogue16(p, _mm512_sub_epi32(acc[r][v], cc), as, j0, 16 * v, res, out,
                                m);
    }
  }
}

#define TILE_CASE(R, V) \
  case (R)*8 + (V): tile(R, V, p, i0, j0, cols); break;
#define TILE_ROWS(R) TILE_CASE(R, 1) TILE_CASE(R, 2) TILE_CASE(R, 3) TILE_CASE(R, 4)

static void block(const wk_gemm_block_args *p) {
  for (int i0 = 0; i0 < p->m; i0 += MR) {
    const int rows = p->m - i0 < MR ? p->m - i0 : MR;
    /* Row tile outer, column tiles inner: the tile's 6 rows of A stay in L1 while the column
     * block's packed W (sized by the operator to fit L2) streams past them. */
    for (int j0 = 0; j0 < p->n; j0 += NR) {
      const int cols = p->n - j0 < NR ? p->n - j0 : NR;
      wk_gemm_prefetch_residual(p, i0 + MR, MR, j0, cols);
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
    .group64 = 1,
};
