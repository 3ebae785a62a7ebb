//go:build amd64 && !purego && !noasm

#include "textflag.h"

// DATA iota<>: the int32 0..15, the lane numbers.
DATA iota<>+0(SB)/8, $0x0000000100000000
DATA iota<>+8(SB)/8, $0x0000000300000002
DATA iota<>+16(SB)/8, $0x0000000500000004
DATA iota<>+24(SB)/8, $0x0000000700000006
DATA iota<>+32(SB)/8, $0x0000000900000008
DATA iota<>+40(SB)/8, $0x0000000b0000000a
DATA iota<>+48(SB)/8, $0x0000000d0000000c
DATA iota<>+56(SB)/8, $0x0000000f0000000e
GLOBL iota<>(SB), RODATA|NOPTR, $64

// func packTAVX512(dst, src *float32, k, w, kw int)
//
// dst[p*w + j] = src[j*k + p] for j < w, p < kw: kw columns of the w×k matrix src, transposed.
// Sixteen rows of src at a time, one masked gather (lane j reads src[j*k + p]) per column p.
//
// Registers: DI dst block, SI src block; R8 k (bytes), R9 w (bytes); Z1 the gather indices
// j*k; K1 the block's lanes (K2 a copy, which the gather consumes); CX columns left.
TEXT ·packTAVX512(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         k+16(FP), R8
	VPBROADCASTD R8, Z1
	VPMULLD      iota<>(SB), Z1, Z1
	SHLQ         $2, R8
	MOVQ         w+24(FP), R9
	SHLQ         $2, R9
	MOVQ         w+24(FP), R10 // rows left

block:
	TESTQ   R10, R10
	JLE     done
	MOVQ    $16, CX
	CMPQ    R10, CX
	CMOVQLT R10, CX
	NEGQ    CX
	ADDQ    $16, CX
	MOVL    $0xffff, DX
	SHRL    CX, DX
	KMOVW   DX, K1
	MOVQ    DI, R11
	MOVQ    SI, R12
	MOVQ    kw+32(FP), CX

column:
	KMOVW      K1, K2
	VPXORD     Z0, Z0, Z0
	VPGATHERDD (R12)(Z1*4), K2, Z0
	VMOVUPS    Z0, K1, (R11)
	ADDQ       $4, R12
	ADDQ       R9, R11
	DECQ       CX
	JNZ        column

	ADDQ $64, DI
	MOVQ R8, AX
	SHLQ $4, AX
	ADDQ AX, SI
	SUBQ $16, R10
	JMP  block

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

// func packTAVX2(dst, src *float32, k, w, kw int)
//
// packTAVX512 with eight rows of src at a time: Y1 the indices, Y3 the block's lane mask (Y2 a
// copy, which the gather consumes); masked-off lanes are neither read nor stored.
TEXT ·packTAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         k+16(FP), R8
	MOVQ         R8, X1
	VPBROADCASTD X1, Y1
	VPMULLD      iota<>(SB), Y1, Y1
	SHLQ         $2, R8
	MOVQ         w+24(FP), R9
	SHLQ         $2, R9
	MOVQ         w+24(FP), R10

block2:
	TESTQ   R10, R10
	JLE     done2
	MOVQ    $8, CX
	CMPQ    R10, CX
	CMOVQLT R10, CX
	SHLQ    $2, CX
	LEAQ    maskTab<>+32(SB), DX
	SUBQ    CX, DX
	VMOVDQU (DX), Y3
	MOVQ    DI, R11
	MOVQ    SI, R12
	MOVQ    kw+32(FP), CX

column2:
	VMOVDQA    Y3, Y2
	VPXOR      Y0, Y0, Y0
	VPGATHERDD Y2, (R12)(Y1*4), Y0
	VMASKMOVPS Y0, Y3, (R11)
	ADDQ       $4, R12
	ADDQ       R9, R11
	DECQ       CX
	JNZ        column2

	ADDQ $32, DI
	MOVQ R8, AX
	SHLQ $3, AX
	ADDQ AX, SI
	SUBQ $8, R10
	JMP  block2

done2:
	VZEROUPPER
	RET
