package codegen_test

// Checks of the reference's batch normalization itself: its gradients (training mode, through the
// batch statistics) against finite differences of its loss, with respect to the parameters and to
// the inputs, on small random networks with batch normalization after dense layers, on the input,
// between dropouts and twice; the planted backward mistakes shown caught by those differences;
// values worked out by hand (training and inference forward passes, the moving update); and the
// reference's float32 moving update (bnMovingRounded from the reference's statistics) bit for bit
// against asm.BatchNormTrain on exact float32 inputs, for the momenta whose 1 − momentum float32
// rounding is delicate.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/spec"
)

// bnFDCase is a small network with batch normalization, with its data and dropout masks.
type bnFDCase struct {
	net   refNet
	p     [][]float64
	x, y  []float64
	n     int
	masks refMasks
}

// randomBNFDCase draws one of four arrangements (dense → batch normalization → activation →
// dense; batch normalization on the input; dropout → batch normalization on the input and another
// after a dense layer; dense → dropout → batch normalization → dropout → dense), with random
// center, scale, momentum and ε (1e-3 to 0.1), any loss, 1 to 6 rows (1 now and then), gamma
// 0.5 to 1.5, beta and the moving statistics random (the latter do not enter the training loss).
func randomBNFDCase(r *rand.Rand, i int) bnFDCase {
	losses := append(slices.Clone(allLosses), newLosses...)
	net := refNet{In: 2 + r.IntN(4), Loss: losses[i%len(losses)]}
	index := 0
	bn := func() refPre {
		index++
		return refPre{Kind: "batch_normalization", Index: index, BN: spec.BatchNorm{Momentum: []float64{0.99, 0.9, 0}[r.IntN(3)],
			Epsilon: []float64{1e-3, 1e-2, 0.1}[r.IntN(3)], Center: r.IntN(3) > 0, Scale: r.IntN(3) > 0}}
	}
	drop := func() refPre {
		index++
		return refPre{Kind: "dropout", Rate: []float64{0.2, 0.5}[r.IntN(2)], Index: index}
	}
	act := func() refPre {
		index++
		return refPre{Kind: "activation", Act: elementwise[r.IntN(len(elementwise))]}
	}
	hidden := func(in int) refLayer {
		index++
		return refLayer{In: in, Out: 2 + r.IntN(4), Act: []string{"linear", "tanh", "elu"}[r.IntN(3)], Bias: r.IntN(2) == 0}
	}
	var layers []refLayer
	switch i % 4 {
	case 0:
		h := hidden(net.In)
		h.Post = []refPre{bn(), act()}
		layers = append(layers, h)
	case 1:
		net.Pre = []refPre{bn()}
		layers = append(layers, hidden(net.In))
	case 2:
		net.Pre = []refPre{drop(), bn()}
		h := hidden(net.In)
		h.Post = []refPre{bn()}
		layers = append(layers, h)
	case 3:
		h := hidden(net.In)
		h.Post = []refPre{drop(), bn(), drop()}
		layers = append(layers, h)
	}
	index++
	out := refLayer{In: layers[len(layers)-1].Out, Out: 1 + r.IntN(3), Bias: r.IntN(2) == 0}
	switch {
	case net.isCE():
		out.Act, out.Out = "softmax", 2+r.IntN(3)
	case net.isBCE():
		out.Act = "sigmoid"
	default:
		out.Act = []string{"linear", "tanh", "sigmoid"}[r.IntN(3)]
	}
	net.Layers = append(layers, out)
	k := 0
	for _, ops := range [][]refPre{net.Pre, net.Layers[0].Post} {
		for j := range ops {
			if ops[j].Kind == "batch_normalization" {
				k++
				ops[j].K = k
			}
		}
	}
	net.indexBatchNorms()
	c := bnFDCase{net: net, n: 2 + r.IntN(5)}
	if i%10 == 9 {
		c.n = 1
	}
	c.p = make([][]float64, len(net.tensorInfo()))
	for l, ly := range net.Layers {
		ki, bi := net.paramIndex(l)
		c.p[ki] = make([]float64, ly.In*ly.Out)
		lim := math.Sqrt(6 / float64(ly.In+ly.Out))
		for j := range c.p[ki] {
			c.p[ki][j] = lim * (2*r.Float64() - 1)
		}
		if bi >= 0 {
			c.p[bi] = make([]float64, ly.Out)
			for j := range c.p[bi] {
				c.p[bi][j] = 0.3 * (2*r.Float64() - 1)
			}
		}
	}
	ops, widths := net.batchNorms()
	for o, op := range ops {
		for _, ti := range []int{op.Gamma, op.Beta, op.MMean, op.MVar} {
			if ti >= 0 {
				c.p[ti] = make([]float64, widths[o])
			}
		}
		for j := 0; j < widths[o]; j++ {
			if op.Gamma >= 0 {
				c.p[op.Gamma][j] = 0.5 + r.Float64()
			}
			if op.Beta >= 0 {
				c.p[op.Beta][j] = 0.3 * (2*r.Float64() - 1)
			}
			c.p[op.MMean][j], c.p[op.MVar][j] = 0.3*(2*r.Float64()-1), 0.3+r.Float64()
		}
	}
	c.x = make([]float64, c.n*net.In)
	for j := range c.x {
		c.x[j] = 2*r.Float64() - 1
	}
	c.y = randomTargets(r, net, c.n, func(v float64) float64 { return v })
	// Training: the masks of the dropout layers (0 or 1/(1 − rate)), an empty map without any.
	c.masks = refMasks{}
	dops, dwidths := net.dropouts()
	for o, op := range dops {
		m := make([]float64, c.n*dwidths[o])
		for j := range m {
			if r.Float64() >= op.Rate {
				m[j] = 1 / (1 - op.Rate)
			}
		}
		c.masks[op.Index] = m
	}
	return c
}

