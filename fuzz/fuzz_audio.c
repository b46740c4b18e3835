/* fuzz_audio.c — the audio path on arbitrary bytes: decode (libsndfile), mix, resample to
 * 16 kHz (libsoxr); on success the log-mel with Whisper's 80 Slaney filters of the first
 * FZ_MEL_SAMPLES samples, for one decoded input in FZ_MEL_EVERY (chosen by a hash of the
 * bytes, so a crashing input reproduces): the log-mel always appends 30 s of zeros, ~50 ms here,
 * which would otherwise hold the target to ~15 inputs a second.  Seeds: fuzz/make_seeds (WAV, FLAC, OGG of short tones). */
#include "fuzz_util.h"
#include "mel/mel-filters.h"

#define FZ_MEL_SAMPLES 4000 /* 0.25 s */
#define FZ_MEL_EVERY 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static wk_context *ctx;
  static float filters[80 * 201]; /* [80][201] */
  if (!ctx) {
    ctx = fz_context(WK_ISA_AUTO, 1);
    if (!ctx || wk_mel_filters_slaney(80, filters) != WK_STATUS_OK) FZ_FAIL("setup");
  }
  wk_pcm pcm;
  if (wk_audio_load_memory(data, size, &pcm) != WK_STATUS_OK) {
    if (pcm.samples || pcm.n_samples) FZ_FAIL("audio load failed but left samples");
    if (!wk_last_error()[0]) FZ_FAIL("audio load failed without a message");
    return 0;
  }
  if (!pcm.samples || pcm.n_samples == 0) FZ_FAIL("audio load succeeded without samples");
  for (size_t i = 0; i < pcm.n_samples; i++)
    if (!(pcm.samples[i] >= -1.0f && pcm.samples[i] <= 1.0f))
      FZ_FAIL("sample %zu = %g outside [-1, 1]", i, (double)pcm.samples[i]);
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  if (h % FZ_MEL_EVERY != 0) {
    wk_pcm_free(&pcm);
    return 0;
  }
  const size_t n = pcm.n_samples < FZ_MEL_SAMPLES ? pcm.n_samples : FZ_MEL_SAMPLES;
  const size_t frames = wk_mel_frames(n), cap = 80 * frames;
  float *mel = malloc(cap * sizeof *mel); /* [80][frames] */
  if (!mel) FZ_FAIL("out of memory");
  if (wk_log_mel(ctx, pcm.samples, n, filters, 80, mel, cap) != WK_STATUS_OK)
    FZ_FAIL("log-mel of decoded audio failed: %s", wk_last_error());
  for (size_t i = 0; i < cap; i++)
    if (!isfinite(mel[i])) FZ_FAIL("log-mel value %zu is not finite", i);
  free(mel);
  wk_pcm_free(&pcm);
  return 0;
}
