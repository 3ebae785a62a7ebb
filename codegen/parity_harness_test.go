package codegen_test

// The harness: one Go program, written by TestParity, that imports every generated package of
// the run, drives each through the API of codegen's package doc (Tensors, NewTrainer, EvalBatch,
// Predict, BatchPredictor, Gradients, Output, GradTensors, Apply, TrainBatch; AdaptInputs and
// AdaptLabels for the fixed statistics; PredictClass, Classes and SetClasses for a classifier) on
// inputs read from a JSON file, and writes what it observed as JSON. The steps return only the
// loss; the harness counts the correct rows from Output(), with asm.Correct, as the runtime does.
// Floats cross the boundary as their float32 bit patterns, so nothing is lost to decimal and NaN
// survives. A panic in one package is recorded with the phase it happened in, and the harness
// goes on with the next package. The harness also seeds the dropout masks (SetSeed) and sets the
// learning rate (SetLearningRate) where the input asks, reads LearningRate() before every step
// where the Trainer has it, and checks that Snapshot returns the parameters Tensors() holds and
// that Restore puts a snapshot back. It also reports the parameters of a fresh Model after
// Init(harnessInitSeed), whose distributions parity_init_test.go checks.

import (
	"bytes"
	"fmt"
	"go/format"
	"math"
	"text/template"
)

// The JSON the harness reads. These types are repeated in the harness source below; the JSON
// field names are the contract between the two.
type harnessInput struct {
	Cases []harnessCaseIn `json:"cases"`
}

type harnessCaseIn struct {
	Name   string          `json:"name"`
	Params [][]uint32      `json:"params"` // initial parameters, in Tensors order, the fixed statistics too
	Steps  []harnessStepIn `json:"steps"`
	// AdaptInputs and AdaptLabels are called on a fresh Model with these statistics, when the
	// package has them; a classifier is given these class names.
	AdaptMean     []float64 `json:"adapt_mean"`
	AdaptVariance []float64 `json:"adapt_variance"`
	LabelMean     []float64 `json:"label_mean"`
	LabelVariance []float64 `json:"label_variance"`
	Classes       []string  `json:"classes"`
	// SetSeed, when not nil, is given to the Trainer's SetSeed right after NewTrainer; SetLR to its
	// SetLearningRate just before step SetLRBefore (from 1; 0: never).
	SetSeed     *uint64 `json:"set_seed"`
	SetLR       float64 `json:"set_lr"`
	SetLRBefore int     `json:"set_lr_before"`
}

type harnessStepIn struct {
	X     []uint32 `json:"x"` // exactly N rows
	Y     []uint32 `json:"y"`
	N     int      `json:"n"`
	Train bool     `json:"train"` // TrainBatch, instead of Gradients, Output, GradTensors and Apply
}

// The JSON the harness writes.
type harnessOutput struct {
	Level     string           `json:"level"`     // asm.Level()
	EnvErr    string           `json:"env_err"`   // asm.CheckEnv()
	Supported []string         `json:"supported"` // asm.SupportedLevels()
	Cases     []harnessCaseOut `json:"cases"`
}

type harnessTensor struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

type harnessCaseOut struct {
	Name        string          `json:"name"`
	Consts      map[string]int  `json:"consts"`
	Tensors     []harnessTensor `json:"tensors"`
	GradTensors []harnessTensor `json:"grad_tensors"` // from the first Gradients
	Errors      []string        `json:"errors"`       // panics and API misuse; the case stops at the first
	EvalLoss    uint32          `json:"eval_loss"`    // EvalBatch on step 0's batch, before any step
	EvalOutput  []uint32        `json:"eval_output"`  // Output() after it
	EvalCorrect int             `json:"eval_correct"` // asm.Correct of that Output()
	Predict     [][]uint32      `json:"predict"`      // Predict of every row of step 0's batch, before any step
	Batch       []uint32        `json:"batch"`        // BatchPredictor.Predict of the same rows
	// PredictClass of the same rows, for a classifier.
	PredictClass []int            `json:"predict_class"`
	PredictProb  []uint32         `json:"predict_prob"`
	Adapted      [][]uint32       `json:"adapted"`       // normalization/mean and variance after AdaptInputs
	AdaptedLabel [][]uint32       `json:"adapted_label"` // label/mean and variance after AdaptLabels
	Steps        []harnessStepOut `json:"steps"`
	// The Trainer has LearningRate and SetLearningRate; it has SetSeed.
	HasLearningRate bool `json:"has_learning_rate"`
	HasSetSeed      bool `json:"has_set_seed"`
	// Init is Tensors() of a fresh Model after Init(harnessInitSeed).
	Init [][]uint32 `json:"init"`
}

