//go:build amd64 && !purego && !noasm

#include "textflag.h"

// gemmAVX2: C (m×n, row stride ldc) = A·B (+ bias) (+ C with flagAcc), max(0, ·) with flagReLU,
// A's element (i, p) at a[i*rsa + p*csa], B k×n with row stride ldb; n >= 8 (the Go wrapper pads
// narrower products, see gemmNarrowAVX2). No masks: every load and store is a full Y vector.
//
// Columns go in panels of 8 to 16, two Y vectors each: the first at the panel's column 0, the
// second at column w-8, so that in a panel narrower than 16 the two overlap; the overlapped
// columns are computed twice by the same operations in the same order, so both copies are the
// same bits and storing both is harmless. Panels are 16 wide, except that n mod 16 = r > 0 makes
// the last panel r wide when r >= 8, and the last 16+r columns two panels of ⌈(16+r)/2⌉ and
// ⌊(16+r)/2⌋ when r < 8: so every panel is 8 to 16 wide.
//
// Rows go in blocks of six slots (accumulators Y0-Y11, two per slot; B in Y12-Y13; A broadcast
// in Y14-Y15), and at the end in blocks of four slots (Y0-Y7): a four-slot block when 1 to 4, 7
// or 8 rows are left (so that 32 rows are 6+6+6+6+4+4, 121 are 6·19+4+3), a six-slot one
// otherwise; products less deep than SMALLK go in four-slot blocks only. A six-slot block of
// R = min(rows left, 6) rows puts slot q on row r(q) of {0, s, 2s, t, t+s, t+2s}, s = 1 and
// t = R-3 (R = 5: 0, 1, 2, 2, 3, 4); a four-slot block of R = min(rows left, 4) rows on
// {0, s, 2s, t}, s = 1 for R >= 3, else 0, and t = R-1 (R = 3: 0, 1, 2, 2; R = 2: 0, 0, 0, 1).
// A repeated row is computed identically in both slots; every slot loads its C row (flagAcc)
// before any slot stores, so storing a row twice stores the same bits.
//
// Every element is bias (or 0, or C) + Σ_p a_ip·b_pj summed in order of p by fused multiply-adds,
// as the earlier kernel and the AVX-512 one do: blocking the product along k in the Go wrapper
// (flagAcc) does not change a bit.
//
// At the start of every row block the kernel prefetches (PREFETCHT0) its share of two regions:
// pfan cache lines of a region of rows, pfaseg bytes of each, pfastride bytes apart, from pfa
// on (the A stream), and pfbn lines of a contiguous region from pfb on (the B stream), each
// moving on from where the previous block stopped. The Go wrapper points them at the next chunk
// of A (and B) that it will multiply, so that those lines are fetched while this call computes,
// spread evenly over its blocks, and only the columns of A that the next call reads. A prefetch
// never faults, so the regions may run past the operands.

// Registers: DI C panel (row 0); DX byte offset of the panel's second vector, 4(w-8); R8 the
// offset in its row of the A stream's next line (the row's start in the frame's pfrow); R14
// the B stream's next line; R9 csa, R10 ldb (bytes; rsa and ldc in bytes in the frame's rsa4,
// ldc4); R11 rows left; R13 A block; R15 C block; in the k loop AX and CX the A pointers of
// slots 0 and 3, BX the slot stride s·rsa, R12 B, SI the count. The panel's column offset DI-c
// also locates the panel in B and bias.

// SMALLK: products less deep than this go in four-slot blocks only (eight accumulators), whose
// shorter blocks overlap better out of order when a block is only a few steps long (measured on
// Zen 3: six-slot blocks were 12-18% slower than four-slot ones at k = 9, faster from k = 24).
#define SMALLK 24

#define FMA2(bc, r0, r1) \
	VFMADD231PS Y12, bc, r0; VFMADD231PS Y13, bc, r1

#define LOADV(base, r0, r1) \
	VMOVUPS (base), r0; VMOVUPS (base)(DX*1), r1

