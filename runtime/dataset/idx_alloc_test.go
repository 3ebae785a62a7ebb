package dataset

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// Bounds on what ReadIDX allocates (runtime.MemStats.TotalAlloc, garbage included) for a file of
// n bytes: idxAllocBase plus idxRawAllocPerByte×n for a raw file, idxGzipAllocPerByte×n for a
// gzip one.
//
// A raw file's data is allocated once, at its size, beside a 64 KiB bufio.Reader. A gzip file may
// hold up to maxDeflateRatio (1032) bytes of data per byte; when its trailer does not back the
// header's claim the data grows by doubling, to a capacity of at most twice the data, and the
// steps add up to twice that: 4 times maxDeflateRatio. A forged trailer reserves at most
// maxDeflateRatio times the file (see ReadIDX). Go's inflater also allocates new Huffman tables,
// up to 42 KiB, for each deflate block, and an empty block takes 50 bytes: 870 bytes per byte that
// inflate to nothing, within the same multiple. The base covers the gzip reader's 32 KiB window
// and tables, the bufio.Reader and the first 1 MiB step of a growing read.
// Measured (TestReadIDXAllocationBound): 1.0× a raw file, 1030× a gzip file of zeros, 3900× one cut
// short just past a doubling, 1000× a forged trailer, 820× empty deflate blocks.
const (
	idxAllocBase        = 2 << 20
	idxRawAllocPerByte  = 2
	idxGzipAllocPerByte = 4 * maxDeflateRatio
)

// idxAllocBound is the most ReadIDX may allocate to read file.
func idxAllocBound(file []byte) uint64 {
	if len(file) >= 2 && file[0] == 0x1f && file[1] == 0x8b {
		return idxAllocBase + idxGzipAllocPerByte*uint64(len(file))
	}
	return idxAllocBase + idxRawAllocPerByte*uint64(len(file))
}

// readIDXAllocs runs ReadIDX on path and returns the bytes allocated meanwhile and its error.
func readIDXAllocs(path string) (uint64, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadIDX(path)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

// deflateBits writes a deflate stream: values least significant bit first, Huffman codes most
// significant bit first.
type deflateBits struct {
	b   []byte
	acc uint64
	n   uint
}

func (w *deflateBits) bits(v uint64, n uint) {
	w.acc |= v << w.n
	for w.n += n; w.n >= 8; w.n -= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
	}
}

func (w *deflateBits) code(c uint64, n uint) { w.bits(bits.Reverse64(c)>>(64-n), n) }

// canonicalCodes is the canonical Huffman code of every symbol of a code of these lengths.
func canonicalCodes(lengths []int) []uint64 {
	var count, next [16]uint64
	for _, l := range lengths {
		if l > 0 {
			count[l]++
		}
	}
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

// costlyCode is the lengths of a complete Huffman code of n symbols with long of its 9-bit
// prefixes extended to 10 bits or more and one to 15, for which Go's inflater allocates a link
// table of 2^(15-9) entries per long prefix.
func costlyCode(n, long int) []int {
	var lengths []int
	for rest, b := 512-long, 8; b >= 0; b-- {
		if rest&(1<<b) != 0 {
			lengths = append(lengths, 9-b)
		}
	}
	for range long - 1 {
		lengths = append(lengths, 10, 10)
	}
	lengths = append(lengths, 10, 11, 12, 13, 14, 15, 15)
	return append(lengths, make([]int, n-len(lengths))...)
}

// emptyDeflateBlocks writes n non-final dynamic blocks that hold nothing but their end, each
// making Go's inflater allocate 42 KiB of tables, in 50 bytes.
func emptyDeflateBlocks(w *deflateBits, n int) {
	lit, dist := costlyCode(286, 137), costlyCode(30, 8)
	lit[256], lit[0] = lit[0], lit[256] // the end of block must have a code
	clen := make([]int, 19)
	for s := range 16 {
		clen[s] = 5
	}
	clen[16] = 1 // repeat the last length 3 to 6 times
	ccode, litCode := canonicalCodes(clen), canonicalCodes(lit)
	lengths := func(ls []int) {
		for i := 0; i < len(ls); {
			w.code(ccode[ls[i]], uint(clen[ls[i]]))
			run := 1
			for run < len(ls)-i && ls[i+run] == ls[i] {
				run++
			}
			i++
			for run--; run >= 3; {
				r := min(run, 6)
				w.code(ccode[16], 1)
				w.bits(uint64(r-3), 2)
				i, run = i+r, run-r
			}
		}
	}
	for range n {
		w.bits(0, 1) // not final
		w.bits(2, 2) // dynamic
		w.bits(286-257, 5)
		w.bits(30-1, 5)
		w.bits(19-4, 4)
		for _, s := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15} {
			w.bits(uint64(clen[s]), 3)
		}
		lengths(lit)
		lengths(dist)
		w.code(litCode[256], uint(lit[256]))
	}
}

