package codegen_test

// Error bounds for comparing generated float32 code with the float64 reference.
//
// The generated code computes in float32 with unit roundoff u = 2⁻²⁴. For every quantity q the
// reference computes, the functions here compute E(q), a first-order bound on
// |q computed in float32 − q| in units of u, by running error analysis (Higham, "Accuracy and
// Stability of Numerical Algorithms", ch. 3): every float32 operation contributes u·|its result|,
// a sum of k terms in any order contributes at most γ_k ≈ k·u·Σ|terms| (so SIMD kernels that sum
// in another order, or use FMA, are covered), and errors already present in the operands are
// carried through by the derivative of the operation. The inputs and the initial parameters are
// float32 values, so they start exact (E = 0); constants such as the learning rate, β1, β2 and ε
// are rounded to float32 (relative error u each). exp, log, tanh, sqrt and pow may be any float32
// implementation accurate to cFn ulps; sigmoid and tanh, whose values lie in (-1, 1), are allowed
// cFn ulps of 1 (absolute), which admits the exp-based formulas with their cancellation near 0.
//
// A value passes when |got − want| <= tolFactor·u·E(want) (plus a denormal floor). E is a worst
// case, typically 10 to 1000 times the error actually observed; tolFactor 2 covers the second-order
// terms that a first-order analysis drops. A genuine bug (a wrong formula, a missing 1/n, a wrong
// row count, Adam's ε or bias correction misplaced) changes results by far more than this, while
// the bound can never fail on a correct implementation, whatever its summation order.
//
// The analysis holds only away from the kinks of the functions computed: relu at 0, the
// cross-entropy clip at 1e-7 and 1 − 1e-7, and ties in an argmax. kinks reports relu and clip
// values that float32 might place on the other side; the parity test redraws its data until there
// are none. Argmax ties are handled by correctRange, which returns the range of counts that
// float32 may legitimately produce.

import (
	"fmt"
	"math"
)

const (
	u32       = 0x1p-24 // unit roundoff of float32
	cFn       = 8       // ulps allowed for exp, log, tanh, sigmoid, sqrt and pow in float32 code
	tolFactor = 2       // a value passes within tolFactor·u·E
	denormal  = 0x1p-140
)

// within reports whether got is within the float32 tolerance of want whose bound is e (units of
// u). NaN never is.
func within(got, want, e float64) bool {
	return math.Abs(got-want) <= tolFactor*u32*e+denormal
}

// refFwdBounds holds E for every value of a refForward.
type refFwdBounds struct {
	Z, A [][]float64
}

// Output is E of the network's output.
func (b refFwdBounds) Output() []float64 { return b.A[len(b.A)-1] }

// forwardBounds bounds the float32 forward pass with parameters p whose float32 copies have
// errors pE (all zero for parameters that were given exactly).
func (net refNet) forwardBounds(p, pE [][]float64, f refForward) refFwdBounds {
	n := f.N
	b := refFwdBounds{A: [][]float64{make([]float64, len(f.A[0]))}}
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		w, wE := p[ki], pE[ki]
		x, xE := f.A[l], b.A[l]
		zE := make([]float64, n*ly.Out)
		k := float64(ly.In + 1)
		for r := 0; r < n; r++ {
			for j := 0; j < ly.Out; j++ {
				terms, carried := 0.0, 0.0
				if bi >= 0 {
					terms, carried = math.Abs(p[bi][j]), pE[bi][j]
				}
				for i := 0; i < ly.In; i++ {
					xi, wij := x[r*ly.In+i], w[i*ly.Out+j]
					terms += math.Abs(xi * wij)
					carried += xE[r*ly.In+i]*math.Abs(wij) + math.Abs(xi)*wE[i*ly.Out+j]
				}
				zE[r*ly.Out+j] = carried + k*terms
			}
		}
		aE := make([]float64, len(zE))
		for r := 0; r < n; r++ {
			s, e := r*ly.Out, (r+1)*ly.Out
			actBounds(ly.Act, aE[s:e], zE[s:e], f.Z[l][s:e], f.A[l+1][s:e])
		}
		b.Z, b.A = append(b.Z, zE), append(b.A, aE)
	}
	return b
}

