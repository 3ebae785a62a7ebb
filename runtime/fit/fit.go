// Package fit runs the training loop of an nngen-generated network the way Keras' model.fit
// does: seeded per-epoch shuffling, batches whose last one may be partial, running means of the
// loss and the metrics, a validation pass, progress lines and a history CSV.
//
// The loop keeps the data as bytes (dataset.Set) and scales one batch at a time into buffers it
// allocates once per Fit; a training step allocates nothing.
package fit

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/nngen/nngen/runtime/dataset"
)

// Network is what a generated Trainer offers the loop. x holds n samples of Inputs values, y n
// rows of Outputs targets (the loop passes slices of exactly n·Inputs and n·Outputs values, n
// being at most Config.BatchSize); loss is the batch's mean loss. The loop computes the metrics
// from Output.
type Network interface {
	// TrainBatch runs one optimisation step on the first n samples.
	TrainBatch(x, y []float32, n int) (loss float32)
	// EvalBatch runs the forward pass only on the first n samples.
	EvalBatch(x, y []float32, n int) (loss float32)
	// Output returns the outputs of the last TrainBatch or EvalBatch, n rows of Outputs (before
	// the update, for TrainBatch).
	Output() []float32
}

// Config is the shape of the network and the fit settings.
type Config struct {
	Inputs, Outputs int       // values per sample and per target; Outputs is the class count
	Epochs          int       // passes over the training set, at least 1
	BatchSize       int       // samples per step, at least 1; the last batch of an epoch may be partial
	Shuffle         bool      // reorder the training set before every epoch, as Keras' shuffle=True
	Seed            uint64    // seeds the shuffling
	Metrics         []string  // the metrics to report, each one of Metrics
	Progress        io.Writer // Keras-like lines (Epoch 3/10, then the epoch summary); nil for none

	// Callbacks are called in order at the points of Keras' fit (see Callback).
	Callbacks []Callback
	// Save writes the model to a path, atomically; ModelCheckpoint calls it.
	Save func(path string) error

	// Resume, when not nil, continues the run whose Checkpoint gave it, from where that run
	// was; the caller has restored the network's weights and optimiser state of that moment.
	// Fit refuses a State that does not fit the settings (epochs, batches, metrics, callbacks).
	Resume *State
	// Checkpoint, when not nil, is given the run's State after every epoch (after the callbacks'
	// EpochEnd) and when Stop ends the training; its error ends Fit. The State is the
	// callee's: Fit does not change it afterwards.
	Checkpoint func(s *State) error
	// Stop, when not nil, is read after every training step: once it is true, Fit ends the
	// training after that step, gives Checkpoint the state and returns an error wrapping
	// ErrInterrupted. A Stop during an epoch's last step or its validation pass ends the
	// training after that epoch.
	Stop *atomic.Bool
}

// Epoch is one line of the history, as Keras' CSVLogger writes it.
type Epoch struct {
	Epoch      int       // from 0, as CSVLogger
	Loss       float64   // the mean training loss over the epoch, computed while the weights change
	Metrics    []float64 // the mean of each of Config.Metrics, likewise
	ValLoss    float64   // NaN when there is no validation set
	ValMetrics []float64 // NaN each when there is no validation set
	Seconds    float64
	// LearningRate is the rate of the epoch's last update (see epochRate), read before the
	// callbacks' EpochEnd, so a ReduceLROnPlateau reduction at the end of epoch e shows from
	// epoch e+1 on, as Keras 3's logs["learning_rate"] do; NaN when the network does not tell.
	LearningRate float64
}

