/* f32-internal.h — the FP32 microkernel interface and its numerical specification.
 *
 * Two kernels carry every FP32 flop of the encoder (f32.c builds the Linear and attention
 * operators from them; the encoder's convolutions are Linears over im2col views):
 *
 * 1. gemm_block — Whisper's Linear on a block of rows × columns, for every m, n:
 *
 *      acc = +0.0f;  for k = 0 … K−1:  acc = fmaf(X[m][k], W[n][k], acc)     (sequential k)
 *      y = acc;  if bias: y = y + bias[n];  if gelu: y = wk_gelu(y);  if residual: y = y + R[m][n]
 *      out[m][n] = y
 *
 *    fmaf is the correctly rounded fused multiply-add, so a SIMD kernel that vectorizes across n
 *    (broadcast X[m][k], vfmadd with a packed W panel, k in order) computes exactly these bits;
 *    the operator never splits k, so the result is the same for every blocking, ISA and thread
 *    count.  wk_gelu is the INT8 GEMM family's fixed erf-GELU sequence (gemm-internal.h).
 *    W is packed once into panels of WK_F32_NR columns, k-major (wk_f32_pack).  The panels may
 *    hold IEEE half-precision values instead (w16; the INT8 decoder's cross K/V): then
 *    W[n][k] = wk_f16_to_f32(half) — an exact conversion, so the fmaf chain is the one above on
 *    the halves' values, and vcvtph2ps (AVX-512) or the same bit steps (AVX2) compute it.
 *
 * 2. softmax_row — one attention row, in place: for s[0 … L):
 *
 *      t_j = s_j · c                                   c = softmax_scale · log2(e), in float
 *      m   = max_j t_j                                 (exact, any order)
 *      p_j = wk_f32_exp2(t_j − m)                      the fixed sequence below
 *      sum = wk_f32_sum16(p)                           the fixed order below
 *      s_j = p_j; return sum
 *
 *    wk_f32_exp2(x), x ≤ 0:  y = max(x, −126); n = floor(y); f = y − n  (exact);
 *      p = C5; p = fmaf(p, f, C4); … p = fmaf(p, f, C1); p = fmaf(p, f, 1)   (Horner, fma)
 *      result = p · 2^n   (2^n built from its bits; exact: p ∈ [1, 2], n ≥ −126 keeps it normal)
 *    The coefficients are the INT8 attention's 2^f fit (attention-internal.h, p(0) = 1 exactly,
 *    relative error 1.6e-7).  Clamping at −126 changes only weights below 2^-126 (≈ 1e-38).
 *    wk_f32_sum16: 16 lane sums, lane l = Σ p_j over j ≡ l (mod 16) in increasing j from +0.0f,
 *    then the halving tree l[i] += l[i+8] (i < 8), += l[i+4], += l[i+2], l[0] += l[1] — what
 *    one zmm (or two ymm) accumulator and its halving reduction compute.
 *
 * Every step is one IEEE-754 single operation (or one fma) in a fixed order; the build uses
 * -ffp-contract=off so no compiler fuses anything else: SIMD kernels equal the scalar ones
 * (f32-scalar.c) bit for bit.
 */
#ifndef WK_F32_INTERNAL_H
#define WK_F32_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "attention/attention-internal.h" /* WK_EXP2_C1 … C5 */
#include "gemm/gemm-internal.h"           /* wk_gelu, wk_maxf */
#include "runtime/runtime.h"

#define WK_F32_NR 64           /* columns per packed W panel (4 zmm, 8 ymm) */
#define WK_F32_EXP2_MIN (-126.0f)
#define WK_F32_LANES 16

/* Packed weights: panel p holds columns [64p, 64p + 64) as [K][64] floats (zero-padded past n),
 * panel stride K·64 floats.  w: element (n, k) at w[n·stride_n + k·stride_k]. */
void wk_f32_pack(const float *w, ptrdiff_t stride_n, ptrdiff_t stride_k, int n, int k,
                 float *packed);
static inline size_t wk_f32_packed_floats(int n, int k) {
  return wk_round_up((size_t)n, WK_F32_NR) * (size_t)k;
}

typedef struct wk_f32_gemm_block_args {
  int m, n, k;           /* rows, columns, reduction length; each ≥ 1 */
  const float *x;        /* [m][k], row i at x + i·x_stride */
  ptrdiff_t x_stride;
  const float *w;        /* ceil(n/64) packed panels of [k][64], the block's first one */
  const uint16_t *w16;   /* or (non-NULL; w unused) the same panels in IEEE half precision */
  size_t w_panel;        /* elements from one panel to the next: 0 means k·64 (packed); more
                          * when the panels are rows of a longer buffer (a decoder's cache) */
  const float *bias;     /* [round_up(n, 64)] zero-padded, or NULL */
  int gelu;              /* nonzero: wk_gelu after the bias */
  const float *residual; /* [m][n], row i at residual + i·residual_stride, or NULL */
  ptrdiff_t residual_stride;
  float *out;            /* [m][n], row i at out + i·out_stride (may equal residual) */
  ptrdiff_t out_stride;
} wk_f32_gemm_block_args;

typedef struct wk_f32_kernel {
  const char *name;
  wk_isa isa;
  void (*gemm_block)(const wk_f32_gemm_block_args *args);
  /* s: [len] scores → probabilities in place; returns their sum (spec above).  len ≥ 1,
   * scores finite. */
  float (*softmax_row)(float *s, int len, float c);
} wk_f32_kernel;

extern const wk_f32_kernel wk_f32_kernel_scalar;
#if defined(__x86_64__)
extern const wk_f32_kernel wk_f32_kernel_avx2;
extern const wk_f32_kernel wk_f32_kernel_avx512;
#endif


/* ── the scalar spec of the softmax pieces, shared by the scalar kernel and the tests ── */
static inline float wk_f32_pow2i(int n) { /* 2^n for −126 ≤ n ≤ 127, from its bits */
  uint32_t b = (uint32_t)(n + 127) << 23;
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}

static inline float wk_f32_exp2(float x) {
  float y = wk_maxf(x, WK_F32_EXP2_MIN);
  float n = floorf(y);
  float f = y - n;
  float p = WK_EXP2_C5;
  p = fmaf(p, f, WK_EXP2_C4);
  p = fmaf(p, f, WK_EXP2_C3);
  p = fmaf(p, f, WK_EXP2_C2);
  p = fmaf(p, f, WK_EXP2_C1);
  p = fmaf(p, f, 1.0f);
  return p * wk_f32_pow2i((int)n);
}

/* A finite IEEE half (its bits) as a float, exactly: the magnitude's bits moved into a float's
 * exponent and mantissa fields (a float 2^-112 times the half's value: exponent bias 127 vs
 * 15; half subnormals land on float subnormals of the same mantissa), times 2^112 (exact: a
 * power of two, normal result), then the sign.  Infinities and NaNs never reach it. */
static inline float wk_f16_to_f32(uint16_t h) {
  const uint32_t mag = (uint32_t)(h & 0x7fffu) << 13, sign = (uint32_t)(h & 0x8000u) << 16;
  float f;
  memcpy(&f, &mag, sizeof f);
  f = f * 0x1p112f;
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  b |= sign;
  memcpy(&f, &b, sizeof f);
  return f;
}

/* The halving tree over 16 lane sums. */
static inline float wk_f32_tree16(float l[WK_F32_LANES]) {
  for (int w = 8; w >= 1; w /= 2)
    for (int i = 0; i < w; i++) l[i] = l[i] + l[i + w];
  return l[0];
}

#endif
