package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const fp = 0x1234_5678_9abc_def0

// iris is a set of class names for the tests.
var iris = []string{"setosa", "versicolor", "virginica"}

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
		ts[0].Data[5] = -math.MaxFloat32
		ts[0].Data[6] = math.Float32frombits(0x80000001) // a negative subnormal survives
		ts[0].Data[7] = float32(math.Copysign(0, -1))    // and so does −0
	}
	return ts
}

// encoded returns the file that Write makes of ts and classes.
func encoded(t *testing.T, ts []Tensor, classes []string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, fp, ts, classes); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodedV1 returns ts as a version 1 file, as the nngen of that version wrote it.
func encodedV1(t *testing.T, ts []Tensor) []byte {
	t.Helper()
	if _, err := checkModel(ts); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := encode(&b, 1, fp, ts, nil); err != nil {
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
	for _, classes := range [][]string{
		nil,
		{},
		iris,
		{"0", "1"},
		{"Iris setosa", " padded ", "été", "猫", "👩‍💻", "\ufffd", strings.Repeat("x", MaxClassNameLen)},
	} {
		want := model(true)
		got := model(false)
		file := encoded(t, want, classes)
		gotClasses, err := Decode("mem", file, fp, got, -1)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(got, want) {
			t.Fatalf("decoded %v, want %v", got, want)
		}
		if len(classes) == 0 && gotClasses != nil {
			t.Fatalf("classes %q: decoded %#v, want nil", classes, gotClasses)
		}
		if !slices.Equal(gotClasses, classes) {
			t.Fatalf("decoded classes %q, want %q", gotClasses, classes)
		}
		// The names are fresh strings: changing the bytes decoded leaves them as they were.
		for i := range file {
			file[i] = 'Z'
		}
		if !slices.Equal(gotClasses, classes) {
			t.Fatalf("classes %q changed with the bytes they were decoded from", classes)
		}

		path := filepath.Join(t.TempDir(), "mnist.weights")
		if err := Save(path, fp, want, classes); err != nil {
			t.Fatal(err)
		}
		got = model(false)
		gotClasses, err = Load(path, fp, got, -1)
		if err != nil {
			t.Fatal(err)
		}
		if !sameBits(got, want) {
			t.Fatalf("loaded %v, want %v", got, want)
		}
		if !slices.Equal(gotClasses, classes) || (len(classes) == 0 && gotClasses != nil) {
			t.Fatalf("loaded classes %#v, want %#v", gotClasses, classes)
		}
		onDisk, _ := os.ReadFile(path)
		if !bytes.Equal(onDisk, encoded(t, want, classes)) {
			t.Fatal("Save and Write give different bytes")
		}
		ents, _ := os.ReadDir(filepath.Dir(path))
		if len(ents) != 1 {
			t.Fatalf("folder holds %d files after Save, want 1", len(ents))
		}
	}
}

// TestFormat pins the layout byte by byte for a one-tensor file, without and with class names.
func TestFormat(t *testing.T) {
	ts := []Tensor{{Name: "b", Shape: []int{2}, Data: []float32{1, -2}}}
	head := "NNGENW\x00\x01" +
		"\x02\x00\x00\x00" + // version
		"\xf0\xde\xbc\x9a\x78\x56\x34\x12" + // fingerprint
		"\x01\x00\x00\x00" + // count
		"\x01\x00b" + // name
		"\x01\x02\x00\x00\x00" + // rank, dims
		"\x00\x00\x80\x3f\x00\x00\x00\xc0" // 1, -2
	for _, tc := range []struct {
		classes []string
		section string
	}{
		{nil, "\x00\x00\x00\x00"},
		{[]string{}, "\x00\x00\x00\x00"},
		{[]string{"a", "é!"}, "\x02\x00\x00\x00" + "\x01\x00a" + "\x03\x00\xc3\xa9!"},
	} {
		got := encoded(t, ts, tc.classes)
		want := []byte(head + tc.section)
		want = binary.LittleEndian.AppendUint32(want, crc32.ChecksumIEEE(want))
		if !bytes.Equal(got, want) {
			t.Fatalf("classes %q: encoded\n%q\nwant\n%q", tc.classes, got, want)
		}
	}
}

// TestVersion1 reads version 1 files: the same layout without the class section.
func TestVersion1(t *testing.T) {
	// The layout byte by byte, as version 1 wrote it.
	file := []byte("NNGENW\x00\x01" +
		"\x01\x00\x00\x00" + // version
		"\xf0\xde\xbc\x9a\x78\x56\x34\x12" + // fingerprint
		"\x01\x00\x00\x00" + // count
		"\x01\x00b" + // name
		"\x01\x02\x00\x00\x00" + // rank, dims
		"\x00\x00\x80\x3f\x00\x00\x00\xc0") // 1, -2
	file = binary.LittleEndian.AppendUint32(file, crc32.ChecksumIEEE(file))
	ts := []Tensor{{Name: "b", Shape: []int{2}, Data: make([]float32, 2)}}
	classes, err := Decode("v1", file, fp, ts, -1)
	if err != nil || classes != nil || !slices.Equal(ts[0].Data, []float32{1, -2}) {
		t.Fatalf("Decode: %v, classes %#v, data %v; want no error, nil, [1 -2]", err, classes, ts[0].Data)
	}
	if !bytes.Equal(encodedV1(t, ts), file) {
		t.Fatal("encode(version 1) differs from the version 1 layout")
	}

	want := model(true)
	got := model(false)
	path := filepath.Join(t.TempDir(), "v1.weights")
	if err := os.WriteFile(path, encodedV1(t, want), 0o644); err != nil {
		t.Fatal(err)
	}
	classes, err = Load(path, fp, got, -1)
	if err != nil || classes != nil || !sameBits(got, want) {
		t.Fatalf("Load: %v, classes %#v, tensors %v; want %v", err, classes, got, want)
	}
}

// TestMNISTVersion1 reads the version 1 file that examples/embed carries, which nngen wrote
// before version 2.
func TestMNISTVersion1(t *testing.T) {
	const path = "../../examples/embed/mnist.weights"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const mnistFingerprint = 0x74931b0b888cf5be // generated/mnist.Fingerprint
	gotFP, version, count, err := header(data)
	if err != nil || gotFP != mnistFingerprint || version != 1 || count != 4 {
		t.Fatalf("header: fingerprint %#x, version %d, %d tensors, %v; want %#x, 1, 4", gotFP, version, count, err, uint64(mnistFingerprint))
	}
	ts := []Tensor{
		{Name: "dense1/kernel", Shape: []int{784, 64}, Data: make([]float32, 784*64)},
		{Name: "dense1/bias", Shape: []int{64}, Data: make([]float32, 64)},
		{Name: "dense2/kernel", Shape: []int{64, 10}, Data: make([]float32, 64*10)},
		{Name: "dense2/bias", Shape: []int{10}, Data: make([]float32, 10)},
	}
	classes, err := Load(path, mnistFingerprint, ts, -1)
	if err != nil || classes != nil {
		t.Fatalf("Load: %v, classes %#v", err, classes)
	}
	for _, tn := range ts {
		nonzero := 0
		for _, v := range tn.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 100 {
				t.Fatalf("%s: value %v, not a trained weight", tn.Name, v)
			}
			if v != 0 {
				nonzero++
			}
		}
		if nonzero == 0 {
			t.Errorf("%s: all zeros", tn.Name)
		}
	}
	// Written again, it is a version 2 file without class names that reads back the same.
	var b bytes.Buffer
	if err := Write(&b, mnistFingerprint, ts, nil); err != nil {
		t.Fatal(err)
	}
	if b.Len() != len(data)+4 {
		t.Errorf("version 2 file of %d bytes, want %d (version 1 and the class count)", b.Len(), len(data)+4)
	}
}

