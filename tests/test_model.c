/* test_model.c — whisper.cpp model files: fp16 conversion, ggml's block quantizers, synthetic
 * files of every type loaded back (hparams, tensors, mel filters, vocabulary, encoder weights
 * within each type's own rounding), loading from a path, a pipe and memory, and a suite of
 * hand-made bad files that must each fail with WK_STATUS_BAD_FORMAT and a specific message.
 *
 *   test_model              the checks
 *   test_model bench-base   times writing, loading and dequantizing a base f16 model (no checks)
 */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "io/ggml-quants.h"
#include "io/ggml.h"
#include "mel/mel-filters.h"
#include "model/decoder.h"
#include "model/encoder-int8.h"
#include "synth_model.h"
#include "test_util.h"

/* ── fp16 ──────────────────────────────────────────────────────────────────────────────────── */

static double f16_reference(uint16_t h) { /* IEEE binary16 decoded by definition */
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
  return s ? -v : v;
}

static void test_fp16(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    const float f = wk_f16_to_f32((uint16_t)h);
    const double ref = f16_reference((uint16_t)h);
    if (isnan(ref)) {
      bad += !isnan(f) || wk_f32_to_f16(f) != ((h & 0x8000) | 0x7E00);
      continue;
    }
    bad += (double)f != ref || !signbit(f) != !signbit(ref); /* exact, signed zeros included */
    bad += wk_f32_to_f16(f) != h;                          /* round trip */
  }
  CHECK(bad == 0, "%d fp16 values decode or re-encode wrong", bad);
  /* the row converter (SSE2 where available) against the scalar definition, every value, at an
   * odd byte offset and with a remainder */
  uint8_t *bytes = malloc(2 * 65536 + 3);
  float *row = malloc(sizeof(float) * 65537);
  for (uint32_t h = 0; h < 65536; h++) bytes[1 + 2 * h] = (uint8_t)h, bytes[2 + 2 * h] = (uint8_t)(h >> 8);
  bytes[1 + 2 * 65536] = 0x00, bytes[2 + 2 * 65536] = 0x3C; /* 1.0: a 65537th value */
  wk_f16_row_to_f32(bytes + 1, row, 65537);
  bad = 0;
  for (uint32_t h = 0; h < 65537; h++) {
    const float want = wk_f16_to_f32(h < 65536 ? (uint16_t)h : 0x3C00);
    bad += memcmp(&want, &row[h], 4) != 0;
  }
  CHECK(bad == 0, "%d fp16 row values differ from the scalar conversion", bad);
  free(bytes), free(row);
  /* rounding: midpoints between neighbours go to the even one, anything off the midpoint to the
   * nearest, beyond 65504 + half an ulp to infinity */
  bad = 0;
  for (uint16_t h = 0; h < 0x7BFF; h++) {
    const float a = wk_f16_to_f32(h), b = wk_f16_to_f32((uint16_t)(h + 1)), mid = (a + b) / 2;
    const uint16_t even = (h & 1) ? (uint16_t)(h + 1) : h;
    bad += wk_f32_to_f16(mid) != even;
    bad += wk_f32_to_f16(nextafterf(mid, 0)) != h;
    bad += wk_f32_to_f16(nextafterf(mid, INFINITY)) != h + 1;
    bad += wk_f32_to_f16(-mid) != (even | 0x8000);
  }
  CHECK(bad == 0, "%d fp16 rounding cases wrong", bad);
  CHECK(wk_f32_to_f16(65519.99f) == 0x7BFF && wk_f32_to_f16(65520.0f) == 0x7C00 &&
            wk_f32_to_f16(1e-8f) == 0 && wk_f32_to_f16(-INFINITY) == 0xFC00,
        "fp16 overflow/underflow");
}

/* ── quantizers ────────────────────────────────────────────────────────────────────────────── */

static const int qtypes[] = {WK_GGML_Q8_0, WK_GGML_Q5_0, WK_GGML_Q5_1, WK_GGML_Q4_0, WK_GGML_Q4_1};

/* The worst |x − dequant(quant(x))| a block may show, from the type's step (per block of 32):
 * half a step for the rounded types, a whole step for the symmetric 4/5-bit types (ggml maps the
 * largest magnitude to −8/−16 and clamps its mirror to +7/+15), plus fp16 rounding of the scale
 * (and of the min) applied to up to 31 steps. */
static double block_bound(int type, const float *x) {
  float lo = x[0], hi = x[0], amax = 0;
  for (int j = 0; j < 32; j++) {
    lo = fminf(lo, x[j]), hi = fmaxf(hi, x[j]), amax = fmaxf(amax, fabsf(x[j]));
  }
  const double u = 0x1p-11; /* fp16 relative rounding */
  switch (type) {
  case WK_GGML_Q8_0: return 0.5 * amax / 127 + amax * u * 2;
  case WK_GGML_Q5_0: return amax / 16 + amax * u * 2;
  case WK_GGML_Q4_0: return amax / 8 + amax * u * 2;
  case WK_GGML_Q5_1: return 0.5 * (hi - lo) / 31 + (hi - lo + 2 * amax) * u * 2;
  case WK_GGML_Q4_1: return 0.5 * (hi - lo) / 15 + (hi - lo + 2 * amax) * u * 2;
  }
  return 0;
}

static void test_quantizers(void) {
  wk_test_rng r = {42};
  enum { N = 32 * 64 };
  static float x[N], y[N];
  static uint8_t q[N * 4];
  for (size_t t = 0; t < sizeof qtypes / sizeof qtypes[0]; t++) {
    const int type = qtypes[t];
    for (int pass = 0; pass < 4; pass++) {
      for (int i = 0; i < N; i++) { /* Gaussian-ish, all-positive, constant and zero blocks */
        float v = wk_test_float(&r, -1, 1) + wk_test_float(&r, -1, 1);
        if (pass == 1) v = fabsf(v) + 0.5f;
        if (pass == 2) v = 0.25f;
        if (pass == 3) v = (i / 32) % 2 ? 0.0f : v * 1000.0f;
        x[i] = v;
      }
      const size_t bytes = wk_ggml_quantize_row(type, x, q, N);
      CHECK(bytes == (size_t)N / 32 * (size_t)wk_ggml_block_bytes(type), "%s bytes",
            wk_ggml_type_name(type));
      wk_ggml_dequantize_row(type, q, y, N);
      int bad = 0;
      for (int b = 0; b < N / 32; b++) {
        const double bound = block_bound(type, x + 32 * b);
        for (int j = 0; j < 32; j++) bad += fabs((double)x[32 * b + j] - y[32 * b + j]) > bound;
      }
      CHECK(bad == 0, "%s pass %d: %d values beyond their block's rounding bound",
            wk_ggml_type_name(type), pass, bad);
    }
  }
  /* hand-checked blocks: q8_0 of j − 16 (amax 16 → d = 16/127, q = round((j − 16)·127/16)) and
   * q4_0 whose largest magnitude −8 maps to nibble 0 with d = 1 */
  float a[32];
  for (int j = 0; j < 32; j++) a[j] = (float)(j - 16);
  wk_ggml_quantize_row(WK_GGML_Q8_0, a, q, 32);
  CHECK(q[0] == (wk_f32_to_f16(16.0f / 127) & 0xff) && (int8_t)q[2] == -127 &&
            (int8_t)q[2 + 24] == 64 && (int8_t)q[2 + 16] == 0,
        "q8_0 block bytes");
  for (int j = 0; j < 32; j++) a[j] = (float)(j % 16) - 8.0f; /* −8 … 7 */
  wk_ggml_quantize_row(WK_GGML_Q4_0, a, q, 32);
  CHECK(wk_f16_to_f32((uint16_t)(q[0] | q[1] << 8)) == 1.0f && q[2] == 0x00 && q[2 + 15] == 0xFF,
        "q4_0 block bytes");
  wk_ggml_dequantize_row(WK_GGML_Q4_0, q, y, 32);
  CHECK(!memcmp(a, y, sizeof a), "q4_0 exact block");
}

