package asm

import (
	"math"
	"testing"
)

// TestDropout checks the mask's values and rate, that the same rows give the same mask whichever
// call draws them, that other keys draw other masks, and Mul through the mask.
func TestDropout(t *testing.T) {
	const rows, cols = 64, 37
	in := make([]float32, rows*cols)
	for i := range in {
		in[i] = float32(i%11) - 5
	}
	for _, rate := range []float32{0, 0.2, 0.5, 0.9} {
		out, mask := nanSlice(rows*cols+1), nanSlice(rows*cols+1)
		out[rows*cols], mask[rows*cols] = 42, 42
		Dropout(out, in, mask, rate, DropoutKey(7, 3), 0, rows, cols)
		if out[rows*cols] != 42 || mask[rows*cols] != 42 {
			t.Fatal("Dropout wrote past the rows")
		}
		dropped := 0
		for i, m := range mask[:rows*cols] {
			switch m {
			case 0:
				dropped++
			case 1 / (1 - rate):
			default:
				t.Fatalf("rate %v: mask %v", rate, m)
			}
			if out[i] != in[i]*m {
				t.Fatalf("rate %v: out %v, want %v·%v", rate, out[i], in[i], m)
			}
		}
		// The dropped fraction of 2368 draws is within 4 standard deviations of the rate.
		n := float64(rows * cols)
		if sd := math.Sqrt(float64(rate) * (1 - float64(rate)) / n); math.Abs(float64(dropped)/n-float64(rate)) > 4*sd+1e-12 {
			t.Errorf("rate %v: dropped %d of %v", rate, dropped, n)
		}
		// Rows 10 to 20 drawn on their own give the same mask as in the whole batch.
		part, pmask := make([]float32, 10*cols), make([]float32, 10*cols)
		Dropout(part, in[10*cols:20*cols], pmask, rate, DropoutKey(7, 3), 10, 10, cols)
		for i := range pmask {
			if pmask[i] != mask[10*cols+i] {
				t.Fatalf("rate %v: rows 10 to 20 drawn alone differ at %d", rate, i)
			}
		}
	}
	a, b := make([]float32, 1000), make([]float32, 1000)
	ones := make([]float32, 1000)
	for i := range ones {
		ones[i] = 1
	}
	Dropout(make([]float32, 1000), ones, a, 0.5, DropoutKey(7, 3), 0, 10, 100)
	Dropout(make([]float32, 1000), ones, b, 0.5, DropoutKey(7, 4), 0, 10, 100)
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	if same > 600 || same < 400 {
		t.Errorf("steps 3 and 4 agree on %d of 1000 elements; want about 500", same)
	}
	d := []float32{1, 2, 3}
	Mul(d, []float32{2, 2, 2}, []float32{0, 1.25, 2})
	if d[0] != 0 || d[1] != 2.5 || d[2] != 4 {
		t.Errorf("Mul: %v", d)
	}
}

// TestL1L2 checks the penalty and its gradient against float64 sums and a finite difference.
func TestL1L2(t *testing.T) {
	w := []float32{0.5, -2, 0, 3, -0.25}
	grad := []float32{1, 1, 1, 1, 1}
	const l1, l2 = 0.01, 0.001
	got := L1L2(grad, w, l1, l2)
	want := 0.0
	for i, v := range w {
		x := float64(v)
		want += l1*math.Abs(x) + l2*x*x
		s := 0.0
		if x > 0 {
			s = 1
		} else if x < 0 {
			s = -1
		}
		if g := 1 + float32(l1*s) + 2*l2*v; math.Abs(float64(grad[i]-g)) > 1e-7 {
			t.Errorf("grad[%d] = %v, want %v", i, grad[i], g)
		}
	}
	if math.Abs(got-want) > 1e-9 || math.Abs(Penalty(w, l1, l2)-want) > 1e-9 {
		t.Errorf("penalty %v and %v, want %v", got, Penalty(w, l1, l2), want)
	}
}

// nanSlice returns n NaNs.
func nanSlice(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.NaN())
	}
	return v
}
