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
 * GOPS, % of this machine's measured peak × threads (peak.h: sampled right before and after
 * each timed case, each row using the best loop so far), and the speedup over the scalar kernel;
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

#include "common/common.h"
#include "gemm/gemm.h"
#include "common/json.h"
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

#define SIZES_HINT "(sizes: tiny, base, small, medium, large-v3)"

/* ── accuracy ────────────────────────────────────────────────────────────── */

/* Accuracy case `variant` (0 plain, 1 outliers, 2 outliers + SmoothQuant) of size si. */
static void accuracy_name(int si, int variant, char *name, size_t size) {
  snprintf(name, size, "whisper-%s%s", sizes[si].name,
           variant == 2 ? "-outliers-smoothquant" : variant == 1 ? "-outliers" : "");
}

static int accuracy_any_match(const wk_suite_options *o) {
  char name[64];
  for (int si = 0; si < N_SIZES; si++) {
    for (int variant = 0; variant < 3; variant++) {
      accuracy_name(si, variant, name, sizeof name);
      if (wk_suite_matches(o, name)) return 1;
    }
    snprintf(name, sizeof name, "stem-%s", sizes[si].name);
    if (wk_suite_matches(o, name)) return 1;
  }
  return 0;
}

int wk_accuracy_layer(const wk_suite_options *o, FILE *out) {
  if (!accuracy_any_match(o)) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "layer");
    wk_json_kstring(j, "isa", isa);
    wk_json_kint(j, "threads", wk_context_threads(ctx));
    wk_json_kint(j, "tokens", LEN);
    wk_json_key(j, "cases");
    wk_json_array_begin(j);
  } else {
    fprintf(out,
            "encoder layer accuracy: INT8 vs FP32 reference (isa %s, %d threads, %d tokens, "
            "%d output rows compared)\n%-38s %5s %5s %8s %10s %10s %10s %10s %9s\n",
            isa, wk_context_threads(ctx), LEN, ACC_ROWS, "case", "d", "heads", "outliers",
            "cosine", "rel_err", "dcosine", "drel_err", "max_abs");
    fprintf(out,
            "legend: cosine, rel_err = output y vs the FP32 reference (||y - y_ref|| / "
            "||y_ref||), dcosine, drel_err = the same for the\n"
            "        layer's update y - x alone (stem: x - pos), max_abs = largest |y - y_ref|, "
            "outliers x50 = channels scaled by 50, +sq = SmoothQuant\n");
  }
  int ok = 1;
  for (int si = 0; si < N_SIZES; si++)
    for (int variant = 0; variant < 3; variant++) {
      const int outl = variant > 0, smooth = variant == 2;
      char name[64];
      accuracy_name(si, variant, name, sizeof name);
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
      if (j) {
        wk_json_object_begin(j);
        wk_json_kstring(j, "name", name);
        wk_json_kint(j, "d", sizes[si].d);
        wk_json_kint(j, "heads", sizes[si].heads);
        wk_json_kbool(j, "outliers", outl);
        wk_json_kstring(j, "smoothing", smooth ? "smoothquant-0.5" : "none");
        wk_json_kfixed(j, "cosine", m.cosine, 8);
        wk_json_kdouble(j, "rel_err", m.rel_err);
        wk_json_kfixed(j, "delta_cosine", m.delta_cosine, 8);
        wk_json_kdouble(j, "delta_rel_err", m.delta_rel_err);
        wk_json_kdouble(j, "max_abs_err", m.max_abs_err);
        wk_json_kint(j, "rows_compared", m.rows);
        wk_json_kfixed(j, "cosine_bound", bound, 4);
        wk_json_object_end(j);
      } else {
        fprintf(out, "%-38s %5d %5d %8s %10.7f %10.3e %10.7f %10.3e %9.3g\n", name, sizes[si].d,
                sizes[si].heads, smooth ? "x50+sq" : outl ? "x50" : "-", m.cosine, m.rel_err,
                m.delta_cosine, m.delta_rel_err, m.max_abs_err);
      }
      fflush(out);
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
    if (j) {
      wk_json_object_begin(j);
      wk_json_kstring(j, "name", name);
      wk_json_kstring(j, "kind", "stem");
      wk_json_kint(j, "n_mels", mels);
      wk_json_kint(j, "d", d);
      wk_json_kint(j, "frames", STEM_FRAMES);
      wk_json_kfixed(j, "cosine", m.cosine, 8);
      wk_json_kdouble(j, "rel_err", m.rel_err);
      wk_json_kfixed(j, "delta_cosine", m.delta_cosine, 8);
      wk_json_kdouble(j, "delta_rel_err", m.delta_rel_err);
      wk_json_kdouble(j, "max_abs_err", m.max_abs_err);
      wk_json_kfixed(j, "cosine_bound", bound, 4);
      wk_json_object_end(j);
    } else {
      if (!header++)
        fprintf(out, "%-38s %5s %5s %8s %10s %10s %10s %10s %9s\n", "stem (3000 frames)", "d",
                "mels", "", "cosine", "rel_err", "dcosine", "drel_err", "max_abs");
      fprintf(out, "%-38s %5d %5d %8s %10.7f %10.3e %10.7f %10.3e %9.3g\n", name, d, mels, "-",
              m.cosine, m.rel_err, m.delta_cosine, m.delta_rel_err, m.max_abs_err);
    }
    fflush(out);
  }
  wk_context_free(ctx);
  if (j) {
    wk_json_array_end(j);
    wk_json_kbool(j, "contract_met", ok);
    wk_json_object_end(j);
    if (wk_suite_json_finish(j)) return 2;
  } else {
    fprintf(out, "contract (cosine >= 0.9995 plain and stem, >= 0.999 with outliers): %s\n",
            ok ? "met" : "NOT MET");
  }
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
  wk_rng r = {99}; /* uniform in [−127, 127] */
  for (size_t i = 0; i < (size_t)m * k; i++) g->a[i] = (int8_t)(wk_rng_next(&r) % 255 - 127);
  for (size_t i = 0; i < (size_t)n * k; i++) g->w[i] = (int8_t)(wk_rng_next(&r) % 255 - 127);
  for (int i = 0; i < m; i++) g->a_scale[i] = 0.01f;
  for (int i = 0; i < n; i++) g->w_scale[i] = 1e-4f, g->bias[i] = 0.01f;
  for (size_t i = 0; i < (size_t)m * n; i++) g->res[i] = 0.5f;
  return 1;
}

