package plots

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxGlyphEpochs is the most epochs whose points are marked on the curves; more are lines only.
const maxGlyphEpochs = 30

// Curves is the figure of a training history: a panel per quantity (loss, then each metric),
// training solid and validation dashed, the epochs counted from 1 as the progress lines count
// them, the best epoch (History.Best) marked by a dotted line in every panel and a ring on its
// point; and, when the learning rate changed, a panel of it (on a log scale when it spans a
// factor of 10 or more). Above the panels: the title and one legend for all of them, so that no
// legend covers a curve.
type Curves struct {
	title  string
	legend []legendEntry
	panels []*plot.Plot
	cols   int
}

// Panel sizes in pixels, and the height of the title and legend above them.
const (
	panelWidth  = 520
	panelHeight = 400
	headHeight  = 72
)

// NewCurves returns the figure of h under title (h.Name when title is empty).
func NewCurves(h *History, title string) (*Curves, error) {
	if title == "" {
		title = h.Name
	}
	c := &Curves{title: title}
	x := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		x[i] = float64(e + 1)
	}
	best, bestKey := h.Best()
	hasVal := false
	for _, q := range h.Quantities() {
		p, err := c.panel(q, x, h.Values[q], h.Values["val_"+q], best, q == strings.TrimPrefix(bestKey, "val_"))
		if err != nil {
			return nil, err
		}
		c.panels = append(c.panels, p)
		hasVal = hasVal || h.Values["val_"+q] != nil
	}
	if h.RateChanges() {
		p, err := ratePanel(x, h.Values[RateKey], best)
		if err != nil {
			return nil, err
		}
		c.panels = append(c.panels, p)
	}
	c.cols = defaultColumns(len(c.panels))
	c.legend = append(c.legend, legendEntry{"training", lineStyle(trainColor)})
	if hasVal {
		c.legend = append(c.legend, legendEntry{"validation", lineStyle(valColor, valDashes...)})
	}
	if best >= 0 {
		c.legend = append(c.legend, legendEntry{
			fmt.Sprintf("best epoch: %d (lowest %s, %.4g)", h.Epochs[best]+1, bestKey, h.Values[bestKey][best]),
			lineStyle(markColor, markDashes...)})
	}
	return c, nil
}

// defaultColumns is the columns of n panels at the default size: up to 3, 2 for 4.
func defaultColumns(n int) int {
	if n == 4 {
		return 2
	}
	return min(n, 3)
}

// CheckCurves returns an error unless a history figure of the given panels (1 for the loss, one
// per metric, one for a learning rate that changes) fits width×height pixels (0 for the default),
// so that a command can refuse a size before it trains.
func CheckCurves(panels, width, height int) error {
	c := &Curves{panels: make([]*plot.Plot, panels), cols: defaultColumns(panels)}
	dw, dh := c.Size()
	return c.Fits(cmp.Or(width, dw), cmp.Or(height, dh))
}

// The smallest panel and head, in pixels, that keep the text apart.
const (
	minPanelWidth  = 260
	minPanelHeight = 200
	minHeadHeight  = 110
)

// layout is the columns of panels for a figure of w×h pixels: the most, up to 3, that fit
// panels of at least minPanelWidth×minPanelHeight; ok is false when none fits.
func (c *Curves) layout(w, h int) (cols int, ok bool) {
	for cols := c.cols; cols >= 1; cols-- {
		rows := (len(c.panels) + cols - 1) / cols
		if w >= cols*minPanelWidth && h >= rows*minPanelHeight+minHeadHeight {
			return cols, true
		}
	}
	return c.cols, false
}

// Fits returns an error unless the figure's text stays apart at w×h pixels.
func (c *Curves) Fits(w, h int) error {
	if _, ok := c.layout(w, h); ok {
		return nil
	}
	n := len(c.panels)
	return fmt.Errorf("%dx%d pixels is too small for %d panels of at least %dx%d: give at least %dx%d (a row) or %dx%d (a column)",
		w, h, n, minPanelWidth, minPanelHeight, c.cols*minPanelWidth, ((n+c.cols-1)/c.cols)*minPanelHeight+minHeadHeight,
		minPanelWidth, n*minPanelHeight+minHeadHeight)
}

// Size is a panel of 520×400 pixels per column and row, and the head. Drawn smaller, the figure
// has fewer columns and more rows where that fits better (see Fits).
func (c *Curves) Size() (int, int) {
	rows := (len(c.panels) + c.cols - 1) / c.cols
	return panelWidth * c.cols, panelHeight*rows + headHeight
}

// Draw draws the title, the legend and the panels.
func (c *Curves) Draw(dc draw.Canvas) {
	top := dc.Max.Y
	title := textStyle(vg.Points(15))
	title.YAlign = draw.YTop
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top - vg.Points(6)}, c.title)
	legendY := top - vg.Points(6) - title.Height(c.title) - vg.Points(12)
	body := dc
	body.Max.Y = drawLegend(dc, c.legend, legendY) - vg.Points(12)
	// x labels 28 points apart.
	cols, _ := c.layout(int((dc.Max.X-dc.Min.X)/pixels(1)+0.5), int((dc.Max.Y-dc.Min.Y)/pixels(1)+0.5))
	rows := (len(c.panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		for j := range cols {
			if k := i*cols + j; k < len(c.panels) {
				grid[i][j] = c.panels[k]
				grid[i][j].X.Tick.Marker = integerTicks{most: max(2, int((dc.Max.X-dc.Min.X)/vg.Length(cols)/vg.Points(28)))}
			}
		}
	}
	t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(24), PadY: vg.Points(18),
		PadTop: vg.Points(4), PadBottom: vg.Points(8), PadLeft: vg.Points(8), PadRight: vg.Points(16)}
	canvases := plot.Align(grid, t, body)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// panel is the plot of quantity q: its training values train and validation values val (either
