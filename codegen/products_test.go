package codegen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"

	"github.com/nngen/nngen/spec"
)

// productShapes are the In×Out kernels TestPureGoProducts generates every product for: the edges
// of the blocks and of the unrolling (sizes below, at and around blockCols, singleCols and
// unrollK), the reference model's layers and a convolution's.
var productShapes = [][2]int{
	{1, 1}, {1, 2}, {2, 3}, {3, 1}, {4, 6}, {5, 7}, {6, 5}, {7, 10}, {9, 32}, {13, 4}, {17, 13},
	{64, 10}, {784, 64},
}

// productSets are the products of shape i: every kind, and the forward product in its three forms.
func productSets(i int, shape [2]int) []matProduct {
	base := matProduct{inC: fmt.Sprintf("K%d", i), outC: fmt.Sprintf("N%d", i), in: shape[0], out: shape[1],
		layer: fmt.Sprintf("shape %d", i), shape: "test", prefix: fmt.Sprintf("s%d", i)}
	relu, bias, plain, part, ig, kg := base, base, base, base, base, base
	relu.prefix, relu.bias, relu.relu = base.prefix+"relu", true, true
	bias.prefix, bias.bias = base.prefix+"bias", true
	plain.prefix = base.prefix + "plain"
	part.kind, ig.kind, kg.kind = productForwardPart, productInputGradient, productKernelGradient
	return []matProduct{relu, bias, plain, part, ig, kg}
}

// TestPureGoProducts generates the pure-Go products of productShapes into a throwaway module and
// runs there, under the purego tag, a test that compares each with the asm kernel it replaces
// (there its generic level, the reference), bit for bit, on many row counts and ranges, with
// outputs poisoned with NaN and a guard element after them. NNGEN_PRODUCTS_BENCH=1 also runs,
// and prints, the reference model's products timed against the generic level in one run.
func TestPureGoProducts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generated package with the go toolchain")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain in PATH")
	}
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteModule(dir, "productstest", root); err != nil {
		t.Fatal(err)
	}
	f := jen.NewFile("products")
	f.NoFormat = true
	var defs []jen.Code
	var sets strings.Builder
	for i, shape := range productShapes {
		defs = append(defs, jen.Id(fmt.Sprintf("K%d", i)).Op("=").Lit(shape[0]), jen.Id(fmt.Sprintf("N%d", i)).Op("=").Lit(shape[1]))
		fmt.Fprintf(&sets, "\t{%d, %d, s%[3]dreluForward, s%[3]dbiasForward, s%[3]dplainForward, s%[3]dForwardPart, s%[3]dInputGradient, s%[3]dKernelGradient},\n",
			shape[0], shape[1], i)
	}
	f.Comment("Sizes of the shapes.")
	f.Const().Defs(defs...)
	for i, shape := range productShapes {
		addProducts(f, productSets(i, shape), goProductBody)
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		t.Fatal(err)
	}
	src, err := formatSource(append([]byte("//go:build "+productsGoTag+"\n\n"), buf.Bytes()...))
	if err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "products")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	test := strings.Replace(productsTestSource, "\t// SETS\n", sets.String(), 1)
	if err := os.WriteFile(filepath.Join(pkg, "products.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "products_test.go"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	for _, args := range [][]string{{"vet", "-tags", "purego", "./products"}, {"test", "-tags", "purego", "-count", "1", "-v", "./products"}} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if os.Getenv("NNGEN_PRODUCTS_BENCH") != "" {
			t.Logf("go %s:\n%s", strings.Join(args, " "), out)
		}
	}
}

