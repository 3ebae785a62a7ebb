//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemmAVX512: C (m×n, row stride ldc) = A·B (+ bias) (+ C with flagAcc), max(0, ·) with flagReLU,
// A's element (i, p) at a[i*rsa + p*csa], B k×n with row stride ldb.
//
// Columns go in panels: a wide panel of up to 64 columns (four Z vectors under masks K1-K4) while
// more than 48 columns remain, else a narrow panel of up to 16 (one Z vector under K1). A wide
// panel runs 4-row blocks (16 accumulators Z0-Z15, B in Z16-Z19, A broadcast in Z20-Z23), a
// narrow one 8-row blocks (Z0-Z7, B in Z16, A in Z20-Z27); left-over rows go one at a time.
// Masked loads and stores never touch the masked-off elements, so nothing outside the operands
// is read or written.
//
// Registers: DI C panel; R8 rsa, R9 csa, R10 ldb, R14 ldc (all in bytes); R11 rows left;
// R13 A block; R15 C block; in the k loop AX, CX, BX walk A's rows, R12 walks B, SI counts.
// The panel's column offset DI-c also locates the panel in B and bias.

// MASK sets kreg to the lanes of the 16-column vector at column sub of a panel w columns wide.
#define MASK(w, sub, kreg) \
	MOVQ w, CX; SUBQ $sub, CX; XORL DX, DX; CMPQ CX, DX; CMOVQLT DX, CX; \
	MOVQ $16, DX; CMPQ CX, DX; CMOVQGT DX, CX; NEGQ CX; ADDQ $16, CX; \
	MOVL $0xffff, DX; SHRL CX, DX; KMOVW DX, kreg

#define LOAD4(base, r0, r1, r2, r3) \
	VMOVUPS.Z (base), K1, r0; VMOVUPS.Z 64(base), K2, r1; \
	VMOVUPS.Z 128(base), K3, r2; VMOVUPS.Z 192(base), K4, r3

#define STORE4(base, r0, r1, r2, r3) \
	VMOVUPS r0, K1, (base); VMOVUPS r1, K2, 64(base); \
	VMOVUPS r2, K3, 128(base); VMOVUPS r3, K4, 192(base)

#define ZERO4(r0, r1, r2, r3) \
	VPXORD r0, r0, r0; VPXORD r1, r1, r1; VPXORD r2, r2, r2; VPXORD r3, r3, r3

#define COPY4(r0, r1, r2, r3, d0, d1, d2, d3) \
	VMOVAPS r0, d0; VMOVAPS r1, d1; VMOVAPS r2, d2; VMOVAPS r3, d3

// RELU4 keeps NaN (max's second source wins on NaN) and -0, as the Go loop does.
#define RELU4(r0, r1, r2, r3) \
	VMAXPS r0, Z31, r0; VMAXPS r1, Z31, r1; VMAXPS r2, Z31, r2; VMAXPS r3, Z31, r3

#define FMA4(bc, r0, r1, r2, r3) \
	VFMADD231PS Z16, bc, r0; VFMADD231PS Z17, bc, r1; \
	VFMADD231PS Z18, bc, r2; VFMADD231PS Z19, bc, r3

// PANELOFF sets reg to the address in the operand at frame slot arg of the current panel.
#define PANELOFF(arg, reg) \
	MOVQ DI, reg; SUBQ c+0(FP), reg; ADDQ arg, reg

// func gemmAVX512(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int)
TEXT ·gemmAVX512(SB), NOSPLIT, $0-96
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R14
	SHLQ $2, R14
	MOVQ rsa+24(FP), R8
	SHLQ $2, R8
	MOVQ csa+32(FP), R9
	SHLQ $2, R9
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10
	VPXORD Z31, Z31, Z31

panel:
	MOVQ DI, AX
	SUBQ c+0(FP), AX
	SHRQ $2, AX
	MOVQ n+72(FP), CX
	SUBQ AX, CX
	JLE  done
	CMPQ CX, $48
	JLE  narrow

	// Wide panel.
	MOVQ    $64, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASK(AX, 0, K1)
	MASK(AX, 16, K2)
	MASK(AX, 32, K3)
	MASK(AX, 48, K4)
	MOVQ    m+64(FP), R11
	MOVQ    a+16(FP), R13
	MOVQ    DI, R15

