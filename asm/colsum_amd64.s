//go:build amd64 && !purego && !noasm

#include "textflag.h"

// func colSumAVX512(dst, a *float32, m, n int)
//
// dst[j] = Σ_i a[i*n+j], in panels of up to 64 columns under masks K1-K4, two rows at a time
// into two sets of accumulators (Z0-Z3, Z4-Z7) added at the end.
//
// Registers: DI dst panel; R10 row stride (bytes); R12 walks a; SI rows left.

#define MASK(w, sub, kreg) \
	MOVQ w, CX; SUBQ $sub, CX; XORL DX, DX; CMPQ CX, DX; CMOVQLT DX, CX; \
	MOVQ $16, DX; CMPQ CX, DX; CMOVQGT DX, CX; NEGQ CX; ADDQ $16, CX; \
	MOVL $0xffff, DX; SHRL CX, DX; KMOVW DX, kreg

#define ADDROW(base, r0, r1, r2, r3) \
	VMOVUPS.Z (base), K1, Z16; VADDPS Z16, r0, r0; \
	VMOVUPS.Z 64(base), K2, Z17; VADDPS Z17, r1, r1; \
	VMOVUPS.Z 128(base), K3, Z18; VADDPS Z18, r2, r2; \
	VMOVUPS.Z 192(base), K4, Z19; VADDPS Z19, r3, r3

TEXT ·colSumAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ n+24(FP), R10
	SHLQ $2, R10

panel:
	MOVQ    DI, AX
	SUBQ    dst+0(FP), AX
	SHRQ    $2, AX
	MOVQ    n+24(FP), CX
	SUBQ    AX, CX
	JLE     done
	MOVQ    $64, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASK(AX, 0, K1)
	MASK(AX, 16, K2)
	MASK(AX, 32, K3)
	MASK(AX, 48, K4)
	VPXORD  Z0, Z0, Z0
	VPXORD  Z1, Z1, Z1
	VPXORD  Z2, Z2, Z2
	VPXORD  Z3, Z3, Z3
	VPXORD  Z4, Z4, Z4
	VPXORD  Z5, Z5, Z5
	VPXORD  Z6, Z6, Z6
	VPXORD  Z7, Z7, Z7
	MOVQ    DI, R12
	SUBQ    dst+0(FP), R12
	ADDQ    a+8(FP), R12
	MOVQ    m+16(FP), SI
	CMPQ    SI, $2
	JLT     last

pairs:
	ADDROW(R12, Z0, Z1, Z2, Z3)
	ADDQ R10, R12
	ADDROW(R12, Z4, Z5, Z6, Z7)
	ADDQ R10, R12
	SUBQ $2, SI
	CMPQ SI, $2
	JGE  pairs

last:
	TESTQ SI, SI
	JZ    sum
	ADDROW(R12, Z0, Z1, Z2, Z3)

sum:
	VADDPS  Z4, Z0, Z0
	VADDPS  Z5, Z1, Z1
	VADDPS  Z6, Z2, Z2
	VADDPS  Z7, Z3, Z3
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, 64(DI)
	VMOVUPS Z2, K3, 128(DI)
	VMOVUPS Z3, K4, 192(DI)
	ADDQ    $256, DI
	JMP     panel

done:
	VZEROUPPER
	RET