/* ── round trips ───────────────────────────────────────────────────────────────────────────── */

static uint8_t *write_model(const char *size, int english, const char *type, uint64_t seed,
                            int outliers, size_t *len) {
  wk_synth_model_options o = {size, english, type, seed, outliers};
  uint8_t *data = NULL;
  if (wk_synth_model_write_memory(&o, &data, len) != WK_STATUS_OK) {
    fprintf(stderr, "cannot write %s %s: %s\n", size, type, wk_last_error());
    exit(1);
  }
  return data;
}

/* What a file of `type` holds for an f32 weight tensor of `kind` (0 vector, 1 conv, 2 matrix):
 * quantize tool semantics (fp16 first, then the block quantizer). */
static void expected_values(int type, int kind, const float *w32, float *out, size_t n) {
  if (type == WK_GGML_F32 || kind == 0) {
    memcpy(out, w32, n * sizeof(float));
    return;
  }
  for (size_t i = 0; i < n; i++) out[i] = wk_f16_to_f32(wk_f32_to_f16(w32[i]));
  if (kind == 1 || type == WK_GGML_F16) return;
  uint8_t *q = malloc(n * 2);
  wk_ggml_quantize_row(type, out, q, n);
  wk_ggml_dequantize_row(type, q, out, n);
  free(q);
}

typedef struct weight_ref {
  const float *a, *b; /* the f32 file's and this file's */
  size_t n;
  int kind;
  const char *what;
} weight_ref;

static void compare_encoders(int type, const wk_encoder_f32 *ref, const wk_encoder_f32 *got) {
  weight_ref list[16 * 64];
  int n = 0;
#define W(field_a, field_b, count, kind_, what_) list[n++] = (weight_ref){field_a, field_b, count, kind_, what_}
  const size_t d = (size_t)ref->d, nm = (size_t)ref->n_mels;
  W(ref->stem.pos, got->stem.pos, (size_t)ref->n_ctx * d, 0, "pos");
  W(ref->stem.conv1_w, got->stem.conv1_w, d * nm * 3, 1, "conv1.weight");
  W(ref->stem.conv1_b, got->stem.conv1_b, d, 0, "conv1.bias");
  W(ref->stem.conv2_w, got->stem.conv2_w, d * d * 3, 1, "conv2.weight");
  W(ref->stem.conv2_b, got->stem.conv2_b, d, 0, "conv2.bias");
  for (int l = 0; l < ref->n_layer; l++) {
    const wk_layer_f32 *a = &ref->layers[l], *b = &got->layers[l];
    W(a->ln1_g, b->ln1_g, d, 0, "attn_ln.weight");
    W(a->wq, b->wq, d * d, 2, "attn.query.weight");
    W(a->bq, b->bq, d, 0, "attn.query.bias");
    W(a->wk, b->wk, d * d, 2, "attn.key.weight");
    W(a->wv, b->wv, d * d, 2, "attn.value.weight");
    W(a->wo, b->wo, d * d, 2, "attn.out.weight");
    W(a->bo, b->bo, d, 0, "attn.out.bias");
    W(a->w1, b->w1, 4 * d * d, 2, "mlp.0.weight");
    W(a->b1, b->b1, 4 * d, 0, "mlp.0.bias");
    W(a->w2, b->w2, 4 * d * d, 2, "mlp.2.weight");
    W(a->ln2_b, b->ln2_b, d, 0, "mlp_ln.bias");
  }
  W(ref->ln_post_g, got->ln_post_g, d, 0, "ln_post.weight");
#undef W
  for (int i = 0; i < n; i++) {
    float *want = malloc(list[i].n * sizeof(float));
    expected_values(type, list[i].kind, list[i].a, want, list[i].n);
    size_t diff = 0, beyond = 0;
    for (size_t j = 0; j < list[i].n; j++) diff += want[j] != list[i].b[j];
    if (list[i].kind == 2 && type != WK_GGML_F32 && type != WK_GGML_F16)
      for (size_t b = 0; b < list[i].n / 32; b++) {
        const double bound = block_bound(type, list[i].a + 32 * b);
        for (size_t j = 32 * b; j < 32 * b + 32; j++)
          beyond += fabs((double)list[i].a[j] - list[i].b[j]) > bound;
      }
    CHECK(diff == 0 && beyond == 0, "%s: %s: %zu values differ from quantize(f32), %zu beyond the block bound",
          wk_ggml_type_name(type), list[i].what, diff, beyond);
    free(want);
  }
}

