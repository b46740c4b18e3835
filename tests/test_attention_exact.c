/* test_attention_exact.c ISA — the attention operator gives the same bytes on ISA as on the
 * scalar specification, and on every thread count: Lq, Lk ∈ {1, 2, 15, 16, 17, 63, 64, 65, 127,
 * 1500}, heads 1 … 20, token-major and head-major layouts, per-token, per-head and per-tensor
 * scales (V per tensor or per head), masks, int8 and float output, internal and caller-owned
 * workspaces.  Per-head scales equal one call per head; a short workspace is an error. */
#include <string.h>

#include "attention/attention-internal.h"
#include "test_util.h"

static const int lens[] = {1, 2, 15, 16, 17, 63, 64, 65, 127, 1500};
#define NLENS ((int)(sizeof lens / sizeof lens[0]))

typedef struct problem {
  int heads, lq, lk, d, token_major;
  int8_t *q, *k, *v;
  float *qs, *ks, *vs; /* per-token Q, K; per-head V */
  int use_workspace;   /* run through wk_attention_ex with a caller-owned workspace; 2: through
                        * wk_attention_profiled (the pass timing must not change a byte) */
  wk_attention_params p;
} problem;

static void make_problem(problem *pr, wk_test_rng *r, int heads, int lq, int lk, int d,
                         int variant) {
  memset(pr, 0, sizeof *pr);
  pr->heads = heads, pr->lq = lq, pr->lk = lk, pr->d = d;
  pr->token_major = variant & 1;
  size_t nq = (size_t)heads * lq * d, nk = (size_t)heads * lk * d;
  pr->q = malloc(nq), pr->k = malloc(nk), pr->v = malloc(nk);
  for (size_t i = 0; i < nq; i++) pr->q[i] = (int8_t)wk_test_int(r, -128, 127);
  for (size_t i = 0; i < nk; i++) pr->k[i] = (int8_t)wk_test_int(r, -128, 127);
  for (size_t i = 0; i < nk; i++) pr->v[i] = (int8_t)wk_test_int(r, -128, 127);
  wk_attention_params *p = &pr->p;
  p->heads = heads, p->lq = lq, p->lk = lk, p->head_dim = d;
  ptrdiff_t rs_q = pr->token_major ? (ptrdiff_t)heads * d : d;
  ptrdiff_t hs_q = pr->token_major ? d : (ptrdiff_t)lq * d;
  ptrdiff_t rs_k = pr->token_major ? (ptrdiff_t)heads * d : d;
  ptrdiff_t hs_k = pr->token_major ? d : (ptrdiff_t)lk * d;
  /* logits of std ≈ 1 … 8 for full-range int8 values */
  float base = 1.0f / (127.0f * 127.0f) * wk_test_float(r, 0.5f, 4.0f);
  p->q = (wk_q8_view){pr->q, rs_q, hs_q, base, NULL, 0, NULL};
  p->k = (wk_q8_view){pr->k, rs_k, hs_k, 1.0f, NULL, 0, NULL};
  p->v = (wk_q8_view){pr->v, rs_k, hs_k, 0.02f, NULL, 0, NULL};
  if (variant & 32) { /* V per head (as the encoder layer runs it), caller-owned workspace */
    pr->vs = malloc(sizeof(float) * heads);
    for (int h = 0; h < heads; h++) pr->vs[h] = 0.02f * wk_test_float(r, 0.1f, 10.0f);
    p->v.head_scale = pr->vs;
    pr->use_workspace = variant & 64 ? 2 : 1;
  }
  if (variant & 2) { /* per-token scales, per head for Q, shared for K */
    pr->qs = malloc(sizeof(float) * heads * lq);
    pr->ks = malloc(sizeof(float) * lk);
    for (int i = 0; i < heads * lq; i++) pr->qs[i] = base * wk_test_float(r, 0.3f, 3.0f);
    for (int i = 0; i < lk; i++) pr->ks[i] = wk_test_float(r, 0.3f, 3.0f);
    p->q.token_scale = pr->qs, p->q.token_scale_head_stride = lq;
    p->k.token_scale = pr->ks, p->k.token_scale_head_stride = 0;
  }
  if (variant & 4) p->causal = 1;
  if (variant & 8) p->kv_len = 1 + (lk - 1) / 2;
  p->out_type = (variant >> 4) & 1 ? WK_DTYPE_F32 : WK_DTYPE_INT8;
  p->out_scale = 0.01f;
  p->out_row_stride = pr->token_major ? (ptrdiff_t)heads * d : d;
  p->out_head_stride = pr->token_major ? d : (ptrdiff_t)lq * d;
}

