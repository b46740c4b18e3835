/* make_seeds.c — writes the seed corpora of the fuzz targets into OUT/<target>/:
 *   fuzz_model: the synthetic "micro" model (tests/support/synth_model.h) in f32, f16, q8_0,
 *               q5_1 and q4_0, and the f16 one cut at each section boundary and mid-tensor;
 *   fuzz_audio: 0.05–0.2 s tones in WAV (16-bit, 8-bit, float stereo), FLAC and OGG/Vorbis at
 *               several rates (libsndfile);
 *   fuzz_npy:   int8, uint8 and float32 arrays of 0 … 3 dimensions (wk_npy_save), one empty,
 *               one in format version 2.0;
 *   fuzz_api:   deterministic random parameter blocks for both entry points;
 *   fuzz_tokenizer: texts (ASCII, contractions, digits, mixed scripts, invalid UTF-8: byte 0 even)
 *               and id arrays (byte 0 odd: text ids, specials, one out of range);
 *   fuzz_decoder: deterministic random plans (beams, features, steps, reorders);
 *   fuzz_transcribe: deterministic random scripts (audio length, options, decode results).
 * Usage: make_seeds OUT (OUT must exist; the target folders are created). */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"
#include "io/npy.h"
#include "synth_model.h"

static const char *out_dir;
static int failures;

static void write_bytes(const char *target, const char *name, const void *p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/%s", out_dir, target, name);
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
    fprintf(stderr, "make_seeds: cannot write %s\n", path);
    failures++;
  }
}

static void model_seeds(void) {
  static const char *const types[] = {"f32", "f16", "q8_0", "q5_1", "q4_0"};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    wk_synth_model_options o = {"micro", 0, types[t], 1 + t, t == 1};
    uint8_t *data = NULL;
    size_t size = 0;
    if (wk_synth_model_write_memory(&o, &data, &size) != WK_STATUS_OK) {
      fprintf(stderr, "make_seeds: micro %s: %s\n", types[t], wk_last_error());
      failures++;
      continue;
    }
    char name[64];
    snprintf(name, sizeof name, "micro-%s.bin", types[t]);
    write_bytes("fuzz_model", name, data, size);
    if (t == 1) { /* truncations: magic, hparams, mel filters, vocabulary, mid-file, last byte */
      const size_t cuts[] = {4, 48, 48 + 8 + 80 * 201 * 4, size / 2, size - 1};
      for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        snprintf(name, sizeof name, "micro-f16-cut%zu.bin", cuts[c]);
        write_bytes("fuzz_model", name, data, cuts[c] < size ? cuts[c] : size);
      }
    }
    free(data);
  }
}

static void audio_seed(const char *name, int format, int rate, int channels, double seconds) {
  char path[4096];
  snprintf(path, sizeof path, "%s/fuzz_audio/%s", out_dir, name);
  SF_INFO info = {0};
  info.samplerate = rate, info.channels = channels, info.format = format;
  SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
  if (!sf) {
    fprintf(stderr, "make_seeds: %s: %s\n", path, sf_strerror(NULL));
    failures++;
    return;
  }
  const sf_count_t frames = (sf_count_t)(seconds * rate);
  float *x = malloc((size_t)frames * (size_t)channels * sizeof *x); /* [frames][channels] */
  for (sf_count_t i = 0; x && i < frames; i++)
    for (int c = 0; c < channels; c++)
      x[i * channels + c] = 0.5f * (float)sin(2 * M_PI * (440.0 + 110 * c) * (double)i / rate);
  if (!x || sf_writef_float(sf, x, frames) != frames) {
    fprintf(stderr, "make_seeds: cannot write %s\n", path);
    failures++;
  }
  free(x);
  sf_close(sf);
}

static void npy_seed(const char *name, int dtype, int ndim, const int64_t *shape) {
  char path[4096];
  snprintf(path, sizeof path, "%s/fuzz_npy/%s", out_dir, name);
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  float *data = calloc((size_t)(n ? n : 1), sizeof(float));
  for (int64_t i = 0; data && i < n; i++) {
    if (dtype == WK_NPY_FLOAT32) data[i] = (float)i * 0.25f - 1.0f;
    else ((int8_t *)data)[i] = (int8_t)(i * 37 - 128);
  }
  if (!data || wk_npy_save(path, dtype, ndim, shape, data) != WK_STATUS_OK) {
    fprintf(stderr, "make_seeds: %s: %s\n", path, wk_last_error());
    failures++;
  }
  free(data);
}

