package asm

import "math"

// crossEntropyEpsilon is Keras' backend epsilon: probabilities are clipped to [ε, 1-ε] before the
// logarithm, so that a confident wrong answer costs -log(1e-7) ≈ 16.1, not infinity.
const crossEntropyEpsilon = 1e-7

// CrossEntropy returns the mean over rows of -Σ_j y[j]·log(clip(p[j])) for softmax outputs p and
// targets y (rows×cols each). When delta is not nil it also sets delta = (p - y)/rows, the
// gradient of that mean with respect to the softmax's inputs (softmax and cross-entropy fused).
func CrossEntropy(delta, p, y []float32, rows, cols int) float32 {
	checkLen("p", p, rows*cols)
	checkLen("y", y, rows*cols)
	var sum float64
	for i, t := range y[:rows*cols] {
		if t != 0 {
			q := min(max(float64(p[i]), crossEntropyEpsilon), 1-crossEntropyEpsilon)
			sum -= float64(t) * math.Log(q)
		}
	}
	if delta != nil {
		checkLen("delta", delta, rows*cols)
		scale := 1 / float32(rows)
		for i := range delta[:rows*cols] {
			delta[i] = (p[i] - y[i]) * scale
		}
	}
	return float32(sum / float64(rows))
}

// SquaredError returns the mean over rows of the mean over cols of (a - y)², Keras'
// mean_squared_error. When grad is not nil it also sets grad = 2(a - y)/(rows·cols), the gradient
// of that mean with respect to a.
func SquaredError(grad, a, y []float32, rows, cols int) float32 {
	checkLen("a", a, rows*cols)
	checkLen("y", y, rows*cols)
	var sum float64
	for i, t := range y[:rows*cols] {
		e := float64(a[i] - t)
		sum += e * e
	}
	if grad != nil {
		checkLen("grad", grad, rows*cols)
		scale := 2 / float32(rows*cols)
		for i := range grad[:rows*cols] {
			grad[i] = (a[i] - y[i]) * scale
		}
	}
	return float32(sum / float64(rows*cols))
}

// Correct counts the rows whose prediction matches the target, as Keras' accuracy does: the
// index of the largest output equals that of the largest target (the first one on ties), or,
// with a single output column, both are on the same side of 0.5.
func Correct(a, y []float32, rows, cols int) int {
	checkLen("a", a, rows*cols)
	checkLen("y", y, rows*cols)
	n := 0
	for r := 0; r < rows; r++ {
		ar, yr := a[r*cols:r*cols+cols], y[r*cols:r*cols+cols]
		if cols == 1 {
			if (ar[0] > 0.5) == (yr[0] > 0.5) {
				n++
			}
			continue
		}
		if argmax(ar) == argmax(yr) {
			n++
		}
	}
	return n
}

func argmax(v []float32) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}
