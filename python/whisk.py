"""whisk.py — Python access to libwhisk through ctypes (no compiled extension, nothing from PyPI).

Needs NumPy (Debian: python3-numpy) and libwhisk.so, looked for in this order:
  1. $WHISK_LIBRARY (a path to the library file);
  2. the build directory next to the source tree: <repo>/build/libwhisk.so (this file is
     <repo>/python/whisk.py);
  3. the installed prefix: `cmake --install` puts this file in <prefix>/share/whisk/python, the
     library in <prefix>/lib, <prefix>/lib64 or <prefix>/lib/<multiarch>;
  4. the system's search path (ctypes.util.find_library("whisk"), then libwhisk.so.0).

    import whisk
    features = whisk.encode_file("ggml-base.bin", "speech.flac")   # [windows, 1500, d] float32

    ctx = whisk.Context(threads=2)                  # isa="auto" | "scalar" | "avxvnni" | ...
    with whisk.Model("ggml-base.bin") as model:
        pcm = whisk.load_audio("speech.flac")       # float32 [n], 16 kHz mono
        mel = whisk.log_mel(ctx, pcm, model)        # float32 [n_mels, n_frames]
        enc = whisk.Encoder(ctx, model, "int8")     # or "fp32"
        out = [enc.encode(w) for w in whisk.mel_windows(mel)]   # each [n_ctx, d]

    result = whisk.transcribe_file("ggml-base.bin", "speech.flac", language="en")
    print(result["text"]); result["segments"][0]["start"]   # transcribe()'s result dict

    with whisk.Transcriber(ctx, model, "int8") as tr:    # reuse for many files
        result = tr.transcribe(pcm, beam_size=5, progress=lambda p: print(p["done_seconds"]))
        tr.write(result, "srt", "speech.srt")           # txt, srt, vtt, tsv, json (atomic)

Every failing call raises whisk.Error(status, message): .status is the wk_status code, .name
its wk_status_string, .message wk_last_error().  Results are copies owned by NumPy; objects
free their C side on close(), at the end of a `with` block, or when collected.
"""
import ctypes
import ctypes.util
import os
import sysconfig

import numpy as np

__all__ = ["Error", "Context", "Model", "Encoder", "Transcriber", "load_audio", "log_mel",
           "mel_windows", "encode_file", "transcribe_file", "version", "library_path"]

_c_int, _c_size, _c_char_p = ctypes.c_int, ctypes.c_size_t, ctypes.c_char_p
_c_void_p = ctypes.c_void_p
_f32p = ctypes.POINTER(ctypes.c_float)
WINDOW_FRAMES = 3000  # WK_MEL_WINDOW_FRAMES: log-mel frames per 30-s encoder window


def _candidates():
    env = os.environ.get("WHISK_LIBRARY")
    if env:
        return [env]  # explicit: only this one
    here = os.path.dirname(os.path.abspath(__file__))
    prefix = os.path.abspath(os.path.join(here, "..", "..", ".."))  # <prefix>/share/whisk/python
    libdirs = ["lib", "lib64", os.path.join("lib", sysconfig.get_config_var("MULTIARCH") or "")]
    paths = [os.path.join(here, "..", "build", "libwhisk.so")]
    paths += [os.path.join(prefix, d, "libwhisk.so.0") for d in libdirs]
    return paths + [ctypes.util.find_library("whisk") or "libwhisk.so.0"]


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            return ctypes.CDLL(path), os.path.abspath(path) if os.sep in path else path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("whisk: libwhisk.so not found; set WHISK_LIBRARY. Tried: " + "; ".join(tried))


_lib, library_path = _load()


class _Options(ctypes.Structure):  # wk_context_options
    _fields_ = [("n_threads", _c_int), ("isa", _c_int)]


