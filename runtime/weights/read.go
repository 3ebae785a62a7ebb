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

// Load reads path into the tensors and returns the class names that the file holds, nil when it
// holds none (a version 1 file, a regression, or classes without names). The file must have been
// written for the same fingerprint and the same tensor names and shapes, and name either no
// classes or classCount of them (the model's number of classes, 0 for a model without classes; a
// negative classCount accepts any number); otherwise, or when it is truncated or corrupt, Load returns an error naming the file and what
// differs, and no tensor is changed.
func Load(path string, fingerprint uint64, tensors []Tensor, classCount int) (classes []string, err error) {
	size, err := checkModel(tensors)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %v", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	defer f.Close()
	// A file much larger than the model's weights and the most class names the format holds is
	// not for this model: read no more than enough to say so, whatever its size.
	limit := size + (maxClassSection - 4) + 1<<20
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		head := make([]byte, headerSize+4)
		if _, err := io.ReadFull(f, head); err != nil {
			return nil, fmt.Errorf("weights: %s: %v", path, err)
		}
		return nil, tooLarge(path, head, fingerprint, fmt.Sprintf("the file is %d bytes", fi.Size()), size)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %v", path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(path, data, fingerprint, fmt.Sprintf("the file is more than %d bytes", limit), size)
	}
	return Decode(path, data, fingerprint, tensors, classCount)
}

// tooLarge is Load's error for a file larger than a model of size bytes (without class names)
// can need; data is at least the start of the file, and of says how large it is.
func tooLarge(path string, data []byte, fingerprint uint64, of string, size int64) error {
	msg := fmt.Sprintf("%s, this model's weights take %d and its class names at most %d more", of, size, maxClassSection-4)
	fp, _, _, err := header(data)
	switch {
	case err != nil:
		return fmt.Errorf("weights: %s: %v", path, err)
	case fp != fingerprint:
		return fmt.Errorf("weights: %s: made for another network (fingerprint %#016x, this model is %#016x; %s)", path, fp, fingerprint, msg)
	}
	return fmt.Errorf("weights: %s: corrupt: %s", path, msg)
}

// Decode is Load for bytes already in memory, such as a //go:embed blob; name is used in errors.
// The class names it returns are new strings, which do not share memory with data.
func Decode(name string, data []byte, fingerprint uint64, tensors []Tensor, classCount int) (classes []string, err error) {
	classes, err = decode(data, fingerprint, tensors, classCount)
	if err != nil {
		return nil, fmt.Errorf("weights: %s: %v", name, err)
	}
	return classes, nil
}

// decode checks everything about data against the model's tensors, and only then copies the
// values into them and returns the class names.
//
// The checksum decides how a broken structure is reported: when the last 4 bytes are the CRC of
// the rest, the writer itself made the file that way, and the structural error is the news; when
// they are not, the file was damaged after it was written, and the error says "truncated" when the
// tensors or the class names run past its end and "checksum mismatch" otherwise.
func decode(data []byte, fingerprint uint64, tensors []Tensor, classCount int) ([]string, error) {
	if _, err := checkModel(tensors); err != nil {
		return nil, err
	}
	fp, version, count, err := header(data)
	if err != nil {
		return nil, err
	}
	n := len(data) - 4
	body := data[:n]
	if binary.LittleEndian.Uint32(data[n:]) != crc32.ChecksumIEEE(body) {
		return nil, damaged(data, version, count)
	}
	end, classes, err := structure(body, version, count)
	if err != nil {
		if _, ok := err.(pastEnd); ok {
			return nil, fmt.Errorf("corrupt: %v the end of the file (%d bytes)", err, len(data))
		}
		return nil, err
	}
	if end < n {
		last := "the last tensor"
		if version >= 2 {
			last = "the class names"
		}
		return nil, fmt.Errorf("corrupt: %d bytes between %s and the checksum", n-end, last)
	}
	diff := firstDiff(body, count, tensors)
	if fp != fingerprint {
		if diff != "" {
			diff = "; " + diff
		}
		return nil, fmt.Errorf("made for another network (fingerprint %#016x, this model is %#016x%s)", fp, fingerprint, diff)
	}
	if int(count) != len(tensors) {
		return nil, fmt.Errorf("the file has %d tensors, the model has %d (%s)", count, len(tensors), diff)
	}
	if diff != "" {
		return nil, errors.New(diff)
	}
	if classCount >= 0 && len(classes) != 0 && len(classes) != classCount {
		if classCount == 0 {
			return nil, fmt.Errorf("the file names %d classes, this model has no classes", len(classes))
		}
		return nil, fmt.Errorf("the file names %d classes, this model has %d", len(classes), classCount)
	}
	if err := nonFinite(body, count, tensors); err != nil {
		return nil, err
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
	return classes, nil
}

// structure checks the structure of everything after the header of a file of the given version
// (data without its checksum, or with it when looking for where a damaged file ends) and returns
// the offset where the tensors and the class section end, and the class names.
func structure(data []byte, version, count uint32) (end int, classes []string, err error) {
	end, err = walk(data, count, nil)
	if err != nil || version < 2 {
		return end, nil, err
	}
	return classSection(data, end)
}

// damaged explains a file (with a valid header) whose checksum does not match.
func damaged(data []byte, version, count uint32) error {
	end, _, err := structure(data, version, count)
	pe, isPastEnd := err.(pastEnd)
	switch {
	case isPastEnd:
		return fmt.Errorf("truncated: the file is %d bytes and ends in %s", len(data), pe.what)
	case err == nil && end+4 > len(data):
		return fmt.Errorf("truncated: the file is %d bytes and ends before its checksum", len(data))
	case err == nil && end+4 < len(data) &&
		binary.LittleEndian.Uint32(data[end:]) == crc32.ChecksumIEEE(data[:end]):
		return fmt.Errorf("corrupt: %d bytes of trailing data after the checksum (the weights end at byte %d)", len(data)-end-4, end+4)
	}
	return errors.New("checksum mismatch (file corrupt)")
}

// header checks the magic and the version, that the file is long enough for a header and a
// checksum, and returns the fingerprint, the version and the tensor count.
func header(data []byte) (fingerprint uint64, version, count uint32, err error) {
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		if len(data) < len(Magic) && strings.HasPrefix(Magic, string(data)) {
			return 0, 0, 0, fmt.Errorf("truncated: the file is %d bytes", len(data))
		}
		start := data[:min(len(data), len(Magic))]
		return 0, 0, 0, fmt.Errorf("not an nngen weights file (it starts with %q, a weights file with %q)", start, Magic)
	}
	if len(data) >= 12 {
		version = binary.LittleEndian.Uint32(data[8:])
		if version < oldestVersion || version > Version {
			if version > Version {
				return 0, 0, 0, fmt.Errorf("format version %d, from a newer nngen; this one reads versions %d to %d", version, oldestVersion, Version)
			}
			return 0, 0, 0, fmt.Errorf("format version %d; this nngen reads versions %d to %d", version, oldestVersion, Version)
		}
	}
	if len(data) < headerSize+4 {
		return 0, 0, 0, fmt.Errorf("truncated: the file is %d bytes, its header and checksum alone take %d", len(data), headerSize+4)
	}
	return binary.LittleEndian.Uint64(data[12:]), version, binary.LittleEndian.Uint32(data[20:]), nil
}

