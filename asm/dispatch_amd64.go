//go:build amd64 && !purego && !noasm

package asm

import "github.com/klauspost/cpuid/v2"

// best is the fastest level the CPU supports; cpuid's checks include the OS's support for the
// wider register state.
var best = func() int {
	c := &cpuid.CPU
	if !c.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3) {
		return levelGeneric
	}
	if c.Supports(cpuid.AVX512F) {
		return levelAVX512
	}
	return levelAVX2
}()

// bestLevel is the fastest level this build can run on this CPU.
func bestLevel() int { return best }

// The functions below are what the exported kernels call after their bounds checks. Each
// switches on level and calls the assembly directly (see level).

func matMul(c, a, b, bias []float32, m, n, k, k0, k1 int, relu bool) {
	if level == levelGeneric || m <= 0 || n <= 0 || k1 <= k0 {
		matMulGeneric(c, a, b, bias, m, n, k, k0, k1, relu)
		return
	}
	var bp *float32
	if bias != nil {
		bp = &bias[0]
	}
	flags := 0
	if relu {
		flags = flagReLU
	}
	// Columns k0 to k1 of A (row stride k) times rows k0 to k1 of B.
	gemmBlocked(c, a[k0:], b[k0*n:], bp, k, 1, m, n, k1-k0, flags)
}

// kBlock is the depth of the slices of B that gemmBlocked multiplies in turn: 96 rows of a
// 64-column panel are 24 KiB, which stay in a 32 KiB L1 cache while every row block of A uses
// them, instead of streaming the whole of B from L2 once per row block.
const kBlock = 96

// gemmBlocked sets C (m×n) = A·B (+ bias), A's element (i, p) at a[i*rsa+p*csa], B k×n, splitting
// k into slices of kBlock when several row blocks would each stream a large B: the first slice
// adds the bias, the later ones accumulate, the last applies ReLU.
func gemmBlocked(c, a, b []float32, bias *float32, rsa, csa, m, n, k, flags int) {
	if m < 8 || k < 2*kBlock {
		gemm(&c[0], n, &a[0], rsa, csa, &b[0], n, bias, m, n, k, flags)
		return
	}
	for p0 := 0; p0 < k; p0 += kBlock {
		kw := min(kBlock, k-p0)
		f := flags &^ flagReLU
		if p0 > 0 {
			f |= flagAcc
		}
		if p0+kw == k {
			f |= flags & flagReLU
		}
		gemm(&c[0], n, &a[p0*csa], rsa, csa, &b[p0*n], n, bias, m, n, kw, f)
	}
}

// gemm calls the level's gemm kernel, or its gemv kernel when m is 1.
func gemm(c *float32, ldc int, a *float32, rsa, csa int, b *float32, ldb int, bias *float32, m, n, k, flags int) {
	if level == levelAVX512 {
		if m == 1 {
			gemvAVX512(c, a, csa, b, ldb, bias, n, k, flags)
		} else {
			gemmAVX512(c, ldc, a, rsa, csa, b, ldb, bias, m, n, k, flags)
		}
		return
	}
	if m == 1 {
		gemvAVX2(c, a, csa, b, ldb, bias, n, k, flags)
	} else {
		gemmAVX2(c, ldc, a, rsa, csa, b, ldb, bias, m, n, k, flags)
	}
}

func matMulTransA(c, a, b []float32, m, n, k, lo, hi int) {
	if level == levelGeneric || hi <= lo || n <= 0 || k <= 0 {
		matMulTransAGeneric(c, a, b, m, n, k, lo, hi)
		return
	}
	// Row i of C is column lo+i of A: element (i, p) at a[lo+i+p*m].
	gemmBlocked(c, a[lo:], b, nil, 1, m, hi-lo, n, k, 0)
}

// packSize is the number of elements of the stack buffer into which matMulTransB transposes
// blocks of B: 4 KiB (Go zeroes it on every call, so it is kept small).
const packSize = 1024

