//go:build !amd64 || purego || noasm

package asm

// bestLevel is the fastest level this build can run: without amd64 assembly, only pure Go.
func bestLevel() int { return levelGeneric }

func matMul(c, a, b, bias []float32, m, n, k, k0, k1 int, relu bool) {
	matMulGeneric(c, a, b, bias, m, n, k, k0, k1, relu)
}

func matMulTransA(c, a, b []float32, m, n, k, lo, hi int) {
	matMulTransAGeneric(c, a, b, m, n, k, lo, hi)
}

func matMulTransB(c, a, b []float32, m, n, k int) { matMulTransBGeneric(c, a, b, m, n, k) }

func colSum(dst, a []float32, m, n int) { colSumGeneric(dst, a, m, n) }

func adamUpdate(p, g, m, v []float32, alpha, beta1, beta2, epsilon float32) {
	adamGeneric(p, g, m, v, alpha, beta1, beta2, epsilon)
}

func sgdUpdate(p, g []float32, lr float32) { sgdGeneric(p, g, lr) }

func momentumUpdate(p, g, vel []float32, lr, mom float32, nesterov bool) {
	momentumGeneric(p, g, vel, lr, mom, nesterov)
}

func scaleBytes(dst []float32, src []uint8, divisor float32) { scaleBytesGeneric(dst, src, divisor) }

func reluBackward(d, a []float32) { reluBackwardGeneric(d, a) }
