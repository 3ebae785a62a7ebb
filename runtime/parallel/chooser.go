package parallel

import "time"

// The Chooser's schedule. Every period steps start with a trial of four blocks of block steps,
// one way, the other, the first, the other; the first warm steps of each block are not timed,
// since they pay for moving the data between the cores' caches. The rest of the period runs the
// way whose timed steps took less on average; two cores must win by margin to be chosen, since
// one core leaves the other free for other work. A way twice as slow as the other costs at most
// 2·block slow steps per period, under 1%, and a change in the machine is noticed within a period
// (a fraction of a second of training).
const (
	period = 2048
	block  = 8
	warm   = 2
	trial  = 4 * block
	margin = 1.05
)

// Chooser picks, step by step, whichever way of running a step has lately been faster: one core
// or two. On a machine whose second core is busy with other work, or whose cores are slow to hand
// data to each other, a two-core step can be slower than a one-core step; measuring keeps the
// Trainer from losing to the machine. The zero Chooser is ready to use.
type Chooser struct {
	step  int
	total [2]time.Duration // time of the timed steps of each way in the current trial
	steps [2]int
	best  int
}

// Next returns the way to run the next step: 0 for one core, 1 for two.
func (c *Chooser) Next() int {
	if phase := c.step % period; phase < trial {
		return phase / block % 2
	}
	return c.best
}

// Done records that a step run the way Next returned took elapsed.
func (c *Chooser) Done(way int, elapsed time.Duration) {
	phase := c.step % period
	c.step++
	if phase >= trial {
		return
	}
	if phase%block >= warm {
		c.total[way] += elapsed
		c.steps[way]++
	}
	if phase == trial-1 {
		c.best = 0
		one := float64(c.total[0]) / float64(max(c.steps[0], 1))
		two := float64(c.total[1]) / float64(max(c.steps[1], 1))
		if c.steps[0] > 0 && c.steps[1] > 0 && two*margin < one {
			c.best = 1
		}
		c.total, c.steps = [2]time.Duration{}, [2]int{}
	}
}

// Best is the way chosen by the last trial: 0 for one core, 1 for two.
func (c *Chooser) Best() int { return c.best }
