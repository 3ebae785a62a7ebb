package codegen_test

// Float32 error bounds of the convolutional layers (reference_conv_test.go), in the terms of
// reference_bounds_test.go: R random (in quadrature), S systematic (linear), both in units of
// u = 2⁻²⁴; the errors of the operands carried by the derivatives, one u·|result| per float32
// operation.
//
//   - conv2d forward: each pre-activation is a dense layer's over one window, bias +
//     Σ_{ky,kx,c} x·w, KH·KW·C products and the bias summed in any order (im2col, then the SIMD
//     matrix product): √(KH·KW·C + 1)·Σ|terms| random, as forwardBounds' √(In + 1); padded taps are
//     exact zeros. x's and w's errors are carried times |w| and |x|. Exactness (IEEE 754): when
//     every operand is exact and every term is a multiple of a quantum q (the product of the
//     operands' lowest set bits; 0 terms aside) with Σ|terms| <= 2²⁴·q, every partial sum in any order and every
//     product is a float32: the value is exact (integer pixels under a dyadic kernel). Then the
//     activation as a dense layer's (actBounds, per pixel over the filters).
//   - conv2d backward: dz = g·act'(z) per pixel (actBackBounds); the kernel's gradient is a dense
//     kernel's over the n·OH·OW pixel rows, Σ x·dz (dotBound's √(n·OH·OW + 1)); the bias', Σ dz;
//     the regularizers' terms as a dense layer's (regGradBounds). The input's gradient: each
//     window tap's Σ_f dz·w (a product of F terms, dotBound), then summed over the m window taps
//     that read the cell (Col2Im): the operands' bounds in quadrature and linearly, and m − 1
//     roundings, √(m − 1)·Σ|terms|.
//   - max pooling forward: a comparison, exact. The result is the chosen cell's value unless
//     another cell of the window is within the two values' tolerances of it (and the two are not
//     both exact: equal exact values tie in float32 too, and the first wins in both); then float32
//     may take any of those candidates, and max is 1-Lipschitz in the sup norm, so its error is at
//     most the largest of their errors: the componentwise largest R and S.
//   - max pooling backward: each window's g to its chosen cell, g's error with it, the cells'
//     sums rounding m − 1 times for m windows. A window with several candidates may send g to any
//     of them: each candidate then may or may not get it, |g| systematic on each, and g's error.
//   - average pooling: Σx over the window's cnt real cells (cnt − 1 roundings, whatever the order
//     or the precision of the sum: √(cnt − 1)·Σ|x|/cnt) and one division (|out|), plus |out|
//     systematic for a float32 reciprocal 1/cnt shared by the windows of that count, unless cnt is
//     a power of two (exact); exact when every input is exact, the sum is exact (the quantum rule
//     above) and cnt is a power of two. Backward: dout/cnt (one rounding, the reciprocal's as
//     forward) to each real cell, the cells' sums rounding m − 1 times.
//   - flatten: no operation, no error. Batch normalization, dropout and activation layers on an
//     image: their bounds over n·H·W rows of C, or every value of the row.
//
// Global poolings are the windowed ones with one window of the whole image.

import (
	"math"
	"math/bits"
)

// noBit is lowBit's exponent of 0, which has no set bit: above every other.
const noBit = math.MaxInt32 / 4

// lowBit is the exponent e of the lowest set bit of v's significand, v an odd multiple of 2^e;
// noBit for 0. The lowest bit of a product of two (exact) values is at the sum of theirs.
func lowBit(v float64) int {
	if v == 0 {
		return noBit
	}
	b := math.Float64bits(v)
	e := int(b>>52) & 0x7ff
	m := b & (1<<52 - 1)
	if e == 0 {
		e = 1
	} else {
		m |= 1 << 52
	}
	return e - 1075 + bits.TrailingZeros64(m)
}

// exactSum reports whether a sum of terms that are multiples of 2^q (q the least lowBit of the
// terms; noBit or more when every term is 0), with magnitudes summing to abs, is exact in float32
// in any order: each partial sum is a multiple of 2^q within 2²⁴·2^q, and 2^q is a normal float32.
func exactSum(abs float64, q int) bool {
	return q >= noBit || (q >= -126 && abs <= math.Ldexp(1, 24+q))
}

