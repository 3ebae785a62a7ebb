package fit

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
)

// State is everything of a Fit that decides the rest of its run, besides the network's own
// weights and optimiser state: where the run is, the shuffling generator, the running sums of the
// epoch under way, the history so far and the callbacks' state. Fit gives one to
// Config.Checkpoint at the end of every epoch and when it is interrupted; given back as
// Config.Resume (with the network's weights and optimiser state restored too), it continues the
// run so that every later step is the step the uninterrupted run would have taken, bit for bit.
type State struct {
	Epoch int // the epoch under way, from 0; Epochs when the run's last epoch has ended
	Step  int // the steps of Epoch already taken; 0 at an epoch's start

	// Shuffle is the shuffling generator (math/rand/v2's PCG, MarshalBinary) as it was before
	// Epoch's order was drawn, so that a resumed run draws the same order.
	Shuffle []byte
	// Rate is the learning rate that the last epoch summary showed or implied (NaN when the
	// network does not tell); the summary shows the rate when it changes from this.
	Rate float64
	// Stopped says that a callback stopped the training (StopTraining): the run is over but
	// for the callbacks' TrainEnd, which a resumed Fit calls.
	Stopped bool

	// The epoch under way: its running sums (Step steps, Seen samples) and the seconds it has
	// taken so far. They are zero at an epoch's start.
	Loss    float64
	Metrics []float64 // one sum per Config.Metrics
	Seen    int
	Seconds float64

	History   []Epoch         // the epochs ended so far
	Callbacks []CallbackState // one per Config.Callbacks, in order
}

// CallbackState is the state of one callback, as a Stater saves it.
type CallbackState struct {
	Kind    string    // the callback's kind, such as "EarlyStopping": a resumed run checks it
	Values  []float64 // its counters and best values, in an order the callback chooses
	Weights []float32 // weights it keeps (EarlyStopping's best epoch's), or nil
}

// Stater is a Callback whose state carries over from epoch to epoch (a best value, a wait
// count), which a checkpoint must save for a resumed run to decide as the uninterrupted one.
// Callbacks without such state need not implement it: their CallbackState has only a Kind.
type Stater interface {
	Callback
	// SaveState returns the callback's state after the last EpochEnd.
	SaveState() CallbackState
	// RestoreState sets the state saved by SaveState; Fit calls it after TrainBegin. It returns
	// an error, changing nothing, when s does not fit this callback.
	RestoreState(s CallbackState) error
}

// ErrInterrupted is the error of a Fit that Config.Stop stopped; Fit wraps it with where.
var ErrInterrupted = errors.New("training interrupted")

// DivergedError is the error of a Fit whose loss, or whose weights, became NaN or infinite.
type DivergedError struct {
	Epoch, Step int     // the step (from 1) of the epoch (from 1) whose loss was not finite
	Loss        float64 // that step's loss
	// Weights, when not empty, says which weight is not finite at the end of Epoch (Step is
	// then 0): a Config.Checkpoint that refuses to save them returns this.
	Weights string
}

func (e *DivergedError) Error() string {
	if e.Weights != "" {
		return fmt.Sprintf("training diverged: at the end of epoch %d, %s", e.Epoch, e.Weights)
	}
	return fmt.Sprintf("training diverged: the loss of step %d of epoch %d is %v", e.Step, e.Epoch, e.Loss)
}

// kindOf names a callback's type for CallbackState.Kind.
func kindOf(cb Callback) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", cb), "*fit.")
}

// state returns the loop's state for a checkpoint; at an epoch's end (step 0 of the next), the
// epoch's sums are zero.
func (l *loop) state(history []Epoch) *State {
	s := &State{
		Epoch: l.epochAt, Step: l.stepAt, Rate: l.rate, Stopped: l.cb.run.StopTraining,
		History: history, Callbacks: make([]CallbackState, len(l.cfg.Callbacks)),
	}
	s.Shuffle, _ = l.epochRNG.MarshalBinary() // a PCG's never fails
	if l.stepAt > 0 {
		s.Loss, s.Seen, s.Seconds = l.meter.loss, l.meter.seen, l.elapsed
		s.Metrics = append([]float64(nil), l.meter.metrics...)
	} else {
		s.Metrics = make([]float64, len(l.cfg.Metrics))
	}
	for i, cb := range l.cfg.Callbacks {
		if st, ok := cb.(Stater); ok {
			s.Callbacks[i] = st.SaveState()
		}
		s.Callbacks[i].Kind = kindOf(cb)
	}
	return s
}

