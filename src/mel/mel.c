/* mel.c — Whisper's log-mel spectrogram (openai/whisper audio.py log_mel_spectrogram, called by
 * transcribe.py with padding=N_SAMPLES), with kissfft's real FFT.
 *
 * Per frame t (16 kHz, N_FFT 400, HOP 160, torch.stft center=True, pad_mode "reflect"):
 *   X[t,k]  = Σ_{n<400} x_r[160t + n] · w[n] · e^{−2πi·kn/400},  k = 0 … 200
 *             x_r = x reflect-padded by 200 on both sides, w = periodic Hann
 *   P[t,k]  = |X[t,k]|²
 *   L[m,t]  = log10(max(Σ_k filters[m,k] · P[t,k], 1e-10))
 * then over the whole spectrogram: mel = (max(L, max(L) − 8) + 4) / 4.
 * Frames are split into tasks on the context's pool; each task writes its own frames and its
 * own maximum, and the global maximum is the max of those (max is exact and order-free), so
 * every thread count gives the same bytes. */
#include <kiss_fftr.h>
#include <string.h>

#include "mel/mel.h"

#define N_FFT WK_MEL_N_FFT
#define HOP WK_MEL_HOP
#define BINS WK_MEL_BINS
#define HALF (N_FFT / 2)
#define FRAMES_PER_TASK 64
#define NORM_PER_TASK 65536 /* floats per task of the final clamp-and-scale pass */

size_t wk_mel_frames_padded(size_t n_samples, size_t pad) {
  if (pad > SIZE_MAX - n_samples) return 0;
  return (n_samples + pad) / HOP;
}

WK_API size_t wk_mel_frames(size_t n_samples) {
  if (n_samples > WK_MEL_MAX_SAMPLES) return 0;
  return wk_mel_frames_padded(n_samples, WK_MEL_PAD_SAMPLES);
}

typedef struct mel_job {
  const float *pcm;     /* [n] */
  size_t n, len;        /* samples, and samples + right zero padding */
  const float *filters; /* [n_mels][201] */
  const int *lo, *hi;   /* [n_mels]: filter m's nonzero bins are within [lo[m], hi[m]) */
  int n_mels;
  float *mel;           /* [n_mels][n_frames] */
  size_t n_frames;
  const float *window;  /* [400] periodic Hann */
  kiss_fftr_cfg *fft;   /* [threads]: kiss_fftr keeps scratch in its cfg, so one per thread */
  float *scratch;       /* [threads][SCRATCH] */
  float *task_max;      /* [n_tasks]: max of L over the task's frames */
  float gmax;           /* the second pass's max(L) */
} mel_job;

#define SCRATCH (N_FFT + 2 * BINS + BINS) /* frame [400], spectrum [201 complex], power [201] */

/* x_r at position i of the un-padded signal (i may be < 0 or ≥ len): repeated reflection
 * about the first and last samples (numpy "reflect"), then 0 beyond the n real samples. */
static float sample_at(const mel_job *j, int64_t i) {
  const int64_t L = (int64_t)j->len;
  if (L == 1) {
    i = 0;
  } else {
    const int64_t period = 2 * (L - 1);
    i %= period;
    if (i < 0) i += period;
    if (i >= L) i = period - i;
  }
  return (size_t)i < j->n ? j->pcm[i] : 0.0f;
}

