package asm

// MatMul sets C = A·B, where C is m×n, A is m×k and B is k×n.
func MatMul(c, a, b []float32, m, n, k int) {
	checkMatMul(c, a, b, m, n, k)
	matMul(c, a, b, nil, m, n, k, 0, k, false)
}

// MatMulBias sets C = A·B + 1·biasᵀ: every row of C gets bias (length n) added.
func MatMulBias(c, a, b, bias []float32, m, n, k int) {
	checkMatMul(c, a, b, m, n, k)
	checkLen("bias", bias, n)
	matMul(c, a, b, bias, m, n, k, 0, k, false)
}

// MatMulBiasReLU sets C = max(0, A·B + 1·biasᵀ), the forward pass of a dense ReLU layer.
func MatMulBiasReLU(c, a, b, bias []float32, m, n, k int) {
	checkMatMul(c, a, b, m, n, k)
	checkLen("bias", bias, n)
	matMul(c, a, b, bias, m, n, k, 0, k, true)
}

// MatMulPart sets C = A[:, k0:k1]·B[k0:k1, :] (+ bias when it is not nil), where A is m×k, B is
// k×n and C is m×n: the share of a product that one core computes from its share of the inputs
// and of the kernel's rows, so that two cores each read only the kernel rows they also update.
// The sum of the shares' results is A·B. MatMulPart(c, a, b, bias, m, n, k, 0, k) is MatMulBias
// (MatMul when bias is nil).
func MatMulPart(c, a, b, bias []float32, m, n, k, k0, k1 int) {
	if k0 < 0 || k1 > k || k0 > k1 {
		panic("asm: MatMulPart: columns out of range")
	}
	checkMatMul(c, a, b, m, n, k)
	if bias != nil {
		checkLen("bias", bias, n)
	}
	matMul(c, a, b, bias, m, n, k, k0, k1, false)
}

// Add sets dst[i] += src[i] for every element of dst (src at least as long): it sums the shares
// of a product that MatMulPart computed, a few thousand elements per step.
func Add(dst, src []float32) {
	checkLen("src", src, len(dst))
	for i := range dst {
		dst[i] += src[i]
	}
}

// MatMulTransA sets C = Aᵀ·B, where C is m×n, A is k×m and B is k×n: the weight gradient of a
// dense layer (inputs transposed times output deltas).
func MatMulTransA(c, a, b []float32, m, n, k int) {
	checkLen("C", c, m*n)
	checkLen("A", a, k*m)
	checkLen("B", b, k*n)
	matMulTransA(c, a, b, m, n, k, 0, m)
}

// MatMulTransARows sets rows lo to hi of C = Aᵀ·B, where A is k×m and B is k×n; c holds just
// those rows, (hi-lo)×n. Two cores can so each compute a share of a weight gradient into its own
// contiguous part of the gradient array. MatMulTransARows(c, a, b, m, n, k, 0, m) is MatMulTransA.
func MatMulTransARows(c, a, b []float32, m, n, k, lo, hi int) {
	if lo < 0 || hi > m || lo > hi {
		panic("asm: MatMulTransARows: rows out of range")
	}
	checkLen("C", c, (hi-lo)*n)
	checkLen("A", a, k*m)
	checkLen("B", b, k*n)
	matMulTransA(c, a, b, m, n, k, lo, hi)
}

// MatMulTransB sets C = A·Bᵀ, where C is m×n, A is m×k and B is n×k: the input gradient of a
// dense layer (output deltas times the kernel transposed).
func MatMulTransB(c, a, b []float32, m, n, k int) {
	checkLen("C", c, m*n)
	checkLen("A", a, m*k)
	checkLen("B", b, n*k)
	matMulTransB(c, a, b, m, n, k)
}

// ColSum sets dst[j] = Σ_i a[i*n+j] for an m×n matrix A: the bias gradient of a dense layer.
func ColSum(dst, a []float32, m, n int) {
	checkLen("dst", dst, n)
	checkLen("A", a, m*n)
	colSum(dst, a, m, n)
}

// Adam applies one Adam update to the parameters p from the gradients g, with first and second
// moments m and v, all of one length, as Keras does:
//
//	m += (g - m)·(1 - beta1);  v += (g² - v)·(1 - beta2);  p -= alpha·m / (√v + epsilon)
//
// where alpha is the bias-corrected step lr·√(1-beta2^t)/(1-beta1^t), computed by the caller.
// Moments that would be denormal are flushed to zero, as TensorFlow's CPU kernels do: it changes
// no parameter (√v below 1e-19 is far under epsilon) and keeps every level fast.
func Adam(p, g, m, v []float32, alpha, beta1, beta2, epsilon float32) {
	checkLen("g", g, len(p))
	checkLen("m", m, len(p))
	checkLen("v", v, len(p))
	adamUpdate(p, g, m, v, alpha, beta1, beta2, epsilon)
}

// SGD applies one plain gradient-descent update, p -= lr·g.
func SGD(p, g []float32, lr float32) {
	checkLen("g", g, len(p))
	sgdUpdate(p, g, lr)
}

// Momentum applies one SGD-with-momentum update as Keras does, with velocity vel:
//
//	vel = momentum·vel - lr·g;  p += vel                      (nesterov false)
//	vel = momentum·vel - lr·g;  p += momentum·vel - lr·g      (nesterov true)
//
// A velocity that would be denormal is flushed to zero, as in Adam.
func Momentum(p, g, vel []float32, lr, momentum float32, nesterov bool) {
	checkLen("g", g, len(p))
	checkLen("vel", vel, len(p))
	momentumUpdate(p, g, vel, lr, momentum, nesterov)
}

// ScaleBytes sets dst[i] = float32(src[i]) / divisor for every element of src: bytes to
// features, as Keras' x.astype('float32') / 255. Each result is the correctly rounded quotient,
// bit for bit the Go expression's, for any divisor. dst must be at least as long as src.
func ScaleBytes(dst []float32, src []uint8, divisor float32) {
	checkLen("dst", dst, len(src))
	scaleBytes(dst, src, divisor)
}

func checkMatMul(c, a, b []float32, m, n, k int) {
	checkLen("C", c, m*n)
	checkLen("A", a, m*k)
	checkLen("B", b, k*n)
}

// checkLen panics when an operand is shorter than its shape: a caller's bug, never user input.
func checkLen(name string, s []float32, want int) {
	if len(s) < want {
		panic("asm: operand " + name + " is shorter than its shape")
	}
}
