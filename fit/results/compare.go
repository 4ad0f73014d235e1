package results

import (
	"context"
	"fmt"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/fit/report"
)

// CompareReport fits two or more sweep folders side by side: it loads
// each (labels[k] names dirs[k]), compares them with fit.Compare, and
// writes compare.json, compare.png, compare.svg, compare.md and
// compare.html into out. command is the exact command line, for the
// report's provenance. Runs a folder leaves out are listed in that
// sweep's notes.
func CompareReport(ctx context.Context, dirs, labels []string, out string, opts fit.Options, command string) (*fit.SweepComparison, error) {
	if len(dirs) != len(labels) {
		return nil, fmt.Errorf("compare: %d labels for %d sweep folders", len(labels), len(dirs))
	}
	points := make([][]fit.Point, len(dirs))
	var sweeps []*Sweep
	for k, dir := range dirs {
		s, err := LoadSweep(dir)
		if err != nil {
			return nil, err
		}
		points[k], sweeps = s.Points, append(sweeps, s)
	}
	c, err := fit.Compare(ctx, labels, points, opts)
	if err != nil {
		return nil, err
	}
	for k, s := range sweeps {
		a := c.Sweeps[k].Analysis
		for _, sk := range s.Skipped {
			a.Notes = append(a.Notes, "run left out: "+sk)
		}
		for _, w := range s.Warnings {
			a.Notes = append(a.Notes, "warning: "+w)
		}
	}
	if err := report.WriteComparison(c, dirs, out, report.NewMeta(command)); err != nil {
		return nil, err
	}
	return c, nil
}
