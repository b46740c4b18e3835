/* suite_layer.c — `whisk accuracy layer` and `whisk bench layer`.
 *
 * Accuracy: per Whisper size (1500 tokens, synthetic weights N(0, 0.02²)), plain inputs N(0,1)
 * and inputs with WK_SYNTH_OUTLIER_CHANNELS channels × 50, the INT8 layer against the FP32
 * reference (double accumulation) on 64 output rows spread over the sequence (keys and values
 * always span all 1500 tokens).  Contract: cosine ≥ 0.9995 (plain), ≥ 0.999 (outliers).
 * A third case per size runs the outlier inputs with SmoothQuant smoothing (α = 0.5, folded
 * into the LayerNorm gains and the next weights; layer_synth.h says how it is calibrated).
 *
 * Speed: each GEMM of a layer at its Whisper shape (median of ≥ 5 runs after one warm-up) with
 * GOPS, % of this machine's measured peak × threads, and the speedup over the scalar kernel;
 * the scalar kernel is slow (~1 s per full-size GEMM), so it is timed once, without warm-up,
 * at the full shape and thread count.
 * Then one whole INT8 layer per size (median of 5 after one warm-up; the scalar layer once) with
 * the share of each
 * stage, timed inside the forward with a monotonic clock (wk_layer_profile, summed over the
 * timed runs).  GELU is fused into fc1's epilogue, so its cost is inside gemm_pct;
 * norm_gelu_pct is the two LayerNorms (each fused with its quantization).
 *
 * The conv stem (stem.h; cases "stem-<size>", n_mels 80, 128 for large-v3, 3000 frames →
 * 1500 tokens, weights N(0, 0.02²), a mel-like input, stem_synth.h): accuracy of the INT8 stem
 * against its FP32 reference over every output (contract: cosine ≥ 0.9995; dcosine is the
 * convolutions alone, x − pos), and speed of its two im2col GEMMs ("stem-<size>-conv1":
 * m 3000, n d, k 3·n_mels, GELU; "-conv2": m 1500, n d, k 3·d, GELU + residual) and of the
 * whole wk_stem_run ("stem-<size>", kind "stem": transpose, per-row quantization, both GEMMs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gemm/gemm.h"
#include "layer_synth.h"
#include "peak.h"
#include "stem_synth.h"
#include "suite.h"

#define LEN 1500
#define ACC_ROWS 64

typedef struct layer_size {
  const char *name;
  int d, heads;
} layer_size;

static const layer_size sizes[] = {
    {"tiny", 384, 6}, {"base", 512, 8}, {"small", 768, 12}, {"medium", 1024, 16},
    {"large-v3", 1280, 20},
};
#define N_SIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define STEM_FRAMES (2 * LEN)

static int stem_mels(const layer_size *sz) { return strcmp(sz->name, "large-v3") ? 80 : 128; }

/* ── accuracy ────────────────────────────────────────────────────────────── */

