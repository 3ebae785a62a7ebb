package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Keras clips p to float32 bounds: float32(1e-7) and float32(1 - 1e-7) = 1 - 2⁻²³.
var (
	bceLow  = float64(float32(1e-7))
	bceHigh = 1 - 0x1p-23
)

// bceRef is the mean of -(y·log(p') + (1-y)·log(1-p')), p' = clip(p, bceLow, bceHigh), in
// float64, and the mean of the two terms' magnitudes.
func bceRef(p, y []float64) (loss, mag float64) {
	for i := range p {
		q := math.Min(math.Max(p[i], bceLow), bceHigh)
		if math.IsNaN(p[i]) {
			q = p[i]
		}
		a, b := y[i]*math.Log(q), (1-y[i])*math.Log(1-q)
		loss -= a + b
		mag += math.Abs(a) + math.Abs(b)
	}
	return loss / float64(len(p)), mag / float64(len(p))
}

// bceProbabilities are the outputs at and beyond the clip bounds, and outside [0, 1].
var bceProbabilities = []float32{0, float32(math.Copysign(0, -1)), 0x1p-149, 1e-9, 5e-8, 1e-7, 1.0000001e-7, 2e-7,
	1 - 0x1p-22, 1 - 0x1p-23, 1 - 0x1p-24, 1, 0.5, -0.25, 1.5}

// bceValues returns random (p, y) of n elements: p = sigmoid(z) for z in [-8, 8), or one of
// bceProbabilities a quarter of the time; y 0 or 1 mostly, else uniform in [0, 1].
func bceValues(r *rand.Rand, n int) (p, y []float32) {
	p, y = make([]float32, n), make([]float32, n)
	for i := range p {
		p[i] = float32(1 / (1 + math.Exp(-16*r.Float64()+8)))
		if r.IntN(4) == 0 {
			p[i] = bceProbabilities[r.IntN(len(bceProbabilities))]
		}
		y[i] = float32(r.IntN(2))
		if r.IntN(4) == 0 {
			y[i] = r.Float32()
		}
	}
	return p, y
}

func TestBinaryCrossEntropy(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 31))
	pureShapes(func(rows, cols int) {
		n := rows * cols
		name := fmt.Sprintf("BinaryCrossEntropy %dx%d", rows, cols)
		p0, y0 := bceValues(r, n)
		p, pw := operand(p0)
		y, yw := operand(y0)
		pBefore, yBefore := append([]float32(nil), pw...), append([]float32(nil), yw...)
		delta, dw := poisoned(n)

		loss := BinaryCrossEntropy(delta, p, y, rows, cols)
		want, mag := bceRef(widen(p0), widen(y0))
		// 1-p' and 1-y are float32 differences (Keras'), each off by up to 2⁻²⁴ relative, which
		// moves a term by up to 2⁻²⁴ (1 + its magnitude); then the mean is rounded to float32.
		if !near(loss, want, 0x1p-22*(1+mag)) {
			t.Fatalf("%s: loss %v, want %v (%v)", name, loss, want, float32(want))
		}
		checkPoisoned(t, name, delta, dw, n)
		unchanged(t, name, "p", pw, pBefore)
		unchanged(t, name, "y", yw, yBefore)
		for i := range n {
			d := (float64(p0[i]) - float64(y0[i])) / float64(n)
			if !near(delta[i], d, 0x1p-22*math.Abs(d)+0x1p-149) { // p·(1/n) may underflow
				t.Fatalf("%s: delta[%d] = %v for p = %v, y = %v; want %v", name, i, delta[i], p0[i], y0[i], d)
			}
		}
		if l := BinaryCrossEntropy(nil, p, y, rows, cols); math.Float32bits(l) != math.Float32bits(loss) {
			t.Fatalf("%s: loss without delta %v, with delta %v", name, l, loss)
		}
		// delta may be p: the loss is taken before delta is written.
		if l := BinaryCrossEntropy(p, p, y, rows, cols); math.Float32bits(l) != math.Float32bits(loss) || !sameBits(p[:n], delta[:n]) {
			t.Fatalf("%s: with delta = p, loss %v and delta %v; want %v and %v", name, l, p[:n], loss, delta[:n])
		}
	})
}