static void test_round_trip(void) {
  static const char *types[] = {"f32", "f16", "q8_0", "q5_0", "q5_1", "q4_0", "q4_1"};
  size_t len_ref;
  uint8_t *ref_file = write_model("tiny", 0, "f32", 7, 0, &len_ref);
  wk_model *ref = NULL;
  CHECK(wk_model_load_view(ref_file, len_ref, &ref) == WK_STATUS_OK, "load f32: %s", wk_last_error());
  if (!ref) exit(1);
  wk_encoder_f32 wref;
  float *sref = NULL;
  CHECK(wk_model_encoder_f32(ref, &wref, &sref) == WK_STATUS_OK, "encoder f32: %s", wk_last_error());
  { /* the f32 file holds exactly the generator's values */
    static const struct { const char *name; size_t n; } probe[] = {
        {"encoder.positional_embedding", 1500 * 384}, {"encoder.conv1.weight", 384 * 80 * 3},
        {"encoder.conv2.bias", 384}, {"encoder.blocks.3.mlp.2.weight", 384 * 1536},
        {"encoder.blocks.0.attn_ln.weight", 384}};
    const float *got[] = {wref.stem.pos, wref.stem.conv1_w, wref.stem.conv2_b, wref.layers[3].w2,
                          wref.layers[0].ln1_g};
    wk_synth_model_options o = {"tiny", 0, "f32", 7, 0};
    for (size_t i = 0; i < sizeof probe / sizeof probe[0] && sref; i++) {
      float *v = malloc(probe[i].n * sizeof(float));
      CHECK(wk_synth_model_values(&o, probe[i].name, v, probe[i].n) == WK_STATUS_OK &&
                !memcmp(v, got[i], probe[i].n * sizeof(float)),
            "f32 file vs generator: %s", probe[i].name);
      free(v);
    }
  }
  float filters[80 * 201];
  wk_mel_filters_slaney(80, filters);
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    const int type = wk_synth_model_type(types[t]);
    size_t len;
    uint8_t *file = write_model("tiny", 0, types[t], 7, 0, &len);
    wk_model *m = NULL;
    /* q8_0 through the public copying call (then the buffer goes at once); the others borrow
     * the buffer (a copy of every file would double the test's memory traffic) */
    const int copy = type == WK_GGML_Q8_0;
    if ((copy ? wk_model_load_memory(file, len, &m) : wk_model_load_view(file, len, &m)) != WK_STATUS_OK) {
      CHECK(0, "load %s: %s", types[t], wk_last_error());
      free(file);
      continue;
    }
    if (copy) free(file), file = NULL; /* the model holds its own copy */
    wk_model_info info;
    CHECK(wk_model_describe(m, &info) == WK_STATUS_OK, "describe");
    CHECK(info.n_vocab == 51865 && info.n_audio_ctx == 1500 && info.n_audio_state == 384 &&
              info.n_audio_head == 6 && info.n_audio_layer == 4 && info.n_text_ctx == 448 &&
              info.n_text_state == 384 && info.n_text_head == 6 && info.n_text_layer == 4 &&
              info.n_mels == 80 && !strcmp(info.size, "tiny") && info.multilingual == 1 &&
              !strcmp(info.ftype_name, types[t]) && info.file_bytes == len &&
              info.n_tensors == 11 + 15 * 4 + 24 * 4 && info.n_vocab_stored == 50257 &&
              info.quant_version == (type >= 2 ? 2 : 0),
          "%s: describe gives %s %s n_tensors %d", types[t], info.size, info.ftype_name, info.n_tensors);
    const wk_ggml_tensor *q = wk_model_tensor(m, "encoder.blocks.3.attn.query.weight");
    const wk_ggml_tensor *c = wk_model_tensor(m, "encoder.conv1.weight");
    const wk_ggml_tensor *e = wk_model_tensor(m, "decoder.token_embedding.weight");
    const wk_ggml_tensor *p = wk_model_tensor(m, "decoder.positional_embedding");
    const wk_ggml_tensor *b = wk_model_tensor(m, "encoder.conv2.bias");
    CHECK(q && q->type == type && q->n_dims == 2 && q->ne[0] == 384 && q->ne[1] == 384, "%s query", types[t]);
    CHECK(c && c->type == (type == WK_GGML_F32 ? WK_GGML_F32 : WK_GGML_F16) && c->n_dims == 3 &&
              c->ne[0] == 3 && c->ne[1] == 80 && c->ne[2] == 384, "%s conv1", types[t]);
    CHECK(e && e->type == type && e->ne[0] == 384 && e->ne[1] == 51865, "%s token embedding", types[t]);
    CHECK(p && p->type == WK_GGML_F32 && b && b->type == WK_GGML_F32 && b->ne[0] == 1 && b->ne[1] == 384,
          "%s positions / conv bias", types[t]);
    CHECK(!wk_model_tensor(m, "encoder.blocks.4.attn.query.weight") && !wk_model_tensor(m, "nope"),
          "lookup of absent tensors");
    int n_mels, n_fft;
    const float *mel = wk_model_mel_filters(m, &n_mels, &n_fft);
    CHECK(n_mels == 80 && n_fft == 201 && !memcmp(mel, filters, sizeof filters), "%s mel filters", types[t]);
    size_t tl;
    const uint8_t *tok = wk_model_token(m, 200, &tl);
    CHECK(wk_model_vocab_size(m) == 50257 && tok && tl == 1 && tok[0] == 200 &&
              wk_model_token(m, 50256, &tl) && !wk_model_token(m, 50257, &tl),
          "%s vocabulary", types[t]);
    wk_encoder_f32 w;
    float *s = NULL;
    if (wk_model_encoder_f32(m, &w, &s) == WK_STATUS_OK) {
      CHECK(w.d == 384 && w.heads == 6 && w.n_layer == 4 && w.n_mels == 80 && w.n_ctx == 1500 &&
                w.layers[3].ffn == 1536, "%s encoder dims", types[t]);
      compare_encoders(type, &wref, &w);
    } else {
      CHECK(0, "%s encoder: %s", types[t], wk_last_error());
    }
    wk_free(s);
    wk_model_free(m);
    free(file);
  }
  /* the positional embedding is Whisper's sinusoids: row 0 = [0…0 ‖ 1…1], row t col 0 = sin t */
  CHECK(wref.stem.pos[0] == 0.0f && wref.stem.pos[192] == 1.0f &&
            fabsf(wref.stem.pos[(size_t)1499 * 384] - (float)sin(1499.0)) < 1e-6f &&
            fabsf(wref.stem.pos[(size_t)7 * 384 + 192 + 191] - (float)cos(7.0 * 1e-4)) < 1e-6f,
        "sinusoids");
  /* weights have the intended scale: linear std ≈ 0.02, LN gains in 1 ± 0.1 */
  double ss = 0;
  for (size_t i = 0; i < 384 * 384; i++) ss += (double)wref.layers[0].wq[i] * wref.layers[0].wq[i];
  const double sd = sqrt(ss / (384 * 384));
  float gmin = 2, gmax = 0;
  for (int i = 0; i < 384; i++)
    gmin = fminf(gmin, wref.layers[1].ln1_g[i]), gmax = fmaxf(gmax, wref.layers[1].ln1_g[i]);
  CHECK(sd > 0.019 && sd < 0.021 && gmin >= 0.9f && gmax <= 1.1f && gmax > 1.05f,
        "weight scale: std %.4f, gains %.3f … %.3f", sd, gmin, gmax);
  /* determinism: the same options give the same bytes */
  size_t len2, len3;
  uint8_t *once = write_model("tiny", 0, "q4_0", 7, 0, &len2), *again = write_model("tiny", 0, "q4_0", 7, 0, &len3);
  CHECK(len2 == len3 && !memcmp(once, again, len2), "writer is deterministic");
  free(once), free(again);
  wk_free(sref);
  wk_model_free(ref);
  free(ref_file);
}

