package weights

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/nngen/nngen/runtime/internal/atomicfile"
)

// Save writes the tensors and the class names to path atomically (a temporary file in the same
// folder, synced, then renamed over path), in the current format version. classes names the
// classes of a classifier by class index; nil or empty when the model has no named classes. On
// error, path is unchanged and no temporary file is left behind.
func Save(path string, fingerprint uint64, tensors []Tensor, classes []string) error {
	if err := check(tensors, classes); err != nil {
		return fmt.Errorf("weights: %s: %v", path, err)
	}
	err := atomicfile.Write(path, func(w io.Writer) error { return encode(w, Version, fingerprint, tensors, classes) })
	if err != nil {
		return fmt.Errorf("weights: %s: %v", path, err)
	}
	return nil
}

// Write encodes the tensors and the class names to w in the current format version. It checks
// them before writing anything (for each tensor a name of 1 to MaxNameLen bytes of UTF-8, a rank
// up to MaxRank, dimensions of at least 1, and as many values as the shape says; at most
// MaxClasses class names, each of 1 to MaxClassNameLen bytes of UTF-8 without control
// characters, no two the same) and returns the first error of w.
func Write(w io.Writer, fingerprint uint64, tensors []Tensor, classes []string) error {
	if err := check(tensors, classes); err != nil {
		return fmt.Errorf("weights: %v", err)
	}
	if err := encode(w, Version, fingerprint, tensors, classes); err != nil {
		return fmt.Errorf("weights: %v", err)
	}
	return nil
}

// check returns the first reason why the tensors and the class names cannot be written.
func check(tensors []Tensor, classes []string) error {
	if _, err := checkModel(tensors); err != nil {
		return err
	}
	if err := CheckFinite(tensors); err != nil {
		return err
	}
	return checkClasses(classes)
}

// CheckFinite returns an error naming the first NaN or infinite value of the tensors, nil when
// every value is finite: Save and Write refuse such weights, so that a diverged training never
// replaces good weights by NaN.
func CheckFinite(tensors []Tensor) error {
	for _, t := range tensors {
		for j, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s value %d is %v; weights must be finite (the training diverged)", describe(t.Name, t.Shape), j, v)
			}
		}
	}
	return nil
}

// encode writes the file, in the given version, for tensors and class names already checked by
// check. Version 1 has no class section, and classes must be empty then; the tests write version
// 1 files with it.
func encode(w io.Writer, version uint32, fingerprint uint64, tensors []Tensor, classes []string) error {
	e := encoder{w: w, buf: make([]byte, 0, 32<<10)}
	e.bytes([]byte(Magic))
	e.u32(version)
	e.u64(fingerprint)
	e.u32(uint32(len(tensors)))
	for _, t := range tensors {
		e.u16(uint16(len(t.Name)))
		e.bytes([]byte(t.Name))
		e.u8(uint8(len(t.Shape)))
		for _, d := range t.Shape {
			e.u32(uint32(d))
		}
		for _, v := range t.Data {
			e.u32(math.Float32bits(v))
		}
	}
	if version >= 2 {
		e.u32(uint32(len(classes)))
		for _, c := range classes {
			e.u16(uint16(len(c)))
			e.str(c)
		}
	}
	e.flush()
	e.buf = binary.LittleEndian.AppendUint32(e.buf, e.crc)
	_, e.err = e.writeOnce(e.buf)
	return e.err
}

// encoder buffers little-endian values, writes them in chunks and keeps the CRC of what it wrote.
type encoder struct {
	w   io.Writer
	buf []byte
	crc uint32
	err error
}

func (e *encoder) u8(v uint8)   { e.room(1); e.buf = append(e.buf, v) }
func (e *encoder) u16(v uint16) { e.room(2); e.buf = binary.LittleEndian.AppendUint16(e.buf, v) }
func (e *encoder) u32(v uint32) { e.room(4); e.buf = binary.LittleEndian.AppendUint32(e.buf, v) }
func (e *encoder) u64(v uint64) { e.room(8); e.buf = binary.LittleEndian.AppendUint64(e.buf, v) }

func (e *encoder) bytes(b []byte) {
	e.room(len(b))
	e.buf = append(e.buf, b...)
}

func (e *encoder) str(s string) {
	e.room(len(s))
	e.buf = append(e.buf, s...)
}

// room flushes the buffer when n more bytes would not fit.
func (e *encoder) room(n int) {
	if len(e.buf)+n > cap(e.buf) {
		e.flush()
	}
}

// flush writes the buffered bytes and adds them to the CRC; after an error it writes nothing.
func (e *encoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		e.crc = crc32.Update(e.crc, crc32.IEEETable, e.buf)
		_, e.err = e.writeOnce(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *encoder) writeOnce(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return e.w.Write(b)
}
