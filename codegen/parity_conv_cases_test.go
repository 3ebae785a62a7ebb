package codegen_test

// The parity specs of convolutional networks (issue 9), named k0, k1, ...: odd image sizes,
// strides 1 to 3, both paddings (an odd total padding too, whose pixel goes after), dilation,
// 1 to 3 conv2d layers (a 1×1 one among them), pooling of each kind ('same' windows cut at the
// edges, overlapping windows), batch normalization on images (of the raw image too), dropout on
// images, gelu and silu on conv2d (their activation layers), regularizers on conv2d kernels and
// biases, flatten or global pooling before the dense layers, an image input without conv2d, a
// pooling before the first trained layer, rescaling before the first conv2d, and most optimisers.
// Three plans are sized for two cores (see twoCore: at least 16 rows and 2²⁰ flops a batch,
// convolutions counted by their multiply-adds); one has an exact first convolution (integer
// pixels under a kernel of halves: every product and sum is a float32, so the max pooling after it
// sees exact ties, and the first of them must get the gradient). They are drawn after, and from
// another stream than, the other cases, which so stay as they were.

import (
	"fmt"
	"math/rand/v2"

	"github.com/nngen/nngen/spec"
)

// convRecipe is one convolutional spec, with what is random left zero.
type convRecipe struct {
	input  [3]int       // height, width, channels
	layers []spec.Layer // every layer; the last (dense) layer's Units is out
	out    int
	loss   string
	opt    spec.Optimizer
	batch  int // 0: random 2 to 24
	rows   []int
	seed   *uint64 // given to SetSeed
	bytes  bool    // the pixels are bytes, 0 to 255 (for a rescaling by 1/255)
	// exact: the pixels are 0, 1 or 2 and the first conv2d's kernel and bias are multiples of ½
	// within ±1, so that its outputs are exact in float32.
	exact bool
	notes string
}

var convSeed uint64 = 0xc0_1d_5eed

// initializer gives a layer the kernel initializer init.
func initializer(l spec.Layer, init string) spec.Layer {
	l.KernelInitializer = init
	return l
}

func withRegs(l spec.Layer, kernel, bias spec.Regularizer) spec.Layer {
	l.KernelRegularizer, l.BiasRegularizer = kernel, bias
	return l
}

