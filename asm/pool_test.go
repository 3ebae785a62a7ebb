package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The pooling kernels are tested as the convolution kernels are (see conv_test.go), on the
// geometries of convSweep whose windows all have a cell inside the image, and on channel counts
// across the kernels' 64-channel blocks, with three kinds of data: uniform values; few distinct
// values (ties, zeros of both signs); and values with NaNs and infinities now and then.

// poolOK reports whether every window of s has a cell inside the image.
func poolOK(s *ConvShape) bool {
	hit := func(o, st, pad, d, k, n int) bool {
		for t := 0; t < k; t++ {
			if y := o*st - pad + t*d; 0 <= y && y < n {
				return true
			}
		}
		return false
	}
	for o := 0; o < s.OH; o++ {
		if !hit(o, s.SH, s.PadTop, s.DH, s.KH, s.H) {
			return false
		}
	}
	for o := 0; o < s.OW; o++ {
		if !hit(o, s.SW, s.PadLeft, s.DW, s.KW, s.W) {
			return false
		}
	}
	return true
}

// poolSweep calls f on the pooling geometries: convSweep's that poolOK accepts, then wide
// channels (across the 64-channel blocks) in ordinary and global windows, each with a kind of
// data (0 uniform, 1 ties, 2 specials).
func poolSweep(f func(s ConvShape, rows, kind int)) {
	i := 0
	convSweep(true, func(s ConvShape, rows int) {
		if poolOK(&s) {
			i++
			f(s, rows, i%3)
		}
	})
	for _, c := range []int{63, 64, 65, 70, 130} {
		for kind := 0; kind < 3; kind++ {
			for _, g := range [][6]int{{5, 6, 2, 2, 2, 0}, {7, 7, 3, 3, 2, 1}, {4, 5, 3, 2, 1, 1}} {
				s, _ := convTF(g[0], g[1], c, g[2], g[3], g[4], g[4], 1, 1, g[5] == 1)
				f(s, 2, kind)
			}
			f(poolGlobal(5, 3, c), 2, kind)
		}
	}
	for h := 1; h <= 13; h += 3 {
		for w := 1; w <= 13; w += 2 {
			for _, c := range convChannels {
				f(poolGlobal(h, w, c), 1+(h+w)%3, (h+c)%3)
			}
		}
	}
}

// poolGlobal is a global pooling window over an h×w×c image.
func poolGlobal(h, w, c int) ConvShape {
	return ConvShape{H: h, W: w, C: c, KH: h, KW: w, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1}
}

// poolData returns n fenced input values of the kind, and a copy of the whole buffer.
func poolData(r *rand.Rand, n, kind int) (in, whole, before []float32) {
	in, whole, before = convInput(r, n, kind == 2)
	if kind == 1 {
		values := []float32{-1, float32(math.Copysign(0, -1)), 0, 0.5, 2}
		for i := range in {
			in[i] = values[r.IntN(len(values))]
		}
		copy(before, whole)
	}
	return in, whole, before
}

// poolCells calls f on the real cells of window (oy, ox) of image r, channel c, in (ky, kx)
// order, with the cell's index.
func poolCells(s *ConvShape, r, oy, ox, c int, f func(i int)) {
	for ky := 0; ky < s.KH; ky++ {
		for kx := 0; kx < s.KW; kx++ {
			y, x := convTap(s, oy, ox, ky, kx)
			if i, ok := convAt(s, r, y, x, c); ok {
				f(i)
			}
		}
	}
}

// poolWindows calls f on every window and channel with the index of its output.
func poolWindows(s *ConvShape, rows int, f func(r, oy, ox, c, o int)) {
	for r := 0; r < rows; r++ {
		for oy := 0; oy < s.OH; oy++ {
			for ox := 0; ox < s.OW; ox++ {
				for c := 0; c < s.C; c++ {
					f(r, oy, ox, c, ((r*s.OH+oy)*s.OW+ox)*s.C+c)
				}
			}
		}
	}
}

