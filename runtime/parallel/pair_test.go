package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunRunsBothParts checks that every Run calls part 0 and part 1 exactly once, on two
// goroutines, and returns only after both, over many generations, including ones after the
// helper has parked.
func TestRunRunsBothParts(t *testing.T) {
	p := NewPair()
	defer p.Close()
	var calls [2]atomic.Int64
	var sum [2]int64 // written by each part, read after Run: Run must order them
	f := func(part int) {
		calls[part].Add(1)
		sum[part] += int64(part + 1)
	}
	for i := 1; i <= 20000; i++ {
		p.Run(f)
		if calls[0].Load() != int64(i) || calls[1].Load() != int64(i) {
			t.Fatalf("after %d runs: part 0 ran %d times, part 1 %d", i, calls[0].Load(), calls[1].Load())
		}
		if i%5000 == 0 {
			time.Sleep(20 * time.Millisecond) // long enough for the helper to park
		}
	}
	if sum[0] != 20000 || sum[1] != 40000 {
		t.Errorf("sums %v, want [20000 40000]", sum)
	}
}

// TestRunWaitsForTheHelper checks that Run does not return before a slow part 1 has finished.
func TestRunWaitsForTheHelper(t *testing.T) {
	p := NewPair()
	defer p.Close()
	var finished atomic.Bool
	p.Run(func(part int) {
		if part == 1 {
			time.Sleep(30 * time.Millisecond)
			finished.Store(true)
		}
	})
	if !finished.Load() {
		t.Fatal("Run returned before part 1 finished")
	}
}

// TestRunAllocatesNothing checks that a step's synchronisation allocates nothing.
func TestRunAllocatesNothing(t *testing.T) {
	p := NewPair()
	defer p.Close()
	var n atomic.Int64
	f := func(int) { n.Add(1) }
	if a := testing.AllocsPerRun(1000, func() { p.Run(f) }); a != 0 {
		t.Errorf("Run allocates %v times, want 0", a)
	}
}

// TestCloseStopsTheHelper checks that Close ends the helper goroutine, parked or polling.
func TestCloseStopsTheHelper(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 10; i++ {
		p := NewPair()
		p.Run(func(int) {})
		if i%2 == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		p.Close()
		p.Close() // a second Close does nothing
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing every Pair, %d before", n, before)
	}
}

// TestRunAfterClosePanics checks that a closed Pair refuses work instead of waiting forever for
// a helper that has gone.
func TestRunAfterClosePanics(t *testing.T) {
	p := NewPair()
	p.Run(func(int) {})
	p.Close()
	defer func() {
		if recover() == nil {
			t.Error("Run after Close did not panic")
		}
	}()
	p.Run(func(int) {})
}

// TestRunDropsItsFunction checks that a Pair keeps no reference to the last function it ran, so
// that a Trainer dropped by its owner can be collected and its cleanup can close the Pair.
func TestRunDropsItsFunction(t *testing.T) {
	p := NewPair()
	defer p.Close()
	p.Run(func(int) {})
	if p.f != nil {
		t.Error("the Pair still holds the function of its last Run")
	}
}

// TestCloseDuringRun checks that a Close that comes while a Run is under way lets the helper
// finish its part, so that the Run returns.
func TestCloseDuringRun(t *testing.T) {
	for i := 0; i < 200; i++ {
		p := NewPair()
		var ran atomic.Int64
		done := make(chan struct{})
		go func() {
			p.Run(func(part int) {
				if part == 0 {
					p.Close()
				}
				ran.Add(1)
			})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after a Close during it")
		}
		if ran.Load() != 2 {
			t.Fatalf("%d parts ran, want 2", ran.Load())
		}
	}
}
