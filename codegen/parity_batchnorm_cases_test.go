package codegen_test

// The parity specs of batch normalization, named b0, b1, ...: dense → batch_normalization →
// activation (Keras' usual arrangement, the dense layer with and without bias), batch
// normalization as the first trained layer on the input (alone, after dropout, after a rescaling
// and after a normalization), every combination of center and scale, momentum and epsilon other
// than the defaults (0.9, 0.5, 0.999 and 0; 1e-5, 1e-2), dropout before and after it, two batch
// normalizations in one network, batches of 1 and 2 rows, and most optimisers (weight decay and
// clipping too, which take gamma and beta as any trained tensor). Their gamma, beta and moving
// statistics are drawn away from Keras' initial 1, 0, 0, 1 (but for one case which keeps them),
// so that inference and the moving update are not trivial. A plan with a batch normalization
// trains on one core (twoCore). They are drawn after, and from another stream than, the p, r
// and t cases, which so stay as they were.
//
// The variances: the inputs are uniform in (−1, 1) (feature 0 scaled by 1e-5: its batch variance
// is about 3e-11, far below ε, so its xhat is about x·1e-5/√ε, small and well conditioned) and
// the dense layers' outputs spread O(0.1) to O(1); with ε >= 1e-5, var + ε is never small beside
// the float32 errors of O(1e-6) (the bounds check that, see reference_batchnorm_bounds_test.go).

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nngen/nngen/spec"
)

// bnLayer is a batch_normalization with the given settings.
func bnLayer(momentum, epsilon float64, center, scale bool) spec.Layer {
	return spec.Layer{Type: "batch_normalization", BatchNorm: spec.BatchNorm{Momentum: momentum, Epsilon: epsilon, Center: center, Scale: scale}}
}

// bnDefault is Keras' default batch normalization.
func bnDefault() spec.Layer { return bnLayer(0.99, 1e-3, true, true) }

// noBias is a dense layer without bias.
func noBias(l spec.Layer) spec.Layer {
	l.UseBias = false
	return l
}

type bnRecipe struct {
	toolboxRecipe
	initial bool // keep Keras' initial gamma, beta and moving statistics
}

