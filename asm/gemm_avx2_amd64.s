//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemmAVX2: gemmAVX512's contract with 256-bit registers. Columns go in panels of up to 16 (two Y
// vectors; a partial panel's loads and stores go through VMASKMOVPS with the masks Y14, Y15,
// which never touch masked-off elements); rows in blocks of 4 (accumulators Y0-Y7, B in Y8-Y9, A
// broadcast in Y10-Y13), left-over rows one at a time.
//
// Registers: as gemmAVX512's, and BX = 1 when the panel is full width (plain stores).

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

#define LOAD2(base, r0, r1) \
	VMASKMOVPS (base), Y14, r0; VMASKMOVPS 32(base), Y15, r1

#define MSTORE2(base, r0, r1) \
	VMASKMOVPS r0, Y14, (base); VMASKMOVPS r1, Y15, 32(base)

#define STORE2(base, r0, r1) \
	VMOVUPS r0, (base); VMOVUPS r1, 32(base)

#define RELU2(r0, r1) \
	VMAXPS r0, Y8, r0; VMAXPS r1, Y8, r1

#define FMA2(bc, r0, r1) \
	VFMADD231PS Y8, bc, r0; VFMADD231PS Y9, bc, r1

#define PANELOFF(arg, reg) \
	MOVQ DI, reg; SUBQ c+0(FP), reg; ADDQ arg, reg

// func gemmAVX2(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int)
TEXT ·gemmAVX2(SB), NOSPLIT, $0-96
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R14
	SHLQ $2, R14
	MOVQ rsa+24(FP), R8
	SHLQ $2, R8
	MOVQ csa+32(FP), R9
	SHLQ $2, R9
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10

panel:
	MOVQ    DI, AX
	SUBQ    c+0(FP), AX
	SHRQ    $2, AX
	MOVQ    n+72(FP), CX
	SUBQ    AX, CX
	JLE     done
	MOVQ    $16, AX
	XORQ    BX, BX
	CMPQ    CX, AX
	SETGE   BX
	CMOVQLT CX, AX
	MASKS
	MOVQ    m+64(FP), R11
	MOVQ    a+16(FP), R13
	MOVQ    DI, R15

rows4:
	CMPQ  R11, $4
	JLT   rows1
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   acc4
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    zero4
	PANELOFF(DX, AX)
	LOAD2(AX, Y0, Y1)
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	JMP   go4

zero4:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	JMP    go4

acc4:
	MOVQ R15, AX
	LOAD2(AX, Y0, Y1)
	ADDQ R14, AX
	LOAD2(AX, Y2, Y3)
	ADDQ R14, AX
	LOAD2(AX, Y4, Y5)
	ADDQ R14, AX
	LOAD2(AX, Y6, Y7)

go4:
	PANELOFF(b+40(FP), R12)
	MOVQ R13, AX
	LEAQ (R13)(R8*2), CX
	MOVQ k+80(FP), SI

k4:
	LOAD2(R12, Y8, Y9)
	VBROADCASTSS (AX), Y10
	VBROADCASTSS (AX)(R8*1), Y11
	VBROADCASTSS (CX), Y12
	VBROADCASTSS (CX)(R8*1), Y13
	FMA2(Y10, Y0, Y1)
	FMA2(Y11, Y2, Y3)
	FMA2(Y12, Y4, Y5)
	FMA2(Y13, Y6, Y7)
	ADDQ         R9, AX
	ADDQ         R9, CX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          k4

	MOVQ   flags+88(FP), DX
	TESTQ  $1, DX
	JZ     store4
	VXORPS Y8, Y8, Y8
	RELU2(Y0, Y1)
	RELU2(Y2, Y3)
	RELU2(Y4, Y5)
	RELU2(Y6, Y7)

store4:
	MOVQ  R15, AX
	TESTQ BX, BX
	JZ    mstore4
	STORE2(AX, Y0, Y1)
	ADDQ  R14, AX
	STORE2(AX, Y2, Y3)
	ADDQ  R14, AX
	STORE2(AX, Y4, Y5)
	ADDQ  R14, AX
	STORE2(AX, Y6, Y7)
	JMP   next4

mstore4:
	MSTORE2(AX, Y0, Y1)
	ADDQ R14, AX
	MSTORE2(AX, Y2, Y3)
	ADDQ R14, AX
	MSTORE2(AX, Y4, Y5)
	ADDQ R14, AX
	MSTORE2(AX, Y6, Y7)

next4:
	LEAQ (R13)(R8*4), R13
	LEAQ (R15)(R14*4), R15
	SUBQ $4, R11
	JMP  rows4

rows1:
	TESTQ R11, R11
	JZ    nextpanel
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   acc1
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    zero1
	PANELOFF(DX, AX)
	LOAD2(AX, Y0, Y1)
	JMP   go1

zero1:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	JMP    go1

acc1:
	LOAD2(R15, Y0, Y1)

go1:
	PANELOFF(b+40(FP), R12)
	MOVQ R13, AX
	MOVQ k+80(FP), SI

k1:
	LOAD2(R12, Y8, Y9)
	VBROADCASTSS (AX), Y10
	FMA2(Y10, Y0, Y1)
	ADDQ         R9, AX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          k1

	MOVQ   flags+88(FP), DX
	TESTQ  $1, DX
	JZ     store1
	VXORPS Y8, Y8, Y8
	RELU2(Y0, Y1)

store1:
	TESTQ BX, BX
	JZ    mstore1
	STORE2(R15, Y0, Y1)
	JMP   next1

mstore1:
	MSTORE2(R15, Y0, Y1)

next1:
	ADDQ R8, R13
	ADDQ R14, R15
	DECQ R11
	JMP  rows1

nextpanel:
	ADDQ $64, DI
	JMP  panel

done:
	VZEROUPPER
	RET
