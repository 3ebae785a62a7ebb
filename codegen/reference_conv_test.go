package codegen_test

// The float64 reference of Keras 3's convolutional layers over channels-last images (issue 9),
// written from their definitions (keras/src/layers/convolutional/base_conv.py, keras/src/ops/nn.py
// and TensorFlow's conv and pooling ops), not from codegen's emitters or asm's kernels:
//
//   - conv2d: out[r, oy, ox, f] = act(bias[f] + Σ_{ky,kx,c} in[r, oy·SH − padTop + ky·DH,
//     ox·SW − padLeft + kx·DW, c]·kernel[ky, kx, c, f]), 0 outside the image; the kernel is
//     [KH, KW, C, Filters] as Keras stores it (row-major: element ((ky·KW + kx)·C + c)·F + f);
//   - TensorFlow's geometry per axis (refConvAxis): 'valid' out = ⌊(in − (k−1)·d − 1)/s⌋ + 1 and
//     no padding; 'same' out = ⌈in/s⌉, total padding max((out − 1)·s + (k − 1)·d + 1 − in, 0), of
//     which ⌊total/2⌋ before (the odd pixel after);
//   - max_pooling2d: the max over the window's cells inside the image (padding never wins); its
//     gradient goes to the first maximal cell of each window in (ky, kx) order, summed where
//     windows overlap;
//   - average_pooling2d: the mean over the window's cells inside the image ('same' divides by how
//     many of them there are); the gradient is dout/count to each of them;
//   - global_max_pooling2d, global_average_pooling2d: one window of the whole image per channel,
//     a flat output of C values;
//   - flatten: nothing, since a row already is the image row-major over height, width and
//     channels (Keras' order); it generates no layer (and so takes no layer index);
//   - batch_normalization on an image normalises each channel over every pixel of every row
//     (Keras' axis −1): the reference's batch normalization over n·H·W rows of C features;
//   - dropout and activation layers on an image act on every value of the row, H·W·C of them.
//
// The layers from the first layer that needs an image (conv2d, pooling, flatten, or a batch
// normalization of the input image) up to the first dense layer form the image stage (refNet.Img);
// the rescaling, activation and dropout layers before it stay in the input stage (refNet.Pre),
// which is elementwise, and the dense layers follow as before. The parameters of the image stage
// (conv2d<k>/kernel, conv2d<k>/bias, the batch normalizations' four tensors of C values) sit in a
// parameter list after the input stage's and before the dense layers', in layer order, as the
// generated Model.Tensors() lists them.

import (
	"fmt"
	"math"

	"github.com/nngen/nngen/spec"
)

// refGeom is the geometry of a convolution or pooling window along both axes of an image.
type refGeom struct {
	KH, KW          int  // window
	SH, SW          int  // strides
	DH, DW          int  // dilations
	PadH, PadW      int  // total padding of each axis ('same'; 0 for 'valid')
	PadTop, PadLeft int  // the padding before the first row and column
	OH, OW          int  // output height and width
	Same            bool // padding 'same'
}

// refConvAxis is TensorFlow's output length, total padding and padding before along one axis of
// in cells, for a window of k taps with stride s and dilation d; out is 0 when a 'valid' window
// does not fit.
func refConvAxis(in, k, s, d int, same bool) (out, total, before int) {
	span := (k-1)*d + 1
	if !same {
		if in < span {
			return 0, 0, 0
		}
		return (in-span)/s + 1, 0, 0
	}
	out = (in + s - 1) / s
	total = max((out-1)*s+span-in, 0)
	return out, total, total / 2
}

// newRefGeom is the geometry of a window over an h×w image.
func newRefGeom(h, w int, kernel, strides, dilation [2]int, padding string) refGeom {
	g := refGeom{KH: kernel[0], KW: kernel[1], SH: strides[0], SW: strides[1], DH: max(dilation[0], 1), DW: max(dilation[1], 1)}
	same := padding == "same"
	g.Same = same
	g.OH, g.PadH, g.PadTop = refConvAxis(h, g.KH, g.SH, g.DH, same)
	g.OW, g.PadW, g.PadLeft = refConvAxis(w, g.KW, g.SW, g.DW, same)
	return g
}

// refTap is one tap of a window that falls inside the image: the input cell y·W + x and the tap
// ky·KW + kx.
type refTap struct{ Cell, T int }