w4rows:
	CMPQ  R11, $4
	JLT   w1rows
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   w4acc
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    w4zero
	PANELOFF(DX, AX)
	LOAD4(AX, Z0, Z1, Z2, Z3)
	COPY4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	COPY4(Z0, Z1, Z2, Z3, Z8, Z9, Z10, Z11)
	COPY4(Z0, Z1, Z2, Z3, Z12, Z13, Z14, Z15)
	JMP   w4go

w4zero:
	ZERO4(Z0, Z1, Z2, Z3)
	ZERO4(Z4, Z5, Z6, Z7)
	ZERO4(Z8, Z9, Z10, Z11)
	ZERO4(Z12, Z13, Z14, Z15)
	JMP w4go

w4acc:
	MOVQ R15, AX
	LOAD4(AX, Z0, Z1, Z2, Z3)
	ADDQ R14, AX
	LOAD4(AX, Z4, Z5, Z6, Z7)
	ADDQ R14, AX
	LOAD4(AX, Z8, Z9, Z10, Z11)
	ADDQ R14, AX
	LOAD4(AX, Z12, Z13, Z14, Z15)

w4go:
	PANELOFF(b+40(FP), R12)
	MOVQ R13, AX
	LEAQ (R13)(R8*2), CX
	MOVQ k+80(FP), SI

w4k:
	VMOVUPS.Z    (R12), K1, Z16
	VMOVUPS.Z    64(R12), K2, Z17
	VMOVUPS.Z    128(R12), K3, Z18
	VMOVUPS.Z    192(R12), K4, Z19
	VBROADCASTSS (AX), Z20
	VBROADCASTSS (AX)(R8*1), Z21
	VBROADCASTSS (CX), Z22
	VBROADCASTSS (CX)(R8*1), Z23
	FMA4(Z20, Z0, Z1, Z2, Z3)
	FMA4(Z21, Z4, Z5, Z6, Z7)
	FMA4(Z22, Z8, Z9, Z10, Z11)
	FMA4(Z23, Z12, Z13, Z14, Z15)
	ADDQ         R9, AX
	ADDQ         R9, CX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          w4k

	MOVQ  flags+88(FP), DX
	TESTQ $1, DX
	JZ    w4store
	RELU4(Z0, Z1, Z2, Z3)
	RELU4(Z4, Z5, Z6, Z7)
	RELU4(Z8, Z9, Z10, Z11)
	RELU4(Z12, Z13, Z14, Z15)

w4store:
	MOVQ R15, AX
	STORE4(AX, Z0, Z1, Z2, Z3)
	ADDQ R14, AX
	STORE4(AX, Z4, Z5, Z6, Z7)
	ADDQ R14, AX
	STORE4(AX, Z8, Z9, Z10, Z11)
	ADDQ R14, AX
	STORE4(AX, Z12, Z13, Z14, Z15)
	LEAQ (R13)(R8*4), R13
	LEAQ (R15)(R14*4), R15
	SUBQ $4, R11
	JMP  w4rows

w1rows:
	TESTQ R11, R11
	JZ    wnext
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   w1acc
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    w1zero
	PANELOFF(DX, AX)
	LOAD4(AX, Z0, Z1, Z2, Z3)
	JMP   w1go

w1zero:
	ZERO4(Z0, Z1, Z2, Z3)
	JMP w1go

w1acc:
	LOAD4(R15, Z0, Z1, Z2, Z3)

w1go:
	PANELOFF(b+40(FP), R12)
	MOVQ R13, AX
	MOVQ k+80(FP), SI

w1k:
	VMOVUPS.Z    (R12), K1, Z16
	VMOVUPS.Z    64(R12), K2, Z17
	VMOVUPS.Z    128(R12), K3, Z18
	VMOVUPS.Z    192(R12), K4, Z19
	VBROADCASTSS (AX), Z20
	FMA4(Z20, Z0, Z1, Z2, Z3)
	ADDQ         R9, AX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          w1k

	MOVQ  flags+88(FP), DX
	TESTQ $1, DX
	JZ    w1store
	RELU4(Z0, Z1, Z2, Z3)

w1store:
	STORE4(R15, Z0, Z1, Z2, Z3)
	ADDQ R8, R13
	ADDQ R14, R15
	DECQ R11
	JMP  w1rows

