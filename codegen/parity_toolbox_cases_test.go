package codegen_test

// The parity specs of the training toolbox, named t0, t1, ...: Keras' other activations (each as
// a hidden and as an output activation), activation layers of their own (in the input stage and
// between dense layers), dropout (in the input stage and between dense layers, rates 0, 0.2 and
// 0.5, with fit.seed and with SetSeed), kernel and bias regularizers (l1, l2, both), the other
// optimisers (RMSprop with and without momentum and centering, AdamW, Adagrad, Nadam, Adamax),
// weight decay on SGD and Adam, each way of clipping, three learning-rate schedules and
// SetLearningRate; and two-core cases (see twoCore) with dropout, clipping and regularizers, so
// that the masks and the clipping are shown to be the same whichever core computes which rows.
// They are drawn after (and from another stream than) the p and r cases, which so stay as they
// were.

import (
	"fmt"
	"math/rand/v2"

	"github.com/nngen/nngen/spec"
)

// toolboxRecipe is one spec of the toolbox, with what is random left zero.
type toolboxRecipe struct {
	layers []spec.Layer // every layer; a dense layer's Units 0 is random 1 to 40 (the last one's: out)
	out    int          // output units
	loss   string
	opt    spec.Optimizer
	labels bool // standardised labels (data.normalize_label)
	input  int  // features; 0: random 2 to 40
	batch  int  // 0: random 2 to 40
	rows   []int
	seed   *uint64 // given to SetSeed
	setLR  float64 // given to SetLearningRate before step 3
	notes  string
	// fixedBias keeps every dense layer's use_bias as given (else one in four loses its bias).
	fixedBias bool
}

func denseLayer(units int, act string) spec.Layer {
	return spec.Layer{Type: "dense", Units: units, Activation: act, UseBias: true, KernelInitializer: "glorot_uniform"}
}

func activationLayer(act string) spec.Layer { return spec.Layer{Type: "activation", Activation: act} }

func dropoutLayer(rate float64) spec.Layer { return spec.Layer{Type: "dropout", Rate: rate} }

// withRegularizers gives a dense layer a kernel and a bias regularizer.
func withRegularizers(l spec.Layer, kernel, bias spec.Regularizer) spec.Layer {
	l.KernelRegularizer, l.BiasRegularizer = kernel, bias
	return l
}

func layers(ls ...spec.Layer) []spec.Layer { return ls }

