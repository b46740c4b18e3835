/* test_gemm_kernels.c — every GEMM kernel against the scalar spec, through the operator
 * (packing, blocking, threads): the output bytes must be identical.
 *   shapes:    M, N, K ∈ {1, 2, 3, 15, 16, 17, 63, 64, 65, 127}, a deterministic sample of the
 *              1000 combinations plus the diagonal, with random epilogues (bias, GELU,
 *              residual — also in place), padded strides and full-range or saturated values;
 *   k_large:   K up to 8192 (and K = 65536, where |Acc| reaches the 2^30 bound) with all
 *              −128/127 values, also checked against an int64 reference;
 *   out_q:     every problem of shapes, k_large (and whisper) also with the requantized int8
 *              output, with and without the fp32 one, against the fp32 spec output followed by
 *              wk_quantize_rows (bytes of q, scales and padding);
 *   groups:    the per-group int8 output (group_cols 16, 32, 64, 128; every count of
 *              quantized groups; padded strides) against the fp32 spec output followed by
 *              wk_quant_row per group — and at the encoder's QKV shape on 1, 2 and 5 threads;
 *   whisper:   1500×512×512 with bias + GELU + residual on 1, 2 and 5 threads;
 *   quantize:  row lengths hitting every remainder; ties, zero, subnormal and huge rows;
 *   gelu:      the spec function's error against double erf and its exact limits.
 * ISAs the CPU lacks are reported as SKIP; exit 77 if no SIMD kernel can run. */
#include <math.h>
#include <string.h>

#include "gemm_kernel_check.h" /* problems, the spec run, the comparisons, the shape sweeps */
#include "quant/quant-internal.h"

/* ── GEMM cases ─────────────────────────────────────────────────────────── */

static wk_context *ctx1[WK_ISA_COUNT], *ctx2[WK_ISA_COUNT]; /* 1 and 2 threads */

static int q_cases, q_cases_with_out;

/* The int8 output (out_q) of p on every ISA and 1/2 threads against the fp32 spec output
 * `want` followed by wk_quantize_rows; with_out: ask for the fp32 output too (it must still
 * equal `want`). */
static void compare_q(const problem *p, const float *want, const char *what, int with_out,
                      ptrdiff_t q_stride) {
  q_output spec;
  q_spec(ctx1[WK_ISA_SCALAR], p, want, q_stride, &spec);
  char label[200];
  for (int isa = WK_ISA_SCALAR; isa < WK_ISA_COUNT; isa++)
    for (int t = 0; t < 2; t++) {
      wk_context *c = t ? ctx2[isa] : ctx1[isa];
      if (!c) continue;
      q_output got;
      run_q(c, p, q_stride, with_out, &got);
      snprintf(label, sizeof label, "%s out_q%s %s (%d thread%s)", what,
               with_out ? "+out" : "", wk_context_kernel_name(c, "gemm"), t + 1, t ? "s" : "");
      same_q(p, &spec, &got, label);
      if (with_out) same_bytes(p, want, got.out, label), check_sentinel(p, got.out, label);
      free_q_output(&got);
    }
  free_q_output(&spec);
  q_cases++;
  q_cases_with_out += with_out != 0;
}

static void compare_all(const problem *p, const char *what, int reference) {
  float *want = run(ctx1[WK_ISA_SCALAR], p);
  char label[160];
  snprintf(label, sizeof label, "%s scalar", what);
  check_sentinel(p, want, label);
  if (reference) check_reference(p, want, label);
  for (int isa = WK_ISA_SCALAR; isa < WK_ISA_COUNT; isa++)
    for (int t = 0; t < 2; t++) {
      wk_context *c = t ? ctx2[isa] : ctx1[isa];
      if (!c || (isa == WK_ISA_SCALAR && t == 0)) continue;
      float *got = run(c, p);
      snprintf(label, sizeof label, "%s %s (%d thread%s)", what, wk_context_kernel_name(c, "gemm"),
               t + 1, t ? "s" : "");
      same_bytes(p, want, got, label);
      free(got);
    }
  /* the int8 output: with and without the fp32 one, packed or padded rows (deterministic in
   * the shape, so the sweeps' random streams are unchanged) */
  const unsigned h = (unsigned)(p->m * 7 + p->n * 3 + p->k);
  compare_q(p, want, what, (int)(h & 1), p->n + (ptrdiff_t)((h >> 1) % 3));
  free(want);
}

