#!/bin/sh
# whisk transcribe end to end (issue 9 item 4, issue 10's kill test), on a synthetic tiny model:
#   - a ~2-minute file (hello.wav × 14) in all five formats: the json parses and its segments
#     are in order and non-overlapping, the srt, vtt and tsv lines carry the json's times in
#     their formats (utils.py's rules), the txt lines are the segments' stripped texts, and
#     standard output (no -f) is that same text;
#   - the same file on standard input ('-') gives the same json (named stdin.json);
#   - kill -9 at random points while writing -f all: every transcript left under its final name
#     is whole (identical to a finished run's); temporary files are the only debris;
#   - usage errors exit 2; an unreadable AUDIO among good ones: its message, exit 1, the others
#     still written; --best-of 3 at T 0.5 runs; --verbose prints the json's segments as
#     transcribe.py's "[start --> end] text" lines; --clip-timestamps, --carry-initial-prompt,
#     --suppress-tokens and --temperature-increment-on-fallback reach the loop;
#   - --word-timestamps: the json's segments carry words, and the srt and vtt written with
#     --max-line-width, --max-line-count and --highlight-words are utils.py's writers applied to
#     that json (tests/format_ref.py); the subtitle options and
#     --hallucination-silence-threshold without --word-timestamps are usage errors, bad
#     --alignment-heads a failure naming them.
# Usage: test_cli_transcribe.sh WHISK SAMPLES_DIR.  Needs a python3 (standard library only)
# for the format checks: skips (77) without one, after the checks that need none.
# WK_TEST_REPEAT (hello.wav × 14 by default: 2 minutes) and WK_TEST_KILLS (10) shorten it for
# the sanitizer build.
set -u
W=$1
HELLO=$2/hello.wav
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
REPEAT=${WK_TEST_REPEAT:-14}
KILLS=${WK_TEST_KILLS:-10}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
PY=$(command -v python3 || command -v /usr/bin/python3 || true)

"$W" synth-model --size tiny --type f16 -o "$T/tiny.bin" >/dev/null || { echo "FAIL: synth-model"; exit 1; }
M="$T/tiny.bin"
# Random weights never sample end-of-text: 48 tokens a window keeps the run short.
FAST="--temperature 0 --sample-len 48"

# ── usage errors (exit 2) ──
for args in "" "$HELLO" "-m $M" "-m $M --format doc $HELLO" "-m $M --beam 65 $HELLO" \
            "-m $M -l klingon $HELLO" "-m $M --task dance $HELLO" "-m $M --temperature 0,x $HELLO" \
            "-m $M --temperature , $HELLO" "-m $M - -" "-m $M -o - $HELLO $HELLO" \
            "-m $M --no-speech-threshold 2 $HELLO" "-m $M --best-of 0 $HELLO" \
            "-m $M --best-of 65 $HELLO" "-m $M --suppress-tokens x $HELLO" \
            "-m $M --suppress-tokens -2 $HELLO" "-m $M --suppress-tokens 1, $HELLO" \
            "-m $M --clip-timestamps x $HELLO" "-m $M --clip-timestamps 1,,2 $HELLO" \
            "-m $M --clip-timestamps -1 $HELLO" "-m $M -v -o - $HELLO" \
            "-m $M --temperature 0,1 --temperature-increment-on-fallback 0.2 $HELLO" \
            "-m $M --temperature-increment-on-fallback 0.05 $HELLO" \
            "-m $M --temperature-increment-on-fallback 0 $HELLO" \
            "-m $M --max-line-width 20 $HELLO" "-m $M --highlight-words $HELLO" \
            "-m $M --hallucination-silence-threshold 2 $HELLO" \
            "-m $M --word-timestamps --max-line-count 0 $HELLO" \
            "-m $M --word-timestamps --hallucination-silence-threshold x $HELLO"; do
  # shellcheck disable=SC2086
  "$W" transcribe $args >/dev/null 2>"$T/err"; rc=$?
  if [ $rc -eq 2 ] && grep -q "^whisk transcribe: " "$T/err"; then ok "usage error: '$args'"
  else fail "'$args': exit $rc, expected 2"; cat "$T/err"; fi
done

