package dataset

import (
	"fmt"
	"strconv"
	"strings"
)

// csvLayout is which columns of a CSV file ReadCSV reads, and how its errors name them.
type csvLayout struct {
	names    []string // the header's names, trimmed; nil without a header
	ncols    int      // the fields of every record
	line     int      // the line of the header, or of the first record without one
	features []int    // the feature columns, in order
	labels   []int    // the label columns read, in order; none with NoLabels
}

// column names column i in an error: `column "Sepal width" (index 1)`, or `column index 1`
// without a header.
func (l *csvLayout) column(i int) string {
	if l.names != nil {
		return fmt.Sprintf("column %s (index %d)", quote(l.names[i]), i)
	}
	return "column index " + strconv.Itoa(i)
}

// maxListed is how many columns or names an error lists before it says how many more there are.
const maxListed = 10

// list names the columns idx: `"a" (index 0), "b" (index 1)`, or `indexes 0 to 3, 5, 6` without
// a header; at most maxListed of them (a run of three or more counts once), then how many more.
func (l *csvLayout) list(idx []int) string {
	var b strings.Builder
	if l.names != nil {
		for n, i := range idx {
			if n == maxListed {
				fmt.Fprintf(&b, " and %d more", len(idx)-maxListed)
				break
			}
			if n > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (index %d)", quote(l.names[i]), i)
		}
		return b.String()
	}
	if len(idx) == 1 {
		return "index " + strconv.Itoa(idx[0])
	}
	b.WriteString("indexes ")
	runs := 0
	for n := 0; n < len(idx); runs++ {
		end := n
		for end+1 < len(idx) && idx[end+1] == idx[end]+1 {
			end++
		}
		if runs == maxListed {
			fmt.Fprintf(&b, " and %d more", len(idx)-n)
			break
		}
		if runs > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(idx[n]))
		switch {
		case end >= n+2:
			fmt.Fprintf(&b, " to %d", idx[end])
		case end == n+1:
			end = n // a run of two is listed as two
		}
		n = end + 1
	}
	return b.String()
}

// rowBytes is the memory one sample takes: its features and targets as float32, or its label as
// an int32.
func (l *csvLayout) rowBytes(regression bool) int64 {
	n := int64(len(l.features)) * 4
	switch {
	case len(l.labels) == 0:
	case regression:
		n += int64(len(l.labels)) * 4
	default:
		n += 4
	}
	return n
}

// newCSVLayout chooses the columns of a file whose first record (the header with opt.Header) is
// first, on line; it adds every problem with the choice to p and returns nil when there is one.
func newCSVLayout(opt *CSVOptions, first []string, line int, p *csvProblems) *csvLayout {
	l := &csvLayout{ncols: len(first), line: line}
	if opt.Header {
		l.names = make([]string, len(first))
		for i, s := range first {
			l.names[i] = strings.TrimSpace(s)
		}
	}
	c := columnChooser{l: l, p: p}
	before := len(p.list) + p.more

	// The label columns, and the ones that are not features for being labels.
	var notFeatures []int
	if !opt.NoLabels || len(opt.Features) == 0 {
		labels := opt.Label
		if len(labels) == 0 {
			labels = []Column{{Index: l.ncols - 1}}
		}
		allFeatures := opt.NoLabels && opt.Inputs > 0 && l.ncols == opt.Inputs
		for _, col := range labels {
			i, ok := c.choose("label", col, opt.NoLabels)
			if !ok || opt.NoLabels && col.Name == "" && allFeatures {
				continue
			}
			if c.twice(notFeatures, i, "as a label") {
				continue
			}
			notFeatures = append(notFeatures, i)
		}
		if !opt.NoLabels {
			l.labels = notFeatures
			if !opt.Regression && len(opt.Label) > 1 {
				p.add(line, 0, "%d label columns for classification, which reads one; several label columns are regression targets (set regression)", len(opt.Label))
			}
		}
	}

	// The feature columns: those chosen, or every column that is not a label.
	if len(opt.Features) > 0 {
		for _, col := range opt.Features {
			i, ok := c.choose("feature", col, false)
			if !ok || c.twice(l.features, i, "as a feature") {
				continue
			}
			if contains(l.labels, i) {
				p.add(line, 0, "%s is chosen both as a label and as a feature", l.column(i))
				continue
			}
			l.features = append(l.features, i)
		}
	} else {
		for i := range l.ncols {
			if !contains(notFeatures, i) {
				l.features = append(l.features, i)
			}
		}
		if len(l.features) == 0 && len(p.list)+p.more == before {
			what := "it is the label"
			if l.ncols > 1 {
				what = "all are labels"
			}
			p.add(line, 0, "no feature columns: the file has %s, and %s%s", plural(l.ncols, "column"), what, delimiterHint(opt, first))
		}
	}

	if len(p.list)+p.more > before {
		return nil
	}
	if opt.Inputs > 0 && len(l.features) != opt.Inputs {
		how := "the features chosen are"
		if len(opt.Features) == 0 {
			how = "the features are every column:"
			if len(notFeatures) > 0 {
				how = "the features are every column but the label"
				if len(notFeatures) > 1 {
					how += "s"
				}
				if l.names == nil {
					how += " at"
				}
				how += " " + l.list(notFeatures) + ":"
			}
		}
		p.add(line, 0, "%s, but the model takes %d inputs; %s %s%s", plural(len(l.features), "feature"), opt.Inputs, how, l.list(l.features), delimiterHint(opt, first))
		return nil
	}
	return l
}

