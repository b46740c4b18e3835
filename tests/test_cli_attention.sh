#!/bin/sh
# test_cli_attention.sh WHISK — `whisk attention` end to end.
#
# With /usr/bin/python3 and NumPy (exit 77, skipped, without them): random int8 Q, K, V of one
# head ([L, d]) and several ([heads, L, d]), scalar and per-token scales, masks; whisk's int8
# output must be within 1 LSB of a float64 NumPy reference of
#   clamp(rint(softmax(scale * (qs*Q)(ks*K)^T) (vs*V) / out_scale))
# and its --out-f32 output close to the unrounded reference; NumPy must read whisk's files
# (format 1.0 header, dtype, shape) and whisk NumPy's (versions 1.0, 2.0, 3.0).  Malformed
# inputs (truncated .npy, wrong dtype, mismatched shapes, bad numbers, NaN scales, missing
# files, ...) must make whisk exit non-zero (below 128: no crash) with a message and no output.
set -u
WHISK=${1:?usage: test_cli_attention.sh path/to/whisk}
PY=/usr/bin/python3
if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
  echo "SKIP: $PY with numpy is not available"
  exit 77
fi
TMP=$(mktemp -d /tmp/wk_test_cli_XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

"$PY" - "$WHISK" "$TMP" <<'EOF'
import os
import subprocess
import sys

import numpy as np

whisk, tmp = sys.argv[1], sys.argv[2]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def run(args):
    return subprocess.run([whisk, "attention"] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=300)


def path(name):
    return os.path.join(tmp, name)


def save(name, arr, version=None):
    p = path(name)
    if version is None:
        np.save(p, arr)
    else:
        with open(p, "wb") as f:
            np.lib.format.write_array(f, np.asanyarray(arr), version=version)
    return p


p = run(["--help"])
if p.returncode != 0 or "usage" not in p.stdout:
    print("`%s attention --help` failed (rc=%d): is the subcommand wired into cli/main.c?"
          % (whisk, p.returncode))
    print(p.stdout + p.stderr)
    sys.exit(1)

rng = np.random.default_rng(20240611)


def reference(Q, K, V, qs, ks, vs, sm, causal=False, kv_len=0):
    """float64 attention; Q [H, Lq, d], K/V [H, Lk, d], qs [H, Lq], ks [H, Lk]."""
    Qf = Q.astype(np.float64) * qs[..., None]
    Kf = K.astype(np.float64) * ks[..., None]
    S = sm * np.einsum("hid,hjd->hij", Qf, Kf)
    _, Lq, Lk = S.shape
    mask = np.ones((Lq, Lk), bool)
    if causal:
        mask &= np.arange(Lk)[None, :] <= np.arange(Lq)[:, None] + (Lk - Lq)
    if kv_len:
        mask &= np.arange(Lk)[None, :] < kv_len
    S = np.where(mask, S, -np.inf)
    m = S.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    E = np.exp(S - m)
    s = E.sum(axis=-1, keepdims=True)
    P = np.where(s > 0, E / np.where(s > 0, s, 1.0), 0.0)  # rows that see no key give 0
    return P @ (V.astype(np.float64) * vs)


def check_npy_header(p, dtype, shape, what):
    """The file is a plain format-1.0 .npy that NumPy parses, with the given dtype and shape."""
    with open(p, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version != (1, 0):
            fail("%s: format version %s" % (what, version))
            return
        shp, fortran, dt = np.lib.format.read_array_header_1_0(f)
        if shp != tuple(shape) or fortran or dt != np.dtype(dtype):
            fail("%s: header says %s %s %s" % (what, shp, fortran, dt))
        if f.tell() % 64 != 0:
            fail("%s: data starts at %d, not 64-byte aligned" % (what, f.tell()))


def case(name, H, Lq, Lk, d, *, one_head=False, q_tok=None, k_tok=None, causal=False,
         kv_len=0, softmax_scale=None, version=None, extra=()):
    """q_tok / k_tok: None (scalar scale), "shared" ([L]) or "heads" ([H, L])."""
    Q = rng.integers(-128, 128, (H, Lq, d), dtype=np.int8)
    K = rng.integers(-128, 128, (H, Lk, d), dtype=np.int8)
    V = rng.integers(-128, 128, (H, Lk, d), dtype=np.int8)
    # Q.K has standard deviation ~5461*sqrt(d) and the softmax scale is 1/sqrt(d): this base
    # scale gives logits of standard deviation ~3, a softmax neither flat nor one-hot.
    base = np.sqrt(3.0 / 5461.0)
    qs = np.full((H, Lq), base, np.float32)
    ks = np.full((H, Lk), base, np.float32)
    args = []
    if q_tok is None:
        args += ["--q-scale", repr(float(qs[0, 0]))]
    else:
        t = rng.uniform(0.5, 2.0, (H, Lq) if q_tok == "heads" else (1, Lq)) * base
        qs = np.broadcast_to(t, (H, Lq)).astype(np.float32)
        args += ["--q-scale", save(name + "_qs.npy", t.astype(np.float32)[0] if q_tok ==
                                   "shared" else t.astype(np.float32))]
    if k_tok is None:
        args += ["--k-scale", repr(float(ks[0, 0]))]
    else:
        t = rng.uniform(0.5, 2.0, (H, Lk) if k_tok == "heads" else (1, Lk)) * base
        ks = np.broadcast_to(t, (H, Lk)).astype(np.float32)
        args += ["--k-scale", save(name + "_ks.npy", t.astype(np.float32)[0] if k_tok ==
                                   "shared" else t.astype(np.float32))]
    vs = 0.05
    shape = (Lq, d) if one_head else (H, Lq, d)
    qp = save(name + "_q.npy", Q.reshape(shape), version)
    kp = save(name + "_k.npy", K.reshape((Lk, d) if one_head else (H, Lk, d)), version)
    vp = save(name + "_v.npy", V.reshape((Lk, d) if one_head else (H, Lk, d)), version)
    args += ["--q", qp, "--k", kp, "--v", vp, "--v-scale", vs]
    sm = 1.0 / np.sqrt(d)
    if softmax_scale is not None:
        sm = softmax_scale
        args += ["--softmax-scale", repr(softmax_scale)]
    if causal:
        args += ["--causal"]
    if kv_len:
        args += ["--kv-len", kv_len]
    args += list(extra)
    # the reference uses the float32 scales whisk sees
    ref = reference(Q, K, V, qs.astype(np.float64), ks.astype(np.float64),
                    np.float64(np.float32(vs)), np.float64(np.float32(sm)), causal, kv_len)
    # an output scale that uses the int8 range and clamps ~2% of the outputs
    out_scale = float(np.float32(max(np.quantile(np.abs(ref), 0.98), 1e-3) / 127.0))
    args += ["--out-scale", repr(out_scale)]

    out = path(name + "_o.npy")
    p = run(args + ["-o", out])
    if p.returncode != 0:
        fail("%s: whisk exited %d: %s" % (name, p.returncode, p.stderr.strip()))
        return None
    check_npy_header(out, np.int8, shape, name)
    O = np.load(out, allow_pickle=False)
    if O.dtype != np.int8 or O.shape != shape:
        fail("%s: output %s %s, expected int8 %s" % (name, O.dtype, O.shape, shape))
        return None
    want = np.clip(np.rint(ref / out_scale), -128, 127)
    err = np.abs(O.reshape(H, Lq, d).astype(np.int64) - want.astype(np.int64))
    clamped = np.mean((want == 127) | (want == -128))
    if err.max() > 1:
        fail("%s: max |error| %d LSB > 1" % (name, err.max()))

    out32 = path(name + "_o32.npy")
    p = run(args + ["--out-f32", "-o", out32])
    if p.returncode != 0:
        fail("%s --out-f32: whisk exited %d: %s" % (name, p.returncode, p.stderr.strip()))
        return None
    check_npy_header(out32, np.float32, shape, name + " --out-f32")
    F = np.load(out32, allow_pickle=False).reshape(H, Lq, d).astype(np.float64)
    rel = np.abs(F - ref).max() / max(np.abs(ref).max(), 1e-30)
    if not rel <= 1e-3:
        fail("%s --out-f32: relative error %.3g" % (name, rel))
    # int8 and f32 outputs agree with each other too
    q8 = np.clip(np.rint(F / out_scale), -128, 127)
    if np.abs(q8 - O.reshape(H, Lq, d)).max() > 1:
        fail("%s: int8 and f32 outputs disagree by more than 1 LSB" % name)
    print("ok   %-14s %s Lk=%d: max err %d LSB (%.1f%% exact, %.1f%% clamped), f32 rel err %.2e"
          % (name, shape, Lk, err.max(), 100.0 * np.mean(err == 0), 100.0 * clamped, rel))
    return args, O


case("one_head", 1, 37, 53, 64, one_head=True)
case("heads", 3, 50, 50, 32, q_tok="shared", k_tok="heads")
case("per_head_q", 2, 33, 70, 128, q_tok="heads", k_tok="shared")
case("causal", 2, 20, 45, 16, causal=True, kv_len=40, softmax_scale=0.2, q_tok="heads")
case("causal_long", 2, 100, 100, 64, causal=True)
case("kv_len", 1, 17, 40, 48, one_head=True, kv_len=1)
case("npy_v2", 2, 19, 23, 80, version=(2, 0))
case("npy_v3", 1, 16, 16, 96, one_head=True, version=(3, 0))
r = case("threads1", 4, 40, 64, 64, k_tok="shared", extra=["--threads", "1", "--isa", "scalar"])
if r is not None:
    # the same bytes on the best ISA with all threads
    args, O = r
    i = args.index("--threads")
    args = args[:i] + args[i + 4:]
    p = run(args + ["-o", path("auto.npy")])
    if p.returncode != 0:
        fail("auto ISA: whisk exited %d: %s" % (p.returncode, p.stderr.strip()))
    elif not np.array_equal(np.load(path("auto.npy")), O):
        fail("--isa auto output differs from --isa scalar --threads 1")

# ── malformed inputs ─────────────────────────────────────────────────────────
H, L, d = 2, 24, 32
Q = rng.integers(-128, 128, (H, L, d), dtype=np.int8)
good = {
    "q": save("g_q.npy", Q), "k": save("g_k.npy", Q[:, ::-1].copy()), "v": save("g_v.npy", Q),
}
good_args = ["--q", good["q"], "--k", good["k"], "--v", good["v"], "--q-scale", "0.01",
             "--k-scale", "0.01", "--v-scale", "0.05", "--out-scale", "0.05"]
p = run(good_args + ["-o", path("g_o.npy")])
if p.returncode != 0:
    fail("baseline for the error cases failed: %s" % p.stderr.strip())

raw = open(good["q"], "rb").read()
with open(path("trunc.npy"), "wb") as f:
    f.write(raw[:-5])
with open(path("trunc_hdr.npy"), "wb") as f:
    f.write(raw[:40])
with open(path("extra.npy"), "wb") as f:
    f.write(raw + b"\0")
with open(path("text.npy"), "w") as f:
    f.write("this is a text file, not an array\n")
with open(path("junk.npy"), "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': \xff\xfe\x00}\n" + bytes(100))
save("i16.npy", Q.astype(np.int16))
save("f32.npy", Q.astype(np.float32))
save("u8.npy", Q.view(np.uint8))
save("f64s.npy", np.full(L, 0.01))
save("fort.npy", np.asfortranarray(Q[0]))
save("k_short.npy", Q[:, :20].copy())
save("k_d16.npy", Q[:, :, :16].copy())
save("k_h1.npy", Q[:1].copy())
save("d24.npy", Q[:, :, :24].copy())
save("d0.npy", Q[:, :, :0].copy())
save("l0.npy", Q[:, :0].copy())
save("q4d.npy", Q.reshape(1, H, L, d))
save("q1d.npy", Q.reshape(-1))
save("nan_s.npy", np.array([0.01] * (L - 1) + [np.nan], np.float32))
save("neg_s.npy", np.array([0.01] * (L - 1) + [-1.0], np.float32))
save("s_short.npy", np.full(L - 1, 0.01, np.float32))
save("s_heads.npy", np.full((H + 1, L), 0.01, np.float32))


def with_opt(opt, value):
    a = list(good_args)
    if opt in a:
        a[a.index(opt) + 1] = value
    else:
        a += [opt, value]
    return a


def without(opt):
    a = list(good_args)
    i = a.index(opt)
    return a[:i] + a[i + 2:]


bad = [
    ("truncated Q", with_opt("--q", path("trunc.npy")), None),
    ("Q cut in header", with_opt("--q", path("trunc_hdr.npy")), None),
    ("Q extra bytes", with_opt("--q", path("extra.npy")), None),
    ("Q junk header", with_opt("--q", path("junk.npy")), None),
    ("Q not npy", with_opt("--q", path("text.npy")), None),
    ("Q int16", with_opt("--q", path("i16.npy")), None),
    ("Q float32", with_opt("--q", path("f32.npy")), None),
    ("V uint8", with_opt("--v", path("u8.npy")), None),
    ("Q fortran", with_opt("--q", path("fort.npy")), None),
    ("Q 4-d", with_opt("--q", path("q4d.npy")), None),
    ("Q 1-d", with_opt("--q", path("q1d.npy")), None),
    ("K shorter than V", with_opt("--k", path("k_short.npy")), None),
    ("K d differs", with_opt("--k", path("k_d16.npy")), None),
    ("K heads differ", with_opt("--k", path("k_h1.npy")), None),
    ("head dim 24", ["--q", path("d24.npy"), "--k", path("d24.npy"), "--v", path("d24.npy")]
     + good_args[6:], None),
    ("head dim 0", ["--q", path("d0.npy"), "--k", path("d0.npy"), "--v", path("d0.npy")]
     + good_args[6:], None),
    ("zero rows", with_opt("--q", path("l0.npy")), None),
    ("missing file", with_opt("--k", path("nope.npy")), None),
    ("directory", with_opt("--k", tmp), None),
    ("v-scale garbage", with_opt("--v-scale", "1.5x"), 2),
    ("v-scale empty", with_opt("--v-scale", ""), 2),
    ("v-scale space", with_opt("--v-scale", " 1"), 2),
    ("out-scale garbage", with_opt("--out-scale", "abc"), 2),
    ("q-scale garbage", with_opt("--q-scale", "0.0.1"), None),
    ("threads garbage", with_opt("--threads", "two"), 2),
    ("threads huge", with_opt("--threads", "99999999999999999999"), 2),
    ("threads negative", with_opt("--threads", "-3"), None),
    ("kv-len float", with_opt("--kv-len", "1e3"), 2),
    ("kv-len too big", with_opt("--kv-len", "25"), None),
    ("kv-len negative", with_opt("--kv-len", "-1"), None),
    ("softmax garbage", with_opt("--softmax-scale", "0x"), 2),
    ("softmax nan", with_opt("--softmax-scale", "nan"), None),
    ("q-scale nan", with_opt("--q-scale", "nan"), None),
    ("k-scale inf", with_opt("--k-scale", "inf"), None),
    ("v-scale -inf", with_opt("--v-scale", "-inf"), None),
    ("v-scale 0", with_opt("--v-scale", "0"), None),
    ("out-scale negative", with_opt("--out-scale", "-0.5"), None),
    ("out-scale 1e999", with_opt("--out-scale", "1e999"), None),
    ("out-scale 1e300", with_opt("--out-scale", "1e300"), None),
    ("q-scale file NaN", with_opt("--q-scale", path("nan_s.npy")), None),
    ("k-scale file negative", with_opt("--k-scale", path("neg_s.npy")), None),
    ("q-scale file float64", with_opt("--q-scale", path("f64s.npy")), None),
    ("q-scale file short", with_opt("--q-scale", path("s_short.npy")), None),
    ("k-scale file heads", with_opt("--k-scale", path("s_heads.npy")), None),
    ("q-scale file missing", with_opt("--q-scale", path("nope_s.npy")), None),
    ("unknown isa", with_opt("--isa", "sse9"), 2),
    ("unknown option", good_args + ["--frobnicate"], 2),
    ("stray argument", good_args + ["stray"], 2),
    ("duplicate option", good_args + ["--q", good["q"]], 2),
    ("duplicate flag", good_args + ["--causal", "--causal"], 2),
    ("missing --q", without("--q"), 2),
    ("missing --k-scale", without("--k-scale"), 2),
    ("missing --out-scale", without("--out-scale"), 2),
    ("missing -o", good_args, 2),
    ("value missing", good_args + ["--threads"], 2),
    ("output dir missing", good_args + ["-o", path("no/such/dir/o.npy")], None),
]
for what, args, want_rc in bad:
    out = path("bad_out.npy")
    if os.path.exists(out):
        os.remove(out)
    if what != "missing -o" and "-o" not in args:
        args = ["-o", out] + args
    p = run(args)
    msg = p.stderr.strip()
    if p.returncode == 0:
        fail("%s: whisk accepted it" % what)
    elif p.returncode < 0 or p.returncode >= 128:
        fail("%s: whisk crashed (rc=%d): %s" % (what, p.returncode, msg))
    elif want_rc is not None and p.returncode != want_rc:
        fail("%s: exit code %d, expected %d (%s)" % (what, p.returncode, want_rc, msg))
    elif not msg.startswith("whisk attention: ") or len(msg) < 24:
        fail("%s: no proper message on stderr: %r" % (what, msg))
    else:
        print("ok   %-22s rc=%d  %s" % (what, p.returncode, msg.splitlines()[0]))
    if os.path.exists(out):
        fail("%s: an output file was written" % what)

# Options in --name=value form, and -o given before the inputs.
p = run(["-o", path("eq.npy")] + ["%s=%s" % (good_args[i], good_args[i + 1])
                                  for i in range(0, len(good_args), 2)])
if p.returncode != 0:
    fail("--name=value options: %s" % p.stderr.strip())
elif not np.array_equal(np.load(path("eq.npy")), np.load(path("g_o.npy"))):
    fail("--name=value options gave a different result")

# A 0-d float32 .npy works as a per-tensor scale.
p = run(with_opt("--q-scale", save("s0d.npy", np.float32(0.01))) + ["-o", path("s0d_o.npy")])
if p.returncode != 0:
    fail("0-d scale file: %s" % p.stderr.strip())
elif not np.array_equal(np.load(path("s0d_o.npy")), np.load(path("g_o.npy"))):
    fail("0-d scale file gave a different result than --q-scale 0.01")

if failures:
    print("test_cli_attention: %d check(s) FAILED" % failures)
    sys.exit(1)
print("test_cli_attention: all checks passed")
EOF
rc=$?
exit $rc
