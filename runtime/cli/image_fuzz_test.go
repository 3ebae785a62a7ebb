package cli

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/nngen/nngen/runtime/internal/deflatetest"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The network FuzzReadImage decodes for: MNIST's 28×28.
const fuzzSide = 28

// Bounds on what decodeImage allocates (runtime.MemStats.TotalAlloc, garbage included) for a
// file of n bytes whose compressed PNG pixel data (IDAT chunks) is p bytes:
//
//	imageAllocBase + imageAllocPerByte×n + imageAllocPerPixelByte×min(p, maxPNGPixelData)
//
// The base covers what does not grow with the file: the decoders' state (JPEG's Huffman and
// quantisation tables, 10 KiB; zlib's 32 KiB window and its tables), a 4 KiB bufio.Reader per
// pass (DecodeConfig, checkPNG, Decode), the image (a 28×28 RGBA64 is 6 KiB, a color.Color
// boxed per pixel as many again), and image/png's 4 KiB buffer for each chunk it skips, 8 KiB
// when it reads the chunk twice, for the first maxPNGChunks chunks (512 KiB). The multiple of
// the file covers those buffers for the chunks beyond, one per pngBytesPerChunk bytes (checkPNG
// refuses more). The last term is Go's inflater, which builds new Huffman tables for every
// deflate block, up to 42 KiB for an empty block of 50 bytes (870 times), made 1024 for margin;
// checkPNG caps p. Measured (TestReadImageAllocationBound): 40 to 80 KiB for a real 28×28 image,
// 64 times the file for the most text chunks checkPNG lets through, 780 times for pixel data of
// empty blocks.
const (
	imageAllocBase         = 1 << 20
	imageAllocPerByte      = 64
	imageAllocPerPixelByte = 1024
)

// imageAllocBound is the most decodeImage may allocate for file, for an h×w network.
func imageAllocBound(file []byte, h, w int) uint64 {
	p := min(pngPixelBytes(file), maxPNGPixelData(h, w))
	return imageAllocBase + imageAllocPerByte*uint64(len(file)) + imageAllocPerPixelByte*uint64(p)
}

// pngPixelBytes is the total length of the IDAT chunks of a PNG file, as far as its framing
// goes, and 0 for any other file.
func pngPixelBytes(file []byte) int64 {
	if !bytes.HasPrefix(file, []byte(pngSignature)) {
		return 0
	}
	var total int64
	for off := len(pngSignature); off+pngChunkHead <= len(file); {
		n := int64(binary.BigEndian.Uint32(file[off:]))
		if string(file[off+4:off+8]) == "IDAT" {
			total += min(n, int64(len(file)-off-pngChunkHead))
		}
		if n > int64(len(file)) || string(file[off+4:off+8]) == "IEND" {
			break // the decoder reads no further
		}
		off += pngChunkHead + int(n) + 4
	}
	return total
}

// measureDecode runs decodeImage on file for an h×w network and returns its values, the bytes
// allocated meanwhile and its error. Only the call is measured, not the fuzz engine around it.
func measureDecode(file []byte, h, w int, scale float32) ([]float32, uint64, error) {
	r := bytes.NewReader(file)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x, err := decodeImage("f.png", r, h, w, scale)
	runtime.ReadMemStats(&after)
	return x, after.TotalAlloc - before.TotalAlloc, err
}

