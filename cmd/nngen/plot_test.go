package main

import (
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkPNG decodes a PNG file and returns its size.
func checkPNG(t *testing.T, path string) (int, int) {
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
	return img.Bounds().Dx(), img.Bounds().Dy()
}

// TestPlotCommand draws a committed history as PNG and SVG at a given size, and checks the
// command's errors.
func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	history := "../../examples/overfitting/overfit_history.csv"
	out := filepath.Join(dir, "h.png")
	if code, stdout, errOut := runCLI("plot", history, "-o", out, "-width", "900", "-height", "500"); code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("exit %d: %s %s", code, stdout, errOut)
	}
	if w, h := checkPNG(t, out); w != 900 || h != 500 {
		t.Errorf("%s: %dx%d, want 900x500", out, w, h)
	}
	svg := filepath.Join(dir, "h.SVG")
	if code, _, errOut := runCLI("plot", "-o", svg, history, "-title", "overfit"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
	}
	if err := xml.Unmarshal(b, &root); err != nil || root.XMLName.Local != "svg" || root.Width != "780pt" {
		t.Errorf("%s: %v, root %+v; want an svg 780pt (1040 pixels) wide", svg, err, root)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("epoch,loss\n0,0.5\n1,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plot", history}, 2, "plot needs -o FILE"},
		{[]string{"plot", "-o", out}, 2, "no history file given"},
		{[]string{"plot", history, history, "-o", out}, 2, "more than one file"},
		{[]string{"plot", history, "-o", filepath.Join(dir, "h.jpg")}, 2, "the extension .jpg is not an image format nngen draws; want .png or .svg"},
		{[]string{"plot", history, "-o", filepath.Join(dir, "h")}, 2, "no extension"},
		{[]string{"plot", history, "-o", out, "-width", "20"}, 2, "-width 20: want 300 to 10000 pixels"},
		{[]string{"plot", history, "-o", filepath.Join(dir, "no", "h.png")}, 1, "cannot write"},
		{[]string{"plot", filepath.Join(dir, "missing.csv"), "-o", out}, 1, "missing.csv"},
		{[]string{"plot", bad, "-o", out}, 1, bad + `:3: loss is "x"; want a finite number or an empty cell`},
	} {
		code, _, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("nngen %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// TestPlotFlagCheckedFirst checks that train and eval refuse a --plot file they cannot draw
// before they build anything.
func TestPlotFlagCheckedFirst(t *testing.T) {
	for _, args := range [][]string{
		{"train", "../../examples/iris/iris.yaml", "--plot", "curves.gif"},
		{"eval", "../../examples/iris/iris.yaml", "--weights", "w", "--plot", "matrix.pdf"},
		{"train", "../../examples/iris/iris.yaml", "--plot", "curves.png", "--plot-width", "400"},
	} {
		code, stdout, errOut := runCLI(args...)
		if code != 2 || !(strings.Contains(errOut, "want .png or .svg") || strings.Contains(errOut, "400x472 pixels is too small for 2 panels")) || stdout != "" {
			t.Errorf("nngen %q: exit %d, stdout %q, stderr %q; want exit 2 before any work", args, code, stdout, errOut)
		}
	}
}