// productsTestSource is the test of the generated products; "\t// SETS\n" becomes the list of
// every shape's functions.
const productsTestSource = `package products

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/nngen/nngen/asm"
)

type set struct {
	in, out int
	relu    func(c, a, kernel, bias []float32, rows int)
	bias    func(c, a, kernel, bias []float32, rows int)
	plain   func(c, a, kernel []float32, rows int)
	part    func(c, a, kernel, bias []float32, rows, lo, hi int)
	input   func(c, delta, kernel []float32, rows int)
	kernel  func(c, in, delta []float32, rows, lo, hi int)
}

var sets = []set{
	// SETS
}

// values are random in [-1, 1), with zeros of both signs among them.
func values(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch r.IntN(16) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(math.Copysign(0, -1))
		default:
			s[i] = 2*r.Float32() - 1
		}
	}
	return s
}

const poison = 0x7fc0dead // a NaN

// same runs got and want on outputs of n elements poisoned with NaN, each with a guard element
// after them, and fails unless both give the same bits and leave the guard alone.
func same(t *testing.T, what string, n int, got, want func(c []float32)) {
	t.Helper()
	g, w := make([]float32, n+1), make([]float32, n+1)
	for i := range g {
		g[i], w[i] = math.Float32frombits(poison), math.Float32frombits(poison)
	}
	got(g[:n])
	want(w[:n])
	if math.Float32bits(g[n]) != poison {
		t.Fatalf("%s: wrote past its output", what)
	}
	for i := 0; i < n; i++ {
		if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
			t.Fatalf("%s: element %d of %d is %v (%#x), the generic kernel's %v (%#x)", what, i, n, g[i], math.Float32bits(g[i]), w[i], math.Float32bits(w[i]))
		}
	}
}

func TestProducts(t *testing.T) {
	if asm.Level() != "generic" {
		t.Fatalf("asm runs at level %s; run under -tags purego, where the reference is the generic level", asm.Level())
	}
	for _, s := range sets {
		r := rand.New(rand.NewPCG(uint64(s.in), uint64(s.out)))
		w, bias := values(r, s.in*s.out), values(r, s.out)
		for _, m := range []int{1, 2, 3, 4, 5, 7, 8, 33} {
			a, d := values(r, m*s.in), values(r, m*s.out)
			name := fmt.Sprintf("%dx%d, %d rows", s.in, s.out, m)
			same(t, "relu "+name, m*s.out, func(c []float32) { s.relu(c, a, w, bias, m) },
				func(c []float32) { asm.MatMulBiasReLU(c, a, w, bias, m, s.out, s.in) })
			same(t, "bias "+name, m*s.out, func(c []float32) { s.bias(c, a, w, bias, m) },
				func(c []float32) { asm.MatMulBias(c, a, w, bias, m, s.out, s.in) })
			same(t, "plain "+name, m*s.out, func(c []float32) { s.plain(c, a, w, m) },
				func(c []float32) { asm.MatMul(c, a, w, m, s.out, s.in) })
			same(t, "input gradient "+name, m*s.in, func(c []float32) { s.input(c, d, w, m) },
				func(c []float32) { asm.MatMulTransB(c, d, w, m, s.in, s.out) })
			for _, lh := range [][2]int{{0, s.in}, {0, s.in / 2}, {s.in / 2, s.in}, {s.in / 3, s.in - s.in/3}, {s.in - 1, s.in}, {1, 1}} {
				lo, hi := lh[0], min(lh[1], s.in)
				if lo > hi {
					continue
				}
				rng := fmt.Sprintf("%s, %d to %d", name, lo, hi)
				same(t, "part "+rng, m*s.out, func(c []float32) { s.part(c, a, w, bias, m, lo, hi) },
					func(c []float32) { asm.MatMulPart(c, a, w, bias, m, s.out, s.in, lo, hi) })
				same(t, "part without bias "+rng, m*s.out, func(c []float32) { s.part(c, a, w, nil, m, lo, hi) },
					func(c []float32) { asm.MatMulPart(c, a, w, nil, m, s.out, s.in, lo, hi) })
				same(t, "kernel gradient "+rng, (hi-lo)*s.out, func(c []float32) { s.kernel(c, a, d, m, lo, hi) },
					func(c []float32) { asm.MatMulTransARows(c, a, d, s.in, s.out, m, lo, hi) })
			}
		}
	}
}

// minTime is the shortest of rounds runs of f: on a shared machine, the run least disturbed.
func minTime(rounds int, f func()) time.Duration {
	best := time.Duration(math.MaxInt64)
	for range rounds {
		t0 := time.Now()
		f()
		best = min(best, time.Since(t0))
	}
	return best
}

// TestRatios times the reference model's products (784→64→10, batch 32 in halves of 16 and
// shares of 392 inputs, and one row) against the generic kernels, alternating, and prints the
// ratios. It runs only with NNGEN_PRODUCTS_BENCH set.
func TestRatios(t *testing.T) {
	if os.Getenv("NNGEN_PRODUCTS_BENCH") == "" {
		t.Skip("NNGEN_PRODUCTS_BENCH is not set")
	}
	var l1, l2 set
	for _, s := range sets {
		switch {
		case s.in == 784 && s.out == 64:
			l1 = s
		case s.in == 64 && s.out == 10:
			l2 = s
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	x, w1, b1 := values(r, 32*784), values(r, 784*64), values(r, 64)
	h, w2, b2 := values(r, 32*64), values(r, 64*10), values(r, 10)
	d1, d2 := values(r, 32*64), values(r, 32*10)
	c := make([]float32, 784*64)
	rows := []struct {
		name  string
		flops int
		gen   func()
		unr   func()
	}{
		{"forward 1: 32×784 · 784×64 + bias, relu", 2 * 32 * 784 * 64,
			func() { asm.MatMulBiasReLU(c, x, w1, b1, 32, 64, 784) }, func() { l1.relu(c, x, w1, b1, 32) }},
		{"forward 1, share: 32×392 · 392×64", 2 * 32 * 392 * 64,
			func() { asm.MatMulPart(c, x, w1, b1, 32, 64, 784, 0, 392) }, func() { l1.part(c, x, w1, b1, 32, 0, 392) }},
		{"forward 2, half: 16×64 · 64×10 + bias", 2 * 16 * 64 * 10,
			func() { asm.MatMulBias(c, h, w2, b2, 16, 10, 64) }, func() { l2.bias(c, h, w2, b2, 16) }},
		{"input gradient 2, half: 16×10 · (64×10)ᵀ", 2 * 16 * 64 * 10,
			func() { asm.MatMulTransB(c, d2, w2, 16, 64, 10) }, func() { l2.input(c, d2, w2, 16) }},
		{"kernel gradient 1, share: (32×784)ᵀ[:392] · 32×64", 2 * 392 * 32 * 64,
			func() { asm.MatMulTransARows(c, x, d1, 784, 64, 32, 0, 392) }, func() { l1.kernel(c, x, d1, 32, 0, 392) }},
		{"kernel gradient 2, share: (32×64)ᵀ[:32] · 32×10", 2 * 32 * 32 * 10,
			func() { asm.MatMulTransARows(c, h, d2, 64, 10, 32, 0, 32) }, func() { l2.kernel(c, h, d2, 32, 0, 32) }},
		{"prediction 1: 1×784 · 784×64 + bias, relu", 2 * 784 * 64,
			func() { asm.MatMulBiasReLU(c, x, w1, b1, 1, 64, 784) }, func() { l1.relu(c, x, w1, b1, 1) }},
		{"prediction 2: 1×64 · 64×10 + bias", 2 * 64 * 10,
			func() { asm.MatMulBias(c, h, w2, b2, 1, 10, 64) }, func() { l2.bias(c, h, w2, b2, 1) }},
	}
	fmt.Printf("| product | generic µs | unrolled µs | unrolled GFLOP/s | ratio |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, row := range rows {
		// Each timing repeats the product enough to last about 50 µs at the generic level's 2
		// GFLOP/s, alternating the two.
		reps := max(1, 100000/row.flops)
		loop := func(f func()) func() {
			return func() {
				for range reps {
					f()
				}
			}
		}
		var g, u time.Duration = math.MaxInt64, math.MaxInt64
		for range 200 {
			g = min(g, minTime(1, loop(row.gen)))
			u = min(u, minTime(1, loop(row.unr)))
		}
		gu, uu := float64(g.Nanoseconds())/1e3/float64(reps), float64(u.Nanoseconds())/1e3/float64(reps)
		fmt.Printf("| %s | %.2f | %.2f | %.1f | %.2fx |\n", row.name, gu, uu, float64(row.flops)/uu/1e3, gu/uu)
	}
}
`

