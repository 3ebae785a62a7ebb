package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulTransARows checks, at every level, that MatMulTransARows computes exactly the rows
// lo to hi of Aᵀ·B (against the float64 reference within the product tolerance), writes only
// those rows, and equals MatMulTransA to the bit over the whole range.
func TestMatMulTransARows(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	forLevels(t, func(lvl string) {
		for _, s := range []struct{ m, n, k int }{{1, 1, 1}, {7, 5, 3}, {33, 17, 32}, {64, 10, 32}, {784, 64, 32}, {784, 64, 16}, {70, 65, 200}} {
			a, _ := randFenced(r, s.k*s.m)
			b, _ := randFenced(r, s.k*s.n)
			want, mag := reference(kTransA, a, b, nil, s.m, s.n, s.k)
			for _, rng := range [][2]int{{0, s.m}, {0, s.m / 2}, {s.m / 2, s.m}, {s.m / 3, s.m/3 + 1}, {s.m, s.m}} {
				lo, hi := rng[0], rng[1]
				c, whole := fenced((hi-lo)*s.n, float32(math.NaN()))
				for i := range whole {
					if i < guard || i >= guard+len(c) {
						whole[i] = fence
					}
				}
				MatMulTransARows(c, a, b, s.m, s.n, s.k, lo, hi)
				for i := range whole {
					if (i < guard || i >= guard+len(c)) && whole[i] != fence {
						t.Fatalf("%s %v rows %d-%d: wrote outside C at %d", lvl, s, lo, hi, i-guard)
					}
				}
				for i := lo; i < hi; i++ {
					for j := 0; j < s.n; j++ {
						got, w := float64(c[(i-lo)*s.n+j]), want[i*s.n+j]
						if !(math.Abs(got-w) <= tolerance(s.k, mag[i*s.n+j])) {
							t.Fatalf("%s %v rows %d-%d: C[%d][%d] = %v, want %v", lvl, s, lo, hi, i, j, got, w)
						}
					}
				}
				if lo == 0 && hi == s.m {
					full := make([]float32, s.m*s.n)
					MatMulTransA(full, a, b, s.m, s.n, s.k)
					if !sameBits(full, c) {
						t.Fatalf("%s %v: MatMulTransARows over all rows differs from MatMulTransA", lvl, s)
					}
				}
			}
		}
	})
}
