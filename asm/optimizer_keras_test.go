package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The Keras optimisers are checked against a reference written here from Keras' update_step
// formulas, evaluated three ways at once by kv: f, Keras' float32 operations in Keras' order (each
// operation on float32 values done in float64 and rounded to float32, which is the float32
// operation exactly), which the kernel must reproduce bit for bit; x, the exact value of the
// formula with Keras' float32 constants (float64); and e, a bound on |f - x| derived by running
// error analysis (Wilkinson): an operation on operands off by e1 and e2 gives a result off by its
// first-order sensitivity to them (exactly, below) plus its own rounding, 2⁻²⁴ of the result's
// magnitude (2⁻¹⁵⁰ absolute in the denormal range), plus 2⁻⁵⁰ of it for the float64 evaluation of x
// and e themselves. The per-step scalars, which the caller rounds to float32, enter with e = their
// rounding; a flush of a denormal state adds 2⁻¹²⁶. Several consecutive steps are taken with
// fresh gradients; the kernel's state and the reference's are compared after each (the bound keeps
// growing with the steps). Operands are fenced, the state operands longer than p with NaN tails
// that must not change.

type kv struct {
	f    float32
	x, e float64
}

const (
	kvU     = 0x1p-24
	kvSlack = 0x1p-50
)

// kvConst is a float32 value used as it is (a gradient, a parameter, a float32 constant).
func kvConst(f float32) kv { return kv{f, float64(f), 0} }

// kvStep is a per-step scalar of exact value x that the caller hands to the kernel as float32 f.
func kvStep(x float64, f float32) kv {
	return kv{f, x, math.Abs(float64(f)-x) + kvSlack*math.Abs(x)}
}

// round finishes an operation: f rounded, and the bound from the propagated error prop.
func kvRound(f float64, x, prop float64) kv {
	return kv{float32(f), x, prop*(1+kvU) + kvU*math.Abs(x) + 0x1p-150 + kvSlack*math.Abs(x)}
}

func kvAdd(a, b kv) kv {
	return kvRound(float64(a.f)+float64(b.f), a.x+b.x, a.e+b.e)
}

func kvSub(a, b kv) kv {
	return kvRound(float64(a.f)-float64(b.f), a.x-b.x, a.e+b.e)
}

func kvMul(a, b kv) kv {
	return kvRound(float64(a.f)*float64(b.f), a.x*b.x, math.Abs(a.x)*b.e+math.Abs(b.x)*a.e+a.e*b.e)
}

func kvDiv(a, b kv) kv {
	x := a.x / b.x
	prop := math.Inf(1)
	if math.Abs(b.x) > b.e {
		prop = (a.e + math.Abs(x)*b.e) / (math.Abs(b.x) - b.e)
	}
	return kvRound(float64(a.f)/float64(b.f), x, prop)
}

func kvSqrt(a kv) kv {
	x := math.Sqrt(a.x)
	prop := math.Max(math.Sqrt(a.x+a.e)-x, x-math.Sqrt(math.Max(a.x-a.e, 0)))
	return kvRound(math.Sqrt(float64(a.f)), x, prop)
}

// kvMax is exact (no rounding) and 1-Lipschitz. A NaN wins, as in TensorFlow's Maximum
// (PropagateNaN) and Go's max (math.Max would return +Inf for max(+Inf, NaN)).
func kvMax(a, b kv) kv {
	f := float32(math.Max(float64(a.f), float64(b.f)))
	if a.f != a.f || b.f != b.f {
		f = float32(math.NaN())
	}
	return kv{f, math.Max(a.x, b.x), math.Max(a.e, b.e)}
}

func kvAbs(a kv) kv { return kv{float32(math.Abs(float64(a.f))), math.Abs(a.x), a.e} }

// kvFlush is the state's flush: a denormal f becomes +0.
func kvFlush(a kv) kv {
	if math.Abs(float64(a.f)) < 0x1p-126 {
		return kv{0, a.x, a.e + 0x1p-126}
	}
	return a
}

