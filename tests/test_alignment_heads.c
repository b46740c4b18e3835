/* test_alignment_heads — which cross-attention heads word timestamps read
 * (src/decode/alignment-heads.c): "auto" per model shape, the default (the last half of
 * the layers), explicit pairs, and the errors. */
#include <string.h>

#include "decode/alignment-heads.h"
#include "test_util.h"

/* heads(spec, shape) == want[0 … n_want) (pairs), as a string for the message. */
static void expect(const char *spec, int layers, int heads, int state, int n_vocab, int n_mels,
                   const int *want, int n_want) {
  int *p = NULL, n = 0;
  const wk_status st = wk_alignment_heads(spec, layers, heads, state, n_vocab, n_mels, &p, &n);
  int ok = st == WK_STATUS_OK && n == n_want && p;
  for (int i = 0; ok && i < 2 * n; i++) ok = p[i] == want[i];
  CHECK(ok, "'%s' on %d×%d: status %d, %d pairs (want %d)%s%s", spec ? spec : "(null)", layers,
        heads, (int)st, n, n_want, st ? ": " : "", st ? wk_last_error() : "");
  wk_free(p);
}

static void refused(const char *spec, int layers, int heads, const char *msg) {
  int *p = (int *)1, n = 5;
  const wk_status st = wk_alignment_heads(spec, layers, heads, 512, 51865, 80, &p, &n);
  CHECK(st == WK_STATUS_INVALID_ARGUMENT && !p && n == 0 && strstr(wk_last_error(), msg),
        "'%s' on %d×%d: status %d, message '%s' (want '%s')", spec, layers, heads, (int)st,
        wk_last_error(), msg);
}

/* --dump: every preset as "name layers heads L:H L:H …" lines: tests/alignment_heads_ref.py
 * compares them with openai/whisper's _ALIGNMENT_HEADS masks, decoded from their base85 + gzip
 * text. */
static int dump(void) {
  static const struct { const char *name; int layers, heads, state, n_vocab, n_mels; } m[] = {
      {"tiny.en", 4, 6, 384, 51864, 80},       {"tiny", 4, 6, 384, 51865, 80},
      {"base.en", 6, 8, 512, 51864, 80},       {"base", 6, 8, 512, 51865, 80},
      {"small.en", 12, 12, 768, 51864, 80},    {"small", 12, 12, 768, 51865, 80},
      {"medium.en", 24, 16, 1024, 51864, 80},  {"medium", 24, 16, 1024, 51865, 80},
      {"large-v1", 32, 20, 1280, 51865, 80},   {"large-v2", 32, 20, 1280, 51865, 80},
      {"large-v3", 32, 20, 1280, 51866, 128},  {"large-v3-turbo", 4, 20, 1280, 51866, 128}};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    int *p = NULL, n = 0;
    if (wk_alignment_heads(m[i].name, m[i].layers, m[i].heads, m[i].state, m[i].n_vocab,
                           m[i].n_mels, &p, &n))
      return 1;
    printf("%s %d %d", m[i].name, m[i].layers, m[i].heads);
    for (int k = 0; k < n; k++) printf(" %d:%d", p[2 * k], p[2 * k + 1]);
    printf("\n");
    wk_free(p);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--dump")) return dump();
  /* auto: the preset of each shape (.en by the vocabulary, large by the mel bins) */
  const int tiny_en[] = {1, 0, 2, 0, 2, 5, 3, 0, 3, 1, 3, 2, 3, 3, 3, 4};
  const int tiny[] = {2, 2, 3, 0, 3, 2, 3, 3, 3, 4, 3, 5};
  const int base[] = {3, 1, 4, 2, 4, 3, 4, 7, 5, 1, 5, 2, 5, 4, 5, 6};
  const int medium[] = {13, 15, 15, 4, 15, 15, 16, 1, 20, 0, 23, 4};
  const int v2_first[] = {10, 12};
  const int v3[] = {7, 0, 10, 17, 12, 18, 13, 12, 16, 1, 17, 14, 19, 11, 21, 4, 24, 1, 25, 6};
  const int turbo[] = {2, 4, 2, 11, 3, 3, 3, 6, 3, 11, 3, 14};
  expect(NULL, 4, 6, 384, 51864, 80, tiny_en, 8);
  expect("auto", 4, 6, 384, 51865, 80, tiny, 6);
  expect("", 6, 8, 512, 51865, 80, base, 8);
  expect("auto", 24, 16, 1024, 51865, 80, medium, 6);
  expect("auto", 32, 20, 1280, 51866, 128, v3, 10);
  expect("auto", 4, 20, 1280, 51866, 128, turbo, 6);
  int *p = NULL, n = 0;
  CHECK(!wk_alignment_heads("auto", 32, 20, 1280, 51865, 80, &p, &n) && n == 23 &&
            p[0] == v2_first[0] && p[1] == v2_first[1],
        "80-bin large: large-v2's 23 heads (got %d)", n);
  wk_free(p);
  /* named presets; a custom shape: the default */
  expect("tiny", 4, 6, 384, 51864, 80, tiny, 6); /* a name overrides the vocabulary */
  const int last_half_full[] = {1, 0, 1, 1, 1, 2, 2, 0, 2, 1, 2, 2}; /* 3 × 3: layers 1, 2 */
  expect("auto", 3, 3, 96, 51865, 80, last_half_full, 6);
  expect("all-last-half", 3, 3, 96, 51865, 80, last_half_full, 6);
  expect("all-last-half", 1, 3, 96, 51865, 80, (const int[]){0, 0, 0, 1, 0, 2}, 3); /* 1 layer */
  /* explicit pairs: sorted layer-major, as a mask's nonzero() */
  const int pairs[] = {0, 1, 2, 0, 2, 2};
  expect("2:2,0:1,2:0", 3, 3, 96, 51865, 80, pairs, 3);
  expect("0:0", 1, 1, 96, 51865, 80, (const int[]){0, 0}, 1);
  /* errors: each names what is wrong, nothing is returned */
  refused("bogus", 6, 8, "unknown preset 'bogus'");
  refused("large-v2", 6, 8, "is for 32 decoder layers");
  refused("6:0", 6, 8, "6:0 is outside 6 layers");
  refused("0:8", 6, 8, "0:8 is outside");
  refused("1:1,1:1", 6, 8, "1:1 twice");
  refused("1:", 6, 8, "not a list");
  refused(":1", 6, 8, "not a list");
  refused("1:1,", 6, 8, "not a list");
  refused("1:1,,2:2", 6, 8, "not a list");
  refused("-1:1", 6, 8, "not a list");
  refused("1:+1", 6, 8, "not a list");
  refused(" 1:1", 6, 8, "not a list");
  refused("1:1x", 6, 8, "not a list");
  refused("99999999999999999999:1", 6, 8, "not a list");
  refused("auto", 0, 8, "a decoder of 0 layers");
  CHECK(wk_alignment_heads("auto", 6, 8, 512, 51865, 80, NULL, &n) == WK_STATUS_INVALID_ARGUMENT,
        "NULL output");
  return wk_test_finish("test_alignment_heads");
}
