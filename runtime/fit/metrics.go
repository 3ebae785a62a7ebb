package fit

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nngen/nngen/asm"
)

// Metrics are the names of the metrics Fit and Evaluate report, as Keras names them in compile:
//   - accuracy: the fraction of samples whose largest output is the target's largest (Keras'
//     categorical accuracy) or, with one output, on the same side of 0.5 (binary accuracy);
//   - mae: the mean absolute error, |output − target| averaged over outputs and samples;
//   - mse: the mean squared error, likewise.
var Metrics = []string{"accuracy", "mae", "mse"}

// metricSum returns the sum over rows of the per-sample value of metric name, for rows of cols
// outputs and targets; the mean over samples is that sum over their count, as Keras' sample-
// weighted mean metrics compute it.
func metricSum(name string, out, y []float32, rows, cols int) float64 {
	switch name {
	case "accuracy":
		return float64(asm.Correct(out, y, rows, cols))
	case "mae", "mse":
		var s float64
		for i, o := range out[:rows*cols] {
			e := float64(o) - float64(y[i])
			if name == "mae" {
				s += math.Abs(e)
			} else {
				s += e * e
			}
		}
		return s / float64(cols)
	}
	panic("fit: unknown metric " + name)
}

// checkMetrics returns an error naming the first metric that is not one of Metrics.
func checkMetrics(names []string) error {
	for _, n := range names {
		if !slices.Contains(Metrics, n) {
			return fmt.Errorf("fit: unknown metric %q; want %s", n, strings.Join(Metrics, ", "))
		}
	}
	return nil
}

// meter accumulates the loss and metrics of the batches of one pass, weighted by batch size.
type meter struct {
	names   []string
	loss    float64
	metrics []float64
	seen    int
}

func newMeter(names []string) meter { return meter{names: names, metrics: make([]float64, len(names))} }

// reset starts a new pass.
func (m *meter) reset() {
	m.loss, m.seen = 0, 0
	clear(m.metrics)
}

// add counts a batch of n samples of mean loss, with its outputs and targets (n rows of cols).
func (m *meter) add(loss float32, out, y []float32, n, cols int) {
	m.loss += float64(loss) * float64(n)
	for i, name := range m.names {
		m.metrics[i] += metricSum(name, out, y, n, cols)
	}
	m.seen += n
}

// means returns the mean loss and the mean of each metric into metrics (len(names)); NaN for an
// empty pass.
func (m *meter) means(metrics []float64) float64 {
	for i := range metrics {
		metrics[i] = m.metrics[i] / float64(m.seen)
	}
	return m.loss / float64(m.seen)
}
