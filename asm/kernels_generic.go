package asm

import "math"

// matMulGeneric is the reference for MatMul, MatMulBias, MatMulBiasReLU and MatMulPart:
//
//	for i < m: for j < n: c[i*n+j] = bias[j] (or 0) + Σ_{k0 <= p < k1} a[i*k+p]·b[p*n+j]; then max(0, ·) if relu
//
// It runs in i-p-j order so that the inner loop walks rows of B and C contiguously.
func matMulGeneric(c, a, b, bias []float32, m, n, k, k0, k1 int, relu bool) {
	for i := 0; i < m; i++ {
		ci := c[i*n : i*n+n]
		if bias != nil {
			copy(ci, bias[:n])
		} else {
			clear(ci)
		}
		for p := k0; p < k1; p++ {
			s := a[i*k+p]
			bp := b[p*n : p*n+n]
			for j, bv := range bp {
				ci[j] += s * bv
			}
		}
		if relu {
			for j, v := range ci {
				if v < 0 {
					ci[j] = 0
				}
			}
		}
	}
}

// matMulTransAGeneric is the reference for MatMulTransA and MatMulTransARows:
//
//	for lo <= i < hi: for j < n: c[(i-lo)*n+j] = Σ_p a[p*m+i]·b[p*n+j]
func matMulTransAGeneric(c, a, b []float32, m, n, k, lo, hi int) {
	clear(c[:(hi-lo)*n])
	for p := 0; p < k; p++ {
		ap := a[p*m+lo : p*m+hi]
		bp := b[p*n : p*n+n]
		for i, s := range ap {
			ci := c[i*n : i*n+n]
			for j, bv := range bp {
				ci[j] += s * bv
			}
		}
	}
}

// matMulTransBGeneric is the reference for MatMulTransB:
//
//	for i < m: for j < n: c[i*n+j] = Σ_p a[i*k+p]·b[j*k+p]
func matMulTransBGeneric(c, a, b []float32, m, n, k int) {
	for i := 0; i < m; i++ {
		ai := a[i*k : i*k+k]
		for j := 0; j < n; j++ {
			bj := b[j*k : j*k+k]
			var s float32
			for p, av := range ai {
				s += av * bj[p]
			}
			c[i*n+j] = s
		}
	}
}

// colSumGeneric is the reference for ColSum.
func colSumGeneric(dst, a []float32, m, n int) {
	clear(dst[:n])
	for i := 0; i < m; i++ {
		for j, v := range a[i*n : i*n+n] {
			dst[j] += v
		}
	}
}

// adamGeneric is the reference for Adam.
func adamGeneric(p, g, m, v []float32, alpha, beta1, beta2, epsilon float32) {
	for i := range p {
		gi := g[i]
		m[i] = flushDenormal(m[i] + (gi-m[i])*(1-beta1))
		v[i] = flushDenormal(v[i] + (gi*gi-v[i])*(1-beta2))
		p[i] -= alpha * m[i] / (float32(math.Sqrt(float64(v[i]))) + epsilon)
	}
}

// sgdGeneric is the reference for SGD.
func sgdGeneric(p, g []float32, lr float32) {
	for i := range p {
		p[i] -= lr * g[i]
	}
}

// momentumGeneric is the reference for Momentum.
func momentumGeneric(p, g, vel []float32, lr, momentum float32, nesterov bool) {
	for i := range p {
		vel[i] = flushDenormal(momentum*vel[i] - lr*g[i])
		if nesterov {
			p[i] += momentum*vel[i] - lr*g[i]
		} else {
			p[i] += vel[i]
		}
	}
}

// minNormal is the smallest normal float32, 2⁻¹²⁶.
const minNormal = 0x1p-126

// flushDenormal returns 0 for a denormal x, and x otherwise. The optimiser state decays
// geometrically where gradients are zero; kept denormal, every operation on it would cost a
// microcode assist. The SIMD levels get the same effect from MXCSR's flush-to-zero mode, as
// TensorFlow's CPU kernels do.
func flushDenormal(x float32) float32 {
	if x > -minNormal && x < minNormal {
		return 0
	}
	return x
}

// scaleBytesGeneric is the reference for ScaleBytes: a correctly rounded float32 division.
func scaleBytesGeneric(dst []float32, src []uint8, divisor float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v) / divisor
	}
}

// reluBackwardGeneric is the reference for ReLUBackward.
func reluBackwardGeneric(d, a []float32) {
	a = a[:len(d)]
	for i := range d {
		if a[i] <= 0 {
			d[i] = 0
		}
	}
}
