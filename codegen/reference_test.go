package codegen_test

// A plain float64 reference of the network a spec.Model describes: forward pass, loss, the
// accuracy count, gradients and optimiser steps, written from the math alone (not from codegen's
// emitters) so that the generated float32 code can be checked against it. Error bounds for that
// comparison live in reference_bounds_test.go; the reference itself is checked against finite
// differences and hand-computed cases in reference_fd_test.go.
//
// Every array is row-major; a batch of n rows of width w is a []float64 of n·w values. Parameters
// are a [][]float64 in the order of the generated Model.Tensors(): for each layer, its kernel
// ([in][out], as Keras) and then its bias when the layer has one.

import (
	"fmt"
	"math"

	"github.com/nngen/nngen/spec"
)

// refNet is the network of a spec.Model reduced to what the arithmetic needs.
type refNet struct {
	In     int        // input features
	Layers []refLayer // in order; the last one is the output
	Loss   string     // categorical_crossentropy, sparse_categorical_crossentropy or mean_squared_error
	Opt    spec.Optimizer
}

// refLayer is one dense layer.
type refLayer struct {
	In, Out int
	Act     string // linear, relu, sigmoid, tanh or softmax
	Bias    bool
}

func newRefNet(m *spec.Model) refNet {
	net := refNet{In: m.Input.Size(), Loss: m.Compile.Loss, Opt: m.Compile.Optimizer}
	in := net.In
	for _, l := range m.Layers {
		act := l.Activation
		if act == "" {
			act = "linear"
		}
		net.Layers = append(net.Layers, refLayer{In: in, Out: l.Units, Act: act, Bias: l.UseBias})
		in = l.Units
	}
	return net
}

// OutSize is the width of the network's output.
func (net refNet) OutSize() int { return net.Layers[len(net.Layers)-1].Out }

// isCE reports whether the loss is one of the (identical here) cross-entropies.
func (net refNet) isCE() bool {
	return net.Loss == "categorical_crossentropy" || net.Loss == "sparse_categorical_crossentropy"
}

// refTensorInfo is the name and shape that Tensors() and GradTensors() must report.
type refTensorInfo struct {
	Name  string
	Shape []int
}

func (net refNet) tensorInfo() []refTensorInfo {
	var ts []refTensorInfo
	for l, ly := range net.Layers {
		ts = append(ts, refTensorInfo{fmt.Sprintf("dense%d/kernel", l+1), []int{ly.In, ly.Out}})
		if ly.Bias {
			ts = append(ts, refTensorInfo{fmt.Sprintf("dense%d/bias", l+1), []int{ly.Out}})
		}
	}
	return ts
}

// paramIndex returns where layer l's kernel and bias sit in a parameter list; bias is -1 for a
// layer without one.
func (net refNet) paramIndex(l int) (kernel, bias int) {
	i := 0
	for j := 0; j < l; j++ {
		i++
		if net.Layers[j].Bias {
			i++
		}
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

// refForward is one forward pass over n rows.
type refForward struct {
	N int
	A [][]float64 // A[0] is the input; A[l+1] is layer l's output, n×Out
	Z [][]float64 // Z[l] is layer l's pre-activation X·W + b, n×Out
}

// Output is the network's output, n×OutSize.
func (f refForward) Output() []float64 { return f.A[len(f.A)-1] }

func (net refNet) forward(p [][]float64, x []float64, n int) refForward {
	f := refForward{N: n, A: [][]float64{x[:n*net.In]}}
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
			activate(ly.Act, a[r*ly.Out:(r+1)*ly.Out], z[r*ly.Out:(r+1)*ly.Out])
		}
		f.Z, f.A = append(f.Z, z), append(f.A, a)
	}
	return f
}

// activate sets one row a = act(z).
func activate(act string, a, z []float64) {
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
		panic("reference: unknown activation " + act)
	}
}

// Keras clips probabilities to [ceClipLo, ceClipHi] before the log of a cross-entropy.
const (
	ceClipLo = 1e-7
	ceClipHi = 1 - 1e-7
)

