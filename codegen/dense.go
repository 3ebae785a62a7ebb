package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// Dense is a dense layer: out = act(in·Kernel + Bias), Kernel In×Out row-major as Keras stores
// it. Its activation is fused into it where the derivative can be written from the output (relu,
// sigmoid, tanh, softmax); newPlan gives any other activation a layer of its own.
type Dense struct {
	LayerInfo
	UseBias bool
	Init    string // the kernel's initializer: glorot_uniform, glorot_normal, he_uniform, he_normal
	Kernel  string // Model field of the kernel
	Bias    string // Model field of the bias; empty when UseBias is false
	Tensor  string // tensor name prefix in weights files: dense<i>

	KernelPenalty, BiasPenalty spec.Regularizer // added to the loss once per batch; zero for none
}

// newDense plans the i-th dense layer (from 0), layer index (from 1) of the network, of width
// units after a layer of width in named inConst, with the fused activation act.
func newDense(i, index int, l spec.Layer, act string, in int, inConst string) *Dense {
	d := &Dense{
		LayerInfo: LayerInfo{
			Index: index, Kind: "dense", In: in, Out: l.Units, InConst: inConst,
			OutConst:   fmt.Sprintf("Dense%dUnits", i+1),
			Activation: act,
			Act:        fmt.Sprintf("act%d", index),
			Delta:      fmt.Sprintf("delta%d", index),
		},
		UseBias: l.UseBias, Init: l.KernelInitializer,
		KernelPenalty: l.KernelRegularizer, BiasPenalty: l.BiasRegularizer,
		Kernel: fmt.Sprintf("Dense%dKernel", i+1),
		Tensor: fmt.Sprintf("dense%d", i+1),
	}
	if l.UseBias {
		d.Bias = fmt.Sprintf("Dense%dBias", i+1)
	}
	return d
}

// Info returns the layer's common description.
func (d *Dense) Info() *LayerInfo { return &d.LayerInfo }

// Params lists the kernel, then the bias when the layer has one.
func (d *Dense) Params() []Param {
	ps := []Param{{
		Field: d.Kernel, Tensor: d.Tensor + "/kernel",
		Shape: []string{d.InConst, d.OutConst}, Dims: []int{d.In, d.Out},
		Init: initializerFunc[d.Init], FanIn: d.InConst, FanOut: d.OutConst,
		ShareRow: d.InConst,
	}}
	if d.UseBias {
		ps = append(ps, Param{Field: d.Bias, Tensor: d.Tensor + "/bias", Shape: []string{d.OutConst}, Dims: []int{d.Out}})
	}
	return ps
}

// Buffers is empty: a dense layer needs only its output and its gradient.
func (d *Dense) Buffers() []Buffer { return nil }

// Forward emits out = act(in·Kernel + Bias) for rows rows. ReLU with a bias is fused into the
// matrix product's output; the other activations run as a pass over out.
func (d *Dense) Forward(c Pass) []jen.Code {
	return d.forward(c.Out, c.In, c.Rows, c.Model)
}

// forward is Forward on its operands.
func (d *Dense) forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code {
	kernel := model().Dot(d.Kernel).Index(jen.Empty(), jen.Empty())
	if !d.UseBias {
		return append([]jen.Code{productCall(productForward, d.Kernel, out, in, kernel, rows)}, d.Activate(out, rows)...)
	}
	code := []jen.Code{productCall(productForward, d.Kernel, out, in, kernel, model().Dot(d.Bias).Index(jen.Empty(), jen.Empty()), rows)}
	if d.Activation == "relu" {
		return code // fused into the product
	}
	return append(code, d.Activate(out, rows)...)
}

// ForwardPart emits the product of inputs lo to hi of n rows with kernel rows lo to hi.
func (d *Dense) ForwardPart(out, in jen.Code, withBias bool) []jen.Code {
	bias := jen.Nil()
	if withBias && d.UseBias {
		bias = jen.Id("t").Dot("model").Dot(d.Bias).Index(jen.Empty(), jen.Empty())
	}
	return []jen.Code{productCall(productForwardPart, d.Kernel, out, in,
		jen.Id("t").Dot("model").Dot(d.Kernel).Index(jen.Empty(), jen.Empty()), bias, jen.Id("n"), jen.Id("lo"), jen.Id("hi"))}
}

// Activate emits out = act(out), the activation as a pass over rows of pre-activations; linear
// needs nothing.
func (d *Dense) Activate(out, rows jen.Code) []jen.Code {
	if f := activationTable[d.Activation].forward; f != nil {
		return []jen.Code{f(out, rows, d.OutConst)}
	}
	return nil
}

