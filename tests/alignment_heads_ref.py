#!/usr/bin/env python3
"""alignment_heads_ref.py TEST_ALIGNMENT_HEADS — src/decode/alignment-heads.c's presets equal to
openai/whisper's _ALIGNMENT_HEADS (whisper/__init__.py, release 20250625: a boolean
[n_text_layer][n_text_head] mask per model, gzip-compressed and base85-encoded; model.py's
set_alignment_heads decodes it), compared with `test_alignment_heads --dump`.  Standard library
only."""
import base64
import gzip
import subprocess
import sys

ALIGNMENT_HEADS = {  # whisper/__init__.py
    "tiny.en": b"ABzY8J1N>@0{>%R00Bk>$p{7v037`oCl~+#00",
    "tiny": b"ABzY8bu8Lr0{>%RKn9Fp%m@SkK7Kt=7ytkO",
    "base.en": b"ABzY8;40c<0{>%RzzG;p*o+Vo09|#PsxSZm00",
    "base": b"ABzY8KQ!870{>%RzyTQH3`Q^yNP!>##QT-<FaQ7m",
    "small.en": b"ABzY8>?_)10{>%RpeA61k&I|OI3I$65C{;;pbCHh0B{qLQ;+}v00",
    "small": b"ABzY8DmU6=0{>%Rpa?J`kvJ6qF(V^F86#Xh7JUGMK}P<N0000",
    "medium.en": b"ABzY8usPae0{>%R7<zz_OvQ{)4kMa0BMw6u5rT}kRKX;$NfYBv00*Hl@qhsU00",
    "medium": b"ABzY8B0Jh+0{>%R7}kK1fFL7w6%<-Pf*t^=N)Qr&0RR9",
    "large-v1": b"ABzY8r9j$a0{>%R7#4sLmoOs{s)o3~84-RPdcFk!JR<kSfC2yj",
    "large-v2": b"ABzY8zd+h!0{>%R7=D0pU<_bnWW*tkYAhobTNnu$jnkEkXqp)j;w1Tzk)UH3X%SZd&fFZ2fC2yj",
    "large-v3": b"ABzY8gWO1E0{>%R7(9S+Kn!D~%ngiGaR?*L!iJG9p-nab0JQ=-{D1-g00",
    "large-v3-turbo": b"ABzY8j^C+e0{>%RARaKHP%t(lGR*)0g!tONPyhe`",
}


def main():
    out = subprocess.run([sys.argv[1], "--dump"], capture_output=True, text=True, check=True)
    got = {}
    for line in out.stdout.splitlines():
        f = line.split()
        got[f[0]] = (int(f[1]), int(f[2]), f[3:])
    fails = 0
    for name, dump in ALIGNMENT_HEADS.items():
        mask = gzip.decompress(base64.b85decode(dump))  # numpy bool: one byte per head
        layers, heads, pairs = got.get(name, (0, 0, None))
        want = ["%d:%d" % divmod(i, heads) for i, b in enumerate(mask) if b] if heads else None
        if len(mask) != layers * heads or pairs != want:
            print("FAIL: %s: whisk %s, openai/whisper %s" % (name, pairs, want))
            fails += 1
    print("alignment_heads_ref: %d presets, %d failures" % (len(ALIGNMENT_HEADS), fails))
    return 1 if fails or len(got) != len(ALIGNMENT_HEADS) else 0


if __name__ == "__main__":
    sys.exit(main())
