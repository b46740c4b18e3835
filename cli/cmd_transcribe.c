/* cmd_transcribe.c — `whisk transcribe`: a whisper.cpp model file and audio files in, Whisper's
 * transcript out (txt on standard output, or txt/srt/vtt/json files), through the public
 * wk_transcribe API.
 *
 * Exit codes: 0 every file transcribed, 1 a file (or the model) failed — the other files are
 * still done —, 2 usage error.  Output files are written atomically (a temporary file renamed
 * over the final name), so a killed run never leaves a half-written transcript. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common/common.h"
#include "decode/format.h"
#include "decode/tokenizer.h"

#define PROG "whisk transcribe"

void wk_cli_print_transcribe_options(FILE *f, const char *name) {
  (void)name;
  fputs("Transcribes each AUDIO file (WAV, FLAC, OGG/Vorbis, Opus, MP3; '-' reads standard input)\n"
        "with a whisper.cpp model, following openai/whisper's transcribe(): 30-s windows, the\n"
        "timestamp rules, temperature fallback, the no-speech skip, conditioning on the previous\n"
        "text.  Without -f/-o the text goes to standard output as each window is decoded.\n"
        "\n"
        "  -m, --model FILE          whisper.cpp model (ggml-*.bin, any size and type)\n"
        "  -l, --language L          language code or name (en, de, german …) or auto (default:\n"
        "                            detected on the first window; .en models: English)\n"
        "  --task T                  transcribe (default) or translate (to English)\n"
        "  --beam N                  beam search with N beams (1 … 64); 0: greedy (default)\n"
        "  --patience P              beam search patience (default 1.0)\n"
        "  --best-of N               samples per window at temperatures above 0, the most\n"
        "                            likely kept (1 … 64; default 1; the whisper CLI uses 5)\n"
        "  --length-penalty A        0 … 1: ((5 + length) / 6)^A; default: length normalization\n"
        "  --temperature T[,T…]      temperatures tried in order (default 0,0.2,0.4,0.6,0.8,1)\n"
        "  --temperature-increment-on-fallback X\n"
        "                            with one --temperature T (default 0): T, T + X, … up to 1\n"
        "                            (the whisper command line's numpy.arange(T, 1 + 1e-6, X))\n"
        "  --compression-ratio-threshold X, --logprob-threshold X, --no-speech-threshold X\n"
        "                            the fallback and skip rules (2.4, -1, 0.6; 'none': off)\n"
        "  --no-condition            do not prompt each window with the previous text\n"
        "  --no-timestamps           decode without timestamps (one segment per window)\n"
        "  --suppress-tokens LIST    token ids never sampled, comma-separated; -1: the non-speech\n"
        "                            tokens (default: -1); '': none\n"
        "  --prompt TEXT             initial prompt (spelling, names, style)\n"
        "  --carry-initial-prompt    put the initial prompt before every window's prompt\n"
        "  --clip-timestamps LIST    start,end,start,end… seconds of the parts to transcribe\n"
        "                            (an odd count: the last part runs to the end; default 0)\n"
        "  --seed N                  seed of the sampling at temperatures above 0 (default 0)\n"
        "  --sample-len N            most tokens sampled per window (default: 224)\n"
        "  -f, --format LIST         txt, srt, vtt, tsv, json (comma-separated) or all\n"
        "  -o, --output-dir DIR      where the files go (default: next to each AUDIO; stdin:\n"
        "                            ./stdin.*); '-': standard output; -o without -f: all formats\n"
        "  --precision P             int8 (default) or fp32\n"
        "  -v, --verbose             each segment as '[start --> end] text' on standard output as\n"
        "                            it is decoded (whisper's verbose lines; with -f/-o too)\n"
        "\n"
        "Word timestamps (openai/whisper's timing.py: the cross-attention of the alignment heads,\n"
        "dynamic time warping; segment times and seeks refined by the words):\n"
        "  --word-timestamps         words with their times in json (\"words\") and word-level\n"
        "                            cues in srt and vtt\n"
        "  --prepend-punctuations S  merged into the next word (default: \"'“¿([{-)\n"
        "  --append-punctuations S   merged into the previous word (default: \"'.。,，!！?？:：”)]}、)\n"
        "  --highlight-words         srt, vtt: a cue per word with the word underlined\n"
        "  --max-line-width N        srt, vtt: characters in a line before breaking it\n"
        "  --max-line-count N        srt, vtt: lines in a cue (with --max-line-width)\n"
        "  --max-words-per-line N    srt, vtt: words in a line (no effect with --max-line-width)\n"
        "  --hallucination-silence-threshold T\n"
        "                            skip silent periods longer than T seconds around a likely\n"
        "                            hallucination\n"
        "  --alignment-heads H       auto (default: the model size's heads; 80-bin large models:\n"
        "                            large-v2's), a size (tiny.en … large-v3-turbo, large-v1),\n"
        "                            all-last-half, or LAYER:HEAD,LAYER:HEAD…\n"
        "\n"
        "A summary per file on standard error: audio length, language, windows, fallbacks, the\n"
        "time of the log-mel, encoder and decoder, decoder tokens per second, the realtime\n"
        "factor (audio seconds / wall time of decoding the audio file through the transcript;\n"
        "the model load not in it) and the peak memory; a progress line while it runs when\n"
        "standard error is a terminal.\n",
        f);
}

enum {
  OPT_TASK = WK_OPT_COMMAND,
  OPT_BEAM,
  OPT_PATIENCE,
  OPT_LENGTH_PENALTY,
  OPT_TEMPERATURE,
  OPT_CR,
  OPT_LOGPROB,
  OPT_NO_SPEECH,
  OPT_NO_CONDITION,
  OPT_NO_TIMESTAMPS,
  OPT_PROMPT,
  OPT_BEST_OF,
  OPT_SUPPRESS,
  OPT_CARRY,
  OPT_CLIPS,
  OPT_VERBOSE,
  OPT_T_INCREMENT,
  OPT_SEED,
  OPT_SAMPLE_LEN,
  OPT_PRECISION,
  OPT_WORDS,
  OPT_PREPEND,
  OPT_APPEND,
  OPT_HIGHLIGHT,
  OPT_LINE_WIDTH,
  OPT_LINE_COUNT,
  OPT_WORDS_PER_LINE,
  OPT_HALLUCINATION,
  OPT_HEADS,
};

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"model", required_argument, NULL, 'm'},
    {"language", required_argument, NULL, 'l'},
    {"task", required_argument, NULL, OPT_TASK},
    {"beam", required_argument, NULL, OPT_BEAM},
    {"patience", required_argument, NULL, OPT_PATIENCE},
    {"best-of", required_argument, NULL, OPT_BEST_OF},
    {"suppress-tokens", required_argument, NULL, OPT_SUPPRESS},
    {"carry-initial-prompt", no_argument, NULL, OPT_CARRY},
    {"clip-timestamps", required_argument, NULL, OPT_CLIPS},
    {"verbose", no_argument, NULL, 'v'},
    {"temperature-increment-on-fallback", required_argument, NULL, OPT_T_INCREMENT},
    {"length-penalty", required_argument, NULL, OPT_LENGTH_PENALTY},
    {"temperature", required_argument, NULL, OPT_TEMPERATURE},
    {"compression-ratio-threshold", required_argument, NULL, OPT_CR},
    {"logprob-threshold", required_argument, NULL, OPT_LOGPROB},
    {"no-speech-threshold", required_argument, NULL, OPT_NO_SPEECH},
    {"no-condition", no_argument, NULL, OPT_NO_CONDITION},
    {"no-timestamps", no_argument, NULL, OPT_NO_TIMESTAMPS},
    {"prompt", required_argument, NULL, OPT_PROMPT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"sample-len", required_argument, NULL, OPT_SAMPLE_LEN},
    {"format", required_argument, NULL, 'f'},
    {"output-dir", required_argument, NULL, 'o'},
    {"precision", required_argument, NULL, OPT_PRECISION},
    {"word-timestamps", no_argument, NULL, OPT_WORDS},
    {"prepend-punctuations", required_argument, NULL, OPT_PREPEND},
    {"append-punctuations", required_argument, NULL, OPT_APPEND},
    {"highlight-words", no_argument, NULL, OPT_HIGHLIGHT},
    {"max-line-width", required_argument, NULL, OPT_LINE_WIDTH},
    {"max-line-count", required_argument, NULL, OPT_LINE_COUNT},
    {"max-words-per-line", required_argument, NULL, OPT_WORDS_PER_LINE},
    {"hallucination-silence-threshold", required_argument, NULL, OPT_HALLUCINATION},
    {"alignment-heads", required_argument, NULL, OPT_HEADS},
    {0},
};

#define ALL_FORMATS ((1u << WK_FORMAT_COUNT) - 1)

/* The next item of the comma-separated list at *q into buf[size], NUL-terminated, and *q past it
 * and its comma: 1; 0 at the list's end; −1 for an empty or too long item or a trailing comma. */
