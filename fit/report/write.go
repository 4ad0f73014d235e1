package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/internal/atomicfile"
)

// Files written by Write.
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
func Write(a *fit.Analysis, dir string, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write analysis: %w", err)
	}
	js, err := json.MarshalIndent(struct {
		Meta     Meta          `json:"meta"`
		Analysis *fit.Analysis `json:"analysis"`
	}{meta, a}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", FileAnalysis, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileAnalysis), append(js, '\n')); err != nil {
		return err
	}
	type fig struct {
		name, format string
		make         func(*fit.Analysis) (*plot.Plot, error)
	}
	rendered := map[string][]byte{}
	for _, f := range []fig{
		{FileScalingPN, "png", ScalingPlot},
		{FileScalingSV, "svg", ScalingPlot},
		{FileCurves, "png", CurvesPlot},
		{FileResiduals, "png", ResidualsPlot},
	} {
		p, err := f.make(a)
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
		rendered[f.name] = b
	}
	if err := writeIsoFLOPFigures(a, dir); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, FileReportMD), []byte(Markdown(a, meta))); err != nil {
		return err
	}
	html, err := HTML(a, meta, rendered[FileScalingSV], rendered[FileResiduals], rendered[FileCurves])
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileReportHTM), html)
}
