package spec

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Shapes through the network. A rank-3 input is an image [height, width, channels] (channels
// last, as Keras); any other input is a flat vector of the product of its sizes. conv2d and the
// pooling layers take images; flatten and global pooling make them flat; dense takes flat inputs
// only; the other layers keep their input's shape.

// ConvAxis returns the output length along one axis of a convolution or pooling window of size
// kernel with stride and dilation over in cells, and the padding before the first cell: valid
// padding floor((in − (kernel−1)·dilation − 1)/stride) + 1 and 0; same padding ceil(in/stride),
// with TensorFlow's total padding max((out−1)·stride + (kernel−1)·dilation + 1 − in, 0), of which
// before = total/2 (the odd pixel goes after). out < 1 means the window does not fit: ConvAxis
// then returns 0, 0, as it does when a number is below 1.
func ConvAxis(in, kernel, stride, dilation int, same bool) (out, before int) {
	if in < 1 || kernel < 1 || stride < 1 || dilation < 1 {
		return 0, 0
	}
	n, s := int64(in), int64(stride)
	span := int64(math.MaxInt64) // 64 bits: a valid span is up to 2^32, on a 32-bit machine too
	if k := int64(kernel - 1); k == 0 || int64(dilation) <= (math.MaxInt64-1)/k {
		span = k*int64(dilation) + 1
	}
	if !same {
		if n < span {
			return 0, 0
		}
		return int((n-span)/s + 1), 0
	}
	o := n/s + min(n%s, 1)            // ceil(n/s), without overflow
	total := max(span-(n-(o-1)*s), 0) // (o−1)·s < n
	return int(o), int(min(total/2, math.MaxInt))
}

// Shapes returns the output shape of each of a validated model's layers, in order: an image
// [height, width, channels] or a flat [n]. The first layer's input is m.Input.Shape when it has
// rank 3, else [m.Input.Size()]. For a model that was not validated, the layers after one
// whose input does not suit it have nil shapes.
func (m *Model) Shapes() [][]int {
	shapes := make([][]int, len(m.Layers))
	in := inputShape(m.Input)
	for i, l := range m.Layers {
		out, why := outShape(l, in)
		if why != fits {
			break
		}
		shapes[i], in = out, out
	}
	return shapes
}

// fault says why a layer cannot take its input.
type fault int

const (
	fits      fault = iota
	wantImage       // conv2d or pooling of a flat input
	wantFlat        // dense of an image
	imageNorm       // normalization of an image
	noFit           // a window larger than its input, with padding valid
)

// isImage reports whether a shape is an image [height, width, channels].
func isImage(s []int) bool { return len(s) == 3 }

// inputShape is the shape the first layer sees: the input's for an image, else flat.
func inputShape(in Input) []int {
	if isImage(in.Shape) {
		return slices.Clone(in.Shape)
	}
	return []int{in.Size()}
}

// values is the number of values of a shape, in 64 bits (an image of 2^24 pixels may have 2^16
// channels).
func values(s []int) int64 {
	n := int64(1)
	for _, d := range s {
		n *= int64(d)
	}
	return n
}

// outShape is the output shape of layer l given an input of shape in, or nil and why it has
// none.
func outShape(l Layer, in []int) ([]int, fault) {
	switch t := l.Type; {
	case t == "conv2d" || pooling(t):
		if !isImage(in) {
			return nil, wantImage
		}
		c := l.Conv
		kernel, channels := c.KernelSize, c.Filters
		if pooling(t) {
			kernel, channels = c.PoolSize, in[2]
		}
		same := c.Padding == "same"
		oh, _ := ConvAxis(in[0], kernel[0], c.Strides[0], c.DilationRate[0], same)
		ow, _ := ConvAxis(in[1], kernel[1], c.Strides[1], c.DilationRate[1], same)
		if oh < 1 || ow < 1 {
			return nil, noFit
		}
		return []int{oh, ow, channels}, fits
	case globalPooling(t):
		if !isImage(in) {
			return nil, wantImage
		}
		return []int{in[2]}, fits
	case t == "flatten":
		return []int{int(values(in))}, fits // validation keeps every shape within 2^24 values
	case t == "dense":
		if isImage(in) {
			return nil, wantFlat
		}
		return []int{l.Units}, fits
	case t == "normalization" && isImage(in):
		return nil, imageNorm
	}
	return slices.Clone(in), fits
}

// layerOK reports whether the values of layer i (at path) that its output shape depends on were
// read and are valid, and a normalization is where it belongs (when not, the problem was
// reported already).
func (r *reader) layerOK(path string, i int, layers []Layer) bool {
	l := layers[i]
	if !r.ok(path) || !r.ok(join(path, "type")) || !slices.Contains(layerTypes, l.Type) {
		return false
	}
	switch {
	case l.Type == "normalization":
		return !slices.ContainsFunc(layers[:i], func(l Layer) bool { return l.Type != "rescaling" && l.Type != "normalization" })
	case l.Type == "dense":
		return r.ok(join(path, "units")) && l.Units >= 1 && l.Units <= maxUnits
	case l.Type == "conv2d" || pooling(l.Type):
		return r.convOK(path, l)
	}
	return true
}

// checkShapes follows the shapes through the layers and reports, naming the layer and its
// input's shape, a layer that cannot take its input (a window that does not fit, an image where a
// flat input belongs, or the reverse) and one whose output, patch or kernel is too large; then,
// once, the shapes up to there. It stops at the first layer without a shape, or whose values were
// not valid. It returns the output shapes of the layers when they all have one and nothing is too
// large, else nil.
func (r *reader) checkShapes(m *Model) [][]int {
	if size, ok := r.inputSize(m.Input); !ok || size > maxInputSize || !r.has("layers") || len(m.Layers) == 0 {
		return nil
	}
	in := inputShape(m.Input)
	origin := -1 // the layer that gave in its rank (an image, or flat), -1 for the input
	trace := []string{"input " + shape(in)}
	var shapes [][]int
	var at Pos // where the last problem is
	problems := 0
	upTo := 0 // the trace up to the layer of the last problem
	report := func(pos Pos, format string, args ...any) {
		r.add(pos, format, args...)
		at, problems, upTo = pos, problems+1, len(trace)+1
	}
walk:
	for i, l := range m.Layers {
		path := item("layers", i+1)
		if !r.layerOK(path, i, m.Layers) {
			break
		}
		out, why := outShape(l, in)
		note := map[fault]string{wantImage: "needs an image", wantFlat: "needs a flat input", imageNorm: "not on images", noFit: "does not fit"}[why]
		switch why {
		case wantImage:
			report(r.at(path), "%s", imageWanted(i, l, in, origin, m))
		case wantFlat:
			report(r.at(path), "%s: dense needs a flat input, got the image %s of %s; add a flatten layer before it (Keras would apply dense to each pixel's channels, which nngen does not)",
				label(path), shape(in), source(origin, m.Layers))
		case imageNorm:
			report(r.at(path), "%s: normalization is not supported on images yet (Keras adapts it per channel, nngen per feature), and its input is the image %s; allowed: rescaling (such as scale: 0.00392156862745098, for 1/255) or batch_normalization, which normalises each channel",
				label(path), shape(in))
		case noFit:
			key, window := "kernel_size", l.Conv.KernelSize
			if pooling(l.Type) {
				key, window = "pool_size", l.Conv.PoolSize
			}
			report(r.at(join(path, key)), "%s", r.notFitting(join(path, key), window, l.Conv.DilationRate, in))
		}
		if why != fits {
			trace = append(trace, l.Type+" ("+note+")")
			break
		}
		if l.Type == "conv2d" {
			k := l.Conv.KernelSize
			patch := int64(k[0]) * int64(k[1]) * int64(in[2])
			if p := join(path, "kernel_size"); patch > maxPatch {
				report(r.at(p), "%s: a %s window over the %d channels of its input %s is a patch of %d values; allowed: at most %d (2^20) (a smaller kernel_size, or fewer channels before it)",
					label(p), pairString(k), in[2], shape(in), patch, maxPatch)
			} else if p := join(path, "filters"); patch*int64(l.Conv.Filters) > maxKernel {
				report(r.at(p), "%s: the kernel [%d, %d, %d, %d] has %d parameters; allowed: at most %d (2^24) in one conv2d layer (fewer filters, a smaller kernel_size, or fewer channels before it)",
					label(p), k[0], k[1], in[2], l.Conv.Filters, patch*int64(l.Conv.Filters), maxKernel)
			}
		}
		if n := values(out); n > maxLayerSize {
			p := path
			if l.Type == "conv2d" {
				p = join(path, "filters") // only a conv2d makes more values than it takes
			}
			report(r.at(p), "%s: the output %s has %d values; allowed: at most %d (2^24) in a layer's output (fewer filters, or larger strides)",
				label(p), shape(out), n, maxLayerSize)
			trace = append(trace, l.Type+" "+shape(out)+" (too large)")
			break walk
		}
		trace = append(trace, l.Type+" "+shape(out))
		shapes = append(shapes, out)
		if isImage(out) != isImage(in) || l.Type == "conv2d" || pooling(l.Type) || l.Type == "dense" {
			origin = i
		}
		in = out
	}
	if upTo > 2 { // not when the input is all there is before the problem: the message says it
		r.add(at, "layers: shapes: %s", strings.Join(trace[:upTo], " → "))
	}
	if problems > 0 || len(shapes) < len(m.Layers) {
		return nil
	}
	return shapes
}

// source names where a layer's input got its rank, for messages: "input.shape" or
// "layer 2 (max_pooling2d)".
func source(origin int, layers []Layer) string {
	if origin < 0 {
		return "input.shape"
	}
	return fmt.Sprintf("layer %d (%s)", origin+1, layers[origin].Type)
}

// imageWanted is the message for a conv2d or pooling layer (layer i) whose input in is flat.
func imageWanted(i int, l Layer, in []int, origin int, m *Model) string {
	input := m.Input
	head := fmt.Sprintf("%s: %s needs an image input [height, width, channels]", label(item("layers", i+1)), l.Type)
	if origin >= 0 {
		return fmt.Sprintf("%s, got the flat %s of %s; allowed: conv2d and pooling layers only before the flatten, global pooling and dense layers",
			head, shape(in), source(origin, m.Layers))
	}
	size := ""
	if len(input.Shape) != 1 {
		size = fmt.Sprintf(" of %d values", input.Size())
	}
	want := "input.shape [height, width, channels] such as [28, 28, 1]"
	if len(input.Shape) == 2 {
		want = "input.shape " + shape([]int{input.Shape[0], input.Shape[1], 1})
	}
	return fmt.Sprintf("%s, and input.shape %s is a flat input%s (only rank 3 is an image); want %s", head, shape(input.Shape), size, want)
}

// notFitting is the message for a window (at path) that is larger than its input in, with
// padding valid: what would fit on each axis at the same dilation.
func (r *reader) notFitting(path string, window, dilation [2]int, in []int) string {
	given := pairString(window)
	if !r.has(path) {
		given += " (the default)"
	}
	fit := window
	for a := range fit {
		if s := int64(window[a]-1)*int64(dilation[a]) + 1; s > int64(in[a]) {
			fit[a] = (in[a]-1)/dilation[a] + 1
		}
	}
	key := path[strings.LastIndexByte(path, '.')+1:]
	at := ""
	if dilation != [2]int{1, 1} {
		s := span(window, dilation)
		given += fmt.Sprintf(" at dilation_rate %s (a span of [%d, %d])", pairString(dilation), s[0], s[1])
		at = " at this dilation_rate"
	}
	return fmt.Sprintf("%s: %s does not fit its input %s with padding valid; allowed: a %s of at most %s%s, or padding: same",
		label(path), given, shape(in), key, pairString(fit), at)
}
