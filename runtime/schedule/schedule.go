// Package schedule holds Keras' learning-rate schedules: the learning rate of an optimiser step
// as a function of the number of steps taken before it.
//
// A schedule counts optimiser steps, not epochs, exactly as Keras 3 does: the optimiser reads its
// learning rate as schedule(self._iterations) (keras/src/optimizers/base_optimizer.py,
// _get_current_learning_rate) and increments _iterations by one after applying the update
// (BaseOptimizer.apply). The first update of a training therefore uses Rate(0), the second
// Rate(1), and the n-th Rate(n-1); the count goes on across epochs (and across fits of the same
// optimiser). A trainer keeps an int64 step counter, calls Rate(step) before each update and
// increments the counter after it:
//
//	lr := float32(s.Rate(t.step)) // Keras' learning rate has the optimiser's float32 dtype
//	... the update with lr ...
//	t.step++
//
// Every formula is Keras 3's (keras-team/keras, keras/src/optimizers/schedules/
// learning_rate_schedule.py, checked against version 3.16.0, commit 3422977a5e38), with its
// operations in the same order. Keras computes in the dtype of initial_learning_rate, float32 for
// a Python float, with its backend's pow and cos; Rate computes in float64, and the trainer rounds
// the result to float32: the two agree to about a float32 ulp, and exactly with a float64 Keras
// (and its numpy backend). Keras also casts the step to float32, which is exact up to 2^24 steps.
//
// Each schedule is a struct of Keras' arguments (Go-cased) and a Validate method, to be called
// once before training: Rate does not check its parameters, and is undefined on ones that
// Validate rejects. Validate rejects what Keras rejects (decay_steps ≤ 0, len(values) !=
// len(boundaries)+1) with Keras' reason, what Keras' documentation requires without checking it
// (strictly increasing boundaries), and, where Keras accepts it silently, what would give a
// NaN, an infinite or a negative learning rate at some step, or a parameter that does nothing;
// each such rule says so. Rate allocates nothing.
package schedule

import (
	"errors"
	"fmt"
	"math"
)

// Schedule is a learning rate as a function of the optimiser step (Keras'
// keras.optimizers.schedules.LearningRateSchedule).
type Schedule interface {
	// Rate returns the learning rate of the update that follows step earlier updates: step is
	// Keras' optimizer.iterations, 0 for the first update. It allocates nothing.
	Rate(step int64) float64
}

// Validator is implemented by every schedule of this package.
type Validator interface {
	// Validate returns an error naming the schedule and the first parameter that is not usable,
	// with the value given and what would be right; nil when all are.
	Validate() error
}

// Constant is a fixed learning rate: Keras' optimiser given a float learning_rate.
type Constant float64

// Rate returns c whatever the step.
func (c Constant) Rate(int64) float64 { return float64(c) }

// Validate rejects a rate that is not finite or is negative (nngen's rule: Keras accepts a
// negative float, which would ascend the loss).
func (c Constant) Validate() error {
	return rate("Constant", "learning_rate", float64(c))
}

// ExponentialDecay is Keras' ExponentialDecay:
//
//	initial_learning_rate * decay_rate ^ (step / decay_steps)
//
// with step / decay_steps rounded down to an integer when Staircase is set, so that the rate
// drops by decay_rate every decay_steps steps.
type ExponentialDecay struct {
	InitialLearningRate float64
	DecaySteps          float64 // Keras' decay_steps, a positive number of steps (usually whole)
	DecayRate           float64
	Staircase           bool
}

// Rate is Keras' ExponentialDecay.__call__:
// p = step / decay_steps, floor(p) if staircase, initial_learning_rate * decay_rate^p.
func (s *ExponentialDecay) Rate(step int64) float64 {
	p := float64(step) / s.DecaySteps
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.InitialLearningRate * math.Pow(s.DecayRate, p)
}

// Validate rejects decay_steps ≤ 0 (Keras' ValueError), a learning rate that is not finite or is
// negative, and a decay_rate that is not finite or is ≤ 0 (nngen's rules: Keras accepts them, and
// the power of a base ≤ 0 is 0, infinite or NaN). A decay_rate above 1 is a growing rate, as in
// Keras.
func (s *ExponentialDecay) Validate() error {
	const name = "ExponentialDecay"
	return errors.Join(
		rate(name, "initial_learning_rate", s.InitialLearningRate),
		steps(name, "decay_steps", s.DecaySteps),
		positive(name, "decay_rate", s.DecayRate),
	)
}

// PiecewiseConstantDecay is Keras' PiecewiseConstantDecay: Values[0] while step ≤ Boundaries[0],
// Values[i] while Boundaries[i-1] < step ≤ Boundaries[i], and the last value once step >
// Boundaries[len-1]. A boundary belongs to the interval below it: with boundaries [100, 110] and
// values [1.0, 0.5, 0.1], the updates of steps 0..100 (the first 101) use 1.0, those of steps
// 101..110 use 0.5, and the rest 0.1.
type PiecewiseConstantDecay struct {
	// Boundaries are optimiser steps, strictly increasing. Keras compares them with the step in
	// the step's integer dtype (a float boundary is cast to it).
	Boundaries []int64
	Values     []float64 // one more than Boundaries
}

