/* test_encoder.c ISA — the INT8 encoder (model/encoder-int8.h) on small synthetic weights
 * (d 64, 4 heads, ffn 256, 2 layers, 80 mels, built in memory with wk_rng):
 *   exact:      the output on ISA with 1, 2 and 3 threads equals the scalar, 1-thread output
 *               byte for byte (n_ctx 32, 33, 300);
 *   concurrent: two threads running one encoder at once (each its own context and workspace,
 *               and through the public wk_encoder_run with per-context workspaces) equal a
 *               single run;
 *   accuracy:   INT8 vs an FP64 reference of the whole encoder (tests/support stem_ref +
 *               layer_ref per layer + ln_post in double): cosine ≥ 0.999 and the relative
 *               error of the layers' total update ≤ 5 % (n_ctx 300; 1500 in
 *               the scalar invocation, run on the best ISA: the bytes are the same);
 *   errors:     a workspace one byte short, inconsistent dimensions, NaN in the mel, wrong mel
 *               or output sizes, an unknown precision; the public FP32 encoder agrees with
 *               the INT8 one (cosine ≥ 0.999); the profile's stages sum to its total. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "layer_ref.h"
#include "model/encoder-int8.h"
#include "runtime/runtime.h"
#include "stem_ref.h"
#include "test_util.h"

#define D 64
#define HEADS 4
#define FFN 256
#define LAYERS 2
#define MELS 80

typedef struct synth {
  wk_encoder_f32 w;
  wk_layer_f32 layers[LAYERS];
  float *buf; /* every weight */
  float *mel; /* [MELS][2·n_ctx] */
} synth;

static float gauss(wk_rng *r, float std) { /* Irwin–Hall: 4 uniforms, variance 1 */
  double s = 0;
  for (int i = 0; i < 4; i++) s += wk_rng_uniform(r);
  return (float)((s - 2.0) * 1.7320508075688772 * std);
}

static void make_synth(int n_ctx, uint64_t seed, synth *s) {
  const size_t dd = (size_t)D * D, df = (size_t)D * FFN;
  const size_t per_layer = 4 * dd + 2 * df + 10 * D + FFN;
  const size_t total = (size_t)D * MELS * 3 + (size_t)D * D * 3 + 2 * D + (size_t)n_ctx * D +
                       2 * D + LAYERS * per_layer;
  wk_rng r = {seed};
  s->buf = malloc(total * sizeof(float));
  s->mel = malloc(sizeof(float) * MELS * 2 * n_ctx);
  float *p = s->buf;
  /* weights N(0, 0.02²); LN gains 1 ± 0.1; biases N(0, 0.02²) */
  float *q = s->buf;
  for (size_t i = 0; i < total; i++) q[i] = gauss(&r, 0.02f);
  wk_encoder_f32 *w = &s->w;
  w->n_mels = MELS, w->n_ctx = n_ctx, w->d = D, w->heads = HEADS, w->n_layer = LAYERS;
  w->stem = (wk_stem_f32){.n_mels = MELS, .d = D, .n_ctx = n_ctx};
  w->stem.conv1_w = p, p += (size_t)D * MELS * 3;
  w->stem.conv1_b = p, p += D;
  w->stem.conv2_w = p, p += (size_t)D * D * 3;
  w->stem.conv2_b = p, p += D;
  float *pos = p;
  p += (size_t)n_ctx * D;
  for (int t = 0; t < n_ctx; t++) /* Whisper's sinusoids: [sin ‖ cos], timescales 1 … 10000 */
    for (int c = 0; c < D / 2; c++) {
      const double inc = log(10000.0) / (D / 2 - 1), a = t * exp(-inc * c);
      pos[(size_t)t * D + c] = (float)sin(a), pos[(size_t)t * D + D / 2 + c] = (float)cos(a);
    }
  w->stem.pos = pos;
  w->layers = s->layers;
  for (int l = 0; l < LAYERS; l++) {
    wk_layer_f32 *L = &s->layers[l];
    L->d = D, L->heads = HEADS, L->ffn = FFN;
    float *g1 = p;
    L->ln1_g = p, p += D;
    L->ln1_b = p, p += D;
    L->wq = p, p += dd;
    L->bq = p, p += D;
    L->wk = p, p += dd;
    L->wv = p, p += dd;
    L->bv = p, p += D;
    L->wo = p, p += dd;
    L->bo = p, p += D;
    float *g2 = p;
    L->ln2_g = p, p += D;
    L->ln2_b = p, p += D;
    L->w1 = p, p += df;
    L->b1 = p, p += FFN;
    L->w2 = p, p += df;
    L->b2 = p, p += D;
    for (int c = 0; c < D; c++) g1[c] = 1.0f + 5.0f * g1[c], g2[c] = 1.0f + 5.0f * g2[c];
    /* matrices N(0, 0.06²): at d = 64 the layers' updates then weigh against the residual
     * stream as Whisper's do at d = 512 with 0.02 (the same fan-in-scaled variance) */
    float *mats[] = {(float *)L->wq, (float *)L->wk, (float *)L->wv, (float *)L->wo};
    for (int m = 0; m < 4; m++)
      for (size_t i = 0; i < dd; i++) mats[m][i] *= 3.0f;
    for (size_t i = 0; i < df; i++) ((float *)L->w1)[i] *= 3.0f, ((float *)L->w2)[i] *= 3.0f;
  }
  float *gp = p;
  w->ln_post_g = p, p += D;
  w->ln_post_b = p, p += D;
  for (int c = 0; c < D; c++) gp[c] = 1.0f + 5.0f * gp[c];
  /* a log-mel-like input: a smooth envelope per channel drifting over time, plus noise */
  for (int c = 0; c < MELS; c++)
    for (int f = 0; f < 2 * n_ctx; f++)
      s->mel[(size_t)c * 2 * n_ctx + f] =
          (float)(0.5 * sin(0.07 * c + 0.013 * f) + 0.3 * cos(0.031 * f * (1 + c % 3))) +
          gauss(&r, 0.2f);
}

