/* gemm_kernel_check.h — the GEMM kernel comparison shared by test_gemm_kernels.c (every kernel
 * through the operator) and test_gemm_amx_emulated.c (the AMX kernel on the tile model): test
 * problems, the spec output, the independent int64 reference, the byte comparison, and the two
 * shape sweeps (shapes, k_large), each calling back a `compare` that runs the kernel(s) under
 * test against the spec.  Include after test_util.h. */
#ifndef WK_GEMM_KERNEL_CHECK_H
#define WK_GEMM_KERNEL_CHECK_H

#include <math.h>
#include <string.h>

#include "gemm/gemm-internal.h"
#include "gemm/gemm.h"
#include "quant/quant.h"
#include "test_util.h"

#define SENTINEL 0x7fc0dead /* a NaN pattern in output padding: must survive every run */

typedef struct problem {
  int m, n, k;
  int8_t *a;        /* [m][a_stride] */
  ptrdiff_t a_stride;
  float *a_scale;   /* [m] */
  int8_t *w;        /* [n][w_stride] */
  ptrdiff_t w_stride;
  float *w_scale;   /* [n] */
  float *bias;      /* [n] or NULL */
  int gelu;
  float *residual;  /* [m][out_stride] or NULL */
  int in_place;     /* residual accumulated in the output buffer itself */
  ptrdiff_t out_stride;
} problem;

static inline int8_t rand_i8(wk_test_rng *rng, int mode) {
  switch (mode) {
  case 0: return (int8_t)wk_test_int(rng, -128, 127);          /* full range */
  case 1: return (int8_t)(wk_test_next(rng) & 1 ? 127 : -128); /* saturated */
  case 2: return -128;                                         /* |Acc| at its maximum */
  default: return (int8_t)wk_test_int(rng, -20, 20);
  }
}

/* Scales that put the outputs around ±`spread` (GELU's interesting range is a few units). */
static inline void make_problem(problem *p, wk_test_rng *rng, int m, int n, int k, int mode,
                                int flags, float spread) {
  memset(p, 0, sizeof *p);
  p->m = m, p->n = n, p->k = k;
  p->a_stride = k + (flags & 8 ? wk_test_int(rng, 1, 5) : 0);
  p->w_stride = k + (flags & 16 ? wk_test_int(rng, 1, 5) : 0);
  p->out_stride = n + (flags & 32 ? wk_test_int(rng, 1, 5) : 0);
  p->a = malloc((size_t)m * p->a_stride);
  p->w = malloc((size_t)n * p->w_stride);
  p->a_scale = malloc(sizeof(float) * m);
  p->w_scale = malloc(sizeof(float) * n);
  for (size_t i = 0; i < (size_t)m * p->a_stride; i++) p->a[i] = rand_i8(rng, mode);
  for (size_t i = 0; i < (size_t)n * p->w_stride; i++) p->w[i] = rand_i8(rng, mode);
  const float base = spread / (sqrtf((float)k) * 5461.0f); /* E[(a·w)²] ≈ (128²/3)² per term */
  for (int i = 0; i < m; i++) p->a_scale[i] = base * wk_test_float(rng, 0.5f, 2.0f);
  for (int j = 0; j < n; j++) p->w_scale[j] = wk_test_float(rng, 0.5f, 2.0f);
  if (flags & 1) {
    p->bias = malloc(sizeof(float) * n);
    for (int j = 0; j < n; j++) p->bias[j] = wk_test_float(rng, -spread, spread);
  }
  p->gelu = (flags & 2) != 0;
  if (flags & 4) {
    p->residual = malloc(sizeof(float) * (size_t)m * p->out_stride);
    for (size_t i = 0; i < (size_t)m * p->out_stride; i++)
      p->residual[i] = wk_test_float(rng, -spread, spread);
    p->in_place = (flags & 64) != 0;
  }
}

