// Package report presents a fit.Analysis: the scaling, residual and
// training-curve plots (gonum/plot), the fit and holdout tables, report.md,
// a self-contained report.html and analysis.json, each written atomically.
// The fits themselves live in package fit, which imports none of this.
package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/empirical-scaling/harness/fit"
	"github.com/empirical-scaling/harness/internal/provenance"
)

// Meta is the provenance printed in a report: what produced it and where.
type Meta struct {
	Command       string `json:"command"`
	GoVersion     string `json:"go_version"`
	ModuleVersion string `json:"module_version"`
	GitDescribe   string `json:"git_describe,omitempty"`
	Date          string `json:"date"`
	Grid          string `json:"grid,omitempty"`
	Device        string `json:"device,omitempty"`
}

// NewMeta fills the Go version, the main module's version (with its VCS
// revision when the binary was built with one), `git describe` of the
// working directory when git is available, and the current UTC date.
func NewMeta(command string) Meta {
	return Meta{Command: command, GoVersion: provenance.GoVersion(), ModuleVersion: provenance.Module(),
		GitDescribe: provenance.GitDescribe(), Date: time.Now().UTC().Format(time.RFC3339)}
}

// headline is the verdict in one line.
func headline(a *fit.Analysis) string {
	if a.Verdict == nil && a.IsoFLOP != nil && a.IsoFLOP.Verdict != nil {
		v := a.IsoFLOP.Verdict
		return fmt.Sprintf("IsoFLOP comparison of %s against %s: compute-optimal frontiers (approaches 2 and 3); see the IsoFLOP verdict.", v.Candidate, v.Baseline)
	}
	if a.Verdict == nil {
		return "No verdict: " + strings.Join(a.Notes, "; ")
	}
	return "Verdict: " + a.Verdict.Headline + "."
}

// evidenceLines are the paragraphs under the verdict: the law choice and
// the seed's rule beside ours.
func evidenceLines(a *fit.Analysis) []string {
	var out []string
	if a.LawChoice != nil {
		out = append(out, a.LawChoice.Reason)
	}
	if v := a.Verdict; v != nil && v.SeedRule != nil {
		line := v.SeedRule.Summary
		if v.SeedRule.Why != "" {
			line += " " + v.SeedRule.Why
		} else {
			line += " Ours agrees."
		}
		out = append(out, line)
	}
	return out
}