// kvState is one optimiser's per-element state in the reference.
type kvState []kv

// optCase is an optimiser configuration under test: the state operands' initial values, the
// kernel applied to the step t (1, 2, ...), and the reference's step for one element.
type optCase struct {
	name  string
	state int     // number of state operands
	init  float32 // their initial value (Adagrad's accumulator, else 0)
	// kernel applies step t to p from g with the state operands.
	kernel func(t int, p, g []float32, st [][]float32)
	// ref applies step t to one element in the reference.
	ref func(t int, p *kv, g kv, st kvState)
}

func c32(x float64) kv { return kvConst(float32(x)) }

func rmspropCase(lr float32, rho, momentum, eps float64, centered bool) optCase {
	name := fmt.Sprintf("RMSprop(lr=%v rho=%v momentum=%v eps=%v centered=%v)", lr, rho, momentum, eps, centered)
	return optCase{name: name, state: 3,
		kernel: func(_ int, p, g []float32, st [][]float32) {
			mom, avg := st[1], st[2]
			if !(momentum > 0) {
				mom = nil
			}
			if !centered {
				avg = nil
			}
			RMSprop(p, g, st[0], mom, avg, lr, rho, momentum, eps)
		},
		ref: func(_ int, p *kv, g kv, st kvState) {
			// rmsprop.py:126-154.
			R, C, E, L, M := c32(rho), c32(1-rho), c32(eps), kvConst(lr), c32(momentum)
			st[0] = kvFlush(kvAdd(kvMul(R, st[0]), kvMul(C, kvMul(g, g))))
			var den kv
			if centered {
				st[2] = kvFlush(kvAdd(kvMul(R, st[2]), kvMul(C, g)))
				den = kvAdd(kvSub(st[0], kvMul(st[2], st[2])), E)
			} else {
				den = kvAdd(st[0], E)
			}
			inc := kvDiv(kvMul(L, g), kvSqrt(den))
			if momentum > 0 {
				st[1] = kvFlush(kvAdd(kvMul(M, st[1]), inc))
				*p = kvSub(*p, st[1])
			} else {
				*p = kvSub(*p, inc)
			}
		}}
}

func adagradCase(lr float32, initial, eps float64) optCase {
	return optCase{name: fmt.Sprintf("Adagrad(lr=%v initial=%v eps=%v)", lr, initial, eps), state: 1, init: float32(initial),
		kernel: func(_ int, p, g []float32, st [][]float32) { Adagrad(p, g, st[0], lr, eps) },
		ref: func(_ int, p *kv, g kv, st kvState) {
			// adagrad.py:85-92.
			st[0] = kvAdd(st[0], kvMul(g, g))
			*p = kvSub(*p, kvDiv(kvMul(kvConst(lr), g), kvSqrt(kvAdd(st[0], c32(eps)))))
		}}
}

// powRef is b^t by repeated multiplication in float64.
func powRef(b float64, t int) float64 {
	p := 1.0
	for range t {
		p *= b
	}
	return p
}

func adamaxCase(lr float32, beta1, beta2, eps float64) optCase {
	return optCase{name: fmt.Sprintf("Adamax(lr=%v beta1=%v beta2=%v eps=%v)", lr, beta1, beta2, eps), state: 2,
		kernel: func(t int, p, g []float32, st [][]float32) {
			Adamax(p, g, st[0], st[1], lr, OneMinusPow(beta1, t), beta1, beta2, eps)
		},
		ref: func(t int, p *kv, g kv, st kvState) {
			// adamax.py:109-129: beta_1_power = cast(beta_1)^t; (1 - self.beta_1) is a Python float.
			bc := 1 - powRef(float64(float32(beta1)), t)
			st[0] = kvFlush(kvAdd(st[0], kvMul(kvSub(g, st[0]), c32(1-beta1))))
			st[1] = kvFlush(kvMax(kvMul(c32(beta2), st[1]), kvAbs(g)))
			den := kvMul(kvStep(bc, OneMinusPow(beta1, t)), kvAdd(st[1], c32(eps)))
			*p = kvSub(*p, kvDiv(kvMul(kvConst(lr), st[0]), den))
		}}
}

