#!/bin/sh
# test_suite_decoder.sh WHISK — `whisk accuracy decoder` and `whisk bench decoder` on the tiny
# size, --json (the bench with WHISK_BENCH_QUICK=1: 3 runs per figure): exactly the keys the
# suite documents; accuracy: exit 0 (INT8 top-1 = FP32 top-1 on every decisive step), the
# counts consistent (decisive_agree = decisive_steps <= steps, top1_agree <= steps), cosines in
# [-1, 1]; bench: INT8 and FP32 x 1 and all threads x 1 and 5 beams, every time positive, the
# derived figures consistent with the measured ones (bound_ms = weight_bytes / bandwidth,
# bound_ratio = step_ms / bound_ms, tokens_per_s = beams / step, beam_ratio = step / the greedy
# step), INT8 weights < 1/3 of FP32's, step_bytes > weight_bytes; --precision selects the rows
# and is refused by accuracy; a filter that selects nothing is an error.  No timing is asserted.
# Skipped (77) without python3 (the JSON is read with its json module).
set -u
WHISK=${1:?usage: test_suite_decoder.sh path/to/whisk}
PY=$(command -v python3 || command -v /usr/bin/python3) || { echo "no python3: skipped"; exit 77; }
TMP=$(mktemp -d /tmp/wk_test_suite_decoder_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$WHISK" accuracy decoder --size tiny --json >"$TMP/acc.json" 2>"$TMP/acc.err"
rc=$?
[ "$rc" -eq 0 ] || fail "accuracy decoder: exit $rc: $(tail -3 "$TMP/acc.err")"
WHISK_BENCH_QUICK=1 "$WHISK" bench decoder --size tiny --json >"$TMP/bench.json" 2>"$TMP/bench.err"
rc=$?
[ "$rc" -eq 0 ] || fail "bench decoder: exit $rc: $(tail -3 "$TMP/bench.err")"
WHISK_BENCH_QUICK=1 "$WHISK" bench decoder --size tiny --json --precision int8 --threads 1 \
  >"$TMP/int8.json" 2>"$TMP/int8.err"
rc=$?
[ "$rc" -eq 0 ] || fail "bench decoder --precision int8: exit $rc: $(tail -3 "$TMP/int8.err")"

"$PY" - "$TMP/acc.json" "$TMP/bench.json" "$TMP/int8.json" <<'PYEOF' || fail "JSON checks"
import json, os, sys
acc_path, bench_path, int8_path = sys.argv[1:4]
bad = []
def check(cond, what):
    if not cond: bad.append(what)
def close(a, b, rel=1e-9):
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= rel * abs(b)

acc = json.load(open(acc_path))
check(set(acc) == {"suite", "cases"}, "accuracy top-level keys %s" % sorted(acc))
check(acc.get("suite") == "decoder", "accuracy suite name")
cases = acc.get("cases", [])
check(len(cases) == 1, "accuracy: %d cases, want 1" % len(cases))
for c in cases:
    keys = {"size", "steps", "cosine", "max_rel_err", "top1_agree", "decisive_steps", "decisive_agree"}
    check(set(c) == keys, "accuracy case keys %s" % sorted(c))
    check(c.get("size") == "tiny", "accuracy size %r" % c.get("size"))
    n = c.get("steps")
    check(isinstance(n, int) and n > 0, "steps %r" % n)
    cos = c.get("cosine")
    check(isinstance(cos, float) and -1 <= cos <= 1, "cosine %r" % cos)
    check(isinstance(c.get("max_rel_err"), float) and c["max_rel_err"] >= 0, "max_rel_err %r" % c.get("max_rel_err"))
    check(0 <= c.get("top1_agree", -1) <= n, "top1_agree %r" % c.get("top1_agree"))
    check(0 <= c.get("decisive_steps", -1) <= n, "decisive_steps %r" % c.get("decisive_steps"))
    check(c.get("decisive_agree") == c.get("decisive_steps"), "exit 0 but decisive_agree %r != decisive_steps %r"
          % (c.get("decisive_agree"), c.get("decisive_steps")))

def check_bench(path, want):
    b = json.load(open(path))
    check(set(b) == {"suite", "bandwidth_gbs", "results"}, "bench top-level keys %s" % sorted(b))
    check(b.get("suite") == "decoder", "bench suite name")
    threads = sorted({t for _, t, _ in want})
    bw = b.get("bandwidth_gbs", {})
    check(sorted(bw) == sorted(str(t) for t in threads), "bandwidth_gbs keys %s, want %s" % (sorted(bw), threads))
    check(all(isinstance(v, float) and v > 0 for v in bw.values()), "bandwidth_gbs %s" % bw)
    rows = b.get("results", [])
    got = sorted((r.get("precision"), r.get("threads"), r.get("beams")) for r in rows)
    check(got == sorted(want), "%s: rows %s, want %s" % (path, got, sorted(want)))
    rkeys = {"size", "threads", "isa", "precision", "beams", "prefill_ms", "prompt_prefill_ms",
             "step_ms", "tokens_per_s", "weight_bytes", "step_bytes", "bandwidth_gbs", "bound_ms",
             "bound_ratio", "step_bound_ms", "beam_ratio", "reorder_ms"}
    greedy = {}
    for r in rows:
        check(set(r) == rkeys, "bench row keys %s" % sorted(r))
        if set(r) != rkeys: continue
        check(r["size"] == "tiny" and isinstance(r["isa"], str), "bench size/isa")
        for k in ("prefill_ms", "prompt_prefill_ms", "step_ms", "bandwidth_gbs", "bound_ms", "step_bound_ms"):
            check(isinstance(r[k], float) and r[k] > 0, "%s %r" % (k, r[k]))
        if not all(isinstance(r[k], float) and r[k] > 0 for k in ("step_ms", "bandwidth_gbs", "bound_ms")):
            continue
        check(isinstance(r["weight_bytes"], int) and r["weight_bytes"] > 0, "weight_bytes %r" % r["weight_bytes"])
        check(isinstance(r["step_bytes"], int) and r["step_bytes"] > r["weight_bytes"], "step_bytes %r" % r["step_bytes"])
        check(close(r["bound_ms"], r["weight_bytes"] / (r["bandwidth_gbs"] * 1e9) * 1e3, 1e-6), "bound_ms %r" % r["bound_ms"])
        check(close(r["step_bound_ms"], r["step_bytes"] / (r["bandwidth_gbs"] * 1e9) * 1e3, 1e-6), "step_bound_ms")
        check(close(r["bound_ratio"], r["step_ms"] / r["bound_ms"], 1e-6), "bound_ratio %r" % r["bound_ratio"])
        check(close(r["tokens_per_s"], r["beams"] * 1e3 / r["step_ms"], 1e-6), "tokens_per_s %r" % r["tokens_per_s"])
        check(r["reorder_ms"] == 0 if r["beams"] == 1 else r["reorder_ms"] > 0, "reorder_ms %r" % r["reorder_ms"])
        if r["beams"] == 1:
            check(r["beam_ratio"] == 1, "greedy beam_ratio %r" % r["beam_ratio"])
            greedy[(r["precision"], r["threads"])] = r["step_ms"]
    for r in rows:
        g = greedy.get((r.get("precision"), r.get("threads")))
        if r.get("beams") == 5 and g:
            check(close(r.get("beam_ratio"), r["step_ms"] / g, 1e-6), "beam_ratio %r" % r.get("beam_ratio"))
    wb = {r.get("precision"): r.get("weight_bytes") for r in rows}
    if "int8" in wb and "fp32" in wb:
        check(3 * wb["int8"] < wb["fp32"], "int8 weight bytes %r vs fp32 %r" % (wb["int8"], wb["fp32"]))

n = os.cpu_count() or 1
ts = [1, n] if n > 1 else [1]
check_bench(bench_path, [(p, t, b) for p in ("int8", "fp32") for t in ts for b in (1, 5)])
check_bench(int8_path, [("int8", 1, 1), ("int8", 1, 5)])
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PYEOF

# --precision: only `bench` takes it; a filter that selects nothing is an error
"$WHISK" accuracy decoder --size tiny --precision int8 >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "only 'bench encoder' and 'bench decoder'" "$TMP/err" || fail "accuracy --precision: exit $rc: $(cat "$TMP/err")"
for cmd in accuracy bench; do
  "$WHISK" $cmd decoder --filter nomatch >"$TMP/out" 2>"$TMP/err"
  rc=$?
  [ "$rc" -eq 1 ] && grep -q "no case matches" "$TMP/err" && [ ! -s "$TMP/out" ] || fail "$cmd --filter nomatch: exit $rc"
done

[ "$failures" -eq 0 ] && echo "test_suite_decoder: all checks passed" || echo "test_suite_decoder: $failures FAILED"
[ "$failures" -eq 0 ]