static void test_variants(void) {
  /* .en: n_vocab 51864, 50256 stored tokens; size name and flags */
  size_t len;
  uint8_t *f = write_model("tiny", 1, "q4_0", 3, 0, &len);
  wk_model *m = NULL;
  CHECK(wk_model_load_view(f, len, &m) == WK_STATUS_OK, "load tiny.en: %s", wk_last_error());
  wk_model_info info;
  if (m && wk_model_describe(m, &info) == WK_STATUS_OK)
    CHECK(info.n_vocab == 51864 && !info.multilingual && !strcmp(info.size, "tiny") &&
              info.n_vocab_stored == 50256 && !strcmp(info.ftype_name, "q4_0"),
          "tiny.en describe: %s %d", info.size, info.n_vocab);
  wk_model_free(m);
  free(f);
  /* outliers: LN gains ×30…50 on four channels, the matching input columns ÷ (the generator's
   * values, no file needed) */
  const size_t d = 384;
  float *ga = malloc(d * 4), *gb = malloc(d * 4), *g1a = malloc(d * 4), *g1b = malloc(d * 4);
  float *wa = malloc(4 * d * d * 4), *wb = malloc(4 * d * d * 4);
  wk_synth_model_options oa = {"tiny", 0, "q4_0", 11, 0}, ob = {"tiny", 0, "q4_0", 11, 1};
  if (wk_synth_model_values(&oa, "encoder.blocks.2.mlp_ln.weight", ga, d) == WK_STATUS_OK &&
      wk_synth_model_values(&ob, "encoder.blocks.2.mlp_ln.weight", gb, d) == WK_STATUS_OK &&
      wk_synth_model_values(&oa, "encoder.blocks.2.attn_ln.weight", g1a, d) == WK_STATUS_OK &&
      wk_synth_model_values(&ob, "encoder.blocks.2.attn_ln.weight", g1b, d) == WK_STATUS_OK &&
      wk_synth_model_values(&oa, "encoder.blocks.2.mlp.0.weight", wa, 4 * d * d) == WK_STATUS_OK &&
      wk_synth_model_values(&ob, "encoder.blocks.2.mlp.0.weight", wb, 4 * d * d) == WK_STATUS_OK) {
    int n_out = 0, consistent = 1;
    for (size_t c = 0; c < d; c++) {
      const double ratio = (double)gb[c] / ga[c];
      if (ratio > 29) {
        n_out++;
        const double col = (double)wb[5 * d + c] / wa[5 * d + c];
        consistent &= ratio <= 51 && fabs(col * ratio - 1) < 1e-6 &&
                      fabs((double)g1b[c] / g1a[c] - ratio) < 1e-4 * ratio;
      } else {
        consistent &= ratio == 1 && wb[5 * d + c] == wa[5 * d + c] && g1b[c] == g1a[c];
      }
    }
    CHECK(n_out == 4 && consistent, "outliers: %d channels, consistent %d", n_out, consistent);
  } else {
    CHECK(0, "outlier values: %s", wk_last_error());
  }
  CHECK(wk_synth_model_values(&oa, "encoder.blocks.2.mlp_ln.weight", ga, d + 1) == WK_STATUS_INVALID_ARGUMENT &&
            wk_synth_model_values(&oa, "nope", ga, d) == WK_STATUS_INVALID_ARGUMENT,
        "values: argument checks");
  free(ga), free(gb), free(g1a), free(g1b), free(wa), free(wb);
  /* the large sizes' tensor lists (the generator walks every tensor without writing the GBs):
   * large-v3 has 128 mels and 32 decoder layers, large-v3-turbo 4 */
  float *conv = malloc(sizeof(float) * 1280 * 128 * 3);
  wk_synth_model_options v3 = {"large-v3", 0, "f16", 1, 0}, turbo = {"large-v3-turbo", 0, "q5_0", 1, 0};
  CHECK(wk_synth_model_values(&turbo, "encoder.conv1.weight", conv, 1280 * 128 * 3) == WK_STATUS_OK &&
            wk_synth_model_values(&v3, "decoder.blocks.31.mlp_ln.bias", conv, 1280) == WK_STATUS_OK &&
            wk_synth_model_values(&turbo, "decoder.blocks.3.cross_attn_ln.bias", conv, 1280) == WK_STATUS_OK &&
            wk_synth_model_values(&turbo, "decoder.blocks.4.mlp_ln.bias", conv, 1280) == WK_STATUS_INVALID_ARGUMENT,
        "large-v3 / turbo tensor lists: %s", wk_last_error());
  free(conv);
  /* writer argument checks */
  CHECK(wk_synth_model_write(&(wk_synth_model_options){"large-v3", 1, "f16", 1, 0}, stdout) ==
                WK_STATUS_INVALID_ARGUMENT &&
            wk_synth_model_write(&(wk_synth_model_options){"huge", 0, "f16", 1, 0}, stdout) ==
                WK_STATUS_INVALID_ARGUMENT &&
            wk_synth_model_write(&(wk_synth_model_options){"tiny", 0, "q3_k", 1, 0}, stdout) ==
                WK_STATUS_INVALID_ARGUMENT,
        "writer argument checks");
}

/* ── loading from a path and a pipe ────────────────────────────────────────────────────────── */

typedef struct pipe_job {
  int fd;
  const uint8_t *data;
  size_t size;
} pipe_job;

