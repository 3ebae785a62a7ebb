package dataset

import (
	"fmt"
	"io"
	"math"
)

// csvSampleRecords is how many records ReadCSV reads before it estimates the size of the rest.
const csvSampleRecords = 1000

// csvEstimate is what ReadCSV knows of a file's size once it has read its first records.
type csvEstimate struct {
	size     int64   // the input's size in bytes, -1 when unknown
	rows     float64 // the estimated rows (samples) of the whole file; exact when eof
	eof      bool    // the first records were all of them
	known    bool    // rows is known: eof, or the size is
	sampled  int     // records read so far
	rowBytes int64   // the memory of one sample
	capRows  int     // the most rows the rest of the file can hold, for allocation
}

// estimate extrapolates the rows of a file of size bytes (-1: unknown) from the sampled records,
// which took sampleBytes bytes, the last of them ending rest bytes before the end of the file.
// Every record but the last takes at least 2·ncols bytes (a byte a field, a delimiter between,
// a line end), which bounds capRows, so that the rows allocated take at most about twice the rest
// of the file (4 bytes a field) however unlike the rest the first records were.
func estimate(size int64, sampled int, sampleBytes, rest int64, eof bool, ncols int, rowBytes, maxBytes int64) csvEstimate {
	e := csvEstimate{size: size, eof: eof, sampled: sampled, rowBytes: rowBytes}
	maxRows := maxBytes / max(rowBytes, 1)
	switch {
	case eof:
		e.rows, e.known, e.capRows = float64(sampled), true, sampled
	case size >= 0 && sampled > 0 && sampleBytes > 0:
		rest = max(rest, 0)
		e.rows = float64(sampled) + float64(rest)*float64(sampled)/float64(sampleBytes)
		e.known = true
		most := float64(sampled) + float64(rest)/float64(2*ncols) + 1
		e.capRows = int(min(e.rows*1.01+16, most, float64(maxRows)+1, math.MaxInt32))
	default:
		e.capRows = sampled // unknown: grow as the rows come
	}
	return e
}

// bytes is the estimated memory of the data set.
func (e *csvEstimate) bytes() float64 { return e.rows * float64(e.rowBytes) }

// about returns "about " for an estimate and "" for an exact count.
func (e *csvEstimate) about() string {
	if e.eof {
		return ""
	}
	return "about "
}

// log writes the estimate as one line to w: the file's size, its rows and columns, its memory.
func (e *csvEstimate) log(w io.Writer, name string, l *csvLayout, opt *CSVOptions, maxBytes int64) {
	cols := fmt.Sprintf("%s (%s", plural(l.ncols, "column"), plural(len(l.features), "feature"))
	switch {
	case opt.NoLabels:
		cols += "; labels not read"
	case opt.Regression:
		cols += ", " + plural(len(l.labels), "target")
	default:
		cols += ", 1 label"
	}
	cols += ")"
	size := "size unknown"
	if e.size >= 0 {
		size = formatBytes(float64(e.size))
	}
	if !e.known {
		fmt.Fprintf(w, "reading %s: %s; %s; %s in memory per row (limit %s)\n", name, size, cols, formatBytes(float64(e.rowBytes)), formatBytes(float64(maxBytes)))
		return
	}
	rows := plural(e.sampled, "row")
	if !e.eof {
		rows = fmt.Sprintf("about %.0f rows", e.rows)
	}
	fmt.Fprintf(w, "reading %s: %s; %s of %s; %s%s in memory (limit %s)\n", name, size, rows, cols, e.about(), formatBytes(e.bytes()), formatBytes(float64(maxBytes)))
}

// tooLarge returns the problem of an estimate above maxBytes, or "".
func (e *csvEstimate) tooLarge(maxBytes int64) string {
	if !e.known || e.bytes() <= float64(maxBytes) {
		return ""
	}
	from := "its size"
	if !e.eof {
		from = fmt.Sprintf("the file's %s and its first %s", formatBytes(float64(e.size)), plural(e.sampled, "row"))
	}
	return fmt.Sprintf("%s%s in memory (%s%.0f rows of %d bytes, estimated from %s), more than the limit of %s; %s",
		e.about(), formatBytes(e.bytes()), e.about(), e.rows, e.rowBytes, from, formatBytes(float64(maxBytes)), csvTooLargeAdvice)
}

// csvTooLargeAdvice says what to do about a data set that does not fit the memory limit.
const csvTooLargeAdvice = "train on a sample of the rows, or on fewer feature columns"

// formatBytes returns n as "512 bytes", "4.5 KiB", "2.0 GiB".
func formatBytes(n float64) string {
	if n < 1024 {
		return fmt.Sprintf("%.0f bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	u := -1
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return fmt.Sprintf("%.1f %s", n, units[u])
}
