package dataset

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MaxIDXBytes is the largest data section ReadIDX accepts, so that a corrupt header cannot make
// it allocate without bound.
const MaxIDXBytes = 1<<31 - 1

// MaxIDXDims is the largest number of dimensions ReadIDX accepts.
const MaxIDXDims = 16

// maxDeflateRatio bounds how many bytes one compressed byte can inflate to (deflate's limit is
// about 1032 to 1).
const maxDeflateRatio = 1032

// idxTypes names the IDX element types, for errors about the ones ReadIDX does not read.
var idxTypes = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64",
}

// ReadIDX reads an IDX file of unsigned bytes, raw or gzip-compressed (recognised by its magic
// 0x1f 0x8b), and returns its dimensions and its data. It checks the magic, the element type,
// that every dimension is at least 1, and that the data is exactly as long as the dimensions
// say; errors name the file and what is wrong. A data section larger than MaxIDXBytes is refused,
// and memory is allocated as the data arrives, not as the header claims, unless the file's size
// backs the claim: a raw file of exactly that size, or a gzip file whose trailer records that size
// and which is large enough to hold it at deflate's best ratio. A forged gzip trailer can so
// reserve at most about a thousand times the file's size, address space that stays untouched
// (and unresident) when the data does not come, before the checksum fails.
func ReadIDX(path string) (dims []int, data []byte, err error) {
	dims, data, err = readIDX(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset: %s: %v", path, err)
	}
	return dims, data, nil
}

func readIDX(path string) ([]int, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errors.New(strings.TrimPrefix(err.Error(), "open "+path+": "))
	}
	defer f.Close()
	size := int64(-1) // unknown, for pipes and the like
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	compressed := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, gzipError(err)
		}
		zr.Multistream(false)
		r, compressed = &gzipStream{zr: zr, br: br}, true
	}

	dims, err := readHeader(r)
	if err != nil {
		return nil, nil, err
	}
	headerLen := 4 + 4*int64(len(dims))
	n := 1
	for _, d := range dims {
		if n > MaxIDXBytes/d {
			return nil, nil, fmt.Errorf("too large: header says %s bytes, more than %d", shape(dims), MaxIDXBytes)
		}
		n *= d
	}

	// How much to allocate at once: all of it when the file's size backs the header's claim (see
	// ReadIDX), otherwise a little, growing as the data arrives. Allocating MNIST's 47 MB at once
	// instead of growing keeps the peak resident memory of training near the data's own size.
	exact := false
	switch {
	case size < 0:
	case !compressed:
		if have := size - headerLen; have != int64(n) {
			return nil, nil, lengthError(dims, have)
		}
		exact = true
	default:
		exact = int64(n) <= size*maxDeflateRatio && gzipSize(f, size) == uint32(headerLen+int64(n))
	}
	data, err := readData(r, dims, n, exact)
	if err != nil {
		return nil, nil, err
	}
	// The data must end here; for gzip, reading to the end also checks the stream's CRC.
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		if compressed {
			return nil, nil, gzipError(err)
		}
		return nil, nil, err
	}
	if extra > 0 {
		return nil, nil, lengthError(dims, int64(n)+extra)
	}
	return dims, data, nil
}

// readHeader reads the magic (two zero bytes, the type, the number of dimensions) and the
// dimensions.
func readHeader(r io.Reader) ([]int, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, headerError(err, n)
	}
	if magic[0] != 0 || magic[1] != 0 || idxTypes[magic[2]] == "" {
		return nil, fmt.Errorf("not an IDX file (it starts with % x; an IDX file with 00 00, a type byte and a dimension count)", magic)
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("unsupported IDX type 0x%02x (%s): only 0x08 (unsigned byte) is read", magic[2], idxTypes[magic[2]])
	}
	nd := int(magic[3])
	if nd == 0 || nd > MaxIDXDims {
		return nil, fmt.Errorf("corrupt header: %d dimensions (1 to %d)", nd, MaxIDXDims)
	}
	buf := make([]byte, 4*nd)
	if n, err := io.ReadFull(r, buf); err != nil {
		return nil, headerError(err, 4+n)
	}
	dims := make([]int, nd)
	for i := range dims {
		d := binary.BigEndian.Uint32(buf[4*i:])
		if d == 0 {
			return nil, fmt.Errorf("corrupt header: dimension %d is 0", i)
		}
		if uint64(d) > MaxIDXBytes {
			return nil, fmt.Errorf("too large: dimension %d is %d, more than %d", i, d, MaxIDXBytes)
		}
		dims[i] = int(d)
	}
	return dims, nil
}

// readData reads the data section of dims, n bytes, from r, allocating them at once when exact,
// or in growing steps as they arrive otherwise.
func readData(r io.Reader, dims []int, n int, exact bool) ([]byte, error) {
	step := n
	if !exact {
		step = min(n, 1<<20)
	}
	data := make([]byte, 0, step)
	for len(data) < n {
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(n, 2*cap(data)))
			copy(grown, data)
			data = grown
		}
		m, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF { // the latter: a gzip stream cut short
			break
		}
		if err != nil {
			return nil, gzipError(err)
		}
	}
	if len(data) < n {
		return nil, lengthError(dims, int64(len(data)))
	}
	return data, nil
}

// gzipStream reads the members of a gzip file one after the other, as gzip -d does, and reports
// bytes after the last member that do not start another one as trailing data (gzip.Reader would
// call them a bad header, or a truncated one when they are few).
type gzipStream struct {
	zr *gzip.Reader
	br *bufio.Reader
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if n > 0 {
			return n, nil // the member's end; the next Read finds it again
		}
		if _, err := g.br.Peek(1); err != nil {
			return 0, io.EOF
		}
		if m, _ := g.br.Peek(2); len(m) < 2 || m[0] != 0x1f || m[1] != 0x8b {
			rest, _ := io.Copy(io.Discard, g.br)
			return 0, fmt.Errorf("trailing data: %d bytes after the gzip stream", rest)
		}
		if err := g.zr.Reset(g.br); err != nil {
			return 0, err
		}
		g.zr.Multistream(false)
	}
}

// gzipSize returns the size of the uncompressed data that a gzip file's trailer states (modulo
// 2³²), or 0 when it cannot be read.
func gzipSize(f *os.File, size int64) uint32 {
	var b [4]byte
	if size < 18+4 {
		return 0
	}
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b[:])
}

// shape formats dimensions as 60000×28×28.
func shape(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "×")
}

// lengthError reports a data section of have bytes where dims needs another length.
func lengthError(dims []int, have int64) error {
	n := int64(1)
	for _, d := range dims {
		n *= int64(d)
	}
	if have < n {
		return fmt.Errorf("truncated: header says %s bytes, file has %d", shape(dims), max(have, 0))
	}
	return fmt.Errorf("trailing data: header says %s bytes, file has %d", shape(dims), have)
}

// headerError reports a file that ends inside its header, after n bytes.
func headerError(err error, n int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if n == 0 {
			return errors.New("empty file (not an IDX file)")
		}
		return fmt.Errorf("truncated: the file ends inside its header, after %d bytes", n)
	}
	return gzipError(err)
}

// gzipError reports a read error, naming gzip's errors as corruption.
func gzipError(err error) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &ce):
		return fmt.Errorf("corrupt gzip data: %v", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated: the compressed data ends early")
	}
	return err
}
