package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/nngen/nngen/asm"
	"github.com/nngen/nngen/generated/mnist"
)

// kernelRounds is how many times each kernel is measured, nngen then OpenBLAS back to back: the
// table gives the medians and the spread of the rounds' ratios. kernelReps repeats of about
// kernelSeconds each make one measurement (their median).
const (
	kernelRounds  = 3
	kernelReps    = 5
	kernelSeconds = 0.05
)

// kernelCase is one row of the kernel table: a product (flops > 0) or an update (bytes > 0) that
// the reference model (examples/mnist.yaml) runs, nngen's call, and OpenBLAS's op on the same
// shape (op empty: OpenBLAS has none).
type kernelCase struct {
	what         string
	flops, bytes float64 // per call; both 0 for a step shown by its time only (the softmax)
	run          func()
	op           string
	m, n, k      int
}

// kernelCases lists the products and updates of a training step of the tutorial MLP (batch 32,
// 784 → 64 relu → 10 softmax, Adam), of one prediction and of a 10,000-row batch prediction.
func kernelCases() []kernelCase {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*r.Float32() - 1
		}
		return s
	}
	const in, hid, out, batch, rows = mnist.InputSize, mnist.Dense1Units, mnist.OutputSize, mnist.BatchSize, 10000
	x, w1, b1, w2, b2 := rnd(batch*in), rnd(in*hid), rnd(hid), rnd(hid*out), rnd(out)
	h, y, dy, dh := rnd(batch*hid), rnd(batch*out), rnd(batch*out), rnd(batch*hid)
	g1, g2 := rnd(in*hid), rnd(hid*out)
	xs, hs, ys := rnd(rows*in), rnd(rows*hid), rnd(rows*out)
	const chunk = mnist.PredictChunk
	mm := func(m, n, k int) float64 { return 2 * float64(m*n*k) }
	cases := []kernelCase{
		{what: "forward 32×784·784×64 +bias+relu", flops: mm(batch, hid, in), op: "nn", m: batch, n: hid, k: in,
			run: func() { asm.MatMulBiasReLU(h, x, w1, b1, batch, hid, in) }},
		{what: "forward 32×64·64×10 +bias", flops: mm(batch, out, hid), op: "nn", m: batch, n: out, k: hid,
			run: func() { asm.MatMulBias(y, h, w2, b2, batch, out, hid) }},
		{what: "weight gradient 784×32ᵀ·32×64", flops: mm(in, hid, batch), op: "tn", m: in, n: hid, k: batch,
			run: func() { asm.MatMulTransA(g1, x, dh, in, hid, batch) }},
		{what: "weight gradient 64×32ᵀ·32×10", flops: mm(hid, out, batch), op: "tn", m: hid, n: out, k: batch,
			run: func() { asm.MatMulTransA(g2, h, dy, hid, out, batch) }},
		{what: "input gradient 32×10·(64×10)ᵀ", flops: mm(batch, hid, out), op: "nt", m: batch, n: hid, k: out,
			run: func() { asm.MatMulTransB(dh, dy, w2, batch, hid, out) }},
		{what: "one prediction 1×784·784×64 (gemv)", flops: mm(1, hid, in), op: "gemv", m: 1, n: hid, k: in,
			run: func() { asm.MatMulBiasReLU(h[:hid], x[:in], w1, b1, 1, hid, in) }},
		{what: "one prediction 1×64·64×10 (gemv)", flops: mm(1, out, hid), op: "gemv", m: 1, n: out, k: hid,
			run: func() { asm.MatMulBias(y[:out], h[:hid], w2, b2, 1, out, hid) }},
		{what: fmt.Sprintf("10,000×784·784×64, chunks of %d", chunk), flops: mm(rows, hid, in), op: "nn", m: rows, n: hid, k: in,
			run: func() {
				for i := 0; i < rows; i += chunk {
					n := min(chunk, rows-i)
					asm.MatMulBiasReLU(hs[i*hid:(i+n)*hid], xs[i*in:(i+n)*in], w1, b1, n, hid, in)
				}
			}},
		{what: fmt.Sprintf("10,000×64·64×10, chunks of %d", chunk), flops: mm(rows, out, hid), op: "nn", m: rows, n: out, k: hid,
			run: func() {
				for i := 0; i < rows; i += chunk {
					n := min(chunk, rows-i)
					asm.MatMulBias(ys[i*out:(i+n)*out], hs[i*hid:(i+n)*hid], w2, b2, n, out, hid)
				}
			}},
	}
	// The rest of a batch prediction, which no BLAS does: the softmax of the 10,000 rows.
	cases = append(cases, kernelCase{what: "softmax of 10,000×10 (no BLAS routine)",
		run: func() { asm.Softmax(ys, rows, out) }})
	// All of it: the generated BatchPredictor on the 10,000 rows (both products, softmax, chunking).
	model := new(mnist.Model)
	model.Init(1)
	bp := mnist.NewBatchPredictor(model)
	cases = append(cases, kernelCase{what: "10,000 predictions, BatchPredictor", flops: mm(rows, hid, in) + mm(rows, out, hid),
		run: func() { bp.Predict(xs, ys) }})
	// Adam on each of the model's variables: reads p, g, m and v, writes p, m and v.
	for _, v := range []struct {
		name string
		n    int
	}{{"784×64 kernel", in * hid}, {"64 bias", hid}, {"64×10 kernel", hid * out}, {"10 bias", out}} {
		p, g, m, s := rnd(v.n), rnd(v.n), rnd(v.n), rnd(v.n)
		for i := range s {
			s[i] *= s[i]
		}
		cases = append(cases, kernelCase{what: "Adam, " + v.name, bytes: 7 * 4 * float64(v.n),
			run: func() { asm.Adam(p, g, m, s, 1e-9, 0.9, 0.999, 1e-7) }})
	}
	return cases
}

