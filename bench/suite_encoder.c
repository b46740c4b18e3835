/* suite_encoder.c — `whisk accuracy encoder` and `whisk bench encoder`: the whole Whisper
 * encoder (stem, every layer, ln_post) on one 30-s window, at every size.
 *
 * Weights: the synthetic model's (tests/support/synth_model.h: the tensors a `whisk synth-model
 * --size S [--outliers]` f32 file holds, generated straight into memory with
 * wk_synth_model_values, one size alive at a time; large-v3 is 2.5 GB of fp32).  large-v3-turbo
 * has large-v3's encoder, so it is not run again.
 * Input: the log-mel (wk_log_mel, Slaney filters as the model files carry) of samples/hello.wav
 * (8.7 s of espeak-ng speech, padded to the window as Whisper pads) when the source tree is
 * there (WK_SOURCE_DIR), else of a synthetic voiced signal (a 110–220 Hz harmonic sweep with
 * formant-like amplitude changes and a little noise).
 *
 * Accuracy: the FP32 encoder (src/model/encoder-f32.h; itself checked against a float64 NumPy
 * encoder in the tests) is the reference.  Per layer, the INT8 layer gets the same fp32 input
 * as the FP32 run's layer (the FP32 encoder run stage by stage), and the two outputs are
 * compared; at the output, the whole INT8 encoder (wk_encoder_int8_run) against the whole FP32
 * one.  cosine = a·b / (|a| |b|), rel_err = |a − b| / |b| (b the FP32 tensor), in double.
 * Contract: output cosine ≥ 0.999 for every size, plain and with outliers.
 *
 * Speed: the public encoder (wk_encoder_run's profiled twin) on the window, 1 and 2 threads
 * (or --threads), INT8 and/or FP32: one warm-up, then the median of up to 5 runs (fewer when a
 * run is long: as many as fit in ≈ 8 s, at least 1; the run count is printed).  Stages: mel_ms
 * (the median of wk_log_mel over a 30-s signal, as `whisk encode` computes it for a 30-s file),
 * then the median encoder run's profile: conv_ms, attention_ms, gemm_ms, other_ms (LayerNorms,
 * standalone quantization, the rest); they sum to median_ms = mel + encoder.  peak_pct: the
 * encoder's ops (2 per multiply-add, from the shapes) per encoder second against threads × one
 * core's measured peak (bench/peak.h: int8 for INT8, fp32 FMA for FP32, sampled around each
 * timed row).  rtf = 30 s / median_ms. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "common/json.h"
#include "io/ggml.h"
#include "mel/mel-filters.h"
#include "model/encoder-f32.h"
#include "model/encoder-int8.h"
#include "peak.h"
#include "suite.h"
#include "synth_model.h"

#define N_CTX 1500
#define FRAMES (2 * N_CTX)
#define WINDOW_SAMPLES 480000 /* 30 s at 16 kHz */
#define SEED 20240801u

typedef struct enc_size {
  const char *name;
  int d, heads, layers, n_mels;
} enc_size;

static const enc_size sizes[] = {
    {"tiny", 384, 6, 4, 80},       {"base", 512, 8, 6, 80},         {"small", 768, 12, 12, 80},
    {"medium", 1024, 16, 24, 80}, {"large-v3", 1280, 20, 32, 128},
};
#define N_SIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define SIZES_HINT "(sizes: tiny, base, small, medium, large-v3)"

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ── weights ─────────────────────────────────────────────────────────────── */

typedef struct enc_weights {
  wk_encoder_f32 w; /* points into block */
  float *block;     /* every tensor */
} enc_weights;

static void enc_weights_free(enc_weights *ew) {
  wk_free(ew->block);
  memset(ew, 0, sizeof *ew);
}

static wk_status synth_values(const void *options, const char *name, float *dst, size_t n) {
  return wk_synth_model_values(options, name, dst, n);
}

/* Fills *ew with the encoder tensors of the synthetic f32 model of `sz` (the loader's layout,
 * filled from the generator instead of a file).  Returns the status (the message is set). */
static wk_status enc_weights_make(const enc_size *sz, int outliers, enc_weights *ew) {
  memset(ew, 0, sizeof *ew);
  const wk_synth_model_options o = {sz->name, 0, "f32", SEED, outliers};
  const wk_model_hparams hp = {.n_audio_ctx = N_CTX, .n_audio_state = sz->d,
                               .n_audio_head = sz->heads, .n_audio_layer = sz->layers,
                               .n_mels = sz->n_mels};
  return wk_encoder_f32_from_source(&hp, synth_values, &o, &ew->w, &ew->block);
}