wnext:
	ADDQ $256, DI
	JMP  panel

	// Narrow panel: at most 16 columns, 8-row blocks.
narrow:
	MOVQ    $16, AX
	CMPQ    CX, AX
	CMOVQLT CX, AX
	MASK(AX, 0, K1)
	MOVQ    m+64(FP), R11
	MOVQ    a+16(FP), R13
	MOVQ    DI, R15

n8rows:
	CMPQ  R11, $8
	JLT   n1rows
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   n8acc
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    n8zero
	PANELOFF(DX, AX)
	VMOVUPS.Z (AX), K1, Z0
	VMOVAPS   Z0, Z1
	VMOVAPS   Z0, Z2
	VMOVAPS   Z0, Z3
	COPY4(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	JMP       n8go

n8zero:
	ZERO4(Z0, Z1, Z2, Z3)
	ZERO4(Z4, Z5, Z6, Z7)
	JMP n8go

n8acc:
	MOVQ      R15, AX
	VMOVUPS.Z (AX), K1, Z0
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z1
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z2
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z3
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z4
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z5
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z6
	ADDQ      R14, AX
	VMOVUPS.Z (AX), K1, Z7

n8go:
	PANELOFF(b+40(FP), R12)
	LEAQ (R8)(R8*2), DX
	MOVQ R13, AX
	LEAQ (R13)(DX*1), CX
	LEAQ (CX)(DX*1), BX
	MOVQ k+80(FP), SI

n8k:
	VMOVUPS.Z    (R12), K1, Z16
	VBROADCASTSS (AX), Z20
	VBROADCASTSS (AX)(R8*1), Z21
	VBROADCASTSS (AX)(R8*2), Z22
	VBROADCASTSS (CX), Z23
	VBROADCASTSS (CX)(R8*1), Z24
	VBROADCASTSS (CX)(R8*2), Z25
	VBROADCASTSS (BX), Z26
	VBROADCASTSS (BX)(R8*1), Z27
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z16, Z21, Z1
	VFMADD231PS  Z16, Z22, Z2
	VFMADD231PS  Z16, Z23, Z3
	VFMADD231PS  Z16, Z24, Z4
	VFMADD231PS  Z16, Z25, Z5
	VFMADD231PS  Z16, Z26, Z6
	VFMADD231PS  Z16, Z27, Z7
	ADDQ         R9, AX
	ADDQ         R9, CX
	ADDQ         R9, BX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          n8k

	MOVQ  flags+88(FP), DX
	TESTQ $1, DX
	JZ    n8store
	RELU4(Z0, Z1, Z2, Z3)
	RELU4(Z4, Z5, Z6, Z7)

n8store:
	MOVQ    R15, AX
	VMOVUPS Z0, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z1, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z2, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z3, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z4, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z5, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z6, K1, (AX)
	ADDQ    R14, AX
	VMOVUPS Z7, K1, (AX)
	LEAQ    (R13)(R8*8), R13
	LEAQ    (R15)(R14*8), R15
	SUBQ    $8, R11
	JMP     n8rows

n1rows:
	TESTQ R11, R11
	JZ    nnext
	MOVQ  flags+88(FP), DX
	TESTQ $2, DX
	JNZ   n1acc
	MOVQ  bias+56(FP), DX
	TESTQ DX, DX
	JZ    n1zero
	PANELOFF(DX, AX)
	VMOVUPS.Z (AX), K1, Z0
	JMP       n1go

n1zero:
	VPXORD Z0, Z0, Z0
	JMP    n1go

n1acc:
	VMOVUPS.Z (R15), K1, Z0

n1go:
	PANELOFF(b+40(FP), R12)
	MOVQ R13, AX
	MOVQ k+80(FP), SI

n1k:
	VMOVUPS.Z    (R12), K1, Z16
	VBROADCASTSS (AX), Z20
	VFMADD231PS  Z16, Z20, Z0
	ADDQ         R9, AX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          n1k

	MOVQ  flags+88(FP), DX
	TESTQ $1, DX
	JZ    n1store
	VMAXPS Z0, Z31, Z0

n1store:
	VMOVUPS Z0, K1, (R15)
	ADDQ    R8, R13
	ADDQ    R14, R15
	DECQ    R11
	JMP     n1rows

nnext:
	ADDQ $64, DI
	JMP  panel

done:
	VZEROUPPER
	RET
