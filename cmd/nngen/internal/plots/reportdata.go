package plots

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nngen/nngen/runtime/cli"
)

// The first line of a report data file, as the trainer's -eval -report-data writes it.
const (
	confusionCorner = cli.ConfusionCorner
	pairsHeader     = cli.PairsHeader
)

// IsReportData reports whether the first line of a file is a report data file's.
func IsReportData(firstLine string) bool {
	return strings.HasPrefix(firstLine, confusionCorner+",") || strings.TrimSpace(firstLine) == pairsHeader
}

// maxReportBytes bounds a report data file.
const maxReportBytes = 256 << 20

// Confusion is a confusion matrix: Counts[t][p] test samples of true class Names[t] were
// predicted as Names[p].
type Confusion struct {
	Names  []string
	Counts [][]int
}

// Pairs are a regression's true and predicted values, by output.
type Pairs struct {
	Outputs         []string    // the outputs' names, in the file's order
	True, Predicted [][]float64 // per output, per sample
}

// ReadReportData reads a report data file: a *Confusion or a *Pairs.
func ReadReportData(path string) (any, error) {
	b, err := readLimited(path, maxReportBytes, "")
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch {
	case len(recs) == 0:
		return nil, fmt.Errorf("%s: empty; want the CSV that a trainer's -eval -report-data writes", path)
	case recs[0][0] == confusionCorner:
		return parseConfusion(path, recs)
	case strings.Join(recs[0], ",") == pairsHeader:
		return parsePairs(path, recs)
	}
	return nil, fmt.Errorf("%s:1: %q is not a report data header; want %s followed by the class names, or %s", path, strings.Join(recs[0], ","), confusionCorner, pairsHeader)
}

func parseConfusion(path string, recs [][]string) (*Confusion, error) {
	c := &Confusion{Names: recs[0][1:]}
	k := len(c.Names)
	if k < 2 {
		return nil, fmt.Errorf("%s:1: %d classes; want at least 2 after %s", path, k, confusionCorner)
	}
	if len(recs)-1 != k {
		return nil, fmt.Errorf("%s: %d lines of counts for %d classes; want a line per class", path, len(recs)-1, k)
	}
	for t, rec := range recs[1:] {
		line := t + 2
		if len(rec) != k+1 || rec[0] != c.Names[t] {
			return nil, fmt.Errorf("%s:%d: want class %q and %d counts", path, line, c.Names[t], k)
		}
		row := make([]int, k)
		for p, s := range rec[1:] {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s:%d: count %q; want a whole number of at least 0", path, line, s)
			}
			row[p] = n
		}
		c.Counts = append(c.Counts, row)
	}
	return c, nil
}

func parsePairs(path string, recs [][]string) (*Pairs, error) {
	p := &Pairs{}
	index := map[string]int{}
	for i, rec := range recs[1:] {
		line := i + 2
		if len(rec) != 3 {
			return nil, fmt.Errorf("%s:%d: %d cells; want 3: %s", path, line, len(rec), pairsHeader)
		}
		var v [2]float64
		for j, s := range rec[1:] {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s:%d: %q; want a finite number", path, line, s)
			}
			v[j] = f
		}
		o, ok := index[rec[0]]
		if !ok {
			o = len(p.Outputs)
			index[rec[0]] = o
			p.Outputs = append(p.Outputs, rec[0])
			p.True, p.Predicted = append(p.True, nil), append(p.Predicted, nil)
		}
		p.True[o] = append(p.True[o], v[0])
		p.Predicted[o] = append(p.Predicted[o], v[1])
	}
	if len(p.Outputs) == 0 {
		return nil, errors.New(path + ": a header and no values; want a line per test sample and output")
	}
	return p, nil
}
