package dataset

import (
	"bufio"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Column names a CSV column: by its name in the header row when Name is not "", else by its
// 0-based Index.
type Column struct {
	Name  string // the column's name in the header (spaces around it do not count); "" to use Index
	Index int    // the column's position, from 0; used when Name is ""
}

// DefaultMaxCSVBytes is the largest in-memory size ReadCSV accepts unless told otherwise: 2 GiB.
const DefaultMaxCSVBytes = 2 << 30

// CSVOptions say how ReadCSV reads a CSV file: its delimiter and header, which columns are
// labels and which are features, and how labels are stored.
type CSVOptions struct {
	// Delimiter separates fields; 0 means ','. It cannot be '"', '\r', '\n' or an invalid rune.
	Delimiter rune
	// Header says that the first record names the columns.
	Header bool
	// Label is the label column or columns; empty means the last column.
	Label []Column
	// Features are the feature columns in order; empty means every column that is not a label.
	Features []Column
	// Regression says that labels are numbers, stored in Targets (TargetSize = len(labels));
	// otherwise there is one label column whose values are class names, stored as Labels and
	// Classes.
	Regression bool
	// Classes, for classification only, are the classes to use when not nil (a training set's),
	// so that a test file's labels map to the same indexes; a label that is not among them is an
	// error naming the value and the known classes. When nil, the classes are the file's distinct
	// label values, sorted: numerically when every one is a number, else as strings (byte order).
	// So labels 0..9 are classes 0..9, and "democrat", "republican" are 0, 1.
	Classes []string
	// Inputs is the number of features the model takes; a different count is an error that says
	// which columns were chosen and how many the model takes (0: no check).
	Inputs int
	// MaxBytes refuses a data set whose in-memory size (features and targets as float32, labels
	// as int32) exceeds it; 0 means DefaultMaxCSVBytes.
	MaxBytes int64
	// NoLabels is for prediction input: labels are not read. With Header, label columns named
	// may be absent, and when Features is empty the features are every column except the label
	// columns that are present. Without Header and with Features empty, a record of exactly
	// Inputs fields is all features; otherwise the label columns are dropped as in training. (A
	// label given by index, or the default last column, is taken as absent too when a record
	// has exactly Inputs fields, header or not.)
	NoLabels bool
	// Log, when not nil, gets one line before ReadCSV loads the bulk of the file: the file's
	// size, the estimated rows and columns, and the estimated memory (from the first records and
	// the file size). nil: quiet.
	Log io.Writer
}

// ReadCSV reads the CSV file at path into a Set with F (float32 features) and Labels and Classes
// (classification) or Targets (Regression). With NoLabels it has no labels: Labels is nil and
// Targets empty (TargetSize 0), so that Slice, Sample and Batch work on it and give no targets;
// Classes are opt.Classes, to name predictions.
//
// Every cell is parsed strictly: a cell that is not a number (or is empty, NaN, infinite or
// beyond float32), a record with another number of fields than the first, an empty file, a
// column that does not exist, or a feature count other than opt.Inputs is an error naming the
// file, the line and the column (by name and index), what was found and what was expected; all
// problems are reported at once in a *CSVErrorList (up to 20 in full, the others counted).
// Quoted fields (with delimiters, quotes and line ends inside), CRLF line ends, a UTF-8 byte order
// mark, blank lines and spaces around values are read as spreadsheets and pandas write them.
//
// The data must fit in memory: after the first 1000 records ReadCSV estimates the whole from the
// file's size, writes the estimate to opt.Log, and refuses a set estimated above opt.MaxBytes;
// while reading it refuses exactly when the set passes the limit. Memory is allocated from the
// estimate, which cannot exceed about twice the file's size however unlike the rest of the file
// the first records are.
func ReadCSV(path string, opt CSVOptions) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, csvFail(path, "%s", strings.TrimPrefix(err.Error(), "open "+path+": "))
	}
	defer f.Close()
	size := int64(-1) // unknown, for pipes and the like
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, csvFail(path, "is a directory, not a CSV file")
		}
		if fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	return ReadCSVFrom(path, f, size, opt)
}

// ReadCSVFrom is ReadCSV from a reader (standard input, for instance); name is used in errors
// ("input" when empty), size is the input's size in bytes when known, else -1. A size larger
// than the input only makes ReadCSVFrom reserve address space that stays untouched.
func ReadCSVFrom(name string, r io.Reader, size int64, opt CSVOptions) (*Set, error) {
	if name == "" {
		name = "input"
	}
	if err := checkCSVOptions(name, &opt); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	start, _ := br.Peek(3)
	switch {
	case len(start) == 3 && start[0] == 0xef && start[1] == 0xbb && start[2] == 0xbf: // UTF-8 BOM
		br.Discard(3)
		size = max(size-3, -1)
	case len(start) >= 2 && start[0] == 0x1f && start[1] == 0x8b:
		return nil, csvFail(name, "gzip-compressed; decompress it first (gunzip)")
	case len(start) >= 2 && (start[0] == 0xff && start[1] == 0xfe || start[0] == 0xfe && start[1] == 0xff):
		return nil, csvFail(name, "UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV")
	}
	return newCSVRead(name, br, size, &opt).read()
}

// checkCSVOptions returns the problems of opt, or nil, and fills in its defaults.
func checkCSVOptions(name string, opt *CSVOptions) error {
	p := csvProblems{path: name}
	switch d := opt.Delimiter; {
	case d == 0:
		opt.Delimiter = ','
	case d == '"' || d == '\r' || d == '\n' || !utf8.ValidRune(d) || d == utf8.RuneError:
		p.add(0, 0, "delimiter %q cannot separate fields; use ',', ';', '\\t' or another character", d)
	}
	switch {
	case opt.MaxBytes == 0:
		opt.MaxBytes = DefaultMaxCSVBytes
	case opt.MaxBytes < 0:
		p.add(0, 0, "memory limit %d is negative; want a number of bytes, or 0 for %s", opt.MaxBytes, formatBytes(DefaultMaxCSVBytes))
	}
	if opt.Inputs < 0 {
		p.add(0, 0, "inputs %d is negative; want the number of features the model takes, or 0 for no check", opt.Inputs)
	}
	if opt.Regression && opt.Classes != nil {
		p.add(0, 0, "classes are given for regression targets, which have none")
	}
	if len(opt.Classes) > MaxCSVClasses {
		p.add(0, 0, "%d classes given, more than %d", len(opt.Classes), MaxCSVClasses)
	}
	seen := make(map[string]bool, len(opt.Classes))
	for _, c := range opt.Classes {
		if seen[c] {
			p.add(0, 0, "class %s is given twice", quote(c))
		}
		seen[c] = true
	}
	return p.err()
}
