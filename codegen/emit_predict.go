package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// predictStackLimit is the size of the largest array Predict keeps on its goroutine's stack. The
// Go compiler moves a larger local array to the heap (128 KiB in Go 1.26): a network with such an
// array (a convolution's activations or windows) keeps all of Predict's arrays in a scratch
// struct from a sync.Pool instead, which allocates only when the pool is empty.
const predictStackLimit = 64 << 10

// predictArray is one of Predict's arrays: a layer's activations or a Scratcher's buffer, one row.
type predictArray struct {
	name, size, comment string
	bytes               int
}

// predictArrays lists Predict's arrays in the order the layers use them.
func predictArrays(p *Plan) (arrays []predictArray, pooled bool) {
	if len(p.Stage()) > 0 {
		arrays = append(arrays, predictArray{"in", "InputSize", "the input after the input stage", 4 * p.InputSize})
	}
	for _, b := range scratch(p) {
		arrays = append(arrays, predictArray{b.Field, b.Width, b.Comment, 4 * b.Elems})
	}
	body := p.Body()
	for _, l := range body[:len(body)-1] {
		d := l.Info()
		arrays = append(arrays, predictArray{d.Act, d.OutConst, fmt.Sprintf("layer %d's outputs", d.Index), 4 * d.Out})
	}
	for _, a := range arrays {
		pooled = pooled || a.bytes > predictStackLimit
	}
	return arrays, pooled
}

// emitPredict writes predict.go: Model.Predict, one sample through every layer with the hidden
// activations in stack arrays (or, when one is too large for the stack, in a pooled scratch
// struct), so that it allocates nothing and any number of goroutines may call it on one Model at
// once.
func emitPredict(p *Plan) (*jen.File, error) {
	f := newFile(p, p.Package)
	arrays, pooled := predictArrays(p)
	if pooled {
		f.Comment("predictScratch holds Predict's arrays, too large for a goroutine's stack.")
		f.Type().Id("predictScratch").StructFunc(func(g *jen.Group) {
			for _, a := range arrays {
				g.Id(a.name).Index(jen.Id(a.size)).Float32().Comment(a.comment)
			}
		})
		f.Line()
		f.Comment("predictScratches lends Predict its arrays: one per goroutine predicting at a time.")
		f.Var().Id("predictScratches").Op("=").Qual("sync", "Pool").Values(jen.Dict{
			jen.Id("New"): jen.Func().Params().Any().Block(jen.Return(jen.New(jen.Id("predictScratch")))),
		})
		f.Line()
	}
	f.Comment("Predict returns the network's output for one sample x (for a softmax output, the class")
	f.Comment("probabilities). It allocates nothing and does not modify m, so it is safe for concurrent use.")
	f.Func().Params(jen.Id("m").Op("*").Id("Model")).Id("Predict").
		Params(jen.Id("x").Op("*").Index(jen.Id("InputSize")).Float32()).
		Params(jen.Id("y").Index(jen.Id("OutputSize")).Float32()).
		BlockFunc(func(g *jen.Group) {
			// array is the expression of one of Predict's arrays, whole.
			array := func(name string) *jen.Statement { return jen.Id(name).Index(jen.Empty(), jen.Empty()) }
			if pooled {
				g.Id("s").Op(":=").Id("predictScratches").Dot("Get").Call().Assert(jen.Op("*").Id("predictScratch"))
				g.Defer().Id("predictScratches").Dot("Put").Call(jen.Id("s"))
				array = func(name string) *jen.Statement { return jen.Id("s").Dot(name).Index(jen.Empty(), jen.Empty()) }
			} else {
				for _, a := range arrays {
					g.Var().Id(a.name).Index(jen.Id(a.size)).Float32().Comment(a.comment)
				}
			}
			// base is the array itself, which a layer slices.
			base := func(name string) *jen.Statement { return jen.Id(name) }
			if pooled {
				base = func(name string) *jen.Statement { return jen.Id("s").Dot(name) }
			}
			c := Pass{Rows: jen.Lit(1), Lo: jen.Lit(0), Training: jen.False(), Model: func() *jen.Statement { return jen.Id("m") }, Scratch: base}
			in := jen.Id("x").Index(jen.Empty(), jen.Empty())
			if len(p.Stage()) > 0 {
				emitStage(p, g, c, array("in"), in)
				in = array("in")
			}
			body := p.Body()
			for i, l := range body {
				d := l.Info()
				out := jen.Id("y").Index(jen.Empty(), jen.Empty())
				if i < len(body)-1 {
					out = array(d.Act)
				}
				c.In, c.Out = in, out
				for _, code := range l.Forward(c) {
					g.Add(code)
				}
				in = out
			}
			if l := p.Labels; l != nil {
				g.Comment("In the labels' own units.")
				g.Add(l.Restore(jen.Id("y").Index(jen.Empty(), jen.Empty()), jen.Id("y").Index(jen.Empty(), jen.Empty()), jen.Lit(1), c.Model))
			}
			g.Return()
		})
	if p.Classifies {
		emitPredictClass(p, f)
	}
	emitBatchPredict(p, f)
	return f, nil
}

