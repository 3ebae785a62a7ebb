package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nngen/nngen/examples/wasm/digit"
	"github.com/nngen/nngen/runtime/dataset"
)

// TestEmbeddedWeightsAreTheExamples checks that the embedded copy of the weights is
// examples/mnist_convnet.weights, byte for byte: copy that file here when it changes.
func TestEmbeddedWeightsAreTheExamples(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "mnist_convnet.weights"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(weightsFile, want) {
		t.Errorf("examples/wasm/mnist_convnet.weights (%d bytes) differs from examples/mnist_convnet.weights (%d bytes); copy it:\n\tcp examples/mnist_convnet.weights examples/wasm/", len(weightsFile), len(want))
	}
}

// drawing returns MNIST digit img drawn on a 280×280 canvas as white on black, magnified 9 times
// from (20, 15): larger than MNIST's and off centre, as one draws on the page.
func drawing(img []byte) []byte {
	const side, k = 280, 9
	rgba := make([]byte, side*side*4)
	for i := 3; i < len(rgba); i += 4 {
		rgba[i] = 255
	}
	for i, v := range img {
		for dy := range k {
			for dx := range k {
				px := rgba[((15+i/digit.Size*k+dy)*side+20+i%digit.Size*k+dx)*4:]
				px[0], px[1], px[2] = v, v, v
			}
		}
	}
	return rgba
}

// TestReadsMNISTDrawings checks the whole reader natively, on the first 500 MNIST test digits
// drawn magnified and shifted: it must read at least 98% of them right (the convnet reads 99% of
// the test set), and find no digit on an empty canvas.
func TestReadsMNISTDrawings(t *testing.T) {
	r, err := newReader()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := dataset.MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), digit.Pixels, 10)
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	right := 0
	for i := range n {
		p, ok, err := r.read(drawing(test.X[i*digit.Pixels:(i+1)*digit.Pixels]), 280, 280)
		if err != nil || !ok {
			t.Fatalf("test digit %d: read = %v, %v", i, ok, err)
		}
		best := 0
		for j := range p {
			if p[j] > p[best] {
				best = j
			}
		}
		if best == int(test.Labels[i]) {
			right++
		}
	}
	t.Logf("%d of %d test digits drawn magnified 9 times read right", right, n)
	if right < n*98/100 {
		t.Errorf("%d of %d test digits read right, want at least 98%%", right, n)
	}
	if _, ok, err := r.read(make([]byte, 280*280*4), 280, 280); ok || err != nil {
		t.Errorf("empty canvas: read = %v, %v; want false, nil", ok, err)
	}
}

// TestReadAllocatesNothing checks that reading a drawing allocates nothing, as predict in the
// browser must not.
func TestReadAllocatesNothing(t *testing.T) {
	r, err := newReader()
	if err != nil {
		t.Fatal(err)
	}
	img := make([]byte, digit.Pixels)
	for i := 200; i < 600; i += 3 {
		img[i] = 255
	}
	rgba := drawing(img)
	r.read(rgba, 280, 280)
	if n := testing.AllocsPerRun(10, func() { r.read(rgba, 280, 280) }); n != 0 {
		t.Errorf("read allocates %v times a call, want 0", n)
	}
}

// BenchmarkRead times reading a drawing on a 280×280 canvas natively (NNGEN_CPU=generic gives
// the pure-Go kernels, the ones WebAssembly runs), to set beside the page's prediction time.
func BenchmarkRead(b *testing.B) {
	r, err := newReader()
	if err != nil {
		b.Fatal(err)
	}
	img := make([]byte, digit.Pixels)
	for i := 200; i < 600; i += 3 {
		img[i] = 255
	}
	rgba := drawing(img)
	b.ReportAllocs()
	for b.Loop() {
		r.read(rgba, 280, 280)
	}
}
