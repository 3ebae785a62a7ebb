package fit

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
)

// learner is a network whose every step depends on its weights and on the samples of the batch,
// in order: a run that is interrupted and resumed ends with the same weights only when the
// resumed run sees the same batches in the same order with the same learning rate.
type learner struct {
	w     []float32
	lr    float32
	out   []float32
	steps int
	stop  *atomic.Bool // set after stopAfter steps, when not nil
	after int
}

func newLearner() *learner { return &learner{w: make([]float32, features*classes), lr: 0.05} }

func (l *learner) forward(x []float32, n int) {
	l.out = l.out[:0]
	for i := range n {
		for c := range classes {
			var z float32
			for f := range features {
				z += x[i*features+f] * l.w[f*classes+c]
			}
			l.out = append(l.out, z)
		}
	}
}

func (l *learner) loss(y []float32, n int) float32 {
	var s float32
	for i, o := range l.out[:n*classes] {
		d := o - y[i]
		s += d * d
	}
	return s / float32(n)
}

func (l *learner) TrainBatch(x, y []float32, n int) float32 {
	l.forward(x, n)
	loss := l.loss(y, n)
	for i := range n {
		for c := range classes {
			d := l.out[i*classes+c] - y[i*classes+c]
			for f := range features {
				l.w[f*classes+c] -= l.lr * d * x[i*features+f] / float32(n)
			}
		}
	}
	l.steps++
	if l.stop != nil && l.steps == l.after {
		l.stop.Store(true)
	}
	return loss
}

func (l *learner) EvalBatch(x, y []float32, n int) float32 { l.forward(x, n); return l.loss(y, n) }
func (l *learner) Output() []float32                       { return l.out }
func (l *learner) LearningRate() float64                   { return float64(l.lr) }
func (l *learner) SetLearningRate(lr float64)              { l.lr = float32(lr) }
func (l *learner) Snapshot(dst []float32) []float32        { return append(dst[:0], l.w...) }
func (l *learner) Restore(src []float32)                   { copy(l.w, src) }

// saved is a checkpoint of the test: the loop's state and the learner's.
type saved struct {
	s  *State
	w  []float32
	lr float32
}

// resumeConfig is a run with shuffling, a partial last batch and every callback with state.
func resumeConfig(epochs int) (Config, []Callback) {
	es := NewEarlyStopping()
	es.Patience, es.RestoreBestWeights, es.MinDelta = 3, true, 1e-4
	rl := NewReduceLROnPlateau()
	rl.Patience, rl.Factor = 1, 0.5
	cbs := []Callback{es, rl, &TerminateOnNaN{}}
	return Config{Inputs: features, Outputs: classes, Epochs: epochs, BatchSize: 7, Shuffle: true, Seed: 3,
		Metrics: []string{"accuracy"}, Callbacks: cbs}, cbs
}

