package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/nngen/nngen/runtime/dataset"
)

// dataDir is the folder of the data files: the -data flag, or for mnist the GoMNIST module.
func dataDir(d Data, flagDir string) (string, error) {
	if flagDir != "" {
		return flagDir, nil
	}
	switch d.Source {
	case "mnist":
		return dataset.MNISTDir()
	case "csv":
		return ".", nil
	}
	return "", usageError{errors.New("-data: the spec's data source is idx with no dir; give the folder of its IDX files")}
}

// under is file in dir, or file itself when it is absolute.
func under(dir, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(dir, file)
}

// loadTrain reads the training rows and the test set.
func loadTrain(job Job, dir string, log io.Writer) (train, test *dataset.Set, err error) {
	if job.Data.Source != "csv" {
		if train, err = loadIDX(job, dir, job.Data.TrainImages, job.Data.TrainLabels); err != nil {
			return nil, nil, err
		}
		test, err = loadIDX(job, dir, job.Data.TestImages, job.Data.TestLabels)
		return train, test, err
	}
	path := under(dir, job.Data.Train)
	train, err = dataset.ReadCSV(path, csvOptions(job, nil, log))
	if err != nil {
		return nil, nil, err
	}
	if err := checkClasses(job, path, train.Classes); err != nil {
		return nil, nil, err
	}
	return splitTest(job, dir, train, train.Classes, log)
}

// loadTest reads the test set only, for -eval; classes are the model's (from its weights file),
// or nil to take them from the data.
func loadTest(job Job, dir string, classes []string, log io.Writer) (*dataset.Set, error) {
	if job.Data.Source != "csv" {
		return loadIDX(job, dir, job.Data.TestImages, job.Data.TestLabels)
	}
	if job.Data.Test != "" {
		return dataset.ReadCSV(under(dir, job.Data.Test), csvOptions(job, classes, log))
	}
	path := under(dir, job.Data.Train)
	all, err := dataset.ReadCSV(path, csvOptions(job, classes, log))
	if err != nil {
		return nil, err
	}
	if err := checkClasses(job, path, all.Classes); err != nil {
		return nil, err
	}
	_, test, err := splitTest(job, dir, all, all.Classes, log)
	return test, err
}

// splitTest returns the training rows and the test set of a csv source: the test file, read with
// the training rows' classes, or a sample of the training rows drawn with the spec's seed (not
// -seed, so that every run of the same spec tests on the same rows).
func splitTest(job Job, dir string, all *dataset.Set, classes []string, log io.Writer) (train, test *dataset.Set, err error) {
	if job.Data.Test == "" {
		train, test = all.Sample(job.Data.TestSplit, job.Seed)
		fmt.Fprintf(log, "test_split %g: %d of the %d rows of %s are the test set\n", job.Data.TestSplit, test.N, all.N, job.Data.Train)
		return train, test, nil
	}
	test, err = dataset.ReadCSV(under(dir, job.Data.Test), csvOptions(job, classes, log))
	return all, test, err
}

// csvOptions are the reader's options for the job's CSV files; classes are the training rows'
// classes, nil when the file read is where they come from.
func csvOptions(job Job, classes []string, log io.Writer) dataset.CSVOptions {
	d := job.Data
	return dataset.CSVOptions{
		Delimiter: d.Delimiter, Header: d.Header, Label: d.Label, Features: d.Features,
		Regression: job.Classes == 0, Classes: classes, Inputs: job.Inputs, Log: log,
	}
}

// checkClasses reports a classifier whose data has another number of classes than its network.
func checkClasses(job Job, path string, classes []string) error {
	if job.Classes == 0 || len(classes) == job.Classes {
		return nil
	}
	shown := classes
	if len(shown) > 10 {
		shown = append(shown[:10:10], "...")
	}
	what := fmt.Sprintf("the last layer has %d units, one per class", job.Outputs)
	if job.Outputs == 1 {
		what = job.Loss + " tells 2 classes apart"
	}
	return fmt.Errorf("dataset: %s: the label column has %d classes (%s), but %s; want a label column of %d classes, or a last layer of %d units",
		path, len(classes), strings.Join(shown, ", "), what, job.Classes, len(classes))
}

// loadIDX reads one IDX pair: one-hot classes for several outputs; for one output, the label as a
// number (a 0 or 1 class for binary_crossentropy).
func loadIDX(job Job, dir, images, labels string) (*dataset.Set, error) {
	classes := job.Outputs
	if classes == 1 && job.Classes == 2 {
		classes = 2 // labels 0 and 1, batched as numbers for the one output
	}
	return dataset.Load(filepath.Join(dir, images), filepath.Join(dir, labels), job.Inputs, classes)
}
