/* audio.c — any audio file → 16 kHz mono float: libsndfile decodes (WAV, FLAC, OGG/Vorbis,
 * Opus, MP3), channels are averaged, libsoxr resamples.
 *
 * Why libsoxr (SOXR_VHQ) and not libsamplerate — measured with tools/resample_compare/run.sh
 * (2 shared cores, 2026-12-02; 10-s analytic signals resampled to 16 kHz, compared with their
 * exact band-limited 16 kHz samples computed in NumPy float64, 0.25 s edges left out):
 *
 *                        44.1k→16k                        22.05k→16k    48k→16k    speed
 *                  tones≤7k  sweep→7.6k  9+10.5k alias   tones  sweep  tones  sweep  ms/min@44.1k
 *   soxr VHQ        73.0 dB   72.4 dB    −156.9 dB       73.0   72.4   151.4  86.6      12–19
 *   soxr HQ         70.9      69.7       −139.8          70.9   69.7   135.2  78.6      10–21
 *   src SINC_BEST  134.6     134.7       −153.4         142.3  142.0   136.6 136.1   1238–1953
 *   src SINC_MED    38.4      22.4       −132.6          38.4   22.4    38.4  22.4        334
 *   (SNR of the tones and the sweep; the alias row is the residue of two tones above 8 kHz that
 *   must vanish, relative to their power.)
 *
 * soxr's whole deficit is a gain droop at the top of the band, not noise: projected on each tone
 * its amplitude error is < 3e-9 up to 1 kHz, 7e-6 at 4 kHz, 8e-5 at 5.5 kHz and 6e-4
 * (0.005 dB) at 7 kHz, i.e. ≤ 5e-4 in log10 power in the mel bins there (the log-mel's float32
 * noise on real audio is ~1e-5), while alias rejection is ≥ 150 dB.  libsamplerate's best
 * converter is flat to 7.6 kHz but ≈ 100× slower — 1.2–2 s per minute of audio, as long as
 * encoding it — and its medium one (passband ending near 7.2 kHz) is both 18× slower and
 * worse.  So soxr VHQ (Whisper's own ffmpeg path uses swresample's default, which is far
 * below either).  soxr picks its own SIMD code at run time: the resampled samples are the same
 * on one machine for every whisk ISA and thread count, not necessarily across CPUs.
 *
 * Decoding runs in chunks (DECODE_FLOATS interleaved floats at a time); the only whole-file
 * buffer is the 16 kHz mono result.  A non-seekable input (stdin, a pipe) is read into memory
 * first because libsndfile needs to seek for most formats.
 *
 * NaN and ±inf in float files are refused (BAD_FORMAT naming the frame) rather than replaced:
 * such a file is damaged, and a silent 0 would hide it; nothing non-finite reaches the mel.
 * Huge finite floats (up to FLT_MAX) are mixed in double and clipped to ±1e4 before resampling,
 * to ±1 after it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"

#define DECODE_FLOATS 16384 /* interleaved samples per sf_readf_float call (64 KiB) */
#define MONO_LIMIT 1e4f /* |mono| before resampling: beyond any real signal, far below overflow */
#define RESERVE_MAX ((size_t)WK_AUDIO_RATE * 600) /* output reserved up front: ≤ 10 min */

/* ── the growing 16 kHz output ── */

typedef struct pcm_buf {
  float *p;    /* [cap] */
  size_t n, cap;
  size_t max;  /* hard cap on n (from the duration limit) */
} pcm_buf;

/* Makes room for `extra` more samples (geometric growth, never beyond b->max). */
static wk_status pcm_reserve(pcm_buf *b, size_t extra, const char *name) {
  if (extra > b->max - b->n)
    return wk_error(WK_STATUS_UNSUPPORTED, "%s: longer than the %d-hour maximum", name,
                    WK_AUDIO_MAX_SECONDS / 3600);
  if (b->n + extra <= b->cap) return WK_STATUS_OK;
  size_t cap = b->cap ? b->cap : 65536;
  while (cap < b->n + extra) cap = cap > b->max / 2 ? b->max : cap * 2;
  float *p = realloc(b->p, cap * sizeof *p);
  if (!p) return wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory (%zu samples)", name, cap);
  b->p = p;
  b->cap = cap;
  return WK_STATUS_OK;
}

/* Feeds mono[0..n) (n = 0 with in == NULL: end of input, flush) through the resampler, or
 * appends it unchanged when the source is already 16 kHz (soxr == NULL). */
