/* f32_bench.c [THREADS…] — the FP32 path's speed as a fraction of this machine's FP32 FMA peak
 * (not a test: run by hand; each part runs a few seconds):
 *   peak: one core, 12 independent vfmadd231ps zmm chains (ymm without AVX-512), best of 5;
 *   gemm: base fc1, 1500 × 2048 × 512 (+ bias + GELU), median of 7 runs after a warm-up;
 *   encoder: a base-shaped encoder (d 512, 8 heads, 6 layers, n_ctx 1500), median of 3 runs,
 *   with the per-stage profile.
 * % of peak = flop/s ÷ (threads × one core's peak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "f32/f32.h"
#include "f32_synth.h"
#include "model/encoder-f32.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

__attribute__((target("avx512f"))) static double peak_avx512(void) {
  const long iters = 20000000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
#define INIT(i) __m512 acc##i = _mm512_set1_ps((float)i);
    CHAINS(INIT)
    __m512 a = _mm512_set1_ps(1.0000001f), b = _mm512_set1_ps(0.9999999f);
    double t0 = wk_now();
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm512_fmadd_ps(acc##i, a, b);
      CHAINS(STEP)
      __asm__ volatile("" : "+v"(a), "+v"(b));
    }
    double dt = wk_now() - t0;
    __m512 s = _mm512_setzero_ps();
#define SUM(i) s = _mm512_add_ps(s, acc##i);
    CHAINS(SUM)
    __asm__ volatile("" : : "v"(s));
    double r = (double)iters * 12 * 16 * 2 / dt;
    if (r > best) best = r;
  }
  return best;
}

__attribute__((target("avx2,fma"))) static double peak_avx2(void) {
  const long iters = 20000000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
#define INIT2(i) __m256 acc##i = _mm256_set1_ps((float)i);
    CHAINS(INIT2)
    __m256 a = _mm256_set1_ps(1.0000001f), b = _mm256_set1_ps(0.9999999f);
    double t0 = wk_now();
    for (long it = 0; it < iters; it++) {
#define STEP2(i) acc##i = _mm256_fmadd_ps(acc##i, a, b);
      CHAINS(STEP2)
      __asm__ volatile("" : "+x"(a), "+x"(b));
    }
    double dt = wk_now() - t0;
    __m256 s = _mm256_setzero_ps();
#define SUM2(i) s = _mm256_add_ps(s, acc##i);
    CHAINS(SUM2)
    __asm__ volatile("" : : "x"(s));
    double r = (double)iters * 12 * 8 * 2 / dt;
    if (r > best) best = r;
  }
  return best;
}
#endif

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  wk_isa isa;
  if (wk_isa_auto(&isa)) return 1;
  double peak = 0;
  const char *how = "none";
#if defined(__x86_64__)
  if (isa >= WK_ISA_AVX512VNNI) peak = peak_avx512(), how = "12 chains vfmadd231ps zmm";
  else if (isa == WK_ISA_AVX2) peak = peak_avx2(), how = "12 chains vfmadd231ps ymm";
#endif
  printf("isa %s, FP32 FMA peak, one core: %.1f GFLOP/s (%s)\n", wk_isa_name(isa), peak * 1e-9, how);
  int threads[8] = {1, 2}, n_thr = 2;
  if (argc > 1) {
    n_thr = argc - 1 > 8 ? 8 : argc - 1;
    for (int i = 0; i < n_thr; i++) threads[i] = atoi(argv[i + 1]);
  }
  /* GEMM: base fc1 */
  const int M = 1500, N = 2048, K = 512;
  wk_test_rng r = {1};
  float *w = malloc(sizeof(float) * N * K), *b = malloc(sizeof(float) * N);
  float *x = wk_alloc_array((size_t)M * K, sizeof(float)), *y = wk_alloc_array((size_t)M * N, sizeof(float));
  for (size_t i = 0; i < (size_t)N * K; i++) w[i] = wk_test_float(&r, -0.05f, 0.05f);
  for (int i = 0; i < N; i++) b[i] = wk_test_float(&r, -0.05f, 0.05f);
  for (size_t i = 0; i < (size_t)M * K; i++) x[i] = wk_test_float(&r, -1, 1);
  f32_synth s;
  if (!f32_synth_make(80, 1500, 512, 8, 6, 7, &s)) return 1;
  const double enc_flops = f32_synth_flops(&s.w);
  for (int t = 0; t < n_thr; t++) {
    wk_context *ctx = wk_test_context(isa, threads[t]);
    wk_f32_weights *wt = NULL;
    if (wk_f32_weights_create(ctx, w, K, b, N, K, &wt)) return 1;
    wk_f32_gemm_args a = {M, x, K, 1, NULL, 0, y, N};
    double ts[7];
    wk_f32_gemm(ctx, wt, &a);
    for (int i = 0; i < 7; i++) {
      double t0 = wk_now();
      wk_f32_gemm(ctx, wt, &a);
      ts[i] = wk_now() - t0;
    }
    qsort(ts, 7, sizeof *ts, cmp_double);
    const double gf = 2.0 * M * N * K / ts[3];
    printf("gemm 1500x2048x512 +bias+gelu, %d thread(s): %.2f ms, %.1f GFLOP/s, %.1f %% of peak\n",
           threads[t], ts[3] * 1e3, gf * 1e-9, 100 * gf / (peak * threads[t]));
    wk_f32_weights_free(wt);

    wk_encoder_fp32 *e = NULL;
    if (wk_encoder_fp32_create(ctx, &s.w, &e)) return fprintf(stderr, "%s\n", wk_last_error()), 1;
    const size_t wsz = wk_encoder_fp32_workspace_size(e, threads[t]);
    void *ws = wk_alloc(wsz);
    float *out = wk_alloc_array((size_t)1500 * 512, sizeof(float));
    wk_encoder_profile p[3], warm = {0};
    if (wk_encoder_fp32_run(ctx, e, s.stem.mel, out, ws, wsz, &warm))
      return fprintf(stderr, "%s\n", wk_last_error()), 1;
    double tt[3];
    for (int i = 0; i < 3; i++) {
      memset(&p[i], 0, sizeof p[i]);
      wk_encoder_fp32_run(ctx, e, s.stem.mel, out, ws, wsz, &p[i]);
      tt[i] = p[i].total;
    }
    int med = 0;
    for (int i = 0; i < 3; i++) {
      int below = 0;
      for (int j = 0; j < 3; j++) below += tt[j] < tt[i] || (tt[j] == tt[i] && j < i);
      if (below == 1) med = i;
    }
    const wk_encoder_profile *m = &p[med];
    const double ef = enc_flops / m->total;
    printf("encoder base (1500 ctx, %.1f GFLOP), %d thread(s): %.1f ms, %.1f GFLOP/s, %.1f %% of "
           "peak, rtf %.1fx  [conv %.1f, gemm %.1f, attention %.1f, norm %.1f, other %.1f ms]\n",
           enc_flops * 1e-9, threads[t], m->total * 1e3, ef * 1e-9, 100 * ef / (peak * threads[t]),
           30.0 / m->total, m->conv * 1e3, m->gemm * 1e3, m->attention * 1e3, m->norm * 1e3,
           m->other * 1e3);
    wk_free(ws), wk_free(out);
    wk_encoder_fp32_free(e);
    wk_context_free(ctx);
  }
  f32_synth_free(&s);
  free(w), free(b), wk_free(x), wk_free(y);
  return 0;
}
