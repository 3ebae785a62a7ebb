package codegen_test

// How far generated float32 code may legitimately stray from the float64 reference. (The bounds
// of the training toolbox, in the same terms, are in reference_toolbox_bounds_test.go.)
//
// The generated code computes in float32, whose unit roundoff is u = 2⁻²⁴ ≈ 6e-8. For every value
// the reference computes, the functions here bound the float32 error of that value by running
// error analysis (Higham, "Accuracy and Stability of Numerical Algorithms", ch. 3), in two parts,
// both in units of u:
//
//   - R, random error, under the probabilistic model of Higham and Mary ("A new approach to
//     probabilistic rounding error analysis", SIAM J. Sci. Comput. 2019): every float32 operation
//     perturbs its result by at most u·|result|, independently and with mean zero. Independent
//     errors add in quadrature, so R is a root-sum-square: a sum of k terms, in any order (SIMD
//     kernels, FMA), contributes at most √k·Σ|terms|, and errors already in the operands are
//     carried by the derivative, in quadrature too. By Hoeffding's inequality a sum of such errors
//     exceeds λ·R with probability below 2·exp(−λ²/2) ≈ 4e-22 for λ = 10. exp, log, sigmoid,
//     tanh and sqrt count here too, as any float32 implementation within cFn ulps (tanh also 2
//     ulps of 1, for the exp-based forms' cancellation near 0): their errors change sign from one
//     argument to the next, and even a bias shared by all k terms of a sum, √k times the
//     quadrature estimate, stays within λ·R for sums of up to λ² = 100 terms (a layer's units,
//     a batch's rows).
//   - S, systematic error, added linearly, for what every element shares: the float32 rounding
//     of the constants (lr, β1, β2, ε, momentum; 1 − β then has a relative error of β/(1 − β)
//     ulps, 1000 for β2 = 0.999, which Keras, computing in float32, shares), Adam's step size
//     (pow), and the kinks below. An Adam update whose gradient's sign float32 cannot settle may
//     differ by up to twice the largest possible step, ±lr or so, in Keras too: stepBounds caps
//     it there.
//
// A value passes when |got − want| <= u·(λ·R + S) (plus a denormal floor). Against the generated
// code the largest |got − want| seen is about a tenth of that; the bugs a generator is likely to
// make (a wrong formula, a missing 1/n, a wrong row count, Adam's ε or bias correction misplaced,
// a learning rate off by 1%, gradients off by 0.1%) exceed it by far (TestParityDetectsBugs).
// Worst-case bounds (k·Σ|terms| per sum, linear carrying) would be rigorous, but they compound to
// 1e3–1e4 times the real error over a few layers; Adam, which divides every gradient by its own
// size, then turns most small gradients into an uncertain sign, and the test would check little.
//
// Kinks: relu at 0, the cross-entropy clips at 1e-7 and 1 − 1e-7, the mean absolute error's
// sign at a = y, ties in an argmax. A relu input within tolerance of 0 may land on either side in
// float32; the bounds then allow both branches (the output may be 0 or z, the delta 0 or g), as
// systematic error. The categorical cross-entropy's clip is handled the same way in the loss, the
// binary one's by the loss's range over the output's tolerance interval, the absolute error's sign
// by allowing each of −1, 0, 1; an argmax within tolerance of a tie makes the row's correctness
// uncertain, and correctRange returns the range of counts float32 may give.
//
// Exactness: an operation whose operands float32 holds exactly (a zero bound) and whose exact
// result is a float32 has no rounding error at all, by IEEE 754; the preprocessing bounds use it,
// so that a feature that cancels exactly (x − mean, Sterbenz) is not charged the rounding of its
// operands' size. Statistics the network does not train (the normalization's and the labels' mean
// and variance) are exact float32 values the test gives; a step never changes them.

import (
	"fmt"
	"math"
)

const (
	u32      = 0x1p-24 // unit roundoff of float32
	lambda   = 10      // random error passes up to λ·R
	cFn      = 8       // ulps allowed for exp, log, tanh, sigmoid, sqrt and pow in float32 code
	denormal = 0x1p-140
)

// eb bounds the float32 error of one value: R random (a root-sum-square), S systematic, both
// in units of u.
type eb struct{ R, S float64 }

// tol is the largest |got − want| accepted.
func (e eb) tol() float64 { return u32*(lambda*e.R+e.S) + denormal }

// within reports whether got is within tolerance of want whose error bound is e. NaN never is.
func within(got, want float64, e eb) bool { return math.Abs(got-want) <= e.tol() }

// sq is x².
func sq(x float64) float64 { return x * x }

// refFwdBounds bounds every value of a refForward.
type refFwdBounds struct {
	Pre     [][]eb // Pre[0], the raw input, is exact
	Z, A, D [][]eb
	Post    [][][]eb // the activation and dropout layers after each dense layer
	Out     []eb
	Kinks   []refKink            // relu inputs that float32 may put on either side of 0
	BN      map[int]*refBNBounds // each batch normalization's bounds, by K
	Img     [][]eb               // the image stage's outputs, Img[0] its input (reference_conv_bounds_test.go)
	ImgZ    [][]eb               // a conv2d's pre-activations
}

