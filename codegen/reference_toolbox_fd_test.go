package codegen_test

// Checks of the toolbox's reference (reference_toolbox_test.go): its gradients against finite
// differences on small random networks with Keras' other activations (dense activations and
// activation layers of their own, in the input stage and between dense layers), dropout layers
// with fixed masks and regularizers; planted mistakes that the finite differences must catch; and
// the activations, the masks, the regularizers, the optimisers, the clipping, the weight decay and
// the schedules against values worked out by hand (and the schedules against runtime/schedule).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/runtime/schedule"
	"github.com/nngen/nngen/spec"
)

// toolboxFDCase is a small network of the toolbox with its data and dropout masks.
type toolboxFDCase struct {
	fdCase
	masks refMasks
}

// elementwise are the activations an activation layer may have (softmax only on the last layer,
// which is dense).
var elementwise = append([]string{"linear", "relu", "sigmoid", "tanh"}, toolboxActivations...)

// randomToolboxFDCase draws a network of 1 to 3 dense layers of 1 to 5 units with any elementwise
// activation (the toolbox's half of the time), a loss in turn (a cross-entropy over softmax or
// sigmoid outputs, or a regression, whose output activation is one of the toolbox's most of the
// time), 0 to 2 activation or dropout layers in the input stage and after each hidden layer
// (dropout rates 0, 0.2 and 0.5; masks of 0 and 1/(1 − rate) drawn here), and kernel and bias
// regularizers (l1, l2 or both, 0.01 to 0.2) on half of the parameter arrays.
func randomToolboxFDCase(r *rand.Rand, i int) toolboxFDCase {
	losses := append(slices.Clone(allLosses), newLosses...)
	net := refNet{In: 1 + r.IntN(5), Loss: losses[i%len(losses)]}
	act := func() string {
		if r.IntN(2) == 0 {
			return toolboxActivations[r.IntN(len(toolboxActivations))]
		}
		return elementwise[r.IntN(len(elementwise))]
	}
	index := 0
	ops := func() []refPre {
		var o []refPre
		for range r.IntN(3) {
			index++
			if r.IntN(2) == 0 {
				o = append(o, refPre{Kind: "activation", Act: act()})
			} else {
				o = append(o, refPre{Kind: "dropout", Rate: []float64{0, 0.2, 0.5}[r.IntN(3)], Index: index})
			}
		}
		return o
	}
	reg := func() spec.Regularizer {
		v := func() float64 { return 0.01 + 0.19*r.Float64() }
		switch r.IntN(6) {
		case 0:
			return spec.Regularizer{L1: v()}
		case 1:
			return spec.Regularizer{L2: v()}
		case 2:
			return spec.Regularizer{L1: v(), L2: v()}
		}
		return spec.Regularizer{}
	}
	net.Pre = ops()
	depth := 1 + r.IntN(3)
	in := net.In
	for l := 0; l < depth; l++ {
		index++
		ly := refLayer{In: in, Out: 1 + r.IntN(5), Bias: r.IntN(3) > 0, Act: act()}
		if l == depth-1 {
			switch {
			case net.isCE():
				ly.Act, ly.Out = "softmax", 2+r.IntN(4)
			case net.isBCE():
				ly.Act, ly.Out = "sigmoid", 1+r.IntN(3)
			case r.IntN(4) > 0:
				ly.Act = toolboxActivations[r.IntN(len(toolboxActivations))]
			}
		} else {
			ly.Post = ops()
		}
		ly.KernelReg = reg()
		if ly.Bias {
			ly.BiasReg = reg()
		}
		net.Layers = append(net.Layers, ly)
		in = ly.Out
	}
	c := toolboxFDCase{fdCase: fdCase{net: net, n: 1 + r.IntN(4)}}
	c.p = randomFDParams(r, net)
	c.x = make([]float64, c.n*net.In)
	for j := range c.x {
		c.x[j] = 2*r.Float64() - 1
	}
	c.y = randomTargets(r, net, c.n, func(v float64) float64 { return v })
	ds, widths := net.dropouts()
	if len(ds) > 0 {
		c.masks = refMasks{}
		for k, d := range ds {
			m := make([]float64, c.n*widths[k])
			for e := range m {
				if r.Float64() >= d.Rate {
					m[e] = 1 / (1 - d.Rate)
				}
			}
			c.masks[d.Index] = m
		}
	}
	return c
}

