package codegen_test

// Checks of the float64 reference itself: its gradients against finite differences of its loss
// on many small random networks, and its forward pass, loss and optimiser steps against values
// worked out by hand.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nngen/nngen/spec"
)

var (
	allActivations = []string{"linear", "relu", "sigmoid", "tanh", "softmax"}
	allLosses      = []string{"categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error"}
)

// randomFDNet draws a small network: 1 to 4 layers of 1 to 6 units, every activation (softmax on
// the output only), every loss (cross-entropy with a softmax output of at least 2 units).
func randomFDNet(r *rand.Rand, i int) refNet {
	net := refNet{In: 1 + r.IntN(5), Loss: allLosses[i%len(allLosses)]}
	depth := 1 + r.IntN(4)
	in := net.In
	for l := 0; l < depth; l++ {
		ly := refLayer{In: in, Out: 1 + r.IntN(6), Bias: r.IntN(3) > 0}
		if l < depth-1 {
			ly.Act = allActivations[r.IntN(4)]
		} else if net.isCE() {
			ly.Act, ly.Out = "softmax", 2+r.IntN(5)
		} else {
			ly.Act = allActivations[(i/len(allLosses))%len(allActivations)]
			if ly.Act == "softmax" && ly.Out == 1 {
				ly.Out = 2
			}
		}
		net.Layers = append(net.Layers, ly)
		in = ly.Out
	}
	return net
}

// randomTargets draws n rows of targets: one-hot for the cross-entropies (and for MSE on a
// softmax), else uniform in [0, 1).
func randomTargets(r *rand.Rand, net refNet, n int, float func(float64) float64) []float64 {
	k := net.OutSize()
	y := make([]float64, n*k)
	for row := 0; row < n; row++ {
		if net.isCE() || net.Layers[len(net.Layers)-1].Act == "softmax" {
			y[row*k+r.IntN(k)] = 1
			continue
		}
		for j := 0; j < k; j++ {
			y[row*k+j] = float(r.Float64())
		}
	}
	return y
}

// randomFDParams draws every parameter uniformly from (-1, 1).
func randomFDParams(r *rand.Rand, net refNet) [][]float64 {
	var p [][]float64
	for _, info := range net.tensorInfo() {
		size := 1
		for _, d := range info.Shape {
			size *= d
		}
		t := make([]float64, size)
		for j := range t {
			t[j] = 2*r.Float64() - 1
		}
		p = append(p, t)
	}
	return p
}

// kinkSignature records on which side of every kink a forward pass lies: the sign of every relu
// input and whether every probability is clipped. A finite difference is only valid when both
// sides of the stencil share it.
func (net refNet) kinkSignature(f refForward) string {
	b := make([]byte, 0, 64)
	for l, ly := range net.Layers {
		if ly.Act == "relu" {
			for _, z := range f.Z[l] {
				b = append(b, "-+"[btoi(z > 0)])
			}
		}
	}
	if net.isCE() {
		for _, p := range f.Output() {
			b = append(b, "lmh"[btoi(p >= ceClipLo)+btoi(p > ceClipHi)])
		}
	}
	return string(b)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestReferenceFiniteDifferences checks every gradient of the reference against a fourth-order
// central difference of its loss,
//
//	L'(θ) ≈ (L(θ−2h) − 8L(θ−h) + 8L(θ+h) − L(θ+2h)) / 12h,   h = 1e-4.
//
// Its truncation error is h⁴/30·|L⁽⁵⁾| ≈ 3e-18·|L⁽⁵⁾|, negligible for these O(1) networks, and its
// rounding error is about 1.5·ε64·|L|/h ≈ 3.3e-12·|L| (ε64 = 2.2e-16). The test requires
//
//	|fd − g| <= 1e-6·|g| + 1e-9·(1 + |L|),
//
// a relative agreement of 1e-6 for every gradient that is not tiny beside the loss, with more than
// 100× headroom over the finite difference's own error; a wrong derivative is off by O(|g|). A
// parameter whose stencil straddles a kink (a relu input changing sign, a probability crossing
// the cross-entropy clip) is skipped, and the test fails if that happens to more than 1% of them.
func TestReferenceFiniteDifferences(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const (
		nets = 300
		h    = 1e-4
	)
	checked, skipped, worst := 0, 0, 0.0
	for i := 0; i < nets; i++ {
		net := randomFDNet(r, i)
		n := 1 + r.IntN(4)
		x := make([]float64, n*net.In)
		for j := range x {
			x[j] = 2*r.Float64() - 1
		}
		y := randomTargets(r, net, n, func(v float64) float64 { return v })
		p := randomFDParams(r, net)
		f := net.forward(p, x, n)
		loss := net.loss(f.Output(), y, n)
		sig := net.kinkSignature(f)
		grads := net.backward(p, f, y).Grads
		desc := fmt.Sprintf("net %d (%s, %d rows, %v)", i, net.Loss, n, net.Layers)
		for ti, info := range net.tensorInfo() {
			for j := range p[ti] {
				at := func(d float64) (float64, bool) {
					q := cloneAll(p)
					q[ti][j] += d
					fq := net.forward(q, x, n)
					return net.loss(fq.Output(), y, n), net.kinkSignature(fq) == sig
				}
				lm2, ok1 := at(-2 * h)
				lm1, ok2 := at(-h)
				lp1, ok3 := at(h)
				lp2, ok4 := at(2 * h)
				if !(ok1 && ok2 && ok3 && ok4) {
					skipped++
					continue
				}
				checked++
				fd := (lm2 - 8*lm1 + 8*lp1 - lp2) / (12 * h)
				g := grads[ti][j]
				bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss))
				worst = math.Max(worst, math.Abs(fd-g)/bound)
				if !(math.Abs(fd-g) <= bound) {
					t.Errorf("%s: %s[%d]: gradient %.12g, finite difference %.12g (|diff| %.3g > %.3g)",
						desc, info.Name, j, g, fd, math.Abs(fd-g), bound)
				}
			}
		}
	}
	t.Logf("%d gradients checked, %d skipped at a kink; worst |fd − g| is %.3g of the bound", checked, skipped, worst)
	if skipped*100 > checked+skipped {
		t.Errorf("%d of %d gradients skipped at a kink: the check is not checking", skipped, checked+skipped)
	}
}

