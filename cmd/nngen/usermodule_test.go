package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUserModule is what a user does, from scratch and with no network but the Go module proxy:
// a module of their own installs nngen as a Go tool, generates a package for a spec with CSV
// data from go:generate, trains, evaluates and predicts with `go tool nngen`, and builds a
// program that embeds the trained weights; and `go install`'s nngen trains and predicts in a
// folder that belongs to no module. nngen is this checkout, published as v0.1.99 in a
// file-system GOPROXY, so the test proves that nngen builds its trainer against the version the
// running binary was built from, not against a checkout beside it.
//
// Each step is a subtest named after it; a step whose prerequisite failed is skipped and says
// which. Run it with -v to see every command, its output and how long each step took.
func TestUserModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a user's module from scratch through a file-system module proxy, which takes a minute or more")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git is not available (%v): the module's file list comes from git ls-files", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := findModuleRoot(wd, nngenModule)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--show-toplevel").CombinedOutput(); err != nil {
		t.Skipf("%s is not a git checkout (git rev-parse: %v: %s): the module's file list comes from git ls-files", root, err, bytes.TrimSpace(out))
	}
	g, err := findGo()
	if err != nil {
		t.Fatalf("setup: %v", err)
	}

	tmp := t.TempDir()
	t.Cleanup(func() { makeWritable(tmp) }) // runs before t.TempDir removes tmp
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		// Stop the go commands in time to report which step hung, before go test's own timeout
		// panics without saying.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-20*time.Second))
		defer cancel()
	}
	u := &userModuleTest{
		t:       t,
		ctx:     ctx,
		goCmd:   g.goCmd,
		proxy:   filepath.Join(tmp, "proxy"),
		gopath:  filepath.Join(tmp, "gopath"),
		bin:     filepath.Join(tmp, "bin"),
		user:    filepath.Join(tmp, "votes"),
		loose:   filepath.Join(tmp, "loose"),
		results: map[string]string{},
	}
	begin := time.Now()
	defer func() { u.summary(time.Since(begin)) }()

	u.step("pack", nil, func(t *testing.T) { u.pack(t, root, g) })
	u.step("mod-init", []string{"pack"}, func(t *testing.T) {
		if err := os.MkdirAll(u.user, 0o755); err != nil {
			t.Fatal(err)
		}
		u.must(t, u.user, "go", "mod", "init", "example.com/votes")
	})
	u.step("get-tool", []string{"mod-init"}, u.getTool)
	u.step("user-files", []string{"get-tool"}, u.writeUserFiles)
	u.step("generate", []string{"user-files"}, u.generate)
	u.step("train", []string{"user-files"}, u.train)
	u.step("eval", []string{"train"}, u.eval)
	u.step("predict", []string{"train"}, func(t *testing.T) {
		defer u.checkGoModUnchanged(t)
		r := u.must(t, u.user, "go", "tool", "nngen", "predict", "model.yaml", "--weights", "votes.weights", "data/test.csv")
		checkPredictions(t, r, votesTestRows)
	})
	u.step("build", []string{"generate"}, u.build)
	u.step("run-program", []string{"build", "train"}, u.runProgram)
	u.step("install", []string{"pack"}, u.install)
	u.step("no-module-train", []string{"install"}, u.noModuleTrain)
	u.step("no-module-predict", []string{"no-module-train"}, func(t *testing.T) {
		r := u.must(t, u.loose, filepath.Join(u.bin, exeName("nngen")), "predict", "model.yaml", "--weights", "votes.weights", "data/test.csv")
		checkPredictions(t, r, votesTestRows)
		checkNoGoMod(t, u.loose)
	})
}

