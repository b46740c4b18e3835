/* test_transcriber.c ISA AUDIO — the public transcription API (wk_transcriber, wk_transcribe)
 * on a synthetic tiny model (f16) and AUDIO (samples/hello.wav):
 *   - the same transcript, byte for byte (segments, tokens, text, every statistic), on ISA with
 *     1 and 2 threads and on AVX2 (the ISA every other SIMD path is compared with), in INT8 and
 *     FP32, through the temperature fallback (0 then 1.0: sampling);
 *   - segments in order, inside the audio's windows, each one's tokens decoding to its text;
 *   - one transcriber shared by 3 threads transcribing different audio at once (one of them
 *     with word timestamps): each result identical to the same call made alone;
 *   - word timestamps: the same words on 1 and 2 threads and on AVX2, with and without the
 *     hallucination skip and with explicit alignment heads; words only in kept segments, with
 *     finite times inside the audio's windows;
 *   - cancellation by the progress callback, empty audio, and bad parameters (each a specific
 *     status, nothing allocated for the caller). */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "synth_model.h"
#include "test_util.h"

static wk_model *model;

/* Under the sanitizers (5-10x slower) the numerics checks are left to the release build: INT8
 * only, no cross-ISA run; the threads, cancellation and bad-input parts all run. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* Every field of two transcripts equal (times bit-equal, texts byte-equal). */
static int same(const wk_transcription *a, const wk_transcription *b, const char *what) {
  int ok = a->n_segments == b->n_segments && !strcmp(a->text, b->text) &&
           !strcmp(a->language, b->language) && a->n_windows == b->n_windows &&
           a->n_fallbacks == b->n_fallbacks && a->n_tokens == b->n_tokens;
  for (int i = 0; ok && i < a->n_segments; i++) {
    const wk_segment *x = &a->segments[i], *y = &b->segments[i];
    ok = x->start == y->start && x->end == y->end && !strcmp(x->text, y->text) &&
         x->n_tokens == y->n_tokens && x->seek == y->seek && x->temperature == y->temperature &&
         !memcmp(&x->avg_logprob, &y->avg_logprob, sizeof(double)) &&
         !memcmp(&x->compression_ratio, &y->compression_ratio, sizeof(double)) &&
         !memcmp(&x->no_speech_prob, &y->no_speech_prob, sizeof(double)) &&
         (!x->n_tokens || !memcmp(x->tokens, y->tokens, sizeof(int) * (size_t)x->n_tokens)) &&
         x->n_words == y->n_words;
    for (int k = 0; ok && k < x->n_words; k++) {
      const wk_word *u = &x->words[k], *v = &y->words[k];
      ok = !strcmp(u->word, v->word) && !memcmp(&u->start, &v->start, sizeof(double)) &&
           !memcmp(&u->end, &v->end, sizeof(double)) &&
           !memcmp(&u->probability, &v->probability, sizeof(double));
    }
  }
  CHECK(ok, "%s: transcripts differ (%d vs %d segments, text '%.60s' vs '%.60s')", what,
        a->n_segments, b->n_segments, a->text, b->text);
  return ok;
}

/* Order and bounds, and that the transcript holds something (so the checks are not vacuous). */
/* Word timestamps: words only in segments that kept their tokens, each a non-empty string
 * with finite times inside the audio's windows and a probability in [0, 1]; some words. */
static void check_words(const wk_transcription *r, double duration, int some, const char *what) {
  int n = 0;
  CHECK(r->word_timestamps, "%s: the transcript does not say it has words", what);
  for (int i = 0; i < r->n_segments; i++) {
    const wk_segment *s = &r->segments[i];
    CHECK(s->n_words == 0 || (s->n_tokens > 0 && s->words), "%s: segment %d: %d words, %d tokens",
          what, i, s->n_words, s->n_tokens);
    for (int k = 0; k < s->n_words; k++, n++) {
      const wk_word *w = &s->words[k];
      CHECK(w->word && w->word[0] && isfinite(w->start) && isfinite(w->end) && w->start >= 0 &&
                w->end <= duration + 30.0 && w->probability >= 0 && w->probability <= 1,
            "%s: segment %d word %d '%s' [%g, %g] p %g", what, i, k, w->word ? w->word : "(null)",
            w->start, w->end, w->probability);
    }
  }
  CHECK(n > 0 || !some, "%s: no words", what);
}

