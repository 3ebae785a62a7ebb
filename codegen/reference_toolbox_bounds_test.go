package codegen_test

// The float32 error bounds of the training toolbox (reference_toolbox_test.go), in the terms of
// reference_bounds_test.go: R random (root-sum-square), S systematic, in units of u = 2⁻²⁴.
//
// Each derivation follows the same steps: the errors of the operands carried by the derivative
// (random parts in quadrature, systematic linearly), one u·|result| of random error for each
// float32 operation, cFn·|result| for a transcendental function (exp, expm1, log1p, erfc, sqrt,
// pow), and as systematic error the float32 rounding of every constant (½ ulp, counted as 1) and
// every branch float32 may take differently from the reference (a kink within tolerance).

import (
	"math"

	"github.com/nngen/nngen/spec"
)

// toolboxActBounds bounds one row of a = act(z) for the toolbox's activations, given z's bounds.
//
//   - leaky_relu: z for z > 0, float32(z·0.2) otherwise: z's error times the slope, the product's
//     rounding and 0.2's (1 ulp of a, systematic). Within tolerance of 0 either branch may be
//     taken; the function is continuous with slopes at most 1, so z's error times 1 covers both.
//   - elu: z, or expm1(z) (cFn ulps): z's error times the slope, 1 or e^z (1 within tolerance of 0,
//     where the slopes meet).
//   - selu: scale·z (a product: its rounding, scale's), or scale·alpha·expm1(z) (cFn, and the
//     constants' rounding): the slope is scale, or a + scale·alpha; within tolerance of 0 the
//     larger, scale·alpha.
//   - softplus, gelu, silu: the slope at z (sigmoid(z); Φ(z) + z·φ(z); σ(1 + z(1 − σ))), cFn ulps of
//     the result, and a second-order remainder ½·max|f”|·tol(z)², systematic (|f”| <= ¼, 0.8,
//     0.5: σ(1 − σ) <= ¼; gelu” = φ(z)(2 − z²) <= 2φ(0) < 0.8; silu” = σ(1 − σ)(2 + z(1 − 2σ)) <=
//     ½, at 0).
func toolboxActBounds(act string, aE, zE []eb, z, a []float64) {
	for j := range aE {
		zj, ze, aj := z[j], zE[j], math.Abs(a[j])
		near := within(zj, 0, ze)
		curv := func(c float64) float64 { return c / 2 * sq(ze.tol()) / u32 }
		switch act {
		case "leaky_relu":
			switch {
			case near:
				aE[j] = eb{math.Hypot(ze.R, aj), ze.S + aj}
			case zj > 0:
				aE[j] = ze
			default:
				aE[j] = eb{math.Hypot(leakySlope*ze.R, aj), leakySlope*ze.S + aj}
			}
		case "elu":
			d := 1.0
			if zj <= 0 && !near {
				d = math.Exp(zj)
			}
			if zj > 0 && !near {
				aE[j] = ze
				break
			}
			aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + curv(1)}
		case "selu":
			switch {
			case near:
				d := seluScale * seluAlpha
				aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + aj + curv(d)}
			case zj > 0:
				aE[j] = eb{math.Hypot(seluScale*ze.R, aj), seluScale*ze.S + aj}
			default:
				d := a[j] + seluScale*seluAlpha
				aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + aj + curv(seluScale*seluAlpha)}
			}
		case "softplus":
			d := logistic(zj)
			aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + curv(0.25)}
		case "gelu":
			d := math.Abs(normalCDF(zj) + zj*normalPDF(zj))
			aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + curv(0.8)}
		case "silu":
			s := logistic(zj)
			d := math.Abs(s * (1 + zj*(1-s)))
			aE[j] = eb{math.Hypot(d*ze.R, cFn*aj), d*ze.S + curv(0.5)}
		default:
			panic("bounds: unknown activation " + act)
		}
	}
}

