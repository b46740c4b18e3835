/* synth_model.c — synthetic whisper.cpp model files (synth_model.h). */
#include "synth_model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "io/ggml-quants.h"
#include "io/ggml.h"
#include "mel/mel-filters.h"

typedef struct size_spec {
  const char *name;
  int d, heads, layers, text_layers, n_vocab, n_mels;
} size_spec;

/* A model of every standard size has n_audio_ctx 1500, n_text_ctx 448 and OpenAI's vocabulary
 * (50256 stored tokens for .en, else 50257).  "micro" is a "custom" model as small as the
 * loader accepts in its shapes (d 32, one head, one layer each, n_vocab 256 = the single bytes,
 * n_audio_ctx 16 so the encoder takes 32 mel frames, n_text_ctx 8): ~170 KB in f16, for fuzz
 * seeds and fast concurrency tests. */
typedef struct ctx_spec {
  const char *name;
  int audio_ctx, text_ctx, vocab_stored;
} ctx_spec;
static const ctx_spec micro_ctx = {"micro", 16, 8, 256};

static const size_spec sizes[] = {
    {"tiny", 384, 6, 4, 4, 51865, 80},         {"base", 512, 8, 6, 6, 51865, 80},
    {"small", 768, 12, 12, 12, 51865, 80},     {"medium", 1024, 16, 24, 24, 51865, 80},
    {"large-v1", 1280, 20, 32, 32, 51865, 80}, {"large-v2", 1280, 20, 32, 32, 51865, 80},
    {"large-v3", 1280, 20, 32, 32, 51866, 128}, {"large-v3-turbo", 1280, 20, 32, 4, 51866, 128},
    {"micro", 32, 1, 1, 1, 256, 80},
};

int wk_synth_model_type(const char *type) {
  static const struct { const char *name; int type; } types[] = {
      {"f32", WK_GGML_F32}, {"f16", WK_GGML_F16},   {"q8_0", WK_GGML_Q8_0}, {"q5_0", WK_GGML_Q5_0},
      {"q5_1", WK_GGML_Q5_1}, {"q4_0", WK_GGML_Q4_0}, {"q4_1", WK_GGML_Q4_1}};
  for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(type, types[i].name)) return types[i].type;
  return -1;
}

static int ftype_of(int type) { /* ggml ftype (+ 1000 · quantization version) */
  switch (type) {
  case WK_GGML_F32: return 0;
  case WK_GGML_F16: return 1;
  case WK_GGML_Q4_0: return 2 + 2000;
  case WK_GGML_Q4_1: return 3 + 2000;
  case WK_GGML_Q8_0: return 7 + 2000;
  case WK_GGML_Q5_0: return 8 + 2000;
  case WK_GGML_Q5_1: return 9 + 2000;
  }
  return -1;
}

/* ── output with error tracking ────────────────────────────────────────────────────────────── */

/* Where the bytes go: a FILE, a memory buffer of known capacity, or nowhere (counting only:
 * the first pass of write_memory sizes the buffer without generating any weights). */
typedef struct out {
  FILE *f;        /* or NULL */
  uint8_t *mem;   /* [cap] or NULL */
  size_t cap;
  size_t used;    /* bytes written (or counted) */
  int failed;
  int count_only;
} out;

static void put(out *o, const void *p, size_t n) {
  if (o->failed || !n) return;
  if (o->f && fwrite(p, 1, n, o->f) != n) o->failed = 1;
  if (o->mem) {
    if (o->cap - o->used < n) {
      o->failed = 1;
      return;
    }
    memcpy(o->mem + o->used, p, n);
  }
  o->used += n;
}
static void put_i32(out *o, int32_t v) {
  const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(o, b, 4);
}

/* ── random values ─────────────────────────────────────────────────────────────────────────── */

static uint64_t name_hash(const char *s) { /* FNV-1a */
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
  return h;
}

/* Approximately N(0, 1): the Irwin–Hall sum of four 16-bit uniforms from one 64-bit draw,
 * centred and scaled to unit variance (tails end at ±2√3).  One RNG call and no transcendental
 * per value: writing tiny (37 M weights) takes a fraction of a second, not seconds. */
