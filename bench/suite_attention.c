/* suite_attention.c — `whisk accuracy attention` and `whisk bench attention`.
 *
 * Accuracy: every case of cases.c through wk_attention (int8 and float output) against the
 * FP64 reference.  Speed: median wall time after warm-up, GOPS (2 ops per multiply-add, Q·Kᵀ
 * and P·V), the speedup over the scalar kernel timed in the same run with the same thread
 * count, and the fraction of this core's measured peak for the ISA × threads (peak.h: sampled
 * right before and after each timed case; each row uses the best loop so far). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention/attention-internal.h"
#include "cases.h"
#include "common/common.h"
#include "common/json.h"
#include "peak.h"
#include "suite.h"

/* ── accuracy ────────────────────────────────────────────────────────────── */

/* The table's column header and the legend that says what each column means. */
static void accuracy_header(FILE *out, const char *isa, int threads) {
  fprintf(out,
          "attention accuracy vs FP64 reference (isa %s, %d threads); errors in output LSB\n"
          "%-22s %5s %5s %5s %4s %4s %8s %8s %8s %9s %9s %7s %7s %5s %5s %3s %9s\n",
          isa, threads, "case", "heads", "lq", "lk", "d", "max", "exact%", "mae", "rmse", "corr",
          "cosine", "±1%", "±5%", "min", "max", "nan", "f32relerr");
  fprintf(out,
          "legend: max = largest |error| in LSB, exact%% = share equal to the rounded reference, "
          "mae/rmse = mean absolute/RMS error in LSB,\n"
          "        corr/cosine = Pearson/cosine vs the unrounded reference, ±1%%/±5%% = share "
          "within 1/5 LSB, min/max = output range,\n"
          "        nan = NaNs in the float output, f32relerr = float output's max error / "
          "max |reference|\n");
}

int wk_accuracy_attention(const wk_suite_options *o, FILE *out) {
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  const int threads = wk_context_threads(ctx);
  wk_json j;
  /* The header is written with the first selected case, so that a filter selecting none
   * writes nothing to `out` and fails. */
  int ok = 1, started = 0, worst = 0, seed_seen = 0;
  double exact_sum = 0, seed_corr = 0;
  long count = 0;
  for (int i = 0; i < wk_attn_case_count(); i++) {
    wk_attn_case c;
    if (wk_attn_case_make(i, &c) != WK_STATUS_OK) {
      fprintf(stderr, "whisk: %s\n", wk_last_error());
      wk_context_free(ctx);
      return 2;
    }
    if (!wk_suite_matches(o, c.name)) {
      wk_attn_case_free(&c);
      continue;
    }
    wk_attn_metrics m;
    if (wk_attn_case_evaluate(ctx, &c, &m) != WK_STATUS_OK) {
      fprintf(stderr, "whisk: case %s: %s\n", c.name, wk_last_error());
      wk_attn_case_free(&c), wk_context_free(ctx);
      return 2;
    }
    if (!started++) {
      if (o->json) {
        wk_suite_json_begin(&j, out, "attention");
        wk_json_kstring(&j, "isa", isa);
        wk_json_kint(&j, "threads", threads);
        wk_json_key(&j, "cases");
        wk_json_array_begin(&j);
      } else {
        accuracy_header(out, isa, threads);
      }
    }
    if (m.max_err_lsb > worst) worst = m.max_err_lsb;
    exact_sum += m.exact_pct * m.count;
    count += m.count;
    if (m.max_err_lsb > 1 || m.nan) ok = 0;
    if (strcmp(c.name, "seed-tile") == 0) seed_seen = 1, seed_corr = m.corr;
    if (o->json) {
      wk_json_object_begin(&j);
      wk_json_kstring(&j, "name", c.name);
      wk_json_kint(&j, "heads", c.heads);
      wk_json_kint(&j, "lq", c.lq);
      wk_json_kint(&j, "lk", c.lk);
      wk_json_kint(&j, "d", c.d);
      wk_json_kint(&j, "max_err_lsb", m.max_err_lsb);
      wk_json_kfixed(&j, "exact_pct", m.exact_pct, 4);
      wk_json_kfixed(&j, "mae_lsb", m.mae_lsb, 6);
      wk_json_kfixed(&j, "rmse_lsb", m.rmse_lsb, 6);
      wk_json_kfixed(&j, "corr", m.corr, 8);
      wk_json_kfixed(&j, "cosine", m.cosine, 8);
      wk_json_kfixed(&j, "within1_pct", m.within1_pct, 4);
      wk_json_kfixed(&j, "within5_pct", m.within5_pct, 4);
      wk_json_kint(&j, "out_min", m.out_min);
      wk_json_kint(&j, "out_max", m.out_max);
      wk_json_kint(&j, "nan", m.nan);
      wk_json_kdouble(&j, "f32_max_rel_err", m.f32_max_rel_err); /* NaN → null */
      wk_json_kint(&j, "causal", c.causal);
      wk_json_kint(&j, "kv_len", c.kv_len);
      wk_json_kfloat(&j, "out_scale", c.out_scale);
      wk_json_object_end(&j);
    } else {
      fprintf(out, "%-22s %5d %5d %5d %4d %4d %8.3f %8.5f %8.5f %9.7f %9.7f %7.3f %7.3f %5d %5d %3d %9.2e\n",
              c.name, c.heads, c.lq, c.lk, c.d, m.max_err_lsb, m.exact_pct, m.mae_lsb,
              m.rmse_lsb, m.corr, m.cosine, m.within1_pct, m.within5_pct, m.out_min, m.out_max,
              m.nan, m.f32_max_rel_err);
    }
    wk_attn_case_free(&c);
  }
  wk_context_free(ctx);
  if (!started) return wk_suite_no_match(o, "--filter", NULL);
  const double exact = exact_sum / count;
  if (exact < 99.9) ok = 0;
  if (seed_seen && !(seed_corr >= 0.9999)) ok = 0;
  if (o->json) {
    wk_json_array_end(&j);
    wk_json_key(&j, "summary");
    wk_json_object_begin(&j);
    wk_json_kint(&j, "outputs", count);
    wk_json_kint(&j, "max_err_lsb", worst);
    wk_json_kfixed(&j, "exact_pct", exact, 4);
    wk_json_kbool(&j, "contract_met", ok);
    wk_json_object_end(&j);
    wk_json_object_end(&j);
    if (wk_json_finish(&j)) {
      fprintf(stderr, "whisk: could not write the JSON output\n");
      return 2;
    }
  } else {
    fprintf(out,
            "all cases: %ld outputs, max error %d LSB, %.4f %% exact -> contract (max <= 1 LSB, "
            ">= 99.9 %% exact, seed-tile corr >= 0.9999): %s\n",
            count, worst, exact, ok ? "met" : "NOT MET");
  }
  return ok ? 0 : 1;
}