// describeToolbox summarises a network for messages.
func (net refNet) describeToolbox() string {
	s := fmt.Sprintf("%s, input %d", net.Loss, net.In)
	opsString := func(ops []refPre) string {
		var t string
		for _, o := range ops {
			if o.Kind == "dropout" {
				t += fmt.Sprintf(" → dropout(%g)", o.Rate)
			} else {
				t += " → " + o.Act
			}
		}
		return t
	}
	s += opsString(net.Pre)
	for _, ly := range net.Layers {
		s += fmt.Sprintf(" → %d %s (bias %v, kernel %+v, bias %+v)", ly.Out, ly.Act, ly.Bias, ly.KernelReg, ly.BiasReg)
		s += opsString(ly.Post)
	}
	return s
}

// TestReferenceFiniteDifferencesToolbox checks the gradients of the toolbox's reference against
// finite differences, as TestReferenceFiniteDifferences does (the same fourth-order difference and
// bound), on networks of randomToolboxFDCase: the gradients of the parameters (through activation
// and dropout layers, with the regularizers' penalty in the loss) and those of the inputs through
// the input stage (checkInputFD). The dropout masks are fixed, as in a training step. A stencil
// that crosses a kink (an input of relu, leaky_relu, elu or selu changing sign, a parameter under
// an L1 penalty changing sign) is skipped.
func TestReferenceFiniteDifferencesToolbox(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var st, inputs fdStats
	seen := map[string]int{}
	for i := 0; i < 600; i++ {
		c := randomToolboxFDCase(r, i)
		net := c.net
		for _, o := range net.Pre {
			seen[o.Kind+" in the input stage"]++
			if o.Kind == "activation" {
				seen["stage "+o.Act]++
			}
		}
		for l, ly := range net.Layers {
			pos := "hidden "
			if l == len(net.Layers)-1 {
				pos = "output "
			}
			seen[pos+ly.Act]++
			for _, o := range ly.Post {
				seen[o.Kind+" after a dense layer"]++
				if o.Kind == "activation" {
					seen["layer "+o.Act]++
				}
			}
			if ly.KernelReg.L1 > 0 || ly.BiasReg.L1 > 0 {
				seen["l1"]++
			}
			if ly.KernelReg.L2 > 0 || ly.BiasReg.L2 > 0 {
				seen["l2"]++
			}
		}
		desc := fmt.Sprintf("net %d (%s, %d rows)", i, net.describeToolbox(), c.n)
		net.checkParamFD(t.Errorf, &st, desc, c.p, c.x, c.y, c.n, c.masks)
		net.checkInputFD(t.Errorf, &inputs, desc, c.p, c.x, c.y, c.n, c.masks)
	}
	st.report(t)
	inputs.report(t)
	want := []string{"activation in the input stage", "dropout in the input stage", "activation after a dense layer", "dropout after a dense layer", "l1", "l2"}
	for _, act := range toolboxActivations {
		want = append(want, "hidden "+act, "output "+act, "stage "+act, "layer "+act)
	}
	for _, w := range want {
		if seen[w] < 10 {
			t.Errorf("%s: in %d networks, want at least 10", w, seen[w])
		}
	}
}

