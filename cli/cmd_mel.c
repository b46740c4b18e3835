/* cmd_mel.c — `whisk mel`: the log-mel of an audio file ([n_mels][n_frames] float32 .npy), with
 * the model's filterbank or, without a model, Whisper's own (Slaney, as mel_filters.npz holds).
 *
 * n_frames = (samples + 480000) / 160: the log-mel of the audio followed by 30 s of zeros, as
 * transcribe.py computes it; `whisk encode` cuts its windows from exactly this array. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/common.h"
#include "io/npy.h"
#include "mel/mel-filters.h"

#define PROG "whisk mel"

void wk_cli_print_mel_options(FILE *f, const char *name) {
  (void)name;
  fputs("Writes Whisper's log-mel of AUDIO ('-': standard input) as float32 .npy\n"
        "[n_mels][n_frames], n_frames = (16 kHz samples + 480000) / 160 (the audio plus\n"
        "transcribe.py's 30 s of padding).\n"
        "\n"
        "  -m, --model FILE      take the filterbank (and n_mels) from a whisper.cpp model\n"
        "  --n-mels N            80 or 128 (default 80; without -m: Whisper's Slaney filters)\n"
        "  -o, --out FILE        output .npy (written atomically); without it only the shape\n"
        "                        and the value range print\n",
        f);
}

enum { OPT_N_MELS = WK_OPT_COMMAND };

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"model", required_argument, NULL, 'm'},
    {"out", required_argument, NULL, 'o'},
    {"n-mels", required_argument, NULL, OPT_N_MELS},
    {0},
};

int wk_cmd_mel(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  const char *model_path = NULL, *out_path = NULL, *audio = NULL;
  long n_mels = 0;
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("m:o:"), longopts, g, 0);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) {
      if (audio) return wk_cli_usage_error(PROG, "unexpected argument '%s' (one AUDIO)", a.arg);
      audio = a.arg;
    } else if (c == 'm') model_path = a.arg;
    else if (c == 'o') out_path = a.arg;
    else if (c == OPT_N_MELS) {
      if (wk_cli_parse_long(PROG, "--n-mels", a.arg, 1, 512, &n_mels)) return WK_CLI_EXIT_USAGE;
      if (n_mels != 80 && n_mels != 128)
        return wk_cli_usage_error(PROG, "--n-mels: expected 80 or 128, got '%s'", a.arg);
    }
  }
  if (!audio) return wk_cli_usage_error(PROG, "missing AUDIO (a file, or - for stdin)");
  if (out_path && wk_cli_check_output_dir(PROG, out_path)) return WK_CLI_EXIT_FAILURE;

  int rc = WK_CLI_EXIT_FAILURE;
  wk_context *ctx = NULL;
  wk_model *model = NULL;
  float *own_filters = NULL;
  wk_cli_mel m = {0};
  const float *filters;
  if (model_path) {
    wk_model_info info;
    if (wk_model_load(model_path, &model) != WK_STATUS_OK ||
        wk_model_describe(model, &info) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "%s", wk_last_error());
      goto done;
    }
    if (n_mels && n_mels != info.n_mels) {
      wk_cli_failure(PROG, "--n-mels %ld, but %s has %d mel bins", n_mels, model_path,
                     info.n_mels);
      goto done;
    }
    n_mels = info.n_mels;
    filters = info.mel_filters;
  } else {
    if (!n_mels) n_mels = 80;
    own_filters = wk_alloc_array((size_t)n_mels * WK_MEL_N_FFT_BINS, sizeof(float));
    if (!own_filters || wk_mel_filters_slaney((int)n_mels, own_filters) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "cannot build the mel filterbank: %s",
                     own_filters ? wk_last_error() : "out of memory");
      goto done;
    }
    filters = own_filters;
  }
  wk_context_options co = {.n_threads = g->threads, .isa = g->isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) {
    wk_cli_failure(PROG, "%s", wk_last_error());
    goto done;
  }
  if (wk_cli_mel_from_audio(PROG, ctx, audio, filters, (int)n_mels, &m)) goto done;
  if (out_path) {
    const int64_t shape[2] = {n_mels, (int64_t)m.n_frames};
    if (wk_npy_save(out_path, WK_NPY_FLOAT32, 2, shape, m.mel) != WK_STATUS_OK) {
      wk_cli_failure(PROG, "%s", wk_last_error());
      goto done;
    }
  }
  const size_t count = (size_t)n_mels * m.n_frames;
  float lo = m.mel[0], hi = m.mel[0];
  for (size_t i = 1; i < count; i++) {
    if (m.mel[i] < lo) lo = m.mel[i];
    if (m.mel[i] > hi) hi = m.mel[i];
  }
  printf("log-mel: %ld x %zu frames (%.2f s of audio, %zu encoder window%s), values %.4f .. "
         "%.4f; decode %.1f ms, mel %.1f ms%s%s\n",
         n_mels, m.n_frames, (double)m.pcm.n_samples / WK_SAMPLE_RATE, m.windows,
         m.windows == 1 ? "" : "s", lo, hi, m.decode_s * 1e3, m.mel_s * 1e3,
         out_path ? " -> " : "", out_path ? out_path : "");
  rc = WK_CLI_EXIT_OK;

done:
  wk_cli_mel_free(&m);
  wk_free(own_filters);
  wk_model_free(model);
  wk_context_free(ctx);
  return rc;
}
