//go:build linux

package asm

import (
	"math/rand/v2"
	"testing"
)

// TestConvPageGuards runs the blocked products with every operand against an inaccessible page,
// at its end and then at its start: neither the kernels nor the wrappers' copies touch anything
// outside an operand (the prefetches may, and never fault).
func TestConvPageGuards(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	shapes := [][3]int{{3001, 65, 17}, {301, 289, 65}, {17, 63, 3001}, {2003, 7, 9}, {9, 5, 3001}, {300, 3, 257}}
	forLevels(t, func(string) {
		for _, atEnd := range []bool{true, false} {
			for _, s := range shapes {
				m, n, k := s[0], s[1], s[2]
				for kind := 0; kind < kCount; kind++ {
					a := fillRand(r, pageGuarded(t, m*k, atEnd))
					b := fillRand(r, pageGuarded(t, k*n, atEnd))
					bias := fillRand(r, pageGuarded(t, n, atEnd))
					c := pageGuarded(t, m*n, atEnd)
					runProduct(kind, c, a, b, bias, m, n, k)
				}
				// A share of the rows of a deep Aᵀ·B, as one of two cores computes it.
				a := fillRand(r, pageGuarded(t, m*k, atEnd))
				b := fillRand(r, pageGuarded(t, k*n, atEnd))
				MatMulTransARows(pageGuarded(t, (m-m/2)*n, atEnd), a, b, m, n, k, m/2, m)
			}
		}
	})
}