// toolboxActBackBounds bounds one row of dz = g·act'(…) for the toolbox's activations, given the
// bounds of g, z and a. The generated code writes the derivatives of leaky_relu, elu, selu and
// softplus from the output a, those of gelu and silu from the input z; either way:
//
//   - leaky_relu: g (a > 0) or float32(g·0.2): g's error times the slope, the product's rounding and
//     0.2's. Within tolerance of the kink the slope may be 1 or 0.2: 0.8·|g|, systematic.
//   - elu: g, or g·(a + 1) = g·e^z: g's error times the slope, a's times |g|, the sum and the product
//     rounding, cFn if the slope is recomputed from z. Within tolerance of the kink the branches
//     differ by |g·a| <= |g|·tol(a), which a's error times |g| covers.
//   - selu: g·scale, or g·(a + scale·alpha) as elu; the constants' rounding; within tolerance of the
//     kink the slopes scale and scale·alpha differ: |g|·scale·(alpha − 1), systematic.
//   - softplus: g·sigmoid(z) = g·(1 − e^−a): g's error times sigmoid(z), a's times |g|·e^−a (the
//     derivative of 1 − e^−a), cFn for expm1 or exp, the product's rounding.
//   - gelu, silu: g·f'(z): g's error times |f'(z)|, z's times |g·f”(z)|, and cFn ulps of the sum of
//     the magnitudes of f'(z)'s terms (Φ(z) + |z|·φ(z); σ·(1 + |z|·(1 − σ))): f'(z) crosses 0, where
//     a float32 evaluation keeps only an absolute accuracy.
func toolboxActBackBounds(act string, dzE []eb, g []float64, gE []eb, z []float64, zE []eb, a []float64, aE []eb, dz []float64) {
	for j := range dzE {
		gj, ge, zj, ze, dj := g[j], gE[j], z[j], zE[j], math.Abs(dz[j])
		ag := math.Abs(gj)
		near := within(zj, 0, ze)
		switch act {
		case "leaky_relu":
			switch {
			case near:
				dzE[j] = eb{math.Hypot(ge.R, dj), ge.S + (1-leakySlope)*ag/u32 + dj}
			case zj > 0:
				dzE[j] = ge
			default:
				dzE[j] = eb{math.Hypot(leakySlope*ge.R, dj), leakySlope*ge.S + dj}
			}
		case "elu":
			if zj > 0 && !near {
				dzE[j] = ge
				break
			}
			d := math.Exp(min(zj, 0))
			dzE[j] = eb{
				math.Sqrt(sq(d*ge.R) + sq(gj*aE[j].R) + sq((cFn+2)*dj)),
				d*ge.S + ag*aE[j].S,
			}
		case "selu":
			sa := seluScale * seluAlpha
			switch {
			case zj > 0 && !near:
				dzE[j] = eb{math.Hypot(seluScale*ge.R, dj), seluScale*ge.S + dj}
			default:
				d := sa * math.Exp(min(zj, 0))
				e := eb{
					math.Sqrt(sq(max(d, seluScale)*ge.R) + sq(gj*aE[j].R) + sq((cFn+2)*dj)),
					max(d, seluScale)*ge.S + ag*aE[j].S + dj,
				}
				if near {
					e.S += ag * (sa - seluScale) / u32
				}
				dzE[j] = e
			}
		case "softplus":
			s := logistic(zj)
			dzE[j] = eb{
				math.Sqrt(sq(s*ge.R) + sq(gj*math.Exp(-a[j])*aE[j].R) + sq((cFn+2)*dj)),
				s*ge.S + ag*math.Exp(-a[j])*aE[j].S,
			}
		case "gelu":
			phi := normalPDF(zj)
			d, d2 := normalCDF(zj)+zj*phi, phi*(2-zj*zj)
			dzE[j] = eb{
				math.Sqrt(sq(d*ge.R) + sq(gj*d2*ze.R) + sq((cFn+2)*ag*(normalCDF(zj)+math.Abs(zj)*phi))),
				math.Abs(d)*ge.S + math.Abs(gj*d2)*ze.S,
			}
		case "silu":
			s := logistic(zj)
			d, d2 := s*(1+zj*(1-s)), s*(1-s)*(2+zj*(1-2*s))
			dzE[j] = eb{
				math.Sqrt(sq(d*ge.R) + sq(gj*d2*ze.R) + sq((cFn+2)*ag*s*(1+math.Abs(zj)*(1-s)))),
				math.Abs(d)*ge.S + math.Abs(gj*d2)*ze.S,
			}
		default:
			panic("bounds: unknown activation " + act)
		}
	}
}