var bnRecipes = []bnRecipe{
	// dense → batch normalization → activation.
	{toolboxRecipe: toolboxRecipe{layers: layers(noBias(denseLayer(0, "linear")), bnDefault(), activationLayer("relu"), denseLayer(0, "softmax")), out: 4, loss: cce, opt: adamOpt(0.003)}},
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "linear"), bnLayer(0.9, 1e-5, true, true), activationLayer("tanh"), denseLayer(0, "linear")), out: 2, loss: mse, opt: sgdOpt(0.05, 0.9, false),
		notes: "momentum 0.9, epsilon 1e-5", fixedBias: true}},
	{toolboxRecipe: toolboxRecipe{layers: layers(noBias(denseLayer(0, "linear")), bnLayer(0.99, 1e-3, false, true), activationLayer("sigmoid"), denseLayer(0, "sigmoid")), out: 1, loss: bce, opt: rmspropOpt(0.003, 0, false),
		notes: "center false"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "relu"), bnLayer(0.5, 1e-2, true, false), denseLayer(0, "softmax")), out: 3, loss: scce, opt: nadamOpt(0.01),
		notes: "scale false, momentum 0.5, epsilon 1e-2"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "elu"), bnLayer(0.99, 1e-3, false, false), denseLayer(0, "linear")), out: 2, loss: mae, opt: adamaxOpt(0.01),
		notes: "center and scale false"}},
	// Batch normalization as the first trained layer.
	{toolboxRecipe: toolboxRecipe{layers: layers(bnDefault(), denseLayer(0, "relu"), denseLayer(0, "linear")), out: 2, loss: mse, opt: sgdOpt(0.05, 0, false),
		notes: "batch normalization on the raw input: its moving statistics bit for bit"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(bnLayer(0.999, 1e-3, true, true), denseLayer(0, "softmax")), out: 3, loss: cce, opt: sgdOpt(0.1, 0.5, true),
		notes: "momentum 0.999 on the raw input"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(bnLayer(0.9, 1e-3, false, true), denseLayer(0, "tanh"), denseLayer(0, "linear")), out: 1, loss: mse, opt: adagradOpt(0.05),
		notes: "center false on the raw input"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(bnLayer(0.99, 1e-5, true, false), denseLayer(0, "sigmoid")), out: 2, loss: bce, opt: adamOpt(0.01),
		notes: "scale false on the raw input, epsilon 1e-5"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(dropoutLayer(0.2), bnLayer(0.9, 1e-5, true, true), denseLayer(0, "relu"), dropoutLayer(0.5), denseLayer(0, "softmax")), out: 5, loss: cce, opt: adamOpt(0.003),
		notes: "dropout before and after"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(dropoutLayer(0.5), bnDefault(), denseLayer(0, "linear")), out: 2, loss: mse, opt: sgdOpt(0.1, 0, false),
		notes: "after a dropout of rate 0.5 (exact): bit for bit"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(spec.Layer{Type: "rescaling", Scale: 0.5, Offset: 0.25}, bnLayer(0.8, 1e-3, true, true), denseLayer(0, "gelu"), denseLayer(0, "linear")), out: 2, loss: mae, opt: rmspropOpt(0.003, 0.9, true)}},
	{toolboxRecipe: toolboxRecipe{layers: layers(spec.Layer{Type: "normalization"}, bnDefault(), denseLayer(0, "relu"), denseLayer(0, "linear")), out: 2, loss: mse, labels: true, opt: adamOpt(0.01)}},
	// Dropout around it, two of them, the optimisers' extras.
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "relu"), dropoutLayer(0.5), bnLayer(0.5, 1e-2, true, true), dropoutLayer(0.2), denseLayer(0, "linear")), out: 2, loss: mae,
		opt: adamwOpt(0.01, 0.004), notes: "dropout on both sides; adamw's weight decay on gamma and beta"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(bnLayer(0.9, 1e-3, true, true), noBias(denseLayer(0, "linear")), bnDefault(), activationLayer("silu"), denseLayer(0, "softmax")), out: 3, loss: cce,
		opt: with(adamOpt(0.01), func(o *spec.Optimizer) { o.GlobalClipNorm = 0.2 }), notes: "two batch normalizations; global_clipnorm"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "tanh"), bnLayer(0.99, 1e-3, true, true), denseLayer(0, "selu"), bnLayer(0, 1e-3, true, true), denseLayer(0, "linear")), out: 2, loss: mse,
		opt: with(sgdOpt(0.05, 0.9, true), func(o *spec.Optimizer) { o.ClipValue = 0.05 }), notes: "momentum 0 (the moving statistics become the batch's); clipvalue"}},
	{toolboxRecipe: toolboxRecipe{layers: layers(denseLayer(0, "linear"), bnDefault(), activationLayer("relu"), denseLayer(0, "linear")), out: 1, loss: mse, opt: adamOpt(0.01), batch: 4, rows: []int{1, 2, 4},
		notes: "batches of 1 and 2 rows", fixedBias: true}},
	{toolboxRecipe: toolboxRecipe{layers: layers(noBias(denseLayer(0, "linear")), bnDefault(), activationLayer("relu"), denseLayer(0, "softmax")), out: 3, loss: cce, opt: adamOpt(0.001)},
		initial: true},
}

// batchNormCases draws the cases of bnRecipes.
func batchNormCases() []*parityCase {
	r := rand.New(rand.NewPCG(paritySeed(), 17))
	var cases []*parityCase
	for i, rc := range bnRecipes {
		c := rc.draw(r, fmt.Sprintf("b%d", i), i)
		ops, widths := c.Net.batchNorms()
		for k, op := range ops {
			w := widths[k]
			for _, ti := range []int{op.Gamma, op.Beta, op.MMean, op.MVar} {
				if ti >= 0 {
					c.Params[ti] = make([]float64, w)
				}
			}
			for j := 0; j < w; j++ {
				g, b, m, v := 1.0, 0.0, 0.0, 1.0
				if !rc.initial {
					g, b, m, v = f32(1+0.4*(2*r.Float64()-1)), f32(0.2*(2*r.Float64()-1)), f32(0.3*(2*r.Float64()-1)), f32(0.3+1.2*r.Float64())
				}
				if op.Gamma >= 0 {
					c.Params[op.Gamma][j] = g
				}
				if op.Beta >= 0 {
					c.Params[op.Beta][j] = b
				}
				c.Params[op.MMean][j], c.Params[op.MVar][j] = m, v
			}
		}
		if rc.initial {
			c.Notes = join(c.Notes, "Keras' initial gamma, beta and moving statistics")
		}
		cases = append(cases, c)
	}
	return cases
}

// hasBNWhere reports whether the network has a batch normalization op for which ok says so.
func (net refNet) hasBNWhere(ok func(op refPre, stage bool) bool) bool {
	for _, op := range net.Pre {
		if op.Kind == "batch_normalization" && ok(op, true) {
			return true
		}
	}
	for i, op := range net.Img {
		if op.Kind == "batch_normalization" && ok(op.refPre, !net.imgTrainedBefore(i)) {
			return true
		}
	}
	for _, ly := range net.Layers {
		for _, op := range ly.Post {
			if op.Kind == "batch_normalization" && ok(op, false) {
				return true
			}
		}
	}
	return false
}

