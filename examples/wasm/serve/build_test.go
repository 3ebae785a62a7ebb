package main

import (
	"context"
	"strings"
	"testing"
)

// TestBuildFailure checks that a failed build of main.wasm says what was built, with which
// command, the go command's own message, and where to run serve.
func TestBuildFailure(t *testing.T) {
	goCmd, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	_, err = buildWasm(context.Background(), goCmd, wasmPackage+"/nosuchpackage")
	if err == nil {
		t.Fatal("building a package that does not exist succeeded")
	}
	for _, want := range []string{"building main.wasm (GOOS=js GOARCH=wasm", "nosuchpackage", "run it from the nngen checkout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