// Output bounds the network's output as Output() and Predict report it.
func (b refFwdBounds) Output() []eb { return b.Out }

// Net bounds the last dense layer's output.
func (b refFwdBounds) Net() []eb { return b.A[len(b.A)-1] }

// isF32 reports whether v is a float32 value.
func isF32(v float64) bool { return f32(v) == v }

// exact reports whether a bound says the value is held exactly.
func (e eb) exact() bool { return e == eb{} }

// refKink is a relu input within tolerance of 0.
type refKink struct {
	Layer, Row, Unit int // Layer from 0
	Z                float64
	E                eb
}

func (k refKink) String() string {
	return fmt.Sprintf("layer %d row %d unit %d: relu input %.3g ± %.3g", k.Layer+1, k.Row, k.Unit, k.Z, k.E.tol())
}

// paramBounds is a zero bound for every parameter of p: float32 parameters given exactly.
func paramBounds(p [][]float64) [][]eb {
	b := make([][]eb, len(p))
	for i := range p {
		b[i] = make([]eb, len(p[i]))
	}
	return b
}

// forwardBounds bounds the float32 forward pass with parameters p whose float32 copies have
// errors pE.
func (net refNet) forwardBounds(p [][]float64, pE [][]eb, f refForward) refFwdBounds {
	n := f.N
	b := refFwdBounds{BN: map[int]*refBNBounds{}}
	b.Pre = net.preBounds(p, pE, f, b.BN)
	b.A = [][]eb{net.imgBounds(p, pE, f, b.Pre[len(b.Pre)-1], &b)}
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		w, wE := p[ki], pE[ki]
		x, xE := f.A[l], b.A[l]
		zE := make([]eb, n*ly.Out)
		k := float64(ly.In + 1)
		for r := 0; r < n; r++ {
			for j := 0; j < ly.Out; j++ {
				var terms, r2, s float64
				if bi >= 0 {
					terms, r2, s = math.Abs(p[bi][j]), sq(pE[bi][j].R), pE[bi][j].S
				}
				for i := 0; i < ly.In; i++ {
					xi, wij := x[r*ly.In+i], w[i*ly.Out+j]
					xe, we := xE[r*ly.In+i], wE[i*ly.Out+j]
					terms += math.Abs(xi * wij)
					r2 += sq(xe.R*wij) + sq(xi*we.R)
					s += xe.S*math.Abs(wij) + math.Abs(xi)*we.S
				}
				zE[r*ly.Out+j] = eb{math.Sqrt(r2 + k*sq(terms)), s}
			}
		}
		aE := make([]eb, len(zE))
		for r := 0; r < n; r++ {
			lo, hi := r*ly.Out, (r+1)*ly.Out
			actBounds(ly.Act, aE[lo:hi], zE[lo:hi], f.Z[l][lo:hi], f.D[l][lo:hi])
		}
		if ly.Act == "relu" {
			for i, z := range f.Z[l] {
				if within(z, 0, zE[i]) {
					b.Kinks = append(b.Kinks, refKink{l, i / ly.Out, i % ly.Out, z, zE[i]})
				}
			}
		}
		b.Z, b.D = append(b.Z, zE), append(b.D, aE)
		var post [][]eb
		in, inE := f.D[l], aE
		for k, op := range ly.Post {
			var oE []eb
			if op.Kind == "batch_normalization" {
				oE, b.BN[op.K] = net.bnBounds(p, pE, op, f, inE)
			} else {
				oE = net.opBounds(op, in, inE, f.Post[l][k], n, ly.Out, f.Masks)
			}
			post = append(post, oE)
			in, inE = f.Post[l][k], oE
		}
		b.Post, b.A = append(b.Post, post), append(b.A, inE)
	}
	b.Out = b.Net()
	if net.Labels {
		b.Out = net.restoreBounds(p, pE, f.Net(), b.Net())
	}
	return b
}

// preBounds bounds the outputs of the preprocessing layers, from the exact raw input.
func (net refNet) preBounds(p [][]float64, pE [][]eb, f refForward, bn map[int]*refBNBounds) [][]eb {
	out := [][]eb{make([]eb, len(f.Pre[0]))}
	for li, pre := range net.Pre {
		x, xE, o := f.Pre[li], out[li], f.Pre[li+1]
		if pre.Kind == "batch_normalization" {
			oE, bb := net.bnBounds(p, pE, pre, f, xE)
			bn[pre.K] = bb
			out = append(out, oE)
			continue
		}
		if pre.Kind == "activation" || pre.Kind == "dropout" {
			out = append(out, net.opBounds(pre, x, xE, o, f.N, net.In, f.Masks))
			continue
		}
		oE := make([]eb, len(o))
		for i := range o {
			j := i % net.In
			switch pre.Kind {
			case "rescaling":
				// float32(x·s) + o, s and o float32 constants: x's error is carried times |s|; the
				// product rounds (u·|x·s|) and the sum rounds (u·|out|), each unless exact (above).
				prod := x[i] * pre.Scale
				r2 := sq(xE[i].R * pre.Scale)
				exact := xE[i].exact() && isF32(prod)
				if !exact {
					r2 += sq(prod)
				}
				if !(exact && isF32(o[i])) {
					r2 += sq(o[i])
				}
				oE[i] = eb{math.Sqrt(r2), math.Abs(pre.Scale) * xE[i].S}
			case "normalization":
				oE[i] = net.standardiseBound(x[i], xE[i], p[net.normIndex()][j], pE[net.normIndex()][j], p[net.normIndex()+1][j], o[i])
			}
		}
		out = append(out, oE)
	}
	return out
}