static inline void free_problem(problem *p) {
  free(p->a);
  free(p->w);
  free(p->a_scale);
  free(p->w_scale);
  free(p->bias);
  free(p->residual);
}

/* A fresh output buffer [m][out_stride]: SENTINEL everywhere, then, for an in-place residual,
 * the residual rows (the run accumulates onto them). */
static inline float *new_output(const problem *p) {
  const size_t len = (size_t)p->m * p->out_stride;
  float *out = malloc(sizeof(float) * len);
  const uint32_t sentinel = SENTINEL;
  for (size_t i = 0; i < len; i++) memcpy(&out[i], &sentinel, sizeof sentinel);
  if (p->in_place) /* the residual lives in the output buffer */
    for (int i = 0; i < p->m; i++)
      memcpy(out + i * p->out_stride, p->residual + i * p->out_stride, sizeof(float) * p->n);
  return out;
}

/* Runs p through the operator on ctx; returns the output buffer (see new_output). */
static inline float *run(wk_context *ctx, const problem *p) {
  float *out = new_output(p);
  wk_gemm_weights *w = NULL;
  wk_status s = wk_gemm_weights_create(ctx, p->w, p->w_stride, p->w_scale, p->bias, p->n, p->k, &w);
  CHECK(s == WK_STATUS_OK, "weights_create: %s", wk_last_error());
  wk_gemm_args g = {
      .m = p->m, .a = p->a, .a_stride = p->a_stride, .a_scale = p->a_scale, .gelu = p->gelu,
      .residual = p->in_place ? out : p->residual, .residual_stride = p->out_stride,
      .out = out, .out_stride = p->out_stride,
  };
  if (s == WK_STATUS_OK) {
    s = wk_gemm_run(ctx, w, &g);
    CHECK(s == WK_STATUS_OK, "gemm_run: %s", wk_last_error());
  }
  wk_gemm_weights_free(w);
  return out;
}

/* ── the int8 output (out_q) ───────────────────────────────────────────── */

#define Q_SENTINEL 0x5a /* int8 output padding: must survive every run */

typedef struct q_output {
  int8_t *q;        /* [m][q_stride] */
  ptrdiff_t q_stride;
  float *scale;     /* [m] */
  float *out;       /* [m][out_stride] (new_output) or NULL: no fp32 output asked */
} q_output;

static inline void free_q_output(q_output *o) {
  free(o->q);
  free(o->scale);
  free(o->out);
}

static inline void new_q_output(const problem *p, ptrdiff_t q_stride, q_output *o) {
  o->q_stride = q_stride;
  o->q = malloc((size_t)p->m * q_stride);
  memset(o->q, Q_SENTINEL, (size_t)p->m * q_stride);
  o->scale = malloc(sizeof(float) * p->m);
  for (int i = 0; i < p->m; i++) o->scale[i] = -1.0f;
}

/* The spec of the int8 output: the fp32 output `y` of p, then wk_quantize_rows (on ctx). */
static inline void q_spec(wk_context *ctx, const problem *p, const float *y, ptrdiff_t q_stride,
                          q_output *o) {
  new_q_output(p, q_stride, o);
  o->out = NULL;
  wk_status s = wk_quantize_rows(ctx, y, p->out_stride, p->m, p->n, o->q, q_stride, o->scale);
  CHECK(s == WK_STATUS_OK, "quantize_rows: %s", wk_last_error());
}

