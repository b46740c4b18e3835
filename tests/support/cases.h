/* cases.h — the attention accuracy cases (deterministic inputs, FP64 reference) and the
 * metrics that compare whisk's output with that reference.  Used by `whisk accuracy`,
 * `whisk bench` (inputs only) and the tests. */
#ifndef WK_CASES_H
#define WK_CASES_H

#include <stdint.h>

#include "whisk.h"

typedef struct wk_attn_case {
  char name[48];
  int heads, lq, lk, d;
  int causal, kv_len;
  float softmax_scale;     /* 0: 1/sqrt(d) */
  int8_t *q, *k, *v;       /* [heads][lq or lk][d], head-major */
  float *q_tok, *k_tok;    /* [heads][lq], [heads][lk] per-token scales, or NULL */
  float q_scale, k_scale;  /* per-tensor scales (when q_tok / k_tok are NULL) */
  float v_scale;
  float out_scale;         /* max |reference| / 127, or 1 for seed-tile */
  double *ref;             /* [heads][lq][d] FP64 attention of the dequantized inputs */
} wk_attn_case;

typedef struct wk_attn_metrics {
  int count;            /* outputs compared */
  int max_err_lsb;      /* max |out − round(ref/out_scale)| */
  double exact_pct;     /* % equal to round(ref/out_scale) */
  double mae_lsb, rmse_lsb; /* vs round(ref/out_scale), in LSB */
  double corr, cosine;  /* Pearson / cosine of out vs ref/out_scale */
  double within1_pct, within5_pct;
  int out_min, out_max;
  int nan;              /* NaN values in the float output */
  double f32_max_rel_err; /* max |out_f32 − ref| / max |ref| */
} wk_attn_metrics;

int wk_attn_case_count(void);
/* Builds case i (0 ≤ i < count): inputs and reference. */
wk_status wk_attn_case_make(int i, wk_attn_case *c);
void wk_attn_case_free(wk_attn_case *c);

/* wk_attention parameters for a case, writing head-major output. */
wk_attention_params wk_attn_case_params(const wk_attn_case *c, wk_dtype out_type, void *out);

/* FP64 reference of the case's dequantized inputs (fills c->ref). */
void wk_attn_reference(wk_attn_case *c);

/* Runs the case through wk_attention (int8 and float output) and measures it. */
wk_status wk_attn_case_evaluate(wk_context *ctx, const wk_attn_case *c, wk_attn_metrics *m);

void wk_attn_metrics_compute(const wk_attn_case *c, const int8_t *out, const float *out_f32,
                             wk_attn_metrics *m);

#endif