// standardiseBound bounds float32 (x − m)/σ, σ = max(√v, 1e-7), whose exact value is out, for x
// and m with bounds xE and mE and v exact: the errors of x and m are carried divided by σ; the
// subtraction rounds (u·|x − m|, unless exact); σ itself is within cFn ulps of √v (sqrt) or, when
// floored, 0.12 ulp of 1e-7 (float32(1e-7)), and max keeps the larger error of its operands, so σ
// errs by at most cFn·u·σ. That error is the same for every row of the feature, so it is
// systematic: cFn·|out|. The division rounds (u·|out|).
func (net refNet) standardiseBound(x float64, xE eb, m float64, mE eb, v, out float64) eb {
	sd := max(math.Sqrt(v), normFloor)
	d := x - m
	r2 := sq(xE.R) + sq(mE.R)
	if !(xE.exact() && mE.exact() && isF32(d)) {
		r2 += sq(d)
	}
	return eb{math.Sqrt(r2/sq(sd) + sq(out)), (xE.S+mE.S)/sd + cFn*math.Abs(out)}
}

// restoreBounds bounds the outputs z (bounds zE) restored to the labels' units, float32 m +
// float32(z·σ): z's error is carried times σ; the product and the sum round (u·|z·σ|, u·|out|); σ
// errs by cFn ulps at most, systematically (see standardiseBound): cFn·|z·σ|.
func (net refNet) restoreBounds(p [][]float64, pE [][]eb, z []float64, zE []eb) []eb {
	k, li := net.OutSize(), net.labelIndex()
	out := make([]eb, len(z))
	for i := range z {
		j := i % k
		sd := max(math.Sqrt(p[li+1][j]), normFloor)
		prod, o := z[i]*sd, p[li][j]+z[i]*sd
		out[i] = eb{
			math.Sqrt(sq(sd*zE[i].R) + sq(prod) + sq(o) + sq(pE[li][j].R)),
			sd*zE[i].S + cFn*math.Abs(prod) + pE[li][j].S,
		}
	}
	return out
}

// targetBounds bounds the targets the network is trained against: the labels y are exact
// float32; standardised, each is bounded as a normalization's output.
func (net refNet) targetBounds(p [][]float64, pE [][]eb, y, t []float64) []eb {
	tE := make([]eb, len(y))
	if !net.Labels {
		return tE
	}
	k, li := net.OutSize(), net.labelIndex()
	for i := range y {
		tE[i] = net.standardiseBound(y[i], eb{}, p[li][i%k], pE[li][i%k], p[li+1][i%k], t[i])
	}
	return tE
}

// actBounds bounds one row of a = act(z).
func actBounds(act string, aE, zE []eb, z, a []float64) {
	switch act {
	case "linear":
		copy(aE, zE)
	case "relu":
		for j := range aE {
			switch {
			case within(z[j], 0, zE[j]):
				// Either side: float32 may give 0 or z.
				aE[j] = eb{zE[j].R, zE[j].S + math.Abs(z[j])/u32}
			case z[j] > 0:
				aE[j] = zE[j]
			default:
				aE[j] = eb{}
			}
		}
	case "sigmoid":
		// 1/(1 + exp(−z)) or exp(z)/(1 + exp(z)): cFn ulps relative.
		for j := range aE {
			d := a[j] * (1 - a[j])
			aE[j] = eb{math.Hypot(d*zE[j].R, cFn*a[j]), d * zE[j].S}
		}
	case "tanh":
		// cFn ulps relative, and 2 ulps of 1 for the exp-based forms' cancellation near 0.
		for j := range aE {
			d := 1 - a[j]*a[j]
			aE[j] = eb{math.Hypot(d*zE[j].R, cFn*math.Abs(a[j])+2), d * zE[j].S}
		}
	case "softmax":
		// p_j = e_j/s, e_j = exp(z_j − m). An error δz moves p_j by p_j·((1 − p_j)·δz_j −
		// Σ_{k≠j} p_k·δz_k). Forming z_j − m (|z_j| + |m|, which covers the unshifted and the
		// fused log-sum-exp forms too), summing k terms (√k) and dividing (1) round; exp errs by
		// cFn ulps in e_j and in the sum.
		m := math.Inf(-1)
		for _, v := range z {
			m = math.Max(m, v)
		}
		var pR2, pS, round2 float64 // Σ_k (p_k·R_k)², Σ_k p_k·S_k, Σ_k (p_k·(|z_k| + |m|))²
		for k := range z {
			pR2 += sq(a[k] * zE[k].R)
			pS += a[k] * zE[k].S
			round2 += sq(a[k] * (math.Abs(z[k]) + math.Abs(m)))
		}
		k := float64(len(z))
		for j := range aE {
			carriedR2 := sq((1-a[j])*zE[j].R) + pR2 - sq(a[j]*zE[j].R)
			carriedS := (1-a[j])*zE[j].S + pS - a[j]*zE[j].S
			roundR2 := sq(math.Abs(z[j])+math.Abs(m)) + round2 + k + 1 + 2*cFn*cFn
			aE[j] = eb{a[j] * math.Sqrt(max(carriedR2, 0)+roundR2), a[j] * carriedS}
		}
	default:
		toolboxActBounds(act, aE, zE, z, a)
	}
}

