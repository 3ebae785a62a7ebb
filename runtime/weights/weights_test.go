package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const fp = 0x1234_5678_9abc_def0

// model returns the tensors of a small two-layer network filled with distinct values (or zeros).
func model(fill bool) []Tensor {
	ts := []Tensor{
		{Name: "dense1/kernel", Shape: []int{3, 4}, Data: make([]float32, 12)},
		{Name: "dense1/bias", Shape: []int{4}, Data: make([]float32, 4)},
		{Name: "dense2/kernel", Shape: []int{4, 2}, Data: make([]float32, 8)},
		{Name: "dense2/bias", Shape: []int{2}, Data: make([]float32, 2)},
	}
	if fill {
		k := 0
		for _, t := range ts {
			for i := range t.Data {
				k++
				t.Data[i] = float32(k)*0.25 - 3
			}
		}
		ts[0].Data[5] = float32(math.Inf(-1))
		ts[0].Data[6] = math.Float32frombits(0x7fc00001) // a NaN payload survives
	}
	return ts
}

func encoded(t *testing.T, ts []Tensor) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, fp, ts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sentinel fills every tensor with a value that no file holds, to see whether Decode touched it.
func sentinel() []Tensor {
	ts := model(false)
	for _, t := range ts {
		for i := range t.Data {
			t.Data[i] = 1234.5
		}
	}
	return ts
}

func unchanged(ts []Tensor) bool {
	for _, t := range ts {
		for _, v := range t.Data {
			if v != 1234.5 {
				return false
			}
		}
	}
	return true
}

func sameBits(a, b []Tensor) bool {
	for i := range a {
		for j := range a[i].Data {
			if math.Float32bits(a[i].Data[j]) != math.Float32bits(b[i].Data[j]) {
				return false
			}
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	want := model(true)
	got := model(false)
	if err := Decode("mem", encoded(t, want), fp, got); err != nil {
		t.Fatal(err)
	}
	if !sameBits(got, want) {
		t.Fatalf("decoded %v, want %v", got, want)
	}

	path := filepath.Join(t.TempDir(), "mnist.weights")
	if err := Save(path, fp, want); err != nil {
		t.Fatal(err)
	}
	got = model(false)
	if err := Load(path, fp, got); err != nil {
		t.Fatal(err)
	}
	if !sameBits(got, want) {
		t.Fatalf("loaded %v, want %v", got, want)
	}
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, encoded(t, want)) {
		t.Fatal("Save and Write give different bytes")
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Fatalf("folder holds %d files after Save, want 1", len(ents))
	}
}

// TestFormat pins the layout byte by byte for a one-tensor file.
func TestFormat(t *testing.T) {
	got := encoded(t, []Tensor{{Name: "b", Shape: []int{2}, Data: []float32{1, -2}}})
	want := []byte("NNGENW\x00\x01" +
		"\x01\x00\x00\x00" + // version
		"\xf0\xde\xbc\x9a\x78\x56\x34\x12" + // fingerprint
		"\x01\x00\x00\x00" + // count
		"\x01\x00b" + // name
		"\x01\x02\x00\x00\x00" + // rank, dims
		"\x00\x00\x80\x3f\x00\x00\x00\xc0") // 1, -2
	want = binary.LittleEndian.AppendUint32(want, crc32.ChecksumIEEE(want))
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%q\nwant\n%q", got, want)
	}
}