#define STOREV(base, r0, r1) \
	VMOVUPS r0, (base); VMOVUPS r1, (base)(DX*1)

// RELU2 keeps NaN (max's second source wins on NaN) and -0, as the Go loop does.
#define RELU2(r0, r1) \
	VMAXPS r0, Y12, r0; VMAXPS r1, Y12, r1

#define PANELOFF(arg, reg) \
	MOVQ DI, reg; SUBQ c+0(FP), reg; ADDQ arg, reg

// SLOTS sets BX = s and CX = t for the six-slot block of min(R11, 6) rows, R11 >= 5; it
// clobbers SI.
#define SLOTS \
	MOVQ $6, SI; CMPQ R11, SI; CMOVQLT R11, SI; \
	LEAQ -3(SI), CX; MOVL $1, BX

// SLOTS4 sets BX = s and CX = t for the four-slot block of min(R11, 4) rows; it clobbers SI.
#define SLOTS4 \
	MOVQ $4, SI; CMPQ R11, SI; CMOVQLT R11, SI; \
	LEAQ -1(SI), CX; XORL BX, BX; CMPQ SI, $3; SETGE BX

// CPTRS sets AX to the C row of slot 0, SI to that of slot 3 and R12 to the slot stride s·ldc
// (bytes), from BX = s and CX = t. CSLOTS is SLOTS, then CPTRS.
#define CPTRS \
	MOVQ ldc4-24(SP), AX; \
	MOVQ CX, SI; IMULQ AX, SI; ADDQ R15, SI; \
	MOVQ BX, R12; IMULQ AX, R12; \
	MOVQ R15, AX

#define CSLOTS SLOTS; CPTRS

// CSLOTS4 is CSLOTS for a four-slot block (slot 3's row in SI).
#define CSLOTS4 SLOTS4; CPTRS

// APTRS sets AX and CX to the A rows of slots 0 and 3 and BX to the slot stride s·rsa, from
// BX = s and CX = t; it clobbers SI.
#define APTRS \
	MOVQ rsa4-16(SP), SI; \
	IMULQ SI, CX; ADDQ R13, CX; \
	IMULQ SI, BX; MOVQ R13, AX

// NEXTROWS moves R13, R15 on by the block's rows, SI, and R11 back; it clobbers AX.
#define NEXTROWS \
	SUBQ SI, R11; \
	MOVQ rsa4-16(SP), AX; IMULQ SI, AX; ADDQ AX, R13; \
	MOVQ ldc4-24(SP), AX; IMULQ SI, AX; ADDQ AX, R15

// FULL6 sets BX = s·rsa, CX and AX to the A rows of slots 3 and 0 for a full six-row block
// (s = 1, t = 3); FULLC6 sets AX, SI to the C rows of slots 0 and 3 and R12 to ldc.
#define FULL6 \
	MOVQ rsa4-16(SP), BX; LEAQ (BX)(BX*2), CX; ADDQ R13, CX; MOVQ R13, AX

#define FULLC6 \
	MOVQ ldc4-24(SP), R12; LEAQ (R12)(R12*2), SI; ADDQ R15, SI; MOVQ R15, AX

// func gemmAVX2(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int, pfa uintptr, pfan, pfaseg, pfastride int, pfb uintptr, pfbn int)
TEXT ·gemmAVX2(SB), NOSPLIT, $24-144
	MOVQ c+0(FP), DI
	MOVQ csa+32(FP), R9
	SHLQ $2, R9
	MOVQ ldb+48(FP), R10
	SHLQ $2, R10
	MOVQ rsa+24(FP), AX
	SHLQ $2, AX
	MOVQ AX, rsa4-16(SP)
	MOVQ ldc+8(FP), AX
	SHLQ $2, AX
	MOVQ AX, ldc4-24(SP)
	MOVQ pfa+96(FP), R8
	MOVQ R8, pfrow-8(SP)
	XORL R8, R8
	MOVQ pfb+128(FP), R14

