package asm

import (
	"math/rand/v2"
	"testing"
)

// FuzzMatMul runs one product kind on a fuzzed shape (each dimension 1..80) and fuzzed data at
// every level, with checkProduct's fences, NaN poisoning and error bound.
func FuzzMatMul(f *testing.F) {
	f.Add(uint8(0), uint8(32), uint8(64), uint8(78), uint64(1))
	f.Add(uint8(2), uint8(1), uint8(64), uint8(78), uint64(2))
	f.Add(uint8(3), uint8(78), uint8(64), uint8(32), uint64(3))
	f.Add(uint8(4), uint8(32), uint8(64), uint8(10), uint64(4))
	f.Add(uint8(1), uint8(7), uint8(10), uint8(64), uint64(5))
	f.Fuzz(func(t *testing.T, kind, m, n, k uint8, seed uint64) {
		r := rand.New(rand.NewPCG(seed, seed>>32))
		mm, nn, kk := int(m)%80+1, int(n)%80+1, int(k)%80+1
		forLevels(t, func(lvl string) {
			checkProduct(t, lvl, int(kind)%kCount, r, mm, nn, kk)
		})
	})
}

// FuzzUpdates runs Adam, SGD and Momentum on fuzzed lengths and values at every level against
// the Go reference.
func FuzzUpdates(f *testing.F) {
	f.Add(uint8(17), float32(0.5), float32(-0.25), float32(0.1), float32(0.01))
	f.Add(uint8(200), float32(3), float32(1e-3), float32(0), float32(1e-9))
	f.Fuzz(func(t *testing.T, n uint8, g0, m0, v0, lr float32) {
		if v0 < 0 {
			v0 = -v0
		}
		size := int(n)
		mk := func(x float32) []float32 {
			s := make([]float32, size)
			for i := range s {
				s[i] = x * float32(i%7+1) / 7
			}
			return s
		}
		forLevels(t, func(lvl string) {
			p, g, m, v := mk(1), mk(g0), mk(m0), mk(v0)
			rp, rg, rm, rv := mk(1), mk(g0), mk(m0), mk(v0)
			Adam(p, g, m, v, lr, 0.9, 0.999, 1e-7)
			adamGeneric(rp, rg, rm, rv, lr, 0.9, 0.999, 1e-7)
			SGD(g, m, lr)
			sgdGeneric(rg, rm, lr)
			Momentum(m, v, p, lr, 0.9, n%2 == 0)
			momentumGeneric(rm, rv, rp, lr, 0.9, n%2 == 0)
			for i := range p {
				for _, pair := range [][2][]float32{{p, rp}, {g, rg}, {m, rm}, {v, rv}} {
					got, want := pair[0][i], pair[1][i]
					if got != want && !(got != got && want != want) {
						// Equal up to a fused multiply-add in the Go reference: see closeUpdate.
						scale := max(abs32(want), abs32(got), abs32(g0), abs32(m0), abs32(v0), 1) * max(1, abs32(lr))
						if !closeUpdate(got, want, scale) {
							t.Fatalf("%s n=%d: element %d = %v, want %v", lvl, size, i, got, want)
						}
					}
				}
			}
		})
	})
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
