package main_test

// This file packs the nngen checkout as a module version in a file-system GOPROXY, the way a
// module proxy would serve a tagged release, and builds the environment of the go commands that
// the end-to-end test runs against it. It copies the rules of golang.org/x/mod/zip (the go
// command's own module zip checks) rather than importing that module, so that nngen gains no
// dependency for a test.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The module version that the test publishes in its proxy.
const (
	nngenModule  = "github.com/nngen/nngen"
	fakeVersion  = "v0.1.99"
	fakeTime     = "2026-12-01T00:00:00Z"
	maxZipFile   = 500 << 20 // golang.org/x/mod/zip.MaxZipFile
	maxGoModFile = 16 << 20  // zip.MaxGoMod and zip.MaxLICENSE
)

// findModuleRoot returns the nearest folder at or above dir whose go.mod declares module.
func findModuleRoot(dir, module string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && goModDirective(data, "module") == module {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod declaring module %s at or above %s", module, dir)
		}
	}
}

// goModDirective returns the argument of the first one-argument directive named verb ("module",
// "go") in a go.mod file, unquoted, or "".
func goModDirective(gomod []byte, verb string) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		if f := strings.Fields(line); len(f) == 2 && f[0] == verb {
			return strings.Trim(f[1], "\"`")
		}
	}
	return ""
}

// goModRequires returns the module@version pairs of a go.mod file's require directives.
func goModRequires(gomod []byte) [][2]string {
	var reqs [][2]string
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		f := strings.Fields(line)
		switch {
		case inBlock && len(f) == 1 && f[0] == ")":
			inBlock = false
		case inBlock && len(f) == 2:
			reqs = append(reqs, [2]string{strings.Trim(f[0], `"`), f[1]})
		case len(f) == 2 && f[0] == "require" && f[1] == "(":
			inBlock = true
		case len(f) == 3 && f[0] == "require":
			reqs = append(reqs, [2]string{strings.Trim(f[1], `"`), f[2]})
		}
	}
	return reqs
}

// gitModuleFiles lists the files of the module at root as git sees them: tracked files and
// untracked ones that .gitignore does not exclude, so that a clean CI checkout and a developer's
// tree with new files both pack what a commit of them would publish.
func gitModuleFiles(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %v\n%s", root, err, stderr.Bytes())
	}
	var files []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil // a file in a merge conflict is listed once per stage
}

// zipOmission is a file left out of the module zip, and why.
type zipOmission struct{ path, why string }

// selectZipFiles applies the go command's module zip rules (golang.org/x/mod/zip) to files, paths
// relative to root with forward slashes: it returns the files to pack and the ones left out with
// the reason. goVersion is the module's go line ("1.26"), which decides how vendor/ is treated.
// The error reports what would make the go command refuse the whole zip: two paths equal under
// case-folding, or a size beyond its limits.
func selectZipFiles(root string, files []string, goVersion string) (keep []string, omitted []zipOmission, err error) {
	lang := version.Lang("go" + goVersion)
	listed := map[string]bool{}
	for _, p := range files {
		listed[p] = true
	}
	// A folder with a go.mod of its own is another module, with everything below it.
	subModule := map[string]bool{}
	inSubModule := func(p string) bool {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			has, ok := subModule[dir]
			if !ok {
				has = listed[dir+"/go.mod"]
				if !has {
					info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(dir), "go.mod"))
					has = err == nil && info.Mode().IsRegular()
				}
				subModule[dir] = has
			}
			if has {
				return true
			}
		}
		return false
	}
	folded := map[string]string{} // case-folded path of every file and folder -> the path
	var problems []string
	var total int64
	for _, p := range files {
		omit := func(why string) { omitted = append(omitted, zipOmission{p, why}) }
		switch {
		case strings.HasSuffix(p, "/"):
			omit("a nested repository (git lists it as a folder)")
			continue
		case p != path.Clean(p) || path.IsAbs(p):
			omit("the path is not clean and relative")
			continue
		case slices.ContainsFunc(strings.Split(p, "/"), func(e string) bool {
			return e == ".git" || e == ".hg" || e == ".svn" || e == ".bzr"
		}):
			omit("inside a version control folder")
			continue
		case isVendored(p, lang):
			omit("in a vendor directory")
			continue
		case inSubModule(p):
			omit("in another module (a folder above it has a go.mod)")
			continue
		case p == ".hg_archival.txt":
			omit("inserted by hg archive, always left out")
			continue
		}
		if err := checkZipFilePath(p); err != nil {
			omit("the go command refuses this file name: " + err.Error())
			continue
		}
		if strings.EqualFold(p, "go.mod") && p != "go.mod" {
			omit("a go.mod must be named in lower case")
			continue
		}
		info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			omit("deleted from the work tree")
			continue
		case err != nil:
			return nil, nil, err
		case info.Mode()&fs.ModeSymlink != 0:
			omit("a symbolic link")
			continue
		case !info.Mode().IsRegular():
			omit("not a regular file") // a git submodule is listed as its folder
			continue
		}
		if (p == "go.mod" || p == "LICENSE") && info.Size() > maxGoModFile {
			problems = append(problems, fmt.Sprintf("%s: %d bytes, more than the %d a module zip allows", p, info.Size(), maxGoModFile))
		}
		total += info.Size()
		for q, isDir := p, false; q != "."; q, isDir = path.Dir(q), true {
			f := caseFold(q)
			if other, ok := folded[f]; ok {
				if other != q {
					problems = append(problems, fmt.Sprintf("%q and %q differ only in case, which a module zip does not allow", other, q))
				} else if !isDir {
					problems = append(problems, fmt.Sprintf("%q is listed twice", q))
				}
				break
			}
			folded[f] = q
		}
		keep = append(keep, p)
	}
	if total > maxZipFile {
		problems = append(problems, fmt.Sprintf("the files add up to %d bytes, more than the %d a module zip allows", total, maxZipFile))
	}
	if len(problems) > 0 {
		return keep, omitted, errors.New("the go command would refuse this module zip:\n\t" + strings.Join(problems, "\n\t"))
	}
	return keep, omitted, nil
}

