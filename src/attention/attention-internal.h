/* attention-internal.h — the attention microkernel interface and its numerical specification.
 *
 * The operator (attention.c) splits work into tasks of up to WK_ATTN_BLOCK_ROWS query rows of
 * one head.  A microkernel computes, for each of those rows r, exactly:
 *
 *   S[r][j]  = Σ_c Q[r][c]·K[j][c]                       int32, exact (|S| ≤ d·128² ≤ 2^21)
 *   t[r][j]  = wk_attn_logit(S[r][j], alpha[r], beta[j])  base-2 logit, IEEE float
 *   m[r]     = max_{j < n_keys[r]} t[r][j]
 *   P[r][j]  = wk_attn_exp2_q24(t[r][j] − m[r])          integer in [0, 2^24−1], 0 for j ≥ n_keys[r]
 *   sum[r]   = Σ_j P[r][j]                                int64, exact
 *   acc[r][c]= Σ_j P[r][j]·V[j][c]                        int64, exact
 *
 * Every float step is one IEEE-754 single-precision operation in a fixed order (the build uses
 * -ffp-contract=off so no compiler fuses a multiply-add), and every sum is an exact integer sum,
 * so any evaluation order gives the same bits: SIMD kernels must equal this spec bit for bit.
 * The operator then normalises acc/sum in double (shared code, attention.c).
 *
 * Why 24-bit probabilities: P is quantized relative to the row maximum, so a key with weight
 * 2^-k keeps 24 − k bits.  With 16 bits, rows whose mass is spread over many small weights
 * (1500 keys, tail-heavy or std-8 logits) lost up to 0.2 % of exact outputs and 8e-4 of the
 * output range in float; with 24 bits the accuracy suite is 99.9997 % exact (docs/performance.md
 * measures each variant).
 *
 * Overflow bounds for SIMD kernels: P ≤ 2^24 − 1 and |V| ≤ 128, so |P·V| ≤ 2^31 − 128: one
 * product fits int32, a sum of two may not.  Split P into bytes, P = 2^16·b2 + 2^8·b1 + b0
 * (each ≤ 255), or into two 12-bit halves (P = 4096·hi + lo).  A byte plane's int32 partial
 * Σ b·V is safe over ≤ 65793 keys; a 12-bit half's over ≤ 4096 keys.  Combine the planes in
 * int64 and flush before those limits.  Row sums Σ P need int64 beyond 128 keys.
 */
#ifndef WK_ATTENTION_INTERNAL_H
#define WK_ATTENTION_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "runtime/runtime.h"

#define WK_ATTN_BLOCK_ROWS 16 /* query rows per task and per microkernel call (max) */
#define WK_ATTN_MAX_D 128

/* 2^f ≈ 1 + f·(C1 + f·(C2 + f·(C3 + f·(C4 + f·C5)))) on [0, 1): relative error 1.6e-7 in float
 * (a weighted least-squares fit with p(0) = 1 exactly, so the row maximum gets P = P_max;
 * tools/fit/exp2_fit.py reproduces it).  The fp32 path (src/f32) evaluates it as it is. */
#define WK_EXP2_C1 0.6931512951850891f
#define WK_EXP2_C2 0.24016444385051727f
#define WK_EXP2_C3 0.05579991266131401f
#define WK_EXP2_C4 0.009017029777169228f
#define WK_EXP2_C5 0.0018671303987503052f
/* The attention softmax evaluates (2^24−1)·2^f directly: the same polynomial with every
 * coefficient multiplied by 2^24 − 1 and rounded to float (Qk = (float)((double)Ck·(2^24−1)),
 * exact decimals below), in five fused multiply-adds.  Against the exact rint((2^24−1)·2^x),
 * over every float x in [−27, 0]: at most 3 units off, as the unfused p·(2^24−1) was
 * (tools/fit/exp2_check.c checks every float; exp2_fit.py prints the Qk). */
