/* cmd_suite.c — `whisk accuracy SUITE` and `whisk bench SUITE`: the suites of bench/ (suite.h),
 * one row each. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef int (*suite_fn)(const wk_suite_options *o, FILE *out);

static const struct suite {
  const char *name;
  suite_fn accuracy, bench;
  const char *accuracy_help, *bench_help;
} suites[] = {
    {"attention", wk_accuracy_attention, wk_bench_attention,
     "every attention accuracy case vs an FP64 reference",
     "tile64 and full-layer attention at every Whisper size"},
    {"layer", wk_accuracy_layer, wk_bench_layer,
     "INT8 encoder layer and conv stem vs FP32, every size",
     "layer GEMMs, the stem and a whole layer per size"},
    {"encoder", wk_accuracy_encoder, wk_bench_encoder,
     "whole INT8 encoder vs FP32, per layer and output, every size",
     "one 30-s window per size [--precision int8|fp32|both]"},
    {"decoder", wk_accuracy_decoder, wk_bench_decoder,
     "INT8 decoder vs FP32: logits and top-1 per step, every size",
     "prefill and step ms vs the memory-bandwidth bound [--precision]"},
};
#define N_SUITES (sizeof suites / sizeof suites[0])

void wk_cli_print_suites(FILE *f, const char *name) {
  if (name) fprintf(f, "SUITE:\n");
  for (size_t i = 0; i < N_SUITES; i++) {
    const struct suite *s = &suites[i];
    char left[64];
    if (!name || strcmp(name, "accuracy") == 0) {
      snprintf(left, sizeof left, "%s%s", name ? "" : "accuracy ", s->name);
      fprintf(f, "  %-27s %s\n", left, s->accuracy_help);
    }
    if (!name || strcmp(name, "bench") == 0) {
      snprintf(left, sizeof left, "%s%s", name ? "" : "bench ", s->name);
      fprintf(f, "  %-27s %s\n", left, s->bench_help);
    }
  }
}

/* "attention or layer", for the messages. */
static void suite_names(char *buf, size_t size) {
  buf[0] = '\0';
  for (size_t i = 0; i < N_SUITES; i++) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i + 1 < N_SUITES ? ", " : " or ",
             suites[i].name);
  }
}

static int run_suite(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g,
                     int bench) {
  enum { OPT_PRECISION = WK_OPT_COMMAND };
  static const struct option longopts[] = {
      WK_CLI_GLOBAL_LONGOPTS, {"precision", required_argument, NULL, OPT_PRECISION}, {0}};
  const char *precision = NULL; /* --precision: `bench encoder` and `bench decoder` only */
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS(""), longopts, g,
                   WK_CLI_JSON | WK_CLI_FILTER | WK_CLI_SIZE);
  const char *name = NULL;
  char names[128];
  suite_names(names, sizeof names);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == OPT_PRECISION) {
      precision = a.arg;
      continue;
    }
    if (c != WK_CLI_OPERAND) continue;
    if (name) return wk_cli_usage_error(a.prog, "unexpected argument '%s'", a.arg);
    name = a.arg;
  }
  if (!name) return wk_cli_usage_error(a.prog, "missing SUITE (%s)", names);
  for (size_t i = 0; i < N_SUITES; i++)
    if (strcmp(name, suites[i].name) == 0) {
      wk_suite_options o;
      int rc = wk_cli_suite_options(a.prog, g, &o);
      if (rc) return rc;
      if (precision) {
        int p;
        const int decoder = strcmp(name, "decoder") == 0;
        if (!bench || (strcmp(name, "encoder") != 0 && !decoder))
          return wk_cli_usage_error(a.prog,
                                    "--precision: only 'bench encoder' and 'bench decoder' take it");
        if (strcmp(precision, "int8") == 0) p = WK_SUITE_PRECISION_INT8;
        else if (strcmp(precision, "fp32") == 0) p = WK_SUITE_PRECISION_FP32;
        else if (strcmp(precision, "both") == 0) p = WK_SUITE_PRECISION_BOTH;
        else
          return wk_cli_usage_error(a.prog, "--precision: expected int8, fp32 or both, got '%s'",
                                    precision);
        return (decoder ? wk_bench_decoder_precision : wk_bench_encoder_precision)(&o, p, stdout)
                   ? WK_CLI_EXIT_FAILURE
                   : 0;
      }
      return (bench ? suites[i].bench : suites[i].accuracy)(&o, stdout) ? WK_CLI_EXIT_FAILURE : 0;
    }
  return wk_cli_usage_error(a.prog, "unknown suite '%s' (%s)", name, names);
}

int wk_cmd_accuracy(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  return run_suite(self, argc, argv, g, 0);
}

int wk_cmd_bench(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  return run_suite(self, argc, argv, g, 1);
}
