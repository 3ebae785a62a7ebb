package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxLabelledClasses is the most classes whose every name labels the axes; beyond it every n-th
// does, n the smallest that keeps to this many.
const maxLabelledClasses = 40

// ConfusionFigure is the heat map of a confusion matrix: a row per true class (the first at the
// top), a column per predicted class, each cell coloured by its share of the true class's samples
// (white 0 to dark blue 1, so that classes of any size read alike) and showing its count. The
// counts are written where they fit in their cells at a readable size (6 points or more): at the
// default size, which grows with the classes up to 2400 pixels, up to about 100 classes with
// counts of 4 digits; for more, give a larger size, or read the counts in the eval report. Beyond
// 40 classes only every n-th class is named on the axes. The figure was checked by eye for 2, 3,
// 10, 20 and 60 classes.
type ConfusionFigure struct {
	title string
	c     *Confusion
	p     *plot.Plot
}

// NewConfusionFigure returns the heat map of c under title.
func NewConfusionFigure(c *Confusion, title string) *ConfusionFigure {
	k := len(c.Names)
	total, correct := 0, 0
	for t, row := range c.Counts {
		for p, n := range row {
			total += n
			if p == t {
				correct += n
			}
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("confusion matrix of %d test samples, accuracy %.4f", total, float64(correct)/math.Max(float64(total), 1))
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text, p.Y.Label.Text = "predicted class", "true class"
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = vg.Points(12), vg.Points(12)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5, -0.5, float64(k)-0.5
	every := (k + maxLabelledClasses - 1) / maxLabelledClasses
	var xt, yt []plot.Tick
	longest := vg.Length(0)
	for i, name := range c.Names {
		label := ""
		if i%every == 0 {
			label = name
		}
		xt = append(xt, plot.Tick{Value: float64(i), Label: label})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - i), Label: label})
		longest = max(longest, p.X.Tick.Label.Width(label))
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	if longest > vg.Points(28) {
		// Long names would run into each other under narrow columns: slant them.
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
	}
	p.Add(cells{c})
	return &ConfusionFigure{title: title, c: c, p: p}
}

// Fits returns an error unless the class names labelling the axes stay apart at w×h pixels:
// 16 pixels a name, and 200 for the title, the scale and the axes.
func (f *ConfusionFigure) Fits(w, h int) error {
	k := len(f.c.Names)
	named := (k + (k+maxLabelledClasses-1)/maxLabelledClasses - 1) / ((k + maxLabelledClasses - 1) / maxLabelledClasses)
	if need := 200 + 16*named; min(w, h) < need {
		return fmt.Errorf("%dx%d pixels is too small for %d classes: give at least %dx%d", w, h, k, need, need)
	}
	return nil
}

// Size is square, larger for more classes.
func (f *ConfusionFigure) Size() (int, int) {
	side := min(max(720, 48*len(f.c.Names)+240), 2400)
	return side, side + 40
}

// Draw draws the title, the colour scale and the matrix.
func (f *ConfusionFigure) Draw(dc draw.Canvas) {
	top := dc.Max.Y - vg.Points(6)
	title := textStyle(vg.Points(15))
	title.YAlign = draw.YTop
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, f.title)
	y := top - title.Height(f.title) - vg.Points(14)
	body := dc
	body.Max.Y = drawScale(dc, y) - vg.Points(14)
	body = draw.Crop(body, vg.Points(8), -vg.Points(16), vg.Points(8), 0)
	f.p.Draw(body)
}

