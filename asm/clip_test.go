package asm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The clipping kernels are checked against references written here: Keras' float32 operations
// (each a float64 operation on float32 values rounded to float32, the float32 operation exactly),
// bit for bit, with the norm from the exact sum of squares (math/big) rounded to float32 as
// Keras' float32 sum would be; and against the exact maths: g·min(1, c/‖g‖) within three roundings
// (the norm's, the product's and the quotient's, 2⁻²⁴ of the result each, or 2⁻¹⁵⁰ absolute for a
// denormal) plus the float64 sum's.

// exactSumSquares is Σ g² computed exactly, rounded to float64 once.
func exactSumSquares(g []float32) float64 {
	s := new(big.Float).SetPrec(2000)
	for _, x := range g {
		f := new(big.Float).SetFloat64(float64(x))
		s.Add(s, f.Mul(f, f))
	}
	v, _ := s.Float64()
	return v
}

// clipValues returns n gradient values: uniform in [-1, 1) scaled by 10^k for k in -3..3, with
// zeros, tiny and huge values now and then.
func clipValues(r *rand.Rand, n int) []float32 {
	scale := float32(math.Pow(10, float64(r.IntN(7)-3)))
	v := make([]float32, n)
	for i := range v {
		v[i] = (2*r.Float32() - 1) * scale
		switch r.IntN(25) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(math.Copysign(0x1p-140, float64(v[i])))
		case 2:
			v[i] *= 1e6
		}
	}
	return v
}

func TestSumSquares(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 71))
	for _, n := range actLengths() {
		g0 := clipValues(r, n)
		g, gw := operand(g0)
		before := append([]float32(nil), gw...)
		got := SumSquares(g[:n])
		unchanged(t, "SumSquares", "g", gw, before)
		want := exactSumSquares(g0)
		// A float64 sum of n exact squares (non-negative terms): within (n-1)·2⁻⁵³ of the sum.
		if math.Abs(got-want) > float64(n)*0x1p-53*want {
			t.Fatalf("SumSquares n=%d: %v, want %v", n, got, want)
		}
	}
	huge := []float32{3e38, 3e38}
	if got, want := SumSquares(huge), 2*float64(huge[0])*float64(huge[0]); got != want {
		t.Errorf("SumSquares(3e38, 3e38) = %v, want the float64 sum 1.8e77", got)
	}
	if got := SumSquares([]float32{1, float32(math.NaN()), 2}); !math.IsNaN(got) {
		t.Errorf("SumSquares with a NaN = %v, want NaN", got)
	}
	if got := SumSquares([]float32{float32(math.Inf(-1)), 2}); !math.IsInf(got, 1) {
		t.Errorf("SumSquares with -Inf = %v, want +Inf", got)
	}
	if SumSquares(nil) != 0 {
		t.Error("SumSquares(nil) != 0")
	}
}

// kerasNorm is Keras' float32 norm of g: the float32 sum of squares (here the exact one, rounded),
// then its float32 square root.
func kerasNorm(g []float32) float32 {
	return float32(math.Sqrt(float64(float32(exactSumSquares(g)))))
}

func TestClipNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(72, 72))
	for _, c := range []float64{1, 0.5, 0.1, 3, 100, 1e-3} {
		for _, n := range actLengths() {
			name := fmt.Sprintf("ClipNorm n=%d clipnorm=%v", n, c)
			g0 := clipValues(r, n)
			g, gw := fenced(n, fence)
			copy(g, g0)
			ClipNorm(g, c)
			checkFence(t, name, gw, n)
			c32 := float32(c)
			norm := kerasNorm(g0)
			div := max(norm, c32)
			exactNorm := math.Sqrt(exactSumSquares(g0))
			for i, x := range g0 {
				// base_optimizer.py:1115-1118: values * clipnorm / maximum(l2norm, clipnorm).
				if want := float32(float64(float32(float64(x)*float64(c32))) / float64(div)); !sameFloat(g[i], want) {
					t.Fatalf("%s: g[%d] = %v for %v, want Keras' float32 steps' %v", name, i, g[i], x, want)
				}
				exact := float64(x) * float64(c32) / math.Max(exactNorm, float64(c32))
				// A denormal product's absolute rounding, 2⁻¹⁵⁰, is divided by div.
				if !near(g[i], exact, 3*0x1p-24*math.Abs(exact)*(1+1e-6)+float64(n)*0x1p-53*math.Abs(exact)+0x1p-150*(1+1/float64(div))) {
					t.Fatalf("%s: g[%d] = %v for %v, exact %v", name, i, g[i], x, exact)
				}
			}
		}
	}
	// Keras' test_clip_norm: [100, 100] with clipnorm 1 is [√2/2, √2/2].
	g := []float32{100, 100}
	ClipNorm(g, 1)
	if want := float32(math.Sqrt2 / 2); math.Abs(float64(g[0]-want)) > 1e-7 || g[0] != g[1] {
		t.Errorf("ClipNorm([100, 100], 1) = %v, want Keras' [%v, %v]", g, want, want)
	}
	// A zero gradient stays zero; a NaN makes everything NaN; a norm beyond float32 (+Inf) makes
	// the finite elements 0 and the infinite ones NaN; clipnorm <= 0 or NaN does nothing.
	g = []float32{0, float32(math.Copysign(0, -1))}
	ClipNorm(g, 1)
	if !sameBits(g, []float32{0, float32(math.Copysign(0, -1))}) {
		t.Errorf("ClipNorm(0, -0) = %v", g)
	}
	g = []float32{1, float32(math.NaN()), 2}
	ClipNorm(g, 1)
	if !math.IsNaN(float64(g[0])) || !math.IsNaN(float64(g[2])) {
		t.Errorf("ClipNorm with a NaN = %v, want all NaN", g)
	}
	g = []float32{3e19, 3e19, 1, float32(math.Inf(1))}
	ClipNorm(g[:3], 1)
	if g[0] != 0 || g[1] != 0 || g[2] != 0 {
		t.Errorf("ClipNorm with a norm beyond float32 = %v, want zeros (g·c/∞)", g[:3])
	}
	ClipNorm(g[2:], 1)
	if g[2] != 0 || !math.IsNaN(float64(g[3])) {
		t.Errorf("ClipNorm(1, +Inf) = %v, want [0 NaN]", g[2:])
	}
	for _, c := range []float64{0, -1, math.NaN()} {
		g = []float32{100, 100}
		ClipNorm(g, c)
		if g[0] != 100 || g[1] != 100 {
			t.Errorf("ClipNorm(clipnorm=%v) changed g: %v", c, g)
		}
	}
}

