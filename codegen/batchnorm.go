package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// BatchNormalization is Keras' BatchNormalization over the last axis: while training, each
// feature is standardised with the batch's mean and variance, then scaled by gamma and shifted by
// beta (both trained), and the moving mean and variance follow the batch's with Keras' momentum;
// evaluating and predicting, the moving statistics standardise. Its statistics need the whole
// batch, so its plan trains on one core (see parallel.go).
type BatchNormalization struct {
	LayerInfo
	spec.BatchNorm
	Gamma, Beta, MovingMean, MovingVariance string // the Model's fields; Gamma or Beta "" when not scaled or not centered
	Tensor                                  string // tensor name prefix: batch_normalization<k>
	XHat, InvStd                            string // the Trainer's buffers for the backward pass
	Channels                                int    // the features normalised: the row's width, or an image's channels
	Pixels                                  int    // the cells of each feature in a row: 1, or an image's height·width
	ChannelsConst                           string // the constant of Channels: InConst, or BatchNorm<k>Channels on an image
}

// newBatchNormalization plans the k-th (from 1) batch normalization, layer index (from 1), of
// width in named inConst; on an image (shape [height, width, channels]; nil for a flat row) it
// normalises each channel over every pixel, as Keras' axis -1.
func newBatchNormalization(k, index int, b spec.BatchNorm, in int, inConst string, shape []int) *BatchNormalization {
	n := &BatchNormalization{LayerInfo: sameWidth(index, "batch_normalization", in, inConst), BatchNorm: b,
		MovingMean: fmt.Sprintf("BatchNorm%dMovingMean", k), MovingVariance: fmt.Sprintf("BatchNorm%dMovingVariance", k),
		Tensor: fmt.Sprintf("batch_normalization%d", k), XHat: fmt.Sprintf("xhat%d", index), InvStd: fmt.Sprintf("invStd%d", index),
		Channels: in, Pixels: 1, ChannelsConst: inConst}
	if shape != nil {
		n.Channels, n.Pixels, n.ChannelsConst = shape[2], shape[0]*shape[1], fmt.Sprintf("BatchNorm%dChannels", k)
	}
	if b.Scale {
		n.Gamma = fmt.Sprintf("BatchNorm%dGamma", k)
	}
	if b.Center {
		n.Beta = fmt.Sprintf("BatchNorm%dBeta", k)
	}
	return n
}

// Info returns the layer's common description.
func (n *BatchNormalization) Info() *LayerInfo { return &n.LayerInfo }

// Params lists gamma and beta (trained, when scaled and centered), then the moving mean and
// variance (not trained), each one per feature, in Keras' order.
func (n *BatchNormalization) Params() []Param {
	one := func(field, name, init string, fixed bool) Param {
		return Param{Field: field, Tensor: n.Tensor + "/" + name, Shape: []string{n.ChannelsConst}, Dims: []int{n.Channels}, Init: init, Fixed: fixed}
	}
	var ps []Param
	if n.Gamma != "" {
		ps = append(ps, one(n.Gamma, "gamma", initOnes, false))
	}
	if n.Beta != "" {
		ps = append(ps, one(n.Beta, "beta", "", false))
	}
	return append(ps, one(n.MovingMean, "moving_mean", "", true), one(n.MovingVariance, "moving_variance", initOnes, true))
}

// Buffers are the standardised inputs and the inverse standard deviations of the last training
// forward pass.
func (n *BatchNormalization) Buffers() []Buffer {
	return []Buffer{
		{Field: n.XHat, Width: n.InConst, Type: "float32", Comment: fmt.Sprintf("layer %d's standardised inputs", n.Index)},
		{Field: n.InvStd, Width: n.ChannelsConst, Rows: 1, Type: "float32", Comment: fmt.Sprintf("layer %d's 1/sqrt(variance + epsilon)", n.Index)},
	}
}

// Declare declares, on an image, the number of channels normalised.
func (n *BatchNormalization) Declare() []jen.Code {
	if n.Pixels == 1 {
		return nil
	}
	return []jen.Code{jen.Const().Id(n.ChannelsConst).Op("=").Lit(n.Channels).Commentf("the channels layer %d normalises, each over %d pixels", n.Index, n.Pixels)}
}

// rows is the expression of the number of rows the kernels see: rows, or rows·pixels on an image
// (each pixel a row of channels).
func (n *BatchNormalization) rows(rows jen.Code) jen.Code {
	if n.Pixels == 1 {
		return rows
	}
	return jen.Parens(jen.Add(rows)).Op("*").Lit(n.Pixels)
}

// Modal reports that a batch normalization computes differently in training.
func (n *BatchNormalization) Modal() bool { return true }

// WholeBatch reports that its training pass needs every row of the batch.
func (n *BatchNormalization) WholeBatch() bool { return true }

// field is the Model's array field, or nil when it has none.
func (n *BatchNormalization) field(model func() *jen.Statement, name string) jen.Code {
	if name == "" {
		return jen.Nil()
	}
	return model().Dot(name).Index(jen.Empty(), jen.Empty())
}

// Forward emits the training pass (batch statistics) or the inference pass (moving statistics).
func (n *BatchNormalization) Forward(c Pass) []jen.Code {
	m := c.Model
	infer := call("BatchNormInfer", c.Out, c.In, n.field(m, n.Gamma), n.field(m, n.Beta),
		n.field(m, n.MovingMean), n.field(m, n.MovingVariance), float32Lit(float32(n.Epsilon)), n.rows(c.Rows), jen.Id(n.ChannelsConst))
	if c.Trainer == nil {
		return []jen.Code{infer}
	}
	train := call("BatchNormTrain", c.Out, rowsFrom(c.Trainer().Dot(n.XHat), c.Lo, c.Rows, n.InConst),
		c.Trainer().Dot(n.InvStd).Index(jen.Empty(), jen.Empty()), c.In, n.field(m, n.Gamma), n.field(m, n.Beta),
		n.field(m, n.MovingMean), n.field(m, n.MovingVariance), float32Lit(float32(n.Momentum)), float32Lit(float32(n.Epsilon)),
		n.rows(c.Rows), jen.Id(n.ChannelsConst))
	return []jen.Code{jen.Comment("batch normalization"), jen.If(c.Training).Block(train).Else().Block(infer)}
}

// Backward emits the input gradient through the batch statistics, and the gradients of gamma and
// beta (over all the batch's rows, which one core holds: see parallel.go).
func (n *BatchNormalization) Backward(c Pass) []jen.Code {
	grad := func(name string) jen.Code {
		if name == "" {
			return jen.Nil()
		}
		return c.Trainer().Dot("grad").Dot(name).Index(jen.Empty(), jen.Empty())
	}
	din := c.DIn
	if din == nil {
		din = jen.Nil()
	}
	return []jen.Code{call("BatchNormBackward", din, grad(n.Gamma), grad(n.Beta), c.DOut,
		rowsFrom(c.Trainer().Dot(n.XHat), c.Lo, c.Rows, n.InConst), c.Trainer().Dot(n.InvStd).Index(jen.Empty(), jen.Empty()),
		n.field(c.Model, n.Gamma), n.rows(c.Rows), jen.Id(n.ChannelsConst))}
}

// Gradients is empty: Backward sets gamma's and beta's gradients.
func (n *BatchNormalization) Gradients(c Pass) []jen.Code { return nil }
