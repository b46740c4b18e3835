/* test_npy.c — .npy reading and writing: round trips of int8 and float32 arrays of several
 * shapes (0-d and empty included), headers as other writers produce them (versions 2.0 and
 * 3.0, key order, quotes, spacing, trailing commas, big-endian floats), reading through a
 * pipe, and hostile files — each must fail with WK_STATUS_BAD_FORMAT (WK_STATUS_IO_ERROR for
 * files that cannot be opened) and a message naming the file, never crash or over-read.
 * Truncations at every length and random header mutations of a valid file are tried too.
 * Saving (F1): a failed save leaves an existing file unchanged and a new path absent, and never
 * removes a FIFO or a character device; loading from a pipe (F5) refuses a huge claimed shape
 * before allocating. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "io/npy.h"
#include "test_util.h"

static char dir[64];
static char path_buf[256];

static const char *tmp_path(const char *name) {
  snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
  return path_buf;
}

static void clear_error(void) { wk_error(WK_STATUS_OK, "%s", ""); }

static void write_raw(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(bytes, 1, n, f) != n) || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    exit(1);
  }
}

/* magic, version, header length (2 or 4 bytes by version), header, data → buf; returns size. */
static size_t build_npy(unsigned char *buf, size_t cap, int major, int minor, const char *header,
                        const void *data, size_t ndata) {
  size_t hlen = strlen(header), n = 0;
  size_t lb = major == 1 ? 2 : 4;
  if (8 + lb + hlen + ndata > cap) {
    fprintf(stderr, "build_npy: buffer too small\n");
    exit(1);
  }
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major, buf[7] = (unsigned char)minor;
  n = 8;
  for (size_t i = 0; i < lb; i++) buf[n++] = (unsigned char)(hlen >> (8 * i));
  memcpy(buf + n, header, hlen);
  n += hlen;
  if (ndata) memcpy(buf + n, data, ndata);
  return n + ndata;
}

static unsigned char big[1 << 16];

static void make_file(const char *name, int major, int minor, const char *header,
                      const void *data, size_t ndata) {
  size_t n = build_npy(big, sizeof big, major, minor, header, data, ndata);
  write_raw(tmp_path(name), big, n);
}

/* Loading `name` must fail with `want` and a message that names the file. */
static void expect_fail(const char *name, wk_status want, const char *what) {
  const char *p = tmp_path(name);
  wk_npy a;
  clear_error();
  wk_status s = wk_npy_load(p, &a);
  const char *msg = wk_last_error();
  CHECK(s == want, "%s: status %s, expected %s (message: %s)", what, wk_status_string(s),
        wk_status_string(want), msg);
  CHECK(msg[0] != '\0', "%s: empty error message", what);
  CHECK(strstr(msg, p) != NULL, "%s: message does not name the file: %s", what, msg);
  CHECK(a.data == NULL && a.nbytes == 0, "%s: output not cleared on failure", what);
  if (s == want && getenv("WK_TEST_VERBOSE")) printf("  %-28s -> %s\n", what, msg);
  wk_npy_free(&a);
}

static void expect_bad_header(const char *what, const char *header, size_t ndata) {
  static const unsigned char zeros[64];
  make_file("bad.npy", 1, 0, header, zeros, ndata);
  expect_fail("bad.npy", WK_STATUS_BAD_FORMAT, what);
}

/* Loading `name` must succeed with the given type and shape. */
static wk_npy expect_ok(const char *name, int dtype, int ndim, const int64_t *shape,
                        const char *what) {
  wk_npy a;
  wk_status s = wk_npy_load(tmp_path(name), &a);
  CHECK(s == WK_STATUS_OK, "%s: %s", what, wk_last_error());
  if (s != WK_STATUS_OK) return a;
  CHECK(a.dtype == dtype, "%s: dtype %d, expected %d", what, a.dtype, dtype);
  CHECK(a.ndim == ndim, "%s: ndim %d, expected %d", what, a.ndim, ndim);
  for (int i = 0; i < ndim && i < a.ndim; i++)
    CHECK(a.shape[i] == shape[i], "%s: dim %d is %lld, expected %lld", what, i,
          (long long)a.shape[i], (long long)shape[i]);
  CHECK(a.data != NULL, "%s: data is NULL", what);
  return a;
}

