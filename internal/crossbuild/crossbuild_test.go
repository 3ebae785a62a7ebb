package crossbuild

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCrossBuild builds, for every first-class port of `go tool dist list`, every package a
// user's program may import or that the examples show (runtime, asm, the generated packages and
// their trainers, examples/... but the demo's web server), and with the purego and noasm tags for the two ports with a
// pure-Go level worth checking (linux/amd64, whose assembly the tags remove, and linux/arm64, the
// pure-Go level's main user); and the nngen command for the other two systems it is installed on
// (windows/amd64, darwin/arm64; linux/amd64 builds it in the README's test command). A change
// that breaks another platform fails here rather than on a user's machine. The command, bench
// and the demo's server (tools run on a developer's machine) are not built for every port: with
// gonum/plot's fonts and net/http they would double the time of a cold build (8 ports: 6 minutes
// instead of 4 on 2 Zen 3 cores), and their code has nothing port-specific beyond what these
// builds cover.
func TestCrossBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module for every first-class port")
	}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "tool", "dist", "list", "-json").Output()
	if err != nil {
		t.Fatalf("go tool dist list: %v", err)
	}
	var ports []struct {
		GOOS, GOARCH string
		FirstClass   bool
	}
	if err := json.Unmarshal(out, &ports); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	list := exec.Command(goCmd, "list", "./...")
	list.Dir = root
	listed, err := list.Output()
	if err != nil {
		t.Fatalf("go list ./...: %v", err)
	}
	var portable []string
	for _, pkg := range strings.Fields(string(listed)) {
		if !strings.HasPrefix(pkg, "github.com/nngen/nngen/cmd/") && !strings.HasPrefix(pkg, "github.com/nngen/nngen/bench") &&
			pkg != "github.com/nngen/nngen/examples/wasm/serve" {
			portable = append(portable, pkg)
		}
	}
	build := func(goos, goarch, tags string, pkgs ...string) {
		name := goos + "/" + goarch
		if tags != "" {
			name += "," + tags
		}
		cmd := exec.Command(goCmd, append([]string{"build", "-tags", tags}, pkgs...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: go build: %v\n%s", name, err, out)
		}
	}
	n := 0
	for _, p := range ports {
		if p.FirstClass {
			build(p.GOOS, p.GOARCH, "", portable...)
			n++
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		build("linux", arch, "purego", portable...)
		build("linux", arch, "noasm", portable...)
	}
	build("windows", "amd64", "", "./cmd/nngen")
	build("darwin", "arm64", "", "./cmd/nngen")
	// go vet, clean on amd64 by the README's test command, must be clean where the pure-Go level
	// runs too.
	vet := exec.Command(goCmd, append([]string{"vet"}, portable...)...)
	vet.Dir = root
	vet.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOWORK=off")
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("linux/arm64: go vet: %v\n%s", err, out)
	}
	if n < 8 {
		t.Errorf("only %d ports: go tool dist list gave too few first-class ports", n)
	}
	if len(portable) < 10 {
		t.Errorf("only %d packages to build: %v", len(portable), portable)
	}
}
