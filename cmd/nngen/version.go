package main

import (
	"fmt"
	"io"

	// The packages that generated code imports, so that `go get -tool` of nngen records in the
	// user's go.sum every module a generated package needs (cpuid, x/sys), and a go:generate'd
	// package builds without a further go get.
	_ "github.com/nngen/nngen/runtime/cli"
	_ "github.com/nngen/nngen/runtime/initializer"
	_ "github.com/nngen/nngen/runtime/parallel"
	_ "github.com/nngen/nngen/runtime/schedule"
	_ "github.com/nngen/nngen/runtime/weights"
)

// printVersion prints the nngen this binary was built from, which is what trainers build against.
func printVersion(w io.Writer) {
	src, err := thisSource()
	switch {
	case err != nil:
		fmt.Fprintf(w, "nngen (unknown version: %v)\n", err)
	case src.Dir != "":
		fmt.Fprintf(w, "nngen (devel) from %s\n", src.Dir)
	default:
		fmt.Fprintf(w, "nngen %s\n", src.Version)
	}
}
