package asm

import "strconv"

// The convolution kernels move data between images and the rows of a matrix so that a 2-D
// convolution is a matrix product: Im2Col lays out every window of the input as one row of
// Patch() values (a conv layer's forward pass is then MatMulBias(out, cols, kernel, bias, …)
// with the kernel as a Patch×filters matrix, its weight gradient colsᵀ·delta by MatMulTransA or
// MatMulTransARows), and Col2Im is its transpose (dcols = delta·kernelᵀ from MatMulTransB, then Col2Im
// gives the input gradient). Images are channels-last, row-major: value (y, x, c) of image r is
// at r·H·W·C + (y·W + x)·C + c, and cols row (r, oy, ox) at ((r·OH + oy)·OW + ox)·Patch().
//
// Along each axis the windows split into an interior, whose taps all fall inside the image, and
// edges, which reach into the padding. Interior windows are copied without a test per tap: with
// dilation 1 the KW·C values of one kernel row are contiguous in the input, one copy each; when
// the KH kernel rows are contiguous too (KH = 1, or dilation 1 and KW = W, a window as wide as
// the image) the whole patch is one copy; and when, besides, consecutive windows are adjacent in
// the input (SW·C = Patch, as a 1×1 convolution of stride 1) a row of interior windows is a
// single copy. Runs shorter than smallRun values are moved by a loop, which costs less than a
// call to memmove, and where the shortest contiguous run is at most shortRun values (a kernel row
// of a one-channel image: KW·C = 3 in conv1) a row of interior windows is filled a kernel row (or
// tap) at a time across all its windows, by loops of fixed-size moves. Edge windows are
// assembled tap by tap, zeros for the taps outside. Col2Im has the same structure, adding; at the
// AVX2 level (and above) it runs col2imImageSIMD (conv_amd64.go), the same additions in the same
// order with the runs of a vector or more added by AVX2 (conv_amd64.s): the same bits.

// ConvShape is the geometry of a 2-D convolution or pooling window over a batch of channels-last
// images: each row of the input is H×W×C values (row-major: height, width, channels), each row of
// the output OH×OW×(channels).
//
// Every size, stride and dilation must be at least 1 and the paddings at least 0 (the kernels
// panic otherwise). The output sizes are the caller's: TensorFlow's are, per axis with input n,
// window k, stride s and dilation d, out = floor((n − (k−1)·d − 1)/s) + 1 for 'valid' (no
// padding), and for 'same' out = ceil(n/s) with padding max((out−1)·s + (k−1)·d + 1 − n, 0) in
// all, its half (rounded down) before. Windows that reach past the image read zeros (Im2Col) or
// are cut to their cells inside the image (pooling, which panics if a window has none).
type ConvShape struct {
	H, W, C         int // input height, width, channels
	KH, KW          int // window (kernel or pool) height and width
	SH, SW          int // strides
	DH, DW          int // dilations (1 for pooling)
	PadTop, PadLeft int // padding before the first row and column (TensorFlow 'same' puts the odd pixel after)
	OH, OW          int // output height and width
}

// Patch is KH·KW·C, the width of an im2col row: a conv kernel stored [KH, KW, C, filters] as Keras stores it is a Patch×filters matrix.
func (s *ConvShape) Patch() int { return s.KH * s.KW * s.C }

// check panics, naming the kernel and the field, unless every size, stride and dilation of s is
// at least 1, the paddings at least 0 and rows at least 0.
func (s *ConvShape) check(kernel string, rows int) {
	bad := func(field string, v, least int) {
		panic("asm: " + kernel + ": " + field + " is " + strconv.Itoa(v) + ", must be at least " + strconv.Itoa(least))
	}
	for _, f := range [...]struct {
		name string
		v    int
	}{{"ConvShape.H", s.H}, {"ConvShape.W", s.W}, {"ConvShape.C", s.C}, {"ConvShape.KH", s.KH}, {"ConvShape.KW", s.KW},
		{"ConvShape.SH", s.SH}, {"ConvShape.SW", s.SW}, {"ConvShape.DH", s.DH}, {"ConvShape.DW", s.DW},
		{"ConvShape.OH", s.OH}, {"ConvShape.OW", s.OW}} {
		if f.v < 1 {
			bad(f.name, f.v, 1)
		}
	}
	if s.PadTop < 0 {
		bad("ConvShape.PadTop", s.PadTop, 0)
	}
	if s.PadLeft < 0 {
		bad("ConvShape.PadLeft", s.PadLeft, 0)
	}
	if rows < 0 {
		bad("rows", rows, 0)
	}
}