static void npy_seeds(void) {
  const int64_t s34[] = {3, 4}, s5[] = {5}, s222[] = {2, 2, 2}, s03[] = {0, 3};
  npy_seed("i8-3x4.npy", WK_NPY_INT8, 2, s34);
  npy_seed("u8-5.npy", WK_NPY_UINT8, 1, s5);
  npy_seed("f32-2x2x2.npy", WK_NPY_FLOAT32, 3, s222);
  npy_seed("f32-scalar.npy", WK_NPY_FLOAT32, 0, NULL);
  npy_seed("i8-0x3.npy", WK_NPY_INT8, 2, s03);
  /* version 2.0: a 4-byte header length; big-endian float32 data */
  static const char hdr[] = "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }";
  uint8_t v2[12 + 64 + 8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 64, 0, 0, 0};
  memset(v2 + 12, ' ', 64);
  memcpy(v2 + 12, hdr, sizeof hdr - 1);
  v2[12 + 63] = '\n';
  const uint8_t be[8] = {0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0}; /* 1.0, −2.0 */
  memcpy(v2 + 76, be, 8);
  write_bytes("fuzz_npy", "f32-be-v2.npy", v2, sizeof v2);
}

/* `count` random inputs of min … min + spread − 1 bytes for `target`, named prefix00 …, from
 * the generator seeded with `seed`; head(i, buf) then sets input i's leading bytes. */
static void random_seeds(const char *target, const char *prefix, uint64_t seed, int count,
                         size_t min, size_t spread, void (*head)(int i, uint8_t *buf)) {
  wk_rng r = {seed};
  for (int i = 0; i < count; i++) {
    uint8_t buf[2048];
    const size_t n = min + (size_t)(wk_rng_next(&r) % spread);
    for (size_t j = 0; j < n; j++) buf[j] = (uint8_t)wk_rng_next(&r);
    head(i, buf);
    char name[32];
    snprintf(name, sizeof name, "%s%02d", prefix, i);
    write_bytes(target, name, buf, n);
  }
}

static void api_head(int i, uint8_t *buf) { buf[0] = (uint8_t)i; /* even: attention, odd: GEMM */ }

static void api_seeds(void) {
  random_seeds("fuzz_api", "case", 0x66757a7a617069ull, 32, 64, 448, api_head);
}

static void tokenizer_seeds(void) {
  static const char *const texts[] = {
      "", "Hello world", " the cat's in the hat, isn't it?  ", "1234567 + 89 = 1234656\n\n",
      ("caf\xc3\xa9 \xe2\x82\xac" "5 \xe2\x99\xaa\xe2\x99\xaa \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80"),
      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 -- <<x>> ...", "bad \xff\xc3 \xed\xa0\x80 \xe2\x82 end",
      "\t \r\n  \xc2\xa0 tabs and NBSP"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    uint8_t buf[256];
    const size_t n = strlen(texts[i]);
    buf[0] = 0; /* even: text */
    memcpy(buf + 1, texts[i], n);
    char name[32];
    snprintf(name, sizeof name, "text%02zu", i);
    write_bytes("fuzz_tokenizer", name, buf, n + 1);
  }
  wk_rng r = {0x746f6b656e73ull};
  for (int i = 0; i < 8; i++) { /* odd: ids (little-endian 16-bit; ≥ 0xfff0: the edges) */
    uint8_t buf[129];
    buf[0] = (uint8_t)(1 + 2 * i), buf[1] = (uint8_t)(i & 1); /* then the specials flag */
    for (int j = 0; j < 63; j++) {
      const uint32_t v = i == 7 && j == 5 ? 0xfff1u : (uint32_t)(wk_rng_next(&r) % (i < 4 ? 320 : 2000));
      buf[2 + 2 * j] = (uint8_t)v, buf[3 + 2 * j] = (uint8_t)(v >> 8);
    }
    char name[32];
    snprintf(name, sizeof name, "ids%02d", i);
    write_bytes("fuzz_tokenizer", name, buf, 128);
  }
}

static void decoder_head(int i, uint8_t *buf) {
  buf[0] = (uint8_t)i;                                         /* precision */
  buf[1] = (uint8_t)(2 + i % 5), buf[2] = buf[3] = buf[4] = 0; /* n_beams = 1 … 5 */
}

static void decoder_seeds(void) {
  random_seeds("fuzz_decoder", "plan", 0x6465636f646572ull, 16, 64, 960, decoder_head);
}

static void transcribe_head(int i, uint8_t *buf) {
  (void)i;
  buf[0] = 0; /* a valid audio length */
}

static void transcribe_seeds(void) {
  random_seeds("fuzz_transcribe", "script", 0x7472616e73637269ull, 16, 128, 1920,
               transcribe_head);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_seeds OUT\n");
    return 2;
  }
  out_dir = argv[1];
  static const char *const targets[] = {"fuzz_model", "fuzz_audio", "fuzz_npy", "fuzz_api",
                                           "fuzz_tokenizer", "fuzz_decoder", "fuzz_transcribe"};
  for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", out_dir, targets[i]);
    mkdir(path, 0777); /* may exist; a failure shows when the seeds are written */
  }
  model_seeds();
  audio_seed("pcm16-16k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, 0.1);
  audio_seed("u8-8k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8000, 1, 0.1);
  audio_seed("float-44k-stereo.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2, 0.05);
  audio_seed("pcm16-22k.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 1, 0.1);
  audio_seed("vorbis-16k.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 16000, 1, 0.2);
  npy_seeds();
  api_seeds();
  tokenizer_seeds();
  decoder_seeds();
  transcribe_seeds();
  return failures ? 1 : 0;
}
