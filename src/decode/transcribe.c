/* transcribe.c — transcribe.py's loop over mel windows (see transcribe.h for the rules). */
#include "decode/transcribe.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/common.h"
#include "decode/timing.h"

void wk_transcribe_options_default(wk_transcribe_options *o) {
  memset(o, 0, sizeof *o);
  wk_decode_options_default(&o->decode);
  static const float t[6] = {0.0f, 0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
  memcpy(o->temperatures, t, sizeof t);
  o->n_temperatures = 6;
  o->compression_ratio_threshold = 2.4;
  o->logprob_threshold = -1.0;
  o->no_speech_threshold = 0.6;
  o->condition_on_previous_text = 1;
  o->prompt_reset_temperature = 0.5;
  o->n_text_ctx = 448;
  o->hallucination_silence_threshold = NAN;
}

wk_status wk_transcribe_check_clips(const double *t, int n, const char *who) {
  if (n < 0 || n > WK_MAX_CLIP_TIMESTAMPS || (n > 0 && !t))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: %d clip timestamps (0..%d)", who, n,
                    WK_MAX_CLIP_TIMESTAMPS);
  for (int i = 0; i < n; i++)
    if (!isfinite(t[i]) || t[i] < 0 || t[i] > 1e9)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: clip timestamp %g (seconds, 0 … 1e9)",
                      who, t[i]);
  return WK_STATUS_OK;
}

void wk_transcribe_result_free(wk_transcribe_result *r) {
  if (!r) return;
  for (int i = 0; i < r->n_segments; i++) {
    wk_segment_words_free(&r->segments[i]);
    wk_free((void *)r->segments[i].text);
    wk_free((void *)r->segments[i].tokens);
  }
  wk_free(r->segments);
  memset(r, 0, sizeof *r);
}

int wk_detect_language_logits(const wk_special_tokens *sp, const float *logits) {
  if (!sp || !logits || !sp->multilingual || sp->n_languages <= 0) return -1;
  int best = -1;
  for (int i = 0; i < sp->n_languages; i++) {
    const float v = logits[sp->language_begin + i];
    if (isnan(v)) return -1;
    if (best < 0 || v > logits[sp->language_begin + best]) best = i; /* first maximum */
  }
  return best;
}

/* Room for `need` (≥ n) elements of `size` bytes in the array *p of n: when *cap is short, a
 * copy in a new buffer (capacity doubled from `first`; *p and *cap updated, the old freed).
 * 0 when out of memory or the size overflows (*p and *cap untouched). */
static int grow(void **p, size_t n, size_t *cap, size_t need, size_t size, size_t first) {
  if (need <= *cap) return 1;
  size_t c = *cap ? *cap : first;
  while (c < need) {
    if (c > SIZE_MAX / 2 / size) return 0;
    c *= 2;
  }
  void *v = wk_alloc_array(c, size);
  if (!v) return 0;
  if (n) memcpy(v, *p, n * size);
  wk_free(*p);
  *p = v, *cap = c;
  return 1;
}

/* A growable array of ints (all_tokens). */
typedef struct ivec {
  int *v;
  size_t n, cap;
} ivec;

static int ivec_push(ivec *a, const int *x, size_t n) {
  if (n > SIZE_MAX / 2 - a->n) return 0;
  void *v = a->v;
  if (!grow(&v, a->n, &a->cap, a->n + n, sizeof(int), 256)) return 0;
  a->v = v;
  if (n) memcpy(a->v + a->n, x, n * sizeof(int));
  a->n += n;
  return 1;
}

/* Text of the tokens below eot (tokenizer.decode of text tokens); *text freed with wk_free. */
static wk_status text_of(const wk_tokenizer *tok, const int *tokens, int n, char **text,
                         size_t *len) {
  const int eot = wk_tokenizer_special(tok)->eot;
  int *t = wk_alloc_array((size_t)n + 1, sizeof(int));
  if (!t) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
  size_t m = 0;
  for (int i = 0; i < n; i++)
    if (tokens[i] < eot) t[m++] = tokens[i];
  wk_status st = wk_tokenizer_decode(tok, t, m, 0, text, len);
  wk_free(t);
  return st;
}

