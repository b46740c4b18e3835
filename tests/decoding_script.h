/* decoding_script.h — a scripted logits source for the decoding tests (tests/decoding_ref.py
 * computes the same logits): a small fake vocabulary with Whisper's layout, and logits that are
 * a hash of each beam's whole history, so greedy and beam search have real choices.
 *
 * Vocabulary (160 ids): text 0 … 89, eot 90, sot 91, <|xx|> 92 (one language), translate 93,
 * transcribe 94, sot_lm 95, sot_prev 96, no_speech 97, no_timestamps 98, timestamps 99 … 159.
 * Logits of a history t_0 … t_{L−1} (hash h = mix(…mix(mix(S ^ (t_0 + 1)) ^ (t_1 + 1))…),
 * mix(x) = splitmix64's output function of x + golden; u(x) = (x >> 11) · 2^-53):
 *   logit[v] = (float)(8 · u(mix(h + (v + 1) · golden)) + bias[v]),
 *   bias: text 0; eot −6 + 0.3 · L; timestamp v: −1.5 + 3 · u(mix(h ^ 0xabc)) − 0.15 · (v − 99);
 *   other specials 0. */
#ifndef WK_DECODING_SCRIPT_H
#define WK_DECODING_SCRIPT_H

#include <stdint.h>
#include <string.h>

#include "common/common.h"
#include "decode/decoding.h"

#define SCRIPT_V 160
#define SCRIPT_CTX 64
#define SCRIPT_GOLDEN 0x9e3779b97f4a7c15ull

static const wk_special_tokens script_special = {
    SCRIPT_V, 90, 90, 91, 92, 1, 93, 94, 95, 96, 97, 98, 99, 1};

static inline uint64_t script_mix(uint64_t z) {
  z += SCRIPT_GOLDEN;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static inline double script_u(uint64_t x) { return (double)(x >> 11) * 0x1p-53; }

/* logits[SCRIPT_V] of the history t[0 … n). */
static inline void script_logits(const int *t, int n, float *logits) {
  uint64_t h = 0x1234;
  for (int i = 0; i < n; i++) h = script_mix(h ^ (uint64_t)(t[i] + 1));
  const double ts_bias = -1.5 + 3.0 * script_u(script_mix(h ^ 0xabc));
  for (int v = 0; v < SCRIPT_V; v++) {
    double bias = 0.0;
    if (v == 90) bias = -6.0 + 0.3 * n;
    else if (v >= 99) bias = ts_bias - 0.15 * (v - 99);
    logits[v] = (float)(8.0 * script_u(script_mix(h + (uint64_t)(v + 1) * SCRIPT_GOLDEN)) + bias);
  }
}

typedef struct script_src {
  int n_beams, len;
  int hist[WK_DECODE_MAX_BEAMS][SCRIPT_CTX];
  int tmp[WK_DECODE_MAX_BEAMS][SCRIPT_CTX];
} script_src;

static inline wk_status script_step(void *u, const int *tokens, int n_new, float *logits) {
  script_src *s = u;
  if (s->len + n_new > SCRIPT_CTX) return wk_error(WK_STATUS_INVALID_ARGUMENT, "script: full");
  for (int b = 0; b < s->n_beams; b++) {
    memcpy(s->hist[b] + s->len, tokens + (size_t)b * n_new, (size_t)n_new * sizeof(int));
    script_logits(s->hist[b], s->len + n_new, logits + (size_t)b * SCRIPT_V);
  }
  s->len += n_new;
  return WK_STATUS_OK;
}
static inline wk_status script_reorder(void *u, const int *src) {
  script_src *s = u;
  for (int b = 0; b < s->n_beams; b++) memcpy(s->tmp[b], s->hist[src[b]], sizeof s->tmp[b]);
  memcpy(s->hist, s->tmp, sizeof s->hist);
  return WK_STATUS_OK;
}

#endif