static void free_synth(synth *s) { free(s->buf), free(s->mel); }

/* The FP64 reference of the whole encoder: stem, each layer, ln_post (double). */
static int encoder_ref(wk_context *ctx, const synth *s, int n_layers,
                       float *out /* [n_ctx][D] */) {
  const int n = s->w.n_ctx;
  float *x = malloc(sizeof(float) * n * D);
  int ok = wk_stem_forward_ref(ctx, &s->w.stem, s->mel, 2 * n, x) == WK_STATUS_OK;
  for (int l = 0; ok && l < n_layers; l++)
    ok = wk_layer_forward_ref(ctx, &s->layers[l], x, n, NULL, 0, out) == WK_STATUS_OK &&
         memcpy(x, out, sizeof(float) * n * D);
  for (int t = 0; ok && t < n; t++) {
    double m = 0, v = 0;
    for (int c = 0; c < D; c++) m += x[t * D + c];
    m /= D;
    for (int c = 0; c < D; c++) v += (x[t * D + c] - m) * (x[t * D + c] - m);
    const double rs = 1.0 / sqrt(v / D + 1e-5);
    for (int c = 0; c < D; c++)
      out[t * D + c] = (float)((x[t * D + c] - m) * rs * s->w.ln_post_g[c] + s->w.ln_post_b[c]);
  }
  free(x);
  return ok;
}

/* ‖a − b‖ / ‖b − base‖: the error relative to what the layers changed (base: the encoder
 * output with the layers skipped). */
static double rel_update_err(const float *a, const float *b, const float *base, size_t n) {
  double e = 0, u = 0;
  for (size_t i = 0; i < n; i++)
    e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]),
        u += ((double)b[i] - base[i]) * ((double)b[i] - base[i]);
  return sqrt(e / u);
}

static double cosine(const float *a, const float *b, size_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
  return ab / sqrt(aa * bb);
}

/* One INT8 run on a fresh encoder built for ctx; returns the output (malloc'd) or NULL. */
static float *run_once(wk_context *ctx, const synth *s, wk_encoder_profile *prof) {
  wk_encoder_int8 *e = NULL;
  const size_t n = (size_t)s->w.n_ctx * D;
  float *out = malloc(n * sizeof(float));
  if (wk_encoder_int8_create(ctx, &s->w, NULL, &e) != WK_STATUS_OK ||
      wk_encoder_int8_run(ctx, e, s->mel, out, NULL, 0, prof) != WK_STATUS_OK) {
    CHECK(0, "encoder (%s): %s", wk_isa_name(wk_context_isa(ctx)), wk_last_error());
    free(out);
    out = NULL;
  }
  wk_encoder_int8_free(e);
  return out;
}

typedef struct worker {
  const wk_encoder_int8 *e;
  const wk_encoder *pub;
  const synth *s;
  wk_isa isa;
  float *out;
  int ok;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  wk_context *c = wk_test_context(w->isa, 1);
  const size_t n = (size_t)w->s->w.n_ctx * D;
  w->ok = 1;
  for (int rep = 0; rep < 2; rep++) { /* twice: the second run reuses the workspace */
    if (w->pub) {
      w->ok &= wk_encoder_run(c, w->pub, w->s->mel, (size_t)MELS * 2 * w->s->w.n_ctx, w->out,
                              n) == WK_STATUS_OK;
    } else {
      const size_t need = wk_encoder_int8_workspace_size(c, w->e);
      void *ws = malloc(need);
      w->ok &= wk_encoder_int8_run(c, w->e, w->s->mel, w->out, ws, need, NULL) == WK_STATUS_OK;
      free(ws);
    }
  }
  wk_context_free(c);
  return NULL;
}

