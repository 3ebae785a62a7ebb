package dataset

import (
	"math"
	"math/bits"
	"slices"
)

// Sample splits s into the samples not drawn (rest) and a seeded random sample of ceil(N·fraction)
// samples (as scikit-learn's train_test_split sizes its test set, in float64), both in the order
// of s; it is test_split's split. Every subset of that size is equally likely, and the same seed
// gives the same split on every platform and Go release: the draws come from SplitMix64 (Steele,
// Lea and Flood, 2014) started at seed, written out here, mapped to a range by Lemire's
// multiply-and-reject method, and the samples are chosen by selection sampling (Knuth's
// Algorithm S), one draw per sample until the sample is complete. A fraction of 0 or less (or NaN) draws no sample, 1 or more
// draws all of them. rest and sample are copies, in new arrays (Classes too), not views of s.
func (s *Set) Sample(fraction float64, seed uint64) (rest, sample *Set) {
	k := 0
	switch {
	case fraction >= 1:
		k = s.N
	case fraction > 0:
		k = min(int(math.Ceil(float64(s.N)*fraction)), s.N)
	}
	rest, sample = s.emptyCopy(s.N-k), s.emptyCopy(k)
	rng := splitMix64(seed)
	need := k
	for i := range s.N {
		to := rest
		if need > 0 && rng.below(uint64(s.N-i)) < uint64(need) {
			to = sample
			need--
		}
		to.appendSample(s, i)
	}
	return rest, sample
}

// emptyCopy returns a Set with s's layout and room for n samples, holding none yet (N is n, so
// appendSample must fill all of them).
func (s *Set) emptyCopy(n int) *Set {
	f, t := s.Features, s.TargetSize
	out := &Set{N: n, Features: f, TargetSize: t, Classes: slices.Clone(s.Classes)}
	if s.F != nil {
		out.F = make([]float32, 0, n*f)
	} else {
		out.X = make([]uint8, 0, n*f)
	}
	switch {
	case s.Targets != nil:
		out.Targets = make([]float32, 0, n*t)
	case s.Labels != nil:
		out.Labels = make([]int32, 0, n)
	}
	return out
}

// appendSample appends sample i of s to out.
func (out *Set) appendSample(s *Set, i int) {
	f, t := s.Features, s.TargetSize
	if s.F != nil {
		out.F = append(out.F, s.F[i*f:i*f+f]...)
	} else {
		out.X = append(out.X, s.X[i*f:i*f+f]...)
	}
	switch {
	case s.Targets != nil:
		out.Targets = append(out.Targets, s.Targets[i*t:i*t+t]...)
	case s.Labels != nil:
		out.Labels = append(out.Labels, s.Labels[i])
	}
}

// splitMix64 is Steele, Lea and Flood's SplitMix64 generator (as in Java's SplittableRandom and
// Vigna's splitmix64.c): its state advances by the golden gamma, and each output is the state
// mixed by Stafford's variant 13.
type splitMix64 uint64

// next returns the next 64 random bits.
func (g *splitMix64) next() uint64 {
	*g += 0x9e3779b97f4a7c15
	z := uint64(*g)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// below returns a uniform integer in [0, n), n > 0, by Lemire's method (2019): the high word of
// a draw times n, drawing again in the rare case that would favour some values.
func (g *splitMix64) below(n uint64) uint64 {
	hi, lo := bits.Mul64(g.next(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(g.next(), n)
		}
	}
	return hi
}
