package fit

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/dataset"
)

const (
	features = 3
	classes  = 4
)

// set makes n samples whose first two features spell the sample's id (id%256, id/256), so that
// the fake network can tell which samples a batch holds, labelled id%classes.
func set(n, offset int) *dataset.Set {
	s := &dataset.Set{X: make([]byte, n*features), Labels: make([]int32, n), N: n, Features: features}
	for i := range n {
		id := offset + i
		s.X[i*features], s.X[i*features+1], s.X[i*features+2] = byte(id%256), byte(id/256), 255
		s.Labels[i] = int32(id % classes)
	}
	return s
}

// fakeNet records the samples of every batch, checks the batches' shapes and contents, and
// returns as loss the mean id of the batch, and outputs that are right (the target itself) for
// even ids and wrong for odd ones: the epoch's running means are then the mean id and the fraction
// of even ids whatever the batching.
type fakeNet struct {
	t           *testing.T
	train, eval [][]int // ids of each batch
	record      bool
	err         string    // first problem found in a batch
	out         []float32 // the outputs of the last batch
}

func (f *fakeNet) batch(x, y []float32, n int) (ids []int, loss float32, correct int) {
	if len(x) != n*features || len(y) != n*classes {
		f.fail("batch of %d: len(x) = %d, len(y) = %d", n, len(x), len(y))
		return nil, 0, 0
	}
	sum := 0
	for i := range n {
		row := x[i*features : (i+1)*features]
		id := int(math.Round(float64(row[0])*255)) + 256*int(math.Round(float64(row[1])*255))
		if row[2] != 1 {
			f.fail("sample %d: feature 2 is %v, want 1 (255/255)", id, row[2])
		}
		for c := range classes {
			want := float32(0)
			if c == id%classes {
				want = 1
			}
			if y[i*classes+c] != want {
				f.fail("sample %d: y = %v, want one-hot %d", id, y[i*classes:(i+1)*classes], id%classes)
			}
		}
		ids = append(ids, id)
		sum += id
		if id%2 == 0 {
			correct++
		}
	}
	f.output(y, n, func(i int) bool { return ids[i]%2 == 0 })
	return ids, float32(sum) / float32(n), correct
}

// output sets the outputs of n rows: the targets y where right(row), else the targets shifted
// by one class (a wrong argmax).
func (f *fakeNet) output(y []float32, n int, right func(int) bool) {
	if cap(f.out) < n*classes {
		f.out = make([]float32, n*classes)
	}
	f.out = f.out[:n*classes]
	for i := range n {
		for c := range classes {
			src := c
			if !right(i) {
				src = (c + 1) % classes
			}
			f.out[i*classes+c] = y[i*classes+src]
		}
	}
}

func (f *fakeNet) Output() []float32 { return f.out }

func (f *fakeNet) fail(format string, args ...any) {
	if f.err == "" {
		f.err = fmt.Sprintf(format, args...)
	}
}

func (f *fakeNet) TrainBatch(x, y []float32, n int) float32 {
	if !f.record {
		f.out = y
		return 1
	}
	ids, loss, _ := f.batch(x, y, n)
	f.train = append(f.train, ids)
	return loss
}

func (f *fakeNet) EvalBatch(x, y []float32, n int) float32 {
	if !f.record {
		f.out = y
		return 1
	}
	ids, loss, _ := f.batch(x, y, n)
	f.eval = append(f.eval, ids)
	return loss
}

func cfg(epochs, batch int, shuffle bool, seed uint64) Config {
	return Config{Inputs: features, Outputs: classes, Epochs: epochs, BatchSize: batch, Shuffle: shuffle, Seed: seed, Metrics: []string{"accuracy"}}
}

// run fits a fresh fake network and returns it with the history.
func run(t *testing.T, train, val *dataset.Set, c Config) (*fakeNet, []Epoch) {
	t.Helper()
	net := &fakeNet{t: t, record: true}
	h, err := Fit(net, train, val, c)
	if err != nil {
		t.Fatal(err)
	}
	if net.err != "" {
		t.Fatal(net.err)
	}
	return net, h
}

