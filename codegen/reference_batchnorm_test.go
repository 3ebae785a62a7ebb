package codegen_test

// The float64 reference of Keras 3's BatchNormalization over the last axis
// (keras/src/layers/normalization/batch_normalization.py), from its definition, not from
// codegen's emitter or asm's kernels:
//
//   - training (Gradients, TrainBatch: the whole batch at once): per feature j over the batch's N
//     rows, mean = Σx/N, var = Σ(x − mean)²/N (the population variance), xhat = (x − mean)/√(var +
//     ε), out = γ·xhat + β (γ = 1 without scale, β = 0 without center);
//   - evaluating and predicting: out = γ·(x − moving_mean)/√(moving_variance + ε) + β;
//   - every training forward pass moves the statistics: moving ← moving·momentum + batch·(1 −
//     momentum), in Keras' float32 (below); the optimiser never touches them (they are Fixed);
//   - the backward pass goes through the batch statistics: with g = ∂loss/∂out, ∂loss/∂β = Σg,
//     ∂loss/∂γ = Σg·xhat, ∂loss/∂x = γ/(N·√(var + ε))·(N·g − Σg − xhat·Σ(g·xhat)).
//
// The moving update is Keras': moving_mean.assign(moving_mean·momentum + mean·(1.0 − momentum)),
// 1.0 − momentum taken in Python's float64 from the configuration's decimal and rounded to
// float32 when it multiplies the float32 batch statistic, every product rounded to float32 before
// the float32 sum. bnKeepTake gives the two float32 factors from the spec's float64 momentum (the
// decimal as read): keep = float32(momentum), take = float32(1 − momentum). bnMovingRounded is
// that float32 formula applied to the reference's float64 batch statistics, which are computed
// in the order the documented kernel computes them (a float64 sum in row order, divided by N; a
// second pass of float64 squares): when the layer's input is exactly the one the generated code
// sees (the raw input, or one every step to which is exact), the result must agree bit for bit.
// Otherwise the reference takes the unrounded moving·keep + mean·take and the bounds
// (reference_batchnorm_bounds_test.go) carry the input's error and the three roundings.

import (
	"fmt"
	"math"
)

// bnBugs are the planted mistakes of the batch normalization (see refBugs).
type bnBugs struct {
	BNMomentumSwapped bool // moving ← moving·(1 − momentum) + batch·momentum (PyTorch's convention)
	BNComplementF32   bool // 1 − momentum taken as float32(1 − float32(momentum)), 10 ulps off for 0.99
	BNUnbiasedMoving  bool // the moving variance is fed the unbiased variance, N/(N − 1) times (Keras 2's fused kernel)
	BNNoMovingInGrads bool // Gradients does not move the statistics, only TrainBatch (simulatedOutput reads it)
	BNInferBatch      bool // EvalBatch and Predict standardise with the batch's statistics
	BNBackNoStats     bool // the backward pass ignores the statistics' dependence on the input: ∂x = γ·g/√(var + ε)
	BNGammaGradZero   bool // gamma's gradient is missing (left 0)
	BNEpsOutside      bool // xhat = (x − mean)/(√var + ε)
}

// refBNState is what one batch normalization computed in a forward pass.
type refBNState struct {
	Training   bool      // standardised with the batch's statistics
	N, W       int       // rows and features
	In         []float64 // its input, N×W
	XHat       []float64 // (x − mean)·Inv, N×W
	Mean, Var  []float64 // the batch's statistics (training), W
	Inv        []float64 // 1/√(var + ε) (training) or 1/√(moving_variance + ε), W
	MovingMean []float64 // the moving statistics it read, W
	MovingVar  []float64
}

// bnTensorInfo lists the tensors of the batch normalizations among ops, of width w: gamma (when
// scaled), beta (when centered), then the moving mean and variance, which are not trained.
func bnTensorInfo(ops []refPre, w int) []refTensorInfo {
	var ts []refTensorInfo
	for _, op := range ops {
		if op.Kind != "batch_normalization" {
			continue
		}
		name := fmt.Sprintf("batch_normalization%d/", op.K)
		if op.BN.Scale {
			ts = append(ts, refTensorInfo{name + "gamma", []int{w}, false})
		}
		if op.BN.Center {
			ts = append(ts, refTensorInfo{name + "beta", []int{w}, false})
		}
		ts = append(ts, refTensorInfo{name + "moving_mean", []int{w}, true}, refTensorInfo{name + "moving_variance", []int{w}, true})
	}
	return ts
}

