package codegen_test

// Parity of generated code with the float64 reference: ~100 random specs (seeded, so every run
// checks the same ones: 30 dense networks, then the recipes of parity_cases_test.go, which add
// the preprocessing layers, the binary cross-entropy, the mean absolute error and standardised
// labels, then those of parity_toolbox_cases_test.go, which add the training toolbox: activation
// and dropout layers, Keras' other activations, regularizers, optimisers, weight decay, clipping
// and schedules, then those of parity_batchnorm_cases_test.go, batch normalization, then those of
// parity_conv_cases_test.go, convolutional networks) are
// generated, built together with one harness program, and run once per kernel level the machine
// supports (NNGEN_CPU), on two cores, and once more on one, which must give the same bits; each
// package's loss, accuracy count, outputs, gradients and parameters (the moving statistics too)
// after three optimiser steps must agree with the reference within the float32 bounds of
// reference_bounds_test.go, reference_toolbox_bounds_test.go, reference_batchnorm_bounds_test.go
// and reference_conv_bounds_test.go.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nngen/nngen/codegen"
	"github.com/nngen/nngen/spec"
)

// paritySpecs is how many random dense specs TestParity checks; parityRecipes adds more.
const paritySpecs = 30

// paritySeed seeds the specs and their data: fixed, so that every run checks the same ones,
// unless NNGEN_PARITY_SEED names another (to explore: NNGEN_PARITY_SEED=7 go test ./codegen).
func paritySeed() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("NNGEN_PARITY_SEED"), 10, 64); err == nil {
		return s
	}
	return 2026
}

// parityCase is one spec with its data: the initial parameters and three batches. Steps 1 and
// 2 run Gradients, Output, GradTensors and Apply; step 3 runs TrainBatch. Every value is a
// float32 held in a float64, so the generated code and the reference start from the same numbers.
type parityCase struct {
	Model   *spec.Model
	Net     refNet
	Params  [][]float64 // in Tensors order, the fixed statistics too
	Batches []parityBatch
	Notes   string // what is special about the case, for messages
	// The raw features' statistics given to AdaptInputs, and the labels' to AdaptLabels.
	AdaptMean, AdaptVariance []float64
	LabelMean, LabelVariance []float64
	// SetSeed, when not nil, is given to the Trainer's SetSeed before the first step (Net.Seed is
	// then the same); SetLR to its SetLearningRate before step SetLRBefore (from 1; 0: never).
	SetSeed     *uint64
	SetLR       float64
	SetLRBefore int

	refs map[uint64][]refStep // the reference, by a hash of the anchors it was computed from
}

type parityBatch struct {
	X, Y  []float64
	N     int
	Train bool
}

// refStep is the reference's account of one step, with the bounds of every value.
type refStep struct {
	refEval             // the training forward pass: its dropout layers apply the step's masks
	Eval    *refEval    // the first step only: EvalBatch and Predict on its batch, before any step
	LR      float64     // the learning rate of the step's update
	Grads   [][]float64 // unclipped, as GradTensors() shows them
	GradsE  [][]eb
	Params  [][]float64 // after the step
	ParamsE [][]eb
}

// refEval is one forward pass with its loss and accuracy count.
type refEval struct {
	Fwd                  refForward
	FwdE                 refFwdBounds
	Loss                 float64
	LossE                eb
	CorrectLo, CorrectHi int
}

// evaluate is the forward pass of n rows of x against y with the masks masks (nil: evaluating).
func (net refNet) evaluate(p [][]float64, pE [][]eb, b parityBatch, masks refMasks) refEval {
	var e refEval
	e.Fwd = net.forwardMasked(p, b.X, b.N, masks)
	e.FwdE = net.forwardBounds(p, pE, e.Fwd)
	e.Loss = net.reportedLoss(p, e.Fwd, b.Y)
	e.LossE = net.reportedLossBound(p, pE, e.Fwd, e.FwdE, b.Y, e.Loss)
	e.CorrectLo, e.CorrectHi = net.correctRange(e.Fwd, e.FwdE, b.Y)
	return e
}

// reference runs the case's steps in float64 and bounds what float32 may deviate. Step s > 1
// starts from anchor(s), when that is not nil: the parameters the generated code reported after
// step s − 1, exact float32 values. Anchored, each step is checked on its own, from the
// parameters the generated code really holds, while the optimiser's state (which the harness
// cannot see) carries the reference's bounds from step to step. Unanchored, a parameter whose
// Adam update float32 cannot settle (a gradient of uncertain sign moves it by up to ±lr) would
// loosen every later bound that depends on it.
func (c *parityCase) reference(anchor func(step int) [][]float64) []refStep {
	net := c.Net
	p, pE := c.Params, paramBounds(c.Params)
	st, stE := newRefOptState(p), newRefOptBounds(p)
	var steps []refStep
	for si, b := range c.Batches {
		if si > 0 && anchor != nil {
			if a := anchor(si + 1); a != nil {
				p, pE = a, paramBounds(a)
			}
		}
		if si+1 == c.SetLRBefore {
			net.Opt.LearningRate = c.SetLR
		}
		var s refStep
		// Every step is a training forward pass; the Trainer counts them from 0 for its masks.
		s.refEval = net.evaluate(p, pE, b, net.masks(uint64(si), b.N))
		if si == 0 {
			e := s.refEval
			if net.hasDropout() || net.hasBN() {
				e = net.evaluate(p, pE, b, nil)
			}
			s.Eval = &e
		}
		s.LR = net.lrAt(si + 1)
		back := net.backward(p, s.Fwd, b.Y)
		s.Grads = back.Grads
		s.GradsE = net.backwardBounds(p, pE, s.Fwd, s.FwdE, back, b.Y).Grads
		s.ParamsE, stE = net.stepBounds(p, pE, s.Grads, s.GradsE, st, stE)
		s.Params, st = net.step(p, s.Grads, st)
		// The batch normalizations' moving statistics moved in the training forward pass; the
		// optimiser left them alone.
		if net.hasBN() {
			mp, mpE := net.bnMovingWithBounds(p, pE, s.Fwd, s.FwdE)
			ops, _ := net.batchNorms()
			for _, op := range ops {
				for _, ti := range []int{op.MMean, op.MVar} {
					s.Params[ti], s.ParamsE[ti] = mp[ti], mpE[ti]
				}
			}
		}
		p, pE = s.Params, s.ParamsE
		steps = append(steps, s)
	}
	return steps
}

// referenceOn is c.reference(c.anchorOn(got)), computed once for each set of anchors: the
// planted errors of checkPlantedErrors leave them as they are, and the reference of the largest
// cases takes a while.
func (c *parityCase) referenceOn(got harnessCaseOut) []refStep {
	anchor := c.anchorOn(got)
	h := fnv.New64a()
	for step := 2; step <= len(c.Batches); step++ {
		a := anchor(step)
		fmt.Fprint(h, step, len(a))
		for _, t := range a {
			for _, v := range t {
				binary.Write(h, binary.LittleEndian, v)
			}
		}
	}
	key := h.Sum64()
	if ref, ok := c.refs[key]; ok {
		return ref
	}
	if c.refs == nil {
		c.refs = map[uint64][]refStep{}
	}
	c.refs[key] = c.reference(anchor)
	return c.refs[key]
}

// anchorOn returns the anchor of reference that takes the parameters got reported, when they
// have the right shapes.
func (c *parityCase) anchorOn(got harnessCaseOut) func(step int) [][]float64 {
	return func(step int) [][]float64 {
		if step-2 >= len(got.Steps) || len(got.Steps[step-2].Params) != len(c.Params) {
			return nil
		}
		var p [][]float64
		for i, t := range got.Steps[step-2].Params {
			if len(t) != len(c.Params[i]) {
				return nil
			}
			p = append(p, floatsOf(t))
		}
		return p
	}
}

// f32 rounds v to float32.
func f32(v float64) float64 { return float64(float32(v)) }

