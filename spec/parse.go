package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Load reads and validates the spec file at path. A file that cannot be read gives an error
// that wraps the *fs.PathError (it names the file); a spec that is wrong gives an ErrorList.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read spec: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read spec: %w", err)
	}
	return Parse(path, src)
}

// Parse parses and validates a spec whose text is src; path is used in error messages. On failure
// the error is an ErrorList holding every problem found, in file order.
func Parse(path string, src []byte) (*Model, error) {
	r := &reader{problems: problems{path: path}, pos: map[string]Pos{}, bad: map[string]bool{},
		misspelt: map[string]bool{}}
	if len(src) > maxSpecBytes {
		r.add(Pos{}, "spec is larger than %d bytes; allowed: at most 1 MiB", maxSpecBytes)
		return nil, r.err()
	}
	root := r.document(src)
	if root == nil {
		return nil, r.err()
	}
	m := r.decode(root)
	r.validate(m)
	if err := r.err(); err != nil {
		return nil, err
	}
	if len(m.Compile.Metrics) == 0 {
		m.Compile.Metrics = nil
	}
	return m, nil
}

// document parses src as exactly one YAML document and returns its root node, or nil after
// reporting why there is none. The YAML parser's own panics become errors.
func (r *reader) document(src []byte) (root *yaml.Node) {
	defer func() {
		if e := recover(); e != nil {
			root = nil
			r.add(Pos{}, "invalid YAML: the parser failed: %s", printable(fmt.Sprint(e)))
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.add(Pos{}, "empty spec; want a mapping (keys: %s)", strings.Join(topKeys, ", "))
		} else {
			r.syntax(src, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		r.add(posOf(&next), "a second YAML document starts here; allowed: one document per spec")
	case !errors.Is(err, io.EOF):
		r.syntax(src, err)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		r.add(Pos{}, "empty spec; want a mapping (keys: %s)", strings.Join(topKeys, ", "))
		return nil
	}
	return r.deref(doc.Content[0])
}

// yamlLine finds the line yaml.v3 puts in most of its messages.
var yamlLine = regexp.MustCompile(`^yaml: line ([0-9]+): `)

// yamlAnchor finds the anchor of yaml.v3's message about an alias to nothing.
var yamlAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// parserProblems are the problems of yaml.v3's parser (as opposed to its scanner): their line
// numbers count from 0 where the scanner's count from 1.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntax reports a YAML syntax error at its line (yaml.v3 gives no column). yaml.v3 leaves out
// line 1 and counts its parser's lines from 0: both are put right here.
func (r *reader) syntax(src []byte, err error) {
	msg := err.Error()
	pos := Pos{Line: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if slices.Contains(parserProblems, msg) {
			pos.Line++
		}
	} else if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		pos = find(src, "*"+m[1])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	r.add(pos, "invalid YAML: %s", printable(msg))
}

// find is the position of the first s in src, or zero.
func find(src []byte, s string) Pos {
	i := bytes.Index(src, []byte(s))
	if i < 0 {
		return Pos{}
	}
	before := src[:i]
	line := bytes.LastIndexByte(before, '\n')
	return Pos{Line: bytes.Count(before, []byte{'\n'}) + 1, Column: utf8.RuneCount(before[line+1:]) + 1}
}

// printable replaces the control characters of s, so that a message stays on one line.
func printable(s string) string {
	return strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return '?'
		}
		return c
	}, s)
}
