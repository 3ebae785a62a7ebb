package spec

import (
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// decode reads the spec's root mapping into a Model with Keras' defaults filled in. It checks
// structure and types (unknown, duplicate and missing keys, a string where a number belongs);
// ranges and cross-field rules are validate's job.
func (r *reader) decode(root *yaml.Node) *Model {
	m := &Model{Path: r.path, Fit: defaultFit(), Data: defaultData()}
	f := r.fields(root, "", topKeys)
	if f == nil {
		return m
	}
	if v, ok := f["name"]; ok {
		m.Name, _ = r.str("name", v.val)
	} else {
		r.missing("", root, "name", "a Go package name such as mnist")
	}
	if v, ok := f["input"]; ok {
		m.Input = r.input(v.val)
	} else {
		r.missing("", root, "input", "input: {shape: [784]}")
	}
	if v, ok := f["layers"]; ok {
		m.Layers = r.layers(v.val)
	} else {
		r.missing("", root, "layers", "a list of layers such as [{type: dense, units: 10}]")
	}
	if v, ok := f["compile"]; ok {
		m.Compile = r.compile(v.val)
	} else {
		r.missing("", root, "compile", "compile: {optimizer: adam, loss: categorical_crossentropy}")
	}
	if v, ok := f["fit"]; ok {
		m.Fit = r.fit(v.val)
	}
	if v, ok := f["data"]; ok {
		m.Data = r.data(v.val)
	}
	return m
}

// input reads the input mapping: its shape, a list of integers.
func (r *reader) input(n *yaml.Node) Input {
	in := Input{Pos: posOf(n)}
	f := r.fields(n, "input", inputKeys)
	if f == nil {
		return in
	}
	v, ok := f["shape"]
	if !ok {
		r.missing("input", n, "shape", "a list of sizes such as [784]")
		return in
	}
	dims, ok := r.list(v.val, "input.shape", "a list of sizes such as [784] or [28, 28]")
	if !ok {
		return in
	}
	in.Shape = make([]int, 0, len(dims))
	for i, d := range dims {
		p := item("input.shape", i+1)
		size := 0
		if d = r.deref(d); d == nil {
			r.bad[p] = true
		} else {
			size, _ = r.integer(p, d)
		}
		in.Shape = append(in.Shape, size)
	}
	return in
}

// layers reads the list of layers; an element that cannot be read still takes its place, so
// that the layers after it keep their numbers.
func (r *reader) layers(n *yaml.Node) []Layer {
	items, ok := r.list(n, "layers", "a list of layers such as [{type: dense, units: 10}]")
	if !ok {
		return nil
	}
	layers := make([]Layer, 0, len(items))
	for i, it := range items {
		path := item("layers", i+1)
		l := defaultLayer()
		if it = r.deref(it); it == nil {
			r.bad[path] = true
		} else {
			l = r.layer(it, path)
		}
		layers = append(layers, l)
	}
	return layers
}

// layer reads one layer mapping. Its keys depend on its type (peeked before the keys are read,
// so that an unknown key is reported against the keys of that type).
func (r *reader) layer(n *yaml.Node, path string) Layer {
	l := defaultLayer()
	l.Pos = posOf(n)
	allowed := allLayerKeys
	if keys, ok := layerKeys[peek(n, "type")]; ok {
		allowed = keys
	}
	f := r.fields(n, path, allowed)
	if f == nil {
		return l
	}
	if v, ok := f["type"]; ok {
		l.Type, _ = r.str(join(path, "type"), v.val)
	} else {
		r.missing(path, n, "type", strings.Join(layerTypes, ", "))
	}
	l.Conv = r.conv(path, n, l.Type, f)
	if v, ok := f["units"]; ok {
		l.Units, _ = r.integer(join(path, "units"), v.val)
	} else if l.Type == "dense" {
		r.missing(path, n, "units", "the number of outputs, from 1 to 65536")
	}
	if v, ok := f["activation"]; ok {
		l.Activation, _ = r.str(join(path, "activation"), v.val)
	}
	if v, ok := f["use_bias"]; ok {
		l.UseBias, _ = r.boolean(join(path, "use_bias"), v.val)
	}
	if v, ok := f["kernel_initializer"]; ok {
		l.KernelInitializer, _ = r.str(join(path, "kernel_initializer"), v.val)
	}
	if v, ok := f["bias_initializer"]; ok {
		// Biases always start at zero: the key exists so that a Keras habit is accepted, and
		// anything but zeros is refused rather than ignored.
		p := join(path, "bias_initializer")
		if s, ok := r.str(p, v.val); ok && s != "zeros" {
			r.add(posOf(v.val), "%s: %s is not supported%s; allowed: zeros", label(p), quote(s), didYouMean(s, []string{"zeros"}))
		}
	}
	if l.Type == "batch_normalization" {
		l.BatchNorm = BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}
		for key, v := range f {
			p := join(path, key)
			switch key {
			case "momentum":
				l.BatchNorm.Momentum, _ = r.number(p, v.val)
			case "epsilon":
				l.BatchNorm.Epsilon, _ = r.number(p, v.val)
			case "center":
				l.BatchNorm.Center, _ = r.boolean(p, v.val)
			case "scale":
				l.BatchNorm.Scale, _ = r.boolean(p, v.val)
			}
		}
	} else if v, ok := f["scale"]; ok {
		l.Scale, _ = r.number(join(path, "scale"), v.val)
	} else if l.Type == "rescaling" {
		r.missing(path, n, "scale", "the factor x is multiplied by, such as 0.00392156862745098 (1/255)")
	}
	if v, ok := f["offset"]; ok {
		l.Offset, _ = r.number(join(path, "offset"), v.val)
	}
	if v, ok := f["rate"]; ok {
		l.Rate, _ = r.number(join(path, "rate"), v.val)
	} else if l.Type == "dropout" {
		r.missing(path, n, "rate", "the fraction of inputs dropped while training, such as 0.2")
	}
	if l.Type == "activation" {
		if _, ok := f["activation"]; !ok {
			r.missing(path, n, "activation", strings.Join(activations, ", "))
		}
	}
	if v, ok := f["kernel_regularizer"]; ok {
		l.KernelRegularizer = r.regularizer(join(path, "kernel_regularizer"), v.val)
	}
	if v, ok := f["bias_regularizer"]; ok {
		l.BiasRegularizer = r.regularizer(join(path, "bias_regularizer"), v.val)
	}
	return l
}

