package codegen

import "github.com/dave/jennifer/jen"

// emitTrainerState writes StateTensors, StateScalars and SetStateScalars: the Trainer's state
// that a checkpoint saves besides the Model, so that a resumed run takes the very steps the
// uninterrupted one would. moments are the optimiser's Model-shaped fields (opt.m, opt.v, ...);
// nadam says whether the state keeps Nadam's running product. Everything else the optimiser
// keeps is recomputed from the update count at every update.
func emitTrainerState(p *Plan, f *jen.File, moments []string, nadam bool) {
	weightsQ := func(name string) *jen.Statement { return jen.Qual(weightsPath, name) }
	f.Comment("StateTensors returns the optimiser's state arrays, each named after the parameter it follows")
	f.Comment("(\"optimizer/m/dense1/kernel\"), sharing memory with the Trainer: what a checkpoint saves")
	f.Comment("besides the Model's Tensors.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("StateTensors").Params().Index().Add(weightsQ("Tensor")).BlockFunc(func(g *jen.Group) {
		if len(moments) == 0 {
			g.Return(jen.Nil())
			return
		}
		g.Var().Id("ts").Index().Add(weightsQ("Tensor"))
		for _, m := range moments {
			g.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("t").Dot("opt").Dot(m).Dot("Tensors").Call()).Block(
				jen.Id("x").Dot("Name").Op("=").Lit("optimizer/"+m+"/").Op("+").Id("x").Dot("Name"),
				jen.Id("ts").Op("=").Append(jen.Id("ts"), jen.Id("x")),
			)
		}
		g.Return(jen.Id("ts"))
	})
	f.Line()

	type scalar struct {
		name        string
		get         jen.Code // the bits
		set         func(bits jen.Code) jen.Code
		field, kind string // for the checks: "count" (an int of at most 2⁶²), "rate" (a finite float ≥ 0), "float" (finite)
	}
	opt := func(field string) *jen.Statement { return jen.Id("t").Dot("opt").Dot(field) }
	float64bits := func(v jen.Code) jen.Code { return jen.Qual("math", "Float64bits").Call(v) }
	fromBits := func(b jen.Code) jen.Code { return jen.Qual("math", "Float64frombits").Call(b) }
	scalars := []scalar{
		{name: "optimizer/steps", get: jen.Uint64().Call(opt("steps")), kind: "count",
			set: func(b jen.Code) jen.Code { return opt("steps").Op("=").Int().Call(b) }},
		{name: "optimizer/learning_rate", get: float64bits(opt("lr")), kind: "rate",
			set: func(b jen.Code) jen.Code { return opt("lr").Op("=").Add(fromBits(b)) }},
	}
	if nadam {
		scalars = append(scalars, scalar{name: "optimizer/u_product", get: float64bits(opt("uProduct")), kind: "float",
			set: func(b jen.Code) jen.Code { return opt("uProduct").Op("=").Add(fromBits(b)) }})
	}
	if p.random() {
		scalars = append(scalars,
			scalar{name: "dropout/seed", get: jen.Id("t").Dot("seed"),
				set: func(b jen.Code) jen.Code { return jen.Id("t").Dot("seed").Op("=").Add(b) }},
			scalar{name: "dropout/step", get: jen.Id("t").Dot("step"),
				set: func(b jen.Code) jen.Code { return jen.Id("t").Dot("step").Op("=").Add(b) }})
	}
	f.Comment("StateScalars returns the Trainer's state that is not an array, each value as its 64 bits: the")
	f.Comment("optimiser's update count and learning rate (and whatever else it keeps between updates), and")
	f.Comment("the dropout masks' seed and step count when the network has dropout.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("StateScalars").Params().Index().Add(weightsQ("Scalar")).Block(
		jen.Return(jen.Index().Add(weightsQ("Scalar")).ValuesFunc(func(g *jen.Group) {
			for _, s := range scalars {
				g.Values(jen.Dict{jen.Id("Name"): jen.Lit(s.name), jen.Id("Bits"): s.get})
			}
		})))
	f.Line()
	f.Comment("SetStateScalars sets the state that StateScalars returned, from a checkpoint. It returns an")
	f.Comment("error, and changes nothing, unless s names the same values in the same order, each in range.")
	f.Func().Params(jen.Id("t").Op("*").Id("Trainer")).Id("SetStateScalars").Params(jen.Id("s").Index().Add(weightsQ("Scalar"))).Error().BlockFunc(func(g *jen.Group) {
		g.Id("want").Op(":=").Id("t").Dot("StateScalars").Call()
		g.If(jen.Len(jen.Id("s")).Op("!=").Len(jen.Id("want"))).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("%d trainer scalars, this trainer keeps %d"), jen.Len(jen.Id("s")), jen.Len(jen.Id("want")))))
		g.For(jen.Id("i").Op(":=").Range().Id("s")).Block(
			jen.If(jen.Id("s").Index(jen.Id("i")).Dot("Name").Op("!=").Id("want").Index(jen.Id("i")).Dot("Name")).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("trainer scalar %d is %q, this trainer keeps %q"), jen.Id("i"), jen.Id("s").Index(jen.Id("i")).Dot("Name"), jen.Id("want").Index(jen.Id("i")).Dot("Name")))))
		for i, s := range scalars {
			bits := jen.Id("s").Index(jen.Lit(i)).Dot("Bits")
			var bad jen.Code
			switch s.kind {
			case "count":
				bad = jen.Add(bits).Op(">").Lit(1).Op("<<").Lit(62)
			case "rate":
				v := fromBits(bits)
				bad = jen.Op("!").Parens(jen.Add(v).Op(">=").Lit(0).Op("&&").Add(v).Op("<=").Qual("math", "MaxFloat32"))
			case "float":
				bad = jen.Qual("math", "IsNaN").Call(fromBits(bits)).Op("||").Qual("math", "IsInf").Call(fromBits(bits), jen.Lit(0))
			}
			if bad != nil {
				g.If(bad).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(s.name+" %#x is out of range"), bits)))
			}
		}
		for i, s := range scalars {
			g.Add(s.set(jen.Id("s").Index(jen.Lit(i)).Dot("Bits")))
		}
		g.Return(jen.Nil())
	})
	f.Line()
}