// pow2 reports whether m is 0 or a power of two, by which a float32 product is exact.
func pow2(m float64) bool {
	if m == 0 {
		return true
	}
	f, _ := math.Frexp(m)
	return f == 0.5
}

// maskOf is the mask of a dropout layer in a forward pass: nil when it passes its input on.
func maskOf(op refPre, masks refMasks) []float64 {
	if masks == nil {
		return nil
	}
	return masks[op.Index]
}

// opBounds bounds the output out of an activation or dropout layer, from its input in (bounds
// inE). A dropout multiplies by its float32 mask, 0 or 1/(1 − rate), exactly as given (the mask is
// drawn by asm.Dropout itself): the input's error times the mask, and the product's rounding unless
// the mask is a power of two (rate 0 or 0.5), by which it is exact.
func (net refNet) opBounds(op refPre, in []float64, inE []eb, out []float64, n, w int, masks refMasks) []eb {
	oE := make([]eb, len(out))
	switch op.Kind {
	case "activation":
		for r := 0; r < n; r++ {
			actBounds(op.Act, oE[r*w:(r+1)*w], inE[r*w:(r+1)*w], in[r*w:(r+1)*w], out[r*w:(r+1)*w])
		}
	case "dropout":
		mask := maskOf(op, masks)
		for i := range oE {
			if mask == nil {
				oE[i] = inE[i]
				continue
			}
			m := mask[i]
			oE[i] = eb{m * inE[i].R, m * inE[i].S}
			if !pow2(m) {
				oE[i].R = math.Hypot(oE[i].R, out[i])
			}
		}
	default:
		panic("bounds: " + op.Kind + " after a dense layer")
	}
	return oE
}

// opBackBounds bounds din = ∂loss/∂in through an activation or dropout layer from g = ∂loss/∂out
// (bounds gE), with the layer's input in, output out and their bounds; din is the reference's. A
// dropout's backward multiplies by the same mask: as forward.
func (net refNet) opBackBounds(op refPre, g []float64, gE []eb, in []float64, inE []eb, out []float64, outE []eb, din []float64, n, w int, masks refMasks) []eb {
	dE := make([]eb, len(g))
	switch op.Kind {
	case "activation":
		for r := 0; r < n; r++ {
			s, e := r*w, (r+1)*w
			actBackBounds(op.Act, dE[s:e], g[s:e], gE[s:e], in[s:e], inE[s:e], out[s:e], outE[s:e], din[s:e])
		}
	case "dropout":
		mask := maskOf(op, masks)
		for i := range dE {
			if mask == nil {
				dE[i] = gE[i]
				continue
			}
			m := mask[i]
			dE[i] = eb{m * gE[i].R, m * gE[i].S}
			if !pow2(m) {
				dE[i].R = math.Hypot(dE[i].R, din[i])
			}
		}
	default:
		panic("bounds: " + op.Kind + " after a dense layer")
	}
	return dE
}