// The user's spec, exactly as the spec format defines it.
const votesSpec = `name: votes
input: {shape: [4]}
layers:
  - {type: normalization}
  - {type: dense, units: 8, activation: relu}
  - {type: dense, units: 1, activation: sigmoid}
compile: {optimizer: adam, loss: binary_crossentropy, metrics: [accuracy]}
fit: {epochs: 3, batch_size: 8, seed: 1}
data:
  source: csv
  train: data/train.csv
  test: data/test.csv
  label: party
`

// The user's program: it embeds the trained weights and classifies one fixed sample.
const votesMain = `package main

//go:generate go tool nngen gen model.yaml -o internal/model

import (
	_ "embed"
	"fmt"
	"log"
	"strings"

	model "example.com/votes/internal/model"
)

//go:embed votes.weights
var weights []byte

func main() {
	m := new(model.Model)
	if err := m.Decode("votes.weights", weights); err != nil {
		log.Fatal(err)
	}
	x := [model.InputSize]float32{90, 15, 80, 20}
	class, p := m.PredictClass(&x)
	fmt.Printf("class: %s\nprobability: %.4f\nclasses: %s\n", m.Classes()[class], p, strings.Join(m.Classes(), ","))
}
`

const (
	votesTrainRows = 200
	votesTestRows  = 60
	tagCommand     = "github.com/nngen/nngen/cmd/nngen"
)

var (
	votesClasses = []string{"democrat", "republican"}
	testLineRE   = regexp.MustCompile(`^test loss: [0-9.]+ - test accuracy: [0-9.]+$`)
)

// votesCSV is a CSV file of rows votes, v1..v4 in [10, 100) and a party decided by a linear rule
// of them plus a little noise. With crlf the lines end in CRLF, and the first democrat is quoted,
// as spreadsheet programs write them.
func votesCSV(rng *rand.Rand, rows int, crlf bool) []byte {
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	var b bytes.Buffer
	b.WriteString("v1,v2,v3,v4,party" + eol)
	quoted := false
	for range rows {
		var v [4]float64
		for i := range v {
			v[i] = float64(int((10+90*rng.Float64())*10)) / 10
		}
		score := 0.8*v[0] - 0.6*v[1] + 0.5*v[2] - 0.7*v[3] + 3 + 4*rng.NormFloat64()
		party := "republican"
		if score < 0 {
			party = "democrat"
			if crlf && !quoted {
				party, quoted = `"democrat"`, true
			}
		}
		fmt.Fprintf(&b, "%.1f,%.1f,%.1f,%.1f,%s%s", v[0], v[1], v[2], v[3], party, eol)
	}
	return b.Bytes()
}

// userModuleTest holds the test's folders, environment and the steps' results.
type userModuleTest struct {
	t      *testing.T
	ctx    context.Context
	goCmd  string
	env    []string
	proxy  string // the file-system GOPROXY
	gopath string // the test's own GOPATH, and GOMODCACHE under it
	bin    string // GOBIN
	user   string // the user's module
	loose  string // a folder in no module

	packed       *packedModule
	goMod, goSum []byte // the user's go.mod and go.sum once nngen is a tool
	trainLine    string // train's closing line
	results      map[string]string
	order        []string
	took         map[string]time.Duration
}

// step runs f as the subtest name unless a step in needs did not pass.
func (u *userModuleTest) step(name string, needs []string, f func(t *testing.T)) {
	if u.took == nil {
		u.took = map[string]time.Duration{}
	}
	u.order = append(u.order, name)
	for _, n := range needs {
		if u.results[n] != "ok" {
			u.results[name] = "not run (" + n + " " + u.results[n] + ")"
			u.t.Run(name, func(t *testing.T) { t.Skipf("step %s not run: it needs step %s, which %s", name, n, u.results[n]) })
			return
		}
	}
	if err := u.ctx.Err(); err != nil {
		u.results[name] = "not run (out of time)"
		u.t.Errorf("step %s not run: the test's deadline is near (%v)", name, err)
		return
	}
	start := time.Now()
	skipped := false
	ok := u.t.Run(name, func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		f(t)
	})
	u.took[name] = time.Since(start)
	switch {
	case skipped:
		u.results[name] = "skipped"
	case ok:
		u.results[name] = "ok"
	default:
		u.results[name] = "failed"
	}
}

