package cli

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // -predict reads JPEG images
	_ "image/png"  // and PNG images
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/nngen/nngen/runtime/dataset"
)

// maxImageBytes bounds an image file given to -predict: a network's input image is small, and a
// decompression bomb must not be decoded.
const maxImageBytes = 64 << 20

// The framing of a PNG file: its signature, then chunks of a 4-byte length, a 4-byte type, the
// data and a 4-byte CRC.
const (
	pngSignature = "\x89PNG\r\n\x1a\n"
	pngChunkHead = 8 // the length and the type
)

// maxPNGChunks and pngBytesPerChunk bound the chunks of a PNG given to -predict: at most
// maxPNGChunks, and one more for every pngBytesPerChunk bytes of the file. image/png allocates a
// 4 KiB buffer for every chunk it skips (text, metadata, and pixel data after the image's end),
// twice for a paletted image's chunks before its pixels, so a file of empty 12-byte chunks would
// otherwise allocate 680 times its size; within the bound the skipped chunks allocate at most
// 512 KiB and 64 times the file's size. An image holds a few chunks: a header, a palette, a
// dozen metadata chunks, and its pixel data in chunks of 8 KiB or more.
const (
	maxPNGChunks     = 64
	pngBytesPerChunk = 128
)

// maxPNGPixelData is the most compressed pixel data (the IDAT chunks) that a PNG of an h×w image
// may hold: twice its raw size in the widest pixel format (16-bit RGBA, a filter byte per row),
// and 4 KiB, room for any encoder's framing and flushes (zlib's stored blocks add 5 bytes per
// 64 KiB). Go's inflater allocates its Huffman tables anew, up to 42 KiB, for every block, and
// an empty block takes 50 bytes, so compressed data allocates up to 870 times its size however
// little it inflates to; the bound keeps that to a multiple of the network's image size, and
// the time spent too.
func maxPNGPixelData(h, w int) int64 {
	return 2*int64(h)*(8*int64(w)+1) + 4<<10
}

// predict prints one CSV line per input row or image: a classifier's class name (its index when
// the classes have no names) and probability, or a regression's predicted values. The inputs are
// o.inputs in order, standard input when there are none; a file ending in .png, .jpg or .jpeg is
// an image, any other a CSV file laid out as the spec's data (see dataset.CSVOptions.NoLabels).
func predict(job Job, o options, stdin io.Reader, stdout io.Writer) error {
	w := csv.NewWriter(stdout)
	inputs := o.inputs
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	names := classesOf(job.Model)
	for _, in := range inputs {
		x, n, err := readInputs(job, in, stdin)
		if err != nil {
			return err
		}
		y := make([]float32, n*job.Outputs)
		job.Predict(x, y)
		for r := range n {
			if err := w.Write(predictionRecord(job, names, y[r*job.Outputs:(r+1)*job.Outputs])); err != nil {
				return err
			}
		}
	}
	w.Flush()
	return w.Error()
}

// predictionRecord is the CSV record of one prediction.
func predictionRecord(job Job, names []string, y []float32) []string {
	if job.Classes == 0 {
		rec := make([]string, len(y))
		for j, v := range y {
			rec[j] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
		return rec
	}
	class, p := 0, y[0]
	if len(y) == 1 { // one sigmoid unit: the probability of class 1
		if y[0] > 0.5 {
			class = 1
		} else {
			p = 1 - y[0]
		}
	} else {
		for j, v := range y {
			if v > y[class] {
				class, p = j, v
			}
		}
	}
	name := strconv.Itoa(class)
	if class < len(names) {
		name = names[class]
	}
	return []string{name, strconv.FormatFloat(float64(p), 'g', 6, 32)}
}

// readInputs reads the samples of one input: "-" is standard input (CSV).
func readInputs(job Job, name string, stdin io.Reader) (x []float32, n int, err error) {
	switch lower := strings.ToLower(name); {
	case strings.HasSuffix(lower, ".png"), strings.HasSuffix(lower, ".jpg"), strings.HasSuffix(lower, ".jpeg"):
		x, err := readImage(job, name)
		return x, 1, err
	}
	r, size, shown := stdin, int64(-1), "standard input"
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, 0, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		r, shown = f, name
	}
	br := bufio.NewReaderSize(r, 64<<10)
	opt := predictOptions(job)
	if opt.Header && numericLine(br, opt.Delimiter) {
		// Rows to predict often come without the header: a first line of numbers is data, and a
		// label named in the spec is then simply absent (or, in a wider row, the last column).
		opt.Header = false
		for _, c := range opt.Label {
			if c.Name != "" {
				opt.Label = nil
				break
			}
		}
	}
	set, err := dataset.ReadCSVFrom(shown, br, size, opt)
	if err != nil {
		return nil, 0, err
	}
	return set.F, set.N, nil
}

// numericLine reports whether the first line that br holds (without consuming it) is fields of
// numbers separated by delim.
func numericLine(br *bufio.Reader, delim rune) bool {
	head, _ := br.Peek(br.Size())
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimPrefix(bytes.TrimSuffix(line, []byte("\r")), []byte("\ufeff"))
	if len(bytes.TrimSpace(line)) == 0 {
		return false
	}
	for _, f := range strings.Split(string(line), string(delim)) {
		if _, err := strconv.ParseFloat(strings.TrimSpace(f), 64); err != nil {
			return false
		}
	}
	return true
}

