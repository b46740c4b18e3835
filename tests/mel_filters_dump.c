/* mel_filters_dump N_MELS OUT — writes wk_mel_filters_slaney(N_MELS) as raw float32
 * [N_MELS][201] to OUT (for test_mel_filters.sh). */
#include <stdio.h>
#include <stdlib.h>

#include "mel/mel-filters.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s N_MELS OUT\n", argv[0]);
    return 2;
  }
  const int n_mels = atoi(argv[1]);
  float *w = malloc((size_t)(n_mels > 0 ? n_mels : 1) * WK_MEL_N_FFT_BINS * sizeof(float));
  if (!w || wk_mel_filters_slaney(n_mels, w) != WK_STATUS_OK) {
    fprintf(stderr, "mel filters: %s\n", wk_last_error());
    return 1;
  }
  FILE *f = fopen(argv[2], "wb");
  const size_t n = (size_t)n_mels * WK_MEL_N_FFT_BINS;
  const int ok = f && fwrite(w, sizeof(float), n, f) == n;
  if (f) fclose(f);
  free(w);
  return ok ? 0 : 1;
}
