package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nngen/nngen/runtime/dataset"
	"github.com/nngen/nngen/spec"
)

// pool is the data of one network: P samples (x: P×in, y: P×out float32, exactly as TrainBatch
// and PyTorch get them) and, for every step, the batch's sample indexes into the pool.
type pool struct {
	X, Y    []float32
	In, Out int
	Idx     []int32 // steps × batch
}

// batchOrder is the sample order of steps batches of batch rows over n samples: each pass over the
// n samples is a seeded permutation (pass e uses PCG(seed, e)), the last batch of a pass wrapping
// into the next pass's permutation, as a fixed, reproducible stream.
func batchOrder(n, steps, batch int, seed uint64) []int32 {
	idx := make([]int32, 0, steps*batch)
	for e := uint64(0); len(idx) < steps*batch; e++ {
		r := rand.New(rand.NewPCG(seed, e))
		for _, j := range r.Perm(n) {
			if len(idx) == steps*batch {
				break
			}
			idx = append(idx, int32(j))
		}
	}
	return idx
}

// mnistTrainRows is the part of MNIST's 60000 training images that Keras trains on with
// validation_split 0.2: the first 48000.
const mnistTrainRows = 48000

// mnistPool reads MNIST (the GoMNIST module, as the generated trainer does) and keeps the
// training images that steps batches of batch rows use, in a seeded order over the first 48000,
// scaled by dataset.Set.Batch exactly as the generated trainer scales IDX bytes
// (float32(v)/255, correctly rounded), with one-hot labels.
func mnistPool(steps, batch int, seed uint64) (*pool, error) {
	dir, err := dataset.MNISTDir()
	if err != nil {
		return nil, err
	}
	train, _, err := dataset.LoadMNIST(dir)
	if err != nil {
		return nil, err
	}
	train, _ = train.Split(0.2)
	if train.N != mnistTrainRows {
		return nil, fmt.Errorf("MNIST: %d training rows after validation_split 0.2, want %d", train.N, mnistTrainRows)
	}
	order := batchOrder(train.N, steps, batch, seed)
	// The pool holds each sample used once, in order of first use.
	pos := map[int32]int32{}
	var used []int32
	p := &pool{In: train.Features, Out: 10, Idx: make([]int32, len(order))}
	for i, j := range order {
		k, ok := pos[j]
		if !ok {
			k = int32(len(used))
			pos[j] = k
			used = append(used, j)
		}
		p.Idx[i] = k
	}
	p.X = make([]float32, len(used)*p.In)
	p.Y = make([]float32, len(used)*p.Out)
	train.Batch(p.X, p.Y, used, p.Out)
	return p, nil
}

// randomPoolSize is how many samples a random-data network's pool has.
const randomPoolSize = 256

// randomPool makes seeded data for a small network: features N(0, 1), and targets from a fixed
// random linear map W of them, so that there is something to learn: a one-hot argmax(xW) for the
// categorical cross-entropies, 1 when xW > 0 for the binary one, tanh(xW) for the regressions.
func randomPool(m *spec.Model, steps, batch int, seed uint64) *pool {
	in := m.Input.Size()
	out := m.Layers[len(m.Layers)-1].Units
	r := rand.New(rand.NewPCG(seed, 0x70726e))
	w := make([]float64, in*out)
	for i := range w {
		w[i] = r.NormFloat64() / math.Sqrt(float64(in))
	}
	p := &pool{In: in, Out: out, X: make([]float32, randomPoolSize*in), Y: make([]float32, randomPoolSize*out)}
	for s := range randomPoolSize {
		x := p.X[s*in : (s+1)*in]
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		z := make([]float64, out)
		for j := range z {
			for i := range x {
				z[j] += float64(x[i]) * w[i*out+j]
			}
		}
		y := p.Y[s*out : (s+1)*out]
		switch m.Compile.Loss {
		case "categorical_crossentropy", "sparse_categorical_crossentropy":
			best := 0
			for j := range z {
				if z[j] > z[best] {
					best = j
				}
			}
			y[best] = 1
		case "binary_crossentropy":
			if z[0] > 0 {
				y[0] = 1
			}
		default:
			for j := range z {
				y[j] = float32(math.Tanh(z[j]))
			}
		}
	}
	p.Idx = batchOrder(randomPoolSize, steps, batch, seed)
	return p
}
