package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/nngen/nngen/generated/mnist"
	"github.com/nngen/nngen/runtime/dataset"
)

// training is what one training run reported.
type training struct {
	level    string  // kernel level
	seconds  float64 // fit, validation included, as Keras reports it
	accuracy float64 // on the test set
	rssMiB   float64 // peak resident memory of the process
	weights  string
}

// trainNNGen builds the generated trainer of the package in folder pkg (./generated/mnist) once
// and runs it with GOMAXPROCS=procs.
func trainNNGen(tmp, pkg string, epochs, procs int) (training, error) {
	name := filepath.Base(pkg)
	bin := filepath.Join(tmp, name+"-train")
	if _, err := os.Stat(bin); err != nil {
		build := exec.Command("go", "build", "-o", bin, pkg+"/cmd/train")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return training{}, fmt.Errorf("building the trainer (run bench from the nngen checkout): %w", err)
		}
	}
	weights := filepath.Join(tmp, fmt.Sprintf("%s-%d.weights", name, procs))
	cmd := exec.Command(bin, "-epochs", fmt.Sprint(epochs), "-weights", weights, "-quiet")
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return training{}, fmt.Errorf("trainer: %w\n%s", err, out.String())
	}
	t := training{weights: weights, rssMiB: maxRSSMiB(cmd.ProcessState)}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		var n int
		var loss float64
		switch {
		case strings.HasPrefix(line, "nngen: "):
			if i := strings.Index(line, " on "); i >= 0 {
				t.level = strings.TrimSuffix(line[i+4:], " kernels")
			}
		case strings.HasPrefix(line, "trained "):
			fmt.Sscanf(line, "trained %d epochs in %gs", &n, &t.seconds)
		case strings.HasPrefix(line, "test loss: "):
			fmt.Sscanf(line, "test loss: %g - test accuracy: %g", &loss, &t.accuracy)
		}
	}
	if t.seconds == 0 || t.accuracy == 0 {
		return t, fmt.Errorf("the trainer's output has no timing or accuracy:\n%s", out.String())
	}
	return t, nil
}

// predictor is a generated package's prediction API, for predictNNGen.
type predictor struct {
	inputSize, outputSize int
	load                  func(weights string) error
	predict               func(x []float32) float32 // one sample; returns an output, so that the call is not optimised away
	batch                 func(x, y []float32)      // many samples
}

// mnistPredictor is the tutorial's.
func mnistPredictor() predictor {
	var m mnist.Model
	bp := mnist.NewBatchPredictor(&m)
	return predictor{mnist.InputSize, mnist.OutputSize, m.Load,
		func(x []float32) float32 { return m.Predict((*[mnist.InputSize]float32)(x))[0] }, bp.Predict}
}

// predictNNGen times one prediction (median over repeats, in µs) and a batch prediction of the
// 10,000 test images (median, in ms) with the weights of a training run; reps is the number of
// single predictions per repeat.
func predictNNGen(p predictor, weights string, reps int) (singleMicros, batchMillis float64, err error) {
	if err := p.load(weights); err != nil {
		return 0, 0, err
	}
	dir, err := dataset.MNISTDir()
	if err != nil {
		return 0, 0, err
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), p.inputSize, p.outputSize)
	if err != nil {
		return 0, 0, err
	}
	x := make([]float32, test.N*p.inputSize)
	y := make([]float32, test.N*p.outputSize)
	idx := make([]int32, test.N)
	for i := range idx {
		idx[i] = int32(i)
	}
	test.Batch(x, y, idx, p.outputSize)

	var sink float32
	singles := make([]float64, 5)
	for r := range singles {
		start := time.Now()
		for i := 0; i < reps; i++ {
			k := i % test.N
			sink += p.predict(x[k*p.inputSize : (k+1)*p.inputSize])
		}
		singles[r] = float64(time.Since(start).Nanoseconds()) / float64(reps) / 1e3
	}
	out := make([]float32, test.N*p.outputSize)
	batches := make([]float64, 20) // as many as the peer's --batch-reps
	for r := range batches {
		start := time.Now()
		p.batch(x, out)
		batches[r] = float64(time.Since(start).Nanoseconds()) / 1e6
	}
	_ = sink
	return median(singles), median(batches), nil
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}
