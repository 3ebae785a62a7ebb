package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// Conv2D is Keras' Conv2D over channels-last images: out = act(conv(in, Kernel) + Bias), the
// kernel [KH, KW, C, Filters] as Keras stores it. Each row of its input is an H×W×C image, each
// row of its output an OH×OW×Filters one. It runs as im2col (asm.Im2Col: each output pixel's
// window of the input, KH·KW·C values, one row of the Trainer's cols buffer) and the dense
// layer's matrix products over rows·OH·OW rows: the forward pass cols·Kernel, the input gradient
// delta·Kernelᵀ folded back onto the image (asm.Col2Im), the kernel gradient colsᵀ·delta. A 1×1
// kernel with strides 1 and no padding reads its input directly.
type Conv2D struct {
	LayerInfo
	Geom    convGeom
	Filters int
	UseBias bool
	Init    string // the kernel's initializer, as a dense layer's
	Kernel  string // Model field of the kernel
	Bias    string // Model field of the bias; empty when UseBias is false
	Tensor  string // tensor name prefix in weights files: conv2d<k>
	Prefix  string // the prefix of its constants: Conv<k>
	Shape   string // the package-level asm.ConvShape variable
	Cols    string // the Trainer's (and predictors') im2col buffer; "" when the layer reads its input directly
	DCols   string // the Trainer's buffer of the input gradient's windows; "" when no input gradient is needed
	KernelT string // the Trainer's copy of the kernel transposed, Filters×Patch, for the input gradient; "" without one

	KernelPenalty, BiasPenalty spec.Regularizer
}

// convGeom is the geometry of a convolution or pooling window over images, as asm.ConvShape.
type convGeom struct {
	H, W, C         int // input height, width, channels
	KH, KW          int // window
	SH, SW          int // strides
	DH, DW          int // dilations
	PadTop, PadLeft int
	OH, OW          int // output height and width
}

// newConvGeom is the geometry of window c over an image of shape in ([height, width, channels]),
// TensorFlow's padding; global reports a window of the whole image.
func newConvGeom(in []int, c spec.Conv, kernel [2]int) convGeom {
	g := convGeom{H: in[0], W: in[1], C: in[2], KH: kernel[0], KW: kernel[1], SH: c.Strides[0], SW: c.Strides[1],
		DH: max(c.DilationRate[0], 1), DW: max(c.DilationRate[1], 1)}
	same := c.Padding == "same"
	g.OH, g.PadTop = spec.ConvAxis(g.H, g.KH, g.SH, g.DH, same)
	g.OW, g.PadLeft = spec.ConvAxis(g.W, g.KW, g.SW, g.DW, same)
	return g
}

// globalGeom is the window of a global pooling: the whole image, one output pixel.
func globalGeom(in []int) convGeom {
	return convGeom{H: in[0], W: in[1], C: in[2], KH: in[0], KW: in[1], SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1}
}

// valid reports whether every window has at least one output.
func (g convGeom) valid() bool {
	return g.H > 0 && g.W > 0 && g.C > 0 && g.KH > 0 && g.KW > 0 && g.SH > 0 && g.SW > 0 && g.OH > 0 && g.OW > 0
}

// literal is the asm.ConvShape composite literal of g, its fields in their declared order.
func (g convGeom) literal() jen.Code {
	field := func(name string, v int) jen.Code { return jen.Id(name).Op(":").Lit(v) }
	return jen.Qual(asmPath, "ConvShape").Values(
		field("H", g.H), field("W", g.W), field("C", g.C), field("KH", g.KH), field("KW", g.KW),
		field("SH", g.SH), field("SW", g.SW), field("DH", g.DH), field("DW", g.DW),
		field("PadTop", g.PadTop), field("PadLeft", g.PadLeft), field("OH", g.OH), field("OW", g.OW))
}

// describe is g in words, for comments.
func (g convGeom) describe() string {
	s := fmt.Sprintf("%d×%d×%d → %d×%d, window %d×%d, strides %d×%d", g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW)
	if g.DH > 1 || g.DW > 1 {
		s += fmt.Sprintf(", dilation %d×%d", g.DH, g.DW)
	}
	if g.PadTop > 0 || g.PadLeft > 0 || (g.OH-1)*g.SH+(g.KH-1)*g.DH+1 > g.H || (g.OW-1)*g.SW+(g.KW-1)*g.DW+1 > g.W {
		s += fmt.Sprintf(", padded (top %d, left %d)", g.PadTop, g.PadLeft)
	}
	return s
}

