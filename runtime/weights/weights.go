// Package weights reads and writes nngen's weights file: a versioned little-endian binary with a
// fingerprint of the network's shapes, the name and shape of every tensor, float32 data, the
// names of a classifier's classes and a CRC-32, written atomically. Loading never changes a
// tensor unless the whole file is valid.
//
// The format, version 2, all integers little-endian:
//
//	magic        8 bytes  "NNGENW\x00\x01"
//	version      uint32   2
//	fingerprint  uint64   the network's fingerprint, chosen by the code generator
//	count        uint32   number of tensors
//	count times:
//	  name length  uint16   1..MaxNameLen
//	  name         bytes    UTF-8
//	  rank         uint8    0..MaxRank
//	  dims         rank × uint32, each at least 1
//	  data         product(dims) × float32 (IEEE 754 bits)
//	classes      uint32   number of class names, 0..MaxClasses (0: the classes have no names)
//	classes times, in the order of the class indices:
//	  name length  uint16   1..MaxClassNameLen
//	  name         bytes    UTF-8 without control characters; no two names are the same
//	crc          uint32   CRC-32 (IEEE) of every byte before it
//
// Version 1 is version 2 without the class section: the version field holds 1, and the crc
// follows the data of the last tensor. Save and Write write version 2; Load and Decode read
// both, and give no class names for a version 1 file.
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

// Version is the format version that this package writes; it reads this one and version 1.
const Version = 2

// oldestVersion is the oldest format version that this package reads.
const oldestVersion = 1

// MaxNameLen and MaxRank bound a tensor's name (in bytes) and its number of dimensions.
const (
	MaxNameLen = 255
	MaxRank    = 8
)

// MaxClasses and MaxClassNameLen bound the number of class names and the length of each (in
// bytes).
const (
	MaxClasses      = 65536
	MaxClassNameLen = 1024
)

// headerSize is the size of magic, version, fingerprint and count.
const headerSize = 8 + 4 + 8 + 4

// maxClassSection is the size of the largest class section: its count and MaxClasses names of
// MaxClassNameLen bytes.
const maxClassSection = 4 + MaxClasses*(2+MaxClassNameLen)

// checkModel returns an error when the caller's tensors cannot be written or loaded: a name that
// is empty, too long or not UTF-8, a rank above MaxRank, a dimension below 1, or data whose
// length is not the product of the shape. It also returns the encoded size of the file in the
// current version without class names.
func checkModel(tensors []Tensor) (size int64, err error) {
	if uint64(len(tensors)) > 1<<32-1 {
		return 0, fmt.Errorf("%d tensors, at most %d fit the format", len(tensors), uint32(1<<32-1))
	}
	size = headerSize + 4 + 4
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

// checkClasses returns an error when the class names cannot be written: more than MaxClasses of
// them, or a name that classNameError refuses, or two names that are the same.
func checkClasses(classes []string) error {
	if len(classes) > MaxClasses {
		return fmt.Errorf("%d class names, at most %d", len(classes), MaxClasses)
	}
	seen := make(map[string]int, len(classes))
	for i, c := range classes {
		if err := classNameError(i, c); err != nil {
			return err
		}
		if j, ok := seen[c]; ok {
			return duplicateClass(j, i, c)
		}
		seen[c] = i
	}
	return nil
}

// classNameError returns an error when class name i is empty, longer than MaxClassNameLen bytes,
// not UTF-8 or holds a control character (Unicode category Cc, such as a tab, a newline or an
// escape); nil when it is fine.
func classNameError(i int, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("class name %d is empty", i)
	case len(name) > MaxClassNameLen:
		return fmt.Errorf("class name %d is %d bytes, at most %d", i, len(name), MaxClassNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("class name %d is not UTF-8 (%q)", i, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("class name %d (%s) holds the control character %U", i, showName(name), r)
		}
	}
	return nil
}

// duplicateClass is the error for class name i, the same as class name j before it.
func duplicateClass(j, i int, name string) error {
	return fmt.Errorf("class names %d and %d are both %s", j, i, showName(name))
}

// describe formats a tensor as "name [d0 d1]" for errors, quoting a name that a terminal would
// not show as it is (a crafted file may hold any bytes there).
func describe(name string, shape []int) string {
	return fmt.Sprintf("%s %v", showName(name), shape)
}

// showName returns name as it is when it is plain printable text, quoted otherwise. It asks
// strconv.IsPrint, which is unicode.IsPrint on strconv's compact tables: those are in every
// program that prints with fmt, unicode's category tables (12 KB) are not.
func showName(name string) string {
	if name == "" {
		return `""`
	}
	for _, r := range name {
		if !strconv.IsPrint(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return strconv.Quote(name)
		}
	}
	return name
}
