// Command bench runs the reference jobs, the Keras MNIST tutorial and the Keras MNIST convnet, in
// nngen and in the PyTorch peers (../shared/bench/pytorch_mlp.py, pytorch_cnn.py) on this machine,
// and prints each figure as nngen's, the peer's and their ratio, all measured in the same run:
//
//	go run ./bench [-epochs 10] [-convnet-epochs 1] [-python /usr/bin/python3] [-kernels=false | -kernels-only]
//
// -epochs 0 or -convnet-epochs 0 skips a job. First it prints the kernel table (kernels.go): every
// product and update of the tutorial MLP at the machine's best level beside OpenBLAS on the same
// shape and the FMA peak, measured on the spot; -kernels=false skips it, -kernels-only prints
// only it. It trains with the generated trainers
// (generated/mnist/cmd/train, generated/mnist_convnet/cmd/train) on one core (GOMAXPROCS=1) and
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
	epochs := flag.Int("epochs", 10, "training epochs of the tutorial MLP")
	peer := flag.String("peer", filepath.Join("..", "shared", "bench", "pytorch_mlp.py"), "the PyTorch peer script of the MLP")
	convEpochs := flag.Int("convnet-epochs", 1, "training epochs of the convnet (0: skip it; 15 for Keras' accuracy)")
	convPeer := flag.String("convnet-peer", filepath.Join("..", "shared", "bench", "pytorch_cnn.py"), "the PyTorch peer script of the convnet")
	python := flag.String("python", "/usr/bin/python3", "the Python with PyTorch (Debian's python3-torch)")
	kernels := flag.Bool("kernels", true, "print the kernel table (nngen's kernels beside OpenBLAS and the FMA peak)")
	kernelsOnly := flag.Bool("kernels-only", false, "print only the kernel table")
	fmaSrc := flag.String("fma", filepath.Join("..", "shared", "bench", "fma.c"), "the FMA peak benchmark, built with gcc")
	flag.Parse()
	if *kernelsOnly {
		*kernels, *epochs, *convEpochs = true, 0, 0
	}
	if err := run(*epochs, *peer, *convEpochs, *convPeer, *python, *kernels, *fmaSrc); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(epochs int, peerScript string, convEpochs int, convPeer, python string, kernels bool, fmaSrc string) error {
	tmp, err := os.MkdirTemp("", "nngen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("machine: %s, %d cores; Go %s\n", cpuModel(), runtime.NumCPU(), runtime.Version())
	if kernels {
		if err := runKernels(tmp, fmaSrc); err != nil {
			return err
		}
	}
	if epochs > 0 {
		if err := runMLP(tmp, epochs, peerScript, python); err != nil {
			return err
		}
	}
	if convEpochs > 0 {
		fmt.Printf("\nThe Keras MNIST convnet (examples/mnist_convnet.yaml), %d epochs:\n", convEpochs)
		rows, withPeer, err := runConvnet(tmp, convEpochs, python, convPeer)
		if err != nil {
			return err
		}
		printTable(rows, withPeer)
		fmt.Printf("\nagainst the arithmetic: a training step of 128 images is 1.82 GFLOP (912M multiply-adds)\n" +
			"and one prediction 4.9 MFLOP (2.44M); compare with the core's FMA peak (../shared/bench/fma.c)\n")
	}
	return nil
}

// runMLP runs the Keras MNIST tutorial in nngen and in its peer and prints the table.
func runMLP(tmp string, epochs int, peerScript, python string) error {
	one, err := trainNNGen(tmp, "./generated/mnist", epochs, 1)
	if err != nil {
		return err
	}
	two, err := trainNNGen(tmp, "./generated/mnist", epochs, 2)
	if err != nil {
		return err
	}
	fmt.Printf("nngen: %s kernels; 1 core: %.3f s (test accuracy %.4f); 2 cores: %.3f s (%.2fx one core)\n",
		one.level, one.seconds, one.accuracy, two.seconds, one.seconds/two.seconds)
	single, batch, err := predictNNGen(mnistPredictor(), one.weights, 100000)
	if err != nil {
		return err
	}

	p1, p2, perr := trainPeer(python, peerScript, epochs)
	if perr != nil {
		fmt.Printf("PyTorch peer skipped: %v\n", perr)
	}
	per := func(s float64) float64 { return s / float64(epochs) }
	rows := []row{
		{"training time per epoch, 1 core", per(one.seconds), per(p1.seconds), "s", true},
		{"training time per epoch, 2 cores", per(two.seconds), per(p2.seconds), "s", true},
		{"one prediction (batch 1)", single, p1.single, "µs", true},
		{"10,000 predictions in one batch", batch, p1.batch, "ms", true},
		{"peak RSS of training, 1 core", one.rssMiB, p1.rssMiB, "MiB", true},
		{"test accuracy", one.accuracy, p1.accuracy, "", false},
	}
	printTable(rows, perr == nil)
	fmt.Printf("\nagainst the arithmetic: a training step of 32 samples is 6.5 MFLOP and a prediction 0.1 MFLOP,\n"+
		"so nngen ran at %.1f GFLOP/s training on 1 core (validation included) and %.1f GFLOP/s in batch\n"+
		"prediction; compare with the core's FMA peak, which the kernel table measures (fma.c)\n",
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
