//go:build amd64 && !purego && !noasm

package asm

// The assembly kernels. Matrix strides (ldc, ldb, rsa, csa) count elements, not bytes; A's
// element (i, p) is at a[i*rsa+p*csa], so one kernel serves A·B (rsa=k, csa=1) and Aᵀ·B (rsa=1,
// csa=m). bias may be nil. flags is a sum of flagReLU and flagAcc. Every dimension is >= 1.

// Flags of the gemm and gemv kernels.
const (
	flagReLU = 1 // C = max(0, C) after the product
	flagAcc  = 2 // C += A·B (bias ignored) instead of C = A·B (+ bias)
)

// gemmAVX512 sets C (m×n, row stride ldc) = A·B (+ bias) with 4×64 and 8×16 register blocks.
//
//go:noescape
func gemmAVX512(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int)

// gemvAVX512 is gemmAVX512 for m = 1: it streams B once, with four partial sums per column.
//
//go:noescape
func gemvAVX512(c *float32, a *float32, csa int, b *float32, ldb int, bias *float32, n, k, flags int)

// gemmAVX2 is gemmAVX512 with 256-bit registers and 6×16 register blocks, for n >= 8. At the
// start of every row block it prefetches its share of two regions: pfan cache lines of pfaseg
// bytes per row, rows pfastride bytes apart, from pfa, and pfbn lines from pfb (see
// gemm_avx2_amd64.s).
//
//go:noescape
func gemmAVX2(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int, pfa uintptr, pfan, pfaseg, pfastride int, pfb uintptr, pfbn int)

// gemvAVX2 is gemvAVX512 with 256-bit registers.
//
//go:noescape
func gemvAVX2(c *float32, a *float32, csa int, b *float32, ldb int, bias *float32, n, k, flags int)

// colSumAVX512 sets dst[j] = Σ_i a[i*n+j].
//
//go:noescape
func colSumAVX512(dst, a *float32, m, n int)

// adamAVX512 is adamGeneric over n elements; c1 = 1-beta1, c2 = 1-beta2.
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)

// adamAVX2 is adamAVX512 for n a multiple of 8.
//
//go:noescape
func adamAVX2(p, grad, m, v *float32, n int, alpha, c1, c2, eps float32)

// sgdAVX512 is sgdGeneric over n elements.
//
//go:noescape
func sgdAVX512(p, grad *float32, n int, lr float32)

// sgdAVX2 is sgdAVX512 for n a multiple of 8.
//
//go:noescape
func sgdAVX2(p, grad *float32, n int, lr float32)

// momentumAVX512 is momentumGeneric over n elements; nesterov is 0 or 1.
//
//go:noescape
func momentumAVX512(p, grad, vel *float32, n int, lr, mom float32, nesterov int)

// momentumAVX2 is momentumAVX512 for n a multiple of 8.
//
//go:noescape
func momentumAVX2(p, grad, vel *float32, n int, lr, mom float32, nesterov int)

// packTAVX512 sets dst[p*w+j] = src[j*k+p] for j < w, p < kw (w×kw, transposed), with gathers.
//
//go:noescape
func packTAVX512(dst, src *float32, k, w, kw int)

// packTAVX2 is packTAVX512 with 8-lane gathers.
//
//go:noescape
func packTAVX2(dst, src *float32, k, w, kw int)

// colSumAVX2 is colSumAVX512 with 256-bit registers.
//
//go:noescape
func colSumAVX2(dst, a *float32, m, n int)

// scaleBytesAVX512 sets dst[i] = float32(src[i]) / divisor for i < n.
//
//go:noescape
func scaleBytesAVX512(dst *float32, src *uint8, n int, divisor float32)

// scaleBytesAVX2 is scaleBytesAVX512 for n a multiple of 8.
//
//go:noescape
func scaleBytesAVX2(dst *float32, src *uint8, n int, divisor float32)

// reluBackwardAVX512 sets d[i] = 0 where a[i] <= 0, for i < n.
//
//go:noescape
func reluBackwardAVX512(d, a *float32, n int)

// reluBackwardAVX2 is reluBackwardAVX512 for n a multiple of 8.
//
//go:noescape
func reluBackwardAVX2(d, a *float32, n int)
