/* stem.h — Whisper's encoder stem (internal API for now):
 *
 *   h = gelu(conv1(mel))        [n_mels][T] → [d][T]      kernel 3, padding 1, stride 1, bias
 *   y = gelu(conv2(h))          [d][T]      → [d][T/2]    kernel 3, padding 1, stride 2, bias
 *   x = yᵀ + pos[0 .. T/2)      [T/2][d] token-major: the first encoder layer's input
 *
 * (Whisper: T = 3000 frames, n_mels 80, or 128 for large-v3; pos is the sinusoidal [1500][d]
 * table, taken here as an input array.)  GELU is the erf form.
 *
 * INT8 path (wk_stem_run): each convolution is one INT8 GEMM (gemm.h) over an im2col view.
 *   im2col column order, tap-major: column c = j·C_in + i holds input channel i at source
 *   frame s·t − 1 + j (tap j = 0, 1, 2; zero outside [0, T)).  With the input stored token-major
 *   as [T + 2][C_in] with a zero frame before and after, im2col row t is then simply the
 *   contiguous 3·C_in floats starting at padded frame s·t: a strided view (row stride s·C_in),
 *   never materialized in fp32.  The conv weights [out][in][3] are reordered to match,
 *   W[o][j·C_in + i] = w[o][i][j], and quantized per output channel (scale = max |W[o]| / 127,
 *   round to nearest even, clamp ±127).
 *   Activations: each im2col row is quantized as a whole, per token (wk_quantize_rows over the
 *   overlapping view): one scale per GEMM row, which is exactly the GEMM's per-token contract.
 *   (Quantizing each frame once and gathering int8 rows would need three scales per row, which
 *   the GEMM cannot apply; rows overlap, so this quantizes each frame 3 times (conv1) or 1.5
 *   times (conv2) — cheap next to the GEMMs.)
 *   conv1: GEMM m = T, n = d, k = 3·n_mels, epilogue bias → GELU, written token-major into a
 *   padded [T + 2][d] buffer (frames 1 … T).  conv2: GEMM m = T/2, n = d, k = 3·d over that
 *   buffer with row stride 2d, epilogue bias → GELU → + pos as the residual (the GEMM applies
 *   them in exactly Whisper's order: gelu(conv2(h)) + pos), written straight into x.
 *   Bit-identical on every ISA and thread count (every step is).
 *
 * The FP64 reference of the same function lives with the tests (tests/support/stem_ref.h). */
#ifndef WK_STEM_H
#define WK_STEM_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* fp32 weights, PyTorch Conv1d layout [out][in][kernel]. */
typedef struct wk_stem_f32 {
  int n_mels;                     /* input channels, 1 … 21845 (3·n_mels ≤ 65536) */
  int d;                          /* n_state, 1 … 16384 */
  int n_ctx;                      /* rows of pos (1500 in Whisper); frames ≤ 2·n_ctx */
  const float *conv1_w, *conv1_b; /* [d][n_mels][3], [d] */
  const float *conv2_w, *conv2_b; /* [d][d][3], [d] */
  const float *pos;               /* [n_ctx][d] positional embedding */
} wk_stem_f32;

typedef struct wk_stem wk_stem;

/* Quantizes and packs the conv weights for the context's GEMM kernel and copies pos; `w` may
 * be freed afterwards.  Fails on NULL or non-finite weights and out-of-range sizes. */
wk_status wk_stem_create(wk_context *context, const wk_stem_f32 *w, wk_stem **out);
void wk_stem_free(wk_stem *stem); /* accepts NULL */

/* Bytes of workspace wk_stem_run needs for `frames` (0 if invalid: wk_last_error says why). */
size_t wk_stem_workspace_size(const wk_stem *stem, int frames);

/* x = stem(mel), INT8.  mel: [n_mels][frames] channel-major (row c at mel + c·frames), finite;
 * frames even, 2 … 2·n_ctx.  x: [frames/2][d] fp32, token-major (uses pos rows 0 … frames/2 − 1).
 * workspace: wk_stem_workspace_size(stem, frames) bytes, any alignment, owned by the caller (a
 * smaller one fails with WK_STATUS_INVALID_ARGUMENT); NULL: allocated for the call.  The stem is
 * only read, so several threads may run one stem at once, each with its own context and
 * workspace. */
wk_status wk_stem_run(wk_context *context, const wk_stem *stem, const float *mel, int frames,
                      float *x, void *workspace, size_t workspace_size);

/* Checks fp32 weights as wk_stem_create does. */
wk_status wk_stem_f32_check(const wk_stem_f32 *w);

/* Checks run arguments: mel [n_mels][frames] finite, frames even in 2 … 2·n_ctx, x non-NULL. */
wk_status wk_stem_check_run(int n_ctx, int n_mels, const float *mel, int frames, const float *x);

#endif
