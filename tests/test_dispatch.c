/* test_dispatch.c — the kernel tables (src/runtime/dispatch.c) and the one selection:
 *   tables:    every ISA's table exists, every family's entry is non-NULL and named, its isa is
 *              ≤ the table's, and two entries share a name only if they are the same kernel;
 *   families:  enum ↔ name round trip, unknown names rejected;
 *   contexts:  for every ISA the CPU supports, the context holds exactly that ISA's table and
 *              wk_context_kernel_name reports its kernels; unsupported ISAs fail with a reason;
 *   WHISK_ISA: caps the automatic choice at each ISA; a bad value is an error;
 *   the log:   wk_dispatch_describe names the ISA, the cap and every family's kernel, says why
 *              better ISAs were passed over, truncates safely; WHISK_VERBOSE=1 prints exactly
 *              it to stderr at context creation, WHISK_VERBOSE=0 prints nothing. */
#include <string.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "test_util.h"

/* The table's entry for a family as an opaque pointer (to compare identities). */
static const void *entry(const wk_kernels *k, wk_family f) {
  switch (f) {
#define ENTRY(E, fld, T)                                                                       \
  case WK_FAMILY_##E: return (const void *)k->fld;
    WK_FAMILIES(ENTRY)
#undef ENTRY
  default: return NULL;
  }
}

static void check_tables(void) {
  CHECK(wk_kernels_for(WK_ISA_AUTO) == NULL, "a table for WK_ISA_AUTO");
  CHECK(wk_kernels_for(WK_ISA_COUNT) == NULL, "a table past the last ISA");
  CHECK(wk_kernels_for((wk_isa)-7) == NULL, "a table for ISA -7");
  const void *seen[WK_ISA_COUNT * WK_FAMILY_COUNT];
  const char *seen_name[WK_ISA_COUNT * WK_FAMILY_COUNT];
  int n_seen = 0;
  for (int i = 0; i < WK_ISA_COUNT; i++) {
    const wk_kernels *k = wk_kernels_for((wk_isa)i);
    CHECK(k != NULL, "no table for %s", wk_isa_name((wk_isa)i));
    if (!k) continue;
    CHECK(k->isa <= (wk_isa)i && k->isa >= WK_ISA_SCALAR, "%s: table is for %s",
          wk_isa_name((wk_isa)i), wk_isa_name(k->isa));
#if defined(__x86_64__)
    CHECK(k->isa == (wk_isa)i, "x86-64 build without a %s table", wk_isa_name((wk_isa)i));
#endif
    for (int f = 0; f < WK_FAMILY_COUNT; f++) {
      const void *e = entry(k, (wk_family)f);
      const char *name = wk_kernels_name(k, (wk_family)f);
      const char *fam = wk_family_name((wk_family)f);
      CHECK(e != NULL, "%s table: no %s kernel", wk_isa_name((wk_isa)i), fam);
      CHECK(name && *name, "%s table: %s kernel without a name", wk_isa_name((wk_isa)i), fam);
      if (!e || !name) continue;
      wk_isa ki = wk_kernels_isa(k, (wk_family)f);
      CHECK(ki >= WK_ISA_SCALAR && ki <= k->isa, "%s table: %s kernel %s is for %s",
            wk_isa_name(k->isa), fam, name, wk_isa_name(ki));
      /* names identify kernels: equal names ⇔ the same kernel, across ISAs and families */
      int dup = 0;
      for (int s = 0; s < n_seen; s++) {
        if (seen[s] == e) {
          dup = 1;
          CHECK(seen_name[s] == name || strcmp(seen_name[s], name) == 0, "one kernel, two names");
        } else {
          CHECK(strcmp(seen_name[s], name) != 0, "two kernels named %s", name);
        }
      }
      if (!dup) seen[n_seen] = e, seen_name[n_seen++] = name;
    }
  }
  CHECK(wk_kernels_name(wk_kernels_for(WK_ISA_SCALAR), WK_FAMILY_COUNT) == NULL,
        "a name for family WK_FAMILY_COUNT");
  CHECK(wk_kernels_name(NULL, WK_FAMILY_GEMM) == NULL, "a name from a NULL table");
  CHECK(wk_kernels_isa(NULL, WK_FAMILY_GEMM) == WK_ISA_AUTO, "an ISA from a NULL table");
  printf("tables: %d ISAs x %d families, %d distinct kernels\n", WK_ISA_COUNT, WK_FAMILY_COUNT,
         n_seen);
}