// nadamRef returns, for step t, Keras' u_t, u_{t+1}, u_product after step t and 1 - beta2^t,
// computed from the start in float64 with Keras' float32 constants.
func nadamRef(t int, beta1, beta2 float64) (uT, uNext, prod, b2 float64) {
	b1, d := float64(float32(beta1)), float64(float32(0.96))
	prod, ds := 1.0, 1.0
	for s := 1; s <= t+1; s++ {
		ds *= d // 0.96^s
		switch u := b1 * (1 - 0.5*ds); {
		case s == t+1:
			uNext = u
		case s == t:
			uT = u
			fallthrough
		default:
			prod *= u
		}
	}
	return uT, uNext, prod, 1 - powRef(float64(float32(beta2)), t)
}

func nadamCase(lr float32, beta1, beta2, eps float64) optCase {
	return optCase{name: fmt.Sprintf("Nadam(lr=%v beta1=%v beta2=%v eps=%v)", lr, beta1, beta2, eps), state: 2,
		kernel: func(t int, p, g []float32, st [][]float32) {
			s, _ := NadamScalars(t, beta1, beta2, NadamProduct(t-1, beta1))
			Nadam(p, g, st[0], st[1], lr, s, beta1, beta2, eps)
		},
		ref: func(t int, p *kv, g kv, st kvState) {
			// nadam.py:95-146.
			s, _ := NadamScalars(t, beta1, beta2, NadamProduct(t-1, beta1))
			uT, uNext, prod, b2 := nadamRef(t, beta1, beta2)
			c1 := kvSub(kvConst(1), c32(beta1)) // 1 - cast(beta_1): a float32 subtraction
			c2 := kvSub(kvConst(1), c32(beta2))
			st[0] = kvFlush(kvAdd(st[0], kvMul(kvSub(g, st[0]), c1)))
			st[1] = kvFlush(kvAdd(st[1], kvMul(kvSub(kvMul(g, g), st[1]), c2)))
			mHat := kvAdd(kvDiv(kvMul(kvStep(uNext, s.UNext), st[0]), kvStep(1-prod*uNext, s.OneMinusUProdNext)),
				kvDiv(kvMul(kvStep(1-uT, s.OneMinusU), g), kvStep(1-prod, s.OneMinusUProd)))
			vHat := kvDiv(st[1], kvStep(b2, s.OneMinusBeta2Pow))
			*p = kvSub(*p, kvDiv(kvMul(mHat, kvConst(lr)), kvAdd(kvSqrt(vHat), c32(eps))))
		}}
}

func weightDecayCase(lr float32, wd float64) optCase {
	return optCase{name: fmt.Sprintf("WeightDecay(lr=%v wd=%v)", lr, wd),
		kernel: func(_ int, p, _ []float32, _ [][]float32) { WeightDecay(p, lr, wd) },
		ref: func(_ int, p *kv, _ kv, _ kvState) {
			// base_optimizer.py:959: variable - variable * wd * lr.
			*p = kvSub(*p, kvMul(kvMul(*p, c32(wd)), kvConst(lr)))
		}}
}

func optCases() []optCase {
	return []optCase{
		rmspropCase(1e-3, 0.9, 0, 1e-7, false),
		rmspropCase(1e-3, 0.9, 0.9, 1e-7, false),
		rmspropCase(1e-3, 0.9, 0, 1e-7, true),
		rmspropCase(0.01, 0.8, 0.5, 1e-6, true),
		adagradCase(1e-3, 0.1, 1e-7),
		adagradCase(0.2, 0.3, 1e-6),
		adamaxCase(1e-3, 0.9, 0.999, 1e-7),
		adamaxCase(0.2, 0.85, 0.95, 1e-6),
		nadamCase(1e-3, 0.9, 0.999, 1e-7),
		nadamCase(0.5, 0.5, 0.67, 1e-5),
		nadamCase(1e-3, 0.3, 0.4, 1e-7), // 1 - float32(beta) rounds for beta < 0.5
		weightDecayCase(1e-3, 0.004),
		weightDecayCase(0.5, 0.3),
	}
}

