package asm

import "testing"

// TestPrefetchRows checks that prefetching rows, at every level, changes nothing and allocates
// nothing, and that a row outside the data is refused rather than silently hinted.
func TestPrefetchRows(t *testing.T) {
	data := make([]uint8, 1000*784+13)
	for i := range data {
		data[i] = uint8(i * 7)
	}
	idx := []int32{0, 999, 500, 3, 998}
	forLevels(t, func(lvl string) {
		if a := testing.AllocsPerRun(10, func() { PrefetchRows(data, idx, 784) }); a != 0 {
			t.Errorf("%s: PrefetchRows allocates %v times", lvl, a)
		}
		PrefetchRows(data[1:], idx, 784) // rows not on cache lines
		PrefetchRows(data, nil, 784)
		for i := range data {
			if data[i] != uint8(i*7) {
				t.Fatalf("%s: byte %d changed", lvl, i)
			}
		}
		for _, bad := range [][]int32{{1000}, {-1}, {0, 1001}} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: PrefetchRows(%v) of 1000 rows did not panic", lvl, bad)
					}
				}()
				PrefetchRows(data[:1000*784], bad, 784)
			}()
		}
	})
}
