package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The preprocessing kernels are checked twice against float64 references written here: against
// the exact maths within the rounding of Keras' float32 steps, and bit for bit against those
// steps (each a float64 operation on float32 values rounded to float32, which is the float32
// operation exactly: float64 has more than twice float32's precision). Data sets that include
// values for which a fused multiply-add would round differently are required, so that a kernel
// the compiler fused would fail.

// preValues returns n random values in [-10, 10), with now and then a NaN, an infinity, a zero
// or a denormal.
func preValues(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 20*r.Float32() - 10
		if r.IntN(16) == 0 {
			v[i] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
				float32(math.Copysign(0, -1)), 0x1p-140}[r.IntN(6)]
		}
	}
	return v
}

// preVariances are the variances tested besides random ones in [0, 4): zero and tiny ones (the
// 1e-7 floor: sqrt(1e-14) = 1e-7), denormals, negative ones, NaN and infinity.
var preVariances = []float32{0, float32(math.Copysign(0, -1)), 0x1p-149, 1e-30, 1e-15, 9.9e-15, 1e-14, 1.0001e-14,
	1.1e-14, 1e-13, 1e-10, 1, 2, 3, -1, -0x1p-149, float32(math.NaN()), float32(math.Inf(1))}

func randVariances(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 4 * r.Float32()
		if r.IntN(3) == 0 {
			v[i] = preVariances[r.IntN(len(preVariances))]
		}
	}
	return v
}

// stdExact is max(sqrt(v), 1e-7) in float64; stdSteps is Keras' float32 value: the float32 square
// root, then the float32 floor.
func stdExact(v float32) float64 {
	s := math.Sqrt(float64(v))
	if s < 1e-7 {
		s = 1e-7
	}
	return s
}

func stdSteps(v float32) float32 {
	s := float32(math.Sqrt(float64(v)))
	if s < float32(1e-7) {
		s = float32(1e-7)
	}
	return s
}

func TestRescale(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 41))
	fusedDiffers := 0
	for _, c := range []struct{ scale, offset float32 }{
		{1.0 / 255, 0}, {1.0 / 127.5, -1}, {0.1, 0.3}, {-3, 7}, {2, -0x1p-126}, {1e-30, 0}, {3e38, 1e38}, {1, 0},
	} {
		for n := 0; n <= 350; n++ {
			name := fmt.Sprintf("Rescale n=%d scale=%v offset=%v", n, c.scale, c.offset)
			src0 := preValues(r, n)
			src, sw := operand(src0)
			src = src[:n]
			before := append([]float32(nil), sw...)
			dst, dw := poisoned(n)
			Rescale(dst, src, c.scale, c.offset)
			checkPoisoned(t, name, dst, dw, n)
			unchanged(t, name, "src", sw, before)
			for i, v := range src0 {
				x, s, o := float64(v), float64(c.scale), float64(c.offset)
				prod := float64(float32(x * s))
				steps := float32(prod + o)
				// The exact x·s + o is within the two roundings: 2⁻²⁴ of |x·s| and of |result|.
				if !near(dst[i], x*s+o, 0x1p-24*(math.Abs(x*s)+math.Abs(prod+o))+0x1p-149) && !math.IsInf(float64(steps), 0) {
					t.Fatalf("%s: dst[%d] = %v for %v, want %v", name, i, dst[i], v, x*s+o)
				}
				if !sameFloat(dst[i], steps) {
					t.Fatalf("%s: dst[%d] = %v for %v, want float32(%v·%v) + %v = %v", name, i, dst[i], v, v, c.scale, c.offset, steps)
				}
				if !sameFloat(steps, float32(math.FMA(x, s, o))) {
					fusedDiffers++
				}
			}
			// dst may be src.
			copy(src, src0)
			Rescale(src, src, c.scale, c.offset)
			if !sameBits(src, dst[:n]) {
				t.Fatalf("%s: in place %v, want %v", name, src, dst[:n])
			}
		}
	}
	if fusedDiffers == 0 {
		t.Fatal("no value in the data for which a fused multiply-add differs")
	}
}

