/* transcribe.h — Whisper's outer loop over 30-s mel windows: temperature fallback, no-speech
 * skipping, segments from timestamp tokens, seeking, prompt conditioning, word timestamps and
 * the hallucination silence skip (internal API).
 *
 * openai/whisper's whisper/transcribe.py is the specification (transcribe(); the word
 * alignment itself is the source's add_words, decode/timing.h):
 *   clips: seek points round(t · 100) of clip_timestamps (none: [0]; an odd count: + content
 *     frames) taken in pairs (start, end) — whisk clamps each point to [0, content_frames]
 *     (transcribe.py would decode empty windows past the end);
 *   all_tokens = initial prompt; prompt_reset_since = 0; seek = the first clip's start;
 *   for each clip (start, end): seek = max(seek, start); while seek < end:
 *     time_offset = seek · 160 / 16000; segment_size = min(3000, content_frames − seek,
 *     end − seek); features of mel[seek : seek + segment_size] padded to 3000 frames;
 *     the prompt: all_tokens[prompt_reset_since:], or with carry_initial_prompt the initial
 *       prompt + all_tokens[max(len(initial), prompt_reset_since):][−r:] with
 *       r = n_text_ctx / 2 − 1 − len(initial) (Python's slice: r = 0 keeps all, r < 0 drops
 *       the first −r);
 *     decode_with_fallback with that prompt: for each temperature
 *       t (0, 0.2 … 1.0): decode (t > 0: beam_size dropped → sampling, best_of rows side by
 *       side), fallback when compression_ratio > 2.4 or avg_logprob < −1, but not when
 *       no_speech_prob > 0.6 and avg_logprob < −1 (silence); the last result is kept when
 *       every temperature fails;
 *     skip (seek += segment_size) when no_speech_prob > 0.6 unless avg_logprob > −1;
 *     segments: split after each pair of consecutive timestamp tokens (plus the tail when the
 *       tokens end with a single timestamp); start/end = time_offset + pos · 0.02 of the slice's
 *       first/last token; seek += segment_size after a single-timestamp ending, else seek +=
 *       2 · (last pair's timestamp position); without a pair: one segment time_offset …
 *       time_offset + (last timestamp position · 0.02 if there is one ≠ <|0.00|>, else the
 *       window's duration), seek += segment_size;
 *     a segment with start == end or blank text gets text "" and no tokens (it is kept);
 *     all_tokens += the segments' tokens (timestamps included);
 *     prompt_reset_since = len(all_tokens) when !condition_on_previous_text or t > 0.5.
 *   Per segment: text = tokenizer.decode(its tokens < eot); avg_logprob, compression_ratio
 *   (of the window's text: decode(all sampled tokens) stripped), no_speech_prob and temperature
 *   are the window's; seek is the window's start frame.
 * Word timestamps (word_timestamps; transcribe.py after the segments are made, before they are
 * cleared): add_words on the window's segments; unless the window ended with a single
 * timestamp, seek = round(last word end · 100) when that end is past time_offset.  With
 * hallucination_silence_threshold T (transcribe.py's word_anomaly_score / is_segment_anomaly
 * on the words not in its punctuation string, the first 8): without a single-timestamp
 * ending, seek = round(last word end · 100) when the window has more than T seconds left
 * after it, else previous seek + segment_size; if the first segment with words is anomalous
 * and starts more than T after time_offset, seek = previous seek + round(gap · 100) and the
 * window keeps nothing (transcribe.py's `continue`); otherwise the first anomalous segment
 * with silence (or anomalies, or the window's edges) before and after it ends the window
 * there: seek = round(max(time_offset + 1, its start) · 100) (content_frames when the audio
 * ends within T of its end) and it and the later segments are dropped.  Then
 * last_speech_timestamp = the last word's end (get_end).  Python's round is half-even
 * (nearbyint).  As for timestamps, a seek that would not advance advances by segment_size
 * (transcribe.py would decode the same window again); word and segment times below 0 (timing.py's
 * −0.02 s when the alignment runs along its grid's edge) become 0, and an end before its start
 * (which timing.py's rules never give) moves to the start: utils.py's writers need both.
 * Language: when the options ask for detection and the vocabulary is multilingual, the
 * source's detect_language is called once before the loop (decoding.py's detect_language:
 * argmax over the language tokens of the logits at the SOT step — wk_detect_language_logits);
 * English-only vocabularies always use English. */
#ifndef WK_TRANSCRIBE_H
#define WK_TRANSCRIBE_H

#include "decode/decoding.h"
#include "decode/format.h"
#include "decode/tokenizer.h"

#define WK_N_FRAMES 3000          /* mel frames per window (30 s) */
#define WK_INPUT_STRIDE 2         /* mel frames per audio-context position (3000 / 1500) */

/* What the loop needs from a model: set a window, decode it, detect the language.  The real
 * source runs the encoder on the padded window and wk_decode_window; tests script the
 * results per (seek, temperature). */
