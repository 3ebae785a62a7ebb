package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// The Keras activations are checked against float64 references written here from Keras'
// formulas (activations.py and the backends' nn.py), in a form that is well conditioned where the
// literal one cancels (stated at each), on every length 0..70 and a few longer ones, with random
// values of every magnitude, the regimes' edges and the special values. The kernels round a float64
// value once (or do one float32 product), so each result must be within 2⁻²⁴ of the exact value
// relative (one rounding of a normal number; 2⁻¹⁵⁰ absolute for denormals), with a factor 1+10⁻⁶
// for the float64 errors of kernel and reference (about 10⁻¹⁵ relative each), except the float32
// products, which must be the correctly rounded product bit for bit. The in-place slices are
// fenced: nothing outside them may change. The backward forms are checked against their formulas
// (special values included) and against central differences of the float64 forward references.

// actRegimes are inputs where some activation changes regime or loses accuracy in float32: 0 and
// its neighbours (elu, selu, leaky_relu switch; e^x - 1 cancels), gelu's minimum (-0.7518),
// its tail (1 + erf cancels below -3, underflows near -14), softplus' TensorFlow thresholds
// (±13.94, log(2⁻²³) + 2) and the ends of e^x's float32 range (88.72, -103.97).
var actRegimes = []float32{0, 1e-8, -1e-8, 1e-4, -1e-4, 0.5, -0.5, -0.7517916, 1, -1, 2, -2, 3, -3, 3.5, -5, 5,
	-5.6, -8, 8, -10, -12, -13, -14, -15, 13.942385, -13.942385, 13.95, -13.95, 15.942385, -15.942385, 16, -16, 20,
	-20, 30, -30, 88.72, -88.72, 103.97, -103.97, 200, -200}

// actSpecials are the special values among the inputs.
var actSpecials = []float32{float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)),
	float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 0x1p-149, -0x1p-149, 0x1p-130, -0x1p-130, 0x1p-126}

// actValues returns n inputs: uniform in [-1, 1), [-8, 8) and [-40, 40), log-uniform magnitudes
// from 10⁻⁴⁰ to 10³⁸ of both signs, regime edges and special values.
func actValues(r *rand.Rand, n int, specials bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		switch k := r.IntN(16); {
		case k < 4:
			v[i] = 2*r.Float32() - 1
		case k < 7:
			v[i] = 16*r.Float32() - 8
		case k < 9:
			v[i] = 80*r.Float32() - 40
		case k < 12:
			v[i] = float32(math.Pow(10, -40+78*r.Float64()))
			if r.IntN(2) == 0 {
				v[i] = -v[i]
			}
		case k < 14 || !specials:
			v[i] = actRegimes[r.IntN(len(actRegimes))]
			if r.IntN(2) == 0 {
				v[i] *= 1 + (r.Float32()-0.5)*0x1p-20
			}
		default:
			v[i] = actSpecials[r.IntN(len(actSpecials))]
		}
	}
	return v
}

// expm1Ref is e^z - 1 in float64, by Keras' formula where it is well conditioned (|z| >= 0.5) and
// by its Taylor series below (20 terms: the remainder is below 10⁻¹⁷ of the sum).
func expm1Ref(z float64) float64 {
	if math.Abs(z) >= 0.5 {
		return math.Exp(z) - 1
	}
	sum, term := 0.0, 1.0
	for k := 1; k <= 20; k++ {
		term *= z / float64(k)
		sum += term
	}
	return sum
}

// The forward references, in float64.

func leakyRef(z, slope float64) float64 {
	if z > 0 {
		return z
	}
	return z * slope
}

func eluRef(z, alpha float64) float64 {
	if z > 0 {
		return z
	}
	return alpha * expm1Ref(z)
}

func seluRef(z float64) float64 {
	if z > 0 {
		return float64(seluScale) * z
	}
	return float64(seluScale) * float64(seluAlpha) * expm1Ref(z)
}

