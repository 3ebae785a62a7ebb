//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemvAVX2: gemvAVX512's contract with 256-bit registers. B is streamed once in panels of up to
// 16 columns (two Y vectors under the VMASKMOVPS masks Y14, Y15); four rows of B are in flight,
// each accumulating into its own pair of vectors (Y0-Y7), added at the end.
//
// Registers: DI c panel; R9 csa, R10 ldb (bytes), R11 3·ldb, R13 3·csa; AX walks a, R12 walks B,
// SI counts rows of B; BX = 1 when the panel is full width.

DATA maskTab<>+0(SB)/8, $0xffffffffffffffff
DATA maskTab<>+8(SB)/8, $0xffffffffffffffff
DATA maskTab<>+16(SB)/8, $0xffffffffffffffff
DATA maskTab<>+24(SB)/8, $0xffffffffffffffff
DATA maskTab<>+32(SB)/8, $0
DATA maskTab<>+40(SB)/8, $0
DATA maskTab<>+48(SB)/8, $0
DATA maskTab<>+56(SB)/8, $0
GLOBL maskTab<>(SB), RODATA|NOPTR, $64

#define MASKS \
	MOVQ    $8, CX; CMPQ AX, CX; CMOVQLT AX, CX; \
	SHLQ    $2, CX; LEAQ maskTab<>+32(SB), DX; SUBQ CX, DX; VMOVDQU (DX), Y14; \
	MOVQ    AX, CX; SUBQ $8, CX; XORL DX, DX; CMPQ CX, DX; CMOVQLT DX, CX; \
	SHLQ    $2, CX; LEAQ maskTab<>+32(SB), DX; SUBQ CX, DX; VMOVDQU (DX), Y15

// STEP multiplies the B row at boff by a's element at aoff into r0, r1.
#define STEP(boff, aoff, bc, r0, r1) \
	VMASKMOVPS   0 boff, Y14, Y8; \
	VMASKMOVPS   32 boff, Y15, Y9; \
	VBROADCASTSS aoff, bc; \
	VFMADD231PS  Y8, bc, r0; \
	VFMADD231PS  Y9, bc, r1

// func gemvAVX2(c *float32, a *float32, csa int, b *float32, ldb int, bias *float32, n, k, flags int)
TEXT ·gemvAVX2(SB), NOSPLIT, $0-72
	MOVQ c+0(FP), DI
	MOVQ csa+16(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R13
	MOVQ ldb+32(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11

panel:
	MOVQ    DI, AX
	SUBQ    c+0(FP), AX
	SHRQ    $2, AX
	MOVQ    n+48(FP), CX
	SUBQ    AX, CX
	JLE     done
	MOVQ    $16, AX
	XORQ    BX, BX
	CMPQ    CX, AX
	SETGE   BX
	CMOVQLT CX, AX
	MASKS
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	MOVQ    DI, R12
	SUBQ    c+0(FP), R12
	ADDQ    b+24(FP), R12
	MOVQ    a+8(FP), AX
	MOVQ    k+56(FP), SI
	CMPQ    SI, $4
	JLT     tail

loop4:
	STEP((R12), (AX), Y10, Y0, Y1)
	STEP((R12)(R10*1), (AX)(R9*1), Y11, Y2, Y3)
	STEP((R12)(R10*2), (AX)(R9*2), Y12, Y4, Y5)
	STEP((R12)(R11*1), (AX)(R13*1), Y13, Y6, Y7)
	LEAQ (R12)(R10*4), R12
	LEAQ (AX)(R9*4), AX
	SUBQ $4, SI
	CMPQ SI, $4
	JGE  loop4

tail:
	TESTQ SI, SI
	JZ    sum

loop1:
	STEP((R12), (AX), Y10, Y0, Y1)
	ADDQ R10, R12
	ADDQ R9, AX
	DECQ SI
	JNZ  loop1

sum:
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y6, Y4, Y4
	VADDPS Y7, Y5, Y5
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1

	MOVQ  flags+64(FP), DX
	TESTQ $2, DX
	JNZ   addc
	MOVQ  bias+40(FP), DX
	TESTQ DX, DX
	JZ    relu
	MOVQ  DI, AX
	SUBQ  c+0(FP), AX
	ADDQ  AX, DX
	VMASKMOVPS (DX), Y14, Y8
	VMASKMOVPS 32(DX), Y15, Y9
	VADDPS     Y8, Y0, Y0
	VADDPS     Y9, Y1, Y1
	JMP   relu

addc:
	VMASKMOVPS (DI), Y14, Y8
	VMASKMOVPS 32(DI), Y15, Y9
	VADDPS     Y8, Y0, Y0
	VADDPS     Y9, Y1, Y1

relu:
	MOVQ   flags+64(FP), DX
	TESTQ  $1, DX
	JZ     store
	VXORPS Y8, Y8, Y8
	VMAXPS Y0, Y8, Y0
	VMAXPS Y1, Y8, Y1

store:
	TESTQ BX, BX
	JZ    mstore
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	JMP   next

mstore:
	VMASKMOVPS Y0, Y14, (DI)
	VMASKMOVPS Y1, Y15, 32(DI)

next:
	ADDQ $64, DI
	JMP  panel

done:
	VZEROUPPER
	RET