static void check_families(void) {
  for (int f = 0; f < WK_FAMILY_COUNT; f++) {
    const char *name = wk_family_name((wk_family)f);
    CHECK(name && *name, "family %d has no name", f);
    if (name) CHECK(wk_family_find(name) == (wk_family)f, "family %s does not round-trip", name);
    for (int g = 0; g < f; g++)
      CHECK(strcmp(name, wk_family_name((wk_family)g)) != 0, "two families named %s", name);
  }
  CHECK(wk_family_name(WK_FAMILY_COUNT) == NULL && wk_family_name((wk_family)-1) == NULL,
        "a name for a non-family");
  CHECK(wk_family_find("bogus") == WK_FAMILY_COUNT && wk_family_find(NULL) == WK_FAMILY_COUNT &&
            wk_family_find("") == WK_FAMILY_COUNT && wk_family_find("Gemm") == WK_FAMILY_COUNT,
        "a family found for a bad name");
  CHECK(strcmp(wk_family_name(WK_FAMILY_ATTENTION), "attention") == 0 &&
            strcmp(wk_family_name(WK_FAMILY_GEMM), "gemm") == 0 &&
            strcmp(wk_family_name(WK_FAMILY_NORM), "norm") == 0,
        "the family names the CLI prints changed");
}

/* ctx holds exactly table k, and the public name lookup reports its kernels. */
static void check_context_table(wk_context *ctx, const char *what) {
  const wk_kernels *k = wk_kernels_for(wk_context_isa(ctx));
  CHECK(ctx->k == k, "%s: the context's table is not %s's", what,
        wk_isa_name(wk_context_isa(ctx)));
  for (int f = 0; f < WK_FAMILY_COUNT; f++) {
    const char *fam = wk_family_name((wk_family)f);
    const char *name = wk_context_kernel_name(ctx, fam);
    CHECK(name && name == wk_kernels_name(k, (wk_family)f), "%s: %s kernel name %s", what, fam,
          name ? name : "(null)");
    CHECK(wk_kernels_isa(ctx->k, (wk_family)f) <= wk_context_isa(ctx), "%s: %s kernel above %s",
          what, fam, wk_isa_name(wk_context_isa(ctx)));
  }
  CHECK(wk_context_kernel_name(ctx, "bogus") == NULL, "%s: a kernel for family bogus", what);
  CHECK(wk_context_kernel_name(ctx, NULL) == NULL, "%s: a kernel for family NULL", what);
}

static void check_contexts(void) {
  CHECK(wk_context_kernel_name(NULL, "gemm") == NULL, "a kernel name from a NULL context");
  for (int i = 0; i < WK_ISA_COUNT; i++) {
    const char *why = wk_isa_unsupported_reason((wk_isa)i);
    wk_context *ctx = NULL;
    wk_context_options o = {1, (wk_isa)i};
    wk_status s = wk_context_create(&o, &ctx);
    if (wk_isa_supported((wk_isa)i)) {
      CHECK(why == NULL, "%s supported, yet: %s", wk_isa_name((wk_isa)i), why);
      CHECK(s == WK_STATUS_OK, "%s context: %s", wk_isa_name((wk_isa)i), wk_last_error());
      if (s) continue;
      CHECK(wk_context_isa(ctx) == (wk_isa)i, "asked for %s, got %s", wk_isa_name((wk_isa)i),
            wk_isa_name(wk_context_isa(ctx)));
      check_context_table(ctx, wk_isa_name((wk_isa)i));
      wk_context_free(ctx);
    } else {
      CHECK(why && *why, "%s unsupported without a reason", wk_isa_name((wk_isa)i));
      CHECK(s == WK_STATUS_UNSUPPORTED && !ctx, "%s context on a CPU without it",
            wk_isa_name((wk_isa)i));
      CHECK(why && strstr(wk_last_error(), why), "message '%s' lacks the reason '%s'",
            wk_last_error(), why ? why : "");
      printf("%s: unsupported (%s)\n", wk_isa_name((wk_isa)i), why ? why : "");
    }
  }
  CHECK(wk_isa_unsupported_reason(WK_ISA_AUTO) != NULL, "WK_ISA_AUTO has no reason");
}

