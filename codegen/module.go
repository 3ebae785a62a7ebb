package codegen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModulePath is the import path of nngen itself; generated packages import its runtime and asm.
const ModulePath = "github.com/nngen/nngen"

// FindRoot returns the nngen source tree that holds start: the nearest folder at or above start
// whose go.mod declares ModulePath.
func FindRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && ModulePathOf(mod) == ModulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no nngen source tree (a go.mod declaring %s) at or above %s; run nngen from a checkout of nngen", ModulePath, start)
		}
		dir = parent
	}
}

// ModulePathOf returns the module path that a go.mod file declares, or "" when it has none.
func ModulePathOf(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// WriteModule lays out dir as a throwaway Go module named name that builds generated packages
// against the nngen source tree at root: a go.mod that requires nngen and replaces it with root,
// and root's go.sum, so that `go build` needs nothing beyond what nngen itself needs.
func WriteModule(dir, name, root string) error {
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	mod := fmt.Sprintf("module %s\n\ngo %s\n\nrequire %s v0.0.0\n\nreplace %s => %s\n",
		name, GoVersionOf(goMod), ModulePath, ModulePath, QuoteModPath(root))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
}

// GoVersionOf is the go directive of a go.mod file, or 1.26 when it has none.
func GoVersionOf(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "1.26"
}

// QuoteModPath quotes a file path for go.mod when it holds characters go.mod would misread.
func QuoteModPath(p string) string {
	if strings.ContainsAny(p, " \t\"'`\\") {
		return fmt.Sprintf("%q", p)
	}
	return p
}
