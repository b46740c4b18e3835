/* attention.c — the INT8 attention operator: validates arguments, turns scales into base-2
 * logit multipliers, packs K and V once per head into a workspace (the caller's, or allocated
 * for the call), runs (head × block of up to 16 query rows) tasks on the context's thread pool
 * (each thread on its own query rows, of every head), and hands each row block to the kernel's
 * store (acc / sum · v_scale[h] / out_scale, in double). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "attention/attention-internal.h"
#include "common/checks.h"

/* ── argument checks ─────────────────────────────────────────────────────── */

/* The float the logit multipliers start from: softmax_scale·log2(e), alpha_i = base·q_s[i]. */
static float logit_base(const wk_attention_params *p) {
  double sm =
      p->softmax_scale != 0.0f ? (double)p->softmax_scale : 1.0 / sqrt((double)p->head_dim);
  return (float)(sm * 1.4426950408889634);
}

/* Distinct (h, i, c) map to distinct output elements: sort the (extent, stride) pairs of the
 * three dimensions by stride; each stride must clear the span of the ones below it. */
static int out_injective(const wk_attention_params *p) {
  ptrdiff_t st[3] = {1, p->out_row_stride, p->out_head_stride};
  ptrdiff_t n[3] = {p->head_dim, p->lq, p->heads};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (n[j] > 1 && (n[i] == 1 || st[j] < st[i])) {
        ptrdiff_t ts = st[i], tn = n[i];
        st[i] = st[j], n[i] = n[j], st[j] = ts, n[j] = tn;
      }
  ptrdiff_t span = 1; /* elements covered by the dimensions so far */
  for (int i = 0; i < 3; i++) {
    if (n[i] == 1) continue;
    if (st[i] < span) return 0;
    if (__builtin_mul_overflow(st[i], n[i], &span)) return 0;
  }
  return 1;
}

/* One of Q, K, V: its byte range [*lo, *hi), its scales' [*slo, *shi) (empty without per-token
 * scales) and the range of its scales (*range). */
