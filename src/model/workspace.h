/* workspace.h — carving one caller-owned block of memory into 64-byte aligned regions.
 *
 * The same layout function runs twice: with base == NULL it only adds up the size (the
 * *_workspace_size queries), with a real base it hands out the regions (the runs), so the two
 * can never disagree. */
#ifndef WK_WORKSPACE_H
#define WK_WORKSPACE_H

#include <stdint.h>

#include "common/common.h"

typedef struct wk_ws {
  uint8_t *base; /* 64-byte aligned, or NULL while sizing */
  size_t used;   /* bytes handed out so far (each region starts at a multiple of 64) */
} wk_ws;

/* A sizing carver, or one over `mem` (any alignment: the first 63 bytes may be skipped). */
static inline wk_ws wk_ws_begin(void *mem) {
  wk_ws w = {mem ? (uint8_t *)(((uintptr_t)mem + 63) & ~(uintptr_t)63) : NULL, 0};
  return w;
}

/* The next region of `bytes` (NULL while sizing). */
static inline void *wk_ws_take(wk_ws *w, size_t bytes) {
  const size_t o = wk_round_up(w->used, 64);
  w->used = o + bytes;
  return w->base ? w->base + o : NULL;
}

/* Bytes a caller must provide for everything taken: the regions plus the alignment slack. */
static inline size_t wk_ws_total(const wk_ws *w) { return w->used + 63; }

#endif