func (c bnFDCase) describe(i int) string {
	var s []string
	for _, op := range c.net.Pre {
		s = append(s, op.Kind)
	}
	for _, ly := range c.net.Layers {
		s = append(s, fmt.Sprintf("dense %d %s", ly.Out, ly.Act))
		for _, op := range ly.Post {
			s = append(s, op.Kind)
		}
	}
	ops, _ := c.net.batchNorms()
	var bs []string
	for _, op := range ops {
		bs = append(bs, fmt.Sprintf("%+v", op.BN))
	}
	return fmt.Sprintf("bn net %d (%s, %d rows, %v, %v)", i, c.net.Loss, c.n, s, bs)
}

// checkInputGradFD checks ∂L/∂x of the training loss (the reference's, DZ[0]·W[0]ᵀ taken back
// through the whole input stage by backPre) against a finite difference with a step of 2⁻¹⁴ (so
// that x ± step is exact), skipping stencils across a kink. The bound is checkParamFD's, whose
// 100× headroom covers the batch normalization's 1/σ <= 1/√ε on the derivatives here.
func (net refNet) checkInputGradFD(errorf func(format string, args ...any), st *fdStats, desc string, p [][]float64, x, y []float64, n int, masks refMasks) {
	f := net.forwardMasked(p, x, n, masks)
	loss := net.trainingLoss(p, f, y)
	sig := net.kinkSignature(p, f, y)
	b := net.backward(p, f, y)
	dx := net.backPre(p, f, b, zerosLike(p))[0]
	const h = 0x1p-14
	for j := range x {
		fd, ok := fourthOrder(func(d float64) (float64, bool) {
			xq := append([]float64(nil), x...)
			xq[j] += d
			fq := net.forwardMasked(p, xq, n, masks)
			return net.trainingLoss(p, fq, y), net.kinkSignature(p, fq, y) == sig
		}, h)
		if !ok {
			st.skipped++
			continue
		}
		st.checked++
		g := dx[j]
		bound := 1e-6*math.Abs(g) + 1e-9*(1+math.Abs(loss))
		st.worst = math.Max(st.worst, math.Abs(fd-g)/bound)
		if !(math.Abs(fd-g) <= bound) {
			errorf("%s: ∂L/∂x[%d] = %.12g, finite difference %.12g", desc, j, g, fd)
		}
	}
}

// TestReferenceFiniteDifferencesBatchNorm checks the reference's gradients through batch
// normalization in training mode against finite differences: every trained parameter (gamma and
// beta too), and every input. The moving statistics get no gradient.
func TestReferenceFiniteDifferencesBatchNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	var st, stx fdStats
	for i := 0; i < 200; i++ {
		c := randomBNFDCase(r, i)
		desc := c.describe(i)
		c.net.checkParamFD(t.Errorf, &st, desc, c.p, c.x, c.y, c.n, c.masks)
		c.net.checkInputGradFD(t.Errorf, &stx, desc, c.p, c.x, c.y, c.n, c.masks)
	}
	st.report(t)
	stx.report(t)
}

