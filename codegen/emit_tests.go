package codegen

import (
	"bytes"
	"text/template"

	"github.com/nngen/nngen/templates"
)

// testTemplates are the test files written beside every generated package, from templates/.
var testTemplates = []struct{ template, path string }{
	{"model_test.go.tmpl", "model_test.go"},
}

// stepBudget is the multiply-adds a generated test may spend on one loop of training steps: a
// large network's tests take fewer steps, so that a convnet's package tests stay in seconds even
// with the pure-Go kernels.
const stepBudget = 2e9

// testSteps is how many training steps a test loop takes: want, or fewer for a network whose
// steps would exceed budget multiply-adds in all, but at least 2.
func testSteps(p *Plan, want int, budget float64) int {
	step := 3 * float64(p.BatchSize) * float64(p.forwardMACs()) // forward, input gradient, kernel gradient
	return max(2, min(want, int(budget/step)))
}

// emitTests writes the generated package's tests from their templates. Only the plan's checked
// package name, sanitised spec path, whether it has two-core steps and whether it classifies
// reach the template, and how many steps its loops take.
func emitTests(p *Plan) ([]File, error) {
	var files []File
	for _, t := range testTemplates {
		tmpl, err := template.ParseFS(templates.FS, t.template)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		data := struct {
			Package, SpecPath                 string
			Parallel, Classifies, Regularized bool
			ClassWeighted, RowsIndependent    bool
			StepRuns, CompareSteps            int
		}{p.Package, p.SpecPath, p.parallel(), p.Classifies, p.regularized(),
			p.classWeighted(), !p.modal() && !p.regularized(),
			testSteps(p, 20, stepBudget), testSteps(p, 40, 4*stepBudget)}
		if err := tmpl.Execute(&buf, data); err != nil {
			return nil, err
		}
		src, err := formatSource(buf.Bytes())
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: t.path, Content: src})
	}
	return files, nil
}
