/* status.c — status names, the per-thread last-error message, aligned allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return status;
}

void *wk_alloc(size_t size) {
  if (size == 0) size = 1;
  if (size > SIZE_MAX - 63) return NULL;
  size = (size + 63) & ~(size_t)63;
  return aligned_alloc(64, size);
}

void *wk_alloc_array(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  return wk_alloc(count * size);
}

void wk_free(void *ptr) { free(ptr); }