static void mel_task(void *arg, size_t task, int thread) {
  mel_job *j = arg;
  float *frame = j->scratch + (size_t)thread * SCRATCH; /* [400] */
  kiss_fft_cpx *spec = (kiss_fft_cpx *)(frame + N_FFT); /* [201] */
  float *power = frame + N_FFT + 2 * BINS;              /* [201] */
  const size_t t0 = task * FRAMES_PER_TASK;
  const size_t t1 = t0 + FRAMES_PER_TASK < j->n_frames ? t0 + FRAMES_PER_TASK : j->n_frames;
  float tmax = -INFINITY;
  for (size_t t = t0; t < t1; t++) {
    const int64_t start = (int64_t)(t * HOP) - HALF; /* frame t centred on sample 160t */
    if (start >= 0 && (size_t)start + N_FFT <= j->n) { /* interior: no reflection, no zeros */
      const float *x = j->pcm + start;
      for (int i = 0; i < N_FFT; i++) frame[i] = x[i] * j->window[i];
    } else {
      for (int i = 0; i < N_FFT; i++) frame[i] = sample_at(j, start + i) * j->window[i];
    }
    /* An all-zero frame (Whisper's 30-s padding is half the frames of a 30-s file; digital
     * silence) has |X|² = 0 exactly, so every mel value is log10(1e-10): skip the FFT. */
    int zero = 1;
    for (int i = 0; i < N_FFT && zero; i++) zero = frame[i] == 0.0f;
    if (zero) {
      const float v = log10f(1e-10f);
      for (int m = 0; m < j->n_mels; m++) j->mel[(size_t)m * j->n_frames + t] = v;
      if (v > tmax) tmax = v;
      continue;
    }
    kiss_fftr(j->fft[thread], frame, spec);
    for (int k = 0; k < BINS; k++) power[k] = spec[k].r * spec[k].r + spec[k].i * spec[k].i;
    for (int m = 0; m < j->n_mels; m++) {
      const float *f = j->filters + (size_t)m * BINS; /* [201] */
      /* Only the filter's nonzero span: the skipped terms are +0·P (P finite), which leave a
       * float sum unchanged, so this is exact. */
      float acc = 0.0f;
      for (int k = j->lo[m]; k < j->hi[m]; k++) acc += f[k] * power[k];
      const float v = log10f(acc > 1e-10f ? acc : 1e-10f);
      j->mel[(size_t)m * j->n_frames + t] = v;
      if (v > tmax) tmax = v;
    }
  }
  j->task_max[task] = tmax;
}

static void norm_task(void *arg, size_t task, int thread) {
  (void)thread;
  mel_job *j = arg;
  const size_t total = (size_t)j->n_mels * j->n_frames;
  const size_t i0 = task * NORM_PER_TASK;
  const size_t i1 = i0 + NORM_PER_TASK < total ? i0 + NORM_PER_TASK : total;
  const float floor_ = j->gmax - 8.0f; /* torch: log_spec.max() − 8.0 in float32 */
  for (size_t i = i0; i < i1; i++) {
    const float v = j->mel[i] > floor_ ? j->mel[i] : floor_;
    j->mel[i] = (v + 4.0f) / 4.0f;
  }
}

wk_status wk_log_mel_padded(wk_context *ctx, const float *pcm, size_t n, size_t pad,
                            const float *filters, int n_mels, float *mel, size_t mel_capacity) {
  if (!ctx || (!pcm && n) || !filters || !mel)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: NULL argument");
  if (n_mels < 1 || n_mels > WK_MEL_MAX_MELS)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: n_mels=%d (expected 1..%d)", n_mels,
                    WK_MEL_MAX_MELS);
  if (n > WK_MEL_MAX_SAMPLES || pad > WK_MEL_PAD_SAMPLES)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: %zu samples + %zu padding (at most "
                    "%zu (12 hours) + %d)", n, pad, WK_MEL_MAX_SAMPLES, WK_MEL_PAD_SAMPLES);
  const size_t n_frames = wk_mel_frames_padded(n, pad);
  const size_t need = (size_t)n_mels * n_frames; /* ≤ 512 · 4.3 M: no overflow */
  if (mel_capacity < need)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: mel capacity %zu floats < %d mels × "
                    "%zu frames", mel_capacity, n_mels, n_frames);
  for (size_t i = 0; i < n; i++)
    if (!(fabsf(pcm[i]) <= WK_MEL_MAX_ABS)) /* also false for NaN */
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: sample %zu is %g (expected finite, "
                      "|x| <= %g)", i, (double)pcm[i], (double)WK_MEL_MAX_ABS);
  int lo[WK_MEL_MAX_MELS], hi[WK_MEL_MAX_MELS];
  for (int m = 0; m < n_mels; m++) {
    lo[m] = BINS;
    hi[m] = 0;
    for (int k = 0; k < BINS; k++) {
      const float w = filters[(size_t)m * BINS + k];
      if (!(w >= 0.0f && w <= 1.0f))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "log-mel: filters[%d][%d] = %g (expected "
                        "finite, in [0, 1])", m, k, (double)w);
      if (w != 0.0f) {
        if (k < lo[m]) lo[m] = k;
        hi[m] = k + 1;
      }
    }
    if (hi[m] == 0) lo[m] = 0; /* an all-zero filter: empty span */
  }
  if (n_frames == 0) return WK_STATUS_OK;

  const int threads = wk_threadpool_size(ctx->pool);
  const size_t n_tasks = (n_frames + FRAMES_PER_TASK - 1) / FRAMES_PER_TASK;
  float window[N_FFT];
  for (int i = 0; i < N_FFT; i++) /* periodic Hann: torch.hann_window(400) */
    window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / N_FFT));
  mel_job j = {pcm, n, n + pad, filters, lo, hi, n_mels, mel, n_frames, window, NULL, NULL,
               NULL, 0.0f};
  wk_status s = WK_STATUS_OK;
  j.fft = calloc((size_t)threads, sizeof *j.fft);
  j.scratch = wk_alloc_array((size_t)threads * SCRATCH, sizeof(float));
  j.task_max = wk_alloc_array(n_tasks, sizeof(float));
  if (!j.fft || !j.scratch || !j.task_max) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "log-mel: out of memory");
    goto done;
  }
  for (int t = 0; t < threads; t++) {
    j.fft[t] = kiss_fftr_alloc(N_FFT, 0, NULL, NULL);
    if (!j.fft[t]) {
      s = wk_error(WK_STATUS_OUT_OF_MEMORY, "log-mel: out of memory (FFT plan)");
      goto done;
    }
  }
  wk_threadpool_run(ctx->pool, n_tasks, mel_task, &j);
  j.gmax = j.task_max[0];
  for (size_t t = 1; t < n_tasks; t++)
    if (j.task_max[t] > j.gmax) j.gmax = j.task_max[t];
  wk_threadpool_run(ctx->pool, (need + NORM_PER_TASK - 1) / NORM_PER_TASK, norm_task, &j);
