/* test_memory_growth.c — one process, many runs, no growth (issue 10, item 4).
 *
 * One synthetic model (the "micro" size, f16) is loaded once; then 100 runs, each:
 *   a WAV file held in memory (a different 0.25 s chirp each run) → wk_audio_load_memory →
 *   wk_log_mel → a fresh encoder (INT8 on even runs, FP32 on odd ones; created, run, freed);
 * and 100 decoder runs, each: a fresh state (2 beams) of one of the two decoders (INT8 / FP32,
 * built once), wk_decoder_set_audio on the encoder's features, a 3-token prefill, 2 steps, a
 * reorder.  The resident set (/proc/self/statm) is sampled after run 10 and after run 100 of
 * each loop: the growth over those 90 runs must stay under GROWTH_MAX (2 MiB), so anything a run
 * leaks of ≥ 23 KiB (an encoder's weights, a state's cache, a pcm buffer) fails the test.
 * Then 100 transcriptions (wk_transcribe: the whole path, log-mel to segments) of such WAV files
 * with one INT8 and one FP32 transcriber (every tenth run) of a synthetic tiny model (transcription needs
 * Whisper's 30-s windows; micro has 16 audio positions), each result written
 * as json to a file and freed — the same bound.
 * Release build only (registered outside WHISK_SANITIZE; sanitizers keep freed memory in
 * quarantine, so RSS grows there by design) — skipped (77) if built with ASan anyway. */
#include <string.h>
#include <unistd.h>

#include "io/ggml.h"
#include "model/decoder.h"
#include "synth_model.h"
#include "test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define WK_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WK_UNDER_ASAN 1
#endif
#endif

enum { RUNS = 100, SAMPLE_AT = 10, N_SAMPLES = 4000 };
#define GROWTH_MAX (2u << 20) /* bytes */

static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (!f) return 0;
  if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
  fclose(f);
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A 16-bit PCM mono 16 kHz WAV of N_SAMPLES samples (a chirp depending on `run`) into wav
 * [44 + 2·N_SAMPLES]. */
static void make_wav(uint8_t *wav, int run) {
  const uint32_t data = 2 * N_SAMPLES;
  memcpy(wav, "RIFF", 4), put_u32(wav + 4, 36 + data), memcpy(wav + 8, "WAVEfmt ", 8);
  put_u32(wav + 16, 16), put_u32(wav + 20, 1 | 1u << 16); /* PCM, 1 channel */
  put_u32(wav + 24, 16000), put_u32(wav + 28, 32000), put_u32(wav + 32, 2 | 16u << 16);
  memcpy(wav + 36, "data", 4), put_u32(wav + 40, data);
  for (int i = 0; i < N_SAMPLES; i++) {
    const float x = 0.4f * sinf(0.01f * (float)(run % 7 + 1) * (float)i * (1.0f + (float)i / 8000.0f));
    const int16_t s = (int16_t)lrintf(x * 32767.0f);
    wav[44 + 2 * i] = (uint8_t)s, wav[45 + 2 * i] = (uint8_t)((uint16_t)s >> 8);
  }
}

/* One audio run: WAV bytes → pcm → log-mel → a fresh encoder of `precision` → features
 * [n_ctx][d].  Returns 0 on any failure. */
static int encode_run(wk_context *c, const wk_model *model, int run, wk_precision precision,
                      float *features, size_t n_features) {
  static uint8_t wav[44 + 2 * N_SAMPLES];
  make_wav(wav, run);
  wk_pcm pcm;
  wk_model_info info;
  wk_encoder *enc = NULL;
  int ok = wk_audio_load_memory(wav, sizeof wav, &pcm) == WK_STATUS_OK;
  ok = ok && wk_model_describe(model, &info) == WK_STATUS_OK &&
       wk_encoder_create(c, model, precision, &enc) == WK_STATUS_OK;
  int n_mels = 0, n_ctx = 0, d = 0;
  if (ok) wk_encoder_dims(enc, &n_mels, &n_ctx, &d);
  const size_t frames = wk_mel_frames(ok ? pcm.n_samples : 0), T = 2 * (size_t)n_ctx;
  float *mel = ok ? malloc((size_t)n_mels * frames * sizeof *mel) : NULL; /* [n_mels][frames] */
  float *in = ok ? calloc((size_t)n_mels * T, sizeof *in) : NULL;        /* [n_mels][2·n_ctx] */
  ok = ok && mel && in && (size_t)n_ctx * d == n_features &&
       wk_log_mel(c, pcm.samples, pcm.n_samples, info.mel_filters, n_mels, mel,
                  (size_t)n_mels * frames) == WK_STATUS_OK;
  for (int m = 0; ok && m < n_mels; m++)
    memcpy(in + m * T, mel + m * frames, (frames < T ? frames : T) * sizeof *in);
  ok = ok && wk_encoder_run(c, enc, in, (size_t)n_mels * T, features, n_features) == WK_STATUS_OK &&
       wk_all_finite(features, n_features);
  if (!ok) fprintf(stderr, "run %d: %s\n", run, wk_last_error());
  free(mel), free(in);
  wk_encoder_free(enc);
  wk_pcm_free(&pcm);
  return ok;
}

