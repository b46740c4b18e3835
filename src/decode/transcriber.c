/* transcriber.c — the public transcription API (include/whisk.h): a model's encoder, decoder and
 * tokenizer (wk_transcriber), and wk_transcribe, which runs transcribe.py's loop
 * (decode/transcribe.c) on the real window source: the log-mel of the whole audio, each window
 * padded as pad_or_trim pads it, encoded, its cross-attention K/V set once, decoded with
 * wk_decode_window. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "decode/alignment-heads.h"
#include "decode/decoding.h"
#include "decode/format.h"
#include "decode/timing.h"
#include "decode/tokenizer.h"
#include "decode/transcribe.h"
#include "io/ggml.h"
#include "model/decoder.h"

struct wk_transcriber {
  wk_isa isa;
  wk_precision precision;
  wk_encoder *enc;
  wk_decoder *dec;
  wk_tokenizer *tok;
  float *filters; /* [n_mels][WK_MEL_BINS], copied from the model */
  int n_mels, n_ctx, d;
  int n_text_layer, n_text_head; /* the decoder's shape (alignment heads) */
};

WK_API void wk_transcriber_free(wk_transcriber *t) {
  if (!t) return;
  wk_encoder_free(t->enc);
  wk_decoder_free(t->dec);
  wk_tokenizer_free(t->tok);
  wk_free(t->filters);
  wk_free(t);
}

WK_API wk_status wk_transcriber_create(wk_context *ctx, const wk_model *model,
                                       wk_precision precision, wk_transcriber **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcriber: NULL output pointer");
  *out = NULL;
  if (!ctx || !model)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcriber: NULL %s", !ctx ? "context" : "model");
  if (precision != WK_PRECISION_INT8 && precision != WK_PRECISION_FP32)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcriber: precision %d", (int)precision);
  wk_model_info info;
  wk_status st = wk_model_describe(model, &info);
  if (st) return st;
  /* transcribe.py's windows are 3000 mel frames: the encoder must take exactly that */
  if (2 * info.n_audio_ctx != WK_N_FRAMES)
    return wk_error(WK_STATUS_UNSUPPORTED,
                    "transcriber: n_audio_ctx = %d; transcription needs Whisper's 1500 (30-s windows)",
                    info.n_audio_ctx);
  if (info.n_audio_state != info.n_text_state)
    return wk_error(WK_STATUS_UNSUPPORTED,
                    "transcriber: n_audio_state %d differs from n_text_state %d",
                    info.n_audio_state, info.n_text_state);
  wk_transcriber *t = wk_alloc(sizeof *t);
  if (!t) return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcriber: out of memory");
  memset(t, 0, sizeof *t);
  t->isa = wk_context_isa(ctx);
  t->precision = precision;
  t->n_mels = info.n_mels;
  t->n_text_layer = info.n_text_layer, t->n_text_head = info.n_text_head;
  const size_t nf = (size_t)info.n_mels * WK_MEL_BINS;
  t->filters = wk_alloc_array(nf, sizeof(float));
  if (!t->filters) {
    wk_transcriber_free(t);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "transcriber: out of memory");
  }
  memcpy(t->filters, info.mel_filters, nf * sizeof(float));
  st = wk_encoder_create(ctx, model, precision, &t->enc);
  if (!st) st = wk_encoder_dims(t->enc, NULL, &t->n_ctx, &t->d);
  if (!st) {
    wk_decoder_f32 w;
    float *storage = NULL;
    st = wk_model_decoder_f32_streamed(model, ctx->pool, &w, &storage);
    if (!st) st = wk_decoder_create(ctx, &w, precision, &t->dec);
    wk_free(storage);
  }
  if (!st) st = wk_tokenizer_create(model, &t->tok);
  if (st) {
    wk_transcriber_free(t);
    return st;
  }
  *out = t;
  return WK_STATUS_OK;
}

