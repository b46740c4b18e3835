/* attention-avxvnni.c — wk_qs8_attention_ukernel_16xN__avxvnni: the AVX2 kernel
 * (attention-avx2.c: its layout, passes and float steps) built with the AVX-VNNI flags, where
 * each vpmaddwd + vpaddd of Q·Kᵀ and P·V becomes one vpdpwssd.  Bit-identical to the AVX2
 * kernel and so to the scalar spec.  (A kernel on vpdpbusd, the AVX-512 VNNI kernel's design at half
 * the width, would do Q·Kᵀ in a quarter of the instructions and is the next step.) */
#define WK_ATTN_AVXVNNI 1
#include "attention/attention-avx2.c"