func matMulTransB(c, a, b []float32, m, n, k int) {
	if level == levelGeneric || m <= 0 || n <= 0 || k <= 0 {
		matMulTransBGeneric(c, a, b, m, n, k)
		return
	}
	// C = A·Bᵀ = A·(Bᵀ), with Bᵀ (k×n) packed block by block: kb×nb blocks of Bᵀ, the later
	// blocks along k accumulating into C.
	var buf [packSize]float32
	kb := min(k, 64)
	nb := min(n, packSize/kb)
	for j0 := 0; j0 < n; j0 += nb {
		w := min(nb, n-j0)
		for p0 := 0; p0 < k; p0 += kb {
			kw := min(kb, k-p0)
			switch {
			case k >= 1<<26: // the gathers' int32 indices j*k would overflow
				packT(buf[:kw*w], b[j0*k+p0:], k, w, kw)
			case level == levelAVX512:
				packTAVX512(&buf[0], &b[j0*k+p0], k, w, kw)
			default:
				packTAVX2(&buf[0], &b[j0*k+p0], k, w, kw)
			}
			flags := 0
			if p0 > 0 {
				flags = flagAcc
			}
			gemm(&c[j0], n, &a[p0], k, 1, &buf[0], w, nil, m, w, kw, flags)
		}
	}
}

func colSum(dst, a []float32, m, n int) {
	if level == levelGeneric || m <= 0 || n <= 0 {
		colSumGeneric(dst, a, m, n)
		return
	}
	if level == levelAVX512 {
		colSumAVX512(&dst[0], &a[0], m, n)
	} else {
		colSumAVX2(&dst[0], &a[0], m, n)
	}
}

func adamUpdate(p, g, m, v []float32, alpha, beta1, beta2, epsilon float32) {
	n := len(p)
	switch level {
	case levelAVX512:
		if n > 0 {
			adamAVX512(&p[0], &g[0], &m[0], &v[0], n, alpha, 1-beta1, 1-beta2, epsilon)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			adamAVX2(&p[0], &g[0], &m[0], &v[0], n8, alpha, 1-beta1, 1-beta2, epsilon)
			p, g, m, v = p[n8:], g[n8:], m[n8:], v[n8:]
		}
	}
	adamGeneric(p, g, m, v, alpha, beta1, beta2, epsilon)
}

func sgdUpdate(p, g []float32, lr float32) {
	n := len(p)
	switch level {
	case levelAVX512:
		if n > 0 {
			sgdAVX512(&p[0], &g[0], n, lr)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			sgdAVX2(&p[0], &g[0], n8, lr)
			p, g = p[n8:], g[n8:]
		}
	}
	sgdGeneric(p, g, lr)
}

func momentumUpdate(p, g, vel []float32, lr, mom float32, nesterov bool) {
	n := len(p)
	nest := 0
	if nesterov {
		nest = 1
	}
	switch level {
	case levelAVX512:
		if n > 0 {
			momentumAVX512(&p[0], &g[0], &vel[0], n, lr, mom, nest)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			momentumAVX2(&p[0], &g[0], &vel[0], n8, lr, mom, nest)
			p, g, vel = p[n8:], g[n8:], vel[n8:]
		}
	}
	momentumGeneric(p, g, vel, lr, mom, nesterov)
}

// packT sets dst[p*w+j] = src[j*k+p] for j < w, p < kw.
func packT(dst, src []float32, k, w, kw int) {
	for p := 0; p < kw; p++ {
		d := dst[p*w : p*w+w]
		s := src[p : (w-1)*k+p+1]
		for j := range d {
			d[j] = s[j*k]
		}
	}
}

func scaleBytes(dst []float32, src []uint8, divisor float32) {
	n := len(src)
	switch level {
	case levelAVX512:
		if n > 0 {
			scaleBytesAVX512(&dst[0], &src[0], n, divisor)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			scaleBytesAVX2(&dst[0], &src[0], n8, divisor)
			dst, src = dst[n8:], src[n8:]
		}
	}
	scaleBytesGeneric(dst, src, divisor)
}

func reluBackward(d, a []float32) {
	n := len(d)
	switch level {
	case levelAVX512:
		if n > 0 {
			reluBackwardAVX512(&d[0], &a[0], n)
		}
		return
	case levelAVX2:
		if n8 := n &^ 7; n8 > 0 {
			reluBackwardAVX2(&d[0], &a[0], n8)
			d, a = d[n8:], a[n8:]
		}
	}
	reluBackwardGeneric(d, a)
}
