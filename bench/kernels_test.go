package main

import (
	"strings"
	"testing"
)

// fmaOut is fma.c's output on the 2-core AMD EPYC Zen 3 (family 25 model 1), shortened.
const fmaOut = `rep 0: clock(addchain) 2.832 GHz  avx2-256 57.03 GFLOP/s  avx512 0.00 GFLOP/s  (flop/cyc 256=20.14 512=0.00)
MEDIAN clock 2.854 GHz [2.832..2.871]
MEDIAN avx2-256 FMA 71.33 GFLOP/s [57.03..73.21]
MEDIAN avx512   FMA 0.00 GFLOP/s [0.00..0.00]
`

func TestParseFMA(t *testing.T) {
	p, err := parseFMA([]byte(fmaOut))
	if err != nil {
		t.Fatal(err)
	}
	if p.ghz != 2.854 || p.avx2 != 71.33 || p.avx2Lo != 57.03 || p.avx2Hi != 73.21 || p.avx512 != 0 {
		t.Errorf("parseFMA = %+v, want clock 2.854, avx2 71.33 [57.03..73.21], avx512 0", p)
	}
	p, err = parseFMA([]byte(strings.Replace(fmaOut, "MEDIAN avx512   FMA 0.00", "MEDIAN avx512   FMA 162.90", 1)))
	if err != nil || p.avx512 != 162.9 {
		t.Errorf("parseFMA of an AVX-512 machine's output: %+v, %v; want avx512 162.9", p, err)
	}
	if _, err := parseFMA([]byte("segmentation fault\n")); err == nil {
		t.Error("parseFMA accepted an output without MEDIAN lines")
	}
}

func TestParseShape(t *testing.T) {
	core, us, err := parseShape([]byte("CORE Zen\nSHAPE nn 32 64 784 61.5061 55.5971 61.9208\n"))
	if err != nil || core != "Zen" || us != 61.5061 {
		t.Errorf("parseShape = %q, %v, %v; want Zen, 61.5061, nil", core, us, err)
	}
	for _, bad := range []string{"CORE Zen\n", "SHAPE nn 32 64 784 x 1 2\n", "SHAPE nn 32 64 784 0 0 0\n"} {
		if _, _, err := parseShape([]byte(bad)); err == nil {
			t.Errorf("parseShape(%q) gave no error", bad)
		}
	}
}

// TestKernelCases checks that every row of the table runs and counts its work as its shape says,
// so that a GFLOP/s figure is never off by a mislabelled shape.
func TestKernelCases(t *testing.T) {
	for _, kc := range kernelCases() {
		if kc.flops > 0 && kc.bytes > 0 || kc.flops == 0 && kc.bytes == 0 && !strings.HasPrefix(kc.what, "softmax") {
			t.Errorf("%s: flops %v, bytes %v; want exactly one of them", kc.what, kc.flops, kc.bytes)
		}
		if kc.op != "" && kc.flops != 2*float64(kc.m*kc.n*kc.k) {
			t.Errorf("%s: %v flops for OpenBLAS's %s %d×%d×%d, want 2·m·n·k", kc.what, kc.flops, kc.op, kc.m, kc.n, kc.k)
		}
		kc.run()
	}
}

// TestOpenBLASDriver builds csrc/openblas_shapes.c and times a small product of each op, where
// gcc and OpenBLAS are installed.
func TestOpenBLASDriver(t *testing.T) {
	o, err := buildOpenBLAS(t.TempDir())
	if err != nil {
		t.Skip(err)
	}
	for _, op := range []string{"nn", "tn", "nt", "gemv"} {
		m := 3
		if op == "gemv" {
			m = 1
		}
		us, err := o.time(op, m, 5, 7, 3, 0.001)
		if err != nil || !(us > 0) {
			t.Errorf("%s: %v µs, %v", op, us, err)
		}
	}
	if o.core == "" {
		t.Error("the driver printed no CORE line")
	}
}