// TestReferenceFiniteDifferencesInput checks the back-propagation through hidden layers once
// more from a different angle: ∂L/∂x by finite differences equals DZ[0]·W[0]ᵀ. A bug in how one
// layer's delta reaches the previous layer shows here directly.
func TestReferenceFiniteDifferencesInput(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const h = 1e-4
	for i := 0; i < 100; i++ {
		net := randomFDNet(r, i)
		n := 1 + r.IntN(3)
		x := make([]float64, n*net.In)
		for j := range x {
			x[j] = 2*r.Float64() - 1
		}
		y := randomTargets(r, net, n, func(v float64) float64 { return v })
		p := randomFDParams(r, net)
		f := net.forward(p, x, n)
		loss := net.loss(f.Output(), y, n)
		sig := net.kinkSignature(f)
		b := net.backward(p, f, y)
		ly := net.Layers[0]
		w := p[0]
		for j := range x {
			at := func(d float64) (float64, bool) {
				xq := append([]float64(nil), x...)
				xq[j] += d
				fq := net.forward(p, xq, n)
				return net.loss(fq.Output(), y, n), net.kinkSignature(fq) == sig
			}
			lm2, ok1 := at(-2 * h)
			lm1, ok2 := at(-h)
			lp1, ok3 := at(h)
			lp2, ok4 := at(2 * h)
			if !(ok1 && ok2 && ok3 && ok4) {
				continue
			}
			fd := (lm2 - 8*lm1 + 8*lp1 - lp2) / (12 * h)
			row, col := j/net.In, j%net.In
			g := 0.0
			for o := 0; o < ly.Out; o++ {
				g += b.DZ[0][row*ly.Out+o] * w[col*ly.Out+o]
			}
			if bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss)); !(math.Abs(fd-g) <= bound) {
				t.Errorf("net %d %v: ∂L/∂x[%d] = %.12g, finite difference %.12g", i, net.Layers, j, g, fd)
			}
		}
	}
}

