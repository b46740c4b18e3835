/* fuzz_api.c — random shapes, strides, scales and layouts against wk_attention and the
 * internal INT8 GEMM (gemm/gemm.h).  Every case runs on the scalar context (the specification,
 * one thread) and on the best context this CPU has (two threads): both must return the same
 * status, a call that succeeds must give the same bytes, and a failing wk_attention must leave
 * its output untouched.  Every buffer is allocated at exactly the extent its strides reach, so
 * ASan sees a kernel that reads or writes past what the arguments describe.
 * The first byte picks the entry point; the rest are parameters; the tensor values come from an
 * RNG seeded by the input (with int8 −128 and ±127 forced in often). */
#include "fuzz_util.h"
#include "common/common.h"
#include "gemm/gemm.h"

#define FZ_MAX_ELEMS ((int64_t)1 << 22) /* cases whose buffers would be larger are skipped */

static wk_context *ctx_spec, *ctx_best;

/* Elements a [a][b][c] view with strides (sa, sb, 1) reaches: (a−1)·sa + (b−1)·sb + c, or −1
 * when a stride is negative or the extent is too large to allocate here. */
static int64_t extent(int a, int b, int c, int64_t sa, int64_t sb) {
  if (sa < 0 || sb < 0) return -1;
  const int64_t e = (int64_t)(a - 1) * sa + (int64_t)(b - 1) * sb + c;
  return e > FZ_MAX_ELEMS ? -1 : e;
}

/* A stride: the layout's own (`tight`) plus padding, or occasionally anything (0, smaller,
 * negative).  `tight` itself may be negative (derived from a negative stride): then "smaller"
 * is 0 or 1. */
static int64_t fz_stride(fz *f, int64_t tight) {
  const uint8_t kind = fz_u8(f);
  if (kind < 220) return tight + (kind % 4 == 0 ? fz_int(f, 0, 40) : 0);
  if (kind < 245) return fz_int(f, 0, (int)(tight > 200 ? 200 : tight < 0 ? 1 : tight + 1));
  return -(int64_t)fz_int(f, 1, 64);
}

static void fill_i8(wk_rng *r, int8_t *p, int64_t n) {
  const uint64_t mode = wk_rng_next(r) % 4; /* 0: extremes only, else uniform with some extremes */
  for (int64_t i = 0; i < n; i++) {
    const uint64_t v = wk_rng_next(r);
    p[i] = mode == 0 ? (int8_t)((v & 1) ? 127 : -128)
           : (v >> 60) == 0 ? (int8_t)((v & 2) ? -128 : -127)
                            : (int8_t)(v >> 32);
  }
}

static void *alloc_or_die(int64_t n, size_t esize) {
  void *p = malloc(n > 0 ? (size_t)n * esize : 1);
  if (!p) FZ_FAIL("out of memory");
  return p;
}

/* ── attention ─────────────────────────────────────────────────────────────────────────────── */

typedef struct view_buf {
  int8_t *data;
  float *token_scale, *head_scale;
} view_buf;

/* A q/k/v view of [heads][len][d]: token-major or head-major with padding (or wild strides),
 * a per-tensor, per-head or per-token scale.  0: skipped (too large / unrepresentable). */
