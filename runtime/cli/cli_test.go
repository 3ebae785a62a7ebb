package cli

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeIDX writes an IDX file of unsigned bytes with the given dimensions.
func writeIDX(t *testing.T, path string, data []byte, dims ...int) {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeModel records what the program asked of the model.
type fakeModel struct {
	seed          uint64
	saved, loaded string
	initCalls     int
	failLoad      error
}

func (m *fakeModel) Init(seed uint64) { m.seed = seed; m.initCalls++ }
func (m *fakeModel) Save(path string) error {
	m.saved = path
	return os.WriteFile(path, []byte("weights"), 0o644)
}
func (m *fakeModel) Load(path string) error { m.loaded = path; return m.failLoad }

// fakeNet predicts every sample right (its outputs are the targets), with a loss of 0.5.
type fakeNet struct {
	steps int
	out   []float32
}

func (n *fakeNet) TrainBatch(x, y []float32, rows int) float32 { n.steps++; n.out = y; return 0.5 }
func (n *fakeNet) EvalBatch(x, y []float32, rows int) float32  { n.out = y; return 0.5 }
func (n *fakeNet) Output() []float32                           { return n.out }

// job makes a Job over tiny IDX files of 10 training and 4 test samples of 3 features, 2 classes.
func job(t *testing.T) (Job, *fakeModel, *fakeNet, string) {
	dir := t.TempDir()
	writeIDX(t, filepath.Join(dir, "train-x"), make([]byte, 10*3), 10, 3)
	writeIDX(t, filepath.Join(dir, "train-y"), []byte{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 10)
	writeIDX(t, filepath.Join(dir, "test-x"), make([]byte, 4*3), 4, 3)
	writeIDX(t, filepath.Join(dir, "test-y"), []byte{1, 0, 1, 0}, 4)
	m, n := &fakeModel{}, &fakeNet{}
	return Job{
		Name: "tiny", Spec: "tiny.yaml", Inputs: 3, Outputs: 2, BatchSize: 4, Epochs: 2,
		ValidationSplit: 0.2, Shuffle: true, Seed: 7, Loss: "categorical_crossentropy", Metrics: []string{"accuracy"}, Classes: 2,
		Data:  Data{Source: "idx", Dir: dir, TrainImages: "train-x", TrainLabels: "train-y", TestImages: "test-x", TestLabels: "test-y"},
		Model: m, Trainer: n,
	}, m, n, dir
}

// TestRunTrainsAndSaves checks a training run's output, the steps taken, the seed and the files.
func TestRunTrainsAndSaves(t *testing.T) {
	j, m, n, dir := job(t)
	weights, history := filepath.Join(dir, "w"), filepath.Join(dir, "h.csv")
	var out, errOut bytes.Buffer
	if err := Run(j, []string{"-weights", weights, "-history", history, "-seed", "9"}, &out, &errOut); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut.String())
	}
	text := out.String()
	if first := strings.SplitN(text, "\n", 2)[0]; !strings.HasPrefix(first, "nngen: tiny (tiny.yaml) on ") || !strings.HasSuffix(first, " kernels") {
		t.Errorf("first line %q does not name the kernel level", first)
	}
	for _, want := range []string{"Train on 8 samples, validate on 2 samples", "Epoch 2/2\n", "test loss: 0.5000 - test accuracy: 1.0000\n", "weights written to " + weights} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if n.steps != 2*2 { // 8 training samples in batches of 4, 2 epochs
		t.Errorf("%d training steps, want 4", n.steps)
	}
	if m.seed != 9 || m.initCalls != 1 || m.saved != weights {
		t.Errorf("model: seed %d, %d Init calls, saved to %q", m.seed, m.initCalls, m.saved)
	}
	if csv, err := os.ReadFile(history); err != nil || strings.Count(string(csv), "\n") != 3 {
		t.Errorf("history: %q, %v; want a header and 2 epochs", csv, err)
	}
}

// TestRunEval checks that -eval loads the weights and evaluates without training, and that a
// weights file that does not load is reported.
func TestRunEval(t *testing.T) {
	j, m, n, _ := job(t)
	var out bytes.Buffer
	if err := Run(j, []string{"-eval", "-weights", "given.weights"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if m.loaded != "given.weights" || n.steps != 0 || m.initCalls != 0 {
		t.Errorf("eval loaded %q, trained %d steps, called Init %d times", m.loaded, n.steps, m.initCalls)
	}
	if !strings.Contains(out.String(), "test loss: 0.5000 - test accuracy: 1.0000") {
		t.Errorf("eval output:\n%s", out.String())
	}
	m.failLoad = errors.New("weights: given.weights: truncated")
	if err := Run(j, []string{"-eval", "-weights", "given.weights"}, &out, &out); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("eval of a bad weights file: %v", err)
	}
}

// TestRunRefusesBadInvocations checks flag mistakes, missing data and unwritable outputs: each is
// an error before any training.
func TestRunRefusesBadInvocations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		edit  func(*Job)
		want  string
		usage bool
	}{
		{"unknown flag", []string{"-nope"}, nil, "flag provided but not defined", true},
		{"no epochs", []string{"-epochs", "0"}, nil, "-epochs 0: want at least 1", true},
		{"argument", []string{"extra"}, nil, `unexpected argument "extra"`, true},
		{"idx without a folder", nil, func(j *Job) { j.Data.Dir = "" }, "-data: the spec's data source is idx with no dir", true},
		{"missing file", nil, func(j *Job) { j.Data.TestImages = "absent" }, "absent", false},
		{"wrong feature count", nil, func(j *Job) { j.Inputs = 5 }, "train-x: each sample is 3 values, the model takes 5", false},
		{"unwritable weights", []string{"-weights", "/nonexistent/folder/w"}, nil, "cannot write /nonexistent/folder/w", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, _, n, _ := job(t)
			if tc.edit != nil {
				tc.edit(&j)
			}
			var out bytes.Buffer
			err := Run(j, tc.args, &out, &out)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if isUsage := errors.As(err, new(usageError)); isUsage != tc.usage {
				t.Errorf("error %q: usage error %v, want %v", err, isUsage, tc.usage)
			}
			if n.steps != 0 {
				t.Errorf("%d training steps before the error", n.steps)
			}
		})
	}
	var out bytes.Buffer
	if err := Run(Job{Name: "x"}, []string{"-h"}, &out, &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
}
