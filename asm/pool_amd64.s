//go:build amd64 && !purego && !noasm

#include "textflag.h"

// The pooling kernels at the AVX2 level (pool.go has their pure-Go twins, pool_amd64.go the
// callers). Each call handles a run of n windows of one output row whose real cells form the same
// kh×kw rectangle: window j's first cell is at src + j·step, its cells at + ky·rowStep +
// kx·colStep (steps in float32s, made bytes here), each cell c ≥ 8 channels; the outputs of the
// run (forward) or its gradients (backward) are consecutive, c apart. Channels go 8 to a YMM
// register (4 registers at a time in MaxPool, 2 in AveragePool, while a block fits); the last
// c mod 8 by one more vector that overlaps the previous one (recomputing those lanes, or adding
// +0 to them). MaxPoolBackward has a one-pass path for 2×2 windows.
// Every load and store is a full-width unaligned one, and none reaches outside the cells.
//
// Every lane does the IEEE operations of the Go loop in the same order and with the same operand
// order where a NaN's payload depends on it, so the results are the Go kernels' bit for bit.
//
// General registers: SI the window's first cell, DX the cell, AX the first cell of the kernel
// row, BX the byte offset of the channels, CX the bytes of a cell (c·4), R10 kh, R11 rowStep,
// R12 kw, R13 colStep, R14 and R8 the row and column counters; DI the outputs (forward) or dout
// (backward).

DATA poolConst<>+0(SB)/4, $0x80000000 // the sign bit
DATA poolConst<>+4(SB)/4, $0x7f800000 // +Inf
DATA poolConst<>+8(SB)/4, $0xff800000 // -Inf
GLOBL poolConst<>(SB), RODATA|NOPTR, $12

// poolTail<>+4r is the mask of lanes 8−r to 7: the lanes of the overlapping last vector that the
// previous vector did not cover (r = c mod 8); poolTail<>+32 is all lanes.
DATA poolTail<>+0(SB)/8, $0
DATA poolTail<>+8(SB)/8, $0
DATA poolTail<>+16(SB)/8, $0
DATA poolTail<>+24(SB)/8, $0
DATA poolTail<>+32(SB)/8, $0xffffffffffffffff
DATA poolTail<>+40(SB)/8, $0xffffffffffffffff
DATA poolTail<>+48(SB)/8, $0xffffffffffffffff
DATA poolTail<>+56(SB)/8, $0xffffffffffffffff
GLOBL poolTail<>(SB), RODATA|NOPTR, $64

// CELLS_BEGIN and CELLS_END bracket a loop over the window's kh×kw cells in (ky, kx) order, DX
// at the cell plus the channel offset BX.
#define CELLS_BEGIN(lr, lc) \
	LEAQ (SI)(BX*1), AX; \
	MOVQ R10, R14;       \
lr:                      \
	MOVQ AX, DX;         \
	MOVQ R12, R8;        \
lc:

#define CELLS_END(lr, lc) \
	ADDQ R13, DX; \
	DECQ R8;      \
	JNZ  lc;      \
	ADDQ R11, AX; \
	DECQ R14;     \
	JNZ  lr

// LOADGEOM loads the geometry from the frame (the operands are the slots of step, kh, rowStep,
// kw, colStep and c), making the steps bytes; step goes back to its slot, in bytes, as there is
// no register left for it.
#define LOADGEOM(step, kh, rowStep, kw, colStep, c) \
	MOVQ step, AX;     SHLQ $2, AX; MOVQ AX, step; \
	MOVQ kh, R10;                                  \
	MOVQ rowStep, R11; SHLQ $2, R11;               \
	MOVQ kw, R12;                                  \
	MOVQ colStep, R13; SHLQ $2, R13;               \
	MOVQ c, CX

// MAXSTEP folds the cell at off(DX) into acc, which holds the running maximum negated: Go's
// max(d, v) on amd64 is −min(−d, −v), its min(x, y) being t1 = MINSS(x, y) (x < y ? x : y),
// t2 = MINSS(t1, x), t1 | t2 — exact for ordered values, and for a NaN or two zeros the bits of
// the operands or'ed (a NaN stays a NaN; −0 only when both are −0). The negations between two
// folds cancel, so the loop keeps −max and negates once at the end; +Inf is exactly the identity
// of this min (for a NaN v as well: +Inf | −v = −v). Y15 holds the sign bit.
#define MAXSTEP(off, acc, t0, t1) \
	VXORPS off(DX), Y15, t0; \
	VMINPS t0, acc, t1;      \
	VMINPS acc, t1, t0;      \
	VORPS  t0, t1, acc

