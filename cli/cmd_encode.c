/* cmd_encode.c — `whisk encode`: a whisper.cpp model file and an audio file in, Whisper encoder
 * features out (windows × n_ctx × d float32 .npy), with the time of every stage, the realtime
 * factor and the peak memory.  Also the audio → log-mel → windows → encoder pipeline that
 * `whisk demo` shares (cli.h: wk_cli_mel_*, wk_cli_encode_windows).
 *
 * Exit codes: 0 ok, 1 failure (unreadable or malformed model or audio, a write error), 2 usage
 * error.  On failure no output file is left behind (wk_npy_save writes a temporary file and
 * renames it). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/common.h"
#include "io/npy.h"
#include "common/json.h"

#define PROG "whisk encode"

/* ── the shared pipeline ─────────────────────────────────────────────────── */

int wk_cli_mel_from_audio(const char *prog, wk_context *ctx, const char *audio,
                          const float *filters, int n_mels, wk_cli_mel *m) {
  memset(m, 0, sizeof *m);
  m->n_mels = n_mels;
  double t0 = wk_now();
  if (wk_audio_load(audio, &m->pcm) != WK_STATUS_OK)
    return wk_cli_failure(prog, "%s", wk_last_error());
  m->decode_s = wk_now() - t0;
  m->n_frames = wk_mel_frames(m->pcm.n_samples);
  size_t count;
  if (m->n_frames == 0 || __builtin_mul_overflow(m->n_frames, (size_t)n_mels, &count) ||
      !(m->mel = wk_alloc_array(count, sizeof(float)))) {
    wk_cli_failure(prog, "%s: out of memory for the log-mel (%d × %zu frames)", audio, n_mels,
                   m->n_frames);
    wk_cli_mel_free(m);
    return WK_CLI_EXIT_FAILURE;
  }
  t0 = wk_now();
  if (wk_log_mel(ctx, m->pcm.samples, m->pcm.n_samples, filters, n_mels, m->mel, count) !=
      WK_STATUS_OK) {
    wk_cli_failure(prog, "%s: %s", audio, wk_last_error());
    wk_cli_mel_free(m);
    return WK_CLI_EXIT_FAILURE;
  }
  m->mel_s = wk_now() - t0;
  m->windows = wk_mel_windows(m->n_frames);
  return 0;
}

void wk_cli_mel_free(wk_cli_mel *m) {
  if (!m) return;
  wk_pcm_free(&m->pcm);
  wk_free(m->mel);
  memset(m, 0, sizeof *m);
}

int wk_cli_encode_windows(const char *prog, wk_context *ctx, const wk_encoder *enc,
                          const wk_cli_mel *m, float *out, size_t out_capacity, int progress,
                          double *seconds) {
  int n_mels, n_ctx, d;
  wk_encoder_dims(enc, &n_mels, &n_ctx, &d);
  if (n_mels != m->n_mels)
    return wk_cli_failure(prog, "the log-mel has %d bins, the encoder takes %d", m->n_mels,
                          n_mels);
  /* window: [n_mels][2·n_ctx], cut from the whole log-mel as transcribe.py cuts it */
  const size_t win_count = (size_t)n_mels * 2 * (size_t)n_ctx, feat = (size_t)n_ctx * d;
  float *window = wk_alloc_array(win_count, sizeof(float));
  if (!window) return wk_cli_failure(prog, "out of memory for a mel window");
  double t = 0.0;
  for (size_t w = 0; w < m->windows; w++) {
    if (out_capacity / feat <= w) {
      wk_free(window);
      return wk_cli_failure(prog, "internal: feature buffer too small");
    }
    if (progress) {
      fprintf(stderr, "\r%s: window %zu/%zu", prog, w + 1, m->windows);
      fflush(stderr);
    }
    wk_status s = wk_mel_window(m->mel, m->n_frames, m->n_mels, w, window, win_count);
    const double t0 = wk_now();
    if (s == WK_STATUS_OK)
      s = wk_encoder_run(ctx, enc, window, win_count, out + w * feat, out_capacity - w * feat);
    t += wk_now() - t0;
    if (s != WK_STATUS_OK) {
      if (progress) fputc('\n', stderr);
      wk_free(window);
      return wk_cli_failure(prog, "window %zu: %s", w, wk_last_error());
    }
  }
  if (progress) fputc('\n', stderr);
  wk_free(window);
  *seconds = t;
  return 0;
}