static void *pipe_writer(void *arg) {
  pipe_job *j = arg;
  for (size_t off = 0; off < j->size;) {
    const ssize_t w = write(j->fd, j->data + off, j->size - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  close(j->fd);
  return NULL;
}

/* The encoder weights of a model loaded from a path (read with pread, in 256-KB chunks) and of
 * the same bytes loaded from memory: equal to the bit. */
static void same_weights_as_memory(const char *path, const uint8_t *f, size_t len, const char *type) {
  wk_model *mp = NULL, *mv = NULL;
  wk_encoder_f32 a, b;
  float *sa = NULL, *sb = NULL;
  if (wk_model_load(path, &mp) || wk_model_load_view(f, len, &mv) ||
      wk_model_encoder_f32(mp, &a, &sa) || wk_model_encoder_f32(mv, &b, &sb)) {
    CHECK(0, "%s: load from a path and from memory: %s", type, wk_last_error());
  } else {
    const size_t d = (size_t)a.d;
    int differ = memcmp(a.stem.pos, b.stem.pos, (size_t)a.n_ctx * d * 4) ||
                 memcmp(a.stem.conv1_w, b.stem.conv1_w, d * (size_t)a.n_mels * 3 * 4) ||
                 memcmp(a.stem.conv2_w, b.stem.conv2_w, d * d * 3 * 4);
    for (int l = 0; l < a.n_layer; l++) {
      const wk_layer_f32 *x = &a.layers[l], *y = &b.layers[l];
      differ |= memcmp(x->wq, y->wq, d * d * 4) || memcmp(x->wk, y->wk, d * d * 4) ||
                memcmp(x->wv, y->wv, d * d * 4) || memcmp(x->wo, y->wo, d * d * 4) ||
                memcmp(x->w1, y->w1, 4 * d * d * 4) || memcmp(x->w2, y->w2, 4 * d * d * 4) ||
                memcmp(x->bq, y->bq, d * 4) || memcmp(x->ln2_b, y->ln2_b, d * 4);
    }
    CHECK(!differ, "%s: the weights read from the file differ from the same bytes in memory", type);
  }
  wk_free(sa), wk_free(sb);
  wk_model_free(mp), wk_model_free(mv);
}

static void test_paths(void) {
  size_t len;
  uint8_t *f = write_model("tiny", 0, "q4_1", 5, 0, &len);
  char path[] = "/tmp/wk_test_model_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, f, len) == (ssize_t)len, "temp file");
  if (fd >= 0) close(fd);
  wk_model *m = NULL;
  wk_model_info info;
  CHECK(wk_model_load(path, &m) == WK_STATUS_OK && wk_model_describe(m, &info) == WK_STATUS_OK &&
            info.file_bytes == len && info.ftype == 3,
        "load from a path (mmap): %s", wk_last_error());
  wk_model_free(m);
  same_weights_as_memory(path, f, len, "q4_1");
  { /* an f16 file too; then the file is cut short after loading: an error, not a SIGBUS */
    size_t len16;
    uint8_t *f16 = write_model("tiny", 0, "f16", 5, 0, &len16);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && write(fd, f16, len16) == (ssize_t)len16, "temp file (f16)");
    if (fd >= 0) close(fd);
    same_weights_as_memory(path, f16, len16, "f16");
    wk_context *ctx = wk_test_context(WK_ISA_AUTO, 1);
    wk_encoder *e = NULL;
    m = NULL;
    size_t tl0 = 0, tl = 0;
    uint8_t tok0[64] = {0};
    CHECK(wk_model_load(path, &m) == WK_STATUS_OK && wk_model_token(m, 50255, &tl0) &&
              tl0 > 0 && tl0 <= sizeof tok0,
          "token 50255: %s", wk_last_error());
    if (m && tl0 <= sizeof tok0) memcpy(tok0, wk_model_token(m, 50255, &tl0), tl0);
    CHECK(m && truncate(path, (off_t)(len16 / 8)) == 0 &&
              wk_encoder_create(ctx, m, WK_PRECISION_INT8, &e) == WK_STATUS_IO_ERROR && !e &&
              strstr(wk_last_error(), "shorter than when it was loaded"),
          "a model file cut short after loading: %s", wk_last_error());
    /* the vocabulary was copied at load: still there when the file is gone */
    const uint8_t *tok = m && truncate(path, 0) == 0 ? wk_model_token(m, 50255, &tl) : NULL;
    CHECK(tok && tl == tl0 && !memcmp(tok, tok0, tl), "token 50255 after the file is gone");
    wk_model_free(m);
    wk_context_free(ctx);
    free(f16);
  }
  unlink(path);
  int p[2];
  if (pipe(p) == 0) {
    pipe_job job = {p[1], f, len};
    pthread_t th;
    pthread_create(&th, NULL, pipe_writer, &job);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", p[0]);
    m = NULL;
    const wk_status s = wk_model_load(proc, &m);
    pthread_join(th, NULL);
    close(p[0]);
    CHECK(s == WK_STATUS_OK && wk_model_describe(m, &info) == WK_STATUS_OK && info.file_bytes == len,
          "load from a pipe: %s", wk_last_error());
    wk_model_free(m);
  }
  m = (wk_model *)1;
  CHECK(wk_model_load("/nonexistent/model.bin", &m) == WK_STATUS_IO_ERROR && m == NULL &&
            strstr(wk_last_error(), "/nonexistent/model.bin"), "missing file: %s", wk_last_error());
  CHECK(wk_model_load("/tmp", &m) == WK_STATUS_IO_ERROR, "directory");
  CHECK(wk_model_load(NULL, &m) == WK_STATUS_INVALID_ARGUMENT && wk_model_load(path, NULL) == WK_STATUS_INVALID_ARGUMENT,
        "NULL arguments");
  CHECK(wk_model_describe(NULL, &info) == WK_STATUS_INVALID_ARGUMENT, "describe NULL");
  wk_model_free(NULL);
  free(f);
  /* the loaders prefix messages with where they happened: wk_error may take its own message */
  wk_error(WK_STATUS_IO_ERROR, "inner %d", 7);
  CHECK(wk_error(WK_STATUS_BAD_FORMAT, "outer: %s", wk_last_error()) == WK_STATUS_BAD_FORMAT &&
            !strcmp(wk_last_error(), "outer: inner 7"),
        "a prefixed message: '%s'", wk_last_error());
}

/* ── bad files ─────────────────────────────────────────────────────────────────────────────── */

typedef struct buf {
  uint8_t *p;
  size_t n;
} buf;

static buf buf_of(const uint8_t *p, size_t n) {
  buf b = {malloc(n ? n : 1), n};
  memcpy(b.p, p, n);
  return b;
}
static void buf_cat(buf *b, const void *p, size_t n) {
  b->p = realloc(b->p, b->n + n);
  memcpy(b->p + b->n, p, n);
  b->n += n;
}
static void buf_i32(buf *b, int32_t v) { buf_cat(b, &v, 4); }
static void set_i32(uint8_t *p, size_t off, int32_t v) { memcpy(p + off, &v, 4); }

/* Loads b (an exact-size copy, so ASan sees any over-read); expects BAD_FORMAT with `needle` in
 * the message; frees b. */
static void expect_bad(buf b, const char *needle, const char *what) {
  wk_model *m = NULL;
  const wk_status s = wk_model_load_view(b.p, b.n, &m); /* b.p is malloc'd to exactly b.n */
  CHECK(s == WK_STATUS_BAD_FORMAT && m == NULL && strstr(wk_last_error(), needle),
        "%s: status %d, message \"%s\" (wanted \"%s\")", what, (int)s, wk_last_error(), needle);
  wk_model_free(m);
  free(b.p);
}

typedef struct tensor_pos {
  const char *name;
  size_t header, dims, name_off, data, end; /* offsets in the file */
  int n_dims;
} tensor_pos;

static int cmp_pos(const void *a, const void *b) {
  const size_t x = ((const tensor_pos *)a)->header, y = ((const tensor_pos *)b)->header;
  return x < y ? -1 : x > y;
}

static void test_bad_files(void) {
  size_t len;
  uint8_t *f = write_model("tiny", 0, "q4_0", 9, 0, &len);
  wk_model *m = NULL;
  if (wk_model_load_view(f, len, &m) != WK_STATUS_OK) {
    CHECK(0, "valid file: %s", wk_last_error());
    exit(1);
  }
  /* where every section and tensor lies */
  const int nt = wk_model_n_tensors(m);
  tensor_pos *tp = calloc((size_t)nt, sizeof *tp);
  for (int i = 0; i < nt; i++) {
    const wk_ggml_tensor *t = wk_model_tensor_at(m, i);
    tp[i].name = t->name, tp[i].n_dims = t->n_dims;
    tp[i].data = (size_t)(t->data - f), tp[i].end = tp[i].data + t->nbytes;
    tp[i].name_off = tp[i].data - strlen(t->name);
    tp[i].dims = tp[i].name_off - 4 * (size_t)t->n_dims;
    tp[i].header = tp[i].dims - 12;
  }
  qsort(tp, (size_t)nt, sizeof *tp, cmp_pos);
  const size_t mel = 48, vocab = mel + 8 + 80 * 201 * 4, tensors = tp[0].header;
  CHECK(tp[nt - 1].end == len, "tensor layout");

  /* Patched copies of the first tensors' prefix (every error below is found there; copying the
   * whole 25 MB file for each case would dominate the test's time under ASan) */
  const size_t head = tp[12].end;
  /* bad magic */
  buf b = buf_of(f, head);
  b.p[0] ^= 1;
  expect_bad(b, "bad magic", "bad magic");
  expect_bad(buf_of(f, 0), "truncated: the file ends in the magic", "empty file");

  /* truncation at every section boundary and inside each section */
  static const struct { size_t off; const char *needle; } cuts[] = {
      {2, "the magic"}, {4, "hparams (n_vocab)"}, {20, "hparams (n_audio_layer)"},
      {44, "hparams (ftype)"}, {48, "mel filter header"}, {52, "mel filter header"},
      {56, "the mel filters"}, {56 + 1000, "the mel filters"}, {56 + 80 * 201 * 4, "vocabulary count"}};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    char what[64];
    snprintf(what, sizeof what, "truncated at %zu", cuts[i].off);
    expect_bad(buf_of(f, cuts[i].off), cuts[i].needle, what);
  }
  /* early in the vocabulary the declared count cannot fit the bytes left; later the token
   * whose length or bytes are cut is named */
  expect_bad(buf_of(f, vocab + 4), "the vocabulary (50257 tokens declared)", "truncated after the vocabulary count");
  expect_bad(buf_of(f, vocab + 6), "the vocabulary (50257 tokens declared)", "truncated in a token length");
  expect_bad(buf_of(f, vocab + (tensors - vocab) / 2), "of token", "truncated mid-vocabulary");
  expect_bad(buf_of(f, tensors - 1), "bytes of token 50256", "truncated in the last token");
  expect_bad(buf_of(f, tensors), "missing tensor", "truncated after the vocabulary");
  /* every tensor: at its start (= after the previous one); and for the first 12, the last 3
   * and every 8th, in its header, dims, name and data */
  int bad_cuts = 0, n_cuts = 0;
  for (int i = 0; i < nt; i++) {
    const int inner = i < 12 || i >= nt - 3 || i % 8 == 0;
    const struct { size_t off; const char *needle; } tc[] = {
        {tp[i].header, "missing tensor"},
        {tp[i].header + 6, "the header of tensor"},
        {tp[i].dims + 2, "the dimensions of tensor"},
        {tp[i].name_off + 1, "the name of tensor"},
        {tp[i].data + (tp[i].end - tp[i].data) / 2, "the data of tensor"},
        {tp[i].end - 1, "the data of tensor"}};
    for (size_t k = 0; k < (inner ? sizeof tc / sizeof tc[0] : 1); k++, n_cuts++) {
      wk_model *mm = NULL;
      /* a view of the prefix: no copy for the 1000-odd cuts (the exact-size copies above and
       * below cover over-reads) */
      const wk_status s = wk_model_load_view(f, tc[k].off, &mm);
      if (s != WK_STATUS_BAD_FORMAT || !strstr(wk_last_error(), tc[k].needle) ||
          (k == 4 && !strstr(wk_last_error(), tp[i].name))) {
        if (bad_cuts++ < 5)
          fprintf(stderr, "cut at %zu (%s, case %zu): %d \"%s\"\n", tc[k].off, tp[i].name, k, (int)s,
                  wk_last_error());
      }
      wk_model_free(mm);
    }
  }
  CHECK(bad_cuts == 0, "%d of %d tensor truncations not rejected as expected", bad_cuts, n_cuts);
  expect_bad(buf_of(f, tp[nt - 1].end - 1), "the data of tensor 'decoder", "last byte missing (exact copy)");
  expect_bad(buf_of(f, tp[3].data + 5), "the data of tensor", "mid-tensor (exact copy)");

  /* hparams */
  static const struct { int field; int32_t v; const char *needle; } hp[] = {
      {0, -1, "n_vocab = -1 outside"},        {0, 0x7fffffff, "n_vocab = 2147483647 outside"},
      {1, 0, "n_audio_ctx = 0"},              {2, 385, "not divisible"},
      {3, 2, "head dim 192"},                 {3, 0, "n_audio_head = 0"},
      {4, 1000, "n_audio_layer = 1000"},      {6, 10, "n_text_state = 10 outside"},
      {7, 48, "text head dim 8"},            {9, 81, "n_mels = 81"},
      {10, -5, "ftype = -5 is negative"},     {10, 2, "quantization version 0"},
      {10, 1002, "quantization version 1"},   {10, 4 + 2000, "unsupported ftype 4"},
      {10, 1 << 30, "unsupported ftype 824"}, {8, -3, "n_text_layer = -3"}};
  for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++) {
    b = buf_of(f, head);
    set_i32(b.p, 4 + 4 * (size_t)hp[i].field, hp[i].v);
    expect_bad(b, hp[i].needle, hp[i].needle);
  }
  /* n_text_state = 512 is within range if heads allow: then it differs from the audio state */
  b = buf_of(f, head);
  set_i32(b.p, 4 + 4 * 6, 768);
  expect_bad(b, "n_text_state 768 differs", "text state ≠ audio state");

  /* mel filter header, vocabulary counts and lengths */
  b = buf_of(f, head), set_i32(b.p, mel, -1), expect_bad(b, "mel filters: shape [-1][201]", "n_mel −1");
  b = buf_of(f, head), set_i32(b.p, mel + 4, 400), expect_bad(b, "shape [80][400]", "n_fft 400");
  b = buf_of(f, head), set_i32(b.p, vocab, -7), expect_bad(b, "count -7 outside", "vocab count −7");
  b = buf_of(f, head), set_i32(b.p, vocab, 0x7fffffff), expect_bad(b, "count 2147483647 outside", "vocab count huge");
  b = buf_of(f, head), set_i32(b.p, vocab + 4, -1), expect_bad(b, "token 0 has length -1", "token length −1");
  b = buf_of(f, head), set_i32(b.p, vocab + 4, 0x7fffff00), expect_bad(b, "token 0 has length 2147483392", "token length huge");
  b = buf_of(f, head), set_i32(b.p, vocab + 4, 1000), expect_bad(b, "", "token length 1000 (shifts the parse)");
  b = buf_of(f, vocab + 4), set_i32(b.p, vocab, 51865),
  expect_bad(b, "the vocabulary (51865 tokens declared)", "more tokens than bytes");

  /* tensor headers: n_dims outside 1 … 4, name lengths, types */
  const size_t h0 = tp[0].header;
  b = buf_of(f, head), set_i32(b.p, h0, 0), expect_bad(b, "n_dims = 0 outside 1 … 4", "n_dims 0");
  b = buf_of(f, head), set_i32(b.p, h0, 5), expect_bad(b, "n_dims = 5 outside 1 … 4", "n_dims 5");
  b = buf_of(f, head), set_i32(b.p, h0, -1), expect_bad(b, "n_dims = -1 outside 1 … 4", "n_dims −1");
  b = buf_of(f, head), set_i32(b.p, h0, 0x7fffffff);
  expect_bad(b, "n_dims = 2147483647 outside 1 … 4", "n_dims huge");
  b = buf_of(f, head), set_i32(b.p, h0 + 4, -4), expect_bad(b, "name length -4", "name length −4");
  b = buf_of(f, head), set_i32(b.p, h0 + 4, 1 << 30), expect_bad(b, "name length 1073741824", "name length huge");
  b = buf_of(f, head), set_i32(b.p, h0 + 8, 99), expect_bad(b, "unknown or unsupported type 99", "type 99");
  b = buf_of(f, head), set_i32(b.p, h0 + 8, 9), expect_bad(b, "unsupported type 9", "type q8_1");
  b = buf_of(f, head), set_i32(b.p, h0 + 8, -1), expect_bad(b, "unsupported type -1", "type −1");
  /* a tensor of a known type where another is required */
  for (int i = 0; i < nt; i++)
    if (!strcmp(tp[i].name, "encoder.conv1.bias")) {
      b = buf_of(f, head), set_i32(b.p, tp[i].header + 8, 1);
      expect_bad(b, "'encoder.conv1.bias': type f16 where f32 is expected", "f16 conv bias");
      b = buf_of(f, head), set_i32(b.p, tp[i].dims + 4, 385);
      expect_bad(b, "'encoder.conv1.bias': shape (ne) [1, 385], expected [1, 384]", "wrong shape");
      b = buf_of(f, head), set_i32(b.p, tp[i].dims, 0);
      expect_bad(b, "dimension ne[0] = 0", "zero dimension");
      b = buf_of(f, head), set_i32(b.p, tp[i].dims, -3);
      expect_bad(b, "dimension ne[0] = -3", "negative dimension");
      b = buf_of(f, head), b.p[tp[i].name_off + 3] = 'X';
      expect_bad(b, "unknown tensor 'encXder.conv1.bias'", "unknown name");
      b = buf_of(f, head), b.p[tp[i].name_off + 3] = 0x01;
      expect_bad(b, "non-printable byte 0x01", "control byte in a name");
    }
  for (int i = 0; i < nt; i++)
    if (!strcmp(tp[i].name, "encoder.blocks.0.attn.key.weight")) {
      b = buf_of(f, head), set_i32(b.p, tp[i].header + 8, WK_GGML_Q8_0);
      expect_bad(b, "type q8_0 where f32, f16 or the ftype's type is expected (ftype q4_0)", "q8_0 in a q4_0 file");
      /* a k-quant file whose rows are not whole super-blocks (tiny's 384 vs q4_k's 256) */
      b = buf_of(f, head), set_i32(b.p, 4 + 40, 12 + 2000);
      for (int j = 0; j < nt; j++)
        if (!strcmp(tp[j].name, "encoder.blocks.0.attn.query.weight")) set_i32(b.p, tp[j].header + 8, 12);
      expect_bad(b, "'encoder.blocks.0.attn.query.weight': row length ne[0] = 384 is not a multiple of q4_k's block 256",
                 "q4_k rows");
      b = buf_of(f, head), set_i32(b.p, tp[i].header, 3);
      expect_bad(b, "", "3 dims for a matrix"); /* the name shifts: any specific error */
      b = buf_of(f, head), set_i32(b.p, tp[i].dims + 4, 383);
      expect_bad(b, "shape (ne) [384, 383], expected [384, 384]", "matrix rows");
    }
  /* a dimension product that overflows 64 bits: a hand-made header at the first tensor */
  b = buf_of(f, h0);
  buf_i32(&b, 4), buf_i32(&b, 3), buf_i32(&b, 0);
  for (int i = 0; i < 4; i++) buf_i32(&b, 0x7fffffff);
  buf_cat(&b, "abc", 3);
  expect_bad(b, "element count overflows 64 bits", "dimension product overflow");
  /* a tensor claiming more data than the file has */
  b = buf_of(f, tp[nt - 1].header);
  buf_i32(&b, 1), buf_i32(&b, 15), buf_i32(&b, 0), buf_i32(&b, 384);
  buf_cat(&b, "decoder.ln.bias", 15);
  expect_bad(b, "the data of tensor 'decoder.ln.bias' (1536 bytes needed)", "short data");

  /* missing (cut out of the middle), duplicated (replacing the last), trailing garbage */
  const int mid = nt / 2;
  b = buf_of(f, tp[mid].header);
  buf_cat(&b, f + tp[mid].end, len - tp[mid].end);
  char needle[160];
  snprintf(needle, sizeof needle, "missing tensor '%s'", tp[mid].name);
  expect_bad(b, needle, "missing tensor");
  int last = nt - 1, prev = nt - 2; /* decoder.ln.bias, decoder.ln.weight: the same size */
  b = buf_of(f, tp[last].header);
  buf_cat(&b, f + tp[prev].header, tp[prev].end - tp[prev].header);
  snprintf(needle, sizeof needle, "tensor '%s': duplicated", tp[prev].name);
  expect_bad(b, needle, "duplicated tensor");
  b = buf_of(f, len), buf_cat(&b, "x", 1), expect_bad(b, "trailing garbage: 1 bytes", "1 trailing byte");
  b = buf_of(f, len), buf_cat(&b, f + tp[0].header, tp[0].end - tp[0].header);
  expect_bad(b, "trailing garbage", "a tensor repeated after the last one");

  /* NaN in a weight: the file loads, the fp32 encoder weights are refused */
  b = buf_of(f, len);
  for (int i = 0; i < nt; i++)
    if (!strcmp(tp[i].name, "encoder.blocks.1.mlp_ln.bias")) set_i32(b.p, tp[i].data + 8, 0x7fc00000);
  wk_model *mn = NULL;
  wk_encoder_f32 w;
  float *st = NULL;
  CHECK(wk_model_load_view(b.p, b.n, &mn) == WK_STATUS_OK &&
            wk_model_encoder_f32(mn, &w, &st) == WK_STATUS_BAD_FORMAT && st == NULL &&
            strstr(wk_last_error(), "'encoder.blocks.1.mlp_ln.bias' holds NaN"),
        "NaN weight: %s", wk_last_error());
  wk_model_free(mn);
  free(b.p);

  free(tp);
  wk_model_free(m);
  free(f);
}