static wk_status resample_push(soxr_t soxr, double ratio, const float *in, size_t n, pcm_buf *b,
                               const char *name) {
  if (!soxr) {
    wk_status s = pcm_reserve(b, n, name);
    if (s) return s;
    if (n) memcpy(b->p + b->n, in, n * sizeof *in);
    b->n += n;
    return WK_STATUS_OK;
  }
  size_t used = 0;
  for (;;) {
    /* room for this chunk's output plus the filter's held-back tail */
    size_t room = (size_t)((double)(n - used) * ratio) + 4096;
    if (room > b->max - b->n) room = b->max - b->n; /* the duration cap bounds the output */
    wk_status s = pcm_reserve(b, room ? room : 1, name);
    if (s) return s;
    size_t idone = 0, odone = 0;
    soxr_error_t e = soxr_process(soxr, in ? in + used : NULL, n - used, &idone, b->p + b->n,
                                  room, &odone);
    if (e) return wk_error(WK_STATUS_INTERNAL, "%s: resampler: %s", name, e);
    used += idone;
    b->n += odone;
    if (in ? used >= n : odone == 0) return WK_STATUS_OK;
  }
}

wk_status wk_audio_decode_sndfile(SNDFILE *sf, const SF_INFO *info, const char *name,
                                  const wk_audio_limits *limits, wk_pcm *out) {
  wk_status s = WK_STATUS_OK;
  soxr_t soxr = NULL;
  float *chunk = NULL; /* [frames_per_chunk][channels] interleaved */
  float *mono = NULL;  /* [frames_per_chunk] */
  pcm_buf b = {0};
  const int ch = info->channels, rate = info->samplerate;
  const double max_seconds = limits ? limits->max_seconds : WK_AUDIO_MAX_SECONDS;

  if (ch < 1 || ch > WK_AUDIO_MAX_CHANNELS) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: %d channels (expected 1..%d)", name, ch,
                 WK_AUDIO_MAX_CHANNELS);
    goto done;
  }
  if (rate < WK_AUDIO_MIN_RATE || rate > WK_AUDIO_MAX_RATE) {
    s = wk_error(WK_STATUS_UNSUPPORTED, "%s: sample rate %d Hz (supported: %d..%d Hz)", name,
                 rate, WK_AUDIO_MIN_RATE, WK_AUDIO_MAX_RATE);
    goto done;
  }
  /* Duration caps: source frames, and output samples (the same duration at 16 kHz). */
  const double max_frames_d = max_seconds * rate;
  const sf_count_t max_frames = (sf_count_t)max_frames_d;
  b.max = (size_t)(max_seconds * WK_AUDIO_RATE) + 8192; /* + resampler rounding and tail */
  /* The header's length (libsndfile trims it to the file size where it can; unknown lengths
   * are caught while decoding): refuse before allocating anything. */
  if (info->frames > max_frames && info->frames != SF_COUNT_MAX) { /* MAX: length unknown */
    s = wk_error(WK_STATUS_UNSUPPORTED, "%s: %.1f hours of audio (maximum %.0f hours)", name,
                 (double)info->frames / rate / 3600.0, max_seconds / 3600.0);
    goto done;
  }
  const size_t fpc = DECODE_FLOATS / (size_t)ch > 0 ? DECODE_FLOATS / (size_t)ch : 1;
  const double ratio = (double)WK_AUDIO_RATE / rate;
  chunk = malloc(fpc * (size_t)ch * sizeof *chunk);
  mono = malloc(fpc * sizeof *mono);
  if (!chunk || !mono) {
    s = wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory", name);
    goto done;
  }
  if (info->frames > 0 && info->frames <= max_frames) {
    /* Reserve the stated length once, but at most RESERVE_MAX samples: a header may lie (a
     * small FLAC can claim 11 hours), so memory beyond that grows only as audio arrives. */
    size_t want = (size_t)((double)info->frames * ratio) + 4096;
    s = pcm_reserve(&b, want < RESERVE_MAX ? want : RESERVE_MAX, name);
    if (s) goto done;
  }
  if (rate != WK_AUDIO_RATE) {
    soxr_error_t e = NULL;
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr = soxr_create(rate, WK_AUDIO_RATE, 1, &e, &io, &q, &rt);
    if (!soxr || e) {
      s = wk_error(WK_STATUS_INTERNAL, "%s: cannot create the resampler: %s", name,
                   e ? e : "unknown error");
      goto done;
    }
  }
  sf_count_t frames = 0;
  for (;;) {
    sf_count_t got = sf_readf_float(sf, chunk, (sf_count_t)fpc);
    if (got <= 0) break;
    if (got > max_frames - frames) {
      s = wk_error(WK_STATUS_UNSUPPORTED, "%s: longer than the %.0f-hour maximum", name,
                   max_seconds / 3600.0);
      goto done;
    }
    /* mono[i] = mean over channels (sum in double, channel order fixed) */
    for (sf_count_t i = 0; i < got; i++) {
      const float *f = chunk + (size_t)i * (size_t)ch; /* [ch] */
      double sum = 0;
      for (int c = 0; c < ch; c++) {
        if (!isfinite(f[c])) {
          s = wk_error(WK_STATUS_BAD_FORMAT, "%s: sample %s at frame %lld (%.3f s), channel %d",
                       name, isnan(f[c]) ? "NaN" : "infinite", (long long)(frames + i),
                       (double)(frames + i) / rate, c);
          goto done;
        }
        sum += f[c];
      }
      /* the mean of finite floats is finite (computed in double: no overflow for any channel
       * count); clipped to ±MONO_LIMIT so that the resampler's sums stay finite too */
      const double mean = ch == 1 ? sum : sum / ch;
      mono[i] = mean > MONO_LIMIT ? MONO_LIMIT : mean < -MONO_LIMIT ? -MONO_LIMIT : (float)mean;
    }
    frames += got;
    s = resample_push(soxr, ratio, mono, (size_t)got, &b, name);
    if (s) goto done;
  }
  if (sf_error(sf) != SF_ERR_NO_ERROR) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: decoding failed after %lld frames: %s", name,
                 (long long)frames, sf_strerror(sf));
    goto done;
  }
  if (frames == 0) {
    s = wk_error(WK_STATUS_BAD_FORMAT, "%s: the file holds no audio frames", name);
    goto done;
  }
  s = resample_push(soxr, ratio, NULL, 0, &b, name);
  if (s) goto done;
  /* soxr's output length is round(frames·ratio); keep exactly that (ceil for tiny inputs, so a
   * single source frame still yields one sample). */
  size_t want = (size_t)((double)frames * ratio + 0.5);
  if (want == 0) want = 1;
  if (b.n > want) b.n = want;
  while (b.n < want) { /* resampler delivered fewer (never seen): pad with zeros */
    s = pcm_reserve(&b, 1, name);
    if (s) goto done;
    b.p[b.n++] = 0.0f;
  }
  /* Whisper's ffmpeg path ends in s16le, which clips: clamp to [-1, 1]. */
  for (size_t i = 0; i < b.n; i++) {
    if (!isfinite(b.p[i])) { /* cannot happen with |input| ≤ MONO_LIMIT; never pass it on */
      s = wk_error(WK_STATUS_INTERNAL, "%s: resampler produced a non-finite sample at %zu", name,
                   i);
      goto done;
    }
    b.p[i] = b.p[i] > 1.0f ? 1.0f : b.p[i] < -1.0f ? -1.0f : b.p[i];
  }
  out->samples = b.p;
  out->n_samples = b.n;
  out->source_rate = rate;
  out->source_channels = ch;
  out->source_frames = (uint64_t)frames;
  b.p = NULL;
