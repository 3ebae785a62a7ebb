package spec

import (
	"slices"
	"strconv"
	"strings"
)

// The rules that tie values together: the output layer and the loss, what the MNIST data
// fixes, and the network's total size. They only look at values validate found in range.

// checkLoss checks that the output layer suits the loss: the categorical cross-entropies need a
// softmax over at least two classes (MNIST's count is checkMNIST's job), binary cross-entropy one
// sigmoid unit; and a softmax over one unit is constant.
func (r *reader) checkLoss(m *Model) {
	if !r.has("layers") || len(m.Layers) == 0 {
		return
	}
	last := item("layers", len(m.Layers))
	out := m.Layers[len(m.Layers)-1]
	act, units := join(last, "activation"), join(last, "units")
	if !r.ok(last) || !out.Dense() || !r.ok(act) || !slices.Contains(activations, out.Activation) {
		return
	}
	unitsOK := r.has(units) && out.Units >= 1 && out.Units <= maxUnits
	lossOK := r.has("compile.loss") && slices.Contains(losses, m.Compile.Loss)
	categorical := lossOK && strings.HasSuffix(m.Compile.Loss, "categorical_crossentropy")
	binary := lossOK && m.Compile.Loss == "binary_crossentropy"
	got := quote(out.Activation)
	if !r.has(act) {
		got = "linear (the default)"
	}
	switch {
	case categorical && out.Activation != "softmax":
		r.add(r.at(act), "%s: compile.loss %s needs softmax on the last layer, got %s; allowed: softmax",
			label(act), m.Compile.Loss, got)
	case binary && out.Activation != "sigmoid":
		r.add(r.at(act), "%s: compile.loss binary_crossentropy needs sigmoid on the last layer, got %s; allowed: sigmoid",
			label(act), got)
	case binary && unitsOK && out.Units != 1:
		r.add(r.at(units), "%s: compile.loss binary_crossentropy needs one output unit (the probability of the second class), got %d; allowed: 1 (for more classes: softmax and categorical_crossentropy)",
			label(units), out.Units)
	case unitsOK && out.Units < 2 && out.Activation == "softmax" && !r.mnist(m):
		why := "a softmax over 1 unit always outputs 1"
		if categorical {
			why = "compile.loss " + m.Compile.Loss + " needs one output per class"
		}
		r.add(r.at(units), "%s: %s; allowed: 2 to %d", label(units), why, maxUnits)
	}
}

// mnist reports whether the spec trains on MNIST.
func (r *reader) mnist(m *Model) bool {
	return r.ok("data.source") && m.Data.Source == "mnist"
}

// checkMNIST checks what the MNIST data fixes: 784 inputs, 10 outputs, 60000 training images
// to split and batch.
func (r *reader) checkMNIST(m *Model) {
	if !r.mnist(m) {
		return
	}
	if size, ok := r.inputSize(m.Input); ok && size <= maxInputSize {
		switch in := m.Input.Shape; {
		case size != mnistFeatures:
			r.add(r.at("input.shape"), "input.shape: data source mnist has %d inputs (28x28 images), got %s; allowed: [784] or [28, 28] (flat), or [28, 28, 1] (an image, for conv2d)",
				mnistFeatures, shape(in))
		case isImage(in) && !slices.Equal(in, []int{mnistSide, mnistSide, 1}):
			r.add(r.at("input.shape"), "input.shape: data source mnist has 28x28 images of one channel, got the image %s; allowed: [28, 28, 1] (height, width, channels: channels last, as Keras)",
				shape(in))
		}
	}
	if r.has("layers") && len(m.Layers) > 0 {
		units := join(item("layers", len(m.Layers)), "units")
		if u := m.Layers[len(m.Layers)-1].Units; r.has(units) && u >= 1 && u <= maxUnits && u != mnistClasses {
			r.add(r.at(units), "%s: data source mnist has %d classes, so the last layer needs %d units, got %d; allowed: %d",
				label(units), mnistClasses, mnistClasses, u, mnistClasses)
		}
	}
	split := m.Fit.ValidationSplit
	if !r.ok("fit.validation_split") || split < 0 || split >= 1 {
		return
	}
	train := trainSamples(mnistTrainSize, split)
	switch {
	case train == 0:
		r.add(r.at("fit.validation_split"), "fit.validation_split: %s leaves none of mnist's %d images for training; allowed: a fraction that leaves at least one",
			ftoa(split), mnistTrainSize)
		return
	case train == mnistTrainSize && split > 0:
		r.add(r.at("fit.validation_split"), "fit.validation_split: %s leaves none of mnist's %d images for validation; allowed: 0 (no validation) or a fraction that sets at least one aside",
			ftoa(split), mnistTrainSize)
	}
	if b := m.Fit.BatchSize; r.ok("fit.batch_size") && b > train && b <= maxBatchSize {
		of := "mnist's " + strconv.Itoa(mnistTrainSize) + " images"
		if train < mnistTrainSize {
			of += " less validation_split " + ftoa(split)
		}
		r.add(r.at("fit.batch_size"), "fit.batch_size: %d is larger than the %d training samples (%s); allowed: 1 to %d",
			b, train, of, train)
	}
}

// trainSamples is how many of n samples Keras trains on with validation_split split: the first
// floor(n·(1−split)); runtime/dataset.Split cuts at the same place.
func trainSamples(n int, split float64) int {
	return int(float64(n) * (1 - split)) // truncation is floor for the non-negative product
}

// checkParameters refuses a network whose weights or training buffers would not fit in a
// sensible program; shapes are the layers' output shapes (nil when they are not known, or a
// layer was too large already).
func (r *reader) checkParameters(m *Model, shapes [][]int) {
	if shapes == nil {
		return
	}
	var total, units int64
	images := false
	in := inputShape(m.Input)
	inputs := values(in)
	for i, l := range m.Layers {
		n := values(in)
		switch t := l.Type; {
		case t == "normalization":
			total += 2 * n // its mean and variance, not trained but stored
		case t == "dense":
			total += n * int64(l.Units)
			if l.UseBias {
				total += int64(l.Units)
			}
		case t == "conv2d":
			total += int64(l.Conv.KernelSize[0]) * int64(l.Conv.KernelSize[1]) * int64(in[2]) * int64(l.Conv.Filters)
			if l.UseBias {
				total += int64(l.Conv.Filters)
			}
		}
		if t := l.Type; t == "dense" || t == "conv2d" || pooling(t) || globalPooling(t) {
			units += values(shapes[i])
			images = images || t != "dense"
		}
		in = shapes[i]
	}
	if total > maxParameters {
		r.add(r.at("layers"), "layers: %d parameters in total; allowed: at most %d (2^26)", total, maxParameters)
	}
	// A Trainer holds a batch of inputs and, per layer, a batch of activations, deltas and (for
	// two cores) a share of pre-activations, all float32.
	if batch := int64(m.Fit.BatchSize); batch > 0 {
		if bytes := 4 * batch * (inputs + 3*units); bytes > maxBatchBytes {
			at := r.at("layers")
			if r.has(join("fit", "batch_size")) {
				at = r.at(join("fit", "batch_size"))
			}
			what, fewer := "units", "fewer units"
			if images {
				what, fewer = "output values of dense, conv2d and pooling layers", "smaller layers"
			}
			r.add(at, "fit.batch_size: %d samples of %d inputs through %d %s need %d MiB of training buffers; allowed: at most %d MiB (a smaller batch or %s)",
				batch, inputs, units, what, bytes>>20, maxBatchBytes>>20, fewer)
		}
	}
}
