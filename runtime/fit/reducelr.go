package fit

import (
	"errors"
	"fmt"
	"math"
)

// ReduceLROnPlateau is Keras 3's keras.callbacks.ReduceLROnPlateau (keras/src/callbacks/
// reduce_lr_on_plateau.py, 3.16.0): it multiplies the learning rate by Factor when the monitored
// quantity has not improved for Patience epochs. NewReduceLROnPlateau gives Keras' defaults.
//
// At the end of each epoch whose logs hold the quantity, with best the best value so far (none at
// the start):
//
//	if cooldown_counter > 0: cooldown_counter -= 1; wait = 0
//	if current improves on best by more than min_delta: best = current; wait = 0
//	elif cooldown_counter == 0:
//	    wait += 1
//	    if wait >= patience:
//	        old_lr = the learning rate
//	        if old_lr > float32(min_lr):
//	            new_lr = max(old_lr * factor, min_lr); set it
//	            cooldown_counter = cooldown; wait = 0
//
// So with patience p the rate drops at the end of the p-th epoch in a row without improvement
// (the first for p 0 or 1), and after a drop the next cooldown epochs neither count nor drop;
// once the rate is at min_lr nothing changes, and wait keeps growing. old_lr is the optimiser's
// float32 rate widened to float64 and new_lr is computed in float64, then rounded to float32 by
// the optimiser. With Verbose above 0 each drop prints, before the epoch's summary line and with
// Keras' leading empty line,
//
//	Epoch 12: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.
//
// the epoch counted from 1 and new_lr as Python prints a float (repr): 0.001 is a float32 whose
// tenth in float64 is 0.00010000000474974513; a rate clamped to a min_lr of 1e-05 prints 1e-05.
//
// The network must implement LearningRater: a learning rate that follows a schedule cannot be
// set (Keras raises a TypeError at the first reduction; Fit refuses at the start). When the logs
// lack the quantity it warns, as Keras, and does nothing, the cooldown included.
//
// Keras also writes the rate into the epoch's logs as learning_rate, before reducing it, so that
// its history and its summary line show it; nngen's Epoch keeps it as LearningRate, which
// WriteHistory writes as the learning_rate column once it has changed.
type ReduceLROnPlateau struct {
	Monitor  string  // Keras' default "val_loss"
	Factor   float64 // new_lr = lr * factor; Keras' default 0.1, below 1
	Patience int     // Keras' default 10
	Verbose  int     // 0 silent, 1 the messages
	Mode     string  // "auto" (Keras' default), "min" or "max"
	MinDelta float64 // Keras' default 1e-4; its sign is ignored
	Cooldown int     // epochs after a reduction before normal operation resumes; Keras' default 0
	MinLR    float64 // the lower bound of the rate; Keras' default 0

	m        monitor
	lr       LearningRater
	best     float64
	hasBest  bool
	wait     int
	cooldown int // Keras' cooldown_counter
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau with Keras' defaults: monitor "val_loss",
// factor 0.1, patience 10, verbose 0, mode "auto", min_delta 1e-4, cooldown 0, min_lr 0.
func NewReduceLROnPlateau() *ReduceLROnPlateau {
	return &ReduceLROnPlateau{Monitor: "val_loss", Factor: 0.1, Patience: 10, Mode: "auto", MinDelta: 1e-4}
}

// TrainBegin checks the parameters and resets the state (Keras' on_train_begin: _reset).
func (c *ReduceLROnPlateau) TrainBegin(r *Run) error {
	if !(c.Factor < 1) {
		return fmt.Errorf("fit: ReduceLROnPlateau does not support a factor >= 1.0; got factor=%g", c.Factor)
	}
	if c.Factor < 0 || c.Patience < 0 || c.Cooldown < 0 || !(c.MinLR >= 0) || math.IsInf(c.MinLR, 0) {
		return fmt.Errorf("fit: ReduceLROnPlateau: factor %g, patience %d, cooldown %d and min_lr %g must be ≥ 0 (min_lr finite)", c.Factor, c.Patience, c.Cooldown, c.MinLR)
	}
	m, err := newMonitor("ReduceLROnPlateau", c.Monitor, c.Mode, c.MinDelta, r)
	if err != nil {
		return err
	}
	lr, ok := r.Net.(LearningRater)
	if !ok {
		return errors.New("fit: ReduceLROnPlateau needs a network whose learning rate can be set (fit.LearningRater); " +
			"a learning rate that follows a schedule cannot be (Keras: \"This optimizer was created with a `LearningRateSchedule` object " +
			"as its `learning_rate` constructor argument, hence its learning rate is not settable\")")
	}
	c.m, c.lr, c.hasBest, c.wait, c.cooldown = m, lr, false, 0, 0
	return nil
}

// EpochEnd is Keras' on_epoch_end; it allocates nothing unless it prints.
func (c *ReduceLROnPlateau) EpochEnd(r *Run, h *Epoch) error {
	current, ok := c.m.value(h)
	if !ok {
		if !c.m.warned {
			c.m.warned = true
			r.warn(fmt.Sprintf("Learning rate reduction is conditioned on metric `%s` which is not available. Available metrics are: %s,learning_rate.", c.m.name, joinKeys(r)))
		}
		return nil
	}
	if c.cooldown > 0 {
		c.cooldown--
		c.wait = 0
	}
	if c.m.improves(current, c.best, c.hasBest) {
		c.best, c.hasBest, c.wait = current, true, 0
		return nil
	}
	if c.cooldown > 0 {
		return nil
	}
	c.wait++
	if c.wait >= c.Patience && c.reduce(r, h.Epoch) {
		c.cooldown, c.wait = c.Cooldown, 0
	}
	return nil
}

// reduce is Keras' _reduce_optimizer_lr.
func (c *ReduceLROnPlateau) reduce(r *Run, epoch int) bool {
	old := c.lr.LearningRate()
	// old_lr > np.float32(min_lr): with NumPy 2's promotion rules the Python float meets the
	// float32 as a float32.
	if !(float32(old) > float32(c.MinLR)) {
		return false
	}
	lr := old * c.Factor
	if c.MinLR > lr { // Python's max(new_lr, min_lr) keeps new_lr unless min_lr is larger
		lr = c.MinLR
	}
	c.lr.SetLearningRate(lr)
	if c.Verbose > 0 {
		r.printf("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch+1, pyRepr(lr))
	}
	return true
}

// TrainEnd does nothing.
func (c *ReduceLROnPlateau) TrainEnd(*Run) error { return nil }

// SaveState returns the best value, the wait and the cooldown counters.
func (c *ReduceLROnPlateau) SaveState() CallbackState {
	return CallbackState{Values: []float64{c.best, flag(c.hasBest), float64(c.wait), float64(c.cooldown), flag(c.m.warned)}}
}

// RestoreState sets what SaveState saved.
func (c *ReduceLROnPlateau) RestoreState(s CallbackState) error {
	if err := checkValues(s, 5, []int{1, 4}, []int{2, 3}); err != nil {
		return err
	}
	if len(s.Weights) != 0 {
		return errors.New("unexpected weights")
	}
	v := s.Values
	c.best, c.hasBest, c.wait, c.cooldown, c.m.warned = v[0], v[1] == 1, int(v[2]), int(v[3]), v[4] == 1
	return nil
}