func TestEveryByteFlipped(t *testing.T) {
	ts := model(true)
	file := encoded(t, ts)
	// The offsets of the count, and of every name length, rank and dimension.
	sizeField := map[int]bool{20: true, 21: true, 22: true, 23: true}
	off := headerSize
	for _, t := range ts {
		sizeField[off], sizeField[off+1] = true, true
		off += 2 + len(t.Name)
		for k := range 1 + 4*len(t.Shape) {
			sizeField[off+k] = true
		}
		off += 1 + 4*len(t.Shape) + 4*len(t.Data)
	}
	if off+4 != len(file) {
		t.Fatalf("layout: %d bytes, file has %d", off+4, len(file))
	}
	for i := range file {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := slices.Clone(file)
			bad[i] ^= mask
			ts := sentinel()
			err := Decode("w", bad, fp, ts)
			if err == nil {
				t.Fatalf("byte %d ^ %#x: no error", i, mask)
			}
			if !unchanged(ts) {
				t.Fatalf("byte %d ^ %#x: %v, and the tensors changed", i, mask, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "weights: w: ") {
				t.Fatalf("byte %d: error %q does not start with the file name", i, msg)
			}
			// A damaged size field may make the tensors run past the end, which reads as a
			// truncation; any other damage is a checksum mismatch (the fingerprint and the
			// count are checked only once the checksum holds).
			want := []string{"checksum mismatch (file corrupt)"}
			switch {
			case i < 8:
				want = []string{"not an nngen weights file"}
			case i < 12:
				want = []string{"format version"}
			case sizeField[i]:
				want = append(want, "truncated: ")
			}
			if !slices.ContainsFunc(want, func(w string) bool { return strings.Contains(msg, w) }) {
				t.Fatalf("byte %d ^ %#x: error %q, want it to say one of %q", i, mask, msg, want)
			}
		}
	}
}

func TestEveryTruncation(t *testing.T) {
	file := encoded(t, model(true))
	for n := range len(file) {
		ts := sentinel()
		err := Decode("w", file[:n], fp, ts)
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("%d of %d bytes: error %v, want it to say truncated", n, len(file), err)
		}
		if !unchanged(ts) {
			t.Fatalf("%d bytes: tensors changed", n)
		}
	}
}

func TestTruncationMessage(t *testing.T) {
	// Tensor 0 (dense1/kernel [3 4]) takes bytes 24 to 96 of the file.
	err := Decode("w", encoded(t, model(true))[:100], fp, sentinel())
	if want := "weights: w: truncated: the file is 100 bytes and ends in tensor 1 of 4"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestTrailingBytes(t *testing.T) {
	file := append(encoded(t, model(true)), 0, 0)
	err := Decode("w", file, fp, sentinel())
	if err == nil || err.Error() != "weights: w: corrupt: 2 bytes of trailing data after the checksum (the weights end at byte 216)" {
		t.Fatalf("error %v", err)
	}
}

func TestMismatches(t *testing.T) {
	file := encoded(t, model(true))
	for _, tc := range []struct {
		name  string
		fp    uint64
		model func([]Tensor) []Tensor
		want  string
	}{
		{"fingerprint", 0xbeef, nil,
			"weights: mnist.weights: made for another network (fingerprint 0x123456789abcdef0, this model is 0x000000000000beef)"},
		{"fingerprint and shape", 0xbeef, func(ts []Tensor) []Tensor {
			ts[1] = Tensor{Name: "dense1/bias", Shape: []int{5}, Data: make([]float32, 5)}
			return ts
		}, "weights: mnist.weights: made for another network (fingerprint 0x123456789abcdef0, this model is 0x000000000000beef; tensor 1 is dense1/bias [4] in the file, the model has dense1/bias [5])"},
		{"shape", fp, func(ts []Tensor) []Tensor {
			ts[1] = Tensor{Name: "dense1/bias", Shape: []int{64}, Data: make([]float32, 64)}
			return ts
		}, "weights: mnist.weights: tensor 1 is dense1/bias [4] in the file, the model has dense1/bias [64]"},
		{"rank", fp, func(ts []Tensor) []Tensor {
			ts[2] = Tensor{Name: "dense2/kernel", Shape: []int{8}, Data: make([]float32, 8)}
			return ts
		}, "weights: mnist.weights: tensor 2 is dense2/kernel [4 2] in the file, the model has dense2/kernel [8]"},
		{"name", fp, func(ts []Tensor) []Tensor {
			ts[3].Name = "out/bias"
			return ts
		}, "weights: mnist.weights: tensor 3 is dense2/bias [2] in the file, the model has out/bias [2]"},
		{"fewer in the model", fp, func(ts []Tensor) []Tensor { return ts[:3] },
			"weights: mnist.weights: the file has 4 tensors, the model has 3 (tensor 3 is dense2/bias [2] in the file, the model has no tensor 3)"},
		{"more in the model", fp, func(ts []Tensor) []Tensor {
			return append(ts, Tensor{Name: "dense3/bias", Shape: []int{1}, Data: make([]float32, 1)})
		}, "weights: mnist.weights: the file has 4 tensors, the model has 5 (the file has no tensor 4, the model has dense3/bias [1])"},
	} {
		ts := sentinel()
		if tc.model != nil {
			ts = tc.model(ts)
			for _, t := range ts {
				for i := range t.Data {
					t.Data[i] = 1234.5
				}
			}
		}
		err := Decode("mnist.weights", file, tc.fp, ts)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, tc.want)
		}
		if !unchanged(ts) {
			t.Errorf("%s: tensors changed", tc.name)
		}
	}
}

