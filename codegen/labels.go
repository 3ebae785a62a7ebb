package codegen

import (
	"github.com/dave/jennifer/jen"
)

// LabelNormalization standardises a regression network's labels while it trains (the spec's
// data.normalize_label): the network learns (y − mean) / max(sqrt(variance), 1e-7), with the
// training rows' mean and variance, and every output, loss and metric is turned back into the
// labels' own units, as Keras' Normalization and Normalization(invert=True) around the labels
// would. The statistics are fixed arrays of the Model, stored in weights files.
type LabelNormalization struct {
	Mean, Variance string // the Model's fields
	Size           int    // OutputSize
}

// newLabelNormalization plans the standardisation of outputs labels.
func newLabelNormalization(outputs int) *LabelNormalization {
	return &LabelNormalization{Mean: "LabelMean", Variance: "LabelVariance", Size: outputs}
}

// Params lists the labels' mean and variance, OutputSize each, not trained.
func (l *LabelNormalization) Params() []Param {
	stat := func(field, name, init string) Param {
		return Param{Field: field, Tensor: "label/" + name, Shape: []string{"OutputSize"}, Dims: []int{l.Size}, Init: init, Fixed: true}
	}
	return []Param{stat(l.Mean, "mean", ""), stat(l.Variance, "variance", initOnes)}
}

// stats are the Model's mean and variance arrays as operands.
func (l *LabelNormalization) stats(model func() *jen.Statement) (mean, variance jen.Code) {
	return model().Dot(l.Mean).Index(jen.Empty(), jen.Empty()), model().Dot(l.Variance).Index(jen.Empty(), jen.Empty())
}

// Standardize emits dst = the labels src in the network's units, rows rows.
func (l *LabelNormalization) Standardize(dst, src, rows jen.Code, model func() *jen.Statement) jen.Code {
	mean, variance := l.stats(model)
	return jen.Qual(asmPath, "Normalize").Call(dst, src, mean, variance, rows, jen.Id("OutputSize"))
}

// Restore emits dst = the network's outputs src in the labels' own units, rows rows.
func (l *LabelNormalization) Restore(dst, src, rows jen.Code, model func() *jen.Statement) jen.Code {
	mean, variance := l.stats(model)
	return jen.Qual(asmPath, "Denormalize").Call(dst, src, mean, variance, rows, jen.Id("OutputSize"))
}
