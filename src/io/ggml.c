/* ggml.c — loading whisper.cpp model files (ggml.h has the format and what is accepted).
 *
 * Every size in the file is untrusted.  The parser walks a (pointer, size) image with a cursor
 * that checks each read against the bytes left; counts and lengths are capped before anything
 * is allocated, element counts and byte sizes are computed with overflow-checked 64-bit
 * arithmetic, and a tensor's data must lie inside the file before it is recorded.  Allocations
 * are sized only from the hparams (after their caps) and from counts already proven to fit in
 * the file. */
#include "io/ggml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"

#define MAX_NAME 256          /* longest tensor name accepted (Whisper's are < 48) */
#define MAX_TOKEN_BYTES 1024  /* longest vocabulary entry accepted (Whisper's are < 130) */

/* ── the model object ──────────────────────────────────────────────────────────────────────── */

struct wk_model {
  wk_model_hparams hp; /* ftype without the quantization version */
  int qntvr;
  const uint8_t *file; /* [file_size] the whole file image */
  size_t file_size;
  void *map;           /* mmap base (munmap on free), or NULL */
  int fd;              /* the mapped file, open until free (tensors are read with pread), or −1 */
  uint8_t *owned;      /* the copy/read buffer (wk_free), or NULL */
  float *mel;          /* [n_mels][201] */
  int n_tokens;
  uint8_t *vocab;      /* the vocabulary's bytes, copied (nothing reads the mapping after load
                        * but the weights, with pread) */
  uint64_t *tok_off;   /* [n_tokens] offset of each token's bytes in vocab */
  uint32_t *tok_len;   /* [n_tokens] */
  int n_tensors;
  wk_ggml_tensor *tensors; /* [n_tensors], sorted by name (bsearch) */
  char *names;             /* every tensor name, NUL-terminated, back to back */
};

/* ── the tensors Whisper has, from the hparams ─────────────────────────────────────────────── */

typedef enum { VEC, POS, CONV_B, CONV_W, MAT } tensor_kind;

typedef struct expected {
  const char *name;
  tensor_kind kind;
  int n_dims;
  int64_t ne[4];
} expected;

typedef struct table {
  expected *e; /* [n] */
  int n;
  char *names; /* the names' storage */
  size_t names_used, names_cap;
} table;

static void add(table *t, tensor_kind kind, int n_dims, int64_t ne0, int64_t ne1, int64_t ne2,
                const char *fmt, int layer) {
  expected *e = &t->e[t->n++];
  char *dst = t->names + t->names_used;
  const int len = snprintf(dst, t->names_cap - t->names_used, fmt, layer);
  t->names_used += (size_t)len + 1;
  e->name = dst, e->kind = kind, e->n_dims = n_dims;
  e->ne[0] = ne0, e->ne[1] = ne1, e->ne[2] = ne2, e->ne[3] = 1;
}

static const char *const attn_parts[] = {"attn", "cross_attn"};

static void add_attention(table *t, const char *prefix, const char *part, int i, int64_t d) {
  char fmt[96];
#define A(kind, nd, a, b, suffix)                                                               \
  snprintf(fmt, sizeof fmt, "%s.blocks.%%d.%s" suffix, prefix, part), add(t, kind, nd, a, b, 1, fmt, i)
  A(MAT, 2, d, d, ".query.weight");
  A(VEC, 1, d, 1, ".query.bias");
  A(MAT, 2, d, d, ".key.weight");
  A(MAT, 2, d, d, ".value.weight");
  A(VEC, 1, d, 1, ".value.bias");
  A(MAT, 2, d, d, ".out.weight");
  A(VEC, 1, d, 1, ".out.bias");
  A(VEC, 1, d, 1, "_ln.weight");
  A(VEC, 1, d, 1, "_ln.bias");
#undef A
}

static void add_mlp(table *t, const char *prefix, int i, int64_t d) {
  char fmt[96];
#define M(kind, nd, a, b, suffix)                                                               \
  snprintf(fmt, sizeof fmt, "%s.blocks.%%d" suffix, prefix), add(t, kind, nd, a, b, 1, fmt, i)
  M(MAT, 2, d, 4 * d, ".mlp.0.weight");
  M(VEC, 1, 4 * d, 1, ".mlp.0.bias");
  M(MAT, 2, 4 * d, d, ".mlp.2.weight");
  M(VEC, 1, d, 1, ".mlp.2.bias");
  M(VEC, 1, d, 1, ".mlp_ln.weight");
  M(VEC, 1, d, 1, ".mlp_ln.bias");
#undef M
}

/* Fills t with every tensor in the order convert-pt-to-ggml.py writes them (hparams already
 * range-checked, so the counts are small). */
static wk_status build_table(const wk_model_hparams *hp, table *t) {
  const int n = 11 + 15 * hp->n_audio_layer + 24 * hp->n_text_layer;
  t->e = wk_alloc_array((size_t)n, sizeof(expected));
  t->names_cap = (size_t)n * 64;
  t->names = wk_alloc(t->names_cap);
  t->n = 0, t->names_used = 0;
  if (!t->e || !t->names) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  const int64_t d = hp->n_audio_state, dt = hp->n_text_state;
  add(t, POS, 2, d, hp->n_audio_ctx, 1, "encoder.positional_embedding", 0);
  add(t, CONV_W, 3, 3, hp->n_mels, d, "encoder.conv1.weight", 0);
  add(t, CONV_B, 2, 1, d, 1, "encoder.conv1.bias", 0);
  add(t, CONV_W, 3, 3, d, d, "encoder.conv2.weight", 0);
  add(t, CONV_B, 2, 1, d, 1, "encoder.conv2.bias", 0);
  for (int i = 0; i < hp->n_audio_layer; i++) {
    add_attention(t, "encoder", attn_parts[0], i, d);
    add_mlp(t, "encoder", i, d);
  }
  add(t, VEC, 1, d, 1, 1, "encoder.ln_post.weight", 0);
  add(t, VEC, 1, d, 1, 1, "encoder.ln_post.bias", 0);
  add(t, POS, 2, dt, hp->n_text_ctx, 1, "decoder.positional_embedding", 0);
  add(t, MAT, 2, dt, hp->n_vocab, 1, "decoder.token_embedding.weight", 0);
  for (int i = 0; i < hp->n_text_layer; i++) {
    add_attention(t, "decoder", attn_parts[0], i, dt);
    add_attention(t, "decoder", attn_parts[1], i, dt);
    add_mlp(t, "decoder", i, dt);
  }
  add(t, VEC, 1, dt, 1, 1, "decoder.ln.weight", 0);
  add(t, VEC, 1, dt, 1, 1, "decoder.ln.bias", 0);
  return t->n == n ? WK_STATUS_OK : wk_error(WK_STATUS_INTERNAL, "model: tensor table miscounted");
}

