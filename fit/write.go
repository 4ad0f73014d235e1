package fit

import (
	"encoding/json"
	"fmt"
	"os"

	"gonum.org/v1/plot"
)

// Files written by Analysis.Write.
const (
	FileAnalysis  = "analysis.json"
	FileScalingPN = "scaling.png"
	FileScalingSV = "scaling.svg"
	FileCurves    = "curves.png"
	FileResiduals = "residuals.png"
	FileReportMD  = "report.md"
	FileReportHTM = "report.html"
)

// Write writes the analysis into dir (created if missing), each file
// atomically: analysis.json (every number and meta), scaling.png,
// scaling.svg, curves.png, residuals.png, report.md and report.html.
func (a *Analysis) Write(dir string, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write analysis: %w", err)
	}
	js, err := json.MarshalIndent(struct {
		Meta     Meta      `json:"meta"`
		Analysis *Analysis `json:"analysis"`
	}{meta, a}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", FileAnalysis, err)
	}
	if err := writeAtomic(dir, FileAnalysis, append(js, '\n')); err != nil {
		return err
	}
	type fig struct {
		name, format string
		make         func() (*plot.Plot, error)
	}
	rendered := map[string][]byte{}
	for _, f := range []fig{
		{FileScalingPN, "png", a.ScalingPlot},
		{FileScalingSV, "svg", a.ScalingPlot},
		{FileCurves, "png", a.CurvesPlot},
		{FileResiduals, "png", a.ResidualsPlot},
	} {
		p, err := f.make()
		if err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		b, err := render(p, f.format)
		if err != nil {
			return fmt.Errorf("plot %s: %w", f.name, err)
		}
		if err := writeAtomic(dir, f.name, b); err != nil {
			return err
		}
		rendered[f.name] = b
	}
	if err := writeAtomic(dir, FileReportMD, []byte(a.Markdown(meta))); err != nil {
		return err
	}
	html, err := a.HTML(meta, rendered[FileScalingSV], rendered[FileResiduals], rendered[FileCurves])
	if err != nil {
		return err
	}
	return writeAtomic(dir, FileReportHTM, html)
}