/* ── benchmark ───────────────────────────────────────────────────────────── */

/* Median seconds per call: `warmup` untimed calls, then samples of `batch` calls each until
 * at least `min_samples` samples and `min_seconds` have passed (at most 201 samples).  `pk`
 * (NULL: none) samples the peak right before and right after the timed calls. */
static double time_attention(wk_context *ctx, const wk_attention_params *p, int warmup,
                             int batch, int min_samples, double min_seconds,
                             wk_peak_tracker *pk) {
  double samples[201];
  int n = 0;
  for (int i = 0; i < warmup; i++)
    if (wk_attention(ctx, p) != WK_STATUS_OK) return -1;
  if (pk) wk_peak_sample(pk);
  double start = wk_now();
  while (n < 201 && (n < min_samples || wk_now() - start < min_seconds)) {
    double t0 = wk_now();
    for (int i = 0; i < batch; i++) wk_attention(ctx, p);
    samples[n++] = (wk_now() - t0) / batch;
  }
  if (pk) wk_peak_sample(pk);
  qsort(samples, (size_t)n, sizeof samples[0], wk_suite_cmp_double);
  return samples[n / 2];
}

typedef struct layer_inputs { /* token-major [L][heads·d], as a QKV projection writes it */
  int8_t *q, *k, *v, *out;
  float *q_tok, *k_tok;
} layer_inputs;

static wk_attention_params layer_params(layer_inputs *in, int heads, int l, int d) {
  wk_attention_params p = {
      .heads = heads, .lq = l, .lk = l, .head_dim = d,
      .q = {in->q, (ptrdiff_t)heads * d, d, 1.0f, in->q_tok, 0},
      .k = {in->k, (ptrdiff_t)heads * d, d, 1.0f, in->k_tok, 0},
      .v = {in->v, (ptrdiff_t)heads * d, d, 0.01f, NULL, 0},
      .out_type = WK_DTYPE_INT8, .out = in->out,
      .out_row_stride = (ptrdiff_t)heads * d, .out_head_stride = d, .out_scale = 0.005f,
  };
  return p;
}

