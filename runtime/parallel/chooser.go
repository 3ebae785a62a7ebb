package parallel

import "time"

// The Chooser's schedule: every period steps, the first trial steps alternate between the two
// ways of running a step and are timed; the rest of the period runs the way that was faster. A
// way twice as slow as the other thus costs at most trial/2 slow steps in period, about 3%.
const (
	period = 512
	trial  = 32
)

// Chooser picks, step by step, whichever way of running a step has lately been faster: one core
// or two. On a machine whose second core is busy with other work, a two-core step waits for it
// and can be several times slower than a one-core step; measuring keeps the Trainer from losing
// to the neighbours. The zero Chooser is ready to use.
type Chooser struct {
	step  int
	total [2]time.Duration // time spent in each way during the current trial
	steps [2]int
	best  int
}

// Next returns the way to run the next step: 0 for one core, 1 for two.
func (c *Chooser) Next() int {
	if c.step%period < trial {
		return c.step % 2
	}
	return c.best
}

// Done records that a step run the way Next returned, started at start, has finished.
func (c *Chooser) Done(way int, start time.Time) {
	phase := c.step % period
	if phase < trial {
		c.total[way] += time.Since(start)
		c.steps[way]++
		if phase == trial-1 {
			c.best = 0
			if c.steps[1] > 0 && c.steps[0] > 0 &&
				c.total[1]*time.Duration(c.steps[0]) < c.total[0]*time.Duration(c.steps[1]) {
				c.best = 1
			}
			c.total, c.steps = [2]time.Duration{}, [2]int{}
		}
	}
	c.step++
}

// Best is the way chosen by the last trial: 0 for one core, 1 for two.
func (c *Chooser) Best() int { return c.best }
