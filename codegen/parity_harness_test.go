package codegen_test

// The harness: one Go program, written by TestParity, that imports every generated package of
// the run, drives each through the API of codegen's package doc (Tensors, NewTrainer, EvalBatch,
// Predict, Gradients, Output, GradTensors, Apply, TrainBatch) on inputs read from a JSON file,
// and writes what it observed as JSON. Floats cross the boundary as their float32 bit patterns, so
// nothing is lost to decimal and NaN survives. A panic in one package is recorded with the phase
// it happened in, and the harness goes on with the next package.

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
	Params [][]uint32      `json:"params"` // initial parameters, in Tensors order
	Steps  []harnessStepIn `json:"steps"`
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
	Name        string           `json:"name"`
	Consts      map[string]int   `json:"consts"`
	Tensors     []harnessTensor  `json:"tensors"`
	GradTensors []harnessTensor  `json:"grad_tensors"` // from the first Gradients
	Errors      []string         `json:"errors"`       // panics and API misuse; the case stops at the first
	EvalLoss    uint32           `json:"eval_loss"`    // EvalBatch on step 0's batch, before any step
	EvalCorrect int              `json:"eval_correct"`
	Predict     [][]uint32       `json:"predict"` // Predict of every row of step 0's batch, before any step
	Steps       []harnessStepOut `json:"steps"`
}

type harnessStepOut struct {
	Loss    uint32     `json:"loss"`
	Correct int        `json:"correct"`
	Output  []uint32   `json:"output"` // Output() after Gradients; empty for TrainBatch
	Grads   [][]uint32 `json:"grads"`  // GradTensors() data; empty for TrainBatch
	Params  [][]uint32 `json:"params"` // Tensors() data after Apply (or TrainBatch)
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
	Name   string // package name and the last element of its import path
	Layers int
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

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/runtime/weights"
{{range .Packages}}
	{{.Name}} "{{$.Module}}/{{.Name}}"{{end}}
)

type input struct {
	Cases []caseIn ` + "`json:\"cases\"`" + `
}

type caseIn struct {
	Name   string   ` + "`json:\"name\"`" + `
	Params [][]uint32 ` + "`json:\"params\"`" + `
	Steps  []stepIn ` + "`json:\"steps\"`" + `
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
	EvalLoss    uint32         ` + "`json:\"eval_loss\"`" + `
	EvalCorrect int            ` + "`json:\"eval_correct\"`" + `
	Predict     [][]uint32     ` + "`json:\"predict\"`" + `
	Steps       []stepOut      ` + "`json:\"steps\"`" + `
}

type stepOut struct {
	Loss    uint32     ` + "`json:\"loss\"`" + `
	Correct int        ` + "`json:\"correct\"`" + `
	Output  []uint32   ` + "`json:\"output\"`" + `
	Grads   [][]uint32 ` + "`json:\"grads\"`" + `
	Params  [][]uint32 ` + "`json:\"params\"`" + `
}

// trainer is the Trainer API of the package doc that the harness uses.
type trainer interface {
	Gradients(x, y []float32, n int) (float32, int)
	Output() []float32
	GradTensors() []weights.Tensor
	Apply()
	TrainBatch(x, y []float32, n int) (float32, int)
	EvalBatch(x, y []float32, n int) (float32, int)
}

// model is one generated package's Model, seen through closures.
type model struct {
	consts     map[string]int
	inputSize  int
	tensors    func() []weights.Tensor
	newTrainer func() trainer
	predict    func(x []float32) []float32
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
				"Dense{{.}}Units": {{$p}}.Dense{{.}}Units,{{end}}
			},
			inputSize:  {{$p}}.InputSize,
			tensors:    m.Tensors,
			newTrainer: func() trainer { return {{$p}}.NewTrainer(m) },
			predict: func(x []float32) []float32 {
				o := m.Predict((*[{{$p}}.InputSize]float32)(x))
				return o[:]
			},
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
	phase = "in NewTrainer"
	tr := m.newTrainer()
	s0 := in.Steps[0]
	phase = "in EvalBatch"
	loss, correct := tr.EvalBatch(floats(s0.X), floats(s0.Y), s0.N)
	out.EvalLoss, out.EvalCorrect = math.Float32bits(loss), correct
	phase = "in Predict"
	x0 := floats(s0.X)
	for r := 0; r < s0.N; r++ {
		row := append([]float32(nil), x0[r*m.inputSize:(r+1)*m.inputSize]...)
		out.Predict = append(out.Predict, bits(m.predict(row)))
	}
	for si, s := range in.Steps {
		var so stepOut
		x, y := floats(s.X), floats(s.Y)
		if s.Train {
			phase = fmt.Sprintf("in TrainBatch (step %d)", si+1)
			loss, correct = tr.TrainBatch(x, y, s.N)
		} else {
			phase = fmt.Sprintf("in Gradients (step %d)", si+1)
			loss, correct = tr.Gradients(x, y, s.N)
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
		so.Loss, so.Correct = math.Float32bits(loss), correct
		phase = fmt.Sprintf("in Tensors (after step %d)", si+1)
		so.Params = snapshot(m.tensors())
		out.Steps = append(out.Steps, so)
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
