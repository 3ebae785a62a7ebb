// Package weights reads and writes nngen's weights file: a versioned little-endian binary with a
// fingerprint of the network's shapes, the name and shape of every tensor, float32 data and a
// CRC-32, written atomically. Loading never changes a tensor unless the whole file is valid.
package weights

import "io"

// Tensor is one named parameter array of a model, with its shape (the product of Shape is
// len(Data)).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Save writes the tensors to path atomically (a temporary file in the same folder, synced, then
// renamed over path).
func Save(path string, fingerprint uint64, tensors []Tensor) error { panic("not implemented") }

// Write encodes the tensors to w.
func Write(w io.Writer, fingerprint uint64, tensors []Tensor) error { panic("not implemented") }

// Load reads path into the tensors. The file must have been written for the same fingerprint and
// the same tensor names and shapes; otherwise, or when it is truncated or corrupt, Load returns an
// error naming the file and what differs, and no tensor is changed.
func Load(path string, fingerprint uint64, tensors []Tensor) error { panic("not implemented") }

// Decode is Load for bytes already in memory, such as a //go:embed blob; name is used in errors.
func Decode(name string, data []byte, fingerprint uint64, tensors []Tensor) error {
	panic("not implemented")
}