// TestBinaryCrossEntropyGradient checks delta against a central difference of the float64 loss
// composed with a float64 sigmoid, with respect to the sigmoid's inputs z in [-4, 4) (where the
// clip is inactive).
func TestBinaryCrossEntropyGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(32, 32))
	const h = 1e-4
	sigmoid := func(z []float64) []float64 {
		s := make([]float64, len(z))
		for i, v := range z {
			s[i] = 1 / (1 + math.Exp(-v))
		}
		return s
	}
	pureShapes(func(rows, cols int) {
		n := rows * cols
		z, p := make([]float64, n), make([]float32, n)
		_, y := bceValues(r, n)
		for i := range z {
			z[i] = 8*r.Float64() - 4
			p[i] = float32(1 / (1 + math.Exp(-z[i])))
		}
		delta := make([]float32, n)
		BinaryCrossEntropy(delta, p, y, rows, cols)
		y64 := widen(y)
		for i := range n {
			x := z[i]
			z[i] = x + h
			up, _ := bceRef(sigmoid(z), y64)
			z[i] = x - h
			down, _ := bceRef(sigmoid(z), y64)
			z[i] = x
			fd := (up - down) / (2 * h)
			// float32 p, p - y and the product each add up to 2⁻²⁴; the difference is O(h²).
			if !near(delta[i], fd, 1e-6/float64(n)) {
				t.Fatalf("BinaryCrossEntropy %dx%d: delta[%d] = %v, central difference %v", rows, cols, i, delta[i], fd)
			}
		}
	})
}

func TestBinaryCrossEntropyExact(t *testing.T) {
	ln2 := float32(math.Ln2)
	for _, c := range []struct {
		p, y float32
		want float32
	}{
		{0.5, 0, ln2}, {0.5, 1, ln2}, {0.5, 0.5, ln2}, {0.5, 0.25, ln2},
		{1, 0, float32(23 * math.Ln2)},           // 1 - p' = 2⁻²³, Keras' float32 bound
		{1.5, 0, float32(23 * math.Ln2)},         // beyond the bound
		{1 - 0x1p-24, 0, float32(23 * math.Ln2)}, // between the bound and 1
		{0, 1, float32(-math.Log(float64(float32(1e-7))))},
		{-1, 1, float32(-math.Log(float64(float32(1e-7))))},
		{0, 0, float32(-math.Log1p(-0x1p-23))}, // 1 - float32(1e-7) rounds to 1 - 2⁻²³
		{1, 1, float32(-math.Log1p(-0x1p-23))},
	} {
		for _, shape := range [][2]int{{1, 1}, {1, 7}, {5, 3}, {32, 1}} {
			n := shape[0] * shape[1]
			p, y := make([]float32, n), make([]float32, n)
			for i := range p {
				p[i], y[i] = c.p, c.y
			}
			if got := BinaryCrossEntropy(nil, p, y, shape[0], shape[1]); got != c.want {
				t.Errorf("p = %v, y = %v, %dx%d: loss %v, want %v", c.p, c.y, shape[0], shape[1], got, c.want)
			}
		}
	}
	delta := make([]float32, 4)
	BinaryCrossEntropy(delta, []float32{0.5, 0.5, 0.75, 1}, []float32{1, 0, 0, 1}, 2, 2)
	if want := []float32{-0.125, 0.125, 0.1875, 0}; !sameBits(delta, want) {
		t.Errorf("delta %v, want %v", delta, want)
	}
	// Keras' documented example: rows [0.916, 0.714], their mean.
	got := BinaryCrossEntropy(nil, []float32{0.6, 0.4, 0.4, 0.6}, []float32{0, 1, 0, 0}, 2, 2)
	if want := (-math.Log(0.4) - math.Log(0.4) - math.Log(0.6) - math.Log(0.4)) / 4; !near(got, want, 1e-6) || math.Abs(float64(got)-(0.916+0.714)/2) > 1e-3 {
		t.Errorf("Keras' example: loss %v, want %v", got, want)
	}
}

func TestBinaryCrossEntropyNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct{ p, y float32 }{{nan, 0}, {nan, 1}, {0.5, nan}} {
		p := []float32{0.25, c.p, 0.5}
		y := []float32{0, c.y, 1}
		delta := make([]float32, 3)
		if l := BinaryCrossEntropy(delta, p, y, 1, 3); !math.IsNaN(float64(l)) {
			t.Errorf("p = %v, y = %v: loss %v, want NaN", c.p, c.y, l)
		}
		if !math.IsNaN(float64(delta[1])) || delta[0] != 0.25/3 || delta[2] != -0.5/3 {
			t.Errorf("p = %v, y = %v: delta %v, want [1/12 NaN -1/6]", c.p, c.y, delta)
		}
	}
}