// peek returns the string value of key in the mapping n, or "" when n is not a mapping or key is
// not there as a plain string; it reports nothing (fields does, when it reads n).
func peek(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == key && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
			return v.Value
		}
	}
	return ""
}

// compile reads the compile mapping.
func (r *reader) compile(n *yaml.Node) Compile {
	var c Compile
	f := r.fields(n, "compile", compileKeys)
	if f == nil {
		return c
	}
	if v, ok := f["optimizer"]; ok {
		c.Optimizer = r.optimizer(v.val)
	} else {
		r.missing("compile", n, "optimizer", orList(optimizers))
	}
	if v, ok := f["loss"]; ok {
		c.Loss, _ = r.str("compile.loss", v.val)
	} else {
		r.missing("compile", n, "loss", strings.Join(losses, ", "))
	}
	if v, ok := f["metrics"]; ok {
		items, _ := r.list(v.val, "compile.metrics", "a list such as [accuracy]")
		for i, it := range items {
			// Every item takes its place, readable or not, so that validation numbers them right.
			p := item("compile.metrics", i+1)
			s := ""
			if it = r.deref(it); it == nil {
				r.bad[p] = true
			} else {
				s, _ = r.str(p, it)
			}
			c.Metrics = append(c.Metrics, s)
		}
	}
	return c
}