// TestReferenceFiniteDifferencesBatchNormDetectsBugs checks that the finite differences catch
// the planted backward mistakes of the batch normalization: each must fail in most of the
// networks it changes the gradients of.
func TestReferenceFiniteDifferencesBatchNormDetectsBugs(t *testing.T) {
	for _, bug := range []struct {
		name    string
		plant   func(b *refBugs)
		applies func(net refNet) bool
	}{
		{"backward ignores the statistics' dependence on the input", func(b *refBugs) { b.BNBackNoStats = true },
			func(net refNet) bool { return true }},
		{"gamma's gradient missing", func(b *refBugs) { b.BNGammaGradZero = true },
			func(net refNet) bool { return net.hasBNWhere(func(op refPre, _ bool) bool { return op.BN.Scale }) }},
	} {
		r := rand.New(rand.NewPCG(17, 18))
		applied, caught := 0, 0
		for i := 0; i < 200; i++ {
			c := randomBNFDCase(r, i)
			if c.n < 2 || !bug.applies(c.net) {
				continue
			}
			applied++
			net := c.net
			bug.plant(&net.Bugs)
			failed := false
			errorf := func(string, ...any) { failed = true }
			net.checkParamFD(errorf, new(fdStats), "", c.p, c.x, c.y, c.n, c.masks)
			net.checkInputGradFD(errorf, new(fdStats), "", c.p, c.x, c.y, c.n, c.masks)
			if failed {
				caught++
			}
		}
		t.Logf("%s: caught in %d of the %d networks it applies to", bug.name, caught, applied)
		if applied == 0 || caught*10 < applied*9 {
			t.Errorf("%s: caught in only %d of the %d networks it applies to", bug.name, caught, applied)
		}
	}
}

// TestReferenceByHandBatchNorm checks the batch normalization's forward passes, gradients and
// moving update against values worked out on paper.
func TestReferenceByHandBatchNorm(t *testing.T) {
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s = %.15g, want %.15g", what, got, want)
		}
	}
	// One feature, rows 1 and 3: mean 2, population variance 1; ε = 0.25, so σ = √1.25; gamma 2,
	// beta 0.5: out = 2·(∓1/√1.25) + 0.5.
	op := refPre{Kind: "batch_normalization", K: 1, Index: 1, BN: spec.BatchNorm{Momentum: 0.9, Epsilon: 0.25, Center: true, Scale: true},
		Gamma: 0, Beta: 1, MMean: 2, MVar: 3}
	var net refNet
	p := [][]float64{{2}, {0.5}, {1}, {3}}
	states := map[int]*refBNState{}
	out := net.bnForward(p, op, []float64{1, 3}, 2, 1, true, states)
	s := 1 / math.Sqrt(1.25)
	near("training out[0]", out[0], 0.5-2*s)
	near("training out[1]", out[1], 0.5+2*s)
	near("batch mean", states[1].Mean[0], 2)
	near("batch variance", states[1].Var[0], 1)
	// Inference: (x − 1)/√(3 + 0.25)·2 + 0.5 at x = 5.
	out = net.bnForward(p, op, []float64{5}, 1, 1, false, states)
	near("inference out", out[0], 4*2/math.Sqrt(3.25)+0.5)
	// The moving update: 1·0.9 + 2·0.1 and 3·0.9 + 1·0.1 with Keras' float32 factors, rounded.
	net.bnForward(p, op, []float64{1, 3}, 2, 1, true, states)
	f := refForward{Training: true, BN: states}
	net.Pre = []refPre{op}
	q := net.bnMovingUpdate(p, f, nil)
	keep, take := float64(float32(0.9)), float64(float32(0.1))
	near("moving mean", q[2][0], float64(float32(float32(keep)+float32(2*take))))
	near("moving variance", q[3][0], float64(float32(float32(3*keep)+float32(take))))
	// The backward pass of g = (1, 0): Σg = 1, Σg·xhat = −s; din = γ·s/2·(2g − Σg − xhat·Σg·xhat):
	// xhat = (−s, s), so din = γ·s/2·(2 − 1 − s², −1 + s²) = γ·s/2·(1 − s²)·(1, −1).
	grads := zerosLike(p)
	din := net.bnBackward(p, op, []float64{1, 0}, f, grads)
	near("∂β", grads[1][0], 1)
	near("∂γ", grads[0][0], -s)
	near("din[0]", din[0], 2*s/2*(1-s*s))
	near("din[1]", din[1], -2*s/2*(1-s*s))
}

