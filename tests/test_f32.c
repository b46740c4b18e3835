/* test_f32.c ISA — the FP32 kernels (src/f32) on one ISA against the scalar spec, bit for bit,
 * and the scalar spec against double precision:
 *   - GEMM (through wk_f32_gemm, so blocking and threads are covered too) on every remainder
 *     shape: m, n, k ∈ {1, tile−1, tile, tile+1, primes}, each epilogue (bias, GELU, residual,
 *     residual in place);
 *   - softmax_row directly, lengths 1 … 1500 around the 8/16-lane edges, logits up to ±400;
 *   - attention (wk_f32_attention) on head dims 16 … 128, lq ≠ lk, odd lengths, 1 vs 3 threads;
 *   - IEEE halves: wk_f16_to_f32 on every finite half against its value computed in double,
 *     wk_f32_kv_to_f16 round-tripping each and rounding random floats to the nearest half (ties
 *     to even), refusing |x| > 65504 and NaN; packed-half attention (the INT8 decoder's cross
 *     K/V) equal, bit for bit, to packed-fp32 attention on the halves' values, on this ISA
 *     (3 threads) and the scalar spec;
 *   - attention on K/V panels inside longer buffers (wk_f32_attention_panels: the decoder's
 *     self-attention cache, NaN in every unused slot) equal to wk_f32_attention bit for bit;
 *   - the scores output (the logits before the softmax) of all four attention calls equal to
 *     the spec recomputed here (fmaf chain, then · scale) bit for bit, on the scalar kernel and
 *     this ISA with 1, 2 and 3 threads, on odd shapes (lq, lk off the 24-row and 16/64-column
 *     tiles, several heads, a padded head stride whose gaps stay untouched); the attention's
 *     output unchanged by asking for them;
 *   - argument checks (the scores' stride and overlaps too).
 * Error bounds against double (each justified where it is checked). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f32/f32-internal.h"
#include "runtime/dispatch.h"
#include "f32/f32.h"
#include "test_util.h"

static float *rand_array(wk_test_rng *r, size_t n, float lo, float hi) {
  float *p = wk_alloc_array(n ? n : 1, sizeof(float));
  if (!p) exit(1);
  for (size_t i = 0; i < n; i++) p[i] = wk_test_float(r, lo, hi);
  return p;
}

static size_t count_diff(const float *a, const float *b, size_t n) {
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return bad;
}

/* ── GEMM ── */
static void test_gemm(wk_context *c_isa, wk_context *c_ref, wk_test_rng *r) {
  static const int ms[] = {1, 5, 6, 7, 13, 48, 49, 97};
  static const int ns[] = {1, 7, 15, 16, 17, 63, 64, 65, 130, 257};
  static const int ks[] = {1, 5, 16, 17, 64, 131};
  /* then a few long reductions (P·V has k = 1500, fc2 k = 4·d) */
  static const int long_k[][3] = {{7, 65, 1500}, {13, 17, 2048}, {1, 130, 777}, {6, 64, 4099}};
  const int NM = sizeof ms / sizeof *ms, NN = sizeof ns / sizeof *ns, NK = sizeof ks / sizeof *ks;
  const int n_grid = NM * NN * NK, n_long = (int)(sizeof long_k / sizeof *long_k);
  int exact_fail = 0;
  double worst = 0;
  for (int combo = 0; combo < n_grid + n_long; combo++) {
    const int *lk = long_k[combo < n_grid ? 0 : combo - n_grid];
    const int m = combo < n_grid ? ms[combo / (NN * NK)] : lk[0];
    const int n = combo < n_grid ? ns[combo / NK % NN] : lk[1];
    const int k = combo < n_grid ? ks[combo % NK] : lk[2];
    const int has_bias = combo & 1, gelu = (combo >> 1) & 1, res_mode = (combo >> 2) % 3;
    const ptrdiff_t xs = k + (combo % 5), os = n + (combo % 3); /* strided rows */
    float *x = rand_array(r, (size_t)m * xs, -2, 2);
    float *w = rand_array(r, (size_t)n * k, -1, 1);
    float *bias = rand_array(r, (size_t)n, -1, 1);
    float *res = rand_array(r, (size_t)m * os, -3, 3);
    float *y_ref = wk_alloc_array((size_t)m * os, sizeof(float));
    float *y = wk_alloc_array((size_t)m * os, sizeof(float));
    wk_f32_weights *wt = NULL;
    CHECK(wk_f32_weights_create(c_ref, w, k, has_bias ? bias : NULL, n, k, &wt) == 0, "%s",
          wk_last_error());
    /* res_mode 0: none; 1: separate residual; 2: in place (out == residual) */
    memcpy(y_ref, res, sizeof(float) * m * os);
    memcpy(y, res, sizeof(float) * m * os);
    wk_f32_gemm_args ga = {m, x, xs, gelu, res_mode == 1 ? res : res_mode == 2 ? y_ref : NULL,
                           os, y_ref, os};
    CHECK(wk_f32_gemm(c_ref, wt, &ga) == 0, "%s", wk_last_error());
    ga.residual = res_mode == 1 ? res : res_mode == 2 ? y : NULL;
    ga.out = y;
    CHECK(wk_f32_gemm(c_isa, wt, &ga) == 0, "%s", wk_last_error());
    size_t bad = count_diff(y, y_ref, (size_t)m * os);
    if (bad && exact_fail++ < 5)
      CHECK(0, "gemm m=%d n=%d k=%d bias=%d gelu=%d res=%d: %zu outputs differ from scalar",
            m, n, k, has_bias, gelu, res_mode, bad);
    /* vs double, without GELU: a k-term fma chain is within k·u·Σ|x·w| (u = 2^-24), plus
     * one rounding for each of bias and residual (γ_{k+2} with room). */
    if (!gelu)
      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
          double e = 0, mag = 0;
          for (int kk = 0; kk < k; kk++) {
            e += (double)x[i * xs + kk] * w[j * k + kk];
            mag += fabs((double)x[i * xs + kk] * w[j * k + kk]);
          }
          if (has_bias) e += bias[j], mag += fabs(bias[j]);
          if (res_mode) e += res[i * os + j], mag += fabs(res[i * os + j]);
          const double err = fabs(y_ref[i * os + j] - e), bound = (k + 3) * 0x1p-24 * mag + 1e-30;
          if (err / bound > worst) worst = err / bound;
          if (err > bound && exact_fail++ < 5)
            CHECK(0, "gemm m=%d n=%d k=%d (%d,%d): |err| %g > bound %g", m, n, k, i, j, err, bound);
        }
    wk_f32_weights_free(wt);
    wk_free(x), wk_free(w), wk_free(bias), wk_free(res), wk_free(y_ref), wk_free(y);
  }
  printf("gemm: %d shapes, bit-exact vs scalar, worst error / bound vs double %.3f\n",
         n_grid + n_long, worst);
}