// optimizer reads an optimizer, written as a bare name (optimizer: adam) or as a mapping whose
// keys depend on its type.
func (r *reader) optimizer(n *yaml.Node) Optimizer {
	const path = "compile.optimizer"
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		// The bare name is both the optimizer and its type: messages call it compile.optimizer.
		r.pos[path] = posOf(n)
		if n.ShortTag() != "!!str" {
			r.fail(path, n, strings.Join(optimizers, ", ")+", or a mapping such as {type: adam, learning_rate: 0.001}")
			return Optimizer{}
		}
		t := n.Value
		r.oneOf(path, "optimizer", t, optimizers)
		o, _ := defaultOptimizer(t)
		o.Type = t
		return o
	}
	f := r.fields(n, path, allOptimizerKeys)
	if f == nil {
		return Optimizer{}
	}
	v, ok := f["type"]
	if !ok {
		r.missing(path, n, "type", orList(optimizers))
		return Optimizer{}
	}
	t, ok := r.str(join(path, "type"), v.val)
	if !ok {
		return Optimizer{}
	}
	o, known := defaultOptimizer(t)
	o.Type = t
	for key, v := range f {
		p := join(path, key)
		if known && !slices.Contains(optimizerKeys[t], key) && !slices.Contains(commonOptimizerKeys, key) {
			r.bad[p] = true
			r.add(posOf(v.key), "unknown key %q %s: %s has no %s (it is an option of %s); allowed: %s",
				key, in(path), t, key, ownerOf(key), strings.Join(append(slices.Clone(optimizerKeys[t]), commonOptimizerKeys...), ", "))
			continue
		}
		switch key {
		case "learning_rate":
			if v.val.Kind == yaml.MappingNode {
				o.Schedule = r.schedule(p, v.val)
				if o.Schedule != nil {
					o.LearningRate = o.Schedule.InitialLearningRate
					if o.Schedule.Type == "piecewise_constant_decay" && len(o.Schedule.Values) > 0 {
						o.LearningRate = o.Schedule.Values[0]
					}
				}
				continue
			}
			o.LearningRate, _ = r.number(p, v.val)
		case "rho":
			o.Rho, _ = r.number(p, v.val)
		case "centered":
			o.Centered, _ = r.boolean(p, v.val)
		case "initial_accumulator_value":
			o.InitialAccumulator, _ = r.number(p, v.val)
		case "weight_decay":
			o.WeightDecay, _ = r.number(p, v.val)
		case "clipnorm":
			o.ClipNorm, _ = r.number(p, v.val)
		case "global_clipnorm":
			o.GlobalClipNorm, _ = r.number(p, v.val)
		case "clipvalue":
			o.ClipValue, _ = r.number(p, v.val)
		case "beta_1":
			o.Beta1, _ = r.number(p, v.val)
		case "beta_2":
			o.Beta2, _ = r.number(p, v.val)
		case "epsilon":
			o.Epsilon, _ = r.number(p, v.val)
		case "momentum":
			o.Momentum, _ = r.number(p, v.val)
		case "nesterov":
			o.Nesterov, _ = r.boolean(p, v.val)
		case "amsgrad":
			if on, ok := r.boolean(p, v.val); ok && on {
				r.add(posOf(v.val), "%s: true is not supported; allowed: false", label(p))
			}
		}
	}
	return o
}

// ownerOf names the optimizer types that have key, as "sgd" or "adam or sgd".
func ownerOf(key string) string {
	var owners []string
	for _, t := range optimizers {
		if slices.Contains(optimizerKeys[t], key) {
			owners = append(owners, t)
		}
	}
	return orList(owners)
}

// orList joins words as "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// fit reads the fit mapping over Keras' defaults.
func (r *reader) fit(n *yaml.Node) Fit {
	fit := defaultFit()
	f := r.fields(n, "fit", fitKeys)
	for key, v := range f {
		p := join("fit", key)
		switch key {
		case "epochs":
			fit.Epochs, _ = r.integer(p, v.val)
		case "batch_size":
			fit.BatchSize, _ = r.integer(p, v.val)
		case "validation_split":
			fit.ValidationSplit, _ = r.number(p, v.val)
		case "shuffle":
			fit.Shuffle, _ = r.boolean(p, v.val)
		case "seed":
			fit.Seed, _ = r.unsigned(p, v.val)
		case "callbacks":
			fit.Callbacks = r.callbacks(p, v.val)
		case "class_weight":
			fit.ClassWeight = r.classWeights(p, v.val)
		case "checkpoint":
			fit.Checkpoint = r.checkpoint(p, v.val)
		}
	}
	return fit
}

