/* npy.c — NumPy .npy reading (versions 1.0, 2.0, 3.0) and writing (1.0).
 *
 * The file layout: the magic "\x93NUMPY", major and minor version bytes, the header length
 * (little-endian uint16 for 1.0, uint32 for 2.0 and 3.0), the header — a Python dict literal
 * {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded with spaces and ending in '\n' —
 * then the raw data.  Everything read is untrusted: the header length is bounded, the header
 * must be printable ASCII and parse completely, the shape's products are overflow-checked,
 * and the data must be exactly as long as the shape says (checked against the file size
 * before the data buffer is allocated, and again while reading; a pipe's claim is capped at
 * WK_NPY_MAX_STREAM_BYTES and its buffer grows only as data arrives).
 *
 * Writing never truncates or removes what the run did not create: a regular (or new) file is
 * written to a temporary file in the same directory and renamed over the path on success; a
 * character device or pipe is written in place and never removed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "io/npy.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

const char *wk_npy_dtype_name(int dtype) {
  switch (dtype) {
  case WK_NPY_INT8: return "int8";
  case WK_NPY_FLOAT32: return "float32";
  case WK_NPY_UINT8: return "uint8";
  }
  return "unknown";
}

size_t wk_npy_dtype_size(int dtype) {
  switch (dtype) {
  case WK_NPY_INT8:
  case WK_NPY_UINT8: return 1;
  case WK_NPY_FLOAT32: return 4;
  }
  return 0;
}

int64_t wk_npy_count(const wk_npy *a) {
  if (!a || a->ndim < 0 || a->ndim > WK_NPY_MAX_DIMS) return -1;
  int64_t n = 1;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] < 0 || __builtin_mul_overflow(n, a->shape[i], &n)) return -1;
  return n;
}

void wk_npy_free(wk_npy *a) {
  if (!a) return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static void swap4(void *data, size_t count) {
  unsigned char *p = data;
  for (size_t i = 0; i < count; i++, p += 4) {
    unsigned char t = p[0];
    p[0] = p[3], p[3] = t;
    t = p[1], p[1] = p[2], p[2] = t;
  }
}

/* "(2, 3)"-style text of a shape, for messages. */
static const char *shape_text(int ndim, const int64_t *shape, char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "(");
  for (int i = 0; i < ndim && n < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (n < cap) n += (size_t)snprintf(buf + n, cap - n, ndim == 1 ? ",)" : ")");
  return buf;
}

const char *wk_npy_shape_text(const wk_npy *a, char *buf, size_t cap) {
  if (!a || a->ndim < 0 || a->ndim > WK_NPY_MAX_DIMS) {
    snprintf(buf, cap, "(?)");
    return buf;
  }
  return shape_text(a->ndim, a->shape, buf, cap);
}

/* Element count and byte size of a shape: every product of non-zero dimensions (so an empty
 * array with absurd other dimensions is rejected too) must fit in int64_t, and the byte size
 * in size_t.  Returns 0 on overflow. */
static int shape_bytes(int ndim, const int64_t *shape, size_t esize, int64_t *count,
                       size_t *nbytes) {
  int64_t nonzero = 1, bytes;
  int empty = 0;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return 0;
    if (shape[i] == 0) empty = 1;
    else if (__builtin_mul_overflow(nonzero, shape[i], &nonzero)) return 0;
  }
  if (__builtin_mul_overflow(nonzero, (int64_t)esize, &bytes)) return 0;
  if ((uint64_t)bytes > (uint64_t)SIZE_MAX) return 0;
  *count = empty ? 0 : nonzero;
  *nbytes = empty ? 0 : (size_t)bytes;
  return 1;
}

/* ── header parsing ──────────────────────────────────────────────────────── */

typedef struct hparse {
  const char *s;
  size_t n, i;
  char why[160]; /* what is wrong, set on failure */
} hparse;

static int hp_peek(const hparse *p) { return p->i < p->n ? (unsigned char)p->s[p->i] : -1; }

static void hp_ws(hparse *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                         p->s[p->i] == '\r'))
    p->i++;
}

static int hp_fail(hparse *p, const char *what) {
  snprintf(p->why, sizeof p->why, "%s at header offset %zu", what, p->i);
  return 0;
}