// taps returns, for output coordinate o along one axis (stride, padding before, dilation, window
// k, input size n), the input coordinate of the window's first tap, start = o·stride − pad, and
// the range [k0, k1) of the taps t whose coordinate start + t·dil lies inside [0, n); k0 = k1
// when none does.
func taps(o, stride, pad, dil, k, n int) (start, k0, k1 int) {
	start = o*stride - pad
	if start < 0 {
		k0 = min((dil-1-start)/dil, k)
	}
	k1 = k
	if start+(k-1)*dil >= n {
		k1 = 0
		if n > start {
			k1 = (n - start + dil - 1) / dil
		}
	}
	return start, k0, max(k1, k0)
}

// interior returns the range [lo, hi) of the outputs o < out whose taps all lie inside [0, n)
// (taps' k0 = 0 and k1 = k); lo = hi when there is none. Since start grows with o, the range is
// contiguous: start ≥ 0 and start + (k−1)·dil ≤ n − 1.
func interior(out, stride, pad, dil, k, n int) (lo, hi int) {
	lo = (pad + stride - 1) / stride
	if last := n - 1 - (k-1)*dil + pad; last >= 0 {
		hi = min(last/stride+1, out)
	}
	return min(lo, hi), hi
}

// smallRun is the length below which a run of values is moved by a loop rather than by copy:
// conv1 of the MNIST convnet copies runs of 3 values (KW·C = 3·1), 259 584 of them per batch.
const smallRun = 16

// move copies s[:len(d)] to d.
func move(d, s []float32) {
	if len(d) < smallRun {
		s = s[:len(d)]
		for i := range d {
			d[i] = s[i]
		}
		return
	}
	copy(d, s)
}

// accumulate adds s[:len(d)] to d, eight at a time (a fifth faster than one at a time).
func accumulate(d, s []float32) {
	s = s[:len(d)]
	i := 0
	for ; i+8 <= len(d); i += 8 {
		dd, ss := d[i:i+8:i+8], s[i:i+8:i+8]
		dd[0] += ss[0]
		dd[1] += ss[1]
		dd[2] += ss[2]
		dd[3] += ss[3]
		dd[4] += ss[4]
		dd[5] += ss[5]
		dd[6] += ss[6]
		dd[7] += ss[7]
	}
	for ; i < len(d); i++ {
		d[i] += s[i]
	}
}

// shortRun is the longest run that copyRuns and addRuns move with a body of fixed size.
const shortRun = 4

// copyRuns copies n runs of seg ≤ shortRun values, run j from src[j·sStep:] to dst[j·dStep:],
// by bodies of fixed size, for which a row of windows costs a few instructions per value:
// conv1's Im2Col (runs of KW·C = 3) is three times as fast this way as a window at a time.
func copyRuns(dst []float32, dStep int, src []float32, sStep, n, seg int) {
	o, i := 0, 0
	switch seg {
	case 1:
		for ; n > 0; n-- {
			dst[o] = src[i]
			o, i = o+dStep, i+sStep
		}
	case 2:
		for ; n > 0; n-- {
			d, s := dst[o:o+2:o+2], src[i:i+2:i+2]
			d[0], d[1] = s[0], s[1]
			o, i = o+dStep, i+sStep
		}
	case 3:
		for ; n > 0; n-- {
			d, s := dst[o:o+3:o+3], src[i:i+3:i+3]
			d[0], d[1], d[2] = s[0], s[1], s[2]
			o, i = o+dStep, i+sStep
		}
	case 4:
		for ; n > 0; n-- {
			d, s := dst[o:o+4:o+4], src[i:i+4:i+4]
			d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
			o, i = o+dStep, i+sStep
		}
	default:
		panic("asm: internal error: a run of " + strconv.Itoa(seg) + " values, more than shortRun")
	}
}

