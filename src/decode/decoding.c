/* decoding.c — Whisper's decoding rules for one window (see decoding.h: decoding.py is the
 * specification). */
#include "decode/decoding.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

void wk_decode_options_default(wk_decode_options *o) {
  memset(o, 0, sizeof *o);
  o->patience = -1.0f;
  o->length_penalty = -1.0f;
  o->suppress_blank = 1;
  o->suppress_non_speech = 1;
  o->max_initial_timestamp = 1.0f;
}

int wk_sot_sequence(const wk_special_tokens *sp, int language, int translate, int *seq) {
  int n = 0;
  seq[n++] = sp->sot;
  if (sp->multilingual) {
    seq[n++] = sp->language_begin + language;
    seq[n++] = translate ? sp->translate : sp->transcribe;
  }
  return n;
}

wk_status wk_decode_check_suppress(const int *ids, int n, int n_vocab, const char *who) {
  if (n < 0 || (n > 0 && !ids))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: %d suppress tokens", who, n);
  for (int i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= n_vocab)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: suppress token %d out of range (0..%d)",
                      who, ids[i], n_vocab - 1);
  return WK_STATUS_OK;
}

void wk_decode_result_free(wk_decode_result *r) {
  if (!r) return;
  wk_free(r->tokens);
  memset(r, 0, sizeof *r);
}

/* log Σ exp(x[i]) over x[0 … n), in double (max-shifted); −inf when every x is −inf. */
static double logsumexp(const float *x, int n) {
  double m = -INFINITY;
  for (int i = 0; i < n; i++)
    if (x[i] > m) m = x[i];
  if (m == -INFINITY) return -INFINITY;
  double s = 0.0;
  for (int i = 0; i < n; i++) s += exp((double)x[i] - m);
  return m + log(s);
}

static void fill_neg_inf(float *x, int lo, int hi) {
  for (int i = lo; i < hi; i++) x[i] = -INFINITY;
}

double wk_decode_filter(const wk_decode_rules *r, float *logits, const int *tokens,
                        int n_tokens) {
  const wk_special_tokens *sp = r->sp;
  const int V = sp->n_vocab, tb = sp->timestamp_begin;
  const int at_begin = n_tokens == r->sample_begin;
  if (r->suppress_blank && at_begin) /* SuppressBlank */
    for (size_t i = 0; i < r->n_blank; i++) logits[r->blank[i]] = -INFINITY;
  for (size_t i = 0; i < r->n_suppress; i++) logits[r->suppress[i]] = -INFINITY; /* SuppressTokens */
  if (!r->timestamps) return NAN;
  /* ApplyTimestampRules */
  logits[sp->no_timestamps] = -INFINITY;
  const int *seq = tokens + r->sample_begin; /* the sampled tokens [n] */
  const int n = n_tokens - r->sample_begin;
  const int last_ts = n >= 1 && seq[n - 1] >= tb;
  const int penult_ts = n < 2 || seq[n - 2] >= tb;
  if (last_ts) {
    if (penult_ts) fill_neg_inf(logits, tb, V);       /* has to be non-timestamp */
    else fill_neg_inf(logits, 0, sp->eot);            /* cannot be normal text */
  }
  int ts_last = -1; /* the last sampled timestamp */
  for (int i = n - 1; i >= 0 && ts_last < 0; i--)
    if (seq[i] >= tb) ts_last = seq[i];
  if (ts_last >= 0) { /* monotonic, and each segment of nonzero length */
    const int upto = last_ts && !penult_ts ? ts_last : ts_last + 1;
    fill_neg_inf(logits, tb, upto < V ? upto : V);
  }
  if (at_begin) {
    fill_neg_inf(logits, 0, tb); /* a timestamp first */
    if (r->max_initial_timestamp_index >= 0) {
      const long last_allowed = (long)tb + r->max_initial_timestamp_index;
      if (last_allowed + 1 < V) fill_neg_inf(logits, (int)last_allowed + 1, V);
    }
  }
  /* Σ p(timestamps) > max p(text token) → a timestamp; compared as log-probs in double:
   * logsumexp(ts) − lse(all) vs max(text) − lse(all). */
  const double lse = logsumexp(logits, V);
  const double lse_ts = logsumexp(logits + tb, V - tb);
  double mx = -INFINITY;
  for (int i = 0; i < tb; i++)
    if (logits[i] > mx) mx = logits[i];
  if (lse_ts - lse > mx - lse) {
    fill_neg_inf(logits, 0, tb);
    return lse_ts; /* = logsumexp of the row now: the same terms in the same order, and zeros */
  }
  return lse;
}