/* Ops (2 per multiply-add) of one encoder run: the two convolutions (kernel 3), then per layer
 * the QKV, out, fc1 and fc2 GEMMs and attention's q·kᵀ and p·v. */
static double encoder_ops(const enc_size *sz) {
  const double n = N_CTX, d = sz->d, T = FRAMES, f = 4.0 * sz->d;
  const double stem = 2 * T * d * 3 * sz->n_mels + 2 * n * d * 3 * d;
  const double layer = 2 * n * (4 * d * d + 2 * d * f) + 4 * n * n * d;
  return stem + sz->layers * layer;
}

/* ── the input ───────────────────────────────────────────────────────────── */

/* 16 kHz mono speech for the input: hello.wav, or a synthetic voiced signal; *from says
 * which.  Returns the samples (free with free()) or NULL. */
static float *input_pcm(size_t *n, const char **from) {
#ifdef WK_SOURCE_DIR
  wk_pcm pcm;
  if (wk_audio_load(WK_SOURCE_DIR "/samples/hello.wav", &pcm) == WK_STATUS_OK) {
    float *x = malloc(sizeof(float) * (pcm.n_samples ? pcm.n_samples : 1));
    if (x) memcpy(x, pcm.samples, sizeof(float) * pcm.n_samples);
    *n = pcm.n_samples;
    wk_pcm_free(&pcm);
    *from = "samples/hello.wav";
    return x;
  }
#endif
  const size_t len = 8 * 16000; /* 8 s */
  float *x = malloc(sizeof(float) * len);
  if (!x) return NULL;
  wk_rng r = {7};
  double phase = 0;
  for (size_t i = 0; i < len; i++) {
    const double t = (double)i / 16000.0;
    const double f0 = 165 + 55 * sin(2 * M_PI * 0.3 * t); /* pitch sweep 110…220 Hz */
    phase += 2 * M_PI * f0 / 16000.0;
    double v = 0;
    for (int h = 1; h <= 12; h++) /* harmonics, with a moving "formant" */
      v += sin(h * phase) / h * (1 + sin(2 * M_PI * (0.7 + 0.1 * h) * t));
    const double syllables = 0.5 + 0.5 * sin(2 * M_PI * 3 * t);
    x[i] = (float)(0.1 * syllables * v + 0.003 * (2 * wk_rng_uniform(&r) - 1));
  }
  *n = len;
  *from = "a synthetic voiced signal";
  return x;
}

/* The encoder's input window: [n_mels][3000] (wk_alloc'd), or NULL (message on stderr). */
static float *input_window(wk_context *ctx, int n_mels, const char **from) {
  size_t n = 0;
  float *pcm = input_pcm(&n, from);
  float *filters = malloc(sizeof(float) * (size_t)n_mels * WK_MEL_BINS);
  const size_t frames = wk_mel_frames(n);
  float *mel = malloc(sizeof(float) * (size_t)n_mels * frames);
  float *win = wk_alloc_array((size_t)n_mels * FRAMES, sizeof(float));
  wk_status s = WK_STATUS_OUT_OF_MEMORY;
  if (pcm && filters && mel && win && (s = wk_mel_filters_slaney(n_mels, filters)) == 0 &&
      (s = wk_log_mel(ctx, pcm, n, filters, n_mels, mel, (size_t)n_mels * frames)) == 0)
    s = wk_mel_window(mel, frames, n_mels, 0, win, (size_t)n_mels * FRAMES);
  free(pcm), free(filters), free(mel);
  if (s) {
    fprintf(stderr, "whisk: encoder input: %s\n", wk_last_error());
    wk_free(win);
    return NULL;
  }
  return win;
}

/* ── accuracy ────────────────────────────────────────────────────────────── */

typedef struct cmp {
  double cosine, rel_err;
} cmp;

/* a (test) against b (reference), n floats. */
static cmp compare(const float *a, const float *b, size_t n) {
  double ab = 0, aa = 0, bb = 0, ee = 0;
  for (size_t i = 0; i < n; i++) {
    const double x = a[i], y = b[i];
    ab += x * y, aa += x * x, bb += y * y, ee += (x - y) * (x - y);
  }
  cmp c = {aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : NAN, bb > 0 ? sqrt(ee / bb) : NAN};
  return c;
}

