/* decoding.h — Whisper's decoding of one 30-s window: the logit filters, greedy and beam
 * search, the ranking of the candidates (internal API).
 *
 * openai/whisper's whisper/decoding.py is the specification (DecodingTask._main_loop, run):
 *   initial tokens = [sot_prev, prompt[-(n_ctx/2 − 1):]…] (when there is a prompt) + the SOT
 *     sequence (sot, <|lang|>, <|transcribe|>|<|translate|> for multilingual vocabularies, sot
 *     alone for English-only ones; + <|notimestamps|> without timestamps); sample_begin is its
 *     length;
 *   per step, on the logits of each beam's last position, the filters in decoding.py's order:
 *     SuppressBlank (only at sample_begin: encode(" ") and eot → −inf),
 *     SuppressTokens (the suppress list → −inf),
 *     ApplyTimestampRules (unless without_timestamps): <|notimestamps|> → −inf; of the sampled
 *       tokens, a timestamp after a timestamp (or as the first) → no timestamp next, a timestamp
 *       after text → no text next (eot allowed); timestamps below the last one (below last + 1
 *       unless the last token closes a pair) → −inf; at sample_begin only timestamps, at most
 *       <|max_initial|>; then if logsumexp(timestamp log-probs) > max text-token log-prob, every
 *       text token (ids < timestamp_begin, eot included) → −inf;
 *   GreedyDecoder (temperature 0: argmax, the lowest id on ties; temperature T > 0: a draw from
 *     softmax(logits / T) with the deterministic wk_rng seeded by options.seed), summing the
 *     log-softmax (of the filtered, untempered logits) of each chosen token, eot included; with
 *     best_of = n at T > 0 (decoding.py's n_group), n rows sampled side by side — each step
 *     draws for row 0, 1, … in turn from the one generator, a row that has ended draws nothing
 *     and takes eot again (its sum unchanged: sum_logprobs += … · (tokens[:, −1] != eot)) — and
 *     done when every row has ended; the ranker below picks one of the n;
 *   BeamSearchDecoder: per beam the top beam_size + 1 log-probs (descending, lower id first on
 *     ties), candidates scored sum + logprob (a candidate equal to an earlier one — only when two
 *     beams hold the same tokens, at the first step — replaces its score and source but keeps its
 *     place), sorted by score descending (stable: ties keep the candidates' order); eot
 *     candidates met before beam_size live ones are kept go to the finished list (newly finished
 *     in that order, while it has fewer than max_candidates = round(beam_size · patience), round
 *     half to even as Python's round); done when it holds max_candidates; at the end, if fewer
 *     than beam_size are finished, the live beams are added by descending sum (the higher beam
 *     index first on ties, what np.argsort(…)[::-1] gives for ≤ 16 equal values);
 *   the loop runs at most sample_len (n_text_ctx / 2) steps and stops when the sequence passes
 *     n_text_ctx tokens;
 *   MaximumLikelihoodRanker: the candidate (sampled tokens up to the first eot) maximizing
 *     sum_logprob / penalty, penalty = length (length_penalty < 0: None) or ((5 + length) / 6)^α,
 *     the first on ties (a length-0 candidate gets penalty 1: Python would divide by zero);
 *   avg_logprob = sum_logprob / (length + 1); no_speech_prob = softmax(logits at the SOT
 *     position)[no_speech] on the unfiltered logits of the first step.
 *
 * Precision: the logits are the decoder's floats; every log-softmax, logsumexp, probability and
 * beam score is computed in double (Whisper computes log_softmax in float32 and keeps the beam
 * sums in a float32 tensor: the two agree except where scores tie within float32 rounding). */
#ifndef WK_DECODING_H
#define WK_DECODING_H

#include <stddef.h>
#include <stdint.h>

#include "decode/tokenizer.h"
#include "model/decoder.h"
#include "whisk.h"

#define WK_DECODE_MAX_BEAMS 64

typedef struct wk_decode_options {
  float temperature;           /* ≥ 0; 0: argmax (greedy only; beam search ignores it) */
  int beam_size;               /* 0: greedy; 1 … 64: beam search */
  int best_of;                 /* greedy at temperature > 0: that many independent samples, the
                                  best ranked kept (0 or 1: one; ignored at temperature 0 and
                                  with beam search, as transcribe.py drops it); ≤ 64 */
  float patience;              /* beam search; ≤ 0: None (1.0); max_candidates ≤ 4096 */
  float length_penalty;        /* < 0: None (length normalization); 0 … 1: α */
  int sample_len;              /* 0: n_text_ctx / 2 */
  int suppress_blank;          /* SuppressBlank (default 1) */
  const int *suppress_tokens;  /* [n_suppress_tokens] more ids → −inf at every step (decoding.py's
                                  suppress_tokens ids ≥ 0; each < n_vocab), or NULL */
  int n_suppress_tokens;
  int suppress_non_speech;     /* suppress_tokens "-1" (default 1): the tokenizer's non-speech
                                  tokens; 0: "" — only the special tokens decoding.py always adds */
  int without_timestamps;      /* <|notimestamps|> in the SOT sequence, no timestamp rules */
  float max_initial_timestamp; /* seconds (default 1.0); ≤ 0: no limit (Python's falsy 0) */
  int language;                /* language index (0 = en) for multilingual vocabularies */
  int translate;               /* <|translate|> instead of <|transcribe|> */
  uint64_t seed;               /* the sampling RNG's seed (temperature > 0) */
} wk_decode_options;