// summary logs every step's result and time.
func (u *userModuleTest) summary(total time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "steps (%.1fs in all):\n", total.Seconds())
	for _, n := range u.order {
		fmt.Fprintf(&b, "\t%-18s %6.1fs  %s\n", n, u.took[n].Seconds(), u.results[n])
	}
	u.t.Log(b.String())
	if total > 4*time.Minute {
		u.t.Logf("the test took %v; it should stay well under 5 minutes on a 2-core machine", total.Round(time.Second))
	}
}

// lockedBuffer is a bytes.Buffer that a command's stdout and stderr may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// cmdResult is a finished command: its stdout, its stdout and stderr as they came, its error.
type cmdResult struct {
	line           string
	stdout, output string
	err            error
}

// commandTimeout bounds one command: the first go get or build of the day takes tens of seconds.
const commandTimeout = 4 * time.Minute

// run runs prog (go means the test's go command) in dir with the test's environment and logs the
// command, its output and its time.
func (u *userModuleTest) run(t *testing.T, dir, prog string, args ...string) cmdResult {
	t.Helper()
	path := prog
	if prog == "go" {
		path = u.goCmd
	}
	ctx, cancel := context.WithTimeout(u.ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, u.env, 10*time.Second
	var stdout bytes.Buffer
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, &output), &output
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after %.0fs: %v (%w)", took.Seconds(), err, ctx.Err())
	}
	quoted := []string{prog}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$") {
			a = strconv.Quote(a)
		}
		quoted = append(quoted, a)
	}
	r := cmdResult{line: strings.Join(quoted, " "), stdout: stdout.String(), output: output.b.String(), err: err}
	status := "ok"
	if err != nil {
		status = err.Error()
	}
	t.Logf("$ cd %s && %s\n%s[%s, %.1fs]", dir, r.line, r.output, status, took.Seconds())
	return r
}

// must is run that fails the step when the command fails, with the command's whole output.
func (u *userModuleTest) must(t *testing.T, dir, prog string, args ...string) cmdResult {
	t.Helper()
	r := u.run(t, dir, prog, args...)
	if r.err != nil {
		t.Fatalf("step %s: `%s` in %s failed: %v\n--- output (stdout and stderr) ---\n%s", stepName(t), r.line, dir, r.err, r.output)
	}
	return r
}

// stepName is a subtest's own name, the step.
func stepName(t *testing.T) string {
	return t.Name()[strings.LastIndex(t.Name(), "/")+1:]
}

