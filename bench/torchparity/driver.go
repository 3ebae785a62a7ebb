package main

import (
	"bytes"
	"fmt"
	"go/format"
	"text/template"
)

// driverSource is the Go program that drives the generated packages pkgs (import paths
// base/<name>): for `driver <package> <dir> <steps> <checkpoints>` it reads the pool (pool_x.f32,
// pool_y.f32) and the batch order (idx.i32) from dir, makes a Model, Init(Seed)s it (the spec's
// fit seed), writes its parameters (init.f32: every tensor of Tensors(), in order, concatenated),
// runs TrainBatch on the batches in order, and writes every step's loss (loss.f32) and the
// parameters after each checkpoint step s (params_<s>.f32). Every file is raw little-endian
// float32 or int32, so no value is lost to decimal.
func driverSource(base string, pkgs []string) ([]byte, error) {
	var b bytes.Buffer
	if err := driverTemplate.Execute(&b, map[string]any{"Base": base, "Packages": pkgs}); err != nil {
		return nil, err
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("driver source does not parse: %v\n%s", err, b.Bytes())
	}
	return src, nil
}

var driverTemplate = template.Must(template.New("driver").Parse(`// Command driver trains generated packages for bench/torchparity.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nngen/nngen/runtime/weights"
{{range .Packages}}
	{{.}} "{{$.Base}}/{{.}}"{{end}}
)

type runner func(dir string, steps int, checks map[int]bool) error

var packages = map[string]runner{
{{- range .Packages}}
	"{{.}}": func(dir string, steps int, checks map[int]bool) error {
		m := new({{.}}.Model)
		m.Init({{.}}.Seed)
		t := {{.}}.NewTrainer(m)
		defer t.Close()
		return drive(dir, m.Tensors, t.TrainBatch, {{.}}.InputSize, {{.}}.OutputSize, {{.}}.BatchSize, steps, checks)
	},
{{- end}}
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: driver <package> <dir> <steps> <checkpoints, comma-separated>")
		os.Exit(2)
	}
	run, ok := packages[os.Args[1]]
	steps, err := strconv.Atoi(os.Args[3])
	if !ok || err != nil {
		fmt.Fprintln(os.Stderr, "driver: unknown package or bad step count")
		os.Exit(2)
	}
	checks := map[int]bool{}
	for _, c := range strings.Split(os.Args[4], ",") {
		n, err := strconv.Atoi(c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "driver: bad checkpoint", c)
			os.Exit(2)
		}
		checks[n] = true
	}
	if err := run(os.Args[2], steps, checks); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

func drive(dir string, tensors func() []weights.Tensor, train func(x, y []float32, n int) float32, in, out, batch, steps int, checks map[int]bool) error {
	px, err := readF32(filepath.Join(dir, "pool_x.f32"))
	if err != nil {
		return err
	}
	py, err := readF32(filepath.Join(dir, "pool_y.f32"))
	if err != nil {
		return err
	}
	idx, err := readI32(filepath.Join(dir, "idx.i32"))
	if err != nil {
		return err
	}
	if len(idx) < steps*batch || len(px)%in != 0 || len(py) != len(px)/in*out {
		return fmt.Errorf("%s: the pool (%d x, %d y values) or the batch order (%d) do not fit %d steps of %d rows of %d -> %d", dir, len(px), len(py), len(idx), steps, batch, in, out)
	}
	if err := writeParams(filepath.Join(dir, "init.f32"), tensors()); err != nil {
		return err
	}
	x, y := make([]float32, batch*in), make([]float32, batch*out)
	losses := make([]float32, steps)
	for s := range steps {
		for r := range batch {
			j := int(idx[s*batch+r])
			copy(x[r*in:(r+1)*in], px[j*in:(j+1)*in])
			copy(y[r*out:(r+1)*out], py[j*out:(j+1)*out])
		}
		losses[s] = train(x, y, batch)
		if checks[s+1] {
			if err := writeParams(filepath.Join(dir, fmt.Sprintf("params_%d.f32", s+1)), tensors()); err != nil {
				return err
			}
		}
	}
	return writeF32(filepath.Join(dir, "loss.f32"), losses)
}

func writeParams(path string, ts []weights.Tensor) error {
	var all []float32
	for _, t := range ts {
		all = append(all, t.Data...)
	}
	return writeF32(path, all)
}

func writeF32(path string, v []float32) error {
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readF32(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]float32, len(b)/4)
	_, err = binary.Decode(b, binary.LittleEndian, v)
	return v, err
}

func readI32(path string) ([]int32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]int32, len(b)/4)
	_, err = binary.Decode(b, binary.LittleEndian, v)
	return v, err
}
`))
