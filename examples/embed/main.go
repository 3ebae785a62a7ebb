// Command embed classifies MNIST test digits with a predictor whose trained weights are compiled
// into the binary: the generated package generated/mnist, and mnist.weights, written by
//
//	go run ./cmd/nngen train examples/mnist.yaml --weights examples/embed/mnist.weights
//
// and embedded with //go:embed. The binary carries only the generated package and nngen's
// runtime and asm packages.
//
// Usage:
//
//	go run ./examples/embed [-n 10] [-data DIR]
//
// prints the first n test digits as a prediction beside the true label, then the accuracy over
// the whole test set.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nngen/nngen/generated/mnist"
	"github.com/nngen/nngen/runtime/dataset"
)

//go:embed mnist.weights
var weightsFile []byte

func main() {
	n := flag.Int("n", 10, "test digits to print")
	data := flag.String("data", "", "folder of the MNIST IDX files (default: the GoMNIST module)")
	flag.Parse()
	if err := run(os.Stdout, *n, *data); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, show int, dir string) error {
	var m mnist.Model
	if err := m.Decode("mnist.weights", weightsFile); err != nil {
		return err
	}
	if dir == "" {
		var err error
		if dir, err = dataset.MNISTDir(); err != nil {
			return err
		}
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), mnist.InputSize, mnist.OutputSize)
	if err != nil {
		return err
	}
	acc := accuracy(&m, test, func(i, predicted int) {
		if i < show {
			fmt.Fprintf(w, "test digit %d: predicted %d, label %d\n", i, predicted, test.Labels[i])
		}
	})
	_, err = fmt.Fprintf(w, "accuracy on %d test digits: %.4f\n", test.N, acc)
	return err
}

// accuracy classifies every sample of set with m, calling each with the sample's index and the
// predicted class, and returns the fraction predicted right.
func accuracy(m *mnist.Model, set *dataset.Set, each func(i, predicted int)) float64 {
	var x [mnist.InputSize]float32
	var y [mnist.OutputSize]float32
	right := 0
	for i := 0; i < set.N; i++ {
		set.Batch(x[:], y[:], []int32{int32(i)}, mnist.OutputSize)
		p := m.Predict(&x)
		best := 0
		for j := range p {
			if p[j] > p[best] {
				best = j
			}
		}
		each(i, best)
		if best == int(set.Labels[i]) {
			right++
		}
	}
	return float64(right) / float64(set.N)
}