// windows lists, for every output pixel oy·OW + ox, the taps of its window inside an h×w image,
// in (ky, kx) order.
func (g refGeom) windows(h, w int) [][]refTap {
	ws := make([][]refTap, g.OH*g.OW)
	for oy := 0; oy < g.OH; oy++ {
		for ox := 0; ox < g.OW; ox++ {
			var taps []refTap
			for ky := 0; ky < g.KH; ky++ {
				y := oy*g.SH - g.PadTop + ky*g.DH
				if y < 0 || y >= h {
					continue
				}
				for kx := 0; kx < g.KW; kx++ {
					x := ox*g.SW - g.PadLeft + kx*g.DW
					if x >= 0 && x < w {
						taps = append(taps, refTap{y*w + x, ky*g.KW + kx})
					}
				}
			}
			ws[oy*g.OW+ox] = taps
		}
	}
	return ws
}

// refImg is one layer of the image stage. A flat row of k values (after flatten or a global
// pooling) is the shape [1, 1, k].
type refImg struct {
	// Kind (conv2d, max_pooling2d, average_pooling2d, global_max_pooling2d,
	// global_average_pooling2d, flatten, batch_normalization, activation, dropout); Act (conv2d's
	// activation too), Rate, Index, and a batch normalization's settings and tensors, as in the
	// input stage.
	refPre
	In, Out [3]int  // height, width, channels of its input and output
	G       refGeom // conv2d and the windowed poolings; a global pooling's window is the whole image
	Filters int     // conv2d
	Bias    bool    // conv2d: it has a bias
	CK      int     // conv2d: its number k (from 1): conv2d<k>
	// conv2d: where its kernel and bias sit in a parameter list (BiasAt −1 without a bias), set by
	// newRefNet.
	Kernel, BiasAt     int
	KernelReg, BiasReg spec.Regularizer
}

// convBugs are the planted mistakes of the convolutional layers (see refBugs).
type convBugs struct {
	ConvKernelFCHW    bool // the kernel read as [Filters][C][KH][KW] (PyTorch's layout), forward and back
	ConvPadBefore     bool // the odd pixel of a 'same' padding before (top, left) rather than after
	ConvNoPad         bool // no padding before: 'same' windows start at the image's corner (all the padding after)
	ConvNoDilation    bool // the dilation taken as 1 (the output size kept)
	ConvColsOverwrite bool // the input gradient of overlapping windows overwritten, not summed (Col2Im with = for +=)
	ConvGradRows      bool // the kernel's and bias' gradients summed over the first n of the n·OH·OW pixel rows only
	AvgPoolPadded     bool // average pooling divides by KH·KW, counting the padded cells (forward and back)
	AvgPoolBackFull   bool // only the average pooling's backward divides by KH·KW
	MaxPoolLastMax    bool // the max pooling's gradient goes to the last maximal cell, not the first
	FlattenCHW        bool // flatten in channels-first order (PyTorch's), forward and back
}

// size is the number of values of a shape.
func size(s [3]int) int { return s[0] * s[1] * s[2] }

// isImageInput reports whether the model's input is an image: a shape of rank 3.
func isImageInput(m *spec.Model) bool { return len(m.Input.Shape) == 3 }

// imgShape is the shape the next layer of the image stage sees: the last one's output, or the
// input image.
func (net refNet) imgShape(m *spec.Model) [3]int {
	if len(net.Img) > 0 {
		return net.Img[len(net.Img)-1].Out
	}
	if !isImageInput(m) {
		panic("reference: an image layer on a flat input")
	}
	return [3]int{m.Input.Shape[0], m.Input.Shape[1], m.Input.Shape[2]}
}

// denseIn is the input width of a dense layer after layers of width in: the image stage's output
// for the first dense layer after one.
func (net refNet) denseIn(in int) int {
	if len(net.Layers) == 0 && len(net.Img) > 0 {
		return size(net.Img[len(net.Img)-1].Out)
	}
	return in
}