/* decoding.py's DecodingOptions defaults: greedy, temperature 0, timestamps, suppress blank and
 * non-speech, max_initial_timestamp 1.0, English. */
void wk_decode_options_default(wk_decode_options *o);

/* ids[n] as a suppress list for an n_vocab vocabulary: n ≥ 0, ids non-NULL when n > 0, every id
 * in 0 … n_vocab − 1; otherwise INVALID_ARGUMENT ("WHO: …", naming the first bad id). */
wk_status wk_decode_check_suppress(const int *ids, int n, int n_vocab, const char *who);

/* tokenizer.py's sot_sequence into seq[WK_SOT_MAX]: <|startoftranscript|>, then for a
 * multilingual vocabulary the language's token and <|translate|> or <|transcribe|>; returns its
 * length (1 or 3). */
#define WK_SOT_MAX 3
int wk_sot_sequence(const wk_special_tokens *sp, int language, int translate, int *seq);

/* The rows a decode with these options runs side by side (the decoder state's beams): beam_size
 * for beam search, best_of when sampling (temperature > 0), else 1. */
static inline int wk_decode_rows(const wk_decode_options *o) {
  if (o->beam_size > 0) return o->beam_size;
  return o->temperature != 0.0f && o->best_of > 1 ? o->best_of : 1;
}

typedef struct wk_decode_result {
  int *tokens;             /* [n_tokens] the sampled tokens, up to (without) eot; wk_free */
  int n_tokens;
  double sum_logprob;      /* of the chosen candidate */
  double avg_logprob;      /* sum_logprob / (n_tokens + 1) */
  double no_speech_prob;   /* NaN when the vocabulary has no <|nospeech|> (never here) */
  int n_steps;             /* decoder steps run after the prefill */
} wk_decode_result;
void wk_decode_result_free(wk_decode_result *r); /* frees tokens, zeroes; accepts NULL */

/* Decodes one window: the state must have audio set (wk_decoder_set_audio) and be at position 0,
 * with wk_decoder_state_beams = wk_decode_rows(o).  prompt_tokens[n_prompt]: the previous
 * text (ids < eot), may be NULL with n_prompt 0.  On failure *out is empty. */
wk_status wk_decode_window(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *state,
                           const wk_tokenizer *tok, const wk_decode_options *o,
                           const int *prompt_tokens, int n_prompt, wk_decode_result *out);

/* ── the pieces, for tests and other logits sources ── */

/* What DecodingTask derives from its options and the tokenizer. */
typedef struct wk_decode_rules {
  const wk_special_tokens *sp;
  const int *blank;     /* [n_blank] SuppressBlank's ids (encode(" ") + eot) */
  size_t n_blank;
  const int *suppress;  /* [n_suppress] SuppressTokens' ids */
  size_t n_suppress;
  int sample_begin;     /* length of the initial tokens */
  int suppress_blank;   /* apply SuppressBlank */
  int timestamps;       /* apply ApplyTimestampRules */
  int max_initial_timestamp_index; /* < 0: none; else round(max_initial_timestamp / 0.02) */
} wk_decode_rules;

/* Applies the filters to one beam's logits [n_vocab] (in place), the beam's tokens so far
 * tokens[n_tokens] (the initial ones included; n_tokens ≥ sample_begin).  Returns log Σ exp of
 * the filtered logits in double when the timestamp rules computed it on the way (the very
 * value a max-shifted sum over the row in index order gives), else NaN. */
double wk_decode_filter(const wk_decode_rules *r, float *logits, const int *tokens,
                        int n_tokens);

/* A source of logits: a decoder, or a scripted table in the tests. */
typedef struct wk_logits_source {
  void *user;
  int n_vocab, n_ctx;
  /* Appends tokens[n_beams][n_new] to every beam; logits [n_beams][n_vocab] of the last. */
  wk_status (*step)(void *user, const int *tokens, int n_new, float *logits);
  /* Beam b continues beam src_beam[b]'s history. */
  wk_status (*reorder)(void *user, const int *src_beam);
} wk_logits_source;

/* The main loop on any source, from initial[n_initial] (sot at sot_index) with
 * wk_decode_rows(o) rows; o->sample_len 0 means n_ctx / 2. */
wk_status wk_decode_run(const wk_logits_source *src, const wk_decode_rules *r,
                        const wk_decode_options *o, const int *initial, int n_initial,
                        int sot_index, wk_decode_result *out);

#endif
