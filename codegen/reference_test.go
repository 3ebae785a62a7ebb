package codegen_test

// A plain float64 reference of the network a spec.Model describes: preprocessing, forward pass,
// loss, the accuracy count, gradients and optimiser steps, written from the math alone (not from
// codegen's emitters) so that the generated float32 code can be checked against it. Error bounds
// for that comparison live in reference_bounds_test.go; the reference itself is checked against
// finite differences and hand-computed cases in reference_fd_test.go. The training toolbox
// (activation and dropout layers, Keras 3's other activations, regularizers, the other
// optimisers, weight decay, clipping and learning-rate schedules) is in reference_toolbox_test.go.
//
// Every array is row-major; a batch of n rows of width w is a []float64 of n·w values. Parameters
// are a [][]float64 in the order of the generated Model.Tensors(): the normalization layer's mean
// and variance when the network has one, then the input stage's batch normalizations' tensors,
// then the image stage's (conv2d kernels and biases, batch normalizations of images:
// reference_conv_test.go), then for each dense layer its kernel ([in][out], as Keras) and its bias when the layer has one,
// and the tensors of the batch normalizations that follow it (gamma, beta, moving mean, moving
// variance: reference_batchnorm_test.go), then the labels' mean and variance when the labels are
// standardised. The statistics are fixed: their gradients are zero arrays, GradTensors() does not
// list them and the optimiser never changes them; the reference only reads them, but for the
// batch normalizations' moving statistics, which every training forward pass moves
// (bnMovingUpdate).

import (
	"fmt"
	"math"

	"github.com/nngen/nngen/spec"
)

// refNet is the network of a spec.Model reduced to what the arithmetic needs.
type refNet struct {
	In     int        // input features
	Pre    []refPre   // the layers before the first dense layer, in order (the input stage)
	Img    []refImg   // with an image input, the layers from the first that needs an image to the first dense layer (reference_conv_test.go)
	Layers []refLayer // the dense layers in order; the last one is the output
	Loss   string     // one of allLosses
	Labels bool       // the labels are standardised (data.normalize_label)
	Opt    spec.Optimizer
	Seed   uint64  // seeds the dropout masks: fit.seed, or what SetSeed set
	Bugs   refBugs // mistakes planted for TestParityDetectsBugs; the zero value plants none
}

// refPre is one layer without trained parameters: rescaling out = x·Scale + Offset,
// normalization out = (x − mean)/max(√variance, 1e-7) with the network's fixed normalization
// statistics, activation out = Act(x), dropout out = x·mask while training (mask 0 or 1/(1 − Rate),
// see refMasks) and x otherwise. Rescaling and normalization come only before the dense layers.
type refPre struct {
	Kind          string  // rescaling, normalization, activation or dropout
	Scale, Offset float64 // rescaling: the float32 constants of the generated code
	Act           string  // activation: its name
	Rate          float64 // dropout: the fraction of its inputs dropped while training
	Index         int     // dropout: its position in the generated network (from 1), which keys its masks

	// batch_normalization (reference_batchnorm_test.go): its settings, its number K (from 1:
	// batch_normalization<K>) and where its gamma, beta, moving mean and moving variance sit in a
	// parameter list (-1: gamma without scale, beta without center), set by newRefNet.
	BN                       spec.BatchNorm
	K                        int
	Gamma, Beta, MMean, MVar int
}

// refLayer is one dense layer, with the activation and dropout layers that follow it.
type refLayer struct {
	In, Out int
	Act     string // linear, relu, sigmoid, tanh, softmax, or one of toolboxActivations
	Bias    bool
	Post    []refPre // the activation and dropout layers between this layer and the next dense one

	KernelReg, BiasReg spec.Regularizer // L1L2 penalties added to the loss
}