WK_API void wk_transcribe_params_default(wk_transcribe_params *p) {
  if (!p) return;
  wk_transcribe_options o;
  wk_transcribe_options_default(&o);
  memset(p, 0, sizeof *p);
  p->language = NULL;
  p->beam_size = 0;
  p->patience = 0;
  p->length_penalty = -1;
  memcpy(p->temperatures, o.temperatures, sizeof p->temperatures);
  p->n_temperatures = o.n_temperatures;
  p->compression_ratio_threshold = o.compression_ratio_threshold;
  p->logprob_threshold = o.logprob_threshold;
  p->no_speech_threshold = o.no_speech_threshold;
  p->condition_on_previous_text = 1;
  p->suppress_blank = o.decode.suppress_blank;
  p->suppress_non_speech = o.decode.suppress_non_speech;
  p->max_initial_timestamp = o.decode.max_initial_timestamp;
  p->seed = o.decode.seed;
  p->hallucination_silence_threshold = NAN;
}

WK_API void wk_transcription_free(wk_transcription *r) {
  if (!r) return;
  for (int i = 0; r->segments && i < r->n_segments; i++) {
    wk_segment_words_free(&r->segments[i]);
    wk_free((void *)r->segments[i].text);
    wk_free((void *)r->segments[i].tokens);
  }
  wk_free(r->segments);
  wk_free(r->text);
  memset(r, 0, sizeof *r);
}

/* ── the window source ──────────────────────────────────────────────────── */

typedef struct run {
  wk_context *ctx;
  const wk_transcriber *t;
  const wk_transcribe_params *p;
  const float *mel;            /* [n_mels][n_frames]: the whole audio + 30 s of padding */
  size_t n_frames, content_frames;
  float *win;                  /* [n_mels][3000] the current window */
  float *feat;                 /* [n_ctx][d] its encoder output */
  float *logits;               /* [n_vocab], for language detection */
  int feat_seek, feat_len;     /* what feat holds (feat_len −1: nothing) */
  unsigned feat_gen;           /* bumped on each new window */
  wk_decoder_state *st[3];     /* greedy (1 row), beam search (beam_size), best_of samples */
  unsigned st_gen[3];          /* the feat_gen whose cross K/V each state holds (0: none) */
  double encode_ms, decode_ms, align_ms;
  long long n_tokens;
  /* word timestamps */
  int language, translate;     /* the current window's decode: its sot sequence */
  int *heads, n_heads;         /* alignment heads: [n_heads][2] (layer, head) */
  float *qk;                   /* [n_heads][rows][n_ctx] */
  double *probs;               /* [rows] */
  int *rows_buf;               /* [rows]: the forward pass's tokens, then its targets */
  size_t qk_cap, rows_cap;     /* floats in qk, ints/doubles in the row buffers */
} run;

/* Encodes mel[:, seek : seek + len] padded with zeros to 3000 frames (pad_or_trim). */
static wk_status encode_window(run *R, int seek, int len) {
  if (R->feat_len == len && R->feat_seek == seek) return WK_STATUS_OK;
  const int n_mels = R->t->n_mels;
  for (int m = 0; m < n_mels; m++) {
    float *row = R->win + (size_t)m * WK_N_FRAMES;
    memcpy(row, R->mel + (size_t)m * R->n_frames + (size_t)seek, (size_t)len * sizeof(float));
    memset(row + len, 0, (size_t)(WK_N_FRAMES - len) * sizeof(float));
  }
  const double t0 = wk_now();
  R->feat_len = -1;
  const wk_status st = wk_encoder_run(R->ctx, R->t->enc, R->win, (size_t)n_mels * WK_N_FRAMES,
                                      R->feat, (size_t)R->t->n_ctx * R->t->d);
  R->encode_ms += (wk_now() - t0) * 1e3;
  if (st) return st;
  R->feat_seek = seek, R->feat_len = len;
  R->feat_gen++;
  return WK_STATUS_OK;
}