// optValue returns a gradient or parameter: uniform in [-1, 1) mostly, sometimes 0, tiny, large or
// (with specials) a special value.
func optValue(r *rand.Rand, specials bool) float32 {
	switch k := r.IntN(20); {
	case k < 12:
		return 2*r.Float32() - 1
	case k < 14:
		return 0
	case k < 15:
		return (2*r.Float32() - 1) * 1e-20
	case k < 17:
		return (2*r.Float32() - 1) * 100
	case k < 18 || !specials:
		return (2*r.Float32() - 1) * 1e-3
	}
	return []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0x1p-140, -0x1p-149,
		math.MaxFloat32, float32(math.Copysign(0, -1))}[r.IntN(7)]
}

// optSteps is how many consecutive steps each case takes.
const optSteps = 7

func TestKerasOptimizers(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 61))
	lengths := actLengths()[:72] // 0..70 and 100
	lengths = append(lengths, 257)
	for _, specials := range []bool{false, true} {
		for _, c := range optCases() {
			for _, n := range lengths {
				runOptCase(t, r, c, n, specials)
			}
		}
	}
}

func runOptCase(t *testing.T, r *rand.Rand, c optCase, n int, specials bool) {
	t.Helper()
	p, pw := fenced(n, fence)
	for i := range p {
		p[i] = optValue(r, specials)
	}
	st, sw := make([][]float32, c.state), make([][]float32, c.state)
	ref := make([]kvState, n)
	refP := make([]kv, n)
	for i := range refP {
		refP[i] = kvConst(p[i])
		ref[i] = make(kvState, c.state)
		for j := range ref[i] {
			ref[i][j] = kvConst(c.init)
		}
	}
	for j := range st {
		v := make([]float32, n)
		for i := range v {
			v[i] = c.init
		}
		st[j], sw[j] = operand(v)
	}
	for step := 1; step <= optSteps; step++ {
		name := fmt.Sprintf("%s n=%d step %d (specials %v)", c.name, n, step, specials)
		g0 := make([]float32, n)
		for i := range g0 {
			g0[i] = optValue(r, specials)
		}
		g, gw := operand(g0)
		gBefore := append([]float32(nil), gw...)
		c.kernel(step, p, g, st)
		checkFence(t, name, pw, n)
		unchanged(t, name, "g", gw, gBefore)
		for j := range sw {
			for i, v := range sw[j] {
				if (i < guard || i >= guard+n) && !math.IsNaN(float64(v)) {
					t.Fatalf("%s: state operand %d written outside its %d elements, at %d", name, j, n, i-guard)
				}
			}
		}
		for i := range n {
			c.ref(step, &refP[i], kvConst(g0[i]), ref[i])
			check := func(what string, got float32, want kv) {
				if !sameFloat(got, want.f) {
					t.Fatalf("%s: %s[%d] = %v (%#x), want Keras' float32 steps' %v (%#x)", name, what, i, got, math.Float32bits(got), want.f, math.Float32bits(want.f))
				}
				if !specials && !(math.Abs(float64(got)-want.x) <= want.e) {
					t.Fatalf("%s: %s[%d] = %v, exact %v: off by %.3g, more than the bound %.3g", name, what, i, got, want.x, math.Abs(float64(got)-want.x), want.e)
				}
			}
			check("p", p[i], refP[i])
			for j := range st {
				if j < len(ref[i]) {
					check(fmt.Sprintf("state %d", j), st[j][i], ref[i][j])
				}
			}
		}
	}
}

