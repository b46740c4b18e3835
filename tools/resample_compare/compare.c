/* compare.c — measures libsoxr against libsamplerate for whisk's 44.1 kHz → 16 kHz (and
 * 22.05/48 kHz → 16 kHz) conversion.  Not part of the build (it links both libraries; whisk
 * depends on only the chosen one).  Run: sh tools/resample_compare/run.sh
 *
 * compare DIR: writes DIR/<signal>_<rate>.<resampler>.f32 (raw float32, 16 kHz) for three
 * analytic signals, and prints ms per minute of audio (median of 5) for each resampler.
 * ref.py then computes each signal's exact band-limited 16 kHz samples in float64 and the SNR. */
#include <math.h>
#include <samplerate.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The signals, as functions of time t in seconds (ref.py evaluates the same formulas). */
static double sig(int which, double t) {
  switch (which) {
  case 0: { /* tones inside the passband */
    static const double f[] = {100, 440, 1000, 2500, 4000, 5500, 7000};
    double s = 0;
    for (int i = 0; i < 7; i++) s += 0.12 * sin(2 * M_PI * f[i] * t + i);
    return s;
  }
  case 1: /* linear sweep 50 Hz → 7600 Hz over 10 s (95 % of the 8 kHz Nyquist) */
    return 0.8 * sin(2 * M_PI * (50 * t + 0.5 * (7600.0 - 50) / 10.0 * t * t));
  default: /* above the output Nyquist, below 22.05k/2: must vanish */
    return 0.4 * sin(2 * M_PI * 9000 * t) + 0.4 * sin(2 * M_PI * 10500 * t);
  }
}

typedef struct { const char *name; int kind; int q; } rs;
static const rs R[] = {
  {"soxr_hq", 0, SOXR_HQ}, {"soxr_vhq", 0, SOXR_VHQ}, {"soxr_mq", 0, SOXR_MQ},
  {"src_best", 1, SRC_SINC_BEST_QUALITY}, {"src_medium", 1, SRC_SINC_MEDIUM_QUALITY},
  {"src_fastest", 1, SRC_SINC_FASTEST},
};

static size_t run(const rs *r, int rate, const float *in, size_t n, float *out, size_t cap) {
  if (r->kind == 0) {
    soxr_quality_spec_t q = soxr_quality_spec(r->q, 0);
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    size_t done = 0;
    soxr_error_t e = soxr_oneshot(rate, 16000, 1, in, n, NULL, out, cap, &done, &io, &q, &rt);
    if (e) { fprintf(stderr, "soxr: %s\n", e); exit(1); }
    return done;
  }
  SRC_DATA d = {0};
  d.data_in = in; d.input_frames = (long)n; d.data_out = out; d.output_frames = (long)cap;
  d.src_ratio = 16000.0 / rate;
  int e = src_simple(&d, r->q, 1);
  if (e) { fprintf(stderr, "src: %s\n", src_strerror(e)); exit(1); }
  return (size_t)d.output_frames_gen;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  const int rates[] = {44100, 22050, 48000};
  for (int ri = 0; ri < 3; ri++) {
    int rate = rates[ri];
    size_t n = (size_t)rate * 10; /* 10 s per quality signal */
    float *in = malloc(n * sizeof *in), *out = malloc(200000 * sizeof *out);
    for (int s = 0; s < 3; s++) {
      for (size_t i = 0; i < n; i++) in[i] = (float)sig(s, (double)i / rate);
      for (size_t k = 0; k < sizeof R / sizeof R[0]; k++) {
        size_t m = run(&R[k], rate, in, n, out, 200000);
        char path[512];
        snprintf(path, sizeof path, "%s/sig%d_%d.%s.f32", dir, s, rate, R[k].name);
        FILE *f = fopen(path, "wb");
        fwrite(out, sizeof *out, m, f);
        fclose(f);
      }
    }
    free(in); free(out);
  }
  /* speed: one minute of the tone mix at 44.1 kHz, single thread, median of 5 */
  size_t n = 44100 * 60;
  float *in = malloc(n * sizeof *in), *out = malloc(16000 * 61 * sizeof *out);
  for (size_t i = 0; i < n; i++) in[i] = (float)sig(0, (double)i / 44100);
  for (size_t k = 0; k < sizeof R / sizeof R[0]; k++) {
    double t[5];
    for (int rep = 0; rep < 5; rep++) {
      double t0 = now();
      run(&R[k], 44100, in, n, out, 16000 * 61);
      t[rep] = now() - t0;
    }
    qsort(t, 5, sizeof t[0], cmpd);
    printf("speed %-12s %8.2f ms per minute of 44.1 kHz audio\n", R[k].name, 1e3 * t[2]);
  }
  free(in); free(out);
  return 0;
}