// testImages are real images of several kinds and sizes, encoded by image/png and image/jpeg:
// the fuzz seeds, and the inputs whose allocation TestReadImageAllocationBound reports.
func testImages(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	add := func(name string, img image.Image) {
		var p, j bytes.Buffer
		if err := png.Encode(&p, img); err != nil {
			t.Fatal(err)
		}
		out[name+".png"] = p.Bytes()
		if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 75}); err != nil {
			t.Fatal(err)
		}
		out[name+".jpg"] = j.Bytes()
	}
	level := func(x, y int) uint8 { return uint8(x*9 + y*5 + x*y) }
	for _, size := range [][2]int{{fuzzSide, fuzzSide}, {fuzzSide - 1, fuzzSide}, {fuzzSide, fuzzSide + 1}, {1, 1}, {8, 3}} {
		w, h := size[0], size[1]
		gray := image.NewGray(image.Rect(0, 0, w, h))
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
		gray16 := image.NewGray16(image.Rect(0, 0, w, h))
		rgba64 := image.NewRGBA64(image.Rect(0, 0, w, h))
		pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White, color.RGBA{200, 30, 60, 255}, color.NRGBA{0, 90, 200, 128}})
		bw := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White}) // 1 bit per pixel
		for y := range h {
			for x := range w {
				v := level(x, y)
				gray.SetGray(x, y, color.Gray{v})
				rgba.SetRGBA(x, y, color.RGBA{v, 255 - v, v / 2, 255})
				nrgba.SetNRGBA(x, y, color.NRGBA{v, 3 * v, 255 - v, v})
				gray16.SetGray16(x, y, color.Gray16{uint16(v) * 257})
				rgba64.SetRGBA64(x, y, color.RGBA64{uint16(v) << 8, 0xffff, uint16(x) << 10, 0xffff})
				pal.SetColorIndex(x, y, v%4)
				bw.SetColorIndex(x, y, v%2)
			}
		}
		tag := fmt.Sprintf("%dx%d", w, h)
		add("gray"+tag, gray)
		add("rgb"+tag, rgba)
		add("nrgba"+tag, nrgba)
		add("gray16"+tag, gray16)
		add("rgba64"+tag, rgba64)
		add("paletted"+tag, pal)
		add("bw"+tag, bw)
	}
	out["interlaced.png"] = interlacedGray(fuzzSide, fuzzSide)
	return out
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// craftPNG is a PNG file of a w×h image of the given bit depth, color type and interlace method,
// with chunks after its header (IDAT, IEND and the like) and no check of what they hold.
func craftPNG(w, h uint32, depth, colorType, interlace byte, chunks ...[]byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, depth, colorType, 0, 0, interlace)
	b := append([]byte(pngSignature), pngChunk("IHDR", ihdr)...)
	for _, c := range chunks {
		b = append(b, c...)
	}
	return b
}