/* ── softmax_row ── */
static void test_softmax(const wk_f32_kernel *kern, wk_test_rng *r) {
  static const int lens[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1500};
  static const float spreads[] = {0.0f, 1.0f, 8.0f, 60.0f, 400.0f};
  double worst = 0;
  for (size_t a = 0; a < sizeof lens / sizeof *lens; a++)
    for (size_t b = 0; b < sizeof spreads / sizeof *spreads; b++) {
      const int L = lens[a];
      float *s = rand_array(r, (size_t)L, -spreads[b], spreads[b]);
      float *s2 = wk_alloc_array((size_t)L, sizeof(float));
      memcpy(s2, s, sizeof(float) * L);
      const float c = 0.125f * 1.44269504f;
      double t_max = -INFINITY, ssum = 0;
      for (int j = 0; j < L; j++) t_max = fmax(t_max, (double)s[j] * c);
      for (int j = 0; j < L; j++) ssum += exp2((double)s[j] * c - t_max);
      float *orig = wk_alloc_array((size_t)L, sizeof(float));
      memcpy(orig, s, sizeof(float) * L);
      const float sum_ref = wk_f32_kernel_scalar.softmax_row(s, L, c);
      const float sum = kern->softmax_row(s2, L, c);
      CHECK(memcmp(&sum, &sum_ref, sizeof sum) == 0, "softmax L=%d spread=%g: sum %.9g vs %.9g", L,
            (double)spreads[b], (double)sum, (double)sum_ref);
      CHECK(count_diff(s, s2, (size_t)L) == 0, "softmax L=%d spread=%g: p differs", L,
            (double)spreads[b]);
      /* vs double: the polynomial's 1.6e-7 plus a few roundings (t = s·c, t − m) amplified by
       * |t| ≤ 400·0.18 ≈ 72 → relative 2^-24·72·ln2·2 ≈ 6e-6 on p; the sum adds L/16 + 4
       * roundings: bound 1e-5 + (L/16 + 4)·2^-24. */
      for (int j = 0; j < L; j++) {
        const double p = exp2((double)s[j] * 0 + (double)orig[j] * c - t_max);
        const double rel = fabs(s[j] - p) / fmax(p, 1e-30);
        if (p > 1e-30 && rel / 1e-5 > worst) worst = rel / 1e-5;
        if (p > 1e-30) CHECK(rel <= 1e-5, "softmax L=%d p[%d] rel err %g", L, j, rel);
      }
      const double rel_sum = fabs(sum_ref - ssum) / ssum;
      CHECK(rel_sum <= 1e-5 + (L / 16 + 4) * 0x1p-24, "softmax L=%d sum rel err %g", L, rel_sum);
      wk_free(s), wk_free(s2), wk_free(orig);
    }
  printf("softmax_row: bit-exact vs scalar, worst p error / bound vs double %.3f\n", worst);
}

/* ── attention ── */
static void attention_double(const wk_f32_attention_args *a, double *o /* [lq][heads·dh] */) {
  const int dh = a->head_dim, W = a->heads * dh;
  const double scale = a->softmax_scale ? a->softmax_scale : 1.0 / sqrt(dh);
  double *s = malloc(sizeof(double) * a->lk);
  for (int h = 0; h < a->heads; h++)
    for (int i = 0; i < a->lq; i++) {
      double mx = -INFINITY, sum = 0;
      for (int j = 0; j < a->lk; j++) {
        double t = 0;
        for (int c = 0; c < dh; c++)
          t += (double)a->q[i * a->q_stride + h * dh + c] * a->k[j * a->k_stride + h * dh + c];
        s[j] = t * scale;
        mx = fmax(mx, s[j]);
      }
      for (int j = 0; j < a->lk; j++) sum += (s[j] = exp(s[j] - mx));
      for (int c = 0; c < dh; c++) {
        double acc = 0;
        for (int j = 0; j < a->lk; j++) acc += s[j] * a->v[j * a->v_stride + h * dh + c];
        o[(size_t)i * W + h * dh + c] = acc / sum;
      }
    }
  free(s);
}