// predictOptions read CSV rows laid out as the spec's data, with or without the label columns.
func predictOptions(job Job) dataset.CSVOptions {
	d := job.Data
	if d.Source != "csv" {
		// An IDX spec has no CSV layout: a row is the InputSize features, without a header.
		return dataset.CSVOptions{Delimiter: ',', Regression: true, NoLabels: true, Inputs: job.Inputs}
	}
	return dataset.CSVOptions{Delimiter: d.Delimiter, Header: d.Header, Label: d.Label, Features: d.Features,
		Regression: true, NoLabels: true, Inputs: job.Inputs}
}

// imageSize is the height and width of the network's input as an image of one channel: a shape of
// [H, W] or [H, W, 1], or [N] for a square N; ok is false for any other input.
func imageSize(shape []int) (h, w int, ok bool) {
	switch {
	case len(shape) == 2, len(shape) == 3 && shape[2] == 1:
		return shape[0], shape[1], true
	case len(shape) == 1:
		side := int(math.Round(math.Sqrt(float64(shape[0]))))
		return side, side, side*side == shape[0] && side > 1
	}
	return 0, 0, false
}

// readImage reads a PNG or JPEG image as one sample: its gray levels (0 to 255) row by row,
// divided by 255 when the network trains on IDX bytes (which are batched that way), as they are
// for CSV data.
func readImage(job Job, path string) ([]float32, error) {
	h, w, ok := imageSize(job.Shape)
	if !ok {
		return nil, fmt.Errorf("%s: the network's input %v is not an image; give CSV rows instead", path, job.Shape)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	scale := float32(1)
	if job.Data.Source != "csv" {
		scale = 255
	}
	return decodeImage(path, f, h, w, scale)
}

// decodeImage is readImage once the file is open, apart from the file system so that it can be
// fuzzed on bytes: the h×w gray levels of the PNG or JPEG image that r holds, each divided by
// scale; name starts every error but one of r.Seek's (an *os.PathError names the file itself).
//
// The image's size is checked against h×w from its header (image.DecodeConfig) before any pixel
// is decoded, so a header that claims a huge image is refused without allocating for it; the
// decoders then allocate for those h×w pixels only, and stop at the first byte of pixel data
// beyond them, so neither a decompression bomb nor a truncated file can make them allocate more.
// What the decoders allocate in proportion to the file (see maxPNGChunks and maxPNGPixelData) is
// bounded by checkPNG; FuzzReadImage and TestReadImageAllocationBound state the bounds.
// maxImageBytes bounds the bytes read, and so the time spent.
func decodeImage(name string, r io.ReadSeeker, h, w int, scale float32) ([]float32, error) {
	cfg, format, err := image.DecodeConfig(io.LimitReader(r, maxImageBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %v", name, err)
	}
	if cfg.Width != w || cfg.Height != h {
		return nil, fmt.Errorf("%s: the %s image is %d×%d pixels; the network takes %d×%d (width × height)", name, format, cfg.Width, cfg.Height, w, h)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if format == "png" {
		if err := checkPNG(name, r, h, w); err != nil {
			return nil, err
		}
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	img, _, err := image.Decode(io.LimitReader(r, maxImageBytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	b := img.Bounds()
	x := make([]float32, 0, h*w)
	for py := b.Min.Y; py < b.Max.Y; py++ {
		for px := b.Min.X; px < b.Max.X; px++ {
			g := color.GrayModel.Convert(img.At(px, py)).(color.Gray)
			x = append(x, float32(g.Y)/scale)
		}
	}
	if len(x) != h*w {
		return nil, errors.New(name + ": the decoded image has an unexpected size")
	}
	return x, nil
}

// checkPNG walks the chunks of the PNG file that r holds, from its start to its IEND chunk, and
// refuses one with more chunks than maxPNGChunks and pngBytesPerChunk allow, or more pixel data
// than maxPNGPixelData(h, w): what image/png and compress/flate would allocate for them grows
// with the file, not with the image. It reads the chunks' lengths and types only; a file whose
// framing is broken passes, for image/png to report what is wrong with it.
func checkPNG(name string, r io.Reader, h, w int) error {
	br := bufio.NewReaderSize(io.LimitReader(r, maxImageBytes), 4<<10)
	var head [pngChunkHead]byte
	if _, err := io.ReadFull(br, head[:len(pngSignature)]); err != nil || string(head[:len(pngSignature)]) != pngSignature {
		return nil
	}
	chunks, size, pixels := int64(0), int64(len(pngSignature)), int64(0)
	most := maxPNGPixelData(h, w)
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			break
		}
		n := int64(binary.BigEndian.Uint32(head[:4]))
		chunks++
		size += int64(len(head))
		if string(head[4:]) == "IDAT" {
			if pixels += n; pixels > most {
				return fmt.Errorf("%s: the png image's pixel data (its IDAT chunks) exceeds %d bytes, more than a %d×%d image can need", name, most, w, h)
			}
		}
		// The decoder stops at IEND, and cannot read a chunk longer than the file may be.
		if string(head[4:]) == "IEND" || n > maxImageBytes {
			break
		}
		// size counts the bytes that are there, not those that a chunk's length claims.
		d, err := br.Discard(int(n) + 4)
		size += int64(d)
		if err != nil {
			break
		}
	}
	if chunks > maxPNGChunks+size/pngBytesPerChunk {
		return fmt.Errorf("%s: the png file has %d chunks in %d bytes; at most %d, and one more per %d bytes, are read (an image has a few)", name, chunks, size, maxPNGChunks, pngBytesPerChunk)
	}
	return nil
}
