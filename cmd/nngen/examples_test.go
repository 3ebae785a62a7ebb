package main

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/dataset"
)

// testMetric reads the value of metric from the trainer's closing line, test loss: L - test M: V.
func testMetric(t *testing.T, out, metric string) float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	for _, part := range strings.Split(last, " - ") {
		if v, ok := strings.CutPrefix(part, "test "+metric+": "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("closing line %q: %v", last, err)
			}
			return f
		}
	}
	t.Fatalf("the closing line %q has no test %s", last, metric)
	return 0
}

// TestCSVExamples trains each CSV example as its spec says, evaluates the weights again, and
// predicts the rows of its data file, checking the class names that travel with the weights.
//
// The bars come from measured runs (seeds 1 to 5 for iris, 1 to 3 for the others, AVX-512): iris
// 0.9333 to 0.9556 test accuracy on its 45 test rows (one row is 0.022); votes 0.917 to 0.963;
// diabetes a test MAE of 43.5 to 44.1, where predicting the mean scores about 66.
func TestCSVExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and trains three generated packages")
	}
	for _, ex := range []struct {
		spec, metric string
		ok           func(float64) bool
		bar          string
		classes      []string // nil for regression
		rows         int
	}{
		{"../../examples/iris/iris.yaml", "accuracy", func(v float64) bool { return v >= 0.93 }, ">= 0.93",
			[]string{"Iris-setosa", "Iris-versicolor", "Iris-virginica"}, 150},
		{"../../examples/votes/votes.yaml", "accuracy", func(v float64) bool { return v >= 0.9 }, ">= 0.9",
			[]string{"democrat", "republican"}, 435},
		{"../../examples/diabetes/diabetes.yaml", "mae", func(v float64) bool { return v <= 50 }, "<= 50", nil, 442},
	} {
		t.Run(filepath.Base(ex.spec), func(t *testing.T) {
			dir := t.TempDir()
			weights, curves, report := filepath.Join(dir, "w.weights"), filepath.Join(dir, "curves.png"), filepath.Join(dir, "report.png")
			code, out, errOut := runCLI("train", ex.spec, "--weights", weights, "--plot", curves)
			if code != 0 {
				t.Fatalf("nngen train: exit %d\n%s\n%s", code, out, errOut)
			}
			if w, h := checkPNG(t, curves); w != 1040 || h != 472 { // two panels, no learning rate
				t.Errorf("train --plot: %dx%d pixels, want 1040x472", w, h)
			}
			v := testMetric(t, out, ex.metric)
			if !ex.ok(v) {
				t.Errorf("test %s %.4f, want %s", ex.metric, v, ex.bar)
			}
			code, evalOut, errOut := runCLI("eval", ex.spec, "--weights", weights, "--plot", report, "--plot-width", "600", "--plot-height", "640")
			if code != 0 {
				t.Fatalf("nngen eval: exit %d\n%s\n%s", code, evalOut, errOut)
			}
			if w, h := checkPNG(t, report); w != 600 || h != 640 {
				t.Errorf("eval --plot: %dx%d pixels, want 600x640", w, h)
			}
			// The report: scikit-learn's classification_report and the matrix, or the errors.
			wants := []string{"precision    recall  f1-score   support\n", " accuracy         ", "weighted avg  ", "confusion matrix"}
			if ex.classes == nil {
				wants = []string{"mae      rmse        r2   samples\n", "\nprogression  "}
			}
			for _, want := range wants {
				if !strings.Contains(evalOut, want) {
					t.Errorf("eval's report lacks %q:\n%s", want, evalOut)
				}
			}
			if got := testMetric(t, evalOut, ex.metric); got != v {
				t.Errorf("eval: test %s %v, train said %v", ex.metric, got, v)
			}
			data := filepath.Join(filepath.Dir(ex.spec), "data", strings.TrimSuffix(filepath.Base(ex.spec), ".yaml")+".csv")
			code, pred, errOut := runCLI("predict", ex.spec, "--weights", weights, data)
			if code != 0 {
				t.Fatalf("nngen predict: exit %d\n%s", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(pred), "\n")
			if len(lines) != ex.rows {
				t.Fatalf("predict: %d lines for %d rows:\n%s", len(lines), ex.rows, pred)
			}
			seen := map[string]bool{}
			for _, line := range lines {
				fields := strings.Split(line, ",")
				if ex.classes == nil {
					if _, err := strconv.ParseFloat(line, 32); err != nil || len(fields) != 1 {
						t.Fatalf("predict: %q is not one predicted value", line)
					}
					continue
				}
				p, err := strconv.ParseFloat(fields[len(fields)-1], 64)
				if len(fields) != 2 || err != nil || p < 1/float64(len(ex.classes)) || p > 1 {
					t.Fatalf("predict: %q is not a class and its probability", line)
				}
				seen[fields[0]] = true
			}
			for _, c := range ex.classes {
				if !seen[c] {
					t.Errorf("predict never names class %q (it named %v)", c, seen)
				}
			}
			if len(seen) > len(ex.classes) {
				t.Errorf("predict names %d classes: %v", len(seen), seen)
			}
		})
	}
}

