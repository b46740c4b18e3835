/* mel_dump.c FILTERS.npy INPUT OUT_DIR THREADS [PAD] — computes Whisper's log-mel of INPUT (an
 * audio file decoded by wk_audio_load, or a 1-d float32 .npy of 16-kHz samples) with the mel
 * filterbank FILTERS ([n_mels][201] float32) on THREADS threads, and writes into OUT_DIR:
 * pcm.npy (the 16-kHz samples used), mel.npy ([n_mels][n_frames]) and windows.npy
 * ([n_windows][n_mels][3000], wk_mel_window), for test_mel.sh to check against mel_ref.py.
 * PAD (default 480000, Whisper's 30 s) selects the internal wk_log_mel_padded with that right
 * padding instead; windows.npy is then not written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mel/mel.h"
#include "io/npy.h"
#include "test_util.h"

static int save(const char *dir, const char *name, int ndim, const int64_t *shape,
                const float *a) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.npy", dir, name);
  if (wk_npy_save(path, WK_NPY_FLOAT32, ndim, shape, a) != WK_STATUS_OK) {
    fprintf(stderr, "%s\n", wk_last_error());
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: mel_dump FILTERS.npy INPUT OUT_DIR THREADS [PAD]\n");
    return 2;
  }
  const char *dir = argv[3];
  const int threads = atoi(argv[4]);
  const size_t pad = argc == 6 ? strtoull(argv[5], NULL, 10) : WK_MEL_PAD_SAMPLES;
  wk_npy filt;
  if (wk_npy_load(argv[1], &filt) != WK_STATUS_OK || filt.dtype != WK_NPY_FLOAT32 ||
      filt.ndim != 2 || filt.shape[1] != WK_MEL_BINS) {
    fprintf(stderr, "bad filters %s: %s\n", argv[1], wk_last_error());
    return 1;
  }
  const int n_mels = (int)filt.shape[0];
  const float *pcm; /* [n] */
  size_t n;
  wk_pcm audio = {0};
  wk_npy in = {0};
  const size_t len = strlen(argv[2]);
  if (len > 4 && strcmp(argv[2] + len - 4, ".npy") == 0) {
    if (wk_npy_load(argv[2], &in) != WK_STATUS_OK || in.dtype != WK_NPY_FLOAT32 || in.ndim != 1) {
      fprintf(stderr, "bad pcm %s: %s\n", argv[2], wk_last_error());
      return 1;
    }
    pcm = in.data;
    n = (size_t)in.shape[0];
  } else {
    if (wk_audio_load(argv[2], &audio) != WK_STATUS_OK) {
      fprintf(stderr, "%s\n", wk_last_error());
      return 1;
    }
    pcm = audio.samples;
    n = audio.n_samples;
  }
  const size_t n_frames = wk_mel_frames_padded(n, pad);
  float *mel = malloc(sizeof(float) * ((size_t)n_mels * n_frames + 1)); /* [n_mels][n_frames] */
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, threads);
  wk_status s = pad == WK_MEL_PAD_SAMPLES
                    ? wk_log_mel(ctx, pcm, n, filt.data, n_mels, mel, (size_t)n_mels * n_frames)
                    : wk_log_mel_padded(ctx, pcm, n, pad, filt.data, n_mels, mel,
                                        (size_t)n_mels * n_frames);
  int ok = s == WK_STATUS_OK;
  if (!ok) fprintf(stderr, "log-mel: %s\n", wk_last_error());
  int64_t shape[3] = {(int64_t)n};
  ok = ok && save(dir, "pcm", 1, shape, pcm);
  shape[0] = n_mels, shape[1] = (int64_t)n_frames;
  ok = ok && save(dir, "mel", 2, shape, mel);
  if (ok && pad == WK_MEL_PAD_SAMPLES) {
    const size_t nw = wk_mel_windows(n_frames), per = (size_t)n_mels * WK_MEL_WINDOW_FRAMES;
    float *win = malloc(sizeof(float) * nw * per); /* [nw][n_mels][3000] */
    for (size_t w = 0; ok && w < nw; w++)
      if (wk_mel_window(mel, n_frames, n_mels, w, win + w * per, per) != WK_STATUS_OK) {
        fprintf(stderr, "window %zu: %s\n", w, wk_last_error());
        ok = 0;
      }
    int64_t wshape[3] = {(int64_t)nw, n_mels, WK_MEL_WINDOW_FRAMES};
    ok = ok && save(dir, "windows", 3, wshape, win);
    free(win);
  }
  wk_context_free(ctx);
  free(mel);
  wk_pcm_free(&audio);
  wk_npy_free(&in);
  wk_npy_free(&filt);
  return ok ? 0 : 1;
}