// newConv2D plans the k-th conv2d layer (from 1), layer index (from 1) of the network, with the
// fused activation act, after a layer of image shape in whose row width is named inConst.
func newConv2D(k, index int, l spec.Layer, act string, in []int, inConst string) *Conv2D {
	g := newConvGeom(in, l.Conv, l.Conv.KernelSize)
	prefix := fmt.Sprintf("Conv%d", k)
	c := &Conv2D{
		LayerInfo: LayerInfo{
			Index: index, Kind: "conv2d", In: g.H * g.W * g.C, Out: g.OH * g.OW * l.Conv.Filters, InConst: inConst,
			OutConst: prefix + "Size", Activation: act,
			Act: fmt.Sprintf("act%d", index), Delta: fmt.Sprintf("delta%d", index),
			Shape: []int{g.OH, g.OW, l.Conv.Filters},
		},
		Geom: g, Filters: l.Conv.Filters, UseBias: l.UseBias, Init: l.KernelInitializer,
		KernelPenalty: l.KernelRegularizer, BiasPenalty: l.BiasRegularizer,
		Kernel: prefix + "Kernel", Tensor: fmt.Sprintf("conv2d%d", k), Prefix: prefix,
		Shape: fmt.Sprintf("conv%dShape", k),
	}
	if l.UseBias {
		c.Bias = prefix + "Bias"
	}
	if !c.direct() {
		c.Cols = fmt.Sprintf("cols%d", index)
	}
	return c
}

// direct reports whether the layer's im2col would be its input itself: a 1×1 kernel, strides 1,
// no padding.
func (c *Conv2D) direct() bool {
	g := c.Geom
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.OH == g.H && g.OW == g.W
}

// Info returns the layer's common description.
func (c *Conv2D) Info() *LayerInfo { return &c.LayerInfo }

// name is the layer's constant called what: Conv1Patch.
func (c *Conv2D) name(what string) string { return c.Prefix + what }

// Declare declares the layer's sizes and its geometry.
func (c *Conv2D) Declare() []jen.Code {
	g := c.Geom
	return []jen.Code{
		jen.Commentf("Layer %d (conv2d, %s): %s.", c.Index, c.Activation, g.describe()),
		jen.Const().Defs(
			jen.Commentf("%s is the number of layer %d's filters, its output channels.", c.name("Filters"), c.Index),
			jen.Id(c.name("Filters")).Op("=").Lit(c.Filters),
			jen.Commentf("%s is the number of pixels of layer %d's output image (%d×%d).", c.name("Pixels"), c.Index, g.OH, g.OW),
			jen.Id(c.name("Pixels")).Op("=").Lit(g.OH*g.OW),
			jen.Commentf("%s is the size of one window of layer %d's input, KH·KW·C: the kernel's rows.", c.name("Patch"), c.Index),
			jen.Id(c.name("Patch")).Op("=").Lit(g.KH*g.KW*g.C),
			jen.Commentf("%s is the kernel's fan-out as Keras counts it, KH·KW·Filters.", c.name("FanOut")),
			jen.Id(c.name("FanOut")).Op("=").Lit(g.KH*g.KW*c.Filters),
			jen.Commentf("%s is the width of layer %d's output, OH·OW·Filters.", c.OutConst, c.Index),
			jen.Id(c.OutConst).Op("=").Id(c.name("Pixels")).Op("*").Id(c.name("Filters")),
			jen.Commentf("%s is the width of a row of layer %d's im2col buffer: one window per output pixel.", c.name("Cols"), c.Index),
			jen.Id(c.name("Cols")).Op("=").Id(c.name("Pixels")).Op("*").Id(c.name("Patch")),
			jen.Commentf("%s is the number of rows whose input gradient layer %d computes at once.", c.name("Chunk"), c.Index),
			jen.Id(c.name("Chunk")).Op("=").Lit(c.chunk()),
		),
		jen.Commentf("%s is layer %d's geometry.", c.Shape, c.Index),
		jen.Var().Id(c.Shape).Op("=").Add(g.literal()),
	}
}

