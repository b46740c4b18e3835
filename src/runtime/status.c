/* status.c — status names, the per-thread last-error message, aligned allocation. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime/runtime.h"

const char *wk_version(void) { return "0.1.0"; }

const char *wk_status_string(wk_status status) {
  switch (status) {
  case WK_STATUS_OK: return "ok";
  case WK_STATUS_INVALID_ARGUMENT: return "invalid argument";
  case WK_STATUS_UNSUPPORTED: return "unsupported";
  case WK_STATUS_OUT_OF_MEMORY: return "out of memory";
  case WK_STATUS_IO_ERROR: return "I/O error";
  case WK_STATUS_BAD_FORMAT: return "bad format";
  case WK_STATUS_INTERNAL: return "internal error";
  case WK_STATUS_CANCELLED: return "cancelled";
  }
  return "unknown status";
}

static _Thread_local char last_error[512];

const char *wk_last_error(void) { return last_error; }

wk_status wk_error(wk_status status, const char *fmt, ...) {
  char msg[sizeof last_error]; /* an argument may be wk_last_error() itself (a prefix) */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  memcpy(last_error, msg, sizeof msg);
  return status;
}

/* Blocks of at least WK_HUGE_MIN bytes (weights, activations, the decoder's tables) are
 * aligned to 2 MiB and advised as transparent huge pages: one page fault per 2 MiB instead of
 * 512.  On the VMs whisk was measured on a fault costs ~1–2 µs of hypervisor work, and the
 * faults of first-touching a base model's weight copies took ~0.4 s of a 1.4 s load.  The
 * advice is only advice (THP may be off: nothing changes then), and glibc serves such sizes
 * with mmap, so the alignment wastes address space, not memory. */
#define WK_HUGE_MIN ((size_t)4 << 20)
#define WK_HUGE_ALIGN ((size_t)2 << 20)

void *wk_alloc(size_t size) {
  if (size == 0) size = 1;
  if (size > SIZE_MAX - WK_HUGE_ALIGN) return NULL;
  if (size >= WK_HUGE_MIN) {
    size = (size + WK_HUGE_ALIGN - 1) & ~(WK_HUGE_ALIGN - 1);
    void *p = aligned_alloc(WK_HUGE_ALIGN, size);
#ifdef MADV_HUGEPAGE
    if (p) madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
  }
  size = (size + 63) & ~(size_t)63;
  return aligned_alloc(64, size);
}

/* The mapping is over-allocated by 2 MiB and trimmed to an aligned start, so that every 2 MiB
 * of it can be one huge page.  Under AddressSanitizer the block comes from wk_alloc instead, so
 * that a read past the packed weights is still reported (ASan does not watch mappings). */
#if defined(__SANITIZE_ADDRESS__)
#define WK_HUGE_MMAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WK_HUGE_MMAP 0
#endif
#endif
#ifndef WK_HUGE_MMAP
#if defined(__linux__) && defined(MAP_ANONYMOUS)
#define WK_HUGE_MMAP 1
#else
#define WK_HUGE_MMAP 0
#endif
#endif

void *wk_huge_alloc(size_t size) {
#if WK_HUGE_MMAP
  if (size == 0 || size > SIZE_MAX / 2) return NULL;
  const size_t len = (size + WK_HUGE_ALIGN - 1) & ~(WK_HUGE_ALIGN - 1);
  uint8_t *m = mmap(NULL, len + WK_HUGE_ALIGN, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  uint8_t *p = (uint8_t *)(((uintptr_t)m + WK_HUGE_ALIGN - 1) & ~(uintptr_t)(WK_HUGE_ALIGN - 1));
  if (p > m) munmap(m, (size_t)(p - m));
  if (m + WK_HUGE_ALIGN > p) munmap(p + len, (size_t)(m + WK_HUGE_ALIGN - p));
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);
#endif
  return p;
#else
  return wk_alloc(size);
#endif
}

void wk_huge_free(void *ptr, size_t size) {
  if (!ptr) return;
#if WK_HUGE_MMAP
  munmap(ptr, (size + WK_HUGE_ALIGN - 1) & ~(WK_HUGE_ALIGN - 1));
#else
  (void)size;
  wk_free(ptr);
#endif
}

void *wk_alloc_array(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  return wk_alloc(count * size);
}

void wk_free(void *ptr) { free(ptr); }
