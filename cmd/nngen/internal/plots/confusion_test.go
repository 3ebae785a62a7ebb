package plots

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// confusionCSV is a report data file of k classes: mostly right, some mistakes to the next class.
func confusionCSV(k int, names func(int) string) []byte {
	var b strings.Builder
	b.WriteString(confusionCorner)
	for i := range k {
		b.WriteString("," + names(i))
	}
	b.WriteString("\n")
	for t := range k {
		b.WriteString(names(t))
		for p := range k {
			n := 0
			switch {
			case p == t:
				n = 900 + 10*t
			case p == (t+1)%k:
				n = 3 * t
			}
			fmt.Fprintf(&b, ",%d", n)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// readData writes b to a file in dir and reads it back as report data.
func readData(t *testing.T, dir, name string, b []byte) any {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := ReadReportData(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestConfusionFigure draws matrices of 2 to 60 classes, short and long names, as PNG and SVG.
func TestConfusionFigure(t *testing.T) {
	dir := t.TempDir()
	if keep := os.Getenv("NNGEN_PLOTS_KEEP"); keep != "" {
		dir = keep
	}
	short := func(i int) string { return fmt.Sprint(i) }
	long := func(i int) string { return fmt.Sprintf("Iris-%c-long-name", 'a'+i%26) }
	for _, tc := range []struct {
		k     int
		names func(int) string
	}{{2, short}, {3, long}, {10, short}, {20, long}, {60, short}} {
		name := fmt.Sprintf("confusion-%d", tc.k)
		c, ok := readData(t, dir, name+".csv", confusionCSV(tc.k, tc.names)).(*Confusion)
		if !ok || len(c.Names) != tc.k || c.Counts[1][1] != 910 {
			t.Fatalf("%s: read %+v", name, c)
		}
		f := NewConfusionFigure(c, "test")
		if err := Save(filepath.Join(dir, name+".png"), f, 0, 0); err != nil {
			t.Fatal(err)
		}
		w, h := f.Size()
		img := decodePNG(t, filepath.Join(dir, name+".png"), w, h)
		// The diagonal's cells are dark blue: at least a third of the matrix's area over k
		// cells of k², less the margins.
		blue := 0 // counted on every other pixel of every other line
		for y := 0; y < h; y += 2 {
			for x := 0; x < w; x += 2 {
				r, g, b, _ := img.At(x, y).RGBA()
				if b > 0x5000 && r < 0x2000 && g < 0x4000 {
					blue++
				}
			}
		}
		if min := w * h / (16 * tc.k); blue < min {
			t.Errorf("%s: %d dark blue pixels, want at least %d", name, blue, min)
		}
		if err := Save(filepath.Join(dir, name+".svg"), f, 800, 800); err != nil {
			t.Fatal(err)
		}
		checkSVG(t, filepath.Join(dir, name+".svg"), "600pt", "600pt")
	}
	// Too small for its names: refused.
	c := readData(t, dir, "c20.csv", confusionCSV(20, short)).(*Confusion)
	if err := Save(filepath.Join(dir, "tiny.png"), NewConfusionFigure(c, "t"), 400, 400); err == nil || !strings.Contains(err.Error(), "too small for 20 classes: give at least 520x520") {
		t.Errorf("a 400x400 matrix of 20 classes: %v", err)
	}
	// A changed count changes the picture.
	a := confusionCSV(3, short)
	b := []byte(strings.Replace(string(a), "\n1,0,910,", "\n1,300,610,", 1))
	if string(a) == string(b) {
		t.Fatal("the matrix did not change")
	}
	var imgs []string
	for i, data := range [][]byte{a, b} {
		path := filepath.Join(dir, fmt.Sprintf("changed-%d.png", i))
		if err := Save(path, NewConfusionFigure(readData(t, dir, "c.csv", data).(*Confusion), "t"), 500, 500); err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, path)
	}
	if n := differ(decodePNG(t, imgs[0], 500, 500), decodePNG(t, imgs[1], 500, 500)); n < 100 {
		t.Errorf("a changed matrix changed %d pixels, want many", n)
	}
}

// TestScatterFigure draws a regression's pairs, one output and two.
func TestScatterFigure(t *testing.T) {
	dir := t.TempDir()
	if keep := os.Getenv("NNGEN_PLOTS_KEEP"); keep != "" {
		dir = keep
	}
	var one, two strings.Builder
	one.WriteString(pairsHeader + "\n")
	two.WriteString(pairsHeader + "\n")
	for i := range 50 {
		fmt.Fprintf(&one, "progression,%d,%g\n", 25+6*i, float64(25+6*i)*0.8+30)
		fmt.Fprintf(&two, "a,%d,%d\nb,%d,%d\n", i, i+i%5, -i, -i+i%3)
	}
	for name, data := range map[string]string{"one": one.String(), "two": two.String()} {
		p, ok := readData(t, dir, name+".csv", []byte(data)).(*Pairs)
		if !ok || len(p.True[0]) != 50 {
			t.Fatalf("%s: read %+v", name, p)
		}
		f, err := NewScatterFigure(p, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := Save(filepath.Join(dir, "scatter-"+name+".png"), f, 0, 0); err != nil {
			t.Fatal(err)
		}
		w, h := f.Size()
		decodePNG(t, filepath.Join(dir, "scatter-"+name+".png"), w, h)
	}
}