// Params lists the kernel [KH, KW, C, Filters], then the bias when the layer has one. The
// kernel's rows (KH·KW·C of them, Filters wide) are shared between cores as a dense kernel's.
func (c *Conv2D) Params() []Param {
	g := c.Geom
	ps := []Param{{
		Field: c.Kernel, Tensor: c.Tensor + "/kernel",
		Shape: []string{lit(g.KH), lit(g.KW), lit(g.C), c.name("Filters")}, Dims: []int{g.KH, g.KW, g.C, c.Filters},
		Init: initializerFunc[c.Init], FanIn: c.name("Patch"), FanOut: c.name("FanOut"),
		ShareRow: c.name("Patch"), ShareWidth: c.name("Filters"),
	}}
	if c.UseBias {
		ps = append(ps, Param{Field: c.Bias, Tensor: c.Tensor + "/bias", Shape: []string{c.name("Filters")}, Dims: []int{c.Filters}})
	}
	return ps
}

// lit is n as a Go literal, a shape dimension without a constant of its own.
func lit(n int) string { return fmt.Sprint(n) }

// Buffers are the im2col buffer, kept from the forward pass for the kernel gradient, and the
// windows of the input gradient.
func (c *Conv2D) Buffers() []Buffer {
	var bs []Buffer
	if c.Cols != "" {
		bs = append(bs, Buffer{Field: c.Cols, Width: c.name("Cols"), Elems: c.Geom.OH * c.Geom.OW * c.Geom.KH * c.Geom.KW * c.Geom.C, Type: "float32", Comment: fmt.Sprintf("layer %d's input windows (im2col)", c.Index)})
	}
	if c.KernelT != "" {
		bs = append(bs, Buffer{Field: c.KernelT, Width: c.name("Patch"), Elems: c.Geom.KH * c.Geom.KW * c.Geom.C, Rows: c.Filters,
			Type: "float32", Comment: fmt.Sprintf("layer %d's kernel transposed, for the input gradient", c.Index)})
	}
	if c.DCols != "" {
		bs = append(bs, Buffer{Field: c.DCols, Width: c.name("Cols"), Elems: c.Geom.OH * c.Geom.OW * c.Geom.KH * c.Geom.KW * c.Geom.C, Rows: 2 * c.chunk(),
			Type: "float32", Comment: fmt.Sprintf("the gradient with respect to layer %d's input windows: %d rows for each of two cores", c.Index, c.chunk())})
	}
	return bs
}

// Scratch is the im2col buffer, which predicting needs as well.
func (c *Conv2D) Scratch() []Buffer {
	if c.Cols == "" {
		return nil
	}
	return c.Buffers()[:1]
}

// needInputGradient records that a layer before this one needs the gradient of its input.
func (c *Conv2D) needInputGradient() {
	c.KernelT = fmt.Sprintf("kernelT%d", c.Index)
	if !c.direct() {
		c.DCols = fmt.Sprintf("dcols%d", c.Index)
	}
}

// Prepare transposes the kernel, once per training step: the input gradient multiplies each
// chunk of rows by it, and the products are fastest with the kernel's rows in order.
func (c *Conv2D) Prepare(p Pass) []jen.Code {
	if c.KernelT == "" {
		return nil
	}
	return []jen.Code{call("Transpose", p.Trainer().Dot(c.KernelT).Index(jen.Empty(), jen.Empty()),
		p.Model().Dot(c.Kernel).Index(jen.Empty(), jen.Empty()), jen.Id(c.name("Patch")), jen.Id(c.name("Filters")))}
}

// windows is the expression of the im2col rows of c's rows: the input itself for a direct layer.
func (c *Conv2D) windows(p Pass) jen.Code {
	if c.Cols == "" {
		return p.In
	}
	return rowsFrom(p.Scratch(c.Cols), p.Lo, p.Rows, c.name("Cols"))
}

// pixels is the expression rows·Pixels: the number of rows of the products.
func (c *Conv2D) pixels(rows jen.Code) *jen.Statement {
	return jen.Parens(jen.Add(rows)).Op("*").Id(c.name("Pixels"))
}

// Forward emits the windows of the input (im2col) and out = act(cols·Kernel + Bias).
func (c *Conv2D) Forward(p Pass) []jen.Code {
	var code []jen.Code
	cols := c.windows(p)
	if c.Cols != "" {
		code = append(code, call("Im2Col", cols, p.In, p.Rows, jen.Op("&").Id(c.Shape)))
	}
	d := &Dense{LayerInfo: LayerInfo{Activation: c.Activation, OutConst: c.name("Filters"), InConst: c.name("Patch")},
		UseBias: c.UseBias, Kernel: c.Kernel, Bias: c.Bias}
	return append(code, d.forward(p.Out, cols, c.pixels(p.Rows), p.Model)...)
}

