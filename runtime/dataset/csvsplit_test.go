package dataset

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// numbered is a float set of n samples whose features (2 a sample) and targets or labels say
// which sample they are.
func numbered(n int, regression bool) *Set {
	s := &Set{F: make([]float32, 2*n), N: n, Features: 2, Classes: []string{"a", "b", "c"}}
	if regression {
		s.Targets, s.TargetSize, s.Classes = make([]float32, 3*n), 3, nil
	} else {
		s.Labels = make([]int32, n)
	}
	for i := range n {
		s.F[2*i], s.F[2*i+1] = float32(i), float32(-i)
		if regression {
			s.Targets[3*i], s.Targets[3*i+1], s.Targets[3*i+2] = float32(i), float32(2*i), float32(3*i)
		} else {
			s.Labels[i] = int32(i % 3)
		}
	}
	return s
}

// samples returns which samples of numbered a part holds, checking that they are whole.
func samples(t *testing.T, part *Set) []int {
	t.Helper()
	if len(part.F) != 2*part.N || part.Features != 2 {
		t.Fatalf("%d samples, %d features, %d values", part.N, part.Features, len(part.F))
	}
	ids := make([]int, part.N)
	for k := range part.N {
		i := int(part.F[2*k])
		ids[k] = i
		ok := part.F[2*k+1] == float32(-i)
		if part.Targets != nil {
			ok = ok && len(part.Targets) == 3*part.N && part.Targets[3*k+2] == float32(3*i)
		} else {
			ok = ok && len(part.Labels) == part.N && part.Labels[k] == int32(i%3)
		}
		if !ok {
			t.Fatalf("sample %d (%d) is not whole", k, i)
		}
	}
	return ids
}

func TestSample(t *testing.T) {
	for _, tc := range []struct {
		n        int
		fraction float64
		sample   int
	}{
		{150, 0.2, 30}, {10, 0.25, 3}, {10, 0.7, 7}, {3, 0.5, 2}, {1, 0.5, 1}, {7, 0.01, 1},
		{1000, 0.9, 900}, {0, 0.2, 0}, {10, 0, 0}, {10, -1, 0}, {10, math.NaN(), 0}, {10, 1, 10}, {10, 2, 10},
		// scikit-learn's ceil(test_size · n) in float64: 0.07 · 100 is 7.000000000000001.
		{100, 0.07, 8},
	} {
		for _, regression := range []bool{false, true} {
			s := numbered(tc.n, regression)
			rest, sample := s.Sample(tc.fraction, 42)
			if sample.N != tc.sample || rest.N != tc.n-tc.sample {
				t.Errorf("N=%d fraction %v: %d + %d, want %d + %d", tc.n, tc.fraction, rest.N, sample.N, tc.n-tc.sample, tc.sample)
				continue
			}
			// Disjoint, complete, both in file order.
			r, sm := samples(t, rest), samples(t, sample)
			if !slices.IsSorted(r) || !slices.IsSorted(sm) {
				t.Errorf("N=%d fraction %v: not in file order: %v %v", tc.n, tc.fraction, r, sm)
			}
			all := append(slices.Clone(r), sm...)
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("N=%d fraction %v: parts %v and %v are not a split of 0..%d", tc.n, tc.fraction, r, sm, tc.n-1)
				}
			}
			// The same seed gives the same split.
			rest2, sample2 := s.Sample(tc.fraction, 42)
			if !reflect.DeepEqual(rest, rest2) || !reflect.DeepEqual(sample, sample2) {
				t.Errorf("N=%d fraction %v: another split with the same seed", tc.n, tc.fraction)
			}
		}
	}
}

// The split of a seed is fixed forever: a change of generator, of its mapping to a range or of
// the selection would change which samples a test_split holds.
func TestSampleIsStable(t *testing.T) {
	g := splitMix64(0) // Vigna's splitmix64.c from 0
	for _, want := range []uint64{0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f} {
		if got := g.next(); got != want {
			t.Fatalf("splitmix64 gives %#x, want %#x", got, want)
		}
	}
	_, sample := numbered(20, false).Sample(0.25, 1)
	if got, want := samples(t, sample), []int{8, 12, 14, 15, 19}; !slices.Equal(got, want) {
		t.Errorf("seed 1 draws %v, want %v", got, want)
	}
}

// Other seeds give other samples, and every sample is drawn about as often.
func TestSampleIsUniform(t *testing.T) {
	const n, draws = 10, 20000
	var counts [n]int
	distinct := map[string]bool{}
	s := numbered(n, false)
	for seed := range uint64(draws) {
		_, sample := s.Sample(0.3, seed)
		ids := samples(t, sample)
		for _, i := range ids {
			counts[i]++
		}
		distinct[string(rune(ids[0]))+string(rune(ids[1]))+string(rune(ids[2]))] = true
	}
	for i, c := range counts {
		// Each sample is drawn with probability 0.3: 6000 ± 4.5 standard deviations (65).
		if c < 6000-300 || c > 6000+300 {
			t.Errorf("sample %d drawn %d times in %d, want about 6000", i, c, draws)
		}
	}
	if len(distinct) != 120 { // 10 choose 3
		t.Errorf("%d distinct samples of 3 of 10, want all 120", len(distinct))
	}
}

// Sample copies: the parts do not share memory with s, and byte sets and sets without labels
// split as well.
func TestSampleCopies(t *testing.T) {
	s := numbered(10, false)
	rest, sample := s.Sample(0.5, 7)
	rest.F[0], sample.F[0], rest.Labels[0], rest.Classes[0] = 99, 99, 99, "z"
	if s.F[0] != 0 || s.F[2*9] != 9 || !slices.Contains(s.F, 0) || s.Labels[0] != 0 || s.Classes[0] != "a" {
		t.Error("a part shares memory with the set")
	}
	for _, x := range s.F {
		if x == 99 {
			t.Fatal("a part shares memory with the set")
		}
	}

	bytesSet := synthetic(50, 3)
	rest, sample = bytesSet.Sample(0.2, 3)
	if rest.N != 40 || sample.N != 10 || len(rest.X) != 120 || len(sample.X) != 30 || len(sample.Labels) != 10 || rest.F != nil {
		t.Fatalf("byte set: %d + %d samples, %d and %d bytes", rest.N, sample.N, len(rest.X), len(sample.X))
	}
	prediction := &Set{F: []float32{1, 2, 3, 4}, N: 4, Features: 1}
	rest, sample = prediction.Sample(0.5, 3)
	if rest.N != 2 || sample.N != 2 || rest.Labels != nil || rest.Targets != nil || len(rest.F)+len(sample.F) != 4 {
		t.Fatalf("set without labels: %+v %+v", rest, sample)
	}
}