// imgBounds bounds the outputs of the image stage from the bounds xE of its input (the input
// stage's output), recording them in b.Img (and a conv2d's pre-activations' in b.ImgZ, a batch
// normalization's in b.BN); it returns the bounds of the stage's output (xE without an image
// stage).
func (net refNet) imgBounds(p [][]float64, pE [][]eb, f refForward, xE []eb, b *refFwdBounds) []eb {
	if len(net.Img) == 0 {
		return xE
	}
	n := f.N
	b.Img, b.ImgZ = [][]eb{xE}, make([][]eb, len(net.Img))
	for i, op := range net.Img {
		in, inE, out := f.Img[i], b.Img[i], f.Img[i+1]
		var oE []eb
		switch op.Kind {
		case "conv2d":
			zE := net.convBounds(p, pE, op, in, inE, n)
			oE = make([]eb, len(zE))
			nf := op.Filters
			for e := 0; e < len(zE); e += nf {
				actBounds(op.Act, oE[e:e+nf], zE[e:e+nf], f.ImgZ[i][e:e+nf], out[e:e+nf])
			}
			b.ImgZ[i] = zE
		case "max_pooling2d", "global_max_pooling2d":
			oE = maxPoolBounds(op, in, inE, f.ImgArg[i], n)
		case "average_pooling2d", "global_average_pooling2d":
			oE = avgPoolBounds(op, in, inE, out, n)
		case "flatten":
			oE = inE
		case "batch_normalization":
			oE, b.BN[op.K] = net.bnBounds(p, pE, op.refPre, f, inE)
		default:
			oE = net.opBounds(op.refPre, in, inE, out, n, size(op.In), f.Masks)
		}
		b.Img = append(b.Img, oE)
	}
	return b.Img[len(b.Img)-1]
}

// convBounds bounds a conv2d's pre-activations over n rows of in (bounds inE).
func (net refNet) convBounds(p [][]float64, pE [][]eb, op refImg, in []float64, inE []eb, n int) []eb {
	g := op.G
	h, w, c, nf := op.In[0], op.In[1], op.In[2], op.Filters
	px := g.OH * g.OW
	k, kE := p[op.Kernel], pE[op.Kernel]
	terms := float64(g.KH*g.KW*c + 1)
	ws := g.windows(h, w)
	zE := make([]eb, n*px*nf)
	abs, r2, s, q := make([]float64, nf), make([]float64, nf), make([]float64, nf), make([]int, nf)
	exact := make([]bool, nf)
	kBit := make([]int, len(k))
	for i, v := range k {
		kBit[i] = lowBit(v)
	}
	for r := 0; r < n; r++ {
		img, imgE := in[r*h*w*c:(r+1)*h*w*c], inE[r*h*w*c:(r+1)*h*w*c]
		for o, taps := range ws {
			for f := range abs {
				abs[f], r2[f], s[f], q[f], exact[f] = 0, 0, 0, noBit, true
				if op.BiasAt >= 0 {
					bv, be := p[op.BiasAt][f], pE[op.BiasAt][f]
					abs[f], r2[f], s[f], q[f], exact[f] = math.Abs(bv), sq(be.R), be.S, lowBit(bv), be.exact()
				}
			}
			for _, t := range taps {
				for ch := 0; ch < c; ch++ {
					x, xe := img[t.Cell*c+ch], imgE[t.Cell*c+ch]
					at := (t.T*c + ch) * nf
					lx := lowBit(x)
					kr, krE, kb := k[at:at+nf], kE[at:at+nf], kBit[at:at+nf]
					for f := range abs {
						wv, we := kr[f], krE[f]
						abs[f] += math.Abs(x * wv)
						r2[f] += sq(xe.R*wv) + sq(x*we.R)
						s[f] += xe.S*math.Abs(wv) + math.Abs(x)*we.S
						if exact[f] {
							exact[f] = xe.exact() && we.exact()
							q[f] = min(q[f], lx+kb[f])
						}
					}
				}
			}
			for f := range abs {
				e := eb{math.Sqrt(r2[f] + terms*sq(abs[f])), s[f]}
				if exact[f] && exactSum(abs[f], q[f]) {
					e = eb{}
				}
				zE[(r*px+o)*nf+f] = e
			}
		}
	}
	return zE
}

