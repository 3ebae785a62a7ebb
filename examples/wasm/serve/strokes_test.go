package main

import "testing"

// stroke is a horizontal stroke of the pen, from (x0, y) to (x1, y) in the pixels of an image.
type stroke struct{ x0, x1, y int }

// inkThreshold is the grey level from which a pixel of an MNIST digit is drawn: about where
// its strokes are half inked, as the pen's antialiased edge is.
const inkThreshold = 128

// strokes turns a 28×28 MNIST image into pen strokes, one a run of pixels of at least
// inkThreshold in a row, top to bottom and left to right. Drawn with a pen two pixels wide
// (the page's, scaled to the image) whose round ends reach half a pixel beyond the run's end
// pixels, the strokes cover the thresholded digit grown by half a pixel on every side, which
// is about the digit with its grey edges: one draws a digit of MNIST's thickness.
func strokes(img []byte, side int) []stroke {
	var s []stroke
	for y := range side {
		row := img[y*side : (y+1)*side]
		for x := 0; x < side; x++ {
			if row[x] < inkThreshold {
				continue
			}
			start := x
			for x+1 < side && row[x+1] >= inkThreshold {
				x++
			}
			s = append(s, stroke{start, x, y})
		}
	}
	return s
}

// TestStrokes checks strokes on a small image: runs are found, split at gaps, and faint pixels
// are not drawn.
func TestStrokes(t *testing.T) {
	img := []byte{
		0, 200, 255, 0,
		127, 0, 0, 128,
		0, 0, 0, 0,
		255, 255, 255, 255,
	}
	got := strokes(img, 4)
	want := []stroke{{1, 2, 0}, {3, 3, 1}, {0, 3, 3}}
	if len(got) != len(want) {
		t.Fatalf("strokes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stroke %d = %v, want %v", i, got[i], want[i])
		}
	}
}