// refBugs are the generator's likely mistakes, planted in the reference's forward pass, loss and
// gradients (never in its bounds) so that TestParityDetectsBugs can show the comparison catches
// them.
type refBugs struct {
	NoPre             bool    // the preprocessing layers are skipped (simulatedOutput sets it for PredictNoPre)
	NoFloor           bool    // normalization and the labels' standardisation divide by √variance, without the 1e-7 floor
	ByVariance        bool    // normalization divides by the variance instead of its square root
	OffsetFirst       bool    // rescaling computes (x + offset)·scale
	PredictNoPre      bool    // Predict skips the preprocessing layers (simulatedOutput reads it)
	BinaryOneTerm     bool    // binary cross-entropy without its (1 − y)·log(1 − p) term
	DeltaScale        float64 // the output layer's delta is multiplied by this; 0 means 1
	FusedThroughAct   bool    // a cross-entropy's fused delta also goes through the output activation's derivative
	MAENoAct          bool    // the mean absolute error's gradient skips the output activation's derivative
	LabelsNotRestored bool    // Output() and Predict report the standardised outputs
	LossStandardised  bool    // the reported loss is that of the standardised outputs and labels
	RawLabels         bool    // the network is trained against the labels as they are, not standardised
	AdaptNoRescale    bool    // AdaptInputs ignores the rescaling layers before the normalization
	StatsTrained      bool    // GradTensors() lists the fixed statistics too (simulatedOutput reads it)

	toolboxBugs
	bnBugs
	convBugs
}

// normFloor is the least standard deviation normalization divides by (Keras' epsilon).
const normFloor = 1e-7

func newRefNet(m *spec.Model) refNet {
	net := refNet{In: m.Input.Size(), Loss: m.Compile.Loss, Opt: m.Compile.Optimizer,
		Labels: m.Data.Source == "csv" && m.Data.NormalizeLabel, Seed: m.Fit.Seed}
	in := net.In
	// index is each layer's position in the generated network, from 1: the spec's layers in
	// order, and after a dense layer with gelu or silu the activation layer the generator gives
	// it (their derivatives need the pre-activations). A dropout layer's masks are keyed by it.
	index, bnK := 0, 0
	for _, l := range m.Layers {
		index++
		act := l.Activation
		if act == "" {
			act = "linear"
		}
		var op refPre
		switch l.Type {
		case "rescaling":
			op = refPre{Kind: "rescaling", Scale: f32(l.Scale), Offset: f32(l.Offset)}
		case "normalization":
			op = refPre{Kind: "normalization"}
		case "activation":
			op = refPre{Kind: "activation", Act: act}
		case "dropout":
			op = refPre{Kind: "dropout", Rate: l.Rate, Index: index}
		case "batch_normalization":
			bnK++
			op = refPre{Kind: "batch_normalization", BN: l.BatchNorm, K: bnK, Index: index}
		case "dense":
			net.Layers = append(net.Layers, refLayer{In: net.denseIn(in), Out: l.Units, Act: act, Bias: l.UseBias,
				KernelReg: l.KernelRegularizer, BiasReg: l.BiasRegularizer})
			in = l.Units
			if act == "gelu" || act == "silu" {
				index++
			}
			continue
		case "conv2d", "max_pooling2d", "average_pooling2d", "global_max_pooling2d", "global_average_pooling2d", "flatten":
			index = net.addImageLayer(m, l, act, index)
			continue
		default:
			panic("reference: layer type " + l.Type)
		}
		if net.addImageOp(m, op) {
			continue
		}
		if len(net.Layers) == 0 {
			net.Pre = append(net.Pre, op)
		} else {
			last := &net.Layers[len(net.Layers)-1]
			last.Post = append(last.Post, op)
		}
	}
	net.indexBatchNorms()
	return net
}

// OutSize is the width of the network's output.
func (net refNet) OutSize() int { return net.Layers[len(net.Layers)-1].Out }

// isCE reports whether the loss is one of the (identical here) categorical cross-entropies.
func (net refNet) isCE() bool {
	return net.Loss == "categorical_crossentropy" || net.Loss == "sparse_categorical_crossentropy"
}

// isBCE reports whether the loss is the binary cross-entropy.
func (net refNet) isBCE() bool { return net.Loss == "binary_crossentropy" }

// fused reports whether the output layer's delta is fused with its activation: a cross-entropy.
func (net refNet) fused() bool { return net.isCE() || net.isBCE() }

// classifies reports whether the network is a classifier: it has ClassCount, PredictClass.
func (net refNet) classifies() bool { return net.fused() }

// classCount is a classifier's number of classes: its outputs, or 2 for one sigmoid unit.
func (net refNet) classCount() int { return max(net.OutSize(), 2) }

// hasNorm reports whether the network has a normalization layer.
func (net refNet) hasNorm() bool {
	for _, p := range net.Pre {
		if p.Kind == "normalization" {
			return true
		}
	}
	return false
}

