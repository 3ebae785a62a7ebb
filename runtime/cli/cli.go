// Package cli is the command line of a generated trainer program (the cmd/train that nngen
// writes beside every generated package): flags, loading the data, training, evaluating on the
// test set, saving the weights and the history. It knows nothing of the network's shapes; the
// generated main passes them in a Job.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/runtime/dataset"
	"github.com/nngen/nngen/runtime/fit"
)

// Model is what a generated Model offers the trainer program.
type Model interface {
	Init(seed uint64)
	Save(path string) error
	Load(path string) error
}

// Data says where the data set is, as the spec's data section does.
type Data struct {
	Source      string // mnist or idx
	Dir         string // the folder of the files; empty for mnist means the GoMNIST module
	TrainImages string
	TrainLabels string
	TestImages  string
	TestLabels  string
}

// Job is a generated network and its spec's settings.
type Job struct {
	Name            string // the generated package's name
	Spec            string // the spec it was generated from
	Inputs, Outputs int
	BatchSize       int
	Epochs          int
	ValidationSplit float64
	Shuffle         bool
	Seed            uint64
	Data            Data
	Model           Model
	Trainer         fit.Network
}

// Main runs the trainer program with os.Args and returns its exit status: 0 on success, 1 when
// the job failed, 2 for bad flags.
func Main(job Job) int {
	err := Run(job, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		return 2
	default:
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		return 1
	}
}

// usageError is an error in the command line.
type usageError struct{ error }

// options are the flags of the trainer program.
type options struct {
	epochs  int
	seed    uint64
	weights string
	history string
	data    string
	eval    bool
	quiet   bool
}

func parseFlags(job Job, args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: train [flags]\n\nTrains the %s network of %s on its data set, evaluates it on the test set\nand saves the weights. With -eval, evaluates saved weights instead.\n\n", job.Name, job.Spec)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.epochs, "epochs", job.Epochs, "training epochs")
	fs.Uint64Var(&o.seed, "seed", job.Seed, "seed of the initial weights and the shuffling")
	fs.StringVar(&o.weights, "weights", job.Name+".weights", "weights file: written after training, read with -eval")
	fs.StringVar(&o.history, "history", "", "write the per-epoch history as CSV to this file")
	fs.StringVar(&o.data, "data", job.Data.Dir, "folder of the data set's IDX files (empty for mnist: the GoMNIST module)")
	fs.BoolVar(&o.eval, "eval", false, "evaluate the weights file on the test set; do not train")
	fs.BoolVar(&o.quiet, "quiet", false, "print no per-epoch progress")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected argument %q; all settings are flags (see -h)", fs.Arg(0))}
	}
	if o.epochs < 1 {
		return o, usageError{fmt.Errorf("-epochs %d: want at least 1", o.epochs)}
	}
	if o.weights == "" {
		return o, usageError{errors.New("-weights: want a file name")}
	}
	return o, nil
}

// Run is Main with the arguments and outputs given.
func Run(job Job, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(job, args, stderr)
	if err != nil {
		return err
	}
	if err := asm.CheckEnv(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nngen: %s (%s) on %s kernels\n", job.Name, job.Spec, asm.Level())

	dir, err := dataDir(job.Data, o.data)
	if err != nil {
		return err
	}
	classes := max(job.Outputs, 2) // a single output is a 0/1 label
	load := func(images, labels string) (*dataset.Set, error) {
		return dataset.Load(filepath.Join(dir, images), filepath.Join(dir, labels), job.Inputs, classes)
	}
	test, err := load(job.Data.TestImages, job.Data.TestLabels)
	if err != nil {
		return err
	}
	if o.eval {
		if err := job.Model.Load(o.weights); err != nil {
			return err
		}
		return report(stdout, job, test)
	}

	// Find out now, not after the training, that the results cannot be written.
	for _, path := range []string{o.weights, o.history} {
		if err := checkWritable(path); err != nil {
			return err
		}
	}
	all, err := load(job.Data.TrainImages, job.Data.TrainLabels)
	if err != nil {
		return err
	}
	train, val := all.Split(job.ValidationSplit)
	if train.N < 1 {
		return fmt.Errorf("validation_split %g leaves no training samples of %d", job.ValidationSplit, all.N)
	}
	job.Model.Init(o.seed)
	var progress io.Writer = stdout
	if o.quiet {
		progress = nil
	}
	fmt.Fprintf(stdout, "Train on %d samples, validate on %d samples\n", train.N, val.N)
	start := time.Now()
	history, err := fit.Fit(job.Trainer, train, val, fit.Config{
		Inputs: job.Inputs, Outputs: job.Outputs, Epochs: o.epochs, BatchSize: job.BatchSize,
		Shuffle: job.Shuffle, Seed: o.seed, Progress: progress,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trained %d epochs in %.3fs\n", o.epochs, time.Since(start).Seconds())
	if o.history != "" {
		if err := fit.WriteHistory(o.history, history); err != nil {
			return err
		}
	}
	if err := job.Model.Save(o.weights); err != nil {
		return err
	}
	if err := report(stdout, job, test); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "weights written to %s\n", o.weights)
	return nil
}

// report evaluates the model on the test set and prints the closing line.
func report(stdout io.Writer, job Job, test *dataset.Set) error {
	loss, acc := fit.Evaluate(job.Trainer, test, job.Inputs, job.Outputs, job.BatchSize)
	_, err := fmt.Fprintf(stdout, "test loss: %.4f - test accuracy: %.4f\n", loss, acc)
	return err
}

// dataDir is the folder of the data files: the -data flag, or for mnist the GoMNIST module.
func dataDir(d Data, flagDir string) (string, error) {
	if flagDir != "" {
		return flagDir, nil
	}
	if d.Source == "mnist" {
		return dataset.MNISTDir()
	}
	return "", usageError{errors.New("-data: the spec's data source is idx with no dir; give the folder of its IDX files")}
}

// checkWritable reports an error when a file could not be created at path: it creates and removes
// a temporary file in path's folder. An empty path is not written and passes.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".check*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
