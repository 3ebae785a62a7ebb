package spec

import (
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// convBase is Keras' "Simple MNIST convnet"; the cases below change its lines (numbered from 1).
var convBase = []string{
	"name: convnet",
	"input: {shape: [28, 28, 1]}",
	"layers:",
	"  - {type: conv2d, filters: 32, kernel_size: 3, activation: relu}",
	"  - {type: max_pooling2d, pool_size: 2}",
	"  - {type: conv2d, filters: 64, kernel_size: 3, activation: relu}",
	"  - {type: max_pooling2d, pool_size: 2}",
	"  - {type: flatten}",
	"  - {type: dropout, rate: 0.5}",
	"  - {type: dense, units: 10, activation: softmax}",
	"compile: {optimizer: adam, loss: categorical_crossentropy, metrics: [accuracy]}",
	"fit: {epochs: 15, batch_size: 128, validation_split: 0.1}",
	"data: {source: mnist}",
}

// convEdit is convBase with the lines numbered in m replaced by their text; "" removes a line.
func convEdit(m map[int]string) string { return editLines(convBase, m) }

// idx is a data line that fixes neither the input nor the output, for the cases that need
// other sizes than MNIST's.
const idx = "data: {source: idx, dir: d}"

// conv2d and pool are the layers Keras builds from the given keys, every default filled in.
func conv2d(line, filters int, kernel [2]int, act string) Layer {
	return Layer{Type: "conv2d", Activation: act, UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{line, 5},
		Conv: Conv{Filters: filters, KernelSize: kernel, Strides: [2]int{1, 1}, Padding: "valid", DilationRate: [2]int{1, 1}}}
}

func pool(line int, t string, size [2]int) Layer {
	return Layer{Type: t, Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{line, 5},
		Conv: Conv{PoolSize: size, Strides: size, Padding: "valid", DilationRate: [2]int{1, 1}}}
}

// other is a layer without geometry, with the defaults every layer gets.
func other(line int, t string) Layer {
	return Layer{Type: t, Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{line, 5}}
}

func TestParseConvnet(t *testing.T) {
	m, err := Parse("t.yaml", []byte(convEdit(nil)))
	if err != nil {
		t.Fatal(err)
	}
	dropout := other(9, "dropout")
	dropout.Rate = 0.5
	want := []Layer{
		conv2d(4, 32, [2]int{3, 3}, "relu"),
		pool(5, "max_pooling2d", [2]int{2, 2}),
		conv2d(6, 64, [2]int{3, 3}, "relu"),
		pool(7, "max_pooling2d", [2]int{2, 2}),
		other(8, "flatten"),
		dropout,
		{Type: "dense", Units: 10, Activation: "softmax", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{10, 5}},
	}
	if !reflect.DeepEqual(m.Layers, want) {
		t.Errorf("layers\n got %+v\nwant %+v", m.Layers, want)
	}
	if !reflect.DeepEqual(m.Input.Shape, []int{28, 28, 1}) || m.Input.Size() != 784 {
		t.Errorf("input %+v", m.Input)
	}
	shapes := [][]int{{26, 26, 32}, {13, 13, 32}, {11, 11, 64}, {5, 5, 64}, {1600}, {1600}, {10}}
	if got := m.Shapes(); !reflect.DeepEqual(got, shapes) {
		t.Errorf("Shapes() = %v; want %v", got, shapes)
	}
}

// TestParseConvGood checks the layers and shapes of valid specs: every key, every default, both
// forms of a pair.
func TestParseConvGood(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edits  map[int]string
		layers map[int]Layer // layers by line, every other layer being convBase's
		shapes [][]int
	}{
		{"every conv2d key", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [3, 5], strides: [1, 2], padding: same, dilation_rate: 1, activation: tanh, use_bias: false, kernel_initializer: he_normal, bias_initializer: zeros, kernel_regularizer: {l2: 0.01}}"},
			map[int]Layer{4: {Type: "conv2d", Activation: "tanh", KernelInitializer: "he_normal", KernelRegularizer: Regularizer{L2: 0.01}, Pos: Pos{4, 5},
				Conv: Conv{Filters: 32, KernelSize: [2]int{3, 5}, Strides: [2]int{1, 2}, Padding: "same", DilationRate: [2]int{1, 1}}}},
			[][]int{{28, 14, 32}, {14, 7, 32}, {12, 5, 64}, {6, 2, 64}, {768}, {768}, {10}}},
		{"strides and dilation as one number", map[int]string{4: "  - {type: conv2d, filters: 8, kernel_size: 3, strides: 2, bias_regularizer: {l1: 0.5}}", 6: "  - {type: conv2d, filters: 4, kernel_size: [2, 3], dilation_rate: 2, padding: valid}"},
			map[int]Layer{
				4: {Type: "conv2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", BiasRegularizer: Regularizer{L1: 0.5}, Pos: Pos{4, 5},
					Conv: Conv{Filters: 8, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, Padding: "valid", DilationRate: [2]int{1, 1}}},
				6: {Type: "conv2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{6, 5},
					Conv: Conv{Filters: 4, KernelSize: [2]int{2, 3}, Strides: [2]int{1, 1}, Padding: "valid", DilationRate: [2]int{2, 2}}}},
			// 28 → (28−3)/2+1 = 13 → 6 → spans [3, 5]: 4, 2 → 2, 1
			[][]int{{13, 13, 8}, {6, 6, 8}, {4, 2, 4}, {2, 1, 4}, {8}, {8}, {10}}},
		{"pooling defaults and its strides", map[int]string{5: "  - {type: average_pooling2d}", 7: "  - {type: max_pooling2d, pool_size: [3, 2], strides: 1, padding: same}"},
			map[int]Layer{
				5: pool(5, "average_pooling2d", [2]int{2, 2}),
				7: {Type: "max_pooling2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{7, 5},
					Conv: Conv{PoolSize: [2]int{3, 2}, Strides: [2]int{1, 1}, Padding: "same", DilationRate: [2]int{1, 1}}}},
			[][]int{{26, 26, 32}, {13, 13, 32}, {11, 11, 64}, {11, 11, 64}, {7744}, {7744}, {10}}},
		{"pool_size as one number sets the strides", map[int]string{5: "  - {type: max_pooling2d, pool_size: 3}"},
			map[int]Layer{5: pool(5, "max_pooling2d", [2]int{3, 3})},
			[][]int{{26, 26, 32}, {8, 8, 32}, {6, 6, 64}, {3, 3, 64}, {576}, {576}, {10}}},
		{"pool_size as a pair", map[int]string{5: "  - {type: max_pooling2d, pool_size: [2, 13], strides: [2, 1]}"},
			map[int]Layer{5: {Type: "max_pooling2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{5, 5},
				Conv: Conv{PoolSize: [2]int{2, 13}, Strides: [2]int{2, 1}, Padding: "valid", DilationRate: [2]int{1, 1}}}},
			[][]int{{26, 26, 32}, {13, 14, 32}, {11, 12, 64}, {5, 6, 64}, {1920}, {1920}, {10}}},
		{"global average pooling", map[int]string{8: "  - {type: global_average_pooling2d, keepdims: false}"},
			map[int]Layer{8: other(8, "global_average_pooling2d")},
			[][]int{{26, 26, 32}, {13, 13, 32}, {11, 11, 64}, {5, 5, 64}, {64}, {64}, {10}}},
		{"global max pooling, then flatten on a flat input", map[int]string{8: "  - {type: global_max_pooling2d}", 9: "  - {type: flatten}"},
			map[int]Layer{8: other(8, "global_max_pooling2d"), 9: other(9, "flatten")},
			[][]int{{26, 26, 32}, {13, 13, 32}, {11, 11, 64}, {5, 5, 64}, {64}, {64}, {10}}},
		{"image layers that keep the shape", map[int]string{4: "  - {type: rescaling, scale: 0.00392156862745098}", 5: "  - {type: conv2d, filters: 32, kernel_size: 3}", 6: "  - {type: batch_normalization}", 7: "  - {type: activation, activation: relu}"},
			map[int]Layer{
				4: {Type: "rescaling", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Scale: 0.00392156862745098, Pos: Pos{4, 5}},
				5: conv2d(5, 32, [2]int{3, 3}, "linear"),
				6: {Type: "batch_normalization", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{6, 5}, BatchNorm: BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}},
				7: {Type: "activation", Activation: "relu", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{7, 5}},
			},
			[][]int{{28, 28, 1}, {26, 26, 32}, {26, 26, 32}, {26, 26, 32}, {21632}, {21632}, {10}}},
		{"windows larger than their input with padding same", map[int]string{2: "input: {shape: [2, 392, 1]}",
			4: "  - {type: conv2d, filters: 2, kernel_size: [5, 1], padding: same}", 5: "  - {type: average_pooling2d, pool_size: [4, 400], padding: same}",
			6: "  - {type: flatten}", 7: "  - {type: flatten}", 13: idx},
			map[int]Layer{
				4: {Type: "conv2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{4, 5},
					Conv: Conv{Filters: 2, KernelSize: [2]int{5, 1}, Strides: [2]int{1, 1}, Padding: "same", DilationRate: [2]int{1, 1}}},
				5: {Type: "average_pooling2d", Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{5, 5},
					Conv: Conv{PoolSize: [2]int{4, 400}, Strides: [2]int{4, 400}, Padding: "same", DilationRate: [2]int{1, 1}}},
				6: other(6, "flatten"), 7: other(7, "flatten"),
			},
			[][]int{{2, 392, 2}, {1, 1, 2}, {2}, {2}, {2}, {2}, {10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := Parse("t.yaml", []byte(convEdit(nil)))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse("t.yaml", []byte(convEdit(tc.edits)))
			if err != nil {
				t.Fatal(err)
			}
			want := base.Layers
			for line, l := range tc.layers {
				want[line-4] = l
			}
			if !reflect.DeepEqual(m.Layers, want) {
				t.Errorf("layers\n got %+v\nwant %+v", m.Layers, want)
			}
			if got := m.Shapes(); !reflect.DeepEqual(got, tc.shapes) {
				t.Errorf("Shapes() = %v; want %v", got, tc.shapes)
			}
		})
	}
}

