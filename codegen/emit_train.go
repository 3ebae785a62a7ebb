package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// firstRows is the expression base[:n*size]: the first n rows of a row-major buffer.
func firstRows(base *jen.Statement, size string) *jen.Statement {
	return base.Index(jen.Empty(), jen.Id("n").Op("*").Id(size))
}

// lossKernel names the asm function that computes the plan's loss and its gradient.
func (p *Plan) lossKernel() string {
	switch p.Loss {
	case "mean_squared_error":
		return "SquaredError"
	case "mean_absolute_error":
		return "AbsoluteError"
	case "binary_crossentropy":
		return "BinaryCrossEntropy"
	}
	return "CrossEntropy" // both categorical cross-entropies: the targets are one-hot either way
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
		// The scalars first, the arrays after them: arm64's compiler fails on fields tens of
		// megabytes into a struct, which a convnet's buffers would put them.
		g.Id("model").Op("*").Id("Model")
		g.Id("n").Int().Comment("rows in the last forward pass")
		if p.classWeighted() {
			g.Id("classWeight").Index(jen.Id("ClassCount")).Float32().Comment("the training loss's weight of each class (1 unless SetClassWeights)")
		}
		if p.random() {
			g.Id("seed").Uint64().Comment("seeds the dropout masks; Seed unless SetSeed changed it")
			g.Id("step").Uint64().Comment("training steps so far, for the dropout masks")
			g.Id("key").Uint64().Comment("this step's dropout key")
		}
		if par {
			g.Line()
			g.Comment("Two-core steps; pair is nil when the Trainer runs on one core.")
			g.Id("pair").Op("*").Qual(parallelPath, "Pair")
			g.Id("job").Id("job")
			g.Id("choose").Qual(parallelPath, "Chooser").Comment("one core or two, for TrainBatch")
			const methodValues = "method values, made once so that a step allocates nothing"
			if p.sharesInputs() {
				g.Id("firstPart").Func().Params(jen.Int()).Comment(methodValues)
				g.Id("deltasPart").Func().Params(jen.Int())
			} else {
				g.Id("deltasPart").Func().Params(jen.Int()).Comment(methodValues)
			}
			g.Id("gradientsPart").Func().Params(jen.Int())
			g.Id("gradientsApplyPart").Func().Params(jen.Int())
			g.Id("applyPart").Func().Params(jen.Int())
			g.Id("evalPart").Func().Params(jen.Int())
			g.Line()
		}
		g.Id("grad").Id("Model").Comment("gradients of the mean loss of the last Gradients call")
		g.Id("opt").Id("optimizerState")
		for _, l := range p.Body() {
			d := l.Info()
			g.Id(d.Act).Index(jen.Id("BatchSize").Op("*").Id(d.OutConst)).Float32().
				Commentf("layer %d's outputs", d.Index)
		}
		for _, l := range p.Body() {
			d := l.Info()
			g.Id(d.Delta).Index(jen.Id("BatchSize").Op("*").Id(d.OutConst)).Float32().
				Commentf("the loss gradient with respect to layer %d's outputs (see its Backward)", d.Index)
		}
		for _, b := range buffers(p) {
			g.Id(b.Field).Index(jen.Add(b.rows()).Op("*").Id(b.Width)).Id(b.Type).Comment(b.Comment)
		}
		if len(p.Stage()) > 0 {
			g.Id("input").Index(jen.Id("BatchSize").Op("*").Id("InputSize")).Float32().Comment("the batch's inputs after the input stage")
		}
		if p.Labels != nil {
			g.Id("target").Index(jen.Id("BatchSize").Op("*").Id("OutputSize")).Float32().Comment("the batch's labels, standardised")
			g.Id("output").Index(jen.Id("BatchSize").Op("*").Id("OutputSize")).Float32().Comment("the outputs in the labels' own units")
		}
		if p.sharesInputs() {
			g.Id("zpart").Index(jen.Id("BatchSize").Op("*").Id(p.Body()[0].Info().OutConst)).Float32().Comment("part 1's share of the first trained layer's pre-activations")
		}
	})
	f.Line()
	copies := 1 + optimizerCopies(p.Optimizer)
	extra := jen.Null()
	if p.sharesInputs() {
		extra = jen.Op("+").Lit(4).Op("*").Id("BatchSize").Op("*").Id(p.Body()[0].Info().OutConst)
	}
	for _, b := range buffers(p) {
		size := 4
		if b.Type == "uint8" {
			size = 1
		}
		extra.Op("+").Lit(size).Op("*").Add(b.rows()).Op("*").Id(b.Width)
	}
	if len(p.Stage()) > 0 {
		extra.Op("+").Lit(4).Op("*").Id("BatchSize").Op("*").Id("InputSize")
	}
	if p.Labels != nil {
		extra.Op("+").Lit(2 * 4).Op("*").Id("BatchSize").Op("*").Id("OutputSize")
	}
	f.Comment("TrainerBytes is the memory a Trainer holds besides its Model: gradients, optimiser state,")
	f.Comment("one batch of activations and deltas per layer (and for two cores, a share of layer 1's).")
	f.Const().Id("TrainerBytes").Op("=").Add(trainerBytesExpr(p, copies)).Add(extra)
	f.Line()

	emitNewTrainer(p, f, par)
	emitSetSeed(p, f)
	emitClassWeights(p, f)
	emitSnapshot(f)
	emitStageStep(p, f)
	emitForwardRows(p, f, par)
	emitDeltasRows(p, f, out, par)
	emitWeightGradients(p, f)
	emitSteps(p, f, par)
	if par {
		emitParts(p, f)
	}

	outputs := jen.Id("t").Dot(out.Info().Act)
	if p.Labels != nil {
		outputs = jen.Id("t").Dot("output")
	}
	f.Comment("Output returns the outputs of the last forward pass, n rows of OutputSize (in the labels' own")
	f.Comment("units), from which the runtime computes the metrics; it shares the Trainer's memory and is")
	f.Comment("overwritten by the next step.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Output").Params().Index().Float32().Block(
		jen.Return(outputs.Index(jen.Empty(), jen.Id("t").Dot("n").Op("*").Id("OutputSize"))),
	)
	f.Line()
	f.Comment("GradTensors lists the gradients of the last Gradients call, in the order of Model.Tensors.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("GradTensors").Params().Index().Qual(weightsPath, "Tensor").Block(
		jen.Return(jen.Id("t").Dot("grad").Dot(gradTensorsMethod(p)).Call()),
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
			jen.Return(jen.Op("&").Id("Trainer").Values(newTrainerFields(p))),
		)
		f.Line()
		f.Comment("Close releases the Trainer's resources; this network's Trainer holds none besides memory.")
		f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Close").Params().Block()
		f.Line()
		return
	}
	f.Comment("NewTrainer returns a Trainer that updates m. When GOMAXPROCS > 1 it starts a helper goroutine")
	f.Comment("that takes half of every step of at least ParallelMinRows rows; Close stops it, and so does")
	f.Comment("the garbage collector once the Trainer is unreachable.")
	firstPart := jen.Null()
	if p.sharesInputs() {
		firstPart = jen.Id("t").Dot("firstPart").Op("=").Id("t").Dot("runFirstLayerPart")
	}
	f.Func().Id("NewTrainer").Params(jen.Id("m").Op("*").Id("Model")).Op("*").Id("Trainer").Block(
		jen.Id("t").Op(":=").Op("&").Id("Trainer").Values(newTrainerFields(p)),
		jen.If(jen.Qual("runtime", "GOMAXPROCS").Call(jen.Lit(0)).Op(">").Lit(1)).Block(
			jen.Id("t").Dot("pair").Op("=").Qual(parallelPath, "NewPair").Call(),
			firstPart,
			jen.Id("t").Dot("deltasPart").Op("=").Id("t").Dot("runDeltasPart"),
			jen.Id("t").Dot("gradientsPart").Op("=").Id("t").Dot("runGradientsPart"),
			jen.Id("t").Dot("gradientsApplyPart").Op("=").Id("t").Dot("runGradientsApplyPart"),
			jen.Id("t").Dot("applyPart").Op("=").Id("t").Dot("runApplyPart"),
			jen.Id("t").Dot("evalPart").Op("=").Id("t").Dot("runEvalPart"),
			jen.Comment("A Trainer its owner drops without Close still stops its helper."),
			jen.Qual("runtime", "AddCleanup").Call(jen.Id("t"), jen.Parens(jen.Op("*").Qual(parallelPath, "Pair")).Dot("Close"), jen.Id("t").Dot("pair")),
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
		jen.Id("penalty").Index(jen.Lit(2)).Float64().Comment("the regularization penalty of each part's share of the parameters"),
	)
	f.Line()
	f.Comment("half returns the rows of the batch that part (0 or 1) works on.")
	f.Func().Params(jen.Id("j").Op("*").Id("job")).Id("half").Params(jen.Id("part").Int()).Params(jen.List(jen.Id("lo"), jen.Id("hi")).Int()).Block(
		jen.Id("mid").Op(":=").Parens(jen.Id("j").Dot("n").Op("+").Lit(1)).Op("/").Lit(2),
		jen.If(jen.Id("part").Op("==").Lit(0)).Block(jen.Return(jen.Lit(0), jen.Id("mid"))),
		jen.Return(jen.Id("mid"), jen.Id("j").Dot("n")),
	)
	f.Line()
	f.Comment("result is the mean loss over the whole batch.")
	f.Func().Params(jen.Id("j").Op("*").Id("job")).Id("result").Params().Float32().BlockFunc(func(g *jen.Group) {
		g.List(jen.Id("lo"), jen.Id("mid")).Op(":=").Id("j").Dot("half").Call(jen.Lit(0))
		g.Id("sum").Op(":=").Float64().Call(jen.Id("j").Dot("loss").Index(jen.Lit(0))).Op("*").Float64().Call(jen.Id("mid").Op("-").Id("lo")).
			Op("+").Float64().Call(jen.Id("j").Dot("loss").Index(jen.Lit(1))).Op("*").Float64().Call(jen.Id("j").Dot("n").Op("-").Id("mid"))
		g.Return(jen.Float32().Call(jen.Id("sum").Op("/").Float64().Call(jen.Id("j").Dot("n")).Op("+").Id("j").Dot("penalty").Index(jen.Lit(0)).Op("+").Id("j").Dot("penalty").Index(jen.Lit(1))))
	})
	f.Line()
}

