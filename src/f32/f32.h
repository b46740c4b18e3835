/* f32.h — the FP32 operators (internal API): Whisper's Linear and multi-head attention in
 * single precision, fast (packed weights, SIMD microkernels, the context's thread pool) and
 * deterministic: the bytes depend on neither the ISA nor the thread count (the numerical
 * specification is in f32-internal.h; the scalar kernel in f32-scalar.c is it).
 *
 *   Linear:     out[m][n] = (Σ_k x[m][k]·W[n][k]) + bias[n]  [→ gelu]  [+ residual[m][n]]
 *   Attention:  out[i][h·dh + c] = Σ_j softmax_j(scale · q_h[i]·k_h[j]) · v_h[j][c]
 *               [scores[h][i][j] = scale · q_h[i]·k_h[j], the logits, on request]
 */
#ifndef WK_F32_H
#define WK_F32_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* ── Linear ──────────────────────────────────────────────────────────────── */

typedef struct wk_f32_weights wk_f32_weights;

/* Packs W: [n][k] (row j at w + j·w_stride, PyTorch Linear layout) and bias: [n] (or NULL)
 * once.  The packed layout is the same for every ISA, so weights packed under one context run
 * under any other.  1 ≤ n ≤ 2^24, 1 ≤ k ≤ 2^20; w and bias must be finite.  Read-only after
 * creation: several threads may run GEMMs with one set of weights at once. */
wk_status wk_f32_weights_create(wk_context *context, const float *w, ptrdiff_t w_stride,
                                const float *bias, int n, int k, wk_f32_weights **out);
void wk_f32_weights_free(wk_f32_weights *w); /* accepts NULL */
int wk_f32_weights_n(const wk_f32_weights *w);
int wk_f32_weights_k(const wk_f32_weights *w);

typedef struct wk_f32_gemm_args {
  int m;                 /* rows, ≥ 1 */
  const float *x;        /* [m][k], row i at x + i·x_stride (rows may overlap: im2col views) */
  ptrdiff_t x_stride;    /* ≥ 0 */
  int gelu;              /* nonzero: erf GELU after the bias (before the residual) */
  const float *residual; /* [m][n], row i at residual + i·residual_stride, or NULL */
  ptrdiff_t residual_stride;
  float *out;            /* [m][n], row i at out + i·out_stride; may equal residual (same
                          * stride); must not overlap x */
  ptrdiff_t out_stride;  /* ≥ n (or any ≥ 0 when m = 1) */
} wk_f32_gemm_args;

/* Runs the Linear.  Inputs are not scanned for NaN/∞ (callers check at their boundaries); a
 * non-finite input gives non-finite outputs, never a crash. */
wk_status wk_f32_gemm(wk_context *context, const wk_f32_weights *w, const wk_f32_gemm_args *args);

/* ── attention (no mask) ─────────────────────────────────────────────────── */

typedef struct wk_f32_attention_args {
  int heads;          /* ≥ 1 */
  int lq, lk;         /* query rows, key/value rows: 1 … 2^20 */
  int head_dim;       /* dh, 16 … 128 */
  /* q: [lq][·], k, v: [lk][·]; head h of row i is the dh floats at p + i·stride + h·dh, as a
   * fused QKV projection writes them (q = qkv, k = qkv + d, v = qkv + 2d, strides 3d). */
  const float *q, *k, *v;
  ptrdiff_t q_stride, k_stride, v_stride; /* ≥ heads·dh */
  float softmax_scale; /* 0: 1/√dh (Whisper: q and k each · dh^-1/4) */
  float *out;          /* [lq][·], head h of row i at out + i·out_stride + h·dh; must not
                        * overlap q, k or v */
  ptrdiff_t out_stride; /* ≥ heads·dh */
  /* Optional, the logits before the softmax (model.py's qkv_attention returns them as qk; word
   * timestamps read the cross-attention's): NULL, or every head's [lq][lk] floats, head h at
   * scores + h·scores_head_stride, row i at + i·lk:
   *   scores[h][i][j] = S_hij · scale   (one IEEE single multiply, rounded to nearest)
   * S_hij: the score GEMM's fmaf chain of q_h[i]·k_h[j] (f32-internal.h: c = 0 … dh−1 in order,
   * from +0.0f; with _packed_f16 on the halves' values), scale: the softmax's (softmax_scale,
   * or 1/√dh rounded to float for 0).  So the same bytes on every ISA and thread count; equal to
   * PyTorch's (q·dh^-1/4)·(k·dh^-1/4) up to rounding, not bit for bit.  Every head is written
   * (one multiply and store per score the GEMM already made with dh fmas — ≤ 1/16 of its work —
   * and one extent to check instead of a pointer per head).  Must not overlap out, q, k, v (or
   * the packed K/V, the panels) or ws.  NULL costs nothing. */
  float *scores;
  ptrdiff_t scores_head_stride; /* floats, ≥ lq·lk (any ≥ 0 when heads = 1) */
} wk_f32_attention_args;