done:
  if (j.fft)
    for (int t = 0; t < threads; t++) kiss_fftr_free(j.fft[t]);
  free(j.fft);
  wk_free(j.scratch);
  wk_free(j.task_max);
  return s;
}

WK_API wk_status wk_log_mel(wk_context *ctx, const float *pcm, size_t n_samples,
                            const float *filters, int n_mels, float *mel, size_t mel_capacity) {
  return wk_log_mel_padded(ctx, pcm, n_samples, WK_MEL_PAD_SAMPLES, filters, n_mels, mel,
                           mel_capacity);
}

WK_API size_t wk_mel_windows(size_t n_frames) {
  if (n_frames < WK_MEL_WINDOW_FRAMES) return 0;
  const size_t content = n_frames - WK_MEL_WINDOW_FRAMES;
  const size_t w = (content + WK_MEL_WINDOW_FRAMES - 1) / WK_MEL_WINDOW_FRAMES;
  return w ? w : 1;
}

WK_API wk_status wk_mel_window(const float *mel, size_t n_frames, int n_mels, size_t window,
                               float *out, size_t out_capacity) {
  if (!mel || !out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel window: NULL argument");
  if (n_mels < 1 || n_mels > WK_MEL_MAX_MELS)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel window: n_mels=%d (expected 1..%d)", n_mels,
                    WK_MEL_MAX_MELS);
  const size_t n_windows = wk_mel_windows(n_frames);
  if (window >= n_windows)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel window: window %zu of %zu (n_frames %zu)",
                    window, n_windows, n_frames);
  if (out_capacity / WK_MEL_WINDOW_FRAMES < (size_t)n_mels)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel window: capacity %zu floats < %d mels × "
                    "3000", out_capacity, n_mels);
  /* transcribe.py: seek = 3000·w; segment_size = min(3000, content_frames − seek);
   * pad_or_trim(mel[:, seek:seek + segment_size], 3000) */
  const size_t content = n_frames - WK_MEL_WINDOW_FRAMES;
  const size_t seek = window * WK_MEL_WINDOW_FRAMES;
  const size_t seg = content - seek < WK_MEL_WINDOW_FRAMES ? content - seek : WK_MEL_WINDOW_FRAMES;
  for (int m = 0; m < n_mels; m++) {
    float *o = out + (size_t)m * WK_MEL_WINDOW_FRAMES; /* [3000] */
    memcpy(o, mel + (size_t)m * n_frames + seek, seg * sizeof *o);
    memset(o + seg, 0, (WK_MEL_WINDOW_FRAMES - seg) * sizeof *o);
  }
  return WK_STATUS_OK;
}
