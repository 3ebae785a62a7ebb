package codegen_test

// The float64 reference of Keras' training toolbox, from Keras 3's definitions
// (keras-team/keras, keras/src/activations/activations.py, keras/src/layers/regularization/
// dropout.py, keras/src/regularizers/regularizers.py, keras/src/optimizers/*.py and
// schedules/learning_rate_schedule.py):
//
//   - the activations leaky_relu (negative_slope 0.2), elu (alpha 1), selu, softplus, gelu
//     (approximate=False, the Activation layer's default) and silu, as dense activations and as
//     activation layers of their own;
//   - dropout layers: out = in·mask while training, the mask 0 or 1/(1 − rate) per element; the
//     input itself when evaluating or predicting. The masks are the generated code's own choice
//     (Keras draws them from its seed generator): the reference takes them as given, drawn by
//     asm.Dropout from the key the Trainer uses (refMasks), and checks the rest of the arithmetic
//     with them fixed;
//   - kernel and bias regularizers (L1L2): the loss gains l1·Σ|w| + l2·Σw² of the parameters
//     before the update, the gradients l1·sign(w) + 2·l2·w;
//   - RMSprop (rho, momentum, centered), AdamW, Adagrad, Nadam (Keras 3's momentum schedule),
//     Adamax; weight_decay on any optimiser; clipnorm, global_clipnorm and clipvalue; the
//     learning-rate schedules.
//
// Every hyper-parameter is used as the spec gives it, in float64: the float32 roundings of the
// constants are the bounds' business (reference_toolbox_bounds_test.go).

import (
	"fmt"
	"math"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/spec"
)

// toolboxActivations are the activations besides linear, relu, sigmoid, tanh and softmax.
var toolboxActivations = []string{"leaky_relu", "elu", "selu", "softplus", "gelu", "silu"}

// Keras' constants: leaky_relu's negative_slope, and selu's alpha and scale as the backends
// write them (activations.py rounds them to 1.67326324 and 1.05070098, the same float32 values).
const (
	leakySlope = 0.2
	seluAlpha  = 1.6732632423543772848170429916717
	seluScale  = 1.0507009873554804934193349852946
)

// toolboxBugs are the planted mistakes of the toolbox (see refBugs).
type toolboxBugs struct {
	WrongForward    string // this activation is computed as a plausible mistake (wrongActivate), forward and back
	WrongDerivative string // this activation's derivative is a plausible mistake (wrongActivateBack)
	DropoutNoBack   bool   // the backward pass ignores the dropout mask
	DropoutInEval   bool   // EvalBatch applies the dropout masks (simulatedOutput reads it)
	DropoutNoScale  bool   // the kept inputs are not scaled by 1/(1 − rate)
	DropoutSameKey  bool   // every step draws the masks of the first (the key is not advanced)
	DropoutNoIndex  bool   // the key is not mixed with the layer's index
	DropoutEvalStep bool   // EvalBatch counts as a training step for the masks (the harness evaluates before step 1)
	NoPenaltyLoss   bool   // the reported loss leaves out the regularizers' penalty
	PenaltyAfter    bool   // TrainBatch's loss has the penalty of the updated parameters (simulatedOutput reads it)
	L2GradHalf      bool   // the L2 gradient is l2·w, not 2·l2·w
	L1GradMissing   bool   // the L1 gradient l1·sign(w) is left out
	DecayAfter      bool   // the weight decay comes after the update, not before
	CoupledDecay    bool   // the weight decay is added to the gradient (L2-style) instead of decoupled
	ClipNormGlobal  bool   // clipnorm clips by the norm of all the gradients together
	GlobalPerTensor bool   // global_clipnorm clips each gradient by its own norm
	ScheduleAhead   bool   // the schedule is read at the updates done plus one
	NadamKeras2     bool   // Nadam's momentum schedule is Keras 2's u_t = β1·(1 − 0.5·0.96^(0.004·t))
	AdamaxNoCorrect bool   // Adamax without its bias correction 1 − β1^t
	SeedIgnored     bool   // SetSeed does not change the masks (simulatedOutput reads it)
	SetLRIgnored    bool   // SetLearningRate does not change the rate (simulatedOutput reads it)
}