static int layer_alloc(layer_inputs *in, int heads, int l, int d) {
  size_t n = (size_t)l * heads * d;
  in->q = malloc(n), in->k = malloc(n), in->v = malloc(n), in->out = malloc(n);
  in->q_tok = malloc(sizeof(float) * l), in->k_tok = malloc(sizeof(float) * l);
  if (!in->q || !in->k || !in->v || !in->out || !in->q_tok || !in->k_tok) return 0;
  wk_rng r = {42}; /* uniform in [−127, 127] */
  for (size_t i = 0; i < n; i++) {
    in->q[i] = (int8_t)(wk_rng_next(&r) % 255 - 127);
    in->k[i] = (int8_t)(wk_rng_next(&r) % 255 - 127);
    in->v[i] = (int8_t)(wk_rng_next(&r) % 255 - 127);
  }
  /* uniform ±127 values: std(Q·K) ≈ 8·127²/3; these scales give logits of std ≈ 2 */
  float sc = (float)sqrt(2.0 * sqrt((double)d) / (sqrt((double)d) * 127.0 * 127.0 / 3.0));
  for (int i = 0; i < l; i++) in->q_tok[i] = in->k_tok[i] = sc;
  return 1;
}

static void layer_free(layer_inputs *in) {
  free(in->q), free(in->k), free(in->v), free(in->out), free(in->q_tok), free(in->k_tok);
}

typedef struct bench_entry {
  const char *name;
  int heads, l;
} bench_entry;

static const bench_entry layers[] = {
    {"whisper-tiny-layer", 6, 1500},   {"whisper-base-layer", 8, 1500},
    {"whisper-small-layer", 12, 1500}, {"whisper-medium-layer", 16, 1500},
    {"whisper-large-v3-layer", 20, 1500},
};

/* Where a layer's CPU time goes: each microkernel pass's share (summed over threads, from
 * wk_attention_profiled over `calls` calls) of threads × wall time, the rest being packing,
 * the output store and scheduling, and the rate of Q·Kᵀ and of P·V (each 2·heads·lq·lk·d
 * nominal ops) against the measured per-core peak.  0: the kernel reports no passes. */
typedef struct pass_profile {
  double share[WK_ATTN_PASSES], outside, qk_peak_pct, pv_peak_pct;
} pass_profile;

static int profile_passes(wk_context *ctx, const wk_attention_params *p, int calls, double peak,
                          pass_profile *pp) {
  const size_t ws = wk_attention_workspace_size(ctx, p->heads, p->lq, p->lk, p->head_dim);
  void *w = ws ? malloc(ws) : NULL;
  if (!w) return 0;
  uint64_t ticks[WK_ATTN_PASSES] = {0};
  const double w0 = wk_now();
  const uint64_t k0 = wk_attn_ticks_now();
  int ok = 1;
  for (int i = 0; i < calls && ok; i++)
    ok = wk_attention_profiled(ctx, p, w, ws, ticks) == WK_STATUS_OK;
  const uint64_t k1 = wk_attn_ticks_now();
  const double w1 = wk_now();
  free(w);
  const double hz = (double)(k1 - k0) / (w1 - w0); /* ticks per second */
  if (!ok || !(hz > 0)) return 0;
  const double cpu = (w1 - w0) * wk_context_threads(ctx); /* seconds of all threads */
  const double ops = 2.0 * p->heads * (double)p->lq * p->lk * p->head_dim * calls;
  double in_passes = 0;
  for (int i = 0; i < WK_ATTN_PASSES; i++) {
    pp->share[i] = (double)ticks[i] / hz / cpu;
    in_passes += pp->share[i];
  }
  if (in_passes <= 0) return 0; /* a kernel without passes (scalar) */
  pp->outside = 1.0 - in_passes;
  pp->qk_peak_pct = 100.0 * ops / ((double)ticks[WK_ATTN_PASS_QK] / hz) / peak;
  /* P·V's products over the time of the pass that holds them (fused with the softmax or not) */
  pp->pv_peak_pct = 100.0 * ops /
                    ((double)(ticks[WK_ATTN_PASS_PV] + ticks[WK_ATTN_PASS_SOFTMAX_PV]) / hz) / peak;
  return 1;
}

