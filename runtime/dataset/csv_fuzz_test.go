package dataset

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The bits of FuzzReadCSV's mode argument.
const (
	fuzzRegression = 1 << iota
	fuzzNoLabels
	fuzzClasses  // given classes "a", "b", "1"
	fuzzFeatures // features chosen: columns 0 and 2
)

// fuzzOptions builds the options of one fuzz input: the label by name when name is not "", else
// by index when label >= 0, else the default; a memory limit of limit bytes when not 0.
func fuzzOptions(header bool, delim rune, mode uint8, label int8, name string, inputs uint8, limit uint16) CSVOptions {
	opt := CSVOptions{Header: header, Delimiter: delim, Regression: mode&fuzzRegression != 0, NoLabels: mode&fuzzNoLabels != 0,
		Inputs: int(inputs), MaxBytes: int64(limit)}
	switch {
	case name != "":
		opt.Label = []Column{{Name: name}}
	case label >= 0:
		opt.Label = []Column{{Index: int(label)}}
	}
	if mode&fuzzClasses != 0 {
		opt.Classes = []string{"a", "b", "1"}
	}
	if mode&fuzzFeatures != 0 {
		opt.Features = []Column{{Index: 0}, {Index: 2}}
	}
	return opt
}

// fuzzSeed turns the options of a test case into FuzzReadCSV's arguments, as far as they go.
func fuzzSeed(f *testing.F, file string, opt CSVOptions) {
	var mode uint8
	if opt.Regression {
		mode |= fuzzRegression
	}
	if opt.NoLabels {
		mode |= fuzzNoLabels
	}
	if opt.Classes != nil {
		mode |= fuzzClasses
	}
	label, name := int8(-1), ""
	if len(opt.Label) > 0 {
		label, name = int8(opt.Label[0].Index), opt.Label[0].Name
	}
	f.Add([]byte(file), opt.Header, opt.Delimiter, mode, label, name, uint8(opt.Inputs), uint16(0))
	f.Add([]byte(file), opt.Header, opt.Delimiter, mode|fuzzFeatures, label, name, uint8(0), uint16(64))
}

func FuzzReadCSV(f *testing.F) {
	for _, tc := range csvGoodFiles {
		fuzzSeed(f, tc.file, tc.opt)
	}
	for _, tc := range csvBadFiles {
		fuzzSeed(f, tc.file, tc.opt)
	}
	for _, tc := range csvNoLabels {
		tc.opt.NoLabels = true
		fuzzSeed(f, tc.file, tc.opt)
	}
	f.Fuzz(func(t *testing.T, file []byte, header bool, delim rune, mode uint8, label int8, name string, inputs uint8, limit uint16) {
		opt := fuzzOptions(header, delim, mode, label, name, inputs, limit)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, err := ReadCSVFrom("f.csv", bytes.NewReader(file), int64(len(file)), opt)
		runtime.ReadMemStats(&after)
		if got, most := after.TotalAlloc-before.TotalAlloc, 128*uint64(len(file))+2<<20; got > most {
			t.Fatalf("allocated %d bytes for a %d-byte file (at most %d)", got, len(file), most)
		}
		unsized, uerr := ReadCSVFrom("f.csv", bytes.NewReader(file), -1, opt)
		if err != nil {
			checkCSVError(t, s, err)
			switch {
			case uerr != nil:
				checkCSVError(t, unsized, uerr)
			case !strings.Contains(err.Error(), "estimated from"): // only a known size gives an estimate
				t.Fatalf("an error with the size known, none without: %v", err)
			}
			return
		}
		if uerr != nil || !reflect.DeepEqual(s, unsized) {
			t.Fatalf("with the size known %+v, without %+v, %v", s, unsized, uerr)
		}
		checkCSVSet(t, s, opt)
	})
}

// checkCSVError checks that a failed ReadCSV returned no set and a *CSVErrorList of at most 20
// problems of f.csv and the one that stopped the reading.
func checkCSVError(t *testing.T, s *Set, err error) {
	t.Helper()
	var list *CSVErrorList
	if s != nil || !errors.As(err, &list) || len(list.Problems) == 0 || len(list.Problems) > maxCSVProblems+1 || list.More < 0 ||
		list.More > 0 && len(list.Problems) < maxCSVProblems {
		t.Fatalf("set %v, error %T %v", s, err, err)
	}
	for _, p := range list.Problems {
		if p.Path != "f.csv" || p.Line < 0 || p.Column < 0 || p.Msg == "" || !strings.HasPrefix(p.Error(), "dataset: f.csv") {
			t.Fatalf("problem %+v", p)
		}
	}
}

