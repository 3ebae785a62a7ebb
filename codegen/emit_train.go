package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// parallelMinRows is the smallest batch that a step shares between two cores: below it the two
// halves are too small for the kernels to run at speed and the synchronisation dominates.
const parallelMinRows = 8

// parallelMinFlops is the work of a full-batch step (2·BatchSize·ParamCount multiply-adds of the
// forward pass alone) below which a network is not given the two-core path at all: such a step
// takes a few µs, the order of a hand-over between two cores.
const parallelMinFlops = 1 << 20

// parallel reports whether the generated Trainer can share a step between two cores.
func (p *Plan) parallel() bool {
	params := 0
	for _, d := range p.Layers {
		params += d.In * d.Out
	}
	return p.BatchSize >= 2*parallelMinRows && 2*p.BatchSize*params >= parallelMinFlops
}

// rowRange is the expression base[lo*size : hi*size]: rows lo to hi of a row-major buffer.
func rowRange(base *jen.Statement, size string) *jen.Statement {
	return base.Index(jen.Id("lo").Op("*").Id(size), jen.Id("hi").Op("*").Id(size))
}

// emitTrain writes train.go: the Trainer, its buffers, its forward and backward passes over a
// range of rows, and the one- and two-core steps built on them.
func emitTrain(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	out := p.Output()
	par := p.parallel()

	f.Comment("Training settings from the spec's fit section, as cmd/train uses them.")
	f.Const().Defs(
		jen.Comment("Epochs is the number of passes over the training set."),
		jen.Id("Epochs").Op("=").Lit(p.Fit.Epochs),
		jen.Comment("ValidationSplit is the last fraction of the training set held out for validation."),
		jen.Id("ValidationSplit").Op("=").Lit(p.Fit.ValidationSplit),
		jen.Comment("Shuffle says whether the training samples are reordered every epoch."),
		jen.Id("Shuffle").Op("=").Lit(p.Fit.Shuffle),
		jen.Comment("Seed seeds the initial weights and the shuffling."),
		jen.Id("Seed").Uint64().Op("=").Op(fmt.Sprint(p.Fit.Seed)),
	)
	f.Line()
	if par {
		f.Comment("ParallelMinRows is the smallest batch a Trainer shares between two cores when GOMAXPROCS > 1;")
		f.Comment("smaller batches, such as a short last batch, run on one.")
		f.Const().Id("ParallelMinRows").Op("=").Lit(parallelMinRows)
		f.Line()
	}

	f.Comment("Trainer trains a Model in batches of up to BatchSize samples. NewTrainer allocates its buffers")
	f.Comment("once; a step allocates nothing. A Trainer is not safe for concurrent use.")
	f.Type().Id("Trainer").StructFunc(func(g *jen.Group) {
		g.Id("model").Op("*").Id("Model")
		g.Id("grad").Id("Model").Comment("gradients of the mean loss of the last Gradients call")
		g.Id("opt").Id("optimizerState")
		g.Id("n").Int().Comment("rows in the last forward pass")
		for _, d := range p.Layers {
			g.Id(d.Act).Index(jen.Id("BatchSize").Op("*").Id(d.UnitsConst)).Float32().
				Commentf("layer %d's outputs", d.Index)
		}
		for _, d := range p.Layers {
			g.Id(d.Delta).Index(jen.Id("BatchSize").Op("*").Id(d.UnitsConst)).Float32().
				Commentf("the loss gradient with respect to layer %d's pre-activations", d.Index)
		}
		if par {
			g.Line()
			g.Comment("Two-core steps; pair is nil when the Trainer runs on one core.")
			g.Id("pair").Op("*").Qual(parallelPath, "Pair")
			g.Id("grad2").Id("Model").Comment("the helper's share of the gradients, before they are summed")
			g.Id("job").Id("job")
			g.Id("choose").Qual(parallelPath, "Chooser").Comment("one core or two, for TrainBatch")
			g.Id("gradientsPart").Func().Params(jen.Int()).Comment("method values, made once so that a step allocates nothing")
			g.Id("sumPart").Func().Params(jen.Int())
			g.Id("applyPart").Func().Params(jen.Int())
			g.Id("sumApplyPart").Func().Params(jen.Int())
		}
	})
	f.Line()
	copies := 1 + optimizerCopies(p.Optimizer)
	if par {
		copies++
	}
	f.Comment("TrainerBytes is the memory a Trainer holds besides its Model: gradients, optimiser state and")
	f.Comment("one batch of activations and deltas per layer.")
	f.Const().Id("TrainerBytes").Op("=").Add(trainerBytesExpr(p, copies))
	f.Line()

	emitNewTrainer(p, f, par)
	emitForwardRows(p, f)
	emitGradientsRows(p, f, out)
	emitSteps(p, f, par)
	if par {
		emitParts(f)
	}

	f.Comment("Output returns the outputs of the last forward pass, n rows of OutputSize; it shares the")
	f.Comment("Trainer's memory and is overwritten by the next step.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Output").Params().Index().Float32().Block(
		jen.Return(jen.Id("t").Dot(out.Act).Index(jen.Empty(), jen.Id("t").Dot("n").Op("*").Id("OutputSize"))),
	)
	f.Line()
	f.Comment("GradTensors lists the gradients of the last Gradients call, in the order of Model.Tensors.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("GradTensors").Params().Index().Qual(weightsPath, "Tensor").Block(
		jen.Return(jen.Id("t").Dot("grad").Dot("Tensors").Call()),
	)
	f.Line()
	f.Comment("checkBatch panics unless x and y hold n rows and 1 <= n <= BatchSize: a caller's bug.")
	f.Func().Id("checkBatch").Params(jen.Id("method").String(), jen.Id("x"), jen.Id("y").Index().Float32(), jen.Id("n").Int()).Block(
		jen.If(jen.Id("n").Op("<").Lit(1).Op("||").Id("n").Op(">").Id("BatchSize").
			Op("||").Len(jen.Id("x")).Op("<").Id("n").Op("*").Id("InputSize").
			Op("||").Len(jen.Id("y")).Op("<").Id("n").Op("*").Id("OutputSize")).Block(
			jen.Panic(jen.Qual("fmt", "Sprintf").Call(
				jen.Lit(fmt.Sprintf("%s: Trainer.%%s: %%d rows, %%d inputs, %%d targets; want 1 to %%d rows of %%d inputs and %%d targets", p.Package)),
				jen.Id("method"), jen.Id("n"), jen.Len(jen.Id("x")), jen.Len(jen.Id("y")), jen.Id("BatchSize"), jen.Id("InputSize"), jen.Id("OutputSize"))),
		),
	)
	return f, nil
}

