package codegen_test

// Float32 error bounds of a batch normalization (reference_batchnorm_test.go), in the terms of
// reference_bounds_test.go (R random, in quadrature; S systematic, linear; both in units of u).
//
// The generated code calls asm.BatchNormTrain, BatchNormInfer and BatchNormBackward, whose every
// statistic is a float64 computation from float32 operands, each result rounded to float32 once
// (their documentation). So what float32 adds is: the errors already in the layer's input x and
// in the upstream gradient g, carried through the layer's derivatives; one rounding of each
// stored or returned value (xhat, invStd, out, din, the gradients); ε rounded to float32 (within
// u·ε, shared by the whole column: systematic); and float64 errors of the sums, N·2⁻⁵³ relative
// to the magnitudes summed, below 1e-6 u here but carried anyway (f64Rel).
//
// Training forward, per feature with N rows, σ = √(var + ε), xhat_i = (x_i − mean)/σ. To first
// order, a perturbation δx of the inputs moves
//
//	xhat_i by Σ_k J_ik·δx_k,  J_ik = (δ_ik − 1/N − xhat_i·xhat_k/N)/σ
//	inv = 1/σ by −inv·Σ_k xhat_k·δx_k/(N·σ)   (relative)
//	mean by Σ_k δx_k/N,  var by 2·Σ_k (x_k − mean)·δx_k/N.
//
// The inputs' random errors are independent, so xhat_i's random error is √Σ_k (J_ik·R_k)², its
// systematic one Σ_k |J_ik|·S_k. The derivatives are divided by σ: an input error is amplified
// by 1/σ ≤ 1/√ε, and the second-order terms (what the linearisation leaves out) grow with the
// relative change of the variance, r = (2·√var·D + D²)/(var + ε), D² the mean square of the
// inputs' tolerances. (1 + δ)^(−½) = 1 − δ/2 + R₂ with |R₂| <= ⅜δ²/(1 − |δ|)^(5/2), and the
// variance's own second-order part is at most D², so xhat_i's remainder is at most
//
//	T_i·inv·(r/2)/(1 − r)^(3/2) + |xhat_i|·(D²/(2(var + ε)) + ⅜r²/(1 − r)^(5/2))
//
// with T_i = tol_i + mean_k tol_k the bound of δx_i − mean(δx); it is added as systematic error
// (bnSecond). The bounds refuse (panic) a column with r >= ½, where the linearisation says
// nothing: the cases keep var + ε away from that (ε >= 1e-5 and inputs of spread O(0.1) or more,
// against tolerances of O(1e-6)). A constant column (var = 0, rows = 1) has xhat = 0 exactly in
// the reference and |xhat| <= tol/√ε in float32: covered by the same terms.
//
// The output, float32(γ·xhat + β) from the unrounded float64 xhat: γ·xhat's error, xhat·δγ, δβ,
// and one rounding. Inference, float32((x − moving_mean)·γ/√(moving_var + ε) + β): the errors of
// x and moving_mean times a = γ/√(moving_var + ε), ε's rounding relative ε/(2(moving_var + ε)),
// and one rounding.
//
// The moving update, unless bit-exact (see reference_batchnorm_test.go): m·keep + s·take, with
// the errors of m and of the batch statistic s carried, s's from the inputs (above; the
// variance's second-order part D² added), and the roundings of m·keep, of s, of s·take and of the
// sum.
//
// Backward, per feature, from g with bounds gE and c = γ·inv, T' = Σ g·xhat/N, S' = Σg/N:
// din_i = c·(g_i − S' − xhat_i·T'). Its derivatives with respect to the independent sources are
//
//	g_k:   c·(δ_ik − 1/N − xhat_i·xhat_k/N)
//	x_m:   −c·(J_im·T' + xhat_i·G_m/N) − din_i·xhat_m/(N·σ),  G_m = Σ_k g_k·J_km
//	       (through xhat and through inv)
//	xhat_k's rounding (u·|xhat_k|): −c·(δ_ik·T' + xhat_i·g_k/N)
//
// carried in quadrature (R) and linearly (S); invStd's rounding is shared by the column, so
// |din_i| systematic; ε's rounding scales xhat and inv by 1 − η, η <= u·ε/(2(var + ε)), so
// |din_i| + 2·|c·xhat_i·T'| times ε/(2(var + ε)), systematic; xhat's second-order remainders
// times |∂din_i/∂xhat_k|; one rounding. ∂loss/∂γ = Σ g·xhat and ∂loss/∂β = Σg likewise, with G_m
// for the inputs' errors. Carrying the inputs' errors through G_m (not through xhat's bounds,
// which would treat xhat's errors as independent of each other) matters: they are not, and Σ g·δxhat
// can be √N times larger than the quadrature of independent terms.