class _ModelInfo(ctypes.Structure):  # wk_model_info, field for field
    _fields_ = [(n, _c_int) for n in (
        "n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
        "n_text_state", "n_text_head", "n_text_layer", "n_mels", "ftype", "quant_version")]
    _fields_ += [("ftype_name", _c_char_p), ("size", _c_char_p), ("multilingual", _c_int),
                 ("n_vocab_stored", _c_int), ("n_tensors", _c_int),
                 ("file_bytes", ctypes.c_uint64), ("mel_filters", _f32p)]


class _Pcm(ctypes.Structure):  # wk_pcm
    _fields_ = [("samples", _f32p), ("n_samples", _c_size), ("source_rate", _c_int),
                ("source_channels", _c_int), ("source_frames", ctypes.c_uint64)]


MAX_TEMPERATURES = 16  # WK_MAX_TEMPERATURES


class _Word(ctypes.Structure):  # wk_word
    _fields_ = [("word", _c_char_p), ("start", ctypes.c_double), ("end", ctypes.c_double),
                ("probability", ctypes.c_double)]


class _Segment(ctypes.Structure):  # wk_segment
    _fields_ = [("start", ctypes.c_double), ("end", ctypes.c_double), ("text", _c_char_p),
                ("tokens", ctypes.POINTER(_c_int)), ("n_tokens", _c_int), ("seek", _c_int),
                ("temperature", ctypes.c_double), ("avg_logprob", ctypes.c_double),
                ("compression_ratio", ctypes.c_double), ("no_speech_prob", ctypes.c_double),
                ("words", ctypes.POINTER(_Word)), ("n_words", _c_int)]


class _Progress(ctypes.Structure):  # wk_transcribe_progress
    _fields_ = [("done_seconds", ctypes.c_double), ("total_seconds", ctypes.c_double),
                ("segments", ctypes.POINTER(_Segment)), ("n_segments", _c_int),
                ("first_new", _c_int)]


_ProgressFn = ctypes.CFUNCTYPE(_c_int, _c_void_p, ctypes.POINTER(_Progress))


class _Params(ctypes.Structure):  # wk_transcribe_params
    _fields_ = [("language", _c_char_p), ("translate", _c_int), ("beam_size", _c_int),
                ("best_of", _c_int), ("patience", ctypes.c_float), ("length_penalty", ctypes.c_float),
                ("temperatures", ctypes.c_float * MAX_TEMPERATURES), ("n_temperatures", _c_int),
                ("compression_ratio_threshold", ctypes.c_double),
                ("logprob_threshold", ctypes.c_double), ("no_speech_threshold", ctypes.c_double),
                ("condition_on_previous_text", _c_int), ("initial_prompt", _c_char_p),
                ("carry_initial_prompt", _c_int),
                ("clip_timestamps", ctypes.POINTER(ctypes.c_double)),
                ("n_clip_timestamps", _c_int),
                ("without_timestamps", _c_int), ("word_timestamps", _c_int),
                ("prepend_punctuations", _c_char_p), ("append_punctuations", _c_char_p),
                ("hallucination_silence_threshold", ctypes.c_double),
                ("alignment_heads", _c_char_p), ("suppress_blank", _c_int),
                ("suppress_non_speech", _c_int), ("suppress_tokens", ctypes.POINTER(_c_int)),
                ("n_suppress_tokens", _c_int), ("max_initial_timestamp", ctypes.c_float),
                ("seed", ctypes.c_uint64), ("sample_len", _c_int), ("progress", _ProgressFn),
                ("progress_user", _c_void_p)]


class _Transcription(ctypes.Structure):  # wk_transcription
    _fields_ = [("segments", ctypes.POINTER(_Segment)), ("n_segments", _c_int),
                ("text", _c_char_p), ("language", _c_char_p), ("duration", ctypes.c_double),
                ("n_windows", _c_int), ("n_fallbacks", _c_int), ("n_tokens", ctypes.c_longlong),
                ("mel_ms", ctypes.c_double), ("encode_ms", ctypes.c_double),
                ("decode_ms", ctypes.c_double), ("word_timestamps", _c_int),
                ("align_ms", ctypes.c_double)]


