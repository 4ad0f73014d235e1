package results

import (
	"context"
	"fmt"

	"github.com/empirical-scaling/harness/fit"
)

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
	for _, w := range s.Warnings {
		a.Notes = append(a.Notes, "warning: "+w)
	}
	meta := fit.NewMeta(command)
	meta.Grid, meta.Device = s.Grid, s.Device
	if err := a.Write(dir, meta); err != nil {
		return nil, err
	}
	return a, nil
}
