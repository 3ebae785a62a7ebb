package plots

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// history makes a history of n epochs: a falling loss, a rising accuracy, their validation forms
// when val, and a learning rate halved every 10 epochs when rate.
func history(n int, val, rate bool) []byte {
	var b strings.Builder
	keys := []string{"accuracy"}
	if rate {
		keys = append(keys, "learning_rate")
	}
	keys = append(keys, "loss")
	if val {
		keys = append(keys, "val_accuracy", "val_loss")
	}
	fmt.Fprintf(&b, "epoch,%s,seconds\n", strings.Join(keys, ","))
	for e := range n {
		loss := 1 / float64(e+1)
		cells := map[string]float64{"accuracy": 1 - loss/2, "loss": loss, "val_accuracy": 0.95 - loss/2,
			"val_loss": loss + 0.002*float64(e), "learning_rate": 0.001 * math.Pow(0.5, float64(e/10))}
		fmt.Fprintf(&b, "%d", e)
		for _, k := range keys {
			fmt.Fprintf(&b, ",%g", cells[k])
		}
		fmt.Fprintf(&b, ",1.5\n")
	}
	return []byte(b.String())
}

// decodePNG reads a PNG file and checks its size.
func decodePNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s: %dx%d pixels, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
	return img
}

// checkSVG parses an SVG file and checks its width and height attributes.
func checkSVG(t *testing.T, path, w, h string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var root *xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			if root == nil {
				t.Fatalf("%s: no svg element: %v", path, err)
			}
			break // io.EOF once the whole document has parsed
		}
		if se, ok := tok.(xml.StartElement); ok && root == nil {
			se := se.Copy()
			root = &se
		}
	}
	if root.Name.Local != "svg" {
		t.Fatalf("%s: root element %s, want svg", path, root.Name.Local)
	}
	attr := map[string]string{}
	for _, a := range root.Attr {
		attr[a.Name.Local] = a.Value
	}
	if attr["width"] != w || attr["height"] != h {
		t.Errorf("%s: width %q, height %q; want %q, %q", path, attr["width"], attr["height"], w, h)
	}
}

// differ counts the pixels in which two images of the same size differ.
func differ(a, b image.Image) int {
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}

// saveHistory draws a history's bytes into path.
func saveHistory(t *testing.T, data []byte, path string, w, h int) *Curves {
	t.Helper()
	hist, err := ParseHistory("run_history.csv", data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCurves(hist, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(path, c, w, h); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCurvesFiles draws histories of 1, 2, 60 and 300 epochs, with and without validation and
// learning rate, as PNG and SVG, and checks the files' formats and sizes.
func TestCurvesFiles(t *testing.T) {
	dir := t.TempDir()
	if keep := os.Getenv("NNGEN_PLOTS_KEEP"); keep != "" {
		dir = keep // to look at the figures
	}
	for _, n := range []int{1, 2, 60, 300} {
		for _, v := range []struct {
			val, rate bool
		}{{true, false}, {false, false}, {true, true}} {
			name := fmt.Sprintf("h%d-val%t-rate%t", n, v.val, v.rate)
			c := saveHistory(t, history(n, v.val, v.rate), filepath.Join(dir, name+".png"), 0, 0)
			w, h := c.Size()
			wantPanels := 2
			if v.rate && n > 10 {
				wantPanels = 3
			}
			if len(c.panels) != wantPanels {
				t.Errorf("%s: %d panels, want %d", name, len(c.panels), wantPanels)
			}
			decodePNG(t, filepath.Join(dir, name+".png"), w, h)
			saveHistory(t, history(n, v.val, v.rate), filepath.Join(dir, name+".svg"), 800, 500)
			checkSVG(t, filepath.Join(dir, name+".svg"), "600pt", "375pt")
		}
	}
	// The size given, in pixels.
	saveHistory(t, history(5, true, false), filepath.Join(dir, "sized.png"), 640, 480)
	decodePNG(t, filepath.Join(dir, "sized.png"), 640, 480)
}

// TestCurvesFollowHistory checks that the picture changes when the history does: one value of
// one epoch.
func TestCurvesFollowHistory(t *testing.T) {
	dir := t.TempDir()
	a := history(10, true, false)
	// Epoch 4 (the fifth): accuracy 0.9 to 0.7, inside the range of the others, so that only the
	// curve can tell.
	b := bytes.Replace(a, []byte("\n4,0.9,"), []byte("\n4,0.7,"), 1)
	if bytes.Equal(a, b) {
		t.Fatal("the history did not change")
	}
	saveHistory(t, a, filepath.Join(dir, "a.png"), 600, 400)
	saveHistory(t, b, filepath.Join(dir, "b.png"), 600, 400)
	saveHistory(t, a, filepath.Join(dir, "a2.png"), 600, 400)
	ia, ib, ia2 := decodePNG(t, filepath.Join(dir, "a.png"), 600, 400), decodePNG(t, filepath.Join(dir, "b.png"), 600, 400), decodePNG(t, filepath.Join(dir, "a2.png"), 600, 400)
	if n := differ(ia, ia2); n != 0 {
		t.Errorf("the same history drew %d different pixels", n)
	}
	if n := differ(ia, ib); n < 100 {
		t.Errorf("a changed history changed %d pixels, want many", n)
	}
}

// TestCurvesSmallAndGappy draws a narrow figure (the legend wraps, the panels stack), refuses
// one too small for its panels, and draws a history whose validation cells are empty for some
// epochs (the dashed curve breaks there).
func TestCurvesSmallAndGappy(t *testing.T) {
	dir := t.TempDir()
	if keep := os.Getenv("NNGEN_PLOTS_KEEP"); keep != "" {
		dir = keep
	}
	saveHistory(t, history(12, true, true), filepath.Join(dir, "small.png"), MinSize, 3*minPanelHeight+minHeadHeight)
	decodePNG(t, filepath.Join(dir, "small.png"), MinSize, 3*minPanelHeight+minHeadHeight)
	hist, _ := ParseHistory("h.csv", history(12, true, true))
	c, _ := NewCurves(hist, "")
	if err := Save(filepath.Join(dir, "tiny.png"), c, MinSize, MinSize); err == nil || !strings.Contains(err.Error(), "300x300 pixels is too small for 3 panels") {
		t.Errorf("a 300x300 figure of 3 panels: %v", err)
	}
	gappy := "epoch,accuracy,loss,val_accuracy,val_loss,seconds\n0,0.5,1,,,1\n1,0.6,0.8,0.55,0.9,1\n2,0.7,0.6,,,1\n3,0.8,0.5,0.7,0.7,1\n4,0.85,0.4,0.72,0.65,1\n5,0.9,0.3,,,1\n"
	c = saveHistory(t, []byte(gappy), filepath.Join(dir, "gappy.png"), 0, 0)
	w, h := c.Size()
	decodePNG(t, filepath.Join(dir, "gappy.png"), w, h)
	if err := Save(filepath.Join(dir, "x.png"), c, MinSize-1, 0); err == nil {
		t.Errorf("a width of %d pixels was drawn", MinSize-1)
	}
}
