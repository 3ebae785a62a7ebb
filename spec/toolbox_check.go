package spec

import (
	"math"
	"slices"
	"strings"
)

// Validation of the training toolbox: optimiser options, schedules, callbacks, class weights.

// checkRegularizer checks a regularizer's factors.
func (r *reader) checkRegularizer(path string, g Regularizer) {
	for _, c := range []struct {
		key string
		v   float64
	}{{"l1", g.L1}, {"l2", g.L2}} {
		r.floatIn(join(path, c.key), c.v, c.v >= 0 && c.v <= 1e3, ">= 0 and <= 1000")
	}
}

// checkToolbox checks what ties the toolbox to the rest of the spec.
func (r *reader) checkToolbox(m *Model) {
	const opt = "compile.optimizer."
	o := m.Compile.Optimizer
	r.floatIn(opt+"rho", o.Rho, o.Rho >= 0 && o.Rho < 1, ">= 0 and < 1")
	r.floatIn(opt+"initial_accumulator_value", o.InitialAccumulator, o.InitialAccumulator >= 0, ">= 0")
	r.floatIn(opt+"weight_decay", o.WeightDecay, o.WeightDecay >= 0 && o.WeightDecay < 1, ">= 0 and < 1")
	clips := 0
	for _, key := range []string{"clipnorm", "global_clipnorm", "clipvalue"} {
		v := map[string]float64{"clipnorm": o.ClipNorm, "global_clipnorm": o.GlobalClipNorm, "clipvalue": o.ClipValue}[key]
		r.floatIn(opt+key, v, v > 0, "> 0")
		if r.has(opt + key) {
			clips++
			if clips == 2 {
				r.add(r.at(opt+key), "%s: a second way of clipping; allowed: one of clipnorm, global_clipnorm and clipvalue, as in Keras", label(opt+key))
			}
		}
	}
	if s := o.Schedule; s != nil {
		r.checkSchedule(opt+"learning_rate", *s)
	}
	r.checkCallbacks(m)
	if c := m.Fit.Checkpoint; c != nil {
		if r.has("fit.checkpoint.path") {
			if msg := checkText(c.Path); msg != "" {
				r.add(r.at("fit.checkpoint.path"), "fit.checkpoint.path: %s; allowed: a file, relative to the folder training runs in, or absolute", msg)
			}
		}
		r.intIn("fit.checkpoint.every", c.Every, 1, maxEpochs)
	}
	r.checkClassWeights(m)
}

// checkSchedule checks a learning-rate schedule's parameters.
func (r *reader) checkSchedule(path string, s Schedule) {
	at := func(key string) string { return join(path, key) }
	r.floatIn(at("initial_learning_rate"), s.InitialLearningRate, s.InitialLearningRate > 0 && s.InitialLearningRate <= maxLearnRate, "> 0 and <= 10")
	r.floatIn(at("decay_steps"), s.DecaySteps, s.DecaySteps > 0, "> 0")
	switch s.Type {
	case "exponential_decay":
		r.floatIn(at("decay_rate"), s.DecayRate, s.DecayRate > 0, "> 0")
	case "inverse_time_decay":
		r.floatIn(at("decay_rate"), s.DecayRate, s.DecayRate >= 0, ">= 0")
	}
	r.floatIn(at("end_learning_rate"), s.EndLearningRate, s.EndLearningRate >= 0, ">= 0")
	r.floatIn(at("power"), s.Power, s.Power >= 0, ">= 0")
	r.floatIn(at("alpha"), s.Alpha, s.Alpha >= 0 && s.Alpha <= 1, ">= 0 and <= 1")
	r.floatIn(at("warmup_steps"), s.WarmupSteps, s.WarmupSteps >= 0, ">= 0")
	if s.WarmupTarget != nil {
		r.floatIn(at("warmup_target"), *s.WarmupTarget, *s.WarmupTarget > 0 && *s.WarmupTarget <= maxLearnRate, "> 0 and <= 10")
	} else if r.has(at("warmup_steps")) && s.WarmupSteps > 0 {
		r.add(r.at(at("warmup_steps")), "%s: warmup without warmup_target (Keras would ignore it); allowed: warmup_steps together with warmup_target", label(at("warmup_steps")))
	}
	if s.Type != "piecewise_constant_decay" || !r.ok(at("boundaries")) || !r.ok(at("values")) {
		return
	}
	for i, b := range s.Boundaries {
		if b < 0 || i > 0 && b <= s.Boundaries[i-1] {
			steps := make([]int, len(s.Boundaries))
			for i, b := range s.Boundaries {
				steps[i] = int(b)
			}
			r.add(r.at(at("boundaries")), "%s: %s does not increase from 0; allowed: increasing step counts such as [1000, 2000]", label(at("boundaries")), shape(steps))
			break
		}
	}
	for i, v := range s.Values {
		r.floatIn(item(at("values"), i+1), v, v > 0 && v <= maxLearnRate, "> 0 and <= 10")
	}
	if len(s.Boundaries) == 0 || len(s.Values) != len(s.Boundaries)+1 {
		r.add(r.at(at("values")), "%s: %d values for %d boundaries; want one value more than boundaries (the rate before the first, between each, after the last)", label(at("values")), len(s.Values), len(s.Boundaries))
	}
}