static void print_passes(FILE *out, wk_json *j, const pass_profile *pp) {
  if (j) {
    wk_json_key(j, "passes");
    wk_json_object_begin(j);
    wk_json_kfixed(j, "qk_pct", 100 * pp->share[WK_ATTN_PASS_QK], 2);
    wk_json_kfixed(j, "softmax_pct", 100 * pp->share[WK_ATTN_PASS_SOFTMAX], 2);
    wk_json_kfixed(j, "pv_pct", 100 * pp->share[WK_ATTN_PASS_PV], 2);
    wk_json_kfixed(j, "softmax_pv_pct", 100 * pp->share[WK_ATTN_PASS_SOFTMAX_PV], 2);
    wk_json_kfixed(j, "outside_pct", 100 * pp->outside, 2);
    wk_json_kfixed(j, "qk_peak_pct", pp->qk_peak_pct, 2);
    wk_json_kfixed(j, "pv_peak_pct", pp->pv_peak_pct, 2);
    wk_json_object_end(j);
  } else if (pp->share[WK_ATTN_PASS_SOFTMAX_PV] > 0) {
    fprintf(out,
            "%24s CPU time: Q·Kᵀ %.1f %% (%.1f %% of peak), softmax + P·V in one loop %.1f %% "
            "(P·V's products at %.1f %% of peak), outside the passes %.1f %%\n",
            "", 100 * pp->share[WK_ATTN_PASS_QK], pp->qk_peak_pct,
            100 * pp->share[WK_ATTN_PASS_SOFTMAX_PV], pp->pv_peak_pct, 100 * pp->outside);
  } else {
    fprintf(out,
            "%24s CPU time: Q·Kᵀ %.1f %% (%.1f %% of peak), softmax %.1f %%, P·V %.1f %% "
            "(%.1f %% of peak), outside the passes %.1f %%\n",
            "", 100 * pp->share[WK_ATTN_PASS_QK], pp->qk_peak_pct,
            100 * pp->share[WK_ATTN_PASS_SOFTMAX], 100 * pp->share[WK_ATTN_PASS_PV],
            pp->pv_peak_pct, 100 * pp->outside);
  }
}

/* One row; pp (NULL: none) adds the per-pass breakdown. */
static void print_result(FILE *out, wk_json *j, const char *name, int heads, int lq, int lk,
                         int d, int threads, const char *isa, double t, double t_scalar,
                         const wk_peak_tracker *pk, const pass_profile *pp) {
  const double ops = 4.0 * heads * (double)lq * lk * d;
  const double gops = ops / t * 1e-9, peak = wk_peak_best(pk);
  const double pct = wk_peak_row_percent(pk, name, ops / t, threads);
  if (j) {
    wk_json_object_begin(j);
    wk_json_kstring(j, "name", name);
    wk_json_kint(j, "heads", heads);
    wk_json_kint(j, "lq", lq);
    wk_json_kint(j, "lk", lk);
    wk_json_kint(j, "d", d);
    wk_json_kint(j, "threads", threads);
    wk_json_kstring(j, "isa", isa);
    wk_json_kfixed(j, "median_us", t * 1e6, 3);
    wk_json_kfixed(j, "gops", gops, 3);
    wk_json_kfixed(j, "speedup_vs_scalar", t_scalar / t, 2);
    wk_json_kfixed(j, "peak_pct", pct, 2);
    wk_json_kfixed(j, "peak_gops_per_core", peak * 1e-9, 1);
    wk_json_kfixed(j, "scalar_median_us", t_scalar * 1e6, 3);
    if (pp) print_passes(out, j, pp);
    wk_json_object_end(j);
  } else {
    fprintf(out, "%-24s %5d %5d %5d %4d %7d %-11s %12.2f %9.2f %9.1fx %7.2f %14.1f\n", name,
            heads, lq, lk, d, threads, isa, t * 1e6, gops, t_scalar / t, pct, t_scalar * 1e6);
    if (pp) print_passes(out, j, pp);
  }
  fflush(out);
}

/* Whether any benchmark of this suite matches the filter. */
static int bench_any_match(const wk_suite_options *o) {
  if (wk_suite_matches(o, "tile64")) return 1;
  for (size_t e = 0; e < sizeof layers / sizeof layers[0]; e++)
    if (wk_suite_matches(o, layers[e].name)) return 1;
  return 0;
}

