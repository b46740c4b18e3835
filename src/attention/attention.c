/* attention.c — the INT8 attention operator: validates arguments, turns scales into base-2
 * logit multipliers, packs K and V once per head, runs (head × 16-row block) tasks on the
 * context's thread pool, and hands each row block to the kernel's store (acc / sum, in double). */
#include <math.h>
#include <string.h>

#include "attention/attention-internal.h"

/* ── argument checks ─────────────────────────────────────────────────────── */

static int good_scale(float s) { return isfinite(s) && s > 0.0f; }

/* Byte range [*lo, *hi) touched by a [heads][len][width] view with element size `es`. */
static int view_extent(const void *base, ptrdiff_t row_stride, ptrdiff_t head_stride, int heads,
                       int len, int width, size_t es, uintptr_t *lo, uintptr_t *hi) {
  ptrdiff_t a, b, last;
  if (__builtin_mul_overflow((ptrdiff_t)(heads - 1), head_stride, &a) ||
      __builtin_mul_overflow((ptrdiff_t)(len - 1), row_stride, &b) ||
      __builtin_add_overflow(a, b, &last) || __builtin_add_overflow(last, (ptrdiff_t)width, &last) ||
      __builtin_mul_overflow(last, (ptrdiff_t)es, &last))
    return 0;
  *lo = (uintptr_t)base;
  if (__builtin_add_overflow(*lo, (uintptr_t)last, hi)) return 0;
  return 1;
}