// epochs cuts the recorded training batches into epochs of steps batches each.
func epochs(t *testing.T, batches [][]int, n, steps int) [][]int {
	t.Helper()
	if len(batches)%steps != 0 {
		t.Fatalf("%d batches, not a multiple of %d per epoch", len(batches), steps)
	}
	var out [][]int
	for len(batches) > 0 {
		var order []int
		for _, b := range batches[:steps] {
			order = append(order, b...)
		}
		out = append(out, order)
		batches = batches[steps:]
	}
	return out
}

func TestBatchesAndEpochs(t *testing.T) {
	for _, tc := range []struct{ n, batch int }{{10, 3}, {10, 5}, {10, 10}, {10, 32}, {1, 1}, {300, 7}} {
		for _, shuffle := range []bool{false, true} {
			net, h := run(t, set(tc.n, 0), nil, cfg(3, tc.batch, shuffle, 1))
			steps := (tc.n + tc.batch - 1) / tc.batch
			if len(net.train) != 3*steps || len(net.eval) != 0 || len(h) != 3 {
				t.Fatalf("n=%d batch=%d: %d train batches, %d eval batches, %d epochs; want %d, 0, 3",
					tc.n, tc.batch, len(net.train), len(net.eval), len(h), 3*steps)
			}
			for i, b := range net.train {
				want := tc.batch
				if i%steps == steps-1 {
					want = tc.n - (steps-1)*tc.batch // the last batch of an epoch may be partial
				}
				if len(b) != want {
					t.Fatalf("n=%d batch=%d: batch %d has %d samples, want %d", tc.n, tc.batch, i, len(b), want)
				}
			}
			for e, order := range epochs(t, net.train, tc.n, steps) {
				sorted := slices.Sorted(slices.Values(order))
				for i, id := range sorted {
					if id != i {
						t.Fatalf("n=%d batch=%d epoch %d: samples %v are not each sample once", tc.n, tc.batch, e, sorted)
					}
				}
				if !shuffle && !slices.IsSorted(order) {
					t.Fatalf("no shuffle, but epoch %d has order %v", e, order)
				}
			}
			for _, ep := range h {
				// Running means weighted by batch size: the mean id and the fraction of even ids.
				wantLoss := float64(tc.n-1) / 2
				wantAcc := float64((tc.n+1)/2) / float64(tc.n)
				if math.Abs(ep.Loss-wantLoss) > 1e-4*max(1, wantLoss) || math.Abs(ep.Metrics[0]-wantAcc) > 1e-12 {
					t.Fatalf("n=%d batch=%d: epoch %d loss %v accuracy %v, want %v and %v", tc.n, tc.batch, ep.Epoch, ep.Loss, ep.Metrics[0], wantLoss, wantAcc)
				}
				if !math.IsNaN(ep.ValLoss) || !math.IsNaN(ep.ValMetrics[0]) {
					t.Fatalf("no validation set, but val %v %v", ep.ValLoss, ep.ValMetrics[0])
				}
			}
		}
	}
}

func TestShuffle(t *testing.T) {
	const n, batch = 200, 16
	steps := (n + batch - 1) / batch
	a, _ := run(t, set(n, 0), nil, cfg(4, batch, true, 42))
	b, _ := run(t, set(n, 0), nil, cfg(4, batch, true, 42))
	c, _ := run(t, set(n, 0), nil, cfg(4, batch, true, 43))
	ea, eb, ec := epochs(t, a.train, n, steps), epochs(t, b.train, n, steps), epochs(t, c.train, n, steps)
	for e := range ea {
		if !slices.Equal(ea[e], eb[e]) {
			t.Fatalf("seed 42 gave two orders in epoch %d", e)
		}
		if slices.Equal(ea[e], ec[e]) {
			t.Fatalf("seeds 42 and 43 gave the same order in epoch %d", e)
		}
		if slices.IsSorted(ea[e]) {
			t.Fatalf("epoch %d is not shuffled", e)
		}
		for f := range e {
			if slices.Equal(ea[e], ea[f]) {
				t.Fatalf("epochs %d and %d have the same order: the order must change every epoch", f, e)
			}
		}
	}
	// A golden order pins the shuffling: a change would change every seeded training run.
	if got := ea[0][:8]; !slices.Equal(got, goldenOrder) {
		t.Errorf("seed 42, first epoch starts %v, want %v", got, goldenOrder)
	}
}