static void check_concurrent(wk_isa isa, const synth *s, const float *want) {
  const size_t n = (size_t)s->w.n_ctx * D;
  wk_context *c = wk_test_context(isa, 1);
  wk_encoder_int8 *e = NULL;
  wk_encoder *pub = NULL;
  CHECK(wk_encoder_int8_create(c, &s->w, NULL, &e) == WK_STATUS_OK, "%s", wk_last_error());
  CHECK(wk_encoder_create_from_weights(c, &s->w, WK_PRECISION_INT8, &pub) == WK_STATUS_OK, "%s",
        wk_last_error());
  /* the public encoder carries SmoothQuant factors (other bytes than `want`): its reference is
   * one run of it alone */
  float *want_pub = malloc(n * sizeof(float));
  CHECK(want_pub && pub &&
            wk_encoder_run(c, pub, s->mel, (size_t)MELS * 2 * s->w.n_ctx, want_pub, n) ==
                WK_STATUS_OK,
        "%s", wk_last_error());
  for (int api = 0; api < 2 && e && pub && want_pub; api++) {
    worker w[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
      w[i] = (worker){.e = e, .pub = api ? pub : NULL, .s = s, .isa = isa,
                      .out = malloc(n * sizeof(float))};
      pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 2; i++) {
      pthread_join(t[i], NULL);
      CHECK(w[i].ok, "concurrent run %d (api %d) failed", i, api);
      CHECK(memcmp(w[i].out, api ? want_pub : want, n * sizeof(float)) == 0,
            "concurrent run %d (%s) differs from a single run", i, api ? "wk_encoder_run" : "int8");
      free(w[i].out);
    }
  }
  free(want_pub);
  wk_encoder_int8_free(e);
  wk_encoder_free(pub);
  wk_context_free(c);
}

