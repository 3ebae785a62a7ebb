package codegen_test

// Checks of the float64 reference itself: its gradients against finite differences of its loss
// on many small random networks (dense networks, then networks with preprocessing layers, the
// binary cross-entropy, the mean absolute error and standardised labels), and its forward pass,
// loss and optimiser steps against values worked out by hand. The training toolbox's are in
// reference_toolbox_fd_test.go.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nngen/nngen/spec"
)

var (
	allActivations = []string{"linear", "relu", "sigmoid", "tanh", "softmax"}
	// allLosses are the losses of the first parity specs and finite-difference networks; the
	// others are newLosses (kept apart so that those specs stay as they were).
	allLosses = []string{"categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error"}
	newLosses = []string{"binary_crossentropy", "mean_absolute_error"}
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

// kinkSignature records on which side of every kink a forward pass with parameters p against the
// labels y lies: the sign of every input of a relu (and of the other activations with a kink at 0:
// leaky_relu, elu, selu), whether every probability is clipped, the sign of every output's
// difference from its target under the absolute error, and the sign of every parameter an L1
// penalty sees. A finite difference is only valid when both sides of the stencil share it.
func (net refNet) kinkSignature(p [][]float64, f refForward, y []float64) string {
	b := make([]byte, 0, 64)
	kinked := func(act string, z []float64) {
		if act == "relu" || act == "leaky_relu" || act == "elu" || act == "selu" {
			for _, v := range z {
				b = append(b, "-+"[btoi(v > 0)])
			}
		}
	}
	for k, op := range net.Pre {
		if op.Kind == "activation" && len(f.Pre) > k+1 {
			kinked(op.Act, f.Pre[k])
		}
	}
	b = net.imgKinks(b, p, f)
	for l, ly := range net.Layers {
		kinked(ly.Act, f.Z[l])
		for k, op := range ly.Post {
			if op.Kind == "activation" {
				in := f.D[l]
				if k > 0 {
					in = f.Post[l][k-1]
				}
				kinked(op.Act, in)
			}
		}
		ki, bi := net.paramIndex(l)
		if ly.KernelReg.L1 != 0 {
			for _, w := range p[ki] {
				b = append(b, "-0+"[int(sign(w))+1])
			}
		}
		if bi >= 0 && ly.BiasReg.L1 != 0 {
			for _, w := range p[bi] {
				b = append(b, "-0+"[int(sign(w))+1])
			}
		}
	}
	switch {
	case net.isCE():
		for _, p := range f.Output() {
			b = append(b, "lmh"[btoi(p >= ceClipLo)+btoi(p > ceClipHi)])
		}
	case net.isBCE():
		for _, p := range f.Output() {
			b = append(b, "lmh"[btoi(p >= bceClipLo)+btoi(p > bceClipHi)])
		}
	case net.Loss == "mean_absolute_error":
		t := net.targets(p, y)
		for i, a := range f.Net() {
			b = append(b, "-0+"[int(sign(a-t[i]))+1])
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
	var st fdStats
	for i := 0; i < 300; i++ {
		net := randomFDNet(r, i)
		n := 1 + r.IntN(4)
		x := make([]float64, n*net.In)
		for j := range x {
			x[j] = 2*r.Float64() - 1
		}
		y := randomTargets(r, net, n, func(v float64) float64 { return v })
		p := randomFDParams(r, net)
		net.checkParamFD(t.Errorf, &st, fmt.Sprintf("net %d (%s, %d rows, %v)", i, net.Loss, n, net.Layers), p, x, y, n, nil)
	}
	st.report(t)
}

// fdStep is the finite differences' h.
const fdStep = 1e-4

// fdStats counts the gradients a finite-difference test checked and skipped, and the worst
// agreement relative to the bound.
type fdStats struct {
	checked, skipped int
	worst            float64
}

func (st *fdStats) report(t *testing.T) {
	t.Helper()
	t.Logf("%d gradients checked, %d skipped at a kink; worst |fd − g| is %.3g of the bound", st.checked, st.skipped, st.worst)
	if st.skipped*100 > st.checked+st.skipped {
		t.Errorf("%d of %d gradients skipped at a kink: the check is not checking", st.skipped, st.checked+st.skipped)
	}
	if st.checked == 0 {
		t.Error("no gradient checked")
	}
}

// fourthOrder is the fourth-order central difference of L at 0 with step h, from L at −2h, −h, h
// and 2h; ok is false when a stencil point is on the other side of a kink.
func fourthOrder(at func(d float64) (float64, bool), h float64) (fd float64, ok bool) {
	lm2, ok1 := at(-2 * h)
	lm1, ok2 := at(-h)
	lp1, ok3 := at(h)
	lp2, ok4 := at(2 * h)
	return (lm2 - 8*lm1 + 8*lp1 - lp2) / (12 * h), ok1 && ok2 && ok3 && ok4
}

// checkParamFD checks the reference's gradient of every trained parameter of p (the training loss
// of n rows x against the labels y: with standardised labels, the loss of the standardised
// outputs and labels; and the regularizers' penalty) against a finite difference of that loss,
// with the dropout masks masks fixed (nil: none).
func (net refNet) checkParamFD(errorf func(format string, args ...any), st *fdStats, desc string, p [][]float64, x, y []float64, n int, masks refMasks) {
	f := net.forwardMasked(p, x, n, masks)
	loss := net.trainingLoss(p, f, y)
	sig := net.kinkSignature(p, f, y)
	grads := net.backward(p, f, y).Grads
	info := net.tensorInfo()
	for _, ti := range net.trainable() {
		for j := range p[ti] {
			fd, ok := fourthOrder(func(d float64) (float64, bool) {
				q := cloneAll(p)
				q[ti][j] += d
				fq := net.forwardMasked(q, x, n, masks)
				return net.trainingLoss(q, fq, y), net.kinkSignature(q, fq, y) == sig
			}, fdStep)
			if !ok {
				st.skipped++
				continue
			}
			st.checked++
			g := grads[ti][j]
			bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss))
			st.worst = math.Max(st.worst, math.Abs(fd-g)/bound)
			if !(math.Abs(fd-g) <= bound) {
				errorf("%s: %s[%d]: gradient %.12g, finite difference %.12g (|diff| %.3g > %.3g)",
					desc, info[ti].Name, j, g, fd, math.Abs(fd-g), bound)
			}
		}
	}
	// The fixed statistics get no gradient.
	for ti, in := range info {
		if in.Fixed && slices.ContainsFunc(grads[ti], func(v float64) bool { return v != 0 }) {
			errorf("%s: %s has a gradient", desc, in.Name)
		}
	}
}

// fdCase is a small network of the new kinds with its data: parameters (the fixed statistics
// too), inputs and labels.
type fdCase struct {
	net  refNet
	p    [][]float64
	x, y []float64
	n    int
}

// randomFDCase draws a network with preprocessing layers (none, rescaling, normalization, or a
// chain of both), any loss (binary cross-entropy over 1 to 3 sigmoid units; the mean absolute
// error over any output), standardised labels for half the regressions with a linear output, and
// its data. The normalization's statistics are near those of its inputs, one feature's variance is
// below 1e-14 with inputs within 1e-7 of its mean, so that the floor makes them O(1); the labels'
// too, with one label's variance tiny when there are several.
func randomFDCase(r *rand.Rand, i int) fdCase {
	losses := append(slices.Clone(allLosses), newLosses...)
	net := refNet{In: 1 + r.IntN(5), Loss: losses[i%len(losses)]}
	switch i / len(losses) % 5 {
	case 1:
		net.Pre = []refPre{{Kind: "rescaling", Scale: f32(4*r.Float64() - 2), Offset: f32(2*r.Float64() - 1)}}
	case 2:
		net.Pre = []refPre{{Kind: "normalization"}}
	case 3:
		net.Pre = []refPre{{Kind: "rescaling", Scale: f32(4*r.Float64() - 2), Offset: f32(2*r.Float64() - 1)}, {Kind: "normalization"}}
	case 4:
		net.Pre = []refPre{{Kind: "normalization"}, {Kind: "rescaling", Scale: f32(4*r.Float64() - 2), Offset: f32(2*r.Float64() - 1)}}
	}
	depth := 1 + r.IntN(3)
	in := net.In
	for l := 0; l < depth; l++ {
		ly := refLayer{In: in, Out: 1 + r.IntN(5), Bias: r.IntN(3) > 0, Act: allActivations[r.IntN(4)]}
		if l == depth-1 {
			switch {
			case net.isCE():
				ly.Act, ly.Out = "softmax", 2+r.IntN(4)
			case net.isBCE():
				ly.Act, ly.Out = "sigmoid", 1+r.IntN(3)
			default:
				ly.Act = allActivations[r.IntN(5)]
				if r.IntN(2) == 0 {
					ly.Act = "linear" // half of them, so that the labels are often standardised
				}
				if ly.Act == "softmax" && ly.Out == 1 {
					ly.Out = 2
				}
				net.Labels = ly.Act == "linear" && r.IntN(4) > 0
			}
		}
		net.Layers = append(net.Layers, ly)
		in = ly.Out
	}
	c := fdCase{net: net, n: 1 + r.IntN(4)}
	c.p = randomFDParams(r, net)
	// The raw inputs, and the statistics the normalization sees: x·S + O of them.
	S, O := 1.0, 0.0
	for _, pre := range net.Pre {
		if pre.Kind == "normalization" {
			break
		}
		S, O = S*pre.Scale, O*pre.Scale+pre.Offset
	}
	c.x = make([]float64, c.n*net.In)
	for j := range c.x {
		c.x[j] = 2*r.Float64() - 1
	}
	if ni := net.normIndex(); ni >= 0 {
		tiny := r.IntN(net.In)
		for j := 0; j < net.In; j++ {
			c.p[ni][j] = O + S*(0.5*r.Float64()-0.25)
			c.p[ni+1][j] = sq(S) * (0.1 + r.Float64())
		}
		c.p[ni+1][tiny] = 1e-14 * r.Float64()
		for row := 0; row < c.n; row++ {
			c.x[row*net.In+tiny] = (c.p[ni][tiny] + 1e-7*(2*r.Float64()-1) - O) / S
		}
	}
	k := net.OutSize()
	c.y = randomTargets(r, net, c.n, func(v float64) float64 { return v })
	if li := net.labelIndex(); li >= 0 {
		for j := 0; j < k; j++ {
			c.p[li][j], c.p[li+1][j] = 4*r.Float64()-2, 0.1+4*r.Float64()
		}
		if k > 1 {
			c.p[li+1][k-1] = 1e-15 * r.Float64()
		}
		for e := range c.y {
			c.y[e] = c.p[li][e%k] + max(math.Sqrt(c.p[li+1][e%k]), normFloor)*(4*r.Float64()-2)
		}
	}
	return c
}

// TestReferenceFiniteDifferencesNewKinds checks the gradients of the reference against finite
// differences, as TestReferenceFiniteDifferences does, on networks with preprocessing layers in
// front (the gradients of the dense parameters, through the preprocessed inputs), the binary
// cross-entropy (soft labels too), the mean absolute error away from its kinks (a stencil point
// where an output crosses its target is skipped), and standardised labels, whose gradients are
// those of the loss of the standardised outputs and labels. It also checks ∂L/∂x through the
// preprocessing layers, as TestReferenceFiniteDifferencesInput does.
func TestReferenceFiniteDifferencesNewKinds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var st, inputs fdStats
	seen := map[string]int{}
	for i := 0; i < 500; i++ {
		c := randomFDCase(r, i)
		net := c.net
		var pre []string
		for _, p := range net.Pre {
			pre = append(pre, p.Kind)
		}
		seen[net.Loss]++
		seen[fmt.Sprint(pre)]++
		if net.Labels {
			seen["labels "+net.Loss]++
		}
		desc := fmt.Sprintf("net %d (%v, %s, labels %v, %d rows, %v)", i, pre, net.Loss, net.Labels, c.n, net.Layers)
		net.checkParamFD(t.Errorf, &st, desc, c.p, c.x, c.y, c.n, nil)
		net.checkInputFD(t.Errorf, &inputs, desc, c.p, c.x, c.y, c.n, nil)
	}
	st.report(t)
	inputs.report(t)
	for _, want := range []string{"binary_crossentropy", "mean_absolute_error", "[rescaling]", "[normalization]",
		"[rescaling normalization]", "[normalization rescaling]", "labels mean_squared_error", "labels mean_absolute_error"} {
		if seen[want] < 10 {
			t.Errorf("%s: in %d networks, want at least 10", want, seen[want])
		}
	}
}

