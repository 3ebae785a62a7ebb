// Package cli is the command line of a generated trainer program (the cmd/train that nngen
// writes beside every generated package): flags, loading the data, adapting the preprocessing
// statistics, training, evaluating on the test set, predicting, saving the weights and the
// history. It knows nothing of the network's shapes; the generated main passes them in a Job.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/runtime/dataset"
	"github.com/nngen/nngen/runtime/fit"
)

// Model is what a generated Model offers the trainer program. A classifier's Model also has
// Classes and SetClasses (see classifier).
type Model interface {
	Init(seed uint64)
	Save(path string) error
	Load(path string) error
}

// classifier is what a generated classifier's Model adds: the names of its classes.
type classifier interface {
	Classes() []string
	SetClasses(names []string) error
}

// Data says where the data set is, as the spec's data section does.
type Data struct {
	Source      string // mnist, idx or csv
	Dir         string // idx, mnist: the folder of the files (empty for mnist: the GoMNIST module); csv: the folder the files are relative to
	TrainImages string // idx, mnist
	TrainLabels string
	TestImages  string
	TestLabels  string

	Train, Test string           // csv: the files of the training and the test rows
	TestSplit   float64          // csv: with no Test, the fraction of Train's rows drawn as the test set
	Header      bool             // csv: the first row names the columns
	Delimiter   rune             // csv: the field separator
	Label       []dataset.Column // csv: the label column(s); empty means the last column
	Features    []dataset.Column // csv: the feature columns; empty means every other column
}

// Job is a generated network and its spec's settings.
type Job struct {
	Name            string // the generated package's name
	Spec            string // the spec it was generated from
	Inputs, Outputs int
	Shape           []int // the spec's input shape, for images given to -predict
	BatchSize       int
	Epochs          int
	ValidationSplit float64
	Shuffle         bool
	Seed            uint64
	Loss            string   // the spec's loss
	Metrics         []string // the spec's metrics, each one of fit.Metrics
	Classes         int      // a classifier's number of classes; 0 for regression
	Data            Data
	Fingerprint     uint64 // the generated package's, which its weights and checkpoint files carry
	Checkpoint      string // the spec's fit.checkpoint.path; "" for none
	CheckpointEvery int    // the spec's fit.checkpoint.every (0 means 1)
	Model           Model
	Trainer         fit.Network
	Predict         func(x, y []float32) // many samples at once: the package's BatchPredictor.Predict

	AdaptInputs  func(mean, variance []float64) // nil, or sets a normalization layer's statistics
	AdaptLabels  func(mean, variance []float64) // nil, or sets the labels' standardisation
	Callbacks    []fit.Callback                 // the spec's callbacks, run by the fit loop
	ClassWeights []ClassWeight                  // the spec's fit.class_weight; nil for none
}

// ClassWeight is one entry of a spec's fit.class_weight: a class by name (CSV labels) or index.
type ClassWeight struct {
	Name   string
	Index  int
	Weight float64
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
	case errors.Is(err, fit.ErrInterrupted):
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(os.Args[0]), err)
		return 130 // as a shell reports a process that SIGINT ended
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

	checkpoint string // where to keep the run's checkpoint
	every      int    // every how many epochs
	resume     string // the checkpoint to continue from
	eval       bool
	reportData string // -eval's confusion matrix or (true, predicted) pairs, as CSV
	predict    bool
	quiet      bool
	inputs     []string // -predict's files
}