static int cmp_expected(const void *a, const void *b) {
  return strcmp(((const expected *)a)->name, ((const expected *)b)->name);
}

/* ── a bounds-checked cursor ───────────────────────────────────────────────────────────────── */

typedef struct cursor {
  const uint8_t *p;
  size_t size, pos;
} cursor;

static int read_i32(cursor *c, int32_t *v) {
  if (c->size - c->pos < 4) return 0;
  const uint8_t *b = c->p + c->pos;
  *v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
  c->pos += 4;
  return 1;
}

static wk_status truncated(const cursor *c, const char *what) {
  return wk_error(WK_STATUS_BAD_FORMAT, "model: truncated: the file ends in %s (%zu bytes)", what,
                  c->size);
}

/* ── hparams ───────────────────────────────────────────────────────────────────────────────── */

static int ftype_type(int ftype) { /* ggml ftype → the type of its matrices; -1: unsupported */
  switch (ftype) {
  case 0: return WK_GGML_F32;
  case 1: return WK_GGML_F16;
  case 2: return WK_GGML_Q4_0;
  case 3: return WK_GGML_Q4_1;
  case 7: return WK_GGML_Q8_0;
  case 8: return WK_GGML_Q5_0;
  case 9: return WK_GGML_Q5_1;
  case 10: return WK_GGML_Q2_K;
  case 11: return WK_GGML_Q3_K;
  case 12: return WK_GGML_Q4_K;
  case 13: return WK_GGML_Q5_K;
  case 14: return WK_GGML_Q6_K;
  }
  return -1;
}

static wk_status check_range(const char *field, int32_t v, int32_t lo, int32_t hi) {
  if (v < lo || v > hi)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: %s = %d outside %d … %d", field, v, lo, hi);
  return WK_STATUS_OK;
}

static wk_status check_heads(const char *which, int32_t d, int32_t heads) {
  if (d % heads)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: n_%s_state %d not divisible by n_%s_head %d",
                    which, d, which, heads);
  const int32_t hd = d / heads;
  if (hd % 16 || hd < 16 || hd > 128)
    return wk_error(WK_STATUS_BAD_FORMAT,
                    "model: hparams: %s head dim %d (n_%s_state / n_%s_head) is not a multiple of "
                    "16 within 16 … 128", which, hd, which, which);
  return WK_STATUS_OK;
}

static wk_status read_hparams(cursor *c, wk_model *m) {
  int32_t v[11];
  static const char *const names[11] = {"n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head",
                                        "n_audio_layer", "n_text_ctx", "n_text_state",
                                        "n_text_head", "n_text_layer", "n_mels", "ftype"};
  for (int i = 0; i < 11; i++)
    if (!read_i32(c, &v[i])) {
      char what[64];
      snprintf(what, sizeof what, "the hparams (%s)", names[i]);
      return truncated(c, what);
    }
  wk_model_hparams *hp = &m->hp;
  hp->n_vocab = v[0], hp->n_audio_ctx = v[1], hp->n_audio_state = v[2], hp->n_audio_head = v[3];
  hp->n_audio_layer = v[4], hp->n_text_ctx = v[5], hp->n_text_state = v[6];
  hp->n_text_head = v[7], hp->n_text_layer = v[8], hp->n_mels = v[9];
  wk_status s;
  if ((s = check_range("n_vocab", hp->n_vocab, 256, 1 << 20)) ||
      (s = check_range("n_audio_ctx", hp->n_audio_ctx, 1, 16384)) ||
      (s = check_range("n_audio_state", hp->n_audio_state, 16, 8192)) ||
      (s = check_range("n_audio_head", hp->n_audio_head, 1, 256)) ||
      (s = check_range("n_audio_layer", hp->n_audio_layer, 1, 128)) ||
      (s = check_range("n_text_ctx", hp->n_text_ctx, 1, 16384)) ||
      (s = check_range("n_text_state", hp->n_text_state, 16, 8192)) ||
      (s = check_range("n_text_head", hp->n_text_head, 1, 256)) ||
      (s = check_range("n_text_layer", hp->n_text_layer, 1, 128)) ||
      (s = check_heads("audio", hp->n_audio_state, hp->n_audio_head)) ||
      (s = check_heads("text", hp->n_text_state, hp->n_text_head)))
    return s;
  if (hp->n_text_state != hp->n_audio_state)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: n_text_state %d differs from n_audio_state %d",
                    hp->n_text_state, hp->n_audio_state);
  if (hp->n_mels != 80 && hp->n_mels != 128)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: n_mels = %d (Whisper uses 80 or 128)",
                    hp->n_mels);
  if (v[10] < 0)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: ftype = %d is negative", v[10]);
  const int ftype = v[10] % WK_GGML_QNT_VERSION_FACTOR, qntvr = v[10] / WK_GGML_QNT_VERSION_FACTOR;
  if (ftype_type(ftype) < 0)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: hparams: unsupported ftype %d", ftype);
  const int want = ftype >= 2 ? WK_GGML_QNT_VERSION : 0;
  if (qntvr != want)
    return wk_error(WK_STATUS_BAD_FORMAT,
                    "model: hparams: ftype %d (%s) with quantization version %d (supported: %d)",
                    ftype, wk_ggml_type_name(ftype_type(ftype)), qntvr, want);
  hp->ftype = ftype, m->qntvr = qntvr;
  return WK_STATUS_OK;
}

/* ── mel filters and vocabulary ────────────────────────────────────────────────────────────── */

static wk_status read_mel(cursor *c, wk_model *m) {
  int32_t n_mel, n_fft;
  if (!read_i32(c, &n_mel) || !read_i32(c, &n_fft)) return truncated(c, "the mel filter header");
  if (n_mel != m->hp.n_mels || n_fft != 201)
    return wk_error(WK_STATUS_BAD_FORMAT,
                    "model: mel filters: shape [%d][%d], expected [%d][201] (n_mels from the hparams)",
                    n_mel, n_fft, m->hp.n_mels);
  const size_t bytes = (size_t)n_mel * 201 * 4;
  if (c->size - c->pos < bytes) return truncated(c, "the mel filters");
  m->mel = wk_alloc(bytes);
  if (!m->mel) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  memcpy(m->mel, c->p + c->pos, bytes); /* little-endian host; the file offset may be unaligned */
  c->pos += bytes;
  return WK_STATUS_OK;
}