static int list_next(const char **q, char *buf, size_t size) {
  if (!**q) return 0;
  const char *e = strchr(*q, ',');
  const size_t len = e ? (size_t)(e - *q) : strlen(*q);
  if (len == 0 || len >= size) return -1;
  memcpy(buf, *q, len);
  buf[len] = 0;
  *q += len;
  if (**q == ',' && !*++*q) return -1;
  return 1;
}

/* decoding.py's suppress_tokens string: comma-separated ids, −1 standing for the non-speech
 * tokens, "" for none → p's list (malloc'd into *ids) and its non-speech flag; 2 (after the usage
 * error) on a bad list.  The ids' range against the model's vocabulary is the library's check. */
static int parse_suppress(const char *s, wk_transcribe_params *p, int **ids) {
  free(*ids);
  *ids = malloc((strlen(s) / 2 + 1) * sizeof **ids);
  if (!*ids) return wk_cli_failure(PROG, "out of memory");
  int n = 0, non_speech = 0, r;
  char item[16];
  long v;
  for (const char *q = s; (r = list_next(&q, item, sizeof item)) > 0;) {
    if (wk_cli_parse_long(PROG, "--suppress-tokens", item, -1, INT_MAX, &v)) return 2;
    if (v < 0)
      non_speech = 1;
    else
      (*ids)[n++] = (int)v;
  }
  if (r < 0)
    return wk_cli_usage_error(PROG,
                              "--suppress-tokens: expected comma-separated token ids (-1: the "
                              "non-speech tokens), got '%s'", s);
  p->suppress_non_speech = non_speech;
  p->suppress_tokens = n ? *ids : NULL;
  p->n_suppress_tokens = n;
  return 0;
}

