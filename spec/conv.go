package spec

import (
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// The convolutional layers of Keras 3 over channels-last images: conv2d, max_pooling2d,
// average_pooling2d (their geometry, a Conv), global_average_pooling2d, global_max_pooling2d and
// flatten. Reading and checking their values is here; what they do to shapes is in shapes.go.

// pooling reports whether t is a windowed pooling layer type.
func pooling(t string) bool { return t == "max_pooling2d" || t == "average_pooling2d" }

// globalPooling reports whether t is a global pooling layer type.
func globalPooling(t string) bool {
	return t == "global_average_pooling2d" || t == "global_max_pooling2d"
}

// trained reports whether l is a layer with trained weights that preprocessing comes before:
// dense or conv2d.
func trained(l Layer) bool { return l.Type == "dense" || l.Type == "conv2d" }

// defaultConv is Keras' geometry of a layer of type t: conv2d strides and dilation [1, 1],
// pooling windows [2, 2] (their strides default to the window, set once it is read), padding
// valid; the zero Conv for every other type.
func defaultConv(t string) Conv {
	one := [2]int{1, 1}
	switch {
	case t == "conv2d":
		return Conv{Strides: one, Padding: "valid", DilationRate: one}
	case pooling(t):
		return Conv{PoolSize: [2]int{2, 2}, Padding: "valid", DilationRate: one}
	}
	return Conv{}
}

// conv reads a layer's geometry keys (filters, kernel_size, pool_size, strides, padding,
// dilation_rate) and keepdims over the defaults of its type; path is the layer's, n its mapping.
func (r *reader) conv(path string, n *yaml.Node, t string, f map[string]field) Conv {
	c := defaultConv(t)
	if v, ok := f["filters"]; ok {
		c.Filters, _ = r.integer(join(path, "filters"), v.val)
	} else if t == "conv2d" {
		r.missing(path, n, "filters", "the number of output channels, from 1 to 65536")
	}
	if v, ok := f["kernel_size"]; ok {
		c.KernelSize, _ = r.pair(join(path, "kernel_size"), v.val)
	} else if t == "conv2d" {
		r.missing(path, n, "kernel_size", "the window's size: an integer such as 3, or a pair [height, width] such as [3, 3]")
	}
	if v, ok := f["pool_size"]; ok {
		c.PoolSize, _ = r.pair(join(path, "pool_size"), v.val)
	}
	if pooling(t) {
		c.Strides = c.PoolSize // Keras: strides=None means the window's size
	}
	if v, ok := f["strides"]; ok {
		c.Strides, _ = r.pair(join(path, "strides"), v.val)
	}
	if v, ok := f["dilation_rate"]; ok {
		c.DilationRate, _ = r.pair(join(path, "dilation_rate"), v.val)
	}
	if v, ok := f["padding"]; ok {
		c.Padding, _ = r.str(join(path, "padding"), v.val)
	}
	if v, ok := f["keepdims"]; ok {
		// Global pooling keeps no 1x1 image: the key exists so that Keras' default is accepted.
		p := join(path, "keepdims")
		if on, ok := r.boolean(p, v.val); ok && on {
			r.add(posOf(v.val), "%s: true is not supported; allowed: false (the output is flat, one value per channel, for a dense layer after it)", label(p))
		}
	}
	return c
}

// pair reads a window's size, strides or dilation: an integer n, which means [n, n], or a list
// [height, width]. A pair that cannot be read is zero.
func (r *reader) pair(path string, n *yaml.Node) ([2]int, bool) {
	const want = "an integer such as 3, or a pair [height, width] such as [3, 3]"
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		v, ok := r.integer(path, n)
		return [2]int{v, v}, ok
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(path, n, want)
		return [2]int{}, false
	}
	r.pos[path] = posOf(n)
	if len(n.Content) != 2 {
		r.bad[path] = true
		got := "an empty list"
		if len(n.Content) > 0 {
			got = "a list of " + strconv.Itoa(len(n.Content))
		}
		r.add(posOf(n), "%s: want a pair [height, width] such as [3, 3], got %s; allowed: two integers, or one integer n for [n, n]", label(path), got)
		return [2]int{}, false
	}
	var p [2]int
	ok := true
	for i, it := range n.Content {
		q := item(path, i+1)
		if it = r.deref(it); it == nil {
			r.bad[q] = true
			ok = false
			continue
		}
		var itemOK bool
		p[i], itemOK = r.integer(q, it)
		ok = ok && itemOK
	}
	return p, ok
}

// listed reports whether the pair at path was written as a list (its items have positions).
func (r *reader) listed(path string) bool {
	_, ok := r.pos[item(path, 1)]
	return ok
}

// checkPair reports the numbers of a given pair outside 1..maxWindow, at each item of a list.
func (r *reader) checkPair(path string, v [2]int) {
	if !r.listed(path) {
		r.intIn(path, v[0], 1, maxWindow)
		return
	}
	for i := range v {
		r.intIn(item(path, i+1), v[i], 1, maxWindow)
	}
}

