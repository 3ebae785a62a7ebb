package fit

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// scriptNet is a network whose losses and validation accuracy follow a script, and whose
// "weights" are one number, the count of training steps taken, so that a restore shows which
// epoch's weights came back. It has a settable float32 learning rate, and weights that can be
// copied.
type scriptNet struct {
	perEpoch   int       // training steps per epoch
	trainLoss  []float32 // the loss of each training step; 1 past the end
	valLoss    []float32 // the validation loss of each epoch; 1 past the end
	valCorrect []int     // how many validation rows of each epoch's first batch are right; all past the end

	steps, evals int
	w            []float32
	lr           float32
	out          []float32
}

func newScript(perEpoch int, valLoss ...float32) *scriptNet {
	return &scriptNet{perEpoch: perEpoch, valLoss: valLoss, w: []float32{0}, lr: 0.001}
}

func (s *scriptNet) epoch() int { return (s.steps - 1) / s.perEpoch }

func (s *scriptNet) TrainBatch(x, y []float32, n int) float32 {
	s.steps++
	s.w[0] = float32(s.steps)
	s.output(y, n, n)
	if s.steps <= len(s.trainLoss) {
		return s.trainLoss[s.steps-1]
	}
	return 1
}

func (s *scriptNet) EvalBatch(x, y []float32, n int) float32 {
	s.evals++
	e := s.epoch()
	right := n
	if e < len(s.valCorrect) {
		right = s.valCorrect[e]
	}
	s.output(y, n, right)
	if e < len(s.valLoss) {
		return s.valLoss[e]
	}
	return 1
}

// output makes the first right rows of n right (the targets) and the others wrong.
func (s *scriptNet) output(y []float32, n, right int) {
	if cap(s.out) < n*classes {
		s.out = make([]float32, n*classes)
	}
	s.out = s.out[:n*classes]
	for i := range n {
		for c := range classes {
			src := c
			if i >= right {
				src = (c + 1) % classes
			}
			s.out[i*classes+c] = y[i*classes+src]
		}
	}
}

func (s *scriptNet) Output() []float32                { return s.out }
func (s *scriptNet) LearningRate() float64            { return float64(s.lr) }
func (s *scriptNet) SetLearningRate(lr float64)       { s.lr = float32(lr) }
func (s *scriptNet) Snapshot(dst []float32) []float32 { return append(dst[:0], s.w...) }
func (s *scriptNet) Restore(src []float32)            { copy(s.w, src) }

// plainNet hides the scriptNet's optional methods: no learning rate, no snapshots.
type plainNet struct{ Network }

// fitScript fits net for epochs epochs of one step (10 training samples in one batch), with 10
// validation samples unless noVal, and returns the history, the error and the progress with the
// seconds replaced by T.
func fitScript(t *testing.T, net Network, epochs int, noVal bool, cbs ...Callback) ([]Epoch, error, string) {
	t.Helper()
	c := cfg(epochs, 10, false, 1)
	var out bytes.Buffer
	c.Progress, c.Callbacks = &out, cbs
	c.Save = func(string) error { return nil }
	val := set(10, 100)
	if noVal {
		val = nil
	}
	h, err := Fit(net, set(10, 0), val, c)
	return h, err, clean(out.String())
}

// clean replaces the seconds of the summary lines with T.
func clean(progress string) string {
	return regexp.MustCompile(`- \d+\.\ds -`).ReplaceAllString(progress, "- T -")
}