// parityCases draws the specs and their data. Every activation appears in hidden and output
// layers, every loss with every optimiser (adam, sgd, sgd with momentum, Nesterov), layers with
// and without bias, 1 to 4 layers of 1 to 70 units on 1 to 100 inputs, full and partial batches.
// p0 is the tutorial's shape (784 → 64 relu → 10 softmax, adam, batch 32).
func parityCases() []*parityCase {
	r := rand.New(rand.NewPCG(paritySeed(), 11))
	hidden := []string{"linear", "relu", "sigmoid", "tanh"}
	var cases []*parityCase
	for i := 0; i < paritySpecs; i++ {
		name := fmt.Sprintf("p%d", i)
		m := &spec.Model{
			Path:    name + ".yaml",
			Name:    name,
			Input:   spec.Input{Shape: []int{1 + r.IntN(100)}},
			Compile: spec.Compile{Loss: allLosses[i%3], Metrics: []string{"accuracy"}},
			Fit:     spec.Fit{Epochs: 1, BatchSize: 1 + r.IntN(40), Shuffle: true, Seed: uint64(i)},
			Data:    spec.Data{Source: "idx", Dir: "data", TrainImages: "train-images-idx3-ubyte.gz", TrainLabels: "train-labels-idx1-ubyte.gz", TestImages: "t10k-images-idx3-ubyte.gz", TestLabels: "t10k-labels-idx1-ubyte.gz"},
		}
		if i%7 == 3 {
			m.Input.Shape = []int{1}
		} else if i%7 == 5 {
			m.Input.Shape = []int{3, 1 + r.IntN(30)} // a 2-D input is flattened
		}
		var notes []string
		switch i % 4 {
		case 0:
			m.Compile.Optimizer = spec.Optimizer{Type: "adam", LearningRate: []float64{0.001, 0.01, 0.003}[r.IntN(3)], Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
			if i%8 == 4 {
				m.Compile.Optimizer.Beta1, m.Compile.Optimizer.Beta2, m.Compile.Optimizer.Epsilon = 0.8, 0.99, 1e-6
				notes = append(notes, "adam with β1 0.8, β2 0.99, ε 1e-6")
			}
		case 1:
			m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)]}
		case 2:
			m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)], Momentum: []float64{0.9, 0.5}[r.IntN(2)]}
		case 3:
			m.Compile.Optimizer = spec.Optimizer{Type: "sgd", LearningRate: []float64{0.01, 0.1, 0.05}[r.IntN(3)], Momentum: []float64{0.9, 0.5}[r.IntN(2)], Nesterov: true}
		}
		depth := 1 + (i/4)%4
		for l := 0; l < depth; l++ {
			ly := spec.Layer{Type: "dense", Units: 1 + r.IntN(70), Activation: hidden[(i+l)%4], UseBias: true, KernelInitializer: "glorot_uniform"}
			if (i == 13 && l == 0) || (i == 14 && l == 1) {
				ly.Units = 1 // a one-unit bottleneck
			}
			switch i % 5 {
			case 0:
				ly.UseBias = false
			case 1:
				ly.UseBias = r.IntN(2) == 0
			}
			if l == depth-1 {
				switch {
				case m.Compile.Loss != "mean_squared_error":
					ly.Activation, ly.Units = "softmax", 2+r.IntN(69)
				default:
					ly.Activation = allActivations[(i/3)%5]
					if ly.Activation == "softmax" && ly.Units == 1 {
						ly.Units = 2
					}
					if (i == 2 || i == 8 || i == 23) && ly.Activation != "softmax" {
						ly.Units = 1 // the 0.5-threshold accuracy
					}
				}
			}
			m.Layers = append(m.Layers, ly)
		}
		if i == 0 {
			m.Input.Shape = []int{784}
			m.Layers = []spec.Layer{
				{Type: "dense", Units: 64, Activation: "relu", UseBias: true, KernelInitializer: "glorot_uniform"},
				{Type: "dense", Units: 10, Activation: "softmax", UseBias: true, KernelInitializer: "glorot_uniform"},
			}
			m.Compile.Loss = "categorical_crossentropy"
			m.Compile.Optimizer = spec.Optimizer{Type: "adam", LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}
			m.Fit.BatchSize = 32
			notes = append(notes, "the tutorial's shape")
		}
		c := &parityCase{Model: m, Net: newRefNet(m)}
		bs := m.Fit.BatchSize
		ns := []int{bs, 1 + r.IntN(bs), bs}
		if i%2 == 1 && bs > 1 {
			ns[0] = 1 + r.IntN(bs-1) // a partial batch first
		}
		for si, n := range ns {
			c.Batches = append(c.Batches, c.randomBatch(r, n, si == 2))
		}
		c.Params = c.randomParams(r)
		if c.Net.In >= 2 && m.Compile.Optimizer.Type == "adam" {
			notes = append(notes, "input feature 0 is scaled by 1e-5, so that Adam's ε matters for its kernel row")
		}
		c.Notes = strings.Join(notes, "; ")
		cases = append(cases, c)
	}
	return append(append(append(append(cases, recipeCases()...), toolboxCases()...), batchNormCases()...), convCases()...)
}

// randomBatch draws n rows: inputs uniform in (-1, 1) with feature 0 scaled by 1e-5; targets
// one-hot for the cross-entropies and a softmax output, else uniform in [0, 1).
func (c *parityCase) randomBatch(r *rand.Rand, n int, train bool) parityBatch {
	net := c.Net
	b := parityBatch{N: n, Train: train, X: make([]float64, n*net.In)}
	for i := range b.X {
		b.X[i] = f32(2*r.Float64() - 1)
		if i%net.In == 0 && net.In >= 2 {
			b.X[i] = f32(b.X[i] * 1e-5)
		}
	}
	b.Y = randomTargets(r, net, n, f32)
	return b
}

// randomParams draws glorot-uniform kernels and biases uniform in (-0.2, 0.2), as float32.
func (c *parityCase) randomParams(r *rand.Rand) [][]float64 {
	p := make([][]float64, len(c.Net.tensorInfo()))
	for l, ly := range c.Net.Layers {
		ki, bi := c.Net.paramIndex(l)
		p[ki] = make([]float64, ly.In*ly.Out)
		if bi >= 0 {
			p[bi] = make([]float64, ly.Out)
		}
		for j := 0; j < ly.Out; j++ {
			c.drawUnit(r, p, l, j)
		}
	}
	return p
}

func (c *parityCase) drawUnit(r *rand.Rand, p [][]float64, l, j int) {
	ly := c.Net.Layers[l]
	ki, bi := c.Net.paramIndex(l)
	lim := math.Sqrt(6 / float64(ly.In+ly.Out))
	for i := 0; i < ly.In; i++ {
		p[ki][i*ly.Out+j] = f32(lim * (2*r.Float64() - 1))
	}
	if bi >= 0 {
		p[bi][j] = f32(0.2 * (2*r.Float64() - 1))
	}
}

// harnessIn is the case as the harness reads it.
func (c *parityCase) harnessIn() harnessCaseIn {
	in := harnessCaseIn{Name: c.Model.Name, AdaptMean: c.AdaptMean, AdaptVariance: c.AdaptVariance,
		LabelMean: c.LabelMean, LabelVariance: c.LabelVariance, SetSeed: c.SetSeed, SetLR: c.SetLR, SetLRBefore: c.SetLRBefore}
	if c.Net.classifies() {
		for j := 0; j < c.Net.classCount(); j++ {
			in.Classes = append(in.Classes, fmt.Sprintf("class %d", j))
		}
	}
	for _, t := range c.Params {
		in.Params = append(in.Params, bitsOf(t))
	}
	for _, b := range c.Batches {
		in.Steps = append(in.Steps, harnessStepIn{X: bitsOf(b.X), Y: bitsOf(b.Y), N: b.N, Train: b.Train})
	}
	return in
}

// parityReport collects the disagreements of one case and how close the agreements came to
// their bounds.
type parityReport struct {
	problems []string
	counts   map[string]int     // disagreements per quantity, beyond those listed
	worst    map[string]float64 // the largest |got − want| / tolerance per quantity
}

const problemsPerQuantity = 4