// func maxPoolAVX2(dst, src *float32, n, step, kh, rowStep, kw, colStep, c int)
TEXT ·maxPoolAVX2(SB), NOSPLIT, $0-72
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	LOADGEOM(step+24(FP), kh+32(FP), rowStep+40(FP), kw+48(FP), colStep+56(FP), c+64(FP))
	SHLQ         $2, CX
	VBROADCASTSS poolConst<>+0(SB), Y15
	VBROADCASTSS poolConst<>+4(SB), Y14

mpWindow:
	XORQ BX, BX

mpBy32:
	LEAQ    128(BX), AX
	CMPQ    AX, CX
	JGT     mpBy8
	VMOVAPS Y14, Y0
	VMOVAPS Y14, Y1
	VMOVAPS Y14, Y2
	VMOVAPS Y14, Y3
	CELLS_BEGIN(mpRow32, mpCol32)
	MAXSTEP(0, Y0, Y4, Y5)
	MAXSTEP(32, Y1, Y6, Y7)
	MAXSTEP(64, Y2, Y8, Y9)
	MAXSTEP(96, Y3, Y10, Y11)
	CELLS_END(mpRow32, mpCol32)
	VXORPS  Y15, Y0, Y0
	VXORPS  Y15, Y1, Y1
	VXORPS  Y15, Y2, Y2
	VXORPS  Y15, Y3, Y3
	VMOVUPS Y0, (DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	ADDQ    $128, BX
	JMP     mpBy32

mpBy8:
	LEAQ 32(BX), AX
	CMPQ AX, CX
	JGT  mpTail

mpOne:
	VMOVAPS Y14, Y0
	CELLS_BEGIN(mpRow8, mpCol8)
	MAXSTEP(0, Y0, Y4, Y5)
	CELLS_END(mpRow8, mpCol8)
	VXORPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ    $32, BX
	JMP     mpBy8

mpTail:
	CMPQ BX, CX
	JGE  mpNext
	LEAQ -32(CX), BX // the last 8 channels, overlapping: the same values again
	JMP  mpOne

mpNext:
	ADDQ step+24(FP), SI
	ADDQ CX, DI
	DECQ n+16(FP)
	JNZ  mpWindow
	VZEROUPPER
	RET

// func maxPoolBackwardAVX2(din, dout, src *float32, n, step, kh, rowStep, kw, colStep, c, add int)
//
// Per 8 channels of a window: pass 1 finds m, the maximum of the cells that are not NaN (VMAXPS
// m, v keeps v unless m > v; m starts at −Inf), and any, the lanes where a cell is NaN (an
// unordered compare with the m before it, which is NaN only just after a NaN cell); m |= any
// makes m a NaN (all ones) in those lanes. Pass 2 goes over the cells in order: a cell is a hit
// where it equals m (ordered: −0 = +0, never a NaN) or is a NaN, so the hits are the cells with
// the window's maximal poolKey; sel = hit &^ taken is the first hit, taken |= hit; the cell's
// din = base + (dout & sel), with base = din & Y14: all ones when add is 1 (windows overlap:
// din was cleared and sums, in window order, as the Go loop's din[cell] += dout; adding +0 to a
// cell not chosen leaves it unchanged, as din is never −0 nor a signalling NaN), zero when add
// is 0 (every cell in at most one window: din = +0 + (dout & sel), the Go loop's 0 + dout or 0).
// In add mode the overlapping last vector masks dout to the lanes not yet done (Y13).
//
// Registers: R9 din − src, so that a cell's din is at (DX)(R9*1); Y15 −Inf, Y14 the add mask,
// Y13 the tail's dout mask, Y12 all ones, Y10 the dout mask in use.
TEXT ·maxPoolBackwardAVX2(SB), NOSPLIT, $0-88
	MOVQ         din+0(FP), R9
	MOVQ         dout+8(FP), DI
	MOVQ         src+16(FP), SI
	SUBQ         SI, R9
	LOADGEOM(step+32(FP), kh+40(FP), rowStep+48(FP), kw+56(FP), colStep+64(FP), c+72(FP))
	MOVQ         CX, AX
	ANDQ         $7, AX
	MOVQ         add+80(FP), BX
	TESTQ        BX, BX
	JNZ          mbMask
	MOVQ         $8, AX // without add the tail recomputes all lanes

mbMask:
	LEAQ         poolTail<>(SB), DX
	VMOVUPS      (DX)(AX*4), Y13
	SHLQ         $2, CX
	NEGQ         BX
	MOVQ         BX, X14
	VPBROADCASTQ X14, Y14
	VPCMPEQD     Y12, Y12, Y12
	CMPQ         R10, $2
	JNE          mbGeneral
	CMPQ         R12, $2
	JEQ          mb22

mbGeneral:
	VBROADCASTSS poolConst<>+8(SB), Y15

mbWindow:
	XORQ    BX, BX
	VMOVAPS Y12, Y10

mbBy8:
	LEAQ 32(BX), AX
	CMPQ AX, CX
	JGT  mbTail

mbOne:
	VMOVAPS Y15, Y0
	VXORPS  Y1, Y1, Y1
	CELLS_BEGIN(mbRow1, mbCol1)
	VCMPPS  $3, (DX), Y0, Y4 // unordered(m, v)
	VORPS   Y4, Y1, Y1
	VMAXPS  (DX), Y0, Y0     // m > v ? m : v
	CELLS_END(mbRow1, mbCol1)
	VORPS   Y1, Y0, Y0
	VANDPS  (DI)(BX*1), Y10, Y3
	VXORPS  Y2, Y2, Y2
	CELLS_BEGIN(mbRow2, mbCol2)
	VMOVUPS (DX), Y4
	VCMPPS  $0, Y0, Y4, Y5  // v == m, ordered
	VCMPPS  $3, Y4, Y4, Y6  // v is NaN
	VORPS   Y6, Y5, Y5      // hit
	VANDNPS Y5, Y2, Y6      // hit &^ taken
	VORPS   Y5, Y2, Y2
	VANDPS  Y3, Y6, Y6
	VANDPS  (DX)(R9*1), Y14, Y7
	VADDPS  Y6, Y7, Y7      // din first, as din[cell] += dout
	VMOVUPS Y7, (DX)(R9*1)
	CELLS_END(mbRow2, mbCol2)
	ADDQ    $32, BX
	JMP     mbBy8

mbTail:
	CMPQ    BX, CX
	JGE     mbNext
	LEAQ    -32(CX), BX
	VMOVAPS Y13, Y10
	JMP     mbOne

mbNext:
	ADDQ step+32(FP), SI
	ADDQ CX, DI
	DECQ n+24(FP)
	JNZ  mbWindow
	VZEROUPPER
	RET

// The 2×2 windows (Keras' default pool size): the four cells stay in registers, one pass. m is
// max(max(c0, c1), max(c2, c3)) by VMAXPS (a > b ? a : b), or'ed with the lanes where c0, c1 or
// c2 is NaN (n0..n2; a NaN c3 makes m NaN by itself, being the second operand of both VMAXPS on
// its way); the hits hi = (ci == m) | ni; the gradient goes to h0, h1 &^ h0, h2 &^ (h0|h1), and
// to c3 where none of those hit (then c3 is the hit: without a NaN, m is one of the cells).
// R14 is add, Y15 zero; AX, DX, R8 and R10 point at the cells.
mb22:
	MOVQ   add+80(FP), R14
	VXORPS Y15, Y15, Y15

mb22Window:
	XORQ    BX, BX
	VMOVAPS Y12, Y10

mb22By8:
	LEAQ 32(BX), AX
	CMPQ AX, CX
	JGT  mb22Tail

mb22One:
	LEAQ    (SI)(BX*1), AX
	LEAQ    (AX)(R13*1), DX
	LEAQ    (AX)(R11*1), R8
	LEAQ    (R8)(R13*1), R10
	VMOVUPS (AX), Y0
	VMOVUPS (DX), Y1
	VMOVUPS (R8), Y2
	VMOVUPS (R10), Y3
	VMAXPS  Y1, Y0, Y4
	VMAXPS  Y3, Y2, Y5
	VMAXPS  Y5, Y4, Y4
	VCMPPS  $3, Y0, Y0, Y6
	VCMPPS  $3, Y1, Y1, Y7
	VCMPPS  $3, Y2, Y2, Y8
	VORPS   Y7, Y6, Y5
	VORPS   Y8, Y5, Y5
	VORPS   Y5, Y4, Y4      // m, a NaN where a cell is
	VCMPPS  $0, Y4, Y0, Y0
	VORPS   Y6, Y0, Y0      // h0
	VCMPPS  $0, Y4, Y1, Y1
	VORPS   Y7, Y1, Y1      // h1
	VCMPPS  $0, Y4, Y2, Y2
	VORPS   Y8, Y2, Y2      // h2
	VANDPS  (DI)(BX*1), Y10, Y5
	VANDPS  Y5, Y0, Y6      // d0 = dout & h0
	VANDNPS Y1, Y0, Y1
	VANDPS  Y5, Y1, Y7      // d1 = dout & h1 &^ h0
	VORPS   Y1, Y0, Y0
	VANDNPS Y2, Y0, Y2
	VANDPS  Y5, Y2, Y8      // d2
	VORPS   Y2, Y0, Y0
	VANDNPS Y5, Y0, Y9      // d3 = dout &^ (h0|h1|h2)
	TESTQ   R14, R14
	JNZ     mb22Add
	VADDPS  Y6, Y15, Y6     // +0 + d, as 0 + dout
	VADDPS  Y7, Y15, Y7
	VADDPS  Y8, Y15, Y8
	VADDPS  Y9, Y15, Y9
	JMP     mb22Store

mb22Add:
	VMOVUPS (AX)(R9*1), Y0
	VMOVUPS (DX)(R9*1), Y1
	VMOVUPS (R8)(R9*1), Y2
	VMOVUPS (R10)(R9*1), Y3
	VADDPS  Y6, Y0, Y6      // din first
	VADDPS  Y7, Y1, Y7
	VADDPS  Y8, Y2, Y8
	VADDPS  Y9, Y3, Y9

mb22Store:
	VMOVUPS Y6, (AX)(R9*1)
	VMOVUPS Y7, (DX)(R9*1)
	VMOVUPS Y8, (R8)(R9*1)
	VMOVUPS Y9, (R10)(R9*1)
	ADDQ    $32, BX
	JMP     mb22By8

mb22Tail:
	CMPQ    BX, CX
	JGE     mb22Next
	LEAQ    -32(CX), BX
	VMOVAPS Y13, Y10
	JMP     mb22One

mb22Next:
	ADDQ step+32(FP), SI
	ADDQ CX, DI
	DECQ n+24(FP)
	JNZ  mb22Window
	VZEROUPPER
	RET

// func averagePoolAVX2(dst, src *float32, n, step, kh, rowStep, kw, colStep, c int, inv float64)
//
// Sums in float64 from +0, in (ky, kx) order, times inv, rounded once to float32: the Go loop.
TEXT ·averagePoolAVX2(SB), NOSPLIT, $0-80
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	LOADGEOM(step+24(FP), kh+32(FP), rowStep+40(FP), kw+48(FP), colStep+56(FP), c+64(FP))
	SHLQ         $2, CX
	VBROADCASTSD inv+72(FP), Y15

apWindow:
	XORQ BX, BX

apBy16:
	LEAQ        64(BX), AX
	CMPQ        AX, CX
	JGT         apBy8
	VXORPD      Y0, Y0, Y0
	VXORPD      Y1, Y1, Y1
	VXORPD      Y2, Y2, Y2
	VXORPD      Y3, Y3, Y3
	CELLS_BEGIN(apRow16, apCol16)
	VCVTPS2PD   (DX), Y4
	VCVTPS2PD   16(DX), Y5
	VCVTPS2PD   32(DX), Y6
	VCVTPS2PD   48(DX), Y7
	VADDPD      Y0, Y4, Y0
	VADDPD      Y1, Y5, Y1
	VADDPD      Y2, Y6, Y2
	VADDPD      Y3, Y7, Y3
	CELLS_END(apRow16, apCol16)
	VMULPD      Y15, Y0, Y0
	VMULPD      Y15, Y1, Y1
	VMULPD      Y15, Y2, Y2
	VMULPD      Y15, Y3, Y3
	VCVTPD2PSY  Y0, X0
	VCVTPD2PSY  Y1, X1
	VCVTPD2PSY  Y2, X2
	VCVTPD2PSY  Y3, X3
	VINSERTF128 $1, X1, Y0, Y0
	VINSERTF128 $1, X3, Y2, Y2
	VMOVUPS     Y0, (DI)(BX*1)
	VMOVUPS     Y2, 32(DI)(BX*1)
	ADDQ        $64, BX
	JMP         apBy16

apBy8:
	LEAQ 32(BX), AX
	CMPQ AX, CX
	JGT  apTail

apOne:
	VXORPD      Y0, Y0, Y0
	VXORPD      Y1, Y1, Y1
	CELLS_BEGIN(apRow8, apCol8)
	VCVTPS2PD   (DX), Y4
	VCVTPS2PD   16(DX), Y5
	VADDPD      Y0, Y4, Y0
	VADDPD      Y1, Y5, Y1
	CELLS_END(apRow8, apCol8)
	VMULPD      Y15, Y0, Y0
	VMULPD      Y15, Y1, Y1
	VCVTPD2PSY  Y0, X0
	VCVTPD2PSY  Y1, X1
	VINSERTF128 $1, X1, Y0, Y0
	VMOVUPS     Y0, (DI)(BX*1)
	ADDQ        $32, BX
	JMP         apBy8

apTail:
	CMPQ BX, CX
	JGE  apNext
	LEAQ -32(CX), BX
	JMP  apOne

apNext:
	ADDQ step+24(FP), SI
	ADDQ CX, DI
	DECQ n+16(FP)
	JNZ  apWindow
	VZEROUPPER
	RET

// func averagePoolBackwardAVX2(din, dout *float32, n, step, kh, rowStep, kw, colStep, c, add int, inv float64)
//
// Per 8 channels of a window: q = float32(float64(dout) · inv), then every cell's din += q with
// add (the Go loop's accumulate, din first; the overlapping last vector adds +0 to the lanes
// done), or din = +0 + q without (no cell is in two windows). SI is din here: the cells are
// din's; Y14 is all ones with add.
TEXT ·averagePoolBackwardAVX2(SB), NOSPLIT, $0-88
	MOVQ         din+0(FP), SI
	MOVQ         dout+8(FP), DI
	LOADGEOM(step+24(FP), kh+32(FP), rowStep+40(FP), kw+48(FP), colStep+56(FP), c+64(FP))
	MOVQ         CX, AX
	ANDQ         $7, AX
	MOVQ         add+72(FP), BX
	TESTQ        BX, BX
	JNZ          abMask
	MOVQ         $8, AX

abMask:
	LEAQ         poolTail<>(SB), DX
	VMOVUPS      (DX)(AX*4), Y13
	SHLQ         $2, CX
	NEGQ         BX
	MOVQ         BX, X14
	VPBROADCASTQ X14, Y14
	VPCMPEQD     Y12, Y12, Y12
	VBROADCASTSD inv+80(FP), Y15

abWindow:
	XORQ    BX, BX
	VMOVAPS Y12, Y10

abBy8:
	LEAQ 32(BX), AX
	CMPQ AX, CX
	JGT  abTail

abOne:
	VCVTPS2PD   (DI)(BX*1), Y4
	VCVTPS2PD   16(DI)(BX*1), Y5
	VMULPD      Y15, Y4, Y4
	VMULPD      Y15, Y5, Y5
	VCVTPD2PSY  Y4, X4
	VCVTPD2PSY  Y5, X5
	VINSERTF128 $1, X5, Y4, Y4
	VANDPS      Y10, Y4, Y4
	VPTEST      Y14, Y14
	JNZ         abAdd
	VXORPS      Y7, Y7, Y7
	VADDPS      Y4, Y7, Y7  // +0 + q, as 0 + q
	CELLS_BEGIN(abRowSet, abColSet)
	VMOVUPS     Y7, (DX)
	CELLS_END(abRowSet, abColSet)
	ADDQ        $32, BX
	JMP         abBy8

abAdd:
	CELLS_BEGIN(abRow, abCol)
	VMOVUPS     (DX), Y7
	VADDPS      Y4, Y7, Y7  // din first
	VMOVUPS     Y7, (DX)
	CELLS_END(abRow, abCol)
	ADDQ        $32, BX
	JMP         abBy8

abTail:
	CMPQ    BX, CX
	JGE     abNext
	LEAQ    -32(CX), BX
	VMOVAPS Y13, Y10
	JMP     abOne

abNext:
	ADDQ step+24(FP), SI
	ADDQ CX, DI
	DECQ n+16(FP)
	JNZ  abWindow
	VZEROUPPER
	RET