static void test_attention(wk_context *c_isa, wk_context *c_ref, wk_test_rng *r) {
  static const int cfg[][4] = {/* heads, lq, lk, dh */
                               {1, 1, 1, 16},  {2, 7, 13, 32},  {3, 25, 70, 48},
                               {2, 49, 130, 64}, {1, 30, 65, 128}, {2, 50, 1500, 64},
                               {4, 24, 64, 80}};
  double worst = 0;
  for (size_t t = 0; t < sizeof cfg / sizeof *cfg; t++) {
    const int H = cfg[t][0], lq = cfg[t][1], lk = cfg[t][2], dh = cfg[t][3], W = H * dh;
    const ptrdiff_t st = 3 * W + 5; /* a fused-QKV-like stride, misaligned on purpose */
    const float qs = t % 2 ? 4.0f : 1.0f; /* sharper logits on half the cases */
    float *qkv = rand_array(r, (size_t)(lq > lk ? lq : lk) * st, -qs, qs);
    float *o_ref = wk_alloc_array((size_t)lq * W, sizeof(float));
    float *o = wk_alloc_array((size_t)lq * W, sizeof(float));
    double *o64 = malloc(sizeof(double) * lq * W);
    wk_f32_attention_args a = {H,  lq, lk, dh,    qkv,   qkv + W, qkv + 2 * W, st,
                               st, st, 0.0f, o_ref, W, NULL, 0};
    const size_t ws_ref_size = wk_f32_attention_workspace_size(H, lq, lk, dh, wk_context_threads(c_ref));
    const size_t ws_size = wk_f32_attention_workspace_size(H, lq, lk, dh, wk_context_threads(c_isa));
    void *ws_ref = wk_alloc(ws_ref_size), *ws = wk_alloc(ws_size);
    CHECK(wk_f32_attention(c_ref, &a, ws_ref, ws_ref_size) == 0, "%s", wk_last_error());
    a.out = o;
    CHECK(wk_f32_attention(c_isa, &a, ws, ws_size) == 0, "%s", wk_last_error());
    size_t bad = count_diff(o, o_ref, (size_t)lq * W);
    CHECK(bad == 0, "attention heads=%d lq=%d lk=%d dh=%d: %zu outputs differ from scalar", H, lq,
          lk, dh, bad);
    /* vs double: a score carries ≤ dh·2^-24·Σ|q·k| of error (|q|,|k| ≤ qs), ×c in the base-2
     * logit: ≤ 1.5e-5 (qs = 1) and 2.4e-4 (qs = 4, dh = 128) relative on p, ~1e-6 from the rest;
     * |o| ≤ max|v| = qs: tolerances 2e-5 and 3e-4 (the bound assumes no cancellation luck). */
    attention_double(&a, o64);
    const double tol = qs > 1 ? 3e-4 * qs : 2e-5;
    for (size_t i = 0; i < (size_t)lq * W; i++) {
      const double err = fabs(o_ref[i] - o64[i]);
      if (err / tol > worst) worst = err / tol;
    }
    CHECK(worst <= 1.0, "attention heads=%d lq=%d lk=%d dh=%d: error %g of tolerance", H, lq, lk,
          dh, worst);
    wk_free(qkv), wk_free(o_ref), wk_free(o), free(o64), wk_free(ws_ref), wk_free(ws);
  }
  printf("attention: %zu shapes bit-exact vs scalar, worst error / tolerance vs double %.3f\n",
         sizeof cfg / sizeof *cfg, worst);
}