// interlacedGray is an Adam7-interlaced 8-bit gray PNG (image/png writes none), its rows
// unfiltered and stored, not compressed.
func interlacedGray(w, h int) []byte {
	passes := [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	var raw []byte
	for _, p := range passes {
		for y := p[1]; y < h; y += p[3] {
			if p[0] >= w {
				continue
			}
			raw = append(raw, 0) // filter: none
			for x := p[0]; x < w; x += p[2] {
				raw = append(raw, uint8(x*11+y*3))
			}
		}
	}
	return craftPNG(uint32(w), uint32(h), 8, 0, 1, pngChunk("IDAT", zlibStored(raw)), pngChunk("IEND", nil))
}

// storedBlock writes data as the final, stored deflate block.
func storedBlock(w *deflatetest.Writer, data []byte) {
	w.Bits(1, 1) // final
	w.Bits(0, 2) // stored
	w.Align()
	w.B = binary.LittleEndian.AppendUint16(w.B, uint16(len(data)))
	w.B = binary.LittleEndian.AppendUint16(w.B, ^uint16(len(data)))
	w.B = append(w.B, data...)
}

// zlib wraps a deflate stream that inflates to data (for its checksum) in zlib's framing.
func zlib(deflate, data []byte) []byte {
	b := append([]byte{0x78, 0x01}, deflate...)
	return binary.BigEndian.AppendUint32(b, adler32.Checksum(data))
}

// zlibStored is data (at most 64 KiB) as a zlib stream of one stored block.
func zlibStored(data []byte) []byte {
	var w deflatetest.Writer
	storedBlock(&w, data)
	return zlib(w.B, data)
}

// zlibChurn is data (at most 64 KiB) as a zlib stream of n empty dynamic blocks, then a stored
// one: valid, and as costly to inflate as a stream of its size can be.
func zlibChurn(n int, data []byte) []byte {
	var w deflatetest.Writer
	deflatetest.EmptyBlocks(&w, n)
	storedBlock(&w, data)
	return zlib(w.B, data)
}

// zlibZeros is a zlib stream (its checksum left out) that inflates to n zero bytes, with
// deflate's best ratio, 1032 to 1: one dynamic block whose literal 0, length 258 and distance 1
// have codes of 2, 1 and 1 bits, so that each 258 zeros but the first take two zero bits.
func zlibZeros(n int64) []byte {
	var w deflatetest.Writer
	w.Bits(1, 1)    // final
	w.Bits(2, 2)    // dynamic
	w.Bits(29, 5)   // HLIT: 286 lengths
	w.Bits(0, 5)    // HDIST: 1
	w.Bits(18-4, 4) // HCLEN: code lengths for the first 18 in order
	// Code-length codes: 0 and 1 and 2 and 18 (a run of zeros) get 2 bits each.
	order := []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1}
	clen := make([]int, 19)
	clen[0], clen[1], clen[2], clen[18] = 2, 2, 2, 2
	for _, s := range order {
		w.Bits(uint64(clen[s]), 3)
	}
	cc := deflatetest.Canonical(clen)
	put := func(s int) { w.Code(cc[s], uint(clen[s])) }
	zeros := func(k int) { // a run of k zeros, 11 to 138
		put(18)
		w.Bits(uint64(k-11), 7)
	}
	lit := make([]int, 286)
	lit[0], lit[256], lit[285] = 2, 2, 1
	put(2)     // literal 0
	zeros(138) // 1 to 138
	zeros(117) // 139 to 255
	put(2)     // 256: end of block
	zeros(28)  // 257 to 284
	put(1)     // 285: length 258
	put(1)     // distance 0 (distance 1): the only one
	lc := deflatetest.Canonical(lit)
	w.Code(lc[0], 2)
	for range (n - 1) / 258 / 4 { // four length-distance pairs a byte
		w.Bits(0, 8)
	}
	w.Code(lc[256], 2)
	return append([]byte{0x78, 0x01}, w.B...)
}

// FuzzReadImage checks decodeImage on any bytes, for a 28×28 network trained on IDX bytes (its
// gray levels divided by 255): it never panics, either fails with an error that starts with the
// file's name or gives 28×28 values in [0, 1], image.Decode's gray levels, and allocates no more
// than imageAllocBound.
func FuzzReadImage(f *testing.F) {
	for _, file := range testImages(f) {
		f.Add(file)
	}
	// Not "churn": at 10 ms an execution, minimizing its mutations would stall the fuzzer; the
	// unit test checks it.
	hostile := hostileImages(f)
	for _, name := range []string{"small bomb", "interlaced garbage", "jpeg sof then eoi", "huge png"} {
		f.Add(hostile[name].file)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		const scale = 255
		x, alloc, err := measureDecode(file, fuzzSide, fuzzSide, scale)
		if most := imageAllocBound(file, fuzzSide, fuzzSide); alloc > most {
			t.Fatalf("allocated %d bytes for a %d-byte file (at most %d)", alloc, len(file), most)
		}
		if err != nil {
			if x != nil || !strings.HasPrefix(err.Error(), "f.png: ") {
				t.Fatalf("%d values and error %q, which does not start with the file name", len(x), err)
			}
			return
		}
		if len(x) != fuzzSide*fuzzSide {
			t.Fatalf("%d values", len(x))
		}
		// The same as image.Decode gives, read without the limits and the two passes.
		img, _, derr := image.Decode(bytes.NewReader(file))
		if derr != nil {
			t.Fatalf("decodeImage succeeded, image.Decode: %v", derr)
		}
		b := img.Bounds()
		for i, v := range x {
			g := color.GrayModel.Convert(img.At(b.Min.X+i%fuzzSide, b.Min.Y+i/fuzzSide)).(color.Gray)
			if !(v >= 0 && v <= 1) || v != float32(g.Y)/scale {
				t.Fatalf("value %d is %v; image.Decode's gray is %d", i, v, g.Y)
			}
		}
	})
}