// bnParityBugs are the batch normalization's planted mistakes.
func bnParityBugs() []parityBug {
	plant := func(f func(b *refBugs)) func(net refNet) refNet {
		return func(net refNet) refNet { f(&net.Bugs); return net }
	}
	has := func(c *parityCase) bool { return c.Net.hasBN() }
	return []parityBug{
		{"batch normalization: moving statistics with momentum and 1 − momentum swapped",
			func(c *parityCase) bool {
				return c.Net.hasBNWhere(func(op refPre, _ bool) bool { return op.BN.Momentum != 0.5 })
			}, plant(func(b *refBugs) { b.BNMomentumSwapped = true }), nil},
		{"batch normalization: 1 − momentum as float32(1 − float32(momentum))",
			func(c *parityCase) bool {
				return c.Net.hasBNWhere(func(op refPre, _ bool) bool { return f32(1-f32(op.BN.Momentum)) != f32(1-op.BN.Momentum) })
			}, plant(func(b *refBugs) { b.BNComplementF32 = true }), nil},
		{"batch normalization: the moving variance fed the unbiased variance", has,
			plant(func(b *refBugs) { b.BNUnbiasedMoving = true }), nil},
		{"batch normalization: Gradients does not move the statistics", has,
			plant(func(b *refBugs) { b.BNNoMovingInGrads = true }), nil},
		{"batch normalization: inference with the batch's statistics", has,
			plant(func(b *refBugs) { b.BNInferBatch = true }), nil},
		{"batch normalization: backward ignores the statistics' dependence on the input",
			func(c *parityCase) bool { return c.Net.hasBNWhere(func(_ refPre, stage bool) bool { return !stage }) },
			plant(func(b *refBugs) { b.BNBackNoStats = true }), nil},
		{"batch normalization: gamma's gradient missing",
			func(c *parityCase) bool { return c.Net.hasBNWhere(func(op refPre, _ bool) bool { return op.BN.Scale }) },
			plant(func(b *refBugs) { b.BNGammaGradZero = true }), nil},
		{"batch normalization: ε added to the standard deviation, not the variance", has,
			plant(func(b *refBugs) { b.BNEpsOutside = true }), nil},
	}
}

// TestParityBatchNormCasesCover checks that the b cases cover what their comment promises.
func TestParityBatchNormCasesCover(t *testing.T) {
	seen := map[string]int{}
	for _, c := range parityCases() {
		net := c.Net
		if !net.hasBN() {
			continue
		}
		got := map[string]bool{"optimizer " + net.Opt.Type: true}
		ops, _ := net.batchNorms()
		if len(ops) > 1 {
			got["two batch normalizations"] = true
		}
		for i, op := range net.Pre {
			if op.Kind == "batch_normalization" {
				got["first trained layer"] = true
				if i > 0 {
					got["first trained layer after "+net.Pre[i-1].Kind] = true
				}
			}
		}
		for l, ly := range net.Layers {
			for k, op := range ly.Post {
				if op.Kind != "batch_normalization" {
					continue
				}
				got[fmt.Sprintf("after a dense layer, bias %v", ly.Bias)] = true
				if k+1 < len(ly.Post) {
					got["followed by "+ly.Post[k+1].Kind] = true
				} else if l+1 < len(net.Layers) {
					got["followed by dense"] = true
				}
				if k > 0 && ly.Post[k-1].Kind == "dropout" {
					got["after a dropout between dense layers"] = true
				}
			}
		}
		net.hasBNWhere(func(op refPre, _ bool) bool {
			got[fmt.Sprintf("center %v scale %v", op.BN.Center, op.BN.Scale)] = true
			if op.BN.Momentum != 0.99 {
				got["momentum other than 0.99"] = true
			}
			if op.BN.Epsilon != 1e-3 {
				got["epsilon other than 1e-3"] = true
			}
			return false
		})
		for _, b := range c.Batches {
			if b.N <= 2 {
				got["a batch of at most 2 rows"] = true
			}
		}
		for k := range got {
			seen[k]++
		}
	}
	var missing []string
	for _, want := range []string{
		"first trained layer", "first trained layer after dropout", "first trained layer after rescaling", "first trained layer after normalization",
		"after a dense layer, bias true", "after a dense layer, bias false", "followed by activation", "followed by dense", "followed by dropout",
		"after a dropout between dense layers", "two batch normalizations",
		"center true scale true", "center false scale true", "center true scale false", "center false scale false",
		"momentum other than 0.99", "epsilon other than 1e-3", "a batch of at most 2 rows",
		"optimizer adam", "optimizer sgd", "optimizer rmsprop", "optimizer nadam", "optimizer adamax", "optimizer adagrad", "optimizer adamw",
	} {
		if seen[want] == 0 {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the batch normalization specs miss: %s", strings.Join(missing, "; "))
	}
}