// sizeFields returns the offsets of the bytes that say how large something is in a file of ts
// and classes (the tensor count, every name length, rank and dimension, the class count and every
// class name length), and the size of the file.
func sizeFields(ts []Tensor, version int, classes []string) (map[int]bool, int) {
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
	if version >= 2 {
		for k := range 4 {
			sizeField[off+k] = true
		}
		off += 4
		for _, c := range classes {
			sizeField[off], sizeField[off+1] = true, true
			off += 2 + len(c)
		}
	}
	return sizeField, off + 4
}

func TestEveryByteFlipped(t *testing.T) {
	ts := model(true)
	for _, tc := range []struct {
		version int
		classes []string
		file    []byte
	}{
		{1, nil, encodedV1(t, ts)},
		{2, nil, encoded(t, ts, nil)},
		{2, iris, encoded(t, ts, iris)},
	} {
		sizeField, size := sizeFields(ts, tc.version, tc.classes)
		if size != len(tc.file) {
			t.Fatalf("layout: %d bytes, file has %d", size, len(tc.file))
		}
		for i := range tc.file {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				bad := slices.Clone(tc.file)
				bad[i] ^= mask
				ts := sentinel()
				classes, err := Decode("w", bad, fp, ts, -1)
				if err == nil {
					t.Fatalf("version %d, classes %q, byte %d ^ %#x: no error", tc.version, tc.classes, i, mask)
				}
				if !unchanged(ts) || classes != nil {
					t.Fatalf("byte %d ^ %#x: %v, and the tensors changed or classes %q came back", i, mask, err, classes)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "weights: w: ") {
					t.Fatalf("byte %d: error %q does not start with the file name", i, msg)
				}
				// A damaged size field may make the tensors or the class names run past the
				// end, which reads as a truncation; any other damage is a checksum mismatch
				// (the fingerprint and the count are checked only once the checksum holds).
				want := []string{"checksum mismatch (file corrupt)"}
				switch {
				case i < 8:
					want = []string{"not an nngen weights file"}
				case i < 12:
					want = []string{"format version"} // no mask turns 1 into 2 or back
				case sizeField[i]:
					want = append(want, "truncated: ")
				}
				if !slices.ContainsFunc(want, func(w string) bool { return strings.Contains(msg, w) }) {
					t.Fatalf("version %d, classes %q, byte %d ^ %#x: error %q, want it to say one of %q", tc.version, tc.classes, i, mask, msg, want)
				}
			}
		}
	}
}

