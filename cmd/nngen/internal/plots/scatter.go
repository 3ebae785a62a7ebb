package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// outputColors tell a regression's outputs apart (matplotlib's cycle after its first colour).
var outputColors = []color.Color{trainColor, valColor, rateColor,
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}}

// ScatterFigure plots a regression's predictions against the true values, a point per test
// sample and output (a colour per output, named in the legend with its R²), over the line y = x
// on which exact predictions lie; both axes have the same range.
type ScatterFigure struct {
	title string
	p     *plot.Plot
}

// NewScatterFigure returns the scatter plot of d under title.
func NewScatterFigure(d *Pairs, title string) (*ScatterFigure, error) {
	p := plot.New()
	p.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for o := range d.Outputs {
		for i := range d.True[o] {
			lo = math.Min(lo, math.Min(d.True[o][i], d.Predicted[o][i]))
			hi = math.Max(hi, math.Max(d.True[o][i], d.Predicted[o][i]))
		}
	}
	if hi-lo <= 1e-12*math.Max(math.Abs(lo), 1) {
		lo, hi = lo-1, hi+1
	}
	pad := 0.04 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, err
	}
	diag.LineStyle = lineStyle(markColor, markDashes...)
	p.Add(diag)
	p.Legend.Add("y = x", diag)
	n := 0
	for o, name := range d.Outputs {
		xy := make(plotter.XYs, len(d.True[o]))
		for i := range xy {
			xy[i] = plotter.XY{X: d.True[o][i], Y: d.Predicted[o][i]}
		}
		n = max(n, len(xy))
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: outputColors[o%len(outputColors)], Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("%s (R² %.4f)", name, r2(d.True[o], d.Predicted[o])), s)
	}
	p.Title.Text = fmt.Sprintf("%d test samples: predicted against true", n)
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text, p.Y.Label.Text = "true value", "predicted value"
	if len(d.Outputs) == 1 {
		p.X.Label.Text, p.Y.Label.Text = "true "+d.Outputs[0], "predicted "+d.Outputs[0]
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	// The legend at the top left, where y = x leaves the most room.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(8)
	return &ScatterFigure{title: title, p: p}, nil
}

// r2 is the coefficient of determination (see runtime/cli's regressionMetrics).
func r2(y, p []float64) float64 {
	var mean, sq, dev float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	for i := range y {
		sq += (y[i] - p[i]) * (y[i] - p[i])
		dev += (y[i] - mean) * (y[i] - mean)
	}
	switch {
	case dev != 0:
		return 1 - sq/dev
	case sq == 0:
		return 1
	}
	return 0
}

// Size is square.
func (f *ScatterFigure) Size() (int, int) { return 720, 760 }

// Draw draws the title and the plot.
func (f *ScatterFigure) Draw(dc draw.Canvas) {
	top := dc.Max.Y - vg.Points(6)
	title := textStyle(vg.Points(15))
	title.YAlign = draw.YTop
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, f.title)
	body := dc
	body.Max.Y = top - title.Height(f.title) - vg.Points(10)
	f.p.Draw(draw.Crop(body, vg.Points(8), -vg.Points(16), vg.Points(8), 0))
}