// methodLines describe how every number was made.
func methodLines(a *fit.Analysis) []string {
	o := a.Options
	lines := []string{
		"Each activation is fitted on its anchor runs only; holdout runs are predicted, never fitted.",
		"Log-linear L = a·C^−b: least squares of log L on log C. Saturating L = E + a·C^−b: least squares on log L with 0 < E < min L (E = min L·σ(u)), gonum L-BFGS from 24 starts. Chinchilla approach 3, L = E + A/N^α + B/D^β: log L = LSE(a − α log N, b − β log D, e), summed Huber loss (δ = 1e−3) of the log L residuals, L-BFGS from a grid of starts, lowest objective wins (Hoffmann et al. 2022; Besiroglu et al. 2024). Approach 3 is skipped when every anchor has about the same D/N (a Chinchilla-ratio sweep), because N and D then move together and the law is not identifiable.",
		fmt.Sprintf("Uncertainty: %d bootstrap resamples per fit (seed %d), each refitted from the full-data fit. Runs (every size and seed) are resampled with replacement; a resample with fewer distinct sizes than the law has parameters is drawn again. (Resampling seeds within sizes was rejected: with 2–3 seeds per size it gave a false exponent shift in 10–24%% of simulated null sweeps.) Intervals are 95%% expanded percentile intervals (Hesterberg 2015), which widen plain percentile intervals for small samples: tails at Φ(−sqrt(n/(n−p))·t₀.₉₇₅,ₙ₋ₚ) for n runs and p parameters.", o.Boot.Resamples, o.Boot.Seed),
		"Holdout intervals are the bootstrap spread of the fitted law at the holdout (the uncertainty of the law, not of a single run's noise); error % = 100·(predicted − actual)/actual. The interval of a run adds, in quadrature on log L, the anchors' spread around the fit (t₀.₉₇₅,ₙ₋ₚ · RMS log residual · sqrt(n/(n−p))): a holdout inside it is one the law predicted. A law misses its holdouts when more fall outside than 95% intervals allow by chance (P(Binomial(n, 0.05) ≥ misses) ≤ 0.05 for n holdout predictions).",
	}
	lines = append(lines, fmt.Sprintf("Law choice: each compute law is checked on the runs it was not fitted to, pooled over %s and %s: the holdouts (how many fall inside their predicted 95%% intervals, and the RMS of their errors), or, when an activation has no holdout, each anchor size left out in turn and predicted from the others. The log-linear law's residuals are tested for curvature: log L is regressed on x = log C − mean and x², and the x² coefficient's t statistic gives a two-sided p-value (Student's t, n − 3 degrees of freedom), counted as curved below 0.05 divided by the number of activations. The log-linear law, the simpler one, is kept unless it misses a holdout or its residuals curve and the saturating law predicts the unseen runs with a lower RMS error and no more misses. The verdict is made under every law, and its headline says when the evidence is against the law it rests on.", o.Baseline, o.Candidate),
		"The seed's rule, shown for comparison: on the log-linear fits, exponents within 5% of b_baseline mean a constant offset and anything else an exponent shift; a law whose holdout errors are all under 5% is good. It uses point estimates only, so it cannot say when the sweep is too small to tell.")
	if v := a.Verdict; v != nil {
		lines = append(lines, fmt.Sprintf("Verdict rule (%s law): exponent shift if the interval of Δb = b_%s − b_%s excludes 0; constant offset if it includes 0, lies within ±%.4g and the compute multiplier's interval excludes 1; otherwise inconclusive at this scale. Threshold: %s. The two activations are bootstrapped independently and draw i of one is paired with draw i of the other.",
			v.Form, v.Candidate, v.Baseline, float64(v.Threshold), v.ThresholdWhy))
	}
	return lines
}

// provenanceRows are the report's provenance lines, label and value.
func provenanceRows(m Meta) [][2]string {
	rows := [][2]string{{"command", m.Command}, {"go", m.GoVersion}, {"module", m.ModuleVersion}}
	if m.GitDescribe != "" {
		rows = append(rows, [2]string{"git describe", m.GitDescribe})
	}
	rows = append(rows, [2]string{"date", m.Date})
	if m.Grid != "" {
		rows = append(rows, [2]string{"grid", m.Grid})
	}
	if m.Device != "" {
		rows = append(rows, [2]string{"device", m.Device})
	}
	return rows
}

// Markdown renders the report as Markdown, with the plots as images next
// to it.
func Markdown(a *fit.Analysis, m Meta) string {
	var b strings.Builder
	b.WriteString("# Scaling report\n\n")
	fmt.Fprintf(&b, "**%s**\n\n", headline(a))
	if a.Verdict != nil {
		b.WriteString(a.Verdict.Summary + "\n\n")
	}
	for _, l := range evidenceLines(a) {
		b.WriteString(l + "\n\n")
	}
	b.WriteString("![validation loss vs compute](scaling.png)\n\n")
	b.WriteString(isoflopMarkdown(a))
	b.WriteString("## Fits\n\nEach cell is the estimate [95% interval].\n\n")
	for _, t := range fitTables(a) {
		b.WriteString(t.markdown())
	}
	b.WriteString("## Holdouts\n\n")
	b.WriteString(holdoutTable(a).markdown())
	b.WriteString(lawTable(a).markdown())
	b.WriteString("![residuals](residuals.png)\n\n")
	b.WriteString("## Runs\n\n")
	b.WriteString(runTable(a).markdown())
	b.WriteString("![training curves](curves.png)\n\n")
	if len(a.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range a.Notes {
			b.WriteString("- " + n + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("## Method\n\n")
	for _, l := range methodLines(a) {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\nEvery number is also in `analysis.json`.\n\n## Provenance\n\n")
	for _, r := range provenanceRows(m) {
		fmt.Fprintf(&b, "- %s: `%s`\n", r[0], strings.ReplaceAll(r[1], "`", "'"))
	}
	return b.String()
}