static wk_status check_view(const char *name, const wk_q8_view *v, int heads, int len, int d,
                            int allow_token_scale, uintptr_t *lo, uintptr_t *hi,
                            uintptr_t *slo, uintptr_t *shi, wk_scale_range *range) {
  if (!v->data) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s data is NULL", name);
  if (v->row_stride < 0 || v->head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s strides must be >= 0", name);
  if (!wk_view_extent(v->data, v->row_stride, v->head_stride, heads, len, d, 1, lo, hi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s strides overflow", name);
  *slo = *shi = 0;
  if (v->head_scale) {
    if (v->token_scale)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "attention: %s has both token_scale and head_scale", name);
    *slo = (uintptr_t)v->head_scale;
    *shi = *slo + (size_t)heads * sizeof(float); /* heads ≤ 65536: no overflow */
    *range = (wk_scale_range){INFINITY, 0.0f};
    for (int h = 0; h < heads; h++) {
      if (!wk_scale_ok(v->head_scale[h]))
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "attention: %s scale of head %d is %g (must be finite and > 0)", name, h,
                        (double)v->head_scale[h]);
      wk_scale_range_add(range, v->head_scale[h]);
    }
    return WK_STATUS_OK;
  }
  if (!v->token_scale) {
    if (!wk_scale_ok(v->scale))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "attention: %s scale %g must be finite and > 0", name, (double)v->scale);
    range->min = range->max = v->scale;
    return WK_STATUS_OK;
  }
  if (!allow_token_scale)
    return wk_error(WK_STATUS_UNSUPPORTED,
                    "attention: %s takes a per-tensor or per-head scale, not per token", name);
  if (v->token_scale_head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s scale head stride < 0", name);
  if (!wk_view_extent(v->token_scale, 1, v->token_scale_head_stride, heads, len, 0,
                      sizeof(float), slo, shi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s scale strides overflow", name);
  *shi += sizeof(float);
  *range = (wk_scale_range){INFINITY, 0.0f};
  for (int h = 0; h < heads; h++)
    for (int i = 0; i < len; i++) {
      float s = v->token_scale[h * v->token_scale_head_stride + i];
      if (!wk_scale_ok(s))
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "attention: %s scale of head %d token %d is %g (must be finite and > 0)",
                        name, h, i, (double)s);
      wk_scale_range_add(range, s);
    }
  return WK_STATUS_OK;
}

/* The products of scales the operator forms stay in float's range (whisk.h, "Accepted scale
 * range"): alpha = base·q_s is finite and normal (it is the one rounded factor that k_s then
 * multiplies: a subnormal alpha would carry an absolute error k_s can magnify); the logit
 * multiplier c = alpha·k_s keeps every logit t = S·c, |S| ≤ 128²·d, and every t − max within
 * ±FLT_MAX; float output O ≤ 128·v_s stays finite.  (A subnormal c is harmless: every logit is
 * then below 2^-105 and the softmax exactly uniform, as it should be.  The int8 output's
 * v_s/out_scale is formed in double and cannot overflow; out-of-range outputs saturate.) */
static wk_status check_scale_products(const wk_attention_params *p, wk_scale_range q,
                                      wk_scale_range k, wk_scale_range v) {
  const float base = logit_base(p);
  wk_scale_range alpha, c, vo;
  int r = wk_scale_product((wk_scale_range){base, base}, q, 1.0, FLT_MAX, FLT_MIN, &alpha);
  if (r != WK_SCALE_IN_RANGE)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: softmax_scale·log2(e)·q_scale %s float's normal range (%g × %g "
                    "= %g; it must lie in [%g, %g])",
                    r == WK_SCALE_OVERFLOW ? "overflows" : "underflows", (double)base,
                    r == WK_SCALE_OVERFLOW ? (double)q.max : (double)q.min,
                    r == WK_SCALE_OVERFLOW ? (double)alpha.max : (double)alpha.min,
                    (double)FLT_MIN, (double)FLT_MAX);
  const double logit_gain = 2.0 * 128.0 * 128.0 * p->head_dim; /* 2·max |S| */
  if (wk_scale_product(alpha, k, logit_gain, FLT_MAX, 0.0, &c) != WK_SCALE_IN_RANGE)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: q_scale·k_scale·softmax_scale·log2(e) reaches %g: logits up to "
                    "128²·head_dim times that overflow float (it must be <= %g for head_dim %d)",
                    (double)c.max, FLT_MAX / logit_gain, p->head_dim);
  if (p->out_type == WK_DTYPE_F32 &&
      wk_scale_product(v, (wk_scale_range){1.0f, 1.0f}, 128.0, FLT_MAX, 0.0, &vo) !=
          WK_SCALE_IN_RANGE)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: v_scale %g: float outputs up to 128·v_scale overflow (it must be "
                    "<= %g)",
                    (double)v.max, FLT_MAX / 128.0);
  return WK_STATUS_OK;
}

