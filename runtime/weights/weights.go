// Package weights reads and writes nngen's weights file: a versioned little-endian binary with a
// fingerprint of the network's shapes, the name and shape of every tensor, float32 data and a
// CRC-32, written atomically. Loading never changes a tensor unless the whole file is valid.
//
// The format, all integers little-endian:
//
//	magic        8 bytes  "NNGENW\x00\x01"
//	version      uint32   1
//	fingerprint  uint64   the network's fingerprint, chosen by the code generator
//	count        uint32   number of tensors
//	count times:
//	  name length  uint16   1..MaxNameLen
//	  name         bytes    UTF-8
//	  rank         uint8    0..MaxRank
//	  dims         rank × uint32, each at least 1
//	  data         product(dims) × float32 (IEEE 754 bits)
//	crc          uint32   CRC-32 (IEEE) of every byte before it
package weights

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Tensor is one named parameter array of a model, with its shape (the product of Shape is
// len(Data)).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Magic is the first 8 bytes of every weights file.
const Magic = "NNGENW\x00\x01"

// Version is the format version that this package writes and reads.
const Version = 1

// MaxNameLen and MaxRank bound a tensor's name (in bytes) and its number of dimensions.
const (
	MaxNameLen = 255
	MaxRank    = 8
)

// headerSize is the size of magic, version, fingerprint and count.
const headerSize = 8 + 4 + 8 + 4

// checkModel returns an error when the caller's tensors cannot be written or loaded: a name that
// is empty, too long or not UTF-8, a rank above MaxRank, a dimension below 1, or data whose
// length is not the product of the shape. It also returns the encoded size of the file.
func checkModel(tensors []Tensor) (size int64, err error) {
	if uint64(len(tensors)) > 1<<32-1 {
		return 0, fmt.Errorf("%d tensors, at most %d fit the format", len(tensors), uint32(1<<32-1))
	}
	size = headerSize + 4
	for i, t := range tensors {
		if t.Name == "" || len(t.Name) > MaxNameLen || !utf8.ValidString(t.Name) {
			return 0, fmt.Errorf("model tensor %d: name %q must be 1 to %d bytes of UTF-8", i, t.Name, MaxNameLen)
		}
		if len(t.Shape) > MaxRank {
			return 0, fmt.Errorf("model tensor %d (%s): rank %d, at most %d", i, t.Name, len(t.Shape), MaxRank)
		}
		n := int64(1)
		for _, d := range t.Shape {
			if d < 1 || uint64(d) > 1<<32-1 {
				return 0, fmt.Errorf("model tensor %d (%s): shape %v: every dimension must be 1 to %d", i, t.Name, t.Shape, uint32(1<<32-1))
			}
			if n > (1<<62)/int64(d) {
				return 0, fmt.Errorf("model tensor %d (%s): shape %v is too large", i, t.Name, t.Shape)
			}
			n *= int64(d)
		}
		if n != int64(len(t.Data)) {
			return 0, fmt.Errorf("model tensor %d (%s): shape %v needs %d values, Data has %d", i, t.Name, t.Shape, n, len(t.Data))
		}
		size += 2 + int64(len(t.Name)) + 1 + 4*int64(len(t.Shape)) + 4*n
	}
	return size, nil
}

// describe formats a tensor as "name [d0 d1]" for errors, quoting a name that a terminal would
// not show as it is (a crafted file may hold any bytes there).
func describe(name string, shape []int) string {
	return fmt.Sprintf("%s %v", showName(name), shape)
}

// showName returns name as it is when it is plain printable text, quoted otherwise.
func showName(name string) string {
	if name == "" {
		return `""`
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return strconv.Quote(name)
		}
	}
	return name
}