#define WK_EXP2_Q1 11629148.0f
#define WK_EXP2_Q2 4029290.5f
#define WK_EXP2_Q3 936167.125f
#define WK_EXP2_Q4 151280.640625f
#define WK_EXP2_Q5 31325.248046875f
#define WK_EXP2_MIN_X (-26.0f) /* (2^24−1)·2^-26 < 0.5: below this P rounds to 0 */
#define WK_P_ONE 16777215.0f   /* P of the row maximum: 2^24 − 1, exact in float */
#define WK_P_MAX 16777215u

/* Base-2 logit of an int32 score: (float)s · (alpha·beta). */
static inline float wk_attn_logit(int32_t s, float alpha, float beta) {
  float c = alpha * beta;
  return (float)s * c;
}

/* The 24-bit probability of x = t − max ≤ 0: round-to-nearest-even of (2^24−1)·2^x, as
 *   y = max(x, −26); n = floor(y); f = y − n; q = fma(…fma(Q5, f, Q4)…, f, 2^24−1);
 *   P = rint(q·2^n).
 * (f is rounded: for a tiny negative y it becomes 1.0f, and q(1) ≈ 2·(2^24−1) keeps the result
 * right.)  q(0) = 2^24 − 1 exactly, so the row maximum gets P_MAX; q·2^n (n ≤ −1 unless x = 0)
 * is an exact power-of-two scale that leaves an integer-resolution value for rint.  fmaf is
 * one correctly rounded operation on every machine (vfmadd where the ISA has it), so the
 * SIMD twins — max, roundscale(floor), sub, five vfmadd, scalef, cvtps (RNE) — give these
 * bits.  The final clamp binds for no x ≤ 0 (tools/fit/exp2_check.c checks every float), so
 * the AVX-512 twins leave it out.  Without the clamp: */
static inline long wk_attn_exp2_q24_unclamped(float x) {
  float y = x > WK_EXP2_MIN_X ? x : WK_EXP2_MIN_X;
  float n = floorf(y);
  float f = y - n;
  float q = WK_EXP2_Q5;
  q = fmaf(q, f, WK_EXP2_Q4);
  q = fmaf(q, f, WK_EXP2_Q3);
  q = fmaf(q, f, WK_EXP2_Q2);
  q = fmaf(q, f, WK_EXP2_Q1);
  q = fmaf(q, f, WK_P_ONE);
  float r = ldexpf(q, (int)n); /* exact: a power-of-two scale of a normal number */
  return lrintf(r);             /* default rounding mode: nearest, ties to even */
}

static inline uint32_t wk_attn_exp2_q24(float x) {
  const long v = wk_attn_exp2_q24_unclamped(x);
  return v > (long)WK_P_MAX ? WK_P_MAX : (uint32_t)v;
}

typedef struct wk_attn_rows_args {
  int rows;              /* 1 … WK_ATTN_BLOCK_ROWS */
  int lk;                /* keys packed in k_packed / v_packed */
  int d;                 /* head dim: multiple of 16, 16 … 128 */
  const int8_t *q;       /* [rows][d], row r at q + r·q_row_stride */
  ptrdiff_t q_row_stride;
  const float *alpha;    /* [rows] base-2 logit multiplier per query row */
  const float *beta;     /* [lk]   multiplier per key (1.0f for per-tensor K scale) */
  const int32_t *n_keys; /* [rows] row r sees keys [0, n_keys[r]); 0 ≤ n_keys[r] ≤ lk */
  const void *k_packed;  /* this head's K, from pack_k */
  const void *v_packed;  /* this head's V, from pack_v */
  void *scratch;         /* scratch_size(lk, d) bytes, 64-byte aligned, private to the thread */
  int64_t *acc;          /* out [rows][d] */
  int64_t *sum;          /* out [rows] */
  uint64_t *pass_ticks;  /* NULL, or [WK_ATTN_PASSES]: the kernel adds the time-stamp-counter
                          * ticks of each of its passes (wk_attention_profiled) */
} wk_attn_rows_args;