int wk_accuracy_layer(const wk_suite_options *o, FILE *out) {
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  if (o->json)
    fprintf(out, "{\"suite\":\"layer\",\"isa\":\"%s\",\"threads\":%d,\"tokens\":%d,\"cases\":[",
            isa, wk_context_threads(ctx), LEN);
  else
    fprintf(out,
            "encoder layer accuracy: INT8 vs FP32 reference (isa %s, %d threads, %d tokens, "
            "%d output rows compared)\n%-38s %5s %5s %8s %10s %10s %10s %10s %9s\n",
            isa, wk_context_threads(ctx), LEN, ACC_ROWS, "case", "d", "heads", "outliers",
            "cosine", "rel_err", "dcosine", "drel_err", "max_abs");
  int ok = 1, first = 1;
  for (int si = 0; si < N_SIZES; si++)
    for (int variant = 0; variant < 3; variant++) {
      const int outl = variant > 0, smooth = variant == 2;
      char name[64];
      snprintf(name, sizeof name, "whisper-%s%s", sizes[si].name,
               smooth ? "-outliers-smoothquant" : outl ? "-outliers" : "");
      if (!wk_suite_matches(o, name)) continue;
      fprintf(stderr, "accuracy: %s...\n", name);
      wk_layer_synth s;
      wk_layer_metrics m;
      if (!wk_layer_synth_make(sizes[si].d, sizes[si].heads, LEN, outl, 1000 + si, &s)) {
        fprintf(stderr, "whisk: out of memory\n");
        wk_context_free(ctx);
        return 2;
      }
      float *s1 = malloc(sizeof(float) * sizes[si].d), *s2 = malloc(sizeof(float) * sizes[si].d);
      wk_layer_smoothing sm = {s1, s2};
      wk_status st = WK_STATUS_OUT_OF_MEMORY;
      if (s1 && s2) {
        if (smooth) wk_layer_synth_smoothing(&s, 0.5f, s1, s2);
        st = wk_layer_synth_evaluate(ctx, &s, smooth ? &sm : NULL, ACC_ROWS, &m);
      }
      free(s1), free(s2);
      wk_layer_synth_free(&s);
      if (st) {
        fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
        wk_context_free(ctx);
        return 2;
      }
      const double bound = outl ? 0.999 : 0.9995;
      if (!(m.cosine >= bound)) ok = 0;
      if (o->json)
        fprintf(out,
                "%s{\"name\":\"%s\",\"d\":%d,\"heads\":%d,\"outliers\":%s,\"smoothing\":\"%s\","
                "\"cosine\":%.8f,\"rel_err\":%.6e,\"delta_cosine\":%.8f,\"delta_rel_err\":%.6e,"
                "\"max_abs_err\":%.6e,\"rows_compared\":%d,\"cosine_bound\":%.4f}",
                first ? "" : ",", name, sizes[si].d, sizes[si].heads, outl ? "true" : "false",
                smooth ? "smoothquant-0.5" : "none", m.cosine, m.rel_err, m.delta_cosine, m.delta_rel_err, m.max_abs_err, m.rows,
                bound);
      else
        fprintf(out, "%-38s %5d %5d %8s %10.7f %10.3e %10.7f %10.3e %9.3g\n", name, sizes[si].d,
                sizes[si].heads, smooth ? "x50+sq" : outl ? "x50" : "-", m.cosine, m.rel_err, m.delta_cosine,
                m.delta_rel_err, m.max_abs_err);
      fflush(out);
      first = 0;
    }
  for (int si = 0, header = 0; si < N_SIZES; si++) { /* the conv stem */
    char name[64];
    snprintf(name, sizeof name, "stem-%s", sizes[si].name);
    if (!wk_suite_matches(o, name)) continue;
    fprintf(stderr, "accuracy: %s...\n", name);
    const int d = sizes[si].d, mels = stem_mels(&sizes[si]);
    wk_stem_synth s;
    wk_stem_metrics m;
    if (!wk_stem_synth_make(mels, d, STEM_FRAMES, 2000 + si, &s)) {
      fprintf(stderr, "whisk: out of memory\n");
      wk_context_free(ctx);
      return 2;
    }
    wk_status st = wk_stem_synth_evaluate(ctx, &s, &m);
    wk_stem_synth_free(&s);
    if (st) {
      fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
      wk_context_free(ctx);
      return 2;
    }
    const double bound = 0.9995;
    if (!(m.cosine >= bound)) ok = 0;
    if (o->json)
      fprintf(out,
              "%s{\"name\":\"%s\",\"kind\":\"stem\",\"n_mels\":%d,\"d\":%d,\"frames\":%d,"
              "\"cosine\":%.8f,\"rel_err\":%.6e,\"delta_cosine\":%.8f,\"delta_rel_err\":%.6e,"
              "\"max_abs_err\":%.6e,\"cosine_bound\":%.4f}",
              first ? "" : ",", name, mels, d, STEM_FRAMES, m.cosine, m.rel_err, m.delta_cosine,
              m.delta_rel_err, m.max_abs_err, bound);
    else {
      if (!header++)
        fprintf(out, "%-38s %5s %5s %8s %10s %10s %10s %10s %9s\n", "stem (3000 frames)", "d",
                "mels", "", "cosine", "rel_err", "dcosine", "drel_err", "max_abs");
      fprintf(out, "%-38s %5d %5d %8s %10.7f %10.3e %10.7f %10.3e %9.3g\n", name, d, mels, "-",
              m.cosine, m.rel_err, m.delta_cosine, m.delta_rel_err, m.max_abs_err);
    }
    fflush(out);
    first = 0;
  }
  if (o->json)
    fprintf(out, "],\"contract_met\":%s}\n", ok ? "true" : "false");
  else
    fprintf(out,
            "(dcosine, drel_err: the layer's update y - x alone; for the stem, x - pos)\n"
            "contract (cosine >= 0.9995 plain and stem, >= 0.999 with outliers): %s\n",
            ok ? "met" : "NOT MET");
  wk_context_free(ctx);
  return ok ? 0 : 1;
}

