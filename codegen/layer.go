package codegen

import "github.com/dave/jennifer/jen"

// Layer is one layer of a plan: its sizes, its parameter arrays, its buffers, and the code of its
// passes, which the emitters place into Predict, the BatchPredictor and the Trainer. Dense is the
// only kind today; a new kind (Conv2D, MaxPooling2D, Dropout, ...) is a new type that implements
// Layer and one new case in newPlan, while the emitters stay as they are.
//
// The code methods return statements; their operands come in as expressions, so that the same
// layer code serves one row on the stack (Predict) and rows lo to hi of the Trainer's buffers.
type Layer interface {
	// Info is what every kind of layer has: its position, widths and the names of its constants
	// and buffers.
	Info() *LayerInfo
	// Params lists the layer's parameter arrays in the order of weights files.
	Params() []Param
	// Forward emits out = layer(in) for rows rows, with the parameters of the Model that model
	// returns a fresh expression for.
	Forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code
	// ForwardPart emits the share of out's pre-activations that inputs lo to hi contribute, with
	// the bias when withBias: what one core computes when two share the layer (see emitSteps).
	ForwardPart(out, in jen.Code, withBias bool) []jen.Code
	// Activate emits out = act(out): the activation alone, after pre-activations summed from shares.
	Activate(out, rows jen.Code) []jen.Code
	// ActivationBackward emits delta ⊙= act'(act), from the gradient with respect to the layer's
	// output to the gradient with respect to its pre-activations.
	ActivationBackward(delta, act, rows jen.Code) []jen.Code
	// DeltaBackward emits prev's delta from this layer's delta, row by row.
	DeltaBackward(delta, rows jen.Code, prev Layer, prevDelta, prevAct jen.Code) []jen.Code
	// WeightGradient emits part's share (of parts) of the layer's gradients from its input and its
	// delta over n rows, into the Trainer's grad.
	WeightGradient(in, delta jen.Code) []jen.Code
}

// LayerInfo is what every kind of layer has in a plan.
type LayerInfo struct {
	Index      int    // 1-based position in the network
	In, Out    int    // input and output widths
	InConst    string // the constant naming In: InputSize or the previous layer's UnitsConst
	UnitsConst string // the constant naming Out, such as Dense1Units
	Activation string // linear, relu, sigmoid, tanh or softmax
	Act        string // Trainer field holding this layer's activations, BatchSize×Out
	Delta      string // Trainer field holding the loss gradient w.r.t. this layer's pre-activations
}

// Param is one parameter array of a layer, as the Model, the initialiser, weights files and the
// optimiser see it. An array with ShareRow is split by rows between the parts of a two-core step,
// the same rows as the layer's WeightGradient gives each part; one without is updated by part 0.
type Param struct {
	Field    string   // the Model's field
	Tensor   string   // the name in weights files, such as dense1/kernel
	Shape    []string // the size constants of its dimensions, outermost first
	Dims     []int    // their values
	Init     string   // the runtime/initializer function that fills it; "" for zeros, initOnes for ones
	FanIn    string   // the initialiser's fan-in constant
	FanOut   string   // the initialiser's fan-out constant
	ShareRow string   // the constant of its row count when cores share it by rows; "" for part 0 alone
	Fixed    bool     // not trained: adapted to the data before training (statistics), stored in weights files
}

// initOnes is the Param.Init of an array that starts as ones (a variance before adapting).
const initOnes = "ones"

// Preprocess is a layer before the first dense layer: it transforms each input row and is not
// trained (rescaling, normalization). A new preprocessing kind is a new type that implements it
// and one new case in newPlan.
type Preprocess interface {
	// Describe is the layer in a comment, such as "rescaling x·0.0039 + 0".
	Describe() string
	// Params lists the layer's fixed arrays (adapted statistics) in the order of weights files.
	Params() []Param
	// Forward emits out = layer(in) for rows rows of InputSize values; out may be in.
	Forward(out, in, rows jen.Code, model func() *jen.Statement) []jen.Code
	// Adapt emits what adapting to the features' mean and variance (float64 slices named mean and
	// variance, InputSize long, as this layer's input sees them) sets, then changes mean and
	// variance to what the next layer sees.
	Adapt() []jen.Code
}

// Output is the last layer.
func (p *Plan) Output() Layer { return p.Layers[len(p.Layers)-1] }
