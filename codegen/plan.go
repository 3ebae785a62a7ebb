package codegen

import (
	"fmt"
	"hash/fnv"
	"path"
	"path/filepath"
	"strings"

	"github.com/nngen/nngen/spec"
)

// Plan is everything the emitters need to know about one network: its sizes, its layers in
// order, and the settings that become constants. It is built from a validated spec.Model by
// newPlan and never refers back to the spec's text.
type Plan struct {
	SpecPath    string // written in each file's header, sanitised
	Package     string // the Go package name
	ImportPath  string // the generated package's import path, for its cmd/train
	InputSize   int
	InputShape  []int // the spec's input shape, whose product is InputSize
	BatchSize   int
	Layers      []Layer             // every layer in order; the last is the output layer, a dense one
	First       int                 // the index in Layers of the first layer with trained parameters (see Stage)
	Loss        string              // one of knownLosses
	Metrics     []string            // accuracy, mae, mse: computed by the runtime from Trainer.Output
	Classifies  bool                // the loss is a cross-entropy: the outputs are class probabilities
	ClassCount  int                 // the number of classes of a classifier: OutputSize, or 2 for one sigmoid unit
	Labels      *LabelNormalization // the labels' standardisation (regression with data.normalize_label); nil without
	Optimizer   spec.Optimizer
	Fit         spec.Fit
	Data        spec.Data
	Fingerprint uint64 // identifies the tensor names and shapes in weights files
}

// Options says how to name the generated package.
type Options struct {
	Package    string // Go package name; empty means the spec's name
	ImportPath string // import path of the generated package, used by its cmd/train; required
	SpecPath   string // the spec path to name in headers; empty means the model's Path
}

