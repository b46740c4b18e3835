/* npy.h — reading and writing NumPy .npy files (C order; int8, uint8, float32).
 *
 * Reading accepts format versions 1.0, 2.0 and 3.0; writing produces 1.0 (what np.save
 * writes for small headers).  Files are untrusted: the header is parsed strictly, sizes are
 * checked before anything is allocated, and the data must fill the rest of the file exactly.
 * Failures return WK_STATUS_IO_ERROR (open/read/write) or WK_STATUS_BAD_FORMAT (malformed or
 * unsupported contents) and record a message naming the file for wk_last_error(). */
#ifndef WK_NPY_H
#define WK_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "whisk.h"

/* Element types.  The first two equal wk_dtype's values. */
enum {
  WK_NPY_INT8 = WK_DTYPE_INT8,  /* '|i1' */
  WK_NPY_FLOAT32 = WK_DTYPE_F32, /* '<f4' */
  WK_NPY_UINT8 = 2              /* '|u1' (read so that callers can reject it by name) */
};

#define WK_NPY_MAX_DIMS 8
#define WK_NPY_MAX_HEADER (1u << 20) /* header bytes a reader accepts */
/* Data bytes a reader accepts from an input whose size it cannot check first (a pipe, a
 * character device): 2 GiB.  A regular file's claim is checked against its size instead. */
#define WK_NPY_MAX_STREAM_BYTES ((uint64_t)1 << 31)

typedef struct wk_npy {
  int dtype;                        /* WK_NPY_* */
  int ndim;                         /* 0 … WK_NPY_MAX_DIMS */
  int64_t shape[WK_NPY_MAX_DIMS];   /* unused entries are 0 */
  void *data;                       /* C order, native byte order; never NULL after a load */
  size_t nbytes;                    /* element count × element size */
} wk_npy;

/* "int8", "float32", "uint8" ("unknown" otherwise). */
const char *wk_npy_dtype_name(int dtype);

/* Bytes per element of a WK_NPY_* type (0 if unknown). */
size_t wk_npy_dtype_size(int dtype);

/* Number of elements (the product of the shape; 1 for 0-d). */
int64_t wk_npy_count(const wk_npy *a);

/* Writes "(2, 3)"-style text of a's shape ("(n,)" for 1-d, "()" for 0-d) into buf; returns buf. */
const char *wk_npy_shape_text(const wk_npy *a, char *buf, size_t cap);

/* Loads `path` into *out (zeroed first; on failure *out holds nothing to free, though calling
 * wk_npy_free on it is harmless).  A regular file's claimed data size must equal what the file
 * holds (checked before allocating); from a pipe the claim may be at most
 * WK_NPY_MAX_STREAM_BYTES, and memory grows only as the data arrives. */
wk_status wk_npy_load(const char *path, wk_npy *out);

/* The same from a buffer of `size` bytes (a regular file's checks: the claimed data size must
 * equal what the buffer holds).  `name` names the buffer in messages (NULL: "(memory)"). */
wk_status wk_npy_load_memory(const void *data, size_t size, const char *name, wk_npy *out);

/* Writes a C-order array as a version 1.0 .npy file.  `shape` may be NULL when ndim == 0;
 * `data` may be NULL when the array is empty.
 *   A regular file, or a path that does not exist: the array is written to a temporary file
 *   in the same directory (".NAME.~tmp.XXXXXX") that is renamed over the path on success
 *   (symbolic links are followed: the file they name is replaced); the new file gets the
 *   permissions of the file it replaces, or 0666 & ~umask.  On failure the temporary file is
 *   removed and an existing file is left unchanged.  (So the directory must be writable; a
 *   file with other hard links is replaced by a new one rather than rewritten; /dev/stdout
 *   redirected to a regular file replaces that file, even with >>.)
 *   A character device or a FIFO (/dev/stdout, /dev/null, a pipe): written in place (opened
 *   without creating or truncating, in append mode) and never removed, even on failure.
 *   Anything else (a directory, a block device, a socket) is refused. */
wk_status wk_npy_save(const char *path, int dtype, int ndim, const int64_t *shape,
                      const void *data);

/* Frees the data of a loaded array and zeroes *a.  Accepts NULL. */
void wk_npy_free(wk_npy *a);

#endif