/* "txt,srt" / "all" → a bit per wk_format; 0 on a bad list. */
static unsigned parse_formats(const char *s) {
  if (!strcmp(s, "all")) return ALL_FORMATS;
  unsigned set = 0;
  char name[8];
  int r;
  for (const char *q = s; (r = list_next(&q, name, sizeof name)) > 0;) {
    wk_format f;
    if (wk_format_parse(name, &f)) return 0;
    set |= 1u << f;
  }
  return r < 0 ? 0 : set;
}

/* A float option: finite in [lo, hi], or NaN for "none" when none_ok. */
static int parse_value(const char *opt, const char *s, double lo, double hi, int none_ok,
                       double *v) {
  float f;
  if (none_ok && !strcmp(s, "none")) {
    *v = NAN;
    return 0;
  }
  if (!wk_cli_parse_float(s, &f) || !isfinite(f) || f < lo || f > hi)
    return wk_cli_usage_error(PROG, "%s: expected a number from %g to %g%s, got '%s'", opt, lo,
                              hi, none_ok ? " or none" : "", s);
  *v = f;
  return 0;
}

/* transcribe.py's clip_timestamps string: comma-separated seconds (strtod: the same doubles as
 * Python's float()), "" for none → p's list (malloc'd into *clips); 2 after a usage error. */
static int parse_clips(const char *s, wk_transcribe_params *p, double **clips) {
  free(*clips);
  *clips = malloc((strlen(s) / 2 + 1) * sizeof **clips);
  if (!*clips) return wk_cli_failure(PROG, "out of memory");
  int n = 0, r;
  char buf[64], *end;
  for (const char *q = s; (r = list_next(&q, buf, sizeof buf)) > 0;) {
    errno = 0;
    const double t = strtod(buf, &end);
    if (n == WK_MAX_CLIP_TIMESTAMPS || *end || end == buf || errno || !isfinite(t) || t < 0 ||
        t > 1e9 || buf[0] == ' ') {
      r = -1;
      break;
    }
    (*clips)[n++] = t;
  }
  if (r < 0)
    return wk_cli_usage_error(PROG,
                              "--clip-timestamps: expected comma-separated seconds from 0 to 1e9 "
                              "(at most %d), got '%s'", WK_MAX_CLIP_TIMESTAMPS, s);
  p->clip_timestamps = n ? *clips : NULL;
  p->n_clip_timestamps = n;
  return 0;
}