// data reads the data mapping over the defaults (MNIST from the GoMNIST module). Its keys
// depend on its source, peeked first as a layer's type is.
func (r *reader) data(n *yaml.Node) Data {
	d := defaultData()
	d.Pos = posOf(n)
	src := peek(n, "source")
	if src == "" && !r.hasKey(n, "source") {
		src = d.Source
	}
	allowed := allDataKeys
	if keys, ok := dataKeys[src]; ok {
		allowed = keys
	}
	if src == "csv" {
		d.Header, d.Delimiter = true, ',' // Keras' and pandas' habits: a header row, commas
	}
	f := r.fields(n, "data", allowed)
	for key, v := range f {
		p := join("data", key)
		switch key {
		case "test_split":
			d.TestSplit, _ = r.number(p, v.val)
		case "header":
			d.Header, _ = r.boolean(p, v.val)
		case "normalize_label":
			d.NormalizeLabel, _ = r.boolean(p, v.val)
		case "label":
			d.Label = r.columns(p, v.val, true)
		case "features":
			d.Features = r.columns(p, v.val, false)
		case "delimiter":
			d.Delimiter = r.delimiter(p, v.val)
		default:
			s, _ := r.str(p, v.val)
			switch key {
			case "source":
				d.Source = s
			case "dir":
				d.Dir = s
			case "train_images":
				d.TrainImages = s
			case "train_labels":
				d.TrainLabels = s
			case "test_images":
				d.TestImages = s
			case "test_labels":
				d.TestLabels = s
			case "train":
				d.Train = s
			case "test":
				d.Test = s
			}
		}
	}
	return d
}

// hasKey reports whether the mapping n has key.
func (r *reader) hasKey(n *yaml.Node, key string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

// columns reads CSV columns: a list of names and 0-based indexes or, where one alone is allowed
// (a label), a single name or index.
func (r *reader) columns(path string, n *yaml.Node, single bool) []Column {
	const want = "a column name such as party or a 0-based index such as 4"
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		if !single {
			r.fail(path, n, "a list of column names or 0-based indexes, such as [v1, v2] or [0, 1]")
			return nil
		}
		c, ok := r.column(path, n, want+", or a list of them")
		if !ok {
			return nil
		}
		return []Column{c}
	}
	items, ok := r.list(n, path, "a list of column names or 0-based indexes, such as [v1, v2] or [0, 1]")
	if !ok {
		return nil
	}
	var cols []Column
	for i, it := range items {
		p := item(path, i+1)
		if it = r.deref(it); it == nil {
			r.bad[p] = true
			continue
		}
		if c, ok := r.column(p, it, want); ok {
			cols = append(cols, c)
		}
	}
	return cols
}

// column reads one column: a string is a name, an integer an index.
func (r *reader) column(path string, n *yaml.Node, want string) (Column, bool) {
	c := Column{Pos: posOf(n)}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		i, ok := r.integer(path, n)
		c.Index = i
		return c, ok
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		r.pos[path] = posOf(n)
		c.Name = n.Value
		return c, true
	}
	r.fail(path, n, want)
	return c, false
}

// delimiter reads the CSV field separator: one character.
func (r *reader) delimiter(path string, n *yaml.Node) rune {
	s, ok := r.str(path, n)
	if !ok {
		return 0
	}
	if utf8.RuneCountInString(s) != 1 {
		r.bad[path] = true
		r.add(posOf(n), "%s: want one character such as \",\" or \";\" (\"\\t\" for tabs), got %s", label(path), quote(s))
		return 0
	}
	c, _ := utf8.DecodeRuneInString(s)
	return c
}
