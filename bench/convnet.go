package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strings"

	"github.com/nngen/nngen/generated/mnist_convnet"
)

// convnetPredictor is the Keras convnet's prediction API.
func convnetPredictor() predictor {
	var m mnist_convnet.Model
	bp := mnist_convnet.NewBatchPredictor(&m)
	return predictor{mnist_convnet.InputSize, mnist_convnet.OutputSize, m.Load,
		func(x []float32) float32 { return m.Predict((*[mnist_convnet.InputSize]float32)(x))[0] }, bp.Predict}
}

// runConvnet trains the Keras "Simple MNIST convnet" (generated/mnist_convnet) for epochs on one
// core and on two, times its predictions, runs the PyTorch peer (pytorch_cnn.py) the same way
// unless script is empty, and returns the table's rows.
func runConvnet(tmp string, epochs int, python, script string) ([]row, bool, error) {
	one, err := trainNNGen(tmp, "./generated/mnist_convnet", epochs, 1)
	if err != nil {
		return nil, false, err
	}
	two, err := trainNNGen(tmp, "./generated/mnist_convnet", epochs, 2)
	if err != nil {
		return nil, false, err
	}
	fmt.Printf("nngen convnet: %s kernels; 1 core: %.3f s (test accuracy %.4f); 2 cores: %.3f s (%.2fx one core)\n",
		one.level, one.seconds, one.accuracy, two.seconds, one.seconds/two.seconds)
	single, batch, err := predictNNGen(convnetPredictor(), one.weights, 2000)
	if err != nil {
		return nil, false, err
	}
	var p1, p2 peerRun
	perr := checkPeer(python, script)
	if perr == nil {
		p1, perr = runCNNPeer(python, script, epochs, 1, true)
	}
	if perr == nil {
		p2, perr = runCNNPeer(python, script, epochs, 2, false)
	}
	if perr != nil {
		fmt.Printf("PyTorch convnet peer skipped: %v\n", perr)
	}
	per := func(s float64) float64 { return s / float64(epochs) }
	return []row{
		{"training time per epoch, 1 core", per(one.seconds), per(p1.seconds), "s", true},
		{"training time per epoch, 2 cores", per(two.seconds), per(p2.seconds), "s", true},
		{"one prediction (batch 1)", single, p1.single, "µs", true},
		{"10,000 predictions in one batch", batch, p1.batch, "ms", true},
		{"peak RSS of training, 1 core", one.rssMiB, p1.rssMiB, "MiB", true},
		{fmt.Sprintf("test accuracy after %d epochs", epochs), one.accuracy, p1.accuracy, "", false},
	}, perr == nil, nil
}

// runCNNPeer runs pytorch_cnn.py for epochs on threads threads, with its prediction timings when
// infer. Its lines: "epoch N: S s test_acc=A", "single-sample latency us=U", "10k batch s=S".
func runCNNPeer(python, script string, epochs, threads int, infer bool) (peerRun, error) {
	args := []string{script, "--threads", fmt.Sprint(threads), "--epochs", fmt.Sprint(epochs), "--seed", "0"}
	if infer {
		args = append(args, "--bench-infer")
	}
	cmd := exec.Command(python, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return peerRun{}, fmt.Errorf("peer: %w\n%s", err, out.String())
	}
	r := peerRun{rssMiB: maxRSSMiB(cmd.ProcessState)}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "epoch "):
			var e int
			var s float64
			if _, err := fmt.Sscanf(line, "epoch %d: %g s test_acc=%g", &e, &s, &r.accuracy); err == nil {
				r.seconds += s
			}
		case strings.HasPrefix(line, "single-sample latency us="):
			fmt.Sscan(strings.TrimPrefix(line, "single-sample latency us="), &r.single)
		case strings.HasPrefix(line, "10k batch s="):
			fmt.Sscan(strings.TrimPrefix(line, "10k batch s="), &r.batch)
			r.batch *= 1e3
		}
	}
	if r.seconds == 0 {
		return r, fmt.Errorf("peer printed no epoch line:\n%s", out.String())
	}
	return r, nil
}