static wk_status read_vocab(cursor *c, wk_model *m) {
  int32_t count;
  if (!read_i32(c, &count)) return truncated(c, "the vocabulary count");
  if (count < 0 || count > m->hp.n_vocab)
    return wk_error(WK_STATUS_BAD_FORMAT, "model: vocabulary: count %d outside 0 … n_vocab (%d)",
                    count, m->hp.n_vocab);
  /* each token takes at least its 4-byte length: a count the file cannot hold is rejected
   * before the arrays are allocated */
  if ((size_t)count > (c->size - c->pos) / 4) {
    char what[96];
    snprintf(what, sizeof what, "the vocabulary (%d tokens declared)", count);
    return truncated(c, what);
  }
  m->tok_off = wk_alloc_array((size_t)count, sizeof *m->tok_off);
  m->tok_len = wk_alloc_array((size_t)count, sizeof *m->tok_len);
  if (!m->tok_off || !m->tok_len) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  const size_t start = c->pos;
  for (int32_t i = 0; i < count; i++) {
    int32_t len;
    if (!read_i32(c, &len)) {
      char what[64];
      snprintf(what, sizeof what, "the vocabulary (length of token %d)", i);
      return truncated(c, what);
    }
    if (len < 0 || len > MAX_TOKEN_BYTES)
      return wk_error(WK_STATUS_BAD_FORMAT, "model: vocabulary: token %d has length %d (max %d)", i,
                      len, MAX_TOKEN_BYTES);
    if (c->size - c->pos < (size_t)len) {
      char what[64];
      snprintf(what, sizeof what, "the vocabulary (bytes of token %d)", i);
      return truncated(c, what);
    }
    m->tok_off[i] = c->pos - start, m->tok_len[i] = (uint32_t)len;
    c->pos += (size_t)len;
  }
  m->vocab = wk_alloc(c->pos - start + 1); /* bytes the file holds: no larger than it */
  if (!m->vocab) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory (vocabulary)");
  memcpy(m->vocab, c->p + start, c->pos - start);
  m->n_tokens = count;
  return WK_STATUS_OK;
}

/* ── tensors ───────────────────────────────────────────────────────────────────────────────── */

static const char *kind_types(tensor_kind k) {
  return k == MAT ? "f32, f16 or the ftype's type" : k == CONV_W ? "f32 or f16" : "f32";
}

static int type_allowed(tensor_kind k, int type, int ftype) {
  switch (k) {
  case VEC:
  case POS:
  case CONV_B: return type == WK_GGML_F32;
  case CONV_W: return type == WK_GGML_F32 || type == WK_GGML_F16;
  case MAT: return type == WK_GGML_F32 || type == WK_GGML_F16 || type == ftype_type(ftype);
  }
  return 0;
}

static void format_shape(char *buf, size_t cap, int n_dims, const int64_t *ne) {
  size_t used = (size_t)snprintf(buf, cap, "[");
  for (int i = 0; i < n_dims && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, i ? ", %lld" : "%lld", (long long)ne[i]);
  if (used < cap) snprintf(buf + used, cap - used, "]");
}

static wk_status read_tensors(cursor *c, wk_model *m, const table *t) {
  /* t->e sorted by name; seen[] marks the ones read */
  unsigned char *seen = calloc((size_t)t->n, 1);
  m->tensors = wk_alloc_array((size_t)t->n, sizeof(wk_ggml_tensor));
  if (!seen || !m->tensors) {
    free(seen);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  }
  memset(m->tensors, 0, (size_t)t->n * sizeof(wk_ggml_tensor));
  wk_status s = WK_STATUS_OK;
  int count = 0;
  char what[MAX_NAME + 96];
  while (c->pos < c->size) {
    const int idx = count; /* ordinal in the file, for messages before the name is known */
    int32_t n_dims, name_len, type;
    if (!read_i32(c, &n_dims) || !read_i32(c, &name_len) || !read_i32(c, &type)) {
      snprintf(what, sizeof what, "the header of tensor #%d", idx);
      s = truncated(c, what);
      goto done;
    }
    if (n_dims < 1 || n_dims > 4) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor #%d: n_dims = %d outside 1 … 4", idx, n_dims);
      goto done;
    }
    if (name_len < 1 || name_len > MAX_NAME) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor #%d: name length %d outside 1 … %d", idx,
                   name_len, MAX_NAME);
      goto done;
    }
    int64_t ne[4] = {1, 1, 1, 1};
    uint64_t nelem = 1;
    for (int i = 0; i < n_dims; i++) {
      int32_t v;
      if (!read_i32(c, &v)) {
        snprintf(what, sizeof what, "the dimensions of tensor #%d", idx);
        s = truncated(c, what);
        goto done;
      }
      if (v < 1) {
        s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor #%d: dimension ne[%d] = %d (must be ≥ 1)",
                     idx, i, v);
        goto done;
      }
      ne[i] = v;
      if (__builtin_mul_overflow(nelem, (uint64_t)v, &nelem)) {
        s = wk_error(WK_STATUS_BAD_FORMAT,
                     "model: tensor #%d: element count overflows 64 bits (dimension ne[%d] = %d)",
                     idx, i, v);
        goto done;
      }
    }
    if (c->size - c->pos < (size_t)name_len) {
      snprintf(what, sizeof what, "the name of tensor #%d", idx);
      s = truncated(c, what);
      goto done;
    }
    char name[MAX_NAME + 1];
    memcpy(name, c->p + c->pos, (size_t)name_len);
    name[name_len] = 0;
    c->pos += (size_t)name_len;
    for (int i = 0; i < name_len; i++) /* printable names only: they go into messages */
      if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f) {
        s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor #%d: name has a non-printable byte 0x%02x at %d",
                     idx, (unsigned char)name[i], i);
        goto done;
      }
    const expected key = {name, VEC, 0, {0}};
    const expected *e = bsearch(&key, t->e, (size_t)t->n, sizeof(expected), cmp_expected);
    if (!e) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor #%d: unknown tensor '%s'", idx, name);
      goto done;
    }
    const size_t k = (size_t)(e - t->e);
    if (seen[k]) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor '%s': duplicated (second copy is tensor #%d)",
                   name, idx);
      goto done;
    }
    seen[k] = 1;
    if (n_dims != e->n_dims || memcmp(ne, e->ne, sizeof ne) != 0) {
      char got[96], want[96];
      format_shape(got, sizeof got, n_dims, ne);
      format_shape(want, sizeof want, e->n_dims, e->ne);
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor '%s': shape (ne) %s, expected %s", name, got,
                   want);
      goto done;
    }
    const int blk = wk_ggml_block_size(type);
    if (blk == 0) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor '%s': unknown or unsupported type %d", name,
                   type);
      goto done;
    }
    if (!type_allowed(e->kind, type, m->hp.ftype)) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor '%s': type %s where %s is expected (ftype %s)",
                   name, wk_ggml_type_name(type), kind_types(e->kind),
                   wk_ggml_type_name(ftype_type(m->hp.ftype)));
      goto done;
    }
    if (ne[0] % blk) {
      s = wk_error(WK_STATUS_BAD_FORMAT,
                   "model: tensor '%s': row length ne[0] = %lld is not a multiple of %s's block %d",
                   name, (long long)ne[0], wk_ggml_type_name(type), blk);
      goto done;
    }
    /* bytes = nelem / blk · block_bytes: nelem ≤ 2^62 after the shape check (shapes come from
     * capped hparams), so this cannot overflow; checked anyway */
    uint64_t nbytes;
    if (__builtin_mul_overflow(nelem / (uint64_t)blk, (uint64_t)wk_ggml_block_bytes(type), &nbytes) ||
        nbytes > c->size - c->pos) {
      snprintf(what, sizeof what, "the data of tensor '%s' (%llu bytes needed)", name,
               (unsigned long long)nbytes);
      s = truncated(c, what);
      goto done;
    }
    wk_ggml_tensor *dst = &m->tensors[k];
    dst->name = e->name, dst->type = type, dst->n_dims = n_dims;
    memcpy(dst->ne, ne, sizeof ne);
    dst->data = c->p + c->pos, dst->nbytes = (size_t)nbytes;
    c->pos += (size_t)nbytes;
    if (++count == t->n) break; /* every tensor read */
  }
  if (count < t->n) {
    for (int k = 0; k < t->n; k++)
      if (!seen[k]) {
        s = wk_error(WK_STATUS_BAD_FORMAT,
                     "model: missing tensor '%s' (the file ends after %d of %d tensors)",
                     t->e[k].name, count, t->n);
        goto done;
      }
  }
  if (c->pos != c->size) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "model: trailing garbage: %zu bytes after the last tensor",
                 c->size - c->pos);
    goto done;
  }
  m->n_tensors = t->n;
