package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// mnistData is the data section every spec without one gets.
var mnistData = Data{
	Source:      "mnist",
	TrainImages: "train-images-idx3-ubyte.gz",
	TrainLabels: "train-labels-idx1-ubyte.gz",
	TestImages:  "t10k-images-idx3-ubyte.gz",
	TestLabels:  "t10k-labels-idx1-ubyte.gz",
}

// adamDefaults is Keras' Adam with nothing set.
var adamDefaults = Optimizer{Type: "adam", LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}

// tutorial is the Model examples/mnist.yaml must load to.
func tutorial(path string) *Model {
	data := mnistData
	data.Pos = Pos{12, 7}
	return &Model{
		Path:  path,
		Name:  "mnist",
		Input: Input{Shape: []int{784}, Pos: Pos{3, 8}},
		Layers: []Layer{
			{Type: "dense", Units: 64, Activation: "relu", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{5, 5}},
			{Type: "dense", Units: 10, Activation: "softmax", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{6, 5}},
		},
		Compile: Compile{Optimizer: adamDefaults, Loss: "categorical_crossentropy", Metrics: []string{"accuracy"}},
		Fit:     Fit{Epochs: 10, BatchSize: 32, ValidationSplit: 0.2, Shuffle: true, Seed: 42},
		Data:    data,
	}
}

func TestLoadExample(t *testing.T) {
	path := filepath.Join("..", "examples", "mnist.yaml")
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := tutorial(path); !reflect.DeepEqual(m, want) {
		t.Errorf("Load(%s):\n got %+v\nwant %+v", path, *m, *want)
	}
	if m.Input.Size() != 784 || m.Output().Units != 10 {
		t.Errorf("Input.Size() = %d, Output().Units = %d; want 784, 10", m.Input.Size(), m.Output().Units)
	}
}

func TestLoadUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(%s) = %v; want an fs.ErrNotExist that names the file", path, err)
	}
	_, err = Load(t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "cannot read spec: ") {
		t.Errorf("Load(a folder) = %v; want cannot read spec: ...", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte("name: x\n"+strings.Repeat("#", 2<<20)), 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := path + ": spec is larger than 1048576 bytes; allowed: at most 1 MiB"; fmt.Sprint(err) != want {
		t.Errorf("Load(2 MiB) = %v; want %s", err, want)
	}
}

// goodCases are valid specs and how their Model differs from minimal's.
var goodCases = []struct {
	name, src string
	want      func(m *Model)
}{
	{"every default", minimalSrc, func(m *Model) {}},
	{"bare sgd", strings.Replace(minimalSrc, "optimizer: adam", "optimizer: sgd", 1), func(m *Model) {
		m.Compile.Optimizer = Optimizer{Type: "sgd", LearningRate: 0.01}
	}},
	{"adam with every option", strings.Replace(minimalSrc, "optimizer: adam",
		"optimizer: {type: adam, learning_rate: 0.01, beta_1: 0, beta_2: 0.99, epsilon: 1e-8, amsgrad: false}", 1),
		func(m *Model) {
			m.Compile.Optimizer = Optimizer{Type: "adam", LearningRate: 0.01, Beta2: 0.99, Epsilon: 1e-8}
		}},
	{"sgd with every option", strings.Replace(minimalSrc, "optimizer: adam",
		"optimizer: {type: sgd, learning_rate: 1, momentum: 0.9, nesterov: true}", 1),
		func(m *Model) {
			m.Compile.Optimizer = Optimizer{Type: "sgd", LearningRate: 1, Momentum: 0.9, Nesterov: true}
		}},
	{"empty sections", minimalSrc + "fit:\ndata: {}\n", func(m *Model) {
		m.Data.Pos = Pos{7, 7}
	}},
	{"everything set, block style", `# a comment
name: digits_2
input:
  shape: [28, 28]
layers:
  - type: dense
    units: 128
    activation: tanh
    use_bias: false
    kernel_initializer: he_normal
    bias_initializer: zeros
  - {type: dense, units: 32, activation: sigmoid, kernel_initializer: he_uniform}
  - {type: dense, units: 3, activation: softmax, kernel_initializer: glorot_normal}
compile:
  optimizer: sgd
  loss: sparse_categorical_crossentropy
  metrics: []
fit:
  epochs: 100000
  batch_size: 65536
  validation_split: 0
  shuffle: false
  seed: 18446744073709551615
data:
  source: idx
  dir: ../data/digits
  train_images: train/x.idx
  train_labels: train/y.idx
  test_images: test/x.idx
  test_labels: test/y.idx
`, func(m *Model) {
		*m = Model{
			Path:  m.Path,
			Name:  "digits_2",
			Input: Input{Shape: []int{28, 28}, Pos: Pos{4, 3}},
			Layers: []Layer{
				{Type: "dense", Units: 128, Activation: "tanh", UseBias: false, KernelInitializer: "he_normal", Pos: Pos{6, 5}},
				{Type: "dense", Units: 32, Activation: "sigmoid", UseBias: true, KernelInitializer: "he_uniform", Pos: Pos{12, 5}},
				{Type: "dense", Units: 3, Activation: "softmax", UseBias: true, KernelInitializer: "glorot_normal", Pos: Pos{13, 5}},
			},
			Compile: Compile{Optimizer: Optimizer{Type: "sgd", LearningRate: 0.01}, Loss: "sparse_categorical_crossentropy"},
			Fit:     Fit{Epochs: 100000, BatchSize: 65536, Shuffle: false, Seed: 1<<64 - 1},
			Data: Data{Source: "idx", Dir: "../data/digits", TrainImages: "train/x.idx", TrainLabels: "train/y.idx",
				TestImages: "test/x.idx", TestLabels: "test/y.idx", Pos: Pos{25, 3}},
		}
	}},
	{"mnist from a folder, batch of all the training images", minimalSrc +
		"fit: {batch_size: 30000, validation_split: 0.5}\ndata: {dir: mnist, train_images: a.gz}\n",
		func(m *Model) {
			m.Fit.BatchSize, m.Fit.ValidationSplit = 30000, 0.5
			m.Data.Dir, m.Data.TrainImages, m.Data.Pos = "mnist", "a.gz", Pos{7, 7}
		}},
	{"linear regression on idx data", `name: reg
input: {shape: [3]}
layers: [{type: dense, units: 1}]
compile: {optimizer: sgd, loss: mean_squared_error}
data: {source: idx, dir: /srv/data}
`, func(m *Model) {
		m.Name = "reg"
		m.Input = Input{Shape: []int{3}, Pos: Pos{2, 8}}
		m.Layers = []Layer{{Type: "dense", Units: 1, Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{3, 10}}}
		m.Compile = Compile{Optimizer: Optimizer{Type: "sgd", LearningRate: 0.01}, Loss: "mean_squared_error"}
		m.Data = mnistData
		m.Data.Source, m.Data.Dir, m.Data.Pos = "idx", "/srv/data", Pos{5, 7}
	}},
	{"YAML spellings of numbers and keys", `"name": 'mnist'
input: {shape: [0x310]}
layers: [{type: dense, units: 1_0, activation: softmax}]
compile: {optimizer: {type: adam, learning_rate: 1, epsilon: 1.0e-3}, loss: categorical_crossentropy}
fit: {validation_split: .5, seed: 0o17}
`, func(m *Model) {
		m.Name = "mnist"
		m.Input.Pos = Pos{2, 8}
		m.Layers = []Layer{{Type: "dense", Units: 10, Activation: "softmax", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{3, 10}}}
		m.Compile.Optimizer.LearningRate, m.Compile.Optimizer.Epsilon = 1, 1e-3
		m.Compile.Loss = "categorical_crossentropy"
		m.Fit.ValidationSplit, m.Fit.Seed = 0.5, 15
	}},
}

// minimalSrc is the smallest valid spec: every default.
const minimalSrc = `name: tiny
input: {shape: [784]}
layers:
  - {type: dense, units: 10}
compile: {optimizer: adam, loss: mean_squared_error}
`

// minimal is the Model of minimalSrc.
func minimal(path string) *Model {
	return &Model{
		Path:    path,
		Name:    "tiny",
		Input:   Input{Shape: []int{784}, Pos: Pos{2, 8}},
		Layers:  []Layer{{Type: "dense", Units: 10, Activation: "linear", UseBias: true, KernelInitializer: "glorot_uniform", Pos: Pos{4, 5}}},
		Compile: Compile{Optimizer: adamDefaults, Loss: "mean_squared_error"},
		Fit:     Fit{Epochs: 1, BatchSize: 32, Shuffle: true},
		Data:    mnistData,
	}
}

func TestParseGood(t *testing.T) {
	for _, c := range goodCases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse("good.yaml", []byte(c.src))
			if err != nil {
				t.Fatalf("Parse:\n%v", err)
			}
			want := minimal("good.yaml")
			c.want(want)
			if !reflect.DeepEqual(m, want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", *m, *want)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse("t.yaml", []byte(c.src))
			if m != nil {
				t.Errorf("Parse returned a Model with an error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("Parse error = %#v; want an ErrorList", err)
			}
			if got := err.Error(); got != c.want {
				t.Errorf("Parse error:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestParseEveryProblem checks that one pass reports every problem, in file order, whatever
// the order in which they are found.
func TestParseEveryProblem(t *testing.T) {
	src := `name: Mnist
input: {shape: [784]}
layers:
  - {type: dense, unit: 64, activation: softmax}
  - {type: dense, units: 64x, activation: rellu}
  - {type: dense, units: 10}
compile:
  optimizer: {type: adam, momentum: 0.9, learning_rate: 0}
  loss: categorical_crossentropy
  metrics: [acc]
fit: {epochs: 0, batch_size: 100000, validation_split: 1, shuffle: yes, seed: -1}
data: {source: idx, train_images: /etc/passwd, test_images: "a\nb", foo: 1}
`
	want := strings.Join([]string{
		`x.yaml:1:7: name: "Mnist" is not a valid package name; allowed: a lower-case letter, then lower-case letters, digits or _, at most 64 characters`,
		`x.yaml:4:19: unknown key "unit" in layer 1 (did you mean "units"?); allowed: type, units, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer`,
		`x.yaml:4:41: layer 1 activation: softmax is only allowed on the last layer; allowed here: linear, relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu`,
		`x.yaml:5:26: layer 2 units: want an integer, got "64x"`,
		`x.yaml:5:43: layer 2 activation: unknown activation "rellu" (did you mean "relu"?); allowed: linear, relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu, softmax`,
		`x.yaml:6:5: layer 3 activation: compile.loss categorical_crossentropy needs softmax on the last layer, got linear (the default); allowed: softmax`,
		`x.yaml:8:27: unknown key "momentum" in compile.optimizer: adam has no momentum (it is an option of sgd or rmsprop); allowed: type, learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, clipnorm, global_clipnorm, clipvalue`,
		`x.yaml:8:57: compile.optimizer.learning_rate: 0 is out of range; allowed: > 0 and <= 10`,
		`x.yaml:10:13: compile.metrics item 1: unknown metric "acc" (did you mean "accuracy"?); allowed: accuracy, mae, mse`,
		`x.yaml:11:15: fit.epochs: 0 is out of range; allowed: 1 to 100000`,
		`x.yaml:11:30: fit.batch_size: 100000 is out of range; allowed: 1 to 65536`,
		`x.yaml:11:56: fit.validation_split: 1 is out of range; allowed: >= 0 and < 1`,
		`x.yaml:11:68: fit.shuffle: want true or false, got "yes"`,
		`x.yaml:11:79: fit.seed: want an integer from 0 to 18446744073709551615, got -1`,
		`x.yaml:12:7: missing key "dir" in data; want the folder of the IDX files, which source idx needs`,
		`x.yaml:12:35: data.train_images: "/etc/passwd" is absolute; allowed: a relative path inside data.dir, without .. or control characters`,
		`x.yaml:12:61: data.test_images: "a\nb" holds the control character U+000A; allowed: a relative path inside data.dir, without .. or control characters`,
		`x.yaml:12:69: unknown key "foo" in data; allowed: source, dir, train_images, train_labels, test_images, test_labels`,
	}, "\n")
	_, err := Parse("x.yaml", []byte(src))
	if fmt.Sprint(err) != want {
		t.Errorf("Parse:\n got %v\nwant %s", err, want)
	}
}

func TestParseTooManyProblems(t *testing.T) {
	src := edits(map[int]string{4: "  - " + strings.Repeat("{type: dense, units: 0}\n  - ", 150) + "{type: dense, units: 10, activation: softmax}", 5: ""})
	_, err := Parse("t.yaml", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != maxErrors+1 {
		t.Fatalf("Parse: %d errors; want %d", len(list), maxErrors+1)
	}
	if got, want := list[len(list)-1].Error(), "t.yaml: too many problems: 51 more not shown"; got != want {
		t.Errorf("last error = %q; want %q", got, want)
	}
	if got, want := list[0].Error(), "t.yaml:4:3: layers: want 1 to 64 layers, got 151"; got != want {
		t.Errorf("first error = %q; want %q", got, want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Path: "a.yaml", Pos: Pos{3, 7}, Msg: "m"}, "a.yaml:3:7: m"},
		{&Error{Path: "a.yaml", Pos: Pos{3, 0}, Msg: "m"}, "a.yaml:3: m"},
		{&Error{Path: "a.yaml", Msg: "m"}, "a.yaml: m"},
		{&Error{Pos: Pos{3, 7}, Msg: "m"}, "3:7: m"},
		{&Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q; want %q", *tt.err, got, tt.want)
		}
	}
	l := ErrorList{tests[0].err, tests[2].err}
	if got, want := l.Error(), "a.yaml:3:7: m\na.yaml: m"; got != want {
		t.Errorf("ErrorList.Error() = %q; want %q", got, want)
	}
	if got := (ErrorList{}).Error(); got != "no errors" {
		t.Errorf("empty ErrorList.Error() = %q", got)
	}
}