static int parse_temperatures(const char *s, wk_transcribe_params *p) {
  int n = 0, r;
  char buf[64];
  float t;
  for (const char *q = s; (r = list_next(&q, buf, sizeof buf)) > 0;) {
    if (n == WK_MAX_TEMPERATURES || !wk_cli_parse_float(buf, &t) || !isfinite(t) || t < 0 ||
        t > 100) {
      r = -1;
      break;
    }
    p->temperatures[n++] = t;
  }
  if (r < 0 || n == 0)
    return wk_cli_usage_error(PROG,
                              "--temperature: expected 1 to %d comma-separated numbers from 0 to "
                              "100, got '%s'", WK_MAX_TEMPERATURES, s);
  p->n_temperatures = n;
  return 0;
}

/* ── per file ───────────────────────────────────────────────────────────── */

typedef struct progress_state {
  const char *name;
  int tty;          /* stderr is a terminal: a progress line */
  int stream;       /* print each new segment's text to stdout */
  int verbose;      /* ... as "[start --> end] text" */
  int line_shown;
  int write_failed;
} progress_state;

static void clear_line(progress_state *ps) {
  if (ps->line_shown) fputs("\r\033[K", stderr);
  ps->line_shown = 0;
}

static int on_progress(void *user, const wk_transcribe_progress *p) {
  progress_state *ps = user;
  if (ps->stream) {
    clear_line(ps);
    for (int i = p->first_new; i < p->n_segments; i++) {
      const char *t = p->segments[i].text;
      size_t b, len;
      if (ps->verbose) { /* transcribe.py: f"[{format_timestamp(start)} --> …] {text}" */
        char t0[WK_TIMESTAMP_MAX], t1[WK_TIMESTAMP_MAX];
        wk_format_timestamp(p->segments[i].start, 0, '.', t0);
        wk_format_timestamp(p->segments[i].end, 0, '.', t1);
        if (printf("[%s --> %s] %s\n", t0, t1, t) < 0) ps->write_failed = 1;
        continue;
      }
      wk_text_strip(t, strlen(t), &b, &len); /* as the txt file has it */
      if (len > b && (fwrite(t + b, 1, len - b, stdout) != len - b || putchar('\n') == EOF))
        ps->write_failed = 1;
    }
    if (fflush(stdout)) ps->write_failed = 1;
  }
  if (ps->tty && p->total_seconds > 30) {
    clear_line(ps);
    fprintf(stderr, "%s: %s %.0f / %.0f s (%.0f%%)", PROG, ps->name, p->done_seconds,
            p->total_seconds, 100.0 * p->done_seconds / p->total_seconds);
    fflush(stderr);
    ps->line_shown = 1;
  }
  return ps->write_failed; /* stdout gone (a closed pipe): stop */
}

/* dir/base.ext of audio (the audio's own directory when dir is NULL; "stdin" for "-"). */
static int output_path(const char *audio, const char *dir, const char *ext, char *out,
                       size_t size) {
  const int is_stdin = !strcmp(audio, "-");
  const char *slash = strrchr(audio, '/');
  const char *base = is_stdin ? "stdin" : slash ? slash + 1 : audio;
  size_t base_len = strlen(base);
  const char *dot = strrchr(base, '.');
  if (!is_stdin && dot && dot != base) base_len = (size_t)(dot - base);
  int n;
  if (dir)
    n = snprintf(out, size, "%s/%.*s.%s", dir, (int)base_len, base, ext);
  else if (!is_stdin && slash)
    n = snprintf(out, size, "%.*s%.*s.%s", (int)(slash - audio + 1), audio, (int)base_len, base,
                 ext);
  else
    n = snprintf(out, size, "%.*s.%s", (int)base_len, base, ext);
  return n > 0 && (size_t)n < size;
}

