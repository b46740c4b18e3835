/* cmd_synth_model.c — `whisk synth-model`: writes a valid whisper.cpp model file with random
 * weights of the right shapes and scale (tests/support/synth_model.h), so every size and type
 * can be run without downloading real weights.  Written to a temporary file in the target's
 * directory and renamed over it, so a failed run leaves no half-written model. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "synth_model.h"

#define PROG "whisk synth-model"

static const char *const sizes[] = {"tiny",     "base",     "small",    "medium",
                                    "large-v1", "large-v2", "large-v3", "large-v3-turbo"};
#define N_SIZES (sizeof sizes / sizeof sizes[0])

void wk_cli_print_synth_model_options(FILE *f, const char *name) {
  (void)name;
  fputs("Writes a whisper.cpp ggml model file with SYNTHETIC (random) weights of the right\n"
        "shapes and scale, and Whisper's mel filters: for tests and speed, not for recognition.\n"
        "\n"
        "  --size S     tiny | base | small | medium | large-v1 | large-v2 | large-v3 |\n"
        "               large-v3-turbo (required)\n"
        "  --type T     f32 | f16 (default) | q8_0 | q5_0 | q5_1 | q4_0 | q4_1\n"
        "  --en         the English-only variant (tiny ... medium)\n"
        "  --outliers   outlier residual channels (x30 ... x50) like real checkpoints\n"
        "  --seed N     random seed (default 1); the same options give the same bytes\n"
        "  -o FILE      the output file (written to a temporary file, then renamed)\n",
        f);
}

enum { OPT_TYPE = WK_OPT_COMMAND, OPT_EN, OPT_OUTLIERS, OPT_SEED };

static const struct option longopts[] = {
    WK_CLI_GLOBAL_LONGOPTS,
    {"type", required_argument, NULL, OPT_TYPE},
    {"en", no_argument, NULL, OPT_EN},
    {"outliers", no_argument, NULL, OPT_OUTLIERS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"out", required_argument, NULL, 'o'},
    {0},
};

int wk_cmd_synth_model(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  wk_synth_model_options o = {.type = "f16", .seed = 1};
  const char *out_path = NULL;
  wk_cli_args a;
  wk_cli_args_init(&a, self, argc, argv, WK_CLI_SHORTOPTS("o:"), longopts, g, WK_CLI_SIZE);
  for (;;) {
    int c = wk_cli_next(&a);
    if (c == WK_CLI_END) break;
    if (c == WK_CLI_EXIT) return a.status;
    if (c == WK_CLI_OPERAND) return wk_cli_usage_error(PROG, "unexpected argument '%s'", a.arg);
    if (c == 'o') out_path = a.arg;
    else if (c == OPT_TYPE) o.type = a.arg;
    else if (c == OPT_EN) o.english = 1;
    else if (c == OPT_OUTLIERS) o.outliers = 1;
    else if (c == OPT_SEED) {
      long seed;
      if (wk_cli_parse_long(PROG, "--seed", a.arg, 0, LONG_MAX, &seed)) return WK_CLI_EXIT_USAGE;
      o.seed = (uint64_t)seed;
    }
  }
  if (!g->size) return wk_cli_usage_error(PROG, "missing required option --size");
  int known = 0;
  for (size_t i = 0; i < N_SIZES; i++) known |= strcmp(g->size, sizes[i]) == 0;
  if (!known)
    return wk_cli_usage_error(PROG,
                              "--size: expected tiny, base, small, medium, large-v1, large-v2, "
                              "large-v3 or large-v3-turbo, got '%s'",
                              g->size);
  o.size = g->size;
  if (wk_synth_model_type(o.type) < 0)
    return wk_cli_usage_error(PROG, "--type: expected f32, f16, q8_0, q5_0, q5_1, q4_0 or q4_1, "
                                    "got '%s'", o.type);
  if (o.english && strncmp(o.size, "large", 5) == 0)
    return wk_cli_usage_error(PROG, "--en: there is no English-only %s", o.size);
  if (!out_path) return wk_cli_usage_error(PROG, "missing required option -o/--out");
  if (wk_cli_check_output_dir(PROG, out_path)) return WK_CLI_EXIT_FAILURE;

  /* The temporary file: ".NAME.~tmp.XXXXXX" beside the target (rename stays on one file
   * system). */
  const char *slash = strrchr(out_path, '/');
  const int dir_len = slash ? (int)(slash - out_path + 1) : 0;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%.*s.%s.~tmp.XXXXXX", dir_len, out_path,
               out_path + dir_len) >= (int)sizeof tmp)
    return wk_cli_failure(PROG, "-o %s: path too long", out_path);
  int fd = mkstemp(tmp);
  if (fd < 0) return wk_cli_failure(PROG, "cannot create a file beside '%s': %s", out_path,
                                    strerror(errno));
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlink(tmp);
    return wk_cli_failure(PROG, "cannot write '%s': %s", tmp, strerror(errno));
  }
  wk_status s = wk_synth_model_write(&o, f);
  const int write_failed = ferror(f) != 0;
  /* mkstemp makes the file 0600; a model is an ordinary file (0666 & ~umask). */
  const mode_t mask = umask(0);
  umask(mask);
  const int chmod_failed = fchmod(fd, 0666 & ~mask) != 0;
  const int close_failed = fclose(f) != 0;
  if (s == WK_STATUS_OK && (write_failed || close_failed || chmod_failed)) {
    unlink(tmp);
    return wk_cli_failure(PROG, "cannot write '%s': %s", out_path, strerror(errno));
  }
  if (s != WK_STATUS_OK) {
    unlink(tmp);
    return wk_cli_failure(PROG, "%s", wk_last_error());
  }
  if (rename(tmp, out_path) != 0) {
    const int e = errno;
    unlink(tmp);
    return wk_cli_failure(PROG, "cannot rename the new file to '%s': %s", out_path, strerror(e));
  }
  return WK_CLI_EXIT_OK;
}
