// Package static holds the files of nngen's browser demo page, index.html, app.js and
// style.css, for examples/wasm/serve to serve beside main.wasm and the Go toolchain's
// wasm_exec.js.
package static

import "embed"

// Files are the page's files, at the root of the file system.
//
//go:embed index.html app.js style.css
var Files embed.FS
