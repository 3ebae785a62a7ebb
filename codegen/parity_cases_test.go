package codegen_test

// The parity specs of the preprocessing layers (rescaling, normalization), the binary
// cross-entropy, the mean absolute error and standardised labels: recipes with random sizes,
// drawn after (and from another stream than) the 30 dense specs of parityCases, which so stay as
// they were.
//
// Their data is drawn so that each feature matters: raw features have their own location and
// spread (or are bytes, for a 1/255 rescaling), the normalization's fixed mean and variance are
// near those the normalization sees, so that its outputs are O(1), and one feature has a variance
// below 1e-14 (in one case exactly 0), so that the 1e-7 floor decides its output. That feature is
// given values the floor turns into O(1) outputs: raw values of about 1e-7 when the layers before
// the normalization add no offset (they scale it exactly, relative to its size), else the raw value
// 0, which the rescalings map exactly to their offset, and a mean a few float32 ulps from it
// (x − mean is then exact, by Sterbenz' lemma). Standardised labels have their own location and
// spread too; in one case a label column is constant 0 with a tiny variance, so that the floor
// decides the standardisation and the restored outputs.

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nngen/nngen/spec"
)

// parityRecipe is one spec of the new kinds, with what is random left zero.
type parityRecipe struct {
	pre    []spec.Layer // the preprocessing layers
	hidden []string     // the hidden layers' activations
	out    string       // the output activation
	units  int          // output units; 0: random
	loss   string
	labels bool // standardised labels (data.normalize_label)
	opt    int  // 0 adam, 1 sgd, 2 sgd with momentum, 3 Nesterov
	input  int  // features; 0: random 2 to 40
	width  int  // hidden units; 0: random 1 to 40
	batch  int  // 0: random 2 to 40
	rows   []int
	bytes  bool // the raw features are bytes, 0 to 255
	// zeroVariance makes the tiny variance exactly 0; constLabel makes the last label column
	// constant 0 with a variance below 1e-14.
	zeroVariance, constLabel bool
	notes                    string
}

func rescaling(scale, offset float64) spec.Layer {
	return spec.Layer{Type: "rescaling", Scale: scale, Offset: offset}
}

var normalization = spec.Layer{Type: "normalization"}

// parityRecipes are the specs of the new kinds; the two-core ones (a full batch's forward pass of
// at least 2²⁰ flops over at least 16 rows, see codegen's parallel) check that the preprocessing
// and the labels' standardisation are right when two cores share a step.
var parityRecipes = []parityRecipe{
	{pre: []spec.Layer{rescaling(1.0/255, 0)}, hidden: []string{"relu"}, out: "softmax", units: 10, loss: "categorical_crossentropy", input: 64, bytes: true, notes: "byte pixels rescaled by 1/255"},
	{pre: []spec.Layer{normalization}, hidden: []string{"relu"}, out: "softmax", units: 3, loss: "sparse_categorical_crossentropy", input: 4, width: 16, batch: 16, notes: "the iris example's shape"},
	{pre: []spec.Layer{rescaling(0.5, -1), normalization}, hidden: []string{"tanh"}, out: "sigmoid", units: 1, loss: "binary_crossentropy", opt: 2},
	{out: "sigmoid", units: 1, loss: "binary_crossentropy", opt: 1, notes: "logistic regression"},
	{pre: []spec.Layer{normalization}, hidden: []string{"relu", "sigmoid"}, out: "sigmoid", units: 1, loss: "binary_crossentropy", opt: 3, zeroVariance: true},
	{hidden: []string{"relu"}, out: "linear", units: 3, loss: "mean_absolute_error"},
	{pre: []spec.Layer{rescaling(-2, 0.25)}, hidden: []string{"tanh"}, out: "sigmoid", units: 2, loss: "mean_absolute_error", opt: 1},
	{hidden: []string{"relu", "relu"}, out: "tanh", units: 1, loss: "mean_absolute_error", opt: 2},
	{hidden: []string{"sigmoid"}, out: "softmax", units: 4, loss: "mean_absolute_error", opt: 3},
	{pre: []spec.Layer{normalization}, hidden: []string{"relu"}, out: "relu", units: 5, loss: "mean_absolute_error"},
	{pre: []spec.Layer{normalization}, hidden: []string{"tanh"}, out: "linear", units: 3, loss: "mean_squared_error", labels: true},
	{pre: []spec.Layer{rescaling(0.1, 0), normalization}, hidden: []string{"relu"}, out: "linear", units: 2, loss: "mean_absolute_error", labels: true, opt: 1},
	{out: "linear", units: 1, loss: "mean_squared_error", labels: true, opt: 3},
	{pre: []spec.Layer{normalization, rescaling(3, 0.5)}, hidden: []string{"sigmoid", "relu"}, out: "linear", units: 4, loss: "mean_absolute_error", labels: true},
	{pre: []spec.Layer{rescaling(0.01, 0.5), normalization}, hidden: []string{"relu"}, out: "linear", units: 3, loss: "mean_squared_error", labels: true,
		input: 256, width: 64, batch: 40, rows: []int{23, 40, 40}, notes: "two cores"},
	{pre: []spec.Layer{normalization}, hidden: []string{"tanh"}, out: "sigmoid", units: 1, loss: "binary_crossentropy", opt: 2,
		input: 300, width: 64, batch: 32, rows: []int{32, 9, 32}, notes: "two cores"},
	{pre: []spec.Layer{rescaling(1.0/255, 0), rescaling(2, -1), normalization}, hidden: []string{"relu"}, out: "softmax", units: 5, loss: "categorical_crossentropy", opt: 1, bytes: true},
	{hidden: []string{"tanh"}, out: "linear", units: 3, loss: "mean_squared_error", labels: true, opt: 2, constLabel: true},
	{pre: []spec.Layer{rescaling(0.25, 0)}, hidden: []string{"linear"}, out: "sigmoid", units: 2, loss: "mean_squared_error", opt: 3},
	{hidden: []string{"relu"}, out: "linear", units: 2, loss: "mean_absolute_error", labels: true, opt: 2},
}