// TestKerasOptimizerBounds checks that the bounds of TestKerasOptimizers are tight enough to fail:
// a kernel that used 1 - float32(rho) for RMSprop's float32(1 - rho) (2.4·10⁻⁸ apart), or put
// epsilon outside the square root, would leave them.
func TestKerasOptimizerBounds(t *testing.T) {
	p, g, v := []float32{0.5}, []float32{0.01}, []float32{0}
	ref, st := kvConst(0.5), kvState{kvConst(0), kvConst(0), kvConst(0)}
	c := rmspropCase(1e-3, 0.9, 0, 1e-7, false)
	c.ref(1, &ref, kvConst(0.01), st)
	RMSprop(p, g, v, nil, nil, 1e-3, 0.9, 0, 1e-7)
	wrongC := (1 - float32(0.9)) * (g[0] * g[0])
	if math.Abs(float64(wrongC)-st[0].x) <= st[0].e {
		t.Errorf("velocity from 1 - float32(0.9), %v, is within the bound %v of %v", wrongC, st[0].e, st[0].x)
	}
	wrongP := 0.5 - 1e-3*0.01/(float32(math.Sqrt(float64(v[0])))+1e-7)
	if math.Abs(float64(wrongP)-ref.x) <= ref.e {
		t.Errorf("p with epsilon outside the root, %v, is within the bound %v of %v", wrongP, ref.e, ref.x)
	}
	if math.Abs(float64(p[0])-ref.x) > ref.e {
		t.Errorf("p = %v, exact %v, bound %v", p[0], ref.x, ref.e)
	}
}

// TestNadamScalars checks NadamScalars and NadamProduct against nadamRef, and the chaining of the
// running product.
func TestNadamScalars(t *testing.T) {
	for _, b := range [][2]float64{{0.9, 0.999}, {0.5, 0.67}, {0.3, 0.4}, {0.99, 0.9999}} {
		prod := 1.0
		for step := 1; step <= 1000; step++ {
			s, next := NadamScalars(step, b[0], b[1], prod)
			uT, uNext, want, b2 := nadamRef(step, b[0], b[1])
			whole := NadamProduct(step, b[0])
			if want > 1e-290 && (math.Abs(next-want) > 1e-12*want || math.Abs(whole-want) > 1e-12*want) || want <= 1e-290 && (next > 1e-280 || whole > 1e-280) {
				t.Fatalf("beta %v step %d: product %v (NadamProduct %v), want %v", b, step, next, whole, want)
			}
			for _, c := range []struct {
				what string
				got  float32
				want float64
			}{{"UNext", s.UNext, uNext}, {"OneMinusUProdNext", s.OneMinusUProdNext, 1 - want*uNext}, {"OneMinusU", s.OneMinusU, 1 - uT},
				{"OneMinusUProd", s.OneMinusUProd, 1 - want}, {"OneMinusBeta2Pow", s.OneMinusBeta2Pow, b2}} {
				if !near(c.got, c.want, 0x1p-24*math.Abs(c.want)*(1+1e-6)) {
					t.Fatalf("beta %v step %d: %s = %v, want %v", b, step, c.what, c.got, c.want)
				}
			}
			prod = next
		}
	}
	// Step 1 with Keras' defaults: u_1 = 0.9·(1 - 0.5·0.96), u_2 = 0.9·(1 - 0.5·0.96²) (float32 constants).
	s, next := NadamScalars(1, 0.9, 0.999, 1)
	b1, d := float64(float32(0.9)), float64(float32(0.96))
	if u1 := b1 * (1 - 0.5*d); next != u1 || s.OneMinusU != float32(1-u1) || s.UNext != float32(b1*(1-0.5*d*d)) || s.OneMinusBeta2Pow != float32(1-float64(float32(0.999))) {
		t.Errorf("NadamScalars(1) = %+v, %v", s, next)
	}
	mustPanicWith(t, "NadamScalars(0)", "step t", func() { NadamScalars(0, 0.9, 0.999, 1) })
	if OneMinusPow(0.9, 3) != float32(1-powRef(float64(float32(0.9)), 3)) || OneMinusPow(0.999, 0) != 0 {
		t.Errorf("OneMinusPow(0.9, 3) = %v", OneMinusPow(0.9, 3))
	}
}