/* Median seconds of `runs` calls after `warmup`; `pk` (NULL: none) samples the peak right
 * before and right after the timed calls. */
static double time_gemm(wk_context *ctx, const gemm_bench *g, int m, int n, int k, int gelu,
                        int residual, int warmup, int runs, wk_peak_tracker *pk) {
  wk_gemm_weights *w = NULL;
  if (wk_gemm_weights_create(ctx, g->w, k, g->w_scale, g->bias, n, k, &w)) return -1;
  wk_gemm_args a = {.m = m, .a = g->a, .a_stride = k, .a_scale = g->a_scale, .gelu = gelu,
                    .residual = residual ? g->res : NULL, .residual_stride = n, .out = g->out,
                    .out_stride = n};
  double t[32];
  for (int i = 0; i < warmup; i++) wk_gemm_run(ctx, w, &a);
  if (pk) wk_peak_sample(pk);
  for (int i = 0; i < runs; i++) {
    double t0 = wk_now();
    if (wk_gemm_run(ctx, w, &a)) {
      wk_gemm_weights_free(w);
      return -1;
    }
    t[i] = wk_now() - t0;
  }
  if (pk) wk_peak_sample(pk);
  wk_gemm_weights_free(w);
  qsort(t, (size_t)runs, sizeof t[0], wk_suite_cmp_double);
  return t[runs / 2];
}

