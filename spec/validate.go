package spec

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// validate checks every value read against its allowed range or set, then the rules that tie
// values together. Values that could not be read are skipped: they were reported already.
func (r *reader) validate(m *Model) {
	r.checkName(m.Name)
	r.checkInput(m.Input)
	r.checkLayers(m.Layers)
	r.checkCompile(m.Compile)
	r.checkFit(m.Fit)
	r.checkData(m.Data)
	r.checkLoss(m)
	r.checkMNIST(m)
	r.checkCSVShapes(m)
	r.checkToolbox(m)
	r.checkParameters(m, r.checkShapes(m))
}

// parent is the path of the mapping or list holding path.
func parent(path string) string {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return ""
	}
	return path[:i]
}

// ok reports whether path and every mapping above it were read without a problem.
func (r *reader) ok(path string) bool {
	for p := path; ; p = parent(p) {
		if r.bad[p] {
			return false
		}
		if p == "" {
			return true
		}
	}
}

// has reports whether the spec gives path, readably: a default needs no checking.
func (r *reader) has(path string) bool {
	_, given := r.pos[path]
	return given && r.ok(path)
}

// at is where path is in the spec or, when the spec leaves it out, where its closest enclosing
// mapping is.
func (r *reader) at(path string) Pos {
	for p := path; ; p = parent(p) {
		if pos, ok := r.pos[p]; ok {
			return pos
		}
		if p == "" {
			return Pos{}
		}
	}
}

// oneOf reports a given value at path that is not among allowed; what names the kind of value.
func (r *reader) oneOf(path, what, v string, allowed []string) {
	if r.has(path) && !slices.Contains(allowed, v) {
		r.add(r.at(path), "%s: unknown %s %s%s; allowed: %s",
			label(path), what, quote(v), didYouMean(v, allowed), strings.Join(allowed, ", "))
	}
}

// intIn reports a given integer at path outside lo..hi.
func (r *reader) intIn(path string, v, lo, hi int) {
	if r.has(path) && (v < lo || v > hi) {
		r.add(r.at(path), "%s: %d is out of range; allowed: %d to %d", label(path), v, lo, hi)
	}
}

// floatIn reports a given number at path for which in is false; allowed says which are allowed.
func (r *reader) floatIn(path string, v float64, in bool, allowed string) {
	if r.has(path) && !in {
		r.add(r.at(path), "%s: %s is out of range; allowed: %s", label(path), ftoa(v), allowed)
	}
}

// ftoa formats a number as briefly as it reads back exactly.
func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// checkName checks the model name, which becomes a Go package name.
func (r *reader) checkName(name string) {
	if r.has("name") {
		if msg := checkName(name); msg != "" {
			r.add(r.at("name"), "name: %s", msg)
		}
	}
}

// checkInput checks the input shape's rank, sizes and total size.
func (r *reader) checkInput(in Input) {
	const path = "input.shape"
	if !r.has(path) {
		return
	}
	switch {
	case len(in.Shape) == 0:
		r.add(r.at(path), "%s: want at least one size, got an empty list; allowed: a list such as [784] or [28, 28]", label(path))
		return
	case len(in.Shape) > maxInputRank:
		r.add(r.at(path), "%s: %d dimensions; allowed: 1 to %d", label(path), len(in.Shape), maxInputRank)
		return
	}
	for i, d := range in.Shape {
		r.intIn(item(path, i+1), d, 1, maxInputSize)
	}
	if size, ok := r.inputSize(in); ok && size > maxInputSize {
		r.add(r.at(path), "%s: %s has more than %d inputs; allowed: at most %d (2^24)",
			label(path), shape(in.Shape), maxInputSize, maxInputSize)
	}
}

// inputSize is the number of inputs, capped just above the limit so that it cannot overflow;
// ok is false when a size is missing or out of range (a problem already reported).
func (r *reader) inputSize(in Input) (size int, ok bool) {
	if !r.has("input.shape") || len(in.Shape) == 0 || len(in.Shape) > maxInputRank {
		return 0, false
	}
	size = 1
	for i, d := range in.Shape {
		if !r.ok(item("input.shape", i+1)) || d < 1 || d > maxInputSize {
			return 0, false
		}
		size = min(size*d, maxInputSize+1)
	}
	return size, true
}

