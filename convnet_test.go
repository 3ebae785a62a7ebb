package nngen

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/generated/mnist_convnet"
	"github.com/nngen/nngen/runtime/dataset"
)

// convnetBar is the least test accuracy TestConvnetLearns accepts after one epoch on the first
// 12,000 training images (94 steps), measured on the first 2,000 test images. Measured on
// 2026-12-02 (AMD EPYC Zen 3, avx2 kernels; NNGEN_CONVNET_SEED=1, 2, 3): 0.8925, 0.9005, 0.8915.
// A network that does not learn stays near 0.10. The bar sits three points below the worst seed,
// a margin for other CPUs' rounding (the float32 sums differ by kernel level).
const convnetBar = 0.86

// TestConvnetLearns trains the generated Keras MNIST convnet (generated/mnist_convnet) for one
// epoch on a slice of MNIST, the way cmd/train does but without shuffling, and checks that it
// learned: the end-to-end test of the convolutional path, im2col, the products, pooling and
// dropout together, on real data.
func TestConvnetLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a convnet on 12,000 images")
	}
	if asm.Level() == "generic" {
		t.Skip("trains with SIMD kernels; the generic ones, ten times slower here, are proven by codegen's parity suite")
	}
	dir, err := dataset.MNISTDir()
	if err != nil {
		t.Skip("no MNIST files:", err)
	}
	train, err := dataset.Load(filepath.Join(dir, dataset.MNISTTrainImages), filepath.Join(dir, dataset.MNISTTrainLabels), mnist_convnet.InputSize, mnist_convnet.OutputSize)
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), mnist_convnet.InputSize, mnist_convnet.OutputSize)
	if err != nil {
		t.Fatal(err)
	}
	const trainRows, testRows = 12000, 2000
	seed := uint64(1)
	if s := os.Getenv("NNGEN_CONVNET_SEED"); s != "" { // for measuring the bar on other seeds
		if _, err := fmt.Sscan(s, &seed); err != nil {
			t.Fatalf("NNGEN_CONVNET_SEED=%q: %v", s, err)
		}
	}
	var m mnist_convnet.Model
	m.Init(seed)
	tr := mnist_convnet.NewTrainer(&m)
	defer tr.Close()
	x := make([]float32, mnist_convnet.BatchSize*mnist_convnet.InputSize)
	y := make([]float32, mnist_convnet.BatchSize*mnist_convnet.OutputSize)
	idx := make([]int32, mnist_convnet.BatchSize)
	for lo := 0; lo < trainRows; lo += mnist_convnet.BatchSize {
		n := min(mnist_convnet.BatchSize, trainRows-lo)
		for i := range n {
			idx[i] = int32(lo + i)
		}
		train.Batch(x, y, idx[:n], mnist_convnet.OutputSize)
		tr.TrainBatch(x, y, n)
	}

	tx := make([]float32, testRows*mnist_convnet.InputSize)
	ty := make([]float32, testRows*mnist_convnet.OutputSize)
	tidx := make([]int32, testRows)
	for i := range tidx {
		tidx[i] = int32(i)
	}
	test.Batch(tx, ty, tidx, mnist_convnet.OutputSize)
	out := make([]float32, testRows*mnist_convnet.OutputSize)
	mnist_convnet.NewBatchPredictor(&m).Predict(tx, out)
	accuracy := float64(asm.Correct(out, ty, testRows, mnist_convnet.OutputSize)) / testRows
	t.Logf("test accuracy after one epoch on %d images: %.4f (bar %.2f), %s kernels", trainRows, accuracy, convnetBar, asm.Level())
	if accuracy < convnetBar {
		t.Errorf("test accuracy %.4f after one epoch on %d images; want at least %.2f", accuracy, trainRows, convnetBar)
	}
}