// TestRescaleBytes is Keras' Rescaling(1/255) on every byte value: the product with
// float32(1/255), which is not ScaleBytes' quotient for every byte.
func TestRescaleBytes(t *testing.T) {
	src, dst := make([]float32, 256), make([]float32, 256)
	for i := range src {
		src[i] = float32(i)
	}
	Rescale(dst, src, 1.0/255, 0)
	differ := 0
	for i, v := range src {
		if want := v * float32(1.0/255); math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Errorf("Rescale(%v, 1/255) = %v, want float32(%v)·float32(1/255) = %v", v, dst[i], v, want)
		}
		if dst[i] != v/255 {
			differ++
		}
	}
	if dst[255] != 1 || dst[0] != 0 || differ == 0 || dst[3] == 3.0/255 {
		t.Errorf("Rescale(1/255): %v for 255, %v for 0, %d values unlike x/255 (3: %v, 3/255: %v)", dst[255], dst[0], differ, dst[3], float32(3.0/255))
	}
	// Rescaling(1/127.5, offset -1) maps bytes onto [-1, 1].
	Rescale(dst, src, 1/127.5, -1)
	if dst[0] != -1 || dst[255] != 1 {
		t.Errorf("Rescale(1/127.5, -1): %v for 0, %v for 255", dst[0], dst[255])
	}
}

// normalizeCase runs Normalize (or Denormalize) on one shape with fresh random data and checks it.
func normalizeCase(t *testing.T, r *rand.Rand, invert bool, rows, cols int, fused *int) {
	t.Helper()
	kernel, what := Normalize, "Normalize"
	if invert {
		kernel, what = Denormalize, "Denormalize"
	}
	n := rows * cols
	name := fmt.Sprintf("%s %dx%d", what, rows, cols)
	src0, mean0, var0 := preValues(r, n), make([]float32, cols), randVariances(r, cols)
	if invert {
		for i := range src0 {
			src0[i] /= 4
		}
	}
	for j := range mean0 {
		mean0[j] = 2*r.Float32() - 1
		if r.IntN(20) == 0 {
			mean0[j] = float32(math.NaN())
		}
	}
	src, sw := operand(src0)
	mean, mw := operand(mean0)
	variance, vw := operand(var0)
	sBefore, mBefore, vBefore := append([]float32(nil), sw...), append([]float32(nil), mw...), append([]float32(nil), vw...)
	dst, dw := poisoned(n)
	kernel(dst, src, mean, variance, rows, cols)
	checkPoisoned(t, name, dst, dw, n)
	unchanged(t, name, "src", sw, sBefore)
	unchanged(t, name, "mean", mw, mBefore)
	unchanged(t, name, "variance", vw, vBefore)
	for i, x := range src0 {
		j := i % cols
		m, v := mean0[j], var0[j]
		sd, s32 := stdExact(v), stdSteps(v)
		var exact, tol float64
		var steps float32
		if invert {
			exact = float64(m) + float64(x)*sd
			// sd, the product and the sum are each rounded: 2⁻²⁴ of |x·sd| twice, of the sum once.
			tol = 0x1p-23*math.Abs(float64(x)*sd) + 0x1p-24*math.Abs(exact) + 0x1p-149
			prod := float64(float32(float64(x) * float64(s32)))
			steps = float32(float64(m) + prod)
			if !sameFloat(steps, float32(math.FMA(float64(x), float64(s32), float64(m)))) {
				*fused++
			}
		} else {
			exact = (float64(x) - float64(m)) / sd
			// sd, the difference and the quotient are each rounded: 2⁻²⁴ of |result| each.
			tol = 0x1p-22*math.Abs(exact) + 0x1p-149
			steps = float32(float64(float32(float64(x)-float64(m))) / float64(s32))
		}
		if !near(dst[i], exact, tol) && !math.IsInf(float64(steps), 0) {
			t.Fatalf("%s: dst[%d] = %v for x = %v, mean %v, variance %v; want %v", name, i, dst[i], x, m, v, exact)
		}
		if !sameFloat(dst[i], steps) {
			t.Fatalf("%s: dst[%d] = %v for x = %v, mean %v, variance %v; want Keras' float32 steps' %v", name, i, dst[i], x, m, v, steps)
		}
		if (math.IsNaN(float64(x)) || math.IsNaN(float64(m)) || !(v >= 0)) && !math.IsNaN(float64(dst[i])) {
			t.Fatalf("%s: dst[%d] = %v for x = %v, mean %v, variance %v; want NaN", name, i, dst[i], x, m, v)
		}
	}
	// dst may be src.
	copy(src, src0)
	kernel(src, src, mean, variance, rows, cols)
	for i := range n {
		if !sameFloat(src[i], dst[i]) {
			t.Fatalf("%s: in place, element %d is %v, want %v", name, i, src[i], dst[i])
		}
	}
}