// addImageLayer adds the spec's conv2d, pooling or flatten layer l, whose activation is act and
// whose position in the generated network is index, to the image stage, and returns the index of
// the last generated layer it accounts for: flatten generates none (and flatten of a flat row is
// nothing at all), a conv2d with gelu or silu an activation layer after it.
func (net *refNet) addImageLayer(m *spec.Model, l spec.Layer, act string, index int) int {
	if l.Type == "flatten" {
		index--
		if len(net.Layers) > 0 || (len(net.Img) == 0 && !isImageInput(m)) {
			return index
		}
	}
	if len(net.Layers) > 0 {
		panic("reference: " + l.Type + " after a dense layer")
	}
	in := net.imgShape(m)
	op := refImg{refPre: refPre{Kind: l.Type, Index: index}, In: in, BiasAt: -1}
	c := l.Conv
	switch l.Type {
	case "conv2d":
		for _, o := range net.Img {
			if o.Kind == "conv2d" {
				op.CK++
			}
		}
		op.CK++
		op.Act = act
		op.G = newRefGeom(in[0], in[1], c.KernelSize, c.Strides, c.DilationRate, c.Padding)
		op.Filters, op.Bias, op.KernelReg, op.BiasReg = c.Filters, l.UseBias, l.KernelRegularizer, l.BiasRegularizer
		op.Out = [3]int{op.G.OH, op.G.OW, c.Filters}
		if act == "gelu" || act == "silu" {
			index++ // its activation becomes a layer of its own
		}
	case "max_pooling2d", "average_pooling2d":
		op.G = newRefGeom(in[0], in[1], c.PoolSize, c.Strides, [2]int{1, 1}, c.Padding)
		op.Out = [3]int{op.G.OH, op.G.OW, in[2]}
	case "global_max_pooling2d", "global_average_pooling2d":
		op.G = refGeom{KH: in[0], KW: in[1], SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1}
		op.Out = [3]int{1, 1, in[2]}
	case "flatten":
		op.Out = [3]int{1, 1, size(in)}
	default:
		panic("reference: image layer " + l.Type)
	}
	if op.Out[0] < 1 || op.Out[1] < 1 {
		panic(fmt.Sprintf("reference: %s %+v does not fit its input %v", l.Type, c, in))
	}
	net.Img = append(net.Img, op)
	return index
}

// addImageOp adds an activation, dropout or batch normalization to the image stage when it
// belongs there (the stage has begun, or a batch normalization of the input image begins it),
// and reports whether it did.
func (net *refNet) addImageOp(m *spec.Model, op refPre) bool {
	if len(net.Layers) > 0 || (len(net.Img) == 0 && !(isImageInput(m) && op.Kind == "batch_normalization")) {
		return false
	}
	switch op.Kind {
	case "activation", "dropout", "batch_normalization":
	default:
		panic("reference: " + op.Kind + " in the image stage")
	}
	s := net.imgShape(m)
	net.Img = append(net.Img, refImg{refPre: op, In: s, Out: s, BiasAt: -1})
	return true
}

// imgTensorInfo lists the image stage's tensors: each conv2d's kernel [KH, KW, C, Filters] and
// bias [Filters], each batch normalization's, C wide.
func (net refNet) imgTensorInfo() []refTensorInfo {
	var ts []refTensorInfo
	for _, op := range net.Img {
		switch op.Kind {
		case "conv2d":
			name := fmt.Sprintf("conv2d%d/", op.CK)
			ts = append(ts, refTensorInfo{name + "kernel", []int{op.G.KH, op.G.KW, op.In[2], op.Filters}, false})
			if op.Bias {
				ts = append(ts, refTensorInfo{name + "bias", []int{op.Filters}, false})
			}
		case "batch_normalization":
			ts = append(ts, bnTensorInfo([]refPre{op.refPre}, op.In[2])...)
		}
	}
	return ts
}

// indexImage sets the parameter indexes of the image stage's conv2d layers and batch
// normalizations, find giving a tensor's index by name (−1: none).
func (net *refNet) indexImage(find func(name string) int) {
	for i := range net.Img {
		op := &net.Img[i]
		switch op.Kind {
		case "conv2d":
			name := fmt.Sprintf("conv2d%d/", op.CK)
			op.Kernel, op.BiasAt = find(name+"kernel"), find(name+"bias")
		case "batch_normalization":
			name := fmt.Sprintf("batch_normalization%d/", op.K)
			op.Gamma, op.Beta, op.MMean, op.MVar = find(name+"gamma"), find(name+"beta"), find(name+"moving_mean"), find(name+"moving_variance")
		}
	}
}

// refRegTensor is a trained kernel or bias with its regularizer.
type refRegTensor struct {
	T int // its index in a parameter list
	R spec.Regularizer
}