static void print_row(FILE *out, wk_json *j, const char *name, const char *kind, int m, int n,
                      int k, int threads, const char *isa, double t, double ops,
                      const wk_peak_tracker *pk, double t_scalar, const wk_layer_profile *p) {
  const double gops = ops / t * 1e-9, peak = wk_peak_best(pk);
  const double pct = wk_peak_row_percent(pk, name, ops / t, threads);
  const double other = p ? p->total - p->attention - p->gemm - p->norm - p->quant : 0;
  if (j) {
    wk_json_object_begin(j);
    wk_json_kstring(j, "name", name);
    wk_json_kstring(j, "kind", kind);
    wk_json_kint(j, "m", m);
    wk_json_kint(j, "n", n);
    wk_json_kint(j, "k", k);
    wk_json_kint(j, "threads", threads);
    wk_json_kstring(j, "isa", isa);
    wk_json_kfixed(j, "median_us", t * 1e6, 2);
    wk_json_kfixed(j, "gops", gops, 2);
    wk_json_kfixed(j, "peak_pct", pct, 2);
    wk_json_kfixed(j, "peak_gops_per_core", peak * 1e-9, 1);
    if (t_scalar > 0) {
      wk_json_kfixed(j, "speedup_vs_scalar", t_scalar / t, 2);
      wk_json_kfixed(j, "scalar_us", t_scalar * 1e6, 1);
    } else {
      wk_json_key(j, "speedup_vs_scalar");
      wk_json_null(j);
    }
    if (p) {
      wk_json_key(j, "breakdown");
      wk_json_object_begin(j);
      wk_json_kfixed(j, "attention_pct", 100 * p->attention / p->total, 2);
      wk_json_kfixed(j, "gemm_pct", 100 * p->gemm / p->total, 2);
      wk_json_kfixed(j, "norm_gelu_pct", 100 * p->norm / p->total, 2);
      wk_json_kfixed(j, "quant_pct", 100 * p->quant / p->total, 2);
      wk_json_kfixed(j, "other_pct", 100 * other / p->total, 2);
      wk_json_object_end(j);
    }
    wk_json_object_end(j);
  } else {
    fprintf(out, "%-28s %-5s %5d %5d %5d %3d %-10s %11.1f %8.1f %6.1f", name, kind, m, n, k,
            threads, isa, t * 1e6, gops, pct);
    if (t_scalar > 0) fprintf(out, " %8.1fx", t_scalar / t);
    else fprintf(out, " %9s", "-");
    if (p)
      fprintf(out, "  attn %4.1f%% gemm %4.1f%% ln %4.1f%% quant %4.1f%% other %4.1f%%",
              100 * p->attention / p->total, 100 * p->gemm / p->total, 100 * p->norm / p->total,
              100 * p->quant / p->total, 100 * other / p->total);
    fprintf(out, "\n");
  }
  fflush(out);
}

/* The stem of size `sz`: its two im2col GEMMs (like the layer GEMMs) and one whole
 * wk_stem_run (median of 5 after one warm-up; the scalar stem once).  Returns 0 or 2. */
static int bench_stem(const wk_suite_options *o, FILE *out, wk_json *j, wk_context *ctx,
                      wk_context *cs, const layer_size *sz, int seed, wk_peak_tracker *pk) {
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
      double t = time_gemm(ctx, &g, m, d, k, 1, shapes[gi].residual, 1, 7, pk);
      fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
      double ts = time_gemm(cs, &g, m, d, k, 1, shapes[gi].residual, 0, 1, NULL);
      if (t < 0 || ts < 0) rc = 2;
      else
        print_row(out, j, name, "gemm", m, d, k, threads, isa_name, t, 2.0 * m * d * k, pk, ts,
                  NULL);
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
  if (!rc) wk_peak_sample(pk);
  for (int i = 0; i < 5 && !rc; i++) {
    double t0 = wk_now();
    wk_stem_run(ctx, st, s.mel, STEM_FRAMES, x, ws, ws_size);
    t[i] = wk_now() - t0;
  }
  if (!rc) wk_peak_sample(pk);
  double ts = -1; /* the scalar stem, once */
  wk_stem *ss = NULL;
  if (!rc) {
    fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
    if (wk_stem_create(cs, &s.w, &ss) == WK_STATUS_OK) {
      double t0 = wk_now();
      if (wk_stem_run(cs, ss, s.mel, STEM_FRAMES, x, NULL, 0) == WK_STATUS_OK)
        ts = wk_now() - t0;
    }
    wk_stem_free(ss);
  }
  if (!rc) {
    qsort(t, 5, sizeof t[0], wk_suite_cmp_double);
    const double ops = 2.0 * d * (STEM_FRAMES * 3.0 * mels + LEN * 3.0 * d);
    /* m, n, k: frames, d, n_mels */
    print_row(out, j, name, "stem", STEM_FRAMES, d, mels, threads, isa_name, t[2], ops, pk, ts,
              NULL);
  }
  wk_stem_free(st);
  wk_stem_synth_free(&s);
  free(x), free(ws);
  return rc;
}

static const char *const gemm_names[] = {"qkv", "out", "fc1", "fc2"};

/* Whether any benchmark of this suite matches the filter. */
static int bench_any_match(const wk_suite_options *o) {
  static const char *const patterns[] = {"gemm-%s-qkv", "gemm-%s-out", "gemm-%s-fc1",
                                         "gemm-%s-fc2", "stem-%s-conv1", "stem-%s-conv2",
                                         "stem-%s", "whisper-%s-layer"};
  char name[64];
  for (int si = 0; si < N_SIZES; si++)
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
      snprintf(name, sizeof name, patterns[i], sizes[si].name);
      if (wk_suite_matches(o, name)) return 1;
    }
  return 0;
}