// lossBound bounds the float32 mean loss.
func (net refNet) lossBound(f refForward, fb refFwdBounds, y []float64) eb {
	n, k := f.N, net.OutSize()
	out, outE := f.Output(), fb.Output()
	var r2, s float64
	for r := 0; r < n; r++ {
		for j := 0; j < k; j++ {
			i := r*k + j
			switch {
			case net.isBCE():
				r2t, st := bceTermBound(out[i], outE[i], y[i])
				r2 += r2t / float64(k*k)
				s += st / float64(k)
			case net.Loss == "mean_absolute_error":
				// |a − y| moves by at most δa (|·| is 1-Lipschitz, so a = y is no kink here); the
				// subtraction rounds.
				r2 += sq(outE[i].R/float64(k)) + sq((out[i]-y[i])/float64(k))
				s += outE[i].S / float64(k)
			case net.isCE():
				if y[i] == 0 {
					continue
				}
				// −log p moves by δp/p; log itself and the float32 clip constants err by
				// cFn·(|log p| + 1). Within tolerance of a clip, the loss may be clipped or not.
				p, e := out[i], outE[i]
				cp := min(max(p, ceClipLo), ceClipHi)
				lg := math.Abs(math.Log(cp))
				r2 += sq(y[i] * cFn * (lg + 1))
				if p > ceClipLo && p < ceClipHi {
					r2 += sq(y[i] * e.R / p)
					s += math.Abs(y[i]) * e.S / p
				}
				for _, c := range []float64{ceClipLo, ceClipHi} {
					if within(p, c, e) {
						s += math.Abs(y[i]) * (math.Abs(math.Log(max(p, 1e-300))-math.Log(c))/u32 + e.tol()/u32/c)
					}
				}
			default:
				// (a − y)² moves by 2(a − y)·δa; the subtraction and the square round.
				d := out[i] - y[i]
				r2 += sq(2*d*outE[i].R/float64(k)) + sq(2*d*d/float64(k))
				s += 2 * math.Abs(d) * outE[i].S / float64(k)
			}
		}
	}
	// The mean: the sum of n·k non-negative terms (√(n·k)·loss) and the division.
	loss := net.loss(out, y, n)
	return eb{math.Sqrt(r2/float64(n*n) + float64(n*k+1)*sq(loss)), s / float64(n)}
}

// bceTermBound bounds one float32 binary cross-entropy term f(q) = −(t·log q + (1 − t)·log(1 − q)),
// q = clip(p) to [bceClipLo, bceClipHi] (the same float32 constants as the generated code's), for
// an output p with bound e and an exact target t in [0, 1]; it returns the random part squared and
// the systematic part, in units of u.
//
// The evaluation: each log errs by cFn ulps (cFn·|log|); 1 − q rounds (u·(1 − q), so u in
// log(1 − q)), and 1 − t and the products round: cFn·(|log| + 1) per log, weighted by t and 1 − t.
//
// p's error: where p is well inside the clip (its tolerance below a quarter of q and of 1 − q, and
// the clip bounds beyond it), f moves by f'(q)·δp, f'(q) = −t/q + (1 − t)/(1 − q), with a remainder
// of at most ½·max f⁽²⁾·tol² over the interval, max f⁽²⁾ <= (4/3)²·(t/q² + (1 − t)/(1 − q)²) there,
// added as systematic. Elsewhere (near 0, 1 or a clip bound) the linear picture fails: f∘clip is
// convex on the interval [p − tol, p + tol] (f⁽²⁾ = t/q² + (1 − t)/(1 − q)² >= 0, flat outside the
// clip), so its largest excursion from f(q) is at an endpoint, or at its minimum q = t; that
// excursion is added as systematic.
func bceTermBound(p float64, e eb, t float64) (r2, s float64) {
	q := min(max(p, bceClipLo), bceClipHi)
	f := bceTerm(p, t, false)
	r2 = sq(t*cFn*(math.Abs(math.Log(q))+1)) + sq((1-t)*cFn*(math.Abs(math.Log(1-q))+1))
	tol := e.tol()
	lo, hi := p-tol, p+tol
	if 4*tol <= min(q, 1-q) && lo > bceClipLo && hi < bceClipHi {
		d1 := math.Abs(-t/q + (1-t)/(1-q))
		d2 := 16.0 / 9 * (t/sq(q) + (1-t)/sq(1-q))
		return r2 + sq(d1*e.R), s + d1*e.S + d2*sq(tol)/2/u32
	}
	dev := 0.0
	for _, end := range []float64{lo, hi} {
		dev = max(dev, math.Abs(bceTerm(end, t, false)-f))
	}
	if ql, qh := min(max(lo, bceClipLo), bceClipHi), min(max(hi, bceClipLo), bceClipHi); t > ql && t < qh {
		dev = max(dev, f-bceTerm(t, t, false))
	}
	return r2, s + dev/u32
}