// maxRef returns, per window and channel, the index of the cell MaxPoolBackward must choose
// (the first NaN if any, otherwise the first cell whose value no later cell exceeds under `>`)
// and whether the window holds a NaN.
func maxRef(in []float32, rows int, s *ConvShape) (arg []int, nan []bool) {
	arg, nan = make([]int, rows*s.OH*s.OW*s.C), make([]bool, rows*s.OH*s.OW*s.C)
	poolWindows(s, rows, func(r, oy, ox, c, o int) {
		best := -1
		poolCells(s, r, oy, ox, c, func(i int) {
			v := in[i]
			switch {
			case best < 0:
				best = i
			case math.IsNaN(float64(in[best])):
			case math.IsNaN(float64(v)) || v > in[best]:
				best = i
			}
			nan[o] = nan[o] || math.IsNaN(float64(v))
		})
		arg[o] = best
	})
	return arg, nan
}

func TestMaxPool(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	poolSweep(func(s ConvShape, rows, kind int) {
		in, inWhole, inBefore := poolData(r, rows*s.H*s.W*s.C, kind)
		n := rows * s.OH * s.OW * s.C
		out, outWhole := convOutput(n)
		MaxPool(out, in, rows, &s)
		name := fmt.Sprintf("MaxPool %+v rows %d data %d", s, rows, kind)
		checkFence(t, name, outWhole, n)
		unchanged(t, name, "in", inWhole, inBefore)
		arg, nan := maxRef(in, rows, &s)
		for o, a := range arg {
			if got, want := out[o], in[a]; nan[o] != math.IsNaN(float64(got)) || !nan[o] && got != want {
				t.Fatalf("%s: out[%d] = %v, want %v", name, o, got, want)
			}
		}
	})
}

func TestMaxPoolBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	poolSweep(func(s ConvShape, rows, kind int) {
		in, inWhole, inBefore := poolData(r, rows*s.H*s.W*s.C, kind)
		nw := rows * s.OH * s.OW * s.C
		dout, doutWhole, doutBefore := convInput(r, nw, false)
		out := make([]float32, nw)
		MaxPool(out, in, rows, &s)
		n := len(in)
		din, dinWhole := convOutput(n)
		outArg := out
		if kind == 1 {
			outArg = nil
		}
		MaxPoolBackward(din, dout, in, outArg, rows, &s)
		name := fmt.Sprintf("MaxPoolBackward %+v rows %d data %d", s, rows, kind)
		checkFence(t, name, dinWhole, n)
		unchanged(t, name, "in", inWhole, inBefore)
		unchanged(t, name, "dout", doutWhole, doutBefore)
		arg, _ := maxRef(in, rows, &s)
		want, mag, terms := make([]float64, n), make([]float64, n), make([]int, n)
		for o, a := range arg {
			want[a] += float64(dout[o])
			mag[a] += math.Abs(float64(dout[o]))
			terms[a]++
		}
		for i, w := range want {
			if !(math.Abs(float64(din[i])-w) <= sumTol(terms[i], mag[i])) {
				t.Fatalf("%s: din[%d] = %v, want %v (%d windows)", name, i, din[i], w, terms[i])
			}
		}
	})
}