// regGradBounds adds to the bounds gE of a gradient (whose reference values, the regularizer's
// term included, are g) those of the term float32(l1·sign(w) + (2·l2)·w) and of its addition: the
// product, the sum and the addition round (u·|2·l2·w|, u·|l1·s + 2·l2·w|, u·|g|), w's error is
// carried times 2·l2, and the float32 l1 and l2 err by ½ ulp each, systematically. Where w is
// within its tolerance of 0 the sign may be −1, 0 or 1: 2·l1, systematic. (The anchored parameters
// are exact float32 values, so that never happens in the parity test.)
func regGradBounds(gE []eb, g, w []float64, wE []eb, r spec.Regularizer) {
	if r.Zero() {
		return
	}
	for i, v := range w {
		t := r.L1*sign(v) + 2*r.L2*v
		e := gE[i]
		e.R = math.Sqrt(sq(e.R) + sq(2*r.L2*wE[i].R) + sq(2*r.L2*v) + sq(t) + sq(g[i]))
		e.S += 2*r.L2*wE[i].S + math.Abs(t)
		if r.L1 != 0 && within(v, 0, wE[i]) {
			e.S += 2 * r.L1 / u32
		}
		gE[i] = e
	}
}

// reportedLossBound bounds the loss a step reports: lossBound's for the data, and for the
// regularizers' penalty l1·Σ|w| + l2·Σw², summed in float64 (its rounding negligible) and added to
// the data loss in float64: the parameters' errors carried (l1 + 2·l2·|w| each), the float32 l1
// and l2 (½ ulp of the penalty each, systematic), and the rounding of the sum to float32.
func (net refNet) reportedLossBound(p [][]float64, pE [][]eb, f refForward, fb refFwdBounds, y []float64, loss float64) eb {
	e := net.lossBound(f, fb, y)
	if !net.regularized() {
		return e
	}
	var r2, s float64
	for _, x := range net.regTensors() {
		if x.R.Zero() {
			continue
		}
		for i, w := range p[x.T] {
			d := x.R.L1 + 2*x.R.L2*math.Abs(w)
			r2 += sq(d * pE[x.T][i].R)
			s += d * pE[x.T][i].S
		}
		s += penaltyOf(p[x.T], x.R)
	}
	return eb{math.Sqrt(sq(e.R) + r2 + sq(loss)), e.S + s}
}

// clipBounds returns the clipped gradients and their bounds, from the gradients g and theirs.
//
// By a norm (clipnorm per array, global_clipnorm over all): g' = g·c/max(N, c), N = ‖g‖. N's error
// is Σ g_i·δg_i/N carried (in quadrature, and linearly), and the float32 rounding of the float64
// sum of squares and the float32 square root: cFn·N. max(N, c) is 1-Lipschitz in N, so wherever
// N is not clearly below c, M = max(N, c) errs as N does (whichever branch float32 takes); clearly
// below, M = c exactly as in the numerator. Then g' errs by g's error times c/M and by |g'|·δM/M,
// and the product, the quotient (global_clipnorm: 1/N, c·(1/N), the product) round: 3·|g'|; c's
// rounding (it no longer cancels once clipped) and global_clipnorm's float32 c·float32(1/c), a
// scale within 1.5 ulps of 1 when not clipping: 2·|g'|, systematic.
//
// By value: the clamp is 1-Lipschitz, so g's error is carried as it is; a clamped element is
// ±float32(c), ½ ulp from ±c: 1 ulp of c, systematic, also within tolerance of ±c.
func (net refNet) clipBounds(g [][]float64, gE [][]eb) ([][]float64, [][]eb) {
	o := net.Opt
	if o.ClipNorm == 0 && o.GlobalClipNorm == 0 && o.ClipValue == 0 {
		return g, gE
	}
	c := net.clipGrads(g)
	cE := cloneBounds(gE)
	trained := net.trainable()
	byNorm := func(ts []int, clip float64) {
		norm := l2(g, ts)
		if norm == 0 {
			return
		}
		var r2, s float64
		for _, ti := range ts {
			for i, v := range g[ti] {
				r2 += sq(v * gE[ti][i].R)
				s += math.Abs(v) * gE[ti][i].S
			}
		}
		ne := eb{math.Sqrt(r2/sq(norm) + sq(cFn*norm)), s / norm}
		m, me := clip, eb{}
		if norm >= clip-ne.tol() {
			m, me = max(norm, clip), ne
		}
		for _, ti := range ts {
			for i := range g[ti] {
				ge, ci := gE[ti][i], math.Abs(c[ti][i])
				k := clip / m
				cE[ti][i] = eb{
					math.Sqrt(sq(k*ge.R) + sq(ci*me.R/m) + 3*sq(ci)),
					k*ge.S + ci*me.S/m + 2*ci,
				}
			}
		}
	}
	switch {
	case o.ClipNorm > 0:
		for _, ti := range trained {
			byNorm([]int{ti}, o.ClipNorm)
		}
	case o.GlobalClipNorm > 0:
		byNorm(trained, o.GlobalClipNorm)
	case o.ClipValue > 0:
		v := o.ClipValue
		for _, ti := range trained {
			for i, x := range g[ti] {
				ge := gE[ti][i]
				switch {
				case math.Abs(x) > v+ge.tol():
					cE[ti][i] = eb{S: v}
				case math.Abs(x) < v-ge.tol():
					cE[ti][i] = ge
				default:
					cE[ti][i] = eb{ge.R, ge.S + v}
				}
			}
		}
	}
	return c, cE
}

