#!/bin/sh
# test_json.sh TEST_JSON WHISK — the JSON writer's output read back by Python's json module
# (strict: NaN/Infinity are rejected): `test_json emit` (escapes, UTF-8, numbers, random
# doubles, which must read back bit-exactly) and the --json outputs of the quick suites.
# Skipped (77) without /usr/bin/python3.
set -u
EMIT=${1:?usage: test_json.sh path/to/test_json path/to/whisk}
WHISK=${2:?usage: test_json.sh path/to/test_json path/to/whisk}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY is not available"; exit 77; }
"$PY" - "$EMIT" "$WHISK" <<'PYEOF'
import json
import math
import struct
import subprocess
import sys

emit, whisk = sys.argv[1], sys.argv[2]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def reject(name):
    raise ValueError("non-standard constant " + name)


def parse(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        fail("%s: exit %d: %s" % (args, p.returncode, p.stderr.decode(errors="replace")))
        return None
    try:
        text = p.stdout.decode("utf-8")  # strict: the writer must emit valid UTF-8
        return json.loads(text, parse_constant=reject)
    except ValueError as e:
        fail("%s: not valid JSON: %s\n%s" % (args, e, p.stdout[:2000]))
        return None


d = parse([emit, "emit"])
if d is not None:
    esc = d["escapes"]
    if esc[0] != 'q"b\\s/' or esc[1] != "\n\t\r\b\f\x01\x1f\x7f" or esc[2] != "":
        fail("escapes read back as %r" % esc)
    if list(esc[3].keys()) != ['k"e\\y\n']:
        fail("escaped key read back as %r" % esc[3])
    u = d["utf8"]
    want = ["caf\u00e9 \u20ac \U0001F600 \U0010FFFF", "a\ufffdb", "\ufffd", "\ufffd" * 2,
            "\ufffd" * 3, "\ufffd" * 4, "\ufffd\ufffdA"]
    if u != want:
        fail("utf8 read back as %r" % u)
    n = d["numbers"]
    want = [0.1, 1 / 3, 2 / 3, 100, -0.0, 1e300, 1.5e-7, sys.float_info.max, 5e-324, None, None,
            None, 0.005, 0.1, 16777216, None, 3.14, -2, 12.0, None, 1.0, 0, -2**63, 2**63 - 1]
    if n[:12] != want[:12] or n[16:] != want[16:] or n[15] is not None:
        fail("numbers read back as %r" % n)
    if math.copysign(1, n[4]) != -1:
        fail("-0 lost its sign")
    # floats: the shortest text that reads back to the same binary32
    for got, f in zip(n[12:15], (0.005, 0.1, 16777216.0)):
        if struct.unpack("f", struct.pack("f", got))[0] != struct.unpack("f", struct.pack("f", f))[0]:
            fail("float %r read back as %r" % (f, got))
    if d["control"] != [chr(c) for c in range(1, 32)]:
        fail("control characters read back as %r" % d["control"])
    if d["nested"] != {"a": 1, "b": [True, False, None, [], {}], "c": {"d": "x", "e": True}, "f": []}:
        fail("nested read back as %r" % d["nested"])
    # the random doubles, regenerated here (splitmix64, seed 2024) and compared bit for bit
    state, mask = 2024, (1 << 64) - 1
    for i, got in enumerate(d["random"]):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        v = struct.unpack("<d", struct.pack("<Q", z))[0]
        if not math.isfinite(v):
            v = 0.0
        if struct.pack("<d", float(got)) != struct.pack("<d", v):
            fail("random[%d]: %r read back as %r" % (i, v, got))
            break

# the suites' --json output (the quick ones)
a = parse([whisk, "accuracy", "attention", "--filter", "seed-tile", "--json"])
if a is not None:
    if a.get("suite") != "attention" or len(a.get("cases", [])) != 1:
        fail("accuracy attention --json: %r" % a)
    elif a["cases"][0]["name"] != "seed-tile" or "contract_met" not in a["summary"]:
        fail("accuracy attention --json fields: %r" % a)
b = parse([whisk, "bench", "attention", "--filter", "tile64", "--json"])
if b is not None:
    r = b.get("results", [])
    if len(r) != 1 or r[0].get("name") != "tile64":
        fail("bench attention --json: %r" % b)
    else:
        if not (0 <= r[0]["peak_pct"] <= 100):
            fail("peak_pct %r outside [0, 100]" % r[0]["peak_pct"])
        if not b.get("peak_gops_per_core", 0) > 0 or "throughput loops" not in b.get("peak_method", ""):
            fail("peak fields: %r" % b)
        if "clock_ghz" in b:
            fail("clock_ghz is a guessed figure and must be gone")

print("test_json.sh: %s" % ("all checks passed" if not failures else "%d FAILED" % failures))
sys.exit(1 if failures else 0)
PYEOF