// TestMaxPoolCases checks MaxPool's semantics on windows written by hand: a NaN anywhere gives
// NaN, zeros of both signs +0, infinities, a 'same' window cut by the padding; ties go to the
// first cell in the backward pass, and a NaN window's gradient to its first NaN.
func TestMaxPoolCases(t *testing.T) {
	nan, inf, negz := float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1))
	s := ConvShape{H: 1, W: 4, C: 1, KH: 1, KW: 4, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 1}
	for _, c := range []struct {
		in       []float32
		want     float32
		wantCell int
	}{
		{[]float32{1, 3, 2, 3}, 3, 1},
		{[]float32{nan, 1, 2, 3}, nan, 0},
		{[]float32{1, 2, 3, nan}, nan, 3},
		{[]float32{-inf, -1, nan, inf}, nan, 2},
		{[]float32{-inf, -inf, -inf, -inf}, -inf, 0},
		{[]float32{-1, inf, 5, inf}, inf, 1},
		{[]float32{negz, 0, -1, 0}, 0, 0},
		{[]float32{-2, negz, -1, negz}, negz, 1},
		{[]float32{7, 7, 7, 7}, 7, 0},
	} {
		var out [1]float32
		MaxPool(out[:], c.in, 1, &s)
		if !sameFloat(out[0], c.want) {
			t.Errorf("MaxPool(%v) = %v, want %v", c.in, out[0], c.want)
		}
		din := make([]float32, 4)
		MaxPoolBackward(din, []float32{5}, c.in, out[:], 1, &s)
		for i, d := range din {
			if i == c.wantCell && d != 5 || i != c.wantCell && d != 0 {
				t.Errorf("MaxPoolBackward(%v) = %v, want 5 at %d", c.in, din, c.wantCell)
				break
			}
		}
	}
	// 'same' 2×2 stride 2 over 3×3 of negative values: the windows of the last row and column
	// are cut to the image and do not see the padding's zeros.
	p, _ := convTF(3, 3, 1, 2, 2, 2, 2, 1, 1, true)
	in := []float32{-1, -2, -3, -4, -5, -6, -7, -8, -9}
	out := make([]float32, 4)
	MaxPool(out, in, 1, &p)
	if !sameBits(out, []float32{-1, -3, -7, -9}) {
		t.Errorf("same MaxPool of negatives = %v, want [-1 -3 -7 -9]", out)
	}
	// Ties in overlapping windows, all values equal: each window's gradient goes to its first
	// cell, and cells first in two windows sum both.
	q := ConvShape{H: 3, W: 3, C: 2, KH: 2, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, OH: 2, OW: 2}
	flat := make([]float32, 18)
	for i := range flat {
		flat[i] = 1.5
	}
	dout := []float32{1, 10, 2, 20, 3, 30, 4, 40}
	din := make([]float32, 18)
	MaxPoolBackward(din, dout, flat, nil, 1, &q)
	want := []float32{1, 10, 2, 20, 0, 0, 3, 30, 4, 40, 0, 0, 0, 0, 0, 0, 0, 0}
	if !sameBits(din, want) {
		t.Errorf("MaxPoolBackward of ties = %v, want %v", din, want)
	}
}

func TestAveragePool(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	poolSweep(func(s ConvShape, rows, kind int) {
		in, inWhole, inBefore := poolData(r, rows*s.H*s.W*s.C, kind)
		n := rows * s.OH * s.OW * s.C
		out, outWhole := convOutput(n)
		AveragePool(out, in, rows, &s)
		name := fmt.Sprintf("AveragePool %+v rows %d data %d", s, rows, kind)
		checkFence(t, name, outWhole, n)
		unchanged(t, name, "in", inWhole, inBefore)
		poolWindows(&s, rows, func(r, oy, ox, c, o int) {
			var sum, mag float64
			cells := 0
			poolCells(&s, r, oy, ox, c, func(i int) {
				sum += float64(in[i])
				mag += math.Abs(float64(in[i]))
				cells++
			})
			want := sum / float64(cells)
			if !near(out[o], want, 0x1p-24*math.Abs(want)+1e-12*mag) {
				t.Fatalf("%s: out[%d] = %v, want %v (%d cells)", name, o, out[o], want, cells)
			}
		})
	})
}

func TestAveragePoolBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	poolSweep(func(s ConvShape, rows, kind int) {
		nw := rows * s.OH * s.OW * s.C
		dout, doutWhole, doutBefore := convInput(r, nw, false)
		n := rows * s.H * s.W * s.C
		din, dinWhole := convOutput(n)
		AveragePoolBackward(din, dout, rows, &s)
		name := fmt.Sprintf("AveragePoolBackward %+v rows %d", s, rows)
		checkFence(t, name, dinWhole, n)
		unchanged(t, name, "dout", doutWhole, doutBefore)
		want, mag, terms := make([]float64, n), make([]float64, n), make([]int, n)
		poolWindows(&s, rows, func(r, oy, ox, c, o int) {
			cells := 0
			poolCells(&s, r, oy, ox, c, func(int) { cells++ })
			q := float64(float32(float64(dout[o]) / float64(cells))) // the quotient, rounded once
			poolCells(&s, r, oy, ox, c, func(i int) {
				want[i] += q
				mag[i] += math.Abs(q)
				terms[i]++
			})
		})
		for i, w := range want {
			if !(math.Abs(float64(din[i])-w) <= sumTol(terms[i], mag[i])) {
				t.Fatalf("%s: din[%d] = %v, want %v (%d windows)", name, i, din[i], w, terms[i])
			}
		}
	})
}