class _SubtitleOptions(ctypes.Structure):  # wk_subtitle_options
    _fields_ = [(n, _c_int) for n in ("highlight_words", "max_line_width", "max_line_count",
                                      "max_words_per_line")]


_P = ctypes.POINTER
_PROTOS = {  # name: (restype, argtypes) — the public calls this module uses (include/whisk.h)
    "wk_version": (_c_char_p, []),
    "wk_status_string": (_c_char_p, [_c_int]),
    "wk_last_error": (_c_char_p, []),
    "wk_isa_parse": (_c_int, [_c_char_p, _P(_c_int)]),
    "wk_isa_name": (_c_char_p, [_c_int]),
    "wk_context_create": (_c_int, [_P(_Options), _P(_c_void_p)]),
    "wk_context_free": (None, [_c_void_p]),
    "wk_context_isa": (_c_int, [_c_void_p]),
    "wk_context_threads": (_c_int, [_c_void_p]),
    "wk_model_load": (_c_int, [_c_char_p, _P(_c_void_p)]),
    "wk_model_free": (None, [_c_void_p]),
    "wk_model_describe": (_c_int, [_c_void_p, _P(_ModelInfo)]),
    "wk_audio_load": (_c_int, [_c_char_p, _P(_Pcm)]),
    "wk_pcm_free": (None, [_P(_Pcm)]),
    "wk_mel_frames": (_c_size, [_c_size]),
    "wk_log_mel": (_c_int, [_c_void_p, _f32p, _c_size, _f32p, _c_int, _f32p, _c_size]),
    "wk_mel_windows": (_c_size, [_c_size]),
    "wk_mel_window": (_c_int, [_f32p, _c_size, _c_int, _c_size, _f32p, _c_size]),
    "wk_encoder_create": (_c_int, [_c_void_p, _c_void_p, _c_int, _P(_c_void_p)]),
    "wk_encoder_free": (None, [_c_void_p]),
    "wk_encoder_dims": (_c_int, [_c_void_p, _P(_c_int), _P(_c_int), _P(_c_int)]),
    "wk_encoder_run": (_c_int, [_c_void_p, _c_void_p, _f32p, _c_size, _f32p, _c_size]),
    "wk_transcriber_create": (_c_int, [_c_void_p, _c_void_p, _c_int, _P(_c_void_p)]),
    "wk_transcriber_free": (None, [_c_void_p]),
    "wk_transcribe_params_default": (None, [_P(_Params)]),
    "wk_transcribe": (_c_int, [_c_void_p, _c_void_p, _f32p, _c_size, _P(_Params),
                               _P(_Transcription)]),
    "wk_transcription_free": (None, [_P(_Transcription)]),
    "wk_transcription_write": (_c_int, [_P(_Transcription), _c_char_p, _c_char_p]),
    "wk_transcription_write_ex": (_c_int, [_P(_Transcription), _c_char_p, _c_char_p,
                                           _P(_SubtitleOptions)]),
}
for _name, (_res, _args) in _PROTOS.items():
    _fn = getattr(_lib, _name)
    _fn.restype, _fn.argtypes = _res, _args


class Error(Exception):
    """A failing whisk call: .status (wk_status code), .name (wk_status_string), .message."""

    def __init__(self, status, message):
        self.status, self.message = status, message
        self.name = _lib.wk_status_string(status).decode()
        super().__init__("%s: %s" % (self.name, message))


def _check(status):
    if status != 0:  # the message is read at once: it is the calling thread's last error
        raise Error(status, _lib.wk_last_error().decode(errors="replace"))