// drawScale draws the colour scale, centred at height y: its caption and its bar in one line, or
// the bar under the caption when the width does not hold both; it returns the bar's height.
func drawScale(dc draw.Canvas, y vg.Length) vg.Length {
	sty := textStyle(vg.Points(11))
	w, h := vg.Points(160), vg.Points(10)
	label := "share of the true class's samples (square-root scale):"
	lw := sty.Width(label)
	mid := (dc.Min.X + dc.Max.X) / 2
	var x vg.Length
	if lw+w+vg.Points(40) <= dc.Max.X-dc.Min.X {
		x = mid - (lw+w+vg.Points(40))/2
		sty.XAlign = draw.XLeft
		dc.FillText(sty, vg.Point{X: x, Y: y}, label)
		x += lw + vg.Points(10)
	} else {
		dc.FillText(sty, vg.Point{X: mid, Y: y}, label)
		y -= sty.Height(label) + vg.Points(6)
		x = mid - w/2
	}
	sty.XAlign = draw.XRight
	dc.FillText(sty, vg.Point{X: x - vg.Points(2), Y: y}, "0")
	const steps = 64
	for i := range steps {
		x0 := x + w*vg.Length(i)/steps
		x1 := x + w*vg.Length(i+1)/steps + vg.Points(0.5)
		v := float64(i) / (steps - 1)
		dc.FillPolygon(shade(v*v), []vg.Point{{X: x0, Y: y - h/2}, {X: x1, Y: y - h/2}, {X: x1, Y: y + h/2}, {X: x0, Y: y + h/2}})
	}
	dc.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 0x80}, Width: vg.Points(0.5)},
		[]vg.Point{{X: x, Y: y - h/2}, {X: x + w, Y: y - h/2}, {X: x + w, Y: y + h/2}, {X: x, Y: y + h/2}, {X: x, Y: y - h/2}})
	sty.XAlign = draw.XLeft
	dc.FillText(sty, vg.Point{X: x + w + vg.Points(3), Y: y}, "1")
	return y
}

// shade is the colour of a share s in [0, 1]: white to dark blue, by √s.
func shade(s float64) color.Color {
	s = math.Sqrt(math.Max(0, math.Min(1, s)))
	from, to := [3]float64{255, 255, 255}, [3]float64{8, 48, 107}
	var c [3]uint8
	for i := range c {
		c[i] = uint8(math.Round(from[i] + (to[i]-from[i])*s))
	}
	return color.RGBA{R: c[0], G: c[1], B: c[2], A: 255}
}

// cells is the plotter of the matrix's cells.
type cells struct{ c *Confusion }

// DataRange is the matrix's extent.
func (m cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	k := float64(len(m.c.Names))
	return -0.5, k - 0.5, -0.5, k - 0.5
}

// Plot fills the cells and writes the counts that fit.
func (m cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	k := len(m.c.Names)
	cw := trX(1) - trX(0)
	ch := trY(1) - trY(0)
	size := min(vg.Points(14), min(cw, ch)*0.36)
	sty := textStyle(size)
	widest := vg.Length(0)
	for _, row := range m.c.Counts {
		for _, n := range row {
			widest = max(widest, sty.Width(strconv.Itoa(n)))
		}
	}
	showCounts := size >= vg.Points(6) && widest <= cw*0.9
	for t, row := range m.c.Counts {
		sum := 0
		for _, n := range row {
			sum += n
		}
		for q, n := range row {
			share := 0.0
			if sum > 0 {
				share = float64(n) / float64(sum)
			}
			x0, x1 := trX(float64(q)-0.5), trX(float64(q)+0.5)
			y0, y1 := trY(float64(k-1-t)-0.5), trY(float64(k-1-t)+0.5)
			c.FillPolygon(shade(share), []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
			if showCounts {
				sty.Color = color.Black
				if share > 0.3 { // √0.3 ≈ 0.55: past half way to dark blue
					sty.Color = color.White
				}
				c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, strconv.Itoa(n))
			}
		}
	}
	grid := draw.LineStyle{Color: color.Gray{Y: 0xd0}, Width: vg.Points(0.5)}
	for i := 0; i <= k; i++ {
		x, y := trX(float64(i)-0.5), trY(float64(i)-0.5)
		c.StrokeLine2(grid, x, c.Min.Y, x, c.Max.Y)
		c.StrokeLine2(grid, c.Min.X, y, c.Max.X, y)
	}
}
