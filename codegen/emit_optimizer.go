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

// emitOptimizer writes optimizer.go: the optimiser's settings as constants, its state, and the
// update of a share of the parameters through the asm kernels (all of them when there is one
// share).
func emitOptimizer(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	o := p.Optimizer
	var consts []jen.Code
	add := func(name, doc string, v any) {
		consts = append(consts, jen.Comment(name+" "+doc), jen.Id(name).Op("=").Lit(v))
	}
	// span is the part of a parameter-shaped array that an update covers: a share of a kernel's
	// elements (lo to hi), or a whole bias.
	type span func(base *jen.Statement, field string) jen.Code
	share := func(base *jen.Statement, field string) jen.Code {
		return base.Dot(field).Index(jen.Id("lo"), jen.Id("hi"))
	}
	whole := func(base *jen.Statement, field string) jen.Code {
		return base.Dot(field).Index(jen.Empty(), jen.Empty())
	}
	t := func(names ...string) *jen.Statement {
		s := jen.Id("t")
		for _, n := range names {
			s = s.Dot(n)
		}
		return s
	}
	var state []jen.Code
	var start []jen.Code
	var kernel func(field string, span span) jen.Code
	switch {
	case o.Type == "adam":
		f.Comment("Optimiser: Adam as Keras implements it (amsgrad off), with these settings from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		add("Beta1", "is the decay rate of the first moment.", o.Beta1)
		add("Beta2", "is the decay rate of the second moment.", o.Beta2)
		add("Epsilon", "keeps the update finite where the second moment is zero (Keras: 1e-7).", o.Epsilon)
		state = []jen.Code{
			jen.Id("steps").Int().Comment("updates applied so far"),
			jen.Id("alpha").Float32().Comment("the step size of the current update, bias corrections folded in"),
			jen.Id("m").Id("Model").Comment("first moments"),
			jen.Id("v").Id("Model").Comment("second moments"),
		}
		start = []jen.Code{
			t("opt", "steps").Op("++"),
			jen.Id("s").Op(":=").Float64().Call(t("opt", "steps")),
			jen.Comment("The bias corrections of both moments folded into the step size, as Keras does."),
			t("opt", "alpha").Op("=").Float32().Call(jen.Id("LearningRate").Op("*").
				Qual("math", "Sqrt").Call(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta2"), jen.Id("s"))).
				Op("/").Parens(jen.Lit(1).Op("-").Qual("math", "Pow").Call(jen.Id("Beta1"), jen.Id("s")))),
		}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Adam").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "m"), field), span(t("opt", "v"), field),
				t("opt", "alpha"), jen.Id("Beta1"), jen.Id("Beta2"), jen.Id("Epsilon"))
		}
	case o.Type == "sgd" && o.Momentum != 0:
		f.Comment("Optimiser: SGD with momentum as Keras implements it, with these settings from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		add("Momentum", "is the decay rate of the velocity.", o.Momentum)
		add("Nesterov", "says whether the update looks ahead along the velocity.", o.Nesterov)
		state = []jen.Code{jen.Id("vel").Id("Model").Comment("velocities")}
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "Momentum").Call(span(t("model"), field), span(t("grad"), field),
				span(t("opt", "vel"), field), jen.Id("LearningRate"), jen.Id("Momentum"), jen.Id("Nesterov"))
		}
	case o.Type == "sgd":
		f.Comment("Optimiser: plain SGD, with this setting from the spec.")
		add("LearningRate", "is the step size.", o.LearningRate)
		kernel = func(field string, span span) jen.Code {
			return jen.Qual(asmPath, "SGD").Call(span(t("model"), field), span(t("grad"), field), jen.Id("LearningRate"))
		}
	default:
		return nil, fmt.Errorf("optimizer %q cannot be generated; want adam or sgd", o.Type)
	}
	f.Const().Defs(consts...)
	f.Line()
	f.Comment("optimizerState is what the optimiser remembers between updates.")
	f.Type().Id("optimizerState").Struct(state...)
	f.Line()
	f.Comment("startUpdate prepares the optimiser's per-update values; it runs once per update, on one core.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("startUpdate").Params().Block(start...)
	f.Line()

	f.Comment("update applies the optimiser to part's share (of parts) of the parameters: the rows of each")
	f.Comment("kernel that weightGradients gives the same part, and in part 0 the biases.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("update").Params(jen.List(jen.Id("part"), jen.Id("parts")).Int()).BlockFunc(func(g *jen.Group) {
		var biases []jen.Code
		for _, prm := range trainable(p) {
			if prm.ShareRow == "" {
				biases = append(biases, kernel(prm.Field, whole))
				continue
			}
			g.BlockFunc(func(g *jen.Group) {
				row := product(prm.Shape[1:])
				g.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("share").Call(jen.Id(prm.ShareRow), jen.Id("part"), jen.Id("parts"))
				g.List(jen.Id("lo"), jen.Id("hi")).Op("=").List(jen.Id("lo").Op("*").Add(row), jen.Id("hi").Op("*").Add(row.Clone()))
				g.Add(kernel(prm.Field, share))
			})
		}
		if len(biases) > 0 {
			g.If(jen.Id("part").Op("==").Lit(0)).BlockFunc(func(g *jen.Group) {
				for _, c := range biases {
					g.Add(c)
				}
			})
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
