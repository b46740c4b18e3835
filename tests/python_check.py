"""python_check.py MODEL AUDIO REF_DIR — python/whisk.py against the C API's outputs in REF_DIR
(tests/python_ref.c): the same bytes for audio, log-mel, windows and the INT8 and FP32 encoder
(also on a 1-thread context and through encode_file); whisk.Error with the right status on bad
input; INT8 vs FP32 cosine > 0.999.  Run by tests/test_python.sh."""
import os
import shutil
import sys
import tempfile

import numpy as np

import whisk

model_path, audio_path, ref = sys.argv[1:4]
failures = 0


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", what)


def same(a, name):
    """a has exactly the bytes (and shape, dtype) of REF_DIR/name.npy."""
    b = np.load(os.path.join(ref, name + ".npy"))
    check(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(),
          "%s: %s %s differs from the C API's %s %s" % (name, a.dtype, a.shape, b.dtype, b.shape))


def raises(status, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except whisk.Error as e:
        check(e.status == status and e.message and e.name in str(e),
              "%s: status %d (%s), expected %d" % (fn.__name__, e.status, e, status))
        return
    check(False, "%s%r did not raise whisk.Error" % (fn.__name__, args))


check(whisk.version().count(".") == 2, "version " + whisk.version())
ctx = whisk.Context(threads=2)
check(ctx.threads == 2 and ctx.isa != "auto", "context %s %d" % (ctx.isa, ctx.threads))
with whisk.Model(model_path) as model:
    i = model.info
    check((i["size"], i["n_mels"], i["n_audio_state"], i["n_audio_layer"], i["n_audio_ctx"],
           i["ftype_name"]) == ("tiny", 80, 384, 4, 1500, "q8_0"), "info %r" % i)
    check(model.mel_filters.shape == (80, 201), "mel_filters %r" % (model.mel_filters.shape,))
    pcm = whisk.load_audio(audio_path)
    same(pcm, "pcm")
    mel = whisk.log_mel(ctx, pcm, model)
    same(mel, "mel")
    same(whisk.log_mel(None, pcm, filters=model.mel_filters), "mel")
    windows = whisk.mel_windows(mel)
    same(windows, "windows")
    check(len(windows) == 2, "%d windows, expected 2" % len(windows))
    one = whisk.Context(threads=1, isa=ctx.isa)
    out = {}
    for p in ("int8", "fp32"):
        with whisk.Encoder(ctx, model, p) as enc:
            check((enc.n_mels, enc.n_ctx, enc.d) == (80, 1500, 384), "dims")
            out[p] = np.stack([enc.encode(w) for w in windows])
            same(out[p], p)
            same(np.stack([enc.encode(w, one) for w in windows]), p)  # 1 thread: same bytes
            raises(1, enc.encode, windows[0][:, :100])               # wrong window size
            bad = windows[0].copy()
            bad[3, 7] = np.nan
            raises(1, enc.encode, bad)                                # NaN in the log-mel
        raises(1, enc.encode, windows[0])                             # a closed encoder
    a, b = out["int8"].ravel().astype(np.float64), out["fp32"].ravel().astype(np.float64)
    cos = a @ b / np.sqrt((a @ a) * (b @ b))
    print("int8 vs fp32 cosine: %.6f (%d windows)" % (cos, len(windows)))
    check(cos > 0.999, "int8 vs fp32 cosine %.6f" % cos)
    raises(1, whisk.log_mel, ctx, np.array([0.0, np.inf], np.float32), model)

    # Transcription: the C API's transcript (python_ref: INT8, en, temperatures 0 and 1, 24
    # tokens a window, seed 3), field for field, and whisk's srt writer from Python.
    import json
    want = json.load(open(os.path.join(ref, "transcript.json"), encoding="utf-8"))
    seen = []
    with whisk.Transcriber(ctx, model, "int8") as tr:
        got = tr.transcribe(pcm, language="en", temperature=(0, 1), sample_len=24, seed=3,
                            progress=lambda p: seen.append(p["done_seconds"]) and False)
        check({k: got[k] for k in ("text", "segments", "language")} == want,
              "transcript differs from the C API's")
        check(len(got["segments"]) > 0 and got["n_tokens"] > 0 and got["n_windows"] == 2,
              "transcript: %d segments, %d windows" % (len(got["segments"]), got["n_windows"]))
        check(seen == sorted(seen) and len(seen) >= 2, "progress %r" % seen)
        srt = os.path.join(tempfile.mkdtemp(), "t.srt")
        tr.write(got, "srt", srt)
        check(open(srt, "rb").read() == open(os.path.join(ref, "transcript.srt"), "rb").read(),
              "srt written from Python differs")
        raises(1, tr.transcribe, pcm, language="klingon")
        raises(1, tr.transcribe, pcm, best_of=65)                  # best_of reaches the C side
        # suppress_tokens: the text tokens of the first segment never come back
        ids = sorted({t for t in got["segments"][0]["tokens"] if t < 50257})[:4]
        again = tr.transcribe(pcm, language="en", temperature=0, sample_len=24,
                              suppress_tokens=[-1] + ids)
        seen_ids = {t for s in again["segments"] for t in s["tokens"]}
        check(ids and not seen_ids & set(ids), "suppressed ids %r came back" % ids)
        raises(1, tr.transcribe, pcm, suppress_tokens="-1,99999999")  # out of the vocabulary
        # clip_timestamps: 2 … 5 s, one window at frame 200
        clip = tr.transcribe(pcm, language="en", temperature=0, sample_len=24,
                             clip_timestamps=[2, 5], initial_prompt="Hello", carry_initial_prompt=True)
        check(clip["n_windows"] == 1 and all(s["seek"] == 200 for s in clip["segments"]),
              "clip 2-5 s: %r" % [(s["seek"], s["start"]) for s in clip["segments"]])
        raises(1, tr.transcribe, pcm, clip_timestamps="1,nan")
        raises(7, tr.transcribe, pcm, progress=lambda p: True)     # cancelled
        raises(1, tr.write, got, "doc", srt)
        # word_timestamps: words in every segment's dict, the same as in the json whisk writes
        # from it, and word-level srt cues with the subtitle options
        words = tr.transcribe(pcm, language="en", temperature=0, sample_len=24,
                              word_timestamps=True, alignment_heads="auto",
                              hallucination_silence_threshold=None)
        ws = [w for s in words["segments"] for w in s["words"]]
        check(ws and all(set(w) == {"word", "start", "end", "probability"} for w in ws),
              "words %r" % ws[:3])
        check(words["align_ms"] > 0 and got["align_ms"] == 0, "align_ms %r" % words["align_ms"])
        wj = os.path.join(tempfile.mkdtemp(), "w.json")
        tr.write(words, "json", wj)
        check(json.load(open(wj, encoding="utf-8"))["segments"] ==
              [{k: v for k, v in s.items()} for s in words["segments"]],
              "json with words differs from the result dict")
        tr.write(words, "srt", srt, highlight_words=True, max_line_width=20)
        check("<u>" in open(srt, encoding="utf-8").read(), "no highlighted word cue")
        raises(1, tr.transcribe, pcm, word_timestamps=True, alignment_heads="9:9")
same(whisk.encode_file(model_path, audio_path, "int8", threads=2), "int8")

# Errors: missing and malformed files, bad names.
tmp = tempfile.mkdtemp()
missing, junk = os.path.join(tmp, "missing.bin"), os.path.join(tmp, "junk.bin")
with open(junk, "wb") as f:
    f.write(b"lmgg" + bytes(range(256)) * 4)
with open(model_path, "rb") as f:
    head = f.read(5000)
cut = os.path.join(tmp, "cut.bin")
with open(cut, "wb") as f:
    f.write(head)  # a model truncated in its mel filters
raises(4, whisk.Model, missing)
raises(5, whisk.Model, junk)
raises(5, whisk.Model, cut)
raises(4, whisk.load_audio, missing)
raises(5, whisk.load_audio, junk)
raises(1, whisk.Context, 2, "no-such-isa")
raises(4, whisk.encode_file, missing, audio_path)
shutil.rmtree(tmp)
print("python_check: %s" % ("all checks passed" if not failures else "%d FAILED" % failures))
sys.exit(1 if failures else 0)
