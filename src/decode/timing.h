/* timing.h — word-level timestamps (internal API).
 *
 * openai/whisper's whisper/timing.py is the specification (find_alignment, merge_punctuations,
 * add_word_timestamps, median_filter, dtw_cpu, backtrace), with tokenizer.py's
 * split_to_word_tokens.  The model's part of find_alignment — one decoder forward pass over
 *   tokens = sot_sequence + [no_timestamps] + text_tokens + [eot]
 * capturing the cross-attention logits of the alignment heads and the text tokens'
 * probabilities — is the caller's (an wk_align_fn); everything after it is here, in double:
 *   weights = qk[:, :, : num_frames // 2]          (columns = audio positions, 20 ms each)
 *   weights = softmax(weights, last axis)
 *   mean, std over the token axis (population std); weights = (weights − mean) / std
 *   weights = median_filter(weights, medfilt_width)  (last axis, reflect padding; unchanged
 *                                                     when the axis is ≤ width // 2 long)
 *   matrix = mean over heads; rows n_sot … n_rows − 2 (no_timestamps and the text tokens)
 *   text_indices, time_indices = dtw(−matrix)       (timing.py's dtw_cpu: cost in float32)
 *   words, word_tokens = split_to_word_tokens(text_tokens + [eot]); the last word (eot's) is
 *                                                    dropped; one word or none: no words
 *   jump_times = time_indices where text_indices changes (the first included) / 50
 *   word w: start = jump_times[b_w], end = jump_times[b_{w+1}] (b = token boundaries),
 *           probability = mean of its tokens' probabilities.
 * NaN in the attention or the probabilities flows through as IEEE arithmetic does (a NaN or
 * +∞ in a softmax row, or a row all −∞, makes it NaN; a column of equal weights has std 0 and
 * gives NaN or ±∞; the median filter sorts NaN last, as torch.sort; DTW comparisons with NaN
 * are false, so NaN costs steer the path, which may then run along the grid's edge with time
 * index −1: an all-NaN matrix, or a single audio position (softmax 1 everywhere, std 0),
 * gives every word −0.02 … −0.02 s).
 * whisk differs only where timing.py would fail or index out of range: no text tokens or
 * num_frames < 2 (no columns) give no words; an even or non-positive medfilt_width is refused
 * (timing.py asserts it only when it filters); split_to_word_tokens, see there. */
#ifndef WK_TIMING_H
#define WK_TIMING_H

#include "decode/tokenizer.h"

#define WK_MEDFILT_WIDTH 7 /* find_alignment's medfilt_width */
#define WK_PREPEND_PUNCTUATIONS "\"'“¿([{-"
#define WK_APPEND_PUNCTUATIONS "\"'.。,，!！?？:：”)]}、"

/* timing.py's WordTiming. */
typedef struct wk_word_timing {
  char *word;         /* UTF-8, NUL-terminated (owned) */
  int *tokens;        /* [n_tokens] (owned; may be NULL when n_tokens = 0) */
  int n_tokens;
  double start, end;  /* seconds from the window's start */
  double probability;
} wk_word_timing;
void wk_word_timings_free(wk_word_timing *w, int n); /* accepts NULL */

/* The model's part of find_alignment, for n_text text tokens. */
typedef struct wk_alignment_qk {
  const float *qk;  /* [n_heads][n_rows][n_cols]: cross-attention logits (q·k/√dh, before the
                     * softmax) of each alignment head, for every row of the forward pass */
  int n_heads;      /* ≥ 1 */
  int n_rows;       /* n_sot + n_text + 2 */
  int n_cols;       /* the audio context (1500) */
  int n_sot;        /* len(sot_sequence) */
  const double *text_token_probs; /* [n_text]: softmax(logits[n_sot + i][: eot])[text[i]] */
} wk_alignment_qk;

/* find_alignment after the forward pass: the words of text[0 … n_text) (tokens < eot) with
 * times relative to the window.  language: the tokenizer's language index (split on unicode
 * for zh, ja, th, lo, my, yue, else on spaces).  *out (n ≥ 0 entries, wk_word_timings_free)
 * is NULL with *n_out = 0 when there are no words.  INVALID_ARGUMENT for inconsistent sizes. */
