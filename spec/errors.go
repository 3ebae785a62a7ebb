package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a spec, at a position.
type Error struct {
	Path string // the spec file, as given to Load or Parse
	Pos  Pos    // zero when the problem has no single place (an empty file); Column 0 for a YAML syntax error
	Msg  string // what is wrong and what would be right
}

// Error formats the problem as path:line:column: message. The column, the line and the path are
// left out when they are unknown (zero or empty).
func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(":")
	}
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Pos.Line)
		if e.Pos.Column > 0 {
			fmt.Fprintf(&b, "%d:", e.Pos.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one spec, in file order.
type ErrorList []*Error

// Error lists the problems one per line.
func (l ErrorList) Error() string {
	if len(l) == 0 {
		return "no errors"
	}
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// The bounds on the problems of a hostile spec: at most maxErrors are shown, the rest summed up
// in one line, and past maxKept they are only counted (the ones shown are then the first found,
// which are not always the first in the file).
const (
	maxErrors = 100
	maxKept   = 10000
)

// problems collects the errors of one spec while it is decoded and validated.
type problems struct {
	path    string
	list    ErrorList
	dropped int // problems past maxKept, counted only
}

// add records a problem at pos; the message is built with fmt.Sprintf.
func (p *problems) add(pos Pos, format string, args ...any) {
	if len(p.list) >= maxKept {
		p.dropped++
		return
	}
	p.list = append(p.list, &Error{Path: p.path, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems sorted by position (a stable sort keeps the order of discovery for
// problems at the same place), or nil when there are none.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	l := slices.Clone(p.list)
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
	if len(l) > maxErrors {
		n := len(l) + p.dropped
		l = append(l[:maxErrors:maxErrors], &Error{Path: p.path,
			Msg: fmt.Sprintf("too many problems: %d more not shown", n-maxErrors)})
	}
	return l
}
