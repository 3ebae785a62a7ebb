package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs nngen with args and returns its exit status, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// testAccuracy reads the trainer's closing line, test loss: L - test accuracy: A.
func testAccuracy(t *testing.T, out string) float64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		var loss, acc float64
		if n, _ := fmt.Sscanf(line, "test loss: %g - test accuracy: %g", &loss, &acc); n == 2 {
			return acc
		}
	}
	t.Fatalf("no test accuracy line in:\n%s", out)
	return 0
}

// TestTrainMNIST is the end-to-end test: nngen generates the tutorial's package, builds its
// trainer, trains two epochs on the real MNIST data, evaluates on the test set and saves the
// weights; eval then reads the weights back and must report the same test accuracy.
//
// Two epochs, not one: after one epoch the tutorial's recipe (48,000 samples, batch 32) is at
// 0.94-0.955 test accuracy, in nngen (0.9406 with seed 42) as in the PyTorch peer (0.9454 and
// 0.9440 with seeds 0 and 1), so a 0.95 bar after one epoch would fail on an exact reproduction.
// After two epochs nngen measured 0.9565 to 0.9618 over four seeds.
func TestTrainMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	dir := t.TempDir()
	weights, history := filepath.Join(dir, "mnist.weights"), filepath.Join(dir, "history.csv")
	code, out, errOut := runCLI("train", "../../examples/mnist.yaml", "--epochs", "2", "--weights", weights, "--history", history)
	if code != 0 {
		t.Fatalf("nngen train: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Log("\n" + out)
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.Contains(first, "kernels") {
		t.Errorf("first line %q does not name the kernel level", first)
	}
	for _, want := range []string{"Epoch 1/2\n", "Epoch 2/2\n", "1500/1500 - ", " - val_accuracy: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	acc := testAccuracy(t, out)
	if acc < 0.95 {
		t.Errorf("test accuracy %.4f after two epochs, want at least 0.95", acc)
	}
	csv, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "epoch,") {
		t.Errorf("history CSV:\n%s\nwant a header and two epochs", csv)
	}

	code, evalOut, errOut := runCLI("eval", "../../examples/mnist.yaml", "--weights", weights)
	if code != 0 {
		t.Fatalf("nngen eval: exit %d\n%s\n%s", code, evalOut, errOut)
	}
	if got := testAccuracy(t, evalOut); got != acc {
		t.Errorf("eval reports test accuracy %.4f, train reported %.4f for the same weights", got, acc)
	}
}

// TestCommandLineErrors checks that mistakes give a message and a non-zero status.
func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\ninput: {shape: [4]}\nlayers:\n  - {type: dense, unit: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		code    int
		stderrs []string
	}{
		{nil, 2, []string{"Usage:"}},
		{[]string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{[]string{"gen"}, 2, []string{"no spec file given"}},
		{[]string{"gen", "a.yaml", "b.yaml"}, 2, []string{"more than one spec file"}},
		{[]string{"gen", filepath.Join(dir, "missing.yaml")}, 1, []string{"missing.yaml"}},
		{[]string{"gen", bad, "-o", filepath.Join(dir, "out"), "-import", "example.com/out"}, 1, []string{bad + ":4:", `unknown key "unit"`}},
		{[]string{"eval", "../../examples/mnist.yaml"}, 2, []string{"--weights"}},
		{[]string{"train", "--epochs", "x", "../../examples/mnist.yaml"}, 2, []string{"invalid value"}},
		{[]string{"train", "--epochs", "0", "../../examples/mnist.yaml"}, 2, []string{"--epochs 0: want at least 1"}},
		{[]string{"train", "--epochs", "1", "--weights", filepath.Join(dir, "no", "such", "w.weights"), "../../examples/mnist.yaml"}, 1, []string{"cannot write", "w.weights"}},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != tc.code {
			t.Errorf("nngen %q: exit %d, want %d (stderr %q)", tc.args, code, tc.code, errOut)
		}
		for _, want := range tc.stderrs {
			if !strings.Contains(errOut, want) {
				t.Errorf("nngen %q: stderr %q lacks %q", tc.args, errOut, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a failed gen left %s behind", filepath.Join(dir, "out"))
	}
}

// TestGenWritesPackage checks gen's files and that generating again changes nothing.
func TestGenWritesPackage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pkg")
	code, stdout, errOut := runCLI("gen", "../../examples/mnist.yaml", "-o", out, "-import", "example.com/pkg", "-pkg", "digits")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "wrote package digits") {
		t.Errorf("stdout %q", stdout)
	}
	for _, f := range []string{"model.go", "predict.go", "train.go", "optimizer.go", "weights.go", "model_test.go", "cmd/train/main.go"} {
		src, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(src, []byte("// Code generated by nngen from ../../examples/mnist.yaml. DO NOT EDIT.\n")) {
			t.Errorf("%s: header %q", f, strings.SplitN(string(src), "\n", 2)[0])
		}
	}
	stale := filepath.Join(out, "old.go")
	if err := os.WriteFile(stale, []byte("// Code generated by nngen from x. DO NOT EDIT.\n\npackage digits\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(out, "mine.go")
	if err := os.WriteFile(mine, []byte("package digits\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("gen", "../../examples/mnist.yaml", "-o", out, "-import", "example.com/pkg", "-pkg", "digits"); code != 0 {
		t.Fatalf("second gen: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("gen kept a file it generated before but no longer does")
	}
	if _, err := os.Stat(mine); err != nil {
		t.Error("gen removed a file it did not generate")
	}
}

// TestVersionAndHelp checks the two informational commands.
func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := runCLI("version"); code != 0 || !strings.HasPrefix(out, "nngen ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if code, out, _ := runCLI("help"); code != 0 || !strings.Contains(out, "nngen train SPEC") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}
