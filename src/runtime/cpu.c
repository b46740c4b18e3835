/* cpu.c — CPU feature detection (cpuid + XGETBV), AMX tile permission, ISA names and the
 * WHISK_ISA cap.  Detection runs once; the result is immutable afterwards. */
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

#include "runtime/runtime.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#define WK_ARCH_REQ_XCOMP_PERM 0x1023
#define WK_XFEATURE_XTILEDATA 18
#endif

static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static void detect(wk_cpu_info *c) {
  unsigned a = 0, b = 0, cx = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &cx, &d)) {
    memcpy(c->vendor + 0, &b, 4);
    memcpy(c->vendor + 4, &d, 4);
    memcpy(c->vendor + 8, &cx, 4);
  }
  unsigned max_ext = __get_cpuid_max(0x80000000u, NULL);
  if (max_ext >= 0x80000004u) {
    for (unsigned i = 0; i < 3; i++) {
      __get_cpuid(0x80000002u + i, &a, &b, &cx, &d);
      memcpy(c->brand + 16 * i + 0, &a, 4);
      memcpy(c->brand + 16 * i + 4, &b, 4);
      memcpy(c->brand + 16 * i + 8, &cx, 4);
      memcpy(c->brand + 16 * i + 12, &d, 4);
    }
  }
  int osxsave = 0;
  if (__get_cpuid(1, &a, &b, &cx, &d)) {
    osxsave = (cx >> 27) & 1;
    c->fma = (cx >> 12) & 1;
  }
  if (osxsave) {
    uint64_t xcr0 = xgetbv0();
    c->os_avx = (xcr0 & 0x6) == 0x6;
    c->os_avx512 = c->os_avx && (xcr0 & 0xe0) == 0xe0;
    c->os_amx = (xcr0 & 0x60000) == 0x60000;
  }
  if (__get_cpuid_max(0, NULL) >= 7) {
    __cpuid_count(7, 0, a, b, cx, d);
    c->avx2 = (b >> 5) & 1;
    c->avx512f = (b >> 16) & 1;
    c->avx512bw = (b >> 30) & 1;
    c->avx512vl = (b >> 31) & 1;
    c->avx512vnni = (cx >> 11) & 1;
    c->amx_bf16 = (d >> 22) & 1;
    c->amx_tile = (d >> 24) & 1;
    c->amx_int8 = (d >> 25) & 1;
    __cpuid_count(7, 1, a, b, cx, d);
    c->avxvnni = (a >> 4) & 1;
  }
#if defined(__linux__)
  if (c->amx_tile && c->amx_int8 && c->os_amx)
    c->amx_permitted =
        syscall(SYS_arch_prctl, WK_ARCH_REQ_XCOMP_PERM, WK_XFEATURE_XTILEDATA) == 0;
#endif
}
#else
static void detect(wk_cpu_info *c) { (void)c; }
#endif

static wk_cpu_info cpu_info;
static once_flag cpu_once = ONCE_FLAG_INIT;

static void cpu_init(void) {
  detect(&cpu_info);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_info.online_cores = n > 0 ? (int)n : 1;
}

const wk_cpu_info *wk_cpu(void) {
  call_once(&cpu_once, cpu_init);
  return &cpu_info;
}

void wk_cpu_get_info(wk_cpu_info *info) {
  if (info) *info = *wk_cpu();
}

static const char *const isa_names[WK_ISA_COUNT] = {"scalar", "avx2", "avxvnni", "avx512vnni",
                                                       "amx"};

const char *wk_isa_name(wk_isa isa) {
  if (isa == WK_ISA_AUTO) return "auto";
  if ((int)isa < 0 || isa >= WK_ISA_COUNT) return "unknown";
  return isa_names[isa];
}

