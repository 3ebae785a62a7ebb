package plots

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The colours of the figures: matplotlib's first two (which Keras' tutorials plot with), a grey.
var (
	trainColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	valColor   = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	rateColor  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	markColor  = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
)

// textStyle is the figures' text of size points.
func textStyle(size vg.Length) draw.TextStyle {
	return draw.TextStyle{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
}

// lineStyle is a line of the colour, dashed when dashes are given.
func lineStyle(c color.Color, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: dashes}
}

// The dashes of the validation curves and of the best epoch's mark.
var (
	valDashes  = []vg.Length{vg.Points(6), vg.Points(3)}
	markDashes = []vg.Length{vg.Points(2), vg.Points(2)}
)

// integerTicks marks whole numbers (epochs) at a step of 1, 2 or 5 times a power of ten that
// gives at most about most labels.
type integerTicks struct{ most int }

// Ticks returns the marks between min and max.
func (t integerTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return nil
	}
	most := float64(t.most)
	if most < 1 {
		most = 10
	}
	step := 1.0
	for mult := 1; (hi-lo)/step > most; mult++ {
		step = []float64{1, 2, 5}[mult%3] * math.Pow(10, float64(mult/3))
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ticks
}
