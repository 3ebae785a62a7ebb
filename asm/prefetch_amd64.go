//go:build amd64 && !purego && !noasm

package asm

// prefetchRowsAMD64 issues PREFETCHT0 for every cache line of rows idx[:n], rowLen bytes each.
//
//go:noescape
func prefetchRowsAMD64(data *uint8, idx *int32, n, rowLen int)

func prefetchRows(data []uint8, idx []int32, rowLen int) {
	prefetchRowsAMD64(&data[0], &idx[0], len(idx), rowLen)
}
