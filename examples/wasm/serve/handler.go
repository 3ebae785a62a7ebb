package main

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"strings"
)

// newHandler serves the demo: the page's files from page (index.html at /), wasm_exec.js and
// main.wasm (application/wasm, gzip-compressed for clients that accept it). Every response
// tells the browser to revalidate (a rebuilt main.wasm is fetched anew) and isolates the page
// across origins (COOP and COEP), which lets performance.now() time a prediction to a few
// microseconds rather than a tenth of a millisecond.
func newHandler(page fs.FS, wasm, wasmExecJS []byte) http.Handler {
	gz := gzipped(wasm)
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServerFS(page))
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(wasmExecJS)
	})
	mux.HandleFunc("/main.wasm", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/wasm")
		h.Set("Vary", "Accept-Encoding")
		body := wasm
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
		w.Write(body)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		mux.ServeHTTP(w, r)
	})
}

// gzipped returns b compressed with gzip at the best compression.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip with a quality above 0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
