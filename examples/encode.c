/* encode.c — the whisk library in one screen: a whisper.cpp model and an audio file in,
 * Whisper encoder features out.  Public API only (whisk.h).
 *
 *   cc encode.c $(pkg-config --cflags --libs whisk) -o encode
 *   ./encode ggml-base.bin audio.wav                                                    */
#include <stdio.h>
#include <stdlib.h>
#include <whisk.h>

#define CHECK(call)                                                               \
  do {                                                                            \
    if ((call) != WK_STATUS_OK) {                                                 \
      fprintf(stderr, "encode: %s\n", wk_last_error());                           \
      return 1; /* an example: the OS frees what was allocated */                 \
    }                                                                             \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL.bin AUDIO\n", argv[0]);
    return 2;
  }
  wk_context *ctx;
  wk_model *model;
  wk_model_info info;
  wk_encoder *enc;
  wk_pcm pcm;
  CHECK(wk_context_create(NULL, &ctx));              /* all cores, the best ISA */
  CHECK(wk_model_load(argv[1], &model));
  CHECK(wk_model_describe(model, &info));
  CHECK(wk_encoder_create(ctx, model, WK_PRECISION_INT8, &enc));
  CHECK(wk_audio_load(argv[2], &pcm));               /* any format → 16 kHz mono */

  int n_mels, n_ctx, d;
  CHECK(wk_encoder_dims(enc, &n_mels, &n_ctx, &d));
  const size_t frames = wk_mel_frames(pcm.n_samples), windows = wk_mel_windows(frames);
  float *mel = malloc(sizeof(float) * n_mels * frames);         /* [n_mels][frames] */
  float *window = malloc(sizeof(float) * n_mels * 2 * n_ctx);   /* [n_mels][3000] */
  float *features = malloc(sizeof(float) * n_ctx * d);          /* [n_ctx][d] */
  if (!mel || !window || !features) return 1;
  CHECK(wk_log_mel(ctx, pcm.samples, pcm.n_samples, info.mel_filters, n_mels, mel,
                   (size_t)n_mels * frames));
  for (size_t w = 0; w < windows; w++) {                         /* each 30 s of audio */
    CHECK(wk_mel_window(mel, frames, n_mels, w, window, (size_t)n_mels * 2 * n_ctx));
    CHECK(wk_encoder_run(ctx, enc, window, (size_t)n_mels * 2 * n_ctx, features,
                         (size_t)n_ctx * d));
    printf("window %zu: features [%d][%d], first values %.4f %.4f %.4f %.4f\n", w, n_ctx, d,
           features[0], features[1], features[2], features[3]);
  }
  free(features), free(window), free(mel);
  wk_pcm_free(&pcm);
  wk_encoder_free(enc);
  wk_model_free(model);
  wk_context_free(ctx);
  return 0;
}
