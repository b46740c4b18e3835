/* cli.h — what the commands of the `whisk` tool share: the command table's row, the global
 * options, one option reader on top of getopt_long, and one way to report a usage error.
 *
 * Every usage error is printed as
 *     PROG: MESSAGE
 *     Try 'PROG --help'.
 * on stderr, with exit status 2 (PROG is "whisk", or "whisk COMMAND" once the command is
 * known).  A MESSAGE about an option starts with the option's long name:
 *     whisk: --threads: expected a whole number from 1 to 1024, got 'x'
 * Failures after the arguments were accepted print "PROG: MESSAGE" and exit 1. */
#ifndef WK_CLI_H
#define WK_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "suite.h"
#include "whisk.h"

enum { WK_CLI_EXIT_OK = 0, WK_CLI_EXIT_FAILURE = 1, WK_CLI_EXIT_USAGE = 2 };

/* The most worker threads wk_context_create accepts. */
#define WK_CLI_MAX_THREADS 1024

/* ── global options ──────────────────────────────────────────────────────── */

/* Given before the command or after it (last one wins).  --json, --filter and --size only
 * mean something to some commands; the others reject them (wk_cli_args.accepts). */
typedef struct wk_cli_globals {
  wk_isa isa;         /* --isa ISA (default WK_ISA_AUTO) */
  int threads;        /* -t, --threads N: 1..WK_CLI_MAX_THREADS; 0 when not given (all cores) */
  int json;           /* --json */
  const char *filter; /* --filter S, or NULL */
  const char *size;   /* --size S, or NULL (checked by the commands that take it) */
  unsigned given;     /* WK_CLI_JSON | WK_CLI_FILTER | WK_CLI_SIZE: which ones were given */
} wk_cli_globals;

enum { WK_CLI_JSON = 1u << 0, WK_CLI_FILTER = 1u << 1, WK_CLI_SIZE = 1u << 2 };

/* getopt_long codes of the global options; a command's own long-only options start at
 * WK_OPT_COMMAND. */
enum {
  WK_OPT_ISA = 0x100,
  WK_OPT_JSON,
  WK_OPT_FILTER,
  WK_OPT_SIZE,
  WK_OPT_VERSION,
  WK_OPT_COMMAND = 0x200
};

/* Every command's option list starts with these (struct option entries), ... */
#define WK_CLI_GLOBAL_LONGOPTS                                                                 \
  {"isa", required_argument, NULL, WK_OPT_ISA}, {"threads", required_argument, NULL, 't'},     \
      {"json", no_argument, NULL, WK_OPT_JSON},                                                \
      {"filter", required_argument, NULL, WK_OPT_FILTER},                                      \
      {"size", required_argument, NULL, WK_OPT_SIZE}, {"help", no_argument, NULL, 'h'},        \
      {"version", no_argument, NULL, WK_OPT_VERSION}

/* ... and its short options string is WK_CLI_SHORTOPTS("o:") (its own short options inside):
 * "-" returns operands in order (no reordering, so a word's position is known), ":" reports a
 * missing value apart from an unknown option. */
#define WK_CLI_SHORTOPTS(own) "-:t:h" own

/* The help text of the global options, for the usage screens. */
void wk_cli_print_global_options(FILE *f);

/* ── the command table ───────────────────────────────────────────────────── */

typedef struct wk_cli_command wk_cli_command;

/* Runs `whisk NAME ARGS...`: argv[0] is NAME.  `g` holds the global options given before the
 * command; the command reads the rest with wk_cli_next.  Returns the exit status. */
typedef int (*wk_cli_handler)(const wk_cli_command *self, int argc, char **argv,
                              wk_cli_globals *g);

struct wk_cli_command {
  const char *name;
  wk_cli_handler run;
  const char *args; /* synopsis after the name, for the usage text */
  const char *help; /* one line */
  void (*details)(FILE *f, const char *name); /* more for `whisk NAME --help`, or NULL */
};

/* `whisk --help` (cmd NULL) or `whisk NAME --help`. */
void wk_cli_print_help(FILE *f, const wk_cli_command *cmd);

/* ── reading the arguments ───────────────────────────────────────────────── */

/* One pass over a command's arguments (or over the words before the command). */
typedef struct wk_cli_args {
  /* set by wk_cli_args_init */
  char prog[64];                /* "whisk" or "whisk NAME": prefixes every message */
  const wk_cli_command *cmd;    /* NULL before the command is known */
  int argc;
  char **argv;                  /* argv[0] is skipped */
  const char *shortopts;        /* WK_CLI_SHORTOPTS(...) */
  const struct option *longopts; /* WK_CLI_GLOBAL_LONGOPTS + the command's own, {0} last */
  wk_cli_globals *g;
  unsigned accepts;             /* which of WK_CLI_JSON | FILTER | SIZE the command reads */
  /* results of wk_cli_next */
  const char *arg; /* the option's value, or the operand */
  int index;       /* argv index of the operand */
  int status;      /* the exit status, after WK_CLI_EXIT */
  int operands_only; /* internal: after "--" or the end of the options */
} wk_cli_args;

void wk_cli_args_init(wk_cli_args *a, const wk_cli_command *cmd, int argc, char **argv,
                      const char *shortopts, const struct option *longopts, wk_cli_globals *g,
                      unsigned accepts);

