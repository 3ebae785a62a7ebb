package schedule

import (
	"math"
	"strings"
	"testing"
)

// A row of a table: the rate at step, as Keras' formula gives it in float64. Each table's comment
// is the formula; the values were computed from it in Python (float64, math.pow and math.cos).
type row struct {
	step int64
	want float64
}

// check compares s.Rate with the table to within 1e-15 relative, a few float64 ulps: Go's Pow
// and Cos are not C's (math.Pow(0.96, 10) is 2 ulps from C's), and Keras computes in float32.
func check(t *testing.T, name string, s Schedule, rows []row) {
	t.Helper()
	if v, ok := s.(Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, r := range rows {
		got := s.Rate(r.step)
		if d := math.Abs(got - r.want); d > 1e-15*math.Abs(r.want) && d > 1e-300 {
			t.Errorf("%s: Rate(%d) = %.17g, want %.17g", name, r.step, got, r.want)
		}
	}
}

func TestConstant(t *testing.T) {
	check(t, "Constant", Constant(0.001), []row{{0, 0.001}, {1, 0.001}, {1 << 40, 0.001}})
}

func TestExponentialDecay(t *testing.T) {
	// 0.1 * 0.96 ** (step / 100)
	check(t, "continuous", &ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 100, DecayRate: 0.96}, []row{
		{0, 0.1}, {1, 0.09995918633652226}, {50, 0.09797958971132713}, {99, 0.09603919711471713},
		{100, 0.096}, {101, 0.09596081888306136}, {250, 0.09029798987795908}, {1000, 0.06648326359915008},
	})
	// 0.1 * 0.96 ** floor(step / 100): the first drop is at step 100, the 101st update.
	check(t, "staircase", &ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 100, DecayRate: 0.96, Staircase: true}, []row{
		{0, 0.1}, {1, 0.1}, {50, 0.1}, {99, 0.1}, {100, 0.096}, {101, 0.096}, {250, 0.09216}, {1000, 0.06648326359915008},
	})
	// Keras' own tests (learning_rate_schedule_test.py): test_continuous, test_staircase.
	check(t, "keras continuous", &ExponentialDecay{InitialLearningRate: 0.05, DecaySteps: 10, DecayRate: 0.96},
		[]row{{5, 0.05 * math.Pow(0.96, 5.0/10.0)}})
	check(t, "keras staircase", &ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 3, DecayRate: 0.96, Staircase: true},
		[]row{{1, 0.1}, {2, 0.1}, {100, 0.1 * math.Pow(0.96, 100/3)}})
}

func TestPiecewiseConstantDecay(t *testing.T) {
	// Keras' docstring: 1.0 for the first 100001 steps (0..100000), 0.5 for the next 10000, then
	// 0.1. A boundary belongs to the interval below it.
	check(t, "docstring", &PiecewiseConstantDecay{Boundaries: []int64{100000, 110000}, Values: []float64{1.0, 0.5, 0.1}}, []row{
		{0, 1}, {100000, 1}, {100001, 0.5}, {110000, 0.5}, {110001, 0.1}, {1 << 50, 0.1},
	})
	// Keras' test_piecewise_values and test_boundary_values.
	check(t, "keras values", &PiecewiseConstantDecay{Boundaries: []int64{100, 110, 120}, Values: []float64{1.0, 0.1, 0.01, 0.001}}, []row{
		{-999, 1}, {100, 1}, {105, 0.1}, {110, 0.1}, {120, 0.01}, {999, 0.001},
	})
	check(t, "keras boundaries", &PiecewiseConstantDecay{Boundaries: []int64{1, 2, 3}, Values: []float64{0.4, 0.5, 0.6, 0.7}}, []row{
		{0, 0.4}, {1, 0.4}, {2, 0.5}, {3, 0.6}, {4, 0.7},
	})
	check(t, "one boundary", &PiecewiseConstantDecay{Boundaries: []int64{0}, Values: []float64{0.2, 0.1}}, []row{{0, 0.2}, {1, 0.1}})
}