func (r *parityReport) addf(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// value compares one float32 result with the reference value want whose bound is e.
func (r *parityReport) value(quantity, where string, got, want float64, e eb) {
	r.valueAt(quantity, func() string { return where }, got, want, e)
}

// valueAt is value with where computed only when needed.
func (r *parityReport) valueAt(quantity string, where func() string, got, want float64, e eb) {
	tol := e.tol()
	if ratio := math.Abs(got-want) / tol; !(ratio <= r.worst[quantity]) {
		r.worst[quantity] = ratio // NaN sticks
	}
	if within(got, want, e) {
		return
	}
	if r.counts[quantity]++; r.counts[quantity] <= problemsPerQuantity {
		r.addf("%s%s: got %.9g, want %.9g (|diff| %.3g, tolerance %.3g, %.3g%% of want)",
			quantity, where(), got, want, math.Abs(got-want), tol, 100*math.Abs(got-want)/math.Abs(want))
	}
}

// vector compares a float32 result vector element by element.
func (r *parityReport) vector(quantity string, got []uint32, want []float64, e []eb, index func(i int) string) {
	if len(got) != len(want) {
		r.addf("%s: %d values, want %d", quantity, len(got), len(want))
		return
	}
	for i, g := range floatsOf(got) {
		r.valueAt(quantity, func() string { return index(i) }, g, want[i], e[i])
	}
}

// correct compares an accuracy count with the range float32 may produce.
func (r *parityReport) correct(quantity string, got, lo, hi int) {
	if got < lo || got > hi {
		if lo == hi {
			r.addf("%s: got %d, want %d", quantity, got, lo)
		} else {
			r.addf("%s: got %d, want %d to %d (rows near a tie may go either way)", quantity, got, lo, hi)
		}
	}
}

func (r *parityReport) finish() []string {
	var extra []string
	for q, n := range r.counts {
		if n > problemsPerQuantity {
			extra = append(extra, fmt.Sprintf("%s: %d more disagreements", q, n-problemsPerQuantity))
		}
	}
	slices.Sort(extra)
	return append(r.problems, extra...)
}

// compareCase checks what the harness observed for c against the reference, anchored on the
// parameters the harness reported.
func compareCase(c *parityCase, got harnessCaseOut) *parityReport {
	rep := &parityReport{counts: map[string]int{}, worst: map[string]float64{}}
	ref := c.referenceOn(got)
	net := c.Net
	for _, e := range got.Errors {
		rep.addf("%s", e)
	}
	// Constants.
	for _, k := range slices.Sorted(maps.Keys(c.wantConsts())) {
		want := c.wantConsts()[k]
		if g, ok := got.Consts[k]; got.Consts != nil && (!ok || g != want) {
			rep.addf("constant %s = %d, want %d", k, g, want)
		}
	}
	// Names and shapes: Tensors() lists every tensor, GradTensors() the trained ones.
	info := net.tensorInfo()
	trained := net.trainable()
	var gradInfo []refTensorInfo
	for _, ti := range trained {
		gradInfo = append(gradInfo, info[ti])
	}
	checkNames := func(what string, ts []harnessTensor, info []refTensorInfo) {
		if ts == nil {
			return // not reached: an error above says why
		}
		if len(ts) != len(info) {
			rep.addf("%s: %d tensors %v, want %d %v", what, len(ts), ts, len(info), info)
			return
		}
		for i, t := range ts {
			if t.Name != info[i].Name || !slices.Equal(t.Shape, info[i].Shape) {
				rep.addf("%s[%d] is %s %v, want %s %v", what, i, t.Name, t.Shape, info[i].Name, info[i].Shape)
			}
		}
	}
	checkNames("Tensors()", got.Tensors, info)
	checkNames("GradTensors()", got.GradTensors, gradInfo)
	c.compareAdapted(rep, got)
	c.compareInit(rep, got)
	if len(got.Steps) < len(c.Batches) {
		if len(got.Errors) == 0 {
			rep.addf("the harness reported %d steps, want %d", len(got.Steps), len(c.Batches))
		}
		return rep // the harness stopped early (an error above says why); compare no further
	}

	k := net.OutSize()
	rowCol := func(width int) func(int) string {
		return func(i int) string { return fmt.Sprintf("[row %d, unit %d]", i/width, i%width) }
	}
	s0 := *ref[0].Eval // evaluating: every dropout passes its input on
	rep.value("EvalBatch loss", "", float64(math.Float32frombits(got.EvalLoss)), s0.Loss, s0.LossE)
	rep.vector("EvalBatch Output()", got.EvalOutput, s0.Fwd.Output(), s0.FwdE.Output(), rowCol(k))
	rep.correct("EvalBatch correct", got.EvalCorrect, s0.CorrectLo, s0.CorrectHi)
	if len(got.Predict) != c.Batches[0].N {
		rep.addf("Predict: %d rows, want %d", len(got.Predict), c.Batches[0].N)
	} else {
		for row, o := range got.Predict {
			rep.vector("Predict", o, s0.Fwd.Output()[row*k:(row+1)*k], s0.FwdE.Output()[row*k:(row+1)*k],
				func(j int) string { return fmt.Sprintf("[row %d, unit %d]", row, j) })
		}
	}
	rep.vector("BatchPredictor.Predict", got.Batch, s0.Fwd.Output(), s0.FwdE.Output(), rowCol(k))
	if net.classifies() {
		c.comparePredictClass(rep, got, s0)
	}
	// The methods some Trainers have: LearningRate and SetLearningRate with a constant rate, SetSeed
	// with dropout.
	if want := net.Opt.Schedule == nil; got.HasLearningRate != want {
		rep.addf("the Trainer has LearningRate and SetLearningRate: %v, want %v", got.HasLearningRate, want)
	}
	if want := net.hasDropout(); got.HasSetSeed != want {
		rep.addf("the Trainer has SetSeed: %v, want %v", got.HasSetSeed, want)
	}
	for si, s := range ref {
		g := got.Steps[si]
		step := fmt.Sprintf("step %d ", si+1)
		if c.Batches[si].Train {
			step = fmt.Sprintf("step %d (TrainBatch) ", si+1)
		}
		if got.HasLearningRate && g.LearningRate != f32(s.LR) {
			rep.addf("%sLearningRate() = %.9g, want %.9g (the rate of the update, as float32)", step, g.LearningRate, f32(s.LR))
		}
		rep.value(step+"loss", "", float64(math.Float32frombits(g.Loss)), s.Loss, s.LossE)
		rep.correct(step+"correct", g.Correct, s.CorrectLo, s.CorrectHi)
		rep.vector(step+"Output()", g.Output, s.Fwd.Output(), s.FwdE.Output(), rowCol(k))
		if !c.Batches[si].Train {
			if len(g.Grads) != len(trained) {
				rep.addf("%sGradTensors(): %d tensors, want %d", step, len(g.Grads), len(trained))
			} else {
				for gi, ti := range trained {
					rep.vector(step+"gradient "+info[ti].Name, g.Grads[gi], s.Grads[ti], s.GradsE[ti], tensorIndex(info[ti].Shape))
				}
			}
		}
		if len(g.Params) != len(info) {
			rep.addf("%sTensors() after the step: %d tensors, want %d", step, len(g.Params), len(info))
			continue
		}
		for ti, t := range info {
			rep.vector(step+"updated "+t.Name, g.Params[ti], s.Params[ti], s.ParamsE[ti], tensorIndex(t.Shape))
		}
	}
	return rep
}

// wantConsts are the constants the generated package must declare, with their values.
func (c *parityCase) wantConsts() map[string]int {
	net := c.Net
	want := map[string]int{"InputSize": net.In, "OutputSize": net.OutSize(), "BatchSize": c.Model.Fit.BatchSize}
	info := net.tensorInfo()
	trained, fixed := 0, 0
	for i, p := range c.Params {
		if info[i].Fixed {
			fixed += len(p)
		} else {
			trained += len(p)
		}
	}
	want["ParamCount"] = trained
	if fixed > 0 {
		want["FixedCount"] = fixed
	}
	if net.classifies() {
		want["ClassCount"] = net.classCount()
	}
	for l, ly := range net.Layers {
		want[fmt.Sprintf("Dense%dUnits", l+1)] = ly.Out
	}
	return want
}

// harnessPackage is how the harness drives c's package.
func (c *parityCase) harnessPackage() harnessPackage {
	net := c.Net
	return harnessPackage{Name: c.Model.Name, Layers: len(net.Layers), Fixed: net.hasNorm() || net.Labels || net.hasBN(),
		Classifies: net.classifies(), AdaptInputs: net.hasNorm(), AdaptLabels: net.Labels}
}

// compareAdapted checks the statistics AdaptInputs and AdaptLabels set. AdaptInputs maps the raw
// statistics through the rescaling layers before the normalization in float64 (mean·s + o,
// variance·s²) and rounds the results to float32. The reference computes the same in float64, but
// perhaps in another order or with a fused multiply-add (Go may fuse x·y + z), so the two float64
// values may differ: at each layer by |s| times the difference before, plus one rounding of each
// operation of either (2⁻⁵³ of |mean·s| and of the result; of the variance's result twice). The
// float32 result then rounds once more: the tolerance is u·(|want| + δ) + δ, δ that difference.
// AdaptLabels only rounds the statistics to float32: exact.
func (c *parityCase) compareAdapted(rep *parityReport, got harnessCaseOut) {
	net := c.Net
	if net.hasNorm() {
		m, v := net.adaptInputs(c.AdaptMean, c.AdaptVariance)
		// δ of mean and variance in units of u = 2⁻²⁴, along the reference's own intermediate
		// values; 2⁻⁵³ = 2⁻²⁹·u.
		dm, dv := make([]float64, net.In), make([]float64, net.In)
		a, b := slices.Clone(c.AdaptMean), slices.Clone(c.AdaptVariance)
		for _, pre := range net.Pre {
			if pre.Kind == "normalization" {
				break
			}
			for j := range dm {
				prod := a[j] * pre.Scale
				a[j] = prod + pre.Offset
				dm[j] = dm[j]*math.Abs(pre.Scale) + 0x1p-29*2*(math.Abs(prod)+math.Abs(a[j]))
				b[j] *= pre.Scale * pre.Scale
				dv[j] = dv[j]*sq(pre.Scale) + 0x1p-29*2*2*math.Abs(b[j])
			}
		}
		if len(got.Adapted) != 2 {
			rep.addf("AdaptInputs: %d statistics reported, want 2", len(got.Adapted))
		} else {
			mE, vE := make([]eb, net.In), make([]eb, net.In)
			for j := range mE {
				mE[j] = eb{S: math.Abs(m[j]) + dm[j]*(1+u32)}
				vE[j] = eb{S: math.Abs(v[j]) + dv[j]*(1+u32)}
			}
			idx := func(i int) string { return fmt.Sprintf("[%d]", i) }
			rep.vector("AdaptInputs normalization/mean", got.Adapted[0], m, mE, idx)
			rep.vector("AdaptInputs normalization/variance", got.Adapted[1], v, vE, idx)
		}
	}
	if net.Labels {
		if len(got.AdaptedLabel) != 2 {
			rep.addf("AdaptLabels: %d statistics reported, want 2", len(got.AdaptedLabel))
			return
		}
		for i, want := range [][]float64{c.LabelMean, c.LabelVariance} {
			if g := floatsOf(got.AdaptedLabel[i]); !slices.Equal(g, floatsOf(bitsOf(want))) {
				rep.addf("AdaptLabels %s: got %v, want %v (the statistics rounded to float32)", []string{"label/mean", "label/variance"}[i], g, floatsOf(bitsOf(want)))
			}
		}
	}
}

// comparePredictClass checks PredictClass on the rows of step 1's batch: the class must be the
// reference's, or, for a row within tolerance of a tie (of 0.5 with one output), one of the tied;
// the probability must be the reference's output for that class (1 − p for class 0 of one sigmoid
// unit: p's bound and the subtraction's rounding).
func (c *parityCase) comparePredictClass(rep *parityReport, got harnessCaseOut, s0 refEval) {
	k := c.Net.OutSize()
	if len(got.PredictClass) != c.Batches[0].N || len(got.PredictProb) != c.Batches[0].N {
		rep.addf("PredictClass: %d classes and %d probabilities, want %d", len(got.PredictClass), len(got.PredictProb), c.Batches[0].N)
		return
	}
	for row := range got.PredictClass {
		o, oE := s0.Fwd.Output()[row*k:(row+1)*k], s0.FwdE.Output()[row*k:(row+1)*k]
		want, _ := c.Net.predictClass(o)
		cls := got.PredictClass[row]
		ok := cls == want
		var p float64
		var pE eb
		if k == 1 {
			ok = ok || (cls == 0 || cls == 1) && within(o[0], 0.5, oE[0])
			p, pE = o[0], oE[0]
			if cls == 0 {
				p, pE = 1-o[0], eb{math.Hypot(oE[0].R, 1-o[0]), oE[0].S}
			}
		} else {
			ok = ok || cls >= 0 && cls < k && math.Abs(o[cls]-o[want]) <= oE[cls].tol()+oE[want].tol()
			if ok {
				p, pE = o[cls], oE[cls]
			}
		}
		if !ok {
			rep.addf("PredictClass[row %d]: class %d, want %d (outputs %.6g)", row, cls, want, o)
			continue
		}
		rep.value("PredictClass probability", fmt.Sprintf("[row %d]", row), float64(math.Float32frombits(got.PredictProb[row])), p, pE)
	}
}

func tensorIndex(shape []int) func(int) string {
	if len(shape) == 4 { // a conv2d kernel [KH, KW, C, F]
		return func(i int) string {
			return fmt.Sprintf("[%d][%d][%d][%d]", i/(shape[1]*shape[2]*shape[3]), i/(shape[2]*shape[3])%shape[1], i/shape[3]%shape[2], i%shape[3])
		}
	}
	if len(shape) == 2 {
		return func(i int) string { return fmt.Sprintf("[%d][%d]", i/shape[1], i%shape[1]) }
	}
	return func(i int) string { return fmt.Sprintf("[%d]", i) }
}

// describe summarises a case's spec for messages.
func (c *parityCase) describe() string {
	m := c.Model
	var layers []string
	for _, l := range m.Layers {
		switch l.Type {
		case "rescaling":
			layers = append(layers, fmt.Sprintf("rescaling(×%g %+g)", l.Scale, l.Offset))
			continue
		case "normalization":
			layers = append(layers, "normalization")
			continue
		case "activation":
			layers = append(layers, "activation("+l.Activation+")")
			continue
		case "dropout":
			layers = append(layers, fmt.Sprintf("dropout(%g)", l.Rate))
			continue
		case "batch_normalization":
			layers = append(layers, fmt.Sprintf("batch_normalization(%+v)", l.BatchNorm))
			continue
		case "flatten", "global_max_pooling2d", "global_average_pooling2d":
			layers = append(layers, l.Type)
			continue
		case "max_pooling2d", "average_pooling2d":
			layers = append(layers, fmt.Sprintf("%s(%v, strides %v, %s)", l.Type, l.Conv.PoolSize, l.Conv.Strides, l.Conv.Padding))
			continue
		case "conv2d":
			b := ""
			if !l.UseBias {
				b = " no-bias"
			}
			for _, r := range []struct {
				what string
				r    spec.Regularizer
			}{{"kernel", l.KernelRegularizer}, {"bias", l.BiasRegularizer}} {
				if !r.r.Zero() {
					b += fmt.Sprintf(" %s-l1l2(%g, %g)", r.what, r.r.L1, r.r.L2)
				}
			}
			layers = append(layers, fmt.Sprintf("conv2d(%d, %v, strides %v, dilation %v, %s, %s%s)", l.Conv.Filters, l.Conv.KernelSize,
				l.Conv.Strides, l.Conv.DilationRate, l.Conv.Padding, l.Activation, b))
			continue
		}
		b := ""
		if !l.UseBias {
			b = " no-bias"
		}
		for _, r := range []struct {
			what string
			r    spec.Regularizer
		}{{"kernel", l.KernelRegularizer}, {"bias", l.BiasRegularizer}} {
			if !r.r.Zero() {
				b += fmt.Sprintf(" %s-l1l2(%g, %g)", r.what, r.r.L1, r.r.L2)
			}
		}
		layers = append(layers, fmt.Sprintf("%d %s%s", l.Units, l.Activation, b))
	}
	opt := describeOptimizer(m.Compile.Optimizer)
	var ns []string
	for _, b := range c.Batches {
		ns = append(ns, fmt.Sprint(b.N))
	}
	loss := m.Compile.Loss
	if c.Net.Labels {
		loss += " on standardised labels"
	}
	s := fmt.Sprintf("%s: input %v → %s; %s; %s; batch %d, rows per step %s",
		m.Name, m.Input.Shape, strings.Join(layers, " → "), loss, opt, m.Fit.BatchSize, strings.Join(ns, ", "))
	if c.Notes != "" {
		s += " (" + c.Notes + ")"
	}
	return s
}

// describeOptimizer summarises an optimiser and its options for messages.
func describeOptimizer(o spec.Optimizer) string {
	var opts []string
	add := func(format string, v any) { opts = append(opts, fmt.Sprintf(format, v)) }
	if o.Schedule != nil {
		add("lr %+v", *o.Schedule)
	} else {
		add("lr %g", o.LearningRate)
	}
	switch o.Type {
	case "adam", "adamw", "nadam", "adamax":
		opts = append(opts, fmt.Sprintf("β1 %g, β2 %g, ε %g", o.Beta1, o.Beta2, o.Epsilon))
	case "sgd":
		opts = append(opts, fmt.Sprintf("momentum %g, nesterov %v", o.Momentum, o.Nesterov))
	case "rmsprop":
		opts = append(opts, fmt.Sprintf("ρ %g, momentum %g, centered %v, ε %g", o.Rho, o.Momentum, o.Centered, o.Epsilon))
	case "adagrad":
		opts = append(opts, fmt.Sprintf("initial accumulator %g, ε %g", o.InitialAccumulator, o.Epsilon))
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"weight decay", o.WeightDecay}, {"clipnorm", o.ClipNorm}, {"global clipnorm", o.GlobalClipNorm}, {"clipvalue", o.ClipValue}} {
		if x.v != 0 {
			add(x.name+" %g", x.v)
		}
	}
	return fmt.Sprintf("%s(%s)", o.Type, strings.Join(opts, ", "))
}

