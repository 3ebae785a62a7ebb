package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/nngen/nngen/codegen"
)

// source is the nngen that generated trainers build against: the very one this binary was built
// from. A released version comes from the module proxy; a binary built from a checkout (a
// "(devel)" version, or one stamped from a version control system) uses that checkout.
type source struct {
	Version string // the module version to require, such as v0.2.0; "v0.0.0" with Dir
	Dir     string // the checkout to replace the module with; "" for a released version
}

// String names the source in messages.
func (s source) String() string {
	if s.Dir != "" {
		return "the nngen checkout at " + s.Dir
	}
	return codegen.ModulePath + " " + s.Version
}

// thisSource finds the source of the running binary from its build information.
func thisSource() (source, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return checkoutSource("the binary has no build information")
	}
	mod := &bi.Main
	if mod.Path != codegen.ModulePath {
		mod = nil
		for _, d := range bi.Deps {
			if d.Path == codegen.ModulePath {
				mod = d
				break
			}
		}
	}
	if mod == nil {
		return checkoutSource("the binary's build information does not list " + codegen.ModulePath)
	}
	if r := mod.Replace; r != nil {
		if r.Version == "" { // replaced by a folder: the binary was built from it
			return checkoutSource("it was built from a replaced folder")
		}
		return source{Version: r.Version}, nil // replaced by another released version
	}
	if mod.Version == "" || mod.Version == "(devel)" || strings.HasSuffix(mod.Version, "+dirty") || vcsStamped(bi, mod) {
		return checkoutSource("it was built from a checkout")
	}
	return source{Version: mod.Version}, nil
}

// vcsStamped reports whether the main module's version was stamped from the version control
// system of a checkout (go build in a git clone), rather than downloaded as that version.
func vcsStamped(bi *debug.BuildInfo, mod *debug.Module) bool {
	if mod != &bi.Main {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return true
		}
	}
	return false
}

// checkoutSource finds the checkout a binary was built from: the folder of this source file as
// the compiler saw it (absent under -trimpath), or else a checkout holding the current folder.
func checkoutSource(why string) (source, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		if root, err := codegen.FindRoot(filepath.Dir(file)); err == nil {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				return source{Version: "v0.0.0", Dir: root}, nil
			}
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return source{}, err
	}
	root, err := codegen.FindRoot(wd)
	if err != nil {
		return source{}, fmt.Errorf("cannot tell which nngen to build the trainer against: %s, and its source is gone; install a released nngen (go install %s/cmd/nngen@latest), or run it inside its checkout", why, codegen.ModulePath)
	}
	return source{Version: "v0.0.0", Dir: root}, nil
}