/* ── the main loop ── */

typedef struct cand {
  int key;      /* the first beam holding the same tokens as the source */
  int src;      /* the source beam */
  int token;
  int order;    /* insertion order (stable sort) */
  double score;
} cand;

static int cand_cmp(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1; /* descending */
  return x->order - y->order;
}

wk_status wk_decode_run(const wk_logits_source *src, const wk_decode_rules *r,
                        const wk_decode_options *o, const int *initial, int n_initial,
                        int sot_index, wk_decode_result *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: out is NULL");
  memset(out, 0, sizeof *out);
  if (!src || !r || !r->sp || !o || !initial || !src->step || !src->reorder)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: NULL argument");
  const int V = src->n_vocab, n_ctx = src->n_ctx;
  if (V != r->sp->n_vocab || n_ctx < 1)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: n_vocab %d != the tokenizer's %d",
                    V, r->sp->n_vocab);
  if (n_initial < 1 || n_initial > n_ctx || sot_index < 0 || sot_index >= n_initial ||
      r->sample_begin != n_initial)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_decode_run: %d initial tokens (sot at %d, sample_begin %d) for %d positions",
                    n_initial, sot_index, r->sample_begin, n_ctx);
  for (int i = 0; i < n_initial; i++)
    if (initial[i] < 0 || initial[i] >= V)
      return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: initial token %d out of range",
                      initial[i]);
  if (!(o->temperature >= 0.0f) || !isfinite(o->temperature) || o->beam_size < 0 ||
      o->beam_size > WK_DECODE_MAX_BEAMS || o->best_of < 0 || o->best_of > WK_DECODE_MAX_BEAMS ||
      !(o->length_penalty <= 1.0f) || o->sample_len < 0 || !isfinite(o->patience))
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_decode_run: bad options (temperature %g, beam %d, best_of %d, "
                    "length_penalty %g, sample_len %d, patience %g)",
                    o->temperature, o->beam_size, o->best_of, o->length_penalty, o->sample_len,
                    o->patience);
  const int beam = o->beam_size > 0;
  const int B = wk_decode_rows(o); /* beams, or the sampled group (best_of), or 1 */
  /* past n_ctx steps the sequence would pass n_ctx tokens and stop anyway: the same loop */
  const int sample_len = o->sample_len ? (o->sample_len < n_ctx ? o->sample_len : n_ctx) : n_ctx / 2;
  const double patience = o->patience > 0.0f ? o->patience : 1.0;
  const double mc = nearbyint(B * patience); /* Python's round: half to even */
  if (beam && (mc < 1.0 || mc > 4096.0))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: max_candidates %g (1 … 4096)", mc);
  const int max_cand = beam ? (int)mc : 0;
  const int fin_cap = max_cand > B ? max_cand : B;
  const int W = n_ctx + 2; /* a token row's capacity */

  /* Buffers: logits [B][V]; tokens [B][W] and their next copy; sums [B]; the finished list
   * (beam search): fin_tok [fin_cap][sample_len + 1] sampled tokens, fin_len, fin_sum. */
  float *logits = wk_alloc_array((size_t)B * V, sizeof(float));
  int *tok = wk_alloc_array((size_t)B * W, sizeof(int));
  int *tok2 = wk_alloc_array((size_t)B * W, sizeof(int));
  int *step_in = wk_alloc_array((size_t)B * (n_initial > 1 ? n_initial : 1), sizeof(int));
  double *sum = wk_alloc_array((size_t)B, sizeof(double));
  double *sum2 = wk_alloc_array((size_t)B, sizeof(double));
  const size_t fw = (size_t)sample_len + 1;
  int *fin_tok = wk_alloc_array((size_t)fin_cap * fw, sizeof(int));
  int *fin_len = wk_alloc_array((size_t)fin_cap + 1, sizeof(int));
  double *fin_sum = wk_alloc_array((size_t)fin_cap + 1, sizeof(double));
  cand *cands = wk_alloc_array((size_t)B * (B + 1), sizeof(cand));
  /* sampling (greedy, T > 0): each token's exp term, computed once for the total and the CDF */
  const int sampling = !beam && o->temperature != 0.0f;
  double *terms = sampling ? wk_alloc_array((size_t)V, sizeof(double)) : NULL;
  wk_status st = WK_STATUS_OK;
  if (!logits || !tok || !tok2 || !step_in || !sum || !sum2 || !fin_tok || !fin_len || !fin_sum ||
      !cands || (sampling && !terms)) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_decode_run: out of memory");
    goto done;
  }
  wk_rng rng = {o->seed};
  int n_fin = 0;
  for (int b = 0; b < B; b++) {
    memcpy(tok + (size_t)b * W, initial, (size_t)n_initial * sizeof(int));
    sum[b] = 0.0;
  }
  int L = n_initial;

  /* Prefill: up to the SOT (its logits give no_speech_prob), then the rest. */
  out->no_speech_prob = NAN;
  {
    int begin = 0;
    const int cuts[2] = {sot_index + 1, n_initial};
    for (int c = 0; c < 2 && st == WK_STATUS_OK; c++) {
      const int n_new = cuts[c] - begin;
      if (n_new <= 0) continue;
      for (int b = 0; b < B; b++)
        memcpy(step_in + (size_t)b * n_new, initial + begin, (size_t)n_new * sizeof(int));
      st = src->step(src->user, step_in, n_new, logits);
      if (st == WK_STATUS_OK && !wk_all_finite(logits, (size_t)B * V))
        st = wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: non-finite logits");
      if (st == WK_STATUS_OK && c == 0) {
        const double lse = logsumexp(logits, V); /* softmax at the SOT, row 0 */
        out->no_speech_prob = exp((double)logits[r->sp->no_speech] - lse);
      }
      begin = cuts[c];
    }
  }
  int steps = 0;
  /* a greedy row whose last sampled token is eot (it then takes eot again) */