// checkResume returns an error when s cannot continue a run of cfg over n training samples.
func checkResume(s *State, cfg Config, n int) error {
	bs := cfg.BatchSize
	steps := (n + bs - 1) / bs
	var pcg rand.PCG
	switch {
	case s.Epoch < 0 || s.Epoch > cfg.Epochs:
		return fmt.Errorf("fit: resume: the checkpoint is at epoch %d; this run has %d epochs (give at least %d)", s.Epoch+1, cfg.Epochs, s.Epoch)
	case len(s.History) != s.Epoch:
		return fmt.Errorf("fit: resume: the checkpoint holds %d epochs of history at epoch %d", len(s.History), s.Epoch+1)
	case s.Step < 0 || s.Step >= max(steps, 1):
		return fmt.Errorf("fit: resume: the checkpoint is at step %d of an epoch of %d steps (%d samples in batches of %d): was it written for other data or another batch size?", s.Step, steps, n, bs)
	case s.Seen != min(s.Step*bs, n):
		return fmt.Errorf("fit: resume: the checkpoint has seen %d samples in %d steps of %d: was it written for another batch size?", s.Seen, s.Step, bs)
	case len(s.Metrics) != len(cfg.Metrics):
		return fmt.Errorf("fit: resume: the checkpoint has %d metrics, this run %d (%s)", len(s.Metrics), len(cfg.Metrics), strings.Join(cfg.Metrics, ", "))
	case pcg.UnmarshalBinary(s.Shuffle) != nil:
		return errors.New("fit: resume: the checkpoint's shuffling state is not a PCG's")
	case len(s.Callbacks) != len(cfg.Callbacks):
		return fmt.Errorf("fit: resume: the checkpoint has %d callbacks, this run %d", len(s.Callbacks), len(cfg.Callbacks))
	}
	for i, h := range s.History {
		if h.Epoch != i || len(h.Metrics) != len(cfg.Metrics) || len(h.ValMetrics) != len(cfg.Metrics) {
			return fmt.Errorf("fit: resume: the checkpoint's history line %d is not epoch %d of %d metrics", i, i, len(cfg.Metrics))
		}
	}
	for i, cb := range cfg.Callbacks {
		if k := kindOf(cb); s.Callbacks[i].Kind != k {
			return fmt.Errorf("fit: resume: callback %d is %s in the checkpoint, %s in this run", i, s.Callbacks[i].Kind, k)
		}
	}
	return nil
}

// resume puts s into the loop, after the callbacks' TrainBegin; it returns the history so far.
func (l *loop) resume(s *State) ([]Epoch, error) {
	for i, cb := range l.cfg.Callbacks {
		if st, ok := cb.(Stater); ok {
			if err := st.RestoreState(s.Callbacks[i]); err != nil {
				return nil, fmt.Errorf("fit: resume: callback %d (%s): %v", i, kindOf(cb), err)
			}
		}
	}
	if err := l.rng.src.UnmarshalBinary(s.Shuffle); err != nil {
		return nil, err // checked by checkResume
	}
	l.epochRNG = l.rng.src
	l.epochAt, l.stepAt, l.rate = s.Epoch, s.Step, s.Rate
	l.cb.run.StopTraining = s.Stopped
	l.meter.loss, l.meter.seen, l.elapsed = s.Loss, s.Seen, s.Seconds
	copy(l.meter.metrics, s.Metrics)
	history := make([]Epoch, 0, max(len(s.History), min(l.cfg.Epochs, 1024)))
	for i, h := range s.History {
		k := len(l.cfg.Metrics)
		mine := l.values[2*k*i : 2*k*(i+1) : 2*k*(i+1)]
		copy(mine, h.Metrics)
		copy(mine[k:], h.ValMetrics)
		h.Metrics, h.ValMetrics = mine[:k:k], mine[k:]
		history = append(history, h)
	}
	return history, nil
}

// flag is a boolean as the callbacks' SaveState keeps it, 0 or 1; their counters are kept as
// float64 too, exactly (they are far below 2⁵³).
func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// checkValues returns an error unless s is of kind and holds n values, each boolean where isFlag
// says (0 or 1) and each counter an integer of at least 0 where isCount says.
func checkValues(s CallbackState, n int, isFlag, isCount []int) error {
	if len(s.Values) != n {
		return fmt.Errorf("%d values, want %d", len(s.Values), n)
	}
	for _, i := range isFlag {
		if v := s.Values[i]; v != 0 && v != 1 {
			return fmt.Errorf("value %d is %v, want 0 or 1", i, v)
		}
	}
	for _, i := range isCount {
		if v := s.Values[i]; !(v >= 0 && v <= 1<<31) || v != float64(int(v)) {
			return fmt.Errorf("value %d is %v, want a count", i, v)
		}
	}
	return nil
}
