package main

import (
	"fmt"
	"strings"
)

// network is one spec checked against PyTorch.
type network struct {
	Name string // the spec's name: the generated package's name, and the row's
	YAML string // the spec
	// Path is where the spec comes from, for messages: examples/mnist.yaml, or "" for a spec
	// written here.
	Path string
	// MNIST: real MNIST batches (the first 48000 training images, Keras' validation_split 0.2
	// keeps the last 12000 out, in a seeded order); otherwise seeded random data (randomPool).
	MNIST bool
	// EpsilonHat: PyTorch's Adam/AdamW is given, before every step t, eps = ε/√(1-β₂ᵗ), which is
	// exactly Keras' "epsilon hat" placement expressed in PyTorch's formula (see torch_steps.py);
	// false gives PyTorch eps = ε as is.
	EpsilonHat bool
	// Known is the known formula difference between Keras (nngen) and PyTorch for this row, "" for
	// none beyond float32 rounding.
	Known string
}

// Known formula differences, as the table names them (torch_steps.py explains each).
const (
	knownAdamEps    = "eps: Keras alpha·m/(√v+ε) with alpha=lr·√(1-β₂ᵗ)/(1-β₁ᵗ) (ε-hat); torch lr/(1-β₁ᵗ)·m/(√v/√(1-β₂ᵗ)+ε)"
	knownRMSpropEps = "eps: Keras lr·g/√(v+ε); torch lr·g/(√v+ε)"
	knownAdamaxEps  = "eps: Keras m/((1-β₁ᵗ)(u+ε)), u=max(β₂u,|g|); torch u=max(β₂u,|g|+ε)"
	knownAdagradEps = "eps: Keras g/√(acc+ε); torch g/(√acc+ε) (acc ≥ 0.1: ~2e-7 relative)"
	knownNadamBug   = "torch 1.13 NAdam: 1-μ₁…μₜ·μₜ·μₜ₊₁ (μₜ twice; pytorch#92699, fixed in 2.0); Keras 1-μ₁…μₜ₊₁"
	knownCrossClip  = "loss value: Keras clips p to [1e-7, 1-1e-7]; torch's loss on logits does not (same gradient)"
)

// mnistPath is the tutorial's spec, which the networks read from the checkout.
const mnistPath = "examples/mnist.yaml"

// small is the spec of a small dense network on random data: input features, hidden layers (units
// and activation each), the output layer, the loss and the optimiser mapping.
func small(name string, in int, hidden [][2]string, out int, outAct, loss, opt string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\ninput: {shape: [%d]}\nlayers:\n", name, in)
	for _, h := range hidden {
		fmt.Fprintf(&b, "  - {type: dense, units: %s, activation: %s}\n", h[0], h[1])
	}
	fmt.Fprintf(&b, "  - {type: dense, units: %d, activation: %s}\n", out, outAct)
	fmt.Fprintf(&b, "compile:\n  optimizer: %s\n  loss: %s\n", opt, loss)
	fmt.Fprintf(&b, "fit: {epochs: 1, batch_size: %d, seed: 7}\n", smallBatch)
	// The data section is never read here (the data are made by randomPool); a regression has
	// one label column per output.
	label := "y"
	if !strings.HasSuffix(loss, "crossentropy") && out > 1 {
		var cols []string
		for i := range out {
			cols = append(cols, fmt.Sprintf("y%d", i+1))
		}
		label = "[" + strings.Join(cols, ", ") + "]"
	}
	fmt.Fprintf(&b, "data: {source: csv, train: unused.csv, test_split: 0.2, label: %s}\n", label)
	return b.String()
}

// smallBatch is the batch size of the random-data networks.
const smallBatch = 16