/* The decoder state for `beams` rows, holding the current window's cross K/V at position 0: one
 * kept per kind of decode (greedy, beam search, best_of sampling), so that the temperature
 * fallback does not rebuild them. */
static wk_status state_for(run *R, int beams, int sampling, wk_decoder_state **out) {
  const int i = beams == 1 ? 0 : sampling ? 2 : 1;
  if (R->st[i] && wk_decoder_state_beams(R->st[i]) != beams) {
    wk_decoder_state_free(R->st[i]);
    R->st[i] = NULL;
  }
  if (!R->st[i]) {
    wk_status st = wk_decoder_state_create(R->t->dec, beams, &R->st[i]);
    if (st) return st;
    R->st_gen[i] = 0;
  }
  if (R->st_gen[i] != R->feat_gen) {
    R->st_gen[i] = 0;
    wk_status st = wk_decoder_set_audio(R->ctx, R->t->dec, R->st[i], R->feat, R->t->n_ctx);
    if (st) return st;
    R->st_gen[i] = R->feat_gen;
  }
  wk_decoder_state_rewind(R->st[i], 0);
  *out = R->st[i];
  return WK_STATUS_OK;
}

static wk_status src_set_window(void *u, int seek, int n_frames) {
  run *R = u;
  if (seek < 0 || n_frames < 1 || n_frames > WK_N_FRAMES ||
      (size_t)seek + (size_t)n_frames > R->content_frames)
    return wk_error(WK_STATUS_INTERNAL, "transcribe: window %d + %d frames", seek, n_frames);
  return encode_window(R, seek, n_frames);
}

static wk_status src_decode(void *u, const wk_decode_options *o, const int *prompt, int n_prompt,
                            wk_decode_result *out) {
  run *R = u;
  R->language = o->language, R->translate = o->translate;
  const double t0 = wk_now();
  wk_decoder_state *st = NULL;
  wk_status s = state_for(R, wk_decode_rows(o), o->beam_size == 0, &st);
  if (!s) s = wk_decode_window(R->ctx, R->t->dec, st, R->t->tok, o, prompt, n_prompt, out);
  if (!s) R->n_tokens += out->n_steps;
  R->decode_ms += (wk_now() - t0) * 1e3;
  return s;
}

/* find_alignment's forward pass on the current window: tokens = sot_sequence + [no_timestamps]
 * + text + [eot] through the greedy decoder state, capturing the alignment heads' cross-
 * attention logits and each text token's probability (softmax over the tokens below eot). */