// harnessInitSeed is the seed the harness gives a fresh Model's Init.
const harnessInitSeed = 7

type harnessStepOut struct {
	LearningRate float64    `json:"learning_rate"` // LearningRate() before the step, when the Trainer has it
	Loss         uint32     `json:"loss"`
	Correct      int        `json:"correct"` // asm.Correct of Output()
	Output       []uint32   `json:"output"`  // Output() after Gradients or TrainBatch
	Grads        [][]uint32 `json:"grads"`   // GradTensors() data; empty for TrainBatch
	Params       [][]uint32 `json:"params"`  // Tensors() data after Apply (or TrainBatch)
}

func bitsOf(v []float64) []uint32 {
	b := make([]uint32, len(v))
	for i, f := range v {
		b[i] = math.Float32bits(float32(f))
	}
	return b
}

func floatsOf(b []uint32) []float64 {
	v := make([]float64, len(b))
	for i, u := range b {
		v[i] = float64(math.Float32frombits(u))
	}
	return v
}

// harnessPackage is one generated package the harness drives.
type harnessPackage struct {
	Name        string // package name and the last element of its import path
	Layers      int    // dense layers
	Fixed       bool   // it has fixed statistics: FixedCount
	Classifies  bool   // ClassCount, PredictClass, Classes, SetClasses
	AdaptInputs bool   // a normalization layer
	AdaptLabels bool   // standardised labels
}

// harnessSource returns the harness main package for the generated packages pkgs, which live at
// import paths module/<name>.
func harnessSource(module string, pkgs []harnessPackage) ([]byte, error) {
	var b bytes.Buffer
	if err := harnessTemplate.Execute(&b, map[string]any{"Module": module, "Packages": pkgs}); err != nil {
		return nil, err
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("harness source does not parse: %v\n%s", err, b.Bytes())
	}
	return src, nil
}