// messages returns the lines of progress that are not Keras' epoch lines and summaries.
func messages(progress string) string {
	var keep []string
	for _, l := range strings.Split(progress, "\n") {
		if !regexp.MustCompile(`^(Epoch \d+/\d+|\d+/\d+ - T - .*)$`).MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func TestEarlyStopping(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name     string
		es       *EarlyStopping
		val      []float32 // val_loss of each epoch
		correct  []int     // right validation rows of 10 of each epoch (val_accuracy = correct/10)
		epochs   int
		ran      int    // epochs run
		weights  int    // the weights at the end: the steps taken up to the restored epoch
		messages string // what it printed
	}{
		{"patience 2: the second epoch in a row without improvement", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 2, RestoreBestWeights: true, Verbose: 1},
			[]float32{1, 0.875, 0.9375, 0.890625, 0.5}, nil, 6, 4, 2,
			"Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"},
		{"patience 0: the first epoch without improvement", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Verbose: 1},
			[]float32{1, 1.5}, nil, 5, 2, 2, "Epoch 2: early stopping\n"},
		{"patience 1 as 0", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1},
			[]float32{1, 1.5}, nil, 5, 2, 2, ""},
		{"equal is no improvement", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1},
			[]float32{1, 1}, nil, 5, 2, 2, ""},
		{"min_delta: exactly min_delta better is no improvement", &EarlyStopping{Monitor: "val_loss", Mode: "min", MinDelta: 0.25, Patience: 1},
			[]float32{1, 0.75}, nil, 5, 2, 2, ""},
		{"min_delta: more than min_delta better is one; its sign is ignored", &EarlyStopping{Monitor: "val_loss", Mode: "min", MinDelta: -0.25, Patience: 1},
			[]float32{1, 0.6875, 0.375, 0.375}, nil, 5, 4, 4, ""},
		{"restored when the epochs run out, without the stopping message", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 10, RestoreBestWeights: true, Verbose: 1},
			[]float32{1, 0.5, 0.75}, nil, 3, 3, 2, "Restoring model weights from the end of the best epoch: 2.\n"},
		{"not restored without restore_best_weights", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1, Verbose: 1},
			[]float32{1, 0.5, 0.75}, nil, 3, 3, 3, "Epoch 3: early stopping\n"},
		{"val_accuracy in auto mode is maximised", &EarlyStopping{Monitor: "val_accuracy", Mode: "auto", Patience: 2, RestoreBestWeights: true, Verbose: 1},
			nil, []int{5, 7, 6, 6, 8}, 5, 4, 2, "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"},
		{"val_accuracy in min mode", &EarlyStopping{Monitor: "val_accuracy", Mode: "min", Patience: 2},
			nil, []int{5, 7, 6, 6, 8}, 5, 3, 3, ""},
		{"baseline never beaten: stops after patience epochs, restores the best", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 2, Baseline: new(0.5), RestoreBestWeights: true, Verbose: 1},
			[]float32{0.9, 0.95, 0.97}, nil, 5, 2, 1, "Epoch 2: early stopping\nRestoring model weights from the end of the best epoch: 1.\n"},
		{"baseline: improving epochs never stop, even above the baseline", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1, Baseline: new(0.5)},
			[]float32{0.9, 0.8, 0.7, 0.6, 0.55, 0.6}, nil, 6, 6, 6, ""},
		{"baseline beaten: patience counts from the best", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 2, Baseline: new(0.5)},
			[]float32{0.4, 0.45, 0.47, 0.1}, nil, 5, 3, 3, ""},
		{"start_from_epoch: the first epochs are not monitored", &EarlyStopping{Monitor: "val_loss", Mode: "auto", StartFromEpoch: 2, RestoreBestWeights: true, Verbose: 1},
			[]float32{1, 2, 3, 4, 0}, nil, 5, 4, 3, "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 3.\n"},
		{"a NaN first value: nothing improves on it", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1, RestoreBestWeights: true, Verbose: 1},
			[]float32{nan, 1, 0.5}, nil, 5, 2, 1, "Epoch 2: early stopping\nRestoring model weights from the end of the best epoch: 1.\n"},
		{"a NaN later value is no improvement", &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1},
			[]float32{1, nan}, nil, 5, 2, 2, ""},
		{"monitor loss", &EarlyStopping{Monitor: "loss", Mode: "auto"},
			nil, nil, 5, 2, 2, ""}, // the script's training loss is 1 every epoch
	} {
		net := newScript(1, tc.val...)
		net.valCorrect = tc.correct
		h, err, progress := fitScript(t, net, tc.epochs, false, tc.es)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(h) != tc.ran || int(net.w[0]) != tc.weights || messages(progress) != tc.messages {
			t.Errorf("%s: %d epochs run, weights of step %v, printed %q; want %d, %d, %q", tc.name, len(h), net.w[0], messages(progress), tc.ran, tc.weights, tc.messages)
		}
	}
}