import "math"

// refBNBounds bounds what one batch normalization computed.
type refBNBounds struct {
	InE      []eb      // the input's bounds
	XHatU    []eb      // the unrounded xhat (the output is formed from it)
	XHat     []eb      // the stored float32 xhat
	Second   []float64 // xhat's second-order remainder, in units of u (included in XHatU.S)
	InvRel   []eb      // the stored float32 invStd, relative, in units of u, per feature
	InvRel2  []float64 // its second-order part, relative, in units of u (included in InvRel.S)
	InExact  bool      // every input value is exact: the generated code sees the reference's input
	MeanE    []eb      // the batch mean's bounds, per feature
	VarE     []eb      // the batch variance's
	EpsShare []float64 // ε/(2(var + ε)) per feature: ε's rounding, relative, in units of u
}

// f64Rel bounds the float64 errors of a sum of n terms relative to the sum of their magnitudes, in
// units of u: n·2⁻⁵³/2⁻²⁴, doubled for the divisions and products around it.
func f64Rel(n int) float64 { return 2 * float64(n+2) * 0x1p-29 }

// bnBounds bounds the output of the batch normalization op whose state the forward pass f
// recorded, from its input's bounds xE.
func (net refNet) bnBounds(p [][]float64, pE [][]eb, op refPre, f refForward, xE []eb) ([]eb, *refBNBounds) {
	st := f.BN[op.K]
	n, w := st.N, st.W
	fn := float64(n)
	bb := &refBNBounds{InE: xE, XHatU: make([]eb, len(xE)), XHat: make([]eb, len(xE)), Second: make([]float64, len(xE)),
		InvRel: make([]eb, w), InvRel2: make([]float64, w), InExact: true, MeanE: make([]eb, w), VarE: make([]eb, w), EpsShare: make([]float64, w)}
	for _, e := range xE {
		if !e.exact() {
			bb.InExact = false
		}
	}
	oE := make([]eb, len(xE))
	eps := op.BN.Epsilon
	gammaE := func(j int) eb {
		if op.Gamma < 0 {
			return eb{}
		}
		return pE[op.Gamma][j]
	}
	betaE := func(j int) eb {
		if op.Beta < 0 {
			return eb{}
		}
		return pE[op.Beta][j]
	}
	for j := 0; j < w; j++ {
		gamma, beta := bnGammaBeta(p, op, j)
		gE, bE := gammaE(j), betaE(j)
		maxAbs := 0.0
		for r := 0; r < n; r++ {
			maxAbs = math.Max(maxAbs, math.Abs(st.In[r*w+j]))
		}
		if !st.Training {
			mv, mm := st.MovingVar[j], st.MovingMean[j]
			mvE, mmE := pE[op.MVar][j], pE[op.MMean][j]
			sd := math.Sqrt(mv + eps)
			a := gamma / sd
			share := eps / (2 * (mv + eps))
			for r := 0; r < n; r++ {
				i := r*w + j
				d := st.In[i] - mm
				out := d*a + beta
				rel := mvE.R / (2 * (mv + eps))
				oE[i] = eb{
					math.Sqrt(sq(a*xE[i].R) + sq(a*mmE.R) + sq(d*a*rel) + sq(d/sd*gE.R) + sq(bE.R) + sq(out)),
					math.Abs(a)*(xE[i].S+mmE.S) + math.Abs(d*a)*(mvE.S/(2*(mv+eps))+share) + math.Abs(d/sd)*gE.S + bE.S +
						f64Rel(2)*(math.Abs(a)*(math.Abs(st.In[i])+math.Abs(mm))+math.Abs(out)),
				}
			}
			continue
		}
		v, inv := st.Var[j], st.Inv[j]
		ve := v + eps
		share := eps / (2 * ve)
		bb.EpsShare[j] = share
		// The mean square of the inputs' tolerances, and the relative change of the variance.
		var d2, tolSum float64
		for r := 0; r < n; r++ {
			t := xE[r*w+j].tol() - denormal
			d2 += t * t
			tolSum += t
		}
		d2 /= fn
		rv := (2*math.Sqrt(v)*math.Sqrt(d2) + d2) / ve
		if rv >= 0.5 {
			panic("bounds: a batch normalization's variance is too small beside its inputs' errors to bound")
		}
		invSecond := (d2/(2*ve) + 0.375*rv*rv/math.Pow(1-rv, 2.5)) / u32
		cross := (rv / 2) / math.Pow(1-rv, 1.5)
		// The mean, the variance and inv.
		var mR2, mS, vR2, vS, iR2, iS float64
		for r := 0; r < n; r++ {
			i := r*w + j
			dx := st.In[i] - st.Mean[j]
			mR2 += sq(xE[i].R)
			mS += xE[i].S
			vR2 += sq(dx * xE[i].R)
			vS += math.Abs(dx) * xE[i].S
			iR2 += sq(st.XHat[i] * xE[i].R)
			iS += math.Abs(st.XHat[i]) * xE[i].S
		}
		bb.MeanE[j] = eb{math.Sqrt(mR2) / fn, mS/fn + f64Rel(n)*maxAbs}
		bb.VarE[j] = eb{2 * math.Sqrt(vR2) / fn, 2*vS/fn + d2/u32 + f64Rel(n)*4*maxAbs*maxAbs}
		bb.InvRel2[j] = invSecond
		bb.InvRel[j] = eb{math.Hypot(math.Sqrt(iR2)*inv/fn, 1), iS*inv/fn + share + invSecond + f64Rel(n)*maxAbs*maxAbs/ve}
		for r := 0; r < n; r++ {
			i := r*w + j
			xh := st.XHat[i]
			var r2, s float64
			for k := 0; k < n; k++ {
				jk := -(1 + xh*st.XHat[k*w+j]) / fn
				if k == r {
					jk++
				}
				jk *= inv
				r2 += sq(jk * xE[k*w+j].R)
				s += math.Abs(jk) * xE[k*w+j].S
			}
			ti := xE[i].tol() + tolSum/fn
			second := (ti*inv*cross + math.Abs(xh)*u32*invSecond) / u32
			bb.Second[i] = second
			f64 := f64Rel(n) * maxAbs * inv * (1 + math.Abs(xh))
			bb.XHatU[i] = eb{math.Sqrt(r2), s + math.Abs(xh)*share + second + f64}
			bb.XHat[i] = eb{math.Hypot(bb.XHatU[i].R, xh), bb.XHatU[i].S}
			out := gamma*xh + beta
			oE[i] = eb{
				math.Sqrt(sq(gamma*bb.XHatU[i].R) + sq(xh*gE.R) + sq(bE.R) + sq(out)),
				math.Abs(gamma)*bb.XHatU[i].S + math.Abs(xh)*gE.S + bE.S + f64Rel(1)*math.Abs(out),
			}
		}
	}
	return oE, bb
}