/* The passes of a microkernel call, as wk_attention_profiled reports them.  A kernel that
 * interleaves them (AVX2: softmax and P·V per key segment) times each piece; one that fuses
 * them into one loop (AVX-512 VNNI at d = 64) reports that loop as SOFTMAX_PV; the scalar
 * spec runs row by row and reports nothing. */
enum {
  WK_ATTN_PASS_QK,
  WK_ATTN_PASS_SOFTMAX,
  WK_ATTN_PASS_PV,
  WK_ATTN_PASS_SOFTMAX_PV,
  WK_ATTN_PASSES
};

/* A time stamp for the pass timing (wk_attn_tick: only when profiled): the TSC where there is
 * one (a few cycles, no system call), else the monotonic clock in ns. */
static inline uint64_t wk_attn_ticks_now(void) {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_ia32_rdtsc();
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static inline uint64_t wk_attn_tick(const wk_attn_rows_args *a) {
  return a->pass_ticks ? wk_attn_ticks_now() : 0;
}

/* Adds t1 − t0 to pass `pass` of a profiled call. */
static inline void wk_attn_tick_add(const wk_attn_rows_args *a, int pass, uint64_t t0,
                                    uint64_t t1) {
  if (a->pass_ticks) a->pass_ticks[pass] += t1 - t0;
}

/* wk_attention_ex that also adds, over every microkernel call and thread, each pass's ticks to
 * ticks[WK_ATTN_PASSES] (the benchmark's per-pass breakdown; the unit is wk_attn_tick's).  The
 * output is the same as wk_attention_ex's. */
wk_status wk_attention_profiled(wk_context *ctx, const wk_attention_params *p, void *workspace,
                                size_t workspace_size, uint64_t ticks[WK_ATTN_PASSES]);

/* The last step of the spec, per row r of a block: with f = (1.0 / (double)sum[r])·ratio (0 when
 * sum[r] = 0), int8 output = rint(clamp((double)acc·f, −128, 127)) (nearest even; the bounds
 * are integers, so clamping first commutes with rounding) and float output =
 * (float)((double)acc·f).  ratio = v_scale / out_scale (int8) or v_scale (float).  acc is exact
 * in double (|acc| < 2^53), and every step is one IEEE double operation, so SIMD twins agree. */
typedef struct wk_attn_store_args {
  int rows, d;
  const int64_t *acc;   /* [rows][d] */
  const int64_t *sum;   /* [rows] */
  double ratio;
  wk_dtype out_type;
  void *out;            /* row r at (int8_t* or float*)out + r·out_row_stride */
  ptrdiff_t out_row_stride;
} wk_attn_store_args;

static inline double wk_attn_row_factor(int64_t sum, double ratio) {
  return sum > 0 ? (1.0 / (double)sum) * ratio : 0.0;
}

/* The scalar store (attention-scalar.c), used by kernels without a SIMD twin. */
void wk_attn_store_scalar(const wk_attn_store_args *a);

typedef struct wk_attention_kernel {
  const char *name;
  wk_isa isa;
  size_t (*k_packed_size)(int lk, int d);
  size_t (*v_packed_size)(int lk, int d);
  size_t (*scratch_size)(int lk, int d);
  /* k, v: [lk][d] int8 with row stride `row_stride` elements → the kernel's own layout. */
  void (*pack_k)(const int8_t *k, ptrdiff_t row_stride, int lk, int d, void *k_packed);
  void (*pack_v)(const int8_t *v, ptrdiff_t row_stride, int lk, int d, void *v_packed);
  void (*rows)(const wk_attn_rows_args *args);
  void (*store)(const wk_attn_store_args *args);
} wk_attention_kernel;

extern const wk_attention_kernel wk_attention_kernel_scalar;
#if defined(__x86_64__)
extern const wk_attention_kernel wk_attention_kernel_avx2;
extern const wk_attention_kernel wk_attention_kernel_avxvnni;
extern const wk_attention_kernel wk_attention_kernel_avx512vnni;
extern const wk_attention_kernel wk_attention_kernel_amx;
#endif

/* The kernel for an ISA: wk_kernels_for(isa)->attention (runtime/dispatch.h). */

#endif
