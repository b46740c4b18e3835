/* f32_bench.c [THREADS…] — the FP32 path's speed as a fraction of this machine's FP32 FMA peak
 * (not a test: run by hand; each part runs a few seconds):
 *   peak: one core, 12 independent vfmadd231ps zmm chains (ymm without AVX-512), best of 5;
 *   gemm: base fc1, 1500 × 2048 × 512 (+ bias + GELU), median of 7 runs after a warm-up;
 *   encoder: a base-shaped encoder (d 512, 8 heads, 6 layers, n_ctx 1500), median of 3 runs,
 *   with the per-stage profile.
 * This machine is shared (2 cores, several builds and tests running beside): wall-clock times
 * include the time slices other processes take.  So every figure is also given per CPU second
 * (CLOCK_PROCESS_CPUTIME_ID; the thread pool sleeps, it does not spin, when idle), and the peak
 * is measured in thread CPU time.  % of peak (cpu) = flops ÷ CPU seconds ÷ one core's peak: the
 * efficiency of the cores while they run the code; % of peak (wall) = flops ÷ wall seconds ÷
 * (threads × peak), which also counts contention and idle threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/common.h"
#include "f32/f32.h"
#include "f32_synth.h"
#include "model/encoder-f32.h"

static double cpu_now(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double thread_cpu(void) { return cpu_now(CLOCK_THREAD_CPUTIME_ID); }
static double process_cpu(void) { return cpu_now(CLOCK_PROCESS_CPUTIME_ID); }

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
    double t0 = thread_cpu();
    for (long it = 0; it < iters; it++) {
#define STEP(i) acc##i = _mm512_fmadd_ps(acc##i, a, b);
      CHAINS(STEP)
      __asm__ volatile("" : "+v"(a), "+v"(b));
    }
    double dt = thread_cpu() - t0;
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
    double t0 = thread_cpu();
    for (long it = 0; it < iters; it++) {
#define STEP2(i) acc##i = _mm256_fmadd_ps(acc##i, a, b);
      CHAINS(STEP2)
      __asm__ volatile("" : "+x"(a), "+x"(b));
    }
    double dt = thread_cpu() - t0;
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
    double ts[7], cs[7];
    wk_f32_gemm(ctx, wt, &a);
    for (int i = 0; i < 7; i++) {
      double t0 = wk_now(), c0 = process_cpu();
      wk_f32_gemm(ctx, wt, &a);
      ts[i] = wk_now() - t0, cs[i] = process_cpu() - c0;
    }
    qsort(ts, 7, sizeof *ts, cmp_double);
    qsort(cs, 7, sizeof *cs, cmp_double);
    const double fl = 2.0 * M * N * K;
    printf("gemm 1500x2048x512 +bias+gelu, %d thread(s): median %.2f ms wall (%.1f %% of peak), "
           "%.2f ms cpu (%.1f %% of peak per busy core)\n", threads[t], ts[3] * 1e3,
           100 * fl / ts[3] / (peak * threads[t]), cs[3] * 1e3, 100 * fl / cs[3] / peak);
    wk_f32_weights_free(wt);

    { /* attention: one base layer's, 8 heads × 1500 × 1500, head dim 64, from a fused QKV */
      const int H = 8, L = 1500, D = 64, W = H * D;
      float *qkv = wk_alloc_array((size_t)L * 3 * W, sizeof(float));
      float *o = wk_alloc_array((size_t)L * W, sizeof(float));
      for (size_t i = 0; i < (size_t)L * 3 * W; i++) qkv[i] = wk_test_float(&r, -2, 2);
      const size_t asz = wk_f32_attention_workspace_size(H, L, L, D, threads[t]);
      void *aws = wk_alloc(asz);
      wk_f32_attention_args aa = {H, L, L, D, qkv, qkv + W, qkv + 2 * W, 3 * W, 3 * W, 3 * W,
                                  0.0f, o, W};
      double at[5], ac[5];
      wk_f32_attention(ctx, &aa, aws, asz);
      for (int i = 0; i < 5; i++) {
        double t0 = wk_now(), c0 = process_cpu();
        wk_f32_attention(ctx, &aa, aws, asz);
        at[i] = wk_now() - t0, ac[i] = process_cpu() - c0;
      }
      qsort(at, 5, sizeof *at, cmp_double);
      qsort(ac, 5, sizeof *ac, cmp_double);
      const double afl = 4.0 * H * (double)L * L * D;
      printf("attention 8 x 1500 x 1500 x 64, %d thread(s): median %.2f ms wall (%.1f %% of peak), "
             "%.2f ms cpu (%.1f %% of peak per busy core)\n", threads[t], at[2] * 1e3,
             100 * afl / at[2] / (peak * threads[t]), ac[2] * 1e3, 100 * afl / ac[2] / peak);
      wk_free(qkv), wk_free(o), wk_free(aws);
    }

    wk_encoder_fp32 *e = NULL;
    if (wk_encoder_fp32_create(ctx, &s.w, &e)) return fprintf(stderr, "%s\n", wk_last_error()), 1;
    const size_t wsz = wk_encoder_fp32_workspace_size(e, threads[t]);
    void *ws = wk_alloc(wsz);
    float *out = wk_alloc_array((size_t)1500 * 512, sizeof(float));
    wk_encoder_profile p[3], warm = {0};
    if (wk_encoder_fp32_run(ctx, e, s.stem.mel, out, ws, wsz, &warm))
      return fprintf(stderr, "%s\n", wk_last_error()), 1;
    double tt[3], cc[3];
    for (int i = 0; i < 3; i++) {
      memset(&p[i], 0, sizeof p[i]);
      const double c0 = process_cpu();
      wk_encoder_fp32_run(ctx, e, s.stem.mel, out, ws, wsz, &p[i]);
      tt[i] = p[i].total, cc[i] = process_cpu() - c0;
    }
    double cs3[3] = {cc[0], cc[1], cc[2]};
    qsort(cs3, 3, sizeof *cs3, cmp_double);
    int med = 0;
    for (int i = 0; i < 3; i++) {
      int below = 0;
      for (int j = 0; j < 3; j++) below += tt[j] < tt[i] || (tt[j] == tt[i] && j < i);
      if (below == 1) med = i;
    }
    const wk_encoder_profile *m = &p[med];
    const double ef = enc_flops / m->total;
    printf("encoder base (1500 ctx, %.1f GFLOP), %d thread(s): median %.1f ms wall (%.1f %% of "
           "peak, rtf %.1fx), %.1f ms cpu (%.1f %% of peak per busy core)\n"
           "  wall stages: conv %.1f, gemm %.1f, attention %.1f, norm %.1f, other %.1f ms\n",
           enc_flops * 1e-9, threads[t], m->total * 1e3, 100 * ef / (peak * threads[t]),
           30.0 / m->total, cs3[1] * 1e3, 100 * enc_flops / cs3[1] / peak, m->conv * 1e3,
           m->gemm * 1e3, m->attention * 1e3, m->norm * 1e3, m->other * 1e3);
    wk_free(ws), wk_free(out);
    wk_encoder_fp32_free(e);
    wk_context_free(ctx);
  }
  f32_synth_free(&s);
  free(w), free(b), wk_free(x), wk_free(y);
  return 0;
}