func TestPolynomialDecay(t *testing.T) {
	// Keras' defaults (end 0.0001, power 1): (0.1 - 0.0001) * (1 - min(step, 10) / 10) + 0.0001.
	check(t, "linear", NewPolynomialDecay(0.1, 10), []row{
		{0, 0.1}, {1, 0.09001}, {5, 0.050050000000000004}, {9, 0.010089999999999998}, {10, 0.0001}, {11, 0.0001}, {100, 0.0001},
	})
	// (0.1 - 0.01) * (1 - min(step, 10) / 10) ** 0.5 + 0.01
	check(t, "sqrt", &PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 10, EndLearningRate: 0.01, Power: 0.5}, []row{
		{0, 0.1}, {1, 0.09538149682454625}, {5, 0.07363961030678928}, {10, 0.01}, {11, 0.01}, {21, 0.01},
	})
	// cycle: decay_steps * ceil(step / decay_steps), 1 at step 0; the rate reaches the end at each
	// multiple of decay_steps and jumps up at the next step.
	check(t, "cycle", &PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 10, EndLearningRate: 0.01, Power: 0.5, Cycle: true}, []row{
		{0, 0.1}, {1, 0.09538149682454625}, {5, 0.07363961030678928}, {10, 0.01}, {11, 0.07037383539249432},
		{15, 0.05500000000000001}, {20, 0.01}, {21, 0.05929503017546497}, {100, 0.01},
	})
	// Keras' tests: halfway, end, beyond the end, with and without cycle.
	lr, end := 0.05, 0.001
	check(t, "keras halfway", &PolynomialDecay{InitialLearningRate: lr, DecaySteps: 10, Power: 1}, []row{{5, lr * 0.5}})
	check(t, "keras linear", &PolynomialDecay{InitialLearningRate: lr, DecaySteps: 10, EndLearningRate: end, Power: 1},
		[]row{{10, end}, {5, (lr + end) * 0.5}, {15, end}})
	check(t, "keras cycle", &PolynomialDecay{InitialLearningRate: lr, DecaySteps: 10, EndLearningRate: end, Power: 1, Cycle: true},
		[]row{{15, (lr-end)*0.25 + end}})
	check(t, "keras sqrt cycle", &PolynomialDecay{InitialLearningRate: lr, DecaySteps: 10, EndLearningRate: end, Power: 0.5, Cycle: true},
		[]row{{15, (lr-end)*math.Pow(0.25, 0.5) + end}})
	p := NewPolynomialDecay(0.001, 10)
	p.Cycle = true
	check(t, "keras begin with cycle", p, []row{{0, 0.001}})
}

func TestInverseTimeDecay(t *testing.T) {
	// 0.1 / (1 + 0.5 * step / 10)
	check(t, "continuous", &InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5}, []row{
		{0, 0.1}, {1, 0.09523809523809523}, {5, 0.08}, {9, 0.06896551724137931}, {10, 0.06666666666666667},
		{11, 0.06451612903225806}, {25, 0.044444444444444446}, {100, 0.016666666666666666},
	})
	// 0.1 / (1 + 0.5 * floor(step / 10))
	check(t, "staircase", &InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5, Staircase: true}, []row{
		{0, 0.1}, {1, 0.1}, {5, 0.1}, {9, 0.1}, {10, 0.06666666666666667}, {11, 0.06666666666666667}, {25, 0.05}, {100, 0.016666666666666666},
	})
	// Keras' test_decay and test_staircase.
	var cont, stair []row
	for i := range int64(11) {
		cont = append(cont, row{i, 0.1 / (1 + float64(i)/10*0.96)})
		stair = append(stair, row{i, 0.1 / (1 + 0.96*float64(i/10))})
	}
	check(t, "keras decay", &InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.96}, cont)
	check(t, "keras staircase", &InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.96, Staircase: true}, stair)
}

