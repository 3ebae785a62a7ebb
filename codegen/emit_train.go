package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// emitTrain writes train.go: the Trainer, its buffers and its forward and backward passes.
func emitTrain(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	out := p.Output()

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
	})
	f.Line()
	f.Comment("TrainerBytes is the memory a Trainer holds besides its Model: gradients, optimiser state and")
	f.Comment("one batch of activations and deltas per layer.")
	f.Const().Id("TrainerBytes").Op("=").Add(trainerBytesExpr(p))
	f.Line()

	f.Comment("NewTrainer returns a Trainer that updates m.")
	f.Func().Id("NewTrainer").Params(jen.Id("m").Op("*").Id("Model")).Op("*").Id("Trainer").Block(
		jen.Return(jen.Op("&").Id("Trainer").Values(jen.Dict{jen.Id("model"): jen.Id("m")})),
	)
	f.Line()

	rows := jen.Id("n")
	slice := func(field, size string) *jen.Statement {
		return jen.Id("t").Dot(field).Index(jen.Empty(), jen.Id("n").Op("*").Id(size))
	}
	model := func() *jen.Statement { return jen.Id("t").Dot("model") }

	f.Comment("forward runs the first n rows of x through every layer into the activation buffers.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("forward").Params(jen.Id("x").Index().Float32(), jen.Id("n").Int()).BlockFunc(func(g *jen.Group) {
		g.Id("t").Dot("n").Op("=").Id("n")
		in := jen.Id("x").Index(jen.Empty(), jen.Id("n").Op("*").Id("InputSize"))
		for _, d := range p.Layers {
			o := slice(d.Act, d.UnitsConst)
			for _, c := range d.forward(o, in, rows, model) {
				g.Add(c)
			}
			in = o
		}
	})
	f.Line()

	lossCall := func(delta jen.Code) jen.Code {
		fn := "CrossEntropy"
		if p.Loss == "mean_squared_error" {
			fn = "SquaredError"
		}
		return jen.Qual(asmPath, fn).Call(delta, slice(out.Act, "OutputSize"), jen.Id("y").Index(jen.Empty(), jen.Id("n").Op("*").Id("OutputSize")), rows, jen.Id("OutputSize"))
	}
	correctCall := jen.Qual(asmPath, "Correct").Call(slice(out.Act, "OutputSize"), jen.Id("y").Index(jen.Empty(), jen.Id("n").Op("*").Id("OutputSize")), rows, jen.Id("OutputSize"))

	f.Comment("Gradients runs the first n rows of x forward, and backward against the targets y (n rows of")
	f.Comment("OutputSize), leaving the gradients of the batch's mean loss in the Trainer (see GradTensors).")
	f.Comment("It returns that mean loss and the number of rows predicted correctly. It panics unless")
	f.Comment("1 <= n <= BatchSize and x and y hold n rows.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Gradients").
		Params(jen.Id("x"), jen.Id("y").Index().Float32(), jen.Id("n").Int()).
		Params(jen.Id("loss").Float32(), jen.Id("correct").Int()).BlockFunc(func(g *jen.Group) {
		g.Id("checkBatch").Call(jen.Lit("Gradients"), jen.Id("x"), jen.Id("y"), jen.Id("n"))
		g.Id("t").Dot("forward").Call(jen.Id("x"), jen.Id("n"))
		g.Id("loss").Op("=").Add(lossCall(slice(out.Delta, "OutputSize")))
		g.Id("correct").Op("=").Add(correctCall)
		if p.Loss == "mean_squared_error" {
			for _, c := range out.activationBackward(slice(out.Delta, "OutputSize"), slice(out.Act, "OutputSize"), rows) {
				g.Add(c)
			}
		}
		for i := len(p.Layers) - 1; i >= 0; i-- {
			d := p.Layers[i]
			in := jen.Id("x").Index(jen.Empty(), jen.Id("n").Op("*").Id("InputSize"))
			var prev *Dense
			var prevDelta, prevAct jen.Code
			if i > 0 {
				prev = p.Layers[i-1]
				in = slice(prev.Act, prev.UnitsConst)
				prevDelta, prevAct = slice(prev.Delta, prev.UnitsConst), slice(prev.Act, prev.UnitsConst)
			}
			g.Commentf("layer %d", d.Index)
			for _, c := range d.backward(in, slice(d.Delta, d.UnitsConst), rows, prev, prevDelta, prevAct) {
				g.Add(c)
			}
		}
		g.Return()
	})
	f.Line()

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
	f.Comment("TrainBatch runs one training step on the first n rows of x and y: Gradients, then Apply. It")
	f.Comment("returns the batch's mean loss (before the update) and the number of rows predicted correctly.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("TrainBatch").
		Params(jen.Id("x"), jen.Id("y").Index().Float32(), jen.Id("n").Int()).
		Params(jen.Id("loss").Float32(), jen.Id("correct").Int()).Block(
		jen.List(jen.Id("loss"), jen.Id("correct")).Op("=").Id("t").Dot("Gradients").Call(jen.Id("x"), jen.Id("y"), jen.Id("n")),
		jen.Id("t").Dot("Apply").Call(),
		jen.Return(),
	)
	f.Line()
	f.Comment("EvalBatch runs the first n rows of x forward only and returns their mean loss against y and")
	f.Comment("the number of rows predicted correctly.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("EvalBatch").
		Params(jen.Id("x"), jen.Id("y").Index().Float32(), jen.Id("n").Int()).
		Params(jen.Id("loss").Float32(), jen.Id("correct").Int()).Block(
		jen.Id("checkBatch").Call(jen.Lit("EvalBatch"), jen.Id("x"), jen.Id("y"), jen.Id("n")),
		jen.Id("t").Dot("forward").Call(jen.Id("x"), jen.Id("n")),
		jen.Return(lossCall(jen.Nil()), correctCall),
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

// trainerBytesExpr is the size of a Trainer's arrays, written with the size constants.
func trainerBytesExpr(p *Plan) jen.Code {
	s := jen.Lit(1 + optimizerCopies(p.Optimizer)).Op("*").Id("ModelBytes")
	for _, d := range p.Layers {
		s.Op("+").Lit(2 * 4).Op("*").Id("BatchSize").Op("*").Id(d.UnitsConst)
	}
	return s
}
