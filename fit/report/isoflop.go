package report

import (
	"fmt"
	"html/template"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Files of the IsoFLOP and learning-rate sections (written only when the
// analysis has them); the profile figure is one per activation,
// isoflop-<activation>.png.
const (
	FileOptima          = "isoflop-optima.png"
	FileChinchillaResid = "isoflop-lnd-residuals.png"
	FileLRTuning        = "lr-tuning.png"
)

// fileProfile names an activation's IsoFLOP profile figure.
func fileProfile(act string) string {
	return "isoflop-" + strings.ReplaceAll(fit.Label(act), " ", "-") + ".png"
}

// budgetColor colours budgets from light to dark.
func budgetColor(i, n int) color.RGBA {
	pal := []color.RGBA{
		{R: 0x1b, G: 0x9e, B: 0x77, A: 0xff},
		{R: 0xd9, G: 0x5f, B: 0x02, A: 0xff},
		{R: 0x75, G: 0x70, B: 0xb3, A: 0xff},
		{R: 0xe7, G: 0x29, B: 0x8a, A: 0xff},
		{R: 0x66, G: 0xa6, B: 0x1e, A: 0xff},
		{R: 0xa6, G: 0x76, B: 0x1d, A: 0xff},
	}
	return pal[i%len(pal)]
}

// xErrPoints are points with horizontal error bars.
type xErrPoints struct {
	plotter.XYs
	plotter.XErrors
}

// noData turns an empty figure's log axes linear (a log axis with no
// values cannot be drawn) and says so in its title.
func noData(p *plot.Plot, why string) *plot.Plot {
	p.Title.Text += " (" + why + ")"
	p.X.Scale, p.Y.Scale = plot.LinearScale{}, plot.LinearScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.DefaultTicks{}, plot.DefaultTicks{}
	return p
}

// ProfilePlot is one activation's IsoFLOP profiles: loss against N for each
// budget, the fitted parabola of log L in ln N, and its minimum with the
// 95% interval of N_opt as a horizontal bar.
func ProfilePlot(a *fit.Analysis, act string) (*plot.Plot, error) {
	r := a.IsoFLOP.A2(act)
	p := newPlot(fmt.Sprintf("IsoFLOP profiles of %s (bar: 95%% interval of N_opt)", fit.Label(act)), "non-embedding parameters N", "validation loss", true, true)
	if r == nil || len(r.Budgets) == 0 {
		return noData(p, "no runs"), nil
	}
	for i, bf := range r.Budgets {
		c := budgetColor(i, len(r.Budgets))
		var xy plotter.XYs
		for _, q := range a.Points {
			if q.Activation == act && q.Budget == float64(bf.Budget) {
				xy = append(xy, plotter.XY{X: q.N, Y: q.Loss})
			}
		}
		if err := scatter(p, xy, c, draw.CircleGlyph{}, fmt.Sprintf("C = %s FLOP", fit.FormatNum(bf.Budget))); err != nil {
			return nil, err
		}
		if bf.Error != "" || !bf.Parabola[2].Finite() {
			continue
		}
		lo, hi := float64(bf.NMin)/1.3, float64(bf.NMax)*1.3
		if v := float64(bf.NOpt.Value); v > 0 {
			lo, hi = math.Min(lo, v/1.3), math.Max(hi, v*1.3)
		}
		var line plotter.XYs
		for _, n := range logSpace(lo, hi, 80) {
			x := math.Log(n)
			line = append(line, plotter.XY{X: n, Y: math.Exp(float64(bf.Parabola[0]) + float64(bf.Parabola[1])*x + float64(bf.Parabola[2])*x*x)})
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, fmt.Errorf("profile plot: %w", err)
		}
		l.Color = c
		p.Add(l)
		if err := scatter(p, plotter.XYs{{X: float64(bf.NOpt.Value), Y: float64(bf.LossOpt.Value)}}, c, draw.PyramidGlyph{}, ""); err != nil {
			return nil, err
		}
		if bf.NOpt.Lo.Finite() && bf.NOpt.Hi.Finite() {
			e := xErrPoints{XYs: plotter.XYs{{X: float64(bf.NOpt.Value), Y: float64(bf.LossOpt.Value)}},
				XErrors: plotter.XErrors{{Low: float64(bf.NOpt.Value - bf.NOpt.Lo), High: float64(bf.NOpt.Hi - bf.NOpt.Value)}}}
			bars, err := plotter.NewXErrorBars(e)
			if err != nil {
				return nil, fmt.Errorf("profile plot: %w", err)
			}
			bars.Color = c
			bars.Width = vg.Points(1.5)
			p.Add(bars)
		}
	}
	return p, nil
}

// OptimaPlot is N_opt (circles) and D_opt (triangles) against C for each
// activation, with 95% intervals and the fitted lines N_opt = k·C^a.
func OptimaPlot(a *fit.Analysis) (*plot.Plot, error) {
	p := newPlot("Compute-optimal N (circles) and D (triangles) against compute, approach 2", "compute C (FLOP)", "N_opt, D_opt", true, true)
	p.Legend.Top = true
	drawn := 0
	for i, r := range a.IsoFLOP.Approach2 {
		c := colorOf(i)
		act := fit.Label(r.Activation)
		for _, which := range []string{"N", "D"} {
			var pts errPoints
			for _, bf := range r.Budgets {
				v := bf.NOpt
				if which == "D" {
					v = bf.DOpt
				}
				if bf.Error != "" || !v.Value.Finite() {
					continue
				}
				pts.XYs = append(pts.XYs, plotter.XY{X: float64(bf.Budget), Y: float64(v.Value)})
				lo, hi := 0.0, 0.0
				if v.Lo.Finite() && v.Hi.Finite() {
					lo, hi = float64(v.Value-v.Lo), float64(v.Hi-v.Value)
				}
				pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{lo, hi})
			}
			var glyph draw.GlyphDrawer = draw.CircleGlyph{}
			exp, k := r.A, r.KN
			if which == "D" {
				glyph, exp, k = draw.PyramidGlyph{}, r.B, r.KD
			}
			if err := scatter(p, pts.XYs, c, glyph, ""); err != nil {
				return nil, err
			}
			drawn += len(pts.XYs)
			if len(pts.XYs) > 0 {
				bars, err := plotter.NewYErrorBars(pts)
				if err != nil {
					return nil, fmt.Errorf("optima plot: %w", err)
				}
				bars.Color = c
				p.Add(bars)
			}
			if !exp.Value.Finite() || !k.Value.Finite() || len(r.Budgets) == 0 {
				continue
			}
			var line plotter.XYs
			for _, x := range logSpace(float64(r.Budgets[0].Budget)/1.5, float64(r.Budgets[len(r.Budgets)-1].Budget)*1.5, 40) {
				line = append(line, plotter.XY{X: x, Y: float64(k.Value) * math.Pow(x, float64(exp.Value))})
			}
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, fmt.Errorf("optima plot: %w", err)
			}
			l.Color = c
			if which == "D" {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			sym := "a"
			if which == "D" {
				sym = "b"
			}
			p.Legend.Add(fmt.Sprintf("%s %s_opt ∝ C^%s, %s = %s [%s, %s]", act, which, sym, sym, fit.FormatNum(exp.Value), fit.FormatNum(exp.Lo), fit.FormatNum(exp.Hi)), l)
		}
	}
	if drawn == 0 {
		return noData(p, "no profile has a minimum"), nil
	}
	return p, nil
}

// LNDResidualsPlot is 100·(actual − fitted)/fitted of each activation's
// approach-3 fit L(N, D) against N, one glyph per activation.
func LNDResidualsPlot(a *fit.Analysis) (*plot.Plot, error) {
	p := newPlot("Residuals of the approach-3 fit L = E + A/N^α + B/D^β", "non-embedding parameters N", "(actual − fitted) / fitted, %", true, false)
	drawn := 0
	for i, ar := range a.Activations {
		f := ar.Fit(fit.FormChinchilla)
		if !f.OK() {
			continue
		}
		var xy plotter.XYs
		for _, q := range a.Points {
			if q.Activation == ar.Activation {
				xy = append(xy, plotter.XY{X: q.N, Y: 100 * (q.Loss/f.Predict(q) - 1)})
			}
		}
		drawn += len(xy)
		if err := scatter(p, xy, colorOf(i), draw.CircleGlyph{}, fmt.Sprintf("%s (RMS log residual %s)", fit.Label(ar.Activation), fit.FormatNum(f.RMSLog))); err != nil {
			return nil, err
		}
	}
	if drawn == 0 {
		return noData(p, "no approach-3 fit succeeded"), nil
	}
	return p, nil
}

// LRTuningPlot is validation loss against peak learning rate for each
// activation's tuning runs, the chosen rate marked with a larger glyph.
func LRTuningPlot(a *fit.Analysis) (*plot.Plot, error) {
	p := newPlot("Learning-rate tuning on the smallest size (triangle: chosen rate)", "peak learning rate", "validation loss", true, false)
	drawn := 0
	for i, c := range a.LRTuning {
		var xy plotter.XYs
		var best plotter.XYs
		for k, lr := range c.LR {
			if !c.Loss[k].Finite() {
				continue
			}
			xy = append(xy, plotter.XY{X: lr, Y: float64(c.Loss[k])})
			if c.Multiplier[k] == c.Best {
				best = append(best, plotter.XY{X: lr, Y: float64(c.Loss[k])})
			}
		}
		drawn += len(xy)
		if len(xy) >= 2 {
			l, s, err := plotter.NewLinePoints(xy)
			if err != nil {
				return nil, fmt.Errorf("learning-rate plot: %w", err)
			}
			l.Color, s.Color = colorOf(i), colorOf(i)
			p.Add(l, s)
			p.Legend.Add(fmt.Sprintf("%s (N = %d, D = %d)", fit.Label(c.Activation), c.Params, c.Tokens), l)
		}
		if err := scatter(p, best, colorOf(i), draw.PyramidGlyph{}, ""); err != nil {
			return nil, err
		}
	}
	if drawn == 0 {
		return noData(p, "every tuning run diverged"), nil
	}
	return p, nil
}

// isoflopFigures are the IsoFLOP and learning-rate figures of a, by file
// name, in report order.
func isoflopFigures(a *fit.Analysis) ([]figure, error) {
	var out []figure
	add := func(name, caption string, mk func() (*plot.Plot, error)) error {
		p, err := mk()
		if err != nil {
			return fmt.Errorf("plot %s: %w", name, err)
		}
		b, err := render(p, "png")
		if err != nil {
			return fmt.Errorf("plot %s: %w", name, err)
		}
		out = append(out, figure{name: name, caption: caption, png: b})
		return nil
	}
	if a.IsoFLOP != nil {
		for _, r := range a.IsoFLOP.Approach2 {
			act := r.Activation
			if err := add(fileProfile(act), fmt.Sprintf("IsoFLOP profiles of %s: loss against N at each budget, the fitted parabola of log L in ln N, its minimum (triangle) and the 95%% interval of N_opt (bar).", fit.Label(act)),
				func() (*plot.Plot, error) { return ProfilePlot(a, act) }); err != nil {
				return nil, err
			}
		}
		if err := add(FileOptima, "N_opt and D_opt against C with 95% intervals and the fitted lines N_opt ∝ C^a (solid) and D_opt ∝ C^b (dashed).", func() (*plot.Plot, error) { return OptimaPlot(a) }); err != nil {
			return nil, err
		}
		if err := add(FileChinchillaResid, "Residuals of each activation's approach-3 fit L(N, D) on every IsoFLOP run.", func() (*plot.Plot, error) { return LNDResidualsPlot(a) }); err != nil {
			return nil, err
		}
	}
	if len(a.LRTuning) > 0 {
		if err := add(FileLRTuning, "Validation loss of each activation's smallest size against its peak learning rate; the triangle is the rate chosen.", func() (*plot.Plot, error) { return LRTuningPlot(a) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// figure is one rendered PNG with its caption.
type figure struct {
	name, caption string
	png           []byte
}

// writeIsoFLOPFigures writes the IsoFLOP and learning-rate figures into dir.
func writeIsoFLOPFigures(a *fit.Analysis, dir string) error {
	figs, err := isoflopFigures(a)
	if err != nil {
		return err
	}
	for _, f := range figs {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.png); err != nil {
			return err
		}
	}
	return nil
}

// isoflopTables are the tables of the IsoFLOP section.
func isoflopTables(a *fit.Analysis) []table {
	s := a.IsoFLOP
	if s == nil {
		return nil
	}
	prof := table{Title: "Approach 2: each IsoFLOP profile's minimum (estimate [95% interval])",
		Head: []string{"activation", "budget C", "runs", "N_opt", "D_opt", "D_opt/N_opt", "loss at N_opt", "minimum inside the sizes", "note"}}
	for _, r := range s.Approach2 {
		for _, bf := range r.Budgets {
			inside := "yes"
			if !bf.Inside {
				inside = "no (extrapolated)"
			}
			if bf.Error != "" {
				prof.Rows = append(prof.Rows, []string{fit.Label(r.Activation), fit.FormatNum(bf.Budget), fmt.Sprint(bf.Runs), "—", "—", "—", "—", "—", bf.Error})
				continue
			}
			prof.Rows = append(prof.Rows, []string{fit.Label(r.Activation), fit.FormatNum(bf.Budget), fmt.Sprint(bf.Runs), interval3(bf.NOpt), interval3(bf.DOpt),
				interval3(bf.TokensPerParam), interval3(bf.LossOpt), inside, ""})
		}
	}
	exps := table{Title: "Compute-optimal scaling per activation (estimate [95% interval])",
		Head: []string{"activation", "method", "a (N_opt ∝ C^a)", "b (D_opt ∝ C^b)", "frontier l (L_opt ∝ C^−l)", "E", "A", "B", "α", "β", "note"}}
	for _, r := range s.Approach2 {
		note := r.Error
		if note == "" {
			note = fmt.Sprintf("%d of %d bootstrap resamples used; residual SD of log L %s", r.BootUsed, r.BootUsed+r.BootFailed, fit.FormatNum(r.ResidualSD))
		}
		exps.Rows = append(exps.Rows, []string{fit.Label(r.Activation), "approach 2", interval3(r.A), interval3(r.B), interval3(r.FrontierExp), "", "", "", "", "", note})
	}
	for _, r := range s.Approach3 {
		ar := a.Activation(r.Activation)
		f := ar.Fit(fit.FormChinchilla)
		row := []string{fit.Label(r.Activation), "approach 3", interval3(r.A), interval3(r.B), ""}
		for _, n := range []string{"E", "A", "B", "alpha", "beta"} {
			if f.OK() {
				row = append(row, interval3(f.Param(n)))
			} else {
				row = append(row, "—")
			}
		}
		row = append(row, r.Error)
		exps.Rows = append(exps.Rows, row)
	}
	tpp := table{Title: "Compute-optimal tokens per parameter D_opt/N_opt at each budget (estimate [95% interval])",
		Head: []string{"budget C"}}
	for _, r := range s.Approach2 {
		tpp.Head = append(tpp.Head, fit.Label(r.Activation)+" (approach 2)")
	}
	for _, r := range s.Approach3 {
		tpp.Head = append(tpp.Head, fit.Label(r.Activation)+" (approach 3)")
	}
	for k, c := range s.Budgets {
		row := []string{fit.FormatNum(c)}
		for _, r := range s.Approach2 {
			cell := "—"
			for _, bf := range r.Budgets {
				if bf.Budget == c && bf.Error == "" {
					cell = interval3(bf.TokensPerParam)
				}
			}
			row = append(row, cell)
		}
		for _, r := range s.Approach3 {
			cell := "—"
			if k < len(r.Budgets) {
				cell = interval3(r.Budgets[k].TokensPerParam)
			}
			row = append(row, cell)
		}
		tpp.Rows = append(tpp.Rows, row)
	}
	out := []table{exps, tpp, prof}
	if v := s.Verdict; v != nil {
		cmp := table{Title: fmt.Sprintf("%s against %s (difference: %s − %s; ratio: %s / %s; 95%% intervals from paired bootstrap draws)", v.Candidate, v.Baseline, v.Candidate, v.Baseline, v.Candidate, v.Baseline),
			Head: []string{"quantity", "method", v.Baseline, v.Candidate, "difference or ratio", "differs"}}
		for _, c := range append(append([]fit.Comparison(nil), v.Exponents...), v.Allocation...) {
			kind := "difference "
			if c.Ratio {
				kind = "ratio "
			}
			cmp.Rows = append(cmp.Rows, []string{c.Name, c.Method, interval3(c.Baseline), interval3(c.Candidate), kind + interval3(c.Delta), c.Differs})
		}
		for _, l := range []struct {
			name string
			p    fit.Param
		}{{"compute lead C_" + v.Baseline + "/C_" + v.Candidate + " at equal loss", v.Lead}, {"compute lead (approach 3)", v.Lead3}} {
			if l.p.Value.Finite() {
				m := "approach 2"
				if strings.Contains(l.name, "approach 3") {
					m = "approach 3"
				}
				cmp.Rows = append(cmp.Rows, []string{strings.TrimSuffix(l.name, " (approach 3)"), m, "", "", "ratio " + interval3(l.p), judge1(l.p)})
			}
		}
		out = append([]table{cmp}, out...)
	}
	return out
}

func judge1(p fit.Param) string {
	if !p.Lo.Finite() || !p.Hi.Finite() {
		return "n/a"
	}
	if float64(p.Lo) > 1 || float64(p.Hi) < 1 {
		return "yes"
	}
	return "no difference resolved"
}

// lrTable lists every tuning run.
func lrTable(a *fit.Analysis) table {
	t := table{Title: "Learning-rate tuning (smallest size of each activation, the grid's tokens)",
		Head: []string{"activation", "N", "D", "multiplier", "peak lr", "val loss", "chosen"}}
	for _, c := range a.LRTuning {
		for k := range c.LR {
			chosen := ""
			if c.Multiplier[k] == c.Best {
				chosen = "yes"
				if c.AtEdge != "" {
					chosen += " (the " + c.AtEdge + " rate of the ladder: the best may lie beyond it)"
				}
			}
			loss := "diverged"
			if c.Loss[k].Finite() {
				loss = fmt.Sprintf("%.4f", float64(c.Loss[k]))
			}
			t.Rows = append(t.Rows, []string{fit.Label(c.Activation), fmt.Sprint(c.Params), fmt.Sprint(c.Tokens), fmt.Sprintf("×%g", c.Multiplier[k]), fmt.Sprintf("%.4g", c.LR[k]), loss, chosen})
		}
	}
	return t
}

// lrSummary says which rate each activation used.
func lrSummary(a *fit.Analysis) string {
	var parts []string
	for _, c := range a.LRTuning {
		parts = append(parts, fmt.Sprintf("%s ×%g (peak lr %.4g at N = %d)", fit.Label(c.Activation), c.Best, c.BestLR, c.Params))
	}
	return "Each activation's peak learning rate was tuned on its smallest size (×¼ to ×4 of the base rate, extended by factors of 2 while the best stayed at an edge) and the chosen multiplier applied to every size's base rate: " + strings.Join(parts, "; ") + "."
}

// isoflopMethod describes the IsoFLOP analysis.
const isoflopMethod = "IsoFLOP analysis (Hoffmann et al. 2022). Approach 2: for each budget, log L is fitted by least squares with a parabola in ln N; its vertex is N_opt(C), D_opt = C/(6·N_opt), and its height the frontier loss L_opt(C). Lines through ln N_opt and ln L_opt against ln C give N_opt ∝ C^a (hence D_opt ∝ C^(1−a)) and L_opt ∝ C^−l. Intervals: residual bootstrap — the residuals of all of an activation's parabolas, divided by sqrt(1 − leverage) and centred, are pooled and redrawn onto every parabola's fitted values, and everything is refitted; 95% intervals use tails at Φ(−t₀.₉₇₅) with the residuals' degrees of freedom (on simulated grids they covered the truth in 93–97.5% of 200 data sets). Approach 3: L = E + A/N^α + B/D^β fitted on every IsoFLOP run of the activation (identifiable here because D/N varies within each budget), with N_opt = G·(C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)). Comparisons pair bootstrap draw i of one activation with draw i of the other; a quantity \"differs\" when the interval of the difference excludes 0 (of a ratio, 1). The compute lead is the ratio of the computes at which the two frontiers reach the baseline's frontier loss at the largest budget."

// isoflopMarkdown is the IsoFLOP and learning-rate sections of report.md.
func isoflopMarkdown(a *fit.Analysis) string {
	var b strings.Builder
	if s := a.IsoFLOP; s != nil {
		b.WriteString("## IsoFLOP: compute-optimal frontiers\n\n")
		if s.Verdict != nil {
			b.WriteString("**IsoFLOP verdict.** " + s.Verdict.Summary + "\n\n")
		}
		for _, t := range isoflopTables(a) {
			b.WriteString(t.markdown())
		}
		for _, r := range s.Approach2 {
			fmt.Fprintf(&b, "![IsoFLOP profiles of %s](%s)\n\n", fit.Label(r.Activation), fileProfile(r.Activation))
		}
		fmt.Fprintf(&b, "![N_opt and D_opt against C](%s)\n\n![approach-3 residuals](%s)\n\n", FileOptima, FileChinchillaResid)
		b.WriteString(isoflopMethod + "\n\n")
	}
	if len(a.LRTuning) > 0 {
		b.WriteString("## Learning rates\n\n" + lrSummary(a) + "\n\n")
		b.WriteString(lrTable(a).markdown())
		fmt.Fprintf(&b, "![learning-rate tuning](%s)\n\n", FileLRTuning)
	}
	return b.String()
}

var isoflopHTMLTmpl = template.Must(template.New("iso").Parse(`{{if .Iso}}<h2>IsoFLOP: compute-optimal frontiers</h2>
{{if .Summary}}<p class="verdict"><strong>IsoFLOP verdict.</strong> {{.Summary}}</p>{{end}}
{{range .Tables}}<h3>{{.Title}}</h3><table><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{range .IsoFigs}}<figure><img alt="{{.Alt}}" src="{{.Src}}"><figcaption>{{.Alt}}</figcaption></figure>
{{end}}<p>{{.Method}}</p>{{end}}
{{if .LR}}<h2>Learning rates</h2><p>{{.LRSummary}}</p>
<h3>{{.LRTable.Title}}</h3><table><tr>{{range .LRTable.Head}}<th>{{.}}</th>{{end}}</tr>
{{range .LRTable.Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{range .LRFigs}}<figure><img alt="{{.Alt}}" src="{{.Src}}"><figcaption>{{.Alt}}</figcaption></figure>{{end}}{{end}}`))

// isoflopHTML renders the IsoFLOP and learning-rate sections with their
// figures embedded ("" when the analysis has neither).
func isoflopHTML(a *fit.Analysis) (template.HTML, error) {
	if a.IsoFLOP == nil && len(a.LRTuning) == 0 {
		return "", nil
	}
	figs, err := isoflopFigures(a)
	if err != nil {
		return "", err
	}
	type img struct {
		Alt string
		Src template.URL
	}
	var iso, lr []img
	for _, f := range figs {
		im := img{Alt: f.caption, Src: dataURI(f.png)}
		if f.name == FileLRTuning {
			lr = append(lr, im)
		} else {
			iso = append(iso, im)
		}
	}
	data := map[string]any{"Iso": a.IsoFLOP != nil, "Tables": isoflopTables(a), "IsoFigs": iso, "Method": isoflopMethod,
		"LR": len(a.LRTuning) > 0, "LRFigs": lr}
	if a.IsoFLOP != nil && a.IsoFLOP.Verdict != nil {
		data["Summary"] = a.IsoFLOP.Verdict.Summary
	}
	if len(a.LRTuning) > 0 {
		data["LRSummary"] = lrSummary(a)
		data["LRTable"] = lrTable(a)
	}
	var b strings.Builder
	if err := isoflopHTMLTmpl.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render the IsoFLOP section: %w", err)
	}
	return template.HTML(b.String()), nil // escaped by html/template above
}
