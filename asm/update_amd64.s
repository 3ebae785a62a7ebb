//go:build amd64 && !purego && !noasm

#include "textflag.h"

// The optimiser updates, element by element, with the Go reference's operations in the Go
// reference's order and no fused multiply-adds, so that each result is the one the Go loop
// rounds to. The AVX-512 versions take any n, the last vector under a mask in K1; the AVX2
// versions take n a multiple of 8 (the Go caller finishes the tail).
//
// Registers: DI p, SI g, R8 m or vel, R9 v; CX elements left; AX byte offset.

// TAILMASK sets K1 to the first min(CX, 16) lanes; it clobbers DX and BX. The loops keep K1
// all ones until fewer than 16 elements are left.
#define TAILMASK \
	MOVQ CX, BX; MOVQ $16, DX; CMPQ BX, DX; CMOVQGT DX, BX; \
	MOVQ CX, DX; MOVQ $16, CX; SUBQ BX, CX; MOVL $0xffff, BX; SHRL CX, BX; MOVQ DX, CX; \
	KMOVW BX, K1

// FTZ_ON saves MXCSR in the frame and sets flush-to-zero and denormals-are-zero (bits 15 and 6),
// as TensorFlow does on CPU: optimiser state that decays geometrically (Adam's moments, the
// momentum velocity of parameters whose gradient is zero, such as MNIST's border pixels) would
// otherwise become denormal, and every operation on a denormal costs a microcode assist of about
// a hundred cycles. Measured on 50,890 parameters with zero gradients: 353 µs per Adam update
// without it, 22 µs with normal values. FTZ_OFF restores the caller's MXCSR. It clobbers BX.
#define FTZ_ON \
	STMXCSR mxcsr-8(SP); MOVL mxcsr-8(SP), BX; ORL $0x8040, BX; MOVL BX, ftz-4(SP); LDMXCSR ftz-4(SP)
#define FTZ_OFF LDMXCSR mxcsr-8(SP)

// ADAM_APPROX: the AVX-512 Adam computes √v and the division by √v + eps from VRSQRT14PS and
// VRCP14PS estimates (relative error below 2⁻¹⁴), each refined by one Newton-Raphson step with
// fused multiply-adds. The refined values are within about 3·2⁻²⁴ of the exact ones, so the
// parameter update alpha·m/(√v + eps) is within about 8·2⁻²⁴ of its exact value (the Go loop and
// the AVX2 kernel divide exactly). VSQRTPS and VDIVPS share the divider, about 22 cycles per 16
// lanes against about 8 for the estimates; Adam over the reference model's 50,890 parameters
// drops from about 20 µs to about 14.5 µs, where reading and writing its 1.4 MB bounds it.

// func adamAVX512(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
TEXT ·adamAVX512(SB), NOSPLIT, $8-56
	FTZ_ON
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS alpha+40(FP), Z20
	VBROADCASTSS c1+44(FP), Z21
	VBROADCASTSS c2+48(FP), Z22
	VBROADCASTSS eps+52(FP), Z23
	MOVL         $0x3f000000, AX     // 0.5
	VPBROADCASTD AX, Z24
	MOVL         $0x3f800000, AX     // 1.0
	VPBROADCASTD AX, Z25
	VPXORD       Z26, Z26, Z26       // 0
	XORQ         AX, AX
	MOVL         $0xffff, DX
	KMOVW        DX, K1

adam512:
	CMPQ CX, $16
	JGE  adam512full
	TAILMASK

adam512full:
	VMOVUPS.Z (SI)(AX*1), K1, Z0
	VMOVUPS.Z (R8)(AX*1), K1, Z1
	VMOVUPS.Z (R9)(AX*1), K1, Z2
	VMOVUPS.Z (DI)(AX*1), K1, Z3
	VSUBPS    Z1, Z0, Z4          // g - m
	VMULPS    Z21, Z4, Z4         // ·(1-beta1)
	VADDPS    Z4, Z1, Z1          // m +=
	VMULPS    Z0, Z0, Z5          // g²
	VSUBPS    Z2, Z5, Z5          // g² - v
	VMULPS    Z22, Z5, Z5         // ·(1-beta2)
	VADDPS    Z5, Z2, Z2          // v +=
	// √v and 1/(√v + eps) from the 14-bit estimates, each refined by one Newton step, instead of
	// VSQRTPS and VDIVPS, which share one slow unit: see ADAM_APPROX above.
	VRSQRT14PS   Z2, Z8           // y ≈ 1/√v
	VMULPS       Z8, Z2, Z9       // s = v·y ≈ √v
	VMULPS       Z24, Z8, Z10     // y/2
	VMOVAPS      Z24, Z11
	VFNMADD231PS Z10, Z9, Z11     // r = 1/2 - s·y/2
	VFMADD231PS  Z11, Z9, Z9      // s += s·r: √v to about 2⁻²³
	VCMPPS       $0, Z26, Z2, K2  // v == 0, where y = ∞ and s = NaN
	VMOVAPS      Z26, K2, Z9      // √0 = 0
	VADDPS       Z23, Z9, Z6      // d = √v + eps
	VRCP14PS     Z6, Z12          // q ≈ 1/d
	VMOVAPS      Z25, Z13
	VFNMADD231PS Z12, Z6, Z13     // e = 1 - d·q
	VFMADD231PS  Z13, Z12, Z12    // q += q·e: 1/d to about 2⁻²³
	VMULPS       Z1, Z20, Z7      // alpha·m
	VMULPS       Z12, Z7, Z7      // alpha·m / (√v + eps)
	VSUBPS       Z7, Z3, Z3       // p -=
	VMOVUPS   Z1, K1, (R8)(AX*1)
	VMOVUPS   Z2, K1, (R9)(AX*1)
	VMOVUPS   Z3, K1, (DI)(AX*1)
	ADDQ      $64, AX
	SUBQ      $16, CX
	JG        adam512
	FTZ_OFF
	VZEROUPPER
	RET

