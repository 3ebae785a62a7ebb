//go:build !js && !wasip1

package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	_ "github.com/nngen/nngen/examples/wasm/digit" // see readWasmSources
	"github.com/nngen/nngen/examples/wasm/static"
	_ "github.com/nngen/nngen/generated/mnist_convnet"
	"github.com/nngen/nngen/runtime/dataset"
)

var screenshot = flag.String("screenshot", "", "write a screenshot of the page with a drawn digit to this PNG file (relative to examples/wasm/serve)")

// browsers are the names under which Chromium or Chrome is installed, in the order tried.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"}

// findBrowser returns the path of Chromium or Chrome, or "" when neither is installed.
func findBrowser() string {
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// digits is how many MNIST test digits TestBrowserReadsDrawnDigits draws: the first ones of the
// test set, and at least want of them must be read right.
const digits, want = 10, 9

// TestBrowserReadsDrawnDigits is the demo in a real browser: headless Chromium opens the page
// served as `go run ./examples/wasm/serve` serves it, the test draws the first 10 MNIST test
// digits on the canvas stroke by stroke with mouse events (press, moves, release: the pointer
// events a person's drawing fires), reads the digit the page shows, and clears the canvas with
// the Clear button. At least 9 must be read right. Without a browser it skips, or fails when
// NNGEN_REQUIRE_BROWSER is set (.ci/run sets it). It then draws a 3 as a hand does, in one
// stroke, logs the time of nngen.predict, and with -screenshot FILE writes a picture of the page
// to FILE.
func TestBrowserReadsDrawnDigits(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		msg := fmt.Sprintf("no Chromium or Chrome in PATH (looked for %s): install one to run the browser test (Debian: apt-get install chromium)", strings.Join(browsers, ", "))
		if os.Getenv("NNGEN_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + "; NNGEN_REQUIRE_BROWSER is set, as CI sets it, so the test fails rather than skips")
		}
		t.Skip(msg)
	}
	dir, err := dataset.MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(filepath.Join(dir, dataset.MNISTTestImages), filepath.Join(dir, dataset.MNISTTestLabels), 28*28, 10)
	if err != nil {
		t.Fatal(err)
	}

	readWasmSources(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	goCmd, err := goCommand()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wasm, err := buildWasm(ctx, goCmd, wasmPackage)
	if err != nil {
		t.Fatal(err)
	}
	built := time.Since(start)
	js, err := wasmExec(ctx, goCmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("main.wasm: %d bytes, %d gzip-compressed, built in %v", len(wasm), len(gzipped(wasm)), built.Round(time.Millisecond))
	srv := httptest.NewServer(newHandler(static.Files, wasm, js))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.WindowSize(820, 620))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelTab()

	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("opening the page in %s: %v", browser, err)
	}
	status, err := chromedp.Run(tab, chromedp.Poll[string]("window.demo && (demo.ready || demo.error) && document.getElementById('status').textContent", chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		t.Fatalf("waiting for main.wasm to start: %v", err)
	}
	if pageErr, _ := chromedp.Run(tab, chromedp.Evaluate[string]("demo.error || ''")); pageErr != "" {
		t.Fatalf("the page could not start main.wasm: %s", pageErr)
	}
	t.Logf("page: %s", status)
	origin, err := chromedp.Run(tab, chromedp.Evaluate[struct{ X, Y, W, H float64 }](
		`(() => { const r = document.getElementById("pad").getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	if err != nil {
		t.Fatal(err)
	}

	// Wrong arguments give an Error, and an empty canvas no prediction.
	bad, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[
		nngen.predict(new Uint8ClampedArray(12), 2, 2),
		nngen.predict("pixels", 1, 1),
		nngen.predict(new Uint8ClampedArray(4 * 9), 3, 3),
	].map(String)`))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Error: nngen.predict: digit: 12 bytes of RGBA pixels for a 2×2 canvas; want 16", "Error: nngen.predict(rgba, width, height): want", "null"} {
		if !strings.HasPrefix(bad[i], want) {
			t.Errorf("nngen.predict with wrong arguments (%d): %q, want %q...", i, bad[i], want)
		}
	}

	right := 0
	for i := range digits {
		img := test.X[i*28*28 : (i+1)*28*28]
		label := int(test.Labels[i])
		if err := draw(tab, rowStrokes(img), origin.X, origin.Y, origin.W/28); err != nil {
			t.Fatalf("drawing test digit %d: %v", i, err)
		}
		shown, ms, err := readPage(tab)
		if err != nil {
			t.Fatalf("test digit %d: %v", i, err)
		}
		verdict := "right"
		if shown == fmt.Sprint(label) {
			right++
		} else {
			verdict = "WRONG"
		}
		t.Logf("test digit %d: a %d, the page shows %s (%s), prediction %.2f ms", i, label, shown, verdict, ms)
		if err := chromedp.Do(tab, chromedp.Click(chromedp.ID("clear"))); err != nil {
			t.Fatal(err)
		}
		if shown, _, err := readPage(tab); err != nil || shown != "–" {
			t.Fatalf("after Clear the page shows %q (%v), want –", shown, err)
		}
	}
	median, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("timing").textContent`))
	t.Logf("%d of %d drawn digits read right; page: %s", right, digits, median)
	if right < want {
		t.Errorf("the page read %d of the %d first MNIST test digits right, want at least %d", right, digits, want)
	}

	// A 3 drawn in one stroke, as a hand draws it, for the prediction time and the screenshot.
	if err := draw(tab, handwrittenThree(), origin.X, origin.Y, origin.W/28); err != nil {
		t.Fatal(err)
	}
	shown, _, err := readPage(tab)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a 3 drawn in one stroke: the page shows %s", shown)
	ms, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => {
		const pad = document.getElementById("pad");
		const pixels = pad.getContext("2d").getImageData(0, 0, pad.width, pad.height);
		const times = [];
		for (let i = 0; i < 51; i++) {
			const t0 = performance.now();
			nngen.predict(pixels.data, pixels.width, pixels.height);
			times.push(performance.now() - t0);
		}
		times.sort((a, b) => a - b);
		return [times[0], times[25], times[50]];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nngen.predict on the 280×280 canvas, 51 calls: fastest %.2f ms, median %.2f ms, slowest %.2f ms", ms[0], ms[1], ms[2])

	if *screenshot != "" {
		png, err := chromedp.Run(tab, chromedp.ScreenshotScale(chromedp.CSS("main"), 2))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeAtomically(*screenshot, png); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", *screenshot, len(png))
	}
}

// readWasmSources reads the files of the demo's program, examples/wasm: go test caches a test's
// result until the files it opened change, and the test builds main.wasm in another process,
// whose reads go test does not see. The packages the program imports are imported by this test
// for the same reason.
func readWasmSources(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".go") || strings.HasSuffix(f, ".weights") {
			if _, err := os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// point is a point of a pen's path, in the pixels of a 28×28 image.
type point struct{ x, y float64 }

// rowStrokes turns a 28×28 MNIST image into pen paths: a horizontal path per run of ink in
// each row (see strokes), its points two pixels apart (a pen of two pixels draws a line between
// them, as a hand drawing fast does).
func rowStrokes(img []byte) [][]point {
	var paths [][]point
	for _, s := range strokes(img, 28) {
		y := float64(s.y)
		path := []point{{float64(s.x0), y}}
		for x := s.x0 + 2; x < s.x1+2; x += 2 {
			path = append(path, point{float64(min(x, s.x1)), y})
		}
		paths = append(paths, path)
	}
	return paths
}

// handwrittenThree is a 3 in one stroke of two arcs, as a hand draws it.
func handwrittenThree() [][]point {
	var path []point
	arc := func(cx, cy, r, from, to float64) {
		for a := from; a <= to+1e-9; a += 10 {
			rad := a * math.Pi / 180
			path = append(path, point{cx + r*math.Cos(rad), cy + r*math.Sin(rad)})
		}
	}
	arc(13.5, 8.5, 5, -160, 90)  // the upper bowl, clockwise from its left end to the middle
	arc(13.5, 19, 5.5, -90, 150) // the lower bowl, from the middle to its left end
	return [][]point{path}
}

// draw draws the paths with the mouse on the canvas whose top left corner is at (x0, y0) in the
// page, cell pixels of the canvas to a pixel of the paths' 28×28 image: for each path, the button
// pressed at its first point, moved to each of the others and released at its last.
func draw(tab context.Context, paths [][]point, x0, y0, cell float64) error {
	return chromedp.Do(tab, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		mouse := func(typ input.DispatchMouseEventType, p point) error {
			e := input.DispatchMouseEventParams{Type: typ, X: x0 + (p.x+0.5)*cell, Y: y0 + (p.y+0.5)*cell, Button: input.MouseButtonLeft}
			switch typ {
			case chromedp.MousePressed:
				e.Buttons, e.ClickCount = 1, 1
			case chromedp.MouseMoved:
				e.Buttons = 1
			case chromedp.MouseReleased:
				e.ClickCount = 1
			}
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, e)
			return err
		}
		for _, path := range paths {
			if err := mouse(chromedp.MousePressed, path[0]); err != nil {
				return err
			}
			for _, p := range path[1:] {
				if err := mouse(chromedp.MouseMoved, p); err != nil {
					return err
				}
			}
			if err := mouse(chromedp.MouseReleased, path[len(path)-1]); err != nil {
				return err
			}
		}
		return nil
	}))
}

// readPage waits until the page shows the prediction of the drawing as it is, and returns the
// digit it shows and the time the prediction took, by the page's performance.now().
func readPage(tab context.Context) (digit string, ms float64, err error) {
	if _, err := chromedp.Run(tab, chromedp.Poll[bool]("demo.shown === demo.drawn", chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		return "", 0, fmt.Errorf("waiting for the page to predict: %v", err)
	}
	digit, err = chromedp.Run(tab, chromedp.Text(chromedp.ID("digit")))
	if err != nil {
		return "", 0, err
	}
	ms, _ = chromedp.Run(tab, chromedp.Evaluate[float64]("demo.ms || 0"))
	return strings.TrimSpace(digit), ms, nil
}

// writeAtomically writes b to path through a temporary file in the same folder, synced and
// renamed, so that path is never half-written.
func writeAtomically(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