// bnBackBounds bounds din = ∂loss/∂in through the batch normalization op from g = ∂loss/∂out
// (bounds gE), din being the reference's; it sets the bounds of gamma's and beta's gradients in
// gradsE (the reference's gradients are grads).
func (net refNet) bnBackBounds(p [][]float64, pE [][]eb, op refPre, g []float64, gE []eb, f refForward, fb refFwdBounds, din []float64, grads [][]float64, gradsE [][]eb) []eb {
	st, bb := f.BN[op.K], fb.BN[op.K]
	if !st.Training {
		panic("bounds: a backward pass through an evaluating batch normalization")
	}
	n, w := st.N, st.W
	fn := float64(n)
	dE := make([]eb, len(g))
	xE := bb.InE
	G := make([]float64, n)
	for j := 0; j < w; j++ {
		inv := st.Inv[j]
		sigma := 1 / inv
		gamma, _ := bnGammaBeta(p, op, j)
		c := gamma * inv
		var S, T, maxG float64
		for r := 0; r < n; r++ {
			S += g[r*w+j]
			T += g[r*w+j] * st.XHat[r*w+j]
			maxG = math.Max(maxG, math.Abs(g[r*w+j]))
		}
		Tn := T / fn
		// G_m = Σ_k g_k·J_km.
		for m := 0; m < n; m++ {
			xm := st.XHat[m*w+j]
			s := 0.0
			for k := 0; k < n; k++ {
				jk := -(1 + st.XHat[k*w+j]*xm) / fn
				if k == m {
					jk++
				}
				s += g[k*w+j] * jk * inv
			}
			G[m] = s
		}
		// ∂loss/∂β and ∂loss/∂γ.
		if op.Beta >= 0 {
			var r2, s float64
			for r := 0; r < n; r++ {
				r2 += sq(gE[r*w+j].R)
				s += gE[r*w+j].S
			}
			gradsE[op.Beta][j] = eb{math.Sqrt(r2 + sq(S)), s + f64Rel(n)*fn*maxG}
		}
		if op.Gamma >= 0 {
			var r2, s float64
			for k := 0; k < n; k++ {
				i := k*w + j
				xh := st.XHat[i]
				r2 += sq(xh*gE[i].R) + sq(G[k]*xE[i].R) + sq(g[i]*xh)
				s += math.Abs(xh)*gE[i].S + math.Abs(G[k])*xE[i].S + math.Abs(g[i])*bb.Second[i]
			}
			gradsE[op.Gamma][j] = eb{math.Sqrt(r2 + sq(T)), s + math.Abs(T)*2*bb.EpsShare[j] + f64Rel(n)*fn*maxG*(1+maxAbsCol(st.XHat, j, w, n))}
		}
		gammaRel := eb{}
		if op.Gamma >= 0 && gamma != 0 {
			gammaRel = eb{pE[op.Gamma][j].R / math.Abs(gamma), pE[op.Gamma][j].S / math.Abs(gamma)}
		}
		for r := 0; r < n; r++ {
			i := r*w + j
			xi := st.XHat[i]
			var r2, s float64
			for k := 0; k < n; k++ {
				ik := k*w + j
				xk := st.XHat[ik]
				// g_k.
				dg := -(1 + xi*xk) / fn
				if k == r {
					dg++
				}
				dg *= c
				r2 += sq(dg * gE[ik].R)
				s += math.Abs(dg) * gE[ik].S
				// x_k, through xhat and inv.
				jik := -(1 + xi*xk) / fn
				if k == r {
					jik++
				}
				jik *= inv
				dx := -c*(jik*Tn+xi*G[k]/fn) - din[i]*xk/(fn*sigma)
				r2 += sq(dx * xE[ik].R)
				s += math.Abs(dx) * xE[ik].S
				// xhat_k's rounding, and its second-order remainder.
				dh := -c * xi * g[ik] / fn
				if k == r {
					dh -= c * Tn
				}
				r2 += sq(dh * xk)
				s += math.Abs(dh) * bb.Second[ik]
			}
			dE[i] = eb{
				math.Sqrt(r2 + sq(din[i]) + sq(din[i]*gammaRel.R)),
				s + math.Abs(din[i])*(1+bb.InvRel2[j]+gammaRel.S) + bb.EpsShare[j]*(math.Abs(din[i])+2*math.Abs(c*xi*Tn)) +
					f64Rel(n)*math.Abs(c)*(maxG*(1+math.Abs(xi))+math.Abs(xi*Tn)),
			}
		}
	}
	return dE
}

