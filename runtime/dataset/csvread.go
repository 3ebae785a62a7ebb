package dataset

import (
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// csvRead is the state of one ReadCSVFrom: the reader, the columns, the problems so far and the
// samples stored, which are dropped at the first problem (the rest of the file is then only
// checked).
type csvRead struct {
	name    string
	opt     *CSVOptions
	cr      *csv.Reader
	size    int64 // of the input after a byte order mark, -1 when unknown
	p       csvProblems
	l       *csvLayout
	classes *csvClasses // nil for regression and NoLabels
	f       []float32
	labels  []int32
	targets []float32
	rows    int   // data records read, good or bad
	maxRows int64 // the most rows that fit opt.MaxBytes
	stored  bool  // no problem yet: the rows read are in f and labels or targets
	stop    bool  // a problem that ends the reading (an I/O error, the memory limit)
}

// newCSVRead returns the reading of r, of size bytes (-1: unknown), with opt's defaults filled in.
func newCSVRead(name string, r io.Reader, size int64, opt *CSVOptions) *csvRead {
	cr := csv.NewReader(r)
	cr.Comma = opt.Delimiter
	cr.FieldsPerRecord = -1 // counted here, to say what was expected
	cr.ReuseRecord = true
	// Spaces after a delimiter, before a quoted field: `1, "a,b"`; not when they are delimiters.
	cr.TrimLeadingSpace = !unicode.IsSpace(opt.Delimiter)
	return &csvRead{name: name, opt: opt, cr: cr, size: size, p: csvProblems{path: name}, stored: true}
}

// read reads the whole input and returns its Set, or its problems.
func (r *csvRead) read() (*Set, error) {
	first, err := r.cr.Read()
	for err == nil && blank(first) {
		first, err = r.cr.Read()
	}
	switch {
	case err == io.EOF:
		if r.opt.Header {
			r.p.add(0, 0, "empty file: want a header line naming the columns, then one sample per line")
		} else {
			r.p.add(0, 0, "empty file: want one sample per line")
		}
		return nil, r.p.err()
	case err != nil:
		r.readError(err)
		return nil, r.p.err()
	}
	line, _ := r.cr.FieldPos(0)
	if r.l = newCSVLayout(r.opt, first, line, &r.p); r.l == nil {
		return nil, r.p.err()
	}
	rowBytes := r.l.rowBytes(r.opt.Regression)
	r.maxRows = r.opt.MaxBytes / rowBytes // rowBytes >= 4: there is a feature
	if !r.opt.NoLabels && !r.opt.Regression {
		r.classes = newCSVClasses(r.opt.Classes)
	}
	start := int64(0)
	if r.opt.Header {
		start = r.cr.InputOffset()
	} else {
		r.record(first)
	}

	eof := r.records(csvSampleRecords - r.rows)
	if r.stop {
		return nil, r.p.err()
	}
	if eof && r.rows == 0 {
		return nil, r.noSamples(line)
	}
	off := r.cr.InputOffset()
	e := estimate(r.size, r.rows, off-start, r.size-off, eof, r.l.ncols, rowBytes, r.opt.MaxBytes)
	if r.opt.Log != nil {
		e.log(r.opt.Log, r.name, r.l, r.opt, r.opt.MaxBytes)
	}
	if msg := e.tooLarge(r.opt.MaxBytes); msg != "" {
		r.p.fatal(0, 0, "%s", msg)
		return nil, r.p.err()
	}
	if more := e.capRows - r.rows; r.stored && more > 0 {
		r.f = slices.Grow(r.f, more*len(r.l.features))
		switch {
		case r.classes != nil:
			r.labels = slices.Grow(r.labels, more)
		case r.opt.Regression && !r.opt.NoLabels:
			r.targets = slices.Grow(r.targets, more*len(r.l.labels))
		}
	}
	if !eof {
		r.records(-1)
	}
	switch {
	case r.p.any():
		return nil, r.p.err()
	case r.rows == 0: // lines of spaces only
		return nil, r.noSamples(line)
	}
	return r.set(), nil
}

// noSamples returns the error of a file without samples, whose header or first line is on line.
func (r *csvRead) noSamples(line int) error {
	if r.opt.Header {
		r.p.add(line, 0, "only a header, no samples; want one sample per line after it")
	} else {
		r.p.add(line, 0, "no samples; want one sample per line")
	}
	return r.p.err()
}

// records reads up to n records (all when n < 0) and reports whether the input ended.
func (r *csvRead) records(n int) (eof bool) {
	for ; n != 0 && !r.stop; n-- {
		rec, err := r.cr.Read()
		switch {
		case err == io.EOF:
			return true
		case err != nil:
			r.readError(err)
		default:
			r.record(rec)
		}
	}
	return false
}

// record checks and stores one data record; a line of spaces is skipped as a blank line.
func (r *csvRead) record(rec []string) {
	if r.l.ncols > 1 && blank(rec) {
		return
	}
	r.rows++
	if int64(r.rows) > r.maxRows {
		line, _ := r.cr.FieldPos(0)
		r.p.fatal(line, 0, "here the data set passes the memory limit of %s (%s of %d bytes); %s",
			formatBytes(float64(r.opt.MaxBytes)), plural(r.rows, "row"), r.l.rowBytes(r.opt.Regression), csvTooLargeAdvice)
		r.drop()
		r.stop = true
		return
	}
	if len(rec) != r.l.ncols {
		r.drop()
		if r.p.full() {
			r.p.skip()
			return
		}
		line, _ := r.cr.FieldPos(0)
		as := "as on line %d, the first record"
		if r.opt.Header {
			as = "as in the header on line %d"
		}
		r.p.add(line, 0, "%s, want %d ("+as+")", plural(len(rec), "field"), r.l.ncols, r.l.line)
		return
	}
	for _, j := range r.l.features {
		v, fault := parseNumber(rec[j])
		if fault != cellOK {
			r.cellProblem(j, fault.message, rec[j])
			continue
		}
		if r.stored {
			r.f = append(r.f, v)
		}
	}
	switch {
	case r.classes != nil:
		r.label(rec)
	case len(r.l.labels) > 0: // regression
		for _, j := range r.l.labels {
			v, fault := parseNumber(rec[j])
			if fault != cellOK {
				r.cellProblem(j, fault.message, rec[j])
				continue
			}
			if r.stored {
				r.targets = append(r.targets, v)
			}
		}
	}
}

// blank reports whether a record is a line of nothing but spaces, which encoding/csv does not
// skip as it skips empty lines.
func blank(rec []string) bool { return len(rec) == 1 && strings.TrimSpace(rec[0]) == "" }

// label reads the class label of a record.
func (r *csvRead) label(rec []string) {
	j := r.l.labels[0]
	v := strings.TrimSpace(rec[j])
	if v == "" {
		r.cellProblem(j, func(string) string { return "empty label: every sample needs a class" }, v)
		return
	}
	id, fault := r.classes.class(v)
	switch fault {
	case classUnknown:
		r.cellProblem(j, r.unknownClass, v)
		return
	case classTooMany:
		r.drop()
		line, _ := r.cr.FieldPos(j)
		r.p.fatal(line, 0, "%s: more than %s; if the label is a number to predict, read it as a regression target", r.l.column(j), plural(MaxCSVClasses, "distinct label"))
		r.stop = true
		return
	}
	if r.stored {
		r.labels = append(r.labels, id)
	}
}

// unknownClass says that label v is not one of the classes given.
func (r *csvRead) unknownClass(v string) string {
	names := r.classes.names
	if len(names) == 0 {
		return quote(v) + " is not a known class; no classes are given"
	}
	return quote(v) + " is not a known class; the classes are " + quoteList(names, maxCSVProblems) + didYouMean(v, names)
}

// cellProblem records the problem with cell j of the current record, whose message is
// msg(value); msg is called only when the problem is shown.
func (r *csvRead) cellProblem(j int, msg func(string) string, value string) {
	r.drop()
	if r.p.full() {
		r.p.skip()
		return
	}
	line, _ := r.cr.FieldPos(j)
	r.p.add(line, 0, "%s: %s", r.l.column(j), msg(value))
}

// readError records an error of the CSV reader: a syntax error, after which reading goes on at
// the next line, or an I/O error, which stops it.
func (r *csvRead) readError(err error) {
	r.drop()
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		r.p.fatal(0, 0, "reading: %v", err)
		r.stop = true
		return
	}
	r.rows++
	if r.p.full() {
		r.p.skip()
		return
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		r.p.add(pe.Line, pe.Column, `a " in a field that is not quoted; quote the whole field and double each " inside it ("say ""hi""")`)
	case errors.Is(pe.Err, csv.ErrQuote):
		starts := ""
		if pe.StartLine != pe.Line {
			starts = " (the record starts on line " + strconv.Itoa(pe.StartLine) + `: is a closing " missing there?)`
		}
		r.p.add(pe.Line, pe.Column, `extraneous or missing " in a quoted field%s; a quoted field ends with " right before the delimiter or the line end, and a " inside it is written ""`, starts)
	default:
		r.p.add(pe.Line, pe.Column, "%v", pe.Err)
	}
}

// drop forgets the samples stored: once there is a problem, the rest of the file is only checked.
func (r *csvRead) drop() {
	r.stored = false
	r.f, r.labels, r.targets = nil, nil, nil
}

// set returns the samples read.
func (r *csvRead) set() *Set {
	s := &Set{F: r.f, N: r.rows, Features: len(r.l.features)}
	switch {
	case r.classes != nil:
		s.Labels = r.labels
		s.Classes = r.classes.finish(r.labels)
	case r.opt.NoLabels: // no targets rather than nil ones, so that Slice and Batch work
		s.Targets, s.Classes = []float32{}, slices.Clone(r.opt.Classes)
	default:
		s.Targets, s.TargetSize = r.targets, len(r.l.labels)
	}
	return s
}
