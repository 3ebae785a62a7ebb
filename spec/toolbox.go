package spec

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Decoding of Keras' training toolbox: regularizers, learning-rate schedules, callbacks and class
// weights. Ranges and the rules that tie them to the rest of the spec are in toolbox_check.go.

// regularizer reads {l1: x}, {l2: y} or {l1: x, l2: y}.
func (r *reader) regularizer(path string, n *yaml.Node) Regularizer {
	var g Regularizer
	f := r.fields(n, path, regularizerKeys)
	if f != nil && len(n.Content) == 0 && r.ok(path) {
		r.add(posOf(n), "%s: an empty mapping; want {l1: 0.01}, {l2: 0.01} or {l1: 0.01, l2: 0.01}", label(path))
	}
	for key, v := range f {
		switch key {
		case "l1":
			g.L1, _ = r.number(join(path, key), v.val)
		case "l2":
			g.L2, _ = r.number(join(path, key), v.val)
		}
	}
	return g
}

// typed reads the type of a mapping whose keys depend on it, reporting an unknown key against
// that type's keys; it returns the fields, the type ("" when missing or unreadable) and whether
// the type is one of types.
func (r *reader) typed(path, what string, n *yaml.Node, types []string, keysOf map[string][]string, all []string) (map[string]field, string, bool) {
	allowed := all
	if keys, ok := keysOf[peek(n, "type")]; ok {
		allowed = keys
	}
	f := r.fields(n, path, allowed)
	if f == nil {
		return nil, "", false
	}
	v, ok := f["type"]
	if !ok {
		r.missing(path, n, "type", strings.Join(types, ", "))
		return f, "", false
	}
	t, ok := r.str(join(path, "type"), v.val)
	if !ok {
		return f, "", false
	}
	r.oneOf(join(path, "type"), what, t, types)
	return f, t, slices.Contains(types, t)
}

// schedule reads a learning_rate schedule mapping.
func (r *reader) schedule(path string, n *yaml.Node) *Schedule {
	f, t, known := r.typed(path, "schedule", n, schedules, scheduleKeys, allScheduleKeys)
	if !known {
		return nil
	}
	s := defaultSchedule(t)
	for key, v := range f {
		p := join(path, key)
		switch key {
		case "initial_learning_rate":
			s.InitialLearningRate, _ = r.number(p, v.val)
		case "decay_steps":
			s.DecaySteps, _ = r.number(p, v.val)
		case "decay_rate":
			s.DecayRate, _ = r.number(p, v.val)
		case "staircase":
			s.Staircase, _ = r.boolean(p, v.val)
		case "end_learning_rate":
			s.EndLearningRate, _ = r.number(p, v.val)
		case "power":
			s.Power, _ = r.number(p, v.val)
		case "cycle":
			s.Cycle, _ = r.boolean(p, v.val)
		case "alpha":
			s.Alpha, _ = r.number(p, v.val)
		case "warmup_target":
			if w, ok := r.number(p, v.val); ok {
				s.WarmupTarget = &w
			}
		case "warmup_steps":
			s.WarmupSteps, _ = r.number(p, v.val)
		case "boundaries":
			items, _ := r.list(v.val, p, "a list of step counts such as [1000, 2000]")
			for i, it := range items {
				if it = r.deref(it); it != nil {
					b, _ := r.integer(item(p, i+1), it)
					s.Boundaries = append(s.Boundaries, int64(b))
				}
			}
		case "values":
			items, _ := r.list(v.val, p, "a list of learning rates such as [0.01, 0.005, 0.001]")
			for i, it := range items {
				if it = r.deref(it); it != nil {
					x, _ := r.number(item(p, i+1), it)
					s.Values = append(s.Values, x)
				}
			}
		}
	}
	required := map[string][]string{
		"exponential_decay":        {"initial_learning_rate", "decay_steps", "decay_rate"},
		"piecewise_constant_decay": {"boundaries", "values"},
		"inverse_time_decay":       {"initial_learning_rate", "decay_steps", "decay_rate"},
		"polynomial_decay":         {"initial_learning_rate", "decay_steps"},
		"cosine_decay":             {"initial_learning_rate", "decay_steps"},
	}
	for _, key := range required[t] {
		if _, ok := f[key]; !ok {
			r.missing(path, n, key, "a value (Keras' "+t+" has no default for it)")
		}
	}
	return &s
}