// TestReferenceFiniteDifferencesDetectsBugs checks that the finite differences of
// TestReferenceFiniteDifferencesNewKinds can fail: each mistake planted in the reference's
// gradients (or in its loss, which they must then no longer match) is caught in most networks it
// applies to.
func TestReferenceFiniteDifferencesDetectsBugs(t *testing.T) {
	for _, b := range []struct {
		name    string
		applies func(net refNet) bool
		bugs    refBugs
	}{
		{"binary cross-entropy without its (1 − y)·log(1 − p) term", refNet.isBCE, refBugs{BinaryOneTerm: true}},
		{"binary cross-entropy delta over n·2 rows", refNet.isBCE, refBugs{DeltaScale: 0.5}},
		{"binary cross-entropy delta through the sigmoid's derivative again", refNet.isBCE, refBugs{FusedThroughAct: true}},
		{"absolute error's gradient not through the output activation",
			func(net refNet) bool {
				return net.Loss == "mean_absolute_error" && net.Layers[len(net.Layers)-1].Act != "linear"
			}, refBugs{MAENoAct: true}},
		{"absolute error's gradient twice as large", func(net refNet) bool { return net.Loss == "mean_absolute_error" }, refBugs{DeltaScale: 2}},
		{"a standardised output's gradient twice as large", func(net refNet) bool { return net.Labels }, refBugs{DeltaScale: 2}},
	} {
		r := rand.New(rand.NewPCG(5, 6))
		applied, caught := 0, 0
		for i := 0; i < 500; i++ {
			c := randomFDCase(r, i)
			if !b.applies(c.net) {
				continue
			}
			applied++
			net := c.net
			net.Bugs = b.bugs
			failed := false
			net.checkParamFD(func(string, ...any) { failed = true }, new(fdStats), "", c.p, c.x, c.y, c.n, nil)
			if failed {
				caught++
			}
		}
		t.Logf("%s: caught in %d of the %d networks it applies to", b.name, caught, applied)
		if applied == 0 || caught*10 < applied*9 {
			t.Errorf("%s: caught in %d of the %d networks it applies to, want 90%%", b.name, caught, applied)
		}
	}
}