// gzipChurn is data (at most 64 KiB) as a valid gzip file whose deflate stream holds n empty
// dynamic blocks before a stored block of the data.
func gzipChurn(n int, data []byte) []byte {
	var w deflateBits
	emptyDeflateBlocks(&w, n)
	w.bits(1, 1) // final
	w.bits(0, 2) // stored
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(len(data)))
	w.b = binary.LittleEndian.AppendUint16(w.b, ^uint16(len(data)))
	w.b = append(w.b, data...)
	file := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, w.b...)
	file = binary.LittleEndian.AppendUint32(file, crc32.ChecksumIEEE(data))
	return binary.LittleEndian.AppendUint32(file, uint32(len(data)))
}

// TestReadIDXAllocationBound checks idxAllocBound, and the error, on files that allocate the
// most per byte: data that inflates at deflate's best ratio, headers that claim what the file
// does not hold, a forged gzip trailer, deflate blocks that inflate to nothing, many gzip members.
func TestReadIDXAllocationBound(t *testing.T) {
	zeros := idxBytes([]uint32{1 << 8, 1 << 16}, make([]byte, 1<<24)) // 16 MiB
	zerosGz := gz(zeros)
	// 4000 random bytes under a header that claims 4 MB, which the file's size at deflate's best
	// ratio could hold, and a trailer that claims it too: ReadIDX reserves it all at once.
	noise := make([]byte, 4000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	forged := gz(idxBytes([]uint32{1000, 4096}, noise))
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 4+8+1000*4096)
	lying := idxBytes([]uint32{1 << 15, 1 << 15}, seq(1000))
	members := bytes.Repeat(gz(nil), 20000) // empty gzip members, each a new start for the reader
	small := idxBytes([]uint32{10, 10}, seq(100))
	for _, tc := range []struct {
		name string
		file []byte
		want string // the start of the error, "" for none
	}{
		{"raw", idxBytes([]uint32{1 << 10, 1 << 10}, seq(1<<20)), ""},
		{"raw lying header", lying, "truncated"},
		{"gzip lying header", gz(lying), "truncated"},
		{"gzip zeros", zerosGz, ""},
		// Cut where the data has just passed 8 MiB: the last doubling is to 16 MiB.
		{"gzip zeros truncated", zerosGz[:len(zerosGz)*51/100], "truncated"},
		{"gzip forged trailer", forged, "corrupt gzip data"},
		{"gzip empty blocks", gzipChurn(4000, small), ""},
		{"gzip members", append(members, gz(small)...), ""},
		{"gzip trailing zeros", append(gz(small), make([]byte, 1<<20)...), "trailing data"},
	} {
		alloc, err := readIDXAllocs(write(t, "f", tc.file))
		most := idxAllocBound(tc.file)
		t.Logf("%-22s %9d bytes, %11d allocated (%.1f×): %v", tc.name, len(tc.file), alloc, float64(alloc)/float64(len(tc.file)), err)
		if alloc > most {
			t.Errorf("%s: allocated %d bytes for a %d-byte file (at most %d)", tc.name, alloc, len(tc.file), most)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), ": "+tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// The crafted deflate stream is what it claims: it inflates to its data, through gzip.
func TestGzipChurnInflates(t *testing.T) {
	small := idxBytes([]uint32{10, 10}, seq(100))
	_, data, err := ReadIDX(write(t, "f.gz", gzipChurn(3, small)))
	if err != nil || !bytes.Equal(data, seq(100)) {
		t.Fatalf("%v, %d bytes", err, len(data))
	}
}