// maxCandidates returns the cells of window taps (other than the chosen cell a) that float32 may
// take for the maximum of channel ch of image r instead: within both values' tolerances of it,
// and not both exact.
func maxCandidates(op refImg, in []float64, inE []eb, taps []refTap, a, r, ch int) []int {
	hw, c := op.In[0]*op.In[1], op.In[2]
	at := (r*hw+a)*c + ch
	v, e := in[at], inE[at]
	var cands []int
	for _, t := range taps {
		if t.Cell == a {
			continue
		}
		j := (r*hw+t.Cell)*c + ch
		if v-in[j] <= e.tol()+inE[j].tol() && !(e.exact() && inE[j].exact()) {
			cands = append(cands, t.Cell)
		}
	}
	return cands
}

// maxPoolBounds bounds a max pooling's outputs, whose chosen cells are arg.
func maxPoolBounds(op refImg, in []float64, inE []eb, arg []int, n int) []eb {
	hw, c := op.In[0]*op.In[1], op.In[2]
	px := op.G.OH * op.G.OW
	ws := op.G.windows(op.In[0], op.In[1])
	oE := make([]eb, n*px*c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			for ch := 0; ch < c; ch++ {
				e := (r*px+o)*c + ch
				res := inE[(r*hw+arg[e])*c+ch]
				for _, j := range maxCandidates(op, in, inE, taps, arg[e], r, ch) {
					je := inE[(r*hw+j)*c+ch]
					res = eb{math.Max(res.R, je.R), math.Max(res.S, je.S)}
				}
				oE[e] = res
			}
		}
	}
	return oE
}

// cellSums accumulates the bounds of values summed into the cells of an image gradient: the
// terms' bounds, the sum of their magnitudes and their count.
type cellSums struct {
	r2, s, abs []float64
	m          []int
}

func newCellSums(n int) cellSums {
	return cellSums{make([]float64, n), make([]float64, n), make([]float64, n), make([]int, n)}
}

// add adds a term of value v and bound e to cell i.
func (cs cellSums) add(i int, v float64, e eb) {
	cs.r2[i] += sq(e.R)
	cs.s[i] += e.S
	cs.abs[i] += math.Abs(v)
	cs.m[i]++
}

// bounds are the cells' bounds: the terms', and m − 1 roundings of the sums.
func (cs cellSums) bounds() []eb {
	d := make([]eb, len(cs.m))
	for i, m := range cs.m {
		d[i] = eb{math.Sqrt(cs.r2[i] + float64(max(m-1, 0))*sq(cs.abs[i])), cs.s[i]}
	}
	return d
}

// maxPoolBackBounds bounds a max pooling's input gradient from g = ∂loss/∂out (bounds gE).
func maxPoolBackBounds(op refImg, in []float64, inE []eb, arg []int, g []float64, gE []eb, n int) []eb {
	hw, c := op.In[0]*op.In[1], op.In[2]
	px := op.G.OH * op.G.OW
	ws := op.G.windows(op.In[0], op.In[1])
	cs := newCellSums(n * hw * c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			for ch := 0; ch < c; ch++ {
				e := (r*px+o)*c + ch
				cands := maxCandidates(op, in, inE, taps, arg[e], r, ch)
				if len(cands) == 0 {
					cs.add((r*hw+arg[e])*c+ch, g[e], gE[e])
					continue
				}
				// g, or nothing, to each candidate.
				either := eb{gE[e].R, gE[e].S + math.Abs(g[e])/u32}
				for _, j := range append(cands, arg[e]) {
					cs.add((r*hw+j)*c+ch, g[e], either)
				}
			}
		}
	}
	return cs.bounds()
}