// emitForwardRows writes forwardRows: rows lo to hi of x through every layer. In a two-core
// Trainer it takes shared: layer 1's pre-activations were already computed in two shares of its
// inputs (firstLayerShare), and only need adding and activating.
func emitForwardRows(p *Plan, f *jen.File, par bool) {
	params := []jen.Code{jen.Id("x").Index().Float32(), jen.List(jen.Id("lo"), jen.Id("hi")).Int()}
	if p.modal() {
		params = append(params, jen.Id("training").Bool())
	}
	f.Comment("forwardRows runs rows lo to hi of x through every layer into the same rows of the activation")
	par = par && p.sharesInputs()
	if par {
		params = append(params, jen.Id("shared").Bool())
		f.Comment("buffers. With shared, layer 1's pre-activations are the two shares that firstLayerShare left")
		f.Comment("in its activation buffer and in zpart.")
	} else {
		f.Comment("buffers.")
	}
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("forwardRows").Params(params...).BlockFunc(func(g *jen.Group) {
		g.Id("rows").Op(":=").Id("hi").Op("-").Id("lo")
		in := rowRange(jen.Id("x"), "InputSize")
		c := trainerPass(p)
		c.Lo = jen.Id("lo")
		if p.modal() {
			c.Training = jen.Id("training")
		}
		for i, l := range p.Body() {
			d := l.Info()
			o := rowRange(jen.Id("t").Dot(d.Act), d.OutConst)
			c.In, c.Out = in, o
			if i == 0 && par {
				sharer := l.(InputSharer)
				g.If(jen.Id("shared")).Block(
					append([]jen.Code{jen.Qual(asmPath, "Add").Call(o, rowRange(jen.Id("t").Dot("zpart"), d.OutConst))},
						sharer.Activate(o, jen.Id("rows"))...)...,
				).Else().Block(l.Forward(c)...)
			} else {
				for _, code := range l.Forward(c) {
					g.Add(code)
				}
			}
			in = o
		}
	})
	f.Line()
	if !par {
		return
	}
	first := p.Body()[0].(InputSharer)
	d := p.Body()[0].Info()
	f.Comment("firstLayerShare computes part's share (of parts) of layer 1's pre-activations for n rows: the")
	f.Comment("product of the inputs and of the kernel rows that the same part updates (see share), part 0's")
	f.Comment("with the bias into the activation buffer, the other into zpart. Each core so reads only the")
	f.Comment("kernel rows it wrote itself, instead of the whole kernel the other core has just updated.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("firstLayerShare").
		Params(jen.Id("x").Index().Float32(), jen.List(jen.Id("n"), jen.Id("part"), jen.Id("parts")).Int()).Block(
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("share").Call(jen.Id("InputSize"), jen.Id("part"), jen.Id("parts")),
		jen.If(jen.Id("part").Op("==").Lit(0)).Block(
			append(first.ForwardPart(firstRows(jen.Id("t").Dot(d.Act), d.OutConst), firstRows(jen.Id("x"), "InputSize"), true), jen.Return())...,
		),
		jen.Add(first.ForwardPart(firstRows(jen.Id("t").Dot("zpart"), d.OutConst), firstRows(jen.Id("x"), "InputSize"), false)...),
	)
	f.Line()
}

// emitDeltasRows writes deltasRows: forward and back over rows lo to hi of a batch of n rows,
// leaving in every layer's delta buffer, for those rows, the gradient of the batch's mean loss with
// respect to the layer's pre-activations.
func emitDeltasRows(p *Plan, f *jen.File, out Layer, par bool) {
	rows := jen.Id("rows")
	lossFn := p.lossKernel()
	f.Comment("deltasRows runs rows lo to hi of a batch of n rows forward, then back through every layer,")
	f.Comment("leaving those rows' deltas (the gradients of the batch's mean loss with respect to each layer's")
	f.Comment("pre-activations) in the delta buffers. It returns the mean loss over rows lo to hi.")
	params := []jen.Code{jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.List(jen.Id("lo"), jen.Id("hi"), jen.Id("n")).Int()}
	// forwardRows(x, lo, hi[, training][, shared]): the order emitForwardRows declares.
	forward := []jen.Code{jen.Id("x"), jen.Id("lo"), jen.Id("hi")}
	if p.modal() {
		forward = append(forward, jen.True())
	}
	if par && p.sharesInputs() {
		params = append(params, jen.Id("shared").Bool())
		forward = append(forward, jen.Id("shared"))
	}
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("deltasRows").Params(params...).
		Params(jen.Id("loss").Float32()).BlockFunc(func(g *jen.Group) {
		g.Id("t").Dot("forwardRows").Call(forward...)
		g.Id("rows").Op(":=").Id("hi").Op("-").Id("lo")
		g.List(jen.Id("output"), jen.Id("target"), jen.Id("delta")).Op(":=").List(
			rowRange(jen.Id("t").Dot(out.Info().Act), "OutputSize"), rowRange(jen.Id("y"), "OutputSize"), rowRange(jen.Id("t").Dot(out.Info().Delta), "OutputSize"))
		if l := p.Labels; l != nil {
			model := func() *jen.Statement { return jen.Id("t").Dot("model") }
			g.Comment("The network learns standardised labels; the loss is reported in the labels' own units.")
			g.Id("standard").Op(":=").Add(rowRange(jen.Id("t").Dot("target"), "OutputSize"))
			g.Add(l.Standardize(jen.Id("standard"), jen.Id("target"), rows, model))
			g.Qual(asmPath, lossFn).Call(jen.Id("delta"), jen.Id("output"), jen.Id("standard"), rows, jen.Id("OutputSize"))
			g.Id("restored").Op(":=").Add(rowRange(jen.Id("t").Dot("output"), "OutputSize"))
			g.Add(l.Restore(jen.Id("restored"), jen.Id("output"), rows, model))
			g.Id("loss").Op("=").Qual(asmPath, lossFn).Call(jen.Nil(), jen.Id("restored"), jen.Id("target"), rows, jen.Id("OutputSize"))
		} else {
			g.Id("loss").Op("=").Qual(asmPath, lossFn).Call(jen.Id("delta"), jen.Id("output"), jen.Id("target"), rows, jen.Id("OutputSize"))
			if p.classWeighted() {
				g.Comment("Class weights, as Keras' class_weight: row r's loss and gradient times its class's weight,")
				g.Comment("the loss the mean of the weighted row losses.")
				g.Var().Id("sum").Float64()
				g.For(jen.Id("r").Op(":=").Lit(0), jen.Id("r").Op("<").Id("rows"), jen.Id("r").Op("++")).Block(
					jen.List(jen.Id("o"), jen.Id("y")).Op(":=").List(
						jen.Id("output").Index(jen.Id("r").Op("*").Id("OutputSize"), jen.Parens(jen.Id("r").Op("+").Lit(1)).Op("*").Id("OutputSize")),
						jen.Id("target").Index(jen.Id("r").Op("*").Id("OutputSize"), jen.Parens(jen.Id("r").Op("+").Lit(1)).Op("*").Id("OutputSize"))),
					jen.Id("w").Op(":=").Id("t").Dot("classWeight").Index(jen.Id("targetClass").Call(jen.Id("y"))),
					jen.Id("sum").Op("+=").Float64().Call(jen.Id("w")).Op("*").Float64().Call(jen.Qual(asmPath, lossFn).Call(jen.Nil(), jen.Id("o"), jen.Id("y"), jen.Lit(1), jen.Id("OutputSize"))),
					jen.Qual(asmPath, "Scale").Call(jen.Id("delta").Index(jen.Id("r").Op("*").Id("OutputSize"), jen.Parens(jen.Id("r").Op("+").Lit(1)).Op("*").Id("OutputSize")), jen.Id("w")),
				)
				g.Id("loss").Op("=").Float32().Call(jen.Id("sum").Op("/").Float64().Call(jen.Id("rows")))
			}
		}
		g.If(jen.Id("rows").Op("!=").Id("n")).Block(
			jen.Comment("The loss kernel averaged over these rows; the gradient is of the mean over all n."),
			jen.Qual(asmPath, "Scale").Call(jen.Id("delta"), jen.Float32().Call(rows).Op("/").Float32().Call(jen.Id("n"))),
		)
		body := p.Body()
		for i := len(body) - 1; i >= 0; i-- {
			l := body[i]
			d := l.Info()
			c := trainerPass(p)
			c.Rows, c.Lo, c.Training = rows, jen.Id("lo"), jen.True()
			c.Out, c.DOut = rowRange(jen.Id("t").Dot(d.Act), d.OutConst), rowRange(jen.Id("t").Dot(d.Delta), d.OutConst)
			c.In = rowRange(jen.Id("x"), "InputSize")
			if i > 0 {
				prev := body[i-1].Info()
				c.In, c.DIn = rowRange(jen.Id("t").Dot(prev.Act), prev.OutConst), rowRange(jen.Id("t").Dot(prev.Delta), prev.OutConst)
			}
			// The cross-entropies' gradients are fused with the softmax or sigmoid.
			c.Fused = i == len(body)-1 && p.Classifies
			if code := l.Backward(c); len(code) > 0 {
				g.Commentf("layer %d backward", d.Index)
				for _, code := range code {
					g.Add(code)
				}
			}
		}
		g.Return()
	})
	f.Line()
}

// emitWeightGradients writes weightGradients: from the deltas of all n rows, part's share of
// every layer's weight gradients.
func emitWeightGradients(p *Plan, f *jen.File) {
	f.Comment("weightGradients sets part's share (of parts) of every layer's gradients from the inputs x and")
	f.Comment("the deltas of a batch of n rows: rows of each kernel gradient, and in part 0 the bias gradients.")
	f.Comment("Each share is a contiguous run of each gradient array, which the same part then updates.")
	results := []jen.Code{}
	if p.regularized() {
		f.Comment("It returns the regularization penalty of the same share of the parameters.")
		results = append(results, jen.Id("penalty").Float64())
	}
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("weightGradients").
		Params(jen.Id("x").Index().Float32(), jen.List(jen.Id("n"), jen.Id("part"), jen.Id("parts")).Int()).Params(results...).BlockFunc(func(g *jen.Group) {
		body := p.Body()
		for i, l := range body {
			d := l.Info()
			c := trainerPass(p)
			c.In, c.DOut = firstRows(jen.Id("x"), "InputSize"), firstRows(jen.Id("t").Dot(d.Delta), d.OutConst)
			if i > 0 {
				prev := body[i-1].Info()
				c.In = firstRows(jen.Id("t").Dot(prev.Act), prev.OutConst)
			}
			if code := l.Gradients(c); len(code) > 0 {
				g.Block(code...)
			}
		}
		if p.regularized() {
			g.Return()
		}
	})
	if p.regularized() {
		f.Line()
		f.Comment("penalty is the regularization penalty of the parameters, which the loss includes.")
		f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("penalty").Params().Params(jen.Id("penalty").Float64()).BlockFunc(func(g *jen.Group) {
			c := trainerPass(p)
			for _, l := range p.Layers {
				if r, ok := l.(interface{ Penalty(Pass) []jen.Code }); ok {
					for _, code := range r.Penalty(c) {
						g.Add(code)
					}
				}
			}
			g.Return()
		})
	}
	f.Line()
}

// emitSteps writes the exported steps: Gradients, Apply, TrainBatch and EvalBatch.
//
// A step has three phases. The first computes layer 1's pre-activations share by share of its
// inputs (firstLayerShare: each part multiplies by the kernel rows it updates); the second runs the
// batch forward from there and back, row by row (deltasRows); the third computes the weight
// gradients and updates the parameters share by share (rows of each kernel, weightGradients and
// update). The part that computes a share of a gradient so also updates it while it is in its
// cache, and the largest kernel, layer 1's, never moves between the cores' caches. A Trainer with the two-core path splits every
// batch of at least ParallelMinRows rows into the same two halves and two shares whether it has
// one core or two: on two they run at once, on one one after the other. The kernel calls are the
// same either way, so the results do not depend on GOMAXPROCS, nor on which way the Chooser picks,
// and a seed always gives the same weights.
func emitSteps(p *Plan, f *jen.File, par bool) {
	xyn := []jen.Code{jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.Id("n").Int()}
	results := []jen.Code{jen.Id("loss").Float32()}
	recv := func() *jen.Statement { return jen.Params(jen.Id("t").Op("*").Id("Trainer")) }
	call := func(method string, args ...jen.Code) *jen.Statement { return jen.Id("t").Dot(method).Call(args...) }
	run := func(part string) *jen.Statement {
		return jen.Id("t").Dot("pair").Dot("Run").Call(jen.Id("t").Dot(part))
	}
	both := func(method string) []jen.Code { return []jen.Code{call(method, jen.Lit(0)), call(method, jen.Lit(1))} }
	// runFirst and bothFirst are the first phase, on two cores or one after the other: only when
	// the first trained layer is computed in shares of its inputs (see parallel.go).
	runFirst := func() []jen.Code {
		if p.sharesInputs() {
			return []jen.Code{run("firstPart")}
		}
		return nil
	}
	bothFirst := func() []jen.Code {
		if p.sharesInputs() {
			return both("runFirstLayerPart")
		}
		return nil
	}
	lossCorrect := jen.Id("loss")
	deltaArgs := []jen.Code{jen.Id("x"), jen.Id("y"), jen.Lit(0), jen.Id("n"), jen.Id("n")}
	if par && p.sharesInputs() {
		deltaArgs = append(deltaArgs, jen.False())
	}
	wholeDeltas := lossCorrect.Clone().Op("=").Add(call("deltasRows", deltaArgs...))
	var wholeGradients jen.Code = call("weightGradients", jen.Id("x"), jen.Id("n"), jen.Lit(0), jen.Lit(1))
	if p.regularized() {
		wholeGradients = jen.Id("loss").Op("=").Float32().Call(jen.Float64().Call(jen.Id("loss")).Op("+").Add(call("weightGradients", jen.Id("x"), jen.Id("n"), jen.Lit(0), jen.Lit(1))))
	}
	small := jen.Id("n").Op("<").Id("ParallelMinRows")
	startJob := jen.Id("t").Dot("job").Op("=").Id("job").Values(jen.Dict{jen.Id("x"): jen.Id("x"), jen.Id("y"): jen.Id("y"), jen.Id("n"): jen.Id("n")})
	hasPair := jen.Id("t").Dot("pair").Op("!=").Nil()
	// start checks the batch and runs it through the preprocessing layers.
	start := func(g *jen.Group, method string) {
		g.Id("checkBatch").Call(jen.Lit(method), jen.Id("x"), jen.Id("y"), jen.Id("n"))
		g.Id("t").Dot("n").Op("=").Id("n")
		training := method != "EvalBatch"
		if p.random() && training {
			g.Comment("This step's dropout masks: drawn from the seed and the step, whichever core draws them.")
			g.List(jen.Id("t").Dot("key"), jen.Id("t").Dot("step")).Op("=").List(jen.Qual(asmPath, "DropoutKey").Call(jen.Id("t").Dot("seed"), jen.Id("t").Dot("step")), jen.Id("t").Dot("step").Op("+").Lit(1))
		}
		if len(p.Stage()) > 0 {
			args := []jen.Code{jen.Id("x"), jen.Id("n")}
			if p.modal() {
				args = append(args, jen.Lit(training))
			}
			g.Id("x").Op("=").Id("t").Dot("stage").Call(args...)
		}
		if training {
			for _, l := range p.Layers {
				if pr, ok := l.(Preparer); ok {
					for _, code := range pr.Prepare(trainerPass(p)) {
						g.Add(code)
					}
				}
			}
		}
	}

	f.Comment("Gradients runs the first n rows of x forward, and backward against the targets y (n rows of")
	f.Comment("OutputSize), leaving the gradients of the batch's mean loss in the Trainer (see GradTensors).")
	f.Comment("It returns that mean loss. It panics unless 1 <= n <= BatchSize and x and y hold n rows.")
	f.Func().Add(recv()).Id("Gradients").Params(xyn...).Params(results...).BlockFunc(func(g *jen.Group) {
		start(g, "Gradients")
		if !par {
			g.Add(wholeDeltas)
			g.Add(wholeGradients)
			g.Return()
			return
		}
		g.If(small).Block(wholeDeltas, wholeGradients, jen.Return())
		g.Add(startJob)
		g.If(hasPair).Block(append(runFirst(), run("deltasPart"), run("gradientsPart"))...).
			Else().Block(append(append(bothFirst(), both("runDeltasPart")...), both("runGradientsPart")...)...)
		g.Return(jen.Id("t").Dot("job").Dot("result").Call())
	})
	f.Line()
	f.Comment("Apply updates the Model's parameters once from the gradients of the last Gradients call.")
	clip := clipsByNorm(p.Optimizer)
	f.Func().Add(recv()).Id("Apply").Params().BlockFunc(func(g *jen.Group) {
		g.Add(call("startUpdate"))
		if clip {
			g.Add(call("clip"))
		}
		if par {
			g.If(hasPair).Block(run("applyPart"), jen.Return())
		}
		g.Add(call("update", jen.Lit(0), jen.Lit(1)))
	})
	f.Line()
	f.Comment("TrainBatch runs one training step on the first n rows of x and y: Gradients, then Apply. It")
	f.Comment("returns the batch's mean loss, before the update.")
	f.Func().Add(recv()).Id("TrainBatch").Params(xyn...).Params(results...).BlockFunc(func(g *jen.Group) {
		if !par {
			g.Id("loss").Op("=").Add(call("Gradients", jen.Id("x"), jen.Id("y"), jen.Id("n")))
			g.Add(call("Apply"))
			g.Return()
			return
		}
		start(g, "TrainBatch")
		g.Add(call("startUpdate"))
		smallStep := []jen.Code{wholeDeltas, wholeGradients}
		if clip {
			smallStep = append(smallStep, call("clip"))
		}
		g.If(small).Block(append(smallStep, call("update", jen.Lit(0), jen.Lit(1)), jen.Return())...)
		g.Add(startJob)
		g.Comment("Two cores when they have lately been faster than one: the second core may be busy.")
		g.Id("way").Op(":=").Lit(0)
		g.Var().Id("start").Qual("time", "Time")
		g.If(hasPair).Block(jen.List(jen.Id("way"), jen.Id("start")).Op("=").List(jen.Id("t").Dot("choose").Dot("Next").Call(), jen.Qual("time", "Now").Call()))
		if clip {
			// Clipping by a norm needs every gradient before any update.
			g.If(jen.Id("way").Op("==").Lit(1)).Block(
				append(runFirst(), run("deltasPart"), run("gradientsPart"), call("clip"), run("applyPart"))...,
			).Else().BlockFunc(func(g *jen.Group) {
				g.Comment("The same halves and shares one after the other: the same result as on two cores.")
				for _, c := range append(append(append(append(bothFirst(), both("runDeltasPart")...), both("runGradientsPart")...), call("clip")), both("runApplyPart")...) {
					g.Add(c)
				}
			})
		} else {
			g.If(jen.Id("way").Op("==").Lit(1)).Block(
				append(runFirst(), run("deltasPart"), run("gradientsApplyPart"))...,
			).Else().BlockFunc(func(g *jen.Group) {
				g.Comment("The same halves and shares one after the other: the same result as on two cores.")
				for _, c := range append(append(bothFirst(), both("runDeltasPart")...), both("runGradientsApplyPart")...) {
					g.Add(c)
				}
			})
		}
		g.If(hasPair).Block(jen.Id("t").Dot("choose").Dot("Done").Call(jen.Id("way"), jen.Qual("time", "Since").Call(jen.Id("start"))))
		g.Return(jen.Id("t").Dot("job").Dot("result").Call())
	})
	f.Line()
	lossFn := p.lossKernel()
	outAct := rowRange(jen.Id("t").Dot(p.Output().Info().Act), "OutputSize")
	target := rowRange(jen.Id("y"), "OutputSize")
	forwardArgs := []jen.Code{jen.Id("x"), jen.Id("lo"), jen.Id("hi")}
	if p.modal() {
		forwardArgs = append(forwardArgs, jen.False()) // not training
	}
	if par && p.sharesInputs() {
		forwardArgs = append(forwardArgs, jen.False()) // not shared
	}
	f.Comment("evalRows runs rows lo to hi of x forward and returns their mean loss against y.")
	f.Func().Add(recv()).Id("evalRows").Params(jen.List(jen.Id("x"), jen.Id("y")).Index().Float32(), jen.List(jen.Id("lo"), jen.Id("hi")).Int()).Params(results...).BlockFunc(func(g *jen.Group) {
		g.Add(call("forwardRows", forwardArgs...))
		if l := p.Labels; l != nil {
			model := func() *jen.Statement { return jen.Id("t").Dot("model") }
			restored := rowRange(jen.Id("t").Dot("output"), "OutputSize")
			g.Add(l.Restore(restored, outAct, jen.Id("hi").Op("-").Id("lo"), model))
			outAct = restored.Clone()
		}
		g.Return(jen.Qual(asmPath, lossFn).Call(jen.Nil(), outAct, target, jen.Id("hi").Op("-").Id("lo"), jen.Id("OutputSize")))
	})
	f.Line()
	f.Comment("EvalBatch runs the first n rows of x forward only and returns their mean loss against y.")
	f.Func().Add(recv()).Id("EvalBatch").Params(xyn...).Params(results...).BlockFunc(func(g *jen.Group) {
		start(g, "EvalBatch")
		whole := call("evalRows", jen.Id("x"), jen.Id("y"), jen.Lit(0), jen.Id("n"))
		// done returns the loss, with the regularization penalty as Keras' evaluate includes it.
		done := func(loss jen.Code) jen.Code {
			if p.regularized() {
				return jen.Return(jen.Float32().Call(jen.Float64().Call(loss).Op("+").Add(call("penalty"))))
			}
			return jen.Return(loss)
		}
		if !par {
			g.Add(done(whole))
			return
		}
		g.If(small).Block(done(whole))
		g.Add(startJob)
		g.Comment("In halves, on two cores when steps have lately been faster on two.")
		g.If(hasPair.Clone().Op("&&").Id("t").Dot("choose").Dot("Best").Call().Op("==").Lit(1)).Block(run("evalPart")).
			Else().Block(both("runEvalPart")...)
		g.Add(done(jen.Id("t").Dot("job").Dot("result").Call()))
	})
	f.Line()
}

// emitParts writes the parts of a two-core step, each run once on each core by the Pair, or one
// after the other on one core.
func emitParts(p *Plan, f *jen.File) {
	recv := func() *jen.Statement { return jen.Params(jen.Id("t").Op("*").Id("Trainer")) }
	part := jen.Id("part").Int()
	job := func(field string) *jen.Statement { return jen.Id("t").Dot("job").Dot(field) }
	f.Comment("runEvalPart runs one half of the batch's rows forward.")
	f.Func().Add(recv()).Id("runEvalPart").Params(part).Block(
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("t").Dot("job").Dot("half").Call(jen.Id("part")),
		job("loss").Index(jen.Id("part")).Op("=").Id("t").Dot("evalRows").Call(job("x"), job("y"), jen.Id("lo"), jen.Id("hi")),
	)
	f.Line()
	deltas := []jen.Code{job("x"), job("y"), jen.Id("lo"), jen.Id("hi"), job("n")}
	if p.sharesInputs() {
		f.Comment("runFirstLayerPart computes this part's share of layer 1's pre-activations for the whole batch.")
		f.Func().Add(recv()).Id("runFirstLayerPart").Params(part).Block(
			jen.Id("t").Dot("firstLayerShare").Call(job("x"), job("n"), jen.Id("part"), jen.Lit(2)))
		f.Line()
		f.Comment("runDeltasPart runs one half of the batch's rows forward from layer 1's shares, and back.")
		deltas = append(deltas, jen.True())
	} else {
		f.Comment("runDeltasPart runs one half of the batch's rows forward and back.")
	}
	f.Func().Add(recv()).Id("runDeltasPart").Params(part).Block(
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("t").Dot("job").Dot("half").Call(jen.Id("part")),
		job("loss").Index(jen.Id("part")).Op("=").Id("t").Dot("deltasRows").Call(deltas...),
	)
	f.Line()
	f.Comment("runGradientsPart computes this part's share of the weight gradients.")
	f.Func().Add(recv()).Id("runGradientsPart").Params(part).Block(
		gradientsShare(p))
	f.Line()
	f.Comment("runGradientsApplyPart computes this part's share of the weight gradients and updates it.")
	f.Func().Add(recv()).Id("runGradientsApplyPart").Params(part).Block(
		gradientsShare(p),
		jen.Id("t").Dot("update").Call(jen.Id("part"), jen.Lit(2)))
	f.Line()
	f.Comment("runApplyPart updates this part's share of the parameters.")
	f.Func().Add(recv()).Id("runApplyPart").Params(part).Block(jen.Id("t").Dot("update").Call(jen.Id("part"), jen.Lit(2)))
	f.Line()
}

// trainerBytesExpr is the size of a Trainer's arrays, written with the size constants: copies
// Model-sized arrays (gradients and optimiser state) and a batch of activations and deltas.
func trainerBytesExpr(p *Plan, copies int) jen.Code {
	s := jen.Lit(copies).Op("*").Id("ModelBytes")
	for _, l := range p.Body() {
		d := l.Info()
		s.Op("+").Lit(2 * 4).Op("*").Id("BatchSize").Op("*").Id(d.OutConst)
	}
	return s
}

// emitStageStep writes stage, which runs a batch through the input stage (see Plan.Stage) into
// the Trainer's input buffer, when the network has one.
func emitStageStep(p *Plan, f *jen.File) {
	if len(p.Stage()) == 0 {
		return
	}
	f.Comment("stage runs the first n rows of x through the layers before the first trained one and returns")
	f.Comment("them, in the Trainer's input buffer.")
	params := []jen.Code{jen.Id("x").Index().Float32(), jen.Id("n").Int()}
	if p.modal() {
		params = append(params, jen.Id("training").Bool())
	}
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("stage").Params(params...).Index().Float32().BlockFunc(func(g *jen.Group) {
		g.Id("in").Op(":=").Id("t").Dot("input").Index(jen.Empty(), jen.Id("n").Op("*").Id("InputSize"))
		c := trainerPass(p)
		c.Rows = jen.Id("n")
		if p.modal() {
			c.Training = jen.Id("training")
		}
		emitStage(p, g, c, jen.Id("in"), firstRows(jen.Id("x"), "InputSize"))
		g.Return(jen.Id("in"))
	})
	f.Line()
}

// trainerPass is a Pass over the Trainer's buffers, its rows and flags still to set.
func trainerPass(p *Plan) Pass {
	return Pass{Rows: jen.Id("rows"), Lo: jen.Lit(0), Training: jen.False(),
		Model: func() *jen.Statement { return jen.Id("t").Dot("model") }, Trainer: func() *jen.Statement { return jen.Id("t") },
		Scratch: func(field string) *jen.Statement { return jen.Id("t").Dot(field) }}
}

// buffers lists every layer's Trainer buffers.
func buffers(p *Plan) []Buffer {
	var bs []Buffer
	for _, l := range p.Layers {
		bs = append(bs, l.Buffers()...)
	}
	return bs
}

// modal reports whether a layer of the plan computes differently in training (a dropout): its
// passes then take a training flag.
func (p *Plan) modal() bool {
	for _, l := range p.Layers {
		if m, ok := l.(interface{ Modal() bool }); ok && m.Modal() {
			return true
		}
	}
	return false
}

// newTrainerFields are the fields NewTrainer sets.
func newTrainerFields(p *Plan) jen.Dict {
	d := jen.Dict{jen.Id("model"): jen.Id("m"), jen.Id("opt"): jen.Id("newOptimizerState").Call()}
	if p.classWeighted() {
		d[jen.Id("classWeight")] = jen.Id("unitClassWeights").Call()
	}
	if p.random() {
		d[jen.Id("seed")] = jen.Id("Seed")
	}
	return d
}

// emitSetSeed writes SetSeed, for a Trainer whose dropout masks are drawn from a seed.
func emitSetSeed(p *Plan, f *jen.File) {
	if !p.random() {
		return
	}
	f.Comment("SetSeed seeds the dropout masks of the steps to come (NewTrainer seeds them with Seed), so that")
	f.Comment("the trainer's -seed gives other masks as it gives other initial weights and another shuffling.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("SetSeed").Params(jen.Id("seed").Uint64()).Block(
		jen.List(jen.Id("t").Dot("seed"), jen.Id("t").Dot("step")).Op("=").List(jen.Id("seed"), jen.Lit(0)))
	f.Line()
}

// gradientsShare is the statement that computes a part's share of the weight gradients (and keeps
// its share of the penalty).
func gradientsShare(p *Plan) jen.Code {
	job := func(field string) *jen.Statement { return jen.Id("t").Dot("job").Dot(field) }
	share := jen.Id("t").Dot("weightGradients").Call(job("x"), job("n"), jen.Id("part"), jen.Lit(2))
	if p.regularized() {
		return job("penalty").Index(jen.Id("part")).Op("=").Add(share)
	}
	return share
}

// regularized reports whether a regularizer adds to the loss.
func (p *Plan) regularized() bool {
	for _, l := range p.Layers {
		if r, ok := l.(interface{ Regularized() bool }); ok && r.Regularized() {
			return true
		}
	}
	return false
}

// emitSnapshot writes Snapshot and Restore, with which EarlyStopping keeps the best epoch's
// parameters (all of them, trained or fixed; not the optimiser's state, as Keras).
func emitSnapshot(f *jen.File) {
	f.Comment("Snapshot appends every parameter of the Model, in Tensors order, to dst[:0] and returns it.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Snapshot").Params(jen.Id("dst").Index().Float32()).Index().Float32().Block(
		jen.Id("dst").Op("=").Id("dst").Index(jen.Empty(), jen.Lit(0)),
		jen.For(jen.List(jen.Id("_"), jen.Id("p")).Op(":=").Range().Id("t").Dot("model").Dot("Tensors").Call()).Block(
			jen.Id("dst").Op("=").Append(jen.Id("dst"), jen.Id("p").Dot("Data").Op("..."))),
		jen.Return(jen.Id("dst")),
	)
	f.Line()
	f.Comment("Restore sets every parameter of the Model from src, a Snapshot of it.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Restore").Params(jen.Id("src").Index().Float32()).Block(
		jen.For(jen.List(jen.Id("_"), jen.Id("p")).Op(":=").Range().Id("t").Dot("model").Dot("Tensors").Call()).Block(
			jen.Id("src").Op("=").Id("src").Index(jen.Copy(jen.Id("p").Dot("Data"), jen.Id("src")), jen.Empty())),
	)
	f.Line()
}

// random reports whether a layer of the plan draws random numbers while training (a dropout): the
// Trainer then keeps a seed, a step count and the step's key, and has SetSeed.
func (p *Plan) random() bool {
	for _, l := range p.Layers {
		if r, ok := l.(interface{ Random() bool }); ok && r.Random() {
			return true
		}
	}
	return false
}

// classWeighted reports whether the spec weighs the training loss by class (fit.class_weight).
func (p *Plan) classWeighted() bool { return p.Classifies && len(p.Fit.ClassWeight) > 0 }

// emitClassWeights writes what a Trainer with class weights needs: SetClassWeights, the weights
// of 1 it starts with, and targetClass.
func emitClassWeights(p *Plan, f *jen.File) {
	if !p.classWeighted() {
		return
	}
	f.Comment("unitClassWeights is every class weighing 1.")
	f.Func().Id("unitClassWeights").Params().Params(jen.Id("w").Index(jen.Id("ClassCount")).Float32()).Block(
		jen.For(jen.Id("i").Op(":=").Range().Id("w")).Block(jen.Id("w").Index(jen.Id("i")).Op("=").Lit(1)),
		jen.Return(),
	)
	f.Line()
	f.Comment("SetClassWeights sets the weight of each class's samples in the training loss (ClassCount")
	f.Comment("weights, in class order), as Keras' class_weight; the trainer sets the spec's fit.class_weight.")
	f.Comment("Evaluation is not weighted.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("SetClassWeights").Params(jen.Id("w").Index().Float32()).Error().Block(
		jen.If(jen.Len(jen.Id("w")).Op("!=").Id("ClassCount")).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: %%d class weights for %%d classes", p.Package)), jen.Len(jen.Id("w")), jen.Id("ClassCount")))),
		jen.Copy(jen.Id("t").Dot("classWeight").Index(jen.Empty(), jen.Empty()), jen.Id("w")),
		jen.Return(jen.Nil()),
	)
	f.Line()
	f.Comment("targetClass is the class of a target row: its one-hot index, or for one output 1 above 0.5.")
	f.Func().Id("targetClass").Params(jen.Id("y").Index().Float32()).Int().BlockFunc(func(g *jen.Group) {
		if p.Output().Info().Out == 1 {
			g.If(jen.Id("y").Index(jen.Lit(0)).Op(">").Lit(0.5)).Block(jen.Return(jen.Lit(1)))
			g.Return(jen.Lit(0))
			return
		}
		g.Id("c").Op(":=").Lit(0)
		g.For(jen.Id("j").Op(":=").Lit(1), jen.Id("j").Op("<").Len(jen.Id("y")), jen.Id("j").Op("++")).Block(
			jen.If(jen.Id("y").Index(jen.Id("j")).Op(">").Id("y").Index(jen.Id("c"))).Block(jen.Id("c").Op("=").Id("j")))
		g.Return(jen.Id("c"))
	})
	f.Line()
}