// refTensorInfo is the name and shape that Tensors() and GradTensors() must report.
type refTensorInfo struct {
	Name  string
	Shape []int
	Fixed bool // a statistic: in Tensors(), not in GradTensors(), never changed by a step
}

func (net refNet) tensorInfo() []refTensorInfo {
	var ts []refTensorInfo
	if net.hasNorm() {
		ts = append(ts, refTensorInfo{"normalization/mean", []int{net.In}, true}, refTensorInfo{"normalization/variance", []int{net.In}, true})
	}
	ts = append(ts, bnTensorInfo(net.Pre, net.In)...)
	ts = append(ts, net.imgTensorInfo()...)
	for l, ly := range net.Layers {
		ts = append(ts, refTensorInfo{fmt.Sprintf("dense%d/kernel", l+1), []int{ly.In, ly.Out}, false})
		if ly.Bias {
			ts = append(ts, refTensorInfo{fmt.Sprintf("dense%d/bias", l+1), []int{ly.Out}, false})
		}
		ts = append(ts, bnTensorInfo(ly.Post, ly.Out)...)
	}
	if net.Labels {
		ts = append(ts, refTensorInfo{"label/mean", []int{net.OutSize()}, true}, refTensorInfo{"label/variance", []int{net.OutSize()}, true})
	}
	return ts
}

// trainable returns the indexes, in Tensors order, of the tensors GradTensors() lists.
func (net refNet) trainable() []int {
	var idx []int
	for i, t := range net.tensorInfo() {
		if !t.Fixed {
			idx = append(idx, i)
		}
	}
	return idx
}

// normIndex is where the normalization's mean sits in a parameter list (its variance follows);
// -1 without a normalization layer.
func (net refNet) normIndex() int {
	if net.hasNorm() {
		return 0
	}
	return -1
}

// labelIndex is where the labels' mean sits in a parameter list (their variance follows); -1
// when the labels are not standardised.
func (net refNet) labelIndex() int {
	if !net.Labels {
		return -1
	}
	return len(net.tensorInfo()) - 2
}

// paramIndex returns where dense layer l's kernel and bias sit in a parameter list; bias is -1
// for a layer without one.
func (net refNet) paramIndex(l int) (kernel, bias int) {
	i := 0
	if net.hasNorm() {
		i = 2
	}
	i += len(bnTensorInfo(net.Pre, net.In)) + len(net.imgTensorInfo())
	for j := 0; j < l; j++ {
		i++
		if net.Layers[j].Bias {
			i++
		}
		i += len(bnTensorInfo(net.Layers[j].Post, net.Layers[j].Out))
	}
	if net.Layers[l].Bias {
		return i, i + 1
	}
	return i, -1
}

// zerosLike returns zeroed arrays of the shapes of p.
func zerosLike(p [][]float64) [][]float64 {
	z := make([][]float64, len(p))
	for i := range p {
		z[i] = make([]float64, len(p[i]))
	}
	return z
}

// std is the divisor of a normalization with variance v: max(√v, 1e-7).
func (net refNet) std(v float64) float64 {
	switch {
	case net.Bugs.ByVariance:
		return max(v, normFloor)
	case net.Bugs.NoFloor:
		return math.Sqrt(v)
	}
	return max(math.Sqrt(v), normFloor)
}

// refForward is one forward pass over n rows.
type refForward struct {
	N    int
	Pre  [][]float64   // Pre[0] is the raw input; Pre[i+1] is the output of layer i of the input stage, n×In
	A    [][]float64   // A[l] is dense layer l's input (A[0] the last of Pre); A[L] is the output layer's output
	Z    [][]float64   // Z[l] is dense layer l's pre-activation X·W + b, n×Out
	D    [][]float64   // D[l] is dense layer l's output act(Z[l]), n×Out
	Post [][][]float64 // Post[l][k] is the output of layer l's k-th following layer; A[l+1] is the last (or D[l])
	Out  []float64     // what the network reports: A[L], or with standardised labels, A[L] in the labels' units

	// The image stage's: Img[0] is the last of Pre, Img[i+1] the output of its layer i (A[0] the
	// last); ImgZ[i] a conv2d's pre-activations, ImgArg[i] a max pooling's chosen cells.
	Img    [][]float64
	ImgZ   [][]float64
	ImgArg [][]int

	Masks refMasks // the dropout masks it ran with; nil: evaluating (dropout passes its input on)

	// Training is Masks != nil: a training forward pass (a batch normalization standardises with
	// the batch's statistics; net.masks gives a network with one an empty, non-nil, map).
	Training bool
	BN       map[int]*refBNState // each batch normalization's statistics, by K
}