// checkCSVSet checks that a set is consistent with itself and with the options that read it.
func checkCSVSet(t *testing.T, s *Set, opt CSVOptions) {
	t.Helper()
	if s.N < 1 || s.Features < 1 || len(s.F) != s.N*s.Features || s.X != nil {
		t.Fatalf("N %d, Features %d, %d values", s.N, s.Features, len(s.F))
	}
	if opt.Inputs > 0 && s.Features != opt.Inputs || opt.Features != nil && s.Features != len(opt.Features) {
		t.Fatalf("%d features, options %+v", s.Features, opt)
	}
	for _, v := range append(slices.Clone(s.F), s.Targets...) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("value %v", v)
		}
	}
	rowBytes := 4 * s.Features
	switch {
	case opt.NoLabels:
		if s.Labels != nil || s.Targets == nil || len(s.Targets) != 0 || s.TargetSize != 0 {
			t.Fatalf("labels read with NoLabels: %+v", s)
		}
	case opt.Regression:
		if s.Labels != nil || s.Classes != nil || s.TargetSize < 1 || len(s.Targets) != s.N*s.TargetSize {
			t.Fatalf("regression set: TargetSize %d, %d targets, labels %v", s.TargetSize, len(s.Targets), s.Labels)
		}
		rowBytes += 4 * s.TargetSize
	default:
		if s.Targets != nil || len(s.Labels) != s.N || len(s.Classes) < 1 || len(s.Classes) > MaxCSVClasses {
			t.Fatalf("classification set: %d labels, %d classes, targets %v", len(s.Labels), len(s.Classes), s.Targets)
		}
		for _, l := range s.Labels {
			if l < 0 || int(l) >= len(s.Classes) {
				t.Fatalf("label %d of %d classes", l, len(s.Classes))
			}
		}
		if opt.Classes != nil && !slices.Equal(s.Classes, opt.Classes) {
			t.Fatalf("classes %q, given %q", s.Classes, opt.Classes)
		}
		seen := map[string]bool{}
		for _, c := range s.Classes {
			if seen[c] || c == "" || c != strings.TrimSpace(c) {
				t.Fatalf("classes %q", s.Classes)
			}
			seen[c] = true
		}
		if opt.Classes == nil && !classesSorted(s.Classes) {
			t.Fatalf("classes %q are not sorted", s.Classes)
		}
		rowBytes += 4
	}
	limit := opt.MaxBytes
	if limit == 0 {
		limit = DefaultMaxCSVBytes
	}
	if int64(s.N)*int64(rowBytes) > limit {
		t.Fatalf("%d rows of %d bytes, limit %d", s.N, rowBytes, limit)
	}
}

// classesSorted reports whether classes are in ReadCSV's order: numerical when all are finite
// numbers (ties by text), by text otherwise.
func classesSorted(classes []string) bool {
	values := make([]float64, len(classes))
	for i, c := range classes {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return slices.IsSorted(classes)
		}
		values[i] = v
	}
	for i := 1; i < len(classes); i++ {
		if values[i-1] > values[i] || values[i-1] == values[i] && classes[i-1] >= classes[i] {
			return false
		}
	}
	return true
}

// parseDecimal, ReadCSV's fast path, gives exactly what strconv.ParseFloat gives.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0", "+0.0", "1.5", "-12.3456", ".5", "5.", "123456789012345", "0.000000000000001",
		"9.99999999999999", "999999999999999.", "1234567890123456", ".", "-", "+", "1.2.3", "1e5", "0x10", "1_0", "", "--1", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseDecimal(s)
		want, err := strconv.ParseFloat(s, 64)
		if ok && (err != nil || math.Float64bits(v) != math.Float64bits(want)) {
			t.Fatalf("parseDecimal(%q) = %v, strconv.ParseFloat: %v, %v", s, v, want, err)
		}
	})
}

// Random decimals of 1 to 15 digits, the point anywhere, all read as strconv.ParseFloat reads them.
func TestParseDecimalMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 0, 20)
	for range 300000 {
		buf = buf[:0]
		if rng.IntN(2) == 0 {
			buf = append(buf, "-+"[rng.IntN(2)])
		}
		n := 1 + rng.IntN(15)
		point := rng.IntN(n + 2)
		for i := range n {
			if i == point {
				buf = append(buf, '.')
			}
			buf = append(buf, byte('0'+rng.IntN(10)))
		}
		if point == n {
			buf = append(buf, '.')
		}
		s := string(buf)
		v, ok := parseDecimal(s)
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("parseDecimal(%q) = %v, %v; strconv.ParseFloat: %v, %v", s, v, ok, want, err)
		}
	}
}