panel:
	MOVQ    DI, AX
	SUBQ    c+0(FP), AX
	SHRQ    $2, AX
	MOVQ    n+72(FP), CX
	SUBQ    AX, CX          // CX = columns left, >= 8
	JLE     done
	MOVQ    CX, AX
	INCQ    AX
	SHRQ    $1, AX          // AX = ⌈CX/2⌉ (for 16 < CX < 24)
	CMPQ    CX, $16
	CMOVQLE CX, AX          // CX <= 16: the whole rest
	MOVQ    $16, SI
	CMPQ    CX, $24
	CMOVQGE SI, AX          // CX >= 24: 16
	MOVQ    AX, DX
	SHLQ    $2, DX
	SUBQ    $32, DX         // DX = 4(w-8)
	MOVQ    m+64(FP), R11
	MOVQ    a+16(FP), R13
	MOVQ    DI, R15

block:
	TESTQ R11, R11
	JLE   nextpanel
	MOVQ  pfan+104(FP), SI
	TESTQ SI, SI
	JZ    pfbstart
	MOVQ  pfrow-8(SP), AX

pfaloop:
	PREFETCHT0 (AX)(R8*1)
	ADDQ       $64, R8
	CMPQ       R8, pfaseg+112(FP)
	JLT        pfanext
	XORL       R8, R8
	ADDQ       pfastride+120(FP), AX

pfanext:
	DECQ SI
	JNZ  pfaloop
	MOVQ AX, pfrow-8(SP)

pfbstart:
	MOVQ  pfbn+136(FP), SI
	TESTQ SI, SI
	JZ    prologue

pfbloop:
	PREFETCHT0 (R14)
	ADDQ       $64, R14
	DECQ       SI
	JNZ        pfbloop

prologue:
	MOVQ k+80(FP), SI
	CMPQ SI, $SMALLK
	JLT  block4
	CMPQ R11, $9
	JGE  six
	CMPQ R11, $4
	JLE  block4
	CMPQ R11, $7
	JEQ  block4
	CMPQ R11, $8
	JEQ  block4

six:
	MOVQ  flags+88(FP), SI
	TESTQ $2, SI
	JNZ   acc
	MOVQ  bias+56(FP), SI
	TESTQ SI, SI
	JZ    zero
	PANELOFF(SI, AX)
	LOADV(AX, Y0, Y1)
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	VMOVAPS Y0, Y8
	VMOVAPS Y1, Y9
	VMOVAPS Y0, Y10
	VMOVAPS Y1, Y11
	JMP   kstart

zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	JMP    kstart

acc:
	CMPQ R11, $6
	JLT  accpart
	FULLC6
	JMP  accload

accpart:
	CSLOTS

accload:
	LOADV(AX, Y0, Y1)
	ADDQ R12, AX
	LOADV(AX, Y2, Y3)
	ADDQ R12, AX
	LOADV(AX, Y4, Y5)
	LOADV(SI, Y6, Y7)
	ADDQ R12, SI
	LOADV(SI, Y8, Y9)
	ADDQ R12, SI
	LOADV(SI, Y10, Y11)

kstart:
	CMPQ R11, $6
	JLT  kpart
	FULL6
	JMP  kgo

kpart:
	SLOTS
	APTRS

kgo:
	PANELOFF(b+40(FP), R12)
	MOVQ  k+80(FP), SI

k6:
	VMOVUPS      (R12), Y12
	VMOVUPS      (R12)(DX*1), Y13
	VBROADCASTSS (AX), Y14
	VBROADCASTSS (AX)(BX*1), Y15
	FMA2(Y14, Y0, Y1)
	VBROADCASTSS (AX)(BX*2), Y14
	FMA2(Y15, Y2, Y3)
	VBROADCASTSS (CX), Y15
	FMA2(Y14, Y4, Y5)
	VBROADCASTSS (CX)(BX*1), Y14
	FMA2(Y15, Y6, Y7)
	VBROADCASTSS (CX)(BX*2), Y15
	FMA2(Y14, Y8, Y9)
	FMA2(Y15, Y10, Y11)
	ADDQ         R9, AX
	ADDQ         R9, CX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          k6

	MOVQ   flags+88(FP), SI
	TESTQ  $1, SI
	JZ     store
	VXORPS Y12, Y12, Y12
	RELU2(Y0, Y1)
	RELU2(Y2, Y3)
	RELU2(Y4, Y5)
	RELU2(Y6, Y7)
	RELU2(Y8, Y9)
	RELU2(Y10, Y11)