// correctRange returns the least and the most rows that float32 code may count as correct: a row
// whose deciding outputs are within tolerance of a tie (or of the 0.5 threshold) may go either way.
func (net refNet) correctRange(f refForward, fb refFwdBounds, y []float64) (lo, hi int) {
	n, k := f.N, net.OutSize()
	out, outE := f.Output(), fb.Output()
	for r := 0; r < n; r++ {
		o, oE, t := out[r*k:(r+1)*k], outE[r*k:(r+1)*k], y[r*k:(r+1)*k]
		var ok, sure bool
		if k == 1 {
			ok = (o[0] > 0.5) == (t[0] > 0.5)
			sure = !within(o[0], 0.5, oE[0])
		} else {
			c := argmax(o)
			ok, sure = c == argmax(t), true
			for j := range o {
				if j != c && math.Abs(o[j]-o[c]) <= oE[j].tol()+oE[c].tol() {
					sure = false
				}
			}
		}
		switch {
		case !sure:
			hi++
		case ok:
			lo++
			hi++
		}
	}
	return lo, hi
}

// dotBound bounds Σ_i a_i·b_i given the bounds of its operands (nil for exact ones), with
// the rounding of a sum of len(a) + 1 terms.
func dotBound(a, b []float64, aE, bE []eb) eb {
	var terms, r2, s float64
	for i := range a {
		terms += math.Abs(a[i] * b[i])
		if aE != nil {
			r2 += sq(aE[i].R * b[i])
			s += aE[i].S * math.Abs(b[i])
		}
		if bE != nil {
			r2 += sq(a[i] * bE[i].R)
			s += math.Abs(a[i]) * bE[i].S
		}
	}
	return eb{math.Sqrt(r2 + float64(len(a)+1)*sq(terms)), s}
}

// refBackBounds bounds the results of a refBackward.
type refBackBounds struct {
	DZ    [][]eb
	Grads [][]eb
}