func TestEarlyStoppingReuse(t *testing.T) {
	// The state is reset by every Fit, as Keras' on_train_begin resets it.
	es := &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1}
	for range 2 {
		h, err, _ := fitScript(t, newScript(1, 1, 0.5, 0.75), 5, false, es)
		if err != nil || len(h) != 3 || es.StoppedEpoch() != 2 {
			t.Fatalf("%d epochs, stopped at %d, %v", len(h), es.StoppedEpoch(), err)
		}
		if e, ok := es.BestEpoch(); e != 1 || !ok {
			t.Fatalf("best epoch %d %v", e, ok)
		}
	}
}

func TestEarlyStoppingWithoutValidation(t *testing.T) {
	// val_loss is missing from the logs: Keras warns (once, by Python's filter) and never stops.
	es := &EarlyStopping{Monitor: "val_loss", Mode: "auto", RestoreBestWeights: true, Verbose: 1}
	net := newScript(1)
	h, err, progress := fitScript(t, net, 3, true, es)
	want := "UserWarning: Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: accuracy,loss\n"
	if err != nil || len(h) != 3 || messages(progress) != want || net.w[0] != 3 {
		t.Fatalf("%d epochs, weights %v, %v, printed %q; want 3, 3 and %q", len(h), net.w[0], err, messages(progress), want)
	}
}

