package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// optimizerCopies is how many Model-sized arrays of state the optimiser keeps.
func optimizerCopies(o spec.Optimizer) int {
	switch {
	case o.Type == "adam":
		return 2 // first and second moments
	case o.Momentum != 0:
		return 1 // velocity
	}
	return 0
}

// emitOptimizer writes optimizer.go: the optimiser's settings as constants, its state, and
// Trainer.Apply, one update of every parameter array through the asm kernels.
func emitOptimizer(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	o := p.Optimizer
	var consts []jen.Code
	add := func(name, doc string, v any) {
		consts = append(consts, jen.Comment(name+" "+doc), jen.Id(name).Op("=").Lit(v))
	}
	var state []jen.Code
	var body []jen.Code
	tensors := func(each func(field string) jen.Code) {
		for _, d := range p.Layers {
			body = append(body, each(d.Kernel))
			if d.UseBias {
				body = append(body, each(d.Bias))
			}
		}
	}
	arr := func(base *jen.Statement, field string) jen.Code {
		return base.Dot(field).Index(jen.Empty(), jen.Empty())
	}
	param := func(field string) jen.Code { return arr(jen.Id("t").Dot("model"), field) }
	grad := func(field string) jen.Code { return arr(jen.Id("t").Dot("grad"), field) }

	switch {
	case o.Type == "adam":
		f.Comment("Optimiser: Adam as Keras implements it (amsgrad off), with these settings from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		add("Beta1", "is the decay rate of the first moment.", o.Beta1)
		add("Beta2", "is the decay rate of the second moment.", o.Beta2)
		add("Epsilon", "keeps the update finite where the second moment is zero (Keras: 1e-7).", o.Epsilon)
		state = []jen.Code{
			jen.Id("steps").Int().Comment("updates applied so far"),
			jen.Id("m").Id("Model").Comment("first moments"),
			jen.Id("v").Id("Model").Comment("second moments"),
		}
		body = []jen.Code{
			jen.Id("t").Dot("opt").Dot("steps").Op("++"),
			jen.Id("s").Op(":=").Float64().Call(jen.Id("t").Dot("opt").Dot("steps")),
			jen.Comment("The bias corrections of both moments folded into the step size, as Keras does."),
			jen.Id("alpha").Op(":=").Float32().Call(jen.Id("LearningRate").Op("*").
				Qual("math", "Sqrt").Call(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta2"), jen.Id("s"))).
				Op("/").Parens(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta1"), jen.Id("s")))),
		}
		tensors(func(field string) jen.Code {
			return jen.Qual(asmPath, "Adam").Call(param(field), grad(field),
				arr(jen.Id("t").Dot("opt").Dot("m"), field), arr(jen.Id("t").Dot("opt").Dot("v"), field),
				jen.Id("alpha"), jen.Id("Beta1"), jen.Id("Beta2"), jen.Id("Epsilon"))
		})
	case o.Type == "sgd" && o.Momentum != 0:
		f.Comment("Optimiser: SGD with momentum as Keras implements it, with these settings from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		add("Momentum", "is the decay rate of the velocity.", o.Momentum)
		add("Nesterov", "says whether the update looks ahead along the velocity.", o.Nesterov)
		state = []jen.Code{jen.Id("vel").Id("Model").Comment("velocities")}
		tensors(func(field string) jen.Code {
			return jen.Qual(asmPath, "Momentum").Call(param(field), grad(field),
				arr(jen.Id("t").Dot("opt").Dot("vel"), field), jen.Id("LearningRate"), jen.Id("Momentum"), jen.Id("Nesterov"))
		})
	case o.Type == "sgd":
		f.Comment("Optimiser: plain SGD, with this setting from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		tensors(func(field string) jen.Code {
			return jen.Qual(asmPath, "SGD").Call(param(field), grad(field), jen.Id("LearningRate"))
		})
	default:
		return nil, fmt.Errorf("optimizer %q cannot be generated; want adam or sgd", o.Type)
	}
	f.Const().Defs(consts...)
	f.Line()
	f.Comment("optimizerState is what the optimiser remembers between updates.")
	f.Type().Id("optimizerState").Struct(state...)
	f.Line()
	f.Comment("Apply updates the Model's parameters once from the gradients of the last Gradients call.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("Apply").Params().Block(body...)
	return f, nil
}
