// Package parallel shares a generated Trainer's step between two goroutines: the caller's and one
// long-lived helper, synchronised through atomics so that a step allocates nothing and, while
// steps follow each other closely, no goroutine has to be woken by the scheduler.
package parallel

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinLimit is how many times the caller polls for the helper before it yields its core, and
// helperSpin how long the helper polls for the next generation before it parks. Between two steps
// the caller fills the next batch, some 10-20 µs for the reference model: polling covers that gap,
// since waking a parked goroutine costs tens of µs (measured: the first phase of a step took 49 µs
// instead of 12 when the helper parked after 20,000 polls). Parking after helperSpin keeps an idle
// helper from burning a core between epochs, during validation and after the last step.
const (
	spinLimit  = 20000
	helperSpin = 500 * time.Microsecond
)

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
// in a field), not a new closure for each call. It panics after Close.
func (p *Pair) Run(f func(part int)) {
	if p.closed.Load() {
		panic("parallel: Run after Close")
	}
	p.f = f
	gen := p.start.Add(1)
	p.signal()
	f(0)
	for spins := 0; p.done.Load() < gen; spins++ {
		if spins >= spinLimit {
			runtime.Gosched() // the helper may be waiting for a core
		}
	}
	// Keep no reference to f's receiver: a Trainer that its owner drops must become garbage, so
	// that a cleanup can close its Pair.
	p.f = nil
}

// Close stops the helper goroutine once it has finished any generation already started; the
// Pair may not be used after it. Close is safe to call more than once, and from a cleanup.
func (p *Pair) Close() {
	if p.closed.Swap(true) {
		return
	}
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
	for gen := uint64(1); p.await(gen); gen++ {
		p.f(1)
		p.done.Store(gen)
	}
}

// await returns true once generation gen has started, and false once the Pair is closed with no
// generation pending. It polls for helperSpin, then parks.
func (p *Pair) await(gen uint64) bool {
	since := time.Now()
	for spins := 1; ; spins++ {
		if p.start.Load() >= gen {
			return true
		}
		if p.closed.Load() {
			// A Run that started before the Close raised start before closed: look again.
			return p.start.Load() >= gen
		}
		if spins%1024 != 0 || time.Since(since) < helperSpin {
			continue
		}
		p.parked.Store(true)
		if p.start.Load() >= gen || p.closed.Load() {
			// Woken between the poll and the flag. Take the flag back; if the signaller took it
			// first, it has sent (or is sending) a token, which must be drained.
			if !p.parked.CompareAndSwap(true, false) {
				<-p.wake
			}
			continue
		}
		<-p.wake
		since = time.Now()
	}
}