/* Whether text[0 … len) is empty after str.strip(). */
static int blank(const char *text, size_t len) {
  size_t b, e;
  wk_text_strip(text, len, &b, &e);
  return e == b;
}

/* A window's segments before they join the result (transcribe.py's current_segments). */
typedef struct segs {
  wk_segment *v;
  unsigned char *blank; /* [cap]: the segment's text is blank (str.strip() == "") */
  int n;
  size_t cap, blank_cap; /* the two grow together */
} segs;

typedef struct loop {
  const wk_window_source *src;
  const wk_tokenizer *tok;
  const wk_special_tokens *sp;
  const wk_transcribe_options *o;
  wk_transcribe_result *out;
  size_t seg_cap;
  ivec all; /* transcribe.py's all_tokens */
  ivec carried; /* carry_initial_prompt: the window's prompt */
  segs cur;     /* the window's segments (current_segments) */
  int content_frames;
  double last_speech; /* last_speech_timestamp */
} loop;

/* decode_with_fallback: *res holds the last decode; *temperature and *cr its values. */
static wk_status decode_with_fallback(loop *L, int seek, const int *prompt, int n_prompt,
                                      wk_decode_result *res, double *temperature, double *cr) {
  const wk_transcribe_options *o = L->o;
  for (int i = 0; i < o->n_temperatures; i++) {
    wk_decode_options d = o->decode;
    d.temperature = o->temperatures[i];
    if (d.temperature > 0) d.beam_size = 0; /* kwargs.pop("beam_size"): sampling */
    /* a distinct sampling stream per window and temperature (deterministic) */
    d.seed = o->decode.seed ^ ((uint64_t)seek << 8 | (uint64_t)i) * 0x9e3779b97f4a7c15ull;
    wk_decode_result_free(res);
    wk_status st = L->src->decode(L->src->user, &d, prompt, n_prompt, res);
    if (st != WK_STATUS_OK) return st;
    if (res->n_tokens < 0 || (res->n_tokens > 0 && !res->tokens))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: the source returned no tokens");
    for (int k = 0; k < res->n_tokens; k++)
      if (res->tokens[k] < 0 || res->tokens[k] >= L->sp->n_vocab || res->tokens[k] == L->sp->eot)
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: bad token %d from the source",
                        res->tokens[k]);
    if (i > 0) L->out->n_fallbacks++;
    char *text;
    size_t len, b, e;
    st = text_of(L->tok, res->tokens, res->n_tokens, &text, &len);
    if (st != WK_STATUS_OK) return st;
    wk_text_strip(text, len, &b, &e); /* decoding.py: tokenizer.decode(t).strip() */
    *cr = wk_compression_ratio(text + b, e - b);
    wk_free(text);
    if (*cr < 0) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: compression failed");
    *temperature = d.temperature;
    int fallback = 0;
    if (!isnan(o->compression_ratio_threshold) && *cr > o->compression_ratio_threshold)
      fallback = 1; /* too repetitive */
    if (!isnan(o->logprob_threshold) && res->avg_logprob < o->logprob_threshold)
      fallback = 1; /* average log probability too low */
    if (!isnan(o->no_speech_threshold) && res->no_speech_prob > o->no_speech_threshold &&
        !isnan(o->logprob_threshold) && res->avg_logprob < o->logprob_threshold)
      fallback = 0; /* silence */
    if (!fallback) break;
  }
  return WK_STATUS_OK;
}

static void segs_free_from(segs *c, int from) {
  for (int i = from; i < c->n; i++) {
    wk_segment_words_free(&c->v[i]);
    wk_free((void *)c->v[i].text);
    wk_free((void *)c->v[i].tokens);
  }
  if (from < c->n) c->n = from;
}