// pastEnd is the error of walk and classSection when what they read runs past the end of the
// bytes they were given; what names it, as "tensor 2 of 4". They return it as it is, never
// wrapped, so that a type assertion finds it: errors.As would cost every program that decodes
// weights the reflection code it needs (internal/reflectlite: 43 KB of the MNIST predictor, 29 KB
// stripped; see examples/tiny).
type pastEnd struct{ what string }

func (e pastEnd) Error() string { return e.what + " runs past" }

// tensorPastEnd is the pastEnd error for tensor i of count.
func tensorPastEnd(i, count uint32) error {
	return pastEnd{fmt.Sprintf("tensor %d of %d", i, count)}
}

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
			return 0, tensorPastEnd(i, count)
		}
		nl := int(binary.LittleEndian.Uint16(data[off:]))
		off += 2
		if nl == 0 || nl > MaxNameLen {
			return 0, fmt.Errorf("corrupt: tensor %d has a name of %d bytes (1 to %d)", i, nl, MaxNameLen)
		}
		if len(data)-off < nl+1 {
			return 0, tensorPastEnd(i, count)
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
			return 0, tensorPastEnd(i, count)
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
			return 0, tensorPastEnd(i, count)
		}
		if visit != nil && !visit(int(i), entry{name: string(name), shape: dims[:rank:rank], n: int(n), data: off}) {
			return off, nil
		}
		off += 4 * int(n)
	}
	return off, nil
}

// classSection checks the class section that starts at off in data and returns the offset
// where it ends and the class names, nil when there are none. A name that does not fit in data
// is a pastEnd error.
func classSection(data []byte, off int) (end int, classes []string, err error) {
	if len(data)-off < 4 {
		return 0, nil, pastEnd{"the number of class names"}
	}
	count := binary.LittleEndian.Uint32(data[off:])
	off += 4
	if count > MaxClasses {
		return 0, nil, fmt.Errorf("corrupt: %d class names (at most %d)", count, MaxClasses)
	}
	if count == 0 {
		return off, nil, nil
	}
	// Each name takes at least 3 bytes: allocate no more than the data can hold.
	c := min(int(count), (len(data)-off)/3)
	classes = make([]string, 0, c)
	seen := make(map[string]int, c)
	for i := range int(count) {
		if len(data)-off < 2 {
			return 0, nil, pastEnd{fmt.Sprintf("class name %d of %d", i, count)}
		}
		nl := int(binary.LittleEndian.Uint16(data[off:]))
		off += 2
		if nl > MaxClassNameLen {
			return 0, nil, fmt.Errorf("corrupt: class name %d is %d bytes, at most %d", i, nl, MaxClassNameLen)
		}
		if len(data)-off < nl {
			return 0, nil, pastEnd{fmt.Sprintf("class name %d of %d", i, count)}
		}
		name := string(data[off : off+nl])
		off += nl
		if err := classNameError(i, name); err != nil {
			return 0, nil, fmt.Errorf("corrupt: %v", err)
		}
		if j, ok := seen[name]; ok {
			return 0, nil, fmt.Errorf("corrupt: %v", duplicateClass(j, i, name))
		}
		seen[name] = i
		classes = append(classes, name)
	}
	return off, classes, nil
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

// nonFinite returns an error naming the first NaN or infinite value of the file's tensors (whose
// structure is checked), nil when every value is finite. A weights file never holds one: Save
// refuses to write one, and a file that holds one was not written by nngen, or by one that
// kept the weights of a diverged training.
func nonFinite(body []byte, count uint32, tensors []Tensor) (err error) {
	walk(body, count, func(i int, e entry) bool {
		b := body[e.data : e.data+4*len(tensors[i].Data)]
		for j := 0; j < len(b); j += 4 {
			// NaN and the infinities are the values whose exponent bits are all ones.
			if u := binary.LittleEndian.Uint32(b[j:]); u&0x7f800000 == 0x7f800000 {
				v := math.Float32frombits(u)
				err = fmt.Errorf("%s value %d is %v; weights must be finite (was the training diverging when they were saved?)", describe(tensors[i].Name, tensors[i].Shape), j/4, v)
				return false
			}
		}
		return true
	})
	return err
}
