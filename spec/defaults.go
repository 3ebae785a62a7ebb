package spec

// The values a spec may use, in the order error messages list them, and Keras' defaults for
// what a spec leaves out.

var (
	layerTypes   = []string{"dense", "conv2d", "max_pooling2d", "average_pooling2d", "global_average_pooling2d", "global_max_pooling2d", "flatten", "activation", "dropout", "batch_normalization", "rescaling", "normalization"}
	activations  = []string{"linear", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "selu", "softmax"}
	initializers = []string{"glorot_uniform", "glorot_normal", "he_uniform", "he_normal"}
	optimizers   = []string{"adam", "sgd", "rmsprop", "adamw", "adagrad", "nadam", "adamax"}
	schedules    = []string{"exponential_decay", "piecewise_constant_decay", "inverse_time_decay", "polynomial_decay", "cosine_decay"}
	callbacks    = []string{"early_stopping", "reduce_lr_on_plateau", "model_checkpoint", "terminate_on_nan"}
	modes        = []string{"auto", "min", "max"}
	losses       = []string{"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error", "mean_absolute_error"}
	metrics      = []string{"accuracy", "mae", "mse"}
	sources      = []string{"mnist", "idx", "csv"}
	paddings     = []string{"valid", "same"}
)

// Keys of each mapping, in the order error messages list them.
var (
	topKeys      = []string{"name", "input", "layers", "compile", "fit", "data"}
	inputKeys    = []string{"shape"}
	allLayerKeys = []string{"type", "units", "filters", "kernel_size", "pool_size", "strides", "padding", "dilation_rate",
		"activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
		"keepdims", "rate", "scale", "offset", "momentum", "epsilon", "center"}
	compileKeys     = []string{"optimizer", "loss", "metrics"}
	fitKeys         = []string{"epochs", "batch_size", "validation_split", "shuffle", "seed", "callbacks", "class_weight", "checkpoint"}
	regularizerKeys = []string{"l1", "l2"}
	allDataKeys     = []string{"source", "dir", "train_images", "train_labels", "test_images", "test_labels",
		"train", "test", "test_split", "header", "label", "features", "delimiter", "normalize_label"}

	// layerKeys are the keys of a layer mapping, by layer type.
	layerKeys = map[string][]string{
		"dense": {"type", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer"},
		"conv2d": {"type", "filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias",
			"kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer"},
		"max_pooling2d":            {"type", "pool_size", "strides", "padding"},
		"average_pooling2d":        {"type", "pool_size", "strides", "padding"},
		"global_average_pooling2d": {"type", "keepdims"},
		"global_max_pooling2d":     {"type", "keepdims"},
		"flatten":                  {"type"},
		"activation":               {"type", "activation"},
		"dropout":                  {"type", "rate"},
		"batch_normalization":      {"type", "momentum", "epsilon", "center", "scale"},
		"rescaling":                {"type", "scale", "offset"},
		"normalization":            {"type"},
	}

	// dataKeys are the keys of the data mapping, by source.
	dataKeys = map[string][]string{
		"mnist": {"source", "dir", "train_images", "train_labels", "test_images", "test_labels"},
		"idx":   {"source", "dir", "train_images", "train_labels", "test_images", "test_labels"},
		"csv":   {"source", "train", "test", "test_split", "header", "label", "features", "delimiter", "normalize_label"},
	}

	// optimizerKeys are the keys of an optimizer mapping, by optimizer type; every type also has
	// commonOptimizerKeys, as every Keras 3 optimizer does.
	optimizerKeys = map[string][]string{
		"adam":    {"type", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
		"sgd":     {"type", "learning_rate", "momentum", "nesterov"},
		"rmsprop": {"type", "learning_rate", "rho", "momentum", "epsilon", "centered"},
		"adamw":   {"type", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
		"adagrad": {"type", "learning_rate", "initial_accumulator_value", "epsilon"},
		"nadam":   {"type", "learning_rate", "beta_1", "beta_2", "epsilon"},
		"adamax":  {"type", "learning_rate", "beta_1", "beta_2", "epsilon"},
	}
	commonOptimizerKeys = []string{"weight_decay", "clipnorm", "global_clipnorm", "clipvalue"}
	allOptimizerKeys    = []string{"type", "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "momentum", "nesterov",
		"rho", "centered", "initial_accumulator_value", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue"}

	// scheduleKeys are the keys of a learning_rate schedule, by type (Keras' parameter names).
	scheduleKeys = map[string][]string{
		"exponential_decay":        {"type", "initial_learning_rate", "decay_steps", "decay_rate", "staircase"},
		"piecewise_constant_decay": {"type", "boundaries", "values"},
		"inverse_time_decay":       {"type", "initial_learning_rate", "decay_steps", "decay_rate", "staircase"},
		"polynomial_decay":         {"type", "initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle"},
		"cosine_decay":             {"type", "initial_learning_rate", "decay_steps", "alpha", "warmup_target", "warmup_steps"},
	}
	allScheduleKeys = []string{"type", "initial_learning_rate", "decay_steps", "decay_rate", "staircase", "boundaries", "values",
		"end_learning_rate", "power", "cycle", "alpha", "warmup_target", "warmup_steps"}

	// callbackKeys are the keys of a callback, by type (Keras' parameter names, and verbose).
	callbackKeys = map[string][]string{
		"early_stopping":       {"type", "monitor", "min_delta", "patience", "mode", "baseline", "start_from_epoch", "restore_best_weights", "verbose"},
		"reduce_lr_on_plateau": {"type", "monitor", "factor", "patience", "min_delta", "cooldown", "min_lr", "mode", "verbose"},
		"model_checkpoint":     {"type", "filepath", "monitor", "save_best_only", "mode", "verbose"},
		"terminate_on_nan":     {"type"},
	}
	allCallbackKeys = []string{"type", "monitor", "min_delta", "patience", "mode", "baseline", "start_from_epoch",
		"restore_best_weights", "factor", "cooldown", "min_lr", "filepath", "save_best_only", "verbose"}
)

// Limits on sizes, against typing mistakes and specs that would build an absurd program.
const (
	maxNameLen     = 64
	maxInputRank   = 8
	maxInputSize   = 1 << 24
	maxLayers      = 64
	maxUnits       = 65536
	maxFilters     = 65536   // a conv2d's output channels
	maxWindow      = 65536   // each number of a kernel_size, pool_size, strides or dilation_rate, and a dilated kernel's span
	maxPatch       = 1 << 20 // a conv2d's patch: kernel height · width · input channels
	maxKernel      = 1 << 24 // a conv2d's kernel: its patch · filters
	maxLayerSize   = 1 << 24 // the values of a layer's output, as of the input
	maxParameters  = 1 << 26
	maxBatchBytes  = 1 << 30
	maxEpochs      = 100000
	maxBatchSize   = 65536
	maxLearnRate   = 10
	maxRescale     = 1e6
	maxSpecBytes   = 1 << 20
	mnistFeatures  = 28 * 28
	mnistSide      = 28 // MNIST images are 28x28 pixels of one channel
	mnistClasses   = 10
	mnistTrainSize = 60000
)

// defaultLayer is a dense layer as Keras builds it when only units is given (a preprocessing
// layer leaves the dense fields as they are: nothing reads them).
func defaultLayer() Layer {
	return Layer{Type: "dense", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform"}
}

// defaultOptimizer is Keras 3's optimizer of type t with its default hyper-parameters; ok is
// false for an unknown type.
func defaultOptimizer(t string) (o Optimizer, ok bool) {
	switch t {
	case "adam", "nadam", "adamax":
		return Optimizer{Type: t, LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}, true
	case "adamw":
		return Optimizer{Type: t, LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, WeightDecay: 0.004}, true
	case "sgd":
		return Optimizer{Type: t, LearningRate: 0.01}, true
	case "rmsprop":
		return Optimizer{Type: t, LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7}, true
	case "adagrad":
		return Optimizer{Type: t, LearningRate: 0.001, InitialAccumulator: 0.1, Epsilon: 1e-7}, true
	}
	return Optimizer{}, false
}

// defaultSchedule is Keras 3's schedule of type t with its defaults for what has one.
func defaultSchedule(t string) Schedule {
	s := Schedule{Type: t}
	if t == "polynomial_decay" {
		s.EndLearningRate, s.Power = 0.0001, 1.0
	}
	return s
}

// defaultCallback is Keras 3's callback of type t with its defaults, and verbose 1.
func defaultCallback(t string) Callback {
	c := Callback{Type: t, Monitor: "val_loss", Mode: "auto", Verbose: 1}
	if t == "reduce_lr_on_plateau" {
		c.Factor, c.Patience, c.MinDelta = 0.1, 10, 1e-4
	}
	return c
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