// goEnv is the environment for the go command on the throwaway module.
func goEnv(extra ...string) []string {
	return append(os.Environ(), append([]string{"GOFLAGS=-mod=mod", "GOWORK=off"}, extra...)...)
}

// TestParity generates every case's package, builds one harness over all of them, runs it at
// every kernel level and compares with the reference. NNGEN_PARITY_WORST=1 logs, for every case
// that passes, how close each quantity came to its tolerance.
func TestParity(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages with the go toolchain")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain in PATH")
	}
	start := time.Now()
	cases := parityCases()

	root, err := codegen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const module = "paritytest"
	if err := codegen.WriteModule(dir, module, root); err != nil {
		t.Fatal(err)
	}
	var pkgs []harnessPackage
	var input harnessInput
	var built []int // indexes of the cases in the harness
	for i, c := range cases {
		name := c.Model.Name
		files, err := codegen.Generate(c.Model, codegen.Options{Package: name, ImportPath: module + "/" + name})
		if err != nil {
			t.Errorf("%s: Generate: %v", c.describe(), err)
			continue
		}
		for _, f := range files {
			path := filepath.Join(dir, name, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f.Content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pkgs = append(pkgs, c.harnessPackage())
		input.Cases = append(input.Cases, c.harnessIn())
		built = append(built, i)
	}
	if len(pkgs) == 0 {
		t.Fatal("no package generated")
	}
	src, err := harnessSource(module, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "harness"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "harness", "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	inData, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	inPath := filepath.Join(dir, "input.json")
	if err := os.WriteFile(inPath, inData, 0o644); err != nil {
		t.Fatal(err)
	}
	// One binary as the user builds it, one with the purego tag (no assembly at all).
	buildStart := time.Now()
	bins := map[string]string{}
	for _, tags := range []string{"", "purego"} {
		bin := filepath.Join(dir, "harness"+tags+".bin")
		build := exec.Command(goBin, "build", "-tags="+tags, "-o", bin, "./harness")
		build.Dir = dir
		build.Env = goEnv()
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building the generated packages and the harness (tags %q): %v\n%s", tags, err, out)
		}
		bins[tags] = bin
	}
	t.Logf("generated and built %d packages twice (default and purego) in %v", len(pkgs), time.Since(buildStart).Round(time.Millisecond))
	readHarnessSources(t, goBin, dir, root)

	// Every run is on two cores (GOMAXPROCS=2, whatever the machine has), so that the Trainers with
	// the two-core path take it; one more is on one core.
	run := func(tags, level string, procs int) harnessOutput {
		t.Helper()
		outPath := filepath.Join(dir, fmt.Sprintf("output-%s%s-%d.json", tags, level, procs))
		cmd := exec.Command(bins[tags], inPath, outPath)
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
		if level != "" {
			cmd.Env = append(cmd.Env, "NNGEN_CPU="+level)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("harness (tags %q, NNGEN_CPU=%s): %v\n%s", tags, level, err, stderr.Bytes())
		}
		data, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		var out harnessOutput
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("harness output: %v", err)
		}
		if len(out.Cases) != len(built) {
			t.Fatalf("harness reported %d cases, want %d", len(out.Cases), len(built))
		}
		return out
	}
	check := func(label string, out harnessOutput, runTime time.Duration) {
		t.Helper()
		worst := map[string]float64{}
		failed := 0
		for j, ci := range built {
			c, got := cases[ci], out.Cases[j]
			rep := compareCase(c, got)
			if problems := rep.finish(); len(problems) > 0 {
				t.Errorf("%s, %s:\n\t%s", label, c.describe(), strings.Join(problems, "\n\t"))
				failed++
				continue
			}
			for q, w := range rep.worst {
				q = quantityKind(q)
				worst[q] = math.Max(worst[q], w)
			}
			if os.Getenv("NNGEN_PARITY_WORST") != "" {
				var ws []string
				for _, q := range slices.Sorted(maps.Keys(rep.worst)) {
					ws = append(ws, fmt.Sprintf("%s %.3g", q, rep.worst[q]))
				}
				t.Logf("%s, %s: %s", label, c.Model.Name, strings.Join(ws, ", "))
			}
		}
		var ws []string
		for _, q := range slices.Sorted(maps.Keys(worst)) {
			ws = append(ws, fmt.Sprintf("%s %.3g", q, worst[q]))
		}
		t.Logf("%s: ran in %v; largest |got − want| as a fraction of its tolerance (over the %d cases that pass): %s",
			label, runTime.Round(time.Millisecond), len(built)-failed, strings.Join(ws, ", "))
	}

	levels := run("", "", 2).Supported
	if len(levels) == 0 {
		t.Fatal("asm.SupportedLevels() is empty")
	}
	var first harnessOutput
	for i, level := range levels {
		runStart := time.Now()
		out := run("", level, 2)
		if out.Level != level || out.EnvErr != "" {
			t.Errorf("NNGEN_CPU=%s: the harness ran at level %q (CheckEnv: %s)", level, out.Level, out.EnvErr)
			continue
		}
		check("NNGEN_CPU="+level, out, time.Since(runStart))
		// The comparison must be able to fail: small errors planted in a real result are caught.
		if i == 0 {
			first = out
			for _, j := range plantedCases(cases, built) {
				checkPlantedErrors(t, cases[built[j]], out.Cases[j])
			}
		}
	}
	// On one core a Trainer with the two-core path computes the same halves and shares one after
	// the other: the same bits, dropout masks, clipping and all.
	runStart := time.Now()
	one := run("", levels[0], 1)
	same, twoCore := 0, 0
	for j, ci := range built {
		if !cases[ci].twoCore() || len(first.Cases) != len(built) {
			continue
		}
		twoCore++
		if d := sameBits(first.Cases[j], one.Cases[j]); d != "" {
			t.Errorf("NNGEN_CPU=%s, %s: on one core %s than on two", levels[0], cases[ci].describe(), d)
		} else {
			same++
		}
	}
	t.Logf("NNGEN_CPU=%s on one core: ran in %v; %d of the %d two-core cases gave the same bits as on two",
		levels[0], time.Since(runStart).Round(time.Millisecond), same, twoCore)
	runStart = time.Now()
	out := run("purego", "", 2)
	if out.Level != "generic" || !slices.Equal(out.Supported, []string{"generic"}) {
		t.Errorf("built with -tags purego, the harness ran at level %q of %v, want generic only", out.Level, out.Supported)
	}
	check("-tags purego", out, time.Since(runStart))
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}

