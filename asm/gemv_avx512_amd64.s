//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemvAVX512: c (1×n) = a·B (+ bias) (+ c with flagAcc), max(0, ·) with flagReLU, a's element p
// at a[p*csa], B k×n with row stride ldb.
//
// The batch-1 prediction: B is streamed once, in panels of up to 64 columns (Z vectors under
// masks K1-K4) while more than 48 columns remain, else of up to 16 (one vector under K1). Four rows of B are in flight at a time, each accumulating into its own four
// vectors (Z0-Z15), so that the FMA latency is hidden; the four partial sums are added at the end.
//
// Registers: DI c panel; R9 csa, R10 ldb (bytes), R11 3·ldb, R13 3·csa; AX walks a, R12 walks B,
// SI counts rows of B.

#define MASK(w, sub, kreg) \
	MOVQ w, CX; SUBQ $sub, CX; XORL DX, DX; CMPQ CX, DX; CMOVQLT DX, CX; \
	MOVQ $16, DX; CMPQ CX, DX; CMOVQGT DX, CX; NEGQ CX; ADDQ $16, CX; \
	MOVL $0xffff, DX; SHRL CX, DX; KMOVW DX, kreg

#define ZERO4(r0, r1, r2, r3) \
	VPXORD r0, r0, r0; VPXORD r1, r1, r1; VPXORD r2, r2, r2; VPXORD r3, r3, r3

// STEP multiplies the B row at offset off(R12) by a's element at aoff(AX) into r0-r3.
#define STEP(boff, aoff, bc, r0, r1, r2, r3) \
	VMOVUPS.Z    0 boff, K1, Z16; \
	VMOVUPS.Z    64 boff, K2, Z17; \
	VMOVUPS.Z    128 boff, K3, Z18; \
	VMOVUPS.Z    192 boff, K4, Z19; \
	VBROADCASTSS aoff, bc; \
	VFMADD231PS  Z16, bc, r0; \
	VFMADD231PS  Z17, bc, r1; \
	VFMADD231PS  Z18, bc, r2; \
	VFMADD231PS  Z19, bc, r3

#define ADD4(base, r0, r1, r2, r3) \
	VMOVUPS.Z (base), K1, Z16; VADDPS Z16, r0, r0; \
	VMOVUPS.Z 64(base), K2, Z17; VADDPS Z17, r1, r1; \
	VMOVUPS.Z 128(base), K3, Z18; VADDPS Z18, r2, r2; \
	VMOVUPS.Z 192(base), K4, Z19; VADDPS Z19, r3, r3

// func gemvAVX512(c *float32, a *float32, csa int, b *float32, ldb int, bias *float32, n, k, flags int)
TEXT ·gemvAVX512(SB), NOSPLIT, $0-72
	MOVQ   c+0(FP), DI
	MOVQ   csa+16(FP), R9
	SHLQ   $2, R9
	LEAQ   (R9)(R9*2), R13
	MOVQ   ldb+32(FP), R10
	SHLQ   $2, R10
	LEAQ   (R10)(R10*2), R11
	VPXORD Z31, Z31, Z31

panel:
	MOVQ DI, AX
	SUBQ c+0(FP), AX
	SHRQ $2, AX
	MOVQ n+48(FP), CX
	SUBQ AX, CX
	JLE  done
	CMPQ CX, $48
	JLE  narrow
	MOVQ    $64, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASK(AX, 0, K1)
	MASK(AX, 16, K2)
	MASK(AX, 32, K3)
	MASK(AX, 48, K4)
	ZERO4(Z0, Z1, Z2, Z3)
	ZERO4(Z4, Z5, Z6, Z7)
	ZERO4(Z8, Z9, Z10, Z11)
	ZERO4(Z12, Z13, Z14, Z15)
	MOVQ DI, R12
	SUBQ c+0(FP), R12
	ADDQ b+24(FP), R12
	MOVQ a+8(FP), AX
	MOVQ k+56(FP), SI
	CMPQ SI, $4
	JLT  tail

loop4:
	STEP((R12), (AX), Z20, Z0, Z1, Z2, Z3)
	STEP((R12)(R10*1), (AX)(R9*1), Z21, Z4, Z5, Z6, Z7)
	STEP((R12)(R10*2), (AX)(R9*2), Z22, Z8, Z9, Z10, Z11)
	STEP((R12)(R11*1), (AX)(R13*1), Z23, Z12, Z13, Z14, Z15)
	LEAQ (R12)(R10*4), R12
	LEAQ (AX)(R9*4), AX
	SUBQ $4, SI
	CMPQ SI, $4
	JGE  loop4

