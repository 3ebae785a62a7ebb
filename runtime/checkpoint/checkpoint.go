// Package checkpoint reads and writes nngen's checkpoint file: everything that decides the rest
// of a training run, so that a run resumed from it ends with the weights of the run that was
// never interrupted, bit for bit. It holds the model's weights and class names (a complete
// weights file), the trainer's state (the optimiser's moments as tensors, its update count,
// learning rate and dropout seed as scalars) and the fit loop's state (fit.State: the epoch and
// step, the shuffling generator, the running sums, the history, the callbacks' state).
//
// The format, version 1, all integers little-endian, floats as their IEEE 754 bits:
//
//	magic        8 bytes  "NNGENC\x00\x01"
//	version      uint32   1
//	fingerprint  uint64   the network's, as in its weights file
//	weights      uint64 length, then a weights file (package weights) of the model
//	trainer      uint64 length, then a weights file of the trainer's state tensors
//	scalars      uint32 count, then each: name (uint16 length, bytes), uint64 bits
//	fit          epoch uint32, step uint32, shuffle (uint16 length, bytes), rate float64,
//	             stopped uint8 (0 or 1), loss float64, seen uint64, seconds float64,
//	             metrics (uint32 count, float64 each)
//	history      uint32 count, then each epoch: epoch uint32, loss float64, metrics (uint32
//	             count, float64 each), val_loss float64, val metrics (likewise), seconds float64
//	callbacks    uint32 count, then each: kind (uint16 length, bytes), values (uint32 count,
//	             float64 each), weights (uint32 count, float32 each)
//	crc          uint32   CRC-32 (IEEE) of every byte before it
//
// Files are written atomically (a temporary file, synced, renamed). Load checks everything
// (checksum, structure, names and shapes against the network's, finite weights) before it
// changes anything, and allocates at most about twice the file's size.
package checkpoint

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"unicode/utf8"

	"github.com/nngen/nngen/runtime/fit"
	"github.com/nngen/nngen/runtime/internal/atomicfile"
	"github.com/nngen/nngen/runtime/weights"
)

// Magic is the first 8 bytes of every checkpoint file.
const Magic = "NNGENC\x00\x01"

// Version is the format version this package reads and writes.
const Version = 1

// Limits of what a file may hold, so that a crafted count cannot make Load allocate much.
const (
	MaxScalars   = 1 << 16
	MaxEpochs    = 1 << 20
	MaxMetrics   = 1 << 10
	MaxCallbacks = 1 << 10
	MaxNameLen   = 255
)

// Network is what a checkpoint saves of a generated network and puts back: its Model's tensors
// and class names, and its Trainer's state.
type Network struct {
	Fingerprint uint64
	Model       []weights.Tensor // Model.Tensors()
	Classes     []string         // the class names; nil for none
	ClassCount  int              // the model's classes (0 for none), which a file's names must number
	Trainer     []weights.Tensor // Trainer.StateTensors()
	Scalars     []weights.Scalar // Trainer.StateScalars(): saved as they are; Load returns the file's
}

// Save writes net and the fit state s to path atomically; on error path is unchanged and no
// temporary file is left. It refuses non-finite weights or optimiser state.
func Save(path string, net Network, s *fit.State) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return Write(w, net, s) })
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %v", path, err)
	}
	return nil
}