func TestMonitorErrors(t *testing.T) {
	for _, tc := range []struct {
		cb   Callback
		net  Network
		want string
	}{
		{&EarlyStopping{Monitor: "val_acc", Mode: "auto"}, newScript(1),
			`fit: EarlyStopping: monitor "val_acc" is not a key of the logs (accuracy, loss, val_accuracy, val_loss)`},
		{&EarlyStopping{Monitor: "val_loss", Mode: "minimum"}, newScript(1),
			`fit: EarlyStopping: mode "minimum" is not one of auto, min, max (Keras would warn and use auto)`},
		{&EarlyStopping{Monitor: "val_loss", Mode: "auto", RestoreBestWeights: true}, plainNet{newScript(1)},
			"fit: EarlyStopping: restore_best_weights needs a network whose weights can be copied (fit.Snapshotter)"},
		{&EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: -1}, newScript(1),
			"fit: EarlyStopping: patience -1 and start_from_epoch 0 must be ≥ 0"},
		{&ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 1}, newScript(1),
			"fit: ReduceLROnPlateau does not support a factor >= 1.0; got factor=1"},
		{&ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, MinLR: -1}, newScript(1),
			"fit: ReduceLROnPlateau: factor 0.5, patience 0, cooldown 0 and min_lr -1 must be ≥ 0 (min_lr finite)"},
		{NewReduceLROnPlateau(), plainNet{newScript(1)},
			"fit: ReduceLROnPlateau needs a network whose learning rate can be set (fit.LearningRater); a learning rate that follows a schedule cannot be " +
				"(Keras: \"This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` constructor argument, hence its learning rate is not settable\")"},
		{&ModelCheckpoint{Filepath: "m.weights", Monitor: "accuracy", Mode: "sideways"}, newScript(1),
			`fit: ModelCheckpoint: mode "sideways" is not one of auto, min, max (Keras would warn and use auto)`},
		{nil, newScript(1), "fit: callback 0 is nil"},
		{&EarlyStopping{Patience: 3}, newScript(1),
			`fit: EarlyStopping: monitor "" and mode "" must be set (Keras' defaults are val_loss and auto, which NewEarlyStopping sets)`},
	} {
		c := cfg(1, 10, false, 1)
		c.Callbacks = []Callback{tc.cb}
		h, err := Fit(tc.net, set(10, 0), set(10, 100), c)
		if err == nil || err.Error() != tc.want || h != nil {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
	// The directions of mode auto (Keras 3: loss and the metrics' own directions).
	r := &Run{Metrics: []string{"accuracy", "mae", "mse"}, Validation: true}
	for name, less := range map[string]bool{"loss": true, "val_loss": true, "accuracy": false, "val_accuracy": false, "mae": true, "val_mae": true, "mse": true, "val_mse": true} {
		m, err := newMonitor("X", name, "auto", 0.5, r)
		if err != nil || m.less != less || (m.minDelta < 0) != less {
			t.Errorf("%s: less %v min_delta %v (%v), want less %v", name, m.less, m.minDelta, err, less)
		}
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cb       *ReduceLROnPlateau
		val      []float32
		epochs   int
		lr       float32 // at the end
		messages string
	}{
		{"Keras' defaults: patience 10", NewReduceLROnPlateau(), nil, 10, 0.001, ""},
		{"Keras' defaults: the 10th epoch without improvement", func() *ReduceLROnPlateau { c := NewReduceLROnPlateau(); c.Verbose = 1; return c }(), nil, 11, 0.0001,
			"\nEpoch 11: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.\n"},
		{"patience 1, down to min_lr, then no change", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.1, Patience: 1, MinLR: 1e-5, Verbose: 1}, nil, 6, 1e-5,
			"\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.\n" +
				"\nEpoch 3: ReduceLROnPlateau reducing learning rate to 1.0000000474974514e-05.\n" +
				"\nEpoch 4: ReduceLROnPlateau reducing learning rate to 1e-05.\n"},
		{"cooldown 2: a reduction every other epoch", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, Patience: 1, Cooldown: 2, Verbose: 1}, nil, 7, 0.001 / 8,
			"\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.0005000000237487257.\n" +
				"\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.0002500000118743628.\n" +
				"\nEpoch 6: ReduceLROnPlateau reducing learning rate to 0.0001250000059371814.\n"},
		{"patience 0 as 1", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, Verbose: 1}, nil, 3, 0.00025,
			"\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.0005000000237487257.\n" +
				"\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.0002500000118743628.\n"},
		{"min_delta: exactly min_delta better is no improvement, more is", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, Patience: 2, MinDelta: 1.0 / 64, Verbose: 1},
			[]float32{1, 1 - 1.0/64, 1 - 2.0/64, 1 - 2.0/64, 1 - 2.0/64}, 5, 0.0005,
			"\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.0005000000237487257.\n"},
		{"improvements keep the rate", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, Patience: 1},
			[]float32{1, 0.5, 0.25, 0.125}, 4, 0.001, ""},
		{"mode max", &ReduceLROnPlateau{Monitor: "val_loss", Mode: "max", Factor: 0.5, Patience: 1},
			[]float32{1, 0.5, 0.25, 2}, 4, 0.00025, ""},
	} {
		net := newScript(1, tc.val...)
		_, err, progress := fitScript(t, net, tc.epochs, false, tc.cb)
		if err != nil || math.Abs(float64(net.lr)-float64(tc.lr)) > 1e-6*float64(tc.lr) || messages(progress) != tc.messages {
			t.Errorf("%s: rate %v, printed %q (%v); want %v and %q", tc.name, net.lr, messages(progress), err, tc.lr, tc.messages)
		}
	}
	// Without val_loss in the logs: a warning, no reduction.
	net := newScript(1)
	_, err, progress := fitScript(t, net, 3, true, &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5})
	want := "UserWarning: Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: accuracy,loss,learning_rate.\n"
	if err != nil || net.lr != 0.001 || messages(progress) != want {
		t.Errorf("without validation: rate %v, printed %q (%v)", net.lr, messages(progress), err)
	}
}

