package asm

import "math"

// Keras 3's other activations, in place on the rows of a layer's output like ReLU, Sigmoid and
// Tanh. Sources (keras-team/keras at 3422977): keras/src/activations/activations.py, which calls
// keras/src/ops/nn.py, which calls each backend's keras/src/backend/{tensorflow,jax,numpy}/nn.py;
// for TensorFlow, Keras' default backend, the kernels in tensorflow/core/kernels/relu_op_functor.h
// and softplus_op.h.
//
// Where Keras' result is one float32 operation (a product by a float32 constant), the kernel does
// that operation, and its result is every backend's bit for bit. Where Keras evaluates a
// transcendental expression in several float32 steps, the kernel evaluates the same function in
// float64, in a form that does not cancel, and rounds once: the correctly rounded value, or within
// 2⁻²⁴ of it, where Keras' float32 steps lose digits (gelu's tail below -3, elu's exp(x) - 1 near
// 0). NaN in gives NaN out, forward and backward.
//
// The backward forms multiply a delta by the derivative. LeakyReLU, ELU, SELU and Softplus are
// monotonic, so the derivative is written in terms of the output a, as for ReLU, Sigmoid and Tanh:
// the pre-activations need not be kept. GELU and SiLU are not monotonic (their outputs do not
// determine their inputs), so their backward forms take the pre-activation z, which the caller
// must keep (copy it before the forward pass overwrites it).

// LeakyReLU sets x[i] = x[i]·negativeSlope (a float32 product) where x[i] is not positive, Keras'
// leaky_relu (activations.py:112, default negative_slope 0.2; the LeakyReLU layer's default is 0.3
// and it requires negative_slope >= 0); TensorFlow's LeakyRelu is `x > 0 ? x : x * alpha`:
//
//	for i, z := range x { if !(z > 0) { x[i] = z * negativeSlope } }
func LeakyReLU(x []float32, negativeSlope float32) {
	for i, z := range x {
		if !(z > 0) {
			x[i] = z * negativeSlope
		}
	}
}

// LeakyReLUBackward multiplies d by the derivative of LeakyReLU, written in terms of its output a
// (for negativeSlope >= 0, a > 0 exactly where the input was): 1 where a > 0, negativeSlope where
// a <= 0 (at 0 too, as TensorFlow's LeakyReluGrad), NaN where a is NaN:
//
//	for i := range d { switch { case a[i] > 0: ; case a[i] <= 0: d[i] *= negativeSlope; default: d[i] = a[i] } }
func LeakyReLUBackward(d, a []float32, negativeSlope float32) {
	checkLen("a", a, len(d))
	a = a[:len(d)]
	for i, v := range a {
		switch {
		case v > 0:
		case v <= 0:
			d[i] *= negativeSlope
		default:
			d[i] = v
		}
	}
}

// ELU sets x[i] = alpha·(e^x[i] - 1) where x[i] is not positive, Keras' elu (activations.py:169,
// default alpha 1.0; the TensorFlow backend computes tf.where(x > 0, elu(x), alpha·elu(x))),
// evaluated as alpha·expm1(x) in float64 and rounded once (TensorFlow's float32 exp(x) - 1 loses
// digits near 0; JAX and NumPy use expm1):
//
//	for i, z := range x { if !(z > 0) { x[i] = float32(float64(alpha) * math.Expm1(float64(z))) } }
func ELU(x []float32, alpha float32) {
	for i, z := range x {
		if !(z > 0) {
			x[i] = float32(float64(alpha) * math.Expm1(float64(z)))
		}
	}
}

// ELUBackward multiplies d by the derivative of ELU, written in terms of its output a (for
// alpha > 0, a > 0 exactly where the input was): 1 where a > 0, else alpha·e^z = a + alpha (alpha
// at a = 0 too, as Keras' TensorFlow and JAX gradients; TensorFlow's EluGrad is (a + 1)·d), the
// product in float64, rounded once; NaN where a is NaN:
//
//	for i := range d { if !(a[i] > 0) { d[i] = float32(float64(d[i]) * (float64(a[i]) + float64(alpha))) } }
//
// Where the input was far below 0, a rounds to -alpha and the derivative to 0 instead of alpha·e^z
// (below 2⁻²⁴·alpha), as in TensorFlow.
func ELUBackward(d, a []float32, alpha float32) {
	checkLen("a", a, len(d))
	a = a[:len(d)]
	for i, v := range a {
		if !(v > 0) {
			d[i] = float32(float64(d[i]) * (float64(v) + float64(alpha)))
		}
	}
}

