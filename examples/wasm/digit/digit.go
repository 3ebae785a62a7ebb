// Package digit turns a drawing on a canvas into a 28×28 input laid out as MNIST's digits are:
// the bounding box of the ink, scaled with area averaging (antialiased) so that its longer side
// is 20 pixels, keeping its aspect ratio, then moved so that the centre of mass of its pixels is
// at (14, 14). LeCun, Cortes and Burges describe MNIST so: "the images were centered in a 28x28
// image by computing the center of mass of the pixels, and translating the image so as to
// position this point at the center of the 28x28 field".
//
// The centre of mass is counted in pixel indexes, as scipy.ndimage.center_of_mass counts it ((0,
// 0) is the middle of the top left pixel), and the translation is by whole pixels: that is what
// MNIST's digits show. Their bounding boxes are exactly 20 pixels on the longer side, and their
// centres of mass lie from 13.5 to 14.5 in both directions, which whole-pixel translations to
// pixel 14 give and fractional ones to the middle of the image (13.5) would not.
//
// The drawing is RGBA pixels as a canvas's getImageData returns them: 4 bytes a pixel, rows top
// to bottom, colours not premultiplied. Ink is a pixel's brightness composited over black,
// A·(0.299 R + 0.587 G + 0.114 B), from 0 to 1: white strokes on a black canvas, or on a
// transparent one, as MNIST's white digits on black. Every canvas pixel of the box spreads its
// ink uniformly over the square of the image it maps to (area averaging, whether the drawing
// shrinks or grows), and an image pixel's value is the ink it receives, 1 when fully covered
// by full ink, as MNIST's bytes divided by 255.
//
// This package is plain Go: the browser demo (examples/wasm) calls it from WebAssembly, and its
// tests run natively.
package digit

import (
	"fmt"
	"math"
)

const (
	// Size is the width and the height of the image Preprocess writes: MNIST's 28.
	Size = 28
	// Pixels is the number of pixels of that image, row-major.
	Pixels = Size * Size
	// Box is the length of the longer side of the ink's bounding box once scaled: MNIST's 20.
	Box = 20
	// MaxSide is the largest canvas width or height Preprocess accepts.
	MaxSide = 1 << 14
)

// Preprocessor holds the scratch memory of Preprocess, so that calls on canvases no larger than
// the largest one seen so far allocate nothing. The zero Preprocessor is ready to use; it is not
// safe for concurrent use.
type Preprocessor struct {
	rows []float32       // the horizontal pass: one row of Size columns per row of the bounding box
	cols []column        // where each column of the bounding box goes, when it shrinks
	img  [Pixels]float32 // the scaled drawing, before it is centred
}

// Preprocess writes into dst the MNIST-style image of the drawing rgba (width×height pixels, 4
// bytes each), each pixel from 0 (no ink) to 1 (full ink), as MNIST's bytes divided by 255.
// It reports false, leaving dst zero, when the drawing has no ink. Sizes that do not match rgba
// are an error.
func (p *Preprocessor) Preprocess(dst *[Pixels]float32, rgba []byte, width, height int) (bool, error) {
	clear(dst[:])
	if width < 1 || height < 1 || width > MaxSide || height > MaxSide {
		return false, fmt.Errorf("digit: a canvas of %d×%d pixels; want a width and a height from 1 to %d", width, height, MaxSide)
	}
	if want := width * height * 4; len(rgba) != want {
		return false, fmt.Errorf("digit: %d bytes of RGBA pixels for a %d×%d canvas; want %d (4 bytes a pixel)", len(rgba), width, height, want)
	}
	x0, y0, x1, y1, ok := bounds(rgba, width, height)
	if !ok {
		return false, nil
	}
	w, h := x1-x0, y1-y0
	scale := float64(Box) / float64(max(w, h))
	// A canvas pixel x of the box covers [ox + x·scale, ox + (x+1)·scale) of the image: the
	// scaled box in the middle of the image, its longer side from pixel 4 to pixel 23.
	ox := (Size - scale*float64(w)) / 2
	oy := (Size - scale*float64(h)) / 2

	if cap(p.rows) < h*Size {
		p.rows = make([]float32, h*Size)
	}
	rows := p.rows[:h*Size]
	clear(rows)
	if scale <= 1 {
		// Shrinking, a canvas pixel's square is at most one image pixel wide: it touches two
		// columns at most, the same two for every row.
		if cap(p.cols) < w {
			p.cols = make([]column, w)
		}
		cols := p.cols[:w]
		for x := range cols {
			a := ox + float64(x)*scale
			X := math.Floor(a)
			cols[x] = column{int(X), float32(min(a+scale, X+1) - a), float32(max(a+scale-(X+1), 0))}
		}
		for y := range h {
			line := rgba[((y0+y)*width+x0)*4 : ((y0+y)*width+x1)*4]
			row := rows[y*Size : (y+1)*Size]
			for x, c := range cols {
				if px := line[x*4 : x*4+4]; inked(px) {
					v := ink(px)
					row[c.x] += v * c.left
					if c.right > 0 { // then c.x+1 < Size: the box ends by column 24
						row[c.x+1] += v * c.right
					}
				}
			}
		}
	} else {
		for y := range h {
			line := rgba[((y0+y)*width+x0)*4 : ((y0+y)*width+x1)*4]
			row := rows[y*Size : (y+1)*Size]
			for x := range w {
				if px := line[x*4 : x*4+4]; inked(px) {
					spread(row, ink(px), ox+float64(x)*scale, scale)
				}
			}
		}
	}
	img := &p.img
	clear(img[:])
	for y := range h {
		row := rows[y*Size : (y+1)*Size]
		a := oy + float64(y)*scale
		for Y := max(int(math.Floor(a)), 0); Y < min(int(math.Ceil(a+scale)), Size); Y++ {
			cover := float32(min(a+scale, float64(Y+1)) - max(a, float64(Y)))
			out := img[Y*Size : (Y+1)*Size]
			for X, v := range row {
				out[X] += v * cover
			}
		}
	}
	cx, cy := Centre(img)
	translate(dst, img, int(math.Round(Size/2-cx)), int(math.Round(Size/2-cy)))
	return true, nil
}

