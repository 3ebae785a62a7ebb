package spec

import "testing"

// TestParseToolboxBad checks the exact messages for mistakes in dropout and activation layers,
// regularizers, optimiser options, schedules and callbacks (on csvBase, lines from 1).
func TestParseToolboxBad(t *testing.T) {
	const val = "fit: {epochs: 1, batch_size: 8, validation_split: 0.2, callbacks: "
	const adam = "compile: {optimizer: {type: adam, learning_rate: "
	for _, tc := range []struct {
		name  string
		edits map[int]string
		want  string
	}{
		{"dropout without rate", map[int]string{5: "  - {type: dropout}"},
			`t.yaml:5:5: missing key "rate" in layer 2; want the fraction of inputs dropped while training, such as 0.2`},
		{"dropout rate 1", map[int]string{5: "  - {type: dropout, rate: 1}"},
			`t.yaml:5:27: layer 2 rate: 1 is out of range; allowed: >= 0 and < 1`},
		{"activation layer without activation", map[int]string{5: "  - {type: activation}"},
			`t.yaml:5:5: missing key "activation" in layer 2; want linear, relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus, selu, softmax`},
		{"dropout last", map[int]string{6: "  - {type: dropout, rate: 0.5}"},
			`t.yaml:6:5: layer 3: the last layer is a dropout layer; allowed: a dense layer last (dropout goes before it)`},
		{"activation last", map[int]string{6: "  - {type: activation, activation: sigmoid}"},
			`t.yaml:6:5: layer 3: the last layer is an activation layer; allowed: a dense layer last, with the activation on it (activation: sigmoid)`},
		{"checkpoint without path", map[int]string{8: "fit: {epochs: 1, batch_size: 8, checkpoint: {every: 2}}"},
			`t.yaml:8:45: fit.checkpoint: path is missing; want the file to keep the checkpoint in, such as {path: run.ckpt}`},
		{"checkpoint every 0", map[int]string{8: "fit: {epochs: 1, batch_size: 8, checkpoint: {path: a.ckpt, every: 0}}"},
			`t.yaml:8:67: fit.checkpoint.every: 0 is out of range; allowed: 1 to 100000`},
		{"checkpoint path with a newline", map[int]string{8: `fit: {epochs: 1, batch_size: 8, checkpoint: {path: "a\nb"}}`},
			`t.yaml:8:52: fit.checkpoint.path: "a\nb" holds the control character U+000A; allowed: a file, relative to the folder training runs in, or absolute`},
		{"checkpoint a string", map[int]string{8: "fit: {epochs: 1, batch_size: 8, checkpoint: a.ckpt}"},
			`t.yaml:8:45: fit.checkpoint: want a mapping (keys: path, every), got "a.ckpt"`},
		{"class_weight a list", map[int]string{8: "fit: {epochs: 1, batch_size: 8, class_weight: [1, 2]}"},
			`t.yaml:8:47: fit.class_weight: want a mapping from class to weight, such as {0: 1.0, 1: 5.0} or {democrat: 1.0, republican: 2.0}, got a list`},
		{"class_weight index", map[int]string{8: "fit: {epochs: 1, batch_size: 8, class_weight: {0: 1, 2: 3}}"},
			`t.yaml:8:54: fit.class_weight: class 2 is not one of the network's 2 classes; allowed: 0 to 1`},
		{"class_weight negative", map[int]string{8: "fit: {epochs: 1, batch_size: 8, class_weight: {0: -1}}"},
			`t.yaml:8:51: fit.class_weight: the weight -1 of class 0 is out of range; allowed: >= 0 and <= 1e6`},
		{"class_weight twice", map[int]string{8: "fit: {epochs: 1, batch_size: 8, class_weight: {democrat: 1, democrat: 2}}"},
			`t.yaml:8:61: fit.class_weight: class "democrat" is given twice; allowed: each class once`},
		{"class_weight on regression", map[int]string{6: "  - {type: dense, units: 1}", 7: "compile: {optimizer: adam, loss: mean_squared_error}", 8: "fit: {epochs: 1, batch_size: 8, class_weight: {0: 1}}"},
			`t.yaml:8:47: fit.class_weight: compile.loss mean_squared_error regresses; allowed: class weights only with a cross-entropy loss`},
		{"normalization after dropout", map[int]string{4: "  - {type: dropout, rate: 0.1}\n  - {type: normalization}"},
			`t.yaml:5:5: layer 2: a normalization after a dropout layer; allowed: only rescaling layers before a normalization, which is adapted to the raw features through them`},
		{"batch normalization momentum", map[int]string{5: "  - {type: batch_normalization, momentum: 1}"},
			`t.yaml:5:43: layer 2 momentum: 1 is out of range; allowed: >= 0 and < 1`},
		{"batch normalization scale", map[int]string{5: "  - {type: batch_normalization, scale: 0.5}"},
			`t.yaml:5:40: layer 2 scale: want true or false, got 0.5`},
		{"batch normalization last", map[int]string{6: "  - {type: batch_normalization}"},
			`t.yaml:6:5: layer 3: the last layer is a batch_normalization layer; allowed: a dense layer last`},
		{"regularizer key", map[int]string{5: "  - {type: dense, units: 8, activation: relu, kernel_regularizer: {l3: 1}}"},
			`t.yaml:5:68: unknown key "l3" in layer 2 kernel_regularizer (did you mean "l1"?); allowed: l1, l2`},
		{"empty regularizer", map[int]string{5: "  - {type: dense, units: 8, activation: relu, kernel_regularizer: {}}"},
			`t.yaml:5:67: layer 2 kernel_regularizer: an empty mapping; want {l1: 0.01}, {l2: 0.01} or {l1: 0.01, l2: 0.01}`},
		{"negative regularizer", map[int]string{5: "  - {type: dense, units: 8, activation: relu, kernel_regularizer: {l2: -1}}"},
			`t.yaml:5:72: layer 2 kernel_regularizer.l2: -1 is out of range; allowed: >= 0 and <= 1000`},
		{"bias regularizer without bias", map[int]string{5: "  - {type: dense, units: 8, use_bias: false, bias_regularizer: {l2: 0.1}}"},
			`t.yaml:5:64: layer 2 bias_regularizer: the layer has no bias (use_bias: false); allowed: a bias_regularizer only with a bias`},
		{"regularizer by name", map[int]string{5: "  - {type: dense, units: 8, activation: relu, kernel_regularizer: l2}"},
			`t.yaml:5:67: layer 2 kernel_regularizer: want a mapping (keys: l1, l2), got "l2"`},
		{"rho range", map[int]string{7: "compile: {optimizer: {type: rmsprop, rho: 1.5}, loss: binary_crossentropy}"},
			`t.yaml:7:43: compile.optimizer.rho: 1.5 is out of range; allowed: >= 0 and < 1`},
		{"two clippings", map[int]string{7: "compile: {optimizer: {type: adam, clipnorm: 1, clipvalue: 0.5}, loss: binary_crossentropy}"},
			`t.yaml:7:59: compile.optimizer.clipvalue: a second way of clipping; allowed: one of clipnorm, global_clipnorm and clipvalue, as in Keras`},
		{"clipnorm 0", map[int]string{7: "compile: {optimizer: {type: adam, clipnorm: 0}, loss: binary_crossentropy}"},
			`t.yaml:7:45: compile.optimizer.clipnorm: 0 is out of range; allowed: > 0`},
		{"another optimizer's key", map[int]string{7: "compile: {optimizer: {type: adagrad, rho: 0.9}, loss: binary_crossentropy}"},
			`t.yaml:7:38: unknown key "rho" in compile.optimizer: adagrad has no rho (it is an option of rmsprop); allowed: type, learning_rate, initial_accumulator_value, epsilon, weight_decay, clipnorm, global_clipnorm, clipvalue`},
		{"decay_steps 0", map[int]string{7: adam + "{type: exponential_decay, initial_learning_rate: 0.01, decay_steps: 0, decay_rate: 0.9}}, loss: binary_crossentropy}"},
			`t.yaml:7:118: compile.optimizer.learning_rate.decay_steps: 0 is out of range; allowed: > 0`},
		{"schedule missing keys", map[int]string{7: adam + "{type: exponential_decay, initial_learning_rate: 0.01}}, loss: binary_crossentropy}"},
			"t.yaml:7:50: missing key \"decay_steps\" in compile.optimizer.learning_rate; want a value (Keras' exponential_decay has no default for it)\n" +
				"t.yaml:7:50: missing key \"decay_rate\" in compile.optimizer.learning_rate; want a value (Keras' exponential_decay has no default for it)"},
		{"boundaries", map[int]string{7: adam + "{type: piecewise_constant_decay, boundaries: [10, 5], values: [0.1, 0.01]}}, loss: binary_crossentropy}"},
			"t.yaml:7:95: compile.optimizer.learning_rate.boundaries: [10, 5] does not increase from 0; allowed: increasing step counts such as [1000, 2000]\n" +
				"t.yaml:7:112: compile.optimizer.learning_rate.values: 2 values for 2 boundaries; want one value more than boundaries (the rate before the first, between each, after the last)"},
		{"warmup without target", map[int]string{7: adam + "{type: cosine_decay, initial_learning_rate: 0.1, decay_steps: 100, warmup_steps: 10}}, loss: binary_crossentropy}"},
			`t.yaml:7:131: compile.optimizer.learning_rate.warmup_steps: warmup without warmup_target (Keras would ignore it); allowed: warmup_steps together with warmup_target`},
		{"unknown schedule", map[int]string{7: adam + "{type: step_decay}}, loss: binary_crossentropy}"},
			`t.yaml:7:57: compile.optimizer.learning_rate.type: unknown schedule "step_decay"; allowed: exponential_decay, piecewise_constant_decay, inverse_time_decay, polynomial_decay, cosine_decay`},
		{"another schedule's key", map[int]string{7: adam + "{type: polynomial_decay, initial_learning_rate: 0.1, decay_steps: 100, alpha: 0.5}}, loss: binary_crossentropy}"},
			`t.yaml:7:121: unknown key "alpha" in compile.optimizer.learning_rate; allowed: type, initial_learning_rate, decay_steps, end_learning_rate, power, cycle`},
		{"val_loss without validation", map[int]string{8: "fit: {epochs: 1, batch_size: 8, callbacks: [{type: early_stopping}]}"},
			`t.yaml:8:45: fit.callbacks item 1 monitor: val_loss needs a validation set, and fit.validation_split is 0; allowed: a fit.validation_split above 0, or monitor: loss`},
		{"unlogged monitor", map[int]string{8: val + "[{type: early_stopping, monitor: val_acc}]}"},
			`t.yaml:8:100: fit.callbacks item 1 monitor: "val_acc" is not logged; allowed: loss, accuracy, val_loss, val_accuracy`},
		{"patience and mode", map[int]string{8: val + "[{type: early_stopping, patience: -1, mode: best}]}"},
			"t.yaml:8:101: fit.callbacks item 1 patience: -1 is out of range; allowed: 0 to 100000\n" +
				`t.yaml:8:111: fit.callbacks item 1 mode: unknown mode "best"; allowed: auto, min, max`},
		{"factor", map[int]string{8: val + "[{type: reduce_lr_on_plateau, factor: 2}]}"},
			`t.yaml:8:105: fit.callbacks item 1 factor: 2 is out of range; allowed: > 0 and < 1`},
		{"checkpoint without filepath", map[int]string{8: val + "[{type: model_checkpoint}]}"},
			`t.yaml:8:68: missing key "filepath" in fit.callbacks item 1; want the file to save the weights to, such as best.weights or epoch{epoch:02d}.weights`},
		{"unknown callback", map[int]string{8: val + "[{type: tensorboard}]}"},
			`t.yaml:8:75: fit.callbacks item 1 type: unknown callback "tensorboard"; allowed: early_stopping, reduce_lr_on_plateau, model_checkpoint, terminate_on_nan`},
		{"terminate_on_nan key", map[int]string{8: val + "[{type: terminate_on_nan, patience: 3}]}"},
			`t.yaml:8:93: unknown key "patience" in fit.callbacks item 1; allowed: type`},
		{"callbacks not a list", map[int]string{8: val + "{type: early_stopping}}"},
			`t.yaml:8:67: fit.callbacks: want a list of callbacks such as [{type: early_stopping, patience: 3}], got a mapping`},
		{"reduce_lr with a schedule", map[int]string{7: adam + "{type: cosine_decay, initial_learning_rate: 0.1, decay_steps: 100}}, loss: binary_crossentropy}", 8: val + "[{type: reduce_lr_on_plateau}]}"},
			`t.yaml:8:68: fit.callbacks item 1: reduce_lr_on_plateau sets the learning rate, which compile.optimizer.learning_rate's schedule sets already; allowed: one of them (Keras refuses both)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(csvEdit(tc.edits)))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestParseToolboxGood checks what a spec with every part of the toolbox reads as.
func TestParseToolboxGood(t *testing.T) {
	m, err := Parse("t.yaml", []byte(editLines(csvBase, map[int]string{
		4: "  - {type: dropout, rate: 0.1}\n  - {type: dense, units: 8, activation: gelu, kernel_regularizer: {l1: 0.001, l2: 0.01}, bias_regularizer: {l2: 0.1}}\n  - {type: activation, activation: selu}",
		5: "",
		7: "compile: {optimizer: {type: adamw, learning_rate: {type: cosine_decay, initial_learning_rate: 0.1, decay_steps: 100, warmup_target: 0.2, warmup_steps: 10}, global_clipnorm: 1}, loss: binary_crossentropy, metrics: [accuracy]}",
		8: "fit: {epochs: 1, batch_size: 8, validation_split: 0.2, callbacks: [{type: early_stopping, monitor: val_accuracy, baseline: 0.5, restore_best_weights: true}, {type: model_checkpoint, filepath: \"best-{epoch:02d}.weights\"}, {type: terminate_on_nan}]}",
	})))
	if err != nil {
		t.Fatal(err)
	}
	l := m.Layers
	if l[0].Type != "dropout" || l[0].Rate != 0.1 || l[1].KernelRegularizer != (Regularizer{0.001, 0.01}) || l[1].BiasRegularizer != (Regularizer{0, 0.1}) ||
		l[2].Type != "activation" || l[2].Activation != "selu" {
		t.Errorf("layers %+v", l)
	}
	o := m.Compile.Optimizer
	if o.Type != "adamw" || o.WeightDecay != 0.004 || o.GlobalClipNorm != 1 || o.Beta1 != 0.9 || o.Epsilon != 1e-7 ||
		o.Schedule == nil || o.Schedule.Type != "cosine_decay" || o.Schedule.DecaySteps != 100 || o.Schedule.WarmupTarget == nil ||
		*o.Schedule.WarmupTarget != 0.2 || o.LearningRate != 0.1 {
		t.Errorf("optimizer %+v, schedule %+v", o, o.Schedule)
	}
	cb := m.Fit.Callbacks
	if len(cb) != 3 || cb[0].Type != "early_stopping" || cb[0].Monitor != "val_accuracy" || *cb[0].Baseline != 0.5 || !cb[0].RestoreBestWeights ||
		cb[0].Patience != 0 || cb[0].Mode != "auto" || cb[0].Verbose != 1 ||
		cb[1].Filepath != "best-{epoch:02d}.weights" || cb[1].Monitor != "val_loss" || cb[2].Type != "terminate_on_nan" {
		t.Errorf("callbacks %+v", cb)
	}
	m, err = Parse("t.yaml", []byte(csvEdit(map[int]string{5: "  - {type: batch_normalization}\n  - {type: batch_normalization, momentum: 0.9, epsilon: 1e-5, center: false, scale: false}"})))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Layers[1].BatchNorm; b != (BatchNorm{Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true}) {
		t.Errorf("batch_normalization defaults %+v", b)
	}
	if b := m.Layers[2].BatchNorm; b != (BatchNorm{Momentum: 0.9, Epsilon: 1e-5}) {
		t.Errorf("batch_normalization settings %+v", b)
	}
	// Keras' defaults of every optimizer and of reduce_lr_on_plateau.
	for typ, want := range map[string]Optimizer{
		"rmsprop": {Type: "rmsprop", LearningRate: 0.001, Rho: 0.9, Epsilon: 1e-7},
		"adagrad": {Type: "adagrad", LearningRate: 0.001, InitialAccumulator: 0.1, Epsilon: 1e-7},
		"nadam":   {Type: "nadam", LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7},
		"adamax":  {Type: "adamax", LearningRate: 0.001, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7},
	} {
		m, err := Parse("t.yaml", []byte(csvEdit(map[int]string{7: "compile: {optimizer: " + typ + ", loss: binary_crossentropy}"})))
		if err != nil {
			t.Fatal(err)
		}
		if m.Compile.Optimizer != want {
			t.Errorf("%s: %+v, want %+v", typ, m.Compile.Optimizer, want)
		}
	}
	m, err = Parse("t.yaml", []byte(csvEdit(map[int]string{8: "fit: {epochs: 1, batch_size: 8, validation_split: 0.2, callbacks: [{type: reduce_lr_on_plateau}]}"})))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Fit.Callbacks[0]; c.Factor != 0.1 || c.Patience != 10 || c.MinDelta != 1e-4 || c.Cooldown != 0 || c.MinLR != 0 || c.Monitor != "val_loss" {
		t.Errorf("reduce_lr_on_plateau defaults %+v", c)
	}
}
