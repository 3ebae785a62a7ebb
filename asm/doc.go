// Package asm holds the numeric kernels that nngen's generated packages call: row-major float32
// matrix products, their bias-fused forms and the optimiser updates. Each kernel has a pure-Go
// version (kernels_generic.go, whose loops are the reference) and, on amd64, AVX2+FMA and
// AVX-512 versions in Plan 9 assembly; one level is chosen once at start-up from the CPU's
// features. The build tags purego and noasm force the pure-Go level.
//
// All matrices are dense and row-major: an m×n matrix C has element (i, j) at c[i*n+j]. The
// kernels panic when an operand is shorter than its shape needs; they never read or write past
// the elements that the shape names.
package asm