// toolboxActivate sets one row a = act(z) for the toolbox's activations.
func toolboxActivate(act string, a, z []float64) {
	for j, v := range z {
		switch act {
		case "leaky_relu":
			a[j] = v
			if v <= 0 {
				a[j] = leakySlope * v
			}
		case "elu":
			a[j] = v
			if v <= 0 {
				a[j] = math.Expm1(v)
			}
		case "selu":
			a[j] = seluScale * v
			if v <= 0 {
				a[j] = seluScale * seluAlpha * math.Expm1(v)
			}
		case "softplus":
			a[j] = math.Log1p(math.Exp(v))
			if v > 30 {
				a[j] = v + math.Log1p(math.Exp(-v))
			}
		case "gelu":
			a[j] = v * normalCDF(v)
		case "silu":
			a[j] = v * logistic(v)
		default:
			panic("reference: unknown activation " + act)
		}
	}
}

// normalCDF is Φ(z), the standard normal distribution function.
func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// normalPDF is φ(z), its density.
func normalPDF(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }

// logistic is 1/(1 + e^−z).
func logistic(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// toolboxActivateBack sets one row dz = g·act'(z).
func toolboxActivateBack(act string, dz, g, z, a []float64) {
	for j, v := range z {
		var d float64
		switch act {
		case "leaky_relu":
			d = 1
			if v <= 0 {
				d = leakySlope
			}
		case "elu":
			d = 1
			if v <= 0 {
				d = math.Exp(v)
			}
		case "selu":
			d = seluScale
			if v <= 0 {
				d = seluScale * seluAlpha * math.Exp(v)
			}
		case "softplus":
			d = logistic(v)
		case "gelu":
			d = normalCDF(v) + v*normalPDF(v)
		case "silu":
			s := logistic(v)
			d = s * (1 + v*(1-s))
		default:
			panic("reference: unknown activation " + act)
		}
		dz[j] = g[j] * d
	}
}

// wrongActivate is a plausible mistake in an activation's forward pass (and wrongActivateBack
// its derivative, consistently): the LeakyReLU layer's default slope 0.3 for leaky_relu, gelu's
// tanh approximation (keras.ops.gelu's default), elu with alpha 0.5, selu without its scale,
// softplus as log(1 + e^z) − log 2 (shifted to 0 at 0), silu as z·sigmoid(z)/2... only those a
// generator might write; the others compute the right function.
func wrongActivate(act string, a, z []float64) {
	for j, v := range z {
		switch act {
		case "leaky_relu":
			a[j] = v
			if v <= 0 {
				a[j] = 0.3 * v
			}
		case "gelu":
			a[j] = v / (1 + math.Exp(-2*math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		case "elu":
			a[j] = v
			if v <= 0 {
				a[j] = 0.5 * math.Expm1(v)
			}
		case "selu":
			a[j] = v
			if v <= 0 {
				a[j] = seluAlpha * math.Expm1(v)
			}
		default:
			toolboxActivate(act, a[j:j+1], z[j:j+1])
		}
	}
}

// wrongActivateBack is the derivative of wrongActivate for the activations it changes, and for
// the others a plausible mistake in the derivative alone: leaky_relu's 1 at z <= 0 (relu's
// derivative pattern with the slope forgotten), elu's e^z − 1 (the output, without + alpha),
// selu's alpha·e^z (the scale forgotten on the negative side), softplus' sigmoid of its output
// instead of its input, gelu's Φ(z) without z·φ(z), silu's sigmoid(z) without z·σ(z)·(1 − σ(z)).
func wrongActivateBack(act string, dz, g, z, a []float64) {
	for j, v := range z {
		var d float64
		switch act {
		case "leaky_relu":
			d = 1
			if v <= 0 {
				d = 0.3
			}
		case "gelu":
			// The derivative of the tanh approximation.
			k := math.Sqrt(2 / math.Pi)
			y := k * (v + 0.044715*v*v*v)
			s := 1 / (1 + math.Exp(-2*y))
			d = s + 2*v*s*(1-s)*k*(1+3*0.044715*v*v)
		case "elu":
			d = 1
			if v <= 0 {
				d = 0.5 * math.Exp(v)
			}
		case "selu":
			d = 1
			if v <= 0 {
				d = seluAlpha * math.Exp(v)
			}
		default:
			panic("reference: no forward mistake for " + act)
		}
		dz[j] = g[j] * d
	}
}

// wrongDerivative is the plausible mistake in the derivative alone (see wrongActivateBack).
func wrongDerivative(act string, dz, g, z, a []float64) {
	for j, v := range z {
		var d float64
		switch act {
		case "leaky_relu":
			d = 1
		case "elu":
			d = 1
			if v <= 0 {
				d = math.Expm1(v)
			}
		case "selu":
			d = seluScale
			if v <= 0 {
				d = seluAlpha * math.Exp(v)
			}
		case "softplus":
			d = logistic(a[j])
		case "gelu":
			d = normalCDF(v)
		case "silu":
			d = logistic(v)
		default:
			panic("reference: no derivative mistake for " + act)
		}
		dz[j] = g[j] * d
	}
}

// refMasks are the dropout masks of one training step, by the dropout layer's Index: rows×width
// values, 0 or float32(1/(1 − rate)).
type refMasks map[int][]float64

// dropoutKeyMix is what a dropout layer's index is multiplied by before it is mixed into the
// step's key, so that the layers of a network draw unrelated masks.
const dropoutKeyMix = 0x9e3779b97f4a7c15

// dropoutMask draws the mask the generated code draws for rows rows of width cols with the key
// key: asm.Dropout on a batch of ones (the draw depends only on the key, the row and the column,
// so rows 0 to rows of the whole batch are those any share of them draws).
func dropoutMask(rate float64, key uint64, rows, cols int) []float64 {
	ones, out, mask := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, rows*cols)
	for i := range ones {
		ones[i] = 1
	}
	asm.Dropout(out, ones, mask, float32(rate), key, 0, rows, cols)
	m := make([]float64, len(mask))
	for i, v := range mask {
		m[i] = float64(v)
	}
	return m
}

// dropouts lists the network's dropout layers with their widths.
func (net refNet) dropouts() (ops []refPre, widths []int) {
	for _, op := range net.Pre {
		if op.Kind == "dropout" {
			ops, widths = append(ops, op), append(widths, net.In)
		}
	}
	for _, op := range net.Img {
		if op.Kind == "dropout" {
			ops, widths = append(ops, op.refPre), append(widths, size(op.In))
		}
	}
	for _, ly := range net.Layers {
		for _, op := range ly.Post {
			if op.Kind == "dropout" {
				ops, widths = append(ops, op), append(widths, ly.Out)
			}
		}
	}
	return ops, widths
}

// hasDropout reports whether the network has a dropout layer.
func (net refNet) hasDropout() bool {
	ops, _ := net.dropouts()
	return len(ops) > 0
}

// masks are the dropout masks of the training forward pass step (from 0: the Trainer counts its
// Gradients and TrainBatch calls since NewTrainer or SetSeed) over n rows: layer i's key is
// asm.DropoutKey(seed, step) ^ i·0x9e3779b97f4a7c15. nil without dropout, unless the network has
// a batch normalization: then an empty map, so that the forward pass knows it is training.
func (net refNet) masks(step uint64, n int) refMasks {
	ops, widths := net.dropouts()
	if len(ops) == 0 {
		if net.hasBN() {
			return refMasks{} // training: a batch normalization takes the batch's statistics
		}
		return nil
	}
	if net.Bugs.DropoutSameKey {
		step = 0
	}
	if net.Bugs.DropoutEvalStep {
		step++
	}
	key := asm.DropoutKey(net.Seed, step)
	m := refMasks{}
	for i, op := range ops {
		k := key ^ uint64(op.Index)*dropoutKeyMix
		if net.Bugs.DropoutNoIndex {
			k = key
		}
		mask := dropoutMask(op.Rate, k, n, widths[i])
		if net.Bugs.DropoutNoScale {
			for j, v := range mask {
				if v != 0 {
					mask[j] = 1
				}
			}
		}
		m[op.Index] = mask
	}
	return m
}

// opForward runs n rows of width w through an activation or dropout layer.
func (net refNet) opForward(op refPre, in []float64, n, w int, masks refMasks) []float64 {
	out := make([]float64, len(in))
	switch op.Kind {
	case "activation":
		for r := 0; r < n; r++ {
			net.activate(op.Act, out[r*w:(r+1)*w], in[r*w:(r+1)*w])
		}
	case "dropout":
		mask := masks[op.Index]
		for i, v := range in {
			out[i] = v
			if mask != nil {
				out[i] = v * mask[i]
			}
		}
	default:
		panic("reference: " + op.Kind + " after a dense layer")
	}
	return out
}

// opBackward returns ∂loss/∂in from g = ∂loss/∂out through an activation or dropout layer.
func (net refNet) opBackward(op refPre, g, in, out []float64, n, w int, masks refMasks) []float64 {
	d := make([]float64, len(g))
	switch op.Kind {
	case "activation":
		for r := 0; r < n; r++ {
			s, e := r*w, (r+1)*w
			net.activateBack(op.Act, d[s:e], g[s:e], in[s:e], out[s:e])
		}
	case "dropout":
		mask := masks[op.Index]
		for i, v := range g {
			d[i] = v
			if mask != nil && !net.Bugs.DropoutNoBack {
				d[i] = v * mask[i]
			}
		}
	default:
		panic("reference: " + op.Kind + " after a dense layer")
	}
	return d
}

// regularized reports whether a regularizer adds to the loss.
func (net refNet) regularized() bool {
	for _, t := range net.regTensors() {
		if !t.R.Zero() {
			return true
		}
	}
	return false
}

// penaltyOf is l1·Σ|w| + l2·Σw².
func penaltyOf(w []float64, r spec.Regularizer) float64 {
	var abs, sq2 float64
	for _, v := range w {
		abs += math.Abs(v)
		sq2 += v * v
	}
	return r.L1*abs + r.L2*sq2
}

// penalty is the regularizers' penalty of the parameters p.
func (net refNet) penalty(p [][]float64) float64 {
	s := 0.0
	for _, t := range net.regTensors() {
		s += penaltyOf(p[t.T], t.R)
	}
	return s
}

// addRegGrads adds the gradient of r's penalty of w, l1·sign(w) + 2·l2·w, to grad.
func (net refNet) addRegGrads(grad, w []float64, r spec.Regularizer) {
	if r.Zero() {
		return
	}
	l1, l2 := r.L1, 2*r.L2
	if net.Bugs.L1GradMissing {
		l1 = 0
	}
	if net.Bugs.L2GradHalf {
		l2 = r.L2
	}
	for i, v := range w {
		grad[i] += l1*sign(v) + l2*v
	}
}

// lrAt is the learning rate of update t (from 1): the constant rate, or the schedule's at the
// t − 1 updates done before it (Keras reads it at optimizer.iterations).
func (net refNet) lrAt(t int) float64 {
	o := net.Opt
	if o.Schedule == nil {
		return o.LearningRate
	}
	step := t - 1
	if net.Bugs.ScheduleAhead {
		step = t
	}
	return scheduleRate(*o.Schedule, float64(step))
}

// scheduleRate is Keras 3's learning-rate schedule s at step (learning_rate_schedule.py).
func scheduleRate(s spec.Schedule, step float64) float64 {
	switch s.Type {
	case "exponential_decay":
		p := step / s.DecaySteps
		if s.Staircase {
			p = math.Floor(p)
		}
		return s.InitialLearningRate * math.Pow(s.DecayRate, p)
	case "inverse_time_decay":
		p := step / s.DecaySteps
		if s.Staircase {
			p = math.Floor(p)
		}
		return s.InitialLearningRate / (1 + s.DecayRate*p)
	case "polynomial_decay":
		ds := s.DecaySteps
		if s.Cycle {
			ds *= max(1, math.Ceil(step/s.DecaySteps))
		} else {
			step = min(step, ds)
		}
		return (s.InitialLearningRate-s.EndLearningRate)*math.Pow(1-step/ds, s.Power) + s.EndLearningRate
	case "cosine_decay":
		if s.WarmupTarget != nil {
			panic("reference: cosine_decay with warmup")
		}
		f := min(step, s.DecaySteps) / s.DecaySteps
		return s.InitialLearningRate * ((1-s.Alpha)*0.5*(1+math.Cos(math.Pi*f)) + s.Alpha)
	case "piecewise_constant_decay":
		for i, b := range s.Boundaries {
			if step <= float64(b) {
				return s.Values[i]
			}
		}
		return s.Values[len(s.Values)-1]
	}
	panic("reference: unknown schedule " + s.Type)
}

// l2 is the Euclidean norm of the trained gradients of g listed in ts.
func l2(g [][]float64, ts []int) float64 {
	s := 0.0
	for _, ti := range ts {
		for _, v := range g[ti] {
			s += v * v
		}
	}
	return math.Sqrt(s)
}

// clipGrads returns the gradients g clipped as Keras clips them: clipnorm scales each array to
// at most that norm (g·c/max(‖g‖, c)), global_clipnorm all of them together (g·c·min(1/‖G‖, 1/c)),
// clipvalue clamps each element to [−c, c].
func (net refNet) clipGrads(g [][]float64) [][]float64 {
	o := net.Opt
	c := cloneAll(g)
	trained := net.trainable()
	scale := func(ts []int, clip float64) {
		norm := l2(g, ts)
		if norm <= clip {
			return
		}
		for _, ti := range ts {
			for i := range c[ti] {
				c[ti][i] = g[ti][i] * clip / norm
			}
		}
	}
	switch {
	case o.ClipNorm > 0 && !net.Bugs.ClipNormGlobal, o.GlobalClipNorm > 0 && net.Bugs.GlobalPerTensor:
		for _, ti := range trained {
			scale([]int{ti}, o.ClipNorm+o.GlobalClipNorm)
		}
	case o.ClipNorm > 0, o.GlobalClipNorm > 0:
		scale(trained, o.ClipNorm+o.GlobalClipNorm)
	case o.ClipValue > 0:
		for _, ti := range trained {
			for i, v := range c[ti] {
				c[ti][i] = min(max(v, -o.ClipValue), o.ClipValue)
			}
		}
	}
	return c
}

// decay applies the decoupled weight decay of one update with learning rate lr to w.
func (net refNet) decay(w, lr float64) float64 {
	if net.Bugs.CoupledDecay {
		return w
	}
	return w - w*net.Opt.WeightDecay*lr
}

// nadamStep holds Nadam's scalars of update t (from 1): u_t, u_{t+1} and the running product
// P = u_1·…·u_t, with u_s = β1·(1 − 0.5·0.96^s) (Keras 3, nadam.py: the product is updated
// before the variables, so update t sees P with u_t in it).
type nadamStep struct{ Ut, Un, P float64 }

// nadamU is u_s.
func (net refNet) nadamU(s int) float64 {
	e := float64(s)
	if net.Bugs.NadamKeras2 {
		e *= 0.004
	}
	return net.Opt.Beta1 * (1 - 0.5*math.Pow(0.96, e))
}

func (net refNet) nadamScalars(t int, uProd float64) nadamStep {
	ut := net.nadamU(t)
	return nadamStep{Ut: ut, Un: net.nadamU(t + 1), P: uProd * ut}
}

// toolboxUpdate returns w after update s2.T of the other optimisers for the element i of tensor
// ti with the (clipped) gradient gi and learning rate lr, updating that element's state in s2
// (st is the state before the update).
func (net refNet) toolboxUpdate(s2 *refOptState, st refOptState, ti, i int, w, gi, lr float64, nd nadamStep) float64 {
	o := net.Opt
	t := float64(s2.T)
	switch o.Type {
	case "rmsprop":
		v := &s2.V[ti][i]
		*v = o.Rho**v + (1-o.Rho)*gi*gi
		den := *v + o.Epsilon
		if o.Centered {
			a := &s2.Avg[ti][i]
			*a = o.Rho**a + (1-o.Rho)*gi
			den = *v - *a**a + o.Epsilon
		}
		inc := lr * gi / math.Sqrt(den)
		if o.Momentum > 0 {
			m := &s2.Mom[ti][i]
			*m = o.Momentum**m + inc
			return w - *m
		}
		return w - inc
	case "adagrad":
		acc := &s2.Acc[ti][i]
		if st.T == 0 {
			*acc = o.InitialAccumulator
		}
		*acc += gi * gi
		return w - lr*gi/math.Sqrt(*acc+o.Epsilon)
	case "adamax":
		m, u := &s2.M[ti][i], &s2.U[ti][i]
		*m += (gi - *m) * (1 - o.Beta1)
		*u = max(o.Beta2**u, math.Abs(gi))
		corr := 1 - math.Pow(o.Beta1, t)
		if net.Bugs.AdamaxNoCorrect {
			corr = 1
		}
		return w - lr**m/(corr*(*u+o.Epsilon))
	case "nadam":
		m, v := &s2.M[ti][i], &s2.V[ti][i]
		*m += (gi - *m) * (1 - o.Beta1)
		*v += (gi*gi - *v) * (1 - o.Beta2)
		mHat := nd.Un**m/(1-nd.P*nd.Un) + (1-nd.Ut)*gi/(1-nd.P)
		vHat := *v / (1 - math.Pow(o.Beta2, t))
		return w - lr*mHat/(math.Sqrt(vHat)+o.Epsilon)
	}
	panic(fmt.Sprintf("reference: unknown optimizer %q", o.Type))
}