// regTensors lists every kernel and bias, the conv2d layers' and the dense layers', with its
// regularizer (zero for none).
func (net refNet) regTensors() []refRegTensor {
	var ts []refRegTensor
	for _, op := range net.Img {
		if op.Kind == "conv2d" {
			ts = append(ts, refRegTensor{op.Kernel, op.KernelReg})
			if op.BiasAt >= 0 {
				ts = append(ts, refRegTensor{op.BiasAt, op.BiasReg})
			}
		}
	}
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		ts = append(ts, refRegTensor{ki, ly.KernelReg})
		if bi >= 0 {
			ts = append(ts, refRegTensor{bi, ly.BiasReg})
		}
	}
	return ts
}

// hasConv reports whether the network has a conv2d layer.
func (net refNet) hasConv() bool {
	for _, op := range net.Img {
		if op.Kind == "conv2d" {
			return true
		}
	}
	return false
}

// imgTrainedBefore reports whether a layer of the image stage before layer i has trained
// parameters (a conv2d or a batch normalization), so that the gradient of layer i's input is
// needed.
func (net refNet) imgTrainedBefore(i int) bool {
	for _, op := range net.Img[:i] {
		if op.Kind == "conv2d" || op.Kind == "batch_normalization" {
			return true
		}
	}
	return false
}

// imgMACs is the multiply-adds of one row's forward pass through the conv2d layers, as codegen's
// parallel counts them: OH·OW·KH·KW·C·Filters each.
func (net refNet) imgMACs() int {
	macs := 0
	for _, op := range net.Img {
		if op.Kind == "conv2d" {
			macs += op.G.OH * op.G.OW * op.G.KH * op.G.KW * op.In[2] * op.Filters
		}
	}
	return macs
}

// geom is op's window geometry as the network computes it: with the planted mistakes.
func (net refNet) geom(op refImg) refGeom {
	g := op.G
	if op.Kind != "conv2d" && op.Kind != "max_pooling2d" && op.Kind != "average_pooling2d" {
		return g
	}
	if net.Bugs.ConvPadBefore {
		g.PadTop, g.PadLeft = g.PadH-g.PadH/2, g.PadW-g.PadW/2
	}
	if net.Bugs.ConvNoPad {
		g.PadTop, g.PadLeft = 0, 0
	}
	if net.Bugs.ConvNoDilation {
		g.DH, g.DW = 1, 1
	}
	return g
}

// kernelAt returns where element [t = ky·KW + kx][c][0] of a conv2d's kernel is and the step from
// one filter's to the next: [KH, KW, C, F], or with ConvKernelFCHW [F, C, KH, KW].
func (net refNet) kernelAt(op refImg, t, c int) (at, step int) {
	if net.Bugs.ConvKernelFCHW {
		taps := op.G.KH * op.G.KW
		return c*taps + t, op.In[2] * taps
	}
	return (t*op.In[2] + c) * op.Filters, 1
}

// imgForward runs n rows of x, the input stage's output, through the image stage, recording every
// layer's output (and a conv2d's pre-activations, a max pooling's chosen cells) in f; it returns
// the stage's output, x itself without an image stage.
func (net refNet) imgForward(p [][]float64, x []float64, n int, masks refMasks, f *refForward) []float64 {
	if len(net.Img) == 0 {
		return x
	}
	f.Img = [][]float64{x}
	f.ImgZ, f.ImgArg = make([][]float64, len(net.Img)), make([][]int, len(net.Img))
	for i, op := range net.Img {
		in := f.Img[i]
		var out []float64
		switch op.Kind {
		case "conv2d":
			z := net.convForward(p, op, in, n)
			out = make([]float64, len(z))
			for e := 0; e < len(z); e += op.Filters {
				net.activate(op.Act, out[e:e+op.Filters], z[e:e+op.Filters])
			}
			f.ImgZ[i] = z
		case "max_pooling2d", "global_max_pooling2d":
			out, f.ImgArg[i] = net.maxPool(op, in, n)
		case "average_pooling2d", "global_average_pooling2d":
			out = net.avgPool(op, in, n)
		case "flatten":
			out = in
			if net.Bugs.FlattenCHW {
				out = flattenCHW(in, op.In, n, false)
			}
		case "batch_normalization":
			c := op.In[2]
			out = net.bnForward(p, op.refPre, in, n*size(op.In)/c, c, masks != nil, f.BN)
		default:
			out = net.opForward(op.refPre, in, n, size(op.In), masks)
		}
		f.Img = append(f.Img, out)
	}
	return f.Img[len(f.Img)-1]
}

