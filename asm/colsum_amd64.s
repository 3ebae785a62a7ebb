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

// maskTab holds eight all-ones int32 followed by eight zeros: the eight int32 at byte offset
// 32-4w are the mask of the first w lanes (0 <= w <= 8).
DATA maskTab<>+0(SB)/8, $0xffffffffffffffff
DATA maskTab<>+8(SB)/8, $0xffffffffffffffff
DATA maskTab<>+16(SB)/8, $0xffffffffffffffff
DATA maskTab<>+24(SB)/8, $0xffffffffffffffff
DATA maskTab<>+32(SB)/8, $0
DATA maskTab<>+40(SB)/8, $0
DATA maskTab<>+48(SB)/8, $0
DATA maskTab<>+56(SB)/8, $0
GLOBL maskTab<>(SB), RODATA|NOPTR, $64

// MASKS sets Y14, Y15 to the lanes of a panel w (in AX, 1..16) columns wide; it clobbers CX, DX.
#define MASKS \
	MOVQ    $8, CX; CMPQ AX, CX; CMOVQLT AX, CX; \
	SHLQ    $2, CX; LEAQ maskTab<>+32(SB), DX; SUBQ CX, DX; VMOVDQU (DX), Y14; \
	MOVQ    AX, CX; SUBQ $8, CX; XORL DX, DX; CMPQ CX, DX; CMOVQLT DX, CX; \
	SHLQ    $2, CX; LEAQ maskTab<>+32(SB), DX; SUBQ CX, DX; VMOVDQU (DX), Y15

#define ADDROW2(base, r0, r1) \
	VMASKMOVPS (base), Y14, Y8; VADDPS Y8, r0, r0; \
	VMASKMOVPS 32(base), Y15, Y9; VADDPS Y9, r1, r1

// func colSumAVX2(dst, a *float32, m, n int)
//
// colSumAVX512 with panels of up to 16 columns (two Y vectors under the VMASKMOVPS masks Y14,
// Y15) and two sets of accumulators (Y0-Y1, Y2-Y3).
TEXT ·colSumAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ n+24(FP), R10
	SHLQ $2, R10

panel2:
	MOVQ    DI, AX
	SUBQ    dst+0(FP), AX
	SHRQ    $2, AX
	MOVQ    n+24(FP), CX
	SUBQ    AX, CX
	JLE     done2
	MOVQ    $16, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASKS
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVQ    DI, R12
	SUBQ    dst+0(FP), R12
	ADDQ    a+8(FP), R12
	MOVQ    m+16(FP), SI
	CMPQ    SI, $2
	JLT     last2

pairs2:
	ADDROW2(R12, Y0, Y1)
	ADDQ R10, R12
	ADDROW2(R12, Y2, Y3)
	ADDQ R10, R12
	SUBQ $2, SI
	CMPQ SI, $2
	JGE  pairs2

last2:
	TESTQ SI, SI
	JZ    sum2
	ADDROW2(R12, Y0, Y1)

sum2:
	VADDPS     Y2, Y0, Y0
	VADDPS     Y3, Y1, Y1
	VMASKMOVPS Y0, Y14, (DI)
	VMASKMOVPS Y1, Y15, 32(DI)
	ADDQ       $64, DI
	JMP        panel2

done2:
	VZEROUPPER
	RET