/* Appends s to *c, taking its text, tokens and words. */
static int segs_push(segs *c, const wk_segment *s, int is_blank) {
  if (c->n == INT32_MAX) return 0;
  void *v = c->v, *b = c->blank;
  const int ok = grow(&v, (size_t)c->n, &c->cap, (size_t)c->n + 1, sizeof *c->v, 16);
  c->v = v;
  if (!ok || !grow(&b, (size_t)c->n, &c->blank_cap, (size_t)c->n + 1, 1, 16)) return 0;
  c->blank = b;
  c->blank[c->n] = (unsigned char)is_blank;
  c->v[c->n++] = *s;
  return 1;
}

/* new_segment: the segment of tokens[n] (text = decode of its text tokens) into *cur. */
static wk_status new_segment(loop *L, segs *cur, double start, double end, const int *tokens,
                             int n, int seek, const wk_decode_result *res, double temperature,
                             double cr) {
  char *text;
  size_t len;
  wk_status st = text_of(L->tok, tokens, n, &text, &len);
  if (st != WK_STATUS_OK) return st;
  int *t = wk_alloc_array((size_t)n + 1, sizeof(int));
  wk_segment s;
  memset(&s, 0, sizeof s);
  s.start = start, s.end = end, s.text = text, s.tokens = t, s.n_tokens = n;
  s.seek = seek, s.temperature = temperature, s.avg_logprob = res->avg_logprob;
  s.compression_ratio = cr, s.no_speech_prob = res->no_speech_prob;
  if (t && n) memcpy(t, tokens, (size_t)n * sizeof(int));
  if (!t || !segs_push(cur, &s, blank(text, len))) {
    wk_free(t), wk_free(text);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
  }
  return WK_STATUS_OK;
}

/* utils.py's get_end: the last word's end, else the last segment's end; 0 when there are no
 * segments (None). */
static int get_end(const segs *c, double *end) {
  for (int i = c->n - 1; i >= 0; i--)
    if (c->v[i].n_words > 0) return *end = c->v[i].words[c->v[i].n_words - 1].end, 1;
  if (c->n) return *end = c->v[c->n - 1].end, 1;
  return 0;
}

/* base + round(x · FRAMES_PER_SECOND) (Python's round: half to even), clamped to int. */
static int frames_of(int base, double seconds) {
  const double f = (double)base + nearbyint(seconds * 100.0);
  return f > (double)INT32_MAX ? INT32_MAX : f < (double)INT32_MIN ? INT32_MIN : (int)f;
}

/* transcribe.py's punctuation (is_segment_anomaly drops the words found in it): its default
 * prepend and append punctuations, concatenated. */
static const char hallucination_punctuation[] = WK_PREPEND_PUNCTUATIONS WK_APPEND_PUNCTUATIONS;

static double word_anomaly_score(const wk_word *w) {
  const double duration = w->end - w->start;
  double score = 0.0;
  if (w->probability < 0.15) score += 1.0;
  if (duration < 0.133) score += (0.133 - duration) * 15;
  if (duration > 2.0) score += duration - 2.0;
  return score;
}

/* is_segment_anomaly (segment NULL or without words: no). */
static int is_segment_anomaly(const wk_segment *s) {
  if (!s || s->n_words == 0) return 0;
  double score = 0.0;
  int n = 0;
  for (int i = 0; i < s->n_words && n < 8; i++) {
    if (strstr(hallucination_punctuation, s->words[i].word)) continue; /* `word in punctuation` */
    score += word_anomaly_score(&s->words[i]);
    n++;
  }
  return score >= 3 || score + 0.01 >= n;
}

/* next_words_segment over c[from …): the first with words, or NULL. */
static const wk_segment *next_words_segment(const segs *c, int from) {
  for (int i = from; i < c->n; i++)
    if (c->v[i].n_words > 0) return &c->v[i];
  return NULL;
}