var convRecipes = []convRecipe{
	{input: [3]int{7, 7, 1}, layers: layers(rescaling(1.0/255, 0), convLayer(4, pair(3), one2, one2, "valid", "relu", true),
		poolLayer("max_pooling2d", pair(2), pair(2), "valid"), flattenLayer, denseLayer(0, "softmax")),
		out: 3, loss: cce, opt: adamOpt(0.003), bytes: true, notes: "the Simple MNIST convnet in miniature"},
	{input: [3]int{9, 8, 2}, layers: layers(convLayer(3, [2]int{3, 2}, pair(2), one2, "same", "tanh", true),
		poolLayer("average_pooling2d", pair(2), pair(2), "same"), flattenLayer, denseLayer(0, "linear")),
		out: 2, loss: mse, opt: sgdOpt(0.05, 0.9, false)},
	{input: [3]int{6, 7, 3}, layers: layers(initializer(convLayer(5, pair(3), one2, one2, "same", "relu", true), "he_uniform"),
		convLayer(4, pair(3), pair(3), one2, "valid", "elu", true), globalAvg, denseLayer(0, "softmax")),
		out: 4, loss: scce, opt: rmspropOpt(0.003, 0, false)},
	{input: [3]int{10, 9, 1}, layers: layers(convLayer(3, pair(3), one2, pair(2), "valid", "relu", true),
		poolLayer("max_pooling2d", pair(3), pair(2), "same"), flattenLayer, denseLayer(0, "sigmoid")),
		out: 1, loss: bce, opt: nadamOpt(0.01), notes: "dilation 2"},
	{input: [3]int{8, 8, 2}, layers: layers(noBias(convLayer(4, pair(2), one2, one2, "same", "linear", true)), bnLayer(0.9, 1e-3, true, true),
		activationLayer("relu"), globalMax, denseLayer(0, "linear")),
		out: 3, loss: mae, opt: adamaxOpt(0.01), batch: 6, notes: "conv2d → batch normalization → relu"},
	{input: [3]int{7, 5, 3}, layers: layers(bnDefault(), convLayer(3, pair(3), one2, [2]int{2, 1}, "same", "gelu", true),
		flattenLayer, denseLayer(0, "linear")),
		out: 2, loss: mse, opt: adamwOpt(0.01, 0.004), batch: 5, notes: "batch normalization of the raw image: its moving statistics bit for bit"},
	{input: [3]int{9, 9, 1}, layers: layers(convLayer(4, pair(3), pair(2), one2, "same", "silu", true), dropoutLayer(0.2),
		convLayer(6, pair(3), one2, one2, "valid", "relu", true), dropoutLayer(0.5), flattenLayer, denseLayer(0, "softmax")),
		out: 5, loss: cce, opt: adamOpt(0.003), seed: &convSeed, notes: "SetSeed"},
	{input: [3]int{11, 7, 2}, layers: layers(withRegs(convLayer(3, [2]int{2, 3}, [2]int{1, 2}, one2, "same", "relu", true), l2Reg(0.01), l1Reg(0.01)),
		poolLayer("average_pooling2d", pair(3), one2, "same"), convLayer(4, pair(1), one2, one2, "valid", "relu", true), globalAvg,
		withRegs(denseLayer(0, "linear"), l1Reg(0.01), noReg)),
		out: 2, loss: mse, opt: sgdOpt(0.05, 0.5, true), notes: "a 1×1 conv2d reading its input directly"},
	{input: [3]int{8, 6, 1}, layers: layers(convLayer(3, pair(2), one2, one2, "valid", "linear", true),
		poolLayer("max_pooling2d", pair(2), one2, "valid"), flattenLayer, denseLayer(0, "softmax")),
		out: 3, loss: cce, opt: sgdOpt(0.1, 0, false), exact: true},
	// Two cores.
	{input: [3]int{14, 14, 1}, layers: layers(convLayer(8, pair(3), one2, one2, "valid", "relu", true), poolLayer("max_pooling2d", pair(2), pair(2), "valid"),
		initializer(convLayer(16, pair(3), one2, one2, "valid", "relu", true), "he_normal"), flattenLayer, denseLayer(0, "softmax")),
		out: 10, loss: cce, opt: adamOpt(0.003), batch: 20, rows: []int{20, 13, 20}},
	{input: [3]int{10, 10, 3}, layers: layers(withRegs(convLayer(8, pair(3), one2, one2, "same", "relu", true), l2Reg(0.01), noReg), dropoutLayer(0.2),
		poolLayer("average_pooling2d", pair(2), pair(2), "valid"), convLayer(8, pair(3), one2, one2, "same", "gelu", true), globalMax, denseLayer(0, "softmax")),
		out: 4, loss: cce, opt: with(adamOpt(0.003), func(o *spec.Optimizer) { o.ClipNorm = 0.05 }), batch: 16, rows: []int{16, 5, 16},
		notes: "clipnorm below the gradients' norms; a step of 5 rows, below ParallelMinRows"},
	{input: [3]int{16, 15, 2}, layers: layers(initializer(convLayer(6, pair(3), one2, one2, "valid", "relu", true), "glorot_normal"), convLayer(8, pair(3), pair(3), one2, "same", "tanh", true),
		convLayer(8, pair(2), one2, one2, "valid", "silu", true), globalAvg, denseLayer(0, "linear")),
		out: 3, loss: mse, opt: rmspropOpt(0.003, 0.9, true), batch: 16, rows: []int{16, 16, 11}},
	// Other arrangements.
	{input: [3]int{4, 5, 2}, layers: layers(flattenLayer, denseLayer(0, "relu"), denseLayer(0, "softmax")),
		out: 3, loss: scce, opt: sgdOpt(0.1, 0, false), notes: "an image input flattened, without conv2d"},
	{input: [3]int{5, 5, 2}, layers: layers(rescaling(0.5, -0.25), poolLayer("max_pooling2d", pair(2), one2, "same"),
		convLayer(3, pair(3), one2, one2, "valid", "relu", true), flattenLayer, denseLayer(0, "sigmoid")),
		out: 2, loss: bce, opt: adagradOpt(0.05), notes: "a pooling before the first trained layer"},
	{input: [3]int{9, 7, 2}, layers: layers(noBias(convLayer(4, pair(3), one2, one2, "valid", "linear", true)), bnLayer(0.9, 1e-3, false, true),
		activationLayer("relu"), poolLayer("max_pooling2d", pair(2), pair(2), "valid"), flattenLayer, bnDefault(), denseLayer(0, "softmax")),
		out: 3, loss: cce, opt: sgdOpt(0.05, 0.9, false), batch: 6, notes: "batch normalization of an image and of its flattened row"},
	{input: [3]int{7, 7, 1}, layers: layers(convLayer(4, pair(3), pair(2), one2, "valid", "selu", true), globalMax, dropoutLayer(0.5), denseLayer(0, "linear")),
		out: 2, loss: mae, opt: with(sgdOpt(0.05, 0, false), func(o *spec.Optimizer) { o.ClipValue = 0.02 })},
	{input: [3]int{8, 10, 1}, layers: layers(convLayer(2, pair(3), one2, one2, "same", "relu", true), poolLayer("average_pooling2d", pair(3), pair(3), "same"),
		flattenLayer, denseLayer(0, "softmax")),
		out: 3, loss: cce, opt: scheduled(adamOpt(0.01), spec.Schedule{Type: "exponential_decay", DecaySteps: 1, DecayRate: 0.5})},
	{input: [3]int{6, 6, 2}, layers: layers(dropoutLayer(0.2), convLayer(3, pair(2), pair(2), one2, "valid", "leaky_relu", true), activationLayer("softplus"),
		flattenLayer, denseLayer(0, "linear")),
		out: 1, loss: mse, opt: nadamOpt(0.003), batch: 3, rows: []int{1, 2, 3}, notes: "dropout on the input image; steps of 1 and 2 rows"},
}

