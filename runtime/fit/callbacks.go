package fit

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Callback is a hook into Fit at the points where Keras 3's model.fit calls its callbacks
// (keras-team/keras, keras/src/backend/tensorflow/trainer.py and jax/trainer.py, fit; checked
// against Keras 3.16.0, commit 3422977a5e38):
//
//	stop_training = False; callbacks.on_train_begin()
//	for epoch: callbacks.on_epoch_begin(epoch)
//	    for each batch: train step; callbacks.on_train_batch_end(batch, logs); if stop_training: break
//	    epoch_logs = the epoch's running means; the validation pass adds val_*
//	    callbacks.on_epoch_end(epoch, epoch_logs); if stop_training: break
//	callbacks.on_train_end(logs)
//
// The user's callbacks run in the order given and before Keras' own History and ProgbarLogger
// (CallbackList appends those last), so what a callback prints at the end of an epoch comes
// before the epoch's summary line, and the messages of on_train_end after the last one. A
// callback that stops the training mid-epoch (TerminateOnNaN) still gets that epoch's logs:
// Keras breaks out of the batches, then computes the epoch's logs, runs the validation pass and
// calls on_epoch_end as usual. An error of a callback ends Fit at once, as an exception ends
// Keras' fit: no further callback of that point is called, the epoch is neither recorded nor
// summarised, and on_train_end is not called.
//
// Keras' logs are a dict of floats, sorted by key (python_utils.pythonify_logs): loss, each
// metric, and, with a validation set, val_loss and val_ before each metric. Here they are the
// Epoch the loop reports; the names of Config.Metrics are the metrics' keys.
type Callback interface {
	// TrainBegin is called once before the first epoch (Keras' on_train_begin). It resets the
	// callback's state for a new training and checks the callback against the run: an error stops
	// Fit before any training.
	TrainBegin(r *Run) error
	// EpochEnd is called after each epoch and its validation pass with the epoch's logs (Keras'
	// on_epoch_end), epoch.Epoch counting from 0; Keras' messages say epoch.Epoch+1. Setting
	// r.StopTraining ends the training after this epoch.
	EpochEnd(r *Run, epoch *Epoch) error
	// TrainEnd is called once after the last epoch, whether the epochs ran out or a callback
	// stopped the training (Keras' on_train_end).
	TrainEnd(r *Run) error
}

// BatchEnder is a Callback that also acts after every training step (Keras'
// on_train_batch_end). Fit finds its BatchEnders once, at the start.
type BatchEnder interface {
	Callback
	// BatchEnd is called after step batch of the current epoch (from 0, as Keras numbers them)
	// with loss, the epoch's running mean of the loss so far: Keras' logs["loss"] at
	// on_train_batch_end is the loss metric's result, a mean over the batches seen, not the
	// batch's own loss. Setting r.StopTraining ends the epoch after this step. It runs on the hot
	// path: it must not allocate, except to fail.
	BatchEnd(r *Run, batch int, loss float64) error
}

// Run is what callbacks see of the Fit that calls them: Keras' callback.model and params.
type Run struct {
	Net        Network
	Epochs     int      // Config.Epochs
	Metrics    []string // Config.Metrics: the metrics' keys in the logs
	Validation bool     // whether there is a validation set, so val_* in the logs
	// Progress is where callbacks print their messages, the Config's. Keras' callbacks print to
	// standard output (io_utils.print_msg) even when fit is silent; here nil prints nothing.
	Progress io.Writer
	Save     func(path string) error // Config.Save
	// StopTraining is Keras' model.stop_training: false at the start of Fit; a callback sets it
	// to stop the training after the current step (in BatchEnd) or epoch (in EpochEnd).
	StopTraining bool
}

// printf writes a message to r.Progress, if any.
func (r *Run) printf(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format, args...)
	}
}

// warn writes a Python warning's message as a line of r.Progress, if any. Keras' warnings.warn
// goes to standard error, shown once per message by Python's default filter.
func (r *Run) warn(msg string) {
	r.printf("UserWarning: %s\n", msg)
}

