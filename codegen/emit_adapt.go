package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// emitAdapt adds to model.go the methods that set the fixed arrays from the training data before
// training: AdaptInputs for a normalization layer, AdaptLabels for standardised labels.
func emitAdapt(p *Plan, f *jen.File) {
	lengthCheck := func(method, size string) jen.Code {
		return jen.If(jen.Len(jen.Id("mean")).Op("!=").Id(size).Op("||").Len(jen.Id("variance")).Op("!=").Id(size)).Block(
			jen.Panic(jen.Qual("fmt", "Sprintf").Call(
				jen.Lit(fmt.Sprintf("%s: Model.%s: %%d means and %%d variances; want %%d of each", p.Package, method)),
				jen.Len(jen.Id("mean")), jen.Len(jen.Id("variance")), jen.Id(size))))
	}
	stats := []jen.Code{jen.List(jen.Id("mean"), jen.Id("variance")).Index().Float64()}
	stage := p.Stage()
	for i, l := range stage {
		if _, ok := l.(*Normalization); !ok {
			continue
		}
		f.Comment("AdaptInputs sets the normalization layer's mean and variance from the mean and the variance")
		f.Comment("(the population's, as Keras' Normalization.adapt computes it) of each of the InputSize")
		f.Comment("features of the training rows, as the data holds them: the rescaling layers before the")
		f.Comment("normalization are applied here. The trainer calls it before training; it changes neither")
		f.Comment("slice, and panics unless both hold InputSize values.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("AdaptInputs").Params(stats...).BlockFunc(func(g *jen.Group) {
			g.Add(lengthCheck("AdaptInputs", "InputSize"))
			g.List(jen.Id("mean"), jen.Id("variance")).Op("=").List(jen.Qual("slices", "Clone").Call(jen.Id("mean")), jen.Qual("slices", "Clone").Call(jen.Id("variance")))
			for _, before := range stage[:i+1] {
				if a, ok := before.(Adapter); ok {
					for _, c := range a.Adapt() {
						g.Add(c)
					}
				}
			}
		})
		f.Line()
		break
	}
	if l := p.Labels; l != nil {
		f.Comment("AdaptLabels sets the labels' mean and variance (the population's) from the training rows:")
		f.Comment("the network learns the labels standardised with them, and reports outputs, losses and metrics")
		f.Comment("in the labels' own units. The trainer calls it before training; it panics unless both hold")
		f.Comment("OutputSize values.")
		f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("AdaptLabels").Params(stats...).Block(
			lengthCheck("AdaptLabels", "OutputSize"),
			jen.For(jen.Id("j").Op(":=").Range().Id("mean")).Block(
				jen.Id("m").Dot(l.Mean).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("mean").Index(jen.Id("j"))),
				jen.Id("m").Dot(l.Variance).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("variance").Index(jen.Id("j"))),
			),
		)
		f.Line()
	}
}