/* ── timing (not a test) ───────────────────────────────────────────────────────────────────── */

static double cpu_seconds(void) { /* user + system time of this process */
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
         1e-6 * (double)u.ru_stime.tv_usec;
}

static int bench_base(void) {
  char path[] = "/tmp/wk_bench_base_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  double t0 = wk_now();
  wk_synth_model_options o = {"base", 0, "f16", 1, 0};
  if (wk_synth_model_write_file(&o, path) != WK_STATUS_OK) return 1;
  const double t_write = wk_now() - t0;
  for (int rep = 0; rep < 3; rep++) {
    t0 = wk_now();
    double c0 = cpu_seconds();
    wk_model *m = NULL;
    if (wk_model_load(path, &m) != WK_STATUS_OK) return 1;
    const double t_load = wk_now() - t0, c_load = cpu_seconds() - c0;
    wk_encoder_f32 w;
    float *s = NULL;
    t0 = wk_now(), c0 = cpu_seconds();
    if (wk_model_encoder_f32(m, &w, &s) != WK_STATUS_OK) return 1;
    const double t_f32 = wk_now() - t0, c_f32 = cpu_seconds() - c0;
    wk_model_info info;
    wk_model_describe(m, &info);
    printf("base f16 (%.1f MB, written in %.2f s): load %.1f ms (cpu %.1f ms), encoder fp32 "
           "weights %.1f ms (cpu %.1f ms)\n", info.file_bytes / 1e6, t_write, 1e3 * t_load,
           1e3 * c_load, 1e3 * t_f32, 1e3 * c_f32);
    wk_free(s);
    wk_model_free(m);
  }
  unlink(path);
  return 0;
}