// scratch lists the arrays the layers need to predict (see Scratcher).
func scratch(p *Plan) []Buffer {
	var bs []Buffer
	for _, l := range p.Layers {
		if s, ok := l.(Scratcher); ok {
			bs = append(bs, s.Scratch()...)
		}
	}
	return bs
}

// emitStage adds the input stage's code to g (see Plan.Stage): rows of src into out, the first
// layer reading src and the others working in place, with c's rows and flags.
func emitStage(p *Plan, g *jen.Group, c Pass, out, src jen.Code) {
	in := src
	for _, l := range p.Stage() {
		c.In, c.Out = in, out
		for _, code := range l.Forward(c) {
			g.Add(code)
		}
		in = out
	}
}

// predictChunk is how many samples a BatchPredictor runs through the kernels at once: enough rows
// for the matrix kernels to reuse each kernel row from cache, few enough that a chunk of inputs
// stays in L1 and L2 beside the kernel, and a multiple of the AVX2 kernel's blocks of six rows
// (32 rows run as 6+6+6+6+4+4, and a four-row block keeps 8 accumulators, too few for two FMA
// pipes of latency 4-5). For 10,000 MNIST images: on the AVX-512 build machine 9.9 ms at 32 rows,
// 10.4 ms at 64, 13.9 ms at 128; on a Zen 3 (AVX2), both products by thread CPU time, medians of
// 31 alternating runs, twice: 22.4 and 23.5 ms at 32 rows, 21.4 and 21.7 at 48, 21.1 and 21.2 at
// 96, 20.3 and 21.1 at 192.
const predictChunk = 48

// predictChunkBytes bounds the memory one chunk of a BatchPredictor works in: its inputs, every
// layer's outputs and the convolutions' windows. A convnet's row is about 320 KB (the first
// layer's 26×26×32 outputs, the second's 11×11 windows of 288), so 32 of them would stream 10 MB
// through memory per chunk; measured on Zen 3 for 10,000 MNIST images, alternating: 79 and 81 µs
// per image in chunks of 32, 71.4 and 71.6 µs in chunks of 6 (what this gives it).
const predictChunkBytes = 2 << 20

// chunkRows is the plan's PredictChunk: predictChunk rows, or fewer (at least 1) when they would
// take more than predictChunkBytes.
func chunkRows(p *Plan) int {
	floats := p.InputSize
	for _, l := range p.Body() {
		floats += l.Info().Out
	}
	for _, b := range scratch(p) {
		floats += b.Elems
	}
	return max(1, min(predictChunk, predictChunkBytes/(4*floats)))
}