var harnessTemplate = template.Must(template.New("harness").Funcs(template.FuncMap{
	"layers": func(n int) []int {
		l := make([]int, n)
		for i := range l {
			l[i] = i + 1
		}
		return l
	},
}).Parse(`// Command harness drives generated packages for codegen's parity test.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"slices"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/runtime/weights"
{{range .Packages}}
	{{.Name}} "{{$.Module}}/{{.Name}}"{{end}}
)

type input struct {
	Cases []caseIn ` + "`json:\"cases\"`" + `
}

type caseIn struct {
	Name          string     ` + "`json:\"name\"`" + `
	Params        [][]uint32 ` + "`json:\"params\"`" + `
	Steps         []stepIn   ` + "`json:\"steps\"`" + `
	AdaptMean     []float64  ` + "`json:\"adapt_mean\"`" + `
	AdaptVariance []float64  ` + "`json:\"adapt_variance\"`" + `
	LabelMean     []float64  ` + "`json:\"label_mean\"`" + `
	LabelVariance []float64  ` + "`json:\"label_variance\"`" + `
	Classes       []string   ` + "`json:\"classes\"`" + `
	SetSeed       *uint64    ` + "`json:\"set_seed\"`" + `
	SetLR         float64    ` + "`json:\"set_lr\"`" + `
	SetLRBefore   int        ` + "`json:\"set_lr_before\"`" + `
}

type stepIn struct {
	X     []uint32 ` + "`json:\"x\"`" + `
	Y     []uint32 ` + "`json:\"y\"`" + `
	N     int      ` + "`json:\"n\"`" + `
	Train bool     ` + "`json:\"train\"`" + `
}

type output struct {
	Level     string    ` + "`json:\"level\"`" + `
	EnvErr    string    ` + "`json:\"env_err\"`" + `
	Supported []string  ` + "`json:\"supported\"`" + `
	Cases     []caseOut ` + "`json:\"cases\"`" + `
}

type tensorOut struct {
	Name  string ` + "`json:\"name\"`" + `
	Shape []int  ` + "`json:\"shape\"`" + `
}

type caseOut struct {
	Name        string         ` + "`json:\"name\"`" + `
	Consts      map[string]int ` + "`json:\"consts\"`" + `
	Tensors     []tensorOut    ` + "`json:\"tensors\"`" + `
	GradTensors []tensorOut    ` + "`json:\"grad_tensors\"`" + `
	Errors      []string       ` + "`json:\"errors\"`" + `
	EvalLoss     uint32         ` + "`json:\"eval_loss\"`" + `
	EvalOutput   []uint32       ` + "`json:\"eval_output\"`" + `
	EvalCorrect  int            ` + "`json:\"eval_correct\"`" + `
	Predict      [][]uint32     ` + "`json:\"predict\"`" + `
	Batch        []uint32       ` + "`json:\"batch\"`" + `
	PredictClass []int          ` + "`json:\"predict_class\"`" + `
	PredictProb  []uint32       ` + "`json:\"predict_prob\"`" + `
	Adapted      [][]uint32     ` + "`json:\"adapted\"`" + `
	AdaptedLabel [][]uint32     ` + "`json:\"adapted_label\"`" + `
	Steps        []stepOut      ` + "`json:\"steps\"`" + `
	HasLearningRate bool        ` + "`json:\"has_learning_rate\"`" + `
	HasSetSeed      bool        ` + "`json:\"has_set_seed\"`" + `
	Init            [][]uint32  ` + "`json:\"init\"`" + `
}

type stepOut struct {
	LearningRate float64    ` + "`json:\"learning_rate\"`" + `
	Loss    uint32     ` + "`json:\"loss\"`" + `
	Correct int        ` + "`json:\"correct\"`" + `
	Output  []uint32   ` + "`json:\"output\"`" + `
	Grads   [][]uint32 ` + "`json:\"grads\"`" + `
	Params  [][]uint32 ` + "`json:\"params\"`" + `
}

// trainer is the Trainer API of the package doc that the harness uses.
type trainer interface {
	Gradients(x, y []float32, n int) float32
	Output() []float32
	GradTensors() []weights.Tensor
	Apply()
	TrainBatch(x, y []float32, n int) float32
	EvalBatch(x, y []float32, n int) float32
	Snapshot(dst []float32) []float32
	Restore(src []float32)
}

// The methods a Trainer has only for some networks: a constant learning rate, dropout.
type rateSetter interface {
	LearningRate() float64
	SetLearningRate(lr float64)
}

type seedSetter interface {
	SetSeed(seed uint64)
}

// model is one generated package's Model, seen through closures; those a package lacks are nil.
type model struct {
	consts       map[string]int
	inputSize    int
	outputSize   int
	tensors      func() []weights.Tensor
	newTrainer   func() trainer
	predict      func(x []float32) []float32
	batchPredict func(x, y []float32)
	predictClass func(x []float32) (int, float32)
	setClasses   func(names []string) error
	classes      func() []string
	// adaptInputs and adaptLabels run on a fresh Model and return its Tensors() after.
	adaptInputs func(mean, variance []float64) []weights.Tensor
	adaptLabels func(mean, variance []float64) []weights.Tensor
	// initTensors runs Init(seed) on a fresh Model and returns its Tensors() after.
	initTensors func(seed uint64) []weights.Tensor
}

var models = map[string]func() model{
{{range .Packages}}{{$p := .Name}}	"{{$p}}": func() model {
		m := new({{$p}}.Model)
		return model{
			consts: map[string]int{
				"InputSize":  {{$p}}.InputSize,
				"OutputSize": {{$p}}.OutputSize,
				"BatchSize":  {{$p}}.BatchSize,
				"ParamCount": {{$p}}.ParamCount,{{range layers .Layers}}
				"Dense{{.}}Units": {{$p}}.Dense{{.}}Units,{{end}}{{if .Fixed}}
				"FixedCount": {{$p}}.FixedCount,{{end}}{{if .Classifies}}
				"ClassCount": {{$p}}.ClassCount,{{end}}
			},
			inputSize:  {{$p}}.InputSize,
			outputSize: {{$p}}.OutputSize,
			tensors:    m.Tensors,
			newTrainer: func() trainer { return {{$p}}.NewTrainer(m) },
			predict: func(x []float32) []float32 {
				o := m.Predict((*[{{$p}}.InputSize]float32)(x))
				return o[:]
			},
			batchPredict: {{$p}}.NewBatchPredictor(m).Predict,
			initTensors: func(seed uint64) []weights.Tensor {
				f := new({{$p}}.Model)
				f.Init(seed)
				return f.Tensors()
			},{{if .Classifies}}
			predictClass: func(x []float32) (int, float32) { return m.PredictClass((*[{{$p}}.InputSize]float32)(x)) },
			setClasses:   m.SetClasses,
			classes:      m.Classes,{{end}}{{if .AdaptInputs}}
			adaptInputs: func(mean, variance []float64) []weights.Tensor {
				f := new({{$p}}.Model)
				f.AdaptInputs(mean, variance)
				return f.Tensors()
			},{{end}}{{if .AdaptLabels}}
			adaptLabels: func(mean, variance []float64) []weights.Tensor {
				f := new({{$p}}.Model)
				f.AdaptLabels(mean, variance)
				return f.Tensors()
			},{{end}}
		}
	},
{{end}}}

func floats(b []uint32) []float32 {
	v := make([]float32, len(b)) // exactly as long as the data: reading past it panics
	for i, u := range b {
		v[i] = math.Float32frombits(u)
	}
	return v
}

func bits(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, f := range v {
		b[i] = math.Float32bits(f)
	}
	return b
}

func snapshot(ts []weights.Tensor) [][]uint32 {
	var s [][]uint32
	for _, t := range ts {
		s = append(s, bits(t.Data))
	}
	return s
}

func names(ts []weights.Tensor) []tensorOut {
	var s []tensorOut
	for _, t := range ts {
		s = append(s, tensorOut{t.Name, append([]int(nil), t.Shape...)})
	}
	return s
}

func run(mk func() model, in caseIn) (out caseOut) {
	out.Name = in.Name
	phase := "making the Model"
	defer func() {
		if r := recover(); r != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("panic while %s: %v\n%s", phase, r, debug.Stack()))
		}
	}()
	m := mk()
	out.Consts = m.consts
	phase = "in Init"
	out.Init = snapshot(m.initTensors(` + fmt.Sprint(harnessInitSeed) + `))
	phase = "setting the parameters through Tensors()"
	ts := m.tensors()
	out.Tensors = names(ts)
	if len(ts) != len(in.Params) {
		out.Errors = append(out.Errors, fmt.Sprintf("Tensors() returns %d tensors, want %d", len(ts), len(in.Params)))
		return out
	}
	for i, t := range ts {
		if len(t.Data) != len(in.Params[i]) {
			out.Errors = append(out.Errors, fmt.Sprintf("Tensors()[%d] (%s) holds %d values, want %d", i, t.Name, len(t.Data), len(in.Params[i])))
			return out
		}
		copy(t.Data, floats(in.Params[i]))
	}
	for i, t := range m.tensors() {
		for j, v := range t.Data {
			if math.Float32bits(v) != in.Params[i][j] {
				out.Errors = append(out.Errors, fmt.Sprintf("a value set through Tensors()[%d] (%s) is not in the Model: Tensors() must share the Model's memory", i, t.Name))
				return out
			}
		}
	}
	if m.adaptInputs != nil {
		phase = "in AdaptInputs"
		mean, variance := append([]float64(nil), in.AdaptMean...), append([]float64(nil), in.AdaptVariance...)
		ts := m.adaptInputs(mean, variance)
		out.Adapted = [][]uint32{bits(ts[0].Data), bits(ts[1].Data)}
		if !slices.Equal(mean, in.AdaptMean) || !slices.Equal(variance, in.AdaptVariance) {
			out.Errors = append(out.Errors, "AdaptInputs changed the slices it was given")
		}
	}
	if m.adaptLabels != nil {
		phase = "in AdaptLabels"
		ts := m.adaptLabels(in.LabelMean, in.LabelVariance)
		out.AdaptedLabel = [][]uint32{bits(ts[len(ts)-2].Data), bits(ts[len(ts)-1].Data)}
	}
	if m.setClasses != nil {
		phase = "in SetClasses"
		if m.classes() != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("a new Model has classes %q, want nil", m.classes()))
		}
		if err := m.setClasses(in.Classes); err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("SetClasses(%q): %v", in.Classes, err))
		} else if !slices.Equal(m.classes(), in.Classes) {
			out.Errors = append(out.Errors, fmt.Sprintf("Classes() = %q after SetClasses(%q)", m.classes(), in.Classes))
		}
		if err := m.setClasses(in.Classes[1:]); err == nil {
			out.Errors = append(out.Errors, fmt.Sprintf("SetClasses takes %d names for %d classes", len(in.Classes)-1, len(in.Classes)))
		}
	}
	phase = "in NewTrainer"
	tr := m.newTrainer()
	rates, hasLR := tr.(rateSetter)
	seeds, hasSeed := tr.(seedSetter)
	out.HasLearningRate, out.HasSetSeed = hasLR, hasSeed
	if in.SetSeed != nil {
		phase = "in SetSeed"
		if !hasSeed {
			out.Errors = append(out.Errors, "the Trainer has no SetSeed")
			return out
		}
		seeds.SetSeed(*in.SetSeed)
	}
	s0 := in.Steps[0]
	phase = "in EvalBatch"
	loss := tr.EvalBatch(floats(s0.X), floats(s0.Y), s0.N)
	phase = "in Output (after EvalBatch)"
	out.EvalLoss, out.EvalOutput = math.Float32bits(loss), bits(tr.Output())
	out.EvalCorrect = asm.Correct(tr.Output(), floats(s0.Y), s0.N, m.outputSize)
	phase = "in BatchPredictor.Predict"
	batch := make([]float32, s0.N*m.outputSize)
	m.batchPredict(floats(s0.X), batch)
	out.Batch = bits(batch)
	phase = "in Predict"
	x0 := floats(s0.X)
	for r := 0; r < s0.N; r++ {
		row := append([]float32(nil), x0[r*m.inputSize:(r+1)*m.inputSize]...)
		out.Predict = append(out.Predict, bits(m.predict(row)))
		if m.predictClass != nil {
			phase = "in PredictClass"
			c, p := m.predictClass(row)
			out.PredictClass, out.PredictProb = append(out.PredictClass, c), append(out.PredictProb, math.Float32bits(p))
			phase = "in Predict"
		}
	}
	for si, s := range in.Steps {
		var so stepOut
		x, y := floats(s.X), floats(s.Y)
		if in.SetLRBefore == si+1 {
			phase = fmt.Sprintf("in SetLearningRate (before step %d)", si+1)
			if !hasLR {
				out.Errors = append(out.Errors, "the Trainer has no SetLearningRate")
				return out
			}
			rates.SetLearningRate(in.SetLR)
		}
		if hasLR {
			phase = fmt.Sprintf("in LearningRate (before step %d)", si+1)
			so.LearningRate = rates.LearningRate()
		}
		if s.Train {
			phase = fmt.Sprintf("in TrainBatch (step %d)", si+1)
			loss = tr.TrainBatch(x, y, s.N)
			phase = fmt.Sprintf("in Output (step %d)", si+1)
			so.Output = bits(tr.Output())
		} else {
			phase = fmt.Sprintf("in Gradients (step %d)", si+1)
			loss = tr.Gradients(x, y, s.N)
			phase = fmt.Sprintf("in Output (step %d)", si+1)
			so.Output = bits(tr.Output())
			phase = fmt.Sprintf("in GradTensors (step %d)", si+1)
			gs := tr.GradTensors()
			if out.GradTensors == nil {
				out.GradTensors = names(gs)
			}
			so.Grads = snapshot(gs)
			phase = fmt.Sprintf("in Apply (step %d)", si+1)
			tr.Apply()
		}
		so.Loss, so.Correct = math.Float32bits(loss), asm.Correct(tr.Output(), y, s.N, m.outputSize)
		phase = fmt.Sprintf("in Tensors (after step %d)", si+1)
		so.Params = snapshot(m.tensors())
		out.Steps = append(out.Steps, so)
	}
	phase = "in Snapshot"
	var all []float32
	for _, t := range m.tensors() {
		all = append(all, t.Data...)
	}
	if snap := tr.Snapshot(make([]float32, 3, 8)); !slices.Equal(bits(snap), bits(all)) {
		out.Errors = append(out.Errors, fmt.Sprintf("Snapshot returns %d values that are not the %d of Tensors()", len(snap), len(all)))
	}
	phase = "in Restore"
	var initial []uint32
	for _, p := range in.Params {
		initial = append(initial, p...)
	}
	tr.Restore(floats(initial))
	var restored []uint32
	for _, p := range snapshot(m.tensors()) {
		restored = append(restored, p...)
	}
	if !slices.Equal(restored, initial) {
		out.Errors = append(out.Errors, "after Restore of the initial parameters, Tensors() holds others")
	}
	return out
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: harness INPUT.json OUTPUT.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := output{Level: asm.Level(), Supported: asm.SupportedLevels()}
	if err := asm.CheckEnv(); err != nil {
		out.EnvErr = err.Error()
	}
	for _, c := range in.Cases {
		mk, ok := models[c.Name]
		if !ok {
			out.Cases = append(out.Cases, caseOut{Name: c.Name, Errors: []string{"no such package in the harness"}})
			continue
		}
		out.Cases = append(out.Cases, run(mk, c))
	}
	data, err = json.Marshal(out)
	if err == nil {
		err = os.WriteFile(os.Args[2], data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`))