static void round_trip(wk_test_rng *rng, int dtype, int ndim, const int64_t *shape) {
  int64_t count = 1;
  for (int i = 0; i < ndim; i++) count *= shape[i];
  size_t esize = wk_npy_dtype_size(dtype), nbytes = (size_t)count * esize;
  unsigned char *data = malloc(nbytes ? nbytes : 1);
  if (dtype == WK_NPY_FLOAT32)
    for (int64_t i = 0; i < count; i++) ((float *)data)[i] = wk_test_float(rng, -1e3f, 1e3f);
  else
    for (size_t i = 0; i < nbytes; i++) data[i] = (unsigned char)wk_test_next(rng);

  char what[96], sh[128];
  wk_npy tmp = {.ndim = ndim};
  memcpy(tmp.shape, shape, (size_t)ndim * sizeof(int64_t));
  snprintf(what, sizeof what, "round trip %s %s", wk_npy_dtype_name(dtype),
           wk_npy_shape_text(&tmp, sh, sizeof sh));
  const char *p = tmp_path("rt.npy");
  wk_status s = wk_npy_save(p, dtype, ndim, shape, data);
  CHECK(s == WK_STATUS_OK, "%s: save: %s", what, wk_last_error());

  struct stat st;
  if (stat(p, &st) == 0) {
    CHECK((size_t)st.st_size >= nbytes && ((size_t)st.st_size - nbytes) % 64 == 0,
          "%s: header+prefix is %zu bytes, not a multiple of 64", what,
          (size_t)st.st_size - nbytes);
  }
  wk_npy a = expect_ok("rt.npy", dtype, ndim, shape, what);
  CHECK(a.nbytes == nbytes, "%s: nbytes %zu, expected %zu", what, a.nbytes, nbytes);
  CHECK(wk_npy_count(&a) == count, "%s: count %lld", what, (long long)wk_npy_count(&a));
  if (a.data && a.nbytes == nbytes)
    CHECK(memcmp(a.data, data, nbytes) == 0, "%s: data differs", what);
  wk_npy_free(&a);
  CHECK(a.data == NULL, "wk_npy_free does not clear");
  free(data);
}

/* The file starts as np.save writes it (numpy 1.24: a 1.0 header padded with spaces to 128
 * bytes in all, ending in '\n') and holds ndata bytes of data after it. */
static int same_as_numpy(const char *path, const char *dict, size_t ndata) {
  unsigned char buf[256];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
  if (f) fclose(f);
  size_t dl = strlen(dict);
  if (n != 128 + ndata || memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10) != 0 ||
      memcmp(buf + 10, dict, dl) != 0 || buf[127] != '\n')
    return 0;
  for (size_t i = 10 + dl; i < 127; i++)
    if (buf[i] != ' ') return 0;
  return 1;
}

static void test_round_trips(void) {
  wk_test_rng rng = {42};
  static const int64_t shapes[][5] = {
      /* ndim, dims... */
      {0}, {1, 0}, {1, 1}, {1, 7}, {2, 3, 4}, {2, 0, 5}, {2, 5, 0}, {3, 2, 3, 64},
      {3, 6, 33, 16}, {4, 1, 2, 1, 3},
  };
  for (int t = 0; t < 2; t++)
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
      round_trip(&rng, t ? WK_NPY_FLOAT32 : WK_NPY_INT8, (int)shapes[i][0], shapes[i] + 1);
  int64_t eight[8] = {1, 2, 1, 2, 1, 2, 1, 3};
  round_trip(&rng, WK_NPY_INT8, 8, eight);
  round_trip(&rng, WK_NPY_UINT8, 2, eight + 1);

  /* The exact header np.save writes. */
  int64_t shape[2] = {3, 4};
  int8_t data[12] = {0};
  const char *p = tmp_path("hdr.npy");
  CHECK(wk_npy_save(p, WK_NPY_INT8, 2, shape, data) == WK_STATUS_OK, "save: %s", wk_last_error());
  CHECK(same_as_numpy(p, "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 4), }", 12),
        "int8 (3, 4) header differs from np.save's");
  int64_t one[1] = {5};
  float fdata[5] = {1, 2, 3, 4, 5};
  p = tmp_path("f1.npy");
  CHECK(wk_npy_save(p, WK_NPY_FLOAT32, 1, one, fdata) == WK_STATUS_OK, "save");
  CHECK(same_as_numpy(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 20),
        "float32 (5,) header differs from np.save's");
  CHECK(wk_npy_save(p, WK_NPY_FLOAT32, 0, NULL, fdata) == WK_STATUS_OK, "save");
  CHECK(same_as_numpy(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4),
        "float32 () header differs from np.save's");
}