static void test_args(wk_context *ctx) {
  float w[64 * 4] = {0}, x[8 * 64] = {0}, y[8 * 64];
  wk_f32_weights *wt = NULL;
  CHECK(wk_f32_weights_create(ctx, NULL, 4, NULL, 4, 4, &wt) == WK_STATUS_INVALID_ARGUMENT, "NULL w");
  CHECK(wk_f32_weights_create(ctx, w, 4, NULL, 0, 4, &wt) == WK_STATUS_INVALID_ARGUMENT, "n = 0");
  CHECK(wk_f32_weights_create(ctx, w, 2, NULL, 4, 4, &wt) == WK_STATUS_INVALID_ARGUMENT, "stride");
  w[5] = NAN;
  CHECK(wk_f32_weights_create(ctx, w, 4, NULL, 4, 4, &wt) == WK_STATUS_INVALID_ARGUMENT, "NaN w");
  w[5] = 0;
  CHECK(wk_f32_weights_create(ctx, w, 4, NULL, 4, 4, &wt) == 0, "%s", wk_last_error());
  wk_f32_gemm_args a = {2, x, 4, 0, NULL, 0, y, 4};
  CHECK(wk_f32_gemm(ctx, wt, &a) == 0, "%s", wk_last_error());
  a.out = x + 2;
  CHECK(wk_f32_gemm(ctx, wt, &a) == WK_STATUS_INVALID_ARGUMENT, "out overlaps x");
  a.out = y, a.out_stride = 3;
  CHECK(wk_f32_gemm(ctx, wt, &a) == WK_STATUS_INVALID_ARGUMENT, "out stride < n");
  a.out_stride = 4, a.residual = y + 1, a.residual_stride = 4;
  CHECK(wk_f32_gemm(ctx, wt, &a) == WK_STATUS_INVALID_ARGUMENT, "residual overlaps out");
  a.residual = NULL, a.m = 0;
  CHECK(wk_f32_gemm(ctx, wt, &a) == WK_STATUS_INVALID_ARGUMENT, "m = 0");
  CHECK(wk_f32_gemm(ctx, NULL, &a) == WK_STATUS_INVALID_ARGUMENT, "NULL weights");
  wk_f32_weights_free(wt);
  wk_f32_weights_free(NULL);
  CHECK(wk_f32_attention_workspace_size(1, 4, 4, 8, 1) == 0, "head_dim 8");
  CHECK(wk_f32_attention_workspace_size(1, 4, 4, 16, 0) == 0, "0 threads");
  const size_t need = wk_f32_attention_workspace_size(1, 4, 4, 16, wk_context_threads(ctx));
  void *ws = wk_alloc(need);
  wk_f32_attention_args at = {1, 4, 4, 16, x, x + 16, x + 32, 48, 48, 48, 0.0f, y, 16, NULL, 0};
  CHECK(wk_f32_attention(ctx, &at, ws, need) == 0, "%s", wk_last_error());
  CHECK(wk_f32_attention(ctx, &at, ws, need - 1) == WK_STATUS_INVALID_ARGUMENT, "small ws");
  at.out = x + 8;
  CHECK(wk_f32_attention(ctx, &at, ws, need) == WK_STATUS_INVALID_ARGUMENT, "out overlaps q");
  at.out = y, at.head_dim = 200;
  CHECK(wk_f32_attention(ctx, &at, ws, need) == WK_STATUS_INVALID_ARGUMENT, "head_dim 200");
  at.head_dim = 16, at.k_stride = 8;
  CHECK(wk_f32_attention(ctx, &at, ws, need) == WK_STATUS_INVALID_ARGUMENT, "k stride");
  at.k_stride = 48, at.softmax_scale = NAN;
  CHECK(wk_f32_attention(ctx, &at, ws, need) == WK_STATUS_INVALID_ARGUMENT, "NaN scale");
  wk_free(ws);
}

/* The value of half h, in double. */
static double half_value(uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
  return h & 0x8000 ? -v : v;
}