tail:
	TESTQ SI, SI
	JZ    sum

loop1:
	STEP((R12), (AX), Z20, Z0, Z1, Z2, Z3)
	ADDQ R10, R12
	ADDQ R9, AX
	DECQ SI
	JNZ  loop1

sum:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VADDPS Z12, Z8, Z8
	VADDPS Z13, Z9, Z9
	VADDPS Z14, Z10, Z10
	VADDPS Z15, Z11, Z11
	VADDPS Z8, Z0, Z0
	VADDPS Z9, Z1, Z1
	VADDPS Z10, Z2, Z2
	VADDPS Z11, Z3, Z3

	MOVQ  flags+64(FP), DX
	TESTQ $2, DX
	JNZ   addc
	MOVQ  bias+40(FP), DX
	TESTQ DX, DX
	JZ    relu
	MOVQ  DI, AX
	SUBQ  c+0(FP), AX
	ADDQ  AX, DX
	ADD4(DX, Z0, Z1, Z2, Z3)
	JMP   relu

addc:
	ADD4(DI, Z0, Z1, Z2, Z3)

relu:
	MOVQ   flags+64(FP), DX
	TESTQ  $1, DX
	JZ     store
	VMAXPS Z0, Z31, Z0
	VMAXPS Z1, Z31, Z1
	VMAXPS Z2, Z31, Z2
	VMAXPS Z3, Z31, Z3

store:
	VMOVUPS Z0, K1, (DI)
	VMOVUPS Z1, K2, 64(DI)
	VMOVUPS Z2, K3, 128(DI)
	VMOVUPS Z3, K4, 192(DI)
	ADDQ    $256, DI
	JMP     panel

	// Narrow panel: at most 16 columns, one vector per row of B.
narrow:
	MOVQ    $16, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASK(AX, 0, K1)
	ZERO4(Z0, Z1, Z2, Z3)
	MOVQ DI, R12
	SUBQ c+0(FP), R12
	ADDQ b+24(FP), R12
	MOVQ a+8(FP), AX
	MOVQ k+56(FP), SI
	CMPQ SI, $4
	JLT  ntail

nloop4:
	VMOVUPS.Z    (R12), K1, Z16
	VMOVUPS.Z    (R12)(R10*1), K1, Z17
	VMOVUPS.Z    (R12)(R10*2), K1, Z18
	VMOVUPS.Z    (R12)(R11*1), K1, Z19
	VBROADCASTSS (AX), Z20
	VBROADCASTSS (AX)(R9*1), Z21
	VBROADCASTSS (AX)(R9*2), Z22
	VBROADCASTSS (AX)(R13*1), Z23
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z21, Z1
	VFMADD231PS  Z18, Z22, Z2
	VFMADD231PS  Z19, Z23, Z3
	LEAQ         (R12)(R10*4), R12
	LEAQ         (AX)(R9*4), AX
	SUBQ         $4, SI
	CMPQ         SI, $4
	JGE          nloop4

ntail:
	TESTQ SI, SI
	JZ    nsum

nloop1:
	VMOVUPS.Z    (R12), K1, Z16
	VBROADCASTSS (AX), Z20
	VFMADD231PS  Z16, Z20, Z0
	ADDQ         R10, R12
	ADDQ         R9, AX
	DECQ         SI
	JNZ          nloop1

nsum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	MOVQ   flags+64(FP), DX
	TESTQ  $2, DX
	JNZ    naddc
	MOVQ   bias+40(FP), DX
	TESTQ  DX, DX
	JZ     nrelu
	MOVQ   DI, AX
	SUBQ   c+0(FP), AX
	ADDQ   AX, DX
	VMOVUPS.Z (DX), K1, Z16
	VADDPS Z16, Z0, Z0
	JMP    nrelu

naddc:
	VMOVUPS.Z (DI), K1, Z16
	VADDPS    Z16, Z0, Z0

nrelu:
	MOVQ   flags+64(FP), DX
	TESTQ  $1, DX
	JZ     nstore
	VMAXPS Z0, Z31, Z0

nstore:
	VMOVUPS Z0, K1, (DI)
	ADDQ    $64, DI
	JMP     panel

done:
	VZEROUPPER
	RET