/* The best supported ISA at or below cap. */
static wk_isa best_at_most(int cap) {
  while (cap > 0 && !wk_isa_supported((wk_isa)cap)) cap--;
  return (wk_isa)cap;
}

static void check_cap(void) {
  unsetenv("WHISK_ISA");
  wk_context *ctx = NULL;
  CHECK(wk_context_create(&(wk_context_options){1, WK_ISA_AUTO}, &ctx) == WK_STATUS_OK, "%s",
        wk_last_error());
  if (ctx) {
    CHECK(wk_context_isa(ctx) == best_at_most(WK_ISA_COUNT - 1), "auto chose %s",
          wk_isa_name(wk_context_isa(ctx)));
    check_context_table(ctx, "auto");
    wk_context_free(ctx);
  }
  for (int cap = 0; cap < WK_ISA_COUNT; cap++) {
    setenv("WHISK_ISA", wk_isa_name((wk_isa)cap), 1);
    ctx = NULL;
    CHECK(wk_context_create(&(wk_context_options){1, WK_ISA_AUTO}, &ctx) == WK_STATUS_OK, "%s",
          wk_last_error());
    if (!ctx) continue;
    CHECK(wk_context_isa(ctx) == best_at_most(cap), "WHISK_ISA=%s chose %s",
          wk_isa_name((wk_isa)cap), wk_isa_name(wk_context_isa(ctx)));
    check_context_table(ctx, "capped");
    wk_context_free(ctx);
  }
  setenv("WHISK_ISA", "sse9", 1);
  ctx = NULL;
  CHECK(wk_context_create(&(wk_context_options){1, WK_ISA_AUTO}, &ctx) ==
                WK_STATUS_INVALID_ARGUMENT && !ctx,
        "WHISK_ISA=sse9 accepted");
  CHECK(strstr(wk_last_error(), "WHISK_ISA") != NULL, "message: %s", wk_last_error());
  unsetenv("WHISK_ISA");
}

/* ── the log ─────────────────────────────────────────────────────────────── */