func TestGlobalClipScale(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 73))
	// 1.1 and 0.03 are clipnorms for which the Python float32(1/c) is not the float32 1/float32(c).
	for _, c := range []float64{1, 0.5, 0.1, 3, 41, 100, 1e-3, 1.1, 0.03} {
		for k := 0; k < 300; k++ {
			// Two variables' gradients, as global_norm sums over all of them.
			g1, g2 := clipValues(r, 1+r.IntN(70)), clipValues(r, 1+r.IntN(70))
			s := SumSquares(g1) + SumSquares(g2)
			got := GlobalClipScale(s, c)
			norm := float32(math.Sqrt(float64(float32(exactSumSquares(append(append([]float32(nil), g1...), g2...))))))
			// base_optimizer.py:1193-1196, in float32.
			inv := float32(1 / float64(norm))
			want := float32(float64(float32(c)) * float64(min(inv, float32(1/c))))
			want = float32(float64(want) + float64(norm-norm))
			if !sameFloat(got, want) {
				t.Fatalf("GlobalClipScale(%v, %v) = %v, want Keras' float32 steps' %v", s, c, got, want)
			}
			exact := math.Min(1, c/math.Sqrt(s))
			if !near(got, exact, 4*0x1p-24*exact) {
				t.Fatalf("GlobalClipScale(%v, %v) = %v, exact %v", s, c, got, exact)
			}
			// Scale then gives Keras' v * scale.
			h := append([]float32(nil), g1...)
			Scale(h, got)
			for i := range h {
				if h[i] != g1[i]*got {
					t.Fatalf("Scale: %v·%v = %v", g1[i], got, h[i])
				}
			}
		}
	}
	// norm = 0: c·(1/c) in float32, which for 41 is not 1 in float64 but is in float32; +Inf and
	// NaN norms give NaN; clipnorm <= 0 gives 1 (no clipping).
	for _, c := range []float64{41, 3, 0.1, 1.1, 0.03} {
		if got, want := GlobalClipScale(0, c), float32(c)*float32(1/c); got != want {
			t.Errorf("GlobalClipScale(0, %v) = %v, want %v", c, got, want)
		}
	}
	if got := GlobalClipScale(math.Inf(1), 1); !math.IsNaN(float64(got)) {
		t.Errorf("GlobalClipScale(+Inf, 1) = %v, want NaN", got)
	}
	if got := GlobalClipScale(1e80, 1); !math.IsNaN(float64(got)) {
		t.Errorf("GlobalClipScale(1e80, 1) = %v, want NaN (the float32 sum overflows, as in Keras)", got)
	}
	if got := GlobalClipScale(math.NaN(), 1); !math.IsNaN(float64(got)) {
		t.Errorf("GlobalClipScale(NaN, 1) = %v, want NaN", got)
	}
	for _, c := range []float64{0, -2, math.NaN()} {
		if got := GlobalClipScale(1e6, c); got != 1 {
			t.Errorf("GlobalClipScale(1e6, %v) = %v, want 1 (no clipping)", c, got)
		}
	}
	// Keras' [100, 100] with global_clipnorm 1.
	g := []float32{100, 100}
	Scale(g, GlobalClipScale(SumSquares(g), 1))
	if want := float32(math.Sqrt2 / 2); math.Abs(float64(g[0]-want)) > 1e-7 {
		t.Errorf("global clip of [100, 100] to 1 = %v, want [%v, %v]", g, want, want)
	}
}

func TestClipValue(t *testing.T) {
	r := rand.New(rand.NewPCG(74, 74))
	for _, c := range []float64{1, 0.5, 0.1, 1e-3, 3e38} {
		for _, n := range actLengths() {
			name := fmt.Sprintf("ClipValue n=%d clipvalue=%v", n, c)
			g0 := clipValues(r, n)
			for i := range g0 {
				if i%9 == 4 {
					g0[i] = actSpecials[r.IntN(len(actSpecials))]
				}
			}
			g, gw := fenced(n, fence)
			copy(g, g0)
			ClipValue(g, c)
			checkFence(t, name, gw, n)
			v := float64(float32(c))
			for i, x := range g0 {
				want := float64(x)
				switch {
				case x != x:
				case want > v:
					want = v
				case want < -v:
					want = -v
				}
				if !sameFloat(g[i], float32(want)) {
					t.Fatalf("%s: g[%d] = %v for %v, want %v", name, i, g[i], x, want)
				}
			}
		}
	}
	g := []float32{100, 100, -3, 0.5}
	ClipValue(g, 1)
	if !sameBits(g, []float32{1, 1, -1, 0.5}) {
		t.Errorf("ClipValue([100, 100, -3, 0.5], 1) = %v, want Keras' [1 1 -1 0.5]", g)
	}
	for _, c := range []float64{0, -1, math.NaN()} {
		g = []float32{100, -100}
		ClipValue(g, c)
		if g[0] != 100 || g[1] != -100 {
			t.Errorf("ClipValue(clipvalue=%v) changed g: %v", c, g)
		}
	}
}