func cloneBounds(b [][]eb) [][]eb {
	c := make([][]eb, len(b))
	for i := range b {
		c[i] = append([]eb(nil), b[i]...)
	}
	return c
}

// decayBound returns w after the decoupled weight decay w − float32(float32(w·wd)·lr) and its
// bound: w's error carried times |1 − wd·lr|, the two products and the difference rounded
// (u·|w·wd·lr| twice, u·|w'|), and the float32 roundings of wd and lr, which every element shares:
// 1 ulp of w·wd·lr each, systematic.
func (net refNet) decayBound(w float64, we eb, lr float64) (float64, eb) {
	wd := net.Opt.WeightDecay
	d := w * wd * lr
	w2 := w - d
	c := math.Abs(1 - wd*lr)
	return w2, eb{math.Sqrt(sq(c*we.R) + 2*sq(d) + sq(w2)), c*we.S + 2*math.Abs(d)}
}

// emaBound bounds m' = m + (g − m)·(1 − β) (or β·m + (1 − β)·g) as stepBounds does Adam's first
// moment; r is the relative error of float32 1 − β in ulps.
func emaBound(m, m2 float64, me eb, g float64, ge eb, beta float64) eb {
	c := 1 - beta
	r := beta/c + 1
	return eb{
		math.Sqrt(sq((1-c)*me.R) + sq(c*ge.R) + 2*sq(c*(g-m)) + 2*sq(beta*m) + sq(m2)),
		(1-c)*me.S + c*ge.S + r*c*(math.Abs(g-m)+math.Abs(g)) + beta*math.Abs(m),
	}
}

// emaSquareBound bounds v' = v + (g² − v)·(1 − β) (or β·v + (1 − β)·g²) as stepBounds does Adam's
// second moment.
func emaSquareBound(v, v2 float64, ve eb, g float64, ge eb, beta float64) eb {
	c := 1 - beta
	r := beta/c + 1
	return eb{
		math.Sqrt(sq((1-c)*ve.R) + sq(2*c*g*ge.R) + 2*sq(c*(g*g-v)) + sq(c*g*g) + 2*sq(beta*v) + sq(v2)),
		(1-c)*ve.S + 2*c*math.Abs(g)*ge.S + r*c*(math.Abs(g*g-v)+g*g) + beta*v,
	}
}

// rootBound bounds √v from v's bound: by its derivative, or by √δv when v is near 0 (Adam's).
func rootBound(v float64, ve eb) (float64, eb) {
	root := math.Sqrt(v)
	if v > 0 && ve.tol() < v {
		return root, eb{ve.R / (2 * root), ve.S / (2 * root)}
	}
	return root, eb{S: math.Sqrt(ve.tol()) / u32}
}