func TestEveryTruncation(t *testing.T) {
	for _, file := range [][]byte{
		encodedV1(t, model(true)),
		encoded(t, model(true), nil),
		encoded(t, model(true), iris),
		encoded(t, model(true)[:1], []string{"a", "b", strings.Repeat("c", 300)}),
		encoded(t, nil, []string{"x"}),
	} {
		for n := range len(file) {
			ts := sentinel()
			classes, err := Decode("w", file[:n], fp, ts, -1)
			if err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Fatalf("%d of %d bytes: error %v, want it to say truncated", n, len(file), err)
			}
			if !unchanged(ts) || classes != nil {
				t.Fatalf("%d bytes: tensors changed or classes %q came back", n, classes)
			}
		}
	}
}

func TestTruncationMessage(t *testing.T) {
	// Tensor 0 (dense1/kernel [3 4]) takes bytes 24 to 96 of the file, the tensors end at byte
	// 212, the class count takes 212 to 216, "setosa" 216 to 224, "versicolor" 224 to 236.
	file := encoded(t, model(true), iris)
	for _, tc := range []struct {
		n    int
		want string
	}{
		{100, "truncated: the file is 100 bytes and ends in tensor 1 of 4"},
		{214, "truncated: the file is 214 bytes and ends in the number of class names"},
		{217, "truncated: the file is 217 bytes and ends in class name 0 of 3"},
		{230, "truncated: the file is 230 bytes and ends in class name 1 of 3"},
		{len(file) - 2, fmt.Sprintf("truncated: the file is %d bytes and ends before its checksum", len(file)-2)},
	} {
		_, err := Decode("w", file[:tc.n], fp, sentinel(), -1)
		if want := "weights: w: " + tc.want; err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	}
}

