package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// emitMain writes cmd/train/main.go: a trainer program for the generated package, which hands the
// package's Model, Trainer and settings to the runtime's command line.
func emitMain(p *Plan) (*jen.File, error) {
	f := newFile(p, "main")
	f.ImportName(p.ImportPath, p.Package)
	packageDoc(f, fmt.Sprintf("Command train trains the %s network of %s on its data set, evaluates it on the test\n"+
		"set, and saves its weights. Run it with -h for its flags.", p.Package, p.SpecPath))
	pkg := func(name string) *jen.Statement { return jen.Qual(p.ImportPath, name) }
	d := p.Data
	f.Func().Id("main").Params().Block(
		jen.Id("m").Op(":=").New(pkg("Model")),
		jen.Qual("os", "Exit").Call(jen.Qual(cliPath, "Main").Call(jen.Qual(cliPath, "Job").Values(jen.Dict{
			jen.Id("Name"):            jen.Lit(p.Package),
			jen.Id("Spec"):            jen.Lit(p.SpecPath),
			jen.Id("Inputs"):          pkg("InputSize"),
			jen.Id("Outputs"):         pkg("OutputSize"),
			jen.Id("BatchSize"):       pkg("BatchSize"),
			jen.Id("Epochs"):          pkg("Epochs"),
			jen.Id("ValidationSplit"): pkg("ValidationSplit"),
			jen.Id("Shuffle"):         pkg("Shuffle"),
			jen.Id("Seed"):            pkg("Seed"),
			jen.Id("Data"): jen.Qual(cliPath, "Data").Values(jen.Dict{
				jen.Id("Source"):      jen.Lit(d.Source),
				jen.Id("Dir"):         jen.Lit(d.Dir),
				jen.Id("TrainImages"): jen.Lit(d.TrainImages),
				jen.Id("TrainLabels"): jen.Lit(d.TrainLabels),
				jen.Id("TestImages"):  jen.Lit(d.TestImages),
				jen.Id("TestLabels"):  jen.Lit(d.TestLabels),
			}),
			jen.Id("Model"):   jen.Id("m"),
			jen.Id("Trainer"): pkg("NewTrainer").Call(jen.Id("m")),
		}))),
	)
	return f, nil
}
