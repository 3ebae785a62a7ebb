package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nngen/nngen/cmd/nngen/internal/plots"
)

// runPlot is `nngen plot HISTORY.csv -o FILE [-width W] [-height H] [-title T]`: it draws a
// saved history (see plots.Curves), or the report data of an eval (see drawReport), as PNG or
// SVG by FILE's extension.
func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	out := fs.String("o", "", "the image to write: a .png or .svg file")
	width := fs.Int("width", 0, "the image's width in pixels (default: 520 per panel)")
	height := fs.Int("height", 0, "the image's height in pixels (default: 400 per row of panels, and the title)")
	title := fs.String("title", "", "the figure's title (default: the file's name without _history.csv)")
	in, rest, err := parseWithInputs(fs, args, stderr)
	if _, ok := err.(usageError); ok {
		return usageError{"no history file given; usage: nngen plot HISTORY.csv -o FILE"}
	}
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{"more than one file given: " + in + ", " + rest[0] + "; nngen plot draws one"}
	}
	if *out == "" {
		return usageError{"plot needs -o FILE, the .png or .svg image to write"}
	}
	if err := checkImage(*out, *width, *height); err != nil {
		return err
	}
	if err := drawFile(in, *out, *title, *width, *height); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

// checkImage returns a usage error unless path is a .png or .svg file name in a folder that
// exists, and the size is one plots draws.
func checkImage(path string, width, height int) error {
	if err := plots.CheckPath(path); err != nil {
		return usageError{err.Error()}
	}
	if err := plots.CheckSize(width, height); err != nil {
		return usageError{err.Error()}
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("cannot write %s: no folder %s", path, filepath.Dir(path))
	}
	return nil
}

// drawFile draws the history or report data file in into out.
func drawFile(in, out, title string, width, height int) error {
	head, err := firstLine(in)
	if err != nil {
		return err
	}
	if plots.IsReportData(head) {
		return drawReport(in, out, title, width, height)
	}
	h, err := plots.ReadHistory(in)
	if err != nil {
		return err
	}
	c, err := plots.NewCurves(h, title)
	if err != nil {
		return err
	}
	return plots.Save(out, c, width, height)
}

// drawReport draws an eval's report data: the confusion matrix's heat map or the regression's
// scatter plot.
func drawReport(in, out, title string, width, height int) error {
	d, err := plots.ReadReportData(in)
	if err != nil {
		return err
	}
	var f plots.Figure
	switch d := d.(type) {
	case *plots.Confusion:
		f = plots.NewConfusionFigure(d, title)
	case *plots.Pairs:
		if f, err = plots.NewScatterFigure(d, title); err != nil {
			return err
		}
	}
	return plots.Save(out, f, width, height)
}

// firstLine is the first line of the file at path (at most 4 KiB of it).
func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b := make([]byte, 4096)
	n, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	for i, c := range b[:n] {
		if c == '\n' || c == '\r' {
			return string(b[:i]), nil
		}
	}
	return string(b[:n]), nil
}