int wk_bench_attention(const wk_suite_options *o, FILE *out) {
  if (!bench_any_match(o)) return wk_suite_no_match(o, "--filter", NULL);
  wk_context *probe = wk_suite_context(o->isa, o->threads);
  if (!probe) return 2;
  wk_isa isa = wk_context_isa(probe);
  int threads = wk_context_threads(probe);
  wk_context_free(probe);
  wk_cpu_info cpu;
  wk_cpu_get_info(&cpu);
  char brand[sizeof cpu.brand];
  wk_suite_cpu_brand(&cpu, brand, sizeof brand);
  fflush(out); /* progress goes to stderr: keep the two streams in order on a terminal */
  fprintf(stderr, "bench: measuring the %s peak of one core...\n", wk_isa_name(isa));
  wk_peak_tracker pk;
  if (wk_peak_init(&pk, WK_PEAK_INT8, isa) != WK_STATUS_OK) {
    fprintf(stderr, "whisk: %s\n", wk_last_error());
    return 2;
  }
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "attention");
    wk_json_kstring(j, "cpu", brand);
    wk_json_kint(j, "cores", cpu.online_cores);
    wk_json_key(j, "results");
    wk_json_array_begin(j);
  } else {
    char method[160];
    wk_peak_describe(&pk, method, sizeof method);
    fprintf(out,
            "attention speed on %s (%d cores); %s peak %.1f GOPS/core at the start\n"
            "peak: %s; each row's %%peak uses the best loop so far\n"
            "%-24s %5s %5s %5s %4s %7s %-11s %12s %9s %10s %7s %14s\n",
            brand, cpu.online_cores, wk_isa_name(isa), wk_peak_best(&pk) * 1e-9, method, "name",
            "heads", "lq", "lk", "d", "threads", "isa", "median_us", "GOPS", "vs scalar", "%peak",
            "scalar_us");
  }
  int rc = 0;

  /* the seed's tile: one head, 64×64, one thread */
  if (wk_suite_matches(o, "tile64")) {
    fprintf(stderr, "bench: tile64\n");
    wk_context *c = wk_suite_context(isa, 1), *cs = wk_suite_context(WK_ISA_SCALAR, 1);
    wk_attn_case tc;
    if (!c || !cs || wk_attn_case_make(0, &tc) != WK_STATUS_OK) {
      wk_context_free(c), wk_context_free(cs);
      return 2;
    }
    int8_t o8[4096];
    wk_attention_params p = wk_attn_case_params(&tc, WK_DTYPE_INT8, o8);
    double t = time_attention(c, &p, 200, 100, 31, 0.3, &pk);
    double ts = time_attention(cs, &p, 5, 5, 11, 0.3, NULL);
    print_result(out, j, "tile64", 1, 64, 64, 64, 1, wk_isa_name(isa), t, ts, &pk, NULL);
    wk_attn_case_free(&tc), wk_context_free(c), wk_context_free(cs);
  }

  /* full-layer attention at every Whisper size, on 1 thread and on all threads */
  for (size_t e = 0; e < sizeof layers / sizeof layers[0] && rc == 0; e++) {
    if (!wk_suite_matches(o, layers[e].name)) continue;
    int counts[2] = {1, threads};
    for (int ti = 0; ti < (threads > 1 ? 2 : 1); ti++) {
      int nt = counts[ti];
      layer_inputs in = {0};
      wk_context *c = wk_suite_context(isa, nt), *cs = wk_suite_context(WK_ISA_SCALAR, nt);
      if (!c || !cs || !layer_alloc(&in, layers[e].heads, layers[e].l, 64)) {
        rc = 2;
      } else {
        wk_attention_params p = layer_params(&in, layers[e].heads, layers[e].l, 64);
        fprintf(stderr, "bench: %s, %d thread(s), %s...\n", layers[e].name, nt, wk_isa_name(isa));
        double t = time_attention(c, &p, 2, 1, 7, 1.0, &pk);
        fprintf(stderr, "bench: %s, %d thread(s), scalar (slow)...\n", layers[e].name, nt);
        double ts = time_attention(cs, &p, 0, 1, 3, 0, NULL);
        pass_profile pp;
        const int have_pp = profile_passes(c, &p, 3, wk_peak_best(&pk), &pp);
        print_result(out, j, layers[e].name, layers[e].heads, layers[e].l, layers[e].l, 64, nt,
                     wk_isa_name(isa), t, ts, &pk, have_pp ? &pp : NULL);
      }
      layer_free(&in);
      wk_context_free(c), wk_context_free(cs);
      if (rc) break;
    }
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
  return rc;
}