// seluAlpha and seluScale are Keras' SELU constants as float32, the values every backend
// multiplies float32 tensors by. activations.py:207 writes them alpha=1.67326324 and
// scale=1.05070098; the backends use 1.6732632423543772848170429916717 and
// 1.0507009873554804934193349852946, which round to the same float32 values, 1.6732631921768188
// and 1.0507010221481323.
const (
	seluAlpha float32 = 1.67326324
	seluScale float32 = 1.05070098
)

// SELU sets x[i] = scale·x[i] (a float32 product) where x[i] > 0 and scale·alpha·(e^x[i] - 1)
// elsewhere, Keras' selu (activations.py:198) with its constants alpha = 1.67326324 and scale =
// 1.05070098 as float32; the second branch in float64 (the product of the two float32 constants is
// exact there) and rounded once:
//
//	for i, z := range x {
//		if z > 0 { x[i] = z * seluScale } else { x[i] = float32(float64(seluScale) * float64(seluAlpha) * math.Expm1(float64(z))) }
//	}
func SELU(x []float32) {
	const sa = float64(seluScale) * float64(seluAlpha)
	for i, z := range x {
		if z > 0 {
			x[i] = z * seluScale
		} else {
			x[i] = float32(sa * math.Expm1(float64(z)))
		}
	}
}

// SELUBackward multiplies d by the derivative of SELU, written in terms of its output a: scale (a
// float32 product) where a >= 0 (at 0 too, as TensorFlow's SeluGrad; JAX's gradient takes
// scale·alpha there), else scale·alpha·e^z = a + scale·alpha, in float64 and rounded once; NaN
// where a is NaN:
//
//	for i := range d {
//		if a[i] >= 0 { d[i] *= seluScale } else { d[i] = float32(float64(d[i]) * (float64(a[i]) + float64(seluScale)*float64(seluAlpha))) }
//	}
func SELUBackward(d, a []float32) {
	checkLen("a", a, len(d))
	a = a[:len(d)]
	const sa = float64(seluScale) * float64(seluAlpha)
	for i, v := range a {
		if v >= 0 {
			d[i] *= seluScale
		} else {
			d[i] = float32(float64(d[i]) * (float64(v) + sa))
		}
	}
}

// GELU sets x[i] = 0.5·x[i]·(1 + erf(x[i]/√2)), Keras' gelu with its default approximate=False
// (activations.py:338; keras.ops.gelu defaults to approximate=True, the Activation layer's "gelu"
// to False), evaluated in float64 as z·erfc(-z/√2)/2, which equals it and does not cancel where
// 1 + erf does (z < -3: there Keras' float32 result is off by up to all its digits, e.g.
// TensorFlow's docstring gives gelu(-3) = -0.00404951 for the true -0.004049694):
//
//	for i, z := range x { x[i] = float32(float64(z) * 0.5 * math.Erfc(-float64(z)/math.Sqrt2)) }
func GELU(x []float32) {
	for i, v := range x {
		z := float64(v)
		x[i] = float32(z * 0.5 * math.Erfc(-z/math.Sqrt2))
	}
}

// GELUBackward multiplies d by the derivative of GELU at the pre-activations z (GELU is not
// monotonic, so its output does not determine it): Φ(z) + z·φ(z), Φ(z) = erfc(-z/√2)/2 the normal
// distribution function and φ(z) = e^(-z²/2)/√(2π) its density, in float64, rounded once:
//
//	for i := range d { d[i] = float32(float64(d[i]) * (Φ(z[i]) + z[i]·φ(z[i]))) }
func GELUBackward(d, z []float32) {
	checkLen("z", z, len(d))
	z = z[:len(d)]
	const invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	for i, v := range z {
		zz := float64(v)
		phi := math.Exp(-0.5*zz*zz) * invSqrt2Pi
		d[i] = float32(float64(d[i]) * (0.5*math.Erfc(-zz/math.Sqrt2) + zz*phi))
	}
}

// geluTanhK and geluTanhC are the constants of GELU's tanh approximation, √(2/π) and 0.044715.
const (
	geluTanhK = 0.7978845608028654 // √(2/π)
	geluTanhC = 0.044715
)