// logKeys returns the keys of the run's epoch logs, sorted as Keras' pythonify_logs sorts them.
func (r *Run) logKeys() []string {
	keys := append([]string{"loss"}, r.Metrics...)
	if r.Validation {
		keys = append(keys, "val_loss")
		for _, m := range r.Metrics {
			keys = append(keys, "val_"+m)
		}
	}
	slices.Sort(keys)
	return keys
}

// allKeys returns every key the logs may hold, val_ ones included, sorted.
func allKeys(r *Run) []string {
	keys := append([]string{"loss", "val_loss"}, r.Metrics...)
	for _, k := range r.Metrics {
		keys = append(keys, "val_"+k)
	}
	slices.Sort(keys)
	return keys
}

// LearningRater is implemented by a network whose optimiser's learning rate can be read and set
// between steps: Keras' optimizer.learning_rate, a variable of the optimiser's dtype (float32).
// ReduceLROnPlateau needs it.
//
// A network whose learning rate follows a schedule must not implement it: Keras' optimiser
// refuses to set a learning rate created as a LearningRateSchedule (base_optimizer.py, the
// learning_rate setter: "TypeError: This optimizer was created with a `LearningRateSchedule`
// object as its `learning_rate` constructor argument, hence its learning rate is not
// settable."). Keras raises when ReduceLROnPlateau first reduces; Fit refuses the pair at the
// start.
type LearningRater interface {
	// LearningRate returns the current learning rate, the float32 that the steps use, widened:
	// Keras' float(convert_to_numpy(optimizer.learning_rate)).
	LearningRate() float64
	// SetLearningRate sets the rate of the following steps, rounded to float32 as Keras'
	// variable.assign rounds it.
	SetLearningRate(lr float64)
}

// Snapshotter is implemented by a network whose weights can be copied out and back: Keras'
// model.get_weights and set_weights, which hold every weight of the model, trainable or not (the
// moving statistics of batch normalisation, the adapted ones of normalisation), and not the
// optimiser's state. EarlyStopping's restore_best_weights needs it.
type Snapshotter interface {
	// Snapshot copies the weights into dst[:0], growing it only when its capacity is short, and
	// returns it: a caller that passes back what it got allocates once.
	Snapshot(dst []float32) []float32
	// Restore sets the weights from a slice that Snapshot returned.
	Restore(src []float32)
}

// callbackList is a Fit's callbacks and their Run: what the loop calls. Its zero value has no
// callbacks, and every call is then free.
type callbackList struct {
	run   Run
	all   []Callback
	batch []BatchEnder
	err   error // the first error of a callback, which ends Fit
	logs  Epoch // the epoch being ended, which callbacks see through a pointer that must not escape the loop's
}

// begin starts the run: it calls every callback's TrainBegin, in order.
func (c *callbackList) begin(net Network, validation bool, cfg Config) error {
	c.run = Run{Net: net, Epochs: cfg.Epochs, Metrics: cfg.Metrics, Validation: validation, Progress: cfg.Progress, Save: cfg.Save}
	c.all, c.batch = cfg.Callbacks, nil
	for i, cb := range c.all {
		if cb == nil {
			return fmt.Errorf("fit: callback %d is nil", i)
		}
		if b, ok := cb.(BatchEnder); ok {
			c.batch = append(c.batch, b)
		}
	}
	for _, cb := range c.all {
		if err := cb.TrainBegin(&c.run); err != nil {
			return err
		}
	}
	return nil
}

// batchEnd calls the BatchEnders after step batch, whose epoch's running sums are in m, and
// reports whether the epoch must stop there (stop_training, or an error).
func (c *callbackList) batchEnd(batch int, m *meter) bool {
	if len(c.batch) == 0 {
		return false
	}
	loss := m.loss / float64(m.seen)
	for _, b := range c.batch {
		if err := b.BatchEnd(&c.run, batch, loss); err != nil {
			c.err = err
			return true
		}
	}
	return c.run.StopTraining
}

// epochEnd calls every callback's EpochEnd with the epoch's logs, and reports whether all
// succeeded.
func (c *callbackList) epochEnd(h *Epoch) bool {
	if len(c.all) == 0 {
		return true
	}
	c.logs = *h
	for _, cb := range c.all {
		if c.err = cb.EpochEnd(&c.run, &c.logs); c.err != nil {
			break
		}
	}
	*h = c.logs
	return c.err == nil
}

