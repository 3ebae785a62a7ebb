package asm

import (
	"math"
	"strconv"
)

// The pooling kernels are Keras' MaxPooling2D and AveragePooling2D (and, with a window of the
// whole image, GlobalMaxPooling2D and GlobalAveragePooling2D) over channels-last images, forward
// and backward, in the geometry of a ConvShape (dilations are honoured, though Keras' pooling
// has none). Padding is never part of a window: a window is cut to its cells inside the image
// (its real cells), and every window must have at least one (TensorFlow's 'valid' and 'same'
// geometries always do; the kernels panic otherwise).
//
// The loops run over windows in (oy, ox) order, a window's cells in (ky, kx) order, and the
// channels innermost, contiguously, in blocks of poolBlock channels whose running values live in
// stack arrays; a global window is one pass over the image, a cell (C values) at a time.
//
// At the AVX2 level (and AVX-512, which runs the same code) an image of at least 8 channels goes
// to the assembly instead (pool_amd64.go, pool_amd64.s: 8 channels to a register, runs of
// windows with the same rectangle of real cells in one call), whose results are these loops'
// bit for bit, NaN payloads included; the loops below are its reference twin, and what runs at
// the generic level, under the purego and noasm tags, off amd64, and for fewer channels.

// poolBlock is how many channels the pooling kernels take at a time.
const poolBlock = 64

// checkPool is check, and panics unless every window of s has a cell inside the image.
func (s *ConvShape) checkPool(kernel string, rows int) {
	s.check(kernel, rows)
	for o := 0; o < s.OH; o++ {
		if _, k0, k1 := taps(o, s.SH, s.PadTop, s.DH, s.KH, s.H); k0 == k1 {
			panic("asm: " + kernel + ": the windows of output row " + strconv.Itoa(o) + " have no cell inside the image (ConvShape's OH or PadTop too large)")
		}
	}
	for o := 0; o < s.OW; o++ {
		if _, k0, k1 := taps(o, s.SW, s.PadLeft, s.DW, s.KW, s.W); k0 == k1 {
			panic("asm: " + kernel + ": the windows of output column " + strconv.Itoa(o) + " have no cell inside the image (ConvShape's OW or PadLeft too large)")
		}
	}
}

// poolLens checks the lengths of a pooling kernel's operands: rows·H·W·C image values and
// rows·OH·OW·C window values; it returns the two per image.
func (s *ConvShape) poolLens(imgName string, img []float32, winName string, win []float32, rows int) (imgLen, winLen int) {
	imgLen, winLen = s.H*s.W*s.C, s.OH*s.OW*s.C
	checkLen(imgName, img, rows*imgLen)
	checkLen(winName, win, rows*winLen)
	return imgLen, winLen
}

// MaxPool sets out (rows·OH·OW·C) to the maximum of each window over real cells (padding is never the maximum).
//
// As a loop (the reference), with real(oy, ox) the cells (y, x) = (oy·SH − PadTop + ky·DH,
// ox·SW − PadLeft + kx·DW) inside the image, in (ky, kx) order:
//
//	for r, oy, ox, c:
//		m := the first real cell's in[((r·H + y)·W + x)·C + c]
//		for each further real cell: m = max(m, in[((r·H + y)·W + x)·C + c])
//		out[((r·OH + oy)·OW + ox)·C + c] = m
//
// with Go's max: a window with a NaN gives NaN, wherever the NaN is, so that a diverging
// network's NaN reaches the loss and terminate_on_nan sees it (what TensorFlow returns for such
// a window depends on its kernel and device; it is not promised to be NaN); a window whose
// maximum is a zero of both signs gives +0. Otherwise the result is one of the window's values,
// exactly. out must not overlap in.
func MaxPool(out, in []float32, rows int, s *ConvShape) {
	s.checkPool("MaxPool", rows)
	img, win := s.poolLens("in", in, "out", out, rows)
	simd := poolSIMD(s)
	for r := 0; r < rows; r++ {
		d, v := out[r*win:(r+1)*win:(r+1)*win], in[r*img:(r+1)*img:(r+1)*img]
		if simd {
			maxPoolImageSIMD(d, v, s)
		} else {
			maxPoolImage(d, v, s)
		}
	}
}

// maxPoolImage is MaxPool of one image: dst is its OH·OW·C values, src its H·W·C. The running
// maxima are kept in dst itself, which stays in L1.
func maxPoolImage(dst, src []float32, s *ConvShape) {
	c := s.C
	cs := s.DW * c // from one cell of a window row to the next
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		for ox := 0; ox < s.OW; ox++ {
			x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
			o := (oy*s.OW + ox) * c
			d := dst[o : o+c]
			first := ((y+ky0*s.DH)*s.W + x + kx0*s.DW) * c
			copy(d, src[first:first+c])
			for ky := ky0; ky < ky1; ky++ {
				a := ((y+ky*s.DH)*s.W+x)*c + kx0*cs
				for kx := kx0; kx < kx1; kx++ {
					if ky != ky0 || kx != kx0 {
						v := src[a : a+c]
						v = v[:len(d)]
						for i := range d {
							d[i] = max(d[i], v[i])
						}
					}
					a += cs
				}
			}
		}
	}
}