// convCases draws the cases of convRecipes.
func convCases() []*parityCase {
	r := rand.New(rand.NewPCG(paritySeed(), 19))
	var cases []*parityCase
	for i, rc := range convRecipes {
		cases = append(cases, rc.draw(r, fmt.Sprintf("k%d", i), i))
	}
	return cases
}

func (rc convRecipe) draw(r *rand.Rand, name string, i int) *parityCase {
	m := &spec.Model{
		Path:    name + ".yaml",
		Name:    name,
		Input:   spec.Input{Shape: []int{rc.input[0], rc.input[1], rc.input[2]}},
		Compile: spec.Compile{Loss: rc.loss, Metrics: []string{"accuracy"}, Optimizer: rc.opt},
		Fit:     spec.Fit{Epochs: 1, BatchSize: rc.batch, Shuffle: true, Seed: uint64(300 + i)},
		Data:    spec.Data{Source: "idx", Dir: "data", TrainImages: "train-images-idx3-ubyte.gz", TrainLabels: "train-labels-idx1-ubyte.gz", TestImages: "t10k-images-idx3-ubyte.gz", TestLabels: "t10k-labels-idx1-ubyte.gz"},
	}
	if m.Fit.BatchSize == 0 {
		m.Fit.BatchSize = 2 + r.IntN(23)
	}
	if !m.Compile.Classifies() {
		m.Compile.Metrics = []string{"mae", "mse"}
		m.Data = spec.Data{Source: "csv", Train: "train.csv", TestSplit: 0.2, Header: true, Delimiter: ','}
		for j := 0; j < rc.out; j++ {
			m.Data.Label = append(m.Data.Label, spec.Column{Name: fmt.Sprintf("y%d", j)})
		}
	}
	for li, l := range rc.layers {
		if l.Type == "dense" {
			if li == len(rc.layers)-1 {
				l.Units = rc.out
			} else if l.Units == 0 {
				l.Units = 1 + r.IntN(24)
			}
		}
		m.Layers = append(m.Layers, l)
	}
	c := &parityCase{Model: m, Notes: rc.notes, SetSeed: rc.seed}
	c.Net = newRefNet(m)
	if rc.seed != nil {
		c.Net.Seed = *rc.seed
	}
	net := c.Net
	c.Params = randomNetParams(r, net, 1, f32)
	if rc.exact {
		// The first conv2d's kernel and bias: −1, −½, 0, ½ or 1.
		op := net.Img[0]
		for _, ti := range []int{op.Kernel, op.BiasAt} {
			for j := range c.Params[ti] {
				c.Params[ti][j] = float64(r.IntN(5)-2) / 2
			}
		}
	}
	bs := m.Fit.BatchSize
	ns := rc.rows
	if ns == nil {
		ns = []int{bs, 1 + r.IntN(bs), bs}
		if i%2 == 1 && bs > 1 {
			ns[0] = 1 + r.IntN(bs-1) // a partial batch first
		}
	}
	for si, n := range ns {
		b := c.randomBatch(r, n, si == 2)
		for e := range b.X {
			switch {
			case rc.bytes:
				b.X[e] = float64(r.IntN(256))
			case rc.exact:
				b.X[e] = float64(r.IntN(3))
			}
		}
		if net.isBCE() {
			for e := range b.Y {
				b.Y[e] = float64(r.IntN(2))
			}
		}
		c.Batches = append(c.Batches, b)
	}
	if rc.exact {
		c.Notes = join(c.Notes, fmt.Sprintf("the first conv2d exact in float32; %d ties in the max pooling after it", c.maxPoolTies()))
	}
	if c.twoCore() {
		c.Notes = join(c.Notes, "steps of at least 8 rows shared between two cores")
	}
	return c
}