static void check_errors(wk_context *c, synth *s) {
  const size_t n = (size_t)s->w.n_ctx * D;
  float *out = malloc(n * sizeof(float));
  wk_encoder_int8 *e = NULL;
  CHECK(wk_encoder_int8_create(c, &s->w, NULL, &e) == WK_STATUS_OK, "%s", wk_last_error());
  const size_t need = wk_encoder_int8_workspace_size(c, e);
  unsigned char *ws = malloc(need);
  CHECK(wk_encoder_int8_run(c, e, s->mel, out, ws, need - 1, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "a short workspace was accepted");
  CHECK(strstr(wk_last_error(), "workspace") != NULL, "message: %s", wk_last_error());
  wk_encoder_profile p = {0};
  CHECK(wk_encoder_int8_run(c, e, s->mel, out, ws, need, &p) == WK_STATUS_OK, "%s",
        wk_last_error());
  const double sum = p.conv + p.attention + p.gemm + p.norm + p.quant + p.other;
  CHECK(fabs(sum - p.total) <= 1e-9 + 1e-6 * p.total && p.total > 0 && p.conv > 0 &&
            p.attention > 0 && p.gemm > 0,
        "profile: stages sum %g, total %g", sum, p.total);
  const float keep = s->mel[5];
  s->mel[5] = NAN;
  CHECK(wk_encoder_int8_run(c, e, s->mel, out, ws, need, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "NaN in mel accepted");
  s->mel[5] = keep;
  CHECK(wk_encoder_int8_run(c, e, NULL, out, ws, need, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "NULL mel accepted");
  wk_encoder_int8_free(e);
  /* inconsistent dimensions */
  wk_encoder_int8 *bad = NULL;
  s->layers[1].heads = 2;
  CHECK(wk_encoder_int8_create(c, &s->w, NULL, &bad) == WK_STATUS_INVALID_ARGUMENT &&
            strstr(wk_last_error(), "layer 1"),
        "a layer with other heads accepted: %s", wk_last_error());
  s->layers[1].heads = HEADS;
  s->w.stem.n_ctx++;
  CHECK(wk_encoder_int8_create(c, &s->w, NULL, &bad) == WK_STATUS_INVALID_ARGUMENT,
        "a stem of another n_ctx accepted");
  s->w.stem.n_ctx--;
  CHECK(bad == NULL, "a failed create returned an encoder");
  /* the public wrapper */
  wk_encoder *pub = NULL, *pub32 = NULL;
  CHECK(wk_encoder_create_from_weights(c, &s->w, (wk_precision)7, &pub) ==
            WK_STATUS_INVALID_ARGUMENT && !pub, "an unknown precision accepted");
  CHECK(wk_encoder_create_from_weights(c, &s->w, WK_PRECISION_INT8, &pub) == WK_STATUS_OK, "%s",
        wk_last_error());
  const size_t n_mel = (size_t)MELS * 2 * s->w.n_ctx;
  int nm = 0, nc = 0, nd = 0;
  CHECK(wk_encoder_dims(pub, &nm, &nc, &nd) == WK_STATUS_OK && nm == MELS &&
            nc == s->w.n_ctx && nd == D, "dims %d %d %d", nm, nc, nd);
  CHECK(wk_encoder_run(c, pub, s->mel, n_mel - 1, out, n) == WK_STATUS_INVALID_ARGUMENT,
        "a short mel accepted");
  CHECK(wk_encoder_run(c, pub, s->mel, n_mel, out, n - 1) == WK_STATUS_INVALID_ARGUMENT,
        "a short output accepted");
  CHECK(wk_encoder_run(c, pub, s->mel, n_mel, out, n) == WK_STATUS_OK, "%s", wk_last_error());
  /* the same weights through the FP32 path: close to the INT8 output */
  float *out32 = malloc(n * sizeof(float));
  CHECK(wk_encoder_create_from_weights(c, &s->w, WK_PRECISION_FP32, &pub32) == WK_STATUS_OK,
        "%s", wk_last_error());
  if (pub32 && out32) {
    CHECK(wk_encoder_run(c, pub32, s->mel, n_mel, out32, n) == WK_STATUS_OK, "%s",
          wk_last_error());
    const double cs = cosine(out, out32, n);
    CHECK(cs >= 0.999, "INT8 vs FP32 public encoder: cosine %.6f < 0.999", cs);
  }
  free(out32);
  wk_encoder_free(pub32);
  wk_encoder_free(pub);
  wk_encoder_free(NULL);
  free(ws), free(out);
}

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  wk_context *spec = wk_test_context(WK_ISA_SCALAR, 1);
  static const int ctxs[] = {32, 33, 300};
  for (int ci = 0; ci < 3; ci++) {
    synth s;
    make_synth(ctxs[ci], 100 + ci, &s);
    const size_t n = (size_t)ctxs[ci] * D;
    float *want = run_once(spec, &s, NULL);
    for (int t = 1; t <= 3 && want; t++) {
      wk_context *c = wk_test_context(isa, t);
      float *got = run_once(c, &s, NULL);
      CHECK(got && memcmp(got, want, n * sizeof(float)) == 0,
            "%s, %d threads, n_ctx %d: differs from scalar", wk_isa_name(isa), t, ctxs[ci]);
      free(got);
      wk_context_free(c);
    }
    if (want && ci == 0) check_concurrent(isa, &s, want);
    if (want && ci == 2) { /* vs the FP64 reference */
      float *ref = malloc(n * sizeof(float));
      wk_context *c = wk_test_context(isa, 2);
      float *base = malloc(n * sizeof(float));
      if (encoder_ref(c, &s, LAYERS, ref) && encoder_ref(c, &s, 0, base)) {
        const double cs = cosine(want, ref, n), re = rel_update_err(want, ref, base, n);
        printf("n_ctx %d: INT8 vs FP64 cosine %.7f (1 - cos %.2e), error / layers' update %.2e"
               "\n", ctxs[ci], cs, 1 - cs, re);
        CHECK(cs >= 0.999, "cosine %.6f < 0.999 (n_ctx %d)", cs, ctxs[ci]);
        CHECK(re <= 0.05, "error %.3f of the layers' update (n_ctx %d)", re, ctxs[ci]);
      } else {
        CHECK(0, "reference: %s", wk_last_error());
      }
      check_errors(c, &s);
      wk_context_free(c);
      free(ref), free(base);
    }
    free(want);
    free_synth(&s);
  }
  if (isa == WK_ISA_SCALAR) { /* Whisper's n_ctx 1500, once, on the best ISA (same bytes) */
    wk_context *c = wk_test_context(WK_ISA_AUTO, 2);
    synth s;
    make_synth(1500, 7, &s);
    const size_t n = (size_t)1500 * D;
    float *got = run_once(c, &s, NULL), *ref = malloc(n * sizeof(float));
    if (got && encoder_ref(c, &s, LAYERS, ref)) {
      const double cs = cosine(got, ref, n);
      printf("n_ctx 1500 (%s): INT8 vs FP64 cosine %.7f (1 - cos %.2e)\n",
             wk_isa_name(wk_context_isa(c)), cs, 1 - cs);
      CHECK(cs >= 0.999, "cosine %.6f < 0.999 (n_ctx 1500)", cs);
    }
    free(got), free(ref);
    free_synth(&s);
    wk_context_free(c);
  }
  wk_context_free(spec);
  return wk_test_finish("test_encoder");
}