// poolKey maps a float32 to an int32 that orders as the float does, both zeros to 0 and every
// NaN to MaxInt32, above +Inf: the first maximal cell under keys is the first NaN of a window
// that has one, and otherwise its first maximal value with −0 = +0, as the float comparison `>`
// of TensorFlow's loop chooses. It compiles to integer operations and conditional moves, no
// branch that random data would mispredict.
func poolKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	m := b >> 31           // 0, or −1 for a negative sign
	a := b & math.MaxInt32 // the magnitude's bits, which order as the magnitude
	k := (a ^ m) - m       // a, or −a for a negative sign
	if a > 0x7f800000 {
		k = math.MaxInt32
	}
	return k
}

// MaxPoolBackward sets din to the gradient of MaxPool: each window's dout goes to the first of its maximal real cells in (ky, kx) order (TensorFlow's choice), summed where windows overlap; din of cells no window chose is 0. It reads the forward input in (and out, the max, if useful).
//
// The maximal cell is found again from in (out is not read: it may be nil, and is
// length-checked otherwise), under MaxPool's semantics: −0 and +0 are equal, and in a window
// with a NaN the first NaN cell takes the gradient. As a loop (the reference):
//
//	din[:rows·H·W·C] = 0
//	for r, oy, ox, c:
//		(y, x) := the first real cell (in (ky, kx) order) holding the window's maximum, or its first NaN
//		din[((r·H + y)·W + x)·C + c] += dout[((r·OH + oy)·OW + ox)·C + c]
//
// in float32 in that order, so a cell chosen by n windows is within n − 1 roundings of the
// exact sum (exact where windows do not overlap, as with Keras' default stride = pool size). din
// must not overlap any other operand.
func MaxPoolBackward(din, dout, in, out []float32, rows int, s *ConvShape) {
	s.checkPool("MaxPoolBackward", rows)
	img, win := s.poolLens("din", din, "dout", dout, rows)
	checkLen("in", in, rows*img)
	if out != nil {
		checkLen("out", out, rows*win)
	}
	simd := poolSIMD(s)
	for r := 0; r < rows; r++ {
		d, g, v := din[r*img:(r+1)*img:(r+1)*img], dout[r*win:(r+1)*win:(r+1)*win], in[r*img:(r+1)*img:(r+1)*img]
		if simd {
			maxPoolBackwardImageSIMD(d, g, v, s)
		} else {
			maxPoolBackwardImage(d, g, v, s)
		}
	}
}

// maxPoolBackwardImage is MaxPoolBackward of one image: dst and src are its H·W·C values, g its
// OH·OW·C. For each window and block of channels, keyRun and argmaxRun keep the best key and its
// cell per channel in stack arrays; then the block's gradients are added at those cells.
func maxPoolBackwardImage(dst, g, src []float32, s *ConvShape) {
	clear(dst)
	c := s.C
	cs := s.DW * c
	var keyB, atB [poolBlock]int32
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		for ox := 0; ox < s.OW; ox++ {
			x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
			o := (oy*s.OW + ox) * c
			first := ((y+ky0*s.DH)*s.W + x + kx0*s.DW) * c
			for c0 := 0; c0 < c; c0 += poolBlock {
				n := min(poolBlock, c-c0)
				key, at := keyB[:n], atB[:n]
				keyRun(key, at, src[first+c0:first+c0+n], int32(first))
				for ky := ky0; ky < ky1; ky++ {
					a := ((y+ky*s.DH)*s.W+x)*c + kx0*cs
					for kx := kx0; kx < kx1; kx++ {
						if ky != ky0 || kx != kx0 {
							argmaxRun(key, at, src[a+c0:a+c0+n], int32(a))
						}
						a += cs
					}
				}
				gw := g[o+c0 : o+c0+n]
				gw = gw[:len(at)]
				for i, a := range at {
					dst[int(a)+c0+i] += gw[i]
				}
			}
		}
	}
}

// keyRun sets key[i] = poolKey(v[i]) and at[i] = cell: a window's first cell.
func keyRun(key, at []int32, v []float32, cell int32) {
	at = at[:len(key)]
	v = v[:len(key)]
	for i := range key {
		key[i], at[i] = poolKey(v[i]), cell
	}
}

// argmaxRun sets key[i] = poolKey(v[i]) and at[i] = cell where poolKey(v[i]) > key[i]: a
// further cell of the window. The selects compile to conditional moves and the stores are
// unconditional; standing alone (it is too large to be inlined), the loop keeps its values in
// registers, which makes MaxPoolBackward a fifth to a quarter faster than with the loop written
// inside the window loops.
func argmaxRun(key, at []int32, v []float32, cell int32) {
	at = at[:len(key)]
	v = v[:len(key)]
	for i, kk := range key {
		k, ai := poolKey(v[i]), at[i]
		if k > kk {
			kk, ai = k, cell
		}
		key[i], at[i] = kk, ai
	}
}

