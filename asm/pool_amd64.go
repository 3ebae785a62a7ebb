//go:build amd64 && !purego && !noasm

package asm

// The pooling kernels at the AVX2 level (pool_amd64.s), which AVX-512 machines run too. They take
// any geometry with at least 8 channels: an image is cut into runs of windows along each output
// row whose real cells form the same rectangle (the row's interior windows, then each edge window
// alone), one call each. Their results are those of the Go loops in pool.go bit for bit.

// maxPoolAVX2 sets dst[j·c : (j+1)·c], for j < n, to the maximum over the cells of the window
// whose first cell is src[j·step:], the cells being at + ky·rowStep + kx·colStep for ky < kh,
// kx < kw, each c ≥ 8 values.
//
//go:noescape
func maxPoolAVX2(dst, src *float32, n, step, kh, rowStep, kw, colStep, c int)

// maxPoolBackwardAVX2 is MaxPoolBackward over such a run: dout holds the n windows' gradients, c
// apart; din and src point at the same cell of their images. With add = 0 it stores every cell of
// every window (its gradient or +0), which needs windows that share no cell; with add = 1 it adds
// to din, which must hold the sums of the windows before.
//
//go:noescape
func maxPoolBackwardAVX2(din, dout, src *float32, n, step, kh, rowStep, kw, colStep, c, add int)

// averagePoolAVX2 is AveragePool over such a run, inv = 1/(kh·kw).
//
//go:noescape
func averagePoolAVX2(dst, src *float32, n, step, kh, rowStep, kw, colStep, c int, inv float64)

// averagePoolBackwardAVX2 is AveragePoolBackward over such a run, din at the first cell, add as
// for maxPoolBackwardAVX2, inv = 1/(kh·kw).
//
//go:noescape
func averagePoolBackwardAVX2(din, dout *float32, n, step, kh, rowStep, kw, colStep, c, add int, inv float64)

// poolSIMD reports whether the pooling kernels run the assembly for s: at the AVX2 level (and
// above) with at least 8 channels, a full vector. Fewer channels take the Go loops.
func poolSIMD(s *ConvShape) bool { return level >= levelAVX2 && s.C >= 8 }

// poolRun returns the run of windows that starts at (oy, ox) for the assembly: n windows (the
// row's interior windows [xLo, xHi) when ox = xLo, otherwise the one window), the index of the
// first real cell of the first, and the rectangle kh×kw of real cells. It panics (a bounds check)
// if the run would reach past an image of imgLen values.
func (s *ConvShape) poolRun(oy, ox, xLo, xHi, imgLen int) (n, first, kh, kw int) {
	y, ky0, ky1 := taps(oy, s.SH, s.PadTop, s.DH, s.KH, s.H)
	x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	n = 1
	if ox == xLo && xLo < xHi {
		n = xHi - xLo
	}
	first = ((y+ky0*s.DH)*s.W + x + kx0*s.DW) * s.C
	kh, kw = ky1-ky0, kx1-kx0
	last := first + (n-1)*s.SW*s.C + (kh-1)*s.DH*s.W*s.C + (kw-1)*s.DW*s.C + s.C
	if first < 0 || kh < 1 || kw < 1 || last > imgLen {
		panic("asm: internal error: a pooling run outside the image")
	}
	return n, first, kh, kw
}

// poolShared reports whether two windows of s may share a cell: unless the windows are apart
// along both axes (stride ≥ the window's extent), the backward kernels must add.
func poolShared(s *ConvShape) bool {
	return s.SH < (s.KH-1)*s.DH+1 || s.SW < (s.KW-1)*s.DW+1
}

// poolClearUncovered clears the cells of dst (one image) that no window of s reads, for the
// backward kernels without add, which write every cell of every window. Windows that abut from
// the image's corner (no padding before, stride = window, no dilation: Keras' default pooling)
// cover its top-left rows and columns, and only the rest is cleared; otherwise all of dst.
func poolClearUncovered(dst []float32, s *ConvShape) {
	if s.PadTop != 0 || s.PadLeft != 0 || s.SH != s.KH || s.SW != s.KW || s.DH != 1 || s.DW != 1 {
		clear(dst)
		return
	}
	c := s.C
	rows, cols := min(s.OH*s.KH, s.H), min(s.OW*s.KW, s.W)
	if cols < s.W {
		for y := 0; y < rows; y++ {
			clear(dst[(y*s.W+cols)*c : (y+1)*s.W*c])
		}
	}
	clear(dst[rows*s.W*c:])
}

// maxPoolImageSIMD is maxPoolImage in assembly.
func maxPoolImageSIMD(dst, src []float32, s *ConvShape) {
	c := s.C
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	for oy := 0; oy < s.OH; oy++ {
		for ox := 0; ox < s.OW; {
			n, first, kh, kw := s.poolRun(oy, ox, xLo, xHi, len(src))
			o := (oy*s.OW + ox) * c
			_ = dst[o+n*c-1]
			maxPoolAVX2(&dst[o], &src[first], n, s.SW*c, kh, s.DH*s.W*c, kw, s.DW*c, c)
			ox += n
		}
	}
}

// maxPoolBackwardImageSIMD is maxPoolBackwardImage in assembly.
func maxPoolBackwardImageSIMD(dst, g, src []float32, s *ConvShape) {
	add := 0
	if poolShared(s) {
		add = 1
		clear(dst)
	} else {
		poolClearUncovered(dst, s)
	}
	c := s.C
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	for oy := 0; oy < s.OH; oy++ {
		for ox := 0; ox < s.OW; {
			n, first, kh, kw := s.poolRun(oy, ox, xLo, xHi, len(src))
			o := (oy*s.OW + ox) * c
			_ = g[o+n*c-1]
			_ = dst[len(src)-1]
			maxPoolBackwardAVX2(&dst[first], &g[o], &src[first], n, s.SW*c, kh, s.DH*s.W*c, kw, s.DW*c, c, add)
			ox += n
		}
	}
}

// averagePoolImageSIMD is averagePoolImage in assembly.
func averagePoolImageSIMD(dst, src []float32, s *ConvShape) {
	c := s.C
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	for oy := 0; oy < s.OH; oy++ {
		for ox := 0; ox < s.OW; {
			n, first, kh, kw := s.poolRun(oy, ox, xLo, xHi, len(src))
			o := (oy*s.OW + ox) * c
			_ = dst[o+n*c-1]
			averagePoolAVX2(&dst[o], &src[first], n, s.SW*c, kh, s.DH*s.W*c, kw, s.DW*c, c, 1/float64(kh*kw))
			ox += n
		}
	}
}

// averagePoolBackwardImageSIMD is averagePoolBackwardImage in assembly.
func averagePoolBackwardImageSIMD(dst, g []float32, s *ConvShape) {
	add := 0
	if poolShared(s) {
		add = 1
		clear(dst)
	} else {
		poolClearUncovered(dst, s)
	}
	c := s.C
	xLo, xHi := interior(s.OW, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	for oy := 0; oy < s.OH; oy++ {
		for ox := 0; ox < s.OW; {
			n, first, kh, kw := s.poolRun(oy, ox, xLo, xHi, len(dst))
			o := (oy*s.OW + ox) * c
			_ = g[o+n*c-1]
			averagePoolBackwardAVX2(&dst[first], &g[o], n, s.SW*c, kh, s.DH*s.W*c, kw, s.DW*c, c, add, 1/float64(kh*kw))
			ox += n
		}
	}
}