/* Runs p through the operator with the int8 output (and the fp32 one too when with_out). */
static inline void run_q(wk_context *ctx, const problem *p, ptrdiff_t q_stride, int with_out,
                         q_output *o) {
  new_q_output(p, q_stride, o);
  o->out = with_out ? new_output(p) : NULL;
  wk_gemm_weights *w = NULL;
  wk_status s = wk_gemm_weights_create(ctx, p->w, p->w_stride, p->w_scale, p->bias, p->n, p->k, &w);
  CHECK(s == WK_STATUS_OK, "weights_create: %s", wk_last_error());
  wk_gemm_args g = {
      .m = p->m, .a = p->a, .a_stride = p->a_stride, .a_scale = p->a_scale, .gelu = p->gelu,
      .residual = p->in_place && with_out ? o->out : p->residual,
      .residual_stride = p->out_stride, .out = o->out, .out_stride = p->out_stride,
      .out_q = o->q, .out_q_stride = q_stride, .out_q_scale = o->scale,
  };
  if (s == WK_STATUS_OK) {
    s = wk_gemm_run(ctx, w, &g);
    CHECK(s == WK_STATUS_OK, "gemm_run (out_q): %s", wk_last_error());
  }
  wk_gemm_weights_free(w);
}

/* got's int8 output (q, scale, padding) equals want's byte for byte. */
static inline int same_q(const problem *p, const q_output *want, const q_output *got,
                         const char *what) {
  for (int i = 0; i < p->m; i++) {
    if (memcmp(&want->scale[i], &got->scale[i], sizeof(float)) != 0) {
      CHECK(0, "%s m=%d n=%d k=%d: out_q_scale[%d] = %.9g, spec %.9g", what, p->m, p->n, p->k,
            i, (double)got->scale[i], (double)want->scale[i]);
      return 0;
    }
    const int8_t *a = want->q + i * want->q_stride, *b = got->q + i * got->q_stride;
    for (ptrdiff_t j = 0; j < got->q_stride; j++) {
      const int8_t expect = j < p->n ? a[j] : (int8_t)Q_SENTINEL;
      if (b[j] != expect) {
        CHECK(0, "%s m=%d n=%d k=%d: out_q[%d][%td] = %d, expected %d%s", what, p->m, p->n,
              p->k, i, j, b[j], expect, j < p->n ? "" : " (padding)");
        return 0;
      }
    }
  }
  return 1;
}

/* An independent evaluation of the contract: int64 sum, then the spec epilogue. */
static inline int check_reference(const problem *p, const float *out, const char *what) {
  for (int i = 0; i < p->m; i++)
    for (int j = 0; j < p->n; j++) {
      int64_t acc = 0;
      for (int kk = 0; kk < p->k; kk++)
        acc += (int64_t)p->a[i * p->a_stride + kk] * p->w[j * p->w_stride + kk];
      if (acc > (1 << 30) || acc < -(1 << 30)) {
        CHECK(0, "%s: |Acc| = %lld exceeds the 2^30 bound", what, (long long)acc);
        return 0;
      }
      float y = (float)(int32_t)acc * (p->a_scale[i] * p->w_scale[j]);
      if (p->bias) y = y + p->bias[j];
      if (p->gelu) y = wk_gelu(y);
      if (p->residual) y = y + p->residual[i * p->out_stride + j];
      float got = out[i * p->out_stride + j];
      if (memcmp(&got, &y, sizeof y) != 0) {
        CHECK(0, "%s: out[%d][%d] = %.9g, reference %.9g (acc %lld)", what, i, j, (double)got,
              (double)y, (long long)acc);
        return 0;
      }
    }
  return 1;
}

static inline int check_sentinel(const problem *p, const float *out, const char *what) {
  for (int i = 0; i < p->m; i++)
    for (ptrdiff_t j = p->n; j < p->out_stride; j++) {
      uint32_t b;
      memcpy(&b, &out[i * p->out_stride + j], sizeof b);
      if (b != SENTINEL) {
        CHECK(0, "%s: padding out[%d][%td] was written", what, i, j);
        return 0;
      }
    }
  return 1;
}

