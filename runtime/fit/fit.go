// Package fit runs the training loop of an nngen-generated network the way Keras' model.fit
// does: seeded per-epoch shuffling, batches whose last one may be partial, running means of loss
// and accuracy, a validation pass, progress lines and a history CSV.
//
// The loop keeps the data as bytes (dataset.Set) and scales one batch at a time into buffers it
// allocates once per Fit; a training step allocates nothing.
package fit

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/nngen/nngen/runtime/dataset"
)

// Network is what a generated Trainer offers the loop. x holds n samples of Inputs values, y n
// rows of Outputs targets (the loop passes slices of exactly n·Inputs and n·Outputs values, n
// being at most Config.BatchSize); loss is the batch's mean loss and correct the number of
// samples whose prediction matches the target (argmax, or a 0.5 threshold when Outputs is 1).
type Network interface {
	// TrainBatch runs one optimisation step on the first n samples.
	TrainBatch(x, y []float32, n int) (loss float32, correct int)
	// EvalBatch runs the forward pass only on the first n samples.
	EvalBatch(x, y []float32, n int) (loss float32, correct int)
}

// Config is the shape of the network and the fit settings.
type Config struct {
	Inputs, Outputs int       // values per sample and per target; Outputs is the class count
	Epochs          int       // passes over the training set, at least 1
	BatchSize       int       // samples per step, at least 1; the last batch of an epoch may be partial
	Shuffle         bool      // reorder the training set before every epoch, as Keras' shuffle=True
	Seed            uint64    // seeds the shuffling
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
// It returns an error, before any training, when the settings or the sets are not usable: a
// size below 1, a set whose features are not cfg.Inputs, whose arrays are shorter than N says,
// or with a label not below cfg.Outputs (when Outputs is above 1). Errors writing progress are
// ignored: they do not stop the training.
func Fit(net Network, train, val *dataset.Set, cfg Config) ([]Epoch, error) {
	if err := check(net, train, val, cfg); err != nil {
		return nil, err
	}
	if val != nil && val.N == 0 {
		val = nil
	}
	l := newLoop(net, train, val, cfg)
	history := make([]Epoch, 0, min(cfg.Epochs, 1024))
	for e := range cfg.Epochs {
		history = append(history, l.epoch(e))
	}
	return history, nil
}

// check validates Fit's arguments.
func check(net Network, train, val *dataset.Set, cfg Config) error {
	if net == nil {
		return errors.New("fit: no network")
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"inputs", cfg.Inputs}, {"outputs", cfg.Outputs}, {"epochs", cfg.Epochs}, {"batch size", cfg.BatchSize}} {
		if c.v < 1 {
			return fmt.Errorf("fit: %s must be at least 1, got %d", c.name, c.v)
		}
	}
	if train == nil || train.N < 1 {
		return errors.New("fit: the training set is empty")
	}
	if err := checkSet("training set", train, cfg.Inputs, cfg.Outputs); err != nil {
		return err
	}
	if val != nil && val.N != 0 {
		if err := checkSet("validation set", val, cfg.Inputs, cfg.Outputs); err != nil {
			return err
		}
	}
	return nil
}

// checkSet returns an error when set does not fit a network of inputs and outputs, or its
// arrays are shorter than its N says, so that batching it cannot fail.
func checkSet(name string, set *dataset.Set, inputs, outputs int) error {
	switch {
	case set.N < 0 || set.N > math.MaxInt32:
		return fmt.Errorf("fit: %s has %d samples (0 to %d)", name, set.N, math.MaxInt32)
	case set.Features != inputs:
		return fmt.Errorf("fit: %s has %d features per sample, the network takes %d", name, set.Features, inputs)
	case len(set.X)/inputs < set.N:
		return fmt.Errorf("fit: %s: X holds %d bytes, %d samples of %d features need %d", name, len(set.X), set.N, inputs, set.N*inputs)
	case len(set.Labels) < set.N:
		return fmt.Errorf("fit: %s: %d labels for %d samples", name, len(set.Labels), set.N)
	}
	if outputs > 1 {
		for i, l := range set.Labels[:set.N] {
			if int(l) >= outputs {
				return fmt.Errorf("fit: %s: label %d of sample %d is not below the %d outputs", name, l, i, outputs)
			}
		}
	}
	return nil
}

// Evaluate runs net over the whole set in batches of batchSize and returns the mean loss and the
// accuracy. The loss is the mean of the batch losses weighted by their sizes, as Keras'
// evaluate reports it. It returns NaN for both when the set is empty or does not fit (see Fit),
// or when net is nil or a size is below 1.
func Evaluate(net Network, set *dataset.Set, inputs, outputs, batchSize int) (loss, accuracy float64) {
	if net == nil || set == nil || set.N < 1 || inputs < 1 || outputs < 1 || batchSize < 1 ||
		checkSet("set", set, inputs, outputs) != nil {
		return math.NaN(), math.NaN()
	}
	b := min(batchSize, set.N)
	ev := evaluator{net: net, set: set, inputs: inputs, outputs: outputs,
		x: make([]float32, b*inputs), y: make([]float32, b*outputs), idx: make([]int32, b)}
	return ev.run()
}

