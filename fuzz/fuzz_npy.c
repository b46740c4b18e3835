/* fuzz_npy.c — the .npy reader on arbitrary bytes (wk_npy_load_memory: the file reader's
 * parser and size checks, a memory stream for the file).  Seeds: fuzz/make_seeds (int8,
 * uint8, float32 arrays of 0 … 3 dimensions, format versions 1.0 and 2.0). */
#include "fuzz_util.h"
#include "io/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wk_npy a;
  if (wk_npy_load_memory(data, size, "fuzz.npy", &a) != WK_STATUS_OK) {
    if (a.data || a.nbytes) FZ_FAIL("npy load failed but left data");
    if (!wk_last_error()[0]) FZ_FAIL("npy load failed without a message");
    return 0;
  }
  const int64_t count = wk_npy_count(&a);
  if (count < 0 || (uint64_t)count * wk_npy_dtype_size(a.dtype) != a.nbytes)
    FZ_FAIL("npy: %lld elements of %zu bytes but nbytes %zu", (long long)count,
            wk_npy_dtype_size(a.dtype), a.nbytes);
  if (!a.data) FZ_FAIL("npy: NULL data after a load");
  volatile unsigned sink = 0;
  for (size_t i = 0; i < a.nbytes; i++) sink += ((const uint8_t *)a.data)[i];
  char buf[64];
  wk_npy_shape_text(&a, buf, sizeof buf);
  wk_npy_free(&a);
  (void)sink;
  return 0;
}