// TestAveragePoolCases checks by hand that 'same' windows average their real cells only, and
// the gradient of a global window.
func TestAveragePoolCases(t *testing.T) {
	s, _ := convTF(3, 3, 1, 2, 2, 2, 2, 1, 1, true)
	in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	out := make([]float32, 4)
	AveragePool(out, in, 1, &s)
	if !sameBits(out, []float32{3, 4.5, 7.5, 9}) {
		t.Errorf("same AveragePool = %v, want [3 4.5 7.5 9]", out)
	}
	din := make([]float32, 9)
	AveragePoolBackward(din, []float32{4, 2, 2, 1}, 1, &s)
	if !sameBits(din, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}) {
		t.Errorf("same AveragePoolBackward = %v, want ones", din)
	}
	g := poolGlobal(2, 2, 2)
	gin := []float32{1, 10, 2, 20, 3, 30, 6, 60}
	gout := make([]float32, 2)
	AveragePool(gout, gin, 1, &g)
	MaxPool(out[:2], gin, 1, &g)
	if !sameBits(gout, []float32{3, 30}) || !sameBits(out[:2], []float32{6, 60}) {
		t.Errorf("global pooling: average %v, max %v; want [3 30], [6 60]", gout, out[:2])
	}
	AveragePoolBackward(din[:8], []float32{4, 8}, 1, &g)
	if !sameBits(din[:8], []float32{1, 2, 1, 2, 1, 2, 1, 2}) {
		t.Errorf("global AveragePoolBackward = %v", din[:8])
	}
}

func TestPoolPanics(t *testing.T) {
	s := ConvShape{H: 5, W: 4, C: 3, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 2, OW: 2}
	const rows = 2
	img, win := rows*5*4*3, rows*2*2*3
	f := func(n int) []float32 { return make([]float32, n) }
	mustPanicWith(t, "MaxPool short out", "operand out", func() { MaxPool(f(win-1), f(img), rows, &s) })
	mustPanicWith(t, "MaxPool short in", "operand in", func() { MaxPool(f(win), f(img-1), rows, &s) })
	mustPanicWith(t, "MaxPoolBackward short din", "operand din", func() { MaxPoolBackward(f(img-1), f(win), f(img), f(win), rows, &s) })
	mustPanicWith(t, "MaxPoolBackward short dout", "operand dout", func() { MaxPoolBackward(f(img), f(win-1), f(img), f(win), rows, &s) })
	mustPanicWith(t, "MaxPoolBackward short in", "operand in", func() { MaxPoolBackward(f(img), f(win), f(img-1), f(win), rows, &s) })
	mustPanicWith(t, "MaxPoolBackward short out", "operand out", func() { MaxPoolBackward(f(img), f(win), f(img), f(win-1), rows, &s) })
	mustPanicWith(t, "AveragePool short out", "operand out", func() { AveragePool(f(win-1), f(img), rows, &s) })
	mustPanicWith(t, "AveragePool short in", "operand in", func() { AveragePool(f(win), f(img-1), rows, &s) })
	mustPanicWith(t, "AveragePoolBackward short din", "operand din", func() { AveragePoolBackward(f(img-1), f(win), rows, &s) })
	mustPanicWith(t, "AveragePoolBackward short dout", "operand dout", func() { AveragePoolBackward(f(img), f(win-1), rows, &s) })
	MaxPoolBackward(f(img), f(win), f(img), nil, rows, &s)
	zero := ConvShape{H: 5, W: 4, C: 3, KH: 2, KW: 2, SW: 2, DH: 1, DW: 1, OH: 2, OW: 2}
	pad := s
	pad.PadTop = 2 // the first row of windows lies in the padding
	wide := s
	wide.OW = 3 // the third column of windows lies past the image
	big := f(1000)
	for _, c := range []struct {
		name, want string
		s          ConvShape
	}{{"SH 0", "ConvShape.SH is 0", zero}, {"PadTop", "output row 0", pad}, {"OW", "output column 2", wide}} {
		mustPanicWith(t, "MaxPool "+c.name, c.want, func() { MaxPool(big, big[:500], 1, &c.s) })
		mustPanicWith(t, "MaxPoolBackward "+c.name, c.want, func() { MaxPoolBackward(big, big, big, nil, 1, &c.s) })
		mustPanicWith(t, "AveragePool "+c.name, c.want, func() { AveragePool(big, big[:500], 1, &c.s) })
		mustPanicWith(t, "AveragePoolBackward "+c.name, c.want, func() { AveragePoolBackward(big, big, 1, &c.s) })
	}
}

