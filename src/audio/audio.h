/* audio.h — the audio front end's internals (never installed): decoding through libsndfile from
 * any source it can read (a path, memory, libsndfile virtual IO), mixing to mono and resampling
 * to 16 kHz with libsoxr.  The public calls are wk_audio_load / wk_audio_load_memory. */
#ifndef WK_AUDIO_H
#define WK_AUDIO_H

#include <sndfile.h>

#include "common/common.h"

#define WK_AUDIO_RATE 16000              /* Whisper's sample rate */
#define WK_AUDIO_MAX_SECONDS (12 * 3600) /* longest input decoded (12 h = 691.2 M samples) */
#define WK_AUDIO_MAX_CHANNELS 1024       /* libsndfile's own limit (SF_MAX_CHANNELS) */
#define WK_AUDIO_MIN_RATE 1000           /* source rates outside [1 kHz, 768 kHz] are refused */
#define WK_AUDIO_MAX_RATE 768000
#define WK_AUDIO_MAX_STREAM_BYTES ((size_t)4 << 30) /* stdin / pipes are read whole, up to 4 GiB */

/* Limits of one decode (tests lower max_seconds to reach the running-duration check). */
typedef struct wk_audio_limits {
  double max_seconds; /* of source audio */
} wk_audio_limits;

/* Decodes an open libsndfile handle (owned: closed before returning) into *out.  `name` names
 * the source in error messages. */
wk_status wk_audio_decode_sndfile(SNDFILE *sf, const SF_INFO *info, const char *name,
                                  const wk_audio_limits *limits, wk_pcm *out);

/* Opens `io` with libsndfile (the virtual file `user`) and decodes it. */
wk_status wk_audio_decode_virtual(SF_VIRTUAL_IO *io, void *user, const char *name,
                                  const wk_audio_limits *limits, wk_pcm *out);

#endif
