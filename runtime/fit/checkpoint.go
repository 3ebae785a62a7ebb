package fit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ModelCheckpoint is Keras 3's keras.callbacks.ModelCheckpoint (keras/src/callbacks/
// model_checkpoint.py, 3.16.0) with save_freq "epoch": at the end of every epoch it saves the
// model to Filepath through Config.Save, or, with SaveBestOnly, only when the monitored quantity
// improves on the best so far (strictly: ModelCheckpoint has no min_delta). NewModelCheckpoint
// gives Keras' defaults.
//
// Filepath is a Python format string filled as Keras' filepath.format(epoch=epoch + 1, **logs):
// "ckpt-{epoch:02d}-{val_loss:.2f}.weights" names the checkpoint of the third epoch
// ckpt-03-0.42.weights. Fields are epoch (counted from 1) and the keys of the epoch's logs, with
// the specs [0][width][.precision][d|f|e|g] (see pathTemplate); a field that the logs will lack,
// or a spec nngen does not format, is refused before the training. A path without fields is
// overwritten by each save. Its folder is created when missing, as Keras does; writing the file
// atomically is Config.Save's job. An existing folder at the path is refused with Keras' error.
// Keras' rules on the file's extension (.keras, .h5, .weights.h5) are its formats' and are not
// checked; save_weights_only is Config.Save's choice, and save_freq in batches is not
// implemented.
//
// The best value starts at InitialValueThreshold (Keras' initial_value_threshold, nil for None)
// the first time the callback is used, and, as in Keras, which has no on_train_begin here, it
// carries over to later trainings with the same callback. When the logs lack the quantity
// (val_ without a validation set), SaveBestOnly warns, as Keras, and saves every epoch.
//
// Messages with Verbose above 0, each after Keras' leading empty line and before the epoch's
// summary (epoch from 1, values with five decimals, best "None" before the first):
//
//	Epoch 3: val_loss improved from 0.51234 to 0.43210, saving model to ckpt.weights
//	Epoch 4: val_loss did not improve from 0.43210
//	Epoch 5: saving model to ckpt.weights                 (without SaveBestOnly)
//	Epoch 5: finished saving model to ckpt.weights        (after every save)
//
// A failed save ends Fit with the error, as the exception ends Keras' fit.
type ModelCheckpoint struct {
	Filepath              string
	Monitor               string // Keras' default "val_loss"
	Verbose               int    // 0 silent, 1 the messages
	SaveBestOnly          bool
	Mode                  string   // "auto" (Keras' default), "min" or "max"
	InitialValueThreshold *float64 // nil: none (Keras' default None)

	m       monitor
	path    pathTemplate
	best    float64
	hasBest bool
	started bool
}

// NewModelCheckpoint returns a ModelCheckpoint to filepath with Keras' defaults: monitor
// "val_loss", verbose 0, save_best_only false, mode "auto", no initial_value_threshold.
func NewModelCheckpoint(filepath string) *ModelCheckpoint {
	return &ModelCheckpoint{Filepath: filepath, Monitor: "val_loss", Mode: "auto"}
}

// TrainBegin checks the parameters and parses Filepath. Keras resolves the monitor's direction
// at every epoch end even without save_best_only, so that an unknown monitor fails there too.
func (c *ModelCheckpoint) TrainBegin(r *Run) error {
	if c.Filepath == "" {
		return errors.New("fit: ModelCheckpoint: filepath is empty")
	}
	m, err := newMonitor("ModelCheckpoint", c.Monitor, c.Mode, 0, r)
	if err != nil {
		return err
	}
	if r.Save == nil {
		return errors.New("fit: ModelCheckpoint needs Config.Save, the function that writes the model to a path")
	}
	path, err := parsePathTemplate(c.Filepath, r)
	if err != nil {
		return err
	}
	c.m, c.path = m, path
	if !c.started {
		c.started = true
		if c.InitialValueThreshold != nil {
			c.best, c.hasBest = *c.InitialValueThreshold, true
		}
	}
	return nil
}

// EpochEnd is Keras' on_epoch_end with save_freq "epoch": _save_model.
func (c *ModelCheckpoint) EpochEnd(r *Run, h *Epoch) error {
	epoch := h.Epoch + 1
	path := c.path.format(h)
	if !c.shouldSave(r, h, epoch, path) {
		return nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return fmt.Errorf("fit: ModelCheckpoint: creating the folder of %s: %v", path, err)
			}
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("fit: ModelCheckpoint: please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: %s", path)
	}
	if err := r.Save(path); err != nil {
		return fmt.Errorf("fit: ModelCheckpoint: saving epoch %d to %s: %w", epoch, path, err)
	}
	if c.Verbose > 0 {
		r.printf("\nEpoch %d: finished saving model to %s\n", epoch, path)
	}
	return nil
}

// shouldSave is Keras' _should_save_model.
func (c *ModelCheckpoint) shouldSave(r *Run, h *Epoch, epoch int, path string) bool {
	if !c.SaveBestOnly {
		if c.Verbose > 0 {
			r.printf("\nEpoch %d: saving model to %s\n", epoch, path)
		}
		return true
	}
	current, ok := c.m.value(h)
	if !ok {
		if !c.m.warned {
			c.m.warned = true
			r.warn(fmt.Sprintf("Can save best model only with %s available.", c.m.name))
		}
		return true
	}
	best := "None"
	if c.hasBest {
		best = pyFloat(c.best, 'f', 5)
	}
	if c.m.improves(current, c.best, c.hasBest) {
		if c.Verbose > 0 {
			r.printf("\nEpoch %d: %s improved from %s to %s, saving model to %s\n", epoch, c.m.name, best, pyFloat(current, 'f', 5), path)
		}
		c.best, c.hasBest = current, true
		return true
	}
	if c.Verbose > 0 {
		r.printf("\nEpoch %d: %s did not improve from %s\n", epoch, c.m.name, best)
	}
	return false
}

// TrainEnd does nothing.
func (c *ModelCheckpoint) TrainEnd(*Run) error { return nil }

// SaveState returns the best value so far.
func (c *ModelCheckpoint) SaveState() CallbackState {
	return CallbackState{Values: []float64{c.best, flag(c.hasBest), flag(c.m.warned)}}
}

// RestoreState sets what SaveState saved.
func (c *ModelCheckpoint) RestoreState(s CallbackState) error {
	if err := checkValues(s, 3, []int{1, 2}, nil); err != nil {
		return err
	}
	if len(s.Weights) != 0 {
		return errors.New("unexpected weights")
	}
	c.best, c.hasBest, c.m.warned = s.Values[0], s.Values[1] == 1, s.Values[2] == 1
	return nil
}