wk_status wk_find_alignment(const wk_tokenizer *tok, int language, const int *text, int n_text,
                            const wk_alignment_qk *qk, int num_frames, int medfilt_width,
                            wk_word_timing **out, int *n_out);

/* tokenizer.py's split_to_word_tokens(tokens[0 … n)) for `language` (decode_with_timestamps:
 * special tokens decode to their names): *n_words words (owned NUL-terminated strings in
 * (*words)[i]; *words is NULL when there are none) and, for word i, its tokens
 * tokens[(*bounds)[i] … (*bounds)[i + 1]) (bounds has n_words + 1 entries, bounds[0] = 0,
 * bounds[n_words] ≤ n).  bounds[n_words] < n only as in tokenizer.py: split_tokens_on_unicode
 * drops a trailing run of tokens whose decoding keeps a U+FFFD that the whole sequence's
 * decoding does not have at that position.  Where tokenizer.py's
 * decoded_full[unicode_offset + decoded.index("\ufffd")] would index past the end of the
 * text (an IndexError there: bytes that decode to more U+FFFD alone than in context), whisk
 * ends the word there.  INVALID_ARGUMENT: an id outside 0 … n_vocab − 1.  Free with
 * wk_split_words_free. */
wk_status wk_split_to_word_tokens(const wk_tokenizer *tok, int language, const int *tokens, int n,
                                  char ***words, int **bounds, int *n_words);
void wk_split_words_free(char **words, int *bounds, int n_words);

/* timing.py's dtw_cpu and backtrace on x[n][m] (the cost array is float32: each cost, computed
 * in double as x + c, is rounded to float once; a cell comes from the diagonal if c0 < c1 and
 * c0 < c2, else from above if c1 < c0 and c1 < c2, else from the left: a tie for the minimum,
 * or NaN, goes left).  The path from
 * (0, 0) to (n − 1, m − 1): *len ≤ n + m pairs (text_idx[k], time_idx[k]), which may start with
 * index −1 where the backtrace runs along the grid's edge (NaN costs; n or m = 0).  Both arrays
 * are freed with wk_free (NULL when *len = 0). */
wk_status wk_dtw(const double *x, int n, int m, int **text_idx, int **time_idx, int *len);

/* The model's forward pass for add_word_timestamps: fills *qk for text[0 … n_text) (valid
 * until the next call or the end of the loop). */
typedef wk_status (*wk_align_fn)(void *user, const int *text, int n_text, wk_alignment_qk *qk);

/* add_word_timestamps on one window's segments seg[0 … n) (before transcribe.py clears empty
 * ones): the alignment of their text tokens (< eot) concatenated, median/max word durations,
 * the sentence-end truncation, merge_punctuations(prepend, append; NULL: the defaults above),
 * then per segment its words (start/end = round(time_offset + t, 2) with
 * time_offset = seg[0].seek · 160 / 16000, in double) and the boundary fixes that move segment
 * and word starts and ends.  round is numpy's here (the times are numpy.float64 in timing.py,
 * whose round() is np.round: rint(t · 100) / 100), not Python's correctly rounded one; the two
 * agree on every time that arises (all within rounding error of a multiple of 0.01 s).
 * *last_speech_timestamp is read and, as add_word_timestamps' local variable is, set to the end
 * of the last segment that got words.  Note that transcribe.py's own last_speech_timestamp is
 * not changed by the call (Python passes the float by value): its hallucination check reads
 * the value from before (hal_last_end), and afterwards it takes get_end(segments); a caller
 * porting that passes a copy.
 * Sets every segment's words / n_words (wk_alloc'd: wk_segment_words_free; words present
 * before are overwritten, not freed), n = 0 does nothing.  align is called once (not at all
 * when there are no text tokens).  On failure no segment is changed. */
wk_status wk_add_word_timestamps(wk_segment *seg, int n, const wk_tokenizer *tok, int language,
                                 wk_align_fn align, void *align_user, int num_frames,
                                 const char *prepend, const char *append,
                                 double *last_speech_timestamp);

/* Frees a segment's words (each word string and the array) and sets words = NULL, n_words = 0. */
void wk_segment_words_free(wk_segment *s);

#endif