// avgPoolBounds bounds an average pooling's outputs out over n rows of in (bounds inE).
func avgPoolBounds(op refImg, in []float64, inE []eb, out []float64, n int) []eb {
	hw, c := op.In[0]*op.In[1], op.In[2]
	px := op.G.OH * op.G.OW
	ws := op.G.windows(op.In[0], op.In[1])
	oE := make([]eb, n*px*c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			cnt := float64(len(taps))
			for ch := 0; ch < c; ch++ {
				var abs, r2, s float64
				q, exact := noBit, true
				for _, t := range taps {
					j := (r*hw+t.Cell)*c + ch
					abs += math.Abs(in[j])
					r2 += sq(inE[j].R / cnt)
					s += inE[j].S / cnt
					exact = exact && inE[j].exact()
					q = min(q, lowBit(in[j]))
				}
				e := (r*px+o)*c + ch
				if exact && exactSum(abs, q) && pow2(cnt) {
					continue // exact
				}
				v := math.Abs(out[e])
				oE[e] = eb{math.Sqrt(r2 + (cnt-1)*sq(abs/cnt) + sq(v)), s}
				if !pow2(cnt) {
					oE[e].S += v
				}
			}
		}
	}
	return oE
}

// avgPoolBackBounds bounds an average pooling's input gradient from g = ∂loss/∂out (bounds gE).
func avgPoolBackBounds(op refImg, g []float64, gE []eb, n int) []eb {
	hw, c := op.In[0]*op.In[1], op.In[2]
	px := op.G.OH * op.G.OW
	ws := op.G.windows(op.In[0], op.In[1])
	cs := newCellSums(n * hw * c)
	for r := 0; r < n; r++ {
		for o, taps := range ws {
			cnt := float64(len(taps))
			for ch := 0; ch < c; ch++ {
				e := (r*px+o)*c + ch
				v := g[e] / cnt
				qe := eb{gE[e].R / cnt, gE[e].S / cnt}
				if !pow2(cnt) {
					qe = eb{math.Hypot(qe.R, v), qe.S + math.Abs(v)}
				}
				for _, t := range taps {
					cs.add((r*hw+t.Cell)*c+ch, v, qe)
				}
			}
		}
	}
	return cs.bounds()
}

