package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nngen/nngen/codegen"
	"github.com/nngen/nngen/spec"
)

// runTrain is `nngen train SPEC ...` and, with evalOnly, `nngen eval SPEC --weights FILE`: it
// generates the package into a temporary module, builds its trainer and runs it.
func runTrain(args []string, stdout, stderr io.Writer, evalOnly bool) error {
	name := "train"
	if evalOnly {
		name = "eval"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	weights := fs.String("weights", "", "weights file (default NAME.weights)")
	dataDir := fs.String("data", "", "folder of the data set's IDX files (default: the spec's data.dir, or for mnist the GoMNIST module)")
	var epochs *int
	var seed *uint64
	var history *string
	if !evalOnly {
		epochs = fs.Int("epochs", 0, "training epochs (default: the spec's fit.epochs)")
		seed = fs.Uint64("seed", 0, "seed of the initial weights and the shuffling (default: the spec's fit.seed)")
		history = fs.String("history", "", "write the per-epoch history as CSV to this file")
	}
	specPath, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["epochs"] && *epochs < 1 {
		return usageError{fmt.Sprintf("--epochs %d: want at least 1", *epochs)}
	}
	if evalOnly && *weights == "" {
		return usageError{"eval needs --weights FILE, the weights to evaluate"}
	}
	m, err := spec.Load(specPath)
	if err != nil {
		return err
	}

	var trainerArgs []string
	if *weights != "" {
		trainerArgs = append(trainerArgs, "-weights", *weights)
	}
	switch {
	case *dataDir != "":
		trainerArgs = append(trainerArgs, "-data", *dataDir)
	case m.Data.Dir != "":
		// The spec's data.dir is relative to the spec's folder, wherever nngen runs.
		dir := m.Data.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(filepath.Dir(specPath), dir)
		}
		trainerArgs = append(trainerArgs, "-data", dir)
	}
	if evalOnly {
		trainerArgs = append(trainerArgs, "-eval")
	} else {
		if set["epochs"] {
			trainerArgs = append(trainerArgs, "-epochs", strconv.Itoa(*epochs))
		}
		if set["seed"] {
			trainerArgs = append(trainerArgs, "-seed", strconv.FormatUint(*seed, 10))
		}
		if *history != "" {
			trainerArgs = append(trainerArgs, "-history", *history)
		}
	}

	bin, cleanup, err := buildTrainer(m, specPath, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	cmd := exec.Command(bin, trainerArgs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return exitError(ee.ExitCode()) // the trainer has printed its error
		}
		return fmt.Errorf("running the trainer: %w", err)
	}
	return nil
}

// buildTrainer generates m's package into a temporary module that builds against this nngen
// source tree, and builds its cmd/train. It returns the binary and a function that removes the
// temporary module.
func buildTrainer(m *spec.Model, specPath string, stderr io.Writer) (bin string, cleanup func(), err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", nil, err
	}
	root, err := codegen.FindRoot(wd)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "nngen-"+m.Name+"-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	const module = "nngenbuild"
	if err := codegen.WriteModule(tmp, module, root); err != nil {
		return "", nil, err
	}
	files, err := codegen.Generate(m, codegen.Options{ImportPath: module + "/" + m.Name, SpecPath: filepath.ToSlash(specPath)})
	if err != nil {
		return "", nil, err
	}
	if err := codegen.WritePackage(filepath.Join(tmp, m.Name), files); err != nil {
		return "", nil, err
	}
	bin = filepath.Join(tmp, "train")
	build := exec.Command("go", "build", "-o", bin, "./"+m.Name+"/cmd/train")
	build.Dir = tmp
	build.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	build.Stdout, build.Stderr = stderr, stderr
	if err := build.Run(); err != nil {
		return "", nil, fmt.Errorf("building the generated trainer in %s: %w", tmp, err)
	}
	return bin, cleanup, nil
}