// rowLosses returns the loss of every row of out (n×k) against the targets y.
func (net refNet) rowLosses(out, y []float64, n int) []float64 {
	k := net.OutSize()
	ls := make([]float64, n)
	for r := range ls {
		o, t := out[r*k:(r+1)*k], y[r*k:(r+1)*k]
		s := 0.0
		for j := range o {
			if net.isCE() {
				s -= t[j] * math.Log(min(max(o[j], ceClipLo), ceClipHi))
			} else {
				d := o[j] - t[j]
				s += d * d / float64(k)
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

// refBackward is the result of back-propagating the mean loss of one forward pass.
type refBackward struct {
	DZ    [][]float64 // DZ[l] = ∂loss/∂Z[l], n×Out
	DA    [][]float64 // DA[l] = ∂loss/∂A[l+1] before the activation's derivative; nil for a fused CE output
	Grads [][]float64 // ∂loss/∂parameter, in Tensors order
}

func (net refNet) backward(p [][]float64, f refForward, y []float64) refBackward {
	n, L := f.N, len(net.Layers)
	b := refBackward{DZ: make([][]float64, L), DA: make([][]float64, L), Grads: zerosLike(p)}
	for l := L - 1; l >= 0; l-- {
		ly := net.Layers[l]
		z, a := f.Z[l], f.A[l+1]
		var g []float64 // ∂loss/∂A[l+1]
		switch {
		case l == L-1 && net.isCE():
			// Softmax and cross-entropy fused: ∂loss/∂z = (p − y)/n; the clip is ignored.
			dz := make([]float64, len(a))
			for i := range dz {
				dz[i] = (a[i] - y[i]) / float64(n)
			}
			b.DZ[l] = dz
		case l == L-1:
			g = make([]float64, len(a))
			for i := range g {
				g[i] = 2 * (a[i] - y[i]) / float64(n*ly.Out)
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
		}
		if g != nil {
			b.DA[l] = g
			dz := make([]float64, len(g))
			for r := 0; r < n; r++ {
				s := r * ly.Out
				e := s + ly.Out
				activateBack(ly.Act, dz[s:e], g[s:e], z[s:e], a[s:e])
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
	}
	return b
}

// activateBack sets one row dz = ∂loss/∂z from g = ∂loss/∂a through a = act(z).
func activateBack(act string, dz, g, z, a []float64) {
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
		panic("reference: unknown activation " + act)
	}
}

// refOptState is the optimiser's state: the step count and, per parameter tensor, Adam's moments
// or SGD's velocity.
type refOptState struct {
	T         int
	M, V, Vel [][]float64
}

func newRefOptState(p [][]float64) refOptState {
	return refOptState{M: zerosLike(p), V: zerosLike(p), Vel: zerosLike(p)}
}

func cloneAll(p [][]float64) [][]float64 {
	c := make([][]float64, len(p))
	for i := range p {
		c[i] = append([]float64(nil), p[i]...)
	}
	return c
}

// adamAlpha is Keras' bias-corrected Adam step size at step t (from 1).
func adamAlpha(o spec.Optimizer, t int) float64 {
	return o.LearningRate * math.Sqrt(1-math.Pow(o.Beta2, float64(t))) / (1 - math.Pow(o.Beta1, float64(t)))
}

// step applies one optimiser step to p from the gradients g, as Keras does, and returns the new
// parameters and state; p and st are not changed.
func (net refNet) step(p, g [][]float64, st refOptState) ([][]float64, refOptState) {
	o := net.Opt
	p2 := cloneAll(p)
	s2 := refOptState{T: st.T + 1, M: cloneAll(st.M), V: cloneAll(st.V), Vel: cloneAll(st.Vel)}
	alpha := adamAlpha(o, s2.T)
	for ti := range p2 {
		for i := range p2[ti] {
			gi := g[ti][i]
			switch {
			case o.Type == "adam":
				m := &s2.M[ti][i]
				v := &s2.V[ti][i]
				*m += (gi - *m) * (1 - o.Beta1)
				*v += (gi*gi - *v) * (1 - o.Beta2)
				p2[ti][i] -= alpha * *m / (math.Sqrt(*v) + o.Epsilon)
			case o.Type == "sgd" && o.Momentum == 0:
				p2[ti][i] -= o.LearningRate * gi
			case o.Type == "sgd":
				vel := &s2.Vel[ti][i]
				*vel = o.Momentum**vel - o.LearningRate*gi
				if o.Nesterov {
					p2[ti][i] += o.Momentum**vel - o.LearningRate*gi
				} else {
					p2[ti][i] += *vel
				}
			default:
				panic("reference: unknown optimizer " + o.Type)
			}
		}
	}
	return p2, s2
}
