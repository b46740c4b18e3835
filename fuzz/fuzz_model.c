/* fuzz_model.c — the whisper.cpp model loader on arbitrary bytes: load (from an exact-size
 * buffer, so ASan sees any read past its end), describe, dequantize the encoder to fp32 when it
 * loads, free; what loads is also loaded from a file (a memfd: mapped, the weights read with
 * pread), which must give the same result.  Seeds: fuzz/make_seeds (micro models in several
 * tensor types, truncations). */
#define _GNU_SOURCE /* memfd_create */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "common/common.h"
#include "io/ggml.h"

/* The same bytes through wk_model_load (a memfd's /proc path): loads, and its fp32 encoder
 * weights build (or fail) as the view's did, to the same values. */
static void same_from_file(const uint8_t *data, size_t size, wk_status want,
                           const wk_encoder_f32 *w) {
  const int fd = memfd_create("fuzz_model", 0);
  if (fd < 0) return; /* no memfd here: nothing to compare */
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  wk_model *m = NULL;
  size_t done = 0;
  while (done < size) {
    const ssize_t r = write(fd, data + done, size - done);
    if (r <= 0) break;
    done += (size_t)r;
  }
  if (done == size && wk_model_load(path, &m) != WK_STATUS_OK)
    FZ_FAIL("wk_model_load of a file refused what load_view accepted: %s", wk_last_error());
  close(fd); /* the model keeps its own descriptor */
  if (!m) return;
  wk_encoder_f32 v;
  float *storage = NULL;
  const wk_status got = wk_model_encoder_f32(m, &v, &storage);
  if (got != want) FZ_FAIL("encoder fp32 weights: status %d from the file, %d from memory", got, want);
  if (got == WK_STATUS_OK) {
    const wk_layer_f32 *a = w->n_layer > 0 ? &w->layers[w->n_layer - 1] : NULL;
    const wk_layer_f32 *b = a ? &v.layers[v.n_layer - 1] : NULL;
    if (memcmp(w->stem.pos, v.stem.pos, (size_t)w->n_ctx * (size_t)w->d * sizeof(float)) ||
        (a && memcmp(a->w2, b->w2, (size_t)a->d * (size_t)a->ffn * sizeof(float))))
      FZ_FAIL("encoder fp32 weights differ between the file and memory");
  }
  wk_free(storage);
  wk_model_free(m);
}

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
  const wk_status built = wk_model_encoder_f32(m, &w, &storage);
  if (built != WK_STATUS_OK && storage) FZ_FAIL("wk_model_encoder_f32 failed but returned storage");
  same_from_file(data, size, built, &w);
  wk_free(storage);
  /* The public copy-in entry point on the inputs that load (the copy path, and its free). */
  wk_model *m2 = NULL;
  if (wk_model_load_memory(data, size, &m2) != WK_STATUS_OK)
    FZ_FAIL("load_memory refused what load_view accepted: %s", wk_last_error());
  wk_model_free(m2);
  wk_model_free(m);
  (void)sink;
  return 0;
}
