package dataset

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// writeBigCSV writes a CSV file of rows rows: a header, 9 numbers of about 8 characters and a
// class label (class0 to class9) each, about 88 bytes a row.
func writeBigCSV(b *testing.B, path string, rows int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("f0,f1,f2,f3,f4,f5,f6,f7,f8,label\n")
	rng := rand.New(rand.NewPCG(1, 2))
	line := make([]byte, 0, 128)
	for range rows {
		line = line[:0]
		for range 9 {
			line = strconv.AppendFloat(line, rng.Float64()*200-100, 'f', 4, 64)
			line = append(line, ',')
		}
		line = append(line, "class"...)
		line = strconv.AppendInt(line, int64(rng.IntN(10)), 10)
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil || f.Close() != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkReadCSV reads a CSV file of about 100 MB (1.2 million rows of 9 numbers and a class
// label), as a large tabular training set is. It reports the speed, the bytes allocated, and the
// heap in use after reading (the set itself: 48 MB) as heap-MB.
func BenchmarkReadCSV(b *testing.B) {
	const rows = 1_200_000
	path := filepath.Join(b.TempDir(), "big.csv")
	b.SetBytes(writeBigCSV(b, path, rows))
	b.ReportAllocs()
	var s *Set
	for b.Loop() {
		var err error
		if s, err = ReadCSV(path, CSVOptions{Header: true, Inputs: 9}); err != nil {
			b.Fatal(err)
		}
		if s.N != rows || len(s.Classes) != 10 {
			b.Fatalf("%d rows, %d classes", s.N, len(s.Classes))
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/1e6, "heap-MB")
	runtime.KeepAlive(s)
}