// checkCallbacks checks each callback's values and that its monitor is a value the training logs.
func (r *reader) checkCallbacks(m *Model) {
	logged := []string{"loss"}
	for _, name := range m.Compile.Metrics {
		logged = append(logged, name)
	}
	withVal := slices.Clone(logged)
	for _, name := range logged {
		withVal = append(withVal, "val_"+name)
	}
	for i, c := range m.Fit.Callbacks {
		p := item("fit.callbacks", i+1)
		at := func(key string) string { return join(p, key) }
		if !r.ok(at("type")) || !slices.Contains(callbacks, c.Type) {
			continue
		}
		if r.has(at("monitor")) {
			switch {
			case !slices.Contains(withVal, c.Monitor):
				r.add(r.at(at("monitor")), "%s: %s is not logged%s; allowed: %s", label(at("monitor")), quote(c.Monitor), didYouMean(c.Monitor, withVal), strings.Join(withVal, ", "))
			}
		}
		if strings.HasPrefix(c.Monitor, "val_") && c.Type != "terminate_on_nan" && m.Fit.ValidationSplit == 0 && r.ok("fit.validation_split") {
			r.add(r.at(at("monitor")), "%s: %s needs a validation set, and fit.validation_split is 0; allowed: a fit.validation_split above 0, or monitor: %s", label(at("monitor")), c.Monitor, strings.TrimPrefix(c.Monitor, "val_"))
		}
		r.oneOf(at("mode"), "mode", c.Mode, modes)
		r.floatIn(at("min_delta"), c.MinDelta, c.MinDelta >= 0, ">= 0")
		r.intIn(at("patience"), c.Patience, 0, maxEpochs)
		r.intIn(at("cooldown"), c.Cooldown, 0, maxEpochs)
		r.intIn(at("start_from_epoch"), c.StartFromEpoch, 0, maxEpochs)
		r.intIn(at("verbose"), c.Verbose, 0, 2)
		r.floatIn(at("factor"), c.Factor, c.Factor > 0 && c.Factor < 1, "> 0 and < 1")
		r.floatIn(at("min_lr"), c.MinLR, c.MinLR >= 0, ">= 0")
		if c.Baseline != nil {
			r.floatIn(at("baseline"), *c.Baseline, !math.IsInf(*c.Baseline, 0), "a finite number")
		}
		if r.has(at("filepath")) {
			if msg := checkText(c.Filepath); msg != "" {
				r.add(r.at(at("filepath")), "%s: %s; allowed: a file, relative to the folder training runs in, or absolute", label(at("filepath")), msg)
			}
		}
		if c.Type == "reduce_lr_on_plateau" && m.Compile.Optimizer.Schedule != nil {
			r.add(c.Pos, "%s: reduce_lr_on_plateau sets the learning rate, which compile.optimizer.learning_rate's schedule sets already; allowed: one of them (Keras refuses both)", label(p))
		}
	}
}

// checkClassWeights checks fit.class_weight: a classifier's, keyed by indexes of its classes or,
// for CSV labels, by names (which the trainer looks up in the data).
func (r *reader) checkClassWeights(m *Model) {
	const path = "fit.class_weight"
	if !r.has(path) {
		return
	}
	if r.has("compile.loss") && slices.Contains(losses, m.Compile.Loss) && !m.Compile.Classifies() {
		r.add(r.at(path), "fit.class_weight: compile.loss %s regresses; allowed: class weights only with a cross-entropy loss", m.Compile.Loss)
		return
	}
	classes := 0
	if n := len(m.Layers); n > 0 && m.Layers[n-1].Dense() && m.Layers[n-1].Units >= 1 {
		classes = max(m.Layers[n-1].Units, 2)
	}
	for _, w := range m.Fit.ClassWeight {
		switch {
		case w.Class.Name == "" && (w.Class.Index < 0 || classes > 0 && w.Class.Index >= classes):
			r.add(w.Class.Pos, "%s: class %d is not one of the network's %d classes; allowed: 0 to %d", path, w.Class.Index, classes, classes-1)
		case w.Class.Name != "" && r.ok("data.source") && m.Data.Source != "csv":
			r.add(w.Class.Pos, "%s: the class name %s needs named classes, and data source %s numbers them; allowed: class indexes", path, quote(w.Class.Name), m.Data.Source)
		}
	}
}