# ── a bad AUDIO among good ones: exit 1, the good one written ──
mkdir -p "$T/mixed"
printf 'not audio' >"$T/bad.wav"
"$W" transcribe -m "$M" $FAST -f txt -o "$T/mixed" "$T/bad.wav" "$HELLO" >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 1 ] && grep -q "bad.wav" "$T/err" && [ -s "$T/mixed/hello.txt" ] &&
   [ ! -e "$T/mixed/bad.txt" ]; then ok "bad AUDIO among good ones: exit 1, the good one written"
else fail "bad AUDIO among good: exit $rc"; cat "$T/err"; ls "$T/mixed"; fi

# ── --suppress-tokens: a token id past the vocabulary fails (exit 1, the library's message) ──
"$W" transcribe -m "$M" $FAST --suppress-tokens -1,51865 -f txt -o - "$HELLO" >/dev/null \
  2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "suppress token 51865 out of range" "$T/err" &&
  ok "--suppress-tokens past the vocabulary: exit 1" || { fail "--suppress-tokens 51865: exit $rc"; cat "$T/err"; }

# ── --clip-timestamps 4: from 4 s to the end, one window starting at frame 400; with
#    --carry-initial-prompt and a prompt ──
"$W" transcribe -m "$M" $FAST --clip-timestamps 4 --prompt "Hello there" --carry-initial-prompt \
  -f json -o - "$HELLO" >"$T/clip.json" 2>"$T/err" &&
  grep -q '"seek":400' "$T/clip.json" && ! grep -q '"seek":0' "$T/clip.json" &&
  ok "--clip-timestamps 4 --carry-initial-prompt" ||
  { fail "--clip-timestamps 4: exit $?"; cat "$T/err" "$T/clip.json"; }

# ── --temperature 0.5 --temperature-increment-on-fallback 0.25: 0.5, 0.75, 1.0 — every one
#    failing a log-prob threshold of 0, so one window takes two fallbacks ──
"$W" transcribe -m "$M" --sample-len 8 --temperature 0.5 --temperature-increment-on-fallback 0.25 \
  --logprob-threshold 0 -f txt -o - "$HELLO" >/dev/null 2>"$T/err" &&
  grep -q "1 window (2 fallbacks)" "$T/err" && ok "--temperature-increment-on-fallback: 3 temperatures" ||
  { fail "--temperature-increment-on-fallback"; cat "$T/err"; }

# ── --alignment-heads: a head the model lacks fails, naming it ──
"$W" transcribe -m "$M" $FAST --word-timestamps --alignment-heads 4:0 -f txt -o - "$HELLO" \
  >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "4:0 is outside 4 layers" "$T/err" &&
  ok "--alignment-heads 4:0 on tiny: exit 1" || { fail "--alignment-heads 4:0: exit $rc"; cat "$T/err"; }

# ── --best-of: three samples per window at T 0.5, the most likely kept ──
"$W" transcribe -m "$M" --temperature 0.5 --best-of 3 --sample-len 16 -f txt -o - "$HELLO" \
  >"$T/best" 2>"$T/err" && [ -s "$T/best" ] && ok "--best-of 3" ||
  { fail "--best-of 3: exit $?"; cat "$T/err"; }

[ -n "$PY" ] || { echo "SKIP: no python3 for the format checks"; [ $fails -eq 0 ] && exit 77; exit 1; }

# ── a 2-minute file, every format ──
"$PY" - "$HELLO" "$T/long.wav" "$REPEAT" <<'EOF' || { echo "FAIL: long.wav"; exit 1; }
import sys, wave
with wave.open(sys.argv[1]) as r, wave.open(sys.argv[2], "wb") as w:
    w.setparams(r.getparams())
    frames = r.readframes(r.getnframes())
    for _ in range(int(sys.argv[3])):
        w.writeframes(frames)
EOF
mkdir -p "$T/all"
"$W" transcribe -m "$M" $FAST -f all -o "$T/all" "$T/long.wav" >"$T/stdout" 2>"$T/err" ||
  { fail "2-minute file: exit $?"; cat "$T/err"; }
grep -Eq '^whisk transcribe: .*long.wav: [0-9.]* s of audio, language .*tokens/s\); realtime' "$T/err" &&
  ok "summary line: $(tail -1 "$T/err")" || { fail "no summary line"; cat "$T/err"; }