#define ENDED(b) (L > n_initial && tok[(size_t)(b) * W + L - 1] == r->sp->eot)
  for (int i = 0; i < sample_len && st == WK_STATUS_OK; i++) {
    double lse_row[WK_DECODE_MAX_BEAMS]; /* log Σ exp of each filtered row */
    for (int b = 0; b < B; b++) {
      if (!beam && ENDED(b)) continue; /* a finished sample: no more filtering */
      float *x = logits + (size_t)b * V;
      lse_row[b] = wk_decode_filter(r, x, tok + (size_t)b * W, L);
      if (isnan(lse_row[b])) lse_row[b] = logsumexp(x, V);
    }
    int completed;
    if (!beam) { /* GreedyDecoder: each row in turn; a row that ended stays at eot */
      completed = 1;
      for (int b = 0; b < B; b++) {
        int *tb = tok + (size_t)b * W;
        if (ENDED(b)) { /* no draw, its sum unchanged */
          tb[L] = r->sp->eot;
          continue;
        }
        const float *x = logits + (size_t)b * V;
        int next = 0;
        if (o->temperature == 0.0f) {
          for (int v = 1; v < V; v++)
            if (x[v] > x[next]) next = v;
        } else { /* Categorical(logits / T): inverse CDF of a uniform draw, in double */
          double m = -INFINITY, tot = 0.0;
          for (int v = 0; v < V; v++)
            if (x[v] > m) m = x[v];
          for (int v = 0; v < V; v++) {
            terms[v] = exp(((double)x[v] - m) / o->temperature);
            tot += terms[v];
          }
          const double u = wk_rng_uniform(&rng) * tot;
          double c = 0.0;
          next = -1;
          for (int v = 0; v < V && next < 0; v++) {
            if (x[v] == -INFINITY) continue;
            c += terms[v];
            if (c > u) next = v;
          }
          if (next < 0) /* rounding at the top of the CDF: the last allowed token */
            for (int v = V - 1; v >= 0 && next < 0; v--)
              if (x[v] != -INFINITY) next = v;
        }
        sum[b] += (double)x[next] - lse_row[b];
        tb[L] = next;
        if (next != r->sp->eot) completed = 0;
      }
      L++;
    } else { /* BeamSearchDecoder */
      int n_c = 0;
      for (int j = 0; j < B; j++) {
        const int *pj = tok + (size_t)j * W;
        int key = j; /* the first beam with the same tokens */
        for (int k = 0; k < j && key == j; k++)
          if (!memcmp(tok + (size_t)k * W, pj, (size_t)L * sizeof(int))) key = k;
        const float *x = logits + (size_t)j * V;
        const double lse = lse_row[j];
        /* top B + 1 by logit descending, the lower id first on ties */
        int top[WK_DECODE_MAX_BEAMS + 1];
        int nt = 0;
        for (int v = 0; v < V; v++) {
          if (nt == B + 1 && !(x[v] > x[top[nt - 1]])) continue;
          int p = nt < B + 1 ? nt++ : B;
          while (p > 0 && x[v] > x[top[p - 1]]) {
            top[p] = top[p - 1];
            p--;
          }
          top[p] = v;
        }
        for (int t = 0; t < nt; t++) {
          const double s = sum[j] + ((double)x[top[t]] - lse);
          int found = -1;
          for (int c = 0; c < n_c && found < 0; c++)
            if (cands[c].key == key && cands[c].token == top[t]) found = c;
          if (found >= 0) {
            cands[found].score = s, cands[found].src = j;
          } else {
            cands[n_c] = (cand){key, j, top[t], n_c, s};
            n_c++;
          }
        }
      }
      qsort(cands, (size_t)n_c, sizeof(cand), cand_cmp);
      int saved = 0, src_beam[WK_DECODE_MAX_BEAMS];
      for (int c = 0; c < n_c && saved < B; c++) {
        const cand *k = &cands[c];
        const int *pk = tok + (size_t)k->src * W;
        if (k->token == r->sp->eot) {
          if (n_fin < max_cand) { /* newly finished, already in descending order */
            const int n = L - n_initial;
            memcpy(fin_tok + (size_t)n_fin * fw, pk + n_initial, (size_t)n * sizeof(int));
            fin_len[n_fin] = n;
            fin_sum[n_fin] = k->score;
            n_fin++;
          }
        } else {
          int *d = tok2 + (size_t)saved * W;
          memcpy(d, pk, (size_t)L * sizeof(int));
          d[L] = k->token;
          sum2[saved] = k->score;
          src_beam[saved] = k->src;
          saved++;
        }
      }
      if (saved < B) { /* cannot happen: every beam offers B live candidates */
        st = wk_error(WK_STATUS_INTERNAL, "wk_decode_run: beam search kept %d of %d beams", saved, B);
        break;
      }
      st = src->reorder(src->user, src_beam);
      if (st != WK_STATUS_OK) break;
      int *t = tok;
      tok = tok2, tok2 = t;
      memcpy(sum, sum2, (size_t)B * sizeof(double));
      L++;
      completed = n_fin >= max_cand;
    }
    if (completed || L > n_ctx || i + 1 == sample_len) break;
    for (int b = 0; b < B; b++) step_in[b] = tok[(size_t)b * W + L - 1];
    st = src->step(src->user, step_in, 1, logits);
    if (st == WK_STATUS_OK && !wk_all_finite(logits, (size_t)B * V))
      st = wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_run: non-finite logits");
    steps++;
  }
