package codegen

import (
	"github.com/dave/jennifer/jen"
)

// emitWeights writes weights.go: saving and loading a Model through the runtime's weights file.
func emitWeights(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	recv := func() *jen.Statement { return jen.Params(jen.Id("m").Op("*").Id("Model")) }
	classes, count := jen.Nil(), jen.Lit(0)
	what := "parameters"
	if p.Classifies {
		classes, count, what = jen.Id("m").Dot("classes"), jen.Id("ClassCount"), "parameters and class names"
	}
	// loaded ends Load and Decode: a classifier keeps the file's class names.
	loaded := func(call jen.Code) []jen.Code {
		if !p.Classifies {
			return []jen.Code{jen.List(jen.Id("_"), jen.Err()).Op(":=").Add(call), jen.Return(jen.Err())}
		}
		return []jen.Code{
			jen.List(jen.Id("classes"), jen.Err()).Op(":=").Add(call),
			jen.If(jen.Err().Op("==").Nil()).Block(jen.Id("m").Dot("classes").Op("=").Id("classes")),
			jen.Return(jen.Err()),
		}
	}
	f.Commentf("Save writes m's %s to path atomically (a temporary file, then a rename).", what)
	f.Func().Add(recv()).Id("Save").Params(jen.Id("path").String()).Error().Block(
		jen.Return(jen.Qual(weightsPath, "Save").Call(jen.Id("path"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call(), classes)),
	)
	f.Line()
	f.Commentf("Load reads m's %s from a file written by Save. A file made for another network,", what)
	f.Comment("truncated or corrupt is an error, and then m is unchanged.")
	f.Func().Add(recv()).Id("Load").Params(jen.Id("path").String()).Error().Block(
		loaded(jen.Qual(weightsPath, "Load").Call(jen.Id("path"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call(), count))...,
	)
	f.Line()
	f.Comment("Decode is Load for the bytes of a weights file already in memory, such as a //go:embed blob;")
	f.Comment("name is used in errors.")
	f.Func().Add(recv()).Id("Decode").Params(jen.Id("name").String(), jen.Id("data").Index().Byte()).Error().Block(
		loaded(jen.Qual(weightsPath, "Decode").Call(jen.Id("name"), jen.Id("data"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call(), count))...,
	)
	return f, nil
}
