//go:build amd64 && !purego && !noasm

package asm

// Col2Im at the AVX2 level (and above): col2imImage's structure with its runs of additions in
// assembly (conv_amd64.s). Every cell receives the same additions in the same order as in the Go
// loop, so the results are its bit for bit.

// addRunsAVX2 adds, for j < n and k < rows in that order, the run of seg values at src[j·sStep +
// k·sRow:] to dst[j·dStep + k·dRow:]; n, rows, seg ≥ 1.
//
//go:noescape
func addRunsAVX2(dst *float32, dStep, dRow int, src *float32, sStep, sRow, n, rows, seg int)

// col2imSIMD reports whether Col2Im runs col2imImageSIMD.
func col2imSIMD() bool { return level >= levelAVX2 }

// addRunsSIMD is addRunsAVX2 on slices, bounds-checked; it does nothing when n, rows or seg is 0.
func addRunsSIMD(dst []float32, dStep, dRow int, src []float32, sStep, sRow, n, rows, seg int) {
	if n <= 0 || rows <= 0 || seg <= 0 {
		return
	}
	_ = dst[(n-1)*dStep+(rows-1)*dRow+seg-1]
	_ = src[(n-1)*sStep+(rows-1)*sRow+seg-1]
	addRunsAVX2(&dst[0], dStep, dRow, &src[0], sStep, sRow, n, rows, seg)
}

// col2imImageSIMD is col2imImage with the runs of at least a vector added by addRunsSIMD, in the
// same order: a row of interior windows in one call (windows, then their kernel rows), a window
// of dilated taps or an edge window in one call (kernel rows, then taps). Runs of fewer than 8
// values in the cases where the Go loop has fixed-size bodies for them take the Go loops.
func col2imImageSIMD(dst, src []float32, s *ConvShape) {
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
			col2imEdgeSIMD(dst, line[ox*p:(ox+1)*p], s, y, ky0, ky1, ox)
		}
		if xLo < xHi {
			at := (y*s.W+xLo*s.SW-s.PadLeft)*c + ky0*rowStep
			g := line[xLo*p : xHi*p]
			full, n := ky0 == 0 && ky1 == s.KH, xHi-xLo
			switch {
			case full && run:
				addRunsSIMD(dst[at:], 0, 0, g, 0, 0, 1, 1, len(g))
			case full && flat:
				addRunsSIMD(dst[at:], step, 0, g, p, 0, n, 1, p)
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
			case ky0 == ky1: // the windows' rows are all in the padding
			case s.DW == 1:
				addRunsSIMD(dst[at:], step, rowStep, g[ky0*seg:], p, seg, n, ky1-ky0, seg)
			case c >= 8:
				for o := 0; o < len(g); o += p {
					addRunsSIMD(dst[at:], rowStep, s.DW*c, g[o+ky0*seg:], seg, c, ky1-ky0, s.KW, c)
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
			col2imEdgeSIMD(dst, line[ox*p:(ox+1)*p], s, y, ky0, ky1, ox)
		}
	}
}

// col2imEdgeSIMD is col2imEdge in one call of addRunsSIMD (kernel rows, then the run of a row's
// taps inside the image, or with dilation its taps), when the runs hold a vector.
func col2imEdgeSIMD(dst, w []float32, s *ConvShape, y, ky0, ky1, ox int) {
	c, seg := s.C, s.KW*s.C
	x, kx0, kx1 := taps(ox, s.SW, s.PadLeft, s.DW, s.KW, s.W)
	if kx1 <= kx0 || ky1 <= ky0 {
		return
	}
	base := ((y+ky0*s.DH)*s.W+x)*c + kx0*s.DW*c
	rowStep := s.DH * s.W * c
	switch {
	case s.DW == 1 && (kx1-kx0)*c >= 8:
		addRunsSIMD(dst[base:], rowStep, 0, w[ky0*seg+kx0*c:], seg, 0, ky1-ky0, 1, (kx1-kx0)*c)
	case s.DW > 1 && c >= 8:
		addRunsSIMD(dst[base:], rowStep, s.DW*c, w[ky0*seg+kx0*c:], seg, c, ky1-ky0, kx1-kx0, c)
	default:
		col2imEdge(dst, w, s, y, ky0, ky1, ox)
	}
}