func (net refNet) backwardBounds(p [][]float64, pE [][]eb, f refForward, fb refFwdBounds, b refBackward, y []float64) refBackBounds {
	n, L := f.N, len(net.Layers)
	bb := refBackBounds{DZ: make([][]eb, L), Grads: paramBounds(p)}
	tE := net.targetBounds(p, pE, y, b.T)
	for l := L - 1; l >= 0; l-- {
		ly := net.Layers[l]
		a, aE := f.D[l], fb.D[l]
		var gE []eb
		switch {
		case l == L-1 && net.isBCE():
			// (p − y)·c, c = float32 1/(n·k): the subtraction and the product round, and in a
			// two-core step the product with float32(rows)/float32(n) too (√3·|dz| random); the two
			// constants' roundings are shared by every element (2·|dz| systematic).
			c := 1 / float64(n*ly.Out)
			dzE := make([]eb, len(a))
			for i := range dzE {
				dz := b.DZ[l][i]
				dzE[i] = eb{math.Sqrt(sq(c*aE[i].R) + sq(c*tE[i].R) + 3*sq(dz)), c*(aE[i].S+tE[i].S) + 2*math.Abs(dz)}
			}
			bb.DZ[l] = dzE
		case l == L-1 && net.Loss == "mean_absolute_error":
			// sign(a − y)·c, c = float32 1/(n·k): with a − y beyond its tolerance the sign is sure and
			// only c rounds, shared by every element, with the two-core step's float32(rows)/float32(n)
			// (2·|g| systematic), and the product with the latter (|g| random). Within tolerance of
			// a = y the sign may be −1, 0 or 1: any value within 2c(1 + 2u), systematic.
			c := 1 / float64(n*ly.Out)
			gE = make([]eb, len(a))
			for i := range gE {
				d := eb{math.Hypot(aE[i].R, tE[i].R), aE[i].S + tE[i].S}
				if g := b.DA[l][i]; within(a[i], b.T[i], d) {
					gE[i] = eb{S: 2*c/u32 + 4*c}
				} else {
					gE[i] = eb{math.Abs(g), 2 * math.Abs(g)}
				}
			}
		case l == L-1 && net.isCE():
			// (p − y)/n: the subtraction, 1/n and the product round.
			dzE := make([]eb, len(a))
			for i := range dzE {
				dzE[i] = eb{math.Hypot(aE[i].R/float64(n), 3*b.DZ[l][i]), aE[i].S / float64(n)}
			}
			bb.DZ[l] = dzE
		case l == L-1:
			// 2(a − y)/(n·k): the subtraction, the scale and the product round.
			// With standardised labels the targets' errors are carried the same way.
			c := 2 / float64(n*ly.Out)
			gE = make([]eb, len(a))
			for i := range gE {
				gE[i] = eb{math.Sqrt(sq(c*aE[i].R) + sq(c*tE[i].R) + sq(4*b.DA[l][i])), c * (aE[i].S + tE[i].S)}
			}
		default:
			// DZ[l+1]·W[l+1]ᵀ, row by row.
			next := net.Layers[l+1]
			wi, _ := net.paramIndex(l + 1)
			w, wE := p[wi], pE[wi]
			gE = make([]eb, n*ly.Out)
			wRow, wRowE := make([]float64, next.Out), make([]eb, next.Out)
			for i := 0; i < next.In; i++ {
				copy(wRow, w[i*next.Out:(i+1)*next.Out])
				copy(wRowE, wE[i*next.Out:(i+1)*next.Out])
				for r := 0; r < n; r++ {
					gE[r*next.In+i] = dotBound(b.DZ[l+1][r*next.Out:(r+1)*next.Out], wRow, bb.DZ[l+1][r*next.Out:(r+1)*next.Out], wRowE)
				}
			}
			// Back through the activation and dropout layers between.
			for k := len(ly.Post) - 1; k >= 0; k-- {
				in, inE, din := f.D[l], fb.D[l], b.DA[l]
				if k > 0 {
					in, inE, din = f.Post[l][k-1], fb.Post[l][k-1], b.DPost[l][k-1]
				}
				if ly.Post[k].Kind == "batch_normalization" {
					gE = net.bnBackBounds(p, pE, ly.Post[k], b.DPost[l][k], gE, f, fb, din, b.Grads, bb.Grads)
					continue
				}
				gE = net.opBackBounds(ly.Post[k], b.DPost[l][k], gE, in, inE, f.Post[l][k], fb.Post[l][k], din, n, ly.Out, f.Masks)
			}
		}
		if gE != nil {
			dzE := make([]eb, len(gE))
			for r := 0; r < n; r++ {
				lo, hi := r*ly.Out, (r+1)*ly.Out
				actBackBounds(ly.Act, dzE[lo:hi], b.DA[l][lo:hi], gE[lo:hi], f.Z[l][lo:hi], fb.Z[l][lo:hi], a[lo:hi], aE[lo:hi], b.DZ[l][lo:hi])
			}
			bb.DZ[l] = dzE
		}
		// dW = Xᵀ·dZ and db = column sums of dZ, column by column.
		ki, bi := net.paramIndex(l)
		xCol, xColE := make([]float64, n), make([]eb, n)
		dzCol, dzColE := make([]float64, n), make([]eb, n)
		ones := make([]float64, n)
		for r := range ones {
			ones[r] = 1
		}
		for j := 0; j < ly.Out; j++ {
			for r := 0; r < n; r++ {
				dzCol[r], dzColE[r] = b.DZ[l][r*ly.Out+j], bb.DZ[l][r*ly.Out+j]
			}
			for i := 0; i < ly.In; i++ {
				for r := 0; r < n; r++ {
					xCol[r], xColE[r] = f.A[l][r*ly.In+i], fb.A[l][r*ly.In+i]
				}
				bb.Grads[ki][i*ly.Out+j] = dotBound(xCol, dzCol, xColE, dzColE)
			}
			if bi >= 0 {
				bb.Grads[bi][j] = dotBound(dzCol, ones, dzColE, nil)
			}
		}
		regGradBounds(bb.Grads[ki], b.Grads[ki], p[ki], pE[ki], ly.KernelReg)
		if bi >= 0 {
			regGradBounds(bb.Grads[bi], b.Grads[bi], p[bi], pE[bi], ly.BiasReg)
		}
	}
	net.preBackBounds(p, pE, f, fb, b, bb.DZ[0], bb.Grads)
	net.imgBackBounds(p, pE, f, fb, b, bb.DZ[0], bb.Grads)
	return bb
}