// Output is the network's output as Output() and Predict report it, n×OutSize.
func (f refForward) Output() []float64 { return f.Out }

// Net is the last dense layer's output, n×OutSize: the network's output in the units it is
// trained in (standardised, with standardised labels).
func (f refForward) Net() []float64 { return f.A[len(f.A)-1] }

// preprocess runs n rows of x through the input stage; the result has len(Pre) + 1 arrays, the
// first x itself.
func (net refNet) preprocess(p [][]float64, x []float64, n int, masks refMasks, bn map[int]*refBNState) [][]float64 {
	out := [][]float64{x[:n*net.In]}
	if net.Bugs.NoPre {
		return out
	}
	for _, pre := range net.Pre {
		in := out[len(out)-1]
		if pre.Kind == "batch_normalization" {
			out = append(out, net.bnForward(p, pre, in, n, net.In, masks != nil, bn))
			continue
		}
		if pre.Kind == "activation" || pre.Kind == "dropout" {
			out = append(out, net.opForward(pre, in, n, net.In, masks))
			continue
		}
		o := make([]float64, len(in))
		for i, v := range in {
			j := i % net.In
			switch pre.Kind {
			case "rescaling":
				if net.Bugs.OffsetFirst {
					o[i] = (v + pre.Offset) * pre.Scale
				} else {
					o[i] = v*pre.Scale + pre.Offset
				}
			case "normalization":
				ni := net.normIndex()
				o[i] = (v - p[ni][j]) / net.std(p[ni+1][j])
			default:
				panic("reference: unknown preprocessing layer " + pre.Kind)
			}
		}
		out = append(out, o)
	}
	return out
}

// forward is the forward pass of n rows of x as EvalBatch and Predict compute it: every dropout
// passes its input on.
func (net refNet) forward(p [][]float64, x []float64, n int) refForward {
	return net.forwardMasked(p, x, n, nil)
}

// forwardMasked is the forward pass of a training step whose dropout layers have the masks
// masks (nil: none, as forward).
func (net refNet) forwardMasked(p [][]float64, x []float64, n int, masks refMasks) refForward {
	f := refForward{N: n, Masks: masks, Training: masks != nil, BN: map[int]*refBNState{}}
	f.Pre = net.preprocess(p, x, n, masks, f.BN)
	f.A = [][]float64{net.imgForward(p, f.Pre[len(f.Pre)-1], n, masks, &f)}
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		w, in := p[ki], f.A[l]
		z := make([]float64, n*ly.Out)
		for r := 0; r < n; r++ {
			for j := 0; j < ly.Out; j++ {
				s := 0.0
				if bi >= 0 {
					s = p[bi][j]
				}
				for i := 0; i < ly.In; i++ {
					s += in[r*ly.In+i] * w[i*ly.Out+j]
				}
				z[r*ly.Out+j] = s
			}
		}
		a := make([]float64, len(z))
		for r := 0; r < n; r++ {
			net.activate(ly.Act, a[r*ly.Out:(r+1)*ly.Out], z[r*ly.Out:(r+1)*ly.Out])
		}
		f.Z, f.D = append(f.Z, z), append(f.D, a)
		var post [][]float64
		for _, op := range ly.Post {
			if op.Kind == "batch_normalization" {
				a = net.bnForward(p, op, a, n, ly.Out, masks != nil, f.BN)
				post = append(post, a)
				continue
			}
			a = net.opForward(op, a, n, ly.Out, masks)
			post = append(post, a)
		}
		f.Post, f.A = append(f.Post, post), append(f.A, a)
	}
	f.Out = f.Net()
	if net.Labels && !net.Bugs.LabelsNotRestored {
		f.Out = net.restore(p, f.Net())
	}
	return f
}