static inline int same_bytes(const problem *p, const float *want, const float *got,
                             const char *what) {
  const size_t len = (size_t)p->m * p->out_stride;
  if (memcmp(want, got, sizeof(float) * len) == 0) return 1;
  for (size_t i = 0; i < len; i++)
    if (memcmp(&want[i], &got[i], sizeof(float)) != 0) {
      CHECK(0, "%s m=%d n=%d k=%d: out[%zu][%zu] = %.9g, spec %.9g", what, p->m, p->n, p->k,
            i / p->out_stride, i % p->out_stride, (double)got[i], (double)want[i]);
      break;
    }
  return 0;
}

/* ── the shape sweeps ───────────────────────────────────────────────────── */

/* Runs the kernel(s) under test on p and compares them with the spec; `reference`: also check
 * the spec output against check_reference. */
typedef void (*gemm_compare_fn)(const problem *p, const char *what, int reference);

/* M, N, K ∈ {1, 2, 3, 15, 16, 17, 63, 64, 65, 127}: a deterministic sample of the 1000
 * combinations plus the diagonal, with random epilogues, strides and value modes; then each of
 * M, N, K = 1500 with the other two from {1, 17, 65, 127}. */
static inline void gemm_check_shapes(wk_test_rng *rng, gemm_compare_fn compare) {
  static const int dims[] = {1, 2, 3, 15, 16, 17, 63, 64, 65, 127};
  const int nd = (int)(sizeof dims / sizeof dims[0]);
  int cases = 0;
  for (int mi = 0; mi < nd; mi++)
    for (int ni = 0; ni < nd; ni++)
      for (int ki = 0; ki < nd; ki++) {
        if (!(mi == ni && ni == ki) && wk_test_next(rng) % 6 != 0) continue; /* sample */
        problem p;
        int flags = (int)(wk_test_next(rng) & 127);
        int mode = wk_test_int(rng, 0, 3);
        make_problem(&p, rng, dims[mi], dims[ni], dims[ki], mode == 2 ? 0 : mode, flags, 4.0f);
        char what[96];
        snprintf(what, sizeof what, "shape %dx%dx%d flags %d mode %d", dims[mi], dims[ni],
                 dims[ki], flags, mode);
        compare(&p, what, 1);
        free_problem(&p);
        cases++;
      }
  /* one dimension 1500 (Whisper's token count), the other two from a short list */
  static const int small[] = {1, 17, 65, 127};
  for (int axis = 0; axis < 3; axis++)
    for (int a = 0; a < 4; a++)
      for (int b = 0; b < 4; b++) {
        int dim[3];
        dim[axis] = 1500;
        dim[(axis + 1) % 3] = small[a], dim[(axis + 2) % 3] = small[b];
        problem p;
        int flags = (int)(wk_test_next(rng) & 127);
        make_problem(&p, rng, dim[0], dim[1], dim[2], 0, flags, 4.0f);
        char what[96];
        snprintf(what, sizeof what, "shape %dx%dx%d flags %d", dim[0], dim[1], dim[2], flags);
        compare(&p, what, 1);
        free_problem(&p);
        cases++;
      }
  printf("shapes: %d (M, N, K) cases compared\n", cases);
}

/* K up to 8192, and K = 65536 where |Acc| reaches the 2^30 bound, with all −128/127 values. */
static inline void gemm_check_k_large(wk_test_rng *rng, gemm_compare_fn compare) {
  static const struct { int m, n, k, mode; } cases[] = {
      {7, 70, 4099, 1}, {13, 65, 8192, 1}, {6, 64, 8192, 2}, {2, 17, 65536, 2}, {3, 33, 65533, 1},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    problem p;
    make_problem(&p, rng, cases[c].m, cases[c].n, cases[c].k, cases[c].mode, 1 | 2 | 4 | 8, 8.0f);
    char what[64];
    snprintf(what, sizeof what, "k_large %dx%dx%d mode %d", p.m, p.n, p.k, cases[c].mode);
    compare(&p, what, 1);
    free_problem(&p);
  }
  printf("k_large: %zu cases compared (K up to 65536, |Acc| up to 2^30)\n",
         sizeof cases / sizeof cases[0]);
}

#endif
