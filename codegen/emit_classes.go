package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// emitClasses adds to model.go a classifier's class names: Classes and SetClasses. Weights files
// carry the names (weights.go), so that a predictor can name the class it predicts.
func emitClasses(p *Plan, f *jen.File) {
	f.Comment("Classes returns the name of each class, ClassCount of them in class order, or nil when the")
	f.Comment("classes have no names (labels that are their own names, such as MNIST's digits). The trainer")
	f.Comment("sets them from the training data, and weights files carry them. Do not modify the slice.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Classes").Params().Index().String().Block(jen.Return(jen.Id("m").Dot("classes")))
	f.Line()
	f.Comment("SetClasses names the classes: ClassCount names in class order, or nil for none. It keeps a copy.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("SetClasses").Params(jen.Id("names").Index().String()).Error().Block(
		jen.If(jen.Id("names").Op("!=").Nil().Op("&&").Len(jen.Id("names")).Op("!=").Id("ClassCount")).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: %%d class names for %%d classes", p.Package)), jen.Len(jen.Id("names")), jen.Id("ClassCount"))),
		),
		jen.Id("m").Dot("classes").Op("=").Qual("slices", "Clone").Call(jen.Id("names")),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

// emitPredictClass adds PredictClass to predict.go for a classifier: the most probable class and
// its probability, as Keras' accuracy decides it (argmax, or a 0.5 threshold on one sigmoid unit).
func emitPredictClass(p *Plan, f *jen.File) {
	f.Line()
	f.Comment("PredictClass returns the most probable class of the sample x (an index into Classes) and its")
	f.Comment("probability. It allocates nothing and is safe for concurrent use, as Predict.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("PredictClass").
		Params(jen.Id("x").Op("*").Index(jen.Id("InputSize")).Float32()).
		Params(jen.Id("class").Int(), jen.Id("probability").Float32()).BlockFunc(func(g *jen.Group) {
		g.Id("y").Op(":=").Id("m").Dot("Predict").Call(jen.Id("x"))
		if p.Output().Info().Out == 1 {
			g.Comment("One sigmoid unit: the probability of class 1.")
			g.If(jen.Id("y").Index(jen.Lit(0)).Op(">").Lit(0.5)).Block(jen.Return(jen.Lit(1), jen.Id("y").Index(jen.Lit(0))))
			g.Return(jen.Lit(0), jen.Lit(1).Op("-").Id("y").Index(jen.Lit(0)))
			return
		}
		g.For(jen.Id("j").Op(":=").Lit(1), jen.Id("j").Op("<").Id("OutputSize"), jen.Id("j").Op("++")).Block(
			jen.If(jen.Id("y").Index(jen.Id("j")).Op(">").Id("y").Index(jen.Id("class"))).Block(jen.Id("class").Op("=").Id("j")),
		)
		g.Return(jen.Id("class"), jen.Id("y").Index(jen.Id("class")))
	})
}