/* ── benchmark ───────────────────────────────────────────────────────────── */

/* One GEMM shape: m × n × k, random int8 operands. */
typedef struct gemm_bench {
  int8_t *a, *w;  /* [m][k], [n][k] */
  float *a_scale, *w_scale, *bias, *res, *out; /* [m], [n], [n], [m][n], [m][n] */
} gemm_bench;

static void gemm_bench_free(gemm_bench *g) {
  free(g->a), free(g->w), free(g->a_scale), free(g->w_scale), free(g->bias), free(g->res);
  free(g->out);
}

static int gemm_bench_alloc(gemm_bench *g, int m, int n, int k) {
  memset(g, 0, sizeof *g);
  g->a = malloc((size_t)m * k), g->w = malloc((size_t)n * k);
  g->a_scale = malloc(sizeof(float) * m), g->w_scale = malloc(sizeof(float) * n);
  g->bias = malloc(sizeof(float) * n);
  g->res = malloc(sizeof(float) * (size_t)m * n), g->out = malloc(sizeof(float) * (size_t)m * n);
  if (!g->a || !g->w || !g->a_scale || !g->w_scale || !g->bias || !g->res || !g->out) return 0;
  unsigned long long s = 99;
  for (size_t i = 0; i < (size_t)m * k; i++)
    s = s * 6364136223846793005ull + 1442695040888963407ull, g->a[i] = (int8_t)((s >> 33) % 255 - 127);
  for (size_t i = 0; i < (size_t)n * k; i++)
    s = s * 6364136223846793005ull + 1442695040888963407ull, g->w[i] = (int8_t)((s >> 33) % 255 - 127);
  for (int i = 0; i < m; i++) g->a_scale[i] = 0.01f;
  for (int i = 0; i < n; i++) g->w_scale[i] = 1e-4f, g->bias[i] = 0.01f;
  for (size_t i = 0; i < (size_t)m * n; i++) g->res[i] = 0.5f;
  return 1;
}

/* Median seconds of `runs` calls after `warmup` (rows m of the operands). */
static double time_gemm(wk_context *ctx, const gemm_bench *g, int m, int n, int k, int gelu,
                        int residual, int warmup, int runs) {
  wk_gemm_weights *w = NULL;
  if (wk_gemm_weights_create(ctx, g->w, k, g->w_scale, g->bias, n, k, &w)) return -1;
  wk_gemm_args a = {.m = m, .a = g->a, .a_stride = k, .a_scale = g->a_scale, .gelu = gelu,
                    .residual = residual ? g->res : NULL, .residual_stride = n, .out = g->out,
                    .out_stride = n};
  double t[32];
  for (int i = 0; i < warmup; i++) wk_gemm_run(ctx, w, &a);
  for (int i = 0; i < runs; i++) {
    double t0 = wk_suite_now();
    if (wk_gemm_run(ctx, w, &a)) {
      wk_gemm_weights_free(w);
      return -1;
    }
    t[i] = wk_suite_now() - t0;
  }
  wk_gemm_weights_free(w);
  qsort(t, (size_t)runs, sizeof t[0], wk_suite_cmp_double);
  return t[runs / 2];
}

