// Package deflatetest crafts deflate streams for the tests of the readers of compressed input
// (gzipped IDX files, PNG images): blocks that cost Go's inflater the most to decode.
package deflatetest

import "math/bits"

// Writer writes a deflate stream: values least significant bit first, Huffman codes most
// significant bit first.
type Writer struct {
	B   []byte // the stream so far
	acc uint64
	n   uint
}

func (w *Writer) Bits(v uint64, n uint) {
	w.acc |= v << w.n
	for w.n += n; w.n >= 8; w.n -= 8 {
		w.B = append(w.B, byte(w.acc))
		w.acc >>= 8
	}
}

func (w *Writer) Code(c uint64, n uint) { w.Bits(bits.Reverse64(c)>>(64-n), n) }

// align pads to a byte boundary with zero bits.
func (w *Writer) Align() {
	if w.n > 0 {
		w.Bits(0, 8-w.n)
	}
}

// Canonical is the canonical Huffman code of every symbol of a code of these lengths (0 for an
// unused symbol), as deflate assigns them.
func Canonical(lengths []int) []uint64 {
	var count, next [16]uint64
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	for l := 1; l < 16; l++ {
		next[l] = (next[l-1] + count[l-1]) << 1
	}
	codes := make([]uint64, len(lengths))
	for s, l := range lengths {
		if l > 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}

// deepCode is the lengths of a complete Huffman code of n symbols, as many of them as fit with
// 10 bits or more and the longest 15, for Go's inflater to build the most link tables for: the
// 9-bit prefixes beyond link get a table of 2^(15-9) entries each.
func deepCode(n, long int) []int {
	var lengths []int
	for rest, b := 512-long, 8; b >= 0; b-- {
		if rest&(1<<b) != 0 {
			lengths = append(lengths, 9-b) // the short codes fill the prefixes before link
		}
	}
	for range long - 1 {
		lengths = append(lengths, 10, 10)
	}
	lengths = append(lengths, 10, 11, 12, 13, 14, 15, 15) // the one prefix that reaches 15 bits
	return append(lengths, make([]int, n-len(lengths))...)
}

// EmptyBlocks writes n non-final dynamic deflate blocks that hold nothing but their end: each
// makes Go's inflater build (and allocate) Huffman tables with 137 + 8 link tables of 64
// entries, in 50 bytes. Code-length symbol 16 (repeat the last length) gets a 1-bit code, 0 to
// 15 5 bits each.
func EmptyBlocks(w *Writer, n int) {
	lit, dist := deepCode(286, 137), deepCode(30, 8)
	lit[256], lit[0] = lit[0], lit[256] // the end of block must have a code: give it the 1-bit one
	clen := make([]int, 19)
	for s := range 16 {
		clen[s] = 5
	}
	clen[16] = 1
	ccode, litCode := Canonical(clen), Canonical(lit)
	order := []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
	lengths := func(ls []int) {
		for i := 0; i < len(ls); {
			w.Code(ccode[ls[i]], uint(clen[ls[i]]))
			run := 1
			for run < len(ls)-i && ls[i+run] == ls[i] {
				run++
			}
			i++
			// Symbol 16 and 2 bits: 3 to 6 more of the same; fewer are written out.
			for run--; run >= 3; {
				r := min(run, 6)
				w.Code(ccode[16], 1)
				w.Bits(uint64(r-3), 2)
				i, run = i+r, run-r
			}
		}
	}
	for range n {
		w.Bits(0, 1)            // not the final block
		w.Bits(2, 2)            // dynamic Huffman codes
		w.Bits(286-257, 5)      // HLIT
		w.Bits(30-1, 5)         // HDIST
		w.Bits(uint64(19-4), 4) // HCLEN
		for _, s := range order {
			w.Bits(uint64(clen[s]), 3)
		}
		lengths(lit)
		lengths(dist)
		w.Code(litCode[256], uint(lit[256]))
	}
}