func parseFlags(job Job, args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: train [flags]\n       train -predict [flags] [INPUT...]\n\n"+
			"Trains the %s network of %s on its data set, evaluates it on the test set\n"+
			"and saves the weights. With -eval, evaluates saved weights instead and prints,\n"+
			"for a classifier, the confusion matrix and scikit-learn's classification report,\n"+
			"for regression, each output's MAE, RMSE and R²; with -predict, prints the\n"+
			"predictions of saved weights for the rows of CSV files (standard input when none\n"+
			"is given) or for PNG and JPEG images.\n\n", job.Name, job.Spec)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.epochs, "epochs", job.Epochs, "training epochs")
	fs.Uint64Var(&o.seed, "seed", job.Seed, "seed of the initial weights and the shuffling")
	fs.StringVar(&o.weights, "weights", job.Name+".weights", "weights file: written after training, read with -eval and -predict")
	fs.StringVar(&o.history, "history", "", "write the per-epoch history as CSV to this file")
	dataHelp := "folder of the data set's IDX files (empty for mnist: the GoMNIST module)"
	if job.Data.Source == "csv" {
		dataHelp = "folder that the spec's CSV files are relative to"
	}
	fs.StringVar(&o.data, "data", job.Data.Dir, dataHelp)
	fs.BoolVar(&o.eval, "eval", false, "evaluate the weights file on the test set and print the evaluation report; do not train")
	fs.StringVar(&o.reportData, "report-data", "", "with -eval, write the confusion matrix (a classifier) or the true and predicted values (regression) of the test set as CSV to this file")
	fs.BoolVar(&o.predict, "predict", false, "print the predictions of the weights file for the inputs; do not train")
	fs.BoolVar(&o.quiet, "quiet", false, "print no per-epoch progress")
	fs.StringVar(&o.checkpoint, "checkpoint", job.Checkpoint, "keep a checkpoint of the run in this file, written at the end of every -checkpoint-every epochs and when interrupted (SIGINT, SIGTERM)")
	fs.IntVar(&o.every, "checkpoint-every", max(job.CheckpointEvery, 1), "epochs between checkpoints")
	fs.StringVar(&o.resume, "resume", "", "continue the run that wrote this checkpoint (same spec, data, -seed and -epochs give the uninterrupted run's weights)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	o.inputs = fs.Args()
	switch {
	case len(o.inputs) > 0 && !o.predict:
		return o, usageError{fmt.Errorf("unexpected argument %q; all settings are flags (see -h), and only -predict takes input files", fs.Arg(0))}
	case o.eval && o.predict:
		return o, usageError{errors.New("-eval and -predict: choose one")}
	case o.epochs < 1:
		return o, usageError{fmt.Errorf("-epochs %d: want at least 1", o.epochs)}
	case o.weights == "":
		return o, usageError{errors.New("-weights: want a file name")}
	case o.every < 1:
		return o, usageError{fmt.Errorf("-checkpoint-every %d: want at least 1", o.every)}
	case o.reportData != "" && !o.eval:
		return o, usageError{errors.New("-report-data writes what -eval finds; give -eval too")}
	case (o.eval || o.predict) && o.resume != "":
		return o, usageError{errors.New("-resume continues a training; it does not go with -eval or -predict")}
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
	if o.predict {
		if err := job.Model.Load(o.weights); err != nil {
			return err
		}
		return predict(job, o, os.Stdin, stdout)
	}
	fmt.Fprintf(stdout, "nngen: %s (%s) on %s kernels\n", job.Name, job.Spec, asm.Level())
	data, err := dataDir(job.Data, o.data)
	if err != nil {
		return err
	}
	if o.eval {
		if err := checkWritable(o.reportData); err != nil {
			return err
		}
		if err := job.Model.Load(o.weights); err != nil {
			return err
		}
		test, err := loadTest(job, data, classesOf(job.Model), stdout)
		if err != nil {
			return err
		}
		if err := evalReport(stdout, stderr, job, test, o.reportData); err != nil {
			return err
		}
		return report(stdout, job, test)
	}

	// Find out now, not after the training, that the results cannot be written.
	for _, path := range []string{o.weights, o.history, o.checkpoint} {
		if err := checkWritable(path); err != nil {
			return err
		}
	}
	all, test, err := loadTrain(job, data, stdout)
	if err != nil {
		return err
	}
	train, val := all.Split(job.ValidationSplit)
	if train.N < 1 {
		return fmt.Errorf("validation_split %g leaves no training samples of %d", job.ValidationSplit, all.N)
	}
	job.Model.Init(o.seed)
	if s, ok := job.Trainer.(interface{ SetSeed(uint64) }); ok {
		s.SetSeed(o.seed) // the dropout masks follow the seed too
	}
	if err := adapt(job, train); err != nil {
		return err
	}
	if err := weighClasses(job, train); err != nil {
		return err
	}
	net, err := statefulOf(job)
	if err != nil && (o.checkpoint != "" || o.resume != "") {
		return err
	}
	var resumed *fit.State
	if o.resume != "" {
		if resumed, err = resume(job, net, o.resume, train); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Resuming %s: %d epochs done, %d steps into the next\n", o.resume, resumed.Epoch, resumed.Step)
	}
	stop := new(atomic.Bool)
	ckpt := &checkpointer{job: job, net: net, path: o.checkpoint, interruptPath: o.weights + ".ckpt", every: o.every, stop: stop}
	var save func(*fit.State) error
	if net.train != nil {
		save = ckpt.save
		defer onInterrupt(stop, stderr)()
	}
	var progress io.Writer = stdout
	if o.quiet {
		progress = nil
	}
	if val.N > 0 {
		fmt.Fprintf(stdout, "Train on %d samples, validate on %d samples\n", train.N, val.N)
	} else {
		fmt.Fprintf(stdout, "Train on %d samples\n", train.N)
	}
	start := time.Now()
	history, err := fit.Fit(job.Trainer, train, val, fit.Config{
		Inputs: job.Inputs, Outputs: job.Outputs, Epochs: o.epochs, BatchSize: job.BatchSize,
		Shuffle: job.Shuffle, Seed: o.seed, Metrics: job.Metrics, Progress: progress,
		Callbacks: job.Callbacks, Save: job.Model.Save,
		Resume: resumed, Checkpoint: save, Stop: stop,
	})
	if err != nil {
		if o.history != "" && len(history) > 0 {
			if herr := fit.WriteHistory(o.history, job.Metrics, history); herr == nil {
				fmt.Fprintf(stdout, "history so far written to %s\n", o.history)
			}
		}
		var d *fit.DivergedError
		switch {
		case errors.As(err, &d):
			return fmt.Errorf("%v; the weights were not written; %s, with a lower learning rate", err, ckpt.where())
		case errors.Is(err, fit.ErrInterrupted):
			return fmt.Errorf("%w; %s", err, ckpt.where())
		}
		return err
	}
	fmt.Fprintf(stdout, "trained %d epochs in %.3fs\n", len(history), time.Since(start).Seconds())
	if o.history != "" {
		if err := fit.WriteHistory(o.history, job.Metrics, history); err != nil {
			return err
		}
	}
	if err := job.Model.Save(o.weights); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "weights written to %s\n", o.weights)
	// The last line is the test loss and metrics, as Keras' evaluate reports them.
	return report(stdout, job, test)
}