/* The loaders that dequantize a layer at a time (wk_encoder_create, the transcriber's decoder)
 * build the same encoder and decoder as the whole fp32 copy: equal outputs, byte for byte, in
 * both precisions, on a q5_1 file (a block type: rows dequantized from the middle of a file). */
static void test_streamed(void) {
  size_t len;
  uint8_t *file = write_model("tiny", 0, "q5_1", 11, 0, &len);
  wk_model *m = NULL;
  if (wk_model_load_view(file, len, &m) != WK_STATUS_OK) {
    CHECK(0, "load: %s", wk_last_error());
    free(file);
    return;
  }
  wk_context *ctx = wk_test_context(WK_ISA_AUTO, 2);
  const size_t n_mel = 80 * 3000, n_out = 1500 * 384;
  float *mel = malloc(n_mel * sizeof(float)), *out[2] = {malloc(n_out * 4), malloc(n_out * 4)};
  wk_test_rng rng = {5};
  for (size_t i = 0; i < n_mel; i++) mel[i] = wk_test_float(&rng, -1.0f, 1.5f);
  for (int prec = 0; prec < 2; prec++) {
    const wk_precision p = prec ? WK_PRECISION_FP32 : WK_PRECISION_INT8;
    wk_encoder_f32 w;
    float *st = NULL;
    wk_encoder *e[2] = {NULL, NULL};
    CHECK(wk_model_encoder_f32(m, &w, &st) == WK_STATUS_OK &&
              wk_encoder_create_from_weights(ctx, &w, p, &e[0]) == WK_STATUS_OK &&
              wk_encoder_create(ctx, m, p, &e[1]) == WK_STATUS_OK,
          "encoders: %s", wk_last_error());
    wk_free(st);
    for (int k = 0; k < 2 && e[0] && e[1]; k++)
      CHECK(wk_encoder_run(ctx, e[k], mel, n_mel, out[k], n_out) == WK_STATUS_OK, "run: %s",
            wk_last_error());
    CHECK(e[0] && e[1] && !memcmp(out[0], out[1], n_out * 4),
          "%s encoder: a layer at a time differs from the whole fp32 copy", prec ? "fp32" : "int8");
    wk_encoder_free(e[0]), wk_encoder_free(e[1]);

    wk_decoder_f32 dw[2];
    float *ds[2] = {NULL, NULL}, *logits[2] = {malloc(51865 * 4), malloc(51865 * 4)};
    wk_decoder *dec[2] = {NULL, NULL};
    CHECK(wk_model_decoder_f32(m, &dw[0], &ds[0]) == WK_STATUS_OK &&
              wk_model_decoder_f32_streamed(m, ctx->pool, &dw[1], &ds[1]) == WK_STATUS_OK &&
              !dw[1].layers && dw[1].layer_fn,
          "decoder weights: %s", wk_last_error());
    for (int k = 0; k < 2; k++) {
      wk_decoder_state *s = NULL;
      const int toks[3] = {50258, 50259, 50359};
      CHECK(wk_decoder_create(ctx, &dw[k], p, &dec[k]) == WK_STATUS_OK &&
                wk_decoder_state_create(dec[k], 1, &s) == WK_STATUS_OK &&
                wk_decoder_set_audio(ctx, dec[k], s, out[0], 1500) == WK_STATUS_OK &&
                wk_decoder_step(ctx, dec[k], s, toks, 3, logits[k]) == WK_STATUS_OK,
            "decoder %d: %s", k, wk_last_error());
      wk_decoder_state_free(s);
      wk_free(ds[k]);
    }
    CHECK(dec[0] && dec[1] && wk_decoder_weight_bytes(dec[0]) == wk_decoder_weight_bytes(dec[1]) &&
              !memcmp(logits[0], logits[1], 51865 * 4),
          "%s decoder: a layer at a time differs from the whole fp32 copy", prec ? "fp32" : "int8");
    wk_decoder_free(dec[0]), wk_decoder_free(dec[1]);
    free(logits[0]), free(logits[1]);
  }
  free(mel), free(out[0]), free(out[1]);
  wk_context_free(ctx);
  wk_model_free(m);
  free(file);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "bench-base")) return bench_base();
  double t = wk_now();
#define RUN(fn) fn(), printf("%-18s %6.2f s\n", #fn, wk_now() - t), t = wk_now()
  RUN(test_fp16);
  RUN(test_quantizers);
  RUN(test_round_trip);
  RUN(test_variants);
  RUN(test_paths);
  RUN(test_bad_files);
  RUN(test_streamed);
#undef RUN
  return wk_test_finish("test_model");
}