// emitNewTrainer writes NewTrainer, and Close, which the two-core Trainer needs.
func emitNewTrainer(p *Plan, f *jen.File, par bool) {
	if !par {
		f.Comment("NewTrainer returns a Trainer that updates m.")
		f.Func().Id("NewTrainer").Params(jen.Id("m").Op("*").Id("Model")).Op("*").Id("Trainer").Block(
			jen.Return(jen.Op("&").Id("Trainer").Values(jen.Dict{jen.Id("model"): jen.Id("m")})),
		)
		f.Line()
		f.Comment("Close releases the Trainer's resources; this network's Trainer holds none besides memory.")
		f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Close").Params().Block()
		f.Line()
		return
	}
	f.Comment("NewTrainer returns a Trainer that updates m. When GOMAXPROCS > 1 it starts a helper goroutine")
	f.Comment("that takes half of every step of at least ParallelMinRows rows; Close stops it.")
	f.Func().Id("NewTrainer").Params(jen.Id("m").Op("*").Id("Model")).Op("*").Id("Trainer").Block(
		jen.Id("t").Op(":=").Op("&").Id("Trainer").Values(jen.Dict{jen.Id("model"): jen.Id("m")}),
		jen.If(jen.Qual("runtime", "GOMAXPROCS").Call(jen.Lit(0)).Op(">").Lit(1)).Block(
			jen.Id("t").Dot("pair").Op("=").Qual(parallelPath, "NewPair").Call(),
			jen.Id("t").Dot("gradientsPart").Op("=").Id("t").Dot("runGradientsPart"),
			jen.Id("t").Dot("sumPart").Op("=").Id("t").Dot("runSumPart"),
			jen.Id("t").Dot("applyPart").Op("=").Id("t").Dot("runApplyPart"),
			jen.Id("t").Dot("sumApplyPart").Op("=").Id("t").Dot("runSumApplyPart"),
		),
		jen.Return(jen.Id("t")),
	)
	f.Line()
	f.Comment("Close stops the Trainer's helper goroutine, if it has one; the Trainer then runs on one core.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Close").Params().Block(
		jen.If(jen.Id("t").Dot("pair").Op("!=").Nil()).Block(
			jen.Id("t").Dot("pair").Dot("Close").Call(),
			jen.Id("t").Dot("pair").Op("=").Nil(),
		),
	)
	f.Line()
	f.Comment("job is the batch of a two-core step and what each half found.")
	f.Type().Id("job").Struct(
		jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(),
		jen.Id("n").Int(),
		jen.Id("loss").Index(jen.Lit(2)).Float32().Comment("mean loss of each half's rows"),
		jen.Id("correct").Index(jen.Lit(2)).Int(),
	)
	f.Line()
	f.Comment("half returns the rows of the batch that part (0 or 1) works on.")
	f.Func().Params(jen.Id("j").Op("*").Id("job")).Id("half").Params(jen.Id("part").Int()).Params(jen.List(jen.Id("lo"), jen.Id("hi")).Int()).Block(
		jen.Id("mid").Op(":=").Parens(jen.Id("j").Dot("n").Op("+").Lit(1)).Op("/").Lit(2),
		jen.If(jen.Id("part").Op("==").Lit(0)).Block(jen.Return(jen.Lit(0), jen.Id("mid"))),
		jen.Return(jen.Id("mid"), jen.Id("j").Dot("n")),
	)
	f.Line()
	f.Comment("result is the mean loss over the whole batch and the rows predicted correctly.")
	f.Func().Params(jen.Id("j").Op("*").Id("job")).Id("result").Params().Params(jen.Float32(), jen.Int()).BlockFunc(func(g *jen.Group) {
		g.List(jen.Id("lo"), jen.Id("mid")).Op(":=").Id("j").Dot("half").Call(jen.Lit(0))
		g.Id("sum").Op(":=").Float64().Call(jen.Id("j").Dot("loss").Index(jen.Lit(0))).Op("*").Float64().Call(jen.Id("mid").Op("-").Id("lo")).
			Op("+").Float64().Call(jen.Id("j").Dot("loss").Index(jen.Lit(1))).Op("*").Float64().Call(jen.Id("j").Dot("n").Op("-").Id("mid"))
		g.Return(jen.Float32().Call(jen.Id("sum").Op("/").Float64().Call(jen.Id("j").Dot("n"))), jen.Id("j").Dot("correct").Index(jen.Lit(0)).Op("+").Id("j").Dot("correct").Index(jen.Lit(1)))
	})
	f.Line()
}

