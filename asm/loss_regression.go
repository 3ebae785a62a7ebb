package asm

// AbsoluteError returns the mean over rows and columns of |a - y|, Keras' mean_absolute_error
// (the mean over the last axis, then over the batch); a - y is a float32 difference, the sum is
// float64. When grad is not nil it also sets grad = sign(a - y)/(rows·cols), the gradient of that
// mean with respect to a: 0 where a == y, as TensorFlow's gradient of abs, and NaN where a - y is
// NaN. grad may be a: the loss is taken first.
func AbsoluteError(grad, a, y []float32, rows, cols int) float32 {
	n := rows * cols
	checkLen("a", a, n)
	checkLen("y", y, n)
	var sum float64
	for i, t := range y[:n] {
		e := float64(a[i] - t)
		if e < 0 {
			e = -e
		}
		sum += e
	}
	if grad != nil {
		checkLen("grad", grad, n)
		scale := 1 / float32(n)
		for i := range grad[:n] {
			switch e := a[i] - y[i]; {
			case e > 0:
				grad[i] = scale
			case e < 0:
				grad[i] = -scale
			case e == 0:
				grad[i] = 0
			default:
				grad[i] = e // NaN
			}
		}
	}
	return float32(sum / float64(n))
}