static void test_f16(wk_context *c_isa, wk_context *c_ref, wk_test_rng *r) {
  size_t bad_value = 0, bad_trip = 0, bad_round = 0;
  for (uint32_t h = 0; h < 0x10000; h++) {
    if (((h >> 10) & 31) == 31) continue; /* infinities and NaNs: never converted */
    const float f = wk_f16_to_f32((uint16_t)h);
    bad_value += (double)f != half_value((uint16_t)h) || (signbit(f) != 0) != (h >> 15);
    uint16_t back = 0;
    bad_trip += wk_f32_kv_to_f16(&f, 1, &back) || back != h;
  }
  for (int i = 0; i < 200000; i++) { /* random magnitudes 2^-30 … 2^16, and exact midpoints */
    float x = (float)ldexp(wk_test_float(r, 1.0f, 2.0f), wk_test_int(r, -30, 15));
    if (i % 4 == 0) { /* the midpoint of two neighbouring halves */
      const uint16_t h = (uint16_t)wk_test_int(r, 0, 0x7bfe);
      x = (float)(0.5 * (half_value(h) + half_value((uint16_t)(h + 1))));
    }
    if (!(fabsf(x) <= 65504.0f)) continue;
    if (i % 2) x = -x;
    uint16_t h = 0;
    if (wk_f32_kv_to_f16(&x, 1, &h)) {
      bad_round++;
      continue;
    }
    const double e = fabs(half_value(h) - x);
    const uint16_t mag = h & 0x7fff;
    for (int d = -1; d <= 1; d += 2) { /* no neighbour is nearer; a tie goes to the even one */
      if ((d < 0 && mag == 0) || (d > 0 && mag == 0x7bff)) continue;
      const double en = fabs(half_value((uint16_t)((h & 0x8000) | (mag + d))) - x);
      bad_round += en < e || (en == e && (mag & 1));
    }
  }
  const float out_of_range[3] = {65505.0f, -1e6f, NAN};
  uint16_t sink[3];
  for (int i = 0; i < 3; i++)
    CHECK(wk_f32_kv_to_f16(&out_of_range[i], 1, sink) == 1, "%g converted to a half",
          (double)out_of_range[i]);
  CHECK(!bad_value && !bad_trip && !bad_round,
        "halves: %zu values, %zu round trips, %zu roundings wrong", bad_value, bad_trip, bad_round);
  /* packed-half attention = packed-fp32 attention on the rounded values */
  static const int cfg[][4] = {{1, 1, 1, 16}, {2, 5, 130, 64}, {3, 7, 1500, 48}, {2, 1, 65, 128}};
  size_t bad_attn = 0;
  for (size_t t = 0; t < sizeof cfg / sizeof *cfg; t++) {
    const int H = cfg[t][0], lq = cfg[t][1], lk = cfg[t][2], dh = cfg[t][3], W = H * dh;
    float *q = rand_array(r, (size_t)lq * W, -2, 2), *kv = rand_array(r, (size_t)lk * 2 * W, -3, 3);
    for (size_t i = 0; i < (size_t)lk * 2 * W; i++) { /* K/V rounded to halves */
      uint16_t h;
      CHECK(!wk_f32_kv_to_f16(&kv[i], 1, &h), "rounding");
      kv[i] = wk_f16_to_f32(h);
    }
    const size_t bytes = wk_f32_kv_packed_size(H, lk, dh), n = bytes / sizeof(float);
    float *packed = wk_alloc(bytes);
    uint16_t *packed16 = wk_alloc(n * sizeof(uint16_t));
    CHECK(!wk_f32_kv_pack(c_ref, H, lk, dh, kv, 2 * W, kv + W, 2 * W, packed, bytes) &&
              !wk_f32_kv_to_f16(packed, n, packed16), "pack: %s", wk_last_error());
    float *o[3];
    for (int k = 0; k < 3; k++) o[k] = wk_alloc_array((size_t)lq * W, sizeof(float));
    for (int k = 0; k < 3; k++) { /* fp32 scalar, f16 scalar, f16 on this ISA */
      wk_context *c = k == 2 ? c_isa : c_ref;
      const size_t ws_size = wk_f32_attention_packed_workspace_size(H, lk, dh, wk_context_threads(c));
      void *ws = wk_alloc(ws_size);
      const wk_f32_attention_args a = {H, lq, lk, dh, q,    NULL, NULL, W,
                                       0, 0,  0.0f, o[k], W, NULL, 0};
      CHECK((k ? wk_f32_attention_packed_f16(c, &a, packed16, ws, ws_size)
               : wk_f32_attention_packed(c, &a, packed, ws, ws_size)) == WK_STATUS_OK,
            "%s", wk_last_error());
      wk_free(ws);
    }
    bad_attn += count_diff(o[1], o[0], (size_t)lq * W) + count_diff(o[2], o[0], (size_t)lq * W);
    for (int k = 0; k < 3; k++) wk_free(o[k]);
    wk_free(q), wk_free(kv), wk_free(packed), wk_free(packed16);
  }
  CHECK(bad_attn == 0, "packed-half attention: %zu outputs differ from fp32 on the halves", bad_attn);
  printf("halves: every finite half exact and round-tripped, 200000 roundings to nearest even; "
         "packed-half attention bit-exact on %zu shapes\n", sizeof cfg / sizeof *cfg);
}

/* wk_f32_attention_panels against wk_f32_attention: K/V laid into panels of a buffer sized for
 * `ctx` keys (ctx > lk: the slots past lk hold NaN, which must never reach an output). */
static void test_panels(wk_context *c_isa, wk_context *c_ref, wk_test_rng *r) {
  static const int cfg[][4] = {/* heads, lk, dh, ctx */
                               {1, 1, 64, 64}, {2, 65, 64, 448}, {3, 130, 32, 200},
                               {2, 63, 128, 100}, {1, 200, 80, 256}};
  size_t bad = 0;
  for (size_t t = 0; t < sizeof cfg / sizeof *cfg; t++) {
    const int H = cfg[t][0], lk = cfg[t][1], dh = cfg[t][2], ctx = cfg[t][3], W = H * dh;
    const size_t k_head = (size_t)(ctx + 63) / 64 * 64 * dh, v_panel = (size_t)ctx * 64;
    const size_t v_head = (size_t)(dh + 63) / 64 * v_panel;
    float *q = rand_array(r, (size_t)W, -2, 2), *kv = rand_array(r, (size_t)lk * 2 * W, -2, 2);
    float *kp = wk_alloc_array((size_t)H * k_head, sizeof(float));
    float *vp = wk_alloc_array((size_t)H * v_head, sizeof(float));
    for (size_t i = 0; i < (size_t)H * k_head; i++) kp[i] = NAN;
    for (size_t i = 0; i < (size_t)H * v_head; i++) vp[i] = NAN;
    for (int j = 0; j < lk; j++)
      for (int h = 0; h < H; h++)
        for (int c = 0; c < dh; c++) {
          kp[h * k_head + (size_t)(j / 64) * dh * 64 + (size_t)c * 64 + j % 64] = kv[(size_t)j * 2 * W + h * dh + c];
          vp[h * v_head + (size_t)(c / 64) * v_panel + (size_t)j * 64 + c % 64] = kv[(size_t)j * 2 * W + W + h * dh + c];
        }
    float *o_ref = wk_alloc_array((size_t)W, sizeof(float)), *o = wk_alloc_array((size_t)W, sizeof(float));
    wk_f32_attention_args a = {H,     1,    lk,    dh, q, kv, kv + W, W, 2 * W,
                               2 * W, 0.0f, o_ref, W,  NULL, 0};
    const size_t ws_ref_size = wk_f32_attention_workspace_size(H, 1, lk, dh, 1);
    void *ws_ref = wk_alloc(ws_ref_size);
    CHECK(wk_f32_attention(c_ref, &a, ws_ref, ws_ref_size) == 0, "%s", wk_last_error());
    const wk_f32_kv_panels p = {kp, vp, k_head, v_head, v_panel};
    for (int k = 0; k < 2; k++) {
      wk_context *c = k ? c_isa : c_ref;
      const size_t ws_size = wk_f32_attention_packed_workspace_size(H, lk, dh, wk_context_threads(c));
      void *ws = wk_alloc(ws_size);
      a.out = o, a.k = a.v = NULL;
      CHECK(wk_f32_attention_panels(c, &a, &p, ws, ws_size) == 0, "%s", wk_last_error());
      bad += count_diff(o, o_ref, (size_t)W);
      a.k = kv, a.v = kv + W, a.out = o_ref;
      wk_free(ws);
    }
    wk_f32_kv_panels small = p;
    small.v_panel = (size_t)lk * 64 - 1;
    CHECK(wk_f32_attention_panels(c_ref, &a, &small, ws_ref, ws_ref_size) == WK_STATUS_INVALID_ARGUMENT,
          "a V panel stride below lk*64 accepted");
    wk_free(q), wk_free(kv), wk_free(kp), wk_free(vp), wk_free(o_ref), wk_free(o), wk_free(ws_ref);
  }
  CHECK(bad == 0, "attention on panels: %zu outputs differ from wk_f32_attention", bad);
  printf("attention on cache panels: %zu shapes bit-exact (scalar and this ISA)\n",
         sizeof cfg / sizeof *cfg);
}

