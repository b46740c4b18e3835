/* alignment-heads.c — the alignment-head presets and the spec parser (alignment-heads.h). */
#include "decode/alignment-heads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

/* _ALIGNMENT_HEADS of openai/whisper (release 20250625), decoded: (layer, head) pairs. */
typedef struct preset {
  const char *name;
  int layers, heads, state; /* the model's decoder shape */
  int n;
  const unsigned char pairs[24][2];
} preset;

static const preset presets[] = {
    {"tiny.en", 4, 6, 384, 8, {{1, 0}, {2, 0}, {2, 5}, {3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}}},
    {"tiny", 4, 6, 384, 6, {{2, 2}, {3, 0}, {3, 2}, {3, 3}, {3, 4}, {3, 5}}},
    {"base.en", 6, 8, 512, 5, {{3, 3}, {4, 7}, {5, 1}, {5, 5}, {5, 7}}},
    {"base", 6, 8, 512, 8, {{3, 1}, {4, 2}, {4, 3}, {4, 7}, {5, 1}, {5, 2}, {5, 4}, {5, 6}}},
    {"small.en", 12, 12, 768, 19,
     {{6, 6}, {7, 0}, {7, 3}, {7, 8}, {8, 2}, {8, 5}, {8, 7}, {9, 0}, {9, 4}, {9, 8}, {9, 10},
      {10, 0}, {10, 1}, {10, 2}, {10, 3}, {10, 6}, {10, 11}, {11, 2}, {11, 4}}},
    {"small", 12, 12, 768, 10,
     {{5, 3}, {5, 9}, {8, 0}, {8, 4}, {8, 7}, {8, 8}, {9, 0}, {9, 7}, {9, 9}, {10, 5}}},
    {"medium.en", 24, 16, 1024, 18,
     {{11, 4}, {14, 1}, {14, 12}, {14, 14}, {15, 4}, {16, 0}, {16, 4}, {16, 9}, {17, 12},
      {17, 14}, {18, 7}, {18, 10}, {18, 15}, {20, 0}, {20, 3}, {20, 9}, {20, 14}, {21, 12}}},
    {"medium", 24, 16, 1024, 6, {{13, 15}, {15, 4}, {15, 15}, {16, 1}, {20, 0}, {23, 4}}},
    {"large-v1", 32, 20, 1280, 9,
     {{9, 19}, {11, 2}, {11, 4}, {11, 17}, {22, 7}, {22, 11}, {22, 17}, {23, 2}, {23, 15}}},
    {"large-v2", 32, 20, 1280, 23,
     {{10, 12}, {13, 17}, {16, 11}, {16, 12}, {16, 13}, {17, 15}, {17, 16}, {18, 4},
      {18, 11}, {18, 19}, {19, 11}, {21, 2}, {21, 3}, {22, 3}, {22, 9}, {22, 12}, {23, 5},
      {23, 7}, {23, 13}, {25, 5}, {26, 1}, {26, 12}, {27, 15}}},
    {"large-v3", 32, 20, 1280, 10,
     {{7, 0}, {10, 17}, {12, 18}, {13, 12}, {16, 1}, {17, 14}, {19, 11}, {21, 4}, {24, 1},
      {25, 6}}},
    {"large-v3-turbo", 4, 20, 1280, 6, {{2, 4}, {2, 11}, {3, 3}, {3, 6}, {3, 11}, {3, 14}}},
};
#define N_PRESETS (int)(sizeof presets / sizeof presets[0])

static const preset *find_preset(const char *name) {
  for (int i = 0; i < N_PRESETS; i++)
    if (!strcmp(presets[i].name, name)) return &presets[i];
  return NULL;
}

/* The preset whose shape the model has ("auto"), or NULL. */
static const preset *auto_preset(int layers, int heads, int state, int n_vocab, int n_mels) {
  const int en = n_vocab == 51864;
  const char *name = NULL;
  if (state == 384 && layers == 4 && heads == 6) name = en ? "tiny.en" : "tiny";
  else if (state == 512 && layers == 6 && heads == 8) name = en ? "base.en" : "base";
  else if (state == 768 && layers == 12 && heads == 12) name = en ? "small.en" : "small";
  else if (state == 1024 && layers == 24 && heads == 16) name = en ? "medium.en" : "medium";
  else if (state == 1280 && heads == 20 && !en && layers == 32)
    name = n_mels == 128 ? "large-v3" : "large-v2";
  else if (state == 1280 && heads == 20 && !en && layers == 4 && n_mels == 128)
    name = "large-v3-turbo";
  return name ? find_preset(name) : NULL;
}

