/* fuzz_decoder.c — the text decoder's per-step state against random plans (issue 10, item 1).
 *
 * The synthetic "micro" model (d 32, 1 head, 1 layer, n_vocab 256, n_text_ctx 8, n_audio_ctx 16)
 * is loaded once and both decoders (INT8, FP32) built once.  Each input is a plan:
 *   precision, n_beams (−1 … 66: out of range refused), features [n_audio][d] from the input
 *   (n_audio −1 … 17; sometimes a NaN or an infinity, which set_audio must refuse), then up to 24
 *   operations: a step of n_new −1 … 9 tokens per beam (ids −2 … 259: out of range refused),
 *   with or without logits; a reorder (beam sources −1 … n_beams); set_audio again.
 * What must hold: never a crash, an over-read (ASan) or undefined behaviour (UBSan); every call
 * returns OK exactly when its arguments are valid (the model of the state here: audio set,
 * position, beams), with a message otherwise; a failed call leaves the position where it was;
 * a successful step's logits are finite and the position moves by n_new. */
#include "fuzz_util.h"
#include "common/common.h"
#include "io/ggml.h"
#include "model/decoder.h"
#include "synth_model.h"

static wk_context *ctx;
static wk_model *model;
static wk_decoder *dec[2];
static int n_vocab, n_text_ctx, d;

static void setup(void) {
  wk_synth_model_options o = {"micro", 0, "f16", 3, 1};
  uint8_t *file = NULL;
  size_t size = 0;
  wk_decoder_f32 w;
  float *storage = NULL;
  ctx = fz_context(WK_ISA_AUTO, 1);
  if (!ctx || wk_synth_model_write_memory(&o, &file, &size) != WK_STATUS_OK ||
      wk_model_load_memory(file, size, &model) != WK_STATUS_OK ||
      wk_model_decoder_f32(model, &w, &storage) != WK_STATUS_OK ||
      wk_decoder_create(ctx, &w, WK_PRECISION_INT8, &dec[0]) != WK_STATUS_OK ||
      wk_decoder_create(ctx, &w, WK_PRECISION_FP32, &dec[1]) != WK_STATUS_OK)
    FZ_FAIL("setup: %s", wk_last_error());
  free(file);
  wk_free(storage); /* the decoders hold packed copies */
  wk_decoder_dims(dec[0], &n_vocab, &n_text_ctx, &d);
}

/* features [n][d] from the input: small finite values, or (bad = 1) one NaN / infinity. */
static void fill_features(fz *f, float *x, int n, int bad) {
  for (int i = 0; i < n * d; i++) x[i] = (float)(int8_t)fz_u8(f) / 32.0f;
  if (bad && n > 0) x[fz_u32(f) % (uint32_t)(n * d)] = (fz_u8(f) & 1) ? NAN : -INFINITY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dec[0]) setup();
  fz f = {data, size, 0};
  const wk_decoder *D = dec[fz_u8(&f) & 1];
  const int n_beams = fz_int(&f, -1, 66);
  wk_decoder_state *st = NULL;
  const wk_status cs = wk_decoder_state_create(D, n_beams, &st);
  if ((cs == WK_STATUS_OK) != (n_beams >= 1 && n_beams <= 64))
    FZ_FAIL("state_create(%d beams) returned %d: %s", n_beams, (int)cs, wk_last_error());
  if (cs != WK_STATUS_OK) {
    if (st) FZ_FAIL("a failed state_create left a state");
    return 0;
  }
  if (wk_decoder_state_beams(st) != n_beams || wk_decoder_state_position(st) != 0)
    FZ_FAIL("fresh state: beams %d position %d", wk_decoder_state_beams(st),
            wk_decoder_state_position(st));
  float *features = malloc((size_t)17 * d * sizeof *features); /* [≤ 17][d] */
  int *tokens = malloc((size_t)n_beams * 9 * sizeof *tokens);    /* [n_beams][n_new ≤ 9] */
  float *logits = malloc((size_t)n_beams * n_vocab * sizeof *logits); /* [n_beams][n_vocab] */
  int *src = malloc((size_t)n_beams * sizeof *src);
  if (!features || !tokens || !logits || !src) FZ_FAIL("out of memory");
  int audio = 0, position = 0;
  const int n_ops = fz_int(&f, 1, 24);
  for (int op = 0; op < n_ops; op++) {
    const uint8_t kind = fz_u8(&f) % 8;
    wk_status s;
    int valid;
    if (kind == 0 || op == 0) { /* set_audio (the first op always tries one) */
      const int n_audio = fz_int(&f, -1, 17), bad = fz_u8(&f) < 24;
      fill_features(&f, features, n_audio > 0 ? n_audio : 0, bad);
      valid = n_audio >= 1 && !(bad && n_audio > 0);
      s = wk_decoder_set_audio(ctx, D, st, features, n_audio);
      if (s == WK_STATUS_OK) audio = 1, position = 0;
    } else if (kind == 1) { /* reorder */
      valid = 1;
      for (int b = 0; b < n_beams; b++) {
        src[b] = fz_u8(&f) < 8 ? fz_int(&f, -1, n_beams) : fz_int(&f, 0, n_beams - 1);
        valid &= src[b] >= 0 && src[b] < n_beams;
      }
      s = wk_decoder_reorder(st, src);
    } else { /* step */
      const int n_new = fz_u8(&f) < 16 ? fz_int(&f, -1, 9) : fz_int(&f, 1, 2);
      const int with_logits = fz_u8(&f) & 1;
      valid = audio && n_new >= 1 && position + n_new <= n_text_ctx;
      for (int i = 0; i < n_beams * (n_new > 0 ? n_new : 0); i++) {
        tokens[i] = fz_u8(&f) < 4 ? fz_int(&f, -2, n_vocab + 3) : fz_int(&f, 0, n_vocab - 1);
        valid &= tokens[i] >= 0 && tokens[i] < n_vocab;
      }
      s = wk_decoder_step(ctx, D, st, tokens, n_new, with_logits ? logits : NULL);
      if (s == WK_STATUS_OK) {
        position += n_new;
        if (with_logits && !wk_all_finite(logits, (size_t)n_beams * n_vocab))
          FZ_FAIL("step: logits not finite");
      }
    }
    if ((s == WK_STATUS_OK) != valid)
      FZ_FAIL("op %d (kind %d): status %d, expected %s: %s", op, kind, (int)s,
              valid ? "OK" : "an error", wk_last_error());
    if (s != WK_STATUS_OK && !wk_last_error()[0]) FZ_FAIL("op %d: an error without a message", op);
    if (wk_decoder_state_position(st) != position)
      FZ_FAIL("op %d: position %d, expected %d", op, wk_decoder_state_position(st), position);
  }
  free(features), free(tokens), free(logits), free(src);
  wk_decoder_state_free(st);
  return 0;
}
