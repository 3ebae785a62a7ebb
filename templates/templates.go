// Package templates holds the generated files that jennifer does not fit well: whole files of
// mostly fixed text, such as the tests nngen writes beside every generated package. They are
// text/template files, embedded so that the nngen binary carries them.
package templates

import "embed"

// FS holds every template, by file name.
//
//go:embed *.tmpl
var FS embed.FS