static void test_whisper(wk_test_rng *rng) {
  problem p;
  make_problem(&p, rng, 1500, 512, 512, 0, 1 | 2 | 4, 4.0f);
  compare_all(&p, "whisper 1500x512x512 bias+gelu+residual", 0);
  /* an odd thread count changes the task blocking; the bytes must not change */
  float *want = run(ctx1[WK_ISA_SCALAR], &p);
  for (int isa = WK_ISA_AVX2; isa < WK_ISA_COUNT; isa++) {
    wk_context *c = NULL;
    wk_context_options o = {5, (wk_isa)isa};
    if (!ctx1[isa] || wk_context_create(&o, &c) != WK_STATUS_OK) continue;
    float *got = run(c, &p);
    same_bytes(&p, want, got, "whisper 1500x512x512 (5 threads)");
    free(got);
    wk_context_free(c);
  }
  /* the int8 output on 5 threads too, with and without the fp32 output */
  for (int with_out = 0; with_out < 2; with_out++) {
    q_output spec;
    q_spec(ctx1[WK_ISA_SCALAR], &p, want, p.n, &spec);
    for (int isa = WK_ISA_SCALAR; isa < WK_ISA_COUNT; isa++) {
      wk_context *c = NULL;
      wk_context_options o = {5, (wk_isa)isa};
      if (!ctx1[isa] || wk_context_create(&o, &c) != WK_STATUS_OK) continue;
      q_output got;
      run_q(c, &p, p.n, with_out, &got);
      same_q(&p, &spec, &got, "whisper 1500x512x512 out_q (5 threads)");
      if (with_out) same_bytes(&p, want, got.out, "whisper 1500x512x512 out_q+out (5 threads)");
      free_q_output(&got);
      wk_context_free(c);
    }
    free_q_output(&spec);
  }
  free(want);
  free_problem(&p);
  printf("whisper: 1500x512x512 identical on every ISA, 1, 2 and 5 threads (fp32 and int8 "
         "outputs)\n");
}

/* ── per-group int8 output (group_cols: the encoder's Q/K quantizer) ─────── */

/* p (no GELU, no residual) with group_cols = gc and groups_q = nq on ctx; outputs with padded
 * strides, padding set to sentinels (checked by the caller's comparison of whole buffers). */
typedef struct group_output {
  int8_t *q;      /* [m][qs]  */
  float *scale;   /* [nq][ss] */
  float *out;     /* [m][os]  */
  uint32_t *amax; /* [m][as]  */
  ptrdiff_t qs, ss, os, as;
} group_output;

static void new_group_output(const problem *p, int gc, int nq, group_output *o) {
  const int nf = p->n / gc - nq;
  o->qs = (ptrdiff_t)nq * gc + 3, o->ss = p->m + 2, o->os = (ptrdiff_t)nf * gc + 1, o->as = nf + 1;
  o->q = malloc((size_t)p->m * o->qs + 1);
  o->scale = malloc(sizeof(float) * ((size_t)nq * o->ss + 1));
  o->out = malloc(sizeof(float) * ((size_t)p->m * o->os + 1));
  o->amax = malloc(sizeof(uint32_t) * ((size_t)p->m * o->as + 1));
  memset(o->q, Q_SENTINEL, (size_t)p->m * o->qs + 1);
  memset(o->scale, 0x5b, sizeof(float) * ((size_t)nq * o->ss + 1));
  memset(o->out, 0x5c, sizeof(float) * ((size_t)p->m * o->os + 1));
  memset(o->amax, 0x5d, sizeof(uint32_t) * ((size_t)p->m * o->as + 1));
}

