//go:build amd64 && !purego && !noasm

#include "textflag.h"

// The element-wise kernels: ScaleBytes, ReLUBackward and AddTo. Each does, lane by lane, the one
// IEEE operation of the Go reference loop (a correctly rounded division, an ordered compare, an
// addition), so the results are the Go loop's bit for bit. The AVX-512 versions take any n, the
// last vector under a mask in K1; the AVX2 versions take n a multiple of 8 (the Go caller
// finishes the tail).
//
// Registers: DI dst (or d), SI src (or a), CX elements left.

// TAILMASK sets K1 to the first CX lanes, for 0 < CX < 16; it clobbers BX.
#define TAILMASK \
	MOVL $1, BX; SHLL CX, BX; DECL BX; KMOVW BX, K1

// SCALE16 converts the 16 bytes at off(SI) to float32 and divides them by Z31 into zr.
#define SCALE16(off, zr) \
	VPMOVZXBD off(SI), zr; VCVTDQ2PS zr, zr; VDIVPS Z31, zr, zr

// func scaleBytesAVX512(dst *float32, src *uint8, n int, divisor float32)
TEXT ·scaleBytesAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS divisor+24(FP), Z31

scale512by64:
	CMPQ    CX, $64
	JLT     scale512by16
	SCALE16(0, Z0)
	SCALE16(16, Z1)
	SCALE16(32, Z2)
	SCALE16(48, Z3)
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $64, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     scale512by64

scale512by16:
	CMPQ    CX, $16
	JLT     scale512tail
	SCALE16(0, Z0)
	VMOVUPS Z0, (DI)
	ADDQ    $16, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     scale512by16

scale512tail:
	TESTQ       CX, CX
	JZ          scale512done
	TAILMASK
	VPMOVZXBD.Z (SI), K1, Z0    // masked-off bytes are not read
	VCVTDQ2PS   Z0, Z0
	VDIVPS      Z31, Z0, Z0
	VMOVUPS     Z0, K1, (DI)

scale512done:
	VZEROUPPER
	RET

// func scaleBytesAVX2(dst *float32, src *uint8, n int, divisor float32)
TEXT ·scaleBytesAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS divisor+24(FP), Y15

scale256by32:
	CMPQ      CX, $32
	JLT       scale256by8
	VPMOVZXBD (SI), Y0
	VPMOVZXBD 8(SI), Y1
	VPMOVZXBD 16(SI), Y2
	VPMOVZXBD 24(SI), Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VDIVPS    Y15, Y0, Y0
	VDIVPS    Y15, Y1, Y1
	VDIVPS    Y15, Y2, Y2
	VDIVPS    Y15, Y3, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, 64(DI)
	VMOVUPS   Y3, 96(DI)
	ADDQ      $32, SI
	ADDQ      $128, DI
	SUBQ      $32, CX
	JMP       scale256by32

scale256by8:
	CMPQ      CX, $8
	JLT       scale256done
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VDIVPS    Y15, Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $8, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       scale256by8

scale256done:
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

// func addToAVX512(dst, src *float32, n int)
//
// dst + src with dst as the first operand, as the Go loop's ADDSS (which matters only for the
// payload of a NaN when both are NaN).
TEXT ·addToAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

add512by64:
	CMPQ    CX, $64
	JLT     add512by16
	VMOVUPS (DI), Z0
	VMOVUPS 64(DI), Z1
	VMOVUPS 128(DI), Z2
	VMOVUPS 192(DI), Z3
	VADDPS  (SI), Z0, Z0
	VADDPS  64(SI), Z1, Z1
	VADDPS  128(SI), Z2, Z2
	VADDPS  192(SI), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ    $256, SI
	ADDQ    $256, DI
	SUBQ    $64, CX
	JMP     add512by64

add512by16:
	CMPQ    CX, $16
	JLT     add512tail
	VMOVUPS (DI), Z0
	VADDPS  (SI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     add512by16

add512tail:
	TESTQ     CX, CX
	JZ        add512done
	TAILMASK
	VMOVUPS.Z (DI), K1, Z0
	VMOVUPS.Z (SI), K1, Z1
	VADDPS    Z1, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

add512done:
	VZEROUPPER
	RET

// func addToAVX2(dst, src *float32, n int)
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

add256by32:
	CMPQ    CX, $32
	JLT     add256by8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VADDPS  64(SI), Y2, Y2
	VADDPS  96(SI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     add256by32

add256by8:
	CMPQ    CX, $8
	JLT     add256done
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     add256by8

add256done:
	VZEROUPPER
	RET
