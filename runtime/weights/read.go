package weights

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"
)

// Load reads path into the tensors. The file must have been written for the same fingerprint and
// the same tensor names and shapes; otherwise, or when it is truncated or corrupt, Load returns an
// error naming the file and what differs, and no tensor is changed.
func Load(path string, fingerprint uint64, tensors []Tensor) error {
	size, err := checkModel(tensors)
	if err != nil {
		return fmt.Errorf("weights: %s: %v", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("weights: %v", err)
	}
	defer f.Close()
	// A file much larger than the model's weights is not for this model: read no more than
	// enough to say so, whatever its size.
	limit := size + 1<<20
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return fmt.Errorf("weights: %s: %v", path, err)
	}
	if int64(len(data)) > limit {
		msg := fmt.Sprintf("the file is more than %d bytes, this model's weights take %d", limit, size)
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			msg = fmt.Sprintf("the file is %d bytes, this model's weights take %d", fi.Size(), size)
		}
		fp, _, err := header(data)
		switch {
		case err != nil:
			return fmt.Errorf("weights: %s: %v", path, err)
		case fp != fingerprint:
			return fmt.Errorf("weights: %s: made for another network (fingerprint %#016x, this model is %#016x; %s)", path, fp, fingerprint, msg)
		}
		return fmt.Errorf("weights: %s: corrupt: %s", path, msg)
	}
	return Decode(path, data, fingerprint, tensors)
}

// Decode is Load for bytes already in memory, such as a //go:embed blob; name is used in errors.
func Decode(name string, data []byte, fingerprint uint64, tensors []Tensor) error {
	if err := decode(data, fingerprint, tensors); err != nil {
		return fmt.Errorf("weights: %s: %v", name, err)
	}
	return nil
}

// decode checks everything about data against the model's tensors, and only then copies the
// values into them.
//
// The checksum decides how a broken structure is reported: when the last 4 bytes are the CRC of
// the rest, the writer itself made the file that way, and the structural error is the news; when
// they are not, the file was damaged after it was written, and the error says "truncated" when the
// tensors run past its end and "checksum mismatch" otherwise.
func decode(data []byte, fingerprint uint64, tensors []Tensor) error {
	if _, err := checkModel(tensors); err != nil {
		return err
	}
	fp, count, err := header(data)
	if err != nil {
		return err
	}
	n := len(data) - 4
	body := data[:n]
	if binary.LittleEndian.Uint32(data[n:]) != crc32.ChecksumIEEE(body) {
		return damaged(data, count)
	}
	end, err := walk(body, count, nil)
	if err != nil {
		if errors.Is(err, errPastEnd) {
			return fmt.Errorf("corrupt: %v the end of the file (%d bytes)", err, len(data))
		}
		return err
	}
	if end < n {
		return fmt.Errorf("corrupt: %d bytes between the last tensor and the checksum", n-end)
	}
	diff := firstDiff(body, count, tensors)
	if fp != fingerprint {
		if diff != "" {
			diff = "; " + diff
		}
		return fmt.Errorf("made for another network (fingerprint %#016x, this model is %#016x%s)", fp, fingerprint, diff)
	}
	if int(count) != len(tensors) {
		return fmt.Errorf("the file has %d tensors, the model has %d (%s)", count, len(tensors), diff)
	}
	if diff != "" {
		return errors.New(diff)
	}
	// Everything is checked: from here on nothing can fail.
	walk(body, count, func(i int, e entry) bool {
		d := tensors[i].Data
		b := body[e.data : e.data+4*len(d)]
		for j := range d {
			d[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
		return true
	})
	return nil
}

// damaged explains a file (with a valid header) whose checksum does not match.
func damaged(data []byte, count uint32) error {
	end, err := walk(data, count, nil)
	var pe pastEnd
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("truncated: the file is %d bytes and ends in tensor %d of %d", len(data), pe.i, pe.count)
	case err == nil && end+4 > len(data):
		return fmt.Errorf("truncated: the file is %d bytes and ends before its checksum", len(data))
	case err == nil && end+4 < len(data) &&
		binary.LittleEndian.Uint32(data[end:]) == crc32.ChecksumIEEE(data[:end]):
		return fmt.Errorf("corrupt: %d bytes of trailing data after the checksum (the weights end at byte %d)", len(data)-end-4, end+4)
	}
	return errors.New("checksum mismatch (file corrupt)")
}

// header checks the magic and the version, that the file is long enough for a header and a
// checksum, and returns the fingerprint and the tensor count.
func header(data []byte) (fingerprint uint64, count uint32, err error) {
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		if len(data) < len(Magic) && strings.HasPrefix(Magic, string(data)) {
			return 0, 0, fmt.Errorf("truncated: the file is %d bytes", len(data))
		}
		start := data[:min(len(data), len(Magic))]
		return 0, 0, fmt.Errorf("not an nngen weights file (it starts with %q, a weights file with %q)", start, Magic)
	}
	if len(data) >= 12 {
		if v := binary.LittleEndian.Uint32(data[8:]); v != Version {
			if v > Version {
				return 0, 0, fmt.Errorf("format version %d, from a newer nngen; this one reads version %d", v, Version)
			}
			return 0, 0, fmt.Errorf("format version %d; this nngen reads version %d", v, Version)
		}
	}
	if len(data) < headerSize+4 {
		return 0, 0, fmt.Errorf("truncated: the file is %d bytes, its header and checksum alone take %d", len(data), headerSize+4)
	}
	return binary.LittleEndian.Uint64(data[12:]), binary.LittleEndian.Uint32(data[20:]), nil
}