// emitForwardRows writes forwardRows: rows lo to hi of x through every layer.
func emitForwardRows(p *Plan, f *jen.File) {
	model := func() *jen.Statement { return jen.Id("t").Dot("model") }
	f.Comment("forwardRows runs rows lo to hi of x through every layer into the same rows of the activation")
	f.Comment("buffers.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("forwardRows").Params(jen.Id("x").Index().Float32(), jen.List(jen.Id("lo"), jen.Id("hi")).Int()).BlockFunc(func(g *jen.Group) {
		g.Id("rows").Op(":=").Id("hi").Op("-").Id("lo")
		in := rowRange(jen.Id("x"), "InputSize")
		for _, d := range p.Layers {
			o := rowRange(jen.Id("t").Dot(d.Act), d.UnitsConst)
			for _, c := range d.forward(o, in, jen.Id("rows"), model) {
				g.Add(c)
			}
			in = o
		}
	})
	f.Line()
}

// emitGradientsRows writes gradientsRows: forward and backward over rows lo to hi of a batch of n
// rows, the gradients of the batch's mean loss from those rows going into g.
func emitGradientsRows(p *Plan, f *jen.File, out *Dense) {
	rows := jen.Id("rows")
	lossFn := "CrossEntropy"
	if p.Loss == "mean_squared_error" {
		lossFn = "SquaredError"
	}
	f.Comment("gradientsRows runs rows lo to hi of a batch of n rows forward and backward, and sets g to")
	f.Comment("those rows' share of the gradients of the batch's mean loss. It returns the mean loss and the")
	f.Comment("number of correct predictions over rows lo to hi.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("gradientsRows").
		Params(jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.List(jen.Id("lo"), jen.Id("hi"), jen.Id("n")).Int(), jen.Id("g").Op("*").Id("Model")).
		Params(jen.Id("loss").Float32(), jen.Id("correct").Int()).BlockFunc(func(g *jen.Group) {
		g.Id("t").Dot("forwardRows").Call(jen.Id("x"), jen.Id("lo"), jen.Id("hi"))
		g.Id("rows").Op(":=").Id("hi").Op("-").Id("lo")
		g.List(jen.Id("output"), jen.Id("target"), jen.Id("delta")).Op(":=").List(
			rowRange(jen.Id("t").Dot(out.Act), "OutputSize"), rowRange(jen.Id("y"), "OutputSize"), rowRange(jen.Id("t").Dot(out.Delta), "OutputSize"))
		g.Id("loss").Op("=").Qual(asmPath, lossFn).Call(jen.Id("delta"), jen.Id("output"), jen.Id("target"), rows, jen.Id("OutputSize"))
		g.Id("correct").Op("=").Qual(asmPath, "Correct").Call(jen.Id("output"), jen.Id("target"), rows, jen.Id("OutputSize"))
		g.If(jen.Id("rows").Op("!=").Id("n")).Block(
			jen.Comment("The loss kernel averaged over these rows; the gradient is of the mean over all n."),
			jen.Qual(asmPath, "Scale").Call(jen.Id("delta"), jen.Float32().Call(rows).Op("/").Float32().Call(jen.Id("n"))),
		)
		if p.Loss == "mean_squared_error" {
			for _, c := range out.activationBackward(jen.Id("delta"), jen.Id("output"), rows) {
				g.Add(c)
			}
		}
		for i := len(p.Layers) - 1; i >= 0; i-- {
			d := p.Layers[i]
			in := rowRange(jen.Id("x"), "InputSize")
			var prev *Dense
			var prevDelta, prevAct jen.Code
			if i > 0 {
				prev = p.Layers[i-1]
				in = rowRange(jen.Id("t").Dot(prev.Act), prev.UnitsConst)
				prevDelta, prevAct = rowRange(jen.Id("t").Dot(prev.Delta), prev.UnitsConst), rowRange(jen.Id("t").Dot(prev.Act), prev.UnitsConst)
			}
			g.Commentf("layer %d", d.Index)
			for _, c := range d.backward(jen.Id("g"), in, rowRange(jen.Id("t").Dot(d.Delta), d.UnitsConst), rows, prev, prevDelta, prevAct) {
				g.Add(c)
			}
		}
		g.Return()
	})
	f.Line()
}

// emitSteps writes the exported steps: Gradients, Apply, TrainBatch and EvalBatch, each on one
// core or, for a two-core Trainer and a batch of at least ParallelMinRows, on two.
func emitSteps(p *Plan, f *jen.File, par bool) {
	xyn := []jen.Code{jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.Id("n").Int()}
	results := []jen.Code{jen.Id("loss").Float32(), jen.Id("correct").Int()}
	recv := func() *jen.Statement { return jen.Params(jen.Id("t").Op("*").Id("Trainer")) }
	oneCore := jen.Id("t").Dot("pair").Op("==").Nil().Op("||").Id("n").Op("<").Id("ParallelMinRows")
	startJob := jen.Id("t").Dot("job").Op("=").Id("job").Values(jen.Dict{jen.Id("x"): jen.Id("x"), jen.Id("y"): jen.Id("y"), jen.Id("n"): jen.Id("n")})
	sequential := jen.Id("t").Dot("gradientsRows").Call(jen.Id("x"), jen.Id("y"), jen.Lit(0), jen.Id("n"), jen.Id("n"), jen.Op("&").Id("t").Dot("grad"))

	f.Comment("Gradients runs the first n rows of x forward, and backward against the targets y (n rows of")
	f.Comment("OutputSize), leaving the gradients of the batch's mean loss in the Trainer (see GradTensors).")
	f.Comment("It returns that mean loss and the number of rows predicted correctly. It panics unless")
	f.Comment("1 <= n <= BatchSize and x and y hold n rows.")
	f.Func().Add(recv()).Id("Gradients").Params(xyn...).Params(results...).BlockFunc(func(g *jen.Group) {
		g.Id("checkBatch").Call(jen.Lit("Gradients"), jen.Id("x"), jen.Id("y"), jen.Id("n"))
		g.Id("t").Dot("n").Op("=").Id("n")
		if par {
			g.If(oneCore).Block(jen.Return(sequential))
			g.Add(startJob)
			g.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot("gradientsPart"))
			g.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot("sumPart"))
			g.Return(jen.Id("t").Dot("job").Dot("result").Call())
		} else {
			g.Return(sequential)
		}
	})
	f.Line()
	f.Comment("Apply updates the Model's parameters once from the gradients of the last Gradients call.")
	f.Func().Add(recv()).Id("Apply").Params().BlockFunc(func(g *jen.Group) {
		g.Id("t").Dot("startUpdate").Call()
		if par {
			g.If(jen.Id("t").Dot("pair").Op("!=").Nil()).Block(
				jen.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot("applyPart")),
				jen.Return(),
			)
		}
		if par {
			g.Id("t").Dot("update").Call(jen.Lit(0), jen.Lit(1), jen.False())
		} else {
			g.Id("t").Dot("update").Call()
		}
	})
	f.Line()
	f.Comment("TrainBatch runs one training step on the first n rows of x and y: Gradients, then Apply. It")
	f.Comment("returns the batch's mean loss (before the update) and the number of rows predicted correctly.")
	f.Func().Add(recv()).Id("TrainBatch").Params(xyn...).Params(results...).BlockFunc(func(g *jen.Group) {
		if !par {
			g.List(jen.Id("loss"), jen.Id("correct")).Op("=").Id("t").Dot("Gradients").Call(jen.Id("x"), jen.Id("y"), jen.Id("n"))
			g.Id("t").Dot("Apply").Call()
			g.Return()
			return
		}
		g.Id("checkBatch").Call(jen.Lit("TrainBatch"), jen.Id("x"), jen.Id("y"), jen.Id("n"))
		g.Id("t").Dot("n").Op("=").Id("n")
		oneCoreStep := jen.Id("t").Dot("trainOneCore").Call(jen.Id("x"), jen.Id("y"), jen.Id("n"))
		g.If(oneCore).Block(jen.Return(oneCoreStep))
		g.Comment("Two cores when they have lately been faster than one: the second core may be busy.")
		g.List(jen.Id("way"), jen.Id("start")).Op(":=").List(jen.Id("t").Dot("choose").Dot("Next").Call(), jen.Qual("time", "Now").Call())
		g.If(jen.Id("way").Op("==").Lit(0)).Block(
			jen.List(jen.Id("loss"), jen.Id("correct")).Op("=").Add(oneCoreStep),
		).Else().Block(
			startJob,
			jen.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot("gradientsPart")),
			jen.Id("t").Dot("startUpdate").Call(),
			jen.Comment("Summing the halves' gradients and updating run in one pass over each share of the parameters."),
			jen.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot("sumApplyPart")),
			jen.List(jen.Id("loss"), jen.Id("correct")).Op("=").Id("t").Dot("job").Dot("result").Call(),
		)
		g.Id("t").Dot("choose").Dot("Done").Call(jen.Id("way"), jen.Id("start"))
		g.Return()
	})
	f.Line()
	lossFn := "CrossEntropy"
	if p.Loss == "mean_squared_error" {
		lossFn = "SquaredError"
	}
	outAct := jen.Id("t").Dot(p.Output().Act).Index(jen.Empty(), jen.Id("n").Op("*").Id("OutputSize"))
	target := jen.Id("y").Index(jen.Empty(), jen.Id("n").Op("*").Id("OutputSize"))
	f.Comment("EvalBatch runs the first n rows of x forward only and returns their mean loss against y and")
	f.Comment("the number of rows predicted correctly.")
	f.Func().Add(recv()).Id("EvalBatch").Params(xyn...).Params(results...).Block(
		jen.Id("checkBatch").Call(jen.Lit("EvalBatch"), jen.Id("x"), jen.Id("y"), jen.Id("n")),
		jen.Id("t").Dot("n").Op("=").Id("n"),
		jen.Id("t").Dot("forwardRows").Call(jen.Id("x"), jen.Lit(0), jen.Id("n")),
		jen.Return(jen.Qual(asmPath, lossFn).Call(jen.Nil(), outAct, target, jen.Id("n"), jen.Id("OutputSize")),
			jen.Qual(asmPath, "Correct").Call(outAct, target, jen.Id("n"), jen.Id("OutputSize"))),
	)
	f.Line()
}

