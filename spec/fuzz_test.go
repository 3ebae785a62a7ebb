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
	f.Add([]byte(convEdit(nil)))
	f.Add([]byte(convEdit(map[int]string{2: "input: {shape: [9, 7, 3]}", 4: "  - {type: rescaling, scale: 0.5}", 5: "  - {type: conv2d, filters: 4, kernel_size: [3, 2], strides: [2, 1], padding: same, use_bias: false}",
		6: "  - {type: conv2d, filters: 2, kernel_size: 2, dilation_rate: [2, 1], kernel_regularizer: {l2: 0.1}}", 7: "  - {type: average_pooling2d, pool_size: [2, 3], strides: 1, padding: same}",
		8: "  - {type: batch_normalization}\n  - {type: global_max_pooling2d, keepdims: false}\n  - {type: flatten}", 13: idx})))
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
	pre, normalizations := 0, 0 // pre: the layers before the first trained one
	for pre < len(m.Layers) && !trained(m.Layers[pre]) {
		pre++
	}
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
		case l.Type == "conv2d":
			if l.Units != 0 || !slices.Contains(activations, l.Activation) || !slices.Contains(initializers, l.KernelInitializer) ||
				l.Conv.PoolSize != [2]int{} || i == len(m.Layers)-1 {
				fail("bad conv2d layer")
			}
		case pooling(l.Type) || globalPooling(l.Type) || l.Type == "flatten":
			if l.Units != 0 || i == len(m.Layers)-1 || pooling(l.Type) != (l.Conv != Conv{}) {
				fail("bad pooling or flatten layer")
			}
		case l.Type != "dense" || l.Units < 1 || l.Units > maxUnits || !slices.Contains(activations, l.Activation) ||
			!slices.Contains(initializers, l.KernelInitializer) || l.Pos.Line < 1:
			fail("bad layer")
		}
		if l.Activation == "softmax" && trained(l) && i < len(m.Layers)-1 {
			fail("softmax on a hidden layer")
		}
		if l.Type != "conv2d" && !pooling(l.Type) && l.Conv != (Conv{}) || l.Type != "dense" && l.Units != 0 {
			fail("geometry or units on a layer of another type")
		}
		if (l.Type == "rescaling" || l.Type == "normalization") && i >= pre {
			fail("preprocessing after a trained layer")
		}
	}
	checkModelShapes(t, m)
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
		len(m.Input.Shape) == 3 && !slices.Equal(m.Input.Shape, []int{28, 28, 1}) ||
		fit.BatchSize > trainSamples(mnistTrainSize, fit.ValidationSplit)) {
		fail("bad mnist network")
	}
	for _, name := range []string{d.TrainImages, d.TrainLabels, d.TestImages, d.TestLabels} {
		if checkFile(name) != "" {
			fail("bad file name")
		}
	}
}

// checkModelShapes checks the shapes of a Model Parse returned: Shapes does not panic, every
// shape is an image or flat, positive and within nngen's limits, and suits the layer that makes
// it from the one before.
func checkModelShapes(t *testing.T, m *Model) {
	t.Helper()
	shapes := m.Shapes()
	fail := func(i int, what string) { t.Fatalf("layer %d: %s in %+v; shapes %v", i+1, what, *m, shapes) }
	if len(shapes) != len(m.Layers) {
		fail(0, "wrong number of shapes")
	}
	in := m.Input.Shape
	if len(in) != 3 {
		in = []int{m.Input.Size()}
	}
	for i, l := range m.Layers {
		out := shapes[i]
		if len(out) != 1 && len(out) != 3 || slices.Min(out) < 1 || values(out) > maxLayerSize {
			fail(i, "bad shape")
		}
		c := l.Conv
		switch {
		case l.Type == "conv2d" || pooling(l.Type):
			window := c.KernelSize
			if pooling(l.Type) {
				window = c.PoolSize
			}
			for _, p := range [][2]int{window, c.Strides, c.DilationRate} {
				if min(p[0], p[1]) < 1 || max(p[0], p[1]) > maxWindow {
					fail(i, "bad pair")
				}
			}
			if !slices.Contains(paddings, c.Padding) || max(c.Strides[0], c.Strides[1]) > 1 && max(c.DilationRate[0], c.DilationRate[1]) > 1 ||
				len(in) != 3 || len(out) != 3 {
				fail(i, "bad geometry")
			}
			oh, _ := ConvAxis(in[0], window[0], c.Strides[0], c.DilationRate[0], c.Padding == "same")
			ow, _ := ConvAxis(in[1], window[1], c.Strides[1], c.DilationRate[1], c.Padding == "same")
			if out[0] != oh || out[1] != ow || out[0] > in[0] || out[1] > in[1] {
				fail(i, "bad output size")
			}
			if pooling(l.Type) && (out[2] != in[2] || c.DilationRate != [2]int{1, 1} || c.Filters != 0 || c.KernelSize != [2]int{}) {
				fail(i, "bad pooling")
			}
			patch := int64(window[0]) * int64(window[1]) * int64(in[2])
			if l.Type == "conv2d" && (out[2] != c.Filters || c.Filters < 1 || c.Filters > maxFilters || patch > maxPatch ||
				patch*int64(c.Filters) > maxKernel) {
				fail(i, "bad conv2d")
			}
		case globalPooling(l.Type):
			if len(in) != 3 || !slices.Equal(out, in[2:]) {
				fail(i, "bad global pooling")
			}
		case l.Type == "flatten":
			if !slices.Equal(out, []int{int(values(in))}) {
				fail(i, "bad flatten")
			}
		case l.Type == "dense":
			if len(in) != 1 || !slices.Equal(out, []int{l.Units}) {
				fail(i, "dense on an image")
			}
		case l.Type == "normalization" && len(in) != 1:
			fail(i, "normalization of an image")
		default:
			if !slices.Equal(out, in) {
				fail(i, "a layer that changes the shape")
			}
		}
		in = out
	}
}