// actBackBounds bounds one row of dz = g·act'(z), given the bounds of g, z and a.
func actBackBounds(act string, dzE []eb, g []float64, gE []eb, z []float64, zE []eb, a []float64, aE []eb, dz []float64) {
	switch act {
	case "linear":
		copy(dzE, gE)
	case "relu":
		for j := range dzE {
			switch {
			case within(z[j], 0, zE[j]):
				dzE[j] = eb{gE[j].R, gE[j].S + math.Abs(g[j])/u32} // g or 0
			case z[j] > 0:
				dzE[j] = gE[j]
			default:
				dzE[j] = eb{}
			}
		}
	case "sigmoid":
		// g·a·(1 − a): a's error moves a(1 − a) by |1 − 2a|·δa; three roundings; cFn if the
		// derivative is recomputed from z.
		for j := range dzE {
			d := a[j] * (1 - a[j])
			dzE[j] = eb{
				math.Sqrt(sq(d*gE[j].R) + sq(g[j]*(1-2*a[j])*aE[j].R) + sq((cFn+3)*g[j]*d)),
				d*gE[j].S + math.Abs(g[j]*(1-2*a[j]))*aE[j].S,
			}
		}
	case "tanh":
		// g·(1 − a²): a's error moves it by 2|a|·δa; 1 − a² rounds to within u·(a² + d) = u,
		// and the products round.
		for j := range dzE {
			d := 1 - a[j]*a[j]
			dzE[j] = eb{
				math.Sqrt(sq(d*gE[j].R) + sq(2*g[j]*a[j]*aE[j].R) + sq(g[j]*(1+(cFn+2)*d))),
				d*gE[j].S + 2*math.Abs(g[j]*a[j])*aE[j].S,
			}
		}
	case "softmax":
		// dz_i = p_i·(g_i − σ), σ = Σ_j g_j·p_j.
		var sigma, sigR2, sigS, terms float64
		for j := range g {
			sigma += g[j] * a[j]
			terms += math.Abs(g[j] * a[j])
			sigR2 += sq(gE[j].R*a[j]) + sq(g[j]*aE[j].R)
			sigS += gE[j].S*a[j] + math.Abs(g[j])*aE[j].S
		}
		sigR := math.Sqrt(sigR2 + float64(len(g)+1)*sq(terms))
		for i := range dzE {
			d := g[i] - sigma
			dzE[i] = eb{
				math.Sqrt(sq(aE[i].R*d) + sq(a[i]*gE[i].R) + sq(a[i]*sigR) + sq(a[i]*d) + sq(dz[i])),
				aE[i].S*math.Abs(d) + a[i]*(gE[i].S+sigS),
			}
		}
	default:
		toolboxActBackBounds(act, dzE, g, gE, z, zE, a, aE, dz)
	}
}

// refOptBounds bounds the optimiser's state.
type refOptBounds struct {
	M, V, Vel, Mom, Avg, Acc, U [][]eb
}

func newRefOptBounds(p [][]float64) refOptBounds {
	return refOptBounds{paramBounds(p), paramBounds(p), paramBounds(p), paramBounds(p), paramBounds(p), paramBounds(p), paramBounds(p)}
}

// adamRatioMax bounds |m/(√v + ε)| at step t whatever the gradients: by Cauchy–Schwarz,
// |m| = (1−β1)·|Σ_s β1^(t−s)·g_s| <= (1−β1)·√(Σ_k (β1²/β2)^k)·√(Σ_s β2^(t−s)·g_s²) =
// (1−β1)/√(1−β2)·√(Σ_{k<t} (β1²/β2)^k)·√v. A float32 ratio may therefore differ from the exact
// one by at most twice this, however uncertain the gradient (a gradient whose sign float32 cannot
// settle moves the parameter by up to ±lr, in Keras too).
func adamRatioMax(beta1, beta2 float64, t int) float64 {
	s := 0.0
	for k := 0; k < t; k++ {
		s += math.Pow(beta1*beta1/beta2, float64(k))
	}
	return (1 - beta1) / math.Sqrt(1-beta2) * math.Sqrt(s) * (1 + 1e-3) // slack for float32 constants
}

// relOneMinusPow bounds the relative error of 1 − β^t in float32, in ulps: β's rounding, pow,
// the subtraction.
func relOneMinusPow(beta float64, t int) float64 {
	bt := math.Pow(beta, float64(t))
	return (float64(t)+cFn)*bt/(1-bt) + 1
}