// TestCallbackOrder checks where the callbacks' messages go among Keras' lines: an epoch's before
// its summary, the training's after the last.
func TestCallbackOrder(t *testing.T) {
	es := &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 1, RestoreBestWeights: true, Verbose: 1}
	lr := &ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.1, Patience: 1, Verbose: 1}
	net := newScript(1, 0.5, 0.75, 1)
	h, err, progress := fitScript(t, net, 5, false, lr, es)
	want := `Epoch 1/5
1/1 - T - loss: 1.0000 - accuracy: 1.0000 - val_loss: 0.5000 - val_accuracy: 1.0000
Epoch 2/5

Epoch 2: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.
1/1 - T - loss: 1.0000 - accuracy: 1.0000 - val_loss: 0.7500 - val_accuracy: 1.0000
Epoch 2: early stopping
Restoring model weights from the end of the best epoch: 1.
`
	if err != nil || len(h) != 2 || progress != want || net.w[0] != 1 {
		t.Fatalf("%d epochs, weights %v, %v, progress:\n%s\nwant:\n%s", len(h), net.w[0], err, progress, want)
	}
}

func TestTerminateOnNaN(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		loss            []float32 // of each step; 4 steps an epoch
		ran, steps      int       // epochs in the history, training steps taken
		batch, messages string
	}{
		{[]float32{1, 2, float32(math.NaN()), 3}, 1, 3, "", "Batch 2: Invalid loss, terminating training\n"},
		{[]float32{1, 1, 1, 1, 1, inf, 1}, 2, 6, "", "Batch 1: Invalid loss, terminating training\n"},
		{[]float32{1, 1, 1, 1, 1, 1, 1, -inf}, 2, 8, "", "Batch 3: Invalid loss, terminating training\n"},
		{nil, 3, 12, "", ""},
	} {
		net := newScript(4)
		net.trainLoss = tc.loss
		c := cfg(3, 2, false, 1)
		var out bytes.Buffer
		c.Progress, c.Callbacks = &out, []Callback{&TerminateOnNaN{}}
		h, err := Fit(net, set(8, 0), set(4, 100), c)
		if err != nil || len(h) != tc.ran || net.steps != tc.steps || messages(clean(out.String())) != tc.messages {
			t.Errorf("losses %v: %d epochs, %d steps, %v, printed %q; want %d, %d, %q", tc.loss, len(h), net.steps, err, messages(clean(out.String())), tc.ran, tc.steps, tc.messages)
			continue
		}
		// The stopped epoch is whole in the logs: means over the steps run, a validation pass,
		// and a summary of 4/4 steps as Keras prints it.
		if tc.ran*4 != tc.steps {
			last := h[len(h)-1]
			if !math.IsNaN(last.Loss) && !math.IsInf(last.Loss, 0) || net.evals != 2*tc.ran || math.IsNaN(last.ValLoss) {
				t.Errorf("losses %v: last epoch %+v, %d validation batches", tc.loss, last, net.evals)
			}
			if !strings.HasSuffix(out.String(), "training\n4/4 - "+strings.SplitN(strings.SplitN(out.String(), "training\n4/4 - ", 2)[1], "\n", 2)[0]+"\n") {
				t.Errorf("progress:\n%s", out.String())
			}
		}
	}
	// raise_error: Fit ends at once with the error, without the epoch's end or the training's.
	net := newScript(4)
	net.trainLoss = []float32{1, 1, 1, 1, 1, float32(math.NaN())}
	es := &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 5, RestoreBestWeights: true, Verbose: 1}
	c := cfg(3, 2, false, 1)
	var out bytes.Buffer
	c.Progress, c.Callbacks = &out, []Callback{&TerminateOnNaN{RaiseError: true}, es}
	h, err := Fit(net, set(8, 0), set(4, 100), c)
	want := "fit: NaN or Inf loss encountered at batch 1. Loss value: nan. Terminating training immediately."
	if err == nil || err.Error() != want || len(h) != 1 || net.evals != 2 || net.w[0] != 6 || strings.Count(out.String(), "4/4") != 1 || strings.Contains(out.String(), "Restoring") {
		t.Errorf("error %v, %d epochs, %d validation batches, weights %v, progress:\n%s", err, len(h), net.evals, net.w[0], out.String())
	}
}

