/* decoder_bench.c [SIZE] [STEPS] — ms per decoder step on a synthetic model (default base,
 * 1500 feature rows): greedy (1 beam) and 5 beams, 1 and 2 threads, INT8 and FP32; the
 * median step after a 3-token prompt, and the bytes a step reads (packed weights + the cross
 * K/V + the cache), whose division by the memory bandwidth is the step's floor.  Not a ctest
 * (timing); a measurement for the notes. */
#include <stdio.h>
#include <stdlib.h>

#include "decoder_synth.h"
#include "model/decoder.h"
#include "test_util.h"

static int cmp_d(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const char *size = argc > 1 ? argv[1] : "base";
  const int n_steps = argc > 2 ? atoi(argv[2]) : 16;
  decoder_synth s;
  if (n_steps < 1 || n_steps > 400 || !decoder_synth_make(size, 1, 1500, &s)) return 1;
  const int V = s.w.n_vocab, d = s.w.d, L = s.w.n_layer;
  float *lg = wk_alloc_array((size_t)5 * V, sizeof(float));
  double *t = malloc(sizeof(double) * (size_t)n_steps);
  printf("%s decoder: d %d, %d layers, n_vocab %d, 1500 feature rows, %d steps after a 3-token "
         "prompt\n", size, d, L, V, n_steps);
  for (int p = 0; p < 2; p++) {
    const wk_precision prec = p ? WK_PRECISION_FP32 : WK_PRECISION_INT8;
    for (int threads = 1; threads <= 2; threads++) {
      wk_context *ctx = wk_test_context(WK_ISA_AUTO, threads);
      wk_decoder *dec = NULL;
      if (wk_decoder_create(ctx, &s.w, prec, &dec)) {
        fprintf(stderr, "%s\n", wk_last_error());
        return 1;
      }
      for (int beams = 1; beams <= 5; beams += 4) {
        wk_decoder_state *st = NULL;
        int prompt[5 * 3];
        for (int b = 0; b < beams; b++)
          prompt[3 * b] = 50258, prompt[3 * b + 1] = 50259, prompt[3 * b + 2] = 50359;
        double t0 = wk_now();
        int ok = !wk_decoder_state_create(dec, beams, &st) &&
                 !wk_decoder_set_audio(ctx, dec, st, s.features, s.n_audio);
        const double t_audio = wk_now() - t0;
        t0 = wk_now();
        ok = ok && !wk_decoder_step(ctx, dec, st, prompt, 3, lg);
        const double t_prefill = wk_now() - t0;
        for (int k = 0; ok && k < n_steps; k++) {
          int tok[5];
          for (int b = 0; b < beams; b++) tok[b] = 100 + 7 * k + b;
          t0 = wk_now();
          ok = !wk_decoder_step(ctx, dec, st, tok, 1, lg);
          t[k] = wk_now() - t0;
        }
        if (!ok) {
          fprintf(stderr, "%s\n", wk_last_error());
          return 1;
        }
        qsort(t, (size_t)n_steps, sizeof(double), cmp_d);
        const double w = (double)wk_decoder_weight_bytes(dec);
        const double cross = (double)L * 1500 * 2 * d * 4;
        const double cache = (double)L * beams * (3 + n_steps / 2) * 2 * d * 4;
        printf("%s %d thread%s %d beam%s: set_audio %.1f ms, prefill(3) %.2f ms, step median "
               "%.2f ms (min %.2f); reads %.1f MB weights + %.1f MB cross K/V + %.2f MB cache\n",
               p ? "fp32" : "int8", threads, threads > 1 ? "s" : " ", beams, beams > 1 ? "s" : " ",
               t_audio * 1e3, t_prefill * 1e3, t[n_steps / 2] * 1e3, t[0] * 1e3, w / 1e6,
               cross / 1e6, cache / 1e6);
        wk_decoder_state_free(st);
      }
      wk_decoder_free(dec);
      wk_context_free(ctx);
    }
  }
  free(t), wk_free(lg);
  decoder_synth_free(&s);
  return 0;
}
