package weights

// Scalar is one number of a trainer's state that is not a tensor (an update count, a learning
// rate, a dropout seed), kept as its 64 bits (an integer's, or a float64's math.Float64bits) so
// that a checkpoint restores it exactly. Generated Trainers list theirs in StateScalars.
type Scalar struct {
	Name string
	Bits uint64
}
