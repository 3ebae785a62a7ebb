package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The updates do the Go loop's operations in its order without fused multiply-adds, so each
// result can differ from the Go loop's only if the Go compiler fuses a multiply-add (it may, by
// the spec, e.g. under GOAMD64=v3): one rounding of a product, at most 2⁻²⁴ of the largest
// magnitude in play. closeUpdate allows 4 such ulps of the largest operand magnitude. The one
// exception is the AVX-512 Adam, whose √v and division are refined estimates (ADAM_APPROX in
// update_amd64.s): its step alpha·m/(√v + eps) may be off by 8·2⁻²⁴ of itself, so a parameter
// is allowed that much of its own step on top (closeAdam).
func closeUpdate(got, want, scale float32) bool {
	d := math.Abs(float64(got) - float64(want))
	return d <= 4*0x1p-24*float64(scale)
}

// closeAdam is closeUpdate for a parameter that Adam moved from before to want: the step's own
// error bound, 8·2⁻²⁴ of it, is allowed on top (doubled for the step's rounding into p).
func closeAdam(got, want, before, scale float32) bool {
	d := math.Abs(float64(got) - float64(want))
	step := math.Abs(float64(want) - float64(before))
	return d <= 4*0x1p-24*float64(scale)+16*0x1p-24*step
}

// updateVectors returns count fenced random vectors of length n with their whole buffers.
func updateVectors(r *rand.Rand, count, n int, positive ...int) (in, whole [][]float32) {
	for i := 0; i < count; i++ {
		v, w := fenced(n, fence)
		for j := range v {
			v[j] = 2*r.Float32() - 1
		}
		in, whole = append(in, v), append(whole, w)
	}
	for _, i := range positive { // second moments are >= 0
		for j := range in[i] {
			in[i][j] = in[i][j] * in[i][j]
		}
	}
	return in, whole
}

func copies(vs [][]float32) [][]float32 {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		out[i] = append([]float32(nil), v...)
	}
	return out
}

// checkUpdate compares the level's result (whole buffers, fences included) with the Go
// reference's, element by element.
func checkUpdate(t *testing.T, name string, got, want [][]float32, scale float32) {
	t.Helper()
	for i := range got {
		for j := range got[i] {
			inside := j >= guard && j < len(got[i])-guard
			if !inside && got[i][j] != fence {
				t.Fatalf("%s: operand %d written outside at %d", name, i, j-guard)
			}
			if inside && !closeUpdate(got[i][j], want[i][j], scale) {
				t.Fatalf("%s: operand %d element %d = %v, want %v", name, i, j-guard, got[i][j], want[i][j])
			}
		}
	}
}

func TestUpdates(t *testing.T) {
	forLevels(t, func(lvl string) {
		r := rand.New(rand.NewPCG(7, 7))
		for n := 0; n <= 200; n++ {
			// Adam: p, g, m, v.
			in, whole := updateVectors(r, 4, n, 3)
			ref := copies(whole)
			before := append([]float32(nil), in[0]...)
			alpha, b1, b2, eps := float32(0.001), float32(0.9), float32(0.999), float32(1e-7)
			Adam(in[0], in[1], in[2], in[3], alpha, b1, b2, eps)
			rp := ref[0][guard : guard+n]
			adamGeneric(rp, ref[1][guard:guard+n], ref[2][guard:guard+n], ref[3][guard:guard+n], alpha, b1, b2, eps)
			checkUpdate(t, fmt.Sprintf("%s/Adam n=%d", lvl, n), whole[1:], ref[1:], 1)
			for j := range in[0] {
				if !closeAdam(in[0][j], rp[j], before[j], 1) {
					t.Fatalf("%s/Adam n=%d: p[%d] = %v, want %v (from %v)", lvl, n, j, in[0][j], rp[j], before[j])
				}
			}
			for j := range whole[0] {
				if (j < guard || j >= guard+n) && whole[0][j] != fence {
					t.Fatalf("%s/Adam n=%d: p written outside at %d", lvl, n, j-guard)
				}
			}

			// SGD: p, g.
			in, whole = updateVectors(r, 2, n)
			ref = copies(whole)
			SGD(in[0], in[1], 0.01)
			sgdGeneric(ref[0][guard:guard+n], ref[1][guard:guard+n], 0.01)
			checkUpdate(t, fmt.Sprintf("%s/SGD n=%d", lvl, n), whole, ref, 1)

			// Momentum: p, g, vel.
			for _, nesterov := range []bool{false, true} {
				in, whole = updateVectors(r, 3, n)
				ref = copies(whole)
				Momentum(in[0], in[1], in[2], 0.01, 0.9, nesterov)
				momentumGeneric(ref[0][guard:guard+n], ref[1][guard:guard+n], ref[2][guard:guard+n], 0.01, 0.9, nesterov)
				checkUpdate(t, fmt.Sprintf("%s/Momentum(nesterov=%v) n=%d", lvl, nesterov, n), whole, ref, 2)
			}
		}
	})
}

func TestColSum(t *testing.T) {
	forLevels(t, func(lvl string) {
		r := rand.New(rand.NewPCG(3, 3))
		check := func(m, n int) {
			a, aw := randFenced(r, m*n)
			a0 := append([]float32(nil), aw...)
			dst, dw := fenced(n, fence)
			for j := range dst {
				dst[j] = float32(math.NaN())
			}
			ColSum(dst, a, m, n)
			for j := range dw {
				if (j < guard || j >= guard+n) && dw[j] != fence {
					t.Fatalf("%s/ColSum m=%d n=%d: wrote outside dst at %d", lvl, m, n, j-guard)
				}
			}
			for j := 0; j < n; j++ {
				var s, g float64
				for i := 0; i < m; i++ {
					s += float64(a[i*n+j])
					g += math.Abs(float64(a[i*n+j]))
				}
				if d := math.Abs(float64(dst[j]) - s); !(d <= tolerance(m, g)) {
					t.Fatalf("%s/ColSum m=%d n=%d: dst[%d] = %v, want %v", lvl, m, n, j, dst[j], s)
				}
			}
			if !sameBits(aw, a0) {
				t.Fatalf("%s/ColSum m=%d n=%d: input changed", lvl, m, n)
			}
		}
		for d := 1; d <= 70; d++ {
			for _, x := range shapeSet {
				check(d, x)
				check(x, d)
			}
		}
		// Large enough to be summed in chunks of rows (colSum): a convolution's bias gradient
		// and odd neighbours, and the widest chunked width.
		for _, s := range [][2]int{{86528, 32}, {15488, 64}, {15487, 63}, {2053, 65}, {1031, 256}, {1031, 257}, {4099, 1}} {
			check(s[0], s[1])
		}
		check(32, 64)
		check(32, 10)
	})
}