static void accuracy_name(int si, int outliers, char *buf, size_t size) {
  snprintf(buf, size, "encoder-%s%s", sizes[si].name, outliers ? "-outliers" : "");
}

typedef struct acc_result {
  cmp out, stem, worst;
  int worst_layer;
  double seconds;
} acc_result;

/* Runs one accuracy case; returns 0 or 2 (message on stderr). */
static int accuracy_case(wk_context *ctx, const enc_size *sz, int outliers, const float *mel,
                         const char *name, acc_result *r) {
  const double t0 = wk_now();
  const size_t nd = (size_t)N_CTX * sz->d;
  enc_weights ew;
  wk_encoder_fp32 *e32 = NULL;
  wk_encoder_int8 *e8 = NULL;
  wk_stem *stem = NULL;
  wk_layer *layer = NULL;
  void *ws32 = NULL, *ws8 = NULL;
  float *x = wk_alloc_array(nd, sizeof(float)), *xin = wk_alloc_array(nd, sizeof(float));
  float *y = wk_alloc_array(nd, sizeof(float)); /* [N_CTX][d] each */
  size_t ws32_size = 0, ws8_size = 0;
  const int tty = isatty(fileno(stderr));
  fprintf(stderr, "accuracy: %s: weights...\n", name);
  wk_status s = enc_weights_make(sz, outliers, &ew);
  const double t_weights = wk_now() - t0;
  if (!s && (!x || !xin || !y))
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder suite: out of memory");
  if (!s) fprintf(stderr, "accuracy: %s: weights in %.1f s; packing FP32 and INT8...\n", name, t_weights);
  if (!s) s = wk_encoder_fp32_create(ctx, &ew.w, &e32);
  /* INT8 as wk_encoder_create builds it: with its data-free SmoothQuant factors */
  float *factors = NULL;
  wk_layer_smoothing *smooth = NULL;
  if (!s) s = wk_encoder_smoothing(&ew.w, &factors, &smooth);
  if (!s) s = wk_encoder_int8_create(ctx, &ew.w, smooth, &e8);
  if (!s) {
    ws32_size = wk_encoder_fp32_workspace_size(e32, wk_context_threads(ctx));
    ws8_size = wk_encoder_int8_workspace_size(ctx, e8); /* ≥ the stem's and a layer's */
    ws32 = wk_alloc(ws32_size), ws8 = wk_alloc(ws8_size);
    if (!ws32 || !ws8) s = wk_error(WK_STATUS_OUT_OF_MEMORY, "encoder suite: out of memory");
  }
  /* the stem: both from the mel */
  if (!s) s = wk_encoder_fp32_run_stem(ctx, e32, mel, x, ws32, ws32_size);
  if (!s) s = wk_stem_create(ctx, &ew.w.stem, &stem);
  if (!s) s = wk_stem_run(ctx, stem, mel, FRAMES, y, ws8, ws8_size);
  if (!s) r->stem = compare(y, x, nd);
  wk_stem_free(stem);
  /* every layer: the INT8 layer on the FP32 run's input of that layer */
  r->worst_layer = -1;
  r->worst.cosine = INFINITY;
  for (int l = 0; !s && l < sz->layers; l++) {
    if (tty) fprintf(stderr, "\raccuracy: %s: layer %d/%d...", name, l + 1, sz->layers);
    memcpy(xin, x, nd * sizeof(float));
    s = wk_encoder_fp32_run_layer(ctx, e32, l, x, ws32, ws32_size);
    if (!s) s = wk_layer_create(ctx, &ew.w.layers[l], &smooth[l], &layer);
    if (!s) s = wk_layer_run(ctx, layer, xin, N_CTX, y, ws8, ws8_size, NULL);
    wk_layer_free(layer), layer = NULL;
    if (s) break;
    const cmp c = compare(y, x, nd);
    if (!(c.cosine >= r->worst.cosine)) r->worst = c, r->worst_layer = l;
  }
  if (tty) fprintf(stderr, "\n");
  if (!s) s = wk_encoder_fp32_run_ln_post(ctx, e32, x);
  /* the output: the whole INT8 encoder against the staged FP32 run (its exact bytes) */
  if (!s) fprintf(stderr, "accuracy: %s: %d layers compared at %.1f s; the whole INT8 encoder...\n", name, sz->layers, wk_now() - t0);
  if (!s) s = wk_encoder_int8_run(ctx, e8, mel, y, ws8, ws8_size, NULL);
  if (!s) r->out = compare(y, x, nd);
  wk_encoder_fp32_free(e32);
  wk_encoder_int8_free(e8);
  wk_free(factors), wk_free(smooth);
  enc_weights_free(&ew);
  wk_free(ws32), wk_free(ws8), wk_free(x), wk_free(xin), wk_free(y);
  r->seconds = wk_now() - t0;
  if (s) {
    fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
    return 2;
  }
  return 0;
}