/* A Python string literal in single or double quotes, without escapes, shorter than cap. */
static int hp_string(hparse *p, char *buf, size_t cap, const char *what) {
  int q = hp_peek(p);
  if (q != '\'' && q != '"') return hp_fail(p, what);
  size_t start = ++p->i, len = 0;
  while (p->i < p->n && p->s[p->i] != q) {
    if (p->s[p->i] == '\\') return hp_fail(p, "escape sequence in a string (not supported)");
    p->i++;
  }
  if (p->i >= p->n) return hp_fail(p, "unterminated string");
  len = p->i - start;
  if (len >= cap) return hp_fail(p, "string too long");
  memcpy(buf, p->s + start, len);
  buf[len] = '\0';
  p->i++; /* closing quote */
  return 1;
}

static int hp_is_ident(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int hp_word(hparse *p, const char *w) {
  size_t len = strlen(w);
  if (p->n - p->i < len || memcmp(p->s + p->i, w, len) != 0) return 0;
  if (p->i + len < p->n && hp_is_ident((unsigned char)p->s[p->i + len])) return 0;
  p->i += len;
  return 1;
}

/* A non-negative decimal integer (an 'L' suffix, as Python 2 wrote longs, is allowed). */
static int hp_dim(hparse *p, int64_t *v) {
  int c = hp_peek(p);
  if (c == '-') return hp_fail(p, "negative dimension in 'shape'");
  if (c < '0' || c > '9') return hp_fail(p, "expected a dimension (a non-negative integer)");
  int64_t x = 0;
  while ((c = hp_peek(p)) >= '0' && c <= '9') {
    if (x > (INT64_MAX - (c - '0')) / 10) return hp_fail(p, "dimension too large");
    x = x * 10 + (c - '0');
    p->i++;
  }
  if (c == 'L' || c == 'l') p->i++;
  if (hp_is_ident(hp_peek(p))) return hp_fail(p, "malformed dimension");
  *v = x;
  return 1;
}

/* (), (n,), (n, m), ... with optional spaces and a trailing comma. */
static int hp_shape(hparse *p, int *ndim, int64_t *shape) {
  if (hp_peek(p) != '(') return hp_fail(p, "'shape' must be a tuple");
  p->i++;
  hp_ws(p);
  *ndim = 0;
  if (hp_peek(p) == ')') {
    p->i++;
    return 1;
  }
  for (;;) {
    int64_t v;
    if (!hp_dim(p, &v)) return 0;
    if (*ndim == WK_NPY_MAX_DIMS) return hp_fail(p, "more than 8 dimensions");
    shape[(*ndim)++] = v;
    hp_ws(p);
    int c = hp_peek(p);
    if (c == ',') {
      p->i++;
      hp_ws(p);
      if (hp_peek(p) == ')') {
        p->i++;
        return 1;
      }
    } else if (c == ')') {
      if (*ndim == 1) return hp_fail(p, "'shape' (n) is not a tuple (a 1-d shape is written (n,))");
      p->i++;
      return 1;
    } else {
      return hp_fail(p, "expected ',' or ')' in 'shape'");
    }
  }
}

/* Parses the whole header dict; the three keys must each appear exactly once. */
static int parse_header(hparse *p, char *descr, size_t descr_cap, int *fortran, int *ndim,
                        int64_t *shape) {
  for (size_t i = 0; i < p->n; i++) {
    unsigned char c = (unsigned char)p->s[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f) {
      snprintf(p->why, sizeof p->why, "byte 0x%02x at header offset %zu is not printable ASCII",
               c, i);
      return 0;
    }
  }
  int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
  hp_ws(p);
  if (hp_peek(p) != '{') return hp_fail(p, "header is not a dict (expected '{')");
  p->i++;
  for (;;) {
    hp_ws(p);
    if (hp_peek(p) == '}') { /* empty dict, or a trailing comma */
      p->i++;
      break;
    }
    char key[32];
    if (!hp_string(p, key, sizeof key, "expected a quoted key or '}'")) return 0;
    hp_ws(p);
    if (hp_peek(p) != ':') return hp_fail(p, "expected ':' after a key");
    p->i++;
    hp_ws(p);
    if (strcmp(key, "descr") == 0) {
      if (seen_descr++) return hp_fail(p, "duplicate key 'descr'");
      if (!hp_string(p, descr, descr_cap,
                     "'descr' must be a type string (structured dtypes are not supported)"))
        return 0;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (seen_fortran++) return hp_fail(p, "duplicate key 'fortran_order'");
      if (hp_word(p, "True")) *fortran = 1;
      else if (hp_word(p, "False")) *fortran = 0;
      else return hp_fail(p, "'fortran_order' must be True or False");
    } else if (strcmp(key, "shape") == 0) {
      if (seen_shape++) return hp_fail(p, "duplicate key 'shape'");
      if (!hp_shape(p, ndim, shape)) return 0;
    } else {
      char what[96];
      snprintf(what, sizeof what, "unexpected key '%s'", key);
      return hp_fail(p, what);
    }
    hp_ws(p);
    int c = hp_peek(p);
    if (c == ',') {
      p->i++;
      continue;
    }
    if (c == '}') {
      p->i++;
      break;
    }
    return hp_fail(p, "expected ',' or '}' in the header dict");
  }
  hp_ws(p);
  if (p->i != p->n) return hp_fail(p, "unexpected text after the header dict");
  if (!seen_descr || !seen_fortran || !seen_shape) {
    snprintf(p->why, sizeof p->why, "header lacks the key '%s'",
             !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
    return 0;
  }
  return 1;
}

/* The dtype named by a descr; -1 if unsupported.  *swap: stored in the other byte order. */
static int dtype_of_descr(const char *d, int *swap) {
  *swap = 0;
  if (d[0] != '|' && d[0] != '<' && d[0] != '>') return -1;
  const char *t = d + 1;
  if (strcmp(t, "i1") == 0) return WK_NPY_INT8;
  if (strcmp(t, "u1") == 0) return WK_NPY_UINT8;
  if (strcmp(t, "f4") == 0 && d[0] != '|') {
    *swap = (d[0] == '<') != host_is_little_endian();
    return WK_NPY_FLOAT32;
  }
  return -1;
}

/* ── load ────────────────────────────────────────────────────────────────── */

/* fread that tells a short read at end of file (0) from an error (-1). */
static int read_exact(FILE *f, void *buf, size_t n, size_t *got) {
  *got = n ? fread(buf, 1, n, f) : 0;
  if (*got == n) return 1;
  return ferror(f) ? -1 : 0;
}

/* Reads an open stream `f` named `path` (in messages) into *out (already zeroed).  regular: the
 * stream holds exactly fsize bytes (a regular file, a memory buffer), checked against the
 * header's claims before allocating; otherwise the claim is capped and memory grows as data
 * arrives.  Does not close f. */
static wk_status load_stream(FILE *f, const char *path, int regular, uint64_t fsize, wk_npy *out) {
  wk_status s = WK_STATUS_OK;
  char *header = NULL;
  unsigned char *data = NULL;
  unsigned char pre[12];
  size_t got;
  int r = read_exact(f, pre, 8, &got);
  if (r < 0) goto read_error;
  if (r == 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: not a .npy file (only %zu bytes long)", path, got);
    goto done;
  }
  if (memcmp(pre, npy_magic, sizeof npy_magic) != 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: not a .npy file (bad magic)", path);
    goto done;
  }
  unsigned major = pre[6], minor = pre[7];
  size_t len_bytes;
  if (major == 1 && minor == 0) len_bytes = 2;
  else if ((major == 2 || major == 3) && minor == 0) len_bytes = 4;
  else {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: unsupported .npy format version %u.%u (supported: 1.0, 2.0, 3.0)", path,
                 major, minor);
    goto done;
  }
  r = read_exact(f, pre + 8, len_bytes, &got);
  if (r < 0) goto read_error;
  if (r == 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: truncated .npy header", path);
    goto done;
  }
  uint32_t hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
  if (len_bytes == 4) hlen |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
  const uint64_t data_off = 8 + len_bytes + (uint64_t)hlen;
  if (hlen > WK_NPY_MAX_HEADER) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: header length %" PRIu32 " exceeds the limit of %u",
                 path, hlen, WK_NPY_MAX_HEADER);
    goto done;
  }
  if (regular && data_off > fsize) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: header length %" PRIu32 " runs past the end of the file (%" PRIu64 " bytes)",
                 path, hlen, fsize);
    goto done;
  }
  header = malloc((size_t)hlen + 1);
  if (!header) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory for the header", path);
    goto done;
  }
  r = read_exact(f, header, hlen, &got);
  if (r < 0) goto read_error;
  if (r == 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: truncated header (%zu of %" PRIu32 " bytes present)", path, got, hlen);
    goto done;
  }
  header[hlen] = '\0';

  hparse hp = {.s = header, .n = hlen};
  char descr[32];
  int fortran = 0, ndim = 0, swap = 0;
  int64_t shape[WK_NPY_MAX_DIMS] = {0};
  if (!parse_header(&hp, descr, sizeof descr, &fortran, &ndim, shape)) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: bad .npy header: %s", path, hp.why);
    goto done;
  }
  int dtype = dtype_of_descr(descr, &swap);
  if (dtype < 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: unsupported dtype '%s' (supported: int8 '|i1', float32 '<f4', uint8 '|u1')",
                 path, descr);
    goto done;
  }
  char st_buf[200];
  if (fortran) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: Fortran-order array (shape %s) is not supported; save it in C order "
                 "(np.ascontiguousarray)",
                 path, shape_text(ndim, shape, st_buf, sizeof st_buf));
    goto done;
  }
  const size_t esize = wk_npy_dtype_size(dtype);
  int64_t count;
  size_t nbytes;
  if (!shape_bytes(ndim, shape, esize, &count, &nbytes)) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: shape %s of %s is too large (size overflows)", path,
                 shape_text(ndim, shape, st_buf, sizeof st_buf), wk_npy_dtype_name(dtype));
    goto done;
  }
  if (regular && fsize - data_off != (uint64_t)nbytes) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: %s data (shape %s of %s needs %zu bytes, the file holds %" PRIu64 ")", path,
                 fsize - data_off < (uint64_t)nbytes ? "truncated" : "extra bytes after the",
                 shape_text(ndim, shape, st_buf, sizeof st_buf), wk_npy_dtype_name(dtype),
                 nbytes, fsize - data_off);
    goto done;
  }

  if (!regular && (uint64_t)nbytes > WK_NPY_MAX_STREAM_BYTES) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: shape %s of %s claims %zu bytes of data, over the %" PRIu64
                 "-byte limit for a pipe or other input whose size is not known in advance",
                 path, shape_text(ndim, shape, st_buf, sizeof st_buf), wk_npy_dtype_name(dtype),
                 nbytes, (uint64_t)WK_NPY_MAX_STREAM_BYTES);
    goto done;
  }
  /* A regular file's size was checked; anything else grows the buffer only as data comes. */
  size_t cap = regular ? nbytes : (nbytes < ((size_t)1 << 20) ? nbytes : (size_t)1 << 20);
  size_t have = 0;
  data = malloc(cap ? cap : 1);
  if (!data) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory for %zu bytes of data", path, cap);
    goto done;
  }
  while (have < nbytes) {
    if (have == cap) {
      size_t ncap = cap > nbytes / 2 ? nbytes : cap * 2;
      unsigned char *nd = realloc(data, ncap);
      if (!nd) {
        s = wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory for %zu bytes of data", path,
                     ncap);
        goto done;
      }
      data = nd;
      cap = ncap;
    }
    size_t n = fread(data + have, 1, cap - have, f);
    if (n == 0) break;
    have += n;
  }
  if (ferror(f)) goto read_error;
  if (have < nbytes) {
    s = wk_error(WK_STATUS_BAD_FORMAT,
                 "%s: truncated data (shape %s of %s needs %zu bytes, got %zu)", path,
                 shape_text(ndim, shape, st_buf, sizeof st_buf), wk_npy_dtype_name(dtype), nbytes,
                 have);
    goto done;
  }
  if (fgetc(f) != EOF) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: extra bytes after the data (shape %s of %s)", path,
                 shape_text(ndim, shape, st_buf, sizeof st_buf), wk_npy_dtype_name(dtype));
    goto done;
  }
  if (ferror(f)) goto read_error;
  if (swap) swap4(data, nbytes / 4);

  out->dtype = dtype;
  out->ndim = ndim;
  memcpy(out->shape, shape, sizeof shape);
  out->data = data;
  out->nbytes = nbytes;
  data = NULL;
  goto done;