// Write encodes net and s to w; it checks everything before writing anything.
func Write(w io.Writer, net Network, s *fit.State) error {
	b, err := Encode(net, s)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Encode returns the file's bytes.
func Encode(net Network, s *fit.State) ([]byte, error) {
	var model, trainer bytesWriter
	if err := weights.Write(&model, net.Fingerprint, net.Model, net.Classes); err != nil {
		return nil, fmt.Errorf("the model: %v", err)
	}
	if err := weights.Write(&trainer, net.Fingerprint, net.Trainer, nil); err != nil {
		return nil, fmt.Errorf("the trainer's state: %v", err)
	}
	if err := checkState(net, s); err != nil {
		return nil, err
	}
	e := []byte(Magic)
	e = binary.LittleEndian.AppendUint32(e, Version)
	e = binary.LittleEndian.AppendUint64(e, net.Fingerprint)
	e = binary.LittleEndian.AppendUint64(e, uint64(len(model)))
	e = append(e, model...)
	e = binary.LittleEndian.AppendUint64(e, uint64(len(trainer)))
	e = append(e, trainer...)
	e = binary.LittleEndian.AppendUint32(e, uint32(len(net.Scalars)))
	for _, sc := range net.Scalars {
		e = appendName(e, sc.Name)
		e = binary.LittleEndian.AppendUint64(e, sc.Bits)
	}
	e = binary.LittleEndian.AppendUint32(e, uint32(s.Epoch))
	e = binary.LittleEndian.AppendUint32(e, uint32(s.Step))
	e = binary.LittleEndian.AppendUint16(e, uint16(len(s.Shuffle)))
	e = append(e, s.Shuffle...)
	e = appendF64(e, s.Rate)
	e = append(e, b2u(s.Stopped))
	e = appendF64(e, s.Loss)
	e = binary.LittleEndian.AppendUint64(e, uint64(s.Seen))
	e = appendF64(e, s.Seconds)
	e = appendF64s(e, s.Metrics)
	e = binary.LittleEndian.AppendUint32(e, uint32(len(s.History)))
	for _, h := range s.History {
		e = binary.LittleEndian.AppendUint32(e, uint32(h.Epoch))
		e = appendF64(e, h.Loss)
		e = appendF64s(e, h.Metrics)
		e = appendF64(e, h.ValLoss)
		e = appendF64s(e, h.ValMetrics)
		e = appendF64(e, h.Seconds)
	}
	e = binary.LittleEndian.AppendUint32(e, uint32(len(s.Callbacks)))
	for _, c := range s.Callbacks {
		e = appendName(e, c.Kind)
		e = appendF64s(e, c.Values)
		e = binary.LittleEndian.AppendUint32(e, uint32(len(c.Weights)))
		for _, v := range c.Weights {
			e = binary.LittleEndian.AppendUint32(e, math.Float32bits(v))
		}
	}
	return binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(e)), nil
}

// checkState returns why s and net's scalars cannot be written.
func checkState(net Network, s *fit.State) error {
	switch {
	case s == nil:
		return errors.New("no fit state")
	case len(net.Scalars) > MaxScalars:
		return fmt.Errorf("%d scalars, at most %d", len(net.Scalars), MaxScalars)
	case s.Epoch < 0 || s.Epoch > MaxEpochs || s.Step < 0 || s.Step > math.MaxInt32 || s.Seen < 0:
		return fmt.Errorf("epoch %d, step %d, %d samples seen: out of range", s.Epoch, s.Step, s.Seen)
	case len(s.Shuffle) > math.MaxUint16:
		return errors.New("the shuffling state is too long")
	case len(s.History) > MaxEpochs || len(s.Callbacks) > MaxCallbacks || len(s.Metrics) > MaxMetrics:
		return fmt.Errorf("%d epochs, %d callbacks, %d metrics: too many", len(s.History), len(s.Callbacks), len(s.Metrics))
	}
	for _, sc := range net.Scalars {
		if sc.Name == "" || len(sc.Name) > MaxNameLen || !utf8.ValidString(sc.Name) {
			return fmt.Errorf("scalar name %q must be 1 to %d bytes of UTF-8", sc.Name, MaxNameLen)
		}
	}
	for i, h := range s.History {
		if h.Epoch < 0 || h.Epoch > MaxEpochs || len(h.Metrics) > MaxMetrics || len(h.ValMetrics) > MaxMetrics {
			return fmt.Errorf("history line %d is out of range", i)
		}
	}
	for i, c := range s.Callbacks {
		if c.Kind == "" || len(c.Kind) > MaxNameLen || len(c.Values) > MaxMetrics || int64(len(c.Weights)) > math.MaxUint32 {
			return fmt.Errorf("callback %d (%q): its state is out of range", i, c.Kind)
		}
		for _, v := range c.Weights {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("callback %d (%s) keeps non-finite weights", i, c.Kind)
			}
		}
	}
	return nil
}

