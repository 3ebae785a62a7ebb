package digit

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/dataset"
)

// canvas is a drawing for the tests: RGBA pixels, opaque black unless painted.
type canvas struct {
	w, h int
	rgba []byte
}

func newCanvas(w, h int, opaque bool) *canvas {
	c := &canvas{w, h, make([]byte, w*h*4)}
	if opaque {
		for i := 3; i < len(c.rgba); i += 4 {
			c.rgba[i] = 255
		}
	}
	return c
}

// set paints the pixel (x, y) white with ink v from 0 to 255: grey on an opaque canvas, white
// with alpha v on a transparent one.
func (c *canvas) set(x, y int, v byte) {
	px := c.rgba[(y*c.w+x)*4:]
	if px[3] == 255 {
		px[0], px[1], px[2] = v, v, v
		return
	}
	px[0], px[1], px[2], px[3] = 255, 255, 255, v
}

func (c *canvas) rect(x0, y0, w, h int) {
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			c.set(x, y, 255)
		}
	}
}

// moments returns the total ink of img, its centre of mass (a pixel's mass at its centre) and
// the bounding box of its pixels above 0.
func moments(img *[Pixels]float32) (sum, cx, cy float64, x0, y0, x1, y1 int) {
	x0, y0 = Size, Size
	for y := range Size {
		for x := range Size {
			v := float64(img[y*Size+x])
			if v == 0 {
				continue
			}
			sum += v
			cx += v * (float64(x) + 0.5)
			cy += v * (float64(y) + 0.5)
			x0, x1 = min(x0, x), max(x1, x+1)
			y0, y1 = min(y0, y), max(y1, y+1)
		}
	}
	return sum, cx / sum, cy / sum, x0, y0, x1, y1
}

// TestRectangleLandsWhereItMust checks a filled rectangle, 100×50 canvas pixels anywhere on the
// canvas: scaled by 20/100 it is 20×10, and with its centre of mass moved from 13.5 to 14 (math.Round
// rounds half a pixel up) it covers columns 5 to 24 and rows 10 to 19 exactly, full ink inside, none
// outside; likewise standing up, drawn on a transparent canvas (ink in the alpha channel), and a
// 2×2 square, magnified 10 times.
func TestRectangleLandsWhereItMust(t *testing.T) {
	for _, tc := range []struct {
		name             string
		opaque           bool
		x, y, w, h       int
		cx0, cy0, cw, ch int // the cells that must be full
	}{
		{"wide on black", true, 37, 61, 100, 50, 5, 10, 20, 10},
		{"tall on black", true, 150, 5, 50, 100, 10, 5, 10, 20},
		{"wide, transparent", false, 180, 230, 100, 50, 5, 10, 20, 10},
		{"square, tiny", true, 0, 0, 2, 2, 5, 5, 20, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCanvas(280, 280, tc.opaque)
			c.rect(tc.x, tc.y, tc.w, tc.h)
			var img [Pixels]float32
			var p Preprocessor
			ok, err := p.Preprocess(&img, c.rgba, c.w, c.h)
			if err != nil || !ok {
				t.Fatalf("Preprocess = %v, %v; want true, nil", ok, err)
			}
			bad := 0
			for y := range Size {
				for x := range Size {
					want := float32(0)
					if x >= tc.cx0 && x < tc.cx0+tc.cw && y >= tc.cy0 && y < tc.cy0+tc.ch {
						want = 1
					}
					if got := img[y*Size+x]; math.Abs(float64(got-want)) > 1e-5 {
						if bad++; bad <= 5 {
							t.Errorf("pixel (%d, %d) = %g, want %g", x, y, got, want)
						}
					}
				}
			}
			if bad > 5 {
				t.Errorf("... %d pixels wrong in all", bad)
			}
		})
	}
}

// TestCentreOfMassIsCentred checks a shape whose centre of mass is not the centre of its box (an
// L: a heavy upright bar and a thin foot): its longer side becomes 20 pixels, its centre of mass
// lands within half a pixel of (14, 14) although its box is then off centre, and area averaging
// keeps its ink.
func TestCentreOfMassIsCentred(t *testing.T) {
	c := newCanvas(300, 200, true)
	c.rect(40, 20, 30, 150) // the bar: 30×150
	c.rect(70, 160, 90, 10) // the foot: 90×10; the box is 120×150
	var img [Pixels]float32
	var p Preprocessor
	if ok, err := p.Preprocess(&img, c.rgba, c.w, c.h); err != nil || !ok {
		t.Fatalf("Preprocess = %v, %v; want true, nil", ok, err)
	}
	sum, _, _, x0, y0, x1, y1 := moments(&img)
	if cx, cy := Centre(&img); math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("centre of mass (%.3f, %.3f), want (14, 14) within half a pixel", cx, cy)
	}
	scale := 20.0 / 150
	if want := (30*150 + 90*10) * scale * scale; math.Abs(sum-want) > 1e-3 {
		t.Errorf("total ink %.4f, want %.4f (the canvas's, scaled by (20/150)²)", sum, want)
	}
	// The box is 16×20 cells once scaled; a fractional offset may touch one more cell a side.
	if h := y1 - y0; h < 20 || h > 21 {
		t.Errorf("height %d (rows %d to %d), want 20 (21 when the offset is fractional)", h, y0, y1-1)
	}
	if w := x1 - x0; w < 16 || w > 17 {
		t.Errorf("width %d (columns %d to %d), want 16 (17 when the offset is fractional)", w, x0, x1-1)
	}
	// The bar is heavier than the foot, so the box sits right of centre (left edge beyond 14-8).
	if x0 <= 6 {
		t.Errorf("the box starts at column %d; the heavy bar should pull it right of column 6", x0)
	}
}

