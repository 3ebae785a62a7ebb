package codegen

import (
	"github.com/dave/jennifer/jen"
)

// activationCode is how the generated code computes one activation in place over rows, and
// multiplies a gradient by its derivative.
type activationCode struct {
	// forward is the asm kernel and its arguments after the rows (nil for linear).
	forward func(x, rows jen.Code, width string) jen.Code
	// backward emits d ⊙= act'(…) from the activation's output a or, when fromInput, from its
	// input z; nil for linear.
	backward  func(d, a, z, rows jen.Code, width string) jen.Code
	fromInput bool // the derivative needs the input: a dense layer does not fuse it
}

// call is asm.name(args...).
func call(name string, args ...jen.Code) jen.Code { return jen.Qual(asmPath, name).Call(args...) }

// activationTable is every activation a spec may name, with Keras 3's default parameters
// (leaky_relu's negative_slope 0.2, elu's alpha 1; gelu's approximate=False).
var activationTable = map[string]activationCode{
	"linear": {},
	"relu": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("ReLU", x) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("ReLUBackward", d, a) },
	},
	"sigmoid": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("Sigmoid", x) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("SigmoidBackward", d, a) },
	},
	"tanh": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("Tanh", x) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("TanhBackward", d, a) },
	},
	"softmax": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("Softmax", x, rows, jen.Id(w)) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("SoftmaxBackward", d, a, rows, jen.Id(w)) },
	},
	"leaky_relu": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("LeakyReLU", x, jen.Lit(0.2)) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("LeakyReLUBackward", d, a, jen.Lit(0.2)) },
	},
	"elu": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("ELU", x, jen.Lit(1.0)) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("ELUBackward", d, a, jen.Lit(1.0)) },
	},
	"selu": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("SELU", x) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("SELUBackward", d, a) },
	},
	"softplus": {
		forward:  func(x, rows jen.Code, w string) jen.Code { return call("Softplus", x) },
		backward: func(d, a, z, rows jen.Code, w string) jen.Code { return call("SoftplusBackward", d, a) },
	},
	"gelu": {
		forward:   func(x, rows jen.Code, w string) jen.Code { return call("GELU", x) },
		backward:  func(d, a, z, rows jen.Code, w string) jen.Code { return call("GELUBackward", d, z) },
		fromInput: true,
	},
	"silu": {
		forward:   func(x, rows jen.Code, w string) jen.Code { return call("SiLU", x) },
		backward:  func(d, a, z, rows jen.Code, w string) jen.Code { return call("SiLUBackward", d, z) },
		fromInput: true,
	},
}

// Activation is Keras' Activation layer: out = act(in), keeping the width; also what a dense
// layer's activation becomes when its derivative needs the pre-activations (gelu, silu).
type Activation struct {
	LayerInfo
	Name string // the activation, a key of activationTable
}

// newActivation plans layer index (from 1), of width in named inConst.
func newActivation(index int, name string, in int, inConst string) *Activation {
	return &Activation{LayerInfo: sameWidth(index, "activation", in, inConst), Name: name}
}

// Info returns the layer's common description.
func (a *Activation) Info() *LayerInfo { return &a.LayerInfo }

// Params is empty.
func (a *Activation) Params() []Param { return nil }

// Buffers is empty.
func (a *Activation) Buffers() []Buffer { return nil }

// Forward emits out = in, then act(out) in place.
func (a *Activation) Forward(c Pass) []jen.Code {
	code := []jen.Code{jen.Comment(a.Name), jen.Copy(c.Out, c.In)}
	if f := activationTable[a.Name].forward; f != nil {
		code = append(code, f(c.Out, c.Rows, a.OutConst))
	}
	return code
}

// Backward emits din = dout ⊙ act'.
func (a *Activation) Backward(c Pass) []jen.Code {
	if c.DIn == nil {
		return nil
	}
	code := []jen.Code{jen.Copy(c.DIn, c.DOut)}
	if b := activationTable[a.Name].backward; b != nil {
		code = append(code, b(c.DIn, c.Out, c.In, c.Rows, a.OutConst))
	}
	return code
}

// Gradients is empty: nothing is trained.
func (a *Activation) Gradients(c Pass) []jen.Code { return nil }
