package asm

import (
	"math"
	"testing"
)

// TestUpdatesFlushDenormals checks at every level that optimiser state decaying under zero
// gradients never becomes denormal (it is flushed to zero, or under MXCSR's flush-to-zero stops
// decaying while still normal), and that the caller's floating-point mode is restored afterwards:
// Go code after the kernel still produces denormals.
func TestUpdatesFlushDenormals(t *testing.T) {
	const n = 37 // a vector and a tail at every level
	forLevels(t, func(lvl string) {
		p, g := make([]float32, n), make([]float32, n)
		m, v, vel := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range m {
			m[i], v[i], vel[i] = 0x1p-125, 0x1p-120, 0x1p-125
		}
		for step := 0; step < 20; step++ {
			Adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-7)
			Momentum(p, g, vel, 1e-2, 0.5, false)
		}
		denormal := func(x float32) bool { return x != 0 && math.Abs(float64(x)) < 0x1p-126 }
		for i := range m {
			if denormal(m[i]) || denormal(v[i]) || denormal(vel[i]) {
				t.Fatalf("%s: element %d: m = %g, v = %g, vel = %g after 20 decaying steps: a denormal was kept", lvl, i, m[i], v[i], vel[i])
			}
			if v[i] == 0 || math.IsNaN(float64(p[i])) {
				t.Fatalf("%s: element %d: v = %g (still normal, want it kept), p = %g", lvl, i, v[i], p[i])
			}
		}
		tiny := float32(0x1p-126)
		half := tiny * float32(len(lvl)) / float32(2*len(lvl)) // computed at run time, not folded
		if half == 0 {
			t.Fatalf("%s: after the kernels Go arithmetic flushes denormals: MXCSR was not restored", lvl)
		}
	})
}

// TestAdamZeroSecondMoment checks, at every level, a parameter whose gradients have all been
// zero: v = 0, where 1/√v is infinite. The step must be 0, not NaN.
func TestAdamZeroSecondMoment(t *testing.T) {
	forLevels(t, func(lvl string) {
		const n = 37
		p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range p {
			p[i] = 1
		}
		Adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-7)
		for i := range p {
			if p[i] != 1 || m[i] != 0 || v[i] != 0 {
				t.Fatalf("%s: element %d: p = %v, m = %v, v = %v after a zero gradient from zero moments, want 1, 0, 0", lvl, i, p[i], m[i], v[i])
			}
		}
	})
}