// isVendored reports whether the go command leaves p out of a module zip as a vendored package
// (golang.org/x/mod/zip's isVendoredPackage): files in subfolders of a vendor folder, and from
// go 1.24 on, vendor/modules.txt.
func isVendored(p, lang string) bool {
	if version.Compare(lang, "go1.24") >= 0 && p == "vendor/modules.txt" {
		return true
	}
	var rest string
	if after, ok := strings.CutPrefix(p, "vendor/"); ok {
		rest = after
	} else if i := strings.Index(p, "/vendor/"); i >= 0 {
		if version.Compare(lang, "go1.24") >= 0 {
			rest = p[i+len("/vendor/"):]
		} else {
			rest = p[len("/vendor/"):] // the old rule, kept by the go command for old checksums
		}
	} else {
		return false
	}
	return strings.Contains(rest, "/")
}

// checkZipFilePath is golang.org/x/mod/module.CheckFilePath: every path element is non-empty,
// not only dots, does not end in a dot, has only Unicode letters, ASCII digits, spaces and
// !#$%&()+,-.=@[]^_{}~, and is not a name that Windows reserves (CON, com1.txt, ...).
func checkZipFilePath(p string) error {
	if !utf8.ValidString(p) {
		return errors.New("invalid UTF-8")
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == "" {
			return errors.New("empty path element")
		}
		if strings.Count(elem, ".") == len(elem) {
			return fmt.Errorf("invalid path element %q", elem)
		}
		if strings.HasSuffix(elem, ".") {
			return fmt.Errorf("trailing dot in path element %q", elem)
		}
		for _, r := range elem {
			ok := '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' ||
				r < utf8.RuneSelf && strings.ContainsRune("!#$%&()+,-.=@[]^_{}~ ", r) ||
				r >= utf8.RuneSelf && unicode.IsLetter(r)
			if !ok {
				return fmt.Errorf("invalid char %q in %q", r, elem)
			}
		}
		short, _, _ := strings.Cut(elem, ".")
		for _, bad := range []string{"CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5",
			"COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"} {
			if strings.EqualFold(short, bad) {
				return fmt.Errorf("%q disallowed as path element component on Windows", short)
			}
		}
	}
	return nil
}

