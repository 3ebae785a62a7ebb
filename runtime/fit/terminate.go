package fit

import (
	"fmt"
	"math"
)

// TerminateOnNaN is Keras 3's keras.callbacks.TerminateOnNaN (keras/src/callbacks/
// terminate_on_nan.py, 3.16.0): after every training step whose logs' loss is NaN or infinite it
// prints "Batch 12: Invalid loss, terminating training" (the step's index in its epoch, from 0;
// Keras prints it whatever the verbosity) and stops the training. The loss it checks is Keras'
// logs["loss"] at on_train_batch_end, the epoch's running mean so far: it is not finite from the
// first step whose loss is not finite on.
//
// Stopping is Keras' graceful stop: the epoch ends there, its logs are the means over the steps
// run, the validation pass runs, every callback's EpochEnd and TrainEnd are called (so
// EarlyStopping may restore the best weights), and the epoch is in the history. With RaiseError
// (Keras' raise_error=True) Fit instead returns at once with the error "NaN or Inf loss
// encountered at batch 12. Loss value: nan. Terminating training immediately.", without the
// epoch's end or the training's.
type TerminateOnNaN struct {
	RaiseError bool
}

// TrainBegin does nothing.
func (*TerminateOnNaN) TrainBegin(*Run) error { return nil }

// BatchEnd is Keras' on_batch_end; it allocates nothing unless the loss is not finite.
func (t *TerminateOnNaN) BatchEnd(r *Run, batch int, loss float64) error {
	if !math.IsNaN(loss) && !math.IsInf(loss, 0) {
		return nil
	}
	if t.RaiseError {
		return fmt.Errorf("fit: NaN or Inf loss encountered at batch %d. Loss value: %s. Terminating training immediately.", batch, pyRepr(loss))
	}
	r.printf("Batch %d: Invalid loss, terminating training\n", batch)
	r.StopTraining = true
	return nil
}

// EpochEnd does nothing.
func (*TerminateOnNaN) EpochEnd(*Run, *Epoch) error { return nil }

// TrainEnd does nothing.
func (*TerminateOnNaN) TrainEnd(*Run) error { return nil }
