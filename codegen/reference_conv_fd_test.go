package codegen_test

// Checks of the reference's convolutional layers (reference_conv_test.go): its geometry against
// spec.ConvAxis; its gradients, of the parameters and of the inputs, against finite differences
// on small random convolutional networks (odd sizes, strides 1 to 3, both paddings, dilation 2,
// every pooling kind, batch normalization on images, dropout and activations between, rescaling
// before, regularizers, flatten and global pooling before the dense layers); values worked out by
// hand (a 3×3 input under a 2×2 kernel, padding, dilation and strides, a 'same' average pooling
// at a corner, a max pooling's tie, flatten's order, the layer indexes and tensors); and planted
// mistakes, each caught by the finite differences or by the hand-worked values.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nngen/nngen/spec"
)

// convLayer is a conv2d layer.
func convLayer(filters int, kernel, strides, dilation [2]int, padding, act string, bias bool) spec.Layer {
	return spec.Layer{Type: "conv2d", Activation: act, UseBias: bias, KernelInitializer: "glorot_uniform",
		Conv: spec.Conv{Filters: filters, KernelSize: kernel, Strides: strides, Padding: padding, DilationRate: dilation}}
}

// poolLayer is a max_pooling2d or average_pooling2d layer.
func poolLayer(kind string, size, strides [2]int, padding string) spec.Layer {
	return spec.Layer{Type: kind, Conv: spec.Conv{PoolSize: size, Strides: strides, Padding: padding, DilationRate: [2]int{1, 1}}}
}

var (
	flattenLayer = spec.Layer{Type: "flatten"}
	globalMax    = spec.Layer{Type: "global_max_pooling2d"}
	globalAvg    = spec.Layer{Type: "global_average_pooling2d"}
	one2         = [2]int{1, 1}
)

// pair is [n, n].
func pair(n int) [2]int { return [2]int{n, n} }

// TestRefConvAxisMatchesSpec checks the reference's geometry (refConvAxis, from TensorFlow's
// formulas) against spec.ConvAxis, which codegen uses, on every small case, and on a few cases
// worked out by hand.
func TestRefConvAxisMatchesSpec(t *testing.T) {
	for in := 1; in <= 20; in++ {
		for k := 1; k <= 6; k++ {
			for s := 1; s <= 4; s++ {
				for d := 1; d <= 3; d++ {
					for _, same := range []bool{false, true} {
						out, _, before := refConvAxis(in, k, s, d, same)
						gotOut, gotBefore := spec.ConvAxis(in, k, s, d, same)
						if out < 1 {
							out, before = 0, 0
						}
						if gotOut != out || gotBefore != before {
							t.Errorf("in %d, kernel %d, stride %d, dilation %d, same %v: spec.ConvAxis = %d, %d; the reference %d, %d",
								in, k, s, d, same, gotOut, gotBefore, out, before)
						}
					}
				}
			}
		}
	}
	for _, c := range []struct {
		in, k, s, d        int
		same               bool
		out, total, before int
		what               string
	}{
		{28, 3, 1, 1, false, 26, 0, 0, "MNIST's first conv"},
		{26, 2, 2, 1, false, 13, 0, 0, "a 2×2 pool"},
		{5, 2, 2, 1, true, 3, 1, 0, "same: the odd pixel after"},
		{7, 4, 1, 1, true, 7, 3, 1, "same: 3 of padding, 1 before"},
		{7, 3, 3, 1, false, 2, 0, 0, "valid, stride 3"},
		{9, 3, 1, 2, false, 5, 0, 0, "dilation 2: a span of 5"},
		{9, 3, 1, 2, true, 9, 4, 2, "same at dilation 2"},
		{1, 3, 1, 1, true, 1, 2, 1, "same on one pixel"},
		{2, 3, 1, 1, false, 0, 0, 0, "valid does not fit"},
	} {
		out, total, before := refConvAxis(c.in, c.k, c.s, c.d, c.same)
		if out != c.out || total != c.total || before != c.before {
			t.Errorf("%s: refConvAxis(%d, %d, %d, %d, %v) = %d, %d, %d; want %d, %d, %d", c.what, c.in, c.k, c.s, c.d, c.same, out, total, before, c.out, c.total, c.before)
		}
	}
}

