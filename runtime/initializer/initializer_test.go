package initializer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// n is the sample size of the statistical tests. With it the tolerances below are 5 or more
// standard errors of the statistic they bound, so a correct initializer fails about once in
// a million runs, while a wrong scale (even by 2%) or a wrong shape fails every time.
const n = 200_000

type stats struct {
	mean, std, min, max float64
	within              float64 // fraction of |w| < std of the target
}

func measure(w []float32, target float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	var sum, sq float64
	in := 0
	for _, v := range w {
		x := float64(v)
		sum += x
		sq += x * x
		s.min = math.Min(s.min, x)
		s.max = math.Max(s.max, x)
		if math.Abs(x) < target {
			in++
		}
	}
	s.mean = sum / float64(len(w))
	s.std = math.Sqrt(sq/float64(len(w)) - s.mean*s.mean)
	s.within = float64(in) / float64(len(w))
	return s
}

func TestUniform(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fill          func([]float32, int, int, *rand.Rand)
		fanIn, fanOut int
		limit         float64
	}{
		{"GlorotUniform", GlorotUniform, 784, 64, math.Sqrt(6.0 / (784 + 64))},
		{"GlorotUniform small", GlorotUniform, 3, 2, math.Sqrt(6.0 / 5)},
		{"HeUniform", HeUniform, 784, 64, math.Sqrt(6.0 / 784)},
		{"HeUniform zero fan", HeUniform, 0, 5, math.Sqrt(6.0)}, // Keras: fan at least 1
	} {
		w := make([]float32, n)
		tc.fill(w, tc.fanIn, tc.fanOut, New(7))
		std := tc.limit / math.Sqrt(3)
		s := measure(w, std)
		// The mean's standard error is std/√n; the std's relative one is √(0.8/n)/2 for a uniform.
		if math.Abs(s.mean) > 5*std/math.Sqrt(n) {
			t.Errorf("%s: mean %g, want 0 ± %g", tc.name, s.mean, 5*std/math.Sqrt(n))
		}
		if rel := math.Abs(s.std/std - 1); rel > 5*math.Sqrt(0.8/n)/2 {
			t.Errorf("%s: std %g, want %g (off by %.2f%%)", tc.name, s.std, std, 100*rel)
		}
		// Bounded by the limit (float32 rounding aside), and reaching it: with n draws the chance
		// that none falls within limit/1000 of an end is e^-100.
		lim32 := float64(float32(tc.limit))
		if s.min < -lim32 || s.max > lim32 {
			t.Errorf("%s: range [%g, %g] outside ±%g", tc.name, s.min, s.max, tc.limit)
		}
		if s.min > -tc.limit*0.999 || s.max < tc.limit*0.999 {
			t.Errorf("%s: range [%g, %g] does not reach ±%g", tc.name, s.min, s.max, tc.limit)
		}
		// Uniform shape: P(|w| < std) = 1/√3.
		if p := 1 / math.Sqrt(3); math.Abs(s.within-p) > 5*math.Sqrt(p*(1-p)/n) {
			t.Errorf("%s: P(|w| < std) = %.4f, want %.4f for a uniform", tc.name, s.within, p)
		}
	}
}

func TestTruncatedNormal(t *testing.T) {
	for _, tc := range []struct {
		name          string
		fill          func([]float32, int, int, *rand.Rand)
		fanIn, fanOut int
		std           float64 // Keras' target after truncation
	}{
		{"GlorotNormal", GlorotNormal, 784, 64, math.Sqrt(2.0 / (784 + 64))},
		{"GlorotNormal small", GlorotNormal, 1, 2, math.Sqrt(2.0 / 3)},
		{"HeNormal", HeNormal, 784, 64, math.Sqrt(2.0 / 784)},
		{"HeNormal zero fan", HeNormal, 0, 5, math.Sqrt(2.0)},
	} {
		w := make([]float32, n)
		tc.fill(w, tc.fanIn, tc.fanOut, New(11))
		raw := tc.std / truncatedStddev // the untruncated normal's std; the cut is at 2·raw
		s := measure(w, raw)
		if math.Abs(s.mean) > 5*tc.std/math.Sqrt(n) {
			t.Errorf("%s: mean %g, want 0 ± %g", tc.name, s.mean, 5*tc.std/math.Sqrt(n))
		}
		// Relative standard error of the std is below √(2/n)/2 (kurtosis under 3).
		if rel := math.Abs(s.std/tc.std - 1); rel > 5*math.Sqrt(2.0/n)/2 {
			t.Errorf("%s: std %g, want %g (off by %.2f%%)", tc.name, s.std, tc.std, 100*rel)
		}
		cut := float64(float32(2 * raw))
		if s.min < -cut || s.max > cut {
			t.Errorf("%s: range [%g, %g] outside the cut ±%g", tc.name, s.min, s.max, cut)
		}
		// The density at the cut is far from 0, so draws come within 1% of it.
		if s.min > -0.99*cut || s.max < 0.99*cut {
			t.Errorf("%s: range [%g, %g] does not reach the cut ±%g", tc.name, s.min, s.max, cut)
		}
		// Truncated-normal shape: P(|z| < 1 | |z| < 2) = 0.682689/0.954500.
		if p := 0.6826894921370859 / 0.9544997361036416; math.Abs(s.within-p) > 5*math.Sqrt(p*(1-p)/n) {
			t.Errorf("%s: P(|w| < raw std) = %.4f, want %.4f for a normal truncated at 2σ", tc.name, s.within, p)
		}
	}
}

func TestDeterministicBySeed(t *testing.T) {
	for _, fill := range []func([]float32, int, int, *rand.Rand){GlorotUniform, GlorotNormal, HeUniform, HeNormal} {
		a, b, c := make([]float32, 100), make([]float32, 100), make([]float32, 100)
		fill(a, 10, 10, New(42))
		fill(b, 10, 10, New(42))
		fill(c, 10, 10, New(43))
		same := 0
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("seed 42 gave %g then %g at %d", a[i], b[i], i)
			}
			if a[i] == c[i] {
				same++
			}
		}
		if same > 1 {
			t.Errorf("seeds 42 and 43 agree on %d of 100 values", same)
		}
	}
}

// TestGolden pins the first values for one seed: a change to the generator, its seeding or the
// formulas (in this package or in math/rand/v2) would change every trained model's weights, and
// must be a deliberate decision.
func TestGolden(t *testing.T) {
	w := make([]float32, 4)
	GlorotUniform(w, 784, 64, New(1))
	for i := range w {
		if w[i] != goldenUniform[i] {
			t.Errorf("GlorotUniform(seed 1)[%d] = %v, want %v", i, w[i], goldenUniform[i])
		}
	}
	GlorotNormal(w, 784, 64, New(1))
	for i := range w {
		if w[i] != goldenNormal[i] {
			t.Errorf("GlorotNormal(seed 1)[%d] = %v, want %v", i, w[i], goldenNormal[i])
		}
	}
}

var (
	goldenUniform = []float32{0.08403471, 0.02197244, -0.057915963, -0.033602063}
	goldenNormal  = []float32{-0.012331755, 0.091741405, -0.04643136, 0.073776476}
)