// TestReferenceFiniteDifferencesInput checks the back-propagation through hidden layers once
// more from a different angle: ∂L/∂x by finite differences equals DZ[0]·W[0]ᵀ. A bug in how one
// layer's delta reaches the previous layer shows here directly.
func TestReferenceFiniteDifferencesInput(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100; i++ {
		net := randomFDNet(r, i)
		n := 1 + r.IntN(3)
		x := make([]float64, n*net.In)
		for j := range x {
			x[j] = 2*r.Float64() - 1
		}
		y := randomTargets(r, net, n, func(v float64) float64 { return v })
		p := randomFDParams(r, net)
		net.checkInputFD(t.Errorf, new(fdStats), fmt.Sprintf("net %d %v", i, net.Layers), p, x, y, n, nil)
	}
}

// checkInputFD checks ∂L/∂x of the training loss by finite differences against DZ[0]·W[0]ᵀ taken
// back through the preprocessing layers, which are affine per feature: a rescaling multiplies the
// derivative by its scale, a normalization divides it by max(√variance, 1e-7). The step of input
// j is about h' over that factor, so that the dense layers see a step of about h' whatever the
// preprocessing, rounded down to a power of two, so that x ± step and x ± 2·step are exact (an
// input whose stencil is not, at a binade's edge, is skipped): a step of 1e-11 beside an input of
// 0.5 would otherwise be off by 1e-5 of itself. h' is h = 1e-4, except through a floored standard
// deviation σ (below 1e-4): the float64 rounding of a rescaling before the normalization (up to
// ε64·|x'|/2 in its output x', |x'| < 2 here) is then divided by a step of h'·σ in x', and adds up
// to 1.5·ε64·|x'|/(2·h'·σ) to the difference's relative error, 1.7e-5 for h' = 1e-4 and σ = 1e-7;
// with h' = 1e-2 it is 3.3e-7, under the bound's 1e-6, and the truncation error h'⁴/30·|L⁽⁵⁾| =
// 3.3e-10·|L⁽⁵⁾| stays negligible for these O(1) networks.
//
// The input stage may also hold activation and dropout layers (with the masks masks fixed), which
// act element by element: the derivative is multiplied by the activation's derivative at its
// input, or by the mask. Only the linear factors (scales, standard deviations, masks) size the step:
// an activation's derivative may be near 0 (gelu's near −0.75) and would make it huge. A dropped
// input (a mask of 0) does not reach the loss: its difference must be exactly 0.
func (net refNet) checkInputFD(errorf func(format string, args ...any), st *fdStats, desc string, p [][]float64, x, y []float64, n int, masks refMasks) {
	f := net.forwardMasked(p, x, n, masks)
	loss := net.trainingLoss(p, f, y)
	sig := net.kinkSignature(p, f, y)
	b := net.backward(p, f, y)
	ly := net.Layers[0]
	ki, _ := net.paramIndex(0)
	w := p[ki]
	for j := range x {
		row, col := j/net.In, j%net.In
		chain, linear, step := 1.0, 1.0, fdStep
		for k, pre := range net.Pre {
			switch pre.Kind {
			case "rescaling":
				chain *= pre.Scale
				linear *= pre.Scale
			case "normalization":
				sd := max(math.Sqrt(p[net.normIndex()+1][col]), normFloor)
				chain /= sd
				linear /= sd
				if sd < 1e-4 {
					step = 1e-2
				}
			case "dropout":
				if m := masks[pre.Index]; m != nil {
					chain *= m[j]
					linear *= m[j]
				}
			case "activation":
				d := []float64{0}
				net.activateBack(pre.Act, d, []float64{1}, f.Pre[k][j:j+1], f.Pre[k+1][j:j+1])
				chain *= d[0]
			}
		}
		h := math.Pow(2, math.Floor(math.Log2(step/math.Abs(linear))))
		if linear == 0 {
			h = math.Pow(2, math.Floor(math.Log2(step)))
			linear = 1
		}
		fd, ok := fourthOrder(func(d float64) (float64, bool) {
			xq := append([]float64(nil), x...)
			xq[j] += d
			fq := net.forwardMasked(p, xq, n, masks)
			return net.trainingLoss(p, fq, y), net.kinkSignature(p, fq, y) == sig && xq[j]-x[j] == d
		}, h)
		if !ok {
			st.skipped++
			continue
		}
		st.checked++
		g := 0.0
		for o := 0; o < ly.Out; o++ {
			g += b.DZ[0][row*ly.Out+o] * w[col*ly.Out+o]
		}
		g *= chain
		bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss))*math.Abs(linear)
		st.worst = math.Max(st.worst, math.Abs(fd-g)/bound)
		if !(math.Abs(fd-g) <= bound) {
			errorf("%s: ∂L/∂x[%d] = %.12g, finite difference %.12g", desc, j, g, fd)
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

// TestReferenceByHandNewKinds checks the preprocessing layers, the binary cross-entropy, the mean
// absolute error and standardised labels of the reference against values worked out on paper.
func TestReferenceByHandNewKinds(t *testing.T) {
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	}
	sum := []refLayer{{In: 2, Out: 1, Act: "linear"}} // one Dense(1, linear) without bias

	// Rescaling(0.5) then normalization with mean (1, 0) and variance (4, 1e-16): x = (6, 2e-7)
	// becomes (3, 1e-7), then ((3 − 1)/2, 1e-7/max(1e-8, 1e-7)) = (1, 1): the floor, not √1e-16,
	// divides the second feature. A Dense(1) summing them gives 2. With variance 0, the same.
	net := refNet{In: 2, Pre: []refPre{{Kind: "rescaling", Scale: 0.5}, {Kind: "normalization"}}, Loss: "mean_squared_error", Layers: sum}
	for _, v := range []float64{1e-16, 0} {
		p := [][]float64{{1, 0}, {4, v}, {1, 1}}
		f := net.forward(p, []float64{6, 2e-7}, 1)
		near(fmt.Sprintf("normalized feature 0 (variance %g)", v), f.A[0][0], 1)
		near(fmt.Sprintf("normalized feature 1 (variance %g)", v), f.A[0][1], 1)
		near(fmt.Sprintf("output (variance %g)", v), f.Output()[0], 2)
	}
	// Rescaling(2, offset 3): x·2 + 3, so 1.5 gives 6 (not (1.5 + 3)·2 = 9).
	resc := refNet{In: 1, Pre: []refPre{{Kind: "rescaling", Scale: 2, Offset: 3}}, Loss: "mean_squared_error", Layers: []refLayer{{In: 1, Out: 1, Act: "linear"}}}
	near("rescaled", resc.forward([][]float64{{1}}, []float64{1.5}, 1).A[0][0], 6)
	// The tensors: the normalization's statistics first, the labels' last, neither trained.
	labeled := refNet{In: 2, Pre: []refPre{{Kind: "normalization"}}, Labels: true, Loss: "mean_squared_error", Layers: []refLayer{{In: 2, Out: 1, Act: "linear", Bias: true}}}
	var names []string
	for _, ti := range labeled.tensorInfo() {
		names = append(names, ti.Name)
	}
	if want := []string{"normalization/mean", "normalization/variance", "dense1/kernel", "dense1/bias", "label/mean", "label/variance"}; !slices.Equal(names, want) {
		t.Errorf("tensors %q, want %q", names, want)
	}
	if got := labeled.trainable(); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("trainable tensors %v, want [2 3]", got)
	}
	// A step leaves the statistics as they are, even given a gradient.
	params := [][]float64{{1, 2}, {3, 4}, {1, 1}, {0}, {5}, {6}}
	grads := [][]float64{{1, 1}, {1, 1}, {1, 1}, {1}, {1}, {1}}
	labeled.Opt = spec.Optimizer{Type: "sgd", LearningRate: 0.5}
	p1, _ := labeled.step(params, grads, newRefOptState(params))
	if want := [][]float64{{1, 2}, {3, 4}, {0.5, 0.5}, {-0.5}, {5}, {6}}; !slices.EqualFunc(p1, want, slices.Equal) {
		t.Errorf("after a step %v, want %v", p1, want)
	}
	// AdaptInputs maps the raw statistics through the rescalings before the normalization only:
	// mean 10 and variance 4 through ×0.5 + 1 give 6 and 1.
	adapt := refNet{In: 1, Pre: []refPre{{Kind: "rescaling", Scale: 0.5, Offset: 1}, {Kind: "normalization"}, {Kind: "rescaling", Scale: 3}}}
	m, v := adapt.adaptInputs([]float64{10}, []float64{4})
	near("adapted mean", m[0], 6)
	near("adapted variance", v[0], 1)

	// Binary cross-entropy, Dense(1, sigmoid) with zero weights: p = ½. Against y = 1 and the soft
	// y = ¼ the loss is log 2 either way; dz = p − y: −½ and ¼.
	bce := refNet{In: 1, Loss: "binary_crossentropy", Layers: []refLayer{{In: 1, Out: 1, Act: "sigmoid"}}}
	p := [][]float64{{0}}
	f := bce.forward(p, []float64{1, 1}, 2)
	y := []float64{1, 0.25}
	near("BCE loss", bce.loss(f.Output(), y, 2), math.Log(2))
	b := bce.backward(p, f, y)
	near("BCE dz0", b.DZ[0][0], -0.5/2)
	near("BCE dz1", b.DZ[0][1], 0.25/2)
	// Over two sigmoid units the loss is a mean over them too: y = (1, 0) costs log 2, dz = ∓¼.
	bce2 := refNet{In: 1, Loss: "binary_crossentropy", Layers: []refLayer{{In: 1, Out: 2, Act: "sigmoid"}}}
	p = [][]float64{{0, 0}}
	f = bce2.forward(p, []float64{1}, 1)
	near("BCE loss, 2 units", bce2.loss(f.Output(), []float64{1, 0}, 1), math.Log(2))
	b = bce2.backward(p, f, []float64{1, 0})
	near("BCE dz0, 2 units", b.DZ[0][0], -0.25)
	near("BCE dz1, 2 units", b.DZ[0][1], 0.25)
	// The clip: p = 1 against y = 0 costs −log(2⁻²³) = 23·log 2; p = 0 against y = 1, −log(float32(1e-7)).
	near("BCE clipped high", bceTerm(1, 0, false), 23*math.Log(2))
	near("BCE clipped low", bceTerm(0, 1, false), -math.Log(float64(float32(1e-7))))
	if c := bce.correct([]float64{0.7, 0.2}, []float64{1, 1}, 2); c != 1 { // 0.5 threshold
		t.Errorf("BCE correct = %d, want 1", c)
	}

	// Mean absolute error, Dense(1, linear): x = 2, w = 3, b = 1, y = 4: a = 7, loss 3,
	// ∂/∂a = sign(7 − 4) = 1, dW = 2, db = 1.
	mae := refNet{In: 1, Loss: "mean_absolute_error", Layers: []refLayer{{In: 1, Out: 1, Act: "linear", Bias: true}}}
	p = [][]float64{{3}, {1}}
	f = mae.forward(p, []float64{2}, 1)
	near("MAE loss", mae.loss(f.Output(), []float64{4}, 1), 3)
	g := mae.backward(p, f, []float64{4}).Grads
	near("MAE dW", g[0][0], 2)
	near("MAE db", g[1][0], 1)
	// Through a sigmoid over two outputs, a = (½, ½) against y = (1, 0): loss ½, ∂/∂z_j =
	// ∓1/2·¼ = ∓⅛.
	maeSig := refNet{In: 1, Loss: "mean_absolute_error", Layers: []refLayer{{In: 1, Out: 2, Act: "sigmoid"}}}
	p = [][]float64{{0, 0}}
	f = maeSig.forward(p, []float64{1}, 1)
	near("sigmoid MAE loss", maeSig.loss(f.Output(), []float64{1, 0}, 1), 0.5)
	b = maeSig.backward(p, f, []float64{1, 0})
	near("sigmoid MAE dz0", b.DZ[0][0], -0.125)
	near("sigmoid MAE dz1", b.DZ[0][1], 0.125)

	// Standardised labels, Dense(1, linear): x = 2, w = 3, b = 1 gives z = 7; with the labels' mean
	// 10 and variance 4 the output is 10 + 7·2 = 24. Against y = 12 (standardised (12 − 10)/2 = 1)
	// the reported squared error is (24 − 12)² = 144, the trained one (7 − 1)² = 36, whose
	// gradient is dz = 2·(7 − 1) = 12: dW = 24, db = 12.
	std := refNet{In: 1, Loss: "mean_squared_error", Labels: true, Layers: []refLayer{{In: 1, Out: 1, Act: "linear", Bias: true}}}
	p = [][]float64{{3}, {1}, {10}, {4}}
	f = std.forward(p, []float64{2}, 1)
	near("restored output", f.Output()[0], 24)
	near("network output", f.Net()[0], 7)
	near("reported loss", std.reportedLoss(p, f, []float64{12}), 144)
	near("training loss", std.trainingLoss(p, f, []float64{12}), 36)
	g = std.backward(p, f, []float64{12}).Grads
	near("standardised dW", g[0][0], 24)
	near("standardised db", g[1][0], 12)
	// A label of variance 0 is standardised and restored with the floor: z = 7 becomes 10 + 7e-7,
	// and y = 10 + 2⁻²³ becomes 2⁻²³/1e-7.
	p = [][]float64{{3}, {1}, {10}, {0}}
	f = std.forward(p, []float64{2}, 1)
	near("restored with the floor", f.Output()[0], 10+7e-7)
	near("standardised with the floor", std.standardise(p, []float64{10 + 0x1p-23})[0], 0x1p-23/1e-7)
}
