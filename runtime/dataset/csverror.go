package dataset

import (
	"fmt"
	"strconv"
	"strings"
)

// maxCSVProblems is how many problems a CSV error lists in full; the others are only counted.
const maxCSVProblems = 20

// CSVError is one problem in a CSV file: where it is, what is wrong and what would be right.
type CSVError struct {
	Path   string // the file, as given to ReadCSV or ReadCSVFrom
	Line   int    // from 1; 0 when the problem has no line (an empty file, an option)
	Column int    // the byte column from 1 of a syntax error (a stray quote); 0 when Msg names the column
	Msg    string // what is wrong and what would be right
}

// Error formats the problem as "dataset: path:line:column: message", leaving out the line and
// column when they are 0.
func (e *CSVError) Error() string {
	var b strings.Builder
	b.WriteString("dataset: ")
	b.WriteString(e.Path)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// CSVErrorList is what ReadCSV returns when a file cannot be read: its first problems in file
// order (at most 20), the number of the others, and the problem that stopped the reading (an I/O
// error, the memory limit, too many classes), which is last and shown even past the first 20.
type CSVErrorList struct {
	Problems []*CSVError // the problems shown, in the order found (file order)
	More     int         // problems found after the first 20 (and before one that stopped the reading), counted only
}

// Error lists the problems one per line with, when there are more, a line "... and N more
// problems" after the first 20.
func (l *CSVErrorList) Error() string {
	lines := make([]string, 0, len(l.Problems)+1)
	for i, p := range l.Problems {
		if i == maxCSVProblems {
			lines = append(lines, l.more())
		}
		lines = append(lines, p.Error())
	}
	if len(l.Problems) <= maxCSVProblems && l.More > 0 {
		lines = append(lines, l.more())
	}
	return strings.Join(lines, "\n")
}

// more is the line that counts the problems not shown.
func (l *CSVErrorList) more() string {
	if l.More == 1 {
		return "... and 1 more problem"
	}
	return fmt.Sprintf("... and %d more problems", l.More)
}

// Unwrap returns the problems shown, so that errors.As finds a *CSVError.
func (l *CSVErrorList) Unwrap() []error {
	errs := make([]error, len(l.Problems))
	for i, p := range l.Problems {
		errs[i] = p
	}
	return errs
}

// csvProblems collects the problems of one file while it is read.
type csvProblems struct {
	path string
	list []*CSVError
	more int
}

// full reports whether the list is full, so that a caller can count a problem (with skip)
// instead of formatting a message nobody will see.
func (p *csvProblems) full() bool { return len(p.list) >= maxCSVProblems }

// skip counts a problem that is not shown.
func (p *csvProblems) skip() { p.more++ }

// add records a problem at line and column (0 when unknown); the message is built with
// fmt.Sprintf, and only when the list is not full.
func (p *csvProblems) add(line, column int, format string, args ...any) {
	if p.full() {
		p.more++
		return
	}
	p.list = append(p.list, &CSVError{Path: p.path, Line: line, Column: column, Msg: fmt.Sprintf(format, args...)})
}

// fatal records the problem that stops the reading; it is shown even when the list is full.
func (p *csvProblems) fatal(line, column int, format string, args ...any) {
	p.list = append(p.list, &CSVError{Path: p.path, Line: line, Column: column, Msg: fmt.Sprintf(format, args...)})
}

// any reports whether a problem was found.
func (p *csvProblems) any() bool { return len(p.list) > 0 || p.more > 0 }

// err returns the problems as a *CSVErrorList, or nil when there are none.
func (p *csvProblems) err() error {
	if !p.any() {
		return nil
	}
	return &CSVErrorList{Problems: p.list, More: p.more}
}

// csvFail returns a list of one problem without a line.
func csvFail(path, format string, args ...any) error {
	p := csvProblems{path: path}
	p.add(0, 0, format, args...)
	return p.err()
}

// maxQuoted is how many bytes of a value an error message shows.
const maxQuoted = 40

// quote returns s in Go quotes, cut after maxQuoted bytes (on a rune boundary) with its length
// said, so that one huge cell does not make a huge message.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && cut < len(s) && s[cut]&0xc0 == 0x80 { // a UTF-8 continuation byte
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// quoteList returns the values quoted and separated by commas, at most max of them, with
// "and N more" after.
func quoteList(values []string, max int) string {
	var b strings.Builder
	for i, v := range values {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(values)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(v))
	}
	return b.String()
}
