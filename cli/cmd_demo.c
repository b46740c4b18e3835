/* cmd_demo.c — `whisk demo` (what `make run` shows): one audio file through the whole path —
 * decode + resample, log-mel, 30-s windows, the encoder in INT8 and in FP32 — with the time of
 * each stage, the realtime factor of each precision and how closely the INT8 features agree
 * with the FP32 ones; then the INT8 transcript (wk_transcribe).  Without -m it builds a synthetic base model in memory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/common.h"
#include "synth_model.h"

#define PROG "whisk demo"

#ifndef WK_DEMO_AUDIO
#define WK_DEMO_AUDIO "samples/hello.wav"
#endif

void wk_cli_print_demo_options(FILE *f, const char *name) {
  (void)name;
  fputs("Encodes AUDIO (default: " WK_DEMO_AUDIO ") in INT8 and in FP32 and\n"
        "prints the stage times, each realtime factor and the INT8-vs-FP32 agreement.\n"
        "\n"
        "  -m, --model FILE   a whisper.cpp model (default: a synthetic base model, f16, built\n"
        "                     in memory)\n"
        "  --synthetic        say that MODEL holds synthetic weights (whisk synth-model)\n",
        f);
}

enum { OPT_SYNTHETIC = WK_OPT_COMMAND };

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"model", required_argument, NULL, 'm'},
    {"synthetic", no_argument, NULL, OPT_SYNTHETIC},
    {0},
};

/* cosine(a, b) and ‖a − b‖ / ‖b‖ over n floats, in double. */
static void agreement(const float *a, const float *b, size_t n, double *cosine, double *rel) {
  double ab = 0, aa = 0, bb = 0, dd = 0;
  for (size_t i = 0; i < n; i++) {
    const double x = a[i], y = b[i];
    ab += x * y, aa += x * x, bb += y * y, dd += (x - y) * (x - y);
  }
  *cosine = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
  *rel = bb > 0 ? sqrt(dd / bb) : 0.0;
}

/* The INT8 transcript of the audio, segment by segment.  Synthetic weights decode arbitrary
 * tokens: only temperature 0 is tried then (each fallback temperature would decode a whole
 * window again for nothing). */
static int transcribe(wk_context *ctx, const wk_model *model, const wk_cli_mel *m, int synthetic) {
  wk_transcriber *tr = NULL;
  double t0 = wk_now();
  if (wk_transcriber_create(ctx, model, WK_PRECISION_INT8, &tr) != WK_STATUS_OK)
    return wk_cli_failure(PROG, "%s", wk_last_error());
  const double build_s = wk_now() - t0;
  wk_transcribe_params p;
  wk_transcribe_params_default(&p);
  if (synthetic) p.n_temperatures = 1;
  wk_transcription r;
  t0 = wk_now();
  const wk_status st = wk_transcribe(ctx, tr, m->pcm.samples, m->pcm.n_samples, &p, &r);
  const double wall = wk_now() - t0;
  wk_transcriber_free(tr);
  if (st != WK_STATUS_OK) return wk_cli_failure(PROG, "transcribe: %s", wk_last_error());
  printf("\ntranscript (INT8, language %s%s; built in %.0f ms):\n", r.language,
         synthetic ? ", temperature 0 only" : "", build_s * 1e3);
  if (synthetic)
    printf("  (synthetic weights decode arbitrary tokens: this shows the whole path — timestamps,\n"
           "   segments, text — running, not recognition; use a real model for real words)\n");
  for (int i = 0; i < r.n_segments; i++)
    printf("  [%6.2f --> %6.2f] %s\n", r.segments[i].start, r.segments[i].end,
           r.segments[i].text);
  const double dec_s = r.decode_ms / 1e3;
  printf("  %d segment%s; log-mel %.0f ms, encoder %.0f ms, decoder %.0f ms (%lld tokens, %.0f "
         "tokens/s); realtime %.1fx\n\n",
         r.n_segments, r.n_segments == 1 ? "" : "s", r.mel_ms, r.encode_ms, r.decode_ms,
         r.n_tokens, dec_s > 0 ? (double)r.n_tokens / dec_s : 0.0,
         wall > 0 ? r.duration / wall : 0.0);
  wk_transcription_free(&r);
  return 0;
}