// maxAbsCol is the largest |v| of column j of n rows of width w.
func maxAbsCol(v []float64, j, w, n int) float64 {
	m := 0.0
	for r := 0; r < n; r++ {
		m = math.Max(m, math.Abs(v[r*w+j]))
	}
	return m
}

// preBackBounds bounds ∂loss/∂Pre[i] from DZ[0]·W[0]ᵀ back through the input stage down to its
// first batch normalization (below it nothing is trained), setting the bounds of the batch
// normalizations' gradients in gradsE. A rescaling's backward multiplies by its float32 scale
// (its error and one rounding), a normalization's divides by σ (as standardiseBound).
func (net refNet) preBackBounds(p [][]float64, pE [][]eb, f refForward, fb refFwdBounds, b refBackward, dz0E []eb, gradsE [][]eb) {
	if b.DPre == nil {
		return
	}
	first := -1
	for i, pre := range net.Pre {
		if pre.Kind == "batch_normalization" {
			first = i
			break
		}
	}
	ly := net.Layers[0]
	ki, _ := net.paramIndex(0)
	w, wE, n := p[ki], pE[ki], f.N
	gE := make([]eb, n*ly.In)
	wRow, wRowE := make([]float64, ly.Out), make([]eb, ly.Out)
	for i := 0; i < ly.In; i++ {
		copy(wRow, w[i*ly.Out:(i+1)*ly.Out])
		copy(wRowE, wE[i*ly.Out:(i+1)*ly.Out])
		for r := 0; r < n; r++ {
			gE[r*ly.In+i] = dotBound(b.DZ[0][r*ly.Out:(r+1)*ly.Out], wRow, dz0E[r*ly.Out:(r+1)*ly.Out], wRowE)
		}
	}
	for i := len(net.Pre) - 1; i >= first; i-- {
		pre, g, din := net.Pre[i], b.DPre[i+1], b.DPre[i]
		switch pre.Kind {
		case "batch_normalization":
			gE = net.bnBackBounds(p, pE, pre, g, gE, f, fb, din, b.Grads, gradsE)
		case "rescaling", "normalization":
			g2E := make([]eb, len(gE))
			for k := range gE {
				m := pre.Scale
				if pre.Kind == "normalization" {
					m = 1 / net.std(p[net.normIndex()+1][k%net.In])
				}
				g2E[k] = eb{math.Hypot(m*gE[k].R, din[k]), math.Abs(m)*gE[k].S + cFn*math.Abs(din[k])}
			}
			gE = g2E
		default:
			gE = net.opBackBounds(pre, g, gE, f.Pre[i], fb.Pre[i], f.Pre[i+1], fb.Pre[i+1], din, n, net.In, f.Masks)
		}
	}
}