// geluRef is Keras' 0.5·z·(1 + erf(z/√2)) down to -3 (its float64 error is below 10⁻¹³ of it
// there) and 0.5·z·erfc(-z/√2), the same function, below.
func geluRef(z float64) float64 {
	if z >= -3 {
		return 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
	}
	return 0.5 * z * math.Erfc(-z/math.Sqrt2)
}

// geluTanhRef is Keras' 0.5·z·(1 + tanh(y)) while y >= -3 and z·e^(2y)/(1 + e^(2y)), the same
// function, below.
func geluTanhRef(z float64) float64 {
	y := math.Sqrt(2/math.Pi) * (z + 0.044715*z*z*z)
	if y >= -3 {
		return 0.5 * z * (1 + math.Tanh(y))
	}
	e := math.Exp(2 * y)
	return z * e / (1 + e)
}

// siluRef is z·sigmoid(z), with sigmoid(z) = (1 + tanh(z/2))/2 from -3 up and 1/(1 + e^-z) below.
func siluRef(z float64) float64 {
	if z >= -3 {
		return z * 0.5 * (1 + math.Tanh(z/2))
	}
	return z / (1 + math.Exp(-z))
}

// softplusRef is Keras' log(1 + e^z) from -10 to 700 (its float64 error there is below 10⁻¹¹ of
// it), the series e^z - e^(2z)/2 + e^(3z)/3 below -10 and z above 700.
func softplusRef(z float64) float64 {
	switch {
	case z > 700:
		return z
	case z < -10:
		e := math.Exp(z)
		return e - e*e/2 + e*e*e/3
	}
	return math.Log(1 + math.Exp(z))
}

// sigRef is sigmoid(z): (1 + tanh(z/2))/2 for |z| < 3, 1/(1 + e^-z) beyond.
func sigRef(z float64) float64 {
	if math.Abs(z) < 3 {
		return 0.5 * (1 + math.Tanh(z/2))
	}
	return 1 / (1 + math.Exp(-z))
}

// want32 reports whether got is want rounded within tol, or the float32 overflow of want.
func want32(got float32, want, tol float64) bool {
	if w := float32(want); math.IsInf(float64(w), 0) && !math.IsInf(want, 0) {
		return got == w
	}
	return near(got, want, tol)
}

// actTol is the distance allowed between a kernel's result and the exact value want: one rounding
// (2⁻²⁴ relative, 2⁻¹⁵⁰ absolute for denormals), plus 10⁻⁶ of it for the float64 errors.
func actTol(want float64) float64 {
	return 0x1p-24*math.Abs(want)*(1+1e-6) + 0x1p-150
}

// actKernel is an activation under test: its forward kernel, its float64 reference, its value at
// ±∞ (as Keras computes it), and whether a result is one float32 product, to be matched bit for
// bit (exact, for the branch where it holds).
type actKernel struct {
	name     string
	f        func(x []float32)
	ref      func(z float64) float64
	pInf     float32
	nInf     float32
	exact    func(z float32) bool
	backward func(d, az []float32) // takes a (fromOut) or z
	fromOut  bool
	// bwExact reports where the backward form is one float32 product d·c.
	bwExact func(a float32) bool
	// deriv is the derivative in the form the backward kernel uses, from a or z, in float64.
	deriv func(az float64) float64
	// outErr bounds |g(ã) - g(a)| / |ã - a| for the backward form in terms of the output.
	outErr float64
}

var nan32 = float32(math.NaN())

