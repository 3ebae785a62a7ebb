//go:build !amd64 || purego || noasm

package asm

// prefetchRows does nothing where there is no assembly: prefetching is only a hint.
func prefetchRows(data []uint8, idx []int32, rowLen int) {}