// flattenCHW permutes n images of shape s from channels-last to channels-first order (back: the
// other way).
func flattenCHW(in []float64, s [3]int, n int, back bool) []float64 {
	out := make([]float64, len(in))
	hw, c := s[0]*s[1], s[2]
	for r := 0; r < n; r++ {
		for px := 0; px < hw; px++ {
			for ch := 0; ch < c; ch++ {
				hwc, chw := r*hw*c+px*c+ch, r*hw*c+ch*hw+px
				if back {
					out[hwc] = in[chw]
				} else {
					out[chw] = in[hwc]
				}
			}
		}
	}
	return out
}

// convForward returns a conv2d's pre-activations over n rows of in: bias + the window·kernel sums.
func (net refNet) convForward(p [][]float64, op refImg, in []float64, n int) []float64 {
	g := net.geom(op)
	h, w, c, nf := op.In[0], op.In[1], op.In[2], op.Filters
	px := g.OH * g.OW
	k := p[op.Kernel]
	ws := g.windows(h, w)
	z := make([]float64, n*px*nf)
	for r := 0; r < n; r++ {
		img := in[r*h*w*c : (r+1)*h*w*c]
		for o, taps := range ws {
			zo := z[(r*px+o)*nf : (r*px+o+1)*nf]
			if op.BiasAt >= 0 {
				copy(zo, p[op.BiasAt])
			}
			for _, t := range taps {
				for ch, v := range img[t.Cell*c : (t.Cell+1)*c] {
					at, step := net.kernelAt(op, t.T, ch)
					if step == 1 {
						kr := k[at : at+nf]
						for f := range zo {
							zo[f] += v * kr[f]
						}
						continue
					}
					for f := range zo {
						zo[f] += v * k[at+f*step]
					}
				}
			}
		}
	}
	return z
}

// maxPool returns a max pooling's output over n rows of in and, for every output value, the cell
// (y·W + x) of the image it came from: the first largest of the window's cells inside the image.
func (net refNet) maxPool(op refImg, in []float64, n int) ([]float64, []int) {
	g := net.geom(op)
	h, w, c := op.In[0], op.In[1], op.In[2]
	px := g.OH * g.OW
	ws := g.windows(h, w)
	out, arg := make([]float64, n*px*c), make([]int, n*px*c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			if len(taps) == 0 {
				panic("reference: a pooling window without a cell inside the image")
			}
			for ch := 0; ch < c; ch++ {
				best, at := math.Inf(-1), -1
				for _, t := range taps {
					v := in[(r*h*w+t.Cell)*c+ch]
					if v > best || (net.Bugs.MaxPoolLastMax && v == best) {
						best, at = v, t.Cell
					}
				}
				out[(r*px+o)*c+ch], arg[(r*px+o)*c+ch] = best, at
			}
		}
	}
	return out, arg
}

// avgDivisor is what an average pooling divides a window of count real cells by: count, or with
// padded (a planted mistake) KH·KW.
func avgDivisor(g refGeom, count int, padded bool) float64 {
	if padded {
		return float64(g.KH * g.KW)
	}
	return float64(count)
}

// avgPool returns an average pooling's output over n rows of in: the mean of each window's cells
// inside the image.
func (net refNet) avgPool(op refImg, in []float64, n int) []float64 {
	g := net.geom(op)
	h, w, c := op.In[0], op.In[1], op.In[2]
	px := g.OH * g.OW
	ws := g.windows(h, w)
	out := make([]float64, n*px*c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			if len(taps) == 0 {
				panic("reference: a pooling window without a cell inside the image")
			}
			div := avgDivisor(g, len(taps), net.Bugs.AvgPoolPadded)
			for ch := 0; ch < c; ch++ {
				s := 0.0
				for _, t := range taps {
					s += in[(r*h*w+t.Cell)*c+ch]
				}
				out[(r*px+o)*c+ch] = s / div
			}
		}
	}
	return out
}

