package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nngen/nngen/codegen"
	"github.com/nngen/nngen/spec"
)

// options are what a run checks.
type options struct {
	Steps    int    // steps of training
	Python   string // the Python with PyTorch
	Networks []network
	Keep     bool      // keep the work folder (to look at the records)
	Log      io.Writer // progress, or nil
}

// result is one network's comparison.
type result struct {
	Net         network
	Model       *spec.Model
	Checkpoints []int       // steps after which the parameters were compared
	WeightMax   []float64   // per checkpoint: max_i |a_i - b_i| / max(|b_i|, RMS of its tensor)
	WeightNorm  []float64   // per checkpoint: ||a - b|| / ||b|| over all parameters
	WorstAt     []string    // per checkpoint: the parameter element of WeightMax
	LossRel     []float64   // per checkpoint s: |loss_a - loss_b| / |loss_b| of step s's TrainBatch
	GoLoss      []float32   // every step's loss, nngen
	TorchLoss   []float32   // and PyTorch
	Init        []float32   // the initial parameters
	Tensors     []tensorRef // names and shapes, in order
	GoParams    map[int][]float32
	TorchParams map[int][]float32
}

type tensorRef struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// The element-wise relative difference of a parameter is |a - b| / max(|b|, floor), where the
// floor is the RMS of b's tensor (PyTorch's values of that kernel or bias). An element much
// smaller than its tensor's typical value is, in float32, mostly the result of a cancellation (a
// weight w0 that one update u of about the same size moves to w0 - u ≈ 0; an Adam update that
// divides a gradient summed with cancellation by its own size): its error is that of the
// operands, so it is measured against the tensor's scale, not against itself. Without the floor
// (a tiny one, 1e-30) the largest element-wise difference of the networks below is always such an
// element, 1e-2 to 1e+2 after one step; -worst prints the elements.

// checkpoints are the steps after which parameters are compared: 1, 10, 100, 1000, ... up to
// steps, and steps itself.
func checkpoints(steps int) []int {
	var c []int
	for s := 1; s <= steps; s *= 10 {
		c = append(c, s)
	}
	if c[len(c)-1] != steps {
		c = append(c, steps)
	}
	return c
}

func (o options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format, args...)
	}
}

