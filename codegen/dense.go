package codegen

import (
	"github.com/dave/jennifer/jen"
)

// The code of one dense layer, shared by Predict (one row, stack arrays) and the Trainer (n rows,
// its buffers). Each function returns statements; the operands are passed in as expressions so
// that the same layer code serves both.

// forward emits out = act(in·Kernel + Bias) for rows rows. ReLU with a bias is fused into the
// matrix product's output; the other activations run as a pass over out.
// model returns a fresh expression for the Model that holds the parameters.
func (d *Dense) forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code {
	kernel := model().Dot(d.Kernel).Index(jen.Empty(), jen.Empty())
	dims := []jen.Code{rows, jen.Id(d.UnitsConst), jen.Id(d.InConst)}
	var code []jen.Code
	switch {
	case d.UseBias && d.Activation == "relu":
		bias := model().Dot(d.Bias).Index(jen.Empty(), jen.Empty())
		return []jen.Code{jen.Qual(asmPath, "MatMulBiasReLU").Call(append([]jen.Code{out, in, kernel, bias}, dims...)...)}
	case d.UseBias:
		bias := model().Dot(d.Bias).Index(jen.Empty(), jen.Empty())
		code = append(code, jen.Qual(asmPath, "MatMulBias").Call(append([]jen.Code{out, in, kernel, bias}, dims...)...))
	default:
		code = append(code, jen.Qual(asmPath, "MatMul").Call(append([]jen.Code{out, in, kernel}, dims...)...))
	}
	return append(code, d.activate(out, rows)...)
}

// activate emits out = act(out), the activation as a pass over rows of pre-activations; linear
// needs nothing.
func (d *Dense) activate(out, rows jen.Code) []jen.Code {
	switch d.Activation {
	case "relu":
		return []jen.Code{jen.Qual(asmPath, "ReLU").Call(out)}
	case "sigmoid":
		return []jen.Code{jen.Qual(asmPath, "Sigmoid").Call(out)}
	case "tanh":
		return []jen.Code{jen.Qual(asmPath, "Tanh").Call(out)}
	case "softmax":
		return []jen.Code{jen.Qual(asmPath, "Softmax").Call(out, rows, jen.Id(d.UnitsConst))}
	}
	return nil
}

// activationBackward emits delta ⊙= act'(act): from the gradient with respect to this layer's
// output to the gradient with respect to its pre-activations. Linear needs nothing.
func (d *Dense) activationBackward(delta, act, rows jen.Code) []jen.Code {
	switch d.Activation {
	case "relu":
		return []jen.Code{jen.Qual(asmPath, "ReLUBackward").Call(delta, act)}
	case "sigmoid":
		return []jen.Code{jen.Qual(asmPath, "SigmoidBackward").Call(delta, act)}
	case "tanh":
		return []jen.Code{jen.Qual(asmPath, "TanhBackward").Call(delta, act)}
	case "softmax":
		return []jen.Code{jen.Qual(asmPath, "SoftmaxBackward").Call(delta, act, rows, jen.Id(d.UnitsConst))}
	}
	return nil
}

// deltaBackward emits prevDelta = (delta·Kernelᵀ) ⊙ prev's activation derivative: from this
// layer's delta (the loss gradient with respect to its pre-activations, rows×Out) to the previous
// layer's, row by row.
func (d *Dense) deltaBackward(delta, rows jen.Code, prev *Dense, prevDelta, prevAct jen.Code) []jen.Code {
	code := []jen.Code{jen.Qual(asmPath, "MatMulTransB").Call(prevDelta, delta,
		jen.Id("t").Dot("model").Dot(d.Kernel).Index(jen.Empty(), jen.Empty()), rows, jen.Id(d.InConst), jen.Id(d.UnitsConst))}
	return append(code, prev.activationBackward(prevDelta, prevAct, rows)...)
}

// weightGradient emits this part's share of the layer's gradients from its input in (n rows)
// and its delta (n rows): rows lo to hi of the kernel gradient inᵀ·delta, and, in part 0, the bias
// gradient (the column sums of delta).
func (d *Dense) weightGradient(in, delta jen.Code) []jen.Code {
	grad := func(field string) *jen.Statement { return jen.Id("t").Dot("grad").Dot(field) }
	code := []jen.Code{
		jen.List(jen.Id("lo"), jen.Id("hi")).Op(":=").Id("share").Call(jen.Id(d.InConst), jen.Id("part"), jen.Id("parts")),
		jen.Qual(asmPath, "MatMulTransARows").Call(
			grad(d.Kernel).Index(jen.Id("lo").Op("*").Id(d.UnitsConst), jen.Id("hi").Op("*").Id(d.UnitsConst)),
			in, delta, jen.Id(d.InConst), jen.Id(d.UnitsConst), jen.Id("n"), jen.Id("lo"), jen.Id("hi")),
	}
	if d.UseBias {
		code = append(code, jen.If(jen.Id("part").Op("==").Lit(0)).Block(
			jen.Qual(asmPath, "ColSum").Call(grad(d.Bias).Index(jen.Empty(), jen.Empty()), delta, jen.Id("n"), jen.Id(d.UnitsConst))))
	}
	return code
}
