package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// Pooling is Keras' MaxPooling2D, AveragePooling2D, GlobalMaxPooling2D or GlobalAveragePooling2D
// over channels-last images: each output cell the maximum or the mean of a window of its channel,
// over the image's real cells only (padding 'same' never wins a maximum and is not counted in a
// mean, as TensorFlow). A global pooling's window is the whole image and its output a flat row of
// channels. It has no parameters; its backward pass sends each window's gradient to the window's
// first maximum (max) or spreads it evenly over its real cells (average).
type Pooling struct {
	LayerInfo
	Geom  convGeom
	Max   bool   // max pooling; false for average
	Shape string // the package-level asm.ConvShape variable
}

// newPooling plans the k-th pooling layer (from 1) of type l.Type, layer index (from 1), after a
// layer of image shape in whose row width is named inConst.
func newPooling(k, index int, l spec.Layer, in []int, inConst string) *Pooling {
	var g convGeom
	shape := []int(nil)
	if l.Type == "global_max_pooling2d" || l.Type == "global_average_pooling2d" {
		g = globalGeom(in)
	} else {
		g = newConvGeom(in, l.Conv, l.Conv.PoolSize)
		shape = []int{g.OH, g.OW, g.C}
	}
	return &Pooling{
		LayerInfo: LayerInfo{Index: index, Kind: l.Type, In: g.H * g.W * g.C, Out: g.OH * g.OW * g.C,
			InConst: inConst, OutConst: fmt.Sprintf("Pool%dSize", k), Shape: shape,
			Act: fmt.Sprintf("act%d", index), Delta: fmt.Sprintf("delta%d", index)},
		Geom: g, Max: l.Type == "max_pooling2d" || l.Type == "global_max_pooling2d", Shape: fmt.Sprintf("pool%dShape", k),
	}
}

// Info returns the layer's common description.
func (l *Pooling) Info() *LayerInfo { return &l.LayerInfo }

// Declare declares the layer's output width and its geometry.
func (l *Pooling) Declare() []jen.Code {
	return []jen.Code{
		jen.Commentf("Layer %d (%s): %s.", l.Index, l.Kind, l.Geom.describe()),
		jen.Const().Defs(
			jen.Commentf("%s is the width of layer %d's output.", l.OutConst, l.Index),
			jen.Id(l.OutConst).Op("=").Lit(l.Out),
		),
		jen.Commentf("%s is layer %d's geometry.", l.Shape, l.Index),
		jen.Var().Id(l.Shape).Op("=").Add(l.Geom.literal()),
	}
}

// Params is empty.
func (l *Pooling) Params() []Param { return nil }

// Buffers is empty.
func (l *Pooling) Buffers() []Buffer { return nil }

// Forward emits out = the pooled windows of in.
func (l *Pooling) Forward(c Pass) []jen.Code {
	if l.Max {
		return []jen.Code{call("MaxPool", c.Out, c.In, c.Rows, jen.Op("&").Id(l.Shape))}
	}
	return []jen.Code{call("AveragePool", c.Out, c.In, c.Rows, jen.Op("&").Id(l.Shape))}
}

// Backward emits din = the windows' gradients sent back to the cells they pooled.
func (l *Pooling) Backward(c Pass) []jen.Code {
	if c.DIn == nil {
		return nil
	}
	if l.Max {
		return []jen.Code{call("MaxPoolBackward", c.DIn, c.DOut, c.In, c.Out, c.Rows, jen.Op("&").Id(l.Shape))}
	}
	return []jen.Code{call("AveragePoolBackward", c.DIn, c.DOut, c.Rows, jen.Op("&").Id(l.Shape))}
}

// Gradients is empty: nothing is trained.
func (l *Pooling) Gradients(c Pass) []jen.Code { return nil }