// AveragePool sets out to the mean of each window over its real cells only (padding 'same' divides by the number of cells inside the image, as TensorFlow).
//
// As a loop (the reference), with n the number of the window's real cells:
//
//	for r, oy, ox, c:
//		sum := Σ over the real cells, in (ky, kx) order, of float64(in[((r·H + y)·W + x)·C + c])
//		out[((r·OH + oy)·OW + ox)·C + c] = float32(sum · (1/n))   1/n in float64
//
// so each mean is within one float32 rounding of the exact mean (the float64 errors are far
// below it; TensorFlow sums in float32). A NaN in a window gives NaN, an infinity ±Inf (NaN
// with both signs). out must not overlap in.
func AveragePool(out, in []float32, rows int, s *ConvShape) {
	s.checkPool("AveragePool", rows)
	img, win := s.poolLens("in", in, "out", out, rows)
	simd := poolSIMD(s)
	for r := 0; r < rows; r++ {
		d, v := out[r*win:(r+1)*win:(r+1)*win], in[r*img:(r+1)*img:(r+1)*img]
		if simd {
			averagePoolImageSIMD(d, v, s)
		} else {
			averagePoolImage(d, v, s)
		}
	}
}

// averagePoolImage is AveragePool of one image: dst is its OH·OW·C values, src its H·W·C.
func averagePoolImage(dst, src []float32, s *ConvShape) {
	c := s.C
	cs := s.DW * c
	var sumB [poolBlock]float64
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		for ox := 0; ox < s.OW; ox++ {
			x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
			inv := 1 / float64((ky1-ky0)*(kx1-kx0))
			o := (oy*s.OW + ox) * c
			for c0 := 0; c0 < c; c0 += poolBlock {
				n := min(poolBlock, c-c0)
				sum := sumB[:n]
				clear(sum)
				for ky := ky0; ky < ky1; ky++ {
					a := ((y+ky*s.DH)*s.W+x)*c + kx0*cs + c0
					for kx := kx0; kx < kx1; kx++ {
						v := src[a : a+n]
						v = v[:len(sum)]
						for i, u := range v {
							sum[i] += float64(u)
						}
						a += cs
					}
				}
				d := dst[o+c0 : o+c0+n]
				d = d[:len(sum)]
				for i, t := range sum {
					d[i] = float32(t * inv)
				}
			}
		}
	}
}

// AveragePoolBackward sets din to the gradient of AveragePool (each window's dout divided by its real cell count, summed into those cells).
//
// As a loop (the reference), with n the number of the window's real cells:
//
//	din[:rows·H·W·C] = 0
//	for r, oy, ox, c:
//		q := float32(float64(dout[((r·OH + oy)·OW + ox)·C + c]) · (1/n))
//		for each real cell (y, x), in (ky, kx) order: din[((r·H + y)·W + x)·C + c] += q
//
// in float32 in that order: exact where windows do not overlap (Keras' default stride = pool
// size), otherwise within n − 1 roundings of the sum of the q for a cell in n windows. din must
// not overlap dout.
func AveragePoolBackward(din, dout []float32, rows int, s *ConvShape) {
	s.checkPool("AveragePoolBackward", rows)
	img, win := s.poolLens("din", din, "dout", dout, rows)
	simd := poolSIMD(s)
	for r := 0; r < rows; r++ {
		d, g := din[r*img:(r+1)*img:(r+1)*img], dout[r*win:(r+1)*win:(r+1)*win]
		if simd {
			averagePoolBackwardImageSIMD(d, g, s)
		} else {
			averagePoolBackwardImage(d, g, s)
		}
	}
}

// averagePoolBackwardImage is AveragePoolBackward of one image: dst is its H·W·C values, g its
// OH·OW·C.
func averagePoolBackwardImage(dst, g []float32, s *ConvShape) {
	clear(dst)
	c := s.C
	cs := s.DW * c
	var qB [poolBlock]float32
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		for ox := 0; ox < s.OW; ox++ {
			x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
			inv := 1 / float64((ky1-ky0)*(kx1-kx0))
			o := (oy*s.OW + ox) * c
			for c0 := 0; c0 < c; c0 += poolBlock {
				n := min(poolBlock, c-c0)
				q := qB[:n]
				gw := g[o+c0 : o+c0+n]
				gw = gw[:len(q)]
				for i, v := range gw {
					q[i] = float32(float64(v) * inv)
				}
				for ky := ky0; ky < ky1; ky++ {
					a := ((y+ky*s.DH)*s.W+x)*c + kx0*cs + c0
					for kx := kx0; kx < kx1; kx++ {
						accumulate(dst[a:a+n], q)
						a += cs
					}
				}
			}
		}
	}
}