done:
  free(seen);
  return s;
}

/* ── load ──────────────────────────────────────────────────────────────────────────────────── */

static wk_status parse(wk_model *m) {
  cursor c = {m->file, m->file_size, 0};
  int32_t magic;
  if (!read_i32(&c, &magic)) return truncated(&c, "the magic");
  if ((uint32_t)magic != WK_GGML_MAGIC)
    return wk_error(WK_STATUS_BAD_FORMAT,
                    "model: bad magic 0x%08x (a whisper.cpp ggml file starts with 0x%08x)",
                    (uint32_t)magic, WK_GGML_MAGIC);
  wk_status s;
  if ((s = read_hparams(&c, m)) || (s = read_mel(&c, m)) || (s = read_vocab(&c, m))) return s;
  table t = {0};
  if (!(s = build_table(&m->hp, &t))) {
    qsort(t.e, (size_t)t.n, sizeof(expected), cmp_expected);
    s = read_tensors(&c, m, &t);
  }
  wk_free(t.e);
  /* the tensors' names point into the table's storage: keep it */
  if (s) wk_free(t.names);
  else m->names = t.names;
  return s;
}

void wk_model_free(wk_model *m) {
  if (!m) return;
  if (m->map) munmap(m->map, m->file_size);
  if (m->fd >= 0) close(m->fd);
  wk_free(m->owned);
  wk_free(m->mel);
  wk_free(m->vocab);
  wk_free(m->tok_off);
  wk_free(m->tok_len);
  wk_free(m->tensors);
  wk_free(m->names);
  wk_free(m);
}

static wk_status finish(wk_model *m, wk_model **out) {
  const wk_status s = parse(m);
  if (s) {
    wk_model_free(m);
    return s;
  }
  *out = m;
  return WK_STATUS_OK;
}

static wk_model *new_model(void) {
  wk_model *m = wk_alloc(sizeof *m);
  if (m) memset(m, 0, sizeof *m), m->fd = -1;
  return m;
}

WK_API wk_status wk_model_load_memory(const void *data, size_t size, wk_model **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load_memory: out is NULL");
  *out = NULL;
  if (!data && size) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load_memory: data is NULL");
  wk_model *m = new_model();
  if (!m || !(m->owned = wk_alloc(size))) {
    wk_model_free(m);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: cannot allocate a %zu-byte copy", size);
  }
  if (size) memcpy(m->owned, data, size);
  m->file = m->owned, m->file_size = size;
  return finish(m, out);
}

wk_status wk_model_load_view(const void *data, size_t size, wk_model **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load_view: out is NULL");
  *out = NULL;
  if (!data && size) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load_view: data is NULL");
  wk_model *m = new_model();
  if (!m) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  m->file = data, m->file_size = size;
  return finish(m, out);
}

/* Reads a non-seekable stream (a pipe) to its end, doubling the buffer (capped at 64 GiB). */
static wk_status read_stream(int fd, const char *path, wk_model *m) {
  size_t cap = 1 << 20, used = 0;
  uint8_t *buf = wk_alloc(cap);
  if (!buf) return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  for (;;) {
    if (used == cap) {
      if (cap >= ((size_t)1 << 36)) {
        wk_free(buf);
        return wk_error(WK_STATUS_BAD_FORMAT, "model: '%s' is larger than 64 GiB", path);
      }
      uint8_t *bigger = wk_alloc(cap * 2);
      if (!bigger) {
        wk_free(buf);
        return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory reading '%s'", path);
      }
      memcpy(bigger, buf, used);
      wk_free(buf);
      buf = bigger, cap *= 2;
    }
    const ssize_t r = read(fd, buf + used, cap - used);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      wk_free(buf);
      return wk_error(WK_STATUS_IO_ERROR, "model: cannot read '%s': %s", path, strerror(errno));
    }
    if (r == 0) break;
    used += (size_t)r;
  }
  m->owned = buf, m->file = buf, m->file_size = used;
  return WK_STATUS_OK;
}

