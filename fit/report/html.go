package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"

	"github.com/empirical-scaling/harness/fit"
)

var htmlReport = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Scaling report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
th{background:#f3f3f3}
.verdict{font-size:1.2rem;padding:.75rem;border-left:4px solid #1f77b4;background:#f5f9fc}
.verdict.qualified{border-left-color:#d65f0e;background:#fdf5ee}
figure{margin:1rem 0}
figure svg,figure img{max-width:100%;height:auto}
code{background:#f3f3f3;padding:0 .2rem}
</style></head><body>
<h1>Scaling report</h1>
<p class="verdict{{if .Qualified}} qualified{{end}}"><strong>{{.Headline}}</strong></p>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}
{{range .Evidence}}<p>{{.}}</p>{{end}}
<figure>{{.ScalingSVG}}<figcaption>Validation loss vs compute (log-log): circles are anchors, crosses are holdouts, bars are each holdout's predicted 95% interval.</figcaption></figure>
{{.IsoFLOP}}
<h2>Fits</h2><p>Each cell is the estimate [95% interval].</p>
{{range .Fits}}{{template "table" .}}{{end}}
<h2>Holdouts</h2>
{{template "table" .Holdouts}}
{{template "table" .Laws}}
<figure><img alt="residuals" src="{{.Residuals}}"></figure>
<h2>Runs</h2>
{{template "table" .Runs}}
<figure><img alt="training curves" src="{{.Curves}}"></figure>
{{if .Samples}}<h2>Samples</h2><p>{{.SampleHeading}}</p>{{range .Samples}}<p><b>{{.Label}}</b> ({{.Run}}, N = {{.N}}, val loss {{printf "%.4f" .Loss}}):</p><blockquote style="white-space: pre-wrap">{{.Text}}</blockquote>{{end}}{{end}}
{{if .Notes}}<h2>Notes</h2><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Method</h2><ul>{{range .Method}}<li>{{.}}</li>{{end}}</ul>
<p>Every number is also in <code>analysis.json</code>.</p>
<h2>Provenance</h2><table>{{range .Provenance}}<tr><th>{{index . 0}}</th><td><code>{{index . 1}}</code></td></tr>{{end}}</table>
</body></html>
{{define "table"}}<h3>{{.Title}}</h3>{{if .Rows}}<table><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p>(none)</p>{{end}}{{end}}
`))

// inlineSVG strips the XML prolog from an SVG document so it can sit inside
// HTML.
func inlineSVG(svg []byte) template.HTML {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return template.HTML(s) // produced by gonum/plot from our own data
}

func dataURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// HTML renders the self-contained report: the scaling plot inline as SVG,
// the other plots as embedded PNGs.
func HTML(a *fit.Analysis, m Meta, scalingSVG, residualsPNG, curvesPNG []byte) ([]byte, error) {
	data := map[string]any{
		"Headline":   headline(a),
		"ScalingSVG": inlineSVG(scalingSVG),
		"Fits":       fitTables(a),
		"Holdouts":   holdoutTable(a),
		"Laws":       lawTable(a),
		"Evidence":   evidenceLines(a),
		"Runs":       runTable(a),
		"Residuals":  dataURI(residualsPNG),
		"Curves":     dataURI(curvesPNG),
		"Notes":      a.Notes,
		"Method":     methodLines(a),
		"Provenance": provenanceRows(m),
	}
	if len(m.Samples) > 0 {
		type shown struct {
			Label, Run, N, Text string
			Loss                float64
		}
		var ss []shown
		for _, s := range m.Samples {
			ss = append(ss, shown{fit.Label(s.Activation), s.Run, fit.FormatNum(fit.Num(s.N)), s.Text, s.Loss})
		}
		data["Samples"], data["SampleHeading"] = ss, sampleHeading(m.Samples)
	}
	if a.Verdict != nil {
		data["Summary"] = a.Verdict.Summary
		data["Qualified"] = a.Verdict.Qualified
	}
	iso, err := isoflopHTML(a)
	if err != nil {
		return nil, err
	}
	data["IsoFLOP"] = iso
	var buf bytes.Buffer
	if err := htmlReport.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	return buf.Bytes(), nil
}
