package fit

import (
	"math/bits"
	"math/rand/v2"
)

// shuffleSeq is the PCG stream constant of the shuffling; the initializers use another, so that
// one seed gives independent streams.
const shuffleSeq = 0x6e6e67656e2d7368 // "nngen-sh"

// pcg is the shuffling's generator. The permutation is computed here from the generator's raw
// 64-bit output, so that a seed gives the same order whatever math/rand/v2's helpers do in later
// Go releases (the PCG output itself is specified).
type pcg struct{ src rand.PCG }

func newPCG(seed uint64) pcg {
	return pcg{src: *rand.NewPCG(seed, shuffleSeq)}
}

// shuffle permutes idx uniformly (Fisher–Yates); it allocates nothing.
func (p *pcg) shuffle(idx []int32) {
	for i := len(idx) - 1; i > 0; i-- {
		j := p.below(uint64(i) + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
}

// below returns a uniform integer in [0, n), n > 0, by Lemire's multiply-and-reject method.
func (p *pcg) below(n uint64) uint64 {
	hi, lo := bits.Mul64(p.src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(p.src.Uint64(), n)
		}
	}
	return hi
}
