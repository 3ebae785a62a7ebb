package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemvWideMatchesGemm checks that at the avx2 level a batch-1 product whose columns come in
// panels of 64 (the gemv kernel's wide path) has the gemm kernel's bits: each column one chain of
// fused multiply-adds from the bias, C or 0, in order of p. So Predict (one row, gemv) and a
// BatchPredictor (chunks of rows, gemm) agree bit for bit on such a layer, as MatMul(m=1) with
// the rows of MatMul(m=2).
func TestGemvWideMatchesGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	forLevels(t, func(lvl string) {
		if lvl != "avx2" {
			return
		}
		for _, n := range []int{64, 128, 192} {
			for _, k := range []int{1, 2, 5, 63, 64, 391, 784, 1100} {
				a, b, bias := randSlice(r, 2*k), randSlice(r, k*n), randSlice(r, n)
				one, two := make([]float32, n), make([]float32, 2*n)
				check := func(what string) {
					for j := 0; j < n; j++ {
						if math.Float32bits(one[j]) != math.Float32bits(two[j]) {
							t.Fatalf("%s n=%d k=%d column %d: gemv %v, gemm %v", what, n, k, j, one[j], two[j])
						}
					}
				}
				MatMulBiasReLU(one, a[:k], b, bias, 1, n, k)
				MatMulBiasReLU(two, a, b, bias, 2, n, k)
				check("MatMulBiasReLU")
				MatMulBias(one, a[:k], b, bias, 1, n, k)
				MatMulBias(two, a, b, bias, 2, n, k)
				check("MatMulBias")
				MatMul(one, a[:k], b, 1, n, k)
				MatMul(two, a, b, 2, n, k)
				check("MatMul")
			}
		}
	})
}