static void test_save_errors(void) {
  int64_t shape[2] = {2, 2}, neg[2] = {2, -1};
  int8_t data[4] = {0};
  clear_error();
  CHECK(wk_npy_save("/nonexistent-dir-wk/x.npy", WK_NPY_INT8, 2, shape, data) ==
            WK_STATUS_IO_ERROR,
        "save into a missing directory");
  CHECK(wk_last_error()[0] != '\0', "no message");
  CHECK(wk_npy_save(tmp_path("x.npy"), 7, 2, shape, data) == WK_STATUS_INVALID_ARGUMENT,
        "unknown dtype");
  CHECK(wk_npy_save(tmp_path("x.npy"), WK_NPY_INT8, 9, shape, data) ==
            WK_STATUS_INVALID_ARGUMENT,
        "9 dims");
  CHECK(wk_npy_save(tmp_path("x.npy"), WK_NPY_INT8, 2, neg, data) == WK_STATUS_INVALID_ARGUMENT,
        "negative dim");
  CHECK(wk_npy_save(tmp_path("x.npy"), WK_NPY_INT8, 2, shape, NULL) ==
            WK_STATUS_INVALID_ARGUMENT,
        "NULL data");
  CHECK(wk_npy_save(NULL, WK_NPY_INT8, 2, shape, data) == WK_STATUS_INVALID_ARGUMENT,
        "NULL path");
  wk_npy a;
  CHECK(wk_npy_load(NULL, &a) == WK_STATUS_INVALID_ARGUMENT, "NULL path");
  CHECK(wk_npy_load(tmp_path("x.npy"), NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL output");
  wk_npy_free(NULL);
}

/* ── F1: saving never truncates or removes what the run did not create ─────── */

static int file_equals(const char *path, const void *bytes, size_t n) {
  unsigned char buf[4096];
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t got = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return got == n && memcmp(buf, bytes, n) == 0;
}

/* Number of entries of the test directory whose name contains `part` (temporary files). */
static int dir_count(const char *part) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, part) != NULL;
  closedir(d);
  return n;
}

/* wk_npy_save of a 4 KiB array in a child whose file-size limit is 256 bytes: the write of
 * the temporary file fails (EFBIG, even as root).  Returns the child's status (or -1). */
static int save_with_fsize_limit(const char *path) {
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {256, 256};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(99);
    static int8_t data[4096];
    int64_t shape[1] = {4096};
    wk_status s = wk_npy_save(path, WK_NPY_INT8, 1, shape, data);
    _exit(s == WK_STATUS_IO_ERROR && strstr(wk_last_error(), path) ? 0 : 1);
  }
  int status;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

static void test_save_failure_keeps_file(void) {
  /* an existing file survives a failed write byte for byte (it used to be truncated, then
   * removed) */
  const char old[] = "not an npy, but someone's file";
  char keep[256];
  snprintf(keep, sizeof keep, "%s", tmp_path("keep.npy"));
  write_raw(keep, old, sizeof old);
  CHECK(save_with_fsize_limit(keep) == 0, "failed save: status not IO_ERROR naming the file");
  CHECK(file_equals(keep, old, sizeof old), "an existing file changed by a failed save");
  CHECK(dir_count("~tmp") == 0, "a temporary file was left behind");
  /* a new path stays absent */
  char fresh[256];
  snprintf(fresh, sizeof fresh, "%s", tmp_path("fresh.npy"));
  CHECK(save_with_fsize_limit(fresh) == 0, "failed save: status not IO_ERROR");
  CHECK(access(fresh, F_OK) != 0, "a failed save left a file at a new path");
  CHECK(dir_count("~tmp") == 0, "a temporary file was left behind");
  /* a successful save replaces the file, keeping its mode; a new file gets 0666 & ~umask */
  chmod(keep, 0604);
  int64_t shape[1] = {3};
  int8_t d3[3] = {1, 2, 3};
  CHECK(wk_npy_save(keep, WK_NPY_INT8, 1, shape, d3) == WK_STATUS_OK, "%s", wk_last_error());
  struct stat st;
  CHECK(stat(keep, &st) == 0 && (st.st_mode & 07777) == 0604, "replaced file's mode %o",
        (unsigned)(st.st_mode & 07777));
  mode_t um = umask(027);
  CHECK(wk_npy_save(fresh, WK_NPY_INT8, 1, shape, d3) == WK_STATUS_OK, "%s", wk_last_error());
  umask(um);
  CHECK(stat(fresh, &st) == 0 && (st.st_mode & 07777) == 0640, "new file's mode %o, not 0640",
        (unsigned)(st.st_mode & 07777));
  /* through a symbolic link: the file it names is replaced, the link stays */
  char link[256];
  snprintf(link, sizeof link, "%s", tmp_path("link.npy"));
  unlink(link);
  CHECK(symlink("keep.npy", link) == 0, "symlink: %s", strerror(errno));
  int8_t d3b[3] = {4, 5, 6};
  CHECK(wk_npy_save(link, WK_NPY_INT8, 1, shape, d3b) == WK_STATUS_OK, "%s", wk_last_error());
  CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the symbolic link was replaced");
  wk_npy a;
  CHECK(wk_npy_load(keep, &a) == WK_STATUS_OK && a.nbytes == 3 && memcmp(a.data, d3b, 3) == 0,
        "the file behind the link was not written");
  wk_npy_free(&a);
  CHECK(dir_count("~tmp") == 0, "a temporary file was left behind");
  CHECK(wk_npy_save(dir, WK_NPY_INT8, 1, shape, d3) == WK_STATUS_IO_ERROR, "directory");
}

/* A FIFO as the output: written in place; when the reader goes away the save fails and the
 * FIFO is still there (it used to be removed). */