/* ── attention scores ── */

/* Head h's K/V of kv ([lk][k ‖ v], stride 2W) into panels sized for ctx ≥ lk keys (as the
 * decoder's cache: f32.h's wk_f32_kv_panels layout); the slots past lk hold NaN. */
static wk_f32_kv_panels lay_panels(const float *kv, int H, int lk, int dh, int ctx, float **kp,
                                   float **vp) {
  const int W = H * dh;
  const size_t k_head = (size_t)(ctx + 63) / 64 * 64 * dh, v_panel = (size_t)ctx * 64;
  const size_t v_head = (size_t)(dh + 63) / 64 * v_panel;
  *kp = wk_alloc_array((size_t)H * k_head, sizeof(float));
  *vp = wk_alloc_array((size_t)H * v_head, sizeof(float));
  for (size_t i = 0; i < (size_t)H * k_head; i++) (*kp)[i] = NAN;
  for (size_t i = 0; i < (size_t)H * v_head; i++) (*vp)[i] = NAN;
  for (int j = 0; j < lk; j++)
    for (int h = 0; h < H; h++)
      for (int c = 0; c < dh; c++) {
        (*kp)[h * k_head + (size_t)(j / 64) * dh * 64 + (size_t)c * 64 + j % 64] =
            kv[(size_t)j * 2 * W + h * dh + c];
        (*vp)[h * v_head + (size_t)(c / 64) * v_panel + (size_t)j * 64 + c % 64] =
            kv[(size_t)j * 2 * W + W + h * dh + c];
      }
  return (wk_f32_kv_panels){*kp, *vp, k_head, v_head, v_panel};
}

#define SENTINEL 0x7fc0beefu /* a quiet NaN in the head stride's gaps: must stay there */

/* The scores of wk_f32_attention, _packed, _packed_f16 and _panels against the spec
 * (f32.h: S = fmaf chain over c from +0.0f, scores = S · scale, one float multiply), bit for
 * bit, on the scalar kernel (1 thread) and this ISA (1, 2, 3 threads); the attention's output
 * the same with and without scores.  K and V are rounded to halves first, so the packed-half
 * call computes on the same values. */
