package codegen

import (
	"strconv"

	"github.com/dave/jennifer/jen"
)

// Rescaling is Keras' Rescaling layer: out = in·Scale + Offset, the product rounded to float32
// before the sum, as Keras computes it. It keeps its input's width and has no parameters.
type Rescaling struct {
	LayerInfo
	Scale, Offset float32
}

// newRescaling plans layer index (from 1), of width in named inConst.
func newRescaling(index int, scale, offset float64, in int, inConst string) *Rescaling {
	return &Rescaling{LayerInfo: sameWidth(index, "rescaling", in, inConst), Scale: float32(scale), Offset: float32(offset)}
}

// Info returns the layer's common description.
func (r *Rescaling) Info() *LayerInfo { return &r.LayerInfo }

// Params is empty: the scale and offset are constants of the code.
func (r *Rescaling) Params() []Param { return nil }

// Buffers is empty.
func (r *Rescaling) Buffers() []Buffer { return nil }

// Forward emits asm.Rescale over the rows; Out may be In.
func (r *Rescaling) Forward(c Pass) []jen.Code {
	return []jen.Code{jen.Comment("rescaling x·" + ftoa32(r.Scale) + " + " + ftoa32(r.Offset)),
		jen.Qual(asmPath, "Rescale").Call(c.Out, c.In, float32Lit(r.Scale), float32Lit(r.Offset))}
}

// Backward emits din = dout·Scale.
func (r *Rescaling) Backward(c Pass) []jen.Code {
	if c.DIn == nil {
		return nil
	}
	return []jen.Code{jen.Qual(asmPath, "Rescale").Call(c.DIn, c.DOut, float32Lit(r.Scale), float32Lit(0))}
}

// Gradients is empty: nothing is trained.
func (r *Rescaling) Gradients(c Pass) []jen.Code { return nil }

// Adapt maps the statistics through the rescaling: mean·Scale + Offset, variance·Scale².
func (r *Rescaling) Adapt() []jen.Code {
	s, o := jen.Float64().Call(float32Lit(r.Scale)), jen.Float64().Call(float32Lit(r.Offset))
	return []jen.Code{jen.For(jen.Id("j").Op(":=").Range().Id("mean")).Block(
		jen.Id("mean").Index(jen.Id("j")).Op("=").Id("mean").Index(jen.Id("j")).Op("*").Add(s).Op("+").Add(o),
		jen.Id("variance").Index(jen.Id("j")).Op("*=").Add(s.Clone()).Op("*").Add(s.Clone()),
	)}
}

// ftoa32 formats a float32 as briefly as it reads back exactly.
func ftoa32(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) }

// float32Lit is the expression float32(v), v written as briefly as it reads back exactly.
func float32Lit(v float32) *jen.Statement { return jen.Float32().Call(jen.Op(ftoa32(v))) }
