package codegen_test

// What TestParityCasesCover wants of the toolbox cases, and the toolbox's planted bugs for
// TestParityDetectsBugs.

import (
	"fmt"
	"slices"

	"github.com/nngen/nngen/spec"
)

// toolboxCover lists what c covers of the toolbox.
func toolboxCover(c *parityCase) map[string]bool {
	net := c.Net
	got := map[string]bool{}
	op := func(where string, o refPre) {
		got[o.Kind+" "+where] = true
		switch o.Kind {
		case "dropout":
			got[fmt.Sprintf("dropout rate %g", o.Rate)] = true
		case "activation":
			got["activation layer "+o.Act] = true
		}
	}
	for _, o := range net.Pre {
		op("in the input stage", o)
	}
	for _, ly := range net.Layers {
		for _, o := range ly.Post {
			op("after a dense layer", o)
		}
		if !ly.KernelReg.Zero() {
			got["kernel "+regularizerKind(ly.KernelReg)] = true
		}
		if ly.Bias && !ly.BiasReg.Zero() {
			got["bias "+regularizerKind(ly.BiasReg)] = true
		}
	}
	o := net.Opt
	for _, s := range toolboxOptimizer(o) {
		got["optimizer "+s] = true
	}
	if c.SetSeed != nil {
		got["SetSeed"] = true
	}
	if c.SetLRBefore > 0 {
		got["SetLearningRate"] = true
	}
	if c.twoCore() {
		for what, ok := range map[string]bool{
			"dropout":         net.hasDropout(),
			"clipnorm":        o.ClipNorm > 0,
			"global_clipnorm": o.GlobalClipNorm > 0,
			"clipvalue":       o.ClipValue > 0,
			"a regularizer":   net.regularized(),
			"weight decay":    o.WeightDecay > 0,
			"a schedule":      o.Schedule != nil,
			"a step below ParallelMinRows": slices.ContainsFunc(c.Batches, func(b parityBatch) bool {
				return b.N < 8
			}),
		} {
			if ok {
				got["two cores with "+what] = true
			}
		}
	}
	return got
}

// toolboxCoverWants is what the toolbox cases must cover.
func toolboxCoverWants() []string {
	var want []string
	for _, act := range toolboxActivations {
		want = append(want, "hidden "+act, "output "+act)
	}
	return append(want,
		"activation in the input stage", "activation after a dense layer", "dropout in the input stage", "dropout after a dense layer",
		"dropout rate 0", "dropout rate 0.2", "dropout rate 0.5",
		"kernel l1", "kernel l2", "kernel l1l2", "bias l1", "bias l2", "bias l1l2",
		"optimizer rmsprop momentum false centered false", "optimizer rmsprop momentum true centered false",
		"optimizer rmsprop momentum false centered true", "optimizer rmsprop momentum true centered true",
		"optimizer adamw", "optimizer adagrad", "optimizer nadam", "optimizer adamax",
		"optimizer weight decay sgd", "optimizer weight decay adam", "optimizer weight decay adamw",
		"optimizer clipnorm", "optimizer global_clipnorm", "optimizer clipvalue",
		"optimizer schedule exponential_decay", "optimizer schedule piecewise_constant_decay", "optimizer schedule polynomial_decay",
		"SetSeed", "SetLearningRate",
		"two cores with dropout", "two cores with clipnorm", "two cores with global_clipnorm", "two cores with clipvalue",
		"two cores with a regularizer", "two cores with weight decay", "two cores with a schedule",
		"two cores with a step below ParallelMinRows",
	)
}

// usesActivation reports whether net computes act: as a dense activation or a layer of its own.
func (net refNet) usesActivation(act string) bool {
	has := func(ops []refPre) bool {
		return slices.ContainsFunc(ops, func(o refPre) bool { return o.Kind == "activation" && o.Act == act })
	}
	if has(net.Pre) {
		return true
	}
	for _, op := range net.Img {
		if (op.Kind == "conv2d" || op.Kind == "activation") && op.Act == act {
			return true
		}
	}
	for _, ly := range net.Layers {
		if ly.Act == act || has(ly.Post) {
			return true
		}
	}
	return false
}