def _f32(a):
    """A C-contiguous float32 array and a float* to its data (the array must be kept alive)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    return a, a.ctypes.data_as(_f32p)


def version():
    return _lib.wk_version().decode()


class _Handle:
    """Owns one C object (self._h); freed once by close(), `with` or the garbage collector."""
    _free = None
    _h = None

    def close(self):
        if self._h:
            type(self)._free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


class Context(_Handle):
    """Kernel ISA and thread pool (threads=0: all cores).  One call at a time per context."""
    _free = _lib.wk_context_free

    def __init__(self, threads=0, isa="auto"):
        code, h = _c_int(), _c_void_p()
        _check(_lib.wk_isa_parse(isa.encode(), ctypes.byref(code)))
        _check(_lib.wk_context_create(ctypes.byref(_Options(threads, code.value)), ctypes.byref(h)))
        self._h = h
        self.isa = _lib.wk_isa_name(_lib.wk_context_isa(h)).decode()
        self.threads = _lib.wk_context_threads(h)


class Model(_Handle):
    """A whisper.cpp ggml model file.  .info: its hyper-parameters (dict); .mel_filters:
    float32 [n_mels, 201], the file's filterbank."""
    _free = _lib.wk_model_free

    def __init__(self, path):
        h, info = _c_void_p(), _ModelInfo()
        _check(_lib.wk_model_load(os.fsencode(path), ctypes.byref(h)))
        self._h = h
        _check(_lib.wk_model_describe(h, ctypes.byref(info)))
        self.info = {n: getattr(info, n) for n, _ in _ModelInfo._fields_ if n != "mel_filters"}
        self.info.update(ftype_name=info.ftype_name.decode(), size=info.size.decode())
        self.mel_filters = np.ctypeslib.as_array(info.mel_filters, (info.n_mels, 201)).copy()


def load_audio(path):
    """Decodes an audio file (WAV, FLAC, OGG, Opus, MP3; "-": stdin) → float32 [n], 16 kHz
    mono, each sample in [-1, 1]."""
    pcm = _Pcm()
    _check(_lib.wk_audio_load(os.fsencode(path), ctypes.byref(pcm)))
    try:
        if pcm.n_samples == 0:
            return np.zeros(0, np.float32)
        return np.ctypeslib.as_array(pcm.samples, (pcm.n_samples,)).copy()
    finally:
        _lib.wk_pcm_free(ctypes.byref(pcm))


def log_mel(ctx, pcm, model=None, filters=None):
    """Whisper's log-mel of 16-kHz samples → float32 [n_mels, n_frames], with the model's
    filterbank or `filters` ([n_mels, 201]).  ctx None: a temporary all-core context."""
    if (model is None) == (filters is None):
        raise ValueError("log_mel: give a model or filters, not both")
    filt, fp = _f32(model.mel_filters if model is not None else filters)
    if filt.ndim != 2:
        raise ValueError("log_mel: filters must be [n_mels, 201]")
    x, xp = _f32(pcm)
    n_mels, n_frames = filt.shape[0], _lib.wk_mel_frames(x.size)
    mel = np.empty((n_mels, n_frames), np.float32)
    ctx = ctx or Context()
    _check(_lib.wk_log_mel(ctx._h, xp, x.size, fp, n_mels, mel.ctypes.data_as(_f32p), mel.size))
    return mel


def mel_windows(mel):
    """Cuts a log-mel [n_mels, n_frames] into the encoder's 30-s windows as transcribe.py does
    → float32 [n_windows, n_mels, 3000] (the last window zero-padded)."""
    m, mp = _f32(mel)
    if m.ndim != 2:
        raise ValueError("mel_windows: mel must be [n_mels, n_frames]")
    n_mels, n_frames = m.shape
    out = np.zeros((_lib.wk_mel_windows(n_frames), n_mels, WINDOW_FRAMES), np.float32)
    for w in range(out.shape[0]):
        _check(_lib.wk_mel_window(mp, n_frames, n_mels, w, out[w].ctypes.data_as(_f32p),
                                  out[w].size))
    return out


