package report

import (
	"fmt"
	"io"

	"github.com/empirical-scaling/harness/fit"
)

// WriteSummary prints the analysis for a terminal: each holdout prediction,
// then the verdict's headline (the same words that open report.md and
// report.html), its summary, the law the data support and the seed's rule
// beside ours.
func WriteSummary(w io.Writer, a *fit.Analysis) error {
	ew := &errWriter{w: w}
	for _, act := range a.Activations {
		for _, p := range act.Predictions {
			where := "inside"
			if !p.RunInside {
				where = "OUTSIDE"
			}
			ew.printf("holdout %s (%s fit): predicted %.4f [%.4f, %.4f], actual %.4f, error %+.2f%%, %s its 95%% interval for a run\n",
				p.Run, p.Form, float64(p.Predicted), float64(p.RunLo), float64(p.RunHi), float64(p.Actual), float64(p.ErrPct), where)
		}
	}
	for _, c := range a.LRTuning {
		ew.printf("learning rate: %s used ×%g of the base rate (%.4g at N = %d)\n", fit.Label(c.Activation), c.Best, c.BestLR, c.Params)
	}
	v := a.Verdict
	if v == nil && a.IsoFLOP != nil && a.IsoFLOP.Verdict != nil {
		ew.printf("IsoFLOP verdict: %s\n", a.IsoFLOP.Verdict.Summary)
		return ew.err
	}
	if v == nil {
		ew.printf("verdict: none (the fits it needs failed; see the report's notes)\n")
		return ew.err
	}
	ew.printf("verdict: %s\n%s\n", v.Headline, v.Summary)
	for _, l := range evidenceLines(a) {
		ew.printf("%s\n", l)
	}
	return ew.err
}

// errWriter keeps the first write error, so that a sequence of prints
// needs one check.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