WK_API wk_status wk_model_load(const char *path, wk_model **out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load: out is NULL");
  *out = NULL;
  if (!path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_load: path is NULL");
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return wk_error(WK_STATUS_IO_ERROR, "model: cannot open '%s': %s", path, strerror(errno));
  wk_model *m = new_model();
  if (!m) {
    close(fd);
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory");
  }
  struct stat st;
  wk_status s = WK_STATUS_OK;
  if (fstat(fd, &st) != 0) {
    s = wk_error(WK_STATUS_IO_ERROR, "model: cannot stat '%s': %s", path, strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    s = wk_error(WK_STATUS_IO_ERROR, "model: '%s' is a directory", path);
  } else if (S_ISREG(st.st_mode) && st.st_size > 0) {
    if ((uint64_t)st.st_size > SIZE_MAX) {
      s = wk_error(WK_STATUS_BAD_FORMAT, "model: '%s' is too large to map", path);
    } else {
      /* read-only private mapping: the weights are paged in on first use and shared with the
       * page cache (no copy of a multi-GB file) */
      void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED)
        s = wk_error(WK_STATUS_IO_ERROR, "model: cannot map '%s': %s", path, strerror(errno));
      else
        m->map = p, m->file = p, m->file_size = (size_t)st.st_size, m->fd = fd;
    }
  } else {
    s = read_stream(fd, path, m); /* a pipe, or an empty regular file */
  }
  if (m->fd != fd) close(fd);
  if (s) {
    wk_model_free(m);
    return s;
  }
  s = finish(m, out);
  /* Parsing mapped the pages around every header (fault-around); the weights are read with
   * pread, so none is needed again (MADV_DONTNEED on a read-only private file mapping: a later
   * read maps it again from the page cache). */
  if (!s && m->map) madvise(m->map, m->file_size, MADV_DONTNEED);
  return s;
}

/* ── describe and access ───────────────────────────────────────────────────────────────────── */

static const char *size_name(const wk_model_hparams *hp) {
  static const struct { int layers, d; const char *name; } sizes[] = {
      {4, 384, "tiny"}, {6, 512, "base"}, {12, 768, "small"}, {24, 1024, "medium"}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (hp->n_audio_layer == sizes[i].layers && hp->n_audio_state == sizes[i].d) return sizes[i].name;
  if (hp->n_audio_layer == 32 && hp->n_audio_state == 1280) {
    if (hp->n_vocab == 51866) return hp->n_text_layer == 4 ? "large-v3-turbo" : "large-v3";
    return "large";
  }
  return "custom";
}

WK_API wk_status wk_model_describe(const wk_model *m, wk_model_info *info) {
  if (!m || !info) return wk_error(WK_STATUS_INVALID_ARGUMENT, "wk_model_describe: NULL argument");
  const wk_model_hparams *hp = &m->hp;
  memset(info, 0, sizeof *info);
  info->n_vocab = hp->n_vocab;
  info->n_audio_ctx = hp->n_audio_ctx, info->n_audio_state = hp->n_audio_state;
  info->n_audio_head = hp->n_audio_head, info->n_audio_layer = hp->n_audio_layer;
  info->n_text_ctx = hp->n_text_ctx, info->n_text_state = hp->n_text_state;
  info->n_text_head = hp->n_text_head, info->n_text_layer = hp->n_text_layer;
  info->n_mels = hp->n_mels;
  info->ftype = hp->ftype, info->quant_version = m->qntvr;
  info->ftype_name = wk_ggml_type_name(ftype_type(hp->ftype));
  info->size = size_name(hp);
  info->multilingual = hp->n_vocab >= 51865;
  info->n_vocab_stored = m->n_tokens;
  info->n_tensors = m->n_tensors;
  info->file_bytes = m->file_size;
  info->mel_filters = wk_model_mel_filters(m, NULL, NULL);
  return WK_STATUS_OK;
}

static int cmp_tensor_name(const void *key, const void *t) {
  return strcmp((const char *)key, ((const wk_ggml_tensor *)t)->name);
}

const wk_ggml_tensor *wk_model_tensor(const wk_model *m, const char *name) {
  if (!m || !name) return NULL;
  return bsearch(name, m->tensors, (size_t)m->n_tensors, sizeof(wk_ggml_tensor), cmp_tensor_name);
}

int wk_model_n_tensors(const wk_model *m) { return m->n_tensors; }

const wk_ggml_tensor *wk_model_tensor_at(const wk_model *m, int i) {
  return i >= 0 && i < m->n_tensors ? &m->tensors[i] : NULL;
}

const float *wk_model_mel_filters(const wk_model *m, int *n_mels, int *n_fft) {
  if (n_mels) *n_mels = m->hp.n_mels;
  if (n_fft) *n_fft = 201;
  return m->mel;
}

int wk_model_vocab_size(const wk_model *m) { return m->n_tokens; }

const uint8_t *wk_model_token(const wk_model *m, int id, size_t *len) {
  if (id < 0 || id >= m->n_tokens) return NULL;
  if (len) *len = m->tok_len[id];
  return m->vocab + m->tok_off[id];
}

/* ── the encoder's weights in fp32 ─────────────────────────────────────────────────────────── */

/* Reads `size` bytes at file offset `off` of a mapped model (pread, retried on EINTR and short
 * reads).  0, or −1 with errno set (0 for a file that shrank since it was mapped). */
static int read_at(int fd, void *buf, size_t size, uint64_t off) {
  for (uint8_t *p = buf; size;) {
    const ssize_t r = pread(fd, p, size, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = 0;
      return -1;
    }
    p += r, size -= (size_t)r, off += (uint64_t)r;
  }
  return 0;
}

#define DEQUANT_CHUNK_BYTES (64 * 1024) /* source bytes per read: with their floats in L2, and
                                          * under malloc's mmap threshold */

/* A model as a tensor source, and the threads that may share its dequantization (or NULL). */
typedef struct model_source {
  const wk_model *m;
  wk_threadpool *pool;
} model_source;

/* One tensor's dequantization, in chunks of whole blocks (a task each). */
typedef struct dequant_job {
  const wk_model *m;
  const wk_ggml_tensor *t;
  float *dst;
  size_t n, chunk;    /* values: all, per chunk */
  uint8_t *bufs;      /* [threads][chunk bytes] for pread (a file), or NULL (bytes in memory) */
  int *fail, *errnos; /* [tasks]: 0, 1 (read: errnos), 2 (NaN or ±∞) */
} dequant_job;

static void dequant_task(void *ctx, size_t task, int thread) {
  const dequant_job *j = ctx;
  const wk_ggml_tensor *t = j->t;
  const size_t qk = (size_t)wk_ggml_block_size(t->type);
  const size_t bytes = (size_t)wk_ggml_block_bytes(t->type);
  const size_t v = task * j->chunk, nv = j->n - v < j->chunk ? j->n - v : j->chunk;
  const uint8_t *src = t->data + v / qk * bytes;
  j->fail[task] = 0;
  if (j->bufs) {
    uint8_t *buf = j->bufs + (size_t)thread * (j->chunk / qk * bytes);
    if (read_at(j->m->fd, buf, nv / qk * bytes, (uint64_t)(src - j->m->file)) != 0) {
      j->fail[task] = 1, j->errnos[task] = errno;
      return;
    }
    src = buf;
  }
  wk_ggml_dequantize_row(t->type, src, j->dst + v, nv);
  if (!wk_all_finite(j->dst + v, nv)) j->fail[task] = 2;
}

/* Dequantizes tensor `name` (shape already checked at load) into dst; NaN/∞ is an error.
 * From a mapped file the data is read with pread in 64-KB chunks rather than through the
 * mapping: faulting the mapping in costs more than the copy (measured on a Zen 5 VM, 39 MB of a
 * large-v3 f16 file to fp32: 22–24 ms through the mapping, 8–14 ms by pread), and a file
 * truncated after loading is an error, not a SIGBUS.  Each chunk is checked while it is in
 * cache; with a pool the chunks are shared among its threads. */
static wk_status dequant(const void *arg, const char *name, float *dst, size_t n) {
  const model_source *ms = arg;
  const wk_model *m = ms->m;
  const wk_ggml_tensor *t = wk_model_tensor(m, name);
  if (!t) return wk_error(WK_STATUS_INTERNAL, "model: tensor '%s' not loaded", name);
  const size_t qk = (size_t)wk_ggml_block_size(t->type);
  const size_t bytes = (size_t)wk_ggml_block_bytes(t->type);
  const size_t chunk = DEQUANT_CHUNK_BYTES / bytes * qk; /* > 0: every block is < 1 KB */
  const size_t tasks = (n + chunk - 1) / chunk; /* n: whole blocks (checked at load) */
  const int threads = tasks > 1 ? wk_threadpool_size(ms->pool) : 1; /* buffers in use at once */
  dequant_job j = {m, t, dst, n, chunk, NULL, wk_alloc_array(tasks, sizeof(int)),
                   wk_alloc_array(tasks, sizeof(int))};
  if (m->fd >= 0) j.bufs = wk_alloc_array((size_t)threads, chunk / qk * bytes);
  wk_status s = WK_STATUS_OK;
  if (!j.fail || !j.errnos || (m->fd >= 0 && !j.bufs)) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "model: out of memory reading tensor '%s'", name);
  } else {
    wk_threadpool_run(ms->pool, tasks, dequant_task, &j); /* inline for one task or no pool */
    for (size_t k = 0; k < tasks && !s; k++) {
      if (j.fail[k] == 1)
        s = wk_error(WK_STATUS_IO_ERROR, "model: cannot read tensor '%s' (%zu bytes at offset %llu): %s",
                     name, t->nbytes, (unsigned long long)(t->data - m->file),
                     j.errnos[k] ? strerror(j.errnos[k]) : "the file is shorter than when it was loaded");
      else if (j.fail[k] == 2)
        s = wk_error(WK_STATUS_BAD_FORMAT, "model: tensor '%s' holds NaN or infinite values", name);
    }
  }
  wk_free(j.bufs), wk_free(j.fail), wk_free(j.errnos);
  return s;
}

