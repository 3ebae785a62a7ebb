package asm

import "math"

// L1L2 adds to grad the gradient of Keras' L1L2 penalty of w, l1·sign(w) + 2·l2·w (sign(0) = 0),
// and returns the penalty of w, l1·Σ|w| + l2·Σw², summed in float64: what a kernel_regularizer
// adds to the loss and to the kernel's gradient once per batch. grad and w have the same length.
func L1L2(grad, w []float32, l1, l2 float32) float64 {
	checkLen("w", w, len(grad))
	var abs, sq float64
	for i, v := range w[:len(grad)] {
		abs += math.Abs(float64(v))
		sq += float64(v) * float64(v)
		s := float32(0)
		switch {
		case v > 0:
			s = 1
		case v < 0:
			s = -1
		}
		grad[i] += l1*s + 2*l2*v
	}
	return float64(l1)*abs + float64(l2)*sq
}

// Penalty returns l1·Σ|w| + l2·Σw², summed in float64: L1L2's penalty without the gradient, for
// an evaluation's loss.
func Penalty(w []float32, l1, l2 float32) float64 {
	var abs, sq float64
	for _, v := range w {
		abs += math.Abs(float64(v))
		sq += float64(v) * float64(v)
	}
	return float64(l1)*abs + float64(l2)*sq
}