// TestReferenceFiniteDifferencesToolboxDetectsBugs checks that those finite differences can fail:
// each mistake planted in the reference's gradients is caught in most networks it applies to (a
// wrong derivative only where the activation is differentiated, after the first dense layer or as
// its activation, and for the derivatives that are wrong only below 0, where some input is below
// 0; a dropout mask forgotten only where a mask has a 0 after a dense layer).
func TestReferenceFiniteDifferencesToolboxDetectsBugs(t *testing.T) {
	// differentiated reports whether act is computed after the input stage, with an input below 0
	// when negative (a mistake for z <= 0 only).
	differentiated := func(c toolboxFDCase, act string, negative bool) bool {
		f := c.net.forwardMasked(c.p, c.x, c.n, c.masks)
		below := func(z []float64) bool {
			return !negative || slices.ContainsFunc(z, func(v float64) bool { return v < 0 })
		}
		for l, ly := range c.net.Layers {
			if ly.Act == act && below(f.Z[l]) {
				return true
			}
			for k, o := range ly.Post {
				in := f.D[l]
				if k > 0 {
					in = f.Post[l][k-1]
				}
				if o.Kind == "activation" && o.Act == act && below(in) {
					return true
				}
			}
		}
		return false
	}
	type bug struct {
		name    string
		applies func(c toolboxFDCase) bool
		bugs    refBugs
	}
	var bugs []bug
	for _, act := range toolboxActivations {
		negative := act == "leaky_relu" || act == "elu" || act == "selu"
		bugs = append(bugs, bug{act + "'s derivative wrong (see wrongDerivative)",
			func(c toolboxFDCase) bool { return differentiated(c, act, negative) },
			refBugs{toolboxBugs: toolboxBugs{WrongDerivative: act}}})
	}
	bugs = append(bugs,
		bug{"dropout's mask not applied in the backward pass",
			func(c toolboxFDCase) bool {
				for _, ly := range c.net.Layers[:len(c.net.Layers)-1] {
					for _, o := range ly.Post {
						if o.Kind == "dropout" && slices.Contains(c.masks[o.Index], 0) {
							return true
						}
					}
				}
				return false
			}, refBugs{toolboxBugs: toolboxBugs{DropoutNoBack: true}}},
		bug{"the L2 gradient missing its 2", func(c toolboxFDCase) bool { return c.net.hasRegularizer(false) },
			refBugs{toolboxBugs: toolboxBugs{L2GradHalf: true}}},
		bug{"the L1 gradient left out", func(c toolboxFDCase) bool { return c.net.hasRegularizer(true) },
			refBugs{toolboxBugs: toolboxBugs{L1GradMissing: true}}},
	)
	for _, b := range bugs {
		r := rand.New(rand.NewPCG(7, 8))
		applied, caught := 0, 0
		for i := 0; i < 600; i++ {
			c := randomToolboxFDCase(r, i)
			if !b.applies(c) {
				continue
			}
			applied++
			net := c.net
			net.Bugs = b.bugs
			failed := false
			net.checkParamFD(func(string, ...any) { failed = true }, new(fdStats), "", c.p, c.x, c.y, c.n, c.masks)
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

// TestReferenceByHandToolbox checks the toolbox's reference against values worked out on paper.
func TestReferenceByHandToolbox(t *testing.T) {
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	}
	e := math.E
	// The activations and their derivatives at a few points.
	for _, c := range []struct {
		act     string
		z, a, d float64
	}{
		{"leaky_relu", -1, -0.2, 0.2}, {"leaky_relu", 2, 2, 1},
		{"elu", -1, 1/e - 1, 1 / e}, {"elu", 2, 2, 1},
		{"selu", 1, seluScale, seluScale}, {"selu", -1, seluScale * seluAlpha * (1/e - 1), seluScale * seluAlpha / e},
		{"softplus", 0, math.Log(2), 0.5}, {"softplus", 1, math.Log(1 + e), e / (1 + e)},
		{"gelu", 0, 0, 0.5}, {"gelu", 1, 0.8413447460685429, 0.8413447460685429 + 0.24197072451914337},
		{"silu", 0, 0, 0.5}, {"silu", 1, e / (1 + e), e/(1+e) + e/sq(1+e)},
	} {
		var net refNet
		a, d := []float64{0}, []float64{0}
		net.activate(c.act, a, []float64{c.z})
		net.activateBack(c.act, d, []float64{1}, []float64{c.z}, a)
		near(fmt.Sprintf("%s(%g)", c.act, c.z), a[0], c.a)
		near(fmt.Sprintf("%s'(%g)", c.act, c.z), d[0], c.d)
	}
	// Keras' selu constants, as float32, are those of activations.py.
	if f32(seluAlpha) != f32(1.67326324) || f32(seluScale) != f32(1.05070098) {
		t.Errorf("selu's constants %v, %v round to other float32 values than Keras' 1.67326324, 1.05070098", seluAlpha, seluScale)
	}

	// Dropout with the mask (0, 2) after Dense(2, linear) with the identity kernel: x = (1, 3) gives
	// (0, 6); the mean squared error against (0, 0) is 18, and ∂/∂x = (0, 2·2·6/2) = (0, 12).
	net := refNet{In: 2, Loss: "mean_squared_error", Layers: []refLayer{
		{In: 2, Out: 2, Act: "linear", Post: []refPre{{Kind: "dropout", Rate: 0.5, Index: 2}}},
		{In: 2, Out: 2, Act: "linear"},
	}}
	p := [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}}
	masks := refMasks{2: {0, 2}}
	f := net.forwardMasked(p, []float64{1, 3}, 1, masks)
	near("dropped output 0", f.Output()[0], 0)
	near("dropped output 1", f.Output()[1], 6)
	near("dropped loss", net.loss(f.Output(), []float64{0, 0}, 1), 18)
	b := net.backward(p, f, []float64{0, 0})
	near("dropped dz0", b.DZ[0][0], 0)
	near("dropped dz1", b.DZ[0][1], 12)
	// Evaluating, the dropout passes its input on.
	near("undropped output 1", net.forward(p, []float64{1, 3}, 1).Output()[1], 3)

	// Regularizers: w = (1, −2) with l1 0.1 and l2 0.01 cost 0.1·3 + 0.01·5 = 0.35 and add
	// 0.1·sign(w) + 0.02·w = (0.12, −0.14) to the gradient.
	reg := refNet{In: 1, Loss: "mean_squared_error", Layers: []refLayer{{In: 1, Out: 2, Act: "linear", KernelReg: spec.Regularizer{L1: 0.1, L2: 0.01}}}}
	p = [][]float64{{1, -2}}
	near("penalty", reg.penalty(p), 0.35)
	f = reg.forward(p, []float64{0}, 1)
	near("loss with the penalty", reg.reportedLoss(p, f, []float64{0, 0}), 0.35)
	g := reg.backward(p, f, []float64{0, 0}).Grads
	near("regularized gradient 0", g[0][0], 0.12)
	near("regularized gradient 1", g[0][1], -0.14)

	// Clipping: (3, 4) has the norm 5; clipnorm 1 makes it (0.6, 0.8), and so does global_clipnorm
	// 1 over the arrays (3) and (4), where clipnorm makes each 1; clipvalue 0.5 clamps (−2, 0.1).
	two := refNet{In: 1, Layers: []refLayer{{In: 1, Out: 1, Act: "linear", Bias: true}}}
	for _, c := range []struct {
		net  refNet
		g    [][]float64
		want [][]float64
	}{
		{refNet{In: 2, Layers: []refLayer{{In: 2, Out: 1, Act: "linear"}}, Opt: spec.Optimizer{ClipNorm: 1}}, [][]float64{{3, 4}}, [][]float64{{0.6, 0.8}}},
		{refNet{In: 2, Layers: []refLayer{{In: 2, Out: 1, Act: "linear"}}, Opt: spec.Optimizer{ClipNorm: 10}}, [][]float64{{3, 4}}, [][]float64{{3, 4}}},
		{refNet{In: 1, Layers: two.Layers, Opt: spec.Optimizer{GlobalClipNorm: 1}}, [][]float64{{3}, {4}}, [][]float64{{0.6}, {0.8}}},
		{refNet{In: 1, Layers: two.Layers, Opt: spec.Optimizer{ClipNorm: 1}}, [][]float64{{3}, {4}}, [][]float64{{1}, {1}}},
		{refNet{In: 2, Layers: []refLayer{{In: 2, Out: 1, Act: "linear"}}, Opt: spec.Optimizer{ClipValue: 0.5}}, [][]float64{{-2, 0.1}}, [][]float64{{-0.5, 0.1}}},
	} {
		got := c.net.clipGrads(c.g)
		for ti := range got {
			for i := range got[ti] {
				near(fmt.Sprintf("%+v clipping %v [%d][%d]", c.net.Opt, c.g, ti, i), got[ti][i], c.want[ti][i])
			}
		}
	}

	// One parameter p = 1, updates with g = 1 and lr = 0.01 (ε 1e-7 where there is one).
	one := func(o spec.Optimizer, steps int, grads ...float64) []float64 {
		net := refNet{In: 1, Layers: []refLayer{{In: 1, Out: 1, Act: "linear"}}, Opt: o} // p is its kernel
		p := [][]float64{{1}}
		st := newRefOptState(p)
		var ps []float64
		for s := 0; s < steps; s++ {
			gv := 1.0
			if s < len(grads) {
				gv = grads[s]
			}
			p, st = net.step(p, [][]float64{{gv}}, st)
			ps = append(ps, p[0][0])
		}
		return ps
	}
	const lr, eps = 0.01, 1e-7
	// RMSprop: v = 0.1·g², p −= lr·g/√(v + ε); with momentum 0.9 the second update is 0.9·inc1 +
	// inc2, v2 = 0.9·0.1 + 0.1 = 0.19; centered, den = v − (0.1·g)² + ε = 0.09 + ε.
	inc1, inc2 := lr/math.Sqrt(0.1+eps), lr/math.Sqrt(0.19+eps)
	ps := one(spec.Optimizer{Type: "rmsprop", LearningRate: lr, Rho: 0.9, Epsilon: eps}, 2)
	near("rmsprop step 1", ps[0], 1-inc1)
	near("rmsprop step 2", ps[1], 1-inc1-inc2)
	ps = one(spec.Optimizer{Type: "rmsprop", LearningRate: lr, Rho: 0.9, Epsilon: eps, Momentum: 0.9}, 2)
	near("rmsprop momentum step 2", ps[1], 1-inc1-(0.9*inc1+inc2))
	ps = one(spec.Optimizer{Type: "rmsprop", LearningRate: lr, Rho: 0.9, Epsilon: eps, Centered: true}, 1)
	near("rmsprop centered step 1", ps[0], 1-lr/math.Sqrt(0.09+eps))
	// Adagrad: acc = 0.1 + 1, p −= lr/√(acc + ε); then acc = 2.1.
	ps = one(spec.Optimizer{Type: "adagrad", LearningRate: lr, InitialAccumulator: 0.1, Epsilon: eps}, 2)
	near("adagrad step 1", ps[0], 1-lr/math.Sqrt(1.1+eps))
	near("adagrad step 2", ps[1], 1-lr/math.Sqrt(1.1+eps)-lr/math.Sqrt(2.1+eps))
	// Adamax, first step: m = 0.1·g, u = |g|, p −= lr·m/((1 − 0.9)·(u + ε)) = lr/(1 + ε). Second,
	// with g = −0.5: m = 0.09 − 0.05 = 0.04, u = max(0.999, 0.5), 1 − β1² = 0.19.
	ps = one(spec.Optimizer{Type: "adamax", LearningRate: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: eps}, 2, 1, -0.5)
	near("adamax step 1", ps[0], 1-lr/(1+eps))
	near("adamax step 2", ps[1], 1-lr/(1+eps)-lr*0.04/(0.19*(0.999+eps)))
	// Nadam, first step: u1 = 0.9·(1 − 0.5·0.96) = 0.468, u2 = 0.9·(1 − 0.5·0.9216) = 0.48528, P =
	// u1; m = 0.1, m̂ = u2·0.1/(1 − u1·u2) + (1 − u1)·1/(1 − u1), v̂ = 0.001/0.001 = 1.
	mHat := 0.48528*0.1/(1-0.468*0.48528) + 1
	ps = one(spec.Optimizer{Type: "nadam", LearningRate: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: eps}, 1)
	near("nadam step 1", ps[0], 1-lr*mHat/(1+eps))
	// AdamW, first step: p = 1 − 1·0.004·lr, then Adam's lr·g/(|g| + ε/√(1−β2)).
	ps = one(spec.Optimizer{Type: "adamw", LearningRate: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: eps, WeightDecay: 0.004}, 1)
	near("adamw step 1", ps[0], 1-0.004*lr-lr/(1+eps/math.Sqrt(0.001)))
	// SGD with weight decay 0.1, lr 0.5: p = 1 − 0.05 = 0.95, then − 0.5·g.
	ps = one(spec.Optimizer{Type: "sgd", LearningRate: 0.5, WeightDecay: 0.1}, 1, 0.2)
	near("sgd weight decay step 1", ps[0], 0.95-0.1)
	// Clipping comes before the weight decay and the update: clipvalue 0.1 of g = 1.
	ps = one(spec.Optimizer{Type: "sgd", LearningRate: 0.5, WeightDecay: 0.1, ClipValue: 0.1}, 1)
	near("sgd clipped step 1", ps[0], 0.95-0.05)
	// A schedule: exponential decay from 0.1 by half each update, SGD: 1 − 0.1, − 0.05, − 0.025.
	ps = one(spec.Optimizer{Type: "sgd", Schedule: &spec.Schedule{Type: "exponential_decay", InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: 0.5}}, 3)
	near("scheduled step 1", ps[0], 0.9)
	near("scheduled step 2", ps[1], 0.85)
	near("scheduled step 3", ps[2], 0.825)

	// The schedules at a few steps.
	wt := 0.2
	for _, c := range []struct {
		s    spec.Schedule
		step float64
		want float64
	}{
		{spec.Schedule{Type: "exponential_decay", InitialLearningRate: 0.1, DecaySteps: 2, DecayRate: 0.5}, 1, 0.1 / math.Sqrt2},
		{spec.Schedule{Type: "exponential_decay", InitialLearningRate: 0.1, DecaySteps: 2, DecayRate: 0.5, Staircase: true}, 3, 0.05},
		{spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 1}, Values: []float64{3, 2, 1}}, 0, 3},
		{spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 1}, Values: []float64{3, 2, 1}}, 1, 2},
		{spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 1}, Values: []float64{3, 2, 1}}, 7, 1},
		{spec.Schedule{Type: "polynomial_decay", InitialLearningRate: 0.01, DecaySteps: 4, EndLearningRate: 0.001, Power: 2}, 2, 0.009*0.25 + 0.001},
		{spec.Schedule{Type: "polynomial_decay", InitialLearningRate: 0.01, DecaySteps: 4, EndLearningRate: 0.001, Power: 2}, 9, 0.001},
		{spec.Schedule{Type: "polynomial_decay", InitialLearningRate: 0.01, DecaySteps: 4, EndLearningRate: 0.001, Power: 1, Cycle: true}, 6, 0.009*0.25 + 0.001},
		{spec.Schedule{Type: "inverse_time_decay", InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: 1}, 2, 0.1 / 3},
		{spec.Schedule{Type: "cosine_decay", InitialLearningRate: 1, DecaySteps: 2, Alpha: 0}, 1, 0.5},
		{spec.Schedule{Type: "cosine_decay", InitialLearningRate: 1, DecaySteps: 2, Alpha: 0.5}, 5, 0.5},
		{spec.Schedule{Type: "cosine_decay", InitialLearningRate: 1, DecaySteps: 2, WarmupTarget: &wt}, 0, math.NaN()},
	} {
		if c.s.WarmupTarget != nil {
			continue // the reference has no warmup; the parity specs use none
		}
		near(fmt.Sprintf("%s at step %g", c.s.Type, c.step), scheduleRate(c.s, c.step), c.want)
	}
}

