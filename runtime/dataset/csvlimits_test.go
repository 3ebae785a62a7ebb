package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Each row "1,2,a\n" is 6 bytes in the file and 12 in memory (two float32 features, an int32).
func rows(n int) string { return strings.Repeat("1,2,a\n", n) }

// A set estimated above the limit is refused after the first 1000 records, before the rest is
// read.
func TestReadCSVEstimateOverLimit(t *testing.T) {
	file := rows(30000)
	r := &countingReader{r: strings.NewReader(file)}
	var log bytes.Buffer
	_, err := ReadCSVFrom("big.csv", r, int64(len(file)), CSVOptions{MaxBytes: 12 * 20000, Log: &log})
	want := "dataset: big.csv: about 351.6 KiB in memory (about 30000 rows of 12 bytes, estimated from the file's 175.8 KiB and its first 1000 rows), more than the limit of 234.4 KiB; train on a sample of the rows, or on fewer feature columns"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n%v\nwant\n%s", err, want)
	}
	if r.n > 100<<10 {
		t.Errorf("read %d of %d bytes before refusing", r.n, len(file))
	}
	if want := "reading big.csv: 175.8 KiB; about 30000 rows of 3 columns (2 features, 1 label); about 351.6 KiB in memory (limit 234.4 KiB)\n"; log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
}

// Without an estimate (the size unknown, or the first records longer than the rest), the set is
// refused exactly at the row that passes the limit.
func TestReadCSVExactLimit(t *testing.T) {
	file := rows(3000)
	want := "dataset: x.csv:2001: here the data set passes the memory limit of 23.4 KiB (2001 rows of 12 bytes); train on a sample of the rows, or on fewer feature columns"
	if _, err := ReadCSVFrom("x.csv", strings.NewReader(file), -1, CSVOptions{MaxBytes: 12 * 2000}); err == nil || err.Error() != want {
		t.Errorf("unknown size: error\n%v\nwant\n%s", err, want)
	}
	// 1000 long rows make the estimate 1000 + 1000/4 rows, 15 KiB: under the limit.
	long := strings.Repeat("1.000000000000000,2.000000000000000,a\n", 1000) + rows(2000)
	want = "dataset: x.csv:2001: here the data set passes the memory limit of 23.4 KiB (2001 rows of 12 bytes); train on a sample of the rows, or on fewer feature columns"
	if _, err := ReadCSVFrom("x.csv", strings.NewReader(long), int64(len(long)), CSVOptions{MaxBytes: 12 * 2000}); err == nil || err.Error() != want {
		t.Errorf("low estimate: error\n%v\nwant\n%s", err, want)
	}
	// A limit of exactly the set's size is not passed; a limit below one row refuses the first.
	if s, err := ReadCSVFrom("x.csv", strings.NewReader(file), int64(len(file)), CSVOptions{MaxBytes: 12 * 3000}); err != nil || s.N != 3000 {
		t.Errorf("limit met exactly: %v", err)
	}
	want = "dataset: x.csv:2: here the data set passes the memory limit of 11 bytes (1 row of 12 bytes); train on a sample of the rows, or on fewer feature columns"
	if _, err := ReadCSVFrom("x.csv", strings.NewReader("\n"+file), -1, CSVOptions{MaxBytes: 11}); err == nil || err.Error() != want {
		t.Errorf("tiny limit: error\n%v\nwant\n%s", err, want)
	}
	// Features and targets are 4 bytes each; with NoLabels only features count.
	for _, tc := range []struct {
		opt  CSVOptions
		want string
	}{
		{CSVOptions{Regression: true, Label: []Column{{Index: 0}, {Index: 1}}}, "(2 rows of 16 bytes)"},
		{CSVOptions{NoLabels: true}, "(2 rows of 12 bytes)"},
	} {
		tc.opt.MaxBytes = 20
		if _, err := ReadCSVFrom("x.csv", strings.NewReader("1,2,3,4\n1,2,3,4\n"), -1, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want it to say %s", tc.opt, err, tc.want)
		}
	}
}

