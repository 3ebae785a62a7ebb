package spec

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// reader turns yaml nodes into Go values strictly, remembering where each value was and which
// ones could not be read, so that validation can point at a value and skip the broken ones.
type reader struct {
	problems
	pos map[string]Pos  // where the value of each path read is, "" being the whole spec
	bad map[string]bool // paths missing or unreadable: validation does not look at them

	misspelt map[string]bool // paths suggested for an unknown key: not reported missing as well
}

// field is one key of a mapping and its value.
type field struct {
	key, val *yaml.Node
}

// join is the path of key inside the mapping at path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// item is the path of the i-th (from 1) element of the list at path.
func item(path string, i int) string { return join(path, strconv.Itoa(i)) }

// label names a path in messages: "layers.2.units" is "layer 2 units", "input.shape.3" is
// "input.shape dimension 3", "compile.metrics.1" is "compile.metrics item 1".
func label(path string) string {
	if path == "" {
		return "spec"
	}
	parts := strings.Split(path, ".")
	var b strings.Builder
	for i, p := range parts {
		if isDigits(p) && i > 0 {
			switch parts[i-1] {
			case "layers":
				b.Reset()
				b.WriteString("layer " + p)
			case "shape":
				b.WriteString(" dimension " + p)
			default:
				b.WriteString(" item " + p)
			}
			continue
		}
		switch {
		case i == 0:
		case isDigits(parts[i-1]):
			b.WriteString(" ")
		default:
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

// in says where a key of the mapping at path is, for messages: "in layer 1", "at the top level".
func in(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + label(path)
}

// posOf is the position of n.
func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

// describe shows a node in a message: strings quoted, other scalars as written, collections by
// kind. Long text is cut short.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!null":
		if n.Value == "" {
			return "nothing"
		}
		return "null"
	case "!!str":
		return quote(n.Value)
	case "!!int", "!!float", "!!bool":
		if n.Style == 0 {
			return n.Value // plain scalars of these tags hold no control character
		}
	}
	tag := quote(n.Tag) // a tag may hold any character
	return tag[1:len(tag)-1] + " " + quote(n.Value)
}

// quote quotes text from the spec for a message, in Go syntax (so that it stays on one line),
// cut short after 60 bytes.
func quote(s string) string {
	if len(s) <= 60 {
		return strconv.Quote(s)
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// isNull reports whether n is an empty or null scalar, which stands for an empty mapping.
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// deref rejects an alias, returning nil; any other node is returned as is. Aliases are refused so
// that a spec means what it says and no alias bomb can grow it.
func (r *reader) deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		r.add(posOf(n), "alias *%s is not supported; write the value out", n.Value)
		return nil
	}
	return n
}

// fields reads the mapping n at path whose keys must be among allowed, each at most once. A
// null value counts as an empty mapping. It returns nil when n is not a mapping.
func (r *reader) fields(n *yaml.Node, path string, allowed []string) map[string]field {
	r.pos[path] = posOf(n)
	if isNull(n) {
		return map[string]field{}
	}
	if n.Kind != yaml.MappingNode {
		r.fail(path, n, "a mapping (keys: "+strings.Join(allowed, ", ")+")")
		return nil
	}
	m := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := r.deref(n.Content[i])
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r.add(posOf(k), "a key %s must be a name, got %s; allowed: %s",
				in(path), describe(k), strings.Join(allowed, ", "))
			continue
		}
		if prev, dup := m[k.Value]; dup {
			r.add(posOf(k), "duplicate key %s %s (first at line %d, column %d); a key may appear once",
				quote(k.Value), in(path), prev.key.Line, prev.key.Column)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			hint := didYouMean(k.Value, allowed)
			r.add(posOf(k), "unknown key %s %s%s; allowed: %s",
				quote(k.Value), in(path), hint, strings.Join(allowed, ", "))
			if hint != "" {
				r.misspelt[join(path, suggestion(k.Value, allowed))] = true
			}
			continue
		}
		v := r.deref(n.Content[i+1])
		if v == nil {
			// Present but unusable: remembered, so that it is neither checked nor called missing.
			r.pos[join(path, k.Value)] = posOf(n.Content[i+1])
			r.bad[join(path, k.Value)] = true
			continue
		}
		m[k.Value] = field{k, v}
	}
	return m
}

// list reads the list n at path; a null value counts as an empty list. It returns nil and
// false when n is not a list.
func (r *reader) list(n *yaml.Node, path, want string) ([]*yaml.Node, bool) {
	r.pos[path] = posOf(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(path, n, want)
		return nil, false
	}
	return n.Content, true
}

// fail reports that the value n at path is not what is wanted, and marks the path bad.
func (r *reader) fail(path string, n *yaml.Node, want string) {
	r.bad[path] = true
	r.add(posOf(n), "%s: want %s, got %s", label(path), want, describe(n))
}

// missing reports that the mapping at path, found at n, lacks key, and marks the key bad. A key
// whose value was refused (an alias), or that was misspelt (reported as unknown, with a
// suggestion), is not reported again.
func (r *reader) missing(path string, n *yaml.Node, key, want string) {
	r.bad[join(path, key)] = true
	if _, refused := r.pos[join(path, key)]; refused || r.misspelt[join(path, key)] {
		return
	}
	r.add(posOf(n), "missing key %q %s; want %s", key, in(path), want)
}