// poolNoAllocShape is a package-level geometry, as generated code declares them.
var poolNoAllocShape = ConvShape{H: 6, W: 5, C: 70, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 3, OW: 3}

func TestPoolNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var in, din [6 * 5 * 70]float32
		var out, dout [3 * 3 * 70]float32
		in[7], dout[3] = 1, 2
		MaxPool(out[:], in[:], 1, &poolNoAllocShape)
		MaxPoolBackward(din[:], dout[:], in[:], out[:], 1, &poolNoAllocShape)
		AveragePool(out[:], in[:], 1, &poolNoAllocShape)
		AveragePoolBackward(din[:], dout[:], 1, &poolNoAllocShape)
		global := poolGlobal(6, 5, 70)
		MaxPool(out[:70], in[:], 1, &global)
		AveragePool(out[:70], in[:], 1, &global)
		sink += out[5] + din[7]
	})
	if allocs != 0 {
		t.Errorf("the pooling kernels on stack arrays allocate %v times per run", allocs)
	}
}

// poolBench are the MNIST convnet's pooling layers at batch 128 (2×2, stride 2, 'valid': the
// last row and column of 11 are dropped), and global pooling over the last feature map.
var poolBench = []struct {
	name string
	s    ConvShape
}{
	{"pool1_26x26x32_2x2", ConvShape{H: 26, W: 26, C: 32, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 13, OW: 13}},
	{"pool2_11x11x64_2x2", ConvShape{H: 11, W: 11, C: 64, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 5, OW: 5}},
	{"global_11x11x64", poolGlobal(11, 11, 64)},
	{"global_5x5x64", poolGlobal(5, 5, 64)},
}

// The benchmarks count as traffic what each kernel must read and write: the forward passes read
// the images and write the windows' values; MaxPoolBackward reads dout and in and writes din;
// AveragePoolBackward reads dout and writes din.
func BenchmarkPool(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range poolBench {
		s := c.s
		in, din := randSlice(r, convBenchRows*s.H*s.W*s.C), make([]float32, convBenchRows*s.H*s.W*s.C)
		out, dout := make([]float32, convBenchRows*s.OH*s.OW*s.C), randSlice(r, convBenchRows*s.OH*s.OW*s.C)
		MaxPool(out, in, convBenchRows, &s)
		img, win := 4*len(in), 4*len(out)
		b.Run("MaxPool/"+c.name, func(b *testing.B) {
			for b.Loop() {
				MaxPool(out, in, convBenchRows, &s)
			}
			reportGBs(b, img+win)
		})
		b.Run("MaxPoolBackward/"+c.name, func(b *testing.B) {
			for b.Loop() {
				MaxPoolBackward(din, dout, in, out, convBenchRows, &s)
			}
			reportGBs(b, 2*img+win)
		})
		b.Run("AveragePool/"+c.name, func(b *testing.B) {
			for b.Loop() {
				AveragePool(out, in, convBenchRows, &s)
			}
			reportGBs(b, img+win)
		})
		b.Run("AveragePoolBackward/"+c.name, func(b *testing.B) {
			for b.Loop() {
				AveragePoolBackward(din, dout, convBenchRows, &s)
			}
			reportGBs(b, img+win)
		})
	}
}
