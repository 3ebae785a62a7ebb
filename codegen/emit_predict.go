package codegen

import (
	"github.com/dave/jennifer/jen"
)

// emitPredict writes predict.go: Model.Predict, one sample through every layer with the hidden
// activations in stack arrays, so that it allocates nothing and any number of goroutines may call
// it on one Model at once.
func emitPredict(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	f.Comment("Predict returns the network's output for one sample x (for a softmax output, the class")
	f.Comment("probabilities). It allocates nothing and does not modify m, so it is safe for concurrent use.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Predict").
		Params(jen.Id("x").Op("*").Index(jen.Id("InputSize")).Float32()).
		Params(jen.Id("y").Index(jen.Id("OutputSize")).Float32()).
		BlockFunc(func(g *jen.Group) {
			model := func() *jen.Statement { return jen.Id("m") }
			in := jen.Id("x").Index(jen.Empty(), jen.Empty())
			for i, d := range p.Layers {
				out := jen.Id("y").Index(jen.Empty(), jen.Empty())
				if i < len(p.Layers)-1 {
					name := d.Act
					g.Var().Id(name).Index(jen.Id(d.UnitsConst)).Float32()
					out = jen.Id(name).Index(jen.Empty(), jen.Empty())
				}
				for _, c := range d.forward(out, in, jen.Lit(1), model) {
					g.Add(c)
				}
				in = out
			}
			g.Return()
		})
	return f, nil
}