// GELUTanh sets x[i] = 0.5·x[i]·(1 + tanh(√(2/π)·(x[i] + 0.044715·x[i]³))), Keras' gelu with
// approximate=True (keras.ops.gelu's default; tf.nn.gelu and jax.nn.gelu compute this formula),
// evaluated in float64 as z/(1 + e^(-2y)), y = √(2/π)·(z + 0.044715·z³), which equals it
// (0.5·(1 + tanh y) = 1/(1 + e^(-2y))) and does not cancel where 1 + tanh y does:
//
//	for i, z := range x { y := √(2/π)·(z + 0.044715·z³); x[i] = float32(z / (1 + e^(-2y))) }
func GELUTanh(x []float32) {
	for i, v := range x {
		z := float64(v)
		y := geluTanhK * (z + geluTanhC*z*z*z)
		x[i] = float32(z / (1 + math.Exp(-2*y)))
	}
}

// GELUTanhBackward multiplies d by the derivative of GELUTanh at the pre-activations z:
// s + 2z·s·(1 - s)·y', with s = 1/(1 + e^(-2y)) = 0.5·(1 + tanh y), 1 - s = 1/(1 + e^(2y)) (so
// that 1 - tanh² y = 4s(1 - s) keeps its digits) and y' = √(2/π)·(1 + 3·0.044715·z²), in
// float64, rounded once:
//
//	for i := range d { d[i] = float32(float64(d[i]) * (s + 2·z[i]·s·(1-s)·y')) }
func GELUTanhBackward(d, z []float32) {
	checkLen("z", z, len(d))
	z = z[:len(d)]
	for i, v := range z {
		zz := float64(v)
		y := geluTanhK * (zz + geluTanhC*zz*zz*zz)
		s, t := 1/(1+math.Exp(-2*y)), 1/(1+math.Exp(2*y))
		dy := geluTanhK * (1 + 3*geluTanhC*zz*zz)
		d[i] = float32(float64(d[i]) * (s + 2*zz*s*t*dy))
	}
}

// SiLU sets x[i] = x[i]·sigmoid(x[i]), Keras' silu and swish (activations.py:297; tf.nn.silu), in
// float64 and rounded once. As in Keras, SiLU(-∞) is NaN (-∞·0):
//
//	for i, z := range x { x[i] = float32(float64(z) / (1 + math.Exp(-float64(z)))) }
func SiLU(x []float32) {
	for i, v := range x {
		z := float64(v)
		x[i] = float32(z / (1 + math.Exp(-z)))
	}
}

// SiLUBackward multiplies d by the derivative of SiLU at the pre-activations z (SiLU is not
// monotonic): s·(1 + z·(1 - s)), s = sigmoid(z), 1 - s = sigmoid(-z) computed as such, in
// float64, rounded once:
//
//	for i := range d { s, t := 1/(1+e^-z), 1/(1+e^z); d[i] = float32(float64(d[i]) * s * (1 + z[i]·t)) }
func SiLUBackward(d, z []float32) {
	checkLen("z", z, len(d))
	z = z[:len(d)]
	for i, v := range z {
		zz := float64(v)
		s, t := 1/(1+math.Exp(-zz)), 1/(1+math.Exp(zz))
		d[i] = float32(float64(d[i]) * s * (1 + zz*t))
	}
}

// Softplus sets x[i] = log(1 + e^x[i]), Keras' softplus (activations.py:238), computed stably in
// float64 as max(z, 0) + log1p(e^-|z|) and rounded once, which is what JAX's and NumPy's
// logaddexp(x, 0) compute; TensorFlow's kernel returns x above 13.94 and e^x below -13.94 (its
// thresholds log(2⁻²³) + 2), which differ from this by at most an ulp:
//
//	for i, z := range x { x[i] = float32(max(float64(z), 0) + math.Log1p(math.Exp(-|z|))) }
func Softplus(x []float32) {
	for i, v := range x {
		z := float64(v)
		x[i] = float32(max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))))
	}
}

// SoftplusBackward multiplies d by the derivative of Softplus, sigmoid(z), written in terms of
// its output a = log(1 + e^z): sigmoid(z) = 1 - e^-a = -expm1(-a), in float64, rounded once. A
// relative error δ in a moves it by a·e^-a·δ/(1 - e^-a) <= δ of itself, so the output's rounding
// costs at most one more ulp:
//
//	for i := range d { d[i] = float32(float64(d[i]) * -math.Expm1(-float64(a[i]))) }
func SoftplusBackward(d, a []float32) {
	checkLen("a", a, len(d))
	a = a[:len(d)]
	for i, v := range a {
		d[i] = float32(float64(d[i]) * -math.Expm1(-float64(v)))
	}
}