// maxPoolTies counts the windows of the max poolings, over the first batch, whose maximum (other
// than 0, a relu's) several of their cells hold.
func (c *parityCase) maxPoolTies() int {
	net := c.Net
	b := c.Batches[0]
	f := net.forward(c.Params, b.X, b.N)
	ties := 0
	for i, op := range net.Img {
		if op.Kind != "max_pooling2d" {
			continue
		}
		hw, ch := op.In[0]*op.In[1], op.In[2]
		px := op.G.OH * op.G.OW
		for r := 0; r < b.N; r++ {
			for o, taps := range op.G.windows(op.In[0], op.In[1]) {
				for k := 0; k < ch; k++ {
					best := f.Img[i+1][(r*px+o)*ch+k]
					count := 0
					for _, t := range taps {
						if f.Img[i][(r*hw+t.Cell)*ch+k] == best {
							count++
						}
					}
					if count > 1 && best != 0 {
						ties++
					}
				}
			}
		}
	}
	return ties
}

// convCover lists what c covers of the convolutional layers, for TestParityCasesCover.
func convCover(c *parityCase) map[string]bool {
	net := c.Net
	got := map[string]bool{}
	if len(net.Img) == 0 {
		return got
	}
	got["image input"] = true
	convs := 0
	for i, op := range net.Img {
		g := op.G
		switch op.Kind {
		case "conv2d":
			convs++
			got[fmt.Sprintf("conv2d stride %d", g.SH)], got[fmt.Sprintf("conv2d stride %d", g.SW)] = true, true
			got["conv2d "+map[bool]string{false: "valid", true: "same"}[g.Same]] = true
			if g.DH > 1 || g.DW > 1 {
				got["conv2d dilation"] = true
			}
			if g.PadH%2 == 1 || g.PadW%2 == 1 {
				got["conv2d odd total padding"] = true
			}
			if g.KH*g.KW == 1 {
				got["conv2d 1×1"] = true
			}
			if op.In[0]%2 == 1 || op.In[1]%2 == 1 {
				got["conv2d odd input size"] = true
			}
			if !op.KernelReg.Zero() {
				got["conv2d kernel regularizer"] = true
			}
			if op.Bias && !op.BiasReg.Zero() {
				got["conv2d bias regularizer"] = true
			}
			if !op.Bias {
				got["conv2d without bias"] = true
			}
			if op.Act == "gelu" || op.Act == "silu" {
				got["conv2d "+op.Act] = true
			}
			if i > 0 && net.imgTrainedBefore(i) {
				got["conv2d after a trained layer"] = true
			}
		case "max_pooling2d", "average_pooling2d":
			got[op.Kind] = true
			if g.PadH+g.PadW > 0 {
				got[op.Kind+" same, cut windows"] = true
			}
			if g.SH < g.KH || g.SW < g.KW {
				got[op.Kind+" overlapping"] = true
			}
			if !net.imgTrainedBefore(i) {
				got["pooling before the first trained layer"] = true
			}
		case "global_max_pooling2d", "global_average_pooling2d":
			got[op.Kind] = true
		case "flatten":
			got["flatten"] = true
			if !net.hasConv() {
				got["an image flattened without conv2d"] = true
			}
		case "batch_normalization":
			if op.In[0]*op.In[1] > 1 {
				got["batch_normalization on an image"] = true
				if i == 0 {
					got["batch_normalization of the raw image"] = true
				}
			} else {
				got["batch_normalization after flatten"] = true
			}
		case "dropout":
			if op.In[0]*op.In[1] > 1 {
				got["dropout on an image"] = true
			}
		}
	}
	got[fmt.Sprintf("%d conv2d layers", convs)] = true
	for _, p := range net.Pre {
		got[p.Kind+" before the image stage"] = true
	}
	got["optimizer "+net.Opt.Type] = true
	if c.twoCore() {
		got["two cores"] = true
		if net.hasDropout() {
			got["two cores with dropout"] = true
		}
		if net.regularized() {
			got["two cores with a regularizer"] = true
		}
		if len(net.Img) > 0 && net.Img[len(net.Img)-1].Kind != "flatten" {
			got["two cores with global pooling"] = true
		}
		if net.imgMACs() > 0 && len(net.Img) > 2 {
			got["two cores with two or more conv2d layers"] = true
		}
	} else if net.hasConv() {
		got["one core"] = true
	}
	if c.maxPoolTies() > 0 {
		got["exact max pooling ties"] = true
	}
	return got
}

