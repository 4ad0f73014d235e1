// Package results reads points to fit from files: a sweep's result files
// (written by the experiment package) or a CSV of external points. It is
// the only bridge between experiment and fit, so that fit itself does not
// depend on experiment, and Report ties loading, fitting and writing the
// report together for `analyze -results` and the end of a sweep.
package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/empirical-scaling/harness/data/synth"
	"github.com/empirical-scaling/harness/experiment"
	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/report"
)

// Sweep is what LoadSweep read: the points to fit, the sweep's header, and
// the runs left out with the reason.
type Sweep struct {
	Grid    string
	Command string
	Version string
	Device  string
	Points  []fit.Point
	Skipped []string
	// Warnings are problems that do not stop the analysis, such as an
	// unreadable metrics.csv (the run then has no curve in curves.png).
	Warnings []string
}

// LoadSweep reads DIR/results.json and, for each run, DIR/<run>/result.json
// when present (it is newer than the copy in results.json, e.g. after an
// interrupted sweep). A run whose result carries no curve gets it from
// DIR/<run>/metrics.csv when that exists. Runs that are not finished, or whose loss is not a
// positive finite number, are skipped with a reason. A file that cannot be
// read or parsed is an error naming the file.
func LoadSweep(dir string) (*Sweep, error) {
	path := filepath.Join(dir, "results.json")
	var rs experiment.Results
	if err := readJSON(path, &rs); err != nil {
		return nil, err
	}
	s := &Sweep{Grid: rs.Grid, Command: rs.Command, Version: rs.Version}
	for i, r := range rs.Runs {
		if r.Name == "" {
			return nil, fmt.Errorf("%s: run %d has no name", path, i)
		}
		if filepath.Base(r.Name) != r.Name || r.Name == "." || r.Name == ".." {
			return nil, fmt.Errorf("%s: run name %q is not a plain folder name", path, r.Name)
		}
		own := filepath.Join(dir, r.Name, "result.json")
		var fresh experiment.Result
		err := readJSON(own, &fresh)
		switch {
		case err == nil:
			if fresh.Name != "" && fresh.Name != r.Name {
				return nil, fmt.Errorf("%s: names run %q, but results.json lists it as %q", own, fresh.Name, r.Name)
			}
			fresh.Name = r.Name
			r = fresh
		case errors.Is(err, fs.ErrNotExist):
		default:
			return nil, err
		}
		if s.Device == "" {
			s.Device = r.Device
		}
		p, why := Convert(r)
		if why != "" {
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s: %s", r.Name, why))
			continue
		}
		if len(p.Curve) == 0 {
			mpath := filepath.Join(dir, r.Name, "metrics.csv")
			curve, err := readCurve(mpath)
			switch {
			case err == nil:
				p.Curve = curve
			case !errors.Is(err, fs.ErrNotExist):
				s.Warnings = append(s.Warnings, err.Error())
			}
		}
		s.Points = append(s.Points, p)
	}
	return s, nil
}

