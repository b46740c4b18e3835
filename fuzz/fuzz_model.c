/* fuzz_model.c — the whisper.cpp model loader on arbitrary bytes: load (from an exact-size
 * buffer, so ASan sees any read past its end), describe, dequantize the encoder to fp32 when it
 * loads, free.  Seeds: fuzz/make_seeds (micro models in several tensor types, truncations). */
#include "fuzz_util.h"
#include "common/common.h"
#include "io/ggml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wk_model *m = NULL;
  /* wk_model_load_memory copies into a 64-byte-rounded block; the view reads the fuzzer's own
   * exact-size buffer (the same parser: both call finish()). */
  if (wk_model_load_view(data, size, &m) != WK_STATUS_OK) {
    if (m) FZ_FAIL("wk_model_load_view failed but set *out");
    if (!wk_last_error()[0]) FZ_FAIL("wk_model_load_view failed without a message");
    return 0;
  }
  wk_model_info info;
  if (wk_model_describe(m, &info) != WK_STATUS_OK) FZ_FAIL("describe: %s", wk_last_error());
  if (!info.mel_filters || info.n_mels < 1) FZ_FAIL("describe: no mel filters");
  volatile float sink = 0;
  for (int i = 0; i < info.n_mels * 201; i++) sink += info.mel_filters[i];
  wk_encoder_f32 w;
  float *storage = NULL;
  if (wk_model_encoder_f32(m, &w, &storage) == WK_STATUS_OK) wk_free(storage);
  else if (storage) FZ_FAIL("wk_model_encoder_f32 failed but returned storage");
  /* The public copy-in entry point on the inputs that load (the copy path, and its free). */
  wk_model *m2 = NULL;
  if (wk_model_load_memory(data, size, &m2) != WK_STATUS_OK)
    FZ_FAIL("load_memory refused what load_view accepted: %s", wk_last_error());
  wk_model_free(m2);
  wk_model_free(m);
  (void)sink;
  return 0;
}