// Keras 3's optimisers with their defaults and the given learning rate.
func adamOpt(lr float64) spec.Optimizer {
	return spec.Optimizer{Type: "adam", LearningRate: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
}

func sgdOpt(lr, momentum float64, nesterov bool) spec.Optimizer {
	return spec.Optimizer{Type: "sgd", LearningRate: lr, Momentum: momentum, Nesterov: nesterov}
}

func rmspropOpt(lr, momentum float64, centered bool) spec.Optimizer {
	return spec.Optimizer{Type: "rmsprop", LearningRate: lr, Rho: 0.9, Epsilon: 1e-7, Momentum: momentum, Centered: centered}
}

func adamwOpt(lr, wd float64) spec.Optimizer {
	o := adamOpt(lr)
	o.Type, o.WeightDecay = "adamw", wd
	return o
}

func adagradOpt(lr float64) spec.Optimizer {
	return spec.Optimizer{Type: "adagrad", LearningRate: lr, InitialAccumulator: 0.1, Epsilon: 1e-7}
}

func nadamOpt(lr float64) spec.Optimizer {
	o := adamOpt(lr)
	o.Type = "nadam"
	return o
}

func adamaxOpt(lr float64) spec.Optimizer {
	o := adamOpt(lr)
	o.Type = "adamax"
	return o
}

// with returns o changed by f.
func with(o spec.Optimizer, f func(o *spec.Optimizer)) spec.Optimizer {
	f(&o)
	return o
}

// scheduled gives o the schedule s, whose initial rate is o's.
func scheduled(o spec.Optimizer, s spec.Schedule) spec.Optimizer {
	if s.Type != "piecewise_constant_decay" {
		s.InitialLearningRate = o.LearningRate
	}
	o.Schedule = &s
	return o
}

var toolboxSeed uint64 = 0x5eed_0f_d409

var (
	noReg = spec.Regularizer{}
	l1Reg = func(v float64) spec.Regularizer { return spec.Regularizer{L1: v} }
	l2Reg = func(v float64) spec.Regularizer { return spec.Regularizer{L2: v} }
	l12   = func(a, b float64) spec.Regularizer { return spec.Regularizer{L1: a, L2: b} }
)

const (
	cce  = "categorical_crossentropy"
	scce = "sparse_categorical_crossentropy"
	bce  = "binary_crossentropy"
	mse  = "mean_squared_error"
	mae  = "mean_absolute_error"
)

var toolboxRecipes = []toolboxRecipe{
	// Keras' other activations, hidden and output, with the other optimisers.
	{layers: layers(denseLayer(0, "leaky_relu"), denseLayer(0, "softmax")), out: 4, loss: cce, opt: rmspropOpt(0.003, 0, false)},
	{layers: layers(denseLayer(0, "elu"), denseLayer(0, "elu")), out: 3, loss: mse, opt: rmspropOpt(0.003, 0.9, false)},
	{layers: layers(denseLayer(0, "selu"), denseLayer(0, "selu")), out: 2, loss: mae, opt: rmspropOpt(0.003, 0, true)},
	{layers: layers(denseLayer(0, "softplus"), denseLayer(0, "softplus")), out: 3, loss: mse, opt: rmspropOpt(0.003, 0.5, true)},
	{layers: layers(denseLayer(0, "gelu"), denseLayer(0, "gelu")), out: 2, loss: mse, opt: adamwOpt(0.01, 0.004), notes: "adamw's default weight decay"},
	{layers: layers(denseLayer(0, "silu"), denseLayer(0, "silu")), out: 3, loss: mae, opt: adagradOpt(0.05)},
	{layers: layers(denseLayer(0, "gelu"), denseLayer(0, "silu"), denseLayer(0, "leaky_relu")), out: 2, loss: mse, opt: nadamOpt(0.01)},
	{layers: layers(denseLayer(0, "leaky_relu"), denseLayer(0, "softplus"), denseLayer(0, "selu")), out: 1, loss: mse, opt: adamaxOpt(0.01)},
	// Activation layers of their own, in the input stage and between dense layers.
	{layers: layers(activationLayer("tanh"), denseLayer(0, "linear"), activationLayer("relu"), denseLayer(0, "softmax")), out: 3, loss: scce,
		opt: with(sgdOpt(0.1, 0, false), func(o *spec.Optimizer) { o.WeightDecay = 0.1 }), notes: "sgd with weight decay"},
	{layers: layers(activationLayer("gelu"), denseLayer(0, "relu"), activationLayer("silu"), denseLayer(0, "sigmoid")), out: 1, loss: bce,
		opt: with(adamOpt(0.01), func(o *spec.Optimizer) { o.WeightDecay = 0.05 }), notes: "adam with weight decay"},
	{layers: layers(denseLayer(0, "linear"), activationLayer("elu"), activationLayer("leaky_relu"), denseLayer(0, "tanh"), activationLayer("selu"), denseLayer(0, "linear")),
		out: 2, loss: mse, opt: nadamOpt(0.003)},
	// Dropout, in the input stage and between dense layers.
	{layers: layers(dropoutLayer(0.2), denseLayer(0, "relu"), dropoutLayer(0.5), denseLayer(0, "softmax")), out: 5, loss: cce, opt: adamOpt(0.003)},
	{layers: layers(denseLayer(0, "tanh"), dropoutLayer(0), denseLayer(0, "linear")), out: 2, loss: mse, opt: sgdOpt(0.1, 0.9, false), notes: "dropout rate 0"},
	{layers: layers(spec.Layer{Type: "rescaling", Scale: 0.5, Offset: 0.25}, dropoutLayer(0.5), denseLayer(0, "elu"), dropoutLayer(0.2), activationLayer("softplus"), denseLayer(0, "linear")),
		out: 2, loss: mae, opt: nadamOpt(0.01), labels: true},
	{layers: layers(spec.Layer{Type: "normalization"}, dropoutLayer(0.2), denseLayer(0, "gelu"), dropoutLayer(0.5), dropoutLayer(0.2), denseLayer(0, "sigmoid")),
		out: 1, loss: bce, opt: adamOpt(0.01), seed: &toolboxSeed, notes: "SetSeed"},
	// Regularizers.
	{layers: layers(withRegularizers(denseLayer(0, "relu"), l2Reg(0.01), l1Reg(0.01)), withRegularizers(denseLayer(0, "softmax"), l1Reg(0.001), noReg)),
		out: 3, loss: cce, opt: adamOpt(0.003)},
	{layers: layers(withRegularizers(denseLayer(0, "tanh"), l12(0.01, 0.01), noReg), withRegularizers(denseLayer(0, "linear"), noReg, l2Reg(0.1))),
		out: 2, loss: mse, opt: sgdOpt(0.05, 0, false)},
	{layers: layers(withRegularizers(denseLayer(0, "sigmoid"), l1Reg(0.05), l12(0.02, 0.05)), denseLayer(0, "tanh")), out: 2, loss: mae, opt: rmspropOpt(0.003, 0, false)},
	// Weight decay and clipping.
	{layers: layers(denseLayer(0, "relu"), denseLayer(0, "linear")), out: 2, loss: mse,
		opt: with(sgdOpt(0.1, 0.5, true), func(o *spec.Optimizer) { o.WeightDecay = 0.1 }), notes: "Nesterov with weight decay"},
	{layers: layers(denseLayer(0, "relu"), denseLayer(0, "softmax")), out: 4, loss: cce,
		opt: with(adamOpt(0.01), func(o *spec.Optimizer) { o.WeightDecay, o.ClipNorm = 0.05, 0.05 }), notes: "clipnorm below the gradients' norms"},
	{layers: layers(denseLayer(0, "relu"), denseLayer(0, "relu"), denseLayer(0, "linear")), out: 2, loss: mse,
		opt: with(sgdOpt(0.05, 0.9, false), func(o *spec.Optimizer) { o.GlobalClipNorm = 0.1 })},
	{layers: layers(denseLayer(0, "tanh"), denseLayer(0, "sigmoid")), out: 1, loss: bce,
		opt: with(adagradOpt(0.05), func(o *spec.Optimizer) { o.ClipValue = 0.01 })},
	{layers: layers(withRegularizers(denseLayer(0, "elu"), l2Reg(0.05), noReg), denseLayer(0, "linear")), out: 3, loss: mae,
		opt: with(adamaxOpt(0.01), func(o *spec.Optimizer) { o.ClipNorm = 1000 }), notes: "clipnorm above the gradients' norms"},
	// Learning-rate schedules, and SetLearningRate.
	{layers: layers(denseLayer(0, "relu"), denseLayer(0, "linear")), out: 2, loss: mse,
		opt: scheduled(sgdOpt(0.1, 0, false), spec.Schedule{Type: "exponential_decay", DecaySteps: 1, DecayRate: 0.5})},
	{layers: layers(denseLayer(0, "silu"), denseLayer(0, "softmax")), out: 3, loss: cce,
		opt: scheduled(adamOpt(0), spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 1}, Values: []float64{0.01, 0.003, 0.001}})},
	{layers: layers(denseLayer(0, "elu"), denseLayer(0, "linear")), out: 2, loss: mae, labels: true,
		opt: scheduled(rmspropOpt(0.01, 0.9, true), spec.Schedule{Type: "polynomial_decay", DecaySteps: 4, EndLearningRate: 0.001, Power: 2})},
	{layers: layers(denseLayer(0, "leaky_relu"), denseLayer(0, "linear")), out: 2, loss: mse,
		opt:   scheduled(adamwOpt(0.02, 0.1), spec.Schedule{Type: "exponential_decay", DecaySteps: 2, DecayRate: 0.25, Staircase: true}),
		notes: "the weight decay follows the schedule"},
	{layers: layers(denseLayer(0, "relu"), denseLayer(0, "softmax")), out: 3, loss: cce, opt: adamOpt(0.003), setLR: 0.02, notes: "SetLearningRate(0.02) before step 3"},
	// Two cores.
	{layers: layers(dropoutLayer(0.2), denseLayer(64, "relu"), dropoutLayer(0.5), denseLayer(0, "softmax")), out: 10, loss: cce,
		opt: with(adamOpt(0.003), func(o *spec.Optimizer) { o.ClipNorm = 0.5 }), input: 300, batch: 32, rows: []int{32, 20, 32}},
	{layers: layers(withRegularizers(denseLayer(64, "gelu"), l2Reg(0.01), l1Reg(0.01)), activationLayer("tanh"), dropoutLayer(0.2), denseLayer(0, "linear")), out: 3, loss: mse,
		opt: with(rmspropOpt(0.003, 0.9, true), func(o *spec.Optimizer) { o.GlobalClipNorm = 0.2 }), input: 256, batch: 40, rows: []int{40, 17, 40}},
	{layers: layers(dropoutLayer(0.5), denseLayer(64, "selu"), denseLayer(0, "sigmoid")), out: 1, loss: bce,
		opt: with(sgdOpt(0.05, 0.9, false), func(o *spec.Optimizer) { o.ClipValue = 0.02; o.WeightDecay = 0.01 }), input: 300, batch: 32, rows: []int{32, 32, 32}},
	{layers: layers(withRegularizers(denseLayer(48, "elu"), l12(0.001, 0.01), l2Reg(0.01)), denseLayer(0, "linear")), out: 2, loss: mse, labels: true,
		opt:   scheduled(adamaxOpt(0), spec.Schedule{Type: "piecewise_constant_decay", Boundaries: []int64{0, 1}, Values: []float64{0.01, 0.003, 0.001}}),
		input: 400, batch: 40, rows: []int{33, 40, 40}},
	{layers: layers(denseLayer(64, "relu"), dropoutLayer(0.2), denseLayer(0, "softmax")), out: 5, loss: cce, opt: nadamOpt(0.003),
		input: 300, batch: 32, rows: []int{5, 32, 3}, notes: "steps of 5 and 3 rows, below ParallelMinRows, on one core"},
}