// actBounds sets one row of E(a) for a = act(z).
func actBounds(act string, aE, zE, z, a []float64) {
	switch act {
	case "linear":
		copy(aE, zE)
	case "relu":
		for j := range aE {
			if z[j] > 0 {
				aE[j] = zE[j]
			} else {
				aE[j] = 0
			}
		}
	case "sigmoid":
		for j := range aE {
			aE[j] = a[j]*(1-a[j])*zE[j] + cFn
		}
	case "tanh":
		for j := range aE {
			aE[j] = (1-a[j]*a[j])*zE[j] + cFn
		}
	case "softmax":
		// p_j = e_j/s, e_j = exp(z_j − m). An error δz moves p_j by p_j·(δz_j − Σ_k p_k·δz_k);
		// forming z_j − m, exp, the sum of k terms and the division add relative errors of
		// (|z_j| + |m|) (covering the unshifted and the fused log-sum-exp forms too), cFn, k and 1.
		m, maxE := math.Inf(-1), 0.0
		for j := range z {
			m, maxE = math.Max(m, z[j]), math.Max(maxE, zE[j])
		}
		spread := 0.0
		for j := range z {
			spread += a[j] * (math.Abs(z[j]) + math.Abs(m) + cFn)
		}
		k := float64(len(z))
		for j := range aE {
			aE[j] = a[j] * (zE[j] + maxE + math.Abs(z[j]) + math.Abs(m) + cFn + spread + k + 2)
		}
	default:
		panic("bounds: unknown activation " + act)
	}
}