static float gauss(wk_rng *r) {
  const uint64_t z = wk_rng_next(r);
  const int sum = (int)(z & 0xffff) + (int)(z >> 16 & 0xffff) + (int)(z >> 32 & 0xffff) + (int)(z >> 48);
  return (float)((sum + 2 - 2 * 65536) * (1.7320508075688772 / 65536));
}

/* ── vocabulary ────────────────────────────────────────────────────────────────────────────── */

static const char *const pairs[] = {
    "th", "he", "in", "er", "an", "re", "on", "at", "en", "nd", "ti", "es", "or", "te", "of",
    "ed", "is", "it", "al", "ar", "st", "to", "nt", "ng", "se", "ha", "as", "ou", "io", "le",
    "ve", "co", "me", "de", "hi", "ri", "ro", "ic", "ne", "ea", "ra", "ce", "li", "ch", "ll",
    "be", "ma", "si", "om", "ur"};
static const char *const words[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "on",
    "not", "he", "by", "are", "this", "at", "from", "have", "or", "one", "had", "but", "what",
    "all", "were", "when", "we", "there", "can", "an", "your", "which", "their", "said", "if",
    "do", "will", "each", "about", "how", "up", "out", "them", "then", "she", "many", "some",
    "so", "these", "would", "other", "into", "has", "more", "her", "two", "like", "him", "see",
    "time", "could", "no", "make", "than", "first", "been", "its", "who", "now", "people", "my",
    "made", "over", "did", "down", "only", "way", "find", "use", "may", "water", "long",
    "little", "very", "after", "words", "called", "just", "where", "most", "know"};
static const char *const utf8[] = {"é", "è", "ü", "ö", "ä", "ñ", "ß", "ç", "日", "本", "語",
                                   "中", "の", "は", "—", "’", "“", "”", "€", "ł", "ś", "я",
                                   "д", "α", "β"};
static const char *const fragments[] = {"\xe2\x80", "\xe3\x81", "\xc3", "\x80", "\xbf",
                                        "\xf0\x9f", "\x98", "\xe6"}; /* not valid UTF-8 */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct vocab_set {
  uint8_t *arena; /* token bytes, back to back */
  size_t used, cap;
  uint64_t *slot; /* [n_slots] (offset << 8 | length) + 1; 0 = empty */
  size_t n_slots;
} vocab_set;

/* Inserts tok[0..len) if new; returns 1 if inserted, 0 if present, −1 on out-of-memory. */
static int vocab_insert(vocab_set *v, const uint8_t *tok, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) h = (h ^ tok[i]) * 0x100000001b3ull;
  for (size_t i = h & (v->n_slots - 1);; i = (i + 1) & (v->n_slots - 1)) {
    if (!v->slot[i]) break;
    const uint64_t e = v->slot[i] - 1;
    if ((e & 0xff) == len && !memcmp(v->arena + (e >> 8), tok, len)) return 0;
  }
  if (v->used + len > v->cap) return -1;
  memcpy(v->arena + v->used, tok, len);
  for (size_t i = h & (v->n_slots - 1);; i = (i + 1) & (v->n_slots - 1))
    if (!v->slot[i]) {
      v->slot[i] = ((uint64_t)v->used << 8 | len) + 1;
      break;
    }
  v->used += len;
  return 1;
}

static wk_status write_vocab(out *o, int count) {
  vocab_set v = {0};
  v.cap = (size_t)count * 32, v.n_slots = 1 << 17;
  v.arena = malloc(v.cap), v.slot = calloc(v.n_slots, sizeof *v.slot);
  if (!v.arena || !v.slot) {
    free(v.arena), free(v.slot);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "synth model: out of memory");
  }
  put_i32(o, count);
  wk_rng r = {0x766f636162756c61ull}; /* the same vocabulary for every seed */
  int n = 0;
  for (int b = 0; b < 256 && n < count; b++, n++) {
    const uint8_t byte = (uint8_t)b;
    vocab_insert(&v, &byte, 1);
    put_i32(o, 1), put(o, &byte, 1);
  }
  while (n < count) {
    uint8_t tok[64];
    size_t len = 0;
    if (wk_rng_next(&r) & 1) tok[len++] = ' ';
    const int pieces = 1 + (int)(wk_rng_next(&r) % 3);
    for (int p = 0; p < pieces; p++) {
      const uint64_t kind = wk_rng_next(&r) % 100, pick = wk_rng_next(&r);
      const char *s = kind < 55   ? pairs[pick % COUNT(pairs)]
                      : kind < 85 ? words[pick % COUNT(words)]
                      : kind < 95 ? utf8[pick % COUNT(utf8)]
                                  : fragments[pick % COUNT(fragments)];
      const size_t l = strlen(s);
      memcpy(tok + len, s, l), len += l;
    }
    const size_t first = tok[0] == ' ' ? 1 : 0;
    if (wk_rng_next(&r) % 7 == 0 && tok[first] >= 'a' && tok[first] <= 'z') tok[first] -= 32;
    const int ins = vocab_insert(&v, tok, len);
    if (ins < 0) break;
    if (ins == 0) continue;
    put_i32(o, (int32_t)len), put(o, tok, len);
    n++;
  }
  free(v.arena), free(v.slot);
  return n == count ? WK_STATUS_OK : wk_error(WK_STATUS_INTERNAL, "synth model: vocabulary generation failed");
}