// TestPredictInputs checks predict's inputs: rows without the header, several files in order,
// an image for a network whose input is not an image, and a row of the wrong width.
func TestPredictInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and trains a generated package")
	}
	dir := t.TempDir()
	weights := filepath.Join(dir, "iris.weights")
	if code, out, errOut := runCLI("train", "../../examples/iris/iris.yaml", "--weights", weights, "--epochs", "30"); code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bare := write("bare.csv", "5.1,3.5,1.4,0.2\n6.3,3.3,6.0,2.5\n")
	// With a header, the label column may be there or not; the features are the other columns.
	named := write("named.csv", "Sepal length, Sepal width,Petal length, Petal width, Species\n5.1,3.5,1.4,0.2,Iris-virginica\n")
	code, out, errOut := runCLI("predict", "../../examples/iris/iris.yaml", "--weights", weights, bare, named)
	if code != 0 {
		t.Fatalf("predict: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Iris-setosa,") || !strings.HasPrefix(lines[1], "Iris-virginica,") ||
		lines[2] != lines[0] {
		t.Errorf("predictions %q; want setosa, virginica, and setosa again for the first flower with a header and a (wrong) label", lines)
	}
	for _, tc := range []struct{ input, want string }{
		{write("short.csv", "5.1,3.5,1.4\n"), "the model takes 4 inputs"},
		{write("digit.png", "not a png"), "not a PNG or JPEG image"},
		{filepath.Join(dir, "missing.csv"), "missing.csv"},
	} {
		code, _, errOut := runCLI("predict", "../../examples/iris/iris.yaml", "--weights", weights, tc.input)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("predict %s: exit %d, stderr %q; want 1 and %q", tc.input, code, errOut, tc.want)
		}
	}
	if code, _, errOut := runCLI("predict", "../../examples/iris/iris.yaml"); code != 2 || !strings.Contains(errOut, "--weights") {
		t.Errorf("predict without weights: exit %d, %q", code, errOut)
	}
}

// TestPredictImages predicts MNIST test digits written as PNG files (and one as JPEG) with the
// weights that examples/embed embeds, and checks an image of the wrong size is refused.
func TestPredictImages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generated package")
	}
	mnistDir, err := dataset.MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(mnistDir, dataset.MNISTTestImages), filepath.Join(mnistDir, dataset.MNISTTestLabels), 784, 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var inputs []string
	for i := range 10 {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, test.X[i*784:(i+1)*784])
		p := filepath.Join(dir, fmt.Sprintf("digit%d.png", i))
		var b bytes.Buffer
		if i == 9 {
			p = filepath.Join(dir, "digit9.jpg")
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 100})
		} else {
			err = png.Encode(&b, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	// The tutorial's weights score 0.9729 on the whole test set and the convnet's (seed 1, 15 epochs)
	// 0.99; the first ten digits are easy ones.
	for _, job := range []struct{ spec, weights string }{
		{"../../examples/mnist.yaml", "../../examples/embed/mnist.weights"},
		{"../../examples/mnist_convnet.yaml", "../../examples/mnist_convnet.weights"},
	} {
		args := append([]string{"predict", job.spec, "--weights", job.weights}, inputs...)
		code, out, errOut := runCLI(args...)
		if code != 0 {
			t.Fatalf("%s: predict: exit %d\n%s", job.spec, code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 10 {
			t.Fatalf("%s: %d lines for 10 images:\n%s", job.spec, len(lines), out)
		}
		right := 0
		for i, line := range lines {
			if strings.HasPrefix(line, strconv.Itoa(int(test.Labels[i]))+",") {
				right++
			}
		}
		if right < 9 {
			t.Errorf("%s: %d of 10 digits right:\n%s", job.spec, right, out)
		}
	}
	small := filepath.Join(dir, "small.png")
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 20, 20)))
	os.WriteFile(small, b.Bytes(), 0o644)
	code, _, errOut := runCLI("predict", "../../examples/mnist.yaml", "--weights", "../../examples/embed/mnist.weights", small)
	if code != 1 || !strings.Contains(errOut, "the png image is 20×20 pixels; the network takes 28×28") {
		t.Errorf("a 20×20 image: exit %d, %q", code, errOut)
	}
}

// TestPlotLearningRate trains iris with ReduceLROnPlateau, which halves the rate as the loss
// stalls: the history gets its learning_rate column, and the plot a panel of it.
func TestPlotLearningRate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and trains a generated package")
	}
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/iris/iris.yaml")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs("../../examples/iris/data/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(src), "fit: {epochs: 100, batch_size: 16, seed: 1}",
		"fit: {epochs: 40, batch_size: 16, seed: 1, validation_split: 0.2, callbacks: [{type: reduce_lr_on_plateau, monitor: loss, patience: 2, factor: 0.5, min_delta: 0.01}]}", 1)
	spec = strings.Replace(spec, "train: data/iris.csv", "train: "+abs, 1)
	if !strings.Contains(spec, "reduce_lr_on_plateau") || !strings.Contains(spec, abs) {
		t.Fatal("examples/iris/iris.yaml changed: update this test's edits")
	}
	path, history, curves := filepath.Join(dir, "iris.yaml"), filepath.Join(dir, "h.csv"), filepath.Join(dir, "h.png")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("train", path, "--weights", filepath.Join(dir, "w"), "--history", history, "--plot", curves)
	if code != 0 {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(history)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss,seconds" || !strings.Contains(out, "ReduceLROnPlateau reducing learning rate") {
		t.Fatalf("header %q; output:\n%s", lines[0], out)
	}
	rates := map[string]bool{}
	for _, line := range lines[1:] {
		rates[strings.Split(line, ",")[2]] = true
	}
	if len(rates) < 2 || !rates["0.009999999776482582"] {
		t.Errorf("learning rates %v; want 0.01 (as a float32) and the reduced ones", rates)
	}
	if w, h := checkPNG(t, curves); w != 1560 || h != 472 { // three panels: loss, accuracy, learning rate
		t.Errorf("plot %dx%d pixels, want 1560x472", w, h)
	}
}
