/* test_mel_args.c — wk_log_mel, wk_mel_frames, wk_mel_windows and wk_mel_window on bad and edge
 * arguments: NULLs, n_mels out of range, NaN/inf/huge samples, bad filters, short capacities,
 * window indices past the end; failing calls must leave the output untouched. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define N 2000

int main(void) {
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  static float pcm[N], filters[80 * WK_MEL_BINS];
  for (int i = 0; i < N; i++) pcm[i] = 0.5f * sinf(0.05f * (float)i);
  for (int m = 0; m < 80; m++) filters[m * WK_MEL_BINS + 2 * m + 1] = 0.01f; /* one bin each */
  const size_t frames = wk_mel_frames(N);
  CHECK(frames == (N + 480000) / 160, "wk_mel_frames(%d) = %zu", N, frames);
  CHECK(wk_mel_frames(0) == 3000 && wk_mel_frames(159) == 3000 && wk_mel_frames(160) == 3001,
        "wk_mel_frames near 0");
  CHECK(wk_mel_frames((size_t)-1) == 0, "wk_mel_frames(SIZE_MAX)");
  CHECK(wk_mel_frames(16000u * 43200u) > 0 && wk_mel_frames(16000u * 43200u + 1) == 0,
        "wk_mel_frames at the 12-hour cap");
  const size_t cap = 80 * frames;
  float *mel = malloc(sizeof(float) * cap); /* [80][frames] */
  memset(mel, 0x7f, sizeof(float) * cap);
  const float sentinel = mel[0];

#define BAD(call, want)                                                                        \
  do {                                                                                         \
    wk_status s_ = (call);                                                                     \
    CHECK(s_ == (want), "%s: %s (%s)", #call, wk_status_string(s_), wk_last_error());          \
    CHECK(mel[0] == sentinel, "%s wrote output", #call);                                       \
  } while (0)

  BAD(wk_log_mel(NULL, pcm, N, filters, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, NULL, N, filters, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, N, NULL, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, N, filters, 80, NULL, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, N, filters, 0, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, N, filters, 513, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, N, filters, 80, mel, cap - 1), WK_STATUS_INVALID_ARGUMENT);
  BAD(wk_log_mel(ctx, pcm, (size_t)-1, filters, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
  const float bad_samples[] = {NAN, INFINITY, -INFINITY, 1e6f};
  for (int i = 0; i < 4; i++) {
    pcm[1234] = bad_samples[i];
    BAD(wk_log_mel(ctx, pcm, N, filters, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(wk_last_error(), "sample 1234"), "message names the sample: %s", wk_last_error());
  }
  pcm[1234] = 0.0f;
  const float bad_filters[] = {NAN, INFINITY, -0.5f, 2.0f};
  for (int i = 0; i < 4; i++) {
    filters[7 * WK_MEL_BINS + 100] = bad_filters[i];
    BAD(wk_log_mel(ctx, pcm, N, filters, 80, mel, cap), WK_STATUS_INVALID_ARGUMENT);
    CHECK(strstr(wk_last_error(), "filters[7][100]"), "message names the filter: %s",
          wk_last_error());
  }
  filters[7 * WK_MEL_BINS + 100] = 0.0f;

  /* good calls: NULL pcm with 0 samples; all-zero filters; loud but allowed input */
  CHECK(wk_log_mel(ctx, NULL, 0, filters, 80, mel, cap) == WK_STATUS_OK, "0 samples: %s",
        wk_last_error());
  for (size_t i = 0; i < 80 * 3000; i++)
    if (mel[i] != -1.5f) { /* log10(1e-10) = −10 everywhere → (−10 + 4)/4 */
      CHECK(0, "silence: mel[%zu] = %g, want -1.5", i, (double)mel[i]);
      break;
    }
  pcm[5] = WK_MEL_MAX_ABS;
  CHECK(wk_log_mel(ctx, pcm, N, filters, 80, mel, cap) == WK_STATUS_OK, "|x| = max: %s",
        wk_last_error());
  for (size_t i = 0; i < cap; i++)
    if (!isfinite(mel[i])) {
      CHECK(0, "mel[%zu] not finite", i);
      break;
    }

  /* windows */
  CHECK(wk_mel_windows(0) == 0 && wk_mel_windows(2999) == 0, "windows of < 3000 frames");
  CHECK(wk_mel_windows(3000) == 1 && wk_mel_windows(6000) == 1 && wk_mel_windows(6001) == 2 &&
            wk_mel_windows(15000) == 4,
        "window counts");
  static float win[80 * 3000];
  CHECK(wk_mel_window(mel, frames, 80, 0, win, 80 * 3000) == WK_STATUS_OK, "window 0: %s",
        wk_last_error());
  const size_t content = frames - 3000;
  CHECK(memcmp(win, mel, sizeof(float) * content) == 0 && win[content] == 0.0f &&
            win[2999] == 0.0f && memcmp(win + 3000, mel + frames, sizeof(float) * content) == 0,
        "window 0 = content frames, then zeros");
  CHECK(wk_mel_window(mel, frames, 80, 1, win, 80 * 3000) == WK_STATUS_INVALID_ARGUMENT,
        "window past the end");
  CHECK(wk_mel_window(mel, frames, 80, 0, win, 80 * 3000 - 1) == WK_STATUS_INVALID_ARGUMENT,
        "window capacity");
  CHECK(wk_mel_window(mel, 2999, 80, 0, win, 80 * 3000) == WK_STATUS_INVALID_ARGUMENT,
        "window of a 2999-frame mel");
  CHECK(wk_mel_window(NULL, frames, 80, 0, win, 80 * 3000) == WK_STATUS_INVALID_ARGUMENT, "NULL");
  CHECK(wk_mel_window(mel, frames, 0, 0, win, 80 * 3000) == WK_STATUS_INVALID_ARGUMENT, "0 mels");
  free(mel);
  wk_context_free(ctx);
  return wk_test_finish("test_mel_args");
}