// Rate is Keras' PiecewiseConstantDecay.__call__, which sums values[0]·(step ≤ b[0]),
// values[i]·(b[i-1] < step ≤ b[i]) and values[-1]·(step > b[-1]): exactly one term is not zero
// when the boundaries increase, the value of the first boundary at or above step.
func (s *PiecewiseConstantDecay) Rate(step int64) float64 {
	// The boundaries are few; a binary search keeps long lists cheap all the same.
	lo, hi := 0, len(s.Boundaries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.Boundaries[m] < step {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return s.Values[lo]
}

// Validate rejects len(Values) != len(Boundaries)+1 (Keras' ValueError), no boundary at all
// (Keras fails with an IndexError), boundaries that do not strictly increase (Keras documents the
// rule without checking it: its sum would then add several values, or none), and values that
// are not finite or are negative (nngen's rule).
func (s *PiecewiseConstantDecay) Validate() error {
	const name = "PiecewiseConstantDecay"
	if len(s.Boundaries) != len(s.Values)-1 {
		return fmt.Errorf("schedule: %s: the length of boundaries should be 1 less than the length of values; got boundaries=%v of length %d, and values=%v of length %d",
			name, s.Boundaries, len(s.Boundaries), s.Values, len(s.Values))
	}
	if len(s.Boundaries) == 0 {
		return fmt.Errorf("schedule: %s: boundaries is empty; want at least one boundary (for a single value use a constant learning rate)", name)
	}
	var errs []error
	for i := 1; i < len(s.Boundaries); i++ {
		if s.Boundaries[i] <= s.Boundaries[i-1] {
			errs = append(errs, fmt.Errorf("schedule: %s: boundaries must be strictly increasing; boundaries[%d]=%d follows boundaries[%d]=%d",
				name, i, s.Boundaries[i], i-1, s.Boundaries[i-1]))
			break
		}
	}
	for i, v := range s.Values {
		errs = append(errs, rate(name, fmt.Sprintf("values[%d]", i), v))
	}
	return errors.Join(errs...)
}

// PolynomialDecay is Keras' PolynomialDecay: a decay from initial_learning_rate to
// end_learning_rate over decay_steps steps,
//
//	(initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ^ power + end_learning_rate
//
// with step capped at decay_steps (the rate then stays at end_learning_rate) or, when Cycle is
// set, decay_steps multiplied by ceil(step / decay_steps) (by 1 at step 0), so that the decay
// starts again after every decay_steps steps. NewPolynomialDecay gives Keras' defaults.
type PolynomialDecay struct {
	InitialLearningRate float64
	DecaySteps          float64 // a positive number of steps (usually whole)
	EndLearningRate     float64 // Keras' default 0.0001
	Power               float64 // Keras' default 1.0, a linear decay
	Cycle               bool
}

// NewPolynomialDecay returns a PolynomialDecay with Keras' defaults: end_learning_rate 0.0001,
// power 1.0, cycle false.
func NewPolynomialDecay(initialLearningRate, decaySteps float64) *PolynomialDecay {
	return &PolynomialDecay{InitialLearningRate: initialLearningRate, DecaySteps: decaySteps, EndLearningRate: 0.0001, Power: 1}
}

// Rate is Keras' PolynomialDecay.__call__.
func (s *PolynomialDecay) Rate(step int64) float64 {
	st, ds := float64(step), s.DecaySteps
	if s.Cycle {
		// "Find the first multiple of decay_steps that is bigger than global_step. If
		// global_step is zero set the multiplier to 1."
		mul := 1.0
		if st != 0 {
			mul = math.Ceil(st / s.DecaySteps)
		}
		ds *= mul
	} else {
		st = min(st, ds)
	}
	p := st / ds
	return (s.InitialLearningRate-s.EndLearningRate)*math.Pow(1-p, s.Power) + s.EndLearningRate
}

// Validate rejects decay_steps ≤ 0 (Keras' ValueError), learning rates that are not finite or are
// negative, and a power that is not finite or is negative (nngen's rules: with a negative power
// the rate is infinite at the end of the decay).
func (s *PolynomialDecay) Validate() error {
	const name = "PolynomialDecay"
	return errors.Join(
		rate(name, "initial_learning_rate", s.InitialLearningRate),
		steps(name, "decay_steps", s.DecaySteps),
		rate(name, "end_learning_rate", s.EndLearningRate),
		nonNegative(name, "power", s.Power),
	)
}

// InverseTimeDecay is Keras' InverseTimeDecay:
//
//	initial_learning_rate / (1 + decay_rate * step / decay_steps)
//
// with step / decay_steps rounded down to an integer when Staircase is set.
type InverseTimeDecay struct {
	InitialLearningRate float64
	DecaySteps          float64 // a positive number of steps, "how often to apply decay"
	DecayRate           float64
	Staircase           bool
}

// Rate is Keras' InverseTimeDecay.__call__:
// p = step / decay_steps, floor(p) if staircase, initial_learning_rate / (1 + decay_rate·p).
func (s *InverseTimeDecay) Rate(step int64) float64 {
	p := float64(step) / s.DecaySteps
	if s.Staircase {
		p = math.Floor(p)
	}
	return s.InitialLearningRate / (1 + s.DecayRate*p)
}

// Validate rejects decay_steps ≤ 0 (Keras' ValueError), a learning rate that is not finite or is
// negative, and a decay_rate that is not finite or is negative (nngen's rules: with a negative
// rate the denominator reaches 0 and then goes negative).
func (s *InverseTimeDecay) Validate() error {
	const name = "InverseTimeDecay"
	return errors.Join(
		rate(name, "initial_learning_rate", s.InitialLearningRate),
		steps(name, "decay_steps", s.DecaySteps),
		nonNegative(name, "decay_rate", s.DecayRate),
	)
}

// CosineDecay is Keras 3's CosineDecay: an optional linear warmup, then a cosine decay.
//
// Without WarmupTarget (Keras' warmup_target=None), the rate decays from initial_learning_rate
// to initial_learning_rate·alpha over decay_steps steps and stays there:
//
//	s = min(step, decay_steps)
//	initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
//
// With WarmupTarget, step is first capped at warmup_steps + decay_steps; while it is below
// warmup_steps the rate rises linearly from initial_learning_rate (at step 0) towards
// warmup_target,
//
//	(warmup_target - initial_learning_rate) * (step / warmup_steps) + initial_learning_rate
//
// and from step warmup_steps on (which has exactly warmup_target) it decays as above from
// warmup_target to warmup_target·alpha, over the steps step - warmup_steps. With WarmupTarget and
// warmup_steps 0, the decay starts at warmup_target: initial_learning_rate is never used.
type CosineDecay struct {
	InitialLearningRate float64
	DecaySteps          float64  // a positive number of steps
	Alpha               float64  // the final rate as a fraction of the decay's first; Keras' default 0
	WarmupTarget        *float64 // nil: no warmup (Keras' default None)
	WarmupSteps         float64  // steps of the warmup; Keras' default 0
}

// Rate is Keras' CosineDecay.__call__, _warmup_function and _decay_function.
func (s *CosineDecay) Rate(step int64) float64 {
	st := float64(step)
	if s.WarmupTarget == nil {
		return s.decay(min(st, s.DecaySteps), s.InitialLearningRate)
	}
	target := *s.WarmupTarget
	st = min(st, s.DecaySteps+s.WarmupSteps)
	if st < s.WarmupSteps {
		return (target-s.InitialLearningRate)*(st/s.WarmupSteps) + s.InitialLearningRate
	}
	return s.decay(st-s.WarmupSteps, target)
}

// decay is Keras' _decay_function: from·((1 - alpha)·0.5·(1 + cos(π·step/decay_steps)) + alpha).
func (s *CosineDecay) decay(step, from float64) float64 {
	cosine := 0.5 * (1 + math.Cos(math.Pi*(step/s.DecaySteps)))
	return from * ((1-s.Alpha)*cosine + s.Alpha)
}

// Validate rejects decay_steps ≤ 0 (Keras' ValueError), and, as nngen's rules where Keras accepts
// them: learning rates (initial_learning_rate, warmup_target) that are not finite or are
// negative, an alpha that is not finite or is negative (the rate would end negative), a
// warmup_steps that is not finite or is negative, and warmup_steps above 0 without
// warmup_target (Keras then ignores warmup_steps: there is no warmup).
func (s *CosineDecay) Validate() error {
	const name = "CosineDecay"
	errs := []error{
		rate(name, "initial_learning_rate", s.InitialLearningRate),
		steps(name, "decay_steps", s.DecaySteps),
		nonNegative(name, "alpha", s.Alpha),
		nonNegative(name, "warmup_steps", s.WarmupSteps),
	}
	if s.WarmupTarget != nil {
		errs = append(errs, rate(name, "warmup_target", *s.WarmupTarget))
	} else if s.WarmupSteps > 0 {
		errs = append(errs, fmt.Errorf("schedule: %s: warmup_steps=%g without warmup_target does nothing (Keras skips the warmup when warmup_target is None); set warmup_target, the rate to reach at the end of the warmup", name, s.WarmupSteps))
	}
	return errors.Join(errs...)
}

// rate checks a learning rate: finite and at least 0.
func rate(schedule, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("schedule: %s: %s must be a finite learning rate ≥ 0, got %g", schedule, param, v)
	}
	return nil
}

// steps checks a decay_steps: Keras' "Argument `decay_steps` must be > 0", and finite.
func steps(schedule, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Errorf("schedule: %s: %s must be > 0 (a finite number of optimiser steps), got %g", schedule, param, v)
	}
	return nil
}

func positive(schedule, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return fmt.Errorf("schedule: %s: %s must be finite and > 0, got %g", schedule, param, v)
	}
	return nil
}

func nonNegative(schedule, param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("schedule: %s: %s must be finite and ≥ 0, got %g", schedule, param, v)
	}
	return nil
}
