//go:build linux

package asm

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// The fences of the other tests catch stray writes and stray reads whose values are used. These
// tests catch any access outside an operand, even one whose value a mask discards: every operand
// sits against an inaccessible page (first at its end, then at its start), so a read or write one
// element outside faults.

// pageGuarded returns n float32 in fresh memory bordered by inaccessible pages, the slice ending
// at the upper border when atEnd, else starting at the lower one.
func pageGuarded(t testing.TB, n int, atEnd bool) []float32 {
	t.Helper()
	ps := os.Getpagesize()
	size := (max(n, 1)*4 + ps - 1) / ps * ps
	mem, err := syscall.Mmap(-1, 0, size+2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[ps+size:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[ps])), size/4)
	if atEnd {
		return all[size/4-n:]
	}
	return all[:n:n]
}

func fillRand(r *rand.Rand, s []float32) []float32 {
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

func TestPageGuards(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	shapes := [][3]int{}
	for d := 1; d <= 70; d += 3 {
		shapes = append(shapes, [3]int{d, 10, 7}, [3]int{5, d, 9}, [3]int{9, 17, d}, [3]int{1, d, 33}, [3]int{d, 65, 1})
	}
	shapes = append(shapes, modelShapes...)
	forLevels(t, func(string) {
		for _, atEnd := range []bool{true, false} {
			for _, s := range shapes {
				m, n, k := s[0], s[1], s[2]
				for kind := 0; kind < kCount; kind++ {
					a := fillRand(r, pageGuarded(t, m*k, atEnd))
					b := fillRand(r, pageGuarded(t, k*n, atEnd))
					bias := fillRand(r, pageGuarded(t, n, atEnd))
					c := pageGuarded(t, m*n, atEnd)
					runProduct(kind, c, a, b, bias, m, n, k)
				}
				ColSum(pageGuarded(t, n, atEnd), fillRand(r, pageGuarded(t, m*n, atEnd)), m, n)
			}
			for n := 1; n <= 40; n++ {
				vec := func() []float32 { return fillRand(r, pageGuarded(t, n, atEnd)) }
				v := vec()
				for i := range v {
					v[i] *= v[i]
				}
				Adam(vec(), vec(), vec(), v, 1e-3, 0.9, 0.999, 1e-7)
				SGD(vec(), vec(), 0.01)
				Momentum(vec(), vec(), vec(), 0.01, 0.9, n%2 == 0)
			}
		}
	})
}

// TestElementwisePageGuards runs ScaleBytes and ReLUBackward with every operand against an
// inaccessible page, at both ends.
func TestElementwisePageGuards(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	forLevels(t, func(string) {
		for _, atEnd := range []bool{true, false} {
			for n := 1; n <= 70; n++ {
				// n bytes against the border: the float32 buffer holds them, shifted to the end.
				words := pageGuarded(t, (n+3)/4, atEnd)
				bytes := unsafe.Slice((*uint8)(unsafe.Pointer(&words[0])), len(words)*4)
				if atEnd {
					bytes = bytes[len(bytes)-n:]
				} else {
					bytes = bytes[:n]
				}
				for i := range bytes {
					bytes[i] = uint8(r.Uint32())
				}
				ScaleBytes(pageGuarded(t, n, atEnd), bytes, 255)
				d, a := fillRand(r, pageGuarded(t, n, atEnd)), fillRand(r, pageGuarded(t, n, atEnd))
				ReLUBackward(d, a)
			}
		}
	})
}