done:
  if (soxr) soxr_delete(soxr);
  free(chunk);
  free(mono);
  free(b.p);
  sf_close(sf);
  return s;
}

wk_status wk_audio_decode_virtual(SF_VIRTUAL_IO *io, void *user, const char *name,
                                  const wk_audio_limits *limits, wk_pcm *out) {
  SF_INFO info;
  memset(&info, 0, sizeof info);
  SNDFILE *sf = sf_open_virtual(io, SFM_READ, &info, user);
  if (!sf)
    return wk_error(WK_STATUS_BAD_FORMAT, "%s: not a readable audio file: %s", name,
                    sf_strerror(NULL));
  return wk_audio_decode_sndfile(sf, &info, name, limits, out);
}

/* ── libsndfile virtual IO over a memory buffer ── */

typedef struct mem_file {
  const unsigned char *data; /* [size] */
  sf_count_t size, pos;
} mem_file;

static sf_count_t mem_length(void *user) { return ((mem_file *)user)->size; }

static sf_count_t mem_seek(sf_count_t offset, int whence, void *user) {
  mem_file *m = user;
  sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
  if ((offset > 0 && base > m->size - offset) || base + offset < 0) return -1;
  m->pos = base + offset; /* may sit at most at the end */
  return m->pos;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user) {
  mem_file *m = user;
  if (count <= 0 || m->pos >= m->size) return 0;
  sf_count_t n = count < m->size - m->pos ? count : m->size - m->pos;
  memcpy(ptr, m->data + m->pos, (size_t)n);
  m->pos += n;
  return n;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user) {
  (void)ptr, (void)count, (void)user;
  return 0; /* read-only */
}