func actKernels() []actKernel {
	inf := float32(math.Inf(1))
	const slope, alpha = float32(0.2), float32(1.3)
	sa := float64(seluScale) * float64(seluAlpha)
	return []actKernel{
		{name: "LeakyReLU", f: func(x []float32) { LeakyReLU(x, slope) }, ref: func(z float64) float64 { return leakyRef(z, float64(slope)) },
			pInf: inf, nInf: -inf, exact: func(float32) bool { return true },
			backward: func(d, a []float32) { LeakyReLUBackward(d, a, slope) }, fromOut: true, bwExact: func(a float32) bool { return a <= 0 },
			deriv: func(a float64) float64 {
				if a > 0 {
					return 1
				}
				return float64(slope)
			}},
		{name: "LeakyReLU(0.3)", f: func(x []float32) { LeakyReLU(x, 0.3) }, ref: func(z float64) float64 { return leakyRef(z, float64(float32(0.3))) },
			pInf: inf, nInf: -inf, exact: func(float32) bool { return true },
			backward: func(d, a []float32) { LeakyReLUBackward(d, a, 0.3) }, fromOut: true, bwExact: func(a float32) bool { return a <= 0 },
			deriv: func(a float64) float64 {
				if a > 0 {
					return 1
				}
				return float64(float32(0.3))
			}},
		{name: "ELU", f: func(x []float32) { ELU(x, 1) }, ref: func(z float64) float64 { return eluRef(z, 1) },
			pInf: inf, nInf: -1, exact: func(z float32) bool { return z > 0 },
			backward: func(d, a []float32) { ELUBackward(d, a, 1) }, fromOut: true, outErr: 1,
			deriv: func(a float64) float64 {
				if a > 0 {
					return 1
				}
				return a + 1
			}},
		{name: "ELU(1.3)", f: func(x []float32) { ELU(x, alpha) }, ref: func(z float64) float64 { return eluRef(z, float64(alpha)) },
			pInf: inf, nInf: -alpha, exact: func(z float32) bool { return z > 0 },
			backward: func(d, a []float32) { ELUBackward(d, a, alpha) }, fromOut: true, outErr: 1,
			deriv: func(a float64) float64 {
				if a > 0 {
					return 1
				}
				return a + float64(alpha)
			}},
		{name: "SELU", f: SELU, ref: seluRef, pInf: inf, nInf: -float32(sa), exact: func(z float32) bool { return z > 0 },
			backward: SELUBackward, fromOut: true, outErr: 1, bwExact: func(a float32) bool { return a >= 0 },
			deriv: func(a float64) float64 {
				if a >= 0 {
					return float64(seluScale)
				}
				return a + sa
			}},
		{name: "GELU", f: GELU, ref: geluRef, pInf: inf, nInf: nan32, backward: GELUBackward,
			deriv: func(z float64) float64 {
				phi := 0.5 * (1 + math.Erf(z/math.Sqrt2))
				if z < -3 {
					phi = 0.5 * math.Erfc(-z/math.Sqrt2)
				}
				return phi + z*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
			}},
		{name: "GELUTanh", f: GELUTanh, ref: geluTanhRef, pInf: inf, nInf: nan32, backward: GELUTanhBackward,
			deriv: func(z float64) float64 {
				// 0.5·(1 + tanh y) + 0.5·z·sech² y·y', with 1 + tanh y = 2e^(2y)/(1 + e^(2y)) below 0.
				k := math.Sqrt(2 / math.Pi)
				y := k * (z + 0.044715*z*z*z)
				half := 0.5 * (1 + math.Tanh(y))
				if y < 0 {
					half = math.Exp(2*y) / (1 + math.Exp(2*y))
				}
				c := math.Cosh(y)
				return half + 0.5*z/(c*c)*k*(1+3*0.044715*z*z)
			}},
		{name: "SiLU", f: SiLU, ref: siluRef, pInf: inf, nInf: nan32, backward: SiLUBackward,
			deriv: func(z float64) float64 { return sigRef(z) * (1 + z*sigRef(-z)) }},
		{name: "Softplus", f: Softplus, ref: softplusRef, pInf: inf, nInf: 0, backward: SoftplusBackward, fromOut: true, outErr: 1,
			deriv: func(a float64) float64 { return -expm1Ref(-a) }},
	}
}

