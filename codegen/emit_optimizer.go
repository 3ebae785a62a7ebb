package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// schedulePath is the import path of the runtime's learning-rate schedules.
const schedulePath = ModulePath + "/runtime/schedule"

// optimizerCopies is how many Model-sized arrays of state the optimiser keeps.
func optimizerCopies(o spec.Optimizer) int {
	switch o.Type {
	case "adam", "adamw", "nadam", "adamax":
		return 2 // first and second moments (adamax: the infinity norms)
	case "rmsprop":
		n := 1 // the second moments
		if o.Momentum != 0 {
			n++
		}
		if o.Centered {
			n++
		}
		return n
	case "adagrad":
		return 1 // the accumulators
	case "sgd":
		if o.Momentum != 0 {
			return 1 // velocity
		}
	}
	return 0
}

// clipsByNorm reports whether the optimiser clips gradients by a norm, which needs every share of
// a gradient before any update (so a two-core step then computes all gradients first).
func clipsByNorm(o spec.Optimizer) bool { return o.ClipNorm > 0 || o.GlobalClipNorm > 0 }

// emitOptimizer writes optimizer.go: the optimiser's settings as constants, its learning rate
// (constant or a schedule), its state, the clipping of gradients, and the update of a share of
// the parameters through the asm kernels (all of them when there is one share).
func emitOptimizer(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	f.ImportName(schedulePath, "schedule")
	o := p.Optimizer
	var consts []jen.Code
	add := func(name, doc string, v any) {
		consts = append(consts, jen.Comment(name+" "+doc), jen.Id(name).Op("=").Lit(v))
	}
	type span func(base *jen.Statement, field string) jen.Code
	t := func(names ...string) *jen.Statement {
		s := jen.Id("t")
		for _, n := range names {
			s = s.Dot(n)
		}
		return s
	}
	lr32 := jen.Float32().Call(t("opt", "lr"))
	state := []jen.Code{
		jen.Id("steps").Int().Comment("updates applied so far (Keras' iterations)"),
		jen.Id("lr").Float64().Comment("the learning rate of the current update"),
	}
	var start []jen.Code // after steps++: steps is the update's number, from 1
	var kernel func(field string, span span) jen.Code
	momentDoc := map[string]string{"m": "first moments", "v": "second moments", "vel": "velocities", "mom": "momentum buffers",
		"avg": "mean gradients", "acc": "accumulated squared gradients", "u": "infinity norms"}
	var momentFields []string
	moments := func(names ...string) {
		momentFields = append(momentFields, names...)
		for _, n := range names {
			state = append(state, jen.Id(n).Id("Model").Comment(momentDoc[n]))
		}
	}
	if o.Type != "sgd" {
		add("Epsilon", "keeps the update finite where the moments are zero (Keras: 1e-7).", o.Epsilon)
	}
	switch o.Type {
	case "adam", "adamw":
		f.Commentf("Optimiser: %s as Keras 3 implements it (amsgrad off), with these settings from the spec.", map[string]string{"adam": "Adam", "adamw": "AdamW, Adam with decoupled weight decay,"}[o.Type])
		add("Beta1", "is the decay rate of the first moment.", o.Beta1)
		add("Beta2", "is the decay rate of the second moment.", o.Beta2)
		state = append(state, jen.Id("alpha").Float32().Comment("the step size of the current update, bias corrections folded in"))
		moments("m", "v")
		start = []jen.Code{
			jen.Id("s").Op(":=").Float64().Call(t("opt", "steps")),
			jen.Comment("The bias corrections of both moments folded into the step size, as Keras does."),
			t("opt", "alpha").Op("=").Float32().Call(t("opt", "lr").Op("*").
				Qual("math", "Sqrt").Call(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta2"), jen.Id("s"))).
				Op("/").Parens(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta1"), jen.Id("s")))),
		}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Adam").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "m"), field), span(t("opt", "v"), field),
				t("opt", "alpha"), jen.Id("Beta1"), jen.Id("Beta2"), jen.Id("Epsilon"))
		}
	case "sgd":
		if o.Momentum != 0 {
			f.Comment("Optimiser: SGD with momentum as Keras implements it, with these settings from the spec.")
			add("Momentum", "is the decay rate of the velocity.", o.Momentum)
			add("Nesterov", "says whether the update looks ahead along the velocity.", o.Nesterov)
			moments("vel")
			kernel = func(field string, span span) jen.Code {
				return jen.Qual(asmPath, "Momentum").Call(span(t("model"), field), span(t("grad"), field),
					span(t("opt", "vel"), field), lr32, jen.Id("Momentum"), jen.Id("Nesterov"))
			}
		} else {
			f.Comment("Optimiser: plain SGD, with this setting from the spec.")
			kernel = func(field string, span span) jen.Code {
				return jen.Qual(asmPath, "SGD").Call(span(t("model"), field), span(t("grad"), field), lr32)
			}
		}
	case "rmsprop":
		f.Comment("Optimiser: RMSprop as Keras 3 implements it, with these settings from the spec.")
		add("Rho", "is the decay rate of the second moments.", o.Rho)
		add("Momentum", "is the decay rate of the momentum buffer (0: none).", o.Momentum)
		add("Centered", "says whether the second moments are centered by the mean gradient.", o.Centered)
		moments("v")
		mom := func(span, string) jen.Code { return jen.Nil() }
		avg := mom
		if o.Momentum != 0 {
			moments("mom")
			mom = func(s span, field string) jen.Code { return s(t("opt", "mom"), field) }
		}
		if o.Centered {
			moments("avg")
			avg = func(s span, field string) jen.Code { return s(t("opt", "avg"), field) }
		}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "RMSprop").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "v"), field), mom(span, field), avg(span, field), lr32, jen.Id("Rho"), jen.Id("Momentum"), jen.Id("Epsilon"))
		}
	case "adagrad":
		f.Comment("Optimiser: Adagrad as Keras 3 implements it, with these settings from the spec.")
		add("InitialAccumulator", "is where every accumulator starts (Keras' initial_accumulator_value).", o.InitialAccumulator)
		moments("acc")
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Adagrad").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "acc"), field), lr32, jen.Id("Epsilon"))
		}
	case "adamax":
		f.Comment("Optimiser: Adamax as Keras 3 implements it, with these settings from the spec.")
		add("Beta1", "is the decay rate of the first moment.", o.Beta1)
		add("Beta2", "is the decay rate of the infinity norm.", o.Beta2)
		state = append(state, jen.Id("correction").Float32().Comment("1 − Beta1^steps"))
		moments("m", "u")
		start = []jen.Code{t("opt", "correction").Op("=").Qual(asmPath, "OneMinusPow").Call(jen.Id("Beta1"), t("opt", "steps"))}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Adamax").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "m"), field), span(t("opt", "u"), field), lr32, t("opt", "correction"), jen.Id("Beta1"), jen.Id("Beta2"), jen.Id("Epsilon"))
		}
	case "nadam":
		f.Comment("Optimiser: Nadam as Keras 3 implements it, with these settings from the spec.")
		add("Beta1", "is the decay rate of the first moment.", o.Beta1)
		add("Beta2", "is the decay rate of the second moment.", o.Beta2)
		state = append(state,
			jen.Id("uProduct").Float64().Comment("the running product of the momentum schedule, u_1·…·u_steps"),
			jen.Id("nadam").Qual(asmPath, "NadamStep").Comment("the current update's scalars"))
		moments("m", "v")
		start = []jen.Code{
			jen.If(t("opt", "steps").Op("==").Lit(1)).Block(t("opt", "uProduct").Op("=").Lit(1.0)),
			jen.List(t("opt", "nadam"), t("opt", "uProduct")).Op("=").Qual(asmPath, "NadamScalars").Call(t("opt", "steps"), jen.Id("Beta1"), jen.Id("Beta2"), t("opt", "uProduct")),
		}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Nadam").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "m"), field), span(t("opt", "v"), field), lr32, t("opt", "nadam"), jen.Id("Beta1"), jen.Id("Beta2"), jen.Id("Epsilon"))
		}
	default:
		return nil, fmt.Errorf("optimizer %q cannot be generated", o.Type)
	}
	if o.WeightDecay != 0 {
		add("WeightDecay", "is the decoupled weight decay: w ← w − lr·WeightDecay·w before each update.", o.WeightDecay)
	}
	if o.ClipNorm > 0 {
		add("ClipNorm", "bounds the L2 norm of each gradient array.", o.ClipNorm)
	}
	if o.GlobalClipNorm > 0 {
		add("GlobalClipNorm", "bounds the L2 norm of all the gradients together.", o.GlobalClipNorm)
	}
	if o.ClipValue > 0 {
		add("ClipValue", "bounds each gradient to [-ClipValue, ClipValue].", o.ClipValue)
	}
	if o.Schedule == nil {
		add("LearningRate", "is the step size (ReduceLROnPlateau may lower it: see SetLearningRate).", o.LearningRate)
	}
	f.Const().Defs(consts...)
	f.Line()
	if s := o.Schedule; s != nil {
		f.Comment("learningRate is the spec's learning-rate schedule, read at each update's step count.")
		f.Var().Id("learningRate").Op("=").Add(scheduleLit(*s))
		f.Line()
	}
	f.Comment("optimizerState is what the optimiser remembers between updates.")
	f.Type().Id("optimizerState").Struct(state...)
	f.Line()
	emitLearningRate(p, f)

	f.Comment("startUpdate prepares the optimiser's per-update values; it runs once per update, on one core.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("startUpdate").Params().BlockFunc(func(g *jen.Group) {
		if o.Schedule != nil {
			g.Comment("Keras reads the schedule at the number of updates done so far, from 0.")
			g.Add(t("opt", "lr")).Op("=").Float64().Call(jen.Float32().Call(jen.Id("learningRate").Dot("Rate").Call(jen.Int64().Call(t("opt", "steps")))))
		}
		g.Add(t("opt", "steps")).Op("++")
		for _, c := range start {
			g.Add(c)
		}
	})
	f.Line()
	emitTrainerState(p, f, momentFields, o.Type == "nadam")
	emitClip(p, f)

	share := func(base *jen.Statement, field string) jen.Code {
		return base.Dot(field).Index(jen.Id("lo"), jen.Id("hi"))
	}
	whole := func(base *jen.Statement, field string) jen.Code {
		return base.Dot(field).Index(jen.Empty(), jen.Empty())
	}
	steps := func(field string, sp span) []jen.Code {
		var code []jen.Code
		if o.ClipValue > 0 {
			code = append(code, jen.Qual(asmPath, "ClipValue").Call(sp(t("grad"), field), jen.Id("ClipValue")))
		}
		if o.WeightDecay != 0 {
			code = append(code, jen.Qual(asmPath, "WeightDecay").Call(sp(t("model"), field), lr32, jen.Id("WeightDecay")))
		}
		return append(code, kernel(field, sp))
	}
	f.Comment("update applies the optimiser to part's share (of parts) of the parameters: the rows of each")
	f.Comment("kernel that weightGradients gives the same part, and in part 0 the biases.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("update").Params(jen.List(jen.Id("part"), jen.Id("parts")).Int()).BlockFunc(func(g *jen.Group) {
		var biases []jen.Code
		for _, prm := range trainable(p) {
			if prm.ShareRow == "" {
				biases = append(biases, steps(prm.Field, whole)...)
				continue
			}
			g.BlockFunc(func(g *jen.Group) {
				row := product(prm.Shape[1:])
				if prm.ShareWidth != "" {
					row = jen.Id(prm.ShareWidth)
				}
				g.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("share").Call(jen.Id(prm.ShareRow), jen.Id("part"), jen.Id("parts"))
				g.List(jen.Id("lo"), jen.Id("hi")).Op("=").List(jen.Id("lo").Op("*").Add(row), jen.Id("hi").Op("*").Add(row.Clone()))
				for _, c := range steps(prm.Field, share) {
					g.Add(c)
				}
			})
		}
		if len(biases) > 0 {
			g.If(jen.Id("part").Op("==").Lit(0)).Block(biases...)
		}
	})
	f.Line()
	f.Comment("share returns part's share of n rows split into parts shares: rows lo to hi.")
	f.Func().Id("share").Params(jen.List(jen.Id("n"), jen.Id("part"), jen.Id("parts")).Int()).Params(jen.List(jen.Id("lo"), jen.Id("hi")).Int()).Block(
		jen.Id("per").Op(":=").Parens(jen.Id("n").Op("+").Id("parts").Op("-").Lit(1)).Op("/").Id("parts"),
		jen.Id("lo").Op("=").Min(jen.Id("part").Op("*").Id("per"), jen.Id("n")),
		jen.Id("hi").Op("=").Min(jen.Id("lo").Op("+").Id("per"), jen.Id("n")),
		jen.Return(),
	)
	return f, nil
}

