package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nngen/nngen/examples/wasm/static"
)

// TestHandler checks what the server serves: the page at /, its script, wasm_exec.js, and
// main.wasm as application/wasm, gzip-compressed only for clients that accept it.
func TestHandler(t *testing.T) {
	wasm := bytes.Repeat([]byte("\x00asm fake module "), 1000)
	srv := httptest.NewServer(newHandler(static.Files, wasm, []byte("// wasm_exec.js\n")))
	defer srv.Close()
	get := func(path, encoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", encoding) // set, so the client does not decompress
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}

	res, body := get("/", "identity")
	if res.StatusCode != 200 || !strings.Contains(string(body), `<canvas id="pad"`) || !strings.Contains(string(body), "wasm_exec.js") {
		t.Errorf("/: %s, %q...; want the page", res.Status, body[:min(len(body), 80)])
	}
	if res.Header.Get("Cross-Origin-Embedder-Policy") != "require-corp" || res.Header.Get("Cross-Origin-Opener-Policy") != "same-origin" {
		t.Errorf("/: headers %v; want the page isolated across origins (COOP, COEP)", res.Header)
	}
	if res, _ := get("/app.js", ""); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("/app.js: %s, %s", res.Status, res.Header.Get("Content-Type"))
	}
	if res, body := get("/wasm_exec.js", ""); string(body) != "// wasm_exec.js\n" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("/wasm_exec.js: %s, %q", res.Header.Get("Content-Type"), body)
	}

	res, body = get("/main.wasm", "identity")
	if res.Header.Get("Content-Type") != "application/wasm" || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, wasm) {
		t.Errorf("/main.wasm without gzip: %s, encoding %q, %d bytes; want application/wasm, the %d bytes as they are",
			res.Header.Get("Content-Type"), res.Header.Get("Content-Encoding"), len(body), len(wasm))
	}
	res, body = get("/main.wasm", "br, gzip;q=0.8")
	if res.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(wasm) {
		t.Fatalf("/main.wasm with gzip: encoding %q, %d bytes; want gzip, fewer than %d", res.Header.Get("Content-Encoding"), len(body), len(wasm))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, wasm) {
		t.Errorf("/main.wasm gzip-compressed does not decompress to main.wasm: %v", err)
	}
	if res, _ := get("/main.wasm", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Error("/main.wasm sent gzip-compressed to a client that refused gzip (q=0)")
	}
	if res, _ := get("/missing.js", ""); res.StatusCode != 404 {
		t.Errorf("/missing.js: %s, want 404", res.Status)
	}
}

// TestListenErrors checks that a port in use and a malformed address are errors that say what
// to give instead.
func TestListenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := listen(ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "in use; give another with -addr") {
		t.Errorf("listen on a port in use: %v; want an error saying to give another -addr", err)
	}
	if _, err := listen("8080"); err == nil || !strings.Contains(err.Error(), "want host:port") {
		t.Errorf("listen(\"8080\"): %v; want an error saying host:port", err)
	}
}

// TestPageURL checks the address printed for the page.
func TestPageURL(t *testing.T) {
	for _, tc := range []struct{ addr, got, want string }{
		{"localhost:0", "127.0.0.1:41234", "http://localhost:41234/"},
		{":8080", "[::]:8080", "http://localhost:8080/"},
		{"0.0.0.0:80", "0.0.0.0:80", "http://localhost:80/"},
		{"192.168.1.5:8080", "192.168.1.5:8080", "http://192.168.1.5:8080/"},
		{"[::1]:9000", "[::1]:9000", "http://[::1]:9000/"},
	} {
		got, _ := net.ResolveTCPAddr("tcp", tc.got)
		if u := pageURL(tc.addr, got); u != tc.want {
			t.Errorf("pageURL(%q, %s) = %s, want %s", tc.addr, tc.got, u, tc.want)
		}
	}
}