// randomNetParams draws every tensor of net: kernels (conv2d [KH, KW, C, F] with Keras' fans
// KH·KW·C and KH·KW·F, dense [in, out]) uniform within scale times glorot's limit, biases within
// ±0.3, a batch normalization's gamma in (0.5, 1.5), beta and moving mean within ±0.3, moving
// variance in (0.3, 1.3); round (f32 or the identity) is applied to each.
func randomNetParams(r *rand.Rand, net refNet, scale float64, round func(float64) float64) [][]float64 {
	var p [][]float64
	for _, info := range net.tensorInfo() {
		n := 1
		for _, d := range info.Shape {
			n *= d
		}
		t := make([]float64, n)
		u := func(lo, hi float64) float64 { return round(lo + (hi-lo)*r.Float64()) }
		for j := range t {
			switch {
			case strings.HasSuffix(info.Name, "/kernel"):
				s := info.Shape
				fanIn, fanOut := s[0], s[1]
				if len(s) == 4 {
					fanIn, fanOut = s[0]*s[1]*s[2], s[0]*s[1]*s[3]
				}
				lim := scale * math.Sqrt(6/float64(fanIn+fanOut))
				t[j] = u(-lim, lim)
			case strings.HasSuffix(info.Name, "/gamma"):
				t[j] = u(0.5, 1.5)
			case strings.HasSuffix(info.Name, "/moving_variance"):
				t[j] = u(0.3, 1.3)
			default:
				t[j] = u(-0.3, 0.3)
			}
		}
		p = append(p, t)
	}
	return p
}

// convFDCase is a small convolutional network with its data and training masks.
type convFDCase struct {
	m     *spec.Model
	net   refNet
	p     [][]float64
	x, y  []float64
	n     int
	masks refMasks
}

// randomConvFDCase draws a network: an image of 3 to 6 pixels a side (odd sizes half the time) and
// 1 or 2 channels; half the time a rescaling, an activation or a dropout before; now and then a
// batch normalization of the input image; 1 to 3 conv2d layers (kernels 1 to 3 a side, strides 1
// to 3 or dilation 2, 'valid' when it fits and else 'same', half of them 'same' anyway, 1 to 3
// filters, any elementwise activation, a bias two times in three, regularizers one time in three),
// each followed half the time by a pooling of either kind, a batch normalization, a dropout or an
// activation; a flatten or a global pooling, sometimes a dropout or batch normalization after it;
// then one or two dense layers, the loss in turn.
func randomConvFDCase(r *rand.Rand, i int) convFDCase {
	losses := append(slices.Clone(allLosses), newLosses...)
	loss := losses[i%len(losses)]
	h, w, c := 3+r.IntN(4), 3+r.IntN(4), 1+r.IntN(2)
	m := &spec.Model{Name: fmt.Sprintf("conv%d", i), Input: spec.Input{Shape: []int{h, w, c}}, Compile: spec.Compile{Loss: loss}}
	act := func() string { return elementwise[r.IntN(len(elementwise))] }
	reg := func() spec.Regularizer {
		if r.IntN(3) > 0 {
			return spec.Regularizer{}
		}
		return spec.Regularizer{L1: []float64{0, 0.02}[r.IntN(2)], L2: []float64{0.05, 0}[r.IntN(2)]}
	}
	bn := func() spec.Layer {
		return spec.Layer{Type: "batch_normalization", BatchNorm: spec.BatchNorm{Momentum: 0.9, Epsilon: []float64{1e-3, 1e-2}[r.IntN(2)],
			Center: r.IntN(3) > 0, Scale: r.IntN(3) > 0}}
	}
	drop := func() spec.Layer { return dropoutLayer([]float64{0.2, 0.5}[r.IntN(2)]) }
	add := func(l spec.Layer) { m.Layers = append(m.Layers, l) }
	switch r.IntN(6) {
	case 0:
		add(rescaling(f32(0.5+1.5*r.Float64()), f32(r.Float64()-0.5)))
	case 1:
		add(activationLayer([]string{"tanh", "gelu", "softplus"}[r.IntN(3)]))
	case 2:
		add(drop())
	}
	if r.IntN(6) == 0 {
		add(bn())
	}
	shape := [2]int{h, w}
	// window returns a geometry of one axis that fits: padding 'valid' when the span fits and a
	// coin says so, else 'same'.
	fits := func(k [2]int, s, d [2]int, padding string) ([2]int, bool) {
		var out [2]int
		for a := 0; a < 2; a++ {
			out[a], _, _ = refConvAxis(shape[a], k[a], s[a], d[a], padding == "same")
			if out[a] < 1 {
				return out, false
			}
		}
		return out, true
	}
	convs := 1 + r.IntN(3)
	for k := 0; k < convs; k++ {
		kernel := [2]int{1 + r.IntN(3), 1 + r.IntN(3)}
		strides, dil := [2]int{1 + r.IntN(3), 1 + r.IntN(3)}, one2
		if r.IntN(4) == 0 {
			strides, dil = one2, [2]int{2, 1 + r.IntN(2)}
		}
		padding := []string{"valid", "same"}[r.IntN(2)]
		out, ok := fits(kernel, strides, dil, padding)
		if !ok {
			padding = "same"
			out, _ = fits(kernel, strides, dil, padding)
		}
		l := convLayer(1+r.IntN(3), kernel, strides, dil, padding, act(), r.IntN(3) > 0)
		l.KernelRegularizer = reg()
		if l.UseBias {
			l.BiasRegularizer = reg()
		}
		add(l)
		shape = out
		switch r.IntN(8) {
		case 0, 1:
			kind := []string{"max_pooling2d", "average_pooling2d"}[r.IntN(2)]
			size := [2]int{1 + r.IntN(3), 1 + r.IntN(3)}
			st := size
			if r.IntN(2) == 0 {
				st = [2]int{1 + r.IntN(3), 1 + r.IntN(3)}
			}
			padding := []string{"valid", "same"}[r.IntN(2)]
			out, ok := fits(size, st, one2, padding)
			if !ok {
				padding = "same"
				out, _ = fits(size, st, one2, padding)
			}
			add(poolLayer(kind, size, st, padding))
			shape = out
		case 2:
			add(bn())
		case 3:
			add(drop())
		case 4:
			add(activationLayer(act()))
		}
	}
	switch r.IntN(4) {
	case 0:
		add(globalMax)
	case 1:
		add(globalAvg)
	default:
		add(flattenLayer)
	}
	switch r.IntN(6) {
	case 0:
		add(drop())
	case 1:
		add(bn())
	}
	if r.IntN(3) == 0 {
		add(denseLayer(1+r.IntN(3), []string{"tanh", "relu", "gelu"}[r.IntN(3)]))
	}
	out := denseLayer(1+r.IntN(3), []string{"linear", "tanh", "sigmoid"}[r.IntN(3)])
	switch loss {
	case cce, scce:
		out.Activation, out.Units = "softmax", 2+r.IntN(2)
	case bce:
		out.Activation = "sigmoid"
	}
	add(out)
	net := newRefNet(m)
	cs := convFDCase{m: m, net: net, n: 1 + r.IntN(3)}
	cs.p = randomNetParams(r, net, 1.5, func(v float64) float64 { return v })
	cs.x = make([]float64, cs.n*net.In)
	for j := range cs.x {
		cs.x[j] = 2*r.Float64() - 1
	}
	cs.y = randomTargets(r, net, cs.n, func(v float64) float64 { return v })
	cs.masks = refMasks{} // training
	ds, widths := net.dropouts()
	for k, d := range ds {
		mask := make([]float64, cs.n*widths[k])
		for e := range mask {
			if r.Float64() >= d.Rate {
				mask[e] = 1 / (1 - d.Rate)
			}
		}
		cs.masks[d.Index] = mask
	}
	return cs
}

