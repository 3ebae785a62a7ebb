package cli

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// imageSeeds are small images of the kinds predict meets: 28×28 gray, RGB, paletted, 16-bit gray
// PNGs and a JPEG, and images of other sizes.
func imageSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	add := func(img image.Image, asJPEG bool) {
		var b bytes.Buffer
		var err error
		if asJPEG {
			err = jpeg.Encode(&b, img, nil)
		} else {
			err = png.Encode(&b, img)
		}
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	gray := image.NewGray(image.Rect(0, 0, 28, 28))
	rgba := image.NewRGBA(image.Rect(0, 0, 28, 28))
	pal := image.NewPaletted(image.Rect(0, 0, 28, 28), color.Palette{color.Black, color.White})
	g16 := image.NewGray16(image.Rect(0, 0, 28, 28))
	for i := range 28 * 28 {
		gray.Pix[i] = uint8(i)
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+3] = uint8(i), uint8(3*i), 255
		pal.Pix[i] = uint8(i % 2)
		g16.Pix[2*i] = uint8(i)
	}
	add(gray, false)
	add(rgba, false)
	add(pal, false)
	add(g16, false)
	add(gray, true)
	add(image.NewGray(image.Rect(0, 0, 27, 28)), false)
	add(image.NewGray(image.Rect(0, 0, 1, 1)), true)
	return seeds
}

// FuzzReadImage feeds predict's image reader arbitrary bytes as a file for a 28×28 network: it
// never panics; it returns an error naming the file, or 784 gray levels in [0, 1]; and it
// allocates at most 64 × the file's size + 1 MiB (the decoders' tables and one 28×28 image of at
// most 8 bytes a pixel: the size is checked on the header before any pixel is decoded).
func FuzzReadImage(f *testing.F) {
	for _, s := range imageSeeds(f) {
		f.Add(s)
	}
	dir := f.TempDir()
	job := Job{Shape: []int{28, 28, 1}, Data: Data{Source: "mnist"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "input.png")
		if err := os.WriteFile(path, data, 0o666); err != nil {
			t.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		x, err := readImage(job, path)
		runtime.ReadMemStats(&m1)
		if got, bound := m1.TotalAlloc-m0.TotalAlloc, 64*uint64(len(data))+1<<20; got > bound {
			t.Fatalf("reading %d bytes allocated %d, more than %d", len(data), got, bound)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if len(x) != 28*28 {
			t.Fatalf("%d values, want 784", len(x))
		}
		for i, v := range x {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("value %d is %v, not a gray level / 255", i, v)
			}
		}
	})
}