/* Checks what add_words returned — words with finite times and non-NULL strings — and moves
 * times below 0 to 0: timing.py gives −0.02 s when the alignment runs along the grid's edge (a
 * window of one audio position, NaN attention), which utils.py's writers would refuse. */
static wk_status check_words(segs *c) {
  for (int i = 0; i < c->n; i++) {
    wk_segment *s = &c->v[i];
    if (s->n_words < 0 || (s->n_words > 0 && !s->words) || !isfinite(s->start) ||
        !isfinite(s->end))
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: bad words for segment %d", i);
    wk_word *w = (wk_word *)s->words;
    for (int k = 0; k < s->n_words; k++) {
      if (!w[k].word || !isfinite(w[k].start) || !isfinite(w[k].end))
        return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: bad word %d of segment %d", k,
                        i);
      w[k].start = w[k].start < 0 ? 0 : w[k].start, w[k].end = w[k].end < 0 ? 0 : w[k].end;
      if (w[k].end < w[k].start) w[k].end = w[k].start; /* never from timing.py's rules */
    }
    s->start = s->start < 0 ? 0 : s->start, s->end = s->end < 0 ? 0 : s->end;
    if (s->end < s->start) s->end = s->start;
  }
  return WK_STATUS_OK;
}

/* The word-timestamp part of a window (transcribe.h): words, the seek they give, the
 * hallucination skip.  *keep = 0: the window keeps nothing (transcribe.py's `continue`). */
static wk_status window_words(loop *L, segs *cur, int seek, int segment_size, int single_ending,
                              int *new_seek, int *keep) {
  const wk_transcribe_options *o = L->o;
  const double time_offset = (double)((int64_t)seek * 160) / 16000.0;
  const double window_end_time = (double)((int64_t)(seek + WK_N_FRAMES) * 160) / 16000.0;
  const double segment_duration = (double)((int64_t)segment_size * 160) / 16000.0;
  const double content_duration = (double)((int64_t)L->content_frames * 160) / 16000.0;
  *keep = 1;
  /* transcribe.py passes last_speech_timestamp by value: add_word_timestamps' update of it
   * stays inside (a copy here); the loop's own is set from the words at the end */
  double last_speech = L->last_speech;
  wk_status st = L->src->add_words(L->src->user, cur->v, cur->n, segment_size,
                                   o->decode.language, &last_speech);
  if (st == WK_STATUS_OK) st = check_words(cur);
  if (st != WK_STATUS_OK) return st;
  double last_word_end;
  if (!single_ending && get_end(cur, &last_word_end) && last_word_end > time_offset)
    *new_seek = frames_of(0, last_word_end);
  const double threshold = o->hallucination_silence_threshold;
  if (!isnan(threshold)) {
    if (!single_ending && get_end(cur, &last_word_end) && last_word_end > time_offset) {
      const double remaining_duration = window_end_time - last_word_end;
      *new_seek = remaining_duration > threshold ? frames_of(0, last_word_end) : seek + segment_size;
    }
    /* if the first segment might be a hallucination, skip the leading silence */
    const wk_segment *first = next_words_segment(cur, 0);
    if (first && is_segment_anomaly(first)) {
      const double gap = first->start - time_offset;
      if (gap > threshold) {
        *new_seek = frames_of(seek, gap);
        *keep = 0;
        return WK_STATUS_OK;
      }
    }
    /* skip the silence before a possible hallucination surrounded by silence or more
     * hallucinations */
    double hal_last_end = L->last_speech;
    for (int si = 0; si < cur->n; si++) {
      const wk_segment *s = &cur->v[si];
      if (s->n_words == 0) continue;
      if (is_segment_anomaly(s)) {
        const wk_segment *next = next_words_segment(cur, si + 1);
        const double hal_next_start = next ? next->words[0].start : time_offset + segment_duration;
        const int silence_before = s->start - hal_last_end > threshold || s->start < threshold ||
                                   s->start - time_offset < 2.0;
        const int silence_after = hal_next_start - s->end > threshold ||
                                  is_segment_anomaly(next) || window_end_time - s->end < 2.0;
        if (silence_before && silence_after) {
          *new_seek = frames_of(0, fmax(time_offset + 1, s->start));
          if (content_duration - s->end < threshold) *new_seek = L->content_frames;
          segs_free_from(cur, si);
          break;
        }
      }
      hal_last_end = s->end;
    }
  }
  if (get_end(cur, &last_word_end)) L->last_speech = last_word_end;
  return WK_STATUS_OK;
}