static void free_group_output(group_output *o) { free(o->q), free(o->scale), free(o->out), free(o->amax); }

/* The rule: the fp32 spec output y, then each quantized group by wk_quant_row (scalar), the
 * others copied with their magnitude maxima. */
static void group_spec(const problem *p, const float *y, int gc, int nq, group_output *o) {
  new_group_output(p, gc, nq, o);
  for (int i = 0; i < p->m; i++)
    for (int G = 0; G < p->n / gc; G++) {
      const float *x = y + i * p->out_stride + G * gc;
      if (G < nq) {
        CHECK(wk_quant_row(&wk_quant_kernel_scalar, x, gc, o->q + i * o->qs + G * gc,
                           &o->scale[G * o->ss + i]),
              "group spec: non-finite output");
      } else {
        memcpy(o->out + i * o->os + (G - nq) * gc, x, sizeof(float) * gc);
        o->amax[i * o->as + (G - nq)] = wk_quant_kernel_scalar.amax_bits(x, gc);
      }
    }
}

static void run_groups(wk_context *ctx, const problem *p, int gc, int nq, group_output *o) {
  new_group_output(p, gc, nq, o);
  wk_gemm_weights *w = NULL;
  wk_status s = wk_gemm_weights_create(ctx, p->w, p->w_stride, p->w_scale, p->bias, p->n, p->k, &w);
  CHECK(s == WK_STATUS_OK, "weights_create: %s", wk_last_error());
  const int nf = p->n / gc - nq;
  wk_gemm_args g = {.m = p->m, .a = p->a, .a_stride = p->a_stride, .a_scale = p->a_scale,
                    .group_cols = gc, .groups_q = nq, .groups.q = nq ? o->q : NULL,
                    .groups.q_stride = o->qs, .groups.scale = nq ? o->scale : NULL,
                    .groups.scale_stride = o->ss, .out = nf ? o->out : NULL, .out_stride = o->os,
                    .groups.amax = nf ? o->amax : NULL, .groups.amax_stride = o->as};
  if (s == WK_STATUS_OK) {
    s = wk_gemm_run(ctx, w, &g);
    CHECK(s == WK_STATUS_OK, "gemm_run (groups): %s", wk_last_error());
  }
  wk_gemm_weights_free(w);
}

static int same_groups(const problem *p, const group_output *a, const group_output *b, int gc,
                       int nq, const char *what) {
  const int nf = p->n / gc - nq;
  const int ok = memcmp(a->q, b->q, (size_t)p->m * a->qs + 1) == 0 &&
                 memcmp(a->scale, b->scale, sizeof(float) * ((size_t)nq * a->ss + 1)) == 0 &&
                 memcmp(a->out, b->out, sizeof(float) * ((size_t)p->m * a->os + 1)) == 0 &&
                 memcmp(a->amax, b->amax, sizeof(uint32_t) * ((size_t)p->m * a->as + 1)) == 0;
  CHECK(ok, "%s: m=%d n=%d k=%d group_cols=%d groups_q=%d (%d fp32): bytes differ from the rule",
        what, p->m, p->n, p->k, gc, nq, nf);
  return ok;
}

