/* f32.c — the FP32 operators: argument checks, weight packing, and the split of the output into
 * tasks on the context's thread pool.  Every output element is computed by exactly one task
 * with the kernel's fixed sequence (k is never split), so the bytes depend on neither the
 * blocking nor the thread count. */
#include <math.h>
#include <string.h>

#include "f32/f32-internal.h"
#include "f32/f32.h"

#define MAX_N (1 << 24)
#define MAX_K (1 << 20)
#define MAX_LEN (1 << 20)
#define MAX_HEADS 4096

/* ── packing ─────────────────────────────────────────────────────────────── */

void wk_f32_pack(const float *w, ptrdiff_t stride_n, ptrdiff_t stride_k, int n, int k,
                 float *packed) {
  for (int p = 0; p * WK_F32_NR < n; p++) {
    float *dst = packed + (size_t)p * k * WK_F32_NR; /* [k][64] */
    const int j0 = p * WK_F32_NR, cols = n - j0 < WK_F32_NR ? n - j0 : WK_F32_NR;
    if (stride_n == 1) { /* rows of the panel are contiguous in w (V in P·V) */
      for (int kk = 0; kk < k; kk++)
        memcpy(dst + (size_t)kk * WK_F32_NR, w + j0 + kk * stride_k, (size_t)cols * sizeof(float));
    } else { /* a transpose: read each source row along k, write a panel column (16 KiB of
              * panel per 64 k stays in L1 while the columns fill it) */
      for (int c = 0; c < cols; c++) {
        const float *src = w + (j0 + c) * stride_n;
        for (int kk = 0; kk < k; kk++) dst[(size_t)kk * WK_F32_NR + c] = src[kk * stride_k];
      }
    }
    for (int kk = 0; kk < k; kk++)
      for (int c = cols; c < WK_F32_NR; c++) dst[(size_t)kk * WK_F32_NR + c] = 0.0f;
  }
}

struct wk_f32_weights {
  int n, k;
  float *packed; /* ceil(n/64) panels of [k][64] */
  float *bias;   /* [round_up(n, 64)] zero-padded, or NULL */
};

typedef struct pack_job {
  const float *w;
  ptrdiff_t w_stride;
  int n, k;
  float *packed;
} pack_job;

#define PACK_PANELS_PER_TASK 4

static void pack_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const pack_job *j = ctx;
  const int j0 = (int)task * PACK_PANELS_PER_TASK * WK_F32_NR;
  const int cols = j->n - j0 < PACK_PANELS_PER_TASK * WK_F32_NR ? j->n - j0
                                                                : PACK_PANELS_PER_TASK * WK_F32_NR;
  wk_f32_pack(j->w + j0 * j->w_stride, j->w_stride, 1, cols, j->k,
              j->packed + (size_t)j0 * j->k);
}

wk_status wk_f32_weights_create(wk_context *ctx, const float *w, ptrdiff_t w_stride,
                                const float *bias, int n, int k, wk_f32_weights **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 weights: NULL output pointer");
  *out = NULL;
  if (!ctx || !w)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 weights: NULL %s", !ctx ? "context" : "w");
  if (n < 1 || k < 1 || n > MAX_N || k > MAX_K)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "f32 weights: n=%d k=%d (expected 1 <= n <= %d, 1 <= k <= %d)", n, k, MAX_N,
                    MAX_K);
  if (w_stride < k && n > 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 weights: w_stride=%td < k=%d", w_stride, k);
  for (int j = 0; j < n; j++) {
    if (!wk_all_finite(w + j * w_stride, (size_t)k))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 weights: row %d holds NaN or infinity", j);
    if (bias && !isfinite(bias[j]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 weights: bias[%d] = %g is not finite", j,
                      (double)bias[j]);
  }
  wk_f32_weights *wt = wk_alloc(sizeof *wt);
  if (!wt) return wk_error(WK_STATUS_OUT_OF_MEMORY, "f32 weights: out of memory");
  const size_t n_pad = wk_round_up((size_t)n, WK_F32_NR);
  wt->n = n;
  wt->k = k;
  wt->packed = wk_alloc_array(wk_f32_packed_floats(n, k), sizeof(float));
  wt->bias = bias ? wk_alloc_array(n_pad, sizeof(float)) : NULL;
  if (!wt->packed || (bias && !wt->bias)) {
    wk_f32_weights_free(wt);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "f32 weights: out of memory (n=%d k=%d)", n, k);
  }
  if (bias) {
    memset(wt->bias, 0, n_pad * sizeof(float));
    memcpy(wt->bias, bias, (size_t)n * sizeof(float));
  }
  pack_job job = {w, w_stride, n, k, wt->packed};
  const size_t per_task = PACK_PANELS_PER_TASK * WK_F32_NR;
  wk_threadpool_run(ctx->pool, ((size_t)n + per_task - 1) / per_task, pack_task, &job);
  *out = wt;
  return WK_STATUS_OK;
}