// emitBatchPredict adds the BatchPredictor to predict.go: many samples at once through the matrix
// kernels, a chunk of rows at a time, in buffers allocated once.
func emitBatchPredict(p *Plan, f *jen.File) {
	f.Line()
	f.Comment("PredictChunk is the number of samples a BatchPredictor runs through the layers at once.")
	f.Const().Id("PredictChunk").Op("=").Lit(chunkRows(p))
	f.Line()
	f.Comment("BatchPredictor predicts many samples at once through the matrix kernels, which is faster per")
	f.Comment("sample than Predict. Its buffers hold one chunk of hidden activations; it allocates nothing")
	f.Comment("after NewBatchPredictor. It is not safe for concurrent use: give each goroutine its own.")
	f.Type().Id("BatchPredictor").StructFunc(func(g *jen.Group) {
		g.Id("model").Op("*").Id("Model")
		if len(p.Stage()) > 0 {
			g.Id("input").Index(jen.Id("PredictChunk").Op("*").Id("InputSize")).Float32().Comment("one chunk of inputs after the input stage")
		}
		body := p.Body()
		for _, l := range body[:len(body)-1] {
			d := l.Info()
			g.Id(d.Act).Index(jen.Id("PredictChunk").Op("*").Id(d.OutConst)).Float32().
				Commentf("layer %d's outputs for one chunk", d.Index)
		}
		for _, b := range scratch(p) {
			g.Id(b.Field).Index(jen.Id("PredictChunk").Op("*").Id(b.Width)).Float32().Comment(b.Comment + " for one chunk")
		}
	})
	f.Line()
	f.Comment("NewBatchPredictor returns a BatchPredictor for m; it reads m's parameters at every call.")
	f.Func().Id("NewBatchPredictor").Params(jen.Id("m").Op("*").Id("Model")).Op("*").Id("BatchPredictor").Block(
		jen.Return(jen.Op("&").Id("BatchPredictor").Values(jen.Dict{jen.Id("model"): jen.Id("m")})),
	)
	f.Line()
	f.Comment("Predict sets y to the outputs for the samples of x: x holds n rows of InputSize values and y")
	f.Comment("receives n rows of OutputSize. It panics unless len(x) is a multiple of InputSize and y has")
	f.Comment("room for n rows.")
	f.Func().Params(jen.Id("b").Op("*").Id("BatchPredictor")).Id("Predict").Params(jen.Id("x"), jen.Id("y").Index().Float32()).BlockFunc(func(g *jen.Group) {
		g.Id("n").Op(":=").Len(jen.Id("x")).Op("/").Id("InputSize")
		g.If(jen.Len(jen.Id("x")).Op("%").Id("InputSize").Op("!=").Lit(0).Op("||").Len(jen.Id("y")).Op("<").Id("n").Op("*").Id("OutputSize")).Block(
			jen.Panic(jen.Qual("fmt", "Sprintf").Call(
				jen.Lit(p.Package+": BatchPredictor.Predict: %d inputs and %d outputs; want rows of %d inputs and room for as many rows of %d outputs"),
				jen.Len(jen.Id("x")), jen.Len(jen.Id("y")), jen.Id("InputSize"), jen.Id("OutputSize"))),
		)
		g.For(jen.Id("i").Op(":=").Lit(0), jen.Id("i").Op("<").Id("n"), jen.Id("i").Op("+=").Id("PredictChunk")).BlockFunc(func(g *jen.Group) {
			g.Id("rows").Op(":=").Min(jen.Id("PredictChunk"), jen.Id("n").Op("-").Id("i"))
			c := Pass{Rows: jen.Id("rows"), Lo: jen.Lit(0), Training: jen.False(), Model: func() *jen.Statement { return jen.Id("b").Dot("model") },
				Scratch: func(field string) *jen.Statement { return jen.Id("b").Dot(field) }}
			in := jen.Id("x").Index(jen.Id("i").Op("*").Id("InputSize"), jen.Parens(jen.Id("i").Op("+").Id("rows")).Op("*").Id("InputSize"))
			if len(p.Stage()) > 0 {
				g.Id("in").Op(":=").Id("b").Dot("input").Index(jen.Empty(), jen.Id("rows").Op("*").Id("InputSize"))
				emitStage(p, g, c, jen.Id("in"), in)
				in = jen.Id("in")
			}
			var out *jen.Statement
			body := p.Body()
			for k, l := range body {
				d := l.Info()
				out = jen.Id("y").Index(jen.Id("i").Op("*").Id("OutputSize"), jen.Parens(jen.Id("i").Op("+").Id("rows")).Op("*").Id("OutputSize"))
				if k < len(body)-1 {
					out = jen.Id("b").Dot(d.Act).Index(jen.Empty(), jen.Id("rows").Op("*").Id(d.OutConst))
				}
				c.In, c.Out = in, out
				for _, code := range l.Forward(c) {
					g.Add(code)
				}
				in = out
			}
			if l := p.Labels; l != nil {
				g.Add(l.Restore(out, out, jen.Id("rows"), c.Model))
			}
		})
	})
}