static void test_groups(wk_test_rng *rng) {
  static const int gcs[] = {16, 32, 64, 128}, ms[] = {1, 5, 7, 50, 97}, ks[] = {17, 64, 300};
  int cases = 0;
  for (size_t gi = 0; gi < 4; gi++)
    for (size_t mi = 0; mi < 5; mi++)
      for (int G = 1; G <= 8; G += G < 3 ? 2 : 5) { /* 1, 3, 8 groups */
        const int gc = gcs[gi], m = ms[mi], n = gc * G, k = ks[(gi + mi + (size_t)G) % 3];
        problem p;
        make_problem(&p, rng, m, n, k, (int)(mi % 4), (int)(wk_test_next(rng) & (1 | 8 | 16)),
                     4.0f);
        float *y = run(ctx1[WK_ISA_SCALAR], &p);
        const int nqs[4] = {0, 1, G / 2, G};
        for (int qi = 0; qi < 4; qi++) {
          const int nq = nqs[qi];
          if (qi > 0 && nq == nqs[qi - 1]) continue;
          group_output want;
          group_spec(&p, y, gc, nq, &want);
          for (int isa = WK_ISA_SCALAR; isa < WK_ISA_COUNT; isa++)
            for (int t = 0; t < 2; t++) {
              wk_context *c = t ? ctx2[isa] : ctx1[isa];
              if (!c) continue;
              group_output got;
              run_groups(c, &p, gc, nq, &got);
              char label[160];
              snprintf(label, sizeof label, "groups %s (%d thread%s)",
                       wk_context_kernel_name(c, "gemm"), t + 1, t ? "s" : "");
              same_groups(&p, &want, &got, gc, nq, label);
              free_group_output(&got);
            }
          free_group_output(&want);
          cases++;
        }
        free(y);
        free_problem(&p);
      }
  /* the encoder's shape (base: Q ‖ K quantized, V fp32) on 1, 2 and 5 threads */
  problem p;
  make_problem(&p, rng, 1500, 1536, 512, 0, 1, 4.0f);
  float *y = run(ctx1[WK_ISA_SCALAR], &p);
  group_output want;
  group_spec(&p, y, 64, 16, &want);
  for (int isa = WK_ISA_SCALAR; isa < WK_ISA_COUNT; isa++) {
    wk_context *c = NULL;
    wk_context_options o = {5, (wk_isa)isa};
    if (!ctx1[isa]) continue;
    for (int t = 0; t < 3; t++) {
      if (t == 2 && wk_context_create(&o, &c) != WK_STATUS_OK) break;
      group_output got;
      run_groups(t == 0 ? ctx1[isa] : t == 1 ? ctx2[isa] : c, &p, 64, 16, &got);
      same_groups(&p, &want, &got, 64, 16, wk_isa_name((wk_isa)isa));
      free_group_output(&got);
    }
    wk_context_free(c);
  }
  free_group_output(&want);
  free(y);
  free_problem(&p);
  printf("groups: %d problems (group_cols 16/32/64/128) and 1500x1536x512 equal fp32 + "
         "wk_quant_row per group on every ISA, 1, 2 (and 5) threads\n", cases);
}

/* ── quantizer ──────────────────────────────────────────────────────────── */

static void quantize_ref(const float *x, int k, int8_t *q, float *scale) {
  float amax = 0.0f;
  for (int i = 0; i < k; i++) amax = fabsf(x[i]) > amax ? fabsf(x[i]) : amax;
  float s = amax / 127.0f;
  if (s == 0.0f) s = 1.0f;
  for (int i = 0; i < k; i++) {
    float v = nearbyintf(x[i] / s);
    q[i] = (int8_t)(v > 127.0f ? 127 : v < -127.0f ? -127 : (int)v);
  }
  *scale = s;
}