static void check_describe(void) {
  char buf[1024];
  const wk_isa best = best_at_most(WK_ISA_COUNT - 1);
  unsetenv("WHISK_ISA");
  const wk_kernels *k = wk_kernels_for(best);
  size_t n = wk_dispatch_describe(buf, sizeof buf, WK_ISA_AUTO, k);
  CHECK(n == strlen(buf), "length %zu vs %zu", n, strlen(buf));
  char want[256];
  snprintf(want, sizeof want, "whisk: isa %s (cpu best: %s, WHISK_ISA unset):", wk_isa_name(best),
           wk_isa_name(best));
  CHECK(strncmp(buf, want, strlen(want)) == 0, "log starts '%.*s', want '%s'", 80, buf, want);
  for (int f = 0; f < WK_FAMILY_COUNT; f++) {
    snprintf(want, sizeof want, " %s=%s", wk_family_name((wk_family)f),
             wk_kernels_name(k, (wk_family)f));
    CHECK(strstr(buf, want) != NULL, "log lacks '%s': %s", want, buf);
  }
  /* one "not" line per ISA above the chosen one, each with the CPU's reason */
  int lines = 0;
  for (const char *p = buf; (p = strchr(p, '\n')); p++) lines++;
  CHECK(lines == 1 + (WK_ISA_COUNT - 1 - (int)best), "%d lines: %s", lines, buf);
  for (int i = best + 1; i < WK_ISA_COUNT; i++) {
    snprintf(want, sizeof want, "whisk:   not %s: %s\n", wk_isa_name((wk_isa)i),
             wk_isa_unsupported_reason((wk_isa)i));
    CHECK(strstr(buf, want) != NULL, "log lacks '%s': %s", want, buf);
  }
  printf("log:\n%s", buf);

  /* capped: the better supported ISAs are "capped by WHISK_ISA" */
  if (best > WK_ISA_SCALAR) {
    setenv("WHISK_ISA", "scalar", 1);
    wk_dispatch_describe(buf, sizeof buf, WK_ISA_AUTO, wk_kernels_for(WK_ISA_SCALAR));
    CHECK(strstr(buf, "whisk: isa scalar (cpu best: ") && strstr(buf, ", WHISK_ISA=scalar):"),
          "capped log: %s", buf);
    snprintf(want, sizeof want, "whisk:   not %s: capped by WHISK_ISA=scalar\n",
             wk_isa_name(best));
    CHECK(strstr(buf, want) != NULL, "capped log lacks '%s': %s", want, buf);
    unsetenv("WHISK_ISA");
    wk_dispatch_describe(buf, sizeof buf, WK_ISA_SCALAR, wk_kernels_for(WK_ISA_SCALAR));
    CHECK(strstr(buf, ", requested scalar):"), "explicit log: %s", buf);
    snprintf(want, sizeof want, "whisk:   not %s: the context options ask for scalar\n",
             wk_isa_name(best));
    CHECK(strstr(buf, want) != NULL, "explicit log lacks '%s': %s", want, buf);
  }

  /* truncation: the wanted length is returned, the buffer stays a NUL-terminated prefix */
  char small[16];
  memset(small, 'x', sizeof small);
  size_t need = wk_dispatch_describe(small, sizeof small, WK_ISA_AUTO, k);
  CHECK(need == n, "truncated run wants %zu, full run %zu", need, n);
  wk_dispatch_describe(buf, sizeof buf, WK_ISA_AUTO, k);
  CHECK(small[sizeof small - 1] == '\0' && strncmp(small, buf, sizeof small - 1) == 0,
        "truncated log: %.16s", small);
  CHECK(wk_dispatch_describe(NULL, 0, WK_ISA_AUTO, k) == n, "length query");
  CHECK(wk_dispatch_describe(small, sizeof small, WK_ISA_AUTO, NULL) > 0, "NULL table");
}

/* What wk_context_create writes to stderr with WHISK_VERBOSE=value, into out[cap]. */
static void stderr_of_create(const char *value, char *out, size_t cap) {
  out[0] = '\0';
  FILE *tmp = tmpfile();
  CHECK(tmp != NULL, "tmpfile");
  if (!tmp) return;
  fflush(stderr);
  int saved = dup(2);
  CHECK(saved >= 0 && dup2(fileno(tmp), 2) >= 0, "redirecting stderr");
  setenv("WHISK_VERBOSE", value, 1);
  wk_context *ctx = NULL;
  wk_status s = wk_context_create(&(wk_context_options){1, WK_ISA_AUTO}, &ctx);
  unsetenv("WHISK_VERBOSE");
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  CHECK(s == WK_STATUS_OK, "%s", wk_last_error());
  wk_context_free(ctx);
  rewind(tmp);
  size_t n = fread(out, 1, cap - 1, tmp);
  out[n] = '\0';
  fclose(tmp);
}

static void check_verbose(void) {
  unsetenv("WHISK_ISA");
  char got[1024], want[1024];
  wk_dispatch_describe(want, sizeof want, WK_ISA_AUTO,
                       wk_kernels_for(best_at_most(WK_ISA_COUNT - 1)));
  stderr_of_create("1", got, sizeof got);
  CHECK(strcmp(got, want) == 0, "WHISK_VERBOSE=1 printed '%s', want '%s'", got, want);
  stderr_of_create("0", got, sizeof got);
  CHECK(got[0] == '\0', "WHISK_VERBOSE=0 printed '%s'", got);
}

int main(void) {
  check_tables();
  check_families();
  check_contexts();
  check_cap();
  check_describe();
  check_verbose();
  return wk_test_finish("test_dispatch");
}