static void print_row(FILE *out, int json, int *first, const char *name, const char *kind, int m,
                      int n, int k, int threads, const char *isa, double t, double ops,
                      double peak, double t_scalar, const wk_layer_profile *p) {
  const double gops = ops / t * 1e-9, pct = 100.0 * ops / t / (peak * threads);
  if (json) {
    fprintf(out,
            "%s{\"name\":\"%s\",\"kind\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"threads\":%d,"
            "\"isa\":\"%s\",\"median_us\":%.2f,\"gops\":%.2f,\"peak_pct\":%.2f,",
            *first ? "" : ",", name, kind, m, n, k, threads, isa, t * 1e6, gops, pct);
    if (t_scalar > 0)
      fprintf(out, "\"speedup_vs_scalar\":%.2f,\"scalar_us\":%.1f", t_scalar / t, t_scalar * 1e6);
    else
      fprintf(out, "\"speedup_vs_scalar\":null");
    if (p) {
      const double other = p->total - p->attention - p->gemm - p->norm - p->quant;
      fprintf(out,
              ",\"breakdown\":{\"attention_pct\":%.2f,\"gemm_pct\":%.2f,\"norm_gelu_pct\":%.2f,"
              "\"quant_pct\":%.2f,\"other_pct\":%.2f}",
              100 * p->attention / p->total, 100 * p->gemm / p->total, 100 * p->norm / p->total,
              100 * p->quant / p->total, 100 * other / p->total);
    }
    fprintf(out, "}");
  } else {
    fprintf(out, "%-28s %-5s %5d %5d %5d %3d %-10s %11.1f %8.1f %6.1f", name, kind, m, n, k,
            threads, isa, t * 1e6, gops, pct);
    if (t_scalar > 0) fprintf(out, " %8.1fx", t_scalar / t);
    else fprintf(out, " %9s", "-");
    if (p) {
      const double other = p->total - p->attention - p->gemm - p->norm - p->quant;
      fprintf(out, "  attn %4.1f%% gemm %4.1f%% ln %4.1f%% quant %4.1f%% other %4.1f%%",
              100 * p->attention / p->total, 100 * p->gemm / p->total, 100 * p->norm / p->total,
              100 * p->quant / p->total, 100 * other / p->total);
    }
    fprintf(out, "\n");
  }
  fflush(out);
  *first = 0;
}

/* The stem of size `sz`: its two im2col GEMMs (like the layer GEMMs) and one whole
 * wk_stem_run (median of 5 after one warm-up; the scalar stem once).  Returns 0 or 2. */