static void test_scores(wk_isa isa, wk_context *c_ref, wk_test_rng *r) {
  static const int cfg[][4] = {/* heads, lq, lk, dh */
                               {1, 1, 1, 16},   {3, 25, 70, 48},  {2, 49, 131, 64},
                               {4, 7, 1501, 32}, {2, 30, 65, 128}, {5, 24, 17, 80}};
  static const char *const mode_name[4] = {"attention", "packed", "packed_f16", "panels"};
  wk_context *ctxs[4] = {c_ref, wk_test_context(isa, 1), wk_test_context(isa, 2),
                         wk_test_context(isa, 3)};
  size_t bad_scores = 0, bad_gaps = 0, bad_out = 0, n_checked = 0;
  for (size_t t = 0; t < sizeof cfg / sizeof *cfg; t++) {
    const int H = cfg[t][0], lq = cfg[t][1], lk = cfg[t][2], dh = cfg[t][3], W = H * dh;
    const float scale = t % 2 ? 0.3f : 0.0f, used = scale ? scale : (float)(1.0 / sqrt(dh));
    const float qs = t % 3 ? 3.0f : 1.0f;
    float *q = rand_array(r, (size_t)lq * W, -qs, qs);
    float *kv = rand_array(r, (size_t)lk * 2 * W, -qs, qs);
    for (size_t i = 0; i < (size_t)lk * 2 * W; i++) { /* K/V on halves' values */
      uint16_t h;
      CHECK(!wk_f32_kv_to_f16(&kv[i], 1, &h), "rounding");
      kv[i] = wk_f16_to_f32(h);
    }
    /* the spec */
    const size_t plane = (size_t)lq * lk;
    const ptrdiff_t hs = H > 1 ? (ptrdiff_t)plane + 3 : 0; /* gaps of 3 between heads */
    const size_t n_sc = (size_t)(H - 1) * (size_t)hs + plane;
    float *spec = wk_alloc_array((size_t)H * plane, sizeof(float));
    for (int h = 0; h < H; h++)
      for (int i = 0; i < lq; i++)
        for (int j = 0; j < lk; j++) {
          float acc = 0.0f;
          for (int c = 0; c < dh; c++)
            acc = fmaf(q[(size_t)i * W + h * dh + c], kv[(size_t)j * 2 * W + h * dh + c], acc);
          spec[(size_t)h * plane + (size_t)i * lk + j] = acc * used;
        }
    /* the K/V in each form */
    const size_t bytes = wk_f32_kv_packed_size(H, lk, dh), n_packed = bytes / sizeof(float);
    float *packed = wk_alloc(bytes), *kp = NULL, *vp = NULL;
    uint16_t *packed16 = wk_alloc(n_packed * sizeof(uint16_t));
    CHECK(!wk_f32_kv_pack(c_ref, H, lk, dh, kv, 2 * W, kv + W, 2 * W, packed, bytes) &&
              !wk_f32_kv_to_f16(packed, n_packed, packed16), "pack: %s", wk_last_error());
    const wk_f32_kv_panels panels = lay_panels(kv, H, lk, dh, lk + 7, &kp, &vp);
    float *o_ref = wk_alloc_array((size_t)lq * W, sizeof(float));
    float *o = wk_alloc_array((size_t)lq * W, sizeof(float));
    float *sc = wk_alloc_array(n_sc, sizeof(float));
    wk_f32_attention_args a = {H, lq, lk, dh, q, kv, kv + W, W, 2 * W, 2 * W, scale, o_ref, W,
                               NULL, 0};
    const size_t ws_ref_size = wk_f32_attention_workspace_size(H, lq, lk, dh, 1);
    void *ws_ref = wk_alloc(ws_ref_size);
    CHECK(wk_f32_attention(c_ref, &a, ws_ref, ws_ref_size) == 0, "%s", wk_last_error());
    a.out = o, a.scores = sc, a.scores_head_stride = hs;
    for (int mode = 0; mode < 4; mode++)
      for (int k = 0; k < 4; k++) {
        wk_context *c = ctxs[k];
        const int th = wk_context_threads(c);
        const size_t ws_size = mode ? wk_f32_attention_packed_workspace_size(H, lk, dh, th)
                                    : wk_f32_attention_workspace_size(H, lq, lk, dh, th);
        void *ws = wk_alloc(ws_size);
        const uint32_t sentinel = SENTINEL;
        for (size_t i = 0; i < n_sc; i++) memcpy(&sc[i], &sentinel, sizeof sentinel);
        for (size_t i = 0; i < (size_t)lq * W; i++) o[i] = NAN;
        wk_status st = mode == 0   ? wk_f32_attention(c, &a, ws, ws_size)
                       : mode == 1 ? wk_f32_attention_packed(c, &a, packed, ws, ws_size)
                       : mode == 2 ? wk_f32_attention_packed_f16(c, &a, packed16, ws, ws_size)
                                   : wk_f32_attention_panels(c, &a, &panels, ws, ws_size);
        CHECK(st == WK_STATUS_OK, "scores %s: %s", mode_name[mode], wk_last_error());
        size_t bs = 0, bg = 0;
        for (int h = 0; h < H; h++) {
          bs += count_diff(sc + h * hs, spec + (size_t)h * plane, plane);
          for (ptrdiff_t g = (ptrdiff_t)plane; h < H - 1 && g < hs; g++)
            bg += memcmp(&sc[h * hs + g], &sentinel, sizeof sentinel) != 0;
        }
        const size_t bo = count_diff(o, o_ref, (size_t)lq * W);
        if (bs || bg || bo)
          CHECK(0, "scores %s heads=%d lq=%d lk=%d dh=%d on %s/%d threads: %zu scores differ "
                "from the spec, %zu gap floats written, %zu outputs differ", mode_name[mode], H,
                lq, lk, dh, k ? wk_isa_name(isa) : "scalar", th, bs, bg, bo);
        bad_scores += bs, bad_gaps += bg, bad_out += bo, n_checked += (size_t)H * plane;
        wk_free(ws);
      }
    wk_free(q), wk_free(kv), wk_free(spec), wk_free(packed), wk_free(packed16), wk_free(kp);
    wk_free(vp), wk_free(o_ref), wk_free(o), wk_free(sc), wk_free(ws_ref);
  }
  for (int k = 1; k < 4; k++) wk_context_free(ctxs[k]);
  printf("attention scores: %zu shapes x 4 calls x (scalar/1, %s/1,2,3 threads): %zu scores "
         "bit-exact vs the spec (%zu differ), outputs unchanged (%zu differ), gaps untouched "
         "(%zu written)\n", sizeof cfg / sizeof *cfg, wk_isa_name(isa), n_checked, bad_scores,
         bad_out, bad_gaps);
}

