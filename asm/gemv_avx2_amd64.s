//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemvAVX2: gemvAVX512's contract with 256-bit registers. B is streamed once. While 64 or more
// columns remain, a panel of 64 takes one row of B at a time (wide, below: the gemm kernel's
// order and bits). The rest goes in panels of up to 16 columns (two Y vectors); four rows of B
// are in flight, each accumulating into its own pair of vectors (Y0-Y7), added at the end. A
// full panel's rows are read by the FMAs themselves (loop4full: full-width loads, which on Zen
// 1-3 leave the FMA pipes to the FMAs); a narrower panel's, and the last k mod 4 rows, through
// the VMASKMOVPS masks Y14, Y15 (a masked load occupies an FMA pipe there). Both loops sum in
// the same order, so the results do not depend on which one ran.
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

// STEPF is STEP for a full panel: the FMAs load the B row, unmasked.
#define STEPF(boff, aoff, bc, r0, r1) \
	VBROADCASTSS aoff, bc; \
	VFMADD231PS  0 boff, bc, r0; \
	VFMADD231PS  32 boff, bc, r1

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
	CMPQ    CX, $64
	JGE     wide
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
	TESTQ   BX, BX
	JZ      loop4

loop4full:
	STEPF((R12), (AX), Y10, Y0, Y1)
	STEPF((R12)(R10*1), (AX)(R9*1), Y11, Y2, Y3)
	STEPF((R12)(R10*2), (AX)(R9*2), Y12, Y4, Y5)
	STEPF((R12)(R11*1), (AX)(R13*1), Y13, Y6, Y7)
	LEAQ (R12)(R10*4), R12
	LEAQ (AX)(R9*4), AX
	SUBQ $4, SI
	CMPQ SI, $4
	JGE  loop4full
	JMP  tail

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

// wide: a panel of 64 columns (8 Y vectors), one row of B at a time, each column one chain of
// fused multiply-adds from the bias (or C, or 0) in order of p, as the gemm kernel sums it, so
// that these columns get the gemm kernel's bits. A row of B is 256 contiguous bytes (the
// prefetchers' easiest stream); the kernel is bound by L2's 32 bytes per cycle on Zen, not by
// the FMAs' latency (8 chains, one FMA each per row).
wide:
	MOVQ  flags+64(FP), DX
	TESTQ $2, DX
	JNZ   wacc
	MOVQ  bias+40(FP), DX
	TESTQ DX, DX
	JZ    wzero
	MOVQ  DI, AX
	SUBQ  c+0(FP), AX
	ADDQ  AX, DX
	JMP   wload

wacc:
	MOVQ DI, DX

wload:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VMOVUPS 128(DX), Y4
	VMOVUPS 160(DX), Y5
	VMOVUPS 192(DX), Y6
	VMOVUPS 224(DX), Y7
	JMP     wstart

wzero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

wstart:
	MOVQ DI, R12
	SUBQ c+0(FP), R12
	ADDQ b+24(FP), R12
	MOVQ a+8(FP), AX
	MOVQ k+56(FP), SI

wloop:
	VBROADCASTSS (AX), Y8
	VFMADD231PS  (R12), Y8, Y0
	VFMADD231PS  32(R12), Y8, Y1
	VFMADD231PS  64(R12), Y8, Y2
	VFMADD231PS  96(R12), Y8, Y3
	VFMADD231PS  128(R12), Y8, Y4
	VFMADD231PS  160(R12), Y8, Y5
	VFMADD231PS  192(R12), Y8, Y6
	VFMADD231PS  224(R12), Y8, Y7
	ADDQ         R10, R12
	ADDQ         R9, AX
	DECQ         SI
	JNZ          wloop

	MOVQ   flags+64(FP), DX
	TESTQ  $1, DX
	JZ     wstore
	VXORPS Y8, Y8, Y8
	VMAXPS Y0, Y8, Y0
	VMAXPS Y1, Y8, Y1
	VMAXPS Y2, Y8, Y2
	VMAXPS Y3, Y8, Y3
	VMAXPS Y4, Y8, Y4
	VMAXPS Y5, Y8, Y5
	VMAXPS Y6, Y8, Y6
	VMAXPS Y7, Y8, Y7

wstore:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ    $256, DI
	JMP     panel

done:
	VZEROUPPER
	RET
