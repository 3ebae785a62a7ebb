// Package initializer fills weight arrays the way Keras' initializers do, from a seeded
// generator so that the same seed gives the same weights.
//
// The four initializers are Keras' VarianceScaling with its presets: a variance of scale/fan,
// where fan is max(1, fanIn) for He (scale 2) and max(1, (fanIn+fanOut)/2) for Glorot (scale 1).
// The uniform ones draw from U(-l, l) with l = √(3·scale/fan); the normal ones draw from a normal
// distribution truncated at two standard deviations (values beyond are drawn again), whose
// standard deviation is first divided by 0.87962566103423978, the standard deviation of a
// standard normal truncated at ±2, so that the result has variance scale/fan.
package initializer

import (
	"math"
	"math/rand/v2"
)

// seq is the PCG stream constant of the initializers' generator; the training loop's shuffling
// uses another, so that the same seed gives independent streams.
const seq = 0x6e6e67656e2d696e // "nngen-in"

// truncatedStddev is the standard deviation of a standard normal truncated at ±2 (Keras'
// constant).
const truncatedStddev = 0.87962566103423978

// New returns the generator that the initializers draw from, seeded with seed.
func New(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seq)) }

// GlorotUniform fills w with U(-l, l), l = √(6/(fanIn+fanOut)).
func GlorotUniform(w []float32, fanIn, fanOut int, r *rand.Rand) {
	uniform(w, 1/fanAvg(fanIn, fanOut), r)
}

// GlorotNormal fills w from a normal distribution truncated at two standard deviations, scaled
// as Keras does so that the standard deviation is √(2/(fanIn+fanOut)).
func GlorotNormal(w []float32, fanIn, fanOut int, r *rand.Rand) {
	truncatedNormal(w, 1/fanAvg(fanIn, fanOut), r)
}

// HeUniform fills w with U(-l, l), l = √(6/fanIn).
func HeUniform(w []float32, fanIn, fanOut int, r *rand.Rand) {
	uniform(w, 2/math.Max(1, float64(fanIn)), r)
}

// HeNormal fills w from a truncated normal distribution with standard deviation √(2/fanIn).
func HeNormal(w []float32, fanIn, fanOut int, r *rand.Rand) {
	truncatedNormal(w, 2/math.Max(1, float64(fanIn)), r)
}

// fanAvg is Keras' fan_avg, at least 1 as Keras makes it.
func fanAvg(fanIn, fanOut int) float64 {
	return math.Max(1, (float64(fanIn)+float64(fanOut))/2)
}

// uniform fills w from U(-l, l) with l = √(3·variance).
func uniform(w []float32, variance float64, r *rand.Rand) {
	limit := math.Sqrt(3 * variance)
	for i := range w {
		w[i] = float32((2*r.Float64() - 1) * limit)
	}
}

// truncatedNormal fills w from a normal distribution truncated at two standard deviations whose
// variance after truncation is variance.
func truncatedNormal(w []float32, variance float64, r *rand.Rand) {
	stddev := math.Sqrt(variance) / truncatedStddev
	for i := range w {
		z := r.NormFloat64()
		for z < -2 || z > 2 {
			z = r.NormFloat64()
		}
		w[i] = float32(z * stddev)
	}
}