static wk_status src_align(void *u, const int *text, int n_text, wk_alignment_qk *qk) {
  run *R = u;
  const wk_special_tokens *sp = wk_tokenizer_special(R->t->tok);
  int n_text_ctx = 0;
  wk_decoder_dims(R->t->dec, NULL, &n_text_ctx, NULL);
  int sot[WK_SOT_MAX];
  const int n_sot = wk_sot_sequence(sp, R->language, R->translate, sot);
  if (n_text < 0 || n_text > n_text_ctx - n_sot - 2)
    return wk_error(WK_STATUS_UNSUPPORTED,
                    "word timestamps: %d text tokens in one window exceed the decoder's %d "
                    "positions", n_text, n_text_ctx);
  const int rows = n_sot + n_text + 2;
  const size_t need_qk = (size_t)R->n_heads * (size_t)rows * (size_t)R->t->n_ctx;
  if (need_qk > R->qk_cap) {
    wk_free(R->qk);
    R->qk_cap = 0;
    if (!(R->qk = wk_alloc_array(need_qk, sizeof(float))))
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "word timestamps: out of memory");
    R->qk_cap = need_qk;
  }
  if ((size_t)rows > R->rows_cap) {
    wk_free(R->probs), wk_free(R->rows_buf);
    R->rows_cap = 0;
    R->probs = wk_alloc_array((size_t)rows, sizeof(double));
    R->rows_buf = wk_alloc_array(2 * (size_t)rows, sizeof(int));
    if (!R->probs || !R->rows_buf)
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "word timestamps: out of memory");
    R->rows_cap = (size_t)rows;
  }
  int *tokens = R->rows_buf, *targets = R->rows_buf + rows, n = n_sot;
  memcpy(tokens, sot, sizeof sot[0] * (size_t)n_sot);
  tokens[n++] = sp->no_timestamps;
  if (n_text) memcpy(tokens + n, text, (size_t)n_text * sizeof(int));
  n += n_text;
  tokens[n++] = sp->eot;
  for (int i = 0; i < rows; i++) targets[i] = -1;
  for (int i = 0; i < n_text; i++) targets[n_sot + i] = text[i]; /* row n_sot + i predicts it */
  const double t0 = wk_now();
  wk_decoder_state *st = NULL;
  wk_status s = state_for(R, 1, 0, &st);
  const wk_decoder_capture cap = {R->heads, R->n_heads, R->qk, targets, sp->eot, R->probs};
  if (!s) s = wk_decoder_step_capture(R->ctx, R->t->dec, st, tokens, rows, NULL, &cap);
  if (st) wk_decoder_state_rewind(st, 0);
  R->align_ms += (wk_now() - t0) * 1e3;
  if (s) return s;
  qk->qk = R->qk, qk->n_heads = R->n_heads, qk->n_rows = rows, qk->n_cols = R->t->n_ctx;
  qk->n_sot = n_sot, qk->text_token_probs = R->probs + n_sot;
  return WK_STATUS_OK;
}

static wk_status src_add_words(void *u, wk_segment *seg, int n, int num_frames, int language,
                               double *last_speech_timestamp) {
  run *R = u;
  return wk_add_word_timestamps(seg, n, R->t->tok, language, src_align, R, num_frames,
                                R->p->prepend_punctuations, R->p->append_punctuations,
                                last_speech_timestamp);
}

/* transcribe.py: detect_language on pad_or_trim(mel, N_FRAMES) — the first 3000 frames of the
 * whole log-mel, its 30-s padding included (not zeros): decoding.py's detect_language is the
 * argmax over the language tokens of the logits at <|startoftranscript|>. */
