package codegen

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// The build constraints of the two product files: exactly one of them is in any build.
const (
	productsAsmTag  = "amd64 && !purego && !noasm"
	productsGoTag   = "!amd64 || purego || noasm"
	productsAsmFile = "products_amd64.go"
	productsGoFile  = "products_purego.go"
)

// emitProductsAsm writes products_amd64.go: each product function calls the asm kernel, which
// picks its level from the CPU.
func emitProductsAsm(p *Plan) (*jen.File, error) {
	return emitProducts(p, productsAsmTag, asmProductBody)
}

// emitProductsGo writes products_purego.go: each product function is an unrolled Go loop over
// the plan's constant sizes (purego_loops.go), for every GOARCH without the assembly.
func emitProductsGo(p *Plan) (*jen.File, error) {
	return emitProducts(p, productsGoTag, goProductBody)
}

// emitProducts writes a file of the build constraint tag with every product of the plan, body
// giving each one's statements.
func emitProducts(p *Plan, tag string, body func(matProduct) []jen.Code) (*jen.File, error) {
	f := newFile(p, p.Package)
	f.HeaderComment("//go:build " + tag)
	addProducts(f, planProducts(p), body)
	return f, nil
}

// addProducts adds the functions of products ps to f, body giving each one's statements.
func addProducts(f *jen.File, ps []matProduct, body func(matProduct) []jen.Code) {
	for i, q := range ps {
		if i > 0 {
			f.Line()
		}
		for _, line := range productDoc(q) {
			f.Comment(line)
		}
		f.Func().Id(q.name()).Params(productParams(q)...).Block(body(q)...)
	}
}

// productParams is the parameter list of a product function.
func productParams(q matProduct) []jen.Code {
	slices := func(names ...string) jen.Code {
		ids := make([]jen.Code, len(names))
		for i, n := range names {
			ids[i] = jen.Id(n)
		}
		return jen.List(ids...).Index().Float32()
	}
	switch q.kind {
	case productForward:
		if q.bias {
			return []jen.Code{slices("c", "a", "kernel", "bias"), jen.Id("rows").Int()}
		}
		return []jen.Code{slices("c", "a", "kernel"), jen.Id("rows").Int()}
	case productForwardPart:
		return []jen.Code{slices("c", "a", "kernel", "bias"), jen.List(jen.Id("rows"), jen.Id("lo"), jen.Id("hi")).Int()}
	case productInputGradient:
		return []jen.Code{slices("c", "delta", "kernel"), jen.Id("rows").Int()}
	case productWindowGradient:
		return []jen.Code{slices("c", "a", "kernel"), jen.Id("rows").Int()}
	default:
		return []jen.Code{slices("c", "in", "delta"), jen.List(jen.Id("rows"), jen.Id("lo"), jen.Id("hi")).Int()}
	}
}

// productDoc is the doc comment of a product function, the same in both files, in lines of at
// most docWidth characters.
func productDoc(q matProduct) []string {
	var text string
	switch q.kind {
	case productForward:
		expr := "a·kernel"
		switch {
		case q.relu:
			expr = "max(0, a·kernel + bias)"
		case q.bias:
			expr = "a·kernel + bias"
		}
		text = fmt.Sprintf("%s sets c = %s, the %s product of %s, for rows rows: a holds rows×%s, the kernel is %s×%s and c receives rows×%s.",
			q.name(), expr, q.shape, q.layer, q.inC, q.inC, q.outC, q.outC)
	case productForwardPart:
		text = fmt.Sprintf("%s sets c = a[:, lo:hi]·kernel[lo:hi, :] (+ bias unless it is nil) for rows rows: the share of %s's product that inputs lo to hi contribute. a holds rows×%s, the kernel is %s×%s and c receives rows×%s.",
			q.name(), q.layer, q.inC, q.inC, q.outC, q.outC)
	case productWindowGradient:
		text = fmt.Sprintf("%s sets c = a·kernel, where the kernel is %s's transposed, %s×%s, for rows rows: the gradient of its input windows from a, rows×%s, the loss gradient with respect to its output; c receives rows×%s.",
			q.name(), q.layer, q.inC, q.outC, q.inC, q.outC)
	case productInputGradient:
		text = fmt.Sprintf("%s sets c = delta·kernelᵀ, the gradient with respect to %s's input, for rows rows: delta holds rows×%s, the kernel is %s×%s and c receives rows×%s.",
			q.name(), q.layer, q.outC, q.inC, q.outC, q.inC)
	default:
		text = fmt.Sprintf("%s sets rows lo to hi of inᵀ·delta, %s's kernel gradient, summed over rows rows: in holds rows×%s, delta rows×%s, and c receives rows lo to hi, (hi-lo)×%s.",
			q.name(), q.layer, q.inC, q.outC, q.outC)
	}
	return wrapWords(text, docWidth)
}

// docWidth is the widest line of a generated doc comment, after "// ".
const docWidth = 96

// wrapWords breaks text into lines of at most width characters at spaces (a longer word has a
// line of its own).
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}

// asmProductBody calls the asm kernel of the product.
func asmProductBody(q matProduct) []jen.Code {
	id := jen.Id
	switch q.kind {
	case productForward:
		switch {
		case q.relu:
			return []jen.Code{call("MatMulBiasReLU", id("c"), id("a"), id("kernel"), id("bias"), id("rows"), id(q.outC), id(q.inC))}
		case q.bias:
			return []jen.Code{call("MatMulBias", id("c"), id("a"), id("kernel"), id("bias"), id("rows"), id(q.outC), id(q.inC))}
		}
		return []jen.Code{call("MatMul", id("c"), id("a"), id("kernel"), id("rows"), id(q.outC), id(q.inC))}
	case productForwardPart:
		return []jen.Code{call("MatMulPart", id("c"), id("a"), id("kernel"), id("bias"), id("rows"), id(q.outC), id(q.inC), id("lo"), id("hi"))}
	case productWindowGradient:
		return []jen.Code{call("MatMul", id("c"), id("a"), id("kernel"), id("rows"), id(q.outC), id(q.inC))}
	case productInputGradient:
		return []jen.Code{call("MatMulTransB", id("c"), id("delta"), id("kernel"), id("rows"), id(q.inC), id(q.outC))}
	default:
		return []jen.Code{call("MatMulTransARows", id("c"), id("in"), id("delta"), id(q.inC), id(q.outC), id("rows"), id("lo"), id("hi"))}
	}
}

// goProductBody is the product as unrolled Go loops.
func goProductBody(q matProduct) []jen.Code {
	switch q.kind {
	case productForward, productForwardPart, productWindowGradient:
		return gemmLoops(q)
	case productInputGradient:
		return inputGradientLoops(q)
	default:
		return kernelGradientLoops(q)
	}
}
