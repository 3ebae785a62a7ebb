package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulPart checks, at every level, that MatMulPart computes A[:, k0:k1]·B[k0:k1, :] (+ bias)
// against a float64 reference within the product tolerance, writes only C, equals MatMulBias to
// the bit over the whole range, and that two shares added make the product.
func TestMatMulPart(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	forLevels(t, func(lvl string) {
		for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {1, 64, 784}, {7, 5, 3}, {32, 64, 784}, {16, 64, 784}, {9, 10, 64}, {33, 65, 200}} {
			a, _ := randFenced(r, s.m*s.k)
			b, _ := randFenced(r, s.k*s.n)
			bias, _ := randFenced(r, s.n)
			for _, rng := range [][2]int{{0, s.k}, {0, s.k / 2}, {s.k / 2, s.k}, {s.k / 3, s.k/3 + 1}, {s.k, s.k}} {
				k0, k1 := rng[0], rng[1]
				for _, withBias := range []bool{false, true} {
					bs := bias
					if !withBias {
						bs = nil
					}
					c, whole := fenced(s.m*s.n, float32(math.NaN()))
					for i := range whole {
						if i < guard || i >= guard+len(c) {
							whole[i] = fence
						}
					}
					MatMulPart(c, a, b, bs, s.m, s.n, s.k, k0, k1)
					for i := range whole {
						if (i < guard || i >= guard+len(c)) && whole[i] != fence {
							t.Fatalf("%s %v k %d-%d: wrote outside C at %d", lvl, s, k0, k1, i-guard)
						}
					}
					for i := 0; i < s.m; i++ {
						for j := 0; j < s.n; j++ {
							var want, mag float64
							if withBias {
								want, mag = float64(bias[j]), math.Abs(float64(bias[j]))
							}
							for p := k0; p < k1; p++ {
								x := float64(a[i*s.k+p]) * float64(b[p*s.n+j])
								want += x
								mag += math.Abs(x)
							}
							if got := float64(c[i*s.n+j]); !(math.Abs(got-want) <= tolerance(k1-k0, mag)) {
								t.Fatalf("%s %v k %d-%d bias %v: C[%d][%d] = %v, want %v", lvl, s, k0, k1, withBias, i, j, got, want)
							}
						}
					}
					if k0 == 0 && k1 == s.k && withBias {
						full := make([]float32, s.m*s.n)
						MatMulBias(full, a, b, bias, s.m, s.n, s.k)
						if !sameBits(full, c) {
							t.Fatalf("%s %v: MatMulPart over all of k differs from MatMulBias", lvl, s)
						}
					}
				}
			}
		}
	})
}
