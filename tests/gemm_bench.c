/* gemm_bench.c — not a test: GOPS per CPU-second of the INT8 GEMM operator on Whisper's encoder
 * shapes, 1 thread, timed with CLOCK_THREAD_CPUTIME_ID (the machine is shared: wall time counts
 * the other tenants, thread CPU time only this one).
 *   gemm_bench [isa] [size...]     isa: auto (default) | avx512vnni | avxvnni | avx2 | …;
 *                                  size: tiny base small medium large (default base)
 * Per shape: qkv 1500×3d×d, out 1500×d×d, fc1 1500×4d×d, fc2 1500×d×4d (M×N×K), bias, fc1 with
 * GELU, out/fc2 with the residual in place (the encoder's epilogues).  Each shape runs for
 * ~0.25 s of CPU time after one warm-up; the best run's rate is reported (2·M·N·K / CPU s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench/peak-loops.h"
#include "gemm/gemm.h"
#include "whisk.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double bench(wk_context *ctx, int m, int n, int k, int gelu, int residual) {
  int8_t *a = malloc((size_t)m * k), *w = malloc((size_t)n * k);  /* [m][k], [n][k] */
  float *as = malloc(sizeof(float) * m), *ws = malloc(sizeof(float) * n), /* [m], [n] */
      *bias = malloc(sizeof(float) * n), *out = calloc((size_t)m * n, sizeof(float)); /* [m][n] */
  uint64_t s = 12345;
  for (size_t i = 0; i < (size_t)m * k; i++) s = s * 6364136223846793005ull + 1, a[i] = (int8_t)(s >> 56);
  for (size_t i = 0; i < (size_t)n * k; i++) s = s * 6364136223846793005ull + 1, w[i] = (int8_t)(s >> 56);
  for (int i = 0; i < m; i++) as[i] = 1e-4f;
  for (int j = 0; j < n; j++) ws[j] = 1e-2f, bias[j] = 0.01f * (float)(j % 7);
  wk_gemm_weights *wt = NULL;
  if (wk_gemm_weights_create(ctx, w, k, ws, bias, n, k, &wt) != WK_STATUS_OK) {
    fprintf(stderr, "gemm_bench: %s\n", wk_last_error());
    exit(1);
  }
  wk_gemm_args g = {.m = m, .a = a, .a_stride = k, .a_scale = as, .gelu = gelu,
                    .residual = residual ? out : NULL, .residual_stride = n,
                    .out = out, .out_stride = n};
  double best = 1e30, total = 0;
  for (int it = 0; it < 50 && (it < 3 || total < 0.25); it++) {
    const double t0 = cpu_now();
    if (wk_gemm_run(ctx, wt, &g) != WK_STATUS_OK) {
      fprintf(stderr, "gemm_bench: %s\n", wk_last_error());
      exit(1);
    }
    const double dt = cpu_now() - t0;
    if (it > 0) total += dt, best = dt < best ? dt : best; /* run 0: warm-up */
  }
  wk_gemm_weights_free(wt);
  free(a), free(w), free(as), free(ws), free(bias), free(out);
  return 2.0 * m * n * (double)k / best * 1e-9;
}

/* The register-only int8 peak of the ISA's kernels (bench/peak-<isa>.c: vpmaddwd+vpaddd ymm,
 * vpdpbusd ymm, vpdpbusd zmm; AMX's GEMM is compared with vpdpbusd zmm too), best of 20
 * loops, per CPU-second; *instr names it. */
static double peak_gops(wk_isa isa, const char **instr) {
  *instr = "none";
#if defined(__x86_64__)
  double (*loop)(long) = NULL, ops = 0;
  if (isa == WK_ISA_AVX2)
    loop = wk_peak_int8_loop__avx2, ops = WK_PEAK_OPS_INT8_AVX2, *instr = "vpmaddwd+vpaddd ymm";
  else if (isa == WK_ISA_AVXVNNI)
    loop = wk_peak_int8_loop__avxvnni, ops = WK_PEAK_OPS_INT8_AVXVNNI, *instr = "vpdpbusd ymm";
  else if (isa >= WK_ISA_AVX512VNNI)
    loop = wk_peak_int8_loop__avx512vnni, ops = WK_PEAK_OPS_INT8_AVX512VNNI,
    *instr = "vpdpbusd zmm";
  double best = 0;
  for (int i = 0; loop && i < 20; i++) {
    const long iters = 100000;
    const double t0 = cpu_now();
    loop(iters);
    const double g = ops * iters / (cpu_now() - t0) * 1e-9;
    best = g > best ? g : best;
  }
  return best;
#else
  (void)isa;
  return 0;
#endif
}

int main(int argc, char **argv) {
  wk_context_options o = {.n_threads = 1, .isa = WK_ISA_AUTO};
  int argi = 1;
  if (argc > 1 && wk_isa_parse(argv[1], &o.isa) == WK_STATUS_OK) argi = 2;
  wk_context *ctx = NULL;
  if (wk_context_create(&o, &ctx) != WK_STATUS_OK) {
    fprintf(stderr, "gemm_bench: %s\n", wk_last_error());
    return 1;
  }
  static const struct { const char *name; int d; } sizes[] = {
      {"tiny", 384}, {"base", 512}, {"small", 768}, {"medium", 1024}, {"large", 1280}};
  const char *instr;
  const double peak = peak_gops(wk_context_isa(ctx), &instr);
  printf("isa %s, 1 thread, GOPS per CPU-second (best run); %s peak %.1f GOPS\n",
         wk_isa_name(wk_context_isa(ctx)), instr, peak);
  const char *def[] = {"base"};
  const int nsz = argc > argi ? argc - argi : 1;
  for (int si = 0; si < nsz; si++) {
    const char *want = argc > argi ? argv[argi + si] : def[0];
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
      if (strcmp(want, sizes[z].name)) continue;
      const int d = sizes[z].d, m = 1500;
      const struct { const char *op; int n, k, gelu, res; } sh[] = {
          {"qkv", 3 * d, d, 0, 0}, {"out", d, d, 0, 1}, {"fc1", 4 * d, d, 1, 0},
          {"fc2", d, 4 * d, 0, 1}};
      for (int i = 0; i < 4; i++) {
        const double gops = bench(ctx, m, sh[i].n, sh[i].k, sh[i].gelu, sh[i].res);
        printf("%-6s %-4s %4dx%4dx%4d  %7.1f GOPS  %5.1f %% of peak\n", sizes[z].name,
               sh[i].op, m, sh[i].n, sh[i].k, gops, peak > 0 ? 100 * gops / peak : 0.0);
        fflush(stdout);
      }
    }
  }
  wk_context_free(ctx);
  return 0;
}
