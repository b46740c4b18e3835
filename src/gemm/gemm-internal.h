/* gemm-internal.h — the INT8 GEMM microkernel interface and its numerical specification.
 *
 * The GEMM the encoder's four projections (QKV, out, fc1, fc2) run, for every m < M, n < N:
 *
 *   Acc[m][n] = Σ_{k<K} A[m][k]·W[n][k]                     int32, exact
 *   y = (float)Acc · (a_scale[m] · w_scale[n])                 two IEEE float multiplies
 *   if bias:     y = y + bias[n]
 *   if gelu:     y = wk_gelu(y)                                 the fixed sequence below
 *   if residual: y = y + R[m][n]
 *   out[m][n] = y
 *
 * A are int8 activations with one scale per token (row), W int8 weights with one scale per
 * output channel (row of W).  Every float step is one IEEE-754 single-precision operation in a
 * fixed order (the build uses -ffp-contract=off, so no compiler fuses a multiply-add), int→float
 * conversion rounds to nearest even, and Acc is an exact integer whatever the summation order:
 * every kernel must therefore equal the scalar one (gemm-scalar.c) bit for bit, for every shape,
 * blocking and thread count.
 *
 * Overflow bounds (K ≤ WK_GEMM_MAX_K = 2^16):
 *   |A·W| ≤ 128·128 = 2^14 per product, so |Acc| ≤ 2^30: int32 holds every partial sum.
 *   VNNI (u8×s8): with A+128 ∈ [0, 255] as the unsigned operand, |(A+128)·W| ≤ 255·128, and
 *   Σ_k ≤ 2^16·32640 < 2^31 — no intermediate wraps; the column compensation 128·Σ_k W[n][k]
 *   is ≤ 2^30 in magnitude.  (vpdpbusd does not saturate, so even a wrap would cancel exactly.)
 *   (AVX-VNNI: the same vpdpbusd on ymm, the same bounds.)
 *   AVX2 (s16 pairs, vpmaddwd): a pair is ≤ 2^15 in magnitude; no saturation is possible.
 *   AMX (tdpbssd, s8×s8): its dword sums are partial sums of Acc itself, ≤ 2^30; the tile adds
 *   do not saturate either.
 *   (float)Acc is exact up to 2^24 and correctly rounded above; the kernels all round the same.
 *
 * The per-token quantizer that produces A (wk_quantize_rows) and the int8 epilogue (out_q) is
 * the quant family's (src/quant/quant-internal.h).
 */
#ifndef WK_GEMM_INTERNAL_H
#define WK_GEMM_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gemm/gemm.h"
#include "runtime/runtime.h"

#define WK_GEMM_MAX_K 65536     /* |Acc| ≤ 2^30: see the bounds above */
#define WK_GEMM_MAX_N (1 << 24) /* keeps every padded size far from overflow */
#define WK_GEMM_NB_ALIGN 64     /* column blocks start at multiples of this (every kernel's nr
                                 * divides it) */

/* ── GELU, erf form: gelu(x) = x·Φ(x) = x·½·(1 + erf(x/√2)) ───────────────────────────────
 *
 * Evaluated through the exact identity  gelu(x) = max(x, 0) − g(|x|),  g(a) = a·Φ(−a), so that
 * the one approximated quantity g is either a small correction (x > 0) or the whole result,
 * accurate relative to itself (x < 0): 1 + erf never cancels.  g is a table of polynomials:
 * [0, T) cut into 16 equal intervals, a = (i + t)/S, one degree-4 polynomial in t ∈ [0, 1] per
 * interval (a weighted minimax fit, g(0) = 0 exactly; tools/fit/gelu_fit.py prints the table),
 * and g = 0 from T = 5.4 up, where g(T) < ½ ulp(T).  Only mul, fused multiply-add (fmaf: one
 * rounding, vfmadd in the SIMD twins), floor, max, abs, a compare and the table lookup
 * (vpermps) are used, so the scalar code and its SIMD twins agree bit for bit.  The fixed
 * sequence:
 *
 *   ax = |x|;  p = 0;  if ax < T:
 *     u = ax·S   t = u − floor(u)   i = (int)u mod 16   (u may round up to 16: row 0, t = 0)
 *     p = tab[4][i]; p = fma(p, t, tab[3][i]); …; p = fma(p, t, tab[0][i])   (Horner)
 *   gelu = max(0, x) − p
 *
 * Accuracy against x·½·erfc(−x/√2) in double, over all 2.19e9 floats in [−10, 10]
 * (tools/fit/gelu_check.c): max abs error 2.5e-7 (half an ulp of the output near 4 is 2.4e-7,
 * so it is ~rounding-limited); max relative error 7e-6 where |gelu| ≥ 1e-3.  Limits, exact:
 * gelu(x) == x for every x ≥ T up to +∞, gelu(x) == 0 for every x ≤ −T down to −∞; NaN in,
 * NaN out (max(0, NaN) is NaN).
 * Cost per element: 4 fma and 1 mul on the multiply ports (the erfc form this replaced took
 * 10 fma, 5 mul and a division — on Zen 5 those share vpdpbusd's two ports, so in fc1's
 * epilogue they cost the GEMM ≈ 14 %), plus 5 lookups, abs, floor, sub, convert, compare,
 * max and sub on the other vector pipes. */