static void free_problem(problem *pr) {
  free(pr->q), free(pr->k), free(pr->v), free(pr->qs), free(pr->ks), free(pr->vs);
}

static size_t out_bytes(const problem *pr) {
  return (size_t)pr->heads * pr->lq * pr->d * (pr->p.out_type == WK_DTYPE_F32 ? 4 : 1);
}

static int run(wk_context *ctx, problem *pr, void *out) {
  memset(out, 0xa5, out_bytes(pr));
  pr->p.out = out;
  wk_status s;
  if (pr->use_workspace) {
    const size_t n = wk_attention_workspace_size(ctx, pr->heads, pr->lq, pr->lk, pr->d);
    CHECK(n > 0, "workspace size: %s", wk_last_error());
    uint8_t *ws = malloc(n + 1); /* +1: an odd address, the operator aligns it itself */
    if (pr->use_workspace == 2) {
      uint64_t ticks[WK_ATTN_PASSES] = {0};
      s = wk_attention_profiled(ctx, &pr->p, ws + 1, n, ticks);
      /* every kernel but the scalar spec (row by row) times its passes */
      CHECK(s != WK_STATUS_OK || wk_context_isa(ctx) == WK_ISA_SCALAR ||
                ticks[WK_ATTN_PASS_QK] + ticks[WK_ATTN_PASS_SOFTMAX] + ticks[WK_ATTN_PASS_PV] > 0,
            "wk_attention_profiled on %s: no pass ticks", wk_isa_name(wk_context_isa(ctx)));
      CHECK(wk_attention_profiled(ctx, &pr->p, ws + 1, n, NULL) == WK_STATUS_INVALID_ARGUMENT,
            "wk_attention_profiled accepted NULL ticks");
    } else {
      s = wk_attention_ex(ctx, &pr->p, ws + 1, n);
    }
    free(ws);
  } else {
    s = wk_attention(ctx, &pr->p);
  }
  if (s != WK_STATUS_OK) {
    CHECK(0, "wk_attention: %s", wk_last_error());
    return 0;
  }
  return 1;
}

/* Per-head V (and Q) scales give, for each head, the bytes of a one-head call with that head's
 * scale; a workspace one byte short is refused without writing the output. */
