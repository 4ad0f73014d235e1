package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette colours activations in the order of Analysis.Activations.
var palette = []color.RGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0xd6, G: 0x5f, B: 0x0e, A: 0xff}, // orange
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
}

func colorOf(i int) color.RGBA { return palette[i%len(palette)] }

// plotSize is the size of every figure.
const plotW, plotH = 8 * vg.Inch, 5.5 * vg.Inch

// render encodes p in format ("png" or "svg").
func render(p *plot.Plot, format string) ([]byte, error) {
	wt, err := p.WriterTo(plotW, plotH, format)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", format, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// logTicks labels a log axis: powers of ten when the range spans a decade
// or more, else a few round values inside the range.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi/lo >= 10 {
		var out []plot.Tick
		for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
			v := math.Pow(10, e)
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("1e%d", int(e))})
			for k := 2.0; k < 10; k++ {
				out = append(out, plot.Tick{Value: k * v})
			}
		}
		return out
	}
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = fmt.Sprintf("%.3g", ts[i].Value)
		}
	}
	return ts
}

// newPlot returns a plot with a title, axis labels and a legend on the top
// right.
func newPlot(title, x, y string, logX, logY bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	// Losses fall with compute, so the lower left is usually empty.
	p.Legend.Top = false
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(8)
	p.Legend.YOffs = vg.Points(8)
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Add(plotter.NewGrid())
	return p
}

// scatter adds points with a glyph shape in colour c.
func scatter(p *plot.Plot, xys plotter.XYs, c color.Color, shape draw.GlyphDrawer, legend string) error {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("scatter %s: %w", legend, err)
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Shape = shape
	s.GlyphStyle.Radius = vg.Points(4)
	if _, ok := shape.(draw.CrossGlyph); ok {
		s.GlyphStyle.Radius = vg.Points(6)
	}
	p.Add(s)
	if legend != "" {
		p.Legend.Add(legend, s)
	}
	return nil
}

// logSpace returns n values evenly spaced in log between lo and hi.
func logSpace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Exp(math.Log(lo) + (math.Log(hi)-math.Log(lo))*float64(i)/float64(n-1))
	}
	return out
}
