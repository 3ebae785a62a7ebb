package gonumpeer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/bench/gonumpeer"
	"github.com/nngen/nngen/generated/mnist"
)

// models returns the generated model with Keras' initial kernels for seed 7 and random biases,
// and the peer with the same parameters.
func models() (*mnist.Model, *gonumpeer.MLP) {
	m := new(mnist.Model)
	m.Init(7)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range m.Dense1Bias {
		m.Dense1Bias[i] = 0.1 * (2*r.Float32() - 1)
	}
	for i := range m.Dense2Bias {
		m.Dense2Bias[i] = 0.1 * (2*r.Float32() - 1)
	}
	p := &gonumpeer.MLP{Kernel1: m.Dense1Kernel, Bias1: m.Dense1Bias, Kernel2: m.Dense2Kernel, Bias2: m.Dense2Bias}
	return m, p
}

// inputs are n samples of pixels in [0, 1), as the tutorial scales them.
func inputs(n int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*mnist.InputSize)
	for i := range x {
		x[i] = r.Float32()
	}
	return x
}

// TestSameOutputs checks that the peer computes what the generated package does, within 1e-5,
// one sample at a time and in batches: the timings compare the same work.
func TestSameOutputs(t *testing.T) {
	m, p := models()
	const n = 77 // two full chunks and a partial one
	x := inputs(n)
	want, got := make([]float32, n*mnist.OutputSize), make([]float32, n*mnist.OutputSize)
	mnist.NewBatchPredictor(m).Predict(x, want)
	gonumpeer.NewBatchPredictor(p).Predict(x, got)
	for i := 0; i < n; i++ {
		xi := (*[mnist.InputSize]float32)(x[i*mnist.InputSize:])
		single, peer := m.Predict(xi), p.Predict(xi)
		for j := 0; j < mnist.OutputSize; j++ {
			k := i*mnist.OutputSize + j
			for _, c := range []struct {
				what      string
				got, want float32
			}{{"Predict", peer[j], single[j]}, {"BatchPredictor", got[k], want[k]}} {
				if d := math.Abs(float64(c.got - c.want)); !(d <= 1e-5) {
					t.Fatalf("sample %d, class %d: the peer's %s gives %v, nngen's %v (difference %.3g, more than 1e-5)", i, j, c.what, c.got, c.want, d)
				}
			}
		}
	}
}

var sink float32

func BenchmarkPredict(b *testing.B) {
	m, p := models()
	x := (*[mnist.InputSize]float32)(inputs(1))
	b.Run("nngen-"+asm.Level(), func(b *testing.B) {
		for b.Loop() {
			sink += m.Predict(x)[0]
		}
	})
	b.Run("gonum", func(b *testing.B) {
		for b.Loop() {
			sink += p.Predict(x)[0]
		}
	})
}

func BenchmarkPredictBatch(b *testing.B) {
	m, p := models()
	const n = 10000
	x, y := inputs(n), make([]float32, n*mnist.OutputSize)
	bm, bp := mnist.NewBatchPredictor(m), gonumpeer.NewBatchPredictor(p)
	b.Run("nngen-"+asm.Level(), func(b *testing.B) {
		for b.Loop() {
			bm.Predict(x, y)
		}
	})
	b.Run("gonum", func(b *testing.B) {
		for b.Loop() {
			bp.Predict(x, y)
		}
	})
}

// TestSpeed times one prediction and 10,000 in batches, nngen and the peer alternating, and
// prints the shortest of many runs of each and their ratios. It runs only with NNGEN_PEER_BENCH
// set: `NNGEN_PEER_BENCH=1 go test -tags purego -run Speed -v ./bench/gonumpeer`.
func TestSpeed(t *testing.T) {
	if os.Getenv("NNGEN_PEER_BENCH") == "" {
		t.Skip("NNGEN_PEER_BENCH is not set")
	}
	m, p := models()
	const n = 10000
	x, y := inputs(n), make([]float32, n*mnist.OutputSize)
	x1 := (*[mnist.InputSize]float32)(x)
	bm, bp := mnist.NewBatchPredictor(m), gonumpeer.NewBatchPredictor(p)
	best := func(rounds, reps int, f func()) func() float64 {
		b := time.Duration(math.MaxInt64)
		return func() float64 {
			for range rounds {
				t0 := time.Now()
				for range reps {
					f()
				}
				b = min(b, time.Since(t0))
			}
			return float64(b.Nanoseconds()) / float64(reps)
		}
	}
	single := []func() float64{
		best(1, 100, func() { sink += m.Predict(x1)[0] }),
		best(1, 100, func() { sink += asmPredict(m, x1)[0] }),
		best(1, 100, func() { sink += p.Predict(x1)[0] }),
	}
	batch := []func() float64{
		best(1, 1, func() { bm.Predict(x, y) }),
		best(1, 1, func() { asmBatchPredict(m, x, y) }),
		best(1, 1, func() { bp.Predict(x, y) }),
	}
	var s, bt [3]float64
	for range 300 {
		for i := range s {
			s[i] = single[i]()
		}
	}
	for range 60 {
		for i := range bt {
			bt[i] = batch[i]()
		}
	}
	fmt.Printf("| | nngen | the asm kernels (%s) | gonum peer | nngen/asm | nngen/peer |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", asm.Level())
	fmt.Printf("| one prediction | %.2f µs | %.2f µs | %.2f µs | %.2fx | %.2fx |\n", s[0]/1e3, s[1]/1e3, s[2]/1e3, s[1]/s[0], s[2]/s[0])
	fmt.Printf("| 10,000 predictions (BatchPredictor) | %.2f ms | %.2f ms | %.2f ms | %.2fx | %.2fx |\n", bt[0]/1e6, bt[1]/1e6, bt[2]/1e6, bt[1]/bt[0], bt[2]/bt[0])
}

// asmPredict is Predict as the generated package wrote it before its products were generated:
// the asm kernels, which under the purego tag run their generic level.
func asmPredict(m *mnist.Model, x *[mnist.InputSize]float32) (y [mnist.OutputSize]float32) {
	var h [mnist.Dense1Units]float32
	asm.MatMulBiasReLU(h[:], x[:], m.Dense1Kernel[:], m.Dense1Bias[:], 1, mnist.Dense1Units, mnist.InputSize)
	asm.MatMulBias(y[:], h[:], m.Dense2Kernel[:], m.Dense2Bias[:], 1, mnist.Dense2Units, mnist.Dense1Units)
	asm.Softmax(y[:], 1, mnist.Dense2Units)
	return
}

// asmHidden is asmBatchPredict's buffer of one chunk's hidden activations.
var asmHidden [mnist.PredictChunk * mnist.Dense1Units]float32

// asmBatchPredict is the BatchPredictor's Predict through the asm kernels, as asmPredict.
func asmBatchPredict(m *mnist.Model, x, y []float32) {
	n := len(x) / mnist.InputSize
	for i := 0; i < n; i += mnist.PredictChunk {
		rows := min(mnist.PredictChunk, n-i)
		h, out := asmHidden[:rows*mnist.Dense1Units], y[i*mnist.OutputSize:(i+rows)*mnist.OutputSize]
		asm.MatMulBiasReLU(h, x[i*mnist.InputSize:(i+rows)*mnist.InputSize], m.Dense1Kernel[:], m.Dense1Bias[:], rows, mnist.Dense1Units, mnist.InputSize)
		asm.MatMulBias(out, h, m.Dense2Kernel[:], m.Dense2Bias[:], rows, mnist.Dense2Units, mnist.Dense1Units)
		asm.Softmax(out, rows, mnist.Dense2Units)
	}
}
