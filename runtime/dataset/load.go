package dataset

import (
	"fmt"
	"path/filepath"
)

// Load reads an images IDX file (unsigned bytes, any number of dimensions after the count) and a
// labels IDX file (unsigned bytes, one dimension) into a Set. It fails with an error naming the
// file when either is missing, truncated or corrupt, when their counts differ, when a sample does
// not have features values, or when a label is not below classes. When classes is 1 the labels
// are targets in their own right (Batch passes them on as floats) and any byte is accepted.
func Load(imagesPath, labelsPath string, features, classes int) (*Set, error) {
	if features < 1 {
		return nil, fmt.Errorf("dataset: %s: features must be at least 1, got %d", imagesPath, features)
	}
	if classes < 1 {
		return nil, fmt.Errorf("dataset: %s: classes must be at least 1, got %d", labelsPath, classes)
	}
	idims, x, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if per := len(x) / idims[0]; per != features {
		what := "1 value"
		switch {
		case len(idims) == 2:
			what = fmt.Sprintf("%d values", per)
		case len(idims) > 2:
			what = fmt.Sprintf("%s = %d values", shape(idims[1:]), per)
		}
		return nil, fmt.Errorf("dataset: %s: each sample is %s, the model takes %d", imagesPath, what, features)
	}
	ldims, labels, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("dataset: %s: labels have %d dimensions (%s), want 1 (one label per sample)", labelsPath, len(ldims), shape(ldims))
	}
	if ldims[0] != idims[0] {
		return nil, fmt.Errorf("dataset: %s has %d samples but %s has %d labels", imagesPath, idims[0], labelsPath, ldims[0])
	}
	ids := make([]int32, len(labels))
	for i, l := range labels {
		if classes > 1 && int(l) >= classes {
			return nil, fmt.Errorf("dataset: %s: label %d of sample %d is not below the %d classes", labelsPath, l, i, classes)
		}
		ids[i] = int32(l)
	}
	return &Set{X: x, Labels: ids, N: idims[0], Features: features}, nil
}

// LoadMNIST reads the MNIST training and test sets from dir (such as MNISTDir's): 28×28 = 784
// features per sample, labels 0 to 9.
func LoadMNIST(dir string) (train, test *Set, err error) {
	train, err = Load(filepath.Join(dir, MNISTTrainImages), filepath.Join(dir, MNISTTrainLabels), 784, 10)
	if err != nil {
		return nil, nil, err
	}
	test, err = Load(filepath.Join(dir, MNISTTestImages), filepath.Join(dir, MNISTTestLabels), 784, 10)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