func TestTrailingBytes(t *testing.T) {
	for _, tc := range []struct {
		file []byte
		end  int
	}{
		{encoded(t, model(true), nil), 220},
		{encoded(t, model(true), iris), 220 + 2 + 6 + 2 + 10 + 2 + 9},
		{encodedV1(t, model(true)), 216},
	} {
		file := append(tc.file, 0, 0)
		_, err := Decode("w", file, fp, sentinel(), -1)
		want := fmt.Sprintf("weights: w: corrupt: 2 bytes of trailing data after the checksum (the weights end at byte %d)", tc.end)
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	}
}

func TestMismatches(t *testing.T) {
	for _, file := range [][]byte{encoded(t, model(true), iris), encodedV1(t, model(true))} {
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
			classes, err := Decode("mnist.weights", file, tc.fp, ts, -1)
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s: error\n%v\nwant\n%s", tc.name, err, tc.want)
			}
			if !unchanged(ts) || classes != nil {
				t.Errorf("%s: tensors changed or classes %q came back", tc.name, classes)
			}
		}
	}
}

// craftVersion returns a file of the given version with a valid checksum around an arbitrary
// body after the header.
func craftVersion(version, count uint32, body ...[]byte) []byte {
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, fp)
	b = binary.LittleEndian.AppendUint32(b, count)
	for _, p := range body {
		b = append(b, p...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// craft returns a version 1 file with a valid checksum around an arbitrary body after the header.
func craft(count uint32, body ...[]byte) []byte { return craftVersion(1, count, body...) }

// craft2 returns a version 2 file with no tensors, a valid checksum and an arbitrary class
// section.
func craft2(section ...[]byte) []byte { return craftVersion(2, 0, section...) }

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// names returns a class section body: each name with its length.
func names(ns ...string) []byte {
	var b []byte
	for _, n := range ns {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return b
}

func TestCraftedFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated: the file is 0 bytes"},
		{"text", []byte("hello, world\n"), `not an nngen weights file (it starts with "hello, w", a weights file with "NNGENW\x00\x01")`},
		{"newer version", append([]byte(Magic), 3, 0, 0, 0), "format version 3, from a newer nngen; this one reads versions 1 to 2"},
		{"old version", append([]byte(Magic), 0, 0, 0, 0), "format version 0; this nngen reads versions 1 to 2"},
		{"empty name", craft(1, []byte{0, 0}), "corrupt: tensor 0 has a name of 0 bytes (1 to 255)"},
		{"long name", craft(1, []byte{0, 1}, make([]byte, 256)), "corrupt: tensor 0 has a name of 256 bytes (1 to 255)"},
		{"bad UTF-8", craft(1, []byte{1, 0, 0xff, 0}), `corrupt: tensor 0 has a name that is not UTF-8 ("\xff")`},
		{"rank", craft(1, []byte{1, 0, 'a', 9}), "corrupt: tensor 0 (a) has rank 9 (at most 8)"},
		{"zero dim", craft(1, []byte{1, 0, 'a', 1}, u32(0)), "corrupt: tensor 0 (a) has a dimension of 0"},
		{"huge dims", craft(1, []byte{2, 0, 'a', '\n', 8}, u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1), u32(1<<32-1)),
			`corrupt: tensor 0 of 1 runs past the end of the file (65 bytes)`},
		{"huge count", craft(1<<32 - 1), "corrupt: tensor 0 of 4294967295 runs past the end of the file (28 bytes)"},
		{"huge count, version 2", craftVersion(2, 1<<32-1), "corrupt: tensor 0 of 4294967295 runs past the end of the file (28 bytes)"},
		{"bytes before the checksum", craft(0, []byte{1, 2}), "corrupt: 2 bytes between the last tensor and the checksum"},
		{"only a header", append([]byte(Magic), 1, 0, 0, 0, 1), "truncated: the file is 13 bytes, its header and checksum alone take 28"},
		{"valid but wrong count", craft(1, []byte{1, 0, 'a', 0}, u32(math.Float32bits(1))), "the file has 1 tensors, the model has 4 (tensor 0 is a [] in the file, the model has dense1/kernel [3 4])"},
		{"valid with classes but wrong count", craftVersion(2, 1, []byte{1, 0, 'a', 0}, u32(math.Float32bits(1)), u32(2), names("x", "y")),
			"the file has 1 tensors, the model has 4 (tensor 0 is a [] in the file, the model has dense1/kernel [3 4])"},

		// The class section of version 2.
		{"no class count", craftVersion(2, 0), "corrupt: the number of class names runs past the end of the file (28 bytes)"},
		{"short class count", craftVersion(2, 0, []byte{0, 0}), "corrupt: the number of class names runs past the end of the file (30 bytes)"},
		{"too many classes", craft2(u32(MaxClasses + 1)), "corrupt: 65537 class names (at most 65536)"},
		{"huge class count", craft2(u32(1<<32 - 1)), "corrupt: 4294967295 class names (at most 65536)"},
		{"class count past the names", craft2(u32(3), names("a", "b")), "corrupt: class name 2 of 3 runs past the end of the file (38 bytes)"},
		{"class name past the end", craft2(u32(1), []byte{9, 0}, []byte("abc")), "corrupt: class name 0 of 1 runs past the end of the file (37 bytes)"},
		{"empty class name", craft2(u32(2), names("a", "")), "corrupt: class name 1 is empty"},
		{"long class name", craft2(u32(1), names(strings.Repeat("a", MaxClassNameLen+1))), "corrupt: class name 0 is 1025 bytes, at most 1024"},
		{"longest length", craft2(u32(1), []byte{0xff, 0xff}), "corrupt: class name 0 is 65535 bytes, at most 1024"},
		{"class name not UTF-8", craft2(u32(1), names("se\xfftosa")), `corrupt: class name 0 is not UTF-8 ("se\xfftosa")`},
		{"surrogate", craft2(u32(1), names("\xed\xa0\x80")), `corrupt: class name 0 is not UTF-8 ("\xed\xa0\x80")`},
		{"newline", craft2(u32(2), names("a", "b\n")), `corrupt: class name 1 ("b\n") holds the control character U+000A`},
		{"escape", craft2(u32(1), names("\x1b[31mred")), `corrupt: class name 0 ("\x1b[31mred") holds the control character U+001B`},
		{"NUL", craft2(u32(1), names("a\x00")), `corrupt: class name 0 ("a\x00") holds the control character U+0000`},
		{"C1 control", craft2(u32(1), names("a\u0085")), `corrupt: class name 0 ("a\u0085") holds the control character U+0085`},
		{"duplicate", craft2(u32(4), names("setosa", "versicolor", "virginica", "versicolor")), "corrupt: class names 1 and 3 are both versicolor"},
		{"duplicate with a space", craft2(u32(2), names("a b", "a b")), `corrupt: class names 0 and 1 are both "a b"`},
		{"bytes after the class names", craft2(u32(1), names("a"), []byte{7}), "corrupt: 1 bytes between the class names and the checksum"},
		{"bytes after no class names", craft2(u32(0), []byte{7, 7}), "corrupt: 2 bytes between the class names and the checksum"},
		{"class section in version 1", craft(0, u32(1), names("a")), "corrupt: 7 bytes between the last tensor and the checksum"},
	} {
		ts := sentinel()
		classes, err := Decode("f", tc.file, fp, ts, -1)
		if err == nil || err.Error() != "weights: f: "+tc.want {
			t.Errorf("%s: error\n%v\nwant\nweights: f: %s", tc.name, err, tc.want)
		}
		if !unchanged(ts) || classes != nil {
			t.Errorf("%s: tensors changed or classes %q came back", tc.name, classes)
		}
	}
	// A crafted name with control characters is quoted in errors.
	_, err := Decode("f", craft(1, []byte{2, 0, '\x1b', '[', 1}, u32(0)), fp, sentinel(), -1)
	if err == nil || err.Error() != `weights: f: corrupt: tensor 0 ("\x1b[") has a dimension of 0` {
		t.Errorf("control characters: error %v", err)
	}
	// A bad class section is refused even when the tensors are right for the model.
	var b bytes.Buffer
	if err := encode(&b, Version, fp, model(true), []string{"a", "a"}); err != nil {
		t.Fatal(err)
	}
	ts := sentinel()
	classes, err := Decode("f", b.Bytes(), fp, ts, -1)
	if err == nil || err.Error() != "weights: f: corrupt: class names 0 and 1 are both a" || !unchanged(ts) || classes != nil {
		t.Errorf("duplicate classes after good tensors: %v, classes %q, tensors unchanged %v", err, classes, unchanged(ts))
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
		if err := Save(path, fp, ts, iris); err == nil || err.Error() != "weights: "+path+": "+tc.want {
			t.Errorf("Save: error %v, want %s", err, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Save with a bad tensor created the file")
		}
		var b bytes.Buffer
		if err := Write(&b, fp, ts, iris); err == nil || err.Error() != "weights: "+tc.want || b.Len() != 0 {
			t.Errorf("Write: error %v, %d bytes written; want %s and nothing written", err, b.Len(), tc.want)
		}
		if _, err := Decode("d", encoded(t, model(true), iris), fp, ts, -1); err == nil || err.Error() != "weights: d: "+tc.want {
			t.Errorf("Decode: error %v, want %s", err, tc.want)
		}
		if _, err := Load(path, fp, ts, -1); err == nil || err.Error() != "weights: "+path+": "+tc.want {
			t.Errorf("Load: error %v, want %s", err, tc.want)
		}
	}
}

func TestBadClasses(t *testing.T) {
	many := make([]string, MaxClasses+1)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	for _, tc := range []struct {
		classes []string
		want    string
	}{
		{many, "65537 class names, at most 65536"},
		{[]string{"a", ""}, "class name 1 is empty"},
		{[]string{strings.Repeat("é", 513)}, "class name 0 is 1026 bytes, at most 1024"},
		{[]string{"a", "b", "\xc3"}, `class name 2 is not UTF-8 ("\xc3")`},
		{[]string{"tab\there"}, `class name 0 ("tab\there") holds the control character U+0009`},
		{[]string{"line\r\n"}, `class name 0 ("line\r\n") holds the control character U+000D`},
		{[]string{"del\x7f"}, `class name 0 ("del\x7f") holds the control character U+007F`},
		{[]string{"setosa", "versicolor", "setosa"}, "class names 0 and 2 are both setosa"},
	} {
		path := filepath.Join(t.TempDir(), "x.weights")
		if err := Save(path, fp, model(true), tc.classes); err == nil || err.Error() != "weights: "+path+": "+tc.want {
			t.Errorf("Save: error %v, want %s", err, tc.want)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Save with bad classes created the file")
		}
		var b bytes.Buffer
		if err := Write(&b, fp, model(true), tc.classes); err == nil || err.Error() != "weights: "+tc.want || b.Len() != 0 {
			t.Errorf("Write: error %v, %d bytes written; want %s and nothing written", err, b.Len(), tc.want)
		}
	}
}

// TestMostClasses saves and loads the largest class section the format holds beside a small
// model: Load's guard against large files leaves room for it.
func TestMostClasses(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a file of 64 MiB")
	}
	classes := make([]string, MaxClasses)
	pad := strings.Repeat("x", MaxClassNameLen-5)
	for i := range classes {
		classes[i] = fmt.Sprintf("%05d", i) + pad
	}
	path := filepath.Join(t.TempDir(), "most.weights")
	want := model(true)
	if err := Save(path, fp, want, classes); err != nil {
		t.Fatal(err)
	}
	got := model(false)
	gotClasses, err := Load(path, fp, got, -1)
	if err != nil || !slices.Equal(gotClasses, classes) || !sameBits(got, want) {
		t.Fatalf("Load: %v; %d classes, tensors equal %v", err, len(gotClasses), sameBits(got, want))
	}
	fi, _ := os.Stat(path)
	if want := int64(212 + maxClassSection + 4); fi.Size() != want {
		t.Errorf("file of %d bytes, want %d", fi.Size(), want)
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
	if err := Write(&failWriter{n: 20 << 10}, fp, big, nil); err == nil || err.Error() != "weights: disk full" {
		t.Fatalf("error %v, want weights: disk full", err)
	}
	many := make([]string, 20000)
	for i := range many {
		many[i] = fmt.Sprint("class ", i)
	}
	if err := Write(&failWriter{n: 40 << 10}, fp, model(true), many); err == nil || err.Error() != "weights: disk full" {
		t.Fatalf("error %v, want weights: disk full", err)
	}
}

func TestSaveLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Save(filepath.Join(dir, "no", "w"), fp, model(true), iris); err == nil || !strings.HasPrefix(err.Error(), "weights: "+filepath.Join(dir, "no", "w")+": ") {
		t.Errorf("Save into a missing folder: %v", err)
	}
	// Saving over a folder fails, and leaves no temporary file beside it.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(filepath.Join(dir, "d"), fp, model(true), iris); err == nil {
		t.Error("Save over a folder: no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(ents))
	}

	ts := sentinel()
	if _, err := Load(filepath.Join(dir, "missing"), fp, ts, -1); err == nil || !strings.Contains(err.Error(), "no such file") || !strings.HasPrefix(err.Error(), "weights: ") {
		t.Errorf("Load of a missing file: %v", err)
	}

	// A file far larger than the model's weights and the most class names is refused without
	// reading it all (the files are sparse: a header, then a hole).
	const size = 1<<26 + 1<<21
	for _, tc := range []struct {
		head []byte
		want string
	}{
		{binary.LittleEndian.AppendUint64([]byte(Magic+"\x02\x00\x00\x00"), 0xbeef),
			"made for another network (fingerprint 0x000000000000beef, this model is 0x123456789abcdef0; the file is 69206016 bytes, this model's weights take 220 and its class names at most 67239936 more)"},
		{binary.LittleEndian.AppendUint64([]byte(Magic+"\x01\x00\x00\x00"), fp),
			"corrupt: the file is 69206016 bytes, this model's weights take 220 and its class names at most 67239936 more"},
		{[]byte("a video, not weights"), `not an nngen weights file (it starts with "a video,", a weights file with "NNGENW\x00\x01")`},
	} {
		big := filepath.Join(dir, "big.weights")
		if err := os.WriteFile(big, tc.head, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(big, size); err != nil {
			t.Fatal(err)
		}
		classes, err := Load(big, fp, ts, -1)
		if want := "weights: " + big + ": " + tc.want; err == nil || err.Error() != want {
			t.Errorf("Load of a large file:\n%v\nwant\n%s", err, want)
		}
		if !unchanged(ts) || classes != nil {
			t.Error("tensors changed or classes came back")
		}
	}
	// A file of the limit (this model's weights, the most class names and a MiB) is read and
	// judged by its content; a byte more is refused by its size.
	const limit = 220 + maxClassSection - 4 + 1<<20
	for _, tc := range []struct {
		size int64
		want string
	}{
		{limit, "corrupt: 68288481 bytes of trailing data after the checksum (the weights end at byte 251)"},
		{limit + 1, "corrupt: the file is 68288733 bytes, this model's weights take 220 and its class names at most 67239936 more"},
	} {
		path := filepath.Join(dir, "limit.weights")
		if err := os.WriteFile(path, encoded(t, model(true), iris), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, tc.size); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path, fp, ts, -1); err == nil || err.Error() != "weights: "+path+": "+tc.want || !unchanged(ts) {
			t.Errorf("Load of a file of %d bytes: %v, want %s", tc.size, err, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	file := func(version uint32, ts []Tensor, classes []string) []byte {
		var b bytes.Buffer
		encode(&b, version, fp, ts, classes)
		return b.Bytes()
	}
	f.Add(file(2, model(true), iris))
	f.Add(file(2, model(true), nil))
	f.Add(file(2, model(true)[:1], []string{"a", "é", "猫"}))
	f.Add(file(2, nil, []string{"x"}))
	f.Add(file(2, nil, nil))
	f.Add(file(1, model(true), nil))
	f.Add(file(1, model(true)[:1], nil))
	f.Add(file(1, nil, nil))
	f.Add(craft(1, []byte{1, 0, 'a', 1}, u32(3)))
	f.Add(craft2(u32(2), names("a", "a")))
	f.Add(craft2(u32(2), names("a", "b\n")))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts := sentinel()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		classes, err := Decode("fuzz", data, fp, ts, -1)
		runtime.ReadMemStats(&after)
		if got, most := after.TotalAlloc-before.TotalAlloc, decodeAllocBound(len(data)); got > most {
			t.Fatalf("allocated %d bytes for a %d-byte file (at most %d)", got, len(data), most)
		}
		if err != nil {
			if !unchanged(ts) || classes != nil {
				t.Fatalf("%v, and the tensors changed or classes %q came back", err, classes)
			}
			if !strings.HasPrefix(err.Error(), "weights: fuzz: ") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		if classes != nil && len(classes) == 0 {
			t.Fatal("an empty, non-nil class list")
		}
		// Whatever decodes can be written, and encodes back to the same bytes in its version.
		if err := checkClasses(classes); err != nil {
			t.Fatalf("decoded classes %q that Write refuses: %v", classes, err)
		}
		version := binary.LittleEndian.Uint32(data[8:])
		if again := file(version, ts, classes); !bytes.Equal(again, data) {
			t.Fatalf("decoded, but re-encodes differently:\n%q\n%q", data, again)
		}
	})
}

// TestClassCount checks that Load and Decode refuse a file whose class names do not number the
// model's classes, before any tensor changes, and accept a file without names.
func TestClassCount(t *testing.T) {
	ts := []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}}
	named := encoded(t, ts, []string{"a", "b", "c"})
	unnamed := encoded(t, ts, nil)
	for _, tc := range []struct {
		file  []byte
		count int
		want  string
	}{
		{named, 3, ""}, {named, -1, ""}, {unnamed, 3, ""}, {unnamed, 0, ""},
		{named, 2, "weights: f: the file names 3 classes, this model has 2"},
		{named, 0, "weights: f: the file names 3 classes, this model has no classes"},
	} {
		got := []Tensor{{Name: "w", Shape: []int{2}, Data: []float32{9, 9}}}
		_, err := Decode("f", tc.file, fp, got, tc.count)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("count %d: %v", tc.count, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("count %d: error %v, want %s", tc.count, err, tc.want)
		case tc.want != "" && got[0].Data[0] != 9:
			t.Errorf("count %d: a refused file changed the tensors", tc.count)
		}
	}
}