store:
	CMPQ R11, $6
	JLT  storepart
	FULLC6
	JMP  storev

storepart:
	CSLOTS

storev:
	STOREV(AX, Y0, Y1)
	ADDQ R12, AX
	STOREV(AX, Y2, Y3)
	ADDQ R12, AX
	STOREV(AX, Y4, Y5)
	STOREV(SI, Y6, Y7)
	ADDQ R12, SI
	STOREV(SI, Y8, Y9)
	ADDQ R12, SI
	STOREV(SI, Y10, Y11)

	// Next block: R = min(R11, 6) rows on.
	MOVQ    $6, SI
	CMPQ    R11, SI
	CMOVQLT R11, SI
	NEXTROWS
	JMP     block

	// A four-slot block: slots 0-3 in Y0-Y7.
block4:
	MOVQ  flags+88(FP), SI
	TESTQ $2, SI
	JNZ   acc4
	MOVQ  bias+56(FP), SI
	TESTQ SI, SI
	JZ    zero4
	PANELOFF(SI, AX)
	LOADV(AX, Y0, Y1)
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	JMP   kstart4

zero4:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	JMP    kstart4

acc4:
	CMPQ R11, $4
	JLT  acc4part
	FULLC6
	JMP  acc4load

acc4part:
	CSLOTS4

acc4load:
	LOADV(AX, Y0, Y1)
	ADDQ R12, AX
	LOADV(AX, Y2, Y3)
	ADDQ R12, AX
	LOADV(AX, Y4, Y5)
	LOADV(SI, Y6, Y7)

kstart4:
	CMPQ R11, $4
	JLT  k4part
	FULL6
	JMP  k4go

k4part:
	SLOTS4
	APTRS

k4go:
	PANELOFF(b+40(FP), R12)
	MOVQ  k+80(FP), SI

k4:
	VMOVUPS      (R12), Y12
	VMOVUPS      (R12)(DX*1), Y13
	VBROADCASTSS (AX), Y14
	VBROADCASTSS (AX)(BX*1), Y15
	FMA2(Y14, Y0, Y1)
	VBROADCASTSS (AX)(BX*2), Y14
	FMA2(Y15, Y2, Y3)
	VBROADCASTSS (CX), Y15
	FMA2(Y14, Y4, Y5)
	FMA2(Y15, Y6, Y7)
	ADDQ         R9, AX
	ADDQ         R9, CX
	ADDQ         R10, R12
	DECQ         SI
	JNZ          k4

	MOVQ   flags+88(FP), SI
	TESTQ  $1, SI
	JZ     store4
	VXORPS Y12, Y12, Y12
	RELU2(Y0, Y1)
	RELU2(Y2, Y3)
	RELU2(Y4, Y5)
	RELU2(Y6, Y7)

store4:
	CMPQ R11, $4
	JLT  store4part
	FULLC6
	JMP  store4v

store4part:
	CSLOTS4

store4v:
	STOREV(AX, Y0, Y1)
	ADDQ R12, AX
	STOREV(AX, Y2, Y3)
	ADDQ R12, AX
	STOREV(AX, Y4, Y5)
	STOREV(SI, Y6, Y7)

	// Next block: R = min(R11, 4) rows on.
	MOVQ    $4, SI
	CMPQ    R11, SI
	CMOVQLT R11, SI
	NEXTROWS
	JMP     block

nextpanel:
	LEAQ 32(DI)(DX*1), DI
	JMP  panel

done:
	VZEROUPPER
	RET
