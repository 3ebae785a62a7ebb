package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The convolution and pooling kernels are pure Go at every level; they are tested against loops
// written here from the definitions (float64 where values are summed, bit-exact comparison where
// values are copied or chosen), on geometries swept systematically (every window 1..4 × 1..4,
// strides 1..3, dilations 1..3, TensorFlow's 'valid' and 'same' paddings, images 1×1 to 13×13)
// and at random (other paddings and output sizes, including windows wholly in the padding for
// the convolution kernels), with 1..3 images of C ∈ {1, 2, 3, 5, 8, 17} channels (and more than a
// pooling block for the pooling kernels). Outputs are NaN-poisoned and fenced; inputs are fenced
// with NaN, their capacity running into the fence (a kernel that reslices past an operand reads
// NaN, or writes the fence, instead of panicking), and must come back unchanged.

// convTF returns TensorFlow's geometry for an input h×w×c, a window kh×kw, strides and
// dilations, 'same' or 'valid' padding; ok is false when 'valid' leaves no output.
func convTF(h, w, c, kh, kw, sh, sw, dh, dw int, same bool) (s ConvShape, ok bool) {
	axis := func(n, k, st, d int) (out, before int) {
		if same {
			out = (n + st - 1) / st
			total := max((out-1)*st+(k-1)*d+1-n, 0)
			return out, total / 2
		}
		if n-(k-1)*d-1 < 0 {
			return 0, 0
		}
		return (n-(k-1)*d-1)/st + 1, 0
	}
	oh, pt := axis(h, kh, sh, dh)
	ow, pl := axis(w, kw, sw, dw)
	s = ConvShape{H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw, DH: dh, DW: dw, PadTop: pt, PadLeft: pl, OH: oh, OW: ow}
	return s, oh > 0 && ow > 0
}

// convChannels are the channel counts of the sweeps.
var convChannels = []int{1, 2, 3, 5, 8, 17}

// convSteps are the (SH, SW, DH, DW) of the systematic sweep: strides 1..3 (square and not),
// dilations 1..3 with stride 1 (square and not).
var convSteps = [][4]int{
	{1, 1, 1, 1}, {2, 2, 1, 1}, {3, 3, 1, 1}, {1, 2, 1, 1}, {2, 1, 1, 1}, {3, 1, 1, 1}, {2, 3, 1, 1},
	{1, 1, 2, 2}, {1, 1, 3, 3}, {1, 1, 2, 1}, {1, 1, 1, 3}, {1, 1, 3, 2},
}

// convImages are the (H, W) of the systematic sweep.
var convImages = [][2]int{{1, 1}, {1, 5}, {4, 1}, {2, 3}, {5, 5}, {6, 7}, {13, 13}, {8, 12}, {11, 9}}

