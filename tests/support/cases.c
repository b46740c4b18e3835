/* cases.c — attention accuracy cases, the FP64 reference and the metrics.
 *
 * Inputs are built in real units, then quantized the way a model would: symmetric int8 with
 * scale = max|x|/127 per token (or per tensor).  The reference runs in double on the
 * *dequantized* int8 values, so it measures the kernel, not the quantization of the inputs. */
#include "cases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

/* ── deterministic random numbers (splitmix64: wk_rng) ── */
/* Uniform in (0, 1): the midpoint of a 2^-53 cell, so log() below never sees 0. */
static double runif(wk_rng *r) {
  return ((wk_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double rgauss(wk_rng *r) {
  return sqrt(-2.0 * log(runif(r))) * cos(6.283185307179586 * runif(r));
}

/* ── quantization of real tensors [heads][len][d] ── */
static int8_t q8(double x, double s) {
  double v = nearbyint(x / s);
  return (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/* Per token when tok != NULL (tok[h*len+i]), else per tensor (*scale). */
static void quantize(const double *x, int heads, int len, int d, int8_t *q, float *tok,
                     float *scale) {
  double gmax = 0;
  for (size_t i = 0; i < (size_t)heads * len * d; i++) gmax = fmax(gmax, fabs(x[i]));
  if (!tok) {
    float s = (float)(gmax > 0 ? gmax / 127 : 1.0);
    for (size_t i = 0; i < (size_t)heads * len * d; i++) q[i] = q8(x[i], s);
    *scale = s;
    return;
  }
  for (size_t t = 0; t < (size_t)heads * len; t++) {
    double m = 0;
    for (int c = 0; c < d; c++) m = fmax(m, fabs(x[t * d + c]));
    float s = (float)(m > 0 ? m / 127 : 1.0);
    tok[t] = s;
    for (int c = 0; c < d; c++) q[t * d + c] = q8(x[t * d + c], s);
  }
  *scale = 1.0f;
}

/* ── the reference ── */
void wk_attn_reference(wk_attn_case *c) {
  const int d = c->d;
  double sm = c->softmax_scale != 0 ? (double)c->softmax_scale : 1.0 / sqrt((double)d);
  double *z = malloc(sizeof(double) * c->lk);
  double *kd = malloc(sizeof(double) * (size_t)c->lk * d);
  int kv = c->kv_len ? c->kv_len : c->lk;
  for (int h = 0; h < c->heads; h++) {
    for (int j = 0; j < c->lk; j++) {
      double ks = c->k_tok ? c->k_tok[(size_t)h * c->lk + j] : c->k_scale;
      for (int e = 0; e < d; e++) kd[(size_t)j * d + e] = ks * c->k[((size_t)h * c->lk + j) * d + e];
    }
    for (int i = 0; i < c->lq; i++) {
      double *o = c->ref + ((size_t)h * c->lq + i) * d;
      long n = c->causal ? (long)i + c->lk - c->lq + 1 : c->lk;
      if (n > kv) n = kv;
      for (int e = 0; e < d; e++) o[e] = 0;
      if (n <= 0) continue;
      double qs = c->q_tok ? c->q_tok[(size_t)h * c->lq + i] : c->q_scale;
      const int8_t *q = c->q + ((size_t)h * c->lq + i) * d;
      double zmax = -INFINITY;
      for (long j = 0; j < n; j++) {
        double s = 0;
        for (int e = 0; e < d; e++) s += (double)q[e] * kd[(size_t)j * d + e];
        z[j] = s * qs * sm;
        zmax = fmax(zmax, z[j]);
      }
      double sum = 0;
      for (long j = 0; j < n; j++) sum += (z[j] = exp(z[j] - zmax));
      for (long j = 0; j < n; j++) {
        const int8_t *v = c->v + ((size_t)h * c->lk + j) * d;
        double p = z[j] / sum * c->v_scale;
        for (int e = 0; e < d; e++) o[e] += p * v[e];
      }
    }
  }
  free(z);
  free(kd);
}

static void set_out_scale(wk_attn_case *c) {
  double m = 0;
  for (size_t i = 0; i < (size_t)c->heads * c->lq * c->d; i++) m = fmax(m, fabs(c->ref[i]));
  c->out_scale = (float)(m > 0 ? m / 127 : 1.0);
}

/* ── case construction ── */
typedef enum kind {
  GAUSS,      /* Q, K ~ N(0, sqrt(std)) so logits have std `std` */
  PEAKED,     /* K = Q + noise: every query has one dominant key */
  TAIL,       /* 4 hot keys +8 above 1496 small ones: the tail holds real mass */
  CONSTANT,   /* all keys equal: uniform rows, output = mean(V) */
  SATURATED,  /* every value −128 or 127 */
  SATURATED_UNIFORM, /* every value −128: all scores tie */
  OUTLIER_K,  /* one channel of K ×20 with a per-tensor K scale */
  SEED,       /* the seed effort's test: uniform integers in [−64, 64), scales 1 */
} kind;

typedef struct spec {
  const char *name;
  kind kind;
  double std;
  int heads, lq, lk, d;
  int per_token; /* Q, K scales per token */
  int causal, kv_len;
} spec;

#define SHAPE(a, b) {"shape-" #a "x" #b, GAUSS, 2.0, 1, a, b, 64, 1, 0, 0}
static const spec specs[] = {
    {"seed-tile", SEED, 0, 1, 64, 64, 64, 0, 0, 0},
    {"gauss-std0.5", GAUSS, 0.5, 2, 128, 1500, 64, 1, 0, 0},
    {"gauss-std2", GAUSS, 2.0, 2, 128, 1500, 64, 1, 0, 0},
    {"gauss-std8", GAUSS, 8.0, 2, 128, 1500, 64, 1, 0, 0},
    {"gauss-std32", GAUSS, 32.0, 2, 128, 1500, 64, 1, 0, 0},
    {"gauss-std2-per-tensor", GAUSS, 2.0, 2, 128, 1500, 64, 0, 0, 0},
    {"peaked", PEAKED, 2.0, 2, 256, 256, 64, 1, 0, 0},
    {"near-uniform", GAUSS, 0.01, 2, 128, 1500, 64, 1, 0, 0},
    {"tail-heavy", TAIL, 0.5, 2, 64, 1500, 64, 1, 0, 0},
    {"constant-rows", CONSTANT, 0, 1, 64, 1500, 64, 1, 0, 0},
    {"saturated", SATURATED, 0, 2, 64, 1500, 64, 0, 0, 0},
    {"saturated-uniform", SATURATED_UNIFORM, 0, 1, 64, 1500, 64, 0, 0, 0},
    {"outlier-channel-k", OUTLIER_K, 2.0, 2, 128, 1500, 64, 0, 0, 0},
    {"causal", GAUSS, 2.0, 2, 300, 300, 64, 1, 1, 0},
    {"kv-len-1000", GAUSS, 2.0, 2, 64, 1500, 64, 1, 0, 1000},
    {"head-dim-32", GAUSS, 2.0, 2, 128, 1500, 32, 1, 0, 0},
    {"head-dim-128", GAUSS, 2.0, 2, 128, 1500, 128, 1, 0, 0},
    {"heads-20", GAUSS, 2.0, 20, 64, 256, 64, 1, 0, 0},
    SHAPE(1, 1), SHAPE(1, 7), SHAPE(1, 63), SHAPE(1, 64), SHAPE(1, 65), SHAPE(1, 1500),
    SHAPE(7, 1), SHAPE(7, 7), SHAPE(7, 63), SHAPE(7, 64), SHAPE(7, 65), SHAPE(7, 1500),
    SHAPE(63, 1), SHAPE(63, 7), SHAPE(63, 63), SHAPE(63, 64), SHAPE(63, 65), SHAPE(63, 1500),
    SHAPE(64, 1), SHAPE(64, 7), SHAPE(64, 63), SHAPE(64, 64), SHAPE(64, 65), SHAPE(64, 1500),
    SHAPE(65, 1), SHAPE(65, 7), SHAPE(65, 63), SHAPE(65, 64), SHAPE(65, 65), SHAPE(65, 1500),
    SHAPE(1500, 1), SHAPE(1500, 7), SHAPE(1500, 63), SHAPE(1500, 64), SHAPE(1500, 65),
    SHAPE(1500, 1500),
};

int wk_attn_case_count(void) { return (int)(sizeof specs / sizeof specs[0]); }

static wk_status alloc_case(wk_attn_case *c, int per_token) {
  size_t nq = (size_t)c->heads * c->lq * c->d, nk = (size_t)c->heads * c->lk * c->d;
  c->q = malloc(nq);
  c->k = malloc(nk);
  c->v = malloc(nk);
  c->ref = malloc(sizeof(double) * nq);
  if (per_token) {
    c->q_tok = malloc(sizeof(float) * (size_t)c->heads * c->lq);
    c->k_tok = malloc(sizeof(float) * (size_t)c->heads * c->lk);
  }
  if (!c->q || !c->k || !c->v || !c->ref || (per_token && (!c->q_tok || !c->k_tok))) {
    wk_attn_case_free(c);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "case %s: out of memory", c->name);
  }
  return WK_STATUS_OK;
}

static wk_status build(const spec *s, uint64_t seed, wk_attn_case *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", s->name);
  c->heads = s->heads, c->lq = s->lq, c->lk = s->lk, c->d = s->d;
  c->causal = s->causal, c->kv_len = s->kv_len;
  wk_status st = alloc_case(c, s->per_token);
  if (st) return st;
  const int d = c->d;
  size_t nq = (size_t)c->heads * c->lq * d, nk = (size_t)c->heads * c->lk * d;
  wk_rng r = {seed};

  if (s->kind == SEED || s->kind == SATURATED || s->kind == SATURATED_UNIFORM) {
    for (size_t i = 0; i < nq; i++)
      c->q[i] = s->kind == SEED ? (int8_t)((int)(wk_rng_next(&r) % 128) - 64)
                : s->kind == SATURATED ? (wk_rng_next(&r) & 1 ? 127 : -128) : -128;
    for (size_t i = 0; i < nk; i++) {
      c->k[i] = s->kind == SEED ? (int8_t)((int)(wk_rng_next(&r) % 128) - 64)
                : s->kind == SATURATED ? (wk_rng_next(&r) & 1 ? 127 : -128) : -128;
      c->v[i] = s->kind == SEED ? (int8_t)((int)(wk_rng_next(&r) % 128) - 64)
                                : (wk_rng_next(&r) & 1 ? 127 : -128);
    }
    /* seed: scales 1 and logits Q·Kᵀ/8 (the default 1/sqrt(64)); saturated: logits of std ≈ 4 */
    c->q_scale = c->k_scale = s->kind == SEED ? 1.0f : 0.0022f;
    c->v_scale = s->kind == SEED ? 1.0f : 0.01f;
  } else {
    double *x = malloc(sizeof(double) * (nq > nk ? nq : nk));
    if (!x) {
      wk_attn_case_free(c);
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "case %s: out of memory", c->name);
    }
    double sd = sqrt(s->std);
    /* Q */
    for (size_t i = 0; i < nq; i++) x[i] = sd * rgauss(&r);
    if (s->kind == TAIL) /* every query leans on direction e0 */
      for (size_t t = 0; t < (size_t)c->heads * c->lq; t++) x[t * d] = 4.0;
    quantize(x, c->heads, c->lq, d, c->q, c->q_tok, &c->q_scale);
    /* K */
    for (size_t i = 0; i < nk; i++) x[i] = sd * rgauss(&r);
    if (s->kind == PEAKED) /* key j = query j (+ noise) for j < lq */
      for (int h = 0; h < c->heads; h++)
        for (int j = 0; j < c->lk && j < c->lq; j++)
          for (int e = 0; e < d; e++)
            x[((size_t)h * c->lk + j) * d + e] =
                c->q_tok[(size_t)h * c->lq + j] * c->q[((size_t)h * c->lq + j) * d + e] +
                0.3 * sd * rgauss(&r);
    if (s->kind == TAIL) /* 4 hot keys along e0 with logit ≈ +8 (base e) */
      for (int h = 0; h < c->heads; h++)
        for (int j = 0; j < c->lk; j++) {
          double *kr = x + ((size_t)h * c->lk + j) * d;
          kr[0] = (j % 375 == 17) ? 8.0 * sqrt((double)d) / 4.0 : 0.0;
        }
    if (s->kind == CONSTANT)
      for (int h = 0; h < c->heads; h++)
        for (int j = 1; j < c->lk; j++)
          memcpy(x + ((size_t)h * c->lk + j) * d, x + (size_t)h * c->lk * d, sizeof(double) * d);
    if (s->kind == OUTLIER_K)
      for (size_t t = 0; t < (size_t)c->heads * c->lk; t++) x[t * d + 5] *= 20.0;
    quantize(x, c->heads, c->lk, d, c->k, c->k_tok, &c->k_scale);
    /* V: per tensor */
    for (size_t i = 0; i < nk; i++) x[i] = rgauss(&r);
    quantize(x, c->heads, c->lk, d, c->v, NULL, &c->v_scale);
    free(x);
  }
  wk_attn_reference(c);
  if (s->kind == SEED)
    c->out_scale = 1.0f;
  else
    set_out_scale(c);
  return WK_STATUS_OK;
}

wk_status wk_attn_case_make(int i, wk_attn_case *c) {
  if (i < 0 || i >= wk_attn_case_count())
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "no accuracy case %d", i);
  return build(&specs[i], 1000 + (uint64_t)i, c);
}

void wk_attn_case_free(wk_attn_case *c) {
  if (!c) return;
  free(c->q);
  free(c->k);
  free(c->v);
  free(c->q_tok);
  free(c->k_tok);
  free(c->ref);
  c->q = c->k = c->v = NULL;
  c->q_tok = c->k_tok = NULL;
  c->ref = NULL;
}

wk_attention_params wk_attn_case_params(const wk_attn_case *c, wk_dtype out_type, void *out) {
  const int d = c->d;
  wk_attention_params p = {
      .heads = c->heads, .lq = c->lq, .lk = c->lk, .head_dim = d,
      .q = {c->q, d, (ptrdiff_t)c->lq * d, c->q_scale, c->q_tok, c->lq},
      .k = {c->k, d, (ptrdiff_t)c->lk * d, c->k_scale, c->k_tok, c->lk},
      .v = {c->v, d, (ptrdiff_t)c->lk * d, c->v_scale, NULL, 0},
      .softmax_scale = c->softmax_scale,
      .causal = c->causal, .kv_len = c->kv_len,
      .out_type = out_type, .out = out,
      .out_row_stride = d, .out_head_stride = (ptrdiff_t)c->lq * d,
      .out_scale = c->out_scale,
  };
  return p;
}

wk_status wk_attn_case_evaluate(wk_context *ctx, const wk_attn_case *c, wk_attn_metrics *m) {
  size_t n = (size_t)c->heads * c->lq * c->d;
  int8_t *o8 = malloc(n);
  float *of = malloc(n * sizeof(float));
  wk_status s = WK_STATUS_OUT_OF_MEMORY;
  if (o8 && of) {
    wk_attention_params p8 = wk_attn_case_params(c, WK_DTYPE_INT8, o8);
    wk_attention_params pf = wk_attn_case_params(c, WK_DTYPE_F32, of);
    if ((s = wk_attention(ctx, &p8)) == WK_STATUS_OK && (s = wk_attention(ctx, &pf)) == WK_STATUS_OK)
      wk_attn_metrics_compute(c, o8, of, m);
  } else {
    wk_error(s, "case %s: out of memory", c->name);
  }
  free(o8);
  free(of);
  return s;
}

void wk_attn_metrics_compute(const wk_attn_case *c, const int8_t *out, const float *out_f32,
                             wk_attn_metrics *m) {
  memset(m, 0, sizeof *m);
  size_t n = (size_t)c->heads * c->lq * c->d;
  double se = 0, ae = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, refmax = 0;
  int exact = 0, w1 = 0, w5 = 0;
  m->out_min = 127, m->out_max = -128;
  for (size_t i = 0; i < n; i++) refmax = fmax(refmax, fabs(c->ref[i]));
  for (size_t i = 0; i < n; i++) {
    double y = c->ref[i] / c->out_scale; /* reference in output LSB */
    double yr = nearbyint(y);
    yr = yr > 127 ? 127 : yr < -128 ? -128 : yr;
    int o = out[i];
    int e = abs(o - (int)yr);
    if (e > m->max_err_lsb) m->max_err_lsb = e;
    exact += e == 0, w1 += e <= 1, w5 += e <= 5;
    ae += e, se += (double)e * e;
    sx += o, sy += y, sxx += (double)o * o, syy += y * y, sxy += o * y;
    if (o < m->out_min) m->out_min = o;
    if (o > m->out_max) m->out_max = o;
    if (out_f32) {
      if (isnan(out_f32[i])) m->nan++;
      double rel = refmax > 0 ? fabs(out_f32[i] - c->ref[i]) / refmax : fabs(out_f32[i]);
      if (!(rel <= m->f32_max_rel_err)) m->f32_max_rel_err = rel; /* NaN propagates */
    }
  }
  m->count = (int)n;
  m->exact_pct = 100.0 * exact / n;
  m->within1_pct = 100.0 * w1 / n;
  m->within5_pct = 100.0 * w5 / n;
  m->mae_lsb = ae / n;
  m->rmse_lsb = sqrt(se / n);
  double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
  m->corr = vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : (vx == vy ? 1.0 : 0.0);
  m->cosine = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : (sxx == syy ? 1.0 : 0.0);
}
