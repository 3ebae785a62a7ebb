// Command nngen compiles a neural network written as a YAML spec into a Go package specialised to
// it, and trains and evaluates it.
//
// Usage:
//
//	nngen gen SPEC [-o DIR] [-pkg NAME] [-import PATH]
//	nngen train SPEC [--epochs N] [--seed S] [--weights FILE] [--history FILE] [--data DIR]
//	nngen eval SPEC --weights FILE [--data DIR]
//	nngen version
//	nngen help
//
// gen writes the package (model.go, predict.go, train.go, optimizer.go, weights.go, a test file
// and cmd/train/main.go) into DIR, by default a folder named after the spec's name. train
// generates the package into a temporary module, builds its trainer with the go command, trains
// on the spec's data, prints the test loss and accuracy and writes the weights (default
// NAME.weights). eval does the same without training, from a weights file.
//
// For example, from a checkout of nngen:
//
//	go run ./cmd/nngen train examples/mnist.yaml
//
// trains the Keras MNIST tutorial's network for 10 epochs, prints
//
//	test loss: 0.0975 - test accuracy: 0.9729
//
// (seed 42, AVX-512 kernels) and writes mnist.weights.
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
	case "version", "-version", "--version":
		printVersion(stdout)
	case "help", "-h", "-help", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "nngen: unknown command %q; want gen, train, eval, predict, version or help\n", cmd)
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
  nngen train SPEC [--epochs N] [--seed S] [--weights FILE] [--history FILE] [--data DIR]
        generate, build and run the trainer: train on the spec's data, print the
        test loss and accuracy, write the weights (default NAME.weights)
  nngen eval SPEC --weights FILE [--data DIR]
        evaluate saved weights on the spec's test set
  nngen version
        print nngen's version
  nngen help
        print this help

Example:
  go run ./cmd/nngen train examples/mnist.yaml
`)
}