static void test_quantize(wk_test_rng *rng) {
  static const int ks[] = {1,  2,  3,  7,   8,   9,   15,  16,  17,  31,
                           32, 33, 63, 64, 65, 127, 128, 129, 1500};
  int cases = 0;
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
    for (int kind = 0; kind < 6; kind++) {
      const int k = ks[ki], m = 5;
      const ptrdiff_t xs = k + 3, qs = k + 1;
      float *x = malloc(sizeof(float) * m * xs);
      for (int i = 0; i < m * xs; i++) {
        float v = wk_test_float(rng, -3.0f, 3.0f);
        switch (kind) {
        case 1: v = (float)wk_test_int(rng, -127, 126) + 0.5f; break; /* ties: amax 127 → s = 1 */
        case 2: v = 0.0f; break;                                      /* all zero → s = 1 */
        case 3: v *= 1e-44f; break;                                   /* subnormal */
        case 4: v *= 1e37f; break;                                    /* huge */
        case 5: v = (i & 1) ? -0.0f : v * 1e-3f; break;
        default: break;
        }
        x[i] = v;
      }
      if (kind == 1)
        for (int i = 0; i < m; i++) x[i * xs] = (i & 1) ? -127.0f : 127.0f; /* pin amax */
      int8_t qref[1500], *q[WK_ISA_COUNT];
      float sref, *sc[WK_ISA_COUNT];
      for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
        q[isa] = NULL, sc[isa] = NULL;
        if (!ctx2[isa]) continue;
        q[isa] = malloc((size_t)m * qs);
        sc[isa] = malloc(sizeof(float) * m);
        memset(q[isa], 0x55, (size_t)m * qs);
        wk_status s = wk_quantize_rows(ctx2[isa], x, xs, m, k, q[isa], qs, sc[isa]);
        CHECK(s == WK_STATUS_OK, "quantize: %s", wk_last_error());
      }
      for (int i = 0; i < m; i++) {
        quantize_ref(x + i * xs, k, qref, &sref);
        for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
          if (!q[isa]) continue;
          CHECK(memcmp(&sc[isa][i], &sref, sizeof sref) == 0,
                "quantize %s k=%d kind=%d row %d: scale %.9g, reference %.9g", wk_isa_name(isa),
                k, kind, i, (double)sc[isa][i], (double)sref);
          CHECK(memcmp(q[isa] + i * qs, qref, (size_t)k) == 0,
                "quantize %s k=%d kind=%d row %d: q differs from the reference", wk_isa_name(isa),
                k, kind, i);
          CHECK(q[isa][i * qs + k] == 0x55, "quantize %s: q padding written", wk_isa_name(isa));
        }
      }
      for (int isa = 0; isa < WK_ISA_COUNT; isa++) free(q[isa]), free(sc[isa]);
      free(x);
      cases++;
    }
  printf("quantize: %d cases compared on every ISA\n", cases);
}

/* ── GELU spec ──────────────────────────────────────────────────────────── */

static void test_gelu(wk_test_rng *rng) {
  double max_err = 0.0;
  for (int i = 0; i < 2000000; i++) {
    float x = wk_test_float(rng, -10.0f, 10.0f);
    double ref = (double)x * 0.5 * erfc(-(double)x / sqrt(2.0));
    double err = fabs((double)wk_gelu(x) - ref);
    max_err = err > max_err ? err : max_err;
  }
  CHECK(max_err <= 1e-6, "gelu: max abs error %.3g > 1e-6 on [-10, 10]", max_err);
  static const float big[] = {WK_GELU_T, 5.6568543f, 6.0f, 10.0f, 1e3f, 3.4e38f, INFINITY};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
    CHECK(wk_gelu(big[i]) == big[i], "gelu(%g) = %.9g, expected exactly x", (double)big[i],
          (double)wk_gelu(big[i]));
  static const float neg[] = {-WK_GELU_T, -5.5f, -18.4f, -100.0f, -1e30f, -3.4e38f, -INFINITY};
  for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++)
    CHECK(wk_gelu(neg[i]) == 0.0f, "gelu(%g) = %g, expected exactly 0", (double)neg[i],
          (double)wk_gelu(neg[i]));
  CHECK(isnan(wk_gelu(NAN)), "gelu(NaN) is not NaN");
  printf("gelu: max abs error %.3g on 2e6 samples of [-10, 10]; limits exact\n", max_err);
}

/* The GELU twins against wk_gelu on chosen inputs, through the operator: row i computes
 * y = (±1)·(|x_i|·1) = x_i exactly (k = 4, one nonzero product, w_scale 1), then GELU, in every
 * column, on every ISA.  The inputs: both sides of T and of the table's interval edges (where
 * u = |x|·S is a whole number, or rounds up to 16), tiny values, and a sweep of [−10, 10]. */