// craft returns a file with a valid checksum around an arbitrary body after the header.
func craft(count uint32, body ...[]byte) []byte {
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, Version)
	b = binary.LittleEndian.AppendUint64(b, fp)
	b = binary.LittleEndian.AppendUint32(b, count)
	for _, p := range body {
		b = append(b, p...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func TestCraftedFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated: the file is 0 bytes"},
		{"text", []byte("hello, world\n"), `not an nngen weights file (it starts with "hello, w", a weights file with "NNGENW\x00\x01")`},
		{"newer version", append([]byte(Magic), 2, 0, 0, 0), "format version 2, from a newer nngen; this one reads version 1"},
		{"old version", append([]byte(Magic), 0, 0, 0, 0), "format version 0; this nngen reads version 1"},
		{"empty name", craft(1, []byte{0, 0}), "corrupt: tensor 0 has a name of 0 bytes (1 to 255)"},
		{"long name", craft(1, []byte{0, 1}, make([]byte, 256)), "corrupt: tensor 0 has a name of 256 bytes (1 to 255)"},
		{"bad UTF-8", craft(1, []byte{1, 0, 0xff, 0}), `corrupt: tensor 0 has a name that is not UTF-8 ("\xff")`},
		{"rank", craft(1, []byte{1, 0, 'a', 9}), "corrupt: tensor 0 (a) has rank 9 (at most 8)"},
		{"zero dim", craft(1, []byte{1, 0, 'a', 1}, u32(0)), "corrupt: tensor 0 (a) has a dimension of 0"},
		{"huge dims", craft(1, []byte{2, 0, 'a', '\n', 8}, u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1)),
			`corrupt: tensor 0 of 1 runs past the end of the file (65 bytes)`},
		{"huge count", craft(1<<32 - 1), "corrupt: tensor 0 of 4294967295 runs past the end of the file (28 bytes)"},
		{"bytes before the checksum", craft(0, []byte{1, 2}), "corrupt: 2 bytes between the last tensor and the checksum"},
		{"only a header", append([]byte(Magic), 1, 0, 0, 0, 1), "truncated: the file is 13 bytes, its header and checksum alone take 28"},
		{"valid but wrong count", craft(1, []byte{1, 0, 'a', 0}, u32(math.Float32bits(1))), "the file has 1 tensors, the model has 4 (tensor 0 is a [] in the file, the model has dense1/kernel [3 4])"},
	} {
		ts := sentinel()
		err := Decode("f", tc.file, fp, ts)
		if err == nil || err.Error() != "weights: f: "+tc.want {
			t.Errorf("%s: error\n%v\nwant\nweights: f: %s", tc.name, err, tc.want)
		}
		if !unchanged(ts) {
			t.Errorf("%s: tensors changed", tc.name)
		}
	}
	// A crafted name with control characters is quoted in errors.
	err := Decode("f", craft(1, []byte{2, 0, '\x1b', '[', 1}, u32(0)), fp, sentinel())
	if err == nil || err.Error() != `weights: f: corrupt: tensor 0 ("\x1b[") has a dimension of 0` {
		t.Errorf("control characters: error %v", err)
	}
}