// callbacks reads fit.callbacks, a list of callback mappings.
func (r *reader) callbacks(path string, n *yaml.Node) []Callback {
	items, ok := r.list(n, path, "a list of callbacks such as [{type: early_stopping, patience: 3}]")
	if !ok {
		return nil
	}
	var cs []Callback
	for i, it := range items {
		p := item(path, i+1)
		c := Callback{Pos: posOf(it)}
		if it = r.deref(it); it == nil {
			r.bad[p] = true
			cs = append(cs, c)
			continue
		}
		f, t, known := r.typed(p, "callback", it, callbacks, callbackKeys, allCallbackKeys)
		if known {
			c = defaultCallback(t)
			c.Pos = posOf(it)
		}
		for key, v := range f {
			q := join(p, key)
			switch key {
			case "monitor":
				c.Monitor, _ = r.str(q, v.val)
			case "mode":
				c.Mode, _ = r.str(q, v.val)
			case "filepath":
				c.Filepath, _ = r.str(q, v.val)
			case "min_delta":
				c.MinDelta, _ = r.number(q, v.val)
			case "factor":
				c.Factor, _ = r.number(q, v.val)
			case "min_lr":
				c.MinLR, _ = r.number(q, v.val)
			case "baseline":
				if b, ok := r.number(q, v.val); ok {
					c.Baseline = &b
				}
			case "patience":
				c.Patience, _ = r.integer(q, v.val)
			case "cooldown":
				c.Cooldown, _ = r.integer(q, v.val)
			case "start_from_epoch":
				c.StartFromEpoch, _ = r.integer(q, v.val)
			case "verbose":
				c.Verbose, _ = r.integer(q, v.val)
			case "restore_best_weights":
				c.RestoreBestWeights, _ = r.boolean(q, v.val)
			case "save_best_only":
				c.SaveBestOnly, _ = r.boolean(q, v.val)
			}
		}
		if t == "model_checkpoint" {
			if _, ok := f["filepath"]; !ok {
				r.missing(p, it, "filepath", "the file to save the weights to, such as best.weights or epoch{epoch:02d}.weights")
			}
		}
		cs = append(cs, c)
	}
	return cs
}

// classWeights reads fit.class_weight: a mapping from class (a name, or an index) to weight.
func (r *reader) classWeights(path string, n *yaml.Node) []ClassWeight {
	r.pos[path] = posOf(n)
	if n.Kind != yaml.MappingNode {
		r.fail(path, n, "a mapping from class to weight, such as {0: 1.0, 1: 5.0} or {democrat: 1.0, republican: 2.0}")
		return nil
	}
	var ws []ClassWeight
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := r.deref(n.Content[i]), r.deref(n.Content[i+1])
		if k == nil || v == nil {
			continue
		}
		c, ok := r.column(item(path, i/2+1), k, "a class name or index")
		if !ok {
			continue
		}
		for _, prev := range ws {
			if prev.Class.Name == c.Name && prev.Class.Index == c.Index {
				r.add(posOf(k), "%s: class %s is given twice; allowed: each class once", label(path), c)
			}
		}
		w, ok := r.number(item(path, i/2+1), v)
		if ok && !(w >= 0 && w <= 1e6) {
			r.add(posOf(v), "%s: the weight %s of class %s is out of range; allowed: >= 0 and <= 1e6", label(path), ftoa(w), c)
		}
		ws = append(ws, ClassWeight{Class: c, Weight: w})
	}
	return ws
}

// checkpointKeys are the keys of fit.checkpoint.
var checkpointKeys = []string{"path", "every"}

// checkpoint reads fit.checkpoint: {path: FILE, every: N}.
func (r *reader) checkpoint(path string, n *yaml.Node) *Checkpoint {
	c := &Checkpoint{Every: 1}
	f := r.fields(n, path, checkpointKeys)
	if f == nil {
		return nil
	}
	for key, v := range f {
		p := join(path, key)
		switch key {
		case "path":
			c.Path, _ = r.str(p, v.val)
		case "every":
			c.Every, _ = r.integer(p, v.val)
		}
	}
	if _, ok := f["path"]; !ok {
		r.add(posOf(n), "%s: path is missing; want the file to keep the checkpoint in, such as {path: run.ckpt}", label(path))
	}
	return c
}