// run generates every network's package into a temporary folder under bench/out/ of the nngen
// checkout, builds one driver over them, runs it and then PyTorch (one process for every network),
// and compares.
func run(o options) ([]result, error) {
	if o.Steps < 1 {
		return nil, fmt.Errorf("-steps must be at least 1, got %d", o.Steps)
	}
	root, err := codegen.FindRoot(".")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, "bench", "out"), 0o755); err != nil {
		return nil, err
	}
	// A folder name starting with _ is ignored by ./... patterns: a go vet ./... or go test ./...
	// run meanwhile does not see the generated packages.
	work, err := os.MkdirTemp(filepath.Join(root, "bench", "out"), "_torchparity")
	if err != nil {
		return nil, err
	}
	if o.Keep {
		o.logf("work folder: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	base := codegen.ModulePath + "/bench/out/" + filepath.Base(work)
	checks := checkpoints(o.Steps)

	// Generate each package once (two rows may share one: the same spec, PyTorch set up two ways).
	models := map[string]*spec.Model{}
	var names []string
	for _, n := range o.Networks {
		path := n.Path
		if path == "" {
			path = n.Name + ".yaml"
		}
		m, err := spec.Parse(path, []byte(n.YAML))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		if old, ok := models[n.Name]; ok {
			if old.Path != m.Path {
				return nil, fmt.Errorf("two networks named %s with different specs", n.Name)
			}
			continue
		}
		if err := checkSupported(m); err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		models[n.Name] = m
		names = append(names, n.Name)
		files, err := codegen.Generate(m, codegen.Options{Package: n.Name, ImportPath: base + "/" + n.Name})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Name, err)
		}
		var keep []codegen.File
		for _, f := range files {
			if strings.HasSuffix(f.Path, "_test.go") {
				continue // the generated tests are not needed here, and go vet ./... need not see them
			}
			keep = append(keep, f)
		}
		if err := codegen.WritePackage(filepath.Join(work, n.Name), keep); err != nil {
			return nil, err
		}
	}
	src, err := driverSource(base, names)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(work, "driver"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(work, "driver", "main.go"), src, 0o644); err != nil {
		return nil, err
	}
	start := time.Now()
	bin := filepath.Join(work, "driver.bin")
	build := exec.Command("go", "build", "-o", bin, "./"+filepath.ToSlash(must(filepath.Rel(root, filepath.Join(work, "driver")))))
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the generated packages and the driver: %v\n%s", err, out)
	}
	o.logf("generated %d packages and built the driver in %v\n", len(names), time.Since(start).Round(time.Millisecond))

	// Data and nngen's run, package by package.
	var mnist *pool
	for _, name := range names {
		m := models[name]
		dir := filepath.Join(work, name)
		var p *pool
		if slices.ContainsFunc(o.Networks, func(n network) bool { return n.Name == name && n.MNIST }) {
			if mnist == nil {
				if mnist, err = mnistPool(o.Steps, m.Fit.BatchSize, m.Fit.Seed); err != nil {
					return nil, err
				}
			}
			p = mnist
		} else {
			p = randomPool(m, o.Steps, m.Fit.BatchSize, m.Fit.Seed)
		}
		if err := errors.Join(writeRaw(filepath.Join(dir, "pool_x.f32"), p.X), writeRaw(filepath.Join(dir, "pool_y.f32"), p.Y),
			writeRaw(filepath.Join(dir, "idx.i32"), p.Idx)); err != nil {
			return nil, err
		}
		start := time.Now()
		cmd := exec.Command(bin, name, dir, strconv.Itoa(o.Steps), joinInts(checks))
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: driver: %v\n%s", name, err, out)
		}
		o.logf("nngen  %-20s %d steps in %v\n", name, o.Steps, time.Since(start).Round(time.Millisecond))
	}

	// PyTorch, every row in one process.
	var jobs []torchJob
	for i, n := range o.Networks {
		jobs = append(jobs, newTorchJob(n, models[n.Name], filepath.Join(work, n.Name), fmt.Sprintf("torch%d_", i), o.Steps, checks))
	}
	jobsPath := filepath.Join(work, "jobs.json")
	data, err := json.MarshalIndent(map[string]any{"jobs": jobs}, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(jobsPath, data, 0o644); err != nil {
		return nil, err
	}
	script := filepath.Join(root, "bench", "torchparity", "torch_steps.py")
	start = time.Now()
	py := exec.Command(o.Python, script, jobsPath)
	var pyOut bytes.Buffer
	py.Stdout, py.Stderr = &pyOut, &pyOut
	if err := py.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s", o.Python, script, err, pyOut.String())
	}
	o.logf("torch  %d networks in %v\n", len(jobs), time.Since(start).Round(time.Millisecond))

	var results []result
	for i, n := range o.Networks {
		r, err := compare(n, models[n.Name], jobs[i], checks)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// checkSupported refuses what the comparison does not map to PyTorch: only dense layers (the
// activations and losses of the table), a constant learning rate, no regularizer, no clipping and
// weight decay only as AdamW's.
func checkSupported(m *spec.Model) error {
	if len(m.Input.Shape) != 1 {
		return fmt.Errorf("input shape %v: only flat inputs are compared", m.Input.Shape)
	}
	for i, l := range m.Layers {
		if !l.Dense() || !l.KernelRegularizer.Zero() || !l.BiasRegularizer.Zero() {
			return fmt.Errorf("layer %d: only dense layers without regularizers are compared", i+1)
		}
	}
	o := m.Compile.Optimizer
	if o.Schedule != nil || o.ClipNorm != 0 || o.GlobalClipNorm != 0 || o.ClipValue != 0 || (o.WeightDecay != 0 && o.Type != "adamw") {
		return fmt.Errorf("optimizer: schedules, clipping and weight decay other than adamw's are not compared")
	}
	return nil
}

// torchJob is what torch_steps.py reads for one row: the network, the optimiser with Keras'
// hyper-parameters, and the files.
type torchJob struct {
	Label       string      `json:"label"`
	Dir         string      `json:"dir"`
	Prefix      string      `json:"prefix"` // of the files PyTorch writes: <prefix>loss.f32, <prefix>params_<s>.f32
	Input       int         `json:"input"`
	Output      int         `json:"output"`
	Layers      []torchDL   `json:"layers"`
	Loss        string      `json:"loss"`
	Optimizer   torchOpt    `json:"optimizer"`
	EpsilonHat  bool        `json:"epsilon_hat"`
	Steps       int         `json:"steps"`
	Batch       int         `json:"batch"`
	Checkpoints []int       `json:"checkpoints"`
	Tensors     []tensorRef `json:"tensors"`
}

type torchDL struct {
	Units      int    `json:"units"`
	Activation string `json:"activation"`
	UseBias    bool   `json:"use_bias"`
}

type torchOpt struct {
	Type               string  `json:"type"`
	LearningRate       float64 `json:"learning_rate"`
	Beta1              float64 `json:"beta_1"`
	Beta2              float64 `json:"beta_2"`
	Epsilon            float64 `json:"epsilon"`
	Momentum           float64 `json:"momentum"`
	Nesterov           bool    `json:"nesterov"`
	Rho                float64 `json:"rho"`
	Centered           bool    `json:"centered"`
	InitialAccumulator float64 `json:"initial_accumulator_value"`
	WeightDecay        float64 `json:"weight_decay"`
}

func newTorchJob(n network, m *spec.Model, dir, prefix string, steps int, checks []int) torchJob {
	j := torchJob{Label: n.label(), Dir: dir, Prefix: prefix, Input: m.Input.Size(), Loss: m.Compile.Loss,
		EpsilonHat: n.EpsilonHat, Steps: steps, Batch: m.Fit.BatchSize, Checkpoints: checks}
	in := j.Input
	for i, l := range m.Layers {
		j.Layers = append(j.Layers, torchDL{Units: l.Units, Activation: l.Activation, UseBias: l.UseBias})
		name := fmt.Sprintf("dense%d", i+1)
		j.Tensors = append(j.Tensors, tensorRef{name + "/kernel", []int{in, l.Units}})
		if l.UseBias {
			j.Tensors = append(j.Tensors, tensorRef{name + "/bias", []int{l.Units}})
		}
		in = l.Units
	}
	j.Output = in
	o := m.Compile.Optimizer
	j.Optimizer = torchOpt{Type: o.Type, LearningRate: o.LearningRate, Beta1: o.Beta1, Beta2: o.Beta2, Epsilon: o.Epsilon,
		Momentum: o.Momentum, Nesterov: o.Nesterov, Rho: o.Rho, Centered: o.Centered,
		InitialAccumulator: o.InitialAccumulator, WeightDecay: o.WeightDecay}
	return j
}

// compare reads both sides' records of one row.
func compare(n network, m *spec.Model, j torchJob, checks []int) (result, error) {
	r := result{Net: n, Model: m, Checkpoints: checks, Tensors: j.Tensors,
		GoParams: map[int][]float32{}, TorchParams: map[int][]float32{}}
	var err error
	read := func(name string) []float32 {
		if err != nil {
			return nil
		}
		var v []float32
		v, err = readRaw(filepath.Join(j.Dir, name))
		return v
	}
	r.Init = read("init.f32")
	r.GoLoss = read("loss.f32")
	r.TorchLoss = read(j.Prefix + "loss.f32")
	for _, s := range checks {
		r.GoParams[s] = read(fmt.Sprintf("params_%d.f32", s))
		r.TorchParams[s] = read(fmt.Sprintf("%sparams_%d.f32", j.Prefix, s))
	}
	if err != nil {
		return r, err
	}
	total := 0
	for _, t := range j.Tensors {
		total += product(t.Shape)
	}
	if len(r.Init) != total || len(r.GoLoss) != j.Steps || len(r.TorchLoss) != j.Steps {
		return r, fmt.Errorf("%s: records of the wrong size: %d parameters (want %d), %d and %d losses (want %d)",
			n.label(), len(r.Init), total, len(r.GoLoss), len(r.TorchLoss), j.Steps)
	}
	for _, s := range checks {
		a, b := r.GoParams[s], r.TorchParams[s]
		if len(a) != total || len(b) != total {
			return r, fmt.Errorf("%s: step %d: %d and %d parameters, want %d", n.label(), s, len(a), len(b), total)
		}
		worst, at := elementRel(j.Tensors, a, b)
		r.WeightMax = append(r.WeightMax, worst)
		r.WorstAt = append(r.WorstAt, describeElement(j.Tensors, at, a, b))
		r.WeightNorm = append(r.WeightNorm, normRel(a, b))
		r.LossRel = append(r.LossRel, relDiff(float64(r.GoLoss[s-1]), float64(r.TorchLoss[s-1])))
	}
	return r, nil
}

// elementRel is max_i |a_i - b_i| / max(|b_i|, RMS of b_i's tensor), and its index; NaN anywhere
// gives NaN.
func elementRel(ts []tensorRef, a, b []float32) (float64, int) {
	worst, at, off := 0.0, 0, 0
	for _, t := range ts {
		n := product(t.Shape)
		var ss float64
		for _, v := range b[off : off+n] {
			ss += float64(v) * float64(v)
		}
		floor := math.Max(math.Sqrt(ss/float64(n)), math.SmallestNonzeroFloat64)
		for i := off; i < off+n; i++ {
			d := math.Abs(float64(a[i])-float64(b[i])) / math.Max(math.Abs(float64(b[i])), floor)
			if math.IsNaN(d) {
				return math.NaN(), i
			}
			if d > worst {
				worst, at = d, i
			}
		}
		off += n
	}
	return worst, at
}

// normRel is ||a - b|| / ||b|| (Euclidean, over all parameters).
func normRel(a, b []float32) float64 {
	var d, n float64
	for i := range a {
		e := float64(a[i]) - float64(b[i])
		d += e * e
		n += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(d) / math.Sqrt(n)
}

// relDiff is |a - b| / |b|, 0 when both are equal (NaN when either is).
func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Abs(b)
}

// describeElement names element i of the concatenated tensors, with both values.
func describeElement(ts []tensorRef, i int, a, b []float32) string {
	off := 0
	for _, t := range ts {
		n := product(t.Shape)
		if i < off+n {
			k := i - off
			where := fmt.Sprintf("[%d]", k)
			if len(t.Shape) == 2 {
				where = fmt.Sprintf("[%d,%d]", k/t.Shape[1], k%t.Shape[1])
			}
			return fmt.Sprintf("%s%s nngen %.9g torch %.9g", t.Name, where, a[i], b[i])
		}
		off += n
	}
	return "?"
}

func product(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// writeRaw writes v (float32 or int32 values) little-endian.
func writeRaw[T float32 | int32](path string, v []T) error {
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readRaw(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes, not a whole number of float32", path, len(b))
	}
	v := make([]float32, len(b)/4)
	_, err = binary.Decode(b, binary.LittleEndian, v)
	return v, err
}

// torchVersion is "torch <version>" of python, or why it cannot be had.
func torchVersion(python string) string {
	out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").Output()
	if err != nil {
		return fmt.Sprintf("no torch in %s: %v", python, err)
	}
	return "torch " + strings.TrimSpace(string(out))
}