void wk_f32_weights_free(wk_f32_weights *w) {
  if (!w) return;
  wk_free(w->packed);
  wk_free(w->bias);
  wk_free(w);
}

int wk_f32_weights_n(const wk_f32_weights *w) { return w ? w->n : 0; }
int wk_f32_weights_k(const wk_f32_weights *w) { return w ? w->k : 0; }

/* ── GEMM ────────────────────────────────────────────────────────────────── */

/* Byte range [*lo, *hi) of `rows` rows of `width` floats, `stride` floats apart (stride ≥ 0);
 * 0 if the arithmetic overflows. */
static int extent(const void *base, ptrdiff_t stride, int rows, ptrdiff_t width, uintptr_t *lo,
                  uintptr_t *hi) {
  ptrdiff_t last;
  if (__builtin_mul_overflow((ptrdiff_t)(rows - 1), stride, &last) ||
      __builtin_add_overflow(last, width, &last) ||
      __builtin_mul_overflow(last, (ptrdiff_t)sizeof(float), &last))
    return 0;
  *lo = (uintptr_t)base;
  return !__builtin_add_overflow(*lo, (uintptr_t)last, hi);
}

static int overlaps(uintptr_t alo, uintptr_t ahi, uintptr_t blo, uintptr_t bhi) {
  return alo < bhi && blo < ahi;
}

/* Blocks: 48 rows (8 AVX-512 tiles) × 256 columns (4 panels): the block's W (k × 1 KiB) stays
 * in L2 while its rows stream through, and m = 1500, n ≥ 384 gives ≥ 64 tasks to balance. */
#define MB 48
#define NB 256

typedef struct gemm_job {
  const wk_f32_kernel *kern;
  const wk_f32_weights *w;
  const wk_f32_gemm_args *a;
  size_t n_col_blocks;
} gemm_job;

/* Rows [i0, i1) (at most MB) × column block cb. */
static void gemm_block(const gemm_job *j, int i0, int i1, int cb) {
  const wk_f32_gemm_args *a = j->a;
  const int j0 = cb * NB;
  const wk_f32_gemm_block_args b = {
      .m = i1 - i0,
      .n = j->w->n - j0 < NB ? j->w->n - j0 : NB,
      .k = j->w->k,
      .x = a->x + i0 * a->x_stride,
      .x_stride = a->x_stride,
      .w = j->w->packed + (size_t)j0 * j->w->k,
      .bias = j->w->bias ? j->w->bias + j0 : NULL,
      .gelu = a->gelu != 0,
      .residual = a->residual ? a->residual + i0 * a->residual_stride + j0 : NULL,
      .residual_stride = a->residual_stride,
      .out = a->out + i0 * a->out_stride + j0,
      .out_stride = a->out_stride,
  };
  j->kern->gemm_block(&b);
}

/* Rows [i0, i1) of column block cb (the pool keeps each thread on its own rows, or with few
 * rows — a decoder step — on its own columns, the same weights step after step). */
