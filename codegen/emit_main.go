package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
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
	data := jen.Dict{jen.Id("Source"): jen.Lit(d.Source), jen.Id("Dir"): jen.Lit(d.Dir)}
	if d.Source == "csv" {
		data[jen.Id("Train")] = jen.Lit(d.Train)
		if d.Test != "" {
			data[jen.Id("Test")] = jen.Lit(d.Test)
		} else {
			data[jen.Id("TestSplit")] = jen.Lit(d.TestSplit)
		}
		data[jen.Id("Header")] = jen.Lit(d.Header)
		data[jen.Id("Delimiter")] = jen.LitRune(d.Delimiter)
		if len(d.Label) > 0 {
			data[jen.Id("Label")] = columnsLit(d.Label)
		}
		if len(d.Features) > 0 {
			data[jen.Id("Features")] = columnsLit(d.Features)
		}
	} else {
		data[jen.Id("TrainImages")] = jen.Lit(d.TrainImages)
		data[jen.Id("TrainLabels")] = jen.Lit(d.TrainLabels)
		data[jen.Id("TestImages")] = jen.Lit(d.TestImages)
		data[jen.Id("TestLabels")] = jen.Lit(d.TestLabels)
	}
	job := jen.Dict{
		jen.Id("Name"):    jen.Lit(p.Package),
		jen.Id("Spec"):    jen.Lit(p.SpecPath),
		jen.Id("Inputs"):  pkg("InputSize"),
		jen.Id("Outputs"): pkg("OutputSize"),
		jen.Id("Shape"): jen.Index().Int().ValuesFunc(func(g *jen.Group) {
			for _, d := range p.InputShape {
				g.Lit(d)
			}
		}),
		jen.Id("BatchSize"):       pkg("BatchSize"),
		jen.Id("Epochs"):          pkg("Epochs"),
		jen.Id("ValidationSplit"): pkg("ValidationSplit"),
		jen.Id("Shuffle"):         pkg("Shuffle"),
		jen.Id("Seed"):            pkg("Seed"),
		jen.Id("Loss"):            jen.Lit(p.Loss),
		jen.Id("Data"):            jen.Qual(cliPath, "Data").Values(data),
		jen.Id("Model"):           jen.Id("m"),
		jen.Id("Trainer"):         pkg("NewTrainer").Call(jen.Id("m")),
		jen.Id("Predict"):         pkg("NewBatchPredictor").Call(jen.Id("m")).Dot("Predict"),
	}
	job[jen.Id("Fingerprint")] = pkg("Fingerprint")
	if c := p.Fit.Checkpoint; c != nil {
		job[jen.Id("Checkpoint")] = jen.Lit(c.Path)
		job[jen.Id("CheckpointEvery")] = jen.Lit(c.Every)
	}
	if len(p.Metrics) > 0 {
		var ms []jen.Code
		for _, m := range p.Metrics {
			ms = append(ms, jen.Lit(m))
		}
		job[jen.Id("Metrics")] = jen.Index().String().Values(ms...)
	}
	if p.Classifies {
		job[jen.Id("Classes")] = pkg("ClassCount")
	}
	for _, l := range p.Layers {
		if _, ok := l.(*Normalization); ok {
			job[jen.Id("AdaptInputs")] = jen.Id("m").Dot("AdaptInputs")
		}
	}
	if p.Labels != nil {
		job[jen.Id("AdaptLabels")] = jen.Id("m").Dot("AdaptLabels")
	}
	if p.classWeighted() {
		var ws []jen.Code
		for _, w := range p.Fit.ClassWeight {
			d := jen.Dict{jen.Id("Weight"): jen.Lit(w.Weight)}
			if w.Class.Name != "" {
				d[jen.Id("Name")] = jen.Lit(w.Class.Name)
			} else {
				d[jen.Id("Index")] = jen.Lit(w.Class.Index)
			}
			ws = append(ws, jen.Values(d))
		}
		job[jen.Id("ClassWeights")] = jen.Index().Qual(cliPath, "ClassWeight").Values(ws...)
	}
	if len(p.Fit.Callbacks) > 0 {
		var cbs []jen.Code
		for _, c := range p.Fit.Callbacks {
			cbs = append(cbs, callbackLit(c))
		}
		job[jen.Id("Callbacks")] = jen.Index().Qual(fitPath, "Callback").Values(cbs...)
	}
	f.Func().Id("main").Params().Block(
		jen.Id("m").Op(":=").New(pkg("Model")),
		jen.Qual("os", "Exit").Call(jen.Qual(cliPath, "Main").Call(jen.Qual(cliPath, "Job").Values(job))),
	)
	return f, nil
}

// columnsLit is the []dataset.Column literal of CSV columns.
func columnsLit(cols []spec.Column) jen.Code {
	var vs []jen.Code
	for _, c := range cols {
		if c.Name != "" {
			vs = append(vs, jen.Values(jen.Dict{jen.Id("Name"): jen.Lit(c.Name)}))
		} else {
			vs = append(vs, jen.Values(jen.Dict{jen.Id("Index"): jen.Lit(c.Index)}))
		}
	}
	return jen.Index().Qual(datasetPath, "Column").Values(vs...)
}

// callbackLit is the runtime/fit value of a spec's callback, every field set from the spec (which
// holds Keras' defaults for what it leaves out).
func callbackLit(c spec.Callback) jen.Code {
	q := func(name string) *jen.Statement { return jen.Op("&").Qual(fitPath, name) }
	ptr := func(v *float64) jen.Code {
		if v == nil {
			return jen.Nil()
		}
		return jen.New(jen.Lit(*v))
	}
	switch c.Type {
	case "early_stopping":
		return q("EarlyStopping").Values(jen.Dict{jen.Id("Monitor"): jen.Lit(c.Monitor), jen.Id("MinDelta"): jen.Lit(c.MinDelta),
			jen.Id("Patience"): jen.Lit(c.Patience), jen.Id("Verbose"): jen.Lit(c.Verbose), jen.Id("Mode"): jen.Lit(c.Mode),
			jen.Id("Baseline"): ptr(c.Baseline), jen.Id("RestoreBestWeights"): jen.Lit(c.RestoreBestWeights),
			jen.Id("StartFromEpoch"): jen.Lit(c.StartFromEpoch)})
	case "reduce_lr_on_plateau":
		return q("ReduceLROnPlateau").Values(jen.Dict{jen.Id("Monitor"): jen.Lit(c.Monitor), jen.Id("Factor"): jen.Lit(c.Factor),
			jen.Id("Patience"): jen.Lit(c.Patience), jen.Id("Verbose"): jen.Lit(c.Verbose), jen.Id("Mode"): jen.Lit(c.Mode),
			jen.Id("MinDelta"): jen.Lit(c.MinDelta), jen.Id("Cooldown"): jen.Lit(c.Cooldown), jen.Id("MinLR"): jen.Lit(c.MinLR)})
	case "model_checkpoint":
		return q("ModelCheckpoint").Values(jen.Dict{jen.Id("Filepath"): jen.Lit(c.Filepath), jen.Id("Monitor"): jen.Lit(c.Monitor),
			jen.Id("Verbose"): jen.Lit(c.Verbose), jen.Id("SaveBestOnly"): jen.Lit(c.SaveBestOnly), jen.Id("Mode"): jen.Lit(c.Mode)})
	case "terminate_on_nan":
		return q("TerminateOnNaN").Values()
	}
	panic("codegen: callback " + c.Type + " was not validated")
}