/* The fp32 weights of one part of the model live in one block: a struct array (the layers),
 * then every tensor from the source in turn, each rounded up to 16 floats (64 bytes). */
typedef struct f32_arena {
  wk_tensor_source src;
  const void *arg;
  float *block, *p; /* the block; the next tensor's place */
  size_t total;     /* floats in the block */
  wk_status s;      /* the first failure; later takes are skipped */
} f32_arena;

static wk_status arena_open(f32_arena *a, wk_tensor_source src, const void *arg,
                            size_t head_bytes, size_t floats) {
  const size_t head = wk_round_up(head_bytes, 64) / sizeof(float);
  *a = (f32_arena){src, arg, NULL, NULL, head + floats, WK_STATUS_OK};
  a->block = wk_alloc_array(a->total, sizeof(float));
  if (!a->block)
    return wk_error(WK_STATUS_OUT_OF_MEMORY, "model: cannot allocate %zu fp32 weights", a->total);
  a->p = a->block + head;
  return WK_STATUS_OK;
}

/* The next n floats of the block, filled with the tensor named by fmt (printf-style). */
static const float *take(f32_arena *a, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const float *take(f32_arena *a, size_t n, const char *fmt, ...) {
  char name[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  float *q = a->p;
  if (!a->s) a->s = a->src(a->arg, name, q, n);
  a->p += wk_round_up(n, 16);
  return q;
}

/* Ends the arena: on success hands the block to *storage, else frees it. */
static wk_status arena_close(f32_arena *a, float **storage) {
  if (!a->s && (size_t)(a->p - a->block) > a->total)
    a->s = wk_error(WK_STATUS_INTERNAL, "model: fp32 block overrun");
  if (a->s) {
    wk_free(a->block);
    return a->s;
  }
  *storage = a->block;
  return WK_STATUS_OK;
}

/* Block i's MLP of `part` ("encoder" or "decoder"): mlp_ln, mlp.0 (fc1), mlp.2 (fc2). */
typedef struct mlp_f32 {
  const float *ln_g, *ln_b, *w1, *b1, *w2, *b2;
} mlp_f32;
static mlp_f32 take_mlp(f32_arena *a, const char *part, size_t i, size_t d, size_t f) {
  mlp_f32 r;
  r.ln_g = take(a, d, "%s.blocks.%zu.mlp_ln.weight", part, i);
  r.ln_b = take(a, d, "%s.blocks.%zu.mlp_ln.bias", part, i);
  r.w1 = take(a, f * d, "%s.blocks.%zu.mlp.0.weight", part, i);
  r.b1 = take(a, f, "%s.blocks.%zu.mlp.0.bias", part, i);
  r.w2 = take(a, d * f, "%s.blocks.%zu.mlp.2.weight", part, i);
  r.b2 = take(a, d, "%s.blocks.%zu.mlp.2.bias", part, i);
  return r;
}

/* Encoder layer i's tensors, taken in order from the arena. */
static void take_enc_layer(f32_arena *a, const wk_model_hparams *hp, size_t i, wk_layer_f32 *l) {
  const size_t d = (size_t)hp->n_audio_state, f = 4 * d;
  memset(l, 0, sizeof *l);
  l->d = (int)d, l->heads = hp->n_audio_head, l->ffn = (int)f;
  l->ln1_g = take(a, d, "encoder.blocks.%zu.attn_ln.weight", i);
  l->ln1_b = take(a, d, "encoder.blocks.%zu.attn_ln.bias", i);
  l->wq = take(a, d * d, "encoder.blocks.%zu.attn.query.weight", i);
  l->bq = take(a, d, "encoder.blocks.%zu.attn.query.bias", i);
  l->wk = take(a, d * d, "encoder.blocks.%zu.attn.key.weight", i);
  l->wv = take(a, d * d, "encoder.blocks.%zu.attn.value.weight", i);
  l->bv = take(a, d, "encoder.blocks.%zu.attn.value.bias", i);
  l->wo = take(a, d * d, "encoder.blocks.%zu.attn.out.weight", i);
  l->bo = take(a, d, "encoder.blocks.%zu.attn.out.bias", i);
  const mlp_f32 mlp = take_mlp(a, "encoder", i, d, f);
  l->ln2_g = mlp.ln_g, l->ln2_b = mlp.ln_b, l->w1 = mlp.w1, l->b1 = mlp.b1;
  l->w2 = mlp.w2, l->b2 = mlp.b2;
}

/* Floats of one layer's tensors in an arena: n_dd [d][d] matrices, n_d [d] vectors, the MLP
 * ([4d][d], [d][4d], [4d]); each rounded up to 16 floats as take() places them. */
static size_t layer_floats(size_t d, size_t n_dd, size_t n_d) {
  const size_t f = 4 * d;
  return n_dd * wk_round_up(d * d, 16) + wk_round_up(f * d, 16) * 2 + n_d * wk_round_up(d, 16) +
         wk_round_up(f, 16);
}

/* Decoder layer i's tensors, taken in order from the arena. */
static void take_dec_layer(f32_arena *a, const wk_model_hparams *hp, size_t i,
                           wk_decoder_layer_f32 *l) {
  const size_t d = (size_t)hp->n_text_state, f = 4 * d;
  memset(l, 0, sizeof *l);
  for (int c = 0; c < 2; c++) {
    wk_decoder_attn_f32 *at = c ? &l->cross : &l->attn;
    const char *part = attn_parts[c];
    at->ln_g = take(a, d, "decoder.blocks.%zu.%s_ln.weight", i, part);
    at->ln_b = take(a, d, "decoder.blocks.%zu.%s_ln.bias", i, part);
    at->wq = take(a, d * d, "decoder.blocks.%zu.%s.query.weight", i, part);
    at->bq = take(a, d, "decoder.blocks.%zu.%s.query.bias", i, part);
    at->wk = take(a, d * d, "decoder.blocks.%zu.%s.key.weight", i, part);
    at->wv = take(a, d * d, "decoder.blocks.%zu.%s.value.weight", i, part);
    at->bv = take(a, d, "decoder.blocks.%zu.%s.value.bias", i, part);
    at->wo = take(a, d * d, "decoder.blocks.%zu.%s.out.weight", i, part);
    at->bo = take(a, d, "decoder.blocks.%zu.%s.out.bias", i, part);
  }
  const mlp_f32 mlp = take_mlp(a, "decoder", i, d, f);
  l->mlp_ln_g = mlp.ln_g, l->mlp_ln_b = mlp.ln_b, l->w1 = mlp.w1, l->b1 = mlp.b1;
  l->w2 = mlp.w2, l->b2 = mlp.b2;
}

/* Streaming: one layer's floats, reused for every layer (the block's first region). */
typedef struct layer_stream {
  wk_model_hparams hp;
  model_source ms; /* streamed builds are a model's: dequant reads it */
  float *buf;
  size_t floats;
} layer_stream;

static wk_status stream_close(f32_arena *a, const layer_stream *st) {
  if (!a->s && (size_t)(a->p - st->buf) > st->floats)
    a->s = wk_error(WK_STATUS_INTERNAL, "model: fp32 layer buffer overrun");
  return a->s;
}

static wk_status enc_layer_fn(void *arg, int i, wk_layer_f32 *out) {
  const layer_stream *st = arg;
  f32_arena a = {dequant, &st->ms, st->buf, st->buf, st->floats, WK_STATUS_OK};
  take_enc_layer(&a, &st->hp, (size_t)i, out);
  return stream_close(&a, st);
}

static wk_status dec_layer_fn(void *arg, int i, wk_decoder_layer_f32 *out) {
  const layer_stream *st = arg;
  f32_arena a = {dequant, &st->ms, st->buf, st->buf, st->floats, WK_STATUS_OK};
  take_dec_layer(&a, &st->hp, (size_t)i, out);
  return stream_close(&a, st);
}

/* The arena's head: the layer array (all layers) or the stream source and its buffer. */
static size_t head_bytes(int streamed, size_t n_layers, size_t layer_struct, size_t buf_floats) {
  return streamed ? wk_round_up(sizeof(layer_stream), 64) + buf_floats * sizeof(float)
                  : n_layers * layer_struct;
}

/* A streamed build's layer source, placed in the head of its block: a copy of the model
 * source (arg, with src = dequant: only a model's builds stream). */
static layer_stream *stream_in(float *block, const wk_model_hparams *hp, const void *arg,
                               size_t per_layer) {
  layer_stream *st = (layer_stream *)(void *)block;
  *st = (layer_stream){*hp, *(const model_source *)arg,
                       block + wk_round_up(sizeof(layer_stream), 64) / sizeof(float), per_layer};
  return st;
}

/* hp is NULL for a NULL model (the wrappers below pass m ? &m->hp : NULL). */
static wk_status build_args(const wk_model_hparams *hp, wk_tensor_source src, const void *w,
                            float **storage) {
  if (!hp || !src || !w || !storage)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "fp32 weights: NULL argument");
  *storage = NULL;
  return WK_STATUS_OK;
}

static wk_status encoder_f32(const wk_model_hparams *hp, wk_tensor_source src, const void *arg,
                             int streamed, wk_encoder_f32 *w, float **storage) {
  wk_status s = build_args(hp, src, w, storage);
  if (s) return s;
  const size_t d = (size_t)hp->n_audio_state, L = (size_t)hp->n_audio_layer;
  const size_t nm = (size_t)hp->n_mels, ctx = (size_t)hp->n_audio_ctx;
  const size_t per_layer = layer_floats(d, 4, 9);
  f32_arena a;
  s = arena_open(&a, src, arg, head_bytes(streamed, L, sizeof(wk_layer_f32), per_layer),
                           wk_round_up(ctx * d, 16) + wk_round_up(d * nm * 3, 16) +
                               wk_round_up(d * d * 3, 16) + 4 * wk_round_up(d, 16) +
                               (streamed ? 0 : L * per_layer)); /* hparams capped at load */
  if (s) return s;
  memset(w, 0, sizeof *w);
  w->n_mels = hp->n_mels, w->n_ctx = hp->n_audio_ctx, w->d = hp->n_audio_state;
  w->heads = hp->n_audio_head, w->n_layer = hp->n_audio_layer;
  w->stem.n_mels = hp->n_mels, w->stem.d = hp->n_audio_state, w->stem.n_ctx = hp->n_audio_ctx;
  w->stem.pos = take(&a, ctx * d, "encoder.positional_embedding");
  w->stem.conv1_w = take(&a, d * nm * 3, "encoder.conv1.weight");
  w->stem.conv1_b = take(&a, d, "encoder.conv1.bias");
  w->stem.conv2_w = take(&a, d * d * 3, "encoder.conv2.weight");
  w->stem.conv2_b = take(&a, d, "encoder.conv2.bias");
  wk_layer_f32 *layers = streamed ? NULL : (wk_layer_f32 *)(void *)a.block;
  for (size_t i = 0; layers && i < L && !a.s; i++) take_enc_layer(&a, hp, i, &layers[i]);
  w->ln_post_g = take(&a, d, "encoder.ln_post.weight");
  w->ln_post_b = take(&a, d, "encoder.ln_post.bias");
  s = arena_close(&a, storage);
  if (s) {
    memset(w, 0, sizeof *w);
    return s;
  }
  w->layers = layers;
  if (streamed) {
    w->layer_fn = enc_layer_fn;
    w->layer_arg = stream_in(*storage, hp, arg, per_layer);
  }
  return WK_STATUS_OK;
}

wk_status wk_model_encoder_f32(const wk_model *m, wk_encoder_f32 *w, float **storage) {
  return encoder_f32(m ? &m->hp : NULL, dequant, &(model_source){m, NULL}, 0, w, storage);
}

wk_status wk_model_encoder_f32_streamed(const wk_model *m, wk_threadpool *pool,
                                        wk_encoder_f32 *w, float **storage) {
  return encoder_f32(m ? &m->hp : NULL, dequant, &(model_source){m, pool}, 1, w, storage);
}

wk_status wk_encoder_f32_from_source(const wk_model_hparams *hp, wk_tensor_source src,
                                     const void *arg, wk_encoder_f32 *w, float **storage) {
  return encoder_f32(hp, src, arg, 0, w, storage);
}

/* ── the decoder's weights in fp32 ─────────────────────────────────────────────────────────── */

static wk_status decoder_f32(const wk_model_hparams *hp, wk_tensor_source src, const void *arg,
                             int streamed, wk_decoder_f32 *w, float **storage) {
  wk_status s = build_args(hp, src, w, storage);
  if (s) return s;
  const size_t d = (size_t)hp->n_text_state, L = (size_t)hp->n_text_layer, f = 4 * d;
  const size_t nv = (size_t)hp->n_vocab, ctx = (size_t)hp->n_text_ctx;
  const size_t per_layer = layer_floats(d, 8, 15);
  f32_arena a;
  s = arena_open(&a, src, arg, head_bytes(streamed, L, sizeof(wk_decoder_layer_f32), per_layer),
                 wk_round_up(ctx * d, 16) + wk_round_up(nv * d, 16) + 2 * wk_round_up(d, 16) +
                     (streamed ? 0 : L * per_layer)); /* hparams capped at load */
  if (s) return s;
  memset(w, 0, sizeof *w);
  w->n_vocab = hp->n_vocab, w->n_text_ctx = hp->n_text_ctx, w->d = hp->n_text_state;
  w->heads = hp->n_text_head, w->n_layer = hp->n_text_layer, w->ffn = (int)f;
  w->positional_embedding = take(&a, ctx * d, "decoder.positional_embedding");
  w->token_embedding = take(&a, nv * d, "decoder.token_embedding.weight");
  wk_decoder_layer_f32 *layers = streamed ? NULL : (wk_decoder_layer_f32 *)(void *)a.block;
  for (size_t i = 0; layers && i < L && !a.s; i++) take_dec_layer(&a, hp, i, &layers[i]);
  w->ln_g = take(&a, d, "decoder.ln.weight");
  w->ln_b = take(&a, d, "decoder.ln.bias");
  s = arena_close(&a, storage);
  if (s) {
    memset(w, 0, sizeof *w);
    return s;
  }
  w->layers = layers;
  if (streamed) {
    w->layer_fn = dec_layer_fn;
    w->layer_arg = stream_in(*storage, hp, arg, per_layer);
  }
  return WK_STATUS_OK;
}

wk_status wk_model_decoder_f32(const wk_model *m, wk_decoder_f32 *w, float **storage) {
  return decoder_f32(m ? &m->hp : NULL, dequant, &(model_source){m, NULL}, 0, w, storage);
}

wk_status wk_model_decoder_f32_streamed(const wk_model *m, wk_threadpool *pool,
                                        wk_decoder_f32 *w, float **storage) {
  return decoder_f32(m ? &m->hp : NULL, dequant, &(model_source){m, pool}, 1, w, storage);
}

wk_status wk_decoder_f32_from_source(const wk_model_hparams *hp, wk_tensor_source src,
                                     const void *arg, wk_decoder_f32 *w, float **storage) {
  return decoder_f32(hp, src, arg, 0, w, storage);
}