static wk_status src_detect_language(void *u, int *language) {
  run *R = u;
  wk_status s = encode_window(R, 0, WK_N_FRAMES);
  if (s) return s;
  const double t0 = wk_now();
  wk_decoder_state *st = NULL;
  s = state_for(R, 1, 0, &st);
  const wk_special_tokens *sp = wk_tokenizer_special(R->t->tok);
  const int sot = sp->sot;
  if (!s) s = wk_decoder_step(R->ctx, R->t->dec, st, &sot, 1, R->logits);
  if (st) wk_decoder_state_rewind(st, 0);
  R->decode_ms += (wk_now() - t0) * 1e3;
  if (s) return s;
  *language = wk_detect_language_logits(sp, R->logits);
  if (*language < 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: language detection failed (NaN logits)");
  return WK_STATUS_OK;
}

static wk_status src_window_done(void *u, int seek, int content_frames,
                                 const wk_transcribe_result *r, int first_new) {
  run *R = u;
  if (!R->p->progress) return WK_STATUS_OK;
  const wk_transcribe_progress pr = {
      (double)(seek < content_frames ? seek : content_frames) * 0.01,
      (double)content_frames * 0.01, r->segments, r->n_segments, first_new};
  if (R->p->progress(R->p->progress_user, &pr))
    return wk_error(WK_STATUS_CANCELLED, "transcribe: cancelled by the progress callback");
  return WK_STATUS_OK;
}

/* ── parameters ─────────────────────────────────────────────────────────── */

/* Checks p and fills the loop's options (initial prompt tokens in *prompt, wk_free). */
static wk_status options_of(const wk_transcriber *t, const wk_transcribe_params *p,
                            wk_transcribe_options *o, int **prompt) {
  const wk_special_tokens *sp = wk_tokenizer_special(t->tok);
  wk_transcribe_options_default(o);
  *prompt = NULL;
  if (p->n_temperatures < 1 || p->n_temperatures > WK_MAX_TEMPERATURES)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: %d temperatures (1..%d)",
                    p->n_temperatures, WK_MAX_TEMPERATURES);
  for (int i = 0; i < p->n_temperatures; i++)
    if (!isfinite(p->temperatures[i]) || p->temperatures[i] < 0 || p->temperatures[i] > 100)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcribe: temperature %g (expected 0..100)", (double)p->temperatures[i]);
  if (p->beam_size < 0 || p->beam_size > WK_DECODE_MAX_BEAMS)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: beam size %d (0..%d)", p->beam_size,
                    WK_DECODE_MAX_BEAMS);
  if (p->best_of < 0 || p->best_of > WK_DECODE_MAX_BEAMS)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: best_of %d (0..%d)", p->best_of,
                    WK_DECODE_MAX_BEAMS);
  if (isnan(p->patience) || p->patience > 64 || isnan(p->length_penalty) || p->length_penalty > 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "transcribe: patience %g (≤ 64) or length penalty %g (≤ 1)", (double)p->patience,
                    (double)p->length_penalty);
  if (isinf(p->compression_ratio_threshold) || isinf(p->logprob_threshold) ||
      isinf(p->no_speech_threshold) || !isfinite(p->max_initial_timestamp))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "transcribe: an infinite threshold (NaN turns a check off)");
  memcpy(o->temperatures, p->temperatures, sizeof o->temperatures);
  o->n_temperatures = p->n_temperatures;
  o->compression_ratio_threshold = p->compression_ratio_threshold;
  o->logprob_threshold = p->logprob_threshold;
  o->no_speech_threshold = p->no_speech_threshold;
  o->condition_on_previous_text = p->condition_on_previous_text != 0;
  o->decode.beam_size = p->beam_size;
  o->decode.best_of = p->best_of;
  o->decode.patience = p->patience;
  o->decode.length_penalty = p->length_penalty;
  o->decode.suppress_blank = p->suppress_blank != 0;
  o->decode.suppress_non_speech = p->suppress_non_speech != 0;
  wk_status s = wk_decode_check_suppress(p->suppress_tokens, p->n_suppress_tokens, sp->n_vocab,
                                         "transcribe"); /* before any audio is decoded */
  if (s) return s;
  o->decode.suppress_tokens = p->suppress_tokens;
  o->decode.n_suppress_tokens = p->n_suppress_tokens;
  o->decode.without_timestamps = p->without_timestamps != 0;
  o->decode.max_initial_timestamp = p->max_initial_timestamp;
  o->decode.seed = p->seed;
  if (p->sample_len < 0 || p->sample_len > 1 << 20)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: sample_len %d", p->sample_len);
  o->decode.sample_len = p->sample_len;
  o->decode.translate = p->translate != 0;
  const char *lang = p->language;
  if (!lang || !*lang || !strcmp(lang, "auto")) {
    o->detect_language = sp->multilingual; /* English-only models: English */
    o->decode.language = 0;
  } else {
    const int i = wk_language_find(lang);
    if (i < 0)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: unknown language '%s'", lang);
    if (!sp->multilingual && i != 0)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcribe: language '%s' with an English-only model", lang);
    if (sp->multilingual && i >= sp->n_languages)
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "transcribe: this model's vocabulary has no token for language '%s'", lang);
    o->decode.language = i;
  }
  if (!sp->multilingual && p->translate)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: translate with an English-only model");
  s = wk_transcribe_check_clips(p->clip_timestamps, p->n_clip_timestamps, "transcribe");
  if (s) return s;
  o->clip_timestamps = p->n_clip_timestamps ? p->clip_timestamps : NULL;
  o->n_clip_timestamps = p->n_clip_timestamps;
  o->carry_initial_prompt = p->carry_initial_prompt != 0;
  o->word_timestamps = p->word_timestamps != 0;
  if (isinf(p->hallucination_silence_threshold))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "transcribe: an infinite hallucination_silence_threshold (NaN turns it off)");
  o->hallucination_silence_threshold =
      p->word_timestamps ? p->hallucination_silence_threshold : NAN; /* needs the words */
  wk_decoder_dims(t->dec, NULL, &o->n_text_ctx, NULL);
  if (p->initial_prompt) { /* transcribe.py: tokenizer.encode(" " + initial_prompt.strip()) */
    const size_t len = strlen(p->initial_prompt);
    size_t b, e;
    wk_text_strip(p->initial_prompt, len, &b, &e);
    if (e > b) {
      char *text = wk_alloc(e - b + 2);
      int *tok = wk_alloc_array(e - b + 2, sizeof(int));
      size_t n = 0;
      wk_status st = !text || !tok ? wk_error(WK_STATUS_OUT_OF_MEMORY, "transcribe: out of memory")
                                   : WK_STATUS_OK;
      if (!st) {
        text[0] = ' ';
        memcpy(text + 1, p->initial_prompt + b, e - b);
        st = wk_tokenizer_encode(t->tok, text, e - b + 1, tok, e - b + 1, &n);
      }
      wk_free(text);
      if (st || n > (size_t)INT32_MAX) {
        wk_free(tok);
        return st ? st : wk_error(WK_STATUS_INVALID_ARGUMENT, "transcribe: prompt too long");
      }
      *prompt = tok;
      o->initial_prompt = tok;
      o->n_initial_prompt = (int)n;
    }
  }
  return WK_STATUS_OK;
}

