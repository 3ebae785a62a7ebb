package asm

import (
	"math"
	"testing"
)

// TestTranspose checks Transpose against the definition on many shapes, with NaN-poisoned
// outputs and guard values after both operands.
func TestTranspose(t *testing.T) {
	const guard = 12345.5
	for rows := 0; rows <= 40; rows++ {
		for _, cols := range []int{0, 1, 2, 7, 15, 16, 17, 33, 64, 65} {
			src := make([]float32, rows*cols+4)
			for i := range src {
				src[i] = float32(i) + 0.25
			}
			for i := rows * cols; i < len(src); i++ {
				src[i] = guard
			}
			dst := make([]float32, rows*cols+4)
			for i := range dst {
				dst[i] = float32(math.NaN())
			}
			for i := rows * cols; i < len(dst); i++ {
				dst[i] = guard
			}
			Transpose(dst[:rows*cols], src[:rows*cols], rows, cols)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					if got, want := dst[j*rows+i], src[i*cols+j]; got != want {
						t.Fatalf("%d×%d: dst[%d][%d] = %v, want %v", rows, cols, j, i, got, want)
					}
				}
			}
			for i := rows * cols; i < len(dst); i++ {
				if dst[i] != guard || src[i] != guard {
					t.Fatalf("%d×%d: guard %d changed", rows, cols, i)
				}
			}
		}
	}
	src, dst := make([]float32, 288*64), make([]float32, 288*64)
	if a := testing.AllocsPerRun(10, func() { Transpose(dst, src, 288, 64) }); a != 0 {
		t.Errorf("Transpose allocates %v times per call", a)
	}
}

// TestTransposePanics checks that short operands are a caller's bug, reported as such.
func TestTransposePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Transpose of a short dst did not panic")
		}
	}()
	Transpose(make([]float32, 5), make([]float32, 6), 2, 3)
}