// kerasClose is Keras' assertAllClose: |got - want| <= atol + rtol·|want|.
func kerasClose(got []float32, want []float64, tol float64) bool {
	for i := range want {
		if !(math.Abs(float64(got[i])-want[i]) <= tol+tol*math.Abs(want[i])) {
			return false
		}
	}
	return true
}

// kerasGolden runs Keras' test_correctness_with_golden (keras/src/optimizers/*_test.py): x = ones(10),
// one step with gradients 0.01, then, before each further step with gradients 0.1, 0.2, ..., 1.0,
// x must match a row of golden within rtol = atol = 5e-4.
func kerasGolden(t *testing.T, name string, step func(t int, x, g []float32), golden [][]float64) {
	t.Helper()
	x, g := make([]float32, 10), make([]float32, 10)
	for i := range x {
		x[i], g[i] = 1, 0.01
	}
	step(1, x, g)
	for i := range g {
		g[i] = float32(0.1 * float64(i+1))
	}
	for row, want := range golden {
		if !kerasClose(x, want, 5e-4) {
			t.Errorf("%s: after step %d: %v, want Keras' golden %v", name, row+1, x, want)
			return
		}
		step(row+2, x, g)
	}
}

// kerasSingle runs Keras' test_single_step: vars [1, 2, 3, 4], grads [1, 6, 7, 2], rtol = atol = 1e-4.
func kerasSingle(t *testing.T, name string, step func(t int, x, g []float32), want []float64) {
	t.Helper()
	x, g := []float32{1, 2, 3, 4}, []float32{1, 6, 7, 2}
	step(1, x, g)
	if !kerasClose(x, want, 1e-4) {
		t.Errorf("%s single step: %v, want Keras' %v", name, x, want)
	}
}

// kerasWeightDecay runs Keras' test_weight_decay: three fresh optimisers with weight_decay 0.004
// and learning rate 1 each apply one step of zero gradients to var1 = 2, which ends at 1.9760959
// (decimal=6).
func kerasWeightDecay(t *testing.T, name string, fresh func() func(t int, x, g []float32)) {
	t.Helper()
	x, g := []float32{2}, []float32{0}
	for range 3 {
		step := fresh()
		WeightDecay(x, 1, 0.004)
		step(1, x, g)
	}
	if math.Abs(float64(x[0])-1.9760959) >= 1.5e-6 {
		t.Errorf("%s weight decay: %v, want Keras' 1.9760959", name, x[0])
	}
}

// stepper returns a step function over fresh state for an optimiser kernel.
func rmspropStepper(lr float32, rho, momentum, eps float64, centered bool) func(int, []float32, []float32) {
	var v, mom, avg []float32
	return func(_ int, x, g []float32) {
		if v == nil {
			v, mom, avg = make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
			if !centered {
				avg = nil
			}
		}
		RMSprop(x, g, v, mom, avg, lr, rho, momentum, eps)
	}
}

func adagradStepper(lr float32, initial, eps float64) func(int, []float32, []float32) {
	var acc []float32
	return func(_ int, x, g []float32) {
		if acc == nil {
			acc = make([]float32, len(x))
			for i := range acc {
				acc[i] = float32(initial)
			}
		}
		Adagrad(x, g, acc, lr, eps)
	}
}

func adamaxStepper(lr float32, b1, b2, eps float64) func(int, []float32, []float32) {
	var m, u []float32
	return func(t int, x, g []float32) {
		if m == nil {
			m, u = make([]float32, len(x)), make([]float32, len(x))
		}
		Adamax(x, g, m, u, lr, OneMinusPow(b1, t), b1, b2, eps)
	}
}