var goldenOrder = []int{57, 158, 33, 119, 103, 13, 39, 31}

// TestShuffleUniform checks that every sample lands in every position about equally often.
func TestShuffleUniform(t *testing.T) {
	const n, rounds = 5, 60000
	var counts [n][n]int
	p := newPCG(7)
	idx := make([]int32, n)
	for range rounds {
		for i := range idx {
			idx[i] = int32(i)
		}
		p.shuffle(idx)
		for pos, s := range idx {
			counts[s][pos]++
		}
	}
	// Each count is binomial(rounds, 1/n): 12000 ± 98; 5 standard deviations is 490.
	for s := range n {
		for pos := range n {
			if d := counts[s][pos] - rounds/n; d > 490 || d < -490 {
				t.Fatalf("sample %d at position %d %d times, want %d ± 490: %v", s, pos, counts[s][pos], rounds/n, counts)
			}
		}
	}
	// below is uniform for a bound that is not a power of two.
	var hist [3]int
	for range 30000 {
		hist[p.below(3)]++
	}
	for v, c := range hist {
		if c < 10000-400 || c > 10000+400 {
			t.Fatalf("below(3) gave %d %d times of 30000: %v", v, c, hist)
		}
	}
}

func TestValidation(t *testing.T) {
	train, val := set(10, 0), set(7, 1000) // ids 1000..1006
	var out bytes.Buffer
	c := cfg(2, 4, true, 5)
	c.Progress = &out
	net, h := run(t, train, val, c)
	// Evaluated after each epoch, in order, in batches of the batch size.
	want := [][]int{{1000, 1001, 1002, 1003}, {1004, 1005, 1006}}
	if len(net.eval) != 4 || !slices.Equal(net.eval[0], want[0][:4]) || !slices.Equal(net.eval[1], want[1]) ||
		!slices.Equal(net.eval[2], want[0]) || !slices.Equal(net.eval[3], want[1]) {
		t.Fatalf("validation batches %v", net.eval)
	}
	for _, ep := range h {
		if math.Abs(ep.ValLoss-1003) > 1e-3 || math.Abs(ep.ValMetrics[0]-4.0/7) > 1e-12 {
			t.Fatalf("epoch %d: val %v %v, want 1003 and 4/7", ep.Epoch, ep.ValLoss, ep.ValMetrics[0])
		}
	}
	// Keras' verbose=2 lines.
	re := regexp.MustCompile(`^Epoch 1/2
3/3 - \d+\.\ds - loss: 4\.5000 - accuracy: 0\.5000 - val_loss: 1003\.0000 - val_accuracy: 0\.5714
Epoch 2/2
3/3 - \d+\.\ds - loss: 4\.5000 - accuracy: 0\.5000 - val_loss: 1003\.0000 - val_accuracy: 0\.5714
$`)
	if !re.MatchString(out.String()) {
		t.Fatalf("progress:\n%s", out.String())
	}
	// An empty validation set is no validation set.
	out.Reset()
	_, empty := train.Split(0)
	if net, h := run(t, train, empty, c); len(net.eval) != 0 || !math.IsNaN(h[0].ValLoss) {
		t.Fatalf("empty validation set was evaluated")
	}
	if !regexp.MustCompile(`^Epoch 1/2\n3/3 - \d+\.\ds - loss: 4\.5000 - accuracy: 0\.5000\nEpoch 2/2\n`).MatchString(out.String()) {
		t.Fatalf("progress without validation:\n%s", out.String())
	}
}

