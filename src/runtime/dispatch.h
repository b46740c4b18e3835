/* dispatch.h — dispatch as data: one table of kernels per ISA, one selection.
 *
 * A wk_kernels table lists, for one ISA, the microkernel of every family (attention, GEMM,
 * LayerNorm, …).  The tables are filled in one place (dispatch.c) and ordered best → worst;
 * wk_kernels_for(isa) is the only selection, and a context holds the table it got.  Each
 * family's header still defines its own kernel struct (with its `name` and `isa` fields); this
 * header only names the structs, so it includes no family.
 *
 * Adding a family:  one WK_FAMILIES line below (it makes the enum value, the wk_kernels field
 *                   and the family's name) + one designated initializer per ISA table in
 *                   dispatch.c, and the family header's include there.
 * Adding an ISA:    one wk_isa value (include/whisk.h), its support test and reasons
 *                   (wk_isa_supported, wk_isa_unsupported_reason in cpu.c), and one table in
 *                   dispatch.c placed on the ladder (its kernels in WK_ISA_FILES).
 *
 * Why this ISA: WHISK_VERBOSE=1 makes wk_context_create print the choice and the reason to
 * stderr (wk_dispatch_describe).
 */
#ifndef WK_DISPATCH_H
#define WK_DISPATCH_H

#include <stddef.h>

#include "common/common.h"

/* The kernel families, one line each: X(ENUM suffix, wk_kernels field and name, kernel struct).
 * The struct must be declared `typedef struct T {…} T;` with `const char *name; wk_isa isa;`. */
#define WK_FAMILIES(X)                                                                         \
  X(ATTENTION, attention, wk_attention_kernel)                                                 \
  X(GEMM, gemm, wk_gemm_kernel)                                                                \
  X(NORM, norm, wk_norm_kernel)                                                                \
  X(QUANT, quant, wk_quant_kernel)                                                             \
  X(F32, f32, wk_f32_kernel)

typedef enum wk_family {
#define WK_FAMILY_ENUM(E, f, T) WK_FAMILY_##E,
  WK_FAMILIES(WK_FAMILY_ENUM)
#undef WK_FAMILY_ENUM
  WK_FAMILY_COUNT
} wk_family;

#define WK_FAMILY_FORWARD(E, f, T) struct T;
WK_FAMILIES(WK_FAMILY_FORWARD)
#undef WK_FAMILY_FORWARD

/* One ISA's kernels: `const struct wk_attention_kernel *attention; … *gemm; … *norm;` —
 * every field non-NULL, and each kernel's isa ≤ the table's. */
typedef struct wk_kernels {
  wk_isa isa; /* the ISA this table is for */
#define WK_FAMILY_FIELD(E, f, T) const struct T *f;
  WK_FAMILIES(WK_FAMILY_FIELD)
#undef WK_FAMILY_FIELD
} wk_kernels;

/* The table for `isa` — the best one at or below it that this build has — or NULL if isa is
 * not a concrete ISA (WK_ISA_AUTO, out of range).  It does not check that the CPU supports
 * isa: wk_context_create does. */
const wk_kernels *wk_kernels_for(wk_isa isa);

/* "attention", "gemm", "norm", …; NULL for a value that names no family. */
const char *wk_family_name(wk_family family);

/* The family named `name`; WK_FAMILY_COUNT if none (or name is NULL). */
wk_family wk_family_find(const char *name);

/* The name and ISA of `family`'s kernel in table k (NULL / WK_ISA_AUTO for a bad family). */
const char *wk_kernels_name(const wk_kernels *k, wk_family family);
wk_isa wk_kernels_isa(const wk_kernels *k, wk_family family);

/* The log line(s) of a selection, each starting "whisk: " and ending '\n', into buf[cap]
 * (truncated, always NUL-terminated if cap > 0):
 *   whisk: isa avx2 (cpu best: avx2, WHISK_ISA unset): attention=… gemm=… norm=…
 *   whisk:   not avx512vnni: cpu lacks avx512f
 * `requested` is what the caller asked for (WK_ISA_AUTO or an explicit ISA); one "not" line
 * per ISA above the chosen one says why it was passed over.  Returns the length it wanted. */
size_t wk_dispatch_describe(char *buf, size_t cap, wk_isa requested, const wk_kernels *k);

#endif