// end calls every callback's TrainEnd and returns the first error.
func (c *callbackList) end() error {
	for _, cb := range c.all {
		if err := cb.TrainEnd(&c.run); err != nil {
			return err
		}
	}
	return nil
}

// monitor is Keras' MonitorCallback (keras/src/callbacks/monitor_callback.py) resolved against a
// run: the monitored quantity, whether lower is better, and min_delta with Keras' sign.
type monitor struct {
	name      string
	val       bool // a val_ quantity
	metric    int  // the index in Run.Metrics; -1 for the loss
	available bool // false for a val_ quantity without a validation set: not in the logs
	less      bool
	minDelta  float64 // -|min_delta| when lower is better, +|min_delta| when higher is
	warned    bool    // the missing-quantity warning was written
}

// newMonitor resolves name and mode for the callback cb of run r. Keras' mode "auto" takes the
// direction from the quantity (MonitorCallback._set_monitor_op): min for loss and val_loss;
// otherwise, with any val_ prefix removed, the direction of the compiled metric of that name
// (accuracy maximised; mae and mse minimised); with none Keras raises "isn't able to
// automatically determine whether that metric should be maximized or minimized". Keras 2 looked
// for "acc" in the name instead; Keras 3 does not, and neither does this.
//
// Where Keras only warns (an unknown mode falls back to auto; a quantity that is in no log
// warns at every epoch end and is then ignored), newMonitor refuses with an error before the
// training. A val_ quantity without a validation set is accepted, as Keras accepts it: it is
// missing from every epoch's logs, which the callback handles as Keras does.
func newMonitor(cb, name, mode string, minDelta float64, r *Run) (monitor, error) {
	m := monitor{name: name, metric: -1}
	if name == "" || mode == "" {
		return m, fmt.Errorf("fit: %s: monitor %q and mode %q must be set (Keras' defaults are val_loss and auto, which New%s sets)", cb, name, mode, cb)
	}
	base, isVal := strings.CutPrefix(name, "val_")
	m.val = isVal
	if base != "loss" {
		m.metric = slices.Index(r.Metrics, base)
		if m.metric < 0 {
			return m, fmt.Errorf("fit: %s: monitor %q is not a key of the logs (%s)", cb, name, strings.Join(allKeys(r), ", "))
		}
	}
	m.available = !isVal || r.Validation
	switch mode {
	case "min":
		m.less = true
	case "max":
	case "auto":
		if base == "loss" {
			m.less = true
		} else if up, ok := metricUp(base); ok {
			m.less = !up
		} else {
			return m, fmt.Errorf("fit: %s callback received monitor=%s, but Keras isn't able to automatically determine whether that metric should be maximized or minimized. Pass mode \"max\" in order to monitor based on the highest metric value, or pass mode \"min\" in order to use the lowest value", cb, name)
		}
	default:
		return m, fmt.Errorf("fit: %s: mode %q is not one of auto, min, max (Keras would warn and use auto)", cb, mode)
	}
	m.minDelta = abs(minDelta)
	if m.less {
		m.minDelta = -m.minDelta
	}
	return m, nil
}

// metricUp reports whether a larger value of metric is better (Keras' metric._direction "up"),
// and whether the metric has a direction.
func metricUp(metric string) (up, ok bool) {
	switch metric {
	case "accuracy":
		return true, true
	case "mae", "mse":
		return false, true
	}
	return false, false
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// value returns the monitored quantity of an epoch's logs, and false when it is not in them.
func (m *monitor) value(h *Epoch) (float64, bool) {
	if !m.available {
		return 0, false
	}
	switch {
	case !m.val && m.metric < 0:
		return h.Loss, true
	case !m.val:
		return h.Metrics[m.metric], true
	case m.metric < 0:
		return h.ValLoss, true
	}
	return h.ValMetrics[m.metric], true
}

// improves is Keras' _is_improvement: monitor_op(current - min_delta, reference), true when there
// is no reference yet. A NaN is never an improvement on a reference, and nothing improves on a
// NaN reference.
func (m *monitor) improves(current, reference float64, hasReference bool) bool {
	if !hasReference {
		return true
	}
	if m.less {
		return current-m.minDelta < reference
	}
	return current-m.minDelta > reference
}
