package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/empirical-scaling/harness/fit"
)

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// computeRange is the compute range of every point, widened a little.
func computeRange(a *fit.Analysis) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range a.Points {
		lo, hi = math.Min(lo, p.C), math.Max(hi, p.C)
	}
	return lo / 1.5, hi * 1.6
}

// pointsOf splits an activation's points into anchors and holdouts.
func pointsOf(a *fit.Analysis, act string) (anchors, holdouts []fit.Point) {
	for _, p := range a.Points {
		if p.Activation != act {
			continue
		}
		if p.Role == fit.RoleAnchor {
			anchors = append(anchors, p)
		} else {
			holdouts = append(holdouts, p)
		}
	}
	return anchors, holdouts
}

func xyOf(pts []fit.Point, y func(fit.Point) float64) plotter.XYs {
	out := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		if v := y(p); !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, plotter.XY{X: p.C, Y: v})
		}
	}
	return out
}

// ScalingPlot is log-log validation loss against compute: anchors as
// circles, holdouts as crosses with the predicted 95% interval as an error
// bar, the verdict's law as a solid line and the other compute law (when
// fitted) as a dashed one.
func ScalingPlot(a *fit.Analysis) (*plot.Plot, error) {
	p := newPlot("Validation loss vs compute (bar right of each holdout: its predicted 95% interval)", "compute C (FLOP)", "validation loss", true, true)
	clo, chi := computeRange(a)
	xs := logSpace(clo, chi, 120)
	law := a.VerdictLaw()
	for i, ar := range a.Activations {
		c := colorOf(i)
		act := fit.Label(ar.Activation)
		anchors, holdouts := pointsOf(a, ar.Activation)
		if err := scatter(p, xyOf(anchors, func(q fit.Point) float64 { return q.Loss }), c, draw.CircleGlyph{}, act+" anchors"); err != nil {
			return nil, err
		}
		if err := scatter(p, xyOf(holdouts, func(q fit.Point) float64 { return q.Loss }), c, draw.CrossGlyph{}, act+" holdouts (actual)"); err != nil {
			return nil, err
		}
		forms := []string{law, fit.FormSaturating}
		if law == fit.FormSaturating {
			forms[1] = fit.FormLogLinear
		}
		for _, form := range forms {
			f := ar.Fit(form)
			if !f.OK() {
				continue
			}
			line := make(plotter.XYs, 0, len(xs))
			for _, x := range xs {
				if y := f.Predict(fit.Point{C: x}); y > 0 && !math.IsInf(y, 0) {
					line = append(line, plotter.XY{X: x, Y: y})
				}
			}
			if len(line) < 2 {
				continue
			}
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, fmt.Errorf("scaling plot: %w", err)
			}
			l.Color = c
			l.Width = vg.Points(1.5)
			if form != law {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				l.Width = vg.Points(1)
			}
			b := f.Param("b")
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s %s, b = %s [%s, %s]", act, f.Law, fit.FormatNum(b.Value), fit.FormatNum(b.Lo), fit.FormatNum(b.Hi)), l)
		}
		if err := addHoldoutBars(p, ar, law, c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addHoldoutBars draws each holdout's predicted interval under form.
func addHoldoutBars(p *plot.Plot, ar *fit.ActivationResult, form string, c interface {
	RGBA() (r, g, b, a uint32)
}) error {
	var ep errPoints
	for _, pr := range ar.Predictions {
		if pr.Form != form || !pr.Lo.Finite() || !pr.Hi.Finite() {
			continue
		}
		// drawn a little to the right of the holdout's cross, so both show
		ep.XYs = append(ep.XYs, plotter.XY{X: float64(pr.C) * 1.25, Y: float64(pr.Predicted)})
		ep.YErrors = append(ep.YErrors, struct{ Low, High float64 }{float64(pr.Predicted - pr.Lo), float64(pr.Hi - pr.Predicted)})
	}
	if len(ep.XYs) == 0 {
		return nil
	}
	bars, err := plotter.NewYErrorBars(ep)
	if err != nil {
		return fmt.Errorf("holdout error bars: %w", err)
	}
	bars.Color = c
	bars.Width = vg.Points(1.5)
	bars.CapWidth = vg.Points(8)
	p.Add(bars)
	return nil
}

// CurvesPlot is every run's validation loss against training tokens.
func CurvesPlot(a *fit.Analysis) (*plot.Plot, error) {
	p := newPlot("Validation loss during training", "tokens seen", "validation loss", true, true)
	n := 0
	for i, ar := range a.Activations {
		c := colorOf(i)
		first := true
		for _, q := range a.Points {
			if q.Activation != ar.Activation {
				continue
			}
			var xy plotter.XYs
			for _, cp := range q.Curve {
				if cp.Tokens > 0 && cp.ValLoss > 0 && !math.IsInf(cp.ValLoss, 0) {
					xy = append(xy, plotter.XY{X: cp.Tokens, Y: cp.ValLoss})
				}
			}
			if len(xy) < 2 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("curves plot, run %s: %w", q.Run, err)
			}
			l.Color = c
			if q.Role == fit.RoleHoldout {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			p.Add(l)
			n++
			if first {
				p.Legend.Add(fit.Label(ar.Activation)+" (holdouts dashed)", l)
				first = false
			}
		}
	}
	if n == 0 {
		p.Title.Text += " (no run recorded a curve)"
		p.X.Scale, p.Y.Scale = plot.LinearScale{}, plot.LinearScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = plot.DefaultTicks{}, plot.DefaultTicks{}
	}
	return p, nil
}

// ResidualsPlot is 100·(actual − fitted)/fitted of the verdict's law
// against compute, anchors as circles and holdouts as crosses.
func ResidualsPlot(a *fit.Analysis) (*plot.Plot, error) {
	form := a.VerdictLaw()
	p := newPlot(fmt.Sprintf("Residuals of the %s fit", form), "compute C (FLOP)", "(actual − fitted) / fitted, %", true, false)
	clo, chi := computeRange(a)
	zero, err := plotter.NewLine(plotter.XYs{{X: clo, Y: 0}, {X: chi, Y: 0}})
	if err != nil {
		return nil, fmt.Errorf("residuals plot: %w", err)
	}
	zero.Color = plotter.DefaultLineStyle.Color
	p.Add(zero)
	for i, ar := range a.Activations {
		f := ar.Fit(form)
		if !f.OK() {
			continue
		}
		res := func(q fit.Point) float64 { return 100 * (q.Loss/f.Predict(q) - 1) }
		anchors, holdouts := pointsOf(a, ar.Activation)
		if err := scatter(p, xyOf(anchors, res), colorOf(i), draw.CircleGlyph{}, fit.Label(ar.Activation)+" anchors"); err != nil {
			return nil, err
		}
		if err := scatter(p, xyOf(holdouts, res), colorOf(i), draw.CrossGlyph{}, fit.Label(ar.Activation)+" holdouts"); err != nil {
			return nil, err
		}
	}
	return p, nil
}