func (c convFDCase) describe() string {
	s := fmt.Sprintf("%s (%s, %d rows): input %v", c.m.Name, c.net.Loss, c.n, c.m.Input.Shape)
	for _, p := range c.net.Pre {
		s += " → " + p.Kind
	}
	s += c.net.describeImg()
	for _, ly := range c.net.Layers {
		s += fmt.Sprintf(" → dense %d %s", ly.Out, ly.Act)
		for _, op := range ly.Post {
			s += " → " + op.Kind
		}
	}
	return s
}

// fdSample picks at most k of the indexes 0 to n − 1, at random (all of them when n <= k).
func fdSample(r *rand.Rand, n, k int) []int {
	idx := r.Perm(n)
	if n > k {
		idx = idx[:k]
	}
	slices.Sort(idx)
	return idx
}

// fdEntry is one entry of a trained tensor: tensor T, element I.
type fdEntry struct{ T, I int }

// checkSampledFD is checkFDAt on at most perTensor entries of each trained tensor, picked at
// random, and at most inputs entries of x (none when inputs is 0).
func (net refNet) checkSampledFD(r *rand.Rand, errorf func(format string, args ...any), st, stx *fdStats, desc string, p [][]float64, x, y []float64, n int, masks refMasks, perTensor, inputs int) {
	var entries []fdEntry
	for _, ti := range net.trainable() {
		for _, j := range fdSample(r, len(p[ti]), perTensor) {
			entries = append(entries, fdEntry{ti, j})
		}
	}
	var xs []int
	if inputs > 0 {
		xs = fdSample(r, len(x), inputs)
	}
	net.checkFDAt(errorf, st, stx, desc, p, x, y, n, masks, entries, xs)
}

