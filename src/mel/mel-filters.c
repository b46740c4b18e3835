/* mel-filters.c — the Slaney-style mel filterbank exactly as librosa computes it
 * (librosa/filters.py mel() and core/convert.py mel_frequencies / hz_to_mel / mel_to_hz):
 *
 *   mel(f)  = 3f/200                          f < 1000 Hz   (linear part, f_sp = 200/3)
 *           = 15 + ln(f/1000) / (ln 6.4 / 27) f ≥ 1000 Hz   (log part)
 *   mel_f   = mel⁻¹(linspace(mel(0), mel(8000), n_mels + 2))      band edges in Hz
 *   fft_k   = k · 16000/400, k = 0 … 200                            rfft bin frequencies
 *   w[i][k] = max(0, min((fft_k − mel_f[i]) / (mel_f[i+1] − mel_f[i]),
 *                        (mel_f[i+2] − fft_k) / (mel_f[i+2] − mel_f[i+1])))  triangles
 *   w[i][k] *= 2 / (mel_f[i+2] − mel_f[i])                         Slaney area normalization
 *
 * librosa evaluates the triangles in float64 and stores them into a float32 array, then
 * multiplies that float32 array in place by the float64 norm (NumPy computes float32·float64 in
 * float64 and rounds back): two roundings, reproduced here in that order.  Every other step is
 * float64 in the same operation order as NumPy (linspace = i·step + start, last = stop). */
#include "mel/mel-filters.h"

#include <math.h>

#include "common/common.h"

static const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = 1000.0 / (200.0 / 3);

static double hz_to_mel(double f) {
  const double logstep = log(6.4) / 27.0;
  return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : (f - 0.0) / f_sp;
}

static double mel_to_hz(double m) {
  const double logstep = log(6.4) / 27.0;
  return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : 0.0 + f_sp * m;
}

wk_status wk_mel_filters_slaney(int n_mels, float *out) {
  if (!out) return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel filters: out is NULL");
  if (n_mels < 1 || n_mels > 512)
    return wk_error(WK_STATUS_INVALID_ARGUMENT, "mel filters: n_mels %d outside 1 … 512", n_mels);
  double mel_f[512 + 2];
  const int n = n_mels + 2;
  const double lo = hz_to_mel(0.0), hi = hz_to_mel(8000.0), step = (hi - lo) / (n - 1);
  for (int i = 0; i < n; i++) mel_f[i] = mel_to_hz(i == n - 1 ? hi : (double)i * step + lo);
  const double bin_hz = 1.0 / (400 * (1.0 / 16000)); /* np.fft.rfftfreq(400, d=1/16000) */
  for (int i = 0; i < n_mels; i++) {
    const double fdiff0 = mel_f[i + 1] - mel_f[i], fdiff1 = mel_f[i + 2] - mel_f[i + 1];
    const double enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
    for (int k = 0; k < WK_MEL_N_FFT_BINS; k++) {
      const double f = (double)k * bin_hz;
      const double lower = -(mel_f[i] - f) / fdiff0, upper = (mel_f[i + 2] - f) / fdiff1;
      double w = lower < upper ? lower : upper;
      if (!(w > 0.0)) w = 0.0;
      out[(size_t)i * WK_MEL_N_FFT_BINS + k] = (float)((double)(float)w * enorm);
    }
  }
  return WK_STATUS_OK;
}
