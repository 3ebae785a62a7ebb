package asm

import "math"

// The clip bounds of BinaryCrossEntropy, in float32 as Keras applies them to a float32 tensor:
// float32(1e-7) ≈ 1.0000000117e-7 and float32(1 - 1e-7) = 1 - 2⁻²³ (the nearest float32 to
// 0.9999999), so that a confident wrong answer costs at most -log(float32(1e-7)) ≈ 16.118 when
// y = 1 and -log(2⁻²³) = 23·ln 2 ≈ 15.942 when y = 0.
const (
	binaryClipLow  float32 = crossEntropyEpsilon
	binaryClipHigh float32 = 1 - crossEntropyEpsilon
)

// BinaryCrossEntropy returns the mean over rows and columns of -(y·log(p') + (1-y)·log(1-p')),
// p' = clip(p, 1e-7, 1-1e-7), Keras' binary_crossentropy for sigmoid outputs p and targets y
// (rows×cols each; Keras takes the mean over the last axis, then over the batch). As in Keras the
// clip bounds are float32 (the upper one is 1 - 2⁻²³) and 1-p' and 1-y are float32 differences;
// the logarithms and the sum are float64. A NaN in p or y makes the loss NaN. When delta is not
// nil it also sets delta = (p - y)/(rows·cols), the gradient of that mean with respect to the
// sigmoid's inputs (sigmoid and cross-entropy fused; the clip is ignored there, as for
// CrossEntropy). delta may be p: the loss is taken first.
func BinaryCrossEntropy(delta, p, y []float32, rows, cols int) float32 {
	n := rows * cols
	checkLen("p", p, n)
	checkLen("y", y, n)
	var sum float64
	for i, t := range y[:n] {
		q := min(max(p[i], binaryClipLow), binaryClipHigh) // min and max keep a NaN
		sum -= float64(t)*math.Log(float64(q)) + float64(1-t)*math.Log(float64(1-q))
	}
	if delta != nil {
		checkLen("delta", delta, n)
		scale := 1 / float32(n)
		for i := range delta[:n] {
			delta[i] = (p[i] - y[i]) * scale
		}
	}
	return float32(sum / float64(n))
}
