package codegen

// How a training step is shared between two cores, decided here for the whole plan (emit_train.go
// writes the steps): a step of the two-core Trainer has three phases. The first computes the first
// trained layer's pre-activations share by share of its inputs (it must be an InputSharer: each
// core multiplies by the kernel rows it also updates, so the largest kernel never moves between
// the cores' caches); the second runs the rest of the batch forward and back by halves of its
// rows; the third computes the gradients and updates the parameters share by share of each
// kernel's rows. One core runs the same kernel calls one after the other, so the results do not
// depend on GOMAXPROCS. A layer whose training pass needs every row of the batch at once (a
// batch normalization's statistics) cannot be split by rows, and its plan runs on one core.

// parallelMinRows is the smallest batch that a step shares between two cores: below it the two
// halves are too small for the kernels to run at speed and the synchronisation dominates.
const parallelMinRows = 8

// parallelMinFlops is the work of a full batch's forward pass (2·BatchSize·Σ In·Out flops over
// the kernels) below which a network is not given the two-core path at all: such a step takes a
// few µs, the order of a hand-over between two cores.
const parallelMinFlops = 1 << 20

// wholeBatch is a layer whose training pass needs the whole batch at once.
type wholeBatch interface{ WholeBatch() bool }

// parallel reports whether the generated Trainer can share a step between two cores.
func (p *Plan) parallel() bool {
	if _, ok := p.Body()[0].(InputSharer); !ok {
		return false
	}
	for _, l := range p.Layers {
		if w, ok := l.(wholeBatch); ok && w.WholeBatch() {
			return false
		}
	}
	macs := 0
	for _, prm := range params(p) {
		if prm.ShareRow != "" { // kernels: the products' multiply-adds
			n := 1
			for _, d := range prm.Dims {
				n *= d
			}
			macs += n
		}
	}
	return p.BatchSize >= 2*parallelMinRows && 2*p.BatchSize*macs >= parallelMinFlops
}