static void check_shape(const wk_transcription *r, double duration, const char *what) {
  CHECK(r->n_segments > 0 && r->n_tokens > 0 && r->n_windows >= 1, "%s: empty transcript", what);
  CHECK(r->duration == duration, "%s: duration %g, expected %g", what, r->duration, duration);
  double last_end = 0;
  for (int i = 0; i < r->n_segments; i++) {
    const wk_segment *s = &r->segments[i];
    /* a window's segments end inside its 30 s */
    CHECK(s->start >= last_end && s->end >= s->start && s->end <= s->seek * 0.01 + 30.0 + 1e-9,
          "%s: segment %d [%g, %g] (seek %d) after %g", what, i, s->start, s->end, s->seek,
          last_end);
    CHECK(s->text && (s->n_tokens == 0) == (s->text[0] == 0),
          "%s: segment %d: %d tokens, text '%s'", what, i, s->n_tokens, s->text);
    last_end = s->end;
  }
}

typedef struct job {
  const wk_transcriber *tr;
  wk_isa isa;
  const float *pcm;
  size_t n;
  const wk_transcribe_params *p;
  wk_transcription out;
  wk_status st;
} job;

static void *run_job(void *u) {
  job *j = u;
  wk_context *ctx = wk_test_context(j->isa, 1);
  j->st = wk_transcribe(ctx, j->tr, j->pcm, j->n, j->p, &j->out);
  wk_context_free(ctx);
  return NULL;
}

static int cancel_after_first(void *user, const wk_transcribe_progress *p) {
  int *calls = user;
  ++*calls;
  CHECK(p->total_seconds > 0 && p->done_seconds > 0 && p->n_segments >= 0 &&
            p->first_new <= p->n_segments,
        "progress: %g / %g s, %d segments, first new %d", p->done_seconds, p->total_seconds,
        p->n_segments, p->first_new);
  return 1;
}