// addRuns adds n runs of seg ≤ shortRun values, run j of src[j·sStep:] to dst[j·dStep:]: copyRuns with
// additions, for Col2Im.
func addRuns(dst []float32, dStep int, src []float32, sStep, n, seg int) {
	o, i := 0, 0
	switch seg {
	case 1:
		for ; n > 0; n-- {
			dst[o] += src[i]
			o, i = o+dStep, i+sStep
		}
	case 2:
		for ; n > 0; n-- {
			d, s := dst[o:o+2:o+2], src[i:i+2:i+2]
			d[0] += s[0]
			d[1] += s[1]
			o, i = o+dStep, i+sStep
		}
	case 3:
		for ; n > 0; n-- {
			d, s := dst[o:o+3:o+3], src[i:i+3:i+3]
			d[0] += s[0]
			d[1] += s[1]
			d[2] += s[2]
			o, i = o+dStep, i+sStep
		}
	case 4:
		for ; n > 0; n-- {
			d, s := dst[o:o+4:o+4], src[i:i+4:i+4]
			d[0] += s[0]
			d[1] += s[1]
			d[2] += s[2]
			d[3] += s[3]
			o, i = o+dStep, i+sStep
		}
	default:
		panic("asm: internal error: a run of " + strconv.Itoa(seg) + " values, more than shortRun")
	}
}

// Im2Col sets cols, rows·OH·OW rows of Patch values, to the input windows of rows images: row (r, oy, ox) holds in[r, oy·SH − PadTop + ky·DH, ox·SW − PadLeft + kx·DW, c] in (ky, kx, c) order, 0 outside the image.
//
// As a loop over every value (the reference; the kernel copies runs, see the comment atop
// conv.go), with P = Patch():
//
//	for r, oy, ox, ky, kx, c:
//		y, x := oy·SH − PadTop + ky·DH, ox·SW − PadLeft + kx·DW
//		v := 0
//		if 0 ≤ y < H and 0 ≤ x < W { v = in[((r·H + y)·W + x)·C + c] }
//		cols[((r·OH + oy)·OW + ox)·P + (ky·KW + kx)·C + c] = v
//
// The values are copied exactly (NaN payloads and signed zeros included). cols must be at least
// rows·OH·OW·P long and in at least rows·H·W·C; the two must not overlap.
func Im2Col(cols, in []float32, rows int, s *ConvShape) {
	s.check("Im2Col", rows)
	img, out := s.H*s.W*s.C, s.OH*s.OW*s.Patch()
	checkLen("cols", cols, rows*out)
	checkLen("in", in, rows*img)
	for r := 0; r < rows; r++ {
		im2colImage(cols[r*out:(r+1)*out:(r+1)*out], in[r*img:(r+1)*img:(r+1)*img], s)
	}
}

