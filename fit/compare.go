package fit

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ComparedSweep is one sweep of a comparison: its label and its whole
// analysis.
type ComparedSweep struct {
	Label    string    `json:"label"`
	Analysis *Analysis `json:"analysis"`
}

// SweepDelta compares one activation's compute exponent b in a sweep with
// the same activation's in the reference sweep (the first), under one
// law: Δb = b_sweep − b_reference, with a 95% interval from pairing draw i
// of the two sweeps' independent bootstraps, as the verdict pairs the two
// activations within a sweep.
type SweepDelta struct {
	Activation  string `json:"activation"`
	Sweep       string `json:"sweep"`
	Reference   string `json:"reference"`
	Form        string `json:"form"`
	B           Param  `json:"b"`
	BReference  Param  `json:"b_reference"`
	DeltaB      Param  `json:"delta_b"`
	PairedDraws int    `json:"paired_draws"`
	// Differs is true when the interval of Δb excludes 0: the exponent
	// moved between the sweeps.
	Differs bool `json:"differs"`
	// Note says why Δb is missing (a fit failed, too few draws).
	Note string `json:"note,omitempty"`
}

// SweepComparison is two or more sweeps fitted side by side.
type SweepComparison struct {
	Sweeps []ComparedSweep `json:"sweeps"`
	// Form is the law the exponents are compared under: the first sweep's
	// verdict law, so that every Δb compares like with like.
	Form   string       `json:"form"`
	Deltas []SweepDelta `json:"deltas"`
}

// Compare fits each sweep's points (labels[k] names points[k]) with opts
// and compares each activation's exponent across sweeps. Sweep k is
// bootstrapped with seed opts.Boot.Seed+k, so the sweeps' bootstraps are
// independent (the first sweep's numbers are those of its own report).
func Compare(ctx context.Context, labels []string, points [][]Point, opts Options) (*SweepComparison, error) {
	if len(labels) != len(points) {
		return nil, fmt.Errorf("compare: %d labels for %d sweeps", len(labels), len(points))
	}
	if len(points) < 2 {
		return nil, errors.New("compare: need at least two sweeps")
	}
	opts = opts.WithDefaults()
	c := &SweepComparison{}
	for k, pts := range points {
		o := opts
		o.Boot.Seed = opts.Boot.Seed + uint64(k)
		a, err := Analyze(ctx, pts, o)
		if err != nil {
			return nil, fmt.Errorf("sweep %s: %w", labels[k], err)
		}
		c.Sweeps = append(c.Sweeps, ComparedSweep{Label: labels[k], Analysis: a})
	}
	ref := c.Sweeps[0]
	c.Form = ref.Analysis.VerdictLaw()
	for _, s := range c.Sweeps[1:] {
		for _, ar := range ref.Analysis.Activations {
			other := s.Analysis.Activation(ar.Activation)
			if other == nil {
				continue
			}
			c.Deltas = append(c.Deltas, sweepDelta(ar.Fit(c.Form), other.Fit(c.Form), ar.Activation, s.Label, ref.Label, c.Form))
		}
	}
	return c, nil
}

// sweepDelta is Δb of one activation between two sweeps.
func sweepDelta(fr, fs *FitResult, act, sweep, reference, form string) SweepDelta {
	d := SweepDelta{Activation: act, Sweep: sweep, Reference: reference, Form: form,
		B: Param{Name: "b", Value: nan, Lo: nan, Hi: nan}, BReference: Param{Name: "b", Value: nan, Lo: nan, Hi: nan},
		DeltaB: Param{Name: "delta_b", Value: nan, Lo: nan, Hi: nan}}
	if !fr.OK() || !fs.OK() {
		d.Note = fmt.Sprintf("no %s fit in both sweeps", form)
		return d
	}
	d.B, d.BReference = fs.Param("b"), fr.Param("b")
	d.DeltaB.Value = d.B.Value - d.BReference.Value
	if fr.Boot == nil || fs.Boot == nil {
		d.Note = "no bootstrap draws"
		return d
	}
	bj := indexOf(fr.form.ParamNames(), "b")
	n := min(len(fr.Boot.Draws), len(fs.Boot.Draws))
	d.PairedDraws = n
	if n < minPairedDraws {
		d.Note = fmt.Sprintf("only %d paired bootstrap draws, too few for an interval", n)
		return d
	}
	db := make([]float64, n)
	for i := range db {
		db[i] = fs.Boot.Draws[i][bj] - fr.Boot.Draws[i][bj]
	}
	lo, hi := interval(db, math.Min(float64(fr.Tail), float64(fs.Tail)))
	d.DeltaB.Lo, d.DeltaB.Hi = Num(lo), Num(hi)
	d.Differs = lo > 0 || hi < 0
	return d
}