static int bench_stem(const wk_suite_options *o, FILE *out, int *first, wk_context *ctx,
                      wk_context *cs, const layer_size *sz, int seed, double peak) {
  const int d = sz->d, mels = stem_mels(sz), threads = wk_context_threads(ctx);
  const char *isa_name = wk_isa_name(wk_context_isa(ctx));
  const struct { const char *what; int m, k, residual; } shapes[] = {
      {"conv1", STEM_FRAMES, 3 * mels, 0}, {"conv2", LEN, 3 * d, 1}};
  for (int gi = 0; gi < 2; gi++) {
    char name[64];
    snprintf(name, sizeof name, "stem-%s-%s", sz->name, shapes[gi].what);
    if (!wk_suite_matches(o, name)) continue;
    fprintf(stderr, "bench: %s...\n", name);
    gemm_bench g;
    const int m = shapes[gi].m, k = shapes[gi].k;
    int rc = 0;
    if (!gemm_bench_alloc(&g, m, d, k)) {
      rc = 2;
    } else {
      double t = time_gemm(ctx, &g, m, d, k, 1, shapes[gi].residual, 1, 7);
      fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
      double ts = time_gemm(cs, &g, m, d, k, 1, shapes[gi].residual, 0, 1);
      if (t < 0 || ts < 0) rc = 2;
      else
        print_row(out, o->json, first, name, "gemm", m, d, k, threads, isa_name, t,
                  2.0 * m * d * k, peak, ts, NULL);
    }
    gemm_bench_free(&g);
    if (rc) return rc;
  }
  char name[64];
  snprintf(name, sizeof name, "stem-%s", sz->name);
  if (!wk_suite_matches(o, name)) return 0;
  fprintf(stderr, "bench: %s...\n", name);
  wk_stem_synth s;
  wk_stem *st = NULL;
  float *x = malloc(sizeof(float) * LEN * (size_t)d); /* [LEN][d] */
  int rc = 0;
  if (!x || !wk_stem_synth_make(mels, d, STEM_FRAMES, seed, &s)) {
    free(x);
    return 2;
  }
  /* one workspace for every timed run: the steady state (no allocation per call) */
  size_t ws_size = 0;
  void *ws = NULL;
  if (wk_stem_create(ctx, &s.w, &st) || !(ws_size = wk_stem_workspace_size(st, STEM_FRAMES)) ||
      !(ws = malloc(ws_size)) || wk_stem_run(ctx, st, s.mel, STEM_FRAMES, x, ws, ws_size)) {
    fprintf(stderr, "whisk: %s\n", wk_last_error());
    rc = 2;
  }
  double t[5];
  for (int i = 0; i < 5 && !rc; i++) {
    double t0 = wk_suite_now();
    wk_stem_run(ctx, st, s.mel, STEM_FRAMES, x, ws, ws_size);
    t[i] = wk_suite_now() - t0;
  }
  double ts = -1; /* the scalar stem, once */
  wk_stem *ss = NULL;
  if (!rc) {
    fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
    if (wk_stem_create(cs, &s.w, &ss) == WK_STATUS_OK) {
      double t0 = wk_suite_now();
      if (wk_stem_run(cs, ss, s.mel, STEM_FRAMES, x, NULL, 0) == WK_STATUS_OK)
        ts = wk_suite_now() - t0;
    }
    wk_stem_free(ss);
  }
  if (!rc) {
    qsort(t, 5, sizeof t[0], wk_suite_cmp_double);
    const double ops = 2.0 * d * (STEM_FRAMES * 3.0 * mels + LEN * 3.0 * d);
    /* m, n, k: frames, d, n_mels */
    print_row(out, o->json, first, name, "stem", STEM_FRAMES, d, mels, threads, isa_name, t[2],
              ops, peak, ts, NULL);
  }
  wk_stem_free(st);
  wk_stem_synth_free(&s);
  free(x), free(ws);
  return rc;
}