/* The window's segments into the result: each instantaneous or blank one cleared (text "",
 * no tokens, no words), then their tokens appended to all_tokens. */
static wk_status keep_segments(loop *L, segs *cur) {
  wk_transcribe_result *r = L->out;
  for (int i = 0; i < cur->n; i++) {
    wk_segment *s = &cur->v[i];
    if (s->start == s->end || cur->blank[i]) {
      ((char *)s->text)[0] = 0;
      s->n_tokens = 0;
      wk_segment_words_free(s);
    }
  }
  void *v = r->segments;
  if (cur->n > INT32_MAX - r->n_segments ||
      !grow(&v, (size_t)r->n_segments, &L->seg_cap, (size_t)r->n_segments + (size_t)cur->n,
            sizeof *r->segments, 16))
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory for segments");
  r->segments = v;
  for (int i = 0; i < cur->n; i++)
    if (!ivec_push(&L->all, cur->v[i].tokens, (size_t)cur->v[i].n_tokens))
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
  if (cur->n) memcpy(r->segments + r->n_segments, cur->v, (size_t)cur->n * sizeof *cur->v);
  r->n_segments += cur->n;
  cur->n = 0; /* owned by the result now */
  return WK_STATUS_OK;
}

/* One window at *seek (< clip_end ≤ content_frames): decode, skip or split, advance *seek. */
static wk_status window(loop *L, int clip_end, int *seek_io, size_t *prompt_reset_since) {
  const wk_transcribe_options *o = L->o;
  const int seek = *seek_io;
  const int segment_size = clip_end - seek < WK_N_FRAMES ? clip_end - seek : WK_N_FRAMES;
  /* float(seek * HOP_LENGTH / SAMPLE_RATE): exact product, one rounding as Python's / */
  const double time_offset = (double)((int64_t)seek * 160) / 16000.0;
  const double segment_duration = (double)((int64_t)segment_size * 160) / 16000.0;
  wk_status st = L->src->set_window(L->src->user, seek, segment_size);
  if (st != WK_STATUS_OK) return st;
  L->out->n_windows++;

  size_t n_prompt = L->all.n - *prompt_reset_since;
  const int *prompt = n_prompt ? L->all.v + *prompt_reset_since : NULL; /* no NULL + 0 */
  if (o->carry_initial_prompt) { /* initial + all_tokens[nignored:][-r:] (Python's slice) */
    const size_t n_init = (size_t)o->n_initial_prompt;
    const size_t nignored = n_init > *prompt_reset_since ? n_init : *prompt_reset_since;
    const long r = (long)(o->n_text_ctx / 2 - 1) - (long)n_init;
    size_t n_tail = L->all.n - nignored;
    const int *tail = n_tail ? L->all.v + nignored : NULL;
    if (r > 0 && (size_t)r < n_tail) tail += n_tail - (size_t)r, n_tail = (size_t)r;
    if (r < 0 && n_tail) { /* [-r:] = [|r|:] */
      const size_t drop = (size_t)-r < n_tail ? (size_t)-r : n_tail;
      tail += drop, n_tail -= drop;
    }
    L->carried.n = 0;
    if (!ivec_push(&L->carried, o->initial_prompt, n_init) ||
        !ivec_push(&L->carried, tail, n_tail))
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
    prompt = L->carried.v, n_prompt = L->carried.n;
  }
  wk_decode_result res = {0};
  double temperature = 0, cr = 0;
  st = decode_with_fallback(L, seek, prompt, (int)n_prompt, &res, &temperature, &cr);
  if (st != WK_STATUS_OK) return wk_decode_result_free(&res), st;

  if (!isnan(o->no_speech_threshold)) {
    int skip = res.no_speech_prob > o->no_speech_threshold;
    if (!isnan(o->logprob_threshold) && res.avg_logprob > o->logprob_threshold) skip = 0;
    if (skip) { /* silence: past the window, nothing kept, the prompt unchanged */
      *seek_io = seek + segment_size;
      wk_decode_result_free(&res);
      return WK_STATUS_OK;
    }
  }

  segs *cur = &L->cur;
  const int *tk = res.tokens, n = res.n_tokens, tb = L->sp->timestamp_begin;
#define IS_TS(i) (tk[(i)] >= tb)
  const int single_ending = n >= 2 && !IS_TS(n - 2) && IS_TS(n - 1);
  int new_seek = seek + segment_size, last_slice = 0, any_pair = 0;
  for (int i = 1; i < n && st == WK_STATUS_OK; i++) {
    if (!(IS_TS(i - 1) && IS_TS(i))) continue; /* consecutive timestamps: a slice ends at i */
    any_pair = 1;
    const double start = time_offset + (double)(tk[last_slice] - tb) * WK_TIMESTAMP_STEP;
    const double end = time_offset + (double)(tk[i - 1] - tb) * WK_TIMESTAMP_STEP;
    st = new_segment(L, cur, start, end, tk + last_slice, i - last_slice, seek, &res,
                     temperature, cr);
    last_slice = i;
  }
  if (st == WK_STATUS_OK && any_pair) {
    if (single_ending) { /* the tail after the last pair, up to its closing timestamp */
      const double start = time_offset + (double)(tk[last_slice] - tb) * WK_TIMESTAMP_STEP;
      const double end = time_offset + (double)(tk[n - 1] - tb) * WK_TIMESTAMP_STEP;
      st = new_segment(L, cur, start, end, tk + last_slice, n - last_slice, seek, &res,
                       temperature, cr);
    } else {
      new_seek = seek + (tk[last_slice - 1] - tb) * WK_INPUT_STRIDE;
    }
  } else if (st == WK_STATUS_OK) { /* one segment for the window */
    double duration = segment_duration;
    int last_ts = -1;
    for (int i = 0; i < n; i++)
      if (IS_TS(i)) last_ts = tk[i];
    if (last_ts > tb) duration = (double)(last_ts - tb) * WK_TIMESTAMP_STEP;
    st = new_segment(L, cur, time_offset, time_offset + duration, tk, n, seek, &res, temperature,
                     cr);
  }
#undef IS_TS
  wk_decode_result_free(&res);
  int keep = 1;
  if (st == WK_STATUS_OK && o->word_timestamps)
    st = window_words(L, cur, seek, segment_size, single_ending, &new_seek, &keep);
  if (st == WK_STATUS_OK && keep) st = keep_segments(L, cur);
  segs_free_from(cur, 0);
  if (st != WK_STATUS_OK) return st;
  /* transcribe.py would decode the same window again when the seek does not advance (a pair
   * at <|0.00|> ending the window, a word ending within 5 ms of the window's start): move on
   * by the whole window instead. */
  if (new_seek <= seek) new_seek = seek + segment_size;
  *seek_io = new_seek;
  if (keep && (!o->condition_on_previous_text || temperature > o->prompt_reset_temperature))
    *prompt_reset_since = L->all.n; /* after this window's tokens were added */
  return WK_STATUS_OK;
}