// recipeCases draws the cases of parityRecipes, named r0, r1, ...
func recipeCases() []*parityCase {
	r := rand.New(rand.NewPCG(paritySeed(), 12))
	var cases []*parityCase
	for i, rc := range parityRecipes {
		cases = append(cases, rc.draw(r, fmt.Sprintf("r%d", i), i))
	}
	return cases
}

func (rc parityRecipe) draw(r *rand.Rand, name string, i int) *parityCase {
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
		Compile: spec.Compile{Loss: rc.loss, Metrics: []string{"accuracy"}},
		Fit:     spec.Fit{Epochs: 1, BatchSize: pick(rc.batch, 2, 40), Shuffle: true, Seed: uint64(i)},
		Data:    spec.Data{Source: "csv", Train: "train.csv", TestSplit: 0.2, Header: true, Delimiter: ','},
	}
	if !m.Compile.Classifies() {
		m.Compile.Metrics = []string{"mae", "mse"}
	}
	switch rc.opt {
	case 0:
		m.Compile.Optimizer = spec.Optimizer{Type: "adam", LearningRate: []float64{0.001, 0.01, 0.003}[r.IntN(3)], Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
	case 1:
		m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)]}
	case 2:
		m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)], Momentum: []float64{0.9, 0.5}[r.IntN(2)]}
	case 3:
		m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)], Momentum: []float64{0.9, 0.5}[r.IntN(2)], Nesterov: true}
	}
	m.Layers = append(m.Layers, rc.pre...)
	for _, act := range rc.hidden {
		m.Layers = append(m.Layers, spec.Layer{Type: "dense", Units: pick(rc.width, 1, 40), Activation: act, UseBias: r.IntN(4) > 0, KernelInitializer: "glorot_uniform"})
	}
	m.Layers = append(m.Layers, spec.Layer{Type: "dense", Units: rc.units, Activation: rc.out, UseBias: r.IntN(4) > 0, KernelInitializer: "glorot_uniform"})
	if rc.labels {
		m.Data.NormalizeLabel = true
		for j := 0; j < rc.units; j++ {
			m.Data.Label = append(m.Data.Label, spec.Column{Name: fmt.Sprintf("y%d", j)})
		}
	} else if !m.Compile.Classifies() {
		for j := 0; j < rc.units; j++ {
			m.Data.Label = append(m.Data.Label, spec.Column{Name: fmt.Sprintf("y%d", j)})
		}
	}
	c := &parityCase{Model: m, Net: newRefNet(m), Notes: rc.notes}
	net := c.Net

	// The raw features: their location and spread, and the affine map x·S + O of the rescalings
	// before the normalization.
	mu, sigma := make([]float64, in), make([]float64, in)
	for j := range mu {
		mu[j], sigma[j] = 8*r.Float64()-4, 0.05+3*r.Float64()
		if rc.bytes {
			mu[j], sigma[j] = 127.5, 127.5
		}
	}
	S, O := 1.0, 0.0
	for _, p := range net.Pre {
		if p.Kind == "normalization" {
			break
		}
		S, O = S*p.Scale, O*p.Scale+p.Offset
	}
	tiny := in - 1 // the feature whose variance is below 1e-14
	drawX := func(j int) float64 {
		switch {
		case net.hasNorm() && j == tiny && O == 0:
			return f32(1e-7 * (2*r.Float64() - 1) / S)
		case net.hasNorm() && j == tiny:
			return 0
		case rc.bytes:
			return float64(r.IntN(256))
		}
		return f32(mu[j] + sigma[j]*(2*r.Float64()-1))
	}

	// The fixed statistics, and the raw ones AdaptInputs is given.
	var params [][]float64
	if net.hasNorm() {
		mean, variance := make([]float64, in), make([]float64, in)
		for j := range mean {
			mean[j] = f32(S*mu[j] + O + 0.2*math.Abs(S)*sigma[j]*(2*r.Float64()-1))
			variance[j] = f32(sq(S*sigma[j]) / 3 * (0.5 + 1.5*r.Float64()))
		}
		if O == 0 {
			mean[tiny] = f32(1e-8 * (2*r.Float64() - 1))
		} else {
			// The float32 value the rescalings give the raw 0, and a mean 1 to 3 ulps from it.
			x := float32(0)
			for _, p := range net.Pre {
				if p.Kind == "normalization" {
					break
				}
				x = float32(x*float32(p.Scale)) + float32(p.Offset)
			}
			dir := float32(math.Inf(1 - 2*r.IntN(2)))
			for range 1 + r.IntN(3) {
				x = math.Nextafter32(x, dir)
			}
			mean[tiny] = float64(x)
		}
		variance[tiny] = f32(1e-14 * (0.05 + 0.9*r.Float64()))
		if rc.zeroVariance {
			variance[tiny] = 0
		}
		params = append(params, mean, variance)
		c.AdaptMean, c.AdaptVariance = make([]float64, in), make([]float64, in)
		for j := range mu {
			c.AdaptMean[j] = mu[j] + 0.1*sigma[j]*(2*r.Float64()-1)
			c.AdaptVariance[j] = sq(sigma[j]) / 3 * (0.5 + r.Float64())
		}
		c.AdaptVariance[0] = 0
		c.Notes = join(c.Notes, fmt.Sprintf("feature %d has variance %.3g", tiny, variance[tiny]))
	}
	k := net.OutSize()
	muY, sigmaY := make([]float64, k), make([]float64, k)
	for j := range muY {
		muY[j], sigmaY[j] = 60*r.Float64()-30, 0.2+10*r.Float64()
	}
	c.Params = append(params, make([][]float64, len(net.tensorInfo())-len(params))...)
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
	if net.Labels {
		mean, variance := make([]float64, k), make([]float64, k)
		for j := range mean {
			mean[j] = f32(muY[j] + 0.1*sigmaY[j]*(2*r.Float64()-1))
			variance[j] = f32(sq(sigmaY[j]) / 3 * (0.5 + 1.5*r.Float64()))
		}
		if rc.constLabel {
			mean[k-1], variance[k-1] = 0, f32(1e-15*(0.1+r.Float64()))
			c.Notes = join(c.Notes, fmt.Sprintf("label %d is 0, with variance %.3g", k-1, variance[k-1]))
		}
		li := net.labelIndex()
		c.Params[li], c.Params[li+1] = mean, variance
		c.LabelMean, c.LabelVariance = make([]float64, k), make([]float64, k)
		for j := range muY {
			c.LabelMean[j], c.LabelVariance[j] = muY[j]+r.Float64(), sq(sigmaY[j])*(0.5+r.Float64())
		}
	}
	// The batches.
	bs := m.Fit.BatchSize
	ns := rc.rows
	if ns == nil {
		ns = []int{bs, 1 + r.IntN(bs), bs}
		if i%2 == 1 {
			ns[0] = 1 + r.IntN(bs-1) // a partial batch first
		}
	}
	for si, n := range ns {
		b := parityBatch{N: n, Train: si == 2, X: make([]float64, n*in)}
		for e := range b.X {
			b.X[e] = drawX(e % in)
		}
		switch {
		case net.isBCE():
			b.Y = make([]float64, n)
			for e := range b.Y {
				b.Y[e] = float64(r.IntN(2))
			}
		case net.Labels:
			b.Y = make([]float64, n*k)
			for e := range b.Y {
				j := e % k
				b.Y[e] = f32(muY[j] + sigmaY[j]*(2*r.Float64()-1))
				if rc.constLabel && j == k-1 {
					b.Y[e] = 0
				}
			}
		default:
			b.Y = randomTargets(r, net, n, f32)
		}
		c.Batches = append(c.Batches, b)
	}
	if c.twoCore() {
		c.Notes = join(c.Notes, "steps of at least 8 rows shared between two cores")
	}
	return c
}

// join joins non-empty notes with "; ".
func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

// twoCore reports whether the generated Trainer has the two-core path (codegen's parallel): a full
// batch of at least 16 rows whose forward pass costs at least 2²⁰ flops (two per multiply-add of
// the dense kernels and of the conv2d kernels at every output pixel).
func (c *parityCase) twoCore() bool {
	if c.Net.hasBN() {
		return false // a batch normalization needs the whole batch: its plan trains on one core
	}
	macs := c.Net.imgMACs() // a convolution's kernel once per output pixel
	for _, ly := range c.Net.Layers {
		macs += ly.In * ly.Out
	}
	bs := c.Model.Fit.BatchSize
	return bs >= 16 && 2*bs*macs >= 1<<20
}
