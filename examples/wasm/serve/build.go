package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// wasmPackage is the import path of the demo's WebAssembly program.
const wasmPackage = "github.com/nngen/nngen/examples/wasm"

// goCommand returns the go command of the toolchain that built this program (so main.wasm and
// wasm_exec.js come from the Go that `go run` used), or else the one in PATH.
func goCommand() (string, error) {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	p, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building main.wasm needs the go command, found neither in %s nor in PATH: %v", filepath.Dir(p), err)
	}
	return p, nil
}

// buildWasm builds the program pkg (wasmPackage, the demo's) with GOOS=js GOARCH=wasm into a
// temporary folder and returns its bytes. It runs in the current folder, which must be inside
// the nngen module (or a module that requires it).
func buildWasm(ctx context.Context, goCmd, pkg string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "nngen-wasm-")
	if err != nil {
		return nil, fmt.Errorf("building main.wasm: %v", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "main.wasm")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building main.wasm (GOOS=js GOARCH=wasm %s build %s) failed: %v\n%s\nrun it from the nngen checkout: go run ./examples/wasm/serve",
			goCmd, pkg, err, strings.TrimSpace(stderr.String()))
	}
	return os.ReadFile(out)
}

// wasmExec returns the wasm_exec.js of goCmd's toolchain, the JavaScript side of the Go
// programs it compiles to WebAssembly: $(go env GOROOT)/lib/wasm/wasm_exec.js (misc/wasm before
// Go 1.24).
func wasmExec(ctx context.Context, goCmd string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, goCmd, "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("%s env GOROOT: %v", goCmd, err)
	}
	root := strings.TrimSpace(string(out))
	var tried []string
	for _, p := range []string{filepath.Join(root, "lib", "wasm", "wasm_exec.js"), filepath.Join(root, "misc", "wasm", "wasm_exec.js")} {
		b, err := os.ReadFile(p)
		if err == nil {
			return b, nil
		}
		tried = append(tried, p)
	}
	return nil, fmt.Errorf("the Go toolchain at %s has no wasm_exec.js (looked for %s)", root, strings.Join(tried, " and "))
}