static void test_gelu_twins(wk_test_rng *rng) {
  enum { M = 4096, N = 64, K = 4 };
  problem p;
  make_problem(&p, rng, M, N, K, 0, 2, 1.0f);
  float x[M];
  int m = 0;
  for (int e = 0; e <= 16; e++) { /* u = e: the edges, and one float either side */
    const float a = (float)e / WK_GELU_S;
    const float v[] = {a, nextafterf(a, 0.0f), nextafterf(a, 100.0f)};
    for (int s = 0; s < 3; s++) x[m++] = v[s], x[m++] = -v[s];
  }
  const float t[] = {WK_GELU_T, nextafterf(WK_GELU_T, 0.0f), nextafterf(WK_GELU_T, 100.0f),
                     1e-30f, 1e-7f, 3e-4f, 1e4f, 1e6f};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) x[m++] = t[i], x[m++] = -t[i];
  while (m < M) x[m] = -10.0f + 20.0f * (float)m / (float)M, m++;
  for (int i = 0; i < M; i++) {
    if (fabsf(x[i]) < 1e-30f) x[i] = x[i] < 0 ? -1e-30f : 1e-30f; /* a_scale: a normal > 0 */
    memset(p.a + (size_t)i * p.a_stride, 0, (size_t)K);
    p.a[(size_t)i * p.a_stride] = x[i] < 0 ? -1 : 1;
    p.a_scale[i] = fabsf(x[i]);
  }
  for (int j = 0; j < N; j++) {
    memset(p.w + (size_t)j * p.w_stride, 0, (size_t)K);
    p.w[(size_t)j * p.w_stride] = 1;
    p.w_scale[j] = 1.0f;
  }
  float *want = run(ctx1[WK_ISA_SCALAR], &p);
  int bad = 0;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      const float g = wk_gelu(x[i]), y = want[(size_t)i * p.out_stride + j];
      bad += memcmp(&g, &y, sizeof g) != 0;
    }
  CHECK(bad == 0, "gelu twins: the scalar operator differs from wk_gelu in %d outputs", bad);
  compare_all(&p, "gelu twins", 0);
  free(want);
  free_problem(&p);
  printf("gelu twins: %d inputs (interval edges, ±T, sweep) equal wk_gelu on every ISA\n", M);
}

int main(int argc, char **argv) {
  const int filter = wk_test_isa_filter(argc, argv);
  wk_test_rng rng = {20261122};
  int simd = 0;
  for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
    ctx1[isa] = ctx2[isa] = NULL;
    if (!wk_test_isa_wanted(filter, isa)) continue;
    wk_context_options o1 = {1, (wk_isa)isa}, o2 = {2, (wk_isa)isa};
    if (wk_context_create(&o1, &ctx1[isa]) || wk_context_create(&o2, &ctx2[isa])) {
      fprintf(stderr, "cannot create %s contexts: %s\n", wk_isa_name((wk_isa)isa), wk_last_error());
      return 1;
    }
    printf("%s: %s\n", wk_isa_name((wk_isa)isa), wk_context_kernel_name(ctx1[isa], "gemm"));
    if (isa != WK_ISA_SCALAR) simd++;
  }
  test_gelu(&rng);
  if (!simd) {
    printf("no SIMD GEMM kernel can run on this CPU\n");
    return WK_TEST_SKIP;
  }
  test_gelu_twins(&rng);
  gemm_check_shapes(&rng, compare_all);
  gemm_check_k_large(&rng, compare_all);
  printf("out_q: %d problems (%d also with the fp32 output) equal fp32 + wk_quantize_rows on "
         "every ISA, 1 and 2 threads\n", q_cases, q_cases_with_out);
  test_quantize(&rng);
  test_groups(&rng);
  test_whisper(&rng);
  for (int isa = 0; isa < WK_ISA_COUNT; isa++) {
    wk_context_free(ctx1[isa]);
    wk_context_free(ctx2[isa]);
  }
  return wk_test_finish("test_gemm_kernels");
}