// toolboxCases draws the cases of toolboxRecipes.
func toolboxCases() []*parityCase {
	r := rand.New(rand.NewPCG(paritySeed(), 13))
	var cases []*parityCase
	for i, rc := range toolboxRecipes {
		cases = append(cases, rc.draw(r, fmt.Sprintf("t%d", i), i))
	}
	return cases
}

func (rc toolboxRecipe) draw(r *rand.Rand, name string, i int) *parityCase {
	pick := func(v, lo, hi int) int {
		if v != 0 {
			return v
		}
		return lo + r.IntN(hi-lo+1)
	}
	in := pick(rc.input, 2, 40)
	m := &spec.Model{
		Path:    name + ".yaml",
		Name:    name,
		Input:   spec.Input{Shape: []int{in}},
		Compile: spec.Compile{Loss: rc.loss, Metrics: []string{"accuracy"}, Optimizer: rc.opt},
		Fit:     spec.Fit{Epochs: 1, BatchSize: pick(rc.batch, 2, 40), Shuffle: true, Seed: uint64(100 + i)},
		Data:    spec.Data{Source: "idx", Dir: "data", TrainImages: "train-images-idx3-ubyte.gz", TrainLabels: "train-labels-idx1-ubyte.gz", TestImages: "t10k-images-idx3-ubyte.gz", TestLabels: "t10k-labels-idx1-ubyte.gz"},
	}
	if !m.Compile.Classifies() {
		m.Compile.Metrics = []string{"mae", "mse"}
		m.Data = spec.Data{Source: "csv", Train: "train.csv", TestSplit: 0.2, Header: true, Delimiter: ',', NormalizeLabel: rc.labels}
		for j := 0; j < rc.out; j++ {
			m.Data.Label = append(m.Data.Label, spec.Column{Name: fmt.Sprintf("y%d", j)})
		}
	}
	for li, l := range rc.layers {
		if l.Type == "dense" {
			if li == len(rc.layers)-1 {
				l.Units = rc.out
			} else if l.Units == 0 {
				l.Units = 1 + r.IntN(40)
			}
			if !rc.fixedBias && l.BiasRegularizer.Zero() && r.IntN(4) == 0 {
				l.UseBias = false
			}
		}
		m.Layers = append(m.Layers, l)
	}
	c := &parityCase{Model: m, Notes: rc.notes, SetSeed: rc.seed}
	if rc.setLR != 0 {
		c.SetLR, c.SetLRBefore = rc.setLR, 3
	}
	c.Net = newRefNet(m)
	if rc.seed != nil {
		c.Net.Seed = *rc.seed
	}
	net := c.Net
	// The parameters: the normalization's statistics near those of the inputs (uniform in
	// (−1, 1), variance 1/3), the dense layers' as the p cases', the labels' mean and variance.
	c.Params = make([][]float64, len(net.tensorInfo()))
	if ni := net.normIndex(); ni >= 0 {
		c.Params[ni], c.Params[ni+1] = make([]float64, in), make([]float64, in)
		for j := 0; j < in; j++ {
			c.Params[ni][j], c.Params[ni+1][j] = f32(0.2*(2*r.Float64()-1)), f32(0.15+0.4*r.Float64())
		}
	}
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		c.Params[ki] = make([]float64, ly.In*ly.Out)
		if bi >= 0 {
			c.Params[bi] = make([]float64, ly.Out)
		}
		for j := 0; j < ly.Out; j++ {
			c.drawUnit(r, c.Params, l, j)
		}
	}
	k := net.OutSize()
	muY, sigmaY := make([]float64, k), make([]float64, k)
	if li := net.labelIndex(); li >= 0 {
		c.Params[li], c.Params[li+1] = make([]float64, k), make([]float64, k)
		c.LabelMean, c.LabelVariance = make([]float64, k), make([]float64, k)
		for j := range muY {
			muY[j], sigmaY[j] = 20*r.Float64()-10, 0.5+5*r.Float64()
			c.Params[li][j] = f32(muY[j] + 0.1*sigmaY[j]*(2*r.Float64()-1))
			c.Params[li+1][j] = f32(sq(sigmaY[j]) / 3 * (0.5 + r.Float64()))
			c.LabelMean[j], c.LabelVariance[j] = muY[j]+r.Float64(), sq(sigmaY[j])*(0.5+r.Float64())
		}
	}
	if net.hasNorm() {
		c.AdaptMean, c.AdaptVariance = make([]float64, in), make([]float64, in)
		for j := range c.AdaptMean {
			c.AdaptMean[j], c.AdaptVariance[j] = 0.1*(2*r.Float64()-1), 0.2+0.3*r.Float64()
		}
	}
	// The batches.
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
		switch {
		case net.isBCE():
			for e := range b.Y {
				b.Y[e] = float64(r.IntN(2))
			}
		case net.Labels:
			for e := range b.Y {
				b.Y[e] = f32(muY[e%k] + sigmaY[e%k]*(2*r.Float64()-1))
			}
		}
		c.Batches = append(c.Batches, b)
	}
	if c.twoCore() {
		c.Notes = join(c.Notes, "steps of at least 8 rows shared between two cores")
	}
	return c
}

// toolboxOptimizer names an optimiser and its options for TestParityCasesCover.
func toolboxOptimizer(o spec.Optimizer) []string {
	var s []string
	switch o.Type {
	case "rmsprop":
		s = append(s, fmt.Sprintf("rmsprop momentum %v centered %v", o.Momentum != 0, o.Centered))
	default:
		s = append(s, o.Type)
	}
	if o.WeightDecay != 0 {
		s = append(s, "weight decay "+o.Type)
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"clipnorm", o.ClipNorm}, {"global_clipnorm", o.GlobalClipNorm}, {"clipvalue", o.ClipValue}} {
		if x.v != 0 {
			s = append(s, x.name)
		}
	}
	if o.Schedule != nil {
		s = append(s, "schedule "+o.Schedule.Type)
	}
	return s
}

// regularizerKinds names a regularizer for TestParityCasesCover: l1, l2 or l1l2.
func regularizerKind(r spec.Regularizer) string {
	switch {
	case r.L1 != 0 && r.L2 != 0:
		return "l1l2"
	case r.L1 != 0:
		return "l1"
	}
	return "l2"
}