int main(int argc, char **argv) {
  const wk_isa isa = wk_test_isa_arg(argc, argv);
  if (argc < 3) {
    fprintf(stderr, "usage: test_transcriber ISA AUDIO [threads]\n");
    return 2;
  }
  /* "threads": only the shared-transcriber part, INT8 (the ThreadSanitizer run) */
  const int threads_only = argc > 3 && !strcmp(argv[3], "threads");
  wk_pcm pcm;
  uint8_t *file = NULL;
  size_t size = 0;
  const wk_synth_model_options so = {"tiny", 0, "f16", 1, 0};
  if (wk_audio_load(argv[2], &pcm) || wk_synth_model_write_memory(&so, &file, &size) ||
      wk_model_load_memory(file, size, &model)) {
    fprintf(stderr, "setup: %s\n", wk_last_error());
    return 1;
  }
  free(file);
  const double duration = (double)pcm.n_samples / WK_SAMPLE_RATE;

  wk_transcribe_params p;
  wk_transcribe_params_default(&p);
  p.n_temperatures = 2; /* 0, then 1.0: the random weights fail the log-prob rule at 0 */
  p.temperatures[1] = 1.0f;
  p.seed = 7;
  p.sample_len = 24; /* random weights never sample eot: keep each decode short */

  for (int prec = 0; prec < (threads_only || SANITIZED ? 1 : 2); prec++) {
    const char *pn = prec ? "fp32" : "int8";
    wk_transcribe_params q = p;
    if (prec) q.n_temperatures = 1; /* FP32 takes longer: temperature 0 only */
    wk_context *c1 = wk_test_context(isa, 1), *c2 = wk_test_context(isa, 2);
    wk_transcriber *tr = NULL;
    if (wk_transcriber_create(c1, model, (wk_precision)prec, &tr)) {
      fprintf(stderr, "%s transcriber: %s\n", pn, wk_last_error());
      return 1;
    }
    wk_transcription r1 = {0}, r2 = {0};
    char what[64];
    if (!threads_only) {
      CHECK(!wk_transcribe(c1, tr, pcm.samples, pcm.n_samples, &q, &r1), "%s", wk_last_error());
      CHECK(!wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &q, &r2), "%s", wk_last_error());
      snprintf(what, sizeof what, "%s %s 1 vs 2 threads", pn, argv[1]);
      check_shape(&r1, duration, what);
      same(&r1, &r2, what);
      if (!prec)
        CHECK(r1.n_fallbacks > 0, "int8: the fallback path was not taken (%d)", r1.n_fallbacks);
    }
    if (isa != WK_ISA_AVX2 && !threads_only && !SANITIZED) {
      wk_context *ca = wk_test_context(WK_ISA_AVX2, 2);
      wk_transcriber *ta = NULL;
      wk_transcription ra;
      CHECK(!wk_transcriber_create(ca, model, (wk_precision)prec, &ta) &&
                !wk_transcribe(ca, ta, pcm.samples, pcm.n_samples, &q, &ra),
            "avx2: %s", wk_last_error());
      snprintf(what, sizeof what, "%s %s vs avx2", pn, argv[1]);
      same(&r1, &ra, what);
      /* word timestamps: the same words on every ISA */
      wk_transcribe_params wq = q;
      wq.word_timestamps = 1;
      wk_transcription w1, wa;
      CHECK(!wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &wq, &w1) &&
                !wk_transcribe(ca, ta, pcm.samples, pcm.n_samples, &wq, &wa),
            "words: %s", wk_last_error());
      snprintf(what, sizeof what, "%s %s vs avx2, word timestamps", pn, argv[1]);
      check_words(&w1, duration, 1, what);
      same(&w1, &wa, what);
      wk_transcription_free(&w1);
      wk_transcription_free(&wa);
      /* a context of another ISA than the transcriber's */
      wk_transcription bad;
      CHECK(wk_transcribe(ca, tr, pcm.samples, pcm.n_samples, &q, &bad) ==
                    WK_STATUS_INVALID_ARGUMENT && bad.n_segments == 0 && !bad.text,
            "context of another ISA accepted");
      wk_transcription_free(&ra);
      wk_transcriber_free(ta);
      wk_context_free(ca);
    }

    if (!prec) {
      /* 3 threads, one transcriber, different audio: the first 3 s, the whole, the last 5 s */
      /* (the third with word timestamps: its alignment passes run beside the others) */
      wk_transcribe_params qw = q;
      qw.word_timestamps = 1;
      job jobs[3] = {{tr, isa, pcm.samples, 48000, &q, {0}, 0},
                     {tr, isa, pcm.samples, pcm.n_samples, &q, {0}, 0},
                     {tr, isa, pcm.samples + pcm.n_samples - 80000, 80000, &qw, {0}, 0}};
      pthread_t th[3];
      for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, run_job, &jobs[i]);
      for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
      for (int i = 0; i < 3; i++) {
        job alone = jobs[i];
        memset(&alone.out, 0, sizeof alone.out);
        run_job(&alone);
        CHECK(!jobs[i].st && !alone.st, "thread %d: %s", i, wk_status_string(jobs[i].st));
        snprintf(what, sizeof what, "thread %d vs alone", i);
        if (!jobs[i].st && !alone.st) same(&jobs[i].out, &alone.out, what);
        if (i == 1 && !threads_only) same(&jobs[i].out, &r1, "thread 1 vs the first run");
        if (threads_only && i < 2)
          check_shape(&jobs[i].out, (double)jobs[i].n / WK_SAMPLE_RATE, what);
        if (i == 2) check_words(&jobs[i].out, (double)jobs[i].n / WK_SAMPLE_RATE, 1, what);
        wk_transcription_free(&jobs[i].out);
        wk_transcription_free(&alone.out);
      }

    }
    if (!threads_only) {
      /* word timestamps (the preset heads of tiny, and explicit ones), with and without the
       * hallucination skip: the same bytes on 1 and 2 threads, words of the right shape.
       * (Segments need not be in order: the seek goes back to the last word's end, and with
       * random weights the last segments of a window often have no words, as in whisper.) */
      wk_transcribe_params wq = q;
      wq.word_timestamps = 1;
      wk_transcription w1, w2, w3;
      for (int h = 0; h < 2; h++) {
        wq.hallucination_silence_threshold = h ? 2.0 : NAN;
        CHECK(!wk_transcribe(c1, tr, pcm.samples, pcm.n_samples, &wq, &w1) &&
                  !wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &wq, &w2),
              "words: %s", wk_last_error());
        snprintf(what, sizeof what, "%s word timestamps%s, 1 vs 2 threads", pn,
                 h ? " and the hallucination skip" : "");
        check_words(&w1, duration, !h, what);
        same(&w1, &w2, what);
        if (h) break;
        wk_transcription_free(&w1);
        wk_transcription_free(&w2);
      }
      CHECK(w1.align_ms > 0 && r1.align_ms == 0 && !r1.word_timestamps,
            "align_ms %g (without words: %g)", w1.align_ms, r1.align_ms);
      wq.alignment_heads = "3:0,2:5", wq.hallucination_silence_threshold = NAN;
      CHECK(!wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &wq, &w3), "heads 3:0,2:5: %s",
            wk_last_error());
      check_words(&w3, duration, 1, "heads 3:0,2:5");
      wk_transcription_free(&w3);
      wq.alignment_heads = "4:0"; /* tiny has 4 decoder layers */
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &wq, &w3) ==
                    WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "4:0") && !w3.segments,
            "heads 4:0 accepted: %s", wk_last_error());
      wq.alignment_heads = NULL, wq.hallucination_silence_threshold = INFINITY;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &wq, &w3) ==
                WK_STATUS_INVALID_ARGUMENT, "infinite hallucination threshold accepted");
      wk_transcription_free(&w1);
      wk_transcription_free(&w2);
    }
    if (!prec && !threads_only) {
      /* best_of 3 at the fallback temperature (three samples per window, the most likely
       * kept): the same bytes on 1 and 2 threads, a transcript of the right shape, and — with
       * these seeds — another choice than the single sample's (the option reaches the decoder) */
      wk_transcribe_params bo = q;
      bo.best_of = 3;
      wk_transcription b1, b2;
      CHECK(!wk_transcribe(c1, tr, pcm.samples, pcm.n_samples, &bo, &b1) &&
                !wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &bo, &b2),
            "best_of 3: %s", wk_last_error());
      check_shape(&b1, duration, "best_of 3");
      same(&b1, &b2, "best_of 3: 1 vs 2 threads");
      CHECK(b1.text && r1.text && strcmp(b1.text, r1.text) != 0,
            "best_of 3 transcribed exactly the single sample's text");
      wk_transcription_free(&b1);
      wk_transcription_free(&b2);

      /* suppress_tokens: the first text tokens of the single-sample run never come back */
      int ids[4], n_ids = 0;
      for (int s = 0; s < r1.n_segments && n_ids < 4; s++)
        for (int k = 0; k < r1.segments[s].n_tokens && n_ids < 4; k++) {
          const int t = r1.segments[s].tokens[k];
          int dup = 0;
          for (int i = 0; i < n_ids; i++) dup |= ids[i] == t;
          if (t < 50257 && !dup) ids[n_ids++] = t; /* text (below eot) */
        }
      wk_transcribe_params sq = q;
      sq.suppress_tokens = ids, sq.n_suppress_tokens = n_ids;
      wk_transcription rs;
      CHECK(n_ids > 0 && !wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &sq, &rs),
            "suppress_tokens (%d ids): %s", n_ids, wk_last_error());
      for (int s = 0; n_ids > 0 && s < rs.n_segments; s++)
        for (int k = 0; k < rs.segments[s].n_tokens; k++)
          for (int i = 0; i < n_ids; i++)
            CHECK(rs.segments[s].tokens[k] != ids[i], "suppressed token %d sampled", ids[i]);
      wk_transcription_free(&rs);
      const int bad_id[1] = {51865};
      sq.suppress_tokens = bad_id, sq.n_suppress_tokens = 1;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &sq, &rs) ==
                WK_STATUS_INVALID_ARGUMENT, "suppress token 51865 (past the vocabulary) accepted");
      sq.suppress_tokens = NULL, sq.n_suppress_tokens = 3;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &sq, &rs) ==
                WK_STATUS_INVALID_ARGUMENT, "3 suppress tokens at NULL accepted");

      /* clip_timestamps: only 2.0 … 5.0 s is decoded — one window at frame 200 — and a NaN or
       * negative time is refused */
      const double clip[2] = {2.0, 5.0};
      wk_transcribe_params cq = q;
      cq.clip_timestamps = clip, cq.n_clip_timestamps = 2;
      wk_transcription rq;
      CHECK(!wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &cq, &rq), "clips: %s",
            wk_last_error());
      CHECK(rq.n_windows == 1 && rq.n_segments >= 1, "clip 2-5 s: %d windows, %d segments",
            rq.n_windows, rq.n_segments);
      for (int s = 0; s < rq.n_segments; s++)
        CHECK(rq.segments[s].seek == 200 && rq.segments[s].start >= 2.0,
              "clip 2-5 s: segment %d at seek %d, %.2f s", s, rq.segments[s].seek,
              rq.segments[s].start);
      wk_transcription_free(&rq);
      const double bad_clip[2] = {1.0, NAN};
      cq.clip_timestamps = bad_clip;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &cq, &rq) ==
                WK_STATUS_INVALID_ARGUMENT, "NaN clip timestamp accepted");
      cq.clip_timestamps = NULL;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &cq, &rq) ==
                WK_STATUS_INVALID_ARGUMENT, "2 clip timestamps at NULL accepted");

      /* cancellation: after the first window */
      int calls = 0;
      wk_transcribe_params cp = q;
      cp.progress = cancel_after_first, cp.progress_user = &calls;
      wk_transcription rc;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &cp, &rc) == WK_STATUS_CANCELLED &&
                calls == 1 && rc.n_segments == 0 && !rc.segments && !rc.text,
            "cancel: %d calls, %d segments", calls, rc.n_segments);

      /* empty audio: no window, no segment, an empty text */
      wk_transcription re;
      CHECK(!wk_transcribe(c2, tr, NULL, 0, &q, &re) && re.n_segments == 0 && re.text &&
                !re.text[0] && re.duration == 0,
            "empty audio: %s", wk_last_error());
      wk_transcription_free(&re);

      /* bad parameters and arguments */
      wk_transcription rb;
      wk_transcribe_params b = q;
      b.language = "klingon";
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT && strstr(wk_last_error(), "klingon"),
            "unknown language: %s", wk_last_error());
      b = q, b.temperatures[0] = NAN;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "NaN temperature accepted");
      b = q, b.n_temperatures = 0;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "no temperature accepted");
      b = q, b.beam_size = 65;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "beam 65 accepted");
      b = q, b.best_of = 65;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "best_of 65 accepted");
      b = q, b.logprob_threshold = -INFINITY;
      CHECK(wk_transcribe(c2, tr, pcm.samples, pcm.n_samples, &b, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "infinite threshold accepted");
      CHECK(wk_transcribe(c2, tr, NULL, 5, &q, &rb) == WK_STATUS_INVALID_ARGUMENT,
            "NULL pcm accepted");
      CHECK(wk_transcribe(c2, tr, pcm.samples, (size_t)1 << 40, &q, &rb) == WK_STATUS_UNSUPPORTED,
            "2^40 samples accepted: %s", wk_last_error());
      CHECK(wk_transcribe(NULL, tr, pcm.samples, pcm.n_samples, &q, &rb) ==
                WK_STATUS_INVALID_ARGUMENT, "NULL context accepted");
      CHECK(rb.n_segments == 0 && !rb.segments && !rb.text, "failed call left a result");
      float nan_pcm[3] = {0, NAN, 0};
      CHECK(wk_transcribe(c2, tr, nan_pcm, 3, &q, &rb) != WK_STATUS_OK, "NaN samples accepted");
      CHECK(wk_transcription_write(&r1, "doc", "/tmp/x.doc") == WK_STATUS_INVALID_ARGUMENT,
            "format 'doc' accepted");
      CHECK(wk_transcription_write(&r1, "srt", "/nonexistent-dir/x.srt") == WK_STATUS_IO_ERROR,
            "write into a missing directory: %s", wk_last_error());
      wk_transcriber *none = NULL;
      CHECK(wk_transcriber_create(c1, NULL, WK_PRECISION_INT8, &none) ==
                WK_STATUS_INVALID_ARGUMENT && !none, "NULL model accepted");
      CHECK(wk_transcriber_create(c1, model, (wk_precision)5, &none) ==
                WK_STATUS_INVALID_ARGUMENT && !none, "precision 5 accepted");
    }
    wk_transcription_free(&r1);
    wk_transcription_free(&r2);
    wk_transcriber_free(tr);
    wk_context_free(c1);
    wk_context_free(c2);
  }
  wk_transcription_free(NULL);
  wk_transcriber_free(NULL);
  wk_model_free(model);
  wk_pcm_free(&pcm);
  if (wk_test_failures) fprintf(stderr, "test_transcriber %s: %d failures\n", argv[1], wk_test_failures);
  else printf("test_transcriber %s: passed\n", argv[1]);
  return wk_test_failures != 0;
}