// TestResumeIsBitIdentical interrupts a run after every one of its steps in turn (and keeps the
// checkpoint of every epoch's end), resumes each from its checkpoint with a fresh network and
// fresh callbacks, and requires the final weights and the history (but its seconds) to be the
// uninterrupted run's, bit for bit.
func TestResumeIsBitIdentical(t *testing.T) {
	const epochs = 6
	train, val := set(40, 0), set(9, 40)
	run := func(net *learner, resume *State, stop *atomic.Bool) ([]Epoch, []saved, error) {
		c, _ := resumeConfig(epochs)
		var ckpts []saved
		c.Resume, c.Stop = resume, stop
		c.Checkpoint = func(s *State) error {
			ckpts = append(ckpts, saved{s, slices.Clone(net.w), net.lr})
			return nil
		}
		h, err := Fit(net, train, val, c)
		return h, ckpts, err
	}
	want := newLearner()
	wantH, epochEnds, err := run(want, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(epochEnds) != epochs {
		t.Fatalf("%d epoch-end checkpoints for %d epochs", len(epochEnds), epochs)
	}
	same := func(name string, net *learner, h []Epoch) {
		t.Helper()
		if !slices.Equal(bitsOf32(net.w), bitsOf32(want.w)) || net.lr != want.lr {
			t.Errorf("%s: weights or rate differ from the uninterrupted run's", name)
		}
		if len(h) != len(wantH) {
			t.Fatalf("%s: %d epochs of history, want %d", name, len(h), len(wantH))
		}
		for i := range h {
			a, b := h[i], wantH[i]
			a.Seconds, b.Seconds = 0, 0
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: history line %d is %+v, want %+v", name, i, a, b)
			}
		}
	}
	resume := func(c saved) (*learner, []Epoch, error) {
		net := newLearner()
		copy(net.w, c.w)
		net.lr = c.lr
		h, _, err := run(net, c.s, nil)
		return net, h, err
	}
	for i, c := range epochEnds {
		net, h, err := resume(c)
		if err != nil {
			t.Fatalf("resuming after epoch %d: %v", i+1, err)
		}
		same("resumed after epoch "+itoa(i+1), net, h)
	}
	steps := epochs * ((40 + 6) / 7)
	interrupted := 0
	for after := 1; after <= steps; after++ {
		net := newLearner()
		net.stop, net.after = new(atomic.Bool), after
		_, ckpts, err := run(net, nil, net.stop)
		if after == steps && err == nil {
			continue // the run's last step: nothing is left to interrupt
		}
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stop after step %d: error %v, want ErrInterrupted", after, err)
		}
		last := ckpts[len(ckpts)-1]
		if last.s.Step > 0 {
			interrupted++
		}
		got, h, err := resume(last)
		if err != nil {
			t.Fatalf("resuming the stop after step %d: %v", after, err)
		}
		same("stopped after step "+itoa(after), got, h)
	}
	if interrupted < steps/2 {
		t.Errorf("only %d of %d stops were within an epoch", interrupted, steps)
	}
}

// TestResumeRefusesAnotherRun checks the refusals of a State that another run wrote.
func TestResumeRefusesAnotherRun(t *testing.T) {
	net := newLearner()
	c, _ := resumeConfig(4)
	var last *State
	c.Checkpoint = func(s *State) error { last = s; return nil }
	if _, err := Fit(net, set(40, 0), set(9, 40), c); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config, s *State)
	}{
		{"fewer epochs", func(c *Config, s *State) { c.Epochs = 3 }},
		{"another batch size", func(c *Config, s *State) { c.BatchSize = 3; s.Step, s.Seen = 2, 14 }},
		{"other metrics", func(c *Config, s *State) { c.Metrics = nil }},
		{"other callbacks", func(c *Config, s *State) { c.Callbacks = c.Callbacks[1:] }},
		{"callbacks in another order", func(c *Config, s *State) { c.Callbacks[0], c.Callbacks[1] = c.Callbacks[1], c.Callbacks[0] }},
		{"a bad shuffle", func(c *Config, s *State) { s.Shuffle = s.Shuffle[:3] }},
		{"a short history", func(c *Config, s *State) { s.History = s.History[1:] }},
		{"a callback's bad counter", func(c *Config, s *State) { s.Callbacks[0].Values[0] = 0.5 }},
	} {
		cc, _ := resumeConfig(4)
		s := *last
		s.Callbacks = slices.Clone(last.Callbacks)
		s.Callbacks[0].Values = slices.Clone(last.Callbacks[0].Values)
		tc.change(&cc, &s)
		cc.Resume = &s
		if _, err := Fit(newLearner(), set(40, 0), set(9, 40), cc); err == nil {
			t.Errorf("%s: resumed", tc.name)
		}
	}
}

// TestDiverged checks that a NaN loss ends Fit with a DivergedError naming the step, unless
// TerminateOnNaN stops the training there.
func TestDiverged(t *testing.T) {
	net := newLearner()
	net.lr = float32(math.Inf(1))
	c, _ := resumeConfig(3)
	c.Callbacks = nil
	_, err := Fit(net, set(40, 0), set(9, 40), c)
	var d *DivergedError
	if !errors.As(err, &d) || d.Epoch != 1 || d.Step != 2 {
		t.Fatalf("error %v, want divergence at step 2 of epoch 1", err)
	}
	net = newLearner()
	net.lr = float32(math.Inf(1))
	c.Callbacks = []Callback{&TerminateOnNaN{}}
	if h, err := Fit(net, set(40, 0), set(9, 40), c); err != nil || len(h) != 1 {
		t.Fatalf("with TerminateOnNaN: %d epochs, %v; want one, stopped", len(h), err)
	}
}

func bitsOf32(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, x := range v {
		b[i] = math.Float32bits(x)
	}
	return b
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}
