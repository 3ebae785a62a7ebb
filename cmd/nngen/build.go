package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/nngen/nngen"
	"github.com/nngen/nngen/codegen"
	"github.com/nngen/nngen/spec"
)

// buildTrainer generates m's package and builds its cmd/train against the nngen this binary was
// built from (see source): inside the user's module when the spec lies in a module that requires
// that very nngen, so that the module's own go.sum, replacements and proxy settings apply (the
// package goes into a temporary folder of the module, removed once built, and the build may not
// change go.mod or go.sum); in a temporary module otherwise. It returns the binary and a function
// that removes it.
func buildTrainer(m *spec.Model, specPath string, stderr io.Writer) (bin string, cleanup func(), err error) {
	src, err := thisSource()
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "nngen-"+m.Name+"-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	bin = filepath.Join(tmp, "nngen") // it names itself in its messages: nngen: ...
	if root, modPath, ok := userModule(specPath, src); ok && writable(root) {
		err = buildInModule(m, specPath, root, modPath, bin, stderr)
	} else {
		err = buildInTempModule(m, specPath, src, tmp, bin, stderr)
	}
	if err != nil {
		return "", nil, err
	}
	return bin, cleanup, nil
}

// writable reports whether a folder can be made in dir (a module in a read-only place builds in a
// temporary module instead).
func writable(dir string) bool {
	d, err := os.MkdirTemp(dir, ".nngen-check-")
	if err != nil {
		return false
	}
	return os.Remove(d) == nil
}

// buildInModule builds the trainer inside the user's module at root (module path modPath).
func buildInModule(m *spec.Model, specPath, root, modPath, bin string, stderr io.Writer) error {
	pkgDir, err := os.MkdirTemp(root, "nngen-train-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(pkgDir)
	rel, err := filepath.Rel(root, pkgDir)
	if err != nil {
		return err
	}
	rel = filepath.ToSlash(rel)
	if err := generateInto(m, specPath, filepath.Join(pkgDir, m.Name), modPath+"/"+rel+"/"+m.Name); err != nil {
		return err
	}
	// Never write the user's go.mod or go.sum: readonly, or vendor for a vendored module.
	mode := "-mod=readonly"
	if _, err := os.Stat(filepath.Join(root, "vendor", "modules.txt")); err == nil {
		mode = "-mod=vendor"
	}
	build := exec.Command(goCommand(), "build", mode, "-o", bin, "./"+rel+"/"+m.Name+"/cmd/train")
	build.Dir = root
	build.Stdout, build.Stderr = stderr, stderr
	if err := runChild(build); err != nil {
		return fmt.Errorf("building the generated trainer in module %s (%s): %w", modPath, root, err)
	}
	return nil
}

// buildInTempModule builds the trainer in a throwaway module in dir that requires src.
func buildInTempModule(m *spec.Model, specPath string, src source, dir, bin string, stderr io.Writer) error {
	const module = "nngenbuild"
	mod := fmt.Sprintf("module %s\n\ngo %s\n\nrequire %s %s\n", module, codegen.GoVersionOf(nngen.GoMod), codegen.ModulePath, src.Version)
	sum := nngen.GoSum
	if src.Dir != "" {
		mod += fmt.Sprintf("\nreplace %s => %s\n", codegen.ModulePath, codegen.QuoteModPath(src.Dir))
		if s, err := os.ReadFile(filepath.Join(src.Dir, "go.sum")); err == nil {
			sum = s // the checkout's own, which may be newer than the binary's
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return err
	}
	if err := generateInto(m, specPath, filepath.Join(dir, m.Name), module+"/"+m.Name); err != nil {
		return err
	}
	build := exec.Command(goCommand(), "build", "-o", bin, "./"+m.Name+"/cmd/train")
	build.Dir = dir
	// -mod=mod lets the go command add the sum of nngen itself to this module's go.sum.
	build.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOWORK=off")
	build.Stdout, build.Stderr = stderr, stderr
	if err := runChild(build); err != nil {
		return fmt.Errorf("building the generated trainer against %s in %s: %w", src, dir, err)
	}
	return nil
}

// generateInto writes m's package into dir, whose import path is importPath.
func generateInto(m *spec.Model, specPath, dir, importPath string) error {
	files, err := codegen.Generate(m, codegen.Options{ImportPath: importPath, SpecPath: filepath.ToSlash(specPath)})
	if err != nil {
		return err
	}
	return codegen.WritePackage(dir, files)
}

// userModule finds the module that holds the spec and reports whether the trainer can be built in
// it: it requires the very nngen of src (the same version, not replaced; or, for a checkout,
// replaced by that checkout).
func userModule(specPath string, src source) (root, modPath string, ok bool) {
	abs, err := filepath.Abs(filepath.Dir(specPath))
	if err != nil {
		return "", "", false
	}
	for d := abs; ; d = filepath.Dir(d) {
		if gomod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			modPath = codegen.ModulePathOf(gomod)
			if modPath == "" || modPath == codegen.ModulePath {
				return "", "", false // nngen's own checkout builds in a temporary module
			}
			version, replace := requirement(gomod, codegen.ModulePath)
			if src.Dir == "" {
				return d, modPath, version == src.Version && replace == ""
			}
			if replace == "" {
				return "", "", false
			}
			if !filepath.IsAbs(replace) {
				replace = filepath.Join(d, replace)
			}
			return d, modPath, version != "" && filepath.Clean(replace) == filepath.Clean(src.Dir)
		}
		if filepath.Dir(d) == d {
			return "", "", false
		}
	}
}

// requirement reads from a go.mod the version it requires of module path and, when a replace
// directive replaces it (any version), what with: a folder or another module.
func requirement(gomod []byte, path string) (version, replace string) {
	unquote := func(s string) string { return strings.Trim(s, `"`) }
	block := ""
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		f := strings.Fields(line)
		kind := block
		switch {
		case len(f) == 0:
			continue
		case block != "" && f[0] == ")":
			block = ""
			continue
		case block != "":
		case (f[0] == "require" || f[0] == "replace") && len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case f[0] == "require" || f[0] == "replace":
			kind, f = f[0], f[1:]
		default:
			continue
		}
		if len(f) < 2 || unquote(f[0]) != path {
			continue
		}
		if kind == "require" {
			version = f[1]
			continue
		}
		// path [version] => target [version]
		for i := 1; i+1 < len(f); i++ {
			if f[i] == "=>" {
				replace = unquote(f[i+1])
			}
		}
	}
	return version, replace
}

// goCommand is the go command to build with: the one in PATH, or else $GOROOT/bin/go.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}