int wk_bench_layer(const wk_suite_options *o, FILE *out) {
  if (!bench_any_match(o)) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
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
  char brand[sizeof cpu.brand];
  wk_suite_cpu_brand(&cpu, brand, sizeof brand);
  fprintf(stderr, "bench: measuring the %s peak of one core...\n", isa_name);
  wk_peak_tracker pk;
  if (wk_peak_init(&pk, WK_PEAK_INT8, isa) != WK_STATUS_OK) {
    fprintf(stderr, "whisk: %s\n", wk_last_error());
    wk_context_free(ctx), wk_context_free(cs);
    return 2;
  }
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "layer");
    wk_json_kstring(j, "cpu", brand);
    wk_json_kint(j, "cores", cpu.online_cores);
    wk_json_kint(j, "tokens", LEN);
    wk_json_kstring(j, "scalar_method", "once, no warm-up, full shape");
    wk_json_key(j, "results");
    wk_json_array_begin(j);
  } else {
    char method[160];
    wk_peak_describe(&pk, method, sizeof method);
    fprintf(out,
            "encoder layer speed on %s (%d cores); %s peak %.1f GOPS/core at the start; scalar "
            "timed once\npeak: %s; each row's %%peak uses the best loop so far\n"
            "%-28s %-5s %5s %5s %5s %3s %-10s %11s %8s %6s %9s\n",
            brand, cpu.online_cores, isa_name, wk_peak_best(&pk) * 1e-9, method, "name", "kind",
            "m", "n", "k", "thr", "isa", "median_us", "GOPS", "%peak", "vs scalar");
  }
  int rc = 0;
  for (int si = 0; si < N_SIZES && !rc; si++) {
    const int d = sizes[si].d, F = 4 * d;
    const struct { int n, k, gelu, residual; } shapes[] = {
        {3 * d, d, 0, 0}, {d, d, 0, 1}, {F, d, 1, 0}, {d, F, 0, 1}}; /* as gemm_names */
    for (int gi = 0; gi < 4 && !rc; gi++) {
      char name[64];
      snprintf(name, sizeof name, "gemm-%s-%s", sizes[si].name, gemm_names[gi]);
      if (!wk_suite_matches(o, name)) continue;
      fprintf(stderr, "bench: %s...\n", name);
      gemm_bench g;
      const int n = shapes[gi].n, k = shapes[gi].k;
      if (!gemm_bench_alloc(&g, LEN, n, k)) {
        rc = 2;
      } else {
        double t = time_gemm(ctx, &g, LEN, n, k, shapes[gi].gelu, shapes[gi].residual, 1, 7, &pk);
        fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
        double ts =
            time_gemm(cs, &g, LEN, n, k, shapes[gi].gelu, shapes[gi].residual, 0, 1, NULL);
        if (t < 0 || ts < 0) rc = 2;
        else
          print_row(out, j, name, "gemm", LEN, n, k, threads, isa_name, t, 2.0 * LEN * n * k,
                    &pk, ts, NULL);
      }
      gemm_bench_free(&g);
    }
    if (!rc) rc = bench_stem(o, out, j, ctx, cs, &sizes[si], 2000 + si, &pk);
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
    if (!rc) wk_peak_sample(&pk);
    for (int i = 0; i < 5 && !rc; i++) {
      double t0 = wk_now();
      wk_layer_run(ctx, l, s.x, LEN, y, ws, ws_size, &prof);
      t[i] = wk_now() - t0;
    }
    if (!rc) wk_peak_sample(&pk);
    double ts = -1; /* the scalar layer, once */
    wk_layer *ls = NULL;
    if (!rc) {
      fprintf(stderr, "bench: %s, scalar (slow)...\n", name);
      if (wk_layer_create(cs, &s.w, NULL, &ls) == WK_STATUS_OK) {
        double t0 = wk_now();
        if (wk_layer_run(cs, ls, s.x, LEN, y, NULL, 0, NULL) == WK_STATUS_OK)
          ts = wk_now() - t0;
      }
      wk_layer_free(ls);
    }
    if (!rc) {
      qsort(t, 5, sizeof t[0], wk_suite_cmp_double);
      const double ops = 2.0 * LEN * 12.0 * d * d + 4.0 * LEN * (double)LEN * d;
      print_row(out, j, name, "layer", LEN, d, F, threads, isa_name, t[2], ops, &pk, ts, &prof);
    }
    wk_layer_free(l);
    wk_layer_synth_free(&s);
    free(y), free(ws);
  }
  if (j) {
    wk_json_array_end(j);
    wk_peak_report(&pk, out, j);
    wk_json_object_end(j);
    if (wk_json_finish(j) && !rc) {
      fprintf(stderr, "whisk: could not write the JSON output\n");
      rc = 2;
    }
  } else {
    wk_peak_report(&pk, out, NULL);
  }
  wk_context_free(ctx), wk_context_free(cs);
  return rc;
}