func TestEvaluate(t *testing.T) {
	net := &fakeNet{t: t, record: true}
	loss, values := Evaluate(net, set(10, 0), features, classes, 4, []string{"accuracy"})
	acc := values[0]
	if net.err != "" {
		t.Fatal(net.err)
	}
	if math.Abs(loss-4.5) > 1e-6 || acc != 0.5 || len(net.eval) != 3 || len(net.eval[2]) != 2 || len(net.train) != 0 {
		t.Fatalf("loss %v accuracy %v batches %v", loss, acc, net.eval)
	}
	for _, bad := range []struct {
		set                    *dataset.Set
		inputs, outputs, batch int
	}{
		{nil, features, classes, 4}, {set(0, 0), features, classes, 4}, {set(3, 0), features + 1, classes, 4},
		{set(3, 0), features, classes, 0}, {set(3, 0), features, 0, 4}, {set(5, 0), features, 3, 4}, // label 3 of 3 outputs
	} {
		if l, a := Evaluate(net, bad.set, bad.inputs, bad.outputs, bad.batch, []string{"accuracy"}); !math.IsNaN(l) || !math.IsNaN(a[0]) {
			t.Errorf("Evaluate(%+v) = %v, %v; want NaN", bad, l, a)
		}
	}
}

func TestFitErrors(t *testing.T) {
	good := set(10, 0)
	short := set(10, 0)
	short.X = short.X[:20]
	badLabel := set(10, 0)
	badLabel.Labels[6] = 9
	for _, tc := range []struct {
		net        Network
		train, val *dataset.Set
		c          Config
		want       string
	}{
		{nil, good, nil, cfg(1, 2, false, 0), "fit: no network"},
		{&fakeNet{}, good, nil, cfg(1, 0, false, 0), "fit: batch size must be at least 1, got 0"},
		{&fakeNet{}, good, nil, cfg(0, 2, false, 0), "fit: epochs must be at least 1, got 0"},
		{&fakeNet{}, good, nil, Config{Inputs: 3, Epochs: 1, BatchSize: 1}, "fit: outputs must be at least 1, got 0"},
		{&fakeNet{}, good, nil, Config{Inputs: -1, Outputs: 4, Epochs: 1, BatchSize: 1}, "fit: inputs must be at least 1, got -1"},
		{&fakeNet{}, nil, nil, cfg(1, 2, false, 0), "fit: the training set is empty"},
		{&fakeNet{}, set(0, 0), nil, cfg(1, 2, false, 0), "fit: the training set is empty"},
		{&fakeNet{}, good, nil, Config{Inputs: 5, Outputs: 4, Epochs: 1, BatchSize: 1}, "fit: training set has 3 features per sample, the network takes 5"},
		{&fakeNet{}, short, nil, cfg(1, 2, false, 0), "fit: training set: 20 feature values, 10 samples of 3 features need 30"},
		{&fakeNet{}, good, badLabel, cfg(1, 2, false, 0), "fit: validation set: label 9 of sample 6 is not below the 4 outputs"},
	} {
		h, err := Fit(tc.net, tc.train, tc.val, tc.c)
		if err == nil || err.Error() != tc.want || h != nil {
			t.Errorf("error %v, want %s", err, tc.want)
		}
	}
}

// TestStepAllocatesNothing measures a training step, a validation pass and a whole epoch.
func TestStepAllocatesNothing(t *testing.T) {
	train, val := set(1000, 0), set(100, 0)
	l := newLoop(&fakeNet{}, train, val, cfg(1, 32, true, 1))
	batch := l.order[:32]
	if n := testing.AllocsPerRun(100, func() { l.step(batch, l.order[32:64]) }); n != 0 {
		t.Errorf("a step allocates %v times", n)
	}
	values := make([]float64, 1)
	if n := testing.AllocsPerRun(10, func() { l.val.run(values) }); n != 0 {
		t.Errorf("a validation pass allocates %v times", n)
	}
	if n := testing.AllocsPerRun(10, func() { l.epoch(0) }); n != 0 {
		t.Errorf("an epoch without progress output allocates %v times", n)
	}
	// So a Fit of many epochs allocates as much as a Fit of one.
	fit := func(epochs int) float64 {
		return testing.AllocsPerRun(3, func() { Fit(&fakeNet{}, train, val, cfg(epochs, 32, true, 1)) })
	}
	if one, many := fit(1), fit(30); one != many {
		t.Errorf("Fit allocates %v times for 1 epoch, %v for 30", one, many)
	}
}