/* ── tensors ───────────────────────────────────────────────────────────────────────────────── */

typedef enum { T_MAT, T_CONV_W, T_CONV_B, T_BIAS, T_LN_G, T_LN_B, T_POS_ENC, T_POS_DEC } kind;

typedef struct writer {
  out *o;
  int type;           /* the file's type (f32, f16 or a quantized type) */
  uint64_t seed;
  int d;
  int outliers;
  int out_ch[4];      /* outlier channels */
  float out_f[4];     /* their factors */
  float *buf;         /* [chunk] generation buffer */
  uint8_t *qbuf;      /* [chunk · 4] output buffer */
  size_t chunk;
  /* capture mode (wk_synth_model_values): only this tensor's values are generated, into
   * capture_out; nothing is written */
  const char *capture;
  float *capture_out;
  size_t capture_n;
  int captured;
} writer;

static int ends_with(const char *s, const char *suffix) {
  const size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

/* Is this an encoder-layer tensor the outlier option touches?  1: LN gain/bias (multiply),
 * 2: a matrix reading the LN output (divide its input columns). */
static int outlier_role(const char *name) {
  if (strncmp(name, "encoder.blocks.", 15)) return 0;
  if (ends_with(name, ".attn_ln.weight") || ends_with(name, ".attn_ln.bias") ||
      ends_with(name, ".mlp_ln.weight") || ends_with(name, ".mlp_ln.bias"))
    return 1;
  if (ends_with(name, ".attn.query.weight") || ends_with(name, ".attn.key.weight") ||
      ends_with(name, ".attn.value.weight") || ends_with(name, ".mlp.0.weight"))
    return 2;
  return 0;
}

/* Writes one tensor: header (ne in ggml order: ne[0] fastest), name, data generated row-chunk by
 * row-chunk.  rows × cols is the PyTorch shape flattened to 2-D (cols = ne[0]). */
static wk_status write_tensor(writer *w, const char *name, kind k, int n_dims, const int32_t *ne) {
  size_t rows = 1;
  for (int i = 1; i < n_dims; i++) rows *= (size_t)ne[i];
  const size_t cols = (size_t)ne[0];
  /* the type this tensor gets (convert-pt-to-ggml.py, then the quantize tool) */
  int type = WK_GGML_F32, fp16_first = 0;
  if (w->type != WK_GGML_F32) {
    if (k == T_CONV_W) type = WK_GGML_F16;
    if (k == T_MAT) type = w->type, fp16_first = w->type != WK_GGML_F16;
  }
  out *o = w->o;
  put_i32(o, n_dims), put_i32(o, (int32_t)strlen(name)), put_i32(o, type);
  for (int i = 0; i < n_dims; i++) put_i32(o, ne[i]);
  put(o, name, strlen(name));
  const int capture = w->capture && !strcmp(name, w->capture);
  if (capture && w->capture_n != rows * cols)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: '%s' has %zu values, not %zu", name,
                    rows * cols, w->capture_n);
  if (o->count_only && !capture) { /* sizes only: no weights generated */
    o->used += rows * cols / (size_t)wk_ggml_block_size(type) * (size_t)wk_ggml_block_bytes(type);
    return WK_STATUS_OK;
  }
  wk_rng r = {w->seed ^ name_hash(name)};
  wk_rng_next(&r);
  const int role = w->outliers ? outlier_role(name) : 0;
  const size_t rows_per_chunk = w->chunk / cols > 0 ? w->chunk / cols : 1;
  for (size_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
    const size_t nr = rows - r0 < rows_per_chunk ? rows - r0 : rows_per_chunk;
    float *x = capture ? w->capture_out + r0 * cols : w->buf; /* [nr][cols] */
    for (size_t i = 0; i < nr; i++) {
      float *row = x + i * cols;
      const size_t t = r0 + i; /* row index */
      for (size_t j = 0; j < cols; j++) {
        switch (k) {
        case T_MAT:
        case T_CONV_W: row[j] = 0.02f * gauss(&r); break;
        case T_CONV_B:
        case T_BIAS: row[j] = 0.01f * gauss(&r); break;
        case T_LN_G: row[j] = 1.0f + 0.1f * (float)(2.0 * wk_rng_uniform(&r) - 1.0); break;
        case T_LN_B: row[j] = 0.02f * gauss(&r); break;
        case T_POS_DEC: row[j] = 0.01f * gauss(&r); break;
        case T_POS_ENC: {
          /* sinusoids(): PyTorch float32 — inv = exp(−inc·i) (float32), t·inv in float32 */
          const size_t half = cols / 2, c = j < half ? j : j - half;
          const double inc = log(10000.0) / (double)(half - 1);
          const float inv = (float)exp((double)((float)c * (float)-inc));
          const float a = (float)t * inv;
          row[j] = (float)(j < half ? sin((double)a) : cos((double)a));
          break;
        }
        }
      }
      if (role == 1) /* LN gain/bias: the outlier channels ×factor */
        for (int c = 0; c < 4; c++) row[w->out_ch[c]] *= w->out_f[c];
      if (role == 2) /* matrices reading the LN output: those input columns ÷factor */
        for (int c = 0; c < 4; c++) row[w->out_ch[c]] /= w->out_f[c];
      if (fp16_first && !capture) /* the quantize tool reads the f16 file: round first */
        for (size_t j = 0; j < cols; j++) row[j] = wk_f16_to_f32(wk_f32_to_f16(row[j]));
    }
    if (capture) continue;
    const size_t bytes = wk_ggml_quantize_row(type, x, w->qbuf, nr * cols);
    put(o, w->qbuf, bytes);
  }
  if (capture) w->captured = 1;
  return o->failed ? wk_error(WK_STATUS_IO_ERROR, "synth model: write failed in tensor '%s'", name)
                   : WK_STATUS_OK;
}