// capped returns the bound e of an update whose float32 value can differ from the exact one by at
// most twice most: the update's magnitude is at most most whatever the gradients (a gradient of
// uncertain sign may move it the whole way, in Keras too).
func capped(e eb, most float64) eb {
	most *= 1 + 1e-3 // slack for the float32 constants
	if e.tol() > 2*most {
		return eb{S: 2 * most / u32}
	}
	return e
}

// nadamRel bounds the relative errors, in ulps, of the float32 scalars of Nadam's update t: A =
// u_{t+1}/(1 − P·u_{t+1}) multiplies the first moment, B = (1 − u_t)/(1 − P) the gradient. Keras
// (and asm.NadamScalars) take β1 and 0.96 as float32, and u_t, 1 − P·u_{t+1}, 1 − u_t, 1 − P are
// then each rounded to float32: each scalar errs by its difference from the exact one (computed
// here) plus cFn ulps for its rounding and pow; a quotient by the sum of its two scalars'.
func (net refNet) nadamRel(t int) (relA, relB float64) {
	b1 := net.Opt.Beta1
	scalars := func(beta1, decay float64) (un, oneMinusPUn, oneMinusUt, oneMinusP float64) {
		u := func(s int) float64 { return beta1 * (1 - 0.5*math.Pow(decay, float64(s))) }
		p := 1.0
		for s := 1; s <= t; s++ {
			p *= u(s)
		}
		return u(t + 1), 1 - p*u(t+1), 1 - u(t), 1 - p
	}
	e1, e2, e3, e4 := scalars(b1, 0.96)
	k1, k2, k3, k4 := scalars(f32(b1), f32(0.96))
	rel := func(exact, k float64) float64 { return math.Abs(k-exact)/math.Abs(exact)/u32 + cFn }
	return rel(e1, k1) + rel(e2, k2), rel(e3, k3) + rel(e4, k4)
}

