// Command serve builds nngen's browser demo, examples/wasm, and serves it on localhost:
//
//	go run ./examples/wasm/serve [-addr localhost:8080]
//
// It builds main.wasm with GOOS=js GOARCH=wasm and the go command of the toolchain that runs it,
// into a temporary folder, then serves the page (examples/wasm/static), that toolchain's
// wasm_exec.js and main.wasm, and prints the address to open. Run it inside the nngen module.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/nngen/nngen/examples/wasm/static"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to serve on, host:port (port 0: any free port)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go run ./examples/wasm/serve [-addr host:port]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "serve: unexpected argument %q; the only flag is -addr host:port\n", flag.Arg(0))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// run listens on addr, builds main.wasm and serves the demo until ctx is done.
func run(ctx context.Context, w io.Writer, addr string) error {
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	goCmd, err := goCommand()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "building main.wasm with %s (GOOS=js GOARCH=wasm)...\n", goCmd)
	wasm, err := buildWasm(ctx, goCmd, wasmPackage)
	if err != nil {
		return err
	}
	js, err := wasmExec(ctx, goCmd)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "main.wasm: %d bytes, %d gzip-compressed\n", len(wasm), len(gzipped(wasm)))
	fmt.Fprintf(w, "serving the demo on %s (Ctrl-C to stop)\n", pageURL(addr, ln.Addr()))
	srv := &http.Server{Handler: newHandler(static.Files, wasm, js)}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listen listens on addr, saying what to do when the port is taken.
func listen(addr string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("-addr %q: %v; want host:port, such as localhost:8080", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot listen on %s: the port is in use; give another with -addr, such as -addr localhost:8081 (port 0: any free port)", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v; give another address with -addr, such as -addr localhost:8081", addr, err)
	}
	return ln, nil
}

// pageURL is the address to open for a server asked to listen on addr and listening on got:
// addr's host (localhost when empty, or when it is the unspecified address) and got's port.
func pageURL(addr string, got net.Addr) string {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	_, port, _ := net.SplitHostPort(got.String())
	return "http://" + net.JoinHostPort(host, port) + "/"
}