// Convert turns one finished run into a fit.Point, or says why it cannot.
func Convert(r experiment.Result) (fit.Point, string) {
	if r.Status != experiment.StatusFinished {
		msg := "status " + r.Status
		if r.Error != "" {
			msg += ": " + r.Error
		}
		return fit.Point{}, msg
	}
	p := fit.Point{Run: r.Name, Activation: r.Activation, Role: r.Role, Seed: r.Seed,
		N: float64(r.Params), D: float64(r.Tokens), C: r.Compute, Loss: r.FinalLoss, Budget: r.Budget}
	if p.C == 0 && p.N > 0 && p.D > 0 {
		p.C = 6 * p.N * p.D
	}
	for _, c := range r.Curve {
		p.Curve = append(p.Curve, fit.CurvePoint{Tokens: float64(c.Tokens), ValLoss: c.ValLoss})
	}
	if err := p.Validate(); err != nil {
		return fit.Point{}, err.Error()
	}
	return p, ""
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

// Report is the whole analysis of a sweep folder, for `analyze -results`
// and for the end of a sweep: it loads dir, fits, and writes the report
// files into dir. command is the exact command line for the report's
// provenance. Runs left out (unfinished, failed, diverged) are listed in
// the report's notes.
func Report(ctx context.Context, dir string, opts fit.Options, command string) (*fit.Analysis, error) {
	s, err := LoadSweep(dir)
	if err != nil {
		return nil, err
	}
	a, err := fit.Analyze(ctx, s.Points, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for _, sk := range s.Skipped {
		a.Notes = append(a.Notes, "run left out: "+sk)
	}
	switch tun, err := experiment.ReadLRTuning(dir); {
	case err == nil:
		a.LRTuning = LRCurves(tun)
	case !errors.Is(err, fs.ErrNotExist):
		a.Notes = append(a.Notes, "warning: "+err.Error())
	}
	for _, w := range s.Warnings {
		a.Notes = append(a.Notes, "warning: "+w)
	}
	meta := report.NewMeta(command)
	meta.Grid, meta.Device = s.Grid, s.Device
	var notes []string
	meta.Samples, notes = Samples(ctx, dir, s.Points)
	a.Notes = append(a.Notes, notes...)
	if err := report.Write(a, dir, meta); err != nil {
		return nil, err
	}
	return a, nil
}

// LRCurves converts a sweep's learning-rate tuning for the report.
func LRCurves(t *experiment.LRTuning) []fit.LRTuningCurve {
	var out []fit.LRTuningCurve
	for _, c := range t.Curves {
		lc := fit.LRTuningCurve{Activation: c.Activation, Params: c.Params, Tokens: c.Tokens, Best: c.Best, BestLR: c.BestLR, AtEdge: c.AtEdge}
		for _, p := range c.Points {
			lc.Multiplier = append(lc.Multiplier, p.Multiplier)
			lc.LR = append(lc.LR, p.LR)
			lc.Loss = append(lc.Loss, fit.Num(p.Loss))
		}
		out = append(out, lc)
	}
	return out
}

// Sample settings of the report: one prompt and seed for every run, on the
// CPU, so the texts compare the models and not the draws.
const (
	SamplePrompt = "Once upon a time"
	SampleSeed   = 1
	SampleTokens = 48
)

// SamplePromptFor is the report's prompt for runs trained on source: none
// (the sample starts a new document) on the knowledge chronicle, whose
// documents are biographies that a story opening would derail, and
// SamplePrompt on everything else.
func SamplePromptFor(source string) string {
	if spec, ok, err := synth.ParseSource(source); err == nil && ok && !spec.Stories {
		return ""
	}
	return SamplePrompt
}

// Samples generates a short text from the largest run (by N; the lowest
// seed among equals) of each activation in pts, whose folders are under
// dir. A run without a checkpoint or tokenizer is left out, with a note
// saying why; a sweep none of whose runs can sample gives no samples.
func Samples(ctx context.Context, dir string, pts []fit.Point) ([]report.Sample, []string) {
	largest := map[string]fit.Point{}
	var order []string
	for _, p := range pts {
		q, ok := largest[p.Activation]
		if !ok {
			order = append(order, p.Activation)
		}
		if !ok || p.N > q.N || p.N == q.N && p.Seed < q.Seed {
			largest[p.Activation] = p
		}
	}
	var (
		out   []report.Sample
		notes []string
	)
	for _, act := range order {
		p := largest[act]
		runDir := filepath.Join(dir, p.Run)
		source, err := experiment.RunData(runDir)
		if err != nil {
			notes = append(notes, fmt.Sprintf("no sample from %s: %v", p.Run, err))
			continue
		}
		prompt := SamplePromptFor(source)
		text, err := experiment.SampleText(ctx, runDir, experiment.SampleOptions{
			Prompt: prompt, Tokens: SampleTokens, Seed: SampleSeed})
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			notes = append(notes, fmt.Sprintf("no sample from %s: %v", p.Run, err))
			continue
		}
		out = append(out, report.Sample{Activation: act, Run: p.Run, N: p.N, Loss: p.Loss,
			Prompt: prompt, Seed: SampleSeed, Text: text})
	}
	return out, notes
}