// TestKerasToolboxNoAllocs checks that each new kernel, given slices of stack arrays, allocates
// nothing (the arrays stay on the stack).
func TestKerasToolboxNoAllocs(t *testing.T) {
	noAllocs := func(name string, f func()) {
		t.Helper()
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s on stack arrays allocates %v times per run", name, a)
		}
	}
	type arrays struct{ x, z, d, p, g, m, v, w [64]float32 }
	fill := func(a *arrays) {
		for i := range a.x {
			a.x[i], a.z[i], a.d[i], a.p[i] = float32(i)/16-2, float32(i)/32-1, 1, 0.5
			a.g[i], a.m[i], a.v[i], a.w[i] = float32(i)/64-0.5, 0.01, 0.02, 0.001
		}
	}
	noAllocs("LeakyReLU", func() { var a arrays; fill(&a); LeakyReLU(a.x[:], 0.2); sink += a.x[3] })
	noAllocs("LeakyReLUBackward", func() { var a arrays; fill(&a); LeakyReLUBackward(a.d[:], a.x[:], 0.2); sink += a.d[3] })
	noAllocs("ELU", func() { var a arrays; fill(&a); ELU(a.x[:], 1); sink += a.x[3] })
	noAllocs("ELUBackward", func() { var a arrays; fill(&a); ELUBackward(a.d[:], a.x[:], 1); sink += a.d[3] })
	noAllocs("SELU", func() { var a arrays; fill(&a); SELU(a.x[:]); sink += a.x[3] })
	noAllocs("SELUBackward", func() { var a arrays; fill(&a); SELUBackward(a.d[:], a.x[:]); sink += a.d[3] })
	noAllocs("GELU", func() { var a arrays; fill(&a); GELU(a.x[:]); sink += a.x[3] })
	noAllocs("GELUBackward", func() { var a arrays; fill(&a); GELUBackward(a.d[:], a.z[:]); sink += a.d[3] })
	noAllocs("GELUTanh", func() { var a arrays; fill(&a); GELUTanh(a.x[:]); sink += a.x[3] })
	noAllocs("GELUTanhBackward", func() { var a arrays; fill(&a); GELUTanhBackward(a.d[:], a.z[:]); sink += a.d[3] })
	noAllocs("SiLU", func() { var a arrays; fill(&a); SiLU(a.x[:]); sink += a.x[3] })
	noAllocs("SiLUBackward", func() { var a arrays; fill(&a); SiLUBackward(a.d[:], a.z[:]); sink += a.d[3] })
	noAllocs("Softplus", func() { var a arrays; fill(&a); Softplus(a.x[:]); sink += a.x[3] })
	noAllocs("SoftplusBackward", func() { var a arrays; fill(&a); SoftplusBackward(a.d[:], a.x[:]); sink += a.d[3] })
	noAllocs("RMSprop", func() {
		var a arrays
		fill(&a)
		RMSprop(a.p[:], a.g[:], a.v[:], a.m[:], a.w[:], 1e-3, 0.9, 0.9, 1e-7)
		RMSprop(a.p[:], a.g[:], a.v[:], nil, nil, 1e-3, 0.9, 0, 1e-7)
		sink += a.p[3]
	})
	noAllocs("Adagrad", func() { var a arrays; fill(&a); Adagrad(a.p[:], a.g[:], a.v[:], 1e-3, 1e-7); sink += a.p[3] })
	noAllocs("Adamax", func() {
		var a arrays
		fill(&a)
		Adamax(a.p[:], a.g[:], a.m[:], a.v[:], 1e-3, OneMinusPow(0.9, 3), 0.9, 0.999, 1e-7)
		sink += a.p[3]
	})
	noAllocs("Nadam", func() {
		var a arrays
		fill(&a)
		s, _ := NadamScalars(3, 0.9, 0.999, NadamProduct(2, 0.9))
		Nadam(a.p[:], a.g[:], a.m[:], a.v[:], 1e-3, s, 0.9, 0.999, 1e-7)
		sink += a.p[3]
	})
	noAllocs("WeightDecay", func() { var a arrays; fill(&a); WeightDecay(a.p[:], 1e-3, 0.004); sink += a.p[3] })
	noAllocs("SumSquares", func() { var a arrays; fill(&a); sink += float32(SumSquares(a.g[:])) })
	noAllocs("ClipNorm", func() { var a arrays; fill(&a); ClipNorm(a.g[:], 1); sink += a.g[3] })
	noAllocs("GlobalClipScale", func() {
		var a arrays
		fill(&a)
		Scale(a.g[:], GlobalClipScale(SumSquares(a.g[:])+SumSquares(a.d[:]), 1))
		sink += a.g[3]
	})
	noAllocs("ClipValue", func() { var a arrays; fill(&a); ClipValue(a.g[:], 0.5); sink += a.g[3] })
}