int wk_cmd_demo(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  const char *model_path = NULL, *audio = NULL;
  int synthetic = 0;
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("m:"), longopts, g, 0);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) {
      if (audio) return wk_cli_usage_error(PROG, "unexpected argument '%s' (one AUDIO)", a.arg);
      audio = a.arg;
    } else if (c == 'm') model_path = a.arg;
    else if (c == OPT_SYNTHETIC) synthetic = 1;
  }
  if (!audio) audio = WK_DEMO_AUDIO;

  int rc = WK_CLI_EXIT_FAILURE;
  wk_context *ctx = NULL;
  wk_model *model = NULL;
  wk_encoder *enc[2] = {NULL, NULL};
  float *feats[2] = {NULL, NULL};
  uint8_t *bytes = NULL;
  wk_cli_mel m = {0};
  double build_s[2] = {0, 0}, encode_s[2] = {0, 0};

  wk_context_options co = {.n_threads = g->threads, .isa = g->isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) {
    wk_cli_failure(PROG, "%s", wk_last_error());
    goto done;
  }
  wk_cpu_info cpu;
  wk_cpu_get_info(&cpu);
  printf("whisk %s: Whisper on the CPU, audio file to features and transcript\n", wk_version());
  int brand_len = (int)strlen(cpu.brand); /* cpuid pads the brand string with spaces */
  while (brand_len > 0 && cpu.brand[brand_len - 1] == ' ') brand_len--;
  printf("cpu:       %.*s, %d online cores; isa %s, %d thread%s\n", brand_len, cpu.brand,
         cpu.online_cores,
         wk_isa_name(wk_context_isa(ctx)), wk_context_threads(ctx),
         wk_context_threads(ctx) == 1 ? "" : "s");
  fflush(stdout);

  double t0 = wk_now();
  if (model_path) {
    if (wk_model_load(model_path, &model) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "%s", wk_last_error());
      goto done;
    }
  } else {
    synthetic = 1;
    model_path = "(synthetic base, f16, built in memory)";
    wk_synth_model_options so = {.size = "base", .type = "f16", .seed = 1};
    size_t size;
    if (wk_synth_model_write_memory(&so, &bytes, &size) != WK_STATUS_OK ||
        wk_model_load_memory(bytes, size, &model) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "synthetic model: %s", wk_last_error());
      goto done;
    }
    free(bytes);
    bytes = NULL;
  }
  const double load_s = wk_now() - t0;
  wk_model_info info;
  wk_model_describe(model, &info);
  printf("model:     %s: %s, %s, d %d, %d layers, %d mel bins; loaded in %.0f ms\n", model_path,
         info.size, info.ftype_name, info.n_audio_state, info.n_audio_layer, info.n_mels,
         load_s * 1e3);
  if (synthetic)
    printf("           synthetic weights (random, of the right shapes and scale): the figures\n"
           "           below are speed and INT8-vs-FP32 agreement, not speech recognition\n");

  if (wk_cli_mel_from_audio(PROG, ctx, audio, info.mel_filters, info.n_mels, &m)) goto done;
  const double audio_s = (double)m.pcm.n_samples / WK_SAMPLE_RATE;
  printf("audio:     %s: %.2f s (%d Hz, %d channel%s, resampled to 16 kHz mono); %zu window%s"
         " of 30 s\n",
         audio, audio_s, m.pcm.source_rate, m.pcm.source_channels,
         m.pcm.source_channels == 1 ? "" : "s", m.windows, m.windows == 1 ? "" : "s");
  fflush(stdout);

  size_t feat_count = 0;
  for (int p = 0; p < 2; p++) {
    t0 = wk_now();
    if (wk_encoder_create(ctx, model, (wk_precision)p, &enc[p]) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "%s", wk_last_error());
      goto done;
    }
    build_s[p] = wk_now() - t0;
    int n_mels, n_ctx, d;
    wk_encoder_dims(enc[p], &n_mels, &n_ctx, &d);
    if (__builtin_mul_overflow(m.windows, (size_t)n_ctx * (size_t)d, &feat_count) ||
        !(feats[p] = wk_alloc_array(feat_count, sizeof(float)))) {
      wk_cli_failure(PROG, "out of memory for the features");
      goto done;
    }
    if (wk_cli_encode_windows(PROG, ctx, enc[p], &m, feats[p], feat_count, 0, &encode_s[p]))
      goto done;
    /* one encoder alive at a time: the FP32 weights of a large model are gigabytes */
    wk_encoder_free(enc[p]);
    enc[p] = NULL;
  }

  const double front = m.decode_s + m.mel_s;
  printf("\n%-34s %12s %12s\n", "", "INT8", "FP32");
  printf("%-34s %9.1f ms %9.1f ms\n", "encoder build (quantize, pack)", build_s[0] * 1e3,
         build_s[1] * 1e3);
  printf("%-34s %9.1f ms %9.1f ms\n", "decode + resample", m.decode_s * 1e3, m.decode_s * 1e3);
  printf("%-34s %9.1f ms %9.1f ms\n", "log-mel", m.mel_s * 1e3, m.mel_s * 1e3);
  char label[64];
  snprintf(label, sizeof label, "encoder (%zu window%s)", m.windows, m.windows == 1 ? "" : "s");
  printf("%-34s %9.1f ms %9.1f ms\n", label, encode_s[0] * 1e3, encode_s[1] * 1e3);
  printf("%-34s %11.2fx %11.2fx\n", "realtime factor", audio_s / (front + encode_s[0]),
         audio_s / (front + encode_s[1]));
  printf("  (realtime factor = audio seconds / (decode + log-mel + encoder) wall time; model\n"
         "   load and encoder build not in it; every window costs 30 s of audio, so a short clip\n"
         "   pays for its padding; INT8 is %.2fx faster than FP32 in the encoder)\n",
         encode_s[0] > 0 ? encode_s[1] / encode_s[0] : 0.0);
  double cosine, rel;
  agreement(feats[0], feats[1], feat_count, &cosine, &rel);
  printf("\nINT8 vs FP32 features (%zu values): cosine %.6f, relative error %.2e\n", feat_count,
         cosine, rel);
  fflush(stdout);
  if (transcribe(ctx, model, &m, synthetic)) goto done;
  printf("peak memory: %.0f MB resident\n", wk_cli_peak_rss_mb());
  printf("\nmore: whisk transcribe -m MODEL AUDIO -f srt | whisk encode -m MODEL AUDIO -o "
         "feats.npy | whisk --help\n");
  rc = WK_CLI_EXIT_OK;

done:
  free(bytes);
  for (int p = 0; p < 2; p++) {
    wk_encoder_free(enc[p]);
    wk_free(feats[p]);
  }
  wk_cli_mel_free(&m);
  wk_model_free(model);
  wk_context_free(ctx);
  return rc;
}
