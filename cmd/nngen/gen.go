package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/nngen/nngen/codegen"
	"github.com/nngen/nngen/spec"
)

// runGen is `nngen gen SPEC [-o DIR] [-pkg NAME] [-import PATH]`.
func runGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	out := fs.String("o", "", "output folder (default: ./NAME, NAME the package name)")
	pkg := fs.String("pkg", "", "package name (default: the spec's name)")
	importPath := fs.String("import", "", "import path of the output folder (default: found from the enclosing go.mod)")
	specPath, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		return err
	}
	m, err := spec.Load(specPath)
	if err != nil {
		return err
	}
	name := *pkg
	if name == "" {
		name = m.Name
	}
	dir := *out
	if dir == "" {
		dir = name
	}
	if *importPath == "" {
		if *importPath, err = importPathOf(dir); err != nil {
			return err
		}
	}
	files, err := codegen.Generate(m, codegen.Options{Package: name, ImportPath: *importPath, SpecPath: filepath.ToSlash(specPath)})
	if err != nil {
		return err
	}
	if err := codegen.WritePackage(dir, files); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "nngen: wrote package %s (%d files) to %s\n", name, len(files), dir)
	if note := requireNote(dir); note != "" {
		fmt.Fprintln(stderr, note)
	}
	return nil
}

// requireNote is what to say when the module enclosing dir does not require nngen, which the
// generated package imports: the exact go get line that makes it build.
func requireNote(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if gomod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			modPath := codegen.ModulePathOf(gomod)
			if modPath == codegen.ModulePath {
				return ""
			}
			if v, _ := requirement(gomod, codegen.ModulePath); v != "" {
				return ""
			}
			src, err := thisSource()
			if err != nil || src.Dir != "" {
				at := ""
				if err == nil {
					at = fmt.Sprintf(" (this nngen is the checkout at %s: go mod edit -replace %s=%s, then go get %s)", src.Dir, codegen.ModulePath, src.Dir, codegen.ModulePath)
				}
				return fmt.Sprintf("nngen: module %s does not require %s, which the generated package imports; it will not build until you run: go get %s%s",
					modPath, codegen.ModulePath, codegen.ModulePath, at)
			}
			return fmt.Sprintf("nngen: module %s does not require %s, which the generated package imports; it will not build until you run: go get %s@%s",
				modPath, codegen.ModulePath, codegen.ModulePath, src.Version)
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// importPathOf finds the import path that dir has in the Go module enclosing it.
func importPathOf(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if mod, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			modPath := codegen.ModulePathOf(mod)
			if modPath == "" {
				return "", fmt.Errorf("%s: no module line", filepath.Join(d, "go.mod"))
			}
			rel, err := filepath.Rel(d, abs)
			if err != nil {
				return "", err
			}
			return path.Join(modPath, filepath.ToSlash(rel)), nil
		}
		if filepath.Dir(d) == d {
			return "", usageError{fmt.Sprintf("%s is not inside a Go module (no go.mod above it); create one with go mod init, or give -import PATH", dir)}
		}
	}
}