static void gemm_grid_task(void *ctx, int cb, int i0, int i1, int thread) {
  (void)thread;
  gemm_block(ctx, i0, i1, cb);
}

wk_status wk_f32_gemm(wk_context *ctx, const wk_f32_weights *w, const wk_f32_gemm_args *a) {
  if (!ctx || !w || !a || !a->x || !a->out)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: NULL %s",
                    !ctx ? "context" : !w ? "weights" : !a ? "args" : !a->x ? "x" : "out");
  const int n = w->n, k = w->k;
  if (a->m < 1) return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: m=%d < 1", a->m);
  if (a->x_stride < 0 || a->out_stride < 0 || (a->residual && a->residual_stride < 0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: negative stride");
  if (a->m > 1 && (a->out_stride < n || (a->residual && a->residual_stride < n)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: out/residual stride < n=%d", n);
  uintptr_t xl, xh, ol, oh, rl, rh;
  if (!extent(a->x, a->x_stride, a->m, k, &xl, &xh) ||
      !extent(a->out, a->out_stride, a->m, n, &ol, &oh) ||
      (a->residual && !extent(a->residual, a->residual_stride, a->m, n, &rl, &rh)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: a stride overflows");
  if (overlaps(xl, xh, ol, oh))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 gemm: out overlaps x");
  if (a->residual && overlaps(rl, rh, ol, oh) &&
      (a->residual != a->out || a->residual_stride != a->out_stride))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "f32 gemm: out overlaps residual (only out == residual with the same stride "
                    "is allowed)");
  gemm_job j = {ctx->k->f32, w, a, ((size_t)n + NB - 1) / NB};
  wk_threadpool_run_rows(ctx->pool, (int)j.n_col_blocks, a->m, MB, gemm_grid_task, &j);
  return WK_STATUS_OK;
}

/* ── attention ───────────────────────────────────────────────────────────── */

/* Query rows per task: S = 24 × lk floats (141 KiB at lk = 1500) stays in L2 between the
 * score GEMM, the softmax and the P·V GEMM; 4 AVX-512 row tiles reuse each K/V panel. */
#define BQ 24

typedef struct attn_layout {
  size_t kp_floats; /* per head: K packed as W[j][c] (n = lk, k = dh) */
  size_t vp_floats; /* per head: V packed as W[c][j] (n = dh, k = lk) */
  size_t s_floats;  /* per thread: S [BQ][lk_pad] + inv [BQ] (64-byte multiple) */
  size_t lk_pad;
  size_t total;     /* bytes */
} attn_layout;

static int attn_layout_of(int heads, int lq, int lk, int dh, int n_threads, attn_layout *L) {
  if (heads < 1 || heads > MAX_HEADS || lq < 1 || lq > MAX_LEN || lk < 1 || lk > MAX_LEN ||
      dh < 16 || dh > 128 || n_threads < 1 || n_threads > 1024)
    return 0;
  L->kp_floats = wk_f32_packed_floats(lk, dh);
  L->vp_floats = wk_f32_packed_floats(dh, lk);
  L->lk_pad = wk_round_up((size_t)lk, 16);
  L->s_floats = wk_round_up(BQ * L->lk_pad + BQ, 16);
  /* ≤ 4096 · 2^20 · 128 · 2 floats: far below SIZE_MAX on 64-bit */
  L->total = sizeof(float) * ((size_t)heads * (L->kp_floats + L->vp_floats) +
                              (size_t)n_threads * L->s_floats);
  return 1;
}

size_t wk_f32_attention_workspace_size(int heads, int lq, int lk, int head_dim, int n_threads) {
  attn_layout L;
  return attn_layout_of(heads, lq, lk, head_dim, n_threads, &L) ? L.total : 0;
}

typedef struct attn_job {
  const wk_f32_kernel *kern;
  const wk_f32_attention_args *a;
  attn_layout L;
  float scale;   /* softmax_scale (resolved: 1/√dh for 0) */
  float c;       /* softmax_scale · log2(e) */
  float *kp, *vp; /* [heads][kp_floats], [heads][vp_floats] */
  size_t k_head, v_head; /* floats from one head's K (V) panels to the next */
  size_t v_panel;        /* floats between V panels: 0 = packed (lk·64) */
  const uint16_t *kp16, *vp16; /* or the same in IEEE halves (packed f16 K/V) */
  float *s;       /* [threads][s_floats] */
} attn_job;

static void attn_pack_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const attn_job *j = ctx;
  const wk_f32_attention_args *a = j->a;
  const int h = (int)(task / 2), dh = a->head_dim;
  if (task % 2 == 0) /* K_h as W[n = j][k = c]: element (j, c) at k + j·k_stride + h·dh + c */
    wk_f32_pack(a->k + h * dh, a->k_stride, 1, a->lk, dh, j->kp + (size_t)h * j->L.kp_floats);
  else /* V_h as W[n = c][k = j]: element (c, j) at v + j·v_stride + h·dh + c */
    wk_f32_pack(a->v + h * dh, 1, a->v_stride, dh, a->lk, j->vp + (size_t)h * j->L.vp_floats);
}

/* Head h, query rows [i0, i1) (at most BQ): S = q·Kᵀ (GEMM), softmax rows in place,
 * O = P·V (GEMM), O ·= 1/sum. */
static void attn_task(void *ctx, int h, int i0, int i1, int thread) {
  const attn_job *j = ctx;
  const wk_f32_attention_args *a = j->a;
  const int rows = i1 - i0, dh = a->head_dim;
  float *s = j->s + (size_t)thread * j->L.s_floats; /* [rows][lk_pad] */
  float *inv = s + BQ * j->L.lk_pad;                /* [rows] */
  const ptrdiff_t s_stride = (ptrdiff_t)j->L.lk_pad;
  const wk_f32_gemm_block_args sb = {
      .m = rows, .n = a->lk, .k = dh,
      .x = a->q + i0 * a->q_stride + h * dh, .x_stride = a->q_stride,
      .w = j->kp16 ? NULL : j->kp + (size_t)h * j->k_head,
      .w16 = j->kp16 ? j->kp16 + (size_t)h * j->k_head : NULL,
      .out = s, .out_stride = s_stride,
  };
  j->kern->gemm_block(&sb);
  if (a->scores) { /* the logits, before the softmax overwrites S: scale · S, one multiply each */
    float *dst = a->scores + h * a->scores_head_stride + (ptrdiff_t)i0 * a->lk; /* [rows][lk] */
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < a->lk; c++)
        dst[(ptrdiff_t)r * a->lk + c] = s[r * s_stride + c] * j->scale;
  }
  for (int r = 0; r < rows; r++)
    inv[r] = 1.0f / j->kern->softmax_row(s + r * s_stride, a->lk, j->c);
  float *o = a->out + i0 * a->out_stride + h * dh; /* [rows][dh], stride out_stride */
  const wk_f32_gemm_block_args ob = {
      .m = rows, .n = dh, .k = a->lk,
      .x = s, .x_stride = s_stride,
      .w = j->vp16 ? NULL : j->vp + (size_t)h * j->v_head,
      .w16 = j->vp16 ? j->vp16 + (size_t)h * j->v_head : NULL,
      .w_panel = j->v_panel,
      .out = o, .out_stride = a->out_stride,
  };
  j->kern->gemm_block(&ob);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < dh; c++) o[r * a->out_stride + c] = o[r * a->out_stride + c] * inv[r];
}

/* The scores output of wk_f32_attention_args: its stride, and no overlap with what the
 * attention reads or writes — out [ol, oh), the inputs [l, hi) (q, k, v; q only when packed),
 * the packed K/V (or panels) and the workspace (need bytes): tasks of other heads read those
 * while this one writes. */
static wk_status check_scores(const wk_f32_attention_args *a, const attn_layout *L,
                              const void *packed, int f16, const wk_f32_kv_panels *panels,
                              const void *ws, size_t need, uintptr_t ol, uintptr_t oh,
                              const uintptr_t *l, const uintptr_t *hi, int n_in) {
  const ptrdiff_t plane = (ptrdiff_t)a->lq * a->lk; /* ≤ 2^40 */
  if (a->scores_head_stride < 0 || (a->heads > 1 && a->scores_head_stride < plane))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "f32 attention: scores_head_stride = %td (need >= lq*lk = %td)",
                    a->scores_head_stride, plane);
  uintptr_t sl, sh;
  if (!extent(a->scores, a->scores_head_stride, a->heads, plane, &sl, &sh))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: scores stride overflows");
  if (overlaps(sl, sh, ol, oh))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: scores overlap out");
  static const char *const names[3] = {"q", "k", "v"};
  for (int i = 0; i < n_in; i++)
    if (overlaps(sl, sh, l[i], hi[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: scores overlap %s", names[i]);
  /* the K/V regions read: packed [heads][K ‖ V] panels (halves: 2 bytes each), or the panels
   * inside longer buffers (each head's K, its V panels up to key lk) */
  const void *base[2] = {packed, NULL};
  size_t bytes[2] = {0, 0};
  int ok = 1;
  if (panels) {
    const size_t last_v = (size_t)(a->head_dim - 1) / WK_F32_NR * panels->v_panel +
                          (size_t)a->lk * WK_F32_NR;
    size_t n;
    base[0] = panels->k, base[1] = panels->v;
    ok = !__builtin_mul_overflow((size_t)(a->heads - 1), panels->k_head, &n) &&
         !__builtin_add_overflow(n, L->kp_floats, &n) &&
         !__builtin_mul_overflow(n, sizeof(float), &bytes[0]) &&
         !__builtin_mul_overflow((size_t)(a->heads - 1), panels->v_head, &n) &&
         !__builtin_add_overflow(n, last_v, &n) &&
         !__builtin_mul_overflow(n, sizeof(float), &bytes[1]);
  } else if (packed) {
    bytes[0] = (f16 ? sizeof(uint16_t) : sizeof(float)) * (size_t)a->heads *
               (L->kp_floats + L->vp_floats);
  }
  for (int i = 0; ok && i < 2; i++)
    ok = !base[i] || (uintptr_t)base[i] + bytes[i] >= (uintptr_t)base[i];
  if (!ok) return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: K/V extent overflows");
  for (int i = 0; i < 2; i++)
    if (base[i] && overlaps(sl, sh, (uintptr_t)base[i], (uintptr_t)base[i] + bytes[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: scores overlap the %s",
                      panels ? (i ? "V panels" : "K panels") : "packed K/V");
  if ((uintptr_t)ws + need < (uintptr_t)ws ||
      overlaps(sl, sh, (uintptr_t)ws, (uintptr_t)ws + need))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: scores overlap the workspace");
  return WK_STATUS_OK;
}

/* wk_f32_attention, or with packed K/V (fp32, or halves with f16; then a->k, a->v are unused
 * and ws holds only the per-thread score rows). */
static wk_status attention_run(wk_context *ctx, const wk_f32_attention_args *a,
                               const void *packed, int f16, const wk_f32_kv_panels *panels,
                               void *ws, size_t ws_size) {
  if (!ctx || !a || !a->q || (!packed && (!a->k || !a->v)) || !a->out || !ws)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: NULL argument");
  const int threads = wk_threadpool_size(ctx->pool);
  attn_job j = {.kern = ctx->k->f32, .a = a};
  if (!attn_layout_of(a->heads, a->lq, a->lk, a->head_dim, threads, &j.L))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "f32 attention: heads=%d lq=%d lk=%d head_dim=%d (expected 1 <= heads <= %d, "
                    "1 <= lq, lk <= %d, 16 <= head_dim <= 128)",
                    a->heads, a->lq, a->lk, a->head_dim, MAX_HEADS, MAX_LEN);
  const size_t kv_bytes = sizeof(float) * (size_t)a->heads * (j.L.kp_floats + j.L.vp_floats);
  const size_t need = packed ? j.L.total - kv_bytes : j.L.total;
  if (ws_size < need || (uintptr_t)ws % 64)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "f32 attention: workspace of %zu bytes at %p (need %zu, 64-byte aligned)",
                    ws_size, ws, need);
  const int width = a->heads * a->head_dim;
  if (a->q_stride < width || a->out_stride < width ||
      (!packed && (a->k_stride < width || a->v_stride < width)))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: a stride is < heads*head_dim=%d",
                    width);
  uintptr_t ol, oh, l[3], hi[3];
  if (!extent(a->out, a->out_stride, a->lq, width, &ol, &oh))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: out stride overflows");
  const struct { const float *p; ptrdiff_t s; int rows; const char *name; } in[3] = {
      {a->q, a->q_stride, a->lq, "q"},
      {a->k, a->k_stride, a->lk, "k"},
      {a->v, a->v_stride, a->lk, "v"}};
  const int n_in = packed ? 1 : 3;
  for (int i = 0; i < n_in; i++) {
    if (!extent(in[i].p, in[i].s, in[i].rows, width, &l[i], &hi[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: %s stride overflows", in[i].name);
    if (overlaps(l[i], hi[i], ol, oh))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: out overlaps %s", in[i].name);
  }
  if (a->scores) {
    wk_status s = check_scores(a, &j.L, packed, f16, panels, ws, need, ol, oh, l, hi, n_in);
    if (s) return s;
  }
  float scale = a->softmax_scale;
  if (scale == 0.0f) scale = (float)(1.0 / sqrt((double)a->head_dim));
  if (!isfinite(scale) || scale < 0.0f)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: softmax_scale = %g",
                    (double)a->softmax_scale);
  j.scale = scale;
  j.c = (float)((double)scale * 1.4426950408889634); /* · log2(e): softmax in base 2 */
  if (f16) {
    j.kp16 = packed;
    j.vp16 = j.kp16 + (size_t)a->heads * j.L.kp_floats;
  } else {
    j.kp = packed ? (float *)(uintptr_t)packed : (float *)ws; /* written by the pack stage only */
    j.vp = j.kp + (size_t)a->heads * j.L.kp_floats;
  }
  j.s = packed ? (float *)ws : j.vp + (size_t)a->heads * j.L.vp_floats;
  j.k_head = j.L.kp_floats, j.v_head = j.L.vp_floats;
  if (panels) {
    j.kp = (float *)(uintptr_t)panels->k, j.vp = (float *)(uintptr_t)panels->v;
    j.k_head = panels->k_head, j.v_head = panels->v_head, j.v_panel = panels->v_panel;
  }
  if (!packed) wk_threadpool_run(ctx->pool, 2 * (size_t)a->heads, attn_pack_task, &j);
  wk_threadpool_run_rows(ctx->pool, a->heads, a->lq, BQ, attn_task, &j);
  return WK_STATUS_OK;
}

wk_status wk_f32_attention(wk_context *ctx, const wk_f32_attention_args *a, void *ws,
                           size_t ws_size) {
  return attention_run(ctx, a, NULL, 0, NULL, ws, ws_size);
}

/* ── attention over keys packed once ─────────────────────────────────────── */

size_t wk_f32_kv_packed_size(int heads, int lk, int head_dim) {
  attn_layout L;
  if (!attn_layout_of(heads, 1, lk, head_dim, 1, &L)) return 0;
  return sizeof(float) * (size_t)heads * (L.kp_floats + L.vp_floats);
}

size_t wk_f32_attention_packed_workspace_size(int heads, int lk, int head_dim, int n_threads) {
  attn_layout L;
  if (!attn_layout_of(heads, 1, lk, head_dim, n_threads, &L)) return 0;
  return sizeof(float) * (size_t)n_threads * L.s_floats;
}

wk_status wk_f32_kv_pack(wk_context *ctx, int heads, int lk, int head_dim, const float *k,
                         ptrdiff_t k_stride, const float *v, ptrdiff_t v_stride, float *packed,
                         size_t packed_size) {
  attn_layout L;
  if (!ctx || !k || !v || !packed)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 kv pack: NULL argument");
  if (!attn_layout_of(heads, 1, lk, head_dim, 1, &L) || k_stride < heads * head_dim ||
      v_stride < heads * head_dim)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 kv pack: heads=%d lk=%d head_dim=%d or a "
                    "stride out of range", heads, lk, head_dim);
  if (packed_size < wk_f32_kv_packed_size(heads, lk, head_dim) || (uintptr_t)packed % 64)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 kv pack: %zu bytes at %p (need %zu, "
                    "64-byte aligned)", packed_size, (void *)packed,
                    wk_f32_kv_packed_size(heads, lk, head_dim));
  const wk_f32_attention_args a = {.heads = heads, .lq = 1, .lk = lk, .head_dim = head_dim,
                                   .k = k, .v = v, .k_stride = k_stride, .v_stride = v_stride};
  attn_job j = {.kern = ctx->k->f32, .a = &a, .L = L};
  j.kp = packed;
  j.vp = j.kp + (size_t)heads * L.kp_floats;
  wk_threadpool_run(ctx->pool, 2 * (size_t)heads, attn_pack_task, &j);
  return WK_STATUS_OK;
}

wk_status wk_f32_attention_packed(wk_context *ctx, const wk_f32_attention_args *a,
                                  const float *packed, void *ws, size_t ws_size) {
  if (!packed) return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: NULL packed K/V");
  return attention_run(ctx, a, packed, 0, NULL, ws, ws_size);
}

/* One float to the nearest half (ties to even), |x| ≤ 65504 (checked by the caller). */
static uint16_t f32_to_f16(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof b);
  const uint16_t sign = (uint16_t)((b >> 16) & 0x8000u);
  const uint32_t a = b & 0x7fffffffu;
  if (a < 0x38800000u) { /* below 2^-14: a half subnormal (or zero), units of 2^-24 */
    float m;
    memcpy(&m, &a, sizeof m);
    return (uint16_t)(sign | (uint16_t)lrintf(m * 0x1p24f)); /* exact product; 1024 = 2^-14 */
  }
  /* normal: exponent rebiased 127 → 15, mantissa 23 → 10 bits rounded to nearest even (a
   * carry into the exponent is the right result) */
  const uint32_t r = a - (112u << 23);
  return (uint16_t)(sign | ((r + 0x0fffu + ((r >> 13) & 1u)) >> 13));
}

int wk_f32_kv_to_f16(const float *packed, size_t n, uint16_t *out) {
  for (size_t i = 0; i < n; i++) {
    if (!(fabsf(packed[i]) <= 65504.0f)) return 1; /* also NaN */
    out[i] = f32_to_f16(packed[i]);
  }
  return 0;
}

wk_status wk_f32_attention_packed_f16(wk_context *ctx, const wk_f32_attention_args *a,
                                      const uint16_t *packed, void *ws, size_t ws_size) {
  if (!packed) return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: NULL packed K/V");
  return attention_run(ctx, a, packed, 1, NULL, ws, ws_size);
}

wk_status wk_f32_attention_panels(wk_context *ctx, const wk_f32_attention_args *a,
                                  const wk_f32_kv_panels *kv, void *ws, size_t ws_size) {
  if (!kv || !kv->k || !kv->v)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: NULL K/V panels");
  if (!a || kv->k_head < wk_f32_packed_floats(a->lk, a->head_dim) ||
      kv->v_panel < (size_t)a->lk * WK_F32_NR ||
      kv->v_head < (size_t)((a->head_dim + WK_F32_NR - 1) / WK_F32_NR) * kv->v_panel)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "f32 attention: K/V panel strides too small");
  return attention_run(ctx, a, kv->k, 0, kv, ws, ws_size);
}
