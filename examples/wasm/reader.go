package main

import (
	_ "embed"

	"github.com/nngen/nngen/examples/wasm/digit"
	"github.com/nngen/nngen/generated/mnist_convnet"
)

// weightsFile is a copy of examples/mnist_convnet.weights (go:embed cannot reach a parent
// folder); TestEmbeddedWeightsAreTheExamples checks that it is the same file.
//
//go:embed mnist_convnet.weights
var weightsFile []byte

// reader reads digits drawn on a canvas: the MNIST convnet with its trained weights, and the
// memory to preprocess a drawing. It allocates nothing per drawing once it has seen a canvas
// of that size. It is not safe for concurrent use.
type reader struct {
	model mnist_convnet.Model
	prep  digit.Preprocessor
	input [digit.Pixels]float32
}

// newReader decodes the embedded weights.
func newReader() (*reader, error) {
	r := new(reader)
	if err := r.model.Decode("mnist_convnet.weights", weightsFile); err != nil {
		return nil, err
	}
	return r, nil
}

// read returns the probabilities of the ten digits for the drawing rgba (width×height RGBA
// pixels), with false when the drawing is empty. The 28×28 image the network saw is in
// r.input afterwards.
func (r *reader) read(rgba []byte, width, height int) (p [mnist_convnet.OutputSize]float32, ok bool, err error) {
	ok, err = r.prep.Preprocess(&r.input, rgba, width, height)
	if !ok || err != nil {
		return p, false, err
	}
	return r.model.Predict(&r.input), true, nil
}