// checkFDAt is checkParamFD (the same difference, bound and kink rule) on the given entries of the
// trained tensors, and checkInputGradFD's check of ∂L/∂x (the reference's DX, through the image and
// input stages, with a step of 2⁻¹⁴) on the given entries of x. It also checks that the fixed
// statistics get no gradient.
func (net refNet) checkFDAt(errorf func(format string, args ...any), st, stx *fdStats, desc string, p [][]float64, x, y []float64, n int, masks refMasks, entries []fdEntry, xs []int) {
	f := net.forwardMasked(p, x, n, masks)
	loss := net.trainingLoss(p, f, y)
	sig := net.kinkSignature(p, f, y)
	b := net.backward(p, f, y)
	info := net.tensorInfo()
	check := func(st *fdStats, what string, g float64, at func(d float64) (float64, bool), h float64) {
		fd, ok := fourthOrder(at, h)
		if !ok {
			st.skipped++
			return
		}
		st.checked++
		bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss))
		st.worst = math.Max(st.worst, math.Abs(fd-g)/bound)
		if !(math.Abs(fd-g) <= bound) {
			errorf("%s: %s: gradient %.12g, finite difference %.12g (|diff| %.3g > %.3g)", desc, what, g, fd, math.Abs(fd-g), bound)
		}
	}
	for _, e := range entries {
		check(st, fmt.Sprintf("%s[%d]", info[e.T].Name, e.I), b.Grads[e.T][e.I], func(d float64) (float64, bool) {
			q := cloneAll(p)
			q[e.T][e.I] += d
			fq := net.forwardMasked(q, x, n, masks)
			return net.trainingLoss(q, fq, y), net.kinkSignature(q, fq, y) == sig
		}, fdStep)
	}
	for ti, in := range info {
		if in.Fixed && slices.ContainsFunc(b.Grads[ti], func(v float64) bool { return v != 0 }) {
			errorf("%s: %s has a gradient", desc, in.Name)
		}
	}
	for _, j := range xs {
		check(stx, fmt.Sprintf("∂L/∂x[%d]", j), b.DX[j], func(d float64) (float64, bool) {
			xq := append([]float64(nil), x...)
			xq[j] += d
			fq := net.forwardMasked(p, xq, n, masks)
			return net.trainingLoss(p, fq, y), net.kinkSignature(p, fq, y) == sig
		}, 0x1p-14)
	}
}

// TestReferenceFiniteDifferencesConv checks the gradients of the reference's convolutional
// networks against finite differences, as TestReferenceFiniteDifferences does (the same
// fourth-order difference, bound and kink rule: a stencil across a relu-like input's sign, a max
// pooling's choice of cell, an L1 parameter's sign or a clip is skipped): up to 24 entries of every
// trained tensor (conv2d kernels and biases, batch normalizations' gamma and beta, dense kernels
// and biases) and up to 24 inputs, through the image stage and the input stage, of each of 240
// random networks, with their dropout masks fixed (training). It also checks that the networks
// cover what randomConvFDCase promises.
func TestReferenceFiniteDifferencesConv(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	var st, stx fdStats
	seen := map[string]int{}
	for i := 0; i < 240; i++ {
		c := randomConvFDCase(r, i)
		for k, v := range convFDCover(c.net) {
			if v {
				seen[k]++
			}
		}
		c.net.checkSampledFD(r, t.Errorf, &st, &stx, c.describe(), c.p, c.x, c.y, c.n, c.masks, 24, 24)
	}
	st.report(t)
	stx.report(t)
	for _, want := range []string{"stride 1", "stride 2", "stride 3", "valid", "same", "odd total padding", "dilation 2", "two convs", "three convs",
		"max_pooling2d", "average_pooling2d", "global_max_pooling2d", "global_average_pooling2d", "flatten", "overlapping pooling",
		"same pooling", "batch_normalization on an image", "batch_normalization of the input image", "dropout on an image",
		"activation on an image", "rescaling before", "kernel regularizer", "bias regularizer", "conv without bias",
		"conv gelu", "conv silu", "conv relu", "odd size"} {
		if seen[want] < 5 {
			t.Errorf("%s: in %d networks, want at least 5", want, seen[want])
		}
	}
}