func TestModelCheckpoint(t *testing.T) {
	dir := t.TempDir()
	var saved []string
	save := func(path string) error {
		saved = append(saved, strings.TrimPrefix(path, dir+string(filepath.Separator)))
		return os.WriteFile(path, []byte("w"), 0o644)
	}
	run := func(cb *ModelCheckpoint, val []float32, correct []int, epochs int, noVal bool) (string, error) {
		saved = nil
		net := newScript(1, val...)
		net.valCorrect = correct
		c := cfg(epochs, 10, false, 1)
		var out bytes.Buffer
		c.Progress, c.Callbacks, c.Save = &out, []Callback{cb}, save
		var v = set(10, 100)
		if noVal {
			v = nil
		}
		_, err := Fit(net, set(10, 0), v, c)
		return messages(clean(out.String())), err
	}
	p := filepath.Join(dir, "sub", "ckpt-{epoch:02d}-{val_loss:.2f}.w")
	cb := NewModelCheckpoint(p)
	cb.Verbose = 1
	msgs, err := run(cb, []float32{0.5, 0.25, 0.75}, nil, 3, false)
	f := func(name string) string { return filepath.Join(dir, "sub", name) }
	want := "\nEpoch 1: saving model to " + f("ckpt-01-0.50.w") + "\n\nEpoch 1: finished saving model to " + f("ckpt-01-0.50.w") + "\n" +
		"\nEpoch 2: saving model to " + f("ckpt-02-0.25.w") + "\n\nEpoch 2: finished saving model to " + f("ckpt-02-0.25.w") + "\n" +
		"\nEpoch 3: saving model to " + f("ckpt-03-0.75.w") + "\n\nEpoch 3: finished saving model to " + f("ckpt-03-0.75.w") + "\n"
	if err != nil || msgs != want || len(saved) != 3 {
		t.Fatalf("saved %v (%v), printed %q, want %q", saved, err, msgs, want)
	}
	// save_best_only: only improvements; a path without fields is overwritten.
	best := filepath.Join(dir, "best.w")
	cb = &ModelCheckpoint{Filepath: best, Monitor: "val_loss", Mode: "auto", SaveBestOnly: true, Verbose: 1}
	msgs, err = run(cb, []float32{0.5, 0.25, 0.75, 0.25}, nil, 4, false)
	want = "\nEpoch 1: val_loss improved from None to 0.50000, saving model to " + best + "\n\nEpoch 1: finished saving model to " + best + "\n" +
		"\nEpoch 2: val_loss improved from 0.50000 to 0.25000, saving model to " + best + "\n\nEpoch 2: finished saving model to " + best + "\n" +
		"\nEpoch 3: val_loss did not improve from 0.25000\n" +
		"\nEpoch 4: val_loss did not improve from 0.25000\n"
	if err != nil || msgs != want || !slices.Equal(saved, []string{"best.w", "best.w"}) {
		t.Fatalf("saved %v (%v), printed %q, want %q", saved, err, msgs, want)
	}
	// The best carries over to the next Fit, as Keras' ModelCheckpoint has no on_train_begin.
	if _, err = run(cb, []float32{0.375, 0.125}, nil, 2, false); err != nil || !slices.Equal(saved, []string{"best.w"}) {
		t.Fatalf("second fit saved %v (%v)", saved, err)
	}
	// initial_value_threshold, and val_accuracy maximised in auto mode.
	cb = &ModelCheckpoint{Filepath: best, Monitor: "val_accuracy", Mode: "auto", SaveBestOnly: true, InitialValueThreshold: new(0.6), Verbose: 1}
	msgs, err = run(cb, nil, []int{5, 7, 6, 8}, 4, false)
	if err != nil || len(saved) != 2 || !strings.HasPrefix(msgs, "\nEpoch 1: val_accuracy did not improve from 0.60000\n\nEpoch 2: val_accuracy improved from 0.60000 to 0.70000,") {
		t.Fatalf("saved %v (%v), printed %q", saved, err, msgs)
	}
	// Without the monitored quantity: a warning, and a save every epoch.
	cb = &ModelCheckpoint{Filepath: best, Monitor: "val_loss", Mode: "auto", SaveBestOnly: true}
	msgs, err = run(cb, nil, nil, 3, true)
	if err != nil || len(saved) != 3 || msgs != "UserWarning: Can save best model only with val_loss available.\n" {
		t.Fatalf("saved %v (%v), printed %q", saved, err, msgs)
	}
	// A folder at the path, and a failing save: Fit ends with the error and the epochs before.
	if err := os.Mkdir(filepath.Join(dir, "ckpt-2"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = run(&ModelCheckpoint{Filepath: filepath.Join(dir, "ckpt-{epoch}"), Monitor: "val_loss", Mode: "auto"}, nil, nil, 3, false)
	if want := "fit: ModelCheckpoint: please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: " + filepath.Join(dir, "ckpt-2"); err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	fail := errors.New("disk full")
	net := newScript(1)
	c := cfg(5, 10, false, 1)
	var out bytes.Buffer
	es := &EarlyStopping{Monitor: "val_loss", Mode: "auto", Patience: 9, RestoreBestWeights: true, Verbose: 1}
	c.Progress, c.Callbacks = &out, []Callback{&ModelCheckpoint{Filepath: filepath.Join(dir, "x-{epoch}"), Monitor: "val_loss", Mode: "auto"}, es}
	c.Save = func(path string) error {
		if strings.HasSuffix(path, "-3") {
			return fail
		}
		return nil
	}
	h, err := Fit(net, set(10, 0), set(10, 100), c)
	if !errors.Is(err, fail) || err.Error() != "fit: ModelCheckpoint: saving epoch 3 to "+filepath.Join(dir, "x-3")+": disk full" ||
		len(h) != 2 || strings.Count(out.String(), "1/1 - ") != 2 || strings.Contains(out.String(), "Restoring") || net.w[0] != 3 {
		t.Fatalf("error %v, %d epochs, weights %v, progress:\n%s", err, len(h), net.w[0], out.String())
	}
}

func TestModelCheckpointPath(t *testing.T) {
	r := &Run{Metrics: []string{"accuracy"}, Validation: true}
	h := &Epoch{Epoch: 6, Loss: 0.123456789, Metrics: []float64{0.9}, ValLoss: math.NaN(), ValMetrics: []float64{1e-5}}
	for _, tc := range []struct{ path, want string }{
		{"m.w", "m.w"},
		{"m-{epoch}.w", "m-7.w"},
		{"{epoch:03d}{epoch:03}{epoch:3}|{epoch:.1f}", "007007  7|7.0"},
		{"{loss}_{loss:.2f}_{loss:.3e}_{loss:g}_{loss:08.3f}", "0.123456789_0.12_1.235e-01_0.123457_0000.123"},
		{"{val_accuracy}_{val_accuracy:f}_{accuracy:.0f}", "1e-05_0.000010_1"},
		{"{val_loss:.2f}_{val_loss:06.1f}_{val_loss}", "nan_000nan_nan"},
		{"{{epoch}}-{{{epoch}}}", "{epoch}-{7}"},
	} {
		tpl, err := parsePathTemplate(tc.path, r)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got := tpl.format(h); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.path, got, tc.want)
		}
	}
	noVal := &Run{Metrics: []string{"accuracy"}}
	for _, tc := range []struct {
		path string
		r    *Run
		want string
	}{
		{"m-{val_loss:.2f}", noVal, "{val_loss} is not in the logs without a validation set (Keras fails to format the path at the first epoch)"},
		{"m-{acc}", r, `no value named "acc" to format: the fields are epoch and the keys of the logs (accuracy, loss, val_accuracy, val_loss)`},
		{"m-{}", r, "a field without a name, {}: name it epoch or a key of the logs"},
		{"m-{epoch!r}", r, "field {epoch!r} is not supported: nngen formats {name} and {name:spec}, without conversions, attributes or indexes"},
		{"m-{batch}", r, "field {batch} needs save_freq in batches, which nngen does not implement: checkpoints are saved at the end of each epoch"},
		{"m-{epoch:>3}", r, `field {epoch:>3}: format spec ">3" is not supported: nngen formats [0][width][.precision][type] with type d, f, e or g`},
		{"m-{loss:,.2f}", r, `field {loss:,.2f}: format spec ",.2f" is not supported: nngen formats [0][width][.precision][type] with type d, f, e or g`},
		{"m-{loss:d}", r, "field {loss:d}: unknown format code 'd' for a float (use f, e or g)"},
		{"m-{epoch:.2}", r, "field {epoch:.2}: precision not allowed in an integer format (use {epoch:02d})"},
		{"m-{loss:.f}", r, `field {loss:.f}: format spec ".f": a precision needs digits after the '.'`},
		{"m-{epoch", r, "single '{' encountered in format string (write {{ for a brace)"},
		{"m-}", r, "single '}' encountered in format string (write }} for a brace)"},
	} {
		_, err := parsePathTemplate(tc.path, tc.r)
		want := "fit: ModelCheckpoint: filepath \"" + tc.path + "\": " + tc.want
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", tc.path, err, want)
		}
	}
	// Keras' requirements on the Fit.
	c := cfg(1, 10, false, 1)
	c.Callbacks = []Callback{NewModelCheckpoint("m.w")}
	if _, err := Fit(newScript(1), set(10, 0), nil, c); err == nil || err.Error() != "fit: ModelCheckpoint needs Config.Save, the function that writes the model to a path" {
		t.Errorf("error %v", err)
	}
}

