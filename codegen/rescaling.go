package codegen

import (
	"strconv"

	"github.com/dave/jennifer/jen"
)

// Rescaling is Keras' Rescaling layer: out = in·Scale + Offset, the product rounded to float32
// before the sum, as Keras computes it.
type Rescaling struct {
	Scale, Offset float32
}

// Describe is the layer in a comment.
func (r *Rescaling) Describe() string {
	return "rescaling x·" + ftoa32(r.Scale) + " + " + ftoa32(r.Offset)
}

// Params is empty: the scale and offset are constants of the code.
func (r *Rescaling) Params() []Param { return nil }

// Forward emits asm.Rescale over rows of InputSize values.
func (r *Rescaling) Forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code {
	return []jen.Code{jen.Qual(asmPath, "Rescale").Call(out, in, float32Lit(r.Scale), float32Lit(r.Offset))}
}

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
