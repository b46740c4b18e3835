/* mel.h — Whisper's log-mel spectrogram (internal; the public calls are wk_log_mel,
 * wk_mel_frames, wk_mel_windows, wk_mel_window in whisk.h). */
#ifndef WK_MEL_H
#define WK_MEL_H

#include "runtime/runtime.h"

#define WK_MEL_MAX_MELS 512
#define WK_MEL_MAX_SAMPLES ((size_t)WK_SAMPLE_RATE * 12 * 3600) /* 12 hours, as audio's cap */

/* Frames of the log-mel of n_samples samples followed by `pad` zeros: (n_samples + pad) / 160
 * (torch.stft center=True gives 1 + len/160 frames; Whisper drops the last).  0 on overflow. */
size_t wk_mel_frames_padded(size_t n_samples, size_t pad);

/* wk_log_mel with a right zero-padding of pad ≤ 480000 samples (Whisper's
 * log_mel_spectrogram(padding=pad)); safe for every length ≥ 0: reflect padding folds
 * repeatedly when the signal is shorter than 201 samples (numpy's np.pad(mode="reflect"); torch
 * refuses such inputs), and fewer than 160 samples in all (padding included) give 0 frames.
 * mel: [n_mels][wk_mel_frames_padded(n_samples, pad)] row-major. */
wk_status wk_log_mel_padded(wk_context *ctx, const float *pcm, size_t n_samples, size_t pad,
                            const float *filters, int n_mels, float *mel, size_t mel_capacity);

#endif
