package fit

import (
	"errors"
	"fmt"
	"strings"
)

// EarlyStopping is Keras 3's keras.callbacks.EarlyStopping (keras/src/callbacks/
// early_stopping.py, 3.16.0): it stops the training when the monitored quantity has stopped
// improving. NewEarlyStopping gives Keras' defaults.
//
// At the end of each epoch from StartFromEpoch on (epochs count from 0) whose logs hold the
// quantity, with best the best value so far (none at the start: the first monitored epoch is
// always an improvement):
//
//	wait += 1
//	if current improves on best by more than min_delta:
//	    best, best_epoch = current, epoch (and the weights are copied, with restore_best_weights)
//	    if baseline is None or current improves on baseline by more than min_delta: wait = 0
//	elif wait >= patience and epoch > 0:
//	    stop the training after this epoch
//
// So the training stops at the end of the patience-th epoch in a row without improvement (the
// first such epoch for patience 0 and 1 alike), never at the end of epoch 0. The baseline is not a
// starting best: an epoch that improves on the best but not on the baseline does not reset the
// wait, so that a training that never beats the baseline stops after patience epochs (Keras 3:
// best starts as None in on_train_begin; Keras 2 started it at the baseline).
//
// With RestoreBestWeights, the weights of the best epoch are put back at the end of the training,
// whether it stopped early or ran out of epochs or another callback stopped it, and even when no
// epoch beat the baseline (on_train_end restores whenever weights were kept). Messages, with
// Verbose above 0, at the end of the training: "Epoch 7: early stopping" when it stopped the
// training at the end of the seventh epoch, then "Restoring model weights from the end of the
// best epoch: 5." when it restores (epochs counted from 1 in messages).
//
// When the logs lack the quantity (val_ without a validation set) it warns, as Keras, and does
// nothing.
type EarlyStopping struct {
	Monitor            string   // Keras' default "val_loss"
	MinDelta           float64  // the least change that counts as an improvement; its sign is ignored
	Patience           int      // epochs without improvement before stopping
	Verbose            int      // 0 silent, 1 the messages
	Mode               string   // "auto" (Keras' default), "min" or "max"
	Baseline           *float64 // nil: none (Keras' default None)
	RestoreBestWeights bool
	StartFromEpoch     int // epochs (from 0) before the monitoring starts

	m            monitor
	wait         int
	stoppedEpoch int
	best         float64
	hasBest      bool
	bestEpoch    int
	weights      []float32 // the best epoch's weights, allocated once
	hasWeights   bool
	net          Snapshotter
}

// NewEarlyStopping returns an EarlyStopping with Keras' defaults: monitor "val_loss", min_delta
// 0, patience 0, verbose 0, mode "auto", no baseline, restore_best_weights false,
// start_from_epoch 0.
func NewEarlyStopping() *EarlyStopping {
	return &EarlyStopping{Monitor: "val_loss", Mode: "auto"}
}

// TrainBegin resets the state (Keras' on_train_begin, "to allow instances to be re-used across
// model.fit() calls", keeping the buffer of the weights) and checks the parameters.
func (e *EarlyStopping) TrainBegin(r *Run) error {
	m, err := newMonitor("EarlyStopping", e.Monitor, e.Mode, e.MinDelta, r)
	if err != nil {
		return err
	}
	if e.Patience < 0 || e.StartFromEpoch < 0 {
		return fmt.Errorf("fit: EarlyStopping: patience %d and start_from_epoch %d must be ≥ 0", e.Patience, e.StartFromEpoch)
	}
	e.net = nil
	if e.RestoreBestWeights {
		s, ok := r.Net.(Snapshotter)
		if !ok {
			return errors.New("fit: EarlyStopping: restore_best_weights needs a network whose weights can be copied (fit.Snapshotter)")
		}
		e.net = s
	}
	e.m, e.wait, e.stoppedEpoch, e.hasBest, e.bestEpoch, e.hasWeights = m, 0, 0, false, 0, false
	return nil
}

