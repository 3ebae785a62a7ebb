// Package initializer fills weight arrays the way Keras' initializers do, from a seeded
// generator so that the same seed gives the same weights.
package initializer

import "math/rand/v2"

// New returns the generator that the initializers draw from, seeded with seed.
func New(seed uint64) *rand.Rand { panic("not implemented") }

// GlorotUniform fills w with U(-l, l), l = √(6/(fanIn+fanOut)).
func GlorotUniform(w []float32, fanIn, fanOut int, r *rand.Rand) { panic("not implemented") }

// GlorotNormal fills w from a normal distribution truncated at two standard deviations, scaled
// as Keras does so that the standard deviation is √(2/(fanIn+fanOut)).
func GlorotNormal(w []float32, fanIn, fanOut int, r *rand.Rand) { panic("not implemented") }

// HeUniform fills w with U(-l, l), l = √(6/fanIn).
func HeUniform(w []float32, fanIn, fanOut int, r *rand.Rand) { panic("not implemented") }

// HeNormal fills w from a truncated normal distribution with standard deviation √(2/fanIn).
func HeNormal(w []float32, fanIn, fanOut int, r *rand.Rand) { panic("not implemented") }
