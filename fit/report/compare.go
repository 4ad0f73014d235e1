package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Files written by WriteComparison.
const (
	FileCompareJSON = "compare.json"
	FileComparePNG  = "compare.png"
	FileCompareSVG  = "compare.svg"
	FileCompareMD   = "compare.md"
	FileCompareHTM  = "compare.html"
)

// activationGlyphs mark the activations in a comparison plot (the colour
// marks the sweep).
var activationGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}}

// activationDashes draw each activation's fitted law (solid, dashed, ...).
var activationDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}

// activationOrder lists the activations of every sweep, first seen first.
func activationOrder(c *fit.SweepComparison) []string {
	var acts []string
	seen := map[string]bool{}
	for _, s := range c.Sweeps {
		for _, ar := range s.Analysis.Activations {
			if !seen[ar.Activation] {
				seen[ar.Activation] = true
				acts = append(acts, ar.Activation)
			}
		}
	}
	return acts
}

// ComparisonPlot overlays the sweeps on one pair of log-log axes: one
// colour per sweep, one marker (and line style) per activation; filled
// markers are anchors, the same marker with a cross over it a holdout;
// the line is the comparison's law fitted to that sweep's anchors.
func ComparisonPlot(c *fit.SweepComparison) (*plot.Plot, error) {
	p := newPlot("Validation loss vs compute, sweeps side by side (colour: sweep; marker and line: activation)", "compute C (FLOP)", "validation loss", true, true)
	acts := activationOrder(c)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Sweeps {
		l, h := computeRange(s.Analysis)
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	xs := logSpace(lo, hi, 120)
	for i, s := range c.Sweeps {
		col := colorOf(i)
		for j, act := range acts {
			ar := s.Analysis.Activation(act)
			if ar == nil {
				continue
			}
			glyph := activationGlyphs[j%len(activationGlyphs)]
			anchors, holdouts := pointsOf(s.Analysis, act)
			label := fmt.Sprintf("%s %s", s.Label, fit.Label(act))
			if err := scatter(p, xyOf(anchors, func(q fit.Point) float64 { return q.Loss }), col, glyph, ""); err != nil {
				return nil, err
			}
			if err := scatter(p, xyOf(holdouts, func(q fit.Point) float64 { return q.Loss }), col, glyph, ""); err != nil {
				return nil, err
			}
			if err := scatter(p, xyOf(holdouts, func(q fit.Point) float64 { return q.Loss }), col, draw.CrossGlyph{}, ""); err != nil {
				return nil, err
			}
			f := ar.Fit(c.Form)
			line := make(plotter.XYs, 0, len(xs))
			if f.OK() {
				for _, x := range xs {
					if y := f.Predict(fit.Point{C: x}); y > 0 && !math.IsInf(y, 0) {
						line = append(line, plotter.XY{X: x, Y: y})
					}
				}
			}
			if len(line) < 2 {
				// No law to draw: the legend still names the points.
				s, err := plotter.NewScatter(xyOf(anchors, func(q fit.Point) float64 { return q.Loss }))
				if err == nil {
					s.GlyphStyle.Color, s.GlyphStyle.Shape, s.GlyphStyle.Radius = col, glyph, vg.Points(4)
					p.Legend.Add(label+" (no fit)", s)
				}
				continue
			}
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, fmt.Errorf("comparison plot: %w", err)
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			l.Dashes = activationDashes[j%len(activationDashes)]
			p.Add(l)
			b := f.Param("b")
			p.Legend.Add(fmt.Sprintf("%s, b = %s [%s, %s]", label, fit.FormatNum(b.Value), fit.FormatNum(b.Lo), fit.FormatNum(b.Hi)), l,
				legendGlyph{col: col, shape: glyph})
		}
	}
	return p, nil
}

// legendGlyph draws an activation's marker in a legend entry.
type legendGlyph struct {
	col   interface{ RGBA() (r, g, b, a uint32) }
	shape draw.GlyphDrawer
}

// Thumbnail implements plot.Thumbnailer.
func (g legendGlyph) Thumbnail(c *draw.Canvas) {
	mid := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: g.col, Shape: g.shape, Radius: vg.Points(3.5)}, mid)
}