class Encoder(_Handle):
    """The model's encoder for ctx's ISA, precision "int8" or "fp32".  encode(window
    [n_mels, 2·n_ctx], ctx=None: the encoder's own) → float32 [n_ctx, d]; another context
    must have the same ISA (one per thread to encode in parallel); .n_mels, .n_ctx, .d."""
    _free = _lib.wk_encoder_free

    def __init__(self, ctx, model, precision="int8"):
        if precision not in ("int8", "fp32"):
            raise ValueError("Encoder: precision must be 'int8' or 'fp32'")
        h, dims = _c_void_p(), [_c_int() for _ in range(3)]
        _check(_lib.wk_encoder_create(ctx._h, model._h, int(precision == "fp32"), ctypes.byref(h)))
        self._h, self.ctx, self.model, self.precision = h, ctx, model, precision  # keep both alive
        _check(_lib.wk_encoder_dims(h, *map(ctypes.byref, dims)))
        self.n_mels, self.n_ctx, self.d = (v.value for v in dims)

    def encode(self, window, ctx=None):
        w, wp = _f32(window)
        out = np.empty((self.n_ctx, self.d), np.float32)
        _check(_lib.wk_encoder_run((ctx or self.ctx)._h, self._h, wp, w.size,
                                   out.ctypes.data_as(_f32p), out.size))
        return out


def encode_file(model_path, audio_path, precision="int8", threads=0, isa="auto"):
    """Model file + audio file → encoder features float32 [n_windows, n_ctx, d]."""
    ctx = Context(threads, isa)
    with ctx, Model(model_path) as model, Encoder(ctx, model, precision) as enc:
        windows = mel_windows(log_mel(ctx, load_audio(audio_path), model))
        return np.stack([enc.encode(w) for w in windows])


def _segment_dict(i, s, words=False):
    d = {"id": i, "seek": s.seek, "start": s.start, "end": s.end,
         "text": s.text.decode("utf-8", errors="replace"),
         "tokens": [s.tokens[k] for k in range(s.n_tokens)], "temperature": s.temperature,
         "avg_logprob": s.avg_logprob, "compression_ratio": s.compression_ratio,
         "no_speech_prob": s.no_speech_prob}
    if words:  # transcribe.py adds "words" after the rest
        d["words"] = [{"word": w.word.decode("utf-8", errors="replace"), "start": w.start,
                       "end": w.end, "probability": w.probability}
                      for w in (s.words[k] for k in range(s.n_words))]
    return d