// evaluator runs the forward pass over a set in order, in batches the size of idx.
type evaluator struct {
	net             Network
	set             *dataset.Set
	inputs, outputs int
	x, y            []float32
	idx             []int32
}

// run returns the set's mean loss and accuracy; it allocates nothing.
func (ev *evaluator) run() (loss, accuracy float64) {
	var sum float64
	correct := 0
	for start := 0; start < ev.set.N; start += len(ev.idx) {
		n := min(len(ev.idx), ev.set.N-start)
		idx := ev.idx[:n]
		for i := range idx {
			idx[i] = int32(start + i)
		}
		ev.set.Batch(ev.x, ev.y, idx, ev.outputs)
		l, c := ev.net.EvalBatch(ev.x[:n*ev.inputs], ev.y[:n*ev.outputs], n)
		sum += float64(l) * float64(n)
		correct += c
	}
	return sum / float64(ev.set.N), float64(correct) / float64(ev.set.N)
}

// loop is one Fit: its buffers, its shuffling state and the running sums of the current epoch.
type loop struct {
	net   Network
	train *dataset.Set
	val   *evaluator // nil without a validation set
	cfg   Config
	x, y  []float32
	order []int32 // the training samples in this epoch's order
	rng   pcg

	lossSum float64 // Σ batch loss × batch size
	correct int
	seen    int
}

func newLoop(net Network, train, val *dataset.Set, cfg Config) *loop {
	rows := min(cfg.BatchSize, max(train.N, sizeOf(val)))
	l := &loop{
		net: net, train: train, cfg: cfg,
		x:     make([]float32, rows*cfg.Inputs),
		y:     make([]float32, rows*cfg.Outputs),
		order: make([]int32, train.N),
		rng:   newPCG(cfg.Seed),
	}
	if val != nil {
		l.val = &evaluator{net: net, set: val, inputs: cfg.Inputs, outputs: cfg.Outputs,
			x: l.x, y: l.y, idx: make([]int32, min(cfg.BatchSize, val.N))}
	}
	return l
}

func sizeOf(s *dataset.Set) int {
	if s == nil {
		return 0
	}
	return s.N
}

// epoch runs epoch e (from 0): shuffling, the training steps, the validation pass and the
// progress lines.
func (l *loop) epoch(e int) Epoch {
	start := time.Now()
	if l.cfg.Progress != nil {
		fmt.Fprintf(l.cfg.Progress, "Epoch %d/%d\n", e+1, l.cfg.Epochs)
	}
	for i := range l.order {
		l.order[i] = int32(i)
	}
	if l.cfg.Shuffle {
		l.rng.shuffle(l.order)
	}
	l.lossSum, l.correct, l.seen = 0, 0, 0
	steps := 0
	bs, n := l.cfg.BatchSize, len(l.order)
	for at := 0; at < n; at += bs {
		l.step(l.order[at:min(at+bs, n)], l.order[min(at+bs, n):min(at+2*bs, n)])
		steps++
	}
	h := Epoch{
		Epoch:       e,
		Loss:        l.lossSum / float64(l.seen),
		Accuracy:    float64(l.correct) / float64(l.seen),
		ValLoss:     math.NaN(),
		ValAccuracy: math.NaN(),
	}
	if l.val != nil {
		h.ValLoss, h.ValAccuracy = l.val.run()
	}
	h.Seconds = time.Since(start).Seconds()
	if l.cfg.Progress != nil {
		writeSummary(l.cfg.Progress, steps, h)
	}
	return h
}

// step trains on the samples batch and adds to the epoch's running sums; it allocates nothing.
func (l *loop) step(batch, next []int32) {
	n := len(batch)
	l.train.Batch(l.x, l.y, batch, l.cfg.Outputs)
	// The shuffled samples are scattered over the whole set: start loading the next batch's now,
	// so that they arrive while this step computes.
	l.train.Prefetch(next)
	loss, correct := l.net.TrainBatch(l.x[:n*l.cfg.Inputs], l.y[:n*l.cfg.Outputs], n)
	l.lossSum += float64(loss) * float64(n)
	l.correct += correct
	l.seen += n
}

// writeSummary writes an epoch's line as Keras' verbose=2 does:
// 1500/1500 - 1.2s - loss: 0.0912 - accuracy: 0.9731 - val_loss: 0.1034 - val_accuracy: 0.9702
func writeSummary(w io.Writer, steps int, h Epoch) {
	line := fmt.Sprintf("%d/%d - %.1fs - loss: %.4f - accuracy: %.4f", steps, steps, h.Seconds, h.Loss, h.Accuracy)
	if !math.IsNaN(h.ValLoss) || !math.IsNaN(h.ValAccuracy) {
		line += fmt.Sprintf(" - val_loss: %.4f - val_accuracy: %.4f", h.ValLoss, h.ValAccuracy)
	}
	io.WriteString(w, line+"\n")
}
