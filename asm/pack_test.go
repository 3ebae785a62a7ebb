//go:build amd64 && !purego && !noasm

package asm

import (
	"math/rand/v2"
	"testing"
)

// TestPackT checks the Go transposition that MatMulTransB uses when k is too large for the
// gathers' indices, and the gathers themselves, on every block shape up to 40×20.
func TestPackT(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for w := 1; w <= 40; w++ {
		for kw := 1; kw <= 20; kw++ {
			k := kw + r.IntN(3)
			src, _ := randFenced(r, (w-1)*k+kw)
			for _, pack := range []struct {
				name string
				f    func(dst []float32)
			}{
				{"go", func(dst []float32) { packT(dst, src, k, w, kw) }},
				{"avx2", func(dst []float32) { packTAVX2(&dst[0], &src[0], k, w, kw) }},
				{"avx512", func(dst []float32) { packTAVX512(&dst[0], &src[0], k, w, kw) }},
			} {
				if pack.name == "avx2" && bestLevel() < levelAVX2 || pack.name == "avx512" && bestLevel() < levelAVX512 {
					continue
				}
				dst, dw := fenced(kw*w, fence)
				pack.f(dst)
				for i, v := range dw {
					if (i < guard || i >= guard+kw*w) && v != fence {
						t.Fatalf("%s w=%d kw=%d k=%d: wrote outside at %d", pack.name, w, kw, k, i-guard)
					}
				}
				for p := 0; p < kw; p++ {
					for j := 0; j < w; j++ {
						if dst[p*w+j] != src[j*k+p] {
							t.Fatalf("%s w=%d kw=%d k=%d: dst[%d,%d] = %v, want %v", pack.name, w, kw, k, p, j, dst[p*w+j], src[j*k+p])
						}
					}
				}
			}
		}
	}
}