// TestBatchNormReferenceMatchesKernel checks the reference's batch statistics and its float32
// moving update (bnMovingRounded, with bnKeepTake's factors) bit for bit against
// asm.BatchNormTrain on exact float32 inputs, for momenta whose float32(1 − momentum) differs from
// float32(1) − float32(momentum) (0.99, 0.999, 0.9, 0.8, 0.95, 0.997) and the simple ones (0,
// 0.5), with 1 to 40 rows; and its training output and xhat within one float32 rounding of the
// kernel's (the reference is the exact value, the kernel rounds once from float64).
func TestBatchNormReferenceMatchesKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	var net refNet
	for trial := 0; trial < 400; trial++ {
		mom := []float64{0.99, 0.999, 0.9, 0.8, 0.95, 0.997, 0, 0.5}[trial%8]
		rows, cols := 1+r.IntN(40), 1+r.IntN(70)
		eps := []float64{1e-3, 1e-5, 0.01}[r.IntN(3)]
		x := make([]float64, rows*cols)
		for i := range x {
			x[i] = f32((2*r.Float64() - 1) * []float64{1, 1e-3, 100}[i%cols%3])
		}
		p := [][]float64{make([]float64, cols), make([]float64, cols), make([]float64, cols), make([]float64, cols)}
		for j := 0; j < cols; j++ {
			p[0][j], p[1][j], p[2][j], p[3][j] = f32(0.5+r.Float64()), f32(r.Float64()-0.5), f32(r.Float64()-0.5), f32(0.2+r.Float64())
		}
		op := refPre{Kind: "batch_normalization", K: 1, BN: spec.BatchNorm{Momentum: mom, Epsilon: eps, Center: true, Scale: true}, Gamma: 0, Beta: 1, MMean: 2, MVar: 3}
		states := map[int]*refBNState{}
		ref := net.bnForward(p, op, x, rows, cols, true, states)
		n := net
		n.Pre = []refPre{op}
		q := n.bnMovingUpdate(p, refForward{Training: true, BN: states}, nil)

		f := func(v []float64) []float32 {
			o := make([]float32, len(v))
			for i := range v {
				o[i] = float32(v[i])
			}
			return o
		}
		out, xhat, inv := make([]float32, rows*cols), make([]float32, rows*cols), make([]float32, cols)
		mm, mv := f(p[2]), f(p[3])
		asm.BatchNormTrain(out, xhat, inv, f(x), f(p[0]), f(p[1]), mm, mv, float32(mom), float32(eps), rows, cols)
		for j := 0; j < cols; j++ {
			if float64(mm[j]) != q[2][j] || float64(mv[j]) != q[3][j] {
				t.Fatalf("momentum %v, %d rows, feature %d: kernel moving mean %.9g variance %.9g, reference %.9g %.9g",
					mom, rows, j, mm[j], mv[j], q[2][j], q[3][j])
			}
		}
		for i := range ref {
			// One float32 rounding of the exact value (u·|want|), ε's (the kernel has float32(ε),
			// which moves xhat by at most u·|xhat|·ε/(2(var + ε))), and float64 noise: doubled.
			j := i % cols
			h := states[1].XHat[i]
			shift := u32 * math.Abs(h) * eps / (2 * (states[1].Var[j] + eps))
			for _, v := range []struct {
				what           string
				got, want, tol float64
			}{{"out", float64(out[i]), ref[i], u32*math.Abs(ref[i]) + p[0][j]*shift}, {"xhat", float64(xhat[i]), h, u32*math.Abs(h) + shift}} {
				if math.Abs(v.got-v.want) > 2*v.tol+1e-30 {
					t.Fatalf("momentum %v, %d rows, element %d: kernel %s %.9g, reference %.12g", mom, rows, i, v.what, v.got, v.want)
				}
			}
		}
	}
}