// TestReferenceSchedulesMatchRuntime checks the reference's schedules against runtime/schedule,
// which the generated code calls, at the first 50 steps: two implementations of Keras' formulas
// must agree to a few float64 ulps.
func TestReferenceSchedulesMatchRuntime(t *testing.T) {
	for _, c := range []struct {
		s spec.Schedule
		r schedule.Schedule
	}{
		{spec.Schedule{Type: "exponential_decay", InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7},
			&schedule.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7}},
		{spec.Schedule{Type: "exponential_decay", InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7, Staircase: true},
			&schedule.ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7, Staircase: true}},
		{spec.Schedule{Type: "inverse_time_decay", InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7},
			&schedule.InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.7}},
		{spec.Schedule{Type: "polynomial_decay", InitialLearningRate: 0.1, DecaySteps: 7, EndLearningRate: 0.001, Power: 2},
			&schedule.PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 7, EndLearningRate: 0.001, Power: 2}},
		{spec.Schedule{Type: "polynomial_decay", InitialLearningRate: 0.1, DecaySteps: 7, EndLearningRate: 0.001, Power: 0.5, Cycle: true},
			&schedule.PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 7, EndLearningRate: 0.001, Power: 0.5, Cycle: true}},
		{spec.Schedule{Type: "cosine_decay", InitialLearningRate: 0.1, DecaySteps: 9, Alpha: 0.1},
			&schedule.CosineDecay{InitialLearningRate: 0.1, DecaySteps: 9, Alpha: 0.1}},
		{spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 4, 9}, Values: []float64{0.1, 0.05, 0.01, 0.001}},
			&schedule.PiecewiseConstantDecay{Boundaries: []int64{0, 4, 9}, Values: []float64{0.1, 0.05, 0.01, 0.001}}},
	} {
		for step := int64(0); step < 50; step++ {
			want, got := scheduleRate(c.s, float64(step)), c.r.Rate(step)
			if math.Abs(got-want) > 1e-14*want {
				t.Errorf("%+v at step %d: runtime/schedule %.17g, reference %.17g", c.s, step, got, want)
			}
		}
	}
}