static wk_status write_attention(writer *w, const char *prefix, int i, const char *part) {
  const int32_t d = w->d, m2[2] = {d, d}, v1[1] = {d};
  char name[128];
  wk_status s = WK_STATUS_OK;
#define T(k, nd, ne, suffix)                                                                    \
  if (!s) snprintf(name, sizeof name, "%s.blocks.%d.%s%s", prefix, i, part, suffix),            \
          s = write_tensor(w, name, k, nd, ne)
  T(T_MAT, 2, m2, ".query.weight");
  T(T_BIAS, 1, v1, ".query.bias");
  T(T_MAT, 2, m2, ".key.weight");
  T(T_MAT, 2, m2, ".value.weight");
  T(T_BIAS, 1, v1, ".value.bias");
  T(T_MAT, 2, m2, ".out.weight");
  T(T_BIAS, 1, v1, ".out.bias");
  T(T_LN_G, 1, v1, "_ln.weight");
  T(T_LN_B, 1, v1, "_ln.bias");
#undef T
  return s;
}

static wk_status write_mlp(writer *w, const char *prefix, int i) {
  const int32_t d = w->d, up[2] = {d, 4 * d}, down[2] = {4 * d, d}, v1[1] = {d}, v4[1] = {4 * d};
  char name[128];
  wk_status s = WK_STATUS_OK;
#define T(k, nd, ne, suffix)                                                                    \
  if (!s) snprintf(name, sizeof name, "%s.blocks.%d%s", prefix, i, suffix),                     \
          s = write_tensor(w, name, k, nd, ne)
  T(T_MAT, 2, up, ".mlp.0.weight");
  T(T_BIAS, 1, v4, ".mlp.0.bias");
  T(T_MAT, 2, down, ".mlp.2.weight");
  T(T_BIAS, 1, v1, ".mlp.2.bias");
  T(T_LN_G, 1, v1, ".mlp_ln.weight");
  T(T_LN_B, 1, v1, ".mlp_ln.bias");
#undef T
  return s;
}