// convFDCover lists what a convolutional network has, for the coverage checks.
func convFDCover(net refNet) map[string]bool {
	got := map[string]bool{}
	convs := 0
	for i, op := range net.Img {
		got[op.Kind] = true
		g := op.G
		switch op.Kind {
		case "conv2d":
			convs++
			got[fmt.Sprintf("stride %d", g.SH)], got[fmt.Sprintf("stride %d", g.SW)] = true, true
			got[map[bool]string{false: "valid", true: "same"}[g.Same]] = true
			if g.DH == 2 || g.DW == 2 {
				got["dilation 2"] = true
			}
			if g.PadH%2 == 1 || g.PadW%2 == 1 {
				got["odd total padding"] = true
			}
			if !op.KernelReg.Zero() {
				got["kernel regularizer"] = true
			}
			if op.Bias && !op.BiasReg.Zero() {
				got["bias regularizer"] = true
			}
			if !op.Bias {
				got["conv without bias"] = true
			}
			got["conv "+op.Act] = true
			if op.In[0]%2 == 1 || op.In[1]%2 == 1 {
				got["odd size"] = true
			}
		case "max_pooling2d", "average_pooling2d":
			if g.SH < g.KH || g.SW < g.KW {
				got["overlapping pooling"] = true
			}
			if g.PadH+g.PadW > 0 {
				got["same pooling"] = true
			}
		case "batch_normalization", "dropout", "activation":
			if op.In[0]*op.In[1] > 1 {
				got[op.Kind+" on an image"] = true
			}
			if op.Kind == "batch_normalization" && i == 0 {
				got["batch_normalization of the input image"] = true
			}
		}
	}
	got["two convs"], got["three convs"] = convs == 2, convs == 3
	for _, p := range net.Pre {
		got[p.Kind+" before"] = true
	}
	return got
}

// TestReferenceFiniteDifferencesConvDetectsBugs checks that those finite differences catch the
// planted mistakes that make a convolutional network's gradients disagree with its loss (the
// forward pass stays right): in each network whose gradients (or input gradients) a mistake
// changes by more than the check's bound, the check of up to 8 of the entries it changes must
// fail, in at least 90% of those networks.
func TestReferenceFiniteDifferencesConvDetectsBugs(t *testing.T) {
	for _, bug := range []struct {
		name  string
		plant func(b *refBugs)
	}{
		{"the input gradient of overlapping windows overwritten, not summed", func(b *refBugs) { b.ConvColsOverwrite = true }},
		{"the kernel's and bias' gradients over the first n pixel rows only", func(b *refBugs) { b.ConvGradRows = true }},
		{"average pooling's backward divided by the whole window", func(b *refBugs) { b.AvgPoolBackFull = true }},
	} {
		r := rand.New(rand.NewPCG(91, 92))
		applied, caught := 0, 0
		for i := 0; i < 240; i++ {
			c := randomConvFDCase(r, i)
			net := c.net
			bug.plant(&net.Bugs)
			entries, xs := gradientsDiffer(c.net, net, c)
			if len(entries)+len(xs) == 0 {
				continue
			}
			applied++
			failed := false
			net.checkFDAt(func(string, ...any) { failed = true }, new(fdStats), new(fdStats), "", c.p, c.x, c.y, c.n, c.masks, entries, xs)
			if failed {
				caught++
			}
		}
		t.Logf("%s: caught in %d of the %d networks whose gradients it changes", bug.name, caught, applied)
		if applied < 10 || caught*10 < applied*9 {
			t.Errorf("%s: caught in only %d of the %d networks whose gradients it changes", bug.name, caught, applied)
		}
	}
}

// gradientsDiffer returns up to 8 entries of the trained tensors, and up to 8 of the input, where
// the gradients of a and b on c's data differ by more than the finite differences' bound.
func gradientsDiffer(a, b refNet, c convFDCase) ([]fdEntry, []int) {
	fa, fb := a.forwardMasked(c.p, c.x, c.n, c.masks), b.forwardMasked(c.p, c.x, c.n, c.masks)
	ga, gb := a.backward(c.p, fa, c.y), b.backward(c.p, fb, c.y)
	loss := a.trainingLoss(c.p, fa, c.y)
	differ := func(x, y float64) bool { return math.Abs(x-y) > 1e-6*math.Abs(x)+1e-9*(1+math.Abs(loss)) }
	var entries []fdEntry
	var xs []int
	for _, ti := range a.trainable() {
		for i := range ga.Grads[ti] {
			if len(entries) < 8 && differ(ga.Grads[ti][i], gb.Grads[ti][i]) {
				entries = append(entries, fdEntry{ti, i})
			}
		}
	}
	for i := range ga.DX {
		if len(xs) < 8 && differ(ga.DX[i], gb.DX[i]) {
			xs = append(xs, i)
		}
	}
	return entries, xs
}

