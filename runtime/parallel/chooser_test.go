package parallel

import (
	"testing"
	"time"
)

// simulate runs steps through a Chooser whose way 0 takes cost0 and way 1 cost1, and returns how
// many steps each way ran.
func simulate(c *Chooser, steps int, cost0, cost1 time.Duration) (runs [2]int) {
	for i := 0; i < steps; i++ {
		way := c.Next()
		cost := cost0
		if way == 1 {
			cost = cost1
		}
		c.Done(way, cost)
		runs[way]++
	}
	return runs
}

// TestChooserPicksTheFasterWay checks that the Chooser settles on the faster way, tries the other
// only during trials, and follows a change of which way is faster.
func TestChooserPicksTheFasterWay(t *testing.T) {
	var c Chooser
	runs := simulate(&c, 10*period, 80*time.Microsecond, 45*time.Microsecond)
	if c.Best() != 1 {
		t.Fatalf("two cores at 45 µs against one at 80 µs: chose %d, want 1", c.Best())
	}
	if want := 10 * trial / 2; runs[0] != want {
		t.Errorf("the slower way ran %d steps, want only its %d trial steps", runs[0], want)
	}
	// The second core gets busy: two-core steps now take 250 µs. Each case below changes the
	// choice, so that a Chooser that stopped measuring would fail.
	simulate(&c, period, 80*time.Microsecond, 250*time.Microsecond)
	if c.Best() != 0 {
		t.Fatalf("two cores at 250 µs against one at 80 µs: chose %d, want 0", c.Best())
	}
	simulate(&c, period, 80*time.Microsecond, 45*time.Microsecond)
	if c.Best() != 1 {
		t.Fatalf("two cores back at 45 µs: chose %d, want 1", c.Best())
	}
	// Two cores only a little faster: not worth a second core.
	simulate(&c, period, 80*time.Microsecond, 78*time.Microsecond)
	if c.Best() != 0 {
		t.Fatalf("two cores at 78 µs against one at 80 µs: chose %d, want 0 (within the margin)", c.Best())
	}
}

// TestChooserAllocatesNothing checks that choosing and timing a step allocates nothing.
func TestChooserAllocatesNothing(t *testing.T) {
	var c Chooser
	if a := testing.AllocsPerRun(1000, func() { w := c.Next(); start := time.Now(); c.Done(w, time.Since(start)) }); a != 0 {
		t.Errorf("Next and Done allocate %v times per step, want 0", a)
	}
}
