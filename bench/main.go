// Command bench runs the reference job, the Keras MNIST tutorial, in nngen and in the PyTorch
// peer (../shared/bench/pytorch_mlp.py) on this machine, and prints each figure as nngen's, the
// peer's and their ratio, all measured in the same run:
//
//	go run ./bench [-epochs 10] [-peer ../shared/bench/pytorch_mlp.py] [-python /usr/bin/python3]
//
// It trains with the generated trainer (generated/mnist/cmd/train) on one core (GOMAXPROCS=1) and
// on two, times one prediction and a 10,000-image batch prediction in this process, and reads the
// peak resident memory of each training process from the kernel. The peer is skipped, with a
// message, when PyTorch is not installed. Run it from the root of the nngen checkout; the machine
// is shared, so compare ratios from one run rather than absolute times across runs.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

func main() {
	epochs := flag.Int("epochs", 10, "training epochs")
	peer := flag.String("peer", filepath.Join("..", "shared", "bench", "pytorch_mlp.py"), "the PyTorch peer script")
	python := flag.String("python", "/usr/bin/python3", "the Python with PyTorch (Debian's python3-torch)")
	flag.Parse()
	if err := run(*epochs, *peer, *python); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(epochs int, peerScript, python string) error {
	tmp, err := os.MkdirTemp("", "nngen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("machine: %s, %d cores; Go %s\n", cpuModel(), runtime.NumCPU(), runtime.Version())
	var rows []row
	one, err := trainNNGen(tmp, epochs, 1)
	if err != nil {
		return err
	}
	two, err := trainNNGen(tmp, epochs, 2)
	if err != nil {
		return err
	}
	fmt.Printf("nngen: %s kernels; 1 core: %.3f s (test accuracy %.4f); 2 cores: %.3f s (%.2fx one core)\n",
		one.level, one.seconds, one.accuracy, two.seconds, one.seconds/two.seconds)
	single, batch, err := predictNNGen(one.weights)
	if err != nil {
		return err
	}

	p1, p2, perr := trainPeer(python, peerScript, epochs)
	if perr != nil {
		fmt.Printf("PyTorch peer skipped: %v\n", perr)
	}
	per := func(s float64) float64 { return s / float64(epochs) }
	rows = append(rows,
		row{"training time per epoch, 1 core", per(one.seconds), per(p1.seconds), "s", true},
		row{"training time per epoch, 2 cores", per(two.seconds), per(p2.seconds), "s", true},
		row{"one prediction (batch 1)", single, p1.single, "µs", true},
		row{"10,000 predictions in one batch", batch, p1.batch, "ms", true},
		row{"peak RSS of training, 1 core", one.rssMiB, p1.rssMiB, "MiB", true},
		row{"test accuracy", one.accuracy, p1.accuracy, "", false},
	)
	printTable(rows, perr == nil)
	fmt.Printf("\nagainst the arithmetic: a training step of 32 samples is 6.5 MFLOP and a prediction 0.1 MFLOP,\n"+
		"so nngen ran at %.1f GFLOP/s training on 1 core (validation included) and %.1f GFLOP/s in batch\n"+
		"prediction; a core's peak FMA rate is about 114 GFLOP/s on AMD Zen 4 (AVX-512 double-pumped)\n"+
		"and 166 GFLOP/s on a 2.6 GHz Intel core with two AVX-512 FMA units\n",
		6.5e6*1500*float64(epochs)/one.seconds/1e9, 0.1e6*10000/(batch*1e-3)/1e9)
	return nil
}

// row is one figure of the table: nngen's, the peer's, and whether smaller is better.
type row struct {
	what          string
	nngen, peer   float64
	unit          string
	smallerBetter bool
}

func printTable(rows []row, withPeer bool) {
	fmt.Printf("\n%-34s %14s %14s %10s\n", "", "nngen", "PyTorch", "ratio")
	for _, r := range rows {
		peer, ratio := "—", "—"
		if withPeer && r.peer > 0 {
			peer = format(r.peer, r.unit)
			if r.smallerBetter {
				ratio = fmt.Sprintf("%.1fx", r.peer/r.nngen)
			} else {
				ratio = fmt.Sprintf("%+.4f", r.nngen-r.peer)
			}
		}
		fmt.Printf("%-34s %14s %14s %10s\n", r.what, format(r.nngen, r.unit), peer, ratio)
	}
	fmt.Println("(ratio: how many times faster or smaller nngen is; for accuracy, nngen's minus the peer's)")
}

func format(v float64, unit string) string {
	switch unit {
	case "":
		return fmt.Sprintf("%.4f", v)
	case "s":
		return fmt.Sprintf("%.3f s", v)
	default:
		return fmt.Sprintf("%.2f %s", v, unit)
	}
}

// cpuModel is the processor's name from /proc/cpuinfo, or the architecture.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range splitLines(string(data)) {
			if k, v, ok := cutField(line); ok && k == "model name" {
				return v
			}
		}
	}
	return runtime.GOARCH
}
