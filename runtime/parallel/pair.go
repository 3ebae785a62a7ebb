// Package parallel shares a generated Trainer's step between two goroutines: the caller's and one
// long-lived helper, synchronised through atomics so that a step allocates nothing and, while
// steps follow each other closely, no goroutine has to be woken by the scheduler.
package parallel

import (
	"runtime"
	"sync/atomic"
)

// spinLimit is how many times a waiting goroutine polls before it yields (the caller) or parks
// (the helper). A training step of the reference model takes about 40 µs per half, and the
// caller's work between two steps (filling the next batch) a few µs: polling covers that gap
// without a scheduler round trip, and parking after it keeps an idle helper from burning a core
// (between epochs, during validation, after the last step).
const spinLimit = 20000

// Pair runs a function on two goroutines at once: part 0 on the caller's and part 1 on a helper
// that lives as long as the Pair. The zero Pair is not usable; call NewPair. A Pair is used by
// one caller at a time.
type Pair struct {
	f      func(part int) // the work of the current generation; written before start is raised
	start  atomic.Uint64  // generations handed to the helper
	done   atomic.Uint64  // generations the helper finished
	parked atomic.Bool    // the helper is (about to be) blocked on wake
	wake   chan struct{}  // one token wakes a parked helper
	closed atomic.Bool
}

// NewPair starts the helper goroutine. Close stops it.
func NewPair() *Pair {
	p := &Pair{wake: make(chan struct{}, 1)}
	go p.helper()
	return p
}

// Run calls f(1) on the helper and f(0) on the calling goroutine, and returns when both have
// returned. It allocates nothing when f is a func value made once (such as a method value stored
// in a field), not a new closure for each call.
func (p *Pair) Run(f func(part int)) {
	p.f = f
	gen := p.start.Add(1)
	p.signal()
	f(0)
	for spins := 0; p.done.Load() < gen; spins++ {
		if spins >= spinLimit {
			runtime.Gosched() // the helper may be waiting for a core
		}
	}
}

// Close stops the helper goroutine; the Pair may not be used after it.
func (p *Pair) Close() {
	if p.closed.Swap(true) {
		return
	}
	p.start.Add(1)
	p.signal()
}

// signal wakes the helper if it is parked.
func (p *Pair) signal() {
	if p.parked.CompareAndSwap(true, false) {
		p.wake <- struct{}{}
	}
}

// helper runs part 1 of every generation until Close.
func (p *Pair) helper() {
	for gen := uint64(1); ; gen++ {
		p.await(gen)
		if p.closed.Load() {
			return
		}
		p.f(1)
		p.done.Store(gen)
	}
}

// await returns once generation gen has started: it polls, then parks.
func (p *Pair) await(gen uint64) {
	for spins := 0; p.start.Load() < gen; spins++ {
		if spins < spinLimit {
			continue
		}
		p.parked.Store(true)
		if p.start.Load() >= gen {
			// The generation started between the poll and the flag. Take the flag back; if the
			// caller took it first, it has sent (or is sending) a token, which must be drained.
			if !p.parked.CompareAndSwap(true, false) {
				<-p.wake
			}
			return
		}
		<-p.wake
		spins = 0
	}
}
