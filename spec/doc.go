// Package spec reads an nngen model spec: a YAML file that describes a small network the way a
// Keras script does (layers, compile, fit, data). Parsing is strict (an unknown key is an error)
// and validation reports every problem at once, each with file:line:column.
//
// The Keras MNIST tutorial reads:
//
//	name: mnist
//	input: {shape: [784]}
//	layers:
//	  - {type: dense, units: 64, activation: relu}
//	  - {type: dense, units: 10, activation: softmax}
//	compile:
//	  optimizer: {type: adam, learning_rate: 0.001}
//	  loss: categorical_crossentropy
//	  metrics: [accuracy]
//	fit: {epochs: 10, batch_size: 32, validation_split: 0.2, shuffle: true, seed: 42}
//	data: {source: mnist}
//
// and Keras' "Simple MNIST convnet":
//
//	name: convnet
//	input: {shape: [28, 28, 1]}
//	layers:
//	  - {type: conv2d, filters: 32, kernel_size: 3, activation: relu}
//	  - {type: max_pooling2d, pool_size: 2}
//	  - {type: conv2d, filters: 64, kernel_size: 3, activation: relu}
//	  - {type: max_pooling2d, pool_size: 2}
//	  - {type: flatten}
//	  - {type: dropout, rate: 0.5}
//	  - {type: dense, units: 10, activation: softmax}
//	compile: {optimizer: adam, loss: categorical_crossentropy, metrics: [accuracy]}
//	fit: {epochs: 15, batch_size: 128, validation_split: 0.1}
//
// name, input, layers and compile (with its optimizer and loss) are required; everything else
// has Keras' default, and the Model returned has every default filled in.
//
// # Inputs and layers
//
// An input of rank 3 is an image [height, width, channels], channels last as Keras' default
// (channels_last); an input of any other rank is a flat vector of the product of its sizes, so
// that [28, 28] feeds 784 values to a dense layer. The layers, with Keras 3's key names and
// defaults:
//
//   - dense: units (required), activation (linear), use_bias (true), kernel_initializer
//     (glorot_uniform), bias_initializer (zeros only), kernel_regularizer and bias_regularizer
//     ({l1: x, l2: y}). It takes a flat input: put a flatten (or a global pooling) layer between
//     an image and a dense layer.
//   - conv2d: filters (required), kernel_size (required), strides ([1, 1]), padding (valid or
//     same), dilation_rate ([1, 1]; above 1 only with strides 1), and dense's activation,
//     use_bias, initializers and regularizers. Its output is an image of filters channels.
//   - max_pooling2d, average_pooling2d: pool_size ([2, 2]), strides (pool_size), padding (valid).
//     The output keeps the input's channels.
//   - global_average_pooling2d, global_max_pooling2d: one value per channel, a flat output
//     (keepdims false only).
//   - flatten: an image to a flat vector of height·width·channels values (a flat input stays
//     as it is).
//   - activation (activation, required), dropout (rate, required), batch_normalization
//     (momentum, epsilon, center, scale; over the channels of an image): they keep their input's
//     shape.
//   - rescaling (scale, required; offset) and normalization (adapted to the training data, flat
//     inputs only): preprocessing, before the first dense or conv2d layer.
//
// A window size, stride or dilation is an integer n, which means [n, n], or a pair [height,
// width], each from 1 to 65536. Padding same places windows as TensorFlow does: the output has
// ceil(in/stride) cells, and of an odd total padding the extra cell goes after; valid padding
// places windows inside the input only. The last layer is dense; softmax goes on the last
// layer only.
//
// The optimizer is a bare name (adam, sgd) or a mapping whose keys depend on its type: adam
// takes learning_rate, beta_1, beta_2, epsilon and amsgrad (false only); sgd takes
// learning_rate, momentum and nesterov. The data is MNIST (the default), IDX files in data.dir,
// or CSV files.
//
// A problem reads path:line:column: what is wrong; what is allowed, as in
//
//	mnist.yaml:5:19: unknown key "unit" in layer 1 (did you mean "units"?); allowed: type, units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
//	mnist.yaml:9:9: compile.loss: unknown loss "mse" (did you mean "mean_squared_error"?); allowed: categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error
//	convnet.yaml:6:46: layer 3 kernel_size: [14, 3] does not fit its input [13, 13, 32] with padding valid; allowed: a kernel_size of at most [13, 3], or padding: same
//	convnet.yaml:6:46: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d (does not fit)
//
// Besides each value's own range, validation checks the rules that tie values together:
// softmax only on the last layer; a cross-entropy loss needs a softmax output of at least 2 units;
// every layer's input suits it (Model.Shapes gives each layer's output shape); MNIST needs 784
// inputs ([784], [28, 28] or the image [28, 28, 1]) and 10 outputs, and a batch no larger than
// the training images left by validation_split; every layer's output holds at most 2^24 values,
// a conv2d's patch (kernel height·width·input channels) at most 2^20 and its kernel at most 2^24
// parameters; the network holds at most 2^26 parameters.
package spec