WK_API wk_status wk_transcribe(wk_context *ctx, const wk_transcriber *t, const float *pcm,
                               size_t n_samples, const wk_transcribe_params *p,
                               wk_transcription *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe: NULL output");
  memset(out, 0, sizeof *out);
  if (!ctx || !t || !p || (!pcm && n_samples))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcribe: NULL %s",
                    !ctx ? "context" : !t ? "transcriber" : !p ? "params" : "pcm");
  if (wk_context_isa(ctx) != t->isa)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_transcribe: the context is %s, the transcriber was built for %s",
                    wk_isa_name(wk_context_isa(ctx)), wk_isa_name(t->isa));
  const size_t n_frames = wk_mel_frames(n_samples);
  if (!n_frames)
    return wk_error(WK_STATUS_UNSUPPORTED, "wk_transcribe: %zu samples exceed the 12-hour limit",
                    n_samples);
  wk_transcribe_options o;
  int *prompt = NULL;
  wk_status st = options_of(t, p, &o, &prompt);
  if (st) return st;

  run R;
  memset(&R, 0, sizeof R);
  R.ctx = ctx, R.t = t, R.p = p, R.n_frames = n_frames;
  R.content_frames = n_frames - WK_N_FRAMES;
  R.feat_len = -1;
  int n_vocab = 0;
  wk_decoder_dims(t->dec, &n_vocab, NULL, NULL);
  float *mel = wk_alloc_array((size_t)t->n_mels * n_frames, sizeof(float));
  R.win = wk_alloc_array((size_t)t->n_mels * WK_N_FRAMES, sizeof(float));
  R.feat = wk_alloc_array((size_t)t->n_ctx * t->d, sizeof(float));
  R.logits = wk_alloc_array((size_t)n_vocab, sizeof(float));
  wk_transcribe_result res = {0};
  if (!mel || !R.win || !R.feat || !R.logits) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_transcribe: out of memory for %zu mel frames",
                  n_frames);
    goto done;
  }
  const double t0 = wk_now();
  st = wk_log_mel(ctx, pcm, n_samples, t->filters, t->n_mels, mel, (size_t)t->n_mels * n_frames);
  out->mel_ms = (wk_now() - t0) * 1e3;
  if (st) goto done;
  R.mel = mel;
  if (R.content_frames > INT32_MAX / 2) {
    st = wk_error(WK_STATUS_UNSUPPORTED, "wk_transcribe: too long");
    goto done;
  }
  if (p->word_timestamps) {
    st = wk_alignment_heads(p->alignment_heads, t->n_text_layer, t->n_text_head, t->d, n_vocab,
                            t->n_mels, &R.heads, &R.n_heads);
    if (st) goto done;
  }
  const wk_window_source src = {&R, src_set_window, src_decode, src_detect_language,
                                src_add_words, src_window_done};
  st = wk_transcribe_windows(&src, t->tok, &o, (int)R.content_frames, &res);
  if (st) goto done;

  /* transcribe()'s text: tokenizer.decode(all_tokens[len(initial_prompt_tokens):]) */
  size_t n_all = 0;
  for (int i = 0; i < res.n_segments; i++) n_all += (size_t)res.segments[i].n_tokens;
  int *all = wk_alloc_array(n_all + 1, sizeof(int));
  if (!all) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_transcribe: out of memory");
    goto done;
  }
  n_all = 0;
  for (int i = 0; i < res.n_segments; i++) {
    memcpy(all + n_all, res.segments[i].tokens, (size_t)res.segments[i].n_tokens * sizeof(int));
    n_all += (size_t)res.segments[i].n_tokens;
  }
  size_t text_len = 0;
  st = wk_tokenizer_decode(t->tok, all, n_all, 0, &out->text, &text_len);
  wk_free(all);
  if (st) goto done;
  const wk_special_tokens *sp = wk_tokenizer_special(t->tok);
  out->segments = res.segments, out->n_segments = res.n_segments;
  res.segments = NULL, res.n_segments = 0;
  out->language = sp->multilingual ? wk_language_code(res.language) : "en";
  out->duration = (double)n_samples / WK_SAMPLE_RATE;
  out->n_windows = res.n_windows, out->n_fallbacks = res.n_fallbacks;
  out->n_tokens = R.n_tokens;
  out->encode_ms = R.encode_ms, out->decode_ms = R.decode_ms, out->align_ms = R.align_ms;
  out->word_timestamps = p->word_timestamps != 0;