static int transcribe_file(wk_context *ctx, const wk_transcriber *tr, wk_transcribe_params p,
                           const char *audio, unsigned formats, const char *out_dir,
                           int to_stdout, int verbose, const wk_subtitle_options *sub) {
  const char *name = strcmp(audio, "-") ? audio : "<stdin>";
  progress_state ps = {name, isatty(STDERR_FILENO), !formats || verbose, verbose, 0, 0};
  p.progress = on_progress, p.progress_user = &ps;
  wk_pcm pcm;
  double t0 = wk_now();
  if (wk_audio_load(audio, &pcm)) return wk_cli_failure(PROG, "%s", wk_last_error());
  const double decode_s = wk_now() - t0;
  wk_transcription r;
  t0 = wk_now();
  wk_status st = wk_transcribe(ctx, tr, pcm.samples, pcm.n_samples, &p, &r);
  const double wall = decode_s + (wk_now() - t0);
  clear_line(&ps);
  wk_pcm_free(&pcm);
  if (st) {
    if (ps.write_failed) return wk_cli_failure(PROG, "%s: cannot write to standard output", name);
    return wk_cli_failure(PROG, "%s: %s", name, wk_last_error());
  }
  int rc = 0;
  for (int i = 0; i < WK_FORMAT_COUNT && !rc; i++) {
    if (!(formats >> i & 1)) continue;
    char path[PATH_MAX];
    if (to_stdout) {
      snprintf(path, sizeof path, "-");
    } else if (!output_path(audio, out_dir, wk_format_extension((wk_format)i), path, sizeof path)) {
      rc = wk_cli_failure(PROG, "%s: output path too long", name);
      break;
    }
    if (wk_transcription_write_ex(&r, wk_format_extension((wk_format)i), path, sub))
      rc = wk_cli_failure(PROG, "%s: %s", name, wk_last_error());
  }
  const double dec_s = r.decode_ms / 1e3;
  char align[48] = ""; /* only with word timestamps */
  if (r.word_timestamps) snprintf(align, sizeof align, ", word alignment %.2f s", r.align_ms / 1e3);
  fprintf(stderr,
          "%s: %s: %.1f s of audio, language %s, %d window%s (%d fallback%s); mel %.0f ms, "
          "encoder %.2f s, decoder %.2f s (%lld tokens, %.0f tokens/s)%s; realtime %.1fx; "
          "peak memory %.0f MB\n",
          PROG, name, r.duration, r.language, r.n_windows, r.n_windows == 1 ? "" : "s",
          r.n_fallbacks, r.n_fallbacks == 1 ? "" : "s", r.mel_ms, r.encode_ms / 1e3, dec_s,
          r.n_tokens, dec_s > 0 ? (double)r.n_tokens / dec_s : 0.0, align,
          wall > 0 ? r.duration / wall : 0.0,
          wk_cli_peak_rss_mb());
  wk_transcription_free(&r);
  return rc;
}

