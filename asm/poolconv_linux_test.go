package asm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// Guard pages for the pooling kernels and Col2Im at every level (see pageguard_test.go: every
// operand against an inaccessible page, at its end and then at its start, so that an access one
// element outside faults), with the results compared bit for bit with the generic level's; and
// their benchmarks at every level, in CPU time.

// levelGuardGeometries are the geometries of the guard-page tests: the MNIST convnet's pooling
// and conv2's Col2Im, and the channel sweep's smaller geometries.
func levelGuardGeometries() (pool, conv []ConvShape) {
	pool = append(pool, poolBench[0].s, poolBench[1].s, poolBench[2].s)
	conv = append(conv, convBench[1].s, convBench[2].s)
	for _, c := range levelChannels {
		for _, s := range levelPoolGeometries(c) {
			if s.H*s.W < 100 {
				pool = append(pool, s)
			}
		}
		for _, s := range levelConvGeometries(c) {
			if s.H*s.W < 100 {
				conv = append(conv, s)
			}
		}
	}
	return pool, conv
}

func TestPoolConvPageGuards(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	pools, convs := levelGuardGeometries()
	guarded := func(n int, atEnd bool, kind int) []float32 {
		s := pageGuarded(t, n, atEnd)
		levelData(r, s, kind)
		return s
	}
	for _, atEnd := range []bool{true, false} {
		for i, s := range pools {
			const rows = 2
			kind := i % 4
			in := guarded(rows*s.H*s.W*s.C, atEnd, kind)
			dout := guarded(rows*s.OH*s.OW*s.C, atEnd, kind)
			name := fmt.Sprintf("%+v atEnd %v", s, atEnd)
			for _, k := range []struct {
				name   string
				outLen int
				run    func(out []float32)
			}{
				{"MaxPool", len(dout), func(out []float32) { MaxPool(out, in, rows, &s) }},
				{"MaxPoolBackward", len(in), func(din []float32) { MaxPoolBackward(din, dout, in, nil, rows, &s) }},
				{"AveragePool", len(dout), func(out []float32) { AveragePool(out, in, rows, &s) }},
				{"AveragePoolBackward", len(in), func(din []float32) { AveragePoolBackward(din, dout, rows, &s) }},
			} {
				atLevels(t, func() []float32 {
					out := guarded(k.outLen, atEnd, 3)
					k.run(out)
					return out
				}, func(lvl string, got, want []float32) {
					levelMismatch(t, k.name+" "+lvl+" "+name, got, want)
				})
			}
		}
		for i, s := range convs {
			const rows = 2
			dcols := guarded(rows*s.OH*s.OW*s.Patch(), atEnd, []int{0, 2, 3}[i%3])
			name := fmt.Sprintf("Col2Im %+v atEnd %v", s, atEnd)
			atLevels(t, func() []float32 {
				din := guarded(rows*s.H*s.W*s.C, atEnd, 3)
				Col2Im(din, dcols, rows, &s)
				return din
			}, func(lvl string, got, want []float32) {
				levelMismatch(t, lvl+" "+name, got, want)
			})
		}
	}
}

// threadCPU is the CPU time the calling thread has used (the caller locks its OS thread), from
// CLOCK_THREAD_CPUTIME_ID: nanoseconds, where getrusage counts scheduler ticks.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		panic(e)
	}
	return time.Duration(ts.Nano())
}

// benchCPU runs f as a benchmark at every supported level and reports, besides the wall time,
// the CPU time per operation (cpu-ns/op), which time the thread spends descheduled on a shared
// machine does not inflate; compare the levels' minima over many runs (-count).
func benchCPU(b *testing.B, name string, f func()) {
	forLevels(b, func(lvl string) {
		b.Run(name+"/"+lvl, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			f() // warm the caches and the page tables
			start := threadCPU()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64((threadCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	})
}

// BenchmarkPoolLevels is BenchmarkPool (pool_test.go's MNIST shapes at batch 128) at every level.
func BenchmarkPoolLevels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range poolBench {
		s := c.s
		in, din := randSlice(r, convBenchRows*s.H*s.W*s.C), make([]float32, convBenchRows*s.H*s.W*s.C)
		out, dout := make([]float32, convBenchRows*s.OH*s.OW*s.C), randSlice(r, convBenchRows*s.OH*s.OW*s.C)
		MaxPool(out, in, convBenchRows, &s)
		benchCPU(b, "MaxPool/"+c.name, func() { MaxPool(out, in, convBenchRows, &s) })
		benchCPU(b, "MaxPoolBackward/"+c.name, func() { MaxPoolBackward(din, dout, in, out, convBenchRows, &s) })
		benchCPU(b, "AveragePool/"+c.name, func() { AveragePool(out, in, convBenchRows, &s) })
		benchCPU(b, "AveragePoolBackward/"+c.name, func() { AveragePoolBackward(din, dout, convBenchRows, &s) })
	}
}

// BenchmarkCol2ImLevels is BenchmarkCol2Im (conv_test.go's MNIST shapes at batch 128) at every
// level, with the memmove of conv2's 17.8 MB for scale.
func BenchmarkCol2ImLevels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range convBench {
		s := c.s
		din := make([]float32, convBenchRows*s.H*s.W*s.C)
		dcols := randSlice(r, convBenchRows*s.OH*s.OW*s.Patch())
		benchCPU(b, "Col2Im/"+c.name, func() { Col2Im(din, dcols, convBenchRows, &s) })
	}
	s := convBench[1].s
	n := convBenchRows * s.OH * s.OW * s.Patch()
	src, dst := randSlice(r, n), make([]float32, n)
	b.Run("memmove_conv2_cols", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := threadCPU()
		for b.Loop() {
			copy(dst, src)
		}
		b.ReportMetric(float64((threadCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
}