// toolboxStepBound bounds the update of element i of tensor ti by the other optimisers, from the
// (decayed) parameter w with bound we and the (clipped) gradient g with bound ge; it fills in the
// state's bounds in s2E and returns the bound of the new parameter w2. s2 is the state after the
// update, st and stE before. The learning rate lr's float32 rounding is 1 ulp of the update,
// systematic.
//
//   - RMSprop: v' = ρ·v + (1 − ρ)·g² as Adam's second moment; centered, a' = ρ·a + (1 − ρ)·g as its
//     first and den = v' − a'² + ε (a'²'s error 2·|a'|·δa', three roundings; v' − a'² >= ρ^t·v'
//     by Cauchy–Schwarz, so the cancellation is mild), else den = v' + ε; inc = lr·g/√den: g's
//     error times lr/√den, den's times |inc|/(2·den), the product, the root (cFn) and the quotient
//     round. |inc| <= lr/√((1 − ρ)·ρ^t) since den >= (1 − ρ)·ρ^t·g² (ρ^t only when centered), so
//     the float32 inc is within twice that. With momentum, mom' = μ·mom + inc (μ's rounding) and
//     w' = w − mom', else w' = w − inc.
//   - Adagrad: acc' = acc + g² (acc from float32(initial_accumulator_value), ½ ulp), den = acc' + ε,
//     inc as RMSprop's; |inc| <= lr since acc' >= g².
//   - Adamax: m' as Adam's; u' = max(β2·u, |g|), which errs as the larger branch where they are
//     apart and at most as the larger of the two errors near a tie (max is 1-Lipschitz); den =
//     (1 − β1^t)·(u' + ε) (relOneMinusPow, two roundings); q = lr·m'/den (two roundings).
//     |m'| <= (1 − β1)·Σ_{k<t}(β1/β2)^k·u' (u' >= β2^k·|g_{t−k}|), so |q| <= that·lr/(1 − β1^t).
//   - Nadam: m', v' as Adam's; m̂ = A·m' + B·g (nadamRel for A and B; four roundings and the sum);
//     v̂ = v'/(1 − β2^t) (relOneMinusPow); q = m̂/(√v̂ + ε) as Adam's m/(√v + ε); w' = w − lr·q.
//     |m'|/√v' <= adamRatioMax and |g|/√v' <= 1/√(1 − β2), so |q| <= √(1 − β2^t)·(A·adamRatioMax +
//     B/√(1 − β2)).
func (net refNet) toolboxStepBound(s2E *refOptBounds, s2, st refOptState, stE refOptBounds, ti, i int, w float64, we eb, g float64, ge eb, lr float64, nd nadamStep, w2 float64) eb {
	o := net.Opt
	t := s2.T
	ag := math.Abs(g)
	// incBound bounds inc = lr·g/√den.
	incBound := func(den float64, denE eb) (float64, eb) {
		rd := math.Sqrt(den)
		inc := lr * g / rd
		return inc, eb{
			math.Sqrt(sq(lr*ge.R/rd) + sq(inc*denE.R/(2*den)) + (2+cFn*cFn)*sq(inc)),
			lr*ge.S/rd + math.Abs(inc)*denE.S/(2*den) + math.Abs(inc),
		}
	}
	switch o.Type {
	case "rmsprop":
		rho := o.Rho
		v, v2 := st.V[ti][i], s2.V[ti][i]
		v2e := emaSquareBound(v, v2, stE.V[ti][i], g, ge, rho)
		s2E.V[ti][i] = v2e
		den := v2 + o.Epsilon
		denE := eb{math.Hypot(v2e.R, den), v2e.S + o.Epsilon}
		most := lr / math.Sqrt(1-rho)
		if o.Centered {
			a, a2 := st.Avg[ti][i], s2.Avg[ti][i]
			a2e := emaBound(a, a2, stE.Avg[ti][i], g, ge, rho)
			s2E.Avg[ti][i] = a2e
			diff := v2 - a2*a2
			den = diff + o.Epsilon
			denE = eb{
				math.Sqrt(sq(v2e.R) + sq(2*a2*a2e.R) + sq(a2*a2) + sq(diff) + sq(den)),
				v2e.S + 2*math.Abs(a2)*a2e.S + o.Epsilon,
			}
			most /= math.Sqrt(math.Pow(rho, float64(t)))
		}
		_, incE := incBound(den, denE)
		incE = capped(incE, most)
		if o.Momentum > 0 {
			mu := o.Momentum
			m, m2 := st.Mom[ti][i], s2.Mom[ti][i]
			me := stE.Mom[ti][i]
			m2e := eb{
				math.Sqrt(sq(mu*me.R) + sq(incE.R) + sq(mu*m) + sq(m2)),
				mu*me.S + incE.S + mu*math.Abs(m),
			}
			s2E.Mom[ti][i] = m2e
			return eb{math.Sqrt(sq(we.R) + sq(m2e.R) + sq(w2)), we.S + m2e.S}
		}
		return eb{math.Sqrt(sq(we.R) + sq(incE.R) + sq(w2)), we.S + incE.S}
	case "adagrad":
		ae := stE.Acc[ti][i]
		if st.T == 0 {
			ae = eb{S: o.InitialAccumulator} // float32(initial_accumulator_value)
		}
		acc2 := s2.Acc[ti][i]
		acc2e := eb{math.Sqrt(sq(ae.R) + sq(2*g*ge.R) + sq(g*g) + sq(acc2)), ae.S + 2*ag*ge.S}
		s2E.Acc[ti][i] = acc2e
		den := acc2 + o.Epsilon
		_, incE := incBound(den, eb{math.Hypot(acc2e.R, den), acc2e.S + o.Epsilon})
		incE = capped(incE, lr)
		return eb{math.Sqrt(sq(we.R) + sq(incE.R) + sq(w2)), we.S + incE.S}
	case "adamax":
		b1, b2 := o.Beta1, o.Beta2
		m, m2 := st.M[ti][i], s2.M[ti][i]
		m2e := emaBound(m, m2, stE.M[ti][i], g, ge, b1)
		s2E.M[ti][i] = m2e
		u, ue := st.U[ti][i], stE.U[ti][i]
		bu := b2 * u
		bue := eb{math.Hypot(b2*ue.R, bu), b2*ue.S + bu}
		u2 := s2.U[ti][i]
		var u2e eb
		switch {
		case bu-ag > bue.tol()+ge.tol():
			u2e = bue
		case ag-bu > bue.tol()+ge.tol():
			u2e = ge
		default:
			u2e = eb{max(bue.R, ge.R), max(bue.S, ge.S)}
		}
		s2E.U[ti][i] = u2e
		corr := 1 - math.Pow(b1, float64(t))
		den := corr * (u2 + o.Epsilon)
		denE := eb{
			math.Sqrt(sq(corr*u2e.R) + sq(corr*(u2+o.Epsilon)) + sq(den)),
			corr*(u2e.S+o.Epsilon) + den*relOneMinusPow(b1, t),
		}
		q := lr * m2 / den
		qe := eb{
			math.Sqrt(sq(lr*m2e.R/den) + sq(q*denE.R/den) + 2*sq(q)),
			lr*m2e.S/den + math.Abs(q)*denE.S/den + math.Abs(q),
		}
		sum := 0.0
		for k := 0; k < t; k++ {
			sum += math.Pow(b1/b2, float64(k))
		}
		qe = capped(qe, lr*(1-b1)*sum/corr)
		return eb{math.Sqrt(sq(we.R) + sq(qe.R) + sq(w2)), we.S + qe.S}
	case "nadam":
		b1, b2 := o.Beta1, o.Beta2
		m, m2 := st.M[ti][i], s2.M[ti][i]
		v, v2 := st.V[ti][i], s2.V[ti][i]
		m2e := emaBound(m, m2, stE.M[ti][i], g, ge, b1)
		v2e := emaSquareBound(v, v2, stE.V[ti][i], g, ge, b2)
		s2E.M[ti][i], s2E.V[ti][i] = m2e, v2e
		A, B := nd.Un/(1-nd.P*nd.Un), (1-nd.Ut)/(1-nd.P)
		relA, relB := net.nadamRel(t)
		mh := A*m2 + B*g
		mhE := eb{
			math.Sqrt(sq(A*m2e.R) + sq(B*ge.R) + 2*sq(A*m2) + 2*sq(B*g) + sq(mh)),
			A*m2e.S + B*ge.S + relA*math.Abs(A*m2) + relB*math.Abs(B*g),
		}
		c2 := 1 - math.Pow(b2, float64(t))
		vh := v2 / c2
		vhE := eb{math.Hypot(v2e.R/c2, vh), v2e.S/c2 + vh*relOneMinusPow(b2, t)}
		root, rootE := rootBound(vh, vhE)
		d := root + o.Epsilon
		q := mh / d
		qe := eb{
			math.Sqrt(sq(mhE.R/d) + sq(mh*rootE.R/(d*d)) + 3*sq(q)),
			mhE.S/d + math.Abs(mh)*(rootE.S+o.Epsilon+cFn*root)/(d*d),
		}
		qe = capped(qe, math.Sqrt(c2)*(A*adamRatioMax(b1, b2, t)+B/math.Sqrt(1-b2)))
		return eb{
			math.Sqrt(sq(we.R) + sq(lr*qe.R) + 3*sq(lr*q) + sq(w2)),
			we.S + lr*qe.S + math.Abs(lr*q),
		}
	}
	panic("bounds: unknown optimizer " + o.Type)
}
