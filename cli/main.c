/* main.c — the `whisk` command-line tool: the command table, the global options, the usage
 * text, and the option reader every command uses (cli.h). */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Every command: one row here (and its file in cli/).  The first row is the default. */
static const wk_cli_command commands[] = {
    /* name        handler           arguments                 one-line help        details */
    {"summary", wk_cmd_summary, "", "(default) CPU, attention accuracy and speed at a glance",
     NULL},
    {"info", wk_cmd_info, "", "CPU features seen and the kernel chosen per family", NULL},
    {"accuracy", wk_cmd_accuracy, "SUITE [--json] [--filter S | --size S]",
     "a suite's accuracy cases against their references", wk_cli_print_suites},
    {"bench", wk_cmd_bench, "SUITE [--json] [--filter S | --size S]",
     "a suite's benchmarks", wk_cli_print_suites},
    {"attention", wk_cmd_attention, "--q Q.npy --k K.npy --v V.npy ... -o OUT.npy",
     "run the attention kernel on your own int8 tensors", wk_cli_print_attention_options},
    {"transcribe", wk_cmd_transcribe,
     "-m MODEL AUDIO... [-l LANG] [--beam N] [-f txt,srt,vtt,tsv,json] [-o DIR] [--precision P]",
     "Whisper's transcript of audio files", wk_cli_print_transcribe_options},
    {"encode", wk_cmd_encode, "-m MODEL AUDIO [-o OUT.npy] [--precision int8|fp32] [--json]",
     "Whisper encoder features of an audio file", wk_cli_print_encode_options},
    {"mel", wk_cmd_mel, "AUDIO [-m MODEL] [-o OUT.npy] [--n-mels 80|128]",
     "Whisper's log-mel of an audio file", wk_cli_print_mel_options},
    {"synth-model", wk_cmd_synth_model, "--size S [--type T] [--en] [--outliers] [--seed N] -o FILE",
     "write a model file with synthetic weights", wk_cli_print_synth_model_options},
    {"demo", wk_cmd_demo, "[-m MODEL] [--synthetic] [AUDIO]",
     "INT8 and FP32 encodes of a sample, timed and compared (make run)",
     wk_cli_print_demo_options},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* ── usage ───────────────────────────────────────────────────────────────── */

/* "  NAME ARGS" and the help, on one line when they fit in the first column (as wide as
 * `width`), else the help on the next line. */
static void print_row(FILE *f, const char *name, const char *args, const char *help) {
  enum { width = 27 };
  char left[256];
  snprintf(left, sizeof left, "%s%s%s", name, *args ? " " : "", args);
  if (strlen(left) <= width)
    fprintf(f, "  %-*s %s\n", width, left, help);
  else
    fprintf(f, "  %s\n  %-*s %s\n", left, width, "", help);
}

void wk_cli_print_global_options(FILE *f) {
  fprintf(f,
          "options (before or after the command):\n"
          "  --isa ISA        scalar | avx2 | avxvnni | avx512vnni | amx | auto (default: auto;\n"
          "                   the WHISK_ISA environment variable caps auto)\n"
          "  -t, --threads N  worker threads, 1 to %d (default: all online cores)\n"
          "  --json           machine-readable output (accuracy, bench, encode)\n"
          "  --filter S       only cases/benchmarks whose name contains S (accuracy, bench)\n"
          "  --size S         only one Whisper size: tiny | base | small | medium | large-v3\n"
          "                   (accuracy, bench; synth-model takes every size)\n"
          "  -h, --help       this text; after a command, that command's\n"
          "  --version        the version\n",
          WK_CLI_MAX_THREADS);
}

void wk_cli_print_help(FILE *f, const wk_cli_command *cmd) {
  if (cmd) {
    fprintf(f, "usage: whisk %s%s%s\n  %s\n", cmd->name, *cmd->args ? " " : "", cmd->args,
            cmd->help);
    if (cmd->details) {
      fputc('\n', f);
      cmd->details(f, cmd->name);
    }
    fputc('\n', f);
    wk_cli_print_global_options(f);
    return;
  }
  fprintf(f, "usage: whisk [options] [COMMAND [ARGS]]\n\ncommands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    print_row(f, commands[i].name, commands[i].args, commands[i].help);
  fprintf(f, "\nsuites:\n");
  wk_cli_print_suites(f, NULL);
  fputc('\n', f);
  wk_cli_print_global_options(f);
  fprintf(f,
          "\n'whisk COMMAND --help' describes a command.  Exit status: 0 success, 1 failure\n"
          "(or a broken accuracy contract), 2 usage error.\n");
}

/* ── messages ────────────────────────────────────────────────────────────── */

int wk_cli_usage_error(const char *prog, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry '%s --help'.\n", prog);
  va_end(ap);
  return WK_CLI_EXIT_USAGE;
}

int wk_cli_failure(const char *prog, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return WK_CLI_EXIT_FAILURE;
}

/* ── values ──────────────────────────────────────────────────────────────── */

int wk_cli_parse_long(const char *prog, const char *opt, const char *s, long min, long max,
                      long *v) {
  char *end = NULL;
  errno = 0;
  long x = *s && !isspace((unsigned char)*s) ? strtol(s, &end, 10) : 0;
  if (!end || end == s || *end != '\0' || errno == ERANGE || x < min || x > max) {
    if (max >= INT_MAX) /* no upper bound worth naming */
      return wk_cli_usage_error(prog, "%s: expected a whole number ≥ %ld, got '%s'", opt, min, s);
    return wk_cli_usage_error(prog, "%s: expected a whole number from %ld to %ld, got '%s'", opt,
                              min, max, s);
  }
  *v = x;
  return 0;
}

int wk_cli_parse_float(const char *s, float *v) {
  if (!*s || isspace((unsigned char)*s)) return 0;
  char *end;
  double d = strtod(s, &end);
  if (end == s || *end != '\0') return 0;
  if (isfinite(d) && fabs(d) > FLT_MAX) d = copysign(INFINITY, d);
  *v = (float)d;
  return 1;
}

/* The Whisper sizes --size accepts (the layer suites' sizes, bench/suite_layer.c). */
static const char *const whisper_sizes[] = {"tiny", "base", "small", "medium", "large-v3"};

int wk_cli_suite_options(const char *prog, const wk_cli_globals *g, wk_suite_options *o) {
  *o = (wk_suite_options){g->isa, g->threads, g->json, g->filter};
  if (!g->size) return 0;
  if (g->filter) return wk_cli_usage_error(prog, "--size: cannot be combined with --filter");
  const size_t n = sizeof whisper_sizes / sizeof whisper_sizes[0];
  for (size_t i = 0; i < n; i++)
    if (strcmp(g->size, whisper_sizes[i]) == 0) {
      o->filter = g->size; /* the suites name their cases after the size */
      return 0;
    }
  return wk_cli_usage_error(
      prog, "--size: expected tiny, base, small, medium or large-v3, got '%s'", g->size);
}

/* ── reading the arguments ───────────────────────────────────────────────── */

void wk_cli_args_init(wk_cli_args *a, const wk_cli_command *cmd, int argc, char **argv,
                      const char *shortopts, const struct option *longopts, wk_cli_globals *g,
                      unsigned accepts) {
  memset(a, 0, sizeof *a);
  snprintf(a->prog, sizeof a->prog, "whisk%s%s", cmd ? " " : "", cmd ? cmd->name : "");
  a->cmd = cmd;
  a->argc = argc;
  a->argv = argv;
  a->shortopts = shortopts;
  a->longopts = longopts;
  a->g = g;
  a->accepts = accepts;
  optind = 0; /* glibc: start over (a new argv, a new option string) */
  opterr = 0; /* the messages are ours */
}

static int usage_exit(wk_cli_args *a) {
  a->status = WK_CLI_EXIT_USAGE;
  return WK_CLI_EXIT;
}

const char *wk_cli_option_name(const wk_cli_args *a, int code, char *buf, size_t size) {
  for (const struct option *o = a->longopts; o->name; o++)
    if (o->val == code) {
      snprintf(buf, size, "--%s", o->name);
      return buf;
    }
  snprintf(buf, size, "-%c", code > 0 && code < 128 ? code : '?');
  return buf;
}

/* The usage error for the word getopt_long rejected with '?'. */
static int unknown_option(wk_cli_args *a, const char *word) {
  if (strncmp(word, "--", 2) != 0) {
    wk_cli_usage_error(a->prog, "-%c: unknown option", optopt);
    return usage_exit(a);
  }
  const char *eq = strchr(word, '=');
  const int len = eq ? (int)(eq - word) : (int)strlen(word);
  if (optopt && eq) {
    wk_cli_usage_error(a->prog, "%.*s: takes no value", len, word);
    return usage_exit(a);
  }
  /* getopt_long takes unambiguous abbreviations; say which options an ambiguous one fits. */
  char fits[256] = "";
  int n = 0;
  for (const struct option *o = a->longopts; o->name; o++)
    if (strncmp(o->name, word + 2, (size_t)len - 2) == 0) {
      size_t used = strlen(fits);
      snprintf(fits + used, sizeof fits - used, "%s--%s", n++ ? ", " : "", o->name);
    }
  if (n > 1)
    wk_cli_usage_error(a->prog, "%.*s: ambiguous option (%s)", len, word, fits);
  else
    wk_cli_usage_error(a->prog, "%.*s: unknown option", len, word);
  return usage_exit(a);
}

/* Stores a global option; returns 0, or WK_CLI_EXIT (help, version, or a usage error). */
static int global_option(wk_cli_args *a, int c, const char *v) {
  wk_cli_globals *g = a->g;
  switch (c) {
  case WK_OPT_ISA:
    if (wk_isa_parse(v, &g->isa) != WK_STATUS_OK) {
      char names[128] = "";
      for (int i = 0; i < WK_ISA_COUNT; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s, ", wk_isa_name((wk_isa)i));
      }
      names[strlen(names) - 2] = '\0';
      wk_cli_usage_error(a->prog, "--isa: expected %s or auto, got '%s'", names, v);
      return usage_exit(a);
    }
    return 0;
  case 't': {
    long n;
    if (wk_cli_parse_long(a->prog, "--threads", v, 1, WK_CLI_MAX_THREADS, &n))
      return usage_exit(a);
    g->threads = (int)n;
    return 0;
  }
  case WK_OPT_JSON: g->json = 1, g->given |= WK_CLI_JSON; return 0;
  case WK_OPT_FILTER: g->filter = v, g->given |= WK_CLI_FILTER; return 0;
  case WK_OPT_SIZE: g->size = v, g->given |= WK_CLI_SIZE; return 0;
  case 'h':
    wk_cli_print_help(stdout, a->cmd);
    a->status = WK_CLI_EXIT_OK;
    return WK_CLI_EXIT;
  case WK_OPT_VERSION:
    printf("whisk %s\n", wk_version());
    a->status = WK_CLI_EXIT_OK;
    return WK_CLI_EXIT;
  }
  return -1; /* not a global option */
}

/* After the last argument: a global option the command does not read is an error. */
static int end_of_arguments(wk_cli_args *a) {
  static const struct {
    unsigned bit;
    const char *name;
  } optional[] = {{WK_CLI_JSON, "--json"}, {WK_CLI_FILTER, "--filter"}, {WK_CLI_SIZE, "--size"}};
  for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
    if ((a->g->given & optional[i].bit) && !(a->accepts & optional[i].bit)) {
      wk_cli_usage_error(a->prog, "%s: not an option of this command", optional[i].name);
      return usage_exit(a);
    }
  return WK_CLI_END;
}

int wk_cli_next(wk_cli_args *a) {
  for (;;) {
    if (a->operands_only) { /* after "--" */
      if (optind >= a->argc) return end_of_arguments(a);
      a->index = optind++;
      a->arg = a->argv[a->index];
      return WK_CLI_OPERAND;
    }
    /* The word getopt_long reads now: operands come back in order ("-" in the short options)
     * and optind moves past a word once all of it is read, so this is argv[optind]. */
    const int at = optind ? optind : 1;
    const char *word = at < a->argc ? a->argv[at] : "";
    const int c = getopt_long(a->argc, a->argv, a->shortopts, a->longopts, NULL);
    switch (c) {
    case -1: /* the end, or "--" (optind is then the word after it) */
      a->operands_only = 1;
      continue;
    case 1:
      a->index = optind - 1;
      a->arg = optarg;
      return WK_CLI_OPERAND;
    case '?':
      return unknown_option(a, word);
    case ':': {
      char name[64];
      wk_cli_option_name(a, optopt, name, sizeof name);
      wk_cli_usage_error(a->prog, "%s: missing value", name);
      return usage_exit(a);
    }
    }
    const int r = global_option(a, c, optarg);
    if (r == WK_CLI_EXIT) return r;
    if (r == 0) continue;
    a->arg = optarg;
    return c;
  }
}

int wk_cli_no_arguments(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g,
                        unsigned accepts) {
  static const struct option longopts[] = {WK_CLI_GLOBAL_LONGOPTS, {0}};
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS(""), longopts, g, accepts);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) return -1;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) return wk_cli_usage_error(a.prog, "unexpected argument '%s'", a.arg);
    return wk_cli_usage_error(a.prog, "unexpected option"); /* not reached: no own options */
  }
}

/* ── dispatch ────────────────────────────────────────────────────────────── */

int main(int argc, char **argv) {
  wk_cli_globals g = {.isa = WK_ISA_AUTO};
  /* The global options before the command, up to the command's name. */
  static const struct option longopts[] = {WK_CLI_GLOBAL_LONGOPTS, {0}};
  wk_cli_args a;
  wk_cli_args_init(&a, NULL, argc, argv, WK_CLI_SHORTOPTS(""), longopts, &g,
                   WK_CLI_JSON | WK_CLI_FILTER | WK_CLI_SIZE);
  int c = wk_cli_next(&a);
  if (c == WK_CLI_EXIT) return a.status;
  if (c != WK_CLI_OPERAND) { /* no command: the first one, with the options read so far */
    char name[16];
    snprintf(name, sizeof name, "%s", commands[0].name);
    char *default_argv[] = {name, NULL};
    return commands[0].run(&commands[0], 1, default_argv, &g);
  }
  for (size_t i = 0; i < N_COMMANDS; i++)
    if (strcmp(a.arg, commands[i].name) == 0)
      return commands[i].run(&commands[i], argc - a.index, argv + a.index, &g);
  return wk_cli_usage_error("whisk", "unknown command '%s'", a.arg);
}