// TestReferenceByHand checks the reference against values worked out on paper.
func TestReferenceByHand(t *testing.T) {
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	}
	e := math.E

	// Dense(2, softmax), identity kernel, bias (0, 1), one row x = (1, 0), class 0:
	// z = (1, 1), p = (½, ½), loss = log 2, dz = p − y = (−½, ½), dW = xᵀ·dz, db = dz.
	ce := refNet{In: 2, Loss: "categorical_crossentropy", Layers: []refLayer{{In: 2, Out: 2, Act: "softmax", Bias: true}}}
	p := [][]float64{{1, 0, 0, 1}, {0, 1}}
	f := ce.forward(p, []float64{1, 0}, 1)
	y := []float64{1, 0}
	near("softmax p0", f.Output()[0], 0.5)
	near("CE loss", ce.loss(f.Output(), y, 1), math.Log(2))
	g := ce.backward(p, f, y).Grads
	for i, want := range []float64{-0.5, 0.5, 0, 0} {
		near(fmt.Sprintf("CE dW[%d]", i), g[0][i], want)
	}
	near("CE db0", g[1][0], -0.5)
	near("CE db1", g[1][1], 0.5)

	// Two rows, both of class 1; the second has z = (0, 1), p = (1/(1+e), e/(1+e)). The loss and
	// the gradients are means over the rows. Row 0 ties, and the first max (class 0) wins, so
	// only row 1 is correct.
	f = ce.forward(p, []float64{1, 0, 0, 0}, 2)
	y = []float64{0, 1, 0, 1}
	near("CE mean loss", ce.loss(f.Output(), y, 2), (math.Log(2)+math.Log((1+e)/e))/2)
	near("CE db1 mean", ce.backward(p, f, y).Grads[1][1], (-0.5+(e/(1+e)-1))/2)
	if c := ce.correct(f.Output(), y, 2); c != 1 {
		t.Errorf("correct = %d, want 1", c)
	}

	// The clip: a probability of 1e-9 costs −log(1e-7).
	near("clipped loss", ce.rowLosses([]float64{1e-9, 1 - 1e-9}, []float64{1, 0}, 1)[0], -math.Log(1e-7))

	// Dense(1, linear), MSE: x = 2, w = 3, b = 1, y = 4: a = 7, loss = 9, ∂/∂a = 2·3 = 6,
	// dW = 2·6 = 12, db = 6.
	mse := refNet{In: 1, Loss: "mean_squared_error", Layers: []refLayer{{In: 1, Out: 1, Act: "linear", Bias: true}}}
	p = [][]float64{{3}, {1}}
	f = mse.forward(p, []float64{2}, 1)
	near("MSE loss", mse.loss(f.Output(), []float64{4}, 1), 9)
	g = mse.backward(p, f, []float64{4}).Grads
	near("MSE dW", g[0][0], 12)
	near("MSE db", g[1][0], 6)
	if c := mse.correct(f.Output(), []float64{4}, 1); c != 1 { // 7 > 0.5 and 4 > 0.5
		t.Errorf("MSE correct = %d, want 1", c)
	}

	// MSE is a mean over the outputs too: Dense(2, sigmoid) with zero weights gives a = (½, ½);
	// against y = (1, 0) the loss is ¼ and ∂/∂z_j = 2(a_j − y_j)/2 · ¼ = ∓⅛.
	sig := refNet{In: 1, Loss: "mean_squared_error", Layers: []refLayer{{In: 1, Out: 2, Act: "sigmoid"}}}
	p = [][]float64{{0, 0}}
	f = sig.forward(p, []float64{1}, 1)
	near("sigmoid MSE loss", sig.loss(f.Output(), []float64{1, 0}, 1), 0.25)
	b := sig.backward(p, f, []float64{1, 0})
	near("sigmoid dz0", b.DZ[0][0], -0.125)
	near("sigmoid dz1", b.DZ[0][1], 0.125)

	// Adam, first step: m = (1−β1)g, v = (1−β2)g², so the step is lr·g/(|g| + ε/√(1−β2)).
	adam := refNet{Opt: spec.Optimizer{Type: "adam", LearningRate: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}}
	params := [][]float64{{1, 1, 1}}
	grads := [][]float64{{0.5, -2e-6, 0}}
	p1, st := adam.step(params, grads, newRefOptState(params))
	for i, gv := range grads[0] {
		near(fmt.Sprintf("adam step 1 [%d]", i), p1[0][i], 1-0.01*gv/(math.Abs(gv)+1e-7/math.Sqrt(0.001)))
	}
	// Second step with the same gradient: m = (1−β1²)g, v = (1−β2²)g², alpha = lr·√(1−β2²)/(1−β1²),
	// so again the step is lr·g/(|g| + ε/√(1−β2²)).
	p2, st := adam.step(p1, grads, st)
	for i, gv := range grads[0] {
		want := p1[0][i] - 0.01*gv/(math.Abs(gv)+1e-7/math.Sqrt(1-0.999*0.999))
		near(fmt.Sprintf("adam step 2 [%d]", i), p2[0][i], want)
	}
	if st.T != 2 {
		t.Errorf("adam t = %d, want 2", st.T)
	}

	// SGD: plain, momentum, Nesterov, over two steps with g = 1, lr = 0.1, momentum 0.5.
	for _, c := range []struct {
		opt          spec.Optimizer
		step1, step2 float64
	}{
		{spec.Optimizer{Type: "sgd", LearningRate: 0.1}, 0.9, 0.8},
		// vel = −0.1, p = 0.9; vel = 0.5·(−0.1) − 0.1 = −0.15, p = 0.75.
		{spec.Optimizer{Type: "sgd", LearningRate: 0.1, Momentum: 0.5}, 0.9, 0.75},
		// vel = −0.1, p = 1 + 0.5·(−0.1) − 0.1 = 0.85; vel = −0.15, p = 0.85 − 0.075 − 0.1 = 0.675.
		{spec.Optimizer{Type: "sgd", LearningRate: 0.1, Momentum: 0.5, Nesterov: true}, 0.85, 0.675},
	} {
		net := refNet{Opt: c.opt}
		params := [][]float64{{1}}
		g := [][]float64{{1}}
		p1, st := net.step(params, g, newRefOptState(params))
		p2, _ := net.step(p1, g, st)
		near(fmt.Sprintf("%+v step 1", c.opt), p1[0][0], c.step1)
		near(fmt.Sprintf("%+v step 2", c.opt), p2[0][0], c.step2)
	}
}
