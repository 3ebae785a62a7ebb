// Command torchparity checks nngen's generated training code against PyTorch itself, not against
// nngen's own reading of the maths: for each network it generates the package (into a temporary
// folder under bench/out/, removed afterwards), Init(seed)s the model, and trains it with
// TrainBatch over a fixed, seeded sequence of batches; torch_steps.py builds the same network in
// PyTorch, loads nngen's exact initial weights and trains on the same batches with PyTorch's own
// optimiser classes and loss functions, in float32 on one thread. The table gives, after steps 1,
// 10, 100 and 1000, the largest element-wise relative difference of all parameters, the
// normwise one, and the relative difference of the step's loss.
//
//	go run ./bench/torchparity [-steps 1000] [-python /usr/bin/python3] [-only mnist,adam] [-keep] [-worst]
//
// Run it from the nngen checkout. Known formula differences between Keras (which nngen follows)
// and PyTorch are not corrected: they are named in the table's last column (torch_steps.py
// explains each).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/nngen/nngen/codegen"
)

func main() {
	steps := flag.Int("steps", 1000, "training steps (parameters are compared after 1, 10, 100, ... and the last)")
	python := flag.String("python", "/usr/bin/python3", "the Python with PyTorch (Debian's python3-torch)")
	only := flag.String("only", "", "comma-separated network names to run (default: all)")
	keep := flag.Bool("keep", false, "keep the work folder under bench/out/ with every record")
	worst := flag.Bool("worst", false, "also print, per row and checkpoint, the parameter element that differs most")
	flag.Parse()
	start := time.Now()
	nets, err := selected(*only)
	if err == nil {
		var rs []result
		rs, err = run(options{Steps: *steps, Python: *python, Networks: nets, Keep: *keep, Log: os.Stderr})
		if err == nil {
			fmt.Printf("machine: %s, %d cores; Go %s; %s\n\n", cpuModel(), runtime.NumCPU(), runtime.Version(), torchVersion(*python))
			printTable(os.Stdout, rs, *worst)
			fmt.Printf("\ntotal %v\n", time.Since(start).Round(time.Second))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "torchparity:", err)
		os.Exit(1)
	}
}

// selected returns the networks named in only (all when empty), examples/mnist.yaml read from
// the checkout.
func selected(only string) ([]network, error) {
	root, err := codegen.FindRoot(".")
	if err != nil {
		return nil, err
	}
	mnist, err := os.ReadFile(filepath.Join(root, mnistPath))
	if err != nil {
		return nil, err
	}
	all := networks(string(mnist))
	if only == "" {
		return all, nil
	}
	var nets []network
	for _, name := range strings.Split(only, ",") {
		n := len(nets)
		for _, x := range all {
			if x.Name == name {
				nets = append(nets, x)
			}
		}
		if len(nets) == n {
			return nil, fmt.Errorf("-only: no network %q", name)
		}
	}
	return nets, nil
}

// printTable writes the results as a Markdown table.
func printTable(w io.Writer, rs []result, worst bool) {
	if len(rs) == 0 {
		return
	}
	steps := rs[0].Checkpoints
	var at []string
	for _, s := range steps {
		at = append(at, fmt.Sprint(s))
	}
	fmt.Fprintf(w, "Relative differences nngen vs PyTorch after %s steps (each cell: %s)\n\n", strings.Join(at, " / "), strings.Join(at, " / "))
	fmt.Fprintln(w, "| network | optimiser | loss | activations | weights max elem. rel. | weights normwise rel. | loss rel. | known difference |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Net.label(), optimiserText(r), r.Model.Compile.Loss,
			activationsText(r), cells(r.WeightMax), cells(r.WeightNorm), cells(r.LossRel), orNone(r.Net.Known))
	}
	if worst {
		fmt.Fprintln(w)
		for _, r := range rs {
			for i, s := range r.Checkpoints {
				fmt.Fprintf(w, "%s step %d: worst %s\n", r.Net.label(), s, r.WorstAt[i])
			}
		}
	}
}

func cells(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.1e", x)
		if x == 0 {
			s[i] = "0"
		}
	}
	return strings.Join(s, " / ")
}

func orNone(s string) string {
	if s == "" {
		return "none (float32 rounding only)"
	}
	return s
}

func optimiserText(r result) string {
	o := r.Model.Compile.Optimizer
	s := fmt.Sprintf("%s lr %g", o.Type, o.LearningRate)
	switch o.Type {
	case "sgd":
		if o.Momentum != 0 {
			s += fmt.Sprintf(" momentum %g", o.Momentum)
		}
		if o.Nesterov {
			s += " nesterov"
		}
	case "rmsprop":
		if o.Momentum != 0 {
			s += fmt.Sprintf(" momentum %g", o.Momentum)
		}
		if o.Centered {
			s += " centered"
		}
	case "adamw":
		s += fmt.Sprintf(" wd %g", o.WeightDecay)
	}
	if o.Type != "sgd" {
		s += fmt.Sprintf(" ε %g", o.Epsilon)
	}
	return s
}

func activationsText(r result) string {
	var a []string
	for _, l := range r.Model.Layers {
		a = append(a, l.Activation)
	}
	return fmt.Sprintf("%d→", r.Model.Input.Size()) + strings.Join(slices.Clip(a), ", ")
}

// cpuModel is the CPU's model name, family and model from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	get := func(key string) string {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
				return strings.TrimSpace(v)
			}
		}
		return "?"
	}
	return fmt.Sprintf("%s (family %s, model %s)", get("model name"), get("cpu family"), get("model"))
}
