#!/bin/sh
# test_format_json.sh TEST_FORMAT — the transcript json (src/decode/format.c) read back by
# Python's json module: transcribe()'s keys and values, the text joined from the segments,
# invalid UTF-8 as U+FFFD, and each compression_ratio equal to utils.py's compression_ratio
# (Python's zlib) of the segment's text.  Skipped (77) without /usr/bin/python3.
set -eu
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$1" --json "$dir/t.json"
/usr/bin/python3 - "$dir/t.json" <<'PY'
import json, sys, zlib
with open(sys.argv[1], encoding="utf-8") as f:
    r = json.load(f)
assert set(r) == {"text", "segments", "language"}, r.keys()
assert r["language"] == "en"
segs = r["segments"]
assert len(segs) == 8
keys = {"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
        "compression_ratio", "no_speech_prob"}
for i, s in enumerate(segs):
    assert set(s) == keys, s.keys()
    assert s["id"] == i
assert r["text"] == "".join(s["text"] for s in segs)
s0 = segs[0]
assert (s0["start"], s0["end"], s0["text"], s0["tokens"]) == (0.0, 2.5, " Hello world.", [50364, 2425, 1002, 50489])
assert (s0["temperature"], s0["avg_logprob"], s0["compression_ratio"], s0["no_speech_prob"]) == (0.0, -0.25, 1.5, 0.01)
assert segs[2]["text"] == "\u3000日本語 \ufffd\x1f", repr(segs[2]["text"])
assert segs[2]["seek"] == 6000 and segs[3]["end"] == 360000.0
def compression_ratio(text):  # whisper/utils.py
    b = text.encode("utf-8")
    return len(b) / len(zlib.compress(b))
for s in segs[4:]:
    want = compression_ratio(s["text"])
    assert s["compression_ratio"] == want, (s["text"], s["compression_ratio"], want)
print("test_format_json: json read back; compression ratios equal Python's zlib:",
      [round(s["compression_ratio"], 4) for s in segs[4:]])
PY
