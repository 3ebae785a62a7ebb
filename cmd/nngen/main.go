// Command nngen compiles a neural network written as a YAML spec into a Go package specialised to
// it, and trains, evaluates and predicts with it.
//
// Usage:
//
//	nngen gen SPEC [-o DIR] [-pkg NAME] [-import PATH]
//	nngen train SPEC [--epochs N] [--seed S] [--weights FILE] [--history FILE] [--plot FILE] [--data DIR]
//	nngen eval SPEC --weights FILE [--plot FILE] [--data DIR]
//	nngen predict SPEC --weights FILE [INPUT...]
//	nngen plot HISTORY.csv -o FILE [-width W] [-height H] [-title T]
//	nngen version
//	nngen help
//
// gen writes the package (model.go, predict.go, train.go, optimizer.go, weights.go, a test file
// and cmd/train/main.go) into DIR, by default a folder named after the spec's name, and says when
// the enclosing module does not require nngen yet. train generates the package, builds its trainer
// with the go command against the very nngen this binary was built from (inside the spec's module
// when that module requires it, else in a temporary module), trains on the spec's data, writes the
// weights (default NAME.weights) and ends with the test loss and metrics. eval does the same
// without training, from a weights file, and prints before that line a classifier's confusion
// matrix and scikit-learn's classification report, or a regression's MAE, RMSE and R² per
// output. --plot FILE (.png or .svg) draws train's history (loss and metrics per epoch,
// training and validation, the best epoch, the learning rate where it changed) or eval's
// confusion matrix as a heat map (or, for regression, the predictions against the true values);
// plot draws a history that --history saved, or Keras' CSVLogger. predict prints one CSV line per row of the INPUT CSV files
// (standard input when none is given) or per PNG or JPEG image: the class name and its probability,
// or the predicted values.
//
// Install it as a tool of your module and run it from go:generate:
//
//	go get -tool github.com/nngen/nngen/cmd/nngen
//	//go:generate go tool nngen gen model.yaml -o internal/model
//
// For example, from a checkout of nngen:
//
//	go run ./cmd/nngen train examples/mnist.yaml
//
// trains the Keras MNIST tutorial's network for 10 epochs, writes mnist.weights and prints
//
//	test loss: 0.0975 - test accuracy: 0.9729
//
// (seed 42, AVX-512 kernels).
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one nngen command and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "gen":
		err = runGen(rest, stdout, stderr)
	case "train":
		err = runTrain(rest, stdout, stderr, modeTrain)
	case "eval":
		err = runTrain(rest, stdout, stderr, modeEval)
	case "predict":
		err = runTrain(rest, stdout, stderr, modePredict)
	case "plot":
		err = runPlot(rest, stdout, stderr)
	case "version", "-version", "--version":
		printVersion(stdout)
	case "help", "-h", "-help", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "nngen: unknown command %q; want gen, train, eval, predict, plot, version or help\n", cmd)
		return 2
	}
	if err == nil {
		return 0
	}
	if ee, ok := err.(exitError); ok {
		return int(ee)
	}
	fmt.Fprintf(stderr, "nngen: %v\n", err)
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError is the exit status of a trainer program that already reported its own error.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func usage(w io.Writer) {
	fmt.Fprint(w, `nngen compiles a neural network written as a YAML spec into a Go package.

Usage:
  nngen gen SPEC [-o DIR] [-pkg NAME] [-import PATH]
        write the generated package for SPEC into DIR (default: ./NAME)
  nngen train SPEC [--epochs N] [--seed S] [--weights FILE] [--history FILE] [--plot FILE] [--data DIR]
        generate, build and run the trainer: train on the spec's data, write the
        weights (default NAME.weights), print the test loss and metrics;
        --plot draws the history (.png or .svg)
  nngen eval SPEC --weights FILE [--plot FILE] [--data DIR]
        evaluate saved weights on the spec's test set: the confusion matrix and
        classification report, or MAE, RMSE and R²; --plot draws the matrix as a
        heat map, or the predictions against the true values
  nngen predict SPEC --weights FILE [INPUT...]
        print the predictions of saved weights, one CSV line per row of the INPUT
        CSV files (standard input when none is given) or per PNG or JPEG image
  nngen plot HISTORY.csv -o FILE [-width W] [-height H] [-title T]
        draw a history saved by --history (or Keras' CSVLogger) into a .png or
        .svg image, W×H pixels
  nngen version
        print nngen's version, which trainers are built against
  nngen help
        print this help

Examples:
  go run ./cmd/nngen train examples/mnist.yaml
  go run ./cmd/nngen train examples/iris/iris.yaml
  go run ./cmd/nngen predict examples/iris/iris.yaml --weights iris.weights examples/iris/data/iris.csv
  go run ./cmd/nngen train examples/mnist.yaml --plot docs/mnist-training.png
`)
}