// TestProductsAreCalled generates the examples and checks that planProducts lists exactly the
// product functions the layers' code calls: each one the product files define is called in the
// other files (one called but not defined would not build, which TestGeneratedIsFresh's packages
// and the parity tests do).
func TestProductsAreCalled(t *testing.T) {
	root, err := FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	specs, err := filepath.Glob(filepath.Join(root, "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "examples", "*", "*.yaml"))
	for _, path := range append(specs, more...) {
		m, err := spec.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		files, err := Generate(m, Options{ImportPath: "example.com/" + m.Name})
		if err != nil {
			t.Fatal(err)
		}
		var defined []string
		var others strings.Builder
		for _, f := range files {
			switch f.Path {
			case productsGoFile, productsAsmFile:
				for _, line := range strings.Split(string(f.Content), "\n") {
					if name, ok := strings.CutPrefix(line, "func "); ok && f.Path == productsGoFile {
						defined = append(defined, name[:strings.Index(name, "(")])
					}
				}
			default:
				others.Write(f.Content)
			}
		}
		if len(defined) == 0 {
			t.Errorf("%s: no product functions generated", path)
		}
		for _, name := range defined {
			if !strings.Contains(others.String(), name+"(") {
				t.Errorf("%s: %s is generated but never called", path, name)
			}
		}
	}
}