read_error:
  s = wk_error(WK_STATUS_IO_ERROR, "%s: read error: %s", path, strerror(errno));
done:
  free(header);
  free(data);
  return s;
}

wk_status wk_npy_load(const char *path, wk_npy *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "npy: NULL output");
  memset(out, 0, sizeof *out);
  if (!path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "npy: NULL path");
  FILE *f = fopen(path, "rb");
  if (!f) return wk_error(WK_STATUS_IO_ERROR, "%s: cannot open: %s", path, strerror(errno));

  wk_status s = WK_STATUS_OK;
  struct stat st;
  int regular = 0;
  uint64_t fsize = 0;
  if (fstat(fileno(f), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      s = wk_error(WK_STATUS_IO_ERROR, "%s: is a directory", path);
    } else if (S_ISREG(st.st_mode) && st.st_size >= 0) {
      regular = 1;
      fsize = (uint64_t)st.st_size;
    }
  }
  if (!s) s = load_stream(f, path, regular, fsize, out);
  fclose(f);
  return s;
}

wk_status wk_npy_load_memory(const void *data, size_t size, const char *name, wk_npy *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "npy: NULL output");
  memset(out, 0, sizeof *out);
  if (!data && size) return wk_error(WK_STATUS_INVALID_ARGUMENT, "npy: NULL data");
  if (!name) name = "(memory)";
  if (size == 0) return wk_error(WK_STATUS_BAD_FORMAT, "%s: not a .npy file (only 0 bytes long)", name);
  /* fmemopen in read mode never writes to the buffer. */
  FILE *f = fmemopen((void *)data, size, "rb");
  if (!f) return wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: cannot open a memory stream", name);
  const wk_status s = load_stream(f, name, 1, size, out);
  fclose(f);
  return s;
}