func TestBadModelTensors(t *testing.T) {
	for _, tc := range []struct {
		t    Tensor
		want string
	}{
		{Tensor{Name: "a", Shape: []int{2, 3}, Data: make([]float32, 5)}, "model tensor 0 (a): shape [2 3] needs 6 values, Data has 5"},
		{Tensor{Name: "", Shape: nil, Data: make([]float32, 1)}, `model tensor 0: name "" must be 1 to 255 bytes of UTF-8`},
		{Tensor{Name: "a", Shape: []int{0}, Data: nil}, "model tensor 0 (a): shape [0]: every dimension must be 1 to 4294967295"},
		{Tensor{Name: "a", Shape: make([]int, 9), Data: nil}, "model tensor 0 (a): rank 9, at most 8"},
	} {
		ts := []Tensor{tc.t}
		path := filepath.Join(t.TempDir(), "x.weights")
		if err := Save(path, fp, ts); err == nil || err.Error() != "weights: "+path+": "+tc.want {
			t.Errorf("Save: error %v, want %s", err, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Save with a bad tensor created the file")
		}
		var b bytes.Buffer
		if err := Write(&b, fp, ts); err == nil || err.Error() != "weights: "+tc.want || b.Len() != 0 {
			t.Errorf("Write: error %v, %d bytes written; want %s and nothing written", err, b.Len(), tc.want)
		}
		if err := Decode("d", encoded(t, model(true)), fp, ts); err == nil || err.Error() != "weights: d: "+tc.want {
			t.Errorf("Decode: error %v, want %s", err, tc.want)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	big := []Tensor{{Name: "k", Shape: []int{100, 100}, Data: make([]float32, 10000)}}
	if err := Write(&failWriter{n: 20 << 10}, fp, big); err == nil || err.Error() != "weights: disk full" {
		t.Fatalf("error %v, want weights: disk full", err)
	}
}

func TestSaveLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Save(filepath.Join(dir, "no", "w"), fp, model(true)); err == nil || !strings.HasPrefix(err.Error(), "weights: "+filepath.Join(dir, "no", "w")+": ") {
		t.Errorf("Save into a missing folder: %v", err)
	}
	// Saving over a folder fails, and leaves no temporary file beside it.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(filepath.Join(dir, "d"), fp, model(true)); err == nil {
		t.Error("Save over a folder: no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(ents))
	}

	ts := sentinel()
	if err := Load(filepath.Join(dir, "missing"), fp, ts); err == nil || !strings.Contains(err.Error(), "no such file") || !strings.HasPrefix(err.Error(), "weights: ") {
		t.Errorf("Load of a missing file: %v", err)
	}
	// A file far larger than the model's weights is refused without reading it all.
	big := filepath.Join(dir, "big.weights")
	other := []Tensor{{Name: "k", Shape: []int{1 << 19}, Data: make([]float32, 1<<19)}}
	if err := Save(big, 0xbeef, other); err != nil {
		t.Fatal(err)
	}
	err := Load(big, fp, ts)
	if want := "weights: " + big + ": made for another network (fingerprint 0x000000000000beef, this model is 0x123456789abcdef0; the file is 2097188 bytes, this model's weights take 216)"; err == nil || err.Error() != want {
		t.Errorf("Load of a large file:\n%v\nwant\n%s", err, want)
	}
	if !unchanged(ts) {
		t.Error("tensors changed")
	}
}

func FuzzDecode(f *testing.F) {
	file := func(ts []Tensor) []byte {
		var b bytes.Buffer
		Write(&b, fp, ts)
		return b.Bytes()
	}
	f.Add(file(model(true)))
	f.Add(file(model(true)[:1]))
	f.Add(file(nil))
	f.Add(craft(1, []byte{1, 0, 'a', 1}, u32(3)))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts := sentinel()
		err := Decode("fuzz", data, fp, ts)
		if err != nil {
			if !unchanged(ts) {
				t.Fatalf("%v, and the tensors changed", err)
			}
			return
		}
		// Whatever decodes must encode back to the same bytes.
		if again := file(ts); !bytes.Equal(again, data) {
			t.Fatalf("decoded, but re-encodes differently:\n%q\n%q", data, again)
		}
	})
}