static int cmp_pair(const void *a, const void *b) {
  const int *x = a, *y = b;
  return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
}

wk_status wk_alignment_heads(const char *spec, int layers, int heads, int state, int n_vocab,
                             int n_mels, int **pairs, int *n) {
  if (!pairs || !n) return wk_error(WK_STATUS_INVALID_ARGUMENT, "alignment heads: NULL output");
  *pairs = NULL, *n = 0;
  if (layers < 1 || heads < 1 || layers > 4096 || heads > 4096)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "alignment heads: a decoder of %d layers × %d heads",
                    layers, heads);
  const preset *p = NULL;
  int last_half = 0;
  if (!spec || !*spec || !strcmp(spec, "auto")) {
    p = auto_preset(layers, heads, state, n_vocab, n_mels);
    last_half = !p;
  } else if (!strcmp(spec, "all-last-half")) {
    last_half = 1;
  } else if (!strchr(spec, ':')) {
    p = find_preset(spec);
    if (!p)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "alignment heads: unknown preset '%s' (tiny[.en], base[.en], small[.en], "
                      "medium[.en], large-v1, large-v2, large-v3, large-v3-turbo, all-last-half, "
                      "auto or L:H,L:H…)", spec);
    if (p->layers != layers || p->heads != heads)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "alignment heads: preset '%s' is for %d decoder layers × %d heads; this "
                      "model has %d × %d", spec, p->layers, p->heads, layers, heads);
  }
  size_t count;
  if (p) count = (size_t)p->n;
  else if (last_half) count = (size_t)(layers - layers / 2) * (size_t)heads;
  else { /* "L:H,L:H…": at most one pair per comma-separated item */
    count = 1;
    for (const char *c = spec; *c; c++) count += *c == ',';
  }
  int *v = wk_alloc_array(2 * count, sizeof(int));
  if (!v) return wk_error(WK_STATUS_OUT_OF_MEMORY, "alignment heads: out of memory");
  int m = 0;
  if (p) {
    for (int i = 0; i < p->n; i++) v[2 * i] = p->pairs[i][0], v[2 * i + 1] = p->pairs[i][1];
    m = p->n;
  } else if (last_half) {
    for (int l = layers / 2; l < layers; l++)
      for (int h = 0; h < heads; h++) v[2 * m] = l, v[2 * m + 1] = h, m++;
  } else {
    const char *c = spec;
    for (;;) {
      char *e1 = (char *)c, *e2 = NULL;
      long l = -1, h = -1;
      errno = 0;
      if (*c >= '0' && *c <= '9') l = strtol(c, &e1, 10); /* digits only: no sign, no space */
      if (*e1 == ':' && e1[1] >= '0' && e1[1] <= '9') h = strtol(e1 + 1, &e2, 10);
      if (e1 == c || !e2 || errno || (*e2 && *e2 != ',')) {
        wk_free(v);
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "alignment heads: '%s' is not a list of LAYER:HEAD pairs", spec);
      }
      if (l < 0 || l >= layers || h < 0 || h >= heads) {
        wk_free(v);
        return wk_error(WK_STATUS_INVALID_ARGUMENT,
                        "alignment heads: %ld:%ld is outside %d layers × %d heads", l, h, layers,
                        heads);
      }
      v[2 * m] = (int)l, v[2 * m + 1] = (int)h, m++;
      if (!*e2) break;
      c = e2 + 1;
    }
    qsort(v, (size_t)m, 2 * sizeof(int), cmp_pair); /* layer-major, as the mask's nonzero() */
    for (int i = 1; i < m; i++)
      if (v[2 * i] == v[2 * i - 2] && v[2 * i + 1] == v[2 * i - 1]) {
        const int l = v[2 * i], h = v[2 * i + 1];
        wk_free(v);
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "alignment heads: %d:%d twice", l, h);
      }
  }
  *pairs = v, *n = m;
  return WK_STATUS_OK;
}