func TestReadCSVLog(t *testing.T) {
	for _, tc := range []struct {
		file string
		size int64
		opt  CSVOptions
		want string
	}{
		{"x,y,species\n1,2,a\n3,4,b\n", 24, CSVOptions{Header: true},
			"reading x.csv: 24 bytes; 2 rows of 3 columns (2 features, 1 label); 24 bytes in memory (limit 2.0 GiB)\n"},
		{rows(2000), -1, CSVOptions{Regression: true, Label: []Column{{Index: 0}}, Features: []Column{{Index: 1}}},
			"reading x.csv: size unknown; 3 columns (1 feature, 1 target); 8 bytes in memory per row (limit 2.0 GiB)\n"},
		{"1,2,3\n", 6, CSVOptions{NoLabels: true, MaxBytes: 1 << 20},
			"reading x.csv: 6 bytes; 1 row of 3 columns (2 features; labels not read); 8 bytes in memory (limit 1.0 MiB)\n"},
	} {
		var log bytes.Buffer
		tc.opt.Log = &log
		if _, err := ReadCSVFrom("x.csv", strings.NewReader(tc.file), tc.size, tc.opt); err != nil {
			t.Errorf("%q: %v", tc.file, err)
		}
		if log.String() != tc.want {
			t.Errorf("log\n%q\nwant\n%q", log.String(), tc.want)
		}
	}
}