// adapt sets the statistics that preprocessing adapts to the training rows, and names the
// classes after the training data's.
func adapt(job Job, train *dataset.Set) error {
	if c, ok := job.Model.(classifier); ok {
		if err := c.SetClasses(train.Classes); err != nil {
			return err
		}
	}
	if job.AdaptInputs != nil {
		job.AdaptInputs(train.FeatureMoments())
	}
	if job.AdaptLabels != nil {
		if train.Targets == nil {
			return errors.New("the labels cannot be standardised: they are classes, not numbers")
		}
		job.AdaptLabels(train.TargetMoments())
	}
	return nil
}

// report evaluates the model on the test set and prints the closing line: the loss and each
// metric, as Keras' evaluate names them.
func report(stdout io.Writer, job Job, test *dataset.Set) error {
	loss, values := fit.Evaluate(job.Trainer, test, job.Inputs, job.Outputs, job.BatchSize, job.Metrics)
	line := fmt.Sprintf("test loss: %.4f", loss)
	for i, m := range job.Metrics {
		line += fmt.Sprintf(" - test %s: %.4f", m, values[i])
	}
	_, err := fmt.Fprintln(stdout, line)
	return err
}

// classesOf is a classifier's class names, nil for other models.
func classesOf(m Model) []string {
	if c, ok := m.(classifier); ok {
		return c.Classes()
	}
	return nil
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

// weighClasses gives the Trainer the spec's class weights, its class names looked up in the
// training data's classes; a class the spec does not list weighs 1, as in Keras.
func weighClasses(job Job, train *dataset.Set) error {
	if len(job.ClassWeights) == 0 {
		return nil
	}
	setter, ok := job.Trainer.(interface{ SetClassWeights([]float32) error })
	if !ok || job.Classes < 1 {
		return errors.New("fit.class_weight: this network's trainer takes no class weights")
	}
	w := make([]float32, job.Classes)
	for i := range w {
		w[i] = 1
	}
	for _, cw := range job.ClassWeights {
		i := cw.Index
		if cw.Name != "" {
			i = slices.Index(train.Classes, cw.Name)
			if i < 0 {
				return fmt.Errorf("fit.class_weight: class %q is not among the training data's classes (%s)", cw.Name, strings.Join(train.Classes, ", "))
			}
		}
		if i < 0 || i >= len(w) {
			return fmt.Errorf("fit.class_weight: class %d is not one of the %d classes", i, len(w))
		}
		w[i] = float32(cw.Weight)
	}
	return setter.SetClassWeights(w)
}