// TestDropoutMasks checks what the reference assumes of the masks it takes from asm.Dropout: each
// element is 0 or float32(1/(1 − rate)), about a rate of them 0; a row's draw does not depend on
// which rows are drawn with it (the rows of a share are those of the whole batch); the masks of
// other steps, of other layers and of other seeds differ.
func TestDropoutMasks(t *testing.T) {
	const rows, cols = 40, 250
	layer := func(i uint64) uint64 { return i * dropoutKeyMix }
	for _, rate := range []float64{0, 0.2, 0.5} {
		key := asm.DropoutKey(7, 3) ^ layer(2)
		m := dropoutMask(rate, key, rows, cols)
		keep := float64(1 / (1 - float32(rate)))
		zeros := 0
		for _, v := range m {
			switch v {
			case 0:
				zeros++
			case keep:
			default:
				t.Fatalf("rate %g: mask value %v, want 0 or %v", rate, v, keep)
			}
		}
		// The fraction of zeros of 10,000 draws is within 5 standard deviations (√(r(1 − r)/n) <=
		// 0.005) of the rate.
		if frac := float64(zeros) / float64(len(m)); math.Abs(frac-rate) > 0.025 {
			t.Errorf("rate %g: %.3f of the mask is 0", rate, frac)
		}
		// Rows 13 to 29 drawn as a share of the batch, as a core draws them.
		out, in, share := make([]float32, 17*cols), make([]float32, 17*cols), make([]float32, 17*cols)
		for i := range in {
			in[i] = 1
		}
		asm.Dropout(out, in, share, float32(rate), key, 13, 17, cols)
		for i, v := range share {
			if float64(v) != m[13*cols+i] {
				t.Fatalf("rate %g: row %d's mask drawn as part of a share differs", rate, 13+i/cols)
			}
		}
		if rate == 0 {
			continue
		}
		for _, other := range []uint64{asm.DropoutKey(7, 4) ^ layer(2), asm.DropoutKey(7, 3) ^ layer(3), asm.DropoutKey(8, 3) ^ layer(2)} {
			if slices.Equal(dropoutMask(rate, other, rows, cols), m) {
				t.Errorf("rate %g: the key %#x draws the same mask as %#x", rate, other, key)
			}
		}
	}
}
