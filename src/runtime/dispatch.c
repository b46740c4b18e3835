/* dispatch.c — the kernel tables, one per ISA, filled here and nowhere else, and the one
 * selection (wk_kernels_for).  XNNPACK-style: a best → worst ladder of tables; BLIS-style: a
 * log that says why an ISA was chosen (wk_dispatch_describe, printed under WHISK_VERBOSE=1). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention/attention-internal.h"
#include "gemm/gemm-internal.h"
#include "f32/f32-internal.h"
#include "norm/norm-internal.h"
#include "quant/quant-internal.h"
#include "runtime/runtime.h"

/* ── the tables, best → worst ─────────────────────────────────────────────────────────────
 * A family without a kernel of its own for an ISA points at the best one below it (LayerNorm
 * has no AMX code: the AMX table uses the AVX-512 one). */
#if defined(__x86_64__)
static const wk_kernels kernels_amx = {
    .isa = WK_ISA_AMX,
    .attention = &wk_attention_kernel_amx,
    .gemm = &wk_gemm_kernel_amx,
    .norm = &wk_norm_kernel_avx512,
    .quant = &wk_quant_kernel_avx512,
    .f32 = &wk_f32_kernel_avx512,
};

static const wk_kernels kernels_avx512vnni = {
    .isa = WK_ISA_AVX512VNNI,
    .attention = &wk_attention_kernel_avx512vnni,
    .gemm = &wk_gemm_kernel_avx512vnni,
    .norm = &wk_norm_kernel_avx512,
    .quant = &wk_quant_kernel_avx512,
    .f32 = &wk_f32_kernel_avx512,
};

/* AVX-VNNI: the GEMM and the attention on vpdpbusd ymm, the rest AVX2's */
static const wk_kernels kernels_avxvnni = {
    .isa = WK_ISA_AVXVNNI,
    .attention = &wk_attention_kernel_avxvnni,
    .gemm = &wk_gemm_kernel_avxvnni,
    .norm = &wk_norm_kernel_avx2,
    .quant = &wk_quant_kernel_avx2,
    .f32 = &wk_f32_kernel_avx2,
};

static const wk_kernels kernels_avx2 = {
    .isa = WK_ISA_AVX2,
    .attention = &wk_attention_kernel_avx2,
    .gemm = &wk_gemm_kernel_avx2,
    .norm = &wk_norm_kernel_avx2,
    .quant = &wk_quant_kernel_avx2,
    .f32 = &wk_f32_kernel_avx2,
};
#endif

static const wk_kernels kernels_scalar = {
    .isa = WK_ISA_SCALAR,
    .attention = &wk_attention_kernel_scalar,
    .gemm = &wk_gemm_kernel_scalar,
    .norm = &wk_norm_kernel_scalar,
    .quant = &wk_quant_kernel_scalar,
    .f32 = &wk_f32_kernel_scalar,
};

/* The ladder, indexed by wk_isa: NULL where this build has no table (then the next lower one
 * serves). */
static const wk_kernels *const ladder[WK_ISA_COUNT] = {
#if defined(__x86_64__)
    [WK_ISA_AMX] = &kernels_amx,
    [WK_ISA_AVX512VNNI] = &kernels_avx512vnni,
    [WK_ISA_AVXVNNI] = &kernels_avxvnni,
    [WK_ISA_AVX2] = &kernels_avx2,
#endif
    [WK_ISA_SCALAR] = &kernels_scalar,
};

const wk_kernels *wk_kernels_for(wk_isa isa) {
  if ((int)isa < 0 || isa >= WK_ISA_COUNT) return NULL;
  for (int i = (int)isa; i > 0; i--)
    if (ladder[i]) return ladder[i];
  return ladder[WK_ISA_SCALAR];
}

/* ── families by enum and name ─────────────────────────────────────────────────────────── */