// indexBatchNorms sets every batch normalization's parameter indexes from tensorInfo.
func (net *refNet) indexBatchNorms() {
	info := net.tensorInfo()
	find := func(name string) int {
		for i, t := range info {
			if t.Name == name {
				return i
			}
		}
		return -1
	}
	fill := func(op *refPre) {
		if op.Kind != "batch_normalization" {
			return
		}
		name := fmt.Sprintf("batch_normalization%d/", op.K)
		op.Gamma, op.Beta, op.MMean, op.MVar = find(name+"gamma"), find(name+"beta"), find(name+"moving_mean"), find(name+"moving_variance")
	}
	for i := range net.Pre {
		fill(&net.Pre[i])
	}
	for l := range net.Layers {
		for k := range net.Layers[l].Post {
			fill(&net.Layers[l].Post[k])
		}
	}
	net.indexImage(find)
}

// batchNorms lists the network's batch normalizations with their widths, in order.
func (net refNet) batchNorms() (ops []refPre, widths []int) {
	for _, op := range net.Pre {
		if op.Kind == "batch_normalization" {
			ops, widths = append(ops, op), append(widths, net.In)
		}
	}
	for _, op := range net.Img {
		if op.Kind == "batch_normalization" {
			ops, widths = append(ops, op.refPre), append(widths, op.In[2]) // per channel
		}
	}
	for _, ly := range net.Layers {
		for _, op := range ly.Post {
			if op.Kind == "batch_normalization" {
				ops, widths = append(ops, op), append(widths, ly.Out)
			}
		}
	}
	return ops, widths
}

// hasBN reports whether the network has a batch normalization.
func (net refNet) hasBN() bool {
	ops, _ := net.batchNorms()
	return len(ops) > 0
}

// preHasBN reports whether the input stage has a batch normalization (the first trained layer).
func (net refNet) preHasBN() bool {
	for _, op := range net.Pre {
		if op.Kind == "batch_normalization" {
			return true
		}
	}
	return false
}

// bnGammaBeta returns feature j's gamma and beta: 1 and 0 when the layer has none.
func bnGammaBeta(p [][]float64, op refPre, j int) (g, b float64) {
	g, b = 1, 0
	if op.Gamma >= 0 {
		g = p[op.Gamma][j]
	}
	if op.Beta >= 0 {
		b = p[op.Beta][j]
	}
	return g, b
}