// caseFold maps s to a canonical form under Unicode simple case folding (x/mod/zip's strToFold).
func caseFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		for {
			r0 := r
			r = unicode.SimpleFold(r0)
			if r <= r0 {
				break
			}
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// packedModule is what packModule published.
type packedModule struct {
	files    []string // the zip's files, relative to the module root
	omitted  []zipOmission
	zipBytes int64
}

// packModule publishes the module at root as nngenModule@fakeVersion in the file-system proxy
// proxyDir: @v/list, .info, .mod (root's go.mod) and .zip.
func packModule(root, proxyDir string) (*packedModule, error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	listed, err := gitModuleFiles(root)
	if err != nil {
		return nil, err
	}
	keep, omitted, err := selectZipFiles(root, listed, goModDirective(gomod, "go"))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(keep, "go.mod") {
		return nil, fmt.Errorf("go.mod of %s is not among the files git lists", root)
	}
	dir := filepath.Join(proxyDir, filepath.FromSlash(escapeModulePath(nngenModule)), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	info, err := json.Marshal(struct{ Version, Time string }{fakeVersion, fakeTime})
	if err != nil {
		return nil, err
	}
	for name, data := range map[string][]byte{"list": []byte(fakeVersion + "\n"), fakeVersion + ".info": info, fakeVersion + ".mod": gomod} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return nil, err
		}
	}
	zipPath := filepath.Join(dir, fakeVersion+".zip")
	if err := writeModuleZip(zipPath, root, keep, gomod); err != nil {
		return nil, err
	}
	st, err := os.Stat(zipPath)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxZipFile {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d the go command accepts", zipPath, st.Size(), maxZipFile)
	}
	return &packedModule{files: keep, omitted: omitted, zipBytes: st.Size()}, nil
}

// writeModuleZip writes the module zip of files under root: entries named module@version/path,
// deflated. go.mod is written from gomod, the bytes served as the .mod file, so that the two
// agree even while someone edits the checkout.
func writeModuleZip(zipPath, root string, files []string, gomod []byte) (err error) {
	f, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(f)
	prefix := nngenModule + "@" + fakeVersion + "/"
	var total int64
	for _, p := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: prefix + p, Method: zip.Deflate})
		if err != nil {
			return err
		}
		if p == "go.mod" {
			n, err := w.Write(gomod)
			if err != nil {
				return err
			}
			total += int64(n)
			continue
		}
		src, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		n, err := io.Copy(w, src)
		src.Close()
		if err != nil {
			return fmt.Errorf("packing %s: %w", p, err)
		}
		total += n
		if total > maxZipFile {
			return fmt.Errorf("the module's files add up to more than %d bytes, which the go command refuses", maxZipFile)
		}
	}
	return zw.Close()
}

// escapeModulePath is the module cache's and the proxy protocol's case encoding (x/mod/module's
// EscapePath): each upper-case letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fileURL is the file:// URL of the folder dir, as GOPROXY wants it.
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x on Windows
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// goToolchain is the go command that the test runs and the machine's settings it reuses.
type goToolchain struct {
	goCmd     string // the go binary
	modCache  string // the machine's GOMODCACHE
	proxy     string // the machine's GOPROXY
	buildDir  string // the machine's GOCACHE
	goVersion string
}

// findGo finds the go command in PATH, or else in runtime.GOROOT()/bin, and asks it for the
// machine's module cache, proxy and build cache.
func findGo() (*goToolchain, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		if runtime.GOOS == "windows" {
			goCmd += ".exe"
		}
		if _, serr := os.Stat(goCmd); serr != nil {
			return nil, fmt.Errorf("no go command in PATH (%v) nor in %s", err, filepath.Dir(goCmd))
		}
	}
	if goCmd, err = filepath.Abs(goCmd); err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(goCmd, "env", "-json", "GOMODCACHE", "GOPROXY", "GOCACHE", "GOVERSION")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s env: %v\n%s", goCmd, err, stderr.Bytes())
	}
	var env struct{ GOMODCACHE, GOPROXY, GOCACHE, GOVERSION string }
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("%s env -json: %v\n%s", goCmd, err, out)
	}
	return &goToolchain{goCmd: goCmd, modCache: env.GOMODCACHE, proxy: env.GOPROXY, buildDir: env.GOCACHE, goVersion: env.GOVERSION}, nil
}

