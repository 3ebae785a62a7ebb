package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestToolboxRun trains a spec with dropout, a gelu layer, regularizers, Nadam with clipping, a
// schedule-free learning rate that ReduceLROnPlateau may lower, early stopping and a checkpoint,
// and checks what the callbacks print and write.
func TestToolboxRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and trains a generated package")
	}
	dir := t.TempDir()
	iris, err := filepath.Abs("../../examples/iris/data/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "toolbox.yaml")
	src := `name: toolbox
input: {shape: [4]}
layers:
  - {type: normalization}
  - {type: dropout, rate: 0.1}
  - {type: dense, units: 16, activation: gelu, kernel_regularizer: {l2: 0.001}}
  - {type: dropout, rate: 0.2}
  - {type: dense, units: 3, activation: softmax, bias_regularizer: {l1: 0.01}}
compile: {optimizer: {type: nadam, learning_rate: 0.01, clipvalue: 1}, loss: sparse_categorical_crossentropy, metrics: [accuracy]}
fit:
  epochs: 200
  batch_size: 16
  seed: 3
  validation_split: 0.2
  callbacks:
    - {type: early_stopping, monitor: val_loss, patience: 2, restore_best_weights: true}
    - {type: reduce_lr_on_plateau, monitor: loss, patience: 1, factor: 0.5}
    - {type: model_checkpoint, filepath: "` + filepath.ToSlash(dir) + `/best-{epoch:03d}.weights", save_best_only: true, verbose: 0}
    - {type: terminate_on_nan}
data: {source: csv, train: ` + filepath.ToSlash(iris) + `, test_split: 0.3, label: Species}
`
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("train", spec, "--weights", filepath.Join(dir, "w.weights"), "--history", filepath.Join(dir, "h.csv"))
	if code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{": early stopping\n", "Restoring model weights from the end of the best epoch: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	checkpoints, _ := filepath.Glob(filepath.Join(dir, "best-*.weights"))
	if len(checkpoints) == 0 {
		t.Errorf("model_checkpoint wrote no file")
	}
	history, err := os.ReadFile(filepath.Join(dir, "h.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The history stops where early stopping did: fewer than 200 epochs.
	if lines := strings.Count(string(history), "\n") - 1; lines < 3 || lines >= 200 || !strings.Contains(out, "trained "+strconv.Itoa(lines)+" epochs") {
		t.Errorf("history of %d epochs; output:\n%s", lines, out)
	}
	if acc := testMetric(t, out, "accuracy"); acc < 0.8 {
		t.Errorf("test accuracy %v", acc)
	}
}

// TestClassWeightedPackage generates a package with fit.class_weight and runs its own tests, which
// check the weighted loss and gradients against the rows one at a time; and trains it, the class
// names looked up in the data.
func TestClassWeightedPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated package")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	iris := filepath.ToSlash(filepath.Join(root, "examples", "iris", "data", "iris.csv"))
	spec := filepath.Join(dir, "cw.yaml")
	src := "name: cw\ninput: {shape: [4]}\nlayers:\n  - {type: normalization}\n  - {type: dense, units: 8, activation: relu}\n" +
		"  - {type: dense, units: 3, activation: softmax}\ncompile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n" +
		"fit: {epochs: 5, batch_size: 16, seed: 1, class_weight: {Iris-virginica: 4.0, 0: 0.5}}\n" +
		"data: {source: csv, train: " + iris + ", test_split: 0.3, label: Species}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	mod := "module example.com/cw\n\ngo 1.26\n\nrequire github.com/nngen/nngen v0.0.0\n\nreplace github.com/nngen/nngen => " + root + "\n"
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("gen", spec, "-o", filepath.Join(dir, "cw")); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	test := exec.Command(goCommand(), "test", "./cw")
	test.Dir = dir
	test.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := test.CombinedOutput(); err != nil {
		t.Fatalf("go test of the generated package: %v\n%s", err, out)
	}
	code, out, errOut := runCLI("train", spec, "--weights", filepath.Join(dir, "w.weights"))
	if code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(src, "Iris-virginica", "Iris-nowhere", 1)), 0o644)
	if code, _, errOut := runCLI("train", bad, "--weights", filepath.Join(dir, "w2.weights")); code != 1 ||
		!strings.Contains(errOut, `fit.class_weight: class "Iris-nowhere" is not among the training data's classes (Iris-setosa, Iris-versicolor, Iris-virginica)`) {
		t.Errorf("an unknown class name: exit %d, %q", code, errOut)
	}
}