// sameBits returns "" when two runs of a case observed the same values, bit for bit, else what
// differs first.
func sameBits(a, b harnessCaseOut) string {
	if len(a.Errors) > 0 || len(b.Errors) > 0 {
		if len(a.Errors) != len(b.Errors) {
			return fmt.Sprintf("the harness reports %d errors rather than %d", len(b.Errors), len(a.Errors))
		}
		return ""
	}
	check := func(what string, x, y any) string {
		jx, _ := json.Marshal(x)
		jy, _ := json.Marshal(y)
		if !bytes.Equal(jx, jy) {
			return "it observed other " + what
		}
		return ""
	}
	if d := check("EvalBatch results", []any{a.EvalLoss, a.EvalOutput}, []any{b.EvalLoss, b.EvalOutput}); d != "" {
		return d
	}
	for i := range min(len(a.Steps), len(b.Steps)) {
		for _, x := range []struct {
			what string
			x, y any
		}{
			{"losses", a.Steps[i].Loss, b.Steps[i].Loss},
			{"outputs", a.Steps[i].Output, b.Steps[i].Output},
			{"gradients", a.Steps[i].Grads, b.Steps[i].Grads},
			{"parameters", a.Steps[i].Params, b.Steps[i].Params},
		} {
			if d := check(fmt.Sprintf("step %d %s", i+1, x.what), x.x, x.y); d != "" {
				return d
			}
		}
	}
	return check("results", a, b)
}

