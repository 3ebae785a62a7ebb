package spec

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// parseAllocBound is the most that Parse may allocate (runtime.MemStats.TotalAlloc, garbage
// included) for a spec of n bytes: yaml.v3's nodes, some 120 bytes per byte of a flow list of
// numbers, and the validation's positions and messages. The most per byte is a layer of unknown
// keys, 2 bytes each ("a,"): each gets a did-you-mean suggestion (spec.distance, whose rows are
// on the stack: they were 70% of the whole, 2300 times such a spec, when they were allocated);
// TestParseAllocationHostile measures 544 times now.
func parseAllocBound(n int) uint64 { return parseAllocPerByte*uint64(n) + 4<<20 }

// parseAllocPerByte is parseAllocBound's multiple of the spec's size.
const parseAllocPerByte = 1024

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
	t.Logf("%d inputs; the most allocated per byte of an input of 1 KiB or more: %.0f (bound %d + 4 MiB)", len(inputs), worst, parseAllocPerByte)
	if _, err := Parse("t.yaml", []byte(bomb)); err == nil {
		t.Error("the alias bomb parsed")
	}
}

// parseAllocs runs Parse on src and returns the bytes it allocated and its error.
func parseAllocs(src []byte) (uint64, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse("t.yaml", src)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, err
}

// TestParseAllocationHostile bounds what Parse allocates by parseAllocBound on crafted specs of
// 64 KiB that cost the most per byte: the kinds of node yaml.v3 makes the most of, the deepest
// nesting it takes, aliases, and every kind of problem repeated. It also checks that an alias
// bomb is refused for its aliases, and that yaml.v3 itself refuses one when it decodes values
// (Parse decodes nodes, which keep an alias as one node: nothing is expanded).
func TestParseAllocationHostile(t *testing.T) {
	const size = 64 << 10
	fill := func(prefix, unit, suffix string) string { // prefix, units, suffix: size bytes or so
		return prefix + strings.Repeat(unit, (size-len(prefix)-len(suffix))/len(unit)) + suffix
	}
	head := "name: x\ninput: {shape: [784]}\ncompile: {optimizer: adam, loss: mean_squared_error}\n"
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		bomb += string(i) + ": &" + string(i) + " [*" + string(i-1) + strings.Repeat(", *"+string(i-1), 8) + "]\n"
	}
	for _, tc := range []struct {
		name, src string
		want      string // in the error
	}{
		{"alias bomb used", head + bomb + "layers: [*j, *j]\n", "alias *j is not supported"},
		{"aliases", fill(head+"fit: &f {epochs: 1}\nlayers: [", "*f, ", "*f]\n"), "alias *f is not supported"},
		{"anchors", fill(head+"layers: [", "&a {}, ", "{}]\n"), "missing key \"type\" in layer 1"},
		{"nesting", "layers: " + strings.Repeat("[", 9999) + strings.Repeat("]", 9999), "missing key \"name\""},
		{"nesting too deep", strings.Repeat("[", size), "exceeded max depth"},
		{"numbers", fill("a: [", "1,", "1]\n"), "unknown key"},
		{"empty maps", fill("a: [", "{},", "{}]\n"), "unknown key"},
		{"block list", fill("a:\n", "- 1\n", ""), "unknown key"},
		{"tags", fill("a: [", "!!str a,", "b]\n"), "unknown key"},
		{"comments in a list", fill("a: [\n", "1, #\n", "1]\n"), "unknown key"},
		{"unknown top-level keys", fill("", "k: 1\n", ""), "unknown key \"k\""},
		{"too many layers", fill(head+"layers:\n", "  - {type: dense, units: 10}\n", ""), "want 1 to 64 layers"},
		{"misspelt layers", fill(head+"layers:\n", "  - {type: dens, unit: 10, x: 1}\n", ""), "did you mean"},
		{"layers without a type", fill(head+"layers: [", "{a,b,c,d,e},", "{}]\n"), "missing key \"type\""},
		{"unknown layer keys", fill(head+"layers: [{", "a,", "b}]\n"), "unknown key \"a\""},
		{"long string", "name: " + strings.Repeat("a", size) + "\n", "name:"},
	} {
		alloc, err := parseAllocs([]byte(tc.src))
		t.Logf("%-22s %6d bytes, %10d allocated (%.0f×)", tc.name, len(tc.src), alloc, float64(alloc)/float64(len(tc.src)))
		if most := parseAllocBound(len(tc.src)); alloc > most {
			t.Errorf("%s: Parse of %d bytes allocated %d, more than %d", tc.name, len(tc.src), alloc, most)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %.300v, want %q in it", tc.name, err, tc.want)
		}
	}
	var v any
	if err := yaml.Unmarshal([]byte(bomb), &v); err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Errorf("yaml.v3 decoded the alias bomb into values: %v", err)
	}
}
