package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// convBenchShapes are the products of the Keras MNIST convnet (Conv2D(32, 3) → MaxPool 2 →
// Conv2D(64, 3) → MaxPool 2 → Dense 10) run as im2col + GEMM: a training step at batch 128
// (26·26·128 = 86528 rows for conv1, 11·11·128 = 15488 for conv2) on one core, the shares that
// the generated trainer gives each of two cores (half the batch forward; half of the kernel's
// rows of a weight gradient; the input gradient one image at a time, as it folds the windows
// back while they are in cache), and predictions of one image and of a chunk of 32. hi, when
// not 0, makes a MatMulTransA the rows 0 to hi of MatMulTransARows.
var convBenchShapes = []struct {
	name    string
	kind    int
	m, n, k int
	hi      int
}{
	{"conv2fwd", kMatMulBiasReLU, 15488, 64, 288, 0},     // conv2 forward: patches · kernel
	{"conv2dgrad", kTransB, 15488, 288, 64, 0},           // conv2 input gradient: deltas · kernelᵀ
	{"conv2wgrad", kTransA, 288, 64, 15488, 0},           // conv2 kernel gradient: patchesᵀ · deltas
	{"conv1fwd", kMatMulBiasReLU, 86528, 32, 9, 0},       // conv1 forward
	{"conv1wgrad", kTransA, 9, 32, 86528, 0},             // conv1 kernel gradient
	{"conv2fwd-core", kMatMulBiasReLU, 7744, 64, 288, 0}, // one core's half of the batch
	{"conv2dgrad-image", kTransB, 121, 288, 64, 0},       // as the trainer calls it, per image
	{"conv2wgrad-core", kTransA, 288, 64, 15488, 144},    // one core's half of the rows
	{"conv1wgrad-core", kTransA, 9, 32, 86528, 4},        // one core's 4 of 9 rows
	{"conv2fwd1", kMatMulBiasReLU, 121, 64, 288, 0},      // conv2 forward, one image
	{"conv2fwd32", kMatMulBiasReLU, 3872, 64, 288, 0},    // conv2 forward, 32 images
	{"conv1fwd1", kMatMulBiasReLU, 676, 32, 9, 0},        // conv1 forward, one image
}

// runConvShape runs shape s of convBenchShapes.
func runConvShape(kind, m, n, k, hi int, c, a, b, bias []float32) {
	if hi > 0 {
		MatMulTransARows(c, a, b, m, n, k, 0, hi)
		return
	}
	runProduct(kind, c, a, b, bias, m, n, k)
}

// BenchmarkConvShapes reports GFLOP/s (2·m·n·k flops, m the rows computed) at each supported
// level.
func BenchmarkConvShapes(b *testing.B) {
	for _, s := range convBenchShapes {
		r := rand.New(rand.NewPCG(1, 2))
		a, bb := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n)
		bias, c := randSlice(r, s.n), make([]float32, s.m*s.n)
		forLevels(b, func(lvl string) {
			if lvl == "generic" && s.m*s.n*s.k > 1<<20 {
				return
			}
			b.Run(fmt.Sprintf("%s/%dx%dx%d/%s", s.name, s.m, s.n, s.k, lvl), func(b *testing.B) {
				for b.Loop() {
					runConvShape(s.kind, s.m, s.n, s.k, s.hi, c, a, bb, bias)
				}
				rows := s.m
				if s.hi > 0 {
					rows = s.hi
				}
				flops := 2 * float64(rows*s.n*s.k) * float64(b.N)
				b.ReportMetric(flops/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
			})
		})
	}
}