// timeNNGen is nngen's median µs per call of run over reps repeats of about seconds each, by the
// thread's CPU clock (as the C peers time themselves).
func timeNNGen(run func(), reps int, seconds float64) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	target := int64(seconds * 1e9)
	n := 1
	for {
		t := threadTime()
		for range n {
			run()
		}
		if d := int64(threadTime() - t); d > target/4 {
			n = int(float64(n)*float64(target)/float64(d)) + 1
			break
		}
		n *= 4
	}
	us := make([]float64, reps)
	for r := range us {
		t := threadTime()
		for range n {
			run()
		}
		us[r] = float64(threadTime()-t) / 1e3 / float64(n)
	}
	return median(us)
}

// runKernels prints the kernel table: the CPU, the FMA peak measured on the spot, and every
// product and update of the reference model at this machine's best level beside OpenBLAS on the
// same shape, one thread.
func runKernels(tmp, fmaSrc string) error {
	c := &cpuid.CPU
	fmt.Printf("\nKernels of the tutorial MLP (examples/mnist.yaml), nngen's %s level, one thread\n", asm.Level())
	fmt.Printf("CPU: %s; %s family %d model %d stepping %d; %s\n", c.BrandName, c.VendorString, c.Family, c.Model, c.Stepping, cpuFeatures(c))
	fmt.Printf("caches: L1D %s, L2 %s, L3 %s\n", kib(c.Cache.L1D), kib(c.Cache.L2), kib(c.Cache.L3))

	peak, err := measureFMA(tmp, fmaSrc, c.Supports(cpuid.AVX512F))
	top := 0.0
	if err != nil {
		fmt.Printf("FMA peak skipped: %v\n", err)
	} else {
		top = peak.avx2
		width := "256-bit"
		if asm.Level() == "avx512" && peak.avx512 > 0 {
			top, width = peak.avx512, "512-bit"
		}
		fmt.Printf("FMA peak (fma.c, 12 chains of %s FMAs): %.1f GFLOP/s (256-bit %.1f [%.1f..%.1f]) at %.2f GHz\n",
			width, top, peak.avx2, peak.avx2Lo, peak.avx2Hi, peak.ghz)
	}
	blas, err := buildOpenBLAS(tmp)
	if err != nil {
		fmt.Printf("OpenBLAS skipped: %v\n", err)
		blas = nil
	}

	type result struct {
		nngen, blas, ratio []float64
	}
	cases := kernelCases()
	results := make([]result, len(cases))
	for round := 0; round < kernelRounds; round++ {
		for i, kc := range cases {
			us := timeNNGen(kc.run, kernelReps, kernelSeconds)
			results[i].nngen = append(results[i].nngen, us)
			if blas == nil || kc.op == "" {
				continue
			}
			bus, err := blas.time(kc.op, kc.m, kc.n, kc.k, kernelReps, kernelSeconds)
			if err != nil {
				fmt.Printf("OpenBLAS skipped: %v\n", err)
				blas = nil
				continue
			}
			results[i].blas = append(results[i].blas, bus)
			results[i].ratio = append(results[i].ratio, bus/us)
		}
	}
	if blas != nil {
		fmt.Printf("OpenBLAS (core %s, OPENBLAS_NUM_THREADS=1) right after nngen on each shape; %d rounds of %d repeats, medians, by %s\n",
			blas.core, kernelRounds, kernelReps, threadClock)
	}

	fmt.Printf("\n%-40s %11s %13s %7s %11s %13s %7s %20s\n", "", "nngen", "", "% peak", "OpenBLAS", "", "% peak", "ratio [spread]")
	for i, kc := range cases {
		r := results[i]
		us := median(r.nngen)
		rate, pct := speed(kc, us, top)
		bus, brate, bpct, ratio := "—", "—", "", "—"
		if len(r.blas) > 0 {
			b := median(r.blas)
			bus = fmtMicros(b)
			brate, bpct = speed(kc, b, top)
			lo, hi := minMax(r.ratio)
			ratio = fmt.Sprintf("%.2fx [%.2f..%.2f]", median(r.ratio), lo, hi)
		}
		fmt.Printf("%-40s %11s %13s %7s %11s %13s %7s %20s\n", kc.what, fmtMicros(us), rate, pct, bus, brate, bpct, ratio)
	}
	fmt.Println("(ratio: OpenBLAS's time over nngen's, above 1 when nngen is faster; Adam in GB/s of p, g, m, v read and p, m, v written;\n" +
		" nngen's 10,000-row products run as the BatchPredictor runs them, OpenBLAS's in one call, as PyTorch runs them)")
	return nil
}