wk_status wk_transcribe_windows(const wk_window_source *src, const wk_tokenizer *tok,
                                const wk_transcribe_options *o, int content_frames,
                                wk_transcribe_result *out) {
  if (out) memset(out, 0, sizeof *out);
  if (!src || !src->set_window || !src->decode || !tok || !o || !out || content_frames < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: NULL argument or frames < 0");
  if (o->n_temperatures < 1 || o->n_temperatures > WK_MAX_TEMPERATURES)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: %d temperatures",
                    o->n_temperatures);
  for (int i = 0; i < o->n_temperatures; i++)
    if (!isfinite(o->temperatures[i]) || o->temperatures[i] < 0)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: bad temperature %g",
                      (double)o->temperatures[i]);
  if (o->n_initial_prompt < 0 || (o->n_initial_prompt > 0 && !o->initial_prompt))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: bad initial prompt");
  if (o->carry_initial_prompt && (o->n_text_ctx < 2 || o->n_text_ctx > 1 << 20))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: n_text_ctx %d",
                    o->n_text_ctx);
  wk_status cs = wk_transcribe_check_clips(o->clip_timestamps, o->n_clip_timestamps,
                                           "wk_transcribe_windows");
  if (cs) return cs;
  const wk_special_tokens *sp = wk_tokenizer_special(tok);
  for (int i = 0; i < o->n_initial_prompt; i++)
    if (o->initial_prompt[i] < 0 || o->initial_prompt[i] >= sp->n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: bad prompt token %d",
                      o->initial_prompt[i]);

  wk_transcribe_options opt = *o;
  int language = sp->multilingual ? o->decode.language : 0;
  if (o->detect_language && sp->multilingual && src->detect_language) {
    wk_status st = src->detect_language(src->user, &language);
    if (st != WK_STATUS_OK) return st;
    if (language < 0 || language >= sp->n_languages)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: detected language %d",
                      language);
  }
  opt.decode.language = language;

  loop L = {src, tok, sp, &opt, out, 0, {0}, {0}, {0}, content_frames, 0.0};
  if (o->word_timestamps && !src->add_words)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: word timestamps need "
                    "the source's add_words");
  if (isinf(o->hallucination_silence_threshold))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe_windows: an infinite "
                    "hallucination_silence_threshold (NaN turns it off)");
  wk_status st = WK_STATUS_OK;
  if (!ivec_push(&L.all, o->initial_prompt, (size_t)o->n_initial_prompt))
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
  size_t prompt_reset_since = 0;
  /* the clips: seek points round(t · FRAMES_PER_SECOND), clamped to the audio; [0] when there
   * are none; an odd count ends at content_frames */
  const int n_pts = o->n_clip_timestamps ? o->n_clip_timestamps : 1;
  int point[WK_MAX_CLIP_TIMESTAMPS + 1];
  for (int i = 0; i < n_pts; i++) {
    const double f = o->n_clip_timestamps ? nearbyint(o->clip_timestamps[i] * 100.0) : 0.0;
    point[i] = f < (double)content_frames ? (int)f : content_frames;
  }
  const int n_clips = (n_pts + 1) / 2;
  if (n_pts % 2) point[n_pts] = content_frames;
  int clip = 0, seek = point[0];
  while (st == WK_STATUS_OK && clip < n_clips) {
    const int clip_start = point[2 * clip], clip_end = point[2 * clip + 1];
    if (seek < clip_start) seek = clip_start;
    if (seek >= clip_end) {
      if (++clip < n_clips) seek = point[2 * clip];
      continue;
    }
    const int first_new = out->n_segments;
    st = window(&L, clip_end, &seek, &prompt_reset_since);
    if (st == WK_STATUS_OK && src->window_done)
      st = src->window_done(src->user, seek, content_frames, out, first_new);
  }
  wk_free(L.all.v);
  wk_free(L.carried.v);
  segs_free_from(&L.cur, 0);
  wk_free(L.cur.v), wk_free(L.cur.blank);
  out->language = language;
  if (st != WK_STATUS_OK) wk_transcribe_result_free(out);
  return st;
}