func TestPyRepr(t *testing.T) {
	for x, want := range map[float64]string{
		1: "1.0", 0: "0.0", -2.5: "-2.5", 0.0001: "0.0001", 1e-5: "1e-05", 0.00010000000474974513: "0.00010000000474974513",
		9.999999747378752e-06: "9.999999747378752e-06", 1e16: "1e+16", 1234567890123456: "1234567890123456.0", 1.5e300: "1.5e+300",
		math.Inf(1): "inf", math.Inf(-1): "-inf",
	} {
		if got := pyRepr(x); got != want {
			t.Errorf("pyRepr(%v) = %q, want %q", x, got, want)
		}
	}
	if got := pyRepr(math.NaN()); got != "nan" {
		t.Errorf("pyRepr(NaN) = %q", got)
	}
}

// TestCallbacksAllocateNothing: an epoch with callbacks that print nothing allocates nothing
// once the snapshot buffer exists, and a Fit of many epochs allocates as much as one of one.
func TestCallbacksAllocateNothing(t *testing.T) {
	callbacks := func() []Callback {
		return []Callback{
			&EarlyStopping{Monitor: "val_accuracy", Mode: "auto", Patience: 1000, RestoreBestWeights: true},
			&ReduceLROnPlateau{Monitor: "val_loss", Mode: "auto", Factor: 0.5, Patience: 1, MinLR: 1e-30},
			&TerminateOnNaN{},
		}
	}
	train, val := set(1000, 0), set(100, 0)
	c := cfg(1, 32, true, 1)
	c.Callbacks = callbacks()
	net := newScript(32)
	l := newLoop(net, train, val, c)
	if err := l.cb.begin(net, true, c); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() { net.steps = 0; l.epoch(0) }); n != 0 {
		t.Errorf("an epoch with callbacks allocates %v times", n)
	}
	fit := func(epochs int) float64 {
		return testing.AllocsPerRun(3, func() {
			c := cfg(epochs, 32, true, 1)
			c.Callbacks = callbacks()
			Fit(newScript(32), train, val, c)
		})
	}
	if one, many := fit(1), fit(30); one != many {
		t.Errorf("Fit with callbacks allocates %v times for 1 epoch, %v for 30", one, many)
	}
}
