package asm

import "math"

// Dropout sets, for rows×cols values of in starting at row row0 of a batch, mask[i] = 0 with
// probability rate and 1/(1 − rate) otherwise, and out[i] = in[i]·mask[i]: Keras' inverted
// dropout while training. The draw of element j of batch row r depends only on key, r and j (a
// counter-based generator: SplitMix64 of key + r·cols + j), so the rows of a batch give the same
// mask whichever core computes them and in whatever order. out may be in.
func Dropout(out, in, mask []float32, rate float32, key uint64, row0, rows, cols int) {
	n := rows * cols
	checkLen("in", in, n)
	checkLen("out", out, n)
	checkLen("mask", mask, n)
	keep := 1 / (1 - rate)
	// An element is kept when its uniform draw u in [0, 1) is at least rate, as Keras'
	// random_uniform >= rate: with 24-bit draws, when u·2²⁴ >= rate·2²⁴.
	threshold := uint64(float64(rate) * (1 << 24))
	base := key + uint64(row0)*uint64(cols)
	keepBits := math.Float32bits(keep)
	mask, in, out = mask[:n], in[:n], out[:n]
	for i := range mask {
		// Without a branch, which a rate of 0.5 would mispredict half the time: u − threshold
		// is negative, its top bit set, exactly when u < threshold (both are below 2²⁴), and
		// then the mask's bits are cleared to 0.
		u := splitMix64(base+uint64(i)) >> 40
		dropped := uint32((u - threshold) >> 63)
		m := math.Float32frombits(keepBits &^ -dropped)
		mask[i] = m
		out[i] = in[i] * m
	}
}

// DropoutKey is the key of step step's dropout masks for a layer's seed: different steps and
// layers draw unrelated masks.
func DropoutKey(seed, step uint64) uint64 {
	return splitMix64(seed ^ splitMix64(step+0x632be59bd9b4e019))
}

// Mul sets dst[i] = a[i]·b[i] for every element of dst (a and b at least as long): the backward
// pass of a dropout through its mask.
func Mul(dst, a, b []float32) {
	checkLen("a", a, len(dst))
	checkLen("b", b, len(dst))
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// splitMix64 is Steele, Lea and Flood's SplitMix64 output function of x.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