static const char *const family_names[WK_FAMILY_COUNT] = {
#define WK_FAMILY_NAME(E, f, T) [WK_FAMILY_##E] = #f,
    WK_FAMILIES(WK_FAMILY_NAME)
#undef WK_FAMILY_NAME
};

const char *wk_family_name(wk_family family) {
  if ((int)family < 0 || family >= WK_FAMILY_COUNT) return NULL;
  return family_names[family];
}

wk_family wk_family_find(const char *name) {
  if (name)
    for (int f = 0; f < WK_FAMILY_COUNT; f++)
      if (strcmp(name, family_names[f]) == 0) return (wk_family)f;
  return WK_FAMILY_COUNT;
}

/* The name and ISA of family's kernel in k: 0 if k or family is bad, or the entry is NULL.
 * (Every kernel struct has `name` and `isa`; this switch is where that is used.) */
static int identify(const wk_kernels *k, wk_family family, const char **name, wk_isa *isa) {
  switch (k ? family : WK_FAMILY_COUNT) {
#define WK_FAMILY_CASE(E, f, T)                                                                \
  case WK_FAMILY_##E:                                                                          \
    if (!k->f) return 0;                                                                       \
    *name = k->f->name, *isa = k->f->isa;                                                      \
    return 1;
    WK_FAMILIES(WK_FAMILY_CASE)
#undef WK_FAMILY_CASE
  default: return 0;
  }
}

const char *wk_kernels_name(const wk_kernels *k, wk_family family) {
  const char *name;
  wk_isa isa;
  return identify(k, family, &name, &isa) ? name : NULL;
}

wk_isa wk_kernels_isa(const wk_kernels *k, wk_family family) {
  const char *name;
  wk_isa isa;
  return identify(k, family, &name, &isa) ? isa : WK_ISA_AUTO;
}

/* ── the log ───────────────────────────────────────────────────────────────────────────── */

typedef struct text {
  char *buf;
  size_t cap, len; /* len: what the whole text needs, even past cap */
} text;

static void put(text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = t->len < t->cap ? t->cap - t->len : 0;
  int n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) t->len += (size_t)n;
}

size_t wk_dispatch_describe(char *buf, size_t cap, wk_isa requested, const wk_kernels *k) {
  text t = {buf, cap, 0};
  if (cap) buf[0] = '\0';
  if (!k) {
    put(&t, "whisk: no kernel table\n");
    return t.len;
  }
  wk_isa best = WK_ISA_SCALAR;
  for (int i = WK_ISA_COUNT - 1; i > 0; i--)
    if (wk_isa_supported((wk_isa)i)) {
      best = (wk_isa)i;
      break;
    }
  const char *env = getenv("WHISK_ISA");
  int auto_isa = requested == WK_ISA_AUTO;
  put(&t, "whisk: isa %s (cpu best: %s, ", wk_isa_name(k->isa), wk_isa_name(best));
  if (!auto_isa)
    put(&t, "requested %s", wk_isa_name(requested));
  else if (env && *env)
    put(&t, "WHISK_ISA=%s", env);
  else
    put(&t, "WHISK_ISA unset");
  put(&t, "):");
  for (int f = 0; f < WK_FAMILY_COUNT; f++)
    put(&t, " %s=%s", family_names[f], wk_kernels_name(k, (wk_family)f));
  put(&t, "\n");
  /* Why each better ISA was passed over: the CPU/OS, or the cap / the explicit request. */
  for (int i = WK_ISA_COUNT - 1; i > (int)k->isa; i--) {
    const char *why = wk_isa_unsupported_reason((wk_isa)i);
    if (why)
      put(&t, "whisk:   not %s: %s\n", wk_isa_name((wk_isa)i), why);
    else if (auto_isa)
      put(&t, "whisk:   not %s: capped by WHISK_ISA=%s\n", wk_isa_name((wk_isa)i),
          env ? env : "");
    else
      put(&t, "whisk:   not %s: the context options ask for %s\n", wk_isa_name((wk_isa)i),
          wk_isa_name(requested));
  }
  return t.len;
}