// imgBackward takes ∂loss/∂A[0] = DZ[0]·W[0]ᵀ back through the image stage, setting the gradients
// of its conv2d layers (the regularizers' too) and batch normalizations in b.Grads, DImg, DImgZ,
// and DX, the gradient of the raw input (through the input stage's elementwise layers).
func (net refNet) imgBackward(p [][]float64, f refForward, b *refBackward) {
	n := f.N
	ly := net.Layers[0]
	ki, _ := net.paramIndex(0)
	w, dz := p[ki], b.DZ[0]
	g := make([]float64, n*ly.In)
	for r := 0; r < n; r++ {
		for i := 0; i < ly.In; i++ {
			s := 0.0
			for j := 0; j < ly.Out; j++ {
				s += dz[r*ly.Out+j] * w[i*ly.Out+j]
			}
			g[r*ly.In+i] = s
		}
	}
	L := len(net.Img)
	b.DImg, b.DImgZ = make([][]float64, L+1), make([][]float64, L)
	b.DImg[L] = g
	for i := L - 1; i >= 0; i-- {
		op := net.Img[i]
		in, out := f.Img[i], f.Img[i+1]
		switch op.Kind {
		case "conv2d":
			b.DImgZ[i], g = net.convBackward(p, op, g, in, f.ImgZ[i], out, n, b.Grads)
		case "max_pooling2d", "global_max_pooling2d":
			g = net.maxPoolBackward(op, g, f.ImgArg[i], n)
		case "average_pooling2d", "global_average_pooling2d":
			g = net.avgPoolBackward(op, g, n)
		case "flatten":
			if net.Bugs.FlattenCHW {
				g = flattenCHW(g, op.In, n, true)
			}
		case "batch_normalization":
			g = net.bnBackward(p, op.refPre, g, f, b.Grads)
		default:
			g = net.opBackward(op.refPre, g, in, out, n, size(op.In), f.Masks)
		}
		b.DImg[i] = g
	}
	b.DX = net.preBackElementwise(f, g)
}

// preBackElementwise takes g = ∂loss/∂(the input stage's output) back through an input stage of
// rescaling, activation and dropout layers to the raw input.
func (net refNet) preBackElementwise(f refForward, g []float64) []float64 {
	if net.Bugs.NoPre {
		return g
	}
	for i := len(net.Pre) - 1; i >= 0; i-- {
		pre := net.Pre[i]
		switch pre.Kind {
		case "rescaling":
			g2 := make([]float64, len(g))
			for k, v := range g {
				g2[k] = v * pre.Scale
			}
			g = g2
		case "activation", "dropout":
			g = net.opBackward(pre, g, f.Pre[i], f.Pre[i+1], f.N, net.In, f.Masks)
		default:
			panic("reference: " + pre.Kind + " before an image stage")
		}
	}
	return g
}

// convBackward returns ∂loss/∂z (through the activation) and ∂loss/∂in of a conv2d from g =
// ∂loss/∂out, and sets its kernel's and bias' gradients (with their regularizers') in grads.
func (net refNet) convBackward(p [][]float64, op refImg, g, in, z, a []float64, n int, grads [][]float64) (dz, din []float64) {
	gm := net.geom(op)
	h, w, c, nf := op.In[0], op.In[1], op.In[2], op.Filters
	px := gm.OH * gm.OW
	dz = make([]float64, len(g))
	for e := 0; e < len(g); e += nf {
		net.activateBack(op.Act, dz[e:e+nf], g[e:e+nf], z[e:e+nf], a[e:e+nf])
	}
	k, dk := p[op.Kernel], grads[op.Kernel]
	clear(dk)
	var db []float64
	if op.BiasAt >= 0 {
		db = grads[op.BiasAt]
		clear(db)
	}
	din = make([]float64, len(in))
	ws := gm.windows(h, w)
	for r := 0; r < n; r++ {
		img, dimg := in[r*h*w*c:(r+1)*h*w*c], din[r*h*w*c:(r+1)*h*w*c]
		for o, taps := range ws {
			row := r*px + o
			d := dz[row*nf : (row+1)*nf]
			counted := !net.Bugs.ConvGradRows || row < n
			if counted && db != nil {
				for f, v := range d {
					db[f] += v
				}
			}
			for _, t := range taps {
				for ch := 0; ch < c; ch++ {
					at, step := net.kernelAt(op, t.T, ch)
					x := img[t.Cell*c+ch]
					s := 0.0
					if step == 1 {
						kr, dkr := k[at:at+nf], dk[at:at+nf]
						for f, v := range d {
							if counted {
								dkr[f] += x * v
							}
							s += v * kr[f]
						}
					} else {
						for f, v := range d {
							if counted {
								dk[at+f*step] += x * v
							}
							s += v * k[at+f*step]
						}
					}
					if net.Bugs.ConvColsOverwrite {
						dimg[t.Cell*c+ch] = s
					} else {
						dimg[t.Cell*c+ch] += s
					}
				}
			}
		}
	}
	net.addRegGrads(dk, k, op.KernelReg)
	if db != nil {
		net.addRegGrads(db, p[op.BiasAt], op.BiasReg)
	}
	return dz, din
}