// emitLearningRate writes newOptimizerState, and for a constant rate LearningRate and
// SetLearningRate, which ReduceLROnPlateau uses (a schedule sets the rate itself).
func emitLearningRate(p *Plan, f *jen.File) {
	o := p.Optimizer
	f.Comment("newOptimizerState is the state before the first update.")
	f.Func().Id("newOptimizerState").Params().Id("optimizerState").BlockFunc(func(g *jen.Group) {
		rate := jen.Id("LearningRate")
		if o.Schedule != nil {
			rate = jen.Float64().Call(jen.Float32().Call(jen.Id("learningRate").Dot("Rate").Call(jen.Lit(0))))
		}
		g.Id("s").Op(":=").Id("optimizerState").Values(jen.Dict{jen.Id("lr"): rate})
		if o.Type == "adagrad" {
			g.For(jen.Id("_").Op(",").Id("a").Op(":=").Range().Id("s").Dot("acc").Dot("Tensors").Call()).Block(
				jen.For(jen.Id("i").Op(":=").Range().Id("a").Dot("Data")).Block(jen.Id("a").Dot("Data").Index(jen.Id("i")).Op("=").Id("InitialAccumulator")))
		}
		g.Return(jen.Id("s"))
	})
	f.Line()
	f.Comment("CurrentLearningRate returns the learning rate of the last update (before the first, of the")
	f.Comment("first), as the float32 Keras keeps it; the epoch line shows it when it changes.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("CurrentLearningRate").Params().Float64().Block(
		jen.Return(jen.Float64().Call(jen.Float32().Call(jen.Id("t").Dot("opt").Dot("lr")))))
	f.Line()
	if o.Schedule != nil {
		return
	}
	f.Comment("LearningRate returns the learning rate of the next update, as the float32 Keras keeps it.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("LearningRate").Params().Float64().Block(
		jen.Return(jen.Float64().Call(jen.Float32().Call(jen.Id("t").Dot("opt").Dot("lr")))))
	f.Line()
	f.Comment("SetLearningRate sets the learning rate of the updates to come, rounded to float32 as Keras'")
	f.Comment("variable holds it.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("SetLearningRate").Params(jen.Id("lr").Float64()).Block(
		jen.Id("t").Dot("opt").Dot("lr").Op("=").Float64().Call(jen.Float32().Call(jen.Id("lr"))))
	f.Line()
}