// TestReadImageFile checks readImage, decodeImage's caller: it opens the file, scales by the
// data's source, and names the file in its errors.
func TestReadImageFile(t *testing.T) {
	dir := t.TempDir()
	images := testImages(t)
	path := filepath.Join(dir, "digit.png")
	if err := os.WriteFile(path, images["gray28x28.png"], 0o644); err != nil {
		t.Fatal(err)
	}
	csvJob := Job{Shape: []int{784}, Data: Data{Source: "csv"}}
	idxJob := Job{Shape: []int{28, 28, 1}, Data: Data{Source: "mnist"}}
	levels, err := readImage(csvJob, path)
	scaled, err2 := readImage(idxJob, path)
	if err != nil || err2 != nil || len(levels) != 784 || len(scaled) != 784 {
		t.Fatalf("%d and %d values, %v, %v", len(levels), len(scaled), err, err2)
	}
	for i := range levels {
		if scaled[i] != levels[i]/255 || levels[i] != float32(uint8(levels[i])) {
			t.Fatalf("value %d: %v for CSV data, %v for IDX", i, levels[i], scaled[i])
		}
	}
	if _, err := readImage(Job{Shape: []int{3, 4, 2}}, path); err == nil || !strings.HasPrefix(err.Error(), path+": the network's input [3 4 2] is not an image") {
		t.Errorf("shape [3 4 2]: %v", err)
	}
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, hostileImages(t)["chunks"].file, 0o644)
	if _, err := readImage(idxJob, bad); err == nil || !strings.HasPrefix(err.Error(), bad+": the png file has 20003 chunks") {
		t.Errorf("chunks: %v", err)
	}
	if _, err := readImage(idxJob, filepath.Join(dir, "none.png")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// hostile is a crafted image and the start of the error it must give ("" for none).
type hostile struct {
	file []byte
	want string
}

// hostileImages are crafted files that claim or hold more than a 28×28 image.
func hostileImages(t testing.TB) map[string]hostile {
	const side = fuzzSide
	real := testImages(t)
	rows := bytes.Repeat(append([]byte{0}, bytes.Repeat([]byte{0x80}, side)...), side) // gray, unfiltered
	iend := pngChunk("IEND", nil)
	sof := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, side, 0, side, 1, 1, 0x11, 0} // baseline, 1 component
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i*i*7 + i>>5) // no 0xff 0xd9 (the end of image) by chance
	}
	var chunks, text []byte
	for range 20000 {
		chunks = append(chunks, pngChunk("tEXt", nil)...)
	}
	for range 2000 {
		text = append(text, pngChunk("tEXt", make([]byte, pngBytesPerChunk-pngChunkHead-4))...)
	}
	// A real JPEG up to its scan's header (the last SOS marker), then garbage for the scan.
	jpg := real["gray28x28.jpg"]
	sos := bytes.LastIndex(jpg, []byte{0xff, 0xda})
	scan := append(append([]byte{}, jpg[:sos+2+int(jpg[sos+3])]...), garbage...)
	// The pixels of a real interlaced PNG replaced with a stream of garbage.
	il := interlacedGray(side, side)
	idat := bytes.Index(il, []byte("IDAT")) + 4
	ilGarbage := slices.Concat(il[:idat], []byte{0x78, 0x01}, garbage[:2000])
	return map[string]hostile{
		// A header that claims 10⁵×10⁵ pixels (40 GB as RGBA), refused from the header.
		"huge png": {craftPNG(100000, 100000, 8, 6, 0, pngChunk("IDAT", zlibStored(rows)), iend),
			"f.png: the png image is 100000×100000 pixels; the network takes 28×28"},
		"huge jpeg": {[]byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0, 0xff, 0xda, 0, 8},
			"f.png: the jpeg image is 65535×65535 pixels; the network takes 28×28"},
		// 28×28, its pixels a zlib stream that inflates to 1 GiB: refused by checkPNG before
		// anything is inflated.
		"bomb": {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", zlibZeros(1<<30)), iend),
			"f.png: the png image's pixel data (its IDAT chunks) exceeds "},
		// The same with 8 MiB, which checkPNG lets through: image/png stops one byte after the
		// 28×29 bytes it needs.
		"small bomb": {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", zlibZeros(8<<20)), iend),
			"f.png: png: invalid format: too much pixel data"},
		// Valid, but its pixel data spends 15 KiB of empty blocks, each making Go's inflater
		// allocate new tables, before the stored pixels.
		"churn": {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", zlibChurn(300, rows)), iend), ""},
		// The same beyond maxPNGPixelData: refused.
		"more churn": {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", zlibChurn(20000, rows)), iend),
			"f.png: the png image's pixel data (its IDAT chunks) exceeds "},
		// 20000 empty text chunks, each of which image/png would skip with a new 4 KiB buffer.
		"chunks": {craftPNG(side, side, 8, 0, 0, chunks, pngChunk("IDAT", zlibStored(rows)), iend),
			"f.png: the png file has 20003 chunks in "},
		// A paletted image (read twice up to its pixels) with as many 128-byte text chunks as
		// checkPNG allows: the most that image/png's skipping allocates, 64 times the file.
		"text chunks":        {insertAfter(real["bw28x28.png"], "PLTE", text), ""},
		"truncated png":      {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", zlibStored(rows))[:200]), "f.png: "},
		"garbage idat":       {craftPNG(side, side, 8, 0, 0, pngChunk("IDAT", garbage[:8000]), iend), "f.png: "},
		"jpeg garbage":       {append(append([]byte{}, sof...), garbage...), "f.png: "},
		"jpeg truncated":     {sof, "f.png: "},
		"jpeg bad scan":      {scan, "f.png: "},
		"interlaced garbage": {ilGarbage, "f.png: "},
		"jpeg sof then eoi":  {append(append([]byte{}, sof...), 0xff, 0xd9), "f.png: "},
	}
}