#undef ENDED
  if (st != WK_STATUS_OK) goto done;

  /* finalize → candidates (sampled tokens, sum); rank */
  const int *best = NULL;
  int best_len = 0;
  double best_sum = 0.0;
  if (!beam) { /* every row is a candidate: its tokens up to the first eot */
    for (int b = 0; b < B; b++) {
      const int *tb = tok + (size_t)b * W + n_initial;
      int n = L - n_initial;
      for (int k = 0; k < n; k++)
        if (tb[k] == r->sp->eot) {
          n = k;
          break;
        }
      memcpy(fin_tok + (size_t)b * fw, tb, (size_t)n * sizeof(int));
      fin_len[b] = n;
      fin_sum[b] = sum[b];
    }
    n_fin = B;
  } else if (n_fin < B) { /* the live beams by descending sum, the higher index first on ties */
    int order[WK_DECODE_MAX_BEAMS];
    for (int b = 0; b < B; b++) {
      int p = b;
      while (p > 0 && sum[order[p - 1]] <= sum[b]) {
        order[p] = order[p - 1];
        p--;
      }
      order[p] = b;
    }
    for (int k = 0; k < B && n_fin < B; k++) {
      const int n = L - n_initial;
      memcpy(fin_tok + (size_t)n_fin * fw, tok + (size_t)order[k] * W + n_initial,
             (size_t)n * sizeof(int));
      fin_len[n_fin] = n;
      fin_sum[n_fin] = sum[order[k]];
      n_fin++;
    }
  }
  double best_score = -INFINITY;
  int bi = -1;
  for (int k = 0; k < n_fin; k++) { /* MaximumLikelihoodRanker */
    const int len = fin_len[k];
    double pen = o->length_penalty < 0.0f ? (double)len : pow((5.0 + len) / 6.0, o->length_penalty);
    if (pen == 0.0) pen = 1.0;
    const double s = fin_sum[k] / pen;
    if (bi < 0 || s > best_score) best_score = s, bi = k;
  }
  best = fin_tok + (size_t)bi * fw;
  best_len = fin_len[bi];
  best_sum = fin_sum[bi];
  out->tokens = wk_alloc_array((size_t)(best_len > 0 ? best_len : 1), sizeof(int));
  if (!out->tokens) {
    st = wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_decode_run: out of memory");
    goto done;
  }
  memcpy(out->tokens, best, (size_t)best_len * sizeof(int));
  out->n_tokens = best_len;
  out->sum_logprob = best_sum;
  out->avg_logprob = best_sum / (best_len + 1);
  out->n_steps = steps;