func TestWriteHistory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.csv")
	h := []Epoch{
		{Epoch: 0, Loss: 0.25, Metrics: []float64{0.9}, ValLoss: 0.125, ValMetrics: []float64{0.875}, Seconds: 1.5},
		{Epoch: 1, Loss: 0.1, Metrics: []float64{0.97}, ValLoss: math.NaN(), ValMetrics: []float64{math.NaN()}, Seconds: 2},
	}
	if err := WriteHistory(path, []string{"accuracy"}, h); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "epoch,accuracy,loss,val_accuracy,val_loss,seconds\n0,0.9,0.25,0.875,0.125,1.5\n1,0.97,0.1,,,2\n"
	if string(got) != want {
		t.Fatalf("CSV\n%s\nwant\n%s", got, want)
	}
	// A failed write names the file and leaves nothing behind.
	err := WriteHistory(filepath.Join(dir, "missing", "h.csv"), []string{"accuracy"}, h)
	if err == nil || !strings.HasPrefix(err.Error(), "fit: writing the history to "+filepath.Join(dir, "missing", "h.csv")+": ") {
		t.Fatalf("error %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in the folder, want 1", len(ents))
	}
}

// TestWriteHistoryRate checks the learning_rate column: written, in CSVLogger's place, when the
// rate changed during the run (an unknown rate is an empty cell and does not count), left out
// when it did not.
func TestWriteHistoryRate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.csv")
	epoch := func(e int, rate float64) Epoch {
		return Epoch{Epoch: e, Loss: 0.5, Metrics: []float64{0.75}, ValLoss: 0.25, ValMetrics: []float64{0.875}, Seconds: 1, LearningRate: rate}
	}
	for _, tc := range []struct {
		name string
		h    []Epoch
		want string
	}{
		{"constant", []Epoch{epoch(0, 0.001), epoch(1, 0.001), epoch(2, math.NaN())},
			"epoch,accuracy,loss,val_accuracy,val_loss,seconds\n0,0.75,0.5,0.875,0.25,1\n1,0.75,0.5,0.875,0.25,1\n2,0.75,0.5,0.875,0.25,1\n"},
		{"changed", []Epoch{epoch(0, math.NaN()), epoch(1, 0.001), epoch(2, 0.0005)},
			"epoch,accuracy,learning_rate,loss,val_accuracy,val_loss,seconds\n0,0.75,,0.5,0.875,0.25,1\n1,0.75,0.001,0.5,0.875,0.25,1\n2,0.75,0.0005,0.5,0.875,0.25,1\n"},
	} {
		if err := WriteHistory(path, []string{"accuracy"}, tc.h); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != tc.want {
			t.Errorf("%s: CSV\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		if h := HistoryHeader([]string{"accuracy"}, tc.name == "changed"); !strings.HasPrefix(string(got), h+"\n") {
			t.Errorf("%s: HistoryHeader %q is not the file's first line", tc.name, h)
		}
	}
}

// TestEpochRecordsRate checks that every epoch records the rate of its last update, before the
// callbacks change it.
func TestEpochRecordsRate(t *testing.T) {
	set := &dataset.Set{F: make([]float32, 4), Targets: make([]float32, 4), TargetSize: 1, N: 4, Features: 1}
	h, err := Fit(&rateNet{}, set, nil, Config{Inputs: 1, Outputs: 1, Epochs: 3, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Two steps an epoch; the rate halves after the second step.
	if len(h) != 3 || h[0].LearningRate != 0.001 || h[1].LearningRate != 0.0005 || h[2].LearningRate != 0.0005 {
		t.Errorf("history %+v, want rates 0.001, 0.0005, 0.0005", h)
	}
	if h, _ := Fit(&fakeNet{}, set, nil, Config{Inputs: 1, Outputs: 1, Epochs: 1, BatchSize: 2}); len(h) == 1 && !math.IsNaN(h[0].LearningRate) {
		t.Errorf("a network that does not tell its rate records %v, want NaN", h[0].LearningRate)
	}
}

func BenchmarkEpochOverhead(b *testing.B) {
	train := set(48000, 0)
	train.Features, train.X = 784, make([]byte, 48000*784)
	l := newLoop(&fakeNet{}, train, nil, Config{Inputs: 784, Outputs: classes, Epochs: 1, BatchSize: 32, Shuffle: true})
	b.ReportAllocs()
	for b.Loop() {
		l.epoch(0)
	}
}