// restore returns the standardised outputs z in the labels' units: mean + z·max(√variance, 1e-7).
func (net refNet) restore(p [][]float64, z []float64) []float64 {
	k, li := net.OutSize(), net.labelIndex()
	o := make([]float64, len(z))
	for i, v := range z {
		o[i] = p[li][i%k] + v*net.std(p[li+1][i%k])
	}
	return o
}

// standardise returns the labels y standardised: (y − mean)/max(√variance, 1e-7).
func (net refNet) standardise(p [][]float64, y []float64) []float64 {
	k, li := net.OutSize(), net.labelIndex()
	o := make([]float64, len(y))
	for i, v := range y {
		o[i] = (v - p[li][i%k]) / net.std(p[li+1][i%k])
	}
	return o
}

// targets returns the targets the network is trained against: y, or y standardised.
func (net refNet) targets(p [][]float64, y []float64) []float64 {
	if net.Labels && !net.Bugs.RawLabels {
		return net.standardise(p, y)
	}
	return y
}

// reportedLoss is the loss Gradients, TrainBatch and EvalBatch report: that of the outputs in
// the labels' units against y.
func (net refNet) reportedLoss(p [][]float64, f refForward, y []float64) float64 {
	pen := net.penalty(p)
	if net.Bugs.NoPenaltyLoss {
		pen = 0
	}
	if net.Labels && net.Bugs.LossStandardised {
		return net.loss(f.Net(), net.standardise(p, y), f.N) + pen
	}
	if net.Labels && net.Bugs.LabelsNotRestored {
		return net.loss(net.restore(p, f.Net()), y, f.N) + pen
	}
	return net.loss(f.Output(), y, f.N) + pen
}

// trainingLoss is the loss whose gradients the network follows: that of its own outputs against
// the targets it is trained against (the standardised labels, when they are), and the
// regularizers' penalty.
func (net refNet) trainingLoss(p [][]float64, f refForward, y []float64) float64 {
	return net.loss(f.Net(), net.targets(p, y), f.N) + net.penalty(p)
}

// activate sets one row a = act(z).
func (net refNet) activate(act string, a, z []float64) {
	if net.Bugs.WrongForward == act {
		wrongActivate(act, a, z)
		return
	}
	switch act {
	case "linear":
		copy(a, z)
	case "relu":
		for j, v := range z {
			a[j] = math.Max(0, v)
		}
	case "sigmoid":
		for j, v := range z {
			a[j] = 1 / (1 + math.Exp(-v))
		}
	case "tanh":
		for j, v := range z {
			a[j] = math.Tanh(v)
		}
	case "softmax":
		m := math.Inf(-1)
		for _, v := range z {
			m = math.Max(m, v)
		}
		s := 0.0
		for j, v := range z {
			a[j] = math.Exp(v - m)
			s += a[j]
		}
		for j := range a {
			a[j] /= s
		}
	default:
		toolboxActivate(act, a, z)
	}
}

// Keras clips probabilities to [ceClipLo, ceClipHi] before the log of a categorical
// cross-entropy, and, in float32, to [bceClipLo, bceClipHi] for the binary one: float32(1e-7)
// and float32(1 − 1e-7) = 1 − 2⁻²³ (see asm.BinaryCrossEntropy).
const (
	ceClipLo  = 1e-7
	ceClipHi  = 1 - 1e-7
	bceClipLo = float64(float32(1e-7))
	bceClipHi = 1 - 0x1p-23
)

// bceTerm is one binary cross-entropy term: −(t·log q + (1 − t)·log(1 − q)), q = p clipped.
func bceTerm(p, t float64, oneTerm bool) float64 {
	q := min(max(p, bceClipLo), bceClipHi)
	if oneTerm {
		return -t * math.Log(q)
	}
	return -(t*math.Log(q) + (1-t)*math.Log(1-q))
}

// rowLosses returns the loss of every row of out (n×k) against the targets y.
func (net refNet) rowLosses(out, y []float64, n int) []float64 {
	k := net.OutSize()
	ls := make([]float64, n)
	for r := range ls {
		o, t := out[r*k:(r+1)*k], y[r*k:(r+1)*k]
		s := 0.0
		for j := range o {
			switch net.Loss {
			case "categorical_crossentropy", "sparse_categorical_crossentropy":
				s -= t[j] * math.Log(min(max(o[j], ceClipLo), ceClipHi))
			case "binary_crossentropy":
				s += bceTerm(o[j], t[j], net.Bugs.BinaryOneTerm) / float64(k)
			case "mean_squared_error":
				d := o[j] - t[j]
				s += d * d / float64(k)
			case "mean_absolute_error":
				s += math.Abs(o[j]-t[j]) / float64(k)
			default:
				panic("reference: unknown loss " + net.Loss)
			}
		}
		ls[r] = s
	}
	return ls
}