/* ── save ────────────────────────────────────────────────────────────────── */

/* write(2) until all n bytes are out; 0 or the errno of the failure. */
static int write_all(int fd, const void *p, size_t n) {
  const unsigned char *b = p;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    b += w, n -= (size_t)w;
  }
  return 0;
}

/* The process's umask, read without changing it (umask(2) cannot read it alone, and setting it
 * back and forth would race with other threads creating files): /proc/self/status has it
 * since Linux 4.7; 022 is assumed where that is unavailable. */
static mode_t current_umask(void) {
  FILE *f = fopen("/proc/self/status", "r");
  unsigned m = 022;
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "Umask: %o", &m) == 1) break;
    fclose(f);
  }
  return (mode_t)(m & 0777);
}

/* The file a plain open(path, O_CREAT) would write: symbolic links followed, so that the
 * temporary file goes beside the real file and the rename replaces it, not the link.  A path
 * that does not exist (and is not a dangling link) is its own target. */
static wk_status resolve_target(const char *path, char **target) {
  struct stat lst;
  if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    *target = realpath(path, NULL);
    if (!*target)
      return wk_error(WK_STATUS_IO_ERROR, "%s: cannot resolve the symbolic link: %s", path,
                      strerror(errno));
    return WK_STATUS_OK;
  }
  *target = strdup(path);
  return *target ? WK_STATUS_OK : wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory", path);
}

