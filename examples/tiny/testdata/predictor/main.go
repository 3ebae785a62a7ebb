// Command predictor is the program of the binary-size test (../../size_test.go): it decodes the
// MNIST weights compiled into it into generated/mnist's Model, classifies one sample and prints
// the class with fmt, as the hello world beside it prints its line. Its weights are
// examples/embed/mnist.weights, which the test lays over this folder with go build's -overlay
// flag, so that the repository holds them once; to build it by hand, copy them here first:
//
//	cp examples/embed/mnist.weights examples/tiny/testdata/predictor/
//	go build -o /tmp/predictor ./examples/tiny/testdata/predictor
package main

import (
	_ "embed"
	"fmt"
	"os"

	"github.com/nngen/nngen/generated/mnist"
)

//go:embed mnist.weights
var weightsFile []byte

func main() {
	var m mnist.Model
	if err := m.Decode("mnist.weights", weightsFile); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	var x [mnist.InputSize]float32 // a black image
	class, p := m.PredictClass(&x)
	fmt.Println(class, p)
}
