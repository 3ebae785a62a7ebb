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

// emitTests writes the generated package's tests from their templates. Only the plan's checked
// package name, sanitised spec path, whether it has two-core steps and whether it classifies
// reach the template.
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
		}{p.Package, p.SpecPath, p.parallel(), p.Classifies, p.regularized(),
			p.classWeighted(), !p.modal() && !p.regularized()}
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
