package weights

import (
	"encoding/binary"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Bounds on what Decode allocates (runtime.MemStats.TotalAlloc, garbage included) for a file of
// n bytes: decodeAllocBase + decodeAllocPerByte×n.
//
// Decode copies the values into the caller's tensors and allocates only for the class names: a
// name takes at least 3 bytes (its length and one byte) and costs a string header in the list
// (16 bytes), its text, and an entry of the map that finds duplicates (about 30 bytes), some
// 20 bytes per byte of the file. Tensor names are made strings only for the tensors compared with
// the model, and errors are a few hundred bytes: the base.
// Measured (TestDecodeAllocationBound): 14 times the file for 65536 class names, 20 times for a
// class section cut short.
const (
	decodeAllocBase    = 64 << 10
	decodeAllocPerByte = 64
)

// decodeAllocBound is the most Decode may allocate for a file of n bytes.
func decodeAllocBound(n int) uint64 {
	return decodeAllocBase + decodeAllocPerByte*uint64(n)
}

// decodeAllocs runs Decode on data for the tensors ts and returns the bytes it allocated and its
// error.
func decodeAllocs(data []byte, ts []Tensor) (uint64, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Decode("f", data, fp, ts, -1)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

// TestDecodeAllocationBound checks decodeAllocBound, and the error, on the files that allocate
// the most per byte: the most class names the format holds, the shortest, cut short, damaged,
// with a duplicate at the end, and many tensors; and on every prefix of a file with class names.
func TestDecodeAllocationBound(t *testing.T) {
	many := make([]string, MaxClasses) // "0" to "1ekf": 1 to 4 bytes each
	for i := range many {
		many[i] = strconv.FormatInt(int64(i), 36)
	}
	valid := craft2(u32(MaxClasses), names(many...))
	damaged := append([]byte{}, valid...)
	damaged[len(damaged)/2] ^= 1
	var tensors []byte // rank 0: 8 bytes each, the fewest a tensor takes
	for range 100000 {
		tensors = append(tensors, 1, 0, 'w', 0)
		tensors = binary.LittleEndian.AppendUint32(tensors, 0)
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string // in the error; "" for none
	}{
		{"most classes", valid, ""},
		{"damaged", damaged, "checksum mismatch"},
		{"duplicate last", craft2(u32(MaxClasses), names(append(many[:MaxClasses-1:MaxClasses-1], "0")...)), "are both 0"},
		{"cut short", craft2(u32(MaxClasses), names(many[:1000]...)), "runs past the end"},
		{"count too large", craft2(u32(1<<32-1), names(many[:1000]...)), "class names (at most"},
		{"many tensors", craft(100000, tensors), "the file has 100000 tensors"},
		{"tensors past the end", craft(1<<32-1, tensors), "runs past the end"},
	} {
		for _, ts := range [][]Tensor{nil, sentinel()} {
			alloc, err := decodeAllocs(tc.file, ts)
			t.Logf("%-20s %d model tensors: %7d bytes, %8d allocated (%.1f×): %.60v", tc.name, len(ts), len(tc.file), alloc, float64(alloc)/float64(len(tc.file)), err)
			if most := decodeAllocBound(len(tc.file)); alloc > most {
				t.Errorf("%s: allocated %d bytes for a %d-byte file (at most %d)", tc.name, alloc, len(tc.file), most)
			}
			if tc.want == "" && err != nil && ts == nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("%s, %d model tensors: error %v, want %q", tc.name, len(ts), err, tc.want)
			}
		}
	}
	file := craft2(u32(300), names(many[:300]...))
	for n := range len(file) {
		if alloc, err := decodeAllocs(file[:n], sentinel()); err == nil || alloc > decodeAllocBound(n) {
			t.Fatalf("%d of %d bytes: %v, allocated %d (at most %d)", n, len(file), err, alloc, decodeAllocBound(n))
		}
	}
}