// networks returns every network of the full run; mnist is the text of examples/mnist.yaml.
func networks(mnist string) []network {
	h := func(pairs ...string) [][2]string {
		var l [][2]string
		for i := 0; i+1 < len(pairs); i += 2 {
			l = append(l, [2]string{pairs[i], pairs[i+1]})
		}
		return l
	}
	return []network{
		{Name: "mnist", YAML: mnist, Path: mnistPath, MNIST: true, Known: knownAdamEps + "; " + knownCrossClip},
		{Name: "mnist", YAML: mnist, Path: mnistPath, MNIST: true, EpsilonHat: true, Known: knownCrossClip},
		{Name: "sgd_plain", YAML: small("sgd_plain", 12, h("16", "relu", "16", "tanh"), 4, "softmax",
			"categorical_crossentropy", "{type: sgd, learning_rate: 0.05}"), Known: knownCrossClip},
		{Name: "sgd_momentum", YAML: small("sgd_momentum", 12, h("16", "sigmoid", "16", "elu"), 1, "sigmoid",
			"binary_crossentropy", "{type: sgd, learning_rate: 0.02, momentum: 0.9}"), Known: knownCrossClip},
		{Name: "sgd_nesterov", YAML: small("sgd_nesterov", 12, h("16", "leaky_relu", "16", "selu"), 3, "linear",
			"mean_squared_error", "{type: sgd, learning_rate: 0.01, momentum: 0.9, nesterov: true}")},
		{Name: "rmsprop", YAML: small("rmsprop", 12, h("16", "gelu", "16", "silu"), 3, "linear",
			"mean_absolute_error", "{type: rmsprop, learning_rate: 0.001}"), Known: knownRMSpropEps},
		{Name: "rmsprop_tiny_eps", YAML: small("rmsprop_tiny_eps", 12, h("16", "gelu", "16", "silu"), 3, "linear",
			"mean_absolute_error", "{type: rmsprop, learning_rate: 0.001, epsilon: 1.0e-20}")},
		{Name: "rmsprop_momentum", YAML: small("rmsprop_momentum", 12, h("16", "softplus", "16", "tanh"), 4, "softmax",
			"sparse_categorical_crossentropy", "{type: rmsprop, learning_rate: 0.001, momentum: 0.9}"), Known: knownRMSpropEps + "; " + knownCrossClip},
		{Name: "rmsprop_centered", YAML: small("rmsprop_centered", 12, h("16", "elu", "16", "relu"), 4, "softmax",
			"mean_squared_error", "{type: rmsprop, learning_rate: 0.001, centered: true}"), Known: knownRMSpropEps},
		{Name: "rmsprop_mc_tiny_eps", YAML: small("rmsprop_mc_tiny_eps", 12, h("16", "elu", "16", "relu"), 4, "softmax",
			"mean_squared_error", "{type: rmsprop, learning_rate: 0.001, momentum: 0.5, centered: true, epsilon: 1.0e-20}")},
		{Name: "adam", YAML: small("adam", 12, h("16", "selu", "16", "gelu"), 1, "sigmoid",
			"binary_crossentropy", "{type: adam, learning_rate: 0.001}"), Known: knownAdamEps + "; " + knownCrossClip},
		{Name: "adam", YAML: small("adam", 12, h("16", "selu", "16", "gelu"), 1, "sigmoid",
			"binary_crossentropy", "{type: adam, learning_rate: 0.001}"), EpsilonHat: true, Known: knownCrossClip},
		{Name: "adamw", YAML: small("adamw", 12, h("16", "silu", "16", "softplus"), 2, "linear",
			"mean_squared_error", "{type: adamw, learning_rate: 0.001, weight_decay: 0.1}"), EpsilonHat: true},
		{Name: "adagrad", YAML: small("adagrad", 12, h("16", "tanh", "16", "leaky_relu"), 3, "softmax",
			"categorical_crossentropy", "{type: adagrad, learning_rate: 0.05}"), Known: knownAdagradEps + "; " + knownCrossClip},
		{Name: "adamax", YAML: small("adamax", 12, h("16", "relu", "16", "sigmoid"), 3, "linear",
			"mean_absolute_error", "{type: adamax, learning_rate: 0.002}"), Known: knownAdamaxEps},
		{Name: "adamax_tiny_eps", YAML: small("adamax_tiny_eps", 12, h("16", "relu", "16", "sigmoid"), 3, "linear",
			"mean_absolute_error", "{type: adamax, learning_rate: 0.002, epsilon: 1.0e-20}")},
		{Name: "nadam", YAML: small("nadam", 12, h("16", "gelu", "16", "elu"), 3, "softmax",
			"sparse_categorical_crossentropy", "{type: nadam, learning_rate: 0.001}"), Known: knownNadamBug + "; " + knownCrossClip},
	}
}

// label is the row's name in the table: the network, and how PyTorch's epsilon was set.
func (n network) label() string {
	if n.EpsilonHat {
		return n.Name + " (torch eps=ε/√(1-β₂ᵗ))"
	}
	return n.Name
}