// loss is the mean of the row losses.
func (net refNet) loss(out, y []float64, n int) float64 {
	s := 0.0
	for _, l := range net.rowLosses(out, y, n) {
		s += l
	}
	return s / float64(n)
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	best := 0
	for j := range v {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}

// correct counts the rows whose prediction matches the target: argmax, or with one output a 0.5
// threshold on both sides.
func (net refNet) correct(out, y []float64, n int) int {
	k := net.OutSize()
	c := 0
	for r := 0; r < n; r++ {
		o, t := out[r*k:(r+1)*k], y[r*k:(r+1)*k]
		if k == 1 {
			if (o[0] > 0.5) == (t[0] > 0.5) {
				c++
			}
		} else if argmax(o) == argmax(t) {
			c++
		}
	}
	return c
}

// predictClass is PredictClass of one output row: the most probable class and its probability.
func (net refNet) predictClass(o []float64) (int, float64) {
	if len(o) == 1 {
		if o[0] > 0.5 {
			return 1, o[0]
		}
		return 0, 1 - o[0]
	}
	c := argmax(o)
	return c, o[c]
}

// adaptInputs maps the raw features' mean and variance through the rescaling layers before the
// normalization, to the statistics the normalization layer gets from AdaptInputs.
func (net refNet) adaptInputs(mean, variance []float64) (m, v []float64) {
	m, v = append([]float64(nil), mean...), append([]float64(nil), variance...)
	for _, pre := range net.Pre {
		if pre.Kind == "normalization" {
			break
		}
		if net.Bugs.AdaptNoRescale || pre.Kind != "rescaling" {
			continue
		}
		for j := range m {
			m[j] = m[j]*pre.Scale + pre.Offset
			v[j] *= pre.Scale * pre.Scale
		}
	}
	return m, v
}

// refBackward is the result of back-propagating the mean training loss of one forward pass.
type refBackward struct {
	T     []float64     // the targets the output was compared with: y, or y standardised
	DZ    [][]float64   // DZ[l] = ∂loss/∂Z[l], n×Out
	DA    [][]float64   // DA[l] = ∂loss/∂D[l] before the activation's derivative; nil for a fused cross-entropy output
	DPost [][][]float64 // DPost[l][k] = ∂loss/∂Post[l][k]
	DPre  [][]float64   // with a batch normalization in the input stage: DPre[i] = ∂loss/∂Pre[i], DPre[0] the raw input's
	Grads [][]float64   // ∂loss/∂parameter, in Tensors order, the regularizers' too; zero for the fixed statistics
	// With an image stage: DImg[i] = ∂loss/∂Img[i], DImgZ[i] = ∂loss/∂ImgZ[i], DX = ∂loss/∂(the raw input).
	DImg, DImgZ [][]float64
	DX          []float64
}

func (net refNet) backward(p [][]float64, f refForward, y []float64) refBackward {
	n, L := f.N, len(net.Layers)
	b := refBackward{T: net.targets(p, y), DZ: make([][]float64, L), DA: make([][]float64, L), DPost: make([][][]float64, L), Grads: zerosLike(p)}
	scale := 1.0
	if net.Bugs.DeltaScale != 0 {
		scale = net.Bugs.DeltaScale
	}
	for l := L - 1; l >= 0; l-- {
		ly := net.Layers[l]
		z, a := f.Z[l], f.D[l]
		var g []float64 // ∂loss/∂D[l]
		switch {
		case l == L-1 && net.fused():
			// Softmax and categorical cross-entropy fused: ∂loss/∂z = (p − y)/n; sigmoid and binary
			// cross-entropy, a mean over the k outputs too: (p − y)/(n·k). The clip is ignored.
			c := 1 / float64(n)
			if net.isBCE() {
				c /= float64(ly.Out)
			}
			dz := make([]float64, len(a))
			for i := range dz {
				dz[i] = scale * (a[i] - b.T[i]) * c
			}
			if net.Bugs.FusedThroughAct {
				g = dz
			} else {
				b.DZ[l] = dz
			}
		case l == L-1 && net.Loss == "mean_absolute_error":
			// sign(a − y)/(n·k); 0 where a = y.
			g = make([]float64, len(a))
			for i := range g {
				g[i] = scale * sign(a[i]-b.T[i]) / float64(n*ly.Out)
			}
		case l == L-1:
			g = make([]float64, len(a))
			for i := range g {
				g[i] = scale * 2 * (a[i] - b.T[i]) / float64(n*ly.Out)
			}
		default:
			// ∂loss/∂A[l+1] = DZ[l+1]·W[l+1]ᵀ.
			next := net.Layers[l+1]
			wi, _ := net.paramIndex(l + 1)
			w, dzn := p[wi], b.DZ[l+1]
			g = make([]float64, n*ly.Out)
			for r := 0; r < n; r++ {
				for i := 0; i < next.In; i++ {
					s := 0.0
					for j := 0; j < next.Out; j++ {
						s += dzn[r*next.Out+j] * w[i*next.Out+j]
					}
					g[r*next.In+i] = s
				}
			}
			// Back through the activation and dropout layers between, to ∂loss/∂D[l].
			b.DPost[l] = make([][]float64, len(ly.Post))
			for k := len(ly.Post) - 1; k >= 0; k-- {
				b.DPost[l][k] = g
				in := f.D[l]
				if k > 0 {
					in = f.Post[l][k-1]
				}
				if ly.Post[k].Kind == "batch_normalization" {
					g = net.bnBackward(p, ly.Post[k], g, f, b.Grads)
					continue
				}
				g = net.opBackward(ly.Post[k], g, in, f.Post[l][k], n, ly.Out, f.Masks)
			}
		}
		if g != nil {
			b.DA[l] = g
			dz := make([]float64, len(g))
			act := ly.Act
			if l == L-1 && net.Bugs.MAENoAct && net.Loss == "mean_absolute_error" {
				act = "linear"
			}
			for r := 0; r < n; r++ {
				s := r * ly.Out
				e := s + ly.Out
				net.activateBack(act, dz[s:e], g[s:e], z[s:e], a[s:e])
			}
			b.DZ[l] = dz
		}
		// dW = Xᵀ·dZ, db = column sums of dZ.
		ki, bi := net.paramIndex(l)
		x, dz := f.A[l], b.DZ[l]
		for i := 0; i < ly.In; i++ {
			for j := 0; j < ly.Out; j++ {
				s := 0.0
				for r := 0; r < n; r++ {
					s += x[r*ly.In+i] * dz[r*ly.Out+j]
				}
				b.Grads[ki][i*ly.Out+j] = s
			}
		}
		if bi >= 0 {
			for j := 0; j < ly.Out; j++ {
				s := 0.0
				for r := 0; r < n; r++ {
					s += dz[r*ly.Out+j]
				}
				b.Grads[bi][j] = s
			}
		}
		// The regularizers' gradients, l1·sign(w) + 2·l2·w.
		net.addRegGrads(b.Grads[ki], p[ki], ly.KernelReg)
		if bi >= 0 {
			net.addRegGrads(b.Grads[bi], p[bi], ly.BiasReg)
		}
	}
	if len(net.Img) > 0 {
		net.imgBackward(p, f, &b)
	}
	if net.preHasBN() {
		b.DPre = net.backPre(p, f, b, b.Grads)
	}
	return b
}

// sign is −1, 0 or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// activateBack sets one row dz = ∂loss/∂z from g = ∂loss/∂a through a = act(z).
func (net refNet) activateBack(act string, dz, g, z, a []float64) {
	switch act {
	case net.Bugs.WrongForward:
		wrongActivateBack(act, dz, g, z, a)
		return
	case net.Bugs.WrongDerivative:
		wrongDerivative(act, dz, g, z, a)
		return
	}
	switch act {
	case "linear":
		copy(dz, g)
	case "relu":
		for j := range dz {
			if z[j] > 0 {
				dz[j] = g[j]
			} else {
				dz[j] = 0
			}
		}
	case "sigmoid":
		for j := range dz {
			dz[j] = g[j] * a[j] * (1 - a[j])
		}
	case "tanh":
		for j := range dz {
			dz[j] = g[j] * (1 - a[j]*a[j])
		}
	case "softmax":
		// The full Jacobian: dz_i = p_i·(g_i − Σ_j g_j·p_j).
		s := 0.0
		for j := range g {
			s += g[j] * a[j]
		}
		for j := range dz {
			dz[j] = a[j] * (g[j] - s)
		}
	default:
		toolboxActivateBack(act, dz, g, z, a)
	}
}

// refOptState is the optimiser's state: the step count and, per parameter tensor, Adam's moments,
// SGD's velocity, and the other optimisers' (reference_toolbox_test.go).
type refOptState struct {
	T         int
	M, V, Vel [][]float64
	Mom, Avg  [][]float64 // RMSprop's momentum buffers and mean gradients
	Acc       [][]float64 // Adagrad's accumulators (InitialAccumulator before the first step)
	U         [][]float64 // Adamax's infinity norms
	UProd     float64     // Nadam's running product u_1·…·u_T (1 for T = 0)
}

func newRefOptState(p [][]float64) refOptState {
	return refOptState{M: zerosLike(p), V: zerosLike(p), Vel: zerosLike(p), Mom: zerosLike(p), Avg: zerosLike(p),
		Acc: zerosLike(p), U: zerosLike(p), UProd: 1}
}

func (st refOptState) clone() refOptState {
	return refOptState{T: st.T, M: cloneAll(st.M), V: cloneAll(st.V), Vel: cloneAll(st.Vel), Mom: cloneAll(st.Mom),
		Avg: cloneAll(st.Avg), Acc: cloneAll(st.Acc), U: cloneAll(st.U), UProd: st.UProd}
}

func cloneAll(p [][]float64) [][]float64 {
	c := make([][]float64, len(p))
	for i := range p {
		c[i] = append([]float64(nil), p[i]...)
	}
	return c
}

// adamAlpha is Keras' bias-corrected Adam step size at step t (from 1) for the learning rate lr.
func adamAlpha(o spec.Optimizer, lr float64, t int) float64 {
	return lr * math.Sqrt(1-math.Pow(o.Beta2, float64(t))) / (1 - math.Pow(o.Beta1, float64(t)))
}

// step applies one optimiser step to p from the gradients g, as Keras 3 does, and returns the new
// parameters and state; p and st are not changed. The fixed statistics are not updated. Keras
// first clips the gradients (clipnorm, global_clipnorm or clipvalue), then applies the decoupled
// weight decay w ← w − w·weight_decay·lr to every parameter, then the optimiser's update, all
// with the learning rate of this update (the schedule's at the updates done before it).
func (net refNet) step(p, g [][]float64, st refOptState) ([][]float64, refOptState) {
	o := net.Opt
	p2 := cloneAll(p)
	s2 := st.clone()
	s2.T = st.T + 1
	lr := net.lrAt(s2.T)
	g = net.clipGrads(g)
	alpha := adamAlpha(o, lr, s2.T)
	nadam := net.nadamScalars(s2.T, st.UProd)
	s2.UProd = nadam.P
	info := net.tensorInfo()
	for ti := range p2 {
		if ti < len(info) && info[ti].Fixed {
			continue
		}
		for i := range p2[ti] {
			gi := g[ti][i]
			w := p2[ti][i]
			if net.Bugs.CoupledDecay {
				gi += o.WeightDecay * w
			} else if !net.Bugs.DecayAfter {
				w = net.decay(w, lr)
			}
			switch o.Type {
			case "adam", "adamw":
				m := &s2.M[ti][i]
				v := &s2.V[ti][i]
				*m += (gi - *m) * (1 - o.Beta1)
				*v += (gi*gi - *v) * (1 - o.Beta2)
				w -= alpha * *m / (math.Sqrt(*v) + o.Epsilon)
			case "sgd":
				if o.Momentum == 0 {
					w -= lr * gi
					break
				}
				vel := &s2.Vel[ti][i]
				*vel = o.Momentum**vel - lr*gi
				if o.Nesterov {
					w += o.Momentum**vel - lr*gi
				} else {
					w += *vel
				}
			default:
				w = net.toolboxUpdate(&s2, st, ti, i, w, gi, lr, nadam)
			}
			if net.Bugs.DecayAfter {
				w = net.decay(w, lr)
			}
			p2[ti][i] = w
		}
	}
	return p2, s2
}