/* Bytes of workspace wk_f32_attention needs on a context with n_threads threads (0 if the
 * sizes are out of range). */
size_t wk_f32_attention_workspace_size(int heads, int lq, int lk, int head_dim, int n_threads);

/* Runs attention; ws: workspace of ≥ wk_f32_attention_workspace_size(…, the context's
 * threads) bytes, 64-byte aligned.  Inputs must be finite (not scanned). */
wk_status wk_f32_attention(wk_context *context, const wk_f32_attention_args *args, void *ws,
                           size_t ws_size);

/* ── attention over K/V packed once (the decoder's cross-attention: one window, many steps) ── */

/* Bytes of K/V packed for (heads, lk, head_dim) (0 if out of range). */
size_t wk_f32_kv_packed_size(int heads, int lk, int head_dim);
/* Packs k, v ([lk][·], head h at + h·dh, as in wk_f32_attention_args) into packed (≥
 * wk_f32_kv_packed_size bytes, 64-byte aligned): what wk_f32_attention packs on every call. */
wk_status wk_f32_kv_pack(wk_context *context, int heads, int lk, int head_dim, const float *k,
                         ptrdiff_t k_stride, const float *v, ptrdiff_t v_stride, float *packed,
                         size_t packed_size);
/* Workspace of wk_f32_attention_packed (the per-thread score rows only). */
size_t wk_f32_attention_packed_workspace_size(int heads, int lk, int head_dim, int n_threads);
/* wk_f32_attention with args->k, args->v replaced by `packed` (from wk_f32_kv_pack with the
 * same heads, lk, head_dim; args->k, v are ignored): the same bytes, without re-packing. */
wk_status wk_f32_attention_packed(wk_context *context, const wk_f32_attention_args *args,
                                  const float *packed, void *ws, size_t ws_size);

/* The same panels in IEEE half precision: half the bytes a step reads (the INT8 decoder's
 * cross K/V).  wk_f32_kv_to_f16 rounds n packed floats to the nearest half (ties to even) and
 * returns 0, or returns 1 without finishing if a value is outside the half range (|x| >
 * 65504: the caller keeps fp32).  wk_f32_attention_packed_f16 is wk_f32_attention_packed on
 * the halves' (exact) float values: bytes identical on every ISA and thread count. */
int wk_f32_kv_to_f16(const float *packed, size_t n, uint16_t *out);

/* K/V already in the attention's panels inside longer buffers (the decoder's self-attention
 * cache, written a key at a time, so no step packs it): head h's keys j at
 *   k[h·k_head + (j / 64)·dh·64 + c·64 + j % 64]          (K panels, as wk_f32_kv_pack lays them)
 *   v[h·v_head + (c / 64)·v_panel + j·64 + c % 64]         (V rows of 64 channels per panel)
 * for j < lk, c < dh; k_head ≥ round_up(lk, 64)·dh, v_panel ≥ lk·64, v_head ≥ ⌈dh/64⌉·v_panel.
 * Other values in the panels (keys ≥ lk) are never used: bytes equal wk_f32_attention's. */
typedef struct wk_f32_kv_panels {
  const float *k, *v;
  size_t k_head, v_head, v_panel; /* floats */
} wk_f32_kv_panels;
wk_status wk_f32_attention_panels(wk_context *context, const wk_f32_attention_args *args,
                                  const wk_f32_kv_panels *kv, void *ws, size_t ws_size);
wk_status wk_f32_attention_packed_f16(wk_context *context, const wk_f32_attention_args *args,
                                      const uint16_t *packed, void *ws, size_t ws_size);

#endif