// comparisonLawTable has one row per sweep and activation: the
// comparison's law with its parameters, how it predicted the holdouts, and
// the sweep's verdict.
func comparisonLawTable(c *fit.SweepComparison) table {
	form, err := fit.FormByName(c.Form)
	names := []string{"b"}
	law := c.Form
	if err == nil {
		names, law = form.ParamNames(), form.Law()
	}
	t := table{Title: fmt.Sprintf("Fitted laws (%s: %s) and verdicts", c.Form, law)}
	t.Head = append([]string{"sweep", "activation", "anchors"}, names...)
	t.Head = append(t.Head, "RMS log residual", "holdouts inside a run's 95% interval", "sweep's verdict", "Δb (candidate − baseline) [95%]")
	for _, s := range c.Sweeps {
		verdict, db := "no verdict", "—"
		if v := s.Analysis.Verdict; v != nil {
			verdict, db = v.Headline, interval3(v.DeltaB)
		}
		for _, ar := range s.Analysis.Activations {
			f := ar.Fit(c.Form)
			row := []string{s.Label, fit.Label(ar.Activation), fmt.Sprint(ar.Anchors)}
			for _, n := range names {
				if f.OK() {
					row = append(row, interval3(f.Param(n)))
				} else {
					row = append(row, "—")
				}
			}
			rms := "—"
			if f != nil {
				rms = fit.FormatNum(f.RMSLog)
			}
			inside, total := 0, 0
			for _, pr := range ar.Predictions {
				if pr.Form == c.Form {
					total++
					if pr.RunInside {
						inside++
					}
				}
			}
			held := "no holdouts"
			if total > 0 {
				held = fmt.Sprintf("%d of %d", inside, total)
			}
			row = append(row, rms, held, verdict, db)
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// comparisonDeltaTable compares each activation's exponent with the
// reference sweep's.
func comparisonDeltaTable(c *fit.SweepComparison) table {
	t := table{Title: fmt.Sprintf("Exponents across sweeps (%s law; Δb = b − b of %s)", c.Form, c.Sweeps[0].Label),
		Head: []string{"activation", "sweep", "b", "reference b", "Δb [95% interval]", "paired draws", "exponent moved", "note"}}
	for _, d := range c.Deltas {
		moved := "no: the interval contains 0"
		if d.Differs {
			moved = "yes: the interval excludes 0"
		}
		if d.Note != "" {
			moved = "—"
		}
		t.Rows = append(t.Rows, []string{fit.Label(d.Activation), d.Sweep, interval3(d.B), interval3(d.BReference), interval3(d.DeltaB),
			fmt.Sprint(d.PairedDraws), moved, d.Note})
	}
	return t
}

// comparisonLines say what the comparison shows in words.
func comparisonLines(c *fit.SweepComparison) []string {
	var out []string
	for _, d := range c.Deltas {
		switch {
		case d.Note != "":
			out = append(out, fmt.Sprintf("%s, %s against %s: %s.", fit.Label(d.Activation), d.Sweep, d.Reference, d.Note))
		case d.Differs:
			out = append(out, fmt.Sprintf("%s's exponent differs between %s and %s: Δb = %s [%s, %s], an interval that excludes 0.",
				fit.Label(d.Activation), d.Sweep, d.Reference, fit.FormatNum(d.DeltaB.Value), fit.FormatNum(d.DeltaB.Lo), fit.FormatNum(d.DeltaB.Hi)))
		default:
			out = append(out, fmt.Sprintf("%s's exponent is the same within the uncertainty in %s and %s: Δb = %s [%s, %s].",
				fit.Label(d.Activation), d.Sweep, d.Reference, fit.FormatNum(d.DeltaB.Value), fit.FormatNum(d.DeltaB.Lo), fit.FormatNum(d.DeltaB.Hi)))
		}
	}
	return out
}

// comparisonMethod explains how the numbers were made.
func comparisonMethod(c *fit.SweepComparison) []string {
	return []string{
		"Each sweep is fitted on its own, exactly as `analyze -results` fits it (its own report's numbers); sweep k is bootstrapped with seed S+k so that the sweeps' bootstraps are independent.",
		fmt.Sprintf("Exponents are compared under one law, the first sweep's verdict law (%s); Δb between sweeps pairs draw i of the two sweeps' bootstraps, as the verdict pairs the two activations within a sweep.", c.Form),
		"A loss axis shared across sweeps is only comparable when the sweeps share a tokenizer and vocabulary: nats per token of different tokenizers measure different things; exponents compare regardless.",
	}
}

// CompareMarkdown renders compare.md.
func CompareMarkdown(c *fit.SweepComparison, dirs []string, m Meta) string {
	var b strings.Builder
	labels := make([]string, len(c.Sweeps))
	for i, s := range c.Sweeps {
		labels[i] = s.Label
	}
	fmt.Fprintf(&b, "# Sweeps side by side: %s\n\n", strings.Join(labels, ", "))
	for _, l := range comparisonLines(c) {
		b.WriteString(l + "\n\n")
	}
	b.WriteString("![validation loss vs compute, sweeps side by side](" + FileComparePNG + ")\n\n")
	b.WriteString(comparisonLawTable(c).markdown())
	b.WriteString(comparisonDeltaTable(c).markdown())
	b.WriteString(sweepTable(c, dirs).markdown())
	b.WriteString("## Method\n\n")
	for _, l := range comparisonMethod(c) {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\nEvery number is also in `" + FileCompareJSON + "`.\n\n## Provenance\n\n")
	for _, r := range provenanceRows(m) {
		fmt.Fprintf(&b, "- %s: `%s`\n", r[0], strings.ReplaceAll(r[1], "`", "'"))
	}
	return b.String()
}

// sweepTable names each sweep's folder and notes.
func sweepTable(c *fit.SweepComparison, dirs []string) table {
	t := table{Title: "Sweeps", Head: []string{"label", "folder", "runs fitted", "notes"}}
	for i, s := range c.Sweeps {
		dir := ""
		if i < len(dirs) {
			dir = dirs[i]
		}
		t.Rows = append(t.Rows, []string{s.Label, dir, fmt.Sprint(len(s.Analysis.Points)), strings.Join(s.Analysis.Notes, "; ")})
	}
	return t
}

var htmlCompare = template.Must(template.Must(htmlReport.Clone()).New("compare").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sweeps side by side</title>
<style>
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3}
figure{margin:1rem 0}
figure svg{max-width:100%;height:auto}
code{background:#f3f3f3;padding:0 .2rem}
</style></head><body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>{{end}}
<figure>{{.SVG}}<figcaption>Validation loss vs compute (log-log): colour is the sweep, marker and line style the activation; a cross over a marker is a holdout.</figcaption></figure>
{{template "table" .Laws}}
{{template "table" .Deltas}}
{{template "table" .Sweeps}}
<h2>Method</h2><ul>{{range .Method}}<li>{{.}}</li>{{end}}</ul>
<p>Every number is also in <code>compare.json</code>.</p>
<h2>Provenance</h2><table>{{range .Provenance}}<tr><th>{{index . 0}}</th><td><code>{{index . 1}}</code></td></tr>{{end}}</table>
</body></html>
`))

// CompareHTML renders the self-contained compare.html with the plot
// inline as SVG.
func CompareHTML(c *fit.SweepComparison, dirs []string, m Meta, svg []byte) ([]byte, error) {
	labels := make([]string, len(c.Sweeps))
	for i, s := range c.Sweeps {
		labels[i] = s.Label
	}
	var buf bytes.Buffer
	err := htmlCompare.ExecuteTemplate(&buf, "compare", map[string]any{
		"Title": "Sweeps side by side: " + strings.Join(labels, ", "), "Lines": comparisonLines(c), "SVG": inlineSVG(svg),
		"Laws": comparisonLawTable(c), "Deltas": comparisonDeltaTable(c), "Sweeps": sweepTable(c, dirs),
		"Method": comparisonMethod(c), "Provenance": provenanceRows(m),
	})
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", FileCompareHTM, err)
	}
	return buf.Bytes(), nil
}

// WriteComparison writes compare.json, compare.png, compare.svg,
// compare.md and compare.html into dir (created if missing), each
// atomically; dirs are the sweeps' folders, for the report.
func WriteComparison(c *fit.SweepComparison, dirs []string, dir string, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	js, err := json.MarshalIndent(struct {
		Meta       Meta                 `json:"meta"`
		Folders    []string             `json:"folders"`
		Comparison *fit.SweepComparison `json:"comparison"`
	}{meta, dirs, c}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", FileCompareJSON, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileCompareJSON), append(js, '\n')); err != nil {
		return err
	}
	var svg []byte
	for _, f := range []struct{ name, format string }{{FileComparePNG, "png"}, {FileCompareSVG, "svg"}} {
		p, err := ComparisonPlot(c)
		if err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		b, err := render(p, f.format)
		if err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), b); err != nil {
			return err
		}
		svg = b
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileCompareMD), []byte(CompareMarkdown(c, dirs, meta))); err != nil {
		return err
	}
	html, err := CompareHTML(c, dirs, meta, svg)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileCompareHTM), html)
}

// WriteComparisonSummary prints a comparison for a terminal: each sweep's
// exponents and verdict, then each activation's exponent across sweeps
// (the same words that open compare.md).
func WriteComparisonSummary(w io.Writer, c *fit.SweepComparison) error {
	ew := &errWriter{w: w}
	for _, s := range c.Sweeps {
		var bs []string
		for _, ar := range s.Analysis.Activations {
			if f := ar.Fit(c.Form); f.OK() {
				b := f.Param("b")
				bs = append(bs, fmt.Sprintf("b_%s = %s [%s, %s]", ar.Activation, fit.FormatNum(b.Value), fit.FormatNum(b.Lo), fit.FormatNum(b.Hi)))
			}
		}
		verdict := "no verdict"
		if s.Analysis.Verdict != nil {
			verdict = s.Analysis.Verdict.Headline
		}
		ew.printf("%s (%s law): %s; verdict: %s\n", s.Label, c.Form, strings.Join(bs, ", "), verdict)
	}
	for _, l := range comparisonLines(c) {
		ew.printf("%s\n", l)
	}
	return ew.err
}
