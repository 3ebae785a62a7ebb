package fit

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/dataset"
)

// echoNet outputs each target plus shift, with a loss of 1.
type echoNet struct {
	shift float32
	out   []float32
}

func (e *echoNet) step(y []float32) float32 {
	e.out = e.out[:0]
	for _, v := range y {
		e.out = append(e.out, v+e.shift)
	}
	return 1
}

func (e *echoNet) TrainBatch(x, y []float32, n int) float32 { return e.step(y) }
func (e *echoNet) EvalBatch(x, y []float32, n int) float32  { return e.step(y) }
func (e *echoNet) Output() []float32                        { return e.out }

// TestMetricSums checks each metric's per-batch sum against values worked out by hand.
func TestMetricSums(t *testing.T) {
	// Two rows of two outputs: errors (0.5, -1) and (2, 0).
	out := []float32{1.5, 0, 3, 1}
	y := []float32{1, 1, 1, 1}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"mae", (0.5+1)/2 + (2+0)/2}, // per row, the mean over outputs
		{"mse", (0.25+1)/2 + (4+0)/2},
		{"accuracy", 2}, // both rows: argmax 0, and the targets' first maximum is 0
	} {
		if got := metricSum(tc.name, out, y, 2, 2); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// One output: binary accuracy, a 0.5 threshold on both sides.
	if got := metricSum("accuracy", []float32{0.7, 0.2, 0.5}, []float32{1, 1, 0}, 3, 1); got != 2 {
		t.Errorf("binary accuracy counts %v rows right, want 2", got)
	}
	if err := checkMetrics([]string{"mae", "auc"}); err == nil || err.Error() != `fit: unknown metric "auc"; want accuracy, mae, mse` {
		t.Errorf("checkMetrics: %v", err)
	}
}

// TestFitRegressionMetrics runs Fit with mae and mse over float targets and checks the running
// means, the validation means, the progress line and the history's columns.
func TestFitRegressionMetrics(t *testing.T) {
	mk := func(n int) *dataset.Set {
		s := &dataset.Set{F: make([]float32, n), Targets: make([]float32, 2*n), TargetSize: 2, N: n, Features: 1}
		for i := range s.Targets {
			s.Targets[i] = float32(i) * 0.25
		}
		return s
	}
	train, val := mk(10), mk(4)
	net := &echoNet{shift: 0.5} // every output is its target + 0.5: mae 0.5, mse 0.25
	var progress bytes.Buffer
	h, err := Fit(net, train, val, Config{Inputs: 1, Outputs: 2, Epochs: 2, BatchSize: 3, Metrics: []string{"mae", "mse"}, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	for _, ep := range h {
		if math.Abs(ep.Metrics[0]-0.5) > 1e-6 || math.Abs(ep.Metrics[1]-0.25) > 1e-6 ||
			math.Abs(ep.ValMetrics[0]-0.5) > 1e-6 || math.Abs(ep.ValMetrics[1]-0.25) > 1e-6 {
			t.Errorf("epoch %d: metrics %v, validation %v; want mae 0.5 and mse 0.25", ep.Epoch, ep.Metrics, ep.ValMetrics)
		}
	}
	if want := " - mae: 0.5000 - mse: 0.2500 - val_loss: 1.0000 - val_mae: 0.5000 - val_mse: 0.2500\n"; !strings.HasSuffix(progress.String(), want) {
		t.Errorf("progress %q does not end in %q", progress.String(), want)
	}
	path := filepath.Join(t.TempDir(), "h.csv")
	if err := WriteHistory(path, []string{"mae", "mse"}, h); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if header := string(b[:len(HistoryHeader([]string{"mae", "mse"}, false))]); header != "epoch,loss,mae,mse,val_loss,val_mae,val_mse,seconds" {
		t.Errorf("history header %q", header)
	}
	loss, values := Evaluate(net, val, 1, 2, 3, []string{"mse"})
	if loss != 1 || math.Abs(values[0]-0.25) > 1e-6 {
		t.Errorf("Evaluate: %v %v", loss, values)
	}
}

// rateNet is an echoNet whose learning rate halves after its second step.
type rateNet struct {
	echoNet
	steps int
}

func (r *rateNet) TrainBatch(x, y []float32, n int) float32 { r.steps++; return r.step(y) }
func (r *rateNet) CurrentLearningRate() float64 {
	if r.steps > 2 {
		return 0.0005
	}
	return 0.001
}

// TestSummaryShowsChangedRate checks that the epoch line shows the learning rate only when it has
// changed, in Keras' format.
func TestSummaryShowsChangedRate(t *testing.T) {
	set := &dataset.Set{F: make([]float32, 4), Targets: make([]float32, 4), TargetSize: 1, N: 4, Features: 1}
	var progress bytes.Buffer
	_, err := Fit(&rateNet{}, set, nil, Config{Inputs: 1, Outputs: 1, Epochs: 3, BatchSize: 2, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	// Epoch 1 ends after step 2 (rate unchanged); epoch 2 after step 4 (halved); epoch 3 unchanged.
	if len(lines) != 6 || strings.Contains(lines[1], "learning_rate") || !strings.HasSuffix(lines[3], " - learning_rate: 5.0000e-04") ||
		strings.Contains(lines[5], "learning_rate") {
		t.Errorf("progress:\n%s", progress.String())
	}
}