static void check_head_scales(wk_context *ctx, wk_test_rng *r) {
  for (int variant = 0; variant < 64; variant += 16) {
    problem pr;
    const int heads = 3, lq = 17, lk = 65, d = 32;
    make_problem(&pr, r, heads, lq, lk, d, variant | 32 | 1);
    float qh[3];
    if (!(variant & 2)) { /* Q per head too (K stays per tensor) */
      for (int h = 0; h < heads; h++) qh[h] = pr.p.q.scale * wk_test_float(r, 0.5f, 2.0f);
      pr.p.q.head_scale = qh;
    }
    const size_t n = out_bytes(&pr), es = n / ((size_t)heads * lq * d);
    uint8_t *all = malloc(n), *one = malloc(n);
    if (run(ctx, &pr, all)) {
      for (int h = 0; h < heads; h++) {
        problem ph = pr;
        ph.use_workspace = 0;
        ph.heads = 1, ph.p.heads = 1;
        ph.p.q.data += h * ph.p.q.head_stride, ph.p.k.data += h * ph.p.k.head_stride;
        ph.p.v.data += h * ph.p.v.head_stride;
        if (ph.p.q.token_scale) ph.p.q.token_scale += h * ph.p.q.token_scale_head_stride;
        ph.p.q.head_scale = NULL, ph.p.v.head_scale = NULL;
        ph.p.q.scale = pr.p.q.head_scale ? qh[h] : ph.p.q.scale;
        ph.p.v.scale = pr.vs[h];
        memset(one, 0xa5, n);
        ph.p.out = one + (size_t)h * ph.p.out_head_stride * es;
        if (wk_attention(ctx, &ph.p) != WK_STATUS_OK) {
          CHECK(0, "one head: %s", wk_last_error());
          continue;
        }
        for (int i = 0; i < lq; i++) {
          const size_t o = ((size_t)h * pr.p.out_head_stride + (size_t)i * pr.p.out_row_stride) * es;
          CHECK(memcmp(all + o, one + o, (size_t)d * es) == 0,
                "variant %d: head %d row %d differs from a one-head call", variant, h, i);
        }
      }
    }
    /* a short workspace: an error, the output untouched */
    const size_t need = wk_attention_workspace_size(ctx, heads, lq, lk, d);
    uint8_t *ws = malloc(need);
    memset(all, 0xa5, n);
    pr.p.out = all;
    CHECK(wk_attention_ex(ctx, &pr.p, ws, need - 1) == WK_STATUS_INVALID_ARGUMENT,
          "a short workspace was accepted");
    int untouched = 1;
    for (size_t i = 0; i < n; i++) untouched &= all[i] == 0xa5;
    CHECK(untouched, "a refused call wrote the output");
    free(ws), free(all), free(one);
    /* token and head scales together are refused */
    float ks1[65];
    for (int j = 0; j < lk; j++) ks1[j] = 1.0f;
    pr.p.k.token_scale = ks1, pr.p.k.head_scale = pr.vs;
    pr.p.out = NULL;
    uint8_t *o2 = malloc(n);
    pr.p.out = o2;
    CHECK(wk_attention(ctx, &pr.p) == WK_STATUS_INVALID_ARGUMENT, "token + head scale accepted");
    free(o2);
    free_problem(&pr);
  }
  CHECK(wk_attention_workspace_size(ctx, 0, 1, 1, 64) == 0, "heads 0: a size");
  CHECK(wk_attention_workspace_size(ctx, 1, 1, 1, 24) == 0, "head_dim 24: a size");
  CHECK(wk_attention_workspace_size(NULL, 1, 1, 1, 64) == 0, "NULL context: a size");
}

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  wk_context *ctx = wk_test_context(isa, 1), *spec = wk_test_context(WK_ISA_SCALAR, 1);
  wk_test_rng r = {777};
  int idx = 0, compared = 0;
  for (int a = 0; a < NLENS && isa != WK_ISA_SCALAR; a++)
    for (int b = 0; b < NLENS; b++, idx++) {
      int lq = lens[a], lk = lens[b];
      int heads = (long)lq * lk > 20000 ? 1 + idx % 3 : 1 + (idx * 7) % 20;
      int d = idx % 5 == 4 ? 16 * (1 + idx % 8) : 64;
      problem pr;
      make_problem(&pr, &r, heads, lq, lk, d, idx);
      size_t n = out_bytes(&pr);
      uint8_t *ref = malloc(n), *got = malloc(n);
      if (run(spec, &pr, ref) && run(ctx, &pr, got)) {
        compared++;
        CHECK(memcmp(ref, got, n) == 0,
              "%s differs from scalar: heads=%d lq=%d lk=%d d=%d variant=%d", wk_isa_name(isa),
              heads, lq, lk, d, idx);
      }
      free(ref), free(got);
      free_problem(&pr);
    }
  printf("%s: %d shapes compared with the scalar kernel\n", wk_isa_name(isa), compared);

  /* every thread count gives the same bytes */
  static const int shapes[][3] = {{2, 1500, 1500}, {3, 65, 127}, {20, 17, 1500}};
  for (int s = 0; s < 3; s++) {
    problem pr;
    make_problem(&pr, &r, shapes[s][0], shapes[s][1], shapes[s][2], 64,
                 3 + 16 * (s & 1) + 32 * (s > 0));
    size_t n = out_bytes(&pr);
    uint8_t *ref = malloc(n), *got = malloc(n);
    if (run(ctx, &pr, ref))
      for (int t = 2; t <= 5; t++) {
        wk_context *ct = wk_test_context(isa, t);
        if (run(ct, &pr, got))
          CHECK(memcmp(ref, got, n) == 0, "%s: %d threads differ from 1 thread (shape %d)",
                wk_isa_name(isa), t, s);
        wk_context_free(ct);
      }
    free(ref), free(got);
    free_problem(&pr);
  }
  check_head_scales(ctx, &r);
  wk_context_free(ctx);
  wk_context_free(spec);
  return wk_test_finish("test_attention_exact");
}
