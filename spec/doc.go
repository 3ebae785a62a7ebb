// Package spec reads an nngen model spec: a YAML file that describes a small dense network the
// way a Keras script does (layers, compile, fit, data). Parsing is strict (an unknown key is an
// error) and validation reports every problem at once, each with file:line:column.
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
// name, input, layers and compile (with its optimizer and loss) are required; everything else
// has Keras' default, and the Model returned has every default filled in. A layer takes type
// (dense), units, activation, use_bias, kernel_initializer and bias_initializer (zeros only). The
// optimizer is a bare name (adam, sgd) or a mapping whose keys depend on its type: adam takes
// learning_rate, beta_1, beta_2, epsilon and amsgrad (false only); sgd takes learning_rate,
// momentum and nesterov. The data is MNIST (the default) or IDX files in data.dir.
//
// A problem reads path:line:column: what is wrong; what is allowed, as in
//
//	mnist.yaml:5:19: unknown key "unit" in layer 1 (did you mean "units"?); allowed: type, units, activation, use_bias, kernel_initializer, bias_initializer
//	mnist.yaml:9:9: compile.loss: unknown loss "mse" (did you mean "mean_squared_error"?); allowed: categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error
//
// Besides each value's own range, validation checks the rules that tie values together:
// softmax only on the last layer; a cross-entropy loss needs a softmax output of at least 2 units;
// MNIST needs 784 inputs and 10 outputs, and a batch no larger than the training images left by
// validation_split; the network holds at most 2^26 parameters.
package spec