func TestNormalize(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	pureShapes(func(rows, cols int) { normalizeCase(t, r, false, rows, cols, nil) })
}

func TestDenormalize(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 43))
	fused := 0
	pureShapes(func(rows, cols int) { normalizeCase(t, r, true, rows, cols, &fused) })
	if fused == 0 {
		t.Fatal("no value in the data for which a fused multiply-add differs")
	}
}

// TestNormalizeExact runs the examples of Keras' Normalization documentation, and the floor.
func TestNormalizeExact(t *testing.T) {
	dst := make([]float32, 3)
	// Normalization(mean=3., variance=2.) on [[1.], [2.], [3.]].
	Normalize(dst, []float32{1, 2, 3}, []float32{3}, []float32{2}, 3, 1)
	if want := []float32{-1.4142135, -0.70710677, 0}; !sameBits(dst, want) {
		t.Errorf("Normalize: %v, want Keras' %v", dst, want)
	}
	// Adapted on [[0,7,4],[2,9,6]]×2 (mean [1,8,5], variance [1,1,1]), on [[0., 7., 4.]].
	Normalize(dst, []float32{0, 7, 4}, []float32{1, 8, 5}, []float32{1, 1, 1}, 1, 3)
	if want := []float32{-1, -1, -1}; !sameBits(dst, want) {
		t.Errorf("Normalize: %v, want Keras' %v", dst, want)
	}
	// The same, inverted, on [[1., 2., 3.]].
	Denormalize(dst, []float32{1, 2, 3}, []float32{1, 8, 5}, []float32{1, 1, 1}, 1, 3)
	if want := []float32{2, 10, 8}; !sameBits(dst, want) {
		t.Errorf("Denormalize: %v, want Keras' %v", dst, want)
	}
	// A constant feature (variance 0) is divided by float32(1e-7), a tiny one by its root.
	Normalize(dst, []float32{1, 1, 1}, []float32{0.5, 0.5, 0.5}, []float32{0, 1e-20, 4e-14}, 1, 3)
	if want := []float32{0.5 / float32(1e-7), 0.5 / float32(1e-7), 0.5 / float32(2e-7)}; !sameBits(dst, want) {
		t.Errorf("Normalize with tiny variances: %v, want %v", dst, want)
	}
	Denormalize(dst, []float32{1e7, 1, -1}, []float32{0.5, 0.5, 0.5}, []float32{0, -0.0, 4e-14}, 1, 3)
	if want := []float32{0.5 + 1e7*float32(1e-7), 0.5 + float32(1e-7), 0.5 - float32(2e-7)}; !sameBits(dst, want) {
		t.Errorf("Denormalize with tiny variances: %v, want %v", dst, want)
	}
	// NaN and negative variances are not hidden by the floor.
	Normalize(dst, []float32{1, 1, 1}, []float32{0, 0, 0}, []float32{float32(math.NaN()), -1, 1}, 1, 3)
	if !math.IsNaN(float64(dst[0])) || !math.IsNaN(float64(dst[1])) || dst[2] != 1 {
		t.Errorf("Normalize with variances NaN, -1 and 1: %v, want [NaN NaN 1]", dst)
	}
	Denormalize(dst, []float32{1, 1, 1}, []float32{0, 0, 0}, []float32{float32(math.NaN()), -1, 1}, 1, 3)
	if !math.IsNaN(float64(dst[0])) || !math.IsNaN(float64(dst[1])) || dst[2] != 1 {
		t.Errorf("Denormalize with variances NaN, -1 and 1: %v, want [NaN NaN 1]", dst)
	}
}
