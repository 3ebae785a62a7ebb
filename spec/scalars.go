package spec

import (
	"math"
	"regexp"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Scalars are read by their YAML 1.2 tag, strictly: "64" (quoted) is not an integer, yes is not
// a boolean, 64.0 is not an integer, .inf is not a number here.

// scalar records where the value at path is and returns it when it is a scalar with one of the
// tags; otherwise it reports that want was expected.
func (r *reader) scalar(path string, n *yaml.Node, want string, tags ...string) (*yaml.Node, bool) {
	r.pos[path] = posOf(n)
	if n.Kind == yaml.ScalarNode && slices.Contains(tags, n.ShortTag()) {
		return n, true
	}
	r.fail(path, n, want)
	return nil, false
}

// str reads a string.
func (r *reader) str(path string, n *yaml.Node) (string, bool) {
	n, ok := r.scalar(path, n, "a string", "!!str")
	if !ok {
		return "", false
	}
	return n.Value, true
}

// boolean reads true or false (not yes, no, on or off).
func (r *reader) boolean(path string, n *yaml.Node) (bool, bool) {
	n, ok := r.scalar(path, n, "true or false", "!!bool")
	if !ok {
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		r.fail(path, n, "true or false")
		return false, false
	}
	return v, true
}

// digits matches an integer too large for YAML's integers, which YAML reads as a float.
var digits = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// isDigits reports whether s is a decimal number without sign.
func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// integer reads an integer that fits an int.
func (r *reader) integer(path string, n *yaml.Node) (int, bool) {
	n, ok := r.scalar(path, n, "an integer", "!!int", "!!float")
	if !ok {
		return 0, false
	}
	var v int
	if n.ShortTag() == "!!float" || n.Decode(&v) != nil {
		if digits.MatchString(n.Value) {
			r.bad[path] = true
			r.add(posOf(n), "%s: %s is too large for an integer", label(path), describe(n))
		} else {
			r.fail(path, n, "an integer")
		}
		return 0, false
	}
	return v, true
}

// unsigned reads an integer from 0 to 2⁶⁴-1.
func (r *reader) unsigned(path string, n *yaml.Node) (uint64, bool) {
	const want = "an integer from 0 to 18446744073709551615"
	n, ok := r.scalar(path, n, want, "!!int")
	if !ok {
		return 0, false
	}
	var v uint64
	if err := n.Decode(&v); err != nil {
		r.fail(path, n, want)
		return 0, false
	}
	return v, true
}

// number reads a finite number, integer or not.
func (r *reader) number(path string, n *yaml.Node) (float64, bool) {
	n, ok := r.scalar(path, n, "a number", "!!float", "!!int")
	if !ok {
		return 0, false
	}
	var v float64
	if err := n.Decode(&v); err != nil {
		r.fail(path, n, "a number")
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(path, n, "a finite number")
		return 0, false
	}
	return v, true
}