class Transcriber(_Handle):
    """The model's encoder, decoder and tokenizer for ctx's ISA, precision "int8" or "fp32".
    transcribe(pcm, **options) → transcribe()'s result dict {"text", "segments", "language"}
    plus "duration", "n_windows", "n_fallbacks", "n_tokens", "mel_ms", "encode_ms",
    "decode_ms".  Options (openai/whisper's names): language (None: detected), task
    ("transcribe" | "translate"), beam_size (None: greedy), best_of (samples per window at
    temperatures > 0; None: 1), patience, length_penalty,
    temperature (a number or a sequence), compression_ratio_threshold, logprob_threshold,
    no_speech_threshold (None: off), condition_on_previous_text, initial_prompt,
    carry_initial_prompt, clip_timestamps ("0", "start,end,…" or a sequence of seconds),
    without_timestamps, suppress_blank, suppress_tokens (decoding.py's: "-1" the non-speech
    tokens, "" none, or ids as "1,2" or a sequence; -1 among them adds the non-speech ones),
    max_initial_timestamp, word_timestamps (each segment gets "words": [{"word", "start", "end",
    "probability"}]), prepend_punctuations, append_punctuations,
    hallucination_silence_threshold (None: off), alignment_heads (None: "auto"; see whisk.h),
    seed, sample_len (None: 224), progress (a callable given {"done_seconds", "total_seconds", "segments"} after each
    window; a true return value stops with Error "cancelled"), ctx (another context of the
    same ISA, e.g. one per thread)."""
    _free = _lib.wk_transcriber_free

    def __init__(self, ctx, model, precision="int8"):
        if precision not in ("int8", "fp32"):
            raise ValueError("Transcriber: precision must be 'int8' or 'fp32'")
        h = _c_void_p()
        _check(_lib.wk_transcriber_create(ctx._h, model._h, int(precision == "fp32"),
                                          ctypes.byref(h)))
        self._h, self.ctx, self.precision = h, ctx, precision

    def transcribe(self, pcm, ctx=None, language=None, task="transcribe", beam_size=None,
                   best_of=None, patience=None, length_penalty=None, temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
                   compression_ratio_threshold=2.4, logprob_threshold=-1.0,
                   no_speech_threshold=0.6, condition_on_previous_text=True, initial_prompt=None,
                   carry_initial_prompt=False, clip_timestamps="0",
                   without_timestamps=False, suppress_blank=True, suppress_tokens="-1",
                   max_initial_timestamp=1.0, word_timestamps=False,
                   prepend_punctuations="\"'“¿([{-",
                   append_punctuations="\"'.。,，!！?？:：”)]}、",
                   hallucination_silence_threshold=None, alignment_heads=None, seed=0,
                   sample_len=None, progress=None):
        if task not in ("transcribe", "translate"):
            raise ValueError("transcribe: task must be 'transcribe' or 'translate'")
        if isinstance(suppress_tokens, str):
            suppress_tokens = [int(t) for t in suppress_tokens.split(",")] if suppress_tokens else []
        suppress_tokens = [int(t) for t in (suppress_tokens or [])]
        if any(t < -1 for t in suppress_tokens):
            raise ValueError("transcribe: suppress_tokens are ids >= 0, or -1")
        temps = [float(temperature)] if np.isscalar(temperature) else [float(t) for t in temperature]
        if not 1 <= len(temps) <= MAX_TEMPERATURES:
            raise ValueError("transcribe: 1 to %d temperatures" % MAX_TEMPERATURES)
        p = _Params()
        _lib.wk_transcribe_params_default(ctypes.byref(p))
        none = float("nan")
        p.language = language.encode() if language else None
        p.translate = int(task == "translate")
        p.beam_size = int(beam_size or 0)
        p.best_of = int(best_of or 0)
        p.patience = float(patience) if patience is not None else 0.0
        p.length_penalty = float(length_penalty) if length_penalty is not None else -1.0
        for i, t in enumerate(temps):
            p.temperatures[i] = t
        p.n_temperatures = len(temps)
        p.compression_ratio_threshold = none if compression_ratio_threshold is None else \
            float(compression_ratio_threshold)
        p.logprob_threshold = none if logprob_threshold is None else float(logprob_threshold)
        p.no_speech_threshold = none if no_speech_threshold is None else float(no_speech_threshold)
        p.condition_on_previous_text = int(bool(condition_on_previous_text))
        prompt = initial_prompt.encode() if initial_prompt else None
        p.initial_prompt = prompt
        p.carry_initial_prompt = int(bool(carry_initial_prompt))
        if isinstance(clip_timestamps, str):
            clip_timestamps = [float(t) for t in clip_timestamps.split(",")] if clip_timestamps else []
        clips = [float(t) for t in clip_timestamps]
        clip_arr = (ctypes.c_double * max(len(clips), 1))(*clips)  # alive until the call returns
        p.clip_timestamps = ctypes.cast(clip_arr, ctypes.POINTER(ctypes.c_double)) if clips else None
        p.n_clip_timestamps = len(clips)
        p.without_timestamps = int(bool(without_timestamps))
        p.suppress_blank = int(bool(suppress_blank))
        p.suppress_non_speech = int(-1 in suppress_tokens)
        ids = [t for t in suppress_tokens if t >= 0]
        suppress = (_c_int * max(len(ids), 1))(*ids)  # alive until the call returns
        p.suppress_tokens = ctypes.cast(suppress, ctypes.POINTER(_c_int)) if ids else None
        p.n_suppress_tokens = len(ids)
        p.max_initial_timestamp = float(max_initial_timestamp or 0.0)
        p.word_timestamps = int(bool(word_timestamps))
        punct = (prepend_punctuations.encode(), append_punctuations.encode())  # alive in the call
        p.prepend_punctuations, p.append_punctuations = punct
        p.hallucination_silence_threshold = none if hallucination_silence_threshold is None \
            else float(hallucination_silence_threshold)
        heads = alignment_heads.encode() if alignment_heads else None
        p.alignment_heads = heads
        p.seed = int(seed)
        p.sample_len = int(sample_len or 0)
        failure = []

        def on_progress(_user, pr):
            try:
                c = pr.contents
                segs = [_segment_dict(i, c.segments[i], p.word_timestamps)
                        for i in range(c.n_segments)]
                return int(bool(progress({"done_seconds": c.done_seconds,
                                          "total_seconds": c.total_seconds, "segments": segs})))
            except BaseException as e:  # never unwind through C: stop and re-raise after
                failure.append(e)
                return 1

        callback = _ProgressFn(on_progress) if progress else _ProgressFn()
        p.progress = callback
        x, xp = _f32(pcm)
        r = _Transcription()
        status = _lib.wk_transcribe((ctx or self.ctx)._h, self._h, xp, x.size, ctypes.byref(p),
                                    ctypes.byref(r))
        if failure:
            raise failure[0]
        _check(status)
        try:
            return {"text": r.text.decode("utf-8", errors="replace"),
                    "segments": [_segment_dict(i, r.segments[i], r.word_timestamps)
                                 for i in range(r.n_segments)],
                    "language": r.language.decode(), "duration": r.duration,
                    "n_windows": r.n_windows, "n_fallbacks": r.n_fallbacks,
                    "n_tokens": r.n_tokens, "mel_ms": r.mel_ms, "encode_ms": r.encode_ms,
                    "decode_ms": r.decode_ms, "align_ms": r.align_ms}
        finally:
            _lib.wk_transcription_free(ctypes.byref(r))

    def write(self, result, fmt, path, highlight_words=False, max_line_width=None,
              max_line_count=None, max_words_per_line=None):
        """Writes a transcribe() result as fmt ("txt", "srt", "vtt", "tsv", "json") to path
        (atomically; "-": standard output) with whisk's writers; with words (word_timestamps),
        srt and vtt take utils.py's subtitle options."""
        segs = result["segments"]
        has_words = bool(segs) and "words" in segs[0]
        arr = (_Segment * max(1, len(segs)))()
        keep = []
        for i, s in enumerate(segs):
            text = s["text"].encode()
            toks = (_c_int * max(1, len(s["tokens"])))(*s["tokens"])
            ws = s.get("words") or []
            words = (_Word * max(1, len(ws)))()
            for k, w in enumerate(ws):
                wb = w["word"].encode()
                keep.append(wb)
                words[k] = _Word(wb, w["start"], w["end"], w.get("probability", 0.0))
            keep += [text, toks, words]
            arr[i] = _Segment(s["start"], s["end"], text, toks, len(s["tokens"]), s["seek"],
                              s["temperature"], s["avg_logprob"], s["compression_ratio"],
                              s["no_speech_prob"], words, len(ws))
        text, lang = result["text"].encode(), result["language"].encode()
        r = _Transcription(arr, len(segs), text, lang)
        r.word_timestamps = int(has_words)
        opt = _SubtitleOptions(int(bool(highlight_words)), int(max_line_width or 0),
                               int(max_line_count or 0), int(max_words_per_line or 0))
        _check(_lib.wk_transcription_write_ex(ctypes.byref(r), fmt.encode(), os.fsencode(path),
                                              ctypes.byref(opt)))


def transcribe_file(model_path, audio_path, precision="int8", threads=0, isa="auto", **options):
    """Model file + audio file → transcribe()'s result dict (see Transcriber.transcribe)."""
    ctx = Context(threads, isa)
    with ctx, Model(model_path) as model, Transcriber(ctx, model, precision) as tr:
        return tr.transcribe(load_audio(audio_path), **options)
