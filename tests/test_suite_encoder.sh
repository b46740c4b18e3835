#!/bin/sh
# test_suite_encoder.sh WHISK — `whisk accuracy encoder` and `whisk bench encoder` on the tiny
# size, --json: exactly the issue's keys; accuracy: the exit status is the contract (0 iff every
# output cosine >= 0.999; the plain case must meet it), cosines in [-1, 1], the worst layer one
# of tiny's 4; bench: INT8 and FP32 at 1 and 2 threads, the stages sum to median_ms, rtf =
# 30 s / median_ms, 0 < peak_pct <= 100; --precision selects the rows and is refused elsewhere.
# Skipped (77) without python3 (the JSON is read with its json module).
set -u
WHISK=${1:?usage: test_suite_encoder.sh path/to/whisk}
PY=$(command -v python3 || command -v /usr/bin/python3) || { echo "no python3: skipped"; exit 77; }
TMP=$(mktemp -d /tmp/wk_test_suite_encoder_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$WHISK" accuracy encoder --size tiny --json >"$TMP/acc.json" 2>"$TMP/acc.err"
acc_rc=$?
[ "$acc_rc" -le 1 ] || fail "accuracy encoder: exit $acc_rc: $(tail -3 "$TMP/acc.err")"
"$WHISK" bench encoder --size tiny --json >"$TMP/bench.json" 2>"$TMP/bench.err"
rc=$?
[ "$rc" -eq 0 ] || fail "bench encoder: exit $rc: $(tail -3 "$TMP/bench.err")"
"$WHISK" bench encoder --size tiny --json --precision int8 --threads 1 >"$TMP/int8.json" 2>"$TMP/int8.err"
rc=$?
[ "$rc" -eq 0 ] || fail "bench encoder --precision int8: exit $rc: $(tail -3 "$TMP/int8.err")"

"$PY" - "$TMP/acc.json" "$acc_rc" "$TMP/bench.json" "$TMP/int8.json" <<'PYEOF' || fail "JSON checks"
import json, math, sys
acc_path, acc_rc, bench_path, int8_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
bad = []
def check(cond, what):
    if not cond: bad.append(what)

acc = json.load(open(acc_path))
check(set(acc) == {"suite", "cases"}, "accuracy top-level keys %s" % sorted(acc))
check(acc.get("suite") == "encoder", "accuracy suite name")
cases = acc.get("cases", [])
check(len(cases) == 2, "accuracy: %d cases, want 2 (plain, outliers)" % len(cases))
keys = {"size", "outliers", "cosine", "rel_err", "worst_layer", "worst_layer_cosine"}
met = True
for c in cases:
    check(set(c) == keys, "accuracy case keys %s" % sorted(c))
    check(c.get("size") == "tiny", "accuracy size %r" % c.get("size"))
    cos = c.get("cosine")
    check(isinstance(cos, float) and -1 <= cos <= 1, "cosine %r" % cos)
    check(isinstance(c.get("rel_err"), float) and c["rel_err"] >= 0, "rel_err %r" % c.get("rel_err"))
    check(c.get("worst_layer") in range(4), "worst_layer %r" % c.get("worst_layer"))
    wl = c.get("worst_layer_cosine")
    check(isinstance(wl, float) and -1 <= wl <= 1, "worst_layer_cosine %r" % wl)
    met = met and isinstance(cos, float) and cos >= 0.999
    if c.get("outliers") is False:
        check(isinstance(cos, float) and cos >= 0.999, "plain tiny cosine %r < 0.999" % cos)
check(sorted(c.get("outliers") for c in cases) == [False, True], "outliers flags")
check(acc_rc == (0 if met else 1), "accuracy exit %d but contract %s" % (acc_rc, "met" if met else "not met"))

def check_bench(path, want):
    b = json.load(open(path))
    check(set(b) == {"suite", "results"}, "bench top-level keys %s" % sorted(b))
    check(b.get("suite") == "encoder", "bench suite name")
    rows = b.get("results", [])
    got = sorted((r.get("precision"), r.get("threads")) for r in rows)
    check(got == sorted(want), "%s: rows %s, want %s" % (path, got, sorted(want)))
    rkeys = {"size", "threads", "isa", "precision", "median_ms", "rtf", "peak_pct", "stages"}
    skeys = {"mel_ms", "conv_ms", "attention_ms", "gemm_ms", "other_ms"}
    for r in rows:
        check(set(r) == rkeys, "bench row keys %s" % sorted(r))
        check(r.get("size") == "tiny" and isinstance(r.get("isa"), str), "bench size/isa")
        st = r.get("stages", {})
        check(set(st) == skeys, "stage keys %s" % sorted(st))
        t = r.get("median_ms")
        if not (isinstance(t, float) and t > 0):
            check(False, "median_ms %r" % t)
            continue
        s = sum(st.get(k, 0) for k in skeys)
        check(abs(s - t) <= 1e-6 * t, "stages sum %r != median_ms %r" % (s, t))
        check(all(st.get(k, -1) >= 0 for k in skeys if k != "other_ms"), "negative stage %s" % st)
        check(abs(r.get("rtf", 0) - 30000.0 / t) <= 1e-9 * r.get("rtf", 1), "rtf %r" % r.get("rtf"))
        p = r.get("peak_pct")
        check(isinstance(p, float) and 0 < p <= 100, "peak_pct %r" % p)

check_bench(bench_path, [("int8", 1), ("int8", 2), ("fp32", 1), ("fp32", 2)])
check_bench(int8_path, [("int8", 1)])
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PYEOF

# --precision: a value it knows, and only `bench encoder` takes it
"$WHISK" bench encoder --size tiny --precision int4 >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "expected int8, fp32 or both" "$TMP/err" || fail "--precision int4: exit $rc: $(cat "$TMP/err")"
"$WHISK" accuracy encoder --size tiny --precision int8 >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "only 'bench encoder'" "$TMP/err" || fail "accuracy --precision: exit $rc: $(cat "$TMP/err")"
# no case selected is an error
"$WHISK" bench encoder --filter nomatch >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "no case matches" "$TMP/err" || fail "bench --filter nomatch: exit $rc"

[ "$failures" -eq 0 ] && echo "test_suite_encoder: all checks passed" || echo "test_suite_encoder: $failures FAILED"
[ "$failures" -eq 0 ]
