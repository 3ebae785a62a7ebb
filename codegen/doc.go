// Package codegen turns a validated spec.Model into the Go source of a package specialised to
// that network. It runs in three stages: plan (spec -> a typed list of layers with their shapes,
// buffers and names, plan.go), emit (plan -> Go files through jennifer, one emitter per file and
// per layer kind) and format (gofmt, with the line-numbered source on failure).
//
// The generated package for a spec named mnist with layers Dense(64, relu) and Dense(10,
// softmax) offers:
//
//	const InputSize, OutputSize, BatchSize, Dense1Units, Dense2Units, ParamCount = ...
//	type Model struct{ Dense1Kernel [InputSize * Dense1Units]float32; Dense1Bias [Dense1Units]float32; ... }
//	func (m *Model) Init(seed uint64)                  // Keras initialisers, zero biases
//	func (m *Model) Tensors() []weights.Tensor         // dense1/kernel [in out], dense1/bias [out], ... in layer order
//	func (m *Model) Save(path string) error / Load(path string) error / Decode(name string, data []byte) error
//	func (m *Model) Predict(x *[InputSize]float32) [OutputSize]float32   // 0 allocations, concurrent-safe
//	type Trainer struct{ ... }                          // buffers for BatchSize rows, allocated once
//	func NewTrainer(m *Model) *Trainer
//	func (t *Trainer) Gradients(x, y []float32, n int) (loss float32, correct int) // forward + backward of n rows
//	func (t *Trainer) Output() []float32               // the last forward pass's outputs, n×OutputSize
//	func (t *Trainer) GradTensors() []weights.Tensor   // the last Gradients' results, in Tensors order
//	func (t *Trainer) Apply()                          // one optimiser step from those gradients
//	func (t *Trainer) TrainBatch(x, y []float32, n int) (loss float32, correct int) // Gradients, then Apply
//	func (t *Trainer) EvalBatch(x, y []float32, n int) (loss float32, correct int)  // forward only
//
// x holds n rows of InputSize values and y n rows of OutputSize targets (one-hot for the
// cross-entropies); loss is the mean over the n rows; gradients are of that mean.
package codegen