double wk_cli_peak_rss_mb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0.0;
  return (double)ru.ru_maxrss / 1024.0; /* Linux: ru_maxrss is in KiB */
}

int wk_cli_parse_precision(const char *prog, const char *s, wk_precision *p) {
  if (strcmp(s, "int8") == 0) *p = WK_PRECISION_INT8;
  else if (strcmp(s, "fp32") == 0) *p = WK_PRECISION_FP32;
  else return wk_cli_usage_error(prog, "--precision: expected int8 or fp32, got '%s'", s);
  return 0;
}

int wk_cli_check_output_dir(const char *prog, const char *path) {
  /* The directory -o writes into must exist: say so before minutes of work, not after. */
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash) return 0;
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  if (n >= sizeof dir) return wk_cli_failure(prog, "-o %s: path too long", path);
  memcpy(dir, path, n);
  dir[n] = '\0';
  struct stat st;
  if (stat(dir, &st) != 0)
    return wk_cli_failure(prog, "-o %s: directory '%s': %s", path, dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return wk_cli_failure(prog, "-o %s: '%s' is not a directory", path, dir);
  return 0;
}

/* ── whisk encode ────────────────────────────────────────────────────────── */

void wk_cli_print_encode_options(FILE *f, const char *name) {
  (void)name;
  fputs("Decodes AUDIO (WAV, FLAC, OGG/Vorbis, Opus, MP3; '-' reads standard input), resamples it\n"
        "to 16 kHz mono, computes Whisper's log-mel with the model's filterbank, cuts it into\n"
        "30-s windows and runs the encoder on each.\n"
        "\n"
        "  -m, --model FILE      whisper.cpp model (ggml-*.bin: f32, f16, q4_0 ... q8_0, k-quants)\n"
        "  -o, --out FILE        features as float32 .npy [windows][n_ctx][d] (e.g. [1][1500][512]\n"
        "                        for base); written atomically; without -o only timings print\n"
        "  --precision P         int8 (default: exact int8 kernels) or fp32\n"
        "\n"
        "Prints the model load (file + encoder build), decode + resample, log-mel and encoder\n"
        "times, the realtime factor (audio seconds / (decode + mel + encoder) wall time; the\n"
        "model load is not in it) and the peak resident memory; --json prints\n"
        "{\"windows\",\"frames\",\"d\",\"load_ms\",\"decode_ms\",\"mel_ms\",\"encode_ms\",\"rtf\",\n"
        " \"peak_rss_mb\",\"precision\",\"isa\",\"threads\"}.\n",
        f);
}

enum { OPT_PRECISION = WK_OPT_COMMAND, OPT_MEL_IN };

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"model", required_argument, NULL, 'm'},
    {"out", required_argument, NULL, 'o'},
    {"precision", required_argument, NULL, OPT_PRECISION},
    /* hidden (tests): one [n_mels][2·n_ctx] float32 log-mel window given straight to the
     * encoder, instead of AUDIO */
    {"mel-in", required_argument, NULL, OPT_MEL_IN},
    {0},
};

/* --mel-in: the window as a one-window wk_cli_mel (the windows are then that array itself). */
static int load_mel_window(const char *path, wk_cli_mel *m, wk_npy *a) {
  char sh[200];
  if (wk_npy_load(path, a) != WK_STATUS_OK) return wk_cli_failure(PROG, "%s", wk_last_error());
  if (a->dtype != WK_NPY_FLOAT32 || a->ndim != 2 || a->shape[0] < 1 || a->shape[0] > 512 ||
      a->shape[1] != WK_MEL_WINDOW_FRAMES)
    return wk_cli_failure(PROG, "--mel-in %s: %s %s; expected float32 [n_mels][%d]", path,
                          wk_npy_dtype_name(a->dtype), wk_npy_shape_text(a, sh, sizeof sh),
                          WK_MEL_WINDOW_FRAMES);
  memset(m, 0, sizeof *m);
  m->n_mels = (int)a->shape[0];
  return 0;
}