// errPastEnd is what a pastEnd error Is.
var errPastEnd = errors.New("past the end")

// pastEnd is walk's error when tensor i of count runs past the end of the bytes it was given.
type pastEnd struct{ i, count uint32 }

func (e pastEnd) Error() string        { return fmt.Sprintf("tensor %d of %d runs past", e.i, e.count) }
func (e pastEnd) Is(target error) bool { return target == errPastEnd }

// entry is one tensor as the file describes it; data is the offset of its first value.
type entry struct {
	name  string
	shape []int
	n     int // number of values
	data  int
}

// walk checks the structure of the count tensors after the header in data, calls visit (when
// not nil) for each until it returns false, and returns the offset where the tensors end. A
// tensor that does not fit in data is a pastEnd error.
func walk(data []byte, count uint32, visit func(i int, e entry) bool) (end int, err error) {
	off := headerSize
	var dims [MaxRank]int
	for i := uint32(0); i < count; i++ {
		if len(data)-off < 2 {
			return 0, pastEnd{i, count}
		}
		nl := int(binary.LittleEndian.Uint16(data[off:]))
		off += 2
		if nl == 0 || nl > MaxNameLen {
			return 0, fmt.Errorf("corrupt: tensor %d has a name of %d bytes (1 to %d)", i, nl, MaxNameLen)
		}
		if len(data)-off < nl+1 {
			return 0, pastEnd{i, count}
		}
		name := data[off : off+nl]
		off += nl
		if !utf8.Valid(name) {
			return 0, fmt.Errorf("corrupt: tensor %d has a name that is not UTF-8 (%q)", i, name)
		}
		rank := int(data[off])
		off++
		if rank > MaxRank {
			return 0, fmt.Errorf("corrupt: tensor %d (%s) has rank %d (at most %d)", i, showName(string(name)), rank, MaxRank)
		}
		if len(data)-off < 4*rank {
			return 0, pastEnd{i, count}
		}
		// n counts values; it is checked against what is left of the data at each dimension,
		// so it cannot overflow.
		n, left := uint64(1), uint64(len(data)-off-4*rank)/4
		for k := range rank {
			d := uint64(binary.LittleEndian.Uint32(data[off:]))
			off += 4
			if d == 0 {
				return 0, fmt.Errorf("corrupt: tensor %d (%s) has a dimension of 0", i, showName(string(name)))
			}
			dims[k] = int(d) // used only when n fits the data, so d fits an int
			if n > left/d {
				n = left + 1 // more than the data holds
			} else {
				n *= d
			}
		}
		if n > left {
			return 0, pastEnd{i, count}
		}
		if visit != nil && !visit(int(i), entry{name: string(name), shape: dims[:rank:rank], n: int(n), data: off}) {
			return off, nil
		}
		off += 4 * int(n)
	}
	return off, nil
}

// firstDiff describes the first tensor in which the file (already walked without error) and the
// model differ in name or shape, or returns "" when they agree on all of them.
func firstDiff(body []byte, count uint32, tensors []Tensor) string {
	diff := ""
	walk(body, count, func(i int, e entry) bool {
		if i >= len(tensors) {
			diff = fmt.Sprintf("tensor %d is %s in the file, the model has no tensor %d", i, describe(e.name, e.shape), i)
			return false
		}
		t := tensors[i]
		if e.name != t.Name || !sameShape(e.shape, t.Shape) {
			diff = fmt.Sprintf("tensor %d is %s in the file, the model has %s", i, describe(e.name, e.shape), describe(t.Name, t.Shape))
			return false
		}
		return true
	})
	if diff == "" && int(count) < len(tensors) {
		t := tensors[count]
		diff = fmt.Sprintf("the file has no tensor %d, the model has %s", count, describe(t.Name, t.Shape))
	}
	return diff
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