func nadamStepper(lr float32, b1, b2, eps float64) func(int, []float32, []float32) {
	var m, v []float32
	prod := 1.0
	return func(t int, x, g []float32) {
		if m == nil {
			m, v = make([]float32, len(x)), make([]float32, len(x))
		}
		var s NadamStep
		s, prod = NadamScalars(t, b1, b2, prod)
		Nadam(x, g, m, v, lr, s, b1, b2, eps)
	}
}

// adamWStepper is Keras' AdamW: WeightDecay, then the package's Adam with Keras' alpha.
func adamWStepper(lr float32, wd, b1, b2, eps float64) func(int, []float32, []float32) {
	var m, v []float32
	return func(t int, x, g []float32) {
		if m == nil {
			m, v = make([]float32, len(x)), make([]float32, len(x))
		}
		WeightDecay(x, lr, wd)
		alpha := float32(float64(lr) * math.Sqrt(1-math.Pow(b2, float64(t))) / (1 - math.Pow(b1, float64(t))))
		Adam(x, g, m, v, alpha, float32(b1), float32(b2), float32(eps))
	}
}

func TestKerasOptimizerGolden(t *testing.T) {
	kerasSingle(t, "RMSprop", rmspropStepper(0.5, 0.9, 0, 1e-7, false), []float64{-0.5811, 0.4189, 1.4189, 2.4189})
	kerasGolden(t, "RMSprop(centered)", rmspropStepper(1e-3, 0.9, 0, 1e-7, true), [][]float64{
		tile(0.9967), tile(0.9933), tile(0.9908), tile(0.9885), tile(0.9864)})
	kerasWeightDecay(t, "RMSprop", func() func(int, []float32, []float32) { return rmspropStepper(1, 0.9, 0, 1e-7, false) })

	kerasSingle(t, "Adagrad", adagradStepper(0.5, 0.1, 1e-7), []float64{0.5233, 1.5007, 2.5005, 3.5061})
	kerasGolden(t, "Adagrad", adagradStepper(0.2, 0.3, 1e-6), [][]float64{
		{0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963, 0.9963},
		{0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209},
		{0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891},
		{0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579},
		{0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825}})
	kerasWeightDecay(t, "Adagrad", func() func(int, []float32, []float32) { return adagradStepper(1, 0.1, 1e-7) })

	kerasSingle(t, "Adamax", adamaxStepper(0.5, 0.9, 0.999, 1e-7), []float64{0.5, 1.5, 2.5, 3.5})
	kerasGolden(t, "Adamax", adamaxStepper(0.2, 0.85, 0.95, 1e-6), [][]float64{
		tile(0.8),
		{0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691},
		{0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466},
		{0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848},
		{0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126}})
	kerasWeightDecay(t, "Adamax", func() func(int, []float32, []float32) { return adamaxStepper(1, 0.9, 0.999, 1e-7) })

	kerasSingle(t, "Nadam", nadamStepper(0.5, 0.9, 0.999, 1e-7), []float64{0.4686, 1.4686, 2.4686, 3.4686})
	kerasGolden(t, "Nadam", nadamStepper(0.5, 0.5, 0.67, 1e-5), nadamGolden)
	kerasWeightDecay(t, "Nadam", func() func(int, []float32, []float32) { return nadamStepper(1, 0.9, 0.999, 1e-7) })

	forLevels(t, func(lvl string) {
		kerasSingle(t, lvl+"/AdamW", adamWStepper(0.5, 0.004, 0.9, 0.999, 1e-7), []float64{0.4980, 1.4960, 2.494, 3.492})
		kerasGolden(t, lvl+"/AdamW", adamWStepper(1, 0.5, 0.9, 0.999, 2), [][]float64{
			tile(0.4998),
			{0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382},
			{0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003},
			{0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258},
			{0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159}})
		// kerasWeightDecay applies the decay itself: Adam with weight decay 0 after it.
		kerasWeightDecay(t, lvl+"/AdamW", func() func(int, []float32, []float32) { return adamWStepper(1, 0, 0.9, 0.999, 1e-7) })
	})
}