// insertAfter inserts chunks into a PNG file after its first chunk of type typ.
func insertAfter(file []byte, typ string, chunks []byte) []byte {
	i := bytes.Index(file, []byte(typ)) - 4
	end := i + pngChunkHead + int(binary.BigEndian.Uint32(file[i:])) + 4
	return slices.Concat(file[:end], chunks, file[end:])
}

// TestReadImageAllocationBound checks imageAllocBound, and the error, on crafted hostile files
// and real images, and reports what each allocates.
func TestReadImageAllocationBound(t *testing.T) {
	for name, tc := range hostileImages(t) {
		x, alloc, err := measureDecode(tc.file, fuzzSide, fuzzSide, 1)
		most := imageAllocBound(tc.file, fuzzSide, fuzzSide)
		t.Logf("%-18s %9d bytes, %9d allocated (%.1f×), %d IDAT bytes: %v", name, len(tc.file), alloc, float64(alloc)/float64(len(tc.file)), pngPixelBytes(tc.file), err)
		if alloc > most {
			t.Errorf("%s: allocated %d bytes for a %d-byte file (at most %d)", name, alloc, len(tc.file), most)
		}
		switch {
		case tc.want == "" && (err != nil || len(x) != fuzzSide*fuzzSide):
			t.Errorf("%s: %d values, %v", name, len(x), err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want it to start %q", name, err, tc.want)
		}
	}
	for name, file := range testImages(t) {
		x, alloc, err := measureDecode(file, fuzzSide, fuzzSide, 255)
		if most := imageAllocBound(file, fuzzSide, fuzzSide); alloc > most {
			t.Errorf("%s: allocated %d bytes for a %d-byte file (at most %d)", name, alloc, len(file), most)
		}
		if strings.Contains(name, "28x28") || name == "interlaced.png" {
			t.Logf("%-18s %9d bytes, %9d allocated: %d values, %v", name, len(file), alloc, len(x), err)
			if err != nil || len(x) != fuzzSide*fuzzSide || slicesMax(x) > 1 || math.IsNaN(float64(slicesMax(x))) {
				t.Errorf("%s: %d values, %v", name, len(x), err)
			}
		} else if err == nil {
			t.Errorf("%s: decoded for a 28×28 network", name)
		}
	}
}

// slicesMax is the largest of x.
func slicesMax(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
