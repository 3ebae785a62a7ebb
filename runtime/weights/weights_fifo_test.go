//go:build linux || darwin

package weights

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLoadLargeStream is TestSaveLoadErrors' large file as a stream, whose size Load cannot ask
// for: it reads no more than the limit and a byte.
func TestLoadLargeStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo.weights")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFO:", err)
	}
	const limit = 220 + maxClassSection - 4 + 1<<20
	done := make(chan int64)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			done <- -1
			return
		}
		defer f.Close()
		head := binary.LittleEndian.AppendUint64([]byte(Magic+"\x02\x00\x00\x00"), 0xbeef)
		f.Write(head)
		n, _ := io.CopyN(f, zeros{}, 2*limit) // fails once Load closes the FIFO
		done <- n + int64(len(head))
	}()
	ts := sentinel()
	classes, err := Load(path, fp, ts, -1)
	want := "weights: " + path + ": made for another network (fingerprint 0x000000000000beef, this model is 0x123456789abcdef0; the file is more than 68288732 bytes, this model's weights take 220 and its class names at most 67239936 more)"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}
	if !unchanged(ts) || classes != nil {
		t.Error("tensors changed or classes came back")
	}
	if n := <-done; n >= 2*limit {
		t.Errorf("Load read the whole stream of %d bytes", n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