// missingFromCache lists the modules that building nngen at root needs (the .zip of each module
// its go.mod requires, the .mod of every go.sum line) and that the machine's module cache does
// not hold.
func (g *goToolchain) missingFromCache(root string) ([]string, error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	need := map[string]bool{}
	for _, r := range goModRequires(gomod) {
		need[r[0]+"@"+r[1]+".zip"] = true
		need[r[0]+"@"+r[1]+".mod"] = true
	}
	for _, line := range strings.Split(string(gosum), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			need[f[0]+"@"+strings.TrimSuffix(f[1], "/go.mod")+".mod"] = true
		}
	}
	var missing []string
	for _, n := range slices.Sorted(maps.Keys(need)) {
		at := strings.LastIndex(n, "@")
		file := filepath.Join(g.modCache, "cache", "download", filepath.FromSlash(escapeModulePath(n[:at])), "@v", escapeModulePath(n[at+1:]))
		if _, err := os.Stat(file); err != nil {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// networkProxies is the machine's GOPROXY without direct and off: the module proxies only.
func (g *goToolchain) networkProxies() []string {
	var list []string
	for _, p := range strings.FieldsFunc(g.proxy, func(r rune) bool { return r == ',' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" && p != "direct" && p != "off" {
			list = append(list, p)
		}
	}
	return list
}

// environ is os.Environ() with the given variables set, replacing any value they had. With
// GOENV=off the go command also ignores the settings of `go env -w`, so that an empty GOFLAGS
// means no flags.
func environ(set map[string]string) []string {
	key := func(k string) string {
		if runtime.GOOS == "windows" {
			return strings.ToUpper(k) // Windows' variable names ignore case
		}
		return k
	}
	replaced := map[string]bool{}
	for k := range set {
		replaced[key(k)] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !replaced[key(k)] {
			env = append(env, kv)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		env = append(env, k+"="+set[k])
	}
	return env
}

// makeWritable gives the owner write permission on everything under dir: the go command leaves
// its module cache read-only, which would stop t.TempDir's clean-up for a user who is not root.
func makeWritable(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if info, err := d.Info(); err == nil && info.Mode().Perm()&0o200 == 0 {
				os.Chmod(p, info.Mode().Perm()|0o200)
			}
		}
		return nil
	})
}

// TestSelectZipFiles checks the module zip rules that packModule applies, on a small tree.
func TestSelectZipFiles(t *testing.T) {
	root := t.TempDir()
	onDisk := []string{"go.mod", "a.go", "vendor/keep.go", "vendor/modules.txt", "vendor/p/skip.go",
		"x/vendor/keep.go", "x/vendor/q/skip.go", "sub/go.mod", "sub/deep/skip.go", ".ci/run", "-dash.txt"}
	for _, p := range onDisk {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	listed := append(slices.Clone(onDisk), "nested/", "gone.go", "a:b.go", "aux.go", "x/AUX", "t\u00e9st.go", "bad\".go", "dot.", "q?.go")
	if runtime.GOOS != "windows" {
		if err := os.Symlink("a.go", filepath.Join(root, "link.go")); err == nil {
			listed = append(listed, "link.go")
		}
	}
	slices.Sort(listed)
	keep, omitted, err := selectZipFiles(root, listed, "1.26")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-dash.txt", ".ci/run", "a.go", "go.mod", "vendor/keep.go", "x/vendor/keep.go"}
	if !slices.Equal(keep, want) {
		t.Errorf("kept %q, want %q", keep, want)
	}
	why := map[string]string{}
	for _, o := range omitted {
		why[o.path] = o.why
	}
	for _, p := range []string{"vendor/modules.txt", "vendor/p/skip.go", "x/vendor/q/skip.go", "sub/go.mod", "sub/deep/skip.go",
		"nested/", "gone.go", "a:b.go", "aux.go", "x/AUX", "bad\".go", "dot.", "q?.go"} {
		if why[p] == "" {
			t.Errorf("%s was not left out", p)
		}
	}
	if why["t\u00e9st.go"] != "" && !strings.Contains(why["t\u00e9st.go"], "deleted") {
		t.Errorf("a file name with a Unicode letter is valid, but: %s", why["t\u00e9st.go"])
	}
	if runtime.GOOS != "windows" && slices.Contains(listed, "link.go") && !strings.Contains(why["link.go"], "symbolic link") {
		t.Errorf("link.go: %q, want it left out as a symbolic link", why["link.go"])
	}
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" { // file systems that ignore case
		if err := os.WriteFile(filepath.Join(root, "A.go"), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := selectZipFiles(root, []string{"A.go", "a.go", "go.mod"}, "1.26"); err == nil || !strings.Contains(err.Error(), "differ only in case") {
			t.Errorf("A.go beside a.go: %v, want a case collision", err)
		}
	}
	if v := isVendored("x/vendor/vendor.go", "go1.23"); !v {
		t.Error("before go 1.24 x/vendor/vendor.go counted as vendored (golang.org/issue/37397)")
	}
}
