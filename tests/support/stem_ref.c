/* stem_ref.c — the FP64 reference of Whisper's conv stem (stem_ref.h). */
#include <math.h>
#include <string.h>

#include "ref_util.h"
#include "runtime/runtime.h"
#include "stem_ref.h"

/* Inputs token-major in double, zero-padded ([T + 2][C]); weights reordered tap-major in float
 * (a permutation: exact), so each output is one contiguous dot product.  Parallel over blocks
 * of REF_FRAMES output frames (the weight row of one channel stays in cache over the block). */
#define REF_FRAMES 16

typedef struct ref_job {
  const float *w;  /* [d][3·cin] tap-major */
  const float *b;  /* [d] */
  const double *in;/* [Tin + 2][cin] padded */
  int cin, d, stride, t_out;
  double *out;     /* [t_out][out_stride] (row t at out + t·out_stride) */
  ptrdiff_t out_stride;
} ref_job;

static void ref_task(void *ctx, size_t task, int thread) {
  (void)thread;
  const ref_job *j = ctx;
  const int t0 = (int)task * REF_FRAMES;
  const int t1 = t0 + REF_FRAMES < j->t_out ? t0 + REF_FRAMES : j->t_out;
  const int k = 3 * j->cin;
  for (int o = 0; o < j->d; o++) {
    const float *wo = j->w + (size_t)o * k; /* [3·cin] */
    for (int t = t0; t < t1; t++) {
      /* output t reads input frames s·t − 1 … s·t + 1 = padded rows s·t … s·t + 2 */
      const double u = wk_ref_dot_fd(wo, j->in + (size_t)t * j->stride * j->cin, k) + j->b[o];
      j->out[(size_t)t * j->out_stride + o] = wk_ref_gelu(u);
    }
  }
}

static void reorder_taps(const float *w, int n, int cin, float *r /* [n][3·cin] */) {
  for (int o = 0; o < n; o++)
    for (int i = 0; i < cin; i++)
      for (int j = 0; j < 3; j++)
        r[(size_t)o * 3 * cin + (size_t)j * cin + i] = w[((size_t)o * cin + i) * 3 + j];
}

wk_status wk_stem_forward_ref(wk_context *ctx, const wk_stem_f32 *w, const float *mel,
                              int frames, float *x) {
  if (!ctx) return wk_error(WK_STATUS_INVALID_ARGUMENT, "stem ref: NULL context");
  wk_status st = wk_stem_f32_check(w);
  if (!st) st = wk_stem_check_run(w->n_ctx, w->n_mels, mel, frames, x);
  if (st) return st;
  const int C = w->n_mels, d = w->d, T = frames, T2 = frames / 2;
  const size_t k1 = 3 * (size_t)C, k2 = 3 * (size_t)d;
  float *w1 = wk_alloc_array((size_t)d * k1, sizeof(float));    /* [d][3C] */
  float *w2 = wk_alloc_array((size_t)d * k2, sizeof(float));    /* [d][3d] */
  double *in = wk_alloc_array(((size_t)T + 2) * C, sizeof(double)); /* [T + 2][C] */
  double *h = wk_alloc_array(((size_t)T + 2) * d, sizeof(double));  /* [T + 2][d] */
  double *y = wk_alloc_array((size_t)T2 * d, sizeof(double));       /* [T/2][d] */
  if (w1 && w2 && in && h && y) {
    reorder_taps(w->conv1_w, d, C, w1);
    reorder_taps(w->conv2_w, d, d, w2);
    memset(in, 0, sizeof(double) * ((size_t)T + 2) * C);
    memset(h, 0, sizeof(double) * ((size_t)T + 2) * d);
    for (int c = 0; c < C; c++)
      for (int f = 0; f < T; f++) in[(size_t)(f + 1) * C + c] = mel[(size_t)c * T + f];
    ref_job j1 = {w1, w->conv1_b, in, C, d, 1, T, h + d, d};
    wk_threadpool_run(ctx->pool, ((size_t)T + REF_FRAMES - 1) / REF_FRAMES, ref_task, &j1);
    ref_job j2 = {w2, w->conv2_b, h, d, d, 2, T2, y, d};
    wk_threadpool_run(ctx->pool, ((size_t)T2 + REF_FRAMES - 1) / REF_FRAMES, ref_task, &j2);
    for (size_t i = 0; i < (size_t)T2 * d; i++) x[i] = (float)(y[i] + w->pos[i]);
  } else {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "stem ref: out of memory");
  }
  wk_free(w1), wk_free(w2), wk_free(in), wk_free(h), wk_free(y);
  return st;
}