// imgBackBounds bounds the gradients of the image stage's conv2d layers and batch normalizations
// (setting them in gradsE) from the bounds dz0E of DZ[0], back from DZ[0]·W[0]ᵀ down to the first
// trained layer of the stage (below it nothing is trained).
func (net refNet) imgBackBounds(p [][]float64, pE [][]eb, f refForward, fb refFwdBounds, b refBackward, dz0E []eb, gradsE [][]eb) {
	first := -1
	for i, op := range net.Img {
		if op.Kind == "conv2d" || op.Kind == "batch_normalization" {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	ly := net.Layers[0]
	ki, _ := net.paramIndex(0)
	w, wE, n := p[ki], pE[ki], f.N
	gE := make([]eb, n*ly.In)
	wRow, wRowE := make([]float64, ly.Out), make([]eb, ly.Out)
	for i := 0; i < ly.In; i++ {
		copy(wRow, w[i*ly.Out:(i+1)*ly.Out])
		copy(wRowE, wE[i*ly.Out:(i+1)*ly.Out])
		for r := 0; r < n; r++ {
			gE[r*ly.In+i] = dotBound(b.DZ[0][r*ly.Out:(r+1)*ly.Out], wRow, dz0E[r*ly.Out:(r+1)*ly.Out], wRowE)
		}
	}
	for i := len(net.Img) - 1; i >= first; i-- {
		op := net.Img[i]
		g, din := b.DImg[i+1], b.DImg[i]
		in, inE, out, outE := f.Img[i], fb.Img[i], f.Img[i+1], fb.Img[i+1]
		switch op.Kind {
		case "conv2d":
			gE = net.convBackBounds(p, pE, op, g, gE, in, inE, f.ImgZ[i], fb.ImgZ[i], out, outE, b.DImgZ[i], n, b.Grads, gradsE, i > first)
		case "max_pooling2d", "global_max_pooling2d":
			gE = maxPoolBackBounds(op, in, inE, f.ImgArg[i], g, gE, n)
		case "average_pooling2d", "global_average_pooling2d":
			gE = avgPoolBackBounds(op, g, gE, n)
		case "flatten":
		case "batch_normalization":
			gE = net.bnBackBounds(p, pE, op.refPre, g, gE, f, fb, din, b.Grads, gradsE)
		default:
			gE = net.opBackBounds(op.refPre, g, gE, in, inE, out, outE, din, n, size(op.In), f.Masks)
		}
	}
}

// convBackBounds bounds a conv2d's kernel and bias gradients (in gradsE; grads are the
// reference's) from g = ∂loss/∂out (bounds gE), and, when wantIn, returns the bounds of its
// input's gradient.
func (net refNet) convBackBounds(p [][]float64, pE [][]eb, op refImg, g []float64, gE []eb, in []float64, inE []eb,
	z []float64, zE []eb, a []float64, aE []eb, dz []float64, n int, grads [][]float64, gradsE [][]eb, wantIn bool) []eb {
	gm := op.G
	h, w, c, nf := op.In[0], op.In[1], op.In[2], op.Filters
	px := gm.OH * gm.OW
	dzE := make([]eb, len(g))
	for e := 0; e < len(g); e += nf {
		actBackBounds(op.Act, dzE[e:e+nf], g[e:e+nf], gE[e:e+nf], z[e:e+nf], zE[e:e+nf], a[e:e+nf], aE[e:e+nf], dz[e:e+nf])
	}
	k, kE := p[op.Kernel], pE[op.Kernel]
	kAbs, kR2, kS := make([]float64, len(k)), make([]float64, len(k)), make([]float64, len(k))
	bAbs, bR2, bS := make([]float64, nf), make([]float64, nf), make([]float64, nf)
	var cs cellSums
	if wantIn {
		cs = newCellSums(len(in))
	}
	ws := gm.windows(h, w)
	for r := 0; r < n; r++ {
		base := r * h * w * c
		for o, taps := range ws {
			row := r*px + o
			d, de := dz[row*nf:(row+1)*nf], dzE[row*nf:(row+1)*nf]
			for f := range d {
				bAbs[f] += math.Abs(d[f])
				bR2[f] += sq(de[f].R)
				bS[f] += de[f].S
			}
			for _, t := range taps {
				for ch := 0; ch < c; ch++ {
					x, xe := in[base+t.Cell*c+ch], inE[base+t.Cell*c+ch]
					at := (t.T*c + ch) * nf
					var abs, r2, s, v float64
					ka, kr2, ks := kAbs[at:at+nf], kR2[at:at+nf], kS[at:at+nf]
					for f, df := range d {
						ka[f] += math.Abs(x * df)
						kr2[f] += sq(xe.R*df) + sq(x*de[f].R)
						ks[f] += xe.S*math.Abs(df) + math.Abs(x)*de[f].S
					}
					if wantIn {
						kr, krE := k[at:at+nf], kE[at:at+nf]
						for f, df := range d {
							v += df * kr[f]
							abs += math.Abs(df * kr[f])
							r2 += sq(de[f].R*kr[f]) + sq(df*krE[f].R)
							s += de[f].S*math.Abs(kr[f]) + math.Abs(df)*krE[f].S
						}
					}
					if wantIn {
						cs.add(base+t.Cell*c+ch, v, eb{math.Sqrt(r2 + float64(nf+1)*sq(abs)), s})
					}
				}
			}
		}
	}
	rows := float64(n*px + 1)
	for i := range kAbs {
		gradsE[op.Kernel][i] = eb{math.Sqrt(kR2[i] + rows*sq(kAbs[i])), kS[i]}
	}
	regGradBounds(gradsE[op.Kernel], grads[op.Kernel], k, kE, op.KernelReg)
	if op.BiasAt >= 0 {
		for f := range bAbs {
			gradsE[op.BiasAt][f] = eb{math.Sqrt(bR2[f] + rows*sq(bAbs[f])), bS[f]}
		}
		regGradBounds(gradsE[op.BiasAt], grads[op.BiasAt], p[op.BiasAt], pE[op.BiasAt], op.BiasReg)
	}
	if !wantIn {
		return nil
	}
	return cs.bounds()
}
