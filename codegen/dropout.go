package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// Dropout is Keras' Dropout layer: while training, each input is set to 0 with probability Rate
// and the others are scaled by 1/(1 − Rate); evaluating and predicting, it passes its input on.
// The masks are drawn from the Trainer's seed, the step and the row (asm.Dropout), so that a seed
// gives the same training on one core or two.
type Dropout struct {
	LayerInfo
	Rate float32
	Mask string // the Trainer's field holding the last training step's mask
}

// newDropout plans layer index (from 1), of width in named inConst.
func newDropout(index int, rate float64, in int, inConst string) *Dropout {
	return &Dropout{LayerInfo: sameWidth(index, "dropout", in, inConst), Rate: float32(rate), Mask: fmt.Sprintf("mask%d", index)}
}

// Info returns the layer's common description.
func (d *Dropout) Info() *LayerInfo { return &d.LayerInfo }

// Params is empty.
func (d *Dropout) Params() []Param { return nil }

// Buffers is the mask.
func (d *Dropout) Buffers() []Buffer {
	return []Buffer{{Field: d.Mask, Width: d.InConst, Type: "float32", Comment: fmt.Sprintf("layer %d's dropout mask: 0 or 1/(1 − rate)", d.Index)}}
}

// Modal reports that a dropout computes differently in training.
func (d *Dropout) Modal() bool { return true }

// Random reports that a dropout draws random masks.
func (d *Dropout) Random() bool { return true }

// Forward emits the masked, scaled input in training, and the input itself otherwise.
func (d *Dropout) Forward(c Pass) []jen.Code {
	pass := jen.Copy(c.Out, c.In)
	if c.Trainer == nil {
		return []jen.Code{jen.Comment(fmt.Sprintf("dropout %s: only while training", ftoa32(d.Rate))), pass}
	}
	mask := rowsFrom(c.Trainer().Dot(d.Mask), c.Lo, c.Rows, d.InConst)
	drop := call("Dropout", c.Out, c.In, mask, float32Lit(d.Rate),
		c.Trainer().Dot("key").Op("^").Lit(uint64(d.Index)*0x9e3779b97f4a7c15), c.Lo, c.Rows, jen.Id(d.InConst))
	return []jen.Code{jen.Comment(fmt.Sprintf("dropout %s", ftoa32(d.Rate))),
		jen.If(c.Training).Block(drop).Else().Block(pass)}
}

// Backward emits din = dout ⊙ mask.
func (d *Dropout) Backward(c Pass) []jen.Code {
	if c.DIn == nil {
		return nil
	}
	mask := rowsFrom(c.Trainer().Dot(d.Mask), c.Lo, c.Rows, d.InConst)
	return []jen.Code{call("Mul", c.DIn, c.DOut, mask)}
}

// Gradients is empty: nothing is trained.
func (d *Dropout) Gradients(c Pass) []jen.Code { return nil }

// rowsFrom is the expression base[lo*width : (lo+rows)*width].
func rowsFrom(base *jen.Statement, lo, rows jen.Code, width string) *jen.Statement {
	return base.Index(jen.Add(lo).Op("*").Id(width), jen.Parens(jen.Add(lo).Op("+").Add(rows)).Op("*").Id(width))
}
