/* whisk.c — the command-line tool: `whisk info | summary | accuracy | bench | attention`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_attention.h"
#include "suite.h"
#include "whisk.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: whisk [--isa ISA] [--threads N] COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  summary                    (default) CPU, attention accuracy and speed at a glance\n"
          "  info                       CPU features seen and the kernel chosen per family\n"
          "  accuracy attention [--json] [--filter S]\n"
          "                             every accuracy case vs an FP64 reference\n"
          "  bench attention [--json] [--filter S]\n"
          "                             tile64 and full-layer attention at every Whisper size\n"
          "  accuracy layer [--json] [--size S]\n"
          "                             INT8 encoder layer vs its FP32 reference, every size\n"
          "  bench layer [--json] [--size S]\n"
          "                             layer GEMMs and one whole layer per Whisper size\n"
          "  attention --q Q.npy --k K.npy --v V.npy ... -o OUT.npy\n"
          "                             run the kernel on your own int8 tensors (see --help)\n"
          "\n"
          "options:\n"
          "  --isa ISA      scalar | avx2 | avx512vnni | amx | auto (default: auto; the\n"
          "                 WHISK_ISA environment variable caps auto)\n"
          "  --threads N    worker threads (default: all online cores)\n"
          "  --json         machine-readable output\n"
          "  --filter S     only cases/benchmarks whose name contains S\n"
          "  --size S       layer suites: tiny | base | small | medium | large-v3 (a filter)\n");
}

static int print_info(const wk_suite_options *o) {
  wk_cpu_info c;
  wk_cpu_get_info(&c);
  printf("whisk %s\n", wk_version());
  printf("cpu:      %s (%s), %d online cores\n", c.brand, c.vendor, c.online_cores);
  printf("features: avx2=%d fma=%d avx512f=%d avx512bw=%d avx512vl=%d avx512vnni=%d avxvnni=%d\n",
         c.avx2, c.fma, c.avx512f, c.avx512bw, c.avx512vl, c.avx512vnni, c.avxvnni);
  printf("          amx-tile=%d amx-int8=%d amx-bf16=%d\n", c.amx_tile, c.amx_int8, c.amx_bf16);
  printf("os:       xsave avx=%d avx512=%d amx=%d; amx tile permission=%d\n", c.os_avx,
         c.os_avx512, c.os_amx, c.amx_permitted);
  printf("isa:      supported:");
  for (int i = 0; i < WK_ISA_COUNT; i++)
    if (wk_isa_supported((wk_isa)i)) printf(" %s", wk_isa_name((wk_isa)i));
  const char *env = getenv("WHISK_ISA");
  printf("; WHISK_ISA=%s\n", env && *env ? env : "(unset)");
  wk_context *ctx = NULL;
  wk_context_options co = {o->threads, o->isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK) {
    fprintf(stderr, "whisk: %s\n", wk_last_error());
    return 1;
  }
  printf("chosen:   %s, %d threads\n", wk_isa_name(wk_context_isa(ctx)), wk_context_threads(ctx));
  static const char *const families[] = {"attention", "gemm", "norm"};
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
    const char *k = wk_context_kernel_name(ctx, families[i]);
    if (k) printf("kernel:   %-10s %s\n", families[i], k);
  }
  wk_context_free(ctx);
  return 0;
}

static int summary(const wk_suite_options *o) {
  int rc = print_info(o);
  if (rc) return rc;
  printf("\n");
  wk_suite_options a = *o;
  a.json = 0;
  int acc = wk_accuracy_attention(&a, stdout);
  if (acc == 2) return 1;
  printf("\n");
  fflush(stdout); /* the benchmarks' progress goes to stderr */
  a.filter = "tile64";
  if (wk_bench_attention(&a, stdout)) return 1;
  a.filter = "whisper-base-layer";
  if (wk_bench_attention(&a, stdout)) return 1;
  printf("\nmore: whisk accuracy attention --json | whisk bench attention | whisk --help\n");
  return acc;
}

int main(int argc, char **argv) {
  wk_suite_options o = {WK_ISA_AUTO, 0, 0, NULL};
  const char *words[3] = {NULL, NULL, NULL};
  int nwords = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (nwords == 0 && strcmp(a, "attention") == 0) {
      /* `whisk [--isa X] [--threads N] attention ...`: the subcommand parses its own options,
       * so hand it the global ones given before its name, after its own arguments. */
      char **sub = malloc(sizeof *sub * (size_t)argc);
      if (!sub) return 1;
      int n = 0;
      for (int j = i; j < argc; j++) sub[n++] = argv[j];
      for (int j = 1; j < i; j++) sub[n++] = argv[j];
      int rc = wk_cmd_attention(n, sub);
      free(sub);
      return rc;
    }
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--json") == 0) {
      o.json = 1;
    } else if ((strcmp(a, "--isa") == 0 || strcmp(a, "--threads") == 0 ||
                strcmp(a, "--filter") == 0 || strcmp(a, "--size") == 0) && i + 1 < argc) {
      const char *v = argv[++i];
      if (a[2] == 'i') {
        if (wk_isa_parse(v, &o.isa) != WK_STATUS_OK) {
          fprintf(stderr, "whisk: %s\n", wk_last_error());
          return 2;
        }
      } else if (a[2] == 't') {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 1 || n > 1024) {
          fprintf(stderr, "whisk: --threads '%s' (expected 1..1024)\n", v);
          return 2;
        }
        o.threads = (int)n;
      } else {
        o.filter = v;
      }
    } else if (a[0] == '-') {
      fprintf(stderr, "whisk: unknown option '%s' (see whisk --help)\n", a);
      return 2;
    } else if (nwords < 3) {
      words[nwords++] = a;
    } else {
      fprintf(stderr, "whisk: unexpected argument '%s'\n", a);
      return 2;
    }
  }
  const char *cmd = nwords ? words[0] : "summary";
  if (strcmp(cmd, "summary") == 0 && nwords <= 1) return summary(&o);
  if (strcmp(cmd, "info") == 0 && nwords == 1) return print_info(&o);
  int is_acc = strcmp(cmd, "accuracy") == 0, is_bench = strcmp(cmd, "bench") == 0;
  if ((is_acc || is_bench) && nwords == 2 && strcmp(words[1], "attention") == 0)
    return is_acc ? wk_accuracy_attention(&o, stdout) : wk_bench_attention(&o, stdout);
  if ((is_acc || is_bench) && nwords == 2 && strcmp(words[1], "layer") == 0)
    return is_acc ? wk_accuracy_layer(&o, stdout) : wk_bench_layer(&o, stdout);
  if ((is_acc || is_bench) && nwords == 2) {
    fprintf(stderr, "whisk: unknown suite '%s' (available: attention, layer)\n", words[1]);
    return 2;
  }
  fprintf(stderr, "whisk: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
