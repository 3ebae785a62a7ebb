package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks run each kernel at each supported level on the reference model's shapes and
// report GFLOP/s (2·m·n·k flops per product). Run them with -count and compare medians: this is
// a shared machine. No test depends on timing.

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// benchShapes are the reference model's products at batch 32 and batch 1.
var benchShapes = []struct {
	kind    int
	m, n, k int
}{
	{kMatMulBiasReLU, 32, 64, 784}, // forward, layer 1
	{kMatMulBias, 32, 10, 64},      // forward, layer 2
	{kTransA, 784, 64, 32},         // weight gradient, layer 1
	{kTransA, 64, 10, 32},          // weight gradient, layer 2
	{kTransB, 32, 64, 10},          // input gradient of layer 2
	{kMatMulBiasReLU, 1, 64, 784},  // prediction, layer 1
	{kMatMulBias, 1, 10, 64},       // prediction, layer 2
}

func BenchmarkProducts(b *testing.B) {
	for _, s := range benchShapes {
		r := rand.New(rand.NewPCG(1, 2))
		aLen := s.m * s.k
		a, bb := randSlice(r, aLen), randSlice(r, s.k*s.n)
		bias, c := randSlice(r, s.n), make([]float32, s.m*s.n)
		forLevels(b, func(lvl string) {
			b.Run(fmt.Sprintf("%s/%dx%dx%d/%s", kindNames[s.kind], s.m, s.n, s.k, lvl), func(b *testing.B) {
				for b.Loop() {
					runProduct(s.kind, c, a, bb, bias, s.m, s.n, s.k)
				}
				flops := 2 * float64(s.m*s.n*s.k) * float64(b.N)
				b.ReportMetric(flops/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
			})
		})
	}
}

// BenchmarkPredict is the batch-1 prediction of the reference model: 784 -> 64 (ReLU) -> 10.
func BenchmarkPredict(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	w1, b1 := randSlice(r, 784*64), randSlice(r, 64)
	w2, b2 := randSlice(r, 64*10), randSlice(r, 10)
	x := randSlice(r, 784)
	forLevels(b, func(lvl string) {
		b.Run(lvl, func(b *testing.B) {
			var h [64]float32
			var o [10]float32
			for b.Loop() {
				MatMulBiasReLU(h[:], x, w1, b1, 1, 64, 784)
				MatMulBias(o[:], h[:], w2, b2, 1, 10, 64)
			}
			flops := 2 * float64(784*64+64*10) * float64(b.N)
			b.ReportMetric(flops/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		})
	})
}

// BenchmarkUpdates is one optimiser step over the reference model's 50,890 parameters.
func BenchmarkUpdates(b *testing.B) {
	const n = 784*64 + 64 + 64*10 + 10
	r := rand.New(rand.NewPCG(1, 2))
	p, g, m, v := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
	for i := range v {
		v[i] *= v[i]
	}
	forLevels(b, func(lvl string) {
		b.Run("Adam/"+lvl, func(b *testing.B) {
			for b.Loop() {
				Adam(p, g, m, v, 1e-9, 0.9, 0.999, 1e-7)
			}
		})
		b.Run("SGD/"+lvl, func(b *testing.B) {
			for b.Loop() {
				SGD(p, g, 1e-9)
			}
		})
		b.Run("Momentum/"+lvl, func(b *testing.B) {
			for b.Loop() {
				Momentum(p, g, m, 1e-9, 0.9, false)
			}
		})
	})
}

// BenchmarkColSum is the bias gradient of the first layer, 32×64.
func BenchmarkColSum(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	a, dst := randSlice(r, 32*64), make([]float32, 64)
	forLevels(b, func(lvl string) {
		b.Run(lvl, func(b *testing.B) {
			for b.Loop() {
				ColSum(dst, a, 32, 64)
			}
		})
	})
}