// lossBound bounds the float32 mean loss. The sum of the n·k non-negative terms of the mean
// contributes (n·k + 2)·loss, whatever the order.
func (net refNet) lossBound(f refForward, fb refFwdBounds, y []float64) float64 {
	n, k := f.N, net.OutSize()
	out, outE := f.Output(), fb.Output()
	e := 0.0
	for r := 0; r < n; r++ {
		for j := 0; j < k; j++ {
			i := r*k + j
			if net.isCE() {
				if y[i] == 0 {
					continue
				}
				pj := out[i]
				lg := math.Abs(math.Log(min(max(pj, ceClipLo), ceClipHi)))
				// −log p moves by δp/p; log itself, and the float32 clip constants, add cFn·(|log p| + 1).
				e += math.Abs(y[i]) * cFn * (lg + 1)
				if pj > ceClipLo && pj < ceClipHi {
					e += math.Abs(y[i]) * outE[i] / pj
				}
			} else {
				d := out[i] - y[i]
				e += (2*math.Abs(d)*outE[i] + 3*d*d) / float64(k)
			}
		}
	}
	return e/float64(n) + float64(n*k+2)*net.loss(out, y, n)
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
				if j != c && within(o[j], o[c], oE[j]+oE[c]) {
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

// kinks describes every relu input and every clipped probability that float32 error might put on
// the other side of its kink; the bounds do not hold across a kink.
func (net refNet) kinks(f refForward, fb refFwdBounds) []string {
	var ks []string
	for l, ly := range net.Layers {
		if ly.Act != "relu" {
			continue
		}
		for i, z := range f.Z[l] {
			if within(z, 0, fb.Z[l][i]) {
				ks = append(ks, fmt.Sprintf("layer %d row %d unit %d: relu input %g ± %g", l+1, i/ly.Out, i%ly.Out, z, tolFactor*u32*fb.Z[l][i]))
			}
		}
	}
	if net.isCE() {
		k := net.OutSize()
		for i, p := range f.Output() {
			e := fb.Output()[i]
			if within(p, ceClipLo, e) || within(p, ceClipHi, e) {
				ks = append(ks, fmt.Sprintf("row %d unit %d: probability %g at the cross-entropy clip", i/k, i%k, p))
			}
		}
	}
	return ks
}

// refBackBounds holds E for the results of a refBackward.
type refBackBounds struct {
	DZ    [][]float64
	Grads [][]float64
}

func (net refNet) backwardBounds(p, pE [][]float64, f refForward, fb refFwdBounds, b refBackward, y []float64) refBackBounds {
	n, L := f.N, len(net.Layers)
	bb := refBackBounds{DZ: make([][]float64, L), Grads: zerosLike(p)}
	for l := L - 1; l >= 0; l-- {
		ly := net.Layers[l]
		a, aE := f.A[l+1], fb.A[l+1]
		var gE []float64
		switch {
		case l == L-1 && net.isCE():
			// (p − y)/n: the subtraction, 1/n and the product round once each.
			dzE := make([]float64, len(a))
			for i := range dzE {
				dzE[i] = aE[i]/float64(n) + 3*math.Abs(b.DZ[l][i])
			}
			bb.DZ[l] = dzE
		case l == L-1:
			// 2(a − y)/(n·k): subtraction, the scale and the product.
			gE = make([]float64, len(a))
			for i := range gE {
				gE[i] = 2*aE[i]/float64(n*ly.Out) + 4*math.Abs(b.DA[l][i])
			}
		default:
			next := net.Layers[l+1]
			wi, _ := net.paramIndex(l + 1)
			w, wE := p[wi], pE[wi]
			dzn, dznE := b.DZ[l+1], bb.DZ[l+1]
			gE = make([]float64, n*ly.Out)
			k := float64(next.Out + 1)
			for r := 0; r < n; r++ {
				for i := 0; i < next.In; i++ {
					terms, carried := 0.0, 0.0
					for j := 0; j < next.Out; j++ {
						d, wij := dzn[r*next.Out+j], w[i*next.Out+j]
						terms += math.Abs(d * wij)
						carried += dznE[r*next.Out+j]*math.Abs(wij) + math.Abs(d)*wE[i*next.Out+j]
					}
					gE[r*next.In+i] = carried + k*terms
				}
			}
		}
		if gE != nil {
			dzE := make([]float64, len(gE))
			for r := 0; r < n; r++ {
				s, e := r*ly.Out, (r+1)*ly.Out
				actBackBounds(ly.Act, dzE[s:e], b.DA[l][s:e], gE[s:e], f.Z[l][s:e], a[s:e], aE[s:e], b.DZ[l][s:e])
			}
			bb.DZ[l] = dzE
		}
		ki, bi := net.paramIndex(l)
		x, xE := f.A[l], fb.A[l]
		dz, dzE := b.DZ[l], bb.DZ[l]
		k := float64(n + 1)
		for i := 0; i < ly.In; i++ {
			for j := 0; j < ly.Out; j++ {
				terms, carried := 0.0, 0.0
				for r := 0; r < n; r++ {
					xv, d := x[r*ly.In+i], dz[r*ly.Out+j]
					terms += math.Abs(xv * d)
					carried += xE[r*ly.In+i]*math.Abs(d) + math.Abs(xv)*dzE[r*ly.Out+j]
				}
				bb.Grads[ki][i*ly.Out+j] = carried + k*terms
			}
		}
		if bi >= 0 {
			for j := 0; j < ly.Out; j++ {
				terms, carried := 0.0, 0.0
				for r := 0; r < n; r++ {
					terms += math.Abs(dz[r*ly.Out+j])
					carried += dzE[r*ly.Out+j]
				}
				bb.Grads[bi][j] = carried + k*terms
			}
		}
	}
	return bb
}

// actBackBounds sets one row of E(dz) for dz = g·act'(z), given E(g) and E(a).
func actBackBounds(act string, dzE, g, gE, z, a, aE, dz []float64) {
	switch act {
	case "linear":
		copy(dzE, gE)
	case "relu":
		for j := range dzE {
			if z[j] > 0 {
				dzE[j] = gE[j]
			} else {
				dzE[j] = 0
			}
		}
	case "sigmoid":
		// g·a·(1 − a): a's error moves a(1 − a) by |1 − 2a|·δa; three roundings, and cFn if the
		// derivative is recomputed from z.
		for j := range dzE {
			s := a[j] * (1 - a[j])
			dzE[j] = gE[j]*s + math.Abs(g[j])*(math.Abs(1-2*a[j])*aE[j]+(cFn+3)*s)
		}
	case "tanh":
		// g·(1 − a²): a's error moves it by 2|a|·δa; 1 − a² rounds to within u·(a² + s), and the
		// products round.
		for j := range dzE {
			s := 1 - a[j]*a[j]
			dzE[j] = gE[j]*s + math.Abs(g[j])*(2*math.Abs(a[j])*aE[j]+1+(cFn+3)*s)
		}
	case "softmax":
		// dz_i = p_i·(g_i − σ), σ = Σ_j g_j·p_j.
		sigma, sigmaE, terms := 0.0, 0.0, 0.0
		for j := range g {
			sigma += g[j] * a[j]
			terms += math.Abs(g[j] * a[j])
			sigmaE += gE[j]*a[j] + math.Abs(g[j])*aE[j]
		}
		sigmaE += float64(len(g)+1) * terms
		for i := range dzE {
			d := math.Abs(g[i] - sigma)
			dzE[i] = aE[i]*d + a[i]*(gE[i]+sigmaE+d) + math.Abs(dz[i])
		}
	default:
		panic("bounds: unknown activation " + act)
	}
}

// stepBounds bounds the float32 optimiser step from parameters p (errors pE), gradients g (gE)
// and state st (errors stE); it returns the bounds of the new parameters and state.
//
// Each constant (lr, β1, β2, ε, momentum) is rounded to float32, so 1 − β has a relative error of
// about β/(1 − β) + 1 ulps (≈ 1000 for β2 = 0.999), which Keras, computing in float32 too, shares.
// For Adam's moments the bounds cover both m += (g − m)(1 − β1) and m = β1·m + (1 − β1)·g.
func (net refNet) stepBounds(p, pE, g, gE [][]float64, st, stE refOptState) ([][]float64, refOptState) {
	o := net.Opt
	p2, s2 := net.step(p, g, st)
	p2E := zerosLike(p)
	s2E := refOptState{T: s2.T, M: zerosLike(p), V: zerosLike(p), Vel: zerosLike(p)}
	t := float64(s2.T)
	c1, c2 := 1-o.Beta1, 1-o.Beta2
	r1, r2 := o.Beta1/c1+2, o.Beta2/c2+2 // relative error of 1 − β in float32, in ulps
	alpha := adamAlpha(o, s2.T)
	relOneMinusPow := func(beta float64) float64 { // of 1 − β^t computed in float32
		bt := math.Pow(beta, t)
		return (t+cFn)*bt/(1-bt) + 1
	}
	alphaRel := 1 + relOneMinusPow(o.Beta2)/2 + relOneMinusPow(o.Beta1) + cFn + 2
	lr, mu := o.LearningRate, o.Momentum
	for ti := range p {
		for i := range p[ti] {
			gi, giE, pi, piE := g[ti][i], gE[ti][i], p[ti][i], pE[ti][i]
			switch {
			case o.Type == "adam":
				m, mE, v, vE := st.M[ti][i], stE.M[ti][i], st.V[ti][i], stE.V[ti][i]
				m2, v2 := s2.M[ti][i], s2.V[ti][i]
				m2E := mE*(1-c1) + c1*giE + (r1+2)*(c1*math.Abs(gi-m)+c1*math.Abs(gi)) + 2*o.Beta1*math.Abs(m) + math.Abs(m2)
				v2E := vE*(1-c2) + 2*c2*math.Abs(gi)*giE + (r2+2)*(c2*math.Abs(gi*gi-v)+c2*gi*gi) + 2*o.Beta2*v + math.Abs(v2)
				s2E.M[ti][i], s2E.V[ti][i] = m2E, v2E
				sq := math.Sqrt(v2)
				sqE := math.Sqrt(v2E / u32) // √v moves by at most √δv when v is near 0
				if v2 > 0 {
					sqE = min(sqE, v2E/(2*sq))
				}
				d := sq + o.Epsilon
				q := m2 / d
				qE := m2E/d + math.Abs(m2)*(sqE+o.Epsilon+cFn*sq+d)/(d*d) + math.Abs(q)
				p2E[ti][i] = piE + alpha*qE + math.Abs(alpha*q)*(alphaRel+1) + math.Abs(p2[ti][i])
			case o.Type == "sgd" && mu == 0:
				p2E[ti][i] = piE + lr*giE + 2*math.Abs(lr*gi) + math.Abs(p2[ti][i])
			case o.Type == "sgd":
				vel, velE, vel2 := st.Vel[ti][i], stE.Vel[ti][i], s2.Vel[ti][i]
				vel2E := mu*velE + lr*giE + 2*math.Abs(mu*vel) + 2*math.Abs(lr*gi) + math.Abs(vel2)
				s2E.Vel[ti][i] = vel2E
				if o.Nesterov {
					p2E[ti][i] = piE + mu*vel2E + lr*giE + 2*math.Abs(mu*vel2) + 2*math.Abs(lr*gi) +
						math.Abs(pi+mu*vel2) + math.Abs(p2[ti][i])
				} else {
					p2E[ti][i] = piE + vel2E + math.Abs(p2[ti][i])
				}
			}
		}
	}
	return p2E, s2E
}