// emitClip writes clip, which rescales the gradients by their norms before an update when the
// optimiser clips by norm (clipnorm for each array, global_clipnorm for all together), as Keras 3
// does; clipvalue is applied share by share in update.
func emitClip(p *Plan, f *jen.File) {
	o := p.Optimizer
	if !clipsByNorm(o) {
		return
	}
	grads := func(field string) jen.Code { return jen.Id("t").Dot("grad").Dot(field).Index(jen.Empty(), jen.Empty()) }
	f.Comment("clip rescales the gradients of the last Gradients call by their norm, as Keras clips them.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("clip").Params().BlockFunc(func(g *jen.Group) {
		if o.ClipNorm > 0 {
			for _, prm := range trainable(p) {
				g.Qual(asmPath, "ClipNorm").Call(grads(prm.Field), jen.Id("ClipNorm"))
			}
			return
		}
		g.Var().Id("sum").Float64()
		for _, prm := range trainable(p) {
			g.Id("sum").Op("+=").Qual(asmPath, "SumSquares").Call(grads(prm.Field))
		}
		g.Id("s").Op(":=").Qual(asmPath, "GlobalClipScale").Call(jen.Id("sum"), jen.Id("GlobalClipNorm"))
		for _, prm := range trainable(p) {
			g.Qual(asmPath, "Scale").Call(grads(prm.Field), jen.Id("s"))
		}
	})
	f.Line()
}