wk_status wk_isa_parse(const char *name, wk_isa *isa) {
  if (!name || !isa) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_isa_parse: NULL argument");
  if (strcmp(name, "auto") == 0) {
    *isa = WK_ISA_AUTO;
    return WK_STATUS_OK;
  }
  for (int i = 0; i < WK_ISA_COUNT; i++)
    if (strcmp(name, isa_names[i]) == 0) {
      *isa = (wk_isa)i;
      return WK_STATUS_OK;
    }
  return wk_error(WK_STATUS_INVALID_ARGUMENT,
                  "unknown ISA '%s' (expected scalar, avx2, avxvnni, avx512vnni, amx or auto)",
                  name);
}

int wk_isa_supported(wk_isa isa) {
  const wk_cpu_info *c = wk_cpu();
  switch (isa) {
  case WK_ISA_SCALAR: return 1;
#if defined(__x86_64__)
  case WK_ISA_AVX2: return c->os_avx && c->avx2 && c->fma;
  case WK_ISA_AVXVNNI: return wk_isa_supported(WK_ISA_AVX2) && c->avxvnni;
  case WK_ISA_AVX512VNNI:
    return wk_isa_supported(WK_ISA_AVX2) && c->os_avx512 && c->avx512f && c->avx512bw &&
           c->avx512vl && c->avx512vnni;
  case WK_ISA_AMX:
    return wk_isa_supported(WK_ISA_AVX512VNNI) && c->amx_tile && c->amx_int8 && c->os_amx &&
           c->amx_permitted;
#endif
  default: return 0;
  }
}

const char *wk_isa_unsupported_reason(wk_isa isa) {
  if ((int)isa < 0 || isa >= WK_ISA_COUNT) return "not an ISA";
  if (wk_isa_supported(isa)) return NULL;
#if defined(__x86_64__)
  const wk_cpu_info *c = wk_cpu();
  /* Each ISA needs AVX2 and AMX needs AVX-512 VNNI (AVX-VNNI and AVX-512 VNNI are independent
   * of each other): report the first gap. */
  if (isa > WK_ISA_AVX2 && !wk_isa_supported(WK_ISA_AVX2)) return "needs avx2, which is missing";
  if (isa > WK_ISA_AVX512VNNI && !wk_isa_supported(WK_ISA_AVX512VNNI))
    return "needs avx512vnni, which is missing";
  switch (isa) {
  case WK_ISA_AVX2:
    if (!c->avx2) return "cpu lacks avx2";
    if (!c->fma) return "cpu lacks fma";
    return "the OS does not save AVX state (XCR0)";
  case WK_ISA_AVXVNNI: return "cpu lacks avx-vnni";
  case WK_ISA_AVX512VNNI:
    if (!c->avx512f) return "cpu lacks avx512f";
    if (!c->avx512bw) return "cpu lacks avx512bw";
    if (!c->avx512vl) return "cpu lacks avx512vl";
    if (!c->avx512vnni) return "cpu lacks avx512vnni";
    return "the OS does not save AVX-512 state (XCR0)";
  case WK_ISA_AMX:
    if (!c->amx_tile) return "cpu lacks amx-tile";
    if (!c->amx_int8) return "cpu lacks amx-int8";
    if (!c->os_amx) return "cpu has amx-tile but the OS does not save tile state (XCR0)";
    return "cpu has amx-tile but the OS refused tile permission";
  default: return "unsupported";
  }
#else
  return "not an x86-64 build";
#endif
}

wk_status wk_isa_auto(wk_isa *isa) {
  if (!isa) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_isa_auto: NULL argument");
  wk_isa cap = (wk_isa)(WK_ISA_COUNT - 1);
  const char *env = getenv("WHISK_ISA");
  if (env && *env) {
    wk_status s = wk_isa_parse(env, &cap);
    if (s != WK_STATUS_OK)
      return wk_error(s,
                      "WHISK_ISA='%s' names no ISA (scalar, avx2, avxvnni, avx512vnni, amx, auto)",
                      env);
    if (cap == WK_ISA_AUTO) cap = (wk_isa)(WK_ISA_COUNT - 1);
  }
  int best = (int)cap;
  while (best > 0 && !wk_isa_supported((wk_isa)best)) best--;
  *isa = (wk_isa)best;
  return WK_STATUS_OK;
}
