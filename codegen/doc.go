// Package codegen turns a validated spec.Model into the Go source of a package specialised to
// that network. It runs in three stages: plan (spec -> a list of layers, each kind one type in one
// file — dense.go, conv2d.go, pooling.go, activations.go, dropout.go, batchnorm.go, rescaling.go,
// normalization.go; flatten.go adds no layer, as an image's rows are already flat — with their shapes,
// parameters, buffers and the code of their passes, plan.go and layer.go), emit (plan -> Go files
// through jennifer, one emitter per file, which know no layer kind) and format (gofmt, with the
// line-numbered source on failure).
//
// The generated package for a spec named mnist with layers Dense(64, relu) and Dense(10,
// softmax) offers:
//
//	const InputSize, OutputSize, BatchSize, Dense1Units, Dense2Units, ParamCount, ModelBytes = ...
//	const Epochs, ValidationSplit, Shuffle, Seed = ...     // the spec's fit section
//	const LearningRate, Beta1, Beta2, Epsilon = ...        // the optimiser's settings
//	const Fingerprint uint64 = ...                         // the tensors' names and shapes, for weights files
//	type Model struct{ Dense1Kernel [InputSize * Dense1Units]float32; Dense1Bias [Dense1Units]float32; ... }
//	func (m *Model) Init(seed uint64)                  // Keras initialisers, zero biases
//	func (m *Model) Tensors() []weights.Tensor         // dense1/kernel [in out], dense1/bias [out], ... in layer order
//	func (m *Model) Save(path string) error / Load(path string) error / Decode(name string, data []byte) error
//	func (m *Model) Predict(x *[InputSize]float32) [OutputSize]float32   // 0 allocations, concurrent-safe
//	func NewBatchPredictor(m *Model) *BatchPredictor   // many samples at once, PredictChunk rows at a time
//	func (b *BatchPredictor) Predict(x, y []float32)
//	type Trainer struct{ ... }                          // buffers for BatchSize rows, allocated once
//	func NewTrainer(m *Model) *Trainer                  // with GOMAXPROCS > 1, a helper goroutine
//	func (t *Trainer) Close()                           // stops the helper
//	func (t *Trainer) Gradients(x, y []float32, n int) (loss float32) // forward + backward of n rows
//	func (t *Trainer) Output() []float32               // the last forward pass's outputs, n×OutputSize
//	func (t *Trainer) GradTensors() []weights.Tensor   // the last Gradients' results, trained parameters only
//	func (t *Trainer) Apply()                          // one optimiser step from those gradients
//	func (t *Trainer) TrainBatch(x, y []float32, n int) (loss float32) // Gradients, then Apply
//	func (t *Trainer) EvalBatch(x, y []float32, n int) (loss float32)  // forward only
//	func (t *Trainer) Snapshot(dst []float32) []float32 / Restore(src []float32) // for EarlyStopping
//	func (t *Trainer) LearningRate() float64 / SetLearningRate(float64) // without a schedule
//	func (t *Trainer) SetSeed(seed uint64)              // with dropout: its masks' seed
//
// A classifier also has ClassCount, Classes, SetClasses and PredictClass; a network with a
// normalization layer AdaptInputs, with standardised labels AdaptLabels.
//
// x holds n rows of InputSize values and y n rows of OutputSize targets (one-hot for the
// cross-entropies); loss is the mean over the n rows, plus any regularization penalty; gradients
// are of that loss. cmd/train
// beside the package is a trainer program, and model_test.go tests that Predict and a training
// step allocate nothing (and, for networks large enough to share steps between two cores, that
// two cores give bit-identical results to one), with benchmarks.
//
// A convolutional network (conv2d layers over images [height, width, channels]) has per conv2d
// layer k the constants ConvkFilters, ConvkPixels, ConvkPatch, ConvkSize and its geometry, and its
// kernel conv2dk/kernel is [KH, KW, C, Filters] as Keras stores it.
//
// A network whose full-batch forward pass is at least 2²⁰ flops (2·BatchSize·Σ In·Out over its
// kernels, a convolution's once per output pixel), with a batch of at least twice ParallelMinRows
// and no batch normalization, gets the two-core Trainer (emit_train.go explains its phases);
// smaller ones get a plain one-core Trainer.
package codegen
