package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The element-wise kernels (ScaleBytes, ReLUBackward) do one IEEE operation per element, so
// every level must give the Go expression's result bit for bit. The references below are the
// Go expressions written out in the test, not the package's generic loops, so that a change to
// those loops is checked too. Outputs are NaN-poisoned (or random) inside and fenced outside.

// elementLengths are the lengths tested: every length up to 200 and the model's batch shapes.
func elementLengths() []int {
	ns := []int{}
	for n := 0; n <= 200; n++ {
		ns = append(ns, n)
	}
	return append(ns, 255, 256, 257, 784, 32*64, 32*784+5)
}

// checkFence fails when an element of whole outside [guard, guard+n) is not fence.
func checkFence(t *testing.T, name string, whole []float32, n int) {
	t.Helper()
	for j, v := range whole {
		if (j < guard || j >= guard+n) && v != fence {
			t.Fatalf("%s: wrote outside at %d", name, j-guard)
		}
	}
}

// scaleDivisors are the divisors ScaleBytes is tested with: Keras' 255 first, then others for
// exactness in general (inexact quotients of every kind, a negative divisor, quotients that
// overflow or are denormal, zero, infinity and NaN).
var scaleDivisors = []float32{255, 1, 3, 7, 10, 0.1, 254.99998, 1.0 / 255, -3, 1e-37, 3e38, 0, float32(math.Inf(1)), float32(math.NaN())}

func TestScaleBytes(t *testing.T) {
	forLevels(t, func(lvl string) {
		r := rand.New(rand.NewPCG(11, 11))
		for _, div := range scaleDivisors {
			// Every byte value, at every offset modulo 16 (the lanes of a vector).
			all := make([]uint8, 256*17)
			for i := range all {
				all[i] = uint8(i + i/256)
			}
			checkScale(t, fmt.Sprintf("%s/all bytes/divisor %v", lvl, div), all, div)
			for _, n := range elementLengths() {
				src := make([]uint8, n)
				for i := range src {
					src[i] = uint8(r.Uint32())
				}
				checkScale(t, fmt.Sprintf("%s/n=%d/divisor %v", lvl, n, div), src, div)
			}
		}
	})
}

// checkScale runs ScaleBytes on src into a NaN-poisoned dst three elements longer than src,
// fenced, and compares every element with float32(v) / divisor.
func checkScale(t *testing.T, name string, src []uint8, div float32) {
	t.Helper()
	n := len(src)
	dst, whole := fenced(n+3, fence)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	src0 := append([]uint8(nil), src...)
	ScaleBytes(dst, src, div)
	checkFence(t, name, whole, n+3)
	for i, v := range src {
		if want := float32(v) / div; math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Fatalf("%s: dst[%d] = %v (%#x), want float32(%d)/%v = %v (%#x)", name, i, dst[i], math.Float32bits(dst[i]), v, div, want, math.Float32bits(want))
		}
	}
	for i := n; i < n+3; i++ {
		if !math.IsNaN(float64(dst[i])) {
			t.Fatalf("%s: dst[%d] written, past len(src)", name, i)
		}
	}
	for i := range src {
		if src[i] != src0[i] {
			t.Fatalf("%s: src changed", name)
		}
	}
}

// specials are the values where a compare has edge cases.
var specials = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), math.Float32frombits(0x7fc12345),
	math.Float32frombits(0xffa00001), float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p-149, -0x1p-149, 0x1p-130,
	-0x1p-130, math.MaxFloat32, -math.MaxFloat32, 1, -1}

// randSpecial returns a random value in [-1, 1), or one of specials a quarter of the time.
func randSpecial(r *rand.Rand) float32 {
	if r.IntN(4) == 0 {
		return specials[r.IntN(len(specials))]
	}
	return 2*r.Float32() - 1
}

func TestReLUBackward(t *testing.T) {
	forLevels(t, func(lvl string) {
		r := rand.New(rand.NewPCG(12, 12))
		for _, n := range elementLengths() {
			name := fmt.Sprintf("%s/ReLUBackward n=%d", lvl, n)
			d, dw := fenced(n, fence)
			a, aw := fenced(n+3, fence) // a is longer than d: the rest must not matter
			for i := range a {
				a[i] = randSpecial(r)
			}
			for i := range d {
				d[i] = randSpecial(r)
				if i%5 == 0 && n > 3 {
					a[i] = specials[i%3] // +0, -0, NaN
				}
			}
			a[n] = -1 // past len(d): a kernel that reads it and zeroes would write the fence
			want := append([]float32(nil), d...)
			for i := range want {
				if a[i] <= 0 {
					want[i] = 0
				}
			}
			a0 := append([]float32(nil), aw...)
			ReLUBackward(d, a)
			checkFence(t, name, dw, n)
			if !sameBits(aw, a0) {
				t.Fatalf("%s: a changed", name)
			}
			for i := range d {
				if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: d[%d] = %v (%#x) for a = %v, want %v (%#x)", name, i, d[i], math.Float32bits(d[i]), a[i], want[i], math.Float32bits(want[i]))
				}
			}
		}
	})
}

func TestElementwisePanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	forLevels(t, func(lvl string) {
		mustPanic(lvl+"/ScaleBytes", func() { ScaleBytes(make([]float32, 15), make([]uint8, 16), 255) })
		mustPanic(lvl+"/ReLUBackward", func() { ReLUBackward(make([]float32, 16), make([]float32, 15)) })
		ScaleBytes(nil, nil, 255)
		ReLUBackward(nil, nil)
	})
}

// TestElementwiseNoAllocs checks that slices of stack arrays passed to the kernels stay on the
// stack, at every level.
func TestElementwiseNoAllocs(t *testing.T) {
	forLevels(t, func(lvl string) {
		allocs := testing.AllocsPerRun(100, func() {
			var b [784]uint8
			var x [784]float32
			var h, d [64]float32
			b[5] = 7
			h[3], d[3] = 1, 2
			ScaleBytes(x[:], b[:], 255)
			ReLUBackward(d[:], h[:])
			sink += x[5] + d[3]
		})
		if allocs != 0 {
			t.Errorf("%s: element-wise kernels on stack arrays allocate %v times per run", lvl, allocs)
		}
	})
}

// BenchmarkScaleBytes turns one batch of 32 MNIST images (32×784 bytes) into features; the
// reported bytes are the input bytes.
func BenchmarkScaleBytes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]uint8, 32*784)
	for i := range src {
		src[i] = uint8(r.Uint32())
	}
	dst := make([]float32, len(src))
	forLevels(b, func(lvl string) {
		b.Run(lvl, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				for i := 0; i < len(src); i += 784 { // a row at a time, as dataset.Batch
					ScaleBytes(dst[i:i+784], src[i:i+784], 255)
				}
			}
		})
	})
}

// BenchmarkReLUBackward is the first layer's delta at batch 32 (32×64); bytes are a's and d's.
func BenchmarkReLUBackward(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a, d := randSlice(r, 32*64), randSlice(r, 32*64)
	forLevels(b, func(lvl string) {
		b.Run(lvl, func(b *testing.B) {
			b.SetBytes(int64(8 * len(d)))
			for b.Loop() {
				ReLUBackward(d, a)
			}
		})
	})
}
