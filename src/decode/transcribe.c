/* transcribe.c — transcribe.py's loop over mel windows (see transcribe.h for the rules). */
#include "decode/transcribe.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/common.h"

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

/* A growable array of ints (all_tokens). */
typedef struct ivec {
  int *v;
  size_t n, cap;
} ivec;

static int ivec_push(ivec *a, const int *x, size_t n) {
  if (n > SIZE_MAX / 2 - a->n) return 0;
  if (a->n + n > a->cap) {
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->n + n) cap *= 2;
    int *v = wk_alloc_array(cap, sizeof(int));
    if (!v) return 0;
    if (a->n) memcpy(v, a->v, a->n * sizeof(int));
    wk_free(a->v);
    a->v = v, a->cap = cap;
  }
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

typedef struct loop {
  const wk_window_source *src;
  const wk_tokenizer *tok;
  const wk_special_tokens *sp;
  const wk_transcribe_options *o;
  wk_transcribe_result *out;
  int seg_cap;
  ivec all; /* transcribe.py's all_tokens */
  ivec carried; /* carry_initial_prompt: the window's prompt */
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

/* new_segment: appends the segment of tokens[n] (cleared when instantaneous or blank) and its
 * tokens to all_tokens. */
static wk_status add_segment(loop *L, double start, double end, const int *tokens, int n,
                             int seek, const wk_decode_result *res, double temperature,
                             double cr) {
  wk_transcribe_result *r = L->out;
  if (r->n_segments == L->seg_cap) {
    if (L->seg_cap > INT32_MAX / 4) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: too many segments");
    const int cap = L->seg_cap ? 2 * L->seg_cap : 16;
    wk_segment *s = wk_alloc_array((size_t)cap, sizeof *s);
    if (!s) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
    if (r->n_segments) memcpy(s, r->segments, (size_t)r->n_segments * sizeof *s);
    wk_free(r->segments);
    r->segments = s, L->seg_cap = cap;
  }
  char *text;
  size_t len;
  wk_status st = text_of(L->tok, tokens, n, &text, &len);
  if (st != WK_STATUS_OK) return st;
  if (start == end || blank(text, len)) text[0] = 0, n = 0; /* cleared, kept */
  int *t = wk_alloc_array((size_t)n + 1, sizeof(int));
  if (!t || !ivec_push(&L->all, tokens, (size_t)n)) {
    wk_free(t), wk_free(text);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory");
  }
  if (n) memcpy(t, tokens, (size_t)n * sizeof(int));
  wk_segment *s = &r->segments[r->n_segments++];
  memset(s, 0, sizeof *s);
  s->start = start, s->end = end, s->text = text, s->tokens = t, s->n_tokens = n;
  s->seek = seek, s->temperature = temperature, s->avg_logprob = res->avg_logprob;
  s->compression_ratio = cr, s->no_speech_prob = res->no_speech_prob;
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

  const int *tk = res.tokens, n = res.n_tokens, tb = L->sp->timestamp_begin;
#define IS_TS(i) (tk[(i)] >= tb)
  const int single_ending = n >= 2 && !IS_TS(n - 2) && IS_TS(n - 1);
  int new_seek = seek + segment_size, last_slice = 0, any_pair = 0;
  for (int i = 1; i < n && st == WK_STATUS_OK; i++) {
    if (!(IS_TS(i - 1) && IS_TS(i))) continue; /* consecutive timestamps: a slice ends at i */
    any_pair = 1;
    const double start = time_offset + (double)(tk[last_slice] - tb) * WK_TIMESTAMP_STEP;
    const double end = time_offset + (double)(tk[i - 1] - tb) * WK_TIMESTAMP_STEP;
    st = add_segment(L, start, end, tk + last_slice, i - last_slice, seek, &res, temperature, cr);
    last_slice = i;
  }
  if (st == WK_STATUS_OK && any_pair) {
    if (single_ending) { /* the tail after the last pair, up to its closing timestamp */
      const double start = time_offset + (double)(tk[last_slice] - tb) * WK_TIMESTAMP_STEP;
      const double end = time_offset + (double)(tk[n - 1] - tb) * WK_TIMESTAMP_STEP;
      st = add_segment(L, start, end, tk + last_slice, n - last_slice, seek, &res, temperature, cr);
    } else {
      new_seek = seek + (tk[last_slice - 1] - tb) * WK_INPUT_STRIDE;
    }
  } else if (st == WK_STATUS_OK) { /* one segment for the window */
    double duration = segment_duration;
    int last_ts = -1;
    for (int i = 0; i < n; i++)
      if (IS_TS(i)) last_ts = tk[i];
    if (last_ts > tb) duration = (double)(last_ts - tb) * WK_TIMESTAMP_STEP;
    st = add_segment(L, time_offset, time_offset + duration, tk, n, seek, &res, temperature, cr);
  }
#undef IS_TS
  wk_decode_result_free(&res);
  if (st != WK_STATUS_OK) return st;
  /* transcribe.py would loop forever on a pair at <|0.00|> ending the window: move on by
   * the whole window instead (never happens under the timestamp rules' monotonicity). */
  if (new_seek <= seek) new_seek = seek + segment_size;
  *seek_io = new_seek;
  if (!o->condition_on_previous_text || temperature > o->prompt_reset_temperature)
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

  loop L = {src, tok, sp, &opt, out, 0, {0}, {0}};
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
  out->language = language;
  if (st != WK_STATUS_OK) wk_transcribe_result_free(out);
  return st;
}