static void test_save_fifo(void) {
  char p[256];
  snprintf(p, sizeof p, "%s", tmp_path("out.fifo"));
  unlink(p);
  if (mkfifo(p, 0600) != 0) {
    printf("SKIP fifo output: %s\n", strerror(errno));
    return;
  }
  static int8_t data[1 << 18]; /* 256 KiB: more than a pipe buffers */
  for (size_t i = 0; i < sizeof data; i++) data[i] = (int8_t)(i * 13);
  int64_t shape[1] = {sizeof data};
  for (int reader_reads = 1; reader_reads >= 0; reader_reads--) {
    pid_t pid = fork();
    if (pid == 0) { /* reader: reads everything and checks it, or closes at once */
      int fd = open(p, O_RDONLY);
      if (fd < 0) _exit(2);
      if (!reader_reads) _exit(0);
      static unsigned char got[(1 << 18) + 1024];
      size_t n = 0;
      for (ssize_t r; (r = read(fd, got + n, sizeof got - n)) > 0;) n += (size_t)r;
      _exit(n == 128 + sizeof data && memcmp(got + 128, data, sizeof data) == 0 ? 0 : 1);
    }
    wk_status s = wk_npy_save(p, WK_NPY_INT8, 1, shape, data);
    int status = -1;
    waitpid(pid, &status, 0);
    if (reader_reads) {
      CHECK(s == WK_STATUS_OK, "save to a FIFO: %s", wk_last_error());
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the FIFO's reader got other bytes");
    } else {
      CHECK(s == WK_STATUS_IO_ERROR, "save to a FIFO without reader: %s", wk_status_string(s));
    }
    struct stat st;
    CHECK(lstat(p, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO is gone after a %s save",
          reader_reads ? "good" : "failed");
  }
  unlink(p);
}

/* A character device that fails every write (ENOSPC), like /dev/full: our own node made with
 * mknod in the test directory where that is allowed (root), else /dev/full itself (then
 * unprivileged: it could not have been removed anyway).  Either way it must survive. */
static void test_save_char_device(void) {
  int64_t shape[1] = {4};
  int8_t d4[4] = {1, 2, 3, 4};
  struct stat st;
  CHECK(wk_npy_save("/dev/null", WK_NPY_INT8, 1, shape, d4) == WK_STATUS_OK, "/dev/null: %s",
        wk_last_error());
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is no longer a device");
  char full[256];
  snprintf(full, sizeof full, "%s", tmp_path("full"));
  unlink(full);
  const char *p = full;
  int fd = -1;
  if (mknod(full, S_IFCHR | 0666, makedev(1, 7)) != 0 || (fd = open(full, O_WRONLY)) < 0) {
    unlink(full);
    if (geteuid() == 0 || stat("/dev/full", &st) != 0 || !S_ISCHR(st.st_mode)) {
      printf("SKIP full-device output: cannot make a device node, and /dev/full is unsafe "
             "or absent\n");
      return;
    }
    p = "/dev/full";
  }
  if (fd >= 0) close(fd);
  clear_error();
  wk_status s = wk_npy_save(p, WK_NPY_INT8, 1, shape, d4);
  CHECK(s == WK_STATUS_IO_ERROR && strstr(wk_last_error(), p), "%s: status %s (%s)", p,
        wk_status_string(s), wk_last_error());
  if (stat(p, &st) == 0 && S_ISCHR(st.st_mode))
    printf("full device %s: %s; still a character device\n", p, wk_last_error());
  else
    CHECK(0, "%s is gone after a failed save", p);
  if (p == full) unlink(full);
}

/* ── F5: a pipe that claims a huge array fails before memory is spent on it ─────────── */

/* The loader runs in a child with a 1 GiB address-space limit (not under ASan, which reserves
 * far more): a writer streams the header claiming `dims` int8 elements, then zeros until the
 * reader goes away.  Before the cap, the reader grew its buffer until out of memory. */
static void pipe_claim_case(const char *dims) {
  char p[256];
  snprintf(p, sizeof p, "%s", tmp_path("claim.fifo"));
  unlink(p);
  if (mkfifo(p, 0600) != 0) {
    printf("SKIP pipe claim: %s\n", strerror(errno));
    return;
  }
  pid_t writer = fork();
  if (writer == 0) {
    signal(SIGPIPE, SIG_IGN);
    int fd = open(p, O_WRONLY);
    if (fd < 0) _exit(2);
    char header[128];
    int hl = snprintf(header, sizeof header,
                      "{'descr': '|i1', 'fortran_order': False, 'shape': (%s,), }\n", dims);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)hl, 0};
    static unsigned char zeros[1 << 16];
    if (write(fd, pre, 10) != 10 || write(fd, header, (size_t)hl) != hl) _exit(3);
    for (int i = 0; i < (1 << 16); i++) /* at most 4 GiB */
      if (write(fd, zeros, sizeof zeros) < 0) break;
    _exit(0);
  }
  pid_t loader = fork();
  if (loader == 0) {
    alarm(60);
#if !defined(__SANITIZE_ADDRESS__) /* GCC's macro for -fsanitize=address */
    struct rlimit rl = {(rlim_t)1 << 30, (rlim_t)1 << 30};
    setrlimit(RLIMIT_AS, &rl);
#endif
    wk_npy a;
    wk_status s = wk_npy_load(p, &a);
    int ok = s == WK_STATUS_BAD_FORMAT && strstr(wk_last_error(), "limit") != NULL;
    if (!ok)
      fprintf(stderr, "pipe claiming (%s,): status %s (%s)\n", dims, wk_status_string(s),
              wk_last_error());
    else
      printf("pipe claiming (%s,): %s\n", dims, wk_last_error());
    fflush(stdout);
    _exit(ok ? 0 : 1);
  }
  int ls = -1, ws = -1;
  waitpid(loader, &ls, 0);
  kill(writer, SIGKILL); /* ours: it may still be blocked opening or writing the FIFO */
  waitpid(writer, &ws, 0);
  CHECK(WIFEXITED(ls) && WEXITSTATUS(ls) == 0, "pipe claiming (%s,) was not refused", dims);
  unlink(p);
}

