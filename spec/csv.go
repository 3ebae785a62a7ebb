package spec

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The rules of a CSV data source: its files, its columns, and how they fit the network.

// maxColumn bounds a column index, against typing mistakes.
const maxColumn = 1 << 20

// checkCSV checks a csv data section on its own: the files, the test set, the delimiter and the
// columns.
func (r *reader) checkCSV(d Data) {
	if !r.has("data.train") && r.ok("data.train") {
		r.add(r.at("data"), "missing key \"train\" in data; want the CSV file of the training rows, relative to the spec's folder")
	}
	for _, key := range []string{"train", "test"} {
		p := join("data", key)
		v := d.Train
		if key == "test" {
			v = d.Test
		}
		if r.has(p) {
			if msg := checkText(v); msg != "" {
				r.add(r.at(p), "%s: %s; allowed: a CSV file, relative to the spec's folder or absolute", label(p), msg)
			}
		}
	}
	switch test, split := r.has("data.test"), r.has("data.test_split"); {
	case test && split:
		r.add(r.at("data.test_split"), "data.test_split: the test set is data.test already; allowed: test or test_split, not both")
	case !test && !split && r.ok("data.test") && r.ok("data.test_split"):
		r.add(r.at("data"), "missing key \"test\" in data; want the CSV file of the test rows, or test_split: a fraction of the training rows (such as 0.2) to test on")
	}
	r.floatIn("data.test_split", d.TestSplit, d.TestSplit > 0 && d.TestSplit < 1, "> 0 and < 1")
	if r.has("data.delimiter") {
		if c := d.Delimiter; c == '"' || c == '\r' || c == '\n' || c == utf8.RuneError || c == 0 {
			r.add(r.at("data.delimiter"), "data.delimiter: %s cannot separate CSV fields; allowed: one character such as \",\", \";\" or \"\\t\"", quote(string(c)))
		}
	}
	r.checkColumns("data.label", d.Label, d.Header)
	r.checkColumns("data.features", d.Features, d.Header)
	if r.has("data.features") && r.has("data.label") {
		for i, f := range d.Features {
			for _, l := range d.Label {
				if f.Name == l.Name && f.Index == l.Index {
					r.add(f.Pos, "%s: column %s is the label; allowed: columns other than data.label", label(item("data.features", i+1)), f)
				}
			}
		}
	}
}

// checkColumns checks a list of columns: names need a header, indexes are from 0, and no column is
// listed twice.
func (r *reader) checkColumns(path string, cols []Column, header bool) {
	if !r.has(path) {
		return
	}
	if len(cols) == 0 && r.ok(path) {
		r.add(r.at(path), "%s: an empty list; want at least one column (or leave the key out for the default)", label(path))
	}
	for i, c := range cols {
		switch {
		case c.Name != "" && !header && r.ok("data.header"):
			r.add(c.Pos, "%s: the column name %s needs a header row, and data.header is false; allowed: a 0-based index", label(path), quote(c.Name))
		case c.Name != "":
			if msg := checkText(c.Name); msg != "" {
				r.add(c.Pos, "%s: %s; allowed: a column name from the header", label(path), strings.Replace(msg, "want a path", "want a name", 1))
			}
		case c.Index < 0 || c.Index > maxColumn:
			r.add(c.Pos, "%s: index %d is out of range; allowed: 0 (the first column) to %d", label(path), c.Index, maxColumn)
		}
		for _, prev := range cols[:i] {
			if prev.Name == c.Name && prev.Index == c.Index {
				r.add(c.Pos, "%s: column %s is listed twice; allowed: each column once", label(path), c)
				break
			}
		}
	}
}

// checkCSVShapes checks that a csv source's columns fit the network: one label column for a
// classifier, one per output for regression, one feature column per input.
func (r *reader) checkCSVShapes(m *Model) {
	d := m.Data
	if !r.ok("data.source") || d.Source != "csv" {
		return
	}
	lossOK := r.has("compile.loss") && slices.Contains(losses, m.Compile.Loss)
	outputs, outOK := 0, false
	if n := len(m.Layers); r.has("layers") && n > 0 {
		units := join(item("layers", n), "units")
		outputs, outOK = m.Layers[n-1].Units, r.has(units) && m.Layers[n-1].Dense() && m.Layers[n-1].Units >= 1
	}
	labels, labelsAt := len(d.Label), r.at("data.label")
	if !r.has("data.label") {
		labels = 1 // the last column
	}
	switch {
	case !r.ok("data.label") || !lossOK:
	case m.Compile.Classifies() && labels != 1:
		r.add(labelsAt, "data.label: compile.loss %s classifies by one label column, got %d; allowed: one column, whose values are the classes", m.Compile.Loss, labels)
	case !m.Compile.Classifies() && outOK && labels != outputs:
		what := strconv.Itoa(labels) + " label columns"
		if labels == 1 {
			what = "1 label column"
			if !r.has("data.label") {
				what += " (the last, by default)"
			}
		}
		outs := strconv.Itoa(outputs) + " outputs"
		if outputs == 1 {
			outs = "1 output"
		}
		r.add(labelsAt, "data.label: %s for the %s of the last layer; want one label column per output (compile.loss %s regresses each)", what, outs, m.Compile.Loss)
	}
	if size, ok := r.inputSize(m.Input); ok && r.has("data.features") && r.ok("data.features") && len(d.Features) > 0 && len(d.Features) != size && size <= maxInputSize {
		r.add(r.at("data.features"), "data.features: %d columns for input.shape %s (%d inputs); want one feature column per input", len(d.Features), shape(m.Input.Shape), size)
	}
	if r.has("data.normalize_label") && d.NormalizeLabel && lossOK {
		switch {
		case m.Compile.Classifies():
			r.add(r.at("data.normalize_label"), "data.normalize_label: compile.loss %s classifies; allowed: true only for regression (mean_squared_error, mean_absolute_error)", m.Compile.Loss)
		case len(m.Layers) == 0:
			// No layers: that is reported where the layers are checked; there is no last layer here.
		case m.Layers[len(m.Layers)-1].Dense() && m.Layers[len(m.Layers)-1].Activation != "linear":
			r.add(r.at("data.normalize_label"), "data.normalize_label: the last layer's activation is %s, which bounds its outputs; allowed: true only with a linear output layer", m.Layers[len(m.Layers)-1].Activation)
		}
	}
}
