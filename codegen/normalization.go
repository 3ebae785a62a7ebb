package codegen

import (
	"github.com/dave/jennifer/jen"
)

// Normalization is Keras' Normalization layer over the last axis: out = (in − mean) /
// max(sqrt(variance), 1e-7) per feature, with mean and variance adapted to the training rows
// before training (they start as 0 and 1, as Keras' do before adapt) and stored with the weights.
type Normalization struct {
	LayerInfo
	Mean, Variance string // the Model's fields
	Tensor         string // the tensor name prefix in weights files: normalization
}

// newNormalization plans layer index (from 1), of width in named inConst.
func newNormalization(index, in int, inConst string) *Normalization {
	return &Normalization{LayerInfo: sameWidth(index, "normalization", in, inConst),
		Mean: "NormalizationMean", Variance: "NormalizationVariance", Tensor: "normalization"}
}

// Info returns the layer's common description.
func (n *Normalization) Info() *LayerInfo { return &n.LayerInfo }

// Params lists the mean and the variance, one per feature, not trained.
func (n *Normalization) Params() []Param {
	stat := func(field, name, init string) Param {
		return Param{Field: field, Tensor: n.Tensor + "/" + name, Shape: []string{n.InConst}, Dims: []int{n.In}, Init: init, Fixed: true}
	}
	return []Param{stat(n.Mean, "mean", ""), stat(n.Variance, "variance", initOnes)}
}

// Buffers is empty.
func (n *Normalization) Buffers() []Buffer { return nil }

// Forward emits asm.Normalize over the rows; Out may be In.
func (n *Normalization) Forward(c Pass) []jen.Code {
	return []jen.Code{jen.Comment("normalization (x − mean) / max(sqrt(variance), 1e-7)"),
		jen.Qual(asmPath, "Normalize").Call(c.Out, c.In,
			c.Model().Dot(n.Mean).Index(jen.Empty(), jen.Empty()), c.Model().Dot(n.Variance).Index(jen.Empty(), jen.Empty()),
			c.Rows, jen.Id(n.InConst))}
}

// Backward is empty: newPlan puts a normalization before every trained layer, where no gradient
// is wanted.
func (n *Normalization) Backward(c Pass) []jen.Code { return nil }

// Gradients is empty: nothing is trained.
func (n *Normalization) Gradients(c Pass) []jen.Code { return nil }

// Adapt sets the mean and variance, and leaves the next layer features of mean 0 and variance 1.
func (n *Normalization) Adapt() []jen.Code {
	return []jen.Code{jen.For(jen.Id("j").Op(":=").Range().Id("mean")).Block(
		jen.Id("m").Dot(n.Mean).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("mean").Index(jen.Id("j"))),
		jen.Id("m").Dot(n.Variance).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("variance").Index(jen.Id("j"))),
		jen.List(jen.Id("mean").Index(jen.Id("j")), jen.Id("variance").Index(jen.Id("j"))).Op("=").List(jen.Lit(0.0), jen.Lit(1.0)),
	)}
}
