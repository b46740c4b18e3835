/* attention-scalar.c — the specification kernel: plain loops, no packing tricks.
 * Every other attention microkernel must produce exactly these acc/sum values. */
#include <string.h>

#include "attention/attention-internal.h"

static size_t packed_size(int lk, int d) { return (size_t)lk * (size_t)d; }

static size_t scratch_size(int lk, int d) {
  (void)d;
  return (size_t)lk * (sizeof(float) + sizeof(uint32_t)); /* t[lk], P[lk] of one row */
}

/* K and V stay row-major [lk][d], just made contiguous. */
static void pack_rows(const int8_t *src, ptrdiff_t row_stride, int lk, int d, void *dst) {
  int8_t *o = dst;
  for (int j = 0; j < lk; j++) memcpy(o + (size_t)j * d, src + j * row_stride, (size_t)d);
}

static void rows_scalar(const wk_attn_rows_args *a) {
  const int8_t *K = a->k_packed; /* [lk][d] */
  const int8_t *V = a->v_packed; /* [lk][d] */
  float *t = a->scratch;          /* [lk] */
  uint32_t *P = (uint32_t *)(t + a->lk);
  const int d = a->d;
  for (int r = 0; r < a->rows; r++) {
    const int8_t *q = a->q + r * a->q_row_stride;
    const int n = a->n_keys[r];
    int64_t *acc = a->acc + (size_t)r * d;
    for (int c = 0; c < d; c++) acc[c] = 0;
    a->sum[r] = 0;
    if (n == 0) continue;
    /* scores and the row maximum */
    float m = -INFINITY;
    for (int j = 0; j < n; j++) {
      int32_t s = 0;
      for (int c = 0; c < d; c++) s += (int32_t)q[c] * K[(size_t)j * d + c];
      t[j] = wk_attn_logit(s, a->alpha[r], a->beta[j]);
      if (t[j] > m) m = t[j];
    }
    /* probabilities and their sum */
    int64_t sum = 0;
    for (int j = 0; j < n; j++) {
      P[j] = wk_attn_exp2_q24(t[j] - m);
      sum += P[j];
    }
    a->sum[r] = sum;
    /* P·V */
    for (int j = 0; j < n; j++) {
      if (P[j] == 0) continue;
      for (int c = 0; c < d; c++) acc[c] += (int64_t)P[j] * V[(size_t)j * d + c];
    }
  }
}

void wk_attn_store_scalar(const wk_attn_store_args *a) {
  for (int r = 0; r < a->rows; r++) {
    const int64_t *acc = a->acc + (size_t)r * a->d;
    const double f = wk_attn_row_factor(a->sum[r], a->ratio);
    if (a->out_type == WK_DTYPE_F32) {
      float *out = (float *)a->out + r * a->out_row_stride;
      for (int c = 0; c < a->d; c++) out[c] = (float)((double)acc[c] * f);
    } else {
      int8_t *out = (int8_t *)a->out + r * a->out_row_stride;
      for (int c = 0; c < a->d; c++) {
        double v = (double)acc[c] * f;
        v = v > 127.0 ? 127.0 : v < -128.0 ? -128.0 : v;
        out[c] = (int8_t)lrint(v); /* one cvtsd2si (-fno-math-errno): nearest even */
      }
    }
  }
}

const wk_attention_kernel wk_attention_kernel_scalar = {
    .name = "wk_qs8_attention_ukernel__scalar",
    .isa = WK_ISA_SCALAR,
    .k_packed_size = packed_size,
    .v_packed_size = packed_size,
    .scratch_size = scratch_size,
    .pack_k = pack_rows,
    .pack_v = pack_rows,
    .rows = rows_scalar,
    .store = wk_attn_store_scalar,
};
