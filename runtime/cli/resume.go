package cli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/nngen/nngen/runtime/checkpoint"
	"github.com/nngen/nngen/runtime/dataset"
	"github.com/nngen/nngen/runtime/fit"
	"github.com/nngen/nngen/runtime/internal/atomicfile"
	"github.com/nngen/nngen/runtime/weights"
)

// stateful is what a generated network offers a checkpoint: the Model's tensors and the
// Trainer's state.
type stateful struct {
	model interface{ Tensors() []weights.Tensor }
	train interface {
		StateTensors() []weights.Tensor
		StateScalars() []weights.Scalar
		SetStateScalars([]weights.Scalar) error
	}
}

// statefulOf returns job's network as a checkpoint sees it, or an error when the generated
// package predates checkpoints.
func statefulOf(job Job) (stateful, error) {
	var s stateful
	var ok1, ok2 bool
	s.model, ok1 = job.Model.(interface{ Tensors() []weights.Tensor })
	s.train, ok2 = job.Trainer.(interface {
		StateTensors() []weights.Tensor
		StateScalars() []weights.Scalar
		SetStateScalars([]weights.Scalar) error
	})
	if !ok1 || !ok2 {
		return s, errors.New("this generated package cannot checkpoint its training: regenerate it with this nngen")
	}
	return s, nil
}

// network is the checkpoint's view of the network now.
func (s stateful) network(job Job) checkpoint.Network {
	return checkpoint.Network{Fingerprint: job.Fingerprint, Model: s.model.Tensors(), Classes: classesOf(job.Model),
		ClassCount: job.Classes, Trainer: s.train.StateTensors(), Scalars: s.train.StateScalars()}
}

// resume loads the checkpoint at path into the network (weights, class names, the trainer's
// state) and returns the fit state to continue from. The classes must be the training data's.
func resume(job Job, s stateful, path string, train *dataset.Set) (*fit.State, error) {
	classes, scalars, state, err := checkpoint.Load(path, s.network(job))
	if err != nil {
		return nil, err
	}
	if err := s.train.SetStateScalars(scalars); err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %v", path, err)
	}
	// The checkpoint file (version 1) does not keep the epochs' learning rates: unknown, they
	// are empty cells of the history.
	for i := range state.History {
		state.History[i].LearningRate = math.NaN()
	}
	if classes != nil {
		if !slices.Equal(classes, train.Classes) && train.Classes != nil {
			return nil, fmt.Errorf("checkpoint: %s: its classes are %s, the training data's %s: was it written for other data?", path, strings.Join(classes, ", "), strings.Join(train.Classes, ", "))
		}
		if c, ok := job.Model.(classifier); ok {
			if err := c.SetClasses(classes); err != nil {
				return nil, err
			}
		}
	}
	return state, nil
}

// checkpointer writes the run's checkpoints: every every-th epoch to path when path is set, and
// when the training is interrupted (to interruptPath when path is not set).
type checkpointer struct {
	job                 Job
	net                 stateful
	path, interruptPath string
	every               int
	stop                *atomic.Bool

	lastPath  string // the last checkpoint written, "" before the first
	lastEpoch int    // its epoch (epochs done), and its step within the next
	lastStep  int
}

// save is fit.Config.Checkpoint.
func (c *checkpointer) save(s *fit.State) error {
	interrupted := c.stop.Load() || s.Step > 0
	path := c.path
	switch {
	case interrupted && path == "":
		path = c.interruptPath
	case interrupted:
	case path == "" || s.Epoch%c.every != 0:
		return nil
	}
	net := c.net.network(c.job)
	if err := weights.CheckFinite(net.Model); err != nil {
		return &fit.DivergedError{Epoch: s.Epoch, Weights: err.Error()}
	}
	if err := checkpoint.Save(path, net, s); err != nil {
		return err
	}
	c.lastPath, c.lastEpoch, c.lastStep = path, s.Epoch, s.Step
	return nil
}

// where says where the last checkpoint is and how to continue from it.
func (c *checkpointer) where() string {
	if c.lastPath == "" {
		return "no checkpoint was written (set fit.checkpoint in the spec, or -checkpoint FILE, to keep one every epoch)"
	}
	at := fmt.Sprintf("the end of epoch %d", c.lastEpoch)
	if c.lastStep > 0 {
		at = fmt.Sprintf("step %d of epoch %d", c.lastStep, c.lastEpoch+1)
	}
	return fmt.Sprintf("the last checkpoint is %s, at %s: continue with -resume %s", c.lastPath, at, c.lastPath)
}

// onInterrupt makes the first SIGINT or SIGTERM set stop, so that the training ends after the
// current step and writes a checkpoint; a second one exits at once, removing any file being
// written, with the status a shell gives a process killed by that signal. The returned function
// stops listening.
func onInterrupt(stop *atomic.Bool, stderr io.Writer) func() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			stop.Store(true)
			fmt.Fprintf(stderr, "\nnngen: %v: finishing the step and writing a checkpoint (again to quit at once)\n", s)
		case <-done:
			return
		}
		select {
		case s := <-sig:
			atomicfile.RemovePending()
			fmt.Fprintf(stderr, "nngen: %v again: quitting without a checkpoint\n", s)
			os.Exit(exitStatus(s))
		case <-done:
		}
	}()
	return func() { signal.Stop(sig); close(done) }
}

// exitStatus is 128 plus the signal's number, as shells report a process a signal ended.
func exitStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
