// Package gonumpeer is the tutorial MLP (784 → Dense(64, relu) → Dense(10, softmax)) predicting
// through gonum's float32 BLAS, the hand-written Go peer that nngen's generated predictor is
// measured against: the same weights, in the same row-major Keras layout, and the same float32
// arithmetic, with gonum's own kernels (its SSE assembly on amd64, whatever nngen's build tags).
// Its test checks it against the generated package and, with NNGEN_PEER_BENCH set, times both.
package gonumpeer

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// The network's sizes, as generated/mnist names them.
const (
	InputSize  = 784 // input features
	HiddenSize = 64  // units of the hidden dense layer
	OutputSize = 10  // classes
)

// MLP holds the two dense layers' parameters; a kernel is In×Out row-major, as Keras stores it.
type MLP struct {
	Kernel1 [InputSize * HiddenSize]float32
	Bias1   [HiddenSize]float32
	Kernel2 [HiddenSize * OutputSize]float32
	Bias2   [OutputSize]float32
}

// general is the row-major rows×cols matrix over data, as blas32 takes it.
func general(rows, cols int, data []float32) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: data}
}

// Predict returns the class probabilities of one sample x: h = relu(W1ᵀx + b1) and
// y = softmax(W2ᵀh + b2), each product one blas32.Gemv. It allocates nothing.
func (m *MLP) Predict(x *[InputSize]float32) (y [OutputSize]float32) {
	var h [HiddenSize]float32
	copy(h[:], m.Bias1[:])
	blas32.Gemv(blas.Trans, 1, general(InputSize, HiddenSize, m.Kernel1[:]),
		blas32.Vector{N: InputSize, Inc: 1, Data: x[:]}, 1, blas32.Vector{N: HiddenSize, Inc: 1, Data: h[:]})
	relu(h[:])
	copy(y[:], m.Bias2[:])
	blas32.Gemv(blas.Trans, 1, general(HiddenSize, OutputSize, m.Kernel2[:]),
		blas32.Vector{N: HiddenSize, Inc: 1, Data: h[:]}, 1, blas32.Vector{N: OutputSize, Inc: 1, Data: y[:]})
	softmax(y[:])
	return y
}

// BatchPredictor predicts n samples at once with two blas32.Gemm calls per chunk of Chunk rows,
// in buffers allocated once.
type BatchPredictor struct {
	m      *MLP
	hidden [Chunk * HiddenSize]float32
}

// Chunk is the rows a BatchPredictor runs at once, as the generated package's PredictChunk.
const Chunk = 32

// NewBatchPredictor returns a BatchPredictor for m.
func NewBatchPredictor(m *MLP) *BatchPredictor { return &BatchPredictor{m: m} }

// Predict sets y (n rows of OutputSize) to the outputs for x (n rows of InputSize).
func (b *BatchPredictor) Predict(x, y []float32) {
	n := len(x) / InputSize
	for i := 0; i < n; i += Chunk {
		rows := min(Chunk, n-i)
		h := b.hidden[:rows*HiddenSize]
		out := y[i*OutputSize : (i+rows)*OutputSize]
		for r := 0; r < rows; r++ {
			copy(h[r*HiddenSize:(r+1)*HiddenSize], b.m.Bias1[:])
			copy(out[r*OutputSize:(r+1)*OutputSize], b.m.Bias2[:])
		}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, general(rows, InputSize, x[i*InputSize:(i+rows)*InputSize]),
			general(InputSize, HiddenSize, b.m.Kernel1[:]), 1, general(rows, HiddenSize, h))
		relu(h)
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, general(rows, HiddenSize, h),
			general(HiddenSize, OutputSize, b.m.Kernel2[:]), 1, general(rows, OutputSize, out))
		for r := 0; r < rows; r++ {
			softmax(out[r*OutputSize : (r+1)*OutputSize])
		}
	}
}

// relu sets every negative element of v to zero.
func relu(v []float32) {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
}

// softmax replaces v by its softmax, shifted by its maximum for range.
func softmax(v []float32) {
	hi := v[0]
	for _, x := range v[1:] {
		hi = max(hi, x)
	}
	var sum float32
	for i, x := range v {
		e := float32(math.Exp(float64(x - hi)))
		v[i] = e
		sum += e
	}
	for i := range v {
		v[i] /= sum
	}
}
