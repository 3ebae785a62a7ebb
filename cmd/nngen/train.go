package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/nngen/nngen/cmd/nngen/internal/plots"
	"github.com/nngen/nngen/spec"
)

// The modes of runTrain: the trainer program's job.
const (
	modeTrain   = "train"
	modeEval    = "eval"
	modePredict = "predict"
)

// runTrain is `nngen train SPEC ...`, `nngen eval SPEC --weights FILE` and `nngen predict SPEC
// --weights FILE [INPUT...]`: it generates the package, builds its trainer (see buildTrainer) and
// runs it in the given mode.
func runTrain(args []string, stdout, stderr io.Writer, mode string) error {
	evalOnly := mode != modeTrain
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	weights := fs.String("weights", "", "weights file (default NAME.weights)")
	var dataDir *string
	if mode != modePredict {
		dataDir = fs.String("data", "", "folder of the data set's IDX files, or that a csv spec's files are relative to (default: the spec's data.dir or folder; for mnist the GoMNIST module)")
	}
	var plotFile *string
	var plotW, plotH *int
	if mode != modePredict {
		what := "the training history: loss and metrics per epoch"
		if evalOnly {
			what = "the confusion matrix as a heat map (a classifier) or the predictions against the true values (regression)"
		}
		plotFile = fs.String("plot", "", "draw "+what+" into this .png or .svg file")
		plotW = fs.Int("plot-width", 0, "the --plot image's width in pixels (default: the figure's)")
		plotH = fs.Int("plot-height", 0, "the --plot image's height in pixels (default: the figure's)")
	}
	var epochs *int
	var seed *uint64
	var history, ckpt, resume *string
	var every *int
	if !evalOnly {
		ckpt = fs.String("checkpoint", "", "keep a checkpoint of the run in this file, written every --checkpoint-every epochs and on an interrupt (default: the spec's fit.checkpoint)")
		every = fs.Int("checkpoint-every", 0, "epochs between checkpoints (default: the spec's fit.checkpoint.every, or 1)")
		resume = fs.String("resume", "", "continue the run that wrote this checkpoint")
		epochs = fs.Int("epochs", 0, "training epochs (default: the spec's fit.epochs)")
		seed = fs.Uint64("seed", 0, "seed of the initial weights and the shuffling (default: the spec's fit.seed)")
		history = fs.String("history", "", "write the per-epoch history as CSV to this file")
	}
	var specPath string
	var inputs []string
	var err error
	if mode == modePredict {
		specPath, inputs, err = parseWithInputs(fs, args, stderr)
	} else {
		specPath, err = parseInterspersed(fs, args, stderr)
	}
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["epochs"] && *epochs < 1 {
		return usageError{fmt.Sprintf("--epochs %d: want at least 1", *epochs)}
	}
	if evalOnly && *weights == "" {
		return usageError{mode + " needs --weights FILE, the weights to " + map[string]string{modeEval: "evaluate", modePredict: "predict with"}[mode]}
	}
	if plotFile != nil && *plotFile != "" {
		// Refuse a file that cannot be drawn before the training, not after.
		if err := checkImage(*plotFile, *plotW, *plotH); err != nil {
			return err
		}
	}
	m, err := spec.Load(specPath)
	if err != nil {
		return err
	}
	if plotFile != nil && *plotFile != "" && !evalOnly {
		if err := plots.CheckCurves(historyPanels(m), *plotW, *plotH); err != nil {
			return usageError{"--plot " + *plotFile + ": " + err.Error()}
		}
	}
	var plotData string // the trainer's history or report data, which --plot draws
	if plotFile != nil && *plotFile != "" {
		switch {
		case !evalOnly && *history != "":
			plotData = *history
		default:
			tmp, err := os.MkdirTemp("", "nngen-plot-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			plotData = filepath.Join(tmp, "data.csv")
		}
	}

	var trainerArgs []string
	if *weights != "" {
		trainerArgs = append(trainerArgs, "-weights", *weights)
	}
	switch {
	case mode == modePredict:
	case *dataDir != "":
		trainerArgs = append(trainerArgs, "-data", *dataDir)
	case m.Data.Source == "csv":
		// The spec's CSV files are relative to the spec's folder, wherever nngen runs.
		trainerArgs = append(trainerArgs, "-data", filepath.Dir(specPath))
	case m.Data.Dir != "":
		// The spec's data.dir is relative to the spec's folder, wherever nngen runs.
		dir := m.Data.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(specPath), dir)
		}
		trainerArgs = append(trainerArgs, "-data", dir)
	}
	switch mode {
	case modeEval:
		trainerArgs = append(trainerArgs, "-eval")
		if plotData != "" {
			trainerArgs = append(trainerArgs, "-report-data", plotData)
		}
	case modePredict:
		trainerArgs = append(append(trainerArgs, "-predict"), inputs...)
	default:
		if set["epochs"] {
			trainerArgs = append(trainerArgs, "-epochs", strconv.Itoa(*epochs))
		}
		if set["seed"] {
			trainerArgs = append(trainerArgs, "-seed", strconv.FormatUint(*seed, 10))
		}
		if *history != "" || plotData != "" {
			trainerArgs = append(trainerArgs, "-history", cmp.Or(*history, plotData))
		}
		if *ckpt != "" {
			trainerArgs = append(trainerArgs, "-checkpoint", *ckpt)
		}
		if set["checkpoint-every"] {
			if *every < 1 {
				return usageError{fmt.Sprintf("--checkpoint-every %d: want at least 1", *every)}
			}
			trainerArgs = append(trainerArgs, "-checkpoint-every", strconv.Itoa(*every))
		}
		if *resume != "" {
			trainerArgs = append(trainerArgs, "-resume", *resume)
		}
	}

	bin, cleanup, err := buildTrainer(m, specPath, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	cmd := exec.Command(bin, trainerArgs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	title := fmt.Sprintf("%s (%s)", m.Name, filepath.Base(specPath))
	started := time.Now()
	if err := runChild(cmd); err != nil {
		if fi, serr := os.Stat(plotData); plotData != "" && !evalOnly && serr == nil && !fi.ModTime().Before(started) {
			// An interrupted or diverged training wrote the history so far: draw that.
			if derr := drawFile(plotData, *plotFile, title, *plotW, *plotH); derr == nil {
				fmt.Fprintf(stderr, "plot of the history so far written to %s\n", *plotFile)
			}
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return exitError(ee.ExitCode()) // the trainer has printed its error
		}
		return fmt.Errorf("running the trainer: %w", err)
	}
	if plotData == "" {
		return nil
	}
	if err := drawFile(plotData, *plotFile, title, *plotW, *plotH); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "plot written to %s\n", *plotFile) // stdout ends with the test figures
	return nil
}

// runChild runs cmd to its end, while nngen waits and then removes its temporary files. An
// interrupt (Ctrl-C) reaches the child from the terminal, which signals the whole process group;
// a SIGTERM sent to nngen alone (by a job scheduler, say) is passed on to the child, so that a
// trainer writes its checkpoint either way.
func runChild(cmd *exec.Cmd) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sig:
				if s == syscall.SIGTERM {
					cmd.Process.Signal(s) // an error means the child has gone: nothing to pass on
				}
			case <-done:
				return
			}
		}
	}()
	return cmd.Wait()
}

// historyPanels is the panels of the history figure of a training of m: the loss, each metric,
// and the learning rate when a schedule or ReduceLROnPlateau may change it.
func historyPanels(m *spec.Model) int {
	n := 1 + len(m.Compile.Metrics)
	if m.Compile.Optimizer.Schedule != nil || slices.ContainsFunc(m.Fit.Callbacks, func(c spec.Callback) bool { return c.Type == "reduce_lr_on_plateau" }) {
		n++
	}
	return n
}
