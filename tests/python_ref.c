/* python_ref.c — the C side of tests/test_python.sh (the ctypes module python/whisk.py):
 *   python_ref model OUT.bin            writes a synthetic tiny model (q8_0, seed 5);
 *   python_ref ref MODEL AUDIO DIR      computes, through the public API only, what whisk.py
 *                                       must reproduce byte for byte, into DIR:
 *     pcm.npy [n] (wk_audio_load), mel.npy [n_mels][n_frames] (wk_log_mel with the model's
 *     filters), windows.npy [n_windows][n_mels][3000] (wk_mel_window), int8.npy and fp32.npy
 *     [n_windows][n_ctx][d] (wk_encoder_run of each window), transcript.json and transcript.srt
 *     (wk_transcribe, INT8, language en, temperatures 0 and 1, sample_len 24, seed 3).
 *     2 threads, best ISA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "synth_model.h"

static int fail(const char *what) {
  fprintf(stderr, "python_ref: %s: %s\n", what, wk_last_error());
  return 1;
}

static int save(const char *dir, const char *name, int ndim, const int64_t *shape,
                const float *a) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  return wk_npy_save(path, WK_NPY_FLOAT32, ndim, shape, a) == WK_STATUS_OK;
}

/* Encodes every window ([nw][n_mels][3000]) with `precision` into out [nw][n_ctx][d]. */
static int encode(wk_context *ctx, const wk_model *m, wk_precision precision, const float *win,
                  size_t nw, const char *dir, const char *name) {
  wk_encoder *e = NULL;
  int n_mels = 0, n_ctx = 0, d = 0;
  if (wk_encoder_create(ctx, m, precision, &e) != WK_STATUS_OK ||
      wk_encoder_dims(e, &n_mels, &n_ctx, &d) != WK_STATUS_OK) {
    wk_encoder_free(e);
    return !fail("encoder");
  }
  const size_t in = (size_t)n_mels * 2 * n_ctx, per = (size_t)n_ctx * d;
  float *out = malloc(sizeof(float) * nw * per); /* [nw][n_ctx][d] */
  int ok = out != NULL;
  for (size_t w = 0; ok && w < nw; w++)
    ok = wk_encoder_run(ctx, e, win + w * in, in, out + w * per, per) == WK_STATUS_OK ||
         !fail("run");
  const int64_t shape[3] = {(int64_t)nw, n_ctx, d};
  ok = ok && save(dir, name, 3, shape, out);
  free(out);
  wk_encoder_free(e);
  return ok;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "model")) {
    const wk_synth_model_options o = {"tiny", 0, "q8_0", 5, 0};
    return wk_synth_model_write_file(&o, argv[2]) == WK_STATUS_OK ? 0 : fail(argv[2]);
  }
  if (argc != 5 || strcmp(argv[1], "ref")) {
    fprintf(stderr, "usage: python_ref model OUT.bin | python_ref ref MODEL AUDIO DIR\n");
    return 2;
  }
  const char *dir = argv[4];
  wk_model *m = NULL;
  wk_model_info info;
  wk_pcm pcm = {0};
  wk_context *ctx = NULL;
  const wk_context_options co = {2, WK_ISA_AUTO};
  if (wk_model_load(argv[2], &m) != WK_STATUS_OK || wk_model_describe(m, &info) != WK_STATUS_OK)
    return fail(argv[2]);
  if (wk_audio_load(argv[3], &pcm) != WK_STATUS_OK) return fail(argv[3]);
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) return fail("context");
  const size_t nf = wk_mel_frames(pcm.n_samples), nw = wk_mel_windows(nf);
  const size_t nm = (size_t)info.n_mels, per = nm * WK_MEL_WINDOW_FRAMES;
  float *mel = malloc(sizeof(float) * nm * nf); /* [n_mels][n_frames] */
  float *win = malloc(sizeof(float) * nw * per); /* [nw][n_mels][3000] */
  int ok = mel && win;
  ok = ok && (wk_log_mel(ctx, pcm.samples, pcm.n_samples, info.mel_filters, info.n_mels, mel,
                         nm * nf) == WK_STATUS_OK || !fail("log-mel"));
  for (size_t w = 0; ok && w < nw; w++)
    ok = wk_mel_window(mel, nf, info.n_mels, w, win + w * per, per) == WK_STATUS_OK ||
         !fail("window");
  int64_t shape[3] = {(int64_t)pcm.n_samples};
  ok = ok && save(dir, "pcm", 1, shape, pcm.samples);
  shape[0] = (int64_t)nm, shape[1] = (int64_t)nf;
  ok = ok && save(dir, "mel", 2, shape, mel);
  shape[0] = (int64_t)nw, shape[1] = (int64_t)nm, shape[2] = WK_MEL_WINDOW_FRAMES;
  ok = ok && save(dir, "windows", 3, shape, win);
  ok = ok && encode(ctx, m, WK_PRECISION_INT8, win, nw, dir, "int8") &&
       encode(ctx, m, WK_PRECISION_FP32, win, nw, dir, "fp32");
  wk_transcriber *tr = NULL;
  wk_transcription r = {0};
  wk_transcribe_params p;
  wk_transcribe_params_default(&p);
  p.language = "en", p.n_temperatures = 2, p.temperatures[1] = 1.0f, p.sample_len = 24, p.seed = 3;
  char path[4096];
  ok = ok && !wk_transcriber_create(ctx, m, WK_PRECISION_INT8, &tr) &&
       !wk_transcribe(ctx, tr, pcm.samples, pcm.n_samples, &p, &r);
  snprintf(path, sizeof path, "%s/transcript.json", dir);
  ok = ok && !wk_transcription_write(&r, "json", path);
  snprintf(path, sizeof path, "%s/transcript.srt", dir);
  ok = ok && !wk_transcription_write(&r, "srt", path);
  wk_transcription_free(&r);
  wk_transcriber_free(tr);
  if (!ok) fprintf(stderr, "python_ref: failed: %s\n", wk_last_error());
  free(mel), free(win);
  wk_context_free(ctx);
  wk_pcm_free(&pcm);
  wk_model_free(m);
  return ok ? 0 : 1;
}
