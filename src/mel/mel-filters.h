/* mel-filters.h — Whisper's mel filterbank (whisper/assets/mel_filters.npz), computed. */
#ifndef WK_MEL_FILTERS_H
#define WK_MEL_FILTERS_H

#include "whisk.h"

#define WK_MEL_N_FFT_BINS 201 /* n_fft 400 → 201 rfft bins */

/* out: [n_mels][201] — librosa.filters.mel(sr=16000, n_fft=400, n_mels, fmin=0, fmax=8000,
 * htk=False, norm="slaney", dtype=float32), which is what Whisper's mel_filters.npz holds.
 * n_mels: 1 … 512 (Whisper uses 80 and 128).  Fails with INVALID_ARGUMENT otherwise. */
wk_status wk_mel_filters_slaney(int n_mels, float *out);

#endif