// actLengths are the lengths the activations are tested on.
func actLengths() []int {
	ns := []int{}
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 100, 257, 1000)
}

func TestKerasActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 51))
	for _, k := range actKernels() {
		for _, n := range actLengths() {
			name := fmt.Sprintf("%s n=%d", k.name, n)
			in := actValues(r, n, true)
			x, xw := fenced(n, fence)
			copy(x, in)
			k.f(x)
			checkFence(t, name, xw, n)
			for i, z := range in {
				got := x[i]
				switch {
				case math.IsNaN(float64(z)):
					if !math.IsNaN(float64(got)) {
						t.Fatalf("%s: f(NaN) = %v, want NaN", name, got)
					}
				case math.IsInf(float64(z), 1):
					if !sameFloat(got, k.pInf) {
						t.Fatalf("%s: f(+Inf) = %v, want %v", name, got, k.pInf)
					}
				case math.IsInf(float64(z), -1):
					if !sameFloat(got, k.nInf) {
						t.Fatalf("%s: f(-Inf) = %v, want %v", name, got, k.nInf)
					}
				case k.exact != nil && k.exact(z):
					// One float32 product: the float64 product of two float32 is exact.
					if want := float32(k.ref(float64(z))); !sameFloat(got, want) {
						t.Fatalf("%s: f(%v) = %v (%#x), want the float32 product %v (%#x)", name, z, got, math.Float32bits(got), want, math.Float32bits(want))
					}
				default:
					want := k.ref(float64(z))
					if !near(got, want, actTol(want)) {
						t.Fatalf("%s: f(%v) = %v, want %v (float32 %v)", name, z, got, want, float32(want))
					}
				}
			}
		}
	}
}

// TestKerasActivationsBackward checks each backward form against its derivative formula on the
// same values (special ones too: a NaN gives NaN): d times the derivative, rounded once, and the
// fences and the input a or z (longer than d, its extra elements NaN) unchanged.
func TestKerasActivationsBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(52, 52))
	for _, k := range actKernels() {
		for _, n := range actLengths() {
			name := fmt.Sprintf("%sBackward n=%d", k.name, n)
			az0 := actValues(r, n, true)
			if k.fromOut {
				k.f(az0) // the backward form takes the outputs
			}
			az, aw := operand(az0)
			before := append([]float32(nil), aw...)
			d0 := make([]float32, n)
			for i := range d0 {
				d0[i] = 4*r.Float32() - 2
				if i%7 == 3 {
					d0[i] = actSpecials[r.IntN(len(actSpecials))]
				}
			}
			d, dw := fenced(n, fence)
			copy(d, d0)
			k.backward(d, az)
			checkFence(t, name, dw, n)
			unchanged(t, name, "a or z", aw, before)
			for i, v := range az0 {
				want := float64(d0[i]) * k.deriv(float64(v))
				switch {
				case math.IsNaN(float64(v)):
					if !math.IsNaN(float64(d[i])) {
						t.Fatalf("%s: d = %v at NaN gives %v, want NaN", name, d0[i], d[i])
					}
				case k.bwExact != nil && k.bwExact(v):
					// A float32 product by a float32 constant (LeakyReLU's slope, SELU's scale).
					if w := float32(want); !sameFloat(d[i], w) {
						t.Fatalf("%s: d = %v at a = %v gives %v, want the float32 product %v", name, d0[i], v, d[i], w)
					}
				case !want32(d[i], want, actTol(want)):
					t.Fatalf("%s: d = %v at %v gives %v, want %v", name, d0[i], v, d[i], want)
				}
			}
		}
	}
}