// pairOK reports whether the pair at path (given or by default) was read and is in range.
func (r *reader) pairOK(path string, v [2]int) bool {
	if !r.ok(path) || r.listed(path) && (!r.ok(item(path, 1)) || !r.ok(item(path, 2))) {
		return false
	}
	return v[0] >= 1 && v[0] <= maxWindow && v[1] >= 1 && v[1] <= maxWindow
}

// pairString formats a pair as the spec writes one: [3, 3].
func pairString(v [2]int) string { return shape(v[:]) }

// span is how many input cells a window of size kernel dilated by dilation covers:
// (kernel − 1)·dilation + 1, on each axis (at most 2^32, which needs 64 bits).
func span(kernel, dilation [2]int) [2]int64 {
	return [2]int64{int64(kernel[0]-1)*int64(dilation[0]) + 1, int64(kernel[1]-1)*int64(dilation[1]) + 1}
}

// checkWeights checks the settings a dense and a conv2d layer share: activation, kernel
// initializer, regularizers, and a bias regularizer only with a bias.
func (r *reader) checkWeights(path string, l Layer) {
	r.oneOf(join(path, "activation"), "activation", l.Activation, activations)
	r.oneOf(join(path, "kernel_initializer"), "initializer", l.KernelInitializer, initializers)
	r.checkRegularizer(join(path, "kernel_regularizer"), l.KernelRegularizer)
	r.checkRegularizer(join(path, "bias_regularizer"), l.BiasRegularizer)
	if p := join(path, "bias_regularizer"); !l.UseBias && r.has(p) && r.ok(join(path, "use_bias")) {
		r.add(r.at(p), "%s: the layer has no bias (use_bias: false); allowed: a bias_regularizer only with a bias", label(p))
	}
}

// checkConv checks a conv2d layer's own values: filters, the pairs, padding, and Keras' rule
// that a dilated kernel does not stride.
func (r *reader) checkConv(path string, l Layer) {
	c := l.Conv
	r.checkWeights(path, l)
	r.intIn(join(path, "filters"), c.Filters, 1, maxFilters)
	kernel, strides, dilation := join(path, "kernel_size"), join(path, "strides"), join(path, "dilation_rate")
	for _, p := range []struct {
		path string
		v    [2]int
	}{{kernel, c.KernelSize}, {strides, c.Strides}, {dilation, c.DilationRate}} {
		if r.has(p.path) {
			r.checkPair(p.path, p.v)
		}
	}
	r.oneOf(join(path, "padding"), "padding", c.Padding, paddings)
	if !r.pairOK(dilation, c.DilationRate) || max(c.DilationRate[0], c.DilationRate[1]) == 1 {
		return
	}
	if r.pairOK(strides, c.Strides) && max(c.Strides[0], c.Strides[1]) > 1 {
		r.add(r.at(dilation), "%s: %s together with strides %s; allowed: a dilation_rate above 1 only with strides 1 (Keras refuses both)",
			label(dilation), pairString(c.DilationRate), pairString(c.Strides))
	}
	if s := span(c.KernelSize, c.DilationRate); r.pairOK(kernel, c.KernelSize) && max(s[0], s[1]) > maxWindow {
		r.add(r.at(dilation), "%s: kernel_size %s at dilation_rate %s spans [%d, %d] cells; allowed: a span (kernel_size − 1)·dilation_rate + 1 of at most %d",
			label(dilation), pairString(c.KernelSize), pairString(c.DilationRate), s[0], s[1], maxWindow)
	}
}

// checkPooling checks a max_pooling2d or average_pooling2d layer's window, strides and padding.
func (r *reader) checkPooling(path string, l Layer) {
	for _, p := range []struct {
		key string
		v   [2]int
	}{{"pool_size", l.Conv.PoolSize}, {"strides", l.Conv.Strides}} {
		if q := join(path, p.key); r.has(q) {
			r.checkPair(q, p.v)
		}
	}
	r.oneOf(join(path, "padding"), "padding", l.Conv.Padding, paddings)
}

// convOK reports whether a conv2d or pooling layer's geometry was read and is valid, so that its
// output shape can be worked out.
func (r *reader) convOK(path string, l Layer) bool {
	c := l.Conv
	if !r.ok(join(path, "padding")) || !slices.Contains(paddings, c.Padding) || !r.pairOK(join(path, "strides"), c.Strides) {
		return false
	}
	if pooling(l.Type) {
		return r.pairOK(join(path, "pool_size"), c.PoolSize)
	}
	s := span(c.KernelSize, c.DilationRate)
	return r.ok(join(path, "filters")) && c.Filters >= 1 && c.Filters <= maxFilters &&
		r.pairOK(join(path, "kernel_size"), c.KernelSize) && r.pairOK(join(path, "dilation_rate"), c.DilationRate) &&
		!(max(c.Strides[0], c.Strides[1]) > 1 && max(c.DilationRate[0], c.DilationRate[1]) > 1) &&
		s[0] <= maxWindow && s[1] <= maxWindow
}