func appendName(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

func appendF64s(b []byte, v []float64) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	for _, x := range v {
		b = appendF64(b, x)
	}
	return b
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// bytesWriter is an io.Writer that appends to itself.
type bytesWriter []byte

func (w *bytesWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// Load reads the checkpoint at path for net: when everything in it fits net (fingerprint,
// tensor names and shapes, finite values, the scalars' names in order), it copies the weights
// into net.Model and the state into net.Trainer, and returns the class names (nil for none), the
// file's scalars and the fit state. Otherwise it returns an error naming the file and what is
// wrong, and changes nothing.
func Load(path string, net Network) (classes []string, scalars []weights.Scalar, s *fit.State, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoint: %v", err)
	}
	defer f.Close()
	// A checkpoint holds the model, the optimiser's state (a few times the model), EarlyStopping's
	// best weights and a history: a file far larger than that is not this network's.
	limit := int64(64 << 20)
	for _, ts := range [][]weights.Tensor{net.Model, net.Trainer} {
		for _, t := range ts {
			limit += 8 * int64(len(t.Data))
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoint: %s: %v", path, err)
	}
	if int64(len(data)) > limit {
		return nil, nil, nil, fmt.Errorf("checkpoint: %s: more than %d bytes, far more than this network's checkpoint takes", path, limit)
	}
	return Decode(path, data, net)
}

// Decode is Load for bytes in memory; name is used in errors.
func Decode(name string, data []byte, net Network) (classes []string, scalars []weights.Scalar, s *fit.State, err error) {
	classes, scalars, s, err = decode(data, net)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoint: %s: %v", name, err)
	}
	return classes, scalars, s, nil
}

func decode(data []byte, net Network) ([]string, []weights.Scalar, *fit.State, error) {
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		if len(data) >= len(weights.Magic) && string(data[:len(weights.Magic)]) == weights.Magic {
			return nil, nil, nil, errors.New("a weights file, not a checkpoint (a checkpoint is what --checkpoint writes)")
		}
		return nil, nil, nil, fmt.Errorf("not an nngen checkpoint (it starts with %q, a checkpoint with %q)", data[:min(len(data), len(Magic))], Magic)
	}
	if len(data) < len(Magic)+4+8+4 {
		return nil, nil, nil, fmt.Errorf("truncated: the file is %d bytes", len(data))
	}
	body := data[:len(data)-4]
	if binary.LittleEndian.Uint32(data[len(body):]) != crc32.ChecksumIEEE(body) {
		return nil, nil, nil, errors.New("checksum mismatch (the file is truncated or corrupt)")
	}
	r := reader{b: body[len(Magic):]}
	if v := r.u32(); v != Version {
		return nil, nil, nil, fmt.Errorf("format version %d; this nngen reads version %d", v, Version)
	}
	if fp := r.u64(); fp != net.Fingerprint {
		return nil, nil, nil, fmt.Errorf("made for another network (fingerprint %#016x, this model is %#016x)", fp, net.Fingerprint)
	}
	modelBytes := r.bytes(r.u64())
	trainerBytes := r.bytes(r.u64())
	scalars := make([]weights.Scalar, r.count(MaxScalars, 10))
	for i := range scalars {
		scalars[i] = weights.Scalar{Name: r.name(), Bits: r.u64()}
	}
	s := &fit.State{Epoch: int(r.u32()), Step: int(r.u32())}
	s.Shuffle = append([]byte(nil), r.bytes(uint64(r.u16()))...)
	s.Rate = r.f64()
	switch r.u8() {
	case 0:
	case 1:
		s.Stopped = true
	default:
		r.fail("the stopped flag is neither 0 nor 1")
	}
	s.Loss, s.Seen, s.Seconds = r.f64(), int(r.u64()&math.MaxInt32), r.f64()
	s.Metrics = r.f64s()
	s.History = make([]fit.Epoch, r.count(MaxEpochs, 4+8+4+8+4+8))
	for i := range s.History {
		h := &s.History[i]
		h.Epoch, h.Loss, h.Metrics = int(r.u32()), r.f64(), r.f64s()
		h.ValLoss, h.ValMetrics, h.Seconds = r.f64(), r.f64s(), r.f64()
	}
	s.Callbacks = make([]fit.CallbackState, r.count(MaxCallbacks, 2+1+4+4))
	for i := range s.Callbacks {
		c := &s.Callbacks[i]
		c.Kind, c.Values = r.name(), r.f64s()
		if n := r.count(math.MaxUint32, 4); n > 0 {
			c.Weights = make([]float32, n)
			for j := range c.Weights {
				c.Weights[j] = math.Float32frombits(r.u32())
				if math.IsNaN(float64(c.Weights[j])) || math.IsInf(float64(c.Weights[j]), 0) {
					r.fail(fmt.Sprintf("callback %d keeps a non-finite weight", i))
				}
			}
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail(fmt.Sprintf("%d bytes after the callbacks", len(r.b)))
	}
	if r.err != nil {
		return nil, nil, nil, r.err
	}
	if len(scalars) != len(net.Scalars) {
		return nil, nil, nil, fmt.Errorf("%d trainer scalars, this network's trainer has %d", len(scalars), len(net.Scalars))
	}
	for i, sc := range scalars {
		if sc.Name != net.Scalars[i].Name {
			return nil, nil, nil, fmt.Errorf("trainer scalar %d is %q, this network's trainer has %q (another optimiser?)", i, sc.Name, net.Scalars[i].Name)
		}
	}
	// Decode both weights files into copies, so that nothing changes unless both are good.
	model, trainer := clone(net.Model), clone(net.Trainer)
	classes, err := weights.Decode("the model", modelBytes, net.Fingerprint, model, net.ClassCount)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := weights.Decode("the trainer's state", trainerBytes, net.Fingerprint, trainer, 0); err != nil {
		return nil, nil, nil, err
	}
	for i := range model {
		copy(net.Model[i].Data, model[i].Data)
	}
	for i := range trainer {
		copy(net.Trainer[i].Data, trainer[i].Data)
	}
	return classes, scalars, s, nil
}

// clone copies the tensors' headers with new data arrays of the same sizes.
func clone(ts []weights.Tensor) []weights.Tensor {
	c := make([]weights.Tensor, len(ts))
	for i, t := range ts {
		c[i] = weights.Tensor{Name: t.Name, Shape: t.Shape, Data: make([]float32, len(t.Data))}
	}
	return c
}

// reader reads the fields of a checkpoint; after the first error it returns zeros, and err says
// what ran short.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New("corrupt: " + msg)
	}
	r.b = nil
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail("a field runs past the end of the file")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() uint8 {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

// count reads a uint32 count of items of at least size bytes each; it refuses a count above max
// or one that the rest of the file cannot hold, so that it never allocates for absent items.
func (r *reader) count(max uint64, size int) int {
	n := uint64(r.u32())
	if n > max || n*uint64(size) > uint64(len(r.b)) {
		r.fail(fmt.Sprintf("a count of %d items that the file cannot hold", n))
		return 0
	}
	return int(n)
}

func (r *reader) f64s() []float64 {
	v := make([]float64, r.count(MaxMetrics, 8))
	for i := range v {
		v[i] = r.f64()
	}
	return v
}

func (r *reader) name() string {
	b := r.bytes(uint64(r.u16()))
	if r.err == nil && (len(b) == 0 || len(b) > MaxNameLen || !utf8.Valid(b)) {
		r.fail(fmt.Sprintf("a name %q is not 1 to %d bytes of UTF-8", b, MaxNameLen))
	}
	return string(b)
}