func TestCosineDecay(t *testing.T) {
	// 0.1 * (0.5 * (1 + cos(pi * min(step, 1000) / 1000)))
	check(t, "alpha 0", &CosineDecay{InitialLearningRate: 0.1, DecaySteps: 1000}, []row{
		{0, 0.1}, {1, 0.09999975326009292}, {250, 0.08535533905932738}, {500, 0.05}, {750, 0.014644660940672627},
		{999, 2.467399070893439e-07}, {1000, 0}, {1001, 0}, {5000, 0},
	})
	// 0.1 * ((1 - 0.1) * 0.5 * (1 + cos(pi * min(step, 1000) / 1000)) + 0.1)
	check(t, "alpha 0.1", &CosineDecay{InitialLearningRate: 0.1, DecaySteps: 1000, Alpha: 0.1}, []row{
		{0, 0.1}, {1, 0.09999977793408363}, {250, 0.08681980515339464}, {500, 0.05500000000000001}, {750, 0.023180194846605367},
		{999, 0.010000222065916381}, {1000, 0.010000000000000002}, {1001, 0.010000000000000002}, {5000, 0.010000000000000002},
	})
	// Warmup from 0 to 0.1 over 10 steps, then a decay to 0.1 * 0.05 over 100:
	// step < 10: (0.1 - 0) * (step / 10) + 0; else 0.1 * (0.95 * 0.5 * (1 + cos(pi * (min(step, 110) - 10) / 100)) + 0.05).
	check(t, "warmup", &CosineDecay{InitialLearningRate: 0, DecaySteps: 100, Alpha: 0.05, WarmupTarget: new(0.1), WarmupSteps: 10}, []row{
		{0, 0}, {1, 0.010000000000000002}, {5, 0.05}, {9, 0.09000000000000001}, {10, 0.1}, {11, 0.09997656161737226},
		{60, 0.052500000000000005}, {109, 0.00502343838262775}, {110, 0.005000000000000001}, {111, 0.005000000000000001}, {1000, 0.005000000000000001},
	})
	// A warmup_target with no warmup steps: the decay starts at the target, not at 0.5.
	check(t, "warmup 0 steps", &CosineDecay{InitialLearningRate: 0.5, DecaySteps: 100, WarmupTarget: new(0.1)}, []row{
		{0, 0.1}, {1, 0.09997532801828658}, {50, 0.05}, {100, 0}, {101, 0},
	})
	// Keras' test_decay, test_alpha, test_warmup and test_warmup_decay.
	npCosine := func(step, decaySteps, alpha float64) float64 {
		step = min(step, decaySteps)
		decay := 0.5 * (1.0 + math.Cos(math.Pi*(step/decaySteps)))
		return (1.0-alpha)*decay + alpha
	}
	var decay, alpha, warm, warmDecay []row
	for step := int64(0); step < 1500; step += 250 {
		decay = append(decay, row{step, npCosine(float64(step), 1000, 0)})
		alpha = append(alpha, row{step, npCosine(float64(step), 1000, 0.1)})
		warm = append(warm, row{step, float64(step) / 1500 * 10})
	}
	for step := int64(0); step < 3000; step += 250 {
		if step < 2000+1 {
			warmDecay = append(warmDecay, row{step, float64(step) / 2000 * 10})
		} else {
			warmDecay = append(warmDecay, row{step, 10 * npCosine(float64(step-2000), 1000, 0)})
		}
	}
	check(t, "keras decay", &CosineDecay{InitialLearningRate: 1, DecaySteps: 1000}, decay)
	check(t, "keras alpha", &CosineDecay{InitialLearningRate: 1, DecaySteps: 1000, Alpha: 0.1}, alpha)
	check(t, "keras warmup", &CosineDecay{InitialLearningRate: 0, DecaySteps: 10, WarmupTarget: new(10.0), WarmupSteps: 1500}, warm)
	check(t, "keras warmup decay", &CosineDecay{InitialLearningRate: 0, DecaySteps: 1000, WarmupTarget: new(10.0), WarmupSteps: 2000}, warmDecay)
}

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		s    Validator
		want string // "" for valid; else every line of the error, joined with |
	}{
		{Constant(0), ""},
		{Constant(-1), "schedule: Constant: learning_rate must be a finite learning rate ≥ 0, got -1"},
		{Constant(nan), "schedule: Constant: learning_rate must be a finite learning rate ≥ 0, got NaN"},
		{&ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: 1.5}, ""},
		{&ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 0, DecayRate: 0.9}, "schedule: ExponentialDecay: decay_steps must be > 0 (a finite number of optimiser steps), got 0"},
		{&ExponentialDecay{InitialLearningRate: inf, DecaySteps: -3, DecayRate: 0},
			"schedule: ExponentialDecay: initial_learning_rate must be a finite learning rate ≥ 0, got +Inf|" +
				"schedule: ExponentialDecay: decay_steps must be > 0 (a finite number of optimiser steps), got -3|" +
				"schedule: ExponentialDecay: decay_rate must be finite and > 0, got 0"},
		{&PiecewiseConstantDecay{Boundaries: []int64{10, 20}, Values: []float64{1, 2}},
			"schedule: PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values; got boundaries=[10 20] of length 2, and values=[1 2] of length 2"},
		{&PiecewiseConstantDecay{Values: []float64{1}}, "schedule: PiecewiseConstantDecay: boundaries is empty; want at least one boundary (for a single value use a constant learning rate)"},
		{&PiecewiseConstantDecay{Boundaries: []int64{10, 10, 5}, Values: []float64{1, 2, -3, 4}},
			"schedule: PiecewiseConstantDecay: boundaries must be strictly increasing; boundaries[1]=10 follows boundaries[0]=10|" +
				"schedule: PiecewiseConstantDecay: values[2] must be a finite learning rate ≥ 0, got -3"},
		{&PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: 10, EndLearningRate: 0.2, Power: 0}, ""},
		{&PolynomialDecay{InitialLearningRate: 0.1, DecaySteps: nan, EndLearningRate: -1, Power: -0.5},
			"schedule: PolynomialDecay: decay_steps must be > 0 (a finite number of optimiser steps), got NaN|" +
				"schedule: PolynomialDecay: end_learning_rate must be a finite learning rate ≥ 0, got -1|" +
				"schedule: PolynomialDecay: power must be finite and ≥ 0, got -0.5"},
		{&InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 0.5, DecayRate: 0}, ""},
		{&InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 1, DecayRate: -0.5}, "schedule: InverseTimeDecay: decay_rate must be finite and ≥ 0, got -0.5"},
		{&CosineDecay{InitialLearningRate: 0.1, DecaySteps: 1, Alpha: 2}, ""},
		{&CosineDecay{InitialLearningRate: 0.1, DecaySteps: 0, Alpha: -0.1, WarmupSteps: 5},
			"schedule: CosineDecay: decay_steps must be > 0 (a finite number of optimiser steps), got 0|" +
				"schedule: CosineDecay: alpha must be finite and ≥ 0, got -0.1|" +
				"schedule: CosineDecay: warmup_steps=5 without warmup_target does nothing (Keras skips the warmup when warmup_target is None); set warmup_target, the rate to reach at the end of the warmup"},
		{&CosineDecay{InitialLearningRate: 0.1, DecaySteps: 10, WarmupTarget: new(-1.0), WarmupSteps: -1},
			"schedule: CosineDecay: warmup_steps must be finite and ≥ 0, got -1|" +
				"schedule: CosineDecay: warmup_target must be a finite learning rate ≥ 0, got -1"},
	} {
		err := tc.s.Validate()
		got := ""
		if err != nil {
			got = strings.ReplaceAll(err.Error(), "\n", "|")
		}
		if got != tc.want {
			t.Errorf("%#v: Validate() = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestRateAllocatesNothing(t *testing.T) {
	for _, s := range []Schedule{
		Constant(0.1),
		&ExponentialDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.9, Staircase: true},
		&PiecewiseConstantDecay{Boundaries: []int64{10, 20}, Values: []float64{1, 2, 3}},
		NewPolynomialDecay(0.1, 10),
		&InverseTimeDecay{InitialLearningRate: 0.1, DecaySteps: 10, DecayRate: 0.5},
		&CosineDecay{InitialLearningRate: 0, DecaySteps: 100, WarmupTarget: new(0.1), WarmupSteps: 10},
	} {
		step := int64(0)
		if n := testing.AllocsPerRun(100, func() { _ = s.Rate(step); step++ }); n != 0 {
			t.Errorf("%T.Rate allocates %v times", s, n)
		}
	}
}

// TestKerasFitWithSchedule reproduces Keras' TestFitLRSchedulesFlow.test_fit_lr_correctness
// (learning_rate_schedule_test.py): Dense(2) with ones for kernel and bias, Adam on
// ExponentialDecay(0.05, decay_steps=1, decay_rate=0.9), mse, x = y = arange(32) as 16 rows of 2,
// 3 epochs of batches of 4 without shuffling. Keras asserts 12 iterations and the epochs' mean
// losses below to rtol 5e-5. Here in float64 (Keras: float32) with Keras 3's Adam
// (adam.py: alpha = lr·√(1-β2^t)/(1-β1^t), t = iterations+1; m += (g-m)(1-β1); v += (g²-v)(1-β2);
// w -= m·alpha/(√v+ε)). The first update must use Rate(0): with Rate(step+1) the losses are
// 242.17, 146.14, 98.00.
func TestKerasFitWithSchedule(t *testing.T) {
	want := []float64{230.79457092285156, 128.30319213867188, 79.33648681640625}
	s := &ExponentialDecay{InitialLearningRate: 0.05, DecaySteps: 1, DecayRate: 0.9}
	const beta1, beta2, eps = 0.9, 0.999, 1e-7
	w := []float64{1, 1, 1, 1, 1, 1} // kernel[0][0], kernel[0][1], kernel[1][0], kernel[1][1], bias[0], bias[1]
	m, v := make([]float64, 6), make([]float64, 6)
	var iterations int64
	for epoch := range 3 {
		var sum float64
		for batch := range 4 {
			g := make([]float64, 6)
			loss := 0.0
			for r := batch * 4; r < batch*4+4; r++ {
				x := [2]float64{float64(2 * r), float64(2*r + 1)}
				for o := range 2 {
					e := w[o]*x[0] + w[2+o]*x[1] + w[4+o] - x[o] // y = x
					loss += e * e / 8                            // mean over 2 outputs and 4 rows
					d := 2 * e / 8
					g[o] += d * x[0]
					g[2+o] += d * x[1]
					g[4+o] += d
				}
			}
			sum += loss
			lr := s.Rate(iterations)
			step := float64(iterations + 1)
			alpha := lr * math.Sqrt(1-math.Pow(beta2, step)) / (1 - math.Pow(beta1, step))
			for k := range w {
				m[k] += (g[k] - m[k]) * (1 - beta1)
				v[k] += (g[k]*g[k] - v[k]) * (1 - beta2)
				w[k] -= m[k] * alpha / (math.Sqrt(v[k]) + eps)
			}
			iterations++
		}
		if got := sum / 4; math.Abs(got-want[epoch]) > 5e-5*math.Abs(want[epoch]) {
			t.Errorf("epoch %d: loss %v, Keras %v", epoch, got, want[epoch])
		}
	}
	if iterations != 12 {
		t.Errorf("%d iterations, Keras 12", iterations)
	}
}
