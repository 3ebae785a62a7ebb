package plots

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// maxHistoryBytes bounds a history file: a million epochs of a dozen numbers is far below it.
const maxHistoryBytes = 256 << 20

// RateKey is the learning rate's column, as Keras 3 and nngen's fit.WriteHistory name it.
const RateKey = "learning_rate"

// History is a training history as Keras' CSVLogger and nngen's fit.WriteHistory write it: an
// epoch column, counted from 0, and a column per key (loss, metrics, their val_ forms,
// learning_rate), in the file's order. An empty cell is NaN.
type History struct {
	Name   string               // what the history is of: the file's name without .csv and _history
	Epochs []int                // the epoch column
	Keys   []string             // the other columns but seconds, in the file's order
	Values map[string][]float64 // a column of len(Epochs) per key
}

// ReadHistory reads the history CSV file at path.
func ReadHistory(path string) (*History, error) {
	b, err := readLimited(path, maxHistoryBytes, "; a history has a line per epoch")
	if err != nil {
		return nil, err
	}
	return ParseHistory(path, b)
}

// ParseHistory parses the bytes of a history CSV file; path names it in errors and in Name. The
// header must start with epoch; a seconds column (nngen's time per epoch) is skipped. Every
// line must have a cell per column, each a number or empty.
func ParseHistory(path string, b []byte) (*History, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty; want a history CSV (epoch,loss,...) as nngen train --history or Keras' CSVLogger writes it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if header[0] != "epoch" {
		return nil, fmt.Errorf("%s:1: the first column is %q; want epoch, as nngen train --history and Keras' CSVLogger write it", path, header[0])
	}
	h := &History{Name: historyName(path), Values: map[string][]float64{}}
	cols := make([]string, len(header)) // "" for a column skipped
	for i, k := range header[1:] {
		switch {
		case k == "seconds":
		case k == "" || k == "epoch":
			return nil, fmt.Errorf("%s:1: column %d is named %q; want a key such as loss or val_accuracy", path, i+2, k)
		case h.Values[k] != nil:
			return nil, fmt.Errorf("%s:1: column %q appears twice", path, k)
		default:
			cols[i+1] = k
			h.Keys = append(h.Keys, k)
			h.Values[k] = []float64{}
		}
	}
	if len(h.Keys) == 0 {
		return nil, fmt.Errorf("%s:1: no column to plot; want loss and the metrics after epoch", path)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				return nil, fmt.Errorf("%s:%d: %d cells; want %d, one per column of the header", path, pe.Line, len(rec), len(header))
			}
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		e, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil || e < 0 {
			return nil, fmt.Errorf("%s:%d: epoch %q; want a count from 0", path, line, rec[0])
		}
		if n := len(h.Epochs); n > 0 && e <= h.Epochs[n-1] {
			return nil, fmt.Errorf("%s:%d: epoch %d after epoch %d; want increasing epochs", path, line, e, h.Epochs[n-1])
		}
		h.Epochs = append(h.Epochs, e)
		for i, k := range cols {
			if k == "" {
				continue
			}
			v := math.NaN()
			if s := strings.TrimSpace(rec[i]); s != "" {
				v, err = strconv.ParseFloat(s, 64)
				if err != nil || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%s:%d: %s is %q; want a finite number or an empty cell", path, line, k, rec[i])
				}
			}
			h.Values[k] = append(h.Values[k], v)
		}
	}
	if len(h.Epochs) == 0 {
		return nil, fmt.Errorf("%s: a header and no epoch; want a line per epoch after it", path)
	}
	return h, nil
}

// historyName is the name a history file gives its figure: mnist_history.csv is mnist.
func historyName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if n := strings.TrimSuffix(strings.TrimSuffix(name, "_history"), ".history"); n != "" {
		return n
	}
	return name
}

// Quantities are the history's panels, in order: loss, then each metric (a key whose val_ form
// may be there too), in the file's order; the learning rate is not one of them.
func (h *History) Quantities() []string {
	var q []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			q = append(q, k)
		}
	}
	if h.Values["loss"] != nil || h.Values["val_loss"] != nil {
		add("loss")
	}
	for _, k := range h.Keys {
		if k != RateKey {
			add(strings.TrimPrefix(k, "val_"))
		}
	}
	return q
}

// RateChanges reports whether the history has a learning rate that takes more than one value.
func (h *History) RateChanges() bool {
	first := math.NaN()
	for _, v := range h.Values[RateKey] {
		switch {
		case math.IsNaN(v):
		case math.IsNaN(first):
			first = v
		case v != first:
			return true
		}
	}
	return false
}

// Best is the best epoch's index in Epochs and the key that chose it: the lowest val_loss, or
// the lowest loss when there is no validation loss; the first on ties. It is -1 when neither
// has a value.
func (h *History) Best() (int, string) {
	for _, k := range []string{"val_loss", "loss"} {
		best := -1
		for i, v := range h.Values[k] {
			if !math.IsNaN(v) && (best < 0 || v < h.Values[k][best]) {
				best = i
			}
		}
		if best >= 0 {
			return best, k
		}
	}
	return -1, ""
}