int wk_cmd_transcribe(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  const char *model_path = NULL, *out_dir = NULL;
  wk_precision precision = WK_PRECISION_INT8;
  wk_transcribe_params p;
  wk_transcribe_params_default(&p);
  unsigned formats = 0;
  const char **audio = calloc((size_t)argc + 1, sizeof *audio);
  if (!audio) return wk_cli_failure(PROG, "out of memory");
  int n_audio = 0, n_stdin = 0, rc = WK_CLI_EXIT_USAGE, verbose = 0, t_given = 0;
  double t_increment = 0; /* --temperature-increment-on-fallback (0: not given) */
  int *suppress = NULL; /* --suppress-tokens' ids */
  double *clips = NULL; /* --clip-timestamps' seconds */
  wk_subtitle_options sub = {0, 0, 0, 0};
  int sub_given = 0;
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("m:l:f:o:v"), longopts, g, 0);
  for (;;) {
    int c = wk_cli_next(&a);
    double v;
    long n;
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) {
      rc = a.status;
      goto done;
    }
    switch (c) {
    case WK_CLI_OPERAND:
      audio[n_audio++] = a.arg;
      n_stdin += !strcmp(a.arg, "-");
      break;
    case 'm': model_path = a.arg; break;
    case 'l': p.language = a.arg; break;
    case 'o': out_dir = a.arg; break;
    case 'f':
      if (!(formats = parse_formats(a.arg))) {
        wk_cli_usage_error(PROG, "--format: expected txt, srt, vtt, tsv, json (comma-separated) "
                                 "or all, got '%s'", a.arg);
        goto done;
      }
      break;
    case OPT_TASK:
      if (strcmp(a.arg, "transcribe") && strcmp(a.arg, "translate")) {
        wk_cli_usage_error(PROG, "--task: expected transcribe or translate, got '%s'", a.arg);
        goto done;
      }
      p.translate = !strcmp(a.arg, "translate");
      break;
    case OPT_BEAM:
      if (wk_cli_parse_long(PROG, "--beam", a.arg, 0, 64, &n)) goto done;
      p.beam_size = (int)n;
      break;
    case OPT_BEST_OF:
      if (wk_cli_parse_long(PROG, "--best-of", a.arg, 1, 64, &n)) goto done;
      p.best_of = (int)n;
      break;
    case OPT_PATIENCE:
      if (parse_value("--patience", a.arg, 0.01, 64, 0, &v)) goto done;
      p.patience = (float)v;
      break;
    case OPT_LENGTH_PENALTY:
      if (parse_value("--length-penalty", a.arg, 0, 1, 0, &v)) goto done;
      p.length_penalty = (float)v;
      break;
    case OPT_TEMPERATURE:
      if (parse_temperatures(a.arg, &p)) goto done;
      t_given = 1;
      break;
    case OPT_T_INCREMENT:
      if (parse_value("--temperature-increment-on-fallback", a.arg, 0.001, 100, 0, &v)) goto done;
      t_increment = v;
      break;
    case OPT_CR:
      if (parse_value("--compression-ratio-threshold", a.arg, 0, 1e6, 1, &v)) goto done;
      p.compression_ratio_threshold = v;
      break;
    case OPT_LOGPROB:
      if (parse_value("--logprob-threshold", a.arg, -1e6, 0, 1, &v)) goto done;
      p.logprob_threshold = v;
      break;
    case OPT_NO_SPEECH:
      if (parse_value("--no-speech-threshold", a.arg, 0, 1, 1, &v)) goto done;
      p.no_speech_threshold = v;
      break;
    case OPT_NO_CONDITION: p.condition_on_previous_text = 0; break;
    case OPT_NO_TIMESTAMPS: p.without_timestamps = 1; break;
    case OPT_PROMPT: p.initial_prompt = a.arg; break;
    case OPT_CARRY: p.carry_initial_prompt = 1; break;
    case 'v': verbose = 1; break;
    case OPT_CLIPS:
      if ((rc = parse_clips(a.arg, &p, &clips)) != 0) goto done;
      rc = WK_CLI_EXIT_USAGE;
      break;
    case OPT_SUPPRESS:
      if ((rc = parse_suppress(a.arg, &p, &suppress)) != 0) goto done;
      rc = WK_CLI_EXIT_USAGE;
      break;
    case OPT_SEED:
      if (wk_cli_parse_long(PROG, "--seed", a.arg, 0, LONG_MAX, &n)) goto done;
      p.seed = (uint64_t)n;
      break;
    case OPT_SAMPLE_LEN:
      if (wk_cli_parse_long(PROG, "--sample-len", a.arg, 1, 1 << 20, &n)) goto done;
      p.sample_len = (int)n;
      break;
    case OPT_PRECISION:
      if (wk_cli_parse_precision(PROG, a.arg, &precision)) goto done;
      break;
    case OPT_WORDS: p.word_timestamps = 1; break;
    case OPT_PREPEND: p.prepend_punctuations = a.arg; break;
    case OPT_APPEND: p.append_punctuations = a.arg; break;
    case OPT_HEADS: p.alignment_heads = a.arg; break;
    case OPT_HIGHLIGHT: sub.highlight_words = sub_given = 1; break;
    case OPT_LINE_WIDTH:
    case OPT_LINE_COUNT:
    case OPT_WORDS_PER_LINE: {
      const char *opt = c == OPT_LINE_WIDTH ? "--max-line-width"
                        : c == OPT_LINE_COUNT ? "--max-line-count" : "--max-words-per-line";
      if (wk_cli_parse_long(PROG, opt, a.arg, 1, 1 << 20, &n)) goto done;
      *(c == OPT_LINE_WIDTH ? &sub.max_line_width
        : c == OPT_LINE_COUNT ? &sub.max_line_count : &sub.max_words_per_line) = (int)n;
      sub_given = 1;
      break;
    }
    case OPT_HALLUCINATION:
      if (parse_value("--hallucination-silence-threshold", a.arg, 0, 1e6, 0, &v)) goto done;
      p.hallucination_silence_threshold = v;
      sub_given |= 2;
      break;
    }
  }
  if (!model_path) {
    wk_cli_usage_error(PROG, "missing required option -m/--model");
    goto done;
  }
  if (!n_audio) {
    wk_cli_usage_error(PROG, "missing AUDIO (files, or - for stdin)");
    goto done;
  }
  if (n_stdin > 1) {
    wk_cli_usage_error(PROG, "standard input ('-') given %d times", n_stdin);
    goto done;
  }
  if (p.language && strcmp(p.language, "auto") && wk_language_find(p.language) < 0) {
    wk_cli_usage_error(PROG, "--language: unknown language '%s'", p.language);
    goto done;
  }
  const int to_stdout = out_dir && !strcmp(out_dir, "-");
  if (out_dir && !formats) formats = to_stdout ? 1u << WK_FORMAT_TXT : ALL_FORMATS;
  if (t_increment > 0) { /* numpy.arange(T, 1.0 + 1e-6, X): T + i·X for i < ceil((stop − T) / X) */
    const double t0 = t_given ? p.temperatures[0] : 0.0;
    const double n = ceil((1.0 + 1e-6 - t0) / t_increment);
    if ((t_given && p.n_temperatures != 1) || n < 1 || n > WK_MAX_TEMPERATURES) {
      wk_cli_usage_error(PROG,
                         "--temperature-increment-on-fallback: takes one --temperature T ≤ 1 "
                         "and gives at most %d temperatures", WK_MAX_TEMPERATURES);
      goto done;
    }
    p.n_temperatures = (int)n;
    for (int i = 0; i < p.n_temperatures; i++) p.temperatures[i] = (float)(t0 + i * t_increment);
  }
  if (sub_given && !p.word_timestamps) { /* the whisper command line's rule */
    wk_cli_usage_error(PROG, "%s requires --word-timestamps",
                       sub_given & 2 ? "--hallucination-silence-threshold"
                                     : "--highlight-words / --max-line-width / --max-line-count "
                                       "/ --max-words-per-line");
    goto done;
  }
  if (to_stdout && verbose) {
    wk_cli_usage_error(PROG, "--verbose: standard output already carries the transcript (-o -)");
    goto done;
  }
  if (to_stdout && n_audio > 1) {
    wk_cli_usage_error(PROG, "-o -: one AUDIO at a time");
    goto done;
  }
  rc = WK_CLI_EXIT_FAILURE;
  if (out_dir && !to_stdout) {
    struct stat sb;
    if (stat(out_dir, &sb) || !S_ISDIR(sb.st_mode)) {
      wk_cli_failure(PROG, "-o %s: %s", out_dir, errno && stat(out_dir, &sb) ? strerror(errno)
                                                                            : "not a directory");
      goto done;
    }
  }
  wk_context *ctx = NULL;
  wk_model *model = NULL;
  wk_transcriber *tr = NULL;
  const wk_context_options co = {.n_threads = g->threads, .isa = g->isa};
  const double t0 = wk_now();
  if (wk_context_create(&co, &ctx) || wk_model_load(model_path, &model) ||
      wk_transcriber_create(ctx, model, precision, &tr)) {
    wk_cli_failure(PROG, "%s", wk_last_error());
  } else {
    wk_model_free(model); /* the transcriber keeps what it needs */
    model = NULL;
    fprintf(stderr, "%s: %s loaded in %.0f ms (%s, %s, %d thread%s)\n", PROG, model_path,
            (wk_now() - t0) * 1e3, precision == WK_PRECISION_INT8 ? "int8" : "fp32",
            wk_isa_name(wk_context_isa(ctx)), wk_context_threads(ctx),
            wk_context_threads(ctx) == 1 ? "" : "s");
    int failed = 0;
    for (int i = 0; i < n_audio; i++)
      failed |= transcribe_file(ctx, tr, p, audio[i], formats, to_stdout ? NULL : out_dir,
                                to_stdout, verbose, &sub) != 0;
    rc = failed ? WK_CLI_EXIT_FAILURE : WK_CLI_EXIT_OK;
  }
  wk_transcriber_free(tr);
  wk_model_free(model);
  wk_context_free(ctx);
done:
  free(audio);
  free(suppress);
  free(clips);
  return rc;
}
