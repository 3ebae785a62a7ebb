package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The tests run every kernel at every level this machine supports (setLevel), against a float64
// evaluation of the same formula, on sweeps of shapes with random data. Outputs are poisoned with
// NaN and fenced with guard values; inputs are fenced with NaN (a kernel that reads past an
// operand and uses what it read turns an output into NaN) and must come back unchanged.

// guard is the number of fence elements on each side of an operand.
const guard = 19

// fence is the value written around outputs: a kernel that writes past an operand changes it.
const fence float32 = -31415.9

// forLevels runs f once per supported level, with that level forced.
func forLevels(t testing.TB, f func(name string)) {
	t.Helper()
	old := level
	defer func() { level = old }()
	for l := levelGeneric; l <= bestLevel(); l++ {
		setLevel(l)
		f(levelNames[l])
	}
}

// fenced returns a slice of n elements inside a larger buffer whose other elements are fill.
func fenced(n int, fill float32) (inner, whole []float32) {
	whole = make([]float32, n+2*guard)
	for i := range whole {
		whole[i] = fill
	}
	return whole[guard : guard+n : guard+n], whole
}

// randFenced returns n random values in [-1, 1), fenced by NaN.
func randFenced(r *rand.Rand, n int) (inner, whole []float32) {
	inner, whole = fenced(n, float32(math.NaN()))
	for i := range inner {
		inner[i] = 2*r.Float32() - 1
	}
	return inner, whole
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// The product kernels under test.
const (
	kMatMul = iota
	kMatMulBias
	kMatMulBiasReLU
	kTransA
	kTransB
	kCount
)

var kindNames = [...]string{"MatMul", "MatMulBias", "MatMulBiasReLU", "MatMulTransA", "MatMulTransB"}

// aAt and bAt give the index of A(i,p) and B(p,j) in the kind's storage of A and B.
func aAt(kind, i, p, m, k int) int {
	if kind == kTransA {
		return p*m + i
	}
	return i*k + p
}

func bAt(kind, p, j, n, k int) int {
	if kind == kTransB {
		return j*k + p
	}
	return p*n + j
}

// reference returns, for every element of C, the float64 value of the kernel's formula on the
// float32 inputs and the sum of the magnitudes of its terms (|bias| + Σ_p |a·b|). It runs in
// i-p-j order, so that the products as deep or as tall as a convolution's stay quick; each term
// is an exact float64 product, and float64 sums err by far less than the tolerance.
func reference(kind int, a, b, bias []float32, m, n, k int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	if kind == kTransB { // B as k×n
		bt := make([]float32, k*n)
		for j := 0; j < n; j++ {
			for p := 0; p < k; p++ {
				bt[p*n+j] = b[j*k+p]
			}
		}
		b = bt
	}
	for i := 0; i < m; i++ {
		w, g := want[i*n:i*n+n], mag[i*n:i*n+n]
		if bias != nil {
			for j := range w {
				w[j], g[j] = float64(bias[j]), math.Abs(float64(bias[j]))
			}
		}
		for p := 0; p < k; p++ {
			x := float64(a[aAt(kind, i, p, m, k)])
			for j, y := range b[p*n : p*n+n] {
				xy := x * float64(y)
				w[j] += xy
				g[j] += math.Abs(xy)
			}
		}
		if kind == kMatMulBiasReLU {
			for j, v := range w {
				if v < 0 {
					w[j] = 0
				}
			}
		}
	}
	return want, mag
}

// tolerance bounds |computed - exact| for an element whose terms have magnitudes summing to mag:
// a float32 sum of t terms, in any order and with or without fused multiply-adds, errs by at most
// γ(t) = t·u/(1-t·u) times the sum of the magnitudes, u = 2⁻²⁴; here t ≤ k+1 (k products and a
// bias), and (k+2)·u covers the 1/(1-t·u) factor for any k below 10⁶. ReLU is 1-Lipschitz and
// adds nothing. The tiny absolute term covers underflow.
func tolerance(k int, mag float64) float64 {
	return float64(k+2)*0x1p-24*mag + 1e-37
}

// runProduct calls the kernel of the given kind.
func runProduct(kind int, c, a, b, bias []float32, m, n, k int) {
	switch kind {
	case kMatMul:
		MatMul(c, a, b, m, n, k)
	case kMatMulBias:
		MatMulBias(c, a, b, bias, m, n, k)
	case kMatMulBiasReLU:
		MatMulBiasReLU(c, a, b, bias, m, n, k)
	case kTransA:
		MatMulTransA(c, a, b, m, n, k)
	case kTransB:
		MatMulTransB(c, a, b, m, n, k)
	}
}

// checkProduct runs one kind on one shape at the current level and reports every failure.
func checkProduct(t testing.TB, lvl string, kind int, r *rand.Rand, m, n, k int) bool {
	t.Helper()
	a, aw := randFenced(r, m*k)
	b, bw := randFenced(r, k*n)
	var bias, biasw []float32
	if kind == kMatMulBias || kind == kMatMulBiasReLU {
		bias, biasw = randFenced(r, n)
	}
	a0, b0, bias0 := append([]float32(nil), aw...), append([]float32(nil), bw...), append([]float32(nil), biasw...)
	c, cw := fenced(m*n, fence)
	for i := range c {
		c[i] = float32(math.NaN())
	}
	runProduct(kind, c, a, b, bias, m, n, k)
	want, mag := reference(kind, a, b, bias, m, n, k)
	name := fmt.Sprintf("%s/%s m=%d n=%d k=%d", lvl, kindNames[kind], m, n, k)
	ok := true
	for i, g := range cw {
		if (i < guard || i >= guard+m*n) && g != fence {
			t.Errorf("%s: wrote outside C at offset %d: %v", name, i-guard, g)
			return false
		}
	}
	for i, g := range c {
		if d := math.Abs(float64(g) - want[i]); !(d <= tolerance(k, mag[i])) {
			t.Errorf("%s: C[%d,%d] = %v, want %v (±%.3g)", name, i/n, i%n, g, want[i], tolerance(k, mag[i]))
			return false
		}
	}
	if !sameBits(aw, a0) || !sameBits(bw, b0) || !sameBits(biasw, bias0) {
		t.Errorf("%s: an input changed", name)
		ok = false
	}
	return ok
}

// shapeSet is crossed with each dimension's sweep: odd sizes, edges of the register blocks and
// the reference model's sizes.
var shapeSet = []int{1, 3, 17, 32, 33, 64, 65}

// sweep calls f on every shape with one dimension in 1..70 and the other two in shapeSet, then
// on the reference model's shapes.
func sweep(f func(m, n, k int)) {
	for d := 1; d <= 70; d++ {
		for _, x := range shapeSet {
			for _, y := range shapeSet {
				f(d, x, y)
				f(x, d, y)
				f(x, y, d)
			}
		}
	}
	for _, s := range modelShapes {
		f(s[0], s[1], s[2])
	}
}

// modelShapes are the (m, n, k) of the reference MNIST model's products, batch 32, an odd last
// batch of 7, and batch 1, then deep products.
var modelShapes = [][3]int{
	{32, 64, 784}, {32, 10, 64}, {784, 64, 32}, {64, 10, 32}, {32, 64, 10},
	{7, 64, 784}, {7, 10, 64}, {784, 64, 7}, {64, 10, 7}, {7, 64, 10},
	{1, 64, 784}, {1, 10, 64}, {784, 64, 1}, {64, 10, 1}, {1, 64, 10},
	// Deep products, which the wrappers split along k (kBlock) when m >= 8.
	{8, 65, 192}, {9, 17, 289}, {13, 130, 200}, {7, 33, 300}, {33, 3, 401},
}

func TestProducts(t *testing.T) {
	for kind := 0; kind < kCount; kind++ {
		t.Run(kindNames[kind], func(t *testing.T) {
			forLevels(t, func(lvl string) {
				r := rand.New(rand.NewPCG(uint64(kind), 1))
				fails := 0
				sweep(func(m, n, k int) {
					if fails < 5 && !checkProduct(t, lvl, kind, r, m, n, k) {
						fails++
					}
				})
			})
		})
	}
}