int wk_bench_layer(const wk_suite_options *o, FILE *out) {
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  wk_context *cs = wk_suite_context(WK_ISA_SCALAR, o->threads);
  if (!cs) {
    wk_context_free(ctx);
    return 2;
  }
  const wk_isa isa = wk_context_isa(ctx);
  const int threads = wk_context_threads(ctx);
  const char *isa_name = wk_isa_name(isa);
  wk_cpu_info cpu;
  wk_cpu_get_info(&cpu);
  fprintf(stderr, "bench: measuring the %s peak of one core...\n", isa_name);
  const wk_peak peak = wk_peak_measure(isa);
  if (o->json)
    fprintf(out,
            "{\"suite\":\"layer\",\"cpu\":\"%s\",\"cores\":%d,\"clock_ghz\":%.3f,"
            "\"peak_gops_per_core\":%.1f,\"tokens\":%d,\"scalar_method\":\"once, no warm-up, "
            "full shape\",\"results\":[",
            cpu.brand, cpu.online_cores, peak.clock_hz * 1e-9, peak.ops_per_s * 1e-9, LEN);
  else
    fprintf(out,
            "encoder layer speed on %s (%d cores, %.2f GHz); %s peak %.1f GOPS/core; scalar "
            "timed once\n%-28s %-5s %5s %5s %5s %3s %-10s %11s %8s %6s %9s\n",
            cpu.brand, cpu.online_cores, peak.clock_hz * 1e-9, isa_name, peak.ops_per_s * 1e-9,
            "name", "kind", "m", "n", "k", "thr", "isa", "median_us", "GOPS",
            "%peak", "vs scalar");
  int first = 1, rc = 0;
  for (int si = 0; si < N_SIZES && !rc; si++) {
    const int d = sizes[si].d, F = 4 * d;
    const struct { const char *what; int n, k, gelu, residual; } shapes[] = {
        {"qkv", 3 * d, d, 0, 0}, {"out", d, d, 0, 1}, {"fc1", F, d, 1, 0}, {"fc2", d, F, 0, 1}};
    for (int gi = 0; gi < 4 && !rc; gi++) {
      char name[64];
      snprintf(name, sizeof name, "gemm-%s-%s", sizes[si].name, shapes[gi].what);
      if (!wk_suite_matches(o, name)) continue;
      fprintf(stderr, "bench: %s...\n", name);
      gemm_bench g;
      const int n = shapes[gi].n, k = shapes[gi].k;
      if (!gemm_bench_alloc(&g, LEN, n, k)) {
        rc = 2;
      } else {
        double t = time_gemm(ctx, &g, LEN, n, k, shapes[gi].gelu, shapes[gi].residual, 1, 7);
        fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
        double ts = time_gemm(cs, &g, LEN, n, k, shapes[gi].gelu, shapes[gi].residual, 0, 1);
        if (t < 0 || ts < 0) rc = 2;
        else
          print_row(out, o->json, &first, name, "gemm", LEN, n, k, threads, isa_name, t,
                    2.0 * LEN * n * k, peak.ops_per_s, ts, NULL);
      }
      gemm_bench_free(&g);
    }
    if (!rc) rc = bench_stem(o, out, &first, ctx, cs, &sizes[si], 2000 + si, peak.ops_per_s);
    char name[64];
    snprintf(name, sizeof name, "whisper-%s-layer", sizes[si].name);
    if (rc || !wk_suite_matches(o, name)) continue;
    fprintf(stderr, "bench: %s...\n", name);
    wk_layer_synth s;
    wk_layer *l = NULL;
    float *y = malloc(sizeof(float) * LEN * (size_t)d);
    if (!y || !wk_layer_synth_make(d, sizes[si].heads, LEN, 0, 1000 + si, &s)) {
      free(y);
      rc = 2;
      break;
    }
    wk_layer_profile prof = {0}, warm = {0};
    double t[5];
    size_t ws_size = 0; /* one workspace for every timed run: the steady state */
    void *ws = NULL;
    if (wk_layer_create(ctx, &s.w, NULL, &l) || !(ws_size = wk_layer_workspace_size(ctx, l, LEN)) ||
        !(ws = malloc(ws_size)) || wk_layer_run(ctx, l, s.x, LEN, y, ws, ws_size, &warm)) {
      fprintf(stderr, "whisk: %s\n", wk_last_error());
      rc = 2;
    }
    for (int i = 0; i < 5 && !rc; i++) {
      double t0 = wk_suite_now();
      wk_layer_run(ctx, l, s.x, LEN, y, ws, ws_size, &prof);
      t[i] = wk_suite_now() - t0;
    }
    double ts = -1; /* the scalar layer, once */
    wk_layer *ls = NULL;
    if (!rc) {
      fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
      if (wk_layer_create(cs, &s.w, NULL, &ls) == WK_STATUS_OK) {
        double t0 = wk_suite_now();
        if (wk_layer_run(cs, ls, s.x, LEN, y, NULL, 0, NULL) == WK_STATUS_OK)
          ts = wk_suite_now() - t0;
      }
      wk_layer_free(ls);
    }
    if (!rc) {
      qsort(t, 5, sizeof t[0], wk_suite_cmp_double);
      const double ops = 2.0 * LEN * 12.0 * d * d + 4.0 * LEN * (double)LEN * d;
      print_row(out, o->json, &first, name, "layer", LEN, d, F, threads, isa_name, t[2], ops,
                peak.ops_per_s, ts, &prof);
    }
    wk_layer_free(l);
    wk_layer_synth_free(&s);
    free(y), free(ws);
  }
  if (o->json) fprintf(out, "]}\n");
  wk_context_free(ctx), wk_context_free(cs);
  return rc;
}