// func adamAVX2(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
TEXT ·adamAVX2(SB), NOSPLIT, $8-56
	FTZ_ON
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS alpha+40(FP), Y12
	VBROADCASTSS c1+44(FP), Y13
	VBROADCASTSS c2+48(FP), Y14
	VBROADCASTSS eps+52(FP), Y15
	XORQ         AX, AX

adam256:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R8)(AX*1), Y1
	VMOVUPS (R9)(AX*1), Y2
	VMOVUPS (DI)(AX*1), Y3
	VSUBPS  Y1, Y0, Y4
	VMULPS  Y13, Y4, Y4
	VADDPS  Y4, Y1, Y1
	VMULPS  Y0, Y0, Y5
	VSUBPS  Y2, Y5, Y5
	VMULPS  Y14, Y5, Y5
	VADDPS  Y5, Y2, Y2
	VSQRTPS Y2, Y6
	VADDPS  Y15, Y6, Y6
	VMULPS  Y1, Y12, Y7
	VDIVPS  Y6, Y7, Y7
	VSUBPS  Y7, Y3, Y3
	VMOVUPS Y1, (R8)(AX*1)
	VMOVUPS Y2, (R9)(AX*1)
	VMOVUPS Y3, (DI)(AX*1)
	ADDQ    $32, AX
	SUBQ    $8, CX
	JG      adam256
	FTZ_OFF
	VZEROUPPER
	RET

// func sgdAVX512(p, grad *float32, n int, lr float32)
TEXT ·sgdAVX512(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS lr+24(FP), Z20
	XORQ         AX, AX
	MOVL         $0xffff, DX
	KMOVW        DX, K1

sgd512:
	CMPQ CX, $16
	JGE  sgd512full
	TAILMASK

sgd512full:
	VMOVUPS.Z (SI)(AX*1), K1, Z0
	VMOVUPS.Z (DI)(AX*1), K1, Z1
	VMULPS    Z20, Z0, Z0         // lr·g
	VSUBPS    Z0, Z1, Z1          // p -=
	VMOVUPS   Z1, K1, (DI)(AX*1)
	ADDQ      $64, AX
	SUBQ      $16, CX
	JG        sgd512
	VZEROUPPER
	RET

// func sgdAVX2(p, grad *float32, n int, lr float32)
TEXT ·sgdAVX2(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS lr+24(FP), Y15
	XORQ         AX, AX

sgd256:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (DI)(AX*1), Y1
	VMULPS  Y15, Y0, Y0
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*1)
	ADDQ    $32, AX
	SUBQ    $8, CX
	JG      sgd256
	VZEROUPPER
	RET

// func momentumAVX512(p, grad, vel *float32, n int, lr, mom float32, nesterov int)
TEXT ·momentumAVX512(SB), NOSPLIT, $8-48
	FTZ_ON
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         vel+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSS lr+32(FP), Z20
	VBROADCASTSS mom+36(FP), Z21
	MOVQ         nesterov+40(FP), R9
	XORQ         AX, AX
	MOVL         $0xffff, DX
	KMOVW        DX, K1

mom512:
	CMPQ CX, $16
	JGE  mom512full
	TAILMASK

mom512full:
	VMOVUPS.Z (SI)(AX*1), K1, Z0
	VMOVUPS.Z (R8)(AX*1), K1, Z1
	VMOVUPS.Z (DI)(AX*1), K1, Z2
	VMULPS    Z1, Z21, Z3         // momentum·vel
	VMULPS    Z0, Z20, Z4         // lr·g
	VSUBPS    Z4, Z3, Z1          // vel = momentum·vel - lr·g
	TESTQ     R9, R9
	JZ        plain512
	VMULPS    Z1, Z21, Z3         // momentum·vel
	VSUBPS    Z4, Z3, Z3          // - lr·g
	VADDPS    Z3, Z2, Z2          // p +=
	JMP       store512

plain512:
	VADDPS Z1, Z2, Z2 // p += vel

store512:
	VMOVUPS Z1, K1, (R8)(AX*1)
	VMOVUPS Z2, K1, (DI)(AX*1)
	ADDQ    $64, AX
	SUBQ    $16, CX
	JG      mom512
	FTZ_OFF
	VZEROUPPER
	RET

// func momentumAVX2(p, grad, vel *float32, n int, lr, mom float32, nesterov int)
TEXT ·momentumAVX2(SB), NOSPLIT, $8-48
	FTZ_ON
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         vel+16(FP), R8
	MOVQ         n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y14
	VBROADCASTSS mom+36(FP), Y15
	MOVQ         nesterov+40(FP), R9
	XORQ         AX, AX

mom256:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS (R8)(AX*1), Y1
	VMOVUPS (DI)(AX*1), Y2
	VMULPS  Y1, Y15, Y3
	VMULPS  Y0, Y14, Y4
	VSUBPS  Y4, Y3, Y1
	TESTQ   R9, R9
	JZ      plain256
	VMULPS  Y1, Y15, Y3
	VSUBPS  Y4, Y3, Y3
	VADDPS  Y3, Y2, Y2
	JMP     store256

plain256:
	VADDPS Y1, Y2, Y2

store256:
	VMOVUPS Y1, (R8)(AX*1)
	VMOVUPS Y2, (DI)(AX*1)
	ADDQ    $32, AX
	SUBQ    $8, CX
	JG      mom256
	FTZ_OFF
	VZEROUPPER
	RET