static wk_status check_params(const wk_attention_params *p) {
  if (p->heads < 1 || p->lq < 1 || p->lk < 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: heads=%d lq=%d lk=%d (each must be >= 1)", p->heads, p->lq, p->lk);
  if (p->lk > WK_ATTENTION_MAX_LK || p->lq > (1 << 24) || p->heads > 65536)
    return wk_error(WK_STATUS_UNSUPPORTED, "attention: heads=%d lq=%d lk=%d exceed the limits",
                    p->heads, p->lq, p->lk);
  if (p->head_dim < 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: head_dim=%d", p->head_dim);
  if (p->head_dim % 16 != 0 || p->head_dim > WK_ATTN_MAX_D)
    return wk_error(WK_STATUS_UNSUPPORTED,
                    "attention: head_dim=%d (supported: multiples of 16 up to 128)", p->head_dim);
  if (p->kv_len < 0 || p->kv_len > p->lk)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: kv_len=%d outside [0, lk=%d]",
                    p->kv_len, p->lk);
  if (p->softmax_scale != 0.0f && !wk_scale_ok(p->softmax_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: softmax_scale %g must be 0 (default) or finite and > 0",
                    (double)p->softmax_scale);
  if (p->out_type != WK_DTYPE_INT8 && p->out_type != WK_DTYPE_F32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: unknown out_type %d", (int)p->out_type);
  if (p->out_type == WK_DTYPE_INT8 && !wk_scale_ok(p->out_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: out_scale %g must be finite and > 0",
                    (double)p->out_scale);
  if (!p->out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: out is NULL");
  if (p->out_row_stride < 0 || p->out_head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output strides must be >= 0");
  if (!out_injective(p))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: output strides make different outputs share memory");

  uintptr_t lo[7], hi[7];
  wk_scale_range qr, kr, vr;
  wk_status s;
  if ((s = check_view("q", &p->q, p->heads, p->lq, p->head_dim, 1, &lo[0], &hi[0], &lo[1],
                      &hi[1], &qr)) ||
      (s = check_view("k", &p->k, p->heads, p->lk, p->head_dim, 1, &lo[2], &hi[2], &lo[3],
                      &hi[3], &kr)) ||
      (s = check_view("v", &p->v, p->heads, p->lk, p->head_dim, 0, &lo[4], &hi[4], &lo[5],
                      &hi[5], &vr)) ||
      (s = check_scale_products(p, qr, kr, vr)))
    return s;
  size_t es = p->out_type == WK_DTYPE_F32 ? sizeof(float) : 1;
  if (!wk_view_extent(p->out, p->out_row_stride, p->out_head_stride, p->heads, p->lq, p->head_dim,
                   es, &lo[6], &hi[6]))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output strides overflow");
  for (int i = 0; i < 6; i++)
    if (wk_overlaps(lo[6], hi[6], lo[i], hi[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output overlaps an input");
  return WK_STATUS_OK;
}

/* ── the workspace ───────────────────────────────────────────────────────────
 * One block of caller-owned (or, for wk_attention, allocated) memory, carved into 64-byte
 * aligned regions: packed K and V per head, the base-2 logit multipliers, each row's key count,
 * each head's output ratio, and per-thread accumulators + kernel scratch. */
typedef struct attn_layout {
  size_t kp_size, vp_size, per_thread; /* bytes per head (K, V) and per thread */
  size_t kp, vp, alpha, beta, n_keys, ratio, thread_mem; /* region offsets from the aligned base */
  size_t total; /* bytes, including 63 of slack to align an arbitrary pointer */
} attn_layout;

static size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

/* 0 if the sizes are out of range (no message: the callers report). */
static int attn_layout_for(const wk_attention_kernel *kern, int threads, int heads, int lq,
                           int lk, int d, attn_layout *L) {
  if (heads < 1 || heads > 65536 || lq < 1 || lq > (1 << 24) || lk < 1 ||
      lk > WK_ATTENTION_MAX_LK || d < 16 || d > WK_ATTN_MAX_D || d % 16 || threads < 1)
    return 0;
  /* Every product below is < 2^48 (heads ≤ 2^16, lq ≤ 2^24, lk ≤ 2^20, d ≤ 2^7): no overflow. */
  L->kp_size = align64(kern->k_packed_size(lk, d));
  L->vp_size = align64(kern->v_packed_size(lk, d));
  L->per_thread = align64((size_t)WK_ATTN_BLOCK_ROWS * (d + 1) * sizeof(int64_t)) +
                  align64(kern->scratch_size(lk, d));
  size_t o = 0;
  L->kp = o, o += (size_t)heads * L->kp_size;
  L->vp = o, o += (size_t)heads * L->vp_size;
  L->alpha = o, o += align64((size_t)heads * lq * sizeof(float));
  L->beta = o, o += align64((size_t)heads * lk * sizeof(float));
  L->n_keys = o, o += align64((size_t)lq * sizeof(int32_t));
  L->ratio = o, o += align64((size_t)heads * sizeof(double));
  L->thread_mem = o, o += (size_t)threads * L->per_thread;
  L->total = o + 63;
  return 1;
}

WK_API size_t wk_attention_workspace_size(const wk_context *ctx, int heads, int lq, int lk,
                                   int head_dim) {
  attn_layout L;
  if (!ctx) {
    wk_error(WK_STATUS_INVALID_ARGUMENT, "attention workspace: NULL context");
    return 0;
  }
  if (!attn_layout_for(ctx->k->attention, wk_threadpool_size(ctx->pool), heads, lq, lk, head_dim,
                       &L)) {
    wk_error(WK_STATUS_INVALID_ARGUMENT,
             "attention workspace: heads=%d lq=%d lk=%d head_dim=%d out of range", heads, lq, lk,
             head_dim);
    return 0;
  }
  return L.total;
}

/* ── the parallel run ────────────────────────────────────────────────────── */

typedef struct attn_run {
  const wk_attention_params *p;
  const wk_attention_kernel *kern;
  size_t kp_size, vp_size;
  uint8_t *kp, *vp;  /* [heads][kp_size], [heads][vp_size] */
  float *alpha;      /* [heads][lq] */
  float *beta;       /* [heads][lk] */
  int32_t *n_keys;   /* [lq] */
  double *ratio;     /* [heads] v_scale[h] / out_scale (int8) or v_scale[h] (f32) */
  uint8_t *thread_mem; /* [threads][per_thread] */
  size_t per_thread;
  uint64_t *ticks;   /* NULL, or [WK_ATTN_PASSES]: summed pass ticks (wk_attention_profiled) */
} attn_run;

static void pack_task(void *ctx, size_t h, int thread) {
  (void)thread;
  attn_run *r = ctx;
  const wk_attention_params *p = r->p;
  r->kern->pack_k(p->k.data + (ptrdiff_t)h * p->k.head_stride, p->k.row_stride, p->lk,
                  p->head_dim, r->kp + h * r->kp_size);
  r->kern->pack_v(p->v.data + (ptrdiff_t)h * p->v.head_stride, p->v.row_stride, p->lk,
                  p->head_dim, r->vp + h * r->vp_size);
}

/* Head h, query rows [i0, i1) (at most WK_ATTN_BLOCK_ROWS). */
static void block_task(void *ctx, int h, int i0, int i1, int thread) {
  attn_run *r = ctx;
  const wk_attention_params *p = r->p;
  const int d = p->head_dim;
  const int rows = i1 - i0;
  uint8_t *mem = r->thread_mem + (size_t)thread * r->per_thread;
  int64_t *acc = (int64_t *)(void *)mem;          /* [16][d] */
  int64_t *sum = acc + WK_ATTN_BLOCK_ROWS * d;    /* [16] */
  void *scratch = mem + align64((size_t)WK_ATTN_BLOCK_ROWS * (d + 1) * sizeof(int64_t));

  wk_attn_rows_args a = {
      .rows = rows,
      .lk = p->lk,
      .d = d,
      .q = p->q.data + (ptrdiff_t)h * p->q.head_stride + (ptrdiff_t)i0 * p->q.row_stride,
      .q_row_stride = p->q.row_stride,
      .alpha = r->alpha + (size_t)h * p->lq + i0,
      .beta = r->beta + (size_t)h * p->lk,
      .n_keys = r->n_keys + i0,
      .k_packed = r->kp + (size_t)h * r->kp_size,
      .v_packed = r->vp + (size_t)h * r->vp_size,
      .scratch = scratch,
      .acc = acc,
      .sum = sum,
  };
  uint64_t ticks[WK_ATTN_PASSES] = {0};
  if (r->ticks) a.pass_ticks = ticks;
  r->kern->rows(&a);
  if (r->ticks)
    for (int i = 0; i < WK_ATTN_PASSES; i++)
      __atomic_fetch_add(&r->ticks[i], ticks[i], __ATOMIC_RELAXED);

  size_t es = p->out_type == WK_DTYPE_F32 ? sizeof(float) : 1;
  wk_attn_store_args st = {
      .rows = rows,
      .d = d,
      .acc = acc,
      .sum = sum,
      .ratio = r->ratio[h],
      .out_type = p->out_type,
      .out = (uint8_t *)p->out +
             ((ptrdiff_t)h * p->out_head_stride + (ptrdiff_t)i0 * p->out_row_stride) * (ptrdiff_t)es,
      .out_row_stride = p->out_row_stride,
  };
  r->kern->store(&st);
}

/* The scale of (head h, token i) of a view: per token, per head or per tensor. */
static float view_scale(const wk_q8_view *v, int h, int i) {
  if (v->token_scale) return v->token_scale[h * v->token_scale_head_stride + i];
  return v->head_scale ? v->head_scale[h] : v->scale;
}

static wk_status run(wk_context *ctx, const wk_attention_params *p, void *workspace,
                     size_t workspace_size, uint64_t *ticks) {
  if (!ctx || !p) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: NULL context or params");
  wk_status s = check_params(p);
  if (s != WK_STATUS_OK) return s;

  const int heads = p->heads, lq = p->lq, lk = p->lk, d = p->head_dim;
  attn_layout L;
  if (!attn_layout_for(ctx->k->attention, wk_threadpool_size(ctx->pool), heads, lq, lk, d, &L))
    return wk_error(WK_STATUS_INTERNAL, "attention: workspace layout"); /* checked above */
  void *owned = NULL;
  if (!workspace) {
    workspace = owned = wk_alloc(L.total);
    workspace_size = L.total;
    if (!owned)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "attention: out of memory (heads=%d lq=%d lk=%d)",
                      heads, lq, lk);
  }
  if (workspace_size < L.total)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: workspace of %zu bytes, %zu needed (wk_attention_workspace_size)",
                    workspace_size, L.total);
  uint8_t *base = (uint8_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
  attn_run r = {.p = p, .kern = ctx->k->attention, .ticks = ticks};
  r.kp_size = L.kp_size, r.vp_size = L.vp_size, r.per_thread = L.per_thread;
  r.kp = base + L.kp, r.vp = base + L.vp;
  r.alpha = (float *)(void *)(base + L.alpha), r.beta = (float *)(void *)(base + L.beta);
  r.n_keys = (int32_t *)(void *)(base + L.n_keys), r.ratio = (double *)(void *)(base + L.ratio);
  r.thread_mem = base + L.thread_mem;

  /* base-2 logit multipliers: t = S · (alpha_i · beta_j), alpha_i = scale·log2(e)·q_s[i]. */
  const float lb = logit_base(p);
  for (int h = 0; h < heads; h++) {
    for (int i = 0; i < lq; i++) r.alpha[(size_t)h * lq + i] = lb * view_scale(&p->q, h, i);
    for (int j = 0; j < lk; j++) r.beta[(size_t)h * lk + j] = view_scale(&p->k, h, j);
    const double vs = (double)view_scale(&p->v, h, 0);
    r.ratio[h] = p->out_type == WK_DTYPE_F32 ? vs : vs / (double)p->out_scale;
  }
  /* Masks leave each row a prefix of the keys. */
  int kv = p->kv_len ? p->kv_len : lk;
  for (int i = 0; i < lq; i++) {
    long n = p->causal ? (long)i + lk - lq + 1 : lk;
    if (n > kv) n = kv;
    r.n_keys[i] = (int32_t)(n < 0 ? 0 : n);
  }

  wk_threadpool_run(ctx->pool, (size_t)heads, pack_task, &r);
  wk_threadpool_run_rows(ctx->pool, heads, lq, WK_ATTN_BLOCK_ROWS, block_task, &r);
  wk_free(owned);
  return WK_STATUS_OK;
}

WK_API wk_status wk_attention_ex(wk_context *ctx, const wk_attention_params *p, void *workspace,
                          size_t workspace_size) {
  return run(ctx, p, workspace, workspace_size, NULL);
}

wk_status wk_attention_profiled(wk_context *ctx, const wk_attention_params *p, void *workspace,
                                size_t workspace_size, uint64_t ticks[WK_ATTN_PASSES]) {
  if (!ticks) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: NULL ticks");
  return run(ctx, p, workspace, workspace_size, ticks);
}

WK_API wk_status wk_attention(wk_context *ctx, const wk_attention_params *p) {
  return wk_attention_ex(ctx, p, NULL, 0);
}

wk_status wk_attention_tile64(wk_context *ctx, const int8_t *qkv, size_t qkv_size, int8_t *out,
                              size_t out_capacity, float q_scale, float k_scale, float v_scale,
                              float out_scale) {
  if (!qkv || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "tile64: NULL buffer");
  if (qkv_size != 3 * 4096)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "tile64: Q||K||V is %zu bytes (expected 12288)",
                    qkv_size);
  if (out_capacity < 4096)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "tile64: output capacity %zu < 4096",
                    out_capacity);
  wk_attention_params p = {
      .heads = 1, .lq = 64, .lk = 64, .head_dim = 64,
      .q = {.data = qkv, .row_stride = 64, .scale = q_scale},
      .k = {.data = qkv + 4096, .row_stride = 64, .scale = k_scale},
      .v = {.data = qkv + 8192, .row_stride = 64, .scale = v_scale},
      .out_type = WK_DTYPE_INT8, .out = out, .out_row_stride = 64, .out_scale = out_scale,
  };
  return wk_attention(ctx, &p);
}
