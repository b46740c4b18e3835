/* cmd_info.c — `whisk info`: the CPU features seen (cpuid + XGETBV, AMX permission), the ISAs
 * this machine runs, and the kernel the options select per family. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "runtime/dispatch.h"

int wk_cli_print_info(const char *prog, const wk_cli_globals *g) {
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
  wk_context_options co = {g->threads, g->isa};
  if (wk_context_create(&co, &ctx) != WK_STATUS_OK)
    return wk_cli_failure(prog, "%s", wk_last_error());
  printf("chosen:   %s, %d threads\n", wk_isa_name(wk_context_isa(ctx)), wk_context_threads(ctx));
  for (int f = 0; f < WK_FAMILY_COUNT; f++) { /* every family of the dispatch table */
    const char *name = wk_family_name((wk_family)f);
    const char *k = wk_context_kernel_name(ctx, name);
    if (k) printf("kernel:   %-10s %s\n", name, k);
  }
  wk_context_free(ctx);
  return WK_CLI_EXIT_OK;
}

int wk_cmd_info(const wk_cli_command *self, int argc, char **argv, wk_cli_globals *g) {
  int rc = wk_cli_no_arguments(self, argc, argv, g, 0);
  if (rc >= 0) return rc;
  return wk_cli_print_info("whisk info", g);
}
