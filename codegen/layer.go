package codegen

import (
	"strconv"

	"github.com/dave/jennifer/jen"
)

// Layer is one layer of a plan: its widths, its parameter arrays, its buffers, and the code of its
// passes, which the emitters place into Predict, the BatchPredictor and the Trainer. Each kind is
// one type in one file (dense.go, activation.go, dropout.go, rescaling.go, normalization.go, ...)
// and one case in newPlan; the emitters know no kind. How a step is shared between two cores is
// decided for the whole plan in parallel.go.
//
// The code methods return statements; their operands come in a Pass, as expressions, so that the
// same layer code serves one row on the stack (Predict) and rows lo to hi of the Trainer's buffers.
// Rows are row-major: a row of a layer's input holds its In values, a row of its output Out.
type Layer interface {
	// Info is what every kind of layer has: its position, widths and the names of its constants
	// and buffers.
	Info() *LayerInfo
	// Params lists the layer's parameter arrays, trained and fixed, in the order of weights files.
	Params() []Param
	// Buffers lists the arrays the layer keeps in the Trainer besides its output and gradient,
	// such as a dropout mask, each BatchSize rows.
	Buffers() []Buffer
	// Forward emits c.Out = layer(c.In) for c.Rows rows.
	Forward(c Pass) []jen.Code
	// Backward emits, for c.Rows rows, the gradient with respect to the layer's input into c.DIn
	// (when it is not nil) from the gradient with respect to its output in c.DOut, which it may
	// change in place: a layer with parameters leaves there what Gradients needs (a dense layer, the
	// gradient with respect to its pre-activations).
	Backward(c Pass) []jen.Code
	// Gradients emits part's share (of parts) of the gradients of the layer's parameters, into the
	// Trainer's grad, from its input c.In and what Backward left in c.DOut, over all n rows.
	Gradients(c Pass) []jen.Code
}

// Pass holds the operands of a layer's code: expressions for rows of its buffers.
type Pass struct {
	In, Out   jen.Code // rows of the layer's input and output
	DIn, DOut jen.Code // the loss gradient with respect to them; DIn nil when nothing before needs it
	Rows      jen.Code // the number of rows
	Lo        jen.Code // the index of the first row in the batch (what a dropout mask is drawn for)
	Training  jen.Code // a bool expression: true in a training step, false when evaluating or predicting
	Fused     bool     // Backward of the output layer: DOut is already the gradient with respect to its pre-activations (a cross-entropy fused with its softmax or sigmoid)
	Model     func() *jen.Statement
	Trainer   func() *jen.Statement             // the Trainer, for its buffers; nil in Predict
	Scratch   func(field string) *jen.Statement // a Scratcher's array named field: the Trainer's, a BatchPredictor's or Predict's own
}

// LayerInfo is what every kind of layer has in a plan.
type LayerInfo struct {
	Index      int    // 1-based position in the network
	Kind       string // the spec's layer type
	In, Out    int    // input and output widths
	InConst    string // the constant naming In: InputSize or the previous layer's OutConst
	OutConst   string // the constant naming Out: the layer's own (Dense1Units) or InConst for a layer that keeps its width
	Activation string // a dense layer's activation, fused into it; "" for other kinds
	Shape      []int  // the output's shape: [height, width, channels] for an image, nil for a flat row
	Act        string // Trainer field holding this layer's outputs, BatchSize rows
	Delta      string // Trainer field holding the loss gradient with respect to them (see Backward)
}

// sameWidth is the description of layer index (from 1) of a kind that keeps its input's width.
func sameWidth(index int, kind string, in int, inConst string) LayerInfo {
	return LayerInfo{Index: index, Kind: kind, In: in, Out: in, InConst: inConst, OutConst: inConst,
		Act: "act" + strconv.Itoa(index), Delta: "delta" + strconv.Itoa(index)}
}

// Buffer is an array a layer keeps in the Trainer: rows of width Width constant, of Go type Type.
type Buffer struct {
	Field   string // the Trainer's field
	Width   string // the constant of a row's width
	Elems   int    // the value of Width: the elements of one row
	Rows    int    // the number of rows; 0 for BatchSize
	Type    string // float32 or uint8
	Comment string
}

// rows is the expression of the buffer's row count.
func (b Buffer) rows() jen.Code {
	if b.Rows > 0 {
		return jen.Lit(b.Rows)
	}
	return jen.Id("BatchSize")
}

// InputSharer is a layer whose forward pass can be computed in shares of its inputs and summed (a
// dense layer): when it is the first trained layer, two cores each compute the share of the
// inputs whose kernel rows they also update (see parallel.go).
type InputSharer interface {
	// ForwardPart emits the share of out's pre-activations that inputs lo to hi contribute, over
	// n rows, with the bias when withBias.
	ForwardPart(out, in jen.Code, withBias bool) []jen.Code
	// Activate emits out = act(out) for rows rows: the activation alone, after the shares are summed.
	Activate(out, rows jen.Code) []jen.Code
}

// Scratcher is a layer that needs arrays of its own to predict as well as to train (a
// convolution's im2col windows): Scratch lists them, a subset of its Buffers. Predict declares them
// on its stack, one row; a BatchPredictor holds PredictChunk rows.
type Scratcher interface {
	Scratch() []Buffer
}

// Preparer is a layer that prepares its backward pass once per training step, before the rows
// are shared out (a convolution transposes its kernel).
type Preparer interface {
	Prepare(c Pass) []jen.Code
}

// Declarer is a layer with declarations of its own in model.go: the sizes and geometry of a
// convolution or pooling.
type Declarer interface {
	Declare() []jen.Code
}

// Adapter is a layer of the input stage that adapting to the features' statistics concerns (see
// emit_adapt.go): Adapt emits what it sets from float64 slices named mean and variance, InputSize
// long, as the layer's input sees them, and changes them to what the next layer sees.
type Adapter interface {
	Adapt() []jen.Code
}

// Param is one parameter array of a layer, as the Model, the initialiser, weights files and the
// optimiser see it. An array with ShareRow is split by rows between the parts of a two-core step,
// the same rows as the layer's WeightGradient gives each part; one without is updated by part 0.
type Param struct {
	Field      string   // the Model's field
	Tensor     string   // the name in weights files, such as dense1/kernel
	Shape      []string // the size constants of its dimensions, outermost first
	Dims       []int    // their values
	Init       string   // the runtime/initializer function that fills it; "" for zeros, initOnes for ones
	FanIn      string   // the initialiser's fan-in constant
	FanOut     string   // the initialiser's fan-out constant
	ShareRow   string   // the constant of its row count when cores share it by rows; "" for part 0 alone
	ShareWidth string   // the constant of the width of those rows; "" for the product of Shape[1:]
	Fixed      bool     // not trained: adapted to the data before training (statistics), stored in weights files
}

// initOnes is the Param.Init of an array that starts as ones (a variance before adapting).
const initOnes = "ones"

// Output is the last layer.
func (p *Plan) Output() Layer { return p.Layers[len(p.Layers)-1] }

// Stage is the input stage: the layers before the first layer with trained parameters. Nothing
// before them needs a gradient, so a step runs them once over the whole batch (into the Trainer's
// input buffer) before the rows are shared out, and never backward.
func (p *Plan) Stage() []Layer { return p.Layers[:p.First] }

// Body is the layers from the first with trained parameters on: they run forward and backward.
func (p *Plan) Body() []Layer { return p.Layers[p.First:] }
