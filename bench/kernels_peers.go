package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// openblasShapesC is the OpenBLAS driver of the kernel table (csrc/openblas_shapes.c; see its
// header comment).
//
//go:embed csrc/openblas_shapes.c
var openblasShapesC []byte

// openblasInclude is where Debian's libopenblas-dev puts cblas.h.
const openblasInclude = "/usr/include/x86_64-linux-gnu/openblas-pthread"

// fmaPeak is what ../shared/bench/fma.c measured: the medians of its repeats.
type fmaPeak struct {
	ghz, avx2, avx512 float64 // clock; GFLOP/s of 256-bit and 512-bit FMAs
	avx2Lo, avx2Hi    float64 // the spread of the 256-bit figure
}

// measureFMA builds fma.c in tmp with gcc and runs it; the error says why it could not.
func measureFMA(tmp, src string, avx512 bool) (fmaPeak, error) {
	if _, err := os.Stat(src); err != nil {
		return fmaPeak{}, fmt.Errorf("no %s (run bench from the nngen checkout, beside ../shared): %w", src, err)
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return fmaPeak{}, errors.New("gcc is not installed (Debian: apt-get install gcc)")
	}
	bin := filepath.Join(tmp, "fma")
	args := []string{"-O2", "-mfma", "-mavx2", "-o", bin, src}
	if avx512 {
		args = append([]string{"-mavx512f"}, args...)
	}
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		return fmaPeak{}, fmt.Errorf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	out, err := exec.Command(bin, "5", "100000000").Output()
	if err != nil {
		return fmaPeak{}, fmt.Errorf("%s: %w", bin, err)
	}
	p, err := parseFMA(out)
	if err != nil {
		return p, fmt.Errorf("%s: %w", bin, err)
	}
	return p, nil
}

// parseFMA reads fma.c's MEDIAN lines.
func parseFMA(out []byte) (fmaPeak, error) {
	var p fmaPeak
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.Join(strings.Fields(sc.Text()), " ")
		switch {
		case strings.HasPrefix(line, "MEDIAN clock "):
			fmt.Sscanf(line, "MEDIAN clock %g GHz", &p.ghz)
		case strings.HasPrefix(line, "MEDIAN avx2-256 FMA "):
			fmt.Sscanf(line, "MEDIAN avx2-256 FMA %g GFLOP/s [%g..%g]", &p.avx2, &p.avx2Lo, &p.avx2Hi)
		case strings.HasPrefix(line, "MEDIAN avx512 FMA "):
			fmt.Sscanf(line, "MEDIAN avx512 FMA %g", &p.avx512)
		}
	}
	if p.avx2 <= 0 {
		return p, fmt.Errorf("no \"MEDIAN avx2-256 FMA\" line in its output:\n%s", out)
	}
	return p, nil
}

// openblas runs the OpenBLAS driver, built once in tmp.
type openblas struct {
	bin, core string
}

// buildOpenBLAS builds openblas_shapes.c against -lopenblas; the error says why it could not.
func buildOpenBLAS(tmp string) (*openblas, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return nil, errors.New("gcc is not installed (Debian: apt-get install gcc libopenblas-dev)")
	}
	if _, err := os.Stat(filepath.Join(openblasInclude, "cblas.h")); err != nil {
		return nil, fmt.Errorf("OpenBLAS is not installed: no %s/cblas.h (Debian: apt-get install libopenblas-dev)", openblasInclude)
	}
	src := filepath.Join(tmp, "openblas_shapes.c")
	if err := os.WriteFile(src, openblasShapesC, 0o600); err != nil {
		return nil, err
	}
	bin := filepath.Join(tmp, "openblas_shapes")
	args := []string{"-O2", "-o", bin, src, "-I" + openblasInclude, "-lopenblas"}
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return &openblas{bin: bin}, nil
}

// time returns OpenBLAS's median µs per call of op on m×n×k over reps repeats of about seconds
// each, on one thread.
func (o *openblas) time(op string, m, n, k, reps int, seconds float64) (float64, error) {
	cmd := exec.Command(o.bin, strconv.Itoa(reps), fmt.Sprint(seconds), op, strconv.Itoa(m), strconv.Itoa(n), strconv.Itoa(k))
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", o.bin, err)
	}
	core, us, err := parseShape(out)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", o.bin, err)
	}
	o.core = core
	return us, nil
}

// parseShape reads the driver's CORE line and the median µs of its first SHAPE line.
func parseShape(out []byte) (core string, us float64, err error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "CORE":
			core = f[1]
		case len(f) == 8 && f[0] == "SHAPE":
			us, err := strconv.ParseFloat(f[5], 64)
			if err != nil || !(us > 0) {
				return core, 0, fmt.Errorf("bad median %q in %q", f[5], sc.Text())
			}
			return core, us, nil
		}
	}
	return core, 0, fmt.Errorf("no SHAPE line in its output:\n%s", out)
}
