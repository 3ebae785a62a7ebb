package dataset

import (
	"bytes"
	"encoding/binary"
	"github.com/nngen/nngen/runtime/internal/deflatetest"
	"hash/crc32"
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

// gzipChurn is data (at most 64 KiB) as a valid gzip file whose deflate stream holds n empty
// dynamic blocks before a stored block of the data.
func gzipChurn(n int, data []byte) []byte {
	var w deflatetest.Writer
	deflatetest.EmptyBlocks(&w, n)
	w.Bits(1, 1) // final
	w.Bits(0, 2) // stored
	w.Align()
	w.B = binary.LittleEndian.AppendUint16(w.B, uint16(len(data)))
	w.B = binary.LittleEndian.AppendUint16(w.B, ^uint16(len(data)))
	w.B = append(w.B, data...)
	file := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, w.B...)
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