done:
  if (st != WK_STATUS_OK) wk_decode_result_free(out);
  wk_free(logits), wk_free(tok), wk_free(tok2), wk_free(step_in), wk_free(sum), wk_free(sum2);
  wk_free(fin_tok), wk_free(fin_len), wk_free(fin_sum), wk_free(cands), wk_free(terms);
  return st;
}

/* ── on the decoder ── */

typedef struct dec_src {
  wk_context *ctx;
  const wk_decoder *dec;
  wk_decoder_state *st;
} dec_src;

static wk_status dec_step(void *u, const int *tokens, int n_new, float *logits) {
  dec_src *s = u;
  return wk_decoder_step(s->ctx, s->dec, s->st, tokens, n_new, logits);
}
static wk_status dec_reorder(void *u, const int *src_beam) {
  return wk_decoder_reorder(((dec_src *)u)->st, src_beam);
}

wk_status wk_decode_window(wk_context *ctx, const wk_decoder *dec, wk_decoder_state *state,
                           const wk_tokenizer *tok, const wk_decode_options *o,
                           const int *prompt_tokens, int n_prompt, wk_decode_result *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_window: out is NULL");
  memset(out, 0, sizeof *out);
  if (!ctx || !dec || !state || !tok || !o || n_prompt < 0 || (n_prompt > 0 && !prompt_tokens))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_window: NULL argument or bad n_prompt");
  const wk_special_tokens *sp = wk_tokenizer_special(tok);
  int V = 0, n_ctx = 0;
  wk_decoder_dims(dec, &V, &n_ctx, NULL);
  const int B = wk_decode_rows(o);
  if (V != sp->n_vocab)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_window: decoder n_vocab %d, tokenizer %d",
                    V, sp->n_vocab);
  if (wk_decoder_state_beams(state) != B || wk_decoder_state_position(state) != 0)
    return wk_error(WK_STATUS_INVALID_ARGUMENT,
                    "wk_decode_window: the state needs %d rows at position 0 (has %d at %d)", B,
                    wk_decoder_state_beams(state), wk_decoder_state_position(state));
  if (sp->multilingual && (o->language < 0 || o->language >= sp->n_languages))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_decode_window: language %d", o->language);
  wk_status s = wk_decode_check_suppress(o->suppress_tokens, o->n_suppress_tokens, V,
                                         "wk_decode_window");
  if (s) return s;
  /* A prompt is earlier text: text tokens, and the timestamps transcribe.py keeps in it. */
  for (int i = 0; i < n_prompt; i++) {
    const int t = prompt_tokens[i];
    if (t < 0 || t >= V || (t >= sp->eot && t < sp->timestamp_begin))
      return wk_error(WK_STATUS_INVALID_ARGUMENT,
                      "wk_decode_window: prompt token %d is neither text nor a timestamp", t);
  }
  /* initial tokens: [sot_prev, prompt[-(n_ctx/2 − 1):]] + sot sequence */
  int keep = n_ctx / 2 - 1;
  if (keep < 0) keep = 0;
  if (n_prompt < keep) keep = n_prompt;
  int *init = wk_alloc_array((size_t)keep + 8, sizeof(int));
  int *sup = NULL;
  if (!init) return wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_decode_window: out of memory");
  int n = 0;
  if (n_prompt > 0) {
    init[n++] = sp->sot_prev;
    memcpy(init + n, prompt_tokens + n_prompt - keep, (size_t)keep * sizeof(int));
    n += keep;
  }
  const int sot_index = n;
  n += wk_sot_sequence(sp, o->language, o->translate, init + n);
  if (o->without_timestamps) init[n++] = sp->no_timestamps;
  /* the suppress list: non-speech (or nothing), the caller's ids, and the specials
   * decoding.py always adds (already in the tokenizer's non-speech list) */
  size_t n_ns = 0, n_sup = 0;
  const int *ns = o->suppress_non_speech ? wk_tokenizer_suppress_tokens(tok, &n_ns) : NULL;
  const int fixed[6] = {sp->transcribe, sp->translate, sp->sot, sp->sot_prev, sp->sot_lm,
                        sp->no_speech};
  const size_t n_extra = o->suppress_tokens ? (size_t)o->n_suppress_tokens : 0;
  if (!ns || n_extra) {
    sup = wk_alloc_array(n_ns + n_extra + 6, sizeof(int));
    if (!sup) {
      wk_free(init);
      return wk_error(WK_STATUS_OUT_OF_MEMORY, "wk_decode_window: out of memory");
    }
    if (n_ns) memcpy(sup, ns, n_ns * sizeof(int));
    if (n_extra) memcpy(sup + n_ns, o->suppress_tokens, n_extra * sizeof(int));
    memcpy(sup + n_ns + n_extra, fixed, sizeof fixed);
    n_sup = n_ns + n_extra + 6;
    ns = NULL;
  }
  size_t n_blank = 0;
  const int *blank = wk_tokenizer_blank_tokens(tok, &n_blank);
  const double mit = o->max_initial_timestamp;
  const wk_decode_rules rules = {
      sp, blank, n_blank, ns ? ns : sup, ns ? n_ns : n_sup, n, o->suppress_blank,
      !o->without_timestamps,
      mit > 0.0 ? (int)nearbyint(mit / WK_TIMESTAMP_STEP) : -1};
  dec_src ds = {ctx, dec, state};
  const wk_logits_source src = {&ds, V, n_ctx, dec_step, dec_reorder};
  const wk_status st = wk_decode_run(&src, &rules, o, init, n, sot_index, out);
  wk_free(init), wk_free(sup);
  return st;
}
