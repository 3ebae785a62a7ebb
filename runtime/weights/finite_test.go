package weights

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNonFiniteRefused checks that Save and Write refuse NaN and infinite weights, writing
// nothing, and that Decode and Load refuse a file holding one (made as a writer without the check
// would make it), changing no tensor.
func TestNonFiniteRefused(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), math.Float32frombits(0xffc00001), float32(math.Inf(1)), float32(math.Inf(-1))} {
		ts := model(true)
		ts[2].Data[3] = bad
		want := "dense2/kernel [4 2] value 3 is "
		path := filepath.Join(t.TempDir(), "x.weights")
		if err := Save(path, fp, ts, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Save of %v: %v, want an error with %q", bad, err, want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("Save of %v left a file", bad)
		}
		var b bytes.Buffer
		if err := Write(&b, fp, ts, nil); err == nil || b.Len() != 0 {
			t.Errorf("Write of %v: %v, %d bytes written", bad, err, b.Len())
		}
		// The file a careless writer would make: encode skips the check; the CRC is right.
		b.Reset()
		if err := encode(&b, Version, fp, ts, nil); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		if got := binary.LittleEndian.Uint32(data[len(data)-4:]); got != crc32.ChecksumIEEE(data[:len(data)-4]) {
			t.Fatal("bad test file")
		}
		got := sentinel()
		if _, err := Decode("f", data, fp, got, -1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode of %v: %v, want an error with %q", bad, err, want)
		}
		if !unchanged(got) {
			t.Errorf("Decode of %v changed the tensors", bad)
		}
	}
}