// im2colImage is Im2Col of one image: dst is its OH·OW·P values, src its H·W·C.
func im2colImage(dst, src []float32, s *ConvShape) {
	c, p := s.C, s.Patch()
	seg := s.KW * c           // the values of one kernel row
	rowStep := s.DH * s.W * c // from one kernel row's first tap to the next one's
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	flat := s.DW == 1 && (s.KH == 1 || s.DH == 1 && s.KW == s.W) // an interior patch is one run
	run := flat && s.SW*c == p                                   // … and the next window's run follows it
	step := s.SW * c                                             // from one window's first tap to the next one's
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		line := dst[oy*s.OW*p : (oy+1)*s.OW*p]
		for ox := 0; ox < xLo; ox++ {
			im2colEdge(line[ox*p:(ox+1)*p], src, s, y, ky0, ky1, ox)
		}
		if xLo < xHi {
			at := (y*s.W+xLo*s.SW-s.PadLeft)*c + ky0*rowStep // first tap of the first interior window, kernel row ky0
			d := line[xLo*p : xHi*p]
			full, n := ky0 == 0 && ky1 == s.KH, xHi-xLo
			switch {
			case full && run:
				move(d, src[at:])
			case full && flat:
				for o := 0; o < len(d); o += p {
					move(d[o:o+p], src[at:])
					at += step
				}
			case full && s.DW == 1 && seg <= shortRun:
				for ky := 0; ky < s.KH; ky++ {
					copyRuns(d[ky*seg:], p, src[at+ky*rowStep:], step, n, seg)
				}
			case full && s.DW > 1 && c <= shortRun:
				for ky := 0; ky < s.KH; ky++ {
					for kx := 0; kx < s.KW; kx++ {
						copyRuns(d[(ky*s.KW+kx)*c:], p, src[at+ky*rowStep+kx*s.DW*c:], step, n, c)
					}
				}
			case s.DW == 1:
				for o := 0; o < len(d); o += p {
					w := d[o : o+p]
					clear(w[:ky0*seg])
					a := at
					for ky := ky0; ky < ky1; ky++ {
						move(w[ky*seg:(ky+1)*seg], src[a:])
						a += rowStep
					}
					clear(w[ky1*seg:])
					at += step
				}
			default:
				for o := 0; o < len(d); o += p {
					w := d[o : o+p]
					clear(w[:ky0*seg])
					a := at
					for ky := ky0; ky < ky1; ky++ {
						for kx := 0; kx < s.KW; kx++ {
							b := a + kx*s.DW*c
							move(w[(ky*s.KW+kx)*c:(ky*s.KW+kx+1)*c], src[b:b+c])
						}
						a += rowStep
					}
					clear(w[ky1*seg:])
					at += step
				}
			}
		}
		for ox := max(xHi, xLo); ox < s.OW; ox++ {
			im2colEdge(line[ox*p:(ox+1)*p], src, s, y, ky0, ky1, ox)
		}
	}
}

// im2colEdge sets w, the patch of the window at (oy, ox) whose first row is y and whose kernel
// rows [ky0, ky1) are inside the image, tap by tap.
func im2colEdge(w, src []float32, s *ConvShape, y, ky0, ky1, ox int) {
	c, seg := s.C, s.KW*s.C
	x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	clear(w[:ky0*seg])
	for ky := ky0; ky < ky1; ky++ {
		row := w[ky*seg : (ky+1)*seg]
		clear(row[:kx0*c])
		base := ((y+ky*s.DH)*s.W + x) * c
		for kx := kx0; kx < kx1; kx++ {
			b := base + kx*s.DW*c
			move(row[kx*c:(kx+1)*c], src[b:b+c])
		}
		clear(row[kx1*c:])
	}
	clear(w[ky1*seg:])
}

// Col2Im sets din (rows images) to the sum, over every window that reads each input cell, of the window's gradient in dcols (the transpose of Im2Col: the input gradient of a convolution from dcols = delta·kernelᵀ).
//
// As a loop (the reference; the kernel adds runs, in the same structure as Im2Col), with P =
// Patch():
//
//	din[:rows·H·W·C] = 0
//	for r, oy, ox, ky, kx, c:
//		y, x := oy·SH − PadTop + ky·DH, ox·SW − PadLeft + kx·DW
//		if 0 ≤ y < H and 0 ≤ x < W {
//			din[((r·H + y)·W + x)·C + c] += dcols[((r·OH + oy)·OW + ox)·P + (ky·KW + kx)·C + c]
//		}
//
// in float32. The kernel adds in that order where it moves a window at a time, but where it
// moves short runs across a row of windows (see atop conv.go) it adds a kernel row at a time, so
// the order of the additions into a cell is not promised: a cell that n taps read is within
// n − 1 float32 roundings of the exact sum (exact when n = 1). The values of dcols for taps in
// the padding are ignored, and cells no window reads are 0. din must be at least rows·H·W·C
// long and dcols at least rows·OH·OW·P; the two must not overlap.
func Col2Im(din, dcols []float32, rows int, s *ConvShape) {
	s.check("Col2Im", rows)
	img, out := s.H*s.W*s.C, s.OH*s.OW*s.Patch()
	checkLen("din", din, rows*img)
	checkLen("dcols", dcols, rows*out)
	simd := col2imSIMD()
	for r := 0; r < rows; r++ {
		d, g := din[r*img:(r+1)*img:(r+1)*img], dcols[r*out:(r+1)*out:(r+1)*out]
		if simd {
			col2imImageSIMD(d, g, s)
		} else {
			col2imImage(d, g, s)
		}
	}
}

