//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main, outside a browser, says how to run the demo.
func main() {
	fmt.Fprintln(os.Stderr, "examples/wasm runs in a browser, built with GOOS=js GOARCH=wasm; serve it with:\n\n\tgo run ./examples/wasm/serve")
	os.Exit(2)
}