static int make_view(fz *f, wk_rng *r, int heads, int len, int d, int allow_token, wk_q8_view *v,
                     view_buf *b) {
  memset(v, 0, sizeof *v);
  const int head_major = fz_u8(f) & 1;
  v->row_stride = (ptrdiff_t)fz_stride(f, head_major ? d : (int64_t)heads * d);
  v->head_stride = (ptrdiff_t)fz_stride(f, head_major ? (int64_t)len * v->row_stride : d);
  int64_t n = extent(heads, len, d, v->head_stride, v->row_stride);
  if (n < 0) {
    if (v->head_stride >= 0 && v->row_stride >= 0) return 0; /* too large to allocate */
    n = 1;                                                    /* the call must refuse it */
  }
  b->data = alloc_or_die(n, 1);
  fill_i8(r, b->data, n);
  v->data = b->data;
  v->scale = fz_scale(f);
  const uint8_t sk = fz_u8(f) % 8;
  if (sk == 1) {
    b->head_scale = alloc_or_die(heads, sizeof(float));
    for (int h = 0; h < heads; h++) b->head_scale[h] = fz_scale(f);
    v->head_scale = b->head_scale;
  } else if (sk == 2 && allow_token) {
    const int per_head = fz_u8(f) & 1;
    const int64_t ns = per_head ? (int64_t)heads * len : len;
    b->token_scale = alloc_or_die(ns, sizeof(float));
    for (int64_t i = 0; i < ns; i++) b->token_scale[i] = fz_scale(f);
    v->token_scale = b->token_scale;
    v->token_scale_head_stride = per_head ? len : 0;
  }
  return 1;
}

static void free_view(view_buf *b) { free(b->data), free(b->token_scale), free(b->head_scale); }

static void fuzz_attention(fz *f, wk_rng *r) {
  wk_attention_params p;
  memset(&p, 0, sizeof p);
  p.heads = fz_int(f, 1, 3);
  p.lq = fz_int(f, 1, 40);
  p.lk = fz_int(f, 1, 40);
  const uint8_t dk = fz_u8(f);
  p.head_dim = dk < 240 ? 16 * (1 + dk % 8) : fz_int(f, -1, 144); /* sometimes unsupported */
  if (fz_u8(f) >= 250) p.lq = fz_int(f, -2, 0);
  if (fz_u8(f) >= 250) p.lk = fz_int(f, -2, 0);
  if (p.head_dim < 1 || p.lq < 1 || p.lk < 1) { /* the call must refuse it: tiny buffers */
    static int8_t dummy[1];
    static float out_dummy[1];
    p.q.data = p.k.data = p.v.data = dummy;
    p.q.scale = p.k.scale = p.v.scale = 1.0f;
    p.out = out_dummy;
    if (wk_attention(ctx_spec, &p) == WK_STATUS_OK || wk_attention(ctx_best, &p) == WK_STATUS_OK)
      FZ_FAIL("attention accepted heads=%d lq=%d lk=%d head_dim=%d", p.heads, p.lq, p.lk,
              p.head_dim);
    return;
  }
  const int d = p.head_dim;
  view_buf bq = {0}, bk = {0}, bv = {0};
  void *out_spec = NULL, *out_best = NULL;
  if (!make_view(f, r, p.heads, p.lq, d, 1, &p.q, &bq) ||
      !make_view(f, r, p.heads, p.lk, d, 1, &p.k, &bk) ||
      !make_view(f, r, p.heads, p.lk, d, 0, &p.v, &bv))
    goto done;
  const uint8_t ss = fz_u8(f);
  p.softmax_scale = ss < 128 ? 0.0f : fz_scale(f);
  p.causal = fz_u8(f) & 1;
  const uint8_t kv = fz_u8(f);
  p.kv_len = kv < 160 ? 0 : kv < 250 ? fz_int(f, 1, p.lk) : fz_int(f, -3, p.lk + 3);
  p.out_type = fz_u8(f) & 1 ? WK_DTYPE_F32 : WK_DTYPE_INT8;
  p.out_scale = fz_scale(f);
  const int out_head_major = fz_u8(f) & 1;
  p.out_row_stride = (ptrdiff_t)fz_stride(f, out_head_major ? d : (int64_t)p.heads * d);
  p.out_head_stride =
      (ptrdiff_t)fz_stride(f, out_head_major ? (int64_t)p.lq * p.out_row_stride : d);
  int64_t n_out = extent(p.heads, p.lq, d, p.out_head_stride, p.out_row_stride);
  if (n_out < 0) {
    if (p.out_head_stride >= 0 && p.out_row_stride >= 0) goto done;
    n_out = 1;
  }
  const size_t esize = p.out_type == WK_DTYPE_F32 ? 4 : 1, nbytes = (size_t)n_out * esize;
  out_spec = alloc_or_die(n_out, esize);
  out_best = alloc_or_die(n_out, esize);
  memset(out_spec, 0xA5, nbytes), memset(out_best, 0xA5, nbytes);
  p.out = out_spec;
  const wk_status s_spec = wk_attention(ctx_spec, &p);
  p.out = out_best;
  const wk_status s_best = wk_attention(ctx_best, &p);
  if (s_spec != s_best)
    FZ_FAIL("attention: scalar says '%s', %s says '%s' (%s)", wk_status_string(s_spec),
            wk_isa_name(wk_context_isa(ctx_best)), wk_status_string(s_best), wk_last_error());
  if (memcmp(out_spec, out_best, nbytes) != 0)
    FZ_FAIL("attention: %s output differs from the scalar one (heads=%d lq=%d lk=%d d=%d)",
            wk_isa_name(wk_context_isa(ctx_best)), p.heads, p.lq, p.lk, d);
  if (s_spec != WK_STATUS_OK) {
    for (size_t i = 0; i < nbytes; i++)
      if (((const uint8_t *)out_spec)[i] != 0xA5) FZ_FAIL("attention wrote its output on failure");
  }
done:
  free_view(&bq), free_view(&bk), free_view(&bv);
  free(out_spec), free(out_best);
}