// speed formats a case's rate at us µs per call, and its share of the FMA peak (products only).
func speed(kc kernelCase, us, peak float64) (rate, pct string) {
	switch {
	case kc.bytes > 0:
		return fmt.Sprintf("%.1f GB/s", kc.bytes/us/1e3), ""
	case kc.flops == 0:
		return "", ""
	}
	g := kc.flops / us / 1e3
	if peak > 0 {
		pct = fmt.Sprintf("%.0f%%", 100*g/peak)
	}
	return fmt.Sprintf("%.1f GFLOP/s", g), pct
}

func fmtMicros(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1e3)
	}
	return fmt.Sprintf("%.2f µs", us)
}

// cpuFeatures lists the features that decide the kernels' speed: the SIMD levels, and AMD's
// datapath width (FP128: 256-bit operations split in two, as on Zen 1).
func cpuFeatures(c *cpuid.CPUInfo) string {
	var fs []string
	for _, f := range []cpuid.FeatureID{cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.AVX512VL, cpuid.AVX512BW, cpuid.AVXSLOW, cpuid.FP128, cpuid.FP256} {
		if c.Supports(f) {
			fs = append(fs, f.String())
		}
	}
	if len(fs) == 0 {
		return "no AVX"
	}
	return strings.Join(fs, " ")
}

func kib(bytes int) string {
	switch {
	case bytes <= 0:
		return "?"
	case bytes >= 1<<20:
		return fmt.Sprintf("%d MiB", bytes>>20)
	}
	return fmt.Sprintf("%d KiB", bytes>>10)
}

func minMax(v []float64) (lo, hi float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[0], s[len(s)-1]
}