// scheduleLit is the runtime/schedule value of a spec's schedule.
func scheduleLit(s spec.Schedule) jen.Code {
	q := func(name string) *jen.Statement { return jen.Qual(schedulePath, name) }
	switch s.Type {
	case "exponential_decay":
		return q("ExponentialDecay").Values(jen.Dict{jen.Id("InitialLearningRate"): jen.Lit(s.InitialLearningRate),
			jen.Id("DecaySteps"): jen.Lit(s.DecaySteps), jen.Id("DecayRate"): jen.Lit(s.DecayRate), jen.Id("Staircase"): jen.Lit(s.Staircase)})
	case "inverse_time_decay":
		return q("InverseTimeDecay").Values(jen.Dict{jen.Id("InitialLearningRate"): jen.Lit(s.InitialLearningRate),
			jen.Id("DecaySteps"): jen.Lit(s.DecaySteps), jen.Id("DecayRate"): jen.Lit(s.DecayRate), jen.Id("Staircase"): jen.Lit(s.Staircase)})
	case "polynomial_decay":
		return q("PolynomialDecay").Values(jen.Dict{jen.Id("InitialLearningRate"): jen.Lit(s.InitialLearningRate),
			jen.Id("DecaySteps"): jen.Lit(s.DecaySteps), jen.Id("EndLearningRate"): jen.Lit(s.EndLearningRate),
			jen.Id("Power"): jen.Lit(s.Power), jen.Id("Cycle"): jen.Lit(s.Cycle)})
	case "cosine_decay":
		d := jen.Dict{jen.Id("InitialLearningRate"): jen.Lit(s.InitialLearningRate), jen.Id("DecaySteps"): jen.Lit(s.DecaySteps),
			jen.Id("Alpha"): jen.Lit(s.Alpha), jen.Id("WarmupSteps"): jen.Lit(s.WarmupSteps)}
		if s.WarmupTarget != nil {
			d[jen.Id("WarmupTarget")] = jen.New(jen.Lit(*s.WarmupTarget))
		}
		return q("CosineDecay").Values(d)
	case "piecewise_constant_decay":
		var bs, vs []jen.Code
		for _, b := range s.Boundaries {
			bs = append(bs, jen.Lit(b))
		}
		for _, v := range s.Values {
			vs = append(vs, jen.Lit(v))
		}
		return q("PiecewiseConstantDecay").Values(jen.Dict{jen.Id("Boundaries"): jen.Index().Int64().Values(bs...), jen.Id("Values"): jen.Index().Float64().Values(vs...)})
	}
	panic("codegen: schedule " + s.Type + " was not validated")
}