// convCoverWants is what the convolutional cases must cover.
func convCoverWants() []string {
	return []string{
		"image input", "conv2d stride 1", "conv2d stride 2", "conv2d stride 3", "conv2d valid", "conv2d same", "conv2d dilation",
		"conv2d odd total padding", "conv2d 1×1", "conv2d odd input size", "conv2d kernel regularizer", "conv2d bias regularizer",
		"conv2d without bias", "conv2d gelu", "conv2d silu", "conv2d after a trained layer",
		"1 conv2d layers", "2 conv2d layers", "3 conv2d layers",
		"max_pooling2d", "average_pooling2d", "global_max_pooling2d", "global_average_pooling2d",
		"max_pooling2d same, cut windows", "average_pooling2d same, cut windows", "max_pooling2d overlapping", "average_pooling2d overlapping",
		"pooling before the first trained layer", "flatten", "an image flattened without conv2d",
		"batch_normalization on an image", "batch_normalization of the raw image", "batch_normalization after flatten", "dropout on an image",
		"rescaling before the image stage", "dropout before the image stage",
		"optimizer adam", "optimizer sgd", "optimizer rmsprop", "optimizer adamw", "optimizer adagrad", "optimizer nadam", "optimizer adamax",
		"two cores", "two cores with dropout", "two cores with a regularizer", "two cores with global pooling", "two cores with two or more conv2d layers",
		"one core", "exact max pooling ties",
	}
}