int wk_cmd_encode(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  const char *model_path = NULL, *out_path = NULL, *audio = NULL, *mel_in = NULL;
  wk_precision precision = WK_PRECISION_INT8;
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("m:o:"), longopts, g, WK_CLI_JSON);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) {
      if (audio) return wk_cli_usage_error(PROG, "unexpected argument '%s' (one AUDIO)", a.arg);
      audio = a.arg;
    } else if (c == 'm') model_path = a.arg;
    else if (c == 'o') out_path = a.arg;
    else if (c == OPT_MEL_IN) mel_in = a.arg;
    else if (c == OPT_PRECISION) {
      if (wk_cli_parse_precision(PROG, a.arg, &precision)) return WK_CLI_EXIT_USAGE;
    }
  }
  if (!model_path) return wk_cli_usage_error(PROG, "missing required option -m/--model");
  if (!audio && !mel_in) return wk_cli_usage_error(PROG, "missing AUDIO (a file, or - for stdin)");
  if (audio && mel_in) return wk_cli_usage_error(PROG, "--mel-in replaces AUDIO; give one");
  if (out_path && wk_cli_check_output_dir(PROG, out_path)) return WK_CLI_EXIT_FAILURE;

  int rc = WK_CLI_EXIT_FAILURE;
  wk_context *ctx = NULL;
  wk_model *model = NULL;
  wk_encoder *enc = NULL;
  wk_cli_mel m = {0};
  wk_npy mel_npy = {0};
  float *feats = NULL;

  wk_context_options co = {.n_threads = g->threads, .isa = g->isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) {
    wk_cli_failure(PROG, "%s", wk_last_error());
    goto done;
  }
  /* load = reading/mapping the file + building the encoder (dequantize, requantize, pack) */
  double t0 = wk_now();
  wk_model_info info;
  if (wk_model_load(model_path, &model) != WK_STATUS_OK ||
      wk_model_describe(model, &info) != WK_STATUS_OK ||
      wk_encoder_create(ctx, model, precision, &enc) != WK_STATUS_OK) {
    wk_cli_failure(PROG, "%s", wk_last_error());
    goto done;
  }
  const double load_s = wk_now() - t0;
  int n_mels, n_ctx, d;
  wk_encoder_dims(enc, &n_mels, &n_ctx, &d);

  if (mel_in) {
    if (load_mel_window(mel_in, &m, &mel_npy)) goto done;
    /* a window of exactly 2·n_ctx frames: the whole "log-mel" is that window plus 3000
     * padding frames as wk_mel_window sees it; simpler to run it directly below */
  } else if (wk_cli_mel_from_audio(PROG, ctx, audio, info.mel_filters, info.n_mels, &m)) {
    goto done;
  }
  const size_t windows = mel_in ? 1 : m.windows;
  size_t feat_count;
  if (__builtin_mul_overflow(windows, (size_t)n_ctx * (size_t)d, &feat_count) ||
      !(feats = wk_alloc_array(feat_count, sizeof(float)))) {
    wk_cli_failure(PROG, "out of memory for %zu windows of features", windows);
    goto done;
  }
  double encode_s = 0.0;
  if (mel_in) {
    if (m.n_mels != n_mels) {
      wk_cli_failure(PROG, "--mel-in %s has %d bins, the model takes %d", mel_in, m.n_mels,
                     n_mels);
      goto done;
    }
    t0 = wk_now();
    if (wk_encoder_run(ctx, enc, mel_npy.data, (size_t)n_mels * WK_MEL_WINDOW_FRAMES, feats,
                       feat_count) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "--mel-in %s: %s", mel_in, wk_last_error());
      goto done;
    }
    encode_s = wk_now() - t0;
  } else if (wk_cli_encode_windows(PROG, ctx, enc, &m, feats, feat_count,
                                   isatty(STDERR_FILENO) && m.windows > 1, &encode_s)) {
    goto done;
  }
  if (out_path) {
    const int64_t shape[3] = {(int64_t)windows, n_ctx, d};
    if (wk_npy_save(out_path, WK_NPY_FLOAT32, 3, shape, feats) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "%s", wk_last_error());
      goto done;
    }
  }

  const double audio_s = (double)m.pcm.n_samples / WK_SAMPLE_RATE;
  const double wall = m.decode_s + m.mel_s + encode_s;
  const double rtf = wall > 0 ? audio_s / wall : 0.0;
  const char *prec = precision == WK_PRECISION_INT8 ? "int8" : "fp32";
  const char *isa = wk_isa_name(wk_context_isa(ctx));
  const int threads = wk_context_threads(ctx);
  if (g->json) {
    wk_json j;
    wk_json_init(&j, stdout);
    wk_json_object_begin(&j);
    wk_json_kint(&j, "windows", (long long)windows);
    wk_json_kint(&j, "frames", n_ctx);
    wk_json_kint(&j, "d", d);
    wk_json_kfixed(&j, "load_ms", load_s * 1e3, 3);
    wk_json_kfixed(&j, "decode_ms", m.decode_s * 1e3, 3);
    wk_json_kfixed(&j, "mel_ms", m.mel_s * 1e3, 3);
    wk_json_kfixed(&j, "encode_ms", encode_s * 1e3, 3);
    wk_json_kfixed(&j, "rtf", rtf, 3);
    wk_json_kfixed(&j, "peak_rss_mb", wk_cli_peak_rss_mb(), 1);
    wk_json_kstring(&j, "precision", prec);
    wk_json_kstring(&j, "isa", isa);
    wk_json_kint(&j, "threads", threads);
    wk_json_object_end(&j);
    if (wk_json_finish(&j)) {
      wk_cli_failure(PROG, "cannot write the JSON output");
      goto done;
    }
  } else {
    printf("model:    %s (%s, %s), loaded and built in %.0f ms\n", model_path, info.size,
           info.ftype_name, load_s * 1e3);
    if (mel_in) {
      printf("input:    --mel-in %s (one window)\n", mel_in);
    } else {
      printf("audio:    %s, %.2f s (%d Hz, %d ch); decode + resample %.1f ms\n",
             strcmp(audio, "-") == 0 ? "<stdin>" : audio, audio_s, m.pcm.source_rate,
             m.pcm.source_channels, m.decode_s * 1e3);
      printf("log-mel:  %d x %zu frames; %.1f ms\n", m.n_mels, m.n_frames, m.mel_s * 1e3);
    }
    printf("encoder:  %zu window%s x %d x %d, %s, %s, %d thread%s; %.1f ms\n", windows,
           windows == 1 ? "" : "s", n_ctx, d, prec, isa, threads, threads == 1 ? "" : "s",
           encode_s * 1e3);
    if (!mel_in)
      printf("realtime: %.2fx (audio seconds / (decode + mel + encoder) wall time; load not in"
             " it)\n", rtf);
    printf("memory:   peak RSS %.0f MB\n", wk_cli_peak_rss_mb());
    if (out_path)
      printf("output:   %s (float32 [%zu][%d][%d])\n", out_path, windows, n_ctx, d);
    if (fflush(stdout) != 0) {
      wk_cli_failure(PROG, "cannot write to standard output");
      goto done;
    }
  }
  rc = WK_CLI_EXIT_OK;

done:
  wk_free(feats);
  wk_npy_free(&mel_npy);
  wk_cli_mel_free(&m);
  wk_encoder_free(enc);
  wk_model_free(model);
  wk_context_free(ctx);
  return rc;
}