// Memory is allocated from the estimate only as far as the file's size can back it: first
// records much shorter than the rest do not make ReadCSV reserve more than about twice the file.
func TestReadCSVAllocatesFromTheFileSize(t *testing.T) {
	file := strings.Repeat("1,a\n", 1000) + strings.Repeat("1."+strings.Repeat("0", 5000)+",a\n", 200)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := ReadCSVFrom("x.csv", strings.NewReader(file), int64(len(file)), CSVOptions{})
	runtime.ReadMemStats(&after)
	if err != nil || s.N != 1200 {
		t.Fatalf("%v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*uint64(len(file))+1<<20 {
		t.Errorf("allocated %d bytes for a %d-byte file", got, len(file))
	}
}

// csvNoLabels are prediction inputs: the features read, and the features a training file of the
// same options has.
var csvNoLabels = []struct {
	name string
	file string
	opt  CSVOptions
	want Set
}{
	{"header, the label named is absent",
		"a,b\n1,2\n", CSVOptions{Header: true, Label: []Column{{Name: "species"}}},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"header, the label named is present and not read",
		"a,species,b\n1,,2\n", CSVOptions{Header: true, Label: []Column{{Name: "species"}}},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"header, the default label is absent when there are exactly Inputs columns",
		"a,b\n1,2\n", CSVOptions{Header: true, Inputs: 2},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"header, the default label is the last column otherwise",
		"a,b,c\n1,2,x\n", CSVOptions{Header: true, Inputs: 2},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"no header, a record of Inputs fields is all features",
		"1,2,3\n", CSVOptions{Inputs: 3},
		Set{F: []float32{1, 2, 3}, N: 1, Features: 3}},
	{"no header, a label by index is absent with Inputs fields",
		"1,2,3\n", CSVOptions{Inputs: 3, Label: []Column{{Index: 0}}},
		Set{F: []float32{1, 2, 3}, N: 1, Features: 3}},
	{"no header, labels dropped as in training",
		"x,1,2,y\n", CSVOptions{Inputs: 2, Regression: true, Label: []Column{{Index: 0}, {Index: 3}}},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"no header, a label index past the last column is absent",
		"1,2\n", CSVOptions{Label: []Column{{Index: 5}}},
		Set{F: []float32{1, 2}, N: 1, Features: 2}},
	{"features chosen: labels are not looked at",
		"1,2,x\n", CSVOptions{Features: []Column{{Index: 1}, {Index: 0}}, Label: []Column{{Name: "nowhere"}}},
		Set{F: []float32{2, 1}, N: 1, Features: 2}},
	{"the classes given are kept, to name predictions",
		"1\n", CSVOptions{Classes: []string{"no", "yes"}, Inputs: 1},
		Set{F: []float32{1}, Classes: []string{"no", "yes"}, N: 1, Features: 1}},
}

func TestReadCSVNoLabels(t *testing.T) {
	for _, tc := range csvNoLabels {
		tc.opt.NoLabels = true
		tc.want.Targets = []float32{}
		got, err := ReadCSVFrom("x.csv", strings.NewReader(tc.file), int64(len(tc.file)), tc.opt)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
		// A prediction set slices, samples and batches: no targets.
		x, y := make([]float32, got.Features), []float32{42}
		got.Slice(0, 1).Batch(x, y, []int32{0}, 3)
		_, sample := got.Sample(0.5, 1)
		if !reflect.DeepEqual(x, got.F[:got.Features]) || y[0] != 42 || sample.N != 1 || sample.Targets == nil {
			t.Errorf("%s: batch %v %v, sample %+v", tc.name, x, y, sample)
		}
	}
	for _, tc := range []struct {
		file string
		opt  CSVOptions
		want string
	}{
		{"1,2,3\n", CSVOptions{Label: []Column{{Name: "y"}}},
			`dataset: x.csv:1: label column "y": columns are named only with header: true (a first line of names); without a header, give the column's index (from 0)`},
		{"1,2,3,4\n", CSVOptions{Inputs: 2},
			`dataset: x.csv:1: 3 features, but the model takes 2 inputs; the features are every column but the label at index 3: indexes 0 to 2`},
		{"a,b\n1,2\n", CSVOptions{Header: true, Inputs: 3},
			`dataset: x.csv:1: 1 feature, but the model takes 3 inputs; the features are every column but the label "b" (index 1): "a" (index 0)`},
		{"a,b\n1,2\n", CSVOptions{Header: true, Features: []Column{{Name: "c"}}},
			`dataset: x.csv:1: feature column "c" is not in the header; its columns are "a", "b"`},
	} {
		tc.opt.NoLabels = true
		if _, err := ReadCSVFrom("x.csv", strings.NewReader(tc.file), -1, tc.opt); err == nil || err.Error() != tc.want {
			t.Errorf("%q %+v: error\n%v\nwant\n%s", tc.file, tc.opt, err, tc.want)
		}
	}
}

func TestReadCSVTooManyClasses(t *testing.T) {
	var b strings.Builder
	for i := range MaxCSVClasses + 2 {
		fmt.Fprintf(&b, "%d,c%d\n", i, i)
	}
	want := "dataset: x.csv:65537: column index 1: more than 65536 distinct labels; if the label is a number to predict, read it as a regression target"
	if _, err := ReadCSVFrom("x.csv", strings.NewReader(b.String()), -1, CSVOptions{}); err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	// As many as allowed is fine.
	s, err := ReadCSVFrom("x.csv", strings.NewReader(b.String()[:strings.Index(b.String(), "65536,")]), -1, CSVOptions{})
	if err != nil || len(s.Classes) != MaxCSVClasses || s.Classes[0] != "c0" || s.Labels[1] != 1 || s.Labels[10] != 2 {
		t.Errorf("%d classes: %v", MaxCSVClasses, err)
	}
}

// The problem that stops the reading is shown after the first 20, whatever their number.
func TestReadCSVStopAfterManyProblems(t *testing.T) {
	file := "x,label\n" + strings.Repeat("a,b\n", 25) + strings.Repeat("1,a\n", 10)
	_, err := ReadCSVFrom("x.csv", strings.NewReader(file), -1, CSVOptions{Header: true, MaxBytes: 8 * 30})
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != 22 || lines[20] != "... and 5 more problems" ||
		lines[21] != "dataset: x.csv:32: here the data set passes the memory limit of 240 bytes (31 rows of 8 bytes); train on a sample of the rows, or on fewer feature columns" {
		t.Errorf("error\n%v", err)
	}
	// An I/O error stops the reading too.
	_, err = ReadCSVFrom("x.csv", io.MultiReader(strings.NewReader("1,a\n1,b\n"), iotest.ErrReader(errors.New("disk on fire"))), -1, CSVOptions{})
	if err == nil || err.Error() != "dataset: x.csv: reading: disk on fire" {
		t.Errorf("I/O error: %v", err)
	}
}
