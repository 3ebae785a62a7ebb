//go:build amd64 && !purego && !noasm

#include "textflag.h"

// The element-wise kernels: ScaleBytes and ReLUBackward. Each does, lane by lane, the one IEEE
// operation of the Go reference loop (a correctly rounded division, an ordered compare), so the
// results are the Go loop's bit for bit. The AVX-512 versions take any n, the last vector under
// a mask in K1; the AVX2 versions take n a multiple of 8 (the Go caller finishes the tail).
//
// Registers: DI dst (or d), SI src (or a), CX elements left.

// TAILMASK sets K1 to the first CX lanes, for 0 < CX < 16; it clobbers BX.
#define TAILMASK \
	MOVL $1, BX; SHLL CX, BX; DECL BX; KMOVW BX, K1

// SCALE8 converts the 8 bytes at off(SI) to float32 and divides them by Y15 into yr. The
// division is done in 256-bit registers at both levels: on this class of Intel core a 512-bit
// VDIVPS takes twice as long as a 256-bit one, with no gain per element, and measured 10%
// slower over a batch of images.
#define SCALE8(off, yr) \
	VPMOVZXBD off(SI), yr; VCVTDQ2PS yr, yr; VDIVPS Y15, yr, yr

// SCALELOOP converts CX bytes, rounded down to a multiple of 8, from SI to DI; it leaves SI, DI
// and CX at the rest.
#define SCALELOOP(by32, by8, done) \
by32:                                                  \
	CMPQ    CX, $32; JLT by8;                          \
	SCALE8(0, Y0); SCALE8(8, Y1); SCALE8(16, Y2); SCALE8(24, Y3); \
	VMOVUPS Y0, (DI); VMOVUPS Y1, 32(DI); VMOVUPS Y2, 64(DI); VMOVUPS Y3, 96(DI); \
	ADDQ    $32, SI; ADDQ $128, DI; SUBQ $32, CX; JMP by32; \
by8:                                                   \
	CMPQ    CX, $8; JLT done;                          \
	SCALE8(0, Y0); VMOVUPS Y0, (DI);                   \
	ADDQ    $8, SI; ADDQ $32, DI; SUBQ $8, CX; JMP by8; \
done:

// func scaleBytesAVX512(dst *float32, src *uint8, n int, divisor float32)
//
// The AVX2 loop, then the last n mod 8 elements under a mask.
TEXT ·scaleBytesAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS divisor+24(FP), Y15
	SCALELOOP(scale512by32, scale512by8, scale512tail)
	TESTQ        CX, CX
	JZ           scale512done
	TAILMASK
	VPMOVZXBD.Z  (SI), K1, Z0    // masked-off bytes are not read
	VCVTDQ2PS    Z0, Z0
	VDIVPS       Z15, Z0, Z0
	VMOVUPS      Z0, K1, (DI)

scale512done:
	VZEROUPPER
	RET

// func scaleBytesAVX2(dst *float32, src *uint8, n int, divisor float32)
TEXT ·scaleBytesAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS divisor+24(FP), Y15
	SCALELOOP(scale256by32, scale256by8, scale256done)
	VZEROUPPER
	RET

// The compare predicates: a <= 0 is LE_OQ (false for NaN, true for -0 and +0); its negation,
// "keep d", is NLE_UQ.
#define LE_OQ $0x12
#define NLE_UQ $0x16

// func reluBackwardAVX512(d, a *float32, n int)
//
// Stores zeros, under the mask of a <= 0, into d; the other elements of d are not written.
TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   a+8(FP), SI
	MOVQ   n+16(FP), CX
	VPXORD Z31, Z31, Z31

relu512by32:
	CMPQ    CX, $32
	JLT     relu512by16
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VCMPPS  LE_OQ, Z31, Z0, K2
	VCMPPS  LE_OQ, Z31, Z1, K3
	VMOVUPS Z31, K2, (DI)
	VMOVUPS Z31, K3, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     relu512by32

relu512by16:
	CMPQ    CX, $16
	JLT     relu512tail
	VMOVUPS (SI), Z0
	VCMPPS  LE_OQ, Z31, Z0, K2
	VMOVUPS Z31, K2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX

relu512tail:
	TESTQ     CX, CX
	JZ        relu512done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VCMPPS    LE_OQ, Z31, Z0, K1, K2 // K2 = K1 & (a <= 0)
	VMOVUPS   Z31, K2, (DI)

relu512done:
	VZEROUPPER
	RET

// func reluBackwardAVX2(d, a *float32, n int)
//
// d &= (a <= 0 ? 0 : all ones), lane by lane.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   a+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15

relu256by16:
	CMPQ    CX, $16
	JLT     relu256by8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VCMPPS  NLE_UQ, Y15, Y0, Y0
	VCMPPS  NLE_UQ, Y15, Y1, Y1
	VANDPS  (DI), Y0, Y0
	VANDPS  32(DI), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     relu256by16

relu256by8:
	CMPQ    CX, $8
	JLT     relu256done
	VMOVUPS (SI), Y0
	VCMPPS  NLE_UQ, Y15, Y0, Y0
	VANDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)

relu256done:
	VZEROUPPER
	RET