// ActivationBackward emits delta ⊙= act'(act), the derivative written in terms of the output
// act so that the pre-activations need not be kept (newPlan fuses only such activations). Linear
// needs nothing.
func (d *Dense) ActivationBackward(delta, act, rows jen.Code) []jen.Code {
	if b := activationTable[d.Activation].backward; b != nil {
		return []jen.Code{b(delta, act, nil, rows, d.OutConst)}
	}
	return nil
}

// Backward emits delta ⊙= act'(out), unless the loss's gradient is already with respect to the
// pre-activations, then din = delta·Kernelᵀ when din is wanted.
func (d *Dense) Backward(c Pass) []jen.Code {
	var code []jen.Code
	if !c.Fused {
		code = d.ActivationBackward(c.DOut, c.Out, c.Rows)
	}
	if c.DIn != nil {
		code = append(code, productCall(productInputGradient, d.Kernel, c.DIn, c.DOut,
			c.Model().Dot(d.Kernel).Index(jen.Empty(), jen.Empty()), c.Rows))
	}
	return code
}

// Gradients emits rows lo to hi of the kernel gradient inᵀ·delta, and, in part 0, the bias
// gradient (the column sums of delta).
func (d *Dense) Gradients(c Pass) []jen.Code {
	return d.weightGradient(c.In, c.DOut)
}

// weightGradient is Gradients on its operands.
func (d *Dense) weightGradient(in, delta jen.Code) []jen.Code {
	return d.weightGradientOver(in, delta, jen.Id("n"))
}

// weightGradientOver is Gradients over rows rows of in and delta (a convolution's: every pixel
// of every row).
func (d *Dense) weightGradientOver(in, delta, rows jen.Code) []jen.Code {
	grad := func(field string) *jen.Statement { return jen.Id("t").Dot("grad").Dot(field) }
	code := []jen.Code{
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("share").Call(jen.Id(d.InConst), jen.Id("part"), jen.Id("parts")),
		productCall(productKernelGradient, d.Kernel,
			grad(d.Kernel).Index(jen.Id("lo").Op("*").Id(d.OutConst), jen.Id("hi").Op("*").Id(d.OutConst)),
			in, delta, rows, jen.Id("lo"), jen.Id("hi")),
	}
	if g := d.KernelPenalty; !g.Zero() {
		rows := func(base *jen.Statement) jen.Code {
			return base.Index(jen.Id("lo").Op("*").Id(d.OutConst), jen.Id("hi").Op("*").Id(d.OutConst))
		}
		code = append(code, jen.Id("penalty").Op("+=").Qual(asmPath, "L1L2").Call(rows(grad(d.Kernel)),
			rows(jen.Id("t").Dot("model").Dot(d.Kernel)), float32Lit(float32(g.L1)), float32Lit(float32(g.L2))))
	}
	if d.UseBias {
		bias := []jen.Code{jen.Qual(asmPath, "ColSum").Call(grad(d.Bias).Index(jen.Empty(), jen.Empty()), delta, rows, jen.Id(d.OutConst))}
		if g := d.BiasPenalty; !g.Zero() {
			bias = append(bias, jen.Id("penalty").Op("+=").Qual(asmPath, "L1L2").Call(grad(d.Bias).Index(jen.Empty(), jen.Empty()),
				jen.Id("t").Dot("model").Dot(d.Bias).Index(jen.Empty(), jen.Empty()), float32Lit(float32(g.L1)), float32Lit(float32(g.L2))))
		}
		code = append(code, jen.If(jen.Id("part").Op("==").Lit(0)).Block(bias...))
	}
	return code
}

// Regularized reports whether a regularizer adds to the loss.
func (d *Dense) Regularized() bool { return !d.KernelPenalty.Zero() || !d.BiasPenalty.Zero() }

// Penalty emits penalty += the layer's regularization penalty, for an evaluation's loss.
func (d *Dense) Penalty(c Pass) []jen.Code {
	var code []jen.Code
	for _, x := range []struct {
		field string
		g     spec.Regularizer
	}{{d.Kernel, d.KernelPenalty}, {d.Bias, d.BiasPenalty}} {
		if !x.g.Zero() && x.field != "" {
			code = append(code, jen.Id("penalty").Op("+=").Qual(asmPath, "Penalty").Call(
				c.Model().Dot(x.field).Index(jen.Empty(), jen.Empty()), float32Lit(float32(x.g.L1)), float32Lit(float32(x.g.L2))))
		}
	}
	return code
}