// stepBounds bounds the float32 optimiser step from parameters p (bounds pE), gradients g (gE)
// and state st (stE); it returns the bounds of the new parameters and state. For Adam's moments
// the bounds cover both m += (g − m)(1 − β1) and m = β1·m + (1 − β1)·g. The gradients are clipped
// first (clipBounds), then the weight decay applied (decayBound), then the update, with the
// learning rate of this update: a schedule's rounded to float32 like a constant one, so that the
// one ulp of a constant rate's rounding that the updates' systematic parts allow covers it too.
func (net refNet) stepBounds(p [][]float64, pE [][]eb, g [][]float64, gE [][]eb, st refOptState, stE refOptBounds) ([][]eb, refOptBounds) {
	o := net.Opt
	p2, s2 := net.step(p, g, st)
	p2E := paramBounds(p)
	s2E := newRefOptBounds(p)
	c1, c2 := 1-o.Beta1, 1-o.Beta2
	r1, r2 := o.Beta1/c1+1, o.Beta2/c2+1 // relative error of 1 − β in float32, in ulps
	lr, mu := net.lrAt(s2.T), o.Momentum
	alpha := adamAlpha(o, lr, s2.T)
	alphaS := 1 + relOneMinusPow(o.Beta2, s2.T)/2 + relOneMinusPow(o.Beta1, s2.T) + cFn // relative, systematic
	qMax := adamRatioMax(o.Beta1, o.Beta2, s2.T)
	g, gE = net.clipBounds(g, gE)
	nd := net.nadamScalars(s2.T, st.UProd)
	info := net.tensorInfo()
	for ti := range p {
		if info[ti].Fixed {
			copy(p2E[ti], pE[ti]) // not updated
			continue
		}
		for i := range p[ti] {
			gi, ge, pi, pe, pi2 := g[ti][i], gE[ti][i], p[ti][i], pE[ti][i], p2[ti][i]
			if o.WeightDecay != 0 {
				pi, pe = net.decayBound(pi, pe, lr)
			}
			switch {
			case o.Type == "adam" || o.Type == "adamw":
				m, me, v, ve := st.M[ti][i], stE.M[ti][i], st.V[ti][i], stE.V[ti][i]
				m2, v2 := s2.M[ti][i], s2.V[ti][i]
				m2e := eb{
					math.Sqrt(sq((1-c1)*me.R) + sq(c1*ge.R) + 2*sq(c1*(gi-m)) + 2*sq(o.Beta1*m) + sq(m2)),
					(1-c1)*me.S + c1*ge.S + r1*c1*(math.Abs(gi-m)+math.Abs(gi)) + o.Beta1*math.Abs(m),
				}
				v2e := eb{
					math.Sqrt(sq((1-c2)*ve.R) + sq(2*c2*gi*ge.R) + 2*sq(c2*(gi*gi-v)) + sq(c2*gi*gi) + 2*sq(o.Beta2*v) + sq(v2)),
					(1-c2)*ve.S + 2*c2*math.Abs(gi)*ge.S + r2*c2*(math.Abs(gi*gi-v)+gi*gi) + o.Beta2*v,
				}
				s2E.M[ti][i], s2E.V[ti][i] = m2e, v2e
				// √v: by its derivative, or by √δv when v is near 0.
				root := math.Sqrt(v2)
				rootE := eb{S: math.Sqrt(v2e.tol()) / u32}
				if v2 > 0 && v2e.tol() < v2 {
					rootE = eb{v2e.R / (2 * root), v2e.S / (2 * root)}
				}
				d := root + o.Epsilon
				q := m2 / d
				qe := eb{
					math.Sqrt(sq(m2e.R/d) + sq(m2*rootE.R/(d*d)) + 3*sq(q)),
					m2e.S/d + math.Abs(m2)*(rootE.S+o.Epsilon+cFn*root)/(d*d),
				}
				if qe.tol() > 2*qMax {
					qe = eb{S: 2 * qMax / u32}
				}
				p2E[ti][i] = eb{
					math.Sqrt(sq(pe.R) + sq(alpha*qe.R) + 3*sq(alpha*q) + sq(pi2)),
					pe.S + alpha*qe.S + math.Abs(alpha*q)*alphaS,
				}
			case o.Type == "sgd" && mu == 0:
				p2E[ti][i] = eb{
					math.Sqrt(sq(pe.R) + sq(lr*ge.R) + sq(lr*gi) + sq(pi2)),
					pe.S + lr*ge.S + math.Abs(lr*gi),
				}
			case o.Type == "sgd":
				vel, ve, vel2 := st.Vel[ti][i], stE.Vel[ti][i], s2.Vel[ti][i]
				v2e := eb{
					math.Sqrt(sq(mu*ve.R) + sq(lr*ge.R) + sq(mu*vel) + sq(lr*gi) + sq(vel2)),
					mu*ve.S + lr*ge.S + math.Abs(mu*vel) + math.Abs(lr*gi),
				}
				s2E.Vel[ti][i] = v2e
				if o.Nesterov {
					p2E[ti][i] = eb{
						math.Sqrt(sq(pe.R) + sq(mu*v2e.R) + sq(lr*ge.R) + sq(mu*vel2) + sq(lr*gi) + sq(pi+mu*vel2) + sq(mu*vel2-lr*gi) + sq(pi2)),
						pe.S + mu*v2e.S + lr*ge.S + math.Abs(mu*vel2) + math.Abs(lr*gi),
					}
				} else {
					p2E[ti][i] = eb{math.Sqrt(sq(pe.R) + sq(v2e.R) + sq(pi2)), pe.S + v2e.S}
				}
			default:
				p2E[ti][i] = net.toolboxStepBound(&s2E, s2, st, stE, ti, i, pi, pe, gi, ge, lr, nd, pi2)
			}
		}
	}
	return p2E, s2E
}