// column says where a column of the bounding box goes in a shrunk image: its ink adds to image
// column x, weighted by left, and to column x+1, weighted by right.
type column struct {
	x           int
	left, right float32
}

// spread adds v times the overlap of [a, a+length) with each cell [X, X+1) of row.
func spread(row []float32, v float32, a, length float64) {
	b := a + length
	for X := max(int(math.Floor(a)), 0); X < min(int(math.Ceil(b)), len(row)); X++ {
		row[X] += v * float32(min(b, float64(X+1))-max(a, float64(X)))
	}
}

// ink is the brightness of the RGBA pixel px composited over black, from 0 to 1.
func ink(px []byte) float32 {
	lum := 299*uint32(px[0]) + 587*uint32(px[1]) + 114*uint32(px[2]) // 0 to 255 000
	return float32(lum*uint32(px[3])) * (1.0 / (255000 * 255))
}

// bounds returns the bounding box of the pixels with ink, [x0, x1) × [y0, y1), or false when
// there are none.
func bounds(rgba []byte, width, height int) (x0, y0, x1, y1 int, ok bool) {
	x0, y0 = width, height
	for y := range height {
		line := rgba[y*width*4 : (y+1)*width*4]
		first := 0
		for first < width && !inked(line[first*4:first*4+4]) {
			first++
		}
		if first == width {
			continue
		}
		last := width - 1
		for !inked(line[last*4 : last*4+4]) {
			last--
		}
		x0, x1 = min(x0, first), max(x1, last+1)
		y0, y1 = min(y0, y), y+1
	}
	return x0, y0, x1, y1, x1 > x0
}

// inked reports whether the RGBA pixel px has ink: it is neither transparent nor black.
func inked(px []byte) bool {
	return px[3] != 0 && px[0]|px[1]|px[2] != 0
}

// Centre returns the centre of mass of img in pixel indexes, as scipy.ndimage.center_of_mass
// counts them: (0, 0) is the middle of the top left pixel. It is (NaN, NaN) for an image without
// ink.
func Centre(img *[Pixels]float32) (cx, cy float64) {
	var sum, sx, sy float64
	for y := range Size {
		var rowSum, rowX float64
		for x, v := range img[y*Size : (y+1)*Size] {
			rowSum += float64(v)
			rowX += float64(v) * float64(x)
		}
		sum += rowSum
		sx += rowX
		sy += rowSum * float64(y)
	}
	return sx / sum, sy / sum
}

// translate writes into dst the image src moved dx pixels right and dy down, clamped to [0, 1]
// (rounding may leave a hair above 1); what leaves the image is lost.
func translate(dst, src *[Pixels]float32, dx, dy int) {
	for y := max(0, dy); y < min(Size, Size+dy); y++ {
		in := src[(y-dy)*Size : (y-dy+1)*Size]
		out := dst[y*Size : (y+1)*Size]
		for x := max(0, dx); x < min(Size, Size+dx); x++ {
			out[x] = min(max(in[x-dx], 0), 1)
		}
	}
}
