// Package nngen carries what the nngen command needs of its own module at run time: the go.sum
// that pins nngen's dependencies, so that a trainer that nngen builds in a temporary module
// verifies them from these lines instead of asking the checksum database. The command line is
// cmd/nngen; the generator is codegen.
package nngen

import _ "embed"

// GoSum is nngen's go.sum.
//
//go:embed go.sum
var GoSum []byte

// GoMod is nngen's go.mod: its go directive is the least a module that builds nngen may state.
//
//go:embed go.mod
var GoMod []byte
