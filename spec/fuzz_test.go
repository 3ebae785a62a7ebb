package spec

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// FuzzParse checks that no input makes Parse panic, that the answer does not depend on chance
// (map order), that a failure is a well-formed ErrorList and that a success is a Model every
// consumer can trust.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("..", "examples", "mnist.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(minimalSrc))
	for _, c := range goodCases {
		f.Add([]byte(c.src))
	}
	for _, c := range badCases {
		if len(c.src) < 1<<16 {
			f.Add([]byte(c.src))
		}
	}
	f.Add([]byte(csvEdit(nil)))
	f.Add([]byte(csvEdit(map[int]string{4: "  - {type: rescaling, scale: 0.5, offset: -1}", 9: "data: {source: csv, train: a, test_split: 0.25, header: false, label: [4, 5], features: [0, 1, 2, 3], delimiter: \";\", normalize_label: true}"})))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b, *b]\n"))
	f.Add([]byte(strings.Repeat("[", 20000)))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse("f.yaml", src)
		_, err2 := Parse("f.yaml", src)
		if errString(err) != errString(err2) {
			t.Fatalf("two parses differ:\n%v\n----\n%v", err, err2)
		}
		if err != nil {
			checkErrorList(t, m, err)
			return
		}
		checkModel(t, m)
	})
}

// errString is err's text, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkErrorList checks a failed Parse: no Model, and a bounded ErrorList of one-line messages
// naming the file, in file order.
func checkErrorList(t *testing.T, m *Model, err error) {
	t.Helper()
	var list ErrorList
	if m != nil || !errors.As(err, &list) || len(list) == 0 || len(list) > maxErrors+1 {
		t.Fatalf("Parse = %v, %#v; want nil and 1 to %d errors", m, err, maxErrors+1)
	}
	for i, e := range list {
		if e.Path != "f.yaml" || e.Msg == "" || strings.ContainsFunc(e.Msg, unicode.IsControl) {
			t.Fatalf("malformed error %q", e.Error())
		}
		if i > 0 && i < maxErrors && (e.Pos.Line < list[i-1].Pos.Line ||
			e.Pos.Line == list[i-1].Pos.Line && e.Pos.Column < list[i-1].Pos.Column) {
			t.Fatalf("errors out of order:\n%v", err)
		}
	}
}

// checkModel checks the invariants of a Model Parse returned.
func checkModel(t *testing.T, m *Model) {
	t.Helper()
	fail := func(what string) { t.Fatalf("%s in %+v", what, *m) }
	if m.Path != "f.yaml" || checkName(m.Name) != "" {
		fail("bad path or name")
	}
	if len(m.Input.Shape) < 1 || len(m.Input.Shape) > maxInputRank || slices.Min(m.Input.Shape) < 1 ||
		m.Input.Size() > maxInputSize {
		fail("bad input shape")
	}
	if len(m.Layers) < 1 || len(m.Layers) > maxLayers {
		fail("bad layer count")
	}
	pre, normalizations := m.Preprocessing(), 0
	for i, l := range m.Layers {
		switch {
		case l.Type == "rescaling" && i < pre:
			if math.Abs(l.Scale) > maxRescale || math.Abs(l.Offset) > maxRescale || math.IsNaN(l.Scale+l.Offset) {
				fail("bad rescaling")
			}
		case l.Type == "normalization" && i < pre:
			normalizations++
		case l.Type == "activation":
			if !slices.Contains(activations, l.Activation) || i == len(m.Layers)-1 {
				fail("bad activation layer")
			}
		case l.Type == "batch_normalization":
			if !(l.BatchNorm.Momentum >= 0 && l.BatchNorm.Momentum < 1 && l.BatchNorm.Epsilon > 0) || i == len(m.Layers)-1 {
				fail("bad batch_normalization layer")
			}
		case l.Type == "dropout":
			if !(l.Rate >= 0 && l.Rate < 1) || i == len(m.Layers)-1 {
				fail("bad dropout layer")
			}
		case l.Type != "dense" || l.Units < 1 || l.Units > maxUnits || !slices.Contains(activations, l.Activation) ||
			!slices.Contains(initializers, l.KernelInitializer) || l.Pos.Line < 1:
			fail("bad layer")
		}
		if l.Activation == "softmax" && l.Dense() && i < len(m.Layers)-1 {
			fail("softmax on a hidden layer")
		}
	}
	if pre == len(m.Layers) || normalizations > 1 || !m.Output().Dense() {
		fail("no dense layer, or two normalizations")
	}
	o := m.Compile.Optimizer
	if !slices.Contains(optimizers, o.Type) || !(o.LearningRate > 0 && o.LearningRate <= maxLearnRate) ||
		o.Type == "adam" && !(o.Epsilon > 0 && o.Beta1 >= 0 && o.Beta1 < 1 && o.Beta2 >= 0 && o.Beta2 < 1) ||
		!(o.Momentum >= 0 && o.Momentum < 1) {
		fail("bad optimizer")
	}
	if !slices.Contains(losses, m.Compile.Loss) || len(m.Compile.Metrics) > len(metrics) {
		fail("bad loss or metrics")
	}
	for i, name := range m.Compile.Metrics {
		if !slices.Contains(metrics, name) || slices.Index(m.Compile.Metrics, name) != i {
			fail("bad metric")
		}
	}
	switch out := m.Output(); {
	case strings.HasSuffix(m.Compile.Loss, "categorical_crossentropy") && (out.Activation != "softmax" || out.Units < 2):
		fail("categorical cross-entropy without a softmax output")
	case m.Compile.Loss == "binary_crossentropy" && (out.Activation != "sigmoid" || out.Units != 1):
		fail("binary cross-entropy without one sigmoid output")
	}
	fit := m.Fit
	if fit.Epochs < 1 || fit.Epochs > maxEpochs || fit.BatchSize < 1 || fit.BatchSize > maxBatchSize ||
		!(fit.ValidationSplit >= 0 && fit.ValidationSplit < 1) {
		fail("bad fit")
	}
	d := m.Data
	if !slices.Contains(sources, d.Source) || d.Source == "idx" && d.Dir == "" {
		fail("bad data source")
	}
	if d.Source == "csv" {
		labels := max(len(d.Label), 1)
		if checkText(d.Train) != "" || (d.Test == "") == (d.TestSplit == 0) || d.Test != "" && checkText(d.Test) != "" ||
			d.TestSplit < 0 || d.TestSplit >= 1 || d.Delimiter == '"' || d.Delimiter == '\n' || d.Delimiter == 0 ||
			len(d.Features) > 0 && len(d.Features) != m.Input.Size() ||
			m.Compile.Classifies() && labels != 1 || !m.Compile.Classifies() && labels != m.Output().Units ||
			d.NormalizeLabel && (m.Compile.Classifies() || m.Output().Activation != "linear") {
			fail("bad csv data")
		}
		for _, c := range append(slices.Clone(d.Label), d.Features...) {
			if c.Name == "" && (c.Index < 0 || c.Index > maxColumn) || c.Name != "" && (!d.Header || checkText(c.Name) != "") {
				fail("bad csv column")
			}
		}
	}
	if d.Source == "mnist" && (m.Input.Size() != mnistFeatures || m.Output().Units != mnistClasses ||
		fit.BatchSize > trainSamples(mnistTrainSize, fit.ValidationSplit)) {
		fail("bad mnist network")
	}
	for _, name := range []string{d.TrainImages, d.TrainLabels, d.TestImages, d.TestLabels} {
		if checkFile(name) != "" {
			fail("bad file name")
		}
	}
}