/* One decoder run: a fresh 2-beam state, set_audio, a 3-token prefill, two steps, a reorder. */
static int decode_run(wk_context *c, const wk_decoder *dec, int run, const float *features,
                      int n_audio, float *logits) {
  int n_vocab = 0;
  wk_decoder_dims(dec, &n_vocab, NULL, NULL);
  wk_decoder_state *st = NULL;
  const int prompt[2][3] = {{1, 2 + run % 50, 3}, {4, 5, 6 + run % 100}};
  const int src[2] = {1, 0};
  int ok = wk_decoder_state_create(dec, 2, &st) == WK_STATUS_OK &&
           wk_decoder_set_audio(c, dec, st, features, n_audio) == WK_STATUS_OK &&
           wk_decoder_step(c, dec, st, &prompt[0][0], 3, logits) == WK_STATUS_OK;
  for (int s = 0; ok && s < 2; s++) {
    const int next[2] = {(run + s) % n_vocab, (7 * run + s) % n_vocab};
    ok = wk_decoder_step(c, dec, st, next, 1, logits) == WK_STATUS_OK &&
         wk_all_finite(logits, 2 * (size_t)n_vocab) && wk_decoder_reorder(st, src) == WK_STATUS_OK;
  }
  if (!ok) fprintf(stderr, "decoder run %d: %s\n", run, wk_last_error());
  wk_decoder_state_free(st);
  return ok;
}