enum {
  WK_CLI_END = -1,     /* every argument was read */
  WK_CLI_EXIT = -2,    /* stop with exit status a->status (help or version printed: 0, a usage
                          error printed: 2) */
  WK_CLI_OPERAND = -3, /* a->arg is a word that is not an option, at argv[a->index] */
};

/* The next of the command's own options (its getopt_long code, value in a->arg), an operand,
 * WK_CLI_END or WK_CLI_EXIT.  Global options are stored in a->g here; --help and --version
 * print and exit; an unknown option, a missing or malformed value, and at the end a global
 * option the command does not read, are usage errors. */
int wk_cli_next(wk_cli_args *a);

/* "--name" of the option whose getopt_long code is `code` (its first long name), else "-c". */
const char *wk_cli_option_name(const wk_cli_args *a, int code, char *buf, size_t size);

/* ── values and messages ─────────────────────────────────────────────────── */

/* Prints "PROG: MESSAGE" and "Try 'PROG --help'." on stderr; returns WK_CLI_EXIT_USAGE. */
int wk_cli_usage_error(const char *prog, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "PROG: MESSAGE" on stderr; returns WK_CLI_EXIT_FAILURE. */
int wk_cli_failure(const char *prog, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* `s` as a whole decimal number in [min, max] (strtol, the full string, no leading space,
 * no overflow) into *v and returns 0; otherwise prints the usage error
 * "PROG: OPT: expected a whole number from MIN to MAX, got 'S'" and returns 2. */
int wk_cli_parse_long(const char *prog, const char *opt, const char *s, long min, long max,
                      long *v);

/* `s` as a whole number (strtod, the full string, no leading space): returns 1 and sets *v
 * (NaN and infinities parse; finite values beyond float's range become infinities), else 0. */
int wk_cli_parse_float(const char *s, float *v);

/* The suite options of `g`, or a usage error (2) when --size names no Whisper size or is
 * given with --filter (the suites take one name filter). */
int wk_cli_suite_options(const char *prog, const wk_cli_globals *g, wk_suite_options *o);

/* ── the commands (one file each) ────────────────────────────────────────── */

int wk_cmd_summary(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_info(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_accuracy(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_bench(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_attention(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);

/* Reads a command that takes only global options (and no operands); returns -1 to go on, or
 * the exit status. */
int wk_cli_no_arguments(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g,
                        unsigned accepts);

/* cmd_info.c: the CPU and the kernels `g` selects (also the head of `whisk summary`). */
int wk_cli_print_info(const char *prog, const wk_cli_globals *g);

/* cmd_suite.c: the suites, for `whisk --help` and `whisk accuracy|bench --help`
 * (name: "accuracy", "bench", or NULL for both). */
void wk_cli_print_suites(FILE *f, const char *name);

/* cmd_attention.c: its options, for `whisk attention --help`. */
void wk_cli_print_attention_options(FILE *f, const char *name);


/* ── encode, mel, synth-model, demo (cmd_encode.c, cmd_mel.c, cmd_synth_model.c, cmd_demo.c) ── */

int wk_cmd_encode(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_mel(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_synth_model(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_demo(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
int wk_cmd_transcribe(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g);
void wk_cli_print_transcribe_options(FILE *f, const char *name);
void wk_cli_print_encode_options(FILE *f, const char *name);
void wk_cli_print_mel_options(FILE *f, const char *name);
void wk_cli_print_synth_model_options(FILE *f, const char *name);
void wk_cli_print_demo_options(FILE *f, const char *name);

/* Decoded audio and its whole log-mel ([n_mels][n_frames]), cut into `windows` 30-s windows. */
typedef struct wk_cli_mel {
  wk_pcm pcm;
  float *mel; /* [n_mels][n_frames] (wk_alloc) */
  size_t n_frames, windows;
  int n_mels;
  double decode_s, mel_s; /* wall seconds of wk_audio_load and wk_log_mel */
} wk_cli_mel;

/* Decodes `audio` ("-": stdin) and computes its log-mel with `filters` ([n_mels][201]).
 * Returns 0, or prints "PROG: why" and returns 1 (*m then holds nothing to free). */
int wk_cli_mel_from_audio(const char *prog, wk_context *ctx, const char *audio,
                          const float *filters, int n_mels, wk_cli_mel *m);
void wk_cli_mel_free(wk_cli_mel *m);

/* Encodes every window of m into out ([windows][n_ctx][d], out_capacity floats); *seconds =
 * the encoder's wall time (window cutting excluded).  progress: a "window i/n" line on stderr.
 * Returns 0, or prints the failure and returns 1. */
int wk_cli_encode_windows(const char *prog, wk_context *ctx, const wk_encoder *enc,
                          const wk_cli_mel *m, float *out, size_t out_capacity, int progress,
                          double *seconds);

/* Peak resident set size of this process so far, MB (getrusage). */
double wk_cli_peak_rss_mb(void);

/* "int8" | "fp32" → *p, else a usage error (returns 2). */
int wk_cli_parse_precision(const char *prog, const char *s, wk_precision *p);

/* 0 if the directory an output path names exists, else prints why and returns 1. */
int wk_cli_check_output_dir(const char *prog, const char *path);

#endif