[ -s "$T/stdout" ] && fail "-f given but text went to stdout"
"$PY" - "$T/all" long $((REPEAT * 871 - 3100)) <<'EOF' && ok "${REPEAT} × hello.wav: json, srt, vtt, txt, tsv agree and are in order" || fail "2-minute formats"
import json, re, sys
d, base = sys.argv[1], sys.argv[2]
j = json.load(open(f"{d}/{base}.json", encoding="utf-8"))
segs = j["segments"]
assert set(j) == {"text", "segments", "language"}, j.keys()
keys = {"id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
        "compression_ratio", "no_speech_prob"}
assert len(segs) >= 4, f"only {len(segs)} segments"
last = 0.0
for i, s in enumerate(segs):
    assert set(s) == keys and s["id"] == i, s
    assert last <= s["start"] <= s["end"], (i, last, s["start"], s["end"])
    assert s["end"] <= s["seek"] / 100 + 30 + 1e-9, s
    last = s["end"]
assert segs[-1]["seek"] >= int(sys.argv[3]), "the last segment's window is not the last window"

def ts(t, hours, mark):  # utils.py format_timestamp
    ms = round(t * 1000)
    h, ms = divmod(ms, 3600000)
    m, ms = divmod(ms, 60000)
    s, ms = divmod(ms, 1000)
    return (f"{h:02d}:" if hours or h else "") + f"{m:02d}:{s:02d}{mark}{ms:03d}"

cues = [s for s in segs]
srt = open(f"{d}/{base}.srt", encoding="utf-8").read()
want = "".join(f"{i}\n{ts(s['start'], True, ',')} --> {ts(s['end'], True, ',')}\n"
               f"{s['text'].strip().replace('-->', '->')}\n\n" for i, s in enumerate(cues, 1))
assert srt == want, "srt differs"
vtt = open(f"{d}/{base}.vtt", encoding="utf-8").read()
want = "WEBVTT\n\n" + "".join(f"{ts(s['start'], False, '.')} --> {ts(s['end'], False, '.')}\n"
                              f"{s['text'].strip().replace('-->', '->')}\n\n" for s in cues)
assert vtt == want, "vtt differs"
txt = open(f"{d}/{base}.txt", encoding="utf-8").read()
assert txt == "".join(s["text"].strip() + "\n" for s in segs), "txt differs"
tsv = open(f"{d}/{base}.tsv", encoding="utf-8").read()  # utils.py's WriteTSV
want = "start\tend\ttext\n" + "".join(f"{round(1000 * s['start'])}\t{round(1000 * s['end'])}\t"
                                     f"{s['text'].strip().replace(chr(9), ' ')}\n" for s in segs)
assert tsv == want, "tsv differs"
EOF

# ── --verbose: transcribe.py's "[start --> end] text" line per segment on stdout, files too ──
mkdir -p "$T/verbose"
"$W" transcribe -m "$M" $FAST -v -f json -o "$T/verbose" "$HELLO" >"$T/vlines" 2>"$T/err" &&
"$PY" - "$T/verbose/hello.json" "$T/vlines" <<'EOF' && ok "--verbose lines = the json's segments" ||
import json, sys
segs = json.load(open(sys.argv[1], encoding="utf-8"))["segments"]
def ts(t):  # utils.py format_timestamp(t): hours only when nonzero, '.'
    ms = round(t * 1000)
    h, ms = divmod(ms, 3600000)
    m, ms = divmod(ms, 60000)
    s, ms = divmod(ms, 1000)
    return (f"{h:02d}:" if h else "") + f"{m:02d}:{s:02d}.{ms:03d}"
want = "".join(f"[{ts(s['start'])} --> {ts(s['end'])}] {s['text']}\n" for s in segs)
got = open(sys.argv[2], encoding="utf-8").read()
assert segs and got == want, (got, want)
EOF
  { fail "--verbose lines"; cat "$T/err" "$T/vlines"; }

