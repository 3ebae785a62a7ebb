package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/dataset"
)

// fakeClassifier is a fakeModel with class names.
type fakeClassifier struct {
	fakeModel
	classes []string
}

func (m *fakeClassifier) Classes() []string { return m.classes }
func (m *fakeClassifier) SetClasses(names []string) error {
	m.classes = slices.Clone(names)
	return nil
}

// csvJob is a Job over a CSV file of 10 rows: features x (1 to 10) and y, a class name.
func csvJob(t *testing.T) (Job, *fakeClassifier, string) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,kind\n")
	for i := 1; i <= 10; i++ {
		kind := "odd"
		if i%2 == 0 {
			kind = "even"
		}
		b.WriteString(strconv.Itoa(i) + "," + kind + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "train.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &fakeClassifier{}
	return Job{
		Name: "kinds", Spec: "kinds.yaml", Inputs: 1, Outputs: 2, Shape: []int{1}, BatchSize: 4, Epochs: 1,
		Shuffle: true, Seed: 3, Loss: "categorical_crossentropy", Metrics: []string{"accuracy"}, Classes: 2,
		Data:  Data{Source: "csv", Dir: dir, Train: "train.csv", TestSplit: 0.3, Header: true, Delimiter: ',', Label: []dataset.Column{{Name: "kind"}}},
		Model: m, Trainer: &fakeNet{},
	}, m, dir
}

// TestRunCSV checks a CSV training run: the classes named after the data, the statistics adapted
// to the training rows only, the test sample, and the closing line.
func TestRunCSV(t *testing.T) {
	j, m, dir := csvJob(t)
	var mean, variance []float64
	j.AdaptInputs = func(mu, v []float64) { mean, variance = mu, v }
	var out bytes.Buffer
	if err := Run(j, []string{"-weights", filepath.Join(dir, "w")}, &out, &out); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if !slices.Equal(m.classes, []string{"even", "odd"}) {
		t.Errorf("classes %q, want [even odd] (sorted as strings)", m.classes)
	}
	text := out.String()
	for _, want := range []string{"test_split 0.3: 3 of the 10 rows of train.csv are the test set\n", "Train on 7 samples\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if lines := strings.Split(strings.TrimSpace(text), "\n"); lines[len(lines)-1] != "test loss: 0.5000 - test accuracy: 1.0000" {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
	// The mean and variance are of the 7 training rows, not of all 10.
	if len(mean) != 1 || mean[0] == 5.5 || variance[0] <= 0 || math.IsNaN(mean[0]) {
		t.Errorf("adapted mean %v, variance %v", mean, variance)
	}
}

// TestRunCSVClassMismatch checks that a label column with another number of classes than the
// network is refused before training, naming the classes.
func TestRunCSVClassMismatch(t *testing.T) {
	j, _, dir := csvJob(t)
	j.Classes, j.Outputs = 3, 3
	var out bytes.Buffer
	err := Run(j, []string{"-weights", filepath.Join(dir, "w")}, &out, &out)
	want := "the label column has 2 classes (even, odd), but the last layer has 3 units, one per class"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
	if j.Trainer.(*fakeNet).steps != 0 {
		t.Error("trained despite the mismatch")
	}
}

// TestPredictRecords checks the lines predict prints for classifiers and for regression.
func TestPredictRecords(t *testing.T) {
	classes := Job{Classes: 3, Outputs: 3}
	if got := predictionRecord(classes, []string{"a", "b", "c"}, []float32{0.1, 0.7, 0.2}); !slices.Equal(got, []string{"b", "0.7"}) {
		t.Errorf("softmax: %q", got)
	}
	if got := predictionRecord(classes, nil, []float32{0.1, 0.2, 0.7}); !slices.Equal(got, []string{"2", "0.7"}) {
		t.Errorf("unnamed classes: %q", got)
	}
	binary := Job{Classes: 2, Outputs: 1}
	if got := predictionRecord(binary, []string{"no", "yes"}, []float32{0.25}); !slices.Equal(got, []string{"no", "0.75"}) {
		t.Errorf("sigmoid below 0.5: %q", got)
	}
	if got := predictionRecord(binary, []string{"no", "yes"}, []float32{0.875}); !slices.Equal(got, []string{"yes", "0.875"}) {
		t.Errorf("sigmoid above 0.5: %q", got)
	}
	if got := predictionRecord(Job{Outputs: 2}, nil, []float32{1.5, -2}); !slices.Equal(got, []string{"1.5", "-2"}) {
		t.Errorf("regression: %q", got)
	}
	for _, tc := range []struct {
		shape []int
		h, w  int
		ok    bool
	}{{[]int{784}, 28, 28, true}, {[]int{28, 28, 1}, 28, 28, true}, {[]int{4, 6}, 4, 6, true}, {[]int{10}, 0, 0, false}, {[]int{28, 28, 3}, 0, 0, false}} {
		if h, w, ok := imageSize(tc.shape); ok != tc.ok || ok && (h != tc.h || w != tc.w) {
			t.Errorf("imageSize(%v) = %d, %d, %v", tc.shape, h, w, ok)
		}
	}
}
