package codegen

// How a training step is shared between two cores, decided here for the whole plan (emit_train.go
// writes the steps): a step of the two-core Trainer has three phases. The first computes the first
// trained layer's pre-activations share by share of its inputs when it is an InputSharer (a dense
// layer: each core multiplies by the kernel rows it also updates, so the largest kernel never
// moves between the cores' caches; a convolution's kernel is small, and it has no first phase); the second runs the rest of the batch forward and back by halves of its
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
	for _, l := range p.Layers {
		if w, ok := l.(wholeBatch); ok && w.WholeBatch() {
			return false
		}
	}
	return p.BatchSize >= 2*parallelMinRows && 2*p.BatchSize*p.forwardMACs() >= parallelMinFlops
}

// forwardMACs is the multiply-adds of one row's forward pass through the matrix products.
func (p *Plan) forwardMACs() int {
	macs := 0
	for _, l := range p.Layers {
		if c, ok := l.(interface{ ForwardMACs() int }); ok { // a convolution: its kernel once per pixel
			macs += c.ForwardMACs()
			continue
		}
		for _, prm := range l.Params() {
			if prm.ShareRow != "" { // kernels: the products' multiply-adds
				n := 1
				for _, d := range prm.Dims {
					n *= d
				}
				macs += n
			}
		}
	}
	return macs
}

// sharesInputs reports whether a two-core step's first phase computes the first trained layer in
// shares of its inputs (an InputSharer: a dense layer). Otherwise (a convolution) the step has no
// first phase: the halves of the rows run forward from the batch's inputs.
func (p *Plan) sharesInputs() bool {
	_, ok := p.Body()[0].(InputSharer)
	return ok && p.parallel()
}