// convSweep calls f on every geometry the kernels are tested on, with a number of images (1..3).
// With arbitrary, it adds random paddings and output sizes that are no TensorFlow geometry:
// windows may reach far into the padding, or lie wholly in it.
func convSweep(arbitrary bool, f func(s ConvShape, rows int)) {
	i := 0
	for kh := 1; kh <= 4; kh++ {
		for kw := 1; kw <= 4; kw++ {
			for _, st := range convSteps {
				for _, im := range convImages {
					for _, same := range []bool{false, true} {
						i++
						c := convChannels[i%len(convChannels)]
						if s, ok := convTF(im[0], im[1], c, kh, kw, st[0], st[1], st[2], st[3], same); ok {
							f(s, 1+i%3)
						}
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(90, 91))
	for n := 0; n < 3000; n++ {
		h, w := 1+r.IntN(13), 1+r.IntN(13)
		c := convChannels[r.IntN(len(convChannels))]
		kh, kw := 1+r.IntN(4), 1+r.IntN(4)
		sh, sw, dh, dw := 1+r.IntN(3), 1+r.IntN(3), 1, 1
		if r.IntN(2) == 0 {
			sh, sw, dh, dw = 1, 1, 1+r.IntN(3), 1+r.IntN(3)
		}
		s, ok := convTF(h, w, c, kh, kw, sh, sw, dh, dw, r.IntN(2) == 0)
		if arbitrary && r.IntN(3) == 0 {
			s.PadTop, s.PadLeft = r.IntN(5), r.IntN(5)
			s.OH, s.OW = 1+r.IntN(8), 1+r.IntN(8)
			ok = true
		}
		if ok {
			f(s, 1+r.IntN(3))
		}
	}
	// Global windows, a window as wide as the image, 1×1 kernels, and the MNIST convnet's.
	for _, s := range []ConvShape{
		{H: 7, W: 5, C: 3, KH: 7, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1},
		{H: 13, W: 13, C: 17, KH: 13, KW: 13, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1},
		{H: 6, W: 4, C: 2, KH: 3, KW: 4, SH: 1, SW: 1, DH: 1, DW: 1, OH: 4, OW: 1},
		{H: 6, W: 4, C: 5, KH: 3, KW: 4, SH: 2, SW: 1, DH: 1, DW: 1, PadTop: 1, OH: 3, OW: 1},
		{H: 5, W: 6, C: 8, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, OH: 5, OW: 6},
		{H: 5, W: 6, C: 3, KH: 1, KW: 2, SH: 1, SW: 2, DH: 1, DW: 1, OH: 5, OW: 3},
		{H: 5, W: 7, C: 3, KH: 1, KW: 2, SH: 1, SW: 2, DH: 1, DW: 1, PadLeft: 1, OH: 5, OW: 4},
		{H: 28, W: 28, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 26, OW: 26},
		{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11},
	} {
		f(s, 2)
	}
}

// convFenced returns n elements inside a buffer whose other elements are fill, the slice's
// capacity running to the buffer's end.
func convFenced(n int, fill float32) (inner, whole []float32) {
	whole = make([]float32, n+2*guard)
	for i := range whole {
		whole[i] = fill
	}
	return whole[guard : guard+n], whole
}

// convInput returns n random values in [-1, 1) (with special, now and then a NaN with a payload,
// an infinity or a zero of either sign), NaN-fenced, and a copy of the whole buffer.
func convInput(r *rand.Rand, n int, special bool) (in, whole, before []float32) {
	in, whole = convFenced(n, float32(math.NaN()))
	for i := range in {
		in[i] = 2*r.Float32() - 1
		if special && r.IntN(20) == 0 {
			in[i] = []float32{math.Float32frombits(0x7fc01234), math.Float32frombits(0xffa00001), float32(math.Inf(1)),
				float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}[r.IntN(6)]
		}
	}
	return in, whole, append([]float32(nil), whole...)
}

// convOutput returns n NaNs inside a fence.
func convOutput(n int) (out, whole []float32) {
	out, whole = convFenced(n, fence)
	for i := range out {
		out[i] = float32(math.NaN())
	}
	return out, whole
}

// convAt returns the index of input value (r, y, x, c) and whether (y, x) is inside the image.
func convAt(s *ConvShape, r, y, x, c int) (int, bool) {
	return ((r*s.H+y)*s.W+x)*s.C + c, 0 <= y && y < s.H && 0 <= x && x < s.W
}

// convTap returns the input coordinates of tap (ky, kx) of the window at (oy, ox).
func convTap(s *ConvShape, oy, ox, ky, kx int) (y, x int) {
	return oy*s.SH - s.PadTop + ky*s.DH, ox*s.SW - s.PadLeft + kx*s.DW
}

// im2colRef is Im2Col from its definition.
func im2colRef(in []float32, rows int, s *ConvShape) []float32 {
	p := s.KH * s.KW * s.C
	cols := make([]float32, rows*s.OH*s.OW*p)
	for r := 0; r < rows; r++ {
		for oy := 0; oy < s.OH; oy++ {
			for ox := 0; ox < s.OW; ox++ {
				for ky := 0; ky < s.KH; ky++ {
					for kx := 0; kx < s.KW; kx++ {
						for c := 0; c < s.C; c++ {
							y, x := convTap(s, oy, ox, ky, kx)
							var v float32
							if i, ok := convAt(s, r, y, x, c); ok {
								v = in[i]
							}
							cols[((r*s.OH+oy)*s.OW+ox)*p+(ky*s.KW+kx)*s.C+c] = v
						}
					}
				}
			}
		}
	}
	return cols
}

// col2imRef is Col2Im from its definition, in float64, with the sum of the terms' magnitudes and
// their number per cell.
func col2imRef(dcols []float32, rows int, s *ConvShape) (din, mag []float64, terms []int) {
	p := s.KH * s.KW * s.C
	din, mag, terms = make([]float64, rows*s.H*s.W*s.C), make([]float64, rows*s.H*s.W*s.C), make([]int, rows*s.H*s.W*s.C)
	for r := 0; r < rows; r++ {
		for oy := 0; oy < s.OH; oy++ {
			for ox := 0; ox < s.OW; ox++ {
				for ky := 0; ky < s.KH; ky++ {
					for kx := 0; kx < s.KW; kx++ {
						for c := 0; c < s.C; c++ {
							y, x := convTap(s, oy, ox, ky, kx)
							if i, ok := convAt(s, r, y, x, c); ok {
								v := float64(dcols[((r*s.OH+oy)*s.OW+ox)*p+(ky*s.KW+kx)*s.C+c])
								din[i] += v
								mag[i] += math.Abs(v)
								terms[i]++
							}
						}
					}
				}
			}
		}
	}
	return din, mag, terms
}

// sumTol is the tolerance of a float32 sum of n terms whose magnitudes sum to mag: n − 1
// roundings, none for a single term (which must be exact).
func sumTol(n int, mag float64) float64 {
	return float64(max(n-1, 0)) * 0x1p-24 * mag
}

func TestIm2Col(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	count := 0
	convSweep(true, func(s ConvShape, rows int) {
		count++
		in, inWhole, inBefore := convInput(r, rows*s.H*s.W*s.C, true)
		n := rows * s.OH * s.OW * s.Patch()
		cols, colsWhole := convOutput(n)
		Im2Col(cols, in, rows, &s)
		name := fmt.Sprintf("Im2Col %+v rows %d", s, rows)
		checkFence(t, name, colsWhole, n)
		unchanged(t, name, "in", inWhole, inBefore)
		if want := im2colRef(in, rows, &s); !sameBits(cols, want) {
			for i := range want {
				if !sameBits(cols[i:i+1], want[i:i+1]) {
					t.Fatalf("%s: cols[%d] = %v, want %v", name, i, cols[i], want[i])
				}
			}
		}
	})
	if count < 5000 {
		t.Fatalf("only %d geometries", count)
	}
}

func TestCol2Im(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	convSweep(true, func(s ConvShape, rows int) {
		dcols, dcWhole, dcBefore := convInput(r, rows*s.OH*s.OW*s.Patch(), false)
		n := rows * s.H * s.W * s.C
		din, dinWhole := convOutput(n)
		Col2Im(din, dcols, rows, &s)
		name := fmt.Sprintf("Col2Im %+v rows %d", s, rows)
		checkFence(t, name, dinWhole, n)
		unchanged(t, name, "dcols", dcWhole, dcBefore)
		want, mag, terms := col2imRef(dcols, rows, &s)
		for i, w := range want {
			if !(math.Abs(float64(din[i])-w) <= sumTol(terms[i], mag[i])) {
				t.Fatalf("%s: din[%d] = %v, want %v (%d terms)", name, i, din[i], w, terms[i])
			}
		}
	})
}

// TestCol2ImAdjoint checks ⟨Im2Col(x), y⟩ = ⟨x, Col2Im(y)⟩ in float64: Col2Im is the transpose of
// Im2Col whatever the order of its sums.
func TestCol2ImAdjoint(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	convSweep(true, func(s ConvShape, rows int) {
		x, _, _ := convInput(r, rows*s.H*s.W*s.C, false)
		y, _, _ := convInput(r, rows*s.OH*s.OW*s.Patch(), false)
		cols := make([]float32, len(y))
		din := make([]float32, len(x))
		Im2Col(cols, x, rows, &s)
		Col2Im(din, y, rows, &s)
		var lhs, rhs, mag float64
		for i := range y {
			lhs += float64(cols[i]) * float64(y[i])
			mag += math.Abs(float64(cols[i]) * float64(y[i]))
		}
		for i := range x {
			rhs += float64(x[i]) * float64(din[i])
		}
		if !(math.Abs(lhs-rhs) <= sumTol(s.KH*s.KW+1, mag)+1e-12) {
			t.Fatalf("%+v rows %d: <Im2Col(x), y> = %v, <x, Col2Im(y)> = %v", s, rows, lhs, rhs)
		}
	})
}

// TestConvWindowCases checks a few geometries by hand, independently of the references: a
// 'same' 3×3 window over a 2×2 one-channel image, and a global window.
func TestConvWindowCases(t *testing.T) {
	s, _ := convTF(2, 2, 1, 3, 3, 1, 1, 1, 1, true)
	if s.OH != 2 || s.OW != 2 || s.PadTop != 1 || s.PadLeft != 1 {
		t.Fatalf("same 3x3 over 2x2: %+v", s)
	}
	in := []float32{1, 2, 3, 4}
	cols := make([]float32, 4*9)
	Im2Col(cols, in, 1, &s)
	want := []float32{
		0, 0, 0, 0, 1, 2, 0, 3, 4,
		0, 0, 0, 1, 2, 0, 3, 4, 0,
		0, 1, 2, 0, 3, 4, 0, 0, 0,
		1, 2, 0, 3, 4, 0, 0, 0, 0,
	}
	if !sameBits(cols, want) {
		t.Fatalf("Im2Col same 3x3 over 2x2 = %v, want %v", cols, want)
	}
	din := make([]float32, 4)
	for i := range cols {
		cols[i] = 1
	}
	Col2Im(din, cols, 1, &s)
	if !sameBits(din, []float32{4, 4, 4, 4}) { // every cell is read by all four windows
		t.Fatalf("Col2Im of ones = %v, want 4s", din)
	}
	g := ConvShape{H: 2, W: 3, C: 2, KH: 2, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1}
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	gc := make([]float32, 12)
	Im2Col(gc, x, 1, &g)
	if !sameBits(gc, x) {
		t.Fatalf("Im2Col with a global window = %v, want the image", gc)
	}
}

func TestConvPanics(t *testing.T) {
	s := ConvShape{H: 5, W: 4, C: 3, KH: 3, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, OH: 3, OW: 3}
	const rows = 2
	img, cols := rows*5*4*3, rows*3*3*s.Patch()
	mustPanicWith(t, "Im2Col short cols", "operand cols", func() { Im2Col(make([]float32, cols-1), make([]float32, img), rows, &s) })
	mustPanicWith(t, "Im2Col short in", "operand in", func() { Im2Col(make([]float32, cols), make([]float32, img-1), rows, &s) })
	mustPanicWith(t, "Col2Im short din", "operand din", func() { Col2Im(make([]float32, img-1), make([]float32, cols), rows, &s) })
	mustPanicWith(t, "Col2Im short dcols", "operand dcols", func() { Col2Im(make([]float32, img), make([]float32, cols-1), rows, &s) })
	for _, bad := range []struct {
		field string
		set   func(*ConvShape)
	}{
		{"ConvShape.H", func(s *ConvShape) { s.H = 0 }}, {"ConvShape.C", func(s *ConvShape) { s.C = -1 }},
		{"ConvShape.KW", func(s *ConvShape) { s.KW = 0 }}, {"ConvShape.SH", func(s *ConvShape) { s.SH = 0 }},
		{"ConvShape.DW", func(s *ConvShape) { s.DW = 0 }}, {"ConvShape.OH", func(s *ConvShape) { s.OH = 0 }},
		{"ConvShape.PadLeft", func(s *ConvShape) { s.PadLeft = -1 }}, {"ConvShape.PadTop", func(s *ConvShape) { s.PadTop = -2 }},
	} {
		b := s
		bad.set(&b)
		mustPanicWith(t, "Im2Col "+bad.field, bad.field, func() { Im2Col(make([]float32, 1000), make([]float32, 1000), 1, &b) })
		mustPanicWith(t, "Col2Im "+bad.field, bad.field, func() { Col2Im(make([]float32, 1000), make([]float32, 1000), 1, &b) })
	}
	mustPanicWith(t, "Im2Col rows", "rows is -1", func() { Im2Col(nil, nil, -1, &s) })
	Im2Col(nil, nil, 0, &s)
	Col2Im(nil, nil, 0, &s)
}

// convNoAllocShape is a package-level geometry, as generated code declares them.
var convNoAllocShape = ConvShape{H: 6, W: 5, C: 2, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 6, OW: 5}

func TestConvNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var in, din [2 * 6 * 5 * 2]float32
		var cols [2 * 6 * 5 * 18]float32
		in[7] = 1
		Im2Col(cols[:], in[:], 2, &convNoAllocShape)
		Col2Im(din[:], cols[:], 2, &convNoAllocShape)
		local := ConvShape{H: 6, W: 5, C: 2, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 3, OW: 2}
		Im2Col(cols[:], in[:], 2, &local)
		Col2Im(din[:], cols[:], 2, &local)
		sink += cols[5] + din[7]
	})
	if allocs != 0 {
		t.Errorf("Im2Col and Col2Im on stack arrays allocate %v times per run", allocs)
	}
}

// convBench are the MNIST convnet's convolutions at batch 128.
var convBench = []struct {
	name string
	s    ConvShape
}{
	{"conv1_28x28x1_3x3", ConvShape{H: 28, W: 28, C: 1, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 26, OW: 26}},
	{"conv2_13x13x32_3x3", ConvShape{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11}},
	{"conv2same_13x13x32_3x3", ConvShape{H: 13, W: 13, C: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 13, OW: 13}},
}

const convBenchRows = 128

// reportGBs reports the bytes read and written per operation per nanosecond.
func reportGBs(b *testing.B, bytes int) {
	b.ReportMetric(float64(bytes)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GB/s")
}

// The benchmarks count as traffic the bytes each kernel must read and write: Im2Col reads the
// images and writes cols; Col2Im reads dcols and writes din.
func BenchmarkIm2Col(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range convBench {
		s := c.s
		in := randSlice(r, convBenchRows*s.H*s.W*s.C)
		cols := make([]float32, convBenchRows*s.OH*s.OW*s.Patch())
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Im2Col(cols, in, convBenchRows, &s)
			}
			reportGBs(b, 4*(len(in)+len(cols)))
		})
	}
}

func BenchmarkCol2Im(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range convBench {
		s := c.s
		din := make([]float32, convBenchRows*s.H*s.W*s.C)
		dcols := randSlice(r, convBenchRows*s.OH*s.OW*s.Patch())
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Col2Im(din, dcols, convBenchRows, &s)
			}
			reportGBs(b, 4*(len(din)+len(dcols)))
		})
	}
}

// BenchmarkConvMemory is the yardstick for the kernels' GB/s: the runtime's copy (memmove) and
// clear (memclr), vector loops, over conv2's im2col matrix (17.8 MB, beyond L2), counted as the
// kernels count their bytes (copy reads and writes, clear writes).
func BenchmarkConvMemory(b *testing.B) {
	s := convBench[1].s
	n := convBenchRows * s.OH * s.OW * s.Patch()
	src, dst := randSlice(rand.New(rand.NewPCG(1, 2)), n), make([]float32, n)
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			copy(dst, src)
		}
		reportGBs(b, 8*n)
	})
	b.Run("clear", func(b *testing.B) {
		for b.Loop() {
			clear(dst)
		}
		reportGBs(b, 4*n)
	})
}