// convHandChecks runs the hand-worked cases of the convolutional layers through a reference with
// the planted mistakes bugs, reporting every value through near.
func convHandChecks(bugs refBugs, near func(what string, got, want float64)) {
	model := func(shape []int, layers ...spec.Layer) refNet {
		m := &spec.Model{Input: spec.Input{Shape: shape}, Layers: layers, Compile: spec.Compile{Loss: mse}}
		net := newRefNet(m)
		net.Bugs = bugs
		return net
	}
	dense1 := spec.Layer{Type: "dense", Units: 1, Activation: "linear"}
	// The 3×3 image x (one channel), row-major.
	x := []float64{
		1, 2, 0,
		3, -1, 4,
		2, 5, 1,
	}
	vector := func(what string, got, want []float64) {
		if len(got) != len(want) {
			near(what+" length", float64(len(got)), float64(len(want)))
			return
		}
		for i := range want {
			near(fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
		}
	}

	// A 2×2 kernel of two filters over x, 'valid', bias (0.5, −1): filter 0 is [[1, 0], [0, −1]],
	// x[oy][ox] − x[oy+1][ox+1] + 0.5; filter 1 is [[0, 1], [2, 0]], x[oy][ox+1] + 2·x[oy+1][ox] − 1.
	// Stored [KH, KW, C, F]: tap (0,0) (1, 0), (0,1) (0, 1), (1,0) (0, 2), (1,1) (−1, 0).
	//   filter 0: 1 − (−1) = 2, 2 − 4 = −2, 3 − 5 = −2, −1 − 1 = −2, plus 0.5;
	//   filter 1: 2 + 6 = 8, 0 − 2 = −2, −1 + 4 = 3, 4 + 10 = 14, minus 1.
	net := model([]int{3, 3, 1}, convLayer(2, pair(2), one2, one2, "valid", "linear", true), flattenLayer, dense1)
	p := [][]float64{{1, 0, 0, 1, 0, 2, -1, 0}, {0.5, -1}, {1, 1, 1, 1, 1, 1, 1, 1}}
	f := net.forward(p, x, 1)
	vector("conv2d 2×2 out", f.Img[1], []float64{2.5, 7, -1.5, -3, -1.5, 2, -1.5, 13})
	// With a dense layer of ones the network's output is their sum, 17; against y = 16.5 the squared
	// error's gradient is 2·(17 − 16.5) = 1 for every conv output. So ∂L/∂kernel[t][f] is the sum of
	// the inputs tap t sees over the four windows, 5, 5, 9, 9 for taps (0,0), (0,1), (1,0), (1,1);
	// ∂L/∂bias = 4; ∂L/∂x at a cell is the sum over the windows reading it of the tap's Σ_f kernel
	// (1, 1, 2, −1): x[0][0] only tap (0,0) of one window, 1; x[1][1] taps (1,1), (1,0), (0,1), (0,0), 3.
	b := net.backward(p, f, []float64{16.5})
	vector("conv2d 2×2 ∂kernel", b.Grads[0], []float64{5, 5, 5, 5, 9, 9, 9, 9})
	vector("conv2d 2×2 ∂bias", b.Grads[1], []float64{4, 4})
	vector("conv2d 2×2 ∂x", b.DX, []float64{1, 2, 1, 3, 3, 0, 2, 1, -1})

	// One filter [[1, 2], [3, 4]]; 'same' with strides 1: a total padding of 1 on each axis, all
	// after. Out (0,0) = 1·1 + 2·2 + 3·3 − 1·4 = 10; (0,2) = 0·1 + 4·3 = 12 (column 3 is padding);
	// (2,0) = 2·1 + 5·2 = 12; (2,2) = 1·1.
	k4 := [][]float64{{1, 2, 3, 4}, {1, 1, 1, 1, 1, 1, 1, 1, 1}}
	net = model([]int{3, 3, 1}, convLayer(1, pair(2), one2, one2, "same", "linear", false), flattenLayer, dense1)
	f = net.forward(k4, x, 1)
	vector("conv2d same (odd padding after)", []float64{f.Img[1][0], f.Img[1][2], f.Img[1][6], f.Img[1][8]}, []float64{10, 12, 12, 1})
	// Strides 2, 'same': out 2×2, padding 1 after: (0,0) 10, (0,1) = x[0][2]·1 + x[1][2]·3 = 12,
	// (1,0) = x[2][0]·1 + x[2][1]·2 = 12, (1,1) = x[2][2]·1 = 1.
	k4[1] = []float64{1, 1, 1, 1}
	net = model([]int{3, 3, 1}, convLayer(1, pair(2), pair(2), one2, "same", "linear", false), flattenLayer, dense1)
	f = net.forward(k4, x, 1)
	vector("conv2d strides 2 same", f.Img[1], []float64{10, 12, 12, 1})
	// Dilation 2: the 2×2 kernel's taps are the image's corners: 1·1 + 0·2 + 2·3 + 1·4 = 11.
	net = model([]int{3, 3, 1}, convLayer(1, pair(2), one2, pair(2), "valid", "linear", false), flattenLayer, dense1)
	f = net.forward([][]float64{{1, 2, 3, 4}, {1}}, x, 1)
	vector("conv2d dilation 2", f.Img[1], []float64{11})
	// A 3×3 kernel of ones, 'same': a padding of 1 before and after; out (0,0) sums x[0..1][0..1] = 5,
	// (1,1) all of x, 17, (2,2) x[1..2][1..2] = 9.
	net = model([]int{3, 3, 1}, convLayer(1, pair(3), one2, one2, "same", "linear", false), flattenLayer, dense1)
	ones := [][]float64{{1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}}
	f = net.forward(ones, x, 1)
	vector("conv2d 3×3 same", []float64{f.Img[1][0], f.Img[1][4], f.Img[1][8]}, []float64{5, 17, 9})

	// Average pooling 2×2, strides 2, 'same' on x: out 2×2, padding 1 after, so the windows are cut
	// to their cells inside the image and divide by how many: (0,0) (1 + 2 + 3 − 1)/4 = 1.25,
	// (0,1) (0 + 4)/2 = 2, (1,0) (2 + 5)/2 = 3.5, (1,1) 1/1 = 1. Backward from ones: each cell gets
	// 1/count of its window: x[0][0] ¼, x[0][2] ½, x[2][2] 1.
	net = model([]int{3, 3, 1}, poolLayer("average_pooling2d", pair(2), pair(2), "same"), flattenLayer, dense1)
	op := net.Img[0]
	vector("average pooling same", net.avgPool(op, x, 1), []float64{1.25, 2, 3.5, 1})
	d := net.avgPoolBackward(op, []float64{1, 1, 1, 1}, 1)
	vector("average pooling same backward", []float64{d[0], d[2], d[8]}, []float64{0.25, 0.5, 1})
	// Max pooling the same way: the padding never wins, even over negative cells: with x[2][2] = −2
	// the corner window's maximum is −2, not 0.
	xn := slices.Clone(x)
	xn[8] = -2
	net = model([]int{3, 3, 1}, poolLayer("max_pooling2d", pair(2), pair(2), "same"), flattenLayer, dense1)
	out, _ := net.maxPool(net.Img[0], xn, 1)
	vector("max pooling same", out, []float64{3, 4, 5, -2})
	// A tie: the window [[3, 3], [1, 3]] has its maximum at three cells; the gradient goes to the
	// first, (0,0).
	net = model([]int{2, 2, 1}, poolLayer("max_pooling2d", pair(2), pair(2), "valid"), flattenLayer, dense1)
	out, arg := net.maxPool(net.Img[0], []float64{3, 3, 1, 3}, 1)
	vector("max pooling tie", out, []float64{3})
	vector("max pooling tie backward", net.maxPoolBackward(net.Img[0], []float64{1}, arg, 1), []float64{1, 0, 0, 0})
	// Overlapping windows (2×2, strides 1) over [[0, 5, 1], [2, 3, 4]]: both windows' maximum is the
	// 5 at (0,1), which gets both gradients, 1 + 2.
	net = model([]int{2, 3, 1}, poolLayer("max_pooling2d", pair(2), one2, "valid"), flattenLayer, dense1)
	out, arg = net.maxPool(net.Img[0], []float64{0, 5, 1, 2, 3, 4}, 1)
	vector("overlapping max pooling", out, []float64{5, 5})
	vector("overlapping max pooling backward", net.maxPoolBackward(net.Img[0], []float64{1, 2}, arg, 1), []float64{0, 3, 0, 0, 0, 0})
	// Global pooling of a 2×2 image of two channels, (c0, c1) per pixel (1, −1), (2, 0), (−3, 5),
	// (4, 2): per channel the maximum (4, 5) and the mean (1, 1.5).
	img := []float64{1, -1, 2, 0, -3, 5, 4, 2}
	net = model([]int{2, 2, 2}, globalMax, dense1)
	out, _ = net.maxPool(net.Img[0], img, 1)
	vector("global max pooling", out, []float64{4, 5})
	net = model([]int{2, 2, 2}, globalAvg, dense1)
	vector("global average pooling", net.avgPool(net.Img[0], img, 1), []float64{1, 1.5})

	// Flatten keeps the row as it is, height, width, channels: a 1×2×2 image (1, 2, 3, 4) under a
	// dense kernel (1, 10, 100, 1000) gives 4321.
	net = model([]int{1, 2, 2}, flattenLayer, dense1)
	near("flatten order", net.forward([][]float64{{1, 10, 100, 1000}}, []float64{1, 2, 3, 4}, 1).Output()[0], 4321)

	// Batch normalization of a 1×2×1 image normalises its channel over both pixels: (1, 3) has mean
	// 2 and variance 1, so with ε = 0.25, gamma 2 and beta 0.5 the outputs are 0.5 ∓ 2/√1.25.
	net = model([]int{1, 2, 1}, spec.Layer{Type: "batch_normalization", BatchNorm: spec.BatchNorm{Momentum: 0.9, Epsilon: 0.25, Center: true, Scale: true}},
		flattenLayer, dense1)
	f = net.forwardMasked([][]float64{{2}, {0.5}, {0}, {1}, {1, 1}}, []float64{1, 3}, 1, refMasks{})
	vector("batch normalization of an image", f.Img[1], []float64{0.5 - 2/math.Sqrt(1.25), 0.5 + 2/math.Sqrt(1.25)})
}

// TestReferenceByHandConv checks the reference's convolutional layers against values worked out
// on paper (convHandChecks), and their layer indexes, tensors and dropout widths.
func TestReferenceByHandConv(t *testing.T) {
	convHandChecks(refBugs{}, func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	})
	// Layer indexes: rescaling 1, conv2d 2 and its gelu 3, dropout 4, batch normalization 5, max
	// pooling 6, flatten none, dropout 7, dense 8.
	m := &spec.Model{Input: spec.Input{Shape: []int{6, 5, 2}}, Compile: spec.Compile{Loss: cce}, Layers: layers(
		rescaling(0.5, 0), convLayer(3, [2]int{3, 2}, one2, one2, "valid", "gelu", true), dropoutLayer(0.2), bnDefault(),
		poolLayer("max_pooling2d", pair(2), pair(2), "valid"), flattenLayer, dropoutLayer(0.5), denseLayer(4, "softmax"))}
	net := newRefNet(m)
	ops, widths := net.dropouts()
	var idx []int
	for _, op := range ops {
		idx = append(idx, op.Index)
	}
	if !slices.Equal(idx, []int{4, 7}) || !slices.Equal(widths, []int{4 * 4 * 3, 2 * 2 * 3}) {
		t.Errorf("dropout indexes %v and widths %v, want [4 7] and [48 12]", idx, widths)
	}
	var names []string
	for _, ti := range net.tensorInfo() {
		names = append(names, fmt.Sprintf("%s%v", ti.Name, ti.Shape))
	}
	want := []string{"conv2d1/kernel[3 2 2 3]", "conv2d1/bias[3]", "batch_normalization1/gamma[3]", "batch_normalization1/beta[3]",
		"batch_normalization1/moving_mean[3]", "batch_normalization1/moving_variance[3]", "dense1/kernel[12 4]", "dense1/bias[4]"}
	if !slices.Equal(names, want) {
		t.Errorf("tensors %q, want %q", names, want)
	}
	if got := net.trainable(); !slices.Equal(got, []int{0, 1, 2, 3, 6, 7}) {
		t.Errorf("trainable tensors %v, want [0 1 2 3 6 7]", got)
	}
	if net.Img[0].In != [3]int{6, 5, 2} || net.Img[0].Out != [3]int{4, 4, 3} || net.Layers[0].In != 12 {
		t.Errorf("shapes: conv2d %v → %v, dense input %d; want [6 5 2] → [4 4 3], 12", net.Img[0].In, net.Img[0].Out, net.Layers[0].In)
	}
}