wk_status wk_npy_save(const char *path, int dtype, int ndim, const int64_t *shape,
                      const void *data) {
  if (!path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "npy: NULL path");
  const size_t esize = wk_npy_dtype_size(dtype);
  if (!esize) return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: unknown dtype %d", path, dtype);
  if (ndim < 0 || ndim > WK_NPY_MAX_DIMS || (ndim > 0 && !shape))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: bad shape (ndim=%d)", path, ndim);
  int64_t count;
  size_t nbytes;
  if (!shape_bytes(ndim, shape, esize, &count, &nbytes))
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: negative or too large shape", path);
  if (nbytes && !data) return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: NULL data", path);

  const char *descr = dtype == WK_NPY_INT8    ? "|i1"
                      : dtype == WK_NPY_UINT8 ? "|u1"
                      : host_is_little_endian() ? "<f4" : ">f4";
  /* As np.save writes it: the dict, spaces to a multiple of 64 bytes in all, then '\n'. */
  char header[512];
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   descr);
  for (int i = 0; i < ndim; i++)
    n += snprintf(header + n, sizeof header - (size_t)n, "%s%" PRId64, i ? ", " : "", shape[i]);
  n += snprintf(header + n, sizeof header - (size_t)n, "%s), }", ndim == 1 ? "," : "");
  size_t hlen = (size_t)n + 1; /* + '\n' */
  hlen += (64 - (10 + hlen) % 64) % 64;
  memset(header + n, ' ', hlen - 1 - (size_t)n);
  header[hlen - 1] = '\n';

  unsigned char pre[10];
  memcpy(pre, npy_magic, 6);
  pre[6] = 1, pre[7] = 0;
  pre[8] = (unsigned char)(hlen & 0xff), pre[9] = (unsigned char)(hlen >> 8);

  /* The bytes: magic + version + length (10), the header, the data. */
  const struct { const void *p; size_t n; } parts[3] = {{pre, sizeof pre}, {header, hlen},
                                                        {data, nbytes}};

  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return wk_error(WK_STATUS_IO_ERROR, "%s: is a directory", path);
    if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
      return wk_error(WK_STATUS_IO_ERROR,
                      "%s: not a regular file, character device or pipe; not writing to it",
                      path);
    /* A character device or a pipe (/dev/stdout, /dev/null, a FIFO): written in place, never
     * created, truncated or removed (O_APPEND: a /dev/stdout redirected with >> appends). */
    int fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return wk_error(WK_STATUS_IO_ERROR, "%s: cannot open: %s", path, strerror(errno));
    int err = 0;
    for (int i = 0; i < 3 && !err; i++) err = write_all(fd, parts[i].p, parts[i].n);
    if (close(fd) != 0 && !err) err = errno;
    if (err) return wk_error(WK_STATUS_IO_ERROR, "%s: write error: %s", path, strerror(err));
    return WK_STATUS_OK;
  }

  /* A regular file, or a new one: written to a temporary file beside the target and renamed
   * over it on success, so a failed write leaves an existing file as it was and a new path
   * absent; nothing but our own temporary file is ever removed. */
  char *target = NULL, *tmp = NULL;
  wk_status s = resolve_target(path, &target);
  if (s != WK_STATUS_OK) return s;
  const char *slash = strrchr(target, '/');
  const size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0; /* with the '/' */
  const char *base = target + dir_len;
  size_t tmp_size;
  /* dir/ + "." + base + ".~tmp.XXXXXX" + NUL */
  if (__builtin_add_overflow(strlen(target), 1 + sizeof ".~tmp.XXXXXX", &tmp_size) ||
      !(tmp = malloc(tmp_size))) {
    free(target);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory", path);
  }
  snprintf(tmp, tmp_size, "%.*s.%s.~tmp.XXXXXX", (int)dir_len, target, base);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    s = wk_error(WK_STATUS_IO_ERROR, "%s: cannot create a temporary file in its directory: %s",
                 path, strerror(errno));
    goto out;
  }
  /* mkstemp makes it 0600; give it the permissions of the file it replaces, or those a plain
   * create would (0666 & ~umask) for a new file.  (Owner and group are the writer's.) */
  mode_t mode = stat(target, &st) == 0 ? (st.st_mode & 0777) : (0666 & ~current_umask());
  int err = fchmod(fd, mode) != 0 ? errno : 0;
  for (int i = 0; i < 3 && !err; i++) err = write_all(fd, parts[i].p, parts[i].n);
  if (close(fd) != 0 && !err) err = errno;
  if (!err && rename(tmp, target) != 0) err = errno;
  if (err) {
    unlink(tmp); /* ours: created by mkstemp above */
    s = wk_error(WK_STATUS_IO_ERROR, "%s: write error: %s (the path is left as it was)", path,
                 strerror(err));
  }
out:
  free(tmp);
  free(target);
  return s;
}
