package spec

import (
	"strings"
)

// base is a valid spec whose lines the bad cases replace one at a time, so that every expected
// position is easy to read: line n of base is line n of the case.
var base = []string{
	"name: net",
	"input: {shape: [784]}",
	"layers:",
	"  - {type: dense, units: 64, activation: relu}",
	"  - {type: dense, units: 10, activation: softmax}",
	"compile: {optimizer: adam, loss: categorical_crossentropy}",
	"fit: {epochs: 1, batch_size: 32}",
	"data: {source: mnist}",
}

// edit is base with line n (from 1) replaced by text, which may hold several lines.
func edit(n int, text string) string { return edits(map[int]string{n: text}) }

// edits is base with the lines numbered in m replaced by their text; an empty text removes the
// line.
func edits(m map[int]string) string { return editLines(base, m) }

// editLines is lines with the lines numbered in m (from 1) replaced by their text, which may hold
// several lines; an empty text removes the line.
func editLines(lines []string, m map[int]string) string {
	var out []string
	for i, l := range lines {
		if t, ok := m[i+1]; ok {
			if t == "" {
				continue
			}
			l = t
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + "\n"
}

// badCase is a spec and the exact text of the ErrorList it must give, path "t.yaml".
type badCase struct {
	name, src, want string
}
