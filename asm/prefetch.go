package asm

// PrefetchRows asks the CPU to start loading rows idx of a row-major byte matrix (rows of rowLen
// bytes) into its caches, and returns at once. A training loop calls it for the next batch's
// samples before running the current step, so that gathering the next batch, scattered over tens
// of megabytes, does not wait for memory. It changes nothing and is a hint: on the pure-Go level
// and other architectures it does nothing. It panics when a row lies outside data.
func PrefetchRows(data []uint8, idx []int32, rowLen int) {
	for _, i := range idx {
		if i < 0 || int(i)*rowLen+rowLen > len(data) {
			panic("asm: PrefetchRows: row outside the data")
		}
	}
	if rowLen > 0 && len(idx) > 0 {
		prefetchRows(data, idx, rowLen)
	}
}