// droppingLayers reports whether net has a dropout layer with a rate above 0, in the input stage
// or the image stage before its first trained layer (stage), or after a trained layer (!stage).
func (net refNet) droppingLayers(stage bool) bool {
	drops := func(ops []refPre) bool {
		return slices.ContainsFunc(ops, func(o refPre) bool { return o.Kind == "dropout" && o.Rate > 0 })
	}
	for i, op := range net.Img {
		if op.Kind == "dropout" && op.Rate > 0 && net.imgTrainedBefore(i) != stage {
			return true
		}
	}
	if stage {
		return drops(net.Pre)
	}
	for _, ly := range net.Layers {
		if drops(ly.Post) {
			return true
		}
	}
	return false
}

// hasRegularizer reports whether some regularizer of net has l1 (l1) or l2 (!l1) above 0.
func (net refNet) hasRegularizer(l1 bool) bool {
	for _, t := range net.regTensors() {
		if (l1 && t.R.L1 > 0) || (!l1 && t.R.L2 > 0) {
			return true
		}
	}
	return false
}

// toolboxParityBugs are the mistakes of the toolbox that TestParityDetectsBugs plants.
func toolboxParityBugs() []parityBug {
	plant := func(f func(b *refBugs)) func(net refNet) refNet {
		return func(net refNet) refNet { f(&net.Bugs); return net }
	}
	opt := func(f func(o *spec.Optimizer)) func(net refNet) refNet {
		return func(net refNet) refNet { f(&net.Opt); return net }
	}
	is := func(f func(c *parityCase) bool) func(c *parityCase) bool { return f }
	optIs := func(f func(o spec.Optimizer) bool) func(c *parityCase) bool {
		return func(c *parityCase) bool { return f(c.Net.Opt) }
	}
	var bugs []parityBug
	for _, act := range toolboxActivations {
		uses := func(c *parityCase) bool { return c.Net.usesActivation(act) }
		bugs = append(bugs, parityBug{act + "'s derivative wrong (see wrongDerivative)", uses,
			plant(func(b *refBugs) { b.WrongDerivative = act }), nil})
		if act == "leaky_relu" || act == "gelu" || act == "elu" || act == "selu" {
			bugs = append(bugs, parityBug{act + " computed as a plausible other function (see wrongActivate)", uses,
				plant(func(b *refBugs) { b.WrongForward = act }), nil})
		}
	}
	return append(bugs,
		// Dropout.
		parityBug{"dropout's mask not applied in the backward pass", is(func(c *parityCase) bool { return c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutNoBack = true }), nil},
		parityBug{"dropout active in EvalBatch", is(func(c *parityCase) bool { return c.Net.droppingLayers(true) || c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutInEval = true }), nil},
		parityBug{"dropout's kept inputs not scaled by 1/(1 − rate)", is(func(c *parityCase) bool { return c.Net.droppingLayers(true) || c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutNoScale = true }), nil},
		parityBug{"the same dropout masks at every step", is(func(c *parityCase) bool { return c.Net.droppingLayers(true) || c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutSameKey = true }), nil},
		parityBug{"dropout keys not mixed with the layer's index", is(func(c *parityCase) bool { return c.Net.droppingLayers(true) || c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutNoIndex = true }), nil},
		parityBug{"EvalBatch counted as a training step for the masks", is(func(c *parityCase) bool { return c.Net.droppingLayers(true) || c.Net.droppingLayers(false) }),
			plant(func(b *refBugs) { b.DropoutEvalStep = true }), nil},
		parityBug{"SetSeed ignored", is(func(c *parityCase) bool { return c.SetSeed != nil }),
			plant(func(b *refBugs) { b.SeedIgnored = true }), nil},
		// Regularizers.
		parityBug{"the regularizers' penalty left out of the loss", is(func(c *parityCase) bool { return c.Net.regularized() }),
			plant(func(b *refBugs) { b.NoPenaltyLoss = true }), nil},
		parityBug{"TrainBatch's loss with the penalty of the updated parameters", is(func(c *parityCase) bool { return c.Net.regularized() }),
			plant(func(b *refBugs) { b.PenaltyAfter = true }), nil},
		parityBug{"the L2 gradient missing its 2", is(func(c *parityCase) bool { return c.Net.hasRegularizer(false) }),
			plant(func(b *refBugs) { b.L2GradHalf = true }), nil},
		parityBug{"the L1 gradient left out", is(func(c *parityCase) bool { return c.Net.hasRegularizer(true) }),
			plant(func(b *refBugs) { b.L1GradMissing = true }), nil},
		// Weight decay and clipping.
		parityBug{"weight decay after the update instead of before", optIs(func(o spec.Optimizer) bool { return o.WeightDecay > 0 }),
			plant(func(b *refBugs) { b.DecayAfter = true }), nil},
		parityBug{"weight decay added to the gradient (coupled, L2-style)", optIs(func(o spec.Optimizer) bool { return o.WeightDecay > 0 }),
			plant(func(b *refBugs) { b.CoupledDecay = true }), nil},
		parityBug{"weight decay ignored", optIs(func(o spec.Optimizer) bool { return o.WeightDecay > 0 }),
			opt(func(o *spec.Optimizer) { o.WeightDecay = 0 }), nil},
		parityBug{"clipnorm by the global norm", optIs(func(o spec.Optimizer) bool { return o.ClipNorm > 0 }),
			plant(func(b *refBugs) { b.ClipNormGlobal = true }), nil},
		parityBug{"clipnorm ignored", optIs(func(o spec.Optimizer) bool { return o.ClipNorm > 0 }),
			opt(func(o *spec.Optimizer) { o.ClipNorm = 0 }), nil},
		parityBug{"global_clipnorm by each array's norm", optIs(func(o spec.Optimizer) bool { return o.GlobalClipNorm > 0 }),
			plant(func(b *refBugs) { b.GlobalPerTensor = true }), nil},
		parityBug{"clipvalue ignored", optIs(func(o spec.Optimizer) bool { return o.ClipValue > 0 }),
			opt(func(o *spec.Optimizer) { o.ClipValue = 0 }), nil},
		// Schedules and SetLearningRate.
		parityBug{"the schedule read at the updates done plus one", optIs(func(o spec.Optimizer) bool { return o.Schedule != nil }),
			plant(func(b *refBugs) { b.ScheduleAhead = true }), nil},
		parityBug{"the schedule's first rate throughout", optIs(func(o spec.Optimizer) bool { return o.Schedule != nil }),
			func(net refNet) refNet {
				net.Opt.LearningRate = scheduleRate(*net.Opt.Schedule, 0)
				net.Opt.Schedule = nil
				return net
			}, nil},
		parityBug{"SetLearningRate ignored", is(func(c *parityCase) bool { return c.SetLRBefore > 0 }),
			plant(func(b *refBugs) { b.SetLRIgnored = true }), nil},
		// The optimisers.
		parityBug{"Nadam with Keras 2's momentum schedule", optIs(func(o spec.Optimizer) bool { return o.Type == "nadam" }),
			plant(func(b *refBugs) { b.NadamKeras2 = true }), nil},
		parityBug{"Nadam computed as Adam", optIs(func(o spec.Optimizer) bool { return o.Type == "nadam" }),
			opt(func(o *spec.Optimizer) { o.Type = "adam" }), nil},
		parityBug{"Adamax without its bias correction", optIs(func(o spec.Optimizer) bool { return o.Type == "adamax" }),
			plant(func(b *refBugs) { b.AdamaxNoCorrect = true }), nil},
		parityBug{"RMSprop's centering ignored", optIs(func(o spec.Optimizer) bool { return o.Type == "rmsprop" && o.Centered }),
			opt(func(o *spec.Optimizer) { o.Centered = false }), nil},
		parityBug{"RMSprop with ρ 0.95", optIs(func(o spec.Optimizer) bool { return o.Type == "rmsprop" }),
			opt(func(o *spec.Optimizer) { o.Rho = 0.95 }), nil},
		parityBug{"Adagrad's accumulators starting at 0", optIs(func(o spec.Optimizer) bool { return o.Type == "adagrad" }),
			opt(func(o *spec.Optimizer) { o.InitialAccumulator = 0 }), nil},
		parityBug{"AdamW as Adam", optIs(func(o spec.Optimizer) bool { return o.Type == "adamw" }),
			opt(func(o *spec.Optimizer) { o.WeightDecay = 0 }), nil},
	)
}