// col2imImage is Col2Im of one image: dst is its H·W·C values, src its OH·OW·P.
func col2imImage(dst, src []float32, s *ConvShape) {
	clear(dst)
	c, p := s.C, s.Patch()
	seg := s.KW * c
	rowStep := s.DH * s.W * c
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	flat := s.DW == 1 && (s.KH == 1 || s.DH == 1 && s.KW == s.W)
	run := flat && s.SW*c == p
	step := s.SW * c
	for oy := 0; oy < s.OH; oy++ {
		y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
		line := src[oy*s.OW*p : (oy+1)*s.OW*p]
		for ox := 0; ox < xLo; ox++ {
			col2imEdge(dst, line[ox*p:(ox+1)*p], s, y, ky0, ky1, ox)
		}
		if xLo < xHi {
			at := (y*s.W+xLo*s.SW-s.PadLeft)*c + ky0*rowStep
			g := line[xLo*p : xHi*p]
			full, n := ky0 == 0 && ky1 == s.KH, xHi-xLo
			switch {
			case full && run:
				accumulate(dst[at:at+len(g)], g)
			case full && flat:
				for o := 0; o < len(g); o += p {
					accumulate(dst[at:at+p], g[o:o+p])
					at += step
				}
			case full && s.DW == 1 && seg <= shortRun:
				for ky := 0; ky < s.KH; ky++ {
					addRuns(dst[at+ky*rowStep:], step, g[ky*seg:], p, n, seg)
				}
			case full && s.DW > 1 && c <= shortRun:
				for ky := 0; ky < s.KH; ky++ {
					for kx := 0; kx < s.KW; kx++ {
						addRuns(dst[at+ky*rowStep+kx*s.DW*c:], step, g[(ky*s.KW+kx)*c:], p, n, c)
					}
				}
			case s.DW == 1:
				for o := 0; o < len(g); o += p {
					w := g[o : o+p]
					a := at
					for ky := ky0; ky < ky1; ky++ {
						accumulate(dst[a:a+seg], w[ky*seg:(ky+1)*seg])
						a += rowStep
					}
					at += step
				}
			default:
				for o := 0; o < len(g); o += p {
					w := g[o : o+p]
					a := at
					for ky := ky0; ky < ky1; ky++ {
						for kx := 0; kx < s.KW; kx++ {
							b := a + kx*s.DW*c
							accumulate(dst[b:b+c], w[(ky*s.KW+kx)*c:(ky*s.KW+kx+1)*c])
						}
						a += rowStep
					}
					at += step
				}
			}
		}
		for ox := max(xHi, xLo); ox < s.OW; ox++ {
			col2imEdge(dst, line[ox*p:(ox+1)*p], s, y, ky0, ky1, ox)
		}
	}
}

// col2imEdge adds w, the gradient of the patch of the window at (oy, ox) whose first row is y
// and whose kernel rows [ky0, ky1) are inside the image, to dst tap by tap.
func col2imEdge(dst, w []float32, s *ConvShape, y, ky0, ky1, ox int) {
	c, seg := s.C, s.KW*s.C
	x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	for ky := ky0; ky < ky1; ky++ {
		row := w[ky*seg : (ky+1)*seg]
		base := ((y+ky*s.DH)*s.W + x) * c
		for kx := kx0; kx < kx1; kx++ {
			b := base + kx*s.DW*c
			accumulate(dst[b:b+c], row[kx*c:(kx+1)*c])
		}
	}
}