// may be nil) over the epochs x, with the best epoch (an index, or -1) marked; onBest says that
// the ring goes on this panel's curve.
func (c *Curves) panel(q string, x, train, val []float64, best int, onBest bool) (*plot.Plot, error) {
	p := newPanel(q, q, x)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range []struct {
		y     []float64
		style draw.LineStyle
	}{{train, lineStyle(trainColor)}, {val, lineStyle(valColor, valDashes...)}} {
		if s.y == nil {
			continue
		}
		if err := addSeries(p, x, s.y, s.style); err != nil {
			return nil, err
		}
		for _, v := range s.y {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	setYRange(p, lo, hi)
	if best >= 0 {
		p.Add(vline{x: x[best]})
		if onBest {
			y := val
			if y == nil || math.IsNaN(y[best]) {
				y = train
			}
			if y != nil && !math.IsNaN(y[best]) {
				ring, err := plotter.NewScatter(plotter.XYs{{X: x[best], Y: y[best]}})
				if err != nil {
					return nil, err
				}
				ring.GlyphStyle = draw.GlyphStyle{Color: markColor, Radius: vg.Points(6), Shape: draw.RingGlyph{}}
				p.Add(ring)
			}
		}
	}
	return p, nil
}

// ratePanel is the plot of the learning rate per epoch.
func ratePanel(x, rate []float64, best int) (*plot.Plot, error) {
	p := newPanel("learning rate", "learning rate", x)
	if err := addSeries(p, x, rate, lineStyle(rateColor)); err != nil {
		return nil, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range rate {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if lo > 0 && hi/lo >= 10 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	} else {
		setYRange(p, lo, hi)
	}
	if best >= 0 {
		p.Add(vline{x: x[best]})
	}
	return p, nil
}

// newPanel is an empty plot titled title, y labelled ylabel, over the epochs x.
func newPanel(title, ylabel string, x []float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = integerTicks{most: 10}
	p.Add(plotter.NewGrid())
	first, last := x[0], x[len(x)-1]
	if first == last {
		first, last = first-0.5, last+0.5
	}
	p.X.Min, p.X.Max = first, last
	return p
}

// addSeries adds the finite runs of y over x as lines (a lone point as a dot), with points
// marked when the epochs are few.
func addSeries(p *plot.Plot, x, y []float64, style draw.LineStyle) error {
	for _, run := range finiteRuns(x, y) {
		l, s, err := plotter.NewLinePoints(run)
		if err != nil {
			return err
		}
		l.LineStyle = style
		s.GlyphStyle = draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		if len(run) > 1 {
			p.Add(l)
		}
		if len(x) <= maxGlyphEpochs || len(run) == 1 {
			p.Add(s)
		}
	}
	return nil
}

// finiteRuns splits (x, y) where y is NaN.
func finiteRuns(x, y []float64) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i, v := range y {
		if math.IsNaN(v) {
			if len(cur) > 0 {
				runs = append(runs, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: v})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// setYRange sets p's y range to [lo, hi] widened by 5% (around a single value, by 10% of it),
// or [0, 1] when there is no value.
func setYRange(p *plot.Plot, lo, hi float64) {
	switch {
	case math.IsInf(lo, 1):
		lo, hi = 0, 1
	case hi-lo <= 1e-12*math.Max(math.Abs(lo), math.Abs(hi)):
		d := math.Max(0.1*math.Abs(lo), 1e-3)
		lo, hi = lo-d, hi+d
	default:
		d := 0.05 * (hi - lo)
		lo, hi = lo-d, hi+d
	}
	p.Y.Min, p.Y.Max = lo, hi
}

// vline is a dotted vertical line across a plot at x: the best epoch.
type vline struct{ x float64 }

// Plot draws the line.
func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(lineStyle(markColor, markDashes...), x, c.Min.Y, x, c.Max.Y)
}

// legendEntry is a line sample and its text.
type legendEntry struct {
	text  string
	style draw.LineStyle
}

// drawLegend draws the entries in lines centred on dc, the first at height y, as many to a line
// as the width holds; it returns the height of the last line.
func drawLegend(dc draw.Canvas, entries []legendEntry, y vg.Length) vg.Length {
	sty := textStyle(vg.Points(11))
	sty.XAlign = draw.XLeft
	sample, gap, space := vg.Points(28), vg.Points(6), vg.Points(22)
	width := func(e legendEntry) vg.Length { return sample + gap + sty.Width(e.text) }
	for len(entries) > 0 {
		n, total := 1, width(entries[0])
		for n < len(entries) && total+space+width(entries[n]) <= dc.Max.X-dc.Min.X {
			total += space + width(entries[n])
			n++
		}
		x := (dc.Min.X+dc.Max.X)/2 - total/2
		for _, e := range entries[:n] {
			dc.StrokeLine2(e.style, x, y, x+sample, y)
			x += sample + gap
			dc.FillText(sty, vg.Point{X: x, Y: y}, e.text)
			x += sty.Width(e.text) + space
		}
		if entries = entries[n:]; len(entries) > 0 {
			y -= sty.Height("Mg") + vg.Points(6)
		}
	}
	return y
}
