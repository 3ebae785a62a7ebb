package codegen

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// The matrix products of dense and convolution layers go through small generated functions, one
// per product of the plan (dense1Forward, dense1KernelGradient, ...), whose sizes are constants.
// Two files define them (emit_products.go): on amd64 with assembly, each calls the asm kernel as
// the layers did before; on every other GOARCH and under the purego and noasm tags, each is a
// register-blocked, unrolled Go loop over array pointers (purego_loops.go), several times faster
// than asm's generic level, which stays the plain reference the assembly is tested against.

// productKind is what a product computes.
type productKind int

const (
	productForward        productKind = iota // C = A·W (+ bias) (then ReLU): a layer's pre-activations
	productForwardPart                       // inputs lo to hi of that, for the two-core first phase
	productInputGradient                     // C = Δ·Wᵀ: the gradient with respect to the layer's input
	productKernelGradient                    // rows lo to hi of Aᵀ·Δ: the kernel gradient
	productWindowGradient                    // C = Δ·Wᵀ from Wᵀ: a convolution's windows' gradient
)

// productSuffix names each kind's function after the layer's prefix.
var productSuffix = [...]string{
	productForward:        "Forward",
	productForwardPart:    "ForwardPart",
	productInputGradient:  "InputGradient",
	productKernelGradient: "KernelGradient",
	productWindowGradient: "WindowGradient",
}

// matProduct is one generated product function. W, the layer's kernel, is In×Out row-major.
type matProduct struct {
	kind         productKind
	prefix       string // the layer's function prefix: dense1, conv2
	inC, outC    string // the constants of In and Out
	in, out      int    // their values
	bias, relu   bool   // productForward: a bias added; ReLU fused into the output
	layer, shape string // for doc comments: "layer 3 (dense)", and "dense" or "convolution"
}

// name is the product function's name.
func (q matProduct) name() string { return q.prefix + productSuffix[q.kind] }

// productPrefix is the stem of the product functions of the layer whose kernel is the Model field
// kernel: Dense1Kernel gives dense1, Conv2Kernel conv2.
func productPrefix(kernel string) string {
	stem := strings.TrimSuffix(kernel, "Kernel")
	r, size := utf8.DecodeRuneInString(stem)
	return string(unicode.ToLower(r)) + stem[size:]
}

// productCall is the call of the product function of kind for the layer with the kernel field
// kernel, with the arguments of that kind (see the functions' doc comments in emit_products.go).
func productCall(kind productKind, kernel string, args ...jen.Code) jen.Code {
	return jen.Id(productPrefix(kernel) + productSuffix[kind]).Call(args...)
}

// planProducts lists the products the plan's layers call, in layer order: every dense layer and
// convolution has its forward product and its kernel gradient; a dense layer after the first
// trained layer its input gradient, a convolution there its windows' gradient (by the kernel
// transposed); the first trained layer its forward part when a two-core step shares its inputs.
func planProducts(p *Plan) []matProduct {
	var ps []matProduct
	body := p.Body()
	for _, l := range p.Layers {
		switch l := l.(type) {
		case *Dense:
			base := matProduct{prefix: productPrefix(l.Kernel), inC: l.InConst, outC: l.OutConst, in: l.In, out: l.Out,
				layer: layerName(l.Index, "dense"), shape: "dense"}
			fwd := base
			fwd.kind, fwd.bias, fwd.relu = productForward, l.UseBias, l.UseBias && l.Activation == "relu"
			ps = append(ps, fwd)
			if Layer(l) == body[0] && p.sharesInputs() {
				part := base
				part.kind = productForwardPart
				ps = append(ps, part)
			}
			if Layer(l) != body[0] {
				ig := base
				ig.kind = productInputGradient
				ps = append(ps, ig)
			}
			kg := base
			kg.kind = productKernelGradient
			ps = append(ps, kg)
		case *Conv2D:
			g := l.Geom
			base := matProduct{prefix: productPrefix(l.Kernel), inC: l.name("Patch"), outC: l.name("Filters"),
				in: g.KH * g.KW * g.C, out: l.Filters, layer: layerName(l.Index, "conv2d"), shape: "convolution"}
			fwd := base
			fwd.kind, fwd.bias, fwd.relu = productForward, l.UseBias, l.UseBias && l.Activation == "relu"
			kg := base
			kg.kind = productKernelGradient
			ps = append(ps, fwd, kg)
			if l.KernelT != "" {
				// The windows' gradient multiplies by the transposed kernel, Filters×Patch: a
				// forward product with In and Out exchanged.
				wg := base
				wg.kind, wg.inC, wg.outC, wg.in, wg.out = productWindowGradient, base.outC, base.inC, base.out, base.in
				ps = append(ps, wg)
			}
		}
	}
	return ps
}

// layerName is "layer <index> (<kind>)", for doc comments.
func layerName(index int, kind string) string {
	return "layer " + lit(index) + " (" + kind + ")"
}