static sf_count_t mem_tell(void *user) { return ((mem_file *)user)->pos; }

static wk_status decode_memory(const void *data, size_t size, const char *name, wk_pcm *out) {
  if (size > (size_t)INT64_MAX)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "%s: %zu bytes is too large", name, size);
  if (size == 0) return wk_error(WK_STATUS_BAD_FORMAT, "%s: empty (0 bytes)", name);
  mem_file m = {data, (sf_count_t)size, 0};
  SF_VIRTUAL_IO io = {mem_length, mem_seek, mem_read, mem_write, mem_tell};
  return wk_audio_decode_virtual(&io, &m, name, NULL, out);
}

/* Reads fd to its end (at most WK_AUDIO_MAX_STREAM_BYTES) into *data (malloc'd). */
static wk_status read_all(int fd, const char *name, unsigned char **data, size_t *size) {
  size_t n = 0, cap = 1 << 16;
  unsigned char *p = malloc(cap);
  if (!p) return wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory", name);
  for (;;) {
    if (n == cap) {
      if (cap >= WK_AUDIO_MAX_STREAM_BYTES) {
        free(p);
        return wk_error(WK_STATUS_UNSUPPORTED, "%s: more than %zu GiB from a stream", name,
                        WK_AUDIO_MAX_STREAM_BYTES >> 30);
      }
      cap *= 2;
      unsigned char *q = realloc(p, cap);
      if (!q) {
        free(p);
        return wk_error(WK_STATUS_OUT_OF_MEMORY, "%s: out of memory (%zu bytes)", name, cap);
      }
      p = q;
    }
    ssize_t r = read(fd, p + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int err = errno;
      free(p);
      return wk_error(WK_STATUS_IO_ERROR, "%s: read failed: %s", name, strerror(err));
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  *data = p;
  *size = n;
  return WK_STATUS_OK;
}

/* ── public API ── */

WK_API wk_status wk_audio_load_memory(const void *data, size_t size, wk_pcm *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "audio: NULL output");
  memset(out, 0, sizeof *out);
  if (!data && size) return wk_error(WK_STATUS_INVALID_ARGUMENT, "audio: NULL data");
  return decode_memory(data, size, "audio in memory", out);
}

WK_API wk_status wk_audio_load(const char *path, wk_pcm *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "audio: NULL output");
  memset(out, 0, sizeof *out);
  if (!path) return wk_error(WK_STATUS_INVALID_ARGUMENT, "audio: NULL path");
  const int is_stdin = strcmp(path, "-") == 0;
  const char *name = is_stdin ? "<stdin>" : path;
  int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return wk_error(WK_STATUS_IO_ERROR, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    if (!is_stdin) close(fd);
    return wk_error(WK_STATUS_IO_ERROR, "%s: cannot stat: %s", name, strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    if (!is_stdin) close(fd);
    return wk_error(WK_STATUS_IO_ERROR, "%s: is a directory", name);
  }
  if (!S_ISREG(st.st_mode)) { /* stdin, a pipe, a socket: read whole, then decode from memory */
    unsigned char *data = NULL;
    size_t size = 0;
    wk_status s = read_all(fd, name, &data, &size);
    if (!is_stdin) close(fd);
    if (s) return s;
    s = decode_memory(data, size, name, out);
    free(data);
    return s;
  }
  if (st.st_size == 0) {
    if (!is_stdin) close(fd);
    return wk_error(WK_STATUS_BAD_FORMAT, "%s: empty (0 bytes)", name);
  }
  SF_INFO info;
  memset(&info, 0, sizeof info);
  /* libsndfile never closes fd (close_desc 0): we do, and never our standard input */
  SNDFILE *sf = sf_open_fd(fd, SFM_READ, &info, 0);
  wk_status s = sf ? wk_audio_decode_sndfile(sf, &info, name, NULL, out)
                   : wk_error(WK_STATUS_BAD_FORMAT, "%s: not a readable audio file: %s", name,
                              sf_strerror(NULL));
  if (!is_stdin) close(fd);
  return s;
}

WK_API void wk_pcm_free(wk_pcm *pcm) {
  if (!pcm) return;
  free(pcm->samples);
  memset(pcm, 0, sizeof *pcm);
}
