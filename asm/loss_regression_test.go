package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The pure-Go row kernels (BinaryCrossEntropy, AbsoluteError, Rescale, Normalize, Denormalize)
// are tested against float64 references written here from the maths, on every shape with rows
// 1..5 and cols 1..70. Their outputs are longer than the shape, NaN-poisoned within it and fenced
// after it: the kernel must write every element of the shape and nothing after it. Their inputs are longer
// than the shape too, the extra elements NaN (a kernel that used them would return or write NaN),
// and must come back unchanged.

// pureTail is how many elements past the shape every operand of the pure-Go row kernels has.
const pureTail = 3

// pureShapes calls f on every shape the pure-Go row kernels are tested on.
func pureShapes(f func(rows, cols int)) {
	for rows := 1; rows <= 5; rows++ {
		for cols := 1; cols <= 70; cols++ {
			f(rows, cols)
		}
	}
}

// poisoned returns an output of n NaNs followed by pureTail fence values, inside the fence: the
// kernel is given n+pureTail elements and must overwrite the first n and nothing else.
func poisoned(n int) (out, whole []float32) {
	out, whole = fenced(n+pureTail, fence)
	for i := range n {
		out[i] = float32(math.NaN())
	}
	return out, whole
}

// checkPoisoned fails when the kernel wrote past the first n elements of out or outside it: a
// fence value changed.
func checkPoisoned(t *testing.T, name string, out, whole []float32, n int) {
	t.Helper()
	checkFence(t, name, whole, n)
}

// operand returns a NaN-fenced copy of v followed by pureTail NaNs, and the whole buffer.
func operand(v []float32) (in, whole []float32) {
	in, whole = fenced(len(v)+pureTail, float32(math.NaN()))
	copy(in, v)
	return in, whole
}

// unchanged fails when an input's buffer (operand's whole) differs from its copy before the call.
func unchanged(t *testing.T, name, what string, whole, before []float32) {
	t.Helper()
	if !sameBits(whole, before) {
		t.Fatalf("%s: %s changed", name, what)
	}
}

// near reports whether got is within tol of want, NaN matching only NaN and an infinity only
// itself.
func near(got float32, want, tol float64) bool {
	g := float64(got)
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return g == want || math.IsNaN(g) && math.IsNaN(want)
	}
	return math.Abs(g-want) <= tol
}

// sameFloat reports whether got and want have the same bits, or are both NaN.
func sameFloat(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || got != got && want != want
}

// mustPanicWith fails unless f panics with a message that contains want.
func mustPanicWith(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", name)
		} else if s := fmt.Sprint(r); !strings.Contains(s, want) {
			t.Errorf("%s: panic %q does not name %q", name, s, want)
		}
	}()
	f()
}

// maeRef is mean |a - y| in float64, with the mean of the terms' magnitudes (the same here).
func maeRef(a, y []float64) float64 {
	var sum float64
	for i := range a {
		sum += math.Abs(a[i] - y[i])
	}
	return sum / float64(len(a))
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// maeValues returns random (a, y) of n elements: uniform in [-1, 1), a == y about one time in
// five (±0 among them), and now and then large or tiny values.
func maeValues(r *rand.Rand, n int) (a, y []float32) {
	a, y = make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], y[i] = 2*r.Float32()-1, 2*r.Float32()-1
		switch r.IntN(10) {
		case 0, 1:
			a[i] = y[i]
		case 2:
			a[i], y[i] = 0, float32(math.Copysign(0, -1))
		case 3:
			a[i], y[i] = 3e38*(2*r.Float32()-1), 0x1p-140*(2*r.Float32()-1)
		}
	}
	return a, y
}

