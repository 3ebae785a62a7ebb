package asm

// Scale sets x[i] *= s. It serves small passes, such as rescaling one half-batch's output deltas
// when a step is shared between two cores.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}