# ── --word-timestamps: words in the json; srt and vtt with the subtitle options are utils.py's
#    writers (tests/format_ref.py) on that json ──
mkdir -p "$T/words"
"$W" transcribe -m "$M" $FAST --word-timestamps --max-line-width 24 --max-line-count 2 \
  --highlight-words -f json,srt,vtt -o "$T/words" "$HELLO" >/dev/null 2>"$T/err" &&
grep -Eq 'tokens/s\), word alignment [0-9.]+ s; realtime' "$T/err" &&
"$PY" - "$T/words" "$(dirname "$0")/format_ref.py" <<'EOF' && ok "--word-timestamps: json words; srt, vtt = utils.py's on them" ||
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("format_ref", sys.argv[2])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
d = sys.argv[1]
j = json.load(open(f"{d}/hello.json", encoding="utf-8"))
segs = j["segments"]
assert segs and all("words" in s for s in segs), "segments without words"
words = [w for s in segs for w in s["words"]]
assert words and all(set(w) == {"word", "start", "end", "probability"} for w in words), words[:3]
assert all(0 <= w["start"] <= w["end"] and 0 <= w["probability"] <= 1 for w in words), words
opts = dict(highlight_words=True, max_line_width=24, max_line_count=2, max_words_per_line=None)
for ext, writer in (("srt", ref.write_srt), ("vtt", ref.write_vtt)):
    got = open(f"{d}/hello.{ext}", encoding="utf-8").read()
    assert got == writer(j, **opts), ext + " differs from utils.py's"
    assert "<u>" in got, ext + ": nothing highlighted"
EOF
  { fail "--word-timestamps"; cat "$T/err"; }

# ── standard output (no -f) is the txt; standard input gives the same transcript ──
"$W" transcribe -m "$M" $FAST "$T/long.wav" >"$T/stdout" 2>/dev/null
grep -v '^$' "$T/all/long.txt" | cmp -s - "$T/stdout" && ok "stdout = the txt file's lines" ||
  fail "stdout differs from the txt file"
mkdir -p "$T/stdin" && cd "$T/stdin" || exit 1
"$W" transcribe -m "$M" $FAST -f json - <"$T/long.wav" >/dev/null 2>"$T/err" &&
  cmp -s "$T/stdin/stdin.json" "$T/all/long.json" && ok "stdin ('-') → stdin.json, identical" ||
  { fail "stdin transcript differs"; cat "$T/err"; }
cd "$T" || exit 1

# ── kill -9 at random points: never a half-written transcript under its final name ──
# The points are uniform over a finished run's duration, so they land in loading, decoding
# and (rarely: it takes under a millisecond) writing; a run killed between two formats leaves
# some files whole and the rest absent.
mkdir -p "$T/ref" "$T/kill"
t_ref=$("$PY" - "$W" "$M" "$T/ref" "$HELLO" $FAST <<'EOF'
import subprocess, sys, time
t = time.monotonic()
subprocess.run([sys.argv[1], "transcribe", "-m", sys.argv[2], "-f", "all", "-o", sys.argv[3],
                sys.argv[4]] + sys.argv[5:], check=True, capture_output=True)
print(round(time.monotonic() - t, 2))
EOF
) || fail "reference run"
i=0 partial=0
while [ $i -lt "$KILLS" ]; do
  i=$((i + 1))
  rm -f "$T/kill/"hello.*
  "$W" transcribe -m "$M" $FAST -f all -o "$T/kill" "$HELLO" >/dev/null 2>&1 &
  pid=$!
  delay=$("$PY" -c "import random; print(round(random.uniform(0.05, 1.1 * $t_ref), 2))")
  sleep "$delay"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  n=0
  for f in txt srt vtt tsv json; do
    [ -e "$T/kill/hello.$f" ] || continue
    n=$((n + 1))
    cmp -s "$T/kill/hello.$f" "$T/ref/hello.$f" || fail "killed after ${delay}s: hello.$f is not whole"
  done
  [ $n -gt 0 ] && [ $n -lt 5 ] && partial=$((partial + 1))
  echo "kill after ${delay}s of ${t_ref}s: $n of 5 transcripts present, $(ls "$T/kill" | grep -c tmp) temporary"
done
ok "kill -9 at $KILLS random points ($partial between two formats): no partial transcript under a final name"

echo "$fails failure(s)"
[ $fails -eq 0 ]
