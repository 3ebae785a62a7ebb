// Package fit runs the training loop of an nngen-generated network the way Keras' model.fit
// does: seeded per-epoch shuffling, batches whose last one may be partial, running means of loss
// and accuracy, a validation pass, progress lines and a history CSV.
package fit

import (
	"io"

	"github.com/nngen/nngen/runtime/dataset"
)

// Network is what a generated Trainer offers the loop. x holds n samples of Inputs values, y n
// rows of Outputs targets; loss is the batch's mean loss and correct the number of samples whose
// prediction matches the target (argmax, or a 0.5 threshold when Outputs is 1).
type Network interface {
	// TrainBatch runs one optimisation step on the first n samples.
	TrainBatch(x, y []float32, n int) (loss float32, correct int)
	// EvalBatch runs the forward pass only on the first n samples.
	EvalBatch(x, y []float32, n int) (loss float32, correct int)
}

// Config is the shape of the network and the fit settings.
type Config struct {
	Inputs, Outputs int
	Epochs          int
	BatchSize       int
	Shuffle         bool
	Seed            uint64
	Progress        io.Writer // Keras-like lines (Epoch 3/10, then the epoch summary); nil for none
}

// Epoch is one line of the history, as Keras' CSVLogger writes it.
type Epoch struct {
	Epoch                int // from 0, as CSVLogger
	Loss, Accuracy       float64
	ValLoss, ValAccuracy float64 // NaN when there is no validation set
	Seconds              float64
}

// Fit trains net on train for cfg.Epochs epochs, evaluating val after each one when it is not
// nil or empty, and returns the history. Buffers are allocated once; a step allocates nothing.
func Fit(net Network, train, val *dataset.Set, cfg Config) ([]Epoch, error) {
	panic("not implemented")
}

// Evaluate runs net over the whole set in batches of batchSize and returns the mean loss and the
// accuracy.
func Evaluate(net Network, set *dataset.Set, inputs, outputs, batchSize int) (loss, accuracy float64) {
	panic("not implemented")
}

// WriteHistory writes the history as CSV (epoch,accuracy,loss,val_accuracy,val_loss,seconds)
// to path, atomically: a temporary file in the same folder, then a rename.
func WriteHistory(path string, history []Epoch) error { panic("not implemented") }