// TestParseFlatInputs checks that inputs of rank other than 3 stay flat vectors of their product,
// as before images: [28, 28] with dense layers, and flatten on a flat input does nothing.
func TestParseFlatInputs(t *testing.T) {
	for _, tc := range []struct {
		src    string
		shapes [][]int
	}{
		{edit(2, "input: {shape: [28, 28]}"), [][]int{{64}, {10}}},
		{edit(4, "  - {type: flatten}\n  - {type: dense, units: 64, activation: relu}"), [][]int{{784}, {64}, {10}}},
		{edits(map[int]string{2: "input: {shape: [2, 2, 2, 2]}", 4: "  - {type: normalization}\n  - {type: dropout, rate: 0.1}\n  - {type: flatten}", 8: idx}),
			[][]int{{16}, {16}, {16}, {10}}},
	} {
		m, err := Parse("t.yaml", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Shapes(); !reflect.DeepEqual(got, tc.shapes) {
			t.Errorf("%v: Shapes() = %v; want %v", m.Input.Shape, got, tc.shapes)
		}
	}
}

// TestParseConvBad checks the exact messages for mistakes in the values of the convolutional
// layers, on convBase.
func TestParseConvBad(t *testing.T) {
	const keys = "type, filters, kernel_size, strides, padding, dilation_rate, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer"
	for _, tc := range []struct {
		name  string
		edits map[int]string
		want  string
	}{
		{"no filters", map[int]string{4: "  - {type: conv2d, kernel_size: 3}"},
			`t.yaml:4:5: missing key "filters" in layer 1; want the number of output channels, from 1 to 65536`},
		{"no kernel_size", map[int]string{4: "  - {type: conv2d, filters: 32}"},
			`t.yaml:4:5: missing key "kernel_size" in layer 1; want the window's size: an integer such as 3, or a pair [height, width] such as [3, 3]`},
		{"kernel misspelt", map[int]string{4: "  - {type: conv2d, filters: 32, kernel: 3}"},
			`t.yaml:4:5: missing key "kernel_size" in layer 1; want the window's size: an integer such as 3, or a pair [height, width] such as [3, 3]` + "\n" +
				`t.yaml:4:33: unknown key "kernel" in layer 1; allowed: ` + keys},
		{"units on a conv2d", map[int]string{4: "  - {type: conv2d, units: 32, kernel_size: 3}"},
			`t.yaml:4:5: missing key "filters" in layer 1; want the number of output channels, from 1 to 65536` + "\n" +
				`t.yaml:4:20: unknown key "units" in layer 1; allowed: ` + keys},
		{"filters 0", map[int]string{4: "  - {type: conv2d, filters: 0, kernel_size: 3}"},
			`t.yaml:4:29: layer 1 filters: 0 is out of range; allowed: 1 to 65536`},
		{"filters too many", map[int]string{4: "  - {type: conv2d, filters: 65537, kernel_size: 3}"},
			`t.yaml:4:29: layer 1 filters: 65537 is out of range; allowed: 1 to 65536`},
		{"filters a string", map[int]string{4: "  - {type: conv2d, filters: many, kernel_size: 3}"},
			`t.yaml:4:29: layer 1 filters: want an integer, got "many"`},
		{"kernel_size 0", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 0}"},
			`t.yaml:4:46: layer 1 kernel_size: 0 is out of range; allowed: 1 to 65536`},
		{"kernel_size item 0", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [3, 0]}"},
			`t.yaml:4:50: layer 1 kernel_size item 2: 0 is out of range; allowed: 1 to 65536`},
		{"kernel_size too large", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [65537, 1]}"},
			`t.yaml:4:47: layer 1 kernel_size item 1: 65537 is out of range; allowed: 1 to 65536`},
		{"kernel_size of one number in a list", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [3]}"},
			`t.yaml:4:46: layer 1 kernel_size: want a pair [height, width] such as [3, 3], got a list of 1; allowed: two integers, or one integer n for [n, n]`},
		{"kernel_size empty", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: []}"},
			`t.yaml:4:46: layer 1 kernel_size: want a pair [height, width] such as [3, 3], got an empty list; allowed: two integers, or one integer n for [n, n]`},
		{"kernel_size of three", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [3, 3, 1]}"},
			`t.yaml:4:46: layer 1 kernel_size: want a pair [height, width] such as [3, 3], got a list of 3; allowed: two integers, or one integer n for [n, n]`},
		{"kernel_size a string", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3x3}"},
			`t.yaml:4:46: layer 1 kernel_size: want an integer such as 3, or a pair [height, width] such as [3, 3], got "3x3"`},
		{"kernel_size a float", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 2.5}"},
			`t.yaml:4:46: layer 1 kernel_size: want an integer, got 2.5`},
		{"kernel_size null", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: null}"},
			`t.yaml:4:46: layer 1 kernel_size: want an integer such as 3, or a pair [height, width] such as [3, 3], got null`},
		{"kernel_size a mapping", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: {h: 3, w: 3}}"},
			`t.yaml:4:46: layer 1 kernel_size: want an integer such as 3, or a pair [height, width] such as [3, 3], got a mapping`},
		{"kernel_size item a string", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: [3, x]}"},
			`t.yaml:4:50: layer 1 kernel_size item 2: want an integer, got "x"`},
		{"strides 0", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, strides: 0}"},
			`t.yaml:4:58: layer 1 strides: 0 is out of range; allowed: 1 to 65536`},
		{"strides of three", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, strides: [1, 1, 1]}"},
			`t.yaml:4:58: layer 1 strides: want a pair [height, width] such as [3, 3], got a list of 3; allowed: two integers, or one integer n for [n, n]`},
		{"dilation_rate 0", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, dilation_rate: [0, 1]}"},
			`t.yaml:4:65: layer 1 dilation_rate item 1: 0 is out of range; allowed: 1 to 65536`},
		{"padding in capitals", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, padding: SAME}"},
			`t.yaml:4:58: layer 1 padding: unknown padding "SAME" (did you mean "same"?); allowed: valid, same`},
		{"padding causal", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, padding: causal}"},
			`t.yaml:4:58: layer 1 padding: unknown padding "causal"; allowed: valid, same`},
		{"padding a number", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, padding: 1}"},
			`t.yaml:4:58: layer 1 padding: want a string, got 1`},
		{"dilation with strides", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, strides: [1, 2], dilation_rate: 2}"},
			`t.yaml:4:81: layer 1 dilation_rate: [2, 2] together with strides [1, 2]; allowed: a dilation_rate above 1 only with strides 1 (Keras refuses both)`},
		{"dilated span", map[int]string{2: "input: {shape: [28, 28, 1]}", 4: "  - {type: conv2d, filters: 32, kernel_size: [3, 2], dilation_rate: [40000, 65536], padding: same}"},
			`t.yaml:4:69: layer 1 dilation_rate: kernel_size [3, 2] at dilation_rate [40000, 65536] spans [80001, 65537] cells; allowed: a span (kernel_size − 1)·dilation_rate + 1 of at most 65536`},
		{"unknown activation", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, activation: rellu}"},
			`t.yaml:4:61: layer 1 activation: unknown activation "rellu" (did you mean "relu"?); allowed: linear, relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu, softmax`},
		{"softmax on a conv2d", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, activation: softmax}"},
			`t.yaml:4:61: layer 1 activation: softmax is only allowed on the last layer; allowed here: linear, relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu`},
		{"unknown initializer", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, kernel_initializer: lecun_normal}"},
			`t.yaml:4:69: layer 1 kernel_initializer: unknown initializer "lecun_normal"; allowed: glorot_uniform, glorot_normal, he_uniform, he_normal`},
		{"bias initializer ones", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, bias_initializer: ones}"},
			`t.yaml:4:67: layer 1 bias_initializer: "ones" is not supported; allowed: zeros`},
		{"bias regularizer without bias", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, use_bias: false, bias_regularizer: {l2: 0.1}}"},
			`t.yaml:4:84: layer 1 bias_regularizer: the layer has no bias (use_bias: false); allowed: a bias_regularizer only with a bias`},
		{"negative regularizer", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, kernel_regularizer: {l1: -1}}"},
			`t.yaml:4:74: layer 1 kernel_regularizer.l1: -1 is out of range; allowed: >= 0 and <= 1000`},
		{"groups", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, groups: 2}"},
			`t.yaml:4:49: unknown key "groups" in layer 1; allowed: ` + keys},
		{"data_format", map[int]string{4: "  - {type: conv2d, filters: 32, kernel_size: 3, data_format: channels_first}"},
			`t.yaml:4:49: unknown key "data_format" in layer 1; allowed: ` + keys},
		{"pool_size 0", map[int]string{5: "  - {type: max_pooling2d, pool_size: 0}"},
			`t.yaml:5:38: layer 2 pool_size: 0 is out of range; allowed: 1 to 65536`},
		{"pool strides", map[int]string{5: "  - {type: average_pooling2d, strides: [2, -1]}"},
			`t.yaml:5:44: layer 2 strides item 2: -1 is out of range; allowed: 1 to 65536`},
		{"pool padding", map[int]string{5: "  - {type: max_pooling2d, padding: full}"},
			`t.yaml:5:36: layer 2 padding: unknown padding "full"; allowed: valid, same`},
		{"pool with a kernel_size", map[int]string{5: "  - {type: max_pooling2d, kernel_size: 2}"},
			`t.yaml:5:27: unknown key "kernel_size" in layer 2; allowed: type, pool_size, strides, padding`},
		{"pool with dilation", map[int]string{5: "  - {type: average_pooling2d, dilation_rate: 2}"},
			`t.yaml:5:31: unknown key "dilation_rate" in layer 2; allowed: type, pool_size, strides, padding`},
		{"keepdims", map[int]string{8: "  - {type: global_average_pooling2d, keepdims: true}"},
			`t.yaml:8:48: layer 5 keepdims: true is not supported; allowed: false (the output is flat, one value per channel, for a dense layer after it)`},
		{"keepdims yes", map[int]string{8: "  - {type: global_max_pooling2d, keepdims: yes}"},
			`t.yaml:8:44: layer 5 keepdims: want true or false, got "yes"`},
		{"global pooling with a pool_size", map[int]string{8: "  - {type: global_max_pooling2d, pool_size: 2}"},
			`t.yaml:8:34: unknown key "pool_size" in layer 5; allowed: type, keepdims`},
		{"flatten with a key", map[int]string{8: "  - {type: flatten, data_format: channels_last}"},
			`t.yaml:8:21: unknown key "data_format" in layer 5; allowed: type`},
		{"conv2d last", map[int]string{10: "  - {type: conv2d, filters: 10, kernel_size: 1}", 8: "", 9: ""},
			"t.yaml:4:3: layers: no dense layer; want at least one, the last layer\n" +
				"t.yaml:8:5: layer 5: the last layer is a conv2d layer, whose output is an image; allowed: a dense layer last (after a flatten or global pooling layer)"},
		{"pooling last", map[int]string{10: "  - {type: average_pooling2d}", 8: "", 9: ""},
			"t.yaml:4:3: layers: no dense layer; want at least one, the last layer\n" +
				"t.yaml:8:5: layer 5: the last layer is an average_pooling2d layer, whose output is an image; allowed: a dense layer last (after a flatten or global pooling layer)"},
		{"flatten last", map[int]string{10: "  - {type: dense, units: 10}\n  - {type: flatten}"},
			"t.yaml:11:5: layer 8: the last layer is a flatten layer; allowed: a dense layer last"},
		{"global pooling last", map[int]string{8: "", 9: "", 10: "  - {type: global_max_pooling2d}"},
			"t.yaml:4:3: layers: no dense layer; want at least one, the last layer\n" +
				"t.yaml:8:5: layer 5: the last layer is a global_max_pooling2d layer; allowed: a dense layer last"},
		{"rescaling after conv2d", map[int]string{5: "  - {type: rescaling, scale: 0.5}"},
			"t.yaml:5:5: layer 2: a rescaling layer after a conv2d layer; allowed: preprocessing layers (rescaling, normalization) only before the first dense or conv2d layer, where they see the raw features"},
		{"mnist channels first", map[int]string{2: "input: {shape: [1, 28, 28]}"},
			"t.yaml:2:16: input.shape: data source mnist has 28x28 images of one channel, got the image [1, 28, 28]; allowed: [28, 28, 1] (height, width, channels: channels last, as Keras)\n" +
				"t.yaml:4:46: layer 1 kernel_size: [3, 3] does not fit its input [1, 28, 28] with padding valid; allowed: a kernel_size of at most [1, 3], or padding: same"},
		{"mnist in colour", map[int]string{2: "input: {shape: [28, 28, 3]}"},
			"t.yaml:2:16: input.shape: data source mnist has 784 inputs (28x28 images), got [28, 28, 3]; allowed: [784] or [28, 28] (flat), or [28, 28, 1] (an image, for conv2d)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(convEdit(tc.edits)))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestParseShapesBad checks the exact messages for layers whose input does not suit them, and
// for sizes beyond nngen's limits, each followed (once) by the shapes up to there.
func TestParseShapesBad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits map[int]string
		want  string
	}{
		{"kernel larger than the input", map[int]string{2: "input: {shape: [2, 28, 1]}", 13: idx},
			"t.yaml:4:46: layer 1 kernel_size: [3, 3] does not fit its input [2, 28, 1] with padding valid; allowed: a kernel_size of at most [2, 3], or padding: same"},
		{"kernel larger than a later input", map[int]string{6: "  - {type: conv2d, filters: 64, kernel_size: [14, 3], activation: relu}"},
			"t.yaml:6:46: layer 3 kernel_size: [14, 3] does not fit its input [13, 13, 32] with padding valid; allowed: a kernel_size of at most [13, 3], or padding: same\n" +
				"t.yaml:6:46: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d (does not fit)"},
		{"dilated kernel larger than its input", map[int]string{6: "  - {type: conv2d, filters: 64, kernel_size: 3, dilation_rate: [7, 1], activation: relu}"},
			"t.yaml:6:46: layer 3 kernel_size: [3, 3] at dilation_rate [7, 1] (a span of [15, 3]) does not fit its input [13, 13, 32] with padding valid; allowed: a kernel_size of at most [2, 3] at this dilation_rate, or padding: same\n" +
				"t.yaml:6:46: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d (does not fit)"},
		{"the image too small after a few layers", map[int]string{2: "input: {shape: [8, 8, 1]}", 13: idx},
			"t.yaml:7:38: layer 4 pool_size: [2, 2] does not fit its input [1, 1, 64] with padding valid; allowed: a pool_size of at most [1, 1], or padding: same\n" +
				"t.yaml:7:38: layers: shapes: input [8, 8, 1] → conv2d [6, 6, 32] → max_pooling2d [3, 3, 32] → conv2d [1, 1, 64] → max_pooling2d (does not fit)"},
		{"pool_size by default", map[int]string{2: "input: {shape: [8, 8, 1]}", 7: "  - {type: max_pooling2d}", 13: idx},
			"t.yaml:7:5: layer 4 pool_size: [2, 2] (the default) does not fit its input [1, 1, 64] with padding valid; allowed: a pool_size of at most [1, 1], or padding: same\n" +
				"t.yaml:7:5: layers: shapes: input [8, 8, 1] → conv2d [6, 6, 32] → max_pooling2d [3, 3, 32] → conv2d [1, 1, 64] → max_pooling2d (does not fit)"},
		{"conv2d on a flat input", map[int]string{2: "input: {shape: [784]}"},
			"t.yaml:4:5: layer 1: conv2d needs an image input [height, width, channels], and input.shape [784] is a flat input (only rank 3 is an image); want input.shape [height, width, channels] such as [28, 28, 1]"},
		{"conv2d on a 28x28 input", map[int]string{2: "input: {shape: [28, 28]}"},
			"t.yaml:4:5: layer 1: conv2d needs an image input [height, width, channels], and input.shape [28, 28] is a flat input of 784 values (only rank 3 is an image); want input.shape [28, 28, 1]"},
		{"pooling on a flat input after rescaling", map[int]string{2: "input: {shape: [1, 28, 28, 1]}", 4: "  - {type: rescaling, scale: 0.5}\n  - {type: max_pooling2d}", 5: ""},
			"t.yaml:5:5: layer 2: max_pooling2d needs an image input [height, width, channels], and input.shape [1, 28, 28, 1] is a flat input of 784 values (only rank 3 is an image); want input.shape [height, width, channels] such as [28, 28, 1]\n" +
				"t.yaml:5:5: layers: shapes: input [784] → rescaling [784] → max_pooling2d (needs an image)"},
		{"conv2d after flatten", map[int]string{8: "", 10: "  - {type: conv2d, filters: 8, kernel_size: 1}\n  - {type: dense, units: 10, activation: softmax}", 7: "  - {type: flatten}"},
			"t.yaml:9:5: layer 6: conv2d needs an image input [height, width, channels], got the flat [7744] of layer 4 (flatten); allowed: conv2d and pooling layers only before the flatten, global pooling and dense layers\n" +
				"t.yaml:9:5: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d [11, 11, 64] → flatten [7744] → dropout [7744] → conv2d (needs an image)"},
		{"global pooling after dense", map[int]string{8: "  - {type: dense, units: 8}", 7: "  - {type: global_average_pooling2d}", 9: "  - {type: global_max_pooling2d}"},
			"t.yaml:9:5: layer 6: global_max_pooling2d needs an image input [height, width, channels], got the flat [8] of layer 5 (dense); allowed: conv2d and pooling layers only before the flatten, global pooling and dense layers\n" +
				"t.yaml:9:5: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d [11, 11, 64] → global_average_pooling2d [64] → dense [8] → global_max_pooling2d (needs an image)"},
		{"dense on an image input", map[int]string{4: "  - {type: dense, units: 64}", 5: "", 6: "", 7: "", 8: ""},
			"t.yaml:4:5: layer 1: dense needs a flat input, got the image [28, 28, 1] of input.shape; add a flatten layer before it (Keras would apply dense to each pixel's channels, which nngen does not)"},
		{"dense on an image", map[int]string{8: ""},
			"t.yaml:9:5: layer 6: dense needs a flat input, got the image [5, 5, 64] of layer 4 (max_pooling2d); add a flatten layer before it (Keras would apply dense to each pixel's channels, which nngen does not)\n" +
				"t.yaml:9:5: layers: shapes: input [28, 28, 1] → conv2d [26, 26, 32] → max_pooling2d [13, 13, 32] → conv2d [11, 11, 64] → max_pooling2d [5, 5, 64] → dropout [5, 5, 64] → dense (needs a flat input)"},
		{"normalization on an image", map[int]string{4: "  - {type: normalization}\n" + convBase[3]},
			"t.yaml:4:5: layer 1: normalization is not supported on images yet (Keras adapts it per channel, nngen per feature), and its input is the image [28, 28, 1]; allowed: rescaling (such as scale: 0.00392156862745098, for 1/255) or batch_normalization, which normalises each channel"},
		{"an output too large", map[int]string{2: "input: {shape: [1024, 1024, 1]}", 4: "  - {type: conv2d, filters: 64, kernel_size: 3, padding: same}", 13: idx},
			"t.yaml:4:29: layer 1 filters: the output [1024, 1024, 64] has 67108864 values; allowed: at most 16777216 (2^24) in a layer's output (fewer filters, or larger strides)"},
		{"an output too large later", map[int]string{2: "input: {shape: [1024, 1024, 1]}", 4: "  - {type: conv2d, filters: 8, kernel_size: 3, padding: same}", 6: "  - {type: conv2d, filters: 256, kernel_size: 3, padding: same}", 13: idx},
			"t.yaml:6:29: layer 3 filters: the output [512, 512, 256] has 67108864 values; allowed: at most 16777216 (2^24) in a layer's output (fewer filters, or larger strides)\n" +
				"t.yaml:6:29: layers: shapes: input [1024, 1024, 1] → conv2d [1024, 1024, 8] → max_pooling2d [512, 512, 8] → conv2d [512, 512, 256] (too large)"},
		{"a patch too large", map[int]string{2: "input: {shape: [5, 5, 65536]}", 4: "  - {type: conv2d, filters: 1, kernel_size: 5}", 5: "", 6: "", 7: "", 13: idx},
			"t.yaml:4:45: layer 1 kernel_size: a [5, 5] window over the 65536 channels of its input [5, 5, 65536] is a patch of 1638400 values; allowed: at most 1048576 (2^20) (a smaller kernel_size, or fewer channels before it)"},
		{"a kernel too large", map[int]string{2: "input: {shape: [8, 8, 4096]}", 4: "  - {type: conv2d, filters: 512, kernel_size: 3}", 5: "  - {type: conv2d, filters: 8, kernel_size: [2, 2]}", 6: "", 7: "", 13: idx},
			"t.yaml:4:29: layer 1 filters: the kernel [3, 3, 4096, 512] has 18874368 parameters; allowed: at most 16777216 (2^24) in one conv2d layer (fewer filters, a smaller kernel_size, or fewer channels before it)"},
		{"a kernel too large later", map[int]string{2: "input: {shape: [8, 8, 4096]}", 4: "  - {type: conv2d, filters: 8, kernel_size: 1}", 5: "  - {type: conv2d, filters: 8, kernel_size: 3}", 6: "  - {type: conv2d, filters: 65536, kernel_size: 9, padding: same}", 7: "", 13: idx},
			"t.yaml:6:29: layer 3 filters: the kernel [9, 9, 8, 65536] has 42467328 parameters; allowed: at most 16777216 (2^24) in one conv2d layer (fewer filters, a smaller kernel_size, or fewer channels before it)\n" +
				"t.yaml:6:29: layers: shapes: input [8, 8, 4096] → conv2d [8, 8, 8] → conv2d [6, 6, 8] → conv2d [6, 6, 65536]"},
		{"too many parameters", map[int]string{5: "  - {type: flatten}\n  - {type: dense, units: 4096}", 6: "", 7: "", 8: ""},
			"t.yaml:4:3: layers: 88650058 parameters in total; allowed: at most 67108864 (2^26)"},
		{"training buffers too large", map[int]string{12: "fit: {batch_size: 4096}", 13: idx},
			"t.yaml:12:19: fit.batch_size: 4096 samples of 784 inputs through 36394 output values of dense, conv2d and pooling layers need 1718 MiB of training buffers; allowed: at most 1024 MiB (a smaller batch or smaller layers)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(convEdit(tc.edits)))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestConvAxis checks ConvAxis against TensorFlow's sizes and paddings, worked out by hand from
// tf.nn.conv2d's rules (same: out = ceil(in/stride), total padding
// max((out−1)·stride + (kernel−1)·dilation + 1 − in, 0), before = total/2).
func TestConvAxis(t *testing.T) {
	for _, tc := range []struct {
		in, kernel, stride, dilation int
		same                         bool
		out, before                  int
	}{
		{28, 3, 1, 1, false, 26, 0},
		{28, 3, 1, 1, true, 28, 1},    // total 2
		{28, 3, 2, 1, true, 14, 0},    // total 13·2+3−28 = 1: the odd pixel after
		{28, 3, 2, 1, false, 13, 0},   // floor(25/2)+1
		{5, 3, 1, 2, false, 1, 0},     // span 5
		{6, 3, 1, 2, false, 2, 0},     // span 5
		{4, 3, 1, 2, true, 4, 2},      // span 5, total 3+5−4 = 4
		{28, 2, 2, 1, false, 14, 0},   // max_pooling2d 2
		{27, 2, 2, 1, false, 13, 0},   // floor(25/2)+1
		{27, 2, 2, 1, true, 14, 0},    // total 13·2+2−27 = 1
		{7, 3, 2, 1, true, 4, 1},      // total 3·2+3−7 = 2
		{8, 3, 2, 1, true, 4, 0},      // total 3·2+3−8 = 1
		{10, 5, 3, 1, true, 4, 2},     // total 3·3+5−10 = 4
		{5, 7, 1, 1, true, 5, 3},      // a kernel larger than the input: total 4+7−5 = 6
		{3, 2, 5, 1, false, 1, 0},     // a stride larger than the input
		{3, 2, 5, 1, true, 1, 0},      // total max(0+2−3, 0) = 0
		{1, 1, 1, 1, false, 1, 0},     //
		{13, 13, 1, 1, false, 1, 0},   // a window of the whole input
		{2, 3, 1, 1, false, 0, 0},     // does not fit
		{5, 3, 1, 3, false, 0, 0},     // span 7 does not fit
		{1, 65536, 1, 1, false, 0, 0}, //
		{0, 3, 1, 1, true, 0, 0},      // numbers below 1
		{3, 0, 1, 1, true, 0, 0},
		{3, 3, 0, 1, true, 0, 0},
		{3, 3, 1, 0, false, 0, 0},
		{1 << 24, 65536, 1, 65536, true, 1 << 24, 2147450880}, // span 65535·65536+1: 64 bits
	} {
		out, before := ConvAxis(tc.in, tc.kernel, tc.stride, tc.dilation, tc.same)
		if out != tc.out || before != tc.before {
			t.Errorf("ConvAxis(%d, %d, %d, %d, %v) = %d, %d; want %d, %d", tc.in, tc.kernel, tc.stride, tc.dilation, tc.same, out, before, tc.out, tc.before)
		}
	}
}

// TestShapesUnvalidated checks that Shapes does not panic on a model that was not validated,
// and leaves nil the shapes it cannot work out.
func TestShapesUnvalidated(t *testing.T) {
	m := &Model{Input: Input{Shape: []int{784}}, Layers: []Layer{
		{Type: "dense", Units: 8}, {Type: "conv2d"}, {Type: "max_pooling2d"}, {Type: "dense", Units: 2},
	}}
	if got := m.Shapes(); !reflect.DeepEqual(got, [][]int{{8}, nil, nil, nil}) {
		t.Errorf("Shapes() = %v", got)
	}
	m = &Model{Input: Input{Shape: []int{4, 4, 2}}, Layers: []Layer{{Type: "conv2d"}, {Type: "flatten"}}}
	if got := m.Shapes(); !reflect.DeepEqual(got, [][]int{nil, nil}) {
		t.Errorf("Shapes() = %v", got)
	}
	if got := (&Model{}).Shapes(); len(got) != 0 {
		t.Errorf("Shapes() of no layers = %v", got)
	}
}

// TestDocLayers checks that the package documentation names every layer type.
func TestDocLayers(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	for _, typ := range layerTypes {
		if !strings.Contains(doc, typ) {
			t.Errorf("doc.go does not mention %s", typ)
		}
	}
}

// TestRandomConvSpecs parses many random stacks of image layers, checking each valid Model as
// FuzzParse does (its shapes included) and each failure's ErrorList.
func TestRandomConvSpecs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pair := func(lo, hi int) string {
		if r.IntN(2) == 0 {
			return strconv.Itoa(lo + r.IntN(hi-lo+1))
		}
		return fmt.Sprintf("[%d, %d]", lo+r.IntN(hi-lo+1), lo+r.IntN(hi-lo+1))
	}
	padding := func() string { return []string{"", ", padding: same", ", padding: valid"}[r.IntN(3)] }
	valid := 0
	for range 3000 {
		var b strings.Builder
		fmt.Fprintf(&b, "name: r\ninput: {shape: [%d, %d, %d]}\nlayers:\n", 1+r.IntN(40), 1+r.IntN(40), 1+r.IntN(4))
		for range 1 + r.IntN(5) {
			switch r.IntN(8) {
			case 0, 1, 2:
				fmt.Fprintf(&b, "  - {type: conv2d, filters: %d, kernel_size: %s", 1+r.IntN(16), pair(1, 5))
				if r.IntN(2) == 0 {
					fmt.Fprintf(&b, ", strides: %s", pair(1, 3))
				} else if r.IntN(2) == 0 {
					fmt.Fprintf(&b, ", dilation_rate: %s", pair(1, 3))
				}
				fmt.Fprintf(&b, "%s, activation: relu}\n", padding())
			case 3, 4:
				fmt.Fprintf(&b, "  - {type: %s", []string{"max_pooling2d", "average_pooling2d"}[r.IntN(2)])
				if r.IntN(2) == 0 {
					fmt.Fprintf(&b, ", pool_size: %s", pair(1, 4))
				}
				if r.IntN(3) == 0 {
					fmt.Fprintf(&b, ", strides: %s", pair(1, 3))
				}
				fmt.Fprintf(&b, "%s}\n", padding())
			case 5:
				b.WriteString([]string{"  - {type: batch_normalization}\n", "  - {type: dropout, rate: 0.1}\n", "  - {type: activation, activation: tanh}\n"}[r.IntN(3)])
			case 6:
				b.WriteString([]string{"  - {type: flatten}\n", "  - {type: global_average_pooling2d}\n", "  - {type: dense, units: 4}\n"}[r.IntN(3)])
			case 7:
				b.WriteString([]string{"  - {type: rescaling, scale: 2}\n", "  - {type: normalization}\n", "  - {type: global_max_pooling2d}\n"}[r.IntN(3)])
			}
		}
		if r.IntN(4) > 0 {
			b.WriteString("  - {type: flatten}\n")
		}
		b.WriteString("  - {type: dense, units: 3}\ncompile: {optimizer: adam, loss: mean_squared_error}\ndata: {source: idx, dir: d}\n")
		m, err := Parse("f.yaml", []byte(b.String()))
		if err != nil {
			checkErrorList(t, m, err)
			continue
		}
		valid++
		checkModel(t, m)
	}
	if valid < 300 {
		t.Errorf("only %d of 3000 random specs are valid", valid)
	}
}
