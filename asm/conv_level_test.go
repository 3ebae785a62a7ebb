package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Col2Im at every level the machine supports against the pure-Go loop (the generic level), bit
// for bit: conv_test.go's sweep, then the channel counts of levelChannels across the MNIST
// convnet's convolutions and strided, dilated and padded ones, with special values (NaN payloads
// of both operands of a sum, signed zeros, infinities) now and then. Outputs are NaN-poisoned and
// fenced; dcols is fenced and must come back unchanged.

// levelConvGeometries are the geometries of the channel sweep for c channels.
func levelConvGeometries(c int) []ConvShape {
	var g []ConvShape
	add := func(s ConvShape, ok bool) {
		if ok {
			g = append(g, s)
		}
	}
	add(ConvShape{H: 28, W: 28, C: c, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 26, OW: 26}, c <= 9) // MNIST conv1 (C = 1)
	add(ConvShape{H: 13, W: 13, C: c, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, OH: 11, OW: 11}, true)   // MNIST conv2 (C = 32)
	add(ConvShape{H: 13, W: 13, C: c, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 13, OW: 13}, true)
	add(convTF(7, 8, c, 3, 3, 2, 2, 1, 1, true))
	add(convTF(9, 9, c, 3, 2, 1, 1, 2, 3, false)) // dilated
	add(convTF(8, 7, c, 2, 3, 1, 1, 2, 2, true))  // dilated, padded
	add(convTF(6, 5, c, 1, 1, 1, 1, 1, 1, false)) // 1×1: one run
	add(convTF(6, 6, c, 1, 2, 1, 2, 1, 1, false)) // 1×2 stride 2: one run
	add(convTF(5, 4, c, 3, 4, 1, 1, 1, 1, true))  // as wide as the image
	add(ConvShape{H: 5, W: 6, C: c, KH: 3, KW: 3, SH: 2, SW: 1, DH: 1, DW: 1, PadTop: 3, PadLeft: 4, OH: 5, OW: 7}, true)
	return g
}

func TestCol2ImLevels(t *testing.T) {
	if bestLevel() == levelGeneric {
		t.Skip("only the generic level here")
	}
	r := rand.New(rand.NewPCG(31, 32))
	run := func(s ConvShape, rows, kind int) {
		dcols, dcWhole, dcBefore := levelInput(r, rows*s.OH*s.OW*s.Patch(), kind)
		n := rows * s.H * s.W * s.C
		name := fmt.Sprintf("Col2Im %+v rows %d data %d", s, rows, kind)
		atLevels(t, func() []float32 {
			din, whole := convOutput(n)
			Col2Im(din, dcols, rows, &s)
			checkFence(t, name, whole, n)
			unchanged(t, name, "dcols", dcWhole, dcBefore)
			return din
		}, func(lvl string, got, want []float32) {
			levelMismatch(t, lvl+" "+name, got, want)
		})
	}
	i := 0
	convSweep(true, func(s ConvShape, rows int) {
		i++
		run(s, rows, []int{0, 2, 3}[i%3])
	})
	for _, c := range levelChannels {
		for j, s := range levelConvGeometries(c) {
			for _, kind := range []int{0, 2, 3} {
				run(s, 1+(j+kind)%2, kind)
			}
		}
	}
}

func TestCol2ImLevelNoAllocs(t *testing.T) {
	forLevels(t, func(lvl string) {
		allocs := testing.AllocsPerRun(100, func() {
			var din [2 * 6 * 5 * 9]float32
			var cols [2 * 6 * 5 * 81]float32
			cols[7] = 1
			local := ConvShape{H: 6, W: 5, C: 9, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 6, OW: 5}
			Col2Im(din[:], cols[:], 2, &local)
			sink += din[7]
		})
		if allocs != 0 {
			t.Errorf("%s: Col2Im on stack arrays allocates %v times per run", lvl, allocs)
		}
	})
}