int wk_accuracy_encoder(const wk_suite_options *o, FILE *out) {
  int any = 0;
  char name[64];
  for (int si = 0; si < N_SIZES; si++)
    for (int v = 0; v < 2; v++) accuracy_name(si, v, name, sizeof name), any |= wk_suite_matches(o, name);
  if (!any) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
  wk_context *ctx = wk_suite_context(o->isa, o->threads);
  if (!ctx) return 2;
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "encoder");
    wk_json_key(j, "cases");
    wk_json_array_begin(j);
  }
  int ok = 1, rc = 0, header = 0;
  float *mel = NULL;
  int mel_bins = 0;
  const char *from = "";
  for (int si = 0; si < N_SIZES && !rc; si++)
    for (int outl = 0; outl < 2 && !rc; outl++) {
      const enc_size *sz = &sizes[si];
      accuracy_name(si, outl, name, sizeof name);
      if (!wk_suite_matches(o, name)) continue;
      if (mel_bins != sz->n_mels) { /* 80 bins, or 128 for large-v3 */
        wk_free(mel);
        mel_bins = sz->n_mels;
        if (!(mel = input_window(ctx, mel_bins, &from))) {
          rc = 2;
          break;
        }
      }
      if (!j && !header++)
        fprintf(out,
                "encoder accuracy: INT8 vs the FP32 encoder, one 30-s window (log-mel of %s), "
                "isa %s, %d threads\n"
                "legend: cosine, rel_err = the encoder output (|y - y_fp32| / |y_fp32|); "
                "layer = worst layer (INT8 layer fed the FP32 run's input),\n"
                "        stem = the INT8 conv stem vs the FP32 one; outliers = x30..x50 LayerNorm "
                "channels (synth_model.h)\n"
                "%-26s %5s %6s %8s %10s %10s %5s %10s %10s %7s\n",
                from, isa, wk_context_threads(ctx), "case", "d", "layers", "outliers", "cosine",
                "rel_err", "layer", "l_cosine", "stem_cos", "seconds");
      acc_result r = {{0, 0}, {0, 0}, {0, 0}, -1, 0};
      if (accuracy_case(ctx, sz, outl, mel, name, &r)) {
        rc = 2;
        break;
      }
      if (!(r.out.cosine >= 0.999)) ok = 0;
      if (j) {
        wk_json_object_begin(j);
        wk_json_kstring(j, "size", sz->name);
        wk_json_kbool(j, "outliers", outl);
        wk_json_kdouble(j, "cosine", r.out.cosine);
        wk_json_kdouble(j, "rel_err", r.out.rel_err);
        wk_json_kint(j, "worst_layer", r.worst_layer);
        wk_json_kdouble(j, "worst_layer_cosine", r.worst.cosine);
        wk_json_object_end(j);
      } else {
        fprintf(out, "%-26s %5d %6d %8s %10.7f %10.3e %5d %10.7f %10.7f %7.1f\n", name, sz->d,
                sz->layers, outl ? "x30-50" : "-", r.out.cosine, r.out.rel_err, r.worst_layer,
                r.worst.cosine, r.stem.cosine, r.seconds);
      }
      fflush(out);
    }
  wk_free(mel);
  wk_context_free(ctx);
  if (rc) return rc; /* a half-written JSON document is not finished: the exit status says 2 */
  if (j) {
    wk_json_array_end(j);
    wk_json_object_end(j);
    if (wk_suite_json_finish(j)) return 2;
  } else {
    fprintf(out, "contract (output cosine >= 0.999, every size, plain and outliers): %s\n",
            ok ? "met" : "NOT MET");
  }
  return ok ? 0 : 1;
}

/* ── benchmark ───────────────────────────────────────────────────────────── */