// Fit trains net on train for cfg.Epochs epochs, evaluating val after each one when it is not
// nil or empty, and returns the history. Buffers are allocated once; a step allocates nothing.
// It returns an error, before any training, when the settings or the sets are not usable: a
// size below 1, a set whose features are not cfg.Inputs, whose arrays are shorter than N says,
// or with a label not below cfg.Outputs (when Outputs is above 1), or when a callback's
// TrainBegin refuses the run. A callback may stop the training early (the history then ends with
// the last epoch run); when one fails (a checkpoint that cannot be saved, TerminateOnNaN's
// RaiseError), Fit returns at once with the history of the epochs before and the error, as an
// exception ends Keras' fit. Errors writing progress are ignored: they do not stop the training.
//
// A step whose loss is NaN or infinite ends Fit with a *DivergedError, unless a callback
// (TerminateOnNaN) stops the training at that step, which then ends as the callback says.
func Fit(net Network, train, val *dataset.Set, cfg Config) ([]Epoch, error) {
	if err := check(net, train, val, cfg); err != nil {
		return nil, err
	}
	if cfg.Resume != nil {
		if err := checkResume(cfg.Resume, cfg, train.N); err != nil {
			return nil, err
		}
	}
	if val != nil && val.N == 0 {
		val = nil
	}
	l := newLoop(net, train, val, cfg)
	if err := l.cb.begin(net, val != nil, cfg); err != nil {
		return nil, err
	}
	history := make([]Epoch, 0, min(cfg.Epochs, 1024))
	if cfg.Resume != nil {
		var err error
		if history, err = l.resume(cfg.Resume); err != nil {
			return nil, err
		}
	}
	for l.epochAt < cfg.Epochs && !l.cb.run.StopTraining {
		if cfg.Stop != nil && cfg.Stop.Load() {
			return history, l.interrupted(history)
		}
		h, err := l.epoch(l.epochAt)
		if errors.Is(err, ErrInterrupted) {
			return history, l.interrupted(history)
		}
		if err != nil {
			return history, err
		}
		history = append(history, h)
		l.epochAt, l.stepAt, l.epochRNG = l.epochAt+1, 0, l.rng.src
		if cfg.Checkpoint != nil {
			if err := cfg.Checkpoint(l.state(history)); err != nil {
				return history, err
			}
		}
	}
	return history, l.cb.end()
}

