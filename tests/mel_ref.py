# mel_ref.py — an independent NumPy float64 implementation of Whisper's log-mel (openai/whisper
# audio.py log_mel_spectrogram + transcribe.py's padding and windowing) and of librosa's Slaney
# mel filterbank, for test_mel.sh.
#   mel_ref.py gen DIR        writes DIR/f80.npy, DIR/f128.npy: librosa.filters.mel(sr=16000,
#                             n_fft=400, n_mels=80|128, htk=False, norm="slaney") as float32;
#                             DIR/tones.npy: 4.3 s of tones, a chirp, clicks, silence, a quiet
#                             tail; DIR/s<N>.npy: N samples of noise for each N in SHORT;
#                             DIR/long.npy: 62.5 s of noise (3 windows, the last partial)
#   mel_ref.py check DIR FILTERS.npy PAD [DIR FILTERS.npy PAD ...]
#                             each DIR/mel.npy (and windows.npy when PAD is 480000) against the
#                             reference; exit 1 if any NMSE > NMSE_MAX or any window differs
import sys
import numpy as np

SR, N_FFT, HOP, N_FRAMES = 16000, 400, 160, 3000


def hz_to_mel(f):  # Slaney: linear below 1 kHz, logarithmic above
    f = np.asarray(f, np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    m = f / f_sp
    return np.where(f >= min_log_hz, min_log_hz / f_sp + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, m)


def mel_to_hz(m):
    m = np.asarray(m, np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def slaney_filters(n_mels):
    fftfreqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    w = np.zeros((n_mels, 1 + N_FFT // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]  # Slaney area normalisation
    return w.astype(np.float32)


def log_mel(pcm, filters, pad):
    x = np.concatenate([pcm.astype(np.float64), np.zeros(pad)])
    n_frames = len(x) // HOP  # torch.stft center=True: 1 + len//HOP frames, Whisper drops the last
    if n_frames == 0:
        return np.zeros((filters.shape[0], 0))
    xp = np.pad(x, N_FFT // 2, mode="reflect")
    idx = np.arange(n_frames)[:, None] * HOP + np.arange(N_FFT)[None, :]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    power = np.abs(np.fft.rfft(xp[idx] * window, axis=1)) ** 2  # [frames][201]
    spec = filters.astype(np.float64) @ power.T  # [n_mels][frames]
    log_spec = np.log10(np.maximum(spec, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def windows(mel):  # transcribe.py: seek = 3000·w; pad_or_trim(mel[:, seek:seek + segment])
    content = mel.shape[1] - N_FRAMES
    n = max(1, -(-content // N_FRAMES))
    out = np.zeros((n, mel.shape[0], N_FRAMES))
    for w in range(n):
        seek = w * N_FRAMES
        seg = min(N_FRAMES, content - seek)
        out[w, :, :seg] = mel[:, seek : seek + seg]
    return out


def nmse(got, ref):
    den = np.sum(ref ** 2)
    return np.sum((got - ref) ** 2) / (den if den > 0 else 1.0)


# The criterion is NMSE ≤ 1e-6, but that cannot tell a symmetric Hann window (6.3e-7 on
# espeak speech) or frames shifted by one sample (8.4e-7) from the right ones.  float32
# arithmetic lands near 1e-13 here, so the test demands 1e-9: four orders of margin for other
# libm/FFT roundings, two below those mistakes.
NMSE_MAX = 1e-9
SHORT = (0, 1, 2, 150, 170, 200, 201, 401, 1000)
cmd = sys.argv[1]
if cmd == "gen":
    d = sys.argv[2]
    for n_mels in (80, 128):
        np.save(f"{d}/f{n_mels}.npy", slaney_filters(n_mels))
    t = np.arange(int(4.3 * SR)) / SR
    x = sum(0.1 * np.sin(2 * np.pi * f * t + f) for f in (110, 440, 1000, 3150, 6500, 7900))
    x += 0.2 * np.sin(2 * np.pi * (100 * t + 400 * t * t))  # chirp 100 Hz → 3.5 kHz
    x[int(1.0 * SR) : int(1.5 * SR)] = 0  # silence
    x[int(2.0 * SR) :: 4000] = 0.9  # clicks
    x[-SR // 2 :] *= 1e-4  # a quiet tail
    np.save(f"{d}/tones.npy", x.astype(np.float32))
    rng = np.random.default_rng(1)
    for n in SHORT:
        np.save(f"{d}/s{n}.npy", (0.3 * rng.standard_normal(n)).astype(np.float32))
    np.save(f"{d}/long.npy", (0.3 * rng.standard_normal(1000000)).astype(np.float32))
elif cmd == "check":
    all_ok = True
    for i in range(2, len(sys.argv), 3):
        d, filters, pad = sys.argv[i], np.load(sys.argv[i + 1]), int(sys.argv[i + 2])
        pcm, got = np.load(f"{d}/pcm.npy"), np.load(f"{d}/mel.npy").astype(np.float64)
        ref = log_mel(pcm, filters, pad)
        ok = got.shape == ref.shape
        e = nmse(got, ref) if ok else float("inf")
        mx = np.abs(got - ref).max() if ok and got.size else 0.0
        line = (f"  {d.rsplit('/', 1)[-1]}: {len(pcm)} samples, pad {pad}, {filters.shape[0]} "
                f"mels, {got.shape[1]} frames: NMSE {e:.2e}, max |err| {mx:.2e}")
        if not ok:
            line += f" SHAPE {got.shape} != {ref.shape}"
        ok = ok and e <= NMSE_MAX
        if pad == 30 * SR:
            gw, rw = np.load(f"{d}/windows.npy").astype(np.float64), windows(ref)
            wok = gw.shape == rw.shape and nmse(gw, rw) <= NMSE_MAX and np.array_equal(gw, windows(got))
            line += f"; {gw.shape[0]} window(s) {'ok' if wok else 'MISMATCH'}"
            ok = ok and wok
        print(line + ("" if ok else "  <-- FAIL"))
        all_ok = all_ok and ok
    sys.exit(0 if all_ok else 1)
