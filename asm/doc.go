// Package asm holds the numeric kernels that nngen's generated packages call: row-major float32
// matrix products, their bias-fused forms, the optimiser updates and a few element-wise kernels
// (ScaleBytes, ReLUBackward). Each kernel has a pure-Go version (kernels_generic.go,
// whose loops are the reference) and, on amd64, AVX2+FMA and AVX-512 versions in Plan 9
// assembly; one level is chosen once at start-up from the CPU's features. The build tags purego
// and noasm force the pure-Go level.
//
// All matrices are dense and row-major: an m×n matrix C has element (i, j) at c[i*n+j]. The
// kernels panic when an operand is shorter than its shape needs; they never read or write past
// the elements that the shape names.
//
// # Levels
//
// At init the package picks the fastest level the CPU (and the operating system) supports:
//
//	avx512   AVX-512F (with AVX, AVX2 and FMA3)   512-bit registers, mask registers for edges
//	avx2     AVX, AVX2 and FMA3                   256-bit registers, VMASKMOVPS for edges
//	generic  pure Go                              any architecture; the purego and noasm tags
//
// The environment variable NNGEN_CPU=generic|avx2|avx512 forces a level, for comparisons and to
// work around a suspect kernel. A value that is not a level, or a level this CPU or build cannot
// run, leaves the best level in use and is reported by CheckEnv, which a program should call at
// start-up:
//
//	if err := asm.CheckEnv(); err != nil {
//		fmt.Fprintln(os.Stderr, err)
//		os.Exit(2)
//	}
//	fmt.Println("kernels:", asm.Level())
//
// Every exported kernel dispatches with a switch on the level and calls the assembly directly,
// never through function variables, so that a caller's stack arrays passed as slices stay on the
// stack: a batch-1 prediction allocates nothing.
package asm