struct wk_transcribe_result;
typedef struct wk_window_source {
  void *user;
  /* Prepare the window mel[seek : seek + n_frames] zero-padded to WK_N_FRAMES frames. */
  wk_status (*set_window)(void *user, int seek, int n_frames);
  /* Decode the current window with options o and prompt[n_prompt] (transcribe.py's
   * all_tokens[prompt_reset_since:], timestamps included; the decoder keeps the last
   * n_text_ctx/2 − 1).  out->tokens are the sampled tokens without eot. */
  wk_status (*decode)(void *user, const wk_decode_options *o, const int *prompt, int n_prompt,
                      wk_decode_result *out);
  /* The language index of the first window (may be NULL: then English). */
  wk_status (*detect_language)(void *user, int *language);
  /* Word timestamps (timing.py's add_word_timestamps) on the window's segments seg[0 … n)
   * before empty ones are cleared: sets each segment's words (wk_alloc'd, freed with the
   * result: wk_segment_words_free), may move segment starts and ends, reads and may update
   * *last_speech_timestamp (a copy of the loop's: transcribe.py passes it by value).  num_frames: the window's segment_size; language: the language
   * index in use.  May be NULL when the options never ask for words. */
  wk_status (*add_words)(void *user, wk_segment *seg, int n, int num_frames, int language,
                         double *last_speech_timestamp);
  /* Optional (may be NULL): after each window, the seek reached, every segment so far
   * (r->segments[first_new …] are the window's); a non-OK status stops the loop with it. */
  wk_status (*window_done)(void *user, int seek, int content_frames,
                           const struct wk_transcribe_result *r, int first_new);
} wk_window_source;

typedef struct wk_transcribe_options {
  wk_decode_options decode;     /* base options (beam_size, patience …; temperature ignored) */
  float temperatures[WK_MAX_TEMPERATURES]; /* tried in order; each finite, ≥ 0 */
  int n_temperatures;           /* 1 … WK_MAX_TEMPERATURES */
  double compression_ratio_threshold; /* 2.4; NaN: None */
  double logprob_threshold;     /* −1.0; NaN: None */
  double no_speech_threshold;   /* 0.6; NaN: None */
  int condition_on_previous_text; /* 1 */
  double prompt_reset_temperature; /* 0.5: the prompt resets after a window decoded above it */
  int detect_language;          /* language "auto" (multilingual vocabularies only) */
  const int *initial_prompt;    /* [n_initial_prompt] tokens (encode(" " + prompt.strip())) */
  int n_initial_prompt;
  int carry_initial_prompt;     /* the initial prompt heads every window's prompt */
  int n_text_ctx;               /* the decoder's context (448): carry_initial_prompt's budget */
  const double *clip_timestamps; /* [n_clip_timestamps] seconds, start, end, start …; NULL or
                                   * none: the whole audio (transcribe.py's "0") */
  int n_clip_timestamps;        /* ≤ WK_MAX_CLIP_TIMESTAMPS */
  int word_timestamps;          /* the source's add_words on every window's segments */
  double hallucination_silence_threshold; /* word_timestamps: seconds; NaN: None */
} wk_transcribe_options;

/* t[n] as clip_timestamps: n in 0 … WK_MAX_CLIP_TIMESTAMPS, t non-NULL when n > 0, every time
 * finite and in 0 … 1e9 s; otherwise INVALID_ARGUMENT ("WHO: …", naming the first bad one). */
wk_status wk_transcribe_check_clips(const double *t, int n, const char *who);

/* transcribe()'s defaults: temperatures (0, 0.2, 0.4, 0.6, 0.8, 1.0), thresholds 2.4 / −1 /
 * 0.6, conditioning on, decoding.py's defaults for the rest. */
void wk_transcribe_options_default(wk_transcribe_options *o);

typedef struct wk_transcribe_result {
  wk_segment *segments;  /* [n_segments]; text and tokens owned (wk_transcribe_result_free) */
  int n_segments;
  int language;          /* the language index used */
  int n_windows;         /* windows decoded (skipped ones included) */
  int n_fallbacks;       /* decodes beyond the first temperature, over all windows */
} wk_transcribe_result;
void wk_transcribe_result_free(wk_transcribe_result *r); /* accepts NULL; zeroes */

/* The loop over content_frames mel frames (≥ 0).  On failure *out is empty. */
wk_status wk_transcribe_windows(const wk_window_source *src, const wk_tokenizer *tok,
                                const wk_transcribe_options *o, int content_frames,
                                wk_transcribe_result *out);

/* decoding.py's detect_language on the logits[n_vocab] at the SOT step: the language index
 * whose token has the largest logit (the lowest index on ties: torch.argmax's first maximum);
 * −1 when the vocabulary is not multilingual or a logit is NaN. */
int wk_detect_language_logits(const wk_special_tokens *sp, const float *logits);

#endif
