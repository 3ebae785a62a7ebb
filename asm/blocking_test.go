package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The products of convolutions (im2col + GEMM) are far taller or deeper than the dense layers':
// the wrappers cut them into chunks of rows and slices along k, transpose Bᵀ into a large stack
// buffer, and prefetch the next chunk. These tests run such shapes at every level against the
// float64 reference (checkProduct: NaN-poisoned outputs, guard values, inputs unchanged), check
// that the blocking changes no bit (a product equals its rows computed separately), that a call
// is deterministic, and place the operands against inaccessible pages.

// convShapes are the convnet's products and odd neighbours of them: m past a chunk of rows,
// k past a slice, n past a panel or below one vector.
var convShapes = []struct {
	kind    int
	m, n, k int
}{
	{kMatMulBiasReLU, 15488, 64, 288}, {kMatMulBiasReLU, 15487, 65, 17}, {kMatMulBiasReLU, 503, 289, 300},
	{kMatMulBiasReLU, 86528, 32, 9}, {kMatMulBias, 8651, 7, 9}, {kMatMul, 121, 64, 288}, {kMatMul, 3871, 63, 289},
	{kTransB, 15488, 288, 64}, {kTransB, 15487, 65, 63}, {kTransB, 301, 289, 65}, {kTransB, 300, 3, 257},
	{kTransA, 288, 64, 15488}, {kTransA, 65, 63, 15489}, {kTransA, 289, 63, 2049}, {kTransA, 9, 32, 86528},
	{kTransA, 17, 65, 15489}, {kTransA, 5, 7, 15489}, {kTransA, 1, 33, 15489},
}

func TestConvShapes(t *testing.T) {
	for _, s := range convShapes {
		if testing.Short() && s.m*s.n*s.k > 1<<24 {
			continue
		}
		t.Run(fmt.Sprintf("%s/%dx%dx%d", kindNames[s.kind], s.m, s.n, s.k), func(t *testing.T) {
			forLevels(t, func(lvl string) {
				if lvl == "generic" && bestLevel() > levelGeneric && s.m*s.n*s.k > 1<<26 {
					return // the Go loops are swept elsewhere; at this size only the purego build runs them
				}
				r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.k)))
				checkProduct(t, lvl, s.kind, r, s.m, s.n, s.k)
			})
		})
	}
}

// TestBlockingBits checks at every level that the chunks of rows and slices along k do not change
// a bit: each product over many rows equals, row for row, the same product computed on a few
// rows at a time (which the wrappers do not cut), and a second call gives the same bits.
func TestBlockingBits(t *testing.T) {
	for _, s := range []struct{ kind, m, n, k int }{
		{kMatMulBiasReLU, 2003, 65, 300}, {kMatMulBias, 3001, 7, 9}, {kMatMul, 400, 289, 513},
		{kTransB, 700, 289, 65}, {kTransB, 300, 20, 600}, {kTransA, 50, 33, 2001}, {kTransA, 289, 64, 1000},
	} {
		forLevels(t, func(lvl string) {
			r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.n)))
			a, b, bias := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), randSlice(r, s.n)
			full := make([]float32, s.m*s.n)
			runProduct(s.kind, full, a, b, bias, s.m, s.n, s.k)
			again := make([]float32, s.m*s.n)
			runProduct(s.kind, again, a, b, bias, s.m, s.n, s.k)
			name := fmt.Sprintf("%s/%s m=%d n=%d k=%d", lvl, kindNames[s.kind], s.m, s.n, s.k)
			if !sameBits(full, again) {
				t.Fatalf("%s: two calls differ", name)
			}
			// Rows lo..hi alone: 2 to 7 rows (1 would take the gemv kernel, another order).
			for lo := 0; lo < s.m; {
				hi := min(s.m, lo+2+(lo/3)%6)
				if s.m-hi == 1 {
					hi = s.m
				}
				part := make([]float32, (hi-lo)*s.n)
				switch s.kind {
				case kTransA:
					MatMulTransARows(part, a, b, s.m, s.n, s.k, lo, hi)
				default:
					runProduct(s.kind, part, a[lo*s.k:hi*s.k], b, bias, hi-lo, s.n, s.k)
				}
				if !sameBits(part, full[lo*s.n:hi*s.n]) {
					for i := range part {
						if math.Float32bits(part[i]) != math.Float32bits(full[lo*s.n+i]) {
							t.Fatalf("%s: rows %d-%d alone: C[%d][%d] = %v, in the whole product %v", name, lo, hi, lo+i/s.n, i%s.n, part[i], full[lo*s.n+i])
						}
					}
				}
				lo = hi
			}
		})
	}
}