// TestReferenceConvByHandDetectsBugs checks that the hand-worked cases catch the planted mistakes
// the finite differences cannot (those that change the forward pass and its gradients alike):
// each must disagree with some value worked out on paper.
func TestReferenceConvByHandDetectsBugs(t *testing.T) {
	for _, bug := range []struct {
		name  string
		plant func(b *refBugs)
	}{
		{"the kernel read as [Filters][C][KH][KW]", func(b *refBugs) { b.ConvKernelFCHW = true }},
		{"the odd padding pixel before", func(b *refBugs) { b.ConvPadBefore = true }},
		{"no padding before", func(b *refBugs) { b.ConvNoPad = true }},
		{"the dilation ignored", func(b *refBugs) { b.ConvNoDilation = true }},
		{"average pooling over the padded window", func(b *refBugs) { b.AvgPoolPadded = true }},
		{"average pooling's backward over the whole window", func(b *refBugs) { b.AvgPoolBackFull = true }},
		{"max pooling's gradient to the last maximum", func(b *refBugs) { b.MaxPoolLastMax = true }},
		{"flatten channels first", func(b *refBugs) { b.FlattenCHW = true }},
		{"the input gradient of overlapping windows overwritten", func(b *refBugs) { b.ConvColsOverwrite = true }},
		{"the kernel's gradient over n pixel rows only", func(b *refBugs) { b.ConvGradRows = true }},
	} {
		var bugs refBugs
		bug.plant(&bugs)
		var wrong []string
		convHandChecks(bugs, func(what string, got, want float64) {
			if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				wrong = append(wrong, what)
			}
		})
		t.Logf("%s: caught by %v", bug.name, wrong)
		if len(wrong) == 0 {
			t.Errorf("%s: no hand-worked value catches it", bug.name)
		}
	}
}