// bnMovingWithBounds is the moving update of the training forward pass f (bnMovingUpdate) with
// its bounds: bit-exact (a zero bound) for a layer whose input and moving statistics are exact,
// else the unrounded formula with the bounds of the package comment. p's other tensors, and their
// bounds pE, are returned as they are.
func (net refNet) bnMovingWithBounds(p [][]float64, pE [][]eb, f refForward, fb refFwdBounds) ([][]float64, [][]eb) {
	if !f.Training || !net.hasBN() {
		return p, pE
	}
	exact := func(op refPre) bool {
		bb := fb.BN[op.K]
		if bb == nil || !bb.InExact {
			return false
		}
		for _, ti := range []int{op.MMean, op.MVar} {
			for _, e := range pE[ti] {
				if !e.exact() {
					return false
				}
			}
		}
		return true
	}
	q := net.bnMovingUpdate(p, f, exact)
	qE := cloneBounds(pE)
	ops, _ := net.batchNorms()
	for _, op := range ops {
		st, bb := f.BN[op.K], fb.BN[op.K]
		if st == nil || exact(op) {
			for _, ti := range []int{op.MMean, op.MVar} {
				qE[ti] = make([]eb, len(pE[ti]))
			}
			continue
		}
		keep, take := net.bnKeepTake(op.BN.Momentum)
		for j := range st.Mean {
			for _, x := range []struct {
				ti int
				s  float64
				se eb
			}{{op.MMean, st.Mean[j], bb.MeanE[j]}, {op.MVar, st.Var[j], bb.VarE[j]}} {
				m, me := p[x.ti][j], pE[x.ti][j]
				qE[x.ti][j] = eb{
					math.Sqrt(sq(keep*me.R) + sq(take*x.se.R) + sq(m*keep) + 2*sq(x.s*take) + sq(q[x.ti][j])),
					keep*me.S + take*x.se.S,
				}
			}
		}
	}
	return q, qE
}