// TestKerasActivationsFiniteDifferences checks the backward forms against central differences of
// the float64 forward references. With h = 2⁻¹³ the difference quotient is off by at most
// h²/6·|f”'| (below h²/3: |f”'| <= 2 for every function here) plus 10⁻¹⁵·(1 + |f|)/h for
// the references' own rounding (their branches included); the kernels' result is then off by one rounding (2⁻²⁴ of it), and for
// the forms written in terms of the output, by what the output's rounding (2⁻²⁴ of it) moves the
// derivative: at most the same amount (|∂f'/∂a| <= 1 for ELU, SELU and Softplus; 0 for LeakyReLU).
// Inputs are kept 2h away from the kinks at 0.
func TestKerasActivationsFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 53))
	const h = 0x1p-13
	for _, k := range actKernels() {
		checked := 0
		for _, n := range actLengths() {
			name := fmt.Sprintf("%sBackward n=%d", k.name, n)
			z := actValues(r, n, false)
			for i := range z {
				for math.Abs(float64(z[i])) < 2*h || math.Abs(float64(z[i])) > 40 {
					z[i] = 80*r.Float32() - 40
				}
			}
			a := append([]float32(nil), z...)
			k.f(a)
			d := make([]float32, n)
			for i := range d {
				d[i] = 4*r.Float32() - 2
			}
			d0 := append([]float32(nil), d...)
			if k.fromOut {
				k.backward(d, a)
			} else {
				k.backward(d, z)
			}
			for i, zi := range z {
				x := float64(zi)
				up, down := k.ref(x+h), k.ref(x-h)
				fd := (up - down) / (2 * h)
				want := float64(d0[i]) * fd
				errFD := h*h/3 + 1e-15*(1+math.Max(math.Abs(up), math.Abs(down)))/h
				tol := math.Abs(float64(d0[i]))*(errFD+k.outErr*0x1p-24*math.Abs(float64(a[i]))) + 0x1p-24*math.Abs(want)*1.01 + 0x1p-149
				if !(math.Abs(float64(d[i])-want) <= tol) {
					t.Fatalf("%s: at z = %v (a = %v), d = %v gives %v, want %v (central difference %v)", name, zi, a[i], d0[i], d[i], want, fd)
				}
				checked++
			}
		}
		if checked < 2000 {
			t.Fatalf("%s: only %d derivatives checked", k.name, checked)
		}
	}
}

// TestKerasActivationExamples runs the examples of Keras' docstrings (keras/src/ops/nn.py) and
// TensorFlow's (tf.nn.gelu). Keras prints its float32 or float64 results to 7-9 digits; each
// kernel's float32 result must be within half a unit of the last printed digit plus 4 float32 ulps
// (Keras' own float32 rounding errors) of the printed value. TensorFlow's gelu(-3) examples are
// off the true values by hundreds of ulps (1 + erf and 1 + tanh cancel in float32): those are
// checked against the true values instead.
func TestKerasActivationExamples(t *testing.T) {
	cases := []struct {
		name string
		f    func([]float32)
		in   []float32
		want []string // as printed
	}{
		{"softplus", Softplus, []float32{-0.555, 0, 0.555}, []string{"0.45366603", "0.6931472", "1.008666"}},
		{"silu", SiLU, []float32{-6, 1, 0, 1, 6}, []string{"-0.0148357", "0.7310586", "0.0", "0.7310586", "5.9851646"}},
		{"leaky_relu", func(x []float32) { LeakyReLU(x, 0.2) }, []float32{-1, 0, 1}, []string{"-0.2", "0.", "1."}},
		{"elu", func(x []float32) { ELU(x, 1) }, []float32{-1, 0, 1}, []string{"-0.63212055", "0.", "1."}},
		{"selu", SELU, []float32{-1, 0, 1}, []string{"-1.11133055", "0.", "1.05070098"}},
		{"gelu", GELU, []float32{-1, 0, 1}, []string{"-0.15865525", "0.", "0.84134475"}},
		{"tf.nn.gelu", GELU, []float32{-1, 0, 1, 3}, []string{"-0.15865529", "0.", "0.8413447", "2.9959507"}},
		{"tf.nn.gelu(approximate=True)", GELUTanh, []float32{-1, 0, 1, 3}, []string{"-0.15880796", "0.", "0.841192", "2.9963627"}},
		{"gelu(-3), true value", GELU, []float32{-3}, []string{"-0.0040496940"}},
		{"gelu(-3, approximate=True), true value", GELUTanh, []float32{-3}, []string{"-0.0036373920"}},
	}
	for _, c := range cases {
		x := append([]float32(nil), c.in...)
		c.f(x)
		for i, s := range c.want {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			digits := 0 // digits after the point, for half a unit in the last
			for j := len(s) - 1; j >= 0 && s[j] != '.'; j-- {
				digits++
			}
			ulp := float64(math.Nextafter32(float32(math.Abs(want)), float32(math.Inf(1))) - float32(math.Abs(want)))
			tol := 0.5*math.Pow(10, -float64(digits)) + 4*ulp
			if math.Abs(float64(x[i])-want) > tol {
				t.Errorf("%s(%v) = %v, want Keras' %s (±%.2g)", c.name, c.in[i], x[i], s, tol)
			}
		}
	}
	// The values Keras documents for the constants and formulas, exactly.
	if seluAlpha != float32(1.6732632423543772848170429916717) || seluScale != float32(1.0507009873554804934193349852946) {
		t.Errorf("SELU constants %v, %v differ from the backends' as float32", seluAlpha, seluScale)
	}
	x := []float32{1, 2}
	SELU(x)
	if x[0] != seluScale || x[1] != 2*seluScale {
		t.Errorf("SELU(1, 2) = %v, want the float32 products %v, %v", x, seluScale, 2*seluScale)
	}
}

