package checkpoint

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/nngen/nngen/runtime/fit"
	"github.com/nngen/nngen/runtime/weights"
)

const fp = 0x1234_5678_9abc_def0

// network returns a small network's checkpointable parts, with values from k.
func network(k float32) Network {
	t := func(name string, shape ...int) weights.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = k + float32(i)/8
		}
		return weights.Tensor{Name: name, Shape: shape, Data: data}
	}
	return Network{
		Fingerprint: fp,
		Model:       []weights.Tensor{t("dense1/kernel", 3, 2), t("dense1/bias", 2)},
		Classes:     []string{"cat", "dog"},
		ClassCount:  2,
		Trainer:     []weights.Tensor{t("optimizer/m/dense1/kernel", 3, 2), t("optimizer/m/dense1/bias", 2)},
		Scalars:     []weights.Scalar{{Name: "steps", Bits: 17}, {Name: "lr", Bits: math.Float64bits(0.001)}},
	}
}

func state() *fit.State {
	return &fit.State{
		Epoch: 2, Step: 3, Shuffle: []byte("pcg:0123456789abcdef0123456789abcdef"), Rate: 0.001,
		Loss: 1.5, Metrics: []float64{0.75}, Seen: 96, Seconds: 0.25,
		History: []fit.Epoch{
			{Epoch: 0, Loss: 2, Metrics: []float64{0.5}, ValLoss: math.NaN(), ValMetrics: []float64{math.NaN()}, Seconds: 1},
			{Epoch: 1, Loss: 1.75, Metrics: []float64{0.625}, ValLoss: 1.9, ValMetrics: []float64{0.6}, Seconds: 1.5},
		},
		Callbacks: []fit.CallbackState{{Kind: "EarlyStopping", Values: []float64{1, 0, 1.9, 1, 1, 1, 0}, Weights: []float32{1, 2, 3}}, {Kind: "TerminateOnNaN"}},
	}
}

// TestRoundTrip saves and loads a checkpoint: everything comes back, bit for bit.
func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.ckpt")
	want := network(1)
	if err := Save(path, want, state()); err != nil {
		t.Fatal(err)
	}
	got := network(9)
	classes, scalars, s, err := Load(path, got)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Model, want.Model) || !reflect.DeepEqual(got.Trainer, want.Trainer) {
		t.Error("the tensors differ")
	}
	if !reflect.DeepEqual(classes, want.Classes) || !reflect.DeepEqual(scalars, want.Scalars) {
		t.Errorf("classes %q, scalars %v", classes, scalars)
	}
	a, b := encodeOrFail(t, want, s), encodeOrFail(t, want, state())
	if !bytes.Equal(a, b) {
		t.Error("the fit state differs")
	}
}

func encodeOrFail(t *testing.T, net Network, s *fit.State) []byte {
	t.Helper()
	b, err := Encode(net, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRefusals checks that a damaged or foreign checkpoint is refused with a clear error and
// changes nothing, and that non-finite weights are never written.
func TestRefusals(t *testing.T) {
	good := encodeOrFail(t, network(1), state())
	other := network(1)
	other.Fingerprint++
	wrongScalars := network(1)
	wrongScalars.Scalars[1].Name = "momentum"
	nan := network(1)
	nan.Model[0].Data[4] = float32(math.NaN())
	var weightsFile bytes.Buffer
	weights.Write(&weightsFile, fp, network(1).Model, nil)
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 1; return b }
	for _, tc := range []struct {
		name string
		data []byte
		net  Network
		want string
	}{
		{"truncated", good[:len(good)-9], network(5), "checksum mismatch"},
		{"a flipped bit", flip(60), network(5), "checksum mismatch"},
		{"empty", nil, network(5), "not an nngen checkpoint"},
		{"a weights file", weightsFile.Bytes(), network(5), "a weights file, not a checkpoint"},
		{"another network", good, other, "made for another network"},
		{"another optimiser", good, wrongScalars, `trainer scalar 1 is "lr", this network's trainer has "momentum"`},
	} {
		before := encodeOrFail(t, tc.net, state())
		_, _, _, err := Decode("f.ckpt", tc.data, tc.net)
		if err == nil || !strings.HasPrefix(err.Error(), "checkpoint: f.ckpt: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
		if !bytes.Equal(before, encodeOrFail(t, tc.net, state())) {
			t.Errorf("%s: the network changed", tc.name)
		}
	}
	path := filepath.Join(t.TempDir(), "x.ckpt")
	os.WriteFile(path, good, 0o666)
	if err := Save(path, nan, state()); err == nil || !strings.Contains(err.Error(), "must be finite") {
		t.Errorf("Save of NaN weights: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, good) {
		t.Error("a refused Save changed the file")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// FuzzDecodeCheckpoint: no input panics, a refused one changes nothing, an accepted one
// re-encodes to a file that decodes to the same, and decoding allocates at most a small multiple
// of the input.
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add(encodeOrFailF(f, network(1), state()))
	s := state()
	s.Callbacks, s.History = nil, nil
	f.Add(encodeOrFailF(f, network(2), s))
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		net := network(7)
		before := encodeOrFail(t, net, state())
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		classes, scalars, s, err := Decode("fuzz", data, net)
		runtime.ReadMemStats(&m1)
		// Every count is checked against the bytes left before anything is made for it: an
		// epoch of history is 36 bytes or more in the file and about 100 in memory.
		if got, bound := m1.TotalAlloc-m0.TotalAlloc, 4*uint64(len(data))+64<<10; got > bound {
			t.Fatalf("decoding %d bytes allocated %d, more than %d", len(data), got, bound)
		}
		if err != nil {
			if !bytes.Equal(before, encodeOrFail(t, net, state())) {
				t.Fatalf("%v, and the network changed", err)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: fuzz: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		net.Classes, net.Scalars = classes, scalars
		again, err := Encode(net, s)
		if err != nil {
			t.Fatalf("decoded what Encode refuses: %v", err)
		}
		net2 := network(3)
		c2, sc2, s2, err := Decode("again", again, net2)
		if err != nil || !reflect.DeepEqual(c2, classes) || !reflect.DeepEqual(sc2, scalars) || !bytes.Equal(encodeOrFail(t, net2, s2), again) {
			t.Fatalf("re-encoded file decodes differently: %v", err)
		}
	})
}

func encodeOrFailF(f *testing.F, net Network, s *fit.State) []byte {
	b, err := Encode(net, s)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
