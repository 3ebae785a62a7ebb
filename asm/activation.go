package asm

import "math"

// The activations work in place on the rows of a layer's output. Their backward forms multiply a
// delta (the loss gradient with respect to the activation's output) by the activation's
// derivative, written in terms of the output a, so that the pre-activations need not be kept.

// ReLU sets x[i] = max(0, x[i]) (NaN stays NaN). It runs without branches, which on the signs
// of fresh pre-activations would be mispredicted half the time.
func ReLU(x []float32) {
	for i, v := range x {
		x[i] = max(v, 0)
	}
}

// ReLUBackward sets d[i] = 0 where a[i] <= 0: the derivative of ReLU from its output. Both
// zeros count as zero; where a[i] is NaN (NaN <= 0 is false), d[i] is kept.
func ReLUBackward(d, a []float32) {
	checkLen("a", a, len(d))
	reluBackward(d, a)
}

// Sigmoid sets x[i] = 1 / (1 + e^-x[i]).
func Sigmoid(x []float32) {
	for i, v := range x {
		x[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

// SigmoidBackward sets d[i] *= a[i]·(1 - a[i]).
func SigmoidBackward(d, a []float32) {
	checkLen("a", a, len(d))
	for i := range d {
		d[i] *= a[i] * (1 - a[i])
	}
}

// Tanh sets x[i] = tanh(x[i]).
func Tanh(x []float32) {
	for i, v := range x {
		x[i] = float32(math.Tanh(float64(v)))
	}
}

// TanhBackward sets d[i] *= 1 - a[i]².
func TanhBackward(d, a []float32) {
	checkLen("a", a, len(d))
	for i := range d {
		d[i] *= 1 - a[i]*a[i]
	}
}

// Softmax replaces each of the rows×cols rows of x by its softmax, subtracting the row's maximum
// first so that no exponential overflows.
func Softmax(x []float32, rows, cols int) {
	checkLen("x", x, rows*cols)
	for r := 0; r < rows; r++ {
		row := x[r*cols : r*cols+cols]
		top := row[0]
		for _, v := range row[1:] {
			top = max(top, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - top))
			row[j] = float32(e)
			sum += e
		}
		inv := 1 / sum
		for j, v := range row {
			row[j] = float32(float64(v) * inv)
		}
	}
}

// SoftmaxBackward sets, row by row, d[i] = a[i]·(d[i] - Σ_j d[j]·a[j]): the product of the
// softmax Jacobian with d. (Cross-entropy after softmax never needs it: that gradient is fused.)
func SoftmaxBackward(d, a []float32, rows, cols int) {
	checkLen("d", d, rows*cols)
	checkLen("a", a, rows*cols)
	for r := 0; r < rows; r++ {
		dr, ar := d[r*cols:r*cols+cols], a[r*cols:r*cols+cols]
		var dot float32
		for j := range dr {
			dot += dr[j] * ar[j]
		}
		for j := range dr {
			dr[j] = ar[j] * (dr[j] - dot)
		}
	}
}