// EpochEnd is Keras' on_epoch_end; it allocates nothing, except the buffer of the weights once.
func (e *EarlyStopping) EpochEnd(r *Run, h *Epoch) error {
	current, ok := e.m.value(h)
	if !ok {
		if !e.m.warned {
			e.m.warned = true
			r.warn(fmt.Sprintf("Early stopping conditioned on metric `%s` which is not available. Available metrics are: %s", e.m.name, joinKeys(r)))
		}
		return nil
	}
	epoch := h.Epoch
	if epoch < e.StartFromEpoch {
		return nil
	}
	if e.net != nil && !e.hasWeights {
		// "If best weights were never set, then the current weights are the best."
		e.snapshot(epoch)
	}
	e.wait++
	if e.m.improves(current, e.best, e.hasBest) {
		e.best, e.hasBest, e.bestEpoch = current, true, epoch
		if e.net != nil {
			e.snapshot(epoch)
		}
		// "Only restart wait if we beat both the baseline and our previous best."
		if e.Baseline == nil || e.m.improves(current, *e.Baseline, true) {
			e.wait = 0
		}
		return nil
	}
	if e.wait >= e.Patience && epoch > 0 {
		e.stoppedEpoch = epoch
		r.StopTraining = true
	}
	return nil
}

func (e *EarlyStopping) snapshot(epoch int) {
	e.weights = e.net.Snapshot(e.weights)
	e.hasWeights, e.bestEpoch = true, epoch
}

// TrainEnd is Keras' on_train_end: the messages, and the restoring of the best weights.
func (e *EarlyStopping) TrainEnd(r *Run) error {
	if e.stoppedEpoch > 0 && e.Verbose > 0 {
		r.printf("Epoch %d: early stopping\n", e.stoppedEpoch+1)
	}
	if e.net != nil && e.hasWeights {
		if e.Verbose > 0 {
			r.printf("Restoring model weights from the end of the best epoch: %d.\n", e.bestEpoch+1)
		}
		e.net.Restore(e.weights)
	}
	return nil
}

// StoppedEpoch returns the epoch (from 0) at whose end the callback stopped the last training,
// or 0 when it did not stop it (Keras' stopped_epoch).
func (e *EarlyStopping) StoppedEpoch() int { return e.stoppedEpoch }

// BestEpoch returns the epoch (from 0) of the best value of the last training (Keras'
// best_epoch), and whether there was one.
func (e *EarlyStopping) BestEpoch() (int, bool) { return e.bestEpoch, e.hasBest || e.hasWeights }

// joinKeys is Keras' ','.join(logs.keys()).
func joinKeys(r *Run) string { return strings.Join(r.logKeys(), ",") }

// SaveState returns the counters, the best value and epoch, and the best epoch's weights.
func (e *EarlyStopping) SaveState() CallbackState {
	s := CallbackState{Values: []float64{float64(e.wait), float64(e.stoppedEpoch), e.best, flag(e.hasBest),
		float64(e.bestEpoch), flag(e.hasWeights), flag(e.m.warned)}}
	if e.hasWeights {
		s.Weights = append([]float32(nil), e.weights...)
	}
	return s
}

// RestoreState sets what SaveState saved.
func (e *EarlyStopping) RestoreState(s CallbackState) error {
	if err := checkValues(s, 7, []int{3, 5, 6}, []int{0, 1, 4}); err != nil {
		return err
	}
	v := s.Values
	hasWeights := v[5] == 1
	switch {
	case hasWeights && e.net == nil:
		return errors.New("the checkpoint keeps best weights, this run does not restore them")
	case hasWeights && len(s.Weights) != len(e.net.Snapshot(nil)):
		return fmt.Errorf("the checkpoint's best weights are %d values, the network's %d", len(s.Weights), len(e.net.Snapshot(nil)))
	case !hasWeights && len(s.Weights) != 0:
		return errors.New("weights without the flag that says they are kept")
	}
	e.wait, e.stoppedEpoch, e.best, e.hasBest, e.bestEpoch, e.hasWeights, e.m.warned =
		int(v[0]), int(v[1]), v[2], v[3] == 1, int(v[4]), hasWeights, v[6] == 1
	if hasWeights {
		e.weights = append(e.weights[:0], s.Weights...)
	}
	return nil
}
