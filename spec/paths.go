package spec

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkText returns what is wrong with s as a folder or file name the generator will write into
// Go source and the runtime will open, or "" when nothing is: it must be non-empty UTF-8 without
// control characters.
func checkText(s string) string {
	if s == "" {
		return "want a path, got \"\""
	}
	if !utf8.ValidString(s) {
		return quote(s) + " is not valid UTF-8"
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return fmt.Sprintf("%s holds the control character %U", quote(s), c)
		}
	}
	return ""
}

// checkFile returns what is wrong with name as a data file name, or "" when nothing is: on top of
// checkText's rules it must be relative, use / as separator and stay inside the data folder.
func checkFile(name string) string {
	if msg := checkText(name); msg != "" {
		return msg
	}
	switch {
	case strings.HasPrefix(name, "/") || len(name) >= 2 && name[1] == ':' && unicode.IsLetter(rune(name[0])):
		return quote(name) + " is absolute"
	case strings.Contains(name, `\`):
		return quote(name) + " holds a backslash; separate folders with /"
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return quote(name) + " leaves data.dir"
		}
	}
	return ""
}