// shape formats sizes as the spec writes them: [28, 28].
func shape(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// article is word with its indefinite article, for messages: "a dense", "an average_pooling2d".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// checkLayers checks the number of layers and each layer's values, and that the preprocessing
// layers come before the first trained (dense or conv2d) layer and a dense layer last.
func (r *reader) checkLayers(layers []Layer) {
	if r.has("layers") && (len(layers) < 1 || len(layers) > maxLayers) {
		r.add(r.at("layers"), "layers: want 1 to %d layers, got %d", maxLayers, len(layers))
	}
	dense, normalization, first := 0, 0, -1 // first: the first trained layer
	for i, l := range layers {
		path := item("layers", i+1)
		r.oneOf(join(path, "type"), "layer type", l.Type, layerTypes)
		if !r.ok(join(path, "type")) || !slices.Contains(layerTypes, l.Type) {
			continue
		}
		if p := join(path, "activation"); r.has(p) && l.Activation == "softmax" && i < len(layers)-1 {
			r.add(r.at(p), "%s: softmax is only allowed on the last layer; allowed here: %s",
				label(p), strings.Join(activations[:len(activations)-1], ", "))
		}
		last := i == len(layers)-1
		if trained(l) && first < 0 {
			first = i
		}
		switch t := l.Type; {
		case t == "dense":
			dense++
			r.intIn(join(path, "units"), l.Units, 1, maxUnits)
			r.checkWeights(path, l)
			continue
		case t == "conv2d" || pooling(t):
			if t == "conv2d" {
				r.checkConv(path, l)
			} else {
				r.checkPooling(path, l)
			}
			if last {
				r.add(r.at(path), "%s: the last layer is %s layer, whose output is an image; allowed: a dense layer last (after a flatten or global pooling layer)", label(path), article(t))
			}
			continue
		case t == "flatten" || globalPooling(t):
			if last {
				r.add(r.at(path), "%s: the last layer is %s layer; allowed: a dense layer last", label(path), article(t))
			}
			continue
		case t == "activation":
			r.oneOf(join(path, "activation"), "activation", l.Activation, activations)
			if last {
				r.add(r.at(path), "%s: the last layer is an activation layer; allowed: a dense layer last, with the activation on it (activation: %s)", label(path), l.Activation)
			}
			continue
		case t == "batch_normalization":
			r.floatIn(join(path, "momentum"), l.BatchNorm.Momentum, l.BatchNorm.Momentum >= 0 && l.BatchNorm.Momentum < 1, ">= 0 and < 1")
			r.floatIn(join(path, "epsilon"), l.BatchNorm.Epsilon, l.BatchNorm.Epsilon > 0, "> 0")
			if last {
				r.add(r.at(path), "%s: the last layer is a batch_normalization layer; allowed: a dense layer last", label(path))
			}
			continue
		case t == "dropout":
			r.floatIn(join(path, "rate"), l.Rate, l.Rate >= 0 && l.Rate < 1, ">= 0 and < 1")
			if last {
				r.add(r.at(path), "%s: the last layer is a dropout layer; allowed: a dense layer last (dropout goes before it)", label(path))
			}
			continue
		case t == "rescaling":
			r.floatIn(join(path, "scale"), l.Scale, math.Abs(l.Scale) <= maxRescale, "a number from -1e6 to 1e6")
			r.floatIn(join(path, "offset"), l.Offset, math.Abs(l.Offset) <= maxRescale, "a number from -1e6 to 1e6")
		case t == "normalization":
			normalization++
			j := slices.IndexFunc(layers[:i], func(l Layer) bool { return l.Type != "rescaling" && l.Type != "normalization" })
			if j >= 0 {
				r.add(r.at(path), "%s: a normalization after %s layer; allowed: only rescaling layers before a normalization, which is adapted to the raw features through them", label(path), article(layers[j].Type))
			}
			if normalization == 2 {
				r.add(r.at(path), "%s: a second normalization layer; allowed: one, which is adapted to the training rows' features (a second would see them normalized already)", label(path))
			}
			if j >= 0 {
				continue // which says more than that it comes after a trained layer
			}
		}
		if first >= 0 {
			r.add(r.at(path), "%s: %s layer after %s layer; allowed: preprocessing layers (rescaling, normalization) only before the first dense or conv2d layer, where they see the raw features", label(path), article(l.Type), article(layers[first].Type))
		}
	}
	if r.has("layers") && len(layers) > 0 && dense == 0 && r.ok("layers") {
		why := " (preprocessing layers only transform the input)"
		for _, l := range layers {
			if l.Type == "conv2d" || pooling(l.Type) || globalPooling(l.Type) || l.Type == "flatten" {
				why = ""
			}
		}
		r.add(r.at("layers"), "layers: no dense layer; want at least one, the last layer%s", why)
	}
}

// checkCompile checks the optimizer's type and hyper-parameters, the loss and the metrics.
func (r *reader) checkCompile(c Compile) {
	const opt = "compile.optimizer."
	o := c.Optimizer
	r.oneOf(opt+"type", "optimizer", o.Type, optimizers)
	r.floatIn(opt+"learning_rate", o.LearningRate, o.LearningRate > 0 && o.LearningRate <= maxLearnRate, "> 0 and <= 10")
	r.floatIn(opt+"beta_1", o.Beta1, o.Beta1 >= 0 && o.Beta1 < 1, ">= 0 and < 1")
	r.floatIn(opt+"beta_2", o.Beta2, o.Beta2 >= 0 && o.Beta2 < 1, ">= 0 and < 1")
	r.floatIn(opt+"epsilon", o.Epsilon, o.Epsilon > 0, "> 0")
	r.floatIn(opt+"momentum", o.Momentum, o.Momentum >= 0 && o.Momentum < 1, ">= 0 and < 1")
	r.oneOf("compile.loss", "loss", c.Loss, losses)
	for i, name := range c.Metrics {
		p := item("compile.metrics", i+1)
		r.oneOf(p, "metric", name, metrics)
		if r.has(p) && slices.Contains(metrics, name) && slices.Index(c.Metrics, name) < i {
			r.add(r.at(p), "%s: %q is listed twice; allowed: each metric once", label(p), name)
		}
	}
}

// checkFit checks epochs, batch size and validation split.
func (r *reader) checkFit(f Fit) {
	r.intIn("fit.epochs", f.Epochs, 1, maxEpochs)
	r.intIn("fit.batch_size", f.BatchSize, 1, maxBatchSize)
	r.floatIn("fit.validation_split", f.ValidationSplit, f.ValidationSplit >= 0 && f.ValidationSplit < 1, ">= 0 and < 1")
}

// checkData checks the source, the folder and the file names, and a CSV source's settings.
func (r *reader) checkData(d Data) {
	r.oneOf("data.source", "data source", d.Source, sources)
	if r.ok("data.source") && d.Source == "csv" {
		r.checkCSV(d)
		return
	}
	if r.ok("data.source") && d.Source == "idx" && !r.has("data.dir") && r.ok("data.dir") {
		r.add(r.at("data"), "missing key \"dir\" in data; want the folder of the IDX files, which source idx needs")
	}
	if r.has("data.dir") {
		if msg := checkText(d.Dir); msg != "" {
			r.add(r.at("data.dir"), "data.dir: %s; allowed: a folder, relative to the spec's folder or absolute", msg)
		}
	}
	files := []struct{ key, name string }{
		{"train_images", d.TrainImages}, {"train_labels", d.TrainLabels},
		{"test_images", d.TestImages}, {"test_labels", d.TestLabels},
	}
	for _, f := range files {
		p := join("data", f.key)
		if !r.has(p) {
			continue
		}
		if msg := checkFile(f.name); msg != "" {
			r.add(r.at(p), "%s: %s; allowed: a relative path inside data.dir, without .. or control characters", label(p), msg)
		} else if d.Source == "mnist" && !r.has("data.dir") && r.ok("data.dir") && r.ok("data.source") {
			r.add(r.at(p), "%s: source mnist without data.dir reads the GoMNIST module's own files; allowed: a file name only together with data.dir", label(p))
		}
	}
}
