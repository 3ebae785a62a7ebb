package codegen

import (
	"github.com/dave/jennifer/jen"
)

// emitWeights writes weights.go: saving and loading a Model through the runtime's weights file.
func emitWeights(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	recv := func() *jen.Statement { return jen.Params(jen.Id("m").Op("*").Id("Model")) }
	f.Comment("Save writes m's parameters to path atomically (a temporary file, then a rename).")
	f.Func().Add(recv()).Id("Save").Params(jen.Id("path").String()).Error().Block(
		jen.Return(jen.Qual(weightsPath, "Save").Call(jen.Id("path"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call())),
	)
	f.Line()
	f.Comment("Load reads m's parameters from a file written by Save. A file made for another network,")
	f.Comment("truncated or corrupt is an error, and then m is unchanged.")
	f.Func().Add(recv()).Id("Load").Params(jen.Id("path").String()).Error().Block(
		jen.Return(jen.Qual(weightsPath, "Load").Call(jen.Id("path"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call())),
	)
	f.Line()
	f.Comment("Decode is Load for the bytes of a weights file already in memory, such as a //go:embed blob;")
	f.Comment("name is used in errors.")
	f.Func().Add(recv()).Id("Decode").Params(jen.Id("name").String(), jen.Id("data").Index().Byte()).Error().Block(
		jen.Return(jen.Qual(weightsPath, "Decode").Call(jen.Id("name"), jen.Id("data"), jen.Id("Fingerprint"), jen.Id("m").Dot("Tensors").Call())),
	)
	return f, nil
}