/* The scores' stride and overlap checks. */
static void test_scores_args(wk_context *ctx) {
  enum { H = 2, L = 3, DH = 16, WD = H * DH };
  float x[L * 3 * WD] = {0}, y[L * WD], sc[2 * H * L * L + 64];
  const int th = wk_context_threads(ctx);
  const size_t need = wk_f32_attention_workspace_size(H, L, L, DH, th);
  float *ws = wk_alloc(need);
  wk_f32_attention_args a = {H, L, L, DH, x, x + WD, x + 2 * WD, 3 * WD, 3 * WD, 3 * WD, 0.0f, y,
                             WD, sc, L * L};
  CHECK(wk_f32_attention(ctx, &a, ws, need) == 0, "%s", wk_last_error());
  struct { float *scores; ptrdiff_t hs; const char *what; } bad[] = {
      {sc, L * L - 1, "head stride < lq*lk"},
      {sc, -1, "negative head stride"},
      {y + WD, L * L, "scores overlapping out"},
      {x + 1, L * L, "scores overlapping q"},
      {x + 3 * WD * (L - 1) + WD + 3, L * L, "scores overlapping k"},
      {x + 3 * WD * (L - 1) + 2 * WD + 15, L * L, "scores overlapping v"},
      {ws + 5, L * L, "scores overlapping the workspace"},
      {sc, PTRDIFF_MAX / 2, "an overflowing head stride"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    a.scores = bad[i].scores, a.scores_head_stride = bad[i].hs;
    CHECK(wk_f32_attention(ctx, &a, ws, need) == WK_STATUS_INVALID_ARGUMENT, "%s accepted",
          bad[i].what);
  }
  a.heads = 1, a.scores = sc, a.scores_head_stride = 0; /* one head: any stride ≥ 0 */
  CHECK(wk_f32_attention(ctx, &a, ws, need) == 0, "one head, stride 0: %s", wk_last_error());
  a.heads = H;
  /* packed: the scores must not overlap the packed K/V (nor, packed-half, its halves) */
  const size_t bytes = wk_f32_kv_packed_size(H, L, DH);
  float *packed = wk_alloc(bytes);
  CHECK(!wk_f32_kv_pack(ctx, H, L, DH, x + WD, 3 * WD, x + 2 * WD, 3 * WD, packed, bytes), "%s",
        wk_last_error());
  const size_t pws = wk_f32_attention_packed_workspace_size(H, L, DH, th);
  a.scores = packed + bytes / sizeof(float) - 1, a.scores_head_stride = L * L;
  CHECK(wk_f32_attention_packed(ctx, &a, packed, ws, pws) == WK_STATUS_INVALID_ARGUMENT,
        "scores overlapping the packed K/V accepted");
  a.scores = packed + bytes / sizeof(float) / 2 - 1; /* the halves end at the middle */
  CHECK(wk_f32_attention_packed_f16(ctx, &a, (const uint16_t *)(void *)packed, ws, pws) ==
            WK_STATUS_INVALID_ARGUMENT, "scores overlapping the packed halves accepted");
  CHECK(wk_f32_attention_packed(ctx, &a, packed, ws, pws) == WK_STATUS_INVALID_ARGUMENT,
        "scores inside the packed K/V accepted");
  /* panels: the V panels' used rows */
  float *kp = NULL, *vp = NULL, kv[L * 2 * WD] = {0};
  const wk_f32_kv_panels p = lay_panels(kv, H, L, DH, 100, &kp, &vp);
  a.k = a.v = NULL;
  a.scores = vp + p.v_head + (L - 1) * 64 + 3; /* head 1's last key */
  CHECK(wk_f32_attention_panels(ctx, &a, &p, ws, pws) == WK_STATUS_INVALID_ARGUMENT,
        "scores overlapping the V panels accepted");
  a.scores = kp + 5;
  CHECK(wk_f32_attention_panels(ctx, &a, &p, ws, pws) == WK_STATUS_INVALID_ARGUMENT,
        "scores overlapping the K panels accepted");
  a.scores = sc;
  CHECK(wk_f32_attention_panels(ctx, &a, &p, ws, pws) == 0, "panels: %s", wk_last_error());
  wk_free(ws), wk_free(packed), wk_free(kp), wk_free(vp);
}

int main(int argc, char **argv) {
  const wk_isa isa = argc > 1 ? wk_test_isa_arg(argc, argv) : WK_ISA_SCALAR;
  wk_context *c_ref = wk_test_context(WK_ISA_SCALAR, 1);
  wk_context *c_isa = wk_test_context(isa, 3);
  wk_test_rng r = {0x5eed + (uint64_t)isa};
  printf("kernel %s vs %s (3 threads vs 1)\n", wk_kernels_for(isa)->f32->name,
         wk_f32_kernel_scalar.name);
  test_gemm(c_isa, c_ref, &r);
  test_softmax(wk_kernels_for(isa)->f32, &r);
  test_attention(c_isa, c_ref, &r);
  test_f16(c_isa, c_ref, &r);
  test_panels(c_isa, c_ref, &r);
  test_scores(isa, c_ref, &r);
  test_args(c_isa);
  test_scores_args(c_isa);
  wk_context_free(c_ref);
  wk_context_free(c_isa);
  return wk_test_finish("test_f32");
}