// TestKerasActivationsZeros pins the values at ±0 that Keras' formulas give (the sign of a zero
// kept: -0·c, -0·½) and TensorFlow's derivatives at 0: leaky_relu's slope, elu's alpha, selu's
// scale.
func TestKerasActivationsZeros(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	for _, k := range actKernels() {
		x := []float32{0, negZero}
		k.f(x)
		want := []float32{0, negZero}
		if k.name == "Softplus" {
			want = []float32{float32(math.Ln2), float32(math.Ln2)}
		}
		if !sameBits(x, want) {
			t.Errorf("%s(+0, -0) = %v, want %v", k.name, x, want)
		}
	}
	d, e, s := []float32{1, 1}, []float32{1, 1}, []float32{1, 1}
	LeakyReLUBackward(d, []float32{0, negZero}, 0.2)
	ELUBackward(e, []float32{0, negZero}, 1.3)
	SELUBackward(s, []float32{0, negZero})
	if !sameBits(d, []float32{0.2, 0.2}) || !sameBits(e, []float32{1.3, 1.3}) || !sameBits(s, []float32{seluScale, seluScale}) {
		t.Errorf("derivatives at ±0: leaky_relu %v, elu(1.3) %v, selu %v; want 0.2, 1.3, %v", d, e, s, seluScale)
	}
}

func TestKerasActivationPanics(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	mustPanicWith(t, "LeakyReLUBackward", "operand a ", func() { LeakyReLUBackward(s(3), s(2), 0.2) })
	mustPanicWith(t, "ELUBackward", "operand a ", func() { ELUBackward(s(3), s(2), 1) })
	mustPanicWith(t, "SELUBackward", "operand a ", func() { SELUBackward(s(3), s(2)) })
	mustPanicWith(t, "SoftplusBackward", "operand a ", func() { SoftplusBackward(s(3), s(2)) })
	mustPanicWith(t, "GELUBackward", "operand z ", func() { GELUBackward(s(3), s(2)) })
	mustPanicWith(t, "GELUTanhBackward", "operand z ", func() { GELUTanhBackward(s(3), s(2)) })
	mustPanicWith(t, "SiLUBackward", "operand z ", func() { SiLUBackward(s(3), s(2)) })
	for _, k := range actKernels() {
		k.f(nil)
		k.backward(nil, nil)
		k.backward(s(0), s(3))
	}
}