// TestEmptyCanvas checks that a canvas without ink gives no image: black, transparent, or
// white but fully transparent.
func TestEmptyCanvas(t *testing.T) {
	for _, c := range []*canvas{newCanvas(280, 280, true), newCanvas(28, 10, false)} {
		var img [Pixels]float32
		img[5] = 1
		var p Preprocessor
		ok, err := p.Preprocess(&img, c.rgba, c.w, c.h)
		if ok || err != nil {
			t.Errorf("%d×%d empty canvas: Preprocess = %v, %v; want false, nil", c.w, c.h, ok, err)
		}
		if img[5] != 0 {
			t.Error("an empty canvas left the image as it was; want it cleared")
		}
	}
	c := newCanvas(10, 10, false)
	for i := 0; i < len(c.rgba); i += 4 {
		c.rgba[i], c.rgba[i+1], c.rgba[i+2] = 255, 255, 255 // alpha 0
	}
	var img [Pixels]float32
	if ok, _ := new(Preprocessor).Preprocess(&img, c.rgba, c.w, c.h); ok {
		t.Error("white pixels of alpha 0 counted as ink")
	}
}

// TestBadSizes checks that sizes that do not fit the pixels are errors that say what would fit.
func TestBadSizes(t *testing.T) {
	var img [Pixels]float32
	var p Preprocessor
	for _, tc := range []struct {
		n, w, h int
		want    string
	}{
		{100, 5, 5, "want 100"},
		{400, 10, 10, "want 400"},
		{0, 0, 10, "want a width and a height from 1"},
		{4, 1, -1, "want a width and a height from 1"},
		{4, MaxSide + 1, 1, "want a width and a height from 1"},
	} {
		if tc.want == "want 100" {
			tc.n = 99
		}
		if tc.want == "want 400" {
			tc.n = 404
		}
		_, err := p.Preprocess(&img, make([]byte, tc.n), tc.w, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d bytes, %d×%d: error %v, want one saying %q", tc.n, tc.w, tc.h, err, tc.want)
		}
	}
}

// TestNoAllocs checks that Preprocess allocates nothing once it has seen a canvas that large.
func TestNoAllocs(t *testing.T) {
	c := newCanvas(280, 280, true)
	c.rect(50, 30, 40, 200)
	var img [Pixels]float32
	var p Preprocessor
	p.Preprocess(&img, c.rgba, c.w, c.h)
	if n := testing.AllocsPerRun(20, func() { p.Preprocess(&img, c.rgba, c.w, c.h) }); n != 0 {
		t.Errorf("Preprocess allocates %v times a call, want 0", n)
	}
}

// mnistTest returns the MNIST test set.
func mnistTest(t *testing.T) *dataset.Set {
	t.Helper()
	dir, err := dataset.MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), Pixels, 10)
	if err != nil {
		t.Fatal(err)
	}
	return test
}

// similarity returns the cosine similarity of two images.
func similarity(a, b *[Pixels]float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// enlarge draws MNIST digit img on c magnified k times (each pixel a k×k square of its grey)
// with its top left corner at (x, y).
func enlarge(c *canvas, img []byte, k, x, y int) {
	for i, v := range img {
		if v == 0 {
			continue
		}
		for dy := range k {
			for dx := range k {
				c.set(x+i%Size*k+dx, y+i/Size*k+dy, v)
			}
		}
	}
}

// TestMNISTDigitsMapBack checks, on the first 200 MNIST test digits, that a digit drawn
// magnified and shifted on a larger canvas comes back close to itself: MNIST's digits were made
// by this very normalisation, so undoing a magnification and a shift must nearly give them back.
// Each must have a cosine similarity of at least 0.85 with the original (a stroke one pixel wide
// moved by half a pixel loses much), and their mean must be at least 0.97.
func TestMNISTDigitsMapBack(t *testing.T) {
	test := mnistTest(t)
	var p Preprocessor
	var orig, got [Pixels]float32
	var sum, worst float64 = 0, 1
	const n = 200
	for i := range n {
		img := test.X[i*Pixels : (i+1)*Pixels]
		for j, v := range img {
			orig[j] = float32(v) / 255
		}
		k := 7 + i%6            // magnified 7 to 12 times
		x, y := 3+i%40, 50-i%45 // anywhere on the canvas
		c := newCanvas(400, 400, i%2 == 0)
		enlarge(c, img, k, x, y)
		if ok, err := p.Preprocess(&got, c.rgba, c.w, c.h); err != nil || !ok {
			t.Fatalf("digit %d: Preprocess = %v, %v", i, ok, err)
		}
		s := similarity(&orig, &got)
		sum += s
		worst = min(worst, s)
		if s < 0.85 {
			t.Errorf("test digit %d (a %d), magnified %d times at (%d, %d): similarity %.3f to the original, want at least 0.85", i, test.Labels[i], k, x, y, s)
		}
	}
	t.Logf("cosine similarity to the original over %d test digits: mean %.4f, worst %.4f", n, sum/n, worst)
	if mean := sum / n; mean < 0.97 {
		t.Errorf("mean similarity %.4f, want at least 0.97", mean)
	}
}

// BenchmarkPreprocess times preprocessing a 280×280 canvas, a part of the page's prediction time.
func BenchmarkPreprocess(b *testing.B) {
	c := newCanvas(280, 280, true)
	c.rect(50, 30, 40, 200)
	c.rect(90, 30, 100, 20)
	var img [Pixels]float32
	var p Preprocessor
	b.ReportAllocs()
	for b.Loop() {
		p.Preprocess(&img, c.rgba, c.w, c.h)
	}
}
