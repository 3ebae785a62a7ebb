package tiny

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The ceilings on what the predictor of testdata/predictor adds to the hello world of
// testdata/hello beyond its weights, in bytes, as built by the go command for linux/amd64 (the
// test builds for that port whatever the host). Measured on 2026-12-02 with Go 1.26.8 as 459,056
// bytes unstripped and 250,984 stripped (-ldflags="-s -w"): the hello world is 2,397,238 bytes
// (1,589,410 stripped), the predictor 3,059,966 (2,044,066) with its 203,672 bytes of weights.
// The ceilings are those figures plus 12%, for other Go versions and small changes of the code;
// the trainer, reached from main, adds about 500 KB. Of the 251 KB stripped, klauspost/cpuid's
// start-up detection takes 139 KB, the kernels and their dispatch 70 KB, the weights decoder 41 KB
// (see the README's "What a predictor costs").
const (
	maxAddedRaw      = 514_000
	maxAddedStripped = 281_000
)

// forbidden are symbols, or prefixes of symbols, that a program which only decodes embedded
// weights and predicts must not carry: the training code of the generated package and of
// runtime/..., the initializers and their generator, the writing of files, and what was cut from
// the decoder (errors.As and unicode's category tables, 29 and 12 KB stripped).
// Init alone adds about 2 KB, far below the ceilings' margin: this list is what catches it.
var forbidden = []string{
	"github.com/nngen/nngen/generated/mnist.(*Trainer).",
	"github.com/nngen/nngen/generated/mnist.NewTrainer",
	"github.com/nngen/nngen/generated/mnist.(*Model).Init",
	"github.com/nngen/nngen/generated/mnist.(*Model).Save",
	"github.com/nngen/nngen/generated/mnist.(*Model).Load",
	"github.com/nngen/nngen/runtime/initializer.",
	"github.com/nngen/nngen/runtime/parallel.",
	"github.com/nngen/nngen/runtime/fit.",
	"github.com/nngen/nngen/runtime/internal/atomicfile.",
	"math/rand/v2.",
	"errors.As",
	"unicode.PrintRanges",
}

// TestPredictorSize builds the hello world and the predictor, raw and stripped, and checks what
// the predictor adds against the ceilings, and its symbols against forbidden.
func TestPredictorSize(t *testing.T) {
	if testing.Short() {
		t.Skip("links four programs")
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	src, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	weightsPath, err := filepath.Abs(filepath.Join("..", "embed", "mnist.weights"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(weightsPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The predictor embeds examples/embed/mnist.weights as if it were in its folder.
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {
		filepath.Join(src, "predictor", "mnist.weights"): weightsPath,
	}})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(prog string, stripped bool) (path string, size int64) {
		t.Helper()
		path = filepath.Join(dir, prog)
		var flags []string
		if stripped {
			path += "-stripped"
			flags = []string{"-ldflags=-s -w"}
		}
		args := append([]string{"build", "-overlay", overlayFile, "-o", path}, flags...)
		cmd := exec.Command(goCmd, append(args, "./testdata/"+prog)...)
		// The same build whatever the environment asks for: a port, a level of amd64, no cgo,
		// no flags or tags from GOFLAGS.
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return path, st.Size()
	}
	_, hello := build("hello", false)
	_, helloStripped := build("hello", true)
	pred, predicted := build("predictor", false)
	_, predictedStripped := build("predictor", true)
	w := fi.Size()
	added, addedStripped := predicted-hello-w, predictedStripped-helloStripped-w
	t.Logf("%s, linux/amd64: hello world %d bytes (stripped %d), the predictor %d (%d): it adds %d (%d), %d of them weights, %d (%d) of code and data",
		runtime.Version(), hello, helloStripped, predicted, predictedStripped, predicted-hello, predictedStripped-helloStripped, w, added, addedStripped)
	if added > maxAddedRaw {
		t.Errorf("the predictor adds %d bytes to the hello world beyond its weights, more than the ceiling of %d: see what it pulls in with go tool nm -size -sort size, and what keeps it with -ldflags=-dumpdep", added, maxAddedRaw)
	}
	if addedStripped > maxAddedStripped {
		t.Errorf("stripped, the predictor adds %d bytes to the hello world beyond its weights, more than the ceiling of %d", addedStripped, maxAddedStripped)
	}

	f, err := elf.Open(pred)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, s := range syms {
		for _, p := range forbidden {
			if _, ok := found[p]; !ok && strings.HasPrefix(s.Name, p) {
				found[p] = s.Name
			}
		}
	}
	for _, p := range forbidden {
		if s, ok := found[p]; ok {
			t.Errorf("the predictor holds %s: a program that only decodes weights and predicts must not carry %s* (see what reaches it with go build -ldflags=-dumpdep)", s, p)
		}
	}

	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		out, err := exec.Command(pred).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", pred, err, out)
		}
		t.Logf("the predictor prints %q", strings.TrimSpace(string(out)))
	}
}