/* ── GEMM ──────────────────────────────────────────────────────────────────────────────────── */

static void fuzz_gemm(fz *f, wk_rng *r) {
  const int m = fz_int(f, 1, 24), n = fz_int(f, 1, 72), k = fz_int(f, 1, 300);
  const int64_t w_stride = fz_stride(f, k);
  const int64_t nw = extent(1, n, k, 0, w_stride);
  if (nw < 0 && w_stride >= 0) return;
  int8_t *w = alloc_or_die(nw > 0 ? nw : 1, 1);
  fill_i8(r, w, nw > 0 ? nw : 1);
  float *w_scale = alloc_or_die(n, sizeof(float));
  for (int j = 0; j < n; j++) w_scale[j] = fz_scale(f);
  float *bias = NULL;
  if (fz_u8(f) & 1) {
    bias = alloc_or_die(n, sizeof(float));
    for (int j = 0; j < n; j++) bias[j] = (float)((int)fz_u8(f) - 128) / 16.0f;
  }
  wk_gemm_weights *ws = NULL, *wb = NULL;
  const wk_status c_spec = wk_gemm_weights_create(ctx_spec, w, (ptrdiff_t)w_stride, w_scale, bias,
                                                  n, k, &ws);
  const wk_status c_best = wk_gemm_weights_create(ctx_best, w, (ptrdiff_t)w_stride, w_scale, bias,
                                                  n, k, &wb);
  free(w), free(w_scale), free(bias);
  if (c_spec != c_best) FZ_FAIL("gemm weights: statuses differ (%s)", wk_last_error());
  if (c_spec != WK_STATUS_OK) return;

  wk_gemm_args g;
  memset(&g, 0, sizeof g);
  g.m = m;
  g.a_stride = (ptrdiff_t)fz_stride(f, k);
  g.gelu = fz_u8(f) & 1;
  g.out_stride = (ptrdiff_t)fz_stride(f, n);
  const uint8_t res = fz_u8(f) % 3; /* 0: none, 1: separate, 2: in place */
  const int want_q = fz_u8(f) & 1, want_out = !want_q || (fz_u8(f) & 1) || res == 2;
  g.out_q_stride = (ptrdiff_t)fz_stride(f, n);
  const int64_t na = extent(1, m, k, 0, g.a_stride), no = extent(1, m, n, 0, g.out_stride),
                nq = extent(1, m, n, 0, g.out_q_stride);
  int8_t *a = NULL, *q_spec = NULL, *q_best = NULL;
  float *a_scale = NULL, *resid = NULL, *o_spec = NULL, *o_best = NULL, *qs_spec = NULL,
        *qs_best = NULL;
  if ((na < 0 && g.a_stride >= 0) || (no < 0 && g.out_stride >= 0) ||
      (nq < 0 && g.out_q_stride >= 0))
    goto done;
  const int64_t na1 = na > 0 ? na : 1, no1 = no > 0 ? no : 1, nq1 = nq > 0 ? nq : 1;
  a = alloc_or_die(na1, 1);
  fill_i8(r, a, na1);
  g.a = a;
  a_scale = alloc_or_die(m, sizeof(float));
  for (int i = 0; i < m; i++) a_scale[i] = fz_scale(f);
  g.a_scale = a_scale;
  if (res == 1) {
    resid = alloc_or_die(no1, sizeof(float));
    for (int64_t i = 0; i < no1; i++) resid[i] = (float)((int64_t)(wk_rng_next(r) % 2001) - 1000) / 64.0f;
    g.residual_stride = g.out_stride;
  }
  o_spec = alloc_or_die(no1, sizeof(float));
  o_best = alloc_or_die(no1, sizeof(float));
  for (int64_t i = 0; i < no1; i++) o_spec[i] = o_best[i] = (float)(i % 7) - 3.0f;
  if (want_q) {
    q_spec = alloc_or_die(nq1, 1), q_best = alloc_or_die(nq1, 1);
    qs_spec = alloc_or_die(m, sizeof(float)), qs_best = alloc_or_die(m, sizeof(float));
    memset(q_spec, 0, (size_t)nq1), memset(q_best, 0, (size_t)nq1);
    memset(qs_spec, 0, (size_t)m * 4), memset(qs_best, 0, (size_t)m * 4);
  }
  wk_status st[2];
  for (int c = 0; c < 2; c++) {
    float *o = c ? o_best : o_spec;
    g.out = want_out ? o : NULL;
    g.residual = res == 1 ? resid : res == 2 ? o : NULL;
    if (res == 2) g.residual_stride = g.out_stride;
    g.out_q = want_q ? (c ? q_best : q_spec) : NULL;
    g.out_q_scale = want_q ? (c ? qs_best : qs_spec) : NULL;
    st[c] = wk_gemm_run(c ? ctx_best : ctx_spec, c ? wb : ws, &g);
  }
  if (st[0] != st[1])
    FZ_FAIL("gemm: scalar says '%s', %s says '%s' (m=%d n=%d k=%d)", wk_status_string(st[0]),
            wk_isa_name(wk_context_isa(ctx_best)), wk_status_string(st[1]), m, n, k);
  if (st[0] == WK_STATUS_OK) {
    if (memcmp(o_spec, o_best, (size_t)no1 * sizeof(float)) != 0)
      FZ_FAIL("gemm: %s output differs from the scalar one (m=%d n=%d k=%d)",
              wk_isa_name(wk_context_isa(ctx_best)), m, n, k);
    if (want_q && (memcmp(q_spec, q_best, (size_t)nq1) != 0 ||
                   memcmp(qs_spec, qs_best, (size_t)m * sizeof(float)) != 0))
      FZ_FAIL("gemm: %s int8 output differs from the scalar one (m=%d n=%d k=%d)",
              wk_isa_name(wk_context_isa(ctx_best)), m, n, k);
  }
done:
  free(a), free(a_scale), free(resid), free(o_spec), free(o_best);
  free(q_spec), free(q_best), free(qs_spec), free(qs_best);
  wk_gemm_weights_free(ws), wk_gemm_weights_free(wb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ctx_spec) {
    ctx_spec = fz_context(WK_ISA_SCALAR, 1);
    ctx_best = fz_context(WK_ISA_AUTO, 2);
    if (!ctx_spec || !ctx_best) FZ_FAIL("cannot create the contexts: %s", wk_last_error());
  }
  fz f = {data, size, 0};
  const uint8_t which = fz_u8(&f);
  wk_rng r = {fz_u64(&f)};
  if (which & 1) fuzz_gemm(&f, &r);
  else fuzz_attention(&f, &r);
  return 0;
}