// pack publishes the checkout at root in the proxy and sets up the environment of every go
// command the test runs.
func (u *userModuleTest) pack(t *testing.T, root string, g *goToolchain) {
	packed, err := packModule(root, u.proxy)
	if err != nil {
		t.Fatalf("step pack: packing %s as %s@%s: %v", root, nngenModule, fakeVersion, err)
	}
	u.packed = packed
	t.Logf("packed %d files of %s into %s (%d bytes)", len(packed.files), root, u.proxy, packed.zipBytes)
	for _, o := range packed.omitted {
		t.Logf("left out %s: %s", o.path, o.why)
	}
	for _, want := range []string{"go.mod", "go.sum", "cmd/nngen/main.go"} {
		if !slices.Contains(packed.files, want) {
			t.Fatalf("step pack: the module zip lacks %s", want)
		}
	}

	// nngen's dependencies come from the machine's module cache, served as a proxy; only when
	// the cache lacks some does the test also use the machine's module proxy.
	proxies := []string{fileURL(u.proxy), fileURL(filepath.Join(g.modCache, "cache", "download"))}
	missing, err := g.missingFromCache(root)
	if err != nil {
		t.Fatalf("step pack: %v", err)
	}
	if len(missing) > 0 {
		net := g.networkProxies()
		t.Logf("the module cache %s lacks %s; falling back to the module proxy %q", g.modCache, strings.Join(missing, ", "), net)
		if len(net) == 0 {
			t.Logf("GOPROXY=%q names no module proxy: the go commands will fail to download %s", g.proxy, strings.Join(missing, ", "))
		}
		proxies = append(proxies, net...)
	}
	pathList := filepath.Dir(g.goCmd) // the go command that nngen runs is the test's
	if p := os.Getenv("PATH"); p != "" {
		pathList += string(os.PathListSeparator) + p
	}
	u.env = environ(map[string]string{
		"GOPATH":      u.gopath,
		"GOMODCACHE":  filepath.Join(u.gopath, "pkg", "mod"),
		"GOPROXY":     strings.Join(proxies, ","),
		"GOSUMDB":     "off",
		"GOFLAGS":     "",
		"GOWORK":      "off",
		"GOTOOLCHAIN": "local",
		"GOBIN":       u.bin,
		"GOENV":       "off",
		"GOCACHE":     g.buildDir, // the machine's build cache: compiling is the slow part
		"GOPRIVATE":   "",
		"GONOPROXY":   "",
		"GONOSUMDB":   "",
		"GOINSECURE":  "",
		"GO111MODULE": "",
		"PATH":        pathList,
	})
	t.Logf("%s; GOPROXY=%s", g.goVersion, strings.Join(proxies, ","))
}