// convParityBugs are the convolutional layers' planted mistakes.
func convParityBugs() []parityBug {
	plant := func(f func(b *refBugs)) func(net refNet) refNet {
		return func(net refNet) refNet { f(&net.Bugs); return net }
	}
	some := func(ok func(net refNet, i int, op refImg) bool) func(c *parityCase) bool {
		return func(c *parityCase) bool {
			for i, op := range c.Net.Img {
				if ok(c.Net, i, op) {
					return true
				}
			}
			return false
		}
	}
	windowed := func(op refImg) bool {
		return op.Kind == "conv2d" || op.Kind == "max_pooling2d" || op.Kind == "average_pooling2d"
	}
	return []parityBug{
		{"conv2d: the kernel read as [Filters][C][KH][KW]",
			some(func(_ refNet, _ int, op refImg) bool { return op.Kind == "conv2d" && op.Filters*op.In[2] > 1 }),
			plant(func(b *refBugs) { b.ConvKernelFCHW = true }), nil},
		{"conv2d and pooling: the odd pixel of a 'same' padding before",
			some(func(_ refNet, _ int, op refImg) bool { return windowed(op) && (op.G.PadH%2 == 1 || op.G.PadW%2 == 1) }),
			plant(func(b *refBugs) { b.ConvPadBefore = true }), nil},
		{"conv2d and pooling: no padding before ('same' windows from the corner)",
			some(func(_ refNet, _ int, op refImg) bool { return windowed(op) && op.G.PadTop+op.G.PadLeft > 0 }),
			plant(func(b *refBugs) { b.ConvNoPad = true }), nil},
		{"conv2d: the dilation ignored",
			some(func(_ refNet, _ int, op refImg) bool { return op.Kind == "conv2d" && op.G.DH*op.G.DW > 1 }),
			plant(func(b *refBugs) { b.ConvNoDilation = true }), nil},
		{"conv2d: the input gradient of overlapping windows overwritten, not summed",
			some(func(net refNet, i int, op refImg) bool {
				g := op.G
				return op.Kind == "conv2d" && net.imgTrainedBefore(i) && ((g.KH-1)*g.DH+1 > g.SH || (g.KW-1)*g.DW+1 > g.SW)
			}),
			plant(func(b *refBugs) { b.ConvColsOverwrite = true }), nil},
		{"conv2d: the kernel's and bias' gradients over n pixel rows only",
			some(func(_ refNet, _ int, op refImg) bool { return op.Kind == "conv2d" }),
			plant(func(b *refBugs) { b.ConvGradRows = true }), nil},
		{"average pooling over the padded window",
			some(func(_ refNet, _ int, op refImg) bool {
				return op.Kind == "average_pooling2d" && op.G.PadH+op.G.PadW > 0
			}),
			plant(func(b *refBugs) { b.AvgPoolPadded = true }), nil},
		{"average pooling's backward over the whole window",
			some(func(net refNet, i int, op refImg) bool {
				return op.Kind == "average_pooling2d" && op.G.PadH+op.G.PadW > 0 && net.imgTrainedBefore(i)
			}),
			plant(func(b *refBugs) { b.AvgPoolBackFull = true }), nil},
		{"max pooling's gradient to the last maximal cell",
			some(func(net refNet, i int, op refImg) bool { return op.Kind == "max_pooling2d" && net.imgTrainedBefore(i) }),
			plant(func(b *refBugs) { b.MaxPoolLastMax = true }), nil},
		{"flatten in channels-first order",
			some(func(_ refNet, _ int, op refImg) bool {
				return op.Kind == "flatten" && op.In[2] > 1 && op.In[0]*op.In[1] > 1
			}),
			plant(func(b *refBugs) { b.FlattenCHW = true }), nil},
	}
}
