package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/nngen/nngen/runtime/dataset"
	"github.com/nngen/nngen/runtime/internal/atomicfile"
)

// The first line of a -report-data file tells its kind: a confusion matrix starts with
// ConfusionCorner and the class names; the pairs of a regression are under PairsHeader.
const (
	// ConfusionCorner is the first cell of a confusion matrix's file:
	//
	//	true\predicted,setosa,versicolor,virginica
	//	setosa,10,0,0
	//	versicolor,0,9,1
	//	virginica,0,0,10
	//
	// a line per true class, a column per predicted class, counts of test samples.
	ConfusionCorner = `true\predicted`
	// PairsHeader is the first line of a regression's file: a line per test sample and output,
	// the output's name (its label column), its true value and the prediction.
	PairsHeader = "output,true,predicted"
)

// reportDigits are the decimals of the report's figures, scikit-learn's default.
const reportDigits = 2

// evalReport predicts the test set with job.Predict and prints to stdout, for a classifier, the
// confusion matrix and scikit-learn's classification report (its warnings to stderr); for
// regression, each output's MAE, RMSE and R². With dataPath it also writes the matrix or the
// (true, predicted) pairs there as CSV (see ConfusionCorner, PairsHeader), atomically. A Job
// without Predict prints nothing.
func evalReport(stdout, stderr io.Writer, job Job, test *dataset.Set, dataPath string) error {
	if job.Predict == nil || test.N < 1 {
		return nil
	}
	if test.Targets != nil && test.TargetSize != job.Outputs {
		return fmt.Errorf("the test set has %d targets per sample, the network %d outputs", test.TargetSize, job.Outputs)
	}
	pred := predictSet(job, test)
	if job.Classes == 0 {
		return regressionEval(stdout, job, test, pred, dataPath)
	}
	c, err := confusionOf(job, test, pred)
	if err != nil {
		return err
	}
	text, warnings := c.classificationReport(reportDigits)
	for _, w := range warnings {
		fmt.Fprintln(stderr, w)
	}
	if _, err := fmt.Fprintf(stdout, "%s\n%s\n", c.matrixText(), text); err != nil {
		return err
	}
	if dataPath == "" {
		return nil
	}
	return writeReportData(dataPath, func(w *csv.Writer) error {
		w.Write(append([]string{ConfusionCorner}, c.Names...))
		for t, name := range c.Names {
			rec := []string{name}
			for p := range c.Names {
				rec = append(rec, strconv.Itoa(c.at(t, p)))
			}
			w.Write(rec)
		}
		return nil
	})
}

// predictSet returns job.Predict's outputs for the samples of set, set.N rows of job.Outputs.
func predictSet(job Job, set *dataset.Set) []float32 {
	const chunk = 256
	rows := min(chunk, set.N)
	x := make([]float32, rows*job.Inputs)
	y := make([]float32, rows*job.Outputs) // the targets Batch writes, not used
	idx := make([]int32, rows)
	out := make([]float32, set.N*job.Outputs)
	for start := 0; start < set.N; start += rows {
		n := min(rows, set.N-start)
		for i := range n {
			idx[i] = int32(start + i)
		}
		set.Batch(x, y, idx[:n], job.Outputs)
		job.Predict(x[:n*job.Inputs], out[start*job.Outputs:(start+n)*job.Outputs])
	}
	return out
}

// predictedClass is the class of one row of outputs as the accuracy metric decides it: the first
// largest output, or, for a single sigmoid output, class 1 above 0.5 (asm.Correct).
func predictedClass(y []float32) int {
	if len(y) == 1 {
		if y[0] > 0.5 {
			return 1
		}
		return 0
	}
	best := 0
	for j, v := range y {
		if v > y[best] {
			best = j
		}
	}
	return best
}

// confusionOf counts the test samples by true and predicted class; the classes are named as the
// model names them (its weights file's names), else by their index.
func confusionOf(job Job, test *dataset.Set, pred []float32) (*confusion, error) {
	k := job.Classes
	names := classesOf(job.Model)
	if len(names) != k {
		names = make([]string, k)
		for i := range names {
			names[i] = strconv.Itoa(i)
		}
	}
	c := &confusion{Names: names, Counts: make([]int, k*k)}
	for i := range test.N {
		t := int(test.Labels[i])
		if t < 0 || t >= k {
			return nil, fmt.Errorf("test sample %d has class %d; the network has %d classes", i+1, t, k)
		}
		p := predictedClass(pred[i*job.Outputs : (i+1)*job.Outputs])
		c.Counts[t*k+p]++
	}
	return c, nil
}

// regressionEval prints the errors of each output and writes the pairs to dataPath.
func regressionEval(stdout io.Writer, job Job, test *dataset.Set, pred []float32, dataPath string) error {
	names := outputNames(job)
	s := regressionMetrics(test.Targets, pred, test.N, job.Outputs)
	if _, err := fmt.Fprintf(stdout, "%s\n", regressionReport(names, s, test.N, 4)); err != nil {
		return err
	}
	if dataPath == "" {
		return nil
	}
	return writeReportData(dataPath, func(w *csv.Writer) error {
		w.Write([]string{"output", "true", "predicted"})
		for i := range test.N {
			for j, name := range names {
				k := i*job.Outputs + j
				w.Write([]string{name, strconv.FormatFloat(float64(test.Targets[k]), 'g', -1, 32), strconv.FormatFloat(float64(pred[k]), 'g', -1, 32)})
			}
		}
		return nil
	})
}

// outputNames names a regression's outputs after the spec's label columns, or "output N" (from
// 1) where the spec gives a column by its index or none.
func outputNames(job Job) []string {
	names := make([]string, job.Outputs)
	for j := range names {
		if j < len(job.Data.Label) && job.Data.Label[j].Name != "" {
			names[j] = job.Data.Label[j].Name
		} else {
			names[j] = "output " + strconv.Itoa(j+1)
		}
	}
	return names
}

// writeReportData writes a -report-data CSV file atomically.
func writeReportData(path string, write func(w *csv.Writer) error) error {
	err := atomicfile.Write(path, func(f io.Writer) error {
		w := csv.NewWriter(f)
		if err := write(w); err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	})
	if err != nil {
		return fmt.Errorf("writing the report data to %s: %v", path, err)
	}
	return nil
}