static void test_pipe_claims(void) {
  pipe_claim_case("1099511627776"); /* 1 << 40 */
  pipe_claim_case("3221225472");    /* 3 GiB: over the 2 GiB cap */
}

/* Headers as numpy (old and new) and other writers produce them. */
static void test_accepted_variants(void) {
  int8_t d6[6] = {1, -2, 3, -4, 5, -6};
  int64_t s23[2] = {2, 3}, s6[1] = {6};
  struct {
    int major;
    const char *header;
  } ok[] = {
      {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }          \n"},
      {2, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }          \n"},
      {3, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }          \n"},
      {1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i1'}\n"},
      {1, "{\"descr\":\"|i1\",\"fortran_order\":False,\"shape\":(2,3)}"},
      {1, "  { 'fortran_order' : False , 'descr' : '|i1' , 'shape' : ( 2 , 3 , ) , }\t\r\n"},
      {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2L, 3L), }\n"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char what[64];
    snprintf(what, sizeof what, "accepted header %zu", i);
    make_file("ok.npy", ok[i].major, 0, ok[i].header, d6, 6);
    wk_npy a = expect_ok("ok.npy", WK_NPY_INT8, 2, s23, what);
    if (a.data) CHECK(memcmp(a.data, d6, 6) == 0, "%s: data", what);
    wk_npy_free(&a);
  }
  make_file("ok.npy", 1, 0, "{'descr': '|u1', 'fortran_order': False, 'shape': (6,), }\n", d6, 6);
  wk_npy a = expect_ok("ok.npy", WK_NPY_UINT8, 1, s6, "uint8");
  wk_npy_free(&a);

  /* big-endian float32 is byte-swapped on load */
  unsigned char be[8] = {0x3f, 0x80, 0, 0, 0xc0, 0x00, 0, 0}; /* 1.0f, -2.0f */
  int64_t s2[1] = {2};
  make_file("be.npy", 1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", be, 8);
  a = expect_ok("be.npy", WK_NPY_FLOAT32, 1, s2, "big-endian f4");
  if (a.data) {
    float *f = a.data;
    CHECK(f[0] == 1.0f && f[1] == -2.0f, "big-endian f4 values %g %g", (double)f[0],
          (double)f[1]);
  }
  wk_npy_free(&a);

  /* 0-d and empty arrays */
  make_file("z.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", be, 4);
  a = expect_ok("z.npy", WK_NPY_FLOAT32, 0, NULL, "0-d");
  CHECK(a.nbytes == 4, "0-d nbytes %zu", a.nbytes);
  wk_npy_free(&a);
  int64_t s0[2] = {0, 1000000};
  make_file("e.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000), }\n",
            NULL, 0);
  a = expect_ok("e.npy", WK_NPY_FLOAT32, 2, s0, "empty");
  CHECK(a.nbytes == 0, "empty nbytes %zu", a.nbytes);
  wk_npy_free(&a);
}

static void test_hostile(void) {
  const unsigned char zeros[64] = {0};
  const char *good = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }\n";

  expect_fail("missing.npy", WK_STATUS_IO_ERROR, "missing file");
  expect_fail("", WK_STATUS_IO_ERROR, "directory");

  write_raw(tmp_path("empty.npy"), "", 0);
  expect_fail("empty.npy", WK_STATUS_BAD_FORMAT, "empty file");
  write_raw(tmp_path("short.npy"), "\x93NU", 3);
  expect_fail("short.npy", WK_STATUS_BAD_FORMAT, "3-byte file");
  write_raw(tmp_path("short.npy"), "\x93NUMPY\x01\x00\x40", 9);
  expect_fail("short.npy", WK_STATUS_BAD_FORMAT, "cut in the length field");
  write_raw(tmp_path("text.npy"), "hello, world, this is not numpy\n", 32);
  expect_fail("text.npy", WK_STATUS_BAD_FORMAT, "text file");

  size_t n = build_npy(big, sizeof big, 1, 0, good, zeros, 6);
  big[5] = 'Z';
  write_raw(tmp_path("m.npy"), big, n);
  expect_fail("m.npy", WK_STATUS_BAD_FORMAT, "bad magic");

  static const unsigned char versions[][2] = {{0, 0}, {1, 1}, {4, 0}, {2, 1}, {255, 255}};
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    n = build_npy(big, sizeof big, 1, 0, good, zeros, 6);
    big[6] = versions[i][0], big[7] = versions[i][1];
    write_raw(tmp_path("v.npy"), big, n);
    expect_fail("v.npy", WK_STATUS_BAD_FORMAT, "bad version");
  }

  /* header length beyond the file, and beyond the limit */
  n = build_npy(big, sizeof big, 1, 0, good, zeros, 6);
  big[8] = 0xff, big[9] = 0x7f;
  write_raw(tmp_path("h.npy"), big, n);
  expect_fail("h.npy", WK_STATUS_BAD_FORMAT, "header length beyond file");
  n = build_npy(big, sizeof big, 2, 0, good, zeros, 6);
  big[8] = 0xff, big[9] = 0xff, big[10] = 0xff, big[11] = 0xff;
  write_raw(tmp_path("h.npy"), big, n);
  expect_fail("h.npy", WK_STATUS_BAD_FORMAT, "header length 4 GiB");
  n = build_npy(big, sizeof big, 2, 0, good, zeros, 6);
  big[8] = 1, big[9] = 0, big[10] = 0x10, big[11] = 0; /* 1 MiB + 1 */
  write_raw(tmp_path("h.npy"), big, n);
  expect_fail("h.npy", WK_STATUS_BAD_FORMAT, "header length over 1 MiB");

  struct {
    const char *what, *header;
    size_t ndata;
  } bad[] = {
      {"no shape", "{'descr': '|i1', 'fortran_order': False}\n", 6},
      {"no descr", "{'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"no fortran_order", "{'descr': '|i1', 'shape': (2, 3)}\n", 6},
      {"empty dict", "{}\n", 6},
      {"empty header", "", 6},
      {"not a dict", "('descr', '|i1')\n", 6},
      {"negative dim", "{'descr': '|i1', 'fortran_order': False, 'shape': (-2, 3), }\n", 6},
      {"negative 1-d", "{'descr': '|i1', 'fortran_order': False, 'shape': (-6,), }\n", 6},
      {"product overflow",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", 6},
      {"bytes overflow",
       "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }\n", 6},
      {"empty with overflow",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }\n", 0},
      {"dim beyond int64",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", 6},
      {"huge but no overflow",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (1000000000000,), }\n", 6},
      {"descr <f8", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n", 48},
      {"descr <i2", "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }\n", 12},
      {"descr |f4", "{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24},
      {"descr i1", "{'descr': 'i1', 'fortran_order': False, 'shape': (2, 3), }\n", 6},
      {"descr object", "{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }\n", 48},
      {"structured descr",
       "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2, 3), }\n", 24},
      {"fortran order", "{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3), }\n", 6},
      {"fortran_order lower", "{'descr': '|i1', 'fortran_order': false, 'shape': (2, 3), }\n", 6},
      {"fortran_order 0", "{'descr': '|i1', 'fortran_order': 0, 'shape': (2, 3), }\n", 6},
      {"fortran_order Falsey", "{'descr': '|i1', 'fortran_order': Falsey, 'shape': (2, 3)}\n", 6},
      {"truncated data", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }\n", 5},
      {"no data", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }\n", 0},
      {"extra data", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }\n", 7},
      {"extra data, 0-d", "{'descr': '|i1', 'fortran_order': False, 'shape': (), }\n", 2},
      {"extra data, empty", "{'descr': '|i1', 'fortran_order': False, 'shape': (0,), }\n", 1},
      {"non-ASCII junk", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }\xff\xfe\n",
       6},
      {"non-ASCII key", "{'descr': '|i1', 'fortran_order': False, 'sh\xc3\xa4pe': (2, 3)}\n", 6},
      {"control byte", "{'descr': '|i1', 'fortran_order': False,\x01 'shape': (2, 3)}\n", 6},
      {"unknown key",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}\n", 6},
      {"duplicate key",
       "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3)}\n", 6},
      {"shape (6)", "{'descr': '|i1', 'fortran_order': False, 'shape': (6), }\n", 6},
      {"shape 6", "{'descr': '|i1', 'fortran_order': False, 'shape': 6, }\n", 6},
      {"shape list", "{'descr': '|i1', 'fortran_order': False, 'shape': [2, 3], }\n", 6},
      {"shape (,)", "{'descr': '|i1', 'fortran_order': False, 'shape': (,), }\n", 1},
      {"shape (2,,3)", "{'descr': '|i1', 'fortran_order': False, 'shape': (2,,3), }\n", 6},
      {"shape float", "{'descr': '|i1', 'fortran_order': False, 'shape': (2.0, 3), }\n", 6},
      {"shape hex", "{'descr': '|i1', 'fortran_order': False, 'shape': (0x2, 3), }\n", 6},
      {"shape +2", "{'descr': '|i1', 'fortran_order': False, 'shape': (+2, 3), }\n", 6},
      {"shape unclosed", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3\n", 6},
      {"9 dims", "{'descr': '|i1', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,6), }\n", 6},
      {"junk after dict", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), } x\n", 6},
      {"two dicts", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3)}{}\n", 6},
      {"unclosed dict", "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3),\n", 6},
      {"unterminated string", "{'descr': '|i1, 'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"mismatched quotes", "{'descr\": '|i1', 'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"escape in string", "{'descr': '|i\\x31', 'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"long key", "{'descrdescrdescrdescrdescrdescrdescrdescr': 1}\n", 6},
      {"long descr",
       "{'descr': '|i1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', "
       "'fortran_order': False, 'shape': (2, 3)}\n",
       6},
      {"missing colon", "{'descr' '|i1', 'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"missing comma", "{'descr': '|i1' 'fortran_order': False, 'shape': (2, 3)}\n", 6},
      {"unquoted key", "{descr: '|i1', 'fortran_order': False, 'shape': (2, 3)}\n", 6},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    expect_bad_header(bad[i].what, bad[i].header, bad[i].ndata);

  /* A NUL byte inside the header (strlen-based helpers cannot carry it). */
  n = build_npy(big, sizeof big, 1, 0, good, zeros, 6);
  big[20] = '\0';
  write_raw(tmp_path("nul.npy"), big, n);
  expect_fail("nul.npy", WK_STATUS_BAD_FORMAT, "NUL in header");
}

/* Every truncation of a valid file fails cleanly; random byte flips in the header either
 * fail cleanly or load an array whose size matches the data. */
static void test_truncations_and_mutations(void) {
  wk_test_rng rng = {7};
  int64_t shape[3] = {2, 3, 16};
  float data[96];
  for (int i = 0; i < 96; i++) data[i] = (float)i;
  CHECK(wk_npy_save(tmp_path("full.npy"), WK_NPY_FLOAT32, 3, shape, data) == WK_STATUS_OK,
        "save: %s", wk_last_error());
  FILE *f = fopen(tmp_path("full.npy"), "rb");
  size_t n = f ? fread(big, 1, sizeof big, f) : 0;
  if (f) fclose(f);
  CHECK(n == 128 + 384, "file size %zu", n);
  for (size_t len = 0; len < n; len++) {
    write_raw(tmp_path("cut.npy"), big, len);
    char what[48];
    snprintf(what, sizeof what, "truncated to %zu bytes", len);
    expect_fail("cut.npy", WK_STATUS_BAD_FORMAT, what);
  }
  unsigned char copy[1024];
  int loaded = 0;
  for (int iter = 0; iter < 3000; iter++) {
    memcpy(copy, big, n);
    int flips = wk_test_int(&rng, 1, 4);
    for (int k = 0; k < flips; k++) {
      size_t at = (size_t)wk_test_int(&rng, 0, 127);
      copy[at] = iter % 2 ? (unsigned char)wk_test_next(&rng)
                          : (unsigned char)" ,:()'{}0123456789-LTF\n"[wk_test_int(&rng, 0, 22)];
    }
    write_raw(tmp_path("mut.npy"), copy, n);
    wk_npy a;
    clear_error();
    wk_status s = wk_npy_load(tmp_path("mut.npy"), &a);
    if (s == WK_STATUS_OK) {
      loaded++;
      int64_t c = wk_npy_count(&a);
      CHECK(c >= 0 && (size_t)c * wk_npy_dtype_size(a.dtype) == a.nbytes,
            "mutation %d: inconsistent array", iter);
    } else {
      CHECK(s == WK_STATUS_BAD_FORMAT && wk_last_error()[0] != '\0',
            "mutation %d: status %s, message '%s'", iter, wk_status_string(s), wk_last_error());
    }
    wk_npy_free(&a);
  }
  printf("mutations: %d of 3000 still loaded\n", loaded);
}

/* wk_npy_load_memory (the fuzz target's entry point): the same array as the file; every
 * truncation and one extra byte fail with BAD_FORMAT naming the buffer; empty and NULL. */
static void test_load_memory(void) {
  int64_t shape[2] = {3, 5};
  float data[15];
  for (int i = 0; i < 15; i++) data[i] = (float)i - 7.5f;
  CHECK(wk_npy_save(tmp_path("mem.npy"), WK_NPY_FLOAT32, 2, shape, data) == WK_STATUS_OK,
        "save: %s", wk_last_error());
  FILE *f = fopen(tmp_path("mem.npy"), "rb");
  size_t n = f ? fread(big, 1, sizeof big - 1, f) : 0;
  if (f) fclose(f);
  wk_npy a;
  CHECK(wk_npy_load_memory(big, n, "buf", &a) == WK_STATUS_OK, "load_memory: %s", wk_last_error());
  CHECK(a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 5 && a.nbytes == sizeof data &&
            memcmp(a.data, data, sizeof data) == 0,
        "load_memory: a different array");
  wk_npy_free(&a);
  for (size_t len = 0; len <= n + 1; len++) {
    if (len == n) continue;
    const wk_status s = wk_npy_load_memory(big, len, "buf", &a);
    CHECK(s == WK_STATUS_BAD_FORMAT && strstr(wk_last_error(), "buf") && !a.data,
          "load_memory of %zu of %zu bytes: '%s' (%s)", len, n, wk_status_string(s),
          wk_last_error());
  }
  CHECK(wk_npy_load_memory(NULL, 4, "buf", &a) == WK_STATUS_INVALID_ARGUMENT, "NULL data");
  CHECK(wk_npy_load_memory(big, n, "buf", NULL) == WK_STATUS_INVALID_ARGUMENT, "NULL out");
}

/* Reading a pipe: the size is unknown in advance, so data is read as it comes. */
static void fifo_case(const char *what, const void *bytes, size_t n, wk_status want,
                      size_t want_bytes) {
  const char *p = tmp_path("fifo");
  unlink(p);
  if (mkfifo(p, 0600) != 0) {
    printf("SKIP fifo: %s\n", strerror(errno));
    return;
  }
  char fifo_path[256];
  snprintf(fifo_path, sizeof fifo_path, "%s", p);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fopen(fifo_path, "wb");
    if (f) {
      fwrite(bytes, 1, n, f);
      fclose(f);
    }
    _exit(0);
  }
  wk_npy a;
  clear_error();
  wk_status s = wk_npy_load(fifo_path, &a);
  int status;
  waitpid(pid, &status, 0);
  CHECK(s == want, "fifo %s: status %s (%s)", what, wk_status_string(s), wk_last_error());
  if (s == WK_STATUS_OK) {
    CHECK(a.nbytes == want_bytes, "fifo %s: %zu bytes", what, a.nbytes);
    CHECK(a.nbytes <= n && memcmp(a.data, (const unsigned char *)bytes + (n - a.nbytes),
                                  a.nbytes) == 0,
          "fifo %s: data differs", what);
  } else {
    CHECK(wk_last_error()[0] != '\0', "fifo %s: no message", what);
  }
  wk_npy_free(&a);
  unlink(fifo_path);
}

static void test_fifo(void) {
  const size_t nd = 3u << 20; /* 3 MiB: the buffer grows past its first 1 MiB */
  const char *header = "{'descr': '|i1', 'fortran_order': False, 'shape': (3, 1048576), }\n";
  size_t hl = strlen(header);
  unsigned char *buf = malloc(10 + hl + nd + 1);
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)hl, buf[9] = 0;
  memcpy(buf + 10, header, hl);
  for (size_t i = 0; i < nd + 1; i++) buf[10 + hl + i] = (unsigned char)(i * 7 + 3);
  fifo_case("exact", buf, 10 + hl + nd, WK_STATUS_OK, nd);
  fifo_case("truncated", buf, 10 + hl + nd - 1, WK_STATUS_BAD_FORMAT, 0);
  fifo_case("extra byte", buf, 10 + hl + nd + 1, WK_STATUS_BAD_FORMAT, 0);
  fifo_case("header cut", buf, 10 + hl / 2, WK_STATUS_BAD_FORMAT, 0);
  free(buf);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* a FIFO whose reader left: write fails with EPIPE instead */
  snprintf(dir, sizeof dir, "/tmp/wk_test_npy_XXXXXX");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  test_round_trips();
  test_save_errors();
  test_accepted_variants();
  test_hostile();
  test_truncations_and_mutations();
  test_fifo();
  test_save_failure_keeps_file();
  test_save_fifo();
  test_save_char_device();
  test_pipe_claims();
  test_load_memory();

  static const char *names[] = {"rt.npy", "hdr.npy", "f1.npy", "x.npy", "ok.npy", "be.npy",
                                "z.npy", "e.npy", "bad.npy", "empty.npy", "short.npy",
                                "text.npy", "m.npy", "v.npy", "h.npy", "nul.npy", "full.npy",
                                "cut.npy", "mut.npy", "fifo", "keep.npy", "fresh.npy",
                                "link.npy", "mem.npy"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(tmp_path(names[i]));
  if (rmdir(dir) != 0) fprintf(stderr, "note: cannot remove %s: %s\n", dir, strerror(errno));
  return wk_test_finish("test_npy");
}