// Backward emits delta ⊙= act'(out) (unless fused with the loss), then, when the input gradient
// is wanted, the windows' gradient delta·Kernelᵀ (the transposed kernel Prepare made) folded back
// onto the input image.
func (c *Conv2D) Backward(p Pass) []jen.Code {
	var code []jen.Code
	if b := activationTable[c.Activation].backward; b != nil && !p.Fused {
		code = append(code, b(p.DOut, p.Out, nil, c.pixels(p.Rows), c.name("Filters")))
	}
	if p.DIn == nil {
		return code
	}
	kernelT := p.Trainer().Dot(c.KernelT).Index(jen.Empty(), jen.Empty())
	if c.DCols == "" { // direct: the windows are the input
		return append(code, productCall(productWindowGradient, c.Kernel, p.DIn, p.DOut, kernelT, c.pixels(p.Rows)))
	}
	// A chunk of rows at a time, so that the windows' gradients are folded back while in cache and
	// the buffer holds two chunks, not a batch: the part whose rows start at 0 uses the first, the
	// other (rows from the middle of the batch) the second.
	chunk, r, k := jen.Id(c.name("Chunk")), jen.Id("r"), jen.Id("k")
	rowsOf := func(base jen.Code, width string) jen.Code {
		return jen.Add(base).Index(r.Clone().Op("*").Id(width), jen.Parens(r.Clone().Op("+").Add(k)).Op("*").Id(width))
	}
	slot := jen.Min(p.Lo, jen.Lit(1)).Op("*").Add(chunk)
	dcols := p.Trainer().Dot(c.DCols).Index(jen.Add(slot).Op("*").Id(c.name("Cols")), jen.Parens(jen.Add(slot.Clone()).Op("+").Add(k)).Op("*").Id(c.name("Cols")))
	return append(code, jen.Block(
		jen.List(jen.Id("din"), jen.Id("dout")).Op(":=").List(p.DIn, p.DOut),
		jen.For(r.Clone().Op(":=").Lit(0), r.Clone().Op("<").Add(p.Rows), r.Clone().Op("+=").Add(chunk)).Block(
			k.Clone().Op(":=").Min(chunk, jen.Add(p.Rows).Op("-").Add(r)),
			jen.Id("dcols").Op(":=").Add(dcols),
			productCall(productWindowGradient, c.Kernel, jen.Id("dcols"), rowsOf(jen.Id("dout"), c.OutConst), kernelT, c.pixels(k)),
			call("Col2Im", rowsOf(jen.Id("din"), c.InConst), jen.Id("dcols"), k, jen.Op("&").Id(c.Shape)),
		)))
}

// chunkBytes is the most memory a convolution's backward pass folds back at once: the gradients
// of a chunk of rows' windows, which stay in a core's L2 cache between the product that writes
// them and the folding that reads them.
const chunkBytes = 256 << 10

// chunk is the number of rows a backward pass folds back at once (at least 1).
func (c *Conv2D) chunk() int {
	return max(1, chunkBytes/(4*c.Geom.OH*c.Geom.OW*c.Geom.KH*c.Geom.KW*c.Geom.C))
}

// Gradients emits rows lo to hi of the kernel gradient colsᵀ·delta over all n rows' pixels and,
// in part 0, the bias gradient (the sums of delta over every pixel of every row).
func (c *Conv2D) Gradients(p Pass) []jen.Code {
	cols := p.In
	if c.Cols != "" {
		cols = firstRows(p.Trainer().Dot(c.Cols), c.name("Cols"))
	}
	d := &Dense{LayerInfo: LayerInfo{InConst: c.name("Patch"), OutConst: c.name("Filters")},
		UseBias: c.UseBias, Kernel: c.Kernel, Bias: c.Bias, KernelPenalty: c.KernelPenalty, BiasPenalty: c.BiasPenalty}
	return d.weightGradientOver(cols, p.DOut, c.pixels(jen.Id("n")))
}

// Regularized reports whether a regularizer adds to the loss.
func (c *Conv2D) Regularized() bool { return !c.KernelPenalty.Zero() || !c.BiasPenalty.Zero() }

// Penalty emits penalty += the layer's regularization penalty, for an evaluation's loss.
func (c *Conv2D) Penalty(p Pass) []jen.Code {
	d := &Dense{Kernel: c.Kernel, Bias: c.Bias, KernelPenalty: c.KernelPenalty, BiasPenalty: c.BiasPenalty}
	return d.Penalty(p)
}

// ForwardMACs is the multiply-adds of one row's forward pass.
func (c *Conv2D) ForwardMACs() int {
	g := c.Geom
	return g.OH * g.OW * g.KH * g.KW * g.C * c.Filters
}
