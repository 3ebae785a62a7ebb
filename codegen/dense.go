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
	switch d.Activation {
	case "relu":
		code = append(code, jen.Qual(asmPath, "ReLU").Call(out))
	case "sigmoid":
		code = append(code, jen.Qual(asmPath, "Sigmoid").Call(out))
	case "tanh":
		code = append(code, jen.Qual(asmPath, "Tanh").Call(out))
	case "softmax":
		code = append(code, jen.Qual(asmPath, "Softmax").Call(out, rows, jen.Id(d.UnitsConst)))
	}
	return code
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

// backward emits the gradients of layer d from its delta (the loss gradient with respect to its
// pre-activations, rows×Out) into the Model named by grad: the kernel gradient inᵀ·delta, the bias
// gradient (column sums), and, when prev is not nil, the previous layer's delta:
// (delta·Kernelᵀ) ⊙ prev's activation derivative.
func (d *Dense) backward(grad *jen.Statement, in, delta, rows jen.Code, prev *Dense, prevDelta, prevAct jen.Code) []jen.Code {
	code := []jen.Code{
		jen.Qual(asmPath, "MatMulTransA").Call(grad.Clone().Dot(d.Kernel).Index(jen.Empty(), jen.Empty()), in, delta,
			jen.Id(d.InConst), jen.Id(d.UnitsConst), rows),
	}
	if d.UseBias {
		code = append(code, jen.Qual(asmPath, "ColSum").Call(grad.Clone().Dot(d.Bias).Index(jen.Empty(), jen.Empty()), delta, rows, jen.Id(d.UnitsConst)))
	}
	if prev != nil {
		code = append(code, jen.Qual(asmPath, "MatMulTransB").Call(prevDelta, delta,
			jen.Id("t").Dot("model").Dot(d.Kernel).Index(jen.Empty(), jen.Empty()), rows, jen.Id(d.InConst), jen.Id(d.UnitsConst)))
		code = append(code, prev.activationBackward(prevDelta, prevAct, rows)...)
	}
	return code
}
