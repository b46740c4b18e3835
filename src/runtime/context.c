/* context.c — a context binds an ISA's kernel table and a thread pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "norm/norm-internal.h"


/* WHISK_VERBOSE set to anything but "" or "0": log the choice of kernels to stderr. */
static int verbose(void) {
  const char *v = getenv("WHISK_VERBOSE");
  return v && *v && strcmp(v, "0") != 0;
}

wk_status wk_context_create(const wk_context_options *options, wk_context **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "context: NULL output pointer");
  *out = NULL;
  wk_context_options o = {0, WK_ISA_AUTO};
  if (options) o = *options;
  if (o.n_threads < 0 || o.n_threads > 1024)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "context: %d threads (expected 0..1024)",
                    o.n_threads);
  wk_isa isa = o.isa;
  if (isa == WK_ISA_AUTO) {
    wk_status s = wk_isa_auto(&isa);
    if (s) return s;
  } else if ((int)isa < 0 || isa >= WK_ISA_COUNT) {
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "context: unknown ISA %d", (int)isa);
  } else if (!wk_isa_supported(isa)) {
    return wk_error(WK_STATUS_UNSUPPORTED, "context: this CPU does not support %s (%s)",
                    wk_isa_name(isa), wk_isa_unsupported_reason(isa));
  }
  wk_context *c = calloc(1, sizeof *c);
  if (!c) return wk_error(WK_STATUS_OUT_OF_MEMORY, "context: out of memory");
  c->isa = isa;
  c->k = wk_kernels_for(isa);
  int n = o.n_threads ? o.n_threads : wk_cpu()->online_cores;
  wk_status s = wk_threadpool_create(n, &c->pool);
  if (s) {
    free(c);
    return s;
  }
  if (verbose()) {
    char log[1024];
    wk_dispatch_describe(log, sizeof log, o.isa, c->k);
    fputs(log, stderr);
  }
  *out = c;
  return WK_STATUS_OK;
}

void wk_context_free(wk_context *c) {
  if (!c) return;
  wk_threadpool_free(c->pool);
  wk_free(c->scratch);
  free(c);
}

void *wk_context_scratch(wk_context *c, size_t size) {
  if (size <= c->scratch_size) return c->scratch;
  wk_free(c->scratch);
  c->scratch_size = 0;
  c->scratch = wk_alloc(size);
  if (!c->scratch) {
    wk_error(WK_STATUS_OUT_OF_MEMORY, "context: out of memory (workspace of %zu bytes)", size);
    return NULL;
  }
  c->scratch_size = size;
  return c->scratch;
}

wk_isa wk_context_isa(const wk_context *c) { return c ? c->isa : WK_ISA_SCALAR; }

int wk_context_threads(const wk_context *c) { return c ? wk_threadpool_size(c->pool) : 0; }

const char *wk_context_kernel_name(const wk_context *c, const char *family) {
  if (!c) return NULL;
  return wk_kernels_name(c->k, wk_family_find(family));
}
