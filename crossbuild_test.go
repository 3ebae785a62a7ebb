package nngen

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCrossBuild builds the whole module, the generated MNIST package included, for every
// first-class port of `go tool dist list`, and with the purego and noasm tags for the ports that
// have assembly kernels (amd64) and for arm64, the pure-Go level's main user: a change that breaks
// another platform fails here rather than on a user's machine.
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
	n := 0
	for _, p := range ports {
		if !p.FirstClass {
			continue
		}
		tagSets := []string{""}
		if p.GOARCH == "amd64" || p.GOARCH == "arm64" {
			tagSets = append(tagSets, "purego", "noasm")
		}
		for _, tags := range tagSets {
			n++
			name := p.GOOS + "/" + p.GOARCH
			if tags != "" {
				name += "," + tags
			}
			cmd := exec.Command(goCmd, "build", "-tags", tags, "./...")
			cmd.Env = append(os.Environ(), "GOOS="+p.GOOS, "GOARCH="+p.GOARCH, "CGO_ENABLED=0", "GOWORK=off")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: go build ./...: %v\n%s", name, err, out)
			}
		}
	}
	// go vet, clean on amd64 by the README's test command, must be clean where the pure-Go level
	// runs too.
	vet := exec.Command(goCmd, "vet", "./...")
	vet.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOWORK=off")
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("linux/arm64: go vet ./...: %v\n%s", err, out)
	}
	if n < 8 {
		t.Errorf("only %d builds: go tool dist list gave too few first-class ports", n)
	}
}