// emitParts writes the one-core training step and the halves of a two-core step, each half run
// once on each core by the Pair.
func emitParts(f *jen.File) {
	recv := func() *jen.Statement { return jen.Params(jen.Id("t").Op("*").Id("Trainer")) }
	part := jen.Id("part").Int()
	f.Comment("trainOneCore is TrainBatch on the calling goroutine alone.")
	f.Func().Add(recv()).Id("trainOneCore").Params(jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.Id("n").Int()).
		Params(jen.Id("loss").Float32(), jen.Id("correct").Int()).Block(
		jen.List(jen.Id("loss"), jen.Id("correct")).Op("=").Id("t").Dot("gradientsRows").Call(jen.Id("x"), jen.Id("y"), jen.Lit(0), jen.Id("n"), jen.Id("n"), jen.Op("&").Id("t").Dot("grad")),
		jen.Id("t").Dot("startUpdate").Call(),
		jen.Id("t").Dot("update").Call(jen.Lit(0), jen.Lit(1), jen.False()),
		jen.Return(),
	)
	f.Line()
	f.Comment("runGradientsPart computes one half of the batch's gradients: part 0 into grad, part 1 into grad2.")
	f.Func().Add(recv()).Id("runGradientsPart").Params(part).Block(
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("t").Dot("job").Dot("half").Call(jen.Id("part")),
		jen.Id("g").Op(":=").Op("&").Id("t").Dot("grad"),
		jen.If(jen.Id("part").Op("==").Lit(1)).Block(jen.Id("g").Op("=").Op("&").Id("t").Dot("grad2")),
		jen.List(jen.Id("t").Dot("job").Dot("loss").Index(jen.Id("part")), jen.Id("t").Dot("job").Dot("correct").Index(jen.Id("part"))).Op("=").
			Id("t").Dot("gradientsRows").Call(jen.Id("t").Dot("job").Dot("x"), jen.Id("t").Dot("job").Dot("y"), jen.Id("lo"), jen.Id("hi"), jen.Id("t").Dot("job").Dot("n"), jen.Id("g")),
	)
	f.Line()
	f.Comment("runSumPart adds grad2 into grad over this part's share of every parameter array.")
	f.Func().Add(recv()).Id("runSumPart").Params(part).Block(jen.Id("t").Dot("sumGradients").Call(jen.Id("part"), jen.Lit(2)))
	f.Line()
	f.Comment("runApplyPart updates this part's share of every parameter array.")
	f.Func().Add(recv()).Id("runApplyPart").Params(part).Block(jen.Id("t").Dot("update").Call(jen.Id("part"), jen.Lit(2), jen.False()))
	f.Line()
	f.Comment("runSumApplyPart sums the halves' gradients and updates this part's share of every parameter array.")
	f.Func().Add(recv()).Id("runSumApplyPart").Params(part).Block(jen.Id("t").Dot("update").Call(jen.Id("part"), jen.Lit(2), jen.True()))
	f.Line()
}

// trainerBytesExpr is the size of a Trainer's arrays, written with the size constants: copies
// Model-sized arrays (gradients and optimiser state) and a batch of activations and deltas.
func trainerBytesExpr(p *Plan, copies int) jen.Code {
	s := jen.Lit(copies).Op("*").Id("ModelBytes")
	for _, d := range p.Layers {
		s.Op("+").Lit(2 * 4).Op("*").Id("BatchSize").Op("*").Id(d.UnitsConst)
	}
	return s
}