static int overlaps(uintptr_t alo, uintptr_t ahi, uintptr_t blo, uintptr_t bhi) {
  return alo < bhi && blo < ahi;
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

static wk_status check_view(const char *name, const wk_q8_view *v, int heads, int len, int d,
                            int allow_token_scale, uintptr_t *lo, uintptr_t *hi,
                            uintptr_t *slo, uintptr_t *shi) {
  if (!v->data) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s data is NULL", name);
  if (v->row_stride < 0 || v->head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s strides must be >= 0", name);
  if (!view_extent(v->data, v->row_stride, v->head_stride, heads, len, d, 1, lo, hi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s strides overflow", name);
  *slo = *shi = 0;
  if (!v->token_scale) {
    if (!good_scale(v->scale))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "attention: %s scale %g must be finite and > 0", name, (double)v->scale);
    return WK_STATUS_OK;
  }
  if (!allow_token_scale)
    return wk_error(WK_STATUS_UNSUPPORTED, "attention: %s takes one per-tensor scale", name);
  if (v->token_scale_head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s scale head stride < 0", name);
  if (!view_extent(v->token_scale, 1, v->token_scale_head_stride, heads, len, 0, sizeof(float),
                   slo, shi))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: %s scale strides overflow", name);
  *shi += sizeof(float);
  for (int h = 0; h < heads; h++)
    for (int i = 0; i < len; i++) {
      float s = v->token_scale[h * v->token_scale_head_stride + i];
      if (!good_scale(s))
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "attention: %s scale of head %d token %d is %g (must be finite and > 0)",
                        name, h, i, (double)s);
    }
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
  if (p->softmax_scale != 0.0f && !good_scale(p->softmax_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: softmax_scale %g must be 0 (default) or finite and > 0",
                    (double)p->softmax_scale);
  if (p->out_type != WK_DTYPE_INT8 && p->out_type != WK_DTYPE_F32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: unknown out_type %d", (int)p->out_type);
  if (p->out_type == WK_DTYPE_INT8 && !good_scale(p->out_scale))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: out_scale %g must be finite and > 0",
                    (double)p->out_scale);
  if (!p->out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: out is NULL");
  if (p->out_row_stride < 0 || p->out_head_stride < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output strides must be >= 0");
  if (!out_injective(p))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "attention: output strides make different outputs share memory");

  uintptr_t lo[7], hi[7];
  wk_status s;
  if ((s = check_view("q", &p->q, p->heads, p->lq, p->head_dim, 1, &lo[0], &hi[0], &lo[1],
                      &hi[1])) ||
      (s = check_view("k", &p->k, p->heads, p->lk, p->head_dim, 1, &lo[2], &hi[2], &lo[3],
                      &hi[3])) ||
      (s = check_view("v", &p->v, p->heads, p->lk, p->head_dim, 0, &lo[4], &hi[4], &lo[5],
                      &hi[5])))
    return s;
  size_t es = p->out_type == WK_DTYPE_F32 ? sizeof(float) : 1;
  if (!view_extent(p->out, p->out_row_stride, p->out_head_stride, p->heads, p->lq, p->head_dim,
                   es, &lo[6], &hi[6]))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output strides overflow");
  for (int i = 0; i < 6; i++)
    if (overlaps(lo[6], hi[6], lo[i], hi[i]))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: output overlaps an input");
  return WK_STATUS_OK;
}

/* ── the parallel run ────────────────────────────────────────────────────── */

typedef struct attn_run {
  const wk_attention_params *p;
  const wk_attention_kernel *kern;
  int blocks_per_head;
  size_t kp_size, vp_size, scratch_size;
  uint8_t *kp, *vp;  /* [heads][kp_size], [heads][vp_size] */
  float *alpha;      /* [heads][lq] */
  float *beta;       /* [heads][lk] */
  int32_t *n_keys;   /* [lq] */
  uint8_t *thread_mem; /* [threads][per_thread] */
  size_t per_thread;
  double out_ratio;  /* v_scale / out_scale (int8) or v_scale (f32) */
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

static void block_task(void *ctx, size_t task, int thread) {
  attn_run *r = ctx;
  const wk_attention_params *p = r->p;
  const int d = p->head_dim;
  const int h = (int)(task / (size_t)r->blocks_per_head);
  const int i0 = (int)(task % (size_t)r->blocks_per_head) * WK_ATTN_BLOCK_ROWS;
  const int rows = p->lq - i0 < WK_ATTN_BLOCK_ROWS ? p->lq - i0 : WK_ATTN_BLOCK_ROWS;
  uint8_t *mem = r->thread_mem + (size_t)thread * r->per_thread;
  int64_t *acc = (int64_t *)mem;                  /* [16][d] */
  int64_t *sum = acc + WK_ATTN_BLOCK_ROWS * d;    /* [16] */
  void *scratch = sum + WK_ATTN_BLOCK_ROWS;       /* 64-byte aligned: see per_thread */

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
  r->kern->rows(&a);

  size_t es = p->out_type == WK_DTYPE_F32 ? sizeof(float) : 1;
  wk_attn_store_args st = {
      .rows = rows,
      .d = d,
      .acc = acc,
      .sum = sum,
      .ratio = r->out_ratio,
      .out_type = p->out_type,
      .out = (uint8_t *)p->out +
             ((ptrdiff_t)h * p->out_head_stride + (ptrdiff_t)i0 * p->out_row_stride) * (ptrdiff_t)es,
      .out_row_stride = p->out_row_stride,
  };
  r->kern->store(&st);
}

wk_status wk_attention(wk_context *ctx, const wk_attention_params *p) {
  if (!ctx || !p) return wk_error(WK_STATUS_INVALID_ARGUMENT, "attention: NULL context or params");
  wk_status s = check_params(p);
  if (s != WK_STATUS_OK) return s;

  const int heads = p->heads, lq = p->lq, lk = p->lk, d = p->head_dim;
  const int threads = wk_threadpool_size(ctx->pool);
  attn_run r = {.p = p, .kern = ctx->k->attention};
  r.blocks_per_head = (lq + WK_ATTN_BLOCK_ROWS - 1) / WK_ATTN_BLOCK_ROWS;
  r.kp_size = (r.kern->k_packed_size(lk, d) + 63) & ~(size_t)63;
  r.vp_size = (r.kern->v_packed_size(lk, d) + 63) & ~(size_t)63;
  r.scratch_size = (r.kern->scratch_size(lk, d) + 63) & ~(size_t)63;
  r.per_thread = (size_t)WK_ATTN_BLOCK_ROWS * (d + 1) * sizeof(int64_t);
  r.per_thread = ((r.per_thread + 63) & ~(size_t)63) + r.scratch_size;
  r.kp = wk_alloc_array((size_t)heads, r.kp_size);
  r.vp = wk_alloc_array((size_t)heads, r.vp_size);
  r.alpha = wk_alloc_array((size_t)heads * lq, sizeof(float));
  r.beta = wk_alloc_array((size_t)heads * lk, sizeof(float));
  r.n_keys = wk_alloc_array((size_t)lq, sizeof(int32_t));
  r.thread_mem = wk_alloc_array((size_t)threads, r.per_thread);
  if (!r.kp || !r.vp || !r.alpha || !r.beta || !r.n_keys || !r.thread_mem) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "attention: out of memory (heads=%d lq=%d lk=%d)",
                 heads, lq, lk);
    goto done;
  }

  /* base-2 logit multipliers: t = S · (alpha_i · beta_j), alpha_i = scale·log2(e)·q_s[i]. */
  double sm = p->softmax_scale != 0.0f ? (double)p->softmax_scale : 1.0 / sqrt((double)d);
  float base = (float)(sm * 1.4426950408889634);
  for (int h = 0; h < heads; h++) {
    for (int i = 0; i < lq; i++)
      r.alpha[(size_t)h * lq + i] =
          base * (p->q.token_scale ? p->q.token_scale[h * p->q.token_scale_head_stride + i]
                                   : p->q.scale);
    for (int j = 0; j < lk; j++)
      r.beta[(size_t)h * lk + j] =
          p->k.token_scale ? p->k.token_scale[h * p->k.token_scale_head_stride + j] : p->k.scale;
  }
  /* Masks leave each row a prefix of the keys. */
  int kv = p->kv_len ? p->kv_len : lk;
  for (int i = 0; i < lq; i++) {
    long n = p->causal ? (long)i + lk - lq + 1 : lk;
    if (n > kv) n = kv;
    r.n_keys[i] = (int32_t)(n < 0 ? 0 : n);
  }
  r.out_ratio = p->out_type == WK_DTYPE_F32 ? (double)p->v.scale
                                            : (double)p->v.scale / (double)p->out_scale;

  wk_threadpool_run(ctx->pool, (size_t)heads, pack_task, &r);
  wk_threadpool_run(ctx->pool, (size_t)heads * r.blocks_per_head, block_task, &r);
  s = WK_STATUS_OK;
done:
  wk_free(r.kp);
  wk_free(r.vp);
  wk_free(r.alpha);
  wk_free(r.beta);
  wk_free(r.n_keys);
  wk_free(r.thread_mem);
  return s;
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
