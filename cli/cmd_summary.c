/* cmd_summary.c — `whisk summary` (the default command): the CPU, the attention accuracy
 * table, and the speed of the tile and of one whisper-base attention layer. */
#include <stdio.h>

#include "cli.h"

int wk_cmd_summary(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  int rc = wk_cli_no_arguments(self, argc, argv, g, 0);
  if (rc >= 0) return rc;
  rc = wk_cli_print_info("whisk summary", g);
  if (rc) return rc;
  printf("\n");
  wk_suite_options a = {g->isa, g->threads, 0, NULL};
  int acc = wk_accuracy_attention(&a, stdout);
  if (acc == 2) return WK_CLI_EXIT_FAILURE;
  printf("\n");
  fflush(stdout); /* the benchmarks' progress goes to stderr */
  a.filter = "tile64";
  if (wk_bench_attention(&a, stdout)) return WK_CLI_EXIT_FAILURE;
  a.filter = "whisper-base-layer";
  if (wk_bench_attention(&a, stdout)) return WK_CLI_EXIT_FAILURE;
  printf("\nmore: whisk accuracy attention --json | whisk bench attention | whisk --help\n");
  return acc;
}
