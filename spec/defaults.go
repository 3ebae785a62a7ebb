package spec

// The values a spec may use, in the order error messages list them, and Keras' defaults for
// what a spec leaves out.

var (
	layerTypes   = []string{"dense", "rescaling", "normalization"}
	activations  = []string{"linear", "relu", "sigmoid", "tanh", "softmax"}
	initializers = []string{"glorot_uniform", "glorot_normal", "he_uniform", "he_normal"}
	optimizers   = []string{"adam", "sgd"}
	losses       = []string{"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error", "mean_absolute_error"}
	metrics      = []string{"accuracy", "mae", "mse"}
	sources      = []string{"mnist", "idx", "csv"}
)

// Keys of each mapping, in the order error messages list them.
var (
	topKeys      = []string{"name", "input", "layers", "compile", "fit", "data"}
	inputKeys    = []string{"shape"}
	allLayerKeys = []string{"type", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "scale", "offset"}
	compileKeys  = []string{"optimizer", "loss", "metrics"}
	fitKeys      = []string{"epochs", "batch_size", "validation_split", "shuffle", "seed"}
	allDataKeys  = []string{"source", "dir", "train_images", "train_labels", "test_images", "test_labels",
		"train", "test", "test_split", "header", "label", "features", "delimiter", "normalize_label"}

	// layerKeys are the keys of a layer mapping, by layer type.
	layerKeys = map[string][]string{
		"dense":         {"type", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer"},
		"rescaling":     {"type", "scale", "offset"},
		"normalization": {"type"},
	}

	// dataKeys are the keys of the data mapping, by source.
	dataKeys = map[string][]string{
		"mnist": {"source", "dir", "train_images", "train_labels", "test_images", "test_labels"},
		"idx":   {"source", "dir", "train_images", "train_labels", "test_images", "test_labels"},
		"csv":   {"source", "train", "test", "test_split", "header", "label", "features", "delimiter", "normalize_label"},
	}

	// optimizerKeys are the keys of an optimizer mapping, by optimizer type.
	optimizerKeys = map[string][]string{
		"adam": {"type", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
		"sgd":  {"type", "learning_rate", "momentum", "nesterov"},
	}
	allOptimizerKeys = []string{"type", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "momentum", "nesterov"}
)

// Limits on sizes, against typing mistakes and specs that would build an absurd program.
const (
	maxNameLen     = 64
	maxInputRank   = 8
	maxInputSize   = 1 << 24
	maxLayers      = 64
	maxUnits       = 65536
	maxParameters  = 1 << 26
	maxBatchBytes  = 1 << 30
	maxEpochs      = 100000
	maxBatchSize   = 65536
	maxLearnRate   = 10
	maxRescale     = 1e6
	maxSpecBytes   = 1 << 20
	mnistFeatures  = 28 * 28
	mnistClasses   = 10
	mnistTrainSize = 60000
)

// defaultLayer is a dense layer as Keras builds it when only units is given (a preprocessing
// layer leaves the dense fields as they are: nothing reads them).
func defaultLayer() Layer {
	return Layer{Type: "dense", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform"}
}

// defaultOptimizer is Keras' optimizer of type t with its default hyper-parameters; ok is false
// for an unknown type.
func defaultOptimizer(t string) (o Optimizer, ok bool) {
	switch t {
	case "adam":
		return Optimizer{Type: t, LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}, true
	case "sgd":
		return Optimizer{Type: t, LearningRate: 0.01}, true
	}
	return Optimizer{}, false
}

// defaultFit is what Keras' model.fit does without arguments, with batch_size 32.
func defaultFit() Fit {
	return Fit{Epochs: 1, BatchSize: 32, Shuffle: true}
}

// defaultData reads MNIST from the GoMNIST module, under the names it ships.
func defaultData() Data {
	return Data{
		Source:      "mnist",
		TrainImages: "train-images-idx3-ubyte.gz",
		TrainLabels: "train-labels-idx1-ubyte.gz",
		TestImages:  "t10k-images-idx3-ubyte.gz",
		TestLabels:  "t10k-labels-idx1-ubyte.gz",
	}
}