func TestAbsoluteError(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 21))
	ties := 0
	pureShapes(func(rows, cols int) {
		n := rows * cols
		name := fmt.Sprintf("AbsoluteError %dx%d", rows, cols)
		a0, y0 := maeValues(r, n)
		a, aw := operand(a0)
		y, yw := operand(y0)
		aBefore, yBefore := append([]float32(nil), aw...), append([]float32(nil), yw...)
		grad, gw := poisoned(n)

		loss := AbsoluteError(grad, a, y, rows, cols)
		want := maeRef(widen(a0), widen(y0))
		// Each |a - y| is rounded to float32, then the float64 mean is: 2 roundings of 2⁻²⁴.
		if !near(loss, want, 0x1p-22*want) {
			t.Fatalf("%s: loss %v, want %v", name, loss, want)
		}
		checkPoisoned(t, name, grad, gw, n)
		unchanged(t, name, "a", aw, aBefore)
		unchanged(t, name, "y", yw, yBefore)
		for i := range n {
			d := float64(a0[i]) - float64(y0[i])
			g := 0.0
			if d > 0 {
				g = 1 / float64(n)
			} else if d < 0 {
				g = -1 / float64(n)
			} else {
				ties++
			}
			if !near(grad[i], g, 0x1p-23*math.Abs(g)) {
				t.Fatalf("%s: grad[%d] = %v for a = %v, y = %v; want %v", name, i, grad[i], a0[i], y0[i], g)
			}
		}
		if l := AbsoluteError(nil, a, y, rows, cols); math.Float32bits(l) != math.Float32bits(loss) {
			t.Fatalf("%s: loss without grad %v, with grad %v", name, l, loss)
		}
		// grad may be a: the loss is taken before grad is written.
		copy(a, a0)
		if l := AbsoluteError(a, a, y, rows, cols); math.Float32bits(l) != math.Float32bits(loss) || !sameBits(a[:n], grad[:n]) {
			t.Fatalf("%s: with grad = a, loss %v and grad %v; want %v and %v", name, l, a[:n], loss, grad[:n])
		}
	})
	if ties == 0 {
		t.Fatal("no a == y in the test data")
	}
}

// TestAbsoluteErrorGradient compares the gradient with a central difference of the float64 loss,
// with every |a - y| >= 0.01, far from the kink for the step h.
func TestAbsoluteErrorGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 22))
	const h = 1e-3
	pureShapes(func(rows, cols int) {
		n := rows * cols
		a, y := make([]float32, n), make([]float32, n)
		for i := range a {
			for math.Abs(float64(a[i])-float64(y[i])) < 0.01 {
				a[i], y[i] = 2*r.Float32()-1, 2*r.Float32()-1
			}
		}
		grad := make([]float32, n)
		AbsoluteError(grad, a, y, rows, cols)
		a64, y64 := widen(a), widen(y)
		for i := range n {
			x := a64[i]
			a64[i] = x + h
			up := maeRef(a64, y64)
			a64[i] = x - h
			down := maeRef(a64, y64)
			a64[i] = x
			fd := (up - down) / (2 * h)
			if !near(grad[i], fd, 0x1p-22/float64(n)) {
				t.Fatalf("AbsoluteError %dx%d: grad[%d] = %v, central difference %v", rows, cols, i, grad[i], fd)
			}
		}
	})
}

func TestAbsoluteErrorExact(t *testing.T) {
	a := []float32{1, 2, 3, 5, -1, 0.5}
	y := []float32{0, 0, 3, 1, 1, 0.5}
	grad := make([]float32, 6)
	if l := AbsoluteError(grad, a, y, 2, 3); l != 1.5 { // (1 + 2 + 0 + 4 + 2 + 0) / 6
		t.Errorf("loss %v, want 1.5", l)
	}
	s := float32(1) / 6
	want := []float32{s, s, 0, s, -s, 0}
	if !sameBits(grad, want) {
		t.Errorf("grad %v, want %v", grad, want)
	}
	// The inputs of Keras' binary_crossentropy example: (0.6 + 0.6 + 0.4 + 0.6) / 4.
	if l := AbsoluteError(nil, []float32{0.6, 0.4, 0.4, 0.6}, []float32{0, 1, 0, 0}, 2, 2); !near(l, 0.55, 0x1p-24) {
		t.Errorf("loss %v, want 0.55", l)
	}
}

func TestAbsoluteErrorNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, c := range []struct{ a, y float32 }{{nan, 0}, {0, nan}, {float32(math.Inf(1)), float32(math.Inf(1))}} {
		a := []float32{1, c.a, 0.25}
		y := []float32{0, c.y, 0.5}
		grad := make([]float32, 3)
		if l := AbsoluteError(grad, a, y, 1, 3); !math.IsNaN(float64(l)) {
			t.Errorf("a = %v, y = %v: loss %v, want NaN", c.a, c.y, l)
		}
		if !math.IsNaN(float64(grad[1])) || grad[0] != 1.0/3 || grad[2] != -1.0/3 {
			t.Errorf("a = %v, y = %v: grad %v, want [1/3 NaN -1/3]", c.a, c.y, grad)
		}
	}
}

func TestPurePanics(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	mustPanicWith(t, "AbsoluteError a", "operand a ", func() { AbsoluteError(nil, s(5), s(6), 2, 3) })
	mustPanicWith(t, "AbsoluteError y", "operand y ", func() { AbsoluteError(nil, s(6), s(5), 2, 3) })
	mustPanicWith(t, "AbsoluteError grad", "operand grad ", func() { AbsoluteError(s(5), s(6), s(6), 2, 3) })
	mustPanicWith(t, "BinaryCrossEntropy p", "operand p ", func() { BinaryCrossEntropy(nil, s(5), s(6), 3, 2) })
	mustPanicWith(t, "BinaryCrossEntropy y", "operand y ", func() { BinaryCrossEntropy(nil, s(6), s(5), 3, 2) })
	mustPanicWith(t, "BinaryCrossEntropy delta", "operand delta ", func() { BinaryCrossEntropy(s(5), s(6), s(6), 3, 2) })
	mustPanicWith(t, "Rescale", "operand dst ", func() { Rescale(s(4), s(5), 1, 0) })
	for _, f := range []struct {
		name string
		f    func(dst, src, mean, variance []float32, rows, cols int)
	}{{"Normalize", Normalize}, {"Denormalize", Denormalize}} {
		mustPanicWith(t, f.name+" dst", "operand dst ", func() { f.f(s(5), s(6), s(3), s(3), 2, 3) })
		mustPanicWith(t, f.name+" src", "operand src ", func() { f.f(s(6), s(5), s(3), s(3), 2, 3) })
		mustPanicWith(t, f.name+" mean", "operand mean ", func() { f.f(s(6), s(6), s(2), s(3), 2, 3) })
		mustPanicWith(t, f.name+" variance", "operand variance ", func() { f.f(s(6), s(6), s(3), s(2), 2, 3) })
		f.f(nil, nil, nil, nil, 0, 0)
	}
	Rescale(nil, nil, 1, 0)
	Rescale(s(3), s(2), 1, 0) // dst may be longer than src
}

// TestPureNoAllocs checks that slices of stack arrays passed to the pure-Go row kernels stay on
// the stack.
func TestPureNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var p, y, d, m, v [64]float32
		p[3], y[3], v[3] = 0.25, 1, 4
		l := BinaryCrossEntropy(d[:], p[:], y[:], 4, 16)
		l += AbsoluteError(d[:], p[:], y[:], 4, 16)
		Rescale(d[:], p[:], 1.0/255, 0)
		Normalize(d[:], p[:], m[:16], v[:16], 4, 16)
		Denormalize(d[:], d[:], m[:16], v[:16], 4, 16)
		sink += l + d[3]
	})
	if allocs != 0 {
		t.Errorf("the pure-Go row kernels on stack arrays allocate %v times per run", allocs)
	}
}