static void bench_name(int si, wk_precision p, int threads, char *buf, size_t size) {
  snprintf(buf, size, "encoder-%s-%s-%dt", sizes[si].name, wk_suite_precision_name(p), threads);
}

/* Median seconds of wk_log_mel over a 30-s signal (5 runs after a warm-up), or −1. */
static double time_mel(wk_context *ctx, int n_mels, const float *pcm30) {
  const size_t frames = wk_mel_frames(WINDOW_SAMPLES);
  float *filters = malloc(sizeof(float) * (size_t)n_mels * WK_MEL_BINS);
  float *mel = malloc(sizeof(float) * (size_t)n_mels * frames);
  double t[5], r = -1;
  if (filters && mel && !wk_mel_filters_slaney(n_mels, filters) &&
      !wk_log_mel(ctx, pcm30, WINDOW_SAMPLES, filters, n_mels, mel, (size_t)n_mels * frames)) {
    int i = 0;
    for (; i < 5; i++) {
      const double t0 = wk_now();
      if (wk_log_mel(ctx, pcm30, WINDOW_SAMPLES, filters, n_mels, mel, (size_t)n_mels * frames))
        break;
      t[i] = wk_now() - t0;
    }
    if (i == 5) {
      qsort(t, 5, sizeof t[0], wk_suite_cmp_double);
      r = t[2];
    }
  }
  if (r < 0) fprintf(stderr, "whisk: mel: %s\n", wk_last_error());
  free(filters), free(mel);
  return r;
}

typedef struct bench_row {
  double mel, enc, cpu;     /* seconds: mel median, the median encoder run, its CPU seconds */
  wk_encoder_profile prof;  /* the median encoder run's */
  int runs;
  double pct;               /* % of threads × peak */
} bench_row;

/* Times `e` on ctx: one warm-up, then up to 5 runs (as many as fit in ≈ 8 s, at least 1).
 * Returns 0 or 2. */
static int time_encoder(wk_context *ctx, const wk_encoder *e, const float *mel, size_t mel_n,
                        float *out, size_t out_n, wk_peak_tracker *pk, bench_row *row) {
  wk_encoder_profile warm = {0}, p[5];
  double cpu[5];
  if (wk_encoder_run_profiled(ctx, e, mel, mel_n, out, out_n, &warm)) return 2;
  int runs = (int)(8.0 / warm.total);
  runs = runs < 1 ? 1 : runs > 5 ? 5 : runs;
  wk_peak_sample(pk);
  for (int i = 0; i < runs; i++) {
    memset(&p[i], 0, sizeof p[i]);
    const double c0 = cpu_seconds();
    if (wk_encoder_run_profiled(ctx, e, mel, mel_n, out, out_n, &p[i])) return 2;
    cpu[i] = cpu_seconds() - c0;
  }
  wk_peak_sample(pk);
  /* the median run: the one with as many runs faster as slower (ties by index) */
  int med = 0;
  for (int i = 0; i < runs; i++) {
    int below = 0;
    for (int k = 0; k < runs; k++)
      below += p[k].total < p[i].total || (p[k].total == p[i].total && k < i);
    if (below == runs / 2) med = i;
  }
  row->prof = p[med], row->enc = p[med].total, row->cpu = cpu[med], row->runs = runs;
  return 0;
}

int wk_bench_encoder(const wk_suite_options *o, FILE *out) {
  return wk_bench_encoder_precision(o, WK_SUITE_PRECISION_BOTH, out);
}