// readHarnessSources reads every file of the nngen packages the harness links (runtime, asm, ...)
// and nngen's go.mod and go.sum. The test binary does not link those packages, so without this
// `go test` would replay a cached pass after they change; it keys its cache on the files a test
// opens.
func readHarnessSources(t *testing.T, goBin, dir, root string) {
	t.Helper()
	list := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", "./harness")
	list.Dir = dir
	list.Env = goEnv()
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	for _, d := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, d); err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(d, e.Name()))
			}
		}
	}
	for _, f := range files {
		if _, err := os.ReadFile(f); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// quantityKind groups the quantities of the reports for the summary: "step 2 gradient
// dense1/kernel" is a gradient.
func quantityKind(q string) string {
	for _, k := range []string{"loss", "Output()", "PredictClass", "BatchPredictor", "Predict", "gradient", "updated", "Adapt"} {
		if strings.Contains(q, k) {
			return k
		}
	}
	return q
}

// plantedCases picks the cases, as indexes into built, that checkPlantedErrors plants errors in:
// the first, and the first of each new kind (normalization, standardised labels, binary
// cross-entropy, dropout with a regularizer, clipping with weight decay, a convolutional network
// with batch normalization, one with dropout).
func plantedCases(cases []*parityCase, built []int) []int {
	picked := []int{0}
	for _, want := range []func(net refNet) bool{
		func(net refNet) bool { return net.hasNorm() && net.classifies() },
		func(net refNet) bool { return net.Labels && net.hasNorm() },
		func(net refNet) bool { return net.isBCE() },
		func(net refNet) bool { return net.hasDropout() && net.regularized() },
		func(net refNet) bool { return net.Opt.ClipNorm > 0 && net.Opt.WeightDecay > 0 },
		func(net refNet) bool { return net.hasConv() && net.hasBN() },
		func(net refNet) bool { return net.hasConv() && net.hasDropout() },
	} {
		for j, ci := range built {
			if want(cases[ci].Net) {
				picked = append(picked, j)
				break
			}
		}
	}
	return picked
}

// checkPlantedErrors plants small errors in an observed result that agrees with the reference
// and checks that compareCase reports each one.
func checkPlantedErrors(t *testing.T, c *parityCase, got harnessCaseOut) {
	t.Helper()
	ref := c.referenceOn(got)
	if len(compareCase(c, got).finish()) > 0 {
		return // already failing; nothing to learn from planting
	}
	clone := func() harnessCaseOut {
		g := got
		g.Consts = maps.Clone(got.Consts)
		g.Tensors, g.GradTensors = slices.Clone(got.Tensors), slices.Clone(got.GradTensors)
		g.EvalOutput, g.Batch = slices.Clone(got.EvalOutput), slices.Clone(got.Batch)
		g.PredictClass, g.PredictProb = slices.Clone(got.PredictClass), slices.Clone(got.PredictProb)
		deep := func(v [][]uint32) [][]uint32 {
			c := make([][]uint32, len(v))
			for i := range v {
				c[i] = slices.Clone(v[i])
			}
			return c
		}
		g.Predict, g.Adapted, g.AdaptedLabel = deep(got.Predict), deep(got.Adapted), deep(got.AdaptedLabel)
		if got.Init != nil {
			g.Init = deep(got.Init)
		}
		g.Steps = slices.Clone(got.Steps)
		for i, s := range g.Steps {
			g.Steps[i].Output, g.Steps[i].Grads, g.Steps[i].Params = slices.Clone(s.Output), deep(s.Grads), deep(s.Params)
		}
		return g
	}
	scale := func(b *uint32, f float64) { *b = math.Float32bits(math.Float32frombits(*b) * float32(f)) }
	// The largest gradient of the first trained kernel at step 1, and the largest updated value of
	// the last trained tensor at step 3.
	info, trained := c.Net.tensorInfo(), c.Net.trainable()
	gi := argmaxAbs(floatsOf(got.Steps[0].Grads[0]))
	last := trained[len(trained)-1]
	pi := argmaxAbs(floatsOf(got.Steps[2].Params[last]))
	o1, o3, oe := argmaxAbs(floatsOf(got.Steps[0].Output)), argmaxAbs(floatsOf(got.Steps[2].Output)), argmaxAbs(floatsOf(got.EvalOutput))
	type plant struct {
		what  string
		plant func(g *harnessCaseOut)
		want  string
	}
	plants := []plant{
		{"a gradient 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[0].Grads[0][gi], 1.001) }, "step 1 gradient"},
		{"a loss 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[1].Loss, 1.001) }, "step 2 loss"},
		{"an output 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[0].Output[o1], 1.001) }, "step 1 Output()"},
		{"a TrainBatch output 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[2].Output[o3], 1.001) }, "step 3 (TrainBatch) Output()"},
		{"an EvalBatch output 0.1% off", func(g *harnessCaseOut) { scale(&g.EvalOutput[oe], 1.001) }, "EvalBatch Output()"},
		{"a BatchPredictor output 0.1% off", func(g *harnessCaseOut) { scale(&g.Batch[oe], 1.001) }, "BatchPredictor.Predict"},
		{"an updated parameter 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[2].Params[last][pi], 1.001) }, "step 3 (TrainBatch) updated"},
		{"a NaN", func(g *harnessCaseOut) { g.Steps[1].Grads[0][0] = math.Float32bits(float32(math.NaN())) }, "step 2 gradient"},
		{"a correct count one too high", func(g *harnessCaseOut) { g.Steps[0].Correct = ref[0].CorrectHi + 1 }, "step 1 correct"},
		{"a wrong tensor name", func(g *harnessCaseOut) { g.Tensors[0].Name = "kernel" }, "Tensors()[0]"},
	}
	for ti, in := range info {
		if in.Fixed {
			// A statistic the last step changed, by one ulp of its largest value. (A change in an
			// earlier step would be reported twice: the next step is anchored on it.)
			j := argmaxAbs(floatsOf(got.Steps[2].Params[ti]))
			if strings.HasPrefix(in.Name, "batch_normalization") {
				// A moving statistic, which the step does move: by one ulp where the reference has
				// it bit for bit, else by 0.1%.
				what, f := "a moving statistic "+in.Name+" one ulp off", func(g *harnessCaseOut) { g.Steps[2].Params[ti][j]++ }
				if !ref[2].ParamsE[ti][j].exact() {
					what, f = "a moving statistic "+in.Name+" 0.1% off", func(g *harnessCaseOut) { scale(&g.Steps[2].Params[ti][j], 1.001) }
				}
				plants = append(plants, plant{what, f, "step 3 (TrainBatch) updated " + in.Name})
				continue
			}
			plants = append(plants, plant{"a fixed " + in.Name + " changed by a step", func(g *harnessCaseOut) {
				g.Steps[2].Params[ti][j]++
			}, "step 3 (TrainBatch) updated " + in.Name})
		}
	}
	if got.Init != nil {
		plants = append(plants, plant{"a kernel initialised with a fan 9 times too small", func(g *harnessCaseOut) {
			for i := range g.Init[trained[0]] {
				scale(&g.Init[trained[0]][i], 3)
			}
		}, "Init " + info[trained[0]].Name})
	}
	if c.Net.hasNorm() {
		plants = append(plants, plant{"an adapted mean 0.1% off", func(g *harnessCaseOut) { scale(&g.Adapted[0][0], 1.001) }, "AdaptInputs normalization/mean"})
	}
	if c.Net.Labels {
		plants = append(plants, plant{"an adapted label variance one ulp off", func(g *harnessCaseOut) { g.AdaptedLabel[1][0]++ }, "AdaptLabels label/variance"})
	}
	if got.HasLearningRate {
		plants = append(plants, plant{"a LearningRate() one ulp off", func(g *harnessCaseOut) {
			g.Steps[1].LearningRate = float64(math.Nextafter32(float32(g.Steps[1].LearningRate), 1))
		}, "step 2 LearningRate()"})
	}
	if c.Net.classifies() {
		plants = append(plants,
			plant{"a PredictClass probability 0.1% off", func(g *harnessCaseOut) { scale(&g.PredictProb[0], 1.001) }, "PredictClass probability"},
			plant{"a PredictClass class out of range", func(g *harnessCaseOut) { g.PredictClass[0] = c.Net.classCount() }, "PredictClass[row 0]"})
	}
	for _, p := range plants {
		g := clone()
		p.plant(&g)
		problems := compareCase(c, g).finish()
		if len(problems) != 1 || !strings.HasPrefix(problems[0], p.want) {
			t.Errorf("planted %s in %s: the comparison reports %q, want one problem starting %q", p.what, c.Model.Name, problems, p.want)
		}
	}
}

func argmaxAbs(v []float64) int {
	best := 0
	for i := range v {
		if math.Abs(v[i]) > math.Abs(v[best]) {
			best = i
		}
	}
	return best
}

// simulatedOutput is what a float32 implementation of net would report for c's data when its
// only errors were the rounding of every reported value to float32: the reference of net (which
// may differ from c.Net, to simulate a bug), with every reported value rounded to float32 and
// each step started from the rounded parameters of the previous one. scale, when not nil,
// multiplies a step's loss and gradients, as an implementation averaging over the wrong count
// would.
func simulatedOutput(c *parityCase, net refNet, scale func(b parityBatch) float64) harnessCaseOut {
	out := harnessCaseOut{Name: c.Model.Name, Consts: c.wantConsts()}
	info := net.tensorInfo()
	trained := net.trainable()
	if net.Bugs.StatsTrained {
		trained = nil
		for i := range info {
			trained = append(trained, i)
		}
	}
	for _, t := range info {
		out.Tensors = append(out.Tensors, harnessTensor{t.Name, t.Shape})
	}
	for _, ti := range trained {
		out.GradTensors = append(out.GradTensors, harnessTensor{info[ti].Name, info[ti].Shape})
	}
	if net.hasNorm() {
		m, v := net.adaptInputs(c.AdaptMean, c.AdaptVariance)
		out.Adapted = [][]uint32{bitsOf(m), bitsOf(v)}
	}
	if net.Labels {
		out.AdaptedLabel = [][]uint32{bitsOf(c.LabelMean), bitsOf(c.LabelVariance)}
	}
	out.HasLearningRate, out.HasSetSeed = net.Opt.Schedule == nil, net.hasDropout()
	if c.SetSeed != nil && net.Bugs.SeedIgnored {
		net.Seed = c.Model.Fit.Seed
	}
	k := net.OutSize()
	round := func(v []float64) []float64 { return floatsOf(bitsOf(v)) }
	p, st := c.Params, newRefOptState(c.Params)
	for si, b := range c.Batches {
		if si+1 == c.SetLRBefore && !net.Bugs.SetLRIgnored {
			net.Opt.LearningRate = c.SetLR
		}
		f := net.forwardMasked(p, b.X, b.N, net.masks(uint64(si), b.N))
		loss, grads := net.reportedLoss(p, f, b.Y), net.backward(p, f, b.Y).Grads
		if scale != nil {
			loss *= scale(b)
			for _, g := range grads {
				for i := range g {
					g[i] *= scale(b)
				}
			}
		}
		if si == 0 {
			ef := net.forward(p, b.X, b.N)
			if net.Bugs.DropoutInEval {
				ef = f
			}
			eloss := net.reportedLoss(p, ef, b.Y)
			if scale != nil {
				eloss *= scale(b)
			}
			out.EvalLoss, out.EvalCorrect = math.Float32bits(float32(eloss)), net.correct(ef.Output(), b.Y, b.N)
			out.EvalOutput = bitsOf(ef.Output())
			pf := net.forward(p, b.X, b.N)
			if net.Bugs.PredictNoPre {
				pn := net
				pn.Bugs.NoPre = true
				pf = pn.forward(p, b.X, b.N)
			}
			out.Batch = bitsOf(pf.Output())
			for r := 0; r < b.N; r++ {
				o := pf.Output()[r*k : (r+1)*k]
				out.Predict = append(out.Predict, bitsOf(o))
				if net.classifies() {
					cls, prob := net.predictClass(o)
					out.PredictClass, out.PredictProb = append(out.PredictClass, cls), append(out.PredictProb, math.Float32bits(float32(prob)))
				}
			}
		}
		so := harnessStepOut{Correct: net.correct(f.Output(), b.Y, b.N), Output: bitsOf(f.Output())}
		if out.HasLearningRate {
			so.LearningRate = f32(net.Opt.LearningRate)
		}
		if !b.Train {
			for _, ti := range trained {
				so.Grads = append(so.Grads, bitsOf(grads[ti]))
			}
		}
		p0 := p
		p, st = net.step(p, grads, st)
		if net.hasBN() && !(net.Bugs.BNNoMovingInGrads && !b.Train) {
			mp := net.bnMovingUpdate(p0, f, nil)
			ops, _ := net.batchNorms()
			for _, op := range ops {
				for _, ti := range []int{op.MMean, op.MVar} {
					p[ti] = mp[ti]
				}
			}
		}
		if b.Train && net.Bugs.PenaltyAfter {
			loss += net.penalty(p) - net.penalty(p0)
		}
		so.Loss = math.Float32bits(float32(loss))
		for i := range p {
			p[i] = round(p[i])
			so.Params = append(so.Params, bitsOf(p[i]))
		}
		out.Steps = append(out.Steps, so)
	}
	return out
}

// TestParityComparison checks the comparison without the toolchain: the reference rounded to
// float32 passes for every case, and each planted error is reported.
func TestParityComparison(t *testing.T) {
	cases := parityCases()
	var all []int
	for i, c := range cases {
		all = append(all, i)
		got := simulatedOutput(c, c.Net, nil)
		if problems := compareCase(c, got).finish(); len(problems) > 0 {
			t.Errorf("%s: the reference rounded to float32 fails:\n\t%s", c.describe(), strings.Join(problems, "\n\t"))
		}
	}
	for _, i := range plantedCases(cases, all) {
		checkPlantedErrors(t, cases[i], simulatedOutput(cases[i], cases[i].Net, nil))
	}
}

// TestParityCasesCover checks that the random specs cover what the parity test promises: every
// item at least once, and each new layer, loss and the label standardisation in several cases.
func TestParityCasesCover(t *testing.T) {
	cases := parityCases()
	seen := map[string]int{}
	for _, c := range cases {
		m, net := c.Model, c.Net
		got := map[string]bool{}
		got["loss "+m.Compile.Loss] = true
		o := m.Compile.Optimizer
		got[fmt.Sprintf("optimizer %s momentum %v nesterov %v", o.Type, o.Momentum != 0, o.Nesterov)] = true
		got[fmt.Sprintf("%d layers", len(net.Layers))] = true
		for l, ly := range net.Layers {
			pos := "hidden"
			if l == len(net.Layers)-1 {
				pos = "output"
			}
			got[pos+" "+ly.Act] = true
			if pos == "hidden" && ly.Out == 1 {
				got["hidden width 1"] = true
			}
			got[fmt.Sprintf("bias %v", ly.Bias)] = true
		}
		if c.Batches[0].N < m.Fit.BatchSize {
			got["partial batch"] = true
		} else {
			got["full batch"] = true
		}
		if net.OutSize() == 1 {
			got["one output"] = true
		}
		var kinds []string
		for _, pre := range net.Pre {
			got[pre.Kind] = true
			kinds = append(kinds, pre.Kind)
			if pre.Kind == "rescaling" && pre.Offset != 0 {
				got["rescaling with an offset"] = true
			}
		}
		if chain := strings.Join(kinds, "→"); strings.Contains(chain, "rescaling→normalization") {
			got["rescaling→normalization"] = true
		} else if strings.Contains(chain, "normalization→rescaling") {
			got["normalization→rescaling"] = true
		}
		if ni := net.normIndex(); ni >= 0 {
			for _, v := range c.Params[ni+1] {
				if v < 1e-14 {
					got["a variance below 1e-14"] = true
				}
				if v == 0 {
					got["a zero variance"] = true
				}
			}
		}
		if net.Loss == "mean_absolute_error" {
			got["mean_absolute_error output "+net.Layers[len(net.Layers)-1].Act] = true
		}
		if net.isBCE() && c.Batches[0].N < m.Fit.BatchSize {
			got["binary_crossentropy partial batch"] = true
		}
		if net.Labels {
			got["standardised labels"] = true
			got["standardised labels "+m.Compile.Loss] = true
			if net.OutSize() > 1 {
				got["standardised labels "+m.Compile.Loss+" several outputs"] = true
			}
			for _, v := range c.Params[net.labelIndex()+1] {
				if v < 1e-14 {
					got["a label variance below 1e-14"] = true
				}
			}
		}
		if c.twoCore() {
			got["two cores"] = true
			if len(net.Pre) > 0 {
				got["two cores with preprocessing"] = true
			}
			if net.Labels {
				got["two cores with standardised labels"] = true
			}
			if net.isBCE() {
				got["two cores with binary_crossentropy"] = true
			}
		}
		for k := range toolboxCover(c) {
			got[k] = true
		}
		for k := range convCover(c) {
			got[k] = true
		}
		for k := range got {
			seen[k]++
		}
	}
	var missing []string
	for _, want := range []string{
		"loss categorical_crossentropy", "loss sparse_categorical_crossentropy", "loss mean_squared_error",
		"optimizer adam momentum false nesterov false", "optimizer sgd momentum false nesterov false",
		"optimizer sgd momentum true nesterov false", "optimizer sgd momentum true nesterov true",
		"1 layers", "2 layers", "3 layers", "4 layers",
		"hidden linear", "hidden relu", "hidden sigmoid", "hidden tanh",
		"output linear", "output relu", "output sigmoid", "output tanh", "output softmax",
		"bias true", "bias false", "partial batch", "full batch", "one output", "hidden width 1",
		"rescaling with an offset", "rescaling→normalization", "normalization→rescaling", "a variance below 1e-14",
		"a zero variance", "a label variance below 1e-14", "binary_crossentropy partial batch",
		"mean_absolute_error output linear", "mean_absolute_error output relu", "mean_absolute_error output sigmoid",
		"mean_absolute_error output tanh", "mean_absolute_error output softmax",
		"two cores", "two cores with preprocessing", "two cores with standardised labels", "two cores with binary_crossentropy",
	} {
		if seen[want] == 0 {
			missing = append(missing, want)
		}
	}
	// The new kinds, each in several cases.
	for _, want := range []string{
		"rescaling", "normalization", "loss binary_crossentropy", "loss mean_absolute_error", "standardised labels",
		"standardised labels mean_squared_error several outputs", "standardised labels mean_absolute_error several outputs",
	} {
		if seen[want] < 2 {
			missing = append(missing, fmt.Sprintf("%s (in %d cases, want several)", want, seen[want]))
		}
	}
	for _, want := range toolboxCoverWants() {
		if seen[want] == 0 {
			missing = append(missing, want)
		}
	}
	for _, want := range convCoverWants() {
		if seen[want] == 0 {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the parity specs miss: %s", strings.Join(missing, "; "))
	}
}

// parityBug is a mistake a generator might make, simulated through the reference of the cases it
// applies to: with the network net returns (nil: the case's), or a step's loss and gradients
// multiplied by scale.
type parityBug struct {
	name    string
	applies func(c *parityCase) bool
	net     func(net refNet) refNet
	scale   func(c *parityCase, b parityBatch) float64
}

// TestParityDetectsBugs checks, without the toolchain, that the comparison catches the mistakes
// a generator is likely to make, simulated through the reference: each must make at least one
// case fail, and each case it affects should.
func TestParityDetectsBugs(t *testing.T) {
	cases := parityCases()
	isAdam := func(c *parityCase) bool { return c.Net.Opt.Type == "adam" }
	hasPre := func(kind string) func(c *parityCase) bool {
		return func(c *parityCase) bool {
			for _, p := range c.Net.Pre {
				if p.Kind == kind {
					return true
				}
			}
			return false
		}
	}
	tinyVariance := func(c *parityCase) bool {
		for _, i := range []int{c.Net.normIndex(), c.Net.labelIndex()} {
			if i >= 0 && slices.Min(c.Params[i+1]) < 1e-14 {
				return true
			}
		}
		return false
	}
	loss := func(name string) func(c *parityCase) bool {
		return func(c *parityCase) bool { return c.Net.Loss == name }
	}
	labels := func(c *parityCase) bool { return c.Net.Labels }
	plant := func(f func(b *refBugs)) func(net refNet) refNet {
		return func(net refNet) refNet { f(&net.Bugs); return net }
	}
	type bug parityBug
	var bugs []bug
	for _, b := range []bug{
		{"Adam with PyTorch's ε 1e-8", isAdam,
			func(net refNet) refNet { net.Opt.Epsilon = 1e-8; return net }, nil},
		{"Adam with Keras' default β1, β2, ε instead of the spec's",
			func(c *parityCase) bool { return isAdam(c) && c.Net.Opt.Beta1 != 0.9 },
			func(net refNet) refNet { net.Opt.Beta1, net.Opt.Beta2, net.Opt.Epsilon = 0.9, 0.999, 1e-7; return net }, nil},
		{"SGD momentum ignored", func(c *parityCase) bool { return c.Net.Opt.Momentum != 0 },
			func(net refNet) refNet { net.Opt.Momentum = 0; return net }, nil},
		{"Nesterov ignored", func(c *parityCase) bool { return c.Net.Opt.Nesterov },
			func(net refNet) refNet { net.Opt.Nesterov = false; return net }, nil},
		{"learning rate off by 1%", func(c *parityCase) bool { return true },
			func(net refNet) refNet {
				net.Opt.LearningRate *= 1.01
				if s := net.Opt.Schedule; s != nil {
					s2 := *s
					s2.InitialLearningRate *= 1.01
					s2.Values = slices.Clone(s.Values)
					for i := range s2.Values {
						s2.Values[i] *= 1.01
					}
					net.Opt.Schedule = &s2
				}
				return net
			}, nil},
		{"mean over BatchSize rather than the batch's n rows",
			func(c *parityCase) bool { return c.Batches[1].N < c.Model.Fit.BatchSize },
			nil, func(c *parityCase, b parityBatch) float64 { return float64(b.N) / float64(c.Model.Fit.BatchSize) }},
		{"gradients off by 0.1%", func(c *parityCase) bool { return true },
			nil, func(c *parityCase, b parityBatch) float64 { return 1.001 }},
		// Preprocessing.
		{"normalization without the 1e-7 floor", tinyVariance, plant(func(b *refBugs) { b.NoFloor = true }), nil},
		{"normalization divided by the variance, not its square root", hasPre("normalization"),
			plant(func(b *refBugs) { b.ByVariance = true }), nil},
		{"rescaling adds the offset before scaling",
			func(c *parityCase) bool {
				for _, p := range c.Net.Pre {
					if p.Kind == "rescaling" && p.Offset != 0 && p.Scale != 1 {
						return true
					}
				}
				return false
			},
			plant(func(b *refBugs) { b.OffsetFirst = true }), nil},
		{"Predict skips the preprocessing layers", // (a dropout passes its input on in Predict anyway)
			func(c *parityCase) bool {
				return slices.ContainsFunc(c.Net.Pre, func(p refPre) bool { return p.Kind != "dropout" })
			},
			plant(func(b *refBugs) { b.PredictNoPre = true }), nil},
		{"AdaptInputs ignores the rescaling layers",
			func(c *parityCase) bool { return c.Net.hasNorm() && c.Net.Pre[0].Kind == "rescaling" },
			plant(func(b *refBugs) { b.AdaptNoRescale = true }), nil},
		{"GradTensors lists the fixed statistics", func(c *parityCase) bool { return c.Net.hasNorm() || c.Net.Labels },
			plant(func(b *refBugs) { b.StatsTrained = true }), nil},
		// Binary cross-entropy.
		{"binary cross-entropy without its (1 − y)·log(1 − p) term", loss("binary_crossentropy"),
			plant(func(b *refBugs) { b.BinaryOneTerm = true }), nil},
		{"binary cross-entropy delta over n·ClassCount (2) rows, not n", loss("binary_crossentropy"),
			plant(func(b *refBugs) { b.DeltaScale = 0.5 }), nil},
		{"binary cross-entropy delta through the sigmoid's derivative again", loss("binary_crossentropy"),
			plant(func(b *refBugs) { b.FusedThroughAct = true }), nil},
		// Mean absolute error.
		{"absolute error's gradient not through the output activation",
			func(c *parityCase) bool {
				return c.Net.Loss == "mean_absolute_error" && c.Net.Layers[len(c.Net.Layers)-1].Act != "linear"
			},
			plant(func(b *refBugs) { b.MAENoAct = true }), nil},
		{"absolute error's gradient 2·sign(a − y)/(n·k), as the squared error's", loss("mean_absolute_error"),
			plant(func(b *refBugs) { b.DeltaScale = 2 }), nil},
		// Standardised labels.
		{"labels not restored in Output() and Predict", labels,
			plant(func(b *refBugs) { b.LabelsNotRestored = true }), nil},
		{"loss reported in standardised units", labels,
			plant(func(b *refBugs) { b.LossStandardised = true }), nil},
		{"trained against the labels as they are", labels,
			plant(func(b *refBugs) { b.RawLabels = true }), nil},
	} {
		bugs = append(bugs, b)
	}
	for _, b := range toolboxParityBugs() {
		bugs = append(bugs, bug(b))
	}
	for _, b := range bnParityBugs() {
		bugs = append(bugs, bug(b))
	}
	for _, b := range convParityBugs() {
		bugs = append(bugs, bug(b))
	}
	// Case by case, on every core: a case's reference is cached in it, so each case has one goroutine.
	type tally struct {
		caught, applied int
		missed          []int // indexes into cases
	}
	tallies := make([]tally, len(bugs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for ci, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for bi, b := range bugs {
				if !b.applies(c) {
					continue
				}
				net := c.Net
				if b.net != nil {
					net = b.net(net)
				}
				var scale func(parityBatch) float64
				if b.scale != nil {
					scale = func(pb parityBatch) float64 { return b.scale(c, pb) }
				}
				caught := len(compareCase(c, simulatedOutput(c, net, scale)).finish()) > 0
				mu.Lock()
				tl := &tallies[bi]
				tl.applied++
				if caught {
					tl.caught++
				} else {
					tl.missed = append(tl.missed, ci)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for bi, b := range bugs {
		caught, applied := tallies[bi].caught, tallies[bi].applied
		var missed []string
		slices.Sort(tallies[bi].missed)
		for _, i := range tallies[bi].missed {
			missed = append(missed, cases[i].Model.Name)
		}
		t.Logf("%s: caught in %d of the %d cases it applies to; missed in %v", b.name, caught, applied, missed)
		if applied == 0 || caught == 0 {
			t.Errorf("%s: caught in none of the %d cases it applies to", b.name, applied)
		}
	}
}
