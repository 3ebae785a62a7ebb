package spec

import (
	"go/token"
	"regexp"
	"strconv"
	"strings"
)

// packageName is the shape of a model name: it becomes the generated package's name and folder.
var packageName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// predeclared are Go's predeclared identifiers: legal package names that shadow the builtins in
// a reader's mind.
var predeclared = set(`any bool byte comparable complex64 complex128 error float32 float64 int int8
	int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr true false iota nil append
	cap clear close complex copy delete imag len make max min new panic print println real recover`)

// confusing are names of packages a generated package or its users import beside it: the
// standard library's most used ones and nngen's own. The list is deliberately short; a name such
// as "image" or "list" stays allowed.
var confusing = set(`asm atomic binary bits bufio bytes cmp codegen context crc32 crypto debug embed
	encoding errors exec filepath flag fmt fs gzip hash http io iter json log maps math nngen os
	path rand reflect regexp runtime signal slices slog sort spec strconv strings sync syscall
	testing time unicode unsafe utf8`)

// reserved are names the go command treats specially as a package or folder name.
var reserved = map[string]string{
	"main":     "would make a command, not a package",
	"internal": "limits who may import the folder",
	"vendor":   "is the folder of vendored modules",
	"testdata": "is a folder the go command ignores",
	"init":     "cannot be imported: init must be a function",
}

// PackageNameProblem returns what is wrong with name as the name of a generated package (a spec's
// name, or the name a user asks for instead), or "" when nothing is.
func PackageNameProblem(name string) string { return checkName(name) }

// checkName returns what is wrong with name as a Go package name, or "" when nothing is.
func checkName(name string) string {
	const rule = "a lower-case letter, then lower-case letters, digits or _, at most 64 characters"
	q := quote(name)
	switch {
	case name == "":
		return "want a Go package name such as mnist, got \"\"; allowed: " + rule
	case len(name) > maxNameLen:
		return "a name of " + strconv.Itoa(len(name)) + " characters is too long; allowed: " + rule
	case !packageName.MatchString(name):
		return q + " is not a valid package name; allowed: " + rule
	case token.IsKeyword(name):
		return q + " is a Go keyword; choose another package name"
	case predeclared[name]:
		return q + " is a Go predeclared identifier; choose another package name"
	case confusing[name]:
		return q + " is the name of a package that generated code or its users import; choose another package name"
	case reserved[name] != "":
		return q + " " + reserved[name] + "; choose another package name"
	case strings.HasSuffix(name, "_test"):
		return q + " ends in _test, which Go keeps for external test packages; choose another package name"
	}
	return ""
}

// set makes a set of the words in s.
func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