int wk_bench_encoder_precision(const wk_suite_options *o, int precision, FILE *out) {
  if (precision < WK_SUITE_PRECISION_BOTH || precision > WK_SUITE_PRECISION_FP32) {
    fprintf(stderr, "whisk: encoder bench: unknown precision %d\n", precision);
    return 2;
  }
  const int want_int8 = precision != WK_SUITE_PRECISION_FP32;
  const int want_fp32 = precision != WK_SUITE_PRECISION_INT8;
  int thread_list[2] = {1, 2}, n_threads = 2;
  if (o->threads > 0) thread_list[0] = o->threads, n_threads = 1;
  char name[80];
  int any = 0;
  for (int si = 0; si < N_SIZES; si++)
    for (int pi = 0; pi < 2; pi++)
      for (int ti = 0; ti < n_threads; ti++) {
        if (pi == 0 ? !want_int8 : !want_fp32) continue;
        bench_name(si, (wk_precision)pi, thread_list[ti], name, sizeof name);
        any |= wk_suite_matches(o, name);
      }
  if (!any) return wk_suite_no_match(o, "--filter/--size", SIZES_HINT);
  wk_context *ctxs[2] = {NULL, NULL};
  for (int ti = 0; ti < n_threads; ti++)
    if (!(ctxs[ti] = wk_suite_context(o->isa, thread_list[ti]))) {
      wk_context_free(ctxs[0]);
      return 2;
    }
  wk_context *ctx = ctxs[0];
  const wk_isa isa = wk_context_isa(ctx);
  const char *isa_name = wk_isa_name(isa);
  wk_cpu_info cpu;
  wk_cpu_get_info(&cpu);
  char brand[sizeof cpu.brand];
  wk_suite_cpu_brand(&cpu, brand, sizeof brand);
  wk_peak_tracker pk[2]; /* [precision]: int8, fp32 FMA */
  for (int pi = 0; pi < 2; pi++) {
    if (pi == 0 ? !want_int8 : !want_fp32) continue;
    fprintf(stderr, "bench: measuring the %s %s peak of one core...\n", isa_name,
            pi == 0 ? "int8" : "fp32");
    if (wk_peak_init(&pk[pi], pi == 0 ? WK_PEAK_INT8 : WK_PEAK_FP32, isa) != WK_STATUS_OK) {
      fprintf(stderr, "whisk: %s\n", wk_last_error());
      for (int ti = 0; ti < n_threads; ti++) wk_context_free(ctxs[ti]);
      return 2;
    }
  }
  /* 30 s of speech for the mel timing: the input signal repeated */
  size_t n_in = 0;
  const char *from = "";
  float *pcm_in = input_pcm(&n_in, &from);
  float *pcm30 = malloc(sizeof(float) * WINDOW_SAMPLES);
  if (!pcm_in || !pcm30 || !n_in) {
    fprintf(stderr, "whisk: encoder bench: no input signal\n");
    free(pcm_in), free(pcm30);
    for (int ti = 0; ti < n_threads; ti++) wk_context_free(ctxs[ti]);
    return 2;
  }
  for (size_t i = 0; i < WINDOW_SAMPLES; i++) pcm30[i] = pcm_in[i % n_in];
  free(pcm_in);
  wk_json jw, *j = o->json ? &jw : NULL;
  if (j) {
    wk_suite_json_begin(j, out, "encoder");
    wk_json_key(j, "results");
    wk_json_array_begin(j);
  } else {
    fprintf(out,
            "encoder speed on %s (%d cores), one 30-s window (log-mel of %s), isa %s\n"
            "method: one warm-up, then the median of up to 5 runs (fewer when a run is long: "
            "column runs); ms = mel + encoder;\n"
            "        %%peak = encoder ops / encoder time vs threads x one core's measured peak "
            "(int8 for INT8, fp32 FMA for FP32);\n"
            "        %%cpu = the same per CPU second (the cores' efficiency while they ran: this "
            "machine may be shared); rtf = 30 s / ms\n"
            "%-26s %3s %4s %10s %8s %6s %6s %8s %8s %8s %8s %8s\n",
            brand, cpu.online_cores, from, isa_name, "name", "thr", "runs", "ms", "rtf", "%peak",
            "%cpu", "mel", "conv", "attn", "gemm", "other");
  }
  int rc = 0;
  for (int si = 0; si < N_SIZES && !rc; si++) {
    const enc_size *sz = &sizes[si];
    int size_any = 0;
    for (int pi = 0; pi < 2; pi++)
      for (int ti = 0; ti < n_threads; ti++) {
        bench_name(si, (wk_precision)pi, thread_list[ti], name, sizeof name);
        size_any |= (pi == 0 ? want_int8 : want_fp32) && wk_suite_matches(o, name);
      }
    if (!size_any) continue;
    fprintf(stderr, "bench: encoder-%s: weights...\n", sz->name);
    enc_weights ew;
    float *mel = NULL, *y = wk_alloc_array((size_t)N_CTX * sz->d, sizeof(float));
    const char *unused;
    if (enc_weights_make(sz, 0, &ew)) {
      fprintf(stderr, "whisk: %s\n", wk_last_error());
      wk_free(y);
      rc = 2;
      break;
    }
    if (!y || !(mel = input_window(ctx, sz->n_mels, &unused))) rc = 2;
    double mel_s[2] = {-1, -1};
    for (int pi = 0; pi < 2 && !rc; pi++) {
      const wk_precision prec = (wk_precision)pi;
      if (pi == 0 ? !want_int8 : !want_fp32) continue;
      int prec_any = 0;
      for (int ti = 0; ti < n_threads; ti++) {
        bench_name(si, prec, thread_list[ti], name, sizeof name);
        prec_any |= wk_suite_matches(o, name);
      }
      if (!prec_any) continue;
      wk_encoder *e = NULL;
      if (wk_encoder_create_from_weights(ctx, &ew.w, prec, &e)) {
        fprintf(stderr, "whisk: %s\n", wk_last_error());
        rc = 2;
        break;
      }
      double enc_1t = -1;
      for (int ti = 0; ti < n_threads && !rc; ti++) {
        const int thr = thread_list[ti];
        bench_name(si, prec, thr, name, sizeof name);
        if (!wk_suite_matches(o, name)) continue;
        fprintf(stderr, "bench: %s...\n", name);
        if (mel_s[ti] < 0 && (mel_s[ti] = time_mel(ctxs[ti], sz->n_mels, pcm30)) < 0) {
          rc = 2;
          break;
        }
        bench_row row;
        if (time_encoder(ctxs[ti], e, mel, (size_t)sz->n_mels * FRAMES, y,
                         (size_t)N_CTX * sz->d, &pk[pi], &row)) {
          fprintf(stderr, "whisk: %s: %s\n", name, wk_last_error());
          rc = 2;
          break;
        }
        if (row.runs < 3)
          fprintf(stderr, "bench: %s: %d timed run%s (a run takes %.1f s)\n", name, row.runs,
                  row.runs == 1 ? "" : "s", row.enc);
        row.mel = mel_s[ti];
        const double ops = encoder_ops(sz);
        row.pct = wk_peak_row_percent(&pk[pi], name, ops / row.enc, thr);
        const double cpu_pct = 100 * ops / row.cpu / wk_peak_best(&pk[pi]);
        const wk_encoder_profile *p = &row.prof;
        const double other = p->norm + p->quant + p->other;
        const double total = row.mel + row.enc;
        if (j) {
          wk_json_object_begin(j);
          wk_json_kstring(j, "size", sz->name);
          wk_json_kint(j, "threads", thr);
          wk_json_kstring(j, "isa", isa_name);
          wk_json_kstring(j, "precision", wk_suite_precision_name(prec));
          wk_json_kdouble(j, "median_ms", total * 1e3);
          wk_json_kdouble(j, "rtf", 30.0 / total);
          wk_json_kdouble(j, "peak_pct", row.pct);
          wk_json_key(j, "stages");
          wk_json_object_begin(j);
          wk_json_kdouble(j, "mel_ms", row.mel * 1e3);
          wk_json_kdouble(j, "conv_ms", p->conv * 1e3);
          wk_json_kdouble(j, "attention_ms", p->attention * 1e3);
          wk_json_kdouble(j, "gemm_ms", p->gemm * 1e3);
          wk_json_kdouble(j, "other_ms", other * 1e3);
          wk_json_object_end(j);
          wk_json_object_end(j);
        } else {
          fprintf(out, "%-26s %3d %4d %10.1f %7.1fx %6.1f %6.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n",
                  name, thr, row.runs, total * 1e3, 30.0 / total, row.pct, cpu_pct,
                  row.mel * 1e3, p->conv * 1e3, p->attention * 1e3, p->gemm * 1e3, other * 1e3);
          if (thr == 1) enc_1t = row.enc;
          else if (thr == 2 && enc_1t > 0)
            fprintf(out, "%-26s 1 -> 2 threads: encoder %.2fx faster\n", "", enc_1t / row.enc);
        }
        fflush(out);
      }
      wk_encoder_free(e);
    }
    enc_weights_free(&ew);
    wk_free(mel), wk_free(y);
  }
  free(pcm30);
  for (int ti = 0; ti < n_threads; ti++) wk_context_free(ctxs[ti]);
  if (rc) return rc;
  if (j) {
    wk_json_array_end(j);
    wk_json_object_end(j);
    if (wk_suite_json_finish(j)) return 2;
  } else {
    for (int pi = 0; pi < 2; pi++)
      if (pi == 0 ? want_int8 : want_fp32) wk_peak_report(&pk[pi], out, NULL);
  }
  return 0;
}
