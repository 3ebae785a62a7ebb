package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// idxBytes encodes an unsigned-byte IDX file.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return b
}

func TestReadIDX(t *testing.T) {
	for _, dims := range [][]uint32{{5}, {4, 3}, {3, 2, 5}, {1, 1, 1, 1}} {
		n := 1
		for _, d := range dims {
			n *= int(d)
		}
		want := seq(n)
		raw := idxBytes(dims, want)
		for _, c := range []struct {
			name string
			file []byte
		}{{"raw", raw}, {"gzip", gz(raw)}} {
			gotDims, got, err := ReadIDX(write(t, "f", c.file))
			if err != nil {
				t.Fatalf("%s %v: %v", c.name, dims, err)
			}
			if len(gotDims) != len(dims) {
				t.Fatalf("%s: dims %v, want %v", c.name, gotDims, dims)
			}
			for i := range dims {
				if gotDims[i] != int(dims[i]) {
					t.Fatalf("%s: dims %v, want %v", c.name, gotDims, dims)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %v: data %v, want %v", c.name, dims, got, want)
			}
		}
	}
}

// A data section larger than the first read step (1 MiB) goes through the growing path when
// the gzip trailer does not prove its size; both paths give the same bytes.
func TestReadIDXLargeGzip(t *testing.T) {
	want := seq(3 << 20)
	file := gz(idxBytes([]uint32{3, 1 << 20}, want))
	_, got, err := ReadIDX(write(t, "big.gz", file))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("exact path: %v, equal %v", err, bytes.Equal(got, want))
	}
	// Two gzip members: the trailer states only the second one's size.
	two := append(gz(idxBytes([]uint32{3, 1 << 20}, want[:1<<20])), gz(want[1<<20:])...)
	_, got, err = ReadIDX(write(t, "two.gz", two))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("growing path: %v, equal %v", err, bytes.Equal(got, want))
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes([]uint32{3, 2, 2}, seq(12))
	withType := func(typ byte) []byte { b := slices.Clone(good); b[2] = typ; return b }
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"empty", "e", nil, "empty file (not an IDX file)"},
		{"text", "t.txt", []byte("hello"), "not an IDX file (it starts with 68 65 6c 6c; an IDX file with 00 00, a type byte and a dimension count)"},
		{"unknown type", "u", withType(0x07), "not an IDX file (it starts with 00 00 07 03; an IDX file with 00 00, a type byte and a dimension count)"},
		{"float32", "f", withType(0x0d), "unsupported IDX type 0x0d (float32): only 0x08 (unsigned byte) is read"},
		{"int32 gzip", "i.gz", gz(withType(0x0c)), "unsupported IDX type 0x0c (int32): only 0x08 (unsigned byte) is read"},
		{"no dims", "z", []byte{0, 0, 8, 0}, "corrupt header: 0 dimensions (1 to 16)"},
		{"many dims", "m", []byte{0, 0, 8, 17}, "corrupt header: 17 dimensions (1 to 16)"},
		{"zero dim", "zd", idxBytes([]uint32{3, 0}, nil), "corrupt header: dimension 1 is 0"},
		{"short header", "h", good[:9], "truncated: the file ends inside its header, after 9 bytes"},
		{"short header gzip", "h.gz", gz(good[:9]), "truncated: the file ends inside its header, after 9 bytes"},
		{"truncated", "train-images-idx3-ubyte", good[:len(good)-5], "truncated: header says 3×2×2 bytes, file has 7"},
		{"truncated gzip", "train-images-idx3-ubyte.gz", gz(good[:len(good)-5]), "truncated: header says 3×2×2 bytes, file has 7"},
		{"trailing", "x", append(slices.Clone(good), 0), "trailing data: header says 3×2×2 bytes, file has 13"},
		{"trailing gzip", "x.gz", gz(append(slices.Clone(good), 1, 2)), "trailing data: header says 3×2×2 bytes, file has 14"},
		{"garbage after gzip", "g.gz", append(gz(good), "junk"...), "trailing data: 4 bytes after the gzip stream"},
		{"zeros after gzip", "g0.gz", append(gz(good), make([]byte, 1000)...), "trailing data: 1000 bytes after the gzip stream"},
		{"too large", "l", idxBytes([]uint32{1 << 16, 1 << 16}, nil), "too large: header says 65536×65536 bytes, more than 2147483647"},
		{"too large gzip", "l.gz", gz(idxBytes([]uint32{60000, 28, 28, 56}, nil)), "too large: header says 60000×28×28×56 bytes, more than 2147483647"},
	} {
		path := write(t, tc.file, tc.data)
		_, _, err := ReadIDX(path)
		if want := "dataset: " + path + ": " + tc.want; err == nil || err.Error() != want {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, want)
		}
	}
	_, _, err := ReadIDX(filepath.Join(t.TempDir(), "missing.gz"))
	if err == nil || !strings.HasSuffix(err.Error(), "missing.gz: no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

func TestReadIDXBadGzipChecksum(t *testing.T) {
	file := gz(idxBytes([]uint32{3, 4}, seq(12)))
	file[len(file)-6] ^= 1 // in the CRC-32 of the trailer
	path := write(t, "c.gz", file)
	if _, _, err := ReadIDX(path); err == nil || err.Error() != "dataset: "+path+": corrupt gzip data: gzip: invalid checksum" {
		t.Fatalf("error %v", err)
	}
}

// Every proper prefix of a file, raw or gzip, is an error; none panics.
func TestReadIDXEveryTruncation(t *testing.T) {
	raw := idxBytes([]uint32{10, 10}, seq(100))
	for _, file := range [][]byte{raw, gz(raw)} {
		dir := t.TempDir()
		for n := range len(file) {
			path := filepath.Join(dir, "f")
			os.WriteFile(path, file[:n], 0o644)
			_, _, err := ReadIDX(path)
			if err == nil {
				t.Fatalf("%d of %d bytes: no error", n, len(file))
			}
			if msg := err.Error(); !strings.Contains(msg, "truncated") && !strings.Contains(msg, "empty file") {
				t.Fatalf("%d of %d bytes: %v, want it to say truncated", n, len(file), err)
			}
		}
	}
}

// A header that claims far more data than the file holds must not make ReadIDX allocate it.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	claim := []uint32{1 << 15, 1 << 15} // 1 GiB
	lying := gz(idxBytes(claim, seq(1000)))
	// Even with a trailer that states the claimed size, the compressed size cannot hold it.
	binary.LittleEndian.PutUint32(lying[len(lying)-4:], uint32(8+4+1<<30))
	for _, file := range [][]byte{idxBytes(claim, seq(1000)), gz(idxBytes(claim, seq(1000))), lying} {
		path := write(t, "lie", file)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := ReadIDX(path)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "corrupt gzip") {
			t.Errorf("error %v, want truncated or corrupt", err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
			t.Errorf("allocated %d bytes for a %d-byte file", got, len(file))
		}
	}
}

func FuzzReadIDX(f *testing.F) {
	raw := idxBytes([]uint32{3, 2}, seq(6))
	f.Add(raw)
	f.Add(gz(raw))
	f.Add(append(gz(raw), gz(seq(2))...))
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 1})
	path := filepath.Join(f.TempDir(), "fuzz")
	f.Fuzz(func(t *testing.T, file []byte) {
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		dims, data, err := ReadIDX(path)
		runtime.ReadMemStats(&after)
		if got, most := after.TotalAlloc-before.TotalAlloc, idxAllocBound(file); got > most {
			t.Fatalf("allocated %d bytes for a %d-byte file (at most %d)", got, len(file), most)
		}
		if err != nil {
			if dims != nil || data != nil || !strings.HasPrefix(err.Error(), "dataset: "+path+": ") {
				t.Fatalf("error %v with dims %v", err, dims)
			}
			return
		}
		n := 1
		for _, d := range dims {
			if d < 1 {
				t.Fatalf("dims %v", dims)
			}
			n *= d
		}
		if n != len(data) {
			t.Fatalf("dims %v but %d bytes", dims, len(data))
		}
	})
}