// bnStats returns the batch's mean and population variance of each of the w features of the n
// rows x: a float64 sum in row order divided by n, then a second pass of squares.
func bnStats(x []float64, n, w int) (mean, variance []float64) {
	mean, variance = make([]float64, w), make([]float64, w)
	for r := 0; r < n; r++ {
		for j := 0; j < w; j++ {
			mean[j] += x[r*w+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for r := 0; r < n; r++ {
		for j := 0; j < w; j++ {
			d := x[r*w+j] - mean[j]
			variance[j] += float64(d * d) // not fused: the kernel's rounding
		}
	}
	for j := range variance {
		variance[j] /= float64(n)
	}
	return mean, variance
}

// bnForward runs n rows of width w through the batch normalization op, with the batch's
// statistics when training, and records what it computed in states.
func (net refNet) bnForward(p [][]float64, op refPre, in []float64, n, w int, training bool, states map[int]*refBNState) []float64 {
	st := &refBNState{Training: training, N: n, W: w, In: in, XHat: make([]float64, len(in)), Inv: make([]float64, w),
		MovingMean: p[op.MMean], MovingVar: p[op.MVar]}
	eps := op.BN.Epsilon
	shift := st.MovingMean
	if training || net.Bugs.BNInferBatch {
		st.Mean, st.Var = bnStats(in, n, w)
		shift = st.Mean
		for j := range st.Inv {
			st.Inv[j] = 1 / math.Sqrt(st.Var[j]+eps)
			if net.Bugs.BNEpsOutside {
				st.Inv[j] = 1 / (math.Sqrt(st.Var[j]) + eps)
			}
		}
	} else {
		for j := range st.Inv {
			st.Inv[j] = 1 / math.Sqrt(st.MovingVar[j]+eps)
		}
	}
	out := make([]float64, len(in))
	for i, v := range in {
		j := i % w
		g, b := bnGammaBeta(p, op, j)
		st.XHat[i] = (v - shift[j]) * st.Inv[j]
		out[i] = g*st.XHat[i] + b
	}
	states[op.K] = st
	return out
}

// bnBackward returns ∂loss/∂in from g = ∂loss/∂out through the batch normalization op of the
// forward pass f, and sets gamma's and beta's gradients in grads.
func (net refNet) bnBackward(p [][]float64, op refPre, g []float64, f refForward, grads [][]float64) []float64 {
	st := f.BN[op.K]
	n, w := st.N, st.W
	fn := float64(n)
	din := make([]float64, len(g))
	for j := 0; j < w; j++ {
		var s, t float64
		for r := 0; r < n; r++ {
			s += g[r*w+j]
			t += g[r*w+j] * st.XHat[r*w+j]
		}
		if op.Beta >= 0 {
			grads[op.Beta][j] = s
		}
		if op.Gamma >= 0 && !net.Bugs.BNGammaGradZero {
			grads[op.Gamma][j] = t
		}
		gamma, _ := bnGammaBeta(p, op, j)
		c := gamma * st.Inv[j]
		for r := 0; r < n; r++ {
			i := r*w + j
			if !st.Training || net.Bugs.BNBackNoStats {
				din[i] = c * g[i]
			} else {
				din[i] = c / fn * (fn*g[i] - s - st.XHat[i]*t)
			}
		}
	}
	return din
}

// backPre takes ∂loss/∂A[0] = DZ[0]·W[0]ᵀ back through the input stage (setting the gradients of
// its batch normalizations in grads) and returns ∂loss/∂Pre[i] for every i: a rescaling multiplies
// by its scale, a normalization divides by max(√variance, 1e-7).
func (net refNet) backPre(p [][]float64, f refForward, b refBackward, grads [][]float64) [][]float64 {
	if net.Bugs.NoPre {
		return nil
	}
	ly := net.Layers[0]
	ki, _ := net.paramIndex(0)
	w, dz, n := p[ki], b.DZ[0], f.N
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
	d := make([][]float64, len(net.Pre)+1)
	d[len(net.Pre)] = g
	for i := len(net.Pre) - 1; i >= 0; i-- {
		pre := net.Pre[i]
		switch pre.Kind {
		case "batch_normalization":
			g = net.bnBackward(p, pre, g, f, grads)
		case "rescaling", "normalization":
			g2 := make([]float64, len(g))
			for k, v := range g {
				if pre.Kind == "rescaling" {
					g2[k] = v * pre.Scale
				} else {
					g2[k] = v / net.std(p[net.normIndex()+1][k%net.In])
				}
			}
			g = g2
		default:
			g = net.opBackward(pre, g, f.Pre[i], f.Pre[i+1], n, net.In, f.Masks)
		}
		d[i] = g
	}
	return d
}

// bnKeepTake are Keras' float32 factors of the moving update for the spec's momentum:
// float32(momentum) and float32(1 − momentum), the latter from the float64 of the decimal.
func (net refNet) bnKeepTake(momentum float64) (keep, take float64) {
	keep, take = f32(momentum), f32(1-momentum)
	if net.Bugs.BNComplementF32 {
		take = f32(1 - f32(momentum))
	}
	if net.Bugs.BNMomentumSwapped {
		keep, take = take, keep
	}
	return keep, take
}

// bnBatchVar is the variance the moving variance is fed: the population variance (Keras 3).
func (net refNet) bnBatchVar(v float64, n int) float64 {
	if net.Bugs.BNUnbiasedMoving && n > 1 {
		return v * float64(n) / float64(n-1)
	}
	return v
}

// bnMovingRounded is Keras' float32 update of one moving statistic m (a float32) from the batch's
// statistic s: float32(m·keep) + float32(float32(s)·take), rounded to float32. Every product of
// two float32 values is exact in float64, so each f32 is the float32 operation's rounding.
func bnMovingRounded(m, s, keep, take float64) float64 {
	return f32(f32(m*keep) + f32(f32(s)*take))
}

// bnMovingUpdate returns p with the moving statistics of every batch normalization moved by the
// training forward pass f: Keras' float32 formula (bnMovingRounded) for a layer exact(op) says
// sees exactly the generated code's input (nil: every layer), else the unrounded m·keep + s·take.
// p is not changed; without a training pass it is returned as it is.
func (net refNet) bnMovingUpdate(p [][]float64, f refForward, exact func(op refPre) bool) [][]float64 {
	if !f.Training || !net.hasBN() {
		return p
	}
	q := cloneAll(p)
	ops, _ := net.batchNorms()
	for _, op := range ops {
		st := f.BN[op.K]
		if st == nil {
			continue // skipped (a planted NoPre)
		}
		keep, take := net.bnKeepTake(op.BN.Momentum)
		rounded := exact == nil || exact(op)
		for j := range st.Mean {
			m, v := st.Mean[j], net.bnBatchVar(st.Var[j], st.N)
			if rounded {
				q[op.MMean][j] = bnMovingRounded(p[op.MMean][j], m, keep, take)
				q[op.MVar][j] = bnMovingRounded(p[op.MVar][j], v, keep, take)
			} else {
				q[op.MMean][j] = p[op.MMean][j]*keep + m*take
				q[op.MVar][j] = p[op.MVar][j]*keep + v*take
			}
		}
	}
	return q
}