static wk_status write_model(const wk_synth_model_options *opt, out *o_, writer *capture);

wk_status wk_synth_model_write(const wk_synth_model_options *opt, FILE *f) {
  if (!opt || !f) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: NULL argument");
  out o = {f, NULL, 0, 0, 0, 0};
  const wk_status s = write_model(opt, &o, NULL);
  if (!s && fflush(f) != 0) return wk_error(WK_STATUS_IO_ERROR, "synth model: write failed");
  return s;
}

static wk_status write_model(const wk_synth_model_options *opt, out *o_, writer *capture) {
  const size_spec *sp = NULL;
  for (size_t i = 0; opt->size && i < COUNT(sizes); i++)
    if (!strcmp(opt->size, sizes[i].name)) sp = &sizes[i];
  if (!sp) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: unknown size '%s'", opt->size ? opt->size : "(null)");
  if (opt->english && sp->d == 1280)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: %s has no English-only (.en) variant", sp->name);
  const int type = wk_synth_model_type(opt->type);
  if (type < 0) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: unknown type '%s'", opt->type ? opt->type : "(null)");
  const int micro = !strcmp(sp->name, micro_ctx.name);
  if (opt->english && micro)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: micro has no English-only (.en) variant");
  const int n_vocab = opt->english ? 51864 : sp->n_vocab, d = sp->d;
  const int audio_ctx = micro ? micro_ctx.audio_ctx : 1500, text_ctx = micro ? micro_ctx.text_ctx : 448;
  const int vocab_stored = micro ? micro_ctx.vocab_stored : opt->english ? 50256 : 50257;
  out o = *o_;
  /* header: magic + the 11 hparams */
  const int32_t hp[12] = {(int32_t)WK_GGML_MAGIC, n_vocab, audio_ctx, d, sp->heads, sp->layers,
                          text_ctx, d, sp->heads, sp->text_layers, sp->n_mels, ftype_of(type)};
  for (int i = 0; i < 12; i++) put_i32(&o, hp[i]);
  /* mel filters */
  float *mel = malloc((size_t)sp->n_mels * WK_MEL_N_FFT_BINS * sizeof(float));
  if (!mel) return wk_error(WK_STATUS_OUT_OF_MEMORY, "synth model: out of memory");
  wk_status s = wk_mel_filters_slaney(sp->n_mels, mel);
  put_i32(&o, sp->n_mels), put_i32(&o, WK_MEL_N_FFT_BINS);
  put(&o, mel, (size_t)sp->n_mels * WK_MEL_N_FFT_BINS * sizeof(float)); /* little-endian host */
  free(mel);
  if (!s) s = write_vocab(&o, vocab_stored);
  writer w = {&o, type, opt->seed, d, opt->outliers, {0}, {30, 38, 44, 50}, NULL, NULL, 1 << 20,
              NULL, NULL, 0, 0};
  if (capture) w.capture = capture->capture, w.capture_out = capture->capture_out, w.capture_n = capture->capture_n;
  if (opt->outliers) { /* four distinct channels from the seed */
    wk_rng r = {opt->seed ^ 0x6f75746c69657273ull};
    for (int c = 0; c < 4;) {
      const int ch = (int)(wk_rng_next(&r) % (uint64_t)d);
      int dup = 0;
      for (int k = 0; k < c; k++) dup |= w.out_ch[k] == ch;
      if (!dup) w.out_ch[c++] = ch;
    }
  }
  w.buf = malloc(w.chunk * sizeof(float) + 4 * (size_t)d * 4 * sizeof(float));
  w.qbuf = malloc(w.chunk * 4 + 4 * (size_t)d * 4 * 4);
  if (!w.buf || !w.qbuf) s = s ? s : wk_error(WK_STATUS_OUT_OF_MEMORY, "synth model: out of memory");
  const int32_t pos_e[2] = {d, audio_ctx}, conv1[3] = {3, sp->n_mels, d}, conv2[3] = {3, d, d};
  const int32_t cb[2] = {1, d}, v1[1] = {d}, pos_d[2] = {d, text_ctx}, emb[2] = {d, n_vocab};
  if (!s) s = write_tensor(&w, "encoder.positional_embedding", T_POS_ENC, 2, pos_e);
  if (!s) s = write_tensor(&w, "encoder.conv1.weight", T_CONV_W, 3, conv1);
  if (!s) s = write_tensor(&w, "encoder.conv1.bias", T_CONV_B, 2, cb);
  if (!s) s = write_tensor(&w, "encoder.conv2.weight", T_CONV_W, 3, conv2);
  if (!s) s = write_tensor(&w, "encoder.conv2.bias", T_CONV_B, 2, cb);
  for (int i = 0; i < sp->layers && !s; i++)
    if (!(s = write_attention(&w, "encoder", i, "attn"))) s = write_mlp(&w, "encoder", i);
  if (!s) s = write_tensor(&w, "encoder.ln_post.weight", T_LN_G, 1, v1);
  if (!s) s = write_tensor(&w, "encoder.ln_post.bias", T_LN_B, 1, v1);
  if (!s) s = write_tensor(&w, "decoder.positional_embedding", T_POS_DEC, 2, pos_d);
  if (!s) s = write_tensor(&w, "decoder.token_embedding.weight", T_MAT, 2, emb);
  for (int i = 0; i < sp->text_layers && !s; i++)
    if (!(s = write_attention(&w, "decoder", i, "attn")) &&
        !(s = write_attention(&w, "decoder", i, "cross_attn")))
      s = write_mlp(&w, "decoder", i);
  if (!s) s = write_tensor(&w, "decoder.ln.weight", T_LN_G, 1, v1);
  if (!s) s = write_tensor(&w, "decoder.ln.bias", T_LN_B, 1, v1);
  free(w.buf), free(w.qbuf);
  if (capture) capture->captured = w.captured;
  if (!s && o.failed) s = wk_error(WK_STATUS_IO_ERROR, "synth model: write failed");
  *o_ = o;
  return s;
}

