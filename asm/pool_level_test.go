package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The pooling kernels at every level the machine supports against the pure-Go loops (the
// generic level), bit for bit: NaN payloads, signalling NaNs, signed zeros and denormals
// included. The geometries are pool_test.go's sweep and, across the channel counts around the
// assembly's vectors (levelChannels), the MNIST convnet's layers and windows that overlap, are
// cut by padding, dilated or global. Outputs are NaN-poisoned and fenced; inputs are fenced
// and must come back unchanged.

// levelChannels are the channel counts the level tests sweep: below a vector (the Go loops),
// whole vectors, and a vector and more (the assembly's overlapping last vector).
var levelChannels = []int{1, 3, 7, 8, 9, 15, 16, 17, 33, 63, 64, 65}

// levelSpecials are the bits of the special values of the level tests.
var levelSpecials = []uint32{
	0x7fc00000, 0xffc00000, 0x7fc01234, 0xffe54321, // quiet NaNs, both signs, with payloads
	0x7f800001, 0xffa00001, 0x7fbfffff, // signalling NaNs
	0x7f800000, 0xff800000, // ±Inf
	0x00000000, 0x80000000, // ±0
	0x00000001, 0x807fffff, 0x00400000, // denormals
	0x3f800000, 0xbf800000, 0x7f7fffff, 0xff7fffff, // ±1, ±MaxFloat32
}

// levelData fills s with data of a kind: 0 uniform in [-1, 1); 1 ties (five values, zeros of
// both signs); 2 uniform with a special value now and then; 3 special values only, with -1 and
// 0.5 (windows of NaNs only, of zeros only, of infinities, ...).
func levelData(r *rand.Rand, s []float32, kind int) {
	ties := []float32{-1, float32(math.Copysign(0, -1)), 0, 0.5, 2}
	for i := range s {
		switch kind {
		case 0:
			s[i] = 2*r.Float32() - 1
		case 1:
			s[i] = ties[r.IntN(len(ties))]
		case 2:
			s[i] = 2*r.Float32() - 1
			if r.IntN(8) == 0 {
				s[i] = math.Float32frombits(levelSpecials[r.IntN(len(levelSpecials))])
			}
		default:
			if k := r.IntN(len(levelSpecials) + 2); k < len(levelSpecials) {
				s[i] = math.Float32frombits(levelSpecials[k])
			} else {
				s[i] = []float32{-1, 0.5}[k-len(levelSpecials)]
			}
		}
	}
}

// levelInput returns n fenced values of the kind (the fence NaN, the capacity running into it)
// and a copy of the whole buffer.
func levelInput(r *rand.Rand, n, kind int) (in, whole, before []float32) {
	in, whole = convFenced(n, float32(math.NaN()))
	levelData(r, in, kind)
	return in, whole, append([]float32(nil), whole...)
}

// levelMismatch fails t at the first element where got and want differ in their bits.
func levelMismatch(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %v (%#08x), the Go loop's %v (%#08x)", name, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// atLevels runs f at the generic level, then at each other supported level, and hands each
// later result to check with the generic one.
func atLevels(t *testing.T, f func() []float32, check func(lvl string, got, want []float32)) {
	t.Helper()
	old := level
	defer func() { level = old }()
	setLevel(levelGeneric)
	want := f()
	for l := levelGeneric + 1; l <= bestLevel(); l++ {
		setLevel(l)
		check(levelNames[l], f(), want)
	}
}

// levelPoolGeometries are the geometries of the channel sweep for c channels.
func levelPoolGeometries(c int) []ConvShape {
	var g []ConvShape
	add := func(s ConvShape, ok bool) {
		if ok && poolOK(&s) {
			g = append(g, s)
		}
	}
	add(ConvShape{H: 26, W: 26, C: c, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 13, OW: 13}, true) // MNIST pool1
	add(ConvShape{H: 11, W: 11, C: c, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 5, OW: 5}, true)   // MNIST pool2
	add(convTF(7, 7, c, 2, 2, 2, 2, 1, 1, true))                                                       // cut at the end
	add(convTF(7, 6, c, 3, 3, 2, 2, 1, 1, true))                                                       // overlapping, padded both sides
	add(convTF(6, 7, c, 3, 3, 1, 1, 1, 1, false))                                                      // overlapping, stride 1
	add(convTF(5, 5, c, 2, 2, 1, 1, 1, 1, true))
	add(convTF(9, 8, c, 2, 3, 1, 1, 2, 2, false)) // dilated
	add(convTF(8, 9, c, 3, 2, 3, 1, 1, 1, true))  // strides differ
	add(convTF(6, 6, c, 3, 3, 3, 3, 1, 1, false)) // abutting 3×3
	add(convTF(5, 7, c, 1, 3, 1, 3, 1, 1, true))  // 1×3 windows
	add(poolGlobal(5, 4, c), true)
	add(ConvShape{H: 4, W: 6, C: c, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, OH: 4, OW: 6}, true)
	add(ConvShape{H: 5, W: 6, C: c, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 2, PadLeft: 2, OH: 3, OW: 4}, true)
	add(ConvShape{H: 6, W: 5, C: c, KH: 4, KW: 2, SH: 1, SW: 2, DH: 1, DW: 1, PadTop: 3, PadLeft: 1, OH: 5, OW: 3}, true)
	return g
}

// levelPoolSweep calls f on pool_test.go's sweep, then the channel sweep, each geometry with a
// number of images and a kind of data.
func levelPoolSweep(f func(s ConvShape, rows, kind int)) {
	i := 0
	poolSweep(func(s ConvShape, rows, kind int) {
		i++
		f(s, rows, (kind+i)%4)
	})
	for _, c := range levelChannels {
		for j, s := range levelPoolGeometries(c) {
			for kind := 0; kind < 4; kind++ {
				f(s, 1+(j+kind)%3, kind)
			}
		}
	}
}

func TestPoolLevels(t *testing.T) {
	if bestLevel() == levelGeneric {
		t.Skip("only the generic level here")
	}
	r := rand.New(rand.NewPCG(21, 22))
	count := 0
	levelPoolSweep(func(s ConvShape, rows, kind int) {
		count++
		in, inWhole, inBefore := levelInput(r, rows*s.H*s.W*s.C, kind)
		nw := rows * s.OH * s.OW * s.C
		dout, doutWhole, doutBefore := levelInput(r, nw, kind)
		n := rows * s.H * s.W * s.C
		name := fmt.Sprintf("%+v rows %d data %d", s, rows, kind)
		for _, k := range []struct {
			name   string
			outLen int
			run    func(out []float32)
		}{
			{"MaxPool", nw, func(out []float32) { MaxPool(out, in, rows, &s) }},
			{"MaxPoolBackward", n, func(din []float32) { MaxPoolBackward(din, dout, in, nil, rows, &s) }},
			{"AveragePool", nw, func(out []float32) { AveragePool(out, in, rows, &s) }},
			{"AveragePoolBackward", n, func(din []float32) { AveragePoolBackward(din, dout, rows, &s) }},
		} {
			atLevels(t, func() []float32 {
				out, whole := convOutput(k.outLen)
				k.run(out)
				checkFence(t, k.name+" "+name, whole, k.outLen)
				unchanged(t, k.name+" "+name, "in", inWhole, inBefore)
				unchanged(t, k.name+" "+name, "dout", doutWhole, doutBefore)
				return out
			}, func(lvl string, got, want []float32) {
				levelMismatch(t, k.name+" "+lvl+" "+name, got, want)
			})
		}
	})
	if count < 3000 {
		t.Fatalf("only %d geometries", count)
	}
}

// TestPoolLevelCases checks the assembly's semantics by hand at every level, independently of
// the Go loops: 2×2 windows over 8 and 9 channels where each channel holds a case (a NaN in
// any cell, zeros of both signs, ties, infinities), against the values pool.go's doc comments
// promise.
func TestPoolLevelCases(t *testing.T) {
	nan := float32(math.NaN())
	inf, negz := float32(math.Inf(1)), float32(math.Copysign(0, -1))
	// Each case is a window's 4 cells in (ky, kx) order, its maximum and the cell that takes
	// the gradient.
	cases := []struct {
		cells [4]float32
		max   float32
		arg   int
	}{
		{[4]float32{1, 3, 2, 3}, 3, 1},
		{[4]float32{nan, 1, 2, 3}, nan, 0},
		{[4]float32{1, 2, 3, nan}, nan, 3},
		{[4]float32{-inf, -1, nan, nan}, nan, 2},
		{[4]float32{-inf, -inf, -inf, -inf}, -inf, 0},
		{[4]float32{-1, inf, 5, inf}, inf, 1},
		{[4]float32{negz, 0, -1, 0}, 0, 0},
		{[4]float32{-2, negz, -1, negz}, negz, 1},
		{[4]float32{7, 7, 7, 7}, 7, 0},
		{[4]float32{-1, negz, negz, -3}, negz, 1},
	}
	for _, c := range []int{8, 9, 10} {
		s := ConvShape{H: 2, W: 2, C: c, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: 1, OW: 1}
		in := make([]float32, 4*c)
		dout := make([]float32, c)
		for ch := 0; ch < c; ch++ {
			k := cases[ch%len(cases)]
			for cell := 0; cell < 4; cell++ {
				in[cell*c+ch] = k.cells[cell]
			}
			dout[ch] = float32(ch + 1)
		}
		forLevels(t, func(lvl string) {
			out := make([]float32, c)
			MaxPool(out, in, 1, &s)
			din := make([]float32, 4*c)
			MaxPoolBackward(din, dout, in, out, 1, &s)
			for ch := 0; ch < c; ch++ {
				k := cases[ch%len(cases)]
				if !sameFloat(out[ch], k.max) {
					t.Errorf("%s C=%d: MaxPool(%v) = %v, want %v", lvl, c, k.cells, out[ch], k.max)
				}
				for cell := 0; cell < 4; cell++ {
					want := float32(0)
					if cell == k.arg {
						want = dout[ch]
					}
					if got := din[cell*c+ch]; math.Float32bits(got) != math.Float32bits(want) {
						t.Errorf("%s C=%d: MaxPoolBackward(%v): cell %d = %v, want %v", lvl, c, k.cells, cell, got, want)
					}
				}
			}
		})
	}
}

// TestPoolLevelSumOrder checks at every level that where windows overlap, the gradients sum
// into a cell in window order, with values that round differently in another order: three 1×3
// windows share their maximal cell, whose gradient is ((0 + 1) + 2⁻²⁴) + 2⁻²⁴ = 1, not 1 + 2⁻²³.
func TestPoolLevelSumOrder(t *testing.T) {
	for _, c := range []int{1, 8, 9} {
		s := ConvShape{H: 1, W: 5, C: c, KH: 1, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 1, OW: 3}
		in, dout := make([]float32, 5*c), make([]float32, 3*c)
		for ch := 0; ch < c; ch++ {
			in[2*c+ch] = 1
			dout[ch], dout[c+ch], dout[2*c+ch] = 1, 0x1p-24, 0x1p-24
		}
		forLevels(t, func(lvl string) {
			din := make([]float32, 5*c)
			MaxPoolBackward(din, dout, in, nil, 1, &s)
			for i, d := range din {
				if want := float32(0); i/c == 2 && d != 1 || i/c != 2 && d != want {
					t.Fatalf("%s C=%d: MaxPoolBackward din = %v, want 1 at cell 2", lvl, c, din)
				}
			}
		})
	}
}

func TestPoolLevelNoAllocs(t *testing.T) {
	forLevels(t, func(lvl string) {
		allocs := testing.AllocsPerRun(100, func() {
			var in, din [6 * 5 * 17]float32
			var out, dout [3 * 3 * 17]float32
			in[7], dout[3] = 1, 2
			local := ConvShape{H: 6, W: 5, C: 17, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, PadTop: 0, PadLeft: 0, OH: 3, OW: 3}
			MaxPool(out[:], in[:], 1, &local)
			MaxPoolBackward(din[:], dout[:], in[:], out[:], 1, &local)
			AveragePool(out[:], in[:], 1, &local)
			AveragePoolBackward(din[:], dout[:], 1, &local)
			sink += out[5] + din[7]
		})
		if allocs != 0 {
			t.Errorf("%s: the pooling kernels on stack arrays allocate %v times per run", lvl, allocs)
		}
	})
}