// getTool adds nngen to the user's module as a tool and checks what the go command extracted.
func (u *userModuleTest) getTool(t *testing.T) {
	u.must(t, u.user, "go", "get", "-tool", tagCommand+"@"+fakeVersion)
	gomod, err := os.ReadFile(filepath.Join(u.user, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("go.mod:\n%s", gomod)
	for _, want := range []string{"tool " + tagCommand, nngenModule + " " + fakeVersion} {
		if !bytes.Contains(gomod, []byte(want)) {
			t.Errorf("step get-tool: go.mod lacks %q:\n%s", want, gomod)
		}
	}
	// The go command checked the zip and extracted it: it must hold exactly the packed files.
	dir := filepath.Join(u.gopath, "pkg", "mod", filepath.FromSlash(escapeModulePath(nngenModule))+"@"+fakeVersion)
	var got []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatalf("step get-tool: the extracted module: %v", err)
	}
	slices.Sort(got)
	if !slices.Equal(got, u.packed.files) {
		var extra, lost []string
		for _, p := range got {
			if !slices.Contains(u.packed.files, p) {
				extra = append(extra, p)
			}
		}
		for _, p := range u.packed.files {
			if !slices.Contains(got, p) {
				lost = append(lost, p)
			}
		}
		t.Errorf("step get-tool: %s holds %d files, the zip %d; not packed: %q; packed but missing: %q", dir, len(got), len(u.packed.files), extra, lost)
	}
}

// writeUserFiles writes the spec, the CSV files and main.go, and remembers go.mod and go.sum.
func (u *userModuleTest) writeUserFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, data := range map[string][]byte{
		"model.yaml":     []byte(votesSpec),
		"data/train.csv": votesCSV(rng, votesTrainRows, false),
		"main.go":        []byte(votesMain),
	} {
		writeFile(t, filepath.Join(u.user, name), data)
	}
	writeFile(t, filepath.Join(u.user, "data", "test.csv"), votesCSV(rng, votesTestRows, true)) // after train.csv: rng's order
	var err error
	if u.goMod, err = os.ReadFile(filepath.Join(u.user, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if u.goSum, err = os.ReadFile(filepath.Join(u.user, "go.sum")); err != nil {
		t.Fatal(err)
	}
}

// generate runs go generate, which runs nngen gen through go tool.
func (u *userModuleTest) generate(t *testing.T) {
	defer u.checkGoModUnchanged(t)
	u.must(t, u.user, "go", "generate", "./...")
	for _, f := range []string{"model.go", "predict.go", "weights.go"} {
		src, err := os.ReadFile(filepath.Join(u.user, "internal", "model", f))
		if err != nil {
			t.Errorf("step generate: go generate did not write internal/model/%s: %v", f, err)
			continue
		}
		if !bytes.HasPrefix(src, []byte("// Code generated by nngen from model.yaml. DO NOT EDIT.\n")) {
			t.Errorf("step generate: internal/model/%s starts %q, not nngen's header", f, firstLine(src))
		}
	}
}

// train trains one epoch with go tool nngen.
func (u *userModuleTest) train(t *testing.T) {
	defer u.checkGoModUnchanged(t)
	r := u.must(t, u.user, "go", "tool", "nngen", "train", "model.yaml", "--epochs", "1", "--weights", "votes.weights")
	u.trainLine = checkTestLine(t, r)
	checkWeights(t, filepath.Join(u.user, "votes.weights"))
}

// eval evaluates the trained weights, which must give train's figures.
func (u *userModuleTest) eval(t *testing.T) {
	defer u.checkGoModUnchanged(t)
	r := u.must(t, u.user, "go", "tool", "nngen", "eval", "model.yaml", "--weights", "votes.weights")
	if got := checkTestLine(t, r); got != "" && u.trainLine != "" && got != u.trainLine {
		t.Errorf("step eval: eval of the saved weights says %q, train said %q", got, u.trainLine)
	}
}

// build builds the user's module: the generated package, its trainer and the program.
func (u *userModuleTest) build(t *testing.T) {
	defer u.checkGoModUnchanged(t)
	weights := filepath.Join(u.user, "votes.weights")
	if _, err := os.Stat(weights); err != nil {
		// go:embed needs the file; without trained weights, build with a stand-in.
		t.Logf("no trained votes.weights (%v): building with a placeholder", err)
		writeFile(t, weights, []byte("placeholder: step train wrote no weights\n"))
	}
	u.must(t, u.user, "go", "build", "./...")
	u.must(t, u.user, "go", "build", "-o", filepath.Join(u.bin, exeName("votes")), ".")
}

// runProgram runs the user's program, which must name a class.
func (u *userModuleTest) runProgram(t *testing.T) {
	r := u.must(t, u.user, filepath.Join(u.bin, exeName("votes")))
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	if !slices.Contains(votesClasses, fields["class"]) {
		t.Errorf("step run-program: the program names class %q, want one of %q; output:\n%s", fields["class"], votesClasses, r.output)
	}
	if p, err := strconv.ParseFloat(fields["probability"], 64); err != nil || p < 0.5 || p > 1 {
		t.Errorf("step run-program: probability %q, want a number in [0.5, 1]; output:\n%s", fields["probability"], r.output)
	}
	classes := strings.Split(fields["classes"], ",")
	slices.Sort(classes)
	if !slices.Equal(classes, votesClasses) {
		t.Errorf("step run-program: Classes() is %q, want %q in some order", fields["classes"], votesClasses)
	}
}

// install installs nngen@v0.1.99 into GOBIN, as a user without a module of their own would.
func (u *userModuleTest) install(t *testing.T) {
	if err := os.MkdirAll(u.loose, 0o755); err != nil {
		t.Fatal(err)
	}
	u.must(t, u.loose, "go", "install", tagCommand+"@"+fakeVersion)
	bin := filepath.Join(u.bin, exeName("nngen"))
	r := u.must(t, u.loose, "go", "version", "-m", bin)
	if !regexp.MustCompile(`(?m)^\s*mod\s+` + regexp.QuoteMeta(nngenModule) + `\s+` + regexp.QuoteMeta(fakeVersion) + `\s`).MatchString(r.stdout) {
		t.Errorf("step install: %s was not built from %s %s:\n%s", bin, nngenModule, fakeVersion, r.stdout)
	}
}

// noModuleTrain trains with the installed nngen in a folder of no module: nngen must build its
// trainer in a temporary module of its own.
func (u *userModuleTest) noModuleTrain(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	writeFile(t, filepath.Join(u.loose, "model.yaml"), []byte(votesSpec))
	writeFile(t, filepath.Join(u.loose, "data", "train.csv"), votesCSV(rng, votesTrainRows, false))
	writeFile(t, filepath.Join(u.loose, "data", "test.csv"), votesCSV(rng, votesTestRows, true))
	if r := u.must(t, u.loose, "go", "env", "GOMOD"); strings.TrimSpace(r.stdout) != os.DevNull {
		t.Fatalf("step no-module-train: %s is inside a module (go env GOMOD says %q); the step needs a folder in none", u.loose, strings.TrimSpace(r.stdout))
	}
	r := u.must(t, u.loose, filepath.Join(u.bin, exeName("nngen")), "train", "model.yaml", "--epochs", "1", "--weights", "votes.weights")
	checkTestLine(t, r)
	checkWeights(t, filepath.Join(u.loose, "votes.weights"))
	checkNoGoMod(t, u.loose)
}

// checkGoModUnchanged fails the step if the user's go.mod or go.sum differ from what they were
// once nngen was a tool: nngen never writes them.
func (u *userModuleTest) checkGoModUnchanged(t *testing.T) {
	t.Helper()
	for name, want := range map[string][]byte{"go.mod": u.goMod, "go.sum": u.goSum} {
		got, err := os.ReadFile(filepath.Join(u.user, name))
		if err != nil {
			t.Errorf("step %s: %v", stepName(t), err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("step %s changed the user's %s; before:\n%s\nafter:\n%s", stepName(t), name, want, got)
		}
	}
}

// checkTestLine checks that the last line of a trainer's stdout is the test figures and
// returns it.
func checkTestLine(t *testing.T, r cmdResult) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(r.stdout, "\r\n", "\n"), "\n"), "\n")
	last := lines[len(lines)-1]
	if !testLineRE.MatchString(last) {
		t.Errorf("step %s: the last line of `%s`'s stdout is %q, want it to match %s; output:\n%s", stepName(t), r.line, last, testLineRE, r.output)
		return ""
	}
	return last
}