wk_status wk_synth_model_write_file(const wk_synth_model_options *o, const char *path) {
  if (!path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: path is NULL");
  FILE *f = fopen(path, "wb");
  if (!f) return wk_error(WK_STATUS_IO_ERROR, "synth model: cannot create '%s'", path);
  wk_status s = wk_synth_model_write(o, f);
  if (fclose(f) != 0 && !s) s = wk_error(WK_STATUS_IO_ERROR, "synth model: cannot write '%s'", path);
  if (s) remove(path);
  return s;
}

wk_status wk_synth_model_write_memory(const wk_synth_model_options *o, uint8_t **data, size_t *size) {
  if (!data || !size) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: NULL argument");
  /* pass 1 counts the bytes (no weights generated), pass 2 writes into an exact-size buffer */
  out count = {NULL, NULL, 0, 0, 0, 1};
  wk_status s = write_model(o, &count, NULL);
  if (s) return s;
  out mem = {NULL, malloc(count.used ? count.used : 1), count.used, 0, 0, 0};
  if (!mem.mem) return wk_error(WK_STATUS_OUT_OF_MEMORY, "synth model: cannot allocate %zu bytes", count.used);
  s = write_model(o, &mem, NULL);
  if (!s && mem.used != count.used) s = wk_error(WK_STATUS_INTERNAL, "synth model: size mismatch");
  if (s) {
    free(mem.mem);
    return s;
  }
  *data = mem.mem, *size = mem.used;
  return WK_STATUS_OK;
}

wk_status wk_synth_model_values(const wk_synth_model_options *o, const char *name, float *values,
                                size_t n) {
  if (!name || !values) return wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: NULL argument");
  out count = {NULL, NULL, 0, 0, 0, 1};
  writer cap = {0};
  cap.capture = name, cap.capture_out = values, cap.capture_n = n;
  const wk_status s = write_model(o, &count, &cap);
  if (s) return s;
  return cap.captured ? WK_STATUS_OK
                      : wk_error(WK_STATUS_INVALID_ARGUMENT, "synth model: no tensor '%s'", name);
}