var nadamGolden = [][]float64{
	{0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281, 0.4281},
	{-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717},
	{-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084},
	{-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299},
	{-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454}}

func tile(v float64) []float64 {
	s := make([]float64, 10)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestNadamGoldenRejectsKeras2 checks that the Nadam golden values tell Keras 3's momentum cache
// (0.96^t) from Keras 2's legacy one (0.96^(0.004·t)): run with the latter, the kernel misses them.
func TestNadamGoldenRejectsKeras2(t *testing.T) {
	const b1, b2, lr = 0.5, 0.67, 0.5
	u := func(s int) float64 { return b1 * (1 - 0.5*math.Pow(0.96, 0.004*float64(s))) }
	x, g, m, v := make([]float32, 10), make([]float32, 10), make([]float32, 10), make([]float32, 10)
	for i := range x {
		x[i], g[i] = 1, 0.01
	}
	prod := 1.0
	step := func(t int) {
		prod *= u(t)
		s := NadamStep{float32(u(t + 1)), float32(1 - prod*u(t+1)), float32(1 - u(t)), float32(1 - prod), OneMinusPow(b2, t)}
		Nadam(x, g, m, v, lr, s, b1, b2, 1e-5)
	}
	step(1)
	missed := !kerasClose(x, nadamGolden[0], 5e-4)
	for i := range g {
		g[i] = float32(0.1 * float64(i+1))
	}
	for row := 1; row < len(nadamGolden) && !missed; row++ {
		step(row + 1)
		missed = !kerasClose(x, nadamGolden[row], 5e-4)
	}
	if !missed {
		t.Error("Keras 2's Nadam schedule matches Keras 3's golden values: the golden test cannot tell them apart")
	}
}

func TestKerasOptimizerPanics(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	mustPanicWith(t, "RMSprop g", "operand g ", func() { RMSprop(s(3), s(2), s(3), nil, nil, 1, 0.9, 0, 1e-7) })
	mustPanicWith(t, "RMSprop v", "operand v ", func() { RMSprop(s(3), s(3), s(2), nil, nil, 1, 0.9, 0, 1e-7) })
	mustPanicWith(t, "RMSprop mom", "operand mom ", func() { RMSprop(s(3), s(3), s(3), nil, nil, 1, 0.9, 0.5, 1e-7) })
	mustPanicWith(t, "RMSprop avg", "operand avg ", func() { RMSprop(s(3), s(3), s(3), nil, s(2), 1, 0.9, 0, 1e-7) })
	mustPanicWith(t, "Adagrad acc", "operand acc ", func() { Adagrad(s(3), s(3), s(2), 1, 1e-7) })
	mustPanicWith(t, "Adamax u", "operand u ", func() { Adamax(s(3), s(3), s(3), s(2), 1, 1, 0.9, 0.999, 1e-7) })
	mustPanicWith(t, "Adamax m", "operand m ", func() { Adamax(s(3), s(3), s(2), s(3), 1, 1, 0.9, 0.999, 1e-7) })
	mustPanicWith(t, "Nadam v", "operand v ", func() { Nadam(s(3), s(3), s(3), s(2), 1, NadamStep{}, 0.9, 0.999, 1e-7) })
	mustPanicWith(t, "Nadam g", "operand g ", func() { Nadam(s(3), s(2), s(3), s(3), 1, NadamStep{}, 0.9, 0.999, 1e-7) })
	// Momentum 0 uses no momentum buffer, and an uncentered RMSprop no average: both may be nil.
	RMSprop(s(3), s(3), s(3), nil, nil, 1, 0.9, 0, 1e-7)
	RMSprop(nil, nil, nil, nil, nil, 1, 0.9, 0.5, 1e-7)
	WeightDecay(nil, 1, 0.004)
}
