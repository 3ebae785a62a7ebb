package asm

import (
	"os"
	"strings"
	"testing"
)

func TestChooseLevel(t *testing.T) {
	for _, tc := range []struct {
		env       string
		best      int
		want      int
		errSubstr string
	}{
		{"", levelAVX512, levelAVX512, ""},
		{"", levelGeneric, levelGeneric, ""},
		{"generic", levelAVX512, levelGeneric, ""},
		{"avx2", levelAVX512, levelAVX2, ""},
		{"AVX512", levelAVX512, levelAVX512, ""},
		{"avx2", levelAVX2, levelAVX2, ""},
		{"avx512", levelAVX2, levelAVX2, "NNGEN_CPU=avx512 asks for the avx512 kernels, which need AVX-512F"},
		{"avx2", levelGeneric, levelGeneric, "supports generic (using generic)"},
		{"sse", levelAVX2, levelAVX2, `NNGEN_CPU="sse" is not a kernel level; want one of generic, avx2, avx512`},
	} {
		got, err := chooseLevel(tc.env, tc.best)
		if got != tc.want {
			t.Errorf("chooseLevel(%q, %d) = %d, want %d", tc.env, tc.best, got, tc.want)
		}
		switch {
		case tc.errSubstr == "" && err != nil:
			t.Errorf("chooseLevel(%q, %d): unexpected error %v", tc.env, tc.best, err)
		case tc.errSubstr != "" && (err == nil || !strings.Contains(err.Error(), tc.errSubstr)):
			t.Errorf("chooseLevel(%q, %d): error %v, want one containing %q", tc.env, tc.best, err, tc.errSubstr)
		}
	}
}

func TestLevel(t *testing.T) {
	t.Logf("level %s, supported %v, CheckEnv %v", Level(), SupportedLevels(), CheckEnv())
	sup := SupportedLevels()
	if sup[0] != "generic" || len(sup) != bestLevel()+1 {
		t.Fatalf("SupportedLevels() = %v", sup)
	}
	forLevels(t, func(name string) {
		if Level() != name {
			t.Errorf("after setLevel, Level() = %q, want %q", Level(), name)
		}
	})
	if CheckEnv() == nil && level != bestLevel() && envFree() {
		t.Errorf("NNGEN_CPU unset, but level %s is not the best, %s", Level(), levelNames[bestLevel()])
	}
}

// TestNoAllocs checks that the batch-1 prediction path does not make a caller's stack arrays
// escape: the kernels must call the assembly directly, not through function variables.
func TestNoAllocs(t *testing.T) {
	w := make([]float32, 784*64)
	b := make([]float32, 64)
	w2 := make([]float32, 64*10)
	b2 := make([]float32, 10)
	forLevels(t, func(lvl string) {
		allocs := testing.AllocsPerRun(100, func() {
			var x [784]float32
			var h [64]float32
			var o [10]float32
			x[3] = 1
			MatMulBiasReLU(h[:], x[:], w, b, 1, 64, 784)
			MatMulBias(o[:], h[:], w2, b2, 1, 10, 64)
			MatMulBias(h[:], x[:], w, b, 1, 64, 784)
			sink += o[0] + h[0]
		})
		if allocs != 0 {
			t.Errorf("%s: batch-1 prediction on stack arrays allocates %v times per run", lvl, allocs)
		}
	})
}

var sink float32

// envFree reports whether NNGEN_CPU is unset, so that init chose the best level.
func envFree() bool {
	_, set := os.LookupEnv("NNGEN_CPU")
	return !set
}
