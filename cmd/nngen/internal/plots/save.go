package plots

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DPI is the resolution of PNG files: a size of W×H pixels is W·72/DPI × H·72/DPI points, the
// unit of the fonts, so that text keeps its size in pixels whatever the image's size. SVG files
// have that size in points (width="900pt" for 1200 pixels), which is 1200 CSS pixels.
const DPI = 96

// Size limits of a figure, in pixels.
const (
	MinSize = 300
	MaxSize = 10000
)

// A Figure draws itself on a canvas of any size.
type Figure interface {
	Draw(c draw.Canvas)
	// Size is the figure's default width and height in pixels.
	Size() (width, height int)
}

// CheckPath returns an error unless path names a PNG or SVG file (by its extension, in any
// case), so that a command can refuse it before it works.
func CheckPath(path string) error {
	_, err := format(path)
	return err
}

// format is the image format of path's extension: "png" or "svg".
func format(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	case "":
		return "", fmt.Errorf("%s: no extension; want a .png or .svg file name, which chooses the image format", path)
	default:
		return "", fmt.Errorf("%s: the extension %s is not an image format nngen draws; want .png or .svg", path, ext)
	}
}

// CheckSize returns an error unless a width and a height in pixels (0 for the figure's default)
// are within MinSize and MaxSize.
func CheckSize(width, height int) error {
	for _, s := range []struct {
		name string
		v    int
	}{{"width", width}, {"height", height}} {
		if s.v != 0 && (s.v < MinSize || s.v > MaxSize) {
			return fmt.Errorf("-%s %d: want %d to %d pixels, or 0 for the default", s.name, s.v, MinSize, MaxSize)
		}
	}
	return nil
}

// Save draws f into path as PNG or SVG (by the extension), width × height pixels (0 for the
// figure's default), and writes the file atomically: a temporary file in the same folder,
// synced, then renamed over path. On error path is unchanged.
func Save(path string, f Figure, width, height int) error {
	kind, err := format(path)
	if err != nil {
		return err
	}
	if err := CheckSize(width, height); err != nil {
		return err
	}
	dw, dh := f.Size()
	if width == 0 {
		width = dw
	}
	if height == 0 {
		height = dh
	}
	if f, ok := f.(interface{ Fits(w, h int) error }); ok {
		if err := f.Fits(width, height); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	w, h := pixels(width), pixels(height)
	var buf bytes.Buffer
	switch kind {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
		f.Draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return fmt.Errorf("%s: encoding the PNG: %v", path, err)
		}
	case "svg":
		c := vgsvg.New(w, h)
		f.Draw(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("%s: encoding the SVG: %v", path, err)
		}
	}
	if err := writeAtomically(path, buf.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}

// pixels is a length of n pixels at DPI.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// writeAtomically writes b to path through a temporary file in the same folder, synced and
// renamed; on error the temporary file is removed and path is unchanged. (runtime's atomicfile
// is internal to runtime/.)
func writeAtomically(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp"+strconv.FormatUint(rand.Uint64(), 36))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
