//go:build amd64 && !purego && !noasm

#include "textflag.h"

// func addRunsAVX2(dst *float32, dStep, dRow int, src *float32, sStep, sRow, n, rows, seg int)
//
// For j < n, k < rows, in that order: dst[j·dStep + k·dRow + i] += src[j·sStep + k·sRow + i], i <
// seg (steps in float32s): Col2Im's windows (j) and their kernel rows (k), or kernel rows and
// their taps. 32 values at a time, then 8, then one: each lane is the Go loop's dst + src (dst
// the first operand, whose NaN payload wins when both are NaN), and every cell receives its terms
// in the Go loop's order, so the sums are the Go kernel's bit for bit; within a run the cells are
// distinct, so the order of the lanes is free.
//
// Registers: DI and SI the run's first values, DX and R13 the row's; R8, R9 the steps and R11,
// R12 the row steps, in bytes; R14 rows left; CX the run's bytes, BX the offset in it; n counts
// down in its frame slot.
TEXT ·addRunsAVX2(SB), NOSPLIT, $0-72
	MOVQ dst+0(FP), DI
	MOVQ dStep+8(FP), R8
	SHLQ $2, R8
	MOVQ dRow+16(FP), R11
	SHLQ $2, R11
	MOVQ src+24(FP), SI
	MOVQ sStep+32(FP), R9
	SHLQ $2, R9
	MOVQ sRow+40(FP), R12
	SHLQ $2, R12
	MOVQ seg+64(FP), CX
	SHLQ $2, CX

arRun:
	MOVQ DI, DX
	MOVQ SI, R13
	MOVQ rows+56(FP), R14

arRow:
	XORQ BX, BX

arBy32:
	LEAQ    128(BX), AX
	CMPQ    AX, CX
	JGT     arBy8
	VMOVUPS (DX)(BX*1), Y0
	VMOVUPS 32(DX)(BX*1), Y1
	VMOVUPS 64(DX)(BX*1), Y2
	VMOVUPS 96(DX)(BX*1), Y3
	VADDPS  (R13)(BX*1), Y0, Y0
	VADDPS  32(R13)(BX*1), Y1, Y1
	VADDPS  64(R13)(BX*1), Y2, Y2
	VADDPS  96(R13)(BX*1), Y3, Y3
	VMOVUPS Y0, (DX)(BX*1)
	VMOVUPS Y1, 32(DX)(BX*1)
	VMOVUPS Y2, 64(DX)(BX*1)
	VMOVUPS Y3, 96(DX)(BX*1)
	MOVQ    AX, BX
	JMP     arBy32

arBy8:
	LEAQ    32(BX), AX
	CMPQ    AX, CX
	JGT     arBy1
	VMOVUPS (DX)(BX*1), Y0
	VADDPS  (R13)(BX*1), Y0, Y0
	VMOVUPS Y0, (DX)(BX*1)
	MOVQ    AX, BX
	JMP     arBy8

arBy1:
	CMPQ   BX, CX
	JGE    arRowDone
	VMOVSS (DX)(BX*1), X0
	VADDSS (R13)(BX*1), X0, X0
	VMOVSS X0, (DX)(BX*1)
	ADDQ   $4, BX
	JMP    arBy1

arRowDone:
	ADDQ R11, DX
	ADDQ R12, R13
	DECQ R14
	JNZ  arRow
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ n+48(FP)
	JNZ  arRun
	VZEROUPPER
	RET