#define WK_GELU_T 5.4f        /* T: g = 0 from here up */
#define WK_GELU_S 2.96296287f /* S = (float)(16/T) */
static const float wk_gelu_tab[5][16] __attribute__((aligned(64), unused)) = {
    {0.0f, 1.241559684e-01f, 1.686403900e-01f, 1.575950533e-01f,
     1.194858178e-01f, 7.720933855e-02f, 4.340329394e-02f, 2.144226246e-02f,
     9.360834025e-03f, 3.622962395e-03f, 1.245632302e-03f, 3.809385817e-04f,
     1.037133625e-04f, 2.515284177e-05f, 5.436178981e-06f, 1.047334536e-06f},
    {1.687508374e-01f, 8.123833686e-02f, 1.196089853e-02f, -2.911633439e-02f,
     -4.320465401e-02f, -3.927263990e-02f, -2.785914950e-02f, -1.646301895e-02f,
     -8.326335810e-03f, -3.654240398e-03f, -1.402698923e-03f, -4.732710076e-04f,
     -1.408218523e-04f, -3.703819675e-05f, -8.625404007e-06f, -1.780762545e-06f},
    {-4.545440525e-02f, -4.055164754e-02f, -2.801503800e-02f, -1.330212411e-02f,
     -1.611812389e-03f, 4.670572467e-03f, 6.173351780e-03f, 5.011116154e-03f,
     3.142858855e-03f, 1.626739861e-03f, 7.144095725e-04f, 2.701953927e-04f,
     8.879319648e-05f, 2.550172394e-05f, 6.426682830e-06f, 1.425245841e-06f},
    {4.358318984e-05f, 3.365334822e-03f, 5.079211202e-03f, 4.716340452e-03f,
     3.000668250e-03f, 1.110144891e-03f, -1.503705280e-04f, -6.318017258e-04f,
     -6.033924292e-04f, -3.972603881e-04f, -2.062905551e-04f, -8.874094783e-05f,
     -3.237687633e-05f, -1.015347971e-05f, -2.760097459e-06f, -6.541040420e-07f},
    {8.163109887e-04f, 4.327897914e-04f, -7.015182928e-05f, -4.070863943e-04f,
     -4.608081363e-04f, -3.142683418e-04f, -1.249565830e-04f, 2.246011263e-06f,
     4.899740816e-05f, 4.744345279e-05f, 2.989794666e-05f, 1.459830219e-05f,
     5.848202818e-06f, 1.974480256e-06f, 5.703479360e-07f, 1.422972531e-07f},
};

/* max with the SIMD instruction's semantics (vmaxps: the second operand when either is NaN),
 * so the scalar spec and the SIMD twins agree even there. */
static inline float wk_maxf(float a, float b) { return a > b ? a : b; }

static inline float wk_gelu(float x) {
  const float ax = fabsf(x);
  float p = 0.0f; /* g(ax): 0 from T up (and for NaN, which never indexes the table) */
  if (ax < WK_GELU_T) {
    const float u = ax * WK_GELU_S;
    const float t = u - floorf(u);
    const int i = (int)u & 15; /* u rounded up to 16 wraps to row 0, as vpermps does */
    p = wk_gelu_tab[4][i];
    p = fmaf(p, t, wk_gelu_tab[3][i]);
    p = fmaf(p, t, wk_gelu_tab[2][i]);
    p = fmaf(p, t, wk_gelu_tab[1][i]);
    p = fmaf(p, t, wk_gelu_tab[0][i]);
  }
  return wk_maxf(0.0f, x) - p;
}

/* ── microkernel interface ───────────────────────────────────────────────────────────────
 * The operator (gemm.c) splits the output into (row block × column block) tasks; a kernel's
 * block() computes one whole block, tiling it into registers in its own order and handling
 * every remainder (any m, n, k ≥ 1). */