// interrupted gives Checkpoint the state of a run that Stop ended, and returns the error that
// says where it ended.
func (l *loop) interrupted(history []Epoch) error {
	at := fmt.Errorf("%w after epoch %d", ErrInterrupted, l.epochAt)
	if l.stepAt > 0 {
		at = fmt.Errorf("%w at step %d of epoch %d", ErrInterrupted, l.stepAt, l.epochAt+1)
	}
	if l.cfg.Checkpoint != nil {
		if err := l.cfg.Checkpoint(l.state(history)); err != nil {
			return fmt.Errorf("%v; the checkpoint was not written: %w", at, err)
		}
	}
	return at
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
	if err := checkMetrics(cfg.Metrics); err != nil {
		return err
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
	features := len(set.X)
	if set.F != nil {
		features = len(set.F)
	}
	switch {
	case set.N < 0 || set.N > math.MaxInt32:
		return fmt.Errorf("fit: %s has %d samples (0 to %d)", name, set.N, math.MaxInt32)
	case set.Features != inputs:
		return fmt.Errorf("fit: %s has %d features per sample, the network takes %d", name, set.Features, inputs)
	case features/inputs < set.N:
		return fmt.Errorf("fit: %s: %d feature values, %d samples of %d features need %d", name, features, set.N, inputs, set.N*inputs)
	case set.Targets != nil && set.TargetSize != outputs:
		return fmt.Errorf("fit: %s has %d targets per sample, the network has %d outputs", name, set.TargetSize, outputs)
	case set.Targets != nil && len(set.Targets)/outputs < set.N:
		return fmt.Errorf("fit: %s: %d targets for %d samples of %d", name, len(set.Targets), set.N, outputs)
	case set.Targets == nil && len(set.Labels) < set.N:
		return fmt.Errorf("fit: %s: %d labels for %d samples", name, len(set.Labels), set.N)
	}
	if set.Targets == nil && outputs > 1 {
		for i, l := range set.Labels[:set.N] {
			if l < 0 || int(l) >= outputs {
				return fmt.Errorf("fit: %s: label %d of sample %d is not below the %d outputs", name, l, i, outputs)
			}
		}
	}
	return nil
}

// Evaluate runs net over the whole set in batches of batchSize and returns the mean loss and the
// mean of each metric, as Keras' evaluate reports them (means over the samples: batch means
// weighted by batch size). It returns NaN for all when the set is empty or does not fit (see Fit),
// when a metric is unknown, or when net is nil or a size is below 1.
func Evaluate(net Network, set *dataset.Set, inputs, outputs, batchSize int, metrics []string) (loss float64, values []float64) {
	values = make([]float64, len(metrics))
	if net == nil || set == nil || set.N < 1 || inputs < 1 || outputs < 1 || batchSize < 1 ||
		checkSet("set", set, inputs, outputs) != nil || checkMetrics(metrics) != nil {
		for i := range values {
			values[i] = math.NaN()
		}
		return math.NaN(), values
	}
	b := min(batchSize, set.N)
	ev := evaluator{net: net, set: set, inputs: inputs, outputs: outputs, meter: newMeter(metrics),
		x: make([]float32, b*inputs), y: make([]float32, b*outputs), idx: make([]int32, b)}
	return ev.run(values), values
}

// evaluator runs the forward pass over a set in order, in batches the size of idx.
type evaluator struct {
	net             Network
	set             *dataset.Set
	inputs, outputs int
	meter           meter
	x, y            []float32
	idx             []int32
}

// run returns the set's mean loss and sets the metrics' means; it allocates nothing.
func (ev *evaluator) run(metrics []float64) (loss float64) {
	ev.meter.reset()
	for start := 0; start < ev.set.N; start += len(ev.idx) {
		n := min(len(ev.idx), ev.set.N-start)
		idx := ev.idx[:n]
		for i := range idx {
			idx[i] = int32(start + i)
		}
		ev.set.Batch(ev.x, ev.y, idx, ev.outputs)
		y := ev.y[:n*ev.outputs]
		l := ev.net.EvalBatch(ev.x[:n*ev.inputs], y, n)
		ev.meter.add(l, ev.net.Output(), y, n, ev.outputs)
	}
	return ev.meter.means(metrics)
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
	meter meter // the running means of the current epoch
	cb    callbackList

	// Where the run is, for checkpoints: the epoch under way, its steps taken, the shuffling
	// generator before the epoch's order was drawn, and the seconds the epoch took before a
	// resume.
	epochAt, stepAt int
	epochRNG        rand.PCG
	elapsed         float64

	rate float64 // the learning rate the last summary line showed or implied; NaN when the network does not tell

	values []float64 // the epochs' metrics and validation metrics, allocated once
}

func newLoop(net Network, train, val *dataset.Set, cfg Config) *loop {
	rows := min(cfg.BatchSize, max(train.N, sizeOf(val)))
	l := &loop{
		net: net, train: train, cfg: cfg,
		x:        make([]float32, rows*cfg.Inputs),
		y:        make([]float32, rows*cfg.Outputs),
		order:    make([]int32, train.N),
		rng:      newPCG(cfg.Seed),
		meter:    newMeter(cfg.Metrics),
		rate:     learningRate(net),
		epochRNG: newPCG(cfg.Seed).src,
		// Every epoch's Metrics and ValMetrics, so that an epoch allocates nothing.
		values: make([]float64, 2*len(cfg.Metrics)*cfg.Epochs),
	}
	if val != nil {
		l.val = &evaluator{net: net, set: val, inputs: cfg.Inputs, outputs: cfg.Outputs, meter: newMeter(cfg.Metrics),
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
//
// A run resumed within epoch e starts at step l.stepAt, with the epoch's sums restored. The
// error is a callback's, a *DivergedError, or ErrInterrupted when Stop ended the epoch after
// l.stepAt steps.
func (l *loop) epoch(e int) (Epoch, error) {
	start := time.Now()
	if l.cfg.Progress != nil {
		fmt.Fprintf(l.cfg.Progress, "Epoch %d/%d\n", e+1, l.cfg.Epochs)
	}
	for i := range l.order {
		l.order[i] = int32(i)
	}
	l.epochRNG = l.rng.src
	if l.cfg.Shuffle {
		l.rng.shuffle(l.order)
	}
	if l.stepAt == 0 {
		l.meter.reset()
		l.elapsed = 0
	}
	bs, n := l.cfg.BatchSize, len(l.order)
	steps := (n + bs - 1) / bs // the summary's count, as Keras', even when a callback stops the epoch
	for at := l.stepAt * bs; at < n; at += bs {
		loss := l.step(l.order[at:min(at+bs, n)], l.order[min(at+bs, n):min(at+2*bs, n)])
		l.stepAt = at/bs + 1
		stop := l.cb.batchEnd(at/bs, &l.meter) // callbacks: on_train_batch_end, then stop_training
		if l.cb.err != nil {
			return Epoch{}, l.cb.err
		}
		if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
			if !stop {
				return Epoch{}, &DivergedError{Epoch: e + 1, Step: l.stepAt, Loss: float64(loss)}
			}
		}
		if stop {
			break
		}
		if l.cfg.Stop != nil && l.stepAt < steps && l.cfg.Stop.Load() {
			l.elapsed += time.Since(start).Seconds()
			return Epoch{}, ErrInterrupted
		}
	}
	k := len(l.cfg.Metrics)
	mine := l.values[2*k*e : 2*k*(e+1) : 2*k*(e+1)]
	h := Epoch{Epoch: e, Metrics: mine[:k:k], ValLoss: math.NaN(), ValMetrics: mine[k:]}
	h.Loss = l.meter.means(h.Metrics)
	if l.val != nil {
		h.ValLoss = l.val.run(h.ValMetrics)
	} else {
		for i := range h.ValMetrics {
			h.ValMetrics[i] = math.NaN()
		}
	}
	h.Seconds = l.elapsed + time.Since(start).Seconds()
	h.LearningRate = epochRate(l.net)
	if !l.cb.epochEnd(&h) { // callbacks: on_epoch_end, before the summary line
		return h, l.cb.err
	}
	if l.cfg.Progress != nil {
		rate := learningRate(l.net)
		if rate == l.rate || math.IsNaN(rate) {
			rate = math.NaN() // unchanged: not shown
		} else {
			l.rate = rate
		}
		writeSummary(l.cfg.Progress, steps, l.cfg.Metrics, h, rate)
	}
	return h, nil
}

// RateReporter is a network that tells the learning rate of its next update (a generated
// Trainer does, schedule or not); the summary line shows it when it changes.
type RateReporter interface {
	CurrentLearningRate() float64
}

// learningRate is net's current learning rate, or NaN when it does not tell.
func learningRate(net Network) float64 {
	if r, ok := net.(RateReporter); ok {
		return r.CurrentLearningRate()
	}
	return math.NaN()
}

// epochRate is the learning rate an epoch records in its history: net's RateReporter's, else
// its LearningRater's, else NaN.
func epochRate(net Network) float64 {
	if r, ok := net.(RateReporter); ok {
		return r.CurrentLearningRate()
	}
	if r, ok := net.(LearningRater); ok {
		return r.LearningRate()
	}
	return math.NaN()
}

// step trains on the samples batch, adds to the epoch's running sums and returns the batch's
// loss; it allocates nothing.
func (l *loop) step(batch, next []int32) float32 {
	n := len(batch)
	l.train.Batch(l.x, l.y, batch, l.cfg.Outputs)
	// The shuffled samples are scattered over the whole set: start loading the next batch's now,
	// so that they arrive while this step computes.
	l.train.Prefetch(next)
	y := l.y[:n*l.cfg.Outputs]
	loss := l.net.TrainBatch(l.x[:n*l.cfg.Inputs], y, n)
	l.meter.add(loss, l.net.Output(), y, n, l.cfg.Outputs)
	return loss
}

// writeSummary writes an epoch's line as Keras' verbose=2 does:
// 1500/1500 - 1.2s - loss: 0.0912 - accuracy: 0.9731 - val_loss: 0.1034 - val_accuracy: 0.9702
// and, when rate is not NaN (the learning rate changed), " - learning_rate: 1.0000e-04" (Keras'
// format: 4 decimals, or %.4e for values of 1e-3 and below).
func writeSummary(w io.Writer, steps int, metrics []string, h Epoch, rate float64) {
	line := fmt.Sprintf("%d/%d - %.1fs - loss: %.4f", steps, steps, h.Seconds, h.Loss)
	for i, name := range metrics {
		line += fmt.Sprintf(" - %s: %.4f", name, h.Metrics[i])
	}
	if !math.IsNaN(h.ValLoss) {
		line += fmt.Sprintf(" - val_loss: %.4f", h.ValLoss)
		for i, name := range metrics {
			line += fmt.Sprintf(" - val_%s: %.4f", name, h.ValMetrics[i])
		}
	}
	if !math.IsNaN(rate) {
		if math.Abs(rate) <= 1e-3 {
			line += fmt.Sprintf(" - learning_rate: %.4e", rate)
		} else {
			line += fmt.Sprintf(" - learning_rate: %.4f", rate)
		}
	}
	io.WriteString(w, line+"\n")
}