// maxPoolBackward returns ∂loss/∂in of a max pooling from g = ∂loss/∂out: each window's gradient
// to the cell its maximum came from, summed where windows overlap.
func (net refNet) maxPoolBackward(op refImg, g []float64, arg []int, n int) []float64 {
	h, w, c := op.In[0], op.In[1], op.In[2]
	px := op.G.OH * op.G.OW
	din := make([]float64, n*h*w*c)
	for r := 0; r < n; r++ {
		for o := 0; o < px; o++ {
			for ch := 0; ch < c; ch++ {
				e := (r*px+o)*c + ch
				din[(r*h*w+arg[e])*c+ch] += g[e]
			}
		}
	}
	return din
}

// avgPoolBackward returns ∂loss/∂in of an average pooling from g = ∂loss/∂out: each window's
// gradient divided by its count of cells inside the image, to each of them.
func (net refNet) avgPoolBackward(op refImg, g []float64, n int) []float64 {
	gm := net.geom(op)
	h, w, c := op.In[0], op.In[1], op.In[2]
	px := gm.OH * gm.OW
	ws := gm.windows(h, w)
	din := make([]float64, n*h*w*c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			div := avgDivisor(gm, len(taps), net.Bugs.AvgPoolPadded || net.Bugs.AvgPoolBackFull)
			for ch := 0; ch < c; ch++ {
				v := g[(r*px+o)*c+ch] / div
				for _, t := range taps {
					din[(r*h*w+t.Cell)*c+ch] += v
				}
			}
		}
	}
	return din
}

// imgKinks appends to a kink signature (see kinkSignature) the image stage's kinks: the sign of
// every input of a relu-like activation (a conv2d's or an activation layer's), the cell every
// max pooling chose, and the sign of every conv2d parameter an L1 penalty sees.
func (net refNet) imgKinks(b []byte, p [][]float64, f refForward) []byte {
	signs := func(act string, z []float64) {
		if act == "relu" || act == "leaky_relu" || act == "elu" || act == "selu" {
			for _, v := range z {
				b = append(b, "-+"[btoi(v > 0)])
			}
		}
	}
	for i, op := range net.Img {
		if i >= len(f.ImgZ) {
			break
		}
		switch op.Kind {
		case "conv2d":
			signs(op.Act, f.ImgZ[i])
			for _, x := range []struct {
				t int
				r spec.Regularizer
			}{{op.Kernel, op.KernelReg}, {op.BiasAt, op.BiasReg}} {
				if x.t >= 0 && x.r.L1 != 0 {
					for _, w := range p[x.t] {
						b = append(b, "-0+"[int(sign(w))+1])
					}
				}
			}
		case "activation":
			signs(op.Act, f.Img[i])
		case "max_pooling2d", "global_max_pooling2d":
			for _, a := range f.ImgArg[i] {
				b = append(b, byte(a), byte(a>>8), byte(a>>16))
			}
		}
	}
	return b
}

// describeImg summarises the image stage for messages.
func (net refNet) describeImg() string {
	var s string
	for _, op := range net.Img {
		g := op.G
		switch op.Kind {
		case "conv2d":
			s += fmt.Sprintf(" → conv2d(%d, %d×%d, strides %d×%d, dilation %d×%d, pad %d/%d %d/%d, %s, bias %v) %v",
				op.Filters, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW, g.PadTop, g.PadH, g.PadLeft, g.PadW, op.Act, op.Bias, op.Out)
		case "max_pooling2d", "average_pooling2d":
			s += fmt.Sprintf(" → %s(%d×%d, strides %d×%d, pad %d/%d %d/%d) %v", op.Kind, g.KH, g.KW, g.SH, g.SW, g.PadTop, g.PadH, g.PadLeft, g.PadW, op.Out)
		case "dropout":
			s += fmt.Sprintf(" → dropout(%g)", op.Rate)
		case "activation":
			s += " → " + op.Act
		default:
			s += " → " + op.Kind
		}
	}
	return s
}
