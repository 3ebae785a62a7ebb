package asm

import "math"

// Keras 3's gradient clipping (keras-team/keras at 3422977, keras/src/optimizers/base_optimizer.py
// _clip_gradients, lines 870-881): at most one of clipnorm, global_clipnorm and clipvalue is set
// (lines 130-138), and each clips only when it is > 0; the clipped gradients then go to the weight
// decay and the update step (lines 586-594). Keras sums squares in float32; SumSquares sums them
// in float64 (each square is exact there), and the norms are then rounded to float32 as Keras'
// are, so that a sum that overflows float32 becomes +Inf as in Keras.

// SumSquares returns Σ g[i]² in float64: the squared norm of one variable's gradient, for ClipNorm
// and, summed over all variables, for GlobalClipScale.
//
//	var s float64; for _, x := range g { s += float64(x) * float64(x) }; return s
func SumSquares(g []float32) float64 {
	var s float64
	for _, x := range g {
		f := float64(x)
		s += f * f // exact product: fused or not, the same sum
	}
	return s
}

// l2Norm is Keras' float32 norm of a float32 sum of squares: the sum rounded to float32 (+Inf
// above the float32 range), then its float32 square root (NaN stays NaN).
func l2Norm(sumSquares float64) float32 {
	return float32(math.Sqrt(float64(float32(sumSquares))))
}

// ClipNorm clips one variable's gradient g to the norm clipnorm, as Keras' clipnorm does
// (base_optimizer.py:1108-1119 _clip_by_norm; the TensorFlow backend calls tf.clip_by_norm, the
// same computation): with c = float32(clipnorm) and norm = √Σg² (float32),
//
//	for i := range g { g[i] = float32(g[i]*c) / max(norm, c) }
//
// the product rounded before the division, as Keras computes it: where norm <= c the gradient is
// g·c/c, which is g in all but the last bit at most. A zero gradient stays zero (Keras' where(l2sum
// > 0, ...) only shapes its gradient). As in Keras, a NaN anywhere in g makes all of it NaN, and a
// norm that overflows float32 (+Inf) makes the finite elements 0 and the infinite ones NaN. It
// does nothing unless clipnorm > 0, as Keras.
func ClipNorm(g []float32, clipnorm float64) {
	if !(clipnorm > 0) {
		return
	}
	c := float32(clipnorm)
	div := max(l2Norm(SumSquares(g)), c)
	for i, x := range g {
		g[i] = float32(x*c) / div
	}
}

// GlobalClipScale returns the factor by which Keras' global_clipnorm scales every gradient, from
// sumSquares, the sum of SumSquares over all the variables' gradients (base_optimizer.py:1181-1197
// global_norm and clip_by_global_norm): with norm = √sumSquares (float32),
//
//	scale = float32(clipnorm) · min(1/norm, float32(1/clipnorm)) + (norm - norm)
//
// in float32 (1/clipnorm is a Python division, rounded to float32), which is 1 or a hair from it
// while norm <= clipnorm, and NaN when norm is +Inf or NaN. The caller then scales each gradient
// with Scale(g, scale), Keras' v·scale. It returns 1 unless clipnorm > 0, as Keras then does not
// clip.
func GlobalClipScale(sumSquares, clipnorm float64) float32 {
	if !(clipnorm > 0) {
		return 1
	}
	norm := l2Norm(sumSquares)
	return float32(float32(clipnorm)*min(1/norm, float32(1/clipnorm))) + (norm - norm)
}

// ClipValue clips every element of g to [-clipvalue, clipvalue], as Keras' clipvalue does
// (base_optimizer.py:877-879, ops.clip; tf.clip_by_value takes the minimum with the upper bound,
// then the maximum with the lower one, both keeping a NaN):
//
//	v := float32(clipvalue); for i := range g { g[i] = max(min(g[i], v), -v) }
//
// It does nothing unless clipvalue > 0, as Keras.
func ClipValue(g []float32, clipvalue float64) {
	if !(clipvalue > 0) {
		return
	}
	v := float32(clipvalue)
	for i, x := range g {
		g[i] = max(min(x, v), -v)
	}
}