typedef struct wk_gemm_block_args {
  int m;                 /* rows of this block, ≥ 1 */
  int n;                 /* columns of this block, ≥ 1 */
  int k;                 /* reduction length, 1 … WK_GEMM_MAX_K */
  const int8_t *a;       /* [m][k], row i at a + i·a_stride */
  ptrdiff_t a_stride;
  const float *a_scale;  /* [m] */
  const void *w;         /* packed weights, starting at the block's first panel */
  const float *w_scale;  /* [round_up(n, WK_GEMM_NB_ALIGN)]: zero-padded, full vectors load */
  const float *bias;     /* [round_up(n, WK_GEMM_NB_ALIGN)] zero-padded, or NULL: no bias add */
  int gelu;              /* nonzero: apply wk_gelu after the bias */
  const float *residual; /* [m][n], row i at residual + i·residual_stride, or NULL */
  ptrdiff_t residual_stride;
  float *out;            /* [m][n], row i at out + i·out_stride (may equal residual) */
  ptrdiff_t out_stride;
  void *scratch;         /* scratch_size(k) bytes, 64-byte aligned, private to the thread */
  /* Per-group int8 output in the tile epilogue (gemm.h's group_cols = 64; only kernels with
   * group64 set get it): column j of the block is global column col0 + j, in group
   * G = (col0 + j)/64; G < groups_q: quantized into groups.q (row 0 of the block, global column
   * 0) with scale groups.scale[G·groups.scale_stride + row]; else fp32 into out (row 0 of the
   * block, at column col0 + j − 64·groups_q) and the group's magnitude maximum into
   * groups.amax[row·groups.amax_stride + G − groups_q].  Off when `grouped` is 0. */
  int grouped, col0, groups_q;
  wk_gemm_group_out groups;
} wk_gemm_block_args;

/* Asks for the residual lines of rows [i0, i0 + rows) ∩ [0, m), columns [j0, j0 + cols) of
 * the block, which a later tile's epilogue adds (a hint: no value changes).  The kernels call
 * it for the next row tile before each column tile, a row tile ahead of the reads.  The
 * encoder's residual stream (out-projection, fc2: [len][d] fp32, in place) was last touched a
 * whole attention earlier and misses in L2; the epilogue's reads — 6 rows × 256 bytes, rows
 * 2 KB apart, then the next 256 bytes of the same rows a tile later — do not train the hardware
 * prefetchers.  Measured on Zen 5 (base encoder, per-operator timing, alternating runs):
 * out-projection 7.8–8.0 → 6.7–6.8 ms on one thread, 3.75 → 3.3 ms on two; fc2 −3 %. */
static inline void wk_gemm_prefetch_residual(const wk_gemm_block_args *p, int i0, int rows,
                                             int j0, int cols) {
  if (!p->residual) return;
  const int i1 = i0 + rows < p->m ? i0 + rows : p->m;
  for (int i = i0; i < i1; i++) {
    const float *row = p->residual + i * p->residual_stride + j0;
    const uintptr_t last = (uintptr_t)(row + cols - 1) & ~(uintptr_t)63;
    for (uintptr_t a = (uintptr_t)row & ~(uintptr_t)63; a <= last; a += 64)
      __builtin_prefetch((const void *)a, 0, 3);
  }
}

typedef struct wk_gemm_kernel {
  const char *name;
  wk_isa isa;
  int mr; /* rows of the register tile: row blocks are multiples of it (except the last) */
  int nr; /* columns per packed panel; divides WK_GEMM_NB_ALIGN */
  /* Bytes of one packed panel of nr columns × k (SIMD kernels keep it a multiple of 64, so
   * every panel of a 64-byte aligned buffer is aligned). */
  size_t (*panel_size)(int k);
  /* Bytes of thread-private scratch block() needs. */
  size_t (*scratch_size)(int k);
  /* w: [n][k] int8, row j at w + j·w_stride → ceil(n/nr) panels (zero-padded) at packed. */
  void (*pack)(const int8_t *w, ptrdiff_t w_stride, int n, int k, void *packed);
  void (*block)(const wk_gemm_block_args *args);
  int group64; /* block() does the per-group int8 output (groups.q) for 64-column groups */
} wk_gemm_kernel;

/* The packing of the vpdpbusd kernels (AVX-512 VNNI: nr = 64, AVX-VNNI: nr = 16): panels of nr
 * columns, each, for k-group g = k/4, nr·4 bytes [g][c][i] = W[nr·p + c][4g + i] (0 past n or
 * k), then nr int32 column compensations 128·Σ_k W[nr·p + c][k] (0 past n) — a panel is
 * ⌈k/4⌉·4·nr + 4·nr bytes.  Row by row, four bytes at a time (the byte-at-a-time loop with a
 * bounds test per byte took a third of loading a large-v3 model); nr ≤ 64. */
void wk_gemm_pack_c4(const int8_t *w, ptrdiff_t w_stride, int n, int k, int nr, void *packed);

extern const wk_gemm_kernel wk_gemm_kernel_scalar;
#if defined(__x86_64__)
extern const wk_gemm_kernel wk_gemm_kernel_avx2;
extern const wk_gemm_kernel wk_gemm_kernel_avxvnni;
extern const wk_gemm_kernel wk_gemm_kernel_avx512vnni;
extern const wk_gemm_kernel wk_gemm_kernel_amx;
#endif

/* The kernel for an ISA: wk_kernels_for(isa)->gemm (runtime/dispatch.h). */

#endif