// newPlan checks the options and builds the plan of m.
func newPlan(m *spec.Model, opt Options) (*Plan, error) {
	pkg := opt.Package
	if pkg == "" {
		pkg = m.Name
	}
	if problem := spec.PackageNameProblem(pkg); problem != "" {
		return nil, fmt.Errorf("codegen: package name: %s", problem)
	}
	if opt.ImportPath == "" || strings.ContainsAny(opt.ImportPath, "\"`\\ \t\r\n") {
		return nil, fmt.Errorf("codegen: import path %q is empty or has characters an import path cannot have", opt.ImportPath)
	}
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("codegen: the spec has no layers")
	}
	specPath := opt.SpecPath
	if specPath == "" {
		specPath = m.Path
	}
	p := &Plan{
		SpecPath:   sanitiseComment(specPath),
		Package:    pkg,
		ImportPath: opt.ImportPath,
		InputSize:  m.Input.Size(),
		InputShape: m.Input.Shape,
		BatchSize:  m.Fit.BatchSize,
		Loss:       m.Compile.Loss,
		Metrics:    m.Compile.Metrics,
		Optimizer:  m.Compile.Optimizer,
		Fit:        m.Fit,
		Data:       m.Data,
	}
	in, inConst := p.InputSize, "InputSize"
	shape := imageShape(m.Input.Shape) // the shape the next layer sees: an image, or nil for a flat row
	dense, convs, pools, norms := 0, 0, 0, 0
	for i, l := range m.Layers {
		index := len(p.Layers) + 1
		var layer Layer
		switch l.Type {
		case "dense", "conv2d":
			act, ok := activationTable[l.Activation]
			if !ok || initializerFunc[l.KernelInitializer] == "" || (l.Type == "dense") != (shape == nil) {
				return nil, fmt.Errorf("codegen: layer %d (%s, activation %q, initializer %q, input shape %v) was not validated", i+1, l.Type, l.Activation, l.KernelInitializer, shape)
			}
			fused := l.Activation
			if act.fromInput {
				fused = "linear" // the activation becomes a layer of its own, which keeps its input
			}
			var trained Layer
			if l.Type == "dense" {
				if l.Units < 1 {
					return nil, fmt.Errorf("codegen: layer %d has %d units; the spec was not validated", i+1, l.Units)
				}
				trained = newDense(dense, index, l, fused, in, inConst)
				dense++
			} else {
				if l.Conv.Filters < 1 || !newConvGeom(shape, l.Conv, l.Conv.KernelSize).valid() {
					return nil, fmt.Errorf("codegen: layer %d (conv2d %+v on %v) was not validated", i+1, l.Conv, shape)
				}
				convs++
				trained = newConv2D(convs, index, l, fused, shape, inConst)
			}
			p.Layers = append(p.Layers, trained)
			in, inConst, shape = trained.Info().Out, trained.Info().OutConst, trained.Info().Shape
			if fused == l.Activation {
				continue
			}
			layer = newActivation(index+1, l.Activation, in, inConst)
		case "activation":
			if _, ok := activationTable[l.Activation]; !ok {
				return nil, fmt.Errorf("codegen: layer %d has activation %q; the spec was not validated", i+1, l.Activation)
			}
			layer = newActivation(index, l.Activation, in, inConst)
		case "batch_normalization":
			norms++
			layer = newBatchNormalization(norms, index, l.BatchNorm, in, inConst, shape)
		case "dropout":
			if !(l.Rate >= 0 && l.Rate < 1) {
				return nil, fmt.Errorf("codegen: layer %d has dropout rate %v; the spec was not validated", i+1, l.Rate)
			}
			layer = newDropout(index, l.Rate, in, inConst)
		case "rescaling", "normalization":
			if dense+convs > 0 || (l.Type == "normalization" && shape != nil) {
				return nil, fmt.Errorf("codegen: layer %d (%s) comes after a trained layer or on an image; the spec was not validated", i+1, l.Type)
			}
			if l.Type == "rescaling" {
				layer = newRescaling(index, l.Scale, l.Offset, in, inConst)
			} else {
				layer = newNormalization(index, in, inConst)
			}
		case "max_pooling2d", "average_pooling2d", "global_max_pooling2d", "global_average_pooling2d":
			if shape == nil || (!strings.HasPrefix(l.Type, "global") && !newConvGeom(shape, l.Conv, l.Conv.PoolSize).valid()) {
				return nil, fmt.Errorf("codegen: layer %d (%s %+v on %v) was not validated", i+1, l.Type, l.Conv, shape)
			}
			pools++
			layer = newPooling(pools, index, l, shape, inConst)
		case "flatten":
			shape = flatten(shape)
			continue
		default:
			return nil, fmt.Errorf("codegen: layer %d has type %q; only dense, conv2d, pooling, flatten, activation, dropout, batch_normalization, rescaling and normalization layers can be generated", i+1, l.Type)
		}
		if keepsShape(layer) {
			layer.Info().Shape = shape
		}
		p.Layers = append(p.Layers, layer)
		in, inConst, shape = layer.Info().Out, layer.Info().OutConst, layer.Info().Shape
	}
	if dense == 0 || m.Layers[len(m.Layers)-1].Type != "dense" {
		return nil, fmt.Errorf("codegen: the spec's last layer is not dense; the spec was not validated")
	}
	for p.First < len(p.Layers) && !trains(p.Layers[p.First]) {
		p.First++
	}
	for _, l := range p.Body()[1:] {
		if c, ok := l.(*Conv2D); ok {
			c.needInputGradient()
		}
	}
	p.Classifies = m.Compile.Classifies()
	if p.Classifies {
		p.ClassCount = max(p.Output().Info().Out, 2)
	}
	if m.Data.Source == "csv" && m.Data.NormalizeLabel {
		p.Labels = newLabelNormalization(p.Output().Info().Out)
	}
	if !knownLosses[p.Loss] || p.InputSize < 1 || p.BatchSize < 1 {
		return nil, fmt.Errorf("codegen: loss %q, input size %d, batch size %d: the spec was not validated", p.Loss, p.InputSize, p.BatchSize)
	}
	if p.Data.Source == "csv" {
		// The CSV files are relative to the spec's folder: data.dir holds it, as seen from the folder
		// nngen ran in, for the trainer's -data default.
		p.Data.Dir = path.Dir(filepath.ToSlash(specPath))
	} else if p.Data.Dir != "" && !path.IsAbs(p.Data.Dir) {
		// The spec's data.dir is relative to the spec's folder; the trainer runs from the folder
		// nngen ran in, where the spec path is valid.
		p.Data.Dir = path.Join(path.Dir(filepath.ToSlash(specPath)), p.Data.Dir)
	}
	p.Fingerprint = fingerprint(p)
	return p, nil
}

// imageShape is shape when it is an image, [height, width, channels], and nil for a flat row.
func imageShape(shape []int) []int {
	if len(shape) == 3 {
		return shape
	}
	return nil
}

// keepsShape reports whether a layer's output has its input's shape: every kind whose output is
// as wide as its input (activation, dropout, batch normalization, the preprocessing layers).
func keepsShape(l Layer) bool {
	d := l.Info()
	return d.OutConst == d.InConst
}

// trains reports whether a layer has trained parameters.
func trains(l Layer) bool {
	for _, prm := range l.Params() {
		if !prm.Fixed {
			return true
		}
	}
	return false
}

// knownLosses are the losses the emitters can write.
var (
	knownLosses = map[string]bool{"categorical_crossentropy": true, "sparse_categorical_crossentropy": true,
		"binary_crossentropy": true, "mean_squared_error": true, "mean_absolute_error": true}
)

// fingerprint hashes the names and shapes of every tensor, so that a weights file made for one
// network is refused by another.
func fingerprint(p *Plan) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "nngen weights v1; input %d", p.InputSize)
	for _, prm := range params(p) {
		dims := make([]string, len(prm.Dims))
		for i, d := range prm.Dims {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(h, "; %s %s", prm.Tensor, strings.Join(dims, "x"))
	}
	return h.Sum64()
}

// sanitiseComment makes s safe inside a // comment: it must not end the comment line (which
// would let a spec path inject code), so anything but printable characters is quoted.
func sanitiseComment(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