int main(void) {
#ifdef WK_UNDER_ASAN
  printf("SKIP: RSS growth is meaningless under AddressSanitizer (quarantine)\n");
  return WK_TEST_SKIP;
#endif
  wk_synth_model_options o = {"micro", 0, "f16", 5, 1};
  uint8_t *file = NULL;
  size_t size = 0;
  wk_model *model = NULL;
  if (wk_synth_model_write_memory(&o, &file, &size) != WK_STATUS_OK ||
      wk_model_load_memory(file, size, &model) != WK_STATUS_OK) {
    fprintf(stderr, "micro model: %s\n", wk_last_error());
    return 1;
  }
  free(file);
  wk_context *c = wk_test_context(WK_ISA_AUTO, 2);
  wk_encoder *probe = NULL;
  int n_mels = 0, n_ctx = 0, d = 0;
  if (wk_encoder_create(c, model, WK_PRECISION_INT8, &probe) != WK_STATUS_OK) {
    fprintf(stderr, "encoder: %s\n", wk_last_error());
    return 1;
  }
  wk_encoder_dims(probe, &n_mels, &n_ctx, &d);
  wk_encoder_free(probe);
  const size_t n_features = (size_t)n_ctx * d;
  float *features = malloc(n_features * sizeof *features); /* [n_ctx][d] */

  /* ── encoder loop ── */
  size_t rss_a = 0, rss_b = 0;
  int failed = 0;
  for (int run = 1; run <= RUNS && !failed; run++) {
    failed = !encode_run(c, model, run, run % 2 ? WK_PRECISION_FP32 : WK_PRECISION_INT8, features,
                         n_features);
    if (run == SAMPLE_AT) rss_a = rss_bytes();
    if (run == RUNS) rss_b = rss_bytes();
  }
  CHECK(!failed, "an encoder run failed");
  CHECK(rss_a > 0 && rss_b > 0, "cannot read /proc/self/statm");
  printf("encoder: RSS after run %d: %zu KiB, after run %d: %zu KiB (growth %ld KiB)\n", SAMPLE_AT,
         rss_a >> 10, RUNS, rss_b >> 10, ((long)rss_b - (long)rss_a) / 1024);
  CHECK(rss_b <= rss_a + GROWTH_MAX, "encoder runs grew RSS by %zu bytes", rss_b - rss_a);

  /* ── decoder loop ── */
  wk_decoder_f32 w;
  float *storage = NULL;
  wk_decoder *dec[2] = {NULL, NULL};
  failed = wk_model_decoder_f32(model, &w, &storage) != WK_STATUS_OK ||
           wk_decoder_create(c, &w, WK_PRECISION_INT8, &dec[0]) != WK_STATUS_OK ||
           wk_decoder_create(c, &w, WK_PRECISION_FP32, &dec[1]) != WK_STATUS_OK;
  CHECK(!failed, "decoder: %s", wk_last_error());
  int n_vocab = 0, dd = 0;
  if (!failed) wk_decoder_dims(dec[0], &n_vocab, NULL, &dd);
  CHECK(failed || dd == d, "decoder d %d != encoder d %d", dd, d);
  float *logits = malloc(2 * (size_t)(n_vocab ? n_vocab : 1) * sizeof *logits); /* [2][n_vocab] */
  failed = failed || dd != d || !encode_run(c, model, 0, WK_PRECISION_INT8, features, n_features);
  rss_a = rss_b = 0;
  for (int run = 1; run <= RUNS && !failed; run++) {
    failed = !decode_run(c, dec[run % 2], run, features, n_ctx, logits);
    if (run == SAMPLE_AT) rss_a = rss_bytes();
    if (run == RUNS) rss_b = rss_bytes();
  }
  CHECK(!failed, "a decoder run failed");
  printf("decoder: RSS after run %d: %zu KiB, after run %d: %zu KiB (growth %ld KiB)\n", SAMPLE_AT,
         rss_a >> 10, RUNS, rss_b >> 10, ((long)rss_b - (long)rss_a) / 1024);
  CHECK(rss_b <= rss_a + GROWTH_MAX, "decoder runs grew RSS by %zu bytes", rss_b - rss_a);

  /* ── transcription loop ── */
  wk_model *tiny = NULL;
  wk_transcriber *tr[2] = {NULL, NULL};
  const wk_synth_model_options to = {"tiny", 0, "f16", 5, 0};
  failed = wk_synth_model_write_memory(&to, &file, &size) != WK_STATUS_OK ||
           wk_model_load_memory(file, size, &tiny) != WK_STATUS_OK ||
           wk_transcriber_create(c, tiny, WK_PRECISION_INT8, &tr[0]) != WK_STATUS_OK ||
           wk_transcriber_create(c, tiny, WK_PRECISION_FP32, &tr[1]) != WK_STATUS_OK;
  free(file);
  wk_model_free(tiny); /* the transcribers keep what they need */
  CHECK(!failed, "tiny transcribers: %s", wk_last_error());
  char json[64];
  snprintf(json, sizeof json, "/tmp/wk_memory_growth_%ld.json", (long)getpid());
  wk_transcribe_params p;
  wk_transcribe_params_default(&p);
  p.language = "en", p.n_temperatures = 1, p.sample_len = 6; /* short: it is the memory */
  rss_a = rss_b = 0;
  for (int run = 1; run <= RUNS && !failed; run++) {
    static uint8_t wav[44 + 2 * N_SAMPLES];
    make_wav(wav, run);
    wk_pcm pcm;
    wk_transcription r;
    failed = wk_audio_load_memory(wav, sizeof wav, &pcm) != WK_STATUS_OK;
    if (!failed) {
      failed = wk_transcribe(c, tr[run % 10 == 0], pcm.samples, pcm.n_samples, &p, &r) != WK_STATUS_OK ||
               r.n_windows != 1 || wk_transcription_write(&r, "json", json) != WK_STATUS_OK;
      wk_transcription_free(&r);
    }
    if (failed) fprintf(stderr, "transcription %d: %s\n", run, wk_last_error());
    wk_pcm_free(&pcm);
    if (run == SAMPLE_AT) rss_a = rss_bytes();
    if (run == RUNS) rss_b = rss_bytes();
  }
  remove(json);
  CHECK(!failed, "a transcription failed");
  printf("transcribe: RSS after run %d: %zu KiB, after run %d: %zu KiB (growth %ld KiB)\n",
         SAMPLE_AT, rss_a >> 10, RUNS, rss_b >> 10, ((long)rss_b - (long)rss_a) / 1024);
  CHECK(rss_b <= rss_a + GROWTH_MAX, "transcriptions grew RSS by %zu bytes", rss_b - rss_a);
  wk_transcriber_free(tr[0]), wk_transcriber_free(tr[1]);

  free(logits);
  wk_decoder_free(dec[0]), wk_decoder_free(dec[1]);
  wk_free(storage);
  free(features);
  wk_context_free(c);
  wk_model_free(model);
  return wk_test_finish("test_memory_growth");
}