done:
  wk_transcribe_result_free(&res);
  for (int i = 0; i < 3; i++) wk_decoder_state_free(R.st[i]);
  wk_free(mel), wk_free(R.win), wk_free(R.feat), wk_free(R.logits), wk_free(prompt);
  wk_free(R.heads), wk_free(R.qk), wk_free(R.probs), wk_free(R.rows_buf);
  if (st) {
    const double mel_ms = out->mel_ms;
    wk_transcription_free(out);
    out->mel_ms = mel_ms;
  }
  return st;
}

WK_API wk_status wk_transcription_write_ex(const wk_transcription *r, const char *format,
                                           const char *path, const wk_subtitle_options *opt) {
  if (!r || !format || !path)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcription_write: NULL argument");
  if (r->n_segments < 0 || (r->n_segments > 0 && !r->segments))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_transcription_write: bad segments");
  wk_format f;
  wk_status st = wk_format_parse(format, &f);
  if (st) return st;
  wk_transcript tr = {r->segments, r->n_segments, r->text, r->language, r->word_timestamps != 0,
                      {0, 0, 0, 0}};
  if (opt) tr.sub = *opt;
  if (!strcmp(path, "-")) {
    st = wk_transcript_write(&tr, f, stdout);
    if (!st && fflush(stdout))
      st = wk_error(WK_STATUS_IO_ERROR, "wk_transcription_write: writing to standard output failed");
    return st;
  }
  return wk_transcript_write_file(&tr, f, path);
}

WK_API wk_status wk_transcription_write(const wk_transcription *r, const char *format,
                                        const char *path) {
  return wk_transcription_write_ex(r, format, path, NULL);
}