// checkPredictions checks predict's output: a line class,probability for each test row.
func checkPredictions(t *testing.T, r cmdResult, rows int) {
	t.Helper()
	out := strings.TrimRight(strings.ReplaceAll(r.stdout, "\r\n", "\n"), "\n")
	lines := strings.Split(out, "\n")
	if out == "" {
		lines = nil
	}
	if len(lines) != rows {
		t.Errorf("step %s: %d lines of predictions, want one per test row, %d; stdout:\n%s", stepName(t), len(lines), rows, r.stdout)
	}
	bad := 0
	for i, line := range lines {
		class, prob, _ := strings.Cut(line, ",")
		p, err := strconv.ParseFloat(prob, 64)
		if !slices.Contains(votesClasses, class) || err != nil || p < 0.5 || p > 1 {
			if bad++; bad <= 5 {
				t.Errorf("step %s: line %d is %q, want democrat,P or republican,P with P in [0.5, 1]", stepName(t), i+1, line)
			}
		}
	}
	if bad > 5 {
		t.Errorf("step %s: %d bad lines in all", stepName(t), bad)
	}
}

// checkWeights checks that a weights file was written.
func checkWeights(t *testing.T, path string) {
	t.Helper()
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("step %s: no weights written to %s (%v)", stepName(t), path, err)
	}
}

// checkNoGoMod checks that nngen left no go.mod or go.sum in a folder of no module.
func checkNoGoMod(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("step %s: nngen left %s in %s, a folder of no module", stepName(t), f, dir)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}

// exeName is name with the executable suffix of the OS.
func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}
