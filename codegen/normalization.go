package codegen

import (
	"github.com/dave/jennifer/jen"
)

// Normalization is Keras' Normalization layer over the last axis: out = (in − mean) /
// max(sqrt(variance), 1e-7) per feature, with mean and variance adapted to the training rows
// before training (they start as 0 and 1, as Keras' do before adapt) and stored with the weights.
type Normalization struct {
	Mean, Variance string // the Model's fields
	Tensor         string // the tensor name prefix in weights files: normalization
	Size           int    // the features normalized: InputSize
}

// newNormalization plans the normalization layer.
func newNormalization(inputSize int) *Normalization {
	return &Normalization{Mean: "NormalizationMean", Variance: "NormalizationVariance", Tensor: "normalization", Size: inputSize}
}

// Describe is the layer in a comment.
func (n *Normalization) Describe() string {
	return "normalization (x − mean) / max(sqrt(variance), 1e-7)"
}

// Params lists the mean and the variance, InputSize each, not trained.
func (n *Normalization) Params() []Param {
	stat := func(field, name, init string) Param {
		return Param{Field: field, Tensor: n.Tensor + "/" + name, Shape: []string{"InputSize"}, Dims: []int{n.Size}, Init: init, Fixed: true}
	}
	return []Param{stat(n.Mean, "mean", ""), stat(n.Variance, "variance", initOnes)}
}

// Forward emits asm.Normalize over rows of InputSize values.
func (n *Normalization) Forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code {
	return []jen.Code{jen.Qual(asmPath, "Normalize").Call(out, in,
		model().Dot(n.Mean).Index(jen.Empty(), jen.Empty()), model().Dot(n.Variance).Index(jen.Empty(), jen.Empty()),
		rows, jen.Id("InputSize"))}
}

// Adapt sets the mean and variance, and leaves the next layer features of mean 0 and variance 1.
func (n *Normalization) Adapt() []jen.Code {
	return []jen.Code{jen.For(jen.Id("j").Op(":=").Range().Id("mean")).Block(
		jen.Id("m").Dot(n.Mean).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("mean").Index(jen.Id("j"))),
		jen.Id("m").Dot(n.Variance).Index(jen.Id("j")).Op("=").Float32().Call(jen.Id("variance").Index(jen.Id("j"))),
		jen.List(jen.Id("mean").Index(jen.Id("j")), jen.Id("variance").Index(jen.Id("j"))).Op("=").List(jen.Lit(0.0), jen.Lit(1.0)),
	)}
}
