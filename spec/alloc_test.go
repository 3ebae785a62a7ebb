package spec

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// parseAllocBound is the most that Parse may allocate for a spec of n bytes: yaml.v3's nodes
// (a few hundred bytes per scalar of the document) and the validation's positions and messages.
func parseAllocBound(n int) uint64 { return 1024*uint64(n) + 4<<20 }

// TestParseAllocation parses every input of FuzzParse's corpus, and a YAML alias bomb ("billion
// laughs"), and bounds what Parse allocates by parseAllocBound of the input's size.
func TestParseAllocation(t *testing.T) {
	var inputs [][]byte
	files, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.TrimPrefix(string(b), "go test fuzz v1\n[]byte(")
		s = strings.TrimSuffix(strings.TrimSpace(s), ")")
		if v, err := strconv.Unquote(s); err == nil {
			inputs = append(inputs, []byte(v))
		}
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		bomb += string(i) + ": &" + string(i) + " [*" + string(i-1) + strings.Repeat(", *"+string(i-1), 8) + "]\n"
	}
	inputs = append(inputs, []byte(bomb))
	if len(inputs) < 10 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	worst := 0.0
	for _, in := range inputs {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		Parse("t.yaml", in)
		runtime.ReadMemStats(&m1)
		got := m1.TotalAlloc - m0.TotalAlloc
		if got > parseAllocBound(len(in)) {
			t.Errorf("Parse of %d bytes allocated %d, more than %d:\n%.200q", len(in), got, parseAllocBound(len(in)), in)
		}
		if len(in) >= 1024 {
			worst = max(worst, float64(got)/float64(len(in)))
		}
	}
	t.Logf("%d inputs; the most allocated per byte of an input of 1 KiB or more: %.0f (bound 1024 + 4 MiB)", len(inputs), worst)
	if _, err := Parse("t.yaml", []byte(bomb)); err == nil {
		t.Error("the alias bomb parsed")
	}
}