// columnChooser finds the columns that CSVOptions name in a file's layout.
type columnChooser struct {
	l     *csvLayout
	p     *csvProblems
	index map[string]int // header name → its first index; built when a name is looked up
	dup   map[string]int // header name → its second index, for names found twice
}

// choose returns the index of col, the role's column ("label", "feature"). A column that is
// not in the file is a problem, unless mayBeAbsent; ok is false then.
func (c *columnChooser) choose(role string, col Column, mayBeAbsent bool) (i int, ok bool) {
	l, p := c.l, c.p
	if col.Name != "" {
		name := strings.TrimSpace(col.Name)
		if l.names == nil {
			p.add(l.line, 0, "%s column %s: columns are named only with header: true (a first line of names); without a header, give the column's index (from 0)", role, quote(name))
			return 0, false
		}
		if c.index == nil {
			c.index, c.dup = make(map[string]int, len(l.names)), map[string]int{}
			for i, n := range l.names {
				if _, seen := c.index[n]; !seen {
					c.index[n] = i
				} else if _, seen := c.dup[n]; !seen {
					c.dup[n] = i
				}
			}
		}
		i, found := c.index[name]
		switch {
		case !found && mayBeAbsent:
			return 0, false
		case !found:
			p.add(l.line, 0, "%s column %s is not in the header; its columns are %s%s", role, quote(name), quoteList(l.names, maxListed), didYouMean(name, l.names))
			return 0, false
		}
		if j, twice := c.dup[name]; twice {
			p.add(l.line, 0, "%s column %s is in the header twice (indexes %d and %d); choose it by index", role, quote(name), i, j)
			return 0, false
		}
		return i, true
	}
	switch {
	case col.Index < 0:
		p.add(l.line, 0, "%s column index %d is negative; indexes count from 0", role, col.Index)
		return 0, false
	case col.Index >= l.ncols && mayBeAbsent:
		return 0, false
	case col.Index >= l.ncols:
		in := "indexes 0 to " + strconv.Itoa(l.ncols-1)
		if l.ncols == 1 {
			in = "index 0"
		}
		p.add(l.line, 0, "%s column index %d is out of range: the file has %s (%s)", role, col.Index, plural(l.ncols, "column"), in)
		return 0, false
	}
	return col.Index, true
}

// twice reports, as a problem, whether column i is already among chosen.
func (c *columnChooser) twice(chosen []int, i int, as string) bool {
	if contains(chosen, i) {
		c.p.add(c.l.line, 0, "%s is chosen twice %s", c.l.column(i), as)
		return true
	}
	return false
}

// contains reports whether i is among s.
func contains(s []int, i int) bool {
	for _, j := range s {
		if j == i {
			return true
		}
	}
	return false
}

// plural returns "1 column", "2 columns".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// delimiterHint asks whether the delimiter is another one when a file read as one column holds
// a common delimiter, or "".
func delimiterHint(opt *CSVOptions, first []string) string {
	if len(first) != 1 {
		return ""
	}
	for _, d := range []rune{',', ';', '\t', '|'} {
		if d != opt.Delimiter && strings.ContainsRune(first[0], d) {
			return fmt.Sprintf(" (the first line is one field: is the delimiter %q?)", d)
		}
	}
	return ""
}

// didYouMean returns ` (did you mean "x"?)` when word is close to one of the candidates (the same
// letters in another case, or one or two typing mistakes away, fewer for short words), else "". It looks no further
// than the first maxSuggested candidates, so that an error about one of 65536 classes stays cheap.
func didYouMean(word string, candidates []string) string {
	candidates = candidates[:min(len(candidates), maxSuggested)]
	lower := strings.ToLower(word) // longer than word when it holds bytes that are not UTF-8
	if len(lower) > maxDistance {
		return ""
	}
	best, bestDist := "", 3 // one more than the mistakes allowed: two, one for short words, none for one or two letters
	switch {
	case len(lower) <= 2:
		bestDist = 1
	case len(lower) <= 4:
		bestDist = 2
	}
	for _, c := range candidates {
		if len(c) > 4*maxDistance {
			continue
		}
		lc := strings.ToLower(c)
		if len(lc) > maxDistance || len(lc) >= len(lower)+bestDist || len(lower) >= len(lc)+bestDist {
			continue
		}
		if d := distance(lower, lc); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || best == word {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", quote(best))
}

// maxSuggested is how many candidates didYouMean compares a word with.
const maxSuggested = 1000

// maxDistance is the longest string distance measures.
const maxDistance = 64

// distance is the Levenshtein distance between a and b, in bytes, when both are at most
// maxDistance bytes long, else more than either length.
func distance(a, b string) int {
	if len(a) > maxDistance || len(b) > maxDistance {
		return max(len(a), len(b)) + 1
	}
	var rows [2][maxDistance + 1]int
	prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
